/*
 * RAM block internals shared by system/ramblock*.c; nothing else includes this.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_RAMBLOCK_INTERNAL_H
#define SYSTEM_RAMBLOCK_INTERNAL_H

#include "system/ramblock.h"

struct RAMBlock {
    int refcount;
    char *name;
    uint64_t size;      /* usable bytes */
    uint64_t map_size;  /* bytes mapped: size rounded up to the host page size */
    void *host;
    int fd;             /* owned; the mapping's backing */
    uint64_t fd_offset;
    uint64_t npages;    /* 4 KiB pages covered by dirty */
    uint64_t *dirty;    /* bit n of word n / 64: page n is dirty */
};

#endif /* SYSTEM_RAMBLOCK_INTERNAL_H */
