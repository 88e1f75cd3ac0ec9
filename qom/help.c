/*
 * Help text: device and object lists from the registry, property lists from the GParamSpecs.
 * Device lines read like QEMU's: name "vfio-pci", bus PCI, desc "...".
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/help.h"
#include "qom/device.h"
#include "qom/props.h"

#include <string.h>

/* Bus types in sorted order, devices without a bus last. */
static gint compare_bus_types(gconstpointer a, gconstpointer b)
{
    const char *ta = *(const char *const *)a;
    const char *tb = *(const char *const *)b;

    if (!ta || !tb) {
        return (ta == NULL) - (tb == NULL);
    }
    return strcmp(ta, tb);
}

/* Whether @bus_type (NULL: no bus) is in @buses already. */
static bool has_bus_type(GPtrArray *buses, const char *bus_type)
{
    for (guint i = 0; i < buses->len; i++) {
        if (g_strcmp0(buses->pdata[i], bus_type) == 0) {
            return true;
        }
    }
    return false;
}

char *hd_help_device_list(void)
{
    g_autoptr(GPtrArray) types = hd_type_list(HD_TYPE_CATEGORY_DEVICE);
    g_autoptr(GPtrArray) buses = g_ptr_array_new();
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < types->len; i++) {
        const HdTypeInfo *info = types->pdata[i];
        HdDeviceClass *klass = g_type_class_peek(info->gtype);

        if (klass->user_creatable && !has_bus_type(buses, klass->bus_type)) {
            g_ptr_array_add(buses, (char *)klass->bus_type);
        }
    }
    g_ptr_array_sort(buses, compare_bus_types);
    for (guint b = 0; b < buses->len; b++) {
        const char *bus = buses->pdata[b];

        if (bus) {
            g_string_append_printf(out, "%s%s devices:\n", b ? "\n" : "", bus);
        } else {
            g_string_append_printf(out, "%sDevices without a bus:\n", b ? "\n" : "");
        }
        for (guint i = 0; i < types->len; i++) {
            const HdTypeInfo *info = types->pdata[i];
            HdDeviceClass *klass = g_type_class_peek(info->gtype);

            if (!klass->user_creatable || g_strcmp0(klass->bus_type, bus) != 0) {
                continue;
            }
            g_string_append_printf(out, "name \"%s\"", info->name);
            if (bus) {
                g_string_append_printf(out, ", bus %s", bus);
            }
            if (*info->description) {
                g_string_append_printf(out, ", desc \"%s\"", info->description);
            }
            g_string_append_c(out, '\n');
        }
    }
    if (buses->len == 0) {
        g_string_append(out, "No device types can be created with -device.\n");
    }
    return g_string_free(out, FALSE);
}

char *hd_help_object_list(void)
{
    g_autoptr(GPtrArray) types = hd_type_list(HD_TYPE_CATEGORY_OBJECT);
    GString *out = g_string_new("List of user creatable objects:\n");

    for (guint i = 0; i < types->len; i++) {
        const HdTypeInfo *info = types->pdata[i];

        g_string_append_printf(out, "  name \"%s\"", info->name);
        if (*info->description) {
            g_string_append_printf(out, ", desc \"%s\"", info->description);
        }
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}

char *hd_help_type_properties(const char *type_name, GError **errp)
{
    const HdTypeInfo *info = hd_type_lookup(type_name);
    g_autoptr(GPtrArray) props = NULL;
    GString *out;

    if (!info) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                    "'%s' is not a known device or object type; see -device help or -object help",
                    type_name);
        return NULL;
    }
    props = hd_type_describe_properties(info->gtype);
    if (props->len == 0) {
        return g_strdup_printf("There are no options for %s.\n", info->name);
    }
    out = g_string_new(NULL);
    g_string_append_printf(out, "%s options:\n", info->name);
    for (guint i = 0; i < props->len; i++) {
        const HdPropInfo *prop = props->pdata[i];
        g_autofree char *left = g_strdup_printf("%s=<%s>", prop->name, prop->type);

        g_string_append_printf(out, "  %-24s -", left);
        if (*prop->description) {
            g_string_append_printf(out, " %s", prop->description);
        }
        if (prop->default_value) {
            g_string_append_printf(out, " (default: %s)", prop->default_value);
        }
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}

char *hd_help_for_opts(const HdOpts *opts, HdTypeCategory category, GError **errp)
{
    bool device = category == HD_TYPE_CATEGORY_DEVICE;
    const char *name = hd_opts_get_string(opts, device ? "driver" : "qom-type");
    const HdTypeInfo *info;

    if (!name) {
        return device ? hd_help_device_list() : hd_help_object_list();
    }
    info = hd_type_lookup(name);
    if (!info || !(info->category & category)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                    "'%s' is not a known %s type; see %s help for the list", name,
                    device ? "device" : "object", device ? "-device" : "-object");
        return NULL;
    }
    return hd_help_type_properties(name, errp);
}
