/*
 * pcie-root-port: a PCI Express root port (type 1 header, 1b36:000c) providing one child bus,
 * named after the port's id, whose single slot devices plug into with bus=ID; the slot is
 * hot-plug capable unless hotplug=off (hw/pci/pcie-slot.c), with an MSI event interrupt. Windows
 * are pass-through: devices behind it map their BARs straight into the host bridge's roots.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/pci/msi.h"
#include "hw/pci/pci-host.h"
#include "hw/pci/pcie.h"
#include "pci-internal.h"
#include "qom/object.h"

#define PCIE_ROOT_PORT_VENDOR 0x1b36
#define PCIE_ROOT_PORT_DEVICE 0x000c

typedef struct {
    HdPciDevice parent_instance;
    guint chassis;
    guint slot_nr;
    guint port;
    gboolean hotplug;
    PcieSlot *slot;
} PcieRootPort;

typedef struct {
    HdPciDeviceClass parent_class;
} PcieRootPortClass;

G_DEFINE_TYPE(PcieRootPort, pcie_root_port, HD_TYPE_PCI_DEVICE)

enum {
    PROP_0,
    PROP_CHASSIS,
    PROP_SLOT,
    PROP_PORT,
    PROP_HOTPLUG,
    N_PROPS,
};

static GParamSpec *props[N_PROPS];

/* Names for ports without an id: unique for the life of the process. */
static guint anon_port_count;

static void pcie_root_port_set_property(GObject *obj, guint prop_id, const GValue *value,
                                        GParamSpec *pspec)
{
    PcieRootPort *rp = (PcieRootPort *)obj;

    switch (prop_id) {
    case PROP_CHASSIS:
        rp->chassis = g_value_get_uint(value);
        break;
    case PROP_SLOT:
        rp->slot_nr = g_value_get_uint(value);
        break;
    case PROP_PORT:
        rp->port = g_value_get_uint(value);
        break;
    case PROP_HOTPLUG:
        rp->hotplug = g_value_get_boolean(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void pcie_root_port_get_property(GObject *obj, guint prop_id, GValue *value,
                                        GParamSpec *pspec)
{
    PcieRootPort *rp = (PcieRootPort *)obj;

    switch (prop_id) {
    case PROP_CHASSIS:
        g_value_set_uint(value, rp->chassis);
        break;
    case PROP_SLOT:
        g_value_set_uint(value, rp->slot_nr);
        break;
    case PROP_PORT:
        g_value_set_uint(value, rp->port);
        break;
    case PROP_HOTPLUG:
        g_value_set_boolean(value, rp->hotplug);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static bool pcie_root_port_realize(HdPciDevice *dev, GError **errp)
{
    PcieRootPort *rp = (PcieRootPort *)dev;
    const char *id = hd_device_get_id(HD_DEVICE(dev));
    g_autofree char *name = NULL;
    HdPciBus *bus;

    if (pci_bridge_get_sec_bus(dev)) {
        /* Realized again after an unrealize: the bus is still there. */
        bus = pci_bridge_get_sec_bus(dev);
    } else {
        name = id ? g_strdup(id) : g_strdup_printf("pcie.%u", ++anon_port_count);
        if (hd_bus_find(name)) {
            g_autofree char *what = hd_device_describe(HD_DEVICE(dev));

            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE,
                        "%s: a bus named '%s' already exists; give the port another id", what,
                        name);
            return false;
        }
        bus = pci_bridge_bus_new(dev, name);
    }
    pci_bus_set_slot0_only(bus, true);
    if (!pcie_cap_init(dev, 0, PCI_EXP_TYPE_ROOT_PORT, rp->port, errp) ||
        !msi_init(dev, 0, 1, true, false, errp)) {
        return false;
    }
    pci_set_byte(pci_config(dev) + PCI_INTERRUPT_PIN, 1);
    rp->slot = pcie_slot_new(dev, bus, rp->slot_nr, rp->hotplug);
    return true;
}

static void pcie_root_port_exit(HdPciDevice *dev)
{
    PcieRootPort *rp = (PcieRootPort *)dev;

    g_clear_pointer(&rp->slot, pcie_slot_free);
}

static void pcie_root_port_reset(HdPciDevice *dev)
{
    pcie_slot_reset(((PcieRootPort *)dev)->slot);
}

static void pcie_root_port_post_load(HdPciDevice *dev)
{
    pcie_slot_post_load(((PcieRootPort *)dev)->slot);
}

static void pcie_root_port_config_write(HdPciDevice *dev, uint32_t addr, uint32_t val,
                                        unsigned len)
{
    pcie_slot_config_write(((PcieRootPort *)dev)->slot, addr, val, len);
}

static void pcie_root_port_class_init(PcieRootPortClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);
    HdPciDeviceClass *pc = HD_PCI_DEVICE_CLASS(klass);

    oc->set_property = pcie_root_port_set_property;
    oc->get_property = pcie_root_port_get_property;
    dc->description = "PCI Express root port; devices plug into it with bus=ID";
    dc->user_creatable = true;
    pc->vendor_id = PCIE_ROOT_PORT_VENDOR;
    pc->device_id = PCIE_ROOT_PORT_DEVICE;
    pc->class_code = 0x060400;
    pc->is_bridge = true;
    pc->is_express = true;
    pc->realize = pcie_root_port_realize;
    pc->exit = pcie_root_port_exit;
    pc->reset = pcie_root_port_reset;
    pc->config_write = pcie_root_port_config_write;
    pc->post_load = pcie_root_port_post_load;

    props[PROP_CHASSIS] = g_param_spec_uint("chassis", "chassis", "chassis number", 0, 255, 0,
                                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    props[PROP_SLOT] = g_param_spec_uint("slot", "slot", "physical slot number", 0, 8191, 0,
                                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    props[PROP_PORT] = g_param_spec_uint("port", "port", "port number in the link capabilities", 0,
                                         255, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    props[PROP_HOTPLUG] = g_param_spec_boolean(
        "hotplug", "hotplug",
        "native PCI Express hot-plug: devices come and go at run time with the guest's consent",
        TRUE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(oc, N_PROPS, props);
}

static void pcie_root_port_init(PcieRootPort *rp)
{
    rp->hotplug = TRUE;
}
