/*
 * The q35 chipset as hostdev models it: PCIe host bridge (ECAM + CF8/CFC), root bus "pcie.0",
 * the I/O APIC's 24 GSIs and the MSI window at 0xfee00000, as interrupt line sets qtest sees.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_I386_Q35_H
#define HW_I386_Q35_H

#include <glib.h>
#include <stdbool.h>

#include "qom/device.h"
#include "system/address-space.h"

#define Q35_ECAM_BASE 0xb0000000ULL /* MMCONFIG window, 256 buses x 1 MiB */
#define Q35_ECAM_SIZE 0x10000000ULL
#define Q35_MSI_BASE 0xfee00000ULL  /* MSI writes land here */
#define Q35_MSI_SIZE 0x100000ULL
#define Q35_PCI_HOLE_START 0xc0000000ULL /* 32-bit PCI MMIO window: [hole start, ECAM/MSI gaps) */
#define Q35_IOAPIC_PATH "/machine/ioapic" /* 24 GSIs; PCI INTx land on GSI 16..23 */
#define Q35_MSI_PATH "/machine/msi"       /* 256 lines: an MSI pulses line (data & 0xff) */

/*
 * Build the chipset into @sysmem and @io (the machine's system and I/O roots): the host bridge
 * device (realized, returned with a reference the caller owns), its root bus "pcie.0", the
 * I/O APIC and MSI line sets. Bus-master DMA and MSI writes go to @dma_as. System reset is
 * hd_device_reset() of the returned device. False/NULL with @errp set on failure.
 */
HdDevice *q35_chipset_new(MemoryRegion *sysmem, MemoryRegion *io, AddressSpace *dma_as,
                          GError **errp);

/*
 * Register the PCI device types (pcie-root-port, the emulated test device, ...) and the QMP
 * command query-pci; call once at start-up before parsing -device.
 */
void pci_register_types(void);

#endif /* HW_I386_Q35_H */
