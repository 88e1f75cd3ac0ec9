/*
 * Unit tests of the QMP monitor through real sockets on the GLib main loop: greeting,
 * negotiation, request validation, id echo, handler errors, events, fd passing and fd sets,
 * server and client chardevs, one client at a time, oversize and broken input.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor/monitor.h"
#include "monitor/qmp-schema.h"
#include "monitor/qmp.h"

#define GREETING "{`QMP`: {`version`: {`qemu`: {`major`: 10, `minor`: 0, `micro`: 0}, " \
                 "`package`: `hostdev-" HOSTDEV_VERSION "`}, `capabilities`: []}}"

/* Expected replies; test texts write JSON's double quote as a backtick. */
#define ERR(cls, desc) "{`error`: {`class`: `" cls "`, `desc`: `" desc "`}}"
#define ERR_ID(cls, desc, id) "{`error`: {`class`: `" cls "`, `desc`: `" desc "`}, `id`: " id "}"
#define GENERIC(desc) ERR("GenericError", desc)
#define RETURN_EMPTY "{`return`: {}}"
#define NEGOTIATE_FIRST \
    ERR("CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'")
#define ALREADY_NEGOTIATED \
    ERR("CommandNotFound", "Capabilities negotiation is already complete, command ignored")
#define VERSION_REPLY "{`return`: {`qemu`: {`major`: 10, `minor`: 0, `micro`: 0}, " \
                      "`package`: `hostdev-" HOSTDEV_VERSION "`}}"

static char *tmp_dir;

/* ---- the test's side of a connection ---- */

typedef struct Client {
    int fd;
    GString *in;
} Client;

/* Test texts write JSON's double quote as a backtick; these turn them back. */
static char *unq(const char *s)
{
    return g_strdelimit(g_strdup(s), "`", '"');
}

static void assert_line(const char *line, const char *expected)
{
    g_autofree char *e = unq(expected);

    g_assert_cmpstr(line, ==, e);
}

static bool has_prefix(const char *line, const char *prefix)
{
    g_autofree char *p = unq(prefix);

    return g_str_has_prefix(line, p);
}

static bool contains(const char *line, const char *needle)
{
    g_autofree char *n = unq(needle);

    return strstr(line, n) != NULL;
}

static void pump(void)
{
    if (!g_main_context_iteration(NULL, FALSE)) {
        g_usleep(500);
    }
}

static void client_init(Client *c, int fd)
{
    c->fd = fd;
    c->in = g_string_new(NULL);
}

static void client_close(Client *c)
{
    close(c->fd);
    g_string_free(c->in, TRUE);
}

/* The next line (without CRLF) from hostdev, running the main loop meanwhile. */
static char *client_line(Client *c)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    for (;;) {
        char *eol = strstr(c->in->str, "\r\n");
        char buf[65536];
        ssize_t n;

        if (eol) {
            char *line = g_strndup(c->in->str, eol - c->in->str);

            g_string_erase(c->in, 0, eol - c->in->str + 2);
            return line;
        }
        n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            g_string_append_len(c->in, buf, n);
            continue;
        }
        g_assert_cmpint(n, <, 0); /* hostdev must not hang up on us */
        g_assert_cmpint(errno, ==, EAGAIN);
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        pump();
    }
}

/* True when hostdev sends nothing while the main loop runs a little. */
static bool client_silent(Client *c)
{
    char b;

    for (int i = 0; i < 40; i++) {
        pump();
    }
    return !c->in->len && recv(c->fd, &b, 1, MSG_DONTWAIT | MSG_PEEK) < 0 && errno == EAGAIN;
}

/* Send all of @len bytes while the main loop runs (hostdev reads as we write). */
static void client_send_len(Client *c, const char *text, gsize len)
{
    gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    g_autofree char *copy = g_memdup2(text, len);
    const char *data = copy;

    for (gsize i = 0; i < len; i++) {
        copy[i] = copy[i] == '`' ? '"' : copy[i];
    }
    while (len) {
        ssize_t n = send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n > 0) {
            data += n;
            len -= n;
            continue;
        }
        g_assert_cmpint(errno, ==, EAGAIN);
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        pump();
    }
}

static void client_send(Client *c, const char *text)
{
    client_send_len(c, text, strlen(text));
}

static char *client_cmd(Client *c, const char *request)
{
    client_send(c, request);
    return client_line(c);
}

static void assert_reply(Client *c, const char *request, const char *expected)
{
    g_autofree char *line = client_cmd(c, request);

    assert_line(line, expected);
}

static void send_with_fd(Client *c, const char *data, int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    g_autofree char *text = unq(data);
    struct iovec iov = { .iov_base = text, .iov_len = strlen(data) };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl),
    };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    g_assert_cmpint(sendmsg(c->fd, &msg, 0), ==, (ssize_t)strlen(data));
}

static JsonObject *parse_object(const char *line)
{
    g_autoptr(JsonParser) parser = json_parser_new();

    g_assert_true(json_parser_load_from_data(parser, line, -1, NULL));
    g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
    return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

static const char *error_class(const char *line)
{
    g_autoptr(JsonObject) reply = parse_object(line);
    JsonObject *error = json_object_get_object_member(reply, "error");

    g_assert_nonnull(error);
    return g_intern_string(json_object_get_string_member(error, "class"));
}

/* ---- a monitor on one end of a socketpair ---- */

typedef struct Conn {
    Chardev *chr;
    Monitor *mon;
    Client c;
} Conn;

static void conn_open(Conn *k, const char *id, bool negotiate)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *greeting = NULL;
    int sv[2];

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    k->chr = chardev_new_socket(id, NULL, sv[0], false, false, &err);
    g_assert_no_error(err);
    k->mon = monitor_new_qmp(k->chr, &err);
    g_assert_no_error(err);
    client_init(&k->c, sv[1]);
    greeting = client_line(&k->c);
    assert_line(greeting, GREETING);
    if (negotiate) {
        assert_reply(&k->c, "{`execute`: `qmp_capabilities`}", RETURN_EMPTY);
    }
}

static void conn_close(Conn *k)
{
    monitor_free(k->mon);
    chardev_close(k->chr);
    client_close(&k->c);
}

/* ---- commands the tests register ---- */

static bool cmd_echo(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)errp;
    *ret = json_node_new(JSON_NODE_OBJECT);
    json_node_set_object(*ret, args);
    return true;
}

static bool cmd_fail(JsonObject *args, JsonNode **ret, GError **errp)
{
    bool foreign, silent, has;
    gint64 cls;

    if (!qmp_arg_int(args, "class", NULL, &cls, errp) ||
        !qmp_arg_bool(args, "foreign", &has, &foreign, errp) ||
        !qmp_arg_bool(args, "silent", &has, &silent, errp)) {
        return false;
    }
    *ret = json_node_new(JSON_NODE_NULL); /* dropped: a failing handler's value is not sent */
    if (silent) {
        return false;
    }
    if (foreign) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED, "foreign failure");
    } else {
        g_set_error(errp, QMP_ERROR, cls, "failure of class %d", (int)cls);
    }
    return false;
}

static bool cmd_args(JsonObject *args, JsonNode **ret, GError **errp)
{
    const char *s;
    bool has;
    gint64 n;

    if (!qmp_arg_string(args, "s", NULL, &s, errp) || !qmp_arg_int(args, "n", &has, &n, errp)) {
        return false;
    }
    *ret = json_node_new(JSON_NODE_VALUE);
    json_node_set_string(*ret, has ? "has-n" : "no-n");
    return true;
}

/* getfd's fd, fetched by name while the command runs: a device_add would do this. */
static bool cmd_use_fd(JsonObject *args, JsonNode **ret, GError **errp)
{
    const char *name;
    int fd;

    (void)ret;
    if (!qmp_arg_string(args, "name", NULL, &name, errp)) {
        return false;
    }
    fd = monitor_fd_get(name, errp);
    if (fd < 0) {
        return false;
    }
    g_assert_cmpint(write(fd, "U", 1), ==, 1);
    close(fd);
    return true;
}

/* Their declarations: test commands are not in qapi/, so the test declares them. */
static const QmpMember no_members[] = { { .name = NULL } };
static const QmpType echo_args = {
    .name = "test-echo-arg", .kind = QMP_TYPE_OBJECT, .members = no_members,
    .extra_members = true,
};
static const QmpMember fail_members[] = {
    { .name = "class", .type = &qmp_type_int },
    { .name = "foreign", .type = &qmp_type_bool, .optional = true },
    { .name = "silent", .type = &qmp_type_bool, .optional = true },
    { .name = NULL },
};
static const QmpType fail_args = {
    .name = "test-fail-arg", .kind = QMP_TYPE_OBJECT, .members = fail_members,
};
static const QmpMember args_members[] = {
    { .name = "s", .type = &qmp_type_str },
    { .name = "n", .type = &qmp_type_int, .optional = true },
    { .name = NULL },
};
static const QmpType args_args = {
    .name = "test-args-arg", .kind = QMP_TYPE_OBJECT, .members = args_members,
};
static const QmpMember use_fd_members[] = {
    { .name = "name", .type = &qmp_type_str },
    { .name = NULL },
};
static const QmpType use_fd_args = {
    .name = "test-use-fd-arg", .kind = QMP_TYPE_OBJECT, .members = use_fd_members,
};
static const QmpCommandDecl test_decls[] = {
    { .name = "test-echo", .args = &echo_args, .ret_type = "any" },
    { .name = "test-fail", .args = &fail_args, .ret_type = "q_empty" },
    { .name = "test-args", .args = &args_args, .ret_type = "str" },
    { .name = "test-use-fd", .args = &use_fd_args, .ret_type = "q_empty" },
};

/* ---- tests ---- */

static void test_greeting_and_negotiation(void)
{
    Conn k;
    g_autofree char *version = NULL;

    conn_open(&k, "neg", false);
    assert_reply(&k.c, "{`execute`: `query-version`}", NEGOTIATE_FIRST);
    assert_reply(&k.c, "{`execute`: `no-such-command`}", NEGOTIATE_FIRST);
    assert_reply(&k.c, "{`execute`: `qmp_capabilities`, `arguments`: {`enable`: [`oob`]}}",
                 GENERIC(
                     "Capability 'oob' is not available: hostdev offers none, send an empty list"));
    assert_reply(&k.c, "{`execute`: `qmp_capabilities`, `arguments`: {`enable`: 1}}",
                 GENERIC("Invalid parameter type for 'enable', expected: array"));
    assert_reply(&k.c, "{`execute`: `qmp_capabilities`, `arguments`: {`x`: 1}}",
                 GENERIC("Parameter 'x' is unexpected"));
    assert_reply(&k.c, "{`execute`: `qmp_capabilities`, `arguments`: {`enable`: []}}",
                 RETURN_EMPTY);
    assert_reply(&k.c, "{`execute`: `qmp_capabilities`}",
                 ALREADY_NEGOTIATED);
    assert_reply(&k.c, "{`execute`: `query-version`}",
                 VERSION_REPLY);
    assert_reply(&k.c, "{`execute`: `query-version`, `arguments`: {`x`: 1}}",
                 GENERIC("Parameter 'x' is unexpected"));
    conn_close(&k);
}

static void test_id_echo(void)
{
    Conn k;

    conn_open(&k, "ids", false);
    assert_reply(&k.c, "{`execute`: `qmp_capabilities`, `id`: `s1`}",
                 "{`return`: {}, `id`: `s1`}");
    assert_reply(&k.c, "{`id`: 42, `execute`: `query-commands`, `arguments`: {`a`: 1}}",
                 ERR_ID("GenericError", "Parameter 'a' is unexpected", "42"));
    assert_reply(&k.c,
                 "{`execute`: `test-echo`, `arguments`: {`k`: [1, `v`]}, "
                 "`id`: {`n`: [1.5, null, true]}}",
                 "{`return`: {`k`: [1, `v`]}, `id`: {`n`: [1.5, null, true]}}");
    assert_reply(&k.c, "{`execute`: `nope`, `id`: [`x`]}",
                 ERR_ID("CommandNotFound", "The command nope has not been found", "[`x`]"));
    assert_reply(&k.c, "{`execute`: 7, `id`: null}",
                 ERR_ID("GenericError", "QMP input member 'execute' must be a string", "null"));
    conn_close(&k);
}

static void test_bad_requests(void)
{
    static const char *const cases[][2] = {
        { "{`execute`: `query-version`, `arguments`: [1]}",
          "QMP input member 'arguments' must be an object" },
        { "{`execute`: `query-version`, `arguments`: `x`}",
          "QMP input member 'arguments' must be an object" },
        { "{`execute`: {`a`: 1}}", "QMP input member 'execute' must be a string" },
        { "{`arguments`: {}}", "QMP input lacks member 'execute'" },
        { "{}", "QMP input lacks member 'execute'" },
        { "{`execute`: `query-version`, `extra`: 1}",
          "QMP input member 'extra' is unexpected (allowed: execute, arguments, id)" },
        { "{`exec-oob`: `query-version`}",
          "'exec-oob' is not supported: hostdev has no out-of-band commands, use 'execute'" },
        { "[{`execute`: `query-version`}]", "Expected a JSON object, got an array" },
        { "`query-version`", "Expected a JSON object, got a string" },
    };
    Conn k;

    conn_open(&k, "bad", true);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *line = client_cmd(&k.c, cases[i][0]);
        g_autoptr(JsonObject) reply = parse_object(line);
        JsonObject *error = json_object_get_object_member(reply, "error");

        g_assert_cmpstr(json_object_get_string_member(error, "class"), ==, "GenericError");
        g_assert_cmpstr(json_object_get_string_member(error, "desc"), ==, cases[i][1]);
    }
    /* Invalid JSON inside balanced braces, invalid UTF-8, a NUL: parse errors, no id. */
    static const char *const broken[] = {
        "{`execute`: }", "{`execute`: `q\xff`}", "{`execute`\0: 1}", "{,}",
    };
    for (guint i = 0; i < G_N_ELEMENTS(broken); i++) {
        client_send_len(&k.c, broken[i], i == 2 ? 15 : strlen(broken[i]));
        g_autofree char *line = client_line(&k.c);
        g_assert_true(has_prefix(line, "{`error`: {`class`: `GenericError`, "
                                       "`desc`: `JSON parse error, "));
    }
    /* Garbage, then a request: an error for the garbage, then the reply. */
    client_send(&k.c, "garbage {`execute`: `test-echo`}");
    g_autofree char *l1 = client_line(&k.c);
    g_autofree char *l2 = client_line(&k.c);
    assert_line(l1, GENERIC("Expected a JSON object, got 'g'"));
    assert_line(l2, RETURN_EMPTY);
    conn_close(&k);
}

static void test_split_and_batched(void)
{
    const char *req = "{`execute`: `test-echo`, `arguments`: {`s`: `}{\\``}, `id`: 1}";
    const char *expected = "{`return`: {`s`: `}{\\``}, `id`: 1}";
    Conn k;

    conn_open(&k, "split", true);
    for (const char *p = req; *p; p++) {
        client_send_len(&k.c, p, 1);
        pump();
    }
    g_autofree char *l1 = client_line(&k.c);
    assert_line(l1, expected);
    client_send(&k.c, "{`execute`: `test-echo`, `id`: `a`}{`execute`: `test-echo`, `id`: `b`}\n");
    g_autofree char *l2 = client_line(&k.c);
    g_autofree char *l3 = client_line(&k.c);
    assert_line(l2, "{`return`: {}, `id`: `a`}");
    assert_line(l3, "{`return`: {}, `id`: `b`}");
    conn_close(&k);
}

static void test_handler_errors(void)
{
    static const char *const classes[] = {
        "GenericError", "CommandNotFound", "DeviceNotFound", "DeviceNotActive", "KVMMissingCap",
    };
    Conn k;

    conn_open(&k, "errs", true);
    for (guint i = 0; i < G_N_ELEMENTS(classes); i++) {
        g_autofree char *req = g_strdup_printf(
            "{`execute`: `test-fail`, `arguments`: {`class`: %u}}", i);
        g_autofree char *line = client_cmd(&k.c, req);
        g_autofree char *expected = g_strdup_printf(
            "{`error`: {`class`: `%s`, `desc`: `failure of class %u`}}", classes[i], i);

        assert_line(line, expected);
        g_assert_cmpstr(qmp_error_class_name(i), ==, classes[i]);
    }
    g_assert_cmpstr(qmp_error_class_name(99), ==, "GenericError");
    assert_reply(&k.c, "{`execute`: `test-fail`, `arguments`: {`class`: 0, `foreign`: true}}",
                 GENERIC("foreign failure"));
    assert_reply(&k.c, "{`execute`: `test-fail`, `arguments`: {`class`: 0, `silent`: true}}",
                 GENERIC("Command test-fail failed"));
    assert_reply(&k.c, "{`execute`: `test-fail`, `arguments`: {`class`: `x`}}",
                 GENERIC("Invalid parameter type for 'class', expected: integer"));
    assert_reply(&k.c, "{`execute`: `test-fail`, `arguments`: {`class`: 0, `silent`: 1}}",
                 GENERIC("Invalid parameter type for 'silent', expected: boolean"));
    assert_reply(&k.c, "{`execute`: `test-args`}",
                 GENERIC("Parameter 's' is missing"));
    assert_reply(&k.c, "{`execute`: `test-args`, `arguments`: {`s`: 1}}",
                 GENERIC("Invalid parameter type for 's', expected: string"));
    assert_reply(&k.c, "{`execute`: `test-args`, `arguments`: {`s`: ``}}",
                 "{`return`: `no-n`}");
    assert_reply(&k.c, "{`execute`: `test-args`, `arguments`: {`s`: ``, `n`: 3}}",
                 "{`return`: `has-n`}");
    conn_close(&k);
}

static void test_query_commands(void)
{
    Conn k;
    g_autofree char *line = NULL;

    conn_open(&k, "cmds", true);
    line = client_cmd(&k.c, "{`execute`: `query-commands`}");
    g_assert_true(has_prefix(line, "{`return`: [{`name`: `add-fd`}, {`name`: `closefd`}, "));
    g_assert_true(contains(line, "{`name`: `qmp_capabilities`}"));
    g_assert_true(contains(line, "{`name`: `query-version`}"));
    g_assert_true(contains(line, "{`name`: `test-echo`}"));
    g_assert_true(qmp_has_command("query-fdsets"));
    g_assert_false(qmp_has_command("quit"));
    g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*registered twice*");
    qmp_register_command("test-echo", cmd_fail, QMP_CMD_DEFAULT);
    g_test_assert_expected_messages();
    g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                          "*'test-undeclared' has a handler but no declaration*");
    qmp_register_command("test-undeclared", cmd_echo, QMP_CMD_DEFAULT);
    g_test_assert_expected_messages();
    g_assert_false(qmp_has_command("test-undeclared"));
    assert_reply(&k.c, "{`execute`: `test-echo`}", RETURN_EMPTY);
    conn_close(&k);
}

/* query-qmp-schema over the wire: the registered commands only, in QEMU's SchemaInfo shape. */
static void test_query_qmp_schema(void)
{
    Conn k;
    g_autofree char *line = NULL;
    g_autoptr(JsonObject) reply = NULL;

    conn_open(&k, "schema", true);
    line = client_cmd(&k.c, "{`execute`: `query-qmp-schema`}");
    reply = parse_object(line);
    g_assert_true(json_object_has_member(reply, "return"));
    g_assert_true(contains(line, "{`name`: `query-version`, `meta-type`: `command`, "
                                 "`arg-type`: `q_empty`, `ret-type`: `VersionInfo`}"));
    g_assert_true(contains(line, "{`name`: `q_empty`, `meta-type`: `object`, `members`: []}"));
    g_assert_true(contains(line, "{`name`: `str`, `meta-type`: `builtin`, "
                                 "`json-type`: `string`}"));
    g_assert_false(contains(line, "{`name`: `quit`,")); /* declared, not registered here */
    g_assert_false(contains(line, "`test-echo`")); /* declared by the test, not in qapi/ */
    assert_reply(&k.c, "{`execute`: `query-qmp-schema`, `arguments`: {`x`: 1}}",
                 GENERIC("Parameter 'x' is unexpected"));
    conn_close(&k);
    conn_open(&k, "schema-neg", false);
    assert_reply(&k.c, "{`execute`: `qmp_capabilities`, `arguments`: {`enable`: [`x`]}}",
                 GENERIC("Parameter 'enable[0]' does not accept value 'x'"));
    conn_close(&k);
}

static void test_events(void)
{
    g_autoptr(JsonObject) data = json_object_new();
    Conn a, b;

    conn_open(&a, "ev-a", true);
    conn_open(&b, "ev-b", false);
    json_object_set_int_member(data, "x", 1);
    gint64 before = g_get_real_time() / G_USEC_PER_SEC;
    qmp_event_emit("TEST_EVENT", data);

    g_autofree char *line = client_line(&a.c);
    g_autoptr(JsonObject) ev = parse_object(line);
    g_assert_true(has_prefix(line, "{`event`: `TEST_EVENT`, `data`: {`x`: 1}, `timestamp`: {"));
    JsonObject *ts = json_object_get_object_member(ev, "timestamp");
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), >=, before);
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), <=, before + 5);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), <, G_USEC_PER_SEC);
    g_assert_true(client_silent(&b.c)); /* not negotiated: no events */

    assert_reply(&b.c, "{`execute`: `qmp_capabilities`}", RETURN_EMPTY);
    qmp_event_emit("BARE", NULL);
    g_autofree char *la = client_line(&a.c);
    g_autofree char *lb = client_line(&b.c);
    g_assert_true(has_prefix(la, "{`event`: `BARE`, `timestamp`: {`seconds`: "));
    g_assert_true(has_prefix(lb, "{`event`: `BARE`, `timestamp`: {`seconds`: "));
    conn_close(&a);
    conn_close(&b);
}

/* Assert that nothing holds the write end of pipe @p any more: its reader sees EOF. */
static void assert_pipe_closed(int rd)
{
    char c;

    g_assert_cmpint(read(rd, &c, 1), ==, 0);
}

static void test_getfd(void)
{
    g_autoptr(GError) err = NULL;
    Conn k;
    int p[2];
    char c;
    int fd;

    conn_open(&k, "getfd", true);
    assert_reply(&k.c, "{`execute`: `getfd`, `arguments`: {`fdname`: `none`}}",
                 GENERIC("No file descriptor supplied via SCM_RIGHTS: send one with getfd"));
    g_assert_cmpint(pipe(p), ==, 0);
    send_with_fd(&k.c, "{`execute`: `getfd`, `arguments`: {`fdname`: `pipe`}}", p[1]);
    g_autofree char *l1 = client_line(&k.c);
    assert_line(l1, RETURN_EMPTY);
    close(p[1]);

    /* Outside a command the name is found on any monitor; each call gives a new fd. */
    fd = monitor_fd_get("pipe", &err);
    g_assert_no_error(err);
    g_assert_cmpint(write(fd, "A", 1), ==, 1);
    close(fd);
    g_assert_cmpint(read(p[0], &c, 1), ==, 1);
    g_assert_cmpint(c, ==, 'A');
    assert_reply(&k.c, "{`execute`: `test-use-fd`, `arguments`: {`name`: `pipe`}}",
                 RETURN_EMPTY);
    g_assert_cmpint(read(p[0], &c, 1), ==, 1);
    g_assert_cmpint(c, ==, 'U');

    /* A bad name gets the fd closed at once. */
    g_autoptr(GError) e2 = NULL;
    int q[2];
    g_assert_cmpint(pipe(q), ==, 0);
    send_with_fd(&k.c, "{`execute`: `getfd`, `arguments`: {`fdname`: `1x`}}", q[1]);
    close(q[1]);
    g_autofree char *l2 = client_line(&k.c);
    assert_line(l2, GENERIC("Parameter 'fdname' expects a name not starting with a digit or '/'"));
    assert_pipe_closed(q[0]);
    close(q[0]);

    assert_reply(&k.c, "{`execute`: `closefd`, `arguments`: {`fdname`: `pipe`}}",
                 RETURN_EMPTY);
    assert_pipe_closed(p[0]);
    assert_reply(&k.c, "{`execute`: `closefd`, `arguments`: {`fdname`: `pipe`}}",
                 GENERIC("File descriptor named 'pipe' not found"));
    assert_reply(&k.c, "{`execute`: `test-use-fd`, `arguments`: {`name`: `pipe`}}",
                 GENERIC("No file descriptor named 'pipe': send it first with getfd"));
    g_assert_cmpint(monitor_fd_get("pipe", &e2), ==, -1);
    g_assert_error(e2, QMP_ERROR, QMP_ERROR_GENERIC_ERROR);
    close(p[0]);
    conn_close(&k);
}

static void test_fd_sent_apart(void)
{
    Conn k;
    int p[2];

    conn_open(&k, "apart", true);
    /* Sent with a lone space before the command (as some clients do): still found. */
    g_assert_cmpint(pipe(p), ==, 0);
    send_with_fd(&k.c, " ", p[1]);
    close(p[1]);
    assert_reply(&k.c, "{`execute`: `getfd`, `arguments`: {`fdname`: `late`}}",
                 RETURN_EMPTY);
    /* A monitor's named fds close with it. */
    monitor_free(k.mon);
    assert_pipe_closed(p[0]);
    close(p[0]);

    /* Fds sent with no command at all close when the client goes. */
    k.mon = monitor_new_qmp(k.chr, NULL);
    g_assert_cmpint(pipe(p), ==, 0);
    send_with_fd(&k.c, "\n", p[1]);
    close(p[1]);
    send_with_fd(&k.c, "{`execute`: `qmp_capa", p[0]);
    for (int i = 0; i < 20; i++) {
        pump();
    }
    client_close(&k.c);
    for (int i = 0; i < 20 && chardev_is_connected(k.chr); i++) {
        pump();
    }
    g_assert_false(chardev_is_connected(k.chr));
    assert_pipe_closed(p[0]);
    close(p[0]);
    monitor_free(k.mon);
    chardev_close(k.chr);
}

static void test_fdsets(void)
{
    g_autoptr(GError) err = NULL;
    Conn k;
    int p[2], q[2];
    char c;

    conn_open(&k, "fdsets", true);
    assert_reply(&k.c, "{`execute`: `query-fdsets`}", "{`return`: []}");
    assert_reply(&k.c, "{`execute`: `add-fd`}",
                 GENERIC("No file descriptor supplied via SCM_RIGHTS: send one with add-fd"));
    g_assert_cmpint(pipe(p), ==, 0);
    g_assert_cmpint(pipe(q), ==, 0);

    send_with_fd(&k.c, "{`execute`: `add-fd`}", p[1]);
    g_autofree char *l1 = client_line(&k.c);
    g_autoptr(JsonObject) r1 = parse_object(l1);
    JsonObject *info1 = json_object_get_object_member(r1, "return");
    g_assert_cmpint(json_object_get_int_member(info1, "fdset-id"), ==, 0);
    gint64 fd1 = json_object_get_int_member(info1, "fd");

    send_with_fd(&k.c, "{`execute`: `add-fd`, `arguments`: {`fdset-id`: 5, `opaque`: `rw`}}",
                 q[1]);
    g_autofree char *l2 = client_line(&k.c);
    g_autoptr(JsonObject) r2 = parse_object(l2);
    gint64 fd2 = json_object_get_int_member(json_object_get_object_member(r2, "return"), "fd");
    close(p[1]);
    close(q[1]);

    g_autofree char *expected = g_strdup_printf(
        "{`return`: [{`fdset-id`: 0, `fds`: [{`fd`: %d}]}, "
        "{`fdset-id`: 5, `fds`: [{`fd`: %d, `opaque`: `rw`}]}]}", (int)fd1, (int)fd2);
    assert_reply(&k.c, "{`execute`: `query-fdsets`}", expected);

    int fd = monitor_fd_get("/dev/fdset/5", &err);
    g_assert_no_error(err);
    g_assert_cmpint(write(fd, "S", 1), ==, 1);
    close(fd);
    g_assert_cmpint(read(q[0], &c, 1), ==, 1);
    g_assert_cmpint(c, ==, 'S');
    g_assert_cmpint(monitor_fd_get("/dev/fdset/7", &err), ==, -1);
    g_assert_nonnull(strstr(err->message, "add-fd"));
    g_clear_error(&err);
    g_assert_cmpint(monitor_fd_get("/dev/fdset/x", &err), ==, -1);
    g_clear_error(&err);

    send_with_fd(&k.c, "{`execute`: `add-fd`, `arguments`: {`fdset-id`: -1}}", p[0]);
    g_autofree char *l3 = client_line(&k.c);
    assert_line(l3, GENERIC("Parameter 'fdset-id' expects a non-negative value"));
    send_with_fd(&k.c, "{`execute`: `add-fd`, `arguments`: {`bogus`: 1}}", p[0]);
    g_autofree char *l4 = client_line(&k.c);
    g_assert_cmpstr(error_class(l4), ==, "GenericError");

    g_autofree char *rm_bad = g_strdup_printf(
        "{`execute`: `remove-fd`, `arguments`: {`fdset-id`: 5, `fd`: %d}}", (int)fd1);
    g_autofree char *rm_bad_reply = g_strdup_printf(
        GENERIC("File descriptor %d is not in fd set 5"),
        (int)fd1);
    assert_reply(&k.c, rm_bad, rm_bad_reply);
    g_autofree char *rm = g_strdup_printf(
        "{`execute`: `remove-fd`, `arguments`: {`fdset-id`: 5, `fd`: %d}}", (int)fd2);
    assert_reply(&k.c, rm, RETURN_EMPTY);
    assert_pipe_closed(q[0]);
    assert_reply(&k.c, "{`execute`: `remove-fd`, `arguments`: {`fdset-id`: 9}}",
                 GENERIC("File descriptor set 9 not found"));
    assert_reply(&k.c, "{`execute`: `remove-fd`}",
                 GENERIC("Parameter 'fdset-id' is missing"));
    assert_reply(&k.c, "{`execute`: `remove-fd`, `arguments`: {`fdset-id`: 0}}",
                 RETURN_EMPTY);
    assert_reply(&k.c, "{`execute`: `query-fdsets`}", "{`return`: []}");
    assert_pipe_closed(p[0]);
    close(p[0]);
    close(q[0]);
    conn_close(&k);
}

static void test_fd_get_numbers(void)
{
    g_autoptr(GError) err = NULL;
    int p[2], fd;
    char c;
    char num[16];

    g_assert_cmpint(pipe(p), ==, 0);
    g_snprintf(num, sizeof(num), "%d", p[1]);
    fd = monitor_fd_get(num, &err);
    g_assert_no_error(err);
    g_assert_cmpint(fd, !=, p[1]);
    g_assert_cmpint(fcntl(fd, F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
    g_assert_cmpint(write(fd, "N", 1), ==, 1);
    g_assert_cmpint(read(p[0], &c, 1), ==, 1);
    close(fd);
    close(p[0]);
    close(p[1]);
    g_assert_cmpint(monitor_fd_get(num, &err), ==, -1);
    g_assert_nonnull(strstr(err->message, "not open"));
    g_clear_error(&err);
    g_assert_cmpint(monitor_fd_get("12abc", &err), ==, -1);
    g_assert_nonnull(strstr(err->message, "not an fd number"));
    g_clear_error(&err);
    g_assert_cmpint(monitor_fd_get("", &err), ==, -1);
    g_clear_error(&err);
    g_assert_cmpint(monitor_fd_get(NULL, &err), ==, -1);
    g_assert_error(err, QMP_ERROR, QMP_ERROR_GENERIC_ERROR);
}

static void test_oversize(void)
{
    gsize size = QMP_MAX_REQUEST_SIZE + 1024;
    g_autoptr(GString) big = g_string_sized_new(size + 64);
    Conn k;

    conn_open(&k, "huge", true);
    g_string_append(big, "{`execute`: `test-echo`, `arguments`: {`s`: `");
    while (big->len < size) {
        g_string_append(big, "}}}}{{{{");
    }
    g_string_append(big, "`}}{`execute`: `query-version`, `id`: `after`}");
    client_send_len(&k.c, big->str, big->len);
    g_autofree char *l1 = client_line(&k.c);
    g_autofree char *l2 = client_line(&k.c);
    assert_line(l1, GENERIC("JSON object is larger than 16777216 bytes: split the request"));
    g_assert_true(has_prefix(l2, "{`return`: {`qemu`: "));
    g_assert_true(contains(l2, ", `id`: `after`}"));
    conn_close(&k);
}

static void test_server_end_to_end(void)
{
    g_autofree char *path = g_build_filename(tmp_dir, "qmp.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    g_autoptr(GError) err = NULL;
    Chardev *chr = chardev_new_from_spec("qmp0", spec, &err);
    Monitor *mon;
    Client a, b;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    g_assert_no_error(err);
    g_assert_true(chardev_wait_for_client(chr, NULL));
    g_assert_null(monitor_new_qmp_by_id("nope", &err));
    g_assert_nonnull(strstr(err->message, "not found"));
    g_clear_error(&err);
    mon = monitor_new_qmp_by_id("qmp0", &err);
    g_assert_no_error(err);
    g_assert_null(monitor_new_qmp(chr, &err)); /* one frontend per chardev */
    g_assert_nonnull(strstr(err->message, "already used"));
    g_clear_error(&err);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    client_init(&a, socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    g_assert_cmpint(connect(a.fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_autofree char *g1 = client_line(&a);
    assert_line(g1, GREETING);
    assert_reply(&a, "{`execute`: `qmp_capabilities`}", RETURN_EMPTY);
    g_autofree char *v = client_cmd(&a, "{`execute`: `query-version`}");
    g_assert_true(has_prefix(v, "{`return`: {`qemu`: {`major`: 10, "));

    /* A second client waits, unanswered, until the first leaves mid-request. */
    client_init(&b, socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    g_assert_cmpint(connect(b.fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    client_send(&b, "{`execute`: `qmp_capabilities`}");
    g_assert_true(client_silent(&b));
    client_send(&a, "{`execute`: `query-");
    client_close(&a);
    g_autofree char *g2 = client_line(&b);
    assert_line(g2, GREETING);
    /* The new client starts negotiation afresh; its early request was queued for it. */
    g_autofree char *r = client_line(&b);
    assert_line(r, RETURN_EMPTY);
    assert_reply(&b, "{`execute`: `qmp_capabilities`}",
                 ALREADY_NEGOTIATED);

    monitor_free(mon);
    chardev_close(chr);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    g_assert_cmpint(recv(b.fd, &sa, 1, 0), ==, 0);
    client_close(&b);
}

static void test_client_end_to_end(void)
{
    g_autofree char *path = g_build_filename(tmp_dir, "listen.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s", path);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_autoptr(GError) err = NULL;
    Chardev *chr;
    Monitor *mon;
    Client c;

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);
    chr = chardev_new_from_spec("qmp-client", spec, &err);
    g_assert_no_error(err);
    mon = monitor_new_qmp(chr, &err);
    g_assert_no_error(err);
    client_init(&c, accept4(lfd, NULL, NULL, SOCK_CLOEXEC));
    g_autofree char *g = client_line(&c);
    assert_line(g, GREETING);
    assert_reply(&c, "{`execute`: `qmp_capabilities`, `id`: 1}", "{`return`: {}, `id`: 1}");
    g_autofree char *v = client_cmd(&c, "{`execute`: `query-version`}");
    g_assert_true(has_prefix(v, "{`return`: {`qemu`: {`major`: 10, "));
    monitor_free(mon);
    chardev_close(chr);
    client_close(&c);
    close(lfd);
    unlink(path);
}

static guint count_open_fds(void)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
    guint n = 0;

    while (dir && g_dir_read_name(dir)) {
        n++;
    }
    return n;
}

int main(int argc, char **argv)
{
    guint fds_before;
    int ret;

    g_test_init(&argc, &argv, NULL);
    g_main_context_default();
    fds_before = count_open_fds();
    tmp_dir = g_dir_make_tmp("test-qmp-XXXXXX", NULL);
    g_assert_nonnull(tmp_dir);
    for (guint i = 0; i < G_N_ELEMENTS(test_decls); i++) {
        qmp_schema_declare(&test_decls[i]);
    }
    qmp_register_command("test-echo", cmd_echo, QMP_CMD_DEFAULT);
    qmp_register_command("test-fail", cmd_fail, QMP_CMD_DEFAULT);
    qmp_register_command("test-args", cmd_args, QMP_CMD_DEFAULT);
    qmp_register_command("test-use-fd", cmd_use_fd, QMP_CMD_DEFAULT);

    g_test_add_func("/qmp/greeting-and-negotiation", test_greeting_and_negotiation);
    g_test_add_func("/qmp/id-echo", test_id_echo);
    g_test_add_func("/qmp/bad-requests", test_bad_requests);
    g_test_add_func("/qmp/split-and-batched", test_split_and_batched);
    g_test_add_func("/qmp/handler-errors", test_handler_errors);
    g_test_add_func("/qmp/query-commands", test_query_commands);
    g_test_add_func("/qmp/query-qmp-schema", test_query_qmp_schema);
    g_test_add_func("/qmp/events", test_events);
    g_test_add_func("/qmp/fd/getfd", test_getfd);
    g_test_add_func("/qmp/fd/sent-apart", test_fd_sent_apart);
    g_test_add_func("/qmp/fd/fdsets", test_fdsets);
    g_test_add_func("/qmp/fd/numbers", test_fd_get_numbers);
    g_test_add_func("/qmp/oversize", test_oversize);
    g_test_add_func("/qmp/e2e/server", test_server_end_to_end);
    g_test_add_func("/qmp/e2e/client", test_client_end_to_end);
    ret = g_test_run();

    monitor_cleanup();
    chardev_close_all();
    rmdir(tmp_dir);
    g_free(tmp_dir);
    g_assert_cmpuint(count_open_fds(), ==, fds_before);
    return ret;
}
