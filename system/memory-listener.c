/*
 * Memory listeners: registration with replay, telling listeners each commit's per-address
 * diff, and global dirty logging (start, stop, sync).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "memory-internal.h"

/* Every registered listener, ascending priority, equal priorities in registration order. */
static GList *listeners;
static unsigned global_dirty_log_depth;

/* Which way to walk the listeners: region_del and log_stop run in reverse. */
typedef enum { FORWARD, REVERSE } Direction;

typedef void (*SectionCallback)(MemoryListener *l, const FlatRange *fr, AddressSpace *as);

static void call_add(MemoryListener *l, const FlatRange *fr, AddressSpace *as)
{
    MemoryRegionSection s = flatrange_section(fr, as);

    if (l->region_add) {
        l->region_add(l, &s);
    }
    if (fr->dirty_log && l->log_start) {
        s = flatrange_section(fr, as);
        l->log_start(l, &s);
    }
}

static void call_del(MemoryListener *l, const FlatRange *fr, AddressSpace *as)
{
    MemoryRegionSection s = flatrange_section(fr, as);

    if (fr->dirty_log && l->log_stop) {
        l->log_stop(l, &s);
        s = flatrange_section(fr, as);
    }
    if (l->region_del) {
        l->region_del(l, &s);
    }
}

static void call_log_start(MemoryListener *l, const FlatRange *fr, AddressSpace *as)
{
    MemoryRegionSection s = flatrange_section(fr, as);

    if (l->log_start) {
        l->log_start(l, &s);
    }
}

static void call_log_stop(MemoryListener *l, const FlatRange *fr, AddressSpace *as)
{
    MemoryRegionSection s = flatrange_section(fr, as);

    if (l->log_stop) {
        l->log_stop(l, &s);
    }
}

/* For each range in order, tell each listener of as (in direction dir). */
static void tell_ranges(AddressSpace *as, const GArray *ranges, SectionCallback cb,
                        Direction dir)
{
    for (guint i = 0; i < ranges->len; i++) {
        const FlatRange *fr = &g_array_index(ranges, FlatRange, i);
        GList *l = dir == FORWARD ? listeners : g_list_last(listeners);

        for (; l; l = dir == FORWARD ? l->next : l->prev) {
            MemoryListener *ml = l->data;

            if (ml->address_space == as) {
                cb(ml, fr, as);
            }
        }
    }
}

void memory_update_topology(void)
{
    for (GList *l = listeners; l; l = l->next) {
        MemoryListener *ml = l->data;

        if (ml->begin) {
            ml->begin(ml);
        }
    }
    for (GList *a = address_space_list(); a; a = a->next) {
        AddressSpace *as = a->data;
        FlatView *old_fv = as->current;
        FlatView *new_fv = flatview_render(as->root);
        FlatViewDiff diff;

        flatview_diff(old_fv, new_fv, &diff);
        tell_ranges(as, diff.dels, call_del, REVERSE);
        tell_ranges(as, diff.log_stops, call_log_stop, REVERSE);
        tell_ranges(as, diff.adds, call_add, FORWARD);
        tell_ranges(as, diff.log_starts, call_log_start, FORWARD);
        flatview_diff_clear(&diff);
        as->current = new_fv;
        flatview_free(old_fv);
    }
    for (GList *l = listeners; l; l = l->next) {
        MemoryListener *ml = l->data;

        if (ml->commit) {
            ml->commit(ml);
        }
    }
}

/* Run a listener's log_global_start; a listener without one counts as started. */
static bool start_global_log(MemoryListener *ml, GError **errp)
{
    if (ml->log_global_start && !ml->log_global_start(ml, errp)) {
        return false;
    }
    ml->global_log_started = true;
    return true;
}

static void stop_global_log(MemoryListener *ml)
{
    if (ml->global_log_started && ml->log_global_stop) {
        ml->log_global_stop(ml);
    }
    ml->global_log_started = false;
}

void memory_listener_register(MemoryListener *listener, AddressSpace *as)
{
    const GArray *ranges = as->current->ranges;
    GList *pos;

    g_return_if_fail(listener->address_space == NULL);
    listener->address_space = as;
    /* After every listener of equal or lower priority. */
    for (pos = listeners; pos; pos = pos->next) {
        if (((MemoryListener *)pos->data)->priority > listener->priority) {
            break;
        }
    }
    listeners = g_list_insert_before(listeners, pos, listener);

    listener->global_log_started = false;
    if (global_dirty_log_depth) {
        g_autoptr(GError) err = NULL;

        if (!start_global_log(listener, &err)) {
            g_warning("memory listener '%s' cannot start dirty tracking: %s; pages it changes may be missed",
                      listener->name ? listener->name : "anonymous",
                      err ? err->message : "unknown error");
        }
    }
    /* Changes the callbacks make wait until the replay is over. */
    memory_region_transaction_begin();
    if (listener->begin) {
        listener->begin(listener);
    }
    for (guint i = 0; i < ranges->len; i++) {
        call_add(listener, &g_array_index(ranges, FlatRange, i), as);
    }
    if (listener->commit) {
        listener->commit(listener);
    }
    memory_region_transaction_commit();
}

void memory_listener_unregister(MemoryListener *listener)
{
    AddressSpace *as = listener->address_space;
    const GArray *ranges;

    if (!as) {
        return;
    }
    memory_region_transaction_begin();
    ranges = as->current->ranges;
    if (listener->begin) {
        listener->begin(listener);
    }
    for (guint i = 0; i < ranges->len; i++) {
        call_del(listener, &g_array_index(ranges, FlatRange, i), as);
    }
    if (listener->commit) {
        listener->commit(listener);
    }
    stop_global_log(listener);
    listeners = g_list_remove(listeners, listener);
    listener->address_space = NULL;
    memory_region_transaction_commit();
}

void memory_listeners_detach_all(AddressSpace *as)
{
    GList *l = listeners;

    while (l) {
        MemoryListener *ml = l->data;

        l = l->next;
        if (ml->address_space == as) {
            memory_listener_unregister(ml);
        }
    }
}

bool memory_global_dirty_log_start(GError **errp)
{
    if (global_dirty_log_depth++ > 0) {
        return true;
    }
    for (GList *l = listeners; l; l = l->next) {
        if (!start_global_log(l->data, errp)) {
            /* Roll back those already started, newest first. */
            for (GList *r = l->prev; r; r = r->prev) {
                stop_global_log(r->data);
            }
            global_dirty_log_depth = 0;
            return false;
        }
    }
    return true;
}

void memory_global_dirty_log_stop(void)
{
    g_return_if_fail(global_dirty_log_depth > 0);
    if (--global_dirty_log_depth > 0) {
        return;
    }
    for (GList *l = g_list_last(listeners); l; l = l->prev) {
        stop_global_log(l->data);
    }
}

bool memory_global_dirty_log_active(void)
{
    return global_dirty_log_depth > 0;
}

void memory_global_dirty_log_sync(void)
{
    for (GList *l = listeners; l; l = l->next) {
        MemoryListener *ml = l->data;
        const GArray *ranges;

        if (!ml->log_sync) {
            continue;
        }
        ranges = ml->address_space->current->ranges;
        for (guint i = 0; i < ranges->len; i++) {
            const FlatRange *fr = &g_array_index(ranges, FlatRange, i);
            MemoryRegionSection s;

            if (fr->mr->kind != MR_KIND_RAM || !(global_dirty_log_depth || fr->dirty_log)) {
                continue;
            }
            s = flatrange_section(fr, ml->address_space);
            ml->log_sync(ml, &s);
        }
    }
}
