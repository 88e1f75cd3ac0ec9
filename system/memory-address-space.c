/*
 * Address spaces: lifetime, the list commits walk, section lookup and iteration, and the
 * machine's system memory and port I/O spaces.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "memory-internal.h"

static GList *address_spaces;
static MemoryRegion *system_root;
static AddressSpace *system_as;
static MemoryRegion *system_io_root;
static AddressSpace *system_io_as;

/* Size of the x86-style port I/O space. */
#define IO_SPACE_SIZE 0x10000

GList *address_space_list(void)
{
    return address_spaces;
}

AddressSpace *address_space_new(const char *name, MemoryRegion *root)
{
    AddressSpace *as;

    g_return_val_if_fail(root != NULL, NULL);
    as = g_new0(AddressSpace, 1);
    as->name = g_strdup(name ? name : "anonymous");
    as->root = memory_region_ref(root);
    as->current = flatview_render(root);
    address_spaces = g_list_append(address_spaces, as);
    return as;
}

void address_space_destroy(AddressSpace *as)
{
    if (!as) {
        return;
    }
    memory_listeners_detach_all(as);
    address_spaces = g_list_remove(address_spaces, as);
    flatview_free(as->current);
    memory_region_unref(as->root);
    g_free(as->name);
    g_free(as);
}

const char *address_space_name(const AddressSpace *as)
{
    return as->name;
}

MemoryRegion *address_space_root(const AddressSpace *as)
{
    return as->root;
}

void address_space_for_each_section(AddressSpace *as, AddressSpaceSectionFn fn, void *opaque)
{
    for (guint i = 0; i < as->current->ranges->len; i++) {
        MemoryRegionSection s =
            flatrange_section(&g_array_index(as->current->ranges, FlatRange, i), as);

        fn(&s, opaque);
    }
}

MemoryRegionSection memory_region_find(AddressSpace *as, hwaddr addr, uint64_t size)
{
    MemoryRegionSection s = { .address_space = as };
    hwaddr next;
    bool has_next;
    const FlatRange *fr = flatview_lookup(as->current, addr, &next, &has_next);
    hwaddr start, end;

    if (size == 0) {
        return s;
    }
    end = size > UINT64_MAX - addr ? UINT64_MAX : addr + size;
    if (!fr) {
        if (!has_next || next >= end) {
            return s;
        }
        fr = flatview_lookup(as->current, next, &next, &has_next);
    }
    start = MAX(addr, fr->start);
    end = MIN(end, fr->start + fr->size);
    s.mr = memory_region_ref(fr->mr);
    s.offset_within_address_space = start;
    s.offset_within_region = fr->offset + (start - fr->start);
    s.size = end - start;
    s.readonly = fr->readonly;
    return s;
}

MemoryRegion *memory_system_root(void)
{
    if (!system_root) {
        system_root = memory_region_new_container("system", UINT64_MAX);
        system_as = address_space_new("memory", system_root);
    }
    return system_root;
}

AddressSpace *memory_system_address_space(void)
{
    memory_system_root();
    return system_as;
}

MemoryRegion *memory_system_io_root(void)
{
    if (!system_io_root) {
        system_io_root = memory_region_new_container("io", IO_SPACE_SIZE);
        system_io_as = address_space_new("I/O", system_io_root);
    }
    return system_io_root;
}

AddressSpace *memory_system_io_address_space(void)
{
    memory_system_io_root();
    return system_io_as;
}

void memory_system_release(void)
{
    g_clear_pointer(&system_as, address_space_destroy);
    g_clear_pointer(&system_root, memory_region_unref);
    g_clear_pointer(&system_io_as, address_space_destroy);
    g_clear_pointer(&system_io_root, memory_region_unref);
}
