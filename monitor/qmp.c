/*
 * QMP dispatcher: validates a request object, enforces capabilities negotiation, checks the
 * arguments against the command's declaration in qapi/, runs the registered handler and builds
 * the reply; also the command registry and event emission.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "monitor-internal.h"
#include "monitor/qmp-schema.h"

G_DEFINE_QUARK(hostdev-qmp-error-quark, qmp_error)

typedef struct QmpCommand {
    const QmpCommandDecl *decl;
    QmpCommandFunc func;
    QmpCommandFlags flags;
} QmpCommand;

static GHashTable *commands;

const char *qmp_error_class_name(QmpErrorClass cls)
{
    static const char *const names[] = {
        [QMP_ERROR_GENERIC_ERROR] = "GenericError",
        [QMP_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
        [QMP_ERROR_DEVICE_NOT_FOUND] = "DeviceNotFound",
        [QMP_ERROR_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
        [QMP_ERROR_KVM_MISSING_CAP] = "KVMMissingCap",
    };

    return (guint)cls < G_N_ELEMENTS(names) ? names[cls] : "GenericError";
}

static GHashTable *registry(void)
{
    if (!commands) {
        commands = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        qmp_register_core_commands();
        monitor_register_fd_commands();
    }
    return commands;
}

void qmp_register_command(const char *name, QmpCommandFunc func, QmpCommandFlags flags)
{
    GHashTable *table = registry();
    const QmpCommandDecl *decl;
    QmpCommand *cmd;

    g_return_if_fail(name && func);
    decl = qmp_schema_lookup(name);
    if (!decl) {
        g_critical("QMP command '%s' has a handler but no declaration: declare it in qapi/", name);
        return;
    }
    if (g_hash_table_contains(table, name)) {
        g_critical("QMP command '%s' is registered twice: keep one registration", name);
        return;
    }
    cmd = g_new(QmpCommand, 1);
    *cmd = (QmpCommand){ .decl = decl, .func = func, .flags = flags };
    g_hash_table_insert(table, g_strdup(name), cmd);
}

bool qmp_has_command(const char *name)
{
    return g_hash_table_contains(registry(), name);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **qmp_command_names(void)
{
    guint n;
    char **names = (char **)g_hash_table_get_keys_as_array(registry(), &n);
    char **copy = g_new0(char *, n + 1);

    for (guint i = 0; i < n; i++) {
        copy[i] = g_strdup(names[i]);
    }
    g_free(names);
    qsort(copy, n, sizeof(char *), compare_names);
    return copy;
}

void qmp_registry_clear(void)
{
    g_clear_pointer(&commands, g_hash_table_unref);
}

JsonNode *qmp_take_object(JsonObject *obj)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(node, obj);
    return node;
}

JsonNode *qmp_error_reply(const GError *err, JsonNode *id)
{
    JsonObject *error = json_object_new();
    JsonObject *reply = json_object_new();
    const char *cls = err->domain == QMP_ERROR ? qmp_error_class_name(err->code) : "GenericError";

    json_object_set_string_member(error, "class", cls);
    json_object_set_string_member(error, "desc", err->message);
    json_object_set_object_member(reply, "error", error);
    if (id) {
        json_object_set_member(reply, "id", json_node_copy(id));
    }
    return qmp_take_object(reply);
}

static JsonNode *error_reply(JsonNode *id, QmpErrorClass cls, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static JsonNode *error_reply(JsonNode *id, QmpErrorClass cls, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_autoptr(GError) err = g_error_new_valist(QMP_ERROR, cls, fmt, ap);
    va_end(ap);
    return qmp_error_reply(err, id);
}

/* Check the request's members; returns an error reply, or NULL when it is well formed. */
static JsonNode *check_request(JsonObject *req, JsonNode *id)
{
    g_autoptr(GList) members = json_object_get_members(req);
    JsonNode *execute = json_object_get_member(req, "execute");
    JsonNode *arguments = json_object_get_member(req, "arguments");

    for (GList *l = members; l; l = l->next) {
        const char *key = l->data;

        if (!strcmp(key, "exec-oob")) {
            return error_reply(id, QMP_ERROR_GENERIC_ERROR,
                "'exec-oob' is not supported: hostdev has no out-of-band commands, use 'execute'");
        }
        if (strcmp(key, "execute") && strcmp(key, "arguments") && strcmp(key, "id")) {
            return error_reply(id, QMP_ERROR_GENERIC_ERROR,
                "QMP input member '%s' is unexpected (allowed: execute, arguments, id)", key);
        }
    }
    if (!execute) {
        return error_reply(id, QMP_ERROR_GENERIC_ERROR, "QMP input lacks member 'execute'");
    }
    if (!JSON_NODE_HOLDS_VALUE(execute) || json_node_get_value_type(execute) != G_TYPE_STRING) {
        return error_reply(id, QMP_ERROR_GENERIC_ERROR,
                           "QMP input member 'execute' must be a string");
    }
    if (arguments && !JSON_NODE_HOLDS_OBJECT(arguments)) {
        return error_reply(id, QMP_ERROR_GENERIC_ERROR,
                           "QMP input member 'arguments' must be an object");
    }
    return NULL;
}

/* Run a well-formed request's command and build its reply. */
static JsonNode *run_command(Monitor *mon, JsonObject *req, JsonNode *id)
{
    const char *name = json_object_get_string_member(req, "execute");
    JsonNode *arguments = json_object_get_member(req, "arguments");
    QmpCommand *cmd = g_hash_table_lookup(registry(), name);
    g_autoptr(JsonObject) args = arguments ? json_object_ref(json_node_get_object(arguments))
                                           : json_object_new();
    g_autoptr(GError) err = NULL;
    JsonNode *ret = NULL;
    Monitor *prev;
    bool ok;

    if (!mon->negotiated && !(cmd && (cmd->flags & QMP_CMD_NEGOTIATION))) {
        return error_reply(id, QMP_ERROR_COMMAND_NOT_FOUND,
                           "Expecting capabilities negotiation with 'qmp_capabilities'");
    }
    if (!cmd) {
        return error_reply(id, QMP_ERROR_COMMAND_NOT_FOUND, "The command %s has not been found",
                           name);
    }
    if (mon->negotiated && (cmd->flags & QMP_CMD_NEGOTIATION)) {
        return error_reply(id, QMP_ERROR_COMMAND_NOT_FOUND,
                           "Capabilities negotiation is already complete, command ignored");
    }
    if (!qmp_schema_check_args(cmd->decl, args, &err)) {
        return qmp_error_reply(err, id);
    }

    prev = monitor_set_current(mon);
    ok = cmd->func(args, &ret, &err);
    monitor_set_current(prev);

    if (!ok) {
        g_clear_pointer(&ret, json_node_unref);
        if (!err) {
            return error_reply(id, QMP_ERROR_GENERIC_ERROR, "Command %s failed", name);
        }
        return qmp_error_reply(err, id);
    }
    JsonObject *reply = json_object_new();
    json_object_set_member(reply, "return", ret ? ret : qmp_take_object(json_object_new()));
    if (id) {
        json_object_set_member(reply, "id", json_node_copy(id));
    }
    return qmp_take_object(reply);
}

JsonNode *qmp_dispatch(Monitor *mon, const char *text, gsize len)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    JsonNode *root;

    if (!json_parser_load_from_data(parser, text, len, &err)) {
        return error_reply(NULL, QMP_ERROR_GENERIC_ERROR, "JSON parse error, %s", err->message);
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        return error_reply(NULL, QMP_ERROR_GENERIC_ERROR, "QMP input must be a JSON object");
    }
    JsonObject *req = json_node_get_object(root);
    JsonNode *id = json_object_get_member(req, "id");
    JsonNode *bad = check_request(req, id);
    return bad ? bad : run_command(mon, req, id);
}

void qmp_send(Monitor *mon, JsonNode *reply)
{
    g_autoptr(GString) text = g_string_new(NULL);

    qmp_json_append(text, reply);
    g_string_append(text, "\r\n");
    chardev_write(mon->chr, text->str, text->len);
}

void qmp_event_emit(const char *name, JsonObject *data)
{
    gint64 now = g_get_real_time();
    JsonObject *ev = json_object_new();
    JsonObject *ts = json_object_new();
    g_autoptr(JsonNode) node = NULL;

    json_object_set_string_member(ev, "event", name);
    if (data) {
        json_object_set_object_member(ev, "data", json_object_ref(data));
    }
    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
    json_object_set_object_member(ev, "timestamp", ts);
    node = qmp_take_object(ev);
    for (GList *l = monitor_all(); l; l = l->next) {
        Monitor *mon = l->data;

        if (mon->negotiated) {
            qmp_send(mon, node);
        }
    }
}
