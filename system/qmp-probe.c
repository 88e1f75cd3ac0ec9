/*
 * QMP commands a management stack asks before and right after start (libvirt's capability
 * probe): query-target, qom-list-types, device-list-properties, qom-list-properties,
 * query-machines, query-hotpluggable-cpus and the empty block/iothread
 * lists of a VMM that has no block layer.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "monitor/qmp.h"
#include "qom/device.h"
#include "qom/object.h"
#include "qom/props.h"
#include "qom/tree.h"
#include "system/kvm.h"
#include "system/machine.h"
#include "system/options.h"
#include "system/qmp-machine.h"

/*
 * Types that are not in hostdev's registry but that QEMU's clients look for by name: the
 * abstract roots, CPU models, accelerators and machine types.
 */
typedef struct ExtraType {
    const char *name;
    const char *parent; /* NULL for a root */
    bool abstract;
} ExtraType;

static const ExtraType extra_types[] = {
    { "object", NULL, true },
    { "device", NULL, true },
    { "accel", NULL, true },
    { "machine", NULL, true },
    { "x86_64-cpu", "device", true },
    { "qemu64-x86_64-cpu", "x86_64-cpu", false },
    { "max-x86_64-cpu", "x86_64-cpu", false },
    { "host-x86_64-cpu", "max-x86_64-cpu", false },
    { "kvm-accel", "accel", false },
    { "qtest-accel", "accel", false },
    { "x86-machine", "machine", true },
    { "generic-pc-machine", "x86-machine", true },
    { "pc-q35-10.0-machine", "generic-pc-machine", false },
    { "none-machine", "machine", false },
};

static struct {
    char *uuid;  /* -uuid, NULL when none was given */
} probe;

void qmp_machine_set_uuid(const char *uuid)
{
    g_free(probe.uuid);
    probe.uuid = g_strdup(uuid);
}

/* query-uuid: QEMU answers the all-zero UUID when none was given. */
static bool query_uuid(JsonObject *args, JsonNode **ret, GError **errp)
{
    JsonObject *obj = json_object_new();

    (void)args;
    (void)errp;
    json_object_set_string_member(obj, "UUID",
                                  probe.uuid ? probe.uuid
                                             : "00000000-0000-0000-0000-000000000000");
    *ret = json_node_init_object(json_node_alloc(), obj);
    json_object_unref(obj);
    return true;
}

/* A node holding @list, which it takes over. */
static JsonNode *take_array(JsonArray *list)
{
    JsonNode *node = json_node_init_array(json_node_alloc(), list);

    json_array_unref(list);
    return node;
}

/* The name of @gtype's nearest registered ancestor, or the abstract root of its category. */
static const char *registered_parent(const HdTypeInfo *info)
{
    for (GType t = g_type_parent(info->gtype); t; t = g_type_parent(t)) {
        const HdTypeInfo *p = hd_type_lookup_gtype(t);

        if (p) {
            return p->name;
        }
    }
    return info->category == HD_TYPE_CATEGORY_DEVICE ? "device" : "object";
}

static const ExtraType *find_extra(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(extra_types); i++) {
        if (!strcmp(extra_types[i].name, name)) {
            return &extra_types[i];
        }
    }
    return NULL;
}

static const char *parent_of(const char *name)
{
    const HdTypeInfo *info = hd_type_lookup(name);

    if (info) {
        return registered_parent(info);
    }
    return find_extra(name) ? find_extra(name)->parent : NULL;
}

/* Whether @name is @ancestor or descends from it. */
static bool type_implements(const char *name, const char *ancestor)
{
    for (const char *t = name; t; t = parent_of(t)) {
        if (!strcmp(t, ancestor)) {
            return true;
        }
    }
    return false;
}

static void add_type(JsonArray *list, const char *name, const char *parent, bool abstract,
                     const char *implements)
{
    JsonObject *entry;

    if (implements && !type_implements(name, implements)) {
        return;
    }
    entry = json_object_new();
    json_object_set_string_member(entry, "name", name);
    if (abstract) {
        json_object_set_boolean_member(entry, "abstract", true);
    }
    if (parent) {
        json_object_set_string_member(entry, "parent", parent);
    }
    json_array_add_object_element(list, entry);
}

static bool qom_list_types(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_autoptr(GPtrArray) types = hd_type_list(HD_TYPE_CATEGORY_ANY);
    const char *implements = NULL;
    bool abstract = false;
    JsonArray *list;

    if (!qmp_arg_string(args, "implements", &(bool){ false }, &implements, errp) ||
        !qmp_arg_bool(args, "abstract", &(bool){ false }, &abstract, errp)) {
        return false;
    }
    list = json_array_new();
    for (guint i = 0; i < types->len; i++) {
        const HdTypeInfo *info = types->pdata[i];

        add_type(list, info->name, registered_parent(info), false, implements);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(extra_types); i++) {
        const ExtraType *t = &extra_types[i];

        if (abstract || !t->abstract) {
            add_type(list, t->name, t->parent, t->abstract, implements);
        }
    }
    *ret = take_array(list);
    return true;
}

static JsonArray *describe_properties(GType gtype)
{
    g_autoptr(GPtrArray) props = hd_type_describe_properties(gtype);
    JsonArray *list = json_array_new();

    for (guint i = 0; i < props->len; i++) {
        const HdPropInfo *prop = props->pdata[i];
        JsonObject *entry = json_object_new();

        json_object_set_string_member(entry, "name", prop->name);
        json_object_set_string_member(entry, "type", prop->type);
        if (*prop->description) {
            json_object_set_string_member(entry, "description", prop->description);
        }
        if (prop->default_value) {
            json_object_set_string_member(entry, "default-value", prop->default_value);
        }
        json_array_add_object_element(list, entry);
    }
    return list;
}

static bool device_list_properties(JsonObject *args, JsonNode **ret, GError **errp)
{
    const char *typename;
    const HdTypeInfo *info;

    if (!qmp_arg_string(args, "typename", NULL, &typename, errp)) {
        return false;
    }
    info = hd_type_lookup(typename);
    if (!info) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND,
                    "Device '%s' not found (hostdev has no such device: see -device help)",
                    typename);
        return false;
    }
    if (info->category != HD_TYPE_CATEGORY_DEVICE) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "Parameter 'typename' expects device: '%s' is an object type (use "
                    "qom-list-properties)",
                    typename);
        return false;
    }
    *ret = take_array(describe_properties(info->gtype));
    return true;
}

/* -machine's keys as a machine type's properties (from the option table's declaration). */
static void add_machine_params(const char *option, const char *params, void *opaque)
{
    g_auto(GStrv) words = NULL;

    if (strcmp(option, "machine") != 0) {
        return;
    }
    words = g_strsplit(params, " ", -1);
    for (guint i = 0; words[i]; i++) {
        char *colon = strchr(words[i], ':');
        JsonObject *entry;

        if (!colon || g_str_has_prefix(words[i], "type:") || g_str_has_prefix(words[i], "accel:")) {
            continue;
        }
        *colon = '\0';
        entry = json_object_new();
        json_object_set_string_member(entry, "name", words[i]);
        json_object_set_string_member(entry, "type", !strcmp(colon + 1, "boolean") ? "bool"
                                                     : !strcmp(colon + 1, "string") ? "str"
                                                                                     : colon + 1);
        json_array_add_object_element(opaque, entry);
    }
}

/*
 * Properties of the types qom-list-types lists that are not GObjects in hostdev: machine types
 * take -machine's keys; CPU models and accelerators take none (-cpu gives only a model).
 * NULL when @name is none of them.
 */
static JsonArray *extra_type_properties(const char *name)
{
    JsonArray *list;

    if (!find_extra(name)) {
        return NULL;
    }
    list = json_array_new();
    if (type_implements(name, "machine")) {
        hd_config_foreach_option(add_machine_params, list);
    }
    return list;
}

static bool qom_list_properties(JsonObject *args, JsonNode **ret, GError **errp)
{
    const char *typename;
    const HdTypeInfo *info;
    JsonArray *extra;

    if (!qmp_arg_string(args, "typename", NULL, &typename, errp)) {
        return false;
    }
    info = hd_type_lookup(typename);
    extra = info ? NULL : extra_type_properties(typename);
    if (extra) {
        *ret = take_array(extra);
        return true;
    }
    if (!info) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND,
                    "Class '%s' not found (hostdev describes the properties of its device and "
                    "object types only)",
                    typename);
        return false;
    }
    *ret = take_array(describe_properties(info->gtype));
    return true;
}

static void add_machine(JsonArray *list, const char *name, const char *alias, bool is_default,
                        int cpu_max, bool acpi, const char *cpu_type, const char *ram_id)
{
    JsonObject *m = json_object_new();

    json_object_set_string_member(m, "name", name);
    if (alias) {
        json_object_set_string_member(m, "alias", alias);
    }
    if (is_default) {
        json_object_set_boolean_member(m, "is-default", true);
    }
    json_object_set_int_member(m, "cpu-max", cpu_max);
    json_object_set_boolean_member(m, "hotpluggable-cpus", false);
    json_object_set_boolean_member(m, "numa-mem-supported", false);
    json_object_set_boolean_member(m, "deprecated", false);
    if (cpu_type) {
        json_object_set_string_member(m, "default-cpu-type", cpu_type);
    }
    if (ram_id) {
        json_object_set_string_member(m, "default-ram-id", ram_id);
    }
    json_object_set_boolean_member(m, "acpi", acpi);
    json_array_add_object_element(list, m);
}

static bool query_machines(JsonObject *args, JsonNode **ret, GError **errp)
{
    bool compat = false;
    JsonArray *list;

    if (!qmp_arg_bool(args, "compat-props", &(bool){ false }, &compat, errp)) {
        return false;
    }
    list = json_array_new();
    /* hostdev's one machine under QEMU's current versioned name, q35 its alias. */
    add_machine(list, "pc-q35-10.0", "q35", true, HD_MAX_VCPUS, true, "qemu64-x86_64-cpu",
                "pc.ram");
    add_machine(list, "none", NULL, false, 1, false, NULL, NULL);
    *ret = take_array(list);
    return true;
}

static bool query_target(JsonObject *args, JsonNode **ret, GError **errp)
{
    JsonObject *obj = json_object_new();

    (void)args;
    (void)errp;
    json_object_set_string_member(obj, "arch", "x86_64");
    *ret = json_node_init_object(json_node_alloc(), obj);
    json_object_unref(obj);
    return true;
}

/* Each vCPU as its QOM object at /machine/unattached/device[N] describes it (cpu-objects.c). */
static bool query_hotpluggable_cpus(JsonObject *args, JsonNode **ret, GError **errp)
{
    static const char *const ids[] = { "socket-id", "core-id", "thread-id" };
    HdTree *tree = hd_qom_tree();
    JsonArray *list = json_array_new();

    (void)args;
    (void)errp;
    for (unsigned i = 0; tree && i < kvm_vcpu_count(); i++) {
        g_autofree char *path = g_strdup_printf("/machine/unattached/device[%u]", i);
        GObject *obj = hd_tree_resolve(tree, path, NULL);
        JsonObject *cpu, *props;

        if (!obj) {
            continue;
        }
        cpu = json_object_new();
        props = json_object_new();
        for (size_t k = 0; k < G_N_ELEMENTS(ids); k++) {
            guint id;

            g_object_get(obj, ids[k], &id, NULL);
            json_object_set_int_member(props, ids[k], id);
        }
        json_object_set_int_member(props, "die-id", 0);
        json_object_set_string_member(cpu, "type", hd_type_name(G_OBJECT_TYPE(obj)));
        json_object_set_int_member(cpu, "vcpus-count", 1);
        json_object_set_object_member(cpu, "props", props);
        json_object_set_string_member(cpu, "qom-path", path);
        json_array_add_object_element(list, cpu);
    }
    *ret = take_array(list);
    return true;
}

typedef struct OptionQuery {
    const char *only; /* the option asked for, or NULL for all */
    JsonArray *list;
} OptionQuery;

static void add_option(const char *option, const char *params, void *opaque)
{
    OptionQuery *q = opaque;
    g_auto(GStrv) words = g_strsplit(params, " ", -1);
    JsonObject *entry;
    JsonArray *list;

    if (q->only && strcmp(q->only, option) != 0) {
        return;
    }
    list = json_array_new();
    for (guint i = 0; words[i]; i++) {
        char *colon = strchr(words[i], ':');
        JsonObject *param;

        if (!colon) {
            continue;
        }
        *colon = '\0';
        param = json_object_new();
        json_object_set_string_member(param, "name", words[i]);
        json_object_set_string_member(param, "type", colon + 1);
        json_array_add_object_element(list, param);
    }
    entry = json_object_new();
    json_object_set_string_member(entry, "option", option);
    json_object_set_array_member(entry, "parameters", list);
    json_array_add_object_element(q->list, entry);
}

/* The options that take an argument, with the keys of the key=value ones (options.c's table). */
static bool query_command_line_options(JsonObject *args, JsonNode **ret, GError **errp)
{
    OptionQuery q = { NULL, NULL };

    if (!qmp_arg_string(args, "option", &(bool){ false }, &q.only, errp)) {
        return false;
    }
    q.list = json_array_new();
    hd_config_foreach_option(add_option, &q);
    if (q.only && json_array_get_length(q.list) == 0) {
        json_array_unref(q.list);
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "Invalid parameter 'option': hostdev has no option -%s", q.only);
        return false;
    }
    *ret = take_array(q.list);
    return true;
}

/* hostdev has no block layer and no iothreads: their lists are empty, not missing. */
static bool empty_list(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)errp;
    *ret = take_array(json_array_new());
    return true;
}

static bool query_named_block_nodes(JsonObject *args, JsonNode **ret, GError **errp)
{
    bool flat;

    if (!qmp_arg_bool(args, "flat", &(bool){ false }, &flat, errp)) {
        return false;
    }
    return empty_list(args, ret, errp);
}

void qmp_register_probe_commands(void)
{
    qmp_register_command("query-target", query_target, QMP_CMD_DEFAULT);
    qmp_register_command("query-uuid", query_uuid, QMP_CMD_DEFAULT);
    qmp_register_command("qom-list-types", qom_list_types, QMP_CMD_DEFAULT);
    qmp_register_command("device-list-properties", device_list_properties, QMP_CMD_DEFAULT);
    qmp_register_command("qom-list-properties", qom_list_properties, QMP_CMD_DEFAULT);
    qmp_register_command("query-machines", query_machines, QMP_CMD_DEFAULT);
    qmp_register_command("query-command-line-options", query_command_line_options,
                         QMP_CMD_DEFAULT);
    qmp_register_command("query-hotpluggable-cpus", query_hotpluggable_cpus, QMP_CMD_DEFAULT);
    qmp_register_command("query-iothreads", empty_list, QMP_CMD_DEFAULT);
    qmp_register_command("query-block", empty_list, QMP_CMD_DEFAULT);
    qmp_register_command("query-named-block-nodes", query_named_block_nodes, QMP_CMD_DEFAULT);
}
