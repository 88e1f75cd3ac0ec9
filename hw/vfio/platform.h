/*
 * vfio-platform internals shared by its files: the device state, the device type
 * (platform.c) and interrupts with the level unmask handshake (platform-irq.c).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_PLATFORM_H
#define HW_VFIO_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/platform-bus.h"
#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-platform.h"

#define VFIO_TYPE_PLATFORM_DEVICE (vfio_platform_device_get_type())
typedef struct _VFIOPlatformDevice VFIOPlatformDevice;
typedef struct _VFIOPlatformDeviceClass VFIOPlatformDeviceClass;
GType vfio_platform_device_get_type(void);
#define VFIO_PLATFORM_DEVICE(obj)                                                              \
    G_TYPE_CHECK_INSTANCE_CAST((obj), VFIO_TYPE_PLATFORM_DEVICE, VFIOPlatformDevice)
#define VFIO_PLATFORM_DEVICE_GET_CLASS(obj)                                                    \
    G_TYPE_INSTANCE_GET_CLASS((obj), VFIO_TYPE_PLATFORM_DEVICE, VFIOPlatformDeviceClass)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VFIOPlatformDevice, g_object_unref)

/* What tells vfio-platform and vfio-amba apart. */
struct _VFIOPlatformDeviceClass {
    HdDeviceClass parent_class;
    uint32_t device_flag;  /* VFIO_DEVICE_FLAGS_PLATFORM or VFIO_DEVICE_FLAGS_AMBA */
    const char *driver;    /* the host driver it needs: "vfio-platform", "vfio-amba" */
    const char *sysfs_bus; /* "platform", "amba" */
};

typedef struct VFIOPlatformRegion {
    VFIOPlatformDevice *vdev;
    VFIORegion *region;
    MemoryRegion *eoi; /* traps every access while a level IRQ waits for its ack */
    hwaddr addr;       /* guest physical address */
} VFIOPlatformRegion;

typedef struct VFIOPlatformIrq {
    VFIOPlatformDevice *vdev;
    uint32_t index;
    uint32_t flags;         /* VFIO_IRQ_INFO_* */
    int line;               /* the platform bus input (SPI) */
    bool level;             /* automasked: level-triggered, unmasked after the guest's ack */
    bool pending;           /* line up, waiting for the ack */
    bool signaling;         /* the kernel signals @trigger */
    VFIONotifier *trigger;
} VFIOPlatformIrq;

struct _VFIOPlatformDevice {
    HdDevice parent_instance;
    VFIODevice vbasedev;
    /* properties */
    char *host;
    char *sysfsdev;
    bool no_mmap;
    bool no_iommu;
    /* while realized */
    char *what;            /* "vfio-amba 'id' (NAME)" for messages */
    HdPlatformBus *bus;    /* borrowed: the parent bus */
    VFIOPlatformRegion *regions;
    unsigned nr_regions;
    VFIOPlatformIrq *irqs;
    unsigned nr_irqs;
};

/* platform-irq.c: connect every IRQ to a bus input through an eventfd; undo it. */
bool vfio_platform_irqs_setup(VFIOPlatformDevice *vdev, GError **errp);
void vfio_platform_irqs_teardown(VFIOPlatformDevice *vdev);
/* The guest touched the device while a level IRQ was up (its ack): lower and unmask. */
void vfio_platform_eoi(VFIOPlatformDevice *vdev);

#endif /* HW_VFIO_PLATFORM_H */
