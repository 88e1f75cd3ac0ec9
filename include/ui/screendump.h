/*
 * Screendump: a console's current surface written to a PNG (libpng) or PPM file, converted by
 * pixman, replacing the file in one rename so a failure never leaves half a picture.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UI_SCREENDUMP_H
#define UI_SCREENDUMP_H

#include <stdbool.h>

#include "ui/console.h"

typedef enum HdImageFormat {
    HD_IMAGE_FORMAT_PPM, /* binary PPM (P6), QEMU's default */
    HD_IMAGE_FORMAT_PNG, /* 8-bit RGB PNG */
} HdImageFormat;

/* The format named @name ("ppm", "png"), false when unknown. */
bool hd_image_format_parse(const char *name, HdImageFormat *format, GError **errp);

/*
 * Refresh @con, then write its surface to @filename at its real size. Fails, naming the
 * device, when it shows nothing yet; naming @filename and the errno text when it cannot be
 * written (the file is then left as it was).
 */
bool hd_screendump(HdConsole *con, const char *filename, HdImageFormat format, GError **errp);

/* Register QMP screendump and query-vnc; call once at start-up. */
void qmp_register_ui_commands(void);

#endif /* UI_SCREENDUMP_H */
