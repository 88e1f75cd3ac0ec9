/*
 * Lab test of the VFIO common layer and legacy backend on the real kernel: attach edu, nvme
 * and an mtty mdev to guest RAM built with the memory API, prove the listener's mappings with
 * edu DMA (incl. overlays that unmap part of RAM), container sharing, IRQs, dirty tracking,
 * error messages that leak nothing, and a fault-injection sweep over attach. One body for
 * both backends: "--backend iommufd" attaches every device through an iommufd object.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/capability.h>
#include <linux/iommufd.h>
#include <linux/kvm.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-container-base.h"
#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-sys.h"
#include "system/iommufd.h"
#include "system/memory.h"
#include "system/reset.h"

#include "lab-edu.h"

static const char *edu_bdf, *nvme_bdf;

/* --- helpers --- */

/* The backend under test: "legacy", or "iommufd" with every device on iommufd_be. */
static const char *backend = "legacy";
static HdIommufdBackend *iommufd_be;

/* vfio_device_init() for the backend under test. */
static void lab_device_init(VFIODevice *dev)
{
    vfio_device_init(dev, NULL);
    dev->iommufd = iommufd_be ? G_OBJECT(iommufd_be) : NULL;
}

/* lab_edu_attach() on the backend under test. */
static void edu_attach_bdf(LabEdu *edu, const char *bdf)
{
    lab_edu_attach(edu, bdf, iommufd_be);
}

static void edu_attach(LabEdu *edu)
{
    edu_attach_bdf(edu, edu_bdf);
}

/* --- tests --- */

static void test_edu_dma(void)
{
    LabEdu edu;
    unsigned fds = lab_fd_count();

    vfio_sys_reset_counts();
    edu_attach(&edu);
    /* Two RAM regions (plus the extra one): at least one kernel mapping each. */
    g_assert_cmpint(lab_live_mappings(), >=, 3);
    g_assert_cmpuint(vfio_container_mapping_count(edu.dev.container), ==, lab_live_mappings());
    g_test_message("container: %u mappings, 0x%" G_GINT64_MODIFIER "x bytes, pgsizes 0x%"
                   G_GINT64_MODIFIER "x",
                   vfio_container_mapping_count(edu.dev.container),
                   vfio_container_mapped_bytes(edu.dev.container),
                   vfio_container_get_pgsizes(edu.dev.container));
    /* ID through the mmap'd BAR (fast path) and the trapped slow path. */
    g_assert_cmphex(lab_edu_rd(&edu, EDU_ID), ==, 0x010000ed);
    g_assert_cmphex(vfio_region_read(edu.bar0, EDU_ID, 4), ==, 0x010000ed);
    /* DMA within and across the two RAM regions. */
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x1000, RAM_LO + 0x3000, 1));
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x8000, RAM_HI + 0x10000, 2));
    g_assert_true(lab_edu_round_trip(&edu, RAM_HI + 0x1f0000, RAM_LO + 0xff000, 3));
    lab_edu_detach(&edu);
    g_assert_cmpint(lab_live_mappings(), ==, 0);
    g_assert_cmpuint(vfio_device_count(), ==, 0);
    g_assert_cmpuint(lab_fd_count(), ==, fds);
}

static void test_overlay(void)
{
    g_autoptr(MemoryRegion) hole = memory_region_new_io("hole", 0x10000, NULL, NULL);
    unsigned maps, unmaps;
    uint8_t probe[XFER], zero[XFER];
    unsigned count;
    LabEdu edu;

    edu_attach(&edu);
    count = vfio_container_mapping_count(edu.dev.container);
    vfio_sys_reset_counts();
    /* MMIO over [RAM_HI + 0x80000, +64K): one unmap and two re-maps, nothing else. */
    memory_region_add_subregion_overlap(lab_dma_root, RAM_HI + 0x80000, hole, 1);
    maps = lab_maps_ok();
    unmaps = lab_unmaps_ok();
    g_test_message("overlay added: %u maps, %u unmaps", maps, unmaps);
    g_assert_cmpuint(unmaps, ==, 1);
    g_assert_cmpuint(maps, ==, 2);
    /* DMA to RAM that stays RAM keeps working, on both sides of the hole and elsewhere. */
    g_assert_true(lab_edu_round_trip(&edu, RAM_HI + 0x1000, RAM_HI + 0x7f000, 4));
    g_assert_true(lab_edu_round_trip(&edu, RAM_HI + 0x90000, RAM_LO + 0x2000, 5));
    /* The hole is gone from the IOMMU: a DMA there does not reach the RAM underneath. */
    memset(zero, 0, sizeof(zero));
    memcpy((uint8_t *)memory_region_get_ram_ptr(lab_ram_hi) + 0x80000, zero, XFER);
    memset(probe, 0x5a, sizeof(probe));
    g_assert_cmpint(address_space_write(lab_dma_as, RAM_LO, probe, XFER), ==, MEMTX_OK);
    g_assert_true(lab_edu_dma(&edu, RAM_LO, EDU_BUFFER, XFER, 0));
    g_assert_true(lab_edu_dma(&edu, EDU_BUFFER, RAM_HI + 0x80000, XFER, EDU_DMA_TO_RAM));
    g_assert_cmpmem((uint8_t *)memory_region_get_ram_ptr(lab_ram_hi) + 0x80000, XFER, zero, XFER);
    /* Removing the overlay merges the range back with both sides (the kernel's mapping
     * count must not drift up): two unmaps, one map of the whole RAM region. */
    vfio_sys_reset_counts();
    memory_region_del_subregion(lab_dma_root, hole);
    g_assert_cmpuint(lab_maps_ok(), ==, 1);
    g_assert_cmpuint(lab_unmaps_ok(), ==, 2);
    g_assert_cmpuint(vfio_container_mapping_count(edu.dev.container), ==, count);
    g_assert_true(lab_edu_round_trip(&edu, RAM_HI + 0x80000, RAM_HI + 0x80800, 6));
    lab_edu_detach(&edu);
}

static void test_irq(void)
{
    g_autoptr(GError) err = NULL;
    struct vfio_irq_info info;
    VFIONotifier *n;
    struct pollfd pfd;
    LabEdu edu;

    edu_attach(&edu);
    g_assert_cmpint(vfio_get_irq_info(&edu.dev, VFIO_PCI_INTX_IRQ_INDEX, &info), ==, 0);
    g_assert_cmpuint(info.count, ==, 1);
    n = vfio_notifier_new(&err);
    g_assert_no_error(err);
    g_assert_true(vfio_set_irq_signaling(&edu.dev, VFIO_PCI_INTX_IRQ_INDEX, 0,
                                         VFIO_IRQ_SET_ACTION_TRIGGER,
                                         vfio_notifier_get_fd(n), &err));
    g_assert_no_error(err);
    /* A DMA with the IRQ bit raises INTx, which the kernel turns into an eventfd signal. */
    g_assert_true(lab_edu_dma(&edu, RAM_LO, EDU_BUFFER, 16, EDU_DMA_IRQ));
    pfd = (struct pollfd){ .fd = vfio_notifier_get_fd(n), .events = POLLIN };
    g_assert_cmpint(poll(&pfd, 1, 3000), ==, 1);
    g_assert_true(vfio_notifier_test_and_clear(n));
    g_assert_cmphex(lab_edu_rd(&edu, EDU_IRQ_STATUS) & 0x100, ==, 0x100);
    lab_edu_wr(&edu, EDU_IRQ_ACK, 0x100);
    g_assert_cmpint(vfio_unmask_single_irq(&edu.dev, VFIO_PCI_INTX_IRQ_INDEX), ==, 0);
    /* Tear down: -1 detaches the eventfd, then the index is disabled. */
    g_assert_true(vfio_set_irq_signaling(&edu.dev, VFIO_PCI_INTX_IRQ_INDEX, 0,
                                         VFIO_IRQ_SET_ACTION_TRIGGER, -1, &err));
    g_assert_cmpint(vfio_disable_irq_index(&edu.dev, VFIO_PCI_INTX_IRQ_INDEX), ==, 0);
    /* A bad index is a clear error naming the IRQ and the action. */
    g_assert_false(vfio_set_irq_signaling(&edu.dev, 7, 0, VFIO_IRQ_SET_ACTION_TRIGGER,
                                          vfio_notifier_get_fd(n), &err));
    g_test_message("bad IRQ index: %s", err->message);
    g_assert_nonnull(strstr(err->message, "trigger"));
    vfio_notifier_free(n);
    lab_edu_detach(&edu);
}

static void test_shared_container(void)
{
    g_autoptr(GError) err = NULL;
    VFIODevice nvme;
    LabEdu edu;
    unsigned fds = lab_fd_count();

    edu_attach(&edu);
    lab_device_init(&nvme);
    g_assert_true(vfio_attach_device(nvme_bdf, &nvme, lab_dma_as, &err));
    g_assert_no_error(err);
    if (iommufd_be) {
        g_assert_true(nvme.devid != edu.dev.devid);
    } else {
        g_assert_true(nvme.group != edu.dev.group);
    }
    /* Different groups (iommufd: devices), one address space: one container (IOAS). */
    g_assert_true(nvme.container == edu.dev.container);
    g_assert_cmpuint(g_list_length((GList *)vfio_container_devices(edu.dev.container)), ==, 2);
    g_assert_cmpuint(vfio_device_count(), ==, 2);
    g_assert_true(vfio_device_find(nvme_bdf) == &nvme);
    g_assert_true(vfio_device_find(edu_bdf) == &edu.dev);
    /* Detaching nvme leaves edu working, on the same mappings. */
    vfio_detach_device(&nvme);
    g_assert_cmpuint(g_list_length((GList *)vfio_container_devices(edu.dev.container)), ==, 1);
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x4000, RAM_HI + 0x4000, 7));
    /* Re-attach works and joins the same container again. */
    g_assert_true(vfio_attach_device(nvme_bdf, &nvme, lab_dma_as, &err));
    g_assert_true(nvme.container == edu.dev.container);
    vfio_detach_device(&nvme);
    vfio_device_clear(&nvme);
    /* The other order: edu leaves first, nvme keeps the container alive. */
    lab_device_init(&nvme);
    g_assert_true(vfio_attach_device(nvme_bdf, &nvme, lab_dma_as, &err));
    lab_edu_detach(&edu);
    g_assert_cmpuint(vfio_container_mapping_count(nvme.container), >=, 3);
    edu_attach(&edu);
    g_assert_true(nvme.container == edu.dev.container);
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x5000, RAM_LO + 0x6000, 8));
    lab_edu_detach(&edu);
    vfio_detach_device(&nvme);
    vfio_device_clear(&nvme);
    g_assert_cmpuint(lab_fd_count(), ==, fds);
}

static void test_mdev(void)
{
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
    lab_device_init(&dev);
    dev.sysfsdev = g_strdup(paths[0]);
    if (!vfio_attach_device(uuid, &dev, lab_dma_as, &err)) {
        g_error("attaching mdev %s: %s", paths[0], err->message);
    }
    g_assert_true(dev.flags & VFIO_DEVICE_FLAGS_PCI);
    g_assert_cmpint(vfio_get_region_info(&dev, VFIO_PCI_CONFIG_REGION_INDEX, &cfg), ==, 0);
    g_assert_cmpint(vfio_device_pread(&dev, &ids, 4, cfg->offset), ==, 0);
    g_assert_cmphex(ids, ==, 0x32534348);
    vfio_detach_device(&dev);
    vfio_device_clear(&dev);
    g_assert_cmpuint(lab_fd_count(), ==, fds);
}

/*
 * Dirty tracking: the page edu writes is dirty after a sync, and RAM that is not mapped (under
 * an MMIO overlay added while tracking) stays clean. type1 reports every pinned page dirty, so
 * the clean hole (and the count) is what can fail: a sync that merged at the wrong offset or
 * page size, or marked whole RAM blocks dirty, would dirty it.
 */
static void test_dirty_tracking(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MemoryRegion) hole = memory_region_new_io("dirty-hole", 0x10000, NULL, NULL);
    RAMBlock *rb = memory_region_get_ram_block(lab_ram_lo);
    uint64_t mapped_pages = (RAM_LO_SIZE - 0x10000) / 0x1000;
    LabEdu edu;

    edu_attach(&edu);
    /* Started on either backend: without IOMMU dirty tracking (iommufd in the lab) every sync
     * reports all mapped RAM dirty, which the hole check below still holds to. */
    g_assert_true(memory_global_dirty_log_start(&err));
    g_assert_no_error(err);
    g_test_message("dirty page sizes 0x%" G_GINT64_MODIFIER "x",
                   vfio_container_get_dirty_pgsizes(edu.dev.container));
    memory_region_add_subregion_overlap(lab_dma_root, RAM_LO + 0x80000, hole, 1);
    memory_global_dirty_log_sync();
    ram_block_dirty_clear_all(rb);
    /* edu writes guest RAM: after a sync its page is dirty in the RAM block. */
    g_assert_true(lab_edu_dma(&edu, RAM_HI, EDU_BUFFER, XFER, 0));
    g_assert_true(lab_edu_dma(&edu, EDU_BUFFER, RAM_LO + 0x7000, XFER, EDU_DMA_TO_RAM));
    memory_global_dirty_log_sync();
    g_test_message("dirty pages in ram-lo after the DMA: %" G_GINT64_MODIFIER "u of %"
                   G_GINT64_MODIFIER "u mapped", ram_block_dirty_count(rb), mapped_pages);
    g_assert_true(ram_block_dirty_test(rb, 0x7000, XFER));
    /* Not mapped, so no device wrote it: clean. */
    g_assert_false(ram_block_dirty_test(rb, 0x80000, 0x10000));
    g_assert_cmpuint(ram_block_dirty_count(rb), <=, mapped_pages);
    memory_region_del_subregion(lab_dma_root, hole);
    memory_global_dirty_log_stop();
    lab_edu_detach(&edu);
}

static gboolean log_not_fatal(const gchar *domain, GLogLevelFlags level, const gchar *msg,
                              gpointer data)
{
    (void)domain;
    (void)level;
    (void)msg;
    (void)data;
    return FALSE;
}

static void test_p2p_ram_device(void)
{
    g_autoptr(MemoryRegion) peer = NULL;
    void *host;
    uint64_t off, size;
    unsigned before;
    LabEdu edu;

    edu_attach(&edu);
    /* Another device's mmap'd BAR in the DMA address space: mapped for peer-to-peer, or a
     * warning; either way the attach and RAM mappings are unaffected. */
    g_assert_true(vfio_region_mmap_area(edu.bar0, 0, &off, &size, &host));
    peer = memory_region_new_ram_device("peer-bar", size, host);
    before = vfio_container_mapping_count(edu.dev.container);
    g_test_log_set_fatal_handler(log_not_fatal, NULL);
    if (iommufd_be) {
        /* iommufd (Linux 6.12) cannot pin device memory (VM_PFNMAP): IOAS_MAP fails, EFAULT. */
        g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*peer-to-peer DMA to it will not work");
    }
    memory_region_add_subregion(lab_dma_root, 0x8000000, peer);
    if (iommufd_be) {
        g_test_assert_expected_messages();
        g_assert_cmpuint(vfio_container_mapping_count(edu.dev.container), ==, before);
    }
    g_test_message("peer BAR: mappings %u -> %u", before,
                   vfio_container_mapping_count(edu.dev.container));
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x9000, RAM_LO + 0xa000, 9));
    memory_region_del_subregion(lab_dma_root, peer);
    g_assert_cmpuint(vfio_container_mapping_count(edu.dev.container), ==, before);
    lab_edu_detach(&edu);
}

static void test_hot_reset(void)
{
    g_autoptr(GError) err = NULL;
    LabEdu edu;

    edu_attach(&edu);
    /* edu sits on the lab's root bus: the kernel may offer no bus reset; either way a clear
     * answer and a device that still works. */
    if (vfio_device_hot_reset(&edu.dev, true, &err)) {
        g_test_message("hot reset of %s done", edu_bdf);
        lab_pci_enable(&edu.dev);
    } else {
        g_test_message("hot reset of %s: %s", edu_bdf, err->message);
        g_assert_null(strchr(err->message, '\n'));
    }
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO, RAM_LO + 0x1000, 10));
    lab_edu_detach(&edu);

    /* The edu alone behind a root port: a secondary bus reset the kernel must grant. */
    edu_attach_bdf(&edu, g_getenv("LAB_EDU_RP"));
    g_clear_error(&err);
    if (!vfio_device_hot_reset(&edu.dev, true, &err)) {
        g_error("hot reset of %s behind a root port (%s): %s", g_getenv("LAB_EDU_RP"), backend,
                err->message);
    }
    lab_pci_enable(&edu.dev);
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO, RAM_LO + 0x1000, 12));
    lab_edu_detach(&edu);
}

/* System reset: the handler asks each device whether it needs a bus reset, then has the
 * frontend do it. */
static unsigned computed, reset_done;

static void edu_compute_needs_reset(VFIODevice *vbasedev)
{
    computed++;
    vbasedev->needs_reset = true;
}

static bool edu_hot_reset_multi(VFIODevice *vbasedev, GError **errp)
{
    /* A frontend saves state, calls vfio_device_hot_reset() and restores; edu has no bus
     * reset in the lab (see hot-reset), so only record the call. */
    (void)errp;
    reset_done++;
    vbasedev->needs_reset = false;
    return true;
}

static const VFIODeviceOps edu_ops = {
    .compute_needs_reset = edu_compute_needs_reset,
    .hot_reset_multi = edu_hot_reset_multi,
};

static void test_system_reset(void)
{
    LabEdu edu;

    edu_attach(&edu);
    edu.dev.ops = &edu_ops;
    computed = reset_done = 0;
    hd_system_reset();
    g_assert_cmpuint(computed, ==, 1);
    g_assert_cmpuint(reset_done, ==, 1);
    g_assert_false(edu.dev.needs_reset);
    lab_pci_enable(&edu.dev);
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x2000, RAM_HI + 0x2000, 12));
    lab_edu_detach(&edu);
    /* No device attached: the handler is gone. */
    hd_system_reset();
    g_assert_cmpuint(computed, ==, 1);
}

/* Carving a range out of the mmap: accesses there take the trapped slow path (pread). */
static AddressSpace *region_as(VFIORegion *bar, MemoryRegion **root)
{
    *root = memory_region_new_container("excl", UINT64_MAX);
    memory_region_add_subregion(*root, 0, vfio_region_get_memory(bar));
    return address_space_new("excl", *root);
}

static void region_as_free(VFIORegion *bar, AddressSpace *as, MemoryRegion *root)
{
    address_space_destroy(as);
    memory_region_del_subregion(root, vfio_region_get_memory(bar));
    memory_region_unref(root);
    vfio_region_free(bar);
}

static void test_region_exclude(void)
{
    g_autoptr(GError) err = NULL;
    VFIORegion *bar;
    MemoryRegion *root;
    AddressSpace *as;
    LabEdu edu;

    edu_attach(&edu);
    /* Two holes away from the registers: three mmap areas, registers stay on the mmap. */
    bar = vfio_region_setup(&edu.dev, VFIO_PCI_BAR0_REGION_INDEX, "edu-bar0-holes", &err);
    g_assert_no_error(err);
    vfio_region_exclude(bar, 0x1000, 0x1000);
    vfio_region_exclude(bar, 0x10000, 0x800);
    g_assert_cmpuint(vfio_region_nr_mmaps(bar), ==, 3);
    g_assert_true(vfio_region_mmap(bar, &err));
    as = region_as(bar, &root);
    vfio_sys_reset_counts();
    g_assert_cmphex(address_space_ldl(as, EDU_ID, NULL), ==, 0x010000ed);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_PREAD), ==, 0);
    region_as_free(bar, as, root);
    /* A hole over the registers (rounded out to the host page): they trap. */
    bar = vfio_region_setup(&edu.dev, VFIO_PCI_BAR0_REGION_INDEX, "edu-bar0-trap", &err);
    g_assert_no_error(err);
    vfio_region_exclude(bar, 0x0, 0x100);
    g_assert_cmpuint(vfio_region_nr_mmaps(bar), ==, 1);
    g_assert_true(vfio_region_mmap(bar, &err));
    as = region_as(bar, &root);
    vfio_sys_reset_counts();
    g_assert_cmphex(address_space_ldl(as, EDU_ID, NULL), ==, 0x010000ed);
    /* The liveness register at 0x04 reads back inverted. */
    address_space_stl(as, 0x04, 0x12345678);
    g_assert_cmphex(address_space_ldl(as, 0x04, NULL), ==, ~0x12345678u);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_PREAD), ==, 2);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_PWRITE), ==, 1);
    region_as_free(bar, as, root);
    lab_edu_detach(&edu);
}

/* With a KVM VM, each group is registered with KVM's VFIO device and removed at detach. */
static void test_kvm_device(void)
{
    unsigned fds = lab_fd_count();
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    int vm;
    LabEdu edu;

    g_assert_cmpint(kvm, >=, 0);
    vm = ioctl(kvm, KVM_CREATE_VM, 0);
    g_assert_cmpint(vm, >=, 0);
    vfio_kvm_set_vm_fd(vm);
    vfio_sys_reset_counts();
    edu_attach(&edu);
    g_assert_cmpuint(vfio_sys_ioctl_ok_count(KVM_CREATE_DEVICE), ==, 1);
    g_assert_cmpuint(vfio_sys_ioctl_ok_count(KVM_SET_DEVICE_ATTR), ==, 1);
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO + 0x3000, RAM_HI + 0x3000, 13));
    lab_edu_detach(&edu);
    g_assert_cmpuint(vfio_sys_ioctl_ok_count(KVM_SET_DEVICE_ATTR), ==, 2);
    vfio_kvm_set_vm_fd(-1);
    close(vm);
    close(kvm);
    g_assert_cmpuint(lab_fd_count(), ==, fds);
}

/* An attach that must fail: the error's code, a phrase, one line, and nothing leaked. */
static void expect_attach_error(const char *name, const char *sysfsdev, int code,
                                const char *phrase)
{
    g_autoptr(GError) err = NULL;
    unsigned fds = lab_fd_count();
    VFIODevice dev;

    vfio_sys_reset_counts();
    lab_device_init(&dev);
    dev.sysfsdev = g_strdup(sysfsdev);
    g_assert_false(vfio_attach_device(name, &dev, lab_dma_as, &err));
    g_assert_nonnull(err);
    g_test_message("%s: %s", name, err->message);
    g_assert_error(err, VFIO_ERROR, code);
    g_assert_nonnull(strstr(err->message, phrase));
    g_assert_null(strchr(err->message, '\n'));
    g_assert_false(dev.attached);
    vfio_device_clear(&dev);
    g_assert_cmpuint(lab_fd_count(), ==, fds);
    g_assert_cmpint(lab_live_mappings(), ==, 0);
}

static void test_errors(void)
{
    g_autofree char *grouplink = g_strdup_printf("/sys/bus/pci/devices/%s/iommu_group",
                                                 edu_bdf);
    g_autofree char *target = g_file_read_link(grouplink, NULL);
    g_autofree char *group = NULL;
    g_autoptr(GError) err = NULL;
    VFIODevice twice;
    LabEdu edu;
    int held;

    expect_attach_error("0000:00:1f.6", NULL, ENODEV, "does not exist");
    /* The group held by someone else (here: a raw open, as another VM would). */
    g_assert_nonnull(target);
    group = g_strdup_printf("/dev/vfio/%s", strrchr(target, '/') + 1);
    held = open(group, O_RDWR);
    g_assert_cmpint(held, >=, 0);
    expect_attach_error(edu_bdf, NULL, EBUSY,
                        iommufd_be ? "VFIO group is open" : "already open elsewhere");
    close(held);
    /* The same device twice in this process. */
    edu_attach(&edu);
    lab_device_init(&twice);
    g_assert_false(vfio_attach_device(edu_bdf, &twice, lab_dma_as, &err));
    g_test_message("twice: %s", err->message);
    g_assert_error(err, VFIO_ERROR, EBUSY);
    g_assert_true(lab_edu_round_trip(&edu, RAM_LO, RAM_HI, 11));
    vfio_device_clear(&twice);
    lab_edu_detach(&edu);
    /* A passed cdev fd on the legacy backend (with iommufd= absent whatever is tested). */
    vfio_device_init(&twice, NULL);
    twice.fd = open("/dev/null", O_RDWR);
    g_clear_error(&err);
    g_assert_false(vfio_attach_device(edu_bdf, &twice, lab_dma_as, &err));
    g_assert_nonnull(strstr(err->message, "iommufd"));
    vfio_device_clear(&twice);
}

/* A function whose group peer is held by uio_pci_generic: the message names the peer, its
 * driver and the command that frees it, on both backends, and nothing is left behind. */
static void test_group_not_viable(void)
{
    const char *bdf = g_getenv("LAB_EDU_MF"), *peer = g_getenv("LAB_EDU_MF_PEER");
    g_autofree char *needle = g_strdup_printf("%s is bound to uio_pci_generic", peer);

    expect_attach_error(bdf, NULL, EPERM, needle);
}

/* Drop CAP_IPC_LOCK from the effective set so RLIMIT_MEMLOCK applies to this process. */
static bool drop_ipc_lock(void)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2];

    if (syscall(SYS_capget, &hdr, data) < 0) {
        return false;
    }
    data[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
    return syscall(SYS_capset, &hdr, data) == 0;
}

static void test_memlock(void)
{
    pid_t pid;
    int status;

    /* In a child: the limit and the capability are per process. */
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        struct rlimit rl = { .rlim_cur = 64 * 1024, .rlim_max = 64 * 1024 };
        GError *err = NULL;
        VFIODevice dev;
        unsigned fds;

        if (!drop_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &rl) < 0) {
            _exit(2);
        }
        fds = lab_fd_count();
        vfio_sys_reset_counts();
        lab_device_init(&dev);
        if (vfio_attach_device(edu_bdf, &dev, lab_dma_as, &err)) {
            _exit(3);
        }
        printf("# memlock: %s\n", err->message);
        fflush(stdout);
        if (!g_error_matches(err, VFIO_ERROR, ENOMEM) ||
            !strstr(err->message, "RLIMIT_MEMLOCK is 64 KiB") ||
            !strstr(err->message, "pins all 4096 KiB of guest RAM, 4032 KiB more")) {
            _exit(4);
        }
        vfio_device_clear(&dev);
        g_error_free(err);
        _exit(lab_fd_count() == fds && lab_live_mappings() == 0 ? 0 : 5);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

static void test_fault_sweep(void)
{
    unsigned fds = lab_fd_count();
    unsigned n, failures = 0;

    /* Fail the N-th syscall of attach (and the mappings it makes) for N = 1, 2, ... until
     * attach gets through untouched. */
    for (n = 1; n < 400; n++) {
        g_autoptr(GError) err = NULL;
        VFIODevice dev;
        bool ok, fired;

        vfio_sys_reset_counts();
        lab_device_init(&dev);
        vfio_sys_fail_nth(VFIO_SYS_ANY, n, EIO);
        ok = vfio_attach_device(edu_bdf, &dev, lab_dma_as, &err);
        fired = vfio_sys_fail_fired();
        vfio_sys_fail_nth(VFIO_SYS_ANY, 0, 0);
        if (ok) {
            vfio_detach_device(&dev);
            vfio_device_clear(&dev);
            g_assert_cmpint(lab_live_mappings(), ==, 0);
            g_assert_cmpuint(lab_fd_count(), ==, fds);
            if (!fired) {
                break;
            }
            g_test_message("call %u failed and attach recovered", n);
            continue;
        }
        failures++;
        g_assert_true(fired);
        g_assert_nonnull(err);
        g_assert_cmpuint(strlen(err->message), >, 10);
        g_assert_null(strchr(err->message, '\n'));
        if (n <= 3 || n % 10 == 0) {
            g_test_message("call %u: %s", n, err->message);
        }
        vfio_device_clear(&dev);
        g_assert_cmpuint(lab_fd_count(), ==, fds);
        g_assert_cmpint(lab_live_mappings(), ==, 0);
        g_assert_cmpuint(vfio_device_count(), ==, 0);
    }
    g_test_message("attach makes %u syscalls; %u injected failures all failed cleanly", n - 1,
                   failures);
    g_assert_cmpuint(n, <, 400);
    g_assert_cmpuint(failures, >, 5);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--backend") == 0) {
        backend = argv[2];
        argv[2] = argv[0];
        argv += 2;
        argc -= 2;
    }
    if (strcmp(backend, "iommufd") == 0) {
        g_autoptr(GError) err = NULL;

        /* One object for every device; open /dev/iommu now so fd counts stay level. */
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
    edu_bdf = g_getenv("LAB_EDU");
    nvme_bdf = g_getenv("LAB_NVME");
    if (!edu_bdf || !nvme_bdf || !g_getenv("LAB_EDU_RP") || !g_getenv("LAB_EDU_MF") ||
        !g_getenv("LAB_EDU_MF_PEER")) {
        /* The lab makes them present: a missing one is a defect, not a skip. */
        printf("Bail out! LAB_EDU, LAB_NVME, LAB_EDU_RP, LAB_EDU_MF and LAB_EDU_MF_PEER must be set (run inside scripts/lab/run)\n");
        return 1;
    }
    lab_guest_ram_build();
    g_test_add_func("/vfio/lab/edu-dma", test_edu_dma);
    g_test_add_func("/vfio/lab/overlay", test_overlay);
    g_test_add_func("/vfio/lab/irq", test_irq);
    g_test_add_func("/vfio/lab/shared-container", test_shared_container);
    g_test_add_func("/vfio/lab/mdev", test_mdev);
    g_test_add_func("/vfio/lab/dirty-tracking", test_dirty_tracking);
    g_test_add_func("/vfio/lab/p2p-ram-device", test_p2p_ram_device);
    g_test_add_func("/vfio/lab/hot-reset", test_hot_reset);
    g_test_add_func("/vfio/lab/system-reset", test_system_reset);
    g_test_add_func("/vfio/lab/region-exclude", test_region_exclude);
    g_test_add_func("/vfio/lab/kvm-device", test_kvm_device);
    g_test_add_func("/vfio/lab/errors", test_errors);
    g_test_add_func("/vfio/lab/group-not-viable", test_group_not_viable);
    g_test_add_func("/vfio/lab/memlock", test_memlock);
    g_test_add_func("/vfio/lab/fault-sweep", test_fault_sweep);
    return g_test_run();
}
