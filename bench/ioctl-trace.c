/*
 * Benchmark ioctl tracer: an LD_PRELOAD library that times the IOMMU map/unmap and attach ioctls
 * of whatever process it is loaded into (hostdev, QEMU, the floor) and appends one line per call
 * to the file named by BENCH_IOCTL_LOG. Other ioctls pass straight through, untimed.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);

static ioctl_fn real_ioctl;
static int log_fd = -2;     /* -2: not opened yet, -1: no log wanted or open failed */

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The short name of a traced request, or NULL for one that is passed through untimed. */
static const char *traced_name(unsigned long request)
{
    switch (request) {
    case VFIO_IOMMU_MAP_DMA:
        return "map";
    case VFIO_IOMMU_UNMAP_DMA:
        return "unmap";
    case IOMMU_IOAS_MAP:
        return "map";
    case IOMMU_IOAS_UNMAP:
        return "unmap";
    case IOMMU_IOAS_COPY:
        return "map";
    case VFIO_GROUP_GET_DEVICE_FD:
        return "attach";
    case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
        return "attach";
    default:
        return NULL;
    }
}

/* IOVA and length of a map/unmap request (after the call: what the kernel reports). */
static void request_range(unsigned long request, void *arg, uint64_t *iova, uint64_t *len)
{
    *iova = 0;
    *len = 0;
    if (!arg) {
        return;
    }
    if (request == VFIO_IOMMU_MAP_DMA) {
        struct vfio_iommu_type1_dma_map *m = arg;
        *iova = m->iova;
        *len = m->size;
    } else if (request == VFIO_IOMMU_UNMAP_DMA) {
        struct vfio_iommu_type1_dma_unmap *u = arg;
        *iova = u->iova;
        *len = u->size;
    } else if (request == IOMMU_IOAS_MAP) {
        struct iommu_ioas_map *m = arg;
        *iova = m->iova;
        *len = m->length;
    } else if (request == IOMMU_IOAS_UNMAP) {
        struct iommu_ioas_unmap *u = arg;
        *iova = u->iova;
        *len = u->length;
    } else if (request == IOMMU_IOAS_COPY) {
        struct iommu_ioas_copy *c = arg;
        *iova = c->dst_iova;
        *len = c->length;
    }
}

static int open_log(void)
{
    const char *path = getenv("BENCH_IOCTL_LOG");

    if (!path || !*path) {
        return -1;
    }
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

int ioctl(int fd, unsigned long request, ...)
{
    ioctl_fn fn = __atomic_load_n(&real_ioctl, __ATOMIC_ACQUIRE);
    const char *name = traced_name(request);
    uint64_t t0, t1, iova, len;
    char line[160];
    va_list ap;
    void *arg;
    int ret, saved, n;

    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (!fn) {
        fn = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
        if (!fn) {
            errno = ENOSYS;
            return -1;
        }
        __atomic_store_n(&real_ioctl, fn, __ATOMIC_RELEASE);
    }
    if (!name) {
        return fn(fd, request, arg);
    }
    t0 = now_ns();
    ret = fn(fd, request, arg);
    t1 = now_ns();
    saved = errno;
    if (__atomic_load_n(&log_fd, __ATOMIC_ACQUIRE) == -2) {
        int lfd = open_log();
        int expected = -2;

        if (!__atomic_compare_exchange_n(&log_fd, &expected, lfd, false, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE) && lfd >= 0) {
            close(lfd);
        }
    }
    if (log_fd >= 0) {
        request_range(request, arg, &iova, &len);
        /* kind iova length start_ns end_ns result errno: one write per line, appended whole */
        n = snprintf(line, sizeof(line), "%s 0x%" PRIx64 " 0x%" PRIx64 " %" PRIu64 " %" PRIu64
                     " %d %d\n", name, iova, len, t0, t1, ret, ret < 0 ? saved : 0);
        if (n > 0 && write(log_fd, line, (size_t)n) < 0) {
            /* a lost line only makes the counts short; the caller's call must not fail */
        }
    }
    errno = saved;
    return ret;
}
