/*
 * VFIO display planes: probe a device's primary plane (a region like mdpy's or a dma-buf like
 * mbochs'), map it read-only and show it as a console surface in the plane's own format;
 * a new surface when the plane changes, damage by comparison otherwise.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <string.h>
#include <sys/mman.h>

#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-sys.h"
#include "trace.h"
#include "ui/console.h"
#include "vfio-display.h"

/* DRM's plane types (enum drm_plane_type), as VFIO_DEVICE_QUERY_GFX_PLANE takes them. */
#define PLANE_PRIMARY 1

/* dma-bufs kept mapped, one per plane id recently shown (a guest flipping between buffers). */
#define DMABUF_CACHE 4

/*
 * A bochs display (QEMU's stdvga ids; the kernel's mbochs sample): VRAM in BAR0, the dispi
 * registers 16-bit at 0x500 + 2 * index of the MMIO BAR2.
 */
#define BOCHS_VENDOR_ID 0x1234
#define BOCHS_DEVICE_ID 0x1111
#define BOCHS_DISPI 0x500
#define BOCHS_DISPI_VIRT_WIDTH 6
#define BOCHS_DISPI_X_OFFSET 8
#define BOCHS_DISPI_Y_OFFSET 9

/* One read-only mapping of a region or a dma-buf, shared by the images over it. */
typedef struct DisplayMap {
    void *addr;
    size_t len;
    int fd; /* the dma-buf, owned; -1 for a region (the device fd) */
} DisplayMap;

typedef struct DisplayDmabuf {
    uint32_t id;
    DisplayMap *map;
} DisplayDmabuf;

struct VFIODisplay {
    VFIODevice *vbasedev;
    HdConsole *con;
    uint32_t plane_type; /* VFIO_GFX_PLANE_TYPE_REGION or _DMABUF */
    struct vfio_device_gfx_plane_info plane; /* what the surface shows */
    pixman_image_t *image;                   /* the surface (a reference); NULL: none */
    void *copy;              /* region without mmap: the image's buffer, read at each refresh */
    uint64_t copy_offset;    /* ... from this device fd offset */
    size_t copy_len;
    DisplayMap *region;      /* region planes: the region mapped (NULL: read with pread) */
    uint32_t region_index;
    uint64_t region_offset;  /* in the device fd */
    uint64_t region_size;
    bool region_known;
    GPtrArray *dmabufs;      /* DisplayDmabuf *, least recently shown first */
    bool dmabuf_unmappable;  /* the kernel refused to map one: read bochs VRAM instead */
    HdRamfb *ramfb;          /* ramfb=on: shown while the plane has no mode (owned) */
};

/* --- formats --- */

/* DRM fourcc codes (drm_fourcc.h): four characters, the first in the low byte. */
#define FOURCC(a, b, c, d) \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

static const struct {
    uint32_t fourcc;
    pixman_format_code_t format;
} formats[] = {
    /* DRM formats are little-endian words; pixman's are host words: equal on x86. */
    { FOURCC('X', 'R', '2', '4'), PIXMAN_x8r8g8b8 },
    { FOURCC('A', 'R', '2', '4'), PIXMAN_a8r8g8b8 },
    { FOURCC('X', 'B', '2', '4'), PIXMAN_x8b8g8r8 },
    { FOURCC('A', 'B', '2', '4'), PIXMAN_a8b8g8r8 },
    { FOURCC('B', 'X', '2', '4'), PIXMAN_b8g8r8x8 },
    { FOURCC('B', 'A', '2', '4'), PIXMAN_b8g8r8a8 },
    { FOURCC('R', 'X', '2', '4'), PIXMAN_r8g8b8x8 },
    { FOURCC('R', 'A', '2', '4'), PIXMAN_r8g8b8a8 },
    { FOURCC('R', 'G', '2', '4'), PIXMAN_r8g8b8 },
    { FOURCC('B', 'G', '2', '4'), PIXMAN_b8g8r8 },
    { FOURCC('R', 'G', '1', '6'), PIXMAN_r5g6b5 },
    { FOURCC('B', 'G', '1', '6'), PIXMAN_b5g6r5 },
    { FOURCC('X', 'R', '1', '5'), PIXMAN_x1r5g5b5 },
    { FOURCC('A', 'R', '1', '5'), PIXMAN_a1r5g5b5 },
    { FOURCC('X', 'R', '3', '0'), PIXMAN_x2r10g10b10 },
    { FOURCC('A', 'R', '3', '0'), PIXMAN_a2r10g10b10 },
    { FOURCC('X', 'B', '3', '0'), PIXMAN_x2b10g10r10 },
    { FOURCC('A', 'B', '3', '0'), PIXMAN_a2b10g10r10 },
};

pixman_format_code_t vfio_display_pixman_format(uint32_t fourcc)
{
    if (G_BYTE_ORDER != G_LITTLE_ENDIAN) {
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        if (formats[i].fourcc == fourcc) {
            return formats[i].format;
        }
    }
    return 0;
}

void vfio_display_fourcc_name(uint32_t fourcc, char out[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)(fourcc >> (8 * i));

        out[i] = g_ascii_isprint(c) ? c : '?';
    }
    out[4] = '\0';
}

bool vfio_display_mode_parse(const char *text, VFIODisplayMode *mode, GError **errp)
{
    if (!text || !strcmp(text, "off")) {
        *mode = VFIO_DISPLAY_OFF;
    } else if (!strcmp(text, "on")) {
        *mode = VFIO_DISPLAY_ON;
    } else if (!strcmp(text, "auto")) {
        *mode = VFIO_DISPLAY_AUTO;
    } else {
        g_set_error(errp, VFIO_ERROR, EINVAL, "display=%s: use on, off or auto", text);
        return false;
    }
    return true;
}

/* --- mappings --- */

static void map_clear(gpointer data)
{
    DisplayMap *map = data;

    if (map->addr) {
        vfio_sys_munmap(map->addr, map->len);
    }
    if (map->fd >= 0) {
        vfio_sys_close(map->fd);
    }
}

static void map_unref(DisplayMap *map)
{
    g_atomic_rc_box_release_full(map, map_clear);
}

/* pixman's destroy hook of an image over a mapping. */
static void image_unmap(pixman_image_t *image, void *data)
{
    (void)image;
    map_unref(data);
}

static void image_free_copy(pixman_image_t *image, void *data)
{
    (void)image;
    g_free(data);
}

/* Map @len bytes of @fd at @offset read-only: a new DisplayMap owning @fd (-1: not owned). */
static int map_new(int fd, bool own_fd, size_t len, uint64_t offset, DisplayMap **out)
{
    DisplayMap *map;
    void *addr;
    int ret = vfio_sys_mmap(&addr, len, PROT_READ, MAP_SHARED, fd, (off_t)offset);

    if (ret < 0) {
        return ret;
    }
    map = g_atomic_rc_box_new0(DisplayMap);
    map->addr = addr;
    map->len = len;
    map->fd = own_fd ? fd : -1;
    *out = map;
    return 0;
}

/* --- the plane --- */

static const char *plane_type_name(uint32_t type)
{
    return type == VFIO_GFX_PLANE_TYPE_DMABUF ? "dmabuf" : "region";
}

static int query_plane(VFIODisplay *d, struct vfio_device_gfx_plane_info *plane)
{
    int ret;

    for (int tries = 0;; tries++) {
        *plane = (struct vfio_device_gfx_plane_info){
            .argsz = sizeof(*plane),
            .flags = d->plane_type,
            .drm_plane_type = PLANE_PRIMARY,
        };
        ret = vfio_sys_ioctl(d->vbasedev->fd, VFIO_DEVICE_QUERY_GFX_PLANE, plane);
        /* Linux 6.12's mbochs fails the first query of a new mode with ENOMEM after it made the
         * buffer; the next one finds it. */
        if (ret != -ENOMEM || d->plane_type != VFIO_GFX_PLANE_TYPE_DMABUF || tries) {
            return ret;
        }
    }
}

static bool plane_changed(const struct vfio_device_gfx_plane_info *a,
                          const struct vfio_device_gfx_plane_info *b)
{
    return a->drm_format != b->drm_format || a->drm_format_mod != b->drm_format_mod ||
           a->width != b->width || a->height != b->height || a->stride != b->stride ||
           a->size != b->size || a->region_index != b->region_index;
}

static void dmabuf_free(gpointer data)
{
    DisplayDmabuf *buf = data;

    trace_vfio_display_dmabuf_close(buf->id, buf->map->fd);
    map_unref(buf->map);
    g_free(buf);
}

/*
 * The mapping of dma-buf @id of @len bytes, from the cache or fetched and mapped. NULL with
 * @errp set; *@refused when the kernel would not map it (mbochs exports its dma-bufs read-only,
 * and a read-only file cannot be mapped shared: only a GPU importer can use them).
 */
static DisplayMap *dmabuf_get(VFIODisplay *d, uint32_t id, size_t len, bool *refused,
                              GError **errp)
{
    DisplayDmabuf *buf;
    DisplayMap *map = NULL;
    int fd, ret;

    for (guint i = 0; i < d->dmabufs->len; i++) {
        buf = d->dmabufs->pdata[i];
        if (buf->id == id && buf->map->len >= len) {
            /* Most recently shown last. */
            g_ptr_array_add(d->dmabufs, g_ptr_array_steal_index(d->dmabufs, i));
            return buf->map;
        }
        if (buf->id == id) {
            g_ptr_array_remove_index(d->dmabufs, i);
            break;
        }
    }
    fd = vfio_sys_ioctl(d->vbasedev->fd, VFIO_DEVICE_GET_GFX_DMABUF, &id);
    if (fd < 0) {
        g_set_error(errp, VFIO_ERROR, -fd, "cannot get the display's dma-buf %u: %s", id,
                    g_strerror(-fd));
        return NULL;
    }
    /* The kernel hands it out without close-on-exec. */
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    ret = map_new(fd, true, len, 0, &map);
    trace_vfio_display_dmabuf(id, fd, len, ret);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret, "cannot map the display's dma-buf %u (%zu bytes): %s",
                    id, len, g_strerror(-ret));
        vfio_sys_close(fd);
        *refused = ret == -EINVAL || ret == -EACCES;
        return NULL;
    }
    buf = g_new0(DisplayDmabuf, 1);
    buf->id = id;
    buf->map = map;
    g_ptr_array_add(d->dmabufs, buf);
    if (d->dmabufs->len > DMABUF_CACHE) {
        g_ptr_array_remove_index(d->dmabufs, 0);
    }
    return map;
}

/* Region @index: where it is in the device fd, mapped when it can be. */
static bool region_get(VFIODisplay *d, uint32_t index, GError **errp)
{
    g_autofree struct vfio_region_info *info = NULL;
    int ret;

    if (d->region_known && d->region_index == index) {
        return true;
    }
    g_clear_pointer(&d->region, map_unref);
    d->region_known = false;
    ret = vfio_get_region_info(d->vbasedev, index, &info);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret, "cannot get the display region %u's info: %s", index,
                    g_strerror(-ret));
        return false;
    }
    if (!(info->flags & VFIO_REGION_INFO_FLAG_READ)) {
        g_set_error(errp, VFIO_ERROR, EACCES, "the display region %u cannot be read", index);
        return false;
    }
    if ((info->flags & VFIO_REGION_INFO_FLAG_MMAP) && !d->vbasedev->no_mmap && info->size) {
        /* Failing that, pread at each refresh. */
        ret = map_new(d->vbasedev->fd, false, info->size, info->offset, &d->region);
    }
    trace_vfio_display_region(index, info->offset, info->size, d->region != NULL);
    d->region_index = index;
    d->region_offset = info->offset;
    d->region_size = info->size;
    d->region_known = true;
    return true;
}

static bool copy_read(VFIODisplay *d, GError **errp)
{
    int ret = vfio_device_pread(d->vbasedev, d->copy, d->copy_len, d->copy_offset);

    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret, "cannot read the display region %u: %s",
                    d->region_index, g_strerror(-ret));
        return false;
    }
    return true;
}

/* Read 16-bit register @index of a bochs device's dispi interface (BAR2). */
static int bochs_dispi_read(VFIODisplay *d, uint64_t bar2, unsigned index, uint16_t *val)
{
    return vfio_device_pread(d->vbasedev, val, 2, bar2 + BOCHS_DISPI + 2 * index);
}

/*
 * Where the plane's pixels are in a bochs device's VRAM (BAR0): the scanout offset its dispi
 * registers hold. False with @errp set when the device is not a bochs display.
 */
static bool bochs_scanout(VFIODisplay *d, const struct vfio_device_gfx_plane_info *plane,
                          uint64_t *offset, GError **errp)
{
    g_autofree struct vfio_region_info *cfg = NULL, *bar2 = NULL;
    uint16_t ids[2] = { 0, 0 }, virt_width = 0, x = 0, y = 0;
    uint32_t bpp = PIXMAN_FORMAT_BPP(vfio_display_pixman_format(plane->drm_format)) / 8;
    int ret = vfio_get_region_info(d->vbasedev, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);

    if (!ret) {
        ret = vfio_device_pread(d->vbasedev, ids, sizeof(ids), cfg->offset);
    }
    if (ret < 0 || ids[0] != BOCHS_VENDOR_ID || ids[1] != BOCHS_DEVICE_ID) {
        g_set_error(errp, VFIO_ERROR, ENOTSUP,
                    "the kernel refused to map the display's dma-buf and the device (%04x:%04x) is not a bochs display whose VRAM hostdev could read instead",
                    ids[0], ids[1]);
        return false;
    }
    ret = vfio_get_region_info(d->vbasedev, VFIO_PCI_BAR2_REGION_INDEX, &bar2);
    if (!ret) {
        ret = bochs_dispi_read(d, bar2->offset, BOCHS_DISPI_VIRT_WIDTH, &virt_width);
    }
    if (!ret) {
        ret = bochs_dispi_read(d, bar2->offset, BOCHS_DISPI_X_OFFSET, &x);
    }
    if (!ret) {
        ret = bochs_dispi_read(d, bar2->offset, BOCHS_DISPI_Y_OFFSET, &y);
    }
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret, "cannot read the bochs display registers: %s",
                    g_strerror(-ret));
        return false;
    }
    (void)virt_width; /* the plane's stride already says it */
    *offset = (uint64_t)y * plane->stride + (uint64_t)x * bpp;
    trace_vfio_display_bochs_vram(d->vbasedev->name, plane->dmabuf_id, *offset);
    return true;
}

/* A pixman image over the memory @plane describes (a new reference), or NULL with @errp. */
static pixman_image_t *plane_image(VFIODisplay *d, const struct vfio_device_gfx_plane_info *plane,
                                   GError **errp)
{
    pixman_format_code_t format = vfio_display_pixman_format(plane->drm_format);
    pixman_image_t *image;
    DisplayMap *map = NULL;
    uint32_t index = UINT32_MAX; /* the region the pixels are read from, if not a dma-buf */
    uint64_t bpp, need, offset = 0;
    char name[5];

    vfio_display_fourcc_name(plane->drm_format, name);
    if (!format) {
        g_set_error(errp, VFIO_ERROR, ENOTSUP,
                    "the display plane's format '%s' (0x%08x) cannot be converted; hostdev shows RGB formats such as XR24, AR24, XB24, RG16 and RG24",
                    name, plane->drm_format);
        return NULL;
    }
    if (plane->drm_format_mod) {
        g_set_error(errp, VFIO_ERROR, ENOTSUP,
                    "the display plane ('%s') has format modifier 0x%" G_GINT64_MODIFIER "x; hostdev shows linear planes only",
                    name, (guint64)plane->drm_format_mod);
        return NULL;
    }
    bpp = PIXMAN_FORMAT_BPP(format) / 8;
    need = (uint64_t)plane->stride * (plane->height - 1) + plane->width * bpp;
    if (plane->stride < plane->width * bpp || plane->stride % 4 || need > plane->size) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "the display plane ('%s' %ux%u) has an unusable stride %u for its size %u",
                    name, plane->width, plane->height, plane->stride, plane->size);
        return NULL;
    }
    if (d->plane_type == VFIO_GFX_PLANE_TYPE_DMABUF && !d->dmabuf_unmappable) {
        g_autoptr(GError) err = NULL;
        bool refused = false;

        map = dmabuf_get(d, plane->dmabuf_id, plane->size, &refused, &err);
        if (!map && !refused) {
            g_propagate_error(errp, g_steal_pointer(&err));
            return NULL;
        }
        d->dmabuf_unmappable = !map;
    }
    if (d->plane_type == VFIO_GFX_PLANE_TYPE_DMABUF && d->dmabuf_unmappable) {
        /* The dma-buf's pages are the bochs VRAM at the scanout offset: read them there. */
        if (!bochs_scanout(d, plane, &offset, errp)) {
            return NULL;
        }
        index = VFIO_PCI_BAR0_REGION_INDEX;
    } else if (d->plane_type == VFIO_GFX_PLANE_TYPE_REGION) {
        index = plane->region_index;
    }
    if (index != UINT32_MAX) {
        if (!region_get(d, index, errp)) {
            return NULL;
        }
        if (offset + need > d->region_size || offset % 4) {
            g_set_error(errp, VFIO_ERROR, EINVAL,
                        "the display plane (%ux%u, stride %u) at 0x%" G_GINT64_MODIFIER "x does not fit its region %u of %" G_GUINT64_FORMAT " bytes",
                        plane->width, plane->height, plane->stride, (guint64)offset, index,
                        (guint64)d->region_size);
            return NULL;
        }
        map = d->region;
    }
    d->copy = NULL;
    if (map) {
        image = pixman_image_create_bits(format, (int)plane->width, (int)plane->height,
                                         (uint32_t *)((uint8_t *)map->addr + offset),
                                         (int)plane->stride);
        if (image) {
            pixman_image_set_destroy_function(image, image_unmap, g_atomic_rc_box_acquire(map));
        }
    } else {
        void *copy = g_malloc0(need);

        image = pixman_image_create_bits(format, (int)plane->width, (int)plane->height, copy,
                                         (int)plane->stride);
        if (!image) {
            g_free(copy);
        } else {
            pixman_image_set_destroy_function(image, image_free_copy, copy);
            d->copy = copy;
            d->copy_len = need;
            d->copy_offset = d->region_offset + offset;
        }
    }
    if (!image) {
        g_set_error(errp, VFIO_ERROR, ENOMEM, "cannot make a %ux%u '%s' image of the display plane",
                    plane->width, plane->height, name);
        return NULL;
    }
    return image;
}

static void surface_drop(VFIODisplay *d)
{
    hd_console_set_surface(d->con, NULL);
    g_clear_pointer(&d->image, pixman_image_unref);
    d->copy = NULL;
    memset(&d->plane, 0, sizeof(d->plane));
}

static bool display_refresh(void *opaque, GError **errp)
{
    VFIODisplay *d = opaque;
    struct vfio_device_gfx_plane_info plane;
    int ret = query_plane(d, &plane);

    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret, "cannot query the display plane: %s",
                    g_strerror(-ret));
        return false;
    }
    if (!plane.drm_format || !plane.width || !plane.height) {
        /* The guest has not set a mode (or turned it off). */
        if (d->image) {
            trace_vfio_display_blank(d->vbasedev->name);
            surface_drop(d);
        }
        if (hd_ramfb_active(d->ramfb)) {
            return hd_ramfb_refresh_into(d->ramfb, d->con, errp);
        }
        if (hd_console_surface(d->con)) {
            hd_console_set_surface(d->con, NULL); /* the ramfb was reset */
        }
        return true;
    }
    if (!d->image || plane_changed(&d->plane, &plane)) {
        pixman_image_t *image = plane_image(d, &plane, errp);

        if (!image) {
            return false;
        }
        trace_vfio_display_plane(d->vbasedev->name, plane_type_name(d->plane_type),
                                 plane.drm_format, plane.width, plane.height, plane.stride,
                                 plane.region_index);
        hd_console_set_surface(d->con, image);
        g_clear_pointer(&d->image, pixman_image_unref);
        d->image = image;
        d->plane = plane;
    }
    if (d->copy && !copy_read(d, errp)) {
        return false;
    }
    hd_console_damage_by_compare(d->con);
    return true;
}

static const HdConsoleOps display_ops = {
    .refresh = display_refresh,
};

/* --- life cycle --- */

static int probe(VFIODevice *vbasedev, uint32_t type)
{
    struct vfio_device_gfx_plane_info plane = {
        .argsz = sizeof(plane),
        .flags = VFIO_GFX_PLANE_TYPE_PROBE | type,
    };
    int ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_QUERY_GFX_PLANE, &plane);

    trace_vfio_display_probe(vbasedev->name, plane_type_name(type), ret);
    return ret;
}

bool vfio_display_setup(VFIODevice *vbasedev, const char *con_id, VFIODisplayMode mode,
                        VFIODisplay **out, GError **errp)
{
    VFIODisplay *d;
    uint32_t type = VFIO_GFX_PLANE_TYPE_REGION;
    int ret;

    *out = NULL;
    if (mode == VFIO_DISPLAY_OFF) {
        return true;
    }
    ret = probe(vbasedev, type);
    if (ret < 0) {
        type = VFIO_GFX_PLANE_TYPE_DMABUF;
        ret = probe(vbasedev, type);
    }
    if (ret < 0) {
        if (mode == VFIO_DISPLAY_AUTO) {
            return true;
        }
        g_set_error(errp, VFIO_ERROR, -ret,
                    "display=on but the device has no display planes (VFIO_DEVICE_QUERY_GFX_PLANE: %s); use display=off",
                    g_strerror(-ret));
        return false;
    }
    d = g_new0(VFIODisplay, 1);
    d->vbasedev = vbasedev;
    d->plane_type = type;
    d->dmabufs = g_ptr_array_new_with_free_func(dmabuf_free);
    d->con = hd_console_new(con_id, 0, &display_ops, d);
    /* The cursor plane (DRM_PLANE_TYPE_CURSOR) is not shown: consoles have no cursor yet. */
    *out = d;
    return true;
}

void vfio_display_set_ramfb(VFIODisplay *d, HdRamfb *fb)
{
    hd_ramfb_free(d->ramfb);
    d->ramfb = fb;
}

void vfio_display_free(VFIODisplay *d)
{
    if (!d) {
        return;
    }
    /* The console (and its listeners) let go of the surface first, then the mappings go. */
    hd_console_free(d->con);
    hd_ramfb_free(d->ramfb);
    g_clear_pointer(&d->image, pixman_image_unref);
    g_clear_pointer(&d->region, map_unref);
    g_ptr_array_unref(d->dmabufs);
    g_free(d);
}
