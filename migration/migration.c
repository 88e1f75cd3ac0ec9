/*
 * Migration's shared state, status and parameters, QMP's view of it (query-migrate) and its
 * shutdown. The source side is in source.c, the destination side in destination.c; both run
 * on the main loop.
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

HdMigState hd_mig = { .fd = -1, .listen_fd = -1 };
static HdMigParams params = {
    .downtime_limit_ms = 300,
    .max_bandwidth = 128ull << 20,
};
static bool cap_events;

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

void hd_mig_set_status(HdMigStatus s)
{
    trace_migration_status(hd_mig_status_name(hd_mig.status), hd_mig_status_name(s));
    hd_mig.status = s;
    if (cap_events) {
        g_autoptr(JsonObject) data = json_object_new();

        json_object_set_string_member(data, "status", hd_mig_status_name(s));
        qmp_event_emit("MIGRATION", data);
    }
}

/* ---- shutdown and QMP's view ---- */

void hd_migration_shutdown(void)
{
    if (!hd_mig.incoming && (hd_mig.status == HD_MIG_SETUP || hd_mig.status == HD_MIG_ACTIVE ||
                             hd_mig.status == HD_MIG_DEVICE)) {
        hd_mig_source_cleanup(true);
    }
    hd_mig_incoming_shutdown();
    g_clear_pointer(&hd_mig.error, g_free);
}

HdMigStatus hd_migration_status(void)
{
    return hd_mig.status;
}

JsonObject *hd_migration_query(void)
{
    JsonObject *o = json_object_new();
    g_autoptr(GPtrArray) reasons = hd_mig_blocked_reasons();
    gint64 now = g_get_monotonic_time();
    gint64 end = hd_mig.end_us ? hd_mig.end_us : now;
    HdMigRamStats rs = hd_mig_ram_stats();

    if (reasons->len) {
        JsonArray *a = json_array_new();

        for (guint i = 0; i < reasons->len; i++) {
            json_array_add_string_element(a, reasons->pdata[i]);
        }
        json_object_set_array_member(o, "blocked-reasons", a);
    }
    json_object_set_boolean_member(o, "blocked", reasons->len > 0);
    if (hd_mig.status == HD_MIG_NONE) {
        return o;
    }
    json_object_set_string_member(o, "status", hd_mig_status_name(hd_mig.status));
    if (hd_mig.error && (hd_mig.status == HD_MIG_FAILED || hd_mig.status == HD_MIG_CANCELLED)) {
        json_object_set_string_member(o, "error-desc", hd_mig.error);
    }
    if (hd_mig.start_us) {
        json_object_set_int_member(o, "total-time", (end - hd_mig.start_us) / 1000);
    }
    if (hd_mig.setup_done_us) {
        json_object_set_int_member(o, "setup-time", (hd_mig.setup_done_us - hd_mig.start_us) / 1000);
    }
    if (hd_mig.stop_us && hd_mig.status == HD_MIG_COMPLETED) {
        json_object_set_int_member(o, "downtime", (end - hd_mig.stop_us) / 1000);
    }
    if (!hd_mig.incoming || hd_mig.status == HD_MIG_COMPLETED) {
        JsonObject *ram = json_object_new();
        uint64_t total = hd_mig_ram_size();
        gint64 us = MAX(end - hd_mig.start_us, 1);

        json_object_set_int_member(ram, "transferred", (gint64)hd_mig.bytes);
        json_object_set_int_member(ram, "remaining", (gint64)(hd_mig.status == HD_MIG_COMPLETED
                                                                  ? 0 : hd_mig.remaining));
        json_object_set_int_member(ram, "total", (gint64)total);
        json_object_set_int_member(ram, "duplicate", (gint64)rs.zero_pages);
        json_object_set_int_member(ram, "normal", (gint64)rs.normal_pages);
        json_object_set_int_member(ram, "normal-bytes",
                                   (gint64)(rs.normal_pages * RAM_BLOCK_PAGE_SIZE));
        json_object_set_int_member(ram, "dirty-pages-rate", (gint64)hd_mig.dirty_rate);
        json_object_set_int_member(ram, "dirty-sync-count", (gint64)hd_mig.pass);
        json_object_set_int_member(ram, "page-size", RAM_BLOCK_PAGE_SIZE);
        json_object_set_double_member(ram, "mbps", (double)hd_mig.bytes * 8 / (double)us);
        json_object_set_object_member(o, "ram", ram);
    }
    return o;
}
