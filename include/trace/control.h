/*
 * Trace control: which trace points are on (-trace), where their lines go (-D), and the
 * logging call the generated trace_NAME() functions make. See scripts/tracetool.py.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TRACE_CONTROL_H
#define TRACE_CONTROL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One trace point: its name and the flag its trace_NAME() tests. */
typedef struct HdTraceEvent {
    const char *name;
    bool *state;
} HdTraceEvent;

/* Every trace point of the build (generated), NULL-terminated, hd_trace_events_count long. */
extern const HdTraceEvent hd_trace_events[];
extern const size_t hd_trace_events_count;

/*
 * Turn every event matching the glob @pattern on (or off with @enable false). A leading '-'
 * in @pattern inverts @enable. Returns how many events matched.
 */
size_t hd_trace_enable_pattern(const char *pattern, bool enable);

/*
 * Apply one -trace argument: "PATTERN", "enable=PATTERN", "events=FILE", "file=FILE", or a
 * comma-separated mix. A pattern without glob characters must name an event. False with
 * @errp set on a bad argument, an unknown event or an unreadable file.
 */
bool hd_trace_opt_parse(const char *arg, GError **errp);

/* Enable the patterns in @path, one per line ('#' comments, '-PATTERN' disables). */
bool hd_trace_load_events_file(const char *path, GError **errp);

/* Send trace lines to @path (created/truncated), or to stderr when @path is NULL. */
bool hd_trace_set_log_file(const char *path, GError **errp);

/* Whether the event called @name is on (false for an unknown name). */
bool hd_trace_event_enabled(const char *name);

/* Print every event name, one a line, to @out (-trace help). */
void hd_trace_list(FILE *out);

/* Turn every event off and close the log file. */
void hd_trace_reset(void);

/*
 * Write "PID@SECONDS.MICROS:NAME FORMATTED\n" to the trace log in one piece; called by the
 * generated trace_NAME() functions when their event is on.
 */
void hd_trace_log(const char *name, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif /* TRACE_CONTROL_H */
