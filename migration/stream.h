/*
 * The migration stream format (docs/migration-stream.md): a header, then sections, each named,
 * length-prefixed and checksummed. Writing goes to an fd; reading is a parser fed with bytes as
 * they arrive, so the destination's main loop never blocks on the source.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_STREAM_H
#define MIGRATION_STREAM_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HD_MIG_MAGIC "HDMIGRAT"
#define HD_MIG_VERSION 1
#define HD_MIG_HEADER_SIZE 16
#define HD_MIG_SECTION_MAGIC 0x48445345u /* "HDSE" */
#define HD_MIG_NAME_MAX 200
#define HD_MIG_PAYLOAD_MAX (16u << 20)

/* The 16-byte stream header. */
void hd_mig_header_encode(uint8_t out[HD_MIG_HEADER_SIZE]);

/*
 * One section's framing around @payload: *@head_len bytes into @head (at most
 * 4 + 1 + HD_MIG_NAME_MAX + 4) and the 4-byte checksum trailer into @tail.
 */
void hd_mig_section_frame(const char *name, const void *payload, size_t len, uint8_t *head,
                          size_t *head_len, uint8_t tail[4]);

/* A parser of the stream's bytes. */
typedef struct HdMigParser HdMigParser;

/* Called for each whole, checked section; false with @errp set stops the parse. */
typedef bool (*HdMigSectionFunc)(const char *name, const uint8_t *data, size_t len, void *opaque,
                                 GError **errp);

HdMigParser *hd_mig_parser_new(HdMigSectionFunc fn, void *opaque);
void hd_mig_parser_free(HdMigParser *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HdMigParser, hd_mig_parser_free)

/*
 * Feed @len bytes; sections completed by them go to the callback. False with @errp set on a
 * stream that is not hostdev's, another version, a bad section (magic, name, length over
 * HD_MIG_PAYLOAD_MAX, checksum), or the callback's refusal; offsets in messages are the
 * stream's.
 */
bool hd_mig_parser_feed(HdMigParser *p, const uint8_t *data, size_t len, GError **errp);

/* Bytes consumed so far, and whether a section or header is half received. */
uint64_t hd_mig_parser_offset(HdMigParser *p);
bool hd_mig_parser_partial(HdMigParser *p);

/* Writes one whole section named @name to the stream; false with @errp set on failure. */
typedef bool (*HdMigWriteFunc)(const char *name, const void *data, size_t len, void *opaque,
                               GError **errp);

typedef struct HdMigSink HdMigSink;
/* A sink whose hd_mig_put() calls @write with "INSTANCE/KIND" names. */
HdMigSink *hd_mig_sink_new_stream(HdMigWriteFunc write, void *opaque);
/* The instance the next hd_mig_put() calls belong to (borrowed until changed). */
void hd_mig_sink_set_instance(HdMigSink *sink, const char *name);

#endif /* MIGRATION_STREAM_H */
