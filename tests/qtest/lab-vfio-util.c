/*
 * Helpers the qtest-driven lab tests of -device vfio-pci share (lab-vfio-pci, lab-soak): the
 * backend variants, QMP device_add/del, edu DMA round trips and an mtty check.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "lab-vfio-util.h"
#include "qtest-pci.h"

#define UART_IER 1
#define UART_IIR 2
#define UART_IER_THRI 0x02

/* --- the backend variants --- */

const LabVfioBackend legacy = {
    .name = "legacy",
    .objects = "",
    .device_opts = "",
    .device_json = "",
    .share_trace = "vfio_legacy_group_share_container",
};

const LabVfioBackend iommufd = {
    .name = "iommufd",
    .objects = "-object iommufd,id=iofd0",
    .device_opts = ",iommufd=iofd0",
    .device_json = ", 'iommufd': 'iofd0'",
    .share_trace = "vfio_iommufd_share",
};

const LabVfioBackend *const backends[2] = {&legacy, &iommufd};

char *device_arg(const LabVfioBackend *b, const char *host_or_sysfs, int slot, const char *id)
{
    return g_strdup_printf("-device vfio-pci,%s%s,addr=%x,id=%s%s",
                           g_str_has_prefix(host_or_sysfs, "/") ? "sysfsdev=" : "host=",
                           host_or_sysfs, slot, id, b->device_opts);
}

char *device_add_json(const LabVfioBackend *b, const char *host_or_sysfs, int slot, const char *id)
{
    return g_strdup_printf("'driver': 'vfio-pci', '%s': '%s', 'addr': '%x', 'id': '%s'%s",
                           g_str_has_prefix(host_or_sysfs, "/") ? "sysfsdev" : "host",
                           host_or_sysfs, slot, id, b->device_json ? b->device_json : "");
}

QTestState *start(const LabVfioBackend *b, const char *devices)
{
    g_autofree char *args =
        g_strdup_printf("-M q35 -m 1G -nodefaults %s %s", b->objects, devices ? devices : "");

    return qtest_init(args);
}

const char *lab_env(const char *name)
{
    const char *v = g_getenv(name);

    if (!v || !*v) {
        g_test_fail_printf("%s is not set: run the lab suite through scripts/lab/run", name);
        return NULL;
    }
    return v;
}

/* --- guest-side helpers --- */

uint64_t bar_map(QTestState *s, int slot, int bar, uint32_t addr)
{
    int reg = 0x10 + 4 * bar;
    uint32_t low, size_mask;

    low = pci_cfg_readl(s, slot, reg);
    pci_cfg_writel(s, slot, reg, 0xffffffff);
    size_mask = pci_cfg_readl(s, slot, reg);
    if (low & 1) {
        size_mask |= 0xffff0000u;
        pci_cfg_writel(s, slot, reg, addr);
        return (uint32_t)(~(size_mask & ~3u) + 1);
    }
    pci_cfg_writel(s, slot, reg, addr);
    if ((low & 0x6) == 0x4) {
        pci_cfg_writel(s, slot, reg + 4, 0);
    }
    return (uint32_t)(~(size_mask & ~0xfu) + 1);
}

uint8_t cfg_find_cap(QTestState *s, int slot, uint8_t id)
{
    uint8_t ptr;

    if (!(pci_cfg_readw(s, slot, 0x06) & 0x10)) {
        return 0;
    }
    ptr = pci_cfg_readb(s, slot, 0x34) & ~3;
    for (int guard = 0; ptr && guard < 48; guard++) {
        if (pci_cfg_readb(s, slot, ptr) == id) {
            return ptr;
        }
        ptr = pci_cfg_readb(s, slot, ptr + 1) & ~3;
    }
    return 0;
}

void map_all_bars(QTestState *s, int slot, uint64_t addr[6])
{
    for (int i = 0; i < 6; i++) {
        uint32_t low = pci_cfg_readl(s, slot, 0x10 + 4 * i);

        addr[i] = 0;
        if (low & 1) {
            addr[i] = IO_BASE + 0x100 * i;
        } else {
            addr[i] = MEM_BASE + 0x100000u * i;
        }
        if (bar_map(s, slot, i, addr[i]) == 0 || (low & ~0xfu) == 0xfffffff0u) {
            addr[i] = 0;
        }
        if (!(low & 1) && (low & 0x6) == 0x4) {
            i++;
        }
    }
}

void cmd_set(QTestState *s, int slot, uint16_t bits)
{
    pci_cfg_writew(s, slot, 0x04, pci_cfg_readw(s, slot, 0x04) | bits);
}

bool poll_until(QTestState *s, WaitDone done, const WaitFor *w)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_US;

    while (!done(s, w)) {
        if (g_get_monotonic_time() > deadline) {
            return false;
        }
        g_usleep(5000);
    }
    return true;
}

static bool mmio_done(QTestState *s, const WaitFor *w)
{
    return (qtest_readl(s, w->addr) & w->mask) == w->want;
}

bool mmio_wait(QTestState *s, uint64_t addr, uint32_t mask, uint32_t want)
{
    return poll_until(s, mmio_done, &(WaitFor){.addr = addr, .mask = mask, .want = want});
}

static bool line_done(QTestState *s, const WaitFor *w)
{
    return qtest_get_irq(s, w->line) == w->level;
}

bool line_wait(QTestState *s, int line, bool level)
{
    return poll_until(s, line_done, &(WaitFor){.line = line, .level = level});
}

int intx_gsi(QTestState *s, int slot)
{
    uint8_t pin = pci_cfg_readb(s, slot, 0x3d);

    g_assert_cmpint(pin, >=, 1);
    return 16 + (slot + pin - 1) % 8;
}

unsigned fds_walk(QTestState *s, unsigned *iommu, GString *list)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)qtest_pid(s));
    GDir *d = g_dir_open(dir, 0, NULL);
    unsigned n = 0;
    const char *ent;

    g_assert_nonnull(d);
    *iommu = 0;
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *link = g_build_filename(dir, ent, NULL);
        g_autofree char *target = g_file_read_link(link, NULL);

        if (list) {
            g_string_append_printf(list, " %s=%s", ent, target ? target : "?");
        }
        if (!g_strcmp0(target, "/dev/iommu")) {
            (*iommu)++;
        } else {
            n++;
        }
    }
    g_dir_close(d);
    return n;
}

char *status_of(QTestState *s)
{
    g_autoptr(JsonNode) ret = qtest_qmp_assert_success(s, "{'execute': 'query-status'}");

    return g_strdup(json_object_get_string_member(json_node_get_object(ret), "status"));
}

void qmp_device_add(QTestState *s, const char *args)
{
    json_node_unref(
        qtest_qmp_assert_success(s, "{'execute': 'device_add', 'arguments': {%s}}", args));
}

void qmp_system_reset(QTestState *s)
{
    json_node_unref(qtest_qmp_assert_success(s, "{'execute': 'system_reset'}"));
    json_object_unref(qtest_qmp_eventwait(s, "RESET"));
}

/* --- edu --- */

uint32_t edu_bar;

void edu_enable(QTestState *s)
{
    uint64_t size = bar_map(s, EDU_SLOT, 0, MEM_BASE);

    g_assert_cmphex(size, ==, 1u << 20);
    edu_bar = MEM_BASE;
    cmd_set(s, EDU_SLOT, 0x6); /* memory decode, bus master */
}

bool edu_dma(QTestState *s, uint32_t src, uint32_t dst, bool to_ram, uint32_t cmd_extra)
{
    qtest_writel(s, edu_bar + EDU_DMA_SRC, src);
    qtest_writel(s, edu_bar + EDU_DMA_DST, dst);
    qtest_writel(s, edu_bar + EDU_DMA_COUNT, XFER);
    qtest_writel(s, edu_bar + EDU_DMA_CMD, EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0) | cmd_extra);
    return mmio_wait(s, edu_bar + EDU_DMA_CMD, EDU_DMA_RUN, 0);
}

void edu_enable_check(QTestState *s)
{
    edu_enable(s);
    g_assert_cmphex(qtest_readl(s, edu_bar + EDU_ID), ==, 0x010000ed);
}

void edu_dma_round_trip(QTestState *s, unsigned mul, unsigned add)
{
    uint8_t out[XFER], in[XFER];

    for (unsigned i = 0; i < XFER; i++) {
        out[i] = (uint8_t)(i * mul + add);
    }
    qtest_memwrite(s, RAM_SRC, out, XFER);
    qtest_memset(s, RAM_DST, 0, XFER);
    g_assert_true(edu_dma(s, RAM_SRC, EDU_BUFFER, false, 0));
    g_assert_true(edu_dma(s, EDU_BUFFER, RAM_DST, true, 0));
    qtest_memread(s, RAM_DST, in, XFER);
    g_assert_cmpmem(in, XFER, out, XFER);
}

QTestState *start_edu(const LabVfioBackend *b)
{
    const char *edu = lab_env("LAB_EDU");
    g_autofree char *dev = NULL;
    QTestState *s;

    if (!edu) {
        return NULL;
    }
    dev = device_arg(b, edu, EDU_SLOT, "edu0");
    s = start(b, dev);
    edu_enable(s);
    return s;
}

/* --- mtty mdev --- */

void mtty_check(QTestState *s, int slot, uint8_t scratch)
{
    int gsi;

    g_assert_cmphex(pci_cfg_readl(s, slot, 0x00), ==, 0x32534348);
    g_assert_cmpuint(bar_map(s, slot, 0, IO_BASE), ==, 8);
    cmd_set(s, slot, 0x1); /* I/O decode */
    gsi = intx_gsi(s, slot);
    /* The scratch register keeps what we write, through the trapped I/O BAR. */
    qtest_outb(s, IO_BASE + 7, scratch);
    g_assert_cmphex(qtest_inb(s, IO_BASE + 7), ==, scratch);
    /* Enabling the THR-empty interrupt with an empty FIFO raises INTx at once. */
    g_assert_false(qtest_get_irq(s, gsi));
    qtest_outb(s, IO_BASE + UART_IER, UART_IER_THRI);
    g_assert_true(line_wait(s, gsi, true));
    /* The guest reads IIR: the access ends the interrupt. */
    qtest_inb(s, IO_BASE + UART_IIR);
    g_assert_true(line_wait(s, gsi, false));
    qtest_outb(s, IO_BASE + UART_IER, 0);
}
