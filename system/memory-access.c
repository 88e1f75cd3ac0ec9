/*
 * Address space accesses: walk the flat view, memcpy RAM, split MMIO and RAM-device ranges
 * into accesses the region takes, and read holes as all-ones with a decode error.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "memory-internal.h"

/* The largest access the region takes at offset with len bytes left: a power of two within
 * its valid maximum, aligned to offset unless it accepts unaligned accesses. */
static unsigned access_size(const MemoryRegion *mr, hwaddr offset, uint64_t len)
{
    unsigned max = 8;
    bool unaligned = false;
    unsigned size;

    if (mr->kind == MR_KIND_IO && mr->ops) {
        max = mr->ops->valid.max_access_size ? mr->ops->valid.max_access_size : 4;
        unaligned = mr->ops->valid.unaligned;
    }
    size = (unsigned)MIN((uint64_t)max, len);
    if (!unaligned && offset) {
        size = (unsigned)MIN((uint64_t)size, offset & -offset);
    }
    /* Round down to a power of two. */
    while (size & (size - 1)) {
        size &= size - 1;
    }
    return size;
}

/* Access [offset, offset + len) of an MMIO or RAM-device region piece by piece. */
static MemTxResult access_sized(MemoryRegion *mr, hwaddr offset, uint8_t *buf, uint64_t len,
                                bool is_write)
{
    MemTxResult res = MEMTX_OK;

    while (len) {
        unsigned size = access_size(mr, offset, len);
        uint64_t v = 0;

        if (is_write) {
            for (unsigned k = 0; k < size; k++) {
                v |= (uint64_t)buf[k] << (8 * k);
            }
            res |= memory_region_dispatch_write(mr, offset, v, size);
        } else {
            res |= memory_region_dispatch_read(mr, offset, &v, size);
            for (unsigned k = 0; k < size; k++) {
                buf[k] = (uint8_t)(v >> (8 * k));
            }
        }
        offset += size;
        buf += size;
        len -= size;
    }
    return res;
}

static MemTxResult access_range(AddressSpace *as, hwaddr addr, uint8_t *buf, uint64_t len,
                                bool is_write)
{
    MemTxResult res = MEMTX_OK;

    while (len) {
        hwaddr next;
        bool has_next;
        const FlatRange *fr = flatview_lookup(as->current, addr, &next, &has_next);
        uint64_t l;

        if (!fr) {
            /* A hole up to the next range; the last byte of the space is always one. */
            l = has_next ? MIN(len, next - addr) : len;
            if (!is_write) {
                memset(buf, 0xff, l);
            }
            res |= MEMTX_DECODE_ERROR;
        } else {
            MemoryRegion *mr = fr->mr;
            hwaddr offset = fr->offset + (addr - fr->start);

            l = MIN(len, fr->start + fr->size - addr);
            if (is_write && fr->readonly) {
                /* Writes to ROM are dropped, as on hardware. */
            } else if (mr->kind == MR_KIND_RAM) {
                if (is_write) {
                    memcpy((uint8_t *)mr->host + offset, buf, l);
                    memory_region_note_written(mr, offset, l);
                } else {
                    memcpy(buf, (uint8_t *)mr->host + offset, l);
                }
            } else {
                res |= access_sized(mr, offset, buf, l, is_write);
            }
        }
        buf += l;
        len -= l;
        addr += l;
    }
    return res;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf, uint64_t len)
{
    return access_range(as, addr, buf, len, false);
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr, const void *buf, uint64_t len)
{
    /* The buffer is only read on this path. */
    return access_range(as, addr, (uint8_t *)buf, len, true);
}

void *address_space_get_ram_ptr(AddressSpace *as, hwaddr addr, uint64_t len, uint64_t *plen)
{
    hwaddr next;
    bool has_next;
    const FlatRange *fr = flatview_lookup(as->current, addr, &next, &has_next);

    *plen = 0;
    if (!fr || !memory_region_is_ram(fr->mr)) {
        return NULL;
    }
    *plen = MIN(len, fr->start + fr->size - addr);
    return (uint8_t *)fr->mr->host + fr->offset + (addr - fr->start);
}

static uint64_t load(AddressSpace *as, hwaddr addr, unsigned size, MemTxResult *res)
{
    uint8_t buf[8];
    uint64_t v = 0;
    MemTxResult r = address_space_read(as, addr, buf, size);

    for (unsigned k = 0; k < size; k++) {
        v |= (uint64_t)buf[k] << (8 * k);
    }
    if (res) {
        *res = r;
    }
    return v;
}

static MemTxResult store(AddressSpace *as, hwaddr addr, uint64_t value, unsigned size)
{
    uint8_t buf[8];

    for (unsigned k = 0; k < size; k++) {
        buf[k] = (uint8_t)(value >> (8 * k));
    }
    return address_space_write(as, addr, buf, size);
}

uint8_t address_space_ldub(AddressSpace *as, hwaddr addr, MemTxResult *res)
{
    return (uint8_t)load(as, addr, 1, res);
}

uint16_t address_space_lduw(AddressSpace *as, hwaddr addr, MemTxResult *res)
{
    return (uint16_t)load(as, addr, 2, res);
}

uint32_t address_space_ldl(AddressSpace *as, hwaddr addr, MemTxResult *res)
{
    return (uint32_t)load(as, addr, 4, res);
}

uint64_t address_space_ldq(AddressSpace *as, hwaddr addr, MemTxResult *res)
{
    return load(as, addr, 8, res);
}

MemTxResult address_space_stb(AddressSpace *as, hwaddr addr, uint64_t value)
{
    return store(as, addr, value, 1);
}

MemTxResult address_space_stw(AddressSpace *as, hwaddr addr, uint64_t value)
{
    return store(as, addr, value, 2);
}

MemTxResult address_space_stl(AddressSpace *as, hwaddr addr, uint64_t value)
{
    return store(as, addr, value, 4);
}

MemTxResult address_space_stq(AddressSpace *as, hwaddr addr, uint64_t value)
{
    return store(as, addr, value, 8);
}
