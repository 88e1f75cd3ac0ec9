/*
 * PCI unit tests: interrupt line sets, INTx routing to I/O APIC GSIs (with bridge swizzling
 * and sharing), MSI and MSI-X delivery on /machine/msi with masking and pending bits, and
 * the vector notifiers vfio-pci relies on.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "test-pci-fixture.h"

#define TD_DEVFN PCI_DEVFN(3, 0)
#define BAR0 0xc0000000u
#define BAR4 0xc0100000u

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

static void handler_count(void *opaque, int n, int level)
{
    int *count = opaque;

    (void)n;
    (void)level;
    (*count)++;
}

static void test_irq_lines(void)
{
    GArray *seen = g_array_new(FALSE, FALSE, sizeof(int));
    GError *err = NULL;
    HdIrqLines *lines;
    int count = 0;

    g_assert_false(hd_irq_intercept("/machine/none", fix_record, seen, &err));
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(err->message, "/machine/none"));
    g_clear_error(&err);

    lines = hd_irq_lines_new("/machine/test", 4, handler_count, &count);
    g_assert_true(hd_irq_lines_find("/machine/test") == lines);
    hd_irq_set(lines, 2, 1);
    hd_irq_set(lines, 2, 5); /* same level: no change */
    g_assert_cmpint(count, ==, 1);
    g_assert_cmpint(hd_irq_get(lines, 2), ==, 1);
    g_assert_true(hd_irq_intercept("/machine/test", fix_record, seen, &err));
    hd_irq_set(lines, 2, 0);
    hd_irq_pulse(lines, 3);
    g_assert_cmpint(count, ==, 1);
    assert_events(seen, "lower 2, raise 3, lower 3");
    hd_irq_lines_free(lines);
    g_assert_null(hd_irq_lines_find("/machine/test"));
    hd_irq_lines_free(NULL);
    g_array_unref(seen);
}

static void enable_bar0(PciFixture *f, int bus, int devfn, uint32_t addr)
{
    fix_cfg_write(f, bus, devfn, PCI_BASE_ADDRESS_0, addr, 4);
    fix_cfg_write(f, bus, devfn, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
}

static void test_intx(PciFixture *f, gconstpointer data)
{
    HdPciDevice *a = fix_device("hostdev-testdev,id=a,addr=3");
    HdPciDevice *b = fix_device("hostdev-testdev,id=b,addr=0xb");
    HdPciDevice *rp = fix_device("pcie-root-port,id=rp,addr=4");
    HdPciDevice *c = fix_device("hostdev-testdev,id=c,bus=rp");

    (void)data;
    /* Slot 3 pin A -> GSI 16 + 3; slot 11 shares it; behind the port in slot 4 -> GSI 20. */
    g_assert_cmpint(pci_intx_gsi(a), ==, 19);
    g_assert_cmpint(pci_intx_gsi(b), ==, 19);
    g_assert_cmpint(pci_intx_gsi(rp), ==, 20);
    g_assert_cmpint(pci_intx_gsi(c), ==, 20);

    enable_bar0(f, 0, TD_DEVFN, BAR0);
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_INTX, 1);
    assert_events(f->ioapic_events, "raise 19");
    g_assert_cmpint(fix_mmio_readl(f, BAR0 + TESTDEV_REG_INTX), ==, 1);
    g_assert_true(fix_cfg_read(f, 0, TD_DEVFN, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);

    /* INTx disable masks the line but not the status bit. */
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
    assert_events(f->ioapic_events, "lower 19");
    g_assert_true(fix_cfg_read(f, 0, TD_DEVFN, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    assert_events(f->ioapic_events, "raise 19");

    /* Shared line: stays up until both lower. */
    pci_set_irq(b, 1);
    assert_events(f->ioapic_events, "");
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_INTX, 0);
    assert_events(f->ioapic_events, "");
    g_assert_false(fix_cfg_read(f, 0, TD_DEVFN, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    pci_set_irq(b, 0);
    assert_events(f->ioapic_events, "lower 19");

    /* Behind the root port; reset lowers the line. */
    pci_set_irq(c, 1);
    assert_events(f->ioapic_events, "raise 20");
    g_assert_cmpint(hd_irq_get(hd_irq_lines_find(Q35_IOAPIC_PATH), 20), ==, 1);
    hd_device_reset(f->host);
    assert_events(f->ioapic_events, "lower 20");
    g_assert_cmpint(pci_irq_level(c), ==, 0);
}

static void test_msi(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,addr=3,msi-vectors=4");
    uint8_t cap = TESTDEV_MSI_CAP;

    (void)data;
    g_assert_true(msi_present(dev));
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, cap + PCI_MSI_FLAGS, 2), ==,
                    PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (2 << 1));
    enable_bar0(f, 0, TD_DEVFN, BAR0);

    /* Disabled: nothing. */
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSI, 0);
    assert_events(f->msi_events, "");

    fix_cfg_write(f, 0, TD_DEVFN, cap + PCI_MSI_ADDRESS_LO, Q35_MSI_BASE, 4);
    fix_cfg_write(f, 0, TD_DEVFN, cap + PCI_MSI_ADDRESS_HI, 0, 4);
    fix_cfg_write(f, 0, TD_DEVFN, cap + PCI_MSI_DATA_64, 0x40, 2);
    fix_cfg_write(f, 0, TD_DEVFN, cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | (2 << 4), 2);
    g_assert_true(msi_enabled(dev));
    g_assert_cmpuint(msi_nr_vectors_enabled(dev), ==, 4);

    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSI, 2);
    assert_events(f->msi_events, "raise 66, lower 66");
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSI, 4); /* beyond the enabled vectors */
    assert_events(f->msi_events, "");

    /* Masked: pending, delivered on unmask. */
    fix_cfg_write(f, 0, TD_DEVFN, cap + PCI_MSI_MASK_64, 0x2, 4);
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSI, 1);
    assert_events(f->msi_events, "");
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, cap + PCI_MSI_PENDING_64, 4), ==, 0x2);
    fix_cfg_write(f, 0, TD_DEVFN, cap + PCI_MSI_MASK_64, 0, 4);
    assert_events(f->msi_events, "raise 65, lower 65");
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, cap + PCI_MSI_PENDING_64, 4), ==, 0);

    /* Bus mastering off: MSI writes are not issued. */
    fix_cfg_write(f, 0, TD_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSI, 0);
    assert_events(f->msi_events, "");

    hd_device_reset(f->host);
    g_assert_false(msi_enabled(dev));
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, cap + PCI_MSI_DATA_64, 2), ==, 0);
}

static void msix_entry(PciFixture *f, unsigned v, uint64_t addr, uint32_t data, bool masked)
{
    hwaddr e = BAR4 + v * PCI_MSIX_ENTRY_SIZE;

    fix_mmio_writel(f, e + PCI_MSIX_ENTRY_LOWER_ADDR, addr & 0xffffffff);
    fix_mmio_writel(f, e + PCI_MSIX_ENTRY_UPPER_ADDR, addr >> 32);
    fix_mmio_writel(f, e + PCI_MSIX_ENTRY_DATA, data);
    fix_mmio_writel(f, e + PCI_MSIX_ENTRY_VECTOR_CTRL, masked ? 1 : 0);
}

static uint32_t pba_offset(PciFixture *f, uint8_t cap)
{
    return fix_cfg_read(f, 0, TD_DEVFN, cap + PCI_MSIX_PBA, 4) & PCI_MSIX_PBA_OFFSET;
}

static void test_msix(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,addr=3,msix-vectors=8");
    uint8_t cap = msix_cap_offset(dev);
    uint32_t pba;

    (void)data;
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, cap + PCI_MSIX_FLAGS, 2), ==, 7);
    g_assert_cmphex(fix_cfg_read(f, 0, TD_DEVFN, cap + PCI_MSIX_TABLE, 4), ==, TESTDEV_MSIX_BAR);
    pba = pba_offset(f, cap);
    g_assert_cmpuint(pba, >=, 8 * PCI_MSIX_ENTRY_SIZE);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_4, BAR4, 4);
    enable_bar0(f, 0, TD_DEVFN, BAR0);
    /* Entries start masked. */
    g_assert_cmphex(fix_mmio_readl(f, BAR4 + 3 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL), ==, 1);

    msix_entry(f, 3, Q35_MSI_BASE, 0x55, false);
    g_assert_cmphex(fix_mmio_readl(f, BAR4 + 3 * 16 + PCI_MSIX_ENTRY_DATA), ==, 0x55);
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSIX, 3);
    assert_events(f->msi_events, ""); /* MSI-X disabled */
    fix_cfg_write(f, 0, TD_DEVFN, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
    g_assert_true(msix_enabled(dev));
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSIX, 3);
    assert_events(f->msi_events, "raise 85, lower 85");

    /* Function mask: pending bit, delivered when cleared. */
    fix_cfg_write(f, 0, TD_DEVFN, cap + PCI_MSIX_FLAGS,
                  PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSIX, 3);
    assert_events(f->msi_events, "");
    g_assert_cmphex(fix_mmio_readl(f, BAR4 + pba), ==, 1u << 3);
    fix_cfg_write(f, 0, TD_DEVFN, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
    assert_events(f->msi_events, "raise 85, lower 85");
    g_assert_cmphex(fix_mmio_readl(f, BAR4 + pba), ==, 0);

    /* Entry mask: same through the table. */
    fix_mmio_writel(f, BAR4 + 3 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 1);
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSIX, 3);
    assert_events(f->msi_events, "");
    g_assert_true(msix_is_pending(dev, 3));
    /* The PBA is read-only. */
    fix_mmio_writel(f, BAR4 + pba, 0);
    g_assert_cmphex(fix_mmio_readl(f, BAR4 + pba), ==, 1u << 3);
    fix_mmio_writel(f, BAR4 + 3 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    assert_events(f->msi_events, "raise 85, lower 85");
    g_assert_false(msix_is_pending(dev, 3));

    /* A still-masked vector and one out of range: nothing. */
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSIX, 2);
    fix_mmio_writel(f, BAR0 + TESTDEV_REG_MSIX, 8);
    assert_events(f->msi_events, "");
    g_assert_true(msix_is_pending(dev, 2));

    hd_device_reset(f->host);
    g_assert_false(msix_enabled(dev));
    g_assert_false(msix_is_pending(dev, 2));
    g_assert_true(msix_is_masked(dev, 3));
    g_assert_cmphex(msix_get_message(dev, 3).data, ==, 0);
}

typedef struct {
    GPtrArray *log;
} NotifyLog;

static const char *kind_name(HdPciIrqKind kind)
{
    return kind == HD_PCI_IRQ_MSI ? "msi" : "msix";
}

static void n_enable(HdPciDevice *dev, HdPciIrqKind kind, bool enabled, void *opaque)
{
    (void)dev;
    g_ptr_array_add(((NotifyLog *)opaque)->log,
                    g_strdup_printf("%s %s", kind_name(kind), enabled ? "on" : "off"));
}

static void n_use(HdPciDevice *dev, HdPciIrqKind kind, unsigned vector, HdMsiMessage msg,
                  void *opaque)
{
    (void)dev;
    g_ptr_array_add(((NotifyLog *)opaque)->log,
                    g_strdup_printf("use %s %u %" G_GINT64_MODIFIER "x/%x", kind_name(kind), vector,
                                    msg.address, msg.data));
}

static void n_release(HdPciDevice *dev, HdPciIrqKind kind, unsigned vector, void *opaque)
{
    (void)dev;
    g_ptr_array_add(((NotifyLog *)opaque)->log,
                    g_strdup_printf("release %s %u", kind_name(kind), vector));
}

static void assert_notes(NotifyLog *nl, const char *expect)
{
    GString *s = g_string_new("");

    for (guint i = 0; i < nl->log->len; i++) {
        g_string_append_printf(s, "%s%s", i ? "; " : "", (char *)nl->log->pdata[i]);
    }
    g_ptr_array_set_size(nl->log, 0);
    g_assert_cmpstr(s->str, ==, expect);
    g_string_free(s, TRUE);
}

static void test_notifiers(PciFixture *f, gconstpointer data)
{
    HdPciDevice *dev = fix_device("hostdev-testdev,addr=3,msi-vectors=2,msix-vectors=4");
    static const HdPciVectorNotifiers ops = {
        .enable_changed = n_enable,
        .vector_use = n_use,
        .vector_release = n_release,
    };
    NotifyLog nl = {.log = g_ptr_array_new_with_free_func(g_free)};
    uint8_t msi = TESTDEV_MSI_CAP;
    uint8_t msix = msix_cap_offset(dev);

    (void)data;
    pci_set_vector_notifiers(dev, &ops, &nl);
    fix_cfg_write(f, 0, TD_DEVFN, PCI_BASE_ADDRESS_4, BAR4, 4);
    enable_bar0(f, 0, TD_DEVFN, BAR0);

    /* MSI: enable with two vectors, mask one, reprogram data, disable. */
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_ADDRESS_LO, Q35_MSI_BASE, 4);
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_DATA_64, 0x20, 2);
    assert_notes(&nl, "");
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | (1 << 4), 2);
    assert_notes(&nl, "msi on; use msi 0 fee00000/20; use msi 1 fee00000/21");
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_MASK_64, 0x1, 4);
    assert_notes(&nl, "release msi 0");
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_DATA_64, 0x30, 2);
    assert_notes(&nl, "use msi 1 fee00000/31");
    fix_cfg_write(f, 0, TD_DEVFN, msi + PCI_MSI_FLAGS, 0, 2);
    assert_notes(&nl, "release msi 1; msi off");

    /* MSI-X: enable (all masked), unmask, reprogram, function mask, disable. */
    fix_cfg_write(f, 0, TD_DEVFN, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
    assert_notes(&nl, "msix on");
    msix_entry(f, 1, Q35_MSI_BASE, 0x61, false);
    assert_notes(&nl, "use msix 1 fee00000/61");
    fix_mmio_writel(f, BAR4 + 16 + PCI_MSIX_ENTRY_DATA, 0x62);
    assert_notes(&nl, "use msix 1 fee00000/62");
    fix_mmio_writel(f, BAR4 + 16 + PCI_MSIX_ENTRY_DATA, 0x62);
    assert_notes(&nl, "");
    fix_cfg_write(f, 0, TD_DEVFN, msix + PCI_MSIX_FLAGS,
                  PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
    assert_notes(&nl, "release msix 1");
    fix_cfg_write(f, 0, TD_DEVFN, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
    assert_notes(&nl, "use msix 1 fee00000/62");
    msix_entry(f, 2, Q35_MSI_BASE, 0x63, false);
    assert_notes(&nl, "use msix 2 fee00000/63");
    fix_cfg_write(f, 0, TD_DEVFN, msix + PCI_MSIX_FLAGS, 0, 2);
    assert_notes(&nl, "release msix 1; release msix 2; msix off");

    /* Reset while enabled tells the notifiers too. */
    fix_cfg_write(f, 0, TD_DEVFN, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
    msix_entry(f, 0, Q35_MSI_BASE, 0x70, false);
    /* Entries 1 and 2 were left unmasked: enabling uses them again. */
    assert_notes(&nl, "msix on; use msix 1 fee00000/62; use msix 2 fee00000/63; "
                      "use msix 0 fee00000/70");
    hd_device_reset(f->host);
    assert_notes(&nl, "release msix 0; release msix 1; release msix 2; msix off");

    pci_set_vector_notifiers(dev, NULL, NULL);
    g_ptr_array_unref(nl.log);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci/irq/lines", test_irq_lines);
#define ADD(path, fn) g_test_add("/pci/irq/" path, PciFixture, NULL, fix_setup, fn, fix_teardown)
    ADD("intx", test_intx);
    ADD("msi", test_msi);
    ADD("msix", test_msix);
    ADD("notifiers", test_notifiers);
#undef ADD
    return g_test_run();
}
