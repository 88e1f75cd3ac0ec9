/*
 * VFIO legacy backend: a /dev/vfio/vfio container per address space holding IOMMU groups
 * (/dev/vfio/N), type1 IOMMU mappings, device fds from the group, dirty bitmaps and PCI hot
 * reset proven with group fds; no-IOMMU groups (/dev/vfio/noiommu-N) with x-no-iommu=on only,
 * in containers of their own that map nothing. Static functions plus a class_init.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/vfio.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-container-base.h"
#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-sys.h"
#include "system/fd-limit.h"
#include "trace.h"
#include "vfio-backends.h"

#define VFIO_TYPE_LEGACY_CONTAINER (vfio_legacy_container_get_type())
G_DECLARE_FINAL_TYPE(VFIOLegacyContainer, vfio_legacy_container, VFIO, LEGACY_CONTAINER,
                     VFIOContainer)

struct _VFIOLegacyContainer {
    VFIOContainer parent_instance;
    int fd;           /* /dev/vfio/vfio, -1 before open */
    int iommu_type;   /* VFIO_TYPE1v2_IOMMU, VFIO_TYPE1_IOMMU or VFIO_NOIOMMU_IOMMU once set */
    bool noiommu;     /* holds no-IOMMU groups only; maps nothing */
    GList *groups;    /* VFIOGroup * */
};

struct VFIOGroup {
    int groupid;
    int fd;                         /* /dev/vfio/N */
    VFIOLegacyContainer *container; /* the container it is set into */
    GQueue devices;                 /* VFIODevice.group_link */
    bool kvm_added;                 /* registered with KVM's VFIO device */
    bool noiommu;                   /* /dev/vfio/noiommu-N: no IOMMU behind it */
};

G_DEFINE_FINAL_TYPE(VFIOLegacyContainer, vfio_legacy_container, VFIO_TYPE_CONTAINER)

static GList *groups; /* every open VFIOGroup */

/* --- kernel-facing ops --- */

static int legacy_dma_map(VFIOContainer *base, hwaddr iova, uint64_t size, void *vaddr,
                          bool readonly)
{
    VFIOLegacyContainer *c = VFIO_LEGACY_CONTAINER(base);
    struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof(map),
        .flags = VFIO_DMA_MAP_FLAG_READ | (readonly ? 0 : VFIO_DMA_MAP_FLAG_WRITE),
        .vaddr = (uintptr_t)vaddr,
        .iova = iova,
        .size = size,
    };
    int ret = vfio_sys_ioctl(c->fd, VFIO_IOMMU_MAP_DMA, &map);

    return ret < 0 ? ret : 0;
}

static int legacy_dma_unmap(VFIOContainer *base, hwaddr iova, uint64_t size)
{
    VFIOLegacyContainer *c = VFIO_LEGACY_CONTAINER(base);
    struct vfio_iommu_type1_dma_unmap unmap = {
        .argsz = sizeof(unmap),
        .iova = iova,
        .size = size,
    };
    int ret = vfio_sys_ioctl(c->fd, VFIO_IOMMU_UNMAP_DMA, &unmap);

    if (ret < 0) {
        return ret;
    }
    return unmap.size == size ? 0 : -EIO;
}

static int legacy_set_dirty_page_tracking(VFIOContainer *base, bool start)
{
    VFIOLegacyContainer *c = VFIO_LEGACY_CONTAINER(base);
    struct vfio_iommu_type1_dirty_bitmap dirty = {
        .argsz = sizeof(dirty),
        .flags = start ? VFIO_IOMMU_DIRTY_PAGES_FLAG_START : VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
    };
    int ret = vfio_sys_ioctl(c->fd, VFIO_IOMMU_DIRTY_PAGES, &dirty);

    return ret < 0 ? ret : 0;
}

static int legacy_query_dirty_bitmap(VFIOContainer *base, hwaddr iova, uint64_t size,
                                     uint64_t pgsize, uint64_t *bitmap)
{
    VFIOLegacyContainer *c = VFIO_LEGACY_CONTAINER(base);
    uint64_t npages = size / pgsize;
    struct {
        struct vfio_iommu_type1_dirty_bitmap hdr;
        struct vfio_iommu_type1_dirty_bitmap_get get;
    } q = {
        .hdr = {
            .argsz = sizeof(q),
            .flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
        },
        .get = {
            .iova = iova,
            .size = size,
            .bitmap = {
                .pgsize = pgsize,
                .size = (npages + 63) / 64 * sizeof(uint64_t),
                .data = (__u64 *)bitmap,
            },
        },
    };
    int ret = vfio_sys_ioctl(c->fd, VFIO_IOMMU_DIRTY_PAGES, &q);

    return ret < 0 ? ret : 0;
}

/* --- IOMMU info --- */

/* Page sizes, valid IOVA ranges, DMA mapping limit and dirty tracking from GET_INFO. */
static int read_iommu_info(VFIOLegacyContainer *c)
{
    VFIOContainer *base = VFIO_CONTAINER(c);
    size_t argsz = sizeof(struct vfio_iommu_type1_info);
    g_autofree struct vfio_iommu_type1_info *info = NULL;
    struct vfio_iommu_type1_info_cap_iova_range *ranges;
    struct vfio_iommu_type1_info_cap_migration *mig;
    struct vfio_iommu_type1_info_dma_avail *avail;
    int ret;

    for (int tries = 0;; tries++) {
        g_free(info);
        info = g_malloc0(argsz);
        info->argsz = argsz;
        ret = vfio_sys_ioctl(c->fd, VFIO_IOMMU_GET_INFO, info);
        if (ret < 0) {
            return ret;
        }
        if (info->argsz <= argsz || tries == 3) {
            break;
        }
        argsz = info->argsz;
    }
    if (info->flags & VFIO_IOMMU_INFO_PGSIZES) {
        vfio_container_set_pgsizes(base, info->iova_pgsizes);
    }
    if (!(info->flags & VFIO_IOMMU_INFO_CAPS) || info->argsz > argsz) {
        return 0;
    }
    ranges = (void *)vfio_find_cap(info, argsz, info->cap_offset,
                                   VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
    if (ranges && (uint8_t *)(ranges + 1) <= (uint8_t *)info + argsz) {
        for (uint32_t i = 0; i < ranges->nr_iovas; i++) {
            if ((uint8_t *)&ranges->iova_ranges[i + 1] > (uint8_t *)info + argsz) {
                break;
            }
            vfio_container_add_iova_range(base, ranges->iova_ranges[i].start,
                                          ranges->iova_ranges[i].end);
            trace_vfio_legacy_iova_range(ranges->iova_ranges[i].start,
                                         ranges->iova_ranges[i].end);
        }
    }
    mig = (void *)vfio_find_cap(info, argsz, info->cap_offset,
                                VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
    if (mig && (uint8_t *)(mig + 1) <= (uint8_t *)info + argsz) {
        vfio_container_set_dirty_pgsizes(base, mig->pgsize_bitmap);
    }
    avail = (void *)vfio_find_cap(info, argsz, info->cap_offset,
                                  VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
    if (avail && (uint8_t *)(avail + 1) <= (uint8_t *)info + argsz) {
        vfio_container_set_dma_max_mappings(base, avail->avail);
    }
    trace_vfio_legacy_iommu_info(vfio_container_get_pgsizes(base),
                                 vfio_container_get_dirty_pgsizes(base),
                                 vfio_container_get_dma_max_mappings(base));
    return 0;
}

/* --- containers --- */

static void vfio_legacy_container_init(VFIOLegacyContainer *c)
{
    c->fd = -1;
}

static void vfio_legacy_container_finalize(GObject *obj)
{
    VFIOLegacyContainer *c = VFIO_LEGACY_CONTAINER(obj);

    if (c->fd >= 0) {
        vfio_sys_close(c->fd);
    }
    g_list_free(c->groups);
    G_OBJECT_CLASS(vfio_legacy_container_parent_class)->finalize(obj);
}

/* Take @group out of its container; the container goes with its last group. */
static void group_leave_container(VFIOGroup *group)
{
    VFIOLegacyContainer *c = group->container;
    int ret;

    if (!c) {
        return;
    }
    c->groups = g_list_remove(c->groups, group);
    if (!c->groups) {
        /* Unmap while the IOMMU still exists: it goes with the last group. */
        vfio_container_unlisten(VFIO_CONTAINER(c));
    }
    ret = vfio_sys_ioctl(group->fd, VFIO_GROUP_UNSET_CONTAINER, NULL);
    trace_vfio_legacy_group_unset_container(group->groupid, ret);
    group->container = NULL;
    if (!c->groups) {
        trace_vfio_legacy_container_free(c->fd);
        g_object_unref(c);
    }
}

/*
 * The last step of a new container @c holding @group: list it in @space (which starts its
 * memory listener, unless it maps nothing); on failure @group leaves it again.
 */
static bool container_list(VFIOLegacyContainer *c, VFIOGroup *group, VFIOAddressSpace *space,
                           GError **errp)
{
    group->container = c;
    c->groups = g_list_append(c->groups, group);
    if (!vfio_container_listen(VFIO_CONTAINER(c), space, errp)) {
        c->groups = g_list_remove(c->groups, group);
        group->container = NULL;
        vfio_sys_ioctl(group->fd, VFIO_GROUP_UNSET_CONTAINER, NULL);
        return false;
    }
    return true;
}

/*
 * Finish @c (opened, API checked; consumed) for the no-IOMMU @group: the kernel must offer
 * VFIO_NOIOMMU_IOMMU (vfio.enable_unsafe_noiommu_mode=1); there is no IOMMU info and nothing
 * to map, so the container is listed in @space without a memory listener.
 */
static VFIOLegacyContainer *noiommu_container_setup(VFIOLegacyContainer *c_in, VFIOGroup *group,
                                                   VFIOAddressSpace *space, GError **errp)
{
    g_autoptr(VFIOLegacyContainer) c = c_in;
    int ret = vfio_sys_ioctl_int(c->fd, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU);

    if (ret != 1) {
        g_set_error(errp, VFIO_ERROR, ret < 0 ? -ret : ENOTSUP,
                    "the kernel's VFIO does not offer the no-IOMMU driver for group %d (CHECK_EXTENSION: %s); load vfio with enable_unsafe_noiommu_mode=1",
                    group->groupid, ret < 0 ? g_strerror(-ret) : "not supported");
        return NULL;
    }
    ret = vfio_sys_ioctl(group->fd, VFIO_GROUP_SET_CONTAINER, &c->fd);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot put no-IOMMU group %d into a new container (VFIO_GROUP_SET_CONTAINER): %s",
                    group->groupid, g_strerror(-ret));
        return NULL;
    }
    c->iommu_type = VFIO_NOIOMMU_IOMMU;
    ret = vfio_sys_ioctl_int(c->fd, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot set the no-IOMMU driver for group %d (VFIO_SET_IOMMU): %s",
                    group->groupid, g_strerror(-ret));
        vfio_sys_ioctl(group->fd, VFIO_GROUP_UNSET_CONTAINER, NULL);
        return NULL;
    }
    c->noiommu = true;
    vfio_container_set_no_dma(VFIO_CONTAINER(c));
    if (!container_list(c, group, space, errp)) {
        return NULL;
    }
    trace_vfio_legacy_container_new(c->fd, group->groupid, "noiommu");
    return g_steal_pointer(&c);
}

/* Open /dev/vfio/vfio, check the API, put @group in it, set the IOMMU type, read the IOMMU
 * info and start mapping @space. */
static VFIOLegacyContainer *container_new(VFIOGroup *group, VFIOAddressSpace *space,
                                          GError **errp)
{
    g_autoptr(VFIOLegacyContainer) c = g_object_new(VFIO_TYPE_LEGACY_CONTAINER, NULL);
    int ret;

    ret = vfio_sys_open("/dev/vfio/vfio", O_RDWR);
    if (ret < 0) {
        g_autofree char *advice = hd_fd_limit_advice(-ret);

        if (advice) {
            g_set_error(errp, VFIO_ERROR, -ret, "cannot open /dev/vfio/vfio: %s; %s",
                        g_strerror(-ret), advice);
            return NULL;
        }
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot open /dev/vfio/vfio: %s; load the vfio module (modprobe vfio-pci) and check the permissions of /dev/vfio/vfio",
                    g_strerror(-ret));
        return NULL;
    }
    c->fd = ret;
    ret = vfio_sys_ioctl(c->fd, VFIO_GET_API_VERSION, NULL);
    if (ret != VFIO_API_VERSION) {
        g_set_error(errp, VFIO_ERROR, ret < 0 ? -ret : EINVAL,
                    "/dev/vfio/vfio speaks VFIO API %d, hostdev needs %d%s%s",
                    ret, VFIO_API_VERSION, ret < 0 ? ": " : "",
                    ret < 0 ? g_strerror(-ret) : "");
        return NULL;
    }
    if (group->noiommu) {
        return noiommu_container_setup(g_steal_pointer(&c), group, space, errp);
    }
    ret = vfio_sys_ioctl_int(c->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU);
    if (ret == 1) {
        c->iommu_type = VFIO_TYPE1v2_IOMMU;
    } else {
        ret = vfio_sys_ioctl_int(c->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU);
        if (ret != 1) {
            g_set_error(errp, VFIO_ERROR, ret < 0 ? -ret : ENOTSUP,
                        "the kernel's VFIO has no type1 IOMMU driver (CHECK_EXTENSION: %s); load vfio_iommu_type1 or use iommufd",
                        ret < 0 ? g_strerror(-ret) : "not supported");
            return NULL;
        }
        c->iommu_type = VFIO_TYPE1_IOMMU;
    }
    ret = vfio_sys_ioctl(group->fd, VFIO_GROUP_SET_CONTAINER, &c->fd);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot put IOMMU group %d into a new container (VFIO_GROUP_SET_CONTAINER): %s",
                    group->groupid, g_strerror(-ret));
        return NULL;
    }
    ret = vfio_sys_ioctl_int(c->fd, VFIO_SET_IOMMU, c->iommu_type);
    if (ret < 0 && c->iommu_type == VFIO_TYPE1v2_IOMMU) {
        /* Fall back to type1 where v2 is refused. */
        c->iommu_type = VFIO_TYPE1_IOMMU;
        ret = vfio_sys_ioctl_int(c->fd, VFIO_SET_IOMMU, c->iommu_type);
    }
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot set up the type1 IOMMU for group %d (VFIO_SET_IOMMU): %s; is the IOMMU enabled (intel_iommu=on / amd_iommu=on)?",
                    group->groupid, g_strerror(-ret));
        vfio_sys_ioctl(group->fd, VFIO_GROUP_UNSET_CONTAINER, NULL);
        return NULL;
    }
    ret = read_iommu_info(c);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot read the IOMMU info of group %d's container (VFIO_IOMMU_GET_INFO): %s",
                    group->groupid, g_strerror(-ret));
        vfio_sys_ioctl(group->fd, VFIO_GROUP_UNSET_CONTAINER, NULL);
        return NULL;
    }
    if (!container_list(c, group, space, errp)) {
        return NULL;
    }
    trace_vfio_legacy_container_new(c->fd, group->groupid,
                                    c->iommu_type == VFIO_TYPE1v2_IOMMU ? "type1v2" : "type1");
    return g_steal_pointer(&c);
}

/* Put @group into a legacy container of @space, sharing one when the kernel allows. */
static bool group_connect(VFIOGroup *group, VFIOAddressSpace *space, GError **errp)
{
    for (const GList *l = vfio_address_space_containers(space); l; l = l->next) {
        VFIOLegacyContainer *c;

        if (!VFIO_IS_LEGACY_CONTAINER(l->data)) {
            continue;
        }
        c = l->data;
        if (c->noiommu != group->noiommu) {
            continue; /* the kernel keeps no-IOMMU groups apart; so do we */
        }
        if (vfio_sys_ioctl(group->fd, VFIO_GROUP_SET_CONTAINER, &c->fd) == 0) {
            group->container = c;
            c->groups = g_list_append(c->groups, group);
            trace_vfio_legacy_group_share_container(group->groupid, c->fd);
            return true;
        }
    }
    return container_new(group, space, errp) != NULL;
}

/* --- groups --- */

/* The IOMMU group number of @sysfsdev, or -errno with @errp set. */
static int group_id_of(const char *sysfsdev, const char *name, GError **errp)
{
    g_autofree char *link = g_build_filename(sysfsdev, "iommu_group", NULL);
    char target[4096];
    const char *base;
    char *end;
    long id;
    ssize_t n = vfio_sys_readlink(link, target, sizeof(target));

    if (n < 0) {
        if (!g_file_test(sysfsdev, G_FILE_TEST_EXISTS)) {
            g_set_error(errp, VFIO_ERROR, ENODEV,
                        "no host device %s (%s does not exist); check the address with lspci -D or the mdev UUID in /sys/bus/mdev/devices",
                        name, sysfsdev);
        } else if (n == -ENOENT) {
            g_set_error(errp, VFIO_ERROR, ENOENT,
                        "cannot find the IOMMU group of %s (%s: %s); enable the IOMMU (intel_iommu=on or amd_iommu=on) or use an mdev",
                        name, link, g_strerror(ENOENT));
        } else {
            g_set_error(errp, VFIO_ERROR, (int)-n, "cannot read the IOMMU group of %s (%s: %s)",
                        name, link, g_strerror((int)-n));
        }
        return n < 0 ? (int)n : -ENODEV;
    }
    base = strrchr(target, '/');
    base = base ? base + 1 : target;
    id = strtol(base, &end, 10);
    if (end == base || *end || id < 0 || id > INT32_MAX) {
        g_set_error(errp, VFIO_ERROR, EINVAL, "%s points to '%s', not an IOMMU group", link,
                    target);
        return -EINVAL;
    }
    return (int)id;
}

/*
 * Whether the IOMMU group of @sysfsdev is one VFIO made up for no-IOMMU mode: its sysfs
 * name is "vfio-noiommu" (the kernel then offers /dev/vfio/noiommu-N, not /dev/vfio/N).
 * VFIO names the groups it makes up for mdevs (emulated IOMMU, /dev/vfio/N) the same way:
 * a device with an mdev_type is one of those.
 */
static bool group_is_noiommu(const char *sysfsdev)
{
    g_autofree char *path = g_build_filename(sysfsdev, "iommu_group", "name", NULL);
    g_autofree char *mdev_type = g_build_filename(sysfsdev, "mdev_type", NULL);
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        g_file_test(mdev_type, G_FILE_TEST_EXISTS)) {
        return false;
    }
    return !strcmp(g_strstrip(text), "vfio-noiommu");
}

static void group_free(VFIOGroup *group)
{
    if (group->kvm_added) {
        vfio_kvm_file_del(group->fd);
    }
    group_leave_container(group);
    groups = g_list_remove(groups, group);
    trace_vfio_legacy_group_close(group->groupid);
    vfio_sys_close(group->fd);
    g_free(group);
}

/* The open group @groupid in @space's containers, else a newly opened and connected one
 * (@noiommu: /dev/vfio/noiommu-N). */
static VFIOGroup *group_get(int groupid, bool noiommu, VFIOAddressSpace *space, GError **errp)
{
    g_autofree char *path = g_strdup_printf(noiommu ? "/dev/vfio/noiommu-%d" : "/dev/vfio/%d",
                                            groupid);
    struct vfio_group_status status = { .argsz = sizeof(status) };
    VFIOGroup *group;
    int ret;

    for (GList *l = groups; l; l = l->next) {
        group = l->data;
        if (group->groupid != groupid) {
            continue;
        }
        if (!group->container ||
            vfio_container_get_space(VFIO_CONTAINER(group->container)) != space) {
            g_set_error(errp, VFIO_ERROR, EBUSY,
                        "IOMMU group %d is already used by a device in another address space; devices of one group must share an address space",
                        groupid);
            return NULL;
        }
        return group;
    }

    ret = vfio_sys_open(path, O_RDWR);
    if (ret < 0) {
        if (ret == -EBUSY) {
            g_set_error(errp, VFIO_ERROR, EBUSY,
                        "IOMMU group %d (%s) is already open elsewhere (another VM or hostdev instance holds the device); stop it there first",
                        groupid, path);
        } else if (ret == -ENOENT && noiommu) {
            g_set_error(errp, VFIO_ERROR, ENOENT,
                        "%s does not exist: the device is not bound to a VFIO driver (vfio-platform, vfio-amba or vfio-pci); bind it through its driver_override",
                        path);
        } else if (ret == -ENOENT) {
            g_set_error(errp, VFIO_ERROR, ENOENT,
                        "%s does not exist: the device is not bound to vfio-pci; bind it (driverctl set-override ADDRESS vfio-pci)",
                        path);
        } else {
            g_autofree char *advice = hd_fd_limit_advice(-ret);

            g_set_error(errp, VFIO_ERROR, -ret, "cannot open %s: %s%s%s", path,
                        g_strerror(-ret), advice ? "; " : "",
                        ret == -EACCES ? "; give this user access to the group device"
                                       : advice ? advice : "");
        }
        return NULL;
    }
    group = g_new0(VFIOGroup, 1);
    group->groupid = groupid;
    group->fd = ret;
    group->noiommu = noiommu;
    g_queue_init(&group->devices);
    groups = g_list_prepend(groups, group);
    trace_vfio_legacy_group_open(groupid, group->fd);
    if (noiommu) {
        trace_vfio_legacy_noiommu_group(groupid, group->fd);
    }

    ret = vfio_sys_ioctl(group->fd, VFIO_GROUP_GET_STATUS, &status);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot read the status of IOMMU group %d (VFIO_GROUP_GET_STATUS): %s",
                    groupid, g_strerror(-ret));
        group_free(group);
        return NULL;
    }
    if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
        if (!vfio_group_not_viable_error(groupid, errp)) {
            g_set_error(errp, VFIO_ERROR, EPERM,
                        "IOMMU group %d is not viable: a device in it is bound to a host driver (see /sys/kernel/iommu_groups/%d/devices); bind them all to vfio-pci",
                        groupid, groupid);
        }
        group_free(group);
        return NULL;
    }
    if (!group_connect(group, space, errp)) {
        group_free(group);
        return NULL;
    }
    ret = vfio_kvm_file_add(group->fd);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot register IOMMU group %d with KVM (KVM_DEV_VFIO_FILE_ADD): %s%s",
                    groupid, g_strerror(-ret), vfio_kvm_file_add_hint(-ret));
        group_free(group);
        return NULL;
    }
    group->kvm_added = true;
    return group;
}

/* --- attach and detach --- */

static bool legacy_attach_device(VFIOContainerClass *klass, const char *name,
                                 VFIODevice *vbasedev, VFIOAddressSpace *space, GError **errp)
{
    VFIOGroup *group;
    bool noiommu;
    int groupid, fd;

    (void)klass;
    if (vbasedev->fd >= 0) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "a passed device fd is a vfio cdev, which needs the iommufd backend: add iommufd=ID with -object iommufd,id=ID");
        return false;
    }
    for (const GList *l = vfio_device_list(); l; l = l->next) {
        VFIODevice *other = l->data;

        if (!g_strcmp0(other->name, name) && other->group) {
            g_set_error(errp, VFIO_ERROR, EBUSY,
                        "host device %s is already assigned to this VM; assign it once",
                        name);
            return false;
        }
    }
    groupid = group_id_of(vbasedev->sysfsdev, name, errp);
    if (groupid < 0) {
        return false;
    }
    noiommu = group_is_noiommu(vbasedev->sysfsdev);
    if (noiommu && !vbasedev->no_iommu) {
        g_set_error(errp, VFIO_ERROR, EPERM,
                    "host device %s is in no-IOMMU group %d (/dev/vfio/noiommu-%d): without an IOMMU it can read and write all host memory; add x-no-iommu=on to accept that, or enable the host's IOMMU",
                    name, groupid, groupid);
        return false;
    }
    group = group_get(groupid, noiommu, space, errp);
    if (!group) {
        return false;
    }
    {
        /* The kernel reads an optional " vf_token=UUID" after the name. */
        g_autofree char *open_name =
            vbasedev->vf_token ? g_strdup_printf("%s vf_token=%s", name, vbasedev->vf_token)
                               : g_strdup(name);

        fd = vfio_sys_ioctl(group->fd, VFIO_GROUP_GET_DEVICE_FD, open_name);
    }
    if (fd < 0) {
        if (fd == -EBUSY) {
            g_set_error(errp, VFIO_ERROR, EBUSY,
                        "host device %s is already open elsewhere (VFIO_GROUP_GET_DEVICE_FD: device busy); close it in the other program or VM first",
                        name);
        } else if (vbasedev->vf_token && (fd == -EACCES || fd == -EINVAL)) {
            g_set_error(errp, VFIO_ERROR, -fd,
                        "the kernel refused vf_token=%s for %s (%s): a VF takes its vfio-pci PF's token, a device that is neither takes none (the kernel log says which)",
                        vbasedev->vf_token, name, g_strerror(-fd));
        } else {
            g_autofree char *advice = hd_fd_limit_advice(-fd);

            g_set_error(errp, VFIO_ERROR, -fd,
                        "cannot get a device fd for %s from IOMMU group %d (VFIO_GROUP_GET_DEVICE_FD): %s%s%s",
                        name, groupid, g_strerror(-fd), advice ? "; " : "", advice ? advice : "");
        }
        if (g_queue_is_empty(&group->devices)) {
            group_free(group);
        }
        return false;
    }
    vbasedev->fd = fd;
    vbasedev->group = group;
    vbasedev->container = VFIO_CONTAINER(group->container);
    g_queue_push_tail_link(&group->devices, &vbasedev->group_link);
    trace_vfio_legacy_attach(name, groupid, fd);
    if (noiommu) {
        g_warning("UNSAFE: host device %s is assigned without an IOMMU (x-no-iommu=on, /dev/vfio/noiommu-%d): it can DMA to ALL host memory, and hostdev maps no guest memory for it; assign only a device that does no DMA or that you trust completely",
                  name, groupid);
    }
    return true;
}

static void legacy_detach_device(VFIOContainer *base, VFIODevice *vbasedev)
{
    VFIOGroup *group = vbasedev->group;

    (void)base;
    trace_vfio_legacy_detach(vbasedev->name, group ? group->groupid : -1);
    if (vbasedev->fd >= 0) {
        vfio_sys_close(vbasedev->fd);
        vbasedev->fd = -1;
    }
    if (!group) {
        return;
    }
    g_queue_unlink(&group->devices, &vbasedev->group_link);
    vbasedev->group = NULL;
    if (g_queue_is_empty(&group->devices)) {
        group_free(group);
    }
}

/* --- PCI hot reset --- */

static VFIOGroup *group_find(int groupid)
{
    for (GList *l = groups; l; l = l->next) {
        VFIOGroup *group = l->data;

        if (group->groupid == groupid) {
            return group;
        }
    }
    return NULL;
}

static bool legacy_pci_hot_reset(VFIOContainer *base, VFIODevice *vbasedev, bool single,
                                 GError **errp)
{
    g_autofree struct vfio_pci_hot_reset_info *info = NULL;
    g_autofree struct vfio_pci_hot_reset *reset = NULL;
    g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int32_t));
    int ret = vfio_device_get_hot_reset_info(vbasedev, &info);

    (void)base;
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "the device cannot do a bus or slot reset (VFIO_DEVICE_GET_PCI_HOT_RESET_INFO): %s",
                    g_strerror(-ret));
        return false;
    }
    for (uint32_t i = 0; i < info->count; i++) {
        struct vfio_pci_dependent_device *dep = &info->devices[i];
        g_autofree char *addr = g_strdup_printf("%04x:%02x:%02x.%x", dep->segment, dep->bus,
                                                dep->devfn >> 3, dep->devfn & 7);
        VFIOGroup *group = group_find((int)dep->group_id);
        bool have = FALSE;

        if (single && g_strcmp0(addr, vbasedev->name) != 0) {
            g_set_error(errp, VFIO_ERROR, EBUSY,
                        "a bus or slot reset would also reset %s (IOMMU group %u); reset the devices together or use FLR",
                        addr, dep->group_id);
            return false;
        }
        if (!group) {
            g_set_error(errp, VFIO_ERROR, EPERM,
                        "a bus or slot reset also resets %s, whose IOMMU group %u this VM does not hold; assign it to this VM too or do without bus reset",
                        addr, dep->group_id);
            return false;
        }
        for (guint k = 0; k < fds->len; k++) {
            have = have || g_array_index(fds, int32_t, k) == group->fd;
        }
        if (!have) {
            int32_t fd = group->fd;
            g_array_append_val(fds, fd);
        }
    }
    reset = g_malloc0(sizeof(*reset) + fds->len * sizeof(int32_t));
    reset->argsz = sizeof(*reset) + fds->len * sizeof(int32_t);
    reset->count = fds->len;
    memcpy(reset->group_fds, fds->data, fds->len * sizeof(int32_t));
    ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_PCI_HOT_RESET, reset);
    trace_vfio_legacy_hot_reset(vbasedev->name, fds->len, ret);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret, "bus or slot reset failed (VFIO_DEVICE_PCI_HOT_RESET): %s",
                    g_strerror(-ret));
        return false;
    }
    return true;
}

static void vfio_legacy_container_class_init(VFIOLegacyContainerClass *klass)
{
    VFIOContainerClass *base = VFIO_CONTAINER_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = vfio_legacy_container_finalize;
    base->backend_name = "legacy";
    base->dma_merge = true;
    base->attach_device = legacy_attach_device;
    base->detach_device = legacy_detach_device;
    base->dma_map = legacy_dma_map;
    base->dma_unmap = legacy_dma_unmap;
    base->set_dirty_page_tracking = legacy_set_dirty_page_tracking;
    base->query_dirty_bitmap = legacy_query_dirty_bitmap;
    base->pci_hot_reset = legacy_pci_hot_reset;
}

GType vfio_backend_legacy_get_type(void)
{
    return vfio_legacy_container_get_type();
}
