/*
 * RAM blocks: guest RAM as shared host memory (memfd or a caller's fd) plus its dirty bitmap.
 * A block is what a RAM MemoryRegion maps; VFIO and migration reach it through the region.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_RAMBLOCK_H
#define SYSTEM_RAMBLOCK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Dirty tracking granularity: one bit per 4 KiB page, whatever the host page size. */
#define RAM_BLOCK_PAGE_SHIFT 12
#define RAM_BLOCK_PAGE_SIZE (1ULL << RAM_BLOCK_PAGE_SHIFT)

typedef struct RAMBlock RAMBlock;

/* Whether RAM blocks mapped from now on appear in core dumps (default true; MADV_DONTDUMP). */
void ram_blocks_set_dump(bool dump);

/* Allocate size bytes of zeroed RAM in a new memfd (MFD_CLOEXEC), mapped MAP_SHARED. */
RAMBlock *ram_block_new_memfd(const char *name, uint64_t size, GError **errp);
/* Map size bytes of fd at fd_offset MAP_SHARED; fd is borrowed (the block keeps a duplicate). */
RAMBlock *ram_block_new_from_fd(const char *name, uint64_t size, int fd, uint64_t fd_offset,
                                GError **errp);
/* Take a reference; returns rb. */
RAMBlock *ram_block_ref(RAMBlock *rb);
/* Drop a reference; the last one unmaps the memory and closes the fd. NULL is ignored. */
void ram_block_unref(RAMBlock *rb);

/* The block's name as given at creation. */
const char *ram_block_name(const RAMBlock *rb);
/* Usable size in bytes. */
uint64_t ram_block_size(const RAMBlock *rb);
/* Host virtual address of the block's first byte. */
void *ram_block_host(const RAMBlock *rb);
/* The fd backing the block (owned by the block: do not close), or -1. */
int ram_block_fd(const RAMBlock *rb);
/* Offset of the block's first byte within its fd. */
uint64_t ram_block_fd_offset(const RAMBlock *rb);

/* Number of 4 KiB pages the dirty bitmap covers (size rounded up). */
uint64_t ram_block_dirty_npages(const RAMBlock *rb);
/* Mark every page touching [offset, offset + len) dirty; the range is clipped to the block. */
void ram_block_dirty_set(RAMBlock *rb, uint64_t offset, uint64_t len);
/* Whether any page touching [offset, offset + len) is dirty. */
bool ram_block_dirty_test(const RAMBlock *rb, uint64_t offset, uint64_t len);
/* Like ram_block_dirty_test, and clear those pages. */
bool ram_block_dirty_test_and_clear(RAMBlock *rb, uint64_t offset, uint64_t len);
/* Number of dirty pages in the whole block. */
uint64_t ram_block_dirty_count(const RAMBlock *rb);
/* Index of the first dirty page at or after page, or ram_block_dirty_npages() if none. */
uint64_t ram_block_dirty_next(const RAMBlock *rb, uint64_t page);
/* Set the dirty bits of npages pages from bitmap (bit n of 64-bit word n / 64 is page n)
 * starting at the page-aligned block offset; as VFIO and KVM report them. */
void ram_block_dirty_merge(RAMBlock *rb, uint64_t offset, const uint64_t *bitmap,
                           uint64_t npages);
/* Clear the whole dirty bitmap. */
void ram_block_dirty_clear_all(RAMBlock *rb);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RAMBlock, ram_block_unref)

#endif /* SYSTEM_RAMBLOCK_H */
