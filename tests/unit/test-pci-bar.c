/*
 * PCI unit tests: BAR sizing, mapping on decode enable, moves seen by a memory listener as
 * exactly one region_del and one region_add, no-op rewrites, 64-bit and I/O BARs, DMA.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "test-pci-fixture.h"

#define TD_DEVFN PCI_DEVFN(3, 0)
#define BAR0_ADDR 0xc0000000u
#define BAR0_MOVED 0xc0010000u

typedef struct {
    MemoryListener ml;
    GPtrArray *log;
} BarListener;

static void bl_record(MemoryListener *ml, const char *what, MemoryRegionSection *s)
{
    BarListener *bl = (BarListener *)ml;

    /* Only the BAR regions are of interest. */
    if (!strstr(memory_region_name(s->mr), "bar")) {
        return;
    }
    g_ptr_array_add(bl->log, g_strdup_printf("%s %" G_GINT64_MODIFIER "x+%" G_GINT64_MODIFIER "x",
                                             what, s->offset_within_address_space, s->size));
}

static void bl_add(MemoryListener *ml, MemoryRegionSection *s)
{
    bl_record(ml, "add", s);
}

static void bl_del(MemoryListener *ml, MemoryRegionSection *s)
{
    bl_record(ml, "del", s);
}

static char *bl_take(BarListener *bl)
{
    GString *out = g_string_new("");

    for (guint i = 0; i < bl->log->len; i++) {
        g_string_append_printf(out, "%s%s", i ? "; " : "", (char *)bl->log->pdata[i]);
    }
    g_ptr_array_set_size(bl->log, 0);
    return g_string_free(out, FALSE);
}

static void assert_log(BarListener *bl, const char *expect)
{
    g_autofree char *got = bl_take(bl);

    g_assert_cmpstr(got, ==, expect);
}

static void test_sizing(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,addr=3");

    (void)data;
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, 4), ==, 0);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_1, 4), ==, 1);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_2, 4), ==, 0xc);
    for (uint32_t reg = PCI_BASE_ADDRESS_0; reg <= PCI_BASE_ADDRESS_5; reg += 4) {
        fix_cfg_write(f, 0, TD_DEVFN, reg, 0xffffffff, 4);
    }
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, 4), ==,
                    (uint32_t) ~(TESTDEV_BAR0_SIZE - 1));
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_1, 4), ==,
                    (uint32_t) ~(TESTDEV_IO_SIZE - 1) | PCI_BASE_ADDRESS_SPACE_IO);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_2, 4), ==,
                    (uint32_t) ~(TESTDEV_BAR2_SIZE - 1) | 0xc);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_3, 4), ==, 0xffffffff);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_4, 4), ==,
                    (uint32_t) ~(pci_bar_size(dev, 4) - 1));
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_5, 4), ==, 0);
    g_assert_cmpuint(pci_bar_size(dev, 0), ==, TESTDEV_BAR0_SIZE);
    g_assert_cmpuint(pci_bar_size(dev, 3), ==, 0);
    g_assert_cmpuint(pci_bar_size(dev, 5), ==, 0);
    /* Decoding is off: nothing is mapped whatever the BARs say. */
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        g_assert_cmphex(pci_bar_address(dev, i), ==, PCI_BAR_UNMAPPED);
    }
}

static void test_move(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,addr=3");
    BarListener bl = {.ml = {.region_add = bl_add, .region_del = bl_del, .name = "bar-test"}};
    MemTxResult res;

    (void)data;
    bl.log = g_ptr_array_new_with_free_func(g_free);
    memory_listener_register(&bl.ml, f->as);
    assert_log(&bl, "");

    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, BAR0_ADDR, 4);
    assert_log(&bl, "");
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    assert_log(&bl, "add c0000000+1000");
    g_assert_cmphex(pci_bar_address(dev, 0), ==, BAR0_ADDR);
    fix_mmio_writel(f, BAR0_ADDR + TESTDEV_REG_SCRATCH, 0xfeedf00d);
    g_assert_cmphex(fix_mmio_readl(f, BAR0_ADDR + TESTDEV_REG_SCRATCH), ==, 0xfeedf00d);

    /* A move is one del and one add; rewriting the same address (or command) is nothing. */
    fix_ecam_writel(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, BAR0_MOVED);
    assert_log(&bl, "del c0000000+1000; add c0010000+1000");
    fix_ecam_writel(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, BAR0_MOVED);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, BAR0_MOVED | 0x123, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    assert_log(&bl, "");
    g_assert_cmphex(fix_mmio_readl(f, BAR0_MOVED + TESTDEV_REG_ID), ==, TESTDEV_ID_VALUE);
    address_space_ldl(f->as, BAR0_ADDR, &res);
    g_assert_cmpint(res, ==, MEMTX_DECODE_ERROR);

    /* Decode off unmaps, on maps again. */
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, 0, 2);
    assert_log(&bl, "del c0010000+1000");
    address_space_ldl(f->as, BAR0_MOVED, &res);
    g_assert_cmpint(res, ==, MEMTX_DECODE_ERROR);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    assert_log(&bl, "add c0010000+1000");
    /* Address 0 means unprogrammed: unmapped. */
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, 0, 4);
    assert_log(&bl, "del c0010000+1000");
    g_assert_cmphex(pci_bar_address(dev, 0), ==, PCI_BAR_UNMAPPED);

    memory_listener_unregister(&bl.ml);
    g_ptr_array_unref(bl.log);
}

static void test_bar64(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,addr=3");
    BarListener bl = {.ml = {.region_add = bl_add, .region_del = bl_del, .name = "bar-test"}};
    uint64_t addr = 0x800000000ULL;

    (void)data;
    bl.log = g_ptr_array_new_with_free_func(g_free);
    memory_listener_register(&bl.ml, f->as);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_2, addr & 0xffffffff, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_3, addr >> 32, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    assert_log(&bl, "add 800000000+10000");
    g_assert_cmphex(pci_bar_address(dev, 2), ==, addr);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_2, 4), ==, 0xc);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_3, 4), ==, 8);
    /* The BAR is RAM: reads return what was written. */
    g_assert_cmpint(address_space_stq(f->as, addr + 0x100, 0x0123456789abcdefULL), ==, MEMTX_OK);
    g_assert_cmphex(address_space_ldq(f->as, addr + 0x100, NULL), ==, 0x0123456789abcdefULL);
    /* Moving the high half moves the whole BAR. */
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_3, 0x10, 4);
    assert_log(&bl, "del 800000000+10000; add 1000000000+10000");
    g_assert_cmphex(address_space_ldq(f->as, 0x1000000100ULL, NULL), ==, 0x0123456789abcdefULL);
    memory_listener_unregister(&bl.ml);
    g_ptr_array_unref(bl.log);
}

static void test_io_bar(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,addr=3");
    MemTxResult res;

    (void)data;
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_1, 0xc000, 4);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_1, 4), ==, 0xc001);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(pci_bar_address(dev, 1), ==, PCI_BAR_UNMAPPED);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_IO, 2);
    g_assert_cmphex(pci_bar_address(dev, 1), ==, 0xc000);
    address_space_stb(f->io_as, 0xc010, 0x5a);
    address_space_stw(f->io_as, 0xc012, 0xbeef);
    g_assert_cmphex(address_space_ldl(f->io_as, 0xc010, &res), ==, 0xbeef005a);
    g_assert_cmpint(res, ==, MEMTX_OK);
    /* Beyond 64 KiB of I/O space: unmapped. */
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_1, 0x10000, 4);
    g_assert_cmphex(pci_bar_address(dev, 1), ==, PCI_BAR_UNMAPPED);
}

static void test_dma(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,addr=3");
    uint32_t v = 0;

    (void)data;
    g_assert_true(pci_get_address_space(dev) == f->as);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, BAR0_ADDR, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    fix_mmio_writel(f, BAR0_ADDR + TESTDEV_REG_DMA_LO, 0x2000);
    fix_mmio_writel(f, BAR0_ADDR + TESTDEV_REG_DMA_HI, 0);
    /* Without bus mastering the write goes nowhere. */
    fix_mmio_writel(f, BAR0_ADDR + TESTDEV_REG_DMA_DATA, 0xabcd1234);
    g_assert_cmphex(address_space_ldl(f->as, 0x2000, NULL), ==, 0);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    fix_mmio_writel(f, BAR0_ADDR + TESTDEV_REG_DMA_DATA, 0xabcd1234);
    g_assert_cmphex(address_space_ldl(f->as, 0x2000, NULL), ==, 0xabcd1234);
    address_space_stl(f->as, 0x2000, 0x600d);
    g_assert_cmphex(fix_mmio_readl(f, BAR0_ADDR + TESTDEV_REG_DMA_DATA), ==, 0x600d);
    g_assert_cmpint(pci_dma_read(dev, 0x2000, &v, 4), ==, MEMTX_OK);
    g_assert_cmphex(GUINT32_FROM_LE(v), ==, 0x600d);

    /* DMA aimed at the device's own registers is dropped instead of recursing. */
    fix_mmio_writel(f, BAR0_ADDR + TESTDEV_REG_DMA_LO, BAR0_ADDR + TESTDEV_REG_DMA_DATA);
    fix_mmio_writel(f, BAR0_ADDR + TESTDEV_REG_DMA_DATA, 1);
    g_assert_cmphex(fix_mmio_readl(f, BAR0_ADDR + TESTDEV_REG_DMA_DATA), ==, 0xffffffff);
    fix_mmio_writel(f, BAR0_ADDR + TESTDEV_REG_DMA_LO, BAR0_ADDR + TESTDEV_REG_SCRATCH);
    fix_mmio_writel(f, BAR0_ADDR + TESTDEV_REG_DMA_DATA, 7);
    g_assert_cmphex(fix_mmio_readl(f, BAR0_ADDR + TESTDEV_REG_SCRATCH), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/pci/bar/" path, PciFixture, NULL, fix_setup, fn, fix_teardown)
    ADD("sizing", test_sizing);
    ADD("move", test_move);
    ADD("64bit", test_bar64);
    ADD("io", test_io_bar);
    ADD("dma", test_dma);
#undef ADD
    return g_test_run();
}
