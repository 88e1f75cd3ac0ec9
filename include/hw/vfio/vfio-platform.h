/*
 * vfio-platform and vfio-amba: a host platform or AMBA (PrimeCell) device given to the guest
 * through VFIO on a machine's platform bus (-machine virt), as
 * -device vfio-platform,host=NAME or -device vfio-amba,sysfsdev=/sys/bus/amba/devices/NAME.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_VFIO_PLATFORM_H
#define HW_VFIO_VFIO_PLATFORM_H

/*
 * Properties:
 *   host       str   the host device's name (/sys/bus/platform|amba/devices/NAME)
 *   sysfsdev   str   its sysfs directory instead of host=
 *   x-no-mmap  bool  trap every register access (no mmap fast path)
 *   x-no-iommu bool  accept a no-IOMMU group (vfio.enable_unsafe_noiommu_mode): the device can
 *                    DMA to all host memory; without it such a group is refused
 */

/* Register "vfio-platform" and "vfio-amba" and the VFIO types they need (idempotent). */
void vfio_platform_register_types(void);

#endif /* HW_VFIO_VFIO_PLATFORM_H */
