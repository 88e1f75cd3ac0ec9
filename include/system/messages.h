/*
 * hostdev's error and warning lines on stderr (system/messages.c), shaped by -msg.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_MESSAGES_H
#define SYSTEM_MESSAGES_H

#include <glib.h>
#include <stdbool.h>

/*
 * Route GLib warnings and criticals through hostdev's format; @timestamp puts the UTC time
 * first, a non-NULL @guest_name adds "guest=NAME,". Call once, early.
 */
void hd_messages_init(bool timestamp, const char *guest_name);

/* Print "hostdev: TEXT" (with the -msg prefixes) on stderr. */
void hd_error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

#endif /* SYSTEM_MESSAGES_H */
