/*
 * JSON stream splitter: cuts a byte stream into top-level JSON objects for QMP.
 * Input may arrive in any chunking, with or without separators; the splitter tracks strings,
 * escapes and nesting only (json-glib parses each object), and resynchronises after garbage.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MONITOR_JSON_SPLITTER_H
#define MONITOR_JSON_SPLITTER_H

#include <glib.h>
#include <stdbool.h>

#define JSON_SPLITTER_ERROR (json_splitter_error_quark())
GQuark json_splitter_error_quark(void);

typedef enum JsonSplitterError {
    JSON_SPLITTER_ERROR_NOT_OBJECT, /* a top-level value or byte that does not open an object */
    JSON_SPLITTER_ERROR_TOO_BIG,    /* an object longer than the splitter's max_size */
    JSON_SPLITTER_ERROR_TOO_DEEP,   /* nesting deeper than JSON_SPLITTER_MAX_DEPTH */
} JsonSplitterError;

/* Deepest nesting of objects and arrays passed on (keeps the recursive parser's stack small). */
#define JSON_SPLITTER_MAX_DEPTH 1024

/*
 * Called once per complete top-level object with its NUL-terminated @text (@error NULL), or
 * once per rejected input with @error set (@text NULL). It may reset the splitter, which then
 * drops the rest of the chunk being fed, but must not free it.
 */
typedef void (*JsonSplitterFunc)(void *opaque, const char *text, gsize len, const GError *error);

typedef struct JsonSplitter JsonSplitter;

/* A splitter passing objects of at most @max_size bytes to @func. */
JsonSplitter *json_splitter_new(gsize max_size, JsonSplitterFunc func, void *opaque);

/* Scan @len more bytes of the stream, calling the callback for each value that ends in them. */
void json_splitter_feed(JsonSplitter *js, const void *buf, gsize len);

/* Forget any partial value (a new connection starts a new stream). */
void json_splitter_reset(JsonSplitter *js);

/* Free the splitter and any partial value. */
void json_splitter_free(JsonSplitter *js);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(JsonSplitter, json_splitter_free)

#endif /* MONITOR_JSON_SPLITTER_H */
