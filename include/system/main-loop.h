/*
 * The main loop: GLib's default main context, run until a quit is requested (QMP quit,
 * a signal), plus the virtual clock qtest steps and the timers that run on it.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_MAIN_LOOP_H
#define SYSTEM_MAIN_LOOP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Run the default main context until hd_main_loop_request_quit(); returns the exit status. */
int hd_main_loop_run(void);

/* Make hd_main_loop_run() return @status once the current dispatch (e.g. a QMP reply) ends. */
void hd_main_loop_request_quit(int status);

/* Whether a quit was requested. */
bool hd_main_loop_quit_requested(void);

/*
 * Shut down for @reason (QMP's SHUTDOWN reason, e.g. "host-qmp-quit", "host-signal"): the run
 * state becomes shutdown and the loop quits with status 0; the first reason is kept.
 */
void hd_main_loop_request_shutdown(const char *reason);

/* The reason given to hd_main_loop_request_shutdown(), or NULL. */
const char *hd_main_loop_shutdown_reason(void);

/* Timers on the virtual clock: they fire only when the clock is stepped past them. */
typedef struct HdVTimer HdVTimer;
typedef void (*HdVTimerFn)(void *opaque);

/* The virtual clock in ns (starts at 0; only qtest's clock_step/clock_set move it). */
int64_t hd_vclock_get_ns(void);

/* Advance the clock by @ns, running every timer that expires on the way, in order. */
int64_t hd_vclock_step(int64_t ns);

/* Advance to the earliest timer deadline and run it; no timer: the clock stays. */
int64_t hd_vclock_step_next(void);

/* Advance to @ns (never backwards), running expired timers; returns the new clock. */
int64_t hd_vclock_set(int64_t ns);

/* The earliest pending deadline, or -1 when no timer is armed. */
int64_t hd_vclock_next_deadline(void);

/* A disarmed timer calling @fn(@opaque). */
HdVTimer *hd_vtimer_new(HdVTimerFn fn, void *opaque);

/* Arm (or re-arm) @timer to fire at virtual time @expire_ns. */
void hd_vtimer_mod(HdVTimer *timer, int64_t expire_ns);

/* Disarm @timer; no-op when not armed. */
void hd_vtimer_del(HdVTimer *timer);

/* Disarm and free; NULL is fine. */
void hd_vtimer_free(HdVTimer *timer);

#endif /* SYSTEM_MAIN_LOOP_H */
