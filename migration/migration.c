/*
 * Migration's state machine, both ends, on the main loop. Source: setup, precopy passes of
 * RAM and device data until the rest fits the downtime limit, then stop, send the rest and the
 * devices' final state. Destination: a parser fed as bytes arrive, each section checked and
 * handed to RAM or its device; at the end the VM runs (or stays paused under -S).
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
#define READ_CHUNK (256u << 10)
#define STALL_S 20                  /* a destination that reads nothing this long has failed */

typedef struct Migration {
    HdMigStatus status;
    bool incoming;
    int fd;                 /* the stream */
    int listen_fd;          /* destination: the listening socket, -1 once accepted */
    guint source_id;        /* tick (source) or fd watch (destination) */
    HdMigSink *sink;
    HdMigParser *parser;
    char *error;
    gint64 start_us, setup_done_us, stop_us, end_us;
    uint64_t bytes;          /* written or read */
    uint64_t pass;           /* dirty-sync count */
    uint64_t remaining;      /* RAM dirty bytes at the last sync */
    uint64_t dirty_rate;     /* pages per second dirtied in the last pass */
    gint64 pass_start_us;
    uint64_t pass_bytes;
    uint64_t pass_pages;     /* RAM pages sent (zero or not) at the pass's start */
    uint64_t budget_bytes;   /* bandwidth limit accounting */
    gint64 budget_start_us;
    bool was_running;
    bool config_seen, end_seen;
    uint64_t sections;
} Migration;

static Migration mig = { .fd = -1, .listen_fd = -1 };
static HdMigParams params = {
    .downtime_limit_ms = 300,
    .max_bandwidth = 128ull << 20,
};
static bool cap_events;
static char *pending_incoming; /* -incoming URI, started once start-up is done */
static bool autostart = true;  /* the destination runs once loaded (no -S) */

const char *hd_mig_status_name(HdMigStatus s)
{
    static const char *const names[] = {
        [HD_MIG_NONE] = "none",           [HD_MIG_SETUP] = "setup",
        [HD_MIG_ACTIVE] = "active",       [HD_MIG_DEVICE] = "device",
        [HD_MIG_COMPLETED] = "completed", [HD_MIG_FAILED] = "failed",
        [HD_MIG_CANCELLING] = "cancelling", [HD_MIG_CANCELLED] = "cancelled",
    };
    return names[s];
}

HdMigParams *hd_mig_params(void)
{
    return &params;
}

bool *hd_mig_cap_events(void)
{
    return &cap_events;
}

static void set_status(HdMigStatus s)
{
    trace_migration_status(hd_mig_status_name(mig.status), hd_mig_status_name(s));
    mig.status = s;
    if (cap_events) {
        g_autoptr(JsonObject) data = json_object_new();

        json_object_set_string_member(data, "status", hd_mig_status_name(s));
        qmp_event_emit("MIGRATION", data);
    }
}

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
    if (!write_all(mig.fd, head, head_len, errp) || !write_all(mig.fd, data, len, errp) ||
        !write_all(mig.fd, tail, 4, errp)) {
        return false;
    }
    mig.bytes += head_len + len + 4;
    mig.pass_bytes += head_len + len + 4;
    mig.sections++;
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

static void source_cleanup(bool failed)
{
    GPtrArray *in = hd_mig_instances();

    if (mig.source_id) {
        g_source_remove(mig.source_id);
        mig.source_id = 0;
    }
    for (guint i = 0; i < in->len; i++) {
        HdMigInstance *x = in->pdata[i];

        if (x->set_up && x->ops->save_cleanup) {
            x->ops->save_cleanup(x->opaque, failed);
        }
        x->set_up = false;
    }
    hd_mig_ram_cleanup();
    g_clear_pointer(&mig.sink, hd_mig_sink_free);
    if (mig.fd >= 0) {
        close(mig.fd);
        mig.fd = -1;
    }
    mig.end_us = g_get_monotonic_time();
}

/* Back to where the source was before: the VM runs again if it ran. */
static void source_fail(HdMigStatus status, GError *err)
{
    if (err) {
        g_free(mig.error);
        mig.error = g_strdup(err->message);
        hd_error_report("migration failed: %s", err->message);
    }
    source_cleanup(true);
    set_status(status);
    if (mig.was_running && !hd_runstate_is_running()) {
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
            hd_mig_sink_set_instance(mig.sink, hd_mig_instance_name(x));
            if (!x->ops->save_complete(x->opaque, mig.sink, errp)) {
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

    mig.stop_us = g_get_monotonic_time();
    if (hd_runstate_is_running()) {
        hd_runstate_set(HD_RUN_STATE_FINISH_MIGRATE);
        qmp_event_emit("STOP", NULL);
    }
    set_status(HD_MIG_DEVICE);
    /* Devices first: once they have stopped (e.g. VFIO STOP_COPY), nothing writes guest RAM,
     * so the last dirty sync below sees every page a device or vCPU wrote. */
    if (!save_instances_complete(errp)) {
        return false;
    }
    hd_mig_ram_sync();
    mig.pass++;
    while (!done) {
        if (hd_mig_ram_send(write_section, NULL, STEP_MAX, &done, errp) < 0) {
            return false;
        }
    }
    end = g_strdup_printf("{\"sections\": %" G_GUINT64_FORMAT "}", mig.sections);
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
        hd_mig_sink_set_instance(mig.sink, hd_mig_instance_name(x));
        if (!x->ops->save_iterate(x->opaque, mig.sink, budget, &p, errp)) {
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
    if (cap_events) {
        g_autoptr(JsonObject) data = json_object_new();

        json_object_set_int_member(data, "pass", (gint64)mig.pass);
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
    if (now - mig.budget_start_us >= 100000) {
        mig.budget_start_us = now;
        mig.budget_bytes = 0;
    }
    allowed = params.max_bandwidth / 10;
    if (mig.budget_bytes >= allowed) {
        return G_SOURCE_CONTINUE;
    }
    allowed = MIN(allowed - mig.budget_bytes, STEP_MAX);
    before = mig.bytes;
    sent = hd_mig_ram_send(write_section, NULL, allowed, &pass_done, &err);
    pending = sent < 0 ? 0 : devices_iterate(allowed, &err, &ok);
    if (sent < 0 || !ok) {
        mig.source_id = 0;
        source_fail(HD_MIG_FAILED, err);
        return G_SOURCE_REMOVE;
    }
    mig.budget_bytes += mig.bytes - before;
    let_vcpus_in();
    if (!pass_done) {
        return G_SOURCE_CONTINUE;
    }
    /* A pass is done: what is dirty now, and would it fit the downtime limit? */
    {
        gint64 took_us = MAX(g_get_monotonic_time() - mig.pass_start_us, 1);
        uint64_t bw = MAX(mig.pass_bytes * 1000000 / (uint64_t)took_us, 1);
        HdMigRamStats rs = hd_mig_ram_stats();
        uint64_t pages = MAX(rs.normal_pages + rs.zero_pages - mig.pass_pages, 1);
        uint64_t dirty = hd_mig_ram_sync();
        uint64_t expect_ms;

        bw = MIN(bw, params.max_bandwidth);
        mig.dirty_rate = dirty / RAM_BLOCK_PAGE_SIZE * 1000000 / (uint64_t)took_us;
        mig.remaining = dirty;
        mig.pass++;
        emit_pass();
        /* RAM at the pace of this pass in pages (zero pages cost almost no bytes but still
         * take time to find), device data at its pace in bytes. */
        expect_ms = dirty / RAM_BLOCK_PAGE_SIZE * (uint64_t)took_us / pages / 1000 +
                    pending * 1000 / bw;
        trace_migration_pass(mig.pass, dirty, pending, expect_ms);
        mig.pass_start_us = g_get_monotonic_time();
        mig.pass_bytes = 0;
        mig.pass_pages = rs.normal_pages + rs.zero_pages;
        if (expect_ms > params.downtime_limit_ms) {
            return G_SOURCE_CONTINUE;
        }
    }
    mig.source_id = 0;
    if (!source_complete(&err)) {
        source_fail(HD_MIG_FAILED, err);
        return G_SOURCE_REMOVE;
    }
    source_cleanup(false);
    set_status(HD_MIG_COMPLETED);
    if (!hd_runstate_is_running()) {
        hd_runstate_set(HD_RUN_STATE_POSTMIGRATE);
    }
    return G_SOURCE_REMOVE;
}

static bool check_blockers(GError **errp)
{
    g_autoptr(GPtrArray) reasons = hd_mig_blocked_reasons();
    g_autofree char *joined = NULL;

    if (!reasons->len) {
        return true;
    }
    g_ptr_array_add(reasons, NULL);
    joined = g_strjoinv("; ", (char **)reasons->pdata);
    g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR, "migration is blocked: %s", joined);
    return false;
}

static bool busy(GError **errp)
{
    if (mig.status == HD_MIG_SETUP || mig.status == HD_MIG_ACTIVE ||
        mig.status == HD_MIG_DEVICE || mig.status == HD_MIG_CANCELLING || mig.incoming) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "a migration is already %s; wait for it to end or migrate_cancel it",
                    mig.incoming ? "coming in" : "in progress");
        return true;
    }
    return false;
}

bool hd_migration_start(const char *uri, GError **errp)
{
    uint8_t header[HD_MIG_HEADER_SIZE];
    g_autofree char *config = NULL;
    GPtrArray *in = hd_mig_instances();

    if (busy(errp) || !check_blockers(errp)) {
        return false;
    }
    if (hd_runstate_get() == HD_RUN_STATE_INMIGRATE) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "this VM is waiting for an incoming migration; it cannot migrate away");
        return false;
    }
    g_clear_pointer(&mig.error, g_free);
    mig.fd = hd_mig_transport_connect(uri, errp);
    if (mig.fd < 0) {
        return false;
    }
    /* The stream is written from the main loop: a destination that stops reading (stopped,
     * hung) must fail the migration, not hang QMP and the guest with it. (Not a socket: no
     * timeout, which a file does not need.) */
    setsockopt(mig.fd, SOL_SOCKET, SO_SNDTIMEO, &(struct timeval){ .tv_sec = STALL_S / 4 },
               sizeof(struct timeval));
    mig.start_us = mig.pass_start_us = mig.budget_start_us = g_get_monotonic_time();
    mig.stop_us = mig.end_us = mig.setup_done_us = 0;
    mig.bytes = mig.pass = mig.remaining = mig.dirty_rate = mig.pass_bytes = 0;
    mig.budget_bytes = mig.sections = mig.pass_pages = 0;
    mig.was_running = hd_runstate_is_running();
    mig.sink = hd_mig_sink_new_stream(write_section, NULL);
    set_status(HD_MIG_SETUP);
    trace_migration_start(uri);

    g_autoptr(GError) err = NULL;
    hd_mig_header_encode(header);
    config = config_json();
    if (!write_all(mig.fd, header, sizeof(header), &err) ||
        !write_section("stream/config", config, strlen(config), NULL, &err) ||
        !hd_mig_ram_setup(&err)) {
        source_fail(HD_MIG_FAILED, err);
        return true; /* the migration started and failed: query-migrate says why */
    }
    mig.bytes += sizeof(header);
    for (guint i = 0; i < in->len; i++) {
        HdMigInstance *x = in->pdata[i];

        if (x->ops->save_setup && !x->ops->save_setup(x->opaque, &err)) {
            g_prefix_error(&err, "%s: ", hd_mig_instance_name(x));
            source_fail(HD_MIG_FAILED, err);
            return true;
        }
        x->set_up = true;
    }
    mig.setup_done_us = g_get_monotonic_time();
    set_status(HD_MIG_ACTIVE);
    mig.source_id = g_timeout_add(STEP_MS, source_tick, NULL);
    return true;
}

bool hd_migration_cancel(GError **errp)
{
    (void)errp;
    if (mig.incoming || !(mig.status == HD_MIG_SETUP || mig.status == HD_MIG_ACTIVE ||
                          mig.status == HD_MIG_DEVICE)) {
        return true; /* QEMU: nothing to cancel is not an error */
    }
    set_status(HD_MIG_CANCELLING);
    if (mig.fd >= 0) {
        shutdown(mig.fd, SHUT_RDWR);
    }
    source_fail(HD_MIG_CANCELLED, NULL);
    return true;
}

/* ---- destination ---- */

static HdMigInstance *find_instance(const char *name)
{
    GPtrArray *in = hd_mig_instances();

    for (guint i = 0; i < in->len; i++) {
        if (!strcmp(hd_mig_instance_name(in->pdata[i]), name)) {
            return in->pdata[i];
        }
    }
    return NULL;
}

static bool load_config(const uint8_t *data, size_t len, GError **errp)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GString) missing = g_string_new(NULL), extra = g_string_new(NULL);
    GPtrArray *in = hd_mig_instances();
    JsonObject *o;
    JsonArray *names;
    const char *ram_name;
    uint64_t ram_size;

    if (!json_parser_load_from_data(parser, (const char *)data, (gssize)len, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "migration stream: the config section is not a JSON object");
        return false;
    }
    o = json_node_get_object(json_parser_get_root(parser));
    names = json_object_get_array_member(o, "instances");
    ram_name = json_object_get_string_member_with_default(o, "ram-name", "");
    ram_size = (uint64_t)json_object_get_int_member_with_default(o, "ram-size", -1);
    if (ram_size != hd_mig_ram_size()) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's guest RAM '%s' has 0x%" G_GINT64_MODIFIER "x bytes, this "
                    "VM's '%s' 0x%" G_GINT64_MODIFIER "x: start the destination with the "
                    "source's -m",
                    ram_name, ram_size, hd_mig_ram_name(), hd_mig_ram_size());
        return false;
    }
    for (guint i = 0; names && i < json_array_get_length(names); i++) {
        const char *n = json_array_get_string_element(names, i);

        if (!n || !find_instance(n)) {
            g_string_append_printf(missing, " %s", n ? n : "?");
        }
    }
    for (guint i = 0; i < in->len; i++) {
        const char *n = hd_mig_instance_name(in->pdata[i]);
        bool found = false;

        for (guint j = 0; names && j < json_array_get_length(names); j++) {
            found = found || !g_strcmp0(json_array_get_string_element(names, j), n);
        }
        if (!found) {
            g_string_append_printf(extra, " %s", n);
        }
    }
    if (missing->len || extra->len) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's devices differ from this VM's: only the source has [%s ], "
                    "only this VM has [%s ]; start the destination with the source's -device "
                    "options",
                    missing->str, extra->str);
        return false;
    }
    for (guint i = 0; i < in->len; i++) {
        HdMigInstance *x = in->pdata[i];

        if (x->ops->load_setup && !x->ops->load_setup(x->opaque, errp)) {
            g_prefix_error(errp, "%s: ", hd_mig_instance_name(x));
            return false;
        }
        x->set_up = true;
    }
    return true;
}

static bool load_section(const char *name, const uint8_t *data, size_t len, void *opaque,
                         GError **errp)
{
    const char *slash = strrchr(name, '/');
    g_autofree char *instance = slash ? g_strndup(name, slash - name) : NULL;
    HdMigInstance *x;

    (void)opaque;
    mig.sections++;
    if (mig.end_seen) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "migration stream: section '%s' after the end marker", name);
        return false;
    }
    if (!mig.config_seen) {
        if (strcmp(name, "stream/config") != 0) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "migration stream: section '%s' before the config section", name);
            return false;
        }
        mig.config_seen = true;
        return load_config(data, len, errp);
    }
    if (!strcmp(name, "stream/end")) {
        mig.end_seen = true;
        return true;
    }
    if (instance && !strcmp(instance, "ram")) {
        return hd_mig_ram_load(slash + 1, data, len, errp);
    }
    x = instance ? find_instance(instance) : NULL;
    if (!x || !x->ops->load_section) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "migration stream: section '%s' belongs to nothing in this VM", name);
        return false;
    }
    if (!x->ops->load_section(x->opaque, slash + 1, data, len, errp)) {
        g_prefix_error(errp, "%s: ", instance);
        return false;
    }
    return true;
}

/*
 * The end of an incoming stream: the devices' load_complete when @complete and no error yet
 * (it may fail), every load_cleanup (failed unless all went well), and the stream's parser and
 * fd go. Returns @err or the error load_complete set.
 */
static GError *incoming_end(GError *err, bool complete)
{
    GPtrArray *in = hd_mig_instances();

    if (mig.source_id) {
        g_source_remove(mig.source_id);
        mig.source_id = 0;
    }
    for (guint i = 0; complete && !err && i < in->len; i++) {
        HdMigInstance *x = in->pdata[i];

        if (x->ops->load_complete && !x->ops->load_complete(x->opaque, &err)) {
            g_prefix_error(&err, "%s: ", hd_mig_instance_name(x));
        }
    }
    for (guint i = 0; i < in->len; i++) {
        HdMigInstance *x = in->pdata[i];

        if (x->set_up && x->ops->load_cleanup) {
            x->ops->load_cleanup(x->opaque, err != NULL || !complete);
        }
        x->set_up = false;
    }
    g_clear_pointer(&mig.parser, hd_mig_parser_free);
    if (mig.fd >= 0) {
        close(mig.fd);
        mig.fd = -1;
    }
    mig.incoming = false;
    return err;
}

static void incoming_finish(GError *err)
{
    err = incoming_end(err, true);
    mig.end_us = g_get_monotonic_time();
    if (err) {
        g_free(mig.error);
        mig.error = g_strdup(err->message);
        hd_error_report("load of migration failed: %s", err->message);
        set_status(HD_MIG_FAILED);
        /* The destination never ran: nothing of it is worth keeping (QEMU exits too). */
        hd_main_loop_request_quit(1);
        g_error_free(err);
        return;
    }
    set_status(HD_MIG_COMPLETED);
    trace_migration_incoming_done(mig.bytes, mig.sections);
    if (autostart) {
        hd_runstate_set(HD_RUN_STATE_RUNNING);
        qmp_event_emit("RESUME", NULL);
    } else {
        hd_runstate_set(HD_RUN_STATE_PAUSED);
    }
}

static gboolean incoming_readable(GIOChannel *ch, GIOCondition cond, gpointer opaque)
{
    g_autofree uint8_t *buf = g_malloc(READ_CHUNK);
    GError *err = NULL;
    ssize_t n;

    (void)ch;
    (void)cond;
    (void)opaque;
    for (int round = 0; round < 16; round++) {
        n = read(mig.fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return G_SOURCE_CONTINUE;
        }
        if (n < 0) {
            g_set_error(&err, G_IO_ERROR, g_io_error_from_errno(errno),
                        "reading the migration stream failed: %s", g_strerror(errno));
            break;
        }
        if (n == 0) {
            if (!mig.end_seen) {
                g_set_error(&err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            "the migration stream ended after %" G_GUINT64_FORMAT
                            " bytes, before its end marker%s (did the source fail or was it "
                            "cancelled?)",
                            mig.bytes,
                            hd_mig_parser_partial(mig.parser) ? ", in the middle of a section"
                                                              : "");
            }
            break;
        }
        mig.bytes += (uint64_t)n;
        if (!hd_mig_parser_feed(mig.parser, buf, (size_t)n, &err)) {
            break;
        }
        if (mig.end_seen) {
            break;
        }
        if (mig.status != HD_MIG_ACTIVE) {
            set_status(HD_MIG_ACTIVE);
        }
    }
    if (!err && !mig.end_seen) {
        return G_SOURCE_CONTINUE;
    }
    mig.source_id = 0;
    incoming_finish(err);
    return G_SOURCE_REMOVE;
}

static void incoming_begin(void)
{
    g_clear_pointer(&mig.error, g_free);
    mig.incoming = true;
    mig.config_seen = mig.end_seen = false;
    mig.bytes = mig.sections = 0;
    mig.parser = hd_mig_parser_new(load_section, NULL);
}

bool hd_migration_load_buffer(const uint8_t *data, size_t len, GError **errp)
{
    GError *err = NULL;

    if (mig.incoming || mig.status == HD_MIG_SETUP || mig.status == HD_MIG_ACTIVE ||
        mig.status == HD_MIG_DEVICE) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_BUSY, "a migration is in progress");
        return false;
    }
    incoming_begin();
    if (hd_mig_parser_feed(mig.parser, data, len, &err) && !mig.end_seen) {
        g_set_error(&err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the migration stream ended after %zu bytes, before its end marker", len);
    }
    err = incoming_end(err, true);
    if (err) {
        g_propagate_error(errp, err);
        return false;
    }
    return true;
}

static void incoming_watch(void)
{
    GIOChannel *ch = g_io_channel_unix_new(mig.fd);

    mig.source_id = g_io_add_watch(ch, G_IO_IN | G_IO_HUP | G_IO_ERR, incoming_readable, NULL);
    g_io_channel_unref(ch);
}

static gboolean incoming_accept(GIOChannel *ch, GIOCondition cond, gpointer opaque)
{
    (void)ch;
    (void)cond;
    (void)opaque;
    mig.fd = accept4(mig.listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (mig.fd < 0) {
        return errno == EINTR || errno == EAGAIN ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
    }
    close(mig.listen_fd);
    mig.listen_fd = -1;
    mig.start_us = g_get_monotonic_time();
    trace_migration_incoming_accepted(mig.fd);
    incoming_watch();
    return G_SOURCE_REMOVE;
}

bool hd_migration_incoming(const char *uri, GError **errp)
{
    bool listener;
    int fd;

    if (hd_runstate_get() != HD_RUN_STATE_INMIGRATE) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "migrate-incoming needs a VM started with -incoming defer");
        return false;
    }
    if (mig.incoming) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "an incoming migration is already set up; start another hostdev for "
                    "another one");
        return false;
    }
    if (!check_blockers(errp)) {
        return false;
    }
    fd = hd_mig_transport_listen(uri, &listener, errp);
    if (fd < 0) {
        return false;
    }
    incoming_begin();
    set_status(HD_MIG_SETUP);
    trace_migration_incoming(uri);
    if (listener) {
        GIOChannel *ch = g_io_channel_unix_new(fd);

        mig.listen_fd = fd;
        mig.source_id = g_io_add_watch(ch, G_IO_IN, incoming_accept, NULL);
        g_io_channel_unref(ch);
    } else {
        mig.fd = fd;
        mig.start_us = g_get_monotonic_time();
        incoming_watch();
    }
    return true;
}

/* ---- start-up and QMP's view ---- */

void hd_migration_set_incoming(const char *uri, bool start_paused)
{
    g_free(pending_incoming);
    pending_incoming = g_strdup(uri);
    autostart = !start_paused;
}

bool hd_migration_start_incoming(GError **errp)
{
    if (!pending_incoming) {
        return true;
    }
    hd_runstate_set(HD_RUN_STATE_INMIGRATE);
    if (!strcmp(pending_incoming, "defer")) {
        return true;
    }
    if (!hd_migration_incoming(pending_incoming, errp)) {
        g_prefix_error(errp, "-incoming %s: ", pending_incoming);
        return false;
    }
    return true;
}

void hd_migration_shutdown(void)
{
    if (mig.incoming) {
        /* A destination that quits before its stream ended: devices leave RESUMING quietly. */
        incoming_end(NULL, false);
    } else if (mig.status == HD_MIG_SETUP || mig.status == HD_MIG_ACTIVE ||
               mig.status == HD_MIG_DEVICE) {
        source_cleanup(true);
    }
    if (mig.listen_fd >= 0) {
        close(mig.listen_fd);
        mig.listen_fd = -1;
    }
    g_clear_pointer(&pending_incoming, g_free);
    g_clear_pointer(&mig.error, g_free);
}

HdMigStatus hd_migration_status(void)
{
    return mig.status;
}

JsonObject *hd_migration_query(void)
{
    JsonObject *o = json_object_new();
    g_autoptr(GPtrArray) reasons = hd_mig_blocked_reasons();
    gint64 now = g_get_monotonic_time();
    gint64 end = mig.end_us ? mig.end_us : now;
    HdMigRamStats rs = hd_mig_ram_stats();

    if (reasons->len) {
        JsonArray *a = json_array_new();

        for (guint i = 0; i < reasons->len; i++) {
            json_array_add_string_element(a, reasons->pdata[i]);
        }
        json_object_set_array_member(o, "blocked-reasons", a);
    }
    json_object_set_boolean_member(o, "blocked", reasons->len > 0);
    if (mig.status == HD_MIG_NONE) {
        return o;
    }
    json_object_set_string_member(o, "status", hd_mig_status_name(mig.status));
    if (mig.error && (mig.status == HD_MIG_FAILED || mig.status == HD_MIG_CANCELLED)) {
        json_object_set_string_member(o, "error-desc", mig.error);
    }
    if (mig.start_us) {
        json_object_set_int_member(o, "total-time", (end - mig.start_us) / 1000);
    }
    if (mig.setup_done_us) {
        json_object_set_int_member(o, "setup-time", (mig.setup_done_us - mig.start_us) / 1000);
    }
    if (mig.stop_us && mig.status == HD_MIG_COMPLETED) {
        json_object_set_int_member(o, "downtime", (end - mig.stop_us) / 1000);
    }
    if (!mig.incoming || mig.status == HD_MIG_COMPLETED) {
        JsonObject *ram = json_object_new();
        uint64_t total = hd_mig_ram_size();
        gint64 us = MAX(end - mig.start_us, 1);

        json_object_set_int_member(ram, "transferred", (gint64)mig.bytes);
        json_object_set_int_member(ram, "remaining", (gint64)(mig.status == HD_MIG_COMPLETED
                                                                  ? 0 : mig.remaining));
        json_object_set_int_member(ram, "total", (gint64)total);
        json_object_set_int_member(ram, "duplicate", (gint64)rs.zero_pages);
        json_object_set_int_member(ram, "normal", (gint64)rs.normal_pages);
        json_object_set_int_member(ram, "normal-bytes",
                                   (gint64)(rs.normal_pages * RAM_BLOCK_PAGE_SIZE));
        json_object_set_int_member(ram, "dirty-pages-rate", (gint64)mig.dirty_rate);
        json_object_set_int_member(ram, "dirty-sync-count", (gint64)mig.pass);
        json_object_set_int_member(ram, "page-size", RAM_BLOCK_PAGE_SIZE);
        json_object_set_double_member(ram, "mbps", (double)mig.bytes * 8 / (double)us);
        json_object_set_object_member(o, "ram", ram);
    }
    return o;
}
