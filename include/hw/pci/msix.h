/*
 * MSI-X for PCI devices: the capability, the emulated vector table and pending-bit array inside
 * BARs, delivery, masking and pending bits. Vector notifiers are shared with MSI (msi.h).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PCI_MSIX_H
#define HW_PCI_MSIX_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/pci/msi.h"

/*
 * Add an MSI-X capability at @cap_offset (0: first free space) for @nentries (1..2048)
 * vectors, with the table at @table_offset of BAR @table_bar_nr and the PBA at @pba_offset of
 * BAR @pba_bar_nr. The emulated table and PBA are MMIO regions mapped into @table_bar and
 * @pba_bar, which must be containers (memory_region_new_container), at priority 1 so they
 * cover anything else there (e.g. a vfio mmap of the same BAR). Offsets must be 8-byte aligned
 * and inside the BARs. All entries start masked. The BARs themselves are registered by the
 * caller. True, or false with @errp set.
 */
bool msix_init(HdPciDevice *dev, unsigned nentries, MemoryRegion *table_bar,
               uint8_t table_bar_nr, uint32_t table_offset, MemoryRegion *pba_bar,
               uint8_t pba_bar_nr, uint32_t pba_offset, uint8_t cap_offset, GError **errp);

/*
 * msix_init() with a BAR of its own: a container (named after the device) holding the table
 * at 0 and the PBA after it, registered as 32-bit memory BAR @bar_nr. True, or false with
 * @errp set.
 */
bool msix_init_exclusive_bar(HdPciDevice *dev, unsigned nentries, uint8_t bar_nr,
                             GError **errp);

/* Remove the capability and unmap the table and PBA (vectors released first). No-op if none. */
void msix_uninit(HdPciDevice *dev);

/* Whether the device has an MSI-X capability made by msix_init(). */
bool msix_present(HdPciDevice *dev);

/* The capability's offset, 0 when there is none. */
uint8_t msix_cap_offset(HdPciDevice *dev);

/* The number of table entries, 0 without MSI-X. */
unsigned msix_nr_vectors(HdPciDevice *dev);

/* Whether the guest enabled MSI-X. */
bool msix_enabled(HdPciDevice *dev);

/* Whether the function mask bit (PCI_MSIX_FLAGS_MASKALL) is set. */
bool msix_function_masked(HdPciDevice *dev);

/* Whether @vector is masked: its entry's mask bit or the function mask (true if out of range). */
bool msix_is_masked(HdPciDevice *dev, unsigned vector);

/* The address and data programmed into entry @vector. */
HdMsiMessage msix_get_message(HdPciDevice *dev, unsigned vector);

/* Whether @vector's pending bit is set. */
bool msix_is_pending(HdPciDevice *dev, unsigned vector);

/* Clear @vector's pending bit (a device whose reason to interrupt went away). */
void msix_clear_pending(HdPciDevice *dev, unsigned vector);

/*
 * Signal @vector: when MSI-X is enabled, write its message to the DMA address space, or set
 * its pending bit if it is masked; delivered (and cleared) when it is unmasked. Ignored while
 * MSI-X is disabled or for a vector out of range. The write is dropped while
 * PCI_COMMAND_MASTER is clear (as on hardware).
 */
void msix_notify(HdPciDevice *dev, unsigned vector);

/* Disable MSI-X (notifiers told), mask every entry, zero the messages and the PBA. */
void msix_reset(HdPciDevice *dev);

#endif /* HW_PCI_MSIX_H */
