/*
 * Monitor internals shared by the monitor core, the dispatcher and the built-in commands.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MONITOR_INTERNAL_H
#define MONITOR_INTERNAL_H

#include "monitor/json-splitter.h"
#include "monitor/monitor.h"
#include "monitor/qmp.h"

struct Monitor {
    Chardev *chr;           /* referenced */
    JsonSplitter *splitter;
    bool negotiated;        /* qmp_capabilities ran on this connection */
    GHashTable *named_fds;  /* getfd name -> fd (GINT_TO_POINTER), closed when removed */
};

/* Every live monitor, oldest first. */
GList *monitor_all(void);

/* Make @mon the current monitor (NULL for none); returns the previous one. */
Monitor *monitor_set_current(Monitor *mon);

/* Run one request (the text of a JSON object) on @mon; returns the reply object. */
JsonNode *qmp_dispatch(Monitor *mon, const char *text, gsize len);

/* A new object node holding @obj (the node takes the caller's reference). */
JsonNode *qmp_take_object(JsonObject *obj);

/* The reply for @err: {"error": {"class": ..., "desc": ...}}, with @id (copied) if not NULL. */
JsonNode *qmp_error_reply(const GError *err, JsonNode *id);

/* Write @reply to @mon's client as one line ending in CRLF. */
void qmp_send(Monitor *mon, JsonNode *reply);

/* {"qemu": {"major": ..., "minor": ..., "micro": ...}, "package": "hostdev-VERSION"}. */
JsonObject *qmp_version_object(void);

/* Names of the registered (hence declared) commands, sorted; free with g_strfreev(). */
char **qmp_command_names(void);

/* Empty the command registry; the next use registers the built-in commands again. */
void qmp_registry_clear(void);

/* Register qmp_capabilities, query-version, query-commands and query-qmp-schema. */
void qmp_register_core_commands(void);

/* Register getfd, closefd, add-fd, remove-fd and query-fdsets. */
void monitor_register_fd_commands(void);

/* Close every fd of every add-fd set. */
void monitor_fdsets_clear(void);

#endif /* MONITOR_INTERNAL_H */
