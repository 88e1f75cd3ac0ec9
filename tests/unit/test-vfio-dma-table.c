/*
 * VFIO DMA mapping table unit tests: the kernel calls a partial unmap makes (unmap whole,
 * re-map the rest), overlap refusal, failure handling, with a fake kernel that, like type1
 * v2, refuses to unmap anything but whole mappings.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>

#include "dma-table.h"

/* The fake kernel: its own list of mappings and a log of calls. */
typedef struct FakeKernel {
    GArray *maps;      /* VFIODmaMapping */
    GPtrArray *log;    /* "map 1000+2000", "unmap 1000+2000" */
    int fail_map_at;   /* fail the n-th map (1-based) with fail_err; 0: never */
    int fail_unmap_at;
    int fail_err;
    int nmap, nunmap;
} FakeKernel;

static int fake_map(void *opaque, uint64_t iova, uint64_t size, void *vaddr, bool readonly)
{
    FakeKernel *k = opaque;
    VFIODmaMapping m = { .iova = iova, .size = size, .vaddr = vaddr, .readonly = readonly };

    g_ptr_array_add(k->log, g_strdup_printf("map %" G_GINT64_MODIFIER "x+%" G_GINT64_MODIFIER
                                            "x", iova, size));
    if (++k->nmap == k->fail_map_at) {
        return -k->fail_err;
    }
    for (guint i = 0; i < k->maps->len; i++) {
        VFIODmaMapping *o = &g_array_index(k->maps, VFIODmaMapping, i);

        if (iova < o->iova + o->size && o->iova < iova + size) {
            return -EEXIST;
        }
    }
    g_array_append_val(k->maps, m);
    return 0;
}

static int fake_unmap(void *opaque, uint64_t iova, uint64_t size)
{
    FakeKernel *k = opaque;

    g_ptr_array_add(k->log, g_strdup_printf("unmap %" G_GINT64_MODIFIER "x+%"
                                            G_GINT64_MODIFIER "x", iova, size));
    if (++k->nunmap == k->fail_unmap_at) {
        return -k->fail_err;
    }
    for (guint i = 0; i < k->maps->len; i++) {
        VFIODmaMapping *o = &g_array_index(k->maps, VFIODmaMapping, i);

        if (o->iova == iova && o->size == size) {
            g_array_remove_index(k->maps, i);
            return 0;
        }
    }
    return -EINVAL; /* type1 v2: no partial unmaps */
}

static int owner_refs;

static void *fake_ref(void *owner)
{
    owner_refs++;
    return owner;
}

static void fake_unref(void *owner)
{
    (void)owner;
    owner_refs--;
}

/* Mappings the table reports lost (unmapped and not mapped back). */
static GString *lost_log;

static void fake_lost(void *opaque, const VFIODmaMapping *m, int err)
{
    (void)opaque;
    g_string_append_printf(lost_log, "%s%" G_GINT64_MODIFIER "x+%" G_GINT64_MODIFIER "x %d",
                           lost_log->len ? "; " : "", m->iova, m->size, err);
}

static const VFIODmaTableOps fake_ops = {
    .map = fake_map,
    .unmap = fake_unmap,
    .owner_ref = fake_ref,
    .owner_unref = fake_unref,
    .lost = fake_lost,
};

typedef struct Fixture {
    FakeKernel k;
    VFIODmaTable *t;
    uint8_t *mem;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
    (void)data;
    f->k.maps = g_array_new(FALSE, FALSE, sizeof(VFIODmaMapping));
    f->k.log = g_ptr_array_new_with_free_func(g_free);
    f->t = vfio_dma_table_new(&fake_ops, &f->k);
    f->mem = g_malloc0(0x100000);
    owner_refs = 0;
    lost_log = g_string_new(NULL);
}

static void teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmpint(vfio_dma_table_unmap_all(f->t), ==, 0);
    g_assert_cmpuint(f->k.maps->len, ==, 0);
    vfio_dma_table_free(f->t);
    g_assert_cmpint(owner_refs, ==, 0);
    g_array_free(f->k.maps, TRUE);
    g_ptr_array_free(f->k.log, TRUE);
    g_free(f->mem);
    g_string_free(lost_log, TRUE);
}

static int map(Fixture *f, uint64_t iova, uint64_t size, uint64_t off)
{
    VFIODmaMapping m = {
        .iova = iova, .size = size, .vaddr = f->mem + off, .owner = f, .owner_offset = off,
    };

    return vfio_dma_table_map(f->t, &m);
}

/* The log since the last call, joined with "; ". */
static char *take_log(Fixture *f)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < f->k.log->len; i++) {
        g_string_append_printf(s, "%s%s", i ? "; " : "", (char *)f->k.log->pdata[i]);
    }
    g_ptr_array_set_size(f->k.log, 0);
    return g_string_free(s, FALSE);
}

static void check_log(Fixture *f, const char *want)
{
    g_autofree char *got = take_log(f);

    g_assert_cmpstr(got, ==, want);
}

static void test_whole_unmap(Fixture *f, gconstpointer data)
{
    unsigned splits = 0;

    (void)data;
    g_assert_cmpint(map(f, 0x10000, 0x20000, 0), ==, 0);
    g_assert_cmpint(map(f, 0x40000, 0x10000, 0x20000), ==, 0);
    check_log(f, "map 10000+20000; map 40000+10000");
    g_assert_cmpuint(vfio_dma_table_bytes(f->t), ==, 0x30000);
    /* A range covering exactly one mapping and a hole touches only that mapping. */
    g_assert_cmpint(vfio_dma_table_unmap(f->t, 0x30000, 0x20000, &splits), ==, 0);
    check_log(f, "unmap 40000+10000");
    g_assert_cmpuint(splits, ==, 0);
    g_assert_cmpuint(vfio_dma_table_count(f->t), ==, 1);
    /* Nothing mapped there: no kernel call at all. */
    g_assert_cmpint(vfio_dma_table_unmap(f->t, 0x80000, 0x1000, &splits), ==, 0);
    check_log(f, "");
}

static void test_split_middle(Fixture *f, gconstpointer data)
{
    const VFIODmaMapping *m;
    unsigned splits = 0;

    (void)data;
    g_assert_cmpint(map(f, 0x100000, 0x40000, 0x1000), ==, 0);
    g_free(take_log(f));
    /* An overlay in the middle: the kernel can't cut, so unmap all, map back both sides. */
    g_assert_cmpint(vfio_dma_table_unmap(f->t, 0x110000, 0x10000, &splits), ==, 0);
    check_log(f, "unmap 100000+40000; map 100000+10000; map 120000+20000");
    g_assert_cmpuint(splits, ==, 1);
    g_assert_cmpuint(vfio_dma_table_count(f->t), ==, 2);
    m = vfio_dma_table_get(f->t, 1);
    g_assert_cmpuint(m->iova, ==, 0x120000);
    g_assert_true(m->vaddr == f->mem + 0x1000 + 0x20000);
    g_assert_cmpuint(m->owner_offset, ==, 0x21000);
    g_assert_cmpint(owner_refs, ==, 2);
    /* The overlay goes: its range comes back as a mapping of its own; neighbours stay. */
    g_assert_cmpint(map(f, 0x110000, 0x10000, 0x11000), ==, 0);
    check_log(f, "map 110000+10000");
    g_assert_cmpuint(vfio_dma_table_bytes(f->t), ==, 0x40000);
}

static void test_split_edges(Fixture *f, gconstpointer data)
{
    unsigned splits = 0;

    (void)data;
    g_assert_cmpint(map(f, 0x0, 0x10000, 0), ==, 0);
    g_assert_cmpint(map(f, 0x10000, 0x10000, 0x10000), ==, 0);
    g_free(take_log(f));
    /* Across the boundary: the tail of one and the head of the other. */
    g_assert_cmpint(vfio_dma_table_unmap(f->t, 0x8000, 0x10000, &splits), ==, 0);
    check_log(f, "unmap 0+10000; map 0+8000; unmap 10000+10000; map 18000+8000");
    g_assert_cmpuint(splits, ==, 2);
    g_assert_cmpuint(vfio_dma_table_bytes(f->t), ==, 0x10000);
    /* The start of a mapping. */
    g_assert_cmpint(vfio_dma_table_unmap(f->t, 0x0, 0x1000, NULL), ==, 0);
    check_log(f, "unmap 0+8000; map 1000+7000");
}

static void test_overlap_refused(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmpint(map(f, 0x10000, 0x10000, 0), ==, 0);
    g_free(take_log(f));
    g_assert_cmpint(map(f, 0x18000, 0x10000, 0), ==, -EEXIST);
    g_assert_cmpint(map(f, 0x0, 0x10001, 0), ==, -EEXIST);
    check_log(f, "");
    g_assert_cmpint(map(f, 0x0, 0x10000, 0), ==, 0);
    g_assert_cmpint(map(f, 0x20000, 0, 0), ==, -EINVAL);
    g_assert_cmpint(map(f, UINT64_MAX - 0xfff, 0x2000, 0), ==, -EINVAL);
}

static void test_failures(Fixture *f, gconstpointer data)
{
    (void)data;
    /* A failed map records nothing. */
    f->k.fail_map_at = 1;
    f->k.fail_err = ENOMEM;
    g_assert_cmpint(map(f, 0x10000, 0x10000, 0), ==, -ENOMEM);
    g_assert_cmpuint(vfio_dma_table_count(f->t), ==, 0);
    g_assert_cmpint(map(f, 0x10000, 0x10000, 0), ==, 0);
    /* A failed unmap keeps the mapping recorded (it is still in the kernel). */
    f->k.fail_unmap_at = 1;
    f->k.fail_err = EIO;
    g_assert_cmpint(vfio_dma_table_unmap(f->t, 0x10000, 0x10000, NULL), ==, -EIO);
    g_assert_cmpuint(vfio_dma_table_count(f->t), ==, 1);
    /* A remainder whose re-map fails is no unmap failure: it is dropped and reported lost. */
    f->k.fail_map_at = f->k.nmap + 2; /* the second remainder */
    f->k.fail_err = ENOMEM;
    g_assert_cmpint(vfio_dma_table_unmap(f->t, 0x14000, 0x1000, NULL), ==, 0);
    g_assert_cmpstr(lost_log->str, ==, "15000+b000 -12");
    g_assert_cmpuint(vfio_dma_table_count(f->t), ==, 1);
    g_assert_cmpuint(vfio_dma_table_get(f->t, 0)->size, ==, 0x4000);
    g_assert_cmpuint(f->k.maps->len, ==, 1);
}

/* With merging on, a mapping that continues a recorded one replaces both with their union,
 * so a split healed by the overlay's removal ends as one mapping again. */
static void test_merge(Fixture *f, gconstpointer data)
{
    (void)data;
    vfio_dma_table_set_merge(f->t, true);
    g_assert_cmpint(map(f, 0x100000, 0x40000, 0x1000), ==, 0);
    g_assert_cmpint(vfio_dma_table_unmap(f->t, 0x110000, 0x10000, NULL), ==, 0);
    g_free(take_log(f));
    g_assert_cmpint(map(f, 0x110000, 0x10000, 0x11000), ==, 0);
    check_log(f, "unmap 100000+10000; unmap 120000+20000; map 100000+40000");
    g_assert_cmpuint(vfio_dma_table_count(f->t), ==, 1);
    g_assert_cmpuint(vfio_dma_table_bytes(f->t), ==, 0x40000);
    g_assert_cmpint(owner_refs, ==, 1);
    g_assert_true(vfio_dma_table_get(f->t, 0)->vaddr == f->mem + 0x1000);
    /* Not contiguous in host memory: no merge. */
    g_assert_cmpint(map(f, 0x140000, 0x1000, 0x80000), ==, 0);
    check_log(f, "map 140000+1000");
    /* The union's map fails: the neighbours come back, then the new piece alone. */
    g_assert_cmpint(vfio_dma_table_unmap(f->t, 0x100000, 0x1000, NULL), ==, 0);
    g_free(take_log(f));
    f->k.fail_map_at = f->k.nmap + 1;
    f->k.fail_err = ENOSPC;
    g_assert_cmpint(map(f, 0x100000, 0x1000, 0x1000), ==, 0);
    check_log(f, "unmap 101000+3f000; map 100000+40000; map 101000+3f000; map 100000+1000");
    g_assert_cmpstr(lost_log->str, ==, "");
    g_assert_cmpuint(vfio_dma_table_count(f->t), ==, 3);
    g_assert_cmpuint(vfio_dma_table_bytes(f->t), ==, 0x41000);
}

static void test_lookup(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmpuint(vfio_dma_table_lookup(f->t, 0), ==, 0);
    for (int i = 0; i < 8; i++) {
        g_assert_cmpint(map(f, 0x10000 * (7 - i) * 2, 0x10000, 0), ==, 0);
    }
    for (unsigned i = 1; i < vfio_dma_table_count(f->t); i++) {
        g_assert_cmpuint(vfio_dma_table_get(f->t, i - 1)->iova, <,
                         vfio_dma_table_get(f->t, i)->iova);
    }
    g_assert_cmpuint(vfio_dma_table_lookup(f->t, 0x0), ==, 0);
    g_assert_cmpuint(vfio_dma_table_lookup(f->t, 0x10000), ==, 1);
    g_assert_cmpuint(vfio_dma_table_lookup(f->t, 0x2ffff), ==, 1);
    g_assert_cmpuint(vfio_dma_table_lookup(f->t, 0x100000), ==, 8);
    g_assert_null(vfio_dma_table_get(f->t, 8));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/vfio/dma-table/whole-unmap", Fixture, NULL, setup, test_whole_unmap, teardown);
    g_test_add("/vfio/dma-table/split-middle", Fixture, NULL, setup, test_split_middle,
               teardown);
    g_test_add("/vfio/dma-table/split-edges", Fixture, NULL, setup, test_split_edges, teardown);
    g_test_add("/vfio/dma-table/overlap", Fixture, NULL, setup, test_overlap_refused,
               teardown);
    g_test_add("/vfio/dma-table/failures", Fixture, NULL, setup, test_failures, teardown);
    g_test_add("/vfio/dma-table/lookup", Fixture, NULL, setup, test_lookup, teardown);
    g_test_add("/vfio/dma-table/merge", Fixture, NULL, setup, test_merge, teardown);
    return g_test_run();
}
