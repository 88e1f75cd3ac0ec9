/*
 * -sandbox: the seccomp filter of system/sandbox.c loaded for real (in a child process, since
 * it cannot be removed): each denied group fails with EPERM, threads are still created, and
 * groups left allowed keep working.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "system/sandbox.h"

static void *thread_fn(void *arg)
{
    return arg;
}

/* Run @body in a child with the @deny filter loaded; its exit status is the test's verdict. */
static void in_sandbox(unsigned deny, int (*body)(void))
{
    pid_t pid = fork();
    int status;

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        g_autoptr(GError) err = NULL;

        if (!hd_sandbox_apply(deny, &err)) {
            g_printerr("%s\n", err->message);
            _exit(90);
        }
        _exit(body());
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

static int check_all_denied(void)
{
    cpu_set_t set;
    pthread_t t;
    void *ret = NULL;

    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (fork() != -1 || errno != EPERM) {
        return 1;
    }
    if (setuid(getuid()) != -1 || errno != EPERM) {
        return 2;
    }
    if (sched_setaffinity(0, sizeof(set), &set) != -1 || errno != EPERM) {
        return 3;
    }
    if (setpriority(PRIO_PROCESS, 0, 5) != -1 || errno != EPERM) {
        return 4;
    }
    if (execl("/bin/true", "true", (char *)NULL) != -1 || errno != EPERM) {
        return 5;
    }
    /* Threads are not processes: the vCPU and worker threads must still start. */
    if (pthread_create(&t, NULL, thread_fn, (void *)&set) != 0 || pthread_join(t, &ret) != 0 ||
        ret != (void *)&set) {
        return 6;
    }
    return 0;
}

static int check_spawn_allowed(void)
{
    pid_t pid = fork();
    int status;

    if (pid == 0) {
        _exit(7);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || WEXITSTATUS(status) != 7) {
        return 1;
    }
    /* Privilege changes are still denied. */
    return setuid(getuid()) == -1 && errno == EPERM ? 0 : 2;
}

static void test_deny_all(void)
{
    in_sandbox(HD_SANDBOX_OBSOLETE | HD_SANDBOX_ELEVATE | HD_SANDBOX_SPAWN |
               HD_SANDBOX_RESOURCECONTROL, check_all_denied);
}

static void test_spawn_allowed(void)
{
    in_sandbox(HD_SANDBOX_OBSOLETE | HD_SANDBOX_ELEVATE, check_spawn_allowed);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sandbox/deny-all", test_deny_all);
    g_test_add_func("/sandbox/spawn-allowed", test_spawn_allowed);
    return g_test_run();
}
