/*
 * QMP object-add and object-del: create a user object from flat JSON properties the way
 * -object does (new, complete, /objects/ID in the tree) and remove one nobody uses.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor/qmp.h"
#include "qom/object.h"
#include "qom/props.h"
#include "qom/tree.h"
#include "qom/user-object.h"
#include "system/machine.h"
#include "system/qmp-objects.h"
#include "trace.h"

static HdTree *tree_or_fail(const char *cmd, GError **errp)
{
    HdTree *tree = hd_qom_tree();

    if (!tree) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "%s: the machine is not set up yet; retry once start-up is done", cmd);
    }
    return tree;
}

static bool qmp_object_add(JsonObject *args, JsonNode **ret, GError **errp)
{
    HdTree *tree = tree_or_fail("object-add", errp);
    g_autoptr(HdOpts) opts = NULL;
    g_autoptr(GObject) obj = NULL;
    g_autofree char *path = NULL;
    const HdTypeInfo *info;
    const char *type;

    (void)ret;
    trace_qmp_runtime_command("object-add");
    if (!tree) {
        return false;
    }
    opts = hd_opts_from_json_object(args, errp);
    if (!opts) {
        return false;
    }
    /* The dispatcher checked that qom-type and id are there (qapi/qom.json). */
    type = hd_opts_get_string(opts, "qom-type");
    info = hd_type_lookup(type);
    if (info && !(info->category & HD_TYPE_CATEGORY_OBJECT)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "object-add: '%s' is a device type; add it with device_add", type);
        return false;
    }
    obj = hd_object_new_with_opts(type, opts, errp);
    if (!obj || !hd_user_object_complete(HD_USER_OBJECT(obj), errp)) {
        g_prefix_error(errp, "object-add: ");
        return false;
    }
    path = hd_tree_add_user_object(tree, HD_USER_OBJECT(obj), errp);
    if (!path) {
        g_prefix_error(errp, "object-add: ");
        return false;
    }
    return true;
}

static bool qmp_object_del(JsonObject *args, JsonNode **ret, GError **errp)
{
    HdTree *tree = tree_or_fail("object-del", errp);
    const char *id = json_object_get_string_member(args, "id");
    g_autofree char *path = NULL;
    GObject *obj;

    (void)ret;
    trace_qmp_runtime_command("object-del");
    if (!tree) {
        return false;
    }
    path = g_strdup_printf("/objects/%s", id);
    obj = strchr(id, '/') ? NULL : hd_tree_resolve(tree, path, NULL);
    if (!obj || !HD_IS_USER_OBJECT(obj)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "object-del: no object with id '%s' (see qom-list /objects)", id);
        return false;
    }
    /* The tree holds one reference; any other is a user (a device naming it). */
    if (g_atomic_int_get(&obj->ref_count) > 1) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "object-del: object '%s' is in use; remove the devices that name it first", id);
        return false;
    }
    return hd_tree_remove(tree, path, errp);
}

void qmp_register_object_commands(void)
{
    qmp_register_command("object-add", qmp_object_add, QMP_CMD_DEFAULT);
    qmp_register_command("object-del", qmp_object_del, QMP_CMD_DEFAULT);
}
