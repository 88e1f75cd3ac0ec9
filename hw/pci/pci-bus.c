/*
 * PCI buses: slot allocation with addr= and multifunction checks, root buses with their
 * memory/I/O roots, DMA and INTx routing, buses behind bridges, and config cycle routing.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pci-internal.h"
#include "qom/object.h"
#include "trace.h"

G_DEFINE_TYPE(HdPciBus, hd_pci_bus, HD_TYPE_BUS)

/* Live root buses, for query-pci. */
static GPtrArray *root_buses;

static void pci_root_free(PciRoot *root)
{
    memory_region_unref(root->mem);
    memory_region_unref(root->io);
    g_free(root->intx_count);
}

static void hd_pci_bus_dispose(GObject *obj)
{
    HdPciBus *bus = HD_PCI_BUS(obj);

    if (root_buses && g_ptr_array_remove(root_buses, bus) && root_buses->len == 0) {
        g_clear_pointer(&root_buses, g_ptr_array_unref);
    }
    G_OBJECT_CLASS(hd_pci_bus_parent_class)->dispose(obj);
}

static void hd_pci_bus_finalize(GObject *obj)
{
    HdPciBus *bus = HD_PCI_BUS(obj);

    if (bus->root) {
        g_rc_box_release_full(bus->root, (GDestroyNotify)pci_root_free);
    }
    G_OBJECT_CLASS(hd_pci_bus_parent_class)->finalize(obj);
}

/* Parse "SLOT[.FN]" (hex, optional 0x prefixes) into a devfn; false if malformed. */
static bool parse_devfn(const char *text, int *devfn)
{
    guint64 slot, fn = 0;
    char *end;

    if (!text || !g_ascii_isxdigit(text[0])) {
        return false;
    }
    slot = g_ascii_strtoull(text, &end, 16);
    if (end == text || slot > 0x1f) {
        return false;
    }
    if (*end == '.') {
        const char *f = end + 1;

        if (!g_ascii_isxdigit(f[0])) {
            return false;
        }
        fn = g_ascii_strtoull(f, &end, 16);
        if (end == f || fn > 7) {
            return false;
        }
    }
    if (*end != '\0') {
        return false;
    }
    *devfn = PCI_DEVFN(slot, fn);
    return true;
}

static bool is_multifunction(HdPciDevice *dev)
{
    return pci_priv(dev)->multifunction;
}

static bool hd_pci_bus_plug(HdBus *b, HdDevice *d, GError **errp)
{
    HdPciBus *bus = HD_PCI_BUS(b);
    g_autofree char *what = hd_device_describe(d);
    const char *bname = hd_bus_get_name(b);
    HdPciDevicePrivate *priv;
    HdPciDevice *dev;
    int devfn = -1;

    if (!HD_IS_PCI_DEVICE(d)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: not a PCI device, cannot plug it into PCI bus '%s'", what, bname);
        return false;
    }
    dev = HD_PCI_DEVICE(d);
    priv = pci_priv(dev);
    if (priv->addr) {
        if (!parse_devfn(priv->addr, &devfn)) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: invalid addr=%s; expected SLOT[.FN] in hex (slot 0-1f, fn 0-7)", what,
                        priv->addr);
            return false;
        }
    } else {
        int last = bus->slot0_only ? 0 : 31;

        for (int slot = 0; slot <= last && devfn < 0; slot++) {
            bool free = true;

            for (int fn = 0; fn < 8; fn++) {
                free = free && !bus->devices[PCI_DEVFN(slot, fn)];
            }
            if (free) {
                devfn = PCI_DEVFN(slot, 0);
            }
        }
        if (devfn < 0 && bus->slot0_only) {
            HdPciDevice *in_use = NULL;
            g_autofree char *other = NULL;

            for (int fn = 0; fn < 8 && !in_use; fn++) {
                in_use = bus->devices[fn];
            }
            other = hd_device_describe(HD_DEVICE(in_use));

            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE,
                        "%s: PCI Express port bus '%s' has one slot, in use by %s; put it on "
                        "another bus with bus=",
                        what, bname, other);
            return false;
        }
        if (devfn < 0) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: no free slot on PCI bus '%s'; put it on another bus with bus=", what,
                        bname);
            return false;
        }
    }
    if (bus->slot0_only && PCI_SLOT(devfn) != 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: bus '%s' is a PCIe port with only slot 0; use addr=0 or another port",
                    what, bname);
        return false;
    }
    if (bus->devices[devfn]) {
        g_autofree char *other = hd_device_describe(HD_DEVICE(bus->devices[devfn]));

        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE,
                    "%s: PCI address %02x.%x on bus '%s' is in use by %s; choose another addr=",
                    what, PCI_SLOT(devfn), PCI_FUNC(devfn), bname, other);
        return false;
    }
    if (PCI_FUNC(devfn) != 0) {
        HdPciDevice *fn0 = bus->devices[PCI_DEVFN(PCI_SLOT(devfn), 0)];

        if (fn0 && !is_multifunction(fn0)) {
            g_autofree char *other = hd_device_describe(HD_DEVICE(fn0));

            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: slot %02x function 0 (%s) is single-function; set multifunction=on",
                        what, PCI_SLOT(devfn), other);
            return false;
        }
    } else if (!priv->multifunction) {
        for (int fn = 1; fn < 8; fn++) {
            HdPciDevice *other_dev = bus->devices[PCI_DEVFN(PCI_SLOT(devfn), fn)];

            if (other_dev) {
                g_autofree char *other = hd_device_describe(HD_DEVICE(other_dev));

                g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                            "%s: slot %02x has function %x (%s); set multifunction=on", what,
                            PCI_SLOT(devfn), fn, other);
                return false;
            }
        }
    }
    trace_pci_bus_plug(bname, PCI_SLOT(devfn), PCI_FUNC(devfn));
    bus->devices[devfn] = dev;
    priv->bus = bus;
    priv->devfn = devfn;
    return true;
}

static void hd_pci_bus_unplug(HdBus *b, HdDevice *d)
{
    HdPciBus *bus = HD_PCI_BUS(b);
    HdPciDevicePrivate *priv;

    if (!HD_IS_PCI_DEVICE(d)) {
        return;
    }
    priv = pci_priv(HD_PCI_DEVICE(d));
    if (priv->devfn >= 0 && bus->devices[priv->devfn] == HD_PCI_DEVICE(d)) {
        trace_pci_bus_unplug(hd_bus_get_name(b), PCI_SLOT(priv->devfn), PCI_FUNC(priv->devfn));
        bus->devices[priv->devfn] = NULL;
    }
    priv->bus = NULL;
    priv->devfn = -1;
}

static void hd_pci_bus_class_init(HdPciBusClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    HdBusClass *bc = HD_BUS_CLASS(klass);

    oc->dispose = hd_pci_bus_dispose;
    oc->finalize = hd_pci_bus_finalize;
    bc->plug = hd_pci_bus_plug;
    bc->unplug = hd_pci_bus_unplug;
}

static void hd_pci_bus_init(HdPciBus *bus)
{
    (void)bus;
}

static HdPciBus *pci_bus_create(const char *name)
{
    return g_object_new(HD_TYPE_PCI_BUS, "name", name, "bus-type", TYPE_PCI_BUS_KIND, NULL);
}

HdPciBus *pci_root_bus_new(HdDevice *host, const char *name, MemoryRegion *mem, MemoryRegion *io,
                           AddressSpace *dma_as, HdIrqLines *intx_lines, int gsi_base,
                           int gsi_count)
{
    g_return_val_if_fail(HD_IS_DEVICE(host) && name && mem && io, NULL);
    HdPciBus *bus = pci_bus_create(name);
    PciRoot *root = g_rc_box_new0(PciRoot);

    root->mem = memory_region_ref(mem);
    root->io = memory_region_ref(io);
    root->dma_as = dma_as;
    root->intx_lines = intx_lines;
    root->gsi_base = gsi_base;
    root->gsi_count = intx_lines ? MAX(gsi_count, 0) : 0;
    root->intx_count = g_new0(int, MAX(root->gsi_count, 1));
    bus->root = root;
    hd_bus_set_owner(HD_BUS(bus), host);
    if (!root_buses) {
        root_buses = g_ptr_array_new();
    }
    g_ptr_array_add(root_buses, bus);
    /* The owner holds the reference now. */
    g_object_unref(bus);
    return bus;
}

HdPciBus *pci_bridge_bus_new(HdPciDevice *bridge, const char *name)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(bridge) && name, NULL);
    PciRoot *root = pci_device_root(bridge);
    HdPciBus *bus;

    g_return_val_if_fail(root != NULL, NULL);
    bus = pci_bus_create(name);
    bus->root = g_rc_box_acquire(root);
    bus->bridge = bridge;
    hd_bus_set_owner(HD_BUS(bus), HD_DEVICE(bridge));
    g_object_unref(bus);
    return bus;
}

void pci_bus_set_slot0_only(HdPciBus *bus, bool only)
{
    g_return_if_fail(HD_IS_PCI_BUS(bus));
    bus->slot0_only = only;
}

void pci_bus_set_powered(HdPciBus *bus, bool on)
{
    g_return_if_fail(HD_IS_PCI_BUS(bus));
    bus->powered_off = !on;
}

GPtrArray *pci_root_buses(void)
{
    GPtrArray *out = g_ptr_array_new();

    for (guint i = 0; root_buses && i < root_buses->len; i++) {
        g_ptr_array_add(out, root_buses->pdata[i]);
    }
    return out;
}

HdPciDevice *pci_bus_get_device(HdPciBus *bus, int devfn)
{
    g_return_val_if_fail(HD_IS_PCI_BUS(bus), NULL);
    if (devfn < 0 || devfn > 255) {
        return NULL;
    }
    return bus->devices[devfn];
}

HdPciDevice *pci_bus_get_bridge(HdPciBus *bus)
{
    g_return_val_if_fail(HD_IS_PCI_BUS(bus), NULL);
    return bus->bridge;
}

HdPciBus *pci_bridge_get_sec_bus(HdPciDevice *bridge)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(bridge), NULL);
    GPtrArray *buses = hd_device_get_child_buses(HD_DEVICE(bridge));

    if (!HD_PCI_DEVICE_GET_CLASS(bridge)->is_bridge) {
        return NULL;
    }
    for (guint i = 0; i < buses->len; i++) {
        if (HD_IS_PCI_BUS(buses->pdata[i])) {
            return buses->pdata[i];
        }
    }
    return NULL;
}

/* Bus @bus has number @own (0 for a root bus); find @bus_nr below it. */
static HdPciDevice *find_device(HdPciBus *bus, unsigned own, unsigned bus_nr, unsigned devfn,
                                int depth)
{
    if (bus_nr == own) {
        return bus->powered_off ? NULL : bus->devices[devfn];
    }
    if (depth > 255) {
        return NULL;
    }
    for (int i = 0; i < 256; i++) {
        HdPciDevice *d = bus->devices[i];
        uint8_t *c;
        unsigned sec, sub;
        HdPciBus *child;

        if (!d || !HD_PCI_DEVICE_GET_CLASS(d)->is_bridge || !(c = pci_priv(d)->config)) {
            continue;
        }
        sec = pci_get_byte(c + PCI_SECONDARY_BUS);
        sub = pci_get_byte(c + PCI_SUBORDINATE_BUS);
        /* An unprogrammed bridge (secondary 0) forwards nothing. */
        if (sec == 0 || sec <= own || bus_nr < sec || bus_nr > sub) {
            continue;
        }
        child = pci_bridge_get_sec_bus(d);
        return child ? find_device(child, sec, bus_nr, devfn, depth + 1) : NULL;
    }
    return NULL;
}

HdPciDevice *pci_host_find_device(HdPciBus *root, unsigned bus_nr, unsigned devfn)
{
    g_return_val_if_fail(HD_IS_PCI_BUS(root), NULL);
    if (bus_nr > 255 || devfn > 255) {
        return NULL;
    }
    return find_device(root, 0, bus_nr, devfn, 0);
}

uint32_t pci_host_config_read(HdPciBus *root, unsigned bus_nr, unsigned devfn, uint32_t reg,
                              unsigned len)
{
    HdPciDevice *dev = pci_host_find_device(root, bus_nr, devfn);

    if (!dev || !hd_device_is_realized(HD_DEVICE(dev))) {
        return len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
    }
    return pci_config_read(dev, reg, len);
}

void pci_host_config_write(HdPciBus *root, unsigned bus_nr, unsigned devfn, uint32_t reg,
                           uint32_t val, unsigned len)
{
    HdPciDevice *dev = pci_host_find_device(root, bus_nr, devfn);

    if (dev && hd_device_is_realized(HD_DEVICE(dev))) {
        pci_config_write(dev, reg, val, len);
    }
}
