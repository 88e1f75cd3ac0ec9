/*
 * Memory listeners: callbacks told how an address space's flat view changes (what VFIO maps
 * into the IOMMU and KVM into memory slots), and global dirty logging.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_MEMORY_LISTENER_H
#define SYSTEM_MEMORY_LISTENER_H

#include "system/address-space.h"

typedef struct MemoryListener MemoryListener;

/*
 * Fill in the callbacks you need (any may be NULL) and the priority, then register.
 *
 * Each outermost transaction commit calls begin on every listener, then per address space
 * compares the old and new flat view address by address: a range mapping the same region at
 * the same offset with the same readonly flag in both gets no region callback, however the
 * views are split. Changed ranges are reported as region_del of the old sections (ascending,
 * merged as far as contiguity allows), then region_add of the new ones (likewise); then
 * commit. A section of a region with dirty logging on gets log_start right after its
 * region_add and log_stop right before its region_del; an unchanged range whose region's
 * logging turns on or off gets log_start or log_stop alone.
 *
 * Listeners run in ascending priority (equal: registration order); region_del and log_stop
 * run in descending priority. Region changes a callback makes are reported in a further
 * pass; callbacks must not register or unregister listeners or create or destroy address
 * spaces.
 */
struct MemoryListener {
    void (*begin)(MemoryListener *listener);
    void (*commit)(MemoryListener *listener);
    void (*region_add)(MemoryListener *listener, MemoryRegionSection *section);
    void (*region_del)(MemoryListener *listener, MemoryRegionSection *section);
    void (*log_start)(MemoryListener *listener, MemoryRegionSection *section);
    void (*log_stop)(MemoryListener *listener, MemoryRegionSection *section);
    /* Merge dirty state into the RAM block (memory_region_get_ram_block()). */
    void (*log_sync)(MemoryListener *listener, MemoryRegionSection *section);
    /* Start dirty tracking of everything; false with errp set refuses. */
    bool (*log_global_start)(MemoryListener *listener, GError **errp);
    void (*log_global_stop)(MemoryListener *listener);
    int priority;
    const char *name;
    /* Set while registered; read-only for users. */
    AddressSpace *address_space;
    /* Private: log_global_start succeeded and log_global_stop is owed. */
    bool global_log_started;
};

/* Attach listener to as and replay region_add (and log_start) for every current section
 * between begin and commit. While global dirty logging is on, log_global_start is called
 * first (a failure is reported as a warning). Region changes made by the callbacks are
 * reported after the replay. */
void memory_listener_register(MemoryListener *listener, AddressSpace *as);
/* Send region_del (after log_stop where logging) for every section between begin and commit,
 * then log_global_stop if the listener's global logging was started, and detach.
 * Unregistered listeners: no-op. */
void memory_listener_unregister(MemoryListener *listener);

/* Turn global dirty logging on (nests): the first call runs log_global_start on every
 * listener; if one fails, those already started get log_global_stop and false is returned. */
bool memory_global_dirty_log_start(GError **errp);
/* Undo one memory_global_dirty_log_start(); the last runs log_global_stop (descending
 * priority) on every listener whose log_global_start succeeded. */
void memory_global_dirty_log_stop(void);
/* Whether global dirty logging is on. */
bool memory_global_dirty_log_active(void);
/* Call log_sync for every section of a RAM region that is being logged (globally or by
 * memory_region_set_log), so listeners merge their dirty state into the RAM blocks. */
void memory_global_dirty_log_sync(void);

#endif /* SYSTEM_MEMORY_LISTENER_H */
