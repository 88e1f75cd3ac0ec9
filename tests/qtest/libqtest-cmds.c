/*
 * libqtest qtest commands: typed wrappers that format a request, require an OK reply and
 * parse its value; guest memory transfers in hex or base64 chunks; IRQ level tracking.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "libqtest-int.h"

#include <inttypes.h>
#include <string.h>

#define HEX_MAX 64            /* transfers up to this size use read/write, larger ones base64 */
#define B64_CHUNK (192 * 1024) /* bytes per b64read/b64write: about 256 KiB of base64 */
#define MEMSET_CHUNK ((size_t)1 << 30)

/* Run request line (taken), which must answer "OK" or "OK ..."; the reply or NULL. */
static char *qtest_ok(QTestState *s, char *line)
{
    g_autofree char *req = line;
    g_autofree char *reply = qtest_transact(s, req);

    if (!reply) {
        return NULL;
    }
    if (strcmp(reply, "OK") && !g_str_has_prefix(reply, "OK ")) {
        qtest_fail(s, "qtest request '%.80s' failed: %s", req, reply);
        return NULL;
    }
    return g_steal_pointer(&reply);
}

static void qtest_ok_void(QTestState *s, char *line)
{
    g_free(qtest_ok(s, line));
}

/* Run request line (taken) answering "OK <number>" no wider than max; all-ones on failure. */
static uint64_t qtest_ok_number(QTestState *s, char *line, uint64_t max)
{
    g_autofree char *req = g_strdup(line);
    g_autofree char *reply = qtest_ok(s, line);
    uint64_t value;

    if (!reply) {
        return max;
    }
    if (!qtest_parse_number(reply, &value) || value > max) {
        qtest_fail(s, "reply to '%.80s' is not a number up to 0x%" PRIx64 ": '%.80s'", req, max,
                   reply);
        return max;
    }
    return value;
}

uint8_t qtest_readb(QTestState *s, uint64_t addr)
{
    return qtest_ok_number(s, g_strdup_printf("readb 0x%" PRIx64, addr), UINT8_MAX);
}

uint16_t qtest_readw(QTestState *s, uint64_t addr)
{
    return qtest_ok_number(s, g_strdup_printf("readw 0x%" PRIx64, addr), UINT16_MAX);
}

uint32_t qtest_readl(QTestState *s, uint64_t addr)
{
    return qtest_ok_number(s, g_strdup_printf("readl 0x%" PRIx64, addr), UINT32_MAX);
}

uint64_t qtest_readq(QTestState *s, uint64_t addr)
{
    return qtest_ok_number(s, g_strdup_printf("readq 0x%" PRIx64, addr), UINT64_MAX);
}

void qtest_writeb(QTestState *s, uint64_t addr, uint8_t value)
{
    qtest_ok_void(s, g_strdup_printf("writeb 0x%" PRIx64 " 0x%02x", addr, value));
}

void qtest_writew(QTestState *s, uint64_t addr, uint16_t value)
{
    qtest_ok_void(s, g_strdup_printf("writew 0x%" PRIx64 " 0x%04x", addr, value));
}

void qtest_writel(QTestState *s, uint64_t addr, uint32_t value)
{
    qtest_ok_void(s, g_strdup_printf("writel 0x%" PRIx64 " 0x%08" PRIx32, addr, value));
}

void qtest_writeq(QTestState *s, uint64_t addr, uint64_t value)
{
    qtest_ok_void(s, g_strdup_printf("writeq 0x%" PRIx64 " 0x%016" PRIx64, addr, value));
}

uint8_t qtest_inb(QTestState *s, uint16_t port)
{
    return qtest_ok_number(s, g_strdup_printf("inb 0x%x", port), UINT8_MAX);
}

uint16_t qtest_inw(QTestState *s, uint16_t port)
{
    return qtest_ok_number(s, g_strdup_printf("inw 0x%x", port), UINT16_MAX);
}

uint32_t qtest_inl(QTestState *s, uint16_t port)
{
    return qtest_ok_number(s, g_strdup_printf("inl 0x%x", port), UINT32_MAX);
}

void qtest_outb(QTestState *s, uint16_t port, uint8_t value)
{
    qtest_ok_void(s, g_strdup_printf("outb 0x%x 0x%02x", port, value));
}

void qtest_outw(QTestState *s, uint16_t port, uint16_t value)
{
    qtest_ok_void(s, g_strdup_printf("outw 0x%x 0x%04x", port, value));
}

void qtest_outl(QTestState *s, uint16_t port, uint32_t value)
{
    qtest_ok_void(s, g_strdup_printf("outl 0x%x 0x%08" PRIx32, port, value));
}

void qtest_memread(QTestState *s, uint64_t addr, void *buf, size_t size)
{
    uint8_t *out = buf;

    memset(buf, 0xff, size); /* what a failed read leaves */
    for (size_t done = 0, n; done < size; done += n) {
        bool hex = size <= HEX_MAX;
        g_autofree char *req = NULL, *reply = NULL;

        n = MIN(size - done, B64_CHUNK);
        req = g_strdup_printf("%s 0x%" PRIx64 " 0x%zx", hex ? "read" : "b64read", addr + done, n);
        reply = qtest_ok(s, g_strdup(req));
        if (!reply) {
            return;
        }
        if (hex ? !qtest_parse_hex_bytes(reply, out + done, n)
                : !qtest_parse_b64_bytes(reply, out + done, n)) {
            qtest_fail(s, "reply to '%.80s' is not %zu bytes of %s data: '%.80s'", req, n,
                       hex ? "hex" : "base64", reply);
            return;
        }
    }
}

void qtest_memwrite(QTestState *s, uint64_t addr, const void *buf, size_t size)
{
    const uint8_t *in = buf;

    if (size && size <= HEX_MAX) {
        g_autoptr(GString) req = g_string_new(NULL);

        g_string_printf(req, "write 0x%" PRIx64 " 0x%zx 0x", addr, size);
        for (size_t i = 0; i < size; i++) {
            g_string_append_printf(req, "%02x", in[i]);
        }
        qtest_ok_void(s, g_string_free(g_steal_pointer(&req), FALSE));
        return;
    }
    for (size_t done = 0, n; done < size && !s->broken; done += n) {
        g_autofree char *b64 = NULL;

        n = MIN(size - done, B64_CHUNK);
        b64 = g_base64_encode(in + done, n);
        qtest_ok_void(s, g_strdup_printf("b64write 0x%" PRIx64 " 0x%zx %s", addr + done, n, b64));
    }
}

void qtest_memset(QTestState *s, uint64_t addr, uint8_t value, size_t size)
{
    for (size_t done = 0, n; done < size && !s->broken; done += n) {
        n = MIN(size - done, MEMSET_CHUNK);
        qtest_ok_void(s, g_strdup_printf("memset 0x%" PRIx64 " 0x%zx 0x%02x", addr + done, n,
                                         value));
    }
}

int64_t qtest_clock_step(QTestState *s, int64_t ns)
{
    g_assert_cmpint(ns, >=, 0);
    return qtest_ok_number(s, g_strdup_printf("clock_step %" PRIi64, ns), INT64_MAX);
}

int64_t qtest_clock_step_next(QTestState *s)
{
    return qtest_ok_number(s, g_strdup("clock_step"), INT64_MAX);
}

int64_t qtest_clock_set(QTestState *s, int64_t ns)
{
    g_assert_cmpint(ns, >=, 0);
    return qtest_ok_number(s, g_strdup_printf("clock_set %" PRIi64, ns), INT64_MAX);
}

void qtest_irq_intercept_in(QTestState *s, const char *qom_path)
{
    qtest_ok_void(s, g_strdup_printf("irq_intercept_in %s", qom_path));
}

void qtest_irq_intercept_out(QTestState *s, const char *qom_path)
{
    qtest_ok_void(s, g_strdup_printf("irq_intercept_out %s", qom_path));
}

void qtest_set_irq_in(QTestState *s, const char *qom_path, const char *name, int num,
                      int level)
{
    qtest_ok_void(s, g_strdup_printf("set_irq_in %s %s %d %d", qom_path, name, num, level));
}

bool qtest_get_irq(QTestState *s, int num)
{
    /* Any reply comes after the IRQ lines sent before it; endianness changes nothing. */
    qtest_ok_void(s, g_strdup("endianness"));
    return g_hash_table_contains(s->irqs_raised, GINT_TO_POINTER(num));
}

void qtest_irq_wait(QTestState *s, int num, bool level)
{
    g_autofree char *what = g_strdup_printf("IRQ %d to be %s", num, level ? "raised" : "lowered");
    gint64 deadline;

    if (qtest_get_irq(s, num) == level) {
        return;
    }
    deadline = qtest_deadline();
    while (!s->broken && g_hash_table_contains(s->irqs_raised, GINT_TO_POINTER(num)) != level) {
        g_autofree char *line = qtest_read_line(s, what, deadline);

        if (!line) {
            return;
        }
        if (!g_str_has_prefix(line, "IRQ ")) {
            qtest_fail(s, "hostdev sent '%.80s' with no request pending (waiting for %s)", line,
                       what);
            return;
        }
        qtest_note_irq(s, line);
    }
}
