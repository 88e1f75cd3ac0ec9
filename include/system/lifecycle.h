/*
 * What the guest asks of the machine: power off, reset, and the host failing it (internal
 * error). Callable from vCPU threads; the work happens in the main thread.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_LIFECYCLE_H
#define SYSTEM_LIFECYCLE_H

#include <stdbool.h>

/* -no-shutdown: a guest power-off stops the VM (status shutdown) instead of exiting.
 * -no-reboot: a guest reset exits instead of resetting. */
void hd_lifecycle_configure(bool no_shutdown, bool no_reboot);

/* The guest powered off (@reason: "guest-shutdown"): SHUTDOWN, then exit or stop. */
void hd_guest_request_shutdown(const char *reason);

/* The guest reset the machine (@reason: "guest-reset"): RESET and a system reset. */
void hd_guest_request_reset(const char *reason);

/* The host cannot keep the guest running: warn with @message (taken) at once, then stop the
 * VM with status internal-error and a STOP event. */
void hd_guest_internal_error(char *message);

#endif /* SYSTEM_LIFECYCLE_H */
