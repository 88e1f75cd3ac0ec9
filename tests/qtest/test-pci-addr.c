/*
 * PCI "addr" given as a JSON integer (a devfn, as QEMU accepts) on the real hostdev binary:
 * JSON -device and device_add place the device at slot n >> 3, function n & 7.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "hw/pci/testdev.h"
#include "libqtest.h"

static uint32_t cfg_id(QTestState *s, int slot, int fn)
{
    qtest_outl(s, 0xcf8, 0x80000000u | (uint32_t)slot << 11 | (uint32_t)fn << 8);
    return qtest_inl(s, 0xcfc);
}

static void test_devfn(void)
{
    const uint32_t id = TESTDEV_DEVICE_ID << 16 | TESTDEV_VENDOR_ID;
    g_autoptr(QTestState) s = qtest_init("-M q35 -m 64M -nodefaults "
                                         "-device '{\"driver\": \"" TESTDEV_TYPE_NAME
                                         "\", \"id\": \"t0\", \"addr\": 24}' "
                                         "-device " TESTDEV_TYPE_NAME ",id=t1,addr=4.0");
    g_autofree char *desc = NULL;

    g_assert_cmphex(cfg_id(s, 3, 0), ==, id);
    g_assert_cmphex(cfg_id(s, 4, 0), ==, id); /* the string form still works */
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_add', 'arguments': {'driver': '" TESTDEV_TYPE_NAME "', "
           "'id': 't2', 'addr': 40}}"));
    g_assert_cmphex(cfg_id(s, 5, 0), ==, id);
    json_node_unref(qtest_qmp_assert_success(
        s, "{'execute': 'device_add', 'arguments': {'driver': '" TESTDEV_TYPE_NAME "', "
           "'id': 't3', 'addr': '6'}}"));
    g_assert_cmphex(cfg_id(s, 6, 0), ==, id);
    desc = qtest_qmp_expect_error(s, "GenericError",
                                  "{'execute': 'device_add', 'arguments': {'driver': "
                                  "'" TESTDEV_TYPE_NAME "', 'id': 't4', 'addr': 256}}");
    g_test_message("addr 256: %s", desc);
    g_assert_nonnull(strstr(desc, "devfn from 0 to 255"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci-addr/devfn", test_devfn);
    return g_test_run();
}
