/*
 * Unit tests for the composition tree (qom/tree.c): fixed roots, user devices with and without
 * ids, user objects, path resolution (full and partial), qom-list entries and removal.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/device.h"
#include "qom/object.h"
#include "qom/tree.h"
#include "qom/user-object.h"

#define TEST_TYPE_NIC (test_nic_get_type())
G_DECLARE_FINAL_TYPE(TestNic, test_nic, TEST, NIC, HdDevice)

struct _TestNic {
    HdDevice parent_instance;
    guint queues;
};

G_DEFINE_FINAL_TYPE(TestNic, test_nic, HD_TYPE_DEVICE)

static void test_nic_set_property(GObject *obj, guint id, const GValue *v, GParamSpec *pspec)
{
    if (id == 1) {
        TEST_NIC(obj)->queues = g_value_get_uint(v);
    } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
    }
}

static void test_nic_get_property(GObject *obj, guint id, GValue *v, GParamSpec *pspec)
{
    if (id == 1) {
        g_value_set_uint(v, TEST_NIC(obj)->queues);
    } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
    }
}

static void test_nic_class_init(TestNicClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);

    oc->set_property = test_nic_set_property;
    oc->get_property = test_nic_get_property;
    HD_DEVICE_CLASS(klass)->user_creatable = true;
    g_object_class_install_property(
        oc, 1, g_param_spec_uint("queues", NULL, NULL, 1, 8, 1, G_PARAM_READWRITE));
}

static void test_nic_init(TestNic *self)
{
    self->queues = 1;
}

#define TEST_TYPE_BACKEND (test_backend_get_type())
G_DECLARE_FINAL_TYPE(TestBackend, test_backend, TEST, BACKEND, HdUserObject)

struct _TestBackend {
    HdUserObject parent_instance;
};

G_DEFINE_FINAL_TYPE(TestBackend, test_backend, HD_TYPE_USER_OBJECT)

static void test_backend_class_init(TestBackendClass *klass)
{
    (void)klass;
}

static void test_backend_init(TestBackend *self)
{
    (void)self;
}

static HdDevice *new_nic(const char *id)
{
    return g_object_new(TEST_TYPE_NIC, "id", id, NULL);
}

/* The qom-list entries of @path as "name:type name:type ...". */
static char *list_text(HdTree *tree, const char *path)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) list = hd_tree_list(tree, path, &err);
    GString *out = g_string_new(NULL);

    g_assert_no_error(err);
    for (guint i = 0; i < list->len; i++) {
        HdTreeEntry *e = list->pdata[i];

        g_string_append_printf(out, "%s%s:%s", i ? " " : "", e->name, e->type);
    }
    return g_string_free(out, FALSE);
}

static void test_roots(void)
{
    g_autoptr(HdTree) tree = hd_tree_new();
    g_autofree char *root = list_text(tree, "/");
    g_autofree char *machine = list_text(tree, "/machine");
    g_autoptr(GError) err = NULL;

    g_assert_cmpstr(root, ==, "type:string machine:child<container> objects:child<container>");
    g_assert_cmpstr(
        machine, ==,
        "type:string peripheral:child<container> peripheral-anon:child<container> unattached:child<container>");
    g_assert_nonnull(hd_tree_resolve(tree, "/machine/peripheral", &err));
    g_assert_false(hd_tree_remove(tree, "/machine/peripheral", &err));
    g_assert_cmpstr(
        err->message, ==,
        "'/machine/peripheral' is one of the fixed roots of the object tree and cannot be removed");
}

static void test_devices(void)
{
    g_autoptr(HdTree) tree = hd_tree_new();
    g_autoptr(HdDevice) named = new_nic("net0");
    g_autoptr(HdDevice) anon0 = new_nic(NULL);
    g_autoptr(HdDevice) anon1 = new_nic(NULL);
    g_autoptr(HdDevice) anon2 = new_nic(NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *p0 = hd_tree_add_device(tree, named, &err);
    g_autofree char *p1 = hd_tree_add_device(tree, anon0, &err);
    g_autofree char *p2 = hd_tree_add_device(tree, anon1, &err);
    g_autofree char *p3 = NULL;
    g_autofree char *path = NULL;
    g_autofree char *anon = NULL;
    g_autofree char *dev = NULL;

    g_assert_no_error(err);
    g_assert_cmpstr(p0, ==, "/machine/peripheral/net0");
    g_assert_cmpstr(p1, ==, "/machine/peripheral-anon/device[0]");
    g_assert_cmpstr(p2, ==, "/machine/peripheral-anon/device[1]");
    g_assert_true(hd_tree_resolve(tree, p0, &err) == G_OBJECT(named));
    g_assert_true(hd_tree_resolve(tree, "/machine/peripheral-anon/device[1]", &err) ==
                  G_OBJECT(anon1));
    path = hd_tree_get_path(tree, G_OBJECT(anon0));
    g_assert_cmpstr(path, ==, p1);
    g_assert_true(hd_tree_find_device(tree, "net0", &err) == named);
    g_assert_true(hd_tree_find_device(tree, p1, &err) == anon0);
    g_assert_no_error(err);

    /* Numbers are not reused after removal. */
    g_assert_true(hd_tree_remove(tree, p2, &err));
    g_assert_null(hd_tree_get_path(tree, G_OBJECT(anon1)));
    p3 = hd_tree_add_device(tree, anon2, &err);
    g_assert_cmpstr(p3, ==, "/machine/peripheral-anon/device[2]");

    anon = list_text(tree, "/machine/peripheral-anon");
    g_assert_cmpstr(anon, ==, "type:string device[0]:child<test-nic> device[2]:child<test-nic>");
    dev = list_text(tree, "/machine/peripheral/net0");
    g_assert_cmpstr(dev, ==, "type:string bus:str id:str queues:uint32 realized:bool unplug-pending:bool");
}

static void test_duplicates(void)
{
    g_autoptr(HdTree) tree = hd_tree_new();
    g_autoptr(HdDevice) a = new_nic("net0");
    g_autoptr(HdDevice) b = new_nic("net0");
    g_autoptr(HdUserObject) o1 = g_object_new(TEST_TYPE_BACKEND, "id", "be", NULL);
    g_autoptr(HdUserObject) o2 = g_object_new(TEST_TYPE_BACKEND, "id", "be", NULL);
    g_autoptr(HdUserObject) noid = g_object_new(TEST_TYPE_BACKEND, NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *pa = hd_tree_add_device(tree, a, &err);
    g_autofree char *po = hd_tree_add_user_object(tree, o1, &err);
    g_autofree char *pb = NULL;
    g_autofree char *po2 = NULL;
    g_autofree char *again = NULL;
    g_autofree char *none = NULL;

    g_assert_no_error(err);
    g_assert_cmpstr(po, ==, "/objects/be");
    pb = hd_tree_add_device(tree, b, &err);
    g_assert_null(pb);
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE);
    g_assert_cmpstr(err->message, ==,
                    "duplicate ID 'net0' for device; every device needs its own id");
    g_clear_error(&err);

    po2 = hd_tree_add_user_object(tree, o2, &err);
    g_assert_null(po2);
    g_assert_cmpstr(err->message, ==,
                    "duplicate ID 'be' for object; every object needs its own id");
    g_clear_error(&err);

    again = hd_tree_add_device(tree, a, &err);
    g_assert_null(again);
    g_clear_error(&err);
    g_assert_false(hd_tree_add(tree, "/machine/unattached", "x", G_OBJECT(a), &err));
    g_assert_cmpstr(err->message, ==,
                    "'x' is already in the object tree at '/machine/peripheral/net0'");
    g_clear_error(&err);

    none = hd_tree_add_user_object(tree, noid, &err);
    g_assert_null(none);
    g_assert_cmpstr(err->message, ==,
                    "test-backend: an object needs an id to join /objects; give id=NAME");
}

static void test_generic_add(void)
{
    g_autoptr(HdTree) tree = hd_tree_new();
    g_autoptr(HdDevice) a = new_nic(NULL);
    g_autoptr(HdDevice) b = new_nic(NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *listing = NULL;

    g_assert_true(hd_tree_add_container(tree, "/machine", "q35", &err));
    g_assert_true(hd_tree_add(tree, "/machine/q35", "nic", G_OBJECT(a), &err));
    g_assert_no_error(err);
    listing = list_text(tree, "/machine/q35");
    g_assert_cmpstr(listing, ==, "type:string nic:child<test-nic>");

    g_assert_false(hd_tree_add(tree, "/machine/q35", "nic", G_OBJECT(b), &err));
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE);
    g_assert_cmpstr(err->message, ==,
                    "'/machine/q35' already has a child named 'nic'; pick another name");
    g_clear_error(&err);
    g_assert_false(hd_tree_add(tree, "/machine", "a/b", G_OBJECT(b), &err));
    g_assert_cmpstr(err->message, ==,
                    "invalid child name 'a/b': names are non-empty and contain no '/'");
    g_clear_error(&err);
    g_assert_false(hd_tree_add(tree, "/machine", "", G_OBJECT(b), &err));
    g_clear_error(&err);
    g_assert_false(hd_tree_add(tree, "/nowhere", "b", G_OBJECT(b), &err));
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND);
    g_clear_error(&err);

    /* Removing a container removes what is under it. */
    g_assert_true(hd_tree_remove(tree, "/machine/q35", &err));
    g_assert_null(hd_tree_get_path(tree, G_OBJECT(a)));
    g_assert_null(hd_tree_resolve(tree, "/machine/q35/nic", &err));
    g_assert_cmpstr(err->message, ==,
                    "no object at path '/machine/q35/nic'; qom-list shows what exists");
}

static void test_partial_paths(void)
{
    g_autoptr(HdTree) tree = hd_tree_new();
    g_autoptr(HdDevice) a = new_nic("dev0");
    g_autoptr(HdDevice) b = new_nic(NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *pa = hd_tree_add_device(tree, a, &err);

    g_assert_true(hd_tree_add(tree, "/machine/unattached", "dev0", G_OBJECT(b), &err));
    g_assert_true(hd_tree_resolve(tree, "peripheral/dev0", &err) == G_OBJECT(a));
    g_assert_true(hd_tree_resolve(tree, "/machine//peripheral/dev0/", &err) == G_OBJECT(a));
    g_assert_no_error(err);
    g_assert_null(hd_tree_resolve(tree, "dev0", &err));
    g_assert_cmpstr(err->message, ==,
                    "partial path 'dev0' is ambiguous (2 matches); give a full path");
    g_clear_error(&err);
    g_assert_null(hd_tree_resolve(tree, "nothing", &err));
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND);
    g_clear_error(&err);
    g_assert_null(hd_tree_resolve(tree, "", &err));
    g_clear_error(&err);

    g_assert_null(hd_tree_find_device(tree, "nothing", &err));
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND);
    g_assert_cmpstr(
        err->message, ==,
        "Device 'nothing' not found; give the id of a device added with an id, or its QOM path");
    g_clear_error(&err);
    /* A path to something that is not a device. */
    g_assert_null(hd_tree_find_device(tree, "/machine", &err));
    g_clear_error(&err);
    g_assert_null(hd_tree_list(tree, "/nope", &err));
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND);
}

static void test_tree_holds_references(void)
{
    HdTree *tree = hd_tree_new();
    HdDevice *dev = new_nic("net0");
    g_autofree char *path = hd_tree_add_device(tree, dev, NULL);

    g_object_add_weak_pointer(G_OBJECT(dev), (gpointer *)&dev);
    g_object_unref(dev);
    g_assert_nonnull(dev); /* the tree still holds it */
    hd_tree_free(tree);
    g_assert_null(dev);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_true(hd_type_register("test-nic", TEST_TYPE_NIC));
    g_assert_true(hd_type_register("test-backend", TEST_TYPE_BACKEND));

    g_test_add_func("/qom-tree/roots", test_roots);
    g_test_add_func("/qom-tree/devices", test_devices);
    g_test_add_func("/qom-tree/duplicates", test_duplicates);
    g_test_add_func("/qom-tree/generic-add", test_generic_add);
    g_test_add_func("/qom-tree/partial-paths", test_partial_paths);
    g_test_add_func("/qom-tree/holds-references", test_tree_holds_references);
    return g_test_run();
}
