/*
 * Lab probe: proves the lab VM offers real VFIO, iommufd and KVM, with no hostdev code.
 * Each check drives the kernel directly (edu DMA round trips through the IOMMU on both the
 * legacy container and iommufd, an mtty mdev through its group, a KVM vCPU) and prints TAP.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
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
#include <linux/kvm.h>
#include <linux/vfio.h>

#define EDU_ID          0x00
#define EDU_DMA_SRC     0x80
#define EDU_DMA_DST     0x88
#define EDU_DMA_COUNT   0x90
#define EDU_DMA_CMD     0x98
#define EDU_DMA_RUN     0x1
#define EDU_DMA_TO_RAM  0x2
#define EDU_BUFFER      0x40000
#define DMA_IOVA        0x100000        /* below edu's 28-bit DMA mask */
#define DMA_LEN         0x2000
#define XFER_LEN        256

static int tests_run;
static int tests_failed;

/* Report one TAP result; the message says what was checked and, on failure, why. */
static bool check(bool ok, const char *fmt, ...)
{
    va_list ap;

    printf("%s %d - ", ok ? "ok" : "not ok", ++tests_run);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    if (!ok) {
        tests_failed++;
    }
    return ok;
}

static void diag(const char *fmt, ...)
{
    va_list ap;

    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* The IOMMU group number of a sysfs device, or -1. */
static int sysfs_group(const char *devpath)
{
    char link[PATH_MAX], target[PATH_MAX];
    ssize_t n;

    snprintf(link, sizeof(link), "%s/iommu_group", devpath);
    n = readlink(link, target, sizeof(target) - 1);
    if (n < 0) {
        return -1;
    }
    target[n] = '\0';
    return atoi(basename(target));
}

static const char *env_or_fail(const char *name)
{
    const char *v = getenv(name);

    if (!v || !*v) {
        check(false, "%s is set (run the probe through scripts/lab/run)", name);
        return NULL;
    }
    return v;
}

static bool region_info(int devfd, unsigned index, struct vfio_region_info *info)
{
    *info = (struct vfio_region_info){ .argsz = sizeof(*info), .index = index };
    return ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, info) == 0;
}

/* Enable memory decoding and bus mastering through the config region. */
static bool pci_enable(int devfd, uint32_t *vendor_device)
{
    struct vfio_region_info cfg;
    uint16_t cmd;

    if (!region_info(devfd, VFIO_PCI_CONFIG_REGION_INDEX, &cfg) ||
        pread(devfd, vendor_device, 4, cfg.offset) != 4 ||
        pread(devfd, &cmd, 2, cfg.offset + 4) != 2) {
        return false;
    }
    cmd |= 0x6;    /* memory space, bus master */
    return pwrite(devfd, &cmd, 2, cfg.offset + 4) == 2;
}

static bool edu_wait(volatile uint32_t *bar)
{
    for (int i = 0; i < 2000; i++) {
        if (!(bar[EDU_DMA_CMD / 4] & EDU_DMA_RUN)) {
            return true;
        }
        usleep(5000);
    }
    return false;
}

/*
 * Read edu's ID through its mmap'd BAR0, then DMA a pattern from guest memory into edu
 * and back out to another page, all through the IOMMU mapping at DMA_IOVA.
 */
static void edu_round_trip(const char *backend, int devfd, uint8_t *buf)
{
    struct vfio_region_info bar;
    volatile uint32_t *regs;
    uint32_t ids = 0;
    bool ok;

    ok = pci_enable(devfd, &ids) && ids == 0x11e81234;
    check(ok, "%s: edu config space reads 1234:11e8 and accepts bus mastering (got %08x)", backend,
          ids);
    ok = region_info(devfd, VFIO_PCI_BAR0_REGION_INDEX, &bar) &&
         (bar.flags & VFIO_REGION_INFO_FLAG_MMAP);
    if (!check(ok, "%s: edu BAR0 is mmap-able (size 0x%llx)", backend, (unsigned long long)bar.size)) {
        return;
    }
    regs = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, devfd, bar.offset);
    if (!check(regs != MAP_FAILED, "%s: mmap of BAR0 (%s)", backend,
               regs == MAP_FAILED ? strerror(errno) : "ok")) {
        return;
    }
    check(regs[EDU_ID / 4] == 0x010000ed, "%s: edu ID register through the mmap reads 0x%08x",
          backend, regs[EDU_ID / 4]);

    for (int i = 0; i < XFER_LEN; i++) {
        buf[i] = (uint8_t)(i * 7 + 3);
    }
    memset(buf + 0x1000, 0, XFER_LEN);
    regs[EDU_DMA_SRC / 4] = DMA_IOVA;
    regs[EDU_DMA_DST / 4] = EDU_BUFFER;
    regs[EDU_DMA_COUNT / 4] = XFER_LEN;
    regs[EDU_DMA_CMD / 4] = EDU_DMA_RUN;
    bool in_ok = edu_wait(regs);
    regs[EDU_DMA_SRC / 4] = EDU_BUFFER;
    regs[EDU_DMA_DST / 4] = DMA_IOVA + 0x1000;
    regs[EDU_DMA_COUNT / 4] = XFER_LEN;
    regs[EDU_DMA_CMD / 4] = EDU_DMA_RUN | EDU_DMA_TO_RAM;
    bool out_ok = edu_wait(regs);
    check(in_ok && out_ok && memcmp(buf, buf + 0x1000, XFER_LEN) == 0,
          "%s: edu DMA round trip of %d bytes through IOVA 0x%x", backend, XFER_LEN, DMA_IOVA);
    munmap((void *)regs, bar.size);
}

static uint8_t *dma_buffer(void)
{
    void *p = mmap(NULL, DMA_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    return p == MAP_FAILED ? NULL : p;
}

/* Open a container with type1v2 and put the group of devpath in it. Returns the group fd. */
static int legacy_open_group(const char *what, const char *devpath, int *container)
{
    char path[64];
    struct vfio_group_status st = { .argsz = sizeof(st) };
    int group, nr = sysfs_group(devpath);
    bool ok;

    *container = open("/dev/vfio/vfio", O_RDWR);
    ok = *container >= 0 && ioctl(*container, VFIO_GET_API_VERSION) == VFIO_API_VERSION &&
         ioctl(*container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 1;
    if (!check(ok, "%s: /dev/vfio/vfio has API %d and type1v2", what, VFIO_API_VERSION)) {
        return -1;
    }
    snprintf(path, sizeof(path), "/dev/vfio/%d", nr);
    group = open(path, O_RDWR);
    ok = group >= 0 && ioctl(group, VFIO_GROUP_GET_STATUS, &st) == 0 &&
         (st.flags & VFIO_GROUP_FLAGS_VIABLE);
    if (!check(ok, "%s: group %d (%s) is viable", what, nr, path)) {
        return -1;
    }
    ok = ioctl(group, VFIO_GROUP_SET_CONTAINER, container) == 0 &&
         ioctl(*container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0;
    if (!check(ok, "%s: group %d set into the container, IOMMU type1v2%s%s", what, nr,
               ok ? "" : ": ", ok ? "" : strerror(errno))) {
        close(group);
        return -1;
    }
    return group;
}

static void probe_legacy(void)
{
    const char *bdf = env_or_fail("LAB_EDU");
    char devpath[PATH_MAX];
    int container = -1, group, devfd;
    uint8_t *buf;

    if (!bdf) {
        return;
    }
    snprintf(devpath, sizeof(devpath), "/sys/bus/pci/devices/%s", bdf);
    group = legacy_open_group("legacy", devpath, &container);
    if (group < 0) {
        goto out;
    }
    struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
    if (ioctl(container, VFIO_IOMMU_GET_INFO, &info) == 0) {
        diag("legacy: IOMMU page sizes 0x%llx", (unsigned long long)info.iova_pgsizes);
    }
    buf = dma_buffer();
    struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof(map),
        .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .vaddr = (uintptr_t)buf,
        .iova = DMA_IOVA,
        .size = DMA_LEN,
    };
    bool ok = buf && ioctl(container, VFIO_IOMMU_MAP_DMA, &map) == 0;
    if (!check(ok, "legacy: MAP_DMA of 0x%x bytes at IOVA 0x%x%s%s", DMA_LEN, DMA_IOVA,
               ok ? "" : ": ", ok ? "" : strerror(errno))) {
        goto out_group;
    }
    devfd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
    if (check(devfd >= 0, "legacy: GET_DEVICE_FD for %s", bdf)) {
        edu_round_trip("legacy", devfd, buf);
        close(devfd);
    }
    struct vfio_iommu_type1_dma_unmap unmap = {
        .argsz = sizeof(unmap), .iova = DMA_IOVA, .size = DMA_LEN,
    };
    ok = ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) == 0 && unmap.size == DMA_LEN;
    check(ok, "legacy: UNMAP_DMA returns the whole 0x%x bytes", DMA_LEN);
    munmap(buf, DMA_LEN);
out_group:
    close(group);
out:
    if (container >= 0) {
        close(container);
    }
}

/* The /dev/vfio/devices/vfioN node of a PCI device, from its vfio-dev directory. */
static bool cdev_path(const char *bdf, char *out, size_t len)
{
    char dir[PATH_MAX];
    struct dirent *d;
    DIR *dp;
    bool found = false;

    snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
    dp = opendir(dir);
    if (!dp) {
        return false;
    }
    while ((d = readdir(dp))) {
        if (strncmp(d->d_name, "vfio", 4) == 0) {
            snprintf(out, len, "/dev/vfio/devices/%s", d->d_name);
            found = true;
            break;
        }
    }
    closedir(dp);
    return found;
}

static void probe_iommufd(void)
{
    const char *bdf = env_or_fail("LAB_EDU");
    char cdev[PATH_MAX];
    int iommufd, devfd;
    uint8_t *buf;

    if (!bdf) {
        return;
    }
    iommufd = open("/dev/iommu", O_RDWR);
    if (!check(iommufd >= 0, "iommufd: open /dev/iommu%s%s", iommufd >= 0 ? "" : ": ",
               iommufd >= 0 ? "" : strerror(errno))) {
        return;
    }
    if (!check(cdev_path(bdf, cdev, sizeof(cdev)), "iommufd: %s has a vfio cdev", bdf)) {
        goto out_iommufd;
    }
    devfd = open(cdev, O_RDWR);
    if (!check(devfd >= 0, "iommufd: open %s%s%s", cdev, devfd >= 0 ? "" : ": ",
               devfd >= 0 ? "" : strerror(errno))) {
        goto out_iommufd;
    }
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = iommufd };
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    bool ok = ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0;
    if (!check(ok, "iommufd: BIND_IOMMUFD (devid %u)", bind.out_devid)) {
        goto out_dev;
    }
    ok = ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc) == 0;
    if (!check(ok, "iommufd: IOAS_ALLOC (ioas %u)", alloc.out_ioas_id)) {
        goto out_dev;
    }
    struct vfio_device_attach_iommufd_pt attach = {
        .argsz = sizeof(attach), .pt_id = alloc.out_ioas_id,
    };
    ok = ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) == 0;
    if (!check(ok, "iommufd: ATTACH to IOAS %u%s%s", alloc.out_ioas_id, ok ? "" : ": ",
               ok ? "" : strerror(errno))) {
        goto out_dev;
    }
    buf = dma_buffer();
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
        .ioas_id = alloc.out_ioas_id,
        .user_va = (uintptr_t)buf,
        .length = DMA_LEN,
        .iova = DMA_IOVA,
    };
    ok = buf && ioctl(iommufd, IOMMU_IOAS_MAP, &map) == 0;
    if (check(ok, "iommufd: IOAS_MAP of 0x%x bytes at IOVA 0x%x%s%s", DMA_LEN, DMA_IOVA,
              ok ? "" : ": ", ok ? "" : strerror(errno))) {
        edu_round_trip("iommufd", devfd, buf);
        struct iommu_ioas_unmap unmap = {
            .size = sizeof(unmap), .ioas_id = alloc.out_ioas_id, .iova = DMA_IOVA,
            .length = DMA_LEN,
        };
        ok = ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap) == 0 && unmap.length == DMA_LEN;
        check(ok, "iommufd: IOAS_UNMAP returns the whole 0x%x bytes", DMA_LEN);
    }
    if (buf) {
        munmap(buf, DMA_LEN);
    }
    struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };
    ok = ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach) == 0;
    check(ok, "iommufd: DETACH");
out_dev:
    close(devfd);
out_iommufd:
    close(iommufd);
}

/* An mtty mdev through its group: device info, config space ids, a UART register. */
static void probe_mdev(void)
{
    const char *mdevs = env_or_fail("LAB_MDEVS");
    char path[PATH_MAX], *uuid;
    int container = -1, group, devfd;

    if (!mdevs) {
        return;
    }
    snprintf(path, sizeof(path), "%.*s", (int)strcspn(mdevs, " "), mdevs);
    uuid = basename(path);
    char devpath[PATH_MAX];
    snprintf(devpath, sizeof(devpath), "/sys/bus/mdev/devices/%s", uuid);
    group = legacy_open_group("mdev", devpath, &container);
    if (group < 0) {
        goto out;
    }
    devfd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, uuid);
    if (check(devfd >= 0, "mdev: GET_DEVICE_FD for %s", uuid)) {
        struct vfio_device_info info = { .argsz = sizeof(info) };
        struct vfio_region_info cfg, bar;
        uint32_t ids = 0;
        uint8_t scr = 0x5a, back = 0;
        bool ok;

        ok = ioctl(devfd, VFIO_DEVICE_GET_INFO, &info) == 0 && (info.flags & VFIO_DEVICE_FLAGS_PCI);
        check(ok, "mdev: a PCI device with %u regions and %u IRQs", info.num_regions,
              info.num_irqs);
        ok = region_info(devfd, VFIO_PCI_CONFIG_REGION_INDEX, &cfg) &&
             pread(devfd, &ids, 4, cfg.offset) == 4 && ids == 0x32534348;
        check(ok, "mdev: mtty config space reads 4348:3253 (got %08x)", ids);
        ok = region_info(devfd, VFIO_PCI_BAR0_REGION_INDEX, &bar) &&
             pwrite(devfd, &scr, 1, bar.offset + 7) == 1 &&
             pread(devfd, &back, 1, bar.offset + 7) == 1 && back == scr;
        check(ok, "mdev: UART scratch register in BAR0 keeps 0x%02x (read 0x%02x)", scr, back);
        close(devfd);
    }
    close(group);
out:
    if (container >= 0) {
        close(container);
    }
}

/* A KVM vCPU in real mode runs "mov $42, %al; hlt" and exits with KVM_EXIT_HLT. */
static void probe_kvm(void)
{
    static const uint8_t code[] = { 0xb0, 0x2a, 0xf4 };
    struct kvm_userspace_memory_region slot;
    struct kvm_sregs sregs;
    struct kvm_regs regs;
    struct kvm_run *run = MAP_FAILED;
    int kvm, vm = -1, vcpu = -1, runsz = 0;
    uint8_t *mem = MAP_FAILED;
    bool ok;

    kvm = open("/dev/kvm", O_RDWR);
    ok = kvm >= 0 && ioctl(kvm, KVM_GET_API_VERSION, 0) == KVM_API_VERSION;
    if (!check(ok, "kvm: /dev/kvm with API %d%s%s", KVM_API_VERSION, ok ? "" : ": ",
               ok ? "" : strerror(errno))) {
        goto out;
    }
    vm = ioctl(kvm, KVM_CREATE_VM, 0);
    mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ok = vm >= 0 && mem != MAP_FAILED;
    if (!check(ok, "kvm: CREATE_VM%s%s", ok ? "" : ": ", ok ? "" : strerror(errno))) {
        goto out;
    }
    memcpy(mem + 0x1000, code, sizeof(code));
    slot = (struct kvm_userspace_memory_region){
        .slot = 0, .guest_phys_addr = 0, .memory_size = 0x10000, .userspace_addr = (uintptr_t)mem,
    };
    vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vcpu >= 0 && runsz > 0) {
        run = mmap(NULL, runsz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    }
    ok = ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) == 0 && run != MAP_FAILED &&
         ioctl(vcpu, KVM_GET_SREGS, &sregs) == 0;
    if (!check(ok, "kvm: memory slot and vCPU%s%s", ok ? "" : ": ", ok ? "" : strerror(errno))) {
        goto out;
    }
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    regs = (struct kvm_regs){ .rip = 0x1000, .rflags = 0x2 };
    int rc = ioctl(vcpu, KVM_SET_SREGS, &sregs) || ioctl(vcpu, KVM_SET_REGS, &regs) ||
             ioctl(vcpu, KVM_RUN, 0);
    ok = rc == 0 && run->exit_reason == KVM_EXIT_HLT && ioctl(vcpu, KVM_GET_REGS, &regs) == 0 &&
         (regs.rax & 0xff) == 42;
    check(ok, "kvm: vCPU ran to HLT with al=42 (exit reason %u)", rc == 0 ? run->exit_reason : 0);
out:
    if (run != MAP_FAILED) {
        munmap(run, runsz);
    }
    if (mem != MAP_FAILED) {
        munmap(mem, 0x10000);
    }
    if (vcpu >= 0) {
        close(vcpu);
    }
    if (vm >= 0) {
        close(vm);
    }
    if (kvm >= 0) {
        close(kvm);
    }
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } probes[] = {
        { "legacy", probe_legacy },
        { "iommufd", probe_iommufd },
        { "mdev", probe_mdev },
        { "kvm", probe_kvm },
    };
    const char *want = argc > 1 ? argv[1] : "all";
    bool any = false;

    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        if (!strcmp(want, "all") || !strcmp(want, probes[i].name)) {
            diag("probe %s", probes[i].name);
            probes[i].fn();
            any = true;
        }
    }
    if (!any) {
        fprintf(stderr, "probe: unknown probe '%s' (legacy, iommufd, mdev, kvm or all)\n", want);
        return 2;
    }
    printf("1..%d\n", tests_run);
    diag("%d of %d checks passed", tests_run - tests_failed, tests_run);
    return tests_failed ? 1 : 0;
}
