/*
 * Properties by name: set from option text or JSON, create objects from -device/-object
 * options, and describe a type's properties for help output.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/hints.h"
#include "qom/props.h"
#include "qom/device.h"
#include "qom/object.h"
#include "qom/user-object.h"

#include <string.h>

void hd_prop_info_free(HdPropInfo *info)
{
    if (info) {
        g_free(info->name);
        g_free(info->type);
        g_free(info->description);
        g_free(info->default_value);
        g_free(info);
    }
}

bool hd_id_is_valid(const char *id)
{
    if (!id || !g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

/* "TYPE 'ID'" or "TYPE" for an object and an id that may be NULL; free it. */
static char *describe(GType gtype, const char *id)
{
    const char *type = hd_type_name(gtype);

    return id ? g_strdup_printf("%s '%s'", type, id) : g_strdup(type);
}

static char *describe_object(GObject *obj)
{
    GParamSpec *pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(obj), "id");
    g_autofree char *id = NULL;

    if (pspec && (pspec->flags & G_PARAM_READABLE) && pspec->value_type == G_TYPE_STRING) {
        g_object_get(obj, "id", &id, NULL);
    }
    return describe(G_OBJECT_TYPE(obj), id);
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The writable property of @klass called @name, or NULL with an error listing the valid ones. */
static GParamSpec *find_writable(GObjectClass *klass, const char *name, const char *what,
                                 GError **errp)
{
    GParamSpec *pspec = g_object_class_find_property(klass, name);
    g_autoptr(GPtrArray) names = NULL;
    g_autofree GParamSpec **all = NULL;
    g_autofree char *list = NULL;
    const char *hint;
    guint n;

    if (pspec && (pspec->flags & G_PARAM_WRITABLE)) {
        return pspec;
    }
    if (pspec) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "%s: property '%s' is read-only", what,
                    name);
        return NULL;
    }
    hint = hd_hint_for_property(name);
    if (hint) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND, "%s: no property '%s': %s", what,
                    name, hint);
        return NULL;
    }
    all = g_object_class_list_properties(klass, &n);
    names = g_ptr_array_new();
    for (guint i = 0; i < n; i++) {
        if (all[i]->flags & G_PARAM_WRITABLE) {
            g_ptr_array_add(names, (char *)all[i]->name);
        }
    }
    g_ptr_array_sort(names, compare_strings);
    g_ptr_array_add(names, NULL);
    list = g_strjoinv(", ", (char **)names->pdata);
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                "%s: no property '%s'; valid properties: %s", what, name, list);
    return NULL;
}

/* Set an existing object's property from a converted value; construct-only ones fail. */
static bool set_property(GObject *obj, const char *name, const char *text, JsonNode *node,
                         GError **errp)
{
    g_autofree char *what = describe_object(obj);
    GParamSpec *pspec = find_writable(G_OBJECT_GET_CLASS(obj), name, what, errp);
    g_auto(GValue) value = G_VALUE_INIT;

    if (!pspec) {
        return false;
    }
    if (pspec->flags & G_PARAM_CONSTRUCT_ONLY) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: property '%s' can only be given when the object is created", what, name);
        return false;
    }
    if (text ? !hd_param_value_from_text(pspec, text, what, &value, errp)
             : !hd_param_value_from_node(pspec, node, what, &value, errp)) {
        return false;
    }
    g_object_set_property(obj, name, &value);
    return true;
}

bool hd_object_set_property_str(GObject *obj, const char *name, const char *text, GError **errp)
{
    g_return_val_if_fail(G_IS_OBJECT(obj) && name && text, false);
    return set_property(obj, name, text, NULL, errp);
}

bool hd_object_set_property_node(GObject *obj, const char *name, JsonNode *value, GError **errp)
{
    g_return_val_if_fail(G_IS_OBJECT(obj) && name && value, false);
    return set_property(obj, name, NULL, value, errp);
}

/* The id from @opts: absent (NULL, true) or a valid id string. */
static bool opts_id(const HdOpts *opts, const char *type_name, const char **id, GError **errp)
{
    JsonNode *node = hd_opts_lookup(opts, "id");

    *id = hd_opts_get_string(opts, "id");
    if (node && (!*id || !hd_id_is_valid(*id))) {
        g_set_error(
            errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
            "%s: invalid id '%s': an id starts with a letter and has only letters, digits, '-', '.' and '_'",
            type_name, *id ? *id : "(not a string)");
        return false;
    }
    return true;
}

/* Check that @info may be created by the user and find its implied key and id. */
static bool check_creatable(const HdTypeInfo *info, const HdOpts *opts, const char **implied,
                            const char **id, GError **errp)
{
    if (!opts_id(opts, info->name, id, errp)) {
        return false;
    }
    if (info->category == HD_TYPE_CATEGORY_DEVICE) {
        HdDeviceClass *klass = g_type_class_peek(info->gtype);

        *implied = "driver";
        if (!klass->user_creatable) {
            g_set_error(
                errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "device type '%s' cannot be created with -device or device_add; the machine creates it",
                info->name);
            return false;
        }
    } else {
        *implied = "qom-type";
        if (!*id) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: missing id; every -object needs id=NAME", info->name);
            return false;
        }
    }
    return true;
}

/* -global DRIVER.PROP=VALUE defaults, in the order given. */
typedef struct GlobalProp {
    char *driver;
    char *prop;
    char *value;
} GlobalProp;

static GPtrArray *globals;

static void global_prop_free(GlobalProp *g)
{
    g_free(g->driver);
    g_free(g->prop);
    g_free(g->value);
    g_free(g);
}

bool hd_global_prop_add(const char *driver, const char *prop, const char *value, GError **errp)
{
    const HdTypeInfo *info = hd_type_lookup(driver);
    g_autofree char *what = g_strdup_printf("-global %s.%s", driver, prop);
    g_auto(GValue) v = G_VALUE_INIT;
    GlobalProp *g;
    GParamSpec *pspec;

    if (!info || info->category != HD_TYPE_CATEGORY_DEVICE) {
        const char *hint = hd_hint_for_type(driver);

        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                    "%s: '%s' is not a device type of hostdev (%s)", what, driver,
                    hint ? hint : "see -device help");
        return false;
    }
    pspec = find_writable(g_type_class_peek(info->gtype), prop, what, errp);
    if (!pspec || !hd_param_value_from_text(pspec, value, what, &v, errp)) {
        return false;
    }
    if (!globals) {
        globals = g_ptr_array_new_with_free_func((GDestroyNotify)global_prop_free);
    }
    g = g_new(GlobalProp, 1);
    *g = (GlobalProp){ g_strdup(driver), g_strdup(prop), g_strdup(value) };
    g_ptr_array_add(globals, g);
    return true;
}

void hd_global_props_clear(void)
{
    g_clear_pointer(&globals, g_ptr_array_unref);
}

/* The -global defaults for @info's devices that @opts does not set, added to @opts' copy. */
static HdOpts *opts_with_globals(const HdTypeInfo *info, const HdOpts *opts)
{
    HdOpts *copy = hd_opts_new();

    for (guint i = 0; i < hd_opts_size(opts); i++) {
        hd_opts_set_node(copy, hd_opts_key(opts, i), hd_opts_value(opts, i));
    }
    for (guint i = 0; globals && i < globals->len; i++) {
        GlobalProp *g = globals->pdata[i];

        if (!strcmp(g->driver, info->name) && !hd_opts_lookup(opts, g->prop)) {
            hd_opts_set_string(copy, g->prop, g->value);
        }
    }
    return copy;
}

GObject *hd_object_new_with_opts(const char *type_name, const HdOpts *opts, GError **errp)
{
    g_return_val_if_fail(type_name && opts, NULL);
    const HdTypeInfo *info = hd_type_lookup(type_name);
    g_autofree const char **names = NULL;
    g_autofree GValue *values = NULL;
    g_autofree char *what = NULL;
    const char *implied, *id;
    g_autoptr(HdOpts) with_globals = NULL;
    GObjectClass *klass;
    GObject *obj = NULL;
    guint n = 0;

    if (!info) {
        const char *hint = hd_hint_for_type(type_name);

        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                    "'%s' is not a known device or object type; %s", type_name,
                    hint ? hint : "see -device help or -object help");
        return NULL;
    }
    if (!check_creatable(info, opts, &implied, &id, errp)) {
        return NULL;
    }
    what = describe(info->gtype, id);
    klass = g_type_class_peek(info->gtype);
    if (globals && info->category == HD_TYPE_CATEGORY_DEVICE) {
        with_globals = opts_with_globals(info, opts);
        opts = with_globals;
    }
    names = g_new0(const char *, hd_opts_size(opts) + 1);
    values = g_new0(GValue, hd_opts_size(opts) + 1);
    for (guint i = 0; i < hd_opts_size(opts); i++) {
        const char *key = hd_opts_key(opts, i);
        GParamSpec *pspec;

        if (strcmp(key, implied) == 0) {
            continue;
        }
        pspec = find_writable(klass, key, what, errp);
        if (!pspec ||
            !hd_param_value_from_node(pspec, hd_opts_value(opts, i), what, &values[n], errp)) {
            goto out;
        }
        names[n++] = pspec->name;
    }
    obj = g_object_new_with_properties(info->gtype, n, names, values);
out:
    for (guint i = 0; i < n; i++) {
        g_value_unset(&values[i]);
    }
    return obj;
}

static char *default_text(GParamSpec *pspec)
{
    const GValue *def = g_param_spec_get_default_value(pspec);
    GType type = G_PARAM_SPEC_VALUE_TYPE(pspec);
    g_auto(GValue) text = G_VALUE_INIT;

    if (type == G_TYPE_STRING) {
        return g_value_dup_string(def);
    }
    if (type == G_TYPE_BOOLEAN) {
        return g_strdup(g_value_get_boolean(def) ? "true" : "false");
    }
    if (G_TYPE_IS_ENUM(type)) {
        GEnumValue *ev =
            g_enum_get_value(G_PARAM_SPEC_ENUM(pspec)->enum_class, g_value_get_enum(def));

        return ev ? g_strdup(ev->value_nick) : NULL;
    }
    g_value_init(&text, G_TYPE_STRING);
    if (!g_value_transform(def, &text)) {
        return NULL;
    }
    return g_value_dup_string(&text);
}

static gint compare_prop_infos(gconstpointer a, gconstpointer b)
{
    const HdPropInfo *ia = *(const HdPropInfo *const *)a;
    const HdPropInfo *ib = *(const HdPropInfo *const *)b;

    return strcmp(ia->name, ib->name);
}

GPtrArray *hd_type_describe_properties(GType gtype)
{
    g_return_val_if_fail(G_TYPE_IS_OBJECT(gtype), NULL);
    GObjectClass *klass = g_type_class_ref(gtype);
    GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)hd_prop_info_free);
    g_autofree GParamSpec **all = NULL;
    guint n;

    all = g_object_class_list_properties(klass, &n);
    for (guint i = 0; i < n; i++) {
        GParamSpec *pspec = all[i];
        HdPropInfo *info;

        if (!(pspec->flags & G_PARAM_WRITABLE) || pspec->owner_type == HD_TYPE_DEVICE ||
            pspec->owner_type == HD_TYPE_USER_OBJECT) {
            continue;
        }
        info = g_new0(HdPropInfo, 1);
        info->name = g_strdup(pspec->name);
        info->type = g_strdup(hd_param_spec_type_name(pspec));
        info->description =
            g_strdup(g_param_spec_get_blurb(pspec) ? g_param_spec_get_blurb(pspec) : "");
        info->default_value = default_text(pspec);
        g_ptr_array_add(list, info);
    }
    g_ptr_array_sort(list, compare_prop_infos);
    g_type_class_unref(klass);
    return list;
}
