/*
 * Damage by comparison: for display sources that say nothing about what changed (mdpy,
 * mbochs, ramfb), compare the surface with a shadow copy of the previous frame in tiles.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "ui/console-internal.h"
#include "trace.h"

/* Whether the tile at (@tx, @ty) of size @tw x @th differs between the two buffers. */
static bool tile_differs(const uint8_t *a, const uint8_t *b, int stride, int bpp, int tx, int ty,
                         int tw, int th)
{
    size_t off = (size_t)ty * stride + (size_t)tx * bpp / 8;
    size_t len = (size_t)tw * bpp / 8;

    for (int row = 0; row < th; row++, off += stride) {
        if (memcmp(a + off, b + off, len)) {
            return true;
        }
    }
    return false;
}

/* Copy a rectangle of the surface into the shadow (pixman, same format: a plain copy). */
static void shadow_update(HdConsole *con, int x, int y, int w, int h)
{
    pixman_image_composite32(PIXMAN_OP_SRC, con->surface, NULL, con->shadow, x, y, 0, 0, x, y,
                             w, h);
}

static void shadow_free_bits(pixman_image_t *image, void *bits)
{
    (void)image;
    g_free(bits);
}

/* A copy of the surface with the same format and stride, so one offset reads both. */
static bool shadow_create(HdConsole *con)
{
    pixman_image_t *s = con->surface;
    int w = pixman_image_get_width(s), h = pixman_image_get_height(s);
    int stride = pixman_image_get_stride(s);
    uint32_t *bits = g_try_malloc((size_t)stride * h);

    con->shadow = bits ? pixman_image_create_bits(pixman_image_get_format(s), w, h, bits, stride)
                       : NULL;
    if (!con->shadow) {
        g_free(bits);
        return false;
    }
    pixman_image_set_destroy_function(con->shadow, shadow_free_bits, bits);
    shadow_update(con, 0, 0, w, h);
    return true;
}

void hd_console_damage_by_compare(HdConsole *con)
{
    pixman_image_t *s = con->surface;
    const uint8_t *cur, *old;
    int w, h, stride, bpp;
    unsigned tiles = 0;

    if (!s) {
        return;
    }
    w = pixman_image_get_width(s);
    h = pixman_image_get_height(s);
    bpp = PIXMAN_FORMAT_BPP(pixman_image_get_format(s));
    if (!con->shadow) {
        /* First frame of this surface (or no memory for a copy): all of it changed. */
        if (!shadow_create(con) || bpp < 8) {
            g_clear_pointer(&con->shadow, pixman_image_unref);
        }
        hd_console_damage(con, 0, 0, w, h);
        return;
    }
    cur = (const uint8_t *)pixman_image_get_data(s);
    old = (const uint8_t *)pixman_image_get_data(con->shadow);
    stride = pixman_image_get_stride(s);
    for (int ty = 0; ty < h; ty += HD_CONSOLE_TILE) {
        int th = MIN(HD_CONSOLE_TILE, h - ty);
        int run = -1; /* x of the first changed tile of the current run in this row */

        for (int tx = 0; tx < w + HD_CONSOLE_TILE; tx += HD_CONSOLE_TILE) {
            bool changed = tx < w && tile_differs(cur, old, stride, bpp, tx, ty,
                                                  MIN(HD_CONSOLE_TILE, w - tx), th);

            if (changed) {
                tiles++;
                if (run < 0) {
                    run = tx;
                }
            } else if (run >= 0) {
                /* A run of changed tiles in this row ends: one rectangle for it. */
                int rw = MIN(tx, w) - run;

                shadow_update(con, run, ty, rw, th);
                hd_console_damage(con, run, ty, rw, th);
                run = -1;
            }
        }
    }
    trace_console_damage_compare(con->dev_id, con->head, tiles);
}
