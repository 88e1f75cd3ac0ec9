/*
 * Lab test of vfio-pci config space on real devices: igb's PCIe extended capabilities as the
 * guest reads them through ECAM (compared with the host's view in sysfs, SR-IOV left out), the
 * PCIe capability on pcie.0 and behind a root port, identity overrides, vf-token, igb's MSI-X
 * BAR mapped whole where the kernel allows it, MSI-X relocation.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "libqtest.h"
#include "qtest-pci.h"

#define ECAM_BASE 0xb0000000ull
#define EXT_SIZE 4096
#define SLOT 5
#define RP_SLOT 0x10

#define CAP_ID_EXP 0x10
#define EXP_TYPE_ENDPOINT 0x0
#define EXP_TYPE_RC_END 0x9
#define EXT_ID_DSN 0x03
#define EXT_ID_SRIOV 0x10

typedef struct LabBackend {
    const char *name;
    const char *objects;
    const char *device_opts;
} LabBackend;

static const LabBackend legacy = {"legacy", "", ""};
static const LabBackend iommufd = {"iommufd", "-object iommufd,id=iofd0", ",iommufd=iofd0"};

static const char *lab_env(const char *name)
{
    const char *v = g_getenv(name);

    if (!v || !*v) {
        g_test_fail_printf("%s is not set: run the lab suite through scripts/lab/run", name);
        return NULL;
    }
    return v;
}

/* hostdev on q35 with @devices; vfio-pci options get the backend's suffix. */
static QTestState *start(const LabBackend *b, const char *devices)
{
    g_autofree char *args =
        g_strdup_printf("-M q35 -m 512M -nodefaults %s %s", b->objects, devices);

    return qtest_init(args);
}

static uint32_t ecam_readl(QTestState *s, int bus, int slot, int reg)
{
    return qtest_readl(s, ECAM_BASE + ((uint64_t)bus << 20) + ((uint64_t)slot << 15) + reg);
}

/* The device's own config space as the host kernel shows it (4 KiB, root reads it all). */
static uint8_t *host_config(const char *bdf)
{
    g_autofree char *path = g_strdup_printf("/sys/bus/pci/devices/%s/config", bdf);
    g_autofree char *text = NULL;
    uint8_t *c = g_malloc0(EXT_SIZE);
    gsize len = 0;

    g_assert_true(g_file_get_contents(path, &text, &len, NULL));
    g_assert_cmpuint(len, ==, EXT_SIZE);
    memcpy(c, text, EXT_SIZE);
    return c;
}

/* One extended capability: where and which. */
typedef struct ExtCap {
    uint16_t pos;
    uint16_t id;
} ExtCap;

/* Walk an extended capability chain read through @rd. */
typedef uint32_t (*ReadFn)(void *opaque, int reg);

static GArray *ext_walk(ReadFn rd, void *opaque)
{
    GArray *caps = g_array_new(FALSE, FALSE, sizeof(ExtCap));
    uint16_t pos = 0x100;

    for (int loops = 0; pos >= 0x100 && loops < 64; loops++) {
        uint32_t h = rd(opaque, pos);
        ExtCap c = {pos, h & 0xffff};

        if (h == 0 || h == 0xffffffff) {
            break;
        }
        if (c.id != 0) { /* a null header only anchors the list */
            g_array_append_val(caps, c);
        }
        pos = (h >> 20) & 0xffc;
    }
    return caps;
}

static uint32_t host_rd(void *opaque, int reg)
{
    return *(uint32_t *)((uint8_t *)opaque + reg);
}

typedef struct GuestDev {
    QTestState *s;
    int bus, slot;
} GuestDev;

static uint32_t guest_rd(void *opaque, int reg)
{
    GuestDev *g = opaque;

    return ecam_readl(g->s, g->bus, g->slot, reg);
}

static char *caps_string(GArray *caps)
{
    GString *str = g_string_new(NULL);

    for (guint i = 0; i < caps->len; i++) {
        ExtCap *c = &g_array_index(caps, ExtCap, i);

        g_string_append_printf(str, "%s0x%x@0x%x", i ? " " : "", c->id, c->pos);
    }
    return g_string_free(str, FALSE);
}

static bool hidden(uint16_t id)
{
    return id == EXT_ID_SRIOV || id == 0x11 || id == 0x24 || id == 0x05 || id == 0x06 ||
           id == 0x07 || id == 0x0a;
}

/*
 * The guest's chain is the host's without what cannot be assigned; DSN reads the same. The host
 * chain must hold something (@want_caps) and something hidden (@want_hidden) when asked.
 */
static void check_chain(QTestState *s, int bus, int slot, const uint8_t *host, bool want_caps,
                        bool want_hidden)
{
    GuestDev g = {s, bus, slot};
    g_autoptr(GArray) hc = ext_walk(host_rd, (void *)host);
    g_autoptr(GArray) gc = ext_walk(guest_rd, &g);
    g_autofree char *hs = caps_string(hc), *gs = caps_string(gc);
    g_autoptr(GArray) want = g_array_new(FALSE, FALSE, sizeof(ExtCap));
    bool any_hidden = false;

    g_test_message("host extended capabilities: %s; guest: %s", hs, gs);
    if (want_caps) {
        g_assert_cmpuint(hc->len, >, 0);
    }
    for (guint i = 0; i < hc->len; i++) {
        ExtCap *c = &g_array_index(hc, ExtCap, i);

        if (hidden(c->id)) {
            any_hidden = true;
        } else {
            g_array_append_val(want, *c);
        }
    }
    g_assert_cmpint(any_hidden, ==, want_hidden);
    g_assert_cmpuint(gc->len, ==, want->len);
    for (guint i = 0; i < want->len && i < gc->len; i++) {
        ExtCap *w = &g_array_index(want, ExtCap, i), *c = &g_array_index(gc, ExtCap, i);

        g_assert_cmphex(c->id, ==, w->id);
        g_assert_cmphex(c->pos, ==, w->pos);
        if (c->id == EXT_ID_DSN) {
            g_assert_cmphex(ecam_readl(s, bus, slot, c->pos + 4), ==, host_rd((void *)host, c->pos + 4));
            g_assert_cmphex(ecam_readl(s, bus, slot, c->pos + 8), ==, host_rd((void *)host, c->pos + 8));
        }
    }
}

/* The guest-visible PCIe capability's offset through CF8/CFC on @bus. */
static uint8_t exp_cap(QTestState *s, int bus, int slot)
{
    uint8_t ptr = pci_cfg_bus_readl(s, bus, slot, 0x34) & 0xfc;

    for (int loops = 0; ptr >= 0x40 && loops < 48; loops++) {
        uint32_t h = pci_cfg_bus_readl(s, bus, slot, ptr);

        if ((h & 0xff) == CAP_ID_EXP) {
            return ptr;
        }
        ptr = (h >> 8) & 0xfc;
    }
    return 0;
}

/* --- nvme on pcie.0: a root-complex integrated endpoint --- */

static void test_nvme_root_bus(gconstpointer opaque)
{
    const LabBackend *b = opaque;
    const char *nvme = lab_env("LAB_NVME");
    g_autofree uint8_t *host = NULL;
    g_autofree char *dev = NULL;
    g_autoptr(QTestState) s = NULL;
    uint8_t exp;

    if (!nvme) {
        return;
    }
    host = host_config(nvme);
    dev = g_strdup_printf("-device vfio-pci,host=%s,addr=%x,id=nvme0%s", nvme, SLOT,
                          b->device_opts);
    s = start(b, dev);
    /* The lab's nvme lists no extended capability: neither does the guest's. */
    check_chain(s, 0, SLOT, host, false, false);
    /* The last dword of the 4 KiB is there (not all-ones), like the device's. */
    g_assert_cmphex(ecam_readl(s, 0, SLOT, 0xffc), !=, 0xffffffff);

    exp = exp_cap(s, 0, SLOT);
    g_assert_cmpuint(exp, !=, 0);
    g_assert_cmphex((pci_cfg_bus_readl(s, 0, SLOT, exp) >> 20) & 0xf, ==, EXP_TYPE_RC_END);
    /* No link on the root bus. */
    g_assert_cmphex(pci_cfg_bus_readl(s, 0, SLOT, exp + 0x0c), ==, 0);
    g_assert_cmphex(pci_cfg_bus_readl(s, 0, SLOT, exp + 0x10), ==, 0);
}

static void test_igb_extcap_off(gconstpointer opaque)
{
    const LabBackend *b = opaque;
    const char *igb = lab_env("LAB_IGB");
    g_autofree uint8_t *host = NULL;
    g_autofree char *dev = NULL;
    g_autoptr(QTestState) s = NULL;

    if (!igb) {
        return;
    }
    host = host_config(igb);
    g_assert_cmphex(host_rd(host, 0x100), !=, 0);
    dev = g_strdup_printf("-device vfio-pci,host=%s,addr=%x,x-pcie-extcap-init=off%s", igb, SLOT,
                          b->device_opts);
    s = start(b, dev);
    for (int reg = 0x100; reg < EXT_SIZE; reg += 0x40) {
        g_assert_cmphex(ecam_readl(s, 0, SLOT, reg), ==, 0);
    }
    /* Standard config space is untouched. */
    g_assert_cmpuint(exp_cap(s, 0, SLOT), !=, 0);
}

/* --- igb behind a pcie-root-port: an endpoint with its link, the same chain --- */

static void test_igb_root_port(gconstpointer opaque)
{
    const LabBackend *b = opaque;
    const char *igb = lab_env("LAB_IGB");
    g_autofree uint8_t *host = NULL;
    g_autofree char *dev = NULL;
    g_autoptr(QTestState) s = NULL;
    uint8_t exp, hexp;

    if (!igb) {
        return;
    }
    host = host_config(igb);
    dev = g_strdup_printf("-device pcie-root-port,id=rp0,chassis=1,addr=%x "
                          "-device vfio-pci,host=%s,bus=rp0,addr=0,id=igb0%s",
                          RP_SLOT, igb, b->device_opts);
    s = start(b, dev);
    /* Bus 1 below the port, as firmware would number it. */
    pci_cfg_writel(s, RP_SLOT, 0x18, 0x00010100);
    g_assert_cmphex(pci_cfg_bus_readl(s, 1, 0, 0), ==, host_rd(host, 0));
    check_chain(s, 1, 0, host, true, true);
    exp = exp_cap(s, 1, 0);
    g_assert_cmpuint(exp, !=, 0);
    g_assert_cmphex((pci_cfg_bus_readl(s, 1, 0, exp) >> 20) & 0xf, ==, EXP_TYPE_ENDPOINT);
    for (hexp = host[0x34] & 0xfc; hexp && host[hexp] != CAP_ID_EXP; hexp = host[hexp + 1] & 0xfc) {
    }
    g_assert_cmpuint(hexp, ==, exp);
    if (((host_rd(host, hexp) >> 20) & 0xf) == EXP_TYPE_RC_END) {
        /* An integrated endpoint on the lab's own root bus gets a x1 2.5 GT/s link. */
        g_assert_cmphex(pci_cfg_bus_readl(s, 1, 0, exp + 0x0c), ==, 0x11);
        g_assert_cmphex(pci_cfg_bus_readl(s, 1, 0, exp + 0x10) >> 16, ==, 0x11);
    } else {
        /* The device's own link capability (speed and width), port number 0. */
        g_assert_cmphex(pci_cfg_bus_readl(s, 1, 0, exp + 0x0c), ==,
                        host_rd(host, hexp + 0x0c) & 0x00ffffff);
    }
}

/* --- igb: SR-IOV is not the guest's; vf-token on the PF --- */

static void test_igb_sriov_hidden(gconstpointer opaque)
{
    const LabBackend *b = opaque;
    const char *igb = lab_env("LAB_IGB");
    g_autofree uint8_t *host = NULL;
    g_autofree char *dev = NULL;
    g_autoptr(QTestState) s = NULL;

    if (!igb) {
        return;
    }
    host = host_config(igb);
    dev = g_strdup_printf("-device vfio-pci,host=%s,addr=%x,id=igb0%s", igb, SLOT,
                          b->device_opts);
    s = start(b, dev);
    g_assert_cmphex(pci_cfg_readw(s, SLOT, 0), ==, 0x8086);
    check_chain(s, 0, SLOT, host, true, true);
}

/* --- identity overrides and vf-token errors on edu --- */

static void test_edu_ids(gconstpointer opaque)
{
    const LabBackend *b = opaque;
    const char *edu = lab_env("LAB_EDU");
    g_autofree char *dev = NULL, *desc = NULL;
    g_autoptr(QTestState) s = NULL;
    g_autoptr(QTestState) other = NULL;

    if (!edu) {
        return;
    }
    dev = g_strdup_printf("-device vfio-pci,host=%s,addr=%x,id=edu0,x-pci-vendor-id=0x1af4,"
                          "x-pci-device-id=0x1041,x-pci-sub-vendor-id=0x1234,"
                          "x-pci-sub-device-id=0x5678%s",
                          edu, SLOT, b->device_opts);
    s = start(b, dev);
    g_assert_cmphex(pci_cfg_readl(s, SLOT, 0x00), ==, 0x10411af4);
    g_assert_cmphex(pci_cfg_readl(s, SLOT, 0x2c), ==, 0x56781234);
    /* The class code is still the device's. */
    g_assert_cmphex(pci_cfg_readl(s, SLOT, 0x08) >> 8, ==, 0x00ff00);
    g_clear_pointer(&s, qtest_quit);

    /* Out of range and malformed values, in a VM of its own. */
    other = start(b, "");
    desc = qtest_qmp_expect_error(
        other, "GenericError",
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', 'host': '%s', "
        "'id': 'edu1', 'addr': '6', 'x-pci-vendor-id': 65536%s}}",
        edu, b == &iommufd ? ", 'iommufd': 'iofd0'" : "");
    g_test_message("refused: %s", desc);
    g_assert_nonnull(strstr(desc, "x-pci-vendor-id=0x10000"));
    g_free(desc);
    desc = qtest_qmp_expect_error(
        other, "GenericError",
        "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', 'host': '%s', "
        "'id': 'edu1', 'addr': '6', 'vf-token': 'nope'%s}}",
        edu, b == &iommufd ? ", 'iommufd': 'iofd0'" : "");
    g_test_message("refused: %s", desc);
    g_assert_nonnull(strstr(desc, "vf-token=nope is not a UUID"));
}

/*
 * vf-token on a function that is neither PF nor VF (the lab kernel has no PCI_IOV, so igb is
 * not one either): the legacy backend presents it at open and the kernel refuses it, named in
 * the error; with iommufd (no token at cdev bind in Linux 6.12) only a PF would take it, and
 * edu realizes.
 */
static void test_edu_vf_token(gconstpointer opaque)
{
    const LabBackend *b = opaque;
    const char *edu = lab_env("LAB_EDU");
    g_autofree char *desc = NULL;
    g_autoptr(QTestState) s = NULL;
    const char *args = "'driver': 'vfio-pci', 'host': '%s', 'id': 'edu1', 'addr': '6', "
                       "'vf-token': '5d1b3e2a-9c4f-4e55-8a77-0123456789ab'%s";
    g_autofree char *json = NULL;

    if (!edu) {
        return;
    }
    s = start(b, "");
    json = g_strdup_printf(args, edu, b == &iommufd ? ", 'iommufd': 'iofd0'" : "");
    if (b == &legacy) {
        desc = qtest_qmp_expect_error(s, "GenericError",
                                      "{'execute': 'device_add', 'arguments': {%s}}", json);
        g_test_message("refused: %s", desc);
        g_assert_nonnull(strstr(desc, "vf_token=5d1b3e2a"));
        g_assert_nonnull(strstr(desc, edu));
    } else {
        json_node_unref(qtest_qmp_assert_success(
            s, "{'execute': 'device_add', 'arguments': {%s}}", json));
        g_assert_cmphex(pci_cfg_readl(s, 6, 0x00), ==, 0x11e81234);
    }
}

/* --- igb MSI-X: the table page mapped where the kernel allows it; relocation --- */

#define MEM_BASE 0xc0000000u
#define MSI_ADDR 0xfee00000u
#define IGB_GPIE 0x1514
#define IGB_EICS 0x1520
#define IGB_EIMS 0x1524
#define IGB_EIAC 0x152c
#define WAIT_US (30 * G_USEC_PER_SEC)

/* Give every memory BAR of @slot an address (1 MiB apart) and turn decoding on; @addr[i] is
 * 0 for a BAR that is absent or I/O. */
static void map_bars(QTestState *s, int slot, uint64_t addr[6])
{
    for (int i = 0; i < 6; i++) {
        int reg = 0x10 + 4 * i;
        uint32_t low = pci_cfg_readl(s, slot, reg), mask;

        addr[i] = 0;
        pci_cfg_writel(s, slot, reg, 0xffffffff);
        mask = pci_cfg_readl(s, slot, reg);
        if (mask == 0 || (low & 1)) {
            continue;
        }
        addr[i] = MEM_BASE + 0x100000u * i;
        pci_cfg_writel(s, slot, reg, (uint32_t)addr[i]);
        if ((low & 6) == 4) {
            pci_cfg_writel(s, slot, reg + 4, 0);
            i++;
        }
    }
    pci_cfg_writew(s, slot, 0x04, pci_cfg_readw(s, slot, 0x04) | 0x6);
}

static unsigned msi_raises(QTestState *s, int data)
{
    g_autofree char *log = NULL;
    g_autofree char *needle = g_strdup_printf("IRQ raise %d\n", data);
    unsigned n = 0;

    qtest_get_irq(s, data); /* a round trip: what came before is in the log */
    if (g_file_get_contents(qtest_log_path(s), &log, NULL, NULL)) {
        for (const char *p = log; (p = strstr(p, needle)); p += strlen(needle)) {
            n++;
        }
    }
    return n;
}

/* Program MSI-X vector 0 through the guest-visible table and have igb raise it. */
static void igb_msix_fires(QTestState *s, uint8_t cap, const uint64_t bars[6])
{
    uint16_t flags = pci_cfg_readw(s, SLOT, cap + 2);
    uint32_t table = pci_cfg_readl(s, SLOT, cap + 4);
    uint64_t entry = bars[table & 7] + (table & ~7u);
    const int data = 0x56;
    gint64 deadline = g_get_monotonic_time() + WAIT_US;
    unsigned before;

    g_assert_cmpuint(bars[table & 7], !=, 0);
    g_assert_cmphex(qtest_readl(s, entry + 12) & 1, ==, 1);
    qtest_writel(s, entry + 0, MSI_ADDR);
    qtest_writel(s, entry + 4, 0);
    qtest_writel(s, entry + 8, data);
    qtest_irq_intercept_in(s, "/machine/msi");
    pci_cfg_writew(s, SLOT, cap + 2, (flags | 0x8000) & ~0x4000);
    qtest_writel(s, entry + 12, 0);
    qtest_writel(s, bars[0] + IGB_GPIE, 0x10);
    qtest_writel(s, bars[0] + IGB_EIAC, 0);
    qtest_writel(s, bars[0] + IGB_EIMS, 1);
    before = msi_raises(s, data);
    qtest_writel(s, bars[0] + IGB_EICS, 1);
    while (msi_raises(s, data) <= before && g_get_monotonic_time() < deadline) {
        g_usleep(5000);
    }
    g_assert_cmpuint(msi_raises(s, data), >, before);
}

/* The offset of capability @id in the guest's list, 0 when absent. */
static uint8_t std_cap(QTestState *s, int slot, uint8_t id)
{
    uint8_t ptr = pci_cfg_readb(s, slot, 0x34) & 0xfc;

    for (int loops = 0; ptr >= 0x40 && loops < 48; loops++) {
        if (pci_cfg_readb(s, slot, ptr) == id) {
            return ptr;
        }
        ptr = pci_cfg_readb(s, slot, ptr + 1) & 0xfc;
    }
    return 0;
}

/*
 * Linux reports VFIO_REGION_INFO_CAP_MSIX_MAPPABLE for igb's MSI-X BAR: that BAR is mapped whole
 * (one area from offset 0) while the guest's table accesses still reach the emulated table.
 */
static void test_igb_msix_mappable(gconstpointer opaque)
{
    const LabBackend *b = opaque;
    const char *igb = lab_env("LAB_IGB");
    g_autofree uint8_t *host = NULL;
    g_autofree char *dir = NULL, *trace = NULL, *dev = NULL, *log = NULL, *needle = NULL;
    g_autoptr(QTestState) s = NULL;
    uint64_t bars[6];
    uint8_t hcap, cap;
    unsigned tbir;

    if (!igb) {
        return;
    }
    host = host_config(igb);
    for (hcap = host[0x34] & 0xfc; hcap && host[hcap] != 0x11; hcap = host[hcap + 1] & 0xfc) {
    }
    g_assert_cmpuint(hcap, !=, 0);
    tbir = host_rd(host, hcap + 4) & 7;
    dir = g_dir_make_tmp("lab-vfio-config-XXXXXX", NULL);
    trace = g_build_filename(dir, "trace.log", NULL);
    dev = g_strdup_printf("-D %s -trace vfio_region_mmap -device vfio-pci,host=%s,addr=%x%s",
                          trace, igb, SLOT, b->device_opts);
    s = start(b, dev);
    cap = std_cap(s, SLOT, 0x11);
    g_assert_cmpuint(cap, ==, hcap);
    g_assert_true(g_file_get_contents(trace, &log, NULL, NULL));
    needle = g_strdup_printf("BAR %u offset=", tbir);
    g_test_message("mmaps of the MSI-X BAR %u:\n%s", tbir, log);
    {
        g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
        unsigned n = 0;

        for (int i = 0; lines[i]; i++) {
            if (strstr(lines[i], needle)) {
                n++;
                g_assert_nonnull(strstr(lines[i], "offset=0x0 "));
                g_assert_nonnull(strstr(lines[i], "ret=0"));
            }
        }
        g_assert_cmpuint(n, ==, 1);
    }
    map_bars(s, SLOT, bars);
    igb_msix_fires(s, cap, bars);
    qtest_quit(g_steal_pointer(&s));
    g_unlink(trace);
    g_rmdir(dir);
}

/* The first BAR the device does not use (by its BAR registers in @host), 6 when none. */
static unsigned first_free_bar(const uint8_t *host)
{
    for (unsigned i = 0; i < 6; i++) {
        uint32_t raw = host_rd((void *)host, 0x10 + 4 * i);

        if (raw == 0) {
            return i;
        }
        if (!(raw & 1) && (raw & 6) == 4) {
            i++;
        }
    }
    return 6;
}

/* x-msix-relocation: the table moves to a free BAR (auto) or the upper half of BAR 0 (bar0). */
static void test_igb_msix_relocation(gconstpointer opaque)
{
    const LabBackend *b = opaque;
    const char *igb = lab_env("LAB_IGB");
    const char *const choices[] = {"auto", "bar0"};
    g_autofree uint8_t *host = NULL;

    if (!igb) {
        return;
    }
    host = host_config(igb);
    for (unsigned c = 0; c < G_N_ELEMENTS(choices); c++) {
        g_autofree char *dev = g_strdup_printf("-device vfio-pci,host=%s,addr=%x,"
                                               "x-msix-relocation=%s%s",
                                               igb, SLOT, choices[c], b->device_opts);
        g_autoptr(QTestState) s = start(b, dev);
        uint8_t cap = std_cap(s, SLOT, 0x11);
        uint32_t table, pba, size0;
        uint64_t bars[6];

        g_assert_cmpuint(cap, !=, 0);
        table = pci_cfg_readl(s, SLOT, cap + 4);
        pba = pci_cfg_readl(s, SLOT, cap + 8);
        g_test_message("%s: table BAR%u+0x%x, PBA BAR%u+0x%x", choices[c], table & 7, table & ~7u,
                       pba & 7, pba & ~7u);
        g_assert_cmpuint(table & 7, ==, pba & 7);
        if (c == 0) {
            /* The first free BAR: a new BAR of its own, from offset 0. */
            g_assert_cmpuint(table & 7, ==, first_free_bar(host));
            g_assert_cmphex(table & ~7u, ==, 0);
        } else {
            /* BAR 0 doubled: the table at its old size. */
            pci_cfg_writel(s, SLOT, 0x10, 0xffffffff);
            size0 = ~(pci_cfg_readl(s, SLOT, 0x10) & ~0xfu) + 1;
            g_assert_cmpuint(table & 7, ==, 0);
            g_assert_cmphex(table & ~7u, ==, size0 / 2);
        }
        map_bars(s, SLOT, bars);
        igb_msix_fires(s, cap, bars);
    }
    {
        /* Not into the I/O BAR. */
        g_autoptr(QTestState) s = start(b, "");
        g_autofree char *desc = qtest_qmp_expect_error(
            s, "GenericError",
            "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', 'host': '%s', "
            "'id': 'igb1', 'addr': '6', 'x-msix-relocation': 'bar2'%s}}",
            igb, b == &iommufd ? ", 'iommufd': 'iofd0'" : "");

        g_test_message("refused: %s", desc);
        g_assert_nonnull(strstr(desc, "x-msix-relocation=bar2"));
    }
}

int main(int argc, char **argv)
{
    const LabBackend *backends[] = {&legacy, &iommufd};

    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    for (unsigned i = 0; i < G_N_ELEMENTS(backends); i++) {
        const LabBackend *b = backends[i];
        g_autofree char *p1 = g_strdup_printf("/lab/vfio-config/%s/nvme-root-bus", b->name);
        g_autofree char *p2 = g_strdup_printf("/lab/vfio-config/%s/igb-sriov-hidden", b->name);
        g_autofree char *p3 = g_strdup_printf("/lab/vfio-config/%s/edu-ids", b->name);
        g_autofree char *p4 = g_strdup_printf("/lab/vfio-config/%s/edu-vf-token", b->name);
        g_autofree char *p5 = g_strdup_printf("/lab/vfio-config/%s/igb-msix-mappable", b->name);
        g_autofree char *p6 = g_strdup_printf("/lab/vfio-config/%s/igb-msix-relocation", b->name);

        g_test_add_data_func(p1, b, test_nvme_root_bus);
        g_test_add_data_func(p2, b, test_igb_sriov_hidden);
        g_test_add_data_func(p3, b, test_edu_ids);
        g_test_add_data_func(p4, b, test_edu_vf_token);
        g_test_add_data_func(p5, b, test_igb_msix_mappable);
        g_test_add_data_func(p6, b, test_igb_msix_relocation);
    }
    g_test_add_data_func("/lab/vfio-config/legacy/igb-extcap-off", &legacy, test_igb_extcap_off);
    g_test_add_data_func("/lab/vfio-config/iommufd/igb-root-port", &iommufd, test_igb_root_port);
    return g_test_run();
}
