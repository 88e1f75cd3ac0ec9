/*
 * Advice for running out of file descriptors: an error message that says which limit was hit
 * (the process's RLIMIT_NOFILE, with its value, or the system's file table) and how to raise it.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_FD_LIMIT_H
#define SYSTEM_FD_LIMIT_H

/*
 * For @err (a positive errno from a call that creates an fd): EMFILE gives "the open-file limit
 * RLIMIT_NOFILE is N; raise it (...)", ENFILE the system-wide limit; NULL for any other errno.
 * The caller appends it after "; " and frees it.
 */
char *hd_fd_limit_advice(int err);

#endif /* SYSTEM_FD_LIMIT_H */
