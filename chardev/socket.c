/*
 * Socket chardev: a UNIX stream socket as server (one client at a time) or client, or an
 * inherited socket fd. Non-blocking I/O on the GLib main loop: buffered writes flushed as the
 * peer reads, SCM_RIGHTS fds received with data and queued for the frontend.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "chardev-internal.h"
#include "system/fd-limit.h"

#define READ_CHUNK 4096
#define MAX_FDS_PER_READ 16
#define LISTEN_BACKLOG 8
#define ACCEPT_RETRY_MS 100

struct Chardev {
    gint refcount;
    char *id;
    GMainContext *ctx;
    char *path;                 /* socket path, NULL for an inherited fd */
    bool server;                /* listens (listen_fd) rather than connected at creation */
    bool wait;                  /* chardev_wait_for_client() blocks until a first client */
    bool ever_connected;
    bool closed;
    bool broken;                /* a send failed: the peer is dropped from an idle callback */
    bool owns_file;             /* we bound path: remove it on close if it is still ours */
    dev_t file_dev;
    ino_t file_ino;
    int listen_fd;              /* -1 unless listening */
    int conn_fd;                /* the peer, -1 when none */
    GByteArray *out;            /* unsent output from out_pos on */
    gsize out_pos;
    GArray *fds;                /* received fds not yet taken, oldest first */
    GSource *listen_src, *retry_src, *read_src, *write_src, *broken_src;
    const ChardevHandlers *handlers;
    void *opaque;
};

static void stop_source(GSource **src)
{
    if (*src) {
        g_source_destroy(*src);
        g_clear_pointer(src, g_source_unref);
    }
}

static GSource *watch_fd(Chardev *chr, int fd, GIOCondition cond, GUnixFDSourceFunc fn)
{
    GSource *src = g_unix_fd_source_new(fd, cond);

    g_source_set_callback(src, G_SOURCE_FUNC(fn), chr, NULL);
    g_source_attach(src, chr->ctx);
    return src;
}

static void close_queued_fds(Chardev *chr)
{
    for (guint i = 0; i < chr->fds->len; i++) {
        close(g_array_index(chr->fds, int, i));
    }
    g_array_set_size(chr->fds, 0);
}

static gboolean on_listen(int fd, GIOCondition cond, gpointer opaque);
static gboolean on_readable(int fd, GIOCondition cond, gpointer opaque);
static gboolean on_writable(int fd, GIOCondition cond, gpointer opaque);

/* Make the main-loop watches match the state: listen, read and write only when useful. */
static void update_watches(Chardev *chr)
{
    bool listen = !chr->closed && chr->listen_fd >= 0 && chr->conn_fd < 0 && !chr->retry_src;
    bool read = chr->conn_fd >= 0 && chr->handlers && chr->handlers->read;
    bool write = chr->conn_fd >= 0 && chr->out->len > chr->out_pos;

    if (listen && !chr->listen_src) {
        chr->listen_src = watch_fd(chr, chr->listen_fd, G_IO_IN, on_listen);
    } else if (!listen) {
        stop_source(&chr->listen_src);
    }
    if (read && !chr->read_src) {
        chr->read_src = watch_fd(chr, chr->conn_fd, G_IO_IN, on_readable);
    } else if (!read) {
        stop_source(&chr->read_src);
    }
    if (write && !chr->write_src) {
        chr->write_src = watch_fd(chr, chr->conn_fd, G_IO_OUT, on_writable);
    } else if (!write) {
        stop_source(&chr->write_src);
    }
}

/* Run a frontend callback; the chardev stays alive even if the callback closes it. */
static void notify(Chardev *chr, void (*cb)(void *opaque))
{
    if (cb) {
        chardev_ref(chr);
        cb(chr->opaque);
        chardev_unref(chr);
    }
}

static void drop_peer(Chardev *chr)
{
    if (chr->conn_fd < 0) {
        return;
    }
    stop_source(&chr->read_src);
    stop_source(&chr->write_src);
    stop_source(&chr->broken_src);
    close(chr->conn_fd);
    chr->conn_fd = -1;
    chr->broken = false;
    g_byte_array_set_size(chr->out, 0);
    chr->out_pos = 0;
    close_queued_fds(chr);
    update_watches(chr);
    notify(chr, chr->handlers ? chr->handlers->disconnected : NULL);
}

static void set_peer(Chardev *chr, int fd)
{
    chr->conn_fd = fd;
    chr->ever_connected = true;
    update_watches(chr);
    notify(chr, chr->handlers ? chr->handlers->connected : NULL);
}

static gboolean on_broken(gpointer opaque)
{
    Chardev *chr = opaque;

    g_clear_pointer(&chr->broken_src, g_source_unref);
    drop_peer(chr);
    return G_SOURCE_REMOVE;
}

/* Send what the socket takes now; a dead peer is dropped later, from the main loop. */
static void flush_some(Chardev *chr)
{
    while (chr->conn_fd >= 0 && !chr->broken && chr->out->len > chr->out_pos) {
        ssize_t n = send(chr->conn_fd, chr->out->data + chr->out_pos,
                         chr->out->len - chr->out_pos, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            chr->out_pos += n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            chr->broken = true;
            chr->broken_src = g_idle_source_new();
            g_source_set_callback(chr->broken_src, on_broken, chr, NULL);
            g_source_attach(chr->broken_src, chr->ctx);
        }
    }
    if (chr->broken || chr->out_pos == chr->out->len) {
        g_byte_array_set_size(chr->out, 0);
        chr->out_pos = 0;
    } else if (chr->out_pos > 65536 && chr->out_pos > chr->out->len / 2) {
        g_byte_array_remove_range(chr->out, 0, chr->out_pos);
        chr->out_pos = 0;
    }
    update_watches(chr);
}

static gboolean on_writable(int fd, GIOCondition cond, gpointer opaque)
{
    (void)fd;
    (void)cond;
    flush_some(opaque);
    return G_SOURCE_CONTINUE;
}

static void queue_fd(Chardev *chr, int fd)
{
    if (chr->fds->len == CHARDEV_MAX_QUEUED_FDS) {
        close(g_array_index(chr->fds, int, 0));
        g_array_remove_index(chr->fds, 0);
    }
    g_array_append_val(chr->fds, fd);
}

/* recvmsg() one chunk, queueing any SCM_RIGHTS fds that came with it. */
static ssize_t recv_with_fds(Chardev *chr, guint8 *buf, gsize len)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * MAX_FDS_PER_READ)];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl),
    };
    ssize_t n = recvmsg(chr->conn_fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

    if (n < 0) {
        return n;
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        gsize count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (gsize i = 0; i < count; i++) {
            int fd;

            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            queue_fd(chr, fd);
        }
    }
    return n;
}

static gboolean on_readable(int fd, GIOCondition cond, gpointer opaque)
{
    Chardev *chr = opaque;
    guint8 buf[READ_CHUNK];
    ssize_t n = recv_with_fds(chr, buf, sizeof(buf));

    (void)fd;
    if (n > 0 && chr->handlers && chr->handlers->read) {
        chardev_ref(chr);
        chr->handlers->read(chr->opaque, buf, n);
        chardev_unref(chr);
    } else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || (cond & G_IO_ERR)) {
        drop_peer(chr);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_accept_retry(gpointer opaque)
{
    Chardev *chr = opaque;

    g_clear_pointer(&chr->retry_src, g_source_unref);
    update_watches(chr);
    return G_SOURCE_REMOVE;
}

static gboolean on_listen(int fd, GIOCondition cond, gpointer opaque)
{
    Chardev *chr = opaque;
    int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    (void)cond;
    if (conn >= 0) {
        set_peer(chr, conn);
    } else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
        /* Out of fds or memory: pause accepting rather than spin on the listening socket. */
        chr->retry_src = g_timeout_source_new(ACCEPT_RETRY_MS);
        g_source_set_callback(chr->retry_src, on_accept_retry, chr, NULL);
        g_source_attach(chr->retry_src, chr->ctx);
        update_watches(chr);
    }
    return G_SOURCE_CONTINUE;
}

static bool fill_sockaddr(const char *path, struct sockaddr_un *sa, GError **errp)
{
    *sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa->sun_path)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                    "socket path '%s' is too long (at most %zu bytes): use a shorter path", path,
                    sizeof(sa->sun_path) - 1);
        return false;
    }
    strcpy(sa->sun_path, path);
    return true;
}

/* Bind and listen on @path (a stale socket file there is replaced); returns the fd or -1. */
static int listen_unix(Chardev *chr, const char *path, GError **errp)
{
    struct sockaddr_un sa;
    struct stat st;
    int fd;

    if (!fill_sockaddr(path, &sa, errp)) {
        return -1;
    }
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, LISTEN_BACKLOG) < 0 || stat(path, &st) < 0) {
        int err = errno;
        g_autofree char *advice = hd_fd_limit_advice(err);

        if (advice) {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                        "cannot listen on '%s': %s; %s", path, g_strerror(err), advice);
        } else {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                        "cannot listen on '%s': %s (is the directory writable, the path unused?)",
                        path, g_strerror(err));
        }
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    chr->owns_file = true;
    chr->file_dev = st.st_dev;
    chr->file_ino = st.st_ino;
    return fd;
}

/* Connect to the server listening on @path; returns the non-blocking fd or -1. */
static int connect_unix(const char *path, GError **errp)
{
    struct sockaddr_un sa;
    int fd;

    if (!fill_sockaddr(path, &sa, errp)) {
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        !g_unix_set_fd_nonblocking(fd, TRUE, NULL)) {
        int err = errno;
        g_autofree char *advice = hd_fd_limit_advice(err);

        if (advice) {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                        "cannot connect to '%s': %s; %s", path, g_strerror(err), advice);
        } else {
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err),
                        "cannot connect to '%s': %s (is a server listening there?)", path,
                        g_strerror(err));
        }
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

/* Check inherited @fd is a stream socket and tell whether it listens; false on error. */
static bool probe_fd(int fd, bool *listening, GError **errp)
{
    struct stat st;
    int type = 0, acc = 0;
    socklen_t len = sizeof(int);

    if (fstat(fd, &st) < 0) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "fd=%d is not open in hostdev: pass the socket to the child process", fd);
        return false;
    }
    if (!S_ISSOCK(st.st_mode)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "fd=%d is not a socket: pass a stream socket", fd);
        return false;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM ||
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "fd=%d is not a stream socket: pass a SOCK_STREAM socket", fd);
        return false;
    }
    *listening = acc != 0;
    return g_unix_set_fd_nonblocking(fd, TRUE, errp) && fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

static void chardev_free(Chardev *chr)
{
    stop_source(&chr->listen_src);
    stop_source(&chr->retry_src);
    stop_source(&chr->read_src);
    stop_source(&chr->write_src);
    stop_source(&chr->broken_src);
    if (chr->conn_fd >= 0) {
        close(chr->conn_fd);
    }
    if (chr->listen_fd >= 0) {
        close(chr->listen_fd);
    }
    close_queued_fds(chr);
    g_array_unref(chr->fds);
    g_byte_array_unref(chr->out);
    g_main_context_unref(chr->ctx);
    g_free(chr->path);
    g_free(chr->id);
    g_free(chr);
}

Chardev *chardev_new_socket(const char *id, const char *path, int fd, bool server, bool wait,
                            GError **errp)
{
    bool listening = server;

    if (!chardev_registry_check(id, errp)) {
        return NULL;
    }
    if ((path == NULL) == (fd < 0)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "chardev '%s' needs exactly one of path= and fd=", id);
        return NULL;
    }
    if (fd >= 0 && !probe_fd(fd, &listening, errp)) {
        return NULL;
    }

    g_autoptr(Chardev) chr = g_new0(Chardev, 1);
    chr->refcount = 1;
    chr->id = g_strdup(id);
    chr->ctx = g_main_context_ref_thread_default();
    chr->path = g_strdup(path);
    chr->server = listening;
    chr->wait = listening && wait;
    chr->listen_fd = -1;
    chr->conn_fd = -1;
    chr->out = g_byte_array_new();
    chr->fds = g_array_new(FALSE, FALSE, sizeof(int));

    if (fd >= 0 && listening) {
        chr->listen_fd = fd;
    } else if (fd >= 0) {
        set_peer(chr, fd);
    } else if (server) {
        chr->listen_fd = listen_unix(chr, path, errp);
        if (chr->listen_fd < 0) {
            return NULL;
        }
    } else {
        int conn = connect_unix(path, errp);
        if (conn < 0) {
            return NULL;
        }
        set_peer(chr, conn);
    }
    update_watches(chr);
    chardev_registry_add(id, chr);
    return chr; /* the registry's reference keeps it; ours goes with g_autoptr */
}

const char *chardev_get_id(Chardev *chr)
{
    return chr->id;
}

Chardev *chardev_ref(Chardev *chr)
{
    g_atomic_int_inc(&chr->refcount);
    return chr;
}

void chardev_unref(Chardev *chr)
{
    if (chr && g_atomic_int_dec_and_test(&chr->refcount)) {
        chardev_free(chr);
    }
}

bool chardev_set_handlers(Chardev *chr, const ChardevHandlers *handlers, void *opaque,
                          GError **errp)
{
    if (chr->handlers) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_BUSY,
                    "chardev '%s' is already used by another frontend: give each its own chardev",
                    chr->id);
        return false;
    }
    if (chr->closed) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_CLOSED,
                    "chardev '%s' is closed: create a new one", chr->id);
        return false;
    }
    chr->handlers = handlers;
    chr->opaque = opaque;
    update_watches(chr);
    if (chr->conn_fd >= 0) {
        notify(chr, handlers->connected);
    }
    return true;
}

void chardev_clear_handlers(Chardev *chr)
{
    chr->handlers = NULL;
    chr->opaque = NULL;
    update_watches(chr);
}

bool chardev_is_connected(Chardev *chr)
{
    return chr->conn_fd >= 0 && !chr->broken;
}

bool chardev_write(Chardev *chr, const void *buf, gsize len)
{
    if (!chardev_is_connected(chr)) {
        return false;
    }
    g_byte_array_append(chr->out, buf, len);
    if (!chr->write_src) {
        flush_some(chr);
    }
    return true;
}

bool chardev_flush(Chardev *chr, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        flush_some(chr);
        if (!chardev_is_connected(chr)) {
            return false;
        }
        if (chr->out->len == chr->out_pos) {
            return true;
        }
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd pfd = { .fd = chr->conn_fd, .events = POLLOUT };
        if (left_ms <= 0 || poll(&pfd, 1, left_ms) == 0) {
            return false;
        }
    }
}

int chardev_take_fd(Chardev *chr)
{
    int fd;

    if (!chr->fds->len) {
        return -1;
    }
    fd = g_array_index(chr->fds, int, chr->fds->len - 1);
    g_array_set_size(chr->fds, chr->fds->len - 1);
    return fd;
}

bool chardev_wait_for_client(Chardev *chr, GError **errp)
{
    g_autoptr(Chardev) hold = chardev_ref(chr); /* chr must outlive the handlers run here */

    (void)hold;
    while (chr->wait && !chr->ever_connected && !chr->closed) {
        g_main_context_iteration(chr->ctx, TRUE);
    }
    if (chr->closed) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_CLOSED,
                    "chardev '%s' was closed while waiting for a client", chr->id);
        return false;
    }
    return true;
}

void chardev_disconnect(Chardev *chr)
{
    drop_peer(chr);
}

static void remove_socket_file(Chardev *chr)
{
    struct stat st;

    /* Only our own socket: another process may have replaced it meanwhile. */
    if (chr->owns_file && lstat(chr->path, &st) == 0 && st.st_dev == chr->file_dev &&
        st.st_ino == chr->file_ino) {
        unlink(chr->path);
    }
    chr->owns_file = false;
}

void chardev_close(Chardev *chr)
{
    if (chr->closed) {
        return;
    }
    g_autoptr(Chardev) hold = chardev_ref(chr); /* chr must outlive the handlers run here */

    (void)hold;
    chr->closed = true;
    flush_some(chr);
    drop_peer(chr);
    stop_source(&chr->listen_src);
    stop_source(&chr->retry_src);
    if (chr->listen_fd >= 0) {
        close(chr->listen_fd);
        chr->listen_fd = -1;
    }
    remove_socket_file(chr);
    chardev_registry_remove(chr->id);
}

char *chardev_filename(Chardev *chr)
{
    if (!chr->path) {
        return g_strdup_printf("fd:%d", chr->conn_fd >= 0 ? chr->conn_fd : chr->listen_fd);
    }
    return g_strdup_printf("unix:%s%s", chr->path, chr->server ? ",server=on" : "");
}
