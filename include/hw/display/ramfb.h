/*
 * ramfb: a framebuffer in guest RAM that firmware sets up by writing the fw_cfg file
 * "etc/ramfb" (address, DRM fourcc, size, stride), shown on a console without any device
 * model. `-device ramfb` owns one; vfio-pci ramfb=on owns one to show until its plane is set.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_DISPLAY_RAMFB_H
#define HW_DISPLAY_RAMFB_H

#include <glib.h>
#include <stdbool.h>

#include "ui/console.h"

#define RAMFB_FILE "etc/ramfb"
#define RAMFB_CFG_SIZE 28 /* be64 address, be32 fourcc, flags, width, height, stride */

typedef struct HdRamfb HdRamfb;

/*
 * Publish "etc/ramfb" in the machine's fw_cfg for @owner (a device description for traces
 * and errors, e.g. "ramfb 'fb0'"), and register its configuration for migration (instance
 * "ramfb": a machine has at most one). False/NULL with @errp set when there is no fw_cfg (no
 * machine) or another device already owns the file. A system reset forgets the configuration
 * (hd_ramfb_reset).
 */
HdRamfb *hd_ramfb_new(const char *owner, GError **errp);
void hd_ramfb_free(HdRamfb *fb);

/* Whether the guest has written a configuration that was accepted (since the last reset). */
bool hd_ramfb_active(HdRamfb *fb);

/*
 * Show the framebuffer on @con: a new surface when the configuration changed or @con shows
 * something else, then damage by comparison. False with @errp set when nothing is configured.
 */
bool hd_ramfb_refresh_into(HdRamfb *fb, HdConsole *con, GError **errp);

/* Forget the configuration (system reset: firmware sets it up again). */
void hd_ramfb_reset(HdRamfb *fb);

/* Register the "ramfb" device type (-device ramfb). */
void ramfb_register_types(void);

#endif /* HW_DISPLAY_RAMFB_H */
