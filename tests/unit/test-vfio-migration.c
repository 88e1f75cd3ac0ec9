/*
 * Unit test of VFIO migration v2 without a kernel: the walks planned over the state machine
 * for each combination of offered states, enable-migration's verdicts, the data stream
 * helpers on real files with the syscall seam failing reads and writes, and the handlers'
 * error paths on a device fd that refuses every VFIO ioctl (/dev/null, the "refusing device").
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/vfio/vfio-sys.h"
#include "system/runstate.h"
#include "vfio-migration.h"

#define S(x) VFIO_DEVICE_STATE_##x

static const uint64_t STOP_COPY = VFIO_MIGRATION_STOP_COPY;
static const uint64_t P2P = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P;
static const uint64_t PRE = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY;
static const uint64_t ALL = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY;

/* The planned walk as "a,b,c" (state names), or "none". */
static char *plan(enum vfio_device_mig_state from, enum vfio_device_mig_state to, uint64_t flags)
{
    enum vfio_device_mig_state steps[VFIO_DEVICE_STATE_NR];
    int n = vfio_migration_plan(from, to, flags, steps, VFIO_DEVICE_STATE_NR);
    GString *s = g_string_new(NULL);

    if (n < 0) {
        g_string_append(s, "none");
    }
    for (int i = 0; i < n; i++) {
        g_string_append_printf(s, "%s%s", i ? "," : "", vfio_migration_state_name(steps[i]));
    }
    return g_string_free(s, false);
}

static void check_plan(enum vfio_device_mig_state from, enum vfio_device_mig_state to,
                       uint64_t flags, const char *want)
{
    g_autofree char *got = plan(from, to, flags);

    g_assert_cmpstr(got, ==, want);
}

static void test_plan(void)
{
    enum vfio_device_mig_state one[1];

    /* Stop-copy only: the save and resume walks, and back. */
    check_plan(S(RUNNING), S(STOP_COPY), STOP_COPY, "stop,stop-copy");
    check_plan(S(STOP_COPY), S(RUNNING), STOP_COPY, "stop,running");
    check_plan(S(RUNNING), S(RESUMING), STOP_COPY, "stop,resuming");
    check_plan(S(RESUMING), S(RUNNING), STOP_COPY, "stop,running");
    check_plan(S(RUNNING), S(RUNNING), STOP_COPY, "");
    /* States the device does not offer are never walked through or to. */
    check_plan(S(RUNNING), S(PRE_COPY), STOP_COPY, "none");
    check_plan(S(RUNNING), S(RUNNING_P2P), STOP_COPY, "none");
    /* P2P: RUNNING and STOP only through RUNNING_P2P. */
    check_plan(S(RUNNING), S(STOP_COPY), P2P, "running-p2p,stop,stop-copy");
    check_plan(S(RESUMING), S(RUNNING), P2P, "stop,running-p2p,running");
    /* PRE_COPY: the saving group shares one session. */
    check_plan(S(RUNNING), S(PRE_COPY), PRE, "pre-copy");
    check_plan(S(PRE_COPY), S(STOP_COPY), PRE, "stop-copy");
    check_plan(S(PRE_COPY), S(RUNNING), PRE, "running");
    /* All of them: PRE_COPY reaches STOP_COPY through PRE_COPY_P2P. */
    check_plan(S(RUNNING), S(PRE_COPY), ALL, "pre-copy");
    check_plan(S(PRE_COPY), S(STOP_COPY), ALL, "pre-copy-p2p,stop-copy");
    check_plan(S(STOP_COPY), S(RUNNING), ALL, "stop,running-p2p,running");
    check_plan(S(PRE_COPY_P2P), S(RUNNING), ALL, "running-p2p,running");
    /* ERROR is left only by a reset; out-of-range states and a short @max give no walk. */
    check_plan(S(ERROR), S(RUNNING), ALL, "none");
    check_plan(S(RUNNING), S(ERROR), ALL, "none");
    check_plan(S(RUNNING), VFIO_DEVICE_STATE_NR, ALL, "none");
    g_assert_cmpint(vfio_migration_plan(S(RUNNING), S(STOP_COPY), STOP_COPY, one, 1), ==, -1);
    g_assert_cmpstr(vfio_migration_state_name(VFIO_DEVICE_STATE_NR), ==, "unknown");
}

static void check_decide(VFIOMigrationMode mode, int ret, uint64_t flags, bool tracked,
                         VFIOMigrationVerdict want, const char *phrase)
{
    g_autofree char *reason = NULL;

    g_assert_cmpint(vfio_migration_decide(mode, ret, flags, tracked, &reason), ==, want);
    if (phrase) {
        g_assert_nonnull(reason);
        g_assert_nonnull(strstr(reason, phrase));
        g_assert_null(strchr(reason, '\n'));
    } else {
        g_assert_null(reason);
    }
}

static void test_decide(void)
{
    const VFIOMigrationMode AUTO = VFIO_MIGRATION_MODE_AUTO, ON = VFIO_MIGRATION_MODE_ON,
                            OFF = VFIO_MIGRATION_MODE_OFF;

    /* A driver with migration v2 and a tracked IOMMU: migratable with auto and on. */
    check_decide(AUTO, 0, PRE, true, VFIO_MIGRATION_MIGRATE, NULL);
    check_decide(ON, 0, STOP_COPY, true, VFIO_MIGRATION_MIGRATE, NULL);
    /* No migration support (edu, nvme, igb): a blocker, or realize fails with on. */
    check_decide(AUTO, -ENOTTY, 0, true, VFIO_MIGRATION_BLOCK, "no migration support");
    check_decide(ON, -ENOTTY, 0, true, VFIO_MIGRATION_REFUSE, "no migration support");
    check_decide(AUTO, 0, VFIO_MIGRATION_P2P, true, VFIO_MIGRATION_BLOCK, "no stop-copy");
    /* No dirty tracking of its DMA: auto blocks naming it, on migrates with a warning. */
    check_decide(AUTO, 0, PRE, false, VFIO_MIGRATION_BLOCK, "tracks the pages it writes by DMA");
    check_decide(ON, 0, PRE, false, VFIO_MIGRATION_MIGRATE, "all of its DMA-mapped RAM");
    /* off: always a blocker saying so. */
    check_decide(OFF, 0, ALL, true, VFIO_MIGRATION_BLOCK, "enable-migration=off");
    check_decide(OFF, -ENOTTY, 0, false, VFIO_MIGRATION_BLOCK, "enable-migration=off");
}

static void test_mode_parse(void)
{
    g_autoptr(GError) err = NULL;
    VFIOMigrationMode mode;

    g_assert_true(vfio_migration_mode_parse(NULL, &mode, NULL));
    g_assert_cmpint(mode, ==, VFIO_MIGRATION_MODE_AUTO);
    g_assert_true(vfio_migration_mode_parse("on", &mode, NULL));
    g_assert_cmpint(mode, ==, VFIO_MIGRATION_MODE_ON);
    g_assert_true(vfio_migration_mode_parse("off", &mode, NULL));
    g_assert_cmpint(mode, ==, VFIO_MIGRATION_MODE_OFF);
    g_assert_false(vfio_migration_mode_parse("yes", &mode, &err));
    g_assert_error(err, VFIO_ERROR, EINVAL);
    g_assert_nonnull(strstr(err->message, "enable-migration=yes"));
}

/* A memfd holding @len bytes of a pattern, at offset 0. */
static int data_file(size_t len)
{
    g_autofree uint8_t *buf = g_malloc(len);
    int fd = memfd_create("vfio-migration-data", MFD_CLOEXEC);

    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i * 7 + i / 4096);
    }
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, buf, len), ==, (ssize_t)len);
    g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
    return fd;
}

static void test_read_data(void)
{
    const size_t len = 2 * VFIO_MIGRATION_CHUNK + 12345;
    HdMigSink *sink = hd_mig_sink_new_memory();
    g_autoptr(GError) err = NULL;
    uint64_t sent = 0, total = 0;
    int fd = data_file(len);

    /* Stop-copy: to end of file, in sections of at most 1 MiB, bytes in order. */
    g_assert_true(vfio_migration_read_data(fd, sink, false, 0, &sent, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(sent, ==, len);
    g_assert_cmpuint(hd_mig_sink_count(sink), ==, 3);
    for (guint i = 0; i < hd_mig_sink_count(sink); i++) {
        GBytes *b = hd_mig_sink_data(sink, i);
        const uint8_t *p = g_bytes_get_data(b, NULL);

        g_assert_cmpstr(hd_mig_sink_kind(sink, i), ==, VFIO_MIGRATION_KIND);
        g_assert_cmpuint(g_bytes_get_size(b), <=, VFIO_MIGRATION_CHUNK);
        g_assert_cmphex(p[0], ==, (uint8_t)(total * 7 + total / 4096));
        total += g_bytes_get_size(b);
    }
    g_assert_cmpuint(total, ==, len);
    hd_mig_sink_free(sink);

    /* Precopy stops once the budget went, and at the device's "nothing more now". */
    g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
    sink = hd_mig_sink_new_memory();
    g_assert_true(vfio_migration_read_data(fd, sink, true, 0, &sent, NULL));
    g_assert_cmpuint(sent, ==, 0);
    g_assert_true(vfio_migration_read_data(fd, sink, true, 100, &sent, NULL));
    g_assert_cmpuint(sent, ==, 100);
    g_assert_true(vfio_migration_read_data(fd, sink, true, VFIO_MIGRATION_CHUNK - 100, &sent,
                                           NULL));
    g_assert_cmpuint(sent, ==, VFIO_MIGRATION_CHUNK - 100);
    vfio_sys_fail_nth(VFIO_SYS_READ, 1, ENOMSG);
    g_assert_true(vfio_migration_read_data(fd, sink, true, len, &sent, NULL));
    g_assert_cmpuint(sent, ==, 0);
    g_assert_cmpuint(hd_mig_sink_count(sink), ==, 2);
    /* In stop-copy ENOMSG is an error, as is any failed read: what was read stays sent. */
    vfio_sys_fail_nth(VFIO_SYS_READ, 1, ENOMSG);
    g_assert_false(vfio_migration_read_data(fd, sink, false, 0, &sent, &err));
    g_assert_error(err, VFIO_ERROR, ENOMSG);
    g_clear_error(&err);
    vfio_sys_fail_nth(VFIO_SYS_READ, 2, EIO);
    g_assert_false(vfio_migration_read_data(fd, sink, false, 0, &sent, &err));
    g_assert_error(err, VFIO_ERROR, EIO);
    g_assert_nonnull(strstr(err->message, "reading the device's migration data"));
    g_assert_cmpuint(sent, ==, VFIO_MIGRATION_CHUNK);
    g_assert_cmpuint(hd_mig_sink_count(sink), ==, 3);
    vfio_sys_reset_counts();
    hd_mig_sink_free(sink);
    close(fd);
}

static void test_write_data(void)
{
    static const uint8_t data[100] = {1, 2, 3};
    g_autoptr(GError) err = NULL;
    uint8_t back[sizeof(data)];
    int fds[2];

    g_assert_cmpint(pipe(fds), ==, 0);
    g_assert_true(vfio_migration_write_data(fds[1], data, sizeof(data), &err));
    g_assert_cmpint(read(fds[0], back, sizeof(back)), ==, sizeof(back));
    g_assert_cmpmem(back, sizeof(back), data, sizeof(data));
    /* A failed write says how much was left and why. */
    vfio_sys_fail_nth(VFIO_SYS_WRITE, 1, ENOSPC);
    g_assert_false(vfio_migration_write_data(fds[1], data, sizeof(data), &err));
    g_assert_error(err, VFIO_ERROR, ENOSPC);
    g_assert_nonnull(strstr(err->message, "100 bytes left"));
    vfio_sys_reset_counts();
    close(fds[0]);
    close(fds[1]);
}

/* A VFIODevice whose fd is /dev/null: every VFIO ioctl is refused with ENOTTY. */
static void refusing_device(VFIODevice *dev)
{
    vfio_device_init(dev, NULL);
    dev->name = g_strdup("refusing-device");
    dev->fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    dev->attached = true;
    g_assert_cmpint(dev->fd, >=, 0);
}

static void refusing_device_clear(VFIODevice *dev)
{
    close(dev->fd);
    dev->fd = -1;
    dev->attached = false;
    vfio_device_clear(dev);
}

static void test_probe_refused(void)
{
    g_autofree char *reason = NULL;
    uint64_t flags = 1;
    VFIODevice dev;

    refusing_device(&dev);
    g_assert_cmpint(vfio_migration_probe(&dev, &flags), ==, -ENOTTY);
    g_assert_cmphex(flags, ==, 0);
    g_assert_false(vfio_migration_dma_tracked(&dev));
    refusing_device_clear(&dev);
}

/*
 * A state change the kernel refuses: the error names the walk and the failed arc, the device
 * is found (GET refused too) to need a reset, which is tried and said; the state is RUNNING.
 */
static void test_set_state_refused(void)
{
    g_autoptr(GError) err = NULL;
    VFIOMigration *mig;
    VFIODevice dev;

    refusing_device(&dev);
    mig = vfio_migration_new(&dev, P2P, true, NULL, NULL);
    vfio_sys_reset_counts();
    g_assert_false(vfio_migration_set_state(mig, S(STOP_COPY), &err));
    g_assert_error(err, VFIO_ERROR, ENOTTY);
    g_test_message("%s", err->message);
    g_assert_nonnull(strstr(err->message, "from running to stop-copy failed at running"));
    g_assert_nonnull(strstr(err->message, "resetting the device failed"));
    g_assert_null(strchr(err->message, '\n'));
    /* One SET, one GET of the state, one reset. */
    g_assert_cmpuint(vfio_sys_ioctl_count(VFIO_DEVICE_FEATURE), ==, 2);
    g_assert_cmpuint(vfio_sys_ioctl_count(VFIO_DEVICE_RESET), ==, 1);
    g_assert_cmpint(vfio_migration_state(mig), ==, S(RUNNING));
    /* Injected failure of the first arc: the same recovery. */
    g_clear_error(&err);
    vfio_sys_fail_ioctl(VFIO_DEVICE_FEATURE, EIO);
    g_assert_false(vfio_migration_set_state(mig, S(RESUMING), &err));
    g_assert_error(err, VFIO_ERROR, EIO);
    vfio_sys_reset_counts();
    /* Already there: no call at all. */
    g_assert_true(vfio_migration_set_state(mig, S(RUNNING), NULL));
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_IOCTL), ==, 0);
    vfio_migration_free(mig);
    refusing_device_clear(&dev);
}

/* The handlers on that device: each failure is reported, nothing is left in a session. */
static void test_handlers_refused(void)
{
    static const uint8_t data[16];
    g_autoptr(GError) err = NULL;
    HdMigSink *sink = hd_mig_sink_new_memory();
    uint64_t pending = 1;
    VFIOMigration *mig;
    VFIODevice dev;

    refusing_device(&dev);
    mig = vfio_migration_new(&dev, PRE, false, NULL, NULL);
    /* Source: entering precopy fails; no precopy means nothing pending; completion fails. */
    g_assert_false(vfio_migration_ops.save_setup(mig, &err));
    g_assert_nonnull(strstr(err->message, "to pre-copy failed"));
    g_assert_false(dev.dirty_sync_paused);
    g_clear_error(&err);
    g_assert_true(vfio_migration_ops.save_iterate(mig, sink, 1 << 20, &pending, &err));
    g_assert_cmpuint(pending, ==, 0);
    g_assert_false(vfio_migration_ops.save_complete(mig, sink, &err));
    g_assert_nonnull(strstr(err->message, "to stop-copy failed"));
    g_clear_error(&err);
    vfio_migration_ops.save_cleanup(mig, true);
    g_assert_cmpint(vfio_migration_state(mig), ==, S(RUNNING));
    g_assert_cmpuint(hd_mig_sink_count(sink), ==, 0);
    /* Destination: data outside RESUMING, and a section of a kind nobody loads. */
    g_assert_false(vfio_migration_ops.load_section(mig, VFIO_MIGRATION_KIND, data,
                                                   sizeof(data), &err));
    g_assert_nonnull(strstr(err->message, "not resuming"));
    g_clear_error(&err);
    g_assert_false(vfio_migration_ops.load_section(mig, "pci-config", data, sizeof(data), &err));
    g_assert_nonnull(strstr(err->message, "unexpected migration section 'pci-config'"));
    g_clear_error(&err);
    g_assert_false(vfio_migration_ops.load_setup(mig, &err));
    vfio_migration_ops.load_cleanup(mig, true);
    g_assert_cmpint(vfio_migration_state(mig), ==, S(RUNNING));
    vfio_migration_free(mig);
    hd_mig_sink_free(sink);
    refusing_device_clear(&dev);
}

/*
 * The VM stops to finish the migration: the device is stopped right then (before RAM's last
 * pass). When that fails, save_complete reports it instead of trying again on a device that
 * may have been reset meanwhile.
 */
static void test_stop_at_finish(void)
{
    g_autoptr(GError) err = NULL;
    HdMigSink *sink = hd_mig_sink_new_memory();
    VFIOMigration *mig;
    VFIODevice dev;

    refusing_device(&dev);
    mig = vfio_migration_new(&dev, STOP_COPY, true, NULL, NULL);
    g_assert_true(vfio_migration_ops.save_setup(mig, &err));
    vfio_sys_reset_counts();
    g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*from running to stop-copy*");
    hd_runstate_set(HD_RUN_STATE_FINISH_MIGRATE);
    g_test_assert_expected_messages();
    g_assert_cmpuint(vfio_sys_ioctl_count(VFIO_DEVICE_FEATURE), ==, 2);
    g_assert_false(vfio_migration_ops.save_complete(mig, sink, &err));
    g_assert_error(err, VFIO_ERROR, ENOTTY);
    g_assert_nonnull(strstr(err->message, "from running to stop-copy"));
    g_assert_cmpuint(vfio_sys_ioctl_count(VFIO_DEVICE_FEATURE), ==, 2);
    vfio_migration_ops.save_cleanup(mig, true);
    hd_runstate_set(HD_RUN_STATE_PRELAUNCH);
    vfio_sys_reset_counts();
    vfio_migration_free(mig);
    hd_mig_sink_free(sink);
    refusing_device_clear(&dev);
}

/*
 * Two devices offering P2P stop and start with the VM (a fake kernel device: the lab's mttys
 * take the same arcs, but the order across devices is what is checked here). Every device
 * reaches a P2P state before any stops, and every one is in RUNNING_P2P before any runs.
 */
static struct {
    int fd[2];
    enum vfio_device_mig_state state[2];
    GString *log;
} p2p;

static int fake_p2p_device(int fd, unsigned long request, void *arg)
{
    struct vfio_device_feature *f = arg;
    struct vfio_device_feature_mig_state *m = (void *)f->data;
    int i = fd == p2p.fd[0] ? 0 : fd == p2p.fd[1] ? 1 : -1;
    enum vfio_device_mig_state to;

    if (i < 0) {
        return VFIO_SYS_PASS;
    }
    if (request != VFIO_DEVICE_FEATURE ||
        (f->flags & VFIO_DEVICE_FEATURE_MASK) != VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE) {
        return -ENOTTY;
    }
    if (f->flags & VFIO_DEVICE_FEATURE_GET) {
        m->device_state = p2p.state[i];
        return 0;
    }
    to = m->device_state;
    g_string_append_printf(p2p.log, "%s%d:%s", p2p.log->len ? " " : "", i,
                           vfio_migration_state_name(to));
    p2p.state[i] = to;
    m->data_fd = -1;
    if (to == S(PRE_COPY) || to == S(STOP_COPY) || to == S(RESUMING)) {
        m->data_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    return 0;
}

static void test_p2p_order(void)
{
    g_autoptr(GError) err = NULL;
    VFIOMigration *mig[2];
    VFIODevice dev[2];

    p2p.log = g_string_new(NULL);
    vfio_sys_set_ioctl_fake(fake_p2p_device);
    for (int i = 0; i < 2; i++) {
        refusing_device(&dev[i]);
        p2p.fd[i] = dev[i].fd;
        p2p.state[i] = S(RUNNING);
        mig[i] = vfio_migration_new(&dev[i], ALL, true, NULL, NULL);
        g_assert_true(vfio_migration_ops.save_setup(mig[i], &err));
    }
    g_assert_cmpstr(p2p.log->str, ==, "0:pre-copy 1:pre-copy");
    g_string_truncate(p2p.log, 0);
    hd_runstate_set(HD_RUN_STATE_FINISH_MIGRATE);
    g_assert_cmpstr(p2p.log->str, ==, "0:pre-copy-p2p 1:pre-copy-p2p 0:stop-copy 1:stop-copy");
    g_string_truncate(p2p.log, 0);
    /* Completed: the devices stop with the VM (postmigrate) and run again with it (cont). */
    hd_runstate_set(HD_RUN_STATE_POSTMIGRATE);
    for (int i = 0; i < 2; i++) {
        vfio_migration_ops.save_cleanup(mig[i], false);
    }
    g_assert_cmpstr(p2p.log->str, ==, "0:stop 1:stop");
    g_string_truncate(p2p.log, 0);
    hd_runstate_set(HD_RUN_STATE_RUNNING);
    g_assert_cmpstr(p2p.log->str, ==, "0:running-p2p 1:running-p2p 0:running 1:running");
    hd_runstate_set(HD_RUN_STATE_PRELAUNCH);
    for (int i = 0; i < 2; i++) {
        vfio_migration_free(mig[i]);
        refusing_device_clear(&dev[i]);
    }
    vfio_sys_set_ioctl_fake(NULL);
    g_string_free(p2p.log, true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio/migration/plan", test_plan);
    g_test_add_func("/vfio/migration/decide", test_decide);
    g_test_add_func("/vfio/migration/mode-parse", test_mode_parse);
    g_test_add_func("/vfio/migration/read-data", test_read_data);
    g_test_add_func("/vfio/migration/write-data", test_write_data);
    g_test_add_func("/vfio/migration/probe-refused", test_probe_refused);
    g_test_add_func("/vfio/migration/set-state-refused", test_set_state_refused);
    g_test_add_func("/vfio/migration/handlers-refused", test_handlers_refused);
    g_test_add_func("/vfio/migration/stop-at-finish", test_stop_at_finish);
    g_test_add_func("/vfio/migration/p2p-order", test_p2p_order);
    return g_test_run();
}
