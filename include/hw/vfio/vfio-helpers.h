/*
 * VFIO device helpers for frontends, backend-agnostic: device, region and IRQ info with
 * capability chains, regions as MemoryRegions (mmap fast path, trapped slow path), IRQs
 * signalled through eventfds, device features.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_VFIO_HELPERS_H
#define HW_VFIO_VFIO_HELPERS_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/vfio.h>

#include "hw/vfio/vfio-common.h"
#include "system/memory-region.h"

/* --- info and capability chains --- */

/*
 * Find capability @id in a VFIO info buffer of @len bytes whose first capability is at
 * @cap_offset (0: none). Each header's next is an offset from the buffer start. Returns
 * NULL when absent or when the chain is malformed (out of bounds, misaligned, a loop).
 */
struct vfio_info_cap_header *vfio_find_cap(void *buf, size_t len, uint32_t cap_offset,
                                           uint16_t id);

/* VFIO_DEVICE_GET_INFO into vbasedev->flags, num_regions, num_irqs, reset_works.
 * Returns 0 or -errno. The common layer calls it at attach. */
int vfio_device_get_info(VFIODevice *vbasedev);

/*
 * VFIO_DEVICE_GET_REGION_INFO of region @index with its capability chain: *info is
 * allocated (argsz grown as the kernel asks), free with g_free. Returns 0 or -errno.
 */
int vfio_get_region_info(VFIODevice *vbasedev, uint32_t index, struct vfio_region_info **info);
/* Capability @id of a region info from vfio_get_region_info(), or NULL. */
struct vfio_info_cap_header *vfio_get_region_info_cap(struct vfio_region_info *info,
                                                      uint16_t id);

/* VFIO_DEVICE_GET_IRQ_INFO of IRQ @index into @info. Returns 0 or -errno. */
int vfio_get_irq_info(VFIODevice *vbasedev, uint32_t index, struct vfio_irq_info *info);

/* Read or write exactly @len bytes at device fd offset @off (config space, ROM, any
 * region). Returns 0, or -errno (-EIO for a short transfer). */
int vfio_device_pread(VFIODevice *vbasedev, void *buf, size_t len, uint64_t off);
int vfio_device_pwrite(VFIODevice *vbasedev, const void *buf, size_t len, uint64_t off);

/* VFIO_DEVICE_RESET (function-level reset). Returns 0 or -errno. */
int vfio_device_reset(VFIODevice *vbasedev);

/*
 * VFIO_DEVICE_FEATURE with @flags (VFIO_DEVICE_FEATURE_GET/SET/PROBE | feature index) and
 * @len bytes of @data (in or out). Returns 0 or -errno (-ENOTTY/-EINVAL: not supported).
 */
int vfio_device_feature(VFIODevice *vbasedev, uint32_t flags, void *data, size_t len);
/*
 * Set the VF token (a UUID string) of a PF bound to vfio-pci through
 * VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, so its VFs can be opened with that token. Returns 0,
 * -EINVAL when @uuid is not a UUID, or the kernel's -errno (-ENOTTY: the device is no PF).
 */
int vfio_device_set_vf_token(VFIODevice *vbasedev, const char *uuid);

/* --- regions --- */

/*
 * A device region as guest-visible memory. The region's MemoryRegion (a container of the
 * region's size) holds an MMIO trap covering it all (the slow path, pread/pwrite on the
 * device fd) and, after vfio_region_mmap(), RAM-device subregions over the mmap'd areas
 * (the fast path) at a higher priority. Frontends may overlay their own MMIO (e.g. an
 * MSI-X table) at a still higher priority (VFIO_REGION_PRIORITY_OVERLAY).
 */
typedef struct VFIORegion VFIORegion;

#define VFIO_REGION_PRIORITY_MMAP 1
#define VFIO_REGION_PRIORITY_OVERLAY 2

/*
 * Read region @index's info and build its MemoryRegion named @name. The mmap areas are the
 * sparse areas of VFIO_REGION_INFO_CAP_SPARSE_MMAP, else the whole region when it has
 * VFIO_REGION_INFO_FLAG_MMAP, else none (vbasedev->no_mmap: none). A region of size 0 is
 * valid (nothing to map). NULL with @errp set on failure.
 */
VFIORegion *vfio_region_setup(VFIODevice *vbasedev, uint32_t index, const char *name,
                              GError **errp);
/* Unmap and free; the MemoryRegion is unreferenced (it lives on while others hold it).
 * NULL is allowed. */
void vfio_region_free(VFIORegion *region);

/* Remove [@offset, @offset + @size) from the mmap areas (splitting one where needed, on
 * host page boundaries) so that range always traps: call before vfio_region_mmap(). */
void vfio_region_exclude(VFIORegion *region, uint64_t offset, uint64_t size);
/* mmap every area and map it as a RAM-device subregion. An mmap failure unmaps the others
 * and returns false with @errp set: the caller may warn and keep the slow path. */
bool vfio_region_mmap(VFIORegion *region, GError **errp);
/* Remove and unmap the mmap'd areas (the region traps everything again). */
void vfio_region_unmap(VFIORegion *region);

/* The region's MemoryRegion (borrowed; add it to a bus with a reference of your own). */
MemoryRegion *vfio_region_get_memory(VFIORegion *region);
uint64_t vfio_region_size(VFIORegion *region);
/* Number of mmap areas and, for area @i, its offset, size and host pointer (NULL while
 * not mmap'd). */
unsigned vfio_region_nr_mmaps(VFIORegion *region);
/* Whether the kernel lets the MSI-X table's page be mapped (VFIO_REGION_INFO_CAP_MSIX_MAPPABLE):
 * the frontend then need not exclude it. */
bool vfio_region_msix_mappable(VFIORegion *region);
/* The same, from a region info (with its capability chain) from vfio_get_region_info(). */
bool vfio_region_info_msix_mappable(struct vfio_region_info *info);
bool vfio_region_mmap_area(VFIORegion *region, unsigned i, uint64_t *offset, uint64_t *size,
                           void **host);

/* The slow path: an access of @size (1, 2, 4 or 8) bytes at @addr through the device fd,
 * little-endian. A failed read returns all ones (and is traced), a failed write is dropped.
 * These are the trap region's MMIO ops. */
uint64_t vfio_region_read(VFIORegion *region, hwaddr addr, unsigned size);
void vfio_region_write(VFIORegion *region, hwaddr addr, uint64_t data, unsigned size);

/* --- IRQs --- */

/* "INTx", "MSI", "MSI-X", "ERR", "REQ" for PCI devices, else "IRQ N"; static storage. */
const char *vfio_irq_index_name(VFIODevice *vbasedev, uint32_t index);

/*
 * VFIO_DEVICE_SET_IRQS for one vector: @action is VFIO_IRQ_SET_ACTION_TRIGGER, _MASK or
 * _UNMASK; @fd an eventfd to signal (TRIGGER) or to listen on (MASK/UNMASK, e.g. KVM
 * resample), or -1 to tear that down. False with @errp naming the IRQ and action.
 */
bool vfio_set_irq_signaling(VFIODevice *vbasedev, uint32_t index, uint32_t subindex,
                            uint32_t action, int fd, GError **errp);
/* Trigger eventfds of vectors @start..@start + @count - 1 of IRQ @index at once (MSI, MSI-X
 * enabling); an fd of -1 leaves that vector unsignalled. Returns 0 or -errno. */
int vfio_set_irq_eventfds(VFIODevice *vbasedev, uint32_t index, uint32_t start,
                          uint32_t count, const int32_t *fds);
/* Disable every vector of IRQ @index (DATA_NONE, count 0). Returns 0 or -errno. */
int vfio_disable_irq_index(VFIODevice *vbasedev, uint32_t index);
/* Unmask vector 0 of @index (INTx) without an fd. Returns 0 or -errno. */
int vfio_unmask_single_irq(VFIODevice *vbasedev, uint32_t index);

/*
 * An eventfd the kernel signals, with an optional handler run from the GLib main loop
 * (default context) when it fires. The fd has exactly one owner: the notifier.
 */
typedef struct VFIONotifier VFIONotifier;
typedef void (*VFIONotifierFn)(void *opaque);

/* A new non-blocking eventfd. NULL with @errp set. */
VFIONotifier *vfio_notifier_new(GError **errp);
/* Stop watching, close the fd and free. NULL is allowed. */
void vfio_notifier_free(VFIONotifier *notifier);
int vfio_notifier_get_fd(VFIONotifier *notifier);
/* Run @fn(@opaque) after each signal (the counter is cleared first); NULL @fn stops. */
void vfio_notifier_set_handler(VFIONotifier *notifier, VFIONotifierFn fn, void *opaque);
/* Read and clear the counter: whether it had been signalled. */
bool vfio_notifier_test_and_clear(VFIONotifier *notifier);
/* Signal it from user space (tests, software-injected interrupts). */
void vfio_notifier_signal(VFIONotifier *notifier);

/*
 * The devices a bus/slot reset of @vbasedev would reset (VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
 * sized by a first probe): 0 with *@out allocated (g_free it), or -errno.
 */
int vfio_device_get_hot_reset_info(VFIODevice *vbasedev, struct vfio_pci_hot_reset_info **out);

/*
 * When IOMMU group @groupid holds a device bound to a host driver the kernel does not accept
 * next to VFIO, set @errp to a one-line message naming each such device, its driver and the
 * command that releases it, and return true; false (and @errp untouched) otherwise.
 */
bool vfio_group_not_viable_error(int groupid, GError **errp);

/* The IOMMU group number of the device at sysfs path @sysfsdev, or -errno. */
int vfio_sysfs_group_id(const char *sysfsdev);

#endif /* HW_VFIO_VFIO_HELPERS_H */
