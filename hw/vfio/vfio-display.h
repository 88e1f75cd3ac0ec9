/*
 * VFIO display planes (hw/vfio/display.c): a device's primary plane, a region (mdpy) or a
 * dma-buf (mbochs), shown as a console's pixman surface; vfio-pci's display= property.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_VFIO_DISPLAY_H
#define HW_VFIO_VFIO_DISPLAY_H

#include <glib.h>
#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/display/ramfb.h"
#include "hw/vfio/vfio-common.h"

typedef enum VFIODisplayMode {
    VFIO_DISPLAY_OFF,
    VFIO_DISPLAY_ON,   /* a device without display planes fails realize */
    VFIO_DISPLAY_AUTO, /* the display when the device has one */
} VFIODisplayMode;

typedef struct VFIODisplay VFIODisplay;

/* "off" (or NULL), "on", "auto". False with @errp set naming the property. */
bool vfio_display_mode_parse(const char *text, VFIODisplayMode *mode, GError **errp);

/*
 * Probe the attached device's display planes (VFIO_DEVICE_QUERY_GFX_PLANE, region then
 * dma-buf) and register console head 0 under @con_id. Sets *@out to NULL without a console
 * for mode off, and for auto on a device without planes. False with @errp set when mode on
 * finds no planes (the caller names the device).
 */
bool vfio_display_setup(VFIODevice *vbasedev, const char *con_id, VFIODisplayMode mode,
                        VFIODisplay **out, GError **errp);

/*
 * ramfb=on: show @fb (owned from now on) while the device's plane has no mode, e.g. before the
 * guest's driver loads; the plane takes over once it has one.
 */
void vfio_display_set_ramfb(VFIODisplay *display, HdRamfb *fb);

/* Remove the console and the ramfb, unmap every plane mapping, close every dma-buf fd (NULL ok). */
void vfio_display_free(VFIODisplay *display);

/*
 * The pixman format for a DRM fourcc of a linear plane (little-endian host), 0 when there is
 * none; and the fourcc as four characters ("XR24"; unprintable bytes as '?') for messages.
 */
pixman_format_code_t vfio_display_pixman_format(uint32_t fourcc);
void vfio_display_fourcc_name(uint32_t fourcc, char out[5]);

#endif /* HW_VFIO_VFIO_DISPLAY_H */
