/*
 * The VFIO syscall seam: thin wrappers returning -errno, with per-kind call counters and a
 * one-shot "fail the N-th call" injector for tests (include/hw/vfio/vfio-sys.h). Until a test
 * turns accounting on, a call costs one predictable branch (bench/seam-cost measures it).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/kvm.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/vfio/vfio-sys.h"

static const char *const call_names[VFIO_SYS__MAX] = {
    [VFIO_SYS_ANY] = "any",         [VFIO_SYS_OPEN] = "open",
    [VFIO_SYS_CLOSE] = "close",     [VFIO_SYS_IOCTL] = "ioctl",
    [VFIO_SYS_MMAP] = "mmap",       [VFIO_SYS_MUNMAP] = "munmap",
    [VFIO_SYS_EVENTFD] = "eventfd", [VFIO_SYS_PREAD] = "pread",
    [VFIO_SYS_PWRITE] = "pwrite",   [VFIO_SYS_READ] = "read",
    [VFIO_SYS_WRITE] = "write",     [VFIO_SYS_READLINK] = "readlink",
    [VFIO_SYS_GETRLIMIT] = "getrlimit", [VFIO_SYS_KVM] = "kvm",
};

/*
 * Set by the first call of a test hook (counts, failure injection) and never cleared: a
 * production process never takes the lock below.
 */
static gint accounting;

/* Counters and the armed failure; only used once accounting is on. */
static GMutex lock;
static unsigned counts[VFIO_SYS__MAX];
static GHashTable *ioctl_counts;    /* request -> calls */
static GHashTable *ioctl_ok_counts; /* request -> successes */
static GHashTable *ioctl_fail;      /* request -> errno */
static VFIOSysIoctlFake ioctl_fake;  /* answers ioctls before the kernel */
static VFIOSysOpenFake open_fake;    /* answers opens before the kernel */
static VFIOSysCall fail_which;
static unsigned fail_left;          /* 0: disarmed */
static int fail_err;
static bool fail_fired;

static void bump(GHashTable **table, unsigned long request)
{
    gpointer key = GSIZE_TO_POINTER(request);

    if (!*table) {
        *table = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    g_hash_table_insert(*table, key,
                        GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(*table, key)) + 1));
}

/* Count a call of @which; returns the errno to fail it with, or 0 to make it. */
static int enter(VFIOSysCall which, unsigned long request)
{
    int err = 0;

    if (G_LIKELY(!g_atomic_int_get(&accounting))) {
        return 0;
    }
    g_mutex_lock(&lock);
    counts[which]++;
    /* close and munmap release what the kernel gave: they do not fail (see vfio-sys.h). */
    if (which != VFIO_SYS_CLOSE && which != VFIO_SYS_MUNMAP) {
        counts[VFIO_SYS_ANY]++;
        if (fail_left && (fail_which == VFIO_SYS_ANY || fail_which == which) &&
            --fail_left == 0) {
            err = fail_err;
            fail_fired = true;
        }
    }
    if (which == VFIO_SYS_IOCTL || which == VFIO_SYS_KVM) {
        bump(&ioctl_counts, request);
        if (!err && ioctl_fail) {
            err = GPOINTER_TO_INT(g_hash_table_lookup(ioctl_fail, GSIZE_TO_POINTER(request)));
        }
    }
    g_mutex_unlock(&lock);
    return err;
}

static void ioctl_succeeded(unsigned long request)
{
    if (G_LIKELY(!g_atomic_int_get(&accounting))) {
        return;
    }
    g_mutex_lock(&lock);
    bump(&ioctl_ok_counts, request);
    g_mutex_unlock(&lock);
}

int vfio_sys_open(const char *path, int flags)
{
    int err = enter(VFIO_SYS_OPEN, 0);
    int fd;

    if (err) {
        return -err;
    }
    if (G_UNLIKELY(g_atomic_int_get(&accounting)) && open_fake &&
        (fd = open_fake(path, flags | O_CLOEXEC)) != VFIO_SYS_PASS) {
        return fd;
    }
    fd = open(path, flags | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int vfio_sys_close(int fd)
{
    enter(VFIO_SYS_CLOSE, 0);
    /* Linux releases the fd even when close reports EINTR: never retry. */
    return close(fd) < 0 && errno != EINTR ? -errno : 0;
}

int vfio_sys_ioctl(int fd, unsigned long request, void *arg)
{
    /* The kernel reads the argument as one unsigned long either way. */
    return vfio_sys_ioctl_int(fd, request, (unsigned long)arg);
}

/* The ioctl once counted and not failed: the fake's answer or the kernel's. */
static int ioctl_make(int fd, unsigned long request, unsigned long arg)
{
    int r;

    if (G_UNLIKELY(g_atomic_int_get(&accounting)) && ioctl_fake &&
        (r = ioctl_fake(fd, request, (void *)arg)) != VFIO_SYS_PASS) {
        if (r >= 0) {
            ioctl_succeeded(request);
        }
        return r;
    }
    r = ioctl(fd, request, arg);
    if (r < 0) {
        return -errno;
    }
    ioctl_succeeded(request);
    return r;
}

int vfio_sys_ioctl_int(int fd, unsigned long request, unsigned long arg)
{
    int err = enter(_IOC_TYPE(request) == KVMIO ? VFIO_SYS_KVM : VFIO_SYS_IOCTL, request);

    return err ? -err : ioctl_make(fd, request, arg);
}

int vfio_sys_ioctl_undo(int fd, unsigned long request, void *arg)
{
    /* Counted by request only: no kind, so no sweep aims at it. */
    if (G_UNLIKELY(g_atomic_int_get(&accounting))) {
        g_mutex_lock(&lock);
        bump(&ioctl_counts, request);
        g_mutex_unlock(&lock);
    }
    return ioctl_make(fd, request, (unsigned long)arg);
}

void vfio_sys_set_ioctl_fake(VFIOSysIoctlFake fake)
{
    g_atomic_int_set(&accounting, 1);
    ioctl_fake = fake;
}

void vfio_sys_set_open_fake(VFIOSysOpenFake fake)
{
    g_atomic_int_set(&accounting, 1);
    open_fake = fake;
}

int vfio_sys_mmap(void **out, size_t len, int prot, int flags, int fd, off_t offset)
{
    int err = enter(VFIO_SYS_MMAP, 0);
    void *p;

    *out = NULL;
    if (err) {
        return -err;
    }
    p = mmap(NULL, len, prot, flags, fd, offset);
    if (p == MAP_FAILED) {
        return -errno;
    }
    *out = p;
    return 0;
}

int vfio_sys_munmap(void *addr, size_t len)
{
    enter(VFIO_SYS_MUNMAP, 0);
    return munmap(addr, len) < 0 ? -errno : 0;
}

int vfio_sys_eventfd(int flags)
{
    int err = enter(VFIO_SYS_EVENTFD, 0);
    int fd;

    if (err) {
        return -err;
    }
    fd = eventfd(0, flags | EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

ssize_t vfio_sys_pread(int fd, void *buf, size_t len, off_t offset)
{
    int err = enter(VFIO_SYS_PREAD, 0);
    ssize_t n;

    if (err) {
        return -err;
    }
    n = pread(fd, buf, len, offset);
    return n < 0 ? -errno : n;
}

ssize_t vfio_sys_pwrite(int fd, const void *buf, size_t len, off_t offset)
{
    int err = enter(VFIO_SYS_PWRITE, 0);
    ssize_t n;

    if (err) {
        return -err;
    }
    n = pwrite(fd, buf, len, offset);
    return n < 0 ? -errno : n;
}

ssize_t vfio_sys_read(int fd, void *buf, size_t len)
{
    int err = enter(VFIO_SYS_READ, 0);
    ssize_t n;

    if (err) {
        return -err;
    }
    n = read(fd, buf, len);
    return n < 0 ? -errno : n;
}

ssize_t vfio_sys_write(int fd, const void *buf, size_t len)
{
    int err = enter(VFIO_SYS_WRITE, 0);
    ssize_t n;

    if (err) {
        return -err;
    }
    n = write(fd, buf, len);
    return n < 0 ? -errno : n;
}

ssize_t vfio_sys_readlink(const char *path, char *buf, size_t len)
{
    int err = enter(VFIO_SYS_READLINK, 0);
    ssize_t n;

    if (err) {
        return -err;
    }
    if (len == 0) {
        return -EINVAL;
    }
    n = readlink(path, buf, len - 1);
    if (n < 0) {
        return -errno;
    }
    buf[n] = '\0';
    return n;
}

int vfio_sys_getrlimit(int resource, struct rlimit *rlim)
{
    int err = enter(VFIO_SYS_GETRLIMIT, 0);

    if (err) {
        return -err;
    }
    return getrlimit(resource, rlim) < 0 ? -errno : 0;
}

void vfio_sys_fail_nth(VFIOSysCall which, unsigned n, int err)
{
    g_atomic_int_set(&accounting, 1);
    g_mutex_lock(&lock);
    fail_which = which < VFIO_SYS__MAX ? which : VFIO_SYS_ANY;
    fail_left = n;
    fail_err = err > 0 ? err : EIO;
    fail_fired = false;
    g_mutex_unlock(&lock);
}

bool vfio_sys_fail_fired(void)
{
    bool fired;

    g_mutex_lock(&lock);
    fired = fail_fired;
    g_mutex_unlock(&lock);
    return fired;
}

void vfio_sys_fail_ioctl(unsigned long request, int err)
{
    g_atomic_int_set(&accounting, 1);
    g_mutex_lock(&lock);
    if (!ioctl_fail) {
        ioctl_fail = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    if (err > 0) {
        g_hash_table_insert(ioctl_fail, GSIZE_TO_POINTER(request), GINT_TO_POINTER(err));
    } else {
        g_hash_table_remove(ioctl_fail, GSIZE_TO_POINTER(request));
    }
    g_mutex_unlock(&lock);
}

unsigned vfio_sys_count(VFIOSysCall which)
{
    unsigned n;

    g_mutex_lock(&lock);
    n = which < VFIO_SYS__MAX ? counts[which] : 0;
    g_mutex_unlock(&lock);
    return n;
}

static unsigned lookup_count(GHashTable *table, unsigned long request)
{
    unsigned n;

    g_mutex_lock(&lock);
    n = table ? GPOINTER_TO_UINT(g_hash_table_lookup(table, GSIZE_TO_POINTER(request))) : 0;
    g_mutex_unlock(&lock);
    return n;
}

unsigned vfio_sys_ioctl_count(unsigned long request)
{
    return lookup_count(ioctl_counts, request);
}

unsigned vfio_sys_ioctl_ok_count(unsigned long request)
{
    return lookup_count(ioctl_ok_counts, request);
}

void vfio_sys_reset_counts(void)
{
    g_atomic_int_set(&accounting, 1);
    g_mutex_lock(&lock);
    for (int i = 0; i < VFIO_SYS__MAX; i++) {
        counts[i] = 0;
    }
    g_clear_pointer(&ioctl_counts, g_hash_table_destroy);
    g_clear_pointer(&ioctl_ok_counts, g_hash_table_destroy);
    g_clear_pointer(&ioctl_fail, g_hash_table_destroy);
    fail_left = 0;
    fail_fired = false;
    g_mutex_unlock(&lock);
}

const char *vfio_sys_call_name(VFIOSysCall which)
{
    return which < VFIO_SYS__MAX ? call_names[which] : "unknown";
}
