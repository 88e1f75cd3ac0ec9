/*
 * Trace control: -trace patterns, events files, the -D log file and the line format.
 * Uses the trace points the core registers (system/trace-events).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

static char *tmp_path(const char *name)
{
    return g_build_filename(g_get_tmp_dir(), name, NULL);
}

static void test_patterns(void)
{
    hd_trace_reset();
    g_assert_false(hd_trace_event_enabled("runstate_set"));
    g_assert_cmpuint(hd_trace_enable_pattern("runstate_*", true), ==, 1);
    g_assert_true(hd_trace_event_enabled("runstate_set"));
    g_assert_cmpuint(hd_trace_enable_pattern("-runstate_set", true), ==, 1);
    g_assert_false(hd_trace_event_enabled("runstate_set"));
    g_assert_cmpuint(hd_trace_enable_pattern("no_such_event_*", true), ==, 0);
    g_assert_false(hd_trace_event_enabled("no_such_event"));
    g_assert_cmpuint(hd_trace_events_count, >=, 2);
    g_assert_null(hd_trace_events[hd_trace_events_count].name);
}

static void test_opt_parse(void)
{
    g_autoptr(GError) err = NULL;

    hd_trace_reset();
    g_assert_true(hd_trace_opt_parse("enable=device_*", &err));
    g_assert_no_error(err);
    g_assert_true(hd_trace_event_enabled("device_add"));
    g_assert_true(hd_trace_opt_parse("system_reset,runstate_set", &err));
    g_assert_true(hd_trace_event_enabled("system_reset"));
    g_assert_true(hd_trace_event_enabled("runstate_set"));

    g_assert_false(hd_trace_opt_parse("no_such_event", &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(err->message, "'no_such_event' does not exist"));
    g_clear_error(&err);

    g_assert_false(hd_trace_opt_parse("bogus=1", &err));
    g_assert_nonnull(strstr(err->message, "unknown parameter 'bogus=1'"));
    g_clear_error(&err);

    g_assert_false(hd_trace_opt_parse("events=/nonexistent/events", &err));
    g_assert_nonnull(strstr(err->message, "/nonexistent/events"));
    g_clear_error(&err);
    hd_trace_reset();
}

static void test_events_file(void)
{
    g_autofree char *path = tmp_path("hostdev-test-trace-events");
    g_autoptr(GError) err = NULL;

    hd_trace_reset();
    g_assert_true(g_file_set_contents(path, "# comment\n\ndevice_*\n-device_del\n", -1, NULL));
    g_assert_true(hd_trace_load_events_file(path, &err));
    g_assert_no_error(err);
    g_assert_true(hd_trace_event_enabled("device_add"));
    g_assert_false(hd_trace_event_enabled("device_del"));

    g_assert_true(g_file_set_contents(path, "device_add\nmissing_event\n", -1, NULL));
    g_assert_false(hd_trace_load_events_file(path, &err));
    g_assert_nonnull(strstr(err->message, ":2: "));
    g_unlink(path);
    hd_trace_reset();
}

static void test_log_line(void)
{
    g_autofree char *path = tmp_path("hostdev-test-trace-log");
    g_autofree char *text = NULL;
    g_autofree char *want = NULL;
    g_autoptr(GError) err = NULL;

    hd_trace_reset();
    g_assert_true(hd_trace_opt_parse("device_add,file=/dev/null", &err));
    g_assert_true(hd_trace_set_log_file(path, &err));
    g_assert_no_error(err);
    trace_device_add("pci-testdev", "t0", "/machine/peripheral/t0");
    trace_device_del("t0", "/machine/peripheral/t0"); /* off: writes nothing */
    hd_trace_reset();

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    want = g_strdup_printf("%d@", (int)getpid());
    g_assert_true(g_str_has_prefix(text, want));
    g_assert_nonnull(strstr(text, ":device_add driver=pci-testdev id=t0 "
                                  "path=/machine/peripheral/t0\n"));
    g_assert_null(strstr(text, "device_del"));
    g_assert_cmpint(strchr(text, '\n') - text + 1, ==, (int)strlen(text));
    g_unlink(path);

    g_assert_false(hd_trace_set_log_file("/nonexistent/dir/log", &err));
    g_assert_nonnull(strstr(err->message, "/nonexistent/dir/log"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/trace/patterns", test_patterns);
    g_test_add_func("/trace/opt-parse", test_opt_parse);
    g_test_add_func("/trace/events-file", test_events_file);
    g_test_add_func("/trace/log-line", test_log_line);
    return g_test_run();
}
