/*
 * hostdev-testdev's register layout, for tests that drive it (unit tests, qtest).
 * The device itself is registered by pci_register_types() (hw/i386/q35.h).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PCI_TESTDEV_H
#define HW_PCI_TESTDEV_H

#define TESTDEV_TYPE_NAME "hostdev-testdev"
#define TESTDEV_VENDOR_ID 0x1b36
#define TESTDEV_DEVICE_ID 0x00ee

/* BAR0: 32-bit MMIO registers, 32-bit accesses only. */
#define TESTDEV_BAR0_SIZE 0x1000
#define TESTDEV_REG_ID 0x00       /* RO: TESTDEV_ID_VALUE */
#define TESTDEV_REG_SCRATCH 0x04  /* RW scratch, 0 after reset */
#define TESTDEV_REG_MSI 0x08      /* WO: write N to signal MSI vector N (msi_notify) */
#define TESTDEV_REG_MSIX 0x0c     /* WO: write N to signal MSI-X vector N (msix_notify) */
#define TESTDEV_REG_INTX 0x10     /* RW: INTx level (write 1 raise, 0 lower) */
#define TESTDEV_REG_DMA_LO 0x14   /* RW: DMA address, low half */
#define TESTDEV_REG_DMA_HI 0x18   /* RW: DMA address, high half */
#define TESTDEV_REG_DMA_DATA 0x1c /* RW: 32-bit DMA read/write at the DMA address */
#define TESTDEV_ID_VALUE 0x48445456u

/* BAR1: I/O scratch bytes, 1-4 byte accesses. */
#define TESTDEV_IO_SIZE 0x100

/* BAR2 (+BAR3): 64-bit prefetchable RAM. */
#define TESTDEV_BAR2_SIZE 0x10000

/* BAR4: MSI-X table at 0, PBA after it (2 KiB aligned). */
#define TESTDEV_MSIX_BAR 4

/* MSI capability (64-bit, per-vector mask). */
#define TESTDEV_MSI_CAP 0x50

#endif /* HW_PCI_TESTDEV_H */
