/*
 * QMP commands of migration: migrate, migrate-incoming, migrate_cancel, query-migrate, and
 * the capabilities and parameters (qapi/migration.json declares them).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "migration/migration.h"
#include "monitor/qmp.h"

static JsonNode *take_object(JsonObject *o)
{
    JsonNode *n = json_node_init_object(json_node_alloc(), o);

    json_object_unref(o);
    return n;
}

static bool qmp_migrate(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)ret;
    return hd_migration_start(json_object_get_string_member(args, "uri"), errp);
}

static bool qmp_migrate_incoming(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)ret;
    return hd_migration_incoming(json_object_get_string_member(args, "uri"), errp);
}

static bool qmp_migrate_cancel(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)ret;
    return hd_migration_cancel(errp);
}

static bool qmp_query_migrate(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)errp;
    *ret = take_object(hd_migration_query());
    return true;
}

static bool query_migrate_capabilities(JsonObject *args, JsonNode **ret, GError **errp)
{
    JsonArray *list = json_array_new();
    JsonObject *cap = json_object_new();

    (void)args;
    (void)errp;
    json_object_set_string_member(cap, "capability", "events");
    json_object_set_boolean_member(cap, "state", *hd_mig_cap_events());
    json_array_add_object_element(list, cap);
    *ret = json_node_init_array(json_node_alloc(), list);
    json_array_unref(list);
    return true;
}

/* "events" is the one capability; the others QEMU has (postcopy, compression, ...) are
 * refused by name rather than ignored. */
static bool migrate_set_capabilities(JsonObject *args, JsonNode **ret, GError **errp)
{
    JsonArray *list = json_object_get_array_member(args, "capabilities");
    bool events = *hd_mig_cap_events();

    (void)ret;
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *cap = json_array_get_object_element(list, i);
        const char *name = json_object_get_string_member(cap, "capability");

        if (strcmp(name, "events") != 0) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                        "Migration capability '%s' is not supported by hostdev (only 'events')",
                        name);
            return false;
        }
        events = json_object_get_boolean_member(cap, "state");
    }
    *hd_mig_cap_events() = events;
    return true;
}

static bool query_migrate_parameters(JsonObject *args, JsonNode **ret, GError **errp)
{
    JsonObject *o = json_object_new();
    HdMigParams *p = hd_mig_params();

    (void)args;
    (void)errp;
    json_object_set_int_member(o, "downtime-limit", (gint64)p->downtime_limit_ms);
    json_object_set_int_member(o, "max-bandwidth", (gint64)p->max_bandwidth);
    *ret = take_object(o);
    return true;
}

static bool migrate_set_parameters(JsonObject *args, JsonNode **ret, GError **errp)
{
    HdMigParams *p = hd_mig_params(), next = *p;

    (void)ret;
    if (json_object_has_member(args, "downtime-limit")) {
        gint64 v = json_object_get_int_member(args, "downtime-limit");

        if (v < 0 || v > 2000000) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                        "Parameter 'downtime-limit' expects an integer in the range of 0 to "
                        "2000000 milliseconds");
            return false;
        }
        next.downtime_limit_ms = (uint64_t)v;
    }
    if (json_object_has_member(args, "max-bandwidth")) {
        gint64 v = json_object_get_int_member(args, "max-bandwidth");

        if (v <= 0) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                        "Parameter 'max-bandwidth' expects a positive number of bytes per "
                        "second");
            return false;
        }
        next.max_bandwidth = (uint64_t)v;
    }
    *p = next;
    return true;
}

void qmp_register_migration_commands(void)
{
    qmp_register_command("migrate", qmp_migrate, QMP_CMD_DEFAULT);
    qmp_register_command("migrate-incoming", qmp_migrate_incoming, QMP_CMD_DEFAULT);
    qmp_register_command("migrate_cancel", qmp_migrate_cancel, QMP_CMD_DEFAULT);
    qmp_register_command("query-migrate", qmp_query_migrate, QMP_CMD_DEFAULT);
    qmp_register_command("query-migrate-capabilities", query_migrate_capabilities,
                         QMP_CMD_DEFAULT);
    qmp_register_command("migrate-set-capabilities", migrate_set_capabilities,
                         QMP_CMD_DEFAULT);
    qmp_register_command("query-migrate-parameters", query_migrate_parameters,
                         QMP_CMD_DEFAULT);
    qmp_register_command("migrate-set-parameters", migrate_set_parameters, QMP_CMD_DEFAULT);
}
