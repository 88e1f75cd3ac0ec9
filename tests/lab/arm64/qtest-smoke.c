/*
 * arm64 qtest smoke test for the aarch64 lab: the cross-built hostdev ($HOSTDEV_BINARY) starts
 * with the qtest accelerator on machine none, answers the qtest protocol and QMP, and quits.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "libqtest.h"

static void test_machine_none(void)
{
    g_autoptr(QTestState) s = qtest_init("-machine none -nodefaults");
    g_autofree char *reply = qtest_raw(s, "clock_step 1000");
    g_autoptr(JsonObject) status = NULL;

    g_assert_cmpstr(reply, ==, "OK 1000");
    g_assert_cmpint(qtest_clock_step(s, 500), ==, 1500);
    status = qtest_qmp(s, "{'execute': 'query-status'}");
    g_assert_true(json_object_has_member(status, "return"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/arm64-lab/qtest/machine-none", test_machine_none);
    return g_test_run();
}
