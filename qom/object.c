/*
 * The type registry: QEMU-style names of the device and object types users may create.
 * Entries are never removed, so the HdTypeInfo pointers handed out stay valid.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/object.h"
#include "qom/device.h"
#include "qom/user-object.h"

#include <string.h>

static GHashTable *types_by_name;  /* name -> HdTypeInfo *, owns the entries */
static GHashTable *types_by_gtype; /* GType -> HdTypeInfo * */
G_LOCK_DEFINE_STATIC(registry);

GQuark hd_qom_error_quark(void)
{
    return g_quark_from_static_string("hd-qom-error-quark");
}

static void registry_init_locked(void)
{
    if (!types_by_name) {
        types_by_name = g_hash_table_new(g_str_hash, g_str_equal);
        types_by_gtype = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
}

bool hd_type_register(const char *name, GType gtype)
{
    g_return_val_if_fail(name && *name, false);
    g_return_val_if_fail(!G_TYPE_IS_ABSTRACT(gtype), false);
    HdTypeCategory category;
    const char *description;
    HdTypeInfo *info;
    bool ok = true;

    /* The class lives for the rest of the process: the description points into it. */
    if (g_type_is_a(gtype, HD_TYPE_DEVICE)) {
        category = HD_TYPE_CATEGORY_DEVICE;
        description = ((HdDeviceClass *)g_type_class_ref(gtype))->description;
    } else if (g_type_is_a(gtype, HD_TYPE_USER_OBJECT)) {
        category = HD_TYPE_CATEGORY_OBJECT;
        description = ((HdUserObjectClass *)g_type_class_ref(gtype))->description;
    } else {
        g_critical("hd_type_register: %s (%s) is neither an HdDevice nor an HdUserObject", name,
                   g_type_name(gtype));
        return false;
    }

    G_LOCK(registry);
    registry_init_locked();
    info = g_hash_table_lookup(types_by_name, name);
    if (info || g_hash_table_contains(types_by_gtype, GSIZE_TO_POINTER(gtype))) {
        if (!info || info->gtype != gtype) {
            g_critical("hd_type_register: %s (%s) clashes with an earlier registration", name,
                       g_type_name(gtype));
            ok = false;
        }
        g_type_class_unref(g_type_class_peek(gtype));
    } else {
        info = g_new0(HdTypeInfo, 1);
        info->name = g_strdup(name);
        info->gtype = gtype;
        info->category = category;
        info->description = description ? description : "";
        g_hash_table_insert(types_by_name, (char *)info->name, info);
        g_hash_table_insert(types_by_gtype, GSIZE_TO_POINTER(gtype), info);
    }
    G_UNLOCK(registry);
    return ok;
}

const HdTypeInfo *hd_type_lookup(const char *name)
{
    const HdTypeInfo *info = NULL;

    G_LOCK(registry);
    if (types_by_name && name) {
        info = g_hash_table_lookup(types_by_name, name);
    }
    G_UNLOCK(registry);
    return info;
}

const HdTypeInfo *hd_type_lookup_gtype(GType gtype)
{
    const HdTypeInfo *info = NULL;

    G_LOCK(registry);
    if (types_by_gtype) {
        info = g_hash_table_lookup(types_by_gtype, GSIZE_TO_POINTER(gtype));
    }
    G_UNLOCK(registry);
    return info;
}

const char *hd_type_name(GType gtype)
{
    const HdTypeInfo *info = hd_type_lookup_gtype(gtype);

    return info ? info->name : g_type_name(gtype);
}

static gint compare_info_names(gconstpointer a, gconstpointer b)
{
    const HdTypeInfo *ia = *(const HdTypeInfo *const *)a;
    const HdTypeInfo *ib = *(const HdTypeInfo *const *)b;

    return strcmp(ia->name, ib->name);
}

GPtrArray *hd_type_list(HdTypeCategory categories)
{
    GPtrArray *list = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;

    G_LOCK(registry);
    if (types_by_name) {
        g_hash_table_iter_init(&iter, types_by_name);
        while (g_hash_table_iter_next(&iter, NULL, &value)) {
            if (((HdTypeInfo *)value)->category & categories) {
                g_ptr_array_add(list, value);
            }
        }
    }
    G_UNLOCK(registry);
    g_ptr_array_sort(list, compare_info_names);
    return list;
}
