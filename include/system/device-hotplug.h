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
 * Remove the user device with id (or QOM path) @id_or_path: unrealize, unplug, drop it from
 * the tree, then emit DEVICE_DELETED {device, path}. hostdev has no guest OS to ask under
 * qtest, so the unplug completes at once (QEMU would wait for the guest).
 */
bool hd_device_del(HdTree *tree, const char *id_or_path, GError **errp);

/* Remove every user device, newest first, without events; drop unsent events (teardown). */
void hd_device_del_all(HdTree *tree);

#endif /* SYSTEM_DEVICE_HOTPLUG_H */
