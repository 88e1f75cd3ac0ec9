/*
 * The hostdev process for a management stack: -pidfile, -daemonize, -overcommit mem-lock.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_PROCESS_H
#define SYSTEM_PROCESS_H

#include <glib.h>
#include <stdbool.h>

/* Write "PID\n" to @path and hold a lock on it until hd_pidfile_remove(). */
bool hd_pidfile_create(const char *path, GError **errp);

/* Unlink and close the pid file, if one was written. */
void hd_pidfile_remove(void);

/*
 * Fork; the parent waits until the child calls hd_daemonize_finish() (exit 0) or dies (exit
 * 1), so a caller of "hostdev -daemonize" finds the monitors listening when it returns. The
 * child starts a new session and returns. Call before any thread exists.
 */
void hd_daemonize_begin(void);

/* In the daemon, after start-up: stdin/stdout/stderr to /dev/null, release the parent. */
void hd_daemonize_finish(void);

/* mlockall(MCL_CURRENT | MCL_FUTURE), with an error that says what limit to raise. */
bool hd_mem_lock(GError **errp);

#endif /* SYSTEM_PROCESS_H */
