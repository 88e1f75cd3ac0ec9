/*
 * End to end on the real hostdev binary: q35 with guest RAM, the emulated PCI test device
 * (config space through CF8/CFC, BAR sizing and mapping, MSI seen on /machine/msi, DMA),
 * QMP run state, hot-plug with DEVICE_DELETED, memory backends, and refused options.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hw/pci/testdev.h"
#include "libqtest.h"
#include "qtest-pci.h"

#define BAR0_ADDR 0xc0000000u
#define MSI_DATA 0x42

/* The slot on bus 0 holding the test device, or -1. */
static int find_testdev(QTestState *s)
{
    for (int slot = 0; slot < 32; slot++) {
        if (pci_cfg_readl(s, slot, 0) == (TESTDEV_DEVICE_ID << 16 | TESTDEV_VENDOR_ID)) {
            return slot;
        }
    }
    return -1;
}

static char *status_of(QTestState *s)
{
    g_autoptr(JsonNode) ret = qtest_qmp_assert_success(s, "{'execute': 'query-status'}");
    JsonObject *obj = json_node_get_object(ret);

    g_assert_cmpint(json_object_get_boolean_member(obj, "running"), ==,
                    !strcmp(json_object_get_string_member(obj, "status"), "running"));
    return g_strdup(json_object_get_string_member(obj, "status"));
}

static bool qom_has_child(QTestState *s, const char *path, const char *name)
{
    g_autoptr(JsonNode) ret = qtest_qmp_assert_success(
        s, "{'execute': 'qom-list', 'arguments': {'path': '%s'}}", path);
    JsonArray *list = json_node_get_array(ret);

    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *e = json_array_get_object_element(list, i);

        if (!strcmp(json_object_get_string_member(e, "name"), name)) {
            return true;
        }
    }
    return false;
}

static void test_ram(void)
{
    g_autoptr(QTestState) s = qtest_init("-M q35 -m 512M -nodefaults -display none");
    uint8_t out[4096], in[4096];

    qtest_writel(s, 0x1000, 0xdeadbeef);
    g_assert_cmphex(qtest_readl(s, 0x1000), ==, 0xdeadbeef);
    qtest_writeq(s, 512 * 1024 * 1024 - 8, 0x0123456789abcdefULL);
    g_assert_cmphex(qtest_readq(s, 512 * 1024 * 1024 - 8), ==, 0x0123456789abcdefULL);
    for (size_t i = 0; i < sizeof(out); i++) {
        out[i] = (uint8_t)(i * 7);
    }
    qtest_memwrite(s, 0x100000, out, sizeof(out));
    qtest_memread(s, 0x100000, in, sizeof(in));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    /* Past the end of RAM nothing is mapped: all ones. */
    g_assert_cmphex(qtest_readl(s, 0x30000000), ==, 0xffffffff);
    g_assert_cmpint(qtest_clock_step(s, 1000), ==, 1000);
    g_assert_cmpint(qtest_clock_set(s, 5000), ==, 5000);
}

static void test_pci_testdev(void)
{
    g_autoptr(QTestState) s = qtest_init("-M q35 -m 512M -nodefaults "
                                         "-device " TESTDEV_TYPE_NAME ",id=t0");
    g_autofree char *log = NULL;
    g_autofree char *want = NULL;
    uint32_t size_mask;
    uint16_t msi_ctrl;
    int slot = find_testdev(s);

    g_assert_cmpint(slot, >=, 0);
    /* Size BAR0, then map it at the start of the PCI hole and enable decode + bus master. */
    pci_cfg_writel(s, slot, 0x10, 0xffffffff);
    size_mask = pci_cfg_readl(s, slot, 0x10) & ~0xfu;
    g_assert_cmphex(~size_mask + 1, ==, TESTDEV_BAR0_SIZE);
    pci_cfg_writel(s, slot, 0x10, BAR0_ADDR);
    pci_cfg_writew(s, slot, 0x04, 0x0006);
    g_assert_cmphex(qtest_readl(s, BAR0_ADDR + TESTDEV_REG_ID), ==, TESTDEV_ID_VALUE);
    qtest_writel(s, BAR0_ADDR + TESTDEV_REG_SCRATCH, 0x5a5a1234);
    g_assert_cmphex(qtest_readl(s, BAR0_ADDR + TESTDEV_REG_SCRATCH), ==, 0x5a5a1234);

    /* DMA: the device writes guest RAM through the machine's address space. */
    qtest_writel(s, BAR0_ADDR + TESTDEV_REG_DMA_LO, 0x2000);
    qtest_writel(s, BAR0_ADDR + TESTDEV_REG_DMA_HI, 0);
    qtest_writel(s, BAR0_ADDR + TESTDEV_REG_DMA_DATA, 0xcafef00d);
    g_assert_cmphex(qtest_readl(s, 0x2000), ==, 0xcafef00d);

    /* MSI: address 0xfee00000, data 0x42, enable; vector 0 pulses /machine/msi line 0x42. */
    qtest_irq_intercept_in(s, "/machine/msi");
    pci_cfg_writel(s, slot, TESTDEV_MSI_CAP + 4, 0xfee00000);
    pci_cfg_writel(s, slot, TESTDEV_MSI_CAP + 8, 0);
    pci_cfg_writew(s, slot, TESTDEV_MSI_CAP + 12, MSI_DATA);
    msi_ctrl = pci_cfg_readl(s, slot, TESTDEV_MSI_CAP) >> 16;
    pci_cfg_writew(s, slot, TESTDEV_MSI_CAP + 2, msi_ctrl | 1);
    qtest_writel(s, BAR0_ADDR + TESTDEV_REG_MSI, 0);
    g_assert_false(qtest_get_irq(s, MSI_DATA)); /* an edge: raised, then lowered */
    g_assert_true(g_file_get_contents(qtest_log_path(s), &log, NULL, NULL));
    want = g_strdup_printf("IRQ raise %d\n", MSI_DATA);
    g_assert_nonnull(strstr(log, want));
}

static void test_run_state(void)
{
    g_autoptr(QTestState) s = qtest_init("-M q35 -m 128M");
    g_autoptr(JsonObject) stop = NULL;
    g_autoptr(JsonObject) resume = NULL;
    g_autoptr(JsonObject) reset = NULL;
    g_autofree char *st1 = NULL, *st2 = NULL, *st3 = NULL;

    st1 = status_of(s);
    g_assert_cmpstr(st1, ==, "running");
    json_node_unref(qtest_qmp_assert_success(s, "{'execute': 'stop'}"));
    stop = qtest_qmp_eventwait(s, "STOP");
    st2 = status_of(s);
    g_assert_cmpstr(st2, ==, "paused");
    json_node_unref(qtest_qmp_assert_success(s, "{'execute': 'cont'}"));
    resume = qtest_qmp_eventwait(s, "RESUME");
    st3 = status_of(s);
    g_assert_cmpstr(st3, ==, "running");
    json_node_unref(qtest_qmp_assert_success(s, "{'execute': 'system_reset'}"));
    reset = qtest_qmp_eventwait(s, "RESET");
    g_assert_false(json_object_get_boolean_member(json_object_get_object_member(reset, "data"),
                                                  "guest"));
}

static void test_prelaunch(void)
{
    g_autoptr(QTestState) s = qtest_init("-S -M q35");
    g_autofree char *st1 = status_of(s);
    g_autofree char *st2 = NULL;

    g_assert_cmpstr(st1, ==, "prelaunch");
    json_node_unref(qtest_qmp_assert_success(s, "{'execute': 'cont'}"));
    st2 = status_of(s);
    g_assert_cmpstr(st2, ==, "running");
}

static void test_hotplug(void)
{
    g_autoptr(QTestState) s = qtest_init("-M q35 -m 256M");
    g_autoptr(JsonObject) ev = NULL;
    g_autofree char *err1 = NULL, *err2 = NULL, *err3 = NULL;
    g_autofree char *st = NULL;
    JsonObject *data;

    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_add', 'arguments': {'driver': '" TESTDEV_TYPE_NAME "', "
           "'id': 'hp1'}}"));
    g_assert_true(qom_has_child(s, "/machine/peripheral", "hp1"));
    g_assert_cmpint(find_testdev(s), >=, 0);

    /* A failed device_add leaves the VM running and the id free. */
    err1 = qtest_qmp_expect_error(s, "GenericError", "{'execute': 'device_add', 'arguments': "
                                  "{'driver': '" TESTDEV_TYPE_NAME "', 'id': 'bad', "
                                  "'msi-vectors': 3}}");
    g_assert_false(qom_has_child(s, "/machine/peripheral", "bad"));
    err2 = qtest_qmp_expect_error(s, "GenericError", "{'execute': 'device_add', 'arguments': "
                                  "{'driver': 'no-such-device'}}");
    g_assert_nonnull(strstr(err2, "no-such-device"));
    st = status_of(s);
    g_assert_cmpstr(st, ==, "running");

    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_del', 'arguments': {'id': 'hp1'}}"));
    ev = qtest_qmp_eventwait(s, "DEVICE_DELETED");
    data = json_object_get_object_member(ev, "data");
    g_assert_cmpstr(json_object_get_string_member(data, "device"), ==, "hp1");
    g_assert_cmpstr(json_object_get_string_member(data, "path"), ==, "/machine/peripheral/hp1");
    g_assert_false(qom_has_child(s, "/machine/peripheral", "hp1"));
    g_assert_cmpint(find_testdev(s), ==, -1);
    err3 = qtest_qmp_expect_error(s, "DeviceNotFound",
                                  "{'execute': 'device_del', 'arguments': {'id': 'hp1'}}");

    /* The id is free again. */
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_add', 'arguments': {'driver': '" TESTDEV_TYPE_NAME "', "
           "'id': 'hp1'}}"));
}

static void test_memory_backend(void)
{
    g_autoptr(QTestState) s = qtest_init(
        "-object memory-backend-memfd,id=m0,size=3G -machine q35,memory-backend=m0");
    g_autoptr(JsonNode) type = NULL;

    /* 3 GiB: 2 GiB below 4 GiB, 1 GiB from 4 GiB, like QEMU's q35. */
    qtest_writel(s, 0x7ffffffc, 0x11223344);
    g_assert_cmphex(qtest_readl(s, 0x7ffffffc), ==, 0x11223344);
    qtest_writel(s, 0x100000000ULL + 0x3ffffffc, 0x55667788);
    g_assert_cmphex(qtest_readl(s, 0x100000000ULL + 0x3ffffffc), ==, 0x55667788);
    g_assert_cmphex(qtest_readl(s, 0x140000000ULL), ==, 0xffffffff);
    type = qtest_qmp_assert_success(s, "{'execute': 'qom-get', 'arguments': "
                                       "{'path': '/objects/m0', 'property': 'size'}}");
    g_assert_cmpint(json_node_get_int(type), ==, 3LL << 30);
}

static void test_intx_and_set_irq(void)
{
    g_autoptr(QTestState) s = qtest_init("-M q35 -device " TESTDEV_TYPE_NAME ",id=t0");
    int slot = find_testdev(s);
    int raised = -1;

    g_assert_cmpint(slot, >=, 0);
    qtest_irq_intercept_in(s, "/machine/ioapic");
    pci_cfg_writel(s, slot, 0x10, BAR0_ADDR);
    pci_cfg_writew(s, slot, 0x04, 0x0002); /* memory decode, INTx not disabled */
    qtest_writel(s, BAR0_ADDR + TESTDEV_REG_INTX, 1);
    /* The INTx of PCI devices land on GSI 16..23. */
    for (int gsi = 16; gsi < 24; gsi++) {
        if (qtest_get_irq(s, gsi)) {
            raised = gsi;
        }
    }
    g_assert_cmpint(raised, >=, 16);
    qtest_writel(s, BAR0_ADDR + TESTDEV_REG_INTX, 0);
    g_assert_false(qtest_get_irq(s, raised));

    /* set_irq_in drives an input; the interception reports it. */
    qtest_set_irq_in(s, "/machine/ioapic", "unnamed-gpio-in", 5, 1);
    g_assert_true(qtest_get_irq(s, 5));
    qtest_set_irq_in(s, "/machine/ioapic", "unnamed-gpio-in", 5, 0);
    g_assert_false(qtest_get_irq(s, 5));
}

static void test_trace_and_help(void)
{
    g_autofree char *dir = g_dir_make_tmp("hostdev-test-q35-XXXXXX", NULL);
    g_autofree char *log_path = g_build_filename(dir, "trace.log", NULL);
    g_autofree char *args = g_strdup_printf("-M q35 -trace device_* -trace runstate_set -D %s",
                                            log_path);
    g_autofree char *log = NULL;
    QTestState *s = qtest_init(args);

    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_add', 'arguments': {'driver': '" TESTDEV_TYPE_NAME "', "
           "'id': 'tr0'}}"));
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_del', 'arguments': {'id': 'tr0'}}"));
    qtest_quit(s);
    g_assert_true(g_file_get_contents(log_path, &log, NULL, NULL));
    g_assert_nonnull(strstr(log, ":device_add driver=" TESTDEV_TYPE_NAME " id=tr0 "
                                 "path=/machine/peripheral/tr0\n"));
    g_assert_nonnull(strstr(log, ":device_del id=tr0 path=/machine/peripheral/tr0\n"));
    g_assert_nonnull(strstr(log, ":runstate_set running -> shutdown\n"));
    g_unlink(log_path);
    g_rmdir(dir);
}

/* Run hostdev with @args, expect success and @needle on stdout. */
static void expect_output(const char *args, const char *needle)
{
    const char *binary = g_getenv("HOSTDEV_BINARY");
    g_autofree char *cmd = g_strdup_printf("%s %s", binary ? binary : "./build/hostdev", args);
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;
    int status = 0;

    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, &error));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, &error));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    if (!strstr(out, needle)) {
        g_error("hostdev %s: expected '%s' on stdout, got: %s", args, needle, out);
    }
}

static void test_help_output(void)
{
    expect_output("-device help", "name \"" TESTDEV_TYPE_NAME "\", bus PCI");
    expect_output("-device " TESTDEV_TYPE_NAME ",help", "msi-vectors=<uint32>");
    expect_output("-object help", "memory-backend-memfd");
    expect_output("-object memory-backend-ram,help", "size=<size>");
    expect_output("-machine help", "q35");
    expect_output("-trace help", "device_add\n");
    expect_output("-version", "hostdev version ");
    expect_output("-help", "-qtest-log");
}

/* A second QMP monitor on an inherited socket (-chardev socket,fd=N), as libvirt passes it. */
static void test_chardev_fd(void)
{
    int sv[2];
    QTestFd fd;
    QTestState *s;
    char buf[4096];
    GString *got = g_string_new(NULL);
    static const char caps[] = "{\"execute\": \"qmp_capabilities\"}\n"
                               "{\"execute\": \"query-status\"}\n";

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    fd = (QTestFd){ .fd = sv[1], .target = 5 };
    s = qtest_init_with_fds("-M q35 -chardev socket,id=c1,fd=5 -mon chardev=c1,mode=control",
                            &fd, 1);
    close(sv[1]);
    g_assert_cmpint(write(sv[0], caps, strlen(caps)), ==, (ssize_t)strlen(caps));
    while (!strstr(got->str, "\"status\": \"running\"")) {
        struct pollfd pfd = { .fd = sv[0], .events = POLLIN };
        ssize_t n;

        g_assert_cmpint(poll(&pfd, 1, 10000), ==, 1);
        n = read(sv[0], buf, sizeof(buf));
        g_assert_cmpint(n, >, 0);
        g_string_append_len(got, buf, n);
    }
    g_assert_true(g_str_has_prefix(got->str, "{\"QMP\": "));
    qtest_quit(s);
    close(sv[0]);
    g_string_free(got, TRUE);
}

/* Unplugging a root port takes the device behind it too, each with DEVICE_DELETED. */
static void test_hotplug_bridge(void)
{
    g_autoptr(QTestState) s = qtest_init("-M q35 -device pcie-root-port,id=rp0 "
                                         "-device " TESTDEV_TYPE_NAME ",id=t1,bus=rp0");
    g_autoptr(JsonObject) ev1 = NULL;
    g_autoptr(JsonObject) ev2 = NULL;

    g_assert_true(qom_has_child(s, "/machine/peripheral", "t1"));
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_del', 'arguments': {'id': 'rp0'}}"));
    ev1 = qtest_qmp_eventwait(s, "DEVICE_DELETED");
    ev2 = qtest_qmp_eventwait(s, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(ev1, "data"),
                                                  "device"), ==, "t1");
    g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(ev2, "data"),
                                                  "device"), ==, "rp0");
    g_assert_false(qom_has_child(s, "/machine/peripheral", "t1"));
    g_assert_false(qom_has_child(s, "/machine/peripheral", "rp0"));
    /* And again, now hot-plugged. */
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_add', 'arguments': {'driver': 'pcie-root-port', 'id': 'rp0'}}"));
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_add', 'arguments': {'driver': '" TESTDEV_TYPE_NAME "', "
           "'id': 't1', 'bus': 'rp0'}}"));
}

/*
 * libvirt's q35 layout for a conventional device: pcie-root-port, a pcie-pci-bridge behind it
 * and the device in a slot of the bridge's bus; the guest reaches it once it numbers the buses.
 */
static void test_pcie_pci_bridge(void)
{
    g_autoptr(QTestState) s = qtest_init(
        "-M q35 -device '{\"driver\":\"pcie-root-port\",\"port\":8,\"chassis\":1,"
        "\"id\":\"pci.1\",\"bus\":\"pcie.0\",\"multifunction\":true,\"addr\":\"0x4\"}' "
        "-device '{\"driver\":\"pcie-pci-bridge\",\"id\":\"pci.2\",\"bus\":\"pci.1\","
        "\"addr\":\"0x0\"}' "
        "-device " TESTDEV_TYPE_NAME ",id=t1,bus=pci.2,addr=0x3");

    /* Root port 00:04.0: secondary bus 1, subordinate 2; the bridge 01:00.0: bus 2. */
    pci_cfg_bus_writel(s, 0, 4, 0x18, 0x020100);
    g_assert_cmphex(pci_cfg_bus_readl(s, 1, 0, 0x00), ==, 0x000e1b36);
    g_assert_cmphex(pci_cfg_bus_readl(s, 1, 0, 0x08) >> 8, ==, 0x060400);
    g_assert_cmphex(pci_cfg_bus_readl(s, 1, 0, 0x0c) >> 16 & 0x7f, ==, 1); /* type 1 header */
    pci_cfg_bus_writel(s, 1, 0, 0x18, 0x020201);
    g_assert_cmphex(pci_cfg_bus_readl(s, 2, 3, 0x00), ==,
                    TESTDEV_DEVICE_ID << 16 | TESTDEV_VENDOR_ID);
    /* Its 32 slots are conventional: slot 0 is empty, unlike behind a root port. */
    g_assert_cmphex(pci_cfg_bus_readl(s, 2, 0, 0x00), ==, 0xffffffff);
}

/* Run hostdev with @args and expect failure with @needle on stderr. */
static void expect_refused(const char *args, const char *needle)
{
    const char *binary = g_getenv("HOSTDEV_BINARY");
    g_autofree char *cmd = g_strdup_printf("%s %s", binary ? binary : "./build/hostdev", args);
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;
    int status = 0;

    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, &error));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, &error));
    g_assert_false(g_spawn_check_wait_status(status, NULL));
    if (!strstr(err, needle)) {
        g_error("hostdev %s: expected '%s' on stderr, got: %s", args, needle, err);
    }
}

static void test_bad_options(void)
{
    expect_refused("-accel qtest -M q35 -hda disk.img", "-hda: option not supported");
    expect_refused("-accel qtest -M pc", "-M: machine type 'pc' is not supported");
    expect_refused("-accel qtest -device no-such-dev", "-device: 'no-such-dev' is not a known");
    expect_refused("-accel qtest -device " TESTDEV_TYPE_NAME ",id=t0,bogus=1",
                   "no property 'bogus'");
    expect_refused("-accel qtest -device '{\"driver\": \"" TESTDEV_TYPE_NAME "\", \"id\": 3}'",
                   "-device");
    expect_refused("-accel qtest -machine q35,memory-backend=nope", "memory-backend=nope");
    expect_refused("-accel qtest -chardev socket,id=c0,path=/nonexistent/dir/sock "
                   "-mon chardev=c0,mode=control", "-chardev 'c0'");
    /* With KVM missing the message says so; with it, the missing kernel is named. */
    expect_refused("-accel kvm -kernel /nonexistent/bzImage",
                   g_file_test("/dev/kvm", G_FILE_TEST_EXISTS)
                       ? "-kernel: Failed to open file"
                       : "-accel kvm: /dev/kvm does not exist");
    expect_refused("-accel qtest -kernel /nonexistent/bzImage", "-kernel: booting a kernel needs vCPUs");
    expect_refused("-accel qtest -initrd /nonexistent/initrd", "-initrd: goes with -kernel");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/q35/ram", test_ram);
    g_test_add_func("/q35/pci-testdev", test_pci_testdev);
    g_test_add_func("/q35/run-state", test_run_state);
    g_test_add_func("/q35/prelaunch", test_prelaunch);
    g_test_add_func("/q35/hotplug", test_hotplug);
    g_test_add_func("/q35/memory-backend", test_memory_backend);
    g_test_add_func("/q35/bad-options", test_bad_options);
    g_test_add_func("/q35/intx-and-set-irq", test_intx_and_set_irq);
    g_test_add_func("/q35/trace", test_trace_and_help);
    g_test_add_func("/q35/help-output", test_help_output);
    g_test_add_func("/q35/chardev-fd", test_chardev_fd);
    g_test_add_func("/q35/hotplug-bridge", test_hotplug_bridge);
    g_test_add_func("/q35/pcie-pci-bridge", test_pcie_pci_bridge);
    return g_test_run();
}
