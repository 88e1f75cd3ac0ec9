/*
 * -device ramfb end to end (qtest): the test plays firmware, writing etc/ramfb by fw_cfg DMA
 * and pixels into guest RAM, takes a QMP screendump as PNG and decodes it with libpng. Bad
 * configurations keep the old screen; system_reset forgets the configuration; a migrated VM
 * shows the same screen on the destination.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <png.h>
#include <string.h>

#include "fw-cfg-util.h"

#define CFG_ADDR 0x11000
#define FB_ADDR 0x1000000 /* 16 MiB, inside -m 128M */
#define FB_W 40
#define FB_H 24
#define FOURCC(a, b, c, d) \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define XRGB8888 FOURCC('X', 'R', '2', '4')
#define RGB565 FOURCC('R', 'G', '1', '6')

typedef struct Shot {
    int w, h;
    uint8_t *rgb; /* w * h * 3 */
} Shot;

static void shot_free(Shot *s)
{
    g_free(s->rgb);
    g_free(s);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Shot, shot_free)

static void put_be(uint8_t *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
}

/* Write the configuration as firmware does; returns the DMA result (0: the write went in). */
static uint32_t ramfb_configure(QTestState *s, uint64_t addr, uint32_t fourcc, uint32_t w,
                                uint32_t h, uint32_t stride)
{
    uint8_t cfg[28];
    uint32_t size;
    uint16_t key = fw_cfg_find_file(s, "etc/ramfb", &size);

    g_assert_cmpuint(key, >=, 0x20);
    g_assert_cmpuint(size, ==, sizeof(cfg));
    put_be(cfg, addr, 8);
    put_be(cfg + 8, fourcc, 4);
    put_be(cfg + 12, 0, 4);
    put_be(cfg + 16, w, 4);
    put_be(cfg + 20, h, 4);
    put_be(cfg + 24, stride, 4);
    qtest_memwrite(s, CFG_ADDR, cfg, sizeof(cfg));
    return fw_cfg_dma(s, (uint32_t)key << 16 | FW_DMA_SELECT | FW_DMA_WRITE, sizeof(cfg),
                      CFG_ADDR);
}

static uint32_t pattern(int x, int y)
{
    return (uint32_t)((x * 6) & 0xff) << 16 | (uint32_t)((y * 10) & 0xff) << 8 |
           (uint32_t)((x + y) & 0xff);
}

static void draw_xrgb(QTestState *s, uint64_t addr, int w, int h)
{
    g_autofree uint32_t *px = g_new(uint32_t, (size_t)w * h);

    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            px[y * w + x] = GUINT32_TO_LE(pattern(x, y));
        }
    }
    qtest_memwrite(s, addr, px, (size_t)w * h * 4);
}

/* screendump to PNG, decoded; NULL (and *@err set) when the command failed. */
static Shot *screendump(QTestState *s, const char *dev, char **err)
{
    g_autofree char *dir = g_dir_make_tmp("test-ramfb-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "shot.png", NULL);
    g_autoptr(JsonObject) r = NULL;
    png_image img = { .version = PNG_IMAGE_VERSION };
    Shot *shot;

    r = qtest_qmp(s, "{'execute': 'screendump', 'arguments': {'filename': '%s', "
                  "'device': '%s', 'format': 'png'}}", path, dev);
    if (json_object_has_member(r, "error")) {
        JsonObject *e = json_object_get_object_member(r, "error");

        *err = g_strdup(json_object_get_string_member(e, "desc"));
        g_rmdir(dir);
        return NULL;
    }
    g_assert_true(png_image_begin_read_from_file(&img, path));
    img.format = PNG_FORMAT_RGB;
    shot = g_new0(Shot, 1);
    shot->w = (int)img.width;
    shot->h = (int)img.height;
    shot->rgb = g_malloc(PNG_IMAGE_SIZE(img));
    g_assert_true(png_image_finish_read(&img, NULL, shot->rgb, 0, NULL));
    g_unlink(path);
    g_rmdir(dir);
    return shot;
}

static void assert_pattern(const Shot *shot, int w, int h)
{
    g_assert_cmpint(shot->w, ==, w);
    g_assert_cmpint(shot->h, ==, h);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            const uint8_t *p = shot->rgb + ((size_t)y * w + x) * 3;
            uint32_t want = pattern(x, y);

            g_assert_cmphex(p[0], ==, (want >> 16) & 0xff);
            g_assert_cmphex(p[1], ==, (want >> 8) & 0xff);
            g_assert_cmphex(p[2], ==, want & 0xff);
        }
    }
}

static void test_screendump(void)
{
    g_autoptr(QTestState) s = qtest_init("-machine q35 -m 128M -device ramfb,id=fb0");
    g_autoptr(Shot) shot = NULL;
    g_autofree char *err = NULL;

    /* Nothing configured yet: no surface. */
    g_assert_null(screendump(s, "fb0", &err));
    g_test_message("before configuration: %s", err);

    draw_xrgb(s, FB_ADDR, FB_W, FB_H);
    g_assert_cmphex(ramfb_configure(s, FB_ADDR, XRGB8888, FB_W, FB_H, 0), ==, 0);
    shot = screendump(s, "fb0", &err);
    g_assert_nonnull(shot);
    assert_pattern(shot, FB_W, FB_H);
    g_clear_pointer(&shot, shot_free);

    /* The guest draws again: the next screendump shows the new pixels. */
    qtest_writel(s, FB_ADDR + 4 * (3 * FB_W + 5), 0x00ff8000);
    shot = screendump(s, "fb0", &err);
    g_assert_nonnull(shot);
    g_assert_cmphex(shot->rgb[(3 * FB_W + 5) * 3], ==, 0xff);
    g_assert_cmphex(shot->rgb[(3 * FB_W + 5) * 3 + 1], ==, 0x80);
    g_assert_cmphex(shot->rgb[(3 * FB_W + 5) * 3 + 2], ==, 0x00);
}

static void test_stride_and_rgb565(void)
{
    g_autoptr(QTestState) s = qtest_init("-machine q35 -m 128M -device ramfb");
    g_autoptr(Shot) shot = NULL;
    g_autofree char *err = NULL;
    uint16_t row[20];

    /* A padded stride: rows 64 bytes apart, 20 RGB565 pixels each (red ramp, green line). */
    for (int y = 0; y < 16; y++) {
        for (int x = 0; x < 20; x++) {
            row[x] = GUINT16_TO_LE((uint16_t)((x & 0x1f) << 11 | (y == 7 ? 0x3f << 5 : 0)));
        }
        qtest_memwrite(s, FB_ADDR + 64 * y, row, sizeof(row));
    }
    g_assert_cmphex(ramfb_configure(s, FB_ADDR, RGB565, 20, 16, 64), ==, 0);
    shot = screendump(s, "ramfb", &err);
    g_assert_nonnull(shot);
    g_assert_cmpint(shot->w, ==, 20);
    g_assert_cmpint(shot->h, ==, 16);
    /* x = 8: red 8/31 of full scale; row 7 also full green. */
    g_assert_cmpuint(shot->rgb[(2 * 20 + 8) * 3], ==, (8 * 255 + 15) / 31);
    g_assert_cmpuint(shot->rgb[(2 * 20 + 8) * 3 + 1], ==, 0);
    g_assert_cmpuint(shot->rgb[(7 * 20 + 8) * 3 + 1], ==, 0xff);
}

static void test_bad_config_keeps_screen(void)
{
    g_autoptr(QTestState) s = qtest_init("-machine q35 -m 128M -device ramfb,id=fb0");
    static const struct {
        const char *what;
        uint64_t addr;
        uint32_t fourcc, w, h, stride;
    } bad[] = {
        { "address outside RAM", 0x20000000, XRGB8888, FB_W, FB_H, 0 },
        { "RAM ends inside it", 128 * 1024 * 1024 - 100, XRGB8888, FB_W, FB_H, 0 },
        { "zero width", FB_ADDR, XRGB8888, 0, FB_H, 0 },
        { "zero height", FB_ADDR, XRGB8888, FB_W, 0, 0 },
        { "oversized width", FB_ADDR, XRGB8888, 20000, FB_H, 0 },
        { "oversized height", FB_ADDR, XRGB8888, FB_W, 100000, 0 },
        { "unknown fourcc", FB_ADDR, FOURCC('N', 'V', '1', '2'), FB_W, FB_H, 0 },
        { "stride shorter than a row", FB_ADDR, XRGB8888, FB_W, FB_H, FB_W * 4 - 4 },
        { "stride not a multiple of 4", FB_ADDR, XRGB8888, FB_W, FB_H, FB_W * 4 + 2 },
    };

    draw_xrgb(s, FB_ADDR, FB_W, FB_H);
    g_assert_cmphex(ramfb_configure(s, FB_ADDR, XRGB8888, FB_W, FB_H, 0), ==, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(Shot) shot = NULL;
        g_autofree char *err = NULL;

        g_test_message("%s", bad[i].what);
        g_assert_cmphex(ramfb_configure(s, bad[i].addr, bad[i].fourcc, bad[i].w, bad[i].h,
                                        bad[i].stride), ==, 0);
        shot = screendump(s, "fb0", &err);
        g_assert_nonnull(shot);
        assert_pattern(shot, FB_W, FB_H);
    }
}

static void test_reset_and_errors(void)
{
    g_autoptr(QTestState) s = qtest_init("-machine q35 -m 128M -device ramfb,id=fb0");
    g_autoptr(Shot) shot = NULL;
    g_autofree char *err = NULL;
    g_autofree char *err2 = NULL;
    g_autofree char *msg = NULL;
    uint8_t cfg[28];

    draw_xrgb(s, FB_ADDR, FB_W, FB_H);
    g_assert_cmphex(ramfb_configure(s, FB_ADDR, XRGB8888, FB_W, FB_H, 0), ==, 0);
    shot = screendump(s, "fb0", &err);
    g_assert_nonnull(shot);

    /* Writing past the file's end is a DMA error. */
    qtest_memset(s, CFG_ADDR, 0, 64);
    {
        uint32_t size;
        uint16_t key = fw_cfg_find_file(s, "etc/ramfb", &size);

        g_assert_cmphex(fw_cfg_dma(s, (uint32_t)key << 16 | FW_DMA_SELECT | FW_DMA_WRITE, 29,
                                   CFG_ADDR), ==, FW_DMA_ERROR);
        /* The file reads back what the guest wrote last. */
        fw_cfg_read_ports(s, key, cfg, sizeof(cfg));
        g_assert_cmphex(cfg[7], ==, FB_ADDR & 0xff);
        g_assert_cmphex(cfg[6], ==, (FB_ADDR >> 8) & 0xff);
        g_assert_cmphex(cfg[5], ==, (FB_ADDR >> 16) & 0xff);
    }

    /* After a system reset the framebuffer is gone until firmware sets it up again. */
    json_node_unref(qtest_qmp_assert_success(s, "{'execute': 'system_reset'}"));
    g_assert_null(screendump(s, "fb0", &err2));
    g_test_message("after reset: %s", err2);

    /* A second ramfb cannot be added: the machine has one etc/ramfb. */
    msg = qtest_qmp_expect_error(s, "GenericError", "{'execute': 'device_add', 'arguments': "
                                 "{'driver': 'ramfb', 'id': 'fb1'}}");
    g_assert_nonnull(strstr(msg, "etc/ramfb"));
}

/* The destination shows the source's framebuffer (instance "ramfb" and the RAM) at once. */
static void test_migration(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-ramfb-mig-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("unix:%s/mig.sock", dir);
    g_autoptr(QTestState) src = qtest_init("-machine q35 -m 128M -device ramfb,id=fb0");
    g_autoptr(QTestState) dst = qtest_init("-machine q35 -m 128M -device ramfb,id=fb0 "
                                           "-incoming defer");
    g_autoptr(JsonObject) done = NULL;
    g_autoptr(Shot) shot = NULL;
    g_autofree char *err = NULL;

    draw_xrgb(src, FB_ADDR, FB_W, FB_H);
    g_assert_cmphex(ramfb_configure(src, FB_ADDR, XRGB8888, FB_W, FB_H, 0), ==, 0);
    json_node_unref(qtest_qmp_assert_success(
        dst, "{'execute': 'migrate-incoming', 'arguments': {'uri': '%s'}}", uri));
    json_node_unref(qtest_qmp_assert_success(
        src, "{'execute': 'migrate', 'arguments': {'uri': '%s'}}", uri));
    done = qtest_migrate_wait(src, "completed", "failed");
    g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
    json_object_unref(qtest_migrate_wait(dst, "completed", NULL));
    shot = screendump(dst, "fb0", &err);
    g_assert_nonnull(shot);
    assert_pattern(shot, FB_W, FB_H);
    g_unlink(uri + 5);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ramfb/screendump", test_screendump);
    g_test_add_func("/ramfb/stride-rgb565", test_stride_and_rgb565);
    g_test_add_func("/ramfb/bad-config-keeps-screen", test_bad_config_keeps_screen);
    g_test_add_func("/ramfb/reset-and-errors", test_reset_and_errors);
    g_test_add_func("/ramfb/migration", test_migration);
    return g_test_run();
}
