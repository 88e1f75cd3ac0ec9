/*
 * VFIO common layer: the device every frontend embeds, the address spaces containers serve,
 * the global device list, and attach/detach, the only backend-facing calls a frontend makes.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_VFIO_COMMON_H
#define HW_VFIO_VFIO_COMMON_H

#include <glib-object.h>
#include <stdbool.h>
#include <stdint.h>

#include "system/address-space.h"

/*
 * Errors of the VFIO code. The code is the positive errno that caused the failure (EBUSY,
 * ENOMEM, ENODEV, EPERM, ...), so tests can check the exact cause; 0 for policy refusals
 * that had no errno.
 */
#define VFIO_ERROR (vfio_error_quark())
GQuark vfio_error_quark(void);

typedef struct VFIODevice VFIODevice;
/* The container base type (GObject; include/hw/vfio/vfio-container-base.h). */
typedef struct _VFIOContainer VFIOContainer;
/* The containers serving one AddressSpace; created and freed by the common layer. */
typedef struct VFIOAddressSpace VFIOAddressSpace;
/* A legacy IOMMU group (/dev/vfio/N); defined and used by the legacy backend only. */
typedef struct VFIOGroup VFIOGroup;

/* What the common layer asks of a frontend (vfio-pci, vfio-platform, ...). */
typedef struct VFIODeviceOps {
    /*
     * Optional. Decide whether the system reset handler must reset this device with a bus or
     * slot hot reset (a device with FLR or PM reset resets itself in its own reset hook):
     * set vbasedev->needs_reset accordingly.
     */
    void (*compute_needs_reset)(VFIODevice *vbasedev);
    /*
     * Optional. Reset the device's bus or slot together with every other device it shares it
     * with (the frontend saves and restores their state and calls vfio_device_hot_reset()).
     * Return false with @errp set when that is not possible; the caller warns.
     */
    bool (*hot_reset_multi)(VFIODevice *vbasedev, GError **errp);
} VFIODeviceOps;

/*
 * One VFIO device, embedded in the frontend's state. Initialize with vfio_device_init(), fill
 * the "inputs" fields, call vfio_attach_device(); vfio_detach_device() undoes the attach and
 * vfio_device_clear() frees what the inputs own.
 */
struct VFIODevice {
    /* --- inputs: set by the frontend before vfio_attach_device() --- */

    /* sysfs directory of the device, owned (g_strdup): "/sys/bus/pci/devices/0000:00:04.0"
     * or "/sys/bus/mdev/devices/UUID". NULL: "/sys/bus/pci/devices/NAME" is assumed. */
    char *sysfsdev;
    /* The iommufd backend object (-object iommufd) to attach through, borrowed: the frontend
     * holds a reference while the device is attached. NULL: the legacy container backend. */
    GObject *iommufd;
    /* A device fd the management passed (the vfio cdev, "fd=N"), owned; -1 for none. The
     * iommufd backend uses it instead of opening the cdev; the legacy backend refuses it. */
    int fd;
    /* Do not mmap regions (x-no-mmap): every access takes the trapped slow path. */
    bool no_mmap;
    /* x-no-iommu=on: the user accepts a no-IOMMU group (/dev/vfio/noiommu-N, the host in
     * vfio.enable_unsafe_noiommu_mode). Such a device reaches all host memory and nothing is
     * DMA-mapped for it; without the opt-in the legacy backend refuses the group. */
    bool no_iommu;
    /* The VF token (a UUID string, vf-token=), borrowed from the frontend; NULL: none. The
     * legacy backend presents it when it opens the device (a VF of a vfio-pci PF needs it; a
     * PF takes it as its token); the frontend sets it on a PF for either backend. */
    const char *vf_token;
    /* Frontend callbacks; may be NULL (no reset participation). */
    const VFIODeviceOps *ops;

    /* --- outputs: valid while attached; read-only for the frontend --- */

    /* The device's name (a copy of vfio_attach_device()'s @name), owned; kept after detach. */
    char *name;
    /* When attached, fd is the device fd (owned by the backend, closed by detach). */
    bool attached;
    /* VFIO_DEVICE_GET_INFO: VFIO_DEVICE_FLAGS_*, region and IRQ counts. */
    uint32_t flags;
    uint32_t num_regions;
    uint32_t num_irqs;
    /* VFIO_DEVICE_FLAGS_RESET: VFIO_DEVICE_RESET is available. */
    bool reset_works;
    /* Set by ops->compute_needs_reset; read by the system reset handler. */
    bool needs_reset;
    /* The container serving the device (a subclass of VFIOContainer). */
    VFIOContainer *container;
    /* Legacy backend only: the device's group; NULL with iommufd. */
    VFIOGroup *group;
    /* iommufd backend only: the kernel's device id from BIND_IOMMUFD. */
    uint32_t devid;

    /* --- migration (hw/vfio/migration.c) --- */

    /* x-pre-copy-dirty-page-tracking=off while precopy runs: the common layer does not sync
     * the dirty pages of this device's container until the device is stopped. */
    bool dirty_sync_paused;

    /* --- private to the common layer and backends --- */
    /* Device DMA logging (dirty-device.c) while the common layer runs it: the IOVA ranges the
     * driver logs (struct vfio_device_feature_dma_logging_range) and its page size. */
    GArray *dma_logging_ranges;
    uint64_t dma_logging_pgsize;
    GList global_link;    /* in the global device list */
    GList container_link; /* in the container's device list */
    GList group_link;     /* legacy: in the group's device list */
};

/* Prepare @vbasedev (zeroed, fd -1) for a frontend with @ops (may be NULL). */
void vfio_device_init(VFIODevice *vbasedev, const VFIODeviceOps *ops);

/* Free the inputs and outputs the device owns (sysfsdev, name, a passed fd not yet taken
 * by an attach). The device must be detached. */
void vfio_device_clear(VFIODevice *vbasedev);

/*
 * Attach @vbasedev, named @name (a PCI address "0000:00:04.0" or an mdev UUID), to the
 * IOMMU serving @as: pick the backend (vbasedev->iommufd: iommufd, else legacy), find or
 * create a container for @as (which maps @as's RAM through its memory listener), open the
 * device, read its info, and put it on the global list and its container's list.
 * On failure nothing is left behind (no fd, no mapping, no list entry) and @errp says what
 * failed and what to do; the frontend prefixes the device name.
 */
bool vfio_attach_device(const char *name, VFIODevice *vbasedev, AddressSpace *as, GError **errp);

/* Undo vfio_attach_device() exactly: lists, device fd, and the group and container when it
 * was their last device. No-op on a detached device. */
void vfio_detach_device(VFIODevice *vbasedev);

/* Reset the device's bus or slot through its backend (VFIO_DEVICE_PCI_HOT_RESET with the
 * ownership proof the backend holds). @single: refuse when another device is affected. */
bool vfio_device_hot_reset(VFIODevice *vbasedev, bool single, GError **errp);

/* The attached device named @name, or NULL. */
VFIODevice *vfio_device_find(const char *name);

/* The attached devices, in attach order (VFIODevice * data, borrowed; do not modify). */
const GList *vfio_device_list(void);

/* Number of attached devices. */
unsigned vfio_device_count(void);

/*
 * The containers serving @as; one VFIOAddressSpace per AddressSpace with attached devices.
 * Backends use these to share a container between devices of the same address space.
 */
AddressSpace *vfio_address_space_get_as(VFIOAddressSpace *space);
/* The containers of @space (VFIOContainer * data, borrowed). */
const GList *vfio_address_space_containers(VFIOAddressSpace *space);

/*
 * The system reset handler: devices whose ops->compute_needs_reset asks for it are reset with
 * ops->hot_reset_multi. Registered with hd_reset_handler_register() at the first attach.
 */
void vfio_reset_handler(void *opaque);

/*
 * KVM: the accelerator hands over its VM fd (borrowed; -1 forgets it and closes the KVM VFIO
 * device) so that backends can register the fds proving device ownership (legacy: group fds,
 * iommufd: device cdev fds) with KVM's VFIO device (KVM_DEV_VFIO_FILE_ADD/DEL), which KVM
 * needs for coherent DMA and interrupt bypass. Without a VM fd these calls do nothing.
 */
void vfio_kvm_set_vm_fd(int vm_fd);
/* For backends: 0 (also when there is no VM fd) or -errno. */
int vfio_kvm_file_add(int fd);
int vfio_kvm_file_del(int fd);
/* The advice after a failed vfio_kvm_file_add() of -@err: CONFIG_KVM_VFIO where it applies. */
const char *vfio_kvm_file_add_hint(int err);

/*
 * Register the VFIO GObject types (the container base and every backend) and the qtest and
 * QMP commands of fault injection (vfio_fault_cmds_register()); idempotent.
 */
void vfio_register_types(void);
void vfio_fault_cmds_register(void);

#endif /* HW_VFIO_VFIO_COMMON_H */
