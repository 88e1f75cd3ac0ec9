/*
 * Lab test of libvirt-style fd passing to the iommufd backend: this test (root) opens
 * /dev/iommu and edu's vfio cdev, and hostdev runs as nobody (tests/lab/hostdev-as-nobody.sh),
 * which cannot open either path, with -object iommufd fd= and -device vfio-pci fd=.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"
#include "lab-edu-regs.h"

#define CF8 0xcf8
#define CFC 0xcfc
#define MEM_BASE 0xc0000000u
#define EDU_SLOT 4
#define RAM_SRC 0x100000
#define RAM_DST 0x101000
/* Where the passed fds appear in hostdev. */
#define IOMMUFD_TARGET 10
#define CDEV_TARGET 11

static const char *edu_bdf;

static uint32_t cfg_addr(int slot, int reg)
{
    return 0x80000000u | (uint32_t)slot << 11 | (uint32_t)(reg & 0xfc);
}

static uint32_t cfg_readl(QTestState *s, int slot, int reg)
{
    qtest_outl(s, CF8, cfg_addr(slot, reg));
    return qtest_inl(s, CFC);
}

static void cfg_writel(QTestState *s, int slot, int reg, uint32_t value)
{
    qtest_outl(s, CF8, cfg_addr(slot, reg));
    qtest_outl(s, CFC, value);
}

static bool edu_dma(QTestState *s, uint32_t src, uint32_t dst, uint32_t cmd)
{
    gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

    qtest_writel(s, MEM_BASE + EDU_DMA_SRC, src);
    qtest_writel(s, MEM_BASE + EDU_DMA_DST, dst);
    qtest_writel(s, MEM_BASE + EDU_DMA_COUNT, XFER);
    qtest_writel(s, MEM_BASE + EDU_DMA_CMD, cmd | EDU_DMA_RUN);
    while (qtest_readl(s, MEM_BASE + EDU_DMA_CMD) & EDU_DMA_RUN) {
        if (g_get_monotonic_time() > deadline) {
            return false;
        }
        g_usleep(5000);
    }
    return true;
}

static char *cdev_path(void)
{
    g_autofree char *dir = g_strdup_printf("/sys/bus/pci/devices/%s/vfio-dev", edu_bdf);
    GDir *d = g_dir_open(dir, 0, NULL);
    char *path;

    g_assert_nonnull(d);
    path = g_build_filename("/dev/vfio/devices", g_dir_read_name(d), NULL);
    g_dir_close(d);
    return path;
}

/* Run the wrapper with @args (no qtest) and return its exit status; *@err_out: its stderr. */
static int run_as_nobody(const char *args, char **err_out)
{
    g_autofree char *cmd = g_strdup_printf("%s -M q35 -m 64M -nodefaults -display none %s",
                                           g_getenv("HOSTDEV_BINARY"), args);
    g_auto(GStrv) argv = NULL;
    g_autoptr(GError) err = NULL;
    int status = 0;

    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, &err));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               err_out, &status, &err));
    g_assert_no_error(err);
    return status;
}

/* As nobody, hostdev cannot open /dev/iommu or the cdev itself: the errors say so and
 * point at fd passing. */
static void test_unprivileged_cannot_open(void)
{
    g_autofree char *errout = NULL;
    g_autofree char *dev = g_strdup_printf(
        "-object iommufd,id=iommufd0 -device vfio-pci,host=%s,addr=4,iommufd=iommufd0", edu_bdf);

    g_assert_cmpint(run_as_nobody(dev, &errout), !=, 0);
    g_test_message("without fds: %s", errout);
    g_assert_nonnull(strstr(errout, "/dev/iommu"));
    g_assert_nonnull(strstr(errout, "fd=N"));
}

static void test_fd_passing(void)
{
    g_autofree char *cdev = cdev_path();
    int iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    int devfd = open(cdev, O_RDWR | O_CLOEXEC);
    QTestFd fds[] = {
        { .fd = iommufd, .target = IOMMUFD_TARGET },
        { .fd = devfd, .target = CDEV_TARGET },
    };
    g_autofree char *args = g_strdup_printf(
        "-M q35 -m 256M -nodefaults "
        "-object '{\"qom-type\":\"iommufd\",\"id\":\"iommufd0\",\"fd\":\"%d\"}' "
        "-device '{\"driver\":\"vfio-pci\",\"id\":\"hostdev0\",\"iommufd\":\"iommufd0\","
        "\"fd\":\"%d\",\"addr\":\"4\"}'",
        IOMMUFD_TARGET, CDEV_TARGET);
    uint8_t out[XFER], in[XFER];
    QTestState *s;
    JsonNode *ret;

    g_assert_cmpint(iommufd, >=, 0);
    g_assert_cmpint(devfd, >=, 0);
    s = qtest_init_with_fds(args, fds, G_N_ELEMENTS(fds));
    close(iommufd);
    close(devfd);
    /* hostdev runs as nobody. */
    {
        g_autofree char *status_path = g_strdup_printf("/proc/%d/status", qtest_pid(s));
        g_autofree char *status = NULL;

        g_assert_true(g_file_get_contents(status_path, &status, NULL, NULL));
        g_assert_nonnull(strstr(status, "\nUid:\t65534\t65534\t65534\t65534\n"));
    }
    ret = qtest_qmp_assert_success(s, "{'execute': 'qom-get', 'arguments': "
                                      "{'path': '/machine/peripheral/hostdev0', "
                                      "'property': 'iommufd'}}");
    g_assert_cmpstr(json_node_get_string(ret), ==, "iommufd0");
    json_node_unref(ret);
    /* edu works: BAR0 at MEM_BASE, memory and bus master on, a DMA round trip. */
    g_assert_cmphex(cfg_readl(s, EDU_SLOT, 0) & 0xffff, ==, 0x1234);
    cfg_writel(s, EDU_SLOT, 0x10, MEM_BASE);
    cfg_writel(s, EDU_SLOT, 0x04, cfg_readl(s, EDU_SLOT, 0x04) | 0x6);
    g_assert_cmphex(qtest_readl(s, MEM_BASE + EDU_ID), ==, 0x010000ed);
    for (int i = 0; i < XFER; i++) {
        out[i] = (uint8_t)(i * 11 + 3);
    }
    qtest_memwrite(s, RAM_SRC, out, XFER);
    qtest_memset(s, RAM_DST, 0, XFER);
    g_assert_true(edu_dma(s, RAM_SRC, EDU_BUFFER, 0));
    g_assert_true(edu_dma(s, EDU_BUFFER, RAM_DST, EDU_DMA_TO_RAM));
    qtest_memread(s, RAM_DST, in, XFER);
    g_assert_cmpmem(in, XFER, out, XFER);
    /* Unplug and quit cleanly. */
    json_node_unref(qtest_qmp_assert_success(s, "{'execute': 'device_del', "
                                                "'arguments': {'id': 'hostdev0'}}"));
    json_object_unref(qtest_qmp_eventwait(s, "DEVICE_DELETED"));
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    edu_bdf = g_getenv("LAB_EDU");
    if (!edu_bdf || !g_getenv("HOSTDEV_REAL_BINARY")) {
        printf("Bail out! LAB_EDU and HOSTDEV_REAL_BINARY must be set (run in the lab)\n");
        return 1;
    }
    g_test_add_func("/iommufd/fdpass/unprivileged-cannot-open", test_unprivileged_cannot_open);
    g_test_add_func("/iommufd/fdpass/edu-dma", test_fd_passing);
    return g_test_run();
}
