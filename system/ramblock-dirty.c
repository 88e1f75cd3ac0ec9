/*
 * RAM block dirty bitmap: one bit per 4 KiB page, set by writes and by listeners' log_sync,
 * read and cleared by migration.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "ramblock-internal.h"

/* Pages [*first, *last) touching [offset, offset + len) clipped to the block; false if none. */
static bool page_range(const RAMBlock *rb, uint64_t offset, uint64_t len, uint64_t *first,
                       uint64_t *last)
{
    uint64_t end;

    if (len == 0 || offset >= rb->size) {
        return false;
    }
    end = len > rb->size - offset ? rb->size : offset + len;
    *first = offset >> RAM_BLOCK_PAGE_SHIFT;
    *last = (end + RAM_BLOCK_PAGE_SIZE - 1) >> RAM_BLOCK_PAGE_SHIFT;
    return true;
}

static inline bool bit_test(const uint64_t *map, uint64_t n)
{
    return map[n / 64] & (1ULL << (n % 64));
}

uint64_t ram_block_dirty_npages(const RAMBlock *rb)
{
    return rb->npages;
}

/* Set pages [first, last) a word at a time (a sync marks whole mappings dirty). */
static void set_range(uint64_t *map, uint64_t first, uint64_t last)
{
    uint64_t w = first / 64, wl = last / 64;

    if (w == wl) {
        if (last > first) {
            map[w] |= (~0ULL << (first % 64)) & ((1ULL << (last % 64)) - 1);
        }
        return;
    }
    map[w++] |= ~0ULL << (first % 64);
    if (wl > w) {
        memset(&map[w], 0xff, (wl - w) * sizeof(uint64_t));
    }
    if (last % 64) {
        map[wl] |= (1ULL << (last % 64)) - 1;
    }
}

void ram_block_dirty_set(RAMBlock *rb, uint64_t offset, uint64_t len)
{
    uint64_t first, last;

    if (!page_range(rb, offset, len, &first, &last)) {
        return;
    }
    set_range(rb->dirty, first, last);
}

bool ram_block_dirty_test(const RAMBlock *rb, uint64_t offset, uint64_t len)
{
    uint64_t first, last;

    if (!page_range(rb, offset, len, &first, &last)) {
        return false;
    }
    for (uint64_t n = first; n < last; n++) {
        if (bit_test(rb->dirty, n)) {
            return true;
        }
    }
    return false;
}

bool ram_block_dirty_test_and_clear(RAMBlock *rb, uint64_t offset, uint64_t len)
{
    uint64_t first, last;
    bool any = false;

    if (!page_range(rb, offset, len, &first, &last)) {
        return false;
    }
    for (uint64_t n = first; n < last; n++) {
        any |= bit_test(rb->dirty, n);
        rb->dirty[n / 64] &= ~(1ULL << (n % 64));
    }
    return any;
}

uint64_t ram_block_dirty_count(const RAMBlock *rb)
{
    uint64_t count = 0;

    for (uint64_t w = 0; w < (rb->npages + 63) / 64; w++) {
        count += (uint64_t)__builtin_popcountll(rb->dirty[w]);
    }
    return count;
}

uint64_t ram_block_dirty_next(const RAMBlock *rb, uint64_t page)
{
    while (page < rb->npages) {
        uint64_t word = rb->dirty[page / 64] >> (page % 64);

        if (word) {
            page += (uint64_t)__builtin_ctzll(word);
            return page < rb->npages ? page : rb->npages;
        }
        page = (page / 64 + 1) * 64;
    }
    return rb->npages;
}

void ram_block_dirty_merge(RAMBlock *rb, uint64_t offset, const uint64_t *bitmap,
                           uint64_t npages)
{
    uint64_t first = offset >> RAM_BLOCK_PAGE_SHIFT;
    unsigned shift = first % 64;
    uint64_t *dst;

    g_return_if_fail((offset & (RAM_BLOCK_PAGE_SIZE - 1)) == 0);
    if (first >= rb->npages) {
        return;
    }
    npages = MIN(npages, rb->npages - first);
    dst = &rb->dirty[first / 64];
    /* A word at a time, shifted into place: a sync merges a bitmap per mapping (1 Mi bits for
     * 4 GiB), mostly of zero words. Bits past @npages in the last word are not used. */
    for (uint64_t i = 0; i < (npages + 63) / 64; i++) {
        uint64_t b = bitmap[i];

        if (i == npages / 64) {
            b &= (1ULL << (npages % 64)) - 1;
        }
        if (!b) {
            continue;
        }
        dst[i] |= b << shift;
        if (shift && b >> (64 - shift)) {
            dst[i + 1] |= b >> (64 - shift);
        }
    }
}

void ram_block_dirty_clear_all(RAMBlock *rb)
{
    memset(rb->dirty, 0, sizeof(uint64_t) * ((rb->npages + 63) / 64));
}
