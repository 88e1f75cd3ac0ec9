/*
 * Memory regions: construction, reference counting, the container tree and region
 * properties; every change runs inside a transaction so listeners see one diff per commit.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "memory-internal.h"

static unsigned transaction_depth;
static bool update_pending;

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    g_return_if_fail(transaction_depth > 0);
    if (--transaction_depth > 0) {
        return;
    }
    /* Changes made by listeners while they are told wait for another pass. */
    while (update_pending) {
        update_pending = false;
        transaction_depth++;
        memory_update_topology();
        transaction_depth--;
    }
}

/* Record that the topology changed; the caller is inside a transaction. */
static void mark_changed(void)
{
    update_pending = true;
}

static MemoryRegion *region_new(MemoryRegionKind kind, const char *name, uint64_t size)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);

    mr->refcount = 1;
    mr->kind = kind;
    mr->name = g_strdup(name ? name : "anonymous");
    mr->size = size;
    mr->max_size = size;
    mr->enabled = true;
    return mr;
}

static MemoryRegion *region_new_ram_block(const char *name, RAMBlock *rb)
{
    MemoryRegion *mr = region_new(MR_KIND_RAM, name, ram_block_size(rb));

    mr->ram_block = rb;
    mr->host = ram_block_host(rb);
    return mr;
}

MemoryRegion *memory_region_new_ram(const char *name, uint64_t size, GError **errp)
{
    RAMBlock *rb = ram_block_new_memfd(name, size, errp);

    return rb ? region_new_ram_block(name, rb) : NULL;
}

MemoryRegion *memory_region_new_ram_from_fd(const char *name, uint64_t size, int fd,
                                            uint64_t fd_offset, GError **errp)
{
    RAMBlock *rb = ram_block_new_from_fd(name, size, fd, fd_offset, errp);

    return rb ? region_new_ram_block(name, rb) : NULL;
}

MemoryRegion *memory_region_new_ram_device(const char *name, uint64_t size, void *host)
{
    MemoryRegion *mr;

    g_return_val_if_fail(host != NULL, NULL);
    mr = region_new(MR_KIND_RAM_DEVICE, name, size);
    mr->host = host;
    return mr;
}

MemoryRegion *memory_region_new_io(const char *name, uint64_t size, const MemoryRegionOps *ops,
                                   void *opaque)
{
    MemoryRegion *mr = region_new(MR_KIND_IO, name, size);

    mr->ops = ops;
    mr->opaque = opaque;
    return mr;
}

MemoryRegion *memory_region_new_alias(const char *name, MemoryRegion *target, hwaddr offset,
                                      uint64_t size)
{
    MemoryRegion *mr;

    g_return_val_if_fail(target != NULL, NULL);
    mr = region_new(MR_KIND_ALIAS, name, size);
    mr->alias = memory_region_ref(target);
    mr->alias_offset = offset;
    return mr;
}

MemoryRegion *memory_region_new_container(const char *name, uint64_t size)
{
    return region_new(MR_KIND_CONTAINER, name, size);
}

MemoryRegion *memory_region_ref(MemoryRegion *mr)
{
    g_return_val_if_fail(mr && mr->refcount > 0, mr);
    mr->refcount++;
    return mr;
}

void memory_region_unref(MemoryRegion *mr)
{
    if (!mr) {
        return;
    }
    g_return_if_fail(mr->refcount > 0);
    if (--mr->refcount > 0) {
        return;
    }
    /* Not mapped anywhere (a container would hold a reference), so nothing to re-render. */
    for (GList *l = mr->subregions; l; l = l->next) {
        MemoryRegion *sub = l->data;

        sub->container = NULL;
        memory_region_unref(sub);
    }
    g_list_free(mr->subregions);
    memory_region_unref(mr->alias);
    ram_block_unref(mr->ram_block);
    g_free(mr->name);
    g_free(mr);
}

/* Whether putting sub inside container would make container its own descendant. */
static bool would_loop(const MemoryRegion *container, const MemoryRegion *sub)
{
    for (const MemoryRegion *c = container; c; c = c->container) {
        if (c == sub) {
            return true;
        }
    }
    return false;
}

void memory_region_add_subregion_overlap(MemoryRegion *container, hwaddr offset,
                                         MemoryRegion *sub, int priority)
{
    GList *l;

    g_return_if_fail(container && container->kind == MR_KIND_CONTAINER);
    g_return_if_fail(sub && !sub->container);
    g_return_if_fail(!would_loop(container, sub));

    memory_region_transaction_begin();
    sub->container = container;
    sub->addr = offset;
    sub->priority = priority;
    /* In front of the first of equal or lower priority: the newest of a priority wins. */
    for (l = container->subregions; l; l = l->next) {
        if (((MemoryRegion *)l->data)->priority <= priority) {
            break;
        }
    }
    container->subregions = g_list_insert_before(container->subregions, l,
                                                 memory_region_ref(sub));
    mark_changed();
    memory_region_transaction_commit();
}

void memory_region_add_subregion(MemoryRegion *container, hwaddr offset, MemoryRegion *sub)
{
    memory_region_add_subregion_overlap(container, offset, sub, 0);
}

void memory_region_del_subregion(MemoryRegion *container, MemoryRegion *sub)
{
    g_return_if_fail(container && sub && sub->container == container);

    memory_region_transaction_begin();
    container->subregions = g_list_remove(container->subregions, sub);
    sub->container = NULL;
    /* The flat views keep what they show alive until the listeners are told. */
    memory_region_unref(sub);
    mark_changed();
    memory_region_transaction_commit();
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled == enabled) {
        return;
    }
    memory_region_transaction_begin();
    mr->enabled = enabled;
    mark_changed();
    memory_region_transaction_commit();
}

void memory_region_set_address(MemoryRegion *mr, hwaddr offset)
{
    if (mr->addr == offset) {
        return;
    }
    memory_region_transaction_begin();
    mr->addr = offset;
    mark_changed();
    memory_region_transaction_commit();
}

void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset)
{
    g_return_if_fail(mr->kind == MR_KIND_ALIAS);
    if (mr->alias_offset == offset) {
        return;
    }
    memory_region_transaction_begin();
    mr->alias_offset = offset;
    mark_changed();
    memory_region_transaction_commit();
}

void memory_region_set_size(MemoryRegion *mr, uint64_t size)
{
    if ((mr->kind == MR_KIND_RAM || mr->kind == MR_KIND_RAM_DEVICE) && size > mr->max_size) {
        g_critical("memory region '%s' cannot grow to %" G_GUINT64_FORMAT " bytes beyond its %" G_GUINT64_FORMAT " bytes of memory",
                   mr->name, size, mr->max_size);
        return;
    }
    if (mr->size == size) {
        return;
    }
    memory_region_transaction_begin();
    mr->size = size;
    mark_changed();
    memory_region_transaction_commit();
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly == readonly) {
        return;
    }
    memory_region_transaction_begin();
    mr->readonly = readonly;
    mark_changed();
    memory_region_transaction_commit();
}

void memory_region_set_log(MemoryRegion *mr, bool log)
{
    if (mr->log == log) {
        return;
    }
    memory_region_transaction_begin();
    mr->log = log;
    mark_changed();
    memory_region_transaction_commit();
}

void memory_region_set_name(MemoryRegion *mr, const char *name)
{
    g_free(mr->name);
    mr->name = g_strdup(name ? name : "anonymous");
}

const char *memory_region_name(const MemoryRegion *mr)
{
    return mr->name;
}

uint64_t memory_region_size(const MemoryRegion *mr)
{
    return mr->size;
}

bool memory_region_is_ram(const MemoryRegion *mr)
{
    return mr->kind == MR_KIND_RAM || mr->kind == MR_KIND_RAM_DEVICE;
}

bool memory_region_is_ram_device(const MemoryRegion *mr)
{
    return mr->kind == MR_KIND_RAM_DEVICE;
}

bool memory_region_is_io(const MemoryRegion *mr)
{
    return mr->kind == MR_KIND_IO;
}

bool memory_region_is_alias(const MemoryRegion *mr)
{
    return mr->kind == MR_KIND_ALIAS;
}

bool memory_region_is_container(const MemoryRegion *mr)
{
    return mr->kind == MR_KIND_CONTAINER;
}

bool memory_region_is_enabled(const MemoryRegion *mr)
{
    return mr->enabled;
}

bool memory_region_is_readonly(const MemoryRegion *mr)
{
    return mr->readonly;
}

bool memory_region_is_logging(const MemoryRegion *mr)
{
    return mr->log;
}

void *memory_region_get_ram_ptr(const MemoryRegion *mr)
{
    return mr->host;
}

RAMBlock *memory_region_get_ram_block(const MemoryRegion *mr)
{
    return mr->ram_block;
}

int memory_region_get_fd(const MemoryRegion *mr)
{
    return mr->ram_block ? ram_block_fd(mr->ram_block) : -1;
}

uint64_t memory_region_get_fd_offset(const MemoryRegion *mr)
{
    return mr->ram_block ? ram_block_fd_offset(mr->ram_block) : 0;
}

MemoryRegion *memory_region_get_container(const MemoryRegion *mr)
{
    return mr->container;
}

hwaddr memory_region_get_address(const MemoryRegion *mr)
{
    return mr->addr;
}

MemoryRegion *memory_region_get_alias(const MemoryRegion *mr)
{
    return mr->alias;
}

hwaddr memory_region_get_alias_offset(const MemoryRegion *mr)
{
    return mr->alias_offset;
}

void memory_region_set_dirty(MemoryRegion *mr, hwaddr offset, uint64_t len)
{
    if (mr->ram_block) {
        ram_block_dirty_set(mr->ram_block, offset, len);
    }
}

void memory_region_note_written(MemoryRegion *mr, hwaddr offset, uint64_t len)
{
    if (mr->ram_block && (mr->log || memory_global_dirty_log_active())) {
        ram_block_dirty_set(mr->ram_block, offset, len);
    }
}
