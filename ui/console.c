/*
 * Consoles: the list of display sources' surfaces, lookup by device and head, the listeners
 * that watch them and the refresh timer that runs on the GLib main loop while one does.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ui/console.h"
#include "ui/console-internal.h"
#include "monitor/qmp.h"
#include "qom/device.h"
#include "qom/tree.h"
#include "system/machine.h"
#include "trace.h"

#define REFRESH_MS 30

struct HdConsoleListener {
    HdConsole *con;
    const HdConsoleListenerOps *ops;
    void *opaque;
};

static GPtrArray *consoles;   /* HdConsole *, creation order */
static unsigned n_listeners;  /* over all consoles: the timer runs while > 0 */
static guint refresh_source;

HdConsole *hd_console_new(const char *dev_id, unsigned head, const HdConsoleOps *ops,
                          void *opaque)
{
    HdConsole *con = g_new0(HdConsole, 1);

    con->dev_id = g_strdup(dev_id);
    con->head = head;
    con->ops = ops;
    con->opaque = opaque;
    con->listeners = g_ptr_array_new();
    if (!consoles) {
        consoles = g_ptr_array_new();
    }
    g_ptr_array_add(consoles, con);
    trace_console_new(dev_id, head, consoles->len - 1);
    return con;
}

void hd_console_free(HdConsole *con)
{
    if (!con) {
        return;
    }
    trace_console_free(con->dev_id, con->head);
    /* Each listener hears of the removal once and is freed here; it must not remove itself. */
    while (con->listeners->len) {
        HdConsoleListener *l = g_ptr_array_steal_index(con->listeners, con->listeners->len - 1);

        l->ops->removed(l->opaque, con);
        g_free(l);
        n_listeners--;
    }
    if (!n_listeners && refresh_source) {
        g_source_remove(refresh_source);
        refresh_source = 0;
    }
    g_ptr_array_remove(consoles, con);
    if (!consoles->len) {
        g_clear_pointer(&consoles, g_ptr_array_unref);
    }
    g_ptr_array_unref(con->listeners);
    g_clear_pointer(&con->surface, pixman_image_unref);
    g_clear_pointer(&con->shadow, pixman_image_unref);
    g_free(con->dev_id);
    g_free(con);
}

void hd_console_set_surface(HdConsole *con, pixman_image_t *image)
{
    if (image) {
        pixman_image_ref(image);
        trace_console_set_surface(con->dev_id, con->head, pixman_image_get_width(image),
                                  pixman_image_get_height(image),
                                  pixman_image_get_format(image));
    } else {
        trace_console_set_surface(con->dev_id, con->head, 0, 0, 0);
    }
    g_clear_pointer(&con->surface, pixman_image_unref);
    g_clear_pointer(&con->shadow, pixman_image_unref); /* the next compare damages all */
    con->surface = image;
    for (guint i = 0; i < con->listeners->len; i++) {
        HdConsoleListener *l = con->listeners->pdata[i];

        l->ops->surface_changed(l->opaque, con, image);
    }
}

void hd_console_damage(HdConsole *con, int x, int y, int w, int h)
{
    int sw, sh;

    if (!con->surface) {
        return;
    }
    sw = pixman_image_get_width(con->surface);
    sh = pixman_image_get_height(con->surface);
    if (x < 0) {
        w += x;
        x = 0;
    }
    if (y < 0) {
        h += y;
        y = 0;
    }
    w = MIN(w, sw - x);
    h = MIN(h, sh - y);
    if (w <= 0 || h <= 0) {
        return;
    }
    for (guint i = 0; i < con->listeners->len; i++) {
        HdConsoleListener *l = con->listeners->pdata[i];

        l->ops->damage(l->opaque, con, x, y, w, h);
    }
}

pixman_image_t *hd_console_surface(HdConsole *con)
{
    return con->surface;
}

const char *hd_console_device(HdConsole *con)
{
    return con->dev_id;
}

unsigned hd_console_head(HdConsole *con)
{
    return con->head;
}

bool hd_console_refresh(HdConsole *con, GError **errp)
{
    if (!con->ops || !con->ops->refresh) {
        return true;
    }
    if (!con->ops->refresh(con->opaque, errp)) {
        g_prefix_error(errp, "device '%s': ", con->dev_id);
        return false;
    }
    return true;
}

HdConsole *hd_console_nth(unsigned index)
{
    return consoles && index < consoles->len ? consoles->pdata[index] : NULL;
}

/* Whether @con belongs to the device named @name (its id, or a path resolving to it). */
static bool console_is_device(HdConsole *con, const char *name, HdDevice *dev)
{
    g_autofree char *path = NULL;

    if (!g_strcmp0(con->dev_id, name)) {
        return true;
    }
    if (!dev) {
        return false;
    }
    if (!g_strcmp0(con->dev_id, hd_device_get_id(dev))) {
        return true;
    }
    path = hd_tree_get_path(hd_qom_tree(), G_OBJECT(dev));
    return path && !g_strcmp0(con->dev_id, path);
}

HdConsole *hd_console_find(const char *dev_id, unsigned head, GError **errp)
{
    HdDevice *dev = NULL;
    bool has_display = false;

    if (!dev_id) {
        if (!consoles) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                        "no display: no device shows one (add -device ramfb or a vfio-pci device with display=on)");
            return NULL;
        }
        return consoles->pdata[0];
    }
    if (hd_qom_tree()) {
        dev = hd_tree_find_device(hd_qom_tree(), dev_id, NULL);
    }
    for (guint i = 0; consoles && i < consoles->len; i++) {
        HdConsole *con = consoles->pdata[i];

        if (console_is_device(con, dev_id, dev)) {
            if (con->head == head) {
                return con;
            }
            has_display = true;
        }
    }
    if (has_display) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "device '%s' has no head %u", dev_id, head);
    } else if (dev) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "device '%s' has no display", dev_id);
    } else {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND,
                    "no such device '%s'", dev_id);
    }
    return NULL;
}

/* About every REFRESH_MS while someone watches: refresh each watched console. */
static gboolean refresh_tick(gpointer opaque)
{
    (void)opaque;
    for (guint i = 0; consoles && i < consoles->len; i++) {
        HdConsole *con = consoles->pdata[i];
        g_autoptr(GError) err = NULL;

        if (con->listeners->len && !hd_console_refresh(con, &err)) {
            trace_console_refresh_failed(con->dev_id, err->message);
        }
    }
    return G_SOURCE_CONTINUE;
}

HdConsoleListener *hd_console_listener_add(HdConsole *con, const HdConsoleListenerOps *ops,
                                           void *opaque)
{
    HdConsoleListener *l = g_new0(HdConsoleListener, 1);

    l->con = con;
    l->ops = ops;
    l->opaque = opaque;
    g_ptr_array_add(con->listeners, l);
    if (!n_listeners++) {
        refresh_source = g_timeout_add(REFRESH_MS, refresh_tick, NULL);
    }
    trace_console_listener(con->dev_id, con->head, con->listeners->len);
    return l;
}

void hd_console_listener_remove(HdConsoleListener *l)
{
    if (!l) {
        return;
    }
    g_ptr_array_remove(l->con->listeners, l);
    trace_console_listener(l->con->dev_id, l->con->head, l->con->listeners->len);
    if (!--n_listeners && refresh_source) {
        g_source_remove(refresh_source);
        refresh_source = 0;
    }
    g_free(l);
}

bool hd_console_refresh_active(void)
{
    return refresh_source != 0;
}
