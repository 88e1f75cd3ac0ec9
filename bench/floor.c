/*
 * Benchmark floor: what assigning one device costs with no host around it. Opens a PCI device
 * through legacy VFIO (container + group) or iommufd (cdev), maps the RAM a q35 guest of the
 * given size would have, optionally times BAR reads, and prints its timings as one JSON object.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#define MIB             (1024ull * 1024)
#define GIB             (1024 * MIB)
#define VGA_HOLE_START  0xa0000ull      /* legacy VGA window and BIOS area: not RAM */
#define VGA_HOLE_END    0x100000ull
#define Q35_LOWMEM_MAX  0xb0000000ull   /* q35 keeps all RAM below 4 GiB under this size */
#define Q35_LOWMEM_SPLIT 0x80000000ull  /* ... and otherwise splits it at 2 GiB */
#define MAX_RANGES      4

struct range {
    uint64_t iova;
    uint64_t size;
    uint64_t offset;    /* into the RAM memfd */
};

struct floor_dev {
    const char *backend;
    int container;      /* legacy */
    int group;          /* legacy */
    int iommufd;        /* iommufd */
    uint32_t ioas;      /* iommufd */
    int devfd;
};

static volatile uint32_t mmio_sink;  /* keeps the timed loads from being optimized away */

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "floor: %s failed: %s\n", what, why);
    return -1;
}

/* q35's guest RAM layout: below 4 GiB up to the split, the rest from 4 GiB up. */
static int q35_ranges(uint64_t ram, struct range *r)
{
    uint64_t low = ram >= Q35_LOWMEM_MAX ? Q35_LOWMEM_SPLIT : ram;
    int n = 0;

    if (low <= VGA_HOLE_START) {
        r[n++] = (struct range){ .iova = 0, .size = low, .offset = 0 };
    } else {
        r[n++] = (struct range){ .iova = 0, .size = VGA_HOLE_START, .offset = 0 };
        if (low > VGA_HOLE_END) {
            r[n++] = (struct range){
                .iova = VGA_HOLE_END, .size = low - VGA_HOLE_END, .offset = VGA_HOLE_END,
            };
        }
    }
    if (ram > low) {
        r[n++] = (struct range){ .iova = 4 * GIB, .size = ram - low, .offset = low };
    }
    return n;
}

static int sysfs_group(const char *bdf)
{
    char link[PATH_MAX], target[PATH_MAX];
    ssize_t n;

    snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
    n = readlink(link, target, sizeof(target) - 1);
    if (n < 0) {
        return -1;
    }
    target[n] = '\0';
    return atoi(basename(target));
}

static int open_legacy(struct floor_dev *d, const char *bdf)
{
    struct vfio_group_status st = { .argsz = sizeof(st) };
    char path[64];
    int nr = sysfs_group(bdf);

    if (nr < 0) {
        return fail("finding the IOMMU group", "no iommu_group link (is the device present?)");
    }
    d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
    if (d->container < 0 || ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1) {
        return fail("opening /dev/vfio/vfio with type1v2", strerror(errno));
    }
    snprintf(path, sizeof(path), "/dev/vfio/%d", nr);
    d->group = open(path, O_RDWR | O_CLOEXEC);
    if (d->group < 0 || ioctl(d->group, VFIO_GROUP_GET_STATUS, &st) < 0 ||
        !(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
        return fail("opening a viable group", d->group < 0 ? strerror(errno) : "not viable");
    }
    if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container) < 0 ||
        ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
        return fail("setting the container and IOMMU type", strerror(errno));
    }
    d->devfd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
    if (d->devfd < 0) {
        return fail("VFIO_GROUP_GET_DEVICE_FD", strerror(errno));
    }
    return 0;
}

static bool cdev_path(const char *bdf, char *out, size_t len)
{
    char dir[PATH_MAX];
    struct dirent *e;
    bool found = false;
    DIR *dp;

    snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
    dp = opendir(dir);
    if (!dp) {
        return false;
    }
    while (!found && (e = readdir(dp))) {
        if (!strncmp(e->d_name, "vfio", 4)) {
            snprintf(out, len, "/dev/vfio/devices/%s", e->d_name);
            found = true;
        }
    }
    closedir(dp);
    return found;
}

static int open_iommufd(struct floor_dev *d, const char *bdf)
{
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    char cdev[PATH_MAX];

    d->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    if (d->iommufd < 0) {
        return fail("opening /dev/iommu", strerror(errno));
    }
    if (!cdev_path(bdf, cdev, sizeof(cdev))) {
        return fail("finding the vfio cdev", "no vfio-dev entry (is it bound to vfio-pci?)");
    }
    d->devfd = open(cdev, O_RDWR | O_CLOEXEC);
    if (d->devfd < 0) {
        return fail("opening the vfio cdev", strerror(errno));
    }
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = d->iommufd };
    if (ioctl(d->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0) {
        return fail("VFIO_DEVICE_BIND_IOMMUFD", strerror(errno));
    }
    if (ioctl(d->iommufd, IOMMU_IOAS_ALLOC, &alloc) < 0) {
        return fail("IOMMU_IOAS_ALLOC", strerror(errno));
    }
    d->ioas = alloc.out_ioas_id;
    struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach), .pt_id = d->ioas };
    if (ioctl(d->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) < 0) {
        return fail("VFIO_DEVICE_ATTACH_IOMMUFD_PT", strerror(errno));
    }
    return 0;
}

static int map_range(struct floor_dev *d, uint8_t *ram, const struct range *r)
{
    int ret;

    if (d->iommufd >= 0) {
        struct iommu_ioas_map map = {
            .size = sizeof(map),
            .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                     IOMMU_IOAS_MAP_WRITEABLE,
            .ioas_id = d->ioas,
            .user_va = (uintptr_t)(ram + r->offset),
            .length = r->size,
            .iova = r->iova,
        };
        ret = ioctl(d->iommufd, IOMMU_IOAS_MAP, &map);
    } else {
        struct vfio_iommu_type1_dma_map map = {
            .argsz = sizeof(map),
            .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
            .vaddr = (uintptr_t)(ram + r->offset),
            .iova = r->iova,
            .size = r->size,
        };
        ret = ioctl(d->container, VFIO_IOMMU_MAP_DMA, &map);
    }
    return ret < 0 ? fail("mapping guest RAM", strerror(errno)) : 0;
}

static int unmap_range(struct floor_dev *d, const struct range *r)
{
    int ret;

    if (d->iommufd >= 0) {
        struct iommu_ioas_unmap unmap = {
            .size = sizeof(unmap), .ioas_id = d->ioas, .iova = r->iova, .length = r->size,
        };
        ret = ioctl(d->iommufd, IOMMU_IOAS_UNMAP, &unmap);
    } else {
        struct vfio_iommu_type1_dma_unmap unmap = {
            .argsz = sizeof(unmap), .iova = r->iova, .size = r->size,
        };
        ret = ioctl(d->container, VFIO_IOMMU_UNMAP_DMA, &unmap);
    }
    return ret < 0 ? fail("unmapping guest RAM", strerror(errno)) : 0;
}

/*
 * Nanoseconds per 32-bit read of BAR0 offset 0, through the mmap (the fast path a host gives a
 * guest) and through pread on the device fd (the trapped path). Memory decoding is enabled first.
 */
static int time_mmio(struct floor_dev *d, unsigned reads, double *mmap_ns, double *pread_ns)
{
    struct vfio_region_info cfg = { .argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
    struct vfio_region_info bar = { .argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX };
    volatile uint32_t *regs;
    uint32_t v, sink = 0;
    uint16_t cmd;
    uint64_t t0;

    if (ioctl(d->devfd, VFIO_DEVICE_GET_REGION_INFO, &cfg) < 0 ||
        ioctl(d->devfd, VFIO_DEVICE_GET_REGION_INFO, &bar) < 0 ||
        pread(d->devfd, &cmd, 2, cfg.offset + 4) != 2) {
        return fail("reading region info and the command register", strerror(errno));
    }
    cmd |= 0x2; /* memory space decoding */
    if (pwrite(d->devfd, &cmd, 2, cfg.offset + 4) != 2) {
        return fail("enabling memory decoding", strerror(errno));
    }
    if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
        return fail("mapping BAR0", "the region is not mmap-able");
    }
    regs = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->devfd, bar.offset);
    if (regs == MAP_FAILED) {
        return fail("mmap of BAR0", strerror(errno));
    }
    t0 = now_ns();
    for (unsigned i = 0; i < reads; i++) {
        sink += regs[0];
    }
    *mmap_ns = (double)(now_ns() - t0) / reads;
    munmap((void *)regs, bar.size);
    t0 = now_ns();
    for (unsigned i = 0; i < reads; i++) {
        if (pread(d->devfd, &v, 4, bar.offset) != 4) {
            return fail("pread of BAR0", strerror(errno));
        }
        sink += v;
    }
    *pread_ns = (double)(now_ns() - t0) / reads;
    mmio_sink = sink;
    return 0;
}

static void close_dev(struct floor_dev *d)
{
    int *fds[] = { &d->devfd, &d->group, &d->container, &d->iommufd };

    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: floor legacy|iommufd BDF RAM_MIB [MMIO_READS]\n"
                    "Opens BDF (bound to vfio-pci), maps a q35 guest's RAM of RAM_MIB MiB, times\n"
                    "MMIO_READS reads of BAR0 (default 0: none) and prints one JSON object.\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct floor_dev d = { .container = -1, .group = -1, .iommufd = -1, .devfd = -1 };
    struct range ranges[MAX_RANGES];
    uint64_t t_start = now_ns(), t_ram, t_open, t_map, t_unmap, ram, mapped = 0;
    double mmap_ns = 0, pread_ns = 0;
    unsigned reads = 0;
    uint8_t *ram_va;
    int n, memfd;

    if (argc < 4 || argc > 5 || (strcmp(argv[1], "legacy") && strcmp(argv[1], "iommufd"))) {
        return usage();
    }
    d.backend = argv[1];
    ram = strtoull(argv[3], NULL, 0) * MIB;
    if (argc == 5) {
        reads = (unsigned)strtoul(argv[4], NULL, 0);
    }
    if (ram == 0) {
        return usage();
    }

    /* Guest RAM the way a host backs it: one memfd, mapped shared, untouched until pinned. */
    memfd = memfd_create("floor-ram", MFD_CLOEXEC);
    if (memfd < 0 || ftruncate(memfd, (off_t)ram) < 0) {
        fail("creating the RAM memfd", strerror(errno));
        return 1;
    }
    ram_va = mmap(NULL, ram, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (ram_va == MAP_FAILED) {
        fail("mapping the RAM memfd", strerror(errno));
        return 1;
    }
    t_ram = now_ns();

    if ((!strcmp(d.backend, "legacy") ? open_legacy(&d, argv[2]) : open_iommufd(&d, argv[2])) < 0) {
        close_dev(&d);
        return 1;
    }
    t_open = now_ns();
    n = q35_ranges(ram, ranges);
    for (int i = 0; i < n; i++) {
        if (map_range(&d, ram_va, &ranges[i]) < 0) {
            close_dev(&d);
            return 1;
        }
        mapped += ranges[i].size;
    }
    t_map = now_ns();
    if (reads && time_mmio(&d, reads, &mmap_ns, &pread_ns) < 0) {
        close_dev(&d);
        return 1;
    }
    uint64_t t_unmap0 = now_ns();
    for (int i = 0; i < n; i++) {
        if (unmap_range(&d, &ranges[i]) < 0) {
            close_dev(&d);
            return 1;
        }
    }
    close_dev(&d);
    t_unmap = now_ns();
    munmap(ram_va, ram);
    close(memfd);

    printf("{\"backend\": \"%s\", \"bdf\": \"%s\", \"ram_bytes\": %" PRIu64 ", \"ranges\": [",
           d.backend, argv[2], ram);
    for (int i = 0; i < n; i++) {
        printf("%s[%" PRIu64 ", %" PRIu64 "]", i ? ", " : "", ranges[i].iova, ranges[i].size);
    }
    printf("], \"maps\": %d, \"mapped_bytes\": %" PRIu64 ", \"ram_ns\": %" PRIu64
           ", \"open_ns\": %" PRIu64 ", \"map_ns\": %" PRIu64 ", \"teardown_ns\": %" PRIu64,
           n, mapped, t_ram - t_start, t_open - t_ram, t_map - t_open, t_unmap - t_unmap0);
    if (reads) {
        printf(", \"mmio_reads\": %u, \"mmap_ns_per_read\": %.1f, \"pread_ns_per_read\": %.1f",
               reads, mmap_ns, pread_ns);
    }
    printf("}\n");
    return 0;
}
