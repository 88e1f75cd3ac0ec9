/*
 * Lab fault sweep of a running hostdev (issue 14): for each path (attach, BAR decode, MSI,
 * system_reset, detach of the lab's edu; MSI-X enable and growth of its igb; saving and
 * loading an mtty by migration; both backends) the N-th VFIO syscall fails (qtest "vfio_fail any N EIO") for N = 1, 2, ... until the path
 * runs untouched. After each: hostdev runs, and its fds, mappings, locked memory and the
 * device's IOMMU page table as the kernel reports it (intel-iommu debugfs) are what they were
 * before. Ends with a table.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <inttypes.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mount.h>

#include "lab-vfio-util.h"
#include "libqtest.h"
#include "qtest-pci.h"

#define MAX_POINTS 600
#define DEBUGFS "/sys/kernel/debug"

/* --- what hostdev and the kernel hold --- */

typedef struct State {
    unsigned fds;
    unsigned iommu_fds;
    unsigned maps;       /* mappings of VFIO device files (BARs) in /proc/PID/maps */
    uint64_t locked_kib; /* VmLck + VmPin */
    char *iommu;         /* the edu's leaf IOVA PFNs in the kernel's IOMMU page table */
} State;

static void state_clear(State *st)
{
    g_clear_pointer(&st->iommu, g_free);
}

static uint64_t status_kib(const char *status, const char *key)
{
    const char *p = strstr(status, key);

    return p ? g_ascii_strtoull(p + strlen(key), NULL, 10) : 0;
}

/*
 * The IOVA page frames the kernel's IOMMU maps for @bdf now: one per leaf entry (page or
 * superpage) of the page table its context entry points at, as intel-iommu's debugfs walks
 * it; "" when the device has no translation (no domain).
 */
static char *iommu_table(const char *bdf)
{
    g_autofree char *path =
        g_strdup_printf(DEBUGFS "/iommu/intel/%s/domain_translation_struct", bdf);
    g_autofree char *text = NULL;
    GString *out = g_string_new(NULL);
    gsize len;

    g_assert_true(g_file_get_contents(path, &text, &len, NULL));
    /*
     * A line at a time with memchr: the text is about 1 MB, and a sanitizer's strstr (which
     * g_strsplit uses) measures the whole rest of it on every call, which made the sweep
     * quadratic, over 8 minutes instead of one.
     */
    for (const char *l = text, *end = text + len; l < end;) {
        const char *nl = memchr(l, '\n', end - l);
        size_t n = nl ? (size_t)(nl - l) : (size_t)(end - l);

        if (n > 2 && l[0] == '0' && l[1] == 'x') {
            size_t k = 0;

            while (k < n && l[k] != ' ' && l[k] != '|') {
                k++;
            }
            g_string_append_len(out, l, k);
            g_string_append_c(out, ' ');
        }
        l += n + 1;
    }
    return g_string_free(out, FALSE);
}

static void state_take(QTestState *s, const char *bdf, State *st)
{
    g_autofree char *status_path = g_strdup_printf("/proc/%d/status", (int)qtest_pid(s));
    g_autofree char *maps_path = g_strdup_printf("/proc/%d/maps", (int)qtest_pid(s));
    g_autofree char *status = NULL;
    g_autofree char *maps = NULL;

    state_clear(st);
    st->fds = fds_walk(s, &st->iommu_fds, NULL);
    g_assert_true(g_file_get_contents(status_path, &status, NULL, NULL));
    g_assert_true(g_file_get_contents(maps_path, &maps, NULL, NULL));
    /* Only those: a sanitizer's allocator maps memory of its own as it pleases. */
    st->maps = 0;
    for (const char *p = maps; (p = strstr(p, "vfio"));) {
        st->maps++;
        p = strchrnul(p, '\n');
    }
    st->locked_kib = status_kib(status, "VmLck:") + status_kib(status, "VmPin:");
    st->iommu = bdf ? iommu_table(bdf) : g_strdup(""); /* an mdev has no IOMMU table */
}

/* Whether @now is @then; what differs goes to the test log. */
static bool state_same(const State *then, const State *now, const char *what)
{
    bool same = then->fds == now->fds && then->iommu_fds == now->iommu_fds &&
                then->maps == now->maps && then->locked_kib == now->locked_kib &&
                !strcmp(then->iommu, now->iommu);

    if (!same) {
        g_test_message("%s: fds %u -> %u, /dev/iommu fds %u -> %u, maps %u -> %u, locked %" PRIu64
                       " -> %" PRIu64 " KiB, IOMMU table %s",
                       what, then->fds, now->fds, then->iommu_fds, now->iommu_fds, then->maps,
                       now->maps, then->locked_kib, now->locked_kib,
                       strcmp(then->iommu, now->iommu) ? "differs" : "the same");
    }
    return same;
}

/* --- arming the seam in hostdev --- */

static void fail_arm(QTestState *s, unsigned n)
{
    g_autofree char *cmd = g_strdup_printf("vfio_fail any %u %d", n, EIO);
    g_autofree char *reply = qtest_raw(s, cmd);

    g_assert_cmpstr(reply, ==, "OK");
}

/* Disarm; whether the armed failure was delivered. */
static bool fail_disarm(QTestState *s)
{
    g_autofree char *fired = qtest_raw(s, "vfio_fail_fired");
    g_autofree char *reply = qtest_raw(s, "vfio_fail any 0 0");

    g_assert_cmpstr(reply, ==, "OK");
    return !strcmp(fired, "OK 1");
}

/* --- the paths --- */

typedef struct Sweep {
    const char *path;
    const LabVfioBackend *b;
    unsigned points;    /* calls the path makes */
    unsigned failed;    /* injected failures the operation reported */
    unsigned recovered; /* injected failures it got through (retried or not needed) */
    unsigned passes;    /* fault points after which everything was as before */
} Sweep;

static GPtrArray *table; /* Sweep * */

static Sweep *sweep_new(const char *path, const LabVfioBackend *b)
{
    Sweep *w = g_new0(Sweep, 1);

    w->path = path;
    w->b = b;
    g_ptr_array_add(table, w);
    return w;
}

static void check_running(QTestState *s)
{
    g_autofree char *st = status_of(s);

    g_assert_cmpstr(st, ==, "running");
}

/*
 * device_add of the edu with the N-th call failing: an error naming the errno on one line, or
 * success; either way hostdev runs and, after device_del of an added edu, all is as before.
 */
static bool attach_once(QTestState *s, Sweep *w, const char *bdf, unsigned n, const State *base)
{
    g_autofree char *args = device_add_json(w->b, bdf, EDU_SLOT, "edu0");
    g_autoptr(JsonObject) r = NULL;
    State now = {0};
    bool fired, same;

    fail_arm(s, n);
    r = qtest_qmp(s, "{'execute': 'device_add', 'arguments': {%s}}", args);
    fired = fail_disarm(s);
    if (json_object_has_member(r, "error")) {
        const char *desc = json_object_get_string_member(
            json_object_get_object_member(r, "error"), "desc");

        g_assert_true(fired);
        w->failed++;
        if (!strstr(desc, g_strerror(EIO)) || strchr(desc, '\n')) {
            g_test_fail_printf("attach, call %u: the error does not name the errno on one line: %s",
                               n, desc);
        } else if (n <= 2 || n % 10 == 0) {
            g_test_message("attach, call %u: %s", n, desc);
        }
    } else {
        if (fired) {
            w->recovered++;
        }
        edu_enable_check(s);
        edu_dma_round_trip(s, n, 3);
        qtest_qmp_device_del(s, "edu0");
    }
    check_running(s);
    state_take(s, bdf, &now);
    same = state_same(base, &now, "attach");
    w->passes += same;
    state_clear(&now);
    return fired;
}

/*
 * With the device attached and just reset: @prep, then a step (@op) with the N-th call
 * failing; after @undo, hostdev's holdings are as they were before the step, and the device
 * works (@works); then a clean system_reset for the next fault point.
 */
typedef void (*Step)(QTestState *s);

typedef struct StepPath {
    const char *path;
    Step prep, op, undo, works;
} StepPath;

static bool step_once(QTestState *s, Sweep *w, const char *bdf, unsigned n, const StepPath *p)
{
    State base = {0}, now = {0};
    bool fired, same;

    if (p->prep) {
        p->prep(s);
    }
    state_take(s, bdf, &base);
    fail_arm(s, n);
    p->op(s);
    fired = fail_disarm(s);
    check_running(s);
    p->undo(s);
    state_take(s, bdf, &now);
    same = state_same(&base, &now, w->path);
    w->passes += same;
    if (fired) {
        w->recovered++;
    }
    p->works(s);
    qmp_system_reset(s);
    state_clear(&base);
    state_clear(&now);
    return fired;
}

static void bar_on(QTestState *s)
{
    bar_map(s, EDU_SLOT, 0, MEM_BASE);
    cmd_set(s, EDU_SLOT, 0x2);
}

static void bar_off(QTestState *s)
{
    pci_cfg_writew(s, EDU_SLOT, 0x04, pci_cfg_readw(s, EDU_SLOT, 0x04) & ~0x6);
}

/* After a clean reset: edu DMAs (a pattern of its own each time). */
static void edu_works(QTestState *s)
{
    static unsigned round;

    edu_enable_check(s);
    edu_dma_round_trip(s, ++round, 5);
}

/* The offset of edu's MSI capability. */
static uint8_t msi_cap(QTestState *s)
{
    uint8_t cap = cfg_find_cap(s, EDU_SLOT, 0x05);

    g_assert_cmpuint(cap, !=, 0);
    return cap;
}

static void msi_on(QTestState *s)
{
    uint8_t cap = msi_cap(s);

    pci_cfg_writel(s, EDU_SLOT, cap + 4, MSI_ADDR);
    pci_cfg_writew(s, EDU_SLOT, cap + 2, pci_cfg_readw(s, EDU_SLOT, cap + 2) | 1);
}

static void msi_off(QTestState *s)
{
    uint8_t cap = msi_cap(s);

    pci_cfg_writew(s, EDU_SLOT, cap + 2, pci_cfg_readw(s, EDU_SLOT, cap + 2) & ~1);
}

static void reset(QTestState *s)
{
    qmp_system_reset(s);
}

/* --- igb's MSI-X: enabling it, and a vector first used later (the kernel's set grows) --- */

static uint64_t igb_bars[6];

static uint8_t msix_cap(QTestState *s)
{
    uint8_t cap = cfg_find_cap(s, IGB_SLOT, 0x11);

    g_assert_cmpuint(cap, !=, 0);
    return cap;
}

/* The guest-physical address of MSI-X table entry @vector (after igb_setup()). */
static uint64_t msix_entry(QTestState *s, unsigned vector)
{
    uint32_t table = pci_cfg_readl(s, IGB_SLOT, msix_cap(s) + 4);

    g_assert_cmpuint(igb_bars[table & 7], !=, 0);
    return igb_bars[table & 7] + (table & ~7u) + 16 * vector;
}

/* Program and unmask MSI-X vector @vector (@mask: mask it instead). */
static void msix_vector(QTestState *s, unsigned vector, bool mask)
{
    uint64_t entry = msix_entry(s, vector);

    qtest_writel(s, entry + 0, MSI_ADDR);
    qtest_writel(s, entry + 4, 0);
    qtest_writel(s, entry + 8, 0x55 + vector);
    qtest_writel(s, entry + 12, mask);
}

/* BARs mapped, decode and bus master on, vector 0 programmed and unmasked. */
static void igb_setup(QTestState *s)
{
    map_all_bars(s, IGB_SLOT, igb_bars);
    cmd_set(s, IGB_SLOT, 0x7);
    msix_vector(s, 0, false);
}

static void msix_on(QTestState *s)
{
    uint8_t cap = msix_cap(s);

    pci_cfg_writew(s, IGB_SLOT, cap + 2, (pci_cfg_readw(s, IGB_SLOT, cap + 2) | 0x8000) & ~0x4000);
}

static void msix_off(QTestState *s)
{
    uint8_t cap = msix_cap(s);

    pci_cfg_writew(s, IGB_SLOT, cap + 2, pci_cfg_readw(s, IGB_SLOT, cap + 2) & ~0x8000);
}

static void igb_setup_msix(QTestState *s)
{
    igb_setup(s);
    msix_on(s);
}

static void msix_grow(QTestState *s)
{
    msix_vector(s, 3, false);
}

/* Vector 3 masked again and MSI-X re-enabled: hostdev holds vector 0's eventfd only. */
static void msix_shrink(QTestState *s)
{
    msix_vector(s, 3, true);
    msix_off(s);
    msix_on(s);
}

/* After a clean reset: igb answers through its BAR and takes MSI-X again. */
static void igb_works(QTestState *s)
{
    igb_setup_msix(s);
    g_assert_cmphex(qtest_readl(s, igb_bars[0] + 0x8), !=, 0xffffffff); /* STATUS */
    msix_off(s);
}

/* device_del with the N-th call failing: the device goes all the same, and all it held. */
static bool detach_once(QTestState *s, Sweep *w, const char *bdf, unsigned n, const State *base)
{
    g_autofree char *args = device_add_json(w->b, bdf, EDU_SLOT, "edu0");
    State now = {0};
    bool fired, same;

    qmp_device_add(s, args);
    edu_enable_check(s);
    msi_on(s);
    fail_arm(s, n);
    qtest_qmp_device_del(s, "edu0");
    fired = fail_disarm(s);
    check_running(s);
    state_take(s, bdf, &now);
    same = state_same(base, &now, "detach");
    w->passes += same;
    w->recovered += fired;
    state_clear(&now);
    return fired;
}

/* What the IOMMU comparison sees with the edu attached: the kernel maps guest RAM and BAR. */
static void report_attached(QTestState *s, const char *bdf)
{
    State on = {0};
    unsigned pages = 0;

    edu_enable(s);
    state_take(s, bdf, &on);
    for (const char *p = on.iommu; (p = strchr(p, ' ')); p++) {
        pages++;
    }
    g_test_message("attached: the kernel's IOMMU table of %s holds %u leaf entries, %" PRIu64
                   " KiB locked", bdf, pages, on.locked_kib);
    g_assert_cmpuint(pages, >, 0);
    state_clear(&on);
}

static void mount_debugfs(void)
{
    if (!g_file_test(DEBUGFS "/iommu", G_FILE_TEST_IS_DIR)) {
        g_assert_cmpint(mount("debugfs", DEBUGFS, "debugfs", 0, NULL), ==, 0);
    }
    g_assert_true(g_file_test(DEBUGFS "/iommu/intel", G_FILE_TEST_IS_DIR));
}

static void test_sweep(gconstpointer opaque)
{
    const LabVfioBackend *b = opaque;
    const char *bdf = lab_env("LAB_EDU");
    const char *igb = lab_env("LAB_IGB");
    g_autoptr(QTestState) s = NULL;
    g_autofree char *args = NULL;
    static const StepPath steps[] = {
        {"bar-decode", NULL, bar_on, bar_off, edu_works},
        {"msi", edu_enable, msi_on, msi_off, edu_works},
        {"system_reset", edu_enable, reset, edu_enable, edu_works},
    };
    static const StepPath igb_steps[] = {
        {"msix-enable", igb_setup, msix_on, msix_off, igb_works},
        {"msix-grow", igb_setup_msix, msix_grow, msix_shrink, igb_works},
    };
    State base = {0};
    Sweep *w;
    unsigned n;

    if (!bdf || !igb) {
        return;
    }
    mount_debugfs();
    /* 32 MiB of guest RAM: the kernel's IOMMU table is read twice per fault point. */
    args = g_strdup_printf("-M q35 -m 32M -nodefaults %s", b->objects);
    s = qtest_init(args);
    g_free(args);
    /* One clean cycle first: what the first attach sets up for good (the iommufd object's
     * /dev/iommu, allocator arenas) is not a leak. */
    args = device_add_json(b, bdf, EDU_SLOT, "edu0");
    qmp_device_add(s, args);
    qtest_qmp_device_del(s, "edu0");
    state_take(s, bdf, &base);
    g_test_message("before: %u fds, %u maps, %" PRIu64 " KiB locked, IOMMU table '%s'",
                   base.fds, base.maps, base.locked_kib, base.iommu);

    w = sweep_new("attach", b);
    for (n = 1; n < MAX_POINTS && attach_once(s, w, bdf, n, &base); n++) {
    }
    w->points = n - 1;

    qmp_device_add(s, args);
    report_attached(s, bdf);
    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
        w = sweep_new(steps[i].path, b);
        qmp_system_reset(s);
        for (n = 1; n < MAX_POINTS && step_once(s, w, bdf, n, &steps[i]); n++) {
        }
        w->points = n - 1;
    }
    qtest_qmp_device_del(s, "edu0");

    w = sweep_new("detach", b);
    for (n = 1; n < MAX_POINTS && detach_once(s, w, bdf, n, &base); n++) {
    }
    w->points = n - 1;
    state_clear(&base);

    g_free(args);
    args = device_add_json(b, igb, IGB_SLOT, "igb0");
    qmp_device_add(s, args);
    for (size_t i = 0; i < G_N_ELEMENTS(igb_steps); i++) {
        w = sweep_new(igb_steps[i].path, b);
        qmp_system_reset(s);
        for (n = 1; n < MAX_POINTS && step_once(s, w, igb, n, &igb_steps[i]); n++) {
        }
        w->points = n - 1;
    }
    qtest_qmp_device_del(s, "igb0");
}

/* --- migration of an mtty (VFIO migration v2): saving on the source, loading on a destination --- */

static char *mdev_nth(unsigned i)
{
    g_auto(GStrv) list = g_strsplit(lab_env("LAB_MDEVS") ? lab_env("LAB_MDEVS") : "", " ", -1);

    if (g_strv_length(list) <= i || !*list[i]) {
        g_test_fail_printf("LAB_MDEVS lists fewer than %u mdevs: run the lab with --mdev "
                           "mtty-2,mtty-2 (scripts/fault-sweep does)", i + 1);
        return NULL;
    }
    return g_strdup(list[i]);
}

static QTestState *start_mtty(const LabVfioBackend *b, const char *mdev, const char *extra)
{
    g_autofree char *dev = device_arg(b, mdev, MTTY_SLOT, "tty0");
    g_autofree char *args =
        g_strdup_printf("-M q35 -m 32M -nodefaults %s %s %s", b->objects, dev, extra);
    QTestState *s = qtest_init(args);

    qtest_irq_intercept_in(s, "/machine/ioapic");
    return s;
}

/* A failure's message names the errno on one line; the first few go to the log. */
static void check_message(const char *path, unsigned n, const char *desc)
{
    if (!strstr(desc, g_strerror(EIO)) || strchr(desc, '\n')) {
        g_test_fail_printf("%s, call %u: the error does not name the errno on one line: %s",
                           path, n, desc);
    } else if (n <= 2 || n % 10 == 0) {
        g_test_message("%s, call %u: %s", path, n, desc);
    }
}

/*
 * A save that completed although a call failed must still be whole: a destination (on the
 * other mdev) restores it and reads the scratch register the source had (@scratch).
 */
static void restore_check(const LabVfioBackend *b, const char *mdev, const char *uri,
                          uint8_t scratch)
{
    g_autofree char *extra = g_strdup_printf("-incoming %s", uri);
    g_autoptr(QTestState) d = start_mtty(b, mdev, extra);
    g_autoptr(JsonObject) in = qtest_migrate_wait(d, "completed", "failed");

    g_assert_cmpstr(json_object_get_string_member(in, "status"), ==, "completed");
    g_assert_cmphex(qtest_inb(d, IO_BASE + 7), ==, scratch);
}

/*
 * migrate to a file with the N-th call failing: it fails naming the errno, or completes
 * whole (restore_check); the VM runs again either way (cont after a completed save), the mtty
 * kept its scratch register and works, and hostdev holds what it held before.
 */
static bool save_once(QTestState *s, Sweep *w, const char *uri, unsigned n, const State *base,
                      const char *other_mdev)
{
    g_autoptr(JsonObject) r = NULL, done = NULL;
    State now = {0};
    bool fired, same;

    fail_arm(s, n);
    r = qtest_qmp(s, "{'execute': 'migrate', 'arguments': {'uri': '%s'}}", uri);
    if (!json_object_has_member(r, "error")) {
        done = qtest_migrate_wait(s, "completed", "failed");
    }
    fired = fail_disarm(s);
    if (!done) {
        g_assert_true(fired);
        w->failed++;
        check_message("migrate-save", n, json_object_get_string_member(
                          json_object_get_object_member(r, "error"), "desc"));
    } else if (!strcmp(json_object_get_string_member(done, "status"), "failed")) {
        g_assert_true(fired);
        w->failed++;
        check_message("migrate-save", n,
                      json_object_get_string_member_with_default(done, "error-desc", ""));
    } else {
        w->recovered += fired;
        if (fired) {
            restore_check(w->b, other_mdev, uri, (uint8_t)(n - 1));
        }
        json_node_unref(qtest_qmp_assert_success(s, "{'execute': 'cont'}"));
    }
    check_running(s);
    g_assert_cmphex(qtest_inb(s, IO_BASE + 7), ==, (uint8_t)(n - 1));
    mtty_check(s, MTTY_SLOT, n);
    state_take(s, NULL, &now);
    same = state_same(base, &now, "migrate-save");
    w->passes += same;
    state_clear(&now);
    return fired;
}

/*
 * migrate-incoming of a good stream with the N-th call failing: the destination fails naming
 * the errno and exits 1 (as QEMU's does), or completes with the saved scratch register. The
 * next fault point's destination attaches the same mdev: the kernel's cleanup is enough.
 */
static bool load_once(const LabVfioBackend *b, Sweep *w, const char *mdev, const char *uri,
                      unsigned n, uint8_t saved)
{
    QTestState *d = start_mtty(b, mdev, "-incoming defer");
    g_autoptr(JsonObject) r = NULL;
    g_autofree char *err = NULL;
    const char *st = NULL;
    bool fired;

    json_node_unref(qtest_qmp_assert_success(
        d, "{'execute': 'migrate-set-capabilities', 'arguments': {'capabilities': "
           "[{'capability': 'events', 'state': true}]}}"));
    fail_arm(d, n);
    r = qtest_qmp(d, "{'execute': 'migrate-incoming', 'arguments': {'uri': '%s'}}", uri);
    if (json_object_has_member(r, "error")) {
        fired = fail_disarm(d);
        g_assert_true(fired);
        w->failed++;
        check_message("migrate-load", n, json_object_get_string_member(
                          json_object_get_object_member(r, "error"), "desc"));
        w->passes++;
        qtest_quit(d);
        return fired;
    }
    while (!st || (strcmp(st, "completed") && strcmp(st, "failed"))) {
        g_autoptr(JsonObject) ev = qtest_qmp_eventwait(d, "MIGRATION");

        st = json_object_get_string_member(json_object_get_object_member(ev, "data"), "status");
        st = g_intern_string(st);
    }
    if (!strcmp(st, "failed")) {
        g_autofree char *line = NULL;
        const char *at;

        g_assert_cmpint(qtest_expect_exit(d, &err), ==, 1);
        w->failed++;
        at = strstr(err, "load of migration failed");
        g_assert_nonnull(at);
        line = g_strndup(at, strcspn(at, "\n"));
        check_message("migrate-load", n, line);
        w->passes++;
        return true; /* only an injected failure can fail a good stream */
    }
    fired = fail_disarm(d);
    w->recovered += fired;
    g_assert_cmphex(qtest_inb(d, IO_BASE + 7), ==, saved);
    mtty_check(d, MTTY_SLOT, saved + 1);
    w->passes++;
    qtest_quit(d);
    return fired;
}

static void test_sweep_migration(gconstpointer opaque)
{
    const LabVfioBackend *b = opaque;
    g_autofree char *m0 = mdev_nth(0), *m1 = mdev_nth(1);
    g_autofree char *dir = g_dir_make_tmp("fault-sweep-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "vm.state", NULL);
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    g_autoptr(QTestState) s = NULL;
    State base = {0};
    Sweep *w;
    unsigned n;

    if (!m0 || !m1) {
        return;
    }
    s = start_mtty(b, m0, "");
    mtty_check(s, MTTY_SLOT, 0);
    state_take(s, NULL, &base);
    w = sweep_new("migrate-save", b);
    for (n = 1; n < MAX_POINTS && save_once(s, w, uri, n, &base, m1); n++) {
    }
    w->points = n - 1;
    state_clear(&base);
    /* The file holds the untouched run's save: the scratch register was n - 1 then. */
    w = sweep_new("migrate-load", b);
    for (unsigned k = 1; k < MAX_POINTS && load_once(b, w, m1, uri, k, (uint8_t)(n - 1)); k++) {
        w->points = k;
    }
    g_unlink(path);
    g_rmdir(dir);
}

static void print_table(void)
{
    g_test_message("%-14s %-8s %12s %7s %10s %7s", "path", "backend", "fault points", "failed",
                   "recovered", "passes");
    for (guint i = 0; i < table->len; i++) {
        Sweep *w = table->pdata[i];

        g_test_message("%-14s %-8s %12u %7u %10u %7u", w->path, w->b->name, w->points,
                       w->failed, w->recovered, w->passes);
        /* Every fault point, and the run that got through untouched, left all as before. */
        if (w->passes != w->points + 1) {
            g_test_fail_printf("%s (%s): %u of %u runs left something behind", w->path,
                               w->b->name, w->points + 1 - w->passes, w->points + 1);
        }
    }
}

int main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    table = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
        g_autofree char *path = g_strdup_printf("/fault-sweep/%s", backends[i]->name);

        g_test_add_data_func(path, backends[i], test_sweep);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
        g_autofree char *path = g_strdup_printf("/fault-sweep/migration-%s", backends[i]->name);

        g_test_add_data_func(path, backends[i], test_sweep_migration);
    }
    g_test_add_func("/fault-sweep/table", print_table);
    rc = g_test_run();
    g_ptr_array_unref(table);
    return rc;
}
