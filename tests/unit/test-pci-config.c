/*
 * PCI unit tests: config space through CF8/CFC and ECAM, write masks, capabilities, slot
 * allocation and its errors, root ports, the expansion ROM, reset and query-pci.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib/gstdio.h>
#include <unistd.h>

#include "monitor/qmp.h"
#include "test-pci-fixture.h"

#define TD_DEVFN PCI_DEVFN(3, 0)

static void test_host_bridge(PciFixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmphex(fix_cfg_read(f, 0, 0, PCI_VENDOR_ID, 4), ==, 0x29c08086);
    g_assert_cmphex(fix_ecam_readl(f, 0, 0, PCI_VENDOR_ID), ==, 0x29c08086);
    g_assert_cmphex(fix_cfg_read(f, 0, 0, PCI_CLASS_DEVICE, 2), ==, 0x0600);
    g_assert_cmphex(fix_cfg_read(f, 0, 0, PCI_HEADER_TYPE, 1), ==, 0);
    /* Nothing at 00.1, 01.0 or on bus 1. */
    g_assert_cmphex(fix_cfg_read(f, 0, 1, PCI_VENDOR_ID, 4), ==, 0xffffffff);
    g_assert_cmphex(fix_cfg_read(f, 0, PCI_DEVFN(1, 0), PCI_VENDOR_ID, 2), ==, 0xffff);
    g_assert_cmphex(fix_ecam_readl(f, 1, 0, PCI_VENDOR_ID), ==, 0xffffffff);
    /* CF8 reads back; without the enable bit CFC reads all-ones. */
    address_space_stl(f->io_as, 0xcf8, 0x80000008);
    g_assert_cmphex(address_space_ldl(f->io_as, 0xcf8, NULL), ==, 0x80000008);
    address_space_stl(f->io_as, 0xcf8, 0x00000000);
    g_assert_cmphex(address_space_ldl(f->io_as, 0xcfc, NULL), ==, 0xffffffff);
}

static void test_config_access(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,id=td,addr=3");

    (void)data;
    g_assert_cmpint(pci_device_devfn(dev), ==, TD_DEVFN);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, 0, 4), ==,
                    TESTDEV_DEVICE_ID << 16 | TESTDEV_VENDOR_ID);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, 2, 2), ==, TESTDEV_DEVICE_ID);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, 1, 1), ==, TESTDEV_VENDOR_ID >> 8);
    g_assert_cmphex(fix_ecam_readl(f, 0, TD_DEVFN, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    0x1100 << 16 | TESTDEV_VENDOR_ID);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_INTERRUPT_PIN, 1), ==, 1);

    /* Read-only ids ignore writes; the command register keeps its writable bits only. */
    fix_cfg_write(f, 0, TD_DEVFN, PCI_VENDOR_ID, 0x12345678, 4);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_VENDOR_ID, 2), ==, TESTDEV_VENDOR_ID);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, 0xffff, 2);
    g_assert_cmphex(fix_ecam_readl(f, 0, TD_DEVFN, PCI_COMMAND) & 0xffff, ==,
                    PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
                        PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    fix_ecam_writel(f, 0, TD_DEVFN, PCI_COMMAND, 0);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_COMMAND, 2), ==, 0);

    /* Interrupt line is plain read/write; status error bits are write-1-to-clear. */
    fix_cfg_write(f, 0, TD_DEVFN, PCI_INTERRUPT_LINE, 0x0b, 1);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_INTERRUPT_LINE, 1), ==, 0x0b);
    pci_set_word(pci_config(dev) + PCI_STATUS,
                 pci_get_word(pci_config(dev) + PCI_STATUS) | PCI_STATUS_REC_MASTER_ABORT);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_STATUS, 0, 2);
    g_assert_true(fix_cfg_read(f, 0, TD_DEVFN, PCI_STATUS, 2) & PCI_STATUS_REC_MASTER_ABORT);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT, 2);
    g_assert_false(fix_cfg_read(f, 0, TD_DEVFN, PCI_STATUS, 2) & PCI_STATUS_REC_MASTER_ABORT);

    /* Beyond 256 bytes of a conventional device and misaligned accesses: all-ones. */
    g_assert_cmphex(fix_ecam_readl(f, 0, TD_DEVFN, 0x100), ==, 0xffffffff);
    g_assert_cmphex(pci_config_read(dev, 1, 2), ==, 0xffff);
}

static void test_capabilities(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,addr=3");
    GError *err = NULL;
    uint8_t msix, vndr;
    int seen = 0;

    (void)f;
    (void)data;
    g_assert_true(fix_cfg_read(f, 0, TD_DEVFN, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
    g_assert_cmpint(pci_find_capability(dev, PCI_CAP_ID_MSI), ==, TESTDEV_MSI_CAP);
    msix = pci_find_capability(dev, PCI_CAP_ID_MSIX);
    g_assert_cmpint(msix, !=, 0);
    g_assert_cmpint(msix_cap_offset(dev), ==, msix);
    /* The guest walks the same list. */
    for (uint8_t p = fix_cfg_read(f, 0, TD_DEVFN, PCI_CAPABILITY_LIST, 1); p;
         p = fix_cfg_read(f, 0, TD_DEVFN, p + 1, 1)) {
        uint8_t id = fix_cfg_read(f, 0, TD_DEVFN, p, 1);

        g_assert_true(id == PCI_CAP_ID_MSI || id == PCI_CAP_ID_MSIX);
        seen++;
    }
    g_assert_cmpint(seen, ==, 2);

    /* Overlap, misplacement, then a free spot and removal. */
    g_assert_cmpint(pci_add_capability(dev, PCI_CAP_ID_VNDR, TESTDEV_MSI_CAP + 4, 8, &err), ==, 0);
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_FAILED);
    g_assert_nonnull(strstr(err->message, "hostdev-testdev"));
    g_assert_nonnull(strstr(err->message, "overlaps"));
    g_clear_error(&err);
    g_assert_cmpint(pci_add_capability(dev, PCI_CAP_ID_VNDR, 0x20, 8, &err), ==, 0);
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_FAILED);
    g_clear_error(&err);
    vndr = pci_add_capability(dev, PCI_CAP_ID_VNDR, 0, 8, &err);
    g_assert_no_error(err);
    g_assert_cmpint(vndr, >=, 0x40);
    g_assert_cmpint(pci_find_capability(dev, PCI_CAP_ID_VNDR), ==, vndr);
    g_assert_cmpint(fix_cfg_read(f, 0, TD_DEVFN, PCI_CAPABILITY_LIST, 1), ==, vndr);
    pci_del_capability(dev, PCI_CAP_ID_VNDR);
    g_assert_cmpint(pci_find_capability(dev, PCI_CAP_ID_VNDR), ==, 0);
    g_assert_cmpint(pci_find_capability(dev, PCI_CAP_ID_MSI), ==, TESTDEV_MSI_CAP);
    g_assert_cmpint(pci_find_capability(dev, PCI_CAP_ID_MSIX), ==, msix);
    /* Conventional: no extended capabilities. */
    g_assert_false(pcie_add_capability(dev, PCI_EXT_CAP_ID_DSN, 1, 0x100, 12, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
}

static void test_express(PciFixture *f, gconstpointer data)
{
    HdPciDevice *rp = fix_device("pcie-root-port,id=rpx,addr=4");
    int devfn = PCI_DEVFN(4, 0);
    GError *err = NULL;
    uint32_t header;

    (void)data;
    g_assert_cmpuint(pci_config_size(rp), ==, PCIE_CONFIG_SPACE_SIZE);
    g_assert_cmphex(fix_ecam_readl(f, 0, devfn, 0x100), ==, 0);
    g_assert_true(pcie_add_capability(rp, PCI_EXT_CAP_ID_DSN, 1, 0x100, 12, &err));
    g_assert_true(pcie_add_capability(rp, PCI_EXT_CAP_ID_ARI, 1, 0x140, 8, &err));
    g_assert_no_error(err);
    g_assert_false(pcie_add_capability(rp, PCI_EXT_CAP_ID_ERR, 1, 0x104, 8, &err));
    g_assert_nonnull(strstr(err->message, "pcie-root-port 'rpx'"));
    g_clear_error(&err);
    header = fix_ecam_readl(f, 0, devfn, 0x100);
    g_assert_cmphex(PCI_EXT_CAP_ID(header), ==, PCI_EXT_CAP_ID_DSN);
    g_assert_cmphex(PCI_EXT_CAP_NEXT(header), ==, 0x140);
    g_assert_cmphex(PCI_EXT_CAP_ID(fix_ecam_readl(f, 0, devfn, 0x140)), ==, PCI_EXT_CAP_ID_ARI);
    g_assert_cmpuint(pcie_find_capability(rp, PCI_EXT_CAP_ID_ARI), ==, 0x140);
    g_assert_cmpuint(pcie_find_capability(rp, PCI_EXT_CAP_ID_ERR), ==, 0);
    /* CF8/CFC reaches only the first 256 bytes. */
    g_assert_cmphex(fix_cfg_read(f, 0, devfn, PCI_VENDOR_ID, 2), ==, 0x1b36);
}

static void expect_error(const char *text, const char *needle1, const char *needle2)
{
    GError *err = NULL;

    g_assert_null(fix_device_try(text, &err));
    g_assert_nonnull(err);
    if (g_test_verbose()) {
        g_test_message("%s -> %s", text, err->message);
    }
    g_assert_nonnull(strstr(err->message, needle1));
    if (needle2) {
        g_assert_nonnull(strstr(err->message, needle2));
    }
    g_assert_null(strchr(err->message, '\n'));
    g_error_free(err);
}

static void test_slot_errors(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev;

    (void)f;
    (void)data;
    expect_error("hostdev-testdev,id=bad1,addr=zz", "hostdev-testdev 'bad1'", "addr=zz");
    expect_error("hostdev-testdev,id=bad2,addr=20", "'bad2'", "addr=20");
    expect_error("hostdev-testdev,id=bad3,addr=3.8", "'bad3'", "addr=3.8");
    expect_error("hostdev-testdev,id=bad4,addr=3.", "'bad4'", "addr=3.");
    expect_error("hostdev-testdev,id=bad5,addr=0", "'bad5'", "in use by mch");

    fix_device("hostdev-testdev,id=a,addr=0x5");
    expect_error("hostdev-testdev,id=dup,addr=5", "hostdev-testdev 'dup'",
                 "in use by hostdev-testdev 'a'");
    /* Function 1 behind a single-function device. */
    expect_error("hostdev-testdev,id=fn1,addr=5.1", "'fn1'", "multifunction=on");

    /* A multifunction slot, then function 0 single-function while others exist. */
    dev = fix_device("hostdev-testdev,id=m0,addr=6.0,multifunction=on");
    g_assert_cmphex(pci_get_byte(pci_config(dev) + PCI_HEADER_TYPE), ==, 0x80);
    fix_device("hostdev-testdev,id=m1,addr=6.1");
    fix_device("hostdev-testdev,id=m7,addr=6.7");
    fix_device("hostdev-testdev,id=lone,addr=7.2");
    expect_error("hostdev-testdev,id=f0,addr=7", "'f0'", "multifunction=on");

    /* Automatic slots skip used ones: 0 (mch), 5, 6, 7 are taken. */
    dev = fix_device("hostdev-testdev,id=auto1");
    g_assert_cmpint(pci_device_devfn(dev), ==, PCI_DEVFN(1, 0));
    g_autofree char *addr = NULL;
    g_object_get(dev, "addr", &addr, NULL);
    g_assert_cmpstr(addr, ==, "01.0");

    /* Unknown bus; a failed realize leaves the slot free. */
    expect_error("hostdev-testdev,id=nb,bus=nope", "'nb'", "'nope'");
    expect_error("hostdev-testdev,id=v0,addr=9,msi-vectors=3", "'v0'", "MSI");
    fix_device("hostdev-testdev,id=v1,addr=9");
}

static void test_root_port(PciFixture *f, gconstpointer data)
{
    HdPciDevice *rp = fix_device("pcie-root-port,id=rp1,chassis=1,slot=2,addr=4");
    HdPciDevice *dev = fix_device("hostdev-testdev,id=behind,bus=rp1");
    int rp_devfn = PCI_DEVFN(4, 0);
    uint8_t exp;

    (void)data;
    g_assert_nonnull(hd_bus_find("rp1"));
    g_assert_true(pci_device_get_bus(dev) == pci_bridge_get_sec_bus(rp));
    g_assert_true(pci_bus_get_bridge(pci_device_get_bus(dev)) == rp);
    g_assert_cmphex(fix_cfg_read(f, 0, rp_devfn, PCI_VENDOR_ID, 4), ==, 0x000c1b36);
    g_assert_cmphex(fix_cfg_read(f, 0, rp_devfn, PCI_HEADER_TYPE, 1), ==, 1);
    g_assert_cmphex(fix_cfg_read(f, 0, rp_devfn, PCI_CLASS_DEVICE, 2), ==, 0x0604);
    exp = pci_find_capability(rp, PCI_CAP_ID_EXP);
    g_assert_cmpint(exp, !=, 0);
    g_assert_cmphex((fix_ecam_readl(f, 0, rp_devfn, exp) >> 16) & PCI_EXP_FLAGS_TYPE, ==,
                    PCI_EXP_TYPE_ROOT_PORT << 4);
    g_assert_cmpint(fix_ecam_readl(f, 0, rp_devfn, exp + PCI_EXP_SLTCAP) >> 19, ==, 2);

    /* Unprogrammed bridge: nothing behind it answers. */
    g_assert_cmphex(fix_cfg_read(f, 1, 0, PCI_VENDOR_ID, 4), ==, 0xffffffff);
    fix_cfg_write(f, 0, rp_devfn, PCI_PRIMARY_BUS, 0x00020100, 4);
    g_assert_cmphex(fix_cfg_read(f, 0, rp_devfn, PCI_SECONDARY_BUS, 1), ==, 1);
    g_assert_cmphex(fix_cfg_read(f, 1, 0, PCI_VENDOR_ID, 4), ==,
                    TESTDEV_DEVICE_ID << 16 | TESTDEV_VENDOR_ID);
    g_assert_cmphex(fix_ecam_readl(f, 1, 0, PCI_VENDOR_ID), ==,
                    TESTDEV_DEVICE_ID << 16 | TESTDEV_VENDOR_ID);
    g_assert_cmpint(pci_device_bus_number(dev), ==, 1);
    g_assert_cmphex(fix_ecam_readl(f, 2, 0, PCI_VENDOR_ID), ==, 0xffffffff);
    g_assert_cmphex(fix_ecam_readl(f, 1, PCI_DEVFN(1, 0), PCI_VENDOR_ID), ==, 0xffffffff);
    g_autofree char *bdf = pci_device_bdf_string(dev);
    g_assert_cmpstr(bdf, ==, "01:00.0");

    /* A port has one slot; a port without id gets a generated bus name. */
    expect_error("hostdev-testdev,id=second,bus=rp1", "'second'", "one slot, in use by hostdev-testdev 'behind'");
    expect_error("hostdev-testdev,id=third,bus=rp1,addr=1", "'third'", "slot 0");
    dev = fix_device("pcie-root-port,addr=8");
    g_assert_nonnull(pci_bridge_get_sec_bus(dev));

    /* Secondary bus reset resets the device behind. */
    HdPciDevice *behind = pci_bus_get_device(pci_bridge_get_sec_bus(rp), 0);
    fix_cfg_write(f, 1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(fix_cfg_read(f, 1, 0, PCI_COMMAND, 2), ==, PCI_COMMAND_MEMORY);
    fix_cfg_write(f, 0, rp_devfn, PCI_BRIDGE_CONTROL, PCI_BRIDGE_CTL_BUS_RESET, 2);
    fix_cfg_write(f, 0, rp_devfn, PCI_BRIDGE_CONTROL, 0, 2);
    g_assert_cmphex(pci_get_word(pci_config(behind) + PCI_COMMAND), ==, 0);
}

static void test_reset(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,id=r,addr=3");
    HdPciDevice *rp = fix_device("pcie-root-port,id=rpr,addr=4");

    (void)data;
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, 0xc0000000, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(pci_bar_address(dev, 0), ==, 0xc0000000);
    fix_mmio_writel(f, 0xc0000000 + TESTDEV_REG_SCRATCH, 0x1234);
    g_assert_cmphex(fix_mmio_readl(f, 0xc0000000 + TESTDEV_REG_SCRATCH), ==, 0x1234);
    fix_cfg_write(f, 0, PCI_DEVFN(4, 0), PCI_SECONDARY_BUS, 5, 1);

    hd_device_reset(f->host);
    g_assert_cmphex(address_space_ldl(f->io_as, 0xcf8, NULL), ==, 0);
    g_assert_cmphex(pci_bar_address(dev, 0), ==, PCI_BAR_UNMAPPED);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, 4), ==, 0);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_COMMAND, 2), ==, 0);
    g_assert_cmphex(pci_get_byte(pci_config(rp) + PCI_SECONDARY_BUS), ==, 0);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, 0xc0000000, 4);
    g_assert_cmphex(fix_mmio_readl(f, 0xc0000000 + TESTDEV_REG_SCRATCH), ==, 0);
    g_assert_cmphex(fix_mmio_readl(f, 0xc0000000 + TESTDEV_REG_ID), ==, TESTDEV_ID_VALUE);
}

static void test_romfile(PciFixture *f, gconstpointer data)
{
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    GError *err = NULL;
    HdPciDevice *dev;
    int fd;

    (void)data;
    fd = g_file_open_tmp("hostdev-rom-XXXXXX", &path, &err);
    g_assert_no_error(err);
    g_assert_cmpint(write(fd, "\x55\xaaROM", 5), ==, 5);
    close(fd);
    text = g_strdup_printf("hostdev-testdev,id=rom,addr=3,romfile=%s", path);
    dev = fix_device(text);
    g_assert_cmpuint(pci_bar_size(dev, PCI_ROM_SLOT), ==, 0x800);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_ROM_ADDRESS, 0xffffffff, 4);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_ROM_ADDRESS, 4), ==, 0xfffff801);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_ROM_ADDRESS, 0xc0100000, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(pci_bar_address(dev, PCI_ROM_SLOT), ==, PCI_BAR_UNMAPPED);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_ROM_ADDRESS, 0xc0100001, 4);
    g_assert_cmphex(pci_bar_address(dev, PCI_ROM_SLOT), ==, 0xc0100000);
    g_assert_cmphex(fix_mmio_readl(f, 0xc0100000), ==, 0x4f52aa55);
    /* Read-only: writes are dropped. */
    fix_mmio_writel(f, 0xc0100000, 0);
    g_assert_cmphex(fix_mmio_readl(f, 0xc0100000), ==, 0x4f52aa55);

    /* rombar=0 hides it; a missing file fails naming device and file. */
    g_free(text);
    text = g_strdup_printf("hostdev-testdev,id=norom,addr=4,romfile=%s,rombar=0", path);
    dev = fix_device(text);
    g_assert_cmpuint(pci_bar_size(dev, PCI_ROM_SLOT), ==, 0);
    fix_cfg_write(f, 0, PCI_DEVFN(4, 0), PCI_ROM_ADDRESS, 0xffffffff, 4);
    g_assert_cmphex(fix_cfg_read(f, 0, PCI_DEVFN(4, 0), PCI_ROM_ADDRESS, 4), ==, 0);
    g_unlink(path);
    g_free(text);
    text = g_strdup_printf("hostdev-testdev,id=gone,addr=5,romfile=%s", path);
    expect_error(text, "hostdev-testdev 'gone'", path);
}

static JsonObject *find_device(JsonArray *devices, int slot)
{
    for (guint i = 0; i < json_array_get_length(devices); i++) {
        JsonObject *d = json_array_get_object_element(devices, i);

        if (json_object_get_int_member(d, "slot") == slot) {
            return d;
        }
    }
    return NULL;
}

static void test_query_pci(PciFixture *f, gconstpointer data)
{
    g_autoptr(JsonNode) reply = NULL;
    JsonArray *buses, *devices, *regions;
    JsonObject *d, *r, *bridge;

    (void)data;
    fix_device("hostdev-testdev,id=q,addr=3");
    fix_device("pcie-root-port,id=qrp,addr=4");
    fix_device("hostdev-testdev,id=qb,bus=qrp");
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, 0xc0000000, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    fix_cfg_write(f, 0, PCI_DEVFN(4, 0), PCI_SECONDARY_BUS, 0x0202, 2);

    g_assert_true(qmp_has_command("query-pci"));
    reply = pci_query_pci();
    buses = json_node_get_array(reply);
    g_assert_cmpuint(json_array_get_length(buses), ==, 1);
    devices = json_object_get_array_member(json_array_get_object_element(buses, 0), "devices");
    g_assert_cmpuint(json_array_get_length(devices), ==, 3);

    d = find_device(devices, 0);
    g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(d, "id"), "vendor"),
                    ==, 0x8086);
    g_assert_cmpstr(
        json_object_get_string_member(json_object_get_object_member(d, "class_info"), "desc"), ==,
        "Host bridge");

    d = find_device(devices, 3);
    g_assert_cmpstr(json_object_get_string_member(d, "qdev_id"), ==, "q");
    g_assert_cmpint(json_object_get_int_member(d, "function"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(d, "irq_pin"), ==, 1);
    regions = json_object_get_array_member(d, "regions");
    g_assert_cmpuint(json_array_get_length(regions), ==, 4);
    r = json_array_get_object_element(regions, 0);
    g_assert_cmpint(json_object_get_int_member(r, "bar"), ==, 0);
    g_assert_cmpstr(json_object_get_string_member(r, "type"), ==, "memory");
    g_assert_cmpint(json_object_get_int_member(r, "address"), ==, 0xc0000000);
    g_assert_cmpint(json_object_get_int_member(r, "size"), ==, TESTDEV_BAR0_SIZE);
    r = json_array_get_object_element(regions, 1);
    g_assert_cmpstr(json_object_get_string_member(r, "type"), ==, "io");
    g_assert_cmpint(json_object_get_int_member(r, "address"), ==, -1);
    r = json_array_get_object_element(regions, 2);
    g_assert_true(json_object_get_boolean_member(r, "mem_type_64"));
    g_assert_true(json_object_get_boolean_member(r, "prefetch"));

    d = find_device(devices, 4);
    bridge = json_object_get_object_member(d, "pci_bridge");
    g_assert_cmpint(
        json_object_get_int_member(json_object_get_object_member(bridge, "bus"), "secondary"), ==,
        2);
    devices = json_object_get_array_member(bridge, "devices");
    g_assert_cmpuint(json_array_get_length(devices), ==, 1);
    d = json_array_get_object_element(devices, 0);
    g_assert_cmpstr(json_object_get_string_member(d, "qdev_id"), ==, "qb");
    g_assert_cmpint(json_object_get_int_member(d, "bus"), ==, 2);
}

static void test_unplug(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,id=u,addr=3");

    (void)data;
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, 0xc0000000, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_object_ref(dev);
    hd_device_unrealize(HD_DEVICE(dev));
    hd_device_unplug(HD_DEVICE(dev));
    g_object_unref(dev);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, PCI_VENDOR_ID, 4), ==, 0xffffffff);
    g_assert_cmphex(address_space_ldl(f->as, 0xc0000000, NULL), ==, 0xffffffff);
    /* The slot is free again. */
    fix_device("hostdev-testdev,id=u2,addr=3");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/pci/config/" path, PciFixture, NULL, fix_setup, fn, fix_teardown)
    ADD("host-bridge", test_host_bridge);
    ADD("access", test_config_access);
    ADD("capabilities", test_capabilities);
    ADD("express", test_express);
    ADD("slot-errors", test_slot_errors);
    ADD("root-port", test_root_port);
    ADD("reset", test_reset);
    ADD("romfile", test_romfile);
    ADD("query-pci", test_query_pci);
    ADD("unplug", test_unplug);
#undef ADD
    return g_test_run();
}
