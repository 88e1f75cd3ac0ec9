/*
 * Run state of the VM as QMP query-status reports it (prelaunch, running, paused, shutdown),
 * and the main loop's quit request.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_RUNSTATE_H
#define SYSTEM_RUNSTATE_H

#include <stdbool.h>

typedef enum HdRunState {
    HD_RUN_STATE_PRELAUNCH, /* -S: set up, never started */
    HD_RUN_STATE_RUNNING,
    HD_RUN_STATE_PAUSED,    /* QMP stop */
    HD_RUN_STATE_SHUTDOWN,  /* quit requested */
} HdRunState;

/* The current state (PRELAUNCH until the start-up table sets it). */
HdRunState hd_runstate_get(void);

/* QMP's name of @state: "prelaunch", "running", "paused", "shutdown". */
const char *hd_runstate_name(HdRunState state);

/* Enter @state (traced as runstate_set). */
void hd_runstate_set(HdRunState state);

/* Whether the VM is running. */
bool hd_runstate_is_running(void);

#endif /* SYSTEM_RUNSTATE_H */
