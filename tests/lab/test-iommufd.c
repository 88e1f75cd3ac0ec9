/*
 * Lab test of the VFIO iommufd backend on the real kernel: edu DMA through IOAS mappings, two
 * devices sharing one IOAS, legacy and iommufd devices in one address space, an mdev by cdev,
 * fd passing to an unprivileged process (as libvirt does), errors and a fault sweep.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-container-base.h"
#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-sys.h"
#include "system/iommufd.h"
#include "system/memory.h"

#include "lab-edu.h"

static const char *edu_bdf, *nvme_bdf;
static const char *self_path;

/* --- helpers --- */

static HdIommufdBackend *backend_new(const char *id)
{
    g_autoptr(GError) err = NULL;
    HdIommufdBackend *be = g_object_new(HD_TYPE_IOMMUFD_BACKEND, "id", id, NULL);

    g_assert_true(hd_user_object_complete(HD_USER_OBJECT(be), &err));
    g_assert_no_error(err);
    return be;
}

/* The lab's edu attached through @be (NULL: legacy). */
static void edu_attach(LabEdu *edu, HdIommufdBackend *be)
{
    lab_edu_attach(edu, edu_bdf, be);
}

static unsigned space_containers(VFIOContainer *c)
{
    return g_list_length((GList *)vfio_address_space_containers(vfio_container_get_space(c)));
}

/* --- tests --- */

static void test_edu_dma(void)
{
    g_autoptr(HdIommufdBackend) be = backend_new("iommufd0");
    unsigned fds = lab_fd_count();
    LabEdu edu;

    vfio_sys_reset_counts();
    edu_attach(&edu, be);
    g_assert_cmpstr(vfio_container_backend_name(edu.dev.container), ==, "iommufd");
    g_assert_null(edu.dev.group);
    g_assert_cmpuint(edu.dev.devid, >, 0);
    g_assert_cmpuint(iommufd_backend_users(be), ==, 1);
    g_assert_cmpuint(vfio_sys_ioctl_ok_count(VFIO_DEVICE_BIND_IOMMUFD), ==, 1);
    g_assert_cmpuint(vfio_sys_ioctl_ok_count(IOMMU_IOAS_ALLOC), ==, 1);
    /* The legacy backend's ioctls are not used at all. */
    g_assert_cmpuint(vfio_sys_ioctl_count(VFIO_IOMMU_MAP_DMA), ==, 0);
    g_assert_cmpint(lab_live_mappings(), >=, 3);
    g_assert_cmpuint(vfio_container_mapping_count(edu.dev.container), ==, lab_live_mappings());
    g_test_message("iommufd container: %u mappings, 0x%" G_GINT64_MODIFIER "x bytes, "
                   "pgsizes 0x%" G_GINT64_MODIFIER "x, dirty pgsizes 0x%" G_GINT64_MODIFIER "x",
                   vfio_container_mapping_count(edu.dev.container),
                   vfio_container_mapped_bytes(edu.dev.container),
                   vfio_container_get_pgsizes(edu.dev.container),
                   vfio_container_get_dirty_pgsizes(edu.dev.container));
    /* The MSI window the IOMMU reserves is not a valid IOVA. */
    g_assert_false(vfio_container_iova_valid(edu.dev.container, 0xfee00000, 0xfee00fff));
    g_assert_true(vfio_container_iova_valid(edu.dev.container, RAM_LO, RAM_LO + 0xfff));
    g_assert_cmphex(lab_edu_rd(&edu, EDU_ID), ==, 0x010000ed);
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x1000, RAM_LO + 0x3000, 1));
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x8000, RAM_HI + 0x10000, 2));
    g_assert_true(lab_edu_round_trip(&edu, RAM_HI + 0x1f0000, RAM_LO + 0xff000, 3));
    /* An overlay over RAM unmaps that part from the IOAS and maps the rest back. */
    {
        g_autoptr(MemoryRegion) hole = memory_region_new_io("hole", 0x10000, NULL, NULL);

        vfio_sys_reset_counts();
        memory_region_add_subregion_overlap(lab_dma_root, RAM_HI + 0x80000, hole, 1);
        g_assert_cmpuint(vfio_sys_ioctl_ok_count(IOMMU_IOAS_UNMAP), ==, 1);
        g_assert_cmpuint(vfio_sys_ioctl_ok_count(IOMMU_IOAS_MAP), ==, 2);
        g_assert_true(lab_edu_round_trip(&edu, RAM_HI + 0x90000, RAM_HI + 0x1000, 4));
        memory_region_del_subregion(lab_dma_root, hole);
        g_assert_cmpuint(vfio_sys_ioctl_ok_count(IOMMU_IOAS_MAP), ==, 3);
        g_assert_true(lab_edu_round_trip(&edu, RAM_HI + 0x80000, RAM_HI + 0x80800, 5));
        vfio_sys_reset_counts();
    }
    lab_edu_detach(&edu);
    g_assert_cmpuint(vfio_sys_ioctl_ok_count(IOMMU_IOAS_UNMAP), >=, 3);
    g_assert_cmpuint(vfio_sys_ioctl_ok_count(IOMMU_DESTROY), >=, 1);
    g_assert_cmpuint(iommufd_backend_users(be), ==, 0);
    g_assert_cmpuint(vfio_device_count(), ==, 0);
    /* The iommufd fd stays open with its object; nothing else is left. */
    g_assert_cmpuint(lab_fd_count(), ==, fds + 1);
}

static void test_shared_ioas(void)
{
    g_autoptr(HdIommufdBackend) be = backend_new("iommufd0");
    g_autoptr(HdIommufdBackend) other = backend_new("iommufd1");
    g_autoptr(GError) err = NULL;
    VFIODevice nvme;
    unsigned maps;
    LabEdu edu;

    vfio_sys_reset_counts();
    edu_attach(&edu, be);
    maps = vfio_sys_ioctl_ok_count(IOMMU_IOAS_MAP);
    vfio_device_init(&nvme, NULL);
    nvme.iommufd = G_OBJECT(be);
    g_assert_true(vfio_attach_device(nvme_bdf, &nvme, lab_dma_as, &err));
    g_assert_no_error(err);
    /* Same iommufd, same address space: one container (one IOAS), mapped once. */
    g_assert_true(nvme.container == edu.dev.container);
    g_assert_cmpuint(vfio_sys_ioctl_ok_count(IOMMU_IOAS_ALLOC), ==, 1);
    g_assert_cmpuint(vfio_sys_ioctl_ok_count(IOMMU_IOAS_MAP), ==, maps);
    g_assert_cmpuint(nvme.devid, !=, edu.dev.devid);
    g_assert_cmpuint(g_list_length((GList *)vfio_container_devices(edu.dev.container)), ==, 2);
    g_assert_cmpuint(iommufd_backend_users(be), ==, 2);
    g_assert_cmpuint(vfio_device_count(), ==, 2);
    g_assert_true(vfio_device_find(nvme_bdf) == &nvme);
    /* edu leaves first: nvme keeps the IOAS and its mappings; edu joins it again. */
    lab_edu_detach(&edu);
    g_assert_cmpuint(vfio_container_mapping_count(nvme.container), >=, 3);
    edu_attach(&edu, be);
    g_assert_true(nvme.container == edu.dev.container);
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x5000, RAM_HI + 0x6000, 6));
    vfio_detach_device(&nvme);
    vfio_device_clear(&nvme);
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x4000, RAM_HI + 0x4000, 7));
    /* Another iommufd object in the same address space gets its own IOAS. */
    vfio_device_init(&nvme, NULL);
    nvme.iommufd = G_OBJECT(other);
    g_assert_true(vfio_attach_device(nvme_bdf, &nvme, lab_dma_as, &err));
    g_assert_true(nvme.container != edu.dev.container);
    g_assert_cmpuint(space_containers(edu.dev.container), ==, 2);
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x7000, RAM_LO + 0x9000, 8));
    vfio_detach_device(&nvme);
    vfio_device_clear(&nvme);
    lab_edu_detach(&edu);
    g_assert_cmpint(lab_live_mappings(), ==, 0);
}

static void check_mixed(HdIommufdBackend *be, bool edu_on_iommufd)
{
    g_autoptr(GError) err = NULL;
    VFIODevice nvme;
    LabEdu edu;

    vfio_sys_reset_counts();
    edu_attach(&edu, edu_on_iommufd ? be : NULL);
    vfio_device_init(&nvme, NULL);
    nvme.iommufd = edu_on_iommufd ? NULL : G_OBJECT(be);
    g_assert_true(vfio_attach_device(nvme_bdf, &nvme, lab_dma_as, &err));
    g_assert_no_error(err);
    g_assert_true(nvme.container != edu.dev.container);
    g_assert_cmpstr(vfio_container_backend_name(edu.dev.container), ==,
                    edu_on_iommufd ? "iommufd" : "legacy");
    g_assert_cmpstr(vfio_container_backend_name(nvme.container), ==,
                    edu_on_iommufd ? "legacy" : "iommufd");
    /* One address space served by one container of each backend; both map all RAM. */
    g_assert_true(vfio_container_get_space(nvme.container) ==
                  vfio_container_get_space(edu.dev.container));
    g_assert_cmpuint(space_containers(edu.dev.container), ==, 2);
    g_assert_cmpuint(vfio_container_mapping_count(nvme.container), ==,
                     vfio_container_mapping_count(edu.dev.container));
    g_assert_cmpuint(vfio_device_count(), ==, 2);
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x2000, RAM_HI + 0x2000, 9));
    /* RAM added later reaches both. */
    {
        g_autoptr(MemoryRegion) more = memory_region_new_ram("ram-more", 0x100000, NULL);
        unsigned before = vfio_container_mapping_count(nvme.container);

        memory_region_add_subregion(lab_dma_root, 0x800000, more);
        g_assert_cmpuint(vfio_container_mapping_count(nvme.container), ==, before + 1);
        g_assert_cmpuint(vfio_container_mapping_count(edu.dev.container), ==, before + 1);
        g_assert_true(lab_edu_round_trip(&edu, 0x800000, 0x880000, 10));
        memory_region_del_subregion(lab_dma_root, more);
    }
    vfio_detach_device(&nvme);
    vfio_device_clear(&nvme);
    g_assert_true(lab_edu_round_trip(&edu, RAM_HI, RAM_LO, 11));
    lab_edu_detach(&edu);
    g_assert_cmpuint(vfio_device_count(), ==, 0);
}

static void test_mixed_backends(void)
{
    g_autoptr(HdIommufdBackend) be = backend_new("iommufd0");

    check_mixed(be, true);
    check_mixed(be, false);
}

static void test_mdev(void)
{
    g_autoptr(HdIommufdBackend) be = backend_new("iommufd0");
    const char *mdevs = g_getenv("LAB_MDEVS");
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) paths = NULL;
    g_autofree char *uuid = NULL;
    g_autofree struct vfio_region_info *cfg = NULL;
    uint32_t ids = 0;
    VFIODevice dev;
    unsigned fds = lab_fd_count();

    g_assert_nonnull(mdevs);
    paths = g_strsplit(mdevs, " ", -1);
    g_assert_nonnull(paths[0]);
    uuid = g_path_get_basename(paths[0]);
    vfio_device_init(&dev, NULL);
    dev.sysfsdev = g_strdup(paths[0]);
    dev.iommufd = G_OBJECT(be);
    if (!vfio_attach_device(uuid, &dev, lab_dma_as, &err)) {
        g_error("attaching mdev %s through iommufd: %s", paths[0], err->message);
    }
    g_assert_cmpstr(vfio_container_backend_name(dev.container), ==, "iommufd");
    g_assert_cmpint(vfio_get_region_info(&dev, VFIO_PCI_CONFIG_REGION_INDEX, &cfg), ==, 0);
    g_assert_cmpint(vfio_device_pread(&dev, &ids, 4, cfg->offset), ==, 0);
    g_assert_cmphex(ids, ==, 0x32534348);
    vfio_detach_device(&dev);
    vfio_device_clear(&dev);
    /* The iommufd fd stays open with its object; nothing else is left. */
    g_assert_cmpuint(lab_fd_count(), ==, fds + 1);
}

static void test_dirty_tracking(void)
{
    g_autoptr(HdIommufdBackend) be = backend_new("iommufd0");
    g_autoptr(GError) err = NULL;
    RAMBlock *rb;
    LabEdu edu;

    edu_attach(&edu, be);
    /* Without a dirty-tracking HWPT (the lab's IOMMU lacks it) logging still starts: every
     * sync then reports all mapped RAM dirty, as QEMU does. */
    g_assert_true(memory_global_dirty_log_start(&err));
    g_assert_no_error(err);
    rb = memory_region_get_ram_block(lab_ram_lo);
    memory_global_dirty_log_sync();
    ram_block_dirty_clear_all(rb);
    g_assert_true(lab_edu_dma(&edu, RAM_HI, EDU_BUFFER, XFER, 0));
    g_assert_true(lab_edu_dma(&edu, EDU_BUFFER, RAM_LO + 0x7000, XFER, EDU_DMA_TO_RAM));
    memory_global_dirty_log_sync();
    g_test_message("dirty page sizes 0x%" G_GINT64_MODIFIER "x; dirty pages after the DMA: %"
                   G_GINT64_MODIFIER "u", vfio_container_get_dirty_pgsizes(edu.dev.container),
                   ram_block_dirty_count(rb));
    g_assert_true(ram_block_dirty_test(rb, 0x7000, XFER));
    if (!vfio_container_get_dirty_pgsizes(edu.dev.container)) {
        g_assert_cmpuint(ram_block_dirty_count(rb), ==, RAM_LO_SIZE / RAM_BLOCK_PAGE_SIZE);
    }
    memory_global_dirty_log_stop();
    lab_edu_detach(&edu);
}

static void test_hot_reset(void)
{
    g_autoptr(HdIommufdBackend) be = backend_new("iommufd0");
    g_autoptr(GError) err = NULL;
    LabEdu edu;

    edu_attach(&edu, be);
    vfio_sys_reset_counts();
    if (vfio_device_hot_reset(&edu.dev, true, &err)) {
        g_test_message("hot reset of %s done", edu_bdf);
        g_assert_cmpuint(vfio_sys_ioctl_ok_count(VFIO_DEVICE_PCI_HOT_RESET), ==, 1);
        lab_pci_enable(&edu.dev);
    } else {
        g_test_message("hot reset of %s: %s", edu_bdf, err->message);
        g_assert_null(strchr(err->message, '\n'));
    }
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO, RAM_LO + 0x1000, 13));
    lab_edu_detach(&edu);
}

/* An iommufd attach that must fail: the error's code, a phrase, one line, nothing leaked. */
static void expect_attach_error(HdIommufdBackend *be, const char *name, const char *sysfsdev,
                                int passed_fd, int code, const char *phrase)
{
    g_autoptr(GError) err = NULL;
    unsigned fds = lab_fd_count();
    VFIODevice dev;

    vfio_device_init(&dev, NULL);
    dev.sysfsdev = g_strdup(sysfsdev);
    dev.iommufd = G_OBJECT(be);
    dev.fd = passed_fd;
    g_assert_false(vfio_attach_device(name, &dev, lab_dma_as, &err));
    g_assert_nonnull(err);
    g_test_message("%s: %s", name, err->message);
    g_assert_error(err, VFIO_ERROR, code);
    g_assert_nonnull(strstr(err->message, phrase));
    g_assert_null(strchr(err->message, '\n'));
    g_assert_false(dev.attached);
    g_assert_cmpuint(iommufd_backend_users(be), ==, 0);
    vfio_device_clear(&dev);
    g_assert_cmpuint(lab_fd_count(), <=, fds);
    g_assert_cmpuint(vfio_device_count(), ==, 0);
}

static char *cdev_of(const char *bdf)
{
    g_autofree char *dir = g_strdup_printf("/sys/bus/pci/devices/%s/vfio-dev", bdf);
    GDir *d = g_dir_open(dir, 0, NULL);
    char *path;

    g_assert_nonnull(d);
    path = g_build_filename("/dev/vfio/devices", g_dir_read_name(d), NULL);
    g_dir_close(d);
    return path;
}

static void test_errors(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *cdev = cdev_of(edu_bdf);
    g_autofree char *grouplink = g_strdup_printf("/sys/bus/pci/devices/%s/iommu_group",
                                                 edu_bdf);
    g_autofree char *target = g_file_read_link(grouplink, NULL);
    g_autofree char *group = NULL;
    g_autofree char *fake = NULL;
    g_autofree char *fake_driver = NULL;
    HdIommufdBackend *be;
    unsigned fds = lab_fd_count();
    int held, raw_iommufd, ret;
    VFIODevice twice;
    LabEdu edu;

    /* /dev/iommu missing, simulated by fault injection on its open (the first syscall). */
    be = backend_new("iommufd-missing");
    vfio_sys_reset_counts();
    vfio_sys_fail_nth(VFIO_SYS_OPEN, 1, ENOENT);
    expect_attach_error(be, edu_bdf, NULL, -1, ENOENT, "CONFIG_IOMMUFD");
    g_assert_true(vfio_sys_fail_fired());
    g_assert_cmpint(iommufd_backend_get_fd(be), ==, -1);
    g_object_unref(be);

    be = backend_new("iommufd0");
    /* Open /dev/iommu now: it stays open with the object, so fd counts below compare. */
    g_assert_true(iommufd_backend_connect(be, &err));
    iommufd_backend_disconnect(be);
    fds = lab_fd_count();
    /* A device that does not exist. */
    expect_attach_error(be, "0000:00:1f.6", NULL, -1, ENODEV, "does not exist");
    /* A device not bound to vfio-pci (the host bridge): no cdev, and why. */
    expect_attach_error(be, "0000:00:00.0", NULL, -1, ENODEV, "vfio-pci");
    /* A vfio-pci device whose kernel has no cdevs (a sysfs look-alike without vfio-dev). */
    fake = g_dir_make_tmp("fake-sysfs-XXXXXX", NULL);
    g_assert_nonnull(fake);
    fake_driver = g_build_filename(fake, "driver", NULL);
    g_assert_cmpint(symlink("/sys/bus/pci/drivers/vfio-pci", fake_driver), ==, 0);
    expect_attach_error(be, "0000:00:04.0", fake, -1, ENOENT, "CONFIG_VFIO_DEVICE_CDEV");
    unlink(fake_driver);
    rmdir(fake);
    /* The cdev node missing although sysfs lists it (fault injection on its open). */
    vfio_sys_reset_counts();
    vfio_sys_fail_nth(VFIO_SYS_OPEN, 1, ENOENT);
    expect_attach_error(be, edu_bdf, NULL, -1, ENOENT, "CONFIG_VFIO_DEVICE_CDEV");
    /* The group held by a legacy user (here a raw open, as another VM would). */
    g_assert_nonnull(target);
    group = g_strdup_printf("/dev/vfio/%s", strrchr(target, '/') + 1);
    held = open(group, O_RDWR);
    g_assert_cmpint(held, >=, 0);
    expect_attach_error(be, edu_bdf, NULL, -1, EBUSY, "VFIO group");
    close(held);
    /* The device bound to another iommufd already (another VM holding it by cdev). */
    raw_iommufd = open("/dev/iommu", O_RDWR);
    held = open(cdev, O_RDWR);
    g_assert_cmpint(raw_iommufd, >=, 0);
    g_assert_cmpint(held, >=, 0);
    {
        struct vfio_device_bind_iommufd bind = {
            .argsz = sizeof(bind), .iommufd = raw_iommufd,
        };

        ret = ioctl(held, VFIO_DEVICE_BIND_IOMMUFD, &bind);
        g_assert_cmpint(ret, ==, 0);
    }
    expect_attach_error(be, edu_bdf, NULL, -1, EINVAL, "already in use");
    close(held);
    close(raw_iommufd);
    /* A passed fd that is not a VFIO cdev: refused at bind, and closed (it is spent). */
    expect_attach_error(be, "passed-null", NULL, open("/dev/null", O_RDWR), ENOTTY,
                        "VFIO_DEVICE_BIND_IOMMUFD");
    /* The same device twice in this process. */
    edu_attach(&edu, be);
    vfio_device_init(&twice, NULL);
    twice.iommufd = G_OBJECT(be);
    g_clear_error(&err);
    g_assert_false(vfio_attach_device(edu_bdf, &twice, lab_dma_as, &err));
    g_test_message("twice: %s", err->message);
    g_assert_error(err, VFIO_ERROR, EBUSY);
    g_assert_cmpuint(iommufd_backend_users(be), ==, 1);
    vfio_device_clear(&twice);
    /* ... and through the legacy backend while iommufd holds it. */
    vfio_device_init(&twice, NULL);
    g_clear_error(&err);
    g_assert_false(vfio_attach_device(edu_bdf, &twice, lab_dma_as, &err));
    g_test_message("twice, legacy: %s", err->message);
    vfio_device_clear(&twice);
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO, RAM_HI, 14));
    lab_edu_detach(&edu);
    /* iommufd= naming something else. */
    vfio_device_init(&twice, NULL);
    twice.iommufd = g_object_new(G_TYPE_OBJECT, NULL);
    g_clear_error(&err);
    g_assert_false(vfio_attach_device(edu_bdf, &twice, lab_dma_as, &err));
    g_assert_nonnull(strstr(err->message, "-object iommufd"));
    g_object_unref(twice.iommufd);
    vfio_device_clear(&twice);
    g_object_unref(be);
    g_assert_cmpuint(lab_fd_count(), ==, fds - 1);
}

static void test_fault_sweep(void)
{
    g_autoptr(HdIommufdBackend) keep = backend_new("iommufd0");
    unsigned fds = lab_fd_count();
    unsigned n, failures = 0;

    /* Fail the N-th syscall of an iommufd attach (a fresh object each time, so the sweep
     * covers opening /dev/iommu too) until the attach gets through untouched. */
    for (n = 1; n < 400; n++) {
        g_autoptr(HdIommufdBackend) be = backend_new("iommufd-sweep");
        g_autoptr(GError) err = NULL;
        VFIODevice dev;
        bool ok, fired;

        vfio_sys_reset_counts();
        vfio_device_init(&dev, NULL);
        dev.iommufd = G_OBJECT(be);
        vfio_sys_fail_nth(VFIO_SYS_ANY, n, EIO);
        ok = vfio_attach_device(edu_bdf, &dev, lab_dma_as, &err);
        fired = vfio_sys_fail_fired();
        vfio_sys_fail_nth(VFIO_SYS_ANY, 0, 0);
        if (ok) {
            vfio_detach_device(&dev);
            vfio_device_clear(&dev);
            g_assert_cmpint(lab_live_mappings(), ==, 0);
            g_assert_cmpuint(iommufd_backend_users(be), ==, 0);
            if (!fired) {
                break;
            }
            g_test_message("call %u failed and attach recovered", n);
            continue;
        }
        failures++;
        g_assert_true(fired);
        g_assert_nonnull(err);
        g_assert_null(strchr(err->message, '\n'));
        if (n <= 4 || n % 10 == 0) {
            g_test_message("call %u: %s", n, err->message);
        }
        vfio_device_clear(&dev);
        g_assert_cmpint(lab_live_mappings(), ==, 0);
        g_assert_cmpuint(vfio_device_count(), ==, 0);
        g_assert_cmpuint(iommufd_backend_users(be), ==, 0);
        g_clear_object(&be);
        g_assert_cmpuint(lab_fd_count(), ==, fds);
    }
    g_test_message("iommufd attach makes %u syscalls; %u injected failures all failed cleanly",
                   n - 1, failures);
    g_assert_cmpuint(n, <, 400);
    g_assert_cmpuint(failures, >, 5);
}

/*
 * fd passing: this process (root) plays libvirt: it opens /dev/iommu and edu's cdev and
 * runs this test binary again as nobody (setpriv), which cannot open either path, with the
 * fds inherited; the child attaches edu with them and proves DMA.
 */
static int fd_child(const char *iommufd_fd, const char *device_fd)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HdIommufdBackend) be = NULL;
    g_autofree char *cdev = cdev_of(edu_bdf);
    gint64 devfd;
    LabEdu edu;
    int fd;

    if (geteuid() == 0) {
        printf("fd-child: still root\n");
        return 2;
    }
    fd = open("/dev/iommu", O_RDWR);
    if (fd >= 0 || errno != EACCES) {
        printf("fd-child: opening /dev/iommu as uid %u did not fail with EACCES\n", geteuid());
        return 3;
    }
    fd = open(cdev, O_RDWR);
    if (fd >= 0 || errno != EACCES) {
        printf("fd-child: opening %s did not fail with EACCES\n", cdev);
        return 3;
    }
    be = g_object_new(HD_TYPE_IOMMUFD_BACKEND, "id", "iommufd0", "fd", iommufd_fd, NULL);
    if (!hd_user_object_complete(HD_USER_OBJECT(be), &err)) {
        printf("fd-child: %s\n", err->message);
        return 4;
    }
    vfio_device_init(&edu.dev, NULL);
    edu.dev.iommufd = G_OBJECT(be);
    g_assert_true(g_ascii_string_to_signed(device_fd, 10, 0, G_MAXINT, &devfd, NULL));
    edu.dev.fd = (int)devfd;
    vfio_sys_reset_counts();
    if (!vfio_attach_device(edu_bdf, &edu.dev, lab_dma_as, &err)) {
        printf("fd-child: attach with passed fds: %s\n", err->message);
        return 5;
    }
    if (vfio_sys_count(VFIO_SYS_OPEN) != 0) {
        printf("fd-child: the attach opened %u paths\n", vfio_sys_count(VFIO_SYS_OPEN));
        return 6;
    }
    lab_edu_map_bar(&edu);
    if (!lab_edu_round_trip(&edu, RAM_LO + 0x1000, RAM_HI + 0x3000, 15)) {
        printf("fd-child: edu DMA through the passed fds failed\n");
        return 7;
    }
    lab_edu_detach(&edu);
    printf("fd-child: uid %u attached edu with iommufd fd %s and cdev fd %s, DMA ok\n",
           geteuid(), iommufd_fd, device_fd);
    return 0;
}

static void test_fd_passing(void)
{
    g_autofree char *cdev = cdev_of(edu_bdf);
    g_autofree char *ifd = NULL, *dfd = NULL, *out = NULL, *errout = NULL;
    g_autoptr(GError) err = NULL;
    struct rlimit rl = { .rlim_cur = 64 << 20, .rlim_max = 64 << 20 };
    int iommufd = open("/dev/iommu", O_RDWR);
    int devfd = open(cdev, O_RDWR);
    int status = 0;

    g_assert_cmpint(iommufd, >=, 0);
    g_assert_cmpint(devfd, >=, 0);
    /* Enough locked memory for nobody to pin the guest RAM. */
    g_assert_cmpint(setrlimit(RLIMIT_MEMLOCK, &rl), ==, 0);
    ifd = g_strdup_printf("%d", iommufd);
    dfd = g_strdup_printf("%d", devfd);
    {
        const char *argv[] = {
            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
            self_path, "--fd-child", ifd, dfd, NULL,
        };

        g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                                   G_SPAWN_SEARCH_PATH | G_SPAWN_LEAVE_DESCRIPTORS_OPEN, NULL,
                                   NULL, &out, &errout, &status, &err));
    }
    g_assert_no_error(err);
    g_test_message("child: %s%s", out, errout);
    close(iommufd);
    close(devfd);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_assert_nonnull(strstr(out, "DMA ok"));
}

int main(int argc, char **argv)
{
    self_path = argv[0];
    edu_bdf = g_getenv("LAB_EDU");
    nvme_bdf = g_getenv("LAB_NVME");
    if (!edu_bdf || !nvme_bdf) {
        /* The lab makes them present: a missing one is a defect, not a skip. */
        printf("Bail out! LAB_EDU and LAB_NVME must be set (run inside scripts/lab/run)\n");
        return 1;
    }
    iommufd_register_types();
    lab_guest_ram_build();
    if (argc == 4 && strcmp(argv[1], "--fd-child") == 0) {
        return fd_child(argv[2], argv[3]);
    }
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iommufd/lab/edu-dma", test_edu_dma);
    g_test_add_func("/iommufd/lab/shared-ioas", test_shared_ioas);
    g_test_add_func("/iommufd/lab/mixed-backends", test_mixed_backends);
    g_test_add_func("/iommufd/lab/mdev", test_mdev);
    g_test_add_func("/iommufd/lab/dirty-tracking", test_dirty_tracking);
    g_test_add_func("/iommufd/lab/hot-reset", test_hot_reset);
    g_test_add_func("/iommufd/lab/errors", test_errors);
    g_test_add_func("/iommufd/lab/fd-passing", test_fd_passing);
    g_test_add_func("/iommufd/lab/fault-sweep", test_fault_sweep);
    return g_test_run();
}
