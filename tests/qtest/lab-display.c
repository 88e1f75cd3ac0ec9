/*
 * Lab test of vfio-pci display=on on the real kernel's display mdevs, both backends: the test
 * plays the guest, draws a pattern straight into the framebuffer BAR of an mdpy (a region
 * plane) and of an mbochs after programming its bochs dispi registers (a dma-buf plane), takes
 * QMP screendump format=png and decodes the PNG to compare every pixel; display errors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <png.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"
#include "qtest-pci.h"

#define SLOT 5
#define EDU_SLOT 4
#define MEM_BASE 0xc0000000u         /* the start of q35's 32-bit PCI hole */
#define MMIO_BASE (MEM_BASE + 0x1000000u)
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2

/* bochs dispi registers in mbochs' MMIO BAR (BAR2): 16-bit, at 0x500 + 2 * index. */
#define DISPI 0x500
#define DISPI_XRES 1
#define DISPI_YRES 2
#define DISPI_BPP 3
#define DISPI_ENABLE 4
#define DISPI_VIRT_WIDTH 6
#define DISPI_VIRT_HEIGHT 7
#define DISPI_X_OFFSET 8
#define DISPI_Y_OFFSET 9
#define DISPI_ENABLED 0x01
#define DISPI_LFB 0x40

typedef struct Backend {
    const char *name;
    const char *objects;
    const char *device_opts;
} Backend;

static const Backend legacy = { "legacy", "", "" };
static const Backend iommufd = { "iommufd", "-object iommufd,id=iofd0", ",iommufd=iofd0" };

/* The mdev of LAB_MDEVS whose type is @type (g_free); NULL with the test failed. */
static char *mdev_of_type(const char *type)
{
    g_auto(GStrv) list = g_strsplit(g_getenv("LAB_MDEVS") ? g_getenv("LAB_MDEVS") : "", " ", -1);

    for (guint i = 0; list[i]; i++) {
        g_autofree char *link = g_build_filename(list[i], "mdev_type", NULL);
        g_autofree char *target = g_file_read_link(link, NULL);
        g_autofree char *base = target ? g_path_get_basename(target) : NULL;

        if (base && !strcmp(base, type)) {
            return g_strdup(list[i]);
        }
    }
    g_test_fail_printf("no %s mdev in LAB_MDEVS ('%s'): run the lab with --mdev ...,%s "
                       "(scripts/check does)", type, g_getenv("LAB_MDEVS"), type);
    return NULL;
}

static QTestState *start(const Backend *b, const char *device)
{
    g_autofree char *args = g_strdup_printf("-M q35 -m 256M -nodefaults %s -device %s%s",
                                            b->objects, device, b->device_opts);

    return qtest_init(args);
}

/* Size memory BAR @bar of the device in SLOT and place it at @addr (32-bit BARs). */
static uint32_t bar_map(QTestState *s, int bar, uint32_t addr)
{
    int reg = 0x10 + 4 * bar;
    uint32_t mask;

    pci_cfg_writel(s, SLOT, reg, 0xffffffff);
    mask = pci_cfg_readl(s, SLOT, reg) & ~0xfu;
    pci_cfg_writel(s, SLOT, reg, addr);
    return ~mask + 1;
}

static void mem_enable(QTestState *s)
{
    pci_cfg_writew(s, SLOT, PCI_COMMAND, pci_cfg_readw(s, SLOT, PCI_COMMAND) | PCI_COMMAND_MEMORY);
}

/* The test pattern: four quadrants (red, green, blue, white) and an odd-coloured square. */
static uint32_t pattern(unsigned x, unsigned y, unsigned w, unsigned h)
{
    static const uint32_t quadrant[4] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffffff };

    if (x >= 100 && x < 116 && y >= 50 && y < 66) {
        return 0x123456;
    }
    return quadrant[(y >= h / 2) * 2 + (x >= w / 2)];
}

/* Draw the pattern as XRGB8888 into the framebuffer at guest address @fb. */
static void draw(QTestState *s, uint64_t fb, unsigned w, unsigned h, unsigned stride)
{
    g_autofree uint8_t *frame = g_malloc0((size_t)stride * h);

    for (unsigned y = 0; y < h; y++) {
        for (unsigned x = 0; x < w; x++) {
            uint32_t v = pattern(x, y, w, h);

            memcpy(frame + (size_t)y * stride + x * 4, &v, 4);
        }
    }
    qtest_memwrite(s, fb, frame, (size_t)stride * h);
}

/*
 * screendump format=png of @device into a temporary file, decoded with libpng as 8-bit RGB;
 * the number of pixels that differ from the pattern of a @w x @h frame (the first few are
 * printed). -1 when the PNG is not @w x @h.
 */
static long screendump_diff(QTestState *s, const char *device, unsigned w, unsigned h)
{
    g_autofree char *dir = g_dir_make_tmp("lab-display.XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "screen.png", NULL);
    g_autofree uint8_t *rgb = NULL;
    png_image img = { .version = PNG_IMAGE_VERSION };
    long diff = 0;

    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'screendump', 'arguments': {'filename': '%s', 'device': '%s', "
           "'format': 'png'}}", path, device));
    g_assert_true(png_image_begin_read_from_file(&img, path));
    img.format = PNG_FORMAT_RGB;
    rgb = g_malloc(PNG_IMAGE_SIZE(img));
    g_assert_true(png_image_finish_read(&img, NULL, rgb, 0, NULL));
    g_unlink(path);
    g_rmdir(dir);
    g_test_message("%s: the PNG is %ux%u", device, img.width, img.height);
    if (img.width != w || img.height != h) {
        return -1;
    }
    for (unsigned y = 0; y < h; y++) {
        for (unsigned x = 0; x < w; x++) {
            const uint8_t *p = rgb + ((size_t)y * w + x) * 3;
            uint32_t got = (uint32_t)p[0] << 16 | p[1] << 8 | p[2];

            if (got != pattern(x, y, w, h) && diff++ < 5) {
                g_test_message("pixel (%u, %u) is %06x, drew %06x", x, y, got,
                               pattern(x, y, w, h));
            }
        }
    }
    return diff;
}

/* mdpy (mdpy-vga: 640x480 XRGB8888): a region plane over BAR0. */
static void test_mdpy(gconstpointer opaque)
{
    const Backend *b = opaque;
    g_autofree char *mdev = mdev_of_type("mdpy-vga");
    g_autofree char *dev = NULL;
    g_autoptr(QTestState) s = NULL;
    uint32_t size;

    if (!mdev) {
        return;
    }
    dev = g_strdup_printf("vfio-pci,sysfsdev=%s,addr=%d,id=gpu0,display=on", mdev, SLOT);
    s = start(b, dev);
    size = bar_map(s, 0, MEM_BASE);
    g_assert_cmpuint(size, >=, 640 * 480 * 4);
    mem_enable(s);
    draw(s, MEM_BASE, 640, 480, 640 * 4);
    g_assert_cmpint(screendump_diff(s, "gpu0", 640, 480), ==, 0);
    /* The guest draws again: the next screendump shows the change. */
    qtest_writel(s, MEM_BASE + (10 * 640 + 10) * 4, 0x123456);
    g_assert_cmpint(screendump_diff(s, "gpu0", 640, 480), ==, 1);
}

static void dispi_write(QTestState *s, unsigned index, uint16_t value)
{
    qtest_writew(s, MMIO_BASE + DISPI + 2 * index, value);
}

static void bochs_mode(QTestState *s, unsigned w, unsigned h)
{
    dispi_write(s, DISPI_ENABLE, 0);
    dispi_write(s, DISPI_XRES, w);
    dispi_write(s, DISPI_YRES, h);
    dispi_write(s, DISPI_BPP, 32);
    /* All of the mode, as a driver sets it: the last user (a guest's bochs-drm) left its own. */
    dispi_write(s, DISPI_VIRT_WIDTH, w);
    dispi_write(s, DISPI_VIRT_HEIGHT, h);
    dispi_write(s, DISPI_X_OFFSET, 0);
    dispi_write(s, DISPI_Y_OFFSET, 0);
    dispi_write(s, DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB);
}

/* mbochs (mbochs-small: 4 MiB): the guest sets a mode in the dispi registers, then a dma-buf. */
static void test_mbochs(gconstpointer opaque)
{
    const Backend *b = opaque;
    g_autofree char *mdev = mdev_of_type("mbochs-small");
    g_autofree char *dev = NULL;
    g_autofree char *err = NULL;
    g_autoptr(QTestState) s = NULL;

    if (!mdev) {
        return;
    }
    dev = g_strdup_printf("vfio-pci,sysfsdev=%s,addr=%d,id=gpu1,display=on", mdev, SLOT);
    s = start(b, dev);
    g_assert_cmpuint(bar_map(s, 0, MEM_BASE), ==, 4 * 1024 * 1024);
    bar_map(s, 2, MMIO_BASE);
    mem_enable(s);
    /* No mode (the mdev keeps the last user's registers: turn it off): nothing to dump. */
    dispi_write(s, DISPI_ENABLE, 0);
    err = qtest_qmp_expect_error(s, "GenericError",
                                 "{'execute': 'screendump', 'arguments': {'filename': "
                                 "'/nonexistent/x.png', 'device': 'gpu1', 'format': 'png'}}");
    g_test_message("screendump before a mode: %s", err);
    g_assert_nonnull(strstr(err, "device 'gpu1' shows nothing yet"));
    bochs_mode(s, 640, 480);
    draw(s, MEM_BASE, 640, 480, 640 * 4);
    g_assert_cmpint(screendump_diff(s, "gpu1", 640, 480), ==, 0);
    /* A new mode: another dma-buf, a surface of the new size. */
    bochs_mode(s, 800, 600);
    draw(s, MEM_BASE, 800, 600, 800 * 4);
    g_assert_cmpint(screendump_diff(s, "gpu1", 800, 600), ==, 0);
    /* And back: the first dma-buf (cached) shows what is in memory now. */
    bochs_mode(s, 640, 480);
    draw(s, MEM_BASE, 640, 480, 640 * 4);
    g_assert_cmpint(screendump_diff(s, "gpu1", 640, 480), ==, 0);
}

/* display=on on a device without display planes: the hot-plug fails naming the device; the
 * VM goes on. display=auto adds it without a display; screendump of it says so. */
static void test_edu_errors(gconstpointer opaque)
{
    const Backend *b = opaque;
    const char *edu = g_getenv("LAB_EDU");
    g_autoptr(QTestState) s = NULL;
    g_autofree char *err = NULL, *err2 = NULL, *err3 = NULL;
    const char *iofd = *b->device_opts ? ", 'iommufd': 'iofd0'" : "";
    JsonNode *st;

    if (!edu) {
        g_test_fail_printf("LAB_EDU is not set: run inside scripts/lab/run");
        return;
    }
    s = qtest_init(b->objects[0] ? "-M q35 -m 256M -nodefaults -object iommufd,id=iofd0"
                                 : "-M q35 -m 256M -nodefaults");
    err = qtest_qmp_expect_error(s, "GenericError",
                                 "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', "
                                 "'host': '%s', 'id': 'edu0', 'display': 'on'%s}}", edu, iofd);
    g_test_message("display=on on edu: %s", err);
    g_assert_nonnull(strstr(err, "'edu0'"));
    g_assert_nonnull(strstr(err, "display=on but the device has no display planes"));
    st = qtest_qmp_assert_success(s, "{'execute': 'query-status'}");
    json_node_unref(st);
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_add', 'arguments': {'driver': 'vfio-pci', 'host': '%s', "
           "'id': 'edu0', 'display': 'auto', 'addr': '%d'%s}}", edu, EDU_SLOT, iofd));
    err2 = qtest_qmp_expect_error(s, "GenericError",
                                  "{'execute': 'screendump', 'arguments': {'filename': "
                                  "'/tmp/lab-display-edu.png', 'device': 'edu0'}}");
    g_test_message("screendump of edu: %s", err2);
    g_assert_nonnull(strstr(err2, "device 'edu0' has no display"));
    err3 = qtest_qmp_expect_error(s, "GenericError",
                                  "{'execute': 'screendump', 'arguments': {'filename': "
                                  "'/tmp/lab-display-edu.png'}}");
    g_test_message("screendump without a display: %s", err3);
    g_assert_false(g_file_test("/tmp/lab-display-edu.png", G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
    static const Backend *const backends[] = { &legacy, &iommufd };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
        const Backend *b = backends[i];
        g_autofree char *p1 = g_strdup_printf("/display/%s/mdpy-region", b->name);
        g_autofree char *p2 = g_strdup_printf("/display/%s/mbochs-dmabuf", b->name);
        g_autofree char *p3 = g_strdup_printf("/display/%s/edu-no-display", b->name);

        g_test_add_data_func(p1, b, test_mdpy);
        g_test_add_data_func(p2, b, test_mbochs);
        g_test_add_data_func(p3, b, test_edu_errors);
    }
    return g_test_run();
}
