/*
 * Migration of the emulated PC devices between two real hostdev processes (qtest accelerator):
 * a 16550A programmed as Linux's 8250 driver leaves it (divisor, line control, scratch, FIFO,
 * interrupts enabled, bytes in the receive FIFO, THRE and modem-status interrupts pending, its
 * IRQ raised) and the chipset's CF8 latch and RST_CNT read back the same on the destination;
 * another COM port on the destination is refused by name.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "libqtest.h"

#define ARGS "-M q35 -m 64M -nodefaults -serial null "
#define COM1 0x3f8
#define RBR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7
#define UART_IRQ 4
#define CF8_VALUE 0x80000000u /* bus 0, device 0 (the mch), register 0 */

static void migrate(QTestState *src, const char *uri)
{
    g_autoptr(JsonObject) done = NULL;

    json_node_unref(qtest_qmp_assert_success(
        src, "{'execute': 'migrate', 'arguments': {'uri': '%s'}}", uri));
    done = qtest_migrate_wait(src, "completed", "failed");
    g_assert_cmpstr(json_object_get_string_member(done, "status"), ==, "completed");
}

/*
 * Program COM1 as a guest would and leave work pending: loopback (so written bytes land in the
 * receive FIFO), RTS/DTR toggled (modem-status change pending), THRE pending behind the data.
 * Only writes: a read would acknowledge something.
 */
static void program_uart(QTestState *s)
{
    qtest_outb(s, COM1 + LCR, 0x80); /* DLAB */
    qtest_outb(s, COM1 + RBR, 0x01); /* divisor 1: 115200 baud */
    qtest_outb(s, COM1 + IER, 0x00);
    qtest_outb(s, COM1 + LCR, 0x1b); /* 8 bits, even parity */
    qtest_outb(s, COM1 + SCR, 0x5a);
    qtest_outb(s, COM1 + FCR, 0x07); /* FIFO on, both cleared */
    qtest_outb(s, COM1 + MCR, 0x18); /* OUT2 (IRQ enable), loopback */
    qtest_outb(s, COM1 + MCR, 0x1b); /* + DTR, RTS: their delta bits set */
    qtest_outb(s, COM1 + IER, 0x03); /* receive data and THRE interrupts */
    qtest_outb(s, COM1 + RBR, 'h');
    qtest_outb(s, COM1 + RBR, 'd');
    qtest_outb(s, COM1 + RBR, '!');
}

/* What the guest reads back, in an order that drains and acknowledges everything. */
static void check_uart(QTestState *s)
{
    g_assert_true(qtest_get_irq(s, UART_IRQ));
    g_assert_cmphex(qtest_inb(s, COM1 + LCR), ==, 0x1b);
    g_assert_cmphex(qtest_inb(s, COM1 + SCR), ==, 0x5a);
    g_assert_cmphex(qtest_inb(s, COM1 + IER), ==, 0x03);
    g_assert_cmphex(qtest_inb(s, COM1 + MCR), ==, 0x1b);
    qtest_outb(s, COM1 + LCR, 0x9b);
    g_assert_cmphex(qtest_inb(s, COM1 + RBR), ==, 0x01);
    g_assert_cmphex(qtest_inb(s, COM1 + IER), ==, 0x00);
    qtest_outb(s, COM1 + LCR, 0x1b);
    g_assert_cmphex(qtest_inb(s, COM1 + IIR), ==, 0xc4); /* FIFO on, receive data */
    g_assert_cmphex(qtest_inb(s, COM1 + LSR), ==, 0x61); /* data ready, THR/TX empty */
    g_assert_cmphex(qtest_inb(s, COM1 + RBR), ==, 'h');
    g_assert_cmphex(qtest_inb(s, COM1 + RBR), ==, 'd');
    g_assert_cmphex(qtest_inb(s, COM1 + RBR), ==, '!');
    g_assert_cmphex(qtest_inb(s, COM1 + LSR), ==, 0x60);
    g_assert_true(qtest_get_irq(s, UART_IRQ));           /* THRE is still pending */
    g_assert_cmphex(qtest_inb(s, COM1 + IIR), ==, 0xc2); /* ... and this read acknowledges it */
    g_assert_false(qtest_get_irq(s, UART_IRQ));
    g_assert_cmphex(qtest_inb(s, COM1 + IIR), ==, 0xc1);
    g_assert_cmphex(qtest_inb(s, COM1 + MSR), ==, 0xb3); /* loopback lines + DTR/RTS deltas */
    g_assert_cmphex(qtest_inb(s, COM1 + MSR), ==, 0xb0);
    /* The UART goes on working: one more byte through the loop raises the IRQ again. */
    qtest_outb(s, COM1 + RBR, 'x');
    g_assert_true(qtest_get_irq(s, UART_IRQ));
    g_assert_cmphex(qtest_inb(s, COM1 + RBR), ==, 'x');
}

static void program_chipset(QTestState *s)
{
    qtest_outb(s, 0xcf9, 0x02); /* RST_CNT system-reset bit, no reset */
    qtest_outl(s, 0xcf8, CF8_VALUE);
}

static void check_chipset(QTestState *s)
{
    g_assert_cmphex(qtest_inb(s, 0xcf9), ==, 0x02);
    g_assert_cmphex(qtest_inl(s, 0xcf8), ==, CF8_VALUE);
    g_assert_cmphex(qtest_inl(s, 0xcfc), ==, 0x29c08086); /* the latch selects the mch */
}

static void test_unix(void)
{
    g_autofree char *dir = g_dir_make_tmp("hd-migpc-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("unix:%s/mig.sock", dir);
    g_autoptr(QTestState) src = qtest_init(ARGS);
    g_autoptr(QTestState) dst = qtest_init(ARGS "-incoming defer");

    qtest_irq_intercept_in(src, "/machine/ioapic");
    qtest_irq_intercept_in(dst, "/machine/ioapic");
    program_uart(src);
    program_chipset(src);
    g_assert_true(qtest_get_irq(src, UART_IRQ));
    g_assert_false(qtest_get_irq(dst, UART_IRQ));
    json_node_unref(qtest_qmp_assert_success(
        dst, "{'execute': 'migrate-incoming', 'arguments': {'uri': '%s'}}", uri));
    migrate(src, uri);
    json_object_unref(qtest_migrate_wait(dst, "completed", NULL));
    check_uart(dst);
    check_chipset(dst);
    /* The source, stopped after the migration, still holds the same state. */
    check_uart(src);
    check_chipset(src);
    g_unlink(uri + 5);
    g_rmdir(dir);
}

/* The destination's UART is another COM port under the same id: refused, naming both. */
static void test_other_com_port(void)
{
    g_autofree char *dir = g_dir_make_tmp("hd-migpc-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "vm.state", NULL);
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    g_autoptr(QTestState) src = qtest_init(ARGS);
    QTestState *dst = qtest_init("-M q35 -m 64M -nodefaults -chardev null,id=c1 "
                                 "-device isa-serial,chardev=c1,index=1,id=serial0 "
                                 "-incoming defer");
    g_autofree char *err = NULL;

    program_uart(src);
    json_node_unref(qtest_qmp_assert_success(src, "{'execute': 'stop'}"));
    migrate(src, uri);
    json_node_unref(qtest_qmp_assert_success(
        dst, "{'execute': 'migrate-incoming', 'arguments': {'uri': '%s'}}", uri));
    g_assert_cmpint(qtest_expect_exit(dst, &err), ==, 1);
    if (!strstr(err, "COM port index 0 (0x3f8), this one index 1 (0x2f8)")) {
        g_printerr("stderr: %s\n", err);
    }
    g_assert_nonnull(strstr(err, "COM port index 0 (0x3f8), this one index 1 (0x2f8)"));
    g_unlink(path);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration-pc/unix", test_unix);
    g_test_add_func("/migration-pc/other-com-port", test_other_com_port);
    return g_test_run();
}
