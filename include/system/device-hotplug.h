/*
 * Adding and removing user devices: -device at start-up and QMP device_add/device_del at
 * run time share one path (create, plug, add to /machine/peripheral[-anon], realize).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_DEVICE_HOTPLUG_H
#define SYSTEM_DEVICE_HOTPLUG_H

#include <stdbool.h>

#include "qom/device.h"
#include "qom/opts.h"
#include "qom/tree.h"

/*
 * Create the device @opts describes ("driver" plus properties), plug it into its bus, add it
 * to @tree and realize it. Returns the device (owned by the tree), or NULL with @errp set
 * (naming the device) and nothing left behind.
 */
HdDevice *hd_device_add(HdTree *tree, const HdOpts *opts, GError **errp);

/*
 * Start-up is over (@active) or the machine is going away: from now on device_add and
 * device_del act on a running machine, through the bus's hot-plug handler (a PCI Express
 * slot asks the guest). Without a handler, a bus takes and gives up devices at once while no
 * guest runs (the qtest accelerator) and refuses while a KVM guest runs.
 */
void hd_device_hotplug_set_active(bool active);

/*
 * Remove the user device with id (or QOM path) @id_or_path. In a hot-plug slot at run time
 * this asks the guest and returns: the device stays, unplug-pending, until the guest lets go
 * (the slot then calls hd_device_unplug_complete()); asking again is allowed. Otherwise it goes
 * at once: unrealize, unplug, drop it from the tree. Either way DEVICE_DELETED {device, path}
 * follows the removal, after the command's reply; devices below it go first.
 */
bool hd_device_del(HdTree *tree, const char *id_or_path, GError **errp);

/* The guest let @dev go: remove it (and what is below it) from hd_qom_tree() with events. */
void hd_device_unplug_complete(HdDevice *dev);

/* Remove every user device, newest first, without events; drop unsent events (teardown). */
void hd_device_del_all(HdTree *tree);

#endif /* SYSTEM_DEVICE_HOTPLUG_H */
