/*
 * Consoles and screendump without a VM: a test display source shows a known pattern in
 * several pixman formats; screendump's PNG is decoded with libpng (and its PPM parsed) and
 * compared pixel by pixel; errors; damage by comparison reports exactly the changed tiles.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <png.h>
#include <string.h>
#include <unistd.h>

#include "ui/console-internal.h"
#include "ui/screendump.h"

#define W 37 /* not a multiple of 4 or of the tile, so strides and edges matter */
#define H 70

/* Colours with components 0 or 255 only: exact in every format here, r5g6b5 included. */
static const uint8_t palette[8][3] = {
    { 0, 0, 0 }, { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 },
    { 255, 255, 0 }, { 0, 255, 255 }, { 255, 0, 255 }, { 255, 255, 255 },
};

static const uint8_t *expected(int x, int y)
{
    return palette[(x / 5 + 3 * (y / 7)) % 8];
}

/* A @format image of the pattern, drawn through pixman's fill. */
static pixman_image_t *pattern_image(pixman_format_code_t format)
{
    pixman_image_t *img = pixman_image_create_bits(format, W, H, NULL, 0);

    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            const uint8_t *c = expected(x, y);
            pixman_color_t color = { c[0] * 257, c[1] * 257, c[2] * 257, 0xffff };
            pixman_image_t *solid = pixman_image_create_solid_fill(&color);

            pixman_image_composite32(PIXMAN_OP_SRC, solid, NULL, img, 0, 0, 0, 0, x, y, 1, 1);
            pixman_image_unref(solid);
        }
    }
    return img;
}

typedef struct Source {
    pixman_image_t *image; /* what the next refresh shows (NULL: nothing) */
    unsigned refreshes;
    HdConsole *con;
} Source;

static bool source_refresh(void *opaque, GError **errp)
{
    Source *s = opaque;

    (void)errp;
    s->refreshes++;
    if (hd_console_surface(s->con) != s->image) {
        hd_console_set_surface(s->con, s->image);
    }
    return true;
}

static const HdConsoleOps source_ops = { .refresh = source_refresh };

static char *tmpdir;

static char *tmp_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static void check_png(const char *path)
{
    png_image png = { .version = PNG_IMAGE_VERSION };
    g_autofree uint8_t *rgb = NULL;

    g_assert_true(png_image_begin_read_from_file(&png, path));
    g_assert_cmpuint(png.width, ==, W);
    g_assert_cmpuint(png.height, ==, H);
    png.format = PNG_FORMAT_RGB;
    rgb = g_malloc(PNG_IMAGE_SIZE(png));
    g_assert_true(png_image_finish_read(&png, NULL, rgb, 0, NULL));
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            g_assert_cmpmem(rgb + (y * W + x) * 3, 3, expected(x, y), 3);
        }
    }
}

static void check_ppm(const char *path)
{
    g_autofree char *data = NULL;
    g_autofree char *header = g_strdup_printf("P6\n%d %d\n255\n", W, H);
    gsize len;

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpuint(len, ==, strlen(header) + W * H * 3);
    g_assert_cmpmem(data, strlen(header), header, strlen(header));
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            g_assert_cmpmem(data + strlen(header) + (y * W + x) * 3, 3, expected(x, y), 3);
        }
    }
}

static void test_screendump_formats(void)
{
    static const pixman_format_code_t formats[] = { PIXMAN_x8r8g8b8, PIXMAN_r5g6b5,
                                                    PIXMAN_a8b8g8r8, PIXMAN_r8g8b8 };

    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        Source s = { .image = pattern_image(formats[i]) };
        g_autoptr(GError) err = NULL;
        g_autofree char *png = tmp_path("shot.png");
        g_autofree char *ppm = tmp_path("shot.ppm");

        s.con = hd_console_new("disp0", 0, &source_ops, &s);
        g_assert_true(hd_screendump(s.con, png, HD_IMAGE_FORMAT_PNG, &err));
        g_assert_no_error(err);
        g_assert_cmpuint(s.refreshes, ==, 1); /* refreshed before reading */
        check_png(png);
        g_assert_true(hd_screendump(s.con, ppm, HD_IMAGE_FORMAT_PPM, &err));
        check_ppm(ppm);
        g_unlink(png);
        g_unlink(ppm);
        hd_console_free(s.con);
        pixman_image_unref(s.image);
    }
}

/* No file but the ones the test wrote: a failed screendump leaves no temporary file. */
static void assert_dir_holds(guint n)
{
    g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
    guint count = 0;

    while (g_dir_read_name(dir)) {
        count++;
    }
    g_assert_cmpuint(count, ==, n);
}

static void test_screendump_errors(void)
{
    Source s = { .image = NULL };
    g_autoptr(GError) err = NULL;
    g_autofree char *png = tmp_path("err.png");
    g_autofree char *bad = tmp_path("err.png/sub.png");

    s.con = hd_console_new("gpu0", 0, &source_ops, &s);
    /* No mode set yet. */
    g_assert_false(hd_screendump(s.con, png, HD_IMAGE_FORMAT_PNG, &err));
    g_assert_nonnull(strstr(err->message, "device 'gpu0' shows nothing yet"));
    g_clear_error(&err);
    /* A path under a regular file: the message names the path and the errno text. */
    s.image = pattern_image(PIXMAN_x8r8g8b8);
    g_assert_true(hd_screendump(s.con, png, HD_IMAGE_FORMAT_PNG, &err));
    assert_dir_holds(1);
    g_assert_false(hd_screendump(s.con, bad, HD_IMAGE_FORMAT_PNG, &err));
    g_assert_nonnull(strstr(err->message, bad));
    g_assert_nonnull(strstr(err->message, g_strerror(ENOTDIR)));
    g_clear_error(&err);
    g_assert_false(hd_screendump(s.con, "/nonexistent-hostdev-dir/x.ppm", HD_IMAGE_FORMAT_PPM,
                                 &err));
    g_assert_cmpstr(err->message, ==,
                    "screendump: cannot write '/nonexistent-hostdev-dir/x.ppm': No such file or directory");
    g_clear_error(&err);
    assert_dir_holds(1);
    check_png(png); /* the earlier picture is intact */
    g_unlink(png);
    /* Lookup: the first console, a device without that head, an unknown device. */
    g_assert_true(hd_console_find(NULL, 0, &err) == s.con);
    g_assert_true(hd_console_find("gpu0", 0, &err) == s.con);
    g_assert_null(hd_console_find("gpu0", 1, &err));
    g_assert_cmpstr(err->message, ==, "device 'gpu0' has no head 1");
    g_clear_error(&err);
    g_assert_null(hd_console_find("nic0", 0, &err));
    g_assert_cmpstr(err->message, ==, "no such device 'nic0'");
    g_clear_error(&err);
    hd_console_free(s.con);
    g_assert_null(hd_console_find(NULL, 0, &err));
    g_assert_nonnull(strstr(err->message, "no display"));
    g_assert_false(hd_image_format_parse("bmp", &(HdImageFormat){ 0 }, NULL));
    pixman_image_unref(s.image);
}

/* The damage a listener heard of, as a map of tiles (and the surfaces it was given). */
typedef struct Watch {
    bool tiles[(H + HD_CONSOLE_TILE - 1) / HD_CONSOLE_TILE][(W + HD_CONSOLE_TILE - 1) /
                                                            HD_CONSOLE_TILE];
    unsigned rects, surfaces, removed;
} Watch;

static void watch_surface(void *opaque, HdConsole *con, pixman_image_t *image)
{
    (void)con;
    (void)image;
    ((Watch *)opaque)->surfaces++;
}

static void watch_damage(void *opaque, HdConsole *con, int x, int y, int w, int h)
{
    Watch *wt = opaque;

    (void)con;
    wt->rects++;
    g_assert_true(x >= 0 && y >= 0 && x + w <= W && y + h <= H);
    for (int ty = y / HD_CONSOLE_TILE; ty * HD_CONSOLE_TILE < y + h; ty++) {
        for (int tx = x / HD_CONSOLE_TILE; tx * HD_CONSOLE_TILE < x + w; tx++) {
            wt->tiles[ty][tx] = true;
        }
    }
}

static void watch_removed(void *opaque, HdConsole *con)
{
    (void)con;
    ((Watch *)opaque)->removed++;
}

static const HdConsoleListenerOps watch_ops = { watch_surface, watch_damage, watch_removed };

static void poke(pixman_image_t *img, int x, int y)
{
    uint32_t *p = pixman_image_get_data(img) + y * pixman_image_get_stride(img) / 4 + x;

    *p ^= 0x00ffffff;
}

static void test_damage_by_compare(void)
{
    Source s = { .image = pattern_image(PIXMAN_x8r8g8b8) };
    Watch wt = { 0 };
    HdConsoleListener *l;
    unsigned n = 0;

    s.con = hd_console_new("fb0", 0, &source_ops, &s);
    l = hd_console_listener_add(s.con, &watch_ops, &wt);
    hd_console_refresh(s.con, NULL);
    g_assert_cmpuint(wt.surfaces, ==, 1);
    hd_console_damage_by_compare(s.con); /* the first frame: all of it */
    for (size_t ty = 0; ty < G_N_ELEMENTS(wt.tiles); ty++) {
        for (size_t tx = 0; tx < G_N_ELEMENTS(wt.tiles[0]); tx++) {
            g_assert_true(wt.tiles[ty][tx]);
        }
    }
    memset(&wt.tiles, 0, sizeof(wt.tiles));
    hd_console_damage_by_compare(s.con); /* nothing changed */
    /* Change tile (0,0), the partial tile at the right of row 1 and the bottom row's left. */
    poke(s.image, 3, 4);
    poke(s.image, W - 1, HD_CONSOLE_TILE + 1);
    poke(s.image, 0, H - 1);
    hd_console_damage_by_compare(s.con);
    for (size_t ty = 0; ty < G_N_ELEMENTS(wt.tiles); ty++) {
        for (size_t tx = 0; tx < G_N_ELEMENTS(wt.tiles[0]); tx++) {
            bool want = (tx == 0 && ty == 0) || (tx == 1 && ty == 1) || (tx == 0 && ty == 2);

            g_assert_cmpint(wt.tiles[ty][tx], ==, want);
            n += want;
        }
    }
    g_assert_cmpuint(wt.rects, ==, 1 + n);
    /* The shadow caught up: the same frame again damages nothing. */
    hd_console_damage_by_compare(s.con);
    g_assert_cmpuint(wt.rects, ==, 1 + n);
    hd_console_listener_remove(l);
    /* A console freed under a listener tells it once. */
    hd_console_listener_add(s.con, &watch_ops, &wt);
    hd_console_free(s.con);
    g_assert_cmpuint(wt.removed, ==, 1);
    g_assert_false(hd_console_refresh_active());
    pixman_image_unref(s.image);
}

static gboolean stop_loop(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

/* The refresh timer runs on the main loop only while a listener watches. */
static void test_refresh_timer(void)
{
    Source s = { .image = pattern_image(PIXMAN_r5g6b5) };
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    Watch wt = { 0 };
    HdConsoleListener *l;

    s.con = hd_console_new("fb1", 0, &source_ops, &s);
    g_assert_false(hd_console_refresh_active());
    l = hd_console_listener_add(s.con, &watch_ops, &wt);
    g_assert_true(hd_console_refresh_active());
    g_timeout_add(200, stop_loop, loop);
    g_main_loop_run(loop);
    g_assert_cmpuint(s.refreshes, >=, 3);
    g_assert_cmpuint(wt.surfaces, ==, 1);
    hd_console_listener_remove(l);
    g_assert_false(hd_console_refresh_active());
    hd_console_free(s.con);
    pixman_image_unref(s.image);
}

int main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("hostdev-ui-XXXXXX", NULL);
    g_test_add_func("/ui/screendump/formats", test_screendump_formats);
    g_test_add_func("/ui/screendump/errors", test_screendump_errors);
    g_test_add_func("/ui/console/damage-by-compare", test_damage_by_compare);
    g_test_add_func("/ui/console/refresh-timer", test_refresh_timer);
    rc = g_test_run();
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return rc;
}
