/*
 * PCI unit tests for migration: the "pci-config" section round trip of an emulated device
 * (BARs mapped, MSI-X table and enable, INTx, testdev registers) and of bridges (bus numbers,
 * windows, slot control without events), the refusals, and the generic handler's registration.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/pci/pci-migration.h"
#include "migration-internal.h"
#include "test-pci-fixture.h"

#define TD_DEVFN PCI_DEVFN(3, 0)
#define RP_DEVFN PCI_DEVFN(4, 0)
#define BAR0 0xc0000000u
#define BAR1 0xc100u
#define BAR2 0x800000000ULL
#define BAR4 0xc0100000u

/* --- helpers --- */

static HdMigInstance *find_instance(HdPciDevice *dev)
{
    GPtrArray *all = hd_mig_instances();

    for (guint i = 0; i < all->len; i++) {
        HdMigInstance *in = all->pdata[i];

        if (in->dev == (HdDevice *)dev) { /* @dev may be gone: no checked cast */
            return in;
        }
    }
    return NULL;
}

/* Save @dev through its registered handler into a new memory sink. */
static HdMigSink *save_device(HdPciDevice *dev)
{
    HdMigInstance *in = find_instance(dev);
    HdMigSink *sink = hd_mig_sink_new_memory();
    GError *err = NULL;

    g_assert_nonnull(in);
    g_assert_true(in->ops->save_complete(in->opaque, sink, &err));
    g_assert_no_error(err);
    return sink;
}

/* Load every section of @sink into @dev through its registered handler. */
static bool load_device(HdPciDevice *dev, HdMigSink *sink, GError **errp)
{
    HdMigInstance *in = find_instance(dev);

    g_assert_nonnull(in);
    if (!in->ops->load_setup(in->opaque, errp)) {
        return false;
    }
    for (guint i = 0; i < hd_mig_sink_count(sink); i++) {
        GBytes *b = hd_mig_sink_data(sink, i);
        gsize len;
        const uint8_t *data = g_bytes_get_data(b, &len);

        if (!in->ops->load_section(in->opaque, hd_mig_sink_kind(sink, i), data, len, errp)) {
            return false;
        }
    }
    return in->ops->load_complete(in->opaque, errp);
}

/* The "pci-config" section of @sink (a copy). */
static GByteArray *pci_section(HdMigSink *sink)
{
    for (guint i = 0; i < hd_mig_sink_count(sink); i++) {
        if (strcmp(hd_mig_sink_kind(sink, i), PCI_MIGRATION_KIND) == 0) {
            gsize len;
            const uint8_t *data = g_bytes_get_data(hd_mig_sink_data(sink, i), &len);
            GByteArray *a = g_byte_array_new();

            g_byte_array_append(a, data, len);
            return a;
        }
    }
    g_assert_not_reached();
}

/* The guest's view of @dev's config space. */
static uint8_t *config_snapshot(HdPciDevice *dev)
{
    uint32_t size = pci_config_size(dev);
    uint8_t *buf = g_malloc(size);

    for (uint32_t a = 0; a < size; a += 4) {
        pci_set_long(buf + a, pci_config_read(dev, a, 4));
    }
    return buf;
}

static void assert_config_equal(const uint8_t *a, const uint8_t *b, uint32_t size)
{
    for (uint32_t i = 0; i < size; i++) {
        if (a[i] != b[i]) {
            g_test_message("config 0x%03x: 0x%02x, expected 0x%02x", i, b[i], a[i]);
        }
        g_assert_cmphex(b[i], ==, a[i]);
    }
}

static void destroy(HdPciDevice *dev)
{
    hd_device_unrealize(HD_DEVICE(dev));
    hd_device_unplug(HD_DEVICE(dev));
}

static char *events_take(GArray *events)
{
    GString *s = g_string_new("");

    for (guint i = 0; i < events->len; i++) {
        int e = g_array_index(events, int, i);

        g_string_append_printf(s, "%s%s %d", i ? ", " : "", (e & 1) ? "raise" : "lower", e >> 1);
    }
    g_array_set_size(events, 0);
    return g_string_free(s, FALSE);
}

#define assert_events(arr, expect)                                                                 \
    do {                                                                                           \
        g_autofree char *got_ = events_take(arr);                                                  \
        g_assert_cmpstr(got_, ==, expect);                                                         \
    } while (0)

/* Vector notifiers recording what the destination's device was told (as vfio-pci is). */
static void rec_enable(HdPciDevice *dev, HdPciIrqKind kind, bool enabled, void *opaque)
{
    (void)dev;
    g_string_append_printf(opaque, "%s%s-%s", ((GString *)opaque)->len ? "; " : "",
                           kind == HD_PCI_IRQ_MSI ? "msi" : "msix", enabled ? "on" : "off");
}

static void rec_use(HdPciDevice *dev, HdPciIrqKind kind, unsigned vector, HdMsiMessage msg,
                    void *opaque)
{
    (void)dev;
    g_string_append_printf(opaque, "%suse %s %u 0x%x", ((GString *)opaque)->len ? "; " : "",
                           kind == HD_PCI_IRQ_MSI ? "msi" : "msix", vector, msg.data);
}

static const HdPciVectorNotifiers recorder = {
    .enable_changed = rec_enable,
    .vector_use = rec_use,
};

static void msix_entry(PciFixture *f, unsigned v, uint64_t addr, uint32_t data, bool masked)
{
    hwaddr e = BAR4 + v * PCI_MSIX_ENTRY_SIZE;

    fix_mmio_writel(f, e + PCI_MSIX_ENTRY_LOWER_ADDR, addr & 0xffffffff);
    fix_mmio_writel(f, e + PCI_MSIX_ENTRY_UPPER_ADDR, addr >> 32);
    fix_mmio_writel(f, e + PCI_MSIX_ENTRY_DATA, data);
    fix_mmio_writel(f, e + PCI_MSIX_ENTRY_VECTOR_CTRL, masked ? 1 : 0);
}

/* A testdev as a guest leaves it: BARs, command, MSI-X programmed and enabled, INTx up. */
static HdPciDevice *program_testdev(PciFixture *f, const char *text)
{
    HdPciDevice *dev = fix_device(text);
    uint8_t msi = msi_cap_offset(dev);
    uint8_t msix = msix_cap_offset(dev);

    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, BAR0, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_1, BAR1, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_2, BAR2 & 0xffffffff, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_3, BAR2 >> 32, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_4, BAR4, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_CACHE_LINE_SIZE, 0x10, 1);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_INTERRUPT_LINE, 0x0b, 1);
    /* MSI programmed but left off (a guest that switched to MSI-X). */
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_ADDRESS_LO, Q35_MSI_BASE, 4);
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_DATA_64, 0x41, 2);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND,
                  PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_SERR, 2);
    g_assert_cmphex(pci_bar_address(dev, 0), ==, BAR0);

    msix_entry(f, 0, Q35_MSI_BASE, 0x50, false);
    msix_entry(f, 1, Q35_MSI_BASE, 0x51, false);
    msix_entry(f, 2, Q35_MSI_BASE, 0x52, false);
    msix_entry(f, 5, Q35_MSI_BASE, 0x55, true);
    fix_cfg_write(f, 0, TD_DEVFN, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
    g_assert_true(msix_enabled(dev));
    /* Vector 5 fires while masked: its pending bit is state to carry over. */
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSIX, 5);
    g_assert_true(msix_is_pending(dev, 5));

    fix_mmio_writel(f, BAR0 + TESTDEV_REG_SCRATCH, 0xdeadbeef);
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_DMA_LO, 0x1000);
    address_space_stl(f->io_as, BAR1 + 4, 0x01020304);
    fix_mmio_writel(f, BAR2 + 0x100, 0xcafef00d);
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_INTX, 1);
    g_array_set_size(f->msi_events, 0);
    g_array_set_size(f->ioapic_events, 0);
    return dev;
}

/* --- tests --- */

static void test_roundtrip(PciFixture *f, gconstpointer data)
{
    const char *text = "hostdev-testdev,id=td,addr=3,msix-vectors=8";
    HdPciDevice *src = program_testdev(f, text);
    HdPciDevice *dst;
    g_autoptr(GString) told = g_string_new("");
    g_autofree uint8_t *src_config = config_snapshot(src);
    g_autofree uint8_t *src_table = NULL;
    g_autofree uint8_t *dst_config = NULL;
    uint64_t bars[PCI_NUM_REGIONS];
    unsigned nvec = msix_nr_vectors(src);
    HdMigSink *sink;
    GError *err = NULL;

    (void)data;
    src_table = g_malloc(nvec * PCI_MSIX_ENTRY_SIZE);
    for (unsigned v = 0; v < nvec; v++) {
        HdMsiMessage m = msix_get_message(src, v);

        pci_set_quad(src_table + v * 16, m.address);
        pci_set_long(src_table + v * 16 + 8, m.data);
        pci_set_long(src_table + v * 16 + 12, msix_is_masked(src, v));
    }
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        bars[i] = pci_bar_address(src, i);
    }
    g_assert_cmphex(bars[2], ==, BAR2);

    sink = save_device(src);
    g_assert_cmpuint(hd_mig_sink_count(sink), ==, 2);
    g_assert_cmpstr(hd_mig_sink_kind(sink, 0), ==, PCI_MIGRATION_KIND);
    g_assert_cmpstr(hd_mig_sink_kind(sink, 1), ==, "testdev-regs");
    destroy(src);
    g_assert_null(find_instance(src));
    assert_events(f->ioapic_events, "lower 19");

    dst = fix_device(text);
    pci_set_vector_notifiers(dst, &recorder, told);
    g_assert_cmphex(pci_bar_address(dst, 0), ==, PCI_BAR_UNMAPPED);
    g_assert_true(load_device(dst, sink, &err));
    g_assert_no_error(err);
    hd_mig_sink_free(sink);

    dst_config = config_snapshot(dst);
    assert_config_equal(src_config, dst_config, pci_config_size(dst));
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        g_assert_cmphex(pci_bar_address(dst, i), ==, bars[i]);
    }
    g_assert_true(msix_enabled(dst));
    for (unsigned v = 0; v < nvec; v++) {
        HdMsiMessage m = msix_get_message(dst, v);

        g_assert_cmphex(m.address, ==, pci_get_quad(src_table + v * 16));
        g_assert_cmphex(m.data, ==, pci_get_long(src_table + v * 16 + 8));
        g_assert_cmpint(msix_is_masked(dst, v), ==, pci_get_long(src_table + v * 16 + 12));
    }
    g_assert_true(msix_is_pending(dst, 5));
    g_assert_false(msix_is_pending(dst, 0));
    /* The enable was replayed after the table: the vectors in use were set up. */
    g_assert_cmpstr(told->str, ==, "msix-on; use msix 0 0x50; use msix 1 0x51; use msix 2 0x52");
    g_assert_false(msi_enabled(dst));
    assert_events(f->msi_events, "");

    /* INTx is driven again (GSI 16 + (slot 3 + INTA) % 8), the registers came along. */
    g_assert_cmpint(pci_irq_level(dst), ==, 1);
    assert_events(f->ioapic_events, "raise 19");
    g_assert_cmphex(fix_mmio_readl(f, BAR0 + TESTDEV_REG_SCRATCH), ==, 0xdeadbeef);
    g_assert_cmphex(fix_mmio_readl(f, BAR0 + TESTDEV_REG_DMA_LO), ==, 0x1000);
    g_assert_cmphex(address_space_ldl(f->io_as, BAR1 + 4, NULL), ==, 0x01020304);
    g_assert_cmphex(fix_mmio_readl(f, BAR2 + 0x100), ==, 0xcafef00d);

    /* It works: vector 1 delivers, unmasking vector 5 delivers its pending event. */
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSIX, 1);
    assert_events(f->msi_events, "raise 81, lower 81");
    fix_mmio_writel(f, BAR4 + 5 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    assert_events(f->msi_events, "raise 85, lower 85");
    pci_set_vector_notifiers(dst, NULL, NULL);
}

/* MSI (not MSI-X): enable with two vectors, a masked one pending; W1C status bits. */
static void test_msi(PciFixture *f, gconstpointer data)
{
    const char *text = "hostdev-testdev,id=tm,addr=3,msix=off,msi-vectors=4";
    HdPciDevice *src = fix_device(text);
    HdPciDevice *dst;
    uint8_t msi = msi_cap_offset(src);
    g_autoptr(GString) told = g_string_new("");
    g_autofree uint8_t *src_config = NULL;
    g_autofree uint8_t *dst_config = NULL;
    HdMigSink *sink;
    GError *err = NULL;

    (void)data;
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_0, BAR0, 4);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND,
                  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE, 2);
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_ADDRESS_LO, Q35_MSI_BASE, 4);
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_DATA_64, 0x40, 2);
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_MASK_64, 0x2, 4);
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | (1 << 4), 2);
    g_assert_cmpuint(msi_nr_vectors_enabled(src), ==, 2);
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSI, 1); /* masked: pending */
    assert_events(f->msi_events, "");
    /* The device saw a master abort (W1C): the guest has not cleared it yet. */
    pci_set_word(pci_config(src) + PCI_STATUS,
                 pci_get_word(pci_config(src) + PCI_STATUS) | PCI_STATUS_REC_MASTER_ABORT);
    src_config = config_snapshot(src);
    sink = save_device(src);
    destroy(src);

    dst = fix_device(text);
    pci_set_vector_notifiers(dst, &recorder, told);
    g_assert_true(load_device(dst, sink, &err));
    g_assert_no_error(err);
    hd_mig_sink_free(sink);
    dst_config = config_snapshot(dst);
    assert_config_equal(src_config, dst_config, pci_config_size(dst));
    g_assert_cmpstr(told->str, ==, "msi-on; use msi 0 0x40");
    assert_events(f->msi_events, "");
    /* Unmasking vector 1 delivers what was pending on the source. */
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_MASK_64, 0, 4);
    assert_events(f->msi_events, "raise 65, lower 65");
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSI, 0);
    assert_events(f->msi_events, "raise 64, lower 64");
    pci_set_vector_notifiers(dst, NULL, NULL);
}

/* Load @section into a fresh testdev made from @text; expect a refusal containing @expect. */
static void expect_refusal(const char *text, const uint8_t *section, size_t len, const char *expect)
{
    HdPciDevice *dst = fix_device(text);
    g_autofree uint8_t *before = config_snapshot(dst);
    g_autofree uint8_t *after = NULL;
    GError *err = NULL;

    g_assert_false(pci_device_load_state(dst, section, len, &err));
    g_assert_nonnull(err);
    g_test_message("refused: %s", err->message);
    g_assert_nonnull(strstr(err->message, "hostdev-testdev 'td'"));
    if (!strstr(err->message, expect)) {
        g_test_message("expected '%s' in it", expect);
    }
    g_assert_nonnull(strstr(err->message, expect));
    g_clear_error(&err);
    /* Nothing was changed. */
    after = config_snapshot(dst);
    assert_config_equal(before, after, pci_config_size(dst));
    g_assert_cmphex(pci_bar_address(dst, 0), ==, PCI_BAR_UNMAPPED);
    g_assert_false(msix_enabled(dst));
    destroy(dst);
}

static void test_refusals(PciFixture *f, gconstpointer data)
{
    const char *text = "hostdev-testdev,id=td,addr=3,msix-vectors=8";
    HdPciDevice *src = program_testdev(f, text);
    HdMigSink *sink = save_device(src);
    g_autoptr(GByteArray) s = pci_section(sink);
    g_autoptr(GByteArray) bad = NULL;

    (void)data;
    hd_mig_sink_free(sink);
    destroy(src);

    expect_refusal(text, s->data, s->len - 1, "bytes, its header describes");
    expect_refusal(text, s->data, 40, "the PCI config section is truncated (40 bytes, the header");
    expect_refusal(text, s->data, 1, "the PCI config section is truncated (1 bytes)");

    bad = g_byte_array_new();
    g_byte_array_append(bad, s->data, s->len);
    g_byte_array_append(bad, (const guint8 *)"x", 1);
    expect_refusal(text, bad->data, bad->len, "the PCI config section is too long");

    g_byte_array_set_size(bad, s->len);
    pci_set_word(bad->data, 2);
    expect_refusal(text, bad->data, bad->len, "format version 2, this hostdev reads version 1");

    /* Another device id: its identity is checked before anything is written. */
    memcpy(bad->data, s->data, s->len);
    pci_set_word(bad->data + 72 + PCI_DEVICE_ID, 0x00ef);
    expect_refusal(text, bad->data, bad->len,
                   "the device id is 0x00ef on the source and 0x00ee here; start the "
                   "destination with the same device and options");

    /* The same device without MSI: another capability layout. */
    expect_refusal("hostdev-testdev,id=td,addr=3,msix-vectors=8,msi=off", s->data, s->len,
                   "the capability list is 0x11@0x40 0x05@0x50 on the source and 0x11@0x40 "
                   "here");
    /* More MSI-X vectors (BAR 4 is as large). */
    expect_refusal("hostdev-testdev,id=td,addr=3,msix-vectors=16", s->data, s->len,
                   "the number of MSI-X vectors is 8 on the source and 16 here");
    /* No MSI-X at all: BAR 4 is gone. */
    expect_refusal("hostdev-testdev,id=td,addr=3,msix=off", s->data, s->len,
                   "BAR 4's size is 0x1000 on the source and 0x0 here");
}

/* Damaged sections (one byte changed at a time, any byte): refused or loaded, never a crash. */
static void test_damaged(PciFixture *f, gconstpointer data)
{
    const char *text = "hostdev-testdev,id=td,addr=3,msix-vectors=8";
    HdPciDevice *src = program_testdev(f, text);
    HdMigSink *sink = save_device(src);
    g_autoptr(GByteArray) s = pci_section(sink);
    GRand *rand = g_rand_new_with_seed(12);
    guint refused = 0, loaded = 0;

    (void)data;
    hd_mig_sink_free(sink);
    destroy(src);
    for (int i = 0; i < 300; i++) {
        g_autoptr(GByteArray) bad = g_byte_array_new();
        /* Half in the header and standard config space, where it matters most. */
        guint at = g_rand_int_range(rand, 0, i % 2 ? (gint32)s->len : 72 + 0x60);
        HdPciDevice *dst = fix_device(text);
        GError *err = NULL;

        g_byte_array_append(bad, s->data, s->len);
        bad->data[at] ^= 1u << g_rand_int_range(rand, 0, 8);
        if (pci_device_load_state(dst, bad->data, bad->len, &err)) {
            loaded++;
        } else {
            g_assert_nonnull(strstr(err->message, "hostdev-testdev 'td': "));
            g_clear_error(&err);
            refused++;
        }
        destroy(dst);
    }
    g_test_message("%u refused, %u loaded", refused, loaded);
    g_assert_cmpuint(refused, >, 0);
    g_assert_cmpuint(loaded, >, 0);
    g_rand_free(rand);
}

static void test_refuse_other_device(PciFixture *f, gconstpointer data)
{
    HdPciDevice *rp = fix_device("pcie-root-port,id=rpx,addr=4");
    HdMigSink *sink = save_device(rp);
    g_autoptr(GByteArray) s = pci_section(sink);

    (void)f;
    (void)data;
    hd_mig_sink_free(sink);
    expect_refusal("hostdev-testdev,id=td,addr=3", s->data, s->len,
                   "the config space size is 4096 on the source and 256 here");
}

static void test_root_port(PciFixture *f, gconstpointer data)
{
    HdPciDevice *rp = fix_device("pcie-root-port,id=rp1,chassis=1,slot=2,addr=4");
    HdPciDevice *behind = fix_device("hostdev-testdev,id=behind,bus=rp1");
    uint8_t exp = pcie_cap_offset(rp);
    uint8_t msi = msi_cap_offset(rp);
    uint16_t sltctl = PCI_EXP_SLTCTL_ABPE | PCI_EXP_SLTCTL_PDCE | PCI_EXP_SLTCTL_CCIE |
                      PCI_EXP_SLTCTL_HPIE | PCI_EXP_SLTCTL_DLLSCE |
                      (PCI_EXP_SLTCTL_IND_ON << PCI_EXP_SLTCTL_PIC_SHIFT) |
                      (PCI_EXP_SLTCTL_IND_OFF << PCI_EXP_SLTCTL_AIC_SHIFT) | PCI_EXP_SLTCTL_PCC;
    g_autofree uint8_t *src_config = NULL;
    g_autofree uint8_t *dst_config = NULL;
    HdMigSink *sink;
    GError *err = NULL;

    (void)data;
    hd_device_reset(HD_DEVICE(rp)); /* machine start: the slot sees its device */
    fix_cfg_write(f, 0, RP_DEVFN, PCI_PRIMARY_BUS, 0x00020100, 4); /* 0 -> 1..2 */
    fix_cfg_write(f, 0, RP_DEVFN, PCI_IO_BASE, 0x2010, 2);         /* 0x1000-0x2fff */
    fix_cfg_write(f, 0, RP_DEVFN, PCI_MEMORY_BASE, 0xc010c000, 4); /* 0xc0000000-0xc01fffff */
    fix_cfg_write(f, 0, RP_DEVFN, PCI_PREF_MEMORY_BASE, 0x00f10001, 4);
    fix_cfg_write(f, 0, RP_DEVFN, PCI_PREF_BASE_UPPER32, 0x8, 4);
    fix_cfg_write(f, 0, RP_DEVFN, PCI_PREF_LIMIT_UPPER32, 0x8, 4);
    fix_cfg_write(f, 0, RP_DEVFN, PCI_BRIDGE_CONTROL, PCI_BRIDGE_CTL_SERR, 2);
    fix_cfg_write(f, 0, RP_DEVFN, exp + PCI_EXP_DEVCTL, 0x2810, 2);
    fix_cfg_write(f, 0, RP_DEVFN, exp + PCI_EXP_LNKCTL, 0x0040, 2);
    fix_cfg_write(f, 0, RP_DEVFN, msi + PCI_MSI_ADDRESS_LO, Q35_MSI_BASE, 4);
    fix_cfg_write(f, 0, RP_DEVFN, msi + PCI_MSI_DATA_64, 0x61, 2);
    fix_cfg_write(f, 0, RP_DEVFN, msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE, 2);
    fix_cfg_write(f, 0, RP_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    /* The guest powers the slot off: a command-completed event, the device behind goes dark. */
    fix_cfg_write(f, 0, RP_DEVFN, exp + PCI_EXP_SLTCTL, sltctl, 2);
    assert_events(f->msi_events, "raise 97, lower 97");
    g_assert_cmphex(fix_cfg_read(f, 1, 0, PCI_VENDOR_ID, 4), ==, 0xffffffff);
    g_assert_cmphex(fix_cfg_read(f, 0, RP_DEVFN, exp + PCI_EXP_SLTSTA, 2) & PCI_EXP_SLTSTA_CC, ==,
                    PCI_EXP_SLTSTA_CC);
    src_config = config_snapshot(rp);
    sink = save_device(rp);

    /* The destination: the same ports, reset, never run. */
    hd_device_reset(HD_DEVICE(rp));
    g_assert_cmphex(fix_cfg_read(f, 0, RP_DEVFN, PCI_SECONDARY_BUS, 1), ==, 0);
    fix_cfg_write(f, 0, RP_DEVFN, PCI_PRIMARY_BUS, 0x00020100, 4);
    g_assert_cmphex(fix_cfg_read(f, 1, 0, PCI_VENDOR_ID, 4), ==,
                    TESTDEV_DEVICE_ID << 16 | TESTDEV_VENDOR_ID);
    hd_device_reset(HD_DEVICE(rp));
    g_array_set_size(f->msi_events, 0);
    g_assert_true(load_device(rp, sink, &err));
    g_assert_no_error(err);
    hd_mig_sink_free(sink);

    dst_config = config_snapshot(rp);
    assert_config_equal(src_config, dst_config, pci_config_size(rp));
    g_assert_cmpint(pci_device_bus_number(behind), ==, 1);
    g_assert_true(msi_enabled(rp));
    /* Slot control came back without a new event or interrupt; the slot is still off. */
    assert_events(f->msi_events, "");
    g_assert_cmphex(fix_cfg_read(f, 1, 0, PCI_VENDOR_ID, 4), ==, 0xffffffff);
    /* The guest powers it on again: the device behind answers, one event. */
    fix_cfg_write(f, 0, RP_DEVFN, exp + PCI_EXP_SLTSTA, 0x011f, 2);
    fix_cfg_write(f, 0, RP_DEVFN, exp + PCI_EXP_SLTCTL, sltctl & ~PCI_EXP_SLTCTL_PCC, 2);
    assert_events(f->msi_events, "raise 97, lower 97");
    g_assert_cmphex(fix_cfg_read(f, 1, 0, PCI_VENDOR_ID, 4), ==,
                    TESTDEV_DEVICE_ID << 16 | TESTDEV_VENDOR_ID);
}

static void test_pci_bridge(PciFixture *f, gconstpointer data)
{
    HdPciDevice *br = fix_device("pcie-pci-bridge,id=br,addr=5");
    HdPciDevice *behind = fix_device("hostdev-testdev,id=tb,bus=br,addr=2");
    int devfn = PCI_DEVFN(5, 0);
    int tb = PCI_DEVFN(2, 0);
    g_autofree uint8_t *src_config = NULL;
    g_autofree uint8_t *dst_config = NULL;
    HdMigSink *sink;
    GError *err = NULL;

    (void)data;
    fix_cfg_write(f, 0, devfn, PCI_PRIMARY_BUS, 0x00030300, 4);
    fix_cfg_write(f, 0, devfn, PCI_MEMORY_BASE, 0xc030c020, 4);
    fix_cfg_write(f, 0, devfn, PCI_IO_BASE, 0x3030, 2);
    /* A guest that stopped in the middle of a secondary bus reset. */
    fix_cfg_write(f, 0, devfn, PCI_BRIDGE_CONTROL, PCI_BRIDGE_CTL_SERR | PCI_BRIDGE_CTL_BUS_RESET,
                  2);
    fix_cfg_write(f, 0, devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    src_config = config_snapshot(br);
    sink = save_device(br);

    hd_device_reset(HD_DEVICE(br));
    g_assert_cmphex(fix_cfg_read(f, 0, devfn, PCI_SECONDARY_BUS, 1), ==, 0);
    /* The device behind as its own section would leave it (loaded before or after). */
    pci_config_write(behind, PCI_BASE_ADDRESS_0, 0xc0200000, 4);
    g_assert_true(load_device(br, sink, &err));
    g_assert_no_error(err);
    hd_mig_sink_free(sink);
    dst_config = config_snapshot(br);
    assert_config_equal(src_config, dst_config, pci_config_size(br));
    g_assert_cmpint(pci_device_bus_number(behind), ==, 3);
    /* The reset bit came back without resetting the device behind. */
    g_assert_cmphex(fix_cfg_read(f, 3, tb, PCI_BASE_ADDRESS_0, 4), ==, 0xc0200000);
    g_assert_cmphex(fix_cfg_read(f, 0, devfn, PCI_BRIDGE_CONTROL, 2) & PCI_BRIDGE_CTL_BUS_RESET, ==,
                    PCI_BRIDGE_CTL_BUS_RESET);
}

/* How many blocker reasons contain @needle. */
static guint count_blockers(const char *needle)
{
    g_autoptr(GPtrArray) reasons = hd_mig_blocked_reasons();
    guint n = 0;

    for (guint i = 0; i < reasons->len; i++) {
        g_test_message("blocked: %s", (char *)reasons->pdata[i]);
        n += strstr(reasons->pdata[i], needle) != NULL;
    }
    return n;
}

static void test_unplug_blocks(PciFixture *f, gconstpointer data)
{
    HdPciDevice *rp = fix_device("pcie-root-port,id=rp1,chassis=1,addr=4");
    HdPciDevice *behind = fix_device("hostdev-testdev,id=behind,bus=rp1");
    HdBus *bus = HD_BUS(pci_bridge_get_sec_bus(rp));
    const char *reason = "pcie-root-port 'rp1': device_del of hostdev-testdev 'behind' waits for "
                         "the guest to release the slot; migrate after its DEVICE_DELETED event";
    void *opaque;
    const HdHotplugOps *ops = hd_bus_get_hotplug_handler(bus, &opaque);
    GError *err = NULL;

    (void)f;
    (void)data;
    hd_device_reset(HD_DEVICE(rp));
    g_assert_nonnull(ops);
    g_assert_cmpuint(count_blockers("rp1"), ==, 0);
    /* device_del: the guest is asked; a pending unplug does not migrate, so it blocks. */
    hd_device_set_unplug_pending(HD_DEVICE(behind), true);
    g_assert_true(ops->unplug_request(bus, HD_DEVICE(behind), opaque, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(count_blockers(reason), ==, 1);
    g_assert_true(ops->unplug_request(bus, HD_DEVICE(behind), opaque, &err));
    g_assert_cmpuint(count_blockers(reason), ==, 1);
    /* The device stays after all (reset with nothing pending): migration is allowed again. */
    hd_device_set_unplug_pending(HD_DEVICE(behind), false);
    hd_device_reset(HD_DEVICE(rp));
    g_assert_cmpuint(count_blockers("rp1"), ==, 0);
    /* A port that goes drops its blocker. */
    hd_device_set_unplug_pending(HD_DEVICE(behind), true);
    g_assert_true(ops->unplug_request(bus, HD_DEVICE(behind), opaque, &err));
    g_assert_cmpuint(count_blockers(reason), ==, 1);
    hd_device_set_unplug_pending(HD_DEVICE(behind), false);
    hd_device_unrealize(HD_DEVICE(rp));
    g_assert_cmpuint(count_blockers("rp1"), ==, 0);
}

static void test_handler(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,id=td,addr=3");
    HdPciDevice *mch = pci_bus_get_device(pci_device_get_bus(dev), 0);
    HdMigInstance *in = find_instance(dev);
    GError *err = NULL;

    (void)f;
    (void)data;
    /* Every emulated function registers, the host bridge's included. */
    g_assert_nonnull(in);
    g_assert_nonnull(mch);
    g_assert_nonnull(find_instance(mch));

    /* A stream without the device's config section is refused at the end. */
    g_assert_true(in->ops->load_setup(in->opaque, &err));
    g_assert_false(in->ops->load_complete(in->opaque, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "hostdev-testdev 'td': the migration stream has no "
                                          "PCI config section for it"));
    g_clear_error(&err);

    /* A section it does not know, and a damaged testdev section. */
    g_assert_false(in->ops->load_section(in->opaque, "nvme-queues", (const uint8_t *)"x", 1, &err));
    g_assert_nonnull(strstr(err->message, "'nvme-queues' section this device does not know"));
    g_clear_error(&err);
    g_assert_false(
        in->ops->load_section(in->opaque, "testdev-regs", (const uint8_t *)"\1\0\0", 3, &err));
    g_assert_nonnull(strstr(err->message, "the testdev-regs section is 3 bytes"));
    g_clear_error(&err);

    destroy(dev);
    g_assert_null(find_instance(dev));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn)                                                                              \
    g_test_add("/pci/migration/" path, PciFixture, NULL, fix_setup, fn, fix_teardown)
    ADD("roundtrip", test_roundtrip);
    ADD("msi", test_msi);
    ADD("refusals", test_refusals);
    ADD("refuse-other-device", test_refuse_other_device);
    ADD("damaged", test_damaged);
    ADD("root-port", test_root_port);
    ADD("pci-bridge", test_pci_bridge);
    ADD("handler", test_handler);
    ADD("unplug-blocks", test_unplug_blocks);
#undef ADD
    return g_test_run();
}
