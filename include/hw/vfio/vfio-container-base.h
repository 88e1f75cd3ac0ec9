/*
 * VFIO container base type: an IOMMU context that maps one address space for its devices.
 * Abstract GObject; each backend (legacy, iommufd) is a subclass filling the ops table below.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_VFIO_CONTAINER_BASE_H
#define HW_VFIO_VFIO_CONTAINER_BASE_H

#include <glib-object.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/vfio/vfio-common.h"

#define VFIO_TYPE_CONTAINER (vfio_container_get_type())
G_DECLARE_DERIVABLE_TYPE(VFIOContainer, vfio_container, VFIO, CONTAINER, GObject)

/*
 * GType names of the backends. vfio_attach_device() picks one by name (g_type_from_name), so
 * common code never includes a backend header; vfio_register_types() registers them.
 */
#define VFIO_CONTAINER_TYPE_LEGACY "VFIOLegacyContainer"
#define VFIO_CONTAINER_TYPE_IOMMUFD "VFIOIommufdContainer"

/*
 * The ops table. Return conventions, one per kind of op:
 *  - kernel-facing ops (dma_map, dma_unmap, set_dirty_page_tracking, query_dirty_bitmap)
 *    return 0 or a negative errno and print nothing: the common layer words the message;
 *  - ops a user sees fail (attach_device, pci_hot_reset) return true, or false with @errp
 *    set to one line saying what failed, why and what to do (without the device name: the
 *    frontend adds it).
 * Mandatory: attach_device, detach_device, dma_map, dma_unmap. The others are optional: the
 * vfio_container_*() wrappers below return -ENOTSUP (or false with an error) when absent.
 */
struct _VFIOContainerClass {
    GObjectClass parent_class;

    /* Short backend name for messages and traces: "legacy", "iommufd". */
    const char *backend_name;

    /*
     * The kernel limits the number of mappings and lets a mapping be removed and its
     * union with a neighbour mapped in its place: the common layer then merges a new mapping
     * with a recorded one it continues (same RAM), so splits do not accumulate.
     */
    bool dma_merge;

    /*
     * Class-level (there may be no container yet). Attach @vbasedev named @name to a
     * container of this class serving @space: reuse one from
     * vfio_address_space_containers(@space) where the backend allows it (legacy: the device's
     * group is already in it, or its group can join it; iommufd: the same iommufd object),
     * else create one (g_object_new), fill its IOMMU info (vfio_container_set_pgsizes(),
     * vfio_container_add_iova_range(), ...) and vfio_container_listen() it, which maps the
     * address space. Then open the device: set vbasedev->fd (owned by the backend),
     * vbasedev->container (no reference: the backend keeps the container alive while it
     * has devices), vbasedev->group or vbasedev->devid.
     * Must not read device info nor touch the device lists: the common layer does.
     * On failure undo everything done here (fd, group, container) and set @errp.
     */
    bool (*attach_device)(VFIOContainerClass *klass, const char *name, VFIODevice *vbasedev,
                          VFIOAddressSpace *space, GError **errp);

    /*
     * Undo attach_device for @vbasedev (already off the device lists): close vbasedev->fd
     * (set it to -1), leave the group, and when the container serves no device any more,
     * vfio_container_unlisten() and release it. Cannot fail; kernel errors are traced.
     */
    void (*detach_device)(VFIOContainer *container, VFIODevice *vbasedev);

    /*
     * Map [@iova, @iova + @size) to the process memory at @vaddr (pinned by the kernel);
     * read-only for the device when @readonly. @iova, @size and @vaddr are aligned to the
     * smallest page size of vfio_container_get_pgsizes(). One call is one kernel mapping:
     * the common layer tracks mappings and never asks to unmap part of one.
     * Returns 0 or -errno (-ENOMEM: locked-memory limit; -ENOSPC: mapping count limit;
     * -EEXIST: overlap; -EINVAL: range or alignment).
     */
    int (*dma_map)(VFIOContainer *container, hwaddr iova, uint64_t size, void *vaddr,
                   bool readonly);

    /*
     * Remove the mapping(s) covering exactly [@iova, @iova + @size): the range starts and
     * ends on boundaries of earlier dma_map calls. Returns 0 or -errno.
     */
    int (*dma_unmap)(VFIOContainer *container, hwaddr iova, uint64_t size);

    /*
     * Optional. Start (@start) or stop tracking which mapped pages devices write; while on,
     * query_dirty_bitmap reports them. Returns 0 or -errno (-ENOTSUP: not supported).
     */
    int (*set_dirty_page_tracking)(VFIOContainer *container, bool start);

    /*
     * Optional. Fill @bitmap with the pages of [@iova, @iova + @size) written by devices
     * since the last query (and clear them in the kernel): bit n of 64-bit word n / 64 is the
     * page of @pgsize bytes (one of vfio_container_get_dirty_pgsizes(), at least the IOMMU's
     * smallest page) at @iova + n * @pgsize; @iova and @size are @pgsize aligned and cover
     * whole earlier mappings; @bitmap has room for (size / pgsize) bits rounded up to 64.
     * Returns 0 or -errno.
     */
    int (*query_dirty_bitmap)(VFIOContainer *container, hwaddr iova, uint64_t size,
                              uint64_t pgsize, uint64_t *bitmap);

    /*
     * Optional. Reset the PCI bus or slot of @vbasedev with VFIO_DEVICE_PCI_HOT_RESET: get
     * the affected devices (VFIO_DEVICE_GET_PCI_HOT_RESET_INFO), refuse when @single and
     * another device is affected, or when an affected device is not held by this process
     * (the message names it), then prove ownership the backend's way (legacy: the fds of
     * every affected group; iommufd: the device's cdev fd). The frontend saves and restores
     * device state around the call. Returns true, or false with @errp set.
     */
    bool (*pci_hot_reset)(VFIOContainer *container, VFIODevice *vbasedev, bool single,
                          GError **errp);
};

/* --- for backends --- */

/*
 * Put @container into @space's container list and register its memory listener on the
 * address space, which maps every RAM section now. Call once the IOMMU info is set and the
 * kernel accepts dma_map. False with @errp set (the first mapping error, e.g. the
 * locked-memory limit) when a RAM mapping failed; then nothing is mapped or listed.
 */
bool vfio_container_listen(VFIOContainer *container, VFIOAddressSpace *space, GError **errp);
/* Unregister the listener (unmapping everything it mapped) and leave the space's list. */
void vfio_container_unlisten(VFIOContainer *container);

/* Page sizes the IOMMU supports (bit n: 2^n bytes); the smallest sets map alignment.
 * Default: 4 KiB only. */
void vfio_container_set_pgsizes(VFIOContainer *container, uint64_t pgsizes);
/* Add an IOVA range [@start, @last] (inclusive) the IOMMU can map. With none added, all of
 * the 64-bit space is valid. Ranges must be added in ascending order, not overlapping. */
void vfio_container_add_iova_range(VFIOContainer *container, uint64_t start, uint64_t last);
/* How many more mappings the kernel allows (type1 DMA avail cap), for messages; 0: unknown. */
void vfio_container_set_dma_max_mappings(VFIOContainer *container, uint32_t max);
/* Dirty tracking support: page sizes the kernel's dirty bitmap accepts; 0: unsupported. */
void vfio_container_set_dirty_pgsizes(VFIOContainer *container, uint64_t pgsizes);

/*
 * The container's IOMMU translates nothing (legacy VFIO_NOIOMMU_IOMMU): vfio_container_listen()
 * lists it in its space but registers no memory listener, so no guest memory is ever mapped.
 * Call before vfio_container_listen().
 */
void vfio_container_set_no_dma(VFIOContainer *container);
bool vfio_container_get_no_dma(VFIOContainer *container);

/* --- for the common layer, backends and tests --- */

VFIOAddressSpace *vfio_container_get_space(VFIOContainer *container);
uint64_t vfio_container_get_pgsizes(VFIOContainer *container);
uint32_t vfio_container_get_dma_max_mappings(VFIOContainer *container);
uint64_t vfio_container_get_dirty_pgsizes(VFIOContainer *container);
/* Whether @iova..@last lies inside one valid IOVA range. */
bool vfio_container_iova_valid(VFIOContainer *container, uint64_t iova, uint64_t last);
/* The devices served (VFIODevice * data, borrowed), in attach order. */
const GList *vfio_container_devices(VFIOContainer *container);
/* Number of kernel mappings the listener holds, and the bytes they cover. */
unsigned vfio_container_mapping_count(VFIOContainer *container);
uint64_t vfio_container_mapped_bytes(VFIOContainer *container);
/* The backend name of the container's class. */
const char *vfio_container_backend_name(VFIOContainer *container);

/* Thin wrappers over the ops: check mandatory ops, default optional ones, trace. */
int vfio_container_dma_map(VFIOContainer *container, hwaddr iova, uint64_t size, void *vaddr,
                           bool readonly);
int vfio_container_dma_unmap(VFIOContainer *container, hwaddr iova, uint64_t size);
int vfio_container_set_dirty_page_tracking(VFIOContainer *container, bool start);
int vfio_container_query_dirty_bitmap(VFIOContainer *container, hwaddr iova, uint64_t size,
                                      uint64_t pgsize, uint64_t *bitmap);

#endif /* HW_VFIO_VFIO_CONTAINER_BASE_H */
