/*
 * A GICv3 distributor model for the qtest accelerator: its SPI inputs are an HdIrqLines set
 * at /machine/gic (so irq_intercept_in sees them), and a few distributor registers read back
 * what a driver probes (type, id, enables, pending state). No CPU interface: no vCPU runs.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_ARM_GIC_H
#define HW_ARM_GIC_H

#include <glib.h>
#include <stdbool.h>

#include "hw/irq.h"
#include "system/memory-region.h"

/* Where the SPI inputs are registered; input n is SPI n (INTID 32 + n). */
#define HD_GIC_PATH "/machine/gic"

typedef struct HdGic HdGic;

/* A distributor with @nr_spis SPIs (a multiple of 32, at most 988) at @dist_base in @sysmem
 * and a redistributor window (reads as zero) at @redist_base. NULL with @errp set when another
 * GIC is registered. */
HdGic *hd_gic_new(MemoryRegion *sysmem, hwaddr dist_base, hwaddr redist_base,
                  uint64_t redist_size, int nr_spis, GError **errp);

/* Unmap and free; NULL is fine. */
void hd_gic_free(HdGic *gic);

/* The SPI inputs (borrowed). */
HdIrqLines *hd_gic_spi_lines(HdGic *gic);

/* Whether SPI @spi is pending: its level input is high, or an edge latched it and no
 * GICD_ICPENDR write cleared it. */
bool hd_gic_spi_pending(HdGic *gic, int spi);

/* The register windows' sizes, for the machine's memory map and device tree. */
#define HD_GIC_DIST_SIZE 0x10000ULL

#endif /* HW_ARM_GIC_H */
