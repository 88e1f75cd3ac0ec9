/*
 * Object model: the composition tree behind QOM paths and QMP qom-list.
 * Fixed roots /machine, /machine/peripheral (user devices with an id), /machine/peripheral-anon
 * (user devices without one, named device[N]), /machine/unattached and /objects (user objects).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QOM_TREE_H
#define QOM_TREE_H

#include <glib-object.h>
#include <stdbool.h>

#include "qom/device.h"
#include "qom/user-object.h"

typedef struct HdTree HdTree;

/* One line of qom-list: a child ("child<vfio-pci>") or a property ("str", "bool", ...). */
typedef struct HdTreeEntry {
    char *name;
    char *type;
} HdTreeEntry;

/* Free an HdTreeEntry and its strings. */
void hd_tree_entry_free(HdTreeEntry *entry);

/* A tree holding only the fixed roots (containers). */
HdTree *hd_tree_new(void);

/* Free the tree, dropping its references on every object in it (children first). */
void hd_tree_free(HdTree *tree);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HdTree, hd_tree_free)

/*
 * Add @obj (taking a reference) as child @name of the node at @parent_path. Fails when the name
 * is taken, holds '/', or @obj is already in the tree.
 */
bool hd_tree_add(HdTree *tree, const char *parent_path, const char *name, GObject *obj,
                 GError **errp);

/*
 * Add a user-created device: /machine/peripheral/ID, or /machine/peripheral-anon/device[N]
 * when it has no id (N counts up, never reused). Returns the new path; a taken id fails.
 */
char *hd_tree_add_device(HdTree *tree, HdDevice *dev, GError **errp);

/* Add a user object as /objects/ID (it must have an id). Returns the new path. */
char *hd_tree_add_user_object(HdTree *tree, HdUserObject *obj, GError **errp);

/* Add a container (an empty node) as child @name of @parent_path, e.g. for a machine's parts. */
bool hd_tree_add_container(HdTree *tree, const char *parent_path, const char *name, GError **errp);

/*
 * The object at @path (borrowed). Absolute paths start with '/'; a partial path ("dev0",
 * "peripheral/dev0") matches the ends of full paths and must match exactly one.
 */
GObject *hd_tree_resolve(HdTree *tree, const char *path, GError **errp);

/* The device with this id (a child of /machine/peripheral) or at this path; device_del's rule. */
HdDevice *hd_tree_find_device(HdTree *tree, const char *id_or_path, GError **errp);

/* The absolute path of @obj, or NULL when it is not in the tree; free it. */
char *hd_tree_get_path(HdTree *tree, GObject *obj);

/* Remove the node at @path and everything below it; the fixed roots cannot be removed. */
bool hd_tree_remove(HdTree *tree, const char *path, GError **errp);

/*
 * What qom-list shows for @path: "type" (string), the children as child<TYPE>, then the
 * readable properties sorted by name. Array of HdTreeEntry *, with a free function.
 */
GPtrArray *hd_tree_list(HdTree *tree, const char *path, GError **errp);

#endif /* QOM_TREE_H */
