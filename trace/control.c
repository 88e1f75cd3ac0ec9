/*
 * Trace control: glob patterns turn generated trace points on and off; enabled points write
 * one line each, prefixed with pid and wall-clock time, to the -D file or stderr.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "trace/control.h"

static GMutex trace_lock;
static FILE *trace_file; /* NULL: stderr */

static bool is_glob(const char *pattern)
{
    return strpbrk(pattern, "*?") != NULL;
}

size_t hd_trace_enable_pattern(const char *pattern, bool enable)
{
    size_t matched = 0;

    if (pattern[0] == '-') {
        pattern++;
        enable = !enable;
    }
    for (size_t i = 0; i < hd_trace_events_count; i++) {
        if (g_pattern_match_simple(pattern, hd_trace_events[i].name)) {
            *hd_trace_events[i].state = enable;
            matched++;
        }
    }
    return matched;
}

static bool enable_checked(const char *pattern, GError **errp)
{
    const char *bare = pattern[0] == '-' ? pattern + 1 : pattern;

    if (!*bare) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "-trace: empty event pattern (give a name or a glob like 'vfio_*')");
        return false;
    }
    if (hd_trace_enable_pattern(pattern, true) == 0 && !is_glob(bare)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "-trace: trace event '%s' does not exist (see -trace help)", bare);
        return false;
    }
    return true;
}

bool hd_trace_load_events_file(const char *path, GError **errp)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "-trace events=%s: cannot read the events file: %s", path, err->message);
        return false;
    }
    lines = g_strsplit(text, "\n", -1);
    for (size_t i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);

        if (!*line || line[0] == '#') {
            continue;
        }
        if (!enable_checked(line, &err)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_FAILED, "%s:%zu: %s", path, i + 1,
                        err->message);
            return false;
        }
    }
    return true;
}

bool hd_trace_set_log_file(const char *path, GError **errp)
{
    FILE *f = NULL;

    if (path) {
        f = fopen(path, "w");
        if (!f) {
            int e = errno;
            g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(e),
                        "cannot open log file '%s': %s (check the path is writable)",
                        path, g_strerror(e));
            return false;
        }
        setvbuf(f, NULL, _IOLBF, 0);
    }
    g_mutex_lock(&trace_lock);
    if (trace_file) {
        fclose(trace_file);
    }
    trace_file = f;
    g_mutex_unlock(&trace_lock);
    return true;
}

bool hd_trace_opt_parse(const char *arg, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", -1);

    for (size_t i = 0; parts[i]; i++) {
        const char *p = parts[i];

        if (g_str_has_prefix(p, "enable=")) {
            if (!enable_checked(p + strlen("enable="), errp)) {
                return false;
            }
        } else if (g_str_has_prefix(p, "events=")) {
            if (!hd_trace_load_events_file(p + strlen("events="), errp)) {
                return false;
            }
        } else if (g_str_has_prefix(p, "file=")) {
            if (!hd_trace_set_log_file(p + strlen("file="), errp)) {
                return false;
            }
        } else if (strchr(p, '=')) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "-trace: unknown parameter '%s' (use enable=, events= or file=)", p);
            return false;
        } else if (!enable_checked(p, errp)) {
            return false;
        }
    }
    return true;
}

bool hd_trace_event_enabled(const char *name)
{
    for (size_t i = 0; i < hd_trace_events_count; i++) {
        if (!strcmp(hd_trace_events[i].name, name)) {
            return *hd_trace_events[i].state;
        }
    }
    return false;
}

void hd_trace_list(FILE *out)
{
    for (size_t i = 0; i < hd_trace_events_count; i++) {
        fprintf(out, "%s\n", hd_trace_events[i].name);
    }
}

void hd_trace_reset(void)
{
    hd_trace_enable_pattern("*", false);
    hd_trace_set_log_file(NULL, NULL);
}

void hd_trace_log(const char *name, const char *fmt, ...)
{
    g_autoptr(GString) line = g_string_new(NULL);
    gint64 now = g_get_real_time();
    va_list ap;

    g_string_append_printf(line, "%d@%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT ":%s ",
                           (int)getpid(), now / G_USEC_PER_SEC, now % G_USEC_PER_SEC, name);
    va_start(ap, fmt);
    g_string_append_vprintf(line, fmt, ap);
    va_end(ap);
    g_string_append_c(line, '\n');

    g_mutex_lock(&trace_lock);
    FILE *out = trace_file ? trace_file : stderr;
    fwrite(line->str, 1, line->len, out);
    fflush(out);
    g_mutex_unlock(&trace_lock);
}
