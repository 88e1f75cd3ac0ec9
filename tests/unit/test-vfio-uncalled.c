/*
 * Unit test that the VFIO API has no dead code: every function a hw/vfio header declares and
 * every op of the frontend and container ops tables has a caller somewhere in the tree (the
 * sources are read from HOSTDEV_SRCDIR).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdbool.h>
#include <string.h>

static const char *const code_dirs[] = {"hw",        "accel", "system", "migration", "monitor",
                                        "ui",        "qom",   "util",   "backends",  "tests",
                                        "bench",     NULL};

static const char *srcdir(void)
{
    const char *d = g_getenv("HOSTDEV_SRCDIR");

    g_assert_nonnull(d);
    return d;
}

/* Every .c file under @dir (recursively) appended to @out as its contents. */
static void read_tree(const char *dir, GPtrArray *out)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (!d) {
        return;
    }
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        char *text = NULL;

        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            read_tree(path, out);
        } else if (g_str_has_suffix(name, ".c") && g_file_get_contents(path, &text, NULL, NULL)) {
            g_ptr_array_add(out, text);
        }
    }
}

static GPtrArray *sources(void)
{
    static GPtrArray *files;

    if (!files) {
        files = g_ptr_array_new_with_free_func(g_free);
        for (int i = 0; code_dirs[i]; i++) {
            g_autofree char *dir = g_build_filename(srcdir(), code_dirs[i], NULL);

            read_tree(dir, files);
        }
    }
    return files;
}

/*
 * Whether @pattern (a regex with \b-bounded name) matches a line of some source file that is
 * indented (a use inside a function body or an initializer), not a definition at column 0.
 */
static bool used(const char *pattern)
{
    g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
    GPtrArray *files = sources();

    g_assert_nonnull(re);
    for (guint i = 0; i < files->len; i++) {
        if (g_regex_match(re, g_ptr_array_index(files, i), 0, NULL)) {
            return true;
        }
    }
    return false;
}

/* The names matched by group 1 of @pattern in header @rel. */
static GPtrArray *declared(const char *rel, const char *pattern)
{
    g_autofree char *path = g_build_filename(srcdir(), rel, NULL);
    g_autofree char *text = NULL;
    g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_regex_match(re, text, 0, &m);
    while (g_match_info_matches(m)) {
        g_ptr_array_add(names, g_match_info_fetch(m, 1));
        g_match_info_next(m, NULL);
    }
    return names;
}

/* Whether header @rel wraps function @name in a macro (VFIO_ERROR) that some source uses. */
static bool used_through_macro(const char *rel, const char *name)
{
    g_autofree char *pattern = g_strdup_printf("^#define ([A-Z0-9_]+).*\\b%s\\(", name);
    g_autoptr(GPtrArray) macros = declared(rel, pattern);

    for (guint i = 0; i < macros->len; i++) {
        g_autofree char *use =
            g_strdup_printf("^[ \\t]+.*\\b%s\\b", (char *)g_ptr_array_index(macros, i));

        if (used(use)) {
            return true;
        }
    }
    return false;
}

static const char *const headers[] = {
    "include/hw/vfio/vfio-helpers.h", "include/hw/vfio/vfio-common.h",
    "include/hw/vfio/vfio-container-base.h", "hw/vfio/pci.h", "hw/vfio/vfio-internal.h",
    "hw/vfio/dma-table.h", NULL,
};

static void test_functions(void)
{
    g_autoptr(GString) dead = g_string_new(NULL);

    for (int h = 0; headers[h]; h++) {
        g_autoptr(GPtrArray) names =
            declared(headers[h], "^[A-Za-z_][A-Za-z0-9_ \\t\\*]*?\\b(vfio_[a-z0-9_]+)\\(");

        for (guint i = 0; i < names->len; i++) {
            const char *n = g_ptr_array_index(names, i);
            g_autofree char *use = g_strdup_printf("^[ \\t]+.*(?<!struct )\\b%s\\b", n);

            if (!used(use) && !used_through_macro(headers[h], n)) {
                g_string_append_printf(dead, " %s (%s)", n, headers[h]);
            }
        }
    }
    if (dead->len) {
        g_test_fail_printf("declared and never called:%s", dead->str);
    }
}

static void test_ops(void)
{
    static const char *const ops_headers[] = {"include/hw/vfio/vfio-common.h",
                                              "include/hw/vfio/vfio-container-base.h", NULL};
    g_autoptr(GString) dead = g_string_new(NULL);

    for (int h = 0; ops_headers[h]; h++) {
        g_autoptr(GPtrArray) names = declared(ops_headers[h], "\\(\\*([a-z0-9_]+)\\)\\(");

        for (guint i = 0; i < names->len; i++) {
            const char *n = g_ptr_array_index(names, i);
            g_autofree char *use = g_strdup_printf("->%s\\b", n);

            if (!used(use)) {
                g_string_append_printf(dead, " ->%s (%s)", n, ops_headers[h]);
            }
        }
    }
    if (dead->len) {
        g_test_fail_printf("ops nothing calls:%s", dead->str);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio/uncalled/functions", test_functions);
    g_test_add_func("/vfio/uncalled/ops", test_ops);
    return g_test_run();
}
