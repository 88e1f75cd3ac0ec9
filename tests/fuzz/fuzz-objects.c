/*
 * Shared set-up of the user-object fuzz targets: types, scratch directory, the sandbox check
 * (files and memory an input may make hostdev touch) and removing what an input created.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-machine.h"
#include "fuzz-objects.h"
#include "qom/props.h"
#include "system/iommufd.h"
#include "system/secret.h"

#define FUZZ_MAX_OBJECT_BYTES (64u << 20)

static char *scratch;
static int home_fd = -1; /* the directory the fuzzer runs in: its corpus paths are relative */

static void remove_scratch(void)
{
    if (scratch) {
        g_autoptr(GDir) dir = g_dir_open(scratch, 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir))) {
            g_autofree char *path = g_build_filename(scratch, name, NULL);

            g_unlink(path);
        }
        g_rmdir(scratch);
    }
}

HdTree *fuzz_objects_machine(void)
{
    HdTree *tree;

    if (scratch) {
        return fuzz_machine();
    }
    tree = fuzz_machine();
    iommufd_register_types();
    secret_register_types();
    scratch = g_dir_make_tmp("hostdev-fuzz-XXXXXX", NULL);
    home_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!scratch || home_fd < 0) {
        fprintf(stderr, "fuzz: cannot make a scratch directory\n");
        abort();
    }
    atexit(remove_scratch);
    return tree;
}

void fuzz_objects_enter(void)
{
    if (chdir(scratch) < 0) {
        abort();
    }
}

static bool path_is_local(const char *path)
{
    return !path || (path[0] != '/' && !strstr(path, ".."));
}

bool fuzz_objects_safe(const char *type, const HdOpts *opts)
{
    g_autoptr(GObject) obj = hd_object_new_with_opts(type, opts, NULL);
    GObjectClass *klass;

    if (!obj) {
        return true;
    }
    klass = G_OBJECT_GET_CLASS(obj);
    for (const char *const *p = (const char *const[]){ "mem-path", "file", NULL }; *p; p++) {
        g_autofree char *value = NULL;

        if (g_object_class_find_property(klass, *p)) {
            g_object_get(obj, *p, &value, NULL);
            if (!path_is_local(value)) {
                return false;
            }
        }
    }
    if (g_object_class_find_property(klass, "size")) {
        guint64 size = 0;

        g_object_get(obj, "size", &size, NULL);
        if (size > FUZZ_MAX_OBJECT_BYTES) {
            return false;
        }
    }
    return true;
}

void fuzz_objects_clear(HdTree *tree)
{
    g_autoptr(GPtrArray) entries = hd_tree_list(tree, "/objects", NULL);
    g_autoptr(GDir) dir = NULL;
    const char *name;

    for (guint i = 0; entries && i < entries->len; i++) {
        HdTreeEntry *e = entries->pdata[i];

        if (g_str_has_prefix(e->type, "child<")) {
            g_autofree char *path = g_strdup_printf("/objects/%s", e->name);

            hd_tree_remove(tree, path, NULL);
        }
    }
    fuzz_drain_main_loop();
    dir = g_dir_open(scratch, 0, NULL);
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(scratch, name, NULL);

        g_unlink(path);
    }
    if (fchdir(home_fd) < 0) {
        abort();
    }
}
