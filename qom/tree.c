/*
 * The composition tree: named nodes holding references on GObjects, addressed by QOM paths.
 * Containers are empty HdContainer objects; user devices and objects get their standard homes.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/tree.h"
#include "qom/object.h"
#include "qom/props.h"

#include <stdlib.h>
#include <string.h>

/* An empty node of the tree ("child<container>" in qom-list). */
#define HD_TYPE_CONTAINER (hd_container_get_type())
G_DECLARE_FINAL_TYPE(HdContainer, hd_container, HD, CONTAINER, GObject)

struct _HdContainer {
    GObject parent_instance;
};

G_DEFINE_FINAL_TYPE(HdContainer, hd_container, G_TYPE_OBJECT)

static void hd_container_class_init(HdContainerClass *klass)
{
    (void)klass;
}

static void hd_container_init(HdContainer *self)
{
    (void)self;
}

typedef struct TreeNode {
    char *name;
    GObject *obj; /* reference */
    struct TreeNode *parent;
    GPtrArray *children; /* TreeNode *, insertion order */
    bool fixed;          /* one of the roots: cannot be removed */
} TreeNode;

struct HdTree {
    TreeNode *root;
    GHashTable *by_object; /* GObject * -> TreeNode * */
    guint anon_count;      /* next N of /machine/peripheral-anon/device[N] */
};

void hd_tree_entry_free(HdTreeEntry *entry)
{
    if (entry) {
        g_free(entry->name);
        g_free(entry->type);
        g_free(entry);
    }
}

static TreeNode *node_new(HdTree *tree, TreeNode *parent, const char *name, GObject *obj)
{
    TreeNode *node = g_new0(TreeNode, 1);

    node->name = g_strdup(name);
    node->obj = g_object_ref(obj);
    node->parent = parent;
    node->children = g_ptr_array_new();
    if (parent) {
        g_ptr_array_add(parent->children, node);
    }
    g_hash_table_insert(tree->by_object, obj, node);
    return node;
}

/* Free @node and its subtree, last child first; the caller unlinks it from its parent. */
static void node_free(HdTree *tree, TreeNode *node)
{
    for (guint i = node->children->len; i > 0; i--) {
        node_free(tree, node->children->pdata[i - 1]);
    }
    g_hash_table_remove(tree->by_object, node->obj);
    g_ptr_array_unref(node->children);
    g_object_unref(node->obj);
    g_free(node->name);
    g_free(node);
}

static TreeNode *add_container(HdTree *tree, TreeNode *parent, const char *name)
{
    g_autoptr(GObject) obj = g_object_new(HD_TYPE_CONTAINER, NULL);
    TreeNode *node = node_new(tree, parent, name, obj);

    node->fixed = true;
    return node;
}

HdTree *hd_tree_new(void)
{
    HdTree *tree = g_new0(HdTree, 1);
    TreeNode *machine;

    tree->by_object = g_hash_table_new(g_direct_hash, g_direct_equal);
    tree->root = add_container(tree, NULL, "");
    machine = add_container(tree, tree->root, "machine");
    add_container(tree, machine, "peripheral");
    add_container(tree, machine, "peripheral-anon");
    add_container(tree, machine, "unattached");
    add_container(tree, tree->root, "objects");
    return tree;
}

void hd_tree_free(HdTree *tree)
{
    if (tree) {
        node_free(tree, tree->root);
        g_hash_table_unref(tree->by_object);
        g_free(tree);
    }
}

static TreeNode *node_child(TreeNode *node, const char *name)
{
    for (guint i = 0; i < node->children->len; i++) {
        TreeNode *child = node->children->pdata[i];

        if (strcmp(child->name, name) == 0) {
            return child;
        }
    }
    return NULL;
}

/* Whether @node's path ends with @parts (n of them). */
static bool node_path_ends_with(TreeNode *node, char **parts, guint n)
{
    for (; n > 0; n--, node = node->parent) {
        if (!node || strcmp(node->name, parts[n - 1]) != 0) {
            return false;
        }
    }
    return true;
}

static void collect_matches(TreeNode *node, char **parts, guint n, GPtrArray *matches)
{
    if (node_path_ends_with(node, parts, n)) {
        g_ptr_array_add(matches, node);
    }
    for (guint i = 0; i < node->children->len; i++) {
        collect_matches(node->children->pdata[i], parts, n, matches);
    }
}

static TreeNode *find_node(HdTree *tree, const char *path, GError **errp)
{
    g_auto(GStrv) split = g_strsplit(path, "/", -1);
    g_autoptr(GPtrArray) parts = g_ptr_array_new();
    g_autoptr(GPtrArray) matches = NULL;
    TreeNode *node = tree->root;

    for (guint i = 0; split[i]; i++) {
        if (*split[i]) {
            g_ptr_array_add(parts, split[i]);
        }
    }
    if (path[0] == '/') {
        for (guint i = 0; node && i < parts->len; i++) {
            node = node_child(node, parts->pdata[i]);
        }
        if (!node) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                        "no object at path '%s'; qom-list shows what exists", path);
        }
        return node;
    }
    matches = g_ptr_array_new();
    if (parts->len > 0) {
        collect_matches(tree->root, (char **)parts->pdata, parts->len, matches);
    }
    if (matches->len == 1) {
        return matches->pdata[0];
    }
    if (matches->len == 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                    "no object at partial path '%s'; give a full path starting with '/'", path);
    } else {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "partial path '%s' is ambiguous (%u matches); give a full path", path,
                    matches->len);
    }
    return NULL;
}

static char *node_path(TreeNode *node)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    GString *path = g_string_new(NULL);

    for (; node->parent; node = node->parent) {
        g_ptr_array_add(names, node->name);
    }
    for (guint i = names->len; i > 0; i--) {
        g_string_append_printf(path, "/%s", (char *)names->pdata[i - 1]);
    }
    if (path->len == 0) {
        g_string_append_c(path, '/');
    }
    return g_string_free(path, FALSE);
}

/* Link @obj under @parent as @name, refusing bad or taken names and objects already present. */
static TreeNode *add_child(HdTree *tree, TreeNode *parent, const char *name, GObject *obj,
                           const char *kind, GError **errp)
{
    if (!*name || strchr(name, '/')) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "invalid child name '%s': names are non-empty and contain no '/'", name);
        return NULL;
    }
    if (node_child(parent, name)) {
        g_autofree char *where = node_path(parent);

        if (kind) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE,
                        "duplicate ID '%s' for %s; every %s needs its own id", name, kind, kind);
        } else {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE,
                        "'%s' already has a child named '%s'; pick another name", where, name);
        }
        return NULL;
    }
    if (g_hash_table_contains(tree->by_object, obj)) {
        g_autofree char *at = node_path(g_hash_table_lookup(tree->by_object, obj));

        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE,
                    "'%s' is already in the object tree at '%s'", name, at);
        return NULL;
    }
    return node_new(tree, parent, name, obj);
}

bool hd_tree_add(HdTree *tree, const char *parent_path, const char *name, GObject *obj,
                 GError **errp)
{
    g_return_val_if_fail(tree && parent_path && name && G_IS_OBJECT(obj), false);
    TreeNode *parent = find_node(tree, parent_path, errp);

    return parent && add_child(tree, parent, name, obj, NULL, errp);
}

bool hd_tree_add_container(HdTree *tree, const char *parent_path, const char *name, GError **errp)
{
    g_autoptr(GObject) obj = g_object_new(HD_TYPE_CONTAINER, NULL);

    return hd_tree_add(tree, parent_path, name, obj, errp);
}

char *hd_tree_add_device(HdTree *tree, HdDevice *dev, GError **errp)
{
    g_return_val_if_fail(tree && HD_IS_DEVICE(dev), NULL);
    const char *id = hd_device_get_id(dev);
    g_autofree char *anon = NULL;
    TreeNode *parent, *node;

    if (id) {
        parent = find_node(tree, "/machine/peripheral", NULL);
    } else {
        parent = find_node(tree, "/machine/peripheral-anon", NULL);
        anon = g_strdup_printf("device[%u]", tree->anon_count);
    }
    node = add_child(tree, parent, id ? id : anon, G_OBJECT(dev), "device", errp);
    if (!node) {
        return NULL;
    }
    if (!id) {
        tree->anon_count++;
    }
    return node_path(node);
}

char *hd_tree_add_user_object(HdTree *tree, HdUserObject *obj, GError **errp)
{
    g_return_val_if_fail(tree && HD_IS_USER_OBJECT(obj), NULL);
    const char *id = hd_user_object_get_id(obj);
    TreeNode *node;

    if (!id) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: an object needs an id to join /objects; give id=NAME",
                    hd_type_name(G_OBJECT_TYPE(obj)));
        return NULL;
    }
    node = add_child(tree, find_node(tree, "/objects", NULL), id, G_OBJECT(obj), "object", errp);
    return node ? node_path(node) : NULL;
}

GObject *hd_tree_resolve(HdTree *tree, const char *path, GError **errp)
{
    g_return_val_if_fail(tree && path, NULL);
    TreeNode *node = find_node(tree, path, errp);

    return node ? node->obj : NULL;
}

HdDevice *hd_tree_find_device(HdTree *tree, const char *id_or_path, GError **errp)
{
    g_return_val_if_fail(tree && id_or_path, NULL);
    TreeNode *node;

    if (strchr(id_or_path, '/')) {
        node = find_node(tree, id_or_path, NULL);
    } else {
        node = node_child(find_node(tree, "/machine/peripheral", NULL), id_or_path);
    }
    if (!node || !HD_IS_DEVICE(node->obj)) {
        g_set_error(
            errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
            "Device '%s' not found; give the id of a device added with an id, or its QOM path",
            id_or_path);
        return NULL;
    }
    return HD_DEVICE(node->obj);
}

char *hd_tree_get_path(HdTree *tree, GObject *obj)
{
    g_return_val_if_fail(tree, NULL);
    TreeNode *node = g_hash_table_lookup(tree->by_object, obj);

    return node ? node_path(node) : NULL;
}

bool hd_tree_remove(HdTree *tree, const char *path, GError **errp)
{
    g_return_val_if_fail(tree && path, false);
    TreeNode *node = find_node(tree, path, errp);

    if (!node) {
        return false;
    }
    if (node->fixed) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "'%s' is one of the fixed roots of the object tree and cannot be removed",
                    path);
        return false;
    }
    g_ptr_array_remove(node->parent->children, node);
    node_free(tree, node);
    return true;
}

static const char *object_type_string(GObject *obj)
{
    return HD_IS_CONTAINER(obj) ? "container" : hd_type_name(G_OBJECT_TYPE(obj));
}

static HdTreeEntry *entry_new(const char *name, char *type)
{
    HdTreeEntry *entry = g_new0(HdTreeEntry, 1);

    entry->name = g_strdup(name);
    entry->type = type;
    return entry;
}

static gint compare_pspec_names(gconstpointer a, gconstpointer b)
{
    return strcmp((*(GParamSpec *const *)a)->name, (*(GParamSpec *const *)b)->name);
}

GPtrArray *hd_tree_list(HdTree *tree, const char *path, GError **errp)
{
    g_return_val_if_fail(tree && path, NULL);
    TreeNode *node = find_node(tree, path, errp);
    g_autofree GParamSpec **pspecs = NULL;
    GPtrArray *list;
    guint n;

    if (!node) {
        return NULL;
    }
    list = g_ptr_array_new_with_free_func((GDestroyNotify)hd_tree_entry_free);
    g_ptr_array_add(list, entry_new("type", g_strdup("string")));
    for (guint i = 0; i < node->children->len; i++) {
        TreeNode *child = node->children->pdata[i];

        g_ptr_array_add(
            list,
            entry_new(child->name, g_strdup_printf("child<%s>", object_type_string(child->obj))));
    }
    pspecs = g_object_class_list_properties(G_OBJECT_GET_CLASS(node->obj), &n);
    if (n > 0) {
        qsort(pspecs, n, sizeof(*pspecs), compare_pspec_names);
    }
    for (guint i = 0; i < n; i++) {
        if (pspecs[i]->flags & G_PARAM_READABLE) {
            g_ptr_array_add(
                list, entry_new(pspecs[i]->name, g_strdup(hd_param_spec_type_name(pspecs[i]))));
        }
    }
    return list;
}
