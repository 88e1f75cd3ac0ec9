/*
 * The migration stream's framing and parser without a VM: sections written and read back fed
 * one byte at a time and all at once, and every refusal (not a stream, another version, a bad
 * magic, an oversized length, a checksum mismatch, a callback's refusal) with its message.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <string.h>

#include "migration/register.h"
#include "stream.h"

typedef struct Seen {
    GPtrArray *names;
    GByteArray *data;
    const char *refuse; /* a name the callback refuses */
} Seen;

static bool on_section(const char *name, const uint8_t *data, size_t len, void *opaque,
                       GError **errp)
{
    Seen *s = opaque;

    if (s->refuse && !strcmp(name, s->refuse)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "refused %s", name);
        return false;
    }
    g_ptr_array_add(s->names, g_strdup(name));
    g_byte_array_append(s->data, data, (guint)len);
    return true;
}

static void append_section(GByteArray *out, const char *name, const void *data, size_t len)
{
    uint8_t head[9 + HD_MIG_NAME_MAX], tail[4];
    size_t head_len;

    hd_mig_section_frame(name, data, len, head, &head_len, tail);
    g_byte_array_append(out, head, (guint)head_len);
    g_byte_array_append(out, data, (guint)len);
    g_byte_array_append(out, tail, 4);
}

static GByteArray *sample(void)
{
    GByteArray *s = g_byte_array_new();
    uint8_t header[HD_MIG_HEADER_SIZE];
    g_autofree uint8_t *big = g_malloc(70000);

    for (size_t i = 0; i < 70000; i++) {
        big[i] = (uint8_t)(i * 31);
    }
    hd_mig_header_encode(header);
    g_byte_array_append(s, header, sizeof(header));
    append_section(s, "stream/config", "{}", 2);
    append_section(s, "ram/pages", big, 70000);
    append_section(s, "/machine/peripheral/tty0/vfio-data", "", 0);
    return s;
}

static bool parse(GByteArray *bytes, size_t step, Seen *seen, GError **errp)
{
    g_autoptr(HdMigParser) p = hd_mig_parser_new(on_section, seen);

    for (size_t off = 0; off < bytes->len; off += step) {
        if (!hd_mig_parser_feed(p, bytes->data + off, MIN(step, bytes->len - off), errp)) {
            return false;
        }
    }
    g_assert_false(hd_mig_parser_partial(p));
    g_assert_cmpuint(hd_mig_parser_offset(p), ==, bytes->len);
    return true;
}

static void test_round_trip(void)
{
    g_autoptr(GByteArray) bytes = sample();
    const size_t steps[] = { 1, 7, 4096, 1 << 20 };

    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
        Seen seen = { g_ptr_array_new_with_free_func(g_free), g_byte_array_new(), NULL };
        g_autoptr(GError) err = NULL;

        g_assert_true(parse(bytes, steps[i], &seen, &err));
        g_assert_cmpuint(seen.names->len, ==, 3);
        g_assert_cmpstr(seen.names->pdata[1], ==, "ram/pages");
        g_assert_cmpuint(seen.data->len, ==, 2 + 70000);
        g_assert_cmpint(seen.data->data[2 + 69999], ==, (uint8_t)(69999 * 31));
        g_ptr_array_unref(seen.names);
        g_byte_array_unref(seen.data);
    }
}

/* Parse @bytes and expect a refusal whose message holds @want. */
static void expect(GByteArray *bytes, const char *refuse, const char *want)
{
    Seen seen = { g_ptr_array_new_with_free_func(g_free), g_byte_array_new(), refuse };
    g_autoptr(HdMigParser) p = hd_mig_parser_new(on_section, &seen);
    g_autoptr(GError) err = NULL;

    g_assert_false(hd_mig_parser_feed(p, bytes->data, bytes->len, &err));
    g_assert_nonnull(err);
    if (!strstr(err->message, want)) {
        g_printerr("message: %s\n", err->message);
    }
    g_assert_nonnull(strstr(err->message, want));
    g_ptr_array_unref(seen.names);
    g_byte_array_unref(seen.data);
}

static void test_refusals(void)
{
    g_autoptr(GByteArray) qemu = g_byte_array_new();
    g_autoptr(GByteArray) b = NULL;
    size_t first = HD_MIG_HEADER_SIZE, name_len = strlen("stream/config");

    g_byte_array_append(qemu, (const uint8_t *)"QEVM\0\0\0\3........", 16);
    expect(qemu, NULL, "not a hostdev migration stream");

    b = sample();
    b->data[11] = 2; /* version 2 */
    expect(b, NULL, "version 2");
    g_byte_array_unref(b);

    b = sample();
    b->data[first] ^= 1; /* section magic */
    expect(b, NULL, "no section starts there");
    g_byte_array_unref(b);

    b = sample();
    b->data[first + 5 + name_len] = 0x7f; /* payload length of the first section */
    expect(b, NULL, "claims");
    g_byte_array_unref(b);

    b = sample();
    b->data[first + 9 + name_len + 20000] ^= 0x40; /* a byte in the RAM payload */
    expect(b, NULL, "fails its checksum");
    g_byte_array_unref(b);

    b = sample();
    expect(b, "ram/pages", "refused ram/pages");
}

/* The memory sink keeps kinds and bytes; kinds outside [a-z0-9-]{1,32} are refused. */
static void test_memory_sink(void)
{
    HdMigSink *s = hd_mig_sink_new_memory();
    g_autoptr(GError) err = NULL;

    g_assert_true(hd_mig_put(s, "vfio-data", "abc", 3, NULL));
    g_assert_false(hd_mig_put(s, "Bad Kind", "x", 1, &err));
    g_assert_nonnull(strstr(err->message, "Bad Kind"));
    g_assert_cmpuint(hd_mig_sink_count(s), ==, 1);
    g_assert_cmpstr(hd_mig_sink_kind(s, 0), ==, "vfio-data");
    g_assert_cmpuint(g_bytes_get_size(hd_mig_sink_data(s, 0)), ==, 3);
    hd_mig_sink_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/stream/round-trip", test_round_trip);
    g_test_add_func("/migration/stream/refusals", test_refusals);
    g_test_add_func("/migration/stream/memory-sink", test_memory_sink);
    return g_test_run();
}
