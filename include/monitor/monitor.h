/*
 * QMP monitors: a JSON control channel on a chardev (-mon chardev=ID,mode=control), and the
 * file descriptors clients pass through them (getfd, add-fd) for other components to use.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include "chardev/chardev.h"

typedef struct Monitor Monitor;

/* Largest request accepted; a longer object gets an error and is skipped. */
#define QMP_MAX_REQUEST_SIZE (16 * 1024 * 1024)

/*
 * Start a QMP monitor on @chr: each client gets the greeting, must negotiate capabilities,
 * then runs registered commands. Fails when @chr already has a frontend.
 */
Monitor *monitor_new_qmp(Chardev *chr, GError **errp);

/* monitor_new_qmp() on the chardev registered as @chardev_id. */
Monitor *monitor_new_qmp_by_id(const char *chardev_id, GError **errp);

/* Detach from the chardev and close the fds named on this monitor. Not from its own command. */
void monitor_free(Monitor *mon);

/* The monitor whose command is running now, or NULL outside a command. */
Monitor *monitor_current(void);

/*
 * A new fd (the caller's, close-on-exec) for @name: a name given with getfd (looked up on the
 * current monitor, or on all when no command runs), "/dev/fdset/N" (an fd of add-fd's set N,
 * read-write preferred), or a decimal number (an fd hostdev inherited). QMP_ERROR on failure.
 */
int monitor_fd_get(const char *name, GError **errp);

/* Free every monitor, close every fd set and empty the command registry (at exit). */
void monitor_cleanup(void);

#endif /* MONITOR_MONITOR_H */
