/*
 * Fuzz target: an incoming migration stream loaded into a q35 machine. The machine first saves
 * itself (a real migration to a memfd) to learn a valid header and config section. An input
 * whose first byte is odd is raw stream bytes after that prefix (the parser's checks); an even
 * one is a list of sections framed here with valid checksums, so the fuzzer reaches the RAM
 * and device loaders (pci-config, q35-regs, ...): [u8 name length][name][u16 LE length][bytes].
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz-machine.h"
#include "migration/migration.h"
#include "stream.h"

static GByteArray *prefix; /* header + config section of the machine's own stream */

static void learn_prefix(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *uri = NULL;
    g_autofree uint8_t *data = NULL;
    int fd = memfd_create("fuzz-migration", MFD_CLOEXEC);
    off_t len;
    size_t n;

    fuzz_machine();
    uri = g_strdup_printf("fd:%d", fd);
    if (fd < 0 || !hd_migration_start(uri, &err)) {
        abort();
    }
    for (int i = 0; i < 100000 && hd_migration_status() != HD_MIG_COMPLETED; i++) {
        g_main_context_iteration(NULL, TRUE);
    }
    len = lseek(fd, 0, SEEK_END);
    data = g_malloc(len);
    if (len < HD_MIG_HEADER_SIZE + 9 || pread(fd, data, len, 0) != len) {
        abort();
    }
    close(fd);
    n = data[HD_MIG_HEADER_SIZE + 4];
    n = HD_MIG_HEADER_SIZE + 9 + n +
        (data[HD_MIG_HEADER_SIZE + 5 + n] << 24 | data[HD_MIG_HEADER_SIZE + 6 + n] << 16 |
         data[HD_MIG_HEADER_SIZE + 7 + n] << 8 | data[HD_MIG_HEADER_SIZE + 8 + n]) + 4;
    prefix = g_byte_array_new();
    g_byte_array_append(prefix, data, (guint)n);
}

static void frame(GByteArray *out, const char *name, const uint8_t *data, size_t len)
{
    uint8_t head[9 + HD_MIG_NAME_MAX], tail[4];
    size_t head_len;

    hd_mig_section_frame(name, data, len, head, &head_len, tail);
    g_byte_array_append(out, head, (guint)head_len);
    g_byte_array_append(out, data, (guint)len);
    g_byte_array_append(out, tail, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GByteArray) s = NULL;
    g_autoptr(GError) err = NULL;
    size_t at = 1;

    if (!prefix) {
        learn_prefix();
    }
    if (size < 1) {
        return 0;
    }
    s = g_byte_array_sized_new(prefix->len + (guint)size + 64);
    g_byte_array_append(s, prefix->data, prefix->len);
    if (data[0] & 1) {
        g_byte_array_append(s, data + 1, (guint)size - 1);
    } else {
        while (at < size) {
            char name[HD_MIG_NAME_MAX + 1];
            size_t n = data[at++], len;

            if (n == 0 || n > HD_MIG_NAME_MAX || at + n + 2 > size) {
                break;
            }
            memcpy(name, data + at, n);
            name[n] = '\0';
            at += n;
            len = MIN((size_t)(data[at] | data[at + 1] << 8), size - at - 2);
            at += 2;
            if (strlen(name) == n) {
                frame(s, name, data + at, len);
            }
            at += len;
        }
        frame(s, "stream/end", (const uint8_t *)"{}", 2);
    }
    hd_migration_load_buffer(s->data, s->len, &err);
    fuzz_drain_main_loop();
    return 0;
}
