/*
 * Display end to end on the real hostdev binary (qtest): -device ramfb set up as firmware does
 * (fw_cfg DMA, pixels in guest RAM), -vnc 127.0.0.1:N, a real VNC viewer (vncsnapshot) whose
 * JPEG must show the pattern, query-vnc, and screendump's PPM and failures on a running VM.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <arpa/inet.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <jpeglib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fw-cfg-util.h"

#define CFG_ADDR 0x11000
#define FB_ADDR 0x1000000
#define FB_W 96
#define FB_H 64
#define XRGB8888 0x34325258u /* 'XR24' */

/* Four quadrants of colours far apart (JPEG keeps them recognisable). */
static const uint8_t quadrant[4][3] = {
    { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 255, 255, 255 },
};

static const uint8_t *colour_at(int x, int y)
{
    return quadrant[(x >= FB_W / 2) + 2 * (y >= FB_H / 2)];
}

static void put_be(uint8_t *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
}

/* Play firmware: the pattern in guest RAM, then etc/ramfb pointing at it. */
static void ramfb_setup(QTestState *s)
{
    g_autofree uint32_t *px = g_new(uint32_t, FB_W * FB_H);
    uint8_t cfg[28];
    uint32_t size;
    uint16_t key = fw_cfg_find_file(s, "etc/ramfb", &size);

    for (int y = 0; y < FB_H; y++) {
        for (int x = 0; x < FB_W; x++) {
            const uint8_t *c = colour_at(x, y);

            px[y * FB_W + x] = GUINT32_TO_LE((uint32_t)c[0] << 16 | c[1] << 8 | c[2]);
        }
    }
    qtest_memwrite(s, FB_ADDR, px, FB_W * FB_H * 4);
    g_assert_cmpuint(key, !=, 0);
    put_be(cfg, FB_ADDR, 8);
    put_be(cfg + 8, XRGB8888, 4);
    put_be(cfg + 12, 0, 4);
    put_be(cfg + 16, FB_W, 4);
    put_be(cfg + 20, FB_H, 4);
    put_be(cfg + 24, FB_W * 4, 4);
    qtest_memwrite(s, CFG_ADDR, cfg, sizeof(cfg));
    g_assert_cmphex(fw_cfg_dma(s, (uint32_t)key << 16 | FW_DMA_SELECT | FW_DMA_WRITE,
                               sizeof(cfg), CFG_ADDR), ==, 0);
}

/* A display number whose port (5900+N) is free on 127.0.0.1 now. */
static int free_display(void)
{
    for (int n = 40 + getpid() % 50; n < 200; n++) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(5900 + n),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));

        close(fd);
        if (rc == 0) {
            return n;
        }
    }
    g_error("no free VNC port between 5940 and 6100");
}

/* Decode a JPEG file to RGB; *@w, *@h its size. */
static uint8_t *read_jpeg(const char *path, int *w, int *h)
{
    struct jpeg_decompress_struct d;
    struct jpeg_error_mgr jerr;
    FILE *f = fopen(path, "rb");
    uint8_t *rgb;

    g_assert_nonnull(f);
    d.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, f);
    jpeg_read_header(&d, TRUE);
    d.out_color_space = JCS_RGB;
    jpeg_start_decompress(&d);
    *w = d.output_width;
    *h = d.output_height;
    rgb = g_malloc((size_t)*w * *h * 3);
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = rgb + (size_t)d.output_scanline * *w * 3;

        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    fclose(f);
    return rgb;
}

/* Check the snapshot @path shows the quadrants, the first one in @first's colour. */
static void check_snapshot(const char *path, const uint8_t *first)
{
    g_autofree uint8_t *rgb = NULL;
    int w, h;

    rgb = read_jpeg(path, &w, &h);
    /* The viewer saw the ramfb's size and each quadrant's colour (away from JPEG's edges). */
    g_assert_cmpint(w, ==, FB_W);
    g_assert_cmpint(h, ==, FB_H);
    for (int q = 0; q < 4; q++) {
        int cx = (q & 1) * FB_W / 2 + FB_W / 4, cy = (q >> 1) * FB_H / 2 + FB_H / 4;
        const uint8_t *want = q ? quadrant[q] : first;

        for (int y = cy - 8; y <= cy + 8; y += 4) {
            for (int x = cx - 12; x <= cx + 12; x += 4) {
                for (int c = 0; c < 3; c++) {
                    int got = rgb[((size_t)y * w + x) * 3 + c];

                    if (ABS(got - want[c]) > 40) {
                        g_error("%s: pixel (%d,%d) channel %d is %d, expected %d", path, x, y,
                                c, got, want[c]);
                    }
                }
            }
        }
    }
}

/*
 * One viewer takes two snapshots 3 s apart; between them the guest paints the first quadrant
 * black, which reaches the viewer only through damage (tile compare, copy, mark modified).
 */
static void test_vnc_snapshot(void)
{
    static const uint8_t black[3] = { 0, 0, 0 };
    int n = free_display();
    g_autofree char *args = g_strdup_printf("-machine q35 -m 128M -device ramfb,id=fb0 "
                                            "-vnc 127.0.0.1:%d", n);
    g_autoptr(QTestState) s = qtest_init(args);
    g_autofree char *dir = g_dir_make_tmp("hostdev-vnc-XXXXXX", NULL);
    g_autofree char *jpg = g_build_filename(dir, "snap.jpg", NULL);
    g_autofree char *first = g_build_filename(dir, "snap00000.jpg", NULL);
    g_autofree char *second = g_build_filename(dir, "snap00001.jpg", NULL);
    g_autofree char *addr = g_strdup_printf("127.0.0.1:%d", n);
    const char *argv[] = { "timeout", "60", "vncsnapshot", "-quiet", "-allowblank",
                           "-quality", "100", "-count", "2", "-fps", "3", addr, jpg, NULL };
    g_autofree uint32_t *zeros = g_new0(uint32_t, FB_W / 2);
    g_autoptr(GError) err = NULL;
    JsonNode *info;
    JsonArray *clients;
    GPid pid;
    int status = -1;

    info = qtest_qmp_assert_success(s, "{'execute': 'query-vnc'}");
    g_assert_true(json_object_get_boolean_member(json_node_get_object(info), "enabled"));
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(info), "host"), ==,
                    "127.0.0.1");
    json_node_unref(info);
    ramfb_setup(s);
    if (!g_spawn_async(NULL, (char **)argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                       G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid, &err)) {
        g_error("vncsnapshot: %s (install it: scripts/install-deps.sh)", err->message);
    }
    for (int i = 0; i < 300 && !g_file_test(first, G_FILE_TEST_EXISTS); i++) {
        g_usleep(100 * 1000);
    }
    g_assert_true(g_file_test(first, G_FILE_TEST_EXISTS));
    info = qtest_qmp_assert_success(s, "{'execute': 'query-vnc'}");
    clients = json_object_get_array_member(json_node_get_object(info), "clients");
    g_assert_cmpuint(json_array_get_length(clients), ==, 1);
    g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(clients, 0),
                                                  "host"), ==, "127.0.0.1");
    json_node_unref(info);
    for (int y = 0; y < FB_H / 2; y++) {
        qtest_memwrite(s, FB_ADDR + (uint64_t)y * FB_W * 4, zeros, FB_W / 2 * 4);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_spawn_close_pid(pid);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check_snapshot(first, quadrant[0]);
    check_snapshot(second, black);
    g_unlink(first);
    g_unlink(second);
    g_rmdir(dir);
}

static void test_screendump_running_vm(void)
{
    g_autoptr(QTestState) s = qtest_init("-machine q35 -m 128M -device ramfb,id=fb0");
    g_autofree char *dir = g_dir_make_tmp("hostdev-shot-XXXXXX", NULL);
    g_autofree char *ppm = g_build_filename(dir, "shot.ppm", NULL);
    g_autofree char *header = g_strdup_printf("P6\n%d %d\n255\n", FB_W, FB_H);
    g_autofree char *data = NULL;
    g_autofree char *msg = NULL;
    JsonNode *st;
    gsize len;

    ramfb_setup(s);
    json_node_unref(qtest_qmp_assert_success(s, "{'execute': 'screendump', 'arguments': "
                                             "{'filename': '%s', 'device': 'fb0'}}", ppm));
    g_assert_true(g_file_get_contents(ppm, &data, &len, NULL));
    g_assert_cmpuint(len, ==, strlen(header) + FB_W * FB_H * 3);
    g_assert_cmpmem(data, strlen(header), header, strlen(header));
    for (int y = 0; y < FB_H; y++) {
        for (int x = 0; x < FB_W; x++) {
            g_assert_cmpmem(data + strlen(header) + (y * FB_W + x) * 3, 3, colour_at(x, y), 3);
        }
    }
    msg = qtest_qmp_expect_error(s, "GenericError", "{'execute': 'screendump', 'arguments': "
                                 "{'filename': '/proc/hostdev-no/shot.png', 'format': 'png'}}");
    g_assert_nonnull(strstr(msg, "cannot write '/proc/hostdev-no/shot.png': "));
    g_clear_pointer(&msg, g_free);
    msg = qtest_qmp_expect_error(s, "DeviceNotFound", "{'execute': 'screendump', 'arguments': "
                                 "{'filename': '%s', 'device': 'nope'}}", ppm);
    g_assert_nonnull(strstr(msg, "no such device 'nope'"));
    /* The VM runs on after the failures. */
    st = qtest_qmp_assert_success(s, "{'execute': 'query-status'}");
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(st), "status"), ==,
                    "running");
    json_node_unref(st);
    g_unlink(ppm);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/display/vnc-snapshot", test_vnc_snapshot);
    g_test_add_func("/display/screendump-running-vm", test_screendump_running_vm);
    return g_test_run();
}
