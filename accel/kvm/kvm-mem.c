/*
 * KVM memory slots: every RAM section of the system address space (guest RAM, and mmap'd
 * device memory such as VFIO BARs, so guest MMIO to them takes no exit) becomes a slot. What
 * is not page-aligned stays trapped and is dispatched by the vCPU exit handler.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm-internal.h"
#include "trace.h"

typedef struct KvmSlot {
    uint32_t slot;
    bool used;
    uint64_t gpa;
    uint64_t size;
    void *host;
    bool readonly;
} KvmSlot;

static bool set_slot(KvmState *s, KvmSlot *slot, uint64_t size)
{
    struct kvm_userspace_memory_region r = {
        .slot = slot->slot,
        .flags = slot->readonly ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = slot->gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)slot->host,
    };
    int ret = ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);

    trace_kvm_set_memslot(slot->slot, slot->gpa, size, slot->host, ret < 0 ? -errno : 0);
    if (ret < 0) {
        g_warning("kvm: memory slot %u at 0x%" G_GINT64_MODIFIER "x (+0x%" G_GINT64_MODIFIER
                  "x): KVM_SET_USER_MEMORY_REGION: %s",
                  slot->slot, slot->gpa, size, g_strerror(errno));
        return false;
    }
    return true;
}

/* The page-aligned part of @section, or false when none is RAM-backed. */
static bool section_range(const MemoryRegionSection *section, uint64_t *gpa, uint64_t *size,
                          void **host)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t start = section->offset_within_address_space;
    uint64_t end = start + section->size;
    uint64_t astart = (start + page - 1) & ~(page - 1);
    uint64_t aend = end & ~(page - 1);
    uint8_t *ptr;

    if (!memory_region_is_ram(section->mr) || aend <= astart) {
        return false;
    }
    ptr = memory_region_get_ram_ptr(section->mr);
    if (!ptr) {
        return false;
    }
    *gpa = astart;
    *size = aend - astart;
    *host = ptr + section->offset_within_region + (astart - start);
    return true;
}

static void region_add(MemoryListener *listener, MemoryRegionSection *section)
{
    KvmState *s = container_of(listener, KvmState, mem_listener);
    uint64_t gpa, size;
    void *host;
    KvmSlot *slot = NULL;

    if (!section_range(section, &gpa, &size, &host)) {
        return;
    }
    for (guint i = 0; i < s->slots->len; i++) {
        if (!g_array_index(s->slots, KvmSlot, i).used) {
            slot = &g_array_index(s->slots, KvmSlot, i);
            break;
        }
    }
    if (!slot) {
        g_warning("kvm: out of memory slots (%u) for %s at 0x%" G_GINT64_MODIFIER
                  "x; guest accesses there will fail",
                  s->nr_slots, memory_region_name(section->mr), gpa);
        return;
    }
    slot->used = true;
    slot->gpa = gpa;
    slot->size = size;
    slot->host = host;
    slot->readonly = section->readonly;
    if (!set_slot(s, slot, size)) {
        slot->used = false;
    }
}

static void region_del(MemoryListener *listener, MemoryRegionSection *section)
{
    KvmState *s = container_of(listener, KvmState, mem_listener);
    uint64_t gpa, size;
    void *host;

    if (!section_range(section, &gpa, &size, &host)) {
        return;
    }
    /* Every slot inside the range goes: a removal may cover sections added one by one. */
    for (guint i = 0; i < s->slots->len; i++) {
        KvmSlot *slot = &g_array_index(s->slots, KvmSlot, i);

        if (slot->used && slot->gpa >= gpa && slot->gpa + slot->size <= gpa + size) {
            set_slot(s, slot, 0);
            slot->used = false;
        }
    }
}

void kvm_memory_init(KvmState *s)
{
    s->slots = g_array_new(FALSE, TRUE, sizeof(KvmSlot));
    g_array_set_size(s->slots, MIN(s->nr_slots, 512u));
    for (guint i = 0; i < s->slots->len; i++) {
        g_array_index(s->slots, KvmSlot, i).slot = i;
    }
    s->mem_listener = (MemoryListener){
        .region_add = region_add,
        .region_del = region_del,
        .priority = 10,
        .name = "kvm-memslots",
    };
    memory_listener_register(&s->mem_listener, memory_system_address_space());
}

void kvm_memory_cleanup(KvmState *s)
{
    if (s->slots) {
        memory_listener_unregister(&s->mem_listener);
        g_clear_pointer(&s->slots, g_array_unref);
    }
}
