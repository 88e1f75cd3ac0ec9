/*
 * isa-serial end to end on the real hostdev binary (qtest, no KVM needed): the 16550A as
 * Linux's 8250 driver probes it (divisor latch, scratch, FIFO id, loopback with modem status),
 * output to a pty found through query-chardev and to a file, input from the pty raising IRQ 4,
 * THRE interrupts, and the chipset's reset register at 0xcf9.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "libqtest.h"

#define COM1 0x3f8
#define COM2 0x2f8
#define RBR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

/* The filename query-chardev gives for @label. */
static char *chardev_filename(QTestState *s, const char *label)
{
    g_autoptr(JsonNode) ret = qtest_qmp_assert_success(s, "{'execute': 'query-chardev'}");
    JsonArray *list = json_node_get_array(ret);

    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *c = json_array_get_object_element(list, i);

        if (!strcmp(json_object_get_string_member(c, "label"), label)) {
            return g_strdup(json_object_get_string_member(c, "filename"));
        }
    }
    return NULL;
}

static int open_pty(const char *filename)
{
    struct termios tio;
    int fd;

    g_assert_true(g_str_has_prefix(filename, "pty:/dev/pts/"));
    fd = open(filename + 4, O_RDWR | O_NOCTTY);
    g_assert_cmpint(fd, >=, 0);
    tcgetattr(fd, &tio);
    cfmakeraw(&tio);
    tcsetattr(fd, TCSANOW, &tio);
    return fd;
}

static gsize read_some(int fd, char *buf, gsize len, gsize want)
{
    gsize have = 0;

    while (have < want) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;

        if (poll(&p, 1, 5000) <= 0) {
            break;
        }
        n = read(fd, buf + have, len - have);
        if (n <= 0) {
            break;
        }
        have += (gsize)n;
    }
    return have;
}

static void test_probe_and_loopback(void)
{
    g_autoptr(QTestState) s = qtest_init("-M q35 -nodefaults -display none -serial null");

    /* Divisor latch and scratch, as autoconfig checks them. */
    qtest_outb(s, COM1 + LCR, 0x80);
    qtest_outb(s, COM1 + RBR, 0x01);
    qtest_outb(s, COM1 + IER, 0x00);
    g_assert_cmphex(qtest_inb(s, COM1 + RBR), ==, 0x01);
    qtest_outb(s, COM1 + LCR, 0x03);
    qtest_outb(s, COM1 + SCR, 0xa5);
    g_assert_cmphex(qtest_inb(s, COM1 + SCR), ==, 0xa5);
    /* FIFO enabled: IIR's top bits say 16550A; no interrupt pending. */
    qtest_outb(s, COM1 + FCR, 0x07);
    g_assert_cmphex(qtest_inb(s, COM1 + IIR), ==, 0xc1);
    g_assert_cmphex(qtest_inb(s, COM1 + LSR) & 0x60, ==, 0x60);
    /* Loopback: the modem outputs show as inputs, sent bytes come back. */
    qtest_outb(s, COM1 + MCR, 0x10 | 0x0a);
    g_assert_cmphex(qtest_inb(s, COM1 + MSR) & 0xf0, ==, 0x90);
    qtest_outb(s, COM1 + RBR, 'x');
    g_assert_cmphex(qtest_inb(s, COM1 + LSR) & 0x01, ==, 0x01);
    g_assert_cmphex(qtest_inb(s, COM1 + RBR), ==, 'x');
    g_assert_cmphex(qtest_inb(s, COM1 + LSR) & 0x01, ==, 0x00);
    /* No COM2 here: the bus floats high. */
    g_assert_cmphex(qtest_inb(s, COM2 + LSR), ==, 0xff);
}

static void test_pty_and_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("hostdev-serial-XXXXXX", NULL);
    g_autofree char *file = g_build_filename(dir, "com2.log", NULL);
    g_autofree char *args = g_strdup_printf("-M q35 -nodefaults -display none -chardev pty,id=con "
                                            "-serial chardev:con -serial file:%s",
                                            file);
    g_autoptr(QTestState) s = qtest_init(args);
    g_autofree char *filename = chardev_filename(s, "con");
    g_autofree char *com2 = chardev_filename(s, "serial1");
    g_autofree char *contents = NULL;
    g_autofree char *com2_want = g_strdup_printf("file:%s", file);
    g_autoptr(JsonNode) status = NULL;
    char buf[64] = { 0 };
    int fd;

    g_assert_nonnull(filename);
    g_assert_cmpstr(com2, ==, com2_want);
    fd = open_pty(filename);
    qtest_irq_intercept_in(s, "/machine/ioapic");

    /* Output reaches the pty. */
    for (const char *p = "hello"; *p; p++) {
        qtest_outb(s, COM1 + RBR, (uint8_t)*p);
    }
    g_assert_cmpuint(read_some(fd, buf, sizeof(buf), 5), ==, 5);
    g_assert_cmpstr(buf, ==, "hello");

    /* Input raises IRQ 4 once received data interrupts and OUT2 are on. */
    qtest_outb(s, COM1 + IER, 0x01);
    qtest_outb(s, COM1 + MCR, 0x08);
    g_assert_cmpint(write(fd, "ok", 2), ==, 2);
    qtest_irq_wait(s, 4, true);
    g_assert_cmphex(qtest_inb(s, COM1 + IIR) & 0x0f, ==, 0x04);
    g_assert_cmphex(qtest_inb(s, COM1 + RBR), ==, 'o');
    if (!(qtest_inb(s, COM1 + LSR) & 1)) {
        qtest_irq_wait(s, 4, true);
    }
    g_assert_cmphex(qtest_inb(s, COM1 + RBR), ==, 'k');
    g_assert_false(qtest_get_irq(s, 4));

    /* THRE: enabling it with the holding register empty interrupts; reading IIR acks it. */
    qtest_outb(s, COM1 + IER, 0x02);
    g_assert_true(qtest_get_irq(s, 4));
    g_assert_cmphex(qtest_inb(s, COM1 + IIR) & 0x0f, ==, 0x02);
    g_assert_false(qtest_get_irq(s, 4));
    close(fd);

    /* COM2 writes to its file. */
    for (const char *p = "com2"; *p; p++) {
        qtest_outb(s, COM2 + RBR, (uint8_t)*p);
    }
    status = qtest_qmp_assert_success(s, "{'execute': 'query-status'}");
    g_assert_true(g_file_get_contents(file, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "com2");
    g_unlink(file);
    g_rmdir(dir);
}

/* A byte write of 0x06 to 0xcf9 (the FADT's reset register) resets the machine. */
static void test_reset_register(void)
{
    g_autoptr(QTestState) s = qtest_init("-M q35 -nodefaults -display none");
    g_autoptr(JsonObject) ev = NULL;
    JsonObject *data;

    qtest_outl(s, 0xcf8, 0x80000000);
    g_assert_cmphex(qtest_inl(s, 0xcf8), ==, 0x80000000);
    qtest_outb(s, 0xcf9, 0x06);
    ev = qtest_qmp_eventwait(s, "RESET");
    data = json_object_get_object_member(ev, "data");
    g_assert_true(json_object_get_boolean_member(data, "guest"));
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==, "guest-reset");
    /* The chipset's CONFIG_ADDRESS is back at its reset value. */
    g_assert_cmphex(qtest_inl(s, 0xcf8), ==, 0);
}

/* -no-reboot: the guest's reset ends hostdev with SHUTDOWN (reason guest-reset) instead. */
static void test_no_reboot(void)
{
    g_autoptr(QTestState) s = qtest_init("-M q35 -nodefaults -display none -no-reboot");
    g_autoptr(JsonObject) ev = NULL;
    JsonObject *data;

    qtest_outb(s, 0xcf9, 0x06);
    ev = qtest_qmp_eventwait(s, "SHUTDOWN");
    data = json_object_get_object_member(ev, "data");
    g_assert_true(json_object_get_boolean_member(data, "guest"));
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==, "guest-reset");
    g_assert_null(qtest_qmp_event_take(s, "RESET"));
}

static void test_errors(void)
{
    g_autofree char *err = NULL;
    g_autoptr(QTestState) s = qtest_init("-M q35 -nodefaults -display none");
    g_autoptr(JsonObject) r = qtest_qmp(
        s, "{'execute': 'device_add', 'arguments': {'driver': 'isa-serial', 'chardev': 'nope'}}");

    g_assert_true(json_object_has_member(r, "error"));
    err = g_strdup(json_object_get_string_member(json_object_get_object_member(r, "error"),
                                                 "desc"));
    g_assert_nonnull(strstr(err, "chardev 'nope' not found"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/serial/probe-and-loopback", test_probe_and_loopback);
    g_test_add_func("/serial/pty-and-file", test_pty_and_file);
    g_test_add_func("/serial/reset-register", test_reset_register);
    g_test_add_func("/serial/no-reboot", test_no_reboot);
    g_test_add_func("/serial/errors", test_errors);
    return g_test_run();
}
