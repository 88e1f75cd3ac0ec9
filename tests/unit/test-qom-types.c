/*
 * Unit tests for the type registry, help text, devices, buses and user objects.
 * Dummy devices record realize/unrealize/reset calls in a log so the order can be checked;
 * one can be told to fail realize with or without a GError.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/device.h"
#include "qom/help.h"
#include "qom/object.h"
#include "qom/props.h"
#include "qom/user-object.h"

#include <string.h>

static GString *event_log;

static void log_event(HdDevice *dev, const char *what)
{
    g_string_append_printf(event_log, "%s:%s ", what, hd_device_get_id(dev));
}

/* ---- a PCI device that logs, and can fail realize ---- */

#define TEST_TYPE_PCIDEV (test_pcidev_get_type())
G_DECLARE_FINAL_TYPE(TestPciDev, test_pcidev, TEST, PCIDEV, HdDevice)

struct _TestPciDev {
    HdDevice parent_instance;
    int fail; /* 0: succeed, 1: fail with an error, 2: fail without one */
};

G_DEFINE_FINAL_TYPE(TestPciDev, test_pcidev, HD_TYPE_DEVICE)

static bool test_pcidev_realize(HdDevice *dev, GError **errp)
{
    TestPciDev *self = TEST_PCIDEV(dev);

    log_event(dev, "realize");
    if (self->fail == 1) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "test-pcidev '%s': no such host device", hd_device_get_id(dev));
        return false;
    }
    return self->fail == 0;
}

static void test_pcidev_unrealize(HdDevice *dev)
{
    log_event(dev, "unrealize");
}

static void test_pcidev_reset(HdDevice *dev)
{
    log_event(dev, "reset");
}

static void test_pcidev_set_property(GObject *obj, guint id, const GValue *v, GParamSpec *pspec)
{
    if (id == 1) {
        TEST_PCIDEV(obj)->fail = g_value_get_int(v);
    } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
    }
}

static void test_pcidev_get_property(GObject *obj, guint id, GValue *v, GParamSpec *pspec)
{
    if (id == 1) {
        g_value_set_int(v, TEST_PCIDEV(obj)->fail);
    } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
    }
}

static void test_pcidev_class_init(TestPciDevClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);

    oc->set_property = test_pcidev_set_property;
    oc->get_property = test_pcidev_get_property;
    dc->description = "test PCI device";
    dc->bus_type = "PCI";
    dc->user_creatable = true;
    dc->realize = test_pcidev_realize;
    dc->unrealize = test_pcidev_unrealize;
    dc->reset = test_pcidev_reset;
    g_object_class_install_property(oc, 1,
                                    g_param_spec_int("fail", NULL,
                                                     "make realize fail (1: error, 2: no error)", 0,
                                                     2, 0, G_PARAM_READWRITE));
}

static void test_pcidev_init(TestPciDev *self)
{
    (void)self;
}

/* ---- a bridge: a System device providing a PCI bus ---- */

#define TEST_TYPE_BRIDGE (test_bridge_get_type())
G_DECLARE_FINAL_TYPE(TestBridge, test_bridge, TEST, BRIDGE, HdDevice)

struct _TestBridge {
    HdDevice parent_instance;
};

G_DEFINE_FINAL_TYPE(TestBridge, test_bridge, HD_TYPE_DEVICE)

static void test_bridge_class_init(TestBridgeClass *klass)
{
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);

    dc->description = "test host bridge";
    dc->bus_type = "System";
    dc->user_creatable = true;
    dc->unrealize = test_pcidev_unrealize;
    dc->reset = test_pcidev_reset;
}

static void test_bridge_init(TestBridge *self)
{
    (void)self;
}

/* ---- devices for the help text: no bus, and not user-creatable ---- */

#define TEST_TYPE_LOOSE (test_loose_get_type())
G_DECLARE_FINAL_TYPE(TestLoose, test_loose, TEST, LOOSE, HdDevice)

struct _TestLoose {
    HdDevice parent_instance;
};

G_DEFINE_FINAL_TYPE(TestLoose, test_loose, HD_TYPE_DEVICE)

static void test_loose_class_init(TestLooseClass *klass)
{
    HD_DEVICE_CLASS(klass)->user_creatable = true;
}

static void test_loose_init(TestLoose *self)
{
    (void)self;
}

#define TEST_TYPE_HIDDEN (test_hidden_get_type())
G_DECLARE_FINAL_TYPE(TestHidden, test_hidden, TEST, HIDDEN, HdDevice)

struct _TestHidden {
    HdDevice parent_instance;
};

G_DEFINE_FINAL_TYPE(TestHidden, test_hidden, HD_TYPE_DEVICE)

static void test_hidden_class_init(TestHiddenClass *klass)
{
    HD_DEVICE_CLASS(klass)->description = "machine part";
    HD_DEVICE_CLASS(klass)->bus_type = "PCI";
}

static void test_hidden_init(TestHidden *self)
{
    (void)self;
}

/* ---- a bus whose plug hook refuses devices with id "refused" ---- */

#define TEST_TYPE_PICKY_BUS (test_picky_bus_get_type())
G_DECLARE_FINAL_TYPE(TestPickyBus, test_picky_bus, TEST, PICKY_BUS, HdBus)

struct _TestPickyBus {
    HdBus parent_instance;
    int unplugs;
};

G_DEFINE_FINAL_TYPE(TestPickyBus, test_picky_bus, HD_TYPE_BUS)

static bool test_picky_bus_plug(HdBus *bus, HdDevice *dev, GError **errp)
{
    (void)bus;
    if (g_strcmp0(hd_device_get_id(dev), "refused") == 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "no free slot");
        return false;
    }
    return true;
}

static void test_picky_bus_unplug(HdBus *bus, HdDevice *dev)
{
    (void)dev;
    TEST_PICKY_BUS(bus)->unplugs++;
}

static void test_picky_bus_class_init(TestPickyBusClass *klass)
{
    HD_BUS_CLASS(klass)->plug = test_picky_bus_plug;
    HD_BUS_CLASS(klass)->unplug = test_picky_bus_unplug;
}

static void test_picky_bus_init(TestPickyBus *self)
{
    (void)self;
}

/* ---- a user object whose complete() fails when told to ---- */

#define TEST_TYPE_BACKEND (test_backend_get_type())
G_DECLARE_FINAL_TYPE(TestBackend, test_backend, TEST, BACKEND, HdUserObject)

struct _TestBackend {
    HdUserObject parent_instance;
    int completes;
};

G_DEFINE_FINAL_TYPE(TestBackend, test_backend, HD_TYPE_USER_OBJECT)

static bool test_backend_complete(HdUserObject *obj, GError **errp)
{
    TestBackend *self = TEST_BACKEND(obj);

    self->completes++;
    if (g_strcmp0(hd_user_object_get_id(obj), "broken") == 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "test-backend 'broken': cannot open");
        return false;
    }
    return g_strcmp0(hd_user_object_get_id(obj), "silent") != 0;
}

static void test_backend_class_init(TestBackendClass *klass)
{
    HD_USER_OBJECT_CLASS(klass)->description = "test backend";
    HD_USER_OBJECT_CLASS(klass)->complete = test_backend_complete;
}

static void test_backend_init(TestBackend *self)
{
    (void)self;
}

/* ---- helpers ---- */

static HdDevice *new_pcidev(const char *id, int fail)
{
    return g_object_new(TEST_TYPE_PCIDEV, "id", id, "fail", fail, NULL);
}

static void assert_log(const char *expect)
{
    g_assert_cmpstr(event_log->str, ==, expect);
    g_string_truncate(event_log, 0);
}

/* ---- registry and help ---- */

static void test_registry(void)
{
    const HdTypeInfo *info = hd_type_lookup("test-pcidev");
    g_autoptr(GPtrArray) all = hd_type_list(HD_TYPE_CATEGORY_ANY);
    g_autoptr(GPtrArray) objects = hd_type_list(HD_TYPE_CATEGORY_OBJECT);
    static const char *const names[] = {"test-backend", "test-bridge", "test-hidden", "test-loose",
                                        "test-pcidev"};

    g_assert_nonnull(info);
    g_assert_cmpstr(info->name, ==, "test-pcidev");
    g_assert_true(info->gtype == TEST_TYPE_PCIDEV);
    g_assert_cmpint(info->category, ==, HD_TYPE_CATEGORY_DEVICE);
    g_assert_cmpstr(info->description, ==, "test PCI device");
    g_assert_true(hd_type_lookup_gtype(TEST_TYPE_PCIDEV) == info);
    g_assert_cmpstr(hd_type_name(TEST_TYPE_PCIDEV), ==, "test-pcidev");
    g_assert_cmpstr(hd_type_name(TEST_TYPE_PICKY_BUS), ==, "TestPickyBus");
    g_assert_null(hd_type_lookup("nope"));
    g_assert_null(hd_type_lookup_gtype(TEST_TYPE_PICKY_BUS));
    g_assert_cmpstr(hd_type_lookup("test-loose")->description, ==, "");

    g_assert_cmpuint(all->len, ==, G_N_ELEMENTS(names));
    for (guint i = 0; i < all->len; i++) {
        g_assert_cmpstr(((HdTypeInfo *)all->pdata[i])->name, ==, names[i]);
    }
    g_assert_cmpuint(objects->len, ==, 1);
    g_assert_cmpint(((HdTypeInfo *)objects->pdata[0])->category, ==, HD_TYPE_CATEGORY_OBJECT);

    /* The same pair again is fine; a clash is a programming error. */
    g_assert_true(hd_type_register("test-pcidev", TEST_TYPE_PCIDEV));
    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*clashes*");
    g_assert_false(hd_type_register("test-pcidev", TEST_TYPE_BRIDGE));
    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*clashes*");
    g_assert_false(hd_type_register("other-name", TEST_TYPE_PCIDEV));
    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*neither*");
    g_assert_false(hd_type_register("picky", TEST_TYPE_PICKY_BUS));
    g_test_assert_expected_messages();
    g_assert_cmpstr(hd_type_lookup("test-pcidev")->name, ==, "test-pcidev");
}

static void test_help_lists(void)
{
    g_autofree char *devices = hd_help_device_list();
    g_autofree char *objects = hd_help_object_list();

    g_assert_cmpstr(devices, ==,
                    "PCI devices:\n"
                    "name \"test-pcidev\", bus PCI, desc \"test PCI device\"\n"
                    "\n"
                    "System devices:\n"
                    "name \"test-bridge\", bus System, desc \"test host bridge\"\n"
                    "\n"
                    "Devices without a bus:\n"
                    "name \"test-loose\"\n");
    g_assert_cmpstr(objects, ==,
                    "List of user creatable objects:\n"
                    "  name \"test-backend\", desc \"test backend\"\n");
}

static void test_help_properties(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *pcidev = hd_help_type_properties("test-pcidev", &err);
    g_autofree char *bridge = hd_help_type_properties("test-bridge", &err);
    g_autofree char *none = NULL;

    g_assert_no_error(err);
    g_assert_cmpstr(
        pcidev, ==,
        "test-pcidev options:\n"
        "  fail=<int32>             - make realize fail (1: error, 2: no error) (default: 0)\n");
    g_assert_cmpstr(bridge, ==, "There are no options for test-bridge.\n");
    none = hd_help_type_properties("nope", &err);
    g_assert_null(none);
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND);
}

static void test_help_for_opts(void)
{
    g_autoptr(HdOpts) list = hd_opts_parse("help", "driver", NULL);
    g_autoptr(HdOpts) props = hd_opts_parse("test-pcidev,help", "driver", NULL);
    g_autoptr(HdOpts) objs = hd_opts_parse("?", "qom-type", NULL);
    g_autoptr(HdOpts) wrong = hd_opts_parse("test-pcidev,help", "qom-type", NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *a = hd_help_for_opts(list, HD_TYPE_CATEGORY_DEVICE, &err);
    g_autofree char *b = hd_help_for_opts(props, HD_TYPE_CATEGORY_DEVICE, &err);
    g_autofree char *c = hd_help_for_opts(objs, HD_TYPE_CATEGORY_OBJECT, &err);
    g_autofree char *d = NULL;

    g_assert_no_error(err);
    g_assert_true(g_str_has_prefix(a, "PCI devices:\n"));
    g_assert_true(g_str_has_prefix(b, "test-pcidev options:\n"));
    g_assert_true(g_str_has_prefix(c, "List of user creatable objects:\n"));
    d = hd_help_for_opts(wrong, HD_TYPE_CATEGORY_OBJECT, &err);
    g_assert_null(d);
    g_assert_cmpstr(err->message, ==,
                    "'test-pcidev' is not a known object type; see -object help for the list");
}

/* ---- realize, unrealize, reset ---- */

static void test_realize(void)
{
    g_autoptr(HdDevice) dev = new_pcidev("d0", 0);
    g_autoptr(GError) err = NULL;

    g_assert_false(hd_device_is_realized(dev));
    g_assert_true(hd_device_realize(dev, &err));
    g_assert_no_error(err);
    g_assert_true(hd_device_is_realized(dev));
    g_assert_true(hd_device_realize(dev, &err)); /* already: no second call */
    hd_device_reset(dev);
    hd_device_unrealize(dev);
    hd_device_unrealize(dev); /* already: no second call */
    g_assert_false(hd_device_is_realized(dev));
    hd_device_reset(dev); /* unrealized: not reset */
    assert_log("realize:d0 reset:d0 unrealize:d0 ");
}

static void test_realize_fails(void)
{
    g_autoptr(HdDevice) with_error = new_pcidev("d1", 1);
    g_autoptr(HdDevice) without = new_pcidev("d2", 2);
    g_autoptr(GError) err = NULL;
    gboolean realized = TRUE;

    g_assert_false(hd_device_realize(with_error, &err));
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_FAILED);
    g_assert_cmpstr(err->message, ==, "test-pcidev 'd1': no such host device");
    g_assert_false(hd_device_is_realized(with_error));
    g_object_get(with_error, "realized", &realized, NULL);
    g_assert_false(realized);
    g_clear_error(&err);

    g_assert_false(hd_device_realize(without, &err));
    g_assert_cmpstr(err->message, ==, "test-pcidev 'd2': realize failed without saying why");
    g_clear_error(&err);
    g_assert_false(hd_device_realize(without, NULL));
    assert_log("realize:d1 realize:d2 realize:d2 ");
}

static void test_bus_tree_order(void)
{
    g_autoptr(HdBus) sysbus = hd_bus_new("main-system-bus", "System");
    g_autoptr(HdDevice) bridge = g_object_new(TEST_TYPE_BRIDGE, "id", "br", NULL);
    g_autoptr(HdBus) pci = hd_bus_new("pci.0", "PCI");
    g_autoptr(HdDevice) a = new_pcidev("a", 0);
    g_autoptr(HdDevice) b = new_pcidev("b", 0);
    g_autoptr(GError) err = NULL;

    g_assert_true(hd_device_plug(bridge, &err));
    g_assert_true(hd_device_get_parent_bus(bridge) == sysbus);
    hd_bus_set_owner(pci, bridge);
    g_assert_true(hd_bus_get_owner(pci) == bridge);
    g_assert_cmpuint(hd_device_get_child_buses(bridge)->len, ==, 1);
    g_assert_cmpstr(hd_bus_get_name(pci), ==, "pci.0");
    g_assert_cmpstr(hd_bus_get_bus_type(pci), ==, "PCI");
    g_assert_true(hd_bus_find("pci.0") == pci);
    g_assert_true(hd_bus_find_by_type("PCI") == pci);
    g_assert_null(hd_bus_find("pci.9"));

    g_assert_true(hd_device_realize(bridge, &err));
    g_object_set(a, "bus", "pci.0", NULL);
    g_assert_true(hd_device_plug(a, &err));
    g_assert_true(hd_device_plug(b, &err)); /* first PCI bus */
    g_assert_no_error(err);
    g_assert_true(hd_device_get_parent_bus(b) == pci);
    g_assert_cmpuint(hd_bus_get_children(pci)->len, ==, 2);
    g_assert_true(hd_device_realize(a, &err));
    g_assert_true(hd_device_realize(b, &err));
    assert_log("realize:a realize:b ");

    hd_bus_reset(sysbus);
    assert_log("reset:a reset:b reset:br ");
    hd_device_unrealize(bridge);
    assert_log("unrealize:b unrealize:a unrealize:br ");
    g_assert_false(hd_device_is_realized(a));

    hd_device_unplug(b);
    g_assert_null(hd_device_get_parent_bus(b));
    g_assert_cmpuint(hd_bus_get_children(pci)->len, ==, 1);
    hd_device_unplug(b); /* not plugged: no-op */
}

static void test_plug_errors(void)
{
    g_autoptr(HdBus) sys = hd_bus_new("sys", "System");
    g_autoptr(HdBus) picky =
        g_object_new(TEST_TYPE_PICKY_BUS, "name", "picky", "bus-type", "PCI", NULL);
    g_autoptr(HdDevice) loose = g_object_new(TEST_TYPE_LOOSE, "bus", "sys", NULL);
    g_autoptr(HdDevice) d = new_pcidev("d", 0);
    g_autoptr(HdDevice) refused = new_pcidev("refused", 0);
    g_autoptr(HdDevice) ok = new_pcidev("ok", 0);
    g_autoptr(HdDevice) plain = g_object_new(TEST_TYPE_LOOSE, NULL);
    g_autoptr(GError) err = NULL;

    g_assert_false(hd_device_plug(loose, &err));
    g_assert_cmpstr(err->message, ==,
                    "test-loose: this device does not plug into a bus; remove bus=sys");
    g_clear_error(&err);
    g_assert_true(hd_device_plug(plain, &err));
    g_assert_null(hd_device_get_parent_bus(plain));
    g_assert_false(hd_bus_attach(sys, plain, &err));
    g_assert_cmpstr(err->message, ==,
                    "test-loose: this device does not plug into a bus, not even 'sys'");
    g_clear_error(&err);

    g_object_set(d, "bus", "nowhere", NULL);
    g_assert_false(hd_device_plug(d, &err));
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND);
    g_assert_cmpstr(
        err->message, ==,
        "test-pcidev 'd': bus 'nowhere' not found; give the name of an existing PCI bus");
    g_clear_error(&err);

    g_object_set(d, "bus", "sys", NULL);
    g_assert_false(hd_device_plug(d, &err));
    g_assert_cmpstr(err->message, ==,
                    "test-pcidev 'd': bus 'sys' is a System bus, but this device needs a PCI bus");
    g_clear_error(&err);

    g_assert_false(hd_bus_attach(picky, refused, &err));
    g_assert_cmpstr(err->message, ==, "no free slot");
    g_assert_null(hd_device_get_parent_bus(refused));
    g_clear_error(&err);

    g_assert_true(hd_bus_attach(picky, ok, &err));
    g_assert_false(hd_bus_attach(picky, ok, &err));
    g_assert_cmpstr(err->message, ==,
                    "test-pcidev 'ok': already plugged into bus 'picky'; unplug it first");
    g_clear_error(&err);
    hd_device_unplug(ok);
    g_assert_cmpint(TEST_PICKY_BUS(picky)->unplugs, ==, 1);
}

static void test_no_bus_of_type(void)
{
    g_autoptr(HdDevice) d = new_pcidev("d", 0);
    g_autoptr(GError) err = NULL;

    g_assert_null(hd_bus_find_by_type("PCI"));
    g_assert_false(hd_device_plug(d, &err));
    g_assert_cmpstr(err->message, ==,
                    "test-pcidev 'd': no PCI bus to plug into; this machine provides none");
}

static void test_dispose_releases(void)
{
    HdDevice *bridge = g_object_new(TEST_TYPE_BRIDGE, "id", "br", NULL);
    HdBus *pci = hd_bus_new("pci.1", "PCI");
    HdDevice *a = new_pcidev("a", 0);
    HdDevice *kept = new_pcidev("kept", 0);

    hd_bus_set_owner(pci, bridge);
    g_object_unref(pci); /* the bridge keeps it */
    g_assert_true(hd_bus_attach(pci, a, NULL));
    g_assert_true(hd_bus_attach(pci, kept, NULL));
    g_object_unref(a); /* the bus keeps it */
    g_assert_true(hd_device_realize(bridge, NULL));
    g_assert_true(hd_device_realize(a, NULL));
    g_assert_true(hd_device_realize(kept, NULL));
    g_object_add_weak_pointer(G_OBJECT(a), (gpointer *)&a);
    g_object_add_weak_pointer(G_OBJECT(pci), (gpointer *)&pci);
    assert_log("realize:a realize:kept ");

    /* Dropping the bridge unrealizes what sits below it and frees the bus and its devices. */
    g_object_unref(bridge);
    g_assert_null(a);
    g_assert_null(pci);
    g_assert_false(hd_device_is_realized(kept));
    g_assert_null(hd_device_get_parent_bus(kept));
    g_assert_null(hd_bus_find("pci.1"));
    assert_log("unrealize:kept unrealize:a unrealize:br ");
    g_object_unref(kept);
}

/* ---- user objects ---- */

static void test_user_object(void)
{
    g_autoptr(TestBackend) good = g_object_new(TEST_TYPE_BACKEND, "id", "be0", NULL);
    g_autoptr(TestBackend) bad = g_object_new(TEST_TYPE_BACKEND, "id", "broken", NULL);
    g_autoptr(TestBackend) silent = g_object_new(TEST_TYPE_BACKEND, "id", "silent", NULL);
    g_autoptr(GError) err = NULL;

    g_assert_cmpstr(hd_user_object_get_id(HD_USER_OBJECT(good)), ==, "be0");
    g_assert_true(hd_user_object_complete(HD_USER_OBJECT(good), &err));
    g_assert_true(hd_user_object_complete(HD_USER_OBJECT(good), &err));
    g_assert_cmpint(good->completes, ==, 1);
    g_assert_true(hd_user_object_is_complete(HD_USER_OBJECT(good)));

    g_assert_false(hd_user_object_complete(HD_USER_OBJECT(bad), &err));
    g_assert_cmpstr(err->message, ==, "test-backend 'broken': cannot open");
    g_assert_false(hd_user_object_is_complete(HD_USER_OBJECT(bad)));
    g_clear_error(&err);

    g_assert_false(hd_user_object_complete(HD_USER_OBJECT(silent), &err));
    g_assert_cmpstr(err->message, ==, "test-backend 'silent': set-up failed without saying why");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    event_log = g_string_new(NULL);
    g_assert_true(hd_type_register("test-pcidev", TEST_TYPE_PCIDEV));
    g_assert_true(hd_type_register("test-bridge", TEST_TYPE_BRIDGE));
    g_assert_true(hd_type_register("test-loose", TEST_TYPE_LOOSE));
    g_assert_true(hd_type_register("test-hidden", TEST_TYPE_HIDDEN));
    g_assert_true(hd_type_register("test-backend", TEST_TYPE_BACKEND));

    g_test_add_func("/qom-types/registry", test_registry);
    g_test_add_func("/qom-types/help-lists", test_help_lists);
    g_test_add_func("/qom-types/help-properties", test_help_properties);
    g_test_add_func("/qom-types/help-for-opts", test_help_for_opts);
    g_test_add_func("/qom-types/realize", test_realize);
    g_test_add_func("/qom-types/realize-fails", test_realize_fails);
    g_test_add_func("/qom-types/bus-tree-order", test_bus_tree_order);
    g_test_add_func("/qom-types/plug-errors", test_plug_errors);
    g_test_add_func("/qom-types/no-bus-of-type", test_no_bus_of_type);
    g_test_add_func("/qom-types/dispose-releases", test_dispose_releases);
    g_test_add_func("/qom-types/user-object", test_user_object);

    int rc = g_test_run();

    g_string_free(event_log, TRUE);
    return rc;
}
