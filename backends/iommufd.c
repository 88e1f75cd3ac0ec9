/*
 * The iommufd backend object (-object iommufd): holds one /dev/iommu fd, opened on first use
 * or passed by the management (fd=), shared by every VFIO device naming it, and wraps the
 * iommufd ioctls the VFIO iommufd container makes (all through the VFIO syscall seam).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <linux/iommufd.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-sys.h"
#include "monitor/monitor.h"
#include "qom/object.h"
#include "system/fd-limit.h"
#include "system/iommufd.h"
#include "trace.h"

struct _HdIommufdBackend {
    HdUserObject parent;
    char *fd_name;  /* the "fd" property as given, or NULL */
    int fd;         /* -1 until resolved (passed) or opened (first connect) */
    bool passed;    /* fd came from the "fd" property */
    unsigned users;
    char *what;     /* "iommufd 'ID'" */
};

G_DEFINE_FINAL_TYPE(HdIommufdBackend, hd_iommufd_backend, HD_TYPE_USER_OBJECT)

enum {
    PROP_0,
    PROP_FD,
};

static void iommufd_set_property(GObject *obj, guint prop_id, const GValue *value,
                                 GParamSpec *pspec)
{
    HdIommufdBackend *be = HD_IOMMUFD_BACKEND(obj);

    if (prop_id == PROP_FD) {
        g_free(be->fd_name);
        be->fd_name = g_value_dup_string(value);
    } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void iommufd_get_property(GObject *obj, guint prop_id, GValue *value, GParamSpec *pspec)
{
    HdIommufdBackend *be = HD_IOMMUFD_BACKEND(obj);

    if (prop_id == PROP_FD) {
        g_value_set_string(value, be->fd_name);
    } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

const char *iommufd_backend_describe(HdIommufdBackend *be)
{
    if (!be->what) {
        const char *id = hd_user_object_get_id(HD_USER_OBJECT(be));

        be->what = id ? g_strdup_printf("iommufd '%s'", id) : g_strdup("iommufd");
    }
    return be->what;
}

/* Adopt the passed fd: a number, a getfd name or /dev/fdset/N (monitor_fd_get dups it). */
static bool iommufd_complete(HdUserObject *obj, GError **errp)
{
    HdIommufdBackend *be = HD_IOMMUFD_BACKEND(obj);
    GError *err = NULL;
    int fd;

    if (!be->fd_name || be->fd >= 0) {
        return true;
    }
    fd = monitor_fd_get(be->fd_name, &err);
    if (fd < 0) {
        g_set_error(errp, VFIO_ERROR, EBADF, "%s: cannot use fd '%s': %s",
                    iommufd_backend_describe(be), be->fd_name, err->message);
        g_error_free(err);
        return false;
    }
    be->fd = fd;
    be->passed = true;
    trace_iommufd_backend_adopt(iommufd_backend_describe(be), be->fd_name, fd);
    return true;
}

static void iommufd_finalize(GObject *obj)
{
    HdIommufdBackend *be = HD_IOMMUFD_BACKEND(obj);

    if (be->users) {
        g_critical("%s finalized with %u users", iommufd_backend_describe(be), be->users);
    }
    if (be->fd >= 0) {
        /* Ours either way: opened here, or monitor_fd_get()'s duplicate of a passed fd. */
        trace_iommufd_backend_close(iommufd_backend_describe(be), be->fd);
        vfio_sys_close(be->fd);
        be->fd = -1;
    }
    g_free(be->fd_name);
    g_free(be->what);
    G_OBJECT_CLASS(hd_iommufd_backend_parent_class)->finalize(obj);
}

static void hd_iommufd_backend_class_init(HdIommufdBackendClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);

    oc->set_property = iommufd_set_property;
    oc->get_property = iommufd_get_property;
    oc->finalize = iommufd_finalize;
    HD_USER_OBJECT_CLASS(klass)->complete = iommufd_complete;
    HD_USER_OBJECT_CLASS(klass)->description =
        "iommufd handle (/dev/iommu) shared by VFIO devices (vfio-pci iommufd=ID)";
    g_object_class_install_property(oc, PROP_FD,
        g_param_spec_string("fd", NULL,
                            "an open /dev/iommu fd: a number, a getfd name or /dev/fdset/N",
                            NULL,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
}

static void hd_iommufd_backend_init(HdIommufdBackend *be)
{
    be->fd = -1;
}

void iommufd_register_types(void)
{
    hd_type_register("iommufd", HD_TYPE_IOMMUFD_BACKEND);
}

/* --- users --- */

static void open_error(HdIommufdBackend *be, int err, GError **errp)
{
    const char *what = iommufd_backend_describe(be);

    switch (err) {
    case -ENOENT:
    case -ENODEV:
    case -ENXIO:
        g_set_error(errp, VFIO_ERROR, -err,
                    "%s: cannot open " IOMMUFD_DEVICE_PATH ": %s; the kernel needs CONFIG_IOMMUFD (modprobe iommufd, or a kernel built with it), or use the legacy VFIO backend (drop iommufd=)",
                    what, g_strerror(-err));
        break;
    case -EACCES:
    case -EPERM:
        g_set_error(errp, VFIO_ERROR, -err,
                    "%s: cannot open " IOMMUFD_DEVICE_PATH ": %s; give this user access to it or pass an open fd (-object iommufd,id=ID,fd=N)",
                    what, g_strerror(-err));
        break;
    default: {
        g_autofree char *advice = hd_fd_limit_advice(-err);

        g_set_error(errp, VFIO_ERROR, -err, "%s: cannot open " IOMMUFD_DEVICE_PATH ": %s%s%s",
                    what, g_strerror(-err), advice ? "; " : "", advice ? advice : "");
        break;
    }
    }
}

bool iommufd_backend_connect(HdIommufdBackend *be, GError **errp)
{
    g_return_val_if_fail(HD_IS_IOMMUFD_BACKEND(be), false);

    if (be->fd_name && be->fd < 0) {
        /* Not completed yet (an object made by a test): resolve the fd now. */
        if (!iommufd_complete(HD_USER_OBJECT(be), errp)) {
            return false;
        }
    }
    if (be->fd < 0) {
        int fd = vfio_sys_open(IOMMUFD_DEVICE_PATH, O_RDWR | O_CLOEXEC);

        if (fd < 0) {
            trace_iommufd_backend_open_failed(iommufd_backend_describe(be), fd);
            open_error(be, fd, errp);
            return false;
        }
        be->fd = fd;
        trace_iommufd_backend_open(iommufd_backend_describe(be), fd);
    }
    be->users++;
    trace_iommufd_backend_connect(iommufd_backend_describe(be), be->fd, be->users);
    return true;
}

void iommufd_backend_disconnect(HdIommufdBackend *be)
{
    g_return_if_fail(HD_IS_IOMMUFD_BACKEND(be));
    g_return_if_fail(be->users > 0);
    be->users--;
    trace_iommufd_backend_disconnect(iommufd_backend_describe(be), be->users);
}

unsigned iommufd_backend_users(HdIommufdBackend *be)
{
    return be->users;
}

int iommufd_backend_get_fd(HdIommufdBackend *be)
{
    return be->fd;
}

bool iommufd_backend_fd_passed(HdIommufdBackend *be)
{
    return be->passed;
}

/* --- ioctls --- */

static int be_ioctl(HdIommufdBackend *be, unsigned long request, void *arg)
{
    int ret;

    if (be->fd < 0) {
        return -EBADF;
    }
    ret = vfio_sys_ioctl(be->fd, request, arg);
    return ret < 0 ? ret : 0;
}

int iommufd_backend_alloc_ioas(HdIommufdBackend *be, uint32_t *ioas_id)
{
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    int ret = be_ioctl(be, IOMMU_IOAS_ALLOC, &alloc);

    *ioas_id = ret == 0 ? alloc.out_ioas_id : 0;
    trace_iommufd_backend_alloc_ioas(be->fd, *ioas_id, ret);
    return ret;
}

int iommufd_backend_free_id(HdIommufdBackend *be, uint32_t id)
{
    struct iommu_destroy destroy = { .size = sizeof(destroy), .id = id };
    int ret = be_ioctl(be, IOMMU_DESTROY, &destroy);

    trace_iommufd_backend_free_id(be->fd, id, ret);
    return ret;
}

int iommufd_backend_map_dma(HdIommufdBackend *be, uint32_t ioas_id, uint64_t iova,
                            uint64_t size, void *vaddr, bool readonly)
{
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 (readonly ? 0 : IOMMU_IOAS_MAP_WRITEABLE),
        .ioas_id = ioas_id,
        .user_va = (uintptr_t)vaddr,
        .length = size,
        .iova = iova,
    };
    int ret = be_ioctl(be, IOMMU_IOAS_MAP, &map);

    trace_iommufd_backend_map_dma(be->fd, ioas_id, iova, size, vaddr, readonly, ret);
    return ret;
}

int iommufd_backend_unmap_dma(HdIommufdBackend *be, uint32_t ioas_id, uint64_t iova,
                              uint64_t size)
{
    struct iommu_ioas_unmap unmap = {
        .size = sizeof(unmap),
        .ioas_id = ioas_id,
        .iova = iova,
        .length = size,
    };
    int ret = be_ioctl(be, IOMMU_IOAS_UNMAP, &unmap);

    trace_iommufd_backend_unmap_dma(be->fd, ioas_id, iova, size, ret);
    if (ret == 0 && unmap.length != size) {
        /* The ranges given always match earlier maps: anything else is a kernel surprise. */
        return -EIO;
    }
    return ret;
}

int iommufd_backend_get_iova_ranges(HdIommufdBackend *be, uint32_t ioas_id, GArray **ranges,
                                    uint64_t *alignment)
{
    g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(struct iommu_iova_range));
    struct iommu_ioas_iova_ranges q = {
        .size = sizeof(q),
        .ioas_id = ioas_id,
    };
    int ret;

    /* Ask with room for a few; the kernel says how many there are when that is too few. */
    g_array_set_size(out, 4);
    for (int tries = 0; tries < 4; tries++) {
        q.num_iovas = out->len;
        q.allowed_iovas = (uintptr_t)out->data;
        ret = be_ioctl(be, IOMMU_IOAS_IOVA_RANGES, &q);
        if (ret != -EMSGSIZE) {
            break;
        }
        g_array_set_size(out, q.num_iovas);
    }
    trace_iommufd_backend_iova_ranges(be->fd, ioas_id, q.num_iovas, q.out_iova_alignment, ret);
    if (ret < 0) {
        return ret;
    }
    g_array_set_size(out, MIN(q.num_iovas, out->len));
    *alignment = q.out_iova_alignment;
    *ranges = g_steal_pointer(&out);
    return 0;
}

int iommufd_backend_get_hw_info(HdIommufdBackend *be, uint32_t devid, uint32_t *type,
                                uint64_t *caps)
{
    struct iommu_hw_info info = {
        .size = sizeof(info),
        .dev_id = devid,
    };
    int ret = be_ioctl(be, IOMMU_GET_HW_INFO, &info);

    *type = ret == 0 ? info.out_data_type : IOMMU_HW_INFO_TYPE_NONE;
    *caps = ret == 0 ? info.out_capabilities : 0;
    trace_iommufd_backend_hw_info(be->fd, devid, *type, *caps, ret);
    return ret;
}

int iommufd_backend_alloc_hwpt(HdIommufdBackend *be, uint32_t devid, uint32_t pt_id,
                               uint32_t flags, uint32_t *hwpt_id)
{
    struct iommu_hwpt_alloc alloc = {
        .size = sizeof(alloc),
        .flags = flags,
        .dev_id = devid,
        .pt_id = pt_id,
        .data_type = IOMMU_HWPT_DATA_NONE,
    };
    int ret = be_ioctl(be, IOMMU_HWPT_ALLOC, &alloc);

    *hwpt_id = ret == 0 ? alloc.out_hwpt_id : 0;
    trace_iommufd_backend_alloc_hwpt(be->fd, devid, pt_id, flags, *hwpt_id, ret);
    return ret;
}

int iommufd_backend_set_dirty_tracking(HdIommufdBackend *be, uint32_t hwpt_id, bool start)
{
    struct iommu_hwpt_set_dirty_tracking set = {
        .size = sizeof(set),
        .flags = start ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
        .hwpt_id = hwpt_id,
    };
    int ret = be_ioctl(be, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);

    trace_iommufd_backend_set_dirty_tracking(be->fd, hwpt_id, start, ret);
    return ret;
}

int iommufd_backend_get_dirty_bitmap(HdIommufdBackend *be, uint32_t hwpt_id, uint64_t iova,
                                     uint64_t size, uint64_t page_size, uint64_t *bitmap)
{
    struct iommu_hwpt_get_dirty_bitmap get = {
        .size = sizeof(get),
        .hwpt_id = hwpt_id,
        .iova = iova,
        .length = size,
        .page_size = page_size,
        .data = (uintptr_t)bitmap,
    };
    int ret = be_ioctl(be, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);

    trace_iommufd_backend_get_dirty_bitmap(be->fd, hwpt_id, iova, size, page_size, ret);
    return ret;
}
