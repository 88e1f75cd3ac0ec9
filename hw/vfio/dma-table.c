/*
 * The DMA mapping table of a container. Why it exists: the memory API reports changes as
 * per-range diffs, so an overlay (a BAR over RAM) removes a piece of what was mapped as one
 * section, while the kernel (type1 v2 UNMAP_DMA, iommufd IOAS_UNMAP) refuses to cut a mapping.
 * Chosen approach: keep each kernel mapping as mapped; to remove a piece, unmap the whole
 * mapping and map back the parts that remain (one unmap + up to two maps). Mappings that lie
 * wholly inside or outside a removed range are never touched, and RAM that stays RAM is only
 * re-mapped when it shares a kernel mapping with the removed piece. Optionally, a new mapping
 * that continues a recorded one is merged with it (unmap the neighbour, map the union), so
 * splits do not pile up toward the kernel's limit on the number of mappings.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>

#include "dma-table.h"

struct VFIODmaTable {
    const VFIODmaTableOps *ops;
    void *opaque;
    GArray *maps; /* VFIODmaMapping, ascending, not overlapping */
    uint64_t bytes;
    bool merge;
};

static uint64_t map_last(const VFIODmaMapping *m)
{
    return m->iova + m->size - 1;
}

VFIODmaTable *vfio_dma_table_new(const VFIODmaTableOps *ops, void *opaque)
{
    VFIODmaTable *table = g_new0(VFIODmaTable, 1);

    table->ops = ops;
    table->opaque = opaque;
    table->maps = g_array_new(FALSE, FALSE, sizeof(VFIODmaMapping));
    return table;
}

static void drop_owner(VFIODmaTable *table, VFIODmaMapping *m)
{
    if (m->owner && table->ops->owner_unref) {
        table->ops->owner_unref(m->owner);
    }
}

void vfio_dma_table_free(VFIODmaTable *table)
{
    if (!table) {
        return;
    }
    for (guint i = 0; i < table->maps->len; i++) {
        drop_owner(table, &g_array_index(table->maps, VFIODmaMapping, i));
    }
    g_array_free(table->maps, TRUE);
    g_free(table);
}

unsigned vfio_dma_table_lookup(VFIODmaTable *table, uint64_t iova)
{
    guint lo = 0, hi = table->maps->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (map_last(&g_array_index(table->maps, VFIODmaMapping, mid)) < iova) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Call the kernel and record at index @at (the caller knows the slot is free). */
static int map_at(VFIODmaTable *table, guint at, const VFIODmaMapping *m)
{
    VFIODmaMapping copy = *m;
    int ret = table->ops->map(table->opaque, m->iova, m->size, m->vaddr, m->readonly);

    if (ret < 0) {
        return ret;
    }
    if (copy.owner && table->ops->owner_ref) {
        copy.owner = table->ops->owner_ref(copy.owner);
    }
    g_array_insert_val(table->maps, at, copy);
    table->bytes += m->size;
    return 0;
}

void vfio_dma_table_set_merge(VFIODmaTable *table, bool merge)
{
    table->merge = merge;
}

/* Whether @b continues @a: adjacent in IOVA and host memory, same owner and flags. */
static bool continues(const VFIODmaMapping *a, const VFIODmaMapping *b)
{
    return a->iova + a->size == b->iova && (uint8_t *)a->vaddr + a->size == b->vaddr &&
           a->readonly == b->readonly && a->owner == b->owner &&
           a->owner_offset + a->size == b->owner_offset;
}

static void report_lost(VFIODmaTable *table, const VFIODmaMapping *m, int err)
{
    if (table->ops->lost) {
        table->ops->lost(table->opaque, m, err);
    }
}

/* Unmap the recorded mapping at @at and forget it; its owner reference moves to @out. */
static int take_at(VFIODmaTable *table, guint at, VFIODmaMapping *out)
{
    VFIODmaMapping m = g_array_index(table->maps, VFIODmaMapping, at);
    int ret = table->ops->unmap(table->opaque, m.iova, m.size);

    if (ret < 0) {
        return ret;
    }
    g_array_remove_index(table->maps, at);
    table->bytes -= m.size;
    *out = m;
    return 0;
}

/* Map @m at @at merged with the neighbours @at - 1 (@left) and @at (@right) where set. */
static int map_merged(VFIODmaTable *table, guint at, const VFIODmaMapping *m, bool left,
                      bool right)
{
    VFIODmaMapping l = { 0 }, r = { 0 }, u = *m;
    int ret;

    if (left && take_at(table, at - 1, &l) == 0) {
        at--;
        u.iova = l.iova;
        u.vaddr = l.vaddr;
        u.owner_offset = l.owner_offset;
        u.size += l.size;
    }
    if (right && take_at(table, at, &r) == 0) {
        u.size += r.size;
    }
    if (u.size == m->size) {
        return map_at(table, at, m); /* neither neighbour could be unmapped */
    }
    ret = map_at(table, at, &u);
    if (ret < 0) {
        /* Put back what was there, then try @m alone. */
        if (l.size) {
            int lret = map_at(table, at, &l);

            if (lret < 0) {
                report_lost(table, &l, lret);
            } else {
                at++;
            }
        }
        if (r.size) {
            int rret = map_at(table, at, &r);

            if (rret < 0) {
                report_lost(table, &r, rret);
            }
        }
        ret = map_at(table, at, m);
    }
    if (l.size) {
        drop_owner(table, &l);
    }
    if (r.size) {
        drop_owner(table, &r);
    }
    return ret;
}

int vfio_dma_table_map(VFIODmaTable *table, const VFIODmaMapping *m)
{
    bool left = false, right = false;
    guint at;

    if (m->size == 0 || m->iova + m->size - 1 < m->iova) {
        return -EINVAL;
    }
    at = vfio_dma_table_lookup(table, m->iova);
    if (at < table->maps->len &&
        g_array_index(table->maps, VFIODmaMapping, at).iova <= map_last(m)) {
        return -EEXIST;
    }
    if (table->merge) {
        left = at > 0 && continues(&g_array_index(table->maps, VFIODmaMapping, at - 1), m);
        right = at < table->maps->len &&
                continues(m, &g_array_index(table->maps, VFIODmaMapping, at));
    }
    if (left || right) {
        return map_merged(table, at, m, left, right);
    }
    return map_at(table, at, m);
}

/* The part of @m from @iova for @size bytes. */
static VFIODmaMapping piece(const VFIODmaMapping *m, uint64_t iova, uint64_t size)
{
    VFIODmaMapping p = *m;

    p.iova = iova;
    p.size = size;
    p.vaddr = (uint8_t *)m->vaddr + (iova - m->iova);
    p.owner_offset = m->owner_offset + (iova - m->iova);
    return p;
}

int vfio_dma_table_unmap(VFIODmaTable *table, uint64_t iova, uint64_t size, unsigned *splits)
{
    uint64_t last = iova + size - 1;
    guint i;
    int first_err = 0;

    if (size == 0) {
        return 0;
    }
    if (last < iova) {
        last = UINT64_MAX;
    }
    i = vfio_dma_table_lookup(table, iova);
    while (i < table->maps->len) {
        VFIODmaMapping m = g_array_index(table->maps, VFIODmaMapping, i);
        VFIODmaMapping rest[2];
        int nrest = 0;
        int ret;

        if (m.iova > last) {
            break;
        }
        ret = table->ops->unmap(table->opaque, m.iova, m.size);
        if (ret < 0) {
            /* Still mapped as far as we know: keep it recorded. */
            first_err = first_err ? first_err : ret;
            i++;
            continue;
        }
        g_array_remove_index(table->maps, i);
        table->bytes -= m.size;
        if (m.iova < iova) {
            rest[nrest++] = piece(&m, m.iova, iova - m.iova);
        }
        if (map_last(&m) > last) {
            rest[nrest++] = piece(&m, last + 1, map_last(&m) - last);
        }
        if (nrest && splits) {
            (*splits)++;
        }
        for (int k = 0; k < nrest; k++) {
            ret = map_at(table, i, &rest[k]);
            if (ret < 0) {
                report_lost(table, &rest[k], ret);
            } else {
                i++;
            }
        }
        drop_owner(table, &m);
    }
    return first_err;
}

int vfio_dma_table_unmap_all(VFIODmaTable *table)
{
    int first_err = 0;
    guint i = 0;

    while (i < table->maps->len) {
        VFIODmaMapping m = g_array_index(table->maps, VFIODmaMapping, i);
        int ret = table->ops->unmap(table->opaque, m.iova, m.size);

        if (ret < 0) {
            first_err = first_err ? first_err : ret;
            i++;
            continue;
        }
        g_array_remove_index(table->maps, i);
        table->bytes -= m.size;
        drop_owner(table, &m);
    }
    return first_err;
}

unsigned vfio_dma_table_count(VFIODmaTable *table)
{
    return table->maps->len;
}

uint64_t vfio_dma_table_bytes(VFIODmaTable *table)
{
    return table->bytes;
}

const VFIODmaMapping *vfio_dma_table_get(VFIODmaTable *table, unsigned i)
{
    return i < table->maps->len ? &g_array_index(table->maps, VFIODmaMapping, i) : NULL;
}
