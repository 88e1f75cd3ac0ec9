/*
 * RAM block unit tests: memfd and fd-backed allocation with their error paths, and the
 * 4 KiB-page dirty bitmap (set, test, test-and-clear, count, next, merge, clear).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "system/ramblock.h"

#define PAGE RAM_BLOCK_PAGE_SIZE

static void test_memfd(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(RAMBlock) rb = ram_block_new_memfd("a-rather-long-name-that-memfd-would-have-to-"
                                                 "cope-with-if-it-were-passed-through-whole-"
                                                 "because-names-can-be-long", 3 * PAGE + 1, &err);
    uint8_t *host;

    g_assert_no_error(err);
    g_assert_nonnull(rb);
    g_assert_cmpuint(ram_block_size(rb), ==, 3 * PAGE + 1);
    g_assert_cmpuint(ram_block_dirty_npages(rb), ==, 4);
    g_assert_cmpint(ram_block_fd(rb), >=, 0);
    g_assert_cmpuint(ram_block_fd_offset(rb), ==, 0);
    g_assert_true(g_str_has_prefix(ram_block_name(rb), "a-rather-long-name"));
    host = ram_block_host(rb);
    /* Zeroed, writable to the last byte. */
    g_assert_cmpuint(host[0], ==, 0);
    host[3 * PAGE] = 0xaa;
    g_assert_cmpuint(host[3 * PAGE], ==, 0xaa);

    /* Extra references keep it alive. */
    g_assert_true(ram_block_ref(rb) == rb);
    ram_block_unref(rb);
    ram_block_unref(NULL);
}

static void test_memfd_errors(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(ram_block_new_memfd("zero", 0, &err));
    g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL);
    g_assert_nonnull(strstr(err->message, "'zero'"));
    g_clear_error(&err);
    /* Too big to describe to ftruncate or mmap. */
    g_assert_null(ram_block_new_memfd("huge", UINT64_MAX, &err));
    g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL);
    g_clear_error(&err);
    /* Allowed by the checks but more than the address space can map. */
    g_assert_null(ram_block_new_memfd("vast", 1ULL << 62, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "'vast'"));
}

static void test_from_fd(void)
{
    g_autoptr(GError) err = NULL;
    long ps = sysconf(_SC_PAGESIZE);
    int fd = memfd_create("backend", MFD_CLOEXEC);
    g_autoptr(RAMBlock) rb = NULL;
    uint8_t b = 0;

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 4 * ps), ==, 0);
    rb = ram_block_new_from_fd("backend", 2 * (uint64_t)ps, fd, 2 * (uint64_t)ps, &err);
    g_assert_no_error(err);
    g_assert_cmpint(ram_block_fd(rb), !=, fd);
    g_assert_cmpuint(ram_block_fd_offset(rb), ==, 2 * (uint64_t)ps);
    ((uint8_t *)ram_block_host(rb))[1] = 0x66;
    g_assert_cmpint(pread(fd, &b, 1, 2 * ps + 1), ==, 1);
    g_assert_cmpuint(b, ==, 0x66);
    close(fd);
}

static void test_from_fd_errors(void)
{
    g_autoptr(GError) err = NULL;
    long ps = sysconf(_SC_PAGESIZE);
    int fd = memfd_create("backend", MFD_CLOEXEC);
    g_autofree char *path = g_strdup_printf("/proc/self/fd/%d", fd);
    int ro_fd;

    g_assert_cmpint(ftruncate(fd, 2 * ps), ==, 0);

    g_assert_null(ram_block_new_from_fd("closed", (uint64_t)ps, -1, 0, &err));
    g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_BADF);
    g_clear_error(&err);

    g_assert_null(ram_block_new_from_fd("zero", 0, fd, 0, &err));
    g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL);
    g_clear_error(&err);

    g_assert_null(ram_block_new_from_fd("unaligned", (uint64_t)ps, fd, 1, &err));
    g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL);
    g_assert_nonnull(strstr(err->message, "not a multiple"));
    g_clear_error(&err);

    g_assert_null(ram_block_new_from_fd("short", 2 * (uint64_t)ps, fd, (uint64_t)ps, &err));
    g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL);
    g_assert_nonnull(strstr(err->message, "grow it"));
    g_clear_error(&err);

    /* A read-only fd cannot back writable shared RAM. */
    ro_fd = open(path, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(ro_fd, >=, 0);
    g_assert_null(ram_block_new_from_fd("readonly", (uint64_t)ps, ro_fd, 0, &err));
    g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_ACCES);
    g_assert_nonnull(strstr(err->message, "read-write"));
    close(ro_fd);
    close(fd);
}

static void test_fd_limit(void)
{
    if (g_test_subprocess()) {
        g_autoptr(GError) err = NULL;
        int fd = memfd_create("backend", MFD_CLOEXEC);
        struct rlimit old, none = { 0, 0 };

        g_assert_cmpint(ftruncate(fd, 4096), ==, 0);
        /* No new fd can be had: both ways of getting one fail cleanly. */
        g_assert_cmpint(getrlimit(RLIMIT_NOFILE, &old), ==, 0);
        none.rlim_max = old.rlim_max;
        g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &none), ==, 0);
        g_assert_null(ram_block_new_memfd("ram", 4096, &err));
        g_assert_nonnull(strstr(err->message, "memfd_create"));
        g_clear_error(&err);
        g_assert_null(ram_block_new_from_fd("backend", 4096, fd, 0, &err));
        g_assert_nonnull(strstr(err->message, "cannot duplicate"));
        /* The leak checker needs fds at exit. */
        g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &old), ==, 0);
        close(fd);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

static void test_dirty(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(RAMBlock) rb = ram_block_new_memfd("ram", 200 * PAGE, &err);
    uint64_t n = ram_block_dirty_npages(rb);

    g_assert_no_error(err);
    g_assert_cmpuint(n, ==, 200);
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 0);
    g_assert_cmpuint(ram_block_dirty_next(rb, 0), ==, n);

    /* A range touching pages 1 and 2 (one byte of each end). */
    ram_block_dirty_set(rb, 2 * PAGE - 1, 2);
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 2);
    g_assert_false(ram_block_dirty_test(rb, 0, PAGE));
    g_assert_true(ram_block_dirty_test(rb, PAGE, 1));
    g_assert_true(ram_block_dirty_test(rb, 2 * PAGE + 100, 1));
    g_assert_false(ram_block_dirty_test(rb, 3 * PAGE, 100 * PAGE));
    g_assert_cmpuint(ram_block_dirty_next(rb, 0), ==, 1);
    g_assert_cmpuint(ram_block_dirty_next(rb, 2), ==, 2);
    g_assert_cmpuint(ram_block_dirty_next(rb, 3), ==, n);

    /* Across a 64-page word, and the last page. */
    ram_block_dirty_set(rb, 63 * PAGE, 2 * PAGE);
    ram_block_dirty_set(rb, 199 * PAGE, PAGE);
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 5);
    g_assert_cmpuint(ram_block_dirty_next(rb, 3), ==, 63);
    g_assert_cmpuint(ram_block_dirty_next(rb, 65), ==, 199);

    /* Test-and-clear clears only its pages. */
    g_assert_true(ram_block_dirty_test_and_clear(rb, 0, 64 * PAGE));
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 2);
    g_assert_false(ram_block_dirty_test_and_clear(rb, 0, 64 * PAGE));
    g_assert_true(ram_block_dirty_test(rb, 64 * PAGE, 1));

    /* Out of range or empty: ignored. */
    ram_block_dirty_set(rb, 200 * PAGE, PAGE);
    ram_block_dirty_set(rb, 0, 0);
    ram_block_dirty_set(rb, 199 * PAGE, UINT64_MAX);
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 2);
    g_assert_false(ram_block_dirty_test(rb, 500 * PAGE, 1));
    g_assert_false(ram_block_dirty_test_and_clear(rb, 500 * PAGE, 1));
    g_assert_cmpuint(ram_block_dirty_next(rb, 1000), ==, n);

    ram_block_dirty_clear_all(rb);
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 0);
}

static void test_dirty_merge(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(RAMBlock) rb = ram_block_new_memfd("ram", 100 * PAGE, &err);
    /* Pages 0, 5 and 64 of the reported window, and one beyond the block's end. */
    uint64_t bitmap[2] = { (1ULL << 0) | (1ULL << 5), (1ULL << 0) | (1ULL << 63) };

    g_assert_no_error(err);
    ram_block_dirty_merge(rb, 10 * PAGE, bitmap, 128);
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 3);
    g_assert_cmpuint(ram_block_dirty_next(rb, 0), ==, 10);
    g_assert_cmpuint(ram_block_dirty_next(rb, 11), ==, 15);
    g_assert_cmpuint(ram_block_dirty_next(rb, 16), ==, 74);
    /* Merging only adds. */
    ram_block_dirty_merge(rb, 0, (uint64_t[]){ 0 }, 64);
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 3);
    ram_block_dirty_merge(rb, 100 * PAGE, bitmap, 64);
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 3);

    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*RAM_BLOCK_PAGE_SIZE*");
    ram_block_dirty_merge(rb, 1, bitmap, 1);
    g_test_assert_expected_messages();
}

/*
 * Word-at-a-time set and merge against a page-at-a-time model: random offsets (every shift
 * within a word), lengths and bitmaps, with bits past the window set to catch overruns.
 */
static void test_dirty_random(void)
{
    enum { NPAGES = 1000 };
    g_autoptr(GError) err = NULL;
    g_autoptr(RAMBlock) rb = ram_block_new_memfd("ram", NPAGES * PAGE, &err);
    g_autoptr(GRand) rand = g_rand_new_with_seed(12345);
    bool model[NPAGES] = { false };
    uint64_t bitmap[8];

    g_assert_no_error(err);
    for (int round = 0; round < 4000; round++) {
        uint64_t first = g_rand_int_range(rand, 0, NPAGES + 10);
        uint64_t n = g_rand_int_range(rand, 0, 8 * 64);

        if (round % 500 == 0) {
            ram_block_dirty_clear_all(rb);
            memset(model, 0, sizeof(model));
        }
        if (g_rand_boolean(rand)) {
            ram_block_dirty_set(rb, first * PAGE, n * PAGE);
            for (uint64_t p = first; p < MIN(first + n, NPAGES); p++) {
                model[p] = true;
            }
        } else {
            for (int w = 0; w < 8; w++) {
                bitmap[w] = (uint64_t)g_rand_int(rand) << 32 | g_rand_int(rand);
                bitmap[w] &= (uint64_t)g_rand_int(rand) << 32 | g_rand_int(rand);
            }
            ram_block_dirty_merge(rb, first * PAGE, bitmap, n);
            for (uint64_t i = 0; i < n && first + i < NPAGES; i++) {
                if (bitmap[i / 64] & (1ULL << (i % 64))) {
                    model[first + i] = true;
                }
            }
        }
        for (uint64_t p = 0; p < NPAGES; p++) {
            if (ram_block_dirty_test(rb, p * PAGE, 1) != model[p]) {
                g_error("round %d: page %" G_GUINT64_FORMAT " is %s, the model says %s", round,
                        p, model[p] ? "clean" : "dirty", model[p] ? "dirty" : "clean");
            }
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory-ramblock/memfd", test_memfd);
    g_test_add_func("/memory-ramblock/memfd-errors", test_memfd_errors);
    g_test_add_func("/memory-ramblock/from-fd", test_from_fd);
    g_test_add_func("/memory-ramblock/from-fd-errors", test_from_fd_errors);
    g_test_add_func("/memory-ramblock/fd-limit", test_fd_limit);
    g_test_add_func("/memory-ramblock/dirty", test_dirty);
    g_test_add_func("/memory-ramblock/dirty-merge", test_dirty_merge);
    g_test_add_func("/memory-ramblock/dirty-random", test_dirty_random);
    return g_test_run();
}
