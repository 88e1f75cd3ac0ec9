/*
 * File-descriptor chardevs: stdio (stdin/stdout), file (append output to PATH), pty (a new
 * pseudo-terminal; its path is announced on stderr and in query-chardev) and null.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "chardev-internal.h"
#include "chardev/char-fd.h"

struct CharFd {
    char *id;
    char *filename;
    int in_fd;  /* -1: no input */
    int out_fd; /* -1: output dropped */
    bool own_fds;
    guint watch;
    CharFdReadFn read;
    void *opaque;
};

static GHashTable *registry; /* id -> CharFd */

static void char_fd_free(CharFd *c)
{
    if (c->watch) {
        g_source_remove(c->watch);
    }
    if (c->own_fds) {
        if (c->in_fd >= 0) {
            close(c->in_fd);
        }
        if (c->out_fd >= 0 && c->out_fd != c->in_fd) {
            close(c->out_fd);
        }
    }
    g_free(c->id);
    g_free(c->filename);
    g_free(c);
}

static gboolean on_input(gint fd, GIOCondition cond, gpointer opaque)
{
    CharFd *c = opaque;
    guint8 buf[256];
    ssize_t n;

    (void)cond;
    n = read(fd, buf, sizeof(buf));
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return G_SOURCE_CONTINUE;
        }
        if (n < 0 && errno == EIO) {
            /* A pty whose other side is closed: wait for the next reader. */
            g_usleep(100000);
            return G_SOURCE_CONTINUE;
        }
        c->watch = 0;
        return G_SOURCE_REMOVE;
    }
    if (c->read) {
        c->read(c->opaque, buf, (gsize)n);
    }
    return G_SOURCE_CONTINUE;
}

static bool open_pty(CharFd *c, GError **errp)
{
    struct termios tio;
    int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    const char *name;

    if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 || !(name = ptsname(fd))) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "-chardev pty,id=%s: cannot create a pseudo-terminal: %s", c->id,
                    g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    if (tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(fd, TCSAFLUSH, &tio);
    }
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    c->in_fd = c->out_fd = fd;
    c->filename = g_strdup_printf("pty:%s", name);
    fprintf(stderr, "char device redirected to %s (label %s)\n", name, c->id);
    return true;
}

CharFd *char_fd_new(const char *id, const char *backend, const char *path, GError **errp)
{
    CharFd *c;

    if (!chardev_registry_check(id, errp)) {
        return NULL;
    }
    if (registry && g_hash_table_contains(registry, id)) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "chardev '%s' already exists: give each chardev its own id", id);
        return NULL;
    }
    c = g_new0(CharFd, 1);
    c->id = g_strdup(id);
    c->in_fd = c->out_fd = -1;
    if (!strcmp(backend, "stdio")) {
        c->in_fd = STDIN_FILENO;
        c->out_fd = STDOUT_FILENO;
        c->filename = g_strdup("stdio");
    } else if (!strcmp(backend, "file")) {
        if (!path) {
            g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "-chardev file,id=%s: path= is required", id);
            goto fail;
        }
        c->out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (c->out_fd < 0) {
            g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                        "-chardev file,id=%s: cannot open '%s' for writing: %s", id, path,
                        g_strerror(errno));
            goto fail;
        }
        c->own_fds = true;
        c->filename = g_strdup_printf("file:%s", path);
    } else if (!strcmp(backend, "pty")) {
        c->own_fds = true;
        if (!open_pty(c, errp)) {
            goto fail;
        }
    } else if (!strcmp(backend, "null")) {
        c->filename = g_strdup("null");
    } else {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "-chardev %s: backend not supported by hostdev (socket, stdio, file, pty, null)",
                    backend);
        goto fail;
    }
    if (c->in_fd >= 0) {
        c->watch = g_unix_fd_add(c->in_fd, G_IO_IN, on_input, c);
    }
    if (!registry) {
        registry = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify)char_fd_free);
    }
    g_hash_table_insert(registry, c->id, c);
    return c;

fail:
    char_fd_free(c);
    return NULL;
}

CharFd *char_fd_find(const char *id)
{
    return registry && id ? g_hash_table_lookup(registry, id) : NULL;
}

void char_fd_set_reader(CharFd *c, CharFdReadFn fn, void *opaque)
{
    c->read = fn;
    c->opaque = opaque;
}

void char_fd_write(CharFd *c, const void *buf, gsize len)
{
    const char *p = buf;

    while (c->out_fd >= 0 && len > 0) {
        ssize_t n = write(c->out_fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return; /* nobody reads the pty, or the file failed: the guest keeps going */
        }
        p += n;
        len -= (gsize)n;
    }
}

void char_fd_foreach(void (*fn)(const char *id, const char *filename, void *opaque),
                     void *opaque)
{
    GHashTableIter it;
    gpointer value;

    if (!registry) {
        return;
    }
    g_hash_table_iter_init(&it, registry);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        CharFd *c = value;

        fn(c->id, c->filename, opaque);
    }
}

void char_fd_close_all(void)
{
    g_clear_pointer(&registry, g_hash_table_unref);
}
