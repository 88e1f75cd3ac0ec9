/*
 * QMP commands of the running host: run state (query-status, stop, cont), system_reset,
 * quit, device_add/device_del and the QOM tree (qom-list, qom-get), with QEMU's events.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "monitor/qmp.h"
#include "qom/object.h"
#include "qom/props.h"
#include "system/device-hotplug.h"
#include "system/machine.h"
#include "system/main-loop.h"
#include "system/qmp-runtime.h"
#include "system/reset.h"
#include "system/runstate.h"
#include "trace.h"

static char *vm_name;

void qmp_runtime_set_name(const char *name)
{
    g_free(vm_name);
    vm_name = g_strdup(name);
}

static HdTree *tree_or_fail(GError **errp)
{
    HdTree *tree = hd_qom_tree();

    if (!tree) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "the machine is not set up yet; retry once start-up is done");
    }
    return tree;
}

static bool query_status(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_autoptr(JsonObject) obj = json_object_new();

    (void)args;
    (void)errp;
    trace_qmp_runtime_command("query-status");
    json_object_set_boolean_member(obj, "running", hd_runstate_is_running());
    json_object_set_string_member(obj, "status", hd_runstate_name(hd_runstate_get()));
    *ret = json_node_init_object(json_node_alloc(), obj);
    return true;
}

static bool qmp_stop(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)ret;
    (void)errp;
    trace_qmp_runtime_command("stop");
    if (hd_runstate_is_running()) {
        hd_runstate_set(HD_RUN_STATE_PAUSED);
        qmp_event_emit("STOP", NULL);
    }
    return true;
}

static bool qmp_cont(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)ret;
    trace_qmp_runtime_command("cont");
    if (hd_runstate_get() == HD_RUN_STATE_SHUTDOWN) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "the VM is shutting down and cannot be resumed");
        return false;
    }
    if (!hd_runstate_is_running()) {
        hd_runstate_set(HD_RUN_STATE_RUNNING);
        qmp_event_emit("RESUME", NULL);
    }
    return true;
}

static void emit_reason(const char *event, const char *reason)
{
    g_autoptr(JsonObject) data = json_object_new();

    json_object_set_boolean_member(data, "guest", false);
    json_object_set_string_member(data, "reason", reason);
    qmp_event_emit(event, data);
}

static bool qmp_system_reset(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)ret;
    (void)errp;
    trace_qmp_runtime_command("system_reset");
    hd_system_reset();
    emit_reason("RESET", "host-qmp-system-reset");
    return true;
}

static bool qmp_quit(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)ret;
    (void)errp;
    trace_qmp_runtime_command("quit");
    /* SHUTDOWN goes out after this reply, when the main loop has stopped (as in QEMU). */
    hd_main_loop_request_shutdown("host-qmp-quit");
    return true;
}

static bool qmp_device_add(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_autoptr(HdOpts) opts = NULL;
    HdTree *tree = tree_or_fail(errp);

    (void)ret;
    trace_qmp_runtime_command("device_add");
    if (!tree) {
        return false;
    }
    opts = hd_opts_from_json_object(args, errp);
    if (!opts) {
        return false;
    }
    if (hd_opts_wants_help(opts)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "device_add: help is not available over QMP; use hostdev -device help");
        return false;
    }
    return hd_device_add(tree, opts, errp) != NULL;
}

static bool qmp_device_del(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_autoptr(GError) err = NULL;
    HdTree *tree = tree_or_fail(errp);
    const char *id = json_object_get_string_member(args, "id");

    (void)ret;
    trace_qmp_runtime_command("device_del");
    if (!tree) {
        return false;
    }
    if (!hd_device_del(tree, id, &err)) {
        if (g_error_matches(err, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND)) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", id);
            return false;
        }
        g_propagate_error(errp, g_steal_pointer(&err));
        return false;
    }
    return true;
}

/* A missing path is QEMU's DeviceNotFound (libvirt skips optional objects on that class). */
static void path_not_found(GError *err, const char *path, GError **errp)
{
    if (g_error_matches(err, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found (%s)",
                    path, err->message);
        g_error_free(err);
    } else {
        g_propagate_error(errp, err);
    }
}

static bool qmp_qom_list(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_autoptr(GPtrArray) entries = NULL;
    g_autoptr(JsonArray) array = json_array_new();
    HdTree *tree = tree_or_fail(errp);
    const char *path = json_object_get_string_member(args, "path");
    GError *err = NULL;

    if (!tree) {
        return false;
    }
    entries = hd_tree_list(tree, path, &err);
    if (!entries) {
        path_not_found(err, path, errp);
        return false;
    }
    for (guint i = 0; i < entries->len; i++) {
        HdTreeEntry *e = entries->pdata[i];
        JsonObject *item = json_object_new();

        json_object_set_string_member(item, "name", e->name);
        json_object_set_string_member(item, "type", e->type);
        json_array_add_object_element(array, item);
    }
    *ret = json_node_init_array(json_node_alloc(), array);
    return true;
}

/* A property value as JSON: booleans, integers, strings, enum nicks and string lists. */
static JsonNode *value_to_json(const GValue *v)
{
    JsonNode *node = json_node_alloc();

    switch (G_TYPE_FUNDAMENTAL(G_VALUE_TYPE(v))) {
    case G_TYPE_BOOLEAN:
        return json_node_init_boolean(node, g_value_get_boolean(v));
    case G_TYPE_INT:
        return json_node_init_int(node, g_value_get_int(v));
    case G_TYPE_UINT:
        return json_node_init_int(node, g_value_get_uint(v));
    case G_TYPE_INT64:
        return json_node_init_int(node, g_value_get_int64(v));
    case G_TYPE_UINT64:
        return json_node_init_int(node, (gint64)g_value_get_uint64(v));
    case G_TYPE_STRING:
        return g_value_get_string(v) ? json_node_init_string(node, g_value_get_string(v))
                                     : json_node_init_null(node);
    case G_TYPE_ENUM: {
        GEnumValue *ev = g_enum_get_value(g_type_class_peek(G_VALUE_TYPE(v)),
                                          g_value_get_enum(v));
        return ev ? json_node_init_string(node, ev->value_nick) : json_node_init_null(node);
    }
    case G_TYPE_BOXED:
        if (G_VALUE_HOLDS(v, G_TYPE_STRV)) {
            const char *const *strv = g_value_get_boxed(v);
            JsonArray *list = json_array_new();

            for (guint i = 0; strv && strv[i]; i++) {
                json_array_add_string_element(list, strv[i]);
            }
            json_node_init_array(node, list);
            json_array_unref(list);
            return node;
        }
        json_node_free(node);
        return NULL;
    default:
        json_node_free(node);
        return NULL;
    }
}

static bool qmp_qom_get(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_auto(GValue) value = G_VALUE_INIT;
    HdTree *tree = tree_or_fail(errp);
    const char *path = json_object_get_string_member(args, "path");
    const char *prop = json_object_get_string_member(args, "property");
    GError *err = NULL;
    GParamSpec *pspec;
    GObject *obj;

    if (!tree) {
        return false;
    }
    obj = hd_tree_resolve(tree, path, &err);
    if (!obj) {
        path_not_found(err, path, errp);
        return false;
    }
    if (!strcmp(prop, "type")) {
        *ret = json_node_init_string(json_node_alloc(), hd_type_name(G_OBJECT_TYPE(obj)));
        return true;
    }
    pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(obj), prop);
    if (!pspec || !(pspec->flags & G_PARAM_READABLE)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "Property '%s' not found on '%s'", prop, path);
        return false;
    }
    g_value_init(&value, pspec->value_type);
    g_object_get_property(obj, prop, &value);
    *ret = value_to_json(&value);
    if (!*ret) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "property '%s' of '%s' has a type qom-get cannot show (%s)", prop, path,
                    g_type_name(pspec->value_type));
        return false;
    }
    return true;
}

static bool query_name(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_autoptr(JsonObject) obj = json_object_new();

    (void)args;
    (void)errp;
    if (vm_name) {
        json_object_set_string_member(obj, "name", vm_name);
    }
    *ret = json_node_init_object(json_node_alloc(), obj);
    return true;
}

void qmp_register_runtime_commands(void)
{
    qmp_register_command("query-status", query_status, QMP_CMD_DEFAULT);
    qmp_register_command("stop", qmp_stop, QMP_CMD_DEFAULT);
    qmp_register_command("cont", qmp_cont, QMP_CMD_DEFAULT);
    qmp_register_command("system_reset", qmp_system_reset, QMP_CMD_DEFAULT);
    qmp_register_command("quit", qmp_quit, QMP_CMD_DEFAULT);
    qmp_register_command("device_add", qmp_device_add, QMP_CMD_DEFAULT);
    qmp_register_command("device_del", qmp_device_del, QMP_CMD_DEFAULT);
    qmp_register_command("qom-list", qmp_qom_list, QMP_CMD_DEFAULT);
    qmp_register_command("qom-get", qmp_qom_get, QMP_CMD_DEFAULT);
    qmp_register_command("query-name", query_name, QMP_CMD_DEFAULT);
}
