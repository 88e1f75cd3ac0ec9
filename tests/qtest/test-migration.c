/*
 * Migration end to end between two real hostdev processes (qtest accelerator, no VFIO): guest
 * RAM over unix:, tcp: and fd:, save and restore through file:, precopy catching writes made while
 * it runs, and the failures: a corrupted or truncated stream, another RAM size, cancel, a
 * destination that dies. VFIO device state (mtty) is proven in the lab (lab-vfio-migration).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libqtest.h"

#define ARGS "-M q35 -m 64M -nodefaults "
#define PAGE 4096

/* Guest addresses written with a pattern: pages spread over RAM below 4 GiB. */
static const uint64_t spots[] = { 0x0, 0x1000, 0x9f000, 0x100000, 0x123000, 0x1fff000,
                                  0x3fff000 };

static void fill(QTestState *s, uint8_t seed)
{
    uint8_t page[PAGE];

    for (size_t i = 0; i < G_N_ELEMENTS(spots); i++) {
        for (size_t j = 0; j < PAGE; j++) {
            page[j] = (uint8_t)(seed + i * 7 + j * 13);
        }
        qtest_memwrite(s, spots[i], page, PAGE);
    }
    qtest_memset(s, 0x2000000, 0x5a, 1 << 20); /* a whole MiB of one byte */
}

static void check(QTestState *s, uint8_t seed)
{
    uint8_t page[PAGE], want[PAGE];

    for (size_t i = 0; i < G_N_ELEMENTS(spots); i++) {
        for (size_t j = 0; j < PAGE; j++) {
            want[j] = (uint8_t)(seed + i * 7 + j * 13);
        }
        qtest_memread(s, spots[i], page, PAGE);
        g_assert_cmpmem(page, PAGE, want, PAGE);
    }
    g_assert_cmpint(qtest_readb(s, 0x2000000), ==, 0x5a);
    g_assert_cmpint(qtest_readq(s, 0x20ffff8), ==, 0x5a5a5a5a5a5a5a5aull);
    g_assert_cmpint(qtest_readq(s, 0x2100000), ==, 0);
}

static const char *status_of(QTestState *s)
{
    static char buf[32];
    g_autoptr(JsonNode) ret = qtest_qmp_assert_success(s, "{'execute': 'query-status'}");

    g_strlcpy(buf, json_object_get_string_member(json_node_get_object(ret), "status"),
              sizeof(buf));
    return buf;
}

static void migrate(QTestState *src, const char *uri)
{
    json_node_unref(qtest_qmp_assert_success(
        src, "{'execute': 'migrate', 'arguments': {'uri': '%s'}}", uri));
}

static void incoming(QTestState *dst, const char *uri)
{
    json_node_unref(qtest_qmp_assert_success(
        dst, "{'execute': 'migrate-incoming', 'arguments': {'uri': '%s'}}", uri));
}

static void test_unix(void)
{
    g_autofree char *dir = g_dir_make_tmp("hd-mig-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("unix:%s/mig.sock", dir);
    g_autofree char *dargs = g_strdup_printf(ARGS "-incoming %s", uri);
    g_autoptr(QTestState) src = qtest_init(ARGS);
    g_autoptr(QTestState) dst = qtest_init(dargs);
    g_autoptr(JsonObject) done = NULL;
    g_autoptr(JsonObject) ev = NULL;
    JsonObject *ram;

    g_assert_cmpstr(status_of(dst), ==, "inmigrate");
    json_node_unref(qtest_qmp_assert_success(
        src, "{'execute': 'migrate-set-capabilities', 'arguments': {'capabilities': "
             "[{'capability': 'events', 'state': true}]}}"));
    fill(src, 1);
    migrate(src, uri);
    done = qtest_migrate_wait(src, "completed", "failed");
    g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
    ram = json_object_get_object_member(done, "ram");
    g_assert_cmpint(json_object_get_int_member(ram, "total"), ==, 64 << 20);
    g_assert_cmpint(json_object_get_int_member(ram, "normal"), >=, G_N_ELEMENTS(spots) + 256);
    g_assert_cmpint(json_object_get_int_member(ram, "duplicate"), >, 10000);
    g_assert_cmpint(json_object_get_int_member(ram, "remaining"), ==, 0);
    g_assert_true(json_object_has_member(done, "downtime"));
    g_assert_cmpstr(status_of(src), ==, "postmigrate");
    ev = qtest_qmp_eventwait(src, "MIGRATION");
    json_object_unref(qtest_migrate_wait(dst, "completed", NULL));
    g_assert_cmpstr(status_of(dst), ==, "running");
    check(dst, 1);
    g_unlink(uri + 5);
    g_rmdir(dir);
}

/* -incoming defer, migrate-incoming, over tcp on the loopback. */
static void test_tcp_defer(void)
{
    int port = 20000 + (getpid() % 20000);
    g_autofree char *uri = g_strdup_printf("tcp:127.0.0.1:%d", port);
    g_autoptr(QTestState) src = qtest_init(ARGS);
    g_autoptr(QTestState) dst = qtest_init(ARGS "-S -incoming defer");
    g_autoptr(JsonObject) done = NULL;

    fill(src, 2);
    incoming(dst, uri);
    migrate(src, uri);
    done = qtest_migrate_wait(src, "completed", "failed");
    g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
    json_object_unref(qtest_migrate_wait(dst, "completed", NULL));
    g_assert_cmpstr(status_of(dst), ==, "paused"); /* -S: stays paused after the migration */
    check(dst, 2);
}

/* fd: on both ends, the two ends of a socketpair passed with getfd. */
static void test_fd(void)
{
    g_autoptr(QTestState) src = qtest_init(ARGS);
    g_autoptr(QTestState) dst = qtest_init(ARGS "-incoming defer");
    g_autoptr(JsonObject) done = NULL, r1 = NULL, r2 = NULL;
    int sv[2];

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    r1 = qtest_qmp_fds(src, &sv[0], 1, "{'execute': 'getfd', 'arguments': {'fdname': 'mig'}}");
    r2 = qtest_qmp_fds(dst, &sv[1], 1, "{'execute': 'getfd', 'arguments': {'fdname': 'mig'}}");
    g_assert_true(json_object_has_member(r1, "return") && json_object_has_member(r2, "return"));
    close(sv[0]);
    close(sv[1]);
    fill(src, 10);
    incoming(dst, "fd:mig");
    migrate(src, "fd:mig");
    done = qtest_migrate_wait(src, "completed", "failed");
    g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
    json_object_unref(qtest_migrate_wait(dst, "completed", NULL));
    check(dst, 10);
}

/* An emulated PCI device behind a root port: its config (BARs, bus numbers, command), its
 * registers and its BAR RAM come back on the destination. */
static void test_pci_devices(void)
{
    const char *devs = "-device pcie-root-port,id=rp1,chassis=1,addr=2 "
                       "-device hostdev-testdev,id=t0,bus=rp1 ";
    g_autofree char *sargs = g_strdup_printf(ARGS "%s", devs);
    g_autofree char *dargs = g_strdup_printf(ARGS "%s -incoming defer", devs);
    g_autoptr(QTestState) src = qtest_init(sargs);
    g_autoptr(QTestState) dst = qtest_init(dargs);
    g_autoptr(JsonObject) done = NULL;
    const uint32_t bar0 = 0xc0000000, bar2 = 0xc0100000;
    g_autofree char *uri = g_strdup_printf("unix:%s/hd-mig-pci-%d.sock", g_get_tmp_dir(),
                                           (int)getpid());

    /* The guest enumerates: the port's bus numbers and memory window, the device's BARs. */
    qtest_outl(src, 0xcf8, 0x80000000 | (2 << 11) | 0x18);
    qtest_outl(src, 0xcfc, 0x00010100);                 /* primary 0, secondary 1, sub 1 */
    qtest_outl(src, 0xcf8, 0x80000000 | (2 << 11) | 0x20);
    qtest_outl(src, 0xcfc, 0xc010c000);                 /* memory window 0xc0000000-0xc01fffff */
    qtest_outl(src, 0xcf8, 0x80000000 | (2 << 11) | 0x04);
    qtest_outw(src, 0xcfc, 0x0006);
    qtest_outl(src, 0xcf8, 0x80010000 | 0x10);          /* bus 1, device 0: BAR0 */
    qtest_outl(src, 0xcfc, bar0);
    qtest_outl(src, 0xcf8, 0x80010000 | 0x18);          /* BAR2 (64-bit) */
    qtest_outl(src, 0xcfc, bar2);
    qtest_outl(src, 0xcf8, 0x80010000 | 0x1c);
    qtest_outl(src, 0xcfc, 0);
    qtest_outl(src, 0xcf8, 0x80010000 | 0x04);
    qtest_outw(src, 0xcfc, 0x0002);
    qtest_writel(src, bar0 + 0x04, 0xfeedbeef);          /* the scratch register */
    qtest_writeq(src, bar2 + 0x100, 0x0123456789abcdefull);
    fill(src, 11);
    incoming(dst, uri);
    migrate(src, uri);
    done = qtest_migrate_wait(src, "completed", "failed");
    g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
    json_object_unref(qtest_migrate_wait(dst, "completed", NULL));
    qtest_outl(dst, 0xcf8, 0x80010000);
    g_assert_cmphex(qtest_inl(dst, 0xcfc), ==, 0x00ee1b36); /* found on bus 1 again */
    g_assert_cmphex(qtest_readl(dst, bar0 + 0x04), ==, 0xfeedbeef);
    g_assert_cmphex(qtest_readq(dst, bar2 + 0x100), ==, 0x0123456789abcdefull);
    check(dst, 11);
    g_unlink(uri + 5);
}

static char *save_file(const char *dir, uint8_t seed)
{
    char *path = g_build_filename(dir, "vm.state", NULL);
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    g_autoptr(QTestState) src = qtest_init(ARGS);
    g_autoptr(JsonObject) done = NULL;

    fill(src, seed);
    json_node_unref(qtest_qmp_assert_success(src, "{'execute': 'stop'}"));
    migrate(src, uri);
    done = qtest_migrate_wait(src, "completed", "failed");
    g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
    g_assert_cmpstr(status_of(src), ==, "postmigrate");
    return path;
}

static void test_file_save_restore(void)
{
    g_autofree char *dir = g_dir_make_tmp("hd-mig-XXXXXX", NULL);
    g_autofree char *path = save_file(dir, 3);
    g_autofree char *dargs = g_strdup_printf(ARGS "-incoming file:%s", path);
    g_autoptr(QTestState) dst = qtest_init(dargs);

    json_object_unref(qtest_migrate_wait(dst, "completed", NULL));
    check(dst, 3);
    g_unlink(path);
    g_rmdir(dir);
}

/* A restore that must be refused: hostdev exits 1 naming the problem. */
static void expect_refusal(const char *args, const char *uri, const char *want)
{
    QTestState *dst = qtest_init(args);
    g_autofree char *err = NULL;

    incoming(dst, uri);
    g_assert_cmpint(qtest_expect_exit(dst, &err), ==, 1);
    if (!strstr(err, want)) {
        g_printerr("stderr: %s\n", err);
    }
    g_assert_nonnull(strstr(err, want));
}

static void test_refusals(void)
{
    g_autofree char *dir = g_dir_make_tmp("hd-mig-XXXXXX", NULL);
    g_autofree char *path = save_file(dir, 4);
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    g_autofree char *bad = g_build_filename(dir, "bad.state", NULL);
    g_autofree char *bad_uri = g_strdup_printf("file:%s", bad);
    g_autofree char *data = NULL;
    gsize len;

    expect_refusal("-M q35 -m 128M -nodefaults -incoming defer", uri,
                   "start the destination with the source's -m");
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    /* One bit flipped in a page of RAM data. */
    data[len / 2] ^= 0x10;
    g_assert_true(g_file_set_contents(bad, data, (gssize)len, NULL));
    expect_refusal(ARGS "-incoming defer", bad_uri, "fails its checksum");
    data[len / 2] ^= 0x10;
    /* Cut in the middle. */
    g_assert_true(g_file_set_contents(bad, data, (gssize)len / 3, NULL));
    expect_refusal(ARGS "-incoming defer", bad_uri, "before its end marker");
    /* Not a stream at all. */
    g_assert_true(g_file_set_contents(bad, "QEVM\0\0\0\3garbage garbage", 24, NULL));
    expect_refusal(ARGS "-incoming defer", bad_uri, "not a hostdev migration stream");
    /* Another device set: the destination has a root port the source did not. */
    expect_refusal(ARGS "-device pcie-root-port,id=rp1,chassis=1 -incoming defer", uri,
                   "devices differ");
    g_unlink(bad);
    g_unlink(path);
    g_rmdir(dir);
}

/* Slow the stream down so the migration is still running when the test acts. */
static QTestState *slow_source(void)
{
    QTestState *src = qtest_init(ARGS);

    json_node_unref(qtest_qmp_assert_success(
        src, "{'execute': 'migrate-set-parameters', 'arguments': {'max-bandwidth': 1048576}}"));
    return src;
}

/* A destination that is not there: migrate fails at once, the VM runs on. */
static void test_connect_fails(void)
{
    g_autoptr(QTestState) src = qtest_init(ARGS);
    g_autofree char *err = qtest_qmp_expect_error(
        src, "GenericError", "{'execute': 'migrate', 'arguments': {'uri': 'unix:/nonexistent/s'}}");

    g_assert_nonnull(strstr(err, "cannot connect"));
    g_assert_cmpstr(status_of(src), ==, "running");
}

static void test_cancel_running(void)
{
    g_autofree char *dir = g_dir_make_tmp("hd-mig-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("unix:%s/mig.sock", dir);
    g_autoptr(QTestState) src = slow_source();
    QTestState *dst = qtest_init(ARGS "-incoming defer");
    g_autoptr(JsonObject) st = NULL;
    g_autofree char *err = NULL;

    fill(src, 6);
    incoming(dst, uri);
    migrate(src, uri);
    json_object_unref(qtest_migrate_wait(src, "active", NULL));
    json_node_unref(qtest_qmp_assert_success(src, "{'execute': 'migrate_cancel'}"));
    st = qtest_migrate_wait(src, "cancelled", NULL);
    g_assert_cmpstr(status_of(src), ==, "running");
    /* The destination saw the stream end early and gave up. */
    g_assert_cmpint(qtest_expect_exit(dst, &err), ==, 1);
    g_assert_nonnull(strstr(err, "before its end marker"));
    check(src, 6);
    g_unlink(uri + 5);
    g_rmdir(dir);
}

static void test_destination_dies(void)
{
    g_autofree char *dir = g_dir_make_tmp("hd-mig-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("unix:%s/mig.sock", dir);
    g_autoptr(QTestState) src = slow_source();
    QTestState *dst = qtest_init(ARGS "-incoming defer");
    g_autoptr(JsonObject) st = NULL;

    fill(src, 7);
    incoming(dst, uri);
    migrate(src, uri);
    json_object_unref(qtest_migrate_wait(src, "active", NULL));
    qtest_kill_now(dst);
    st = qtest_migrate_wait(src, "failed", NULL);
    g_assert_nonnull(strstr(json_object_get_string_member(st, "error-desc"), "writing"));
    g_assert_cmpstr(status_of(src), ==, "running");
    check(src, 7);
    g_unlink(uri + 5);
    g_rmdir(dir);
}

/* A destination that stops reading (SIGSTOP): the source gives up after its stall limit and runs
 * on, its monitor answering meanwhile between ticks. */
static void test_destination_stalls(void)
{
    g_autofree char *dir = g_dir_make_tmp("hd-mig-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("unix:%s/mig.sock", dir);
    g_autoptr(QTestState) src = qtest_init(ARGS);
    QTestState *dst = qtest_init(ARGS "-incoming defer");
    g_autoptr(JsonObject) st = NULL;

    fill(src, 12);
    incoming(dst, uri);
    kill(qtest_pid(dst), SIGSTOP);
    migrate(src, uri);
    st = qtest_migrate_wait(src, "failed", "completed");
    g_assert_cmpstr(json_object_get_string_member(st, "status"), ==, "failed");
    g_assert_nonnull(strstr(json_object_get_string_member(st, "error-desc"), "read nothing"));
    g_assert_cmpstr(status_of(src), ==, "running");
    check(src, 12);
    kill(qtest_pid(dst), SIGCONT);
    qtest_kill_now(dst);
    g_unlink(uri + 5);
    g_rmdir(dir);
}

/* Writes made while precopy runs reach the destination (dirty tracking of RAM). */
static void test_precopy_dirty(void)
{
    g_autofree char *dir = g_dir_make_tmp("hd-mig-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("unix:%s/mig.sock", dir);
    g_autoptr(QTestState) src = slow_source();
    g_autoptr(QTestState) dst = qtest_init(ARGS "-incoming defer");
    g_autoptr(JsonObject) done = NULL;

    fill(src, 8);
    incoming(dst, uri);
    migrate(src, uri);
    json_object_unref(qtest_migrate_wait(src, "active", NULL));
    g_usleep(300 * 1000);
    fill(src, 9); /* after the first pass sent some of these pages */
    done = qtest_migrate_wait(src, "completed", "failed");
    g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
    g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(done, "ram"),
                                               "dirty-sync-count"), >=, 2);
    json_object_unref(qtest_migrate_wait(dst, "completed", NULL));
    check(dst, 9);
    g_unlink(uri + 5);
    g_rmdir(dir);
}

static void test_qmp_errors(void)
{
    g_autoptr(QTestState) s = qtest_init(ARGS);
    g_autofree char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;

    e1 = qtest_qmp_expect_error(s, "GenericError",
                                "{'execute': 'migrate', 'arguments': {'uri': 'exec:cat'}}");
    g_assert_nonnull(strstr(e1, "not supported"));
    e2 = qtest_qmp_expect_error(s, "GenericError",
                                "{'execute': 'migrate-incoming', 'arguments': {'uri': 'unix:/x'}}");
    g_assert_nonnull(strstr(e2, "-incoming defer"));
    e3 = qtest_qmp_expect_error(s, "GenericError",
                                "{'execute': 'migrate-set-capabilities', 'arguments': "
                                "{'capabilities': [{'capability': 'postcopy-ram', 'state': true}]}}");
    g_assert_nonnull(strstr(e3, "postcopy-ram"));
    e4 = qtest_qmp_expect_error(s, "GenericError",
                                "{'execute': 'migrate-set-parameters', 'arguments': "
                                "{'downtime-limit': -1}}");
    g_assert_nonnull(strstr(e4, "downtime-limit"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/unix", test_unix);
    g_test_add_func("/migration/tcp-defer", test_tcp_defer);
    g_test_add_func("/migration/fd", test_fd);
    g_test_add_func("/migration/pci-devices", test_pci_devices);
    g_test_add_func("/migration/file-save-restore", test_file_save_restore);
    g_test_add_func("/migration/refusals", test_refusals);
    g_test_add_func("/migration/connect-fails", test_connect_fails);
    g_test_add_func("/migration/cancel", test_cancel_running);
    g_test_add_func("/migration/destination-dies", test_destination_dies);
    g_test_add_func("/migration/precopy-dirty", test_precopy_dirty);
    g_test_add_func("/migration/destination-stalls", test_destination_stalls);
    g_test_add_func("/migration/qmp-errors", test_qmp_errors);
    return g_test_run();
}
