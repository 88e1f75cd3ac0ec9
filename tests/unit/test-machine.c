/*
 * The running host in-process: q35 RAM split, memory backends, device add/del through the
 * shared hot-plug path, system reset order, the virtual clock and its timers.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "hw/i386/q35.h"
#include "hw/pci/testdev.h"
#include "qom/object.h"
#include "qom/props.h"
#include "system/address-space.h"
#include "system/device-hotplug.h"
#include "system/hostmem.h"
#include "system/machine.h"
#include "system/main-loop.h"
#include "system/reset.h"

static HdMachine *machine_new(HdTree *tree, uint64_t ram, const char *backend, GError **errp)
{
    HdMachineConfig mc = { .type = "q35", .ram_size = ram, .ram_size_set = ram != 0,
                           .memory_backend = backend };

    return hd_machine_new(&mc, tree, errp);
}

static void test_ram_split(void)
{
    static const struct {
        uint64_t ram, below, above;
    } cases[] = {
        { 512ULL << 20, 512ULL << 20, 0 },
        { 0xb0000000ULL - 4096, 0xb0000000ULL - 4096, 0 },
        { 0xb0000000ULL, 0x80000000ULL, 0x30000000ULL },
        { 3ULL << 30, 2ULL << 30, 1ULL << 30 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(HdTree) tree = hd_tree_new();
        g_autoptr(GError) err = NULL;
        HdMachine *m = machine_new(tree, cases[i].ram, NULL, &err);
        AddressSpace *as = memory_system_address_space();

        g_assert_no_error(err);
        g_assert_cmphex(hd_machine_ram_below_4g(m), ==, cases[i].below);
        g_assert_cmphex(hd_machine_ram_above_4g(m), ==, cases[i].above);
        g_assert_nonnull(hd_tree_resolve(tree, "/machine/q35", NULL));
        if (cases[i].above) {
            uint64_t last = HD_RAM_ABOVE_4G_BASE + cases[i].above - 4;

            g_assert_cmpint(address_space_stl(as, last, 0xabcd1234), ==, MEMTX_OK);
            g_assert_cmphex(address_space_ldl(as, last, NULL), ==, 0xabcd1234);
        }
        /* Freed completely: the next machine can build the chipset again. */
        hd_machine_free(m);
    }
}

static HdUserObject *backend_new(const char *text, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_parse(text, "qom-type", errp);
    GObject *obj;

    if (!opts) {
        return NULL;
    }
    obj = hd_object_new_with_opts(hd_opts_get_string(opts, "qom-type"), opts, errp);
    if (!obj) {
        return NULL;
    }
    if (!hd_user_object_complete(HD_USER_OBJECT(obj), errp)) {
        g_object_unref(obj);
        return NULL;
    }
    return HD_USER_OBJECT(obj);
}

static void test_memory_backends(void)
{
    g_autoptr(HdTree) tree = hd_tree_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(HdUserObject) ram = backend_new("memory-backend-ram,id=r0,size=64M,prealloc=on",
                                              &err);
    g_autofree char *path = NULL;
    HdMachine *m;

    g_assert_no_error(err);
    g_assert_cmpuint(hd_host_memory_backend_get_size(HD_HOST_MEMORY_BACKEND(ram)), ==, 64 << 20);
    g_assert_nonnull(hd_host_memory_backend_get_region(HD_HOST_MEMORY_BACKEND(ram)));

    g_assert_null(backend_new("memory-backend-memfd,id=z", &err));
    g_assert_nonnull(strstr(err->message, "memory-backend-memfd 'z': size= is required"));
    g_clear_error(&err);
    g_assert_null(backend_new("memory-backend-memfd,id=h,size=2M,hugetlb=on", &err));
    g_assert_nonnull(strstr(err->message, "hugetlb=on is not supported"));
    g_clear_error(&err);

    path = hd_tree_add_user_object(tree, ram, &err);
    g_assert_no_error(err);
    g_assert_null(machine_new(tree, 128 << 20, "r0", &err));
    g_assert_nonnull(strstr(err->message, "make them equal or drop -m"));
    g_clear_error(&err);
    m = machine_new(tree, 0, "r0", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(hd_machine_ram_size(m), ==, 64 << 20);
    g_assert_false(hd_host_memory_backend_claim(HD_HOST_MEMORY_BACKEND(ram), "a second user",
                                                &err));
    g_assert_nonnull(strstr(err->message, "already used by the machine"));
    hd_machine_free(m);
}

static void test_device_add_del(void)
{
    g_autoptr(HdTree) tree = hd_tree_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(HdOpts) good = hd_opts_parse(TESTDEV_TYPE_NAME ",id=t0", "driver", NULL);
    g_autoptr(HdOpts) bad = hd_opts_parse(TESTDEV_TYPE_NAME ",id=t1,msi-vectors=3", "driver",
                                          NULL);
    g_autoptr(HdOpts) dup = hd_opts_parse(TESTDEV_TYPE_NAME ",id=t0", "driver", NULL);
    g_autoptr(HdOpts) anon = hd_opts_parse(TESTDEV_TYPE_NAME, "driver", NULL);
    HdMachine *m = machine_new(tree, 64 << 20, NULL, &err);
    HdDevice *dev;

    g_assert_no_error(err);
    dev = hd_device_add(tree, good, &err);
    g_assert_no_error(err);
    g_assert_true(hd_device_is_realized(dev));
    g_assert_true(hd_tree_resolve(tree, "/machine/peripheral/t0", NULL) == G_OBJECT(dev));

    g_assert_null(hd_device_add(tree, bad, &err));
    g_assert_nonnull(strstr(err->message, "t1"));
    g_assert_null(hd_tree_resolve(tree, "/machine/peripheral/t1", NULL));
    g_clear_error(&err);
    g_assert_null(hd_device_add(tree, dup, &err));
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE);
    g_clear_error(&err);
    g_assert_nonnull(hd_device_add(tree, anon, &err));
    g_assert_nonnull(hd_tree_resolve(tree, "/machine/peripheral-anon/device[0]", NULL));

    g_assert_false(hd_device_del(tree, "/machine/q35", &err));
    g_assert_nonnull(strstr(err->message, "cannot be unplugged"));
    g_clear_error(&err);
    g_assert_false(hd_device_del(tree, "nope", &err));
    g_assert_error(err, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND);
    g_clear_error(&err);
    g_assert_true(hd_device_del(tree, "t0", &err));
    g_assert_null(hd_tree_resolve(tree, "/machine/peripheral/t0", NULL));
    /* The same id can be used again at once. */
    g_assert_nonnull(hd_device_add(tree, good, &err));
    g_assert_no_error(err);

    hd_device_del_all(tree); /* drops the pending DEVICE_DELETED too */
    g_assert_null(hd_tree_resolve(tree, "/machine/peripheral/t0", NULL));
    hd_machine_free(m);
}

static void log_handler(void *opaque)
{
    g_string_append((GString *)opaque, "a");
}

static void log_handler_b(void *opaque)
{
    g_string_append((GString *)opaque, "b");
}

static void test_reset_handlers(void)
{
    g_autoptr(GString) log = g_string_new(NULL);

    hd_reset_handler_register(log_handler, log);
    hd_reset_handler_register(log_handler_b, log);
    hd_system_reset();
    g_assert_cmpstr(log->str, ==, "ab");
    hd_reset_handler_unregister(log_handler, log);
    hd_reset_handler_unregister(log_handler, log); /* absent: no-op */
    hd_system_reset();
    g_assert_cmpstr(log->str, ==, "abb");
    hd_reset_handler_unregister(log_handler_b, log);
    hd_system_reset();
    g_assert_cmpstr(log->str, ==, "abb");
}

static void timer_fired(void *opaque)
{
    GString *log = opaque;

    g_string_append_printf(log, "%" G_GINT64_FORMAT ";", hd_vclock_get_ns());
}

static void test_vclock(void)
{
    g_autoptr(GString) log = g_string_new(NULL);
    int64_t base = hd_vclock_get_ns();
    g_autofree char *want = NULL;
    HdVTimer *t1 = hd_vtimer_new(timer_fired, log);
    HdVTimer *t2 = hd_vtimer_new(timer_fired, log);

    g_assert_cmpint(hd_vclock_next_deadline(), ==, -1);
    g_assert_cmpint(hd_vclock_step_next(), ==, base); /* no timer: stays */
    hd_vtimer_mod(t1, base + 300);
    hd_vtimer_mod(t2, base + 100);
    g_assert_cmpint(hd_vclock_next_deadline(), ==, base + 100);
    g_assert_cmpint(hd_vclock_step(50), ==, base + 50);
    g_assert_cmpstr(log->str, ==, "");
    g_assert_cmpint(hd_vclock_step_next(), ==, base + 100);
    g_assert_cmpint(hd_vclock_step(1000), ==, base + 1100);
    want = g_strdup_printf("%" G_GINT64_FORMAT ";%" G_GINT64_FORMAT ";", base + 100, base + 300);
    g_assert_cmpstr(log->str, ==, want);
    g_assert_cmpint(hd_vclock_set(base), ==, base + 1100); /* never backwards */
    hd_vtimer_mod(t1, base + 2000);
    hd_vtimer_del(t1);
    g_assert_cmpint(hd_vclock_next_deadline(), ==, -1);
    hd_vtimer_free(t1);
    hd_vtimer_free(t2);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    pci_register_types();
    hostmem_register_types();
    g_test_add_func("/machine/ram-split", test_ram_split);
    g_test_add_func("/machine/memory-backends", test_memory_backends);
    g_test_add_func("/machine/device-add-del", test_device_add_del);
    g_test_add_func("/machine/reset-handlers", test_reset_handlers);
    g_test_add_func("/machine/vclock", test_vclock);
    ret = g_test_run();
    memory_system_release();
    return ret;
}
