/*
 * VFIO container base type: the abstract GObject every backend subclasses, its IOMMU facts
 * (page sizes, IOVA ranges, limits) and the thin wrappers that check and trace the ops.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>

#include "trace.h"
#include "vfio-internal.h"

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE(VFIOContainer, vfio_container, G_TYPE_OBJECT)

VFIOContainerPrivate *vfio_container_priv(VFIOContainer *container)
{
    return vfio_container_get_instance_private(container);
}

static void vfio_container_finalize(GObject *obj)
{
    VFIOContainerPrivate *priv = vfio_container_priv(VFIO_CONTAINER(obj));

    g_array_free(priv->iova_ranges, TRUE);
    g_array_free(priv->recheck, TRUE);
    vfio_dma_table_free(priv->dma);
    g_clear_error(&priv->replay_error);
    G_OBJECT_CLASS(vfio_container_parent_class)->finalize(obj);
}

static void vfio_container_class_init(VFIOContainerClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = vfio_container_finalize;
    klass->backend_name = "none";
}

static void vfio_container_init(VFIOContainer *container)
{
    VFIOContainerPrivate *priv = vfio_container_priv(container);

    priv->self = container;
    priv->pgsizes = 4096;
    priv->iova_ranges = g_array_new(FALSE, FALSE, sizeof(VFIOIovaRange));
    priv->recheck = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    g_queue_init(&priv->devices);
}

void vfio_container_set_pgsizes(VFIOContainer *container, uint64_t pgsizes)
{
    vfio_container_priv(container)->pgsizes = pgsizes ? pgsizes : 4096;
}

void vfio_container_add_iova_range(VFIOContainer *container, uint64_t start, uint64_t last)
{
    VFIOIovaRange r = { .start = start, .last = last };

    if (last >= start) {
        g_array_append_val(vfio_container_priv(container)->iova_ranges, r);
    }
}

void vfio_container_set_dma_max_mappings(VFIOContainer *container, uint32_t max)
{
    vfio_container_priv(container)->dma_max_mappings = max;
}

void vfio_container_set_dirty_pgsizes(VFIOContainer *container, uint64_t pgsizes)
{
    vfio_container_priv(container)->dirty_pgsizes = pgsizes;
}

void vfio_container_set_no_dma(VFIOContainer *container)
{
    vfio_container_priv(container)->no_dma = true;
}

bool vfio_container_get_no_dma(VFIOContainer *container)
{
    return vfio_container_priv(container)->no_dma;
}

VFIOAddressSpace *vfio_container_get_space(VFIOContainer *container)
{
    return vfio_container_priv(container)->space;
}

uint64_t vfio_container_get_pgsizes(VFIOContainer *container)
{
    return vfio_container_priv(container)->pgsizes;
}

uint32_t vfio_container_get_dma_max_mappings(VFIOContainer *container)
{
    return vfio_container_priv(container)->dma_max_mappings;
}

uint64_t vfio_container_get_dirty_pgsizes(VFIOContainer *container)
{
    return vfio_container_priv(container)->dirty_pgsizes;
}

bool vfio_container_iova_valid(VFIOContainer *container, uint64_t iova, uint64_t last)
{
    GArray *ranges = vfio_container_priv(container)->iova_ranges;

    if (ranges->len == 0) {
        return true;
    }
    for (guint i = 0; i < ranges->len; i++) {
        VFIOIovaRange *r = &g_array_index(ranges, VFIOIovaRange, i);

        if (iova >= r->start && last <= r->last) {
            return true;
        }
    }
    return false;
}

const GList *vfio_container_devices(VFIOContainer *container)
{
    return vfio_container_priv(container)->devices.head;
}

unsigned vfio_container_mapping_count(VFIOContainer *container)
{
    VFIOContainerPrivate *priv = vfio_container_priv(container);

    return priv->dma ? vfio_dma_table_count(priv->dma) : 0;
}

uint64_t vfio_container_mapped_bytes(VFIOContainer *container)
{
    VFIOContainerPrivate *priv = vfio_container_priv(container);

    return priv->dma ? vfio_dma_table_bytes(priv->dma) : 0;
}

const char *vfio_container_backend_name(VFIOContainer *container)
{
    return VFIO_CONTAINER_GET_CLASS(container)->backend_name;
}

int vfio_container_dma_map(VFIOContainer *container, hwaddr iova, uint64_t size, void *vaddr,
                           bool readonly)
{
    VFIOContainerClass *klass = VFIO_CONTAINER_GET_CLASS(container);
    int ret;

    if (!klass->dma_map) {
        return -ENOTSUP;
    }
    ret = klass->dma_map(container, iova, size, vaddr, readonly);
    trace_vfio_dma_map(klass->backend_name, iova, size, vaddr, readonly, ret);
    return ret;
}

int vfio_container_dma_unmap(VFIOContainer *container, hwaddr iova, uint64_t size)
{
    VFIOContainerClass *klass = VFIO_CONTAINER_GET_CLASS(container);
    int ret;

    if (!klass->dma_unmap) {
        return -ENOTSUP;
    }
    ret = klass->dma_unmap(container, iova, size);
    trace_vfio_dma_unmap(klass->backend_name, iova, size, ret);
    return ret;
}

int vfio_container_set_dirty_page_tracking(VFIOContainer *container, bool start)
{
    VFIOContainerClass *klass = VFIO_CONTAINER_GET_CLASS(container);
    int ret;

    if (!klass->set_dirty_page_tracking) {
        return -ENOTSUP;
    }
    ret = klass->set_dirty_page_tracking(container, start);
    trace_vfio_dirty_tracking(klass->backend_name, start, ret);
    return ret;
}

int vfio_container_query_dirty_bitmap(VFIOContainer *container, hwaddr iova, uint64_t size,
                                      uint64_t pgsize, uint64_t *bitmap)
{
    VFIOContainerClass *klass = VFIO_CONTAINER_GET_CLASS(container);
    int ret;

    if (!klass->query_dirty_bitmap) {
        return -ENOTSUP;
    }
    ret = klass->query_dirty_bitmap(container, iova, size, pgsize, bitmap);
    trace_vfio_dirty_query(klass->backend_name, iova, size, ret);
    return ret;
}
