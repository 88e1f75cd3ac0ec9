/*
 * KVM memory slots: every RAM section of the system address space (guest RAM, and mmap'd
 * device memory such as VFIO BARs, so guest MMIO to them takes no exit) becomes a slot. What
 * is not page-aligned stays trapped and is dispatched by the vCPU exit handler. While global
 * dirty logging is on (migration), KVM logs the pages vCPUs write to guest RAM slots and each
 * sync merges its log into the RAM block's dirty bitmap.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <gio/gio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hw/vfio/vfio-sys.h"
#include "kvm-internal.h"
#include "system/ramblock.h"
#include "trace.h"

typedef struct KvmSlot {
    uint32_t slot;
    bool used;
    uint64_t gpa;
    uint64_t size;
    void *host;
    bool readonly;
    RAMBlock *rb;       /* guest RAM the slot maps (NULL: device memory), not referenced */
    uint64_t rb_offset; /* where in it */
    bool log;           /* KVM logs the pages written */
} KvmSlot;

/*
 * Make KVM's slot @slot->slot map @size bytes of @what (0 deletes it); a failure is said with
 * @then, what follows from it. Both go through the syscall seam; the fault sweep can fail
 * adding or changing a slot, not deleting one (a real kernel does not refuse that).
 */
static bool set_slot(KvmState *s, KvmSlot *slot, uint64_t size, const char *what,
                     const char *then)
{
    struct kvm_userspace_memory_region r = {
        .slot = slot->slot,
        .flags = (slot->readonly ? KVM_MEM_READONLY : 0) |
                 (slot->log ? KVM_MEM_LOG_DIRTY_PAGES : 0),
        .guest_phys_addr = slot->gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)slot->host,
    };
    int ret = size ? vfio_sys_ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r)
                   : vfio_sys_ioctl_undo(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);

    trace_kvm_set_memslot(slot->slot, slot->gpa, size, slot->host, ret);
    if (ret < 0) {
        g_warning("kvm: %s at 0x%" G_GINT64_MODIFIER "x (+0x%" G_GINT64_MODIFIER "x), memory "
                  "slot %u: KVM_SET_USER_MEMORY_REGION: %s%s",
                  what, slot->gpa, size ? size : slot->size, slot->slot, g_strerror(-ret), then);
        return false;
    }
    return true;
}

/* The page-aligned part of @section, or false when none is RAM-backed. */
static bool section_range(const MemoryRegionSection *section, uint64_t *gpa, uint64_t *size,
                          void **host, uint64_t *region_offset)
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
    *region_offset = section->offset_within_region + (astart - start);
    *host = ptr + *region_offset;
    return true;
}

/* Guest RAM a vCPU can write: device memory and ROM are not logged. */
static bool slot_loggable(const KvmSlot *slot)
{
    return slot->rb && !slot->readonly;
}

/* Merge the slot's dirty log (KVM clears it) into its RAM block; on failure all of it is
 * dirty, which is always safe. */
static void sync_slot(KvmState *s, KvmSlot *slot)
{
    uint64_t npages = slot->size / RAM_BLOCK_PAGE_SIZE;
    g_autofree uint64_t *bitmap = g_new0(uint64_t, (npages + 63) / 64);
    struct kvm_dirty_log log = { .slot = slot->slot, .dirty_bitmap = bitmap };
    uint64_t dirty = 0;

    if (ioctl(s->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0) {
        g_warning("kvm: KVM_GET_DIRTY_LOG of memory slot %u: %s; resending all of it",
                  slot->slot, g_strerror(errno));
        ram_block_dirty_set(slot->rb, slot->rb_offset, slot->size);
        trace_kvm_dirty_log_sync(slot->slot, slot->gpa, npages, -errno);
        return;
    }
    for (uint64_t i = 0; i < (npages + 63) / 64; i++) {
        dirty += (uint64_t)__builtin_popcountll(bitmap[i]);
    }
    if (!(slot->rb_offset % RAM_BLOCK_PAGE_SIZE)) {
        ram_block_dirty_merge(slot->rb, slot->rb_offset, bitmap, npages);
    } else {
        for (uint64_t i = 0; i < npages; i++) {
            if (bitmap[i / 64] & (1ull << (i % 64))) {
                ram_block_dirty_set(slot->rb, slot->rb_offset + i * RAM_BLOCK_PAGE_SIZE,
                                    RAM_BLOCK_PAGE_SIZE);
            }
        }
    }
    trace_kvm_dirty_log_sync(slot->slot, slot->gpa, dirty, 0);
}

static void set_slots_logging(KvmState *s, bool log)
{
    for (guint i = 0; i < s->slots->len; i++) {
        KvmSlot *slot = &g_array_index(s->slots, KvmSlot, i);

        if (slot->used && slot_loggable(slot) && slot->log != log) {
            slot->log = log;
            if (!set_slot(s, slot, slot->size, log ? "guest RAM, turning dirty logging on"
                                                : "guest RAM, turning dirty logging off", "")) {
                slot->log = !log;
            }
        }
    }
}

static bool log_global_start(MemoryListener *listener, GError **errp)
{
    KvmState *s = container_of(listener, KvmState, mem_listener);

    s->dirty_logging = true;
    set_slots_logging(s, true);
    for (guint i = 0; i < s->slots->len; i++) {
        KvmSlot *slot = &g_array_index(s->slots, KvmSlot, i);

        if (slot->used && slot_loggable(slot) && !slot->log) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "KVM cannot log the pages vCPUs write to memory slot %u at 0x%" G_GINT64_MODIFIER "x",
                        slot->slot, slot->gpa);
            s->dirty_logging = false;
            set_slots_logging(s, false);
            return false;
        }
    }
    trace_kvm_dirty_log_global(true);
    return true;
}

static void log_global_stop(MemoryListener *listener)
{
    KvmState *s = container_of(listener, KvmState, mem_listener);

    s->dirty_logging = false;
    set_slots_logging(s, false);
    trace_kvm_dirty_log_global(false);
}

static void log_sync(MemoryListener *listener, MemoryRegionSection *section)
{
    KvmState *s = container_of(listener, KvmState, mem_listener);
    uint64_t gpa, size, offset;
    void *host;

    if (!section_range(section, &gpa, &size, &host, &offset)) {
        return;
    }
    for (guint i = 0; i < s->slots->len; i++) {
        KvmSlot *slot = &g_array_index(s->slots, KvmSlot, i);

        /* Overlap: a slot may span several sections of one region, added merged. */
        if (slot->used && slot->log && slot->gpa < gpa + size && gpa < slot->gpa + slot->size) {
            sync_slot(s, slot);
        }
    }
}

static void region_add(MemoryListener *listener, MemoryRegionSection *section)
{
    KvmState *s = container_of(listener, KvmState, mem_listener);
    uint64_t gpa, size, offset;
    void *host;
    KvmSlot *slot = NULL;

    if (!section_range(section, &gpa, &size, &host, &offset)) {
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
    slot->rb = memory_region_is_ram_device(section->mr) ? NULL
                                                        : memory_region_get_ram_block(section->mr);
    slot->rb_offset = offset;
    slot->log = s->dirty_logging && slot_loggable(slot);
    /*
     * Device memory (a VFIO BAR) keeps working through the exit handler, only slower; guest
     * RAM does not (KVM cannot run code from an exit).
     */
    if (!set_slot(s, slot, size, memory_region_name(section->mr),
                  slot->rb ? "; the guest cannot run code from there"
                           : "; the guest's accesses there go through hostdev instead")) {
        slot->used = false;
    }
}

static void region_del(MemoryListener *listener, MemoryRegionSection *section)
{
    KvmState *s = container_of(listener, KvmState, mem_listener);
    uint64_t gpa, size, offset;
    void *host;

    if (!section_range(section, &gpa, &size, &host, &offset)) {
        return;
    }
    /* Every slot inside the range goes: a removal may cover sections added one by one. */
    for (guint i = 0; i < s->slots->len; i++) {
        KvmSlot *slot = &g_array_index(s->slots, KvmSlot, i);

        if (slot->used && slot->gpa >= gpa && slot->gpa + slot->size <= gpa + size) {
            if (slot->log) {
                sync_slot(s, slot); /* what vCPUs wrote through it is not lost */
            }
            slot->log = false;
            set_slot(s, slot, 0, memory_region_name(section->mr), "");
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
        .log_global_start = log_global_start,
        .log_global_stop = log_global_stop,
        .log_sync = log_sync,
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
