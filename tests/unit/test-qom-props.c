/*
 * Unit tests for property setting (qom/props.c, qom/props-value.c).
 * A dummy device with one property of every supported kind is set from text and JSON, created
 * from options, and described; every error path checks its message.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/device.h"
#include "qom/object.h"
#include "qom/opts.h"
#include "qom/props.h"
#include "qom/user-object.h"

/* ---- dummy types ---- */

typedef enum { TEST_MODE_AUTO, TEST_MODE_ON, TEST_MODE_OFF } TestMode;

static GType test_mode_get_type(void)
{
    static const GEnumValue values[] = {
        {TEST_MODE_AUTO, "TEST_MODE_AUTO", "auto"},
        {TEST_MODE_ON, "TEST_MODE_ON", "on"},
        {TEST_MODE_OFF, "TEST_MODE_OFF", "off"},
        {0, NULL, NULL},
    };
    static GType type;

    if (!type) {
        type = g_enum_register_static("HdTestMode", values);
    }
    return type;
}

#define TEST_TYPE_DEV (test_dev_get_type())
G_DECLARE_FINAL_TYPE(TestDev, test_dev, TEST, DEV, HdDevice)

struct _TestDev {
    HdDevice parent_instance;
    bool flag;
    guint count;
    gint level;
    gint64 offset;
    guint64 mask;
    guint64 mem;
    guchar small;
    gchar tiny;
    char *name;
    gint mode;
    guint slot;
};

G_DEFINE_FINAL_TYPE(TestDev, test_dev, HD_TYPE_DEVICE)

enum {
    PROP_0,
    PROP_FLAG,
    PROP_COUNT,
    PROP_LEVEL,
    PROP_OFFSET,
    PROP_MASK,
    PROP_MEM,
    PROP_SMALL,
    PROP_TINY,
    PROP_NAME,
    PROP_MODE,
    PROP_SLOT,
    PROP_STATE,
    N_PROPS,
};

static void test_dev_set_property(GObject *obj, guint id, const GValue *v, GParamSpec *pspec)
{
    TestDev *d = TEST_DEV(obj);

    switch (id) {
    case PROP_FLAG:
        d->flag = g_value_get_boolean(v);
        break;
    case PROP_COUNT:
        d->count = g_value_get_uint(v);
        break;
    case PROP_LEVEL:
        d->level = g_value_get_int(v);
        break;
    case PROP_OFFSET:
        d->offset = g_value_get_int64(v);
        break;
    case PROP_MASK:
        d->mask = g_value_get_uint64(v);
        break;
    case PROP_MEM:
        d->mem = g_value_get_uint64(v);
        break;
    case PROP_SMALL:
        d->small = g_value_get_uchar(v);
        break;
    case PROP_TINY:
        d->tiny = g_value_get_schar(v);
        break;
    case PROP_NAME:
        g_free(d->name);
        d->name = g_value_dup_string(v);
        break;
    case PROP_MODE:
        d->mode = g_value_get_enum(v);
        break;
    case PROP_SLOT:
        d->slot = g_value_get_uint(v);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
    }
}

static void test_dev_get_property(GObject *obj, guint id, GValue *v, GParamSpec *pspec)
{
    TestDev *d = TEST_DEV(obj);

    switch (id) {
    case PROP_FLAG:
        g_value_set_boolean(v, d->flag);
        break;
    case PROP_COUNT:
        g_value_set_uint(v, d->count);
        break;
    case PROP_LEVEL:
        g_value_set_int(v, d->level);
        break;
    case PROP_OFFSET:
        g_value_set_int64(v, d->offset);
        break;
    case PROP_MASK:
        g_value_set_uint64(v, d->mask);
        break;
    case PROP_MEM:
        g_value_set_uint64(v, d->mem);
        break;
    case PROP_SMALL:
        g_value_set_uchar(v, d->small);
        break;
    case PROP_TINY:
        g_value_set_schar(v, d->tiny);
        break;
    case PROP_NAME:
        g_value_set_string(v, d->name);
        break;
    case PROP_MODE:
        g_value_set_enum(v, d->mode);
        break;
    case PROP_SLOT:
        g_value_set_uint(v, d->slot);
        break;
    case PROP_STATE:
        g_value_set_string(v, "idle");
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
    }
}

static void test_dev_finalize(GObject *obj)
{
    g_free(TEST_DEV(obj)->name);
    G_OBJECT_CLASS(test_dev_parent_class)->finalize(obj);
}

static void test_dev_class_init(TestDevClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);
    const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
    GParamSpec *props[N_PROPS] = {NULL};

    oc->set_property = test_dev_set_property;
    oc->get_property = test_dev_get_property;
    oc->finalize = test_dev_finalize;
    dc->description = "test device";
    dc->user_creatable = true;

    props[PROP_FLAG] = g_param_spec_boolean("flag", NULL, "a flag", FALSE, rw);
    props[PROP_COUNT] = g_param_spec_uint("count", NULL, "a count", 0, 1000, 5, rw);
    props[PROP_LEVEL] = g_param_spec_int("level", NULL, "a level", -10, 10, 0, rw);
    props[PROP_OFFSET] = g_param_spec_int64("offset", NULL, NULL, G_MININT64, G_MAXINT64, 0, rw);
    props[PROP_MASK] = g_param_spec_uint64("mask", NULL, "a mask", 0, G_MAXUINT64, 0, rw);
    props[PROP_MEM] = hd_param_spec_size("mem", "memory size", 0, G_MAXUINT64, 1 << 20, rw);
    props[PROP_SMALL] = g_param_spec_uchar("small", NULL, NULL, 0, 255, 0, rw);
    props[PROP_TINY] = g_param_spec_char("tiny", NULL, NULL, -128, 127, 0, rw);
    props[PROP_NAME] = g_param_spec_string("name", NULL, "a name", NULL, rw);
    props[PROP_MODE] =
        g_param_spec_enum("mode", NULL, "a mode", test_mode_get_type(), TEST_MODE_AUTO, rw);
    props[PROP_SLOT] =
        g_param_spec_uint("slot", NULL, "a slot", 0, 31, 0, rw | G_PARAM_CONSTRUCT_ONLY);
    props[PROP_STATE] = g_param_spec_string("state", NULL, "the state", NULL,
                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(oc, N_PROPS, props);
}

static void test_dev_init(TestDev *d)
{
    d->count = 5;
    d->mem = 1 << 20;
}

/* A device the machine creates: not for -device. */
#define TEST_TYPE_INTERNAL (test_internal_get_type())
G_DECLARE_FINAL_TYPE(TestInternal, test_internal, TEST, INTERNAL, HdDevice)

struct _TestInternal {
    HdDevice parent_instance;
};

G_DEFINE_FINAL_TYPE(TestInternal, test_internal, HD_TYPE_DEVICE)

static void test_internal_class_init(TestInternalClass *klass)
{
    HD_DEVICE_CLASS(klass)->description = "internal device";
}

static void test_internal_init(TestInternal *self)
{
    (void)self;
}

#define TEST_TYPE_OBJ (test_obj_get_type())
G_DECLARE_FINAL_TYPE(TestObj, test_obj, TEST, OBJ, HdUserObject)

struct _TestObj {
    HdUserObject parent_instance;
    guint64 size;
};

G_DEFINE_FINAL_TYPE(TestObj, test_obj, HD_TYPE_USER_OBJECT)

static void test_obj_set_property(GObject *obj, guint id, const GValue *v, GParamSpec *pspec)
{
    if (id == 1) {
        TEST_OBJ(obj)->size = g_value_get_uint64(v);
    } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
    }
}

static void test_obj_get_property(GObject *obj, guint id, GValue *v, GParamSpec *pspec)
{
    if (id == 1) {
        g_value_set_uint64(v, TEST_OBJ(obj)->size);
    } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, pspec);
    }
}

static void test_obj_class_init(TestObjClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);

    oc->set_property = test_obj_set_property;
    oc->get_property = test_obj_get_property;
    HD_USER_OBJECT_CLASS(klass)->description = "test object";
    g_object_class_install_property(
        oc, 1, hd_param_spec_size("size", "size in bytes", 0, G_MAXUINT64, 0, G_PARAM_READWRITE));
}

static void test_obj_init(TestObj *self)
{
    (void)self;
}

/* ---- helpers ---- */

static TestDev *new_dev(const char *id)
{
    return g_object_new(TEST_TYPE_DEV, "id", id, NULL);
}

static void set_ok(TestDev *d, const char *name, const char *text)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(hd_object_set_property_str(G_OBJECT(d), name, text, &err));
    g_assert_no_error(err);
}

/* Setting @name to @text must fail with exactly @message. */
static void set_fails(TestDev *d, const char *name, const char *text, const char *message)
{
    g_autoptr(GError) err = NULL;

    g_assert_false(hd_object_set_property_str(G_OBJECT(d), name, text, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, message);
}

/* ---- tests ---- */

static void test_bool(void)
{
    g_autoptr(TestDev) d = new_dev("d0");
    static const char *const on[] = {"on", "yes", "true"};
    static const char *const off[] = {"off", "no", "false"};

    for (guint i = 0; i < G_N_ELEMENTS(on); i++) {
        set_ok(d, "flag", on[i]);
        g_assert_true(d->flag);
        set_ok(d, "flag", off[i]);
        g_assert_false(d->flag);
    }
    set_fails(d, "flag", "maybe", "test-dev 'd0': property 'flag' expects on or off, not 'maybe'");
    set_fails(d, "flag", "ON", "test-dev 'd0': property 'flag' expects on or off, not 'ON'");
}

static void test_unsigned(void)
{
    g_autoptr(TestDev) d = new_dev(NULL);
    const char *range = "test-dev: property 'count' expects an integer from 0 to 1000, not ";
    g_autofree char *neg = g_strconcat(range, "'-1'", NULL);
    g_autofree char *big = g_strconcat(range, "'1001'", NULL);
    g_autofree char *junk = g_strconcat(range, "'12abc'", NULL);
    g_autofree char *empty = g_strconcat(range, "''", NULL);

    set_ok(d, "count", "42");
    g_assert_cmpuint(d->count, ==, 42);
    set_ok(d, "count", "0x3e8");
    g_assert_cmpuint(d->count, ==, 1000);
    set_ok(d, "count", "0X1F");
    g_assert_cmpuint(d->count, ==, 31);
    set_ok(d, "count", "-0");
    g_assert_cmpuint(d->count, ==, 0);
    set_fails(d, "count", "-1", neg);
    set_fails(d, "count", "1001", big);
    set_fails(d, "count", "12abc", junk);
    set_fails(d, "count", "", empty);
    set_fails(d, "count", "0x",
              "test-dev: property 'count' expects an integer from 0 to 1000, not '0x'");
    set_fails(d, "count", "4k",
              "test-dev: property 'count' expects an integer from 0 to 1000, not '4k'");

    set_ok(d, "small", "255");
    g_assert_cmpuint(d->small, ==, 255);
    set_fails(d, "small", "256",
              "test-dev: property 'small' expects an integer from 0 to 255, not '256'");
}

static void test_signed(void)
{
    g_autoptr(TestDev) d = new_dev(NULL);

    set_ok(d, "level", "-10");
    g_assert_cmpint(d->level, ==, -10);
    set_ok(d, "level", "-0x5");
    g_assert_cmpint(d->level, ==, -5);
    set_ok(d, "level", "10");
    g_assert_cmpint(d->level, ==, 10);
    set_fails(d, "level", "-11",
              "test-dev: property 'level' expects an integer from -10 to 10, not '-11'");
    set_fails(d, "level", "11",
              "test-dev: property 'level' expects an integer from -10 to 10, not '11'");
    set_fails(d, "level", "--1",
              "test-dev: property 'level' expects an integer from -10 to 10, not '--1'");

    set_ok(d, "tiny", "-128");
    g_assert_cmpint(d->tiny, ==, -128);
    set_fails(d, "tiny", "128",
              "test-dev: property 'tiny' expects an integer from -128 to 127, not '128'");
}

static void test_64bit(void)
{
    g_autoptr(TestDev) d = new_dev(NULL);
    g_autoptr(GError) err = NULL;

    set_ok(d, "offset", "-9223372036854775808");
    g_assert_cmpint(d->offset, ==, G_MININT64);
    set_ok(d, "offset", "9223372036854775807");
    g_assert_cmpint(d->offset, ==, G_MAXINT64);
    set_ok(d, "offset", "-0x10");
    g_assert_cmpint(d->offset, ==, -16);
    set_fails(
        d, "offset", "9223372036854775808",
        "test-dev: property 'offset' expects an integer from -9223372036854775808 to 9223372036854775807, not '9223372036854775808'");
    g_assert_false(hd_object_set_property_str(G_OBJECT(d), "offset", "-9223372036854775809", &err));
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_FAILED);

    set_ok(d, "mask", "18446744073709551615");
    g_assert_cmpuint(d->mask, ==, G_MAXUINT64);
    set_ok(d, "mask", "0xfedcba9876543210");
    g_assert_cmpuint(d->mask, ==, 0xfedcba9876543210ULL);
    set_fails(
        d, "mask", "18446744073709551616",
        "test-dev: property 'mask' expects an integer from 0 to 18446744073709551615, not '18446744073709551616'");
    set_fails(
        d, "mask", "0x10000000000000000",
        "test-dev: property 'mask' expects an integer from 0 to 18446744073709551615, not '0x10000000000000000'");
    set_fails(
        d, "mask", "-1",
        "test-dev: property 'mask' expects an integer from 0 to 18446744073709551615, not '-1'");
}

static void test_size(void)
{
    g_autoptr(TestDev) d = new_dev("d0");
    static const struct {
        const char *text;
        guint64 value;
    } good[] = {
        {"4096", 4096},     {"4k", 4096},       {"4K", 4096},       {"2M", 2ULL << 20},
        {"1G", 1ULL << 30}, {"3T", 3ULL << 40}, {"1P", 1ULL << 50}, {"15E", 15ULL << 60},
        {"0x1000", 4096},   {"0", 0},
    };
    static const char *const bad[] = {"16E", "1X", "1KB", "K", "1.5G", "-1M", ""};

    for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
        set_ok(d, "mem", good[i].text);
        g_assert_cmpuint(d->mem, ==, good[i].value);
    }
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *msg = g_strdup_printf(
            "test-dev 'd0': property 'mem' expects a size from 0 to 18446744073709551615 bytes (suffix K, M, G, T, P or E allowed), not '%s'",
            bad[i]);

        set_fails(d, "mem", bad[i], msg);
    }
    g_assert_true(
        hd_param_spec_is_size(g_object_class_find_property(G_OBJECT_GET_CLASS(d), "mem")));
    g_assert_false(
        hd_param_spec_is_size(g_object_class_find_property(G_OBJECT_GET_CLASS(d), "mask")));
}

static void test_string_and_enum(void)
{
    g_autoptr(TestDev) d = new_dev("d0");

    set_ok(d, "name", "a,b=c");
    g_assert_cmpstr(d->name, ==, "a,b=c");
    set_ok(d, "name", "");
    g_assert_cmpstr(d->name, ==, "");
    set_ok(d, "mode", "off");
    g_assert_cmpint(d->mode, ==, TEST_MODE_OFF);
    set_ok(d, "mode", "auto");
    g_assert_cmpint(d->mode, ==, TEST_MODE_AUTO);
    set_fails(d, "mode", "bogus",
              "test-dev 'd0': property 'mode' expects one of auto, on, off, not 'bogus'");
    set_fails(d, "mode", "TEST_MODE_ON",
              "test-dev 'd0': property 'mode' expects one of auto, on, off, not 'TEST_MODE_ON'");
}

static void test_unknown_and_readonly(void)
{
    g_autoptr(TestDev) d = new_dev("hostdev0");
    g_autoptr(GError) err = NULL;

    g_assert_false(hd_object_set_property_str(G_OBJECT(d), "bogus", "1", &err));
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND);
    g_assert_cmpstr(
        err->message, ==,
        "test-dev 'hostdev0': no property 'bogus'; valid properties: bus, count, flag, id, level, mask, mem, mode, name, offset, slot, small, tiny");
    set_fails(d, "state", "x", "test-dev 'hostdev0': property 'state' is read-only");
    set_fails(d, "slot", "3",
              "test-dev 'hostdev0': property 'slot' can only be given when the object is created");
}

static void test_json_nodes(void)
{
    g_autoptr(TestDev) d = new_dev("d0");
    g_autoptr(JsonNode) yes = json_node_init_boolean(json_node_alloc(), TRUE);
    g_autoptr(JsonNode) seven = json_node_init_int(json_node_alloc(), 7);
    g_autoptr(JsonNode) minus = json_node_init_int(json_node_alloc(), -3);
    g_autoptr(JsonNode) hex = json_node_init_string(json_node_alloc(), "0x10");
    g_autoptr(JsonNode) arr = json_node_init_array(json_node_alloc(), NULL);
    struct {
        const char *prop;
        JsonNode *node;
        const char *message;
    } bad[] = {
        {"count", yes,
         "test-dev 'd0': property 'count' expects an integer from 0 to 1000, not true"},
        {"flag", seven, "test-dev 'd0': property 'flag' expects on or off, not 7"},
        {"count", minus,
         "test-dev 'd0': property 'count' expects an integer from 0 to 1000, not -3"},
        {"name", seven, "test-dev 'd0': property 'name' expects a string, not 7"},
        {"name", arr,
         "test-dev 'd0': property 'name' expects a string, not a JSON value of another kind"},
    };
    GObject *obj = G_OBJECT(d);
    g_autoptr(GError) err = NULL;

    json_node_set_array(arr, json_array_new());
    g_assert_true(hd_object_set_property_node(obj, "flag", yes, &err));
    g_assert_true(d->flag);
    g_assert_true(hd_object_set_property_node(obj, "count", seven, &err));
    g_assert_cmpuint(d->count, ==, 7);
    g_assert_true(hd_object_set_property_node(obj, "level", minus, &err));
    g_assert_cmpint(d->level, ==, -3);
    g_assert_true(hd_object_set_property_node(obj, "count", hex, &err));
    g_assert_cmpuint(d->count, ==, 16);
    g_assert_true(hd_object_set_property_node(obj, "mem", seven, &err));
    g_assert_cmpuint(d->mem, ==, 7);
    g_assert_no_error(err);
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) e = NULL;

        g_assert_false(hd_object_set_property_node(obj, bad[i].prop, bad[i].node, &e));
        g_assert_cmpstr(e->message, ==, bad[i].message);
    }
}

static GObject *new_from_text(const char *text, const char *implied, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_parse(text, implied, errp);
    const char *type;

    g_assert_nonnull(opts);
    type = hd_opts_get_string(opts, implied);
    return hd_object_new_with_opts(type, opts, errp);
}

/* A PCI address property: text as given, a JSON integer read as devfn. */
static void test_pci_devfn(void)
{
    GParamSpec *pspec = g_param_spec_ref_sink(
        g_param_spec_string("addr", "addr", "PCI address", NULL, G_PARAM_READWRITE));
    struct {
        JsonNode *node;
        const char *want; /* NULL: refused */
    } cases[] = {
        {json_node_init_int(json_node_alloc(), 24), "3.0"},
        {json_node_init_int(json_node_alloc(), 0x0d), "1.5"},
        {json_node_init_int(json_node_alloc(), 0), "0.0"},
        {json_node_init_int(json_node_alloc(), 255), "1f.7"},
        {json_node_init_string(json_node_alloc(), "1f.7"), "1f.7"},
        {json_node_init_string(json_node_alloc(), "4"), "4"},
        {json_node_init_int(json_node_alloc(), 256), NULL},
        {json_node_init_int(json_node_alloc(), -1), NULL},
    };

    /* Not marked: an integer is refused as before. */
    {
        g_auto(GValue) v = G_VALUE_INIT;
        g_autoptr(GError) err = NULL;

        g_assert_false(hd_param_value_from_node(pspec, cases[0].node, "d0", &v, &err));
        g_assert_nonnull(strstr(err->message, "expects a string, not 24"));
    }
    hd_param_spec_set_pci_devfn(pspec);
    g_assert_true(hd_param_spec_is_pci_devfn(pspec));
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_auto(GValue) v = G_VALUE_INIT;
        g_autoptr(GError) err = NULL;
        bool ok = hd_param_value_from_node(pspec, cases[i].node, "d0", &v, &err);

        if (cases[i].want) {
            g_assert_no_error(err);
            g_assert_true(ok);
            g_assert_cmpstr(g_value_get_string(&v), ==, cases[i].want);
        } else {
            g_assert_false(ok);
            g_assert_nonnull(strstr(err->message, "a devfn from 0 to 255"));
        }
        json_node_unref(cases[i].node);
    }
    g_param_spec_unref(pspec);
}

static void test_new_with_opts(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GObject) obj = NULL;
    g_autoptr(GObject) json = NULL;
    TestDev *d;

    obj = new_from_text("test-dev,id=d0,flag,count=7,mem=1M,slot=3,bus=pci.0,mode=on", "driver",
                        &err);
    g_assert_no_error(err);
    d = TEST_DEV(obj);
    g_assert_cmpstr(hd_device_get_id(HD_DEVICE(d)), ==, "d0");
    g_assert_cmpstr(hd_device_get_bus_name(HD_DEVICE(d)), ==, "pci.0");
    g_assert_true(d->flag);
    g_assert_cmpuint(d->count, ==, 7);
    g_assert_cmpuint(d->mem, ==, 1 << 20);
    g_assert_cmpuint(d->slot, ==, 3);
    g_assert_cmpint(d->mode, ==, TEST_MODE_ON);
    g_assert_false(hd_device_is_realized(HD_DEVICE(d)));

    json =
        new_from_text("{\"driver\": \"test-dev\", \"flag\": true, \"count\": 9, \"name\": \"x\"}",
                      "driver", &err);
    g_assert_no_error(err);
    g_assert_true(TEST_DEV(json)->flag);
    g_assert_cmpuint(TEST_DEV(json)->count, ==, 9);
    g_assert_cmpstr(TEST_DEV(json)->name, ==, "x");
    g_assert_null(hd_device_get_id(HD_DEVICE(json)));
}

static void test_new_with_opts_errors(void)
{
    static const struct {
        const char *text;
        const char *implied;
        const char *message;
    } cases[] = {
        {"nope,id=a", "driver",
         "'nope' is not a known device or object type; see -device help or -object help"},
        {"test-internal", "driver",
         "device type 'test-internal' cannot be created with -device or device_add; the machine creates it"},
        {"test-dev,id=0bad", "driver",
         "test-dev: invalid id '0bad': an id starts with a letter and has only letters, digits, '-', '.' and '_'"},
        {"{\"driver\": \"test-dev\", \"id\": 5}", "driver",
         "test-dev: invalid id '(not a string)': an id starts with a letter and has only letters, digits, '-', '.' and '_'"},
        {"test-dev,id=d1,bogus=1", "driver",
         "test-dev 'd1': no property 'bogus'; valid properties: bus, count, flag, id, level, mask, mem, mode, name, offset, slot, small, tiny"},
        {"test-dev,id=d1,flag=on,count=2000", "driver",
         "test-dev 'd1': property 'count' expects an integer from 0 to 1000, not '2000'"},
        {"test-dev,state=x", "driver", "test-dev: property 'state' is read-only"},
        {"test-obj,size=1G", "qom-type", "test-obj: missing id; every -object needs id=NAME"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(GObject) obj = new_from_text(cases[i].text, cases[i].implied, &err);

        g_assert_null(obj);
        g_assert_nonnull(err);
        g_assert_cmpstr(err->message, ==, cases[i].message);
    }
}

static void test_new_user_object(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GObject) obj = new_from_text("test-obj,id=mem0,size=2G", "qom-type", &err);

    g_assert_no_error(err);
    g_assert_true(TEST_IS_OBJ(obj));
    g_assert_cmpstr(hd_user_object_get_id(HD_USER_OBJECT(obj)), ==, "mem0");
    g_assert_cmpuint(TEST_OBJ(obj)->size, ==, 2ULL << 30);
    g_assert_false(hd_user_object_is_complete(HD_USER_OBJECT(obj)));
    g_assert_true(hd_user_object_complete(HD_USER_OBJECT(obj), &err));
    g_assert_true(hd_user_object_is_complete(HD_USER_OBJECT(obj)));
}

static void test_describe(void)
{
    g_autoptr(GPtrArray) props = hd_type_describe_properties(TEST_TYPE_DEV);
    static const char *const expect[][4] = {
        {"count", "uint32", "a count", "5"},
        {"flag", "bool", "a flag", "false"},
        {"level", "int32", "a level", "0"},
        {"mask", "uint64", "a mask", "0"},
        {"mem", "size", "memory size", "1048576"},
        {"mode", "TestMode", "a mode", "auto"},
        {"name", "str", "a name", NULL},
        {"offset", "int64", "", "0"},
        {"slot", "uint32", "a slot", "0"},
        {"small", "uint8", "", "0"},
        {"tiny", "int8", "", "0"},
    };

    g_assert_cmpuint(props->len, ==, G_N_ELEMENTS(expect));
    for (guint i = 0; i < props->len; i++) {
        HdPropInfo *info = props->pdata[i];

        g_assert_cmpstr(info->name, ==, expect[i][0]);
        g_assert_cmpstr(info->type, ==, expect[i][1]);
        g_assert_cmpstr(info->description, ==, expect[i][2]);
        g_assert_cmpstr(info->default_value, ==, expect[i][3]);
    }
}

static void test_id_rules(void)
{
    g_assert_true(hd_id_is_valid("hostdev0"));
    g_assert_true(hd_id_is_valid("a-b.c_d"));
    g_assert_false(hd_id_is_valid(""));
    g_assert_false(hd_id_is_valid("0a"));
    g_assert_false(hd_id_is_valid("a/b"));
    g_assert_false(hd_id_is_valid(NULL));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_true(hd_type_register("test-dev", TEST_TYPE_DEV));
    g_assert_true(hd_type_register("test-internal", TEST_TYPE_INTERNAL));
    g_assert_true(hd_type_register("test-obj", TEST_TYPE_OBJ));

    g_test_add_func("/qom-props/bool", test_bool);
    g_test_add_func("/qom-props/unsigned", test_unsigned);
    g_test_add_func("/qom-props/signed", test_signed);
    g_test_add_func("/qom-props/64bit", test_64bit);
    g_test_add_func("/qom-props/size", test_size);
    g_test_add_func("/qom-props/string-and-enum", test_string_and_enum);
    g_test_add_func("/qom-props/unknown-and-readonly", test_unknown_and_readonly);
    g_test_add_func("/qom-props/json-nodes", test_json_nodes);
    g_test_add_func("/qom-props/pci-devfn", test_pci_devfn);
    g_test_add_func("/qom-props/new-with-opts", test_new_with_opts);
    g_test_add_func("/qom-props/new-with-opts-errors", test_new_with_opts_errors);
    g_test_add_func("/qom-props/new-user-object", test_new_user_object);
    g_test_add_func("/qom-props/describe", test_describe);
    g_test_add_func("/qom-props/id-rules", test_id_rules);
    return g_test_run();
}
