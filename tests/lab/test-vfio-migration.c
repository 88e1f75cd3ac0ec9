/*
 * Lab test of VFIO migration v2 on the real kernel: mtty mdevs (migration v2 with PRE_COPY)
 * probed, UART registers programmed on one through BAR0/BAR1, its state saved with the
 * migration handlers into a memory sink (precopy, then stop-copy) and loaded into a second
 * mtty (or the same one, clobbered first), which must read back the same registers; failures
 * leave the device running. One body for both backends ("--backend iommufd").
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-container-base.h"
#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-sys.h"
#include "system/iommufd.h"
#include "system/memory.h"
#include "vfio-migration.h"

#include "lab-edu.h"

/* 16550 registers of an mtty port (DLAB clear). */
#define UART_RX 0
#define UART_TX 0
#define UART_IER 1
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define UART_LSR_DR 0x01

static const char *backend = "legacy";
static HdIommufdBackend *iommufd_be;
static char **mdevs;   /* LAB_MDEVS: sysfs paths of the mtty mdevs */
static const char *src_path, *dst_path;

static void mdev_attach(VFIODevice *dev, const char *path)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *uuid = g_path_get_basename(path);

    vfio_device_init(dev, NULL);
    dev->iommufd = iommufd_be ? G_OBJECT(iommufd_be) : NULL;
    dev->sysfsdev = g_strdup(path);
    if (!vfio_attach_device(uuid, dev, lab_dma_as, &err)) {
        g_error("attaching mtty %s (%s): %s", path, backend, err->message);
    }
}

static void mdev_detach(VFIODevice *dev)
{
    vfio_detach_device(dev);
    vfio_device_clear(dev);
}

/* No such BAR (an mtty with one port has no BAR 1); mtty's BAR 0 sits at offset 0. */
#define NO_BAR UINT64_MAX

/* The device fd offset of BAR @bar, NO_BAR when the mtty has no such port. */
static uint64_t bar_offset(VFIODevice *dev, unsigned bar)
{
    g_autofree struct vfio_region_info *info = NULL;

    g_assert_cmpint(vfio_get_region_info(dev, VFIO_PCI_BAR0_REGION_INDEX + bar, &info), ==, 0);
    return info->size ? info->offset : NO_BAR;
}

static void uart_wr(VFIODevice *dev, uint64_t bar, unsigned reg, uint8_t v)
{
    g_assert_cmpint(vfio_device_pwrite(dev, &v, 1, bar + reg), ==, 0);
}

static uint8_t uart_rd(VFIODevice *dev, uint64_t bar, unsigned reg)
{
    uint8_t v = 0xff;

    g_assert_cmpint(vfio_device_pread(dev, &v, 1, bar + reg), ==, 0);
    return v;
}

/* The registers the test programs, per port. */
typedef struct Regs {
    uint8_t ier, lcr, mcr, scr;
} Regs;

static void regs_write(VFIODevice *dev, uint64_t bar, const Regs *r)
{
    uart_wr(dev, bar, UART_LCR, r->lcr);
    uart_wr(dev, bar, UART_IER, r->ier);
    uart_wr(dev, bar, UART_MCR, r->mcr);
    uart_wr(dev, bar, UART_SCR, r->scr);
}

static Regs regs_read(VFIODevice *dev, uint64_t bar)
{
    return (Regs){
        .ier = uart_rd(dev, bar, UART_IER),
        .lcr = uart_rd(dev, bar, UART_LCR),
        .mcr = uart_rd(dev, bar, UART_MCR),
        .scr = uart_rd(dev, bar, UART_SCR),
    };
}

static void regs_check(const char *what, const Regs *got, const Regs *want)
{
    g_test_message("%s: IER 0x%02x LCR 0x%02x MCR 0x%02x SCR 0x%02x (want 0x%02x 0x%02x 0x%02x 0x%02x)",
                   what, got->ier, got->lcr, got->mcr, got->scr, want->ier, want->lcr,
                   want->mcr, want->scr);
    g_assert_cmphex(got->ier, ==, want->ier);
    g_assert_cmphex(got->lcr, ==, want->lcr);
    g_assert_cmphex(got->mcr, ==, want->mcr);
    g_assert_cmphex(got->scr, ==, want->scr);
}

/* The kernel's view of the device's migration state. */
static enum vfio_device_mig_state kernel_state(VFIODevice *dev)
{
    struct vfio_device_feature_mig_state st = {.data_fd = -1};

    g_assert_cmpint(vfio_device_feature(dev,
                                        VFIO_DEVICE_FEATURE_GET |
                                            VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
                                        &st, sizeof(st)),
                    ==, 0);
    return st.device_state;
}

/* Move the device to @state behind hostdev's back (as a killed process leaves it). */
static void kernel_set_state(VFIODevice *dev, enum vfio_device_mig_state state)
{
    struct {
        struct vfio_device_feature hdr;
        struct vfio_device_feature_mig_state mig;
    } arg = {
        .hdr = {
            .argsz = sizeof(arg),
            .flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
        },
        .mig = {.device_state = state, .data_fd = -1},
    };

    g_assert_cmpint(vfio_sys_ioctl(dev->fd, VFIO_DEVICE_FEATURE, &arg), ==, 0);
    if (arg.mig.data_fd >= 0) {
        vfio_sys_close(arg.mig.data_fd);
    }
}

static uint64_t probe_flags(VFIODevice *dev)
{
    uint64_t flags = 0;

    g_assert_cmpint(vfio_migration_probe(dev, &flags), ==, 0);
    return flags;
}

/* mtty offers migration v2 with PRE_COPY; auto migrates it where its DMA is tracked. */
static void test_probe(void)
{
    g_autofree char *reason = NULL;
    VFIOMigrationVerdict v;
    VFIODevice dev;
    uint64_t flags;
    bool tracked;

    mdev_attach(&dev, src_path);
    flags = probe_flags(&dev);
    tracked = vfio_migration_dma_tracked(&dev);
    g_test_message("%s: mtty migration flags 0x%" G_GINT64_MODIFIER "x, DMA dirty tracking %s",
                   backend, flags, tracked ? "yes" : "no");
    g_assert_true(flags & VFIO_MIGRATION_STOP_COPY);
    g_assert_true(flags & VFIO_MIGRATION_PRE_COPY);
    /* mtty keeps its state across close and open: one left in PRE_COPY by an earlier user is
     * brought back to RUNNING when hostdev takes it. */
    kernel_set_state(&dev, VFIO_DEVICE_STATE_PRE_COPY);
    mdev_detach(&dev);
    mdev_attach(&dev, src_path);
    g_test_message("%s: state found at open after an abandoned precopy: %s", backend,
                   vfio_migration_state_name(kernel_state(&dev)));
    vfio_migration_free(vfio_migration_new(&dev, flags, true, NULL, NULL));
    g_assert_cmpint(kernel_state(&dev), ==, VFIO_DEVICE_STATE_RUNNING);
    v = vfio_migration_decide(VFIO_MIGRATION_MODE_AUTO, 0, flags, tracked, &reason);
    g_test_message("%s: enable-migration=auto: %s%s", backend,
                   v == VFIO_MIGRATION_MIGRATE ? "migratable" : "blocked: ",
                   v == VFIO_MIGRATION_MIGRATE ? "" : reason);
    /* mtty's driver logs its DMA (VFIO_DEVICE_FEATURE_DMA_LOGGING_*), so auto migrates it
     * on both backends, though an iommufd access for an mdev has no IOMMU dirty tracking. */
    g_assert_true(tracked);
    g_assert_cmpint(v, ==, VFIO_MIGRATION_MIGRATE);
    g_clear_pointer(&reason, g_free);
    v = vfio_migration_decide(VFIO_MIGRATION_MODE_ON, 0, flags, tracked, &reason);
    g_assert_cmpint(v, ==, VFIO_MIGRATION_MIGRATE);
    mdev_detach(&dev);
}

static void test_save_load(void)
{
    static const Regs port0 = {.ier = 0x05, .lcr = 0x1b, .mcr = 0x0b, .scr = 0x5a};
    static const Regs port1 = {.ier = 0x01, .lcr = 0x03, .mcr = 0x03, .scr = 0xc3};
    static const Regs zero = {0};
    Regs final0 = port0;
    HdMigSink *sink = hd_mig_sink_new_memory();
    g_autoptr(GError) err = NULL;
    unsigned fds = lab_fd_count();
    uint64_t pending = 0, bytes = 0, bar0, bar1;
    VFIOMigration *mig;
    VFIODevice src, dst;
    uint64_t flags;
    char rx[3] = "";

    /* Source: program both ports, and leave two bytes in port 0's loopback FIFO. */
    mdev_attach(&src, src_path);
    flags = probe_flags(&src);
    bar0 = bar_offset(&src, 0);
    bar1 = bar_offset(&src, 1);
    g_assert_cmphex(bar0, !=, NO_BAR);
    regs_write(&src, bar0, &port0);
    if (bar1 != NO_BAR) {
        regs_write(&src, bar1, &port1);
    }
    uart_wr(&src, bar0, UART_TX, 'h');
    uart_wr(&src, bar0, UART_TX, 'd');

    mig = vfio_migration_new(&src, flags, true, NULL, NULL);
    g_assert_true(vfio_migration_ops.save_setup(mig, &err));
    g_assert_no_error(err);
    g_assert_cmpint(vfio_migration_state(mig), ==, VFIO_DEVICE_STATE_PRE_COPY);
    g_assert_cmpint(kernel_state(&src), ==, VFIO_DEVICE_STATE_PRE_COPY);
    g_assert_true(vfio_migration_ops.save_iterate(mig, sink, 1 << 20, &pending, &err));
    g_assert_no_error(err);
    g_test_message("%s: precopy sent %u section(s), %" G_GINT64_MODIFIER "u bytes pending",
                   backend, hd_mig_sink_count(sink), pending);
    /* The device still runs in precopy: a change now must reach the destination too. */
    final0.scr = 0xa5;
    uart_wr(&src, bar0, UART_SCR, final0.scr);
    g_assert_true(vfio_migration_ops.save_complete(mig, sink, &err));
    g_assert_no_error(err);
    g_assert_cmpint(kernel_state(&src), ==, VFIO_DEVICE_STATE_STOP_COPY);
    for (guint i = 0; i < hd_mig_sink_count(sink); i++) {
        g_assert_cmpstr(hd_mig_sink_kind(sink, i), ==, VFIO_MIGRATION_KIND);
        bytes += g_bytes_get_size(hd_mig_sink_data(sink, i));
    }
    g_test_message("%s: saved %u vfio-data section(s), %" G_GINT64_MODIFIER "u bytes", backend,
                   hd_mig_sink_count(sink), bytes);
    g_assert_cmpuint(bytes, >, 0);
    /* Completed with the VM stopped: the device stays stopped until the VM runs again. */
    vfio_migration_ops.save_cleanup(mig, false);
    g_assert_cmpint(kernel_state(&src), ==, VFIO_DEVICE_STATE_STOP);
    vfio_migration_free(mig);
    g_assert_cmpint(kernel_state(&src), ==, VFIO_DEVICE_STATE_RUNNING);

    /* One mtty: the same device again. Either way clobber what was saved (an earlier run
     * may have left it on the destination), so only the load can bring it back. */
    if (!strcmp(src_path, dst_path)) {
        mdev_detach(&src);
    }
    mdev_attach(&dst, dst_path);
    regs_write(&dst, bar_offset(&dst, 0), &zero);
    if (bar1 != NO_BAR) {
        regs_write(&dst, bar_offset(&dst, 1), &zero);
    }
    while (uart_rd(&dst, bar_offset(&dst, 0), UART_LSR) & UART_LSR_DR) {
        uart_rd(&dst, bar_offset(&dst, 0), UART_RX);
    }
    bar0 = bar_offset(&dst, 0);
    bar1 = bar_offset(&dst, 1);
    {
        Regs before = regs_read(&dst, bar0);

        g_test_message("%s: destination %s before the load: SCR 0x%02x", backend, dst_path,
                       before.scr);
        g_assert_cmphex(before.scr, !=, final0.scr);
    }

    /* Destination: RESUMING, every section into the data fd, then running. */
    mig = vfio_migration_new(&dst, probe_flags(&dst), true, NULL, NULL);
    g_assert_true(vfio_migration_ops.load_setup(mig, &err));
    g_assert_no_error(err);
    g_assert_cmpint(kernel_state(&dst), ==, VFIO_DEVICE_STATE_RESUMING);
    for (guint i = 0; i < hd_mig_sink_count(sink); i++) {
        gsize len;
        const uint8_t *data = g_bytes_get_data(hd_mig_sink_data(sink, i), &len);

        g_assert_true(vfio_migration_ops.load_section(mig, hd_mig_sink_kind(sink, i), data, len,
                                                      &err));
        g_assert_no_error(err);
    }
    g_assert_true(vfio_migration_ops.load_complete(mig, &err));
    g_assert_no_error(err);
    vfio_migration_ops.load_cleanup(mig, false);
    g_assert_cmpint(kernel_state(&dst), ==, VFIO_DEVICE_STATE_RUNNING);
    vfio_migration_free(mig);

    {
        Regs got0 = regs_read(&dst, bar0);

        regs_check("port 0 after the load", &got0, &final0);
        if (bar1 != NO_BAR) {
            Regs got1 = regs_read(&dst, bar1);

            regs_check("port 1 after the load", &got1, &port1);
        }
    }
    for (unsigned i = 0; i < 2 && (uart_rd(&dst, bar0, UART_LSR) & UART_LSR_DR); i++) {
        rx[i] = uart_rd(&dst, bar0, UART_RX);
    }
    g_test_message("%s: port 0's FIFO after the load reads '%s' (written on the source: 'hd')",
                   backend, rx);
    g_assert_cmpstr(rx, ==, "hd");
    mdev_detach(&dst);
    if (strcmp(src_path, dst_path)) {
        mdev_detach(&src);
    }
    hd_mig_sink_free(sink);
    g_assert_cmpuint(lab_fd_count(), ==, fds);
}

/*
 * Failures: a stop-copy read that fails, and a resume with data the driver refuses; each time
 * the handler says why and the device ends in RUNNING (reset when the kernel put it in ERROR).
 */
static void test_failures(void)
{
    static const uint8_t garbage[64] = {0xde, 0xad, 0xbe, 0xef};
    HdMigSink *sink = hd_mig_sink_new_memory();
    g_autoptr(GError) err = NULL;
    unsigned fds = lab_fd_count();
    VFIOMigration *mig;
    VFIODevice dev;

    mdev_attach(&dev, src_path);
    mig = vfio_migration_new(&dev, probe_flags(&dev), true, NULL, NULL);
    g_assert_true(vfio_migration_ops.save_setup(mig, &err));
    vfio_sys_fail_nth(VFIO_SYS_READ, 1, EIO);
    g_assert_false(vfio_migration_ops.save_complete(mig, sink, &err));
    g_test_message("%s: failed stop-copy read: %s", backend, err->message);
    g_assert_error(err, VFIO_ERROR, EIO);
    g_clear_error(&err);
    vfio_migration_ops.save_cleanup(mig, true);
    g_assert_cmpint(kernel_state(&dev), ==, VFIO_DEVICE_STATE_RUNNING);
    vfio_sys_reset_counts();

    /* Data the driver does not accept: refused when leaving RESUMING. */
    g_assert_true(vfio_migration_ops.load_setup(mig, &err));
    g_assert_true(vfio_migration_ops.load_section(mig, VFIO_MIGRATION_KIND, garbage,
                                                  sizeof(garbage), &err) ||
                  err);
    if (err) {
        g_test_message("%s: garbage refused at write: %s", backend, err->message);
        g_clear_error(&err);
        vfio_migration_ops.load_cleanup(mig, true);
    } else {
        g_assert_false(vfio_migration_ops.load_complete(mig, &err));
        g_test_message("%s: garbage refused: %s", backend, err->message);
        g_assert_null(strchr(err->message, '\n'));
        vfio_migration_ops.load_cleanup(mig, true);
    }
    g_assert_cmpint(kernel_state(&dev), ==, VFIO_DEVICE_STATE_RUNNING);
    g_assert_cmpint(vfio_migration_state(mig), ==, VFIO_DEVICE_STATE_RUNNING);
    /* The device works afterwards. */
    uart_wr(&dev, bar_offset(&dev, 0), UART_SCR, 0x3c);
    g_assert_cmphex(uart_rd(&dev, bar_offset(&dev, 0), UART_SCR), ==, 0x3c);
    vfio_migration_free(mig);
    mdev_detach(&dev);
    hd_mig_sink_free(sink);
    g_assert_cmpuint(lab_fd_count(), ==, fds);
}

int main(int argc, char **argv)
{
    const char *env;
    int ret;

    if (argc >= 3 && strcmp(argv[1], "--backend") == 0) {
        backend = argv[2];
        argv[2] = argv[0];
        argv += 2;
        argc -= 2;
    }
    if (strcmp(backend, "iommufd") == 0) {
        g_autoptr(GError) err = NULL;

        iommufd_be = g_object_new(HD_TYPE_IOMMUFD_BACKEND, "id", "iommufd0", NULL);
        if (!iommufd_backend_connect(iommufd_be, &err)) {
            printf("Bail out! %s\n", err->message);
            return 1;
        }
        iommufd_backend_disconnect(iommufd_be);
    } else if (strcmp(backend, "legacy") != 0) {
        printf("Bail out! --backend must be legacy or iommufd, not '%s'\n", backend);
        return 1;
    }
    g_test_init(&argc, &argv, NULL);
    env = g_getenv("LAB_MDEVS");
    if (!env || !*env) {
        /* The lab makes them present: a missing one is a defect, not a skip. */
        printf("Bail out! LAB_MDEVS is empty: run inside scripts/lab/run --mdev mtty-2 (two for two devices)\n");
        return 1;
    }
    mdevs = g_strsplit(env, " ", -1);
    src_path = mdevs[0];
    dst_path = mdevs[1] ? mdevs[1] : mdevs[0];
    lab_guest_ram_build();
    g_test_add_func("/vfio/migration/lab/probe", test_probe);
    g_test_add_func("/vfio/migration/lab/save-load", test_save_load);
    g_test_add_func("/vfio/migration/lab/failures", test_failures);
    ret = g_test_run();
    g_strfreev(mdevs); /* LeakSanitizer: only src_path/dst_path held its strings, not the array */
    return ret;
}
