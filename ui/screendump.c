/*
 * Screendump: convert a console's surface to 24-bit RGB with pixman and write it as PNG
 * (libpng) or PPM into a temporary file beside the target, renamed over it when complete.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "monitor/qmp.h"
#include "ui/screendump.h"
#include "trace.h"

/* Three bytes per pixel, R G B in memory order: what PPM and PNG's RGB rows hold. */
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
#define RGB24_FORMAT PIXMAN_b8g8r8
#else
#define RGB24_FORMAT PIXMAN_r8g8b8
#endif

bool hd_image_format_parse(const char *name, HdImageFormat *format, GError **errp)
{
    if (!strcmp(name, "ppm")) {
        *format = HD_IMAGE_FORMAT_PPM;
    } else if (!strcmp(name, "png")) {
        *format = HD_IMAGE_FORMAT_PNG;
    } else {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "screendump: format '%s' is not supported (ppm or png)", name);
        return false;
    }
    return true;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(pixman_image_t, pixman_image_unref)

/* @src converted to RGB24_FORMAT by pixman, same size. */
static pixman_image_t *to_rgb24(pixman_image_t *src)
{
    int w = pixman_image_get_width(src), h = pixman_image_get_height(src);
    pixman_image_t *dst = pixman_image_create_bits(RGB24_FORMAT, w, h, NULL, 0);

    if (dst) {
        pixman_image_composite32(PIXMAN_OP_SRC, src, NULL, dst, 0, 0, 0, 0, 0, 0, w, h);
    }
    return dst;
}

static bool write_ppm(FILE *f, pixman_image_t *img)
{
    int w = pixman_image_get_width(img), h = pixman_image_get_height(img);
    int stride = pixman_image_get_stride(img);
    const uint8_t *data = (const uint8_t *)pixman_image_get_data(img);

    if (fprintf(f, "P6\n%d %d\n255\n", w, h) < 0) {
        return false;
    }
    for (int y = 0; y < h; y++) {
        if (fwrite(data + (size_t)y * stride, 3, w, f) != (size_t)w) {
            return false;
        }
    }
    return true;
}

typedef struct PngErr {
    int saved_errno;
    char message[128];
} PngErr;

static void png_on_error(png_structp png, png_const_charp msg)
{
    PngErr *e = png_get_error_ptr(png);

    e->saved_errno = errno;
    g_strlcpy(e->message, msg, sizeof(e->message));
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* False with *@err set (errno and libpng's words) when libpng or the file failed. */
static bool write_png(FILE *f, pixman_image_t *img, PngErr *err)
{
    int w = pixman_image_get_width(img), h = pixman_image_get_height(img);
    int stride = pixman_image_get_stride(img);
    uint8_t *data = (uint8_t *)pixman_image_get_data(img);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, err, png_on_error,
                                              png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    volatile bool ok = false;

    if (!info) {
        g_strlcpy(err->message, "out of memory", sizeof(err->message));
        goto out;
    }
    if (setjmp(png_jmpbuf(png))) {
        goto out;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) {
        png_write_row(png, data + (size_t)y * stride);
    }
    png_write_end(png, NULL);
    ok = true;
out:
    png_destroy_write_struct(&png, info ? &info : NULL);
    return ok;
}

/* Write @img to a new file beside @filename, then rename it over @filename. */
static bool write_file(pixman_image_t *img, const char *filename, HdImageFormat format,
                       GError **errp)
{
    g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", filename);
    PngErr perr = { 0 };
    FILE *f;
    int fd, e;
    bool ok;

    fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0666);
    if (fd < 0) {
        e = errno;
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "screendump: cannot write '%s': %s", filename, g_strerror(e));
        return false;
    }
    f = fdopen(fd, "wb");
    if (!f) {
        e = errno;
        close(fd);
        goto fail;
    }
    errno = 0;
    ok = format == HD_IMAGE_FORMAT_PNG ? write_png(f, img, &perr) : write_ppm(f, img);
    e = perr.saved_errno ? perr.saved_errno : errno;
    if (fflush(f) || fsync(fileno(f))) {
        ok = false;
        e = errno;
    }
    if (fclose(f) && ok) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        goto fail;
    }
    if (rename(tmp, filename) < 0) {
        e = errno;
        goto fail;
    }
    return true;

fail:
    unlink(tmp);
    g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR, "screendump: cannot write '%s': %s",
                filename, e ? g_strerror(e) : perr.message[0] ? perr.message : "write failed");
    return false;
}

bool hd_screendump(HdConsole *con, const char *filename, HdImageFormat format, GError **errp)
{
    g_autoptr(pixman_image_t) rgb = NULL;
    pixman_image_t *surface;

    if (!hd_console_refresh(con, errp)) {
        g_prefix_error(errp, "screendump: ");
        return false;
    }
    surface = hd_console_surface(con);
    if (!surface) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "screendump: device '%s' shows nothing yet (the guest has not set a display mode)",
                    hd_console_device(con));
        return false;
    }
    rgb = to_rgb24(surface);
    if (!rgb) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "screendump: no memory for a %dx%d picture of device '%s'",
                    pixman_image_get_width(surface), pixman_image_get_height(surface),
                    hd_console_device(con));
        return false;
    }
    trace_screendump(hd_console_device(con), hd_console_head(con), filename,
                     format == HD_IMAGE_FORMAT_PNG ? "png" : "ppm",
                     pixman_image_get_width(rgb), pixman_image_get_height(rgb));
    return write_file(rgb, filename, format, errp);
}
