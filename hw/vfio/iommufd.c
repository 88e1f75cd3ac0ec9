/*
 * VFIO iommufd backend: one IOAS per address space and iommufd object, devices opened as
 * cdevs (/dev/vfio/devices/vfioN, or an fd the management passed), bound to the iommufd and
 * attached to the IOAS or to a dirty-tracking HWPT; hot reset proven by the iommufd context.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-container-base.h"
#include "hw/vfio/vfio-sys.h"
#include "system/fd-limit.h"
#include "system/iommufd.h"
#include "trace.h"
#include "vfio-backends.h"

#define VFIO_TYPE_IOMMUFD_CONTAINER (vfio_iommufd_container_get_type())
G_DECLARE_FINAL_TYPE(VFIOIommufdContainer, vfio_iommufd_container, VFIO, IOMMUFD_CONTAINER,
                     VFIOContainer)

/* A hardware page table allocated on the IOAS (for dirty tracking). */
typedef struct IommufdHwpt {
    uint32_t id;
    uint32_t flags; /* IOMMU_HWPT_ALLOC_* */
    unsigned users;
} IommufdHwpt;

struct _VFIOIommufdContainer {
    VFIOContainer parent_instance;
    HdIommufdBackend *be;  /* a reference */
    uint32_t ioas_id;
    bool has_ioas;
    GList *hwpts;          /* IommufdHwpt * */
    GHashTable *dev_hwpt;  /* VFIODevice * -> IommufdHwpt *; absent: attached to the IOAS */
    unsigned ioas_users;   /* devices attached to the IOAS itself (kernel-chosen domain) */
    bool dirty_tracking;   /* set_dirty_page_tracking(true) succeeded */
};

G_DEFINE_FINAL_TYPE(VFIOIommufdContainer, vfio_iommufd_container, VFIO_TYPE_CONTAINER)

static uint64_t host_page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);

    return ps > 0 ? (uint64_t)ps : 4096;
}

/* --- kernel-facing ops --- */

static int iommufd_dma_map(VFIOContainer *base, hwaddr iova, uint64_t size, void *vaddr,
                           bool readonly)
{
    VFIOIommufdContainer *c = VFIO_IOMMUFD_CONTAINER(base);

    return iommufd_backend_map_dma(c->be, c->ioas_id, iova, size, vaddr, readonly);
}

static int iommufd_dma_unmap(VFIOContainer *base, hwaddr iova, uint64_t size)
{
    VFIOIommufdContainer *c = VFIO_IOMMUFD_CONTAINER(base);

    return iommufd_backend_unmap_dma(c->be, c->ioas_id, iova, size);
}

/* Dirty tracking works when every device sits on an HWPT allocated with it. */
static bool dirty_supported(VFIOIommufdContainer *c)
{
    if (c->ioas_users || !c->hwpts) {
        return false;
    }
    for (GList *l = c->hwpts; l; l = l->next) {
        IommufdHwpt *hwpt = l->data;

        if (!(hwpt->flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING)) {
            return false;
        }
    }
    return true;
}

static void update_dirty_support(VFIOIommufdContainer *c)
{
    /* The IOMMU reports dirty bits per IOPTE; the kernel accepts any page size from the
     * host's page up. */
    vfio_container_set_dirty_pgsizes(VFIO_CONTAINER(c),
                                     dirty_supported(c) ? ~(host_page_size() - 1) : 0);
}

static int iommufd_set_dirty_page_tracking(VFIOContainer *base, bool start)
{
    VFIOIommufdContainer *c = VFIO_IOMMUFD_CONTAINER(base);
    int ret = 0;
    GList *l;

    if (!dirty_supported(c)) {
        return -ENOTSUP;
    }
    for (l = c->hwpts; l; l = l->next) {
        ret = iommufd_backend_set_dirty_tracking(c->be, ((IommufdHwpt *)l->data)->id, start);
        if (ret < 0) {
            break;
        }
    }
    if (ret < 0 && start) {
        /* Undo the ones switched on: tracking is all or nothing. */
        for (GList *u = c->hwpts; u != l; u = u->next) {
            iommufd_backend_set_dirty_tracking(c->be, ((IommufdHwpt *)u->data)->id, false);
        }
        return ret;
    }
    c->dirty_tracking = start;
    return ret;
}

static int iommufd_query_dirty_bitmap(VFIOContainer *base, hwaddr iova, uint64_t size,
                                      uint64_t pgsize, uint64_t *bitmap)
{
    VFIOIommufdContainer *c = VFIO_IOMMUFD_CONTAINER(base);
    size_t words = (size / pgsize + 63) / 64;
    g_autofree uint64_t *one = NULL;

    if (!dirty_supported(c)) {
        return -ENOTSUP;
    }
    memset(bitmap, 0, words * sizeof(uint64_t));
    one = g_new0(uint64_t, words);
    /* Each HWPT has its own dirty bits: a page is dirty when any device wrote it. */
    for (GList *l = c->hwpts; l; l = l->next) {
        int ret;

        memset(one, 0, words * sizeof(uint64_t));
        ret = iommufd_backend_get_dirty_bitmap(c->be, ((IommufdHwpt *)l->data)->id, iova, size,
                                               pgsize, one);
        if (ret < 0) {
            return ret;
        }
        for (size_t i = 0; i < words; i++) {
            bitmap[i] |= one[i];
        }
    }
    return 0;
}

/* --- device cdev --- */

/* Say why @vbasedev has no vfio-dev directory in sysfs. */
static void no_cdev_error(VFIODevice *vbasedev, const char *name, GError **errp)
{
    const char *sysfs = vbasedev->sysfsdev;
    g_autofree char *link = g_build_filename(sysfs, "driver", NULL);
    char driver[256];
    ssize_t len;

    if (!g_file_test(sysfs, G_FILE_TEST_IS_DIR)) {
        g_set_error(errp, VFIO_ERROR, ENODEV,
                    "the host device does not exist (no %s): check the PCI address or mdev UUID",
                    sysfs);
        return;
    }
    len = vfio_sys_readlink(link, driver, sizeof(driver));
    if (len < 0) {
        g_set_error(errp, VFIO_ERROR, ENODEV,
                    "the host device is not bound to a driver: bind it to vfio-pci (driverctl set-override %s vfio-pci)",
                    name);
        return;
    }
    if (strstr(sysfs, "/bus/pci/")) {
        g_autofree char *drv = g_path_get_basename(driver);

        if (strcmp(drv, "vfio-pci") != 0) {
            g_set_error(errp, VFIO_ERROR, ENODEV,
                        "the host device is bound to %s, not vfio-pci: bind it to vfio-pci (driverctl set-override %s vfio-pci)",
                        drv, name);
            return;
        }
    }
    g_set_error(errp, VFIO_ERROR, ENOENT,
                "the host device has no VFIO device cdev (%s/vfio-dev is missing): the kernel needs CONFIG_VFIO_DEVICE_CDEV=y, or use the legacy VFIO backend (drop iommufd=)",
                sysfs);
}

/* Find and open the device's cdev (/dev/vfio/devices/vfioN). The fd, or -1 with @errp set. */
static int cdev_open(VFIODevice *vbasedev, const char *name, GError **errp)
{
    g_autofree char *dir = g_build_filename(vbasedev->sysfsdev, "vfio-dev", NULL);
    g_autofree char *path = NULL;
    const char *entry;
    g_autoptr(GError) dir_err = NULL;
    GDir *d = g_dir_open(dir, 0, &dir_err);
    int fd;

    if (!d && g_error_matches(dir_err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
        no_cdev_error(vbasedev, name, errp);
        return -1;
    }
    if (!d) {
        /* Not a missing cdev: e.g. out of fds (EMFILE) while reading the directory. */
        int err = dir_err->code == G_FILE_ERROR_MFILE ? EMFILE
                : dir_err->code == G_FILE_ERROR_NFILE ? ENFILE : EIO;
        g_autofree char *advice = hd_fd_limit_advice(err);

        g_set_error(errp, VFIO_ERROR, err, "%s%s%s", dir_err->message, advice ? "; " : "",
                    advice ? advice : "");
        return -1;
    }
    while ((entry = g_dir_read_name(d))) {
        if (g_str_has_prefix(entry, "vfio")) {
            path = g_build_filename("/dev/vfio/devices", entry, NULL);
            break;
        }
    }
    g_dir_close(d);
    if (!path) {
        g_set_error(errp, VFIO_ERROR, ENOENT,
                    "the host device has no VFIO device cdev (%s is empty): the kernel needs CONFIG_VFIO_DEVICE_CDEV=y, or use the legacy VFIO backend (drop iommufd=)",
                    dir);
        return -1;
    }
    fd = vfio_sys_open(path, O_RDWR | O_CLOEXEC);
    trace_vfio_iommufd_cdev_open(name, path, fd);
    if (fd >= 0) {
        return fd;
    }
    switch (fd) {
    case -ENOENT:
        g_set_error(errp, VFIO_ERROR, ENOENT,
                    "%s does not exist although sysfs lists it: the kernel needs CONFIG_VFIO_DEVICE_CDEV=y and devtmpfs or udev must create the node",
                    path);
        break;
    case -EACCES:
    case -EPERM:
        g_set_error(errp, VFIO_ERROR, -fd,
                    "cannot open %s: %s; give this user access to it or pass the open cdev (vfio-pci fd=N, as libvirt does)",
                    path, g_strerror(-fd));
        break;
    case -EBUSY:
        g_set_error(errp, VFIO_ERROR, EBUSY,
                    "cannot open %s: %s; the device is in use through its VFIO group (the legacy backend, in this or another program): release it there first",
                    path, g_strerror(-fd));
        break;
    default: {
        g_autofree char *advice = hd_fd_limit_advice(-fd);

        g_set_error(errp, VFIO_ERROR, -fd, "cannot open %s: %s%s%s", path, g_strerror(-fd),
                    advice ? "; " : "", advice ? advice : "");
        break;
    }
    }
    return -1;
}

static bool device_bind(HdIommufdBackend *be, int fd, const char *name, const char *sysfsdev,
                        uint32_t *devid, GError **errp)
{
    struct vfio_device_bind_iommufd bind = {
        .argsz = sizeof(bind),
        .iommufd = iommufd_backend_get_fd(be),
    };
    int ret = vfio_sys_ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);

    trace_vfio_iommufd_bind(name, fd, bind.out_devid, ret);
    if (ret < 0) {
        const char *hint = "";
        int groupid = sysfsdev ? vfio_sysfs_group_id(sysfsdev) : -ENOENT;

        /* A host driver on another device of the group makes the DMA ownership claim fail. */
        if (groupid >= 0 && vfio_group_not_viable_error(groupid, errp)) {
            g_prefix_error(errp, "cannot bind the device to %s: ", iommufd_backend_describe(be));
            return false;
        }
        if (ret == -EBUSY) {
            hint = "; its VFIO group is open (the legacy backend, in this or another program): release it there first";
        } else if (ret == -EINVAL) {
            hint = "; it is already in use (bound to another iommufd, or open through its VFIO group): release it there first";
        }
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot bind the device to %s (VFIO_DEVICE_BIND_IOMMUFD): %s%s",
                    iommufd_backend_describe(be), g_strerror(-ret), hint);
        return false;
    }
    *devid = bind.out_devid;
    return true;
}

static int attach_pt(int fd, uint32_t pt_id)
{
    struct vfio_device_attach_iommufd_pt attach = {
        .argsz = sizeof(attach),
        .pt_id = pt_id,
    };
    int ret = vfio_sys_ioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);

    return ret < 0 ? ret : 0;
}

/* --- containers --- */

static void vfio_iommufd_container_init(VFIOIommufdContainer *c)
{
    c->dev_hwpt = g_hash_table_new(g_direct_hash, g_direct_equal);
}

static void vfio_iommufd_container_finalize(GObject *obj)
{
    VFIOIommufdContainer *c = VFIO_IOMMUFD_CONTAINER(obj);

    trace_vfio_iommufd_container_free(c->ioas_id);
    /* HWPTs hold the IOAS: they go first. */
    for (GList *l = c->hwpts; l; l = l->next) {
        iommufd_backend_free_id(c->be, ((IommufdHwpt *)l->data)->id);
    }
    g_list_free_full(c->hwpts, g_free);
    if (c->has_ioas) {
        iommufd_backend_free_id(c->be, c->ioas_id);
    }
    g_hash_table_destroy(c->dev_hwpt);
    g_clear_object(&c->be);
    G_OBJECT_CLASS(vfio_iommufd_container_parent_class)->finalize(obj);
}

/*
 * Attach the bound device (@fd, @devid) to @c: where its IOMMU tracks dirty pages, to an
 * HWPT allocated with dirty tracking (one the container has, or a new one), else to the IOAS.
 */
static bool attach_to(VFIOIommufdContainer *c, VFIODevice *vbasedev, const char *name, int fd,
                      uint32_t devid, uint64_t caps, GError **errp)
{
    IommufdHwpt *hwpt;
    uint32_t hwpt_id;
    int ret;

    if (caps & IOMMU_HW_CAP_DIRTY_TRACKING) {
        for (GList *l = c->hwpts; l; l = l->next) {
            hwpt = l->data;
            if ((hwpt->flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) && attach_pt(fd, hwpt->id) == 0) {
                hwpt->users++;
                g_hash_table_insert(c->dev_hwpt, vbasedev, hwpt);
                trace_vfio_iommufd_attach(name, devid, c->ioas_id, hwpt->id);
                return true;
            }
        }
        ret = iommufd_backend_alloc_hwpt(c->be, devid, c->ioas_id,
                                         IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt_id);
        if (ret == 0) {
            ret = attach_pt(fd, hwpt_id);
            if (ret == 0 && c->dirty_tracking) {
                ret = iommufd_backend_set_dirty_tracking(c->be, hwpt_id, true);
            }
            if (ret == 0) {
                hwpt = g_new0(IommufdHwpt, 1);
                hwpt->id = hwpt_id;
                hwpt->flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
                hwpt->users = 1;
                c->hwpts = g_list_append(c->hwpts, hwpt);
                g_hash_table_insert(c->dev_hwpt, vbasedev, hwpt);
                trace_vfio_iommufd_attach(name, devid, c->ioas_id, hwpt_id);
                update_dirty_support(c);
                return true;
            }
            iommufd_backend_free_id(c->be, hwpt_id);
        }
        /* Fall back to the kernel's own domain: the device works, without dirty tracking. */
    }
    ret = attach_pt(fd, c->ioas_id);
    trace_vfio_iommufd_attach(name, devid, c->ioas_id, 0);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot attach the device to IO address space %u of %s (VFIO_DEVICE_ATTACH_IOMMUFD_PT): %s",
                    c->ioas_id, iommufd_backend_describe(c->be), g_strerror(-ret));
        return false;
    }
    c->ioas_users++;
    update_dirty_support(c);
    return true;
}

/* Undo attach_to(): detach the device and drop its HWPT when it was the last user. */
static void detach_from(VFIOIommufdContainer *c, VFIODevice *vbasedev, int fd)
{
    struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };
    IommufdHwpt *hwpt = g_hash_table_lookup(c->dev_hwpt, vbasedev);
    int ret = vfio_sys_ioctl(fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);

    trace_vfio_iommufd_detach(vbasedev->name, c->ioas_id, hwpt ? hwpt->id : 0, ret);
    if (!hwpt) {
        c->ioas_users--;
    } else {
        g_hash_table_remove(c->dev_hwpt, vbasedev);
        if (--hwpt->users == 0) {
            c->hwpts = g_list_remove(c->hwpts, hwpt);
            iommufd_backend_free_id(c->be, hwpt->id);
            g_free(hwpt);
        }
    }
    update_dirty_support(c);
}

/* Page sizes and valid IOVA ranges of the IOAS, now that a device narrowed them. */
static void read_ioas_info(VFIOIommufdContainer *c)
{
    VFIOContainer *base = VFIO_CONTAINER(c);
    g_autoptr(GArray) ranges = NULL;
    uint64_t align = 1, pg = host_page_size();
    int ret = iommufd_backend_get_iova_ranges(c->be, c->ioas_id, &ranges, &align);

    if (ret == 0) {
        for (guint i = 0; i < ranges->len; i++) {
            struct iommu_iova_range *r = &g_array_index(ranges, struct iommu_iova_range, i);

            vfio_container_add_iova_range(base, r->start, r->last);
            trace_vfio_iommufd_iova_range(c->ioas_id, r->start, r->last);
        }
    }
    /*
     * iommufd maps any multiple of the host page (and its own alignment, never larger);
     * the IOMMU picks huge pages by itself, so every power of two from there on is fine.
     */
    pg = MAX(pg, align);
    vfio_container_set_pgsizes(base, ~(pg - 1));
}

/* A new container for @space on @be: IOAS, the first device attached, the RAM mapped. */
static VFIOIommufdContainer *container_new(HdIommufdBackend *be, VFIOAddressSpace *space,
                                           VFIODevice *vbasedev, const char *name, int fd,
                                           uint32_t devid, uint64_t caps, GError **errp)
{
    g_autoptr(VFIOIommufdContainer) c = g_object_new(VFIO_TYPE_IOMMUFD_CONTAINER, NULL);
    int ret;

    c->be = g_object_ref(be);
    ret = iommufd_backend_alloc_ioas(be, &c->ioas_id);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot allocate an IO address space in %s (IOMMU_IOAS_ALLOC): %s",
                    iommufd_backend_describe(be), g_strerror(-ret));
        return NULL;
    }
    c->has_ioas = true;
    trace_vfio_iommufd_container_new(iommufd_backend_get_fd(be), c->ioas_id,
                                     address_space_name(vfio_address_space_get_as(space)));
    if (!attach_to(c, vbasedev, name, fd, devid, caps, errp)) {
        return NULL;
    }
    read_ioas_info(c);
    if (!vfio_container_listen(VFIO_CONTAINER(c), space, errp)) {
        detach_from(c, vbasedev, fd);
        return NULL;
    }
    return g_steal_pointer(&c);
}

/* --- attach and detach --- */

static bool iommufd_attach_device(VFIOContainerClass *klass, const char *name,
                                  VFIODevice *vbasedev, VFIOAddressSpace *space, GError **errp)
{
    HdIommufdBackend *be;
    VFIOIommufdContainer *c = NULL;
    bool passed = vbasedev->fd >= 0;
    uint32_t devid, hw_type;
    uint64_t caps;
    int fd, ret;

    (void)klass;
    if (!HD_IS_IOMMUFD_BACKEND(vbasedev->iommufd)) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "iommufd= must name an iommufd object (-object iommufd,id=ID)");
        return false;
    }
    be = HD_IOMMUFD_BACKEND(vbasedev->iommufd);
    for (const GList *l = vfio_device_list(); l; l = l->next) {
        VFIODevice *other = l->data;

        if (!passed && !g_strcmp0(other->name, name)) {
            g_set_error(errp, VFIO_ERROR, EBUSY,
                        "the host device is already assigned to this VM; assign it once");
            return false;
        }
    }
    if (!iommufd_backend_connect(be, errp)) {
        return false;
    }
    fd = passed ? vbasedev->fd : cdev_open(vbasedev, name, errp);
    if (fd < 0) {
        iommufd_backend_disconnect(be);
        return false;
    }
    /* KVM learns of the device before the bind, which hands the device the VM. */
    ret = vfio_kvm_file_add(fd);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot register the device cdev with KVM (KVM_DEV_VFIO_FILE_ADD): %s%s",
                    g_strerror(-ret), vfio_kvm_file_add_hint(-ret));
        if (!passed) {
            vfio_sys_close(fd);
        }
        iommufd_backend_disconnect(be);
        return false;
    }
    if (!device_bind(be, fd, name, vbasedev->sysfsdev, &devid, errp)) {
        goto fail;
    }
    if (iommufd_backend_get_hw_info(be, devid, &hw_type, &caps) < 0) {
        caps = 0;
    }

    /* Share the IOAS of this address space on the same iommufd where the IOMMU allows. */
    for (const GList *l = vfio_address_space_containers(space); l; l = l->next) {
        g_autoptr(GError) err = NULL;

        if (!VFIO_IS_IOMMUFD_CONTAINER(l->data) || VFIO_IOMMUFD_CONTAINER(l->data)->be != be) {
            continue;
        }
        if (attach_to(l->data, vbasedev, name, fd, devid, caps, &err)) {
            c = l->data;
            trace_vfio_iommufd_share(name, c->ioas_id);
            break;
        }
        trace_vfio_iommufd_share_refused(name, VFIO_IOMMUFD_CONTAINER(l->data)->ioas_id,
                                         err->message);
    }
    if (!c) {
        c = container_new(be, space, vbasedev, name, fd, devid, caps, errp);
        if (!c) {
            goto fail;
        }
    }
    vbasedev->fd = fd;
    vbasedev->devid = devid;
    vbasedev->container = VFIO_CONTAINER(c);
    return true;

fail:
    /*
     * The cdev is spent once bound (closing it is the only unbind), so a passed fd is
     * closed too after a failed bind or attach; one refused before that stays the caller's.
     */
    vfio_kvm_file_del(fd);
    vfio_sys_close(fd);
    if (passed) {
        vbasedev->fd = -1;
    }
    iommufd_backend_disconnect(be);
    return false;
}

static void iommufd_detach_device(VFIOContainer *base, VFIODevice *vbasedev)
{
    VFIOIommufdContainer *c = VFIO_IOMMUFD_CONTAINER(base);
    HdIommufdBackend *be = c->be;

    detach_from(c, vbasedev, vbasedev->fd);
    if (vbasedev->fd >= 0) {
        vfio_kvm_file_del(vbasedev->fd);
        /* Closing the cdev unbinds it from the iommufd. */
        vfio_sys_close(vbasedev->fd);
        vbasedev->fd = -1;
    }
    vbasedev->devid = 0;
    if (!vfio_container_devices(base)) {
        g_object_ref(be);
        vfio_container_unlisten(base);
        g_object_unref(c);
        iommufd_backend_disconnect(be);
        g_object_unref(be);
    } else {
        iommufd_backend_disconnect(be);
    }
}

/* --- PCI hot reset --- */

static bool iommufd_pci_hot_reset(VFIOContainer *base, VFIODevice *vbasedev, bool single,
                                  GError **errp)
{
    g_autofree struct vfio_pci_hot_reset_info *info = NULL;
    struct vfio_pci_hot_reset reset = { .argsz = sizeof(reset), .count = 0 };
    int ret = vfio_device_get_hot_reset_info(vbasedev, &info);

    (void)base;
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "the device cannot do a bus or slot reset (VFIO_DEVICE_GET_PCI_HOT_RESET_INFO): %s",
                    g_strerror(-ret));
        return false;
    }
    if (!(info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID)) {
        g_set_error(errp, VFIO_ERROR, ENOTSUP,
                    "the kernel reports no device ids for the bus or slot reset of a cdev-opened device; update the kernel (6.6 or later)");
        return false;
    }
    for (uint32_t i = 0; i < info->count; i++) {
        struct vfio_pci_dependent_device *dep = &info->devices[i];
        g_autofree char *addr = g_strdup_printf("%04x:%02x:%02x.%x", dep->segment, dep->bus,
                                                dep->devfn >> 3, dep->devfn & 7);

        if (single && g_strcmp0(addr, vbasedev->name) != 0) {
            g_set_error(errp, VFIO_ERROR, EBUSY,
                        "a bus or slot reset would also reset %s; reset the devices together or use FLR",
                        addr);
            return false;
        }
        if (dep->devid == (uint32_t)VFIO_PCI_DEVID_NOT_OWNED) {
            g_set_error(errp, VFIO_ERROR, EPERM,
                        "a bus or slot reset also resets %s, which this VM does not hold through the same iommufd; assign it to this VM with the same iommufd= or do without bus reset",
                        addr);
            return false;
        }
    }
    if (!(info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED)) {
        g_set_error(errp, VFIO_ERROR, EPERM,
                    "a bus or slot reset affects devices this VM does not hold through the same iommufd; assign them all with the same iommufd= or do without bus reset");
        return false;
    }
    /* A zero-length group fd array: the kernel checks ownership through the iommufd. */
    ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_PCI_HOT_RESET, &reset);
    trace_vfio_iommufd_hot_reset(vbasedev->name, info->count, ret);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "bus or slot reset failed (VFIO_DEVICE_PCI_HOT_RESET): %s", g_strerror(-ret));
        return false;
    }
    return true;
}

static void vfio_iommufd_container_class_init(VFIOIommufdContainerClass *klass)
{
    VFIOContainerClass *base = VFIO_CONTAINER_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = vfio_iommufd_container_finalize;
    base->backend_name = "iommufd";
    base->dma_merge = true;
    base->attach_device = iommufd_attach_device;
    base->detach_device = iommufd_detach_device;
    base->dma_map = iommufd_dma_map;
    base->dma_unmap = iommufd_dma_unmap;
    base->set_dirty_page_tracking = iommufd_set_dirty_page_tracking;
    base->query_dirty_bitmap = iommufd_query_dirty_bitmap;
    base->pci_hot_reset = iommufd_pci_hot_reset;
}

GType vfio_backend_iommufd_get_type(void)
{
    return vfio_iommufd_container_get_type();
}
