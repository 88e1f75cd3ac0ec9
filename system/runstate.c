/*
 * Run state: what query-status reports, changed by -S, stop, cont and quit.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "system/runstate.h"
#include "trace.h"

#include <glib.h>

typedef struct Notifier {
    HdRunStateNotifier fn;
    void *opaque;
} Notifier;

static HdRunState current_state = HD_RUN_STATE_PRELAUNCH;
static GSList *notifiers;

HdRunState hd_runstate_get(void)
{
    return current_state;
}

const char *hd_runstate_name(HdRunState state)
{
    switch (state) {
    case HD_RUN_STATE_PRELAUNCH:
        return "prelaunch";
    case HD_RUN_STATE_RUNNING:
        return "running";
    case HD_RUN_STATE_PAUSED:
        return "paused";
    case HD_RUN_STATE_SHUTDOWN:
        return "shutdown";
    case HD_RUN_STATE_INTERNAL_ERROR:
        return "internal-error";
    case HD_RUN_STATE_INMIGRATE:
        return "inmigrate";
    case HD_RUN_STATE_FINISH_MIGRATE:
        return "finish-migrate";
    case HD_RUN_STATE_POSTMIGRATE:
        return "postmigrate";
    }
    return "unknown";
}

void hd_runstate_set(HdRunState state)
{
    HdRunState old = current_state;

    trace_runstate_set(hd_runstate_name(current_state), hd_runstate_name(state));
    current_state = state;
    for (GSList *l = notifiers; l; l = l->next) {
        Notifier *n = l->data;

        n->fn(old, state, n->opaque);
    }
}

void hd_runstate_add_notifier(HdRunStateNotifier fn, void *opaque)
{
    Notifier *n = g_new(Notifier, 1);

    n->fn = fn;
    n->opaque = opaque;
    notifiers = g_slist_append(notifiers, n);
}

void hd_runstate_remove_notifier(HdRunStateNotifier fn, void *opaque)
{
    for (GSList *l = notifiers; l; l = l->next) {
        Notifier *n = l->data;

        if (n->fn == fn && n->opaque == opaque) {
            notifiers = g_slist_delete_link(notifiers, l);
            g_free(n);
            return;
        }
    }
}

bool hd_runstate_is_running(void)
{
    return current_state == HD_RUN_STATE_RUNNING;
}
