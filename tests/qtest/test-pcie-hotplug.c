/*
 * PCI Express native hot-plug end to end on the real hostdev binary: the test plays the guest's
 * pciehp driver through config cycles (slot control and status, power, the event MSI and the
 * INTx fallback) while QMP device_add/device_del plug and unplug the emulated test device.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "hw/pci/pci-regs.h"
#include "hw/pci/testdev.h"
#include "libqtest.h"
#include "qtest-pci.h"

#define RP_SLOT 4 /* the hot-plug port on bus 0 */
#define RP_BUS 1  /* its secondary bus */
#define MSI_DATA 0x43
#define TESTDEV_ID (TESTDEV_DEVICE_ID << 16 | TESTDEV_VENDOR_ID)

#define ARGS                                                                                   \
    "-M q35 -device pcie-root-port,id=rp1,addr=4,chassis=1,slot=7 "                            \
    "-device pcie-root-port,id=rp2,addr=5,chassis=2,slot=8,hotplug=off "

typedef struct {
    QTestState *s;
    uint8_t exp; /* the port's PCI Express capability */
    uint8_t msi;
} Port;

static uint8_t find_cap(QTestState *s, int slot, uint8_t id)
{
    uint8_t ptr = pci_cfg_readb(s, slot, PCI_CAPABILITY_LIST);

    while (ptr) {
        if (pci_cfg_readb(s, slot, ptr) == id) {
            return ptr;
        }
        ptr = pci_cfg_readb(s, slot, ptr + 1);
    }
    return 0;
}

static uint16_t sltsta(Port *p)
{
    return pci_cfg_readw(p->s, RP_SLOT, p->exp + PCI_EXP_SLTSTA);
}

static uint16_t sltctl(Port *p)
{
    return pci_cfg_readw(p->s, RP_SLOT, p->exp + PCI_EXP_SLTCTL);
}

/* What the driver does on an interrupt: clear the events it saw. */
static void ack(Port *p, uint16_t events)
{
    pci_cfg_writew(p->s, RP_SLOT, p->exp + PCI_EXP_SLTSTA, events);
}

static void set_ctl(Port *p, uint16_t ctl)
{
    pci_cfg_writew(p->s, RP_SLOT, p->exp + PCI_EXP_SLTCTL, ctl);
}

static uint16_t ctl_with(uint16_t enables, unsigned pic, bool power_off)
{
    return enables | (PCI_EXP_SLTCTL_IND_OFF << PCI_EXP_SLTCTL_AIC_SHIFT) |
           (pic << PCI_EXP_SLTCTL_PIC_SHIFT) | (power_off ? PCI_EXP_SLTCTL_PCC : 0);
}

/* How many times the event MSI was raised so far (the qtest log records each). */
static unsigned msi_count(Port *p)
{
    g_autofree char *log = NULL;
    g_autofree char *want = g_strdup_printf("IRQ raise %d\n", MSI_DATA);
    unsigned n = 0;

    (void)qtest_get_irq(p->s, MSI_DATA); /* a round trip collects what is pending */
    g_assert_true(g_file_get_contents(qtest_log_path(p->s), &log, NULL, NULL));
    for (const char *at = log; (at = strstr(at, want)); at += strlen(want)) {
        n++;
    }
    return n;
}

static bool unplug_pending(QTestState *s, const char *id)
{
    g_autoptr(JsonNode) ret = qtest_qmp_assert_success(
        s, "{'execute': 'qom-get', 'arguments': {'path': '/machine/peripheral/%s', "
           "'property': 'unplug-pending'}}", id);

    return json_node_get_boolean(ret);
}

/* Bus numbers and bus mastering for the port, as firmware and the port driver set them. */
static void port_setup(Port *p, QTestState *s)
{
    p->s = s;
    pci_cfg_writel(s, RP_SLOT, PCI_PRIMARY_BUS, 0x00010100);
    pci_cfg_writew(s, RP_SLOT, PCI_COMMAND, PCI_COMMAND_MASTER);
    p->exp = find_cap(s, RP_SLOT, PCI_CAP_ID_EXP);
    p->msi = find_cap(s, RP_SLOT, PCI_CAP_ID_MSI);
    g_assert_cmpint(p->exp, !=, 0);
    g_assert_cmpint(p->msi, !=, 0);
}

static void msi_enable(Port *p)
{
    qtest_irq_intercept_in(p->s, "/machine/msi");
    pci_cfg_writel(p->s, RP_SLOT, p->msi + 4, 0xfee00000);
    pci_cfg_writel(p->s, RP_SLOT, p->msi + 8, 0);
    pci_cfg_writew(p->s, RP_SLOT, p->msi + 12, MSI_DATA);
    pci_cfg_writew(p->s, RP_SLOT, p->msi + 2, PCI_MSI_FLAGS_ENABLE);
}

/* The whole cycle with a driver that answers: plug, power on, button, power off, event. */
static void test_native(void)
{
    g_autoptr(QTestState) s = qtest_init(ARGS);
    const uint16_t enables = PCI_EXP_SLTCTL_ABPE | PCI_EXP_SLTCTL_DLLSCE |
                             PCI_EXP_SLTCTL_HPIE | PCI_EXP_SLTCTL_CCIE;
    g_autoptr(JsonObject) ev = NULL;
    g_autofree char *err = NULL;
    uint32_t cap;
    unsigned n;
    Port p;

    port_setup(&p, s);
    cap = pci_cfg_readl(s, RP_SLOT, p.exp + PCI_EXP_SLTCAP);
    g_assert_cmphex(cap & 0xff, ==,
                    PCI_EXP_SLTCAP_ABP | PCI_EXP_SLTCAP_PCP | PCI_EXP_SLTCAP_AIP |
                        PCI_EXP_SLTCAP_PIP | PCI_EXP_SLTCAP_HPC);
    g_assert_cmpuint(cap >> PCI_EXP_SLTCAP_PSN_SHIFT, ==, 7);
    g_assert_false(cap & PCI_EXP_SLTCAP_NCCS);
    /* Empty after reset: no presence, no link, power off, indicators off. */
    g_assert_cmphex(sltsta(&p) & PCI_EXP_SLTSTA_PDS, ==, 0);
    g_assert_cmphex(pci_cfg_readw(s, RP_SLOT, p.exp + PCI_EXP_LNKSTA) & PCI_EXP_LNKSTA_DLLLA, ==,
                    0);
    g_assert_cmphex(sltctl(&p), ==, ctl_with(0, PCI_EXP_SLTCTL_IND_OFF, true));

    /* The driver enables its events: the command completes with an interrupt. */
    msi_enable(&p);
    set_ctl(&p, ctl_with(enables, PCI_EXP_SLTCTL_IND_OFF, true));
    g_assert_cmphex(sltsta(&p) & PCI_EXP_SLTSTA_CC, ==, PCI_EXP_SLTSTA_CC);
    g_assert_cmpuint(msi_count(&p), ==, 1);
    ack(&p, PCI_EXP_SLTSTA_CC);
    g_assert_cmphex(sltsta(&p) & PCI_EXP_SLTSTA_CC, ==, 0);

    /* device_add: presence and link up, one interrupt; invisible until the slot is powered. */
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_add', 'arguments': {'driver': '" TESTDEV_TYPE_NAME "', "
           "'id': 't1', 'bus': 'rp1'}}"));
    g_assert_cmphex(sltsta(&p), ==,
                    PCI_EXP_SLTSTA_PDS | PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
    g_assert_cmphex(pci_cfg_readw(s, RP_SLOT, p.exp + PCI_EXP_LNKSTA) & PCI_EXP_LNKSTA_DLLLA, ==,
                    PCI_EXP_LNKSTA_DLLLA);
    g_assert_cmpuint(msi_count(&p), ==, 2);
    g_assert_cmphex(pci_cfg_bus_readl(s, RP_BUS, 0, PCI_VENDOR_ID), ==, 0xffffffff);
    ack(&p, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
    set_ctl(&p, ctl_with(enables, PCI_EXP_SLTCTL_IND_ON, false));
    ack(&p, PCI_EXP_SLTSTA_CC);
    g_assert_cmphex(pci_cfg_bus_readl(s, RP_BUS, 0, PCI_VENDOR_ID), ==, TESTDEV_ID);
    g_assert_false(unplug_pending(s, "t1"));

    /* Occupied, or hotplug=off: refused by name. */
    err = qtest_qmp_expect_error(s, "GenericError",
                                 "{'execute': 'device_add', 'arguments': {'driver': '"
                                 TESTDEV_TYPE_NAME "', 'id': 't2', 'bus': 'rp1'}}");
    if (!strstr(err, "in use by " TESTDEV_TYPE_NAME " 't1'")) {
        g_error("occupied slot: %s", err);
    }
    g_free(err);
    err = qtest_qmp_expect_error(s, "GenericError",
                                 "{'execute': 'device_add', 'arguments': {'driver': '"
                                 TESTDEV_TYPE_NAME "', 'id': 't3', 'bus': 'rp2'}}");
    if (!strstr(err, "pcie-root-port 'rp2' has hotplug=off")) {
        g_error("hotplug=off: %s", err);
    }

    /* device_del: the attention button; the device stays until the guest powers it off. */
    n = msi_count(&p);
    json_node_unref(
        qtest_qmp_assert_success(s, "{'execute': 'device_del', 'arguments': {'id': 't1'}}"));
    g_assert_cmphex(sltsta(&p) & PCI_EXP_SLTSTA_ABP, ==, PCI_EXP_SLTSTA_ABP);
    g_assert_cmpuint(msi_count(&p), ==, n + 1);
    g_assert_true(unplug_pending(s, "t1"));
    g_assert_null(qtest_qmp_event_take(s, "DEVICE_DELETED"));
    ack(&p, PCI_EXP_SLTSTA_ABP);
    /* The driver blinks the power indicator for its 5 s; asking again does not press again. */
    set_ctl(&p, ctl_with(enables, PCI_EXP_SLTCTL_IND_BLINK, false));
    ack(&p, PCI_EXP_SLTSTA_CC);
    json_node_unref(
        qtest_qmp_assert_success(s, "{'execute': 'device_del', 'arguments': {'id': 't1'}}"));
    g_assert_cmphex(sltsta(&p) & PCI_EXP_SLTSTA_ABP, ==, 0);
    g_assert_cmphex(pci_cfg_bus_readl(s, RP_BUS, 0, PCI_VENDOR_ID), ==, TESTDEV_ID);

    /* Power off: the device is gone from config space but stays until the indicator is off. */
    set_ctl(&p, ctl_with(enables, PCI_EXP_SLTCTL_IND_BLINK, true));
    ack(&p, PCI_EXP_SLTSTA_CC);
    g_assert_cmphex(pci_cfg_bus_readl(s, RP_BUS, 0, PCI_VENDOR_ID), ==, 0xffffffff);
    g_assert_true(unplug_pending(s, "t1"));
    g_assert_null(qtest_qmp_event_take(s, "DEVICE_DELETED"));
    /* Indicator off too: now it goes, DEVICE_DELETED follows, presence and link drop. */
    set_ctl(&p, ctl_with(enables, PCI_EXP_SLTCTL_IND_OFF, true));
    ev = qtest_qmp_eventwait(s, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(ev, "data"),
                                                  "device"), ==, "t1");
    g_assert_cmphex(sltsta(&p) & (PCI_EXP_SLTSTA_PDS | PCI_EXP_SLTSTA_PDC), ==,
                    PCI_EXP_SLTSTA_PDC);
    g_assert_cmphex(pci_cfg_readw(s, RP_SLOT, p.exp + PCI_EXP_LNKSTA) & PCI_EXP_LNKSTA_DLLLA, ==,
                    0);
    ack(&p, 0x1ff);

    /* The same id plugs again. */
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_add', 'arguments': {'driver': '" TESTDEV_TYPE_NAME "', "
           "'id': 't1', 'bus': 'rp1'}}"));
    g_assert_cmphex(sltsta(&p) & PCI_EXP_SLTSTA_PDS, ==, PCI_EXP_SLTSTA_PDS);
    set_ctl(&p, ctl_with(enables, PCI_EXP_SLTCTL_IND_ON, false));
    g_assert_cmphex(pci_cfg_bus_readl(s, RP_BUS, 0, PCI_VENDOR_ID), ==, TESTDEV_ID);
}

/* Without MSI the port's INTx line follows the enabled events. */
static void test_intx(void)
{
    g_autoptr(QTestState) s =
        qtest_init(ARGS "-device " TESTDEV_TYPE_NAME ",id=t1,bus=rp1");
    const uint16_t enables = PCI_EXP_SLTCTL_ABPE | PCI_EXP_SLTCTL_HPIE;
    int gsi = -1;
    Port p;

    port_setup(&p, s);
    qtest_irq_intercept_in(s, "/machine/ioapic");
    g_assert_cmpint(pci_cfg_readb(s, RP_SLOT, PCI_INTERRUPT_PIN), ==, 1);
    /* Cold-plugged: present and powered after reset. */
    g_assert_cmphex(sltsta(&p) & PCI_EXP_SLTSTA_PDS, ==, PCI_EXP_SLTSTA_PDS);
    g_assert_cmphex(sltctl(&p) & PCI_EXP_SLTCTL_PCC, ==, 0);
    set_ctl(&p, ctl_with(enables, PCI_EXP_SLTCTL_IND_ON, false));
    json_node_unref(
        qtest_qmp_assert_success(s, "{'execute': 'device_del', 'arguments': {'id': 't1'}}"));
    for (int line = 16; line < 24 && gsi < 0; line++) {
        if (qtest_get_irq(s, line)) {
            gsi = line;
        }
    }
    g_assert_cmpint(gsi, ==, 16 + (RP_SLOT % 8)); /* the DSDT's _PRT: 16 + (slot + pin) % 8 */
    ack(&p, PCI_EXP_SLTSTA_ABP);
    g_assert_false(qtest_get_irq(s, gsi));
}

/*
 * A guest that never answers (no hot-plug driver): device_del returns, the device stays with
 * its removal pending, asking again is accepted; a reset, which ends that guest, lets it go.
 */
static void test_no_driver(void)
{
    g_autoptr(QTestState) s =
        qtest_init(ARGS "-device " TESTDEV_TYPE_NAME ",id=t1,bus=rp1");
    g_autoptr(JsonObject) ev = NULL;
    Port p;

    port_setup(&p, s);
    g_assert_cmphex(pci_cfg_bus_readl(s, RP_BUS, 0, PCI_VENDOR_ID), ==, TESTDEV_ID);
    for (int i = 0; i < 2; i++) {
        json_node_unref(
            qtest_qmp_assert_success(s, "{'execute': 'device_del', 'arguments': {'id': 't1'}}"));
        g_assert_true(unplug_pending(s, "t1"));
    }
    g_assert_cmphex(pci_cfg_bus_readl(s, RP_BUS, 0, PCI_VENDOR_ID), ==, TESTDEV_ID);
    g_assert_null(qtest_qmp_event_take(s, "DEVICE_DELETED"));
    json_node_unref(qtest_qmp_assert_success(s, "{'execute': 'system_reset'}"));
    ev = qtest_qmp_eventwait(s, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(ev, "data"),
                                                  "device"), ==, "t1");
    /* The slot comes back empty and off. */
    g_assert_cmphex(sltsta(&p) & PCI_EXP_SLTSTA_PDS, ==, 0);
}

/* A slot the guest never powered: device_del removes at once (nothing uses the device). */
static void test_unpowered(void)
{
    g_autoptr(QTestState) s = qtest_init(ARGS);
    g_autoptr(JsonObject) ev = NULL;

    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_add', 'arguments': {'driver': '" TESTDEV_TYPE_NAME "', "
           "'id': 't1', 'bus': 'rp1'}}"));
    json_node_unref(
        qtest_qmp_assert_success(s, "{'execute': 'device_del', 'arguments': {'id': 't1'}}"));
    ev = qtest_qmp_eventwait(s, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(ev, "data"),
                                                  "device"), ==, "t1");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pcie-hotplug/native", test_native);
    g_test_add_func("/pcie-hotplug/intx", test_intx);
    g_test_add_func("/pcie-hotplug/no-driver", test_no_driver);
    g_test_add_func("/pcie-hotplug/unpowered", test_unpowered);
    return g_test_run();
}
