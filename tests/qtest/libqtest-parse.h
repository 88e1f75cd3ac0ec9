/*
 * libqtest parsing helpers: qtest reply lines and a splitter for the QMP JSON stream.
 * Pure functions without I/O, so they are unit-tested on their own.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HOSTDEV_LIBQTEST_PARSE_H
#define HOSTDEV_LIBQTEST_PARSE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* "OK <number>" (decimal or 0x hex, nothing after it) -> true with *value set. */
bool qtest_parse_number(const char *reply, uint64_t *value);

/* "OK 0x<hex>" with exactly 2 * size digits -> true with buf filled. */
bool qtest_parse_hex_bytes(const char *reply, void *buf, size_t size);

/* "OK <base64>" decoding to exactly size bytes -> true with buf filled. */
bool qtest_parse_b64_bytes(const char *reply, void *buf, size_t size);

/* "IRQ raise N" / "IRQ lower N" -> true with *line and *level set; false for other lines. */
bool qtest_parse_irq(const char *line, int *num, bool *level);

/*
 * Splits a byte stream into top-level JSON texts (QMP messages): objects and arrays by
 * bracket depth outside strings, any other top-level text up to the end of its line.
 */
typedef struct QTestJsonStream QTestJsonStream;

/* A new, empty splitter. */
QTestJsonStream *qtest_json_stream_new(void);

/* Append len bytes received. */
void qtest_json_stream_feed(QTestJsonStream *st, const char *data, size_t len);

/* The next complete JSON text (caller frees), or NULL until more bytes arrive. */
char *qtest_json_stream_next(QTestJsonStream *st);

/* True when bytes of an incomplete text are buffered (for reporting a cut-off message). */
bool qtest_json_stream_pending(QTestJsonStream *st);

/* Free the splitter; NULL is allowed. */
void qtest_json_stream_free(QTestJsonStream *st);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QTestJsonStream, qtest_json_stream_free)

#endif /* HOSTDEV_LIBQTEST_PARSE_H */
