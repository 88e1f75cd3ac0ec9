/*
 * qtest server unit tests: every command and reply format, number validation, partial and
 * overlong lines, IRQ reporting and the -qtest-log format, against a fake in-memory machine.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "system/qtest.h"

#include <gio/gio.h>

#include <string.h>

#define RAM_BASE 0x1000
#define RAM_SIZE 0x10000
#define DOORBELL 0x100 /* fake: a write raises the IRQ line named by its value */

/* A fake machine: 64 KiB of RAM at RAM_BASE, 64 Ki ports, a clock, one interceptable device. */
typedef struct FakeMachine {
    QtestServer *server;
    GString *out;              /* everything the server sent */
    uint8_t ram[RAM_SIZE];
    uint32_t ports[0x10000];
    int64_t clock;
    bool no_timers;            /* clock_step without a time finds no deadline */
    int mem_failures;          /* accesses the fake reported as unassigned */
    char *set_irq_args;        /* the last set_irq_in call, formatted */
} FakeMachine;

static bool fake_mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    FakeMachine *m = opaque;
    bool ok = true;

    for (size_t i = 0; i < len; i++) {
        if (addr + i >= RAM_BASE && addr + i < RAM_BASE + RAM_SIZE) {
            ((uint8_t *)buf)[i] = m->ram[addr + i - RAM_BASE];
        } else {
            ok = false; /* leave the 0xff the server put there */
        }
    }
    m->mem_failures += !ok;
    return ok;
}

static bool fake_mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    FakeMachine *m = opaque;
    bool ok = true;

    if (addr == DOORBELL && len == 4) {
        uint32_t line;

        memcpy(&line, buf, 4);
        qtest_server_irq(m->server, line, true);
        return true;
    }
    for (size_t i = 0; i < len; i++) {
        if (addr + i >= RAM_BASE && addr + i < RAM_BASE + RAM_SIZE) {
            m->ram[addr + i - RAM_BASE] = ((const uint8_t *)buf)[i];
        } else {
            ok = false;
        }
    }
    m->mem_failures += !ok;
    return ok;
}

static uint32_t fake_pio_in(void *opaque, uint16_t port, unsigned size)
{
    FakeMachine *m = opaque;

    return port == 0xffff ? UINT32_MAX : m->ports[port] + size;
}

static void fake_pio_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    FakeMachine *m = opaque;

    m->ports[port] = value * 16 + size;
}

static int64_t fake_clock_get(void *opaque)
{
    FakeMachine *m = opaque;

    return m->clock;
}

static int64_t fake_clock_step(void *opaque, int64_t ns)
{
    FakeMachine *m = opaque;

    if (ns == QTEST_CLOCK_STEP_NEXT && m->no_timers) {
        return -1;
    }
    m->clock += ns == QTEST_CLOCK_STEP_NEXT ? 1000 : ns;
    return m->clock;
}

static int64_t fake_clock_set(void *opaque, int64_t ns)
{
    FakeMachine *m = opaque;

    m->clock = MAX(m->clock, ns);
    return m->clock;
}

static bool fake_intercept(void *opaque, const char *path, GError **errp)
{
    (void)opaque;
    if (strcmp(path, "/machine/fake")) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No such device '%s'", path);
        return false;
    }
    return true;
}

/* Partial paths as QOM resolves them: "fake" and "machine/fake" name /machine/fake. */
static char *fake_resolve(void *opaque, const char *path, GError **errp)
{
    (void)opaque;
    if (!strcmp(path, "fake") || !strcmp(path, "machine/fake")) {
        return g_strdup("/machine/fake");
    }
    if (!strcmp(path, "/machine/fake") || !strcmp(path, "/machine/other")) {
        return g_strdup(path);
    }
    g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Unknown device '%s'", path);
    return NULL;
}

static bool fake_set_irq_in(void *opaque, const char *path, const char *name, int n, int level,
                            GError **errp)
{
    FakeMachine *m = opaque;

    if (!fake_intercept(opaque, path, errp)) {
        return false;
    }
    g_free(m->set_irq_args);
    m->set_irq_args = g_strdup_printf("%s %s %d %d", path, name, n, level);
    return true;
}

static const QtestBackend fake_ops = {
    .mem_read = fake_mem_read,
    .mem_write = fake_mem_write,
    .pio_in = fake_pio_in,
    .pio_out = fake_pio_out,
    .clock_get = fake_clock_get,
    .clock_step = fake_clock_step,
    .clock_set = fake_clock_set,
    .irq_intercept_in = fake_intercept,
    .irq_intercept_out = fake_intercept,
    .set_irq_in = fake_set_irq_in,
    .resolve = fake_resolve,
};

static const QtestBackend no_ops;

static void collect(void *opaque, const char *data, size_t len)
{
    FakeMachine *m = opaque;

    g_assert_cmpint(len, >, 0);
    g_assert_cmpint(data[len - 1], ==, '\n');
    g_string_append_len(m->out, data, len);
}

static FakeMachine *fake_new(const QtestBackend *ops)
{
    FakeMachine *m = g_new0(FakeMachine, 1);

    m->out = g_string_new(NULL);
    m->server = qtest_server_new(ops, m, collect, m);
    return m;
}

static void fake_free(FakeMachine *m)
{
    qtest_server_free(m->server);
    g_string_free(m->out, TRUE);
    g_free(m->set_irq_args);
    g_free(m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeMachine, fake_free)

/* Everything sent since the last call, taken out of m->out. */
static char *take(FakeMachine *m)
{
    char *text = g_strdup(m->out->str);

    g_string_truncate(m->out, 0);
    return text;
}

/* Feed one request line and return the whole answer. */
static char *req(FakeMachine *m, const char *line)
{
    qtest_server_feed(m->server, line, strlen(line));
    qtest_server_feed(m->server, "\n", 1);
    return take(m);
}

#define assert_reply(m, line, expected)                                                           \
    do {                                                                                          \
        g_autofree char *got_ = req(m, line);                                                     \
        g_assert_cmpstr(got_, ==, expected "\n");                                                 \
    } while (0)

static void test_pio(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);

    assert_reply(m, "outb 0x10 0xab", "OK");
    g_assert_cmpuint(m->ports[0x10], ==, 0xab * 16 + 1);
    assert_reply(m, "outw 0x20 0xabcd", "OK");
    g_assert_cmpuint(m->ports[0x20], ==, 0xabcd * 16 + 2);
    assert_reply(m, "outl 65535 0xffffffff", "OK");
    /* QEMU's format for every width: at least four digits. */
    assert_reply(m, "inb 0x10", "OK 0x00b2");       /* (0xab * 16 + 1) + 1, to a byte */
    assert_reply(m, "inw 0x20", "OK 0xbcd4");       /* 0xabcd2 + 2, to a word */
    assert_reply(m, "inl 0x30", "OK 0x0004");
    assert_reply(m, "inl 0xffff", "OK 0xffffffff");
    assert_reply(m, "outb 0x10000 1", "FAIL outb: port '0x10000' out of range (at most 0xffff)");
    assert_reply(m, "outb 0x10 0x100", "FAIL outb: value '0x100' out of range (at most 0xff)");
    assert_reply(m, "outw 0x10 65536", "FAIL outw: value '65536' out of range (at most 0xffff)");
    assert_reply(m, "inw x", "FAIL inw: invalid port 'x'");
}

static void test_mem_sized(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);

    assert_reply(m, "writeq 0x1000 0x0102030405060708", "OK");
    g_assert_cmpuint(m->ram[0], ==, 0x08); /* little-endian */
    g_assert_cmpuint(m->ram[7], ==, 0x01);
    /* QEMU's format for every width: sixteen digits. */
    assert_reply(m, "readq 0x1000", "OK 0x0102030405060708");
    assert_reply(m, "readl 0x1000", "OK 0x0000000005060708");
    assert_reply(m, "readw 0x1002", "OK 0x0000000000000506");
    assert_reply(m, "readb 0x1007", "OK 0x0000000000000001");
    assert_reply(m, "writeb 0x1000 0x0", "OK");
    assert_reply(m, "writew 0x1002 0x1234", "OK");
    assert_reply(m, "writel 4100 0xdeadbeef", "OK");
    assert_reply(m, "readq 0x1000", "OK 0xdeadbeef12340700");
    assert_reply(m, "writel 0x1000 0x100000000",
                 "FAIL writel: value '0x100000000' out of range (at most 0xffffffff)");
    assert_reply(m, "writeq 0xfffffffffffffffc 1",
                 "FAIL writeq: address '0xfffffffffffffffc' wraps around the address space");
    assert_reply(m, "readl 0xfffffffffffffffe",
                 "FAIL readl: address '0xfffffffffffffffe' wraps around the address space");
    assert_reply(m, "readb 0xffffffffffffffff", "OK 0x00000000000000ff");
}

static void test_unassigned(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);

    assert_reply(m, "readl 0x200000", "OK 0x00000000ffffffff");
    assert_reply(m, "readq 0x10ffc", "OK 0xffffffff00000000");
    assert_reply(m, "writel 0x200000 5", "OK");
    assert_reply(m, "read 0xffe 4", "OK 0xffff0000");   /* half unassigned */
    assert_reply(m, "b64read 0x0 3", "OK ////");
    g_assert_cmpint(m->mem_failures, ==, 5);
}

static void test_read_write(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);
    g_autofree char *big = g_strdup_printf("read 0x1000 %d", QTEST_SERVER_MAX_ACCESS + 1);
    g_autofree char *fail_big = g_strdup_printf(
        "FAIL read: size '%d' out of range (at most 0x%x)\n", QTEST_SERVER_MAX_ACCESS + 1,
        QTEST_SERVER_MAX_ACCESS);
    g_autofree char *got = NULL;

    assert_reply(m, "write 0x1000 4 0xa1B2c3d4", "OK");
    assert_reply(m, "read 0x1000 4", "OK 0xa1b2c3d4");
    assert_reply(m, "write 0x1000 4 0x77", "OK"); /* missing bytes are zero */
    assert_reply(m, "read 0x1000 5", "OK 0x7700000000");
    assert_reply(m, "write 0x1000 0 0x", "ERR invalid argument size"); /* QEMU's reply */
    assert_reply(m, "write 0x1000 0 0x00", "OK");
    assert_reply(m, "read 0x1000 0", "OK 0x");
    assert_reply(m, "write 0x1000 2 a1b2", "FAIL write: data must start with 0x, got 'a1b2'");
    assert_reply(m, "write 0x1000 2 0xa1b", "FAIL write: odd number of hex digits (3) in data");
    assert_reply(m, "write 0x1000 1 0x66b2c", "OK"); /* as QEMU: data past SIZE is ignored */
    assert_reply(m, "read 0x1000 2", "OK 0x6600");
    assert_reply(m, "write 0x1000 2 0xa1zz", "FAIL write: invalid hex digit at data offset 2");
    assert_reply(m, "read 0xffffffffffffffff 2",
        "FAIL read: range at 0xffffffffffffffff of 2 bytes wraps around the address space");
    got = req(m, big);
    g_assert_cmpstr(got, ==, fail_big);
    g_assert_cmpuint(m->ram[0], ==, 0x66);
}

static void test_b64(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);

    assert_reply(m, "b64write 0x1000 5 aGVsbG8=", "OK");
    assert_reply(m, "read 0x1000 5", "OK 0x68656c6c6f");
    assert_reply(m, "b64read 0x1000 5", "OK aGVsbG8=");
    assert_reply(m, "b64write 0x1000 4 aGk=", "OK"); /* "hi", then zeroes */
    assert_reply(m, "read 0x1000 5", "OK 0x686900006f");
    assert_reply(m, "b64read 0x1000 0", "OK ");
    assert_reply(m, "b64write 0x1000 1 aWk=", "OK"); /* "ii": as QEMU, the excess is ignored */
    assert_reply(m, "read 0x1000 2", "OK 0x6969");
    assert_reply(m, "b64write 0x1000 1 aG", "ERR invalid argument size"); /* QEMU's reply */
    assert_reply(m, "b64write 0x1000 8 aGk", "FAIL b64write: data is not valid base64");
    assert_reply(m, "b64write 0x1000 8 a!k=", "FAIL b64write: data is not valid base64");
    assert_reply(m, "b64write 0x1000 8 a===", "FAIL b64write: data is not valid base64");
}

static void test_memset(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);
    g_autofree char *got = NULL;

    assert_reply(m, "memset 0x1001 0x2000 0x5a", "OK");
    g_assert_cmpuint(m->ram[0], ==, 0);
    g_assert_cmpuint(m->ram[1], ==, 0x5a);
    g_assert_cmpuint(m->ram[0x2000], ==, 0x5a);
    g_assert_cmpuint(m->ram[0x2001], ==, 0);
    assert_reply(m, "memset 0x1000 RAM_SIZE 0", "FAIL memset: invalid size 'RAM_SIZE'");
    assert_reply(m, "memset 0x1000 0x10 0x100",
                 "FAIL memset: value '0x100' out of range (at most 0xff)");
    assert_reply(m, "memset 0x1000 0 0", "OK");
    /* Larger than one chunk, mostly unassigned: written in pieces, still OK. */
    assert_reply(m, "memset 0 0x30000 0x11", "OK");
    g_assert_cmpuint(m->ram[RAM_SIZE - 1], ==, 0x11);
    got = req(m, "memset 0 0x100000001 0");
    g_assert_true(g_str_has_prefix(got, "FAIL memset: size '0x100000001' out of range"));
}

static void test_clock(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);

    assert_reply(m, "clock_step 100", "OK 100");
    assert_reply(m, "clock_step", "OK 1100"); /* the fake's next deadline is 1000 ns away */
    assert_reply(m, "clock_set 5000", "OK 5000");
    /* QEMU's replies when time does not move: FAIL, with the clock for clock_set. */
    assert_reply(m, "clock_set 10", "FAIL 5000");
    assert_reply(m, "clock_set 5000", "OK 5000");
    assert_reply(m, "clock_step 0", "FAIL could not advance time");
    m->no_timers = true;
    assert_reply(m, "clock_step", "FAIL cannot advance clock to the next deadline because there "
                 "is no pending deadline");
    assert_reply(m, "clock_step 0x10", "OK 5016");
    assert_reply(m, "clock_step 9223372036854775808",
                 "FAIL clock_step: time '9223372036854775808' out of range (at most "
                 "0x7fffffffffffffff)");
    assert_reply(m, "clock_set -5", "FAIL clock_set: invalid time '-5'");
    assert_reply(m, "clock_set", "FAIL clock_set: missing argument (usage: clock_set NS)");
}

static void test_numbers(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);

    assert_reply(m, "readl zz", "FAIL readl: invalid address 'zz'");
    assert_reply(m, "readl 0x10zz", "FAIL readl: invalid address '0x10zz'");
    assert_reply(m, "readl 0x", "FAIL readl: invalid address '0x'");
    assert_reply(m, "readl -1", "FAIL readl: invalid address '-1'");
    assert_reply(m, "readl +4096", "FAIL readl: invalid address '+4096'");
    assert_reply(m, "readl 0x10000000000000000",
                 "FAIL readl: invalid address '0x10000000000000000'");
    assert_reply(m, "readl 18446744073709551616",
                 "FAIL readl: invalid address '18446744073709551616'");
    assert_reply(m, "readl", "FAIL readl: missing argument (usage: readl ADDR)");
    assert_reply(m, "readl 1 2", "FAIL readl: too many arguments (usage: readl ADDR)");
    assert_reply(m, "writel 0x1000", "FAIL writel: missing argument (usage: writel ADDR VALUE)");
    assert_reply(m, "writel 4096 07", "OK"); /* octal, as strtoull with base 0 reads it */
    assert_reply(m, "readl 4096", "OK 0x0000000000000007");
    assert_reply(m, "writel 4096 08", "FAIL writel: invalid value '08'");
    assert_reply(m, "  readl\t 4096  ", "OK 0x0000000000000007");
}

static void test_unknown(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);

    assert_reply(m, "frob 1 2", "FAIL Unknown command 'frob'");
    assert_reply(m, "READL 0x1000", "FAIL Unknown command 'READL'");
    assert_reply(m, "endianness", "OK little");
    assert_reply(m, "endianness big", "FAIL endianness: too many arguments (usage: endianness)");
    assert_reply(m, "module_load block- curl",
                 "FAIL module_load: hostdev is built without loadable modules");
}

static char *ext_join(char **args, GError **errp)
{
    if (args[0] && !strcmp(args[0], "bad")) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "'bad' is refused");
        return NULL;
    }
    return g_strjoinv("+", args);
}

/* A subsystem's own command: arguments counted, its text after OK, its error after FAIL. */
static void test_ext_command(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);

    qtest_server_add_command("x_join", 1, 2, "x_join A [B]", ext_join);
    assert_reply(m, "x_join a b", "OK a+b");
    assert_reply(m, "x_join a", "OK a");
    assert_reply(m, "x_join", "FAIL x_join: missing argument (usage: x_join A [B])");
    assert_reply(m, "x_join a b c", "FAIL x_join: too many arguments (usage: x_join A [B])");
    assert_reply(m, "x_join bad", "FAIL x_join: 'bad' is refused");
    /* An empty text is a plain OK. */
    qtest_server_add_command("x_join", 0, 0, "x_join", ext_join);
    assert_reply(m, "x_join", "OK");
}

static void test_unsupported(void)
{
    static const char *const reqs[] = {
        "outb 1 1", "inl 1", "writel 0 0", "readq 0", "read 0 1", "write 0 1 0x00",
        "b64read 0 1", "b64write 0 1 AA==", "memset 0 1 0", "clock_step", "clock_set 1",
        "irq_intercept_in /machine/fake", "irq_intercept_out /machine/fake",
        "set_irq_in /machine/fake unnamed-gpio-in 0 1",
    };
    g_autoptr(FakeMachine) m = fake_new(&no_ops);

    for (size_t i = 0; i < G_N_ELEMENTS(reqs); i++) {
        g_auto(GStrv) words = g_strsplit(reqs[i], " ", 2);
        g_autofree char *expected = g_strdup_printf("FAIL %s: not supported by this machine\n",
                                                    words[0]);
        g_autofree char *got = req(m, reqs[i]);

        g_assert_cmpstr(got, ==, expected);
    }
}

static void test_partial_lines(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);
    const char *two = "writel 0x1000 0x11223344\nreadl 0x1000\r\n\n\n  \nreadb 0x1003\nread";
    g_autofree char *got = NULL;

    for (const char *p = two; *p; p++) {
        qtest_server_feed(m->server, p, 1);
    }
    got = take(m);
    g_assert_cmpstr(got, ==, "OK\nOK 0x0000000011223344\nOK 0x0000000000000011\n");
    qtest_server_feed(m->server, " 0x1000 1\nreadw 0x1000\nreadb", 28);
    g_free(got);
    got = take(m);
    g_assert_cmpstr(got, ==, "OK 0x44\nOK 0x0000000000003344\n");
    g_free(got);
    got = req(m, " 0x1001");
    g_assert_cmpstr(got, ==, "OK 0x0000000000000033\n");
    qtest_server_feed(m->server, "readb 0x1000\0junk\n", 18);
    g_free(got);
    got = take(m);
    g_assert_cmpstr(got, ==, "FAIL request contains a NUL byte\n");
}

static void test_overlong(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);
    size_t max = QTEST_SERVER_MAX_LINE - 1;
    g_autofree char *fill = g_malloc(max + 10);
    g_autofree char *expected = g_strdup_printf(
        "FAIL line too long (%zu bytes, at most %zu)\n", max + 10 + 5, max);
    g_autofree char *got = NULL;

    /* Exactly the longest line: a command padded with spaces. */
    memset(fill, ' ', max);
    memcpy(fill, "readb 0x1000", 12);
    qtest_server_feed(m->server, fill, max);
    qtest_server_feed(m->server, "\n", 1);
    got = take(m);
    g_assert_cmpstr(got, ==, "OK 0x0000000000000000\n");

    /* One byte more, fed in pieces: one FAIL, then the server carries on. */
    qtest_server_feed(m->server, "read", 4);
    qtest_server_feed(m->server, fill, max + 10);
    qtest_server_feed(m->server, "b", 1);
    g_assert_cmpuint(m->out->len, ==, 0);
    qtest_server_feed(m->server, "\nreadb 0x1000\n", 14);
    g_free(got);
    got = take(m);
    g_assert_true(g_str_has_prefix(got, expected));
    g_assert_cmpstr(got + strlen(expected), ==, "OK 0x0000000000000000\n");
}

static void test_irq(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);

    qtest_server_irq(m->server, 3, true);
    g_assert_cmpuint(m->out->len, ==, 0); /* nothing intercepted yet */
    assert_reply(m, "irq_intercept_in /machine/nope", "FAIL Unknown device '/machine/nope'");
    assert_reply(m, "irq_intercept_in", "FAIL irq_intercept_in: missing argument (usage: "
                 "irq_intercept_in QOM-PATH)");
    assert_reply(m, "irq_intercept_in fake", "OK"); /* a partial path, resolved by the machine */
    assert_reply(m, "irq_intercept_in /machine/fake", "OK"); /* the same device again: QEMU */
    assert_reply(m, "irq_intercept_in machine/fake", "OK");
    assert_reply(m, "irq_intercept_out /machine/fake", "OK");
    assert_reply(m, "irq_intercept_in /machine/other", "FAIL IRQ intercept already enabled");

    qtest_server_irq(m->server, 3, true);
    qtest_server_irq(m->server, 3, true); /* no change: not repeated */
    qtest_server_irq(m->server, 4, false); /* already low */
    qtest_server_irq(m->server, 3, false);
    qtest_server_irq(m->server, 70000, true);
    g_assert_cmpstr(m->out->str, ==, "IRQ raise 3\nIRQ lower 3\nIRQ raise 70000\n");
    g_string_truncate(m->out, 0);

    /* An IRQ raised while a command runs comes before its reply. */
    assert_reply(m, "writel 0x100 5", "IRQ raise 5\nOK");
}

static void test_irq_out(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);

    assert_reply(m, "irq_intercept_out /machine/fake", "OK");
    qtest_server_irq(m->server, 0, true);
    g_assert_cmpstr(m->out->str, ==, "IRQ raise 0\n");
}

static void test_set_irq_in(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);

    assert_reply(m, "set_irq_in /machine/fake unnamed-gpio-in 2 1", "OK");
    g_assert_cmpstr(m->set_irq_args, ==, "/machine/fake unnamed-gpio-in 2 1");
    assert_reply(m, "set_irq_in /machine/fake sysbus-irq 0x3 -1", "OK");
    g_assert_cmpstr(m->set_irq_args, ==, "/machine/fake sysbus-irq 3 -1");
    assert_reply(m, "set_irq_in /machine/x a 0 0", "FAIL Unknown device '/machine/x'");
    assert_reply(m, "set_irq_in fake b 1 1", "OK"); /* the machine gets the resolved path */
    g_assert_cmpstr(m->set_irq_args, ==, "/machine/fake b 1 1");
    assert_reply(m, "set_irq_in /machine/fake a 0 high", "FAIL set_irq_in: invalid level 'high'");
    assert_reply(m, "set_irq_in /machine/fake a 0 4294967296",
                 "FAIL set_irq_in: invalid level '4294967296'");
    assert_reply(m, "set_irq_in /machine/fake a -1 0", "FAIL set_irq_in: invalid line number '-1'");
    assert_reply(m, "set_irq_in /machine/fake a 1",
                 "FAIL set_irq_in: missing argument (usage: set_irq_in QOM-PATH NAME NUM LEVEL)");
}

static void test_log(void)
{
    g_autoptr(FakeMachine) m = fake_new(&fake_ops);
    g_autoptr(GRegex) re = g_regex_new("^\\[([RS]) \\+\\d+\\.\\d{6}\\] (.*)$", 0, 0, NULL);
    static const char *const expected[] = {
        "R readl 0x1000", "S OK 0x0000000000000000", "R irq_intercept_in /machine/fake", "S OK",
        "S IRQ raise 1", "R frob", "S FAIL Unknown command 'frob'", "R <1048576 bytes dropped>",
        "S FAIL line too long (1048576 bytes, at most 1048575)",
    };
    g_autofree char *text = NULL;
    g_autofree char *junk = g_malloc0(QTEST_SERVER_MAX_LINE);
    g_auto(GStrv) lines = NULL;
    size_t size = 0;
    FILE *log = open_memstream(&text, &size);

    qtest_server_set_log(m->server, log);
    g_free(req(m, "readl 0x1000"));
    g_free(req(m, "irq_intercept_in /machine/fake"));
    qtest_server_irq(m->server, 1, true);
    g_free(req(m, "frob"));
    memset(junk, 'x', QTEST_SERVER_MAX_LINE);
    qtest_server_feed(m->server, junk, QTEST_SERVER_MAX_LINE);
    qtest_server_feed(m->server, "\n", 1);
    qtest_server_set_log(m->server, NULL);
    g_free(req(m, "readl 0x1000")); /* not logged */
    fclose(log);

    lines = g_strsplit(text, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, G_N_ELEMENTS(expected) + 1);
    for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
        g_autoptr(GMatchInfo) match = NULL;
        g_autofree char *dir = NULL, *body = NULL, *both = NULL;

        g_assert_true(g_regex_match(re, lines[i], 0, &match));
        dir = g_match_info_fetch(match, 1);
        body = g_match_info_fetch(match, 2);
        both = g_strdup_printf("%s %s", dir, body);
        g_assert_cmpstr(both, ==, expected[i]);
    }
    g_assert_cmpstr(lines[G_N_ELEMENTS(expected)], ==, "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest-server/pio", test_pio);
    g_test_add_func("/qtest-server/mem-sized", test_mem_sized);
    g_test_add_func("/qtest-server/unassigned", test_unassigned);
    g_test_add_func("/qtest-server/read-write", test_read_write);
    g_test_add_func("/qtest-server/b64", test_b64);
    g_test_add_func("/qtest-server/memset", test_memset);
    g_test_add_func("/qtest-server/clock", test_clock);
    g_test_add_func("/qtest-server/numbers", test_numbers);
    g_test_add_func("/qtest-server/unknown", test_unknown);
    g_test_add_func("/qtest-server/unsupported", test_unsupported);
    g_test_add_func("/qtest-server/ext-command", test_ext_command);
    g_test_add_func("/qtest-server/partial-lines", test_partial_lines);
    g_test_add_func("/qtest-server/overlong", test_overlong);
    g_test_add_func("/qtest-server/irq", test_irq);
    g_test_add_func("/qtest-server/irq-out", test_irq_out);
    g_test_add_func("/qtest-server/set-irq-in", test_set_irq_in);
    g_test_add_func("/qtest-server/log", test_log);
    return g_test_run();
}
