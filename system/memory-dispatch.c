/*
 * Region accesses: one 1/2/4/8-byte access to a RAM, RAM-device or MMIO region, with MMIO
 * accesses checked against ops->valid and split or widened to ops->impl (little-endian).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "memory-internal.h"

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

static bool size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static unsigned limit_or(unsigned value, unsigned dflt)
{
    return value ? value : dflt;
}

/* Host memory: little-endian value of size bytes at p. */
static uint64_t load_le(const volatile uint8_t *p, unsigned size)
{
    uint64_t v = 0;

    /* Naturally aligned device memory wants one access of the full width. */
    if (((uintptr_t)p & (size - 1)) == 0) {
        switch (size) {
        case 1:
            return *p;
        case 2:
            return GUINT16_FROM_LE(*(const volatile uint16_t *)p);
        case 4:
            return GUINT32_FROM_LE(*(const volatile uint32_t *)p);
        case 8:
            return GUINT64_FROM_LE(*(const volatile uint64_t *)p);
        }
    }
    for (unsigned k = 0; k < size; k++) {
        v |= (uint64_t)p[k] << (8 * k);
    }
    return v;
}

static void store_le(volatile uint8_t *p, uint64_t v, unsigned size)
{
    if (((uintptr_t)p & (size - 1)) == 0) {
        switch (size) {
        case 1:
            *p = (uint8_t)v;
            return;
        case 2:
            *(volatile uint16_t *)p = GUINT16_TO_LE((uint16_t)v);
            return;
        case 4:
            *(volatile uint32_t *)p = GUINT32_TO_LE((uint32_t)v);
            return;
        case 8:
            *(volatile uint64_t *)p = GUINT64_TO_LE(v);
            return;
        }
    }
    for (unsigned k = 0; k < size; k++) {
        p[k] = (uint8_t)(v >> (8 * k));
    }
}

/* Whether the MMIO region accepts this access at all. */
static bool io_access_valid(const MemoryRegion *mr, hwaddr addr, unsigned size)
{
    const MemoryRegionOps *ops = mr->ops;

    if (size < limit_or(ops->valid.min_access_size, 1) ||
        size > limit_or(ops->valid.max_access_size, 4)) {
        return false;
    }
    return ops->valid.unaligned || (addr & (size - 1)) == 0;
}

/*
 * Do a valid access of size bytes at addr with the implementation's access width: chunks of
 * that width, aligned to it, cover the access; bytes of a chunk outside the access are
 * ignored on reads and written as zero. Chunks reaching past the region are skipped.
 */
static void io_access(MemoryRegion *mr, hwaddr addr, uint64_t *value, unsigned size,
                      bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned width = size;
    hwaddr first, end = addr + size;
    uint64_t result = 0;

    width = MAX(width, limit_or(ops->impl.min_access_size, 1));
    width = MIN(width, limit_or(ops->impl.max_access_size, 4));
    first = addr & ~(hwaddr)(width - 1);
    for (hwaddr chunk = first; chunk < end; chunk += width) {
        /* Bytes of the access in this chunk: [lo, hi) relative to addr. */
        hwaddr lo = MAX(chunk, addr) - addr, hi = MIN(chunk + width, end) - addr;
        unsigned shift = (unsigned)(MAX(chunk, addr) - chunk) * 8;
        uint64_t bytes = size_mask((unsigned)(hi - lo));

        if (mr->size != UINT64_MAX && (chunk >= mr->size || mr->size - chunk < width)) {
            result |= (UINT64_MAX & bytes) << (lo * 8);
            continue;
        }
        if (is_write) {
            uint64_t v = ((*value >> (lo * 8)) & bytes) << shift;

            ops->write(mr->opaque, chunk, v, width);
        } else {
            uint64_t v = ops->read(mr->opaque, chunk, width);

            result |= ((v >> shift) & bytes) << (lo * 8);
        }
    }
    if (!is_write) {
        *value = result;
    }
}

/* Resolve aliases and check the range; NULL when nothing accessible is there. */
static MemoryRegion *resolve(MemoryRegion *mr, hwaddr *addr, unsigned size)
{
    for (unsigned depth = 0; mr && mr->kind == MR_KIND_ALIAS && depth < 64; depth++) {
        if (*addr >= mr->size || mr->size - *addr < size) {
            return NULL;
        }
        *addr += mr->alias_offset;
        mr = mr->alias;
    }
    if (!mr || mr->kind == MR_KIND_ALIAS || mr->kind == MR_KIND_CONTAINER) {
        return NULL;
    }
    if (mr->size != UINT64_MAX && (*addr >= mr->size || mr->size - *addr < size)) {
        return NULL;
    }
    return mr;
}

static MemTxResult dispatch(MemoryRegion *mr, hwaddr addr, uint64_t *value, unsigned size,
                            bool is_write)
{
    bool has_callback;

    if (!size_ok(size)) {
        return MEMTX_ERROR;
    }
    mr = resolve(mr, &addr, size);
    if (!mr) {
        return MEMTX_DECODE_ERROR;
    }
    if (mr->kind == MR_KIND_RAM || mr->kind == MR_KIND_RAM_DEVICE) {
        if (is_write) {
            store_le((uint8_t *)mr->host + addr, *value, size);
            memory_region_note_written(mr, addr, size);
        } else {
            *value = load_le((const uint8_t *)mr->host + addr, size);
        }
        return MEMTX_OK;
    }
    if (!mr->ops) {
        return MEMTX_DECODE_ERROR;
    }
    has_callback = is_write ? mr->ops->write != NULL : mr->ops->read != NULL;
    if (!has_callback || !io_access_valid(mr, addr, size)) {
        return MEMTX_ERROR;
    }
    io_access(mr, addr, value, size, is_write);
    return MEMTX_OK;
}

MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr, uint64_t *value,
                                        unsigned size)
{
    MemTxResult r = dispatch(mr, addr, value, size, false);

    if (r != MEMTX_OK) {
        *value = size_mask(size_ok(size) ? size : 8);
    }
    return r;
}

MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr, uint64_t value,
                                         unsigned size)
{
    return dispatch(mr, addr, &value, size, true);
}
