/*
 * Memory API unit tests: flattening a region tree (priorities, overlap, aliases, nesting,
 * enable/disable, coalescing, properties) and region reference counting.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "system/memory.h"

static uint64_t dummy_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)size;
    return addr;
}

static void dummy_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)value;
    (void)size;
}

static const MemoryRegionOps dummy_ops = {
    .read = dummy_read,
    .write = dummy_write,
};

static MemoryRegion *new_io(const char *name, uint64_t size)
{
    return memory_region_new_io(name, size, &dummy_ops, NULL);
}

static MemoryRegion *new_ram(const char *name, uint64_t size)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *mr = memory_region_new_ram(name, size, &err);

    g_assert_no_error(err);
    g_assert_nonnull(mr);
    return mr;
}

static void describe_one(const MemoryRegionSection *s, void *opaque)
{
    GString *out = opaque;

    g_string_append_printf(out, "%s%" G_GINT64_MODIFIER "x+%" G_GINT64_MODIFIER "x:%s@%"
                           G_GINT64_MODIFIER "x%s", out->len ? " " : "",
                           s->offset_within_address_space, s->size, memory_region_name(s->mr),
                           s->offset_within_region, s->readonly ? ":ro" : "");
}

/* The flat view as "start+size:region@offset[:ro]" items separated by spaces (hex). */
static char *describe(AddressSpace *as)
{
    GString *out = g_string_new("");

    address_space_for_each_section(as, describe_one, out);
    return g_string_free(out, FALSE);
}

#define assert_view(as, expected)                                                          \
    do {                                                                                   \
        g_autofree char *got_ = describe(as);                                              \
        g_assert_cmpstr(got_, ==, expected);                                               \
    } while (0)

static void test_empty(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", 0x10000);
    g_autoptr(AddressSpace) as = address_space_new("as", root);

    assert_view(as, "");
    g_assert_cmpstr(address_space_name(as), ==, "as");
    g_assert_true(address_space_root(as) == root);
}

static void test_overlap_priority(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", 0x10000);
    g_autoptr(AddressSpace) as = address_space_new("as", root);
    g_autoptr(MemoryRegion) ram = new_ram("ram", 0x4000);
    g_autoptr(MemoryRegion) hi = new_io("hi", 0x1000);
    g_autoptr(MemoryRegion) lo = new_io("lo", 0x2000);

    memory_region_add_subregion(root, 0, ram);
    memory_region_add_subregion_overlap(root, 0x1000, hi, 1);
    assert_view(as, "0+1000:ram@0 1000+1000:hi@0 2000+2000:ram@2000");

    /* Added last but lower priority: only what nobody else covers shows. */
    memory_region_add_subregion_overlap(root, 0x3000, lo, -1);
    assert_view(as, "0+1000:ram@0 1000+1000:hi@0 2000+2000:ram@2000 4000+1000:lo@1000");

    memory_region_del_subregion(root, hi);
    assert_view(as, "0+4000:ram@0 4000+1000:lo@1000");
    g_assert_null(memory_region_get_container(hi));
}

static void test_equal_priority(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", 0x10000);
    g_autoptr(AddressSpace) as = address_space_new("as", root);
    g_autoptr(MemoryRegion) first = new_io("first", 0x2000);
    g_autoptr(MemoryRegion) second = new_io("second", 0x2000);

    memory_region_add_subregion_overlap(root, 0, first, 3);
    memory_region_add_subregion_overlap(root, 0x1000, second, 3);
    assert_view(as, "0+1000:first@0 1000+2000:second@0");

    /* Moving does not change the order among equals. */
    memory_region_set_address(first, 0x2000);
    assert_view(as, "1000+2000:second@0 3000+1000:first@1000");

    memory_region_del_subregion(root, second);
    assert_view(as, "2000+2000:first@0");
}

static void test_alias(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", 0x100000);
    g_autoptr(AddressSpace) as = address_space_new("as", root);
    g_autoptr(MemoryRegion) ram = new_ram("ram", 0x4000);
    g_autoptr(MemoryRegion) alias = memory_region_new_alias("alias", ram, 0x1000, 0x2000);
    uint8_t *host = memory_region_get_ram_ptr(ram);
    uint32_t v = 0;

    memory_region_add_subregion(root, 0, ram);
    memory_region_add_subregion(root, 0x10000, alias);
    /* Sections name the RAM itself, at the aliased offset. */
    assert_view(as, "0+4000:ram@0 10000+2000:ram@1000");
    g_assert_true(memory_region_is_alias(alias));
    g_assert_true(memory_region_get_alias(alias) == ram);
    g_assert_cmpuint(memory_region_get_alias_offset(alias), ==, 0x1000);

    host[0x1000] = 0x5a;
    host[0x2ffc] = 0x11;
    host[0x2ffd] = 0x22;
    host[0x2ffe] = 0x33;
    host[0x2fff] = 0x44;
    g_assert_cmpuint(address_space_ldub(as, 0x10000, NULL), ==, 0x5a);
    g_assert_cmpint(address_space_read(as, 0x11ffc, &v, 4), ==, MEMTX_OK);
    g_assert_cmpuint(GUINT32_FROM_LE(v), ==, 0x44332211);
    /* Writing through the alias lands in the RAM. */
    g_assert_cmpint(address_space_stb(as, 0x10001, 0xa5), ==, MEMTX_OK);
    g_assert_cmpuint(host[0x1001], ==, 0xa5);

    memory_region_set_alias_offset(alias, 0x3000);
    /* Only the first 0x1000 bytes of the window fall inside the RAM. */
    assert_view(as, "0+4000:ram@0 10000+1000:ram@3000");
}

static void test_alias_of_container(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", 0x100000);
    g_autoptr(AddressSpace) as = address_space_new("as", root);
    g_autoptr(MemoryRegion) bus = memory_region_new_container("bus", 0x10000);
    g_autoptr(MemoryRegion) dev = new_io("dev", 0x100);
    g_autoptr(MemoryRegion) window = memory_region_new_alias("window", bus, 0x8000, 0x1000);

    memory_region_add_subregion(bus, 0x8010, dev);
    memory_region_add_subregion(root, 0x40000, window);
    assert_view(as, "40010+100:dev@0");
}

static void test_nesting(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", 0x100000);
    g_autoptr(AddressSpace) as = address_space_new("as", root);
    g_autoptr(MemoryRegion) outer = memory_region_new_container("outer", 0x10000);
    g_autoptr(MemoryRegion) inner = memory_region_new_container("inner", 0x1000);
    g_autoptr(MemoryRegion) a = new_io("a", 0x100);
    g_autoptr(MemoryRegion) b = new_io("b", 0x800);

    memory_region_add_subregion(root, 0x20000, outer);
    memory_region_add_subregion(outer, 0x8000, inner);
    memory_region_add_subregion(inner, 0x100, a);
    /* Sticks out of inner: clipped at inner's end. */
    memory_region_add_subregion(inner, 0xc00, b);
    assert_view(as, "28100+100:a@0 28c00+400:b@0");

    memory_region_set_address(inner, 0);
    assert_view(as, "20100+100:a@0 20c00+400:b@0");
    memory_region_set_size(inner, 0x200);
    assert_view(as, "20100+100:a@0");
    g_assert_cmpuint(memory_region_size(inner), ==, 0x200);
    g_assert_true(memory_region_get_container(inner) == outer);
    g_assert_cmpuint(memory_region_get_address(inner), ==, 0);
    g_assert_true(memory_region_is_container(inner));
}

static void test_enable_disable(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", 0x10000);
    g_autoptr(AddressSpace) as = address_space_new("as", root);
    g_autoptr(MemoryRegion) box = memory_region_new_container("box", 0x4000);
    g_autoptr(MemoryRegion) low = new_io("low", 0x4000);
    g_autoptr(MemoryRegion) top = new_io("top", 0x1000);

    memory_region_add_subregion(root, 0, box);
    memory_region_add_subregion(box, 0, low);
    memory_region_add_subregion_overlap(box, 0x1000, top, 1);
    assert_view(as, "0+1000:low@0 1000+1000:top@0 2000+2000:low@2000");

    /* A disabled region uncovers what lies below it. */
    memory_region_set_enabled(top, false);
    g_assert_false(memory_region_is_enabled(top));
    assert_view(as, "0+4000:low@0");
    memory_region_set_enabled(top, true);
    assert_view(as, "0+1000:low@0 1000+1000:top@0 2000+2000:low@2000");

    /* Disabling a container hides everything in it. */
    memory_region_set_enabled(box, false);
    assert_view(as, "");
    memory_region_set_enabled(box, true);
    assert_view(as, "0+1000:low@0 1000+1000:top@0 2000+2000:low@2000");
}

static void test_coalesce(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", 0x100000);
    g_autoptr(AddressSpace) as = address_space_new("as", root);
    g_autoptr(MemoryRegion) ram = new_ram("ram", 0x4000);
    g_autoptr(MemoryRegion) a1 = memory_region_new_alias("a1", ram, 0, 0x1000);
    g_autoptr(MemoryRegion) a2 = memory_region_new_alias("a2", ram, 0x1000, 0x1000);
    g_autoptr(MemoryRegion) a3 = memory_region_new_alias("a3", ram, 0x3000, 0x1000);

    /* Two aliases continuing each other merge into one range; a gap in offsets does not. */
    memory_region_add_subregion(root, 0x8000, a1);
    memory_region_add_subregion(root, 0x9000, a2);
    memory_region_add_subregion(root, 0xa000, a3);
    assert_view(as, "8000+2000:ram@0 a000+1000:ram@3000");

    /* Different attributes do not merge either. */
    memory_region_set_readonly(a2, true);
    g_assert_true(memory_region_is_readonly(a2));
    assert_view(as, "8000+1000:ram@0 9000+1000:ram@1000:ro a000+1000:ram@3000");
}

static void test_readonly(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", 0x10000);
    g_autoptr(AddressSpace) as = address_space_new("as", root);
    g_autoptr(MemoryRegion) box = memory_region_new_container("box", 0x2000);
    g_autoptr(MemoryRegion) rom = new_ram("rom", 0x1000);
    g_autoptr(MemoryRegion) ram = new_ram("ram", 0x1000);

    memory_region_add_subregion(root, 0, box);
    memory_region_add_subregion(box, 0, rom);
    memory_region_add_subregion(box, 0x1000, ram);
    memory_region_set_readonly(rom, true);
    assert_view(as, "0+1000:rom@0:ro 1000+1000:ram@0");
    /* A read-only container makes everything in it read-only. */
    memory_region_set_readonly(box, true);
    assert_view(as, "0+1000:rom@0:ro 1000+1000:ram@0:ro");
    memory_region_set_readonly(box, false);
    memory_region_set_readonly(rom, false);
    assert_view(as, "0+1000:rom@0 1000+1000:ram@0");
}

static void test_whole_space(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(AddressSpace) as = address_space_new("as", root);
    g_autoptr(MemoryRegion) top = new_io("top", 0x1000);
    g_autoptr(MemoryRegion) alias = memory_region_new_alias("alias", top, 0, 0x1000);

    /* The very last byte of the space cannot be mapped. */
    memory_region_add_subregion(root, UINT64_MAX - 0xfff, top);
    assert_view(as, "fffffffffffff000+fff:top@0");
    /* An alias reaching beyond the space's end is clipped, without wrapping. */
    memory_region_add_subregion(root, UINT64_MAX - 0x7ff, alias);
    memory_region_del_subregion(root, top);
    assert_view(as, "fffffffffffff800+7ff:top@0");
}

static void test_properties(void)
{
    g_autoptr(MemoryRegion) io = new_io("io", 0x100);
    g_autoptr(MemoryRegion) c = memory_region_new_container(NULL, 0x100);

    g_assert_cmpstr(memory_region_name(c), ==, "anonymous");
    memory_region_set_name(io, "renamed");
    g_assert_cmpstr(memory_region_name(io), ==, "renamed");
    g_assert_true(memory_region_is_io(io));
    g_assert_false(memory_region_is_ram(io));
    g_assert_false(memory_region_is_ram_device(io));
    g_assert_null(memory_region_get_ram_ptr(io));
    g_assert_null(memory_region_get_ram_block(io));
    g_assert_cmpint(memory_region_get_fd(io), ==, -1);
    g_assert_cmpuint(memory_region_get_fd_offset(io), ==, 0);
    g_assert_null(memory_region_get_alias(io));
    g_assert_false(memory_region_is_logging(io));
}

static void test_bad_tree(void)
{
    g_autoptr(MemoryRegion) outer = memory_region_new_container("outer", 0x1000);
    g_autoptr(MemoryRegion) inner = memory_region_new_container("inner", 0x1000);
    g_autoptr(MemoryRegion) other = memory_region_new_container("other", 0x1000);
    g_autoptr(MemoryRegion) ram = new_ram("ram", 0x1000);

    memory_region_add_subregion(outer, 0, inner);

    /* A container inside itself, a region mapped twice, a RAM region growing. */
    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*would_loop*");
    memory_region_add_subregion(inner, 0, outer);
    g_test_assert_expected_messages();
    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*!sub->container*");
    memory_region_add_subregion(other, 0, inner);
    g_test_assert_expected_messages();
    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*cannot grow*");
    memory_region_set_size(ram, 0x2000);
    g_test_assert_expected_messages();
    g_assert_cmpuint(memory_region_size(ram), ==, 0x1000);
    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*sub->container == container*");
    memory_region_del_subregion(other, inner);
    g_test_assert_expected_messages();
    g_assert_true(memory_region_get_container(inner) == outer);
}

static void test_alias_loop(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", 0x1000);
    g_autoptr(MemoryRegion) loop = memory_region_new_alias("loop", root, 0, 0x1000);

    /* Not a container cycle, but rendering would never end: the depth limit stops it. */
    memory_region_add_subregion(root, 0, loop);
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING, "*nests more than*");
    {
        g_autoptr(AddressSpace) as = address_space_new("as", root);

        g_test_assert_expected_messages();
        assert_view(as, "");
    }
    /* Break the loop so the references can go. */
    memory_region_del_subregion(root, loop);
}

static void test_refcount(void)
{
    MemoryRegion *root = memory_region_new_container("root", 0x10000);
    AddressSpace *as = address_space_new("as", root);
    MemoryRegion *ram = new_ram("ram", 0x1000);
    MemoryRegion *alias = memory_region_new_alias("alias", ram, 0, 0x1000);
    MemoryRegion *box = memory_region_new_container("box", 0x1000);
    MemoryRegion *dev = new_io("dev", 0x100);
    MemoryRegionSection s;

    /* Hand every reference to the tree: the container and alias keep them alive. */
    memory_region_add_subregion(root, 0, alias);
    memory_region_unref(alias);
    memory_region_unref(ram);
    memory_region_add_subregion(box, 0, dev);
    memory_region_unref(dev);
    memory_region_add_subregion(root, 0x4000, box);
    memory_region_unref(box);
    memory_region_unref(root);
    assert_view(as, "0+1000:ram@0 4000+100:dev@0");

    /* A found section keeps its region alive after it is unmapped and dropped. */
    s = memory_region_find(as, 0x4000, 0x100);
    g_assert_true(s.mr == dev);
    memory_region_del_subregion(box, dev);
    g_assert_cmpstr(memory_region_name(s.mr), ==, "dev");
    memory_region_unref(s.mr);

    /* Destroying the address space frees the whole tree (ASan reports any leak). */
    address_space_destroy(as);
    address_space_destroy(NULL);
    memory_region_unref(NULL);
}

static void test_system_memory(void)
{
    MemoryRegion *root = memory_system_root();
    AddressSpace *as = memory_system_address_space();
    g_autoptr(MemoryRegion) ram = new_ram("ram", 0x1000);

    g_assert_true(root == memory_system_root());
    g_assert_true(address_space_root(as) == root);
    g_assert_cmpstr(address_space_name(as), ==, "memory");
    g_assert_cmpuint(memory_region_size(root), ==, UINT64_MAX);
    memory_region_add_subregion(root, 0x1000, ram);
    assert_view(as, "1000+1000:ram@0");

    g_assert_true(address_space_root(memory_system_io_address_space()) ==
                  memory_system_io_root());
    g_assert_cmpstr(address_space_name(memory_system_io_address_space()), ==, "I/O");
    g_assert_cmpuint(memory_region_size(memory_system_io_root()), ==, 0x10000);
    memory_system_release();
    memory_system_release();
    /* Created afresh after a release. */
    g_assert_true(memory_system_root() != NULL);
    assert_view(memory_system_address_space(), "");
    memory_system_release();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/empty", test_empty);
    g_test_add_func("/memory/overlap-priority", test_overlap_priority);
    g_test_add_func("/memory/equal-priority", test_equal_priority);
    g_test_add_func("/memory/alias", test_alias);
    g_test_add_func("/memory/alias-of-container", test_alias_of_container);
    g_test_add_func("/memory/nesting", test_nesting);
    g_test_add_func("/memory/enable-disable", test_enable_disable);
    g_test_add_func("/memory/coalesce", test_coalesce);
    g_test_add_func("/memory/readonly", test_readonly);
    g_test_add_func("/memory/whole-space", test_whole_space);
    g_test_add_func("/memory/properties", test_properties);
    g_test_add_func("/memory/bad-tree", test_bad_tree);
    g_test_add_func("/memory/alias-loop", test_alias_loop);
    g_test_add_func("/memory/refcount", test_refcount);
    g_test_add_func("/memory/system-memory", test_system_memory);
    return g_test_run();
}
