/*
 * Unit tests for the option text parser (qom/opts.c).
 * Covers key=value text (implied key, ",,", bare keys, help, empty values, duplicates,
 * malformed input) and the JSON form (types kept, nested values and bad JSON refused).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/object.h"
#include "qom/opts.h"

#include <string.h>

static HdOpts *parse_ok(const char *text, const char *implied)
{
    g_autoptr(GError) err = NULL;
    HdOpts *opts = hd_opts_parse(text, implied, &err);

    g_assert_no_error(err);
    g_assert_nonnull(opts);
    return opts;
}

/* Parse @text expecting failure; the message must contain @needle. */
static void parse_fails(const char *text, const char *implied, const char *needle)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HdOpts) opts = hd_opts_parse(text, implied, &err);

    g_assert_null(opts);
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_FAILED);
    if (!strstr(err->message, needle)) {
        g_error("message '%s' lacks '%s'", err->message, needle);
    }
}

static void test_implied_key(void)
{
    g_autoptr(HdOpts) opts = parse_ok("vfio-pci,host=0000:00:03.0,id=hostdev0", "driver");

    g_assert_cmpuint(hd_opts_size(opts), ==, 3);
    g_assert_cmpstr(hd_opts_key(opts, 0), ==, "driver");
    g_assert_cmpstr(hd_opts_get_string(opts, "driver"), ==, "vfio-pci");
    g_assert_cmpstr(hd_opts_key(opts, 1), ==, "host");
    g_assert_cmpstr(hd_opts_get_string(opts, "host"), ==, "0000:00:03.0");
    g_assert_cmpstr(hd_opts_key(opts, 2), ==, "id");
    g_assert_cmpstr(hd_opts_get_string(opts, "id"), ==, "hostdev0");
    g_assert_false(hd_opts_wants_help(opts));
    g_assert_null(hd_opts_lookup(opts, "absent"));
    g_assert_null(hd_opts_get_string(opts, "absent"));
}

static void test_implied_key_explicit(void)
{
    g_autoptr(HdOpts) a = parse_ok("driver=vfio-pci,x=1", "driver");
    g_autoptr(HdOpts) b = parse_ok("iommufd,id=iommufd0", "qom-type");
    g_autoptr(HdOpts) c = parse_ok("x=1,name", "driver");

    g_assert_cmpstr(hd_opts_get_string(a, "driver"), ==, "vfio-pci");
    g_assert_cmpstr(hd_opts_get_string(b, "qom-type"), ==, "iommufd");
    /* Only the first item can be the implied value; later bare keys mean "on". */
    g_assert_null(hd_opts_get_string(c, "driver"));
    g_assert_cmpstr(hd_opts_get_string(c, "name"), ==, "on");
}

static void test_no_implied_key(void)
{
    g_autoptr(HdOpts) opts = parse_ok("accel,x=1", NULL);

    g_assert_cmpuint(hd_opts_size(opts), ==, 2);
    g_assert_cmpstr(hd_opts_get_string(opts, "accel"), ==, "on");
}

static void test_escaped_comma(void)
{
    g_autoptr(HdOpts) a = parse_ok("x,path=/tmp/a,,b,,,y=2", "driver");
    g_autoptr(HdOpts) b = parse_ok("a,,b,z=1", "driver");

    g_assert_cmpstr(hd_opts_get_string(a, "path"), ==, "/tmp/a,b,");
    g_assert_cmpstr(hd_opts_get_string(a, "y"), ==, "2");
    g_assert_cmpstr(hd_opts_get_string(b, "driver"), ==, "a,b");
    g_assert_cmpstr(hd_opts_get_string(b, "z"), ==, "1");
}

static void test_bare_key_and_empty_value(void)
{
    g_autoptr(HdOpts) opts = parse_ok("vfio-pci,x-no-mmap,romfile=,sysfsdev=a=b", "driver");

    g_assert_cmpstr(hd_opts_get_string(opts, "x-no-mmap"), ==, "on");
    g_assert_cmpstr(hd_opts_get_string(opts, "romfile"), ==, "");
    g_assert_cmpstr(hd_opts_get_string(opts, "sysfsdev"), ==, "a=b");
}

static void test_help(void)
{
    g_autoptr(HdOpts) a = parse_ok("help", "driver");
    g_autoptr(HdOpts) b = parse_ok("?", "driver");
    g_autoptr(HdOpts) c = parse_ok("vfio-pci,help", "driver");
    g_autoptr(HdOpts) d = parse_ok("memory-backend-ram,?", "qom-type");
    g_autoptr(HdOpts) e = parse_ok("help", NULL);

    g_assert_true(hd_opts_wants_help(a));
    g_assert_cmpuint(hd_opts_size(a), ==, 0);
    g_assert_true(hd_opts_wants_help(b));
    g_assert_null(hd_opts_get_string(b, "driver"));
    g_assert_true(hd_opts_wants_help(c));
    g_assert_cmpstr(hd_opts_get_string(c, "driver"), ==, "vfio-pci");
    g_assert_null(hd_opts_lookup(c, "help"));
    g_assert_true(hd_opts_wants_help(d));
    g_assert_cmpstr(hd_opts_get_string(d, "qom-type"), ==, "memory-backend-ram");
    g_assert_true(hd_opts_wants_help(e));
}

static void test_duplicates(void)
{
    g_autoptr(HdOpts) opts = parse_ok("dev,a=1,b=2,a=3", "driver");

    /* Last value wins; the key takes the place of its last assignment. */
    g_assert_cmpuint(hd_opts_size(opts), ==, 3);
    g_assert_cmpstr(hd_opts_get_string(opts, "a"), ==, "3");
    g_assert_cmpstr(hd_opts_key(opts, 1), ==, "b");
    g_assert_cmpstr(hd_opts_key(opts, 2), ==, "a");
}

static void test_empty_text(void)
{
    g_autoptr(HdOpts) opts = parse_ok("", "driver");

    g_assert_cmpuint(hd_opts_size(opts), ==, 0);
    g_assert_false(hd_opts_wants_help(opts));
}

static void test_malformed(void)
{
    parse_fails("x=1,=2", NULL, "invalid option text 'x=1,=2': empty key");
    parse_fails("vfio-pci,", "driver", "trailing ','");
    parse_fails(",x=1", "driver", "empty item");
    parse_fails("dev,a b=1", "driver", "invalid key 'a b'");
    parse_fails("dev,a b", "driver", "invalid key 'a b'");
    parse_fails("dev,a,,b=1", "driver", "invalid key 'a,b'");
}

static void test_json_types(void)
{
    g_autoptr(HdOpts) opts = parse_ok(
        "{\"driver\": \"vfio-pci\", \"x-no-mmap\": true, \"bootindex\": -2, \"host\": \"0000:00:03.0\"}",
        "driver");
    JsonNode *node;

    g_assert_cmpuint(hd_opts_size(opts), ==, 4);
    g_assert_cmpstr(hd_opts_key(opts, 0), ==, "driver");
    g_assert_cmpstr(hd_opts_get_string(opts, "driver"), ==, "vfio-pci");
    node = hd_opts_lookup(opts, "x-no-mmap");
    g_assert_cmpint(json_node_get_value_type(node), ==, G_TYPE_BOOLEAN);
    g_assert_true(json_node_get_boolean(node));
    node = hd_opts_lookup(opts, "bootindex");
    g_assert_cmpint(json_node_get_value_type(node), ==, G_TYPE_INT64);
    g_assert_cmpint(json_node_get_int(node), ==, -2);
    g_assert_null(hd_opts_get_string(opts, "bootindex"));
    g_assert_cmpstr(hd_opts_key(opts, 3), ==, "host");
    g_assert_false(hd_opts_wants_help(opts));
}

static void test_json_rejects(void)
{
    parse_fails("{\"driver\": \"x\", \"bus\": {\"a\": 1}}", "driver",
                "invalid JSON option 'bus': nested objects and arrays are not supported");
    parse_fails("{\"list\": [1, 2]}", "driver", "'list': nested objects and arrays");
    parse_fails("{\"n\": null}", "driver", "'n': null is not a value");
    parse_fails("{\"f\": 1.5}", "driver", "'f': floating-point numbers are not supported");
    parse_fails("{\"driver\": \"x\",", "driver", "invalid JSON option text '{\"driver\": \"x\",'");
    parse_fails("{nope}", "driver", "invalid JSON option text '{nope}'");
}

static void test_from_json_object(void)
{
    g_autoptr(JsonObject) obj = json_object_new();
    g_autoptr(JsonObject) bad = json_object_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(HdOpts) opts = NULL;
    g_autoptr(HdOpts) none = NULL;

    json_object_set_string_member(obj, "driver", "vfio-pci");
    json_object_set_int_member(obj, "n", 7);
    opts = hd_opts_from_json_object(obj, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(hd_opts_get_string(opts, "driver"), ==, "vfio-pci");
    g_assert_cmpint(json_node_get_int(hd_opts_lookup(opts, "n")), ==, 7);

    json_object_set_array_member(bad, "arr", json_array_new());
    none = hd_opts_from_json_object(bad, &err);
    g_assert_null(none);
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_FAILED);
    g_assert_nonnull(strstr(err->message, "'arr'"));
}

static void test_set_and_remove(void)
{
    g_autoptr(HdOpts) opts = hd_opts_new();
    g_autoptr(JsonNode) flag = json_node_init_boolean(json_node_alloc(), TRUE);

    hd_opts_set_string(opts, "a", "1");
    hd_opts_set_node(opts, "b", flag);
    hd_opts_set_string(opts, "a", "2");
    g_assert_cmpuint(hd_opts_size(opts), ==, 2);
    g_assert_cmpstr(hd_opts_key(opts, 0), ==, "b");
    g_assert_cmpstr(hd_opts_get_string(opts, "a"), ==, "2");
    g_assert_true(hd_opts_remove(opts, "a"));
    g_assert_false(hd_opts_remove(opts, "a"));
    g_assert_cmpuint(hd_opts_size(opts), ==, 1);
    g_assert_true(json_node_get_boolean(hd_opts_value(opts, 0)));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/opts/implied-key", test_implied_key);
    g_test_add_func("/opts/implied-key-explicit", test_implied_key_explicit);
    g_test_add_func("/opts/no-implied-key", test_no_implied_key);
    g_test_add_func("/opts/escaped-comma", test_escaped_comma);
    g_test_add_func("/opts/bare-key-empty-value", test_bare_key_and_empty_value);
    g_test_add_func("/opts/help", test_help);
    g_test_add_func("/opts/duplicates", test_duplicates);
    g_test_add_func("/opts/empty-text", test_empty_text);
    g_test_add_func("/opts/malformed", test_malformed);
    g_test_add_func("/opts/json-types", test_json_types);
    g_test_add_func("/opts/json-rejects", test_json_rejects);
    g_test_add_func("/opts/from-json-object", test_from_json_object);
    g_test_add_func("/opts/set-and-remove", test_set_and_remove);
    return g_test_run();
}
