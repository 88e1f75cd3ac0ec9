/*
 * Command-line unit tests: the hostdev binary's -version, -help and its refusal of
 * options it does not implement (by name, with a non-zero status).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

static const char *hostdev_path;

/* Run hostdev with argv, return its exit status; stdout/stderr are handed back. */
static int run_hostdev(const char *const *args, char **out, char **err)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    int status = -1;

    g_ptr_array_add(argv, (gpointer)hostdev_path);
    for (; *args; args++) {
        g_ptr_array_add(argv, (gpointer)*args);
    }
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, err, &status, &error));
    g_assert_no_error(error);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_version(void)
{
    const char *forms[] = { "-version", "--version" };

    for (guint i = 0; i < G_N_ELEMENTS(forms); i++) {
        const char *args[] = { forms[i], NULL };
        g_autofree char *out = NULL, *err = NULL;

        g_assert_cmpint(run_hostdev(args, &out, &err), ==, 0);
        g_assert_true(g_str_has_prefix(out, "hostdev version "));
        g_assert_cmpstr(err, ==, "");
    }
}

static void test_help(void)
{
    const char *args[] = { "-help", NULL };
    g_autofree char *out = NULL, *err = NULL;

    g_assert_cmpint(run_hostdev(args, &out, &err), ==, 0);
    g_assert_nonnull(strstr(out, "-version"));
}

static void test_unknown_option(void)
{
    const char *args[] = { "-frobnicate", "on", NULL };
    g_autofree char *out = NULL, *err = NULL;

    g_assert_cmpint(run_hostdev(args, &out, &err), ==, 1);
    g_assert_nonnull(strstr(err, "-frobnicate: option not supported by hostdev"));
    g_assert_cmpstr(out, ==, "");
}

static void test_stray_argument(void)
{
    const char *args[] = { "disk.img", NULL };
    g_autofree char *out = NULL, *err = NULL;

    g_assert_cmpint(run_hostdev(args, &out, &err), ==, 1);
    g_assert_nonnull(strstr(err, "'disk.img': unexpected argument"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hostdev_path = g_getenv("HOSTDEV_BINARY");
    g_assert_nonnull(hostdev_path);
    g_test_add_func("/cmdline/version", test_version);
    g_test_add_func("/cmdline/help", test_help);
    g_test_add_func("/cmdline/unknown-option", test_unknown_option);
    g_test_add_func("/cmdline/stray-argument", test_stray_argument);
    return g_test_run();
}
