/*
 * System reset, machine side: the devices hd_system_reset() resets before the handlers
 * (the chipset's host bridge, user devices that sit on no bus).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_RESET_INTERNAL_H
#define SYSTEM_RESET_INTERNAL_H

#include "qom/device.h"

/* Reset @dev (and the buses below it) on every system reset, in the order added. */
void hd_reset_root_add(HdDevice *dev);

/* Stop resetting @dev; no-op when absent. */
void hd_reset_root_remove(HdDevice *dev);

/* Forget every root and handler (teardown, tests). */
void hd_reset_clear(void);

#endif /* SYSTEM_RESET_INTERNAL_H */
