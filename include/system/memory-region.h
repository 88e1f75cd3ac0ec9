/*
 * Memory regions: RAM, RAM devices, MMIO, aliases and containers, and the transactions
 * that batch changes to them. Address spaces render a region tree (system/address-space.h).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_MEMORY_REGION_H
#define SYSTEM_MEMORY_REGION_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "system/ramblock.h"

/* A guest physical (or bus) address, or an offset within a region. */
typedef uint64_t hwaddr;

/* Outcome of an access; flags, so results of a split access are OR-ed together. */
typedef enum MemTxResult {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1u << 0,        /* the region refused the access (size, alignment, ops) */
    MEMTX_DECODE_ERROR = 1u << 1, /* nothing is mapped there */
} MemTxResult;

typedef struct MemoryRegion MemoryRegion;

/*
 * Callbacks of an MMIO region. Values are little-endian: byte k of an access is bits
 * 8k..8k+7. A zero size limit takes the default: valid 1..4, impl 1..4.
 */
typedef struct MemoryRegionOps {
    /* Read size bytes at addr (an offset within the region, aligned to size). */
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    /* Write the low size bytes of value at addr (aligned to size). */
    void (*write)(void *opaque, hwaddr addr, uint64_t value, unsigned size);
    /* Accesses the guest may make; others fail with MEMTX_ERROR. */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned; /* accept accesses not aligned to their size */
    } valid;
    /* Accesses the callbacks implement; valid ones are split or widened to fit. */
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
    } impl;
} MemoryRegionOps;

/*
 * Constructors return a region holding one reference. A size of UINT64_MAX means the whole
 * 64-bit space (for root containers).
 */

/* RAM in a new memfd: zeroed, host pointer, fd and fd offset 0 available. */
MemoryRegion *memory_region_new_ram(const char *name, uint64_t size, GError **errp);
/* RAM mapping size bytes of fd at fd_offset (borrowed; the region keeps a duplicate). */
MemoryRegion *memory_region_new_ram_from_fd(const char *name, uint64_t size, int fd,
                                            uint64_t fd_offset, GError **errp);
/* A device's mmap()ed memory (e.g. a BAR) at host; not owned, must outlive the region.
 * Accessed with sized loads and stores; memory_region_is_ram_device() is true. */
MemoryRegion *memory_region_new_ram_device(const char *name, uint64_t size, void *host);
/* MMIO dispatched to ops with opaque; ops must outlive the region. NULL ops: unassigned. */
MemoryRegion *memory_region_new_io(const char *name, uint64_t size, const MemoryRegionOps *ops,
                                   void *opaque);
/* A window of size bytes onto target starting at target offset offset; references target. */
MemoryRegion *memory_region_new_alias(const char *name, MemoryRegion *target, hwaddr offset,
                                      uint64_t size);
/* An empty container; what no subregion covers is unassigned. */
MemoryRegion *memory_region_new_container(const char *name, uint64_t size);

/* Take a reference; returns mr. */
MemoryRegion *memory_region_ref(MemoryRegion *mr);
/* Drop a reference; the last one frees the region and its subregion references. NULL ok. */
void memory_region_unref(MemoryRegion *mr);

/* Map sub in container at offset with priority 0; the container takes a reference. */
void memory_region_add_subregion(MemoryRegion *container, hwaddr offset, MemoryRegion *sub);
/* Map sub at offset with a priority: where subregions overlap the higher priority is seen;
 * among equal priorities the one added last. The container takes a reference. */
void memory_region_add_subregion_overlap(MemoryRegion *container, hwaddr offset,
                                         MemoryRegion *sub, int priority);
/* Unmap sub from container and drop the container's reference. */
void memory_region_del_subregion(MemoryRegion *container, MemoryRegion *sub);

/* Show or hide the region (and what it contains) wherever it is mapped. */
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
/* Move the region to offset within its container (keeps its priority and order). */
void memory_region_set_address(MemoryRegion *mr, hwaddr offset);
/* Point an alias at another offset of its target. */
void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset);
/* Resize the region; RAM and RAM-device regions can only shrink below their creation size. */
void memory_region_set_size(MemoryRegion *mr, uint64_t size);
/* Mark the region read-only: writes through an address space are dropped. */
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);
/* Turn dirty logging of the region on or off (listeners get log_start/log_stop). */
void memory_region_set_log(MemoryRegion *mr, bool log);
/* Rename the region (names are for messages and debugging only). */
void memory_region_set_name(MemoryRegion *mr, const char *name);

/* The region's name. */
const char *memory_region_name(const MemoryRegion *mr);
/* The region's size in bytes (UINT64_MAX for the whole space). */
uint64_t memory_region_size(const MemoryRegion *mr);
/* True for RAM and RAM-device regions: both have a host pointer. */
bool memory_region_is_ram(const MemoryRegion *mr);
/* True for regions made by memory_region_new_ram_device(). */
bool memory_region_is_ram_device(const MemoryRegion *mr);
/* True for MMIO regions. */
bool memory_region_is_io(const MemoryRegion *mr);
/* True for aliases. */
bool memory_region_is_alias(const MemoryRegion *mr);
/* True for containers. */
bool memory_region_is_container(const MemoryRegion *mr);
/* Whether the region is enabled. */
bool memory_region_is_enabled(const MemoryRegion *mr);
/* Whether the region itself is marked read-only. */
bool memory_region_is_readonly(const MemoryRegion *mr);
/* Whether dirty logging of the region is on (memory_region_set_log). */
bool memory_region_is_logging(const MemoryRegion *mr);
/* Host pointer of the region's first byte (RAM and RAM device), else NULL. */
void *memory_region_get_ram_ptr(const MemoryRegion *mr);
/* The RAM block of a RAM region, else NULL (no reference is taken). */
RAMBlock *memory_region_get_ram_block(const MemoryRegion *mr);
/* The fd backing a RAM region, else -1; owned by the region. */
int memory_region_get_fd(const MemoryRegion *mr);
/* Offset of a RAM region's first byte within its fd (0 when there is none). */
uint64_t memory_region_get_fd_offset(const MemoryRegion *mr);
/* The container the region is mapped in, or NULL. */
MemoryRegion *memory_region_get_container(const MemoryRegion *mr);
/* The region's offset within its container. */
hwaddr memory_region_get_address(const MemoryRegion *mr);
/* An alias's target region, else NULL. */
MemoryRegion *memory_region_get_alias(const MemoryRegion *mr);
/* An alias's offset within its target. */
hwaddr memory_region_get_alias_offset(const MemoryRegion *mr);
/* Mark [offset, offset + len) of a RAM region dirty (after writing through its pointer). */
void memory_region_set_dirty(MemoryRegion *mr, hwaddr offset, uint64_t len);

/* Access size bytes (1, 2, 4 or 8) at offset addr of a RAM, RAM-device, MMIO or alias
 * region directly; MMIO accesses are split or widened to what ops->impl allows. */
MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr, uint64_t *value,
                                        unsigned size);
/* Write the low size bytes of value; see memory_region_dispatch_read(). */
MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr, uint64_t value,
                                         unsigned size);

/* Start a transaction: region changes are rendered and reported once, at the outermost
 * commit. Transactions nest. A change made outside one is a transaction of its own. */
void memory_region_transaction_begin(void);
/* End a transaction; the outermost commit updates every address space and its listeners. */
void memory_region_transaction_commit(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemoryRegion, memory_region_unref)

#endif /* SYSTEM_MEMORY_REGION_H */
