/*
 * PCI Express helpers: the PCI Express capability and the extended capability list (0x100+).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PCI_PCIE_H
#define HW_PCI_PCIE_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/pci/pci.h"

/*
 * Add a version 2 PCI Express capability at @offset (0: first free space) for a device of
 * @port_type (PCI_EXP_TYPE_ENDPOINT, PCI_EXP_TYPE_ROOT_PORT, ...), link x1 at 2.5 GT/s up,
 * device control and (for ports) link and slot control writable. @port_num goes into the link
 * capabilities. The device must be is_express. Returns the offset, 0 with @errp set on failure.
 */
uint8_t pcie_cap_init(HdPciDevice *dev, uint8_t offset, uint8_t port_type, uint8_t port_num,
                      GError **errp);

/*
 * Mark a port's slot implemented with physical slot number @slot (root and downstream ports),
 * presence detected. Needs pcie_cap_init() first.
 */
void pcie_cap_slot_init(HdPciDevice *dev, uint16_t slot);

/* The PCI Express capability's offset, 0 when there is none. */
uint8_t pcie_cap_offset(HdPciDevice *dev);

/*
 * Add extended capability @cap_id version @version of @size bytes at @offset (>= 0x100,
 * 4-byte aligned), appended to the extended list. The body is left as the config holds it.
 * True, or false with @errp set when it overlaps another or leaves config space.
 */
bool pcie_add_capability(HdPciDevice *dev, uint16_t cap_id, uint8_t version, uint16_t offset,
                         uint16_t size, GError **errp);

/* The offset of extended capability @cap_id, 0 when absent. */
uint16_t pcie_find_capability(HdPciDevice *dev, uint16_t cap_id);

#endif /* HW_PCI_PCIE_H */
