/*
 * qtest wire conformance on the real hostdev (q35): the replies QEMU's qtest server gives,
 * byte for byte (read and in widths, clock_step/clock_set, write excess), and interrupt
 * interception as QEMU's libqtest uses it (partial path "ioapic", lines high before it).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "libqtest.h"

#define RAM_ADDR 0x1000

#define assert_raw(s, line, expected)                                                             \
    do {                                                                                          \
        g_autofree char *got_ = qtest_raw(s, line);                                               \
        g_assert_cmpstr(got_, ==, expected);                                                      \
    } while (0)

static QTestState *start(void)
{
    return qtest_init("-M q35 -m 64M -nodefaults");
}

static char *log_text(QTestState *s)
{
    char *text = NULL;

    g_assert_true(g_file_get_contents(qtest_log_path(s), &text, NULL, NULL));
    return text;
}

/* readb/w/l/q answer sixteen hex digits, inb/w/l at least four, as QEMU formats them. */
static void test_reply_widths(void)
{
    g_autoptr(QTestState) s = start();

    assert_raw(s, "writeq 0x1000 0x8877665544332211", "OK");
    assert_raw(s, "readb 0x1000", "OK 0x0000000000000011");
    assert_raw(s, "readw 0x1000", "OK 0x0000000000002211");
    assert_raw(s, "readl 0x1000", "OK 0x0000000044332211");
    assert_raw(s, "readq 0x1000", "OK 0x8877665544332211");
    assert_raw(s, "read 0x1000 3", "OK 0x112233");
    assert_raw(s, "b64read 0x1000 3", "OK ESIz");

    /* The q35 host bridge's vendor and device id through CF8/CFC. */
    assert_raw(s, "outl 0xcf8 0x80000000", "OK");
    assert_raw(s, "inb 0xcfc", "OK 0x0086");
    assert_raw(s, "inw 0xcfc", "OK 0x8086");
    assert_raw(s, "inl 0xcfc", "OK 0x29c08086");
    assert_raw(s, "inb 0xcfe", "OK 0x00c0");
}

/* write and b64write ignore data past SIZE; data shorter than 3 characters is an ERR. */
static void test_write_excess(void)
{
    g_autoptr(QTestState) s = start();

    assert_raw(s, "write 0x1000 2 0xa1b2c3d4", "OK");
    assert_raw(s, "read 0x1000 4", "OK 0xa1b20000");
    assert_raw(s, "write 0x1000 1 0x5566f", "OK"); /* the odd digit is past SIZE too */
    assert_raw(s, "read 0x1000 2", "OK 0x55b2");
    assert_raw(s, "write 0x1000 4 0x11", "OK"); /* short data: zeroes */
    assert_raw(s, "read 0x1000 4", "OK 0x11000000");
    assert_raw(s, "b64write 0x1000 2 ESIzRA==", "OK"); /* 11 22 33 44 */
    assert_raw(s, "read 0x1000 4", "OK 0x11220000");
    assert_raw(s, "write 0x1000 1 0x", "ERR invalid argument size");
    assert_raw(s, "b64write 0x1000 1 AA", "ERR invalid argument size");
}

/* clock_step answers OK only when time moved; clock_set never goes back and says FAIL. */
static void test_clock(void)
{
    g_autoptr(QTestState) s = start();

    assert_raw(s, "clock_step",
               "FAIL cannot advance clock to the next deadline because there is no pending "
               "deadline");
    assert_raw(s, "clock_step 0", "FAIL could not advance time");
    assert_raw(s, "clock_step 100", "OK 100");
    assert_raw(s, "clock_set 50", "FAIL 100");
    assert_raw(s, "clock_set 100", "OK 100");
    assert_raw(s, "clock_set 0x1000", "OK 4096");
    assert_raw(s, "clock_step 4", "OK 4100");
}

/* QEMU's libqtest tests intercept "ioapic": a partial path naming /machine/ioapic. */
static void test_intercept_partial_path(void)
{
    g_autoptr(QTestState) s = start();
    g_autofree char *unknown = NULL;

    qtest_irq_intercept_in(s, "ioapic");
    assert_raw(s, "irq_intercept_in /machine/ioapic", "OK"); /* the same device */
    assert_raw(s, "irq_intercept_in machine/ioapic", "OK");
    assert_raw(s, "irq_intercept_in msi", "FAIL IRQ intercept already enabled");
    unknown = qtest_raw(s, "irq_intercept_in oapic");
    g_assert_true(g_str_has_prefix(unknown, "FAIL Unknown device"));

    qtest_set_irq_in(s, "ioapic", "unnamed-gpio-in", 3, 1);
    g_assert_true(qtest_get_irq(s, 3));
    qtest_set_irq_in(s, "/machine/ioapic", "unnamed-gpio-in", 3, 0);
    g_assert_false(qtest_get_irq(s, 3));
}

/* Out of range is FAIL, not OK plus a GLib critical (fatal here, so hostdev would abort). */
static void test_set_irq_in_range(void)
{
    g_autoptr(QTestState) s = NULL;
    g_autofree char *past = NULL, *far = NULL;

    g_setenv("G_DEBUG", "fatal-criticals", TRUE);
    s = start();
    g_unsetenv("G_DEBUG");
    qtest_irq_intercept_in(s, "/machine/ioapic");
    past = qtest_raw(s, "set_irq_in /machine/ioapic unnamed-gpio-in 24 1");
    g_assert_true(g_str_has_prefix(past, "FAIL "));
    far = qtest_raw(s, "set_irq_in /machine/msi unnamed-gpio-in 4096 1");
    g_assert_true(g_str_has_prefix(far, "FAIL "));
    assert_raw(s, "set_irq_in /machine/ioapic unnamed-gpio-in 23 1", "OK");
    g_assert_true(qtest_get_irq(s, 23));
}

/*
 * QEMU's server remembers the levels it reported, starting low, and sees every set_irq_in:
 * a line raised before the intercept and raised again after it is reported as a raise.
 */
static void test_high_before_intercept(void)
{
    g_autoptr(QTestState) s = start();
    g_autofree char *log = NULL;

    qtest_set_irq_in(s, "/machine/ioapic", "unnamed-gpio-in", 5, 1);
    qtest_irq_intercept_in(s, "/machine/ioapic");
    g_assert_false(qtest_get_irq(s, 5));
    qtest_set_irq_in(s, "/machine/ioapic", "unnamed-gpio-in", 5, 1);
    g_assert_true(qtest_get_irq(s, 5));
    /* No change: not repeated. */
    qtest_set_irq_in(s, "/machine/ioapic", "unnamed-gpio-in", 5, 1);
    qtest_set_irq_in(s, "/machine/ioapic", "unnamed-gpio-in", 5, 0);
    g_assert_false(qtest_get_irq(s, 5));

    log = log_text(s);
    g_assert_nonnull(strstr(log, "] IRQ raise 5\n"));
    g_assert_true(strstr(log, "] IRQ raise 5\n") == g_strrstr(log, "] IRQ raise 5\n"));
    g_assert_nonnull(strstr(log, "] IRQ lower 5\n"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest-wire/reply-widths", test_reply_widths);
    g_test_add_func("/qtest-wire/write-excess", test_write_excess);
    g_test_add_func("/qtest-wire/clock", test_clock);
    g_test_add_func("/qtest-wire/intercept-partial-path", test_intercept_partial_path);
    g_test_add_func("/qtest-wire/set-irq-in-range", test_set_irq_in_range);
    g_test_add_func("/qtest-wire/high-before-intercept", test_high_before_intercept);
    return g_test_run();
}
