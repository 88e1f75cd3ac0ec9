/*
 * Shared fixture of the PCI unit tests: a q35 chipset on address spaces built by the test,
 * 1 MiB of RAM at 0, recorded I/O APIC and MSI line changes, and config/MMIO helpers.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TEST_PCI_FIXTURE_H
#define TEST_PCI_FIXTURE_H

#include <glib.h>

#include "hw/i386/q35.h"
#include "hw/irq.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci-host.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/pci/testdev.h"
#include "qom/object.h"
#include "qom/opts.h"
#include "qom/props.h"
#include "system/memory.h"

#define FIX_RAM_SIZE 0x100000

typedef struct PciFixture {
    MemoryRegion *sysmem;
    MemoryRegion *io;
    MemoryRegion *ram;
    AddressSpace *as;
    AddressSpace *io_as;
    HdDevice *host;
    GArray *msi_events;    /* int: line << 1 | level */
    GArray *ioapic_events; /* int: gsi << 1 | level */
} PciFixture;

static inline void fix_record(void *opaque, int n, int level)
{
    int e = n << 1 | level;

    g_array_append_val((GArray *)opaque, e);
}

static inline void fix_setup(PciFixture *f, gconstpointer data)
{
    GError *err = NULL;

    (void)data;
    pci_register_types();
    f->sysmem = memory_region_new_container("test-system", UINT64_MAX);
    f->io = memory_region_new_container("test-io", 0x10000);
    f->ram = memory_region_new_ram("test-ram", FIX_RAM_SIZE, &err);
    g_assert_no_error(err);
    memory_region_add_subregion(f->sysmem, 0, f->ram);
    f->as = address_space_new("test-memory", f->sysmem);
    f->io_as = address_space_new("test-io", f->io);
    f->host = q35_chipset_new(f->sysmem, f->io, f->as, &err);
    g_assert_no_error(err);
    g_assert_nonnull(f->host);
    f->msi_events = g_array_new(FALSE, FALSE, sizeof(int));
    f->ioapic_events = g_array_new(FALSE, FALSE, sizeof(int));
    g_assert_true(hd_irq_intercept(Q35_MSI_PATH, fix_record, f->msi_events, &err));
    g_assert_true(hd_irq_intercept(Q35_IOAPIC_PATH, fix_record, f->ioapic_events, &err));
    g_assert_no_error(err);
}

static inline void fix_teardown(PciFixture *f, gconstpointer data)
{
    (void)data;
    g_object_unref(f->host);
    g_assert_null(hd_irq_lines_find(Q35_IOAPIC_PATH));
    g_assert_null(hd_bus_find("pcie.0"));
    address_space_destroy(f->as);
    address_space_destroy(f->io_as);
    memory_region_unref(f->ram);
    memory_region_unref(f->sysmem);
    memory_region_unref(f->io);
    g_array_unref(f->msi_events);
    g_array_unref(f->ioapic_events);
}

/*
 * Create, plug and realize a device from -device text ("hostdev-testdev,id=t0,addr=3").
 * Returns the device (borrowed: the bus holds it), or NULL with @errp set; a device that failed
 * is dropped.
 */
static inline HdPciDevice *fix_device_try(const char *text, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_parse(text, "driver", errp);
    g_autoptr(GObject) obj = NULL;
    JsonNode *driver;

    if (!opts) {
        return NULL;
    }
    driver = hd_opts_lookup(opts, "driver");
    g_assert_nonnull(driver);
    obj = hd_object_new_with_opts(json_node_get_string(driver), opts, errp);
    if (!obj) {
        return NULL;
    }
    if (!hd_device_plug(HD_DEVICE(obj), errp)) {
        return NULL;
    }
    if (!hd_device_realize(HD_DEVICE(obj), errp)) {
        hd_device_unplug(HD_DEVICE(obj));
        return NULL;
    }
    return HD_PCI_DEVICE(obj);
}

static inline HdPciDevice *fix_device(const char *text)
{
    GError *err = NULL;
    HdPciDevice *dev = fix_device_try(text, &err);

    g_assert_no_error(err);
    return dev;
}

/* Config access through CF8/CFC. */
static inline uint32_t cf8_addr(int bus, int devfn, uint32_t reg)
{
    return 0x80000000u | (bus << 16) | (devfn << 8) | (reg & 0xfc);
}

static inline uint32_t fix_cfg_read(PciFixture *f, int bus, int devfn, uint32_t reg, int len)
{
    MemTxResult r;
    uint32_t v;

    g_assert_cmpint(address_space_stl(f->io_as, 0xcf8, cf8_addr(bus, devfn, reg)), ==, MEMTX_OK);
    switch (len) {
    case 1:
        v = address_space_ldub(f->io_as, 0xcfc + (reg & 3), &r);
        break;
    case 2:
        v = address_space_lduw(f->io_as, 0xcfc + (reg & 2), &r);
        break;
    default:
        v = address_space_ldl(f->io_as, 0xcfc, &r);
        break;
    }
    g_assert_cmpint(r, ==, MEMTX_OK);
    return v;
}

static inline void fix_cfg_write(PciFixture *f, int bus, int devfn, uint32_t reg, uint32_t val,
                                 int len)
{
    g_assert_cmpint(address_space_stl(f->io_as, 0xcf8, cf8_addr(bus, devfn, reg)), ==, MEMTX_OK);
    switch (len) {
    case 1:
        address_space_stb(f->io_as, 0xcfc + (reg & 3), val);
        break;
    case 2:
        address_space_stw(f->io_as, 0xcfc + (reg & 2), val);
        break;
    default:
        address_space_stl(f->io_as, 0xcfc, val);
        break;
    }
}

/* Config access through ECAM. */
static inline hwaddr ecam_addr(int bus, int devfn, uint32_t reg)
{
    return Q35_ECAM_BASE + ((hwaddr)bus << 20) + ((hwaddr)devfn << 12) + reg;
}

static inline uint32_t fix_ecam_readl(PciFixture *f, int bus, int devfn, uint32_t reg)
{
    return address_space_ldl(f->as, ecam_addr(bus, devfn, reg), NULL);
}

static inline void fix_ecam_writel(PciFixture *f, int bus, int devfn, uint32_t reg, uint32_t v)
{
    address_space_stl(f->as, ecam_addr(bus, devfn, reg), v);
}

static inline uint32_t fix_mmio_readl(PciFixture *f, hwaddr addr)
{
    MemTxResult r;
    uint32_t v = address_space_ldl(f->as, addr, &r);

    g_assert_cmpint(r, ==, MEMTX_OK);
    return v;
}

static inline void fix_mmio_writel(PciFixture *f, hwaddr addr, uint32_t v)
{
    g_assert_cmpint(address_space_stl(f->as, addr, v), ==, MEMTX_OK);
}

#endif /* TEST_PCI_FIXTURE_H */
