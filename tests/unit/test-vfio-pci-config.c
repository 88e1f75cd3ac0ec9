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

/* --- PCI Express: the PCIe capability and the extended capability chain --- */

typedef struct ExtView {
    uint8_t config[PCIE_CONFIG_SPACE_SIZE];
    uint8_t emulated[PCIE_CONFIG_SPACE_SIZE];
    uint8_t nowrite[PCIE_CONFIG_SPACE_SIZE];
    VFIOPciExtcapView v;
} ExtView;

static void ext_view_init(ExtView *e, const uint8_t *phys)
{
    memcpy(e->config, phys, PCIE_CONFIG_SPACE_SIZE);
    memset(e->emulated, 0, sizeof(e->emulated));
    memset(e->nowrite, 0, sizeof(e->nowrite));
    e->v = (VFIOPciExtcapView){e->config, e->emulated, e->nowrite};
}

/* What the guest reads at @addr: emulated bits from the view, the rest from the device. */
static uint32_t ext_read(const ExtView *e, const uint8_t *phys, uint32_t addr)
{
    uint32_t emu = pci_get_long(e->config + addr), mask = pci_get_long(e->emulated + addr);

    return vfio_pci_config_merge(emu, pci_get_long(phys + addr), mask);
}

static void put_ext(uint8_t *c, uint16_t pos, uint16_t id, unsigned ver, uint16_t next)
{
    pci_set_long(c + pos, id | ver << 16 | (uint32_t)next << 20);
}

#define ID_REBAR 0x15
#define ID_LTR 0x18

/* An nvme/igb-like chain: AER, SR-IOV, ARI, resizable BAR, DSN, LTR. */
static void ext_device(uint8_t *phys)
{
    memset(phys, 0, PCIE_CONFIG_SPACE_SIZE);
    put_ext(phys, 0x100, PCI_EXT_CAP_ID_ERR, 2, 0x148);
    pci_set_long(phys + 0x104, 0x00112233); /* AER uncorrectable status */
    put_ext(phys, 0x148, PCI_EXT_CAP_ID_SRIOV, 1, 0x188);
    pci_set_word(phys + 0x148 + 0x0e, 7); /* total VFs */
    put_ext(phys, 0x188, PCI_EXT_CAP_ID_ARI, 1, 0x190);
    pci_set_word(phys + 0x18c, 0x0100); /* next function 1 */
    put_ext(phys, 0x190, ID_REBAR, 1, 0x1a0);
    pci_set_long(phys + 0x194, 0x000000f0);               /* 1 MiB .. 8 MiB */
    pci_set_long(phys + 0x198, 1u << 5 | 2u << 8 | 0x00); /* one BAR (BAR 0), now 4 MiB */
    put_ext(phys, 0x1a0, PCI_EXT_CAP_ID_DSN, 1, 0x1ac);
    pci_set_long(phys + 0x1a4, 0xcafe0001);
    put_ext(phys, 0x1ac, ID_LTR, 1, 0);
}

static void test_extcap_walk(void)
{
    uint8_t *phys = g_malloc0(PCIE_CONFIG_SPACE_SIZE);
    uint16_t offs[VFIO_PCI_MAX_EXTCAPS];

    ext_device(phys);
    g_assert_cmpuint(vfio_pci_extcap_walk(phys, offs, VFIO_PCI_MAX_EXTCAPS), ==, 6);
    g_assert_cmphex(offs[5], ==, 0x1ac);
    /* A loop ends the walk; so does a pointer back into standard config space. */
    put_ext(phys, 0x1ac, ID_LTR, 1, 0x188);
    g_assert_cmpuint(vfio_pci_extcap_walk(phys, offs, VFIO_PCI_MAX_EXTCAPS), ==, 6);
    put_ext(phys, 0x1ac, ID_LTR, 1, 0x40);
    g_assert_cmpuint(vfio_pci_extcap_walk(phys, offs, VFIO_PCI_MAX_EXTCAPS), ==, 6);
    /* No extended capabilities: zero (or all-ones, a conventional device) at 0x100. */
    pci_set_long(phys + 0x100, 0);
    g_assert_cmpuint(vfio_pci_extcap_walk(phys, offs, VFIO_PCI_MAX_EXTCAPS), ==, 0);
    pci_set_long(phys + 0x100, 0xffffffff);
    g_assert_cmpuint(vfio_pci_extcap_walk(phys, offs, VFIO_PCI_MAX_EXTCAPS), ==, 0);
    g_free(phys);
}

static void test_extcap_policy(void)
{
    g_assert_cmpint(vfio_pci_extcap_policy(PCI_EXT_CAP_ID_SRIOV), ==, VFIO_PCI_EXTCAP_HIDE);
    g_assert_cmpint(vfio_pci_extcap_policy(0), ==, VFIO_PCI_EXTCAP_HIDE);
    g_assert_cmpint(vfio_pci_extcap_policy(PCI_EXT_CAP_ID_ARI), ==, VFIO_PCI_EXTCAP_VIRTUALIZE);
    g_assert_cmpint(vfio_pci_extcap_policy(ID_REBAR), ==, VFIO_PCI_EXTCAP_VIRTUALIZE);
    g_assert_cmpint(vfio_pci_extcap_policy(PCI_EXT_CAP_ID_ERR), ==, VFIO_PCI_EXTCAP_PASS);
    g_assert_cmpint(vfio_pci_extcap_policy(PCI_EXT_CAP_ID_DSN), ==, VFIO_PCI_EXTCAP_PASS);
    g_assert_cmpint(vfio_pci_extcap_policy(ID_LTR), ==, VFIO_PCI_EXTCAP_PASS);
    g_assert_cmpint(vfio_pci_extcap_policy(0x0d /* ACS */), ==, VFIO_PCI_EXTCAP_PASS);
}

static void test_extcap_build(void)
{
    uint8_t *phys = g_malloc0(PCIE_CONFIG_SPACE_SIZE);
    ExtView *e = g_new0(ExtView, 1);
    uint16_t ids[8];

    ext_device(phys);
    ext_view_init(e, phys);
    g_assert_cmpuint(vfio_pci_extcap_build(&e->v, phys, true, ids, 8), ==, 5);
    g_assert_cmphex(ids[0], ==, PCI_EXT_CAP_ID_ERR);
    g_assert_cmphex(ids[1], ==, PCI_EXT_CAP_ID_ARI);
    /* The chain skips SR-IOV, keeping versions. */
    g_assert_cmphex(ext_read(e, phys, 0x100), ==, PCI_EXT_CAP_ID_ERR | 2 << 16 | 0x188u << 20);
    g_assert_cmphex(ext_read(e, phys, 0x188), ==, PCI_EXT_CAP_ID_ARI | 1 << 16 | 0x190u << 20);
    g_assert_cmphex(ext_read(e, phys, 0x1ac), ==, ID_LTR | 1 << 16);
    /* AER and DSN bodies are the device's (status registers live). */
    g_assert_cmphex(ext_read(e, phys, 0x104), ==, 0x00112233);
    g_assert_cmphex(ext_read(e, phys, 0x1a4), ==, 0xcafe0001);
    g_assert_cmphex(e->nowrite[0x104], ==, 0);
    /* SR-IOV reads as 0 and never sees a write. */
    g_assert_cmphex(ext_read(e, phys, 0x148), ==, 0);
    g_assert_cmphex(ext_read(e, phys, 0x148 + 0x0c), ==, 0);
    g_assert_cmphex(e->nowrite[0x148 + 0x08], ==, 0xff);
    /* ARI: no next function in the guest. */
    g_assert_cmphex(ext_read(e, phys, 0x18c) & 0xff00, ==, 0);
    /* Resizable BAR: only the current size (4 MiB, bit 6), and the size is read-only. */
    g_assert_cmphex(ext_read(e, phys, 0x194), ==, 1u << 6);
    g_assert_cmphex(ext_read(e, phys, 0x198), ==, 1u << 5 | 2u << 8);
    g_assert_cmphex(e->nowrite[0x199] & 0x3f, ==, 0x3f);
    /* Headers are read-only to the guest. */
    g_assert_cmphex(e->nowrite[0x100] & e->nowrite[0x103], ==, 0xff);

    /* A hidden first capability leaves a null header at 0x100 pointing on. */
    put_ext(phys, 0x100, PCI_EXT_CAP_ID_SRIOV, 1, 0x188);
    ext_view_init(e, phys);
    g_assert_cmpuint(vfio_pci_extcap_build(&e->v, phys, true, NULL, 0), ==, 4);
    g_assert_cmphex(ext_read(e, phys, 0x100), ==, 0x188u << 20);
    g_assert_cmphex(ext_read(e, phys, 0x104), ==, 0);

    /* Only hidden ones: an empty list. */
    put_ext(phys, 0x100, PCI_EXT_CAP_ID_SRIOV, 1, 0);
    ext_view_init(e, phys);
    g_assert_cmpuint(vfio_pci_extcap_build(&e->v, phys, true, NULL, 0), ==, 0);
    g_assert_cmphex(ext_read(e, phys, 0x100), ==, 0);

    /* x-pcie-extcap-init=off: nothing of the device's shows, nothing reaches it. */
    ext_device(phys);
    ext_view_init(e, phys);
    g_assert_cmpuint(vfio_pci_extcap_build(&e->v, phys, false, NULL, 0), ==, 0);
    for (uint32_t a = PCI_CONFIG_SPACE_SIZE; a < PCIE_CONFIG_SPACE_SIZE; a += 4) {
        g_assert_cmphex(ext_read(e, phys, a), ==, 0);
        g_assert_cmphex(pci_get_long(e->nowrite + a), ==, 0xffffffff);
    }
    g_free(e);
    g_free(phys);
}

/* A PCIe v2 capability at 0x80 of type @type with a x4 8 GT/s link and a slot. */
static void exp_device(uint8_t *phys, unsigned type)
{
    memset(phys, 0, PCIE_CONFIG_SPACE_SIZE);
    pci_set_word(phys + 0x80 + PCI_EXP_FLAGS, 2 | type << 4 | PCI_EXP_FLAGS_SLOT);
    pci_set_long(phys + 0x80 + PCI_EXP_LNKCAP, 0x07000043); /* port 7, x4, 8 GT/s */
    pci_set_word(phys + 0x80 + PCI_EXP_LNKSTA, 0x0043);
    pci_set_long(phys + 0x80 + PCI_EXP_LNKCAP2, 0x0000000e);
    pci_set_long(phys + 0x80 + PCI_EXP_SLTCAP, 0x00000060);
}

static void test_exp_virtualize(void)
{
    uint8_t *phys = g_malloc0(PCIE_CONFIG_SPACE_SIZE);
    ExtView *e = g_new0(ExtView, 1);

    /* On the root bus: a root-complex integrated endpoint, no link, no slot. */
    exp_device(phys, PCI_EXP_TYPE_ENDPOINT);
    ext_view_init(e, phys);
    vfio_pci_exp_virtualize(&e->v, 0x80, VFIO_PCI_EXP_ROOT_BUS);
    g_assert_cmphex(ext_read(e, phys, 0x80) >> 16, ==, 2 | PCI_EXP_TYPE_RC_END << 4);
    g_assert_cmphex(ext_read(e, phys, 0x80 + PCI_EXP_LNKCAP), ==, 0);
    g_assert_cmphex(ext_read(e, phys, 0x80 + PCI_EXP_LNKCTL), ==, 0);
    g_assert_cmphex(ext_read(e, phys, 0x80 + PCI_EXP_LNKCAP2), ==, 0);
    g_assert_cmphex(ext_read(e, phys, 0x80 + PCI_EXP_SLTCAP), ==, 0);
    g_assert_cmphex(e->nowrite[0x80 + PCI_EXP_LNKCTL], ==, 0xff);

    /* Behind a root port: an endpoint with its own link, port number 0, no slot. */
    ext_view_init(e, phys);
    vfio_pci_exp_virtualize(&e->v, 0x80, VFIO_PCI_EXP_PORT);
    g_assert_cmphex(ext_read(e, phys, 0x80) >> 16, ==, 2 | PCI_EXP_TYPE_ENDPOINT << 4);
    g_assert_cmphex(ext_read(e, phys, 0x80 + PCI_EXP_LNKCAP), ==, 0x00000043);
    g_assert_cmphex(ext_read(e, phys, 0x80 + PCI_EXP_LNKCTL) >> 16, ==, 0x0043);
    g_assert_cmphex(e->nowrite[0x80 + PCI_EXP_LNKCTL], ==, 0);

    /* An integrated endpoint behind a port: an endpoint with a x1 2.5 GT/s link. */
    exp_device(phys, PCI_EXP_TYPE_RC_END);
    ext_view_init(e, phys);
    vfio_pci_exp_virtualize(&e->v, 0x80, VFIO_PCI_EXP_PORT);
    g_assert_cmphex(ext_read(e, phys, 0x80) >> 16, ==, 2 | PCI_EXP_TYPE_ENDPOINT << 4);
    g_assert_cmphex(ext_read(e, phys, 0x80 + PCI_EXP_LNKCAP), ==, VFIO_PCI_EXP_LNK_X1_2_5GT);
    g_assert_cmphex(ext_read(e, phys, 0x80 + PCI_EXP_LNKCTL) >> 16, ==, VFIO_PCI_EXP_LNK_X1_2_5GT);

    /* A version 1 capability may end after the link registers: nothing past them changes
     * (here another capability starts at 0x94). */
    exp_device(phys, PCI_EXP_TYPE_ENDPOINT);
    pci_set_word(phys + 0x80 + PCI_EXP_FLAGS, 1 | PCI_EXP_TYPE_ENDPOINT << 4);
    pci_set_long(phys + 0x94, 0x00000005);
    ext_view_init(e, phys);
    vfio_pci_exp_virtualize(&e->v, 0x80, VFIO_PCI_EXP_ROOT_BUS);
    g_assert_cmphex(ext_read(e, phys, 0x80 + PCI_EXP_LNKCAP), ==, 0);
    g_assert_cmphex(pci_get_long(e->emulated + 0x94), ==, 0);
    ext_view_init(e, phys);
    vfio_pci_exp_virtualize(&e->v, 0x80, VFIO_PCI_EXP_PORT);
    g_assert_cmphex(pci_get_long(e->emulated + 0x94), ==, 0);
    g_free(e);
    g_free(phys);
}

/* --- MSI-X relocation --- */

static void test_msix_reloc_parse(void)
{
    g_autoptr(GError) err = NULL;
    int c = 99;

    g_assert_true(vfio_pci_msix_reloc_parse(NULL, &c, &err));
    g_assert_cmpint(c, ==, VFIO_PCI_MSIX_RELOC_OFF);
    g_assert_true(vfio_pci_msix_reloc_parse("off", &c, &err));
    g_assert_cmpint(c, ==, VFIO_PCI_MSIX_RELOC_OFF);
    g_assert_true(vfio_pci_msix_reloc_parse("auto", &c, &err));
    g_assert_cmpint(c, ==, VFIO_PCI_MSIX_RELOC_AUTO);
    g_assert_true(vfio_pci_msix_reloc_parse("bar5", &c, &err));
    g_assert_cmpint(c, ==, 5);
    g_assert_false(vfio_pci_msix_reloc_parse("bar6", &c, &err));
    g_assert_nonnull(strstr(err->message, "x-msix-relocation=bar6"));
}

static void test_msix_reloc_plan(void)
{
    /* igb-like: BAR0 128 KiB, BAR2 I/O, BAR3 16 KiB with the table; BAR1, 4, 5 free. */
    VFIOPciBarLayout bars[6] = {
        {0x20000, PCI_BASE_ADDRESS_SPACE_MEMORY, false}, {0, 0, false},
        {0x20, PCI_BASE_ADDRESS_SPACE_IO, false},        {0x4000, PCI_BASE_ADDRESS_SPACE_MEMORY, false},
        {0, 0, false},                                   {0, 0, false},
    };
    g_autoptr(GError) err = NULL;
    VFIOPciMsixReloc r;

    g_assert_true(vfio_pci_msix_reloc_plan(bars, 10, 3, VFIO_PCI_MSIX_RELOC_OFF, &r, &err));
    g_assert_cmpint(r.bar, ==, -1);
    /* auto: the first free BAR, a new one just big enough; the PBA on its own page. */
    g_assert_true(vfio_pci_msix_reloc_plan(bars, 10, 3, VFIO_PCI_MSIX_RELOC_AUTO, &r, &err));
    g_assert_cmpint(r.bar, ==, 1);
    g_assert_true(r.new_bar);
    g_assert_cmphex(r.table_offset, ==, 0);
    g_assert_cmphex(r.pba_offset, ==, 0x1000);
    g_assert_cmphex(r.size, ==, 0x2000);
    /* A used BAR doubles with the table and PBA in the upper half. */
    g_assert_true(vfio_pci_msix_reloc_plan(bars, 10, 3, 0, &r, &err));
    g_assert_cmpint(r.bar, ==, 0);
    g_assert_false(r.new_bar);
    g_assert_cmphex(r.table_offset, ==, 0x20000);
    g_assert_cmphex(r.pba_offset, ==, 0x21000);
    g_assert_cmphex(r.size, ==, 0x40000);
    /* A small BAR grows enough for 2048 vectors (32 KiB of table). */
    g_assert_true(vfio_pci_msix_reloc_plan(bars, 2048, 3, 3, &r, &err));
    g_assert_cmphex(r.table_offset, ==, 0x4000);
    g_assert_cmphex(r.pba_offset, ==, 0xc000);
    g_assert_cmphex(r.size, ==, 0x10000);
    /* Not into an I/O BAR, nor the upper half of a 64-bit one. */
    g_assert_false(vfio_pci_msix_reloc_plan(bars, 10, 3, 2, &r, &err));
    g_assert_nonnull(strstr(err->message, "I/O"));
    g_clear_error(&err);
    bars[0].type |= PCI_BASE_ADDRESS_MEM_TYPE_64;
    bars[1].upper = true;
    g_assert_false(vfio_pci_msix_reloc_plan(bars, 10, 3, 1, &r, &err));
    g_assert_nonnull(strstr(err->message, "upper half"));
    g_clear_error(&err);
    /* auto skips the upper half and takes BAR 4. */
    g_assert_true(vfio_pci_msix_reloc_plan(bars, 10, 3, VFIO_PCI_MSIX_RELOC_AUTO, &r, &err));
    g_assert_cmpint(r.bar, ==, 4);
    /* With no BAR free, auto grows the table's own BAR. */
    bars[4].size = bars[5].size = 0x1000;
    bars[4].type = bars[5].type = PCI_BASE_ADDRESS_SPACE_MEMORY;
    g_assert_true(vfio_pci_msix_reloc_plan(bars, 10, 3, VFIO_PCI_MSIX_RELOC_AUTO, &r, &err));
    g_assert_cmpint(r.bar, ==, 3);
    g_assert_cmphex(r.table_offset, ==, 0x4000);
    g_assert_cmphex(r.size, ==, 0x8000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio-pci/config/merge", test_merge);
    g_test_add_func("/vfio-pci/config/cap-walk", test_walk);
    g_test_add_func("/vfio-pci/config/cap-size", test_size);
    g_test_add_func("/vfio-pci/config/cap-supported", test_supported);
    g_test_add_func("/vfio-pci/config/ids-override", test_ids_override);
    g_test_add_func("/vfio-pci/extcap/walk", test_extcap_walk);
    g_test_add_func("/vfio-pci/extcap/policy", test_extcap_policy);
    g_test_add_func("/vfio-pci/extcap/build", test_extcap_build);
    g_test_add_func("/vfio-pci/exp/virtualize", test_exp_virtualize);
    g_test_add_func("/vfio-pci/msix/reloc-parse", test_msix_reloc_parse);
    g_test_add_func("/vfio-pci/msix/reloc-plan", test_msix_reloc_plan);
    return g_test_run();
}
