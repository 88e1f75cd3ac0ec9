/*
 * QMP commands and events: the error classes, the command registry other components add to,
 * typed argument getters for handlers, event emission, and QMP's JSON text form.
 * Commands and their arguments are declared in qapi/ (see qapi/README.md).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MONITOR_QMP_H
#define MONITOR_QMP_H

#include <json-glib/json-glib.h>
#include <stdbool.h>

/* Error domain whose codes are QMP error classes; other domains reply as GenericError. */
#define QMP_ERROR (qmp_error_quark())
GQuark qmp_error_quark(void);

typedef enum QmpErrorClass {
    QMP_ERROR_GENERIC_ERROR,
    QMP_ERROR_COMMAND_NOT_FOUND,
    QMP_ERROR_DEVICE_NOT_FOUND,
    QMP_ERROR_DEVICE_NOT_ACTIVE,
    QMP_ERROR_KVM_MISSING_CAP,
} QmpErrorClass;

/* The class name QMP puts on the wire ("GenericError", "CommandNotFound", ...). */
const char *qmp_error_class_name(QmpErrorClass cls);

/*
 * A command handler. @args is the request's "arguments" (an empty object when absent), already
 * checked against the command's declaration in qapi/: required members are there, every member
 * has its declared type, no undeclared member unless the command takes extra properties. On
 * success set *@ret to the "return" value (owned by the caller) or leave it NULL for {}.
 */
typedef bool (*QmpCommandFunc)(JsonObject *args, JsonNode **ret, GError **errp);

typedef enum QmpCommandFlags {
    QMP_CMD_DEFAULT = 0,
    QMP_CMD_NEGOTIATION = 1 << 0, /* only before capabilities negotiation (qmp_capabilities) */
} QmpCommandFlags;

/*
 * Add the handler of command @name, which must be declared in qapi/. Registering an undeclared
 * name, or a name twice, is a programming error (critical, ignored).
 */
void qmp_register_command(const char *name, QmpCommandFunc func, QmpCommandFlags flags);

/* Whether command @name is registered. */
bool qmp_has_command(const char *name);

/*
 * Send event @name with @data (borrowed; NULL for none) and the current time to every monitor
 * that has completed capabilities negotiation.
 */
void qmp_event_emit(const char *name, JsonObject *data);

/*
 * Read string member @name of @args into *@value (borrowed from @args). With @has NULL the
 * member is required; otherwise *@has tells whether it was given. False on a wrong type.
 */
bool qmp_arg_string(JsonObject *args, const char *name, bool *has, const char **value,
                    GError **errp);

/* Read integer member @name; @has as for qmp_arg_string(). */
bool qmp_arg_int(JsonObject *args, const char *name, bool *has, gint64 *value, GError **errp);

/* Read boolean member @name; @has as for qmp_arg_string(). */
bool qmp_arg_bool(JsonObject *args, const char *name, bool *has, bool *value, GError **errp);

/* Append @node (NULL is null) as QMP writes JSON: one line, ": " and ", " separators. */
void qmp_json_append(GString *out, JsonNode *node);

#endif /* MONITOR_QMP_H */
