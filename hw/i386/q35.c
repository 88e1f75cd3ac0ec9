/*
 * The q35 chipset: host bridge (q35-pcihost) with its PCI function at 00.0 (mch, 8086:29c0),
 * ECAM and CF8/CFC config access, root bus "pcie.0", the I/O APIC's 24 GSIs and the MSI window
 * as interrupt line sets. Migration: the host bridge's "q35-regs" section (CF8 latch, RST_CNT);
 * the mch's config space is the PCI core's.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/i386/q35.h"
#include "hw/irq.h"
#include "hw/pci/pci-host.h"
#include "hw/pci/pci.h"
#include "migration/register.h"
#include "qom/object.h"
#include "system/lifecycle.h"

#define Q35_IOAPIC_LINES 24
#define Q35_INTX_GSI_BASE 16
#define Q35_INTX_GSI_COUNT 8
#define Q35_MSI_LINES 256
#define Q35_WINDOW_PRIORITY 10 /* ECAM and the MSI window cover BARs (priority 1) */
#define Q35_CF8_PORT 0xcf8
#define Q35_CFC_PORT 0xcfc
#define Q35_ROOT_BUS "pcie.0"

/* --- mch: the host bridge's PCI function --- */

typedef struct {
    HdPciDevice parent_instance;
} Q35Mch;

typedef struct {
    HdPciDeviceClass parent_class;
} Q35MchClass;

static GType q35_mch_get_type(void);
G_DEFINE_TYPE(Q35Mch, q35_mch, HD_TYPE_PCI_DEVICE)

static void q35_mch_class_init(Q35MchClass *klass)
{
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);
    HdPciDeviceClass *pc = HD_PCI_DEVICE_CLASS(klass);

    dc->description = "q35 host bridge PCI function (created by the machine)";
    pc->vendor_id = 0x8086;
    pc->device_id = 0x29c0;
    pc->class_code = 0x060000;
}

static void q35_mch_init(Q35Mch *mch)
{
    (void)mch;
}

/* --- q35-pcihost --- */

typedef struct {
    HdDevice parent_instance;
    MemoryRegion *sysmem; /* references */
    MemoryRegion *io;
    AddressSpace *dma_as;
    HdIrqLines *ioapic;
    HdIrqLines *msi;
    MemoryRegion *ecam;
    MemoryRegion *cf8;
    MemoryRegion *cfc;
    MemoryRegion *msi_window;
    HdPciBus *root;
    uint32_t config_address;
    uint8_t rst_cnt;
} Q35Host;

typedef struct {
    HdDeviceClass parent_class;
} Q35HostClass;

static GType q35_host_get_type(void);
G_DEFINE_TYPE(Q35Host, q35_host, HD_TYPE_DEVICE)

static uint64_t ecam_read(void *opaque, hwaddr addr, unsigned size)
{
    Q35Host *h = opaque;

    return pci_host_config_read(h->root, addr >> 20, (addr >> 12) & 0xff, addr & 0xfff, size);
}

static void ecam_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    Q35Host *h = opaque;

    pci_host_config_write(h->root, addr >> 20, (addr >> 12) & 0xff, addr & 0xfff, value, size);
}

static const MemoryRegionOps ecam_ops = {
    .read = ecam_read,
    .write = ecam_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

/*
 * 0xcf8 decodes dword accesses as CONFIG_ADDRESS; a byte at 0xcf9 is the reset control
 * register (RST_CNT): bit 2 set resets the machine (the guest's ACPI reset register).
 */
static uint64_t cf8_read(void *opaque, hwaddr addr, unsigned size)
{
    Q35Host *h = opaque;

    if (size == 1) {
        return addr == 1 ? h->rst_cnt : 0xff;
    }
    return size == 4 ? h->config_address : 0xffffffffu;
}

static void cf8_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    Q35Host *h = opaque;

    if (size == 1 && addr == 1) {
        h->rst_cnt = value & 0x0a;
        if (value & 0x04) {
            hd_guest_request_reset("guest-reset");
        }
        return;
    }
    if (size == 4) {
        h->config_address = value & 0x80fffffcu;
    }
}

static const MemoryRegionOps cf8_ops = {
    .read = cf8_read,
    .write = cf8_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

static uint64_t cfc_read(void *opaque, hwaddr addr, unsigned size)
{
    Q35Host *h = opaque;
    uint32_t ca = h->config_address;

    if (!(ca & 0x80000000u)) {
        return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    return pci_host_config_read(h->root, (ca >> 16) & 0xff, (ca >> 8) & 0xff, (ca & 0xfc) + addr,
                                size);
}

static void cfc_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    Q35Host *h = opaque;
    uint32_t ca = h->config_address;

    if (ca & 0x80000000u) {
        pci_host_config_write(h->root, (ca >> 16) & 0xff, (ca >> 8) & 0xff, (ca & 0xfc) + addr,
                              value, size);
    }
}

static const MemoryRegionOps cfc_ops = {
    .read = cfc_read,
    .write = cfc_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

static uint64_t msi_window_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return 0;
}

static void msi_window_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    Q35Host *h = opaque;
    HdMsiSink sink = hd_msi_get_sink();

    (void)size;
    if (sink) {
        sink(Q35_MSI_BASE + addr, (uint32_t)value);
        return;
    }
    hd_irq_pulse(h->msi, value & 0xff);
}

static const MemoryRegionOps msi_window_ops = {
    .read = msi_window_read,
    .write = msi_window_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

/*
 * Migration: the "q35-regs" section, format version 1, little-endian, 8 bytes:
 *   0  2  format version (1)
 *   2  1  RST_CNT (0xcf9) as the guest wrote it (bits 1 and 3)
 *   3  1  0
 *   4  4  CONFIG_ADDRESS (0xcf8): a guest stopped between its 0xcf8 and 0xcfc accesses
 *         goes on with the same device and register
 * A reader refuses another version, another length and bits these registers never hold, before
 * changing anything. Everything else of the chipset is either config space (the mch's, saved
 * by the PCI core) or fixed at creation (the windows, the root bus); the interrupt line levels
 * are driven again by the devices that own them as they load.
 */
#define Q35_MIG_KIND "q35-regs"
#define Q35_MIG_VERSION 1
#define Q35_MIG_SIZE 8
#define Q35_RST_CNT_BITS 0x0a
#define Q35_CONFIG_ADDRESS_BITS 0x80fffffcu

static bool q35_mig_save(void *opaque, HdMigSink *sink, GError **errp)
{
    Q35Host *h = opaque;
    uint8_t buf[Q35_MIG_SIZE] = { Q35_MIG_VERSION, 0, h->rst_cnt, 0 };

    for (int i = 0; i < 4; i++) {
        buf[4 + i] = (uint8_t)(h->config_address >> (8 * i));
    }
    return hd_mig_put(sink, Q35_MIG_KIND, buf, sizeof(buf), errp);
}

static bool q35_mig_load(void *opaque, const char *kind, const uint8_t *data, size_t len,
                         GError **errp)
{
    Q35Host *h = opaque;
    unsigned version = len >= 2 ? (unsigned)(data[0] | data[1] << 8) : 0;
    uint32_t ca;

    if (strcmp(kind, Q35_MIG_KIND) != 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "q35-pcihost: the migration stream has a '%s' section the chipset does not know; migrate to a hostdev that reads the source's format",
                    kind);
        return false;
    }
    if (version != Q35_MIG_VERSION) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "q35-pcihost: the %s section has format version %u, this hostdev reads version %u; migrate to a hostdev that reads the source's format",
                    kind, version, Q35_MIG_VERSION);
        return false;
    }
    if (len != Q35_MIG_SIZE) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "q35-pcihost: the %s section is %zu bytes, version %u has %u; the migration stream is damaged",
                    kind, len, version, Q35_MIG_SIZE);
        return false;
    }
    ca = data[4] | data[5] << 8 | data[6] << 16 | (uint32_t)data[7] << 24;
    if ((data[2] & ~Q35_RST_CNT_BITS) || data[3] || (ca & ~Q35_CONFIG_ADDRESS_BITS)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "q35-pcihost: the %s section has RST_CNT 0x%02x and CONFIG_ADDRESS 0x%08x, bits the chipset never holds; the migration stream is damaged",
                    kind, data[2] | data[3] << 8, ca);
        return false;
    }
    h->rst_cnt = data[2];
    h->config_address = ca;
    return true;
}

static const HdMigrationOps q35_mig_ops = {
    .save_complete = q35_mig_save,
    .load_section = q35_mig_load,
};

static void q35_host_unmap(Q35Host *h)
{
    memory_region_transaction_begin();
    if (h->ecam) {
        memory_region_del_subregion(h->sysmem, h->ecam);
        memory_region_del_subregion(h->sysmem, h->msi_window);
        memory_region_del_subregion(h->io, h->cf8);
        memory_region_del_subregion(h->io, h->cfc);
    }
    memory_region_transaction_commit();
    g_clear_pointer(&h->ecam, memory_region_unref);
    g_clear_pointer(&h->msi_window, memory_region_unref);
    g_clear_pointer(&h->cf8, memory_region_unref);
    g_clear_pointer(&h->cfc, memory_region_unref);
}

static bool q35_host_realize(HdDevice *dev, GError **errp)
{
    Q35Host *h = (Q35Host *)dev;
    g_autoptr(GObject) mch = NULL;

    if (!h->sysmem || !h->io) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "q35-pcihost: no memory or I/O root; create it with q35_chipset_new()");
        return false;
    }
    if (!h->root && (hd_irq_lines_find(Q35_IOAPIC_PATH) || hd_irq_lines_find(Q35_MSI_PATH) ||
                     hd_bus_find(Q35_ROOT_BUS))) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE,
                    "q35-pcihost: %s, %s or bus %s exist; one q35 chipset at a time only",
                    Q35_IOAPIC_PATH, Q35_MSI_PATH, Q35_ROOT_BUS);
        return false;
    }
    if (!h->root) {
        h->ioapic = hd_irq_lines_new(Q35_IOAPIC_PATH, Q35_IOAPIC_LINES, NULL, NULL);
        h->msi = hd_irq_lines_new(Q35_MSI_PATH, Q35_MSI_LINES, NULL, NULL);
        h->root = pci_root_bus_new(dev, Q35_ROOT_BUS, h->sysmem, h->io, h->dma_as, h->ioapic,
                                   Q35_INTX_GSI_BASE, Q35_INTX_GSI_COUNT);
    }
    if (!pci_bus_get_device(h->root, 0)) {
        mch = g_object_new(q35_mch_get_type(), "addr", "0", NULL);
        if (!hd_bus_attach(HD_BUS(h->root), HD_DEVICE(mch), errp)) {
            return false;
        }
    }
    if (!hd_device_realize(HD_DEVICE(pci_bus_get_device(h->root, 0)), errp)) {
        return false;
    }

    h->ecam = memory_region_new_io("q35 ecam", Q35_ECAM_SIZE, &ecam_ops, h);
    h->msi_window = memory_region_new_io("q35 msi", Q35_MSI_SIZE, &msi_window_ops, h);
    h->cf8 = memory_region_new_io("q35 pci-conf-idx", 4, &cf8_ops, h);
    h->cfc = memory_region_new_io("q35 pci-conf-data", 4, &cfc_ops, h);
    memory_region_transaction_begin();
    memory_region_add_subregion_overlap(h->sysmem, Q35_ECAM_BASE, h->ecam, Q35_WINDOW_PRIORITY);
    memory_region_add_subregion_overlap(h->sysmem, Q35_MSI_BASE, h->msi_window,
                                        Q35_WINDOW_PRIORITY);
    memory_region_add_subregion(h->io, Q35_CF8_PORT, h->cf8);
    memory_region_add_subregion(h->io, Q35_CFC_PORT, h->cfc);
    memory_region_transaction_commit();
    hd_migration_unregister(h);
    hd_migration_register_device(dev, &q35_mig_ops, h);
    return true;
}

static void q35_host_unrealize(HdDevice *dev)
{
    hd_migration_unregister(dev);
    q35_host_unmap((Q35Host *)dev);
}

static void q35_host_reset(HdDevice *dev)
{
    ((Q35Host *)dev)->config_address = 0;
    ((Q35Host *)dev)->rst_cnt = 0;
}

static void q35_host_dispose(GObject *obj)
{
    Q35Host *h = (Q35Host *)obj;

    /* The base unrealizes the devices below and drops the root bus first. */
    G_OBJECT_CLASS(q35_host_parent_class)->dispose(obj);
    hd_migration_unregister(h);
    q35_host_unmap(h);
    h->root = NULL;
    g_clear_pointer(&h->ioapic, hd_irq_lines_free);
    g_clear_pointer(&h->msi, hd_irq_lines_free);
    g_clear_pointer(&h->sysmem, memory_region_unref);
    g_clear_pointer(&h->io, memory_region_unref);
}

static void q35_host_class_init(Q35HostClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);

    oc->dispose = q35_host_dispose;
    dc->description = "q35 PCI Express host bridge (created by the machine)";
    dc->realize = q35_host_realize;
    dc->unrealize = q35_host_unrealize;
    dc->reset = q35_host_reset;
}

static void q35_host_init(Q35Host *h)
{
    (void)h;
}

HdDevice *q35_chipset_new(MemoryRegion *sysmem, MemoryRegion *io, AddressSpace *dma_as,
                          GError **errp)
{
    g_return_val_if_fail(sysmem && io && dma_as, NULL);
    g_autoptr(GObject) obj = NULL;
    Q35Host *h;

    hd_type_register("q35-pcihost", q35_host_get_type());
    hd_type_register("mch", q35_mch_get_type());
    obj = g_object_new(q35_host_get_type(), NULL);
    h = (Q35Host *)obj;
    h->sysmem = memory_region_ref(sysmem);
    h->io = memory_region_ref(io);
    h->dma_as = dma_as;
    if (!hd_device_realize(HD_DEVICE(obj), errp)) {
        return NULL;
    }
    return HD_DEVICE(g_steal_pointer(&obj));
}
