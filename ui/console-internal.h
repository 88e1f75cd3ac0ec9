/*
 * Consoles inside ui/: the console's fields, shared by console.c (list, listeners, timer) and
 * damage.c (tile compare), and what unit tests look at.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UI_CONSOLE_INTERNAL_H
#define UI_CONSOLE_INTERNAL_H

#include "ui/console.h"

struct HdConsole {
    char *dev_id;
    unsigned head;
    const HdConsoleOps *ops;
    void *opaque;
    pixman_image_t *surface; /* NULL: the device shows nothing yet */
    pixman_image_t *shadow;  /* the previous frame, for damage_by_compare; NULL: damage all */
    GPtrArray *listeners;    /* HdConsoleListener * */
};

/* The edge of damage_by_compare's square tiles, in pixels. */
#define HD_CONSOLE_TILE 32

/* Whether the refresh timer is running (someone watches a console). */
bool hd_console_refresh_active(void);

#endif /* UI_CONSOLE_INTERNAL_H */
