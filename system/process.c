/*
 * The hostdev process as a management stack runs it: -pidfile (written and locked),
 * -daemonize (the parent returns only once start-up has finished, with its status), and
 * -overcommit mem-lock=on (mlockall).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qom/object.h"
#include "system/process.h"

static struct {
    int pid_fd;
    char *pid_path;
    int ready_fd; /* the daemon's end of the pipe to the waiting parent, or -1 */
} proc = { -1, NULL, -1 };

bool hd_pidfile_create(const char *path, GError **errp)
{
    g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    int err;

    if (fd < 0) {
        err = errno;
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "-pidfile %s: cannot open it: %s",
                    path, g_strerror(err));
        return false;
    }
    if (lockf(fd, F_TLOCK, 0) < 0) {
        err = errno;
        close(fd);
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-pidfile %s: cannot lock it: %s (is another hostdev or QEMU using it?)",
                    path, g_strerror(err));
        return false;
    }
    if (ftruncate(fd, 0) < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        err = errno;
        close(fd);
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "-pidfile %s: cannot write it: %s",
                    path, g_strerror(err));
        return false;
    }
    proc.pid_fd = fd;
    proc.pid_path = g_strdup(path);
    return true;
}

void hd_pidfile_remove(void)
{
    if (proc.pid_fd < 0) {
        return;
    }
    unlink(proc.pid_path);
    close(proc.pid_fd);
    proc.pid_fd = -1;
    g_clear_pointer(&proc.pid_path, g_free);
}

void hd_daemonize_begin(void)
{
    int fds[2];
    pid_t pid;
    int status;
    char c;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        fprintf(stderr, "hostdev: -daemonize: pipe: %s\n", g_strerror(errno));
        exit(1);
    }
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "hostdev: -daemonize: fork: %s\n", g_strerror(errno));
        exit(1);
    }
    if (pid > 0) {
        /* The parent: succeed once the daemon says start-up finished, fail if it died. */
        ssize_t n;

        close(fds[1]);
        do {
            n = read(fds[0], &c, 1);
        } while (n < 0 && errno == EINTR);
        if (n == 1) {
            exit(0);
        }
        if (waitpid(pid, &status, 0) == pid && WIFSIGNALED(status)) {
            fprintf(stderr, "hostdev: -daemonize: the daemon died of signal %d (%s) during "
                    "start-up\n", WTERMSIG(status), strsignal(WTERMSIG(status)));
        }
        exit(1);
    }
    close(fds[0]);
    proc.ready_fd = fds[1];
    if (setsid() < 0) {
        fprintf(stderr, "hostdev: -daemonize: setsid: %s\n", g_strerror(errno));
        exit(1);
    }
}

void hd_daemonize_finish(void)
{
    int null;

    if (proc.ready_fd < 0) {
        return;
    }
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    if (write(proc.ready_fd, "", 1) != 1) {
        /* The parent is gone; nobody waits for the answer. */
    }
    close(proc.ready_fd);
    proc.ready_fd = -1;
}

bool hd_mem_lock(GError **errp)
{
    if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0) {
        int err = errno;

        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-overcommit mem-lock=on: mlockall: %s (raise the locked-memory limit, "
                    "ulimit -l, above guest RAM plus hostdev's own use, or use mem-lock=off)",
                    g_strerror(err));
        return false;
    }
    return true;
}
