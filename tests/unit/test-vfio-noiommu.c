/*
 * The legacy backend's no-IOMMU groups, against a FAKE KERNEL: no emulator offers this host a
 * noiommu group (the aarch64 lab does, in real VFIO). Refusal without x-no-iommu, the opt-in's
 * warning and NOIOMMU container, no DMA mapping ever, and nothing left after detach.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-container-base.h"
#include "hw/vfio/vfio-sys.h"
#include "system/memory.h"

/* The fake kernel: which fds stand for what, and what it was asked. */
typedef struct FakeKernel {
    char *sysfs;            /* a made-up sysfs: devices/fake-amba0 -> groups/5 */
    bool noiommu_mode;      /* vfio.enable_unsafe_noiommu_mode=1 */
    bool mdev;              /* the device is an mdev: its group (also named vfio-noiommu) is
                             * VFIO's emulated IOMMU, /dev/vfio/5 with a type1 container */
    int container_fd, group_fd, device_fd;
    unsigned opens;
    unsigned long set_iommu; /* the VFIO_SET_IOMMU argument */
    unsigned map_dma;
} FakeKernel;

static FakeKernel k;

static int fake_open(const char *path, int flags)
{
    (void)flags;
    if (!strcmp(path, "/dev/vfio/vfio")) {
        k.opens++;
        k.container_fd = memfd_create("fake-vfio-container", MFD_CLOEXEC);
        return k.container_fd;
    }
    if (!strcmp(path, k.mdev ? "/dev/vfio/5" : "/dev/vfio/noiommu-5")) {
        k.opens++;
        k.group_fd = memfd_create("fake-vfio-noiommu-group", MFD_CLOEXEC);
        return k.group_fd;
    }
    if (g_str_has_prefix(path, "/dev/vfio/")) {
        return -ENOENT; /* a noiommu group has no /dev/vfio/N */
    }
    return VFIO_SYS_PASS;
}

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
    if (fd == k.container_fd) {
        switch (request) {
        case VFIO_GET_API_VERSION:
            return VFIO_API_VERSION;
        case VFIO_CHECK_EXTENSION:
            if ((unsigned long)arg == VFIO_TYPE1v2_IOMMU) {
                return k.mdev;
            }
            return (unsigned long)arg == VFIO_NOIOMMU_IOMMU && k.noiommu_mode;
        case VFIO_IOMMU_GET_INFO:
            ((struct vfio_iommu_type1_info *)arg)->flags = 0;
            return 0;
        case VFIO_IOMMU_UNMAP_DMA:
            return 0; /* the kernel leaves unmap.size as asked: all of it */
        case VFIO_SET_IOMMU:
            k.set_iommu = (unsigned long)arg;
            return 0;
        case VFIO_IOMMU_MAP_DMA:
            k.map_dma++;
            return 0;
        }
        return -ENOTTY;
    }
    if (fd == k.group_fd) {
        switch (request) {
        case VFIO_GROUP_GET_STATUS:
            ((struct vfio_group_status *)arg)->flags = VFIO_GROUP_FLAGS_VIABLE;
            return 0;
        case VFIO_GROUP_SET_CONTAINER:
        case VFIO_GROUP_UNSET_CONTAINER:
            return 0;
        case VFIO_GROUP_GET_DEVICE_FD:
            g_assert_cmpstr(arg, ==, "fake-amba0");
            k.device_fd = memfd_create("fake-vfio-device", MFD_CLOEXEC);
            return k.device_fd;
        }
        return -ENOTTY;
    }
    if (fd == k.device_fd && request == VFIO_DEVICE_GET_INFO) {
        struct vfio_device_info *info = arg;

        info->flags = VFIO_DEVICE_FLAGS_AMBA;
        info->num_regions = 1;
        info->num_irqs = 1;
        return 0;
    }
    return VFIO_SYS_PASS;
}

static bool fd_open(int fd)
{
    return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

/* --- fixture: the fake sysfs and kernel, an address space with 1 MiB of RAM --- */

typedef struct Fixture {
    MemoryRegion *root, *ram;
    AddressSpace *as;
    VFIODevice vdev;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
    g_autofree char *groupdir = NULL, *devdir = NULL, *link = NULL, *name = NULL;

    (void)data;
    memset(&k, 0, sizeof(k));
    k.container_fd = k.group_fd = k.device_fd = -1;
    k.noiommu_mode = true;
    k.sysfs = g_dir_make_tmp("hostdev-noiommu-XXXXXX", NULL);
    g_assert_nonnull(k.sysfs);
    groupdir = g_build_filename(k.sysfs, "groups", "5", NULL);
    devdir = g_build_filename(k.sysfs, "devices", "fake-amba0", NULL);
    g_assert_cmpint(g_mkdir_with_parents(groupdir, 0700), ==, 0);
    g_assert_cmpint(g_mkdir_with_parents(devdir, 0700), ==, 0);
    name = g_build_filename(groupdir, "name", NULL);
    g_assert_true(g_file_set_contents(name, "vfio-noiommu\n", -1, NULL));
    link = g_build_filename(devdir, "iommu_group", NULL);
    g_assert_cmpint(symlink(groupdir, link), ==, 0);

    vfio_sys_reset_counts();
    vfio_sys_set_open_fake(fake_open);
    vfio_sys_set_ioctl_fake(fake_ioctl);

    f->root = memory_region_new_container("root", UINT64_MAX);
    f->ram = memory_region_new_ram("ram", 0x100000, NULL);
    memory_region_add_subregion(f->root, 0x40000000, f->ram);
    f->as = address_space_new("test", f->root);
    vfio_device_init(&f->vdev, NULL);
    f->vdev.sysfsdev = g_steal_pointer(&devdir);
}

static void teardown(Fixture *f, gconstpointer data)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", k.sysfs);

    (void)data;
    vfio_detach_device(&f->vdev);
    vfio_device_clear(&f->vdev);
    /* Every fd the fake kernel handed out is closed again. */
    g_assert_false(fd_open(k.container_fd));
    g_assert_false(fd_open(k.group_fd));
    g_assert_false(fd_open(k.device_fd));
    g_assert_cmpuint(vfio_device_count(), ==, 0);
    vfio_sys_set_open_fake(NULL);
    vfio_sys_set_ioctl_fake(NULL);
    address_space_destroy(f->as);
    memory_region_unref(f->ram);
    memory_region_unref(f->root);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(k.sysfs);
}

/* Without the opt-in: refused before any VFIO node is opened, naming device, group and
 * property. */
static void test_refused_without_opt_in(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    (void)data;
    g_assert_false(vfio_attach_device("fake-amba0", &f->vdev, f->as, &err));
    g_assert_error(err, VFIO_ERROR, EPERM);
    g_assert_nonnull(strstr(err->message, "fake-amba0"));
    g_assert_nonnull(strstr(err->message, "/dev/vfio/noiommu-5"));
    g_assert_nonnull(strstr(err->message, "x-no-iommu=on"));
    g_assert_cmpuint(k.opens, ==, 0);
    g_assert_false(f->vdev.attached);
}

/* With x-no-iommu=on: a loud warning, a NOIOMMU container, and no DMA mapping even as RAM
 * comes and goes. */
static void test_opt_in_maps_nothing(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MemoryRegion) more = memory_region_new_ram("more", 0x10000, NULL);

    (void)data;
    f->vdev.no_iommu = true;
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING,
                          "*UNSAFE*fake-amba0*noiommu-5*ALL host memory*");
    g_assert_true(vfio_attach_device("fake-amba0", &f->vdev, f->as, &err));
    g_test_assert_expected_messages();
    g_assert_no_error(err);
    g_assert_cmpuint(k.set_iommu, ==, VFIO_NOIOMMU_IOMMU);
    g_assert_true(vfio_container_get_no_dma(f->vdev.container));
    g_assert_cmpuint(f->vdev.flags, ==, VFIO_DEVICE_FLAGS_AMBA);
    g_assert_true(vfio_device_find("fake-amba0") == &f->vdev);
    g_assert_true(vfio_container_devices(f->vdev.container)->data == &f->vdev);
    memory_region_add_subregion(f->root, 0x80000000, more);
    memory_region_del_subregion(f->root, more);
    g_assert_cmpuint(k.map_dma, ==, 0);
    g_assert_cmpuint(vfio_sys_ioctl_count(VFIO_IOMMU_MAP_DMA), ==, 0);
    g_assert_cmpuint(vfio_sys_ioctl_count(VFIO_IOMMU_GET_INFO), ==, 0);
    g_assert_cmpuint(vfio_container_mapping_count(f->vdev.container), ==, 0);
    g_assert_true(fd_open(k.device_fd));
}

/* An mdev's group carries the same sysfs name, but it is VFIO's emulated IOMMU (/dev/vfio/N):
 * no opt-in, no warning, a type1 container that maps guest RAM. */
static void test_mdev_is_not_noiommu(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *mdev_type = g_build_filename(f->vdev.sysfsdev, "mdev_type", NULL);

    (void)data;
    k.mdev = true;
    g_assert_cmpint(g_mkdir(mdev_type, 0700), ==, 0);
    g_assert_true(vfio_attach_device("fake-amba0", &f->vdev, f->as, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(k.set_iommu, ==, VFIO_TYPE1v2_IOMMU);
    g_assert_false(vfio_container_get_no_dma(f->vdev.container));
    g_assert_cmpuint(k.map_dma, >=, 1);
}

/* The opt-in on a host whose VFIO is not in no-IOMMU mode: a clear error, nothing left. */
static void test_kernel_without_noiommu(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    (void)data;
    k.noiommu_mode = false;
    f->vdev.no_iommu = true;
    g_assert_false(vfio_attach_device("fake-amba0", &f->vdev, f->as, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "enable_unsafe_noiommu_mode=1"));
    g_assert_cmpuint(vfio_sys_ioctl_count(VFIO_SET_IOMMU), ==, 0);
}

/* Warnings of the sweep: counted, not fatal (whether one is due depends on the point). */
static unsigned sweep_warnings;

static void count_warning(const gchar *domain, GLogLevelFlags level, const gchar *message,
                          gpointer opaque)
{
    (void)domain;
    (void)level;
    (void)opaque;
    g_assert_nonnull(strstr(message, "UNSAFE"));
    sweep_warnings++;
}

/* Every failure point of the attach leaves no fd and no device behind. */
static void test_fault_sweep(Fixture *f, gconstpointer data)
{
    GLogLevelFlags fatal = g_log_set_always_fatal(G_LOG_FATAL_MASK);
    GLogFunc old = g_log_set_default_handler(count_warning, NULL);
    unsigned points = 0;

    (void)data;
    f->vdev.no_iommu = true;
    for (unsigned n = 1;; n++) {
        g_autoptr(GError) err = NULL;
        bool ok;

        vfio_sys_reset_counts();
        vfio_sys_fail_nth(VFIO_SYS_ANY, n, EIO);
        ok = vfio_attach_device("fake-amba0", &f->vdev, f->as, &err);
        if (!vfio_sys_fail_fired()) {
            g_assert_true(ok);
            break;
        }
        points++;
        g_assert_false(ok);
        g_assert_nonnull(err);
        g_assert_false(f->vdev.attached);
        g_assert_false(fd_open(k.container_fd));
        g_assert_false(fd_open(k.group_fd));
        g_assert_false(fd_open(k.device_fd));
        g_assert_cmpuint(vfio_device_count(), ==, 0);
    }
    g_log_set_default_handler(old, NULL);
    g_log_set_always_fatal(fatal);
    g_assert_cmpuint(points, >=, 6);
    g_assert_cmpuint(sweep_warnings, >=, 1);
    g_assert_cmpuint(k.map_dma, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/vfio/noiommu/" path, Fixture, NULL, setup, fn, teardown)
    ADD("refused-without-opt-in", test_refused_without_opt_in);
    ADD("opt-in-maps-nothing", test_opt_in_maps_nothing);
    ADD("kernel-without-noiommu", test_kernel_without_noiommu);
    ADD("mdev-is-not-noiommu", test_mdev_is_not_noiommu);
    ADD("fault-sweep", test_fault_sweep);
    return g_test_run();
}
