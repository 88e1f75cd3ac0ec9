/*
 * System reset: root devices (depth first through their buses), then the registered
 * handlers, in registration order.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "reset-internal.h"
#include "system/reset.h"
#include "trace.h"

typedef struct ResetHandler {
    HdResetHandler fn;
    void *opaque;
} ResetHandler;

static GArray *handlers; /* ResetHandler */
static GPtrArray *roots; /* HdDevice *, borrowed: the owner removes them */

void hd_reset_handler_register(HdResetHandler fn, void *opaque)
{
    ResetHandler h = { .fn = fn, .opaque = opaque };

    if (!handlers) {
        handlers = g_array_new(FALSE, FALSE, sizeof(ResetHandler));
    }
    g_array_append_val(handlers, h);
}

void hd_reset_handler_unregister(HdResetHandler fn, void *opaque)
{
    for (guint i = 0; handlers && i < handlers->len; i++) {
        ResetHandler *h = &g_array_index(handlers, ResetHandler, i);

        if (h->fn == fn && h->opaque == opaque) {
            g_array_remove_index(handlers, i);
            return;
        }
    }
}

void hd_reset_root_add(HdDevice *dev)
{
    if (!roots) {
        roots = g_ptr_array_new();
    }
    g_ptr_array_add(roots, dev);
}

void hd_reset_root_remove(HdDevice *dev)
{
    if (roots) {
        g_ptr_array_remove(roots, dev);
    }
}

void hd_reset_clear(void)
{
    g_clear_pointer(&roots, g_ptr_array_unref);
    g_clear_pointer(&handlers, g_array_unref);
}

static HdResetQuiesce quiesce_stop, quiesce_start;

void hd_reset_set_quiesce(HdResetQuiesce stop, HdResetQuiesce start)
{
    quiesce_stop = stop;
    quiesce_start = start;
}

void hd_system_reset(void)
{
    trace_system_reset(handlers ? (int)handlers->len : 0);
    if (quiesce_stop) {
        quiesce_stop();
    }
    for (guint i = 0; roots && i < roots->len; i++) {
        hd_device_reset(roots->pdata[i]);
    }
    /* A handler may unregister itself: walk a copy. */
    if (handlers && handlers->len) {
        g_autoptr(GArray) copy = g_array_copy(handlers);

        for (guint i = 0; i < copy->len; i++) {
            ResetHandler *h = &g_array_index(copy, ResetHandler, i);

            h->fn(h->opaque);
        }
    }
    if (quiesce_start) {
        quiesce_start();
    }
}
