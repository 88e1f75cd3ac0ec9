/*
 * libqtest QMP: the greeting and capabilities handshake, commands built printf-style and
 * checked as JSON before sending, replies, and the queue of events that arrive meanwhile.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "libqtest-int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* Compact JSON of an object, cut to a length that fits a message. */
static char *qmp_show(JsonObject *obj)
{
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), obj);
    g_autofree char *text = json_to_string(node, FALSE);

    return g_strdup_printf("%.300s%s", text, strlen(text) > 300 ? "..." : "");
}

/* text as a JSON object; NULL (failure reported, naming what was awaited) otherwise. */
static JsonObject *qmp_parse(QTestState *s, const char *text, const char *what)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) node = json_from_string(text, &err);

    if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
        qtest_fail(s, "malformed QMP message from hostdev (%s) while waiting for %s: '%.200s'",
                   err ? err->message : "not an object", what, text);
        return NULL;
    }
    return json_node_dup_object(node);
}

/* The next JSON object hostdev sends on QMP, waiting for what; NULL on failure. */
static JsonObject *qmp_read_object(QTestState *s, const char *what, gint64 deadline)
{
    for (;;) {
        g_autofree char *text = NULL;
        char buf[16384];
        ssize_t n;

        if (s->broken) {
            return NULL;
        }
        text = qtest_json_stream_next(s->qmp_in);
        if (text) {
            return qmp_parse(s, text, what);
        }
        n = qtest_recv(s->qmp_fd, buf, sizeof(buf), deadline);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            s->peer_closed = true;
            qtest_fail(s, "hostdev closed the QMP connection while libqtest waited for %s%s", what,
                       qtest_json_stream_pending(s->qmp_in) ? " (a message was cut off)" : "");
            return NULL;
        }
        if (n < 0 && errno == ETIMEDOUT) {
            qtest_fail(s, "no QMP message from hostdev within %d s while waiting for %s",
                       qtest_timeout_s(), what);
            return NULL;
        }
        if (n < 0) {
            qtest_fail(s, "reading the QMP connection failed while waiting for %s: %s", what,
                       g_strerror(errno));
            return NULL;
        }
        qtest_json_stream_feed(s->qmp_in, buf, n);
    }
}

/*
 * Send the first bytes of @line with @fds attached (SCM_RIGHTS), then the rest; false (failure
 * reported) on error.
 */
static bool qmp_send_with_fds(QTestState *s, const char *line, const int *fds, size_t n_fds,
                              const char *what)
{
    size_t cmsg_space = CMSG_SPACE(n_fds * sizeof(int));
    g_autofree char *control = g_malloc0(cmsg_space);
    struct iovec iov = { .iov_base = (void *)line, .iov_len = strlen(line) };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control,
        .msg_controllen = cmsg_space,
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    ssize_t n;

    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
    memcpy(CMSG_DATA(cmsg), fds, n_fds * sizeof(int));
    do {
        n = sendmsg(s->qmp_fd, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        s->peer_closed = errno == EPIPE || errno == ECONNRESET;
        qtest_fail(s, "sending '%.80s' with %zu fd(s) to hostdev failed: %s", what, n_fds,
                   g_strerror(errno));
        return false;
    }
    return qtest_send_all(s, s->qmp_fd, line + n, strlen(line) - n, what);
}

/*
 * Format, check and send a command, with @fds attached when @n_fds > 0; returns its text (for
 * messages) or NULL on failure.
 */
static char *qmp_vsend_fds(QTestState *s, const int *fds, size_t n_fds, const char *fmt,
                           va_list ap)
{
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    g_autofree char *canonical = NULL, *line = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) node = NULL;

    if (s->broken) {
        return NULL;
    }
    node = json_from_string(text, &err);
    if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
        qtest_fail(s, "QMP request is no valid JSON object (%s): '%.200s'",
                   err ? err->message : "not an object", text);
        return NULL;
    }
    canonical = json_to_string(node, FALSE); /* 'single-quoted' strings become standard JSON */
    line = g_strdup_printf("%s\n", canonical);
    if (n_fds ? !qmp_send_with_fds(s, line, fds, n_fds, text)
              : !qtest_send_all(s, s->qmp_fd, line, strlen(line), text)) {
        return NULL;
    }
    return g_steal_pointer(&text);
}

static char *qmp_vsend(QTestState *s, const char *fmt, va_list ap)
{
    return qmp_vsend_fds(s, NULL, 0, fmt, ap);
}

void qtest_qmp_send(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_free(qmp_vsend(s, fmt, ap));
    va_end(ap);
}

/* The next reply, queueing events; what names the request for messages. */
static JsonObject *qmp_receive_for(QTestState *s, const char *what)
{
    g_autofree char *desc = g_strdup_printf("the reply to %.200s", what);
    gint64 deadline = qtest_deadline();

    if (!g_queue_is_empty(&s->replies)) {
        return g_queue_pop_head(&s->replies);
    }
    for (;;) {
        JsonObject *obj = qmp_read_object(s, desc, deadline);

        if (!obj || !json_object_has_member(obj, "event")) {
            return obj;
        }
        g_queue_push_tail(&s->events, obj);
    }
}

JsonObject *qtest_qmp_receive(QTestState *s)
{
    return qmp_receive_for(s, "a QMP command");
}

/* Send and receive; *request gets the command text. NULL on failure. */
static JsonObject *qmp_vcall(QTestState *s, char **request, const char *fmt, va_list ap)
{
    *request = qmp_vsend(s, fmt, ap);
    return *request ? qmp_receive_for(s, *request) : NULL;
}

JsonObject *qtest_qmp(QTestState *s, const char *fmt, ...)
{
    g_autofree char *request = NULL;
    JsonObject *reply;
    va_list ap;

    va_start(ap, fmt);
    reply = qmp_vcall(s, &request, fmt, ap);
    va_end(ap);
    return reply;
}

JsonObject *qtest_qmp_fds(QTestState *s, const int *fds, size_t n_fds, const char *fmt, ...)
{
    g_autofree char *request = NULL;
    va_list ap;

    va_start(ap, fmt);
    request = qmp_vsend_fds(s, fds, n_fds, fmt, ap);
    va_end(ap);
    return request ? qmp_receive_for(s, request) : NULL;
}

JsonNode *qtest_qmp_assert_success(QTestState *s, const char *fmt, ...)
{
    g_autofree char *request = NULL, *shown = NULL;
    g_autoptr(JsonObject) reply = NULL;
    va_list ap;

    va_start(ap, fmt);
    reply = qmp_vcall(s, &request, fmt, ap);
    va_end(ap);
    if (!reply) {
        return NULL;
    }
    if (json_object_has_member(reply, "return")) {
        return json_node_copy(json_object_get_member(reply, "return"));
    }
    shown = qmp_show(reply);
    qtest_fail(s, "QMP command %.200s failed: %s", request, shown);
    return NULL;
}

char *qtest_qmp_expect_error(QTestState *s, const char *error_class, const char *fmt, ...)
{
    g_autofree char *request = NULL, *shown = NULL;
    g_autoptr(JsonObject) reply = NULL;
    JsonObject *error;
    va_list ap;

    va_start(ap, fmt);
    reply = qmp_vcall(s, &request, fmt, ap);
    va_end(ap);
    if (!reply) {
        return NULL;
    }
    error = json_object_has_member(reply, "error") ? json_object_get_object_member(reply, "error")
                                                  : NULL;
    if (error && !g_strcmp0(json_object_get_string_member_with_default(error, "class", NULL),
                            error_class)) {
        return g_strdup(json_object_get_string_member_with_default(error, "desc", ""));
    }
    shown = qmp_show(reply);
    qtest_fail(s, "QMP command %.200s was expected to fail with %s but got %s", request,
               error_class, shown);
    return NULL;
}

JsonObject *qtest_qmp_event_take(QTestState *s, const char *name)
{
    for (GList *l = s->events.head; l; l = l->next) {
        JsonObject *ev = l->data;

        if (!g_strcmp0(json_object_get_string_member_with_default(ev, "event", NULL), name)) {
            g_queue_delete_link(&s->events, l);
            return ev;
        }
    }
    return NULL;
}

JsonObject *qtest_qmp_eventwait(QTestState *s, const char *name)
{
    g_autofree char *what = g_strdup_printf("event %s", name);
    JsonObject *ev = qtest_qmp_event_take(s, name);
    gint64 deadline = qtest_deadline();

    while (!ev) {
        g_autoptr(JsonObject) obj = qmp_read_object(s, what, deadline);
        const char *event;

        if (!obj) {
            return NULL;
        }
        event = json_object_get_string_member_with_default(obj, "event", NULL);
        if (!json_object_has_member(obj, "event")) {
            g_queue_push_tail(&s->replies, g_steal_pointer(&obj)); /* for qtest_qmp_receive() */
        } else if (!g_strcmp0(event, name)) {
            ev = g_steal_pointer(&obj);
        } else {
            g_queue_push_tail(&s->events, g_steal_pointer(&obj));
        }
    }
    return ev;
}

void qtest_qmp_device_del(QTestState *s, const char *id)
{
    g_autoptr(JsonObject) ev = NULL;

    json_node_unref(
        qtest_qmp_assert_success(s, "{'execute': 'device_del', 'arguments': {'id': '%s'}}", id));
    ev = qtest_qmp_eventwait(s, "DEVICE_DELETED");
    g_assert_nonnull(ev);
    g_assert_cmpstr(
        json_object_get_string_member(json_object_get_object_member(ev, "data"), "device"), ==, id);
}

bool qtest_qmp_handshake(QTestState *s)
{
    g_autoptr(JsonObject) greeting = qmp_read_object(s, "the QMP greeting", qtest_deadline());
    g_autoptr(JsonNode) ret = NULL;
    g_autofree char *shown = NULL;

    if (!greeting) {
        return false;
    }
    if (!json_object_has_member(greeting, "QMP")) {
        shown = qmp_show(greeting);
        qtest_fail(s, "hostdev's first QMP message is no greeting {\"QMP\": ...}: %s", shown);
        return false;
    }
    ret = qtest_qmp_assert_success(s, "{\"execute\": \"qmp_capabilities\"}");
    return ret != NULL;
}

JsonObject *qtest_migrate_wait(QTestState *s, const char *a, const char *b)
{
    gint64 deadline = g_get_monotonic_time() + MAX(qtest_timeout_s(), 60) * G_USEC_PER_SEC;
    const char *st = "none";

    while (g_get_monotonic_time() < deadline) {
        JsonNode *ret = qtest_qmp_assert_success(s, "{'execute': 'query-migrate'}");
        JsonObject *o = json_object_ref(json_node_get_object(ret));

        json_node_unref(ret);
        st = json_object_get_string_member_with_default(o, "status", "none");
        if (!strcmp(st, a) || (b && !strcmp(st, b))) {
            return o;
        }
        json_object_unref(o);
        g_usleep(10 * 1000);
    }
    qtest_fail(s, "query-migrate did not reach status %s%s%s within the timeout", a,
               b ? " or " : "", b ? b : "");
    return NULL;
}
