/*
 * Unit tests of the socket chardev over real UNIX sockets on the GLib main loop:
 * server and client modes, inherited fds, one client at a time, SCM_RIGHTS, buffering, errors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "chardev/chardev.h"

typedef struct Frontend {
    int connects;
    int disconnects;
    GByteArray *in;
    bool close_on_read;
    Chardev *chr;
} Frontend;

static void fe_read(void *opaque, const guint8 *buf, gsize len)
{
    Frontend *fe = opaque;

    g_byte_array_append(fe->in, buf, len);
    if (fe->close_on_read) {
        chardev_close(fe->chr);
    }
}

static void fe_connected(void *opaque)
{
    ((Frontend *)opaque)->connects++;
}

static void fe_disconnected(void *opaque)
{
    ((Frontend *)opaque)->disconnects++;
}

static const ChardevHandlers fe_handlers = {
    .read = fe_read, .connected = fe_connected, .disconnected = fe_disconnected,
};

static void fe_init(Frontend *fe, Chardev *chr)
{
    *fe = (Frontend){ .in = g_byte_array_new(), .chr = chr };
    g_assert_true(chardev_set_handlers(chr, &fe_handlers, fe, NULL));
}

static void fe_clear(Frontend *fe)
{
    g_byte_array_unref(fe->in);
}

/* Run the main loop until *counter reaches @want (5 s at most). */
static void run_until(const int *counter, int want)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (*counter < want) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        if (!g_main_context_iteration(NULL, FALSE)) {
            g_usleep(1000);
        }
    }
}

static void run_until_bytes(Frontend *fe, guint len)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (fe->in->len < len) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        if (!g_main_context_iteration(NULL, FALSE)) {
            g_usleep(1000);
        }
    }
}

/* Read exactly @len bytes from the test's end of a socket while the main loop runs. */
static void read_exact(int fd, void *buf, size_t len)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    size_t got = 0;

    while (got < len) {
        ssize_t n = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);
        if (n > 0) {
            got += n;
            continue;
        }
        g_assert_true(n < 0 && (errno == EAGAIN || errno == EINTR));
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        if (!g_main_context_iteration(NULL, FALSE)) {
            g_usleep(1000);
        }
    }
}

/* True when nothing is readable on @fd after the main loop had a chance to run. */
static bool nothing_to_read(int fd)
{
    char c;

    for (int i = 0; i < 20; i++) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    return recv(fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static int listen_on(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    return fd;
}

static void send_with_fd(int sock, const char *data, int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = { .iov_base = (void *)data, .iov_len = strlen(data) };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl),
    };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    g_assert_cmpint(sendmsg(sock, &msg, 0), ==, (ssize_t)strlen(data));
}

static char *tmp_dir;

static char *tmp_path(const char *name)
{
    return g_build_filename(tmp_dir, name, NULL);
}

static void test_spec_errors(void)
{
    static const char *const bad[] = {
        "tcp:localhost:4444", "unix:", "unix:/tmp/x,wait=off", "unix:/tmp/x,bogus",
        "unix:/tmp/x,server=maybe", "unix:/tmp/x,server,wait=sometimes",
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_assert_null(chardev_new_from_spec("c", bad[i], &err));
        g_assert_nonnull(err);
        g_assert_null(chardev_find("c"));
    }
}

static void test_spec_server(void)
{
    g_autofree char *spec = g_strdup_printf("unix:%s/a,,b,server=on,wait=off", tmp_dir);
    g_autofree char *path = tmp_path("a,b");
    g_autoptr(GError) err = NULL;
    Chardev *chr = chardev_new_from_spec("spec0", spec, &err);
    struct stat st;

    g_assert_no_error(err);
    g_assert_true(chardev_find("spec0") == chr);
    g_assert_cmpstr(chardev_get_id(chr), ==, "spec0");
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_true(S_ISSOCK(st.st_mode));
    /* wait=off: returns at once without a client. */
    g_assert_true(chardev_wait_for_client(chr, NULL));
    chardev_close(chr);
    g_assert_null(chardev_find("spec0"));
    g_assert_cmpint(stat(path, &st), <, 0);
}

static void test_ids(void)
{
    g_autofree char *path = tmp_path("ids");
    g_autoptr(GError) err = NULL;
    Chardev *chr = chardev_new_socket("dup", path, -1, true, false, &err);

    g_assert_no_error(err);
    g_assert_null(chardev_new_socket("dup", path, -1, true, false, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_EXISTS);
    g_clear_error(&err);
    g_assert_null(chardev_new_socket("9bad", path, -1, true, false, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error(&err);
    g_assert_null(chardev_new_socket("bad id", path, -1, true, false, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error(&err);
    g_assert_null(chardev_new_socket("x", NULL, -1, true, false, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error(&err);
    g_assert_null(chardev_new_socket("x", path, 0, true, false, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    chardev_close(chr);
}

static void test_path_errors(void)
{
    g_autofree char *missing = tmp_path("missing");
    g_autofree char *nodir = tmp_path("nodir/sock");
    g_autofree char *longp = g_strnfill(200, 'x');
    g_autoptr(GError) err = NULL;

    g_assert_null(chardev_new_socket("c", missing, -1, false, false, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_clear_error(&err);
    g_assert_null(chardev_new_socket("c", nodir, -1, true, false, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_clear_error(&err);
    g_assert_null(chardev_new_socket("c", longp, -1, true, false, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG);
    g_assert_null(chardev_find("c"));
}

static void test_fd_errors(void)
{
    g_autoptr(GError) err = NULL;
    int p[2], dg[2];

    g_assert_cmpint(pipe(p), ==, 0);
    g_assert_null(chardev_new_socket("c", NULL, p[0], false, false, &err));
    g_assert_nonnull(strstr(err->message, "not a socket"));
    g_clear_error(&err);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg), ==, 0);
    g_assert_null(chardev_new_socket("c", NULL, dg[0], false, false, &err));
    g_assert_nonnull(strstr(err->message, "stream"));
    g_clear_error(&err);
    close(p[1]);
    g_assert_null(chardev_new_socket("c", NULL, p[1], false, false, &err));
    g_assert_nonnull(strstr(err->message, "not open"));
    /* A failed adoption leaves the fd with the caller. */
    g_assert_cmpint(fcntl(p[0], F_GETFD), >=, 0);
    close(p[0]);
    close(dg[0]);
    close(dg[1]);
}

static void test_server_nowait(void)
{
    g_autofree char *path = tmp_path("srv");
    Chardev *chr = chardev_new_socket("srv", path, -1, true, false, NULL);
    Frontend fe;
    char buf[6];
    int cl;

    fe_init(&fe, chr);
    g_assert_false(chardev_is_connected(chr));
    g_assert_false(chardev_write(chr, "lost", 4));
    cl = connect_to(path);
    run_until(&fe.connects, 1);
    g_assert_true(chardev_is_connected(chr));
    g_assert_cmpint(send(cl, "ping", 4, 0), ==, 4);
    run_until_bytes(&fe, 4);
    g_assert_cmpmem(fe.in->data, 4, "ping", 4);
    g_assert_true(chardev_write(chr, "pong!\n", 6));
    read_exact(cl, buf, 6);
    g_assert_cmpmem(buf, 6, "pong!\n", 6);
    close(cl);
    run_until(&fe.disconnects, 1);
    g_assert_false(chardev_is_connected(chr));
    chardev_close(chr);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    fe_clear(&fe);
}

static void test_second_client_waits(void)
{
    g_autofree char *path = tmp_path("two");
    Chardev *chr = chardev_new_socket("two", path, -1, true, false, NULL);
    Frontend fe;
    char buf[3];
    int a, b;

    fe_init(&fe, chr);
    a = connect_to(path);
    run_until(&fe.connects, 1);
    b = connect_to(path); /* the kernel queues it; the chardev does not accept it yet */
    g_assert_true(chardev_write(chr, "one", 3));
    read_exact(a, buf, 3);
    g_assert_cmpmem(buf, 3, "one", 3);
    g_assert_true(nothing_to_read(b));
    g_assert_cmpint(fe.connects, ==, 1);

    g_assert_cmpint(send(b, "bb", 2, 0), ==, 2);
    close(a);
    run_until(&fe.connects, 2);
    g_assert_cmpint(fe.disconnects, ==, 1);
    run_until_bytes(&fe, 2);
    g_assert_cmpmem(fe.in->data, 2, "bb", 2);
    g_assert_true(chardev_write(chr, "two", 3));
    read_exact(b, buf, 3);
    g_assert_cmpmem(buf, 3, "two", 3);

    /* Closing with a client attached tells the frontend and hangs up on the client. */
    chardev_close(chr);
    g_assert_cmpint(fe.disconnects, ==, 2);
    g_assert_cmpint(recv(b, buf, 1, 0), ==, 0);
    close(b);
    fe_clear(&fe);
}

static void test_wait_for_client(void)
{
    g_autofree char *path = tmp_path("wait");
    g_autofree char *spec = g_strdup_printf("unix:%s,server", path);
    Chardev *chr = chardev_new_from_spec("wait", spec, NULL);
    int cl = connect_to(path);
    Frontend fe;

    g_assert_true(chardev_wait_for_client(chr, NULL));
    g_assert_true(chardev_is_connected(chr));
    /* A frontend attached after the connection hears about it at once. */
    fe_init(&fe, chr);
    g_assert_cmpint(fe.connects, ==, 1);
    chardev_close(chr);
    close(cl);
    fe_clear(&fe);
}

static void test_client_mode(void)
{
    g_autofree char *path = tmp_path("cli");
    g_autofree char *spec = g_strdup_printf("unix:%s", path);
    int lfd = listen_on(path);
    Chardev *chr = chardev_new_from_spec("cli", spec, NULL);
    int peer = accept(lfd, NULL, NULL);
    Frontend fe;
    char buf[5];

    g_assert_nonnull(chr);
    g_assert_cmpint(peer, >=, 0);
    g_assert_true(chardev_is_connected(chr));
    fe_init(&fe, chr);
    g_assert_cmpint(fe.connects, ==, 1);
    g_assert_true(chardev_write(chr, "hello", 5));
    read_exact(peer, buf, 5);
    g_assert_cmpmem(buf, 5, "hello", 5);
    g_assert_cmpint(send(peer, "hi", 2, 0), ==, 2);
    run_until_bytes(&fe, 2);
    close(peer);
    run_until(&fe.disconnects, 1);
    /* A client does not reconnect; the server's socket file is not ours to remove. */
    g_assert_false(chardev_is_connected(chr));
    chardev_close(chr);
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    close(lfd);
    unlink(path);
    fe_clear(&fe);
}

static void test_fd_listening(void)
{
    g_autofree char *path = tmp_path("inh");
    int lfd = listen_on(path);
    Chardev *chr = chardev_new_socket("inh", NULL, lfd, false, false, NULL);
    Frontend fe;
    int cl;

    g_assert_nonnull(chr);
    fe_init(&fe, chr);
    cl = connect_to(path);
    run_until(&fe.connects, 1);
    chardev_close(chr);
    g_assert_cmpint(fcntl(lfd, F_GETFD), <, 0); /* the chardev owned and closed it */
    close(cl);
    unlink(path);
    fe_clear(&fe);
}

static void test_fd_connected(void)
{
    int sv[2];
    Chardev *chr;
    Frontend fe;
    char buf[2];

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    chr = chardev_new_socket("pair", NULL, sv[0], true, true, NULL);
    g_assert_nonnull(chr);
    g_assert_true(chardev_is_connected(chr));
    g_assert_true(chardev_wait_for_client(chr, NULL));
    fe_init(&fe, chr);
    g_assert_true(chardev_write(chr, "ok", 2));
    read_exact(sv[1], buf, 2);
    g_assert_cmpmem(buf, 2, "ok", 2);
    chardev_close(chr);
    close(sv[1]);
    fe_clear(&fe);
}

static void test_scm_rights(void)
{
    int sv[2], p[2], q[2];
    Chardev *chr;
    Frontend fe;
    char c;
    int fd;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    chr = chardev_new_socket("fds", NULL, sv[0], false, false, NULL);
    fe_init(&fe, chr);
    g_assert_cmpint(chardev_take_fd(chr), ==, -1);
    g_assert_cmpint(pipe(p), ==, 0);
    g_assert_cmpint(pipe(q), ==, 0);
    send_with_fd(sv[1], "a", p[1]);
    send_with_fd(sv[1], "b", q[1]);
    run_until_bytes(&fe, 2);

    /* The most recent first: q's write end, then p's. */
    fd = chardev_take_fd(chr);
    g_assert_cmpint(write(fd, "Q", 1), ==, 1);
    g_assert_cmpint(read(q[0], &c, 1), ==, 1);
    g_assert_cmpint(c, ==, 'Q');
    close(fd);
    close(q[1]);
    g_assert_cmpint(read(q[0], &c, 1), ==, 0);

    /* An fd nobody takes is closed when the peer goes: p's reader then sees EOF. */
    close(p[1]);
    close(sv[1]);
    run_until(&fe.disconnects, 1);
    g_assert_cmpint(read(p[0], &c, 1), ==, 0);
    close(p[0]);
    close(q[0]);
    chardev_close(chr);
    fe_clear(&fe);
}

static void test_fd_queue_cap(void)
{
    int sv[2], p[2];
    Chardev *chr;
    Frontend fe;
    int n = 0;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    chr = chardev_new_socket("cap", NULL, sv[0], false, false, NULL);
    fe_init(&fe, chr);
    g_assert_cmpint(pipe(p), ==, 0);
    for (int i = 0; i < CHARDEV_MAX_QUEUED_FDS + 8; i++) {
        send_with_fd(sv[1], "x", p[1]);
    }
    run_until_bytes(&fe, CHARDEV_MAX_QUEUED_FDS + 8);
    for (int fd; (fd = chardev_take_fd(chr)) >= 0; n++) {
        close(fd);
    }
    g_assert_cmpint(n, ==, CHARDEV_MAX_QUEUED_FDS);
    close(p[1]);
    g_assert_cmpint(read(p[0], &n, 1), ==, 0); /* no copy of the write end is left open */
    close(p[0]);
    close(sv[1]);
    chardev_close(chr);
    fe_clear(&fe);
}

static void test_big_write(void)
{
    const gsize size = 4 * 1024 * 1024;
    g_autofree guint8 *data = g_malloc(size);
    g_autofree guint8 *back = g_malloc(size);
    int sv[2];
    Chardev *chr;

    for (gsize i = 0; i < size; i++) {
        data[i] = i * 7 + (i >> 12);
    }
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    chr = chardev_new_socket("big", NULL, sv[0], false, false, NULL);
    /* Written in pieces before the peer reads anything: all must arrive, in order. */
    for (gsize off = 0; off < size; off += size / 4) {
        g_assert_true(chardev_write(chr, data + off, size / 4));
    }
    read_exact(sv[1], back, size);
    g_assert_cmpmem(back, size, data, size);
    g_assert_true(chardev_write(chr, "z", 1));
    g_assert_true(chardev_flush(chr, 1000));
    g_assert_cmpint(read(sv[1], back, 1), ==, 1);
    chardev_close(chr);
    close(sv[1]);
}

static void test_write_to_dead_peer(void)
{
    g_autofree guint8 *junk = g_malloc0(1024 * 1024);
    int sv[2];
    Chardev *chr;
    Frontend fe;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    chr = chardev_new_socket("dead", NULL, sv[0], false, false, NULL);
    fe = (Frontend){ .in = g_byte_array_new(), .chr = chr };
    /* No read handler: the hang-up is found by the failing send. */
    static const ChardevHandlers only_events = {
        .connected = fe_connected, .disconnected = fe_disconnected,
    };
    g_assert_true(chardev_set_handlers(chr, &only_events, &fe, NULL));
    close(sv[1]);
    chardev_write(chr, junk, 1024 * 1024);
    g_assert_false(chardev_write(chr, "x", 1));
    g_assert_false(chardev_flush(chr, 10));
    run_until(&fe.disconnects, 1);
    chardev_close(chr);
    fe_clear(&fe);
}

static void test_close_in_callback(void)
{
    int sv[2];
    g_autoptr(Chardev) chr = NULL;
    g_autoptr(GError) err = NULL;
    Frontend fe;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    chr = chardev_ref(chardev_new_socket("reent", NULL, sv[0], false, false, NULL));
    fe_init(&fe, chr);
    g_assert_false(chardev_set_handlers(chr, &fe_handlers, &fe, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_clear_error(&err);
    fe.close_on_read = true;
    g_assert_cmpint(send(sv[1], "q", 1, 0), ==, 1);
    run_until(&fe.disconnects, 1);
    g_assert_null(chardev_find("reent"));
    g_assert_false(chardev_write(chr, "x", 1));
    chardev_clear_handlers(chr);
    g_assert_false(chardev_set_handlers(chr, &fe_handlers, &fe, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_CLOSED);
    g_assert_false(chardev_wait_for_client(chr, NULL));
    close(sv[1]);
    fe_clear(&fe);
}

static void test_stale_socket_replaced(void)
{
    g_autofree char *path = tmp_path("stale");
    int lfd = listen_on(path);
    Chardev *chr;

    close(lfd); /* leaves a socket file nobody listens on */
    chr = chardev_new_socket("stale", path, -1, true, false, NULL);
    g_assert_nonnull(chr);
    close(connect_to(path));
    chardev_close_all();
    g_assert_null(chardev_find("stale"));
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
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
    g_main_context_default(); /* its wakeup fd is not ours to count */
    fds_before = count_open_fds();
    tmp_dir = g_dir_make_tmp("test-chardev-XXXXXX", NULL);
    g_assert_nonnull(tmp_dir);
    g_test_add_func("/chardev/spec/errors", test_spec_errors);
    g_test_add_func("/chardev/spec/server", test_spec_server);
    g_test_add_func("/chardev/ids", test_ids);
    g_test_add_func("/chardev/path-errors", test_path_errors);
    g_test_add_func("/chardev/fd-errors", test_fd_errors);
    g_test_add_func("/chardev/server-nowait", test_server_nowait);
    g_test_add_func("/chardev/second-client-waits", test_second_client_waits);
    g_test_add_func("/chardev/wait-for-client", test_wait_for_client);
    g_test_add_func("/chardev/client", test_client_mode);
    g_test_add_func("/chardev/fd/listening", test_fd_listening);
    g_test_add_func("/chardev/fd/connected", test_fd_connected);
    g_test_add_func("/chardev/scm-rights", test_scm_rights);
    g_test_add_func("/chardev/fd-queue-cap", test_fd_queue_cap);
    g_test_add_func("/chardev/big-write", test_big_write);
    g_test_add_func("/chardev/dead-peer", test_write_to_dead_peer);
    g_test_add_func("/chardev/close-in-callback", test_close_in_callback);
    g_test_add_func("/chardev/stale-socket", test_stale_socket_replaced);
    ret = g_test_run();
    chardev_close_all();
    g_assert_cmpuint(count_open_fds(), ==, fds_before);
    rmdir(tmp_dir);
    g_free(tmp_dir);
    return ret;
}
