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

/*
 * Native hot-plug of a port's slot (hw/pci/pcie-slot.c). pcie_slot_new() marks the slot of
 * @port (after pcie_cap_init(), and msi_init() for an MSI event interrupt) with physical
 * number @number and, with @hotplug, hot-plug capable: attention button, power controller,
 * power and attention indicators, command completed, data link layer reporting. It installs
 * the hot-plug handler of @bus, the port's secondary bus: a run-time device_add signals
 * presence and link up; device_del presses the attention button, and the device goes once the
 * guest is done with the slot: power off and power indicator off (at once when the guest never
 * powered it). While the guest keeps the
 * power off, the slot's device is invisible to config cycles. A device_del in progress blocks
 * migration (hd_migration_add_blocker) until the device is gone.
 */
typedef struct PcieSlot PcieSlot;

PcieSlot *pcie_slot_new(HdPciDevice *port, HdPciBus *bus, uint16_t number, bool hotplug);
/* Give the bus its handler back and free the slot (port unrealize). */
void pcie_slot_free(PcieSlot *slot);
/* Power-on state: an occupied slot powered with its indicator on, an empty one off. */
void pcie_slot_reset(PcieSlot *slot);
/* A guest config write to the port: the default write, then slot control and status effects. */
void pcie_slot_config_write(PcieSlot *slot, uint32_t addr, uint32_t val, unsigned len);
/*
 * After an incoming migration restored the port's config space (slot control and status set
 * without a guest write): slot power and the event interrupt condition follow them, without a
 * command-completed event, an MSI or a device leaving.
 */
void pcie_slot_post_load(PcieSlot *slot);

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
