/*
 * JSON stream splitter: finds where each top-level value ends by tracking strings (double or
 * single quoted, as json-glib accepts both), escapes and the depth of braces and brackets.
 * Objects are passed on whole; anything else is reported once and skipped.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor/json-splitter.h"

/* A buffer grown past this is given back after the object it held. */
#define KEEP_BUFFER_BYTES 65536

G_DEFINE_QUARK(hostdev-json-splitter-error-quark, json_splitter_error)

typedef enum Mode {
    MODE_IDLE,    /* between values */
    MODE_GARBAGE, /* skipping bytes that start no value, up to whitespace or a value start */
    MODE_VALUE,   /* inside a value */
} Mode;

struct JsonSplitter {
    JsonSplitterFunc func;
    void *opaque;
    gsize max_size;
    GString *buf;
    Mode mode;
    bool discarding; /* the value was rejected: find its end, keep nothing */
    gsize depth;     /* open braces and brackets */
    char quote;      /* the quote of the string we are in, or 0 */
    bool escape;     /* the previous byte was a backslash inside a string */
    guint generation; /* bumped by reset, so feed notices a reset from the callback */
};

JsonSplitter *json_splitter_new(gsize max_size, JsonSplitterFunc func, void *opaque)
{
    JsonSplitter *js = g_new0(JsonSplitter, 1);

    js->func = func;
    js->opaque = opaque;
    js->max_size = max_size;
    js->buf = g_string_new(NULL);
    return js;
}

void json_splitter_reset(JsonSplitter *js)
{
    if (js->buf->allocated_len > KEEP_BUFFER_BYTES) {
        g_string_free(js->buf, TRUE);
        js->buf = g_string_new(NULL);
    }
    g_string_truncate(js->buf, 0);
    js->mode = MODE_IDLE;
    js->discarding = false;
    js->depth = 0;
    js->quote = 0;
    js->escape = false;
    js->generation++;
}

void json_splitter_free(JsonSplitter *js)
{
    if (js) {
        g_string_free(js->buf, TRUE);
        g_free(js);
    }
}

static void report(JsonSplitter *js, JsonSplitterError code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void report(JsonSplitter *js, JsonSplitterError code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_autoptr(GError) err = g_error_new_valist(JSON_SPLITTER_ERROR, code, fmt, ap);
    va_end(ap);
    js->func(js->opaque, NULL, 0, err);
}

static bool is_space(guint8 c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* At a value boundary: open a value on @c, or report @c as garbage. */
static void start_value(JsonSplitter *js, guint8 c)
{
    if (c == '{' || c == '[' || c == '"' || c == '\'') {
        js->mode = MODE_VALUE;
        js->depth = c == '{' || c == '[';
        js->quote = js->depth ? 0 : c;
        js->discarding = c != '{';
        g_string_truncate(js->buf, 0);
        if (c == '{') {
            g_string_append_c(js->buf, c);
        } else {
            report(js, JSON_SPLITTER_ERROR_NOT_OBJECT, "Expected a JSON object, got %s",
                   c == '[' ? "an array" : "a string");
        }
    } else if (js->mode != MODE_GARBAGE) {
        js->mode = MODE_GARBAGE;
        if (g_ascii_isprint(c)) {
            report(js, JSON_SPLITTER_ERROR_NOT_OBJECT, "Expected a JSON object, got '%c'", c);
        } else {
            report(js, JSON_SPLITTER_ERROR_NOT_OBJECT,
                   "Expected a JSON object, got byte 0x%02x", c);
        }
    }
}

/* Inside a value: track strings and nesting; true when @c ends the value. */
static bool track(JsonSplitter *js, guint8 c)
{
    if (js->quote) {
        if (js->escape) {
            js->escape = false;
        } else if (c == '\\') {
            js->escape = true;
        } else if (c == js->quote) {
            js->quote = 0;
        }
    } else if (c == '"' || c == '\'') {
        js->quote = c;
    } else if (c == '{' || c == '[') {
        if (++js->depth > JSON_SPLITTER_MAX_DEPTH && !js->discarding) {
            js->discarding = true;
            report(js, JSON_SPLITTER_ERROR_TOO_DEEP,
                   "JSON object nests deeper than %d levels: flatten the request",
                   JSON_SPLITTER_MAX_DEPTH);
        }
    } else if (c == '}' || c == ']') {
        js->depth--;
    }
    return !js->quote && !js->depth;
}

/* One byte of a value; false when the callback reset the splitter. */
static bool feed_value_byte(JsonSplitter *js, guint8 c)
{
    guint generation = js->generation;
    bool end = track(js, c);

    if (js->generation != generation) {
        return false;
    }
    if (!js->discarding) {
        g_string_append_c(js->buf, c);
        if (js->buf->len > js->max_size) {
            js->discarding = true;
            /* Nothing more is kept of this value: give the memory back now, not at its end. */
            g_string_free(js->buf, TRUE);
            js->buf = g_string_new(NULL);
            report(js, JSON_SPLITTER_ERROR_TOO_BIG,
                   "JSON object is larger than %" G_GSIZE_FORMAT " bytes: split the request",
                   js->max_size);
            if (js->generation != generation) {
                return false;
            }
        }
    }
    if (end) {
        if (!js->discarding) {
            js->func(js->opaque, js->buf->str, js->buf->len, NULL);
            if (js->generation != generation) {
                return false;
            }
        }
        json_splitter_reset(js);
    }
    return true;
}

void json_splitter_feed(JsonSplitter *js, const void *data, gsize len)
{
    const guint8 *p = data;

    for (gsize i = 0; i < len; i++) {
        guint generation = js->generation;

        if (js->mode == MODE_VALUE) {
            if (!feed_value_byte(js, p[i])) {
                return;
            }
        } else if (is_space(p[i])) {
            js->mode = MODE_IDLE;
        } else {
            start_value(js, p[i]);
            if (js->generation != generation) {
                return;
            }
        }
    }
}
