/*
 * The vCPUs in the QOM tree (system/cpu-objects.c), for qom-list and qom-get.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_CPU_OBJECTS_H
#define SYSTEM_CPU_OBJECTS_H

#include <glib-object.h>
#include <stdbool.h>

#include "qom/tree.h"

/*
 * Add vCPUs 0..@n-1 of CPU model @model ("qemu64", "host", "max") as
 * /machine/unattached/device[N] with their topology ids.
 */
bool hd_cpu_objects_add(HdTree *tree, const char *model, unsigned n, unsigned cores,
                        unsigned threads, GError **errp);

#endif /* SYSTEM_CPU_OBJECTS_H */
