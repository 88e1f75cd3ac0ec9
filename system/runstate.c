/*
 * Run state: what query-status reports, changed by -S, stop, cont and quit.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "system/runstate.h"
#include "trace.h"

static HdRunState current_state = HD_RUN_STATE_PRELAUNCH;

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
    }
    return "unknown";
}

void hd_runstate_set(HdRunState state)
{
    trace_runstate_set(hd_runstate_name(current_state), hd_runstate_name(state));
    current_state = state;
}

bool hd_runstate_is_running(void)
{
    return current_state == HD_RUN_STATE_RUNNING;
}
