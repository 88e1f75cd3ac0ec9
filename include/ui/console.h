/*
 * Consoles: what one display source (a vfio-pci display plane, a ramfb) shows, as a pixman
 * image with damage, for whatever shows it to people (QMP screendump, the VNC server).
 * Everything here runs on the main loop with the big lock held.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UI_CONSOLE_H
#define UI_CONSOLE_H

#include <glib.h>
#include <pixman.h>
#include <stdbool.h>

typedef struct HdConsole HdConsole;

/* What a display source implements. */
typedef struct HdConsoleOps {
    /*
     * Bring the console up to date with the device: read its current scanout, then call
     * hd_console_set_surface() when the size or format changed (or the first time) and
     * hd_console_damage() for what changed. Called before a reader reads (screendump) and about
     * every 30 ms while a listener watches (VNC). False with @errp set when the device's display
     * cannot be read now; the console keeps its last surface.
     */
    bool (*refresh)(void *opaque, GError **errp);
} HdConsoleOps;

/*
 * A new console for the device whose QOM id is @dev_id (each device at most one console per
 * @head; head 0 is the primary plane). Consoles are listed in creation order; console 0 is the
 * default for screendump and VNC. Free with hd_console_free() at the device's unrealize.
 */
HdConsole *hd_console_new(const char *dev_id, unsigned head, const HdConsoleOps *ops,
                          void *opaque);
void hd_console_free(HdConsole *con);

/*
 * Replace the surface: the console takes its own reference to @image (NULL: the device shows
 * nothing yet, e.g. the guest has not set a mode). Listeners see the new size and format and
 * treat the whole surface as damaged. @image's format is any pixman format; readers convert.
 */
void hd_console_set_surface(HdConsole *con, pixman_image_t *image);

/* The rectangle changed in the current surface (clipped to it). */
void hd_console_damage(HdConsole *con, int x, int y, int w, int h);

/*
 * For sources with no damage information of their own (mdpy, mbochs, ramfb): compare the
 * current surface with the console's copy of the previous frame in tiles and report the tiles
 * that differ through hd_console_damage(). The first call after set_surface damages all.
 */
void hd_console_damage_by_compare(HdConsole *con);

/* The current surface (borrowed; NULL when the device shows nothing yet). */
pixman_image_t *hd_console_surface(HdConsole *con);
const char *hd_console_device(HdConsole *con);
unsigned hd_console_head(HdConsole *con);

/* Call the source's refresh; its error is prefixed with the device's id. */
bool hd_console_refresh(HdConsole *con, GError **errp);

/*
 * The console of device @dev_id at @head, or with @dev_id NULL the first console. The error
 * names the device and says whether it does not exist or has no display.
 */
HdConsole *hd_console_find(const char *dev_id, unsigned head, GError **errp);

/* Who watches consoles (the VNC server): told of new surfaces, damage and removal. */
typedef struct HdConsoleListenerOps {
    void (*surface_changed)(void *opaque, HdConsole *con, pixman_image_t *image);
    void (*damage)(void *opaque, HdConsole *con, int x, int y, int w, int h);
    void (*removed)(void *opaque, HdConsole *con);
} HdConsoleListenerOps;

typedef struct HdConsoleListener HdConsoleListener;

/* Watch @con (refreshed about every 30 ms while watched); free with the _remove call. */
HdConsoleListener *hd_console_listener_add(HdConsole *con, const HdConsoleListenerOps *ops,
                                           void *opaque);
void hd_console_listener_remove(HdConsoleListener *l);

#endif /* UI_CONSOLE_H */
