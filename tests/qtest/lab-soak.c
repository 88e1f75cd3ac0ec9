/*
 * Lab soak and crash-restart tests of -device vfio-pci (issue 14): edu and mtty hotplug cycles
 * and nvme system_resets in one hostdev, whose RSS, locked memory, fds and mappings must stay
 * flat; hostdev killed during attach, DMA and reset, then a new one attaches the edu and DMAs.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "lab-vfio-util.h"
#include "libqtest.h"
#include "qtest-pci.h"

#define NVME_SLOT 5
#define NVME_VS 0x08

#define RSS_GROWTH_MAX_KIB 4096

/* The seed of the crash tests' delays: HOSTDEV_CRASH_SEED, or a random one (printed). */
static guint32 crash_seed;

/* The count in environment variable @name, @dflt when unset, at least @min. */
static unsigned env_count(const char *name, unsigned dflt, unsigned min)
{
    const char *v = g_getenv(name);
    unsigned n = v && *v ? (unsigned)g_ascii_strtoull(v, NULL, 10) : dflt;

    return MAX(n, min);
}

/* --- what hostdev holds --- */

/* One sample of what hostdev holds after @at cycles (or resets). */
typedef struct Sample {
    unsigned at;
    uint64_t rss_kib;
    uint64_t locked_kib; /* VmLck */
    uint64_t pinned_kib; /* VmPin */
    unsigned fds;
    unsigned maps;
} Sample;

/* The number after "@field:" in /proc/PID/status text @status (kB). */
static uint64_t status_kib(const char *status, const char *field)
{
    g_autofree char *needle = g_strdup_printf("\n%s:", field);
    const char *at = strstr(status, needle);

    g_assert_nonnull(at);
    return g_ascii_strtoull(at + strlen(needle), NULL, 10);
}

/* Sample hostdev now, print the sample as "@what @at: ..." and append it to @series. */
static void sample_take(QTestState *s, const char *what, unsigned at, gint64 t0, GArray *series)
{
    int pid = (int)qtest_pid(s);
    g_autofree char *status_path = g_strdup_printf("/proc/%d/status", pid);
    g_autofree char *maps_path = g_strdup_printf("/proc/%d/maps", pid);
    g_autofree char *status = NULL, *maps = NULL, *st = NULL;
    Sample x = {.at = at};
    unsigned iommu;

    st = status_of(s); /* a QMP round trip: hostdev is done with what came before */
    g_assert_cmpstr(st, ==, "running");
    g_assert_true(g_file_get_contents(status_path, &status, NULL, NULL));
    g_assert_true(g_file_get_contents(maps_path, &maps, NULL, NULL));
    x.rss_kib = status_kib(status, "VmRSS");
    x.locked_kib = status_kib(status, "VmLck");
    x.pinned_kib = status_kib(status, "VmPin");
    x.fds = fds_walk(s, &iommu, NULL) + iommu;
    for (const char *p = maps; (p = strchr(p, '\n')); p++) {
        x.maps++;
    }
    g_test_message("%s %u: rss %" G_GUINT64_FORMAT
                   " KiB, fds %u, maps %u, locked %" G_GUINT64_FORMAT
                   " KiB, pinned %" G_GUINT64_FORMAT " KiB (%.1f s)",
                   what, at, x.rss_kib, x.fds, x.maps, x.locked_kib, x.pinned_kib,
                   (g_get_monotonic_time() - t0) / (double)G_USEC_PER_SEC);
    g_array_append_val(series, x);
}

/*
 * Flat: fds, mappings and locked and pinned memory as at the first sample at every later one;
 * RSS grown less than RSS_GROWTH_MAX_KIB from the second sample to the last (the first comes
 * right after the warm-up, while allocators may still be settling).
 */
static void series_check(const char *what, GArray *series)
{
    const Sample *first = &g_array_index(series, Sample, 0);
    const Sample *second, *last;
    int64_t growth;

    g_assert_cmpuint(series->len, >=, 3);
    for (guint i = 1; i < series->len; i++) {
        const Sample *x = &g_array_index(series, Sample, i);

        if (x->fds != first->fds || x->maps != first->maps || x->locked_kib != first->locked_kib ||
            x->pinned_kib != first->pinned_kib) {
            g_test_fail_printf("%s %u: fds %u, maps %u, locked %" G_GUINT64_FORMAT
                               " KiB, pinned %" G_GUINT64_FORMAT " KiB, but %s %u had fds %u, "
                               "maps %u, locked %" G_GUINT64_FORMAT " KiB, pinned "
                               "%" G_GUINT64_FORMAT " KiB: hostdev keeps something per %s",
                               what, x->at, x->fds, x->maps, x->locked_kib, x->pinned_kib, what,
                               first->at, first->fds, first->maps, first->locked_kib,
                               first->pinned_kib, what);
        }
    }
    second = &g_array_index(series, Sample, 1);
    last = &g_array_index(series, Sample, series->len - 1);
    growth = (int64_t)last->rss_kib - (int64_t)second->rss_kib;
    g_test_message("%s: rss grew %" G_GINT64_FORMAT " KiB from %s %u to %s %u (limit %d KiB)", what,
                   growth, what, second->at, what, last->at, RSS_GROWTH_MAX_KIB);
    if (growth >= RSS_GROWTH_MAX_KIB) {
        g_test_fail_printf("hostdev's RSS grew %" G_GINT64_FORMAT " KiB from %s %u to %s %u, "
                           "the limit is %d KiB",
                           growth, what, second->at, what, last->at, RSS_GROWTH_MAX_KIB);
    }
}

/* --- soak --- */

/*
 * HOSTDEV_SOAK_CYCLES (default 100) cycles in one hostdev: device_add of edu, a DMA round trip
 * with a pattern of the cycle's own, device_del; the same for an mtty mdev with its I/O BAR
 * and INTx checked. Even cycles use the legacy backend, odd ones iommufd (its object is there
 * from the start and opens /dev/iommu on first use, so the first sample comes after one cycle
 * of each backend); then a sample every tenth of the cycles.
 */
static void test_soak_hotplug(void)
{
    const char *edu = lab_env("LAB_EDU");
    const char *mdevs = lab_env("LAB_MDEVS");
    unsigned cycles = env_count("HOSTDEV_SOAK_CYCLES", 100, 3);
    unsigned step = MAX(cycles / 10, 1);
    g_autoptr(GArray) series = g_array_new(FALSE, FALSE, sizeof(Sample));
    g_autoptr(QTestState) s = NULL;
    g_autofree char *mtty = NULL;
    gint64 t0 = g_get_monotonic_time();

    if (!edu || !mdevs) {
        return;
    }
    mtty = g_strndup(mdevs, strcspn(mdevs, " "));
    g_test_message("%u cycles of edu %s and mtty %s, a sample every %u", cycles, edu, mtty, step);
    s = start(&iommufd, NULL);
    qtest_irq_intercept_in(s, "/machine/ioapic");
    for (unsigned c = 0; c < cycles; c++) {
        const LabVfioBackend *b = backends[c % 2];
        g_autofree char *edu_add = device_add_json(b, edu, EDU_SLOT, "edu0");
        g_autofree char *mtty_add = device_add_json(b, mtty, MTTY_SLOT, "tty0");
        unsigned done = c + 1;

        qmp_device_add(s, edu_add);
        edu_enable_check(s);
        edu_dma_round_trip(s, 2 * c + 3, 7 * c + 1);
        qtest_qmp_device_del(s, "edu0");

        qmp_device_add(s, mtty_add);
        mtty_check(s, MTTY_SLOT, (uint8_t)(c + 1));
        qtest_qmp_device_del(s, "tty0");

        if (done == 2 || (done > 2 && (done % step == 0 || done == cycles))) {
            sample_take(s, "cycle", done, t0, series);
        }
    }
    series_check("cycle", series);
}

/*
 * HOSTDEV_SOAK_RESETS (default 40) system_resets with the lab's nvme on the command line:
 * the first half in a hostdev on the legacy backend, the second in one on iommufd. After each,
 * BAR0 decodes again and the controller's VS register reads a version. Each process is
 * sampled after its first reset, then every tenth of the resets, and must stay flat.
 */
static void test_soak_reset(void)
{
    const char *nvme = lab_env("LAB_NVME");
    unsigned resets = env_count("HOSTDEV_SOAK_RESETS", 40, 6);
    unsigned step = MAX(resets / 10, 1);
    unsigned done = 0;
    gint64 t0 = g_get_monotonic_time();

    if (!nvme) {
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
        const LabVfioBackend *b = backends[i];
        unsigned until = i == 0 ? resets / 2 : resets;
        unsigned first = done + 1;
        g_autoptr(GArray) series = g_array_new(FALSE, FALSE, sizeof(Sample));
        g_autofree char *dev = device_arg(b, nvme, NVME_SLOT, "nvme0");
        g_autofree char *what = g_strdup_printf("reset (%s)", b->name);
        g_autoptr(QTestState) s = start(b, dev);

        g_test_message("resets %u to %u: nvme %s on the %s backend", first, until, nvme, b->name);
        while (done < until) {
            uint32_t vs;

            qmp_system_reset(s);
            done++;
            bar_map(s, NVME_SLOT, 0, MEM_BASE);
            cmd_set(s, NVME_SLOT, 0x2); /* memory decode */
            vs = qtest_readl(s, MEM_BASE + NVME_VS);
            if (done == first) {
                g_test_message("nvme VS after reset %u: 0x%08x", done, vs);
            }
            g_assert_cmphex(vs, !=, 0);
            g_assert_cmphex(vs, !=, 0xffffffff);
            if (done == first || done % step == 0 || done == until) {
                sample_take(s, what, done, t0, series);
            }
        }
        series_check(what, series);
    }
}

/* --- crash and restart --- */

/* An operation hostdev is killed in: begin() starts hostdev and the operation, not waiting. */
typedef struct CrashCase {
    const char *name;
    const char *after; /* what the kill comes after, for the log */
    QTestState *(*begin)(const LabVfioBackend *b);
} CrashCase;

static QTestState *crash_attach_begin(const LabVfioBackend *b)
{
    g_autofree char *add = device_add_json(b, lab_env("LAB_EDU"), EDU_SLOT, "edu0");
    QTestState *s = start(b, NULL);

    qtest_qmp_send(s, "{'execute': 'device_add', 'arguments': {%s}}", add);
    return s;
}

static QTestState *crash_dma_begin(const LabVfioBackend *b)
{
    QTestState *s = start_edu(b);

    /* From edu's buffer into guest RAM; the device runs it on a timer of its own. */
    qtest_writel(s, edu_bar + EDU_DMA_SRC, EDU_BUFFER);
    qtest_writel(s, edu_bar + EDU_DMA_DST, RAM_DST);
    qtest_writel(s, edu_bar + EDU_DMA_COUNT, XFER);
    qtest_writel(s, edu_bar + EDU_DMA_CMD, EDU_DMA_RUN | EDU_DMA_TO_RAM);
    return s;
}

static QTestState *crash_reset_begin(const LabVfioBackend *b)
{
    QTestState *s = start_edu(b);

    qtest_qmp_send(s, "{'execute': 'system_reset'}");
    return s;
}

static const CrashCase crash_cases[] = {
    {"attach", "device_add of edu was sent", crash_attach_begin},
    {"dma", "edu's DMA was started", crash_dma_begin},
    {"reset", "system_reset was sent", crash_reset_begin},
};

/* A new hostdev on @b attaches the same edu with device_add, and a DMA round trip works. */
static void restart_check(const LabVfioBackend *b, const char *edu, unsigned round)
{
    g_autofree char *add = device_add_json(b, edu, EDU_SLOT, "edu0");
    g_autoptr(QTestState) s = start(b, NULL);

    qmp_device_add(s, add);
    edu_enable_check(s);
    edu_dma_round_trip(s, 2 * round + 5, round + 0x30);
    g_test_message("round %u: a new hostdev (pid %d) attached edu, its DMA round trip works", round,
                   (int)qtest_pid(s));
}

/*
 * HOSTDEV_CRASH_ROUNDS (default 6) rounds, backends alternating: start the operation, wait a
 * random 0 to 40 ms, kill -9 hostdev; then a new hostdev must get the device and use it.
 */
static void test_crash(gconstpointer opaque)
{
    const CrashCase *cc = opaque;
    const char *edu = lab_env("LAB_EDU");
    unsigned rounds = env_count("HOSTDEV_CRASH_ROUNDS", 6, 1);

    if (!edu) {
        return;
    }
    /* Each case draws its own delays, the same again for the same seed. */
    g_random_set_seed(crash_seed + (guint32)(cc - crash_cases));
    g_test_message("crash/%s: %u rounds, seed %u (HOSTDEV_CRASH_SEED=%u repeats the delays)",
                   cc->name, rounds, crash_seed, crash_seed);
    for (unsigned r = 0; r < rounds; r++) {
        const LabVfioBackend *b = backends[r % 2];
        int delay_ms = g_random_int_range(0, 41);
        QTestState *s = cc->begin(b);
        gint64 t0 = g_get_monotonic_time();
        int pid = (int)qtest_pid(s);
        double after_ms;

        g_usleep(delay_ms * 1000);
        after_ms = (g_get_monotonic_time() - t0) / 1000.0;
        qtest_kill_now(s);
        g_test_message("round %u (%s): hostdev (pid %d) killed with SIGKILL %.1f ms after %s "
                       "(delay %d ms)",
                       r, b->name, pid, after_ms, cc->after, delay_ms);
        restart_check(b, edu, r);
    }
}

/* --- registration --- */

/*
 * hostdev's children run without ASan's quarantine (in a sanitizer build it keeps up to
 * 256 MiB of freed memory resident), so RSS measures what hostdev holds and the quarantine
 * filling up does not look like growth. That takes the per-thread quarantine too: with only
 * the global one off, each thread still holds up to 1 MiB of freed chunks before recycling
 * them, and RSS grew steadily over a soak's first resets (up to about 2 MiB) while it filled.
 * Options already in ASAN_OPTIONS are kept.
 */
#define ASAN_NO_QUARANTINE "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"

static void asan_no_quarantine(void)
{
    const char *old = g_getenv("ASAN_OPTIONS");
    g_autofree char *opts = old && *old ? g_strdup_printf("%s:" ASAN_NO_QUARANTINE, old)
                                        : g_strdup(ASAN_NO_QUARANTINE);

    g_setenv("ASAN_OPTIONS", opts, TRUE);
}

int main(int argc, char **argv)
{
    const char *seed = g_getenv("HOSTDEV_CRASH_SEED");

    g_test_init(&argc, &argv, NULL);
    asan_no_quarantine();
    crash_seed = seed && *seed ? (guint32)g_ascii_strtoull(seed, NULL, 10) : g_random_int();
    g_test_add_func("/soak/hotplug", test_soak_hotplug);
    g_test_add_func("/soak/reset", test_soak_reset);
    for (size_t i = 0; i < G_N_ELEMENTS(crash_cases); i++) {
        g_autofree char *path = g_strdup_printf("/crash/%s", crash_cases[i].name);

        g_test_add_data_func(path, &crash_cases[i], test_crash);
    }
    return g_test_run();
}
