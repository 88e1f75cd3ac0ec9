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
    HD_RUN_STATE_SHUTDOWN,  /* quit requested, or the guest powered off (-no-shutdown) */
    HD_RUN_STATE_INTERNAL_ERROR, /* stopped: the host failed the guest (e.g. DMA mapping) */
    HD_RUN_STATE_INMIGRATE,      /* -incoming: waiting for or loading a migration stream */
    HD_RUN_STATE_FINISH_MIGRATE, /* stopped to send the last of a migration */
    HD_RUN_STATE_POSTMIGRATE,    /* stopped: the VM migrated away (cont runs it here again) */
} HdRunState;

/* The current state (PRELAUNCH until the start-up table sets it). */
HdRunState hd_runstate_get(void);

/* QMP's name of @state: "prelaunch", "running", "paused", "shutdown". */
const char *hd_runstate_name(HdRunState state);

/* Enter @state (traced as runstate_set). */
void hd_runstate_set(HdRunState state);

/* Called after every state change (the accelerator pauses and resumes its vCPUs). */
typedef void (*HdRunStateNotifier)(HdRunState old_state, HdRunState new_state, void *opaque);
void hd_runstate_add_notifier(HdRunStateNotifier fn, void *opaque);
void hd_runstate_remove_notifier(HdRunStateNotifier fn, void *opaque);

/* Whether the VM is running. */
bool hd_runstate_is_running(void);

#endif /* SYSTEM_RUNSTATE_H */
