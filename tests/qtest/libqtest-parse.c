/*
 * libqtest parsing helpers: qtest reply lines (numbers, hex and base64 data, IRQ lines) and
 * the splitter that cuts the QMP byte stream into JSON texts.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "libqtest-parse.h"

#include <errno.h>
#include <string.h>

bool qtest_parse_number(const char *reply, uint64_t *value)
{
    const char *num;
    char *end = NULL;

    if (!g_str_has_prefix(reply, "OK ")) {
        return false;
    }
    num = reply + 3;
    if (!g_ascii_isdigit(num[0])) {
        return false;
    }
    errno = 0;
    *value = g_ascii_strtoull(num, &end, 0);
    return !errno && *end == '\0';
}

bool qtest_parse_hex_bytes(const char *reply, void *buf, size_t size)
{
    const char *hex;
    uint8_t *out = buf;

    if (!g_str_has_prefix(reply, "OK 0x")) {
        return false;
    }
    hex = reply + 5;
    if (strlen(hex) != size * 2) {
        return false;
    }
    for (size_t i = 0; i < size; i++) {
        int hi = g_ascii_xdigit_value(hex[2 * i]), lo = g_ascii_xdigit_value(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = hi << 4 | lo;
    }
    return true;
}

bool qtest_parse_b64_bytes(const char *reply, void *buf, size_t size)
{
    g_autofree uint8_t *data = NULL;
    const char *b64;
    gsize len = 0;

    if (!g_str_has_prefix(reply, "OK ")) {
        return false;
    }
    b64 = reply + 3;
    for (const char *p = b64; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/' && *p != '=') {
            return false;
        }
    }
    if (strlen(b64) % 4) {
        return false;
    }
    data = g_base64_decode(b64, &len);
    if (len != size) {
        return false;
    }
    memcpy(buf, data, size);
    return true;
}

bool qtest_parse_irq(const char *line, int *num, bool *level)
{
    const char *rest;
    char *end = NULL;
    gint64 n;

    if (g_str_has_prefix(line, "IRQ raise ")) {
        *level = true;
        rest = line + 10;
    } else if (g_str_has_prefix(line, "IRQ lower ")) {
        *level = false;
        rest = line + 10;
    } else {
        return false;
    }
    if (!g_ascii_isdigit(rest[0])) {
        return false;
    }
    errno = 0;
    n = g_ascii_strtoll(rest, &end, 10);
    if (errno || *end != '\0' || n > G_MAXINT) {
        return false;
    }
    *num = (int)n;
    return true;
}

struct QTestJsonStream {
    GString *buf;
    size_t scan;    /* bytes of buf looked at */
    size_t start;   /* where the current text begins */
    bool active;    /* inside a text */
    bool bare;      /* the text is no object or array: it ends at the end of the line */
    bool in_string;
    bool escape;
    int depth;
};

QTestJsonStream *qtest_json_stream_new(void)
{
    QTestJsonStream *st = g_new0(QTestJsonStream, 1);

    st->buf = g_string_new(NULL);
    return st;
}

void qtest_json_stream_feed(QTestJsonStream *st, const char *data, size_t len)
{
    g_string_append_len(st->buf, data, len);
}

/* Hand out buf[start, end) and drop everything up to scan. */
static char *json_stream_take(QTestJsonStream *st, size_t end)
{
    char *text = g_strndup(st->buf->str + st->start, end - st->start);

    g_string_erase(st->buf, 0, st->scan);
    st->scan = 0;
    st->active = false;
    return g_strchomp(text);
}

char *qtest_json_stream_next(QTestJsonStream *st)
{
    while (st->scan < st->buf->len) {
        char c = st->buf->str[st->scan];

        if (!st->active) {
            if (g_ascii_isspace(c)) {
                st->scan++;
                continue;
            }
            st->active = true;
            st->start = st->scan;
            st->bare = c != '{' && c != '[';
            st->depth = 0;
            st->in_string = st->escape = false;
        }
        st->scan++;
        if (st->bare) {
            if (c == '\n') {
                return json_stream_take(st, st->scan - 1);
            }
        } else if (st->in_string) {
            if (st->escape) {
                st->escape = false;
            } else if (c == '\\') {
                st->escape = true;
            } else if (c == '"') {
                st->in_string = false;
            }
        } else if (c == '"') {
            st->in_string = true;
        } else if (c == '{' || c == '[') {
            st->depth++;
        } else if ((c == '}' || c == ']') && --st->depth == 0) {
            return json_stream_take(st, st->scan);
        }
    }
    if (!st->active) {
        g_string_truncate(st->buf, 0); /* only whitespace was left */
        st->scan = 0;
    }
    return NULL;
}

bool qtest_json_stream_pending(QTestJsonStream *st)
{
    return st->active;
}

void qtest_json_stream_free(QTestJsonStream *st)
{
    if (!st) {
        return;
    }
    g_string_free(st->buf, TRUE);
    g_free(st);
}
