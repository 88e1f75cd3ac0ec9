/*
 * Unit tests of the declared QMP interface (qapi/): every declared command has exactly
 * one handler once all components registered, query-qmp-schema is what libvirt can read, and
 * the dispatcher's argument check answers with QEMU's wording.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "hw/i386/q35.h"
#include "hw/vfio/vfio-common.h"
#include "migration/migration.h"
#include "monitor/qmp-schema.h"
#include "monitor/qmp.h"
#include "system/qmp-machine.h"
#include "system/qmp-objects.h"
#include "system/qmp-runtime.h"
#include "ui/screendump.h"

/*
 * Declared, handlers landing elsewhere: a command declared in qapi/ while its handler is being
 * written in parallel goes here, so the build stays green; delete the name when the handler's
 * registration is committed (and called from register_all() below). Keep this list short.
 * The probe commands (system/qmp-probe.c) were here until their handlers landed.
 */
static const char *const pending_handlers[] = {
    NULL,
};

/*
 * Every component's registration, as system/vl.c's start-up runs them (the monitor registers
 * its own commands on first use; pci_register_types() adds query-pci, vfio_register_types()
 * the fault-injection commands x-vfio-fail and x-query-vfio-fail). A command whose handler
 * is registered only under some accelerator or machine would break the one-handler rule: none
 * is, and a new one must be registered unconditionally (failing when it cannot serve).
 */
static void register_all(void)
{
    static bool done;

    if (!done) {
        done = true;
        pci_register_types();
        vfio_register_types();
        qmp_register_runtime_commands();
        qmp_register_object_commands();
        qmp_register_machine_commands();
        qmp_register_probe_commands();
        qmp_register_migration_commands();
        qmp_register_ui_commands();
    }
}

static void test_every_command_has_a_handler(void)
{
    g_autoptr(GString) missing = g_string_new(NULL);
    g_autoptr(GString) landed = g_string_new(NULL);

    register_all();
    for (const QmpCommandDecl *d = qmp_schema_commands; d->name; d++) {
        bool pending = g_strv_contains(pending_handlers, d->name);

        if (!qmp_has_command(d->name) && !pending) {
            g_string_append_printf(missing, " %s", d->name);
        }
        if (qmp_has_command(d->name) && pending) {
            g_string_append_printf(landed, " %s", d->name);
        }
    }
    for (guint i = 0; pending_handlers[i]; i++) {
        g_assert_nonnull(qmp_schema_lookup(pending_handlers[i]));
    }
    if (missing->len) {
        g_test_message("declared in qapi/ without a handler:%s", missing->str);
    }
    if (landed->len) {
        g_test_message("have a handler now, delete from pending_handlers:%s", landed->str);
    }
    g_assert_cmpstr(missing->str, ==, "");
    g_assert_cmpstr(landed->str, ==, "");
}

static bool never_runs(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)ret;
    (void)errp;
    g_assert_not_reached();
}

static void test_undeclared_handler_refused(void)
{
    if (g_test_subprocess()) {
        qmp_register_command("no-such-declared-command", never_runs, QMP_CMD_DEFAULT);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*QMP command 'no-such-declared-command' has a handler but no "
                              "declaration: declare it in qapi/*");
}

static void test_registered_twice_refused(void)
{
    if (g_test_subprocess()) {
        register_all();
        qmp_register_command("stop", never_runs, QMP_CMD_DEFAULT);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*QMP command 'stop' is registered twice*");
}

/* ---- query-qmp-schema ---- */

static const char *str_member(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);

    return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_string(n) : NULL;
}

static void test_introspection(void)
{
    static const char *const meta_types[] = { "builtin", "enum", "array", "object", "command",
                                              "event", NULL };
    static const char *const json_types[] = { "string", "int", "number", "boolean", "null",
                                              "object", "array", "value", NULL };
    static const char *const events[] = { "SHUTDOWN", "RESET", "STOP", "RESUME", "POWERDOWN",
                                          "DEVICE_DELETED", NULL };
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GHashTable) by_name = g_hash_table_new(g_str_hash, g_str_equal);
    JsonArray *entries;
    JsonObject *e;

    register_all();
    root = qmp_schema_introspect();
    g_assert_true(JSON_NODE_HOLDS_ARRAY(root));
    entries = json_node_get_array(root);
    for (guint i = 0; i < json_array_get_length(entries); i++) {
        const char *name, *meta;

        e = json_array_get_object_element(entries, i);
        name = str_member(e, "name");
        meta = str_member(e, "meta-type");
        g_assert_nonnull(name);
        g_assert_true(g_strv_contains(meta_types, meta));
        if (g_hash_table_contains(by_name, name)) {
            g_error("query-qmp-schema names '%s' twice (libvirt refuses duplicates)", name);
        }
        g_hash_table_insert(by_name, (gpointer)name, e);
        if (!strcmp(meta, "builtin")) {
            g_assert_true(g_strv_contains(json_types, str_member(e, "json-type")));
        }
    }
    /* Every name an entry refers to has its own entry; commands and events take objects. */
    for (guint i = 0; i < json_array_get_length(entries); i++) {
        static const char *const refs[] = { "arg-type", "ret-type", "element-type" };
        const char *meta;

        e = json_array_get_object_element(entries, i);
        meta = str_member(e, "meta-type");
        for (guint r = 0; r < G_N_ELEMENTS(refs); r++) {
            const char *ref = str_member(e, refs[r]);

            if (ref && !g_hash_table_contains(by_name, ref)) {
                g_error("'%s' %s '%s' has no entry", str_member(e, "name"), refs[r], ref);
            }
        }
        if (!strcmp(meta, "command") || !strcmp(meta, "event")) {
            JsonObject *arg = g_hash_table_lookup(by_name, str_member(e, "arg-type"));

            g_assert_cmpstr(str_member(arg, "meta-type"), ==, "object");
            g_assert_true(!strcmp(meta, "event") || json_object_has_member(e, "ret-type"));
        }
        if (!strcmp(meta, "object")) {
            JsonArray *members = json_object_get_array_member(e, "members");

            for (guint m = 0; m < json_array_get_length(members); m++) {
                JsonObject *mem = json_array_get_object_element(members, m);

                g_assert_true(g_hash_table_contains(by_name, str_member(mem, "type")));
            }
            if (json_object_has_member(e, "variants")) {
                JsonArray *v = json_object_get_array_member(e, "variants");

                g_assert_nonnull(str_member(e, "tag"));
                for (guint m = 0; m < json_array_get_length(v); m++) {
                    g_assert_true(g_hash_table_contains(
                        by_name, str_member(json_array_get_object_element(v, m), "type")));
                }
            }
        }
    }
    /* Only commands with a handler are listed; every declared event is. */
    for (const QmpCommandDecl *d = qmp_schema_commands; d->name; d++) {
        g_assert_cmpint(g_hash_table_contains(by_name, d->name), ==, qmp_has_command(d->name));
    }
    for (guint i = 0; events[i]; i++) {
        e = g_hash_table_lookup(by_name, events[i]);
        g_assert_nonnull(e);
        g_assert_cmpstr(str_member(e, "meta-type"), ==, "event");
    }
    /* libvirt's device_add/$json-cli-hotplug lets it write -device as JSON. */
    e = g_hash_table_lookup(by_name, "device_add");
    g_assert_nonnull(e);
    g_assert_true(json_object_has_member(e, "features"));
    JsonArray *features = json_object_get_array_member(e, "features");
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    for (guint i = 0; i < json_array_get_length(features); i++) {
        g_ptr_array_add(names, (gpointer)json_array_get_string_element(features, i));
    }
    g_ptr_array_add(names, NULL);
    g_assert_true(g_strv_contains((const char *const *)names->pdata, "json-cli"));
    g_assert_true(g_strv_contains((const char *const *)names->pdata, "json-cli-hotplug"));
    /* Optional members carry "default": null; no-argument commands share one empty object. */
    e = g_hash_table_lookup(by_name, str_member(e, "arg-type"));
    JsonArray *members = json_object_get_array_member(e, "members");
    JsonObject *driver = json_array_get_object_element(members, 0);
    JsonObject *bus = json_array_get_object_element(members, 1);
    g_assert_cmpstr(str_member(driver, "name"), ==, "driver");
    g_assert_false(json_object_has_member(driver, "default"));
    g_assert_cmpstr(str_member(bus, "name"), ==, "bus");
    g_assert_true(json_object_has_member(bus, "default"));
    g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(bus, "default")));
    e = g_hash_table_lookup(by_name, "stop");
    g_assert_cmpstr(str_member(e, "arg-type"), ==, str_member(e, "ret-type"));
    e = g_hash_table_lookup(by_name, str_member(e, "arg-type"));
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(e, "members")), ==, 0);
}

/* The C tables and the introspection describe the same arguments. */
static void test_tables_match_introspection(void)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GHashTable) by_name = g_hash_table_new(g_str_hash, g_str_equal);
    JsonArray *entries;

    g_assert_true(json_parser_load_from_data(parser, qmp_schema_introspection, -1, NULL));
    entries = json_node_get_array(json_parser_get_root(parser));
    for (guint i = 0; i < json_array_get_length(entries); i++) {
        JsonObject *e = json_array_get_object_element(entries, i);

        g_hash_table_insert(by_name, (gpointer)str_member(e, "name"), e);
    }
    for (const QmpCommandDecl *d = qmp_schema_commands; d->name; d++) {
        JsonObject *cmd = g_hash_table_lookup(by_name, d->name);
        JsonObject *arg = g_hash_table_lookup(by_name, str_member(cmd, "arg-type"));
        JsonArray *members = json_object_get_array_member(arg, "members");
        guint n = 0;

        g_assert_cmpstr(str_member(cmd, "ret-type"), ==, d->ret_type);
        g_assert_true(qmp_schema_lookup(d->name) == d);
        for (const QmpMember *m = d->args->members; m->name; m++, n++) {
            JsonObject *mem = json_array_get_object_element(members, n);

            g_assert_cmpstr(str_member(mem, "name"), ==, m->name);
            g_assert_cmpstr(str_member(mem, "type"), ==, m->type->name);
            g_assert_cmpint(json_object_has_member(mem, "default"), ==, m->optional);
        }
        g_assert_cmpuint(json_array_get_length(members), ==, n);
    }
}

/* ---- the argument check ---- */

static void test_check_args(void)
{
    static const struct {
        const char *command, *args, *error; /* error NULL: accepted */
    } cases[] = {
        { "device_del", "{}", "Parameter 'id' is missing" },
        { "device_del", "{\"id\": 1}", "Invalid parameter type for 'id', expected: string" },
        { "device_del", "{\"id\": \"d\", \"x\": 1}", "Parameter 'x' is unexpected" },
        { "device_del", "{\"x\": 1}", "Parameter 'id' is missing" },
        { "device_del", "{\"id\": \"d\"}", NULL },
        { "stop", "{\"a\": null}", "Parameter 'a' is unexpected" },
        { "device_add", "{\"driver\": \"edu\", \"addr\": 4, \"x-y\": [1]}", NULL },
        { "device_add", "{\"id\": \"e\"}", "Parameter 'driver' is missing" },
        { "device_add", "{\"driver\": \"edu\", \"bus\": false}",
          "Invalid parameter type for 'bus', expected: string" },
        { "object-add", "{\"qom-type\": \"iommufd\", \"id\": \"i\", \"fd\": \"3\"}", NULL },
        { "object-add", "{\"qom-type\": \"iommufd\"}", "Parameter 'id' is missing" },
        { "add-fd", "{\"fdset-id\": \"1\"}",
          "Invalid parameter type for 'fdset-id', expected: integer" },
        { "add-fd", "{\"fdset-id\": 1.5}",
          "Invalid parameter type for 'fdset-id', expected: integer" },
        { "add-fd", "{}", NULL },
        { "qmp_capabilities", "{\"enable\": {}}",
          "Invalid parameter type for 'enable', expected: array" },
        { "qmp_capabilities", "{\"enable\": [\"oob\", \"x\"]}",
          "Parameter 'enable[1]' does not accept value 'x'" },
        { "qmp_capabilities", "{\"enable\": [1]}",
          "Invalid parameter type for 'enable[0]', expected: string" },
        { "qmp_capabilities", "{\"enable\": []}", NULL },
        { "query-machines", "{\"compat-props\": \"yes\"}",
          "Invalid parameter type for 'compat-props', expected: boolean" },
        { "migrate-set-capabilities", "{\"capabilities\": {}}",
          "Invalid parameter type for 'capabilities', expected: array" },
        { "migrate-set-capabilities", "{\"capabilities\": [3]}",
          "Invalid parameter type for 'capabilities[0]', expected: object" },
        { "migrate-set-capabilities",
          "{\"capabilities\": [{\"capability\": \"events\", \"state\": 1}]}",
          "Invalid parameter type for 'capabilities[0].state', expected: boolean" },
        { "migrate-set-capabilities", "{\"capabilities\": [{\"state\": true}]}",
          "Parameter 'capabilities[0].capability' is missing" },
        { "migrate-set-capabilities",
          "{\"capabilities\": [{\"capability\": \"events\", \"state\": true, \"z\": 0}]}",
          "Parameter 'capabilities[0].z' is unexpected" },
        { "migrate-set-capabilities",
          "{\"capabilities\": [{\"capability\": \"events\", \"state\": true}]}", NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        const QmpCommandDecl *decl = qmp_schema_lookup(cases[i].command);
        g_autoptr(JsonNode) args = json_from_string(cases[i].args, NULL);
        g_autoptr(GError) err = NULL;
        bool ok;

        g_test_message("%s %s", cases[i].command, cases[i].args);
        g_assert_nonnull(decl);
        g_assert_nonnull(args);
        ok = qmp_schema_check_args(decl, json_node_get_object(args), &err);
        if (cases[i].error) {
            g_assert_false(ok);
            g_assert_error(err, QMP_ERROR, QMP_ERROR_GENERIC_ERROR);
            g_assert_cmpstr(err->message, ==, cases[i].error);
        } else {
            g_assert_no_error(err);
            g_assert_true(ok);
        }
    }
}

/* Enums and numbers, with a declaration written in C as tests do for their own commands. */
static void test_check_enum_and_number(void)
{
    static const char *const colours[] = { "red", "green", NULL };
    static const QmpType colour = { .name = "Colour", .kind = QMP_TYPE_ENUM, .values = colours };
    static const QmpMember members[] = {
        { .name = "c", .type = &colour },
        { .name = "x", .type = &qmp_type_number, .optional = true },
        { .name = "v", .type = &qmp_type_any, .optional = true },
        { .name = NULL },
    };
    static const QmpType args_type = { .name = "t-arg", .kind = QMP_TYPE_OBJECT,
                                       .members = members };
    static const QmpCommandDecl decl = { .name = "test-colour", .args = &args_type,
                                         .ret_type = "q_empty" };
    static const char *const cases[][2] = {
        { "{\"c\": \"red\", \"x\": 1, \"v\": [null]}", NULL },
        { "{\"c\": \"green\", \"x\": 1.5, \"v\": {}}", NULL },
        { "{\"c\": \"blue\"}", "Parameter 'c' does not accept value 'blue'" },
        { "{\"c\": 0}", "Invalid parameter type for 'c', expected: string" },
        { "{\"c\": \"red\", \"x\": \"1\"}", "Invalid parameter type for 'x', expected: number" },
    };

    qmp_schema_declare(&decl);
    g_assert_true(qmp_schema_lookup("test-colour") == &decl);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(JsonNode) args = json_from_string(cases[i][0], NULL);
        g_autoptr(GError) err = NULL;
        bool ok = qmp_schema_check_args(&decl, json_node_get_object(args), &err);

        g_assert_cmpint(ok, ==, cases[i][1] == NULL);
        g_assert_cmpstr(err ? err->message : NULL, ==, cases[i][1]);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-schema/every-command-has-a-handler", test_every_command_has_a_handler);
    g_test_add_func("/qmp-schema/undeclared-handler-refused", test_undeclared_handler_refused);
    g_test_add_func("/qmp-schema/registered-twice-refused", test_registered_twice_refused);
    g_test_add_func("/qmp-schema/introspection", test_introspection);
    g_test_add_func("/qmp-schema/tables-match-introspection", test_tables_match_introspection);
    g_test_add_func("/qmp-schema/check-args", test_check_args);
    g_test_add_func("/qmp-schema/check-enum-and-number", test_check_enum_and_number);
    return g_test_run();
}
