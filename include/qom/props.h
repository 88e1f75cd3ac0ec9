/*
 * Object model: setting GObject properties from option text and JSON, and describing them.
 * Values are converted according to each GParamSpec (bool, integers, sizes, strings, enums);
 * errors name the object, the property, the text given and the form expected.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QOM_PROPS_H
#define QOM_PROPS_H

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "qom/opts.h"

/* One property as -device DRIVER,help and qom-list show it. */
typedef struct HdPropInfo {
    char *name;
    char *type;          /* "bool", "str", "int32", "uint32", "int64", "uint64", "size", ... */
    char *description;   /* the pspec's blurb, "" when it has none */
    char *default_value; /* as text, NULL when there is none (strings without a default) */
} HdPropInfo;

/* Free an HdPropInfo and its strings. */
void hd_prop_info_free(HdPropInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HdPropInfo, hd_prop_info_free)

/* Mark an integer @pspec as a size: text may carry a K/M/G/T/P/E suffix (powers of 1024). */
void hd_param_spec_set_size(GParamSpec *pspec);

/* Whether @pspec was marked with hd_param_spec_set_size(). */
bool hd_param_spec_is_size(GParamSpec *pspec);

/*
 * Mark a string @pspec as a PCI address ("SLOT[.FN]" in hex): a JSON integer n from 0 to 255
 * is accepted too, as QEMU does, and read as devfn (slot n >> 3, function n & 7).
 */
void hd_param_spec_set_pci_devfn(GParamSpec *pspec);

/* Whether @pspec was marked with hd_param_spec_set_pci_devfn(). */
bool hd_param_spec_is_pci_devfn(GParamSpec *pspec);

/* A uint64 property marked as a size; flags as for g_param_spec_uint64(). */
GParamSpec *hd_param_spec_size(const char *name, const char *blurb, guint64 min, guint64 max,
                               guint64 default_value, GParamFlags flags);

/* The QOM-style type of @pspec: "bool", "str", "uint32", "size", an enum's name, ... */
const char *hd_param_spec_type_name(GParamSpec *pspec);

/*
 * Convert @text for @pspec into @value (initialized here; unset it after use). @what names the
 * object in errors ("vfio-pci 'hostdev0'").
 */
bool hd_param_value_from_text(GParamSpec *pspec, const char *text, const char *what, GValue *value,
                              GError **errp);

/* Convert a JSON value node (strings as by hd_param_value_from_text()) into @value. */
bool hd_param_value_from_node(GParamSpec *pspec, JsonNode *node, const char *what, GValue *value,
                              GError **errp);

/* Set property @name of @obj from option text; unknown, read-only or bad values fail. */
bool hd_object_set_property_str(GObject *obj, const char *name, const char *text, GError **errp);

/* Set property @name of @obj from a JSON value node (string, boolean or integer). */
bool hd_object_set_property_node(GObject *obj, const char *name, JsonNode *value, GError **errp);

/*
 * Create an instance of the registered type @type_name with every option of @opts applied at
 * construction, except the implied key ("driver" for devices, "qom-type" for objects); "id"
 * must be a valid QEMU id. Devices must be user_creatable. Nothing is realized or completed.
 */
GObject *hd_object_new_with_opts(const char *type_name, const HdOpts *opts, GError **errp);

/*
 * -global @driver.@prop=@value: a default that hd_object_new_with_opts() applies to every
 * @driver device whose options do not set @prop. The type, property and value are checked now.
 */
bool hd_global_prop_add(const char *driver, const char *prop, const char *value, GError **errp);

/* Forget every -global default. */
void hd_global_props_clear(void);

/*
 * The user-settable properties of @gtype, sorted by name, leaving out those every device or
 * user object has (id, bus). Array of HdPropInfo *, with a free function.
 */
GPtrArray *hd_type_describe_properties(GType gtype);

/* Whether @id is a valid QEMU id: a letter, then letters, digits, '-', '.' and '_'. */
bool hd_id_is_valid(const char *id);

#endif /* QOM_PROPS_H */
