/*
 * vfio-pci: a host PCI function (or a PCI mdev) given to the guest through VFIO, as
 * -device vfio-pci,host=DDDD:BB:DD.F or sysfsdev=/sys/bus/mdev/devices/UUID.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_VFIO_PCI_H
#define HW_VFIO_VFIO_PCI_H

#include "hw/pci/pci.h"

#define VFIO_TYPE_PCI_DEVICE (vfio_pci_device_get_type())
G_DECLARE_FINAL_TYPE(VFIOPciDevice, vfio_pci_device, VFIO, PCI_DEVICE, HdPciDevice)

/*
 * Properties (besides PCI's id, bus, addr, multifunction, romfile, rombar):
 *   host      str   host PCI address DDDD:BB:DD.F (or BB:DD.F, domain 0)
 *   sysfsdev  str   sysfs directory of the device, e.g. /sys/bus/mdev/devices/UUID
 *   x-no-mmap bool  trap every BAR access (no mmap fast path)
 *   x-no-iommu bool accept a no-IOMMU group (legacy backend): UNSAFE, DMA to all host memory
 *   iommufd   str   id of an -object iommufd to attach through (default: legacy container)
 *   fd        str   an open vfio cdev fd (decimal, or a name from QMP getfd); needs iommufd
 */

/* Register "vfio-pci" and the VFIO types it needs; call once at start-up (idempotent). */
void vfio_pci_register_types(void);

#endif /* HW_VFIO_VFIO_PCI_H */
