/*
 * The registry of migratable state (devices and core state in registration order) and of the
 * blockers that refuse a migration; the core (migration.c) walks both.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "migration-internal.h"
#include "monitor/qmp.h"
#include "system/machine.h"

static GPtrArray *instances; /* HdMigInstance *, registration order */
static GPtrArray *blockers;  /* HdMigBlocker * */

typedef struct HdMigBlocker {
    void *owner;
    char *reason;
} HdMigBlocker;

static void instance_free(gpointer p)
{
    HdMigInstance *in = p;

    g_free(in->name);
    g_free(in);
}

static void blocker_free(gpointer p)
{
    HdMigBlocker *b = p;

    g_free(b->reason);
    g_free(b);
}

static void add_instance(const char *name, HdDevice *dev, const HdMigrationOps *ops, void *opaque)
{
    HdMigInstance *in = g_new0(HdMigInstance, 1);

    if (!instances) {
        instances = g_ptr_array_new_with_free_func(instance_free);
    }
    in->name = g_strdup(name);
    in->dev = dev;
    in->ops = ops;
    in->opaque = opaque;
    g_ptr_array_add(instances, in);
}

void hd_migration_register_device(HdDevice *dev, const HdMigrationOps *ops, void *opaque)
{
    add_instance(NULL, dev, ops, opaque);
}

void hd_migration_register(const char *name, const HdMigrationOps *ops, void *opaque)
{
    add_instance(name, NULL, ops, opaque);
}

void hd_migration_unregister(void *opaque)
{
    for (guint i = instances ? instances->len : 0; i-- > 0;) {
        if (((HdMigInstance *)instances->pdata[i])->opaque == opaque) {
            g_ptr_array_remove_index(instances, i);
        }
    }
}

GPtrArray *hd_mig_instances(void)
{
    if (!instances) {
        instances = g_ptr_array_new_with_free_func(instance_free);
    }
    return instances;
}

const char *hd_mig_instance_name(HdMigInstance *in)
{
    if (!in->name && in->dev) {
        HdTree *tree = hd_qom_tree();

        in->name = tree ? hd_tree_get_path(tree, G_OBJECT(in->dev)) : NULL;
        if (!in->name) {
            in->name = hd_device_describe(in->dev);
        }
    }
    return in->name;
}

void hd_migration_add_blocker(void *owner, const char *reason)
{
    HdMigBlocker *b = g_new0(HdMigBlocker, 1);

    if (!blockers) {
        blockers = g_ptr_array_new_with_free_func(blocker_free);
    }
    b->owner = owner;
    b->reason = g_strdup(reason);
    g_ptr_array_add(blockers, b);
}

void hd_migration_remove_blockers(void *owner)
{
    for (guint i = blockers ? blockers->len : 0; i-- > 0;) {
        if (((HdMigBlocker *)blockers->pdata[i])->owner == owner) {
            g_ptr_array_remove_index(blockers, i);
        }
    }
}

GPtrArray *hd_mig_blocked_reasons(void)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; blockers && i < blockers->len; i++) {
        g_ptr_array_add(out, g_strdup(((HdMigBlocker *)blockers->pdata[i])->reason));
    }
    return out;
}

bool hd_mig_check_blockers(GError **errp)
{
    g_autoptr(GPtrArray) reasons = hd_mig_blocked_reasons();
    g_autofree char *joined = NULL;

    if (!reasons->len) {
        return true;
    }
    g_ptr_array_add(reasons, NULL);
    joined = g_strjoinv("; ", (char **)reasons->pdata);
    g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR, "migration is blocked: %s", joined);
    return false;
}
