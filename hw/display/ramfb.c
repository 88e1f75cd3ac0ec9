/*
 * ramfb: the "etc/ramfb" fw_cfg file; a configuration the guest writes is checked (size,
 * format, stride, contiguous RAM) and becomes a pixman image over the guest's RAM. A refused
 * one is traced and the previous screen stays. Migration: instance "ramfb", format below.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "hw/display/ramfb.h"
#include "hw/nvram/fw_cfg.h"
#include "migration/register.h"
#include "qom/object.h"
#include "system/address-space.h"
#include "system/reset.h"
#include "trace.h"

#define FOURCC(a, b, c, d) \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define RAMFB_MIN_DIM 16
#define RAMFB_MAX_WIDTH 16000 /* the Bochs VBE limits QEMU's ramfb uses */
#define RAMFB_MAX_HEIGHT 12000

/* DRM formats (little-endian) and the pixman format with the same layout on this host. */
static const struct {
    uint32_t fourcc;
    pixman_format_code_t pixman;
} formats[] = {
    { FOURCC('X', 'R', '2', '4'), PIXMAN_x8r8g8b8 },
    { FOURCC('A', 'R', '2', '4'), PIXMAN_a8r8g8b8 },
    { FOURCC('X', 'B', '2', '4'), PIXMAN_x8b8g8r8 },
    { FOURCC('A', 'B', '2', '4'), PIXMAN_a8b8g8r8 },
    { FOURCC('R', 'X', '2', '4'), PIXMAN_r8g8b8x8 },
    { FOURCC('R', 'A', '2', '4'), PIXMAN_r8g8b8a8 },
    { FOURCC('B', 'X', '2', '4'), PIXMAN_b8g8r8x8 },
    { FOURCC('B', 'A', '2', '4'), PIXMAN_b8g8r8a8 },
    { FOURCC('R', 'G', '2', '4'), PIXMAN_r8g8b8 },
    { FOURCC('B', 'G', '2', '4'), PIXMAN_b8g8r8 },
    { FOURCC('R', 'G', '1', '6'), PIXMAN_r5g6b5 },
};

typedef struct RamfbCfg {
    uint64_t addr;
    uint32_t fourcc, flags, width, height, stride;
} RamfbCfg;

struct HdRamfb {
    char *owner;
    HdFwCfg *fw_cfg;
    uint8_t file[RAMFB_CFG_SIZE]; /* what the guest wrote, as fw_cfg serves it */
    RamfbCfg cfg;                 /* the accepted configuration */
    bool active;
    pixman_image_t *image; /* over guest RAM; holds a reference on the RAM region */
};

static uint64_t get_be(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        v = (v << 8) | b[i];
    }
    return v;
}

static void put_be(uint8_t *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
}

static void cfg_decode(const uint8_t *b, RamfbCfg *c)
{
    c->addr = get_be(b, 8);
    c->fourcc = (uint32_t)get_be(b + 8, 4);
    c->flags = (uint32_t)get_be(b + 12, 4);
    c->width = (uint32_t)get_be(b + 16, 4);
    c->height = (uint32_t)get_be(b + 20, 4);
    c->stride = (uint32_t)get_be(b + 24, 4);
}

static void cfg_encode(const RamfbCfg *c, uint8_t *b)
{
    put_be(b, c->addr, 8);
    put_be(b + 8, c->fourcc, 4);
    put_be(b + 12, c->flags, 4);
    put_be(b + 16, c->width, 4);
    put_be(b + 20, c->height, 4);
    put_be(b + 24, c->stride, 4);
}

static pixman_format_code_t pixman_format(uint32_t fourcc)
{
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        if (formats[i].fourcc == fourcc) {
            return formats[i].pixman;
        }
    }
    return 0;
}

static void image_release_ram(pixman_image_t *image, void *data)
{
    (void)image;
    memory_region_unref(data);
}

/*
 * The image @c describes, over guest RAM; NULL with @errp saying why the configuration is
 * refused. @c->stride 0 means packed rows.
 */
static pixman_image_t *cfg_image(RamfbCfg *c, GError **errp)
{
    pixman_format_code_t fmt = pixman_format(c->fourcc);
    uint64_t bpp, size;
    MemoryRegionSection sec;
    pixman_image_t *image;
    uint8_t *ptr;

    if (!fmt) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "unknown fourcc 0x%08x",
                    c->fourcc);
        return NULL;
    }
    if (c->width < RAMFB_MIN_DIM || c->height < RAMFB_MIN_DIM || c->width > RAMFB_MAX_WIDTH ||
        c->height > RAMFB_MAX_HEIGHT) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "size %ux%u outside %ux%u..%ux%u", c->width, c->height, RAMFB_MIN_DIM,
                    RAMFB_MIN_DIM, RAMFB_MAX_WIDTH, RAMFB_MAX_HEIGHT);
        return NULL;
    }
    bpp = PIXMAN_FORMAT_BPP(fmt) / 8;
    if (!c->stride) {
        c->stride = (uint32_t)(c->width * bpp);
    }
    if (c->stride < c->width * bpp || c->stride % 4) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "stride %u: less than a row (%" G_GUINT64_FORMAT " bytes) or not a multiple of 4",
                    c->stride, c->width * bpp);
        return NULL;
    }
    size = (uint64_t)c->stride * c->height;
    if (c->addr + size < c->addr) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "address wraps around");
        return NULL;
    }
    sec = memory_region_find(memory_system_address_space(), c->addr, size);
    if (!sec.mr || !memory_region_is_ram(sec.mr) || sec.offset_within_address_space != c->addr ||
        sec.size != size) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "0x%" G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER "x is not contiguous RAM",
                    c->addr, c->addr + size - 1);
        memory_region_unref(sec.mr);
        return NULL;
    }
    ptr = (uint8_t *)memory_region_get_ram_ptr(sec.mr) + sec.offset_within_region;
    image = pixman_image_create_bits(fmt, (int)c->width, (int)c->height, (uint32_t *)ptr,
                                     (int)c->stride);
    if (!image) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "pixman refused the image");
        memory_region_unref(sec.mr);
        return NULL;
    }
    pixman_image_set_destroy_function(image, image_release_ram, sec.mr);
    return image;
}

/* Make @c the configuration; false (old one kept) with @errp set when it is refused. */
static bool ramfb_apply(HdRamfb *fb, RamfbCfg c, GError **errp)
{
    pixman_image_t *image = cfg_image(&c, errp);

    if (!image) {
        return false;
    }
    g_clear_pointer(&fb->image, pixman_image_unref);
    fb->image = image;
    fb->cfg = c;
    fb->active = true;
    trace_ramfb_config(fb->owner, c.addr, c.fourcc, c.width, c.height, c.stride);
    return true;
}

static void ramfb_file_written(void *opaque, uint32_t offset, uint32_t len)
{
    HdRamfb *fb = opaque;
    g_autoptr(GError) err = NULL;
    RamfbCfg c;

    if (offset + len != RAMFB_CFG_SIZE) {
        return; /* act once the last byte is in */
    }
    cfg_decode(fb->file, &c);
    if (!ramfb_apply(fb, c, &err)) {
        trace_ramfb_config_refused(fb->owner, err->message);
    }
}

bool hd_ramfb_active(HdRamfb *fb)
{
    return fb && fb->active;
}

bool hd_ramfb_refresh_into(HdRamfb *fb, HdConsole *con, GError **errp)
{
    if (!hd_ramfb_active(fb)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "ramfb: no framebuffer configured yet (firmware writes etc/ramfb; a Linux kernel booted directly does not)");
        return false;
    }
    if (hd_console_surface(con) != fb->image) {
        hd_console_set_surface(con, fb->image);
    }
    hd_console_damage_by_compare(con);
    return true;
}

void hd_ramfb_reset(HdRamfb *fb)
{
    memset(fb->file, 0, sizeof(fb->file));
    memset(&fb->cfg, 0, sizeof(fb->cfg));
    fb->active = false;
    g_clear_pointer(&fb->image, pixman_image_unref);
}

/* --- migration --- */

/*
 * Instance "ramfb", section "ramfb-config", version 1, 60 bytes, big-endian like the file:
 *   0   2  format version (1)
 *   2   2  flags: bit 0 a configuration is active
 *   4  28  the active configuration (zeros when none), stride filled in
 *  32  28  the file's bytes as the guest last wrote them (what fw_cfg reads back)
 * The destination checks the active configuration against its own RAM as a guest write is
 * checked, and refuses the stream when it does not fit.
 */
#define MIG_KIND "ramfb-config"
#define MIG_VERSION 1
#define MIG_SIZE (4 + 2 * RAMFB_CFG_SIZE)
#define MIG_ACTIVE 0x1

static bool ramfb_mig_save(void *opaque, HdMigSink *sink, GError **errp)
{
    HdRamfb *fb = opaque;
    uint8_t b[MIG_SIZE] = { 0 };

    put_be(b, MIG_VERSION, 2);
    put_be(b + 2, fb->active ? MIG_ACTIVE : 0, 2);
    if (fb->active) {
        cfg_encode(&fb->cfg, b + 4);
    }
    memcpy(b + 4 + RAMFB_CFG_SIZE, fb->file, RAMFB_CFG_SIZE);
    return hd_mig_put(sink, MIG_KIND, b, sizeof(b), errp);
}

static bool ramfb_mig_load(void *opaque, const char *kind, const uint8_t *data, size_t len,
                           GError **errp)
{
    HdRamfb *fb = opaque;
    g_autoptr(GError) err = NULL;
    unsigned flags;
    RamfbCfg c;

    if (strcmp(kind, MIG_KIND) || len != MIG_SIZE || get_be(data, 2) != MIG_VERSION) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the migration stream's '%s' section (%zu bytes) is not ramfb-config version %u; migrate to a hostdev that reads the source's format",
                    fb->owner, kind, len, MIG_VERSION);
        return false;
    }
    flags = (unsigned)get_be(data + 2, 2);
    if (flags & ~MIG_ACTIVE) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the migration stream's ramfb flags 0x%x have undefined bits; the stream is damaged",
                    fb->owner, flags);
        return false;
    }
    hd_ramfb_reset(fb);
    if (flags & MIG_ACTIVE) {
        cfg_decode(data + 4, &c);
        if (!ramfb_apply(fb, c, &err)) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: the source's framebuffer does not fit this machine (%s); start the destination with the source's -m",
                        fb->owner, err->message);
            return false;
        }
    }
    memcpy(fb->file, data + 4 + RAMFB_CFG_SIZE, RAMFB_CFG_SIZE);
    return true;
}

static const HdMigrationOps ramfb_mig_ops = {
    .save_complete = ramfb_mig_save,
    .load_section = ramfb_mig_load,
};

/* --- lifetime --- */

static void ramfb_reset_handler(void *opaque)
{
    hd_ramfb_reset(opaque);
}

HdRamfb *hd_ramfb_new(const char *owner, GError **errp)
{
    HdFwCfg *fw_cfg = hd_fw_cfg_find();
    HdRamfb *fb;

    if (!fw_cfg) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: ramfb needs the machine's fw_cfg; use -machine q35", owner);
        return NULL;
    }
    fb = g_new0(HdRamfb, 1);
    fb->owner = g_strdup(owner);
    fb->fw_cfg = fw_cfg;
    if (!hd_fw_cfg_add_file(fw_cfg, RAMFB_FILE, fb->file, RAMFB_CFG_SIZE, ramfb_file_written,
                            fb, errp)) {
        g_prefix_error(errp, "%s: ", owner);
        g_free(fb->owner);
        g_free(fb);
        return NULL;
    }
    hd_migration_register("ramfb", &ramfb_mig_ops, fb);
    hd_reset_handler_register(ramfb_reset_handler, fb);
    return fb;
}

void hd_ramfb_free(HdRamfb *fb)
{
    if (!fb) {
        return;
    }
    hd_reset_handler_unregister(ramfb_reset_handler, fb);
    hd_migration_unregister(fb);
    if (hd_fw_cfg_find() == fb->fw_cfg) {
        hd_fw_cfg_remove_file(fb->fw_cfg, RAMFB_FILE);
    }
    g_clear_pointer(&fb->image, pixman_image_unref);
    g_free(fb->owner);
    g_free(fb);
}
