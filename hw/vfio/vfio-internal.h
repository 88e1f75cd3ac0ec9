/*
 * VFIO common layer internals shared by container-base.c and common.c (not a backend
 * header: backends use include/hw/vfio/vfio-container-base.h only).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_VFIO_INTERNAL_H
#define HW_VFIO_VFIO_INTERNAL_H

#include "hw/vfio/vfio-container-base.h"
#include "system/memory-listener.h"
#include "dma-table.h"

/* An IOVA range the IOMMU accepts, inclusive. */
typedef struct VFIOIovaRange {
    uint64_t start;
    uint64_t last;
} VFIOIovaRange;

/* Base state of every container. */
typedef struct VFIOContainerPrivate {
    VFIOContainer *self;
    VFIOAddressSpace *space;      /* set while listening */
    uint64_t pgsizes;
    GArray *iova_ranges;          /* VFIOIovaRange, ascending; empty: everything */
    uint32_t dma_max_mappings;
    uint64_t dirty_pgsizes;
    GQueue devices;               /* VFIODevice.container_link */
    MemoryListener listener;
    bool listening;
    bool no_dma;                  /* noiommu: no listener, nothing mapped */
    bool replaying;               /* inside memory_listener_register(): errors are fatal */
    GError *replay_error;         /* the first mapping error while replaying */
    bool dirty_tracking;          /* set_dirty_page_tracking(true) succeeded, or dirty_all */
    bool dirty_all;               /* no IOMMU dirty tracking: every sync dirties all mapped RAM */
    bool dirty_device;            /* every device logs its own DMA (dirty-device.c) */
    VFIODmaTable *dma;
    unsigned splits;              /* partial unmaps that re-mapped a remainder */
    GArray *recheck;              /* uint64_t: IOMMU pages a change cut, looked at in commit */
    unsigned last_count;          /* mapping count at the last commit, for the trace */
} VFIOContainerPrivate;

VFIOContainerPrivate *vfio_container_priv(VFIOContainer *container);

/* common.c: the address space list. */
VFIOAddressSpace *vfio_address_space_get(AddressSpace *as);
void vfio_address_space_put(VFIOAddressSpace *space);
void vfio_address_space_add_container(VFIOAddressSpace *space, VFIOContainer *container);
void vfio_address_space_remove_container(VFIOAddressSpace *space, VFIOContainer *container);

/*
 * dirty-device.c: device DMA logging. probe: the device's driver offers it. start: log the
 * container's mapped ranges (@dma) at *@pgsize, which the driver may change; 0 or -errno.
 * covers: [iova, iova + size) lies in a logged range. report: the pages written in that range
 * since the last report (bits set in @bitmap, one per logging page; the log is cleared).
 * stop: end the logging (no-op when not started).
 */
bool vfio_device_dma_logging_probe(VFIODevice *vbasedev);
int vfio_device_dma_logging_start(VFIODevice *vbasedev, VFIODmaTable *dma, uint64_t *pgsize);
bool vfio_device_dma_logging_covers(VFIODevice *vbasedev, uint64_t iova, uint64_t size);
int vfio_device_dma_logging_report(VFIODevice *vbasedev, uint64_t iova, uint64_t size,
                                   uint64_t *bitmap);
void vfio_device_dma_logging_stop(VFIODevice *vbasedev);

/* Round helpers for power-of-two alignments. */
static inline uint64_t vfio_align_down(uint64_t v, uint64_t align)
{
    return v & ~(align - 1);
}

static inline uint64_t vfio_align_up(uint64_t v, uint64_t align)
{
    return (v + align - 1) & ~(align - 1);
}

#endif /* HW_VFIO_VFIO_INTERNAL_H */
