/*
 * The VFIO syscall seam: every system call the VFIO code (common layer, backends, helpers,
 * frontends) makes, and the KVM ioctls an assigned device causes (memory slots, GSI routes,
 * irqfds, the KVM VFIO device), goes through these wrappers, so tests can count calls and make
 * the N-th one fail with a chosen errno (fault injection).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_VFIO_SYS_H
#define HW_VFIO_VFIO_SYS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/*
 * Wrappers. Each returns what the syscall returns on success and a negative errno on
 * failure (never -1 with errno: one sign convention); errno is left unspecified.
 */
int vfio_sys_open(const char *path, int flags);
/* Always closes (EINTR included); never fails by injection. Returns 0 or -errno. */
int vfio_sys_close(int fd);
/*
 * The ioctl's non-negative result (e.g. an fd, a version) or -errno. A KVM ioctl (type
 * KVMIO) is of kind VFIO_SYS_KVM, every other one of kind VFIO_SYS_IOCTL.
 */
int vfio_sys_ioctl(int fd, unsigned long request, void *arg);
/*
 * An ioctl that gives back what the kernel gave (deleting a KVM memory slot, deassigning an
 * irqfd, taking a file out of KVM's VFIO device): like close, never failed by injection (a
 * real kernel does not refuse it) and counted only by request, not in its kind.
 */
int vfio_sys_ioctl_undo(int fd, unsigned long request, void *arg);
/* ioctl with an integer argument (VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU). */
int vfio_sys_ioctl_int(int fd, unsigned long request, unsigned long arg);
/* mmap: 0 with *out set, or -errno. */
int vfio_sys_mmap(void **out, size_t len, int prot, int flags, int fd, off_t offset);
/*
 * Never fails by injection, like close: Linux fails munmap of a whole mapping only for
 * arguments that do not name one, and a failure a real kernel cannot produce would only
 * teach the fault sweep that teardown leaks. Returns 0 or -errno.
 */
int vfio_sys_munmap(void *addr, size_t len);
/* eventfd(0, flags): the new fd or -errno. */
int vfio_sys_eventfd(int flags);
/* Byte counts (possibly short) or -errno. */
ssize_t vfio_sys_pread(int fd, void *buf, size_t len, off_t offset);
ssize_t vfio_sys_pwrite(int fd, const void *buf, size_t len, off_t offset);
ssize_t vfio_sys_read(int fd, void *buf, size_t len);
ssize_t vfio_sys_write(int fd, const void *buf, size_t len);
/* readlink into @buf (NUL-terminated, truncated to @len - 1): the length or -errno. */
ssize_t vfio_sys_readlink(const char *path, char *buf, size_t len);
/* getrlimit: 0 or -errno. */
int vfio_sys_getrlimit(int resource, struct rlimit *rlim);

/*
 * Test API. Call kinds, for counting and for aiming an injected failure. VFIO_SYS_ANY
 * counts every injectable call (all but close and munmap).
 */
typedef enum VFIOSysCall {
    VFIO_SYS_ANY,
    VFIO_SYS_OPEN,
    VFIO_SYS_CLOSE,
    VFIO_SYS_IOCTL,
    VFIO_SYS_MMAP,
    VFIO_SYS_MUNMAP,
    VFIO_SYS_EVENTFD,
    VFIO_SYS_PREAD,
    VFIO_SYS_PWRITE,
    VFIO_SYS_READ,
    VFIO_SYS_WRITE,
    VFIO_SYS_READLINK,
    VFIO_SYS_GETRLIMIT,
    VFIO_SYS_KVM,
    VFIO_SYS__MAX,
} VFIOSysCall;

/*
 * Make the @n-th call (1-based, counted from this call) of kind @which fail with @err
 * (positive errno) without reaching the kernel; later calls succeed again. @n == 0 disarms.
 */
void vfio_sys_fail_nth(VFIOSysCall which, unsigned n, int err);
/* Whether an armed failure has been delivered since the last vfio_sys_fail_nth(). */
bool vfio_sys_fail_fired(void);
/* Make every ioctl with @request fail with @err until cleared (@err 0 clears). */
void vfio_sys_fail_ioctl(unsigned long request, int err);

/*
 * A fake kernel device, for what no lab device offers (a DMA log that reports written pages;
 * several devices' migration states in order): every ioctl goes to @fake first, after counting
 * and injected failures; it returns >= 0 or -errno as the answer, or VFIO_SYS_PASS to let the
 * kernel answer. NULL @fake removes it. Turns accounting on.
 */
#define VFIO_SYS_PASS INT_MIN
typedef int (*VFIOSysIoctlFake)(int fd, unsigned long request, void *arg);
void vfio_sys_set_ioctl_fake(VFIOSysIoctlFake fake);
/*
 * The same for open, for device nodes no host offers (a noiommu group): @fake returns an fd
 * (the caller owns it), -errno, or VFIO_SYS_PASS to open @path for real.
 */
typedef int (*VFIOSysOpenFake)(const char *path, int flags);
void vfio_sys_set_open_fake(VFIOSysOpenFake fake);

/*
 * Accounting starts with the first vfio_sys_reset_counts(), vfio_sys_fail_nth() or
 * vfio_sys_fail_ioctl() of the process; before that the seam counts nothing and costs one
 * branch per call.
 */
/* Calls of kind @which made since the last vfio_sys_reset_counts() (failed ones included). */
unsigned vfio_sys_count(VFIOSysCall which);
/* Calls of ioctl @request (e.g. VFIO_IOMMU_MAP_DMA) since the last reset, and successes. */
unsigned vfio_sys_ioctl_count(unsigned long request);
unsigned vfio_sys_ioctl_ok_count(unsigned long request);
/* Zero every counter and disarm injected failures. */
void vfio_sys_reset_counts(void);

/* The name of a call kind ("open", "ioctl", ...), for test messages. */
const char *vfio_sys_call_name(VFIOSysCall which);

#endif /* HW_VFIO_VFIO_SYS_H */
