/*
 * Unit tests of the iommufd backend object without a kernel iommufd: registration, fd
 * adoption (who owns what), user counting, and the errors of a missing /dev/iommu, simulated
 * by fault injection on the VFIO syscall seam's open.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-sys.h"
#include "qom/object.h"
#include "qom/opts.h"
#include "qom/props.h"
#include "system/iommufd.h"

static bool fd_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

static HdIommufdBackend *new_backend(const char *text)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HdOpts) opts = hd_opts_parse(text, "qom-type", &err);
    GObject *obj;

    g_assert_no_error(err);
    obj = hd_object_new_with_opts("iommufd", opts, &err);
    g_assert_no_error(err);
    g_assert_true(HD_IS_IOMMUFD_BACKEND(obj));
    return HD_IOMMUFD_BACKEND(obj);
}

static void test_registered(void)
{
    const HdTypeInfo *info = hd_type_lookup("iommufd");

    g_assert_nonnull(info);
    g_assert_cmpint(info->category, ==, HD_TYPE_CATEGORY_OBJECT);
    g_assert_true(info->gtype == HD_TYPE_IOMMUFD_BACKEND);
    g_assert_nonnull(g_object_class_find_property(g_type_class_peek(info->gtype), "fd"));
}

/* /dev/iommu missing (fault injection: open fails with ENOENT): the error names CONFIG_IOMMUFD. */
static void test_missing_dev_iommu(void)
{
    g_autoptr(HdIommufdBackend) be = new_backend("iommufd,id=iommufd0");
    g_autoptr(GError) err = NULL;

    g_assert_true(hd_user_object_complete(HD_USER_OBJECT(be), &err));
    vfio_sys_reset_counts();
    vfio_sys_fail_nth(VFIO_SYS_OPEN, 1, ENOENT);
    g_assert_false(iommufd_backend_connect(be, &err));
    g_assert_true(vfio_sys_fail_fired());
    g_assert_error(err, VFIO_ERROR, ENOENT);
    g_assert_nonnull(strstr(err->message, "iommufd 'iommufd0'"));
    g_assert_nonnull(strstr(err->message, "/dev/iommu"));
    g_assert_nonnull(strstr(err->message, "CONFIG_IOMMUFD"));
    g_assert_null(strchr(err->message, '\n'));
    g_assert_cmpuint(iommufd_backend_users(be), ==, 0);
    g_assert_cmpint(iommufd_backend_get_fd(be), ==, -1);
    g_clear_error(&err);

    /* Permission: the message points at fd passing. */
    vfio_sys_fail_nth(VFIO_SYS_OPEN, 1, EACCES);
    g_assert_false(iommufd_backend_connect(be, &err));
    g_assert_error(err, VFIO_ERROR, EACCES);
    g_assert_nonnull(strstr(err->message, "fd=N"));
    vfio_sys_reset_counts();
}

/* A passed fd (a number) is adopted as a duplicate: hostdev never opens /dev/iommu, closes
 * its own copy at finalize and leaves the caller's fd alone. */
static void test_passed_fd(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    g_autofree char *text = g_strdup_printf("iommufd,id=iommufd1,fd=%d", fd);
    HdIommufdBackend *be = new_backend(text);
    g_autoptr(GError) err = NULL;
    int mine;

    g_assert_cmpint(fd, >=, 0);
    g_assert_true(hd_user_object_complete(HD_USER_OBJECT(be), &err));
    g_assert_no_error(err);
    g_assert_true(iommufd_backend_fd_passed(be));
    mine = iommufd_backend_get_fd(be);
    g_assert_cmpint(mine, >=, 0);
    g_assert_cmpint(mine, !=, fd);

    vfio_sys_reset_counts();
    g_assert_true(iommufd_backend_connect(be, &err));
    g_assert_true(iommufd_backend_connect(be, &err));
    g_assert_cmpuint(vfio_sys_count(VFIO_SYS_OPEN), ==, 0);
    g_assert_cmpuint(iommufd_backend_users(be), ==, 2);
    g_assert_cmpint(iommufd_backend_get_fd(be), ==, mine);
    iommufd_backend_disconnect(be);
    iommufd_backend_disconnect(be);
    g_assert_cmpuint(iommufd_backend_users(be), ==, 0);
    /* The fd outlives its users: the next device reuses it. */
    g_assert_true(fd_open(mine));

    /* Not an iommufd: ioctls fail with a negative errno, never a positive one. */
    uint32_t ioas = 1;
    g_assert_cmpint(iommufd_backend_alloc_ioas(be, &ioas), <, 0);
    g_assert_cmpuint(ioas, ==, 0);

    g_object_unref(be);
    g_assert_false(fd_open(mine));
    g_assert_true(fd_open(fd));
    close(fd);
}

static void test_bad_fd(void)
{
    g_autoptr(HdIommufdBackend) be = new_backend("iommufd,id=iommufd2,fd=no-such-name");
    g_autoptr(HdIommufdBackend) be2 = NULL;
    g_autoptr(GError) err = NULL;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    g_autofree char *text = NULL;

    g_assert_false(hd_user_object_complete(HD_USER_OBJECT(be), &err));
    g_assert_nonnull(strstr(err->message, "iommufd 'iommufd2'"));
    g_assert_nonnull(strstr(err->message, "no-such-name"));
    g_clear_error(&err);
    g_assert_false(iommufd_backend_connect(be, &err));
    g_assert_cmpuint(iommufd_backend_users(be), ==, 0);
    g_clear_error(&err);

    /* A closed fd number. */
    close(fd);
    text = g_strdup_printf("iommufd,id=iommufd3,fd=%d", fd);
    be2 = new_backend(text);
    g_assert_false(hd_user_object_complete(HD_USER_OBJECT(be2), &err));
    g_assert_nonnull(strstr(err->message, "not open"));
}

/* Without a connected fd, kernel-facing helpers fail cleanly. */
static void test_no_fd(void)
{
    g_autoptr(HdIommufdBackend) be = new_backend("iommufd,id=iommufd4");
    uint32_t id = 7, type = 9;
    uint64_t caps = 3;

    g_assert_cmpint(iommufd_backend_alloc_ioas(be, &id), ==, -EBADF);
    g_assert_cmpint(iommufd_backend_map_dma(be, 1, 0, 4096, &id, false), ==, -EBADF);
    g_assert_cmpint(iommufd_backend_unmap_dma(be, 1, 0, 4096), ==, -EBADF);
    g_assert_cmpint(iommufd_backend_get_hw_info(be, 1, &type, &caps), ==, -EBADF);
    g_assert_cmpuint(type, ==, 0);
    g_assert_cmpuint(caps, ==, 0);
    g_assert_cmpint(iommufd_backend_free_id(be, 1), ==, -EBADF);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    iommufd_register_types();
    g_test_add_func("/iommufd/registered", test_registered);
    g_test_add_func("/iommufd/missing-dev-iommu", test_missing_dev_iommu);
    g_test_add_func("/iommufd/passed-fd", test_passed_fd);
    g_test_add_func("/iommufd/bad-fd", test_bad_fd);
    g_test_add_func("/iommufd/no-fd", test_no_fd);
    return g_test_run();
}
