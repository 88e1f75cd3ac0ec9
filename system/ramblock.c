/*
 * RAM blocks: shared host memory from a new memfd or a caller's fd, mapped MAP_SHARED so
 * VFIO, vhost-style consumers and migration all see the same pages.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ramblock-internal.h"
#include "system/fd-limit.h"

/* memfd names are limited to 249 bytes by the kernel; keep them short. */
#define MEMFD_NAME_MAX 64

/* -machine dump-guest-core=off: guest RAM stays out of hostdev's core dumps. */
static bool dont_dump;

void ram_blocks_set_dump(bool dump)
{
    dont_dump = !dump;
}

static uint64_t host_page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);

    return ps > 0 ? (uint64_t)ps : 4096;
}

/* Map fd (owned by the new block) and build the block; closes fd on failure. */
static RAMBlock *ram_block_map(const char *name, uint64_t size, int fd, uint64_t fd_offset,
                               GError **errp)
{
    uint64_t ps = host_page_size();
    uint64_t map_size = (size + ps - 1) & ~(ps - 1);
    RAMBlock *rb;
    void *host;

    host = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)fd_offset);
    if (host == MAP_FAILED) {
        int err = errno;

        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(err),
                    "cannot map %" G_GUINT64_FORMAT " bytes of RAM block '%s': %s; check the memory limits and that the fd is open read-write",
                    size, name, g_strerror(err));
        close(fd);
        return NULL;
    }
    if (dont_dump && madvise(host, map_size, MADV_DONTDUMP) < 0) {
        g_warning("RAM block '%s' stays in core dumps: madvise(MADV_DONTDUMP): %s", name,
                  g_strerror(errno));
    }
    rb = g_new0(RAMBlock, 1);
    rb->refcount = 1;
    rb->name = g_strdup(name);
    rb->size = size;
    rb->map_size = map_size;
    rb->host = host;
    rb->fd = fd;
    rb->fd_offset = fd_offset;
    rb->npages = (size + RAM_BLOCK_PAGE_SIZE - 1) >> RAM_BLOCK_PAGE_SHIFT;
    rb->dirty = g_new0(uint64_t, (rb->npages + 63) / 64);
    return rb;
}

RAMBlock *ram_block_new_memfd(const char *name, uint64_t size, GError **errp)
{
    g_autofree char *memfd_name = g_strndup(name, MEMFD_NAME_MAX);
    uint64_t ps = host_page_size();
    int fd;

    if (size == 0 || size > G_MAXINT64 - ps) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "RAM block '%s' has invalid size %" G_GUINT64_FORMAT "; give a size above zero",
                    name, size);
        return NULL;
    }
    fd = memfd_create(memfd_name, MFD_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        g_autofree char *advice = hd_fd_limit_advice(err);

        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(err),
                    "memfd_create for RAM block '%s' failed: %s; %s",
                    name, g_strerror(err), advice ? advice : "check the open file limit");
        return NULL;
    }
    if (ftruncate(fd, (off_t)((size + ps - 1) & ~(ps - 1))) < 0) {
        int err = errno;

        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(err),
                    "cannot size memfd of RAM block '%s' to %" G_GUINT64_FORMAT " bytes: %s",
                    name, size, g_strerror(err));
        close(fd);
        return NULL;
    }
    return ram_block_map(name, size, fd, 0, errp);
}

RAMBlock *ram_block_new_from_fd(const char *name, uint64_t size, int fd, uint64_t fd_offset,
                                GError **errp)
{
    uint64_t ps = host_page_size();
    struct stat st;
    int own_fd;

    if (size == 0 || size > G_MAXINT64 - ps || fd_offset > (uint64_t)G_MAXINT64 - size) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "RAM block '%s' has invalid size %" G_GUINT64_FORMAT " at offset %" G_GUINT64_FORMAT "; give a size above zero",
                    name, size, fd_offset);
        return NULL;
    }
    if (fd_offset & (ps - 1)) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "RAM block '%s': fd offset %#" G_GINT64_MODIFIER "x is not a multiple of the host page size %" G_GUINT64_FORMAT,
                    name, fd_offset, ps);
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        int err = errno;

        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(err),
                    "RAM block '%s': fd %d is not usable: %s; pass an open memfd or file",
                    name, fd, g_strerror(err));
        return NULL;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < fd_offset + size) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "RAM block '%s': file is %jd bytes but %" G_GUINT64_FORMAT " bytes at offset %" G_GUINT64_FORMAT " are needed; grow it or lower the size",
                    name, (intmax_t)st.st_size, size, fd_offset);
        return NULL;
    }
    own_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own_fd < 0) {
        int err = errno;
        g_autofree char *advice = hd_fd_limit_advice(err);

        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(err),
                    "RAM block '%s': cannot duplicate fd %d: %s; %s",
                    name, fd, g_strerror(err), advice ? advice : "check the open file limit");
        return NULL;
    }
    return ram_block_map(name, size, own_fd, fd_offset, errp);
}

RAMBlock *ram_block_ref(RAMBlock *rb)
{
    g_return_val_if_fail(rb && rb->refcount > 0, rb);
    rb->refcount++;
    return rb;
}

void ram_block_unref(RAMBlock *rb)
{
    if (!rb) {
        return;
    }
    g_return_if_fail(rb->refcount > 0);
    if (--rb->refcount > 0) {
        return;
    }
    munmap(rb->host, rb->map_size);
    close(rb->fd);
    g_free(rb->dirty);
    g_free(rb->name);
    g_free(rb);
}

const char *ram_block_name(const RAMBlock *rb)
{
    return rb->name;
}

uint64_t ram_block_size(const RAMBlock *rb)
{
    return rb->size;
}

void *ram_block_host(const RAMBlock *rb)
{
    return rb->host;
}

int ram_block_fd(const RAMBlock *rb)
{
    return rb->fd;
}

uint64_t ram_block_fd_offset(const RAMBlock *rb)
{
    return rb->fd_offset;
}
