/*
 * System reset: handlers that run when the machine resets (QMP system_reset, start-up), after
 * every device on the machine's buses has been reset. Subsystems such as VFIO register here.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_RESET_H
#define SYSTEM_RESET_H

/* What a reset handler does. */
typedef void (*HdResetHandler)(void *opaque);

/* Run @fn(@opaque) on every system reset, in registration order. */
void hd_reset_handler_register(HdResetHandler fn, void *opaque);

/* Forget the handler registered with this exact pair; no-op when absent. */
void hd_reset_handler_unregister(HdResetHandler fn, void *opaque);

/* An accelerator's vCPUs stop before a reset and start again after it (if running). */
typedef void (*HdResetQuiesce)(void);
void hd_reset_set_quiesce(HdResetQuiesce stop, HdResetQuiesce start);

/* Reset the machine: its devices (depth first), then the handlers. */
void hd_system_reset(void);

#endif /* SYSTEM_RESET_H */
