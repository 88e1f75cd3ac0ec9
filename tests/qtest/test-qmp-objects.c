/*
 * QMP object-add / object-del on the real hostdev binary (no VFIO needed: an iommufd object
 * opens /dev/iommu only on first use), and fds passed with getfd through qtest_qmp_fds().
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

static bool has_object(QTestState *s, const char *name)
{
    g_autoptr(JsonNode) ret =
        qtest_qmp_assert_success(s, "{'execute': 'qom-list', 'arguments': {'path': '/objects'}}");
    JsonArray *list = json_node_get_array(ret);

    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *e = json_array_get_object_element(list, i);

        if (!g_strcmp0(json_object_get_string_member(e, "name"), name)) {
            return true;
        }
    }
    return false;
}

static void expect_error(QTestState *s, const char *cmd, const char *needle)
{
    g_autofree char *desc = qtest_qmp_expect_error(s, "GenericError", "%s", cmd);

    g_test_message("%s -> %s", cmd, desc);
    if (!desc || !strstr(desc, needle)) {
        g_test_fail_printf("%s: error '%s' does not mention '%s'", cmd, desc, needle);
    }
}

static void test_add_del(void)
{
    g_autoptr(QTestState) s = qtest_init("-M q35 -m 64M -nodefaults");

    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'object-add', 'arguments': {'qom-type': 'iommufd', 'id': 'io0'}}"));
    g_assert_true(has_object(s, "io0"));
    expect_error(s, "{'execute': 'object-add', 'arguments': {'qom-type': 'iommufd', 'id': 'io0'}}",
                 "io0");
    expect_error(s, "{'execute': 'object-add', 'arguments': {'id': 'x'}}", "qom-type");
    expect_error(s, "{'execute': 'object-add', 'arguments': {'qom-type': 'iommufd'}}", "'id'");
    expect_error(
        s, "{'execute': 'object-add', 'arguments': {'qom-type': 'hostdev-testdev', 'id': 'd'}}",
        "device_add");
    expect_error(s, "{'execute': 'object-add', 'arguments': {'qom-type': 'no-such', 'id': 'n'}}",
                 "no-such");
    expect_error(s,
                 "{'execute': 'object-add', 'arguments': {'qom-type': 'iommufd', 'id': 'io1', "
                 "'fd': 'nosuch'}}",
                 "nosuch");
    g_assert_false(has_object(s, "io1"));

    json_node_unref(
        qtest_qmp_assert_success(s, "{'execute': 'object-del', 'arguments': {'id': 'io0'}}"));
    g_assert_false(has_object(s, "io0"));
    expect_error(s, "{'execute': 'object-del', 'arguments': {'id': 'io0'}}", "io0");
    expect_error(s, "{'execute': 'object-del', 'arguments': {}}", "id");
    /* The id can be used again. */
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'object-add', 'arguments': {'qom-type': 'iommufd', 'id': 'io0'}}"));
    g_assert_true(has_object(s, "io0"));
}

static void test_getfd(void)
{
    g_autoptr(QTestState) s = qtest_init("-M q35 -m 64M -nodefaults");
    g_autoptr(JsonObject) reply = NULL;
    int p[2];

    g_assert_cmpint(pipe(p), ==, 0);
    reply = qtest_qmp_fds(s, p, 1, "{'execute': 'getfd', 'arguments': {'fdname': 'pipe0'}}");
    g_assert_nonnull(reply);
    g_assert_true(json_object_has_member(reply, "return"));
    close(p[0]);
    close(p[1]);
    /* The name exists now: an iommufd object can adopt it; closefd then finds none. */
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'object-add', 'arguments': {'qom-type': 'iommufd', 'id': 'io0', "
           "'fd': 'pipe0'}}"));
    expect_error(s, "{'execute': 'getfd', 'arguments': {'fdname': 'x'}}", "SCM_RIGHTS");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-objects/add-del", test_add_del);
    g_test_add_func("/qmp-objects/getfd", test_getfd);
    return g_test_run();
}
