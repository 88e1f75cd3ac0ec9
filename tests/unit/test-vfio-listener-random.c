/*
 * Randomized test of the VFIO memory listener: random overlays (MMIO, RAM aliases, sub-page
 * and page-sized) added, moved and removed inside transactions; after every commit the fake
 * IOMMU's mappings must cover exactly the whole IOMMU pages that are RAM in the flat view.
 * With merging on, no two mappings may continue each other. Seeded (HOSTDEV_TEST_SEED=N
 * repeats a run, HOSTDEV_TEST_TRACE=vfio_* traces it); the seed is printed, also on failure.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-container-base.h"
#include "system/memory.h"
#include "trace/control.h"
#include "vfio-internal.h"

#define PG ((uint64_t)0x1000)
#define GRAIN ((uint64_t)0x100)
#define NPAGES 32
#define SPACE (NPAGES * PG)
#define NGRAINS (SPACE / GRAIN)
#define MAX_OVERLAYS 6

/* --- the fake IOMMU: a list of mappings, type1 v2 rules (no overlap, no partial unmap) --- */

#define RAND_TYPE_CONTAINER (rand_container_get_type())
G_DECLARE_FINAL_TYPE(RandContainer, rand_container, RAND, CONTAINER, VFIOContainer)

typedef struct FakeMap {
    uint64_t iova, size;
    uint8_t *vaddr;
    bool readonly;
} FakeMap;

struct _RandContainer {
    VFIOContainer parent_instance;
    GArray *maps; /* FakeMap */
};

G_DEFINE_FINAL_TYPE(RandContainer, rand_container, VFIO_TYPE_CONTAINER)

static int rand_dma_map(VFIOContainer *base, hwaddr iova, uint64_t size, void *vaddr,
                        bool readonly)
{
    RandContainer *c = RAND_CONTAINER(base);
    FakeMap m = { .iova = iova, .size = size, .vaddr = vaddr, .readonly = readonly };

    if ((iova | size | (uintptr_t)vaddr) & (PG - 1)) {
        return -EINVAL;
    }
    for (guint i = 0; i < c->maps->len; i++) {
        FakeMap *o = &g_array_index(c->maps, FakeMap, i);

        if (iova < o->iova + o->size && o->iova < iova + size) {
            return -EEXIST;
        }
    }
    g_array_append_val(c->maps, m);
    return 0;
}

static int rand_dma_unmap(VFIOContainer *base, hwaddr iova, uint64_t size)
{
    RandContainer *c = RAND_CONTAINER(base);

    for (guint i = 0; i < c->maps->len; i++) {
        FakeMap *m = &g_array_index(c->maps, FakeMap, i);

        if (m->iova == iova && m->size == size) {
            g_array_remove_index(c->maps, i);
            return 0;
        }
    }
    return -EINVAL;
}

static void rand_container_finalize(GObject *obj)
{
    g_array_free(RAND_CONTAINER(obj)->maps, TRUE);
    G_OBJECT_CLASS(rand_container_parent_class)->finalize(obj);
}

static void rand_container_class_init(RandContainerClass *klass)
{
    VFIOContainerClass *base = VFIO_CONTAINER_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = rand_container_finalize;
    base->backend_name = "fake";
    base->dma_map = rand_dma_map;
    base->dma_unmap = rand_dma_unmap;
}

static void rand_container_init(RandContainer *c)
{
    c->maps = g_array_new(FALSE, FALSE, sizeof(FakeMap));
}

/* --- the world: base RAM at 0, a pool of RAM that aliases point into, overlays --- */

typedef struct World {
    GRand *rand;
    guint32 seed;
    MemoryRegion *root, *ram, *pool;
    bool ram_present;
    GPtrArray *overlays; /* MemoryRegion *, each a subregion of root */
    AddressSpace *as;
    VFIOAddressSpace *space;
    RandContainer *c;
    bool merge;   /* the backend lets adjacent mappings merge */
    unsigned commits, overlay_names;
    GString *history; /* the operations of the current round, for a failure report */
} World;

static uint64_t rnd(World *w, uint64_t lo, uint64_t hi)
{
    return lo + (uint64_t)g_rand_int_range(w->rand, 0, (gint32)(hi - lo + 1));
}

static void op_add(World *w)
{
    uint64_t size = rnd(w, 1, 3 * PG / GRAIN) * GRAIN;
    uint64_t addr = rnd(w, 0, (SPACE - size) / GRAIN) * GRAIN;
    int prio = (int)rnd(w, 1, 3);
    unsigned kind = (unsigned)rnd(w, 0, 3);
    g_autofree char *name = g_strdup_printf("ov%u", w->overlay_names++);
    MemoryRegion *mr;

    if (kind == 0 || kind == 1) {
        mr = memory_region_new_io(name, size, NULL, NULL);
    } else if (kind == 2) {
        /* RAM from the pool, congruent with its guest address modulo the IOMMU page. */
        uint64_t pages = (SPACE - size - (addr % PG)) / PG;
        uint64_t off = rnd(w, 0, pages) * PG + addr % PG;

        mr = memory_region_new_alias(name, w->pool, off, size);
    } else {
        /* The base RAM itself at the same offset: RAM again, same host memory. */
        mr = memory_region_new_alias(name, w->ram, addr, size);
    }
    g_string_append_printf(w->history, " add %s(%s) 0x%" G_GINT64_MODIFIER "x+0x%"
                           G_GINT64_MODIFIER "x prio %d;", name,
                           kind < 2 ? "mmio" : kind == 2 ? "pool" : "ram", addr, size, prio);
    memory_region_add_subregion_overlap(w->root, addr, mr, prio);
    g_ptr_array_add(w->overlays, mr);
}

static void op_remove(World *w)
{
    guint i = (guint)rnd(w, 0, w->overlays->len - 1);
    MemoryRegion *mr = w->overlays->pdata[i];

    g_string_append_printf(w->history, " del %s;", memory_region_name(mr));
    memory_region_del_subregion(w->root, mr);
    g_ptr_array_remove_index(w->overlays, i);
    memory_region_unref(mr);
}

static void op_move(World *w)
{
    MemoryRegion *mr = w->overlays->pdata[rnd(w, 0, w->overlays->len - 1)];
    uint64_t size = memory_region_size(mr);
    uint64_t addr = rnd(w, 0, (SPACE - size) / GRAIN) * GRAIN;

    /* A RAM alias keeps its congruence: moves by whole pages; MMIO goes anywhere. */
    if (!memory_region_is_io(mr)) {
        addr = addr / PG * PG + memory_region_get_address(mr) % PG;
        if (addr + size > SPACE) {
            return;
        }
    }
    g_string_append_printf(w->history, " move %s 0x%" G_GINT64_MODIFIER "x;",
                           memory_region_name(mr), addr);
    memory_region_set_address(mr, addr);
}

static void op_toggle_ram(World *w)
{
    g_string_append_printf(w->history, " %s ram;", w->ram_present ? "del" : "add");
    if (w->ram_present) {
        memory_region_del_subregion(w->root, w->ram);
    } else {
        memory_region_add_subregion(w->root, 0, w->ram);
    }
    w->ram_present = !w->ram_present;
}

/* --- the invariant --- */

typedef struct Grain {
    MemoryRegion *mr; /* NULL: a hole */
    uint64_t offset;  /* within mr */
    bool readonly;
} Grain;

static void fill_grains(const MemoryRegionSection *s, void *opaque)
{
    Grain *g = opaque;

    for (uint64_t a = s->offset_within_address_space;
         a < s->offset_within_address_space + s->size && a < SPACE; a += GRAIN) {
        g[a / GRAIN] = (Grain){
            .mr = s->mr,
            .offset = s->offset_within_region + (a - s->offset_within_address_space),
            .readonly = s->readonly,
        };
    }
}

/* The host address page @p must be mapped to, or NULL when it is not whole RAM. */
static uint8_t *page_expect(const Grain *g, unsigned p)
{
    const Grain *first = &g[p * (PG / GRAIN)];

    if (!first->mr || !memory_region_is_ram(first->mr)) {
        return NULL;
    }
    for (unsigned i = 1; i < PG / GRAIN; i++) {
        const Grain *x = &first[i];

        if (x->mr != first->mr || x->offset != first->offset + i * GRAIN ||
            x->readonly != first->readonly) {
            return NULL;
        }
    }
    return (uint8_t *)memory_region_get_ram_ptr(first->mr) + first->offset;
}

static const FakeMap *map_at(World *w, uint64_t iova)
{
    for (guint i = 0; i < w->c->maps->len; i++) {
        const FakeMap *m = &g_array_index(w->c->maps, FakeMap, i);

        if (iova >= m->iova && iova < m->iova + m->size) {
            return m;
        }
    }
    return NULL;
}

/* NULL when the IOMMU matches the flat view, else what is wrong. */
static char *check(World *w)
{
    g_autofree Grain *g = g_new0(Grain, NGRAINS);

    address_space_for_each_section(w->as, fill_grains, g);
    for (unsigned p = 0; p < NPAGES; p++) {
        uint8_t *want = page_expect(g, p);
        const FakeMap *m = map_at(w, p * PG);

        if (want && !m) {
            return g_strdup_printf("page 0x%" G_GINT64_MODIFIER "x is RAM but not mapped",
                                   p * PG);
        }
        if (!want && m) {
            return g_strdup_printf("page 0x%" G_GINT64_MODIFIER "x is not (whole) RAM but is mapped", p * PG);
        }
        if (m && m->vaddr + (p * PG - m->iova) != want) {
            return g_strdup_printf("page 0x%" G_GINT64_MODIFIER "x is mapped to the wrong host memory", p * PG);
        }
    }
    for (guint i = 0; i < w->c->maps->len; i++) {
        if (g_array_index(w->c->maps, FakeMap, i).iova + g_array_index(w->c->maps, FakeMap, i).size > SPACE) {
            return g_strdup("a mapping reaches beyond the address space");
        }
    }
    for (guint i = 0; w->merge && i < w->c->maps->len; i++) {
        const FakeMap *a = &g_array_index(w->c->maps, FakeMap, i);
        const FakeMap *b = map_at(w, a->iova + a->size);

        if (b && b->iova == a->iova + a->size && b->vaddr == a->vaddr + a->size) {
            return g_strdup_printf("mappings at 0x%" G_GINT64_MODIFIER "x and 0x%"
                                   G_GINT64_MODIFIER "x continue each other but were not merged",
                                   a->iova, b->iova);
        }
    }
    if (vfio_container_mapping_count(VFIO_CONTAINER(w->c)) != w->c->maps->len) {
        return g_strdup_printf("the listener records %u mappings, the IOMMU holds %u",
                               vfio_container_mapping_count(VFIO_CONTAINER(w->c)),
                               w->c->maps->len);
    }
    return NULL;
}

/* One transaction of 1..4 random operations, then the check. */
static char *step(World *w)
{
    unsigned n = (unsigned)rnd(w, 1, 4);

    memory_region_transaction_begin();
    for (unsigned i = 0; i < n; i++) {
        unsigned what = (unsigned)rnd(w, 0, 9);

        if (what < 5 && w->overlays->len < MAX_OVERLAYS) {
            op_add(w);
        } else if (what < 8 && w->overlays->len) {
            op_remove(w);
        } else if (what < 9 && w->overlays->len) {
            op_move(w);
        } else {
            op_toggle_ram(w);
        }
    }
    memory_region_transaction_commit();
    g_string_append(w->history, " commit;");
    w->commits++;
    return check(w);
}

static void clear_overlays(World *w)
{
    memory_region_transaction_begin();
    while (w->overlays->len) {
        op_remove(w);
    }
    if (!w->ram_present) {
        op_toggle_ram(w);
    }
    memory_region_transaction_commit();
}

static void test_random(gconstpointer data)
{
    const char *env = g_getenv("HOSTDEV_TEST_SEED");
    World w = { 0 };
    unsigned rounds = 2000;

    w.seed = env ? (guint32)strtoul(env, NULL, 0) : (guint32)g_test_rand_int();
    if (g_getenv("HOSTDEV_TEST_TRACE")) {
        hd_trace_enable_pattern(g_getenv("HOSTDEV_TEST_TRACE"), true);
    }
    g_test_message("seed %u (HOSTDEV_TEST_SEED=%u repeats this run)", w.seed, w.seed);
    w.rand = g_rand_new_with_seed(w.seed);
    w.root = memory_region_new_container("root", UINT64_MAX);
    w.ram = memory_region_new_ram("ram", SPACE, NULL);
    w.pool = memory_region_new_ram("pool", SPACE, NULL);
    memory_region_add_subregion(w.root, 0, w.ram);
    w.ram_present = true;
    w.overlays = g_ptr_array_new();
    w.history = g_string_new(NULL);
    w.as = address_space_new("random", w.root);
    w.c = g_object_new(RAND_TYPE_CONTAINER, NULL);
    w.merge = GPOINTER_TO_INT(data);
    VFIO_CONTAINER_GET_CLASS(w.c)->dma_merge = w.merge;
    w.space = vfio_address_space_get(w.as);
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(w.c), w.space, NULL));

    for (unsigned r = 0; r < rounds; r++) {
        g_autofree char *err = NULL;

        g_string_truncate(w.history, 0);
        for (unsigned s = 0; s < 10 && !err; s++) {
            err = step(&w);
        }
        if (!err) {
            clear_overlays(&w);
            g_string_append(w.history, " commit;");
            err = check(&w);
        }
        if (err) {
            g_test_fail_printf("seed %u, round %u (commit %u): %s; this round:%s", w.seed, r,
                               w.commits, err, w.history->str);
            break;
        }
    }
    g_test_message("%u commits checked", w.commits);

    vfio_container_unlisten(VFIO_CONTAINER(w.c));
    g_assert_cmpuint(w.c->maps->len, ==, 0);
    g_object_unref(w.c);
    vfio_address_space_put(w.space);
    while (w.overlays->len) {
        MemoryRegion *mr = g_ptr_array_steal_index(w.overlays, w.overlays->len - 1);

        memory_region_del_subregion(w.root, mr);
        memory_region_unref(mr);
    }
    g_ptr_array_free(w.overlays, TRUE);
    address_space_destroy(w.as);
    memory_region_unref(w.ram);
    memory_region_unref(w.pool);
    memory_region_unref(w.root);
    g_rand_free(w.rand);
    g_string_free(w.history, TRUE);
}

/* The case the issue reports: a page that changes in two sub-page pieces. */
static void test_subpage_pieces(void)
{
    MemoryRegion *root = memory_region_new_container("root", UINT64_MAX);
    MemoryRegion *ram = memory_region_new_ram("ram", 0x180000, NULL);
    MemoryRegion *page = memory_region_new_io("page", 0x1000, NULL, NULL);
    MemoryRegion *half = memory_region_new_io("half", 0x800, NULL, NULL);
    AddressSpace *as;
    RandContainer *c = g_object_new(RAND_TYPE_CONTAINER, NULL);
    VFIOAddressSpace *space;

    memory_region_add_subregion(root, 0, ram);
    as = address_space_new("subpage", root);
    space = vfio_address_space_get(as);
    g_assert_true(vfio_container_listen(VFIO_CONTAINER(c), space, NULL));
    memory_region_add_subregion_overlap(root, 0x1000, page, 1);
    memory_region_transaction_begin();
    memory_region_del_subregion(root, page);
    memory_region_add_subregion_overlap(root, 0x1800, half, 1);
    memory_region_transaction_commit();
    memory_region_del_subregion(root, half);
    g_assert_cmphex(vfio_container_mapped_bytes(VFIO_CONTAINER(c)), ==, 0x180000);
    vfio_container_unlisten(VFIO_CONTAINER(c));
    g_object_unref(c);
    vfio_address_space_put(space);
    address_space_destroy(as);
    memory_region_unref(half);
    memory_region_unref(page);
    memory_region_unref(ram);
    memory_region_unref(root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio/listener-random/subpage-pieces", test_subpage_pieces);
    g_test_add_data_func("/vfio/listener-random/flat-view-vs-iommu", GINT_TO_POINTER(0),
                         test_random);
    g_test_add_data_func("/vfio/listener-random/flat-view-vs-iommu-merging",
                         GINT_TO_POINTER(1), test_random);
    return g_test_run();
}
