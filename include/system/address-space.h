/*
 * Address spaces: a root region rendered into a flat view, with sections, lookups and
 * guest accesses (RAM by memcpy, MMIO by dispatch, holes as all-ones plus an error).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_ADDRESS_SPACE_H
#define SYSTEM_ADDRESS_SPACE_H

#include "system/memory-region.h"

typedef struct AddressSpace AddressSpace;

/*
 * A piece of an address space that maps one region contiguously: what listeners are told
 * and memory_region_find() returns. mr is the terminal region (RAM, RAM device or MMIO;
 * aliases and containers are resolved); readonly includes read-only aliases and containers.
 */
typedef struct MemoryRegionSection {
    MemoryRegion *mr;
    AddressSpace *address_space;
    hwaddr offset_within_address_space;
    hwaddr offset_within_region;
    uint64_t size;
    bool readonly;
} MemoryRegionSection;

/* Callback of address_space_for_each_section(). */
typedef void (*AddressSpaceSectionFn)(const MemoryRegionSection *section, void *opaque);

/* A new address space named name showing root (referenced) from address 0. The address
 * space covers [0, UINT64_MAX): its very last byte cannot be mapped. */
AddressSpace *address_space_new(const char *name, MemoryRegion *root);
/* Unregister remaining listeners (each gets region_del), drop root and free. NULL ok. */
void address_space_destroy(AddressSpace *as);
/* The address space's name. */
const char *address_space_name(const AddressSpace *as);
/* The root region (no reference taken). */
MemoryRegion *address_space_root(const AddressSpace *as);
/* Call fn for every section of the current flat view, in ascending address order. */
void address_space_for_each_section(AddressSpace *as, AddressSpaceSectionFn fn, void *opaque);

/* The first section intersecting [addr, addr + size), clipped to it, with a reference on
 * section.mr (release with memory_region_unref); section.mr is NULL when none does. */
MemoryRegionSection memory_region_find(AddressSpace *as, hwaddr addr, uint64_t size);

/* Read len bytes at addr into buf. Holes read as 0xff and add MEMTX_DECODE_ERROR. */
MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf, uint64_t len);
/* Write len bytes from buf at addr. Writes to read-only sections are dropped (MEMTX_OK);
 * RAM pages written are marked dirty while global or the region's dirty logging is on. */
MemTxResult address_space_write(AddressSpace *as, hwaddr addr, const void *buf, uint64_t len);
/* Host pointer for addr when it is RAM or a RAM device, with *plen set to the bytes (at most
 * len) mapped contiguously from there; NULL otherwise. Writes through it are not logged:
 * call memory_region_set_dirty(). */
void *address_space_get_ram_ptr(AddressSpace *as, hwaddr addr, uint64_t len, uint64_t *plen);

/* Little-endian loads; res (may be NULL) receives the access result. */
uint8_t address_space_ldub(AddressSpace *as, hwaddr addr, MemTxResult *res);
uint16_t address_space_lduw(AddressSpace *as, hwaddr addr, MemTxResult *res);
uint32_t address_space_ldl(AddressSpace *as, hwaddr addr, MemTxResult *res);
uint64_t address_space_ldq(AddressSpace *as, hwaddr addr, MemTxResult *res);
/* Little-endian stores of the low 8, 16, 32 or 64 bits of value. */
MemTxResult address_space_stb(AddressSpace *as, hwaddr addr, uint64_t value);
MemTxResult address_space_stw(AddressSpace *as, hwaddr addr, uint64_t value);
MemTxResult address_space_stl(AddressSpace *as, hwaddr addr, uint64_t value);
MemTxResult address_space_stq(AddressSpace *as, hwaddr addr, uint64_t value);

/* The machine's system memory: a whole-space container named "system", created on first
 * use, and the address space "memory" over it. */
MemoryRegion *memory_system_root(void);
AddressSpace *memory_system_address_space(void);
/* The machine's port I/O space: a 64 KiB container named "io", created on first use, and
 * the address space "I/O" over it (qtest in/out, PCI CF8/CFC). */
MemoryRegion *memory_system_io_root(void);
AddressSpace *memory_system_io_address_space(void);
/* Destroy both system address spaces and drop their roots (at exit; tests). */
void memory_system_release(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(AddressSpace, address_space_destroy)

#endif /* SYSTEM_ADDRESS_SPACE_H */
