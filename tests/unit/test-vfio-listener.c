/*
 * VFIO common layer unit tests with a fake backend (no kernel): what the memory listener maps
 * (RAM and RAM devices, not MMIO), IOMMU page alignment, valid IOVA ranges, overlays that
 * split mappings, error wording (locked-memory limit), dirty page merging, device DMA logging.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <linux/vfio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-container-base.h"
#include "hw/vfio/vfio-sys.h"
#include "system/memory.h"
#include "system/runstate.h"
#include "vfio-internal.h"

/* --- a fake backend: records calls, keeps the kernel's mapping list, can fail --- */

#define FAKE_TYPE_CONTAINER (fake_container_get_type())
G_DECLARE_FINAL_TYPE(FakeContainer, fake_container, FAKE, CONTAINER, VFIOContainer)

typedef struct FakeMap {
    uint64_t iova, size;
    void *vaddr;
    bool readonly;
} FakeMap;

struct _FakeContainer {
    VFIOContainer parent_instance;
    GArray *maps;         /* FakeMap, the "kernel" state */
    unsigned nmap, nunmap;
    int map_err;          /* fail every map with this -errno; 0: succeed */
    bool fail_ram_device; /* fail maps of vaddrs inside [dev_lo, dev_hi) */
    uint8_t *dev_lo, *dev_hi;
    bool tracking;
    uint64_t dirty_iova;  /* the query reports page 1 of a mapping at this iova dirty */
    uint64_t dirty_pgsize; /* the page size of the last query */
};

G_DEFINE_FINAL_TYPE(FakeContainer, fake_container, VFIO_TYPE_CONTAINER)

static int fake_dma_map(VFIOContainer *base, hwaddr iova, uint64_t size, void *vaddr,
                        bool readonly)
{
    FakeContainer *c = FAKE_CONTAINER(base);
    FakeMap m = { .iova = iova, .size = size, .vaddr = vaddr, .readonly = readonly };

    c->nmap++;
    if (c->fail_ram_device && (uint8_t *)vaddr >= c->dev_lo && (uint8_t *)vaddr < c->dev_hi) {
        return -EFAULT;
    }
    if (c->map_err) {
        return c->map_err;
    }
    g_array_append_val(c->maps, m);
    return 0;
}

static int fake_dma_unmap(VFIOContainer *base, hwaddr iova, uint64_t size)
{
    FakeContainer *c = FAKE_CONTAINER(base);

    c->nunmap++;
    for (guint i = 0; i < c->maps->len; i++) {
        FakeMap *m = &g_array_index(c->maps, FakeMap, i);

        if (m->iova == iova && m->size == size) {
            g_array_remove_index(c->maps, i);
            return 0;
        }
    }
    return -EINVAL;
}

static int fake_set_dirty(VFIOContainer *base, bool start)
{
    FAKE_CONTAINER(base)->tracking = start;
    return 0;
}

static int fake_query_dirty(VFIOContainer *base, hwaddr iova, uint64_t size, uint64_t pgsize,
                            uint64_t *bitmap)
{
    (void)size;
    FAKE_CONTAINER(base)->dirty_pgsize = pgsize;
    if (iova == FAKE_CONTAINER(base)->dirty_iova) {
        bitmap[0] |= 1u << 1;
    }
    return 0;
}

static void fake_container_finalize(GObject *obj)
{
    g_array_free(FAKE_CONTAINER(obj)->maps, TRUE);
    G_OBJECT_CLASS(fake_container_parent_class)->finalize(obj);
}

static void fake_container_class_init(FakeContainerClass *klass)
{
    VFIOContainerClass *base = VFIO_CONTAINER_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = fake_container_finalize;
    base->backend_name = "fake";
    base->dma_map = fake_dma_map;
    base->dma_unmap = fake_dma_unmap;
    base->set_dirty_page_tracking = fake_set_dirty;
    base->query_dirty_bitmap = fake_query_dirty;
}

static void fake_container_init(FakeContainer *c)
{
    c->maps = g_array_new(FALSE, FALSE, sizeof(FakeMap));
}

/* --- fixture: an address space with RAM at 0 (1 MiB) and 0x200000 (512 KiB), MMIO --- */

typedef struct Fixture {
    MemoryRegion *root, *ram0, *ram1, *mmio;
    AddressSpace *as;
    FakeContainer *c;
    VFIOAddressSpace *space;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
    (void)data;
    f->root = memory_region_new_container("root", UINT64_MAX);
    f->ram0 = memory_region_new_ram("ram0", 0x100000, NULL);
    f->ram1 = memory_region_new_ram("ram1", 0x80000, NULL);
    f->mmio = memory_region_new_io("mmio", 0x1000, NULL, NULL);
    memory_region_add_subregion(f->root, 0, f->ram0);
    memory_region_add_subregion(f->root, 0x200000, f->ram1);
    memory_region_add_subregion(f->root, 0x300000, f->mmio);
    f->as = address_space_new("test", f->root);
    f->c = g_object_new(FAKE_TYPE_CONTAINER, NULL);
    f->space = vfio_address_space_get(f->as);
}

static void teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    vfio_container_unlisten(VFIO_CONTAINER(f->c));
    g_assert_cmpuint(f->c->maps->len, ==, 0);
    g_assert_cmpuint(vfio_container_mapping_count(VFIO_CONTAINER(f->c)), ==, 0);
    g_object_unref(f->c);
    vfio_address_space_put(f->space);
    address_space_destroy(f->as);
    memory_region_unref(f->ram0);
    memory_region_unref(f->ram1);
    memory_region_unref(f->mmio);
    memory_region_unref(f->root);
}

static FakeMap *find_map(Fixture *f, uint64_t iova)
{
    for (guint i = 0; i < f->c->maps->len; i++) {
        FakeMap *m = &g_array_index(f->c->maps, FakeMap, i);

        if (m->iova == iova) {
            return m;
        }
    }
    return NULL;
}

static void test_maps_ram_only(Fixture *f, gconstpointer data)
{
    FakeMap *m;

    (void)data;
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    g_assert_cmpuint(f->c->maps->len, ==, 2);
    m = find_map(f, 0);
    g_assert_nonnull(m);
    g_assert_cmpuint(m->size, ==, 0x100000);
    g_assert_true(m->vaddr == memory_region_get_ram_ptr(f->ram0));
    g_assert_false(m->readonly);
    m = find_map(f, 0x200000);
    g_assert_nonnull(m);
    g_assert_cmpuint(m->size, ==, 0x80000);
    g_assert_cmpuint(vfio_container_mapped_bytes(VFIO_CONTAINER(f->c)), ==, 0x180000);
    g_assert_true(vfio_address_space_containers(f->space)->data == f->c);
}

static void test_overlay(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) bar = memory_region_new_io("bar", 0x10000, NULL, NULL);
    unsigned nmap, nunmap;

    (void)data;
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    nmap = f->c->nmap;
    nunmap = f->c->nunmap;
    /* A BAR over the middle of ram0: one unmap, the two remaining sides mapped back. */
    memory_region_add_subregion_overlap(f->root, 0x40000, bar, 1);
    g_assert_cmpuint(f->c->nunmap - nunmap, ==, 1);
    g_assert_cmpuint(f->c->nmap - nmap, ==, 2);
    g_assert_nonnull(find_map(f, 0));
    g_assert_cmpuint(find_map(f, 0)->size, ==, 0x40000);
    g_assert_nonnull(find_map(f, 0x50000));
    g_assert_cmpuint(find_map(f, 0x50000)->size, ==, 0xb0000);
    g_assert_true((uint8_t *)find_map(f, 0x50000)->vaddr ==
                  (uint8_t *)memory_region_get_ram_ptr(f->ram0) + 0x50000);
    g_assert_null(find_map(f, 0x40000));
    /* ram1 untouched. */
    g_assert_nonnull(find_map(f, 0x200000));
    /* The BAR goes: only its range is mapped again, nothing else is touched. */
    nmap = f->c->nmap;
    nunmap = f->c->nunmap;
    memory_region_del_subregion(f->root, bar);
    g_assert_cmpuint(f->c->nunmap - nunmap, ==, 0);
    g_assert_cmpuint(f->c->nmap - nmap, ==, 1);
    g_assert_cmpuint(find_map(f, 0x40000)->size, ==, 0x10000);
    g_assert_cmpuint(vfio_container_mapped_bytes(VFIO_CONTAINER(f->c)), ==, 0x180000);
    /* Moving ram1 elsewhere: unmap there, map at the new place. */
    memory_region_set_address(f->ram1, 0x400000);
    g_assert_null(find_map(f, 0x200000));
    g_assert_nonnull(find_map(f, 0x400000));
}

static gboolean ignore_log(const gchar *domain, GLogLevelFlags level, const gchar *msg,
                           gpointer data)
{
    (void)domain;
    (void)level;
    (void)msg;
    (void)data;
    return FALSE;
}

static void test_alignment(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) odd = memory_region_new_ram("odd", 0x30000, NULL);
    g_autoptr(MemoryRegion) alias = NULL;
    g_autoptr(MemoryRegion) skew = NULL;

    (void)data;
    /* An alias starting 0x800 into a RAM region, placed at 0x500800: host and guest agree
     * modulo 4 KiB and inward rounding maps [0x501000, 0x52f000). */
    alias = memory_region_new_alias("odd-alias", odd, 0x800, 0x2f000);
    memory_region_add_subregion(f->root, 0x500800, alias);
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    g_assert_nonnull(find_map(f, 0x501000));
    g_assert_cmpuint(find_map(f, 0x501000)->size, ==, 0x2e000);
    /* Less than a page: nothing to map. */
    g_autoptr(MemoryRegion) tiny = memory_region_new_alias("tiny", odd, 0, 0x800);
    memory_region_add_subregion(f->root, 0x700000, tiny);
    g_assert_null(find_map(f, 0x700000));
    /* Host and guest addresses disagree modulo the page size: a warning, nothing mapped. */
    skew = memory_region_new_alias("skew", odd, 0x800, 0x2000);
    g_test_log_set_fatal_handler(ignore_log, NULL);
    g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*'odd'*not aligned*");
    memory_region_add_subregion(f->root, 0x600000, skew);
    g_test_assert_expected_messages();
    g_assert_null(find_map(f, 0x600000));
    memory_region_del_subregion(f->root, skew);
    memory_region_del_subregion(f->root, tiny);
    memory_region_del_subregion(f->root, alias);
    g_assert_null(find_map(f, 0x501000));
}

/* RAM the IOMMU cannot map (it meets a reserved range) fails the attach with a message naming
 * the RAM and the reserved range, instead of leaving it silently out of reach of devices. */
static void test_iova_ranges(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) big = memory_region_new_ram("big", 0x300000, NULL);
    g_autoptr(GError) err = NULL;

    (void)data;
    /* Reserved window 0xfee00000-0xfeefffff (the MSI window) inside the RAM below. */
    vfio_container_add_iova_range(VFIO_CONTAINER(f->c), 0, 0xfedfffff);
    vfio_container_add_iova_range(VFIO_CONTAINER(f->c), 0xfef00000, UINT64_MAX);
    g_assert_true(vfio_container_iova_valid(VFIO_CONTAINER(f->c), 0x1000, 0x1fff));
    g_assert_false(vfio_container_iova_valid(VFIO_CONTAINER(f->c), 0xfee00000, 0xfee00fff));
    /* Outside the window: mapped as usual. */
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    g_assert_cmpuint(f->c->maps->len, ==, 2);
    vfio_container_unlisten(VFIO_CONTAINER(f->c));
    memory_region_add_subregion(f->root, 0xfed00000, big);
    g_assert_false(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, &err));
    g_assert_error(err, VFIO_ERROR, EINVAL);
    g_test_message("%s", err->message);
    g_assert_nonnull(strstr(err->message, "RAM 'big'"));
    g_assert_nonnull(strstr(err->message, "[0xfed00000, 0xfeffffff]"));
    g_assert_nonnull(strstr(err->message, "[0xfee00000, 0xfeefffff], which the IOMMU reserves"));
    g_assert_cmpuint(f->c->maps->len, ==, 0);
    memory_region_del_subregion(f->root, big);
}

static void test_readonly(Fixture *f, gconstpointer data)
{
    (void)data;
    memory_region_set_readonly(f->ram1, true);
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    g_assert_true(find_map(f, 0x200000)->readonly);
    g_assert_false(find_map(f, 0)->readonly);
}

static void test_memlock_error(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    struct rlimit old, rl;

    (void)data;
    g_assert_cmpint(getrlimit(RLIMIT_MEMLOCK, &old), ==, 0);
    rl = old;
    rl.rlim_cur = 0x10000; /* 64 KiB */
    g_assert_cmpint(setrlimit(RLIMIT_MEMLOCK, &rl), ==, 0);
    f->c->map_err = -ENOMEM;
    g_assert_false(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, &err));
    g_assert_cmpint(setrlimit(RLIMIT_MEMLOCK, &old), ==, 0);
    g_assert_error(err, VFIO_ERROR, ENOMEM);
    g_test_message("%s", err->message);
    g_assert_nonnull(strstr(err->message, "RLIMIT_MEMLOCK is 64 KiB"));
    g_assert_nonnull(strstr(err->message, "pins all 1536 KiB of guest RAM, 1472 KiB more"));
    g_assert_nonnull(strstr(err->message, "RAM 'ram0'"));
    g_assert_nonnull(strstr(err->message, "ulimit -l"));
    /* Nothing left mapped or listed. */
    g_assert_cmpuint(f->c->maps->len, ==, 0);
    g_assert_null(vfio_address_space_containers(f->space));
}

static void test_other_errors(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    (void)data;
    f->c->map_err = -ENOSPC;
    vfio_container_set_dma_max_mappings(VFIO_CONTAINER(f->c), 65535);
    g_assert_false(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, &err));
    g_assert_error(err, VFIO_ERROR, ENOSPC);
    g_assert_nonnull(strstr(err->message, "limit on DMA mappings (65535)"));
    g_clear_error(&err);
    f->c->map_err = -EFAULT;
    g_assert_false(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, &err));
    g_assert_error(err, VFIO_ERROR, EFAULT);
    g_assert_nonnull(strstr(err->message, "fake backend"));
    g_assert_null(strchr(err->message, '\n'));
}

static void test_ram_device_warns(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *bar_mem = g_malloc0(0x20000);
    uint8_t *aligned = (uint8_t *)(((uintptr_t)bar_mem + 0xfff) & ~(uintptr_t)0xfff);
    g_autoptr(MemoryRegion) bar = memory_region_new_ram_device("peer-bar", 0x10000, aligned);

    (void)data;
    memory_region_add_subregion(f->root, 0x800000, bar);
    f->c->fail_ram_device = true;
    f->c->dev_lo = aligned;
    f->c->dev_hi = aligned + 0x10000;
    /* A peer's BAR that can't be mapped is a warning, never a failed attach. */
    g_test_log_set_fatal_handler(ignore_log, NULL);
    g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*peer-bar*peer-to-peer*");
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    g_test_assert_expected_messages();
    g_assert_cmpuint(f->c->maps->len, ==, 2);
    /* And mapped when the kernel takes it. */
    vfio_container_unlisten(VFIO_CONTAINER(f->c));
    f->c->fail_ram_device = false;
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    g_assert_nonnull(find_map(f, 0x800000));
    memory_region_del_subregion(f->root, bar);
}

/* Guest RAM that cannot be mapped once running stops the VM (internal-error), with a warning
 * naming the region; it never leaves the guest running with DMA that would fault. */
static void test_runtime_map_failure(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MemoryRegion) ram = NULL;

    (void)data;
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    hd_runstate_set(HD_RUN_STATE_RUNNING);
    f->c->map_err = -EFAULT;
    ram = memory_region_new_ram("hot-ram", 0x10000, &err);
    g_assert_no_error(err);
    g_test_log_set_fatal_handler(ignore_log, NULL);
    g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                          "*hot-ram*would fault*status internal-error*");
    memory_region_add_subregion(f->root, 0x900000, ram);
    g_test_assert_expected_messages();
    while (g_main_context_iteration(NULL, FALSE)) {
    }
    g_assert_cmpint(hd_runstate_get(), ==, HD_RUN_STATE_INTERNAL_ERROR);
    f->c->map_err = 0;
    memory_region_del_subregion(f->root, ram);
    hd_runstate_set(HD_RUN_STATE_PRELAUNCH);
}

/* An overlay cuts a mapping; the kernel then refuses to map the rest back: that RAM is out
 * of the devices' reach, so the VM stops (internal-error) with a message naming the RAM, the
 * range and the container's devices, never a warning about a failed unmap. */
static void test_remap_failure(Fixture *f, gconstpointer data)
{
    g_autoptr(MemoryRegion) bar = memory_region_new_io("bar", 0x10000, NULL, NULL);
    VFIOContainerPrivate *priv = vfio_container_priv(VFIO_CONTAINER(f->c));
    VFIODevice dev;

    (void)data;
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    vfio_device_init(&dev, NULL);
    dev.name = g_strdup("0000:00:04.0");
    g_queue_push_tail_link(&priv->devices, &dev.container_link);
    hd_runstate_set(HD_RUN_STATE_RUNNING);
    f->c->map_err = -ENOMEM;
    g_test_log_set_fatal_handler(ignore_log, NULL);
    g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                          "*RAM 'ram0' back*0x40000 bytes at IOVA 0x0*fake container of 0000:00:04.0*status internal-error*");
    g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                          "*RAM 'ram0' back*0xb0000 bytes at IOVA 0x50000*status internal-error*");
    memory_region_add_subregion_overlap(f->root, 0x40000, bar, 1);
    g_test_assert_expected_messages();
    while (g_main_context_iteration(NULL, FALSE)) {
    }
    g_assert_cmpint(hd_runstate_get(), ==, HD_RUN_STATE_INTERNAL_ERROR);
    g_assert_null(find_map(f, 0));
    g_assert_cmpuint(vfio_container_mapping_count(VFIO_CONTAINER(f->c)), ==, 1);
    f->c->map_err = 0;
    memory_region_del_subregion(f->root, bar);
    g_queue_unlink(&priv->devices, &dev.container_link);
    vfio_device_clear(&dev);
    hd_runstate_set(HD_RUN_STATE_PRELAUNCH);
}

static void test_dirty(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    RAMBlock *rb = memory_region_get_ram_block(f->ram1);

    (void)data;
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    /*
     * Without dirty support in the IOMMU info, global logging starts without asking the
     * kernel, and every sync reports all mapped RAM dirty (QEMU's behaviour; vfio-pci blocks
     * migration of such a device unless enable-migration=on).
     */
    g_assert_true(memory_global_dirty_log_start(&err));
    g_assert_no_error(err);
    g_assert_false(f->c->tracking);
    ram_block_dirty_clear_all(rb);
    f->c->dirty_iova = 0x200000;
    memory_global_dirty_log_sync();
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 0x80000 / RAM_BLOCK_PAGE_SIZE);
    memory_global_dirty_log_stop();
    g_assert_false(f->c->tracking);
    vfio_container_set_dirty_pgsizes(VFIO_CONTAINER(f->c), 0x1000);
    g_assert_true(memory_global_dirty_log_start(NULL));
    g_assert_true(f->c->tracking);
    ram_block_dirty_clear_all(rb);
    f->c->dirty_iova = 0x200000;
    memory_global_dirty_log_sync();
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 1);
    g_assert_true(ram_block_dirty_test(rb, 0x1000, 1));
    memory_global_dirty_log_stop();
    g_assert_false(f->c->tracking);
}

/* x-pre-copy-dirty-page-tracking=off: while a device of the container has its precopy syncs
 * paused (VFIODevice.dirty_sync_paused), a sync neither asks the kernel nor dirties RAM. */
static void test_dirty_paused(Fixture *f, gconstpointer data)
{
    VFIOContainerPrivate *priv = vfio_container_priv(VFIO_CONTAINER(f->c));
    RAMBlock *rb = memory_region_get_ram_block(f->ram1);
    VFIODevice dev;

    (void)data;
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    vfio_device_init(&dev, NULL);
    dev.name = g_strdup("0000:00:04.0");
    g_queue_push_tail_link(&priv->devices, &dev.container_link);
    vfio_container_set_dirty_pgsizes(VFIO_CONTAINER(f->c), 0x1000);
    g_assert_true(memory_global_dirty_log_start(NULL));
    ram_block_dirty_clear_all(rb);
    f->c->dirty_iova = 0x200000;
    dev.dirty_sync_paused = true;
    memory_global_dirty_log_sync();
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 0);
    g_assert_cmphex(f->c->dirty_pgsize, ==, 0);
    /* The device stopped (stop-copy): the next sync reports what it wrote. */
    dev.dirty_sync_paused = false;
    memory_global_dirty_log_sync();
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 1);
    memory_global_dirty_log_stop();
    g_queue_unlink(&priv->devices, &dev.container_link);
    vfio_device_clear(&dev);
}

/* Dirty bitmaps only for 64 KiB pages (4 KiB and 64 KiB IOMMU pages): tracking works, the
 * query asks for 64 KiB pages and a dirty one marks all 16 RAM pages it holds. */
static void test_dirty_64k(Fixture *f, gconstpointer data)
{
    RAMBlock *rb = memory_region_get_ram_block(f->ram1);

    (void)data;
    vfio_container_set_pgsizes(VFIO_CONTAINER(f->c), 0x11000);
    vfio_container_set_dirty_pgsizes(VFIO_CONTAINER(f->c), 0x10000);
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    g_assert_true(memory_global_dirty_log_start(NULL));
    ram_block_dirty_clear_all(rb);
    f->c->dirty_iova = 0x200000;
    memory_global_dirty_log_sync();
    g_assert_cmphex(f->c->dirty_pgsize, ==, 0x10000);
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 16);
    g_assert_true(ram_block_dirty_test(rb, 0x10000, 1));
    g_assert_true(ram_block_dirty_test(rb, 0x1f000, 1));
    g_assert_false(ram_block_dirty_test(rb, 0xf000, 1));
    g_assert_false(ram_block_dirty_test(rb, 0x20000, 1));
    memory_global_dirty_log_stop();
}

/*
 * Device DMA logging with a fake kernel device (named as such: no lab device's driver reports
 * written pages; mtty's log is always empty). The fake answers VFIO_DEVICE_FEATURE for the
 * DMA_LOGGING features, records the ranges and reports page 2 of the mapping at 0x200000.
 */
static struct {
    unsigned starts, stops, reports;
    uint32_t nranges;
    struct vfio_device_feature_dma_logging_range ranges[4];
    int report_err;
    bool offered;
} logdev;

static int logdev_fd = -1;

static int fake_logging_device(int fd, unsigned long request, void *arg)
{
    struct vfio_device_feature *f = arg;
    uint32_t which;

    if (fd != logdev_fd) {
        return VFIO_SYS_PASS;
    }
    which = f->flags & VFIO_DEVICE_FEATURE_MASK;
    if (request != VFIO_DEVICE_FEATURE || !logdev.offered ||
        (which != VFIO_DEVICE_FEATURE_DMA_LOGGING_START &&
         which != VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP &&
         which != VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT)) {
        return -ENOTTY;
    }
    if (f->flags & VFIO_DEVICE_FEATURE_PROBE) {
        return 0;
    }
    if (which == VFIO_DEVICE_FEATURE_DMA_LOGGING_START) {
        struct vfio_device_feature_dma_logging_control *c = (void *)f->data;

        logdev.starts++;
        logdev.nranges = c->num_ranges;
        memcpy(logdev.ranges, (void *)(uintptr_t)c->ranges,
               MIN(c->num_ranges, 4) * sizeof(logdev.ranges[0]));
        c->page_size = 0x1000;
        return 0;
    }
    if (which == VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP) {
        logdev.stops++;
        return 0;
    }
    struct vfio_device_feature_dma_logging_report *r = (void *)f->data;

    logdev.reports++;
    if (logdev.report_err) {
        return logdev.report_err;
    }
    g_assert_cmphex(r->page_size, ==, 0x1000);
    if (r->iova == 0x200000) {
        ((uint64_t *)(uintptr_t)r->bitmap)[0] |= 1u << 2;
    }
    return 0;
}

/*
 * Every device of the container logs its DMA: the common layer uses the devices' logs instead
 * of the IOMMU's tracking (which the container also offers here), with the mapped RAM as the
 * logged ranges; a failed report marks that mapping all dirty; a device without a log makes
 * the next start fall back to the IOMMU.
 */
static void test_dirty_device_log(Fixture *f, gconstpointer data)
{
    VFIOContainerPrivate *priv = vfio_container_priv(VFIO_CONTAINER(f->c));
    RAMBlock *rb = memory_region_get_ram_block(f->ram1);
    VFIODevice dev;

    (void)data;
    memset(&logdev, 0, sizeof(logdev));
    logdev.offered = true;
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(f->c), f->space, NULL));
    vfio_device_init(&dev, NULL);
    dev.name = g_strdup("0000:00:05.0");
    dev.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    logdev_fd = dev.fd;
    vfio_sys_set_ioctl_fake(fake_logging_device);
    g_queue_push_tail_link(&priv->devices, &dev.container_link);
    vfio_container_set_dirty_pgsizes(VFIO_CONTAINER(f->c), 0x1000);

    g_assert_true(memory_global_dirty_log_start(NULL));
    g_assert_false(f->c->tracking);
    g_assert_cmpuint(logdev.starts, ==, 1);
    g_assert_cmpuint(logdev.nranges, ==, 2);
    g_assert_cmphex(logdev.ranges[0].iova, ==, 0);
    g_assert_cmphex(logdev.ranges[0].length, ==, 0x100000);
    g_assert_cmphex(logdev.ranges[1].iova, ==, 0x200000);
    g_assert_cmphex(logdev.ranges[1].length, ==, 0x80000);
    ram_block_dirty_clear_all(rb);
    f->c->dirty_iova = 0x200000;
    memory_global_dirty_log_sync();
    g_assert_cmpuint(logdev.reports, >=, 1);
    g_assert_cmphex(f->c->dirty_pgsize, ==, 0);  /* the IOMMU was not asked */
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 1);
    g_assert_true(ram_block_dirty_test(rb, 0x2000, 1));
    /* A report that fails: the mapping counts as all dirty. */
    logdev.report_err = -EIO;
    ram_block_dirty_clear_all(rb);
    memory_global_dirty_log_sync();
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 0x80000 / RAM_BLOCK_PAGE_SIZE);
    memory_global_dirty_log_stop();
    g_assert_cmpuint(logdev.stops, ==, 1);
    g_assert_null(dev.dma_logging_ranges);

    /* The device offers no log: the IOMMU tracks. */
    logdev.offered = false;
    logdev.report_err = 0;
    g_assert_true(memory_global_dirty_log_start(NULL));
    g_assert_true(f->c->tracking);
    g_assert_cmpuint(logdev.starts, ==, 1);
    ram_block_dirty_clear_all(rb);
    memory_global_dirty_log_sync();
    g_assert_cmphex(f->c->dirty_pgsize, ==, 0x1000);
    g_assert_cmpuint(ram_block_dirty_count(rb), ==, 1);
    g_assert_true(ram_block_dirty_test(rb, 0x1000, 1));
    memory_global_dirty_log_stop();

    vfio_sys_set_ioctl_fake(NULL);
    logdev_fd = -1;
    g_queue_unlink(&priv->devices, &dev.container_link);
    vfio_device_clear(&dev);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/vfio/listener/" path, Fixture, NULL, setup, fn, teardown)
    ADD("maps-ram-only", test_maps_ram_only);
    ADD("overlay", test_overlay);
    ADD("alignment", test_alignment);
    ADD("iova-ranges", test_iova_ranges);
    ADD("readonly", test_readonly);
    ADD("memlock-error", test_memlock_error);
    ADD("other-errors", test_other_errors);
    ADD("ram-device-warns", test_ram_device_warns);
    ADD("runtime-map-failure", test_runtime_map_failure);
    ADD("remap-failure", test_remap_failure);
    ADD("dirty", test_dirty);
    ADD("dirty-64k", test_dirty_64k);
    ADD("dirty-paused", test_dirty_paused);
    ADD("dirty-device-log", test_dirty_device_log);
    return g_test_run();
}
