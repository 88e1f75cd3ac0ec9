/*
 * Cost of the VFIO syscall seam (hw/vfio/syscalls.c) per call: the same cheap ioctl made raw,
 * through the seam as production runs it, and through the seam with a test's accounting on;
 * and the accounting alone (an injected failure: no system call). Best of interleaved rounds.
 * Runs anywhere (no VFIO needed); prints one JSON object of nanoseconds per call.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hw/vfio/vfio-sys.h"

#define CALLS 2000000

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Nanoseconds per @request on @fd, raw (@seam false) or through the seam. */
static double per_call(int fd, unsigned long request, bool seam)
{
    double t0 = now_ns();
    int n;

    for (int i = 0; i < CALLS; i++) {
        if (seam) {
            vfio_sys_ioctl(fd, request, &n);
        } else {
            ioctl(fd, request, &n);
        }
    }
    return (now_ns() - t0) / CALLS;
}

int main(void)
{
    int fds[2];
    double raw, seam, counted, injected;

    if (pipe(fds) < 0) {
        perror("pipe");
        return 1;
    }
    raw = seam = counted = injected = 1e30;
    for (int round = 0; round < 5; round++) {
        raw = MIN(raw, per_call(fds[0], FIONREAD, false));
        seam = MIN(seam, per_call(fds[0], FIONREAD, true));
    }
    vfio_sys_reset_counts(); /* what a test does: accounting on from here */
    vfio_sys_fail_ioctl(FIOASYNC, EIO);
    for (int round = 0; round < 5; round++) {
        counted = MIN(counted, per_call(fds[0], FIONREAD, true));
        injected = MIN(injected, per_call(fds[0], FIOASYNC, true));
    }
    printf("{\"calls\": %d, \"raw_ns\": %.1f, \"seam_ns\": %.1f, \"accounting_ns\": %.1f, "
           "\"accounting_alone_ns\": %.1f}\n",
           CALLS, raw, seam, counted, injected);
    return 0;
}
