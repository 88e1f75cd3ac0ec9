/*
 * Migration transports: the URI of migrate / -incoming / migrate-incoming (unix:, tcp:, fd:,
 * file:) turned into a connected fd on the source, a listening or readable fd on the
 * destination.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "migration-internal.h"
#include "monitor/monitor.h"

#define FAIL(...) (g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED, __VA_ARGS__), -1)

static int unix_addr(const char *path, struct sockaddr_un *sa, GError **errp)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (!*path || strlen(path) >= sizeof(sa->sun_path)) {
        return FAIL("unix:%s: the socket path must be 1 to %zu bytes", path,
                    sizeof(sa->sun_path) - 1);
    }
    strcpy(sa->sun_path, path);
    return 0;
}

/* "HOST:PORT" ("[v6]:PORT" too) resolved for @passive (listening) or connecting. */
static struct addrinfo *tcp_resolve(const char *spec, bool passive, GError **errp)
{
    g_autofree char *host = NULL;
    const char *colon = strrchr(spec, ':');
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0 };
    struct addrinfo *res = NULL;
    int rc;

    if (!colon || !colon[1]) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED, "tcp:%s: give tcp:HOST:PORT", spec);
        return NULL;
    }
    host = g_strndup(spec, colon - spec);
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        char *inner = g_strndup(host + 1, strlen(host) - 2);

        g_free(host);
        host = inner;
    }
    rc = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &res);
    if (rc != 0) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED, "tcp:%s: cannot resolve: %s", spec,
                    gai_strerror(rc));
        return NULL;
    }
    return res;
}

int hd_mig_transport_connect(const char *uri, GError **errp)
{
    int fd = -1;

    if (g_str_has_prefix(uri, "unix:")) {
        struct sockaddr_un sa;

        if (unix_addr(uri + 5, &sa, errp) < 0) {
            return -1;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            int e = errno;

            if (fd >= 0) {
                close(fd);
            }
            return FAIL("%s: cannot connect: %s (is the destination started with -incoming %s?)",
                        uri, g_strerror(e), uri);
        }
        return fd;
    }
    if (g_str_has_prefix(uri, "tcp:")) {
        struct addrinfo *res = tcp_resolve(uri + 4, false, errp);
        int e = 0;

        if (!res) {
            return -1;
        }
        for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
            fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
                e = errno;
                close(fd);
                fd = -1;
            }
        }
        freeaddrinfo(res);
        if (fd < 0) {
            return FAIL("%s: cannot connect: %s (is the destination started with -incoming %s?)",
                        uri, g_strerror(e ? e : errno), uri);
        }
        return fd;
    }
    if (g_str_has_prefix(uri, "fd:")) {
        return monitor_fd_get(uri + 3, errp);
    }
    if (g_str_has_prefix(uri, "file:")) {
        fd = open(uri + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            return FAIL("%s: cannot create the file: %s", uri, g_strerror(errno));
        }
        return fd;
    }
    return FAIL("migration URI '%s' is not supported (unix:PATH, tcp:HOST:PORT, fd:NAME, "
                "file:PATH)",
                uri);
}

int hd_mig_transport_listen(const char *uri, bool *is_listener, GError **errp)
{
    int fd = -1, one = 1;

    *is_listener = false;
    if (g_str_has_prefix(uri, "unix:")) {
        struct sockaddr_un sa;

        if (unix_addr(uri + 5, &sa, errp) < 0) {
            return -1;
        }
        unlink(sa.sun_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
            int e = errno;

            if (fd >= 0) {
                close(fd);
            }
            return FAIL("%s: cannot listen: %s", uri, g_strerror(e));
        }
        *is_listener = true;
        return fd;
    }
    if (g_str_has_prefix(uri, "tcp:")) {
        struct addrinfo *res = tcp_resolve(uri + 4, true, errp);
        int e = 0;

        if (!res) {
            return -1;
        }
        for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
            fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                continue;
            }
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0) {
                e = errno;
                close(fd);
                fd = -1;
            }
        }
        freeaddrinfo(res);
        if (fd < 0) {
            return FAIL("%s: cannot listen: %s", uri, g_strerror(e ? e : errno));
        }
        *is_listener = true;
        return fd;
    }
    if (g_str_has_prefix(uri, "fd:")) {
        return monitor_fd_get(uri + 3, errp);
    }
    if (g_str_has_prefix(uri, "file:")) {
        fd = open(uri + 5, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return FAIL("%s: cannot open the file: %s", uri, g_strerror(errno));
        }
        return fd;
    }
    return FAIL("migration URI '%s' is not supported (unix:PATH, tcp:HOST:PORT, fd:N, "
                "file:PATH, or defer)",
                uri);
}
