/*
 * vfio-platform and vfio-amba on a platform bus, against a FAKE KERNEL and sysfs (no platform
 * device is bound to VFIO on this host; the aarch64 lab has them): regions mmap'd and trapped,
 * level IRQ unmask handshake, edge IRQ, errors, unplug, and a fault sweep of realize.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "hw/core/platform-bus.h"
#include "hw/irq.h"
#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-platform.h"
#include "hw/vfio/vfio-sys.h"
#include "qom/device.h"
#include "system/address-space.h"

#define BUS_BASE 0xc000000ULL
#define FIRST_LINE 112

/* One device the fake kernel knows: its VFIO flags, region and IRQ. */
typedef struct FakeDev {
    const char *name;
    const char *driver;      /* the host driver in the fake sysfs; NULL: none */
    const char *compatible;  /* NUL-separated, as of_node/compatible */
    size_t compatible_len;
    int group;               /* noiommu group number */
    uint32_t flags;          /* VFIO_DEVICE_FLAGS_* */
    uint32_t region_size, region_flags, irq_flags;
    int group_fd, device_fd, trigger_fd;
    unsigned unmasks;
} FakeDev;

static FakeDev devs[] = {
    { "9010000.pl031", "vfio-amba", "arm,pl031\0arm,primecell", 24, 3, VFIO_DEVICE_FLAGS_AMBA,
      0x1000,
      VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP,
      VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED, -1, -1, -1, 0 },
    { "a000000.virtio_mmio", "vfio-platform", "virtio,mmio", 12, 4, VFIO_DEVICE_FLAGS_PLATFORM,
      0x200, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, VFIO_IRQ_INFO_EVENTFD,
      -1, -1, -1, 0 },
    /* bound to vfio-platform in sysfs, but VFIO says AMBA: refused by vfio-platform */
    { "9030000.pl061", "vfio-platform", "arm,pl061\0arm,primecell", 24, 5,
      VFIO_DEVICE_FLAGS_AMBA, 0x1000, VFIO_REGION_INFO_FLAG_READ, VFIO_IRQ_INFO_EVENTFD, -1, -1,
      -1, 0 },
    { "9000000.pl011", "uart-pl011", "arm,pl011\0arm,primecell", 24, -1, 0, 0, 0, 0, -1, -1, -1,
      0 },
};

static char *sysfs;
static GArray *container_fds; /* int */

static FakeDev *dev_by_group_path(const char *path)
{
    for (guint i = 0; i < G_N_ELEMENTS(devs); i++) {
        g_autofree char *p = g_strdup_printf("/dev/vfio/noiommu-%d", devs[i].group);

        if (devs[i].group >= 0 && !strcmp(path, p)) {
            return &devs[i];
        }
    }
    return NULL;
}

static int fake_open(const char *path, int flags)
{
    FakeDev *d;

    (void)flags;
    if (!strcmp(path, "/dev/vfio/vfio")) {
        int fd = memfd_create("fake-vfio-container", MFD_CLOEXEC);

        g_array_append_val(container_fds, fd);
        return fd;
    }
    d = dev_by_group_path(path);
    if (d) {
        d->group_fd = memfd_create("fake-vfio-group", MFD_CLOEXEC);
        return d->group_fd;
    }
    return g_str_has_prefix(path, "/dev/vfio/") ? -ENOENT : VFIO_SYS_PASS;
}

/* The device's registers: a pl031's PrimeCell ID, or virtio-mmio's magic. */
static int device_memfd(FakeDev *d)
{
    int fd = memfd_create("fake-vfio-device", MFD_CLOEXEC);
    uint8_t regs[0x1000] = { 0 };

    if (d->flags & VFIO_DEVICE_FLAGS_AMBA) {
        regs[0xfe0] = 0x31;
        regs[0xfe4] = 0x10;
        regs[0xfe8] = 0x14;
        regs[0xff0] = 0x0d;
    } else {
        memcpy(regs, "virt", 4);
    }
    g_assert_cmpint(pwrite(fd, regs, sizeof(regs), 0), ==, sizeof(regs));
    return fd;
}

static int fake_device_ioctl(FakeDev *d, unsigned long request, void *arg)
{
    switch (request) {
    case VFIO_DEVICE_GET_INFO: {
        struct vfio_device_info *info = arg;

        info->flags = d->flags;
        info->num_regions = 1;
        info->num_irqs = 1;
        return 0;
    }
    case VFIO_DEVICE_GET_REGION_INFO: {
        struct vfio_region_info *info = arg;

        info->flags = d->region_flags;
        info->size = d->region_size;
        info->offset = 0;
        info->cap_offset = 0;
        return 0;
    }
    case VFIO_DEVICE_GET_IRQ_INFO: {
        struct vfio_irq_info *info = arg;

        info->flags = d->irq_flags;
        info->count = 1;
        return 0;
    }
    case VFIO_DEVICE_SET_IRQS: {
        struct vfio_irq_set *set = arg;

        if (set->flags & VFIO_IRQ_SET_ACTION_UNMASK) {
            d->unmasks++;
        } else if (set->flags & VFIO_IRQ_SET_DATA_EVENTFD) {
            memcpy(&d->trigger_fd, set->data, sizeof(int32_t));
        }
        return 0;
    }
    }
    return -ENOTTY;
}

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
    for (guint i = 0; i < container_fds->len; i++) {
        if (fd != g_array_index(container_fds, int, i)) {
            continue;
        }
        switch (request) {
        case VFIO_GET_API_VERSION:
            return VFIO_API_VERSION;
        case VFIO_CHECK_EXTENSION:
            return (unsigned long)arg == VFIO_NOIOMMU_IOMMU;
        case VFIO_SET_IOMMU:
            return 0;
        }
        return -ENOTTY;
    }
    for (guint i = 0; i < G_N_ELEMENTS(devs); i++) {
        FakeDev *d = &devs[i];

        if (fd == d->group_fd) {
            switch (request) {
            case VFIO_GROUP_GET_STATUS:
                ((struct vfio_group_status *)arg)->flags = VFIO_GROUP_FLAGS_VIABLE;
                return 0;
            case VFIO_GROUP_SET_CONTAINER:
            case VFIO_GROUP_UNSET_CONTAINER:
                return 0;
            case VFIO_GROUP_GET_DEVICE_FD:
                g_assert_cmpstr(arg, ==, d->name);
                d->device_fd = device_memfd(d);
                return d->device_fd;
            }
            return -ENOTTY;
        }
        if (fd == d->device_fd) {
            return fake_device_ioctl(d, request, arg);
        }
    }
    return VFIO_SYS_PASS;
}

static bool fd_open(int fd)
{
    return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

/* A made-up /sys: devices/NAME/{iommu_group, driver, of_node/compatible}. */
static void make_sysfs(void)
{
    sysfs = g_dir_make_tmp("hostdev-platform-XXXXXX", NULL);
    g_assert_nonnull(sysfs);
    for (guint i = 0; i < G_N_ELEMENTS(devs); i++) {
        FakeDev *d = &devs[i];
        g_autofree char *dir = g_build_filename(sysfs, "devices", d->name, NULL);
        g_autofree char *of = g_build_filename(dir, "of_node", NULL);
        g_autofree char *compat = g_build_filename(of, "compatible", NULL);

        g_assert_cmpint(g_mkdir_with_parents(of, 0700), ==, 0);
        g_assert_true(g_file_set_contents(compat, d->compatible, d->compatible_len, NULL));
        if (d->driver) {
            g_autofree char *drv = g_build_filename(sysfs, "drivers", d->driver, NULL);
            g_autofree char *link = g_build_filename(dir, "driver", NULL);

            g_mkdir_with_parents(drv, 0700);
            g_assert_cmpint(symlink(drv, link), ==, 0);
        }
        if (d->group >= 0) {
            g_autofree char *gdir = g_strdup_printf("%s/groups/%d", sysfs, d->group);
            g_autofree char *gname = g_build_filename(gdir, "name", NULL);
            g_autofree char *link = g_build_filename(dir, "iommu_group", NULL);

            g_assert_cmpint(g_mkdir_with_parents(gdir, 0700), ==, 0);
            g_assert_true(g_file_set_contents(gname, "vfio-noiommu\n", -1, NULL));
            g_assert_cmpint(symlink(gdir, link), ==, 0);
        }
        d->group_fd = d->device_fd = d->trigger_fd = -1;
        d->unmasks = 0;
    }
}

/* --- fixture: interrupt lines, a platform bus over the system memory, the fakes --- */

typedef struct Fixture {
    HdIrqLines *lines;
    HdPlatformBus *bus;
    int levels[256];
    unsigned raises[256];
} Fixture;

static void line_changed(void *opaque, int n, int level)
{
    Fixture *f = opaque;

    f->levels[n] = level;
    f->raises[n] += level ? 1 : 0;
}

static void setup(Fixture *f, gconstpointer data)
{
    (void)data;
    vfio_platform_register_types();
    container_fds = g_array_new(FALSE, FALSE, sizeof(int));
    make_sysfs();
    vfio_sys_reset_counts();
    vfio_sys_set_open_fake(fake_open);
    vfio_sys_set_ioctl_fake(fake_ioctl);
    f->lines = hd_irq_lines_new("/machine/test-gic", 256, line_changed, f);
    f->bus = hd_platform_bus_new("platform-bus.0", memory_system_root(), BUS_BASE, 0x2000000,
                                 f->lines, FIRST_LINE, 32);
}

static void teardown(Fixture *f, gconstpointer data)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", sysfs);

    (void)data;
    g_assert_cmpuint(hd_platform_bus_nodes(f->bus)->len, ==, 0);
    g_object_unref(f->bus);
    hd_irq_lines_free(f->lines);
    vfio_sys_set_open_fake(NULL);
    vfio_sys_set_ioctl_fake(NULL);
    for (guint i = 0; i < container_fds->len; i++) {
        g_assert_false(fd_open(g_array_index(container_fds, int, i)));
    }
    g_array_free(container_fds, TRUE);
    g_assert_cmpint(system(cmd), ==, 0);
    g_clear_pointer(&sysfs, g_free);
    g_assert_cmpuint(vfio_device_count(), ==, 0);
}

/* Create and realize @type for devs[@i]; NULL with @errp set when refused. */
static HdDevice *assign(Fixture *f, const char *type, guint i, bool opt_in, GError **errp)
{
    g_autofree char *path = g_build_filename(sysfs, "devices", devs[i].name, NULL);
    HdDevice *dev = g_object_new(g_type_from_name(type), "sysfsdev", path, "x-no-iommu",
                                 opt_in, NULL);

    g_assert_true(hd_bus_attach(HD_BUS(f->bus), dev, NULL));
    if (!hd_device_realize(dev, errp)) {
        hd_device_unplug(dev);
        g_object_unref(dev);
        return NULL;
    }
    return dev;
}

static void unassign(HdDevice *dev)
{
    hd_device_unrealize(dev);
    hd_device_unplug(dev);
    g_object_unref(dev);
}

static void signal_fd(int fd)
{
    uint64_t one = 1;

    g_assert_cmpint(write(fd, &one, sizeof(one)), ==, sizeof(one));
}

static void run_until(int *level, int want)
{
    for (int i = 0; i < 1000 && *level != want; i++) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
}

/* vfio-amba: the mmap'd region, the node, a level IRQ raised, then acked and unmasked. */
static void test_amba_level(Fixture *f, gconstpointer data)
{
    FakeDev *d = &devs[0];
    g_autoptr(GError) err = NULL;
    AddressSpace *as = memory_system_address_space();
    HdPlatformNode *node;
    HdPlatformIrq *irq;
    HdDevice *dev;

    (void)data;
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*UNSAFE*9010000.pl031*noiommu-3*");
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*9010000.pl031*no reset*");
    dev = assign(f, "VFIOAmbaLeaf", 0, true, &err);
    g_assert_no_error(err);
    g_test_assert_expected_messages();
    node = g_ptr_array_index(hd_platform_bus_nodes(f->bus), 0);
    g_assert_cmpstr(node->name, ==, "pl031");
    g_assert_cmpstr(node->compatible[0], ==, "arm,pl031");
    g_assert_cmpstr(node->compatible[1], ==, "arm,primecell");
    g_assert_null(node->compatible[2]);
    g_assert_cmpuint(node->regs->len, ==, 1);
    g_assert_cmpuint(g_array_index(node->regs, HdPlatformReg, 0).addr, ==, BUS_BASE);
    g_assert_cmpuint(g_array_index(node->regs, HdPlatformReg, 0).size, ==, 0x1000);
    irq = &g_array_index(node->irqs, HdPlatformIrq, 0);
    g_assert_cmpint(irq->line, ==, FIRST_LINE);
    g_assert_true(irq->level);
    /* PeriphID0..2 through the mmap'd page: no pread. */
    vfio_sys_reset_counts();
    g_assert_cmpuint(address_space_ldl(as, BUS_BASE + 0xfe0, NULL), ==, 0x31);
    g_assert_cmpuint(address_space_ldl(as, BUS_BASE + 0xfe8, NULL), ==, 0x14);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_PREAD), ==, 0);

    /* The kernel signals: the line goes up and stays up. */
    g_assert_cmpint(d->trigger_fd, >=, 0);
    signal_fd(d->trigger_fd);
    run_until(&f->levels[FIRST_LINE], 1);
    g_assert_cmpint(f->levels[FIRST_LINE], ==, 1);
    g_assert_cmpuint(d->unmasks, ==, 0);
    /* The guest's next access traps (its ack), is forwarded, lowers the line and unmasks. */
    g_assert_cmpuint(address_space_ldl(as, BUS_BASE + 0xff0, NULL), ==, 0x0d);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_PREAD), ==, 1);
    g_assert_cmpint(f->levels[FIRST_LINE], ==, 0);
    g_assert_cmpuint(d->unmasks, ==, 1);
    /* Then the fast path again. */
    g_assert_cmpuint(address_space_ldl(as, BUS_BASE + 0xfe0, NULL), ==, 0x31);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_PREAD), ==, 1);
    g_assert_cmpuint(f->raises[FIRST_LINE], ==, 1);

    /* device_del: every fd closed, nothing mapped, the line free again. */
    {
        int trigger = d->trigger_fd, device = d->device_fd, group = d->group_fd;
        MemTxResult res = MEMTX_OK;

        unassign(dev);
        g_assert_false(fd_open(trigger));
        g_assert_false(fd_open(device));
        g_assert_false(fd_open(group));
        address_space_ldl(as, BUS_BASE + 0xfe0, &res);
        g_assert_cmpint(res, !=, MEMTX_OK);
    }
}

/* vfio-platform: a 0x200 region that cannot be mmap'd (trapped), an edge IRQ (a pulse). */
static void test_platform_edge(Fixture *f, gconstpointer data)
{
    FakeDev *d = &devs[1];
    g_autoptr(GError) err = NULL;
    AddressSpace *as = memory_system_address_space();
    HdPlatformNode *node;
    HdDevice *dev;

    (void)data;
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*UNSAFE*");
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*no reset*");
    dev = assign(f, "VFIOPlatformLeaf", 1, true, &err);
    g_assert_no_error(err);
    g_test_assert_expected_messages();
    node = g_ptr_array_index(hd_platform_bus_nodes(f->bus), 0);
    g_assert_cmpstr(node->name, ==, "virtio_mmio");
    g_assert_cmpstr(node->compatible[0], ==, "virtio,mmio");
    g_assert_cmpuint(g_array_index(node->regs, HdPlatformReg, 0).size, ==, 0x200);
    g_assert_false(g_array_index(node->irqs, HdPlatformIrq, 0).level);
    vfio_sys_reset_counts();
    g_assert_cmpuint(address_space_ldl(as, BUS_BASE, NULL), ==, 0x74726976);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_PREAD), ==, 1);
    signal_fd(d->trigger_fd);
    for (int i = 0; i < 1000 && !f->raises[FIRST_LINE]; i++) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    g_assert_cmpuint(f->raises[FIRST_LINE], ==, 1);
    g_assert_cmpint(f->levels[FIRST_LINE], ==, 0);
    g_assert_cmpuint(d->unmasks, ==, 0);
    unassign(dev);
    g_assert_false(fd_open(d->device_fd));
}

/* Two devices get different addresses and lines; releasing one frees its slot. */
static void test_two_devices(Fixture *f, gconstpointer data)
{
    HdDevice *a, *b;
    HdPlatformNode *nb;

    (void)data;
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*UNSAFE*");
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*no reset*");
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*UNSAFE*");
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*no reset*");
    a = assign(f, "VFIOAmbaLeaf", 0, true, NULL);
    b = assign(f, "VFIOPlatformLeaf", 1, true, NULL);
    g_test_assert_expected_messages();
    g_assert_nonnull(a);
    g_assert_nonnull(b);
    nb = g_ptr_array_index(hd_platform_bus_nodes(f->bus), 1);
    g_assert_cmpuint(g_array_index(nb->regs, HdPlatformReg, 0).addr, ==, BUS_BASE + 0x1000);
    g_assert_cmpint(g_array_index(nb->irqs, HdPlatformIrq, 0).line, ==, FIRST_LINE + 1);
    g_assert_cmpuint(vfio_device_count(), ==, 2);
    unassign(a);
    unassign(b);
}

/* Refusals name the device and say what to do; nothing is left behind. */
static void test_errors(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;
    HdDevice *dev;

    (void)data;
    /* bound to another driver */
    g_assert_null(assign(f, "VFIOAmbaLeaf", 3, true, &e1));
    g_assert_nonnull(strstr(e1->message, "9000000.pl011 is bound to uart-pl011, not vfio-amba"));
    g_assert_nonnull(strstr(e1->message, "driver_override"));
    /* no such device */
    dev = g_object_new(g_type_from_name("VFIOAmbaLeaf"), "host", "nosuch.pl999", NULL);
    g_assert_true(hd_bus_attach(HD_BUS(f->bus), dev, NULL));
    g_assert_false(hd_device_realize(dev, &e2));
    g_assert_nonnull(strstr(e2->message, "no host amba device nosuch.pl999"));
    hd_device_unplug(dev);
    g_object_unref(dev);
    /* VFIO says AMBA, the type is vfio-platform */
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*UNSAFE*");
    g_assert_null(assign(f, "VFIOPlatformLeaf", 2, true, &e3));
    g_test_assert_expected_messages();
    g_assert_nonnull(strstr(e3->message, "9030000.pl061 is not a VFIO platform device"));
    g_assert_false(fd_open(devs[2].device_fd));
    /* a no-IOMMU group without the opt-in */
    g_assert_null(assign(f, "VFIOAmbaLeaf", 0, false, &e4));
    g_assert_nonnull(strstr(e4->message, "x-no-iommu=on"));
    g_assert_nonnull(strstr(e4->message, "9010000.pl031"));
    /* neither host= nor sysfsdev= */
    dev = g_object_new(g_type_from_name("VFIOPlatformLeaf"), NULL);
    g_assert_true(hd_bus_attach(HD_BUS(f->bus), dev, NULL));
    g_assert_false(hd_device_realize(dev, &e5));
    g_assert_nonnull(strstr(e5->message, "host=NAME"));
    hd_device_unplug(dev);
    g_object_unref(dev);
    g_assert_cmpuint(vfio_device_count(), ==, 0);
}

/* Warnings during the sweep (whether one is due depends on the point): not fatal. */
static void quiet(const gchar *domain, GLogLevelFlags level, const gchar *message,
                  gpointer opaque)
{
    (void)domain;
    (void)level;
    (void)message;
    (void)opaque;
}

/* Every syscall of realize failing in turn: a clear error, and no fd, mapping, line or node
 * left behind. */
static void test_fault_sweep(Fixture *f, gconstpointer data)
{
    GLogLevelFlags fatal = g_log_set_always_fatal(G_LOG_FATAL_MASK);
    GLogFunc old = g_log_set_default_handler(quiet, NULL);
    FakeDev *d = &devs[0];
    unsigned points = 0;

    (void)data;
    for (unsigned n = 1;; n++) {
        g_autoptr(GError) err = NULL;
        HdDevice *dev;
        MemTxResult res = MEMTX_OK;

        d->device_fd = d->group_fd = d->trigger_fd = -1;
        vfio_sys_reset_counts();
        vfio_sys_fail_nth(VFIO_SYS_ANY, n, EIO);
        dev = assign(f, "VFIOAmbaLeaf", 0, true, &err);
        if (!vfio_sys_fail_fired()) {
            g_assert_nonnull(dev);
            unassign(dev);
            break;
        }
        points++;
        if (dev) {
            /* a failure realize may survive (a refused mmap: the region stays trapped) */
            unassign(dev);
        } else {
            g_assert_nonnull(err);
            g_assert_nonnull(strstr(err->message, "9010000.pl031"));
        }
        g_assert_false(fd_open(d->device_fd));
        g_assert_false(fd_open(d->group_fd));
        g_assert_false(fd_open(d->trigger_fd));
        g_assert_cmpuint(hd_platform_bus_nodes(f->bus)->len, ==, 0);
        g_assert_cmpuint(vfio_device_count(), ==, 0);
        address_space_ldl(memory_system_address_space(), BUS_BASE, &res);
        g_assert_cmpint(res, !=, MEMTX_OK);
        g_assert_cmpint(f->levels[FIRST_LINE], ==, 0);
    }
    g_log_set_default_handler(old, NULL);
    g_log_set_always_fatal(fatal);
    g_assert_cmpuint(points, >=, 12);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/vfio/platform/" path, Fixture, NULL, setup, fn, teardown)
    ADD("amba-level", test_amba_level);
    ADD("platform-edge", test_platform_edge);
    ADD("two-devices", test_two_devices);
    ADD("errors", test_errors);
    ADD("fault-sweep", test_fault_sweep);
    ret = g_test_run();
    memory_system_release();
    return ret;
}
