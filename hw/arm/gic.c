/*
 * GICv3 distributor for the qtest accelerator (include/hw/arm/gic.h): SPI inputs as line
 * levels with an edge latch, and the distributor registers GICD_CTLR, TYPER, IIDR,
 * I[SC]ENABLER, I[SC]PENDR and PIDR2; everything else reads as zero and ignores writes.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/arm/gic.h"
#include "qom/object.h"
#include "trace.h"

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IIDR 0x0008
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ISPENDR 0x0200
#define GICD_ICPENDR 0x0280
#define GICD_PIDR2 0xffe8

struct HdGic {
    MemoryRegion *sysmem; /* borrowed */
    MemoryRegion *dist;
    MemoryRegion *redist;
    HdIrqLines *spis;
    int nr_spis;
    uint32_t ctlr;
    uint32_t *enabled; /* one bit per INTID, SGIs and PPIs included */
    uint32_t *latched; /* edges seen and not yet cleared */
};

static void gic_spi_changed(void *opaque, int n, int level)
{
    HdGic *gic = opaque;
    int intid = 32 + n;

    if (level) {
        gic->latched[intid / 32] |= 1u << (intid % 32);
    }
    trace_arm_gic_spi(n, level);
}

bool hd_gic_spi_pending(HdGic *gic, int spi)
{
    int intid = 32 + spi;

    if (spi < 0 || spi >= gic->nr_spis) {
        return false;
    }
    return hd_irq_get(gic->spis, spi) || (gic->latched[intid / 32] >> (intid % 32)) & 1;
}

static uint32_t pending_word(HdGic *gic, unsigned word)
{
    uint32_t v = gic->latched[word];

    for (int bit = 0; bit < 32; bit++) {
        int spi = (int)word * 32 + bit - 32;

        if (spi >= 0 && spi < gic->nr_spis && hd_irq_get(gic->spis, spi)) {
            v |= 1u << bit;
        }
    }
    return v;
}

static uint64_t dist_read(void *opaque, hwaddr addr, unsigned size)
{
    HdGic *gic = opaque;
    unsigned words = (unsigned)(32 + gic->nr_spis) / 32;

    (void)size;
    if (addr == GICD_CTLR) {
        return gic->ctlr;
    }
    if (addr == GICD_TYPER) {
        return words - 1; /* ITLinesNumber: 32 * (N + 1) interrupt IDs */
    }
    if (addr == GICD_IIDR) {
        return 0x43b; /* implementer JEP106 0x43b (Arm) */
    }
    if (addr == GICD_PIDR2) {
        return 0x3 << 4; /* ArchRev: GICv3 */
    }
    if (addr >= GICD_ISENABLER && addr < GICD_ISENABLER + 4 * words) {
        return gic->enabled[(addr - GICD_ISENABLER) / 4];
    }
    if (addr >= GICD_ICENABLER && addr < GICD_ICENABLER + 4 * words) {
        return gic->enabled[(addr - GICD_ICENABLER) / 4];
    }
    if (addr >= GICD_ISPENDR && addr < GICD_ISPENDR + 4 * words) {
        return pending_word(gic, (addr - GICD_ISPENDR) / 4);
    }
    if (addr >= GICD_ICPENDR && addr < GICD_ICPENDR + 4 * words) {
        return pending_word(gic, (addr - GICD_ICPENDR) / 4);
    }
    return 0;
}

static void dist_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    HdGic *gic = opaque;
    unsigned words = (unsigned)(32 + gic->nr_spis) / 32;

    (void)size;
    if (addr == GICD_CTLR) {
        gic->ctlr = (uint32_t)value;
    } else if (addr >= GICD_ISENABLER && addr < GICD_ISENABLER + 4 * words) {
        gic->enabled[(addr - GICD_ISENABLER) / 4] |= (uint32_t)value;
    } else if (addr >= GICD_ICENABLER && addr < GICD_ICENABLER + 4 * words) {
        gic->enabled[(addr - GICD_ICENABLER) / 4] &= ~(uint32_t)value;
    } else if (addr >= GICD_ISPENDR && addr < GICD_ISPENDR + 4 * words) {
        gic->latched[(addr - GICD_ISPENDR) / 4] |= (uint32_t)value;
    } else if (addr >= GICD_ICPENDR && addr < GICD_ICPENDR + 4 * words) {
        gic->latched[(addr - GICD_ICPENDR) / 4] &= ~(uint32_t)value;
    }
}

static const MemoryRegionOps dist_ops = {
    .read = dist_read,
    .write = dist_write,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static uint64_t raz_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return 0;
}

static void wi_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)value;
    (void)size;
}

static const MemoryRegionOps raz_wi_ops = {
    .read = raz_read,
    .write = wi_write,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 8},
};

HdGic *hd_gic_new(MemoryRegion *sysmem, hwaddr dist_base, hwaddr redist_base,
                  uint64_t redist_size, int nr_spis, GError **errp)
{
    HdGic *gic;
    unsigned words = (unsigned)(32 + nr_spis) / 32;

    if (hd_irq_lines_find(HD_GIC_PATH)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE,
                    "a GIC is already registered at %s; one interrupt controller at a time",
                    HD_GIC_PATH);
        return NULL;
    }
    g_return_val_if_fail(nr_spis > 0 && nr_spis % 32 == 0 && nr_spis <= 988, NULL);
    gic = g_new0(HdGic, 1);
    gic->sysmem = sysmem;
    gic->nr_spis = nr_spis;
    gic->enabled = g_new0(uint32_t, words);
    gic->latched = g_new0(uint32_t, words);
    gic->spis = hd_irq_lines_new(HD_GIC_PATH, nr_spis, gic_spi_changed, gic);
    gic->dist = memory_region_new_io("gic-distributor", HD_GIC_DIST_SIZE, &dist_ops, gic);
    gic->redist = memory_region_new_io("gic-redistributor", redist_size, &raz_wi_ops, gic);
    memory_region_transaction_begin();
    memory_region_add_subregion(sysmem, dist_base, gic->dist);
    memory_region_add_subregion(sysmem, redist_base, gic->redist);
    memory_region_transaction_commit();
    return gic;
}

void hd_gic_free(HdGic *gic)
{
    if (!gic) {
        return;
    }
    memory_region_transaction_begin();
    memory_region_del_subregion(gic->sysmem, gic->dist);
    memory_region_del_subregion(gic->sysmem, gic->redist);
    memory_region_transaction_commit();
    memory_region_unref(gic->dist);
    memory_region_unref(gic->redist);
    hd_irq_lines_free(gic->spis);
    g_free(gic->enabled);
    g_free(gic->latched);
    g_free(gic);
}

HdIrqLines *hd_gic_spi_lines(HdGic *gic)
{
    return gic->spis;
}
