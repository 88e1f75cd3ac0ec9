/*
 * The big lock: held by the main thread except inside the main loop's poll, so vCPU threads
 * handling exits and the main loop's handlers never run device code at the same time.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>

#include "system/bql.h"

static GMutex bql;
static bool bql_initialized;

static gint bql_poll(GPollFD *fds, guint nfds, gint timeout)
{
    gint ret;

    g_mutex_unlock(&bql);
    ret = g_poll(fds, nfds, timeout);
    g_mutex_lock(&bql);
    return ret;
}

void bql_init_main_thread(void)
{
    if (bql_initialized) {
        return;
    }
    bql_initialized = true;
    g_mutex_lock(&bql);
    g_main_context_set_poll_func(g_main_context_default(), bql_poll);
}

void bql_lock(void)
{
    g_mutex_lock(&bql);
}

void bql_unlock(void)
{
    g_mutex_unlock(&bql);
}

void bql_cond_wait(GCond *cond)
{
    g_cond_wait(cond, &bql);
}

void bql_run_in_main(GSourceFunc fn, gpointer opaque)
{
    GSource *src = g_idle_source_new();

    g_source_set_callback(src, fn, opaque, NULL);
    g_source_attach(src, g_main_context_default());
    g_source_unref(src);
}
