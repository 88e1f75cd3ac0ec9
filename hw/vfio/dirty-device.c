/*
 * Device DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_*): the device's own driver records the
 * pages the device writes, for a container whose IOMMU cannot (an mdev on iommufd) or only
 * coarsely (type1 reports every pinned page). The common layer prefers it when every device
 * of a container offers it; these helpers talk to the kernel for one device.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <linux/vfio.h>

#include "dma-table.h"
#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-sys.h"
#include "trace.h"
#include "vfio-internal.h"

/* The kernel reads the ranges from one page of vfio_device_feature_dma_logging_range. */
#define LOGGING_MAX_RANGES (4096 / sizeof(struct vfio_device_feature_dma_logging_range))

bool vfio_device_dma_logging_probe(VFIODevice *vbasedev)
{
    int ret = vfio_device_feature(vbasedev, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
                                                VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
                                  NULL, 0);

    trace_vfio_dma_logging_probe(vbasedev->name, ret);
    return ret == 0;
}

/*
 * The IOVA ranges to log: the container's mappings with adjacent ones joined, at most
 * LOGGING_MAX_RANGES (the smallest gaps are closed first when there are more), aligned to
 * @pgsize. Mappings made later outside these ranges are not logged; the sync treats them as
 * all dirty (vfio_dma_logging_covers()).
 */
static GArray *logging_ranges(VFIODmaTable *dma, uint64_t pgsize)
{
    GArray *r = g_array_new(false, false, sizeof(struct vfio_device_feature_dma_logging_range));

    for (unsigned i = 0; i < vfio_dma_table_count(dma); i++) {
        const VFIODmaMapping *m = vfio_dma_table_get(dma, i);
        uint64_t start = vfio_align_down(m->iova, pgsize);
        uint64_t end = vfio_align_up(m->iova + m->size, pgsize);
        struct vfio_device_feature_dma_logging_range *last =
            r->len ? &g_array_index(r, struct vfio_device_feature_dma_logging_range, r->len - 1)
                   : NULL;

        if (last && start <= last->iova + last->length) {
            last->length = MAX(last->iova + last->length, end) - last->iova;
            continue;
        }
        g_array_append_val(r, ((struct vfio_device_feature_dma_logging_range){
                                  .iova = start, .length = end - start}));
    }
    while (r->len > LOGGING_MAX_RANGES) {
        guint best = 1;
        uint64_t best_gap = UINT64_MAX;

        for (guint i = 1; i < r->len; i++) {
            struct vfio_device_feature_dma_logging_range *a, *b;

            a = &g_array_index(r, struct vfio_device_feature_dma_logging_range, i - 1);
            b = &g_array_index(r, struct vfio_device_feature_dma_logging_range, i);
            if (b->iova - (a->iova + a->length) < best_gap) {
                best_gap = b->iova - (a->iova + a->length);
                best = i;
            }
        }
        struct vfio_device_feature_dma_logging_range *a =
            &g_array_index(r, struct vfio_device_feature_dma_logging_range, best - 1);
        struct vfio_device_feature_dma_logging_range *b =
            &g_array_index(r, struct vfio_device_feature_dma_logging_range, best);
        a->length = b->iova + b->length - a->iova;
        g_array_remove_index(r, best);
    }
    return r;
}

int vfio_device_dma_logging_start(VFIODevice *vbasedev, VFIODmaTable *dma, uint64_t *pgsize)
{
    g_autoptr(GArray) ranges = logging_ranges(dma, *pgsize);
    struct {
        struct vfio_device_feature hdr;
        struct vfio_device_feature_dma_logging_control control;
    } arg = {
        .hdr = {.argsz = sizeof(arg),
                .flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_START},
        .control = {.page_size = *pgsize,
                    .num_ranges = ranges->len,
                    .ranges = (uintptr_t)ranges->data},
    };
    int ret;

    if (!ranges->len) {
        return -ENOENT; /* nothing mapped: the kernel refuses an empty list */
    }
    ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_FEATURE, &arg);
    ret = ret < 0 ? ret : 0;
    trace_vfio_dma_logging_start(vbasedev->name, ranges->len, *pgsize, arg.control.page_size,
                                 ret);
    if (ret == 0) {
        /* The driver may log at another page size; it says which. */
        *pgsize = arg.control.page_size;
        g_clear_pointer(&vbasedev->dma_logging_ranges, g_array_unref);
        vbasedev->dma_logging_ranges = g_steal_pointer(&ranges);
        vbasedev->dma_logging_pgsize = *pgsize;
    }
    return ret;
}

void vfio_device_dma_logging_stop(VFIODevice *vbasedev)
{
    int ret;

    if (!vbasedev->dma_logging_ranges) {
        return;
    }
    ret = vfio_device_feature(vbasedev,
                              VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP,
                              NULL, 0);
    trace_vfio_dma_logging_stop(vbasedev->name, ret);
    g_clear_pointer(&vbasedev->dma_logging_ranges, g_array_unref);
    vbasedev->dma_logging_pgsize = 0;
}

bool vfio_device_dma_logging_covers(VFIODevice *vbasedev, uint64_t iova, uint64_t size)
{
    GArray *r = vbasedev->dma_logging_ranges;

    if (!r) {
        return false;
    }
    for (guint i = 0; i < r->len; i++) {
        struct vfio_device_feature_dma_logging_range *x =
            &g_array_index(r, struct vfio_device_feature_dma_logging_range, i);

        if (iova >= x->iova && iova + size <= x->iova + x->length) {
            return true;
        }
    }
    return false;
}

int vfio_device_dma_logging_report(VFIODevice *vbasedev, uint64_t iova, uint64_t size,
                                   uint64_t *bitmap)
{
    /* A GET whose input (the range and the bitmap's address) the kernel reads. */
    struct {
        struct vfio_device_feature hdr;
        struct vfio_device_feature_dma_logging_report report;
    } arg = {
        .hdr = {.argsz = sizeof(arg),
                .flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT},
        .report = {.iova = iova,
                   .length = size,
                   .page_size = vbasedev->dma_logging_pgsize,
                   .bitmap = (uintptr_t)bitmap},
    };
    int ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_FEATURE, &arg);

    ret = ret < 0 ? ret : 0;
    trace_vfio_dma_logging_report(vbasedev->name, iova, size, ret);
    return ret;
}
