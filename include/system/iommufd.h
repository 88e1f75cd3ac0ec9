/*
 * The iommufd backend object: -object iommufd,id=ID[,fd=N], one /dev/iommu handle shared by
 * the VFIO devices that name it (iommufd=ID), plus the iommufd ioctls the VFIO backend needs.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_IOMMUFD_H
#define SYSTEM_IOMMUFD_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qom/user-object.h"

#define HD_TYPE_IOMMUFD_BACKEND (hd_iommufd_backend_get_type())
G_DECLARE_FINAL_TYPE(HdIommufdBackend, hd_iommufd_backend, HD, IOMMUFD_BACKEND, HdUserObject)

/* The path opened when no fd is passed. */
#define IOMMUFD_DEVICE_PATH "/dev/iommu"

/* Register the "iommufd" user object type; call once at start-up (idempotent). */
void iommufd_register_types(void);

/*
 * Properties: "id" (from HdUserObject) and "fd" (str, construction only): a decimal fd
 * hostdev inherited, a name given to QMP getfd, or "/dev/fdset/N" (add-fd), resolved with
 * monitor_fd_get() at complete(). Without "fd", /dev/iommu is opened by the first user.
 */

/*
 * Become a user of @be (a VFIO device attaching through it): the first user opens
 * /dev/iommu unless an fd was passed. False with @errp set (VFIO_ERROR domain, code the
 * errno) saying why and what to do, e.g. naming CONFIG_IOMMUFD when /dev/iommu is missing.
 */
bool iommufd_backend_connect(HdIommufdBackend *be, GError **errp);
/* Stop being a user. The fd stays open until the object is finalized. */
void iommufd_backend_disconnect(HdIommufdBackend *be);
/* Number of connected users. */
unsigned iommufd_backend_users(HdIommufdBackend *be);
/* The iommufd fd (borrowed), or -1 before the first connect when no fd was passed. */
int iommufd_backend_get_fd(HdIommufdBackend *be);
/* Whether the fd was passed ("fd" property) rather than opened by hostdev. */
bool iommufd_backend_fd_passed(HdIommufdBackend *be);
/* "iommufd 'ID'", for messages (static per object; valid while @be lives). */
const char *iommufd_backend_describe(HdIommufdBackend *be);

/*
 * Kernel-facing helpers: 0 (or what the comment says) or a negative errno; they print
 * nothing and trace every call. All go through the VFIO syscall seam (hw/vfio/vfio-sys.h).
 */

/* IOMMU_IOAS_ALLOC: a new, empty IO address space. */
int iommufd_backend_alloc_ioas(HdIommufdBackend *be, uint32_t *ioas_id);
/* IOMMU_DESTROY of an IOAS or HWPT id. */
int iommufd_backend_free_id(HdIommufdBackend *be, uint32_t id);
/* IOMMU_IOAS_MAP at the fixed @iova, readable, and writeable unless @readonly. */
int iommufd_backend_map_dma(HdIommufdBackend *be, uint32_t ioas_id, uint64_t iova,
                            uint64_t size, void *vaddr, bool readonly);
/* IOMMU_IOAS_UNMAP of [@iova, @iova + @size): -ENOENT when nothing was mapped there,
 * -EIO when the kernel unmapped another length. */
int iommufd_backend_unmap_dma(HdIommufdBackend *be, uint32_t ioas_id, uint64_t iova,
                              uint64_t size);
/*
 * IOMMU_IOAS_IOVA_RANGES: *@ranges gets a new array of struct iommu_iova_range (ascending,
 * free with g_array_unref) and *@alignment the minimum IOVA alignment.
 */
int iommufd_backend_get_iova_ranges(HdIommufdBackend *be, uint32_t ioas_id, GArray **ranges,
                                    uint64_t *alignment);
/* IOMMU_GET_HW_INFO of bound device @devid: its IOMMU type and IOMMU_HW_CAP_* bits. */
int iommufd_backend_get_hw_info(HdIommufdBackend *be, uint32_t devid, uint32_t *type,
                                uint64_t *caps);
/* IOMMU_HWPT_ALLOC for @devid on @pt_id (an IOAS) with IOMMU_HWPT_ALLOC_* @flags. */
int iommufd_backend_alloc_hwpt(HdIommufdBackend *be, uint32_t devid, uint32_t pt_id,
                               uint32_t flags, uint32_t *hwpt_id);
/* IOMMU_HWPT_SET_DIRTY_TRACKING on or off. */
int iommufd_backend_set_dirty_tracking(HdIommufdBackend *be, uint32_t hwpt_id, bool start);
/*
 * IOMMU_HWPT_GET_DIRTY_BITMAP of [@iova, @iova + @size) at @page_size granularity into
 * @bitmap (bit n: the page at @iova + n * @page_size), clearing the dirty bits read.
 */
int iommufd_backend_get_dirty_bitmap(HdIommufdBackend *be, uint32_t hwpt_id, uint64_t iova,
                                     uint64_t size, uint64_t page_size, uint64_t *bitmap);

#endif /* SYSTEM_IOMMUFD_H */
