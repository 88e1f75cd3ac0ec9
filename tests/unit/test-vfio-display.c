/*
 * VFIO display planes without a kernel: DRM fourcc to pixman, display=, and the console a fake
 * device's plane makes (a region read through mmap or pread, dma-bufs cached by id and closed
 * when evicted, a plane change, a format hostdev cannot convert named in the error), and
 * ramfb=on's framebuffer shown while the plane has no mode.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/vfio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/nvram/fw_cfg.h"
#include "hw/vfio/vfio-sys.h"
#include "system/address-space.h"
#include "ui/console.h"
#include "vfio-display.h"

#define FOURCC(a, b, c, d) \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define XR24 FOURCC('X', 'R', '2', '4')
#define REGION_INDEX 16
#define REGION_OFFSET 0x100000
#define REGION_SIZE 0x100000
/* A bochs display's regions in the fake device fd: VRAM (BAR0), dispi MMIO (BAR2), config. */
#define VRAM_OFFSET 0x200000
#define MMIO_OFFSET 0x300000
#define CONFIG_OFFSET 0x301000
#define DEVICE_SIZE 0x302000

/* The fake device: its fd is a memfd holding the display region at REGION_OFFSET. */
static struct {
    int fd;
    uint32_t type; /* VFIO_GFX_PLANE_TYPE_REGION or _DMABUF; 0: no display */
    uint32_t fourcc, width, height, stride;
    uint32_t dmabuf_id;
    int dmabuf_src;      /* memfd behind every dma-buf handed out */
    int dmabuf_fds[16];  /* handed out, in order */
    unsigned dmabuf_gets;
} dev;

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
    if (fd != dev.fd) {
        return VFIO_SYS_PASS;
    }
    if (request == VFIO_DEVICE_QUERY_GFX_PLANE) {
        struct vfio_device_gfx_plane_info *p = arg;

        if (!dev.type || (p->flags & ~VFIO_GFX_PLANE_TYPE_PROBE) != dev.type) {
            return -EINVAL;
        }
        if (p->flags & VFIO_GFX_PLANE_TYPE_PROBE) {
            return 0;
        }
        p->drm_format = dev.fourcc;
        p->drm_format_mod = 0;
        p->width = dev.width;
        p->height = dev.height;
        p->stride = dev.stride;
        p->size = dev.stride * dev.height;
        if (dev.type == VFIO_GFX_PLANE_TYPE_REGION) {
            p->region_index = REGION_INDEX;
        } else {
            p->dmabuf_id = dev.dmabuf_id;
        }
        return 0;
    }
    if (request == VFIO_DEVICE_GET_REGION_INFO) {
        struct vfio_region_info *ri = arg;

        ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP;
        ri->cap_offset = 0;
        switch (ri->index) {
        case REGION_INDEX:
            ri->offset = REGION_OFFSET;
            ri->size = REGION_SIZE;
            return 0;
        case VFIO_PCI_BAR0_REGION_INDEX:
            ri->offset = VRAM_OFFSET;
            ri->size = REGION_SIZE;
            return 0;
        case VFIO_PCI_BAR2_REGION_INDEX:
            ri->offset = MMIO_OFFSET;
            ri->size = 0x1000;
            ri->flags = VFIO_REGION_INFO_FLAG_READ;
            return 0;
        case VFIO_PCI_CONFIG_REGION_INDEX:
            ri->offset = CONFIG_OFFSET;
            ri->size = 256;
            ri->flags = VFIO_REGION_INFO_FLAG_READ;
            return 0;
        }
        return -EINVAL;
    }
    if (request == VFIO_DEVICE_GET_GFX_DMABUF) {
        int nfd = dup(dev.dmabuf_src);

        g_assert_cmpuint(dev.dmabuf_gets, <, G_N_ELEMENTS(dev.dmabuf_fds));
        dev.dmabuf_fds[dev.dmabuf_gets++] = nfd;
        return nfd;
    }
    return -ENOTTY;
}

static bool fd_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

typedef struct Fixture {
    VFIODevice vbasedev;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
    (void)data;
    memset(&dev, 0, sizeof(dev));
    dev.fd = memfd_create("fake-display-device", MFD_CLOEXEC);
    g_assert_cmpint(ftruncate(dev.fd, DEVICE_SIZE), ==, 0);
    dev.dmabuf_src = memfd_create("fake-dmabuf", MFD_CLOEXEC);
    g_assert_cmpint(ftruncate(dev.dmabuf_src, REGION_SIZE), ==, 0);
    dev.type = VFIO_GFX_PLANE_TYPE_REGION;
    dev.fourcc = XR24;
    dev.width = 64;
    dev.height = 32;
    dev.stride = 64 * 4 + 16;
    vfio_device_init(&f->vbasedev, NULL);
    f->vbasedev.name = g_strdup("fake0");
    f->vbasedev.fd = dev.fd;
    vfio_sys_set_ioctl_fake(fake_ioctl);
}

static void teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    vfio_sys_set_ioctl_fake(NULL);
    f->vbasedev.fd = -1;
    vfio_device_clear(&f->vbasedev);
    close(dev.fd);
    close(dev.dmabuf_src);
}

/* Put pixel value @v at (@x, @y) of the plane in @fd at @base. */
static void put(int fd, uint64_t base, unsigned x, unsigned y, uint32_t v)
{
    g_assert_cmpint(pwrite(fd, &v, 4, (off_t)(base + y * dev.stride + x * 4)), ==, 4);
}

static uint32_t pixel(HdConsole *con, unsigned x, unsigned y)
{
    pixman_image_t *img = hd_console_surface(con);
    uint8_t *data = (uint8_t *)pixman_image_get_data(img);

    return *(uint32_t *)(data + y * pixman_image_get_stride(img) + x * 4);
}

static void test_formats(void)
{
    char name[5];

    g_assert_cmpint(vfio_display_pixman_format(XR24), ==, PIXMAN_x8r8g8b8);
    g_assert_cmpint(vfio_display_pixman_format(FOURCC('A', 'B', '2', '4')), ==, PIXMAN_a8b8g8r8);
    g_assert_cmpint(vfio_display_pixman_format(FOURCC('R', 'G', '1', '6')), ==, PIXMAN_r5g6b5);
    g_assert_cmpint(vfio_display_pixman_format(FOURCC('R', 'G', '2', '4')), ==, PIXMAN_r8g8b8);
    g_assert_cmpint(vfio_display_pixman_format(FOURCC('B', 'G', '2', '4')), ==, PIXMAN_b8g8r8);
    g_assert_cmpint(vfio_display_pixman_format(FOURCC('N', 'V', '1', '2')), ==, 0);
    vfio_display_fourcc_name(FOURCC('N', 'V', '1', '2'), name);
    g_assert_cmpstr(name, ==, "NV12");
    vfio_display_fourcc_name(0x00313220, name);
    g_assert_cmpstr(name, ==, " 21?");
}

static void test_mode_parse(void)
{
    g_autoptr(GError) err = NULL;
    VFIODisplayMode mode = VFIO_DISPLAY_ON;

    g_assert_true(vfio_display_mode_parse(NULL, &mode, NULL));
    g_assert_cmpint(mode, ==, VFIO_DISPLAY_OFF);
    g_assert_true(vfio_display_mode_parse("auto", &mode, NULL));
    g_assert_cmpint(mode, ==, VFIO_DISPLAY_AUTO);
    g_assert_true(vfio_display_mode_parse("on", &mode, NULL));
    g_assert_cmpint(mode, ==, VFIO_DISPLAY_ON);
    g_assert_false(vfio_display_mode_parse("yes", &mode, &err));
    g_assert_cmpstr(err->message, ==, "display=yes: use on, off or auto");
}

/* No planes: on fails saying so, auto and off make no console. */
static void test_no_display(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    VFIODisplay *d = (VFIODisplay *)&err;

    (void)data;
    dev.type = 0;
    g_assert_true(vfio_display_setup(&f->vbasedev, "gpu0", VFIO_DISPLAY_AUTO, &d, NULL));
    g_assert_null(d);
    g_assert_true(vfio_display_setup(&f->vbasedev, "gpu0", VFIO_DISPLAY_OFF, &d, NULL));
    g_assert_null(d);
    g_assert_false(vfio_display_setup(&f->vbasedev, "gpu0", VFIO_DISPLAY_ON, &d, &err));
    g_assert_null(d);
    g_assert_nonnull(strstr(err->message, "display=on but the device has no display planes"));
    g_assert_null(hd_console_find(NULL, 0, NULL));
}

static void region_plane(Fixture *f, bool no_mmap)
{
    g_autoptr(GError) err = NULL;
    VFIODisplay *d = NULL;
    HdConsole *con;

    f->vbasedev.no_mmap = no_mmap;
    g_assert_true(vfio_display_setup(&f->vbasedev, "gpu0", VFIO_DISPLAY_ON, &d, &err));
    g_assert_nonnull(d);
    con = hd_console_find("gpu0", 0, &err);
    g_assert_nonnull(con);
    g_assert_null(hd_console_surface(con));
    put(dev.fd, REGION_OFFSET, 0, 0, 0x00ff0000);
    put(dev.fd, REGION_OFFSET, 63, 31, 0x000000ff);
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_nonnull(hd_console_surface(con));
    g_assert_cmpint(pixman_image_get_width(hd_console_surface(con)), ==, 64);
    g_assert_cmpint(pixman_image_get_height(hd_console_surface(con)), ==, 32);
    g_assert_cmpint(pixman_image_get_stride(hd_console_surface(con)), ==, 64 * 4 + 16);
    g_assert_cmpint(pixman_image_get_format(hd_console_surface(con)), ==, PIXMAN_x8r8g8b8);
    g_assert_cmphex(pixel(con, 0, 0), ==, 0x00ff0000);
    g_assert_cmphex(pixel(con, 63, 31), ==, 0x000000ff);

    /* The guest draws: the same surface shows it after the next refresh. */
    put(dev.fd, REGION_OFFSET, 10, 10, 0x0000ff00);
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_cmphex(pixel(con, 10, 10), ==, 0x0000ff00);

    /* A new mode: a new surface of the new size. */
    dev.width = 32;
    dev.stride = 32 * 4;
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_cmpint(pixman_image_get_width(hd_console_surface(con)), ==, 32);

    /* A format hostdev cannot convert: named, with the device; the last surface stays. */
    dev.fourcc = FOURCC('N', 'V', '1', '2');
    g_assert_false(hd_console_refresh(con, &err));
    g_assert_nonnull(strstr(err->message, "device 'gpu0'"));
    g_assert_nonnull(strstr(err->message, "format 'NV12' (0x3231564e) cannot be converted"));
    g_assert_nonnull(hd_console_surface(con));

    vfio_display_free(d);
    g_assert_null(hd_console_find(NULL, 0, NULL));
}

static void test_region_mmap(Fixture *f, gconstpointer data)
{
    (void)data;
    region_plane(f, false);
}

static void test_region_pread(Fixture *f, gconstpointer data)
{
    (void)data;
    vfio_sys_reset_counts();
    region_plane(f, true);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_MMAP), ==, 0);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_PREAD), >=, 3);
}

/* dma-bufs: fetched once per id, the latest few kept mapped, the older ones closed. */
static void test_dmabuf(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    VFIODisplay *d = NULL;
    HdConsole *con;

    (void)data;
    dev.type = VFIO_GFX_PLANE_TYPE_DMABUF;
    dev.dmabuf_id = 1;
    g_assert_true(vfio_display_setup(&f->vbasedev, "gpu1", VFIO_DISPLAY_AUTO, &d, &err));
    g_assert_nonnull(d);
    con = hd_console_find("gpu1", 0, &err);
    put(dev.dmabuf_src, 0, 5, 6, 0x00123456);
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_cmphex(pixel(con, 5, 6), ==, 0x00123456);
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_cmpuint(dev.dmabuf_gets, ==, 1);
    g_assert_true(fd_open(dev.dmabuf_fds[0]));

    /* Ids 2..5: id 1 falls out of the cache and its fd is closed; back to 5: no new fd. */
    for (uint32_t id = 2; id <= 5; id++) {
        dev.dmabuf_id = id;
        g_assert_true(hd_console_refresh(con, &err));
    }
    g_assert_cmpuint(dev.dmabuf_gets, ==, 5);
    g_assert_false(fd_open(dev.dmabuf_fds[0]));
    g_assert_true(fd_open(dev.dmabuf_fds[1]));
    dev.dmabuf_id = 3;
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_cmpuint(dev.dmabuf_gets, ==, 5);
    g_assert_cmphex(pixel(con, 5, 6), ==, 0x00123456);

    /* The guest turns its mode off: no surface. */
    dev.fourcc = 0;
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_null(hd_console_surface(con));

    vfio_display_free(d);
    for (unsigned i = 0; i < dev.dmabuf_gets; i++) {
        g_assert_false(fd_open(dev.dmabuf_fds[i]));
    }
}

/*
 * A dma-buf the kernel will not map (mbochs': read-only, so no shared mapping): a bochs
 * display's plane is read from its VRAM BAR at the scanout offset of its dispi registers.
 */
static void test_dmabuf_bochs(Fixture *f, gconstpointer data)
{
    static const uint16_t ids[2] = { 0x1234, 0x1111 };
    const uint16_t yoff = 3;
    g_autoptr(GError) err = NULL;
    VFIODisplay *d = NULL;
    HdConsole *con;

    (void)data;
    dev.type = VFIO_GFX_PLANE_TYPE_DMABUF;
    dev.dmabuf_id = 7;
    g_assert_cmpint(pwrite(dev.fd, ids, 4, CONFIG_OFFSET), ==, 4);
    g_assert_cmpint(pwrite(dev.fd, &yoff, 2, MMIO_OFFSET + 0x500 + 2 * 9), ==, 2);
    put(dev.fd, VRAM_OFFSET + yoff * dev.stride, 5, 6, 0x00abcdef);
    g_assert_true(vfio_display_setup(&f->vbasedev, "gpu2", VFIO_DISPLAY_ON, &d, &err));
    con = hd_console_find("gpu2", 0, &err);
    vfio_sys_fail_nth(VFIO_SYS_MMAP, 1, EINVAL);
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_true(vfio_sys_fail_fired());
    g_assert_cmpuint(dev.dmabuf_gets, ==, 1);
    g_assert_false(fd_open(dev.dmabuf_fds[0]));
    g_assert_cmphex(pixel(con, 5, 6), ==, 0x00abcdef);
    /* A new mode: straight to the VRAM, no dma-buf fetched in vain. */
    dev.dmabuf_id = 8;
    dev.width = 32;
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_cmpuint(dev.dmabuf_gets, ==, 1);
    g_assert_cmphex(pixel(con, 5, 6), ==, 0x00abcdef);

    /* Not a bochs display: the refusal is the error. */
    vfio_display_free(d);
    g_assert_cmpint(pwrite(dev.fd, "\xf4\x1a\x00\x10", 4, CONFIG_OFFSET), ==, 4);
    g_assert_true(vfio_display_setup(&f->vbasedev, "gpu2", VFIO_DISPLAY_ON, &d, &err));
    con = hd_console_find("gpu2", 0, &err);
    vfio_sys_fail_nth(VFIO_SYS_MMAP, 1, EINVAL);
    g_assert_false(hd_console_refresh(con, &err));
    g_assert_nonnull(strstr(err->message, "(1af4:1000) is not a bochs display"));
    vfio_display_free(d);
}

/* Write etc/ramfb through fw_cfg DMA as firmware does: structure at 0x1000, config at 0x1100. */
static void ramfb_program(uint64_t fb_addr, uint32_t w, uint32_t h)
{
    AddressSpace *mem = memory_system_address_space();
    AddressSpace *io = memory_system_io_address_space();
    uint8_t cfg[28] = { 0 }, desc[16] = { 0 }, dir[4 + 64 * 4];
    uint32_t count, key = 0;

    /* The directory, read by DMA: find the file's key. */
    desc[3] = FW_CFG_DMA_SELECT | FW_CFG_DMA_READ;
    desc[0] = FW_CFG_FILE_DIR >> 8;
    desc[1] = FW_CFG_FILE_DIR & 0xff;
    desc[6] = sizeof(dir) >> 8;
    desc[7] = sizeof(dir) & 0xff;
    desc[14] = 0x12; /* directory read to 0x1200 */
    g_assert_cmpint(address_space_write(mem, 0x1000, desc, sizeof(desc)), ==, MEMTX_OK);
    address_space_stl(io, FW_CFG_IO_BASE + FW_CFG_DMA_OFFSET, 0);
    address_space_stl(io, FW_CFG_IO_BASE + FW_CFG_DMA_OFFSET + 4, GUINT32_SWAP_LE_BE(0x1000));
    address_space_read(mem, 0x1200, dir, sizeof(dir));
    count = GUINT32_FROM_BE(*(uint32_t *)dir);
    for (uint32_t i = 0; i < count && i < 4; i++) {
        if (!strcmp((char *)dir + 4 + 64 * i + 8, "etc/ramfb")) {
            key = (uint32_t)dir[4 + 64 * i + 4] << 8 | dir[4 + 64 * i + 5];
        }
    }
    g_assert_cmpuint(key, >=, FW_CFG_FILE_FIRST);

    *(uint64_t *)cfg = GUINT64_TO_BE(fb_addr);
    *(uint32_t *)(cfg + 8) = GUINT32_TO_BE(XR24);
    *(uint32_t *)(cfg + 16) = GUINT32_TO_BE(w);
    *(uint32_t *)(cfg + 20) = GUINT32_TO_BE(h);
    address_space_write(mem, 0x1100, cfg, sizeof(cfg));
    memset(desc, 0, sizeof(desc));
    desc[0] = (uint8_t)(key >> 8);
    desc[1] = (uint8_t)key;
    desc[3] = FW_CFG_DMA_SELECT | FW_CFG_DMA_WRITE;
    desc[7] = sizeof(cfg);
    desc[14] = 0x11;
    address_space_write(mem, 0x1000, desc, sizeof(desc));
    address_space_stl(io, FW_CFG_IO_BASE + FW_CFG_DMA_OFFSET, 0);
    address_space_stl(io, FW_CFG_IO_BASE + FW_CFG_DMA_OFFSET + 4, GUINT32_SWAP_LE_BE(0x1000));
    address_space_read(mem, 0x1000, desc, 4);
    g_assert_cmphex(desc[3], ==, 0); /* no DMA error */
}

/* ramfb=on: the ramfb shows until the device's plane has a mode, and again when it has none. */
static void test_ramfb(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *ram = memory_region_new_ram("ram", 0x400000, &err);
    HdFwCfg *fw = hd_fw_cfg_new(memory_system_io_root(), memory_system_address_space());
    uint32_t px = 0x00123456;
    VFIODisplay *d = NULL;
    HdConsole *con;
    HdRamfb *fb;

    (void)data;
    g_assert_nonnull(ram);
    memory_region_add_subregion(memory_system_root(), 0, ram);
    g_assert_true(vfio_display_setup(&f->vbasedev, "gpu3", VFIO_DISPLAY_ON, &d, &err));
    fb = hd_ramfb_new("vfio-pci 'gpu3'", &err);
    g_assert_nonnull(fb);
    vfio_display_set_ramfb(d, fb);
    con = hd_console_find("gpu3", 0, &err);

    /* No mode, no ramfb configuration: nothing to show. */
    dev.fourcc = 0;
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_null(hd_console_surface(con));

    /* Firmware sets the ramfb up: 32x16 at 0x100000 in guest RAM. */
    ramfb_program(0x100000, 32, 16);
    address_space_write(memory_system_address_space(), 0x100000 + (3 * 32 + 2) * 4, &px, 4);
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_nonnull(hd_console_surface(con));
    g_assert_cmpint(pixman_image_get_width(hd_console_surface(con)), ==, 32);
    g_assert_cmphex(pixel(con, 2, 3), ==, 0x00123456);

    /* The guest's driver sets a mode: the device's plane takes over. */
    dev.fourcc = XR24;
    put(dev.fd, REGION_OFFSET, 1, 1, 0x00ff00ff);
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_cmpint(pixman_image_get_width(hd_console_surface(con)), ==, 64);
    g_assert_cmphex(pixel(con, 1, 1), ==, 0x00ff00ff);

    /* The mode goes away: the ramfb again. */
    dev.fourcc = 0;
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_cmpint(pixman_image_get_width(hd_console_surface(con)), ==, 32);
    g_assert_cmphex(pixel(con, 2, 3), ==, 0x00123456);

    /* A system reset forgets the ramfb: blank. */
    hd_ramfb_reset(fb);
    g_assert_true(hd_console_refresh(con, &err));
    g_assert_null(hd_console_surface(con));

    vfio_display_free(d);
    hd_fw_cfg_free(fw);
    memory_region_del_subregion(memory_system_root(), ram);
    memory_region_unref(ram);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio/display/formats", test_formats);
    g_test_add_func("/vfio/display/mode-parse", test_mode_parse);
#define ADD(path, fn) g_test_add("/vfio/display/" path, Fixture, NULL, setup, fn, teardown)
    ADD("no-display", test_no_display);
    ADD("region-mmap", test_region_mmap);
    ADD("region-pread", test_region_pread);
    ADD("dmabuf", test_dmabuf);
    ADD("dmabuf-bochs-vram", test_dmabuf_bochs);
    ADD("ramfb", test_ramfb);
    return g_test_run();
}
