/*
 * Fuzz target: -object in either syntax (libvirt passes JSON), one to four per input split at
 * newlines, through the command line parser and then created, completed and added to the QOM
 * tree the way start-up does; everything is removed again afterwards.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "fuzz-machine.h"
#include "fuzz-objects.h"
#include "qom/object.h"
#include "qom/props.h"
#include "system/options.h"

#define MAX_OBJECTS 4

static void create(HdTree *tree, const HdOpts *opts)
{
    const char *type = hd_opts_get_string(opts, "qom-type");
    const HdTypeInfo *info = hd_type_lookup(type);
    g_autoptr(GObject) obj = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;

    if ((info && !(info->category & HD_TYPE_CATEGORY_OBJECT)) || !fuzz_objects_safe(type, opts)) {
        return;
    }
    obj = hd_object_new_with_opts(type, opts, &err);
    if (!obj || !hd_user_object_complete(HD_USER_OBJECT(obj), &err)) {
        g_assert(err);
        return;
    }
    path = hd_tree_add_user_object(tree, HD_USER_OBJECT(obj), &err);
    g_assert((path == NULL) == (err != NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    HdTree *tree = fuzz_objects_machine();
    g_autofree char *text = fuzz_text(data, size);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(HdConfig) config = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) lines = g_strsplit(text, "\n", MAX_OBJECTS);

    g_ptr_array_add(argv, (char *)"hostdev");
    for (guint i = 0; lines[i]; i++) {
        g_ptr_array_add(argv, (char *)"-object");
        g_ptr_array_add(argv, lines[i]);
    }
    g_ptr_array_add(argv, NULL);
    fuzz_objects_enter();
    config = hd_config_parse((int)argv->len - 1, (char **)argv->pdata, &err);
    g_assert((config == NULL) == (err != NULL));
    for (guint i = 0; config && i < config->objects->len; i++) {
        create(tree, config->objects->pdata[i]);
    }
    fuzz_objects_clear(tree);
    return 0;
}
