/*
 * VFIO common layer, backend-agnostic: attach/detach and the device lists, the address spaces
 * containers serve, the memory listener that maps RAM into each container, dirty tracking
 * and the system reset handler. It never includes a backend header: backends are types.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <linux/kvm.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-container-base.h"
#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-sys.h"
#include "system/memory-listener.h"
#include "system/ramblock.h"
#include "system/reset.h"
#include "system/lifecycle.h"
#include "trace.h"
#include "vfio-internal.h"

G_DEFINE_QUARK(vfio-error-quark, vfio_error)

struct VFIOAddressSpace {
    AddressSpace *as;
    GList *containers; /* VFIOContainer *, borrowed: a container leaves in unlisten */
};

static GQueue devices = G_QUEUE_INIT; /* VFIODevice.global_link */
static GList *spaces;                 /* VFIOAddressSpace * */
static bool reset_handler_registered;

/* --- devices --- */

void vfio_device_init(VFIODevice *vbasedev, const VFIODeviceOps *ops)
{
    memset(vbasedev, 0, sizeof(*vbasedev));
    vbasedev->fd = -1;
    vbasedev->ops = ops;
    vbasedev->global_link.data = vbasedev;
    vbasedev->container_link.data = vbasedev;
    vbasedev->group_link.data = vbasedev;
}

void vfio_device_clear(VFIODevice *vbasedev)
{
    g_return_if_fail(!vbasedev->attached);
    g_clear_pointer(&vbasedev->sysfsdev, g_free);
    g_clear_pointer(&vbasedev->name, g_free);
    if (vbasedev->fd >= 0) {
        vfio_sys_close(vbasedev->fd);
        vbasedev->fd = -1;
    }
}

VFIODevice *vfio_device_find(const char *name)
{
    for (GList *l = devices.head; l; l = l->next) {
        VFIODevice *vbasedev = l->data;

        if (g_strcmp0(vbasedev->name, name) == 0) {
            return vbasedev;
        }
    }
    return NULL;
}

const GList *vfio_device_list(void)
{
    return devices.head;
}

unsigned vfio_device_count(void)
{
    return devices.length;
}

/* --- address spaces --- */

VFIOAddressSpace *vfio_address_space_get(AddressSpace *as)
{
    VFIOAddressSpace *space;

    for (GList *l = spaces; l; l = l->next) {
        space = l->data;
        if (space->as == as) {
            return space;
        }
    }
    space = g_new0(VFIOAddressSpace, 1);
    space->as = as;
    spaces = g_list_append(spaces, space);
    return space;
}

void vfio_address_space_put(VFIOAddressSpace *space)
{
    if (space && !space->containers) {
        spaces = g_list_remove(spaces, space);
        g_free(space);
    }
}

void vfio_address_space_add_container(VFIOAddressSpace *space, VFIOContainer *container)
{
    space->containers = g_list_append(space->containers, container);
}

void vfio_address_space_remove_container(VFIOAddressSpace *space, VFIOContainer *container)
{
    space->containers = g_list_remove(space->containers, container);
}

AddressSpace *vfio_address_space_get_as(VFIOAddressSpace *space)
{
    return space->as;
}

const GList *vfio_address_space_containers(VFIOAddressSpace *space)
{
    return space->containers;
}

/* --- mapping RAM: the memory listener --- */

static VFIOContainerPrivate *listener_priv(MemoryListener *listener)
{
    return (VFIOContainerPrivate *)((char *)listener -
                                    G_STRUCT_OFFSET(VFIOContainerPrivate, listener));
}

static uint64_t min_pgsize(VFIOContainerPrivate *priv)
{
    return priv->pgsizes & -priv->pgsizes;
}

static int table_map(void *opaque, uint64_t iova, uint64_t size, void *vaddr, bool readonly)
{
    return vfio_container_dma_map(opaque, iova, size, vaddr, readonly);
}

static int table_unmap(void *opaque, uint64_t iova, uint64_t size)
{
    return vfio_container_dma_unmap(opaque, iova, size);
}

static void *table_owner_ref(void *owner)
{
    return memory_region_ref(owner);
}

static void table_owner_unref(void *owner)
{
    memory_region_unref(owner);
}

static void add_ram_size(const MemoryRegionSection *section, void *opaque)
{
    if (memory_region_is_ram(section->mr) && !memory_region_is_ram_device(section->mr)) {
        *(uint64_t *)opaque += section->size;
    }
}

/*
 * Word a failed mapping of @size bytes at @iova. ENOMEM from the kernel is the
 * locked-memory limit: say what it is, how much guest RAM VFIO must pin and how much more
 * that needs.
 */
static void map_error(VFIOContainerPrivate *priv, const char *what, uint64_t iova,
                      uint64_t size, int err, GError **errp)
{
    struct rlimit rl;
    uint64_t need = vfio_dma_table_bytes(priv->dma) + size;

    if (priv->space) {
        uint64_t ram = 0;

        address_space_for_each_section(priv->space->as, add_ram_size, &ram);
        need = MAX(need, ram);
    }
    if (err == -ENOMEM && vfio_sys_getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
        rl.rlim_cur != RLIM_INFINITY) {
        uint64_t more = need > rl.rlim_cur ? need - rl.rlim_cur : size;

        g_set_error(errp, VFIO_ERROR, ENOMEM,
                    "cannot map %s for DMA (0x%" PRIx64 " bytes at IOVA 0x%" PRIx64 "): the locked-memory limit RLIMIT_MEMLOCK is %" PRIu64 " KiB but VFIO pins all %" PRIu64 " KiB of guest RAM, %" PRIu64 " KiB more; raise it (ulimit -l, systemd LimitMEMLOCK=) or grant CAP_IPC_LOCK",
                    what, size, iova, (uint64_t)rl.rlim_cur / 1024, need / 1024, more / 1024);
    } else if (err == -ENOSPC) {
        g_set_error(errp, VFIO_ERROR, ENOSPC,
                    "cannot map %s for DMA (0x%" PRIx64 " bytes at IOVA 0x%" PRIx64 "): the kernel's limit on DMA mappings (%u) is reached; raise vfio_iommu_type1's dma_entry_limit or use fewer, larger RAM regions",
                    what, size, iova, priv->dma_max_mappings);
    } else {
        g_set_error(errp, VFIO_ERROR, -err,
                    "cannot map %s for DMA (0x%" PRIx64 " bytes at IOVA 0x%" PRIx64 ", %s backend): %s",
                    what, size, iova, vfio_container_backend_name(priv->self), g_strerror(-err));
    }
}

/* "devices a, b" for the devices @priv serves, for messages about what they can reach. */
static char *devices_str(VFIOContainerPrivate *priv)
{
    GString *str = g_string_new(NULL);

    for (GList *l = priv->devices.head; l; l = l->next) {
        g_string_append_printf(str, "%s%s", str->len ? ", " : "",
                               ((VFIODevice *)l->data)->name);
    }
    if (!str->len) {
        g_string_append(str, "no device yet");
    }
    return g_string_free(str, FALSE);
}

/*
 * A mapping failure: fatal to the attach while it replays the address space; at run time guest
 * RAM a device cannot reach stops the VM (status internal-error and a STOP event, as QEMU does
 * for a failure it cannot recover from) rather than let the guest run on with DMA that would
 * fault; the message names the container's backend and devices. Under qtest too: a test then
 * sees what a guest would. Device memory (peer-to-peer) only warns.
 */
static void report_map_error(VFIOContainerPrivate *priv, bool ram_device, GError *err)
{
    if (priv->replaying && !ram_device) {
        if (!priv->replay_error) {
            priv->replay_error = err;
            return;
        }
    } else if (ram_device) {
        g_warning("%s; peer-to-peer DMA to it will not work", err->message);
    } else {
        g_autofree char *devs = devices_str(priv);

        hd_guest_internal_error(g_strdup_printf(
            "%s; devices doing DMA there would fault (%s container of %s)", err->message,
            vfio_container_backend_name(priv->self), devs));
    }
    g_error_free(err);
}

/* The table unmapped @m to cut or merge a neighbour and could not map it back. */
static void table_lost(void *opaque, const VFIODmaMapping *m, int err)
{
    VFIOContainerPrivate *priv = vfio_container_priv(opaque);
    bool ram_device = memory_region_is_ram_device(m->owner);
    g_autofree char *what = g_strdup_printf("%s '%s' back after a change next to it",
                                            ram_device ? "device memory" : "RAM",
                                            memory_region_name(m->owner));
    GError *gerr = NULL;

    map_error(priv, what, m->iova, m->size, err, &gerr);
    report_map_error(priv, ram_device, gerr);
}

static const VFIODmaTableOps table_ops = {
    .map = table_map,
    .unmap = table_unmap,
    .owner_ref = table_owner_ref,
    .owner_unref = table_owner_unref,
    .lost = table_lost,
};

/* The IOVA range of @section VFIO can map: aligned inward to the smallest IOMMU page. */
static bool section_range(VFIOContainerPrivate *priv, MemoryRegionSection *section,
                          uint64_t *start, uint64_t *end)
{
    uint64_t pg = min_pgsize(priv);

    *start = vfio_align_up(section->offset_within_address_space, pg);
    *end = vfio_align_down(section->offset_within_address_space + section->size, pg);
    return *start < *end;
}

static void map_piece(VFIOContainerPrivate *priv, MemoryRegionSection *section, uint64_t iova,
                      uint64_t size)
{
    MemoryRegion *mr = section->mr;
    bool ram_device = memory_region_is_ram_device(mr);
    uint64_t off = section->offset_within_region + (iova - section->offset_within_address_space);
    VFIODmaMapping m = {
        .iova = iova,
        .size = size,
        .vaddr = (uint8_t *)memory_region_get_ram_ptr(mr) + off,
        .readonly = section->readonly || memory_region_is_readonly(mr),
        .owner = mr,
        .owner_offset = off,
    };
    g_autofree char *what = g_strdup_printf("%s '%s'", ram_device ? "device memory" : "RAM",
                                            memory_region_name(mr));
    int ret;

    if ((uintptr_t)m.vaddr & (min_pgsize(priv) - 1)) {
        GError *err = g_error_new(VFIO_ERROR, EINVAL,
                                  "cannot map %s for DMA at IOVA 0x%" PRIx64 ": its host address %p is not aligned like the guest address to the IOMMU page size 0x%" PRIx64,
                                  what, iova, m.vaddr, min_pgsize(priv));
        report_map_error(priv, ram_device, err);
        return;
    }
    ret = vfio_dma_table_map(priv->dma, &m);
    if (ret < 0) {
        GError *err = NULL;

        map_error(priv, what, iova, size, ret, &err);
        report_map_error(priv, ram_device, err);
    }
}

/* The first range the IOMMU reserves (between or after its valid ranges, which @ranges
 * lists, at least one) that meets [@s, @e): [*@rs, *@rl]. */
static bool reserved_in(GArray *ranges, uint64_t s, uint64_t e, uint64_t *rs, uint64_t *rl)
{
    uint64_t from = 0;

    for (guint i = 0; i < ranges->len; i++) {
        VFIOIovaRange *r = &g_array_index(ranges, VFIOIovaRange, i);

        if (r->start > from && from < e && r->start - 1 >= s) {
            *rs = from;
            *rl = r->start - 1;
            return true;
        }
        if (r->last == UINT64_MAX) {
            return false;
        }
        from = r->last + 1;
    }
    if (from < e) {
        *rs = from;
        *rl = UINT64_MAX;
        return true;
    }
    return false;
}

/* Map [@start, @end) of @section, refusing what the IOMMU reserves. */
static void map_range(VFIOContainerPrivate *priv, MemoryRegionSection *section, uint64_t start,
                      uint64_t end)
{
    GArray *ranges = priv->iova_ranges;
    uint64_t pg = min_pgsize(priv), rs, rl;

    if (ranges->len == 0) {
        map_piece(priv, section, start, end - start);
        return;
    }
    if (reserved_in(ranges, start, end, &rs, &rl)) {
        bool ram_device = memory_region_is_ram_device(section->mr);
        GError *err = g_error_new(VFIO_ERROR, EINVAL,
                                  "cannot map %s '%s' for DMA: guest addresses [0x%" PRIx64 ", 0x%" PRIx64 "] meet [0x%" PRIx64 ", 0x%" PRIx64 "], which the IOMMU reserves (it is outside the valid IOVA ranges, e.g. the MSI window); move guest memory out of it",
                                  ram_device ? "device memory" : "RAM",
                                  memory_region_name(section->mr), start, end - 1, rs, rl);

        report_map_error(priv, ram_device, err);
    }
    /* Map what the valid ranges allow. */
    for (guint i = 0; i < ranges->len; i++) {
        VFIOIovaRange *r = &g_array_index(ranges, VFIOIovaRange, i);
        uint64_t s = MAX(start, vfio_align_up(r->start, pg));
        uint64_t e = r->last == UINT64_MAX ? end : MIN(end, vfio_align_down(r->last + 1, pg));

        if (s < e) {
            map_piece(priv, section, s, e - s);
        }
    }
}

/* Look at the IOMMU page at @iova again in commit (a change cut it). */
static void note_recheck(VFIOContainerPrivate *priv, uint64_t iova)
{
    g_array_append_val(priv->recheck, iova);
}

/* The IOMMU pages a section only partly covers: the inward range cannot hold them. */
static void note_edges(VFIOContainerPrivate *priv, MemoryRegionSection *section)
{
    uint64_t pg = min_pgsize(priv);
    uint64_t a = section->offset_within_address_space;
    uint64_t b = a + section->size;

    if (a & (pg - 1)) {
        note_recheck(priv, vfio_align_down(a, pg));
    }
    if (b & (pg - 1)) {
        note_recheck(priv, vfio_align_down(b, pg)); /* commit skips duplicates */
    }
}

static void vfio_listener_region_add(MemoryListener *listener, MemoryRegionSection *section)
{
    VFIOContainerPrivate *priv = listener_priv(listener);
    uint64_t start, end;

    if (!memory_region_is_ram(section->mr)) {
        trace_vfio_listener_skip(memory_region_name(section->mr),
                                 section->offset_within_address_space, section->size, "not RAM");
        return;
    }
    note_edges(priv, section);
    if (!section_range(priv, section, &start, &end)) {
        trace_vfio_listener_skip(memory_region_name(section->mr),
                                 section->offset_within_address_space, section->size,
                                 "no whole IOMMU page (looked at again in commit)");
        return;
    }
    trace_vfio_listener_region_add(memory_region_name(section->mr), start, end - start,
                                   memory_region_is_ram_device(section->mr));
    map_range(priv, section, start, end);
}

/*
 * RAM goes: unmap every IOMMU page it touches, whole pages outward (a page that is now partly
 * something else must not stay mapped); commit maps back the edge pages still wholly RAM.
 */
static void vfio_listener_region_del(MemoryListener *listener, MemoryRegionSection *section)
{
    VFIOContainerPrivate *priv = listener_priv(listener);
    uint64_t pg = min_pgsize(priv);
    uint64_t start = vfio_align_down(section->offset_within_address_space, pg);
    uint64_t end = section->offset_within_address_space + section->size;
    unsigned splits = 0;
    int ret;

    if (!memory_region_is_ram(section->mr)) {
        return;
    }
    if (vfio_align_up(end, pg) > end) {
        end = vfio_align_up(end, pg); /* not when it would wrap at the top */
    }
    note_edges(priv, section);
    trace_vfio_listener_region_del(memory_region_name(section->mr), start, end - start);
    ret = vfio_dma_table_unmap(priv->dma, start, end - start, &splits);
    priv->splits += splits;
    if (splits) {
        trace_vfio_listener_split(start, end - start, splits);
    }
    if (ret < 0) {
        g_autofree char *devs = devices_str(priv);

        g_warning("cannot unmap 0x%" PRIx64 " bytes at IOVA 0x%" PRIx64 " of '%s' from the %s IOMMU (devices %s): %s; those devices may still reach that memory",
                  end - start, start, memory_region_name(section->mr),
                  vfio_container_backend_name(priv->self), devs, g_strerror(-ret));
    }
}

/* The section of the IOMMU page at @iova when one RAM region backs all of it contiguously. */
static bool whole_ram_page(VFIOContainerPrivate *priv, uint64_t iova, MemoryRegionSection *out)
{
    uint64_t pg = min_pgsize(priv), a = iova;

    if (iova + pg < iova) {
        return false;
    }
    *out = (MemoryRegionSection){ 0 };
    while (a < iova + pg) {
        MemoryRegionSection s = memory_region_find(priv->space->as, a, iova + pg - a);
        bool ok = s.mr && s.offset_within_address_space == a && memory_region_is_ram(s.mr);

        if (ok && out->mr) {
            ok = s.mr == out->mr && s.readonly == out->readonly &&
                 s.offset_within_region == out->offset_within_region + (a - iova);
        } else if (ok) {
            *out = s;
        }
        if (s.mr) {
            memory_region_unref(s.mr);
        }
        if (!ok) {
            return false;
        }
        a += s.size;
    }
    out->offset_within_address_space = iova;
    out->size = pg;
    return true;
}

static int cmp_u64(gconstpointer a, gconstpointer b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Map the edge pages of this commit's changes that are wholly RAM and not mapped yet. */
static void vfio_listener_commit(MemoryListener *listener)
{
    VFIOContainerPrivate *priv = listener_priv(listener);
    GArray *pages = priv->recheck;
    unsigned count;

    if (priv->listening || priv->replaying) {
        g_array_sort(pages, cmp_u64);
        for (guint i = 0; i < pages->len; i++) {
            uint64_t iova = g_array_index(pages, uint64_t, i);
            MemoryRegionSection section;
            unsigned at;

            if (i > 0 && g_array_index(pages, uint64_t, i - 1) == iova) {
                continue;
            }
            at = vfio_dma_table_lookup(priv->dma, iova);
            if (at < vfio_dma_table_count(priv->dma) &&
                vfio_dma_table_get(priv->dma, at)->iova <= iova) {
                continue; /* mapped */
            }
            if (whole_ram_page(priv, iova, &section)) {
                trace_vfio_listener_region_add(memory_region_name(section.mr), iova,
                                               section.size,
                                               memory_region_is_ram_device(section.mr));
                map_range(priv, &section, iova, iova + section.size);
            }
        }
    }
    g_array_set_size(pages, 0);
    count = vfio_dma_table_count(priv->dma);
    if (count != priv->last_count) {
        trace_vfio_dma_count(vfio_container_backend_name(priv->self), count,
                             vfio_dma_table_bytes(priv->dma), priv->dma_max_mappings);
        priv->last_count = count;
    }
}

/* The page size dirty bitmaps use: the IOMMU's smallest page if the kernel tracks at that
 * size, else the smallest larger one it tracks; 0 when none. */
static uint64_t dirty_pgsize(VFIOContainerPrivate *priv)
{
    uint64_t ok = priv->dirty_pgsizes & ~(min_pgsize(priv) - 1);

    return ok & -ok;
}

static void dma_logging_stop_all(VFIOContainerPrivate *priv)
{
    for (GList *l = priv->devices.head; l; l = l->next) {
        vfio_device_dma_logging_stop(l->data);
    }
}

/*
 * When every device of the container logs its own DMA, use that: it reports the pages the
 * devices wrote, where type1 reports every pinned page and iommufd has no tracking for an
 * mdev. False (nothing started) when a device does not offer it or a start fails.
 */
static bool dma_logging_start_all(VFIOContainerPrivate *priv)
{
    uint64_t want = MAX(min_pgsize(priv), RAM_BLOCK_PAGE_SIZE);

    if (!priv->devices.head) {
        return false;
    }
    for (GList *l = priv->devices.head; l; l = l->next) {
        if (!vfio_device_dma_logging_probe(l->data)) {
            return false;
        }
    }
    for (GList *l = priv->devices.head; l; l = l->next) {
        uint64_t pg = want;

        if (vfio_device_dma_logging_start(l->data, priv->dma, &pg) < 0 || !pg ||
            (pg & (pg - 1)) || pg < RAM_BLOCK_PAGE_SIZE) {
            dma_logging_stop_all(priv);
            return false;
        }
    }
    return true;
}

static bool vfio_listener_log_global_start(MemoryListener *listener, GError **errp)
{
    VFIOContainerPrivate *priv = listener_priv(listener);
    int ret;

    (void)errp;
    if (dma_logging_start_all(priv)) {
        priv->dirty_device = true;
        priv->dirty_tracking = true;
        return true;
    }
    if (!dirty_pgsize(priv)) {
        /*
         * The IOMMU cannot tell which pages devices write: as QEMU does, every sync reports all
         * mapped RAM dirty. Devices that need real tracking block migration themselves
         * (vfio-pci enable-migration=auto); enable-migration=on accepts this cost.
         */
        priv->dirty_all = true;
        priv->dirty_tracking = true;
        trace_vfio_dirty_all(vfio_container_backend_name(priv->self), min_pgsize(priv));
        return true;
    }
    ret = vfio_container_set_dirty_page_tracking(priv->self, true);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot start tracking pages devices write (%s backend): %s",
                    vfio_container_backend_name(priv->self), g_strerror(-ret));
        return false;
    }
    priv->dirty_tracking = true;
    return true;
}

static void vfio_listener_log_global_stop(MemoryListener *listener)
{
    VFIOContainerPrivate *priv = listener_priv(listener);
    int ret;

    if (!priv->dirty_tracking) {
        return;
    }
    if (priv->dirty_device) {
        dma_logging_stop_all(priv);
        priv->dirty_device = false;
        priv->dirty_tracking = false;
        return;
    }
    if (priv->dirty_all) {
        priv->dirty_all = false;
        priv->dirty_tracking = false;
        return;
    }
    ret = vfio_container_set_dirty_page_tracking(priv->self, false);
    if (ret < 0) {
        g_warning("cannot stop tracking pages devices write (%s backend): %s",
                  vfio_container_backend_name(priv->self), g_strerror(-ret));
    }
    priv->dirty_tracking = false;
}

/*
 * The pages of @m each device wrote, OR'ed into @bitmap (one bit per @pg); -errno when a
 * device cannot say (a mapping made after logging started lies outside its logged ranges, a
 * device joined the container later, or the report failed).
 */
static int dma_logging_report_all(VFIOContainerPrivate *priv, const VFIODmaMapping *m,
                                  uint64_t pg, uint64_t *bitmap, uint64_t words)
{
    g_autofree uint64_t *one = g_new(uint64_t, words);

    for (GList *l = priv->devices.head; l; l = l->next) {
        VFIODevice *vbasedev = l->data;
        int ret;

        if (vbasedev->dma_logging_pgsize != pg ||
            !vfio_device_dma_logging_covers(vbasedev, m->iova, m->size)) {
            return -ERANGE;
        }
        memset(one, 0, words * sizeof(*one));
        ret = vfio_device_dma_logging_report(vbasedev, m->iova, m->size, one);
        if (ret < 0) {
            return ret;
        }
        for (uint64_t w = 0; w < words; w++) {
            bitmap[w] |= one[w];
        }
    }
    return 0;
}

/* Query one mapping's dirty pages (the devices' logs, else the IOMMU's dirty page size) and
 * set them in its RAM block; on failure mark it all dirty, which is always safe. */
static void sync_mapping(VFIOContainerPrivate *priv, const VFIODmaMapping *m)
{
    RAMBlock *rb = memory_region_get_ram_block(m->owner);
    uint64_t pg;
    uint64_t npages;
    g_autofree uint64_t *bitmap = NULL;
    int ret;

    if (!rb || memory_region_is_ram_device(m->owner)) {
        return;
    }
    pg = priv->dirty_device && priv->devices.head
             ? ((VFIODevice *)priv->devices.head->data)->dma_logging_pgsize
             : dirty_pgsize(priv);
    if (priv->dirty_all || !pg || (m->iova | m->size) & (pg - 1)) {
        /* No tracking, or not whole dirty-tracking pages: all of it may be dirty. */
        ram_block_dirty_set(rb, m->owner_offset, m->size);
        return;
    }
    npages = m->size / pg;
    bitmap = g_new0(uint64_t, (npages + 63) / 64);
    ret = priv->dirty_device
              ? dma_logging_report_all(priv, m, pg, bitmap, (npages + 63) / 64)
              : vfio_container_query_dirty_bitmap(priv->self, m->iova, m->size, pg, bitmap);
    if (ret < 0) {
        ram_block_dirty_set(rb, m->owner_offset, m->size);
        return;
    }
    if (pg == RAM_BLOCK_PAGE_SIZE) {
        ram_block_dirty_merge(rb, m->owner_offset, bitmap, npages);
        return;
    }
    for (uint64_t i = 0; i < npages; i++) {
        if (bitmap[i / 64] & (1ULL << (i % 64))) {
            ram_block_dirty_set(rb, m->owner_offset + i * pg, pg);
        }
    }
}

/* Whether a device of the container asked not to sync during precopy
 * (x-pre-copy-dirty-page-tracking=off) and has not stopped yet. */
static bool sync_paused(VFIOContainerPrivate *priv)
{
    for (GList *l = priv->devices.head; l; l = l->next) {
        VFIODevice *vbasedev = l->data;

        if (vbasedev->dirty_sync_paused) {
            return true;
        }
    }
    return false;
}

static void vfio_listener_log_sync(MemoryListener *listener, MemoryRegionSection *section)
{
    VFIOContainerPrivate *priv = listener_priv(listener);
    uint64_t start, end;

    if (!priv->dirty_tracking || !memory_region_is_ram(section->mr) ||
        !section_range(priv, section, &start, &end)) {
        return;
    }
    if (sync_paused(priv)) {
        trace_vfio_dirty_sync_paused(vfio_container_backend_name(priv->self), start, end - start);
        return;
    }
    for (unsigned i = vfio_dma_table_lookup(priv->dma, start);
         i < vfio_dma_table_count(priv->dma); i++) {
        const VFIODmaMapping *m = vfio_dma_table_get(priv->dma, i);

        if (m->iova >= end) {
            break;
        }
        sync_mapping(priv, m);
    }
}

bool vfio_container_listen(VFIOContainer *container, VFIOAddressSpace *space, GError **errp)
{
    VFIOContainerPrivate *priv = vfio_container_priv(container);

    g_return_val_if_fail(!priv->listening, false);
    if (!priv->dma) {
        priv->dma = vfio_dma_table_new(&table_ops, container);
    }
    vfio_dma_table_set_merge(priv->dma, VFIO_CONTAINER_GET_CLASS(container)->dma_merge);
    priv->space = space;
    vfio_address_space_add_container(space, container);
    if (priv->no_dma) {
        /* noiommu: the device sees host physical addresses; there is nothing to map. */
        priv->listening = true;
        trace_vfio_container_listen_no_dma(vfio_container_backend_name(container),
                                           address_space_name(space->as));
        return true;
    }
    priv->listener = (MemoryListener){
        .region_add = vfio_listener_region_add,
        .region_del = vfio_listener_region_del,
        .commit = vfio_listener_commit,
        .log_global_start = vfio_listener_log_global_start,
        .log_global_stop = vfio_listener_log_global_stop,
        .log_sync = vfio_listener_log_sync,
        .priority = 10,
        .name = "vfio",
    };
    priv->replaying = true;
    memory_listener_register(&priv->listener, space->as);
    priv->replaying = false;
    priv->listening = true;
    trace_vfio_container_listen(vfio_container_backend_name(container),
                                address_space_name(space->as),
                                vfio_dma_table_count(priv->dma),
                                vfio_dma_table_bytes(priv->dma));
    if (priv->replay_error) {
        g_propagate_error(errp, g_steal_pointer(&priv->replay_error));
        vfio_container_unlisten(container);
        return false;
    }
    return true;
}

void vfio_container_unlisten(VFIOContainer *container)
{
    VFIOContainerPrivate *priv = vfio_container_priv(container);
    int ret;

    if (!priv->listening) {
        return;
    }
    priv->listening = false; /* commit maps nothing back while the listener goes */
    if (!priv->no_dma) {
        memory_listener_unregister(&priv->listener);
    }
    /* Whatever region_del left (e.g. a failed unmap) goes now. */
    ret = vfio_dma_table_unmap_all(priv->dma);
    if (ret < 0) {
        g_warning("cannot unmap guest memory from the %s IOMMU: %s",
                  vfio_container_backend_name(container), g_strerror(-ret));
    }
    vfio_address_space_remove_container(priv->space, container);
    priv->space = NULL;
    priv->listening = false;
}

/* --- attach and detach --- */

bool vfio_attach_device(const char *name, VFIODevice *vbasedev, AddressSpace *as, GError **errp)
{
    const char *type_name = vbasedev->iommufd ? VFIO_CONTAINER_TYPE_IOMMUFD
                                              : VFIO_CONTAINER_TYPE_LEGACY;
    VFIOContainerClass *klass;
    VFIOAddressSpace *space;
    GType type;
    char *copy;
    int ret;

    if (vbasedev->attached) {
        g_set_error(errp, VFIO_ERROR, EBUSY, "the device is already attached");
        return false;
    }
    vfio_register_types();
    type = g_type_from_name(type_name);
    if (!type || !g_type_is_a(type, VFIO_TYPE_CONTAINER)) {
        g_set_error(errp, VFIO_ERROR, ENOTSUP,
                    "the %s VFIO backend is not part of this build", type_name);
        return false;
    }
    copy = g_strdup(name);
    g_free(vbasedev->name);
    vbasedev->name = copy;
    if (!vbasedev->sysfsdev) {
        vbasedev->sysfsdev = g_strdup_printf("/sys/bus/pci/devices/%s", name);
    }

    klass = g_type_class_ref(type);
    trace_vfio_attach_device(name, klass->backend_name, address_space_name(as));
    space = vfio_address_space_get(as);
    if (!klass->attach_device(klass, name, vbasedev, space, errp)) {
        vfio_address_space_put(space);
        g_type_class_unref(klass);
        return false;
    }
    ret = vfio_device_get_info(vbasedev);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot read the device's info (VFIO_DEVICE_GET_INFO): %s",
                    g_strerror(-ret));
        klass->detach_device(vbasedev->container, vbasedev);
        vbasedev->container = NULL;
        vfio_address_space_put(space);
        g_type_class_unref(klass);
        return false;
    }
    g_type_class_unref(klass);

    vbasedev->attached = true;
    g_queue_push_tail_link(&devices, &vbasedev->global_link);
    g_queue_push_tail_link(&vfio_container_priv(vbasedev->container)->devices,
                           &vbasedev->container_link);
    if (!reset_handler_registered) {
        hd_reset_handler_register(vfio_reset_handler, NULL);
        reset_handler_registered = true;
    }
    trace_vfio_attach_device_done(name, vbasedev->fd, vbasedev->flags, vbasedev->num_regions,
                                  vbasedev->num_irqs);
    return true;
}

void vfio_detach_device(VFIODevice *vbasedev)
{
    VFIOContainer *container = vbasedev->container;
    VFIOAddressSpace *space;

    if (!vbasedev->attached) {
        return;
    }
    trace_vfio_detach_device(vbasedev->name);
    vfio_device_dma_logging_stop(vbasedev);
    space = vfio_container_get_space(container);
    g_queue_unlink(&devices, &vbasedev->global_link);
    g_queue_unlink(&vfio_container_priv(container)->devices, &vbasedev->container_link);
    vbasedev->attached = false;
    VFIO_CONTAINER_GET_CLASS(container)->detach_device(container, vbasedev);
    vbasedev->container = NULL;
    vfio_address_space_put(space);
    if (devices.length == 0 && reset_handler_registered) {
        hd_reset_handler_unregister(vfio_reset_handler, NULL);
        reset_handler_registered = false;
    }
}

bool vfio_device_hot_reset(VFIODevice *vbasedev, bool single, GError **errp)
{
    VFIOContainerClass *klass;
    bool ok;

    if (!vbasedev->attached) {
        g_set_error(errp, VFIO_ERROR, ENODEV, "cannot hot reset a device that is not attached");
        return false;
    }
    klass = VFIO_CONTAINER_GET_CLASS(vbasedev->container);
    if (!klass->pci_hot_reset) {
        g_set_error(errp, VFIO_ERROR, ENOTSUP,
                    "the %s VFIO backend cannot reset a PCI bus or slot", klass->backend_name);
        return false;
    }
    ok = klass->pci_hot_reset(vbasedev->container, vbasedev, single, errp);
    trace_vfio_hot_reset(vbasedev->name, single, ok);
    return ok;
}

/* --- KVM's VFIO device --- */

static int kvm_vm_fd = -1;
static int kvm_vfio_fd = -1; /* created on the first file added */

void vfio_kvm_set_vm_fd(int vm_fd)
{
    if (kvm_vfio_fd >= 0) {
        vfio_sys_close(kvm_vfio_fd);
        kvm_vfio_fd = -1;
    }
    kvm_vm_fd = vm_fd;
}

static int kvm_file_attr(int fd, uint64_t which)
{
    int32_t fd32 = fd;
    struct kvm_device_attr attr = {
        .group = KVM_DEV_VFIO_FILE,
        .attr = which,
        .addr = (uintptr_t)&fd32,
    };
    int ret;

    if (kvm_vm_fd < 0) {
        return 0;
    }
    if (kvm_vfio_fd < 0) {
        struct kvm_create_device cd = { .type = KVM_DEV_TYPE_VFIO };

        ret = vfio_sys_ioctl(kvm_vm_fd, KVM_CREATE_DEVICE, &cd);
        if (ret < 0) {
            return ret;
        }
        kvm_vfio_fd = (int)cd.fd;
    }
    ret = which == KVM_DEV_VFIO_FILE_ADD ? vfio_sys_ioctl(kvm_vfio_fd, KVM_SET_DEVICE_ATTR, &attr)
                                         : vfio_sys_ioctl_undo(kvm_vfio_fd, KVM_SET_DEVICE_ATTR,
                                                               &attr);
    trace_vfio_kvm_file(fd, which == KVM_DEV_VFIO_FILE_ADD ? "add" : "del", ret);
    return ret < 0 ? ret : 0;
}

int vfio_kvm_file_add(int fd)
{
    return kvm_file_attr(fd, KVM_DEV_VFIO_FILE_ADD);
}

const char *vfio_kvm_file_add_hint(int err)
{
    /* What KVM_CREATE_DEVICE says when KVM has no VFIO device type. */
    return err == ENODEV || err == ENOTTY
               ? "; is the kernel's KVM built with VFIO support (CONFIG_KVM_VFIO)?"
               : "";
}

int vfio_kvm_file_del(int fd)
{
    return kvm_file_attr(fd, KVM_DEV_VFIO_FILE_DEL);
}

/* --- system reset --- */

void vfio_reset_handler(void *opaque)
{
    (void)opaque;

    trace_vfio_reset_handler(devices.length);
    for (GList *l = devices.head; l; l = l->next) {
        VFIODevice *vbasedev = l->data;

        if (vbasedev->ops && vbasedev->ops->compute_needs_reset) {
            vbasedev->ops->compute_needs_reset(vbasedev);
        }
    }
    for (GList *l = devices.head; l; l = l->next) {
        VFIODevice *vbasedev = l->data;
        g_autoptr(GError) err = NULL;

        if (!vbasedev->needs_reset || !vbasedev->ops || !vbasedev->ops->hot_reset_multi) {
            continue;
        }
        if (!vbasedev->ops->hot_reset_multi(vbasedev, &err)) {
            g_warning("%s: system reset could not reset the device: %s", vbasedev->name,
                      err ? err->message : "unknown error");
        }
    }
}
