/*
 * Memory listener unit tests: the exact callback sequences of per-address diffs (BAR moves,
 * overlays, toggles, no-op commits), replay, transactions and dirty logging callbacks.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "system/memory.h"

/* A listener writing every callback into a log: "add 1000+2000 ram@0", "gstart", ... */
typedef struct TestListener {
    MemoryListener ml;
    const char *tag;      /* prefix for entries, to tell listeners apart; may be NULL */
    GPtrArray *log;       /* shared between listeners when comparing their order */
    bool fail_global;     /* log_global_start refuses */
} TestListener;

static void record(MemoryListener *ml, const char *what, const MemoryRegionSection *s)
{
    TestListener *tl = (TestListener *)ml;
    GString *e = g_string_new(tl->tag ? tl->tag : "");

    if (tl->tag) {
        g_string_append_c(e, ':');
    }
    g_string_append(e, what);
    if (s) {
        g_assert_true(s->address_space == ml->address_space);
        g_string_append_printf(e, " %" G_GINT64_MODIFIER "x+%" G_GINT64_MODIFIER "x %s@%"
                               G_GINT64_MODIFIER "x%s", s->offset_within_address_space,
                               s->size, memory_region_name(s->mr), s->offset_within_region,
                               s->readonly ? " ro" : "");
    }
    g_ptr_array_add(tl->log, g_string_free(e, FALSE));
}

static void tl_begin(MemoryListener *ml)
{
    record(ml, "begin", NULL);
}

static void tl_commit(MemoryListener *ml)
{
    record(ml, "commit", NULL);
}

static void tl_add(MemoryListener *ml, MemoryRegionSection *s)
{
    record(ml, "add", s);
}

static void tl_del(MemoryListener *ml, MemoryRegionSection *s)
{
    record(ml, "del", s);
}

static void tl_log_start(MemoryListener *ml, MemoryRegionSection *s)
{
    record(ml, "log_start", s);
}

static void tl_log_stop(MemoryListener *ml, MemoryRegionSection *s)
{
    record(ml, "log_stop", s);
}

static void tl_log_sync(MemoryListener *ml, MemoryRegionSection *s)
{
    record(ml, "sync", s);
    /* What a real listener does: report the section's first page dirty. */
    memory_region_set_dirty(s->mr, s->offset_within_region, 1);
}

static bool tl_global_start(MemoryListener *ml, GError **errp)
{
    TestListener *tl = (TestListener *)ml;

    record(ml, "gstart", NULL);
    if (tl->fail_global) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_NOSYS, "no dirty tracking here");
        return false;
    }
    return true;
}

static void tl_global_stop(MemoryListener *ml)
{
    record(ml, "gstop", NULL);
}

static void tl_init(TestListener *tl, const char *tag, int priority, GPtrArray *log)
{
    *tl = (TestListener){
        .ml = {
            .begin = tl_begin,
            .commit = tl_commit,
            .region_add = tl_add,
            .region_del = tl_del,
            .log_start = tl_log_start,
            .log_stop = tl_log_stop,
            .log_sync = tl_log_sync,
            .log_global_start = tl_global_start,
            .log_global_stop = tl_global_stop,
            .priority = priority,
            .name = tag,
        },
        .tag = tag,
        .log = log,
    };
}

/* The log so far joined with "; ", and cleared. */
static char *take_log(GPtrArray *log)
{
    g_ptr_array_add(log, NULL);
    char *joined = g_strjoinv("; ", (char **)log->pdata);

    g_ptr_array_set_size(log, 0);
    return joined;
}

#define assert_log(log, expected)                                                          \
    do {                                                                                   \
        g_autofree char *got_ = take_log(log);                                             \
        g_assert_cmpstr(got_, ==, expected);                                               \
    } while (0)

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return 0;
}

static void io_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)value;
    (void)size;
}

static const MemoryRegionOps io_ops = { .read = io_read, .write = io_write };

static MemoryRegion *new_ram(const char *name, uint64_t size)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *mr = memory_region_new_ram(name, size, &err);

    g_assert_no_error(err);
    return mr;
}

/* A machine: 1 MiB of RAM at 0 in a 16 MiB root, with one listener registered. */
typedef struct Fixture {
    MemoryRegion *root;
    MemoryRegion *ram;
    AddressSpace *as;
    GPtrArray *log;
    TestListener tl;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    f->root = memory_region_new_container("root", 0x1000000);
    f->ram = new_ram("ram", 0x100000);
    memory_region_add_subregion(f->root, 0, f->ram);
    f->as = address_space_new("as", f->root);
    f->log = g_ptr_array_new_with_free_func(g_free);
    tl_init(&f->tl, NULL, 0, f->log);
    memory_listener_register(&f->tl.ml, f->as);
    assert_log(f->log, "begin; add 0+100000 ram@0; commit");
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    memory_listener_unregister(&f->tl.ml);
    assert_log(f->log, "begin; del 0+100000 ram@0; commit");
    address_space_destroy(f->as);
    memory_region_unref(f->ram);
    memory_region_unref(f->root);
    g_ptr_array_unref(f->log);
}

static void test_register_replay(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) io = memory_region_new_io("io", 0x1000, &io_ops, NULL);
    g_autoptr(MemoryRegion) ram2 = new_ram("ram2", 0x2000);
    TestListener late;

    (void)data;
    memory_region_add_subregion(f->root, 0x200000, io);
    memory_region_add_subregion(f->root, 0x100000, ram2);
    memory_region_set_readonly(ram2, true);
    g_ptr_array_set_size(f->log, 0);

    /* A listener registered late is told everything, ascending, in one begin/commit. */
    tl_init(&late, "late", 0, f->log);
    memory_listener_register(&late.ml, f->as);
    assert_log(f->log, "late:begin; late:add 0+100000 ram@0; late:add 100000+2000 ram2@0 ro; "
                       "late:add 200000+1000 io@0; late:commit");
    memory_listener_unregister(&late.ml);
    assert_log(f->log, "late:begin; late:del 0+100000 ram@0; late:del 100000+2000 ram2@0 ro; "
                       "late:del 200000+1000 io@0; late:commit");
    g_assert_null(late.ml.address_space);
    /* Unregistering twice does nothing. */
    memory_listener_unregister(&late.ml);
    assert_log(f->log, "");

    memory_region_del_subregion(f->root, io);
    memory_region_del_subregion(f->root, ram2);
    assert_log(f->log, "begin; del 200000+1000 io@0; commit; "
                       "begin; del 100000+2000 ram2@0 ro; commit");
}

static void bar_move(Fixture *f, MemoryRegion *bar)
{
    memory_region_add_subregion_overlap(f->root, 0x400000, bar, 1);
    assert_log(f->log, "begin; add 400000+4000 bar@0; commit");
    memory_region_set_address(bar, 0x800000);
    assert_log(f->log, "begin; del 400000+4000 bar@0; add 800000+4000 bar@0; commit");
    /* Moving onto RAM covers part of it: the RAM there goes, the BAR comes. */
    memory_region_set_address(bar, 0xfe000);
    assert_log(f->log, "begin; del fe000+2000 ram@fe000; del 800000+4000 bar@0; "
                       "add fe000+4000 bar@0; commit");
    memory_region_set_address(bar, 0x800000);
    assert_log(f->log, "begin; del fe000+4000 bar@0; add fe000+2000 ram@fe000; "
                       "add 800000+4000 bar@0; commit");
    memory_region_del_subregion(f->root, bar);
    assert_log(f->log, "begin; del 800000+4000 bar@0; commit");
}

static void test_bar_move_mmio(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) bar = memory_region_new_io("bar", 0x4000, &io_ops, NULL);

    (void)data;
    bar_move(f, bar);
}

static void test_bar_move_ram_device(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *mem = g_malloc0(0x4000);
    g_autoptr(MemoryRegion) bar = memory_region_new_ram_device("bar", 0x4000, mem);

    (void)data;
    bar_move(f, bar);
}

static void test_overlay(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) ov = memory_region_new_io("ov", 0x2000, &io_ops, NULL);

    (void)data;
    memory_region_add_subregion_overlap(f->root, 0x10000, ov, 1);
    assert_log(f->log, "begin; del 10000+2000 ram@10000; add 10000+2000 ov@0; commit");
    memory_region_del_subregion(f->root, ov);
    assert_log(f->log, "begin; del 10000+2000 ov@0; add 10000+2000 ram@10000; commit");

    /* Below the RAM, the overlay only shows where the RAM ends. */
    memory_region_add_subregion_overlap(f->root, 0xff000, ov, -1);
    assert_log(f->log, "begin; add 100000+1000 ov@1000; commit");
    memory_region_del_subregion(f->root, ov);
    assert_log(f->log, "begin; del 100000+1000 ov@1000; commit");
}

static void test_no_change(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) lo = memory_region_new_alias("lo", f->ram, 0, 0x80000);
    g_autoptr(MemoryRegion) hi = memory_region_new_alias("hi", f->ram, 0x80000, 0x80000);

    (void)data;
    /* An empty transaction, and setting what is already set, tell nobody anything. */
    memory_region_transaction_begin();
    memory_region_transaction_commit();
    memory_region_set_address(f->ram, 0);
    memory_region_set_enabled(f->ram, true);
    memory_region_set_readonly(f->ram, false);
    assert_log(f->log, "");

    /* A change undone in the same transaction: a commit, but no region callbacks. */
    memory_region_transaction_begin();
    memory_region_set_address(f->ram, 0x100000);
    memory_region_set_address(f->ram, 0);
    memory_region_transaction_commit();
    assert_log(f->log, "begin; commit");

    /* The same mapping split differently (two aliases) is no change either. */
    memory_region_transaction_begin();
    memory_region_del_subregion(f->root, f->ram);
    memory_region_add_subregion(f->root, 0, lo);
    memory_region_add_subregion(f->root, 0x80000, hi);
    memory_region_transaction_commit();
    assert_log(f->log, "begin; commit");

    memory_region_transaction_begin();
    memory_region_del_subregion(f->root, lo);
    memory_region_del_subregion(f->root, hi);
    memory_region_add_subregion(f->root, 0, f->ram);
    memory_region_transaction_commit();
    assert_log(f->log, "begin; commit");
}

static void test_toggle(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) bar = memory_region_new_io("bar", 0x1000, &io_ops, NULL);

    (void)data;
    memory_region_add_subregion(f->root, 0x200000, bar);
    assert_log(f->log, "begin; add 200000+1000 bar@0; commit");
    memory_region_set_enabled(bar, false);
    assert_log(f->log, "begin; del 200000+1000 bar@0; commit");
    memory_region_set_enabled(bar, true);
    assert_log(f->log, "begin; add 200000+1000 bar@0; commit");
    /* Read-only changes the mapping too. */
    memory_region_set_readonly(bar, true);
    assert_log(f->log, "begin; del 200000+1000 bar@0; add 200000+1000 bar@0 ro; commit");
    memory_region_del_subregion(f->root, bar);
    assert_log(f->log, "begin; del 200000+1000 bar@0 ro; commit");
}

static void test_transaction(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) a = memory_region_new_io("a", 0x1000, &io_ops, NULL);
    g_autoptr(MemoryRegion) b = memory_region_new_io("b", 0x1000, &io_ops, NULL);

    (void)data;
    memory_region_transaction_begin();
    memory_region_add_subregion(f->root, 0x200000, a);
    memory_region_add_subregion(f->root, 0x300000, b);
    memory_region_transaction_commit();
    assert_log(f->log, "begin; add 200000+1000 a@0; add 300000+1000 b@0; commit");

    /* Two moves, in nested transactions: one diff at the outermost commit. */
    memory_region_transaction_begin();
    memory_region_set_address(b, 0x500000);
    memory_region_transaction_begin();
    memory_region_set_address(a, 0x400000);
    memory_region_transaction_commit();
    assert_log(f->log, "");
    memory_region_transaction_commit();
    assert_log(f->log, "begin; del 200000+1000 a@0; del 300000+1000 b@0; "
                       "add 400000+1000 a@0; add 500000+1000 b@0; commit");

    memory_region_transaction_begin();
    memory_region_del_subregion(f->root, a);
    memory_region_del_subregion(f->root, b);
    memory_region_transaction_commit();
    assert_log(f->log, "begin; del 400000+1000 a@0; del 500000+1000 b@0; commit");
}

static void test_priority_order(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) bar = memory_region_new_io("bar", 0x1000, &io_ops, NULL);
    TestListener hi, lo;

    (void)data;
    tl_init(&hi, "hi", 10, f->log);
    tl_init(&lo, "lo", -10, f->log);
    memory_listener_register(&hi.ml, f->as);
    memory_listener_register(&lo.ml, f->as);
    g_ptr_array_set_size(f->log, 0);

    /* Adds in ascending priority; dels in descending. */
    memory_region_add_subregion(f->root, 0x200000, bar);
    assert_log(f->log, "lo:begin; begin; hi:begin; lo:add 200000+1000 bar@0; "
                       "add 200000+1000 bar@0; hi:add 200000+1000 bar@0; "
                       "lo:commit; commit; hi:commit");
    memory_region_del_subregion(f->root, bar);
    assert_log(f->log, "lo:begin; begin; hi:begin; hi:del 200000+1000 bar@0; "
                       "del 200000+1000 bar@0; lo:del 200000+1000 bar@0; "
                       "lo:commit; commit; hi:commit");
    memory_listener_unregister(&hi.ml);
    memory_listener_unregister(&lo.ml);
    g_ptr_array_set_size(f->log, 0);
}

static void test_other_address_space(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) root2 = memory_region_new_container("root2", 0x10000);
    g_autoptr(MemoryRegion) dev = memory_region_new_io("dev", 0x100, &io_ops, NULL);
    AddressSpace *as2 = address_space_new("as2", root2);
    TestListener other;

    (void)data;
    tl_init(&other, "as2", 0, f->log);
    memory_listener_register(&other.ml, as2);
    assert_log(f->log, "as2:begin; as2:commit");

    /* Each listener hears about its own address space only. */
    memory_region_add_subregion(root2, 0x100, dev);
    assert_log(f->log, "begin; as2:begin; as2:add 100+100 dev@0; commit; as2:commit");

    /* Destroying an address space unregisters its listeners. */
    address_space_destroy(as2);
    assert_log(f->log, "as2:begin; as2:del 100+100 dev@0; as2:commit");
    g_assert_null(other.ml.address_space);
}

static void test_set_log(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) vram = new_ram("vram", 0x4000);
    RAMBlock *rb = memory_region_get_ram_block(vram);
    uint8_t byte = 1;

    (void)data;
    memory_region_add_subregion(f->root, 0x200000, vram);
    assert_log(f->log, "begin; add 200000+4000 vram@0; commit");

    memory_region_set_log(vram, true);
    g_assert_true(memory_region_is_logging(vram));
    assert_log(f->log, "begin; log_start 200000+4000 vram@0; commit");

    /* Writes into a logged region are dirty even without global logging. */
    g_assert_cmpint(address_space_write(f->as, 0x201000, &byte, 1), ==, MEMTX_OK);
    g_assert_true(ram_block_dirty_test(rb, 0x1000, 1));
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 1);
    /* ... while the unlogged RAM stays clean. */
    g_assert_cmpint(address_space_write(f->as, 0x1000, &byte, 1), ==, MEMTX_OK);
    g_assert_cmpuint(ram_block_dirty_count(memory_region_get_ram_block(f->ram)), ==, 0);

    /* Only logged RAM is synced. */
    memory_global_dirty_log_sync();
    assert_log(f->log, "sync 200000+4000 vram@0");

    /* Moving a logged region: stop before the del, start after the add. */
    memory_region_set_address(vram, 0x300000);
    assert_log(f->log, "begin; log_stop 200000+4000 vram@0; del 200000+4000 vram@0; "
                       "add 300000+4000 vram@0; log_start 300000+4000 vram@0; commit");

    /* A late listener hears log_start in its replay. */
    {
        TestListener late;

        tl_init(&late, "late", 0, f->log);
        memory_listener_register(&late.ml, f->as);
        assert_log(f->log, "late:begin; late:add 0+100000 ram@0; late:add 300000+4000 vram@0; "
                           "late:log_start 300000+4000 vram@0; late:commit");
        memory_listener_unregister(&late.ml);
        assert_log(f->log, "late:begin; late:del 0+100000 ram@0; "
                           "late:log_stop 300000+4000 vram@0; late:del 300000+4000 vram@0; "
                           "late:commit");
    }

    memory_region_set_log(vram, false);
    assert_log(f->log, "begin; log_stop 300000+4000 vram@0; commit");
    memory_global_dirty_log_sync();
    assert_log(f->log, "");
    memory_region_del_subregion(f->root, vram);
    assert_log(f->log, "begin; del 300000+4000 vram@0; commit");
}

static void test_global_log(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MemoryRegion) io = memory_region_new_io("io", 0x1000, &io_ops, NULL);
    RAMBlock *rb = memory_region_get_ram_block(f->ram);
    uint8_t buf[2] = { 1, 2 };
    TestListener late;

    (void)data;
    memory_region_add_subregion(f->root, 0x200000, io);
    g_ptr_array_set_size(f->log, 0);

    /* Without logging, writes leave the bitmap alone. */
    g_assert_cmpint(address_space_write(f->as, 0x1fff, buf, 2), ==, MEMTX_OK);
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 0);

    g_assert_false(memory_global_dirty_log_active());
    g_assert_true(memory_global_dirty_log_start(&err));
    g_assert_no_error(err);
    g_assert_true(memory_global_dirty_log_active());
    assert_log(f->log, "gstart");
    /* Nested starts are counted, not repeated. */
    g_assert_true(memory_global_dirty_log_start(&err));
    assert_log(f->log, "");

    /* A write across a page boundary dirties both pages. */
    g_assert_cmpint(address_space_write(f->as, 0x1fff, buf, 2), ==, MEMTX_OK);
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 2);
    g_assert_true(ram_block_dirty_test_and_clear(rb, 0x1000, 0x2000));
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 0);

    /* Sync covers RAM sections only (not MMIO); the listener's report lands in the bitmap. */
    memory_global_dirty_log_sync();
    assert_log(f->log, "sync 0+100000 ram@0");
    g_assert_true(ram_block_dirty_test(rb, 0, 1));

    /* A listener registered meanwhile is told first; leaving, it is told to stop. */
    tl_init(&late, "late", 0, f->log);
    memory_listener_register(&late.ml, f->as);
    assert_log(f->log, "late:gstart; late:begin; late:add 0+100000 ram@0; "
                       "late:add 200000+1000 io@0; late:commit");
    memory_listener_unregister(&late.ml);
    assert_log(f->log, "late:begin; late:del 0+100000 ram@0; late:del 200000+1000 io@0; "
                       "late:commit; late:gstop");

    memory_global_dirty_log_stop();
    assert_log(f->log, "");
    memory_global_dirty_log_stop();
    assert_log(f->log, "gstop");
    g_assert_false(memory_global_dirty_log_active());
    memory_global_dirty_log_sync();
    assert_log(f->log, "");

    /* Stopping what is not started is refused. */
    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*global_dirty_log_depth > 0*");
    memory_global_dirty_log_stop();
    g_test_assert_expected_messages();
    assert_log(f->log, "");
    memory_region_del_subregion(f->root, io);
    g_ptr_array_set_size(f->log, 0);
}

static void test_global_log_failure(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    TestListener bad, good;

    (void)data;
    tl_init(&bad, "bad", 5, f->log);
    bad.fail_global = true;
    tl_init(&good, "good", 9, f->log);
    memory_listener_register(&bad.ml, f->as);
    memory_listener_register(&good.ml, f->as);
    g_ptr_array_set_size(f->log, 0);

    /* The refusal rolls back the listeners already started; later ones are not asked. */
    g_assert_false(memory_global_dirty_log_start(&err));
    g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_NOSYS);
    g_assert_false(memory_global_dirty_log_active());
    assert_log(f->log, "gstart; bad:gstart; gstop");

    /* Registering while global logging is on with a refusing listener: a warning. */
    memory_listener_unregister(&bad.ml);
    g_ptr_array_set_size(f->log, 0);
    g_clear_error(&err);
    g_assert_true(memory_global_dirty_log_start(&err));
    g_assert_no_error(err);
    assert_log(f->log, "gstart; good:gstart");
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*'bad' cannot start dirty tracking*");
    memory_listener_register(&bad.ml, f->as);
    g_test_assert_expected_messages();
    g_ptr_array_set_size(f->log, 0);
    memory_global_dirty_log_stop();
    /* Only those that started are stopped. */
    assert_log(f->log, "good:gstop; gstop");

    memory_listener_unregister(&bad.ml);
    memory_listener_unregister(&good.ml);
    g_ptr_array_set_size(f->log, 0);
}

/* A listener that maps a region the first time it hears an add: changes made from a callback
 * are reported in a second pass of the same commit. */
typedef struct Reactor {
    MemoryListener ml;
    MemoryRegion *root;
    MemoryRegion *extra;
    GPtrArray *log;
} Reactor;

static void reactor_add(MemoryListener *ml, MemoryRegionSection *s)
{
    Reactor *r = (Reactor *)ml;

    g_ptr_array_add(r->log, g_strdup_printf("reactor:add %s", memory_region_name(s->mr)));
    if (!memory_region_get_container(r->extra)) {
        memory_region_add_subregion(r->root, 0x900000, r->extra);
    }
}

static void test_change_from_callback(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) extra = memory_region_new_io("extra", 0x1000, &io_ops, NULL);
    g_autoptr(MemoryRegion) bar = memory_region_new_io("bar", 0x1000, &io_ops, NULL);
    Reactor r = {
        .ml = { .region_add = reactor_add, .priority = 100 },
        .root = f->root,
        .extra = extra,
        .log = f->log,
    };
    AddressSpace *as2 = address_space_new("as2", f->root);

    (void)data;
    memory_listener_register(&r.ml, as2);
    assert_log(f->log, "reactor:add ram; begin; add 900000+1000 extra@0; reactor:add extra; "
                       "commit");
    memory_region_del_subregion(f->root, extra);
    assert_log(f->log, "begin; del 900000+1000 extra@0; commit");

    memory_region_add_subregion(f->root, 0x800000, bar);
    assert_log(f->log, "begin; add 800000+1000 bar@0; reactor:add bar; commit; "
                       "begin; add 900000+1000 extra@0; reactor:add extra; commit");
    memory_listener_unregister(&r.ml);
    address_space_destroy(as2);
    memory_region_transaction_begin();
    memory_region_del_subregion(f->root, bar);
    memory_region_del_subregion(f->root, extra);
    memory_region_transaction_commit();
    g_ptr_array_set_size(f->log, 0);
}

#define ADD(path, fn) g_test_add("/memory-listener/" path, Fixture, NULL, fixture_setup, fn, \
                                 fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("register-replay", test_register_replay);
    ADD("bar-move-mmio", test_bar_move_mmio);
    ADD("bar-move-ram-device", test_bar_move_ram_device);
    ADD("overlay", test_overlay);
    ADD("no-change", test_no_change);
    ADD("toggle", test_toggle);
    ADD("transaction", test_transaction);
    ADD("priority-order", test_priority_order);
    ADD("other-address-space", test_other_address_space);
    ADD("set-log", test_set_log);
    ADD("global-log", test_global_log);
    ADD("global-log-failure", test_global_log_failure);
    ADD("change-from-callback", test_change_from_callback);
    return g_test_run();
}
