/*
 * Lab test of migration with an assigned device on the real kernel: two hostdev processes,
 * each with its own mtty mdev (VFIO migration v2 with PRE_COPY), on both backends. The source's
 * UART registers, PCI config (BAR, command) and guest RAM reappear on the destination over
 * unix: and through file: (save, quit, restore); an edu without migration support blocks.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"
#include "qtest-pci.h"

#define SLOT 5
#define IO_BASE 0xc000u
#define RAM_SPOT 0x123000
#define UART_IER 1
#define UART_LCR 3
#define UART_MCR 4
#define UART_SCR 7
#define UART_DLAB 0x80

typedef struct Backend {
    const char *name;
    const char *objects;
    const char *device_opts;
} Backend;

/*
 * mtty's driver logs the pages it writes by DMA (VFIO_DEVICE_FEATURE_DMA_LOGGING_*; it does no
 * DMA, so its log stays empty), so enable-migration=auto migrates it on both backends and the
 * common layer syncs from the device's log: on iommufd an mdev has no HWPT and so no IOMMU
 * dirty tracking, and without the log every sync would find all mapped RAM dirty.
 */
static const Backend legacy = { "legacy", "", "" };
static const Backend iommufd = { "iommufd", "-object iommufd,id=iofd0", ",iommufd=iofd0" };

/* The @i-th mtty mdev of LAB_MDEVS (g_free), NULL with the test failed when missing. */
static char *mdev(unsigned i)
{
    g_auto(GStrv) list = g_strsplit(g_getenv("LAB_MDEVS") ? g_getenv("LAB_MDEVS") : "", " ", -1);

    if (g_strv_length(list) <= i || !*list[i]) {
        g_test_fail_printf("LAB_MDEVS lists fewer than %u mdevs: run the lab with "
                           "--mdev mtty-2,mtty-2 (scripts/check does)", i + 1);
        return NULL;
    }
    return g_strdup(list[i]);
}

static QTestState *start(const Backend *b, const char *sysfs, const char *extra)
{
    g_autofree char *args = g_strdup_printf(
        "-M q35 -m 256M -nodefaults %s -device vfio-pci,sysfsdev=%s,addr=%d,id=tty0%s %s",
        b->objects, sysfs, SLOT, b->device_opts, extra);
    return qtest_init(args);
}

static JsonObject *query_migrate(QTestState *s)
{
    JsonNode *ret = qtest_qmp_assert_success(s, "{'execute': 'query-migrate'}");
    JsonObject *o = json_object_ref(json_node_get_object(ret));

    json_node_unref(ret);
    return o;
}

/*
 * The guest programs the mtty: BAR0 at IO_BASE, I/O decode, a divisor, 7E1, MCR, SCR. (mtty
 * zeroes its divisor whenever DLAB is set, so the divisor cannot be read back on any mtty.)
 */
static void program(QTestState *s, uint8_t scr)
{
    pci_cfg_writel(s, SLOT, 0x10, IO_BASE);
    pci_cfg_writew(s, SLOT, 0x04, 0x1);
    qtest_outb(s, IO_BASE + UART_LCR, UART_DLAB);
    qtest_outb(s, IO_BASE + 0, 0x0c);
    qtest_outb(s, IO_BASE + 1, 0x00);
    qtest_outb(s, IO_BASE + UART_LCR, 0x1a);
    qtest_outb(s, IO_BASE + UART_MCR, 0x0b);
    qtest_outb(s, IO_BASE + UART_SCR, scr);
    qtest_memset(s, RAM_SPOT, scr, 0x3000);
}

/* What the destination must show: the same config, registers and RAM. */
static void check(QTestState *s, uint8_t scr)
{
    g_assert_cmphex(pci_cfg_readl(s, SLOT, 0x10) & ~3u, ==, IO_BASE);
    g_assert_cmphex(pci_cfg_readw(s, SLOT, 0x04) & 0x7, ==, 0x1);
    g_assert_cmphex(qtest_inb(s, IO_BASE + UART_SCR), ==, scr);
    g_assert_cmphex(qtest_inb(s, IO_BASE + UART_LCR), ==, 0x1a);
    g_assert_cmphex(qtest_inb(s, IO_BASE + UART_MCR) & 0x1f, ==, 0x0b);
    g_assert_cmphex(qtest_readb(s, RAM_SPOT + 0x2fff), ==, scr);
}

/*
 * The dirty pages came from the device's log: RAM was sent about once (each page a zero run or
 * a page), where an all-dirty sync would send all mapped RAM again at every pass.
 */
static void check_ram_sent_once(JsonObject *done)
{
    JsonObject *ram = json_object_get_object_member(done, "ram");
    gint64 pages = json_object_get_int_member(ram, "total") / 4096;
    gint64 sent = json_object_get_int_member(ram, "duplicate") +
                  json_object_get_int_member(ram, "normal");

    g_test_message("RAM pages %" G_GINT64_FORMAT ", sent %" G_GINT64_FORMAT " in %"
                   G_GINT64_FORMAT " syncs", pages, sent,
                   json_object_get_int_member(ram, "dirty-sync-count"));
    g_assert_cmpint(sent, >=, pages);
    g_assert_cmpint(sent, <, pages + pages / 4);
}

static void test_unix(gconstpointer opaque)
{
    const Backend *b = opaque;
    g_autofree char *m0 = mdev(0), *m1 = mdev(1);
    g_autofree char *dir = g_dir_make_tmp("lab-mig-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("unix:%s/mig.sock", dir);
    g_autoptr(QTestState) src = NULL, dst = NULL;
    g_autoptr(JsonObject) done = NULL, in = NULL;

    if (!m0 || !m1) {
        return;
    }
    src = start(b, m0, "");
    dst = start(b, m1, "-incoming defer");
    program(src, 0xa5);
    json_node_unref(qtest_qmp_assert_success(
        dst, "{'execute': 'migrate-incoming', 'arguments': {'uri': '%s'}}", uri));
    json_node_unref(qtest_qmp_assert_success(
        src, "{'execute': 'migrate', 'arguments': {'uri': '%s'}}", uri));
    done = qtest_migrate_wait(src, "completed", "failed");
    if (strcmp(json_object_get_string_member(done, "status"), "completed")) {
        g_test_fail_printf("source: %s",
                           json_object_get_string_member_with_default(done, "error-desc", "?"));
        return;
    }
    in = qtest_migrate_wait(dst, "completed", "failed");
    g_assert_cmpstr(json_object_get_string_member(in, "status"), ==, "completed");
    check(dst, 0xa5);
    check_ram_sent_once(done);
    /* The source can run again (cont) with its device back in RUNNING. */
    json_node_unref(qtest_qmp_assert_success(src, "{'execute': 'cont'}"));
    g_assert_cmphex(qtest_inb(src, IO_BASE + UART_SCR), ==, 0xa5);
    g_unlink(uri + 5);
    g_rmdir(dir);
}

static void test_file(gconstpointer opaque)
{
    const Backend *b = opaque;
    g_autofree char *m0 = mdev(0), *m1 = mdev(1);
    g_autofree char *dir = g_dir_make_tmp("lab-mig-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "vm.state", NULL);
    g_autofree char *extra = g_strdup_printf("-incoming file:%s", path);
    g_autoptr(JsonObject) done = NULL, in = NULL;
    QTestState *src;
    g_autoptr(QTestState) dst = NULL;

    if (!m0 || !m1) {
        return;
    }
    src = start(b, m0, "");
    program(src, 0x3c);
    json_node_unref(qtest_qmp_assert_success(src, "{'execute': 'stop'}"));
    json_node_unref(qtest_qmp_assert_success(
        src, "{'execute': 'migrate', 'arguments': {'uri': 'file:%s'}}", path));
    done = qtest_migrate_wait(src, "completed", "failed");
    g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
    qtest_quit(src);
    /* Restore into the other mdev (the same one works as well once the source is gone). */
    dst = start(b, m1, extra);
    in = qtest_migrate_wait(dst, "completed", "failed");
    g_assert_cmpstr(json_object_get_string_member(in, "status"), ==, "completed");
    check(dst, 0x3c);
    g_unlink(path);
    g_rmdir(dir);
}

/*
 * A damaged stream: the destination refuses it before its device saw a byte of it, exits 1,
 * and the mdev works for the next user.
 */
static void test_corrupt(gconstpointer opaque)
{
    const Backend *b = opaque;
    g_autofree char *m0 = mdev(0), *m1 = mdev(1);
    g_autofree char *dir = g_dir_make_tmp("lab-mig-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "vm.state", NULL);
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    g_autofree char *data = NULL, *err = NULL;
    g_autoptr(JsonObject) done = NULL;
    g_autoptr(QTestState) again = NULL;
    QTestState *src, *dst;
    gsize len;

    if (!m0 || !m1) {
        return;
    }
    src = start(b, m0, "");
    program(src, 0x77);
    json_node_unref(qtest_qmp_assert_success(src, "{'execute': 'stop'}"));
    json_node_unref(qtest_qmp_assert_success(
        src, "{'execute': 'migrate', 'arguments': {'uri': '%s'}}", uri));
    done = qtest_migrate_wait(src, "completed", "failed");
    g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
    qtest_quit(src);
    /* The device's sections come after the RAM: flip a bit near the end of the stream. */
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    data[len - 200] ^= 0x04;
    g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
    dst = start(b, m1, "-incoming defer");
    json_node_unref(qtest_qmp_assert_success(
        dst, "{'execute': 'migrate-incoming', 'arguments': {'uri': '%s'}}", uri));
    g_assert_cmpint(qtest_expect_exit(dst, &err), ==, 1);
    g_test_message("destination: %s", err);
    g_assert_nonnull(strstr(err, "checksum"));
    /* The mdev the refused destination had works for the next user. */
    again = start(b, m1, "");
    program(again, 0x42);
    g_assert_cmphex(qtest_inb(again, IO_BASE + UART_SCR), ==, 0x42);
    g_unlink(path);
    g_rmdir(dir);
}

/* A device without VFIO migration support blocks, by name. */
static void test_edu_blocks(gconstpointer opaque)
{
    const Backend *b = opaque;
    const char *edu = g_getenv("LAB_EDU");
    g_autofree char *args = NULL, *err = NULL;
    g_autoptr(QTestState) s = NULL;
    g_autoptr(JsonObject) q = NULL;
    JsonArray *reasons;

    if (!edu) {
        g_test_fail_printf("LAB_EDU is not set: run through scripts/lab/run");
        return;
    }
    args = g_strdup_printf("-M q35 -m 256M -nodefaults %s -device vfio-pci,host=%s,id=edu0%s",
                           b->objects, edu, b->device_opts);
    s = qtest_init(args);
    q = query_migrate(s);
    g_assert_true(json_object_get_boolean_member(q, "blocked"));
    reasons = json_object_get_array_member(q, "blocked-reasons");
    g_assert_nonnull(strstr(json_array_get_string_element(reasons, 0), "edu0"));
    err = qtest_qmp_expect_error(s, "GenericError",
                                 "{'execute': 'migrate', 'arguments': {'uri': 'file:/dev/null'}}");
    g_assert_nonnull(strstr(err, "migration is blocked"));
    g_assert_nonnull(strstr(err, "edu0"));
}

/* enable-migration=on on a device without migration support: the device is refused. */
static void test_edu_required(gconstpointer opaque)
{
    const Backend *b = opaque;
    const char *edu = g_getenv("LAB_EDU");
    g_autoptr(QTestState) s = NULL;
    g_autofree char *dev = NULL, *err = NULL;

    if (!edu) {
        g_test_fail_printf("LAB_EDU is not set: run through scripts/lab/run");
        return;
    }
    s = qtest_init(b->objects);
    dev = g_strdup_printf("{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
                          "'host': '%s', 'id': 'edu0', 'enable-migration': 'on'%s}}",
                          edu, *b->device_opts ? ", 'iommufd': 'iofd0'" : "");
    err = qtest_qmp_expect_error(s, "GenericError", "%s", dev);
    g_assert_nonnull(strstr(err, "migration"));
}

int main(int argc, char **argv)
{
    static const Backend *const backends[] = { &legacy, &iommufd };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
        const Backend *b = backends[i];
        g_autofree char *p1 = g_strdup_printf("/migration/%s/mtty-unix", b->name);
        g_autofree char *p2 = g_strdup_printf("/migration/%s/mtty-file", b->name);
        g_autofree char *p3 = g_strdup_printf("/migration/%s/edu-blocks", b->name);
        g_autofree char *p4 = g_strdup_printf("/migration/%s/edu-enable-migration-on", b->name);
        g_autofree char *p5 = g_strdup_printf("/migration/%s/mtty-corrupt-stream", b->name);

        g_test_add_data_func(p1, b, test_unix);
        g_test_add_data_func(p2, b, test_file);
        g_test_add_data_func(p3, b, test_edu_blocks);
        g_test_add_data_func(p4, b, test_edu_required);
        g_test_add_data_func(p5, b, test_corrupt);
    }
    return g_test_run();
}
