/*
 * Memory access unit tests: MMIO dispatch with access-size splitting and widening, holes,
 * RAM (memfd and fd-backed), RAM devices, read-only sections, load/store helpers, lookups.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "system/memory.h"

/* An MMIO device logging each call as "r4@8" / "w4@8=1234" and answering reads from regs. */
typedef struct Device {
    GPtrArray *calls;
    uint8_t regs[64];
} Device;

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    Device *d = opaque;
    uint64_t v = 0;

    g_ptr_array_add(d->calls, g_strdup_printf("r%u@%" G_GINT64_MODIFIER "x", size, addr));
    g_assert_cmpuint(addr + size, <=, sizeof(d->regs));
    for (unsigned k = 0; k < size; k++) {
        v |= (uint64_t)d->regs[addr + k] << (8 * k);
    }
    return v;
}

static void dev_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    Device *d = opaque;

    g_ptr_array_add(d->calls, g_strdup_printf("w%u@%" G_GINT64_MODIFIER "x=%" G_GINT64_MODIFIER
                                              "x", size, addr, value));
    g_assert_cmpuint(addr + size, <=, sizeof(d->regs));
    for (unsigned k = 0; k < size; k++) {
        d->regs[addr + k] = (uint8_t)(value >> (8 * k));
    }
}

static char *take_calls(Device *d)
{
    g_ptr_array_add(d->calls, NULL);
    char *joined = g_strjoinv(" ", (char **)d->calls->pdata);

    g_ptr_array_set_size(d->calls, 0);
    return joined;
}

#define assert_calls(d, expected)                                                          \
    do {                                                                                   \
        g_autofree char *got_ = take_calls(d);                                             \
        g_assert_cmpstr(got_, ==, expected);                                               \
    } while (0)

/* A root container with an address space, torn down by the test. */
typedef struct Fixture {
    MemoryRegion *root;
    AddressSpace *as;
    Device dev;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    f->root = memory_region_new_container("root", 0x1000000);
    f->as = address_space_new("as", f->root);
    f->dev.calls = g_ptr_array_new_with_free_func(g_free);
    for (unsigned i = 0; i < sizeof(f->dev.regs); i++) {
        f->dev.regs[i] = (uint8_t)(0x10 + i);
    }
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    address_space_destroy(f->as);
    memory_region_unref(f->root);
    g_ptr_array_unref(f->dev.calls);
}

static MemoryRegion *map_io(Fixture *f, const MemoryRegionOps *ops, hwaddr at)
{
    MemoryRegion *mr = memory_region_new_io("dev", sizeof(f->dev.regs), ops, &f->dev);

    memory_region_add_subregion(f->root, at, mr);
    memory_region_unref(mr);
    return mr;
}

static MemoryRegion *map_ram(Fixture *f, const char *name, uint64_t size, hwaddr at)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *mr = memory_region_new_ram(name, size, &err);

    g_assert_no_error(err);
    memory_region_add_subregion(f->root, at, mr);
    memory_region_unref(mr);
    return mr;
}

static void test_mmio_split(Fixture *f, gconstpointer data)
{
    static const MemoryRegionOps ops = {
        .read = dev_read,
        .write = dev_write,
        .valid = { .min_access_size = 1, .max_access_size = 8 },
        .impl = { .min_access_size = 4, .max_access_size = 4 },
    };
    MemoryRegion *mr = map_io(f, &ops, 0x1000);
    uint64_t v = 0;

    (void)data;
    /* 8 bytes on a 4-byte implementation: two calls, low word first, little-endian. */
    g_assert_cmpuint(address_space_ldq(f->as, 0x1008, NULL), ==, 0x1f1e1d1c1b1a1918ULL);
    assert_calls(&f->dev, "r4@8 r4@c");
    g_assert_cmpint(address_space_stq(f->as, 0x1010, 0x8877665544332211ULL), ==, MEMTX_OK);
    assert_calls(&f->dev, "w4@10=44332211 w4@14=88776655");

    /* 1 byte on a 4-byte implementation: the aligned word, the byte taken out of it. */
    g_assert_cmpuint(address_space_ldub(f->as, 0x1006, NULL), ==, 0x16);
    assert_calls(&f->dev, "r4@4");
    /* A narrow write is widened with the other bytes zero. */
    g_assert_cmpint(address_space_stb(f->as, 0x1005, 0xab), ==, MEMTX_OK);
    assert_calls(&f->dev, "w4@4=ab00");

    /* Direct dispatch does the same. */
    g_assert_cmpint(memory_region_dispatch_read(mr, 0x20, &v, 2), ==, MEMTX_OK);
    g_assert_cmpuint(v, ==, 0x3130);
    assert_calls(&f->dev, "r4@20");
    g_assert_cmpint(memory_region_dispatch_read(mr, 0x20, &v, 3), ==, MEMTX_ERROR);
    g_assert_cmpint(memory_region_dispatch_read(mr, 0x40, &v, 4), ==, MEMTX_DECODE_ERROR);
    g_assert_cmpuint(v, ==, 0xffffffff);
    assert_calls(&f->dev, "");
}

static void test_mmio_unaligned(Fixture *f, gconstpointer data)
{
    static const MemoryRegionOps ops = {
        .read = dev_read,
        .write = dev_write,
        .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
        .impl = { .min_access_size = 4, .max_access_size = 4 },
    };
    MemoryRegion *small = memory_region_new_io("small", 6, &ops, &f->dev);
    MemTxResult res = MEMTX_ERROR;

    (void)data;
    map_io(f, &ops, 0x1000);
    /* An unaligned access the device accepts: the aligned words around it. */
    g_assert_cmpuint(address_space_ldl(f->as, 0x1002, &res), ==, 0x15141312);
    g_assert_cmpint(res, ==, MEMTX_OK);
    assert_calls(&f->dev, "r4@0 r4@4");
    g_assert_cmpint(address_space_stl(f->as, 0x1002, 0xaabbccdd), ==, MEMTX_OK);
    assert_calls(&f->dev, "w4@0=ccdd0000 w4@4=aabb");

    /* A word reaching past the region's end is never passed to the device. */
    memory_region_add_subregion(f->root, 0x2000, small);
    memory_region_unref(small);
    g_assert_cmpuint(address_space_lduw(f->as, 0x2004, &res), ==, 0xffff);
    assert_calls(&f->dev, "");
    g_assert_cmpuint(address_space_lduw(f->as, 0x2002, &res), ==, 0xccdd);
    assert_calls(&f->dev, "r4@0");
}

static void test_mmio_buffer(Fixture *f, gconstpointer data)
{
    static const MemoryRegionOps ops = {
        .read = dev_read,
        .write = dev_write,
        /* defaults: valid 1..4, impl 1..4, aligned only */
    };
    uint8_t buf[16];

    (void)data;
    map_io(f, &ops, 0x2000);
    /* A buffer access is cut into aligned pieces no wider than valid.max_access_size. */
    g_assert_cmpint(address_space_read(f->as, 0x2002, buf, 11), ==, MEMTX_OK);
    assert_calls(&f->dev, "r2@2 r4@4 r4@8 r1@c");
    for (unsigned i = 0; i < 11; i++) {
        g_assert_cmpuint(buf[i], ==, 0x12 + i);
    }
    memset(buf, 0xee, sizeof(buf));
    g_assert_cmpint(address_space_write(f->as, 0x2001, buf, 7), ==, MEMTX_OK);
    assert_calls(&f->dev, "w1@1=ee w2@2=eeee w4@4=eeeeeeee");
}

static void test_mmio_invalid(Fixture *f, gconstpointer data)
{
    static const MemoryRegionOps ops = {
        .read = dev_read,
        .write = dev_write,
        .valid = { .min_access_size = 4, .max_access_size = 4 },
    };
    static const MemoryRegionOps write_only = {
        .write = dev_write,
    };
    MemTxResult res = MEMTX_OK;
    MemoryRegion *wo;

    (void)data;
    map_io(f, &ops, 0x3000);
    /* Narrower than the device accepts: refused, reads as all-ones, device untouched. */
    g_assert_cmpuint(address_space_lduw(f->as, 0x3000, &res), ==, 0xffff);
    g_assert_cmpint(res, ==, MEMTX_ERROR);
    g_assert_cmpint(address_space_stb(f->as, 0x3000, 1), ==, MEMTX_ERROR);
    /* Misaligned: cut into pieces that are too small, so refused too. */
    g_assert_cmpuint(address_space_ldl(f->as, 0x3002, &res), ==, 0xffffffff);
    g_assert_cmpint(res, ==, MEMTX_ERROR);
    assert_calls(&f->dev, "");
    g_assert_cmpuint(address_space_ldl(f->as, 0x3004, &res), ==, 0x17161514);
    g_assert_cmpint(res, ==, MEMTX_OK);
    assert_calls(&f->dev, "r4@4");

    /* No read callback: reads are refused, writes go through. */
    wo = map_io(f, &write_only, 0x4000);
    g_assert_cmpuint(address_space_ldub(f->as, 0x4000, &res), ==, 0xff);
    g_assert_cmpint(res, ==, MEMTX_ERROR);
    g_assert_cmpint(address_space_stb(f->as, 0x4000, 7), ==, MEMTX_OK);
    assert_calls(&f->dev, "w1@0=7");
    g_assert_true(memory_region_is_io(wo));
}

static void test_unassigned(Fixture *f, gconstpointer data)
{
    MemoryRegion *ram = map_ram(f, "ram", 0x1000, 0x10000);
    MemoryRegion *nothing = memory_region_new_io("nothing", 0x100, NULL, NULL);
    uint8_t *host = memory_region_get_ram_ptr(ram);
    uint8_t buf[8];
    MemTxResult res = MEMTX_OK;

    (void)data;
    memset(host, 0x42, 0x1000);
    g_assert_cmpuint(address_space_ldl(f->as, 0x5000, &res), ==, 0xffffffff);
    g_assert_cmpint(res, ==, MEMTX_DECODE_ERROR);
    /* Straddling the end of RAM: RAM bytes, then all-ones, and the caller sees the error. */
    g_assert_cmpint(address_space_read(f->as, 0x10ffc, buf, 8), ==, MEMTX_DECODE_ERROR);
    g_assert_cmpmem(buf, 8, "\x42\x42\x42\x42\xff\xff\xff\xff", 8);
    /* Before the RAM, and past the last mapped range. */
    g_assert_cmpint(address_space_read(f->as, 0xfffc, buf, 8), ==, MEMTX_DECODE_ERROR);
    g_assert_cmpmem(buf, 8, "\xff\xff\xff\xff\x42\x42\x42\x42", 8);
    g_assert_cmpint(address_space_stq(f->as, 0x20000, 0), ==, MEMTX_DECODE_ERROR);
    g_assert_cmpint(address_space_read(f->as, UINT64_MAX - 3, buf, 4), ==, MEMTX_DECODE_ERROR);
    g_assert_cmpint(address_space_read(f->as, 0x10000, buf, 0), ==, MEMTX_OK);

    /* An MMIO region without ops decodes to nothing. */
    memory_region_add_subregion(f->root, 0x30000, nothing);
    memory_region_unref(nothing);
    g_assert_cmpuint(address_space_lduw(f->as, 0x30000, &res), ==, 0xffff);
    g_assert_cmpint(res, ==, MEMTX_DECODE_ERROR);
    g_assert_cmpint(address_space_stw(f->as, 0x30000, 1), ==, MEMTX_DECODE_ERROR);
}

static void test_ram(Fixture *f, gconstpointer data)
{
    MemoryRegion *ram = map_ram(f, "ram", 0x3000, 0x100000);
    RAMBlock *rb = memory_region_get_ram_block(ram);
    uint8_t *host = memory_region_get_ram_ptr(ram);
    g_autofree uint8_t *pattern = g_malloc(0x3000);
    g_autofree uint8_t *back = g_malloc(0x3000);
    MemTxResult res = MEMTX_ERROR;

    (void)data;
    for (unsigned i = 0; i < 0x3000; i++) {
        pattern[i] = (uint8_t)(i * 7);
    }
    g_assert_cmpint(address_space_write(f->as, 0x100000, pattern, 0x3000), ==, MEMTX_OK);
    g_assert_cmpmem(host, 0x3000, pattern, 0x3000);
    g_assert_cmpint(address_space_read(f->as, 0x100000, back, 0x3000), ==, MEMTX_OK);
    g_assert_cmpmem(back, 0x3000, pattern, 0x3000);
    /* Not logging: nothing dirty. */
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 0);

    /* Little-endian helpers, also misaligned. */
    g_assert_cmpint(address_space_stl(f->as, 0x100001, 0x11223344), ==, MEMTX_OK);
    g_assert_cmpmem(host + 1, 4, "\x44\x33\x22\x11", 4);
    g_assert_cmpint(address_space_stw(f->as, 0x100010, 0xbeef), ==, MEMTX_OK);
    g_assert_cmpuint(address_space_lduw(f->as, 0x100010, &res), ==, 0xbeef);
    g_assert_cmpint(res, ==, MEMTX_OK);
    g_assert_cmpint(address_space_stq(f->as, 0x100020, 0x0102030405060708ULL), ==, MEMTX_OK);
    g_assert_cmpuint(address_space_ldq(f->as, 0x100020, NULL), ==, 0x0102030405060708ULL);
    g_assert_cmpuint(address_space_ldl(f->as, 0x100024, NULL), ==, 0x01020304);
    g_assert_cmpuint(address_space_ldub(f->as, 0x100027, NULL), ==, 0x01);

    /* Dispatch straight to the region, and through an alias of it. */
    {
        g_autoptr(MemoryRegion) alias = memory_region_new_alias("alias", ram, 0x20, 0x100);
        uint64_t v = 0;

        g_assert_cmpint(memory_region_dispatch_read(ram, 0x20, &v, 8), ==, MEMTX_OK);
        g_assert_cmpuint(v, ==, 0x0102030405060708ULL);
        g_assert_cmpint(memory_region_dispatch_read(alias, 4, &v, 4), ==, MEMTX_OK);
        g_assert_cmpuint(v, ==, 0x01020304);
        g_assert_cmpint(memory_region_dispatch_write(alias, 0, 0xaa, 1), ==, MEMTX_OK);
        g_assert_cmpuint(host[0x20], ==, 0xaa);
        g_assert_cmpint(memory_region_dispatch_read(alias, 0xfe, &v, 4), ==, MEMTX_DECODE_ERROR);
        g_assert_cmpint(memory_region_dispatch_read(ram, 0x2ffe, &v, 4), ==, MEMTX_DECODE_ERROR);
        g_assert_cmpint(memory_region_dispatch_read(f->root, 0, &v, 4), ==, MEMTX_DECODE_ERROR);
    }
}

static void test_ram_readonly(Fixture *f, gconstpointer data)
{
    MemoryRegion *rom = map_ram(f, "rom", 0x1000, 0x0);
    uint8_t *host = memory_region_get_ram_ptr(rom);

    (void)data;
    host[0] = 0x5a;
    memory_region_set_readonly(rom, true);
    /* Writes to ROM are dropped without an error; reads work. */
    g_assert_cmpint(address_space_stb(f->as, 0, 0x11), ==, MEMTX_OK);
    g_assert_cmpuint(host[0], ==, 0x5a);
    g_assert_cmpuint(address_space_ldub(f->as, 0, NULL), ==, 0x5a);
    memory_region_set_readonly(rom, false);
    g_assert_cmpint(address_space_stb(f->as, 0, 0x11), ==, MEMTX_OK);
    g_assert_cmpuint(host[0], ==, 0x11);
}

static void test_memfd_ram(Fixture *f, gconstpointer data)
{
    MemoryRegion *ram = map_ram(f, "guest-ram", 0x2000, 0x40000);
    int fd = memory_region_get_fd(ram);
    uint8_t *host = memory_region_get_ram_ptr(ram);
    const uint8_t word[4] = { 0x0d, 0xf0, 0xfe, 0xca };
    uint8_t b = 0;

    (void)data;
    g_assert_true(memory_region_is_ram(ram));
    g_assert_false(memory_region_is_ram_device(ram));
    g_assert_cmpint(fd, >=, 0);
    g_assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    g_assert_cmpuint(memory_region_get_fd_offset(ram), ==, 0);
    g_assert_cmpuint(memory_region_size(ram), ==, 0x2000);
    g_assert_cmpuint(lseek(fd, 0, SEEK_END), >=, 0x2000);

    /* The pointer is writable and the address space sees it... */
    host[0x1234] = 0x77;
    g_assert_cmpuint(address_space_ldub(f->as, 0x41234, NULL), ==, 0x77);
    /* ... and the fd shares the same pages, both ways. */
    g_assert_cmpint(pwrite(fd, word, sizeof(word), 0x100), ==, sizeof(word));
    g_assert_cmpuint(address_space_ldl(f->as, 0x40100, NULL), ==, 0xcafef00d);
    g_assert_cmpint(address_space_stb(f->as, 0x41fff, 0x99), ==, MEMTX_OK);
    g_assert_cmpint(pread(fd, &b, 1, 0x1fff), ==, 1);
    g_assert_cmpuint(b, ==, 0x99);
}

static void test_ram_from_fd(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    long ps = sysconf(_SC_PAGESIZE);
    int fd = memfd_create("test-backend", MFD_CLOEXEC);
    MemoryRegion *ram;
    uint8_t b = 0x3c;

    (void)data;
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 2 * ps), ==, 0);
    g_assert_cmpint(pwrite(fd, &b, 1, ps + 5), ==, 1);

    ram = memory_region_new_ram_from_fd("backend", (uint64_t)ps, fd, (uint64_t)ps, &err);
    g_assert_no_error(err);
    /* The region keeps its own fd: the caller's may be closed. */
    g_assert_cmpint(memory_region_get_fd(ram), !=, fd);
    g_assert_cmpint(close(fd), ==, 0);
    g_assert_cmpuint(memory_region_get_fd_offset(ram), ==, (uint64_t)ps);
    memory_region_add_subregion(f->root, 0x80000, ram);
    memory_region_unref(ram);
    g_assert_cmpuint(address_space_ldub(f->as, 0x80005, NULL), ==, 0x3c);

    /* Errors are reported, not fatal. */
    g_assert_null(memory_region_new_ram_from_fd("bad", 0x1000, -1, 0, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_null(memory_region_new_ram("zero", 0, &err));
    g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL);
}

static void test_ram_device(Fixture *f, gconstpointer data)
{
    uint32_t *bar = g_malloc0(0x1000);
    MemoryRegion *mr = memory_region_new_ram_device("bar0", 0x1000, bar);
    uint64_t len = 0;
    uint8_t buf[6];

    (void)data;
    g_assert_true(memory_region_is_ram(mr));
    g_assert_true(memory_region_is_ram_device(mr));
    g_assert_true(memory_region_get_ram_ptr(mr) == bar);
    g_assert_null(memory_region_get_ram_block(mr));
    g_assert_cmpint(memory_region_get_fd(mr), ==, -1);
    memory_region_add_subregion(f->root, 0x200000, mr);
    memory_region_unref(mr);

    bar[1] = GUINT32_TO_LE(0xdeadbeef);
    g_assert_cmpuint(address_space_ldl(f->as, 0x200004, NULL), ==, 0xdeadbeef);
    g_assert_cmpint(address_space_stq(f->as, 0x200008, 0x1122334455667788ULL), ==, MEMTX_OK);
    g_assert_cmpuint(GUINT32_FROM_LE(bar[2]), ==, 0x55667788);
    g_assert_cmpuint(GUINT32_FROM_LE(bar[3]), ==, 0x11223344);
    /* Misaligned buffers go piece by piece. */
    g_assert_cmpint(address_space_read(f->as, 0x200003, buf, 6), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 6, "\x00\xef\xbe\xad\xde\x88", 6);
    /* Device memory is never logged. */
    g_assert_true(memory_global_dirty_log_start(NULL));
    g_assert_cmpint(address_space_stb(f->as, 0x200000, 1), ==, MEMTX_OK);
    memory_global_dirty_log_stop();

    /* The host pointer is handed out as for RAM. */
    g_assert_true(address_space_get_ram_ptr(f->as, 0x200010, 0x2000, &len) ==
                  (uint8_t *)bar + 0x10);
    g_assert_cmpuint(len, ==, 0xff0);

    memory_region_del_subregion(f->root, mr);
    g_free(bar);
}

static void test_ram_ptr_and_find(Fixture *f, gconstpointer data)
{
    static const MemoryRegionOps ops = { .read = dev_read, .write = dev_write };
    MemoryRegion *ram = map_ram(f, "ram", 0x4000, 0x10000);
    MemoryRegion *io = map_io(f, &ops, 0x20000);
    MemoryRegionSection s;
    uint64_t len = 1;
    uint8_t *p;

    (void)data;
    p = address_space_get_ram_ptr(f->as, 0x11000, 0x8000, &len);
    g_assert_true(p == (uint8_t *)memory_region_get_ram_ptr(ram) + 0x1000);
    g_assert_cmpuint(len, ==, 0x3000);
    p = address_space_get_ram_ptr(f->as, 0x11000, 0x10, &len);
    g_assert_cmpuint(len, ==, 0x10);
    g_assert_null(address_space_get_ram_ptr(f->as, 0x20000, 4, &len));
    g_assert_cmpuint(len, ==, 0);
    g_assert_null(address_space_get_ram_ptr(f->as, 0x30000, 4, &len));

    /* Writing through the pointer, then telling the bitmap. */
    g_assert_true(memory_global_dirty_log_start(NULL));
    p = address_space_get_ram_ptr(f->as, 0x12000, 1, &len);
    *p = 1;
    memory_region_set_dirty(ram, 0x2000, 1);
    g_assert_true(ram_block_dirty_test(memory_region_get_ram_block(ram), 0x2000, 1));
    memory_global_dirty_log_stop();

    s = memory_region_find(f->as, 0x12000, 0x10000);
    g_assert_true(s.mr == ram);
    g_assert_true(s.address_space == f->as);
    g_assert_cmpuint(s.offset_within_address_space, ==, 0x12000);
    g_assert_cmpuint(s.offset_within_region, ==, 0x2000);
    g_assert_cmpuint(s.size, ==, 0x2000);
    g_assert_false(s.readonly);
    memory_region_unref(s.mr);

    /* Starting in a hole: the first section inside the range. */
    s = memory_region_find(f->as, 0x18000, 0x10000);
    g_assert_true(s.mr == io);
    g_assert_cmpuint(s.offset_within_address_space, ==, 0x20000);
    g_assert_cmpuint(s.size, ==, 0x40);
    memory_region_unref(s.mr);

    /* Nothing there, or an empty range. */
    s = memory_region_find(f->as, 0x18000, 0x1000);
    g_assert_null(s.mr);
    s = memory_region_find(f->as, 0x30000, 0x1000);
    g_assert_null(s.mr);
    s = memory_region_find(f->as, 0x10000, 0);
    g_assert_null(s.mr);
}

#define ADD(path, fn) g_test_add("/memory-access/" path, Fixture, NULL, fixture_setup, fn, \
                                 fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("mmio-split", test_mmio_split);
    ADD("mmio-unaligned", test_mmio_unaligned);
    ADD("mmio-buffer", test_mmio_buffer);
    ADD("mmio-invalid", test_mmio_invalid);
    ADD("unassigned", test_unassigned);
    ADD("ram", test_ram);
    ADD("ram-readonly", test_ram_readonly);
    ADD("memfd-ram", test_memfd_ram);
    ADD("ram-from-fd", test_ram_from_fd);
    ADD("ram-device", test_ram_device);
    ADD("ram-ptr-and-find", test_ram_ptr_and_find);
    return g_test_run();
}
