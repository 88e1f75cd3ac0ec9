/*
 * Lab test (issue 14): VFIO running out of fds in a running hostdev. Its RLIMIT_NOFILE is set
 * (prlimit) to leave 0, 1, 2, ... fds free until device_add of the edu, then of an mtty mdev,
 * succeeds; each refusal says "Too many open files", the limit's value and how to raise it,
 * and leaves hostdev running with the fds it had. Both backends, on the real kernel.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "lab-vfio-util.h"
#include "libqtest.h"
#include "qtest-pci.h"

#define MAX_FREE 64

/* The highest fd number hostdev has open. */
static int highest_fd(QTestState *s)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)qtest_pid(s));
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *ent;
    int top = -1;

    g_assert_nonnull(d);
    while ((ent = g_dir_read_name(d))) {
        top = MAX(top, atoi(ent));
    }
    g_dir_close(d);
    return top;
}

static void set_nofile(QTestState *s, rlim_t n)
{
    struct rlimit rl = { n, n };

    g_assert_cmpint(prlimit(qtest_pid(s), RLIMIT_NOFILE, &rl, NULL), ==, 0);
}

/*
 * device_add of @args with fewer and fewer fds short, until it succeeds: each failure must be
 * clear and leave the fds as they were. Returns how many failed; the device is attached after.
 */
static unsigned add_until_it_fits(QTestState *s, const char *what, const char *args)
{
    unsigned base_iommu, now_iommu, base = fds_walk(s, &base_iommu, NULL);
    unsigned failed = 0;

    for (int spare = 0; spare < MAX_FREE; spare++) {
        rlim_t limit = (rlim_t)highest_fd(s) + 1 + spare;
        g_autoptr(JsonObject) r = NULL;
        g_autofree char *want = g_strdup_printf("RLIMIT_NOFILE is %lu;", (unsigned long)limit);
        g_autofree char *st = NULL;
        const char *desc;

        set_nofile(s, limit);
        r = qtest_qmp(s, "{'execute': 'device_add', 'arguments': {%s}}", args);
        set_nofile(s, 4096);
        if (!json_object_has_member(r, "error")) {
            g_test_message("%s: attached with %d fds to spare", what, spare);
            return failed;
        }
        failed++;
        desc = json_object_get_string_member(json_object_get_object_member(r, "error"), "desc");
        if (spare < 2 || failed % 4 == 0) {
            g_test_message("%s, %d spare: %s", what, spare, desc);
        }
        if (!strstr(desc, g_strerror(EMFILE)) || !strstr(desc, want) ||
            !strstr(desc, "ulimit -n") || strchr(desc, '\n')) {
            g_test_fail_printf("%s, %d spare: not a clear one-line EMFILE error naming the "
                               "limit (%s): %s", what, spare, want, desc);
        }
        st = status_of(s);
        g_assert_cmpstr(st, ==, "running");
        if (fds_walk(s, &now_iommu, NULL) != base || now_iommu != base_iommu) {
            g_test_fail_printf("%s, %d spare: the failed device_add left fds behind", what,
                               spare);
        }
    }
    g_test_fail_printf("%s: device_add still fails with %d fds to spare", what, MAX_FREE);
    return failed;
}

static void test_fd_limit(gconstpointer opaque)
{
    const LabVfioBackend *b = opaque;
    const char *edu = lab_env("LAB_EDU");
    const char *mdevs = lab_env("LAB_MDEVS");
    g_autofree char *mtty = NULL, *edu_args = NULL, *mtty_args = NULL, *objs = NULL;
    g_autoptr(QTestState) s = NULL;
    unsigned base_iommu, base;

    if (!edu || !mdevs) {
        return;
    }
    mtty = g_strndup(mdevs, strcspn(mdevs, " "));
    objs = g_strdup_printf("-M q35 -m 32M -nodefaults %s", b->objects);
    s = qtest_init(objs);
    qtest_irq_intercept_in(s, "/machine/ioapic");
    edu_args = device_add_json(b, edu, EDU_SLOT, "edu0");
    mtty_args = device_add_json(b, mtty, MTTY_SLOT, "tty0");
    /* One clean cycle first: what the first attach opens for good (the iommufd object's
     * /dev/iommu) is not a leak. */
    qmp_device_add(s, edu_args);
    qtest_qmp_device_del(s, "edu0");
    base = fds_walk(s, &base_iommu, NULL);

    g_assert_cmpuint(add_until_it_fits(s, "edu", edu_args), >, 0);
    edu_enable_check(s);
    edu_dma_round_trip(s, 7, 1);
    g_assert_cmpuint(add_until_it_fits(s, "mtty", mtty_args), >, 0);
    mtty_check(s, MTTY_SLOT, 0x5a);
    qtest_qmp_device_del(s, "tty0");
    qtest_qmp_device_del(s, "edu0");
    g_assert_cmpuint(fds_walk(s, &base_iommu, NULL), ==, base);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
        g_autofree char *path = g_strdup_printf("/fd-limit/%s", backends[i]->name);

        g_test_add_data_func(path, backends[i], test_fd_limit);
    }
    return g_test_run();
}
