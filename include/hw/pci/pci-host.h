/*
 * PCI host side: root buses created by a host bridge, the memory and I/O roots BARs map into,
 * DMA and INTx routing, and config cycles addressed by bus number and devfn (ECAM, CF8/CFC).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PCI_PCI_HOST_H
#define HW_PCI_PCI_HOST_H

#include <json-glib/json-glib.h>
#include <stdint.h>

#include "hw/irq.h"
#include "hw/pci/pci.h"

/*
 * A root bus named @name provided by @host (which takes it as a child bus). BARs of devices
 * on it and behind its bridges map into @mem and @io (references taken); DMA goes to @dma_as
 * (borrowed; must outlive the bus). INTx of a device at slot S, pin P (0..3 after swizzling
 * through bridges) drives input @gsi_base + ((S + P) % @gsi_count) of @intx_lines (borrowed;
 * NULL: INTx goes nowhere). The bus is listed for query-pci until disposed.
 */
HdPciBus *pci_root_bus_new(HdDevice *host, const char *name, MemoryRegion *mem,
                           MemoryRegion *io, AddressSpace *dma_as, HdIrqLines *intx_lines,
                           int gsi_base, int gsi_count);

/*
 * The device a config cycle for bus number @bus_nr, @devfn reaches from root bus @root:
 * devices on the root bus for 0, else behind the bridge whose secondary..subordinate range
 * holds @bus_nr. NULL when none answers.
 */
HdPciDevice *pci_host_find_device(HdPciBus *root, unsigned bus_nr, unsigned devfn);

/* A config read as a host bridge makes it; all-ones when no device answers. */
uint32_t pci_host_config_read(HdPciBus *root, unsigned bus_nr, unsigned devfn, uint32_t reg,
                              unsigned len);

/* A config write as a host bridge makes it; dropped when no device answers. */
void pci_host_config_write(HdPciBus *root, unsigned bus_nr, unsigned devfn, uint32_t reg,
                           uint32_t val, unsigned len);

/* The live root buses, in creation order (array of HdPciBus *, free the array only). */
GPtrArray *pci_root_buses(void);

/*
 * A bus named @name behind bridge @bridge (which takes it as a child bus); it inherits the
 * roots of the bus @bridge is plugged into. For bridge models' realize.
 */
HdPciBus *pci_bridge_bus_new(HdPciDevice *bridge, const char *name);

/*
 * The reply of QMP query-pci: one entry per root bus ({"bus": 0, "devices": [...]}) with
 * QEMU's PciDeviceInfo members (bus, slot, function, class_info, id, irq, irq_pin, qdev_id,
 * regions, pci_bridge). Owned by the caller.
 */
JsonNode *pci_query_pci(void);

/* Only slot 0 may be used on @bus (PCIe ports: the link has one device). */
void pci_bus_set_slot0_only(HdPciBus *bus, bool only);

/*
 * Power the slot @bus sits behind on or off: while off, config cycles to its devices find
 * nothing (all-ones), as when a hot-plug slot's power controller has cut the power.
 */
void pci_bus_set_powered(HdPciBus *bus, bool on);

#endif /* HW_PCI_PCI_HOST_H */
