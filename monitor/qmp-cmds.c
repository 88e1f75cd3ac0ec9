/*
 * Built-in QMP commands: capabilities negotiation, query-version, query-commands and
 * query-qmp-schema. Runtime commands (stop, cont, quit, device_add, ...) are registered by
 * their owners; every command's arguments are declared in qapi/ and checked before its
 * handler runs.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor-internal.h"
#include "monitor/qmp-schema.h"

static bool qmp_capabilities(JsonObject *args, JsonNode **ret, GError **errp)
{
    Monitor *mon = monitor_current();
    JsonNode *enable = json_object_get_member(args, "enable");

    (void)ret;
    /* hostdev offers no optional capability (no out-of-band execution). */
    if (enable && json_array_get_length(json_node_get_array(enable))) {
        JsonNode *cap = json_array_get_element(json_node_get_array(enable), 0);

        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "Capability '%s' is not available: hostdev offers none, send an empty list",
                    json_node_get_string(cap));
        return false;
    }
    if (!mon) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "qmp_capabilities runs only on a monitor connection");
        return false;
    }
    mon->negotiated = true;
    return true;
}

static bool query_version(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)errp;
    *ret = qmp_take_object(qmp_version_object());
    return true;
}

static bool query_commands(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_auto(GStrv) names = NULL;
    JsonArray *list;

    (void)args;
    (void)errp;
    names = qmp_command_names();
    list = json_array_new();
    for (guint i = 0; names[i]; i++) {
        JsonObject *entry = json_object_new();

        json_object_set_string_member(entry, "name", names[i]);
        json_array_add_object_element(list, entry);
    }
    *ret = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(*ret, list);
    return true;
}

static bool query_qmp_schema(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)errp;
    *ret = qmp_schema_introspect();
    return true;
}

void qmp_register_core_commands(void)
{
    qmp_register_command("qmp_capabilities", qmp_capabilities, QMP_CMD_NEGOTIATION);
    qmp_register_command("query-version", query_version, QMP_CMD_DEFAULT);
    qmp_register_command("query-commands", query_commands, QMP_CMD_DEFAULT);
    qmp_register_command("query-qmp-schema", query_qmp_schema, QMP_CMD_DEFAULT);
}
