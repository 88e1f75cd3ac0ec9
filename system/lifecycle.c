/*
 * Guest-initiated power-off and reset, and internal errors: queued from any thread, acted on
 * in the main thread (so the vCPU that asked can be paused like the others).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor/qmp.h"
#include "system/bql.h"
#include "system/lifecycle.h"
#include "system/main-loop.h"
#include "system/reset.h"
#include "system/runstate.h"
#include "trace.h"

static bool no_shutdown, no_reboot;

void hd_lifecycle_configure(bool no_shutdown_, bool no_reboot_)
{
    no_shutdown = no_shutdown_;
    no_reboot = no_reboot_;
}

static void emit(const char *event, const char *reason)
{
    g_autoptr(JsonObject) data = json_object_new();

    json_object_set_boolean_member(data, "guest", true);
    json_object_set_string_member(data, "reason", reason);
    qmp_event_emit(event, data);
}

static gboolean do_shutdown(gpointer opaque)
{
    const char *reason = opaque;

    trace_guest_lifecycle("shutdown", reason);
    if (hd_main_loop_quit_requested()) {
        return G_SOURCE_REMOVE;
    }
    if (no_shutdown) {
        emit("SHUTDOWN", reason);
        hd_runstate_set(HD_RUN_STATE_SHUTDOWN);
        qmp_event_emit("STOP", NULL);
        return G_SOURCE_REMOVE;
    }
    /* main() sends SHUTDOWN (guest: true for a guest- reason) once the loop has stopped. */
    hd_main_loop_request_shutdown(reason);
    return G_SOURCE_REMOVE;
}

static gboolean do_reset(gpointer opaque)
{
    const char *reason = opaque;

    trace_guest_lifecycle("reset", reason);
    if (hd_main_loop_quit_requested() || !hd_runstate_is_running()) {
        return G_SOURCE_REMOVE;
    }
    if (no_reboot) {
        hd_main_loop_request_shutdown(reason);
        return G_SOURCE_REMOVE;
    }
    hd_system_reset();
    emit("RESET", reason);
    return G_SOURCE_REMOVE;
}

static gboolean do_internal_error(gpointer opaque)
{
    (void)opaque;
    if (hd_main_loop_quit_requested() || hd_runstate_get() == HD_RUN_STATE_INTERNAL_ERROR) {
        return G_SOURCE_REMOVE;
    }
    hd_runstate_set(HD_RUN_STATE_INTERNAL_ERROR);
    qmp_event_emit("STOP", NULL);
    return G_SOURCE_REMOVE;
}

void hd_guest_request_shutdown(const char *reason)
{
    bql_run_in_main(do_shutdown, (gpointer)g_intern_string(reason));
}

void hd_guest_request_reset(const char *reason)
{
    bql_run_in_main(do_reset, (gpointer)g_intern_string(reason));
}

void hd_guest_internal_error(char *message)
{
    g_warning("%s; the VM is stopped (status internal-error)", message);
    g_free(message);
    bql_run_in_main(do_internal_error, NULL);
}
