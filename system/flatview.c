/*
 * Flat views: render a region tree into sorted, non-overlapping ranges of terminal regions,
 * look addresses up in them, and diff two views address by address for the listeners.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "memory-internal.h"

/* Rendering arithmetic runs in 128 bits: alias bases may lie below 0 or above 2^64. */
typedef __int128 i128;

/* The renderable space is [0, UINT64_MAX): range ends always fit in 64 bits. */
#define SPACE_END ((i128)UINT64_MAX)
/* Nesting beyond this is a loop (a container holding an alias of itself). */
#define MAX_DEPTH 64

static i128 region_span(const MemoryRegion *mr)
{
    return mr->size == UINT64_MAX ? ((i128)1 << 64) : (i128)mr->size;
}

/* Put [s, e) of terminal region mr (whose offset 0 sits at base) into the gaps of ranges:
 * whatever is there already was rendered from a higher-priority region. */
static void insert_into_gaps(GArray *ranges, MemoryRegion *mr, i128 base, uint64_t s,
                             uint64_t e, bool readonly)
{
    guint i = 0;
    uint64_t pos = s;

    while (i < ranges->len) {
        const FlatRange *r = &g_array_index(ranges, FlatRange, i);

        if (r->start + r->size > s) {
            break;
        }
        i++;
    }
    while (pos < e) {
        uint64_t gap_end = e;

        if (i < ranges->len) {
            const FlatRange *r = &g_array_index(ranges, FlatRange, i);

            if (r->start <= pos) {
                pos = r->start + r->size;
                i++;
                continue;
            }
            gap_end = MIN(r->start, e);
        }
        FlatRange fr = {
            .start = pos,
            .size = gap_end - pos,
            .mr = mr,
            .offset = (hwaddr)((i128)pos - base),
            .readonly = readonly,
            .dirty_log = mr->log,
        };
        g_array_insert_val(ranges, i, fr);
        i++;
        pos = gap_end;
    }
}

static void render_region(GArray *ranges, MemoryRegion *mr, i128 base, i128 clip_start,
                          i128 clip_end, bool readonly, unsigned depth)
{
    i128 s = MAX(base, clip_start);
    i128 e = MIN(base + region_span(mr), clip_end);

    if (!mr->enabled || s >= e) {
        return;
    }
    if (depth > MAX_DEPTH) {
        g_warning("memory region '%s' nests more than %d levels deep (an alias loop?); the rest is not mapped",
                  mr->name, MAX_DEPTH);
        return;
    }
    readonly = readonly || mr->readonly;
    switch (mr->kind) {
    case MR_KIND_ALIAS:
        render_region(ranges, mr->alias, base - (i128)mr->alias_offset, s, e, readonly,
                      depth + 1);
        break;
    case MR_KIND_CONTAINER:
        for (GList *l = mr->subregions; l; l = l->next) {
            MemoryRegion *sub = l->data;

            render_region(ranges, sub, base + (i128)sub->addr, s, e, readonly, depth + 1);
        }
        break;
    default:
        insert_into_gaps(ranges, mr, base, (uint64_t)s, (uint64_t)e, readonly);
        break;
    }
}

/* Whether b continues a in address, region offset and attributes. */
static bool ranges_mergeable(const FlatRange *a, const FlatRange *b)
{
    return a->start + a->size == b->start && a->mr == b->mr &&
           a->offset + a->size == b->offset && a->readonly == b->readonly &&
           a->dirty_log == b->dirty_log;
}

/* Append r to arr, extending the last range when r continues it. */
static void append_merged(GArray *arr, const FlatRange *r)
{
    if (arr->len) {
        FlatRange *last = &g_array_index(arr, FlatRange, arr->len - 1);

        if (ranges_mergeable(last, r)) {
            last->size += r->size;
            return;
        }
    }
    g_array_append_val(arr, *r);
}

FlatView *flatview_render(MemoryRegion *root)
{
    g_autoptr(GArray) raw = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    FlatView *fv = g_new0(FlatView, 1);

    fv->ranges = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    if (root) {
        render_region(raw, root, 0, 0, SPACE_END, false, 0);
    }
    for (guint i = 0; i < raw->len; i++) {
        append_merged(fv->ranges, &g_array_index(raw, FlatRange, i));
    }
    for (guint i = 0; i < fv->ranges->len; i++) {
        memory_region_ref(g_array_index(fv->ranges, FlatRange, i).mr);
    }
    return fv;
}

void flatview_free(FlatView *fv)
{
    if (!fv) {
        return;
    }
    for (guint i = 0; i < fv->ranges->len; i++) {
        memory_region_unref(g_array_index(fv->ranges, FlatRange, i).mr);
    }
    g_array_unref(fv->ranges);
    g_free(fv);
}

const FlatRange *flatview_lookup(const FlatView *fv, hwaddr addr, hwaddr *next, bool *has_next)
{
    guint lo = 0, hi = fv->ranges->len;

    /* Find the first range ending above addr. */
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const FlatRange *r = &g_array_index(fv->ranges, FlatRange, mid);

        if (r->start + r->size <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < fv->ranges->len) {
        const FlatRange *r = &g_array_index(fv->ranges, FlatRange, lo);

        if (r->start <= addr) {
            return r;
        }
        *next = r->start;
        *has_next = true;
        return NULL;
    }
    *next = 0;
    *has_next = false;
    return NULL;
}

/* The part [pos, end) of range r. */
static FlatRange piece_of(const FlatRange *r, hwaddr pos, hwaddr end)
{
    FlatRange p = *r;

    p.start = pos;
    p.size = end - pos;
    p.offset = r->offset + (pos - r->start);
    return p;
}

void flatview_diff(const FlatView *old_fv, const FlatView *new_fv, FlatViewDiff *diff)
{
    const GArray *o = old_fv->ranges, *n = new_fv->ranges;
    guint i = 0, j = 0;
    hwaddr pos = 0;

    diff->dels = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    diff->adds = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    diff->log_stops = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    diff->log_starts = g_array_new(FALSE, FALSE, sizeof(FlatRange));

    /* Walk the union of both views' boundaries; each segment maps one way in each view. */
    for (;;) {
        const FlatRange *a = i < o->len ? &g_array_index(o, FlatRange, i) : NULL;
        const FlatRange *b = j < n->len ? &g_array_index(n, FlatRange, j) : NULL;
        hwaddr end = UINT64_MAX;
        bool a_here, b_here;

        if (a && a->start + a->size <= pos) {
            i++;
            continue;
        }
        if (b && b->start + b->size <= pos) {
            j++;
            continue;
        }
        if (!a && !b) {
            break;
        }
        /* Skip a hole in both views. */
        pos = MAX(pos, MIN(a ? a->start : UINT64_MAX, b ? b->start : UINT64_MAX));
        a_here = a && a->start <= pos;
        b_here = b && b->start <= pos;
        if (a) {
            end = MIN(end, a_here ? a->start + a->size : a->start);
        }
        if (b) {
            end = MIN(end, b_here ? b->start + b->size : b->start);
        }

        if (a_here && b_here && a->mr == b->mr && a->readonly == b->readonly &&
            a->offset + (pos - a->start) == b->offset + (pos - b->start)) {
            if (a->dirty_log != b->dirty_log) {
                FlatRange p = piece_of(b, pos, end);

                append_merged(b->dirty_log ? diff->log_starts : diff->log_stops, &p);
            }
        } else {
            if (a_here) {
                FlatRange p = piece_of(a, pos, end);

                append_merged(diff->dels, &p);
            }
            if (b_here) {
                FlatRange p = piece_of(b, pos, end);

                append_merged(diff->adds, &p);
            }
        }
        pos = end;
    }
}

void flatview_diff_clear(FlatViewDiff *diff)
{
    g_clear_pointer(&diff->dels, g_array_unref);
    g_clear_pointer(&diff->adds, g_array_unref);
    g_clear_pointer(&diff->log_stops, g_array_unref);
    g_clear_pointer(&diff->log_starts, g_array_unref);
}

MemoryRegionSection flatrange_section(const FlatRange *fr, AddressSpace *as)
{
    return (MemoryRegionSection){
        .mr = fr->mr,
        .address_space = as,
        .offset_within_address_space = fr->start,
        .offset_within_region = fr->offset,
        .size = fr->size,
        .readonly = fr->readonly,
    };
}
