/*
 * Stream chardevs for guest consoles: stdio, file:PATH, pty and null (-chardev stdio|file|pty|
 * null, -serial). Registered by id next to the socket chardevs; one reader each.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CHARDEV_CHAR_FD_H
#define CHARDEV_CHAR_FD_H

#include <glib.h>
#include <stdbool.h>

typedef struct CharFd CharFd;
typedef void (*CharFdReadFn)(void *opaque, const guint8 *buf, gsize len);

/* Create and register @id of @backend ("stdio", "file", "pty", "null"); @path for file. A pty
 * prints "char device redirected to /dev/pts/N (label ID)" on stderr as QEMU does. */
CharFd *char_fd_new(const char *id, const char *backend, const char *path, GError **errp);
/* The registered one named @id, or NULL. */
CharFd *char_fd_find(const char *id);
/* Send input to @fn (main loop); NULL stops reading. */
void char_fd_set_reader(CharFd *c, CharFdReadFn fn, void *opaque);
/* Output (what the guest sent); never blocks on a pty nobody reads (the bytes are dropped). */
void char_fd_write(CharFd *c, const void *buf, gsize len);
/* Call @fn for each: its id and QMP query-chardev filename ("pty:/dev/pts/3", "file:P"). */
void char_fd_foreach(void (*fn)(const char *id, const char *filename, void *opaque),
                     void *opaque);
/* Close them all (at exit). */
void char_fd_close_all(void);

#endif /* CHARDEV_CHAR_FD_H */
