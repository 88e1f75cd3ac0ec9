/*
 * Unit test of vfio-pci's config space virtualization helpers, no kernel: merging emulated
 * and device bits, walking a device's capability list (loops, bad pointers) and sizing
 * capabilities between their neighbours, and which capabilities pass through.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "pci.h"

static void test_merge(void)
{
    g_assert_cmphex(vfio_pci_config_merge(0x11223344, 0xaabbccdd, 0), ==, 0xaabbccdd);
    g_assert_cmphex(vfio_pci_config_merge(0x11223344, 0xaabbccdd, 0xffffffff), ==, 0x11223344);
    /* Status word: CAP_LIST and INTERRUPT emulated, the error bits from the device. */
    g_assert_cmphex(vfio_pci_config_merge(0x0010, 0xf908, 0x0018), ==, 0xf910);
    g_assert_cmphex(vfio_pci_config_merge(0xff00ff00, 0x00ff00ff, 0xffff0000), ==, 0xff0000ff);
}

/* A config space with capabilities (id, offset, next) chained from 0x34. */
static void build(uint8_t *c, const uint8_t (*caps)[3], unsigned n)
{
    memset(c, 0, PCI_CONFIG_SPACE_SIZE);
    pci_set_word(c + PCI_STATUS, PCI_STATUS_CAP_LIST);
    c[PCI_CAPABILITY_LIST] = n ? caps[0][1] : 0;
    for (unsigned i = 0; i < n; i++) {
        c[caps[i][1]] = caps[i][0];
        c[caps[i][1] + 1] = caps[i][2];
    }
}

static void test_walk(void)
{
    static const uint8_t nvme_like[][3] = {
        {PCI_CAP_ID_PM, 0x40, 0x50},
        {PCI_CAP_ID_MSIX, 0x50, 0x60},
        {PCI_CAP_ID_EXP, 0x60, 0x00},
    };
    static const uint8_t looped[][3] = {
        {PCI_CAP_ID_PM, 0x40, 0x48},
        {PCI_CAP_ID_MSI, 0x48, 0x40},
    };
    static const uint8_t into_header[][3] = {
        {PCI_CAP_ID_PM, 0x40, 0x10},
    };
    uint8_t c[PCI_CONFIG_SPACE_SIZE], offs[48];

    build(c, nvme_like, 3);
    g_assert_cmpuint(vfio_pci_cap_walk(c, offs, 48), ==, 3);
    g_assert_cmphex(offs[0], ==, 0x40);
    g_assert_cmphex(offs[1], ==, 0x50);
    g_assert_cmphex(offs[2], ==, 0x60);
    /* The walk stops at @max. */
    g_assert_cmpuint(vfio_pci_cap_walk(c, offs, 2), ==, 2);
    /* No CAP_LIST bit: no list, whatever 0x34 says. */
    pci_set_word(c + PCI_STATUS, 0);
    g_assert_cmpuint(vfio_pci_cap_walk(c, offs, 48), ==, 0);

    build(c, looped, 2);
    g_assert_cmpuint(vfio_pci_cap_walk(c, offs, 48), ==, 2);
    build(c, into_header, 1);
    g_assert_cmpuint(vfio_pci_cap_walk(c, offs, 48), ==, 1);
    /* Low pointer bits are reserved and ignored. */
    build(c, nvme_like, 3);
    c[PCI_CAPABILITY_LIST] = 0x43;
    g_assert_cmpuint(vfio_pci_cap_walk(c, offs, 48), ==, 3);
}

static void test_size(void)
{
    static const uint8_t caps[][3] = {
        {PCI_CAP_ID_PM, 0x40, 0x50},  {PCI_CAP_ID_MSI, 0x50, 0x70}, {PCI_CAP_ID_VNDR, 0x70, 0x80},
        {PCI_CAP_ID_EXP, 0x80, 0xd0}, {0x03 /* VPD */, 0xd0, 0x00},
    };
    uint8_t c[PCI_CONFIG_SPACE_SIZE], offs[48];
    unsigned n;

    build(c, caps, 5);
    /* MSI, 64-bit with per-vector masking: 24 bytes. */
    pci_set_word(c + 0x50 + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
    c[0x70 + 2] = 0x0c;                             /* vendor capability length */
    pci_set_word(c + 0x80 + PCI_EXP_FLAGS, 0x0002); /* version 2 */
    n = vfio_pci_cap_walk(c, offs, 48);
    g_assert_cmpuint(n, ==, 5);
    g_assert_cmpuint(vfio_pci_cap_size(c, 0x40, offs, n), ==, 8);
    g_assert_cmpuint(vfio_pci_cap_size(c, 0x50, offs, n), ==, 24);
    g_assert_cmpuint(vfio_pci_cap_size(c, 0x70, offs, n), ==, 0x0c);
    /* PCIe v2 is 0x3c bytes, but the next capability starts 0x50 later: fits. */
    g_assert_cmpuint(vfio_pci_cap_size(c, 0x80, offs, n), ==, 0x3c);
    /* VPD: address and data registers, 8 bytes. */
    g_assert_cmpuint(vfio_pci_cap_size(c, 0xd0, offs, n), ==, 8);
    /* Unknown: up to the end of config space. */
    c[0xd0] = 0x30;
    g_assert_cmpuint(vfio_pci_cap_size(c, 0xd0, offs, n), ==, 0x30);
    /* PCI-X: 8 bytes, 24 with the ECC registers of version 1 and 2. */
    c[0xd0] = PCI_CAP_ID_PCIX;
    g_assert_cmpuint(vfio_pci_cap_size(c, 0xd0, offs, n), ==, 8);
    pci_set_long(c + 0xd0 + PCI_X_STATUS, 1u << 28);
    g_assert_cmpuint(vfio_pci_cap_size(c, 0xd0, offs, n), ==, 24);
    /* 32-bit MSI without masking: 10 bytes. */
    pci_set_word(c + 0x50 + PCI_MSI_FLAGS, 0);
    g_assert_cmpuint(vfio_pci_cap_size(c, 0x50, offs, n), ==, 10);
    /* A neighbour closer than the architected size clips it. */
    offs[n] = 0x44;
    g_assert_cmpuint(vfio_pci_cap_size(c, 0x40, offs, n + 1), ==, 4);
}

static void test_supported(void)
{
    g_assert_true(vfio_pci_cap_supported(PCI_CAP_ID_PM));
    g_assert_true(vfio_pci_cap_supported(PCI_CAP_ID_EXP));
    g_assert_true(vfio_pci_cap_supported(PCI_CAP_ID_VNDR));
    /* MSI and MSI-X are emulated, not passed through. */
    g_assert_false(vfio_pci_cap_supported(PCI_CAP_ID_MSI));
    g_assert_false(vfio_pci_cap_supported(PCI_CAP_ID_MSIX));
    /* Everything else passes through as QEMU does: VPD, AF, PCI-X, HyperTransport, SATA, ... */
    g_assert_true(vfio_pci_cap_supported(PCI_CAP_ID_VPD));
    g_assert_true(vfio_pci_cap_supported(PCI_CAP_ID_AF));
    g_assert_true(vfio_pci_cap_supported(PCI_CAP_ID_PCIX));
    g_assert_true(vfio_pci_cap_supported(PCI_CAP_ID_HT));
    g_assert_true(vfio_pci_cap_supported(PCI_CAP_ID_SATA));
    g_assert_true(vfio_pci_cap_supported(PCI_CAP_ID_SLOTID));
}

static void test_ids_override(void)
{
    uint8_t c[PCI_CONFIG_SPACE_SIZE] = {0};
    g_autoptr(GError) err = NULL;

    pci_set_long(c + PCI_VENDOR_ID, 0x10d38086);
    pci_set_long(c + PCI_SUBSYSTEM_VENDOR_ID, 0xa01f8086);
    /* Unset ids keep the device's. */
    g_assert_true(vfio_pci_ids_override(c, VFIO_PCI_ID_UNSET, VFIO_PCI_ID_UNSET, VFIO_PCI_ID_UNSET,
                                        VFIO_PCI_ID_UNSET, &err));
    g_assert_cmphex(pci_get_long(c + PCI_VENDOR_ID), ==, 0x10d38086);
    g_assert_true(vfio_pci_ids_override(c, 0x1af4, VFIO_PCI_ID_UNSET, VFIO_PCI_ID_UNSET, 0x1100,
                                        &err));
    g_assert_cmphex(pci_get_word(c + PCI_VENDOR_ID), ==, 0x1af4);
    g_assert_cmphex(pci_get_word(c + PCI_DEVICE_ID), ==, 0x10d3);
    g_assert_cmphex(pci_get_word(c + PCI_SUBSYSTEM_VENDOR_ID), ==, 0x8086);
    g_assert_cmphex(pci_get_word(c + PCI_SUBSYSTEM_ID), ==, 0x1100);
    g_assert_true(vfio_pci_ids_override(c, VFIO_PCI_ID_UNSET, 0x0000, 0xffff, VFIO_PCI_ID_UNSET,
                                        &err));
    g_assert_cmphex(pci_get_word(c + PCI_DEVICE_ID), ==, 0);
    g_assert_cmphex(pci_get_word(c + PCI_SUBSYSTEM_VENDOR_ID), ==, 0xffff);
    /* Out of range: refused, naming the property, and nothing changes. */
    g_assert_false(vfio_pci_ids_override(c, 0x2222, 0x10000, VFIO_PCI_ID_UNSET, VFIO_PCI_ID_UNSET,
                                         &err));
    g_assert_error(err, VFIO_ERROR, EINVAL);
    g_assert_nonnull(strstr(err->message, "x-pci-device-id=0x10000"));
    g_assert_cmphex(pci_get_word(c + PCI_VENDOR_ID), ==, 0x1af4);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio-pci/config/merge", test_merge);
    g_test_add_func("/vfio-pci/config/cap-walk", test_walk);
    g_test_add_func("/vfio-pci/config/cap-size", test_size);
    g_test_add_func("/vfio-pci/config/cap-supported", test_supported);
    g_test_add_func("/vfio-pci/config/ids-override", test_ids_override);
    return g_test_run();
}
