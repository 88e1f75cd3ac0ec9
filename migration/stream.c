/*
 * Stream format: encoding a section's framing, and the incremental parser that checks every
 * section (magic, name, length bound, CRC-32) before handing it on.
 *
 * Layout (all integers big-endian):
 *   header:  "HDMIGRAT" | u32 version | u32 flags (0)
 *   section: u32 0x48445345 "HDSE" | u8 name length (1..200) | name | u32 payload length
 *            (<= 16 MiB) | payload | u32 CRC-32 (zlib's) of name length, name, length, payload
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <gio/gio.h>
#include <zlib.h>

#include "stream.h"
#include "migration/register.h"

#define ERR(...) (g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, __VA_ARGS__), false)

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void hd_mig_header_encode(uint8_t out[HD_MIG_HEADER_SIZE])
{
    memcpy(out, HD_MIG_MAGIC, 8);
    put_be32(out + 8, HD_MIG_VERSION);
    put_be32(out + 12, 0);
}

void hd_mig_section_frame(const char *name, const void *payload, size_t len, uint8_t *head,
                          size_t *head_len, uint8_t tail[4])
{
    size_t n = strlen(name);
    uLong crc;

    g_assert(n >= 1 && n <= HD_MIG_NAME_MAX && len <= HD_MIG_PAYLOAD_MAX);
    put_be32(head, HD_MIG_SECTION_MAGIC);
    head[4] = (uint8_t)n;
    memcpy(head + 5, name, n);
    put_be32(head + 5 + n, (uint32_t)len);
    *head_len = 9 + n;
    crc = crc32(0L, head + 4, (uInt)(5 + n));
    crc = crc32(crc, payload, (uInt)len);
    put_be32(tail, (uint32_t)crc);
}

struct HdMigParser {
    HdMigSectionFunc fn;
    void *opaque;
    GByteArray *buf;  /* bytes not yet consumed */
    uint64_t offset;  /* stream offset of buf's first byte */
    bool header_done;
};

HdMigParser *hd_mig_parser_new(HdMigSectionFunc fn, void *opaque)
{
    HdMigParser *p = g_new0(HdMigParser, 1);

    p->fn = fn;
    p->opaque = opaque;
    p->buf = g_byte_array_new();
    return p;
}

void hd_mig_parser_free(HdMigParser *p)
{
    if (p) {
        g_byte_array_unref(p->buf);
        g_free(p);
    }
}

uint64_t hd_mig_parser_offset(HdMigParser *p)
{
    return p->offset;
}

bool hd_mig_parser_partial(HdMigParser *p)
{
    return p->buf->len > 0 || !p->header_done;
}

static bool parse_header(HdMigParser *p, GError **errp)
{
    const uint8_t *b = p->buf->data;
    uint32_t version;

    if (memcmp(b, HD_MIG_MAGIC, 8) != 0) {
        return ERR("not a hostdev migration stream (it does not start with \"" HD_MIG_MAGIC
                   "\"; a QEMU stream starts with \"QEVM\")");
    }
    version = get_be32(b + 8);
    if (version != HD_MIG_VERSION) {
        return ERR("migration stream version %u, this hostdev reads version %u only", version,
                   HD_MIG_VERSION);
    }
    if (get_be32(b + 12) != 0) {
        return ERR("migration stream flags 0x%x are unknown to this hostdev", get_be32(b + 12));
    }
    p->header_done = true;
    return true;
}

/* One section at the start of buf if it is whole: *used its size, 0 if more bytes are needed. */
static bool parse_section(HdMigParser *p, const uint8_t *b, size_t have, size_t *used,
                          GError **errp)
{
    size_t n, len;
    char name[HD_MIG_NAME_MAX + 1];
    uint32_t crc;

    *used = 0;
    if (have < 5) {
        return true;
    }
    if (get_be32(b) != HD_MIG_SECTION_MAGIC) {
        return ERR("migration stream corrupted at offset %" G_GUINT64_FORMAT
                   ": no section starts there (magic 0x%08x)",
                   p->offset, get_be32(b));
    }
    n = b[4];
    if (n == 0 || n > HD_MIG_NAME_MAX) {
        return ERR("migration stream corrupted at offset %" G_GUINT64_FORMAT
                   ": section name of %zu bytes",
                   p->offset, n);
    }
    if (have < 9 + n) {
        return true;
    }
    len = get_be32(b + 5 + n);
    memcpy(name, b + 5, n);
    name[n] = '\0';
    if (len > HD_MIG_PAYLOAD_MAX) {
        return ERR("migration stream corrupted at offset %" G_GUINT64_FORMAT
                   ": section '%s' claims %zu bytes (at most %u)",
                   p->offset, name, len, HD_MIG_PAYLOAD_MAX);
    }
    if (have < 9 + n + len + 4) {
        return true;
    }
    crc = (uint32_t)crc32(0L, b + 4, (uInt)(5 + n + len));
    if (crc != get_be32(b + 9 + n + len)) {
        return ERR("migration stream corrupted: section '%s' at offset %" G_GUINT64_FORMAT
                   " (%zu bytes) fails its checksum",
                   name, p->offset, len);
    }
    for (size_t i = 0; i < n; i++) {
        if (!g_ascii_isgraph(name[i])) {
            return ERR("migration stream corrupted at offset %" G_GUINT64_FORMAT
                       ": section name with byte 0x%02x",
                       p->offset, (unsigned char)name[i]);
        }
    }
    if (!p->fn(name, b + 9 + n, len, p->opaque, errp)) {
        return false;
    }
    *used = 9 + n + len + 4;
    return true;
}

bool hd_mig_parser_feed(HdMigParser *p, const uint8_t *data, size_t len, GError **errp)
{
    size_t used, done = 0;

    g_byte_array_append(p->buf, data, (guint)len);
    if (!p->header_done) {
        if (p->buf->len < HD_MIG_HEADER_SIZE) {
            return true;
        }
        if (!parse_header(p, errp)) {
            return false;
        }
        g_byte_array_remove_range(p->buf, 0, HD_MIG_HEADER_SIZE);
        p->offset += HD_MIG_HEADER_SIZE;
    }
    /* Consume whole sections; remove the consumed prefix once, not per section. */
    do {
        if (!parse_section(p, p->buf->data + done, p->buf->len - done, &used, errp)) {
            return false;
        }
        done += used;
        p->offset += used;
    } while (used);
    if (done) {
        g_byte_array_remove_range(p->buf, 0, (guint)done);
    }
    return true;
}

/* ---- the memory sink (tests, devices gathering state) ---- */

struct HdMigSink {
    int fd;              /* stream output, or -1 for a memory sink */
    GPtrArray *kinds;    /* memory sink: char * */
    GPtrArray *datas;    /* memory sink: GBytes * */
    const char *prefix;  /* stream sink: the instance name being saved */
    uint64_t *bytes;     /* stream sink: total bytes written */
    HdMigWriteFunc write;
    void *write_opaque;
};

HdMigSink *hd_mig_sink_new_memory(void)
{
    HdMigSink *s = g_new0(HdMigSink, 1);

    s->fd = -1;
    s->kinds = g_ptr_array_new_with_free_func(g_free);
    s->datas = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    return s;
}

HdMigSink *hd_mig_sink_new_stream(HdMigWriteFunc write, void *opaque)
{
    HdMigSink *s = g_new0(HdMigSink, 1);

    s->fd = -1;
    s->write = write;
    s->write_opaque = opaque;
    return s;
}

void hd_mig_sink_set_instance(HdMigSink *sink, const char *name)
{
    sink->prefix = name;
}

guint hd_mig_sink_count(HdMigSink *sink)
{
    return sink->kinds ? sink->kinds->len : 0;
}

const char *hd_mig_sink_kind(HdMigSink *sink, guint i)
{
    return sink->kinds->pdata[i];
}

GBytes *hd_mig_sink_data(HdMigSink *sink, guint i)
{
    return sink->datas->pdata[i];
}

void hd_mig_sink_free(HdMigSink *sink)
{
    if (sink) {
        if (sink->kinds) {
            g_ptr_array_unref(sink->kinds);
            g_ptr_array_unref(sink->datas);
        }
        g_free(sink);
    }
}

static bool kind_valid(const char *kind)
{
    size_t n = strlen(kind);

    if (n == 0 || n > 32) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!g_ascii_islower(kind[i]) && !g_ascii_isdigit(kind[i]) && kind[i] != '-') {
            return false;
        }
    }
    return true;
}

bool hd_mig_put(HdMigSink *sink, const char *kind, const void *data, size_t len, GError **errp)
{
    g_autofree char *name = NULL;

    if (!kind_valid(kind)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "migration section kind '%s' is not [a-z0-9-]{1,32}", kind);
        return false;
    }
    if (len > HD_MIG_PAYLOAD_MAX) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "migration section '%s' of %zu bytes is over the stream's %u-byte limit; "
                    "split it",
                    kind, len, HD_MIG_PAYLOAD_MAX);
        return false;
    }
    if (sink->kinds) {
        g_ptr_array_add(sink->kinds, g_strdup(kind));
        g_ptr_array_add(sink->datas, g_bytes_new(data, len));
        return true;
    }
    name = g_strdup_printf("%s/%s", sink->prefix ? sink->prefix : "?", kind);
    if (strlen(name) > HD_MIG_NAME_MAX) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "migration section name '%s' is longer than %d bytes", name,
                    HD_MIG_NAME_MAX);
        return false;
    }
    return sink->write(name, data, len, sink->write_opaque, errp);
}
