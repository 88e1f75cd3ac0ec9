/*
 * Migration's source side, on the main loop: setup, precopy passes of RAM and device data
 * until the rest fits the downtime limit, then stop, send the rest and the devices' final
 * state; cancel and failure bring the VM and its devices back to running.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "migration-internal.h"
#include "migration/migration.h"
#include "monitor/qmp.h"
#include "system/messages.h"
#include "system/main-loop.h"
#include "system/bql.h"
#include "system/kvm.h"
#include "system/ramblock.h"
#include "system/runstate.h"
#include "trace.h"

#define STEP_MS 10                  /* the source's tick */
#define STEP_MAX (32ull << 20)      /* most bytes one tick sends */
#define STALL_S 20                  /* a destination that reads nothing this long has failed */

/* ---- writing ---- */

static bool write_all(int fd, const void *data, size_t len, GError **errp)
{
    const uint8_t *p = data;
    gint64 progress = g_get_monotonic_time();

    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        /* A socket's send timeout (STALL_S / 4) ends a write that makes no progress. */
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
            g_get_monotonic_time() - progress < STALL_S * G_USEC_PER_SEC) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "the destination has read nothing of the migration stream for %d s",
                        STALL_S);
            return false;
        }
        if (n <= 0) {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno),
                        "writing the migration stream failed: %s", g_strerror(errno));
            return false;
        }
        p += n;
        len -= (size_t)n;
        progress = g_get_monotonic_time();
    }
    return true;
}

static bool write_section(const char *name, const void *data, size_t len, void *opaque,
                          GError **errp)
{
    uint8_t head[9 + HD_MIG_NAME_MAX], tail[4];
    size_t head_len;

    (void)opaque;
    hd_mig_section_frame(name, data, len, head, &head_len, tail);
    if (!write_all(hd_mig.fd, head, head_len, errp) || !write_all(hd_mig.fd, data, len, errp) ||
        !write_all(hd_mig.fd, tail, 4, errp)) {
        return false;
    }
    hd_mig.bytes += head_len + len + 4;
    hd_mig.pass_bytes += head_len + len + 4;
    hd_mig.sections++;
    return true;
}

/* The config section: what the destination must match. */
static char *config_json(void)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    GPtrArray *in = hd_mig_instances();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "hostdev");
    json_builder_add_string_value(b, HOSTDEV_VERSION);
    json_builder_set_member_name(b, "ram-name");
    json_builder_add_string_value(b, hd_mig_ram_name());
    json_builder_set_member_name(b, "ram-size");
    json_builder_add_int_value(b, (gint64)hd_mig_ram_size());
    json_builder_set_member_name(b, "instances");
    json_builder_begin_array(b);
    for (guint i = 0; i < in->len; i++) {
        json_builder_add_string_value(b, hd_mig_instance_name(in->pdata[i]));
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

/* ---- source ---- */

void hd_mig_source_cleanup(bool failed)
{
    GPtrArray *in = hd_mig_instances();

    if (hd_mig.source_id) {
        g_source_remove(hd_mig.source_id);
        hd_mig.source_id = 0;
    }
    for (guint i = 0; i < in->len; i++) {
        HdMigInstance *x = in->pdata[i];

        if (x->set_up && x->ops->save_cleanup) {
            x->ops->save_cleanup(x->opaque, failed);
        }
        x->set_up = false;
    }
    hd_mig_ram_cleanup();
    g_clear_pointer(&hd_mig.sink, hd_mig_sink_free);
    if (hd_mig.fd >= 0) {
        close(hd_mig.fd);
        hd_mig.fd = -1;
    }
    hd_mig.end_us = g_get_monotonic_time();
}

/* Back to where the source was before: the VM runs again if it ran. */
static void source_fail(HdMigStatus status, GError *err)
{
    if (err) {
        g_free(hd_mig.error);
        hd_mig.error = g_strdup(err->message);
        hd_error_report("migration failed: %s", err->message);
    }
    hd_mig_source_cleanup(true);
    hd_mig_set_status(status);
    if (hd_mig.was_running && !hd_runstate_is_running()) {
        hd_runstate_set(HD_RUN_STATE_RUNNING);
        qmp_event_emit("RESUME", NULL);
    }
}

static bool save_instances_complete(GError **errp)
{
    GPtrArray *in = hd_mig_instances();

    for (guint i = 0; i < in->len; i++) {
        HdMigInstance *x = in->pdata[i];

        if (x->ops->save_complete) {
            hd_mig_sink_set_instance(hd_mig.sink, hd_mig_instance_name(x));
            if (!x->ops->save_complete(x->opaque, hd_mig.sink, errp)) {
                g_prefix_error(errp, "%s: ", hd_mig_instance_name(x));
                return false;
            }
        }
    }
    return true;
}

/* Stop the VM, send what is left and the end marker. */
static bool source_complete(GError **errp)
{
    g_autofree char *end = NULL;
    bool done = false;

    hd_mig.stop_us = g_get_monotonic_time();
    if (hd_runstate_is_running()) {
        hd_runstate_set(HD_RUN_STATE_FINISH_MIGRATE);
        qmp_event_emit("STOP", NULL);
    }
    hd_mig_set_status(HD_MIG_DEVICE);
    /* Devices first: once they have stopped (e.g. VFIO STOP_COPY), nothing writes guest RAM,
     * so the last dirty sync below sees every page a device or vCPU wrote. */
    if (!save_instances_complete(errp)) {
        return false;
    }
    hd_mig_ram_sync();
    hd_mig.pass++;
    while (!done) {
        if (hd_mig_ram_send(write_section, NULL, STEP_MAX, &done, errp) < 0) {
            return false;
        }
    }
    end = g_strdup_printf("{\"sections\": %" G_GUINT64_FORMAT "}", hd_mig.sections);
    return write_section("stream/end", end, strlen(end), NULL, errp);
}

static uint64_t devices_iterate(uint64_t budget, GError **errp, bool *ok)
{
    GPtrArray *in = hd_mig_instances();
    uint64_t pending = 0;

    *ok = true;
    for (guint i = 0; i < in->len; i++) {
        HdMigInstance *x = in->pdata[i];
        uint64_t p = 0;

        if (!x->ops->save_iterate) {
            continue;
        }
        hd_mig_sink_set_instance(hd_mig.sink, hd_mig_instance_name(x));
        if (!x->ops->save_iterate(x->opaque, hd_mig.sink, budget, &p, errp)) {
            g_prefix_error(errp, "%s: ", hd_mig_instance_name(x));
            *ok = false;
            return 0;
        }
        pending += p;
    }
    return pending;
}

static void emit_pass(void)
{
    if (*hd_mig_cap_events()) {
        g_autoptr(JsonObject) data = json_object_new();

        json_object_set_int_member(data, "pass", (gint64)hd_mig.pass);
        qmp_event_emit("MIGRATION_PASS", data);
    }
}

/*
 * Under KVM every vCPU exit (a port or MMIO access) takes the big lock, which the main thread
 * holds while it sends; a mutex gives waiters no turn when the main loop goes straight on to
 * the next tick, and the guest would stall for the whole precopy. Between ticks nothing is in
 * flux, as while the main loop polls: let the waiting vCPU threads in.
 */
static void let_vcpus_in(void)
{
    if (kvm_enabled()) {
        bql_unlock();
        g_usleep(500);
        bql_lock();
    }
}

/* One tick of precopy: send within the bandwidth limit; at a pass's end decide to stop. */
static gboolean source_tick(gpointer opaque)
{
    g_autoptr(GError) err = NULL;
    gint64 now = g_get_monotonic_time();
    uint64_t allowed, pending, before;
    bool pass_done, ok = false;
    int64_t sent;

    (void)opaque;
    if (now - hd_mig.budget_start_us >= 100000) {
        hd_mig.budget_start_us = now;
        hd_mig.budget_bytes = 0;
    }
    allowed = hd_mig_params()->max_bandwidth / 10;
    if (hd_mig.budget_bytes >= allowed) {
        return G_SOURCE_CONTINUE;
    }
    allowed = MIN(allowed - hd_mig.budget_bytes, STEP_MAX);
    before = hd_mig.bytes;
    sent = hd_mig_ram_send(write_section, NULL, allowed, &pass_done, &err);
    pending = sent < 0 ? 0 : devices_iterate(allowed, &err, &ok);
    if (sent < 0 || !ok) {
        hd_mig.source_id = 0;
        source_fail(HD_MIG_FAILED, err);
        return G_SOURCE_REMOVE;
    }
    hd_mig.budget_bytes += hd_mig.bytes - before;
    let_vcpus_in();
    if (!pass_done) {
        return G_SOURCE_CONTINUE;
    }
    /* A pass is done: what is dirty now, and would it fit the downtime limit? */
    {
        gint64 took_us = MAX(g_get_monotonic_time() - hd_mig.pass_start_us, 1);
        uint64_t bw = MAX(hd_mig.pass_bytes * 1000000 / (uint64_t)took_us, 1);
        HdMigRamStats rs = hd_mig_ram_stats();
        uint64_t pages = MAX(rs.normal_pages + rs.zero_pages - hd_mig.pass_pages, 1);
        uint64_t dirty = hd_mig_ram_sync();
        uint64_t expect_ms;

        bw = MIN(bw, hd_mig_params()->max_bandwidth);
        hd_mig.dirty_rate = dirty / RAM_BLOCK_PAGE_SIZE * 1000000 / (uint64_t)took_us;
        hd_mig.remaining = dirty;
        hd_mig.pass++;
        emit_pass();
        /* RAM at the pace of this pass in pages (zero pages cost almost no bytes but still
         * take time to find), device data at its pace in bytes. */
        expect_ms = dirty / RAM_BLOCK_PAGE_SIZE * (uint64_t)took_us / pages / 1000 +
                    pending * 1000 / bw;
        trace_migration_pass(hd_mig.pass, dirty, pending, expect_ms);
        hd_mig.pass_start_us = g_get_monotonic_time();
        hd_mig.pass_bytes = 0;
        hd_mig.pass_pages = rs.normal_pages + rs.zero_pages;
        if (expect_ms > hd_mig_params()->downtime_limit_ms) {
            return G_SOURCE_CONTINUE;
        }
    }
    hd_mig.source_id = 0;
    if (!source_complete(&err)) {
        source_fail(HD_MIG_FAILED, err);
        return G_SOURCE_REMOVE;
    }
    hd_mig_source_cleanup(false);
    hd_mig_set_status(HD_MIG_COMPLETED);
    if (!hd_runstate_is_running()) {
        hd_runstate_set(HD_RUN_STATE_POSTMIGRATE);
    }
    return G_SOURCE_REMOVE;
}

static bool busy(GError **errp)
{
    if (hd_mig.status == HD_MIG_SETUP || hd_mig.status == HD_MIG_ACTIVE ||
        hd_mig.status == HD_MIG_DEVICE || hd_mig.status == HD_MIG_CANCELLING || hd_mig.incoming) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "a migration is already %s; wait for it to end or migrate_cancel it",
                    hd_mig.incoming ? "coming in" : "in progress");
        return true;
    }
    return false;
}

bool hd_migration_start(const char *uri, GError **errp)
{
    uint8_t header[HD_MIG_HEADER_SIZE];
    g_autofree char *config = NULL;
    GPtrArray *in = hd_mig_instances();

    if (busy(errp) || !hd_mig_check_blockers(errp)) {
        return false;
    }
    if (hd_runstate_get() == HD_RUN_STATE_INMIGRATE) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "this VM is waiting for an incoming migration; it cannot migrate away");
        return false;
    }
    g_clear_pointer(&hd_mig.error, g_free);
    hd_mig.fd = hd_mig_transport_connect(uri, errp);
    if (hd_mig.fd < 0) {
        return false;
    }
    /* The stream is written from the main loop: a destination that stops reading (stopped,
     * hung) must fail the migration, not hang QMP and the guest with it. (Not a socket: no
     * timeout, which a file does not need.) */
    setsockopt(hd_mig.fd, SOL_SOCKET, SO_SNDTIMEO, &(struct timeval){ .tv_sec = STALL_S / 4 },
               sizeof(struct timeval));
    hd_mig.start_us = hd_mig.pass_start_us = hd_mig.budget_start_us = g_get_monotonic_time();
    hd_mig.stop_us = hd_mig.end_us = hd_mig.setup_done_us = 0;
    hd_mig.bytes = hd_mig.pass = hd_mig.remaining = hd_mig.dirty_rate = hd_mig.pass_bytes = 0;
    hd_mig.budget_bytes = hd_mig.sections = hd_mig.pass_pages = 0;
    hd_mig.was_running = hd_runstate_is_running();
    hd_mig.sink = hd_mig_sink_new_stream(write_section, NULL);
    hd_mig_set_status(HD_MIG_SETUP);
    trace_migration_start(uri);

    g_autoptr(GError) err = NULL;
    hd_mig_header_encode(header);
    config = config_json();
    if (!write_all(hd_mig.fd, header, sizeof(header), &err) ||
        !write_section("stream/config", config, strlen(config), NULL, &err) ||
        !hd_mig_ram_setup(&err)) {
        source_fail(HD_MIG_FAILED, err);
        return true; /* the migration started and failed: query-migrate says why */
    }
    hd_mig.bytes += sizeof(header);
    for (guint i = 0; i < in->len; i++) {
        HdMigInstance *x = in->pdata[i];

        if (x->ops->save_setup && !x->ops->save_setup(x->opaque, &err)) {
            g_prefix_error(&err, "%s: ", hd_mig_instance_name(x));
            source_fail(HD_MIG_FAILED, err);
            return true;
        }
        x->set_up = true;
    }
    hd_mig.setup_done_us = g_get_monotonic_time();
    hd_mig_set_status(HD_MIG_ACTIVE);
    hd_mig.source_id = g_timeout_add(STEP_MS, source_tick, NULL);
    return true;
}

bool hd_migration_cancel(GError **errp)
{
    (void)errp;
    if (hd_mig.incoming || !(hd_mig.status == HD_MIG_SETUP || hd_mig.status == HD_MIG_ACTIVE ||
                          hd_mig.status == HD_MIG_DEVICE)) {
        return true; /* QEMU: nothing to cancel is not an error */
    }
    hd_mig_set_status(HD_MIG_CANCELLING);
    if (hd_mig.fd >= 0) {
        shutdown(hd_mig.fd, SHUT_RDWR);
    }
    source_fail(HD_MIG_CANCELLED, NULL);
    return true;
}
