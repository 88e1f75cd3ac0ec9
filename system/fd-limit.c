/*
 * Advice for EMFILE and ENFILE: name the limit that was hit, with its value, and how to raise
 * it, so "Too many open files" says what to do.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <sys/resource.h>

#include "system/fd-limit.h"

char *hd_fd_limit_advice(int err)
{
    struct rlimit rl;

    if (err == ENFILE) {
        return g_strdup("the system-wide limit on open files (fs.file-max) is reached; close files elsewhere or raise it (sysctl fs.file-max)");
    }
    if (err != EMFILE) {
        return NULL;
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY) {
        return g_strdup("the open-file limit RLIMIT_NOFILE is reached; raise it (ulimit -n, prlimit --nofile, systemd LimitNOFILE=)");
    }
    return g_strdup_printf("the open-file limit RLIMIT_NOFILE is %llu; raise it (ulimit -n, prlimit --nofile, systemd LimitNOFILE=) or use fewer devices and monitors",
                           (unsigned long long)rl.rlim_cur);
}
