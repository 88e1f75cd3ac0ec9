/*
 * Object model: helpers shared between the qom/ sources and nobody else.
 * Keeps the device <-> bus links consistent from both sides.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QOM_INTERNAL_H
#define QOM_INTERNAL_H

#include "qom/device.h"

/* Record @bus (may be NULL) as the parent of @dev; no reference either way. */
void hd_device_set_parent_bus(HdDevice *dev, HdBus *bus);

/* Add @bus to the buses @dev provides, taking a reference. */
void hd_device_add_child_bus(HdDevice *dev, HdBus *bus);

/* Unplug hook, then drop @dev from @bus and clear its parent link; drops the bus's reference. */
void hd_bus_detach(HdBus *bus, HdDevice *dev);

/* Forget the owner (it is being disposed). */
void hd_bus_clear_owner(HdBus *bus);

#endif /* QOM_INTERNAL_H */
