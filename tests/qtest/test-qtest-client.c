/*
 * libqtest's own tests: its parsing helpers, then the whole library against a FAKE hostdev
 * (this binary re-executed, see fake-hostdev.c) that runs the real qtest server.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fake-hostdev.h"
#include "libqtest-parse.h"
#include "libqtest.h"

#include <string.h>
#include <unistd.h>

/* ---- parsing helpers ---- */

static void test_parse_number(void)
{
    uint64_t v = 0;

    g_assert_true(qtest_parse_number("OK 0x1f", &v));
    g_assert_cmpuint(v, ==, 0x1f);
    g_assert_true(qtest_parse_number("OK 1100", &v));
    g_assert_cmpuint(v, ==, 1100);
    g_assert_true(qtest_parse_number("OK 0xffffffffffffffff", &v));
    g_assert_cmpuint(v, ==, UINT64_MAX);
    g_assert_false(qtest_parse_number("OK", &v));
    g_assert_false(qtest_parse_number("OK ", &v));
    g_assert_false(qtest_parse_number("FAIL 0x1", &v));
    g_assert_false(qtest_parse_number("OK 0x1g", &v));
    g_assert_false(qtest_parse_number("OK 0x1 2", &v));
    g_assert_false(qtest_parse_number("OK -1", &v));
    g_assert_false(qtest_parse_number("OK 0x10000000000000000", &v));
}

static void test_parse_hex(void)
{
    uint8_t buf[3] = { 0 };

    g_assert_true(qtest_parse_hex_bytes("OK 0x01aBff", buf, 3));
    g_assert_cmpmem(buf, 3, "\x01\xab\xff", 3);
    g_assert_true(qtest_parse_hex_bytes("OK 0x", buf, 0));
    g_assert_false(qtest_parse_hex_bytes("OK 0x01ab", buf, 3));    /* short */
    g_assert_false(qtest_parse_hex_bytes("OK 0x01abff00", buf, 3)); /* long */
    g_assert_false(qtest_parse_hex_bytes("OK 0x01abfg", buf, 3));
    g_assert_false(qtest_parse_hex_bytes("OK 01abff", buf, 3));
    g_assert_false(qtest_parse_hex_bytes("FAIL 0x01abff", buf, 3));
}

static void test_parse_b64(void)
{
    uint8_t buf[5] = { 0 };

    g_assert_true(qtest_parse_b64_bytes("OK aGVsbG8=", buf, 5));
    g_assert_cmpmem(buf, 5, "hello", 5);
    g_assert_true(qtest_parse_b64_bytes("OK ", buf, 0));
    g_assert_false(qtest_parse_b64_bytes("OK aGVsbG8=", buf, 4));
    g_assert_false(qtest_parse_b64_bytes("OK aGVsbG8", buf, 5));
    g_assert_false(qtest_parse_b64_bytes("OK aGV*bG8=", buf, 5));
    g_assert_false(qtest_parse_b64_bytes("FAIL aGVsbG8=", buf, 5));
}

static void test_parse_irq(void)
{
    bool level = false;
    int num = -1;

    g_assert_true(qtest_parse_irq("IRQ raise 3", &num, &level));
    g_assert_cmpint(num, ==, 3);
    g_assert_true(level);
    g_assert_true(qtest_parse_irq("IRQ lower 0", &num, &level));
    g_assert_cmpint(num, ==, 0);
    g_assert_false(level);
    g_assert_false(qtest_parse_irq("IRQ raise x", &num, &level));
    g_assert_false(qtest_parse_irq("IRQ raise -1", &num, &level));
    g_assert_false(qtest_parse_irq("IRQ raise 3 4", &num, &level));
    g_assert_false(qtest_parse_irq("IRQ raise 4294967296", &num, &level));
    g_assert_false(qtest_parse_irq("IRQ up 3", &num, &level));
    g_assert_false(qtest_parse_irq("OK", &num, &level));
}

static void test_json_stream(void)
{
    g_autoptr(QTestJsonStream) st = qtest_json_stream_new();
    const char *input = "  {\"a\": \"}{\\\"\", \"b\": [1, {\"c\": 2}]}\r\n{\"event\"";
    const char *rest = ": \"X\"}{}\n[1]garbage here\r\n\n";
    g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL, *t5 = NULL;

    g_assert_null(qtest_json_stream_next(st));
    g_assert_false(qtest_json_stream_pending(st));
    for (const char *p = input; *p; p++) {
        qtest_json_stream_feed(st, p, 1);
        if (!t1) {
            t1 = qtest_json_stream_next(st);
        }
    }
    g_assert_cmpstr(t1, ==, "{\"a\": \"}{\\\"\", \"b\": [1, {\"c\": 2}]}");
    g_assert_null(qtest_json_stream_next(st));
    g_assert_true(qtest_json_stream_pending(st));
    qtest_json_stream_feed(st, rest, strlen(rest));
    t2 = qtest_json_stream_next(st);
    t3 = qtest_json_stream_next(st);
    t4 = qtest_json_stream_next(st);
    t5 = qtest_json_stream_next(st);
    g_assert_cmpstr(t2, ==, "{\"event\": \"X\"}");
    g_assert_cmpstr(t3, ==, "{}");
    g_assert_cmpstr(t4, ==, "[1]");
    g_assert_cmpstr(t5, ==, "garbage here");
    g_assert_null(qtest_json_stream_next(st));
    g_assert_false(qtest_json_stream_pending(st));
}

/* ---- the library against the fake hostdev ---- */

static char *log_text(QTestState *s)
{
    char *text = NULL;

    g_assert_true(g_file_get_contents(qtest_log_path(s), &text, NULL, NULL));
    return text;
}

static void test_start_quit(void)
{
    QTestState *s = qtest_init(NULL);
    g_autofree char *log_path = g_strdup(qtest_log_path(s));
    g_autofree char *log = NULL;

    g_assert_cmpint(qtest_pid(s), >, 0);
    g_assert_cmpint(qtest_pid(s), !=, getpid());
    qtest_writel(s, 0x100, 1);
    log = log_text(s);
    g_assert_nonnull(strstr(log, "] writel 0x100 0x00000001\n"));
    g_assert_nonnull(strstr(log, "[S +"));
    qtest_quit(s);
    if (!g_getenv("HOSTDEV_QTEST_KEEP")) {
        g_assert_false(g_file_test(log_path, G_FILE_TEST_EXISTS));
    }
}

static void test_qtest_ops(void)
{
    g_autoptr(QTestState) s = qtest_init(NULL);
    g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *log = NULL;

    qtest_writeb(s, 0x10, 0xab);
    qtest_writew(s, 0x12, 0xcdef);
    qtest_writel(s, 0x14, 0x12345678);
    qtest_writeq(s, 0x18, 0x0102030405060708ull);
    g_assert_cmphex(qtest_readb(s, 0x10), ==, 0xab);
    g_assert_cmphex(qtest_readw(s, 0x12), ==, 0xcdef);
    g_assert_cmphex(qtest_readl(s, 0x14), ==, 0x12345678);
    g_assert_cmphex(qtest_readq(s, 0x18), ==, 0x0102030405060708ull);
    g_assert_cmphex(qtest_readq(s, 0x10), ==, 0x12345678cdef00abull);
    g_assert_cmphex(qtest_readl(s, FAKE_RAM_SIZE), ==, 0xffffffff); /* unassigned */

    qtest_outb(s, 0x80, 0x12);
    qtest_outw(s, 0x82, 0x3456);
    qtest_outl(s, 0xcfc, 0x789abcde);
    g_assert_cmphex(qtest_inb(s, 0x80), ==, 0x12);
    g_assert_cmphex(qtest_inw(s, 0x82), ==, 0x3456);
    g_assert_cmphex(qtest_inl(s, 0xcfc), ==, 0x789abcde);

    g_assert_cmpint(qtest_clock_step(s, 100), ==, 100);
    g_assert_cmpint(qtest_clock_step_next(s), ==, 1100);
    g_assert_cmpint(qtest_clock_set(s, 5000), ==, 5000);

    r1 = qtest_raw(s, "frob");
    g_assert_cmpstr(r1, ==, "FAIL Unknown command 'frob'");
    r2 = qtest_raw(s, "readl zz");
    g_assert_cmpstr(r2, ==, "FAIL readl: invalid address 'zz'");
    r3 = qtest_raw(s, "endianness");
    g_assert_cmpstr(r3, ==, "OK little");
    log = log_text(s);
    g_assert_nonnull(strstr(log, "] FAIL Unknown command 'frob'\n"));
}

static void test_memory(void)
{
    g_autoptr(QTestState) s = qtest_init(NULL);
    const size_t big = 600 * 1024; /* four base64 chunks */
    g_autofree uint8_t *out = g_malloc(big), *in = g_malloc(big);
    uint8_t small[7], back[7];
    g_autofree char *log = NULL;

    for (size_t i = 0; i < big; i++) {
        out[i] = g_random_int();
    }
    qtest_memwrite(s, 0x10000, out, big);
    qtest_memread(s, 0x10000, in, big);
    g_assert_cmpmem(in, big, out, big);

    memcpy(small, "\x00\x01\xfe\xff\x10\x20\x30", 7);
    qtest_memwrite(s, 0x3, small, sizeof(small));
    qtest_memread(s, 0x3, back, sizeof(back));
    g_assert_cmpmem(back, 7, small, 7);
    qtest_memwrite(s, 0x3, small, 0);
    qtest_memread(s, 0x3, back, 0);

    qtest_memset(s, 0x2000, 0xa5, 300);
    qtest_memread(s, 0x1fff, in, 302);
    g_assert_cmphex(in[0], ==, 0);
    g_assert_cmphex(in[1], ==, 0xa5);
    g_assert_cmphex(in[300], ==, 0xa5);
    g_assert_cmphex(in[301], ==, 0);

    log = log_text(s);
    g_assert_nonnull(strstr(log, "] b64write 0x10000 0x30000 "));
    g_assert_nonnull(strstr(log, "] b64read 0xa0000 0x6000\n"));
    g_assert_nonnull(strstr(log, "] write 0x3 0x7 0x0001feff102030\n"));
    g_assert_nonnull(strstr(log, "] read 0x3 0x7\n"));
    g_assert_nonnull(strstr(log, "] memset 0x2000 0x12c 0xa5\n"));
}

static void test_irq(void)
{
    g_autoptr(QTestState) s = qtest_init(NULL);
    g_autofree char *again = NULL;

    qtest_irq_intercept_in(s, FAKE_DEVICE);
    again = qtest_raw(s, "irq_intercept_in " FAKE_DEVICE);
    g_assert_cmpstr(again, ==, "OK"); /* the same device twice is fine, as in QEMU */
    g_assert_false(qtest_get_irq(s, 5));
    qtest_writel(s, FAKE_DOORBELL, 5);
    g_assert_true(qtest_get_irq(s, 5));
    g_assert_false(qtest_get_irq(s, 6));
    qtest_writel(s, FAKE_DOORBELL_LOWER, 5);
    g_assert_false(qtest_get_irq(s, 5));

    qtest_writel(s, FAKE_DOORBELL_LATER, 7); /* raised by the fake's timer, 50 ms later */
    qtest_irq_wait(s, 7, true);
    g_assert_true(qtest_get_irq(s, 7));
    qtest_irq_wait(s, 7, true); /* already there */

    qtest_set_irq_in(s, FAKE_DEVICE, "unnamed-gpio-in", 9, 1);
    g_assert_true(qtest_get_irq(s, 9));
    qtest_set_irq_in(s, FAKE_DEVICE, "unnamed-gpio-in", 9, 0);
    g_assert_false(qtest_get_irq(s, 9));
}

static void test_irq_out(void)
{
    g_autoptr(QTestState) s = qtest_init(NULL);

    qtest_irq_intercept_out(s, FAKE_DEVICE);
    qtest_writel(s, FAKE_DOORBELL, 1);
    g_assert_true(qtest_get_irq(s, 1));
}

static void test_qmp(void)
{
    g_autoptr(QTestState) s = qtest_init("-fake-marker 'two words'");
    g_autoptr(JsonObject) reply = NULL, late = NULL, a = NULL, r1 = NULL, r2 = NULL;
    g_autoptr(JsonNode) argv = NULL;
    g_autofree char *desc = NULL;
    g_autofree char *args = NULL;

    reply = qtest_qmp(s, "{\"execute\": \"fake-events\", \"arguments\": {\"name\": \"%s\", "
                         "\"count\": %d}}", "TICK", 3);
    g_assert_true(json_object_has_member(reply, "return"));
    for (int i = 0; i < 3; i++) {
        g_autoptr(JsonObject) ev = qtest_qmp_event_take(s, "TICK");

        g_assert_nonnull(ev);
        g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(ev, "data"),
                                                   "i"), ==, i);
    }
    g_assert_null(qtest_qmp_event_take(s, "TICK"));

    desc = qtest_qmp_expect_error(s, "CommandNotFound", "{'execute': 'frobnicate'}");
    g_assert_cmpstr(desc, ==, "The command frobnicate has not been found");

    argv = qtest_qmp_assert_success(s, "{\"execute\": \"fake-argv\"}");
    g_assert_true(JSON_NODE_HOLDS_ARRAY(argv));
    args = json_to_string(argv, FALSE);
    g_assert_nonnull(strstr(args, "\"-qtest\",\"unix:"));
    g_assert_nonnull(strstr(args, "\"-display\",\"none\",\"-accel\",\"qtest\""));
    g_assert_nonnull(strstr(args, "\"-mon\",\"chardev=char0,mode=control\""));
    g_assert_nonnull(strstr(args, "\"-fake-marker\",\"two words\"]"));

    /* Two commands in flight; the event wanted comes after another event and a reply. */
    qtest_qmp_send(s, "{\"execute\": \"fake-events\", \"arguments\": {\"name\": \"A\"}}");
    qtest_qmp_send(s, "{\"execute\": \"fake-events\", \"arguments\": {\"name\": \"LATE\"}}");
    late = qtest_qmp_eventwait(s, "LATE");
    g_assert_cmpstr(json_object_get_string_member(late, "event"), ==, "LATE");
    r1 = qtest_qmp_receive(s);
    r2 = qtest_qmp_receive(s);
    g_assert_true(json_object_has_member(r1, "return"));
    g_assert_true(json_object_has_member(r2, "return"));
    a = qtest_qmp_eventwait(s, "A"); /* from the queue */
    g_assert_nonnull(a);
}

static void test_fds(void)
{
    int p[2], q[2];
    char buf[16] = { 0 };
    g_autoptr(JsonNode) open_fds = NULL;
    g_autofree char *list = NULL, *err = NULL, *expected = NULL;
    QTestState *s;

    g_assert_cmpint(pipe(p), ==, 0);
    g_assert_cmpint(pipe(q), ==, 0);
    {
        /* q's write end goes to 10 and p's to the number q's write end has here. */
        QTestFd fds[] = { { q[1], 10 }, { p[1], q[1] } };

        s = qtest_init_with_fds(NULL, fds, G_N_ELEMENTS(fds));
    }
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'fake-fd-write', 'arguments': {'fd': %d, 'data': 'hello'}}", q[1]));
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'fake-fd-write', 'arguments': {'fd': 10, 'data': 'q'}}"));

    /* Nothing else of the test's leaks into hostdev. */
    open_fds = qtest_qmp_assert_success(s, "{\"execute\": \"fake-open-fds\"}");
    list = json_to_string(open_fds, FALSE);
    expected = g_strdup_printf("[0,1,2,%d,%d]", MIN(q[1], 10), MAX(q[1], 10));
    g_assert_cmpstr(list, ==, expected);

    err = qtest_qmp_expect_error(
        s, "GenericError", "{'execute': 'fake-fd-write', 'arguments': {'fd': 99, 'data': 'x'}}");
    g_assert_cmpstr(err, ==, "write to fd 99 failed: Bad file descriptor");
    close(p[1]);
    close(q[1]);
    g_assert_cmpint(read(p[0], buf, sizeof(buf)), ==, 5);
    g_assert_cmpstr(buf, ==, "hello");
    memset(buf, 0, sizeof(buf));
    g_assert_cmpint(read(q[0], buf, sizeof(buf)), ==, 1);
    g_assert_cmpstr(buf, ==, "q");
    qtest_quit(s);
    close(p[0]);
    close(q[0]);
}

/* ---- failures, each in a subprocess whose output is checked ---- */

#define SHORT_TIMEOUT() g_setenv("HOSTDEV_QTEST_TIMEOUT", "1", TRUE)

static void test_fail_exit_early(void)
{
    if (g_test_subprocess()) {
        qtest_init("-fake-exit-early");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*hostdev stderr: fake-hostdev: refusing to start, as asked\n*"
                              "libqtest: hostdev exited with status 1 before connecting to "
                              "its qtest socket [hostdev pid * exited with status 1]*");
}

static void test_fail_no_connect(void)
{
    if (g_test_subprocess()) {
        SHORT_TIMEOUT();
        qtest_init("-fake-no-connect");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*hostdev did not connect to its qtest socket within 1 s*");
}

static void test_fail_bad_binary(void)
{
    if (g_test_subprocess()) {
        g_setenv("HOSTDEV_BINARY", "/nonexistent/hostdev", TRUE);
        qtest_init(NULL);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*cannot start hostdev '/nonexistent/hostdev' (set HOSTDEV_BINARY)*");
}

static void test_fail_bad_args(void)
{
    if (g_test_subprocess()) {
        qtest_init("-device 'unterminated");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*cannot split the extra arguments '-device 'unterminated'*");
}

static void test_fail_bad_fd_target(void)
{
    if (g_test_subprocess()) {
        QTestFd fds[] = { { 0, 2 } };

        qtest_init_with_fds(NULL, fds, 1);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*fd 0 cannot be passed as fd 2: targets start at 3*");
}

static void test_fail_qtest_reply(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        qtest_irq_intercept_in(s, "/machine/nope");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*qtest request 'irq_intercept_in /machine/nope' failed: "
                              "FAIL No such device '/machine/nope'*");
    g_test_trap_assert_stderr("*[hostdev pid * is running]*");
}

static void test_fail_newline(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        qtest_raw(s, "readl 0\nreadl 4");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*qtest request 'readl 0\nreadl 4' holds a newline*");
}

static void test_fail_bad_value(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        qtest_qmp(s, "{\"execute\": \"fake-qtest-send\", \"arguments\": {\"line\": \"OK zz\"}}");
        qtest_readl(s, 0);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*reply to 'readl 0x0' is not a number up to 0xffffffff: 'OK zz'*");
}

static void test_fail_bad_irq_line(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        qtest_qmp(s, "{\"execute\": \"fake-qtest-send\", \"arguments\": {\"line\": "
                     "\"IRQ raise x\"}}");
        qtest_readl(s, 0);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*hostdev sent a malformed IRQ line 'IRQ raise x'*");
}

static void test_fail_stray_line(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        qtest_irq_intercept_in(s, FAKE_DEVICE);
        qtest_qmp(s, "{\"execute\": \"fake-qtest-send\", \"arguments\": {\"line\": \"OK\"}}");
        qtest_irq_wait(s, 3, true);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    /* The stray "OK" answers irq_wait's round trip, so that trip's own reply is the stray. */
    g_test_trap_assert_stderr("*hostdev sent 'OK little' with no request pending (waiting for "
                              "IRQ 3 to be raised)*");
}

static void test_fail_irq_timeout(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        SHORT_TIMEOUT();
        qtest_irq_intercept_in(s, FAKE_DEVICE);
        qtest_irq_wait(s, 3, true);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*hostdev sent nothing within 1 s while libqtest waited for IRQ 3 "
                              "to be raised*");
}

static void test_fail_qtest_timeout(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        SHORT_TIMEOUT();
        qtest_qmp(s, "{\"execute\": \"fake-mute-qtest\"}");
        qtest_readl(s, 0);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*hostdev sent nothing within 1 s while libqtest waited for the "
                              "reply to 'readl 0x0'*");
}

static void test_fail_crash(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        qtest_qmp(s, "{\"execute\": \"fake-crash\"}");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*hostdev closed the QMP connection while libqtest waited for the "
                              "reply to {\"execute\": \"fake-crash\"}*");
    g_test_trap_assert_stderr("*[hostdev pid * was killed by signal 6 (Aborted)]*");
}

static void test_fail_qtest_eof(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        g_autoptr(JsonObject) reply = qtest_qmp(s, "{\"execute\": \"quit\"}");

        qtest_readl(s, 0);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    /* Depending on timing the request cannot be sent or gets no reply. */
    g_test_trap_assert_stderr("*hostdev closed the *connection *'readl 0x0'*"
                              "[hostdev pid * exited with status 0]*");
}

static void test_fail_bad_json_request(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        qtest_qmp(s, "{\"execute\": }");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*QMP request is no valid JSON object (*): '{\"execute\": }'*");
}

static void test_fail_bad_json_reply(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        qtest_qmp(s, "{\"execute\": \"fake-qmp-send\", \"arguments\": {\"text\": \"oops\\n\"}}");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*malformed QMP message from hostdev (*) while waiting for the "
                              "reply to {\"execute\": \"fake-qmp-send\"*: 'oops'*");
}

static void test_fail_expected_error(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        qtest_qmp_expect_error(s, "GenericError", "{\"execute\": \"frobnicate\"}");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*QMP command {\"execute\": \"frobnicate\"} was expected to fail "
                              "with GenericError but got "
                              "{\"error\":{\"class\":\"CommandNotFound\"*");
}

static void test_fail_assert_success(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        qtest_qmp_assert_success(s, "{\"execute\": \"frobnicate\"}");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*QMP command {\"execute\": \"frobnicate\"} failed: "
                              "{\"error\":{\"class\":\"CommandNotFound\"*");
}

static void test_fail_eventwait_timeout(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        SHORT_TIMEOUT();
        qtest_qmp_eventwait(s, "NEVER");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*no QMP message from hostdev within 1 s while waiting for event "
                              "NEVER*");
}

static void test_fail_quit_status(void)
{
    if (g_test_subprocess()) {
        qtest_quit(qtest_init("-fake-quit-status 3"));
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*libqtest: hostdev (pid *) exited with status 3 after quit\n*"
                              "libqtest: hostdev's qtest log and stderr are kept in *");
}

/* Remove path and everything below it. */
static void remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);

        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK)) {
            remove_tree(child);
        } else {
            unlink(child);
        }
    }
    rmdir(path);
}

int main(int argc, char **argv)
{
    g_autofree char *self = NULL, *scratch = NULL;
    int ret;

    /* Started by libqtest as hostdev: be the fake. */
    if (argc > 1 && !strcmp(argv[1], "-qtest")) {
        return fake_hostdev_main(argc, argv);
    }
    self = g_file_read_link("/proc/self/exe", NULL);
    g_assert_nonnull(self);
    g_setenv("HOSTDEV_BINARY", self, TRUE);

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest-client/parse/number", test_parse_number);
    g_test_add_func("/qtest-client/parse/hex", test_parse_hex);
    g_test_add_func("/qtest-client/parse/b64", test_parse_b64);
    g_test_add_func("/qtest-client/parse/irq", test_parse_irq);
    g_test_add_func("/qtest-client/parse/json-stream", test_json_stream);
    g_test_add_func("/qtest-client/fake/start-quit", test_start_quit);
    g_test_add_func("/qtest-client/fake/qtest-ops", test_qtest_ops);
    g_test_add_func("/qtest-client/fake/memory", test_memory);
    g_test_add_func("/qtest-client/fake/irq", test_irq);
    g_test_add_func("/qtest-client/fake/irq-out", test_irq_out);
    g_test_add_func("/qtest-client/fake/qmp", test_qmp);
    g_test_add_func("/qtest-client/fake/fds", test_fds);
    g_test_add_func("/qtest-client/fail/exit-early", test_fail_exit_early);
    g_test_add_func("/qtest-client/fail/no-connect", test_fail_no_connect);
    g_test_add_func("/qtest-client/fail/bad-binary", test_fail_bad_binary);
    g_test_add_func("/qtest-client/fail/bad-args", test_fail_bad_args);
    g_test_add_func("/qtest-client/fail/bad-fd-target", test_fail_bad_fd_target);
    g_test_add_func("/qtest-client/fail/qtest-reply", test_fail_qtest_reply);
    g_test_add_func("/qtest-client/fail/newline", test_fail_newline);
    g_test_add_func("/qtest-client/fail/bad-value", test_fail_bad_value);
    g_test_add_func("/qtest-client/fail/bad-irq-line", test_fail_bad_irq_line);
    g_test_add_func("/qtest-client/fail/stray-line", test_fail_stray_line);
    g_test_add_func("/qtest-client/fail/irq-timeout", test_fail_irq_timeout);
    g_test_add_func("/qtest-client/fail/qtest-timeout", test_fail_qtest_timeout);
    g_test_add_func("/qtest-client/fail/qtest-eof", test_fail_qtest_eof);
    g_test_add_func("/qtest-client/fail/crash", test_fail_crash);
    g_test_add_func("/qtest-client/fail/bad-json-request", test_fail_bad_json_request);
    g_test_add_func("/qtest-client/fail/bad-json-reply", test_fail_bad_json_reply);
    g_test_add_func("/qtest-client/fail/expected-error", test_fail_expected_error);
    g_test_add_func("/qtest-client/fail/assert-success", test_fail_assert_success);
    g_test_add_func("/qtest-client/fail/eventwait-timeout", test_fail_eventwait_timeout);
    g_test_add_func("/qtest-client/fail/quit-status", test_fail_quit_status);

    /*
     * The failure tests end in subprocesses that cannot clean up after themselves (and keep
     * their directory on purpose): give them a TMPDIR of their own, removed at the end.
     */
    if (!g_test_subprocess()) {
        scratch = g_dir_make_tmp("test-qtest-client-XXXXXX", NULL);
        g_assert_nonnull(scratch);
        g_setenv("TMPDIR", scratch, TRUE);
    }
    ret = g_test_run();
    if (scratch) {
        remove_tree(scratch);
    }
    return ret;
}
