/*
 * aarch64 lab test of vfio-amba and vfio-platform (issue 16): the arm64 hostdev (-M virt, qtest
 * accelerator) assigns the lab kernel's pl031 RTC and a virtio-mmio transport in noiommu mode;
 * ID registers, the RTC alarm's level IRQ, the trapped virtio magic, dumpdtb, device_del, errors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libfdt.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

/* The pl031's registers (PrimeCell RTC). */
#define PL031_DR 0x00   /* data: seconds */
#define PL031_MR 0x04   /* match */
#define PL031_IMSC 0x10 /* interrupt mask set/clear: 1 enables the alarm */
#define PL031_RIS 0x14  /* raw interrupt status */
#define PL031_ICR 0x1c  /* interrupt clear */
#define PERIPH_ID0 0xfe0

/* virtio-mmio's registers. */
#define VIRTIO_MAGIC 0x00
#define VIRTIO_VERSION 0x04
#define VIRTIO_DEVICE_ID 0x08
#define VIRTIO_VENDOR_ID 0x0c
#define VIRTIO_MAGIC_VALUE 0x74726976 /* "virt" */

/* The virt machine's platform bus: MMIO window and SPIs (hw/arm/virt.h). */
#define BUS_BASE 0xc000000u
#define BUS_SIZE 0x2000000u
#define BUS_FIRST_SPI 112
#define BUS_NR_SPIS 64

/* The device-tree interrupt types hostdev writes: level-high, edge-rising. */
#define IRQ_TYPE_LEVEL_HIGH 4
#define IRQ_TYPE_EDGE_RISING 1

/* What the device tree says about one assigned device. */
typedef struct Node {
    char *path;
    uint64_t addr;
    uint64_t size;
    uint32_t spi;
    uint32_t type;
} Node;

static char *dtb_path;  /* dumpdtb's file (in LAB_ARM64_OUT when set) */
static char *out_dir;   /* where the dtb and the host-side expectations go */
static Node pl031_node; /* filled by the dumpdtb test, used by the others */
static Node mmio_node;

/* The lab's environment variable @name; fails the test when it is unset. */
static const char *lab_env(const char *name)
{
    const char *v = g_getenv(name);

    if (!v || !*v) {
        g_test_fail_printf(
            "%s is not set: run this test in the aarch64 lab (scripts/lab/run --arch aarch64)",
            name);
    }
    return v;
}

/* The two devices as -device arguments, the pl031 first (placement follows the order). */
static char *devices_arg(void)
{
    return g_strdup_printf("-device vfio-amba,host=%s,x-no-iommu=on,id=rtc "
                           "-device vfio-platform,host=%s,x-no-iommu=on,id=mmio",
                           lab_env("LAB_PL031"), lab_env("LAB_VIRTIO_MMIO"));
}

static QTestState *start(const char *devices)
{
    g_autofree char *args =
        g_strdup_printf("-M virt -m 128M -nodefaults %s", devices ? devices : "");

    return qtest_init(args);
}

/* hostdev's open fds. */
static unsigned fd_count(QTestState *s)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)qtest_pid(s));
    GDir *d = g_dir_open(dir, 0, NULL);
    unsigned n = 0;

    g_assert_nonnull(d);
    while (g_dir_read_name(d)) {
        n++;
    }
    g_dir_close(d);
    return n;
}

/* " FD=TARGET" for each of hostdev's open fds (for the log; g_free). */
static char *fd_list(QTestState *s)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)qtest_pid(s));
    GString *out = g_string_new(NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *ent;

    g_assert_nonnull(d);
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *link = g_build_filename(dir, ent, NULL);
        g_autofree char *target = g_file_read_link(link, NULL);

        g_string_append_printf(out, " %s=%s", ent, target ? target : "?");
    }
    g_dir_close(d);
    return g_string_free(out, FALSE);
}

/*
 * hostdev's mappings of VFIO device files; @sizes gets " SIZE@OFFSET" for each (hex; a
 * vfio-platform/amba mapping's file offset is the host device's physical address).
 */
static unsigned vfio_maps(QTestState *s, GString *sizes)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/maps", (int)qtest_pid(s));
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    unsigned n = 0;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        unsigned long long start, end, offset;

        if (!strstr(*l, "vfio") || sscanf(*l, "%llx-%llx %*s %llx", &start, &end, &offset) != 3) {
            continue;
        }
        n++;
        if (sizes) {
            g_string_append_printf(sizes, " %llx@%llx", end - start, offset);
        }
        g_test_message("vfio mapping: %s", *l);
    }
    return n;
}

/* " 1000@ADDR": the 4 KiB mapping of the host device named ADDR.NAME (g_free). */
static char *host_page(const char *name)
{
    return g_strdup_printf(" 1000@%" G_GINT64_MODIFIER "x", g_ascii_strtoull(name, NULL, 16));
}

/* The host device's of_node/compatible, NUL-separated as in the device tree. */
static GBytes *host_compatible(const char *sysfs)
{
    g_autofree char *path = g_build_filename(sysfs, "of_node", "compatible", NULL);
    char *text = NULL;
    gsize len = 0;

    g_assert_true(g_file_get_contents(path, &text, &len, NULL));
    return g_bytes_new_take(text, len);
}

/* Read the node whose first compatible is @compat from @blob into @node; checks its shape. */
static void node_read(const void *blob, const char *compat, GBytes *host, Node *node)
{
    int off = fdt_node_offset_by_compatible(blob, -1, compat);
    int parent, ac, sc, len;
    const fdt32_t *reg, *irqs;
    const void *cp;
    char path[256];

    g_assert_cmpint(off, >=, 0);
    g_assert_cmpint(fdt_get_path(blob, off, path, sizeof(path)), ==, 0);
    g_free(node->path);
    node->path = g_strdup(path);
    /* compatible: exactly the host's list */
    cp = fdt_getprop(blob, off, "compatible", &len);
    g_assert_nonnull(cp);
    g_assert_cmpmem(cp, len, g_bytes_get_data(host, NULL), g_bytes_get_size(host));
    /* reg: one (address, size) in the parent's cell sizes */
    parent = fdt_parent_offset(blob, off);
    ac = fdt_address_cells(blob, parent);
    sc = fdt_size_cells(blob, parent);
    g_assert_cmpint(ac, ==, 2);
    g_assert_cmpint(sc, ==, 2);
    reg = fdt_getprop(blob, off, "reg", &len);
    g_assert_nonnull(reg);
    g_assert_cmpint(len, ==, 16);
    node->addr = (uint64_t)fdt32_to_cpu(reg[0]) << 32 | fdt32_to_cpu(reg[1]);
    node->size = (uint64_t)fdt32_to_cpu(reg[2]) << 32 | fdt32_to_cpu(reg[3]);
    /* interrupts: <SPI n type> */
    irqs = fdt_getprop(blob, off, "interrupts", &len);
    g_assert_nonnull(irqs);
    g_assert_cmpint(len, ==, 12);
    g_assert_cmpuint(fdt32_to_cpu(irqs[0]), ==, 0);
    node->spi = fdt32_to_cpu(irqs[1]);
    node->type = fdt32_to_cpu(irqs[2]);
    g_test_message("%s: %s reg 0x%" G_GINT64_MODIFIER "x/0x%" G_GINT64_MODIFIER
                   "x interrupts <0 %u %u>",
                   compat, path, node->addr, node->size, node->spi, node->type);
    g_assert_cmphex(node->addr, >=, BUS_BASE);
    g_assert_cmphex(node->addr + node->size, <=, BUS_BASE + BUS_SIZE);
    g_assert_cmpuint(node->spi, >=, BUS_FIRST_SPI);
    g_assert_cmpuint(node->spi, <, BUS_FIRST_SPI + BUS_NR_SPIS);
}

/* One line for the host-side fdtget check: PATH PROPERTY TYPE EXPECTED... */
static void expect_line(GString *out, const Node *n, const char *prop, const char *type,
                        const char *value)
{
    g_string_append_printf(out, "%s %s %s %s\n", n->path, prop, type, value);
}

static char *compat_words(GBytes *b)
{
    gsize len;
    const char *p = g_bytes_get_data(b, &len);
    g_autofree char *copy = g_malloc0(len + 1);

    memcpy(copy, p, len);

    for (gsize i = 0; i + 1 < len; i++) {
        if (!copy[i]) {
            copy[i] = ' ';
        }
    }
    return g_steal_pointer(&copy);
}

/*
 * 4. -machine virt,dumpdtb=FILE with both devices: each node has the host's compatible, a reg
 * in the platform bus window with the region's size and interrupts <0 SPI type>, level for the
 * pl031, edge for the virtio-mmio transport. The host side reads the same file with fdtget.
 */
static void test_dumpdtb(void)
{
    const char *bin = g_getenv("HOSTDEV_BINARY");
    g_autofree char *machine = g_strdup_printf("virt,dumpdtb=%s", dtb_path);
    g_autofree char *rtc = g_strdup_printf("vfio-amba,host=%s,x-no-iommu=on", lab_env("LAB_PL031"));
    g_autofree char *mmio =
        g_strdup_printf("vfio-platform,host=%s,x-no-iommu=on", lab_env("LAB_VIRTIO_MMIO"));
    const char *argv[] = {bin,       "-M",    machine,    "-m",   "128M",
                          "-accel",  "qtest", "-display", "none", "-nodefaults",
                          "-device", rtc,     "-device",  mmio,   NULL};
    g_autoptr(GBytes) pl031_compat = host_compatible(lab_env("LAB_PL031_SYSFS"));
    g_autoptr(GBytes) mmio_compat = host_compatible(lab_env("LAB_VIRTIO_MMIO_SYSFS"));
    g_autoptr(GString) expect = g_string_new(NULL);
    g_autofree char *errout = NULL, *blob = NULL, *words = NULL, *v = NULL;
    g_autofree char *expect_path = NULL;
    g_autoptr(GError) err = NULL;
    int status;
    gsize len;

    g_assert_nonnull(bin);
    g_unlink(dtb_path);
    g_assert_true(
        g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, NULL, &errout, &status, &err));
    g_assert_no_error(err);
    g_test_message("hostdev -M %s: %s", machine, errout);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_assert_true(g_file_get_contents(dtb_path, &blob, &len, NULL));
    g_assert_cmpint(fdt_check_header(blob), ==, 0);
    g_assert_cmpuint(fdt_totalsize(blob), ==, len);

    node_read(blob, "arm,pl031", pl031_compat, &pl031_node);
    g_assert_cmphex(pl031_node.size, ==, 0x1000);
    g_assert_cmpuint(pl031_node.type, ==, IRQ_TYPE_LEVEL_HIGH);
    node_read(blob, "virtio,mmio", mmio_compat, &mmio_node);
    g_assert_cmphex(mmio_node.size, ==, 0x200);
    g_assert_cmpuint(mmio_node.type, ==, IRQ_TYPE_EDGE_RISING);
    g_assert_cmpuint(pl031_node.spi, !=, mmio_node.spi);
    g_assert_true(mmio_node.addr >= pl031_node.addr + pl031_node.size ||
                  pl031_node.addr >= mmio_node.addr + mmio_node.size);

    /* For fdtget on the build machine (the arm64 sysroot has no device-tree-compiler). */
    words = compat_words(pl031_compat);
    expect_line(expect, &pl031_node, "compatible", "s", words);
    v = g_strdup_printf("0 %" G_GINT64_MODIFIER "x 0 %" G_GINT64_MODIFIER "x", pl031_node.addr,
                        pl031_node.size);
    expect_line(expect, &pl031_node, "reg", "x", v);
    g_free(v);
    v = g_strdup_printf("0 %u %u", pl031_node.spi, IRQ_TYPE_LEVEL_HIGH);
    expect_line(expect, &pl031_node, "interrupts", "u", v);
    g_free(words);
    words = compat_words(mmio_compat);
    expect_line(expect, &mmio_node, "compatible", "s", words);
    g_free(v);
    v = g_strdup_printf("0 %" G_GINT64_MODIFIER "x 0 %" G_GINT64_MODIFIER "x", mmio_node.addr,
                        mmio_node.size);
    expect_line(expect, &mmio_node, "reg", "x", v);
    g_free(v);
    v = g_strdup_printf("0 %u %u", mmio_node.spi, IRQ_TYPE_EDGE_RISING);
    expect_line(expect, &mmio_node, "interrupts", "u", v);
    expect_path = g_build_filename(out_dir, "expect", NULL);
    g_assert_true(g_file_set_contents(expect_path, expect->str, -1, NULL));
}

/* The dumpdtb test ran and found both nodes; else this test cannot know where to look. */
static bool have_nodes(void)
{
    if (!pl031_node.path || !mmio_node.path) {
        g_test_fail_printf("no device tree nodes: the dumpdtb test failed first");
        return false;
    }
    return true;
}

/*
 * 1. The pl031 through vfio-amba: PeriphID0..3 and PCellID0..3 at its guest address are the
 * PL031's, and the region is mmap'd (hostdev maps one 4 KiB page of a VFIO device file).
 */
static void test_pl031_id(void)
{
    static const uint8_t pcell[4] = {0x0d, 0xf0, 0x05, 0xb1};
    g_autofree char *devices = devices_arg();
    g_autoptr(QTestState) s = NULL;
    g_autoptr(GString) sizes = g_string_new(NULL);
    g_autofree char *pl031_page = host_page(lab_env("LAB_PL031"));
    uint32_t id[8];

    if (!have_nodes()) {
        return;
    }
    s = start(devices);
    for (int i = 0; i < 8; i++) {
        id[i] = qtest_readl(s, pl031_node.addr + PERIPH_ID0 + 4 * i);
    }
    g_test_message("pl031 at 0x%" G_GINT64_MODIFIER "x: PeriphID %02x %02x %02x %02x PCellID "
                   "%02x %02x %02x %02x",
                   pl031_node.addr, id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7]);
    g_assert_cmphex(id[0], ==, 0x31);
    g_assert_cmphex(id[1], ==, 0x10);
    g_assert_cmphex(id[2] & 0x0f, ==, 0x04); /* high nibble: the revision */
    g_assert_cmphex(id[3], ==, 0x00);
    for (int i = 0; i < 4; i++) {
        g_assert_cmphex(id[4 + i], ==, pcell[i]);
    }
    /* Only the pl031's page is mapped (the host's, at the address its name starts with); the
     * virtio-mmio region (0x200) cannot be. */
    g_assert_cmpuint(vfio_maps(s, sizes), ==, 1);
    g_assert_cmpstr(sizes->str, ==, pl031_page);
}

/* Arm the alarm for two seconds from now (the lab's RTC runs in real time). */
static void alarm_set(QTestState *s, uint64_t base)
{
    uint32_t now = qtest_readl(s, base + PL031_DR);

    qtest_writel(s, base + PL031_MR, now + 2);
    qtest_writel(s, base + PL031_IMSC, 1);
    g_test_message("pl031: DR %u, MR %u, IMSC 1", now, now + 2);
}

/*
 * 2. The RTC alarm: programming MR and IMSC makes the pl031 raise its line; hostdev raises the
 * device's SPI (IRQ raise on the intercepted GIC), the guest's ICR write lowers it and unmasks
 * the kernel's IRQ, so a second alarm raises it again.
 */
static void test_pl031_alarm(void)
{
    g_autofree char *devices = devices_arg();
    g_autoptr(QTestState) s = NULL;
    uint64_t base = pl031_node.addr;
    int line = pl031_node.spi;
    gint64 t0;

    if (!have_nodes()) {
        return;
    }
    s = start(devices);
    qtest_irq_intercept_in(s, "/machine/gic");
    /* Quiet first: nothing left enabled or pending by an earlier user of the RTC. */
    qtest_writel(s, base + PL031_IMSC, 0);
    qtest_writel(s, base + PL031_ICR, 1);
    g_assert_false(qtest_get_irq(s, line));

    for (int round = 1; round <= 2; round++) {
        t0 = g_get_monotonic_time();
        alarm_set(s, base);
        qtest_irq_wait(s, line, true);
        g_test_message("round %d: IRQ raise %d after %.2f s", round, line,
                       (g_get_monotonic_time() - t0) / 1e6);
        g_assert_true(qtest_get_irq(s, line));
        /* The guest's clear: its first access since the raise, the ack. */
        qtest_writel(s, base + PL031_IMSC, 0);
        qtest_writel(s, base + PL031_ICR, 1);
        g_assert_false(qtest_get_irq(s, line));
        g_assert_cmphex(qtest_readl(s, base + PL031_RIS), ==, 0);
    }
    /* The second raise could only come after the kernel unmasked the IRQ. */
    g_assert_false(qtest_get_irq(s, line));
}

/*
 * 3. The virtio-mmio transport through vfio-platform: magic, version, device and vendor IDs
 * through the trapped path (its 0x200 region is not mmap'd).
 */
static void test_virtio_mmio(void)
{
    g_autofree char *devices = devices_arg();
    g_autoptr(QTestState) s = NULL;
    g_autoptr(GString) sizes = g_string_new(NULL);
    uint64_t base = mmio_node.addr;
    g_autofree char *pl031_page = host_page(lab_env("LAB_PL031"));
    uint32_t magic, version, device_id, vendor;

    if (!have_nodes()) {
        return;
    }
    s = start(devices);
    magic = qtest_readl(s, base + VIRTIO_MAGIC);
    version = qtest_readl(s, base + VIRTIO_VERSION);
    device_id = qtest_readl(s, base + VIRTIO_DEVICE_ID);
    vendor = qtest_readl(s, base + VIRTIO_VENDOR_ID);
    g_test_message("virtio-mmio at 0x%" G_GINT64_MODIFIER "x: magic 0x%08x version %u device %u "
                   "vendor 0x%08x",
                   base, magic, version, device_id, vendor);
    g_assert_cmphex(magic, ==, VIRTIO_MAGIC_VALUE);
    g_assert_true(version == 1 || version == 2);
    g_assert_cmpuint(device_id, ==, 0);      /* a free transport: no device behind it */
    g_assert_cmphex(vendor, ==, 0x554d4551); /* "QEMU" */
    /* Trapped: the only VFIO mapping is the pl031's page. */
    g_assert_cmpuint(vfio_maps(s, sizes), ==, 1);
    g_assert_cmpstr(sizes->str, ==, pl031_page);
}

static void device_add(QTestState *s, const char *driver, const char *host, const char *id)
{
    json_node_unref(qtest_qmp_assert_success(
        s,
        "{'execute': 'device_add', 'arguments': {'driver': '%s', 'host': '%s', "
        "'x-no-iommu': true, 'id': '%s'}}",
        driver, host, id));
}

/* 5. device_add then device_del of each device leaves hostdev's fds and mappings as before. */
static void test_device_del(void)
{
    g_autoptr(QTestState) s = start(NULL);
    unsigned base = fd_count(s), with_rtc, with_both;
    g_autofree char *list = NULL;

    g_assert_cmpuint(vfio_maps(s, NULL), ==, 0);
    device_add(s, "vfio-amba", lab_env("LAB_PL031"), "rtc");
    with_rtc = fd_count(s);
    device_add(s, "vfio-platform", lab_env("LAB_VIRTIO_MMIO"), "mmio");
    with_both = fd_count(s);
    list = fd_list(s);
    g_test_message("fds: %u, with the pl031 %u, with both %u:%s", base, with_rtc, with_both, list);
    /* each holds at least its group, device and IRQ eventfd */
    g_assert_cmpuint(with_rtc, >=, base + 3);
    g_assert_cmpuint(with_both, >=, with_rtc + 3);
    g_assert_cmpuint(vfio_maps(s, NULL), ==, 1);
    qtest_qmp_device_del(s, "rtc");
    /* the pl031's group, device and eventfd are gone; the container stays with the transport */
    g_free(list);
    list = fd_list(s);
    g_assert_null(strstr(list, lab_env("LAB_PL031_GROUP")));
    g_assert_cmpuint(fd_count(s), ==, with_both - 3);
    g_assert_cmpuint(vfio_maps(s, NULL), ==, 0);
    qtest_qmp_device_del(s, "mmio");
    g_free(list);
    list = fd_list(s);
    g_assert_null(strstr(list, "/dev/vfio"));
    g_assert_null(strstr(list, "vfio-device"));
    g_assert_cmpuint(fd_count(s), ==, base);
    /* And again: the devices come back as they were. */
    device_add(s, "vfio-amba", lab_env("LAB_PL031"), "rtc");
    g_assert_cmpuint(fd_count(s), ==, with_rtc);
    qtest_qmp_device_del(s, "rtc");
    g_assert_cmpuint(fd_count(s), ==, base);
}

/* device_add of @json must fail; its message must hold each of @needles (NULL-ended). */
static void add_refused(QTestState *s, const char *json, ...)
{
    g_autofree char *desc = qtest_qmp_expect_error(
        s, "GenericError", "{'execute': 'device_add', 'arguments': {%s}}", json);
    va_list ap;

    g_test_message("device_add {%s}: %s", json, desc);
    va_start(ap, json);
    for (const char *n = va_arg(ap, const char *); n; n = va_arg(ap, const char *)) {
        if (!strstr(desc, n)) {
            g_test_fail_printf("the error for {%s} lacks '%s': %s", json, n, desc);
        }
    }
    va_end(ap);
}

/* Write @text to the sysfs attribute @path (in place: sysfs has no temporary files). */
static void sysfs_write(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, text, strlen(text)), ==, (ssize_t)strlen(text));
    close(fd);
}

/* The first platform device bound to @driver (virtio-mmio: a 9p share of the lab), or NULL. */
static char *platform_device_of(const char *driver)
{
    GDir *d = g_dir_open("/sys/bus/platform/devices", 0, NULL);
    const char *ent;
    char *found = NULL;

    g_assert_nonnull(d);
    while (!found && (ent = g_dir_read_name(d))) {
        g_autofree char *link = g_strdup_printf("/sys/bus/platform/devices/%s/driver", ent);
        g_autofree char *target = g_file_read_link(link, NULL);
        g_autofree char *name = target ? g_path_get_basename(target) : NULL;

        if (!g_strcmp0(name, driver)) {
            found = g_strdup(ent);
        }
    }
    g_dir_close(d);
    return found;
}

/*
 * 6. Clear refusals, each naming the device and what to do: bound to another driver (the lab's
 * console pl011 on uart-pl011, a 9p transport on virtio-mmio), a noiommu group without
 * x-no-iommu=on (the pl061), a name that does not exist, the wrong bus, the pl061 unbound
 * (then bound back as the message says). hostdev keeps no fd of any of them.
 */
static void test_errors(void)
{
    g_autoptr(QTestState) s = start(NULL);
    unsigned base = fd_count(s);
    g_autofree char *uart = NULL, *ninep = platform_device_of("virtio-mmio");
    g_autofree char *json = NULL;
    const char *pl061 = lab_env("LAB_PL061");

    /* the pl011 console: amba, bound to its own driver */
    {
        GDir *d = g_dir_open("/sys/bus/amba/devices", 0, NULL);
        const char *ent;

        g_assert_nonnull(d);
        while (!uart && (ent = g_dir_read_name(d))) {
            if (g_str_has_suffix(ent, ".pl011")) {
                uart = g_strdup(ent);
            }
        }
        g_dir_close(d);
    }
    g_assert_nonnull(uart);
    json = g_strdup_printf("'driver': 'vfio-amba', 'host': '%s', 'x-no-iommu': true, "
                           "'id': 'uart'",
                           uart);
    add_refused(s, json, uart, "bound to uart-pl011", "not vfio-amba", "driver_override",
                "drivers_probe", NULL);
    g_clear_pointer(&json, g_free);

    g_assert_nonnull(ninep);
    json = g_strdup_printf("'driver': 'vfio-platform', 'host': '%s', 'x-no-iommu': true, "
                           "'id': 'ninep'",
                           ninep);
    add_refused(s, json, ninep, "bound to virtio-mmio", "not vfio-platform", "driver_override",
                NULL);
    g_clear_pointer(&json, g_free);

    json = g_strdup_printf("'driver': 'vfio-amba', 'host': '%s', 'id': 'gpio'", pl061);
    add_refused(s, json, pl061, lab_env("LAB_PL061_GROUP"), "x-no-iommu=on", NULL);
    g_clear_pointer(&json, g_free);

    add_refused(s,
                "'driver': 'vfio-amba', 'host': '9999000.nope', 'x-no-iommu': true, "
                "'id': 'nope'",
                "9999000.nope", "does not exist", "ls /sys/bus/amba/devices", NULL);
    add_refused(s,
                "'driver': 'vfio-platform', 'host': 'nope.virtio_mmio', 'x-no-iommu': true, "
                "'id': 'nope'",
                "nope.virtio_mmio", "does not exist", "ls /sys/bus/platform/devices", NULL);
    /* an AMBA device given to vfio-platform is pointed to vfio-amba */
    json = g_strdup_printf("'driver': 'vfio-platform', 'host': '%s', 'x-no-iommu': true, "
                           "'id': 'gpio'",
                           pl061);
    add_refused(s, json, pl061, "amba bus", "vfio-amba", NULL);

    /* the pl061 bound to no driver: the message's commands bind it back */
    {
        g_autofree char *sysfs = g_strdup(lab_env("LAB_PL061_SYSFS"));
        g_autofree char *link = g_build_filename(sysfs, "driver", NULL);
        g_autofree char *driver = NULL;

        sysfs_write("/sys/bus/amba/drivers/vfio-amba/unbind", pl061);
        g_clear_pointer(&json, g_free);
        json = g_strdup_printf("'driver': 'vfio-amba', 'host': '%s', 'x-no-iommu': true, "
                               "'id': 'gpio'",
                               pl061);
        add_refused(s, json, pl061, "bound to no driver", "driver_override",
                    "/sys/bus/amba/drivers_probe", NULL);
        sysfs_write("/sys/bus/amba/drivers_probe", pl061);
        driver = g_file_read_link(link, NULL);
        g_assert_nonnull(driver);
        g_assert_true(g_str_has_suffix(driver, "/vfio-amba"));
    }

    g_assert_cmpuint(fd_count(s), ==, base);
    g_assert_cmpuint(vfio_maps(s, NULL), ==, 0);
    /* the refused pl061 is bound again and free for a correct device_add */
    device_add(s, "vfio-amba", pl061, "gpio");
    qtest_qmp_device_del(s, "gpio");
    g_assert_cmpuint(fd_count(s), ==, base);
}

int main(int argc, char **argv)
{
    const char *out = g_getenv("LAB_ARM64_OUT");
    g_autofree char *tmp = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    if (!out || !*out) {
        tmp = g_dir_make_tmp("hostdev-lab-platform-XXXXXX", NULL);
        out = tmp;
    }
    out_dir = g_strdup(out);
    dtb_path = g_build_filename(out_dir, "virt.dtb", NULL);
    /* dumpdtb first: the others find the devices' guest addresses and SPIs in its tree */
    g_test_add_func("/arm64-lab/platform/dumpdtb", test_dumpdtb);
    g_test_add_func("/arm64-lab/platform/pl031-id", test_pl031_id);
    g_test_add_func("/arm64-lab/platform/pl031-alarm", test_pl031_alarm);
    g_test_add_func("/arm64-lab/platform/virtio-mmio", test_virtio_mmio);
    g_test_add_func("/arm64-lab/platform/device-del", test_device_del);
    g_test_add_func("/arm64-lab/platform/errors", test_errors);
    ret = g_test_run();
    g_free(pl031_node.path);
    g_free(mmio_node.path);
    g_free(dtb_path);
    g_free(out_dir);
    return ret;
}
