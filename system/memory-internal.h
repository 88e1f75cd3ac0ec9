/*
 * Memory API internals shared by system/memory*.c and system/flatview.c: the region, flat
 * view and address space structures and the hooks between those files.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_MEMORY_INTERNAL_H
#define SYSTEM_MEMORY_INTERNAL_H

#include "system/memory.h"

typedef enum MemoryRegionKind {
    MR_KIND_RAM,
    MR_KIND_RAM_DEVICE,
    MR_KIND_IO,
    MR_KIND_ALIAS,
    MR_KIND_CONTAINER,
} MemoryRegionKind;

struct MemoryRegion {
    int refcount;
    MemoryRegionKind kind;
    char *name;
    uint64_t size;       /* UINT64_MAX: the whole 64-bit space */
    uint64_t max_size;   /* RAM and RAM device: size at creation */
    bool enabled;
    bool readonly;
    bool log;
    RAMBlock *ram_block; /* RAM: owned reference */
    void *host;          /* RAM and RAM device: first byte */
    const MemoryRegionOps *ops; /* MMIO; NULL: unassigned */
    void *opaque;
    MemoryRegion *alias; /* alias: referenced target */
    hwaddr alias_offset;
    GList *subregions;   /* container: referenced, highest priority (then newest) first */
    MemoryRegion *container; /* where this region is mapped (weak) */
    hwaddr addr;
    int priority;
};

/* One piece of a flat view: [start, start + size) shows mr from offset on. */
typedef struct FlatRange {
    hwaddr start;
    uint64_t size;
    MemoryRegion *mr; /* terminal region; referenced by the owning FlatView */
    hwaddr offset;
    bool readonly;
    bool dirty_log;   /* mr's logging was on when rendered */
} FlatRange;

/* Sorted, non-overlapping, maximally coalesced ranges. */
typedef struct FlatView {
    GArray *ranges; /* of FlatRange */
} FlatView;

/* What changed between two flat views, each array of FlatRange in ascending order. The
 * ranges borrow their regions' references from the two views. */
typedef struct FlatViewDiff {
    GArray *dels;       /* old mappings of changed ranges */
    GArray *adds;       /* new mappings of changed ranges */
    GArray *log_stops;  /* unchanged ranges whose logging turned off */
    GArray *log_starts; /* unchanged ranges whose logging turned on */
} FlatViewDiff;

struct AddressSpace {
    char *name;
    MemoryRegion *root; /* referenced */
    FlatView *current;
};

/* flatview.c */
FlatView *flatview_render(MemoryRegion *root);
void flatview_free(FlatView *fv);
/* The range containing addr, or NULL with *next set to the next range's start (or 0 and
 * *has_next false when there is none). */
const FlatRange *flatview_lookup(const FlatView *fv, hwaddr addr, hwaddr *next, bool *has_next);
void flatview_diff(const FlatView *old_fv, const FlatView *new_fv, FlatViewDiff *diff);
void flatview_diff_clear(FlatViewDiff *diff);
MemoryRegionSection flatrange_section(const FlatRange *fr, AddressSpace *as);

/* memory.c: mark a RAM write dirty when the region or global dirty logging is on. */
void memory_region_note_written(MemoryRegion *mr, hwaddr offset, uint64_t len);

/* memory-address-space.c: every live address space, in creation order. */
GList *address_space_list(void);

/* memory-listener.c: re-render every address space and tell the listeners. */
void memory_update_topology(void);
/* memory-listener.c: unregister every listener of as (an address space going away). */
void memory_listeners_detach_all(AddressSpace *as);

#endif /* SYSTEM_MEMORY_INTERNAL_H */
