/*
 * Hints for QEMU hardware hostdev does not have (qom/hints.c): what to leave out of a libvirt
 * domain, or what to use instead.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QOM_HINTS_H
#define QOM_HINTS_H

#include <glib.h>
#include <stdbool.h>

/* For a QEMU device (or -global driver) type hostdev lacks, or NULL. */
const char *hd_hint_for_type(const char *type_name);

/* For a device property QEMU has and hostdev's devices lack (bootindex, acpi-index, ...). */
const char *hd_hint_for_property(const char *prop);

/* For a QEMU command-line option hostdev lacks (without the '-'), or NULL. */
const char *hd_hint_for_option(const char *option);

#endif /* QOM_HINTS_H */
