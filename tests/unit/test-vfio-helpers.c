/*
 * VFIO helper unit tests without a kernel: capability chain parsing from byte buffers
 * (well-formed, truncated, looping), the syscall seam's counters and fault injection (and that
 * it keeps no books until a test asks), and eventfd notifiers.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/kvm.h>
#include <string.h>
#include <unistd.h>

#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-sys.h"

/* Put a capability header at @off of @buf. */
static void put_cap(uint8_t *buf, uint32_t off, uint16_t id, uint32_t next)
{
    struct vfio_info_cap_header h = { .id = id, .version = 1, .next = next };

    memcpy(buf + off, &h, sizeof(h));
}

static void test_cap_chain(void)
{
    uint8_t buf[256] = { 0 };
    struct vfio_info_cap_header *h;

    put_cap(buf, 32, VFIO_REGION_INFO_CAP_SPARSE_MMAP, 64);
    put_cap(buf, 64, VFIO_REGION_INFO_CAP_TYPE, 128);
    put_cap(buf, 128, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, 0);
    h = vfio_find_cap(buf, sizeof(buf), 32, VFIO_REGION_INFO_CAP_TYPE);
    g_assert_true((uint8_t *)h == buf + 64);
    h = vfio_find_cap(buf, sizeof(buf), 32, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
    g_assert_true((uint8_t *)h == buf + 128);
    g_assert_null(vfio_find_cap(buf, sizeof(buf), 32, 99));
    g_assert_null(vfio_find_cap(buf, sizeof(buf), 0, VFIO_REGION_INFO_CAP_SPARSE_MMAP));
}

static void test_cap_malformed(void)
{
    uint8_t buf[128] = { 0 };

    /* A loop back to an earlier cap ends the search. */
    put_cap(buf, 32, 1, 64);
    put_cap(buf, 64, 2, 32);
    g_assert_null(vfio_find_cap(buf, sizeof(buf), 32, 3));
    /* A self-loop too. */
    put_cap(buf, 64, 2, 64);
    g_assert_null(vfio_find_cap(buf, sizeof(buf), 32, 3));
    /* Pointing past the buffer, or with a header that does not fit. */
    put_cap(buf, 64, 2, 200);
    g_assert_null(vfio_find_cap(buf, sizeof(buf), 32, 3));
    put_cap(buf, 64, 2, 124);
    g_assert_null(vfio_find_cap(buf, sizeof(buf), 32, 3));
    /* Misaligned, or inside the first header's own bytes. */
    g_assert_null(vfio_find_cap(buf, sizeof(buf), 33, 1));
    g_assert_null(vfio_find_cap(buf, sizeof(buf), 4, 1));
    /* The good prefix is still searchable. */
    g_assert_nonnull(vfio_find_cap(buf, sizeof(buf), 32, 2));
}

static void test_sparse_cap_layout(void)
{
    /* A region info as the kernel returns it with a sparse mmap cap of two areas. */
    size_t len = sizeof(struct vfio_region_info) +
                 sizeof(struct vfio_region_info_cap_sparse_mmap) +
                 2 * sizeof(struct vfio_region_sparse_mmap_area);
    g_autofree struct vfio_region_info *info = g_malloc0(len);
    struct vfio_region_info_cap_sparse_mmap *sparse;

    info->argsz = len;
    info->flags = VFIO_REGION_INFO_FLAG_CAPS | VFIO_REGION_INFO_FLAG_MMAP;
    info->cap_offset = sizeof(*info);
    sparse = (void *)((uint8_t *)info + info->cap_offset);
    sparse->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
    sparse->nr_areas = 2;
    sparse->areas[1].offset = 0x3000;
    g_assert_true((void *)vfio_get_region_info_cap(info, VFIO_REGION_INFO_CAP_SPARSE_MMAP) ==
                  (void *)sparse);
    info->flags &= ~VFIO_REGION_INFO_FLAG_CAPS;
    g_assert_null(vfio_get_region_info_cap(info, VFIO_REGION_INFO_CAP_SPARSE_MMAP));
}

static void test_msix_mappable(void)
{
    /* A BAR holding the MSI-X table, as Linux reports it: sparse areas, then MSIX_MAPPABLE. */
    size_t sparse_len = sizeof(struct vfio_region_info_cap_sparse_mmap) +
                        sizeof(struct vfio_region_sparse_mmap_area);
    size_t len = sizeof(struct vfio_region_info) + sparse_len + sizeof(struct vfio_info_cap_header);
    g_autofree struct vfio_region_info *info = g_malloc0(len);
    struct vfio_region_info_cap_sparse_mmap *sparse;
    struct vfio_info_cap_header *mappable;

    info->argsz = len;
    info->flags = VFIO_REGION_INFO_FLAG_CAPS | VFIO_REGION_INFO_FLAG_MMAP;
    info->cap_offset = sizeof(*info);
    sparse = (void *)((uint8_t *)info + info->cap_offset);
    sparse->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
    sparse->nr_areas = 1;
    g_assert_false(vfio_region_info_msix_mappable(info));
    sparse->header.next = info->cap_offset + sparse_len;
    mappable = (void *)((uint8_t *)info + sparse->header.next);
    mappable->id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE;
    mappable->version = 1;
    g_assert_true(vfio_region_info_msix_mappable(info));
    info->flags &= ~VFIO_REGION_INFO_FLAG_CAPS;
    g_assert_false(vfio_region_info_msix_mappable(info));
}

/*
 * Until a test turns accounting on, the seam keeps no books (production pays one branch per
 * call, not a lock and two hash-table updates): calls made before are not counted. Registered
 * first, so nothing in this process has turned accounting on yet.
 */
static void test_seam_idle(void)
{
    int fd = vfio_sys_open("/dev/null", O_RDWR);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(vfio_sys_ioctl(fd, 0x1234, NULL), <, 0);
    g_assert_cmpint(vfio_sys_write(fd, "x", 1), ==, 1);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_ANY), ==, 0);
    g_assert_cmpuint(vfio_sys_ioctl_count(0x1234), ==, 0);
    /* Turned on, it counts from there. */
    vfio_sys_reset_counts();
    g_assert_cmpint(vfio_sys_write(fd, "x", 1), ==, 1);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_ANY), ==, 1);
    g_assert_cmpint(vfio_sys_close(fd), ==, 0);
    vfio_sys_reset_counts();
}

static void test_seam_counts_and_injection(void)
{
    char buf[64];
    int fd;

    vfio_sys_reset_counts();
    fd = vfio_sys_open("/dev/null", O_RDWR);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(vfio_sys_write(fd, "x", 1), ==, 1);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_OPEN), ==, 1);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_ANY), ==, 2);
    /* The 2nd call of any kind fails with the chosen errno, once. */
    vfio_sys_fail_nth(VFIO_SYS_ANY, 2, EBUSY);
    g_assert_cmpint(vfio_sys_write(fd, "x", 1), ==, 1);
    g_assert_false(vfio_sys_fail_fired());
    g_assert_cmpint(vfio_sys_pread(fd, buf, 1, 0), ==, -EBUSY);
    g_assert_true(vfio_sys_fail_fired());
    g_assert_cmpint(vfio_sys_pread(fd, buf, 1, 0), ==, 0);
    /* Aimed at one kind: other kinds don't count towards it. */
    vfio_sys_fail_nth(VFIO_SYS_IOCTL, 1, ENOMEM);
    g_assert_cmpint(vfio_sys_write(fd, "x", 1), ==, 1);
    g_assert_cmpint(vfio_sys_ioctl(fd, 0x1234, NULL), ==, -ENOMEM);
    /* A real failure comes back as -errno. */
    g_assert_cmpint(vfio_sys_ioctl(fd, 0x1234, NULL), <, 0);
    g_assert_cmpuint(vfio_sys_ioctl_count(0x1234), ==, 2);
    g_assert_cmpuint(vfio_sys_ioctl_ok_count(0x1234), ==, 0);
    vfio_sys_fail_ioctl(0x4321, EIO);
    g_assert_cmpint(vfio_sys_ioctl_int(fd, 0x4321, 0), ==, -EIO);
    g_assert_cmpint(vfio_sys_ioctl_int(fd, 0x4321, 0), ==, -EIO);
    vfio_sys_fail_ioctl(0x4321, 0);
    /* close is counted but never failed by injection. */
    vfio_sys_fail_nth(VFIO_SYS_ANY, 1, EIO);
    g_assert_cmpint(vfio_sys_close(fd), ==, 0);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_CLOSE), ==, 1);
    g_assert_cmpint(vfio_sys_open("/nonexistent/x", O_RDONLY), ==, -EIO);
    g_assert_cmpint(vfio_sys_open("/nonexistent/x", O_RDONLY), ==, -ENOENT);
    g_assert_cmpint(vfio_sys_readlink("/proc/self/exe", buf, sizeof(buf)), >, 0);
    g_assert_cmpstr(vfio_sys_call_name(VFIO_SYS_MMAP), ==, "mmap");
    vfio_sys_reset_counts();
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_ANY), ==, 0);
}

/*
 * KVM ioctls (type KVMIO) are a kind of their own, aimed at without counting VFIO's; an
 * undoing ioctl is never failed and counts only by request. The fd is a plain file: the
 * kernel answers ENOTTY to both requests, so every other result is the seam's.
 */
static void test_seam_kvm_kind(void)
{
    int fd = vfio_sys_open("/dev/null", O_RDWR);

    g_assert_cmpint(fd, >=, 0);
    vfio_sys_reset_counts();
    vfio_sys_fail_nth(VFIO_SYS_KVM, 2, ENOMEM);
    g_assert_cmpint(vfio_sys_ioctl(fd, KVM_IRQFD, NULL), ==, -ENOTTY);
    g_assert_cmpint(vfio_sys_ioctl(fd, VFIO_GET_API_VERSION, NULL), ==, -ENOTTY);
    g_assert_cmpint(vfio_sys_ioctl_undo(fd, KVM_IRQFD, NULL), ==, -ENOTTY);
    g_assert_false(vfio_sys_fail_fired());
    g_assert_cmpint(vfio_sys_ioctl(fd, KVM_SET_GSI_ROUTING, NULL), ==, -ENOMEM);
    g_assert_true(vfio_sys_fail_fired());
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_KVM), ==, 2);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_IOCTL), ==, 1);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_ANY), ==, 3);
    g_assert_cmpuint(vfio_sys_ioctl_count(KVM_IRQFD), ==, 2);
    vfio_sys_fail_nth(VFIO_SYS_ANY, 1, EIO);
    g_assert_cmpint(vfio_sys_ioctl_undo(fd, KVM_SET_USER_MEMORY_REGION, NULL), ==, -ENOTTY);
    g_assert_false(vfio_sys_fail_fired());
    g_assert_cmpstr(vfio_sys_call_name(VFIO_SYS_KVM), ==, "kvm");
    vfio_sys_reset_counts();
    g_assert_cmpint(vfio_sys_close(fd), ==, 0);
}

static void on_signal(void *opaque)
{
    (*(int *)opaque)++;
}

static void test_notifier(void)
{
    g_autoptr(GError) err = NULL;
    VFIONotifier *n = vfio_notifier_new(&err);
    int hits = 0;

    g_assert_no_error(err);
    g_assert_cmpint(vfio_notifier_get_fd(n), >=, 0);
    g_assert_false(vfio_notifier_test_and_clear(n));
    vfio_notifier_signal(n);
    g_assert_true(vfio_notifier_test_and_clear(n));
    g_assert_false(vfio_notifier_test_and_clear(n));
    vfio_notifier_set_handler(n, on_signal, &hits);
    vfio_notifier_signal(n);
    while (g_main_context_iteration(NULL, FALSE)) {
    }
    g_assert_cmpint(hits, ==, 1);
    vfio_notifier_free(n);
    /* An eventfd failure is a clear error, not a crash. */
    vfio_sys_fail_nth(VFIO_SYS_EVENTFD, 1, EMFILE);
    g_assert_null(vfio_notifier_new(&err));
    g_assert_error(err, VFIO_ERROR, EMFILE);
    g_assert_nonnull(strstr(err->message, "eventfd"));
    g_assert_nonnull(strstr(err->message, "RLIMIT_NOFILE"));
    vfio_sys_reset_counts();
}

static void test_irq_names(void)
{
    VFIODevice dev;

    vfio_device_init(&dev, NULL);
    dev.flags = VFIO_DEVICE_FLAGS_PCI;
    g_assert_cmpstr(vfio_irq_index_name(&dev, VFIO_PCI_MSIX_IRQ_INDEX), ==, "MSI-X");
    g_assert_cmpstr(vfio_irq_index_name(&dev, VFIO_PCI_REQ_IRQ_INDEX), ==, "REQ");
    dev.flags = VFIO_DEVICE_FLAGS_PLATFORM;
    g_assert_cmpstr(vfio_irq_index_name(&dev, 2), ==, "IRQ 2");
    vfio_device_clear(&dev);
}

static void test_vf_token(void)
{
    VFIODevice dev;

    vfio_device_init(&dev, NULL);
    vfio_sys_reset_counts();
    /* Not a UUID: refused before the kernel is asked. */
    g_assert_cmpint(vfio_device_set_vf_token(&dev, "not-a-uuid"), ==, -EINVAL);
    g_assert_cmpint(vfio_device_set_vf_token(&dev, "00112233-4455-6677-8899-aabbccddeeffx"), ==,
                    -EINVAL);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_IOCTL), ==, 0);
    /* A UUID becomes one VFIO_DEVICE_FEATURE; the kernel's answer comes back (-ENOTTY: not a
     * PF, which the frontend ignores). */
    vfio_sys_fail_ioctl(VFIO_DEVICE_FEATURE, ENOTTY);
    g_assert_cmpint(vfio_device_set_vf_token(&dev, "00112233-4455-6677-8899-AABBCCDDEEFF"), ==,
                    -ENOTTY);
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_IOCTL), ==, 1);
    vfio_sys_fail_ioctl(VFIO_DEVICE_FEATURE, 0);
    vfio_sys_reset_counts();
    vfio_device_clear(&dev);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* First: it needs a process where no test has turned the seam's accounting on. */
    g_test_add_func("/vfio/helpers/seam-idle", test_seam_idle);
    g_test_add_func("/vfio/helpers/cap-chain", test_cap_chain);
    g_test_add_func("/vfio/helpers/cap-malformed", test_cap_malformed);
    g_test_add_func("/vfio/helpers/sparse-cap-layout", test_sparse_cap_layout);
    g_test_add_func("/vfio/helpers/seam", test_seam_counts_and_injection);
    g_test_add_func("/vfio/helpers/seam-kvm-kind", test_seam_kvm_kind);
    g_test_add_func("/vfio/helpers/notifier", test_notifier);
    g_test_add_func("/vfio/helpers/irq-names", test_irq_names);
    g_test_add_func("/vfio/helpers/vf-token", test_vf_token);
    g_test_add_func("/vfio/helpers/msix-mappable", test_msix_mappable);
    return g_test_run();
}
