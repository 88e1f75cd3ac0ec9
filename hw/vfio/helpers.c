/*
 * VFIO device helpers for frontends: info and capability chains, regions as MemoryRegions
 * (mmap'd RAM-device subregions over an MMIO trap), IRQ signalling with eventfds, device
 * features. Every syscall goes through the seam (vfio-sys.h).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-sys.h"
#include "system/fd-limit.h"
#include "trace.h"
#include "vfio-internal.h"

/* --- info and capability chains --- */

struct vfio_info_cap_header *vfio_find_cap(void *buf, size_t len, uint32_t cap_offset,
                                           uint16_t id)
{
    uint32_t off = cap_offset;

    /* Offsets only grow along a well-formed chain, which also rules out loops. */
    while (off != 0) {
        struct vfio_info_cap_header *hdr;

        if (off % 4 || off < sizeof(struct vfio_info_cap_header) ||
            (size_t)off + sizeof(*hdr) > len) {
            return NULL;
        }
        hdr = (struct vfio_info_cap_header *)((uint8_t *)buf + off);
        if (hdr->id == id) {
            return hdr;
        }
        if (hdr->next != 0 && hdr->next <= off) {
            return NULL;
        }
        off = hdr->next;
    }
    return NULL;
}

int vfio_device_get_info(VFIODevice *vbasedev)
{
    struct vfio_device_info info = { .argsz = sizeof(info) };
    int ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_GET_INFO, &info);

    if (ret < 0) {
        return ret;
    }
    vbasedev->flags = info.flags;
    vbasedev->num_regions = info.num_regions;
    vbasedev->num_irqs = info.num_irqs;
    vbasedev->reset_works = info.flags & VFIO_DEVICE_FLAGS_RESET;
    return 0;
}

int vfio_get_region_info(VFIODevice *vbasedev, uint32_t index, struct vfio_region_info **info)
{
    size_t argsz = sizeof(struct vfio_region_info);

    *info = NULL;
    for (int tries = 0; tries < 4; tries++) {
        g_autofree struct vfio_region_info *ri = g_malloc0(argsz);
        int ret;

        ri->argsz = argsz;
        ri->index = index;
        ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_GET_REGION_INFO, ri);
        if (ret < 0) {
            return ret;
        }
        if (ri->argsz <= argsz) {
            *info = g_steal_pointer(&ri);
            return 0;
        }
        argsz = ri->argsz; /* the capability chain needs more room */
    }
    return -EIO;
}

struct vfio_info_cap_header *vfio_get_region_info_cap(struct vfio_region_info *info,
                                                      uint16_t id)
{
    if (!(info->flags & VFIO_REGION_INFO_FLAG_CAPS)) {
        return NULL;
    }
    return vfio_find_cap(info, info->argsz, info->cap_offset, id);
}

int vfio_get_irq_info(VFIODevice *vbasedev, uint32_t index, struct vfio_irq_info *info)
{
    *info = (struct vfio_irq_info){ .argsz = sizeof(*info), .index = index };
    return vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_GET_IRQ_INFO, info);
}

int vfio_device_pread(VFIODevice *vbasedev, void *buf, size_t len, uint64_t off)
{
    ssize_t n = vfio_sys_pread(vbasedev->fd, buf, len, (off_t)off);

    return n < 0 ? (int)n : (size_t)n == len ? 0 : -EIO;
}

int vfio_device_pwrite(VFIODevice *vbasedev, const void *buf, size_t len, uint64_t off)
{
    ssize_t n = vfio_sys_pwrite(vbasedev->fd, buf, len, (off_t)off);

    return n < 0 ? (int)n : (size_t)n == len ? 0 : -EIO;
}

int vfio_device_reset(VFIODevice *vbasedev)
{
    int ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_RESET, NULL);

    trace_vfio_device_reset(vbasedev->name, ret);
    return ret;
}

int vfio_device_feature(VFIODevice *vbasedev, uint32_t flags, void *data, size_t len)
{
    g_autofree struct vfio_device_feature *feature = g_malloc0(sizeof(*feature) + len);
    int ret;

    feature->argsz = sizeof(*feature) + len;
    feature->flags = flags;
    if (len && (flags & VFIO_DEVICE_FEATURE_SET)) {
        memcpy(feature->data, data, len);
    }
    ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_FEATURE, feature);
    if (ret >= 0 && len && (flags & VFIO_DEVICE_FEATURE_GET)) {
        memcpy(data, feature->data, len);
    }
    return ret < 0 ? ret : 0;
}

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into 16 bytes in string order. */
static bool uuid_parse(const char *s, uint8_t out[16])
{
    unsigned n = 0;

    if (!g_uuid_string_is_valid(s)) {
        return false;
    }
    for (const char *p = s; *p && n < 16; p++) {
        if (*p == '-') {
            continue;
        }
        out[n++] = (uint8_t)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
        p++;
    }
    return n == 16;
}

int vfio_device_set_vf_token(VFIODevice *vbasedev, const char *uuid)
{
    uint8_t token[16];
    int ret;

    if (!uuid_parse(uuid, token)) {
        return -EINVAL;
    }
    ret = vfio_device_feature(vbasedev, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
                              token, sizeof(token));
    trace_vfio_device_set_vf_token(vbasedev->name, ret);
    return ret;
}

/* --- regions --- */

typedef struct VFIOMmapArea {
    uint64_t offset;
    uint64_t size;
    void *host;        /* NULL while not mmap'd */
    MemoryRegion *mem; /* RAM-device subregion while mmap'd */
} VFIOMmapArea;

struct VFIORegion {
    VFIODevice *vbasedev;
    uint32_t index;
    uint32_t flags;
    uint64_t size;
    uint64_t fd_offset;
    bool msix_mappable; /* VFIO_REGION_INFO_CAP_MSIX_MAPPABLE */
    char *name;
    MemoryRegion *mem;  /* container of the whole region */
    MemoryRegion *trap; /* MMIO slow path over all of it */
    GArray *areas;      /* VFIOMmapArea, ascending */
};

static uint64_t trap_read(void *opaque, hwaddr addr, unsigned size)
{
    return vfio_region_read(opaque, addr, size);
}

static void trap_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    vfio_region_write(opaque, addr, value, size);
}

static const MemoryRegionOps trap_ops = {
    .read = trap_read,
    .write = trap_write,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static void add_area(VFIORegion *region, uint64_t offset, uint64_t size)
{
    VFIOMmapArea a = { .offset = offset, .size = size };

    if (size && offset < region->size && size <= region->size - offset) {
        g_array_append_val(region->areas, a);
    }
}

/* The mmap areas: sparse ones if the kernel lists them, else the whole region. */
static void collect_areas(VFIORegion *region, struct vfio_region_info *info)
{
    struct vfio_region_info_cap_sparse_mmap *sparse;

    if (region->vbasedev->no_mmap || !(info->flags & VFIO_REGION_INFO_FLAG_MMAP) ||
        !region->size) {
        return;
    }
    sparse = (void *)vfio_get_region_info_cap(info, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
    if (!sparse) {
        add_area(region, 0, region->size);
        return;
    }
    if ((uint8_t *)(sparse + 1) > (uint8_t *)info + info->argsz) {
        return;
    }
    for (uint32_t i = 0; i < sparse->nr_areas; i++) {
        if ((uint8_t *)&sparse->areas[i + 1] > (uint8_t *)info + info->argsz) {
            break;
        }
        add_area(region, sparse->areas[i].offset, sparse->areas[i].size);
    }
}

VFIORegion *vfio_region_setup(VFIODevice *vbasedev, uint32_t index, const char *name,
                              GError **errp)
{
    g_autofree struct vfio_region_info *info = NULL;
    VFIORegion *region;
    int ret = vfio_get_region_info(vbasedev, index, &info);

    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot read the info of region %u (%s) from the device: %s", index, name,
                    g_strerror(-ret));
        return NULL;
    }
    region = g_new0(VFIORegion, 1);
    region->vbasedev = vbasedev;
    region->index = index;
    region->flags = info->flags;
    region->size = info->size;
    region->fd_offset = info->offset;
    region->msix_mappable = vfio_region_info_msix_mappable(info);
    region->name = g_strdup(name);
    region->areas = g_array_new(FALSE, FALSE, sizeof(VFIOMmapArea));
    collect_areas(region, info);
    if (region->size) {
        region->mem = memory_region_new_container(name, region->size);
        region->trap = memory_region_new_io(name, region->size, &trap_ops, region);
        memory_region_add_subregion(region->mem, 0, region->trap);
    }
    trace_vfio_region_setup(vbasedev->name, index, name, region->flags, region->fd_offset,
                            region->size, region->areas->len);
    return region;
}

void vfio_region_free(VFIORegion *region)
{
    if (!region) {
        return;
    }
    vfio_region_unmap(region);
    if (region->mem) {
        memory_region_del_subregion(region->mem, region->trap);
    }
    memory_region_unref(region->trap);
    memory_region_unref(region->mem);
    g_array_free(region->areas, TRUE);
    g_free(region->name);
    g_free(region);
}

void vfio_region_exclude(VFIORegion *region, uint64_t offset, uint64_t size)
{
    uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t start = vfio_align_down(offset, pg);
    uint64_t end = vfio_align_up(offset + size, pg);
    g_autoptr(GArray) kept = g_array_new(FALSE, FALSE, sizeof(VFIOMmapArea));

    g_return_if_fail(region->areas->len == 0 ||
                     !g_array_index(region->areas, VFIOMmapArea, 0).host);
    for (guint i = 0; i < region->areas->len; i++) {
        VFIOMmapArea a = g_array_index(region->areas, VFIOMmapArea, i);
        uint64_t a_end = a.offset + a.size;

        if (a_end <= start || a.offset >= end) {
            g_array_append_val(kept, a);
            continue;
        }
        if (a.offset < start) {
            VFIOMmapArea left = { .offset = a.offset, .size = start - a.offset };
            g_array_append_val(kept, left);
        }
        if (a_end > end) {
            VFIOMmapArea right = { .offset = end, .size = a_end - end };
            g_array_append_val(kept, right);
        }
    }
    g_array_set_size(region->areas, 0);
    g_array_append_vals(region->areas, kept->data, kept->len);
}

bool vfio_region_mmap(VFIORegion *region, GError **errp)
{
    int prot = 0;

    if (region->flags & VFIO_REGION_INFO_FLAG_READ) {
        prot |= PROT_READ;
    }
    if (region->flags & VFIO_REGION_INFO_FLAG_WRITE) {
        prot |= PROT_WRITE;
    }
    for (guint i = 0; i < region->areas->len; i++) {
        VFIOMmapArea *a = &g_array_index(region->areas, VFIOMmapArea, i);
        g_autofree char *name = NULL;
        int ret;

        if (a->host) {
            continue;
        }
        ret = vfio_sys_mmap(&a->host, a->size, prot, MAP_SHARED, region->vbasedev->fd,
                            (off_t)(region->fd_offset + a->offset));
        trace_vfio_region_mmap(region->name, a->offset, a->size, ret);
        if (ret < 0) {
            g_set_error(errp, VFIO_ERROR, -ret,
                        "cannot mmap 0x%" PRIx64 " bytes at offset 0x%" PRIx64 " of region %s: %s; accesses will take the slower trapped path",
                        a->size, a->offset, region->name, g_strerror(-ret));
            vfio_region_unmap(region);
            return false;
        }
        name = g_strdup_printf("%s mmaps[%u]", region->name, i);
        a->mem = memory_region_new_ram_device(name, a->size, a->host);
        memory_region_add_subregion_overlap(region->mem, a->offset, a->mem,
                                            VFIO_REGION_PRIORITY_MMAP);
    }
    return true;
}

void vfio_region_unmap(VFIORegion *region)
{
    for (guint i = 0; i < region->areas->len; i++) {
        VFIOMmapArea *a = &g_array_index(region->areas, VFIOMmapArea, i);

        if (!a->host) {
            continue;
        }
        memory_region_del_subregion(region->mem, a->mem);
        g_clear_pointer(&a->mem, memory_region_unref);
        vfio_sys_munmap(a->host, a->size);
        a->host = NULL;
    }
}

MemoryRegion *vfio_region_get_memory(VFIORegion *region)
{
    return region->mem;
}

uint64_t vfio_region_size(VFIORegion *region)
{
    return region->size;
}

bool vfio_region_info_msix_mappable(struct vfio_region_info *info)
{
    return vfio_get_region_info_cap(info, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) != NULL;
}

bool vfio_region_msix_mappable(VFIORegion *region)
{
    return region->msix_mappable;
}

unsigned vfio_region_nr_mmaps(VFIORegion *region)
{
    return region->areas->len;
}

bool vfio_region_mmap_area(VFIORegion *region, unsigned i, uint64_t *offset, uint64_t *size,
                           void **host)
{
    VFIOMmapArea *a;

    if (i >= region->areas->len) {
        return false;
    }
    a = &g_array_index(region->areas, VFIOMmapArea, i);
    *offset = a->offset;
    *size = a->size;
    *host = a->host;
    return true;
}

uint64_t vfio_region_read(VFIORegion *region, hwaddr addr, unsigned size)
{
    uint8_t buf[8] = { 0 };
    uint64_t value = 0;
    int ret;

    if (size == 0 || size > 8) {
        return UINT64_MAX;
    }
    ret = vfio_device_pread(region->vbasedev, buf, size, region->fd_offset + addr);
    if (ret < 0) {
        trace_vfio_region_access_failed(region->name, addr, size, "read", ret);
        return size == 8 ? UINT64_MAX : (1ULL << (8 * size)) - 1;
    }
    for (unsigned i = 0; i < size; i++) {
        value |= (uint64_t)buf[i] << (8 * i);
    }
    trace_vfio_region_read(region->name, addr, size, value);
    return value;
}

void vfio_region_write(VFIORegion *region, hwaddr addr, uint64_t data, unsigned size)
{
    uint8_t buf[8];
    int ret;

    if (size == 0 || size > 8) {
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        buf[i] = (uint8_t)(data >> (8 * i));
    }
    trace_vfio_region_write(region->name, addr, size, data);
    ret = vfio_device_pwrite(region->vbasedev, buf, size, region->fd_offset + addr);
    if (ret < 0) {
        trace_vfio_region_access_failed(region->name, addr, size, "write", ret);
    }
}

/* --- IRQs --- */

const char *vfio_irq_index_name(VFIODevice *vbasedev, uint32_t index)
{
    static const char *const pci_names[] = {
        [VFIO_PCI_INTX_IRQ_INDEX] = "INTx", [VFIO_PCI_MSI_IRQ_INDEX] = "MSI",
        [VFIO_PCI_MSIX_IRQ_INDEX] = "MSI-X", [VFIO_PCI_ERR_IRQ_INDEX] = "ERR",
        [VFIO_PCI_REQ_IRQ_INDEX] = "REQ",
    };
    static const char *const numbered[] = { "IRQ 0", "IRQ 1", "IRQ 2", "IRQ 3",
                                            "IRQ 4", "IRQ 5", "IRQ 6", "IRQ 7" };

    if ((vbasedev->flags & VFIO_DEVICE_FLAGS_PCI) && index < G_N_ELEMENTS(pci_names)) {
        return pci_names[index];
    }
    return index < G_N_ELEMENTS(numbered) ? numbered[index] : "IRQ";
}

static const char *action_name(uint32_t action)
{
    switch (action) {
    case VFIO_IRQ_SET_ACTION_TRIGGER:
        return "trigger";
    case VFIO_IRQ_SET_ACTION_MASK:
        return "mask";
    case VFIO_IRQ_SET_ACTION_UNMASK:
        return "unmask";
    default:
        return "unknown action";
    }
}

static int set_irqs(VFIODevice *vbasedev, uint32_t flags, uint32_t index, uint32_t start,
                    uint32_t count, const int32_t *fds)
{
    size_t data = (flags & VFIO_IRQ_SET_DATA_EVENTFD) ? count * sizeof(int32_t) : 0;
    g_autofree struct vfio_irq_set *set = g_malloc0(sizeof(*set) + data);
    int ret;

    set->argsz = sizeof(*set) + data;
    set->flags = flags;
    set->index = index;
    set->start = start;
    set->count = count;
    if (data) {
        memcpy(set->data, fds, data);
    }
    ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_SET_IRQS, set);
    trace_vfio_set_irqs(vbasedev->name, index, start, count, flags, ret);
    return ret < 0 ? ret : 0;
}

bool vfio_set_irq_signaling(VFIODevice *vbasedev, uint32_t index, uint32_t subindex,
                            uint32_t action, int fd, GError **errp)
{
    int32_t fd32 = fd;
    int ret = set_irqs(vbasedev, VFIO_IRQ_SET_DATA_EVENTFD | action, index, subindex, 1, &fd32);

    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot %s %s the %s interrupt %s vector %u (VFIO_DEVICE_SET_IRQS): %s",
                    fd >= 0 ? "attach an eventfd to" : "detach the eventfd from",
                    action_name(action), vfio_irq_index_name(vbasedev, index),
                    fd >= 0 ? "for" : "of", subindex, g_strerror(-ret));
        return false;
    }
    return true;
}

int vfio_set_irq_eventfds(VFIODevice *vbasedev, uint32_t index, uint32_t start,
                          uint32_t count, const int32_t *fds)
{
    return set_irqs(vbasedev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index,
                    start, count, fds);
}

int vfio_disable_irq_index(VFIODevice *vbasedev, uint32_t index)
{
    return set_irqs(vbasedev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 0,
                    NULL);
}

int vfio_unmask_single_irq(VFIODevice *vbasedev, uint32_t index)
{
    return set_irqs(vbasedev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, index, 0, 1,
                    NULL);
}

/* --- eventfd notifiers --- */

struct VFIONotifier {
    int fd;
    guint watch;
    VFIONotifierFn fn;
    void *opaque;
};

VFIONotifier *vfio_notifier_new(GError **errp)
{
    VFIONotifier *n;
    int fd = vfio_sys_eventfd(EFD_NONBLOCK);

    if (fd < 0) {
        g_autofree char *advice = hd_fd_limit_advice(-fd);

        g_set_error(errp, VFIO_ERROR, -fd, "cannot create an eventfd for interrupts: %s%s%s",
                    g_strerror(-fd), advice ? "; " : "", advice ? advice : "");
        return NULL;
    }
    n = g_new0(VFIONotifier, 1);
    n->fd = fd;
    return n;
}

void vfio_notifier_free(VFIONotifier *notifier)
{
    if (!notifier) {
        return;
    }
    vfio_notifier_set_handler(notifier, NULL, NULL);
    vfio_sys_close(notifier->fd);
    g_free(notifier);
}

int vfio_notifier_get_fd(VFIONotifier *notifier)
{
    return notifier->fd;
}

bool vfio_notifier_test_and_clear(VFIONotifier *notifier)
{
    uint64_t v = 0;

    return vfio_sys_read(notifier->fd, &v, sizeof(v)) == sizeof(v) && v != 0;
}

void vfio_notifier_signal(VFIONotifier *notifier)
{
    uint64_t one = 1;

    vfio_sys_write(notifier->fd, &one, sizeof(one));
}

static gboolean notifier_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    VFIONotifier *notifier = opaque;

    (void)fd;
    (void)cond;
    if (vfio_notifier_test_and_clear(notifier) && notifier->fn) {
        notifier->fn(notifier->opaque);
    }
    return G_SOURCE_CONTINUE;
}

void vfio_notifier_set_handler(VFIONotifier *notifier, VFIONotifierFn fn, void *opaque)
{
    if (notifier->watch) {
        g_source_remove(notifier->watch);
        notifier->watch = 0;
    }
    notifier->fn = fn;
    notifier->opaque = opaque;
    if (fn) {
        notifier->watch = g_unix_fd_add(notifier->fd, G_IO_IN, notifier_ready, notifier);
    }
}

/* --- PCI hot reset --- */

int vfio_device_get_hot_reset_info(VFIODevice *vbasedev, struct vfio_pci_hot_reset_info **out)
{
    struct vfio_pci_hot_reset_info probe = { .argsz = sizeof(probe) };
    struct vfio_pci_hot_reset_info *info;
    size_t argsz;
    int ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &probe);

    if (ret < 0 && ret != -ENOSPC) {
        return ret;
    }
    argsz = sizeof(*info) + probe.count * sizeof(struct vfio_pci_dependent_device);
    info = g_malloc0(argsz);
    info->argsz = argsz;
    ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info);
    if (ret < 0) {
        g_free(info);
        return ret;
    }
    *out = info;
    return 0;
}

/* --- error helpers --- */

/* The name of the driver bound to the device at sysfs @devdir, or NULL; free it. */
static char *device_driver(const char *devdir)
{
    g_autofree char *link = g_build_filename(devdir, "driver", NULL);
    g_autofree char *target = g_file_read_link(link, NULL);

    return target ? g_path_get_basename(target) : NULL;
}

bool vfio_group_not_viable_error(int groupid, GError **errp)
{
    /* Drivers the kernel accepts next to a device assigned through VFIO. */
    static const char *const harmless[] = { "vfio-pci", "pci-stub", "vfio_mdev", "pcieport" };
    g_autofree char *dir = g_strdup_printf("/sys/kernel/iommu_groups/%d/devices", groupid);
    g_autoptr(GString) culprits = g_string_new(NULL);
    g_autoptr(GString) fix = g_string_new(NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *ent;

    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *devdir = g_build_filename(dir, ent, NULL);
        g_autofree char *driver = device_driver(devdir);

        if (!driver || g_strv_contains(harmless, driver)) {
            continue;
        }
        g_string_append_printf(culprits, "%s%s is bound to %s", culprits->len ? ", " : "", ent,
                               driver);
        g_string_append_printf(fix, "%secho %s > /sys/bus/pci/devices/%s/driver/unbind",
                               fix->len ? "; " : "", ent, ent);
    }
    if (d) {
        g_dir_close(d);
    }
    if (!culprits->len) {
        return false;
    }
    g_set_error(errp, VFIO_ERROR, EPERM,
                "IOMMU group %d is not viable: %s; every device of the group must be bound to vfio-pci or to no driver: unbind it (%s) or bind it to vfio-pci too",
                groupid, culprits->str, fix->str);
    return true;
}

int vfio_sysfs_group_id(const char *sysfsdev)
{
    g_autofree char *link = g_build_filename(sysfsdev, "iommu_group", NULL);
    g_autofree char *target = g_file_read_link(link, NULL);
    g_autofree char *base = target ? g_path_get_basename(target) : NULL;
    char *end;
    long id;

    if (!base) {
        return -ENOENT;
    }
    id = strtol(base, &end, 10);
    return end == base || *end || id < 0 || id > INT32_MAX ? -EINVAL : (int)id;
}
