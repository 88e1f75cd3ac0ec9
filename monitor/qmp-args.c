/*
 * Typed getters for QMP command handlers, with QEMU's wording for missing and mistyped
 * parameters. The dispatcher has already checked the declared arguments (qapi/); these
 * remain for handlers that read nested values or prefer one call per member.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor/qmp.h"

/*
 * The member @name holding a value of @type; NULL with *@ok true when an optional member is
 * absent, NULL with *@ok false (error set) when missing or mistyped.
 */
static JsonNode *get_member(JsonObject *args, const char *name, GType type, const char *what,
                            bool *has, bool *ok, GError **errp)
{
    JsonNode *node = json_object_get_member(args, name);

    *ok = true;
    if (has) {
        *has = node != NULL;
    }
    if (!node && !has) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR, "Parameter '%s' is missing", name);
        *ok = false;
    } else if (node && (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != type)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "Invalid parameter type for '%s', expected: %s", name, what);
        *ok = false;
        node = NULL;
    }
    return node;
}

bool qmp_arg_string(JsonObject *args, const char *name, bool *has, const char **value,
                    GError **errp)
{
    bool ok;
    JsonNode *node = get_member(args, name, G_TYPE_STRING, "string", has, &ok, errp);

    *value = node ? json_node_get_string(node) : NULL;
    return ok;
}

bool qmp_arg_int(JsonObject *args, const char *name, bool *has, gint64 *value, GError **errp)
{
    bool ok;
    JsonNode *node = get_member(args, name, G_TYPE_INT64, "integer", has, &ok, errp);

    *value = node ? json_node_get_int(node) : 0;
    return ok;
}

bool qmp_arg_bool(JsonObject *args, const char *name, bool *has, bool *value, GError **errp)
{
    bool ok;
    JsonNode *node = get_member(args, name, G_TYPE_BOOLEAN, "boolean", has, &ok, errp);

    *value = node ? json_node_get_boolean(node) : false;
    return ok;
}
