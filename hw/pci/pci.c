/*
 * HdPciDevice: the base of every PCI function.
 * Properties, config space with write masks and the default config hooks, realize/unrealize,
 * reset, INTx and bus-master DMA.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/pci/msix.h"
#include "pci-internal.h"
#include "qom/object.h"
#include "qom/props.h"
#include "trace.h"

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE(HdPciDevice, hd_pci_device, HD_TYPE_DEVICE)

enum {
    PROP_0,
    PROP_ADDR,
    PROP_MULTIFUNCTION,
    PROP_ROMFILE,
    PROP_ROMBAR,
    N_PROPS,
};

static GParamSpec *props[N_PROPS];

HdPciDevicePrivate *pci_priv(HdPciDevice *dev)
{
    return hd_pci_device_get_instance_private(dev);
}

static void hd_pci_device_set_property(GObject *obj, guint prop_id, const GValue *value,
                                       GParamSpec *pspec)
{
    HdPciDevicePrivate *priv = pci_priv(HD_PCI_DEVICE(obj));

    switch (prop_id) {
    case PROP_ADDR:
        g_free(priv->addr);
        priv->addr = g_value_dup_string(value);
        break;
    case PROP_MULTIFUNCTION:
        priv->multifunction = g_value_get_boolean(value);
        break;
    case PROP_ROMFILE:
        g_free(priv->romfile);
        priv->romfile = g_value_dup_string(value);
        break;
    case PROP_ROMBAR:
        priv->rombar = g_value_get_uint(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void hd_pci_device_get_property(GObject *obj, guint prop_id, GValue *value,
                                       GParamSpec *pspec)
{
    HdPciDevicePrivate *priv = pci_priv(HD_PCI_DEVICE(obj));

    switch (prop_id) {
    case PROP_ADDR:
        if (priv->devfn >= 0) {
            g_value_take_string(
                value, g_strdup_printf("%02x.%x", PCI_SLOT(priv->devfn), PCI_FUNC(priv->devfn)));
        } else {
            g_value_set_string(value, priv->addr);
        }
        break;
    case PROP_MULTIFUNCTION:
        g_value_set_boolean(value, priv->multifunction);
        break;
    case PROP_ROMFILE:
        g_value_set_string(value, priv->romfile);
        break;
    case PROP_ROMBAR:
        g_value_set_uint(value, priv->rombar);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void config_free(HdPciDevicePrivate *priv)
{
    g_clear_pointer(&priv->config, g_free);
    g_clear_pointer(&priv->wmask, g_free);
    g_clear_pointer(&priv->w1cmask, g_free);
    g_clear_pointer(&priv->cap_used, g_free);
    g_clear_pointer(&priv->reset_config, g_free);
}

static void hd_pci_device_finalize(GObject *obj)
{
    HdPciDevicePrivate *priv = pci_priv(HD_PCI_DEVICE(obj));

    g_free(priv->addr);
    g_free(priv->romfile);
    config_free(priv);
    G_OBJECT_CLASS(hd_pci_device_parent_class)->finalize(obj);
}

/* The standard header and its masks, from the class ids. */
static void config_init(HdPciDevice *dev)
{
    HdPciDeviceClass *klass = HD_PCI_DEVICE_GET_CLASS(dev);
    HdPciDevicePrivate *priv = pci_priv(dev);
    uint8_t *c, *w, *w1c;
    uint16_t cmd_mask = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                        PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE;
    uint16_t status_w1c = PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
                          PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
                          PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY;

    priv->config_size = klass->is_express ? PCIE_CONFIG_SPACE_SIZE : PCI_CONFIG_SPACE_SIZE;
    /* Always 4 KiB behind the scenes, so pci_set_config_size() can grow it at realize. */
    priv->config = c = g_malloc0(PCIE_CONFIG_SPACE_SIZE);
    priv->wmask = w = g_malloc0(PCIE_CONFIG_SPACE_SIZE);
    priv->w1cmask = w1c = g_malloc0(PCIE_CONFIG_SPACE_SIZE);
    priv->cap_used = g_new0(uint16_t, PCIE_CONFIG_SPACE_SIZE);
    for (uint32_t i = 0; i < PCI_STD_HEADER_SIZEOF; i++) {
        priv->cap_used[i] = G_MAXUINT16;
    }

    pci_set_word(c + PCI_VENDOR_ID, klass->vendor_id);
    pci_set_word(c + PCI_DEVICE_ID, klass->device_id);
    pci_set_byte(c + PCI_REVISION_ID, klass->revision);
    pci_set_byte(c + PCI_CLASS_PROG, klass->class_code & 0xff);
    pci_set_word(c + PCI_CLASS_DEVICE, (klass->class_code >> 8) & 0xffff);
    pci_set_byte(c + PCI_HEADER_TYPE,
                 (klass->is_bridge ? PCI_HEADER_TYPE_BRIDGE : PCI_HEADER_TYPE_NORMAL) |
                     (priv->multifunction ? PCI_HEADER_TYPE_MULTI_FUNCTION : 0));

    pci_set_word(w + PCI_COMMAND, cmd_mask);
    pci_set_word(w1c + PCI_STATUS, status_w1c);
    pci_set_byte(w + PCI_CACHE_LINE_SIZE, 0xff);
    pci_set_byte(w + PCI_LATENCY_TIMER, 0xff);
    pci_set_byte(w + PCI_INTERRUPT_LINE, 0xff);

    if (klass->is_bridge) {
        pci_set_byte(w + PCI_PRIMARY_BUS, 0xff);
        pci_set_byte(w + PCI_SECONDARY_BUS, 0xff);
        pci_set_byte(w + PCI_SUBORDINATE_BUS, 0xff);
        pci_set_byte(w + PCI_SEC_LATENCY_TIMER, 0xff);
        pci_set_byte(w + PCI_IO_BASE, 0xf0);
        pci_set_byte(w + PCI_IO_LIMIT, 0xf0);
        pci_set_word(w + PCI_MEMORY_BASE, 0xfff0);
        pci_set_word(w + PCI_MEMORY_LIMIT, 0xfff0);
        pci_set_word(w + PCI_PREF_MEMORY_BASE, 0xfff0);
        pci_set_word(w + PCI_PREF_MEMORY_LIMIT, 0xfff0);
        pci_set_long(w + PCI_PREF_BASE_UPPER32, 0xffffffff);
        pci_set_long(w + PCI_PREF_LIMIT_UPPER32, 0xffffffff);
        pci_set_word(w + PCI_IO_BASE_UPPER16, 0xffff);
        pci_set_word(w + PCI_IO_LIMIT_UPPER16, 0xffff);
        pci_set_byte(c + PCI_IO_BASE, PCI_IO_RANGE_TYPE_32);
        pci_set_byte(c + PCI_IO_LIMIT, PCI_IO_RANGE_TYPE_32);
        pci_set_word(c + PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_TYPE_64);
        pci_set_word(c + PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_TYPE_64);
        pci_set_word(w + PCI_BRIDGE_CONTROL, 0x0fff);
        pci_set_word(w1c + PCI_SEC_STATUS, status_w1c);
    } else {
        pci_set_word(c + PCI_SUBSYSTEM_VENDOR_ID, klass->subsystem_vendor_id);
        pci_set_word(c + PCI_SUBSYSTEM_ID, klass->subsystem_id);
    }
}

uint8_t *pci_config(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), NULL);
    return pci_priv(dev)->config;
}

uint8_t *pci_wmask(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), NULL);
    return pci_priv(dev)->wmask;
}

uint8_t *pci_w1cmask(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), NULL);
    return pci_priv(dev)->w1cmask;
}

uint32_t pci_config_size(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    HdPciDevicePrivate *priv = pci_priv(dev);

    if (priv->config_size) {
        return priv->config_size;
    }
    return HD_PCI_DEVICE_GET_CLASS(dev)->is_express ? PCIE_CONFIG_SPACE_SIZE
                                                    : PCI_CONFIG_SPACE_SIZE;
}

void pci_set_config_size(HdPciDevice *dev, uint32_t size)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    HdPciDevicePrivate *priv = pci_priv(dev);

    g_return_if_fail(priv->config && !priv->reset_config);
    g_return_if_fail(size == PCI_CONFIG_SPACE_SIZE || size == PCIE_CONFIG_SPACE_SIZE);
    priv->config_size = size;
}

uint32_t pci_default_config_read(HdPciDevice *dev, uint32_t addr, unsigned len)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    uint32_t val = 0;

    if (!priv->config || len > 4 || addr + len > priv->config_size) {
        return 0xffffffffu;
    }
    for (unsigned i = 0; i < len; i++) {
        val |= (uint32_t)priv->config[addr + i] << (8 * i);
    }
    return val;
}

static void bridge_written(HdPciDevice *dev, uint16_t old_bctl)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    uint16_t bctl = pci_get_word(priv->config + PCI_BRIDGE_CONTROL);
    HdPciBus *sec = pci_bridge_get_sec_bus(dev);

    /* Secondary bus reset: the devices behind reset when the bit is set. */
    if ((bctl & PCI_BRIDGE_CTL_BUS_RESET) && !(old_bctl & PCI_BRIDGE_CTL_BUS_RESET) && sec) {
        hd_bus_reset(HD_BUS(sec));
    }
}

void pci_default_config_write(HdPciDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    HdPciDeviceClass *klass = HD_PCI_DEVICE_GET_CLASS(dev);
    uint16_t old_cmd, old_bctl;
    uint32_t bar_end = klass->is_bridge ? PCI_BASE_ADDRESS_2 : PCI_CARDBUS_CIS;
    uint32_t rom = klass->is_bridge ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;

    if (!priv->config || len > 4 || addr + len > priv->config_size) {
        return;
    }
    old_cmd = pci_get_word(priv->config + PCI_COMMAND);
    old_bctl = klass->is_bridge ? pci_get_word(priv->config + PCI_BRIDGE_CONTROL) : 0;
    for (unsigned i = 0; i < len; i++) {
        uint8_t b = (val >> (8 * i)) & 0xff;
        uint8_t wm = priv->wmask[addr + i];
        uint8_t *p = &priv->config[addr + i];

        *p = (*p & ~wm) | (b & wm);
        *p &= ~(b & priv->w1cmask[addr + i]);
    }

    if (pci_ranges_overlap(addr, len, PCI_COMMAND, 2) ||
        pci_ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, bar_end - PCI_BASE_ADDRESS_0) ||
        pci_ranges_overlap(addr, len, rom, 4)) {
        pci_update_mappings(dev);
    }
    if ((old_cmd ^ pci_get_word(priv->config + PCI_COMMAND)) & PCI_COMMAND_INTX_DISABLE) {
        pci_intx_update(dev);
    }
    if (klass->is_bridge && pci_ranges_overlap(addr, len, PCI_BRIDGE_CONTROL, 2)) {
        bridge_written(dev, old_bctl);
    }
    if (priv->msi.cap && pci_ranges_overlap(addr, len, priv->msi.cap, priv->msi.size)) {
        msi_config_written(dev, addr, len);
    }
    if (priv->msix.cap && pci_ranges_overlap(addr, len, priv->msix.cap, PCI_CAP_MSIX_SIZEOF)) {
        msix_config_written(dev, addr, len);
    }
}

static bool config_access_ok(HdPciDevice *dev, uint32_t addr, unsigned len)
{
    HdPciDevicePrivate *priv = pci_priv(dev);

    return priv->config && (len == 1 || len == 2 || len == 4) && (addr & (len - 1)) == 0 &&
           addr + len <= priv->config_size;
}

uint32_t pci_config_read(HdPciDevice *dev, uint32_t addr, unsigned len)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0xffffffffu);
    uint32_t all_ones = len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1;

    if (!config_access_ok(dev, addr, len)) {
        return all_ones;
    }
    return HD_PCI_DEVICE_GET_CLASS(dev)->config_read(dev, addr, len) & all_ones;
}

void pci_config_write(HdPciDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    if (!config_access_ok(dev, addr, len)) {
        return;
    }
    if (len < 4) {
        val &= (1u << (8 * len)) - 1;
    }
    HD_PCI_DEVICE_GET_CLASS(dev)->config_write(dev, addr, val, len);
}

int pci_device_devfn(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), -1);
    return pci_priv(dev)->devfn;
}

HdPciBus *pci_device_get_bus(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), NULL);
    return pci_priv(dev)->bus;
}

PciRoot *pci_device_root(HdPciDevice *dev)
{
    HdPciBus *bus = pci_priv(dev)->bus;

    return bus ? bus->root : NULL;
}

int pci_device_bus_number(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    HdPciBus *bus = pci_priv(dev)->bus;

    if (!bus || !bus->bridge || !pci_priv(bus->bridge)->config) {
        return 0;
    }
    return pci_get_byte(pci_priv(bus->bridge)->config + PCI_SECONDARY_BUS);
}

char *pci_device_bdf_string(HdPciDevice *dev)
{
    int devfn = pci_device_devfn(dev);

    return g_strdup_printf("%02x:%02x.%x", pci_device_bus_number(dev),
                           devfn < 0 ? 0 : PCI_SLOT(devfn), devfn < 0 ? 0 : PCI_FUNC(devfn));
}

const char *pci_device_get_romfile(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), NULL);
    return pci_priv(dev)->romfile;
}

uint32_t pci_device_get_rombar(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    return pci_priv(dev)->rombar;
}

AddressSpace *pci_get_address_space(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), NULL);
    PciRoot *root = pci_device_root(dev);

    return root ? root->dma_as : NULL;
}

static bool bus_master(HdPciDevice *dev)
{
    HdPciDevicePrivate *priv = pci_priv(dev);

    return priv->config && pci_device_root(dev) &&
           (pci_get_word(priv->config + PCI_COMMAND) & PCI_COMMAND_MASTER);
}

MemTxResult pci_dma_read(HdPciDevice *dev, hwaddr addr, void *buf, uint64_t len)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), MEMTX_ERROR);
    if (!bus_master(dev)) {
        memset(buf, 0xff, len);
        return MEMTX_ERROR;
    }
    return address_space_read(pci_get_address_space(dev), addr, buf, len);
}

MemTxResult pci_dma_write(HdPciDevice *dev, hwaddr addr, const void *buf, uint64_t len)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), MEMTX_ERROR);
    if (!bus_master(dev)) {
        return MEMTX_ERROR;
    }
    return address_space_write(pci_get_address_space(dev), addr, buf, len);
}

void pci_msi_send(HdPciDevice *dev, HdMsiMessage msg)
{
    if (!bus_master(dev)) {
        return;
    }
    trace_pci_msi_send(pci_priv(dev)->devfn, msg.address, msg.data);
    address_space_stl(pci_get_address_space(dev), msg.address, msg.data);
}

/* --- INTx --- */

int pci_intx_gsi(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), -1);
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciRoot *root = pci_device_root(dev);
    HdPciDevice *d = dev;
    int pin;

    if (!priv->config || !root || !root->intx_lines || root->gsi_count <= 0) {
        return -1;
    }
    pin = pci_get_byte(priv->config + PCI_INTERRUPT_PIN);
    if (pin < 1 || pin > 4) {
        return -1;
    }
    pin -= 1;
    /* Swizzle through each bridge: the pin seen upstream depends on the slot below. */
    while (pci_priv(d)->bus && pci_priv(d)->bus->bridge) {
        pin = (pin + PCI_SLOT(pci_priv(d)->devfn)) % 4;
        d = pci_priv(d)->bus->bridge;
    }
    return root->gsi_base + (PCI_SLOT(pci_priv(d)->devfn) + pin) % root->gsi_count;
}

void pci_intx_update(HdPciDevice *dev)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciRoot *root = pci_device_root(dev);
    int gsi = -1;

    if (priv->config) {
        uint16_t status = pci_get_word(priv->config + PCI_STATUS);

        status =
            priv->intx_level ? (status | PCI_STATUS_INTERRUPT) : (status & ~PCI_STATUS_INTERRUPT);
        pci_set_word(priv->config + PCI_STATUS, status);
        if (priv->intx_level &&
            !(pci_get_word(priv->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE)) {
            gsi = pci_intx_gsi(dev);
        }
    }
    if (gsi == priv->intx_asserted_gsi) {
        return;
    }
    if (priv->intx_asserted_gsi >= 0 && root) {
        int i = priv->intx_asserted_gsi - root->gsi_base;

        trace_pci_intx(priv->devfn, priv->intx_asserted_gsi, 0);
        if (--root->intx_count[i] == 0) {
            hd_irq_set(root->intx_lines, priv->intx_asserted_gsi, 0);
        }
    }
    priv->intx_asserted_gsi = -1;
    if (gsi >= 0) {
        int i = gsi - root->gsi_base;

        trace_pci_intx(priv->devfn, gsi, 1);
        if (root->intx_count[i]++ == 0) {
            hd_irq_set(root->intx_lines, gsi, 1);
        }
        priv->intx_asserted_gsi = gsi;
    }
}

void pci_set_irq(HdPciDevice *dev, int level)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    pci_priv(dev)->intx_level = level ? 1 : 0;
    pci_intx_update(dev);
}

int pci_irq_level(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    return pci_priv(dev)->intx_level;
}

/* --- Life cycle --- */

static void pci_teardown(HdPciDevice *dev)
{
    HdPciDevicePrivate *priv = pci_priv(dev);

    pci_set_irq(dev, 0);
    msix_uninit(dev);
    msi_uninit(dev);
    pci_bars_release(dev);
    config_free(priv);
}

static bool hd_pci_device_realize(HdDevice *d, GError **errp)
{
    HdPciDevice *dev = HD_PCI_DEVICE(d);
    HdPciDeviceClass *klass = HD_PCI_DEVICE_GET_CLASS(dev);
    HdPciDevicePrivate *priv = pci_priv(dev);

    if (!priv->bus || priv->devfn < 0) {
        g_autofree char *what = hd_device_describe(d);

        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: not plugged into a PCI bus; plug it before realizing it", what);
        return false;
    }
    config_init(dev);
    if (klass->realize && !klass->realize(dev, errp)) {
        pci_teardown(dev);
        return false;
    }
    if (!priv->bars[PCI_ROM_SLOT].mr && !pci_load_romfile(dev, errp)) {
        if (klass->exit) {
            klass->exit(dev);
        }
        pci_teardown(dev);
        return false;
    }
    priv->reset_config = g_memdup2(priv->config, PCIE_CONFIG_SPACE_SIZE);
    pci_migration_register(dev);
    return true;
}

static void hd_pci_device_unrealize(HdDevice *d)
{
    HdPciDevice *dev = HD_PCI_DEVICE(d);
    HdPciDeviceClass *klass = HD_PCI_DEVICE_GET_CLASS(dev);

    pci_migration_unregister(dev);
    if (klass->exit) {
        klass->exit(dev);
    }
    pci_teardown(dev);
}

void pci_device_reset(HdPciDevice *dev)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    HdPciDevicePrivate *priv = pci_priv(dev);
    HdPciDeviceClass *klass = HD_PCI_DEVICE_GET_CLASS(dev);

    if (!priv->config) {
        return;
    }
    pci_set_irq(dev, 0);
    msi_reset(dev);
    msix_reset(dev);
    if (priv->reset_config) {
        memcpy(priv->config, priv->reset_config, PCIE_CONFIG_SPACE_SIZE);
    }
    pci_update_mappings(dev);
    pci_intx_update(dev);
    if (klass->reset) {
        klass->reset(dev);
    }
}

static void hd_pci_device_reset(HdDevice *d)
{
    pci_device_reset(HD_PCI_DEVICE(d));
}

static void hd_pci_device_class_init(HdPciDeviceClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);

    oc->set_property = hd_pci_device_set_property;
    oc->get_property = hd_pci_device_get_property;
    oc->finalize = hd_pci_device_finalize;
    dc->bus_type = TYPE_PCI_BUS_KIND;
    dc->realize = hd_pci_device_realize;
    dc->unrealize = hd_pci_device_unrealize;
    dc->reset = hd_pci_device_reset;
    klass->config_read = pci_default_config_read;
    klass->config_write = pci_default_config_write;

    props[PROP_ADDR] = g_param_spec_string(
        "addr", "addr", "slot and function on the bus, SLOT[.FN] in hex (default: first free)",
        NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    hd_param_spec_set_pci_devfn(props[PROP_ADDR]); /* JSON "addr": 24 is devfn 24 (slot 3) */
    props[PROP_MULTIFUNCTION] = g_param_spec_boolean(
        "multifunction", "multifunction", "on: functions 1-7 of this slot may be populated", FALSE,
        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    props[PROP_ROMFILE] =
        g_param_spec_string("romfile", "romfile", "file to expose as the expansion ROM", NULL,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    props[PROP_ROMBAR] =
        g_param_spec_uint("rombar", "rombar", "0 hides the expansion ROM BAR", 0, G_MAXUINT32, 1,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(oc, N_PROPS, props);
}

static void hd_pci_device_init(HdPciDevice *dev)
{
    HdPciDevicePrivate *priv = pci_priv(dev);

    priv->devfn = -1;
    priv->rombar = 1;
    priv->intx_asserted_gsi = -1;
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        priv->bars[i].addr = PCI_BAR_UNMAPPED;
    }
}
