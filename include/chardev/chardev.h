/*
 * Character devices: UNIX stream sockets carrying QMP and qtest traffic.
 * A chardev is created from QEMU-style socket options, registered by id, and serves one
 * frontend through read/connect/disconnect callbacks on the GLib main loop.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CHARDEV_CHARDEV_H
#define CHARDEV_CHARDEV_H

#include <glib.h>
#include <stdbool.h>

typedef struct Chardev Chardev;

/* Most file descriptors a chardev keeps queued for its frontend; older ones are closed. */
#define CHARDEV_MAX_QUEUED_FDS 32

/* Callbacks of the one frontend (QMP monitor, qtest server) attached to a chardev. */
typedef struct ChardevHandlers {
    /* Bytes arrived from the peer; fds sent with them are already queued (chardev_take_fd). */
    void (*read)(void *opaque, const guint8 *buf, gsize len);
    /* A peer connected (accepted, or connected at creation in client mode). */
    void (*connected)(void *opaque);
    /* The peer went away; its unsent output and unclaimed fds are gone. */
    void (*disconnected)(void *opaque);
} ChardevHandlers;

/*
 * Create and register socket chardev @id. Exactly one of @path (a UNIX socket path) and @fd
 * (an inherited stream socket, listening or connected; owned by the chardev on success) is set.
 * With @path, @server listens (one client at a time), otherwise connects now; @wait marks a
 * server the caller means to block on with chardev_wait_for_client(). Owned by the registry.
 */
Chardev *chardev_new_socket(const char *id, const char *path, int fd, bool server, bool wait,
                            GError **errp);

/*
 * Create and register chardev @id from the shorthand "unix:PATH[,server=on|off][,wait=on|off]"
 * (also "server" and "nowait"; ",," is a comma in PATH). Client mode unless server is given.
 */
Chardev *chardev_new_from_spec(const char *id, const char *spec, GError **errp);

/* The registered chardev named @id, or NULL. The pointer is borrowed from the registry. */
Chardev *chardev_find(const char *id);

/* The id the chardev was registered under. */
const char *chardev_get_id(Chardev *chr);

/* Take a reference, for a frontend that must outlive a chardev_close(). */
Chardev *chardev_ref(Chardev *chr);

/* Drop a reference taken with chardev_ref(); the last one frees the chardev. */
void chardev_unref(Chardev *chr);

/*
 * Attach the frontend: fails when another one is attached. When a peer is already connected,
 * @handlers->connected runs before this returns. @handlers must stay valid while attached.
 */
bool chardev_set_handlers(Chardev *chr, const ChardevHandlers *handlers, void *opaque,
                          GError **errp);

/* Detach the frontend; no callback runs afterwards and input waits in the kernel. */
void chardev_clear_handlers(Chardev *chr);

/* Whether a peer is connected now. */
bool chardev_is_connected(Chardev *chr);

/*
 * Queue @len bytes for the peer; they are sent from the main loop as the socket accepts them,
 * none is dropped while the peer stays. Returns false (and discards them) when no peer is there.
 */
bool chardev_write(Chardev *chr, const void *buf, gsize len);

/* Block up to @timeout_ms until queued output is sent; false if some is left or the peer left. */
bool chardev_flush(Chardev *chr, int timeout_ms);

/* The most recently received SCM_RIGHTS fd, now owned by the caller; -1 when none is queued. */
int chardev_take_fd(Chardev *chr);

/*
 * For a server created with wait set: run the thread-default main context until the first
 * client connects. Returns at once otherwise; false when the chardev is closed meanwhile.
 */
bool chardev_wait_for_client(Chardev *chr, GError **errp);

/* Drop the current peer (a server then accepts the next client). */
void chardev_disconnect(Chardev *chr);

/*
 * Close: drop the peer (the frontend sees disconnected), stop listening, remove the socket
 * file this chardev created, unregister the id and drop the registry's reference.
 */
void chardev_close(Chardev *chr);

/* QMP query-chardev's filename of @chr ("unix:PATH,server=on", "fd:N"); free it. */
char *chardev_filename(Chardev *chr);

/* Call @fn with each registered chardev's id and filename. */
void chardev_foreach(void (*fn)(const char *id, const char *filename, void *opaque),
                     void *opaque);

/* Close every registered chardev (at exit). */
void chardev_close_all(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Chardev, chardev_unref)

#endif /* CHARDEV_CHARDEV_H */
