/*
 * The DMA mapping table of a container: which IOVA ranges are mapped to which host memory.
 * Kernel IOMMUs cannot unmap part of a mapping, so a partial unmap is done here by unmapping
 * the whole mapping and mapping back what remains (see dma-table.c).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_DMA_TABLE_H
#define HW_VFIO_DMA_TABLE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct VFIODmaTable VFIODmaTable;

/* One kernel mapping of [iova, iova + size) onto vaddr; owner (referenced through the ops)
 * is what vaddr belongs to and owner_offset the offset of vaddr within it. */
typedef struct VFIODmaMapping {
    uint64_t iova;
    uint64_t size;
    void *vaddr;
    bool readonly;
    void *owner;
    uint64_t owner_offset;
} VFIODmaMapping;

/* How the table reaches the kernel; map and unmap return 0 or -errno. */
typedef struct VFIODmaTableOps {
    int (*map)(void *opaque, uint64_t iova, uint64_t size, void *vaddr, bool readonly);
    int (*unmap)(void *opaque, uint64_t iova, uint64_t size);
    /* Optional: take and drop a reference on a mapping's owner. */
    void *(*owner_ref)(void *owner);
    void (*owner_unref)(void *owner);
    /* Optional: @m was mapped, had to be unmapped to cut or merge a neighbour, and could not
     * be mapped again (@err from the map op): it is no longer mapped nor recorded. */
    void (*lost)(void *opaque, const VFIODmaMapping *m, int err);
} VFIODmaTableOps;

VFIODmaTable *vfio_dma_table_new(const VFIODmaTableOps *ops, void *opaque);
/* Free the table without unmapping (unmap_all first). NULL is allowed. */
void vfio_dma_table_free(VFIODmaTable *table);

/* Map and record @m (size > 0, no wrap). -EEXIST without a kernel call when it overlaps a
 * recorded mapping; otherwise the map op's result. With merging on, a recorded neighbour
 * that continues @m (same owner, readonly flag, contiguous IOVA and host address) is
 * unmapped and one mapping of the union is made instead; should that fail, the pieces are
 * mapped back one by one (a neighbour that cannot be goes to ops->lost). */
int vfio_dma_table_map(VFIODmaTable *table, const VFIODmaMapping *m);
/* Merge adjacent mappings from now on (off by default): for kernels whose mapping count is
 * limited (type1's dma_entry_limit), at the cost of briefly unmapping the neighbour. */
void vfio_dma_table_set_merge(VFIODmaTable *table, bool merge);

/*
 * Unmap every byte of [@iova, @iova + @size) that is mapped. A mapping wholly inside goes
 * with one unmap call; one that sticks out is unmapped whole and its remaining parts are
 * mapped again (@splits, may be NULL, counts those). Returns 0 or the first unmap -errno: a
 * mapping whose unmap failed stays recorded (still mapped). A remainder whose re-map failed
 * is not an unmap failure: it is dropped and reported to ops->lost.
 */
int vfio_dma_table_unmap(VFIODmaTable *table, uint64_t iova, uint64_t size, unsigned *splits);
/* Unmap everything (one call per mapping). Returns 0 or the first -errno. */
int vfio_dma_table_unmap_all(VFIODmaTable *table);

/* Number of recorded mappings, the bytes they cover, and mapping @i in ascending order. */
unsigned vfio_dma_table_count(VFIODmaTable *table);
uint64_t vfio_dma_table_bytes(VFIODmaTable *table);
const VFIODmaMapping *vfio_dma_table_get(VFIODmaTable *table, unsigned i);
/* Index of the first mapping ending at or after @iova (count when none). */
unsigned vfio_dma_table_lookup(VFIODmaTable *table, uint64_t iova);

#endif /* HW_VFIO_DMA_TABLE_H */
