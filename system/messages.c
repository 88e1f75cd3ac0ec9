/*
 * How hostdev prints errors and warnings on stderr: "hostdev: warning: ..." lines, with the time
 * and the guest's name in front when -msg timestamp=on / guest-name=on asks (as libvirt does,
 * so its domain log shows when each line came). GLib warnings and criticals go the same way.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include "system/messages.h"

static struct {
    bool timestamp;
    char *guest_name;
} msg;

static void print_line(const char *kind, const char *text)
{
    g_autoptr(GString) line = g_string_new(NULL);

    if (msg.timestamp) {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();
        g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ ");

        g_string_append(line, stamp);
    }
    if (msg.guest_name) {
        g_string_append_printf(line, "guest=%s,", msg.guest_name);
    }
    g_string_append_printf(line, "hostdev: %s%s\n", kind, text);
    fputs(line->str, stderr);
    fflush(stderr);
}

static GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields, gsize n,
                               gpointer opaque)
{
    const char *text = NULL;

    (void)opaque;
    if (level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) {
        return g_log_writer_default(level, fields, n, NULL);
    }
    for (gsize i = 0; i < n; i++) {
        if (!g_strcmp0(fields[i].key, "MESSAGE")) {
            text = fields[i].value;
        }
    }
    print_line(level & G_LOG_LEVEL_ERROR      ? "error: "
               : level & G_LOG_LEVEL_CRITICAL ? "critical: "
               : level & G_LOG_LEVEL_WARNING  ? "warning: "
                                              : "",
               text ? text : "");
    return G_LOG_WRITER_HANDLED;
}

void hd_messages_init(bool timestamp, const char *guest_name)
{
    msg.timestamp = timestamp;
    g_free(msg.guest_name);
    msg.guest_name = g_strdup(guest_name);
    g_log_set_writer_func(writer, NULL, NULL);
}

void hd_error_report(const char *fmt, ...)
{
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    print_line("", text);
}
