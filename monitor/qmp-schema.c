/*
 * The declared QMP interface at run time: looking up a command's declaration, checking a
 * request's arguments against it, and query-qmp-schema's reply from the generated JSON.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "monitor/qmp-schema.h"
#include "monitor/qmp.h"

static GHashTable *decls; /* name -> const QmpCommandDecl *, both borrowed */

static GHashTable *decl_table(void)
{
    if (!decls) {
        decls = g_hash_table_new(g_str_hash, g_str_equal);
        for (const QmpCommandDecl *d = qmp_schema_commands; d->name; d++) {
            g_hash_table_insert(decls, (gpointer)d->name, (gpointer)d);
        }
    }
    return decls;
}

const QmpCommandDecl *qmp_schema_lookup(const char *name)
{
    return g_hash_table_lookup(decl_table(), name);
}

void qmp_schema_declare(const QmpCommandDecl *decl)
{
    g_return_if_fail(decl && decl->name && decl->args && decl->args->kind == QMP_TYPE_OBJECT);
    if (qmp_schema_lookup(decl->name)) {
        g_critical("QMP command '%s' is declared twice: keep one declaration", decl->name);
        return;
    }
    g_hash_table_insert(decl_table(), (gpointer)decl->name, (gpointer)decl);
}

static const char *const expected_names[] = {
    [QMP_TYPE_STR] = "string",   [QMP_TYPE_INT] = "integer", [QMP_TYPE_NUMBER] = "number",
    [QMP_TYPE_BOOL] = "boolean", [QMP_TYPE_NULL] = "null",   [QMP_TYPE_ANY] = "any",
    [QMP_TYPE_ARRAY] = "array",  [QMP_TYPE_OBJECT] = "object", [QMP_TYPE_ENUM] = "string",
};

static bool holds(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == type;
}

static bool check_value(const QmpType *type, JsonNode *node, const char *path, GError **errp);

/* Check the members of @obj; @prefix names the object ("" for the arguments themselves). */
static bool check_object(const QmpType *type, JsonObject *obj, const char *prefix,
                         GError **errp)
{
    g_autoptr(GList) given = json_object_get_members(obj);

    for (const QmpMember *m = type->members; m->name; m++) {
        JsonNode *node = json_object_get_member(obj, m->name);
        g_autofree char *path = g_strconcat(prefix, *prefix ? "." : "", m->name, NULL);

        if (!node) {
            if (!m->optional) {
                g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                            "Parameter '%s' is missing", path);
                return false;
            }
            continue;
        }
        if (!check_value(m->type, node, path, errp)) {
            return false;
        }
    }
    if (type->extra_members) {
        return true;
    }
    for (GList *l = given; l; l = l->next) {
        bool declared = false;

        for (const QmpMember *m = type->members; m->name && !declared; m++) {
            declared = !strcmp(m->name, l->data);
        }
        if (!declared) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                        "Parameter '%s%s%s' is unexpected", prefix, *prefix ? "." : "",
                        (const char *)l->data);
            return false;
        }
    }
    return true;
}

static bool check_value(const QmpType *type, JsonNode *node, const char *path, GError **errp)
{
    bool ok;

    switch (type->kind) {
    case QMP_TYPE_STR:
    case QMP_TYPE_ENUM:
        ok = holds(node, G_TYPE_STRING);
        break;
    case QMP_TYPE_INT:
        ok = holds(node, G_TYPE_INT64);
        break;
    case QMP_TYPE_NUMBER:
        ok = holds(node, G_TYPE_INT64) || holds(node, G_TYPE_DOUBLE);
        break;
    case QMP_TYPE_BOOL:
        ok = holds(node, G_TYPE_BOOLEAN);
        break;
    case QMP_TYPE_NULL:
        ok = JSON_NODE_HOLDS_NULL(node);
        break;
    case QMP_TYPE_ARRAY:
        ok = JSON_NODE_HOLDS_ARRAY(node);
        break;
    case QMP_TYPE_OBJECT:
        ok = JSON_NODE_HOLDS_OBJECT(node);
        break;
    case QMP_TYPE_ANY:
    default:
        return true;
    }
    if (!ok) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "Invalid parameter type for '%s', expected: %s", path,
                    expected_names[type->kind]);
        return false;
    }
    if (type->kind == QMP_TYPE_ENUM &&
        !g_strv_contains((const char *const *)type->values, json_node_get_string(node))) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "Parameter '%s' does not accept value '%s'", path,
                    json_node_get_string(node));
        return false;
    }
    if (type->kind == QMP_TYPE_ARRAY) {
        JsonArray *array = json_node_get_array(node);

        for (guint i = 0; i < json_array_get_length(array); i++) {
            g_autofree char *elem = g_strdup_printf("%s[%u]", path, i);

            if (!check_value(type->element, json_array_get_element(array, i), elem, errp)) {
                return false;
            }
        }
    }
    if (type->kind == QMP_TYPE_OBJECT) {
        return check_object(type, json_node_get_object(node), path, errp);
    }
    return true;
}

bool qmp_schema_check_args(const QmpCommandDecl *decl, JsonObject *args, GError **errp)
{
    return check_object(decl->args, args, "", errp);
}

JsonNode *qmp_schema_introspect(void)
{
    static JsonNode *all; /* parsed once, kept for the life of the process */
    JsonArray *reply = json_array_new();
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);
    JsonArray *entries;

    json_node_take_array(node, reply);
    if (!all) {
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GError) err = NULL;

        /* The generator wrote it; a parse failure is a build defect (test-qmp-schema). */
        if (!json_parser_load_from_data(parser, qmp_schema_introspection, -1, &err)) {
            g_critical("generated QMP introspection does not parse: %s", err->message);
            return node;
        }
        all = json_node_copy(json_parser_get_root(parser));
    }
    entries = json_node_get_array(all);
    for (guint i = 0; i < json_array_get_length(entries); i++) {
        JsonObject *entry = json_array_get_object_element(entries, i);

        if (!g_strcmp0(json_object_get_string_member(entry, "meta-type"), "command") &&
            !qmp_has_command(json_object_get_string_member(entry, "name"))) {
            continue;
        }
        json_array_add_element(reply, json_node_copy(json_array_get_element(entries, i)));
    }
    return node;
}
