/*
 * /init of the L2 guest that hostdev boots under nested KVM in the lab: checks the devices
 * hostdev assigned (nvme, igb, edu, an mtty mdev) with their real Linux drivers and prints one
 * "L2: CHECK ok|FAIL detail" line each on the serial console, then powers off or reboots.
 * Options come from the kernel command line: l2.expect=nvme,igb,edu,mtty,rp l2.bench=SECS
 * (nvme read throughput and IOPS, printed as "L2-BENCH: ...") l2.cpus=N (online CPUs)
 * l2.end=halt (acpi=off: stay up, the host ends it) l2.reboots=N (the
 * boot count lives in a block of the assigned nvme, which survives the guest's resets)
 * l2.hotplug (report PCI devices the host hot-plugs and unplugs until the power button)
 * l2.migrate (a numbered stream through an mtty and the console until the power button).
 * l2.expect=fb draws the display test pattern into /dev/fb0 (mdpy-fb or bochs-drm's fbdev on
 * an assigned display mdev) for the host's screendump.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fb.h>
#include <linux/input.h>
#include <linux/reboot.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define NVME_PATTERN "HOSTDEVLAB-NVME-PATTERN-"
#define COUNT_OFFSET 8192 /* nvme block holding the boot count: the disk survives resets */

static int failures;

static void report(int ok, const char *check, const char *fmt, ...)
{
    char detail[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    printf("L2: %s %s %s\n", check, ok ? "ok" : "FAIL", detail);
    fflush(stdout);
    failures += !ok;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_text(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    ssize_t n;

    if (fd < 0) {
        return -1;
    }
    n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0) {
        return -1;
    }
    buf[n] = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) {
        buf[--n] = 0;
    }
    return 0;
}

static int wait_for(const char *path, double secs)
{
    double end = now() + secs;

    while (access(path, F_OK) != 0) {
        if (now() > end) {
            return -1;
        }
        usleep(100000);
    }
    return 0;
}

/* The PCI address (in buf) of the first device with @vendor:@device, or -1. */
#define MAX_PCI 64

typedef struct {
    char bdf[32];
    unsigned vendor, device;
} PciFn;

static int list_pci(PciFn *out)
{
    DIR *d = opendir("/sys/bus/pci/devices");
    struct dirent *e;
    int n = 0;

    while (d && (e = readdir(d)) && n < MAX_PCI) {
        char path[300], v[32], dv[32];

        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", e->d_name);
        if (read_text(path, v, sizeof(v)) < 0) {
            continue;
        }
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", e->d_name);
        if (read_text(path, dv, sizeof(dv)) < 0) {
            continue;
        }
        snprintf(out[n].bdf, sizeof(out[n].bdf), "%s", e->d_name);
        out[n].vendor = strtoul(v, NULL, 16);
        out[n].device = strtoul(dv, NULL, 16);
        n++;
    }
    if (d) {
        closedir(d);
    }
    return n;
}

static int find_pci(unsigned vendor, unsigned device, char *buf, size_t len)
{
    static PciFn all[MAX_PCI];
    int n = list_pci(all);

    for (int i = 0; i < n; i++) {
        if (all[i].vendor == vendor && all[i].device == device) {
            snprintf(buf, len, "%s", all[i].bdf);
            return 0;
        }
    }
    return -1;
}

static long config_size(const char *bdf)
{
    char path[300];
    struct stat st;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void check_nvme(int ecam)
{
    char serial[64] = "", bdf[64] = "?";
    static char buf[4096] __attribute__((aligned(4096)));
    int fd, ok;
    ssize_t n;

    find_pci(0x1b36, 0x0010, bdf, sizeof(bdf));
    if (wait_for("/sys/class/nvme/nvme0/serial", 20) < 0) {
        report(0, "nvme-driver", "no /sys/class/nvme/nvme0 after 20 s (device %s)", bdf);
        return;
    }
    read_text("/sys/class/nvme/nvme0/serial", serial, sizeof(serial));
    report(!strcmp(serial, "HOSTDEVLAB0001"), "nvme-serial", "'%s' at %s", serial, bdf);
    if (wait_for("/dev/nvme0n1", 20) < 0) {
        report(0, "nvme-read", "no /dev/nvme0n1 after 20 s");
        return;
    }
    fd = open("/dev/nvme0n1", O_RDONLY | O_DIRECT);
    if (fd < 0) {
        report(0, "nvme-read", "open /dev/nvme0n1 O_DIRECT: %s", strerror(errno));
        return;
    }
    n = pread(fd, buf, sizeof(buf), 0);
    close(fd);
    ok = n == (ssize_t)sizeof(buf);
    for (size_t i = 0; ok && i < sizeof(buf); i++) {
        ok = buf[i] == NVME_PATTERN[i % strlen(NVME_PATTERN)];
    }
    report(ok, "nvme-read", "O_DIRECT read of 4096 bytes: %zd, starts '%.24s'", n,
           n > 0 ? buf : "");
    if (ecam) {
        report(config_size(bdf) == 4096, "nvme-ecam", "config space of %s is %ld bytes", bdf,
               config_size(bdf));
    }
}

/* Sum of the /proc/interrupts counts of lines naming @name. */
static long irq_count(const char *name, int *vectors)
{
    FILE *f = fopen("/proc/interrupts", "r");
    char line[1024];
    long total = 0;

    *vectors = 0;
    while (f && fgets(line, sizeof(line), f)) {
        char *p = strchr(line, ':');

        if (!p || !strstr(line, name) || !strstr(line, "MSI")) {
            continue;
        }
        (*vectors)++;
        for (p++;;) {
            char *end;
            long v = strtol(p, &end, 10);

            if (end == p) {
                break;
            }
            total += v;
            p = end;
        }
    }
    if (f) {
        fclose(f);
    }
    return total;
}

static void check_igb(void)
{
    char bdf[64] = "", drv[300], ifname[64] = "";
    struct ifreq ifr;
    long before, after;
    int s, vectors;
    DIR *d;
    struct dirent *e;

    if (find_pci(0x8086, 0x10c9, bdf, sizeof(bdf)) < 0) {
        report(0, "igb-driver", "no 8086:10c9 device on the guest's PCI bus");
        return;
    }
    snprintf(drv, sizeof(drv), "/sys/bus/pci/drivers/igb/%s", bdf);
    if (wait_for(drv, 20) < 0) {
        report(0, "igb-driver", "igb did not bind %s within 20 s", bdf);
        return;
    }
    snprintf(drv, sizeof(drv), "/sys/bus/pci/devices/%s/net", bdf);
    wait_for(drv, 10);
    d = opendir(drv);
    while (d && (e = readdir(d))) {
        if (e->d_name[0] != '.') {
            snprintf(ifname, sizeof(ifname), "%s", e->d_name);
        }
    }
    if (d) {
        closedir(d);
    }
    report(ifname[0] != 0, "igb-driver", "igb bound %s as %s", bdf, ifname);
    if (!ifname[0]) {
        return;
    }
    /* Up: the driver requests its MSI-X vectors; its watchdog then raises them. */
    s = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    ioctl(s, SIOCGIFFLAGS, &ifr);
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
        report(0, "igb-msix", "SIOCSIFFLAGS up %s: %s", ifname, strerror(errno));
        close(s);
        return;
    }
    close(s);
    sleep(1);
    before = irq_count(ifname, &vectors);
    sleep(5);
    after = irq_count(ifname, &vectors);
    report(after > before && vectors > 1, "igb-msix",
           "%d MSI-X vectors of %s, interrupts %ld -> %ld in 5 s", vectors, ifname, before,
           after);
}

static void check_edu(void)
{
    char bdf[64] = "", path[300];
    unsigned char id[4] = { 0 };
    int fd;

    if (find_pci(0x1234, 0x11e8, bdf, sizeof(bdf)) < 0) {
        report(0, "edu", "no 1234:11e8 device on the guest's PCI bus");
        return;
    }
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
    fd = open(path, O_RDONLY);
    if (fd >= 0) {
        pread(fd, id, 4, 0);
        close(fd);
    }
    report(id[0] == 0x34 && id[1] == 0x12 && id[2] == 0xe8 && id[3] == 0x11, "edu",
           "%s: config %ld bytes, id %02x%02x:%02x%02x", bdf, config_size(bdf), id[1], id[0],
           id[3], id[2]);
}

/*
 * Open the mtty's first port raw at 115200 baud, non-blocking: the tty 8250_pci made below the
 * 4348:3253 function. -1 with @why filled on failure.
 */
static int mtty_open(char *why, size_t len)
{
    char bdf[64] = "", path[300], tty[64] = "";
    struct termios tio;
    DIR *d;
    struct dirent *e;
    int fd;

    if (find_pci(0x4348, 0x3253, bdf, sizeof(bdf)) < 0) {
        snprintf(why, len, "no 4348:3253 (mtty) device on the guest's PCI bus");
        return -1;
    }
    /* The port's tty hangs below the PCI function: /sys/class/tty/ttySN resolves into it. */
    for (double end = now() + 10; !tty[0] && now() < end; usleep(100000)) {
        d = opendir("/sys/class/tty");
        while (d && (e = readdir(d))) {
            char real[PATH_MAX];

            snprintf(path, sizeof(path), "/sys/class/tty/%s", e->d_name);
            if (!strncmp(e->d_name, "ttyS", 4) && realpath(path, real) &&
                strstr(real, bdf) && !tty[0]) {
                snprintf(tty, sizeof(tty), "/dev/%s", e->d_name);
            }
        }
        if (d) {
            closedir(d);
        }
    }
    if (!tty[0] || wait_for(tty, 5) < 0) {
        snprintf(why, len, "8250_pci made no tty for %s", bdf);
        return -1;
    }
    fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, len, "open %s: %s", tty, strerror(errno));
        return -1;
    }
    tcgetattr(fd, &tio);
    cfmakeraw(&tio);
    cfsetspeed(&tio, B115200);
    tcsetattr(fd, TCSANOW, &tio);
    snprintf(why, len, "%s (%s)", tty, bdf);
    return fd;
}

/* Why an mtty read nothing back: the serial ports' interrupt counts and line states (while the
 * port is open: its interrupt line is registered then). */
static void mtty_diagnose(void)
{
    char line[256];
    FILE *f = fopen("/proc/interrupts", "r");

    while (f && fgets(line, sizeof(line), f)) {
        if (strstr(line, "serial") || strstr(line, "ttyS") || strstr(line, "pcie") ||
            strstr(line, "acpi")) {
            printf("L2: (interrupts) %s", line);
        }
    }
    if (f) {
        fclose(f);
    }
    f = fopen("/proc/tty/driver/serial", "r");
    while (f && fgets(line, sizeof(line), f)) {
        printf("L2: (serial) %s", line);
    }
    if (f) {
        fclose(f);
    }
    fflush(stdout);
}

static void check_mtty(void)
{
    char where[400], got[64] = { 0 };
    /* Under 16 bytes: mtty's loopback FIFO reads as empty once 16 bytes fill it (its ring
     * compares head and tail only), and the 8250 driver writes up to 16 at a time. */
    const char *msg = "hostdev-mtty";
    size_t have = 0;
    double end;
    int fd = mtty_open(where, sizeof(where));

    if (fd < 0) {
        report(0, "mtty", "%s", where);
        return;
    }
    write(fd, msg, strlen(msg));
    end = now() + 5;
    while (have < strlen(msg) && now() < end) {
        ssize_t n = read(fd, got + have, sizeof(got) - 1 - have);

        if (n > 0) {
            have += (size_t)n;
        } else {
            usleep(20000);
        }
    }
    if (strcmp(got, msg)) {
        mtty_diagnose();
        tcflush(fd, TCIOFLUSH); /* close() would wait up to 30 s for output that cannot go */
    }
    close(fd);
    report(!strcmp(got, msg), "mtty", "%s: wrote '%s', read back '%s'", where, msg, got);
}

/*
 * l2.bench=SECONDS: O_DIRECT reads of the assigned nvme from inside the guest, 4 KiB at random
 * offsets (queue depth 1: the interrupt path) and 128 KiB in sequence, SECONDS each.
 */
static void bench_nvme(int secs)
{
    static char buf[128 * 1024] __attribute__((aligned(4096)));
    off_t size;
    long n4k = 0, nseq = 0;
    double t0, t4k, tseq;
    unsigned seed = 1;
    int fd;

    fd = open("/dev/nvme0n1", O_RDONLY | O_DIRECT);
    if (fd < 0) {
        report(0, "nvme-bench", "open /dev/nvme0n1: %s", strerror(errno));
        return;
    }
    size = lseek(fd, 0, SEEK_END);
    t0 = now();
    while (now() - t0 < secs) {
        seed = seed * 1103515245u + 12345u;
        if (pread(fd, buf, 4096, (off_t)(seed % (unsigned)(size / 4096)) * 4096) != 4096) {
            break;
        }
        n4k++;
    }
    t4k = now() - t0;
    t0 = now();
    for (off_t off = 0; now() - t0 < secs; off = (off + (off_t)sizeof(buf)) % size) {
        if (pread(fd, buf, sizeof(buf), off) != (ssize_t)sizeof(buf)) {
            break;
        }
        nseq++;
    }
    tseq = now() - t0;
    close(fd);
    printf("L2-BENCH: iops4k=%.0f seq_mibps=%.1f\n", n4k / t4k,
           nseq * (sizeof(buf) / 1048576.0) / tseq);
    fflush(stdout);
}

/* hostdev's pcie-root-port: its extended config space is reachable through ECAM (MCFG). */
static void check_root_port(void)
{
    char bdf[64] = "";

    if (find_pci(0x1b36, 0x000c, bdf, sizeof(bdf)) < 0) {
        report(0, "root-port-ecam", "no pcie-root-port (1b36:000c) on the guest's PCI bus");
        return;
    }
    report(config_size(bdf) == 4096, "root-port-ecam", "%s: config space %ld bytes", bdf,
           config_size(bdf));
}

/* The display test pattern (tests/lab/test-kvm-display.py checks it): four quadrants red,
 * green, blue, white and a 16x16 square of 0x123456 at (100, 50). */
static uint32_t fb_pattern(unsigned x, unsigned y, unsigned w, unsigned h)
{
    static const uint32_t quadrant[4] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffffff };

    if (x >= 100 && x < 116 && y >= 50 && y < 66) {
        return 0x123456;
    }
    return quadrant[(y >= h / 2) * 2 + (x >= w / 2)];
}

/* One 8-bit channel scaled into the field @f of a pixel. */
static uint32_t fb_field(uint32_t c8, const struct fb_bitfield *f)
{
    return f->length ? (c8 >> (8 - (f->length > 8 ? 8 : f->length))) << f->offset : 0;
}

/* l2.expect=fb: /dev/fb0 shows the pattern, in the layout FBIOGET_*SCREENINFO describe. */
static void check_fb(void)
{
    struct fb_var_screeninfo var;
    struct fb_fix_screeninfo fix;
    char driver[PATH_MAX] = "?", link[PATH_MAX];
    unsigned char *frame;
    unsigned bytes;
    size_t len;
    ssize_t n;
    int fd;

    if (wait_for("/dev/fb0", 30) < 0 || (fd = open("/dev/fb0", O_RDWR)) < 0) {
        report(0, "fb", "no /dev/fb0 after 30 s (no framebuffer driver bound the display)");
        return;
    }
    n = readlink("/sys/class/graphics/fb0/device/driver", link, sizeof(link) - 1);
    if (n > 0) {
        link[n] = 0;
        snprintf(driver, sizeof(driver), "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
    }
    if (ioctl(fd, FBIOGET_VSCREENINFO, &var) < 0 || ioctl(fd, FBIOGET_FSCREENINFO, &fix) < 0) {
        report(0, "fb", "FBIOGET_*SCREENINFO: %s", strerror(errno));
        close(fd);
        return;
    }
    bytes = var.bits_per_pixel / 8;
    if ((bytes != 2 && bytes != 4) || fix.line_length < var.xres * bytes) {
        report(0, "fb", "%s: %u bpp, line %u for %u pixels: not drawable", fix.id,
               var.bits_per_pixel, fix.line_length, var.xres);
        close(fd);
        return;
    }
    /* A DRM fbdev without fbcon has not set its mode yet: setting the same one makes it. */
    var.activate = FB_ACTIVATE_NOW | FB_ACTIVATE_FORCE;
    ioctl(fd, FBIOPUT_VSCREENINFO, &var);
    ioctl(fd, FBIOBLANK, FB_BLANK_UNBLANK);
    len = (size_t)fix.line_length * var.yres;
    frame = calloc(1, len);
    for (unsigned y = 0; y < var.yres; y++) {
        for (unsigned x = 0; x < var.xres; x++) {
            uint32_t v = fb_pattern(x, y, var.xres, var.yres);
            uint32_t px = fb_field(v >> 16 & 0xff, &var.red) |
                          fb_field(v >> 8 & 0xff, &var.green) | fb_field(v & 0xff, &var.blue);

            memcpy(frame + (size_t)y * fix.line_length + x * bytes, &px, bytes);
        }
    }
    n = pwrite(fd, frame, len, (off_t)var.yoffset * fix.line_length);
    free(frame);
    fsync(fd);
    close(fd);
    usleep(500000); /* a DRM fbdev copies to the scanout buffer in deferred work */
    report(n == (ssize_t)len, "fb", "%s (%s) %ux%u %u bpp line %u: drew the pattern (%zd of %zu)",
           fix.id, driver, var.xres, var.yres, var.bits_per_pixel, fix.line_length, n, len);
}

/* l2.powerbutton: wait for the ACPI power button (QMP system_powerdown) as an input event. */
static void wait_power_button(void)
{
    struct input_event ev;
    int fd;

    printf("L2: waiting for the power button\n");
    fflush(stdout);
    if (wait_for("/dev/input/event0", 10) < 0 || (fd = open("/dev/input/event0", O_RDONLY)) < 0) {
        report(0, "power-button", "no /dev/input/event0 (the ACPI power button)");
        return;
    }
    while (read(fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev)) {
        if (ev.type == EV_KEY && ev.code == KEY_POWER && ev.value == 1) {
            report(1, "power-button", "KEY_POWER from the ACPI power button");
            break;
        }
    }
    close(fd);
}

/* --- l2.hotplug --- */

static int pci_find(const PciFn *list, int n, const PciFn *f)
{
    for (int i = 0; i < n; i++) {
        if (!strcmp(list[i].bdf, f->bdf) && list[i].vendor == f->vendor &&
            list[i].device == f->device) {
            return i;
        }
    }
    return -1;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    while (d && (e = readdir(d))) {
        n += e->d_name[0] != '.';
    }
    if (d) {
        closedir(d);
    }
    return n;
}

static void write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);

    if (fd >= 0) {
        write(fd, text, strlen(text));
        close(fd);
    }
}

/* The driver bound to @bdf, waiting up to @secs; "" when none. */
static void bound_driver(const char *bdf, double secs, char *buf, size_t len)
{
    char path[300], target[PATH_MAX];
    ssize_t n;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
    wait_for(path, secs);
    n = readlink(path, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = 0;
    snprintf(buf, len, "%s", n > 0 ? strrchr(target, '/') + 1 : "");
}

/* A hot-added nvme: the nvme driver binds, the serial reads back, block 0 holds the pattern. */
static int hotplug_nvme(const char *bdf, char *detail, size_t len)
{
    static char buf[4096] __attribute__((aligned(4096)));
    char path[300], ctrl[64] = "", serial[64] = "", dev[80];
    const char *error = "";
    DIR *d;
    struct dirent *e;
    ssize_t n = -1;
    int fd, ok;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/nvme", bdf);
    wait_for(path, 20);
    d = opendir(path);
    while (d && (e = readdir(d))) {
        if (!strncmp(e->d_name, "nvme", 4)) {
            snprintf(ctrl, sizeof(ctrl), "%s", e->d_name);
        }
    }
    if (d) {
        closedir(d);
    }
    /* The serial is there once the controller is live (identify done). */
    snprintf(path, sizeof(path), "/sys/class/nvme/%s/state", ctrl);
    for (double t = now(); ctrl[0] && now() - t < 20; usleep(20000)) {
        char state[32] = "";

        if (read_text(path, state, sizeof(state)) == 0 && !strcmp(state, "live")) {
            break;
        }
    }
    snprintf(path, sizeof(path), "/sys/class/nvme/%s/serial", ctrl);
    if (!ctrl[0] || read_text(path, serial, sizeof(serial)) < 0) {
        snprintf(detail, len, "nvme driver did not bind (controller '%s')", ctrl);
        return 0;
    }
    snprintf(dev, sizeof(dev), "/dev/%sn1", ctrl);
    /* devtmpfs shows the node while the disk is still being added: opens fail briefly. */
    for (double t = now(); now() - t < 20; usleep(20000)) {
        fd = open(dev, O_RDONLY | O_DIRECT);
        if (fd >= 0) {
            n = pread(fd, buf, sizeof(buf), 0);
            error = n < 0 ? strerror(errno) : "";
            close(fd);
            break;
        }
        error = strerror(errno);
        if (errno != ENOENT && errno != ENXIO) {
            break;
        }
    }
    ok = n == (ssize_t)sizeof(buf) && !strcmp(serial, "HOSTDEVLAB0001");
    for (size_t i = 0; ok && i < sizeof(buf); i++) {
        ok = buf[i] == NVME_PATTERN[i % strlen(NVME_PATTERN)];
    }
    snprintf(detail, len, "driver nvme, %s serial '%s', read %zd bytes of %s '%.24s'%s%s", ctrl,
             serial, n, dev, n > 0 ? buf : "", error[0] ? ": " : "", error);
    return ok;
}

/* A hot-added edu (no guest driver): enable it, then its liveness register through BAR0. */
static int hotplug_edu(const char *bdf, char *detail, size_t len)
{
    char path[300];
    volatile uint32_t *bar;
    uint32_t id = 0, live = 0;
    const char *error = NULL, *errmsg = "";
    int fd;

    /*
     * The function's sysfs directory appears when it is enumerated; its resource files only
     * once the core has added it to the bus, a moment later.
     */
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
    wait_for(path, 5);
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/enable", bdf);
    write_text(path, "1");
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
    fd = open(path, O_RDWR | O_SYNC);
    bar = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (bar == MAP_FAILED) {
        error = fd < 0 ? "open" : "mmap";
        errmsg = strerror(errno);
    } else {
        id = bar[0];
        bar[1] = 0x12345678;
        live = bar[1];
        munmap((void *)bar, 4096);
    }
    if (fd >= 0) {
        close(fd);
    }
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
    snprintf(detail, len, "BAR0 %s: id 0x%08x, liveness 0x12345678 -> 0x%08x%s%s%s%s", path, id,
             live, error ? ", " : "", error ? error : "", error ? ": " : "", errmsg);
    return (id & 0xff) == 0xed && live == ~0x12345678u;
}

static void hotplug_added(const PciFn *f)
{
    char detail[400], driver[64], path[300];
    unsigned char id[2] = { 0 };
    int ok, fd;

    if (f->vendor == 0x1b36 && f->device == 0x0010) {
        ok = hotplug_nvme(f->bdf, detail, sizeof(detail));
    } else if (f->vendor == 0x1234 && f->device == 0x11e8) {
        ok = hotplug_edu(f->bdf, detail, sizeof(detail));
    } else if (f->vendor == 0x4348 && f->device == 0x3253) {
        bound_driver(f->bdf, 20, driver, sizeof(driver));
        ok = !strcmp(driver, "serial");
        snprintf(detail, sizeof(detail), "driver %s", driver[0] ? driver : "(none)");
    } else {
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", f->bdf);
        fd = open(path, O_RDONLY);
        if (fd >= 0) {
            pread(fd, id, 2, 0);
            close(fd);
        }
        ok = (unsigned)(id[0] | id[1] << 8) == f->vendor;
        snprintf(detail, sizeof(detail), "config space vendor 0x%02x%02x", id[1], id[0]);
    }
    report(ok, "hotplug-add", "%s %04x:%04x %s", f->bdf, f->vendor, f->device, detail);
}

/*
 * Copy the kernel's pciehp messages to the console as "L2: kmsg ..." lines (the guest boots
 * quiet, so they do not cut into the report lines).
 */
static void forward_kmsg(int fd)
{
    char rec[1024];
    ssize_t n;

    while (fd >= 0 && (n = read(fd, rec, sizeof(rec) - 1)) > 0) {
        char *msg = memchr(rec, ';', (size_t)n);

        rec[n] = 0;
        if (msg && strstr(msg, "pciehp")) {
            printf("L2: kmsg %s", msg + 1);
            fflush(stdout);
        }
    }
}

/* Whether the ACPI power button was pressed (non-blocking; @fd < 0: no button). */
static int power_pressed(int fd)
{
    struct input_event ev;

    while (fd >= 0 && read(fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev)) {
        if (ev.type == EV_KEY && ev.code == KEY_POWER && ev.value == 1) {
            return 1;
        }
    }
    return 0;
}

/*
 * l2.migrate: a numbered stream until the power button: each number written through the
 * mtty's port and read back (its loopback) and then printed as "L2: tick N" on the console,
 * every 50 ms. Across a migration nothing may be lost or repeated: the mtty's FIFO, its
 * interrupt and the console all move with the guest. Ends with "L2: migrate-seq ok|FAIL ...".
 */
static void migrate_stream(void)
{
    char where[400], line[32], got[32];
    int fd = mtty_open(where, sizeof(where));
    int button = open("/dev/input/event0", O_RDONLY | O_NONBLOCK);
    unsigned long n = 0, bad = 0;

    if (fd < 0) {
        report(0, "migrate-seq", "%s", where);
        return;
    }
    printf("L2: MIGRATE ready: %s\n", where);
    fflush(stdout);
    while (!power_pressed(button)) {
        int len = snprintf(line, sizeof(line), "%lu\n", ++n); /* under mtty's 16-byte FIFO */
        size_t have = 0;
        double end = now() + 5;

        if (write(fd, line, (size_t)len) != len) {
            bad++;
        }
        while (now() < end && (!have || got[have - 1] != '\n') && have < sizeof(got) - 1) {
            ssize_t r = read(fd, got + have, sizeof(got) - 1 - have);

            if (r > 0) {
                have += (size_t)r;
            } else {
                usleep(2000);
            }
        }
        got[have] = 0;
        if (strcmp(got, line)) {
            bad++;
            got[strcspn(got, "\n")] = 0;
            printf("L2: migrate-seq wrote %lu, read back '%s'\n", n, got);
            if (bad == 1) {
                mtty_diagnose();
            }
        }
        printf("L2: tick %lu\n", n);
        fflush(stdout);
        usleep(50000);
    }
    tcflush(fd, TCIOFLUSH);
    close(fd);
    report(n > 0 && !bad, "migrate-seq", "%lu numbers through %s, %lu read back wrong", n, where,
           bad);
}

/*
 * l2.hotplug: report each PCI function that appears ("L2: hotplug-add ok|FAIL BDF VEN:DEV ...",
 * once its driver has bound and it works) or disappears ("L2: hotplug-remove ok BDF VEN:DEV"),
 * polling sysfs every 20 ms, until the power button is pressed.
 */
static void watch_hotplug(void)
{
    static PciFn seen[MAX_PCI], cur[MAX_PCI];
    int nseen = list_pci(seen), ncur;
    int button = open("/dev/input/event0", O_RDONLY | O_NONBLOCK);
    int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

    char port[64] = "", path[300];
    const char *irq = "none";

    /* How the first root port signals its events: MSI (msi_irqs listed) or INTx. */
    if (find_pci(0x1b36, 0x000c, port, sizeof(port)) == 0) {
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", port);
        irq = count_entries(path) > 0 ? "msi" : "intx";
    }
    printf("L2: HOTPLUG ready: %d PCI functions, %d hot-plug slots, port interrupt %s\n", nseen,
           count_entries("/sys/bus/pci/slots"), irq);
    fflush(stdout);
    forward_kmsg(kmsg);
    while (!power_pressed(button)) {
        usleep(20000);
        forward_kmsg(kmsg);
        ncur = list_pci(cur);
        for (int i = 0; i < nseen; i++) {
            if (pci_find(cur, ncur, &seen[i]) < 0) {
                report(1, "hotplug-remove", "%s %04x:%04x", seen[i].bdf, seen[i].vendor,
                       seen[i].device);
            }
        }
        for (int i = 0; i < ncur; i++) {
            if (pci_find(seen, nseen, &cur[i]) < 0) {
                hotplug_added(&cur[i]);
            }
        }
        memcpy(seen, cur, sizeof(cur));
        nseen = ncur;
    }
    if (button >= 0) {
        close(button);
    }
    if (kmsg >= 0) {
        close(kmsg);
    }
    report(1, "power-button", "KEY_POWER from the ACPI power button");
}

/* The boot count kept on the assigned nvme (reboot loop only); -1 when unreadable. */
static int boot_count(int set)
{
    static char buf[4096] __attribute__((aligned(4096)));
    int fd, ret = -1;

    if (wait_for("/dev/nvme0n1", 20) < 0) {
        return -1;
    }
    fd = open("/dev/nvme0n1", O_RDWR | O_DIRECT);
    if (fd < 0) {
        return -1;
    }
    if (set >= 0) {
        memset(buf, 0, sizeof(buf));
        snprintf(buf, sizeof(buf), "boots=%d", set);
        ret = pwrite(fd, buf, sizeof(buf), COUNT_OFFSET) == (ssize_t)sizeof(buf) ? set : -1;
    } else if (pread(fd, buf, sizeof(buf), COUNT_OFFSET) == (ssize_t)sizeof(buf)) {
        ret = strncmp(buf, "boots=", 6) ? 0 : atoi(buf + 6);
    }
    fsync(fd);
    close(fd);
    return ret;
}

static const char *cmdline_opt(const char *cmdline, const char *key, char *buf, size_t len)
{
    const char *p = strstr(cmdline, key);
    size_t n = 0;

    if (!p) {
        return NULL;
    }
    p += strlen(key);
    while (p[n] && p[n] != ' ' && p[n] != '\n' && n + 1 < len) {
        buf[n] = p[n];
        n++;
    }
    buf[n] = 0;
    return buf;
}

int main(void)
{
    char cmdline[1024] = "", expect[128] = "nvme", reboots_s[16] = "0", rtc[64] = "";
    char bench_s[16] = "0", cpus_s[16] = "";
    int boot, reboots;
    double t0;

    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    if (!freopen("/dev/console", "w", stdout)) {
        return 1;
    }
    t0 = now();
    read_text("/proc/cmdline", cmdline, sizeof(cmdline));
    cmdline_opt(cmdline, "l2.expect=", expect, sizeof(expect));
    cmdline_opt(cmdline, "l2.reboots=", reboots_s, sizeof(reboots_s));
    reboots = atoi(reboots_s);
    cmdline_opt(cmdline, "l2.bench=", bench_s, sizeof(bench_s));
    if (cmdline_opt(cmdline, "l2.cpus=", cpus_s, sizeof(cpus_s))) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);

        report(online == atol(cpus_s), "cpus", "%ld online of %s", online, cpus_s);
    }
    boot = reboots > 0 ? boot_count(-1) : 0;
    if (boot < 0 || boot > 64) {
        report(0, "boot-count", "cannot read the boot count from the nvme");
        boot = reboots; /* power off instead of looping */
    }
    printf("L2: boot %d of %d, userspace after %.2f s of guest uptime\n", boot + 1, reboots + 1,
           t0);
    if (wait_for("/sys/class/rtc/rtc0/since_epoch", 5) < 0 ||
        read_text("/sys/class/rtc/rtc0/since_epoch", rtc, sizeof(rtc)) < 0) {
        snprintf(rtc, sizeof(rtc), "unreadable (%s)", strerror(errno));
    }
    report(atol(rtc) > 1700000000, "rtc", "the CMOS clock reads %s s since the epoch", rtc);
    if (strstr(expect, "nvme")) {
        check_nvme(!strstr(cmdline, "l2.end=halt")); /* no ACPI, no MCFG: no ECAM */
    }
    if (atoi(bench_s) > 0) {
        bench_nvme(atoi(bench_s));
    }
    if (strstr(expect, "igb")) {
        check_igb();
    }
    if (strstr(expect, "edu")) {
        check_edu();
    }
    if (strstr(expect, "mtty")) {
        check_mtty();
    }
    if (strstr(expect, "rp")) {
        check_root_port();
    }
    if (strstr(expect, "fb")) {
        check_fb();
    }
    if (strstr(cmdline, "l2.powerbutton")) {
        printf("L2-RESULT: boot %d failures %d\n", boot + 1, failures);
        wait_power_button();
    }
    if (strstr(cmdline, "l2.hotplug")) {
        watch_hotplug();
    }
    if (strstr(cmdline, "l2.migrate")) {
        migrate_stream();
    }
    printf("L2-RESULT: boot %d failures %d\n", boot + 1, failures);
    fflush(stdout);
    sync();
    if (boot < reboots) {
        boot_count(boot + 1);
        reboot(LINUX_REBOOT_CMD_RESTART);
    } else if (strstr(cmdline, "l2.end=halt")) {
        /* No ACPI: no power-off. (A reset from here hangs in the guest with two CPUs and MP
         * tables; not understood yet.) The host ends it. */
        for (;;) {
            pause();
        }
    } else {
        if (reboots > 0) {
            boot_count(0);
        }
        reboot(LINUX_REBOOT_CMD_POWER_OFF);
    }
    for (;;) {
        pause();
    }
}
