/*
 * hostdev-testdev: an emulated PCI device to exercise the PCI core without VFIO.
 * BAR0: 4 KiB registers (id, scratch, MSI/MSI-X/INTx triggers, DMA); BAR1: 256 bytes of I/O
 * scratch; BAR2: 64-bit prefetchable 64 KiB RAM; BAR4: MSI-X table and PBA. MSI at 0x50.
 * Migration: the PCI core's "pci-config" section, then "testdev-regs" (below).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/pci/msix.h"
#include "hw/pci/testdev.h"
#include "pci-internal.h"
#include "qom/object.h"

typedef struct {
    HdPciDevice parent_instance;
    bool msi;
    bool msix;
    guint msi_vectors;
    guint msix_vectors;
    uint32_t scratch;
    uint64_t dma_addr;
    bool busy; /* a DMA or MSI aimed back at the registers is dropped, not recursed into */
    uint8_t io[TESTDEV_IO_SIZE];
} PciTestdev;

typedef struct {
    HdPciDeviceClass parent_class;
} PciTestdevClass;

G_DEFINE_TYPE(PciTestdev, pci_testdev, HD_TYPE_PCI_DEVICE)

enum {
    PROP_0,
    PROP_MSI,
    PROP_MSIX,
    PROP_MSI_VECTORS,
    PROP_MSIX_VECTORS,
    N_PROPS,
};

static GParamSpec *props[N_PROPS];

static uint64_t regs_read(void *opaque, hwaddr addr, unsigned size)
{
    PciTestdev *t = opaque;
    HdPciDevice *dev = opaque;
    uint32_t v = 0;

    (void)size;
    switch (addr) {
    case TESTDEV_REG_ID:
        return TESTDEV_ID_VALUE;
    case TESTDEV_REG_SCRATCH:
        return t->scratch;
    case TESTDEV_REG_INTX:
        return pci_irq_level(dev);
    case TESTDEV_REG_DMA_LO:
        return t->dma_addr & 0xffffffffu;
    case TESTDEV_REG_DMA_HI:
        return t->dma_addr >> 32;
    case TESTDEV_REG_DMA_DATA:
        if (t->busy) {
            return 0xffffffffu;
        }
        t->busy = true;
        if (pci_dma_read(dev, t->dma_addr, &v, 4) != MEMTX_OK) {
            v = 0xffffffffu;
        }
        t->busy = false;
        return GUINT32_FROM_LE(v);
    default:
        return 0;
    }
}

static void regs_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    PciTestdev *t = opaque;
    HdPciDevice *dev = opaque;
    uint32_t v = GUINT32_TO_LE((uint32_t)value);

    (void)size;
    if (t->busy) {
        return;
    }
    t->busy = true;
    switch (addr) {
    case TESTDEV_REG_SCRATCH:
        t->scratch = value;
        break;
    case TESTDEV_REG_MSI:
        msi_notify(dev, value);
        break;
    case TESTDEV_REG_MSIX:
        msix_notify(dev, value);
        break;
    case TESTDEV_REG_INTX:
        pci_set_irq(dev, value != 0);
        break;
    case TESTDEV_REG_DMA_LO:
        t->dma_addr = (t->dma_addr & ~0xffffffffULL) | (uint32_t)value;
        break;
    case TESTDEV_REG_DMA_HI:
        t->dma_addr = (t->dma_addr & 0xffffffffULL) | ((uint64_t)(uint32_t)value << 32);
        break;
    case TESTDEV_REG_DMA_DATA:
        pci_dma_write(dev, t->dma_addr, &v, 4);
        break;
    default:
        break;
    }
    t->busy = false;
}

static const MemoryRegionOps regs_ops = {
    .read = regs_read,
    .write = regs_write,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    PciTestdev *t = opaque;
    uint64_t v = 0;

    for (unsigned i = 0; i < size && addr + i < TESTDEV_IO_SIZE; i++) {
        v |= (uint64_t)t->io[addr + i] << (8 * i);
    }
    return v;
}

static void io_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    PciTestdev *t = opaque;

    for (unsigned i = 0; i < size && addr + i < TESTDEV_IO_SIZE; i++) {
        t->io[addr + i] = (value >> (8 * i)) & 0xff;
    }
}

static const MemoryRegionOps io_ops = {
    .read = io_read,
    .write = io_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

static bool pci_testdev_realize(HdPciDevice *dev, GError **errp)
{
    PciTestdev *t = (PciTestdev *)dev;
    g_autofree char *what = hd_device_describe(HD_DEVICE(dev));
    g_autofree char *n0 = g_strdup_printf("%s bar0", what);
    g_autofree char *n1 = g_strdup_printf("%s bar1", what);
    g_autofree char *n2 = g_strdup_printf("%s bar2", what);
    g_autoptr(MemoryRegion) bar0 = memory_region_new_io(n0, TESTDEV_BAR0_SIZE, &regs_ops, t);
    g_autoptr(MemoryRegion) bar1 = memory_region_new_io(n1, TESTDEV_IO_SIZE, &io_ops, t);
    g_autoptr(MemoryRegion) bar2 = memory_region_new_ram(n2, TESTDEV_BAR2_SIZE, errp);

    if (!bar2) {
        return false;
    }
    pci_set_byte(pci_config(dev) + PCI_INTERRUPT_PIN, 1);
    pci_register_bar(dev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, bar0);
    pci_register_bar(dev, 1, PCI_BASE_ADDRESS_SPACE_IO, bar1);
    pci_register_bar(dev, 2,
                     PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64 |
                         PCI_BASE_ADDRESS_MEM_PREFETCH,
                     bar2);
    if (t->msi && !msi_init(dev, TESTDEV_MSI_CAP, t->msi_vectors, true, true, errp)) {
        return false;
    }
    if (t->msix && !msix_init_exclusive_bar(dev, t->msix_vectors, 4, errp)) {
        return false;
    }
    return true;
}

static void pci_testdev_reset(HdPciDevice *dev)
{
    PciTestdev *t = (PciTestdev *)dev;

    t->scratch = 0;
    t->dma_addr = 0;
    memset(t->io, 0, sizeof(t->io));
}

/*
 * The "testdev-regs" migration section, version 1, little-endian: u16 version, u16 0,
 * u32 scratch, u64 DMA address, the 256 bytes of BAR1, the 64 KiB of BAR2's RAM. The INTx
 * level is the PCI core's (pci-config).
 */
#define TESTDEV_MIG_KIND "testdev-regs"
#define TESTDEV_MIG_VERSION 1
#define TESTDEV_MIG_IO 16
#define TESTDEV_MIG_RAM (TESTDEV_MIG_IO + TESTDEV_IO_SIZE)
#define TESTDEV_MIG_SIZE (TESTDEV_MIG_RAM + TESTDEV_BAR2_SIZE)

static bool pci_testdev_save_state(HdPciDevice *dev, HdMigSink *sink, GError **errp)
{
    PciTestdev *t = (PciTestdev *)dev;
    g_autofree uint8_t *buf = g_malloc0(TESTDEV_MIG_SIZE);

    pci_set_word(buf, TESTDEV_MIG_VERSION);
    pci_set_long(buf + 4, t->scratch);
    pci_set_quad(buf + 8, t->dma_addr);
    memcpy(buf + TESTDEV_MIG_IO, t->io, TESTDEV_IO_SIZE);
    memcpy(buf + TESTDEV_MIG_RAM, memory_region_get_ram_ptr(pci_bar_region(dev, 2)),
           TESTDEV_BAR2_SIZE);
    return hd_mig_put(sink, TESTDEV_MIG_KIND, buf, TESTDEV_MIG_SIZE, errp);
}

static bool pci_testdev_load_state(HdPciDevice *dev, const char *kind, const uint8_t *data,
                                   size_t len, GError **errp)
{
    PciTestdev *t = (PciTestdev *)dev;
    g_autofree char *what = hd_device_describe(HD_DEVICE(dev));

    if (strcmp(kind, TESTDEV_MIG_KIND) != 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the migration stream has a '%s' section this device does not know; "
                    "start the destination with the same device as the source",
                    what, kind);
        return false;
    }
    if (len < 2 || pci_get_word(data) != TESTDEV_MIG_VERSION) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the %s section has format version %d, this hostdev reads version %d; "
                    "migrate to a hostdev that reads the source's format",
                    what, kind, len < 2 ? -1 : pci_get_word(data), TESTDEV_MIG_VERSION);
        return false;
    }
    if (len != TESTDEV_MIG_SIZE) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the %s section is %zu bytes, not %d; the migration stream is damaged",
                    what, kind, len, TESTDEV_MIG_SIZE);
        return false;
    }
    t->scratch = pci_get_long(data + 4);
    t->dma_addr = pci_get_quad(data + 8);
    memcpy(t->io, data + TESTDEV_MIG_IO, TESTDEV_IO_SIZE);
    memcpy(memory_region_get_ram_ptr(pci_bar_region(dev, 2)), data + TESTDEV_MIG_RAM,
           TESTDEV_BAR2_SIZE);
    return true;
}

static void pci_testdev_set_property(GObject *obj, guint prop_id, const GValue *value,
                                     GParamSpec *pspec)
{
    PciTestdev *t = (PciTestdev *)obj;

    switch (prop_id) {
    case PROP_MSI:
        t->msi = g_value_get_boolean(value);
        break;
    case PROP_MSIX:
        t->msix = g_value_get_boolean(value);
        break;
    case PROP_MSI_VECTORS:
        t->msi_vectors = g_value_get_uint(value);
        break;
    case PROP_MSIX_VECTORS:
        t->msix_vectors = g_value_get_uint(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void pci_testdev_get_property(GObject *obj, guint prop_id, GValue *value, GParamSpec *pspec)
{
    PciTestdev *t = (PciTestdev *)obj;

    switch (prop_id) {
    case PROP_MSI:
        g_value_set_boolean(value, t->msi);
        break;
    case PROP_MSIX:
        g_value_set_boolean(value, t->msix);
        break;
    case PROP_MSI_VECTORS:
        g_value_set_uint(value, t->msi_vectors);
        break;
    case PROP_MSIX_VECTORS:
        g_value_set_uint(value, t->msix_vectors);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void pci_testdev_class_init(PciTestdevClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);
    HdPciDeviceClass *pc = HD_PCI_DEVICE_CLASS(klass);

    oc->set_property = pci_testdev_set_property;
    oc->get_property = pci_testdev_get_property;
    dc->description = "emulated PCI test device: BARs, MSI, MSI-X, INTx and DMA registers";
    dc->user_creatable = true;
    pc->vendor_id = TESTDEV_VENDOR_ID;
    pc->device_id = TESTDEV_DEVICE_ID;
    pc->subsystem_vendor_id = TESTDEV_VENDOR_ID;
    pc->subsystem_id = 0x1100;
    pc->class_code = 0xff0000;
    pc->realize = pci_testdev_realize;
    pc->reset = pci_testdev_reset;
    pc->save_state = pci_testdev_save_state;
    pc->load_state = pci_testdev_load_state;

    props[PROP_MSI] = g_param_spec_boolean("msi", "msi", "offer an MSI capability", TRUE,
                                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    props[PROP_MSIX] = g_param_spec_boolean("msix", "msix", "offer MSI-X (table in BAR4)", TRUE,
                                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    props[PROP_MSI_VECTORS] =
        g_param_spec_uint("msi-vectors", "msi-vectors", "MSI vectors (1, 2, 4, ..., 32)", 1, 32, 4,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    props[PROP_MSIX_VECTORS] =
        g_param_spec_uint("msix-vectors", "msix-vectors", "MSI-X vectors (1-2048)", 1, 2048, 8,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(oc, N_PROPS, props);
}

static void pci_testdev_init(PciTestdev *t)
{
    t->msi = true;
    t->msix = true;
    t->msi_vectors = 4;
    t->msix_vectors = 8;
}
