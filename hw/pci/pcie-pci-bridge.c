/*
 * pcie-pci-bridge: a PCI Express to conventional PCI bridge (type 1 header, 1b36:000e) whose
 * secondary bus, named after its id, has 32 slots for conventional devices (libvirt puts a
 * conventional PCI hostdev behind one on q35). Its slots are not hot-pluggable in hostdev (no
 * SHPC): devices go there at start-up; hot-plug uses a pcie-root-port.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/pci/pci-host.h"
#include "hw/pci/pcie.h"
#include "pci-internal.h"
#include "qom/object.h"

#define PCIE_PCI_BRIDGE_VENDOR 0x1b36
#define PCIE_PCI_BRIDGE_DEVICE 0x000e

typedef struct {
    HdPciDevice parent_instance;
} PciePciBridge;

typedef struct {
    HdPciDeviceClass parent_class;
} PciePciBridgeClass;

G_DEFINE_TYPE(PciePciBridge, pcie_pci_bridge, HD_TYPE_PCI_DEVICE)

static guint anon_bridge_count;

static bool pcie_pci_bridge_realize(HdPciDevice *dev, GError **errp)
{
    const char *id = hd_device_get_id(HD_DEVICE(dev));
    g_autofree char *name = NULL;

    if (!pci_bridge_get_sec_bus(dev)) {
        name = id ? g_strdup(id) : g_strdup_printf("pci.%u", ++anon_bridge_count);
        if (hd_bus_find(name)) {
            g_autofree char *what = hd_device_describe(HD_DEVICE(dev));

            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE,
                        "%s: a bus named '%s' already exists; give the bridge another id", what,
                        name);
            return false;
        }
        pci_bridge_bus_new(dev, name);
    }
    if (!pcie_cap_init(dev, 0, PCI_EXP_TYPE_PCI_BRIDGE, 0, errp)) {
        return false;
    }
    pci_set_byte(pci_config(dev) + PCI_INTERRUPT_PIN, 1);
    return true;
}

static void pcie_pci_bridge_class_init(PciePciBridgeClass *klass)
{
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);
    HdPciDeviceClass *pc = HD_PCI_DEVICE_CLASS(klass);

    dc->description = "PCI Express to PCI bridge: 32 conventional slots with bus=ID (no hot-plug)";
    dc->user_creatable = true;
    pc->vendor_id = PCIE_PCI_BRIDGE_VENDOR;
    pc->device_id = PCIE_PCI_BRIDGE_DEVICE;
    pc->class_code = 0x060400;
    pc->is_bridge = true;
    pc->is_express = true;
    pc->realize = pcie_pci_bridge_realize;
}

static void pcie_pci_bridge_init(PciePciBridge *bridge)
{
    (void)bridge;
}
