/*
 * libqtest: starts hostdev on two UNIX sockets it connects back to (qtest and QMP), reports
 * failures with hostdev's stderr, runs qtest request/reply exchanges and shuts hostdev down.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "libqtest-int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define STDERR_TAIL 4096 /* bytes of hostdev's stderr shown with a failure */

int qtest_timeout_s(void)
{
    const char *env = g_getenv("HOSTDEV_QTEST_TIMEOUT");
    int t = env ? atoi(env) : 0;

    return t > 0 ? t : 30;
}

gint64 qtest_deadline(void)
{
    return g_get_monotonic_time() + (gint64)qtest_timeout_s() * G_USEC_PER_SEC;
}

/* Reap hostdev if it ended, waiting up to grace_ms for it to end. */
static void qtest_try_reap(QTestState *s, int grace_ms)
{
    for (int waited = 0; !s->reaped && s->pid > 0; waited += 10) {
        pid_t r = waitpid(s->pid, &s->wait_status, WNOHANG);

        if (r == s->pid || (r < 0 && errno != EINTR)) {
            s->reaped = true;
            s->wait_status = r < 0 ? -1 : s->wait_status;
        } else if (waited >= grace_ms) {
            return;
        } else {
            g_usleep(10 * 1000);
        }
    }
}

char *qtest_child_status(QTestState *s)
{
    qtest_try_reap(s, 0);
    if (!s->reaped) {
        return g_strdup("is running");
    }
    if (s->wait_status == -1) {
        return g_strdup("ended, but its status could not be collected");
    }
    if (WIFEXITED(s->wait_status)) {
        return g_strdup_printf("exited with status %d", WEXITSTATUS(s->wait_status));
    }
    return g_strdup_printf("was killed by signal %d (%s)", WTERMSIG(s->wait_status),
                           strsignal(WTERMSIG(s->wait_status)));
}

/* Forward the last STDERR_TAIL bytes hostdev wrote to stdout/stderr to our stderr. */
static void qtest_show_stderr(QTestState *s)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    gsize len = 0;
    const char *tail;

    if (!s->err_path || !g_file_get_contents(s->err_path, &text, &len, NULL) || !len) {
        return;
    }
    tail = len > STDERR_TAIL ? text + len - STDERR_TAIL : text;
    lines = g_strsplit(tail, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (**l) {
            g_printerr("hostdev stderr: %s\n", *l);
        }
    }
}

static void qtest_kill(QTestState *s)
{
    if (!s->reaped && s->pid > 0) {
        kill(s->pid, SIGKILL);
        while (waitpid(s->pid, &s->wait_status, 0) < 0 && errno == EINTR) {
        }
        s->reaped = true;
    }
}

void qtest_fail(QTestState *s, const char *fmt, ...)
{
    g_autofree char *msg = NULL, *full = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (s && !s->broken && s->pid > 0) {
        g_autofree char *status = NULL;

        s->broken = true;
        qtest_try_reap(s, s->peer_closed ? 1000 : 0); /* let a dying hostdev finish dying */
        status = qtest_child_status(s);
        qtest_show_stderr(s);
        qtest_kill(s);
        full = g_strdup_printf("libqtest: %s [hostdev pid %d %s]", msg, (int)s->pid, status);
    } else {
        if (s) {
            s->broken = true;
        }
        full = g_strdup_printf("libqtest: %s", msg);
    }
    g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, full);
}

bool qtest_send_all(QTestState *s, int fd, const char *data, size_t len, const char *what)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            s->peer_closed = true;
            qtest_fail(s, "hostdev closed the connection before '%.80s' could be sent", what);
            return false;
        }
        if (n < 0) {
            qtest_fail(s, "sending '%.80s' to hostdev failed: %s", what, g_strerror(errno));
            return false;
        }
        data += n;
        len -= n;
    }
    return true;
}

ssize_t qtest_recv(int fd, char *buf, size_t len, gint64 deadline)
{
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        gint64 left_ms = (deadline - g_get_monotonic_time() + 999) / 1000;
        ssize_t n;
        int r;

        if (left_ms <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        r = poll(&pfd, 1, MIN(left_ms, G_MAXINT));
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        if (r <= 0) {
            continue;
        }
        n = recv(fd, buf, len, 0);
        if (n >= 0 || errno != EINTR) {
            return n;
        }
    }
}

/* Read one qtest line (without "\n"); waiting_for names it in failures; NULL on failure. */
char *qtest_read_line(QTestState *s, const char *waiting_for, gint64 deadline)
{
    size_t searched = 0;
    char *nl, *line;

    while (!(nl = memchr(s->qtest_buf->str + searched, '\n', s->qtest_buf->len - searched))) {
        char chunk[16384];
        ssize_t n = qtest_recv(s->qtest_fd, chunk, sizeof(chunk), deadline);

        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            s->peer_closed = true;
            qtest_fail(s, "hostdev closed the qtest connection while libqtest waited for %s",
                       waiting_for);
            return NULL;
        }
        if (n < 0 && errno == ETIMEDOUT) {
            qtest_fail(s, "hostdev sent nothing within %d s while libqtest waited for %s",
                       qtest_timeout_s(), waiting_for);
            return NULL;
        }
        if (n < 0) {
            qtest_fail(s, "reading the qtest connection failed while libqtest waited for %s: %s",
                       waiting_for, g_strerror(errno));
            return NULL;
        }
        searched = s->qtest_buf->len;
        g_string_append_len(s->qtest_buf, chunk, n);
    }
    line = g_strndup(s->qtest_buf->str, nl - s->qtest_buf->str);
    g_string_erase(s->qtest_buf, 0, nl - s->qtest_buf->str + 1);
    return line;
}

/* Record an "IRQ ..." line; false (failure reported) if it is malformed. */
bool qtest_note_irq(QTestState *s, const char *line)
{
    bool level;
    int num;

    if (!qtest_parse_irq(line, &num, &level)) {
        qtest_fail(s, "hostdev sent a malformed IRQ line '%.80s'", line);
        return false;
    }
    if (level) {
        g_hash_table_add(s->irqs_raised, GINT_TO_POINTER(num));
    } else {
        g_hash_table_remove(s->irqs_raised, GINT_TO_POINTER(num));
    }
    return true;
}

char *qtest_transact(QTestState *s, const char *line)
{
    g_autofree char *out = g_strdup_printf("%s\n", line);
    g_autofree char *what = g_strdup_printf("the reply to '%.80s'", line);
    gint64 deadline = qtest_deadline();

    if (s->broken) {
        return NULL;
    }
    if (strchr(line, '\n')) {
        qtest_fail(s, "qtest request '%.80s' holds a newline: send one line at a time", line);
        return NULL;
    }
    if (!qtest_send_all(s, s->qtest_fd, out, strlen(out), line)) {
        return NULL;
    }
    for (;;) {
        char *reply = qtest_read_line(s, what, deadline);

        if (!reply || !g_str_has_prefix(reply, "IRQ ")) {
            return reply;
        }
        if (!qtest_note_irq(s, reply)) {
            g_free(reply);
            return NULL;
        }
        g_free(reply);
    }
}

char *qtest_raw(QTestState *s, const char *line)
{
    return qtest_transact(s, line);
}

pid_t qtest_pid(QTestState *s)
{
    return s->pid;
}

const char *qtest_log_path(QTestState *s)
{
    return s->log_path;
}

/* A listening UNIX socket at path; -1 (failure reported) on error. */
static int qtest_listen(QTestState *s, const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        qtest_fail(s, "socket path '%s' is too long for a UNIX socket: set TMPDIR shorter", path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
        qtest_fail(s, "listening on '%s' failed: %s", path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

/* Accept hostdev's connections to both sockets, in either order, watching it. */
static bool qtest_accept_both(QTestState *s, int qtest_listen_fd, int qmp_listen_fd)
{
    gint64 deadline = qtest_deadline();

    while (s->qtest_fd < 0 || s->qmp_fd < 0) {
        struct pollfd pfd[2] = {
            { .fd = s->qtest_fd < 0 ? qtest_listen_fd : -1, .events = POLLIN },
            { .fd = s->qmp_fd < 0 ? qmp_listen_fd : -1, .events = POLLIN },
        };
        int *dest[2] = { &s->qtest_fd, &s->qmp_fd };

        if (poll(pfd, 2, 100) > 0) {
            for (int i = 0; i < 2; i++) {
                if (pfd[i].revents) {
                    *dest[i] = accept4(pfd[i].fd, NULL, NULL, SOCK_CLOEXEC);
                }
            }
        }
        qtest_try_reap(s, 0);
        if (s->reaped) {
            g_autofree char *status = qtest_child_status(s);

            qtest_fail(s, "hostdev %s before connecting to its %s socket", status,
                       s->qtest_fd < 0 ? "qtest" : "QMP");
            return false;
        }
        if (g_get_monotonic_time() > deadline) {
            qtest_fail(s, "hostdev did not connect to its %s socket within %d s",
                       s->qtest_fd < 0 ? "qtest" : "QMP", qtest_timeout_s());
            return false;
        }
    }
    return true;
}

static void qtest_child_setup(gpointer data)
{
    (void)data;
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* no orphan when a test aborts */
}

static GPtrArray *qtest_argv(QTestState *s, const char *extra_args)
{
    const char *binary = g_getenv("HOSTDEV_BINARY");
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) extra = NULL;
    int n_extra = 0;

    g_ptr_array_add(argv, g_strdup(binary ? binary : "./build/hostdev"));
    g_ptr_array_add(argv, g_strdup("-qtest"));
    g_ptr_array_add(argv, g_strdup_printf("unix:%s", s->qtest_sock));
    g_ptr_array_add(argv, g_strdup("-qtest-log"));
    g_ptr_array_add(argv, g_strdup(s->log_path));
    g_ptr_array_add(argv, g_strdup("-chardev"));
    g_ptr_array_add(argv, g_strdup_printf("socket,path=%s,id=char0", s->qmp_sock));
    g_ptr_array_add(argv, g_strdup("-mon"));
    g_ptr_array_add(argv, g_strdup("chardev=char0,mode=control"));
    g_ptr_array_add(argv, g_strdup("-display"));
    g_ptr_array_add(argv, g_strdup("none"));
    g_ptr_array_add(argv, g_strdup("-accel"));
    g_ptr_array_add(argv, g_strdup("qtest"));
    if (extra_args && *extra_args && !g_shell_parse_argv(extra_args, &n_extra, &extra, &err)) {
        qtest_fail(s, "cannot split the extra arguments '%s': %s", extra_args, err->message);
        return NULL;
    }
    for (int i = 0; i < n_extra; i++) {
        g_ptr_array_add(argv, g_strdup(extra[i]));
    }
    g_ptr_array_add(argv, NULL);
    return g_steal_pointer(&argv);
}

static bool qtest_spawn(QTestState *s, const char *extra_args, const QTestFd *fds, size_t n_fds)
{
    g_autoptr(GPtrArray) argv = qtest_argv(s, extra_args);
    g_autofree int *sources = g_new(int, n_fds + 1);
    g_autofree int *targets = g_new(int, n_fds + 1);
    g_autoptr(GError) err = NULL;
    int err_fd;
    bool ok;

    if (!argv) {
        return false;
    }
    for (size_t i = 0; i < n_fds; i++) {
        sources[i] = fds[i].fd;
        targets[i] = fds[i].target;
    }
    err_fd = open(s->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (err_fd < 0) {
        qtest_fail(s, "cannot create '%s' for hostdev's stderr: %s", s->err_path,
                   g_strerror(errno));
        return false;
    }
    ok = g_spawn_async_with_pipes_and_fds(NULL, (const char *const *)argv->pdata, NULL,
                                          G_SPAWN_DO_NOT_REAP_CHILD, qtest_child_setup, NULL, -1,
                                          err_fd, err_fd, sources, targets, n_fds, &s->pid,
                                          NULL, NULL, NULL, &err);
    close(err_fd);
    if (!ok) {
        qtest_fail(s, "cannot start hostdev '%s' (set HOSTDEV_BINARY): %s",
                   (char *)argv->pdata[0], err->message);
        return false;
    }
    return true;
}

static bool qtest_check_fds(QTestState *s, const QTestFd *fds, size_t n_fds)
{
    for (size_t i = 0; i < n_fds; i++) {
        if (fds[i].target < 3 || fds[i].fd < 0) {
            qtest_fail(s, "fd %d cannot be passed as fd %d: targets start at 3", fds[i].fd,
                       fds[i].target);
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (fds[j].target == fds[i].target) {
                qtest_fail(s, "two fds are passed as fd %d", fds[i].target);
                return false;
            }
        }
    }
    return true;
}

QTestState *qtest_init_with_fds(const char *extra_args, const QTestFd *fds, size_t n_fds)
{
    QTestState *s = g_new0(QTestState, 1);
    g_autoptr(GError) err = NULL;
    int qtest_listen_fd = -1, qmp_listen_fd = -1;

    s->qtest_fd = s->qmp_fd = -1;
    s->qtest_buf = g_string_new(NULL);
    s->qmp_in = qtest_json_stream_new();
    s->irqs_raised = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_queue_init(&s->events);
    g_queue_init(&s->replies);
    if (!qtest_check_fds(s, fds, n_fds)) {
        return s;
    }
    s->tmpdir = g_dir_make_tmp("hostdev-qtest-XXXXXX", &err);
    if (!s->tmpdir) {
        qtest_fail(s, "cannot create a temporary directory: %s", err->message);
        return s;
    }
    s->qtest_sock = g_build_filename(s->tmpdir, "qtest.sock", NULL);
    s->qmp_sock = g_build_filename(s->tmpdir, "qmp.sock", NULL);
    s->log_path = g_build_filename(s->tmpdir, "qtest.log", NULL);
    s->err_path = g_build_filename(s->tmpdir, "stderr.txt", NULL);
    if (strchr(s->tmpdir, ',')) {
        qtest_fail(s, "temporary directory '%s' contains a comma: set TMPDIR", s->tmpdir);
        return s;
    }
    qtest_listen_fd = qtest_listen(s, s->qtest_sock);
    qmp_listen_fd = qtest_listen_fd < 0 ? -1 : qtest_listen(s, s->qmp_sock);
    if (qmp_listen_fd >= 0 && qtest_spawn(s, extra_args, fds, n_fds) &&
        qtest_accept_both(s, qtest_listen_fd, qmp_listen_fd)) {
        qtest_qmp_handshake(s);
    }
    if (qtest_listen_fd >= 0) {
        close(qtest_listen_fd);
    }
    if (qmp_listen_fd >= 0) {
        close(qmp_listen_fd);
    }
    return s;
}

QTestState *qtest_init(const char *extra_args)
{
    return qtest_init_with_fds(extra_args, NULL, 0);
}

/* After quit: read QMP until hostdev closes it, then wait for it to exit (or kill it). */
static void qtest_wait_exit(QTestState *s)
{
    gint64 deadline = qtest_deadline();
    char buf[4096];
    g_autofree char *status = NULL;

    while (qtest_recv(s->qmp_fd, buf, sizeof(buf), deadline) > 0) {
    }
    while (!s->reaped && g_get_monotonic_time() < deadline) {
        qtest_try_reap(s, 100);
    }
    if (!s->reaped) {
        qtest_kill(s);
        qtest_show_stderr(s);
        g_printerr("libqtest: hostdev (pid %d) did not exit within %d s of quit: killed\n",
                   (int)s->pid, qtest_timeout_s());
        g_test_fail();
        return;
    }
    if (!WIFEXITED(s->wait_status) || WEXITSTATUS(s->wait_status)) {
        status = qtest_child_status(s);
        qtest_show_stderr(s);
        g_printerr("libqtest: hostdev (pid %d) %s after quit\n", (int)s->pid, status);
        g_test_fail();
    }
}

static void qtest_remove_tmpdir(QTestState *s)
{
    const char *const paths[] = { s->qtest_sock, s->qmp_sock, s->log_path, s->err_path };

    if (!s->tmpdir) {
        return;
    }
    if (g_test_failed() || g_getenv("HOSTDEV_QTEST_KEEP")) {
        g_printerr("libqtest: hostdev's qtest log and stderr are kept in %s\n", s->tmpdir);
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
        unlink(paths[i]);
    }
    rmdir(s->tmpdir);
}

void qtest_kill_now(QTestState *s)
{
    qtest_kill(s);
    s->broken = true;
    qtest_quit(s);
}

int qtest_expect_exit(QTestState *s, char **err_text)
{
    gint64 deadline = qtest_deadline();
    int status = -1;

    while (!s->reaped && g_get_monotonic_time() < deadline) {
        qtest_try_reap(s, 100);
    }
    if (s->reaped && s->wait_status != -1 && WIFEXITED(s->wait_status)) {
        status = WEXITSTATUS(s->wait_status);
    } else {
        g_autofree char *st = qtest_child_status(s);

        g_printerr("libqtest: hostdev (pid %d) %s instead of exiting by itself\n", (int)s->pid,
                   st);
        g_test_fail();
    }
    if (!s->err_path || !g_file_get_contents(s->err_path, err_text, NULL, NULL)) {
        *err_text = g_strdup("");
    }
    s->broken = true; /* no quit to send */
    qtest_quit(s);
    return status;
}

void qtest_quit(QTestState *s)
{
    static const char quit[] = "{\"execute\": \"quit\"}\n";

    if (!s) {
        return;
    }
    if (!s->broken && !s->reaped && s->pid > 0) {
        if (send(s->qmp_fd, quit, strlen(quit), MSG_NOSIGNAL) < 0) {
            g_test_message("libqtest: sending quit to hostdev failed: %s", g_strerror(errno));
        }
        qtest_wait_exit(s);
    }
    qtest_kill(s);
    if (s->pid > 0) {
        g_spawn_close_pid(s->pid);
    }
    if (s->qtest_fd >= 0) {
        close(s->qtest_fd);
    }
    if (s->qmp_fd >= 0) {
        close(s->qmp_fd);
    }
    qtest_remove_tmpdir(s);
    g_queue_clear_full(&s->events, (GDestroyNotify)json_object_unref);
    g_queue_clear_full(&s->replies, (GDestroyNotify)json_object_unref);
    g_hash_table_destroy(s->irqs_raised);
    qtest_json_stream_free(s->qmp_in);
    g_string_free(s->qtest_buf, TRUE);
    g_free(s->tmpdir);
    g_free(s->qtest_sock);
    g_free(s->qmp_sock);
    g_free(s->log_path);
    g_free(s->err_path);
    g_free(s);
}
