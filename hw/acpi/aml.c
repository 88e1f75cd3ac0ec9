/*
 * AML encoding (ACPI 6.5, chapter 20): package lengths, name strings, data objects and the
 * resource descriptors of a PCI host bridge's _CRS. Containers carry a marker byte in front
 * of their body until aml_end() encodes the real package length.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "hw/acpi/aml.h"

#define OP_ZERO 0x00
#define OP_ONE 0x01
#define OP_NAME 0x08
#define OP_BYTE 0x0a
#define OP_WORD 0x0b
#define OP_DWORD 0x0c
#define OP_STRING 0x0d
#define OP_QWORD 0x0e
#define OP_SCOPE 0x10
#define OP_BUFFER 0x11
#define OP_PACKAGE 0x12
#define OP_METHOD 0x14
#define OP_ARG0 0x68
#define OP_OR 0x7d
#define OP_CREATE_DWORD_FIELD 0x8a
#define OP_LEQUAL 0x93
#define OP_IF 0xa0
#define OP_RETURN 0xa4
#define OP_EXT 0x5b
#define OP_DEVICE 0x82

void aml_append_le(GByteArray *a, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint8_t b = i < 8 ? (uint8_t)(v >> (8 * i)) : 0; /* past 8 bytes: zero padding */

        g_byte_array_append(a, &b, 1);
    }
}

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    while (len--) {
        sum += *p++;
    }
    return (uint8_t)-sum;
}


static void put_byte(GByteArray *a, uint8_t b)
{
    g_byte_array_append(a, &b, 1);
}

/* A NameString: "\\" root prefix, and one or two 4-character segments joined by '.'. */
static void put_name(GByteArray *a, const char *name)
{
    g_auto(GStrv) segs = NULL;
    guint n;

    if (name[0] == '\\') {
        put_byte(a, '\\');
        name++;
    }
    segs = g_strsplit(name, ".", -1);
    n = g_strv_length(segs);
    if (n == 2) {
        put_byte(a, 0x2e); /* DualNamePrefix */
    } else if (n > 2) {
        put_byte(a, 0x2f); /* MultiNamePrefix */
        put_byte(a, (uint8_t)n);
    }
    for (guint i = 0; i < n; i++) {
        char seg[4] = { '_', '_', '_', '_' };

        memcpy(seg, segs[i], MIN(strlen(segs[i]), 4u));
        g_byte_array_append(a, (const guint8 *)seg, 4);
    }
}

/* The PkgLength of a body of @len bytes (the encoding counts itself). */
static void pkg_length(GByteArray *out, size_t len)
{
    if (len + 1 < 0x40) {
        put_byte(out, (uint8_t)(len + 1));
        return;
    }
    for (unsigned extra = 1; extra <= 3; extra++) {
        size_t total = len + 1 + extra;

        if (total < (1u << (4 + 8 * extra))) {
            put_byte(out, (uint8_t)((extra << 6) | (total & 0xf)));
            aml_append_le(out, total >> 4, extra);
            return;
        }
    }
}

Aml *aml_int(uint64_t v)
{
    Aml *a = g_byte_array_new();

    if (v == 0 || v == 1) {
        put_byte(a, v ? OP_ONE : OP_ZERO);
    } else if (v <= 0xff) {
        put_byte(a, OP_BYTE);
        aml_append_le(a, v, 1);
    } else if (v <= 0xffff) {
        put_byte(a, OP_WORD);
        aml_append_le(a, v, 2);
    } else if (v <= 0xffffffffu) {
        put_byte(a, OP_DWORD);
        aml_append_le(a, v, 4);
    } else {
        put_byte(a, OP_QWORD);
        aml_append_le(a, v, 8);
    }
    return a;
}

Aml *aml_string(const char *s)
{
    Aml *a = g_byte_array_new();

    put_byte(a, OP_STRING);
    g_byte_array_append(a, (const guint8 *)s, strlen(s) + 1);
    return a;
}

static uint8_t hexval(char c)
{
    return (uint8_t)g_ascii_xdigit_value(c);
}

Aml *aml_eisaid(const char *id)
{
    Aml *a = g_byte_array_new();
    uint8_t c1 = id[0] & 0x1f, c2 = id[1] & 0x1f, c3 = id[2] & 0x1f;
    uint8_t b[4] = {
        (uint8_t)((c1 << 2) | (c2 >> 3)),
        (uint8_t)((c2 << 5) | c3),
        (uint8_t)((hexval(id[3]) << 4) | hexval(id[4])),
        (uint8_t)((hexval(id[5]) << 4) | hexval(id[6])),
    };

    put_byte(a, OP_DWORD);
    g_byte_array_append(a, b, 4);
    return a;
}

Aml *aml_name_decl(const char *name, Aml *object)
{
    Aml *a = g_byte_array_new();

    put_byte(a, OP_NAME);
    put_name(a, name);
    aml_append(a, object);
    return a;
}

/*
 * A container under construction: [opcode bytes][0xff marker][header len][name or count][body]
 * aml_end() replaces the marker with the body's PkgLength.
 */
static Aml *container(const uint8_t *op, unsigned oplen, const char *name, int count)
{
    Aml *a = g_byte_array_new();
    uint8_t hdr = (uint8_t)oplen;

    put_byte(a, hdr);
    g_byte_array_append(a, op, oplen);
    if (name) {
        put_name(a, name);
    }
    if (count >= 0) {
        put_byte(a, (uint8_t)count);
    }
    return a;
}

Aml *aml_scope(const char *name)
{
    static const uint8_t op[] = { OP_SCOPE };

    return container(op, 1, name, -1);
}

Aml *aml_device(const char *name)
{
    static const uint8_t op[] = { OP_EXT, OP_DEVICE };

    return container(op, 2, name, -1);
}

Aml *aml_package(uint8_t elements)
{
    static const uint8_t op[] = { OP_PACKAGE };

    return container(op, 1, NULL, elements);
}

Aml *aml_end(Aml *c)
{
    unsigned oplen = c->data[0];
    size_t body = c->len - 1 - oplen;
    GByteArray *out = g_byte_array_sized_new((guint)c->len + 4);

    g_byte_array_append(out, c->data + 1, oplen);
    pkg_length(out, body);
    g_byte_array_append(out, c->data + 1 + oplen, (guint)body);
    g_byte_array_unref(c);
    return out;
}

Aml *aml_method(const char *name, unsigned nargs)
{
    static const uint8_t op[] = { OP_METHOD };

    /* MethodFlags: argument count, not serialized, sync level 0. */
    return container(op, 1, name, (int)(nargs & 7));
}

Aml *aml_if(Aml *predicate)
{
    static const uint8_t op[] = { OP_IF };
    Aml *a = container(op, 1, NULL, -1);

    aml_append(a, predicate);
    return a;
}

Aml *aml_name(const char *name)
{
    Aml *a = g_byte_array_new();

    put_name(a, name);
    return a;
}

Aml *aml_arg(unsigned n)
{
    Aml *a = g_byte_array_new();

    put_byte(a, (uint8_t)(OP_ARG0 + (n & 7)));
    return a;
}

/* An operator followed by its operands, each taken over. */
static Aml *op_with(uint8_t op, Aml *x, Aml *y, Aml *z)
{
    Aml *a = g_byte_array_new();

    put_byte(a, op);
    aml_append(a, x);
    if (y) {
        aml_append(a, y);
    }
    if (z) {
        aml_append(a, z);
    }
    return a;
}

Aml *aml_return(Aml *value)
{
    return op_with(OP_RETURN, value, NULL, NULL);
}

Aml *aml_lequal(Aml *a, Aml *b)
{
    return op_with(OP_LEQUAL, a, b, NULL);
}

Aml *aml_or(Aml *a, Aml *b, Aml *target)
{
    return op_with(OP_OR, a, b, target);
}

Aml *aml_create_dword_field(Aml *buffer, Aml *index, const char *name)
{
    return op_with(OP_CREATE_DWORD_FIELD, buffer, index, aml_name(name));
}

Aml *aml_uuid(const char *uuid)
{
    uint8_t b[16];
    /* ToUUID byte order: the first three groups little-endian, the rest as written. */
    static const int order[16] = { 6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34 };

    g_assert(strlen(uuid) == 36);
    for (int i = 0; i < 16; i++) {
        b[i] = (uint8_t)((hexval(uuid[order[i]]) << 4) | hexval(uuid[order[i] + 1]));
    }
    return aml_buffer(b, sizeof(b));
}

Aml *aml_buffer(const uint8_t *data, size_t len)
{
    Aml *a = g_byte_array_new();
    Aml *size = aml_int(len);
    size_t body = size->len + len;

    put_byte(a, OP_BUFFER);
    pkg_length(a, body);
    aml_append(a, size);
    g_byte_array_append(a, data, (guint)len);
    return a;
}

void aml_append(Aml *parent, Aml *child)
{
    g_byte_array_append(parent, child->data, child->len);
    g_byte_array_unref(child);
}

/* Address space descriptors: producer, min and max fixed, positive decode. */
#define ADDR_FLAGS 0x0c

/* A Word Address Space descriptor of @type (1: I/O, 2: bus numbers) for [min, max]. */
static void word_range(GByteArray *r, uint8_t type, uint8_t type_flags, uint16_t min,
                       uint16_t max)
{
    put_byte(r, 0x88);
    aml_append_le(r, 13, 2);
    put_byte(r, type);
    put_byte(r, ADDR_FLAGS);
    put_byte(r, type_flags);
    aml_append_le(r, 0, 2);
    aml_append_le(r, min, 2);
    aml_append_le(r, max, 2);
    aml_append_le(r, 0, 2);
    aml_append_le(r, (uint32_t)max - min + 1, 2);
}

void aml_res_word_bus(GByteArray *r, uint16_t min, uint16_t max)
{
    word_range(r, 2, 0, min, max);
}

void aml_res_io(GByteArray *r, uint16_t base, uint8_t len)
{
    put_byte(r, 0x47);
    put_byte(r, 1); /* 16-bit decode */
    aml_append_le(r, base, 2);
    aml_append_le(r, base, 2);
    put_byte(r, 1);
    put_byte(r, len);
}

void aml_res_word_io(GByteArray *r, uint16_t min, uint16_t max)
{
    word_range(r, 1, 3 /* entire range */, min, max);
}

void aml_res_dword_mem(GByteArray *r, uint32_t min, uint32_t max)
{
    put_byte(r, 0x87);
    aml_append_le(r, 23, 2);
    put_byte(r, 0); /* memory range */
    put_byte(r, ADDR_FLAGS);
    put_byte(r, 1); /* read-write, non-cacheable */
    aml_append_le(r, 0, 4);
    aml_append_le(r, min, 4);
    aml_append_le(r, max, 4);
    aml_append_le(r, 0, 4);
    aml_append_le(r, (uint64_t)max - min + 1, 4);
}

void aml_res_qword_mem(GByteArray *r, uint64_t min, uint64_t max)
{
    put_byte(r, 0x8a);
    aml_append_le(r, 43, 2);
    put_byte(r, 0);
    put_byte(r, ADDR_FLAGS);
    put_byte(r, 1);
    aml_append_le(r, 0, 8);
    aml_append_le(r, min, 8);
    aml_append_le(r, max, 8);
    aml_append_le(r, 0, 8);
    aml_append_le(r, max - min + 1, 8);
}

void aml_res_mem32_fixed(GByteArray *r, uint32_t base, uint32_t len)
{
    put_byte(r, 0x86);
    aml_append_le(r, 9, 2);
    put_byte(r, 1); /* read-write */
    aml_append_le(r, base, 4);
    aml_append_le(r, len, 4);
}

void aml_resource_end(GByteArray *r)
{
    put_byte(r, 0x79);
    put_byte(r, 0);
}
