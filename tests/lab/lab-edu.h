/*
 * Shared fixture of the C-API lab tests (test-vfio-core, test-iommufd): guest RAM built with
 * the memory API, an edu attached on either backend with BAR0 mmap'd, edu DMA, and the
 * fd and kernel-mapping counts the tests compare. Failures of the fixture itself assert.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_LAB_LAB_EDU_H
#define TESTS_LAB_LAB_EDU_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/vfio/vfio-common.h"
#include "system/iommufd.h"
#include "system/memory.h"

#include "lab-edu-regs.h"

/* Guest RAM: lo [0x100000, 0x200000), hi [0x400000, 0x600000); edu reaches 28 bits. */
#define RAM_LO 0x100000
#define RAM_LO_SIZE 0x100000
#define RAM_HI 0x400000
#define RAM_HI_SIZE 0x200000

/* The DMA address space and its RAM regions, set by lab_guest_ram_build(). */
extern MemoryRegion *lab_dma_root, *lab_ram_lo, *lab_ram_hi;
extern AddressSpace *lab_dma_as;

/*
 * Build the DMA address space: ram-lo and ram-hi (above), 1 MiB of ram-extra at 0x1000000 and
 * a page of MMIO at 0x2000000 that must never be mapped. Call once, before any attach.
 */
void lab_guest_ram_build(void);

/* Open file descriptors of this process. */
unsigned lab_fd_count(void);

/* Successful kernel map and unmap calls of either backend since vfio_sys_reset_counts(). */
unsigned lab_maps_ok(void);
unsigned lab_unmaps_ok(void);

/* Kernel DMA mappings made and not yet removed since vfio_sys_reset_counts(). */
int lab_live_mappings(void);

/* Turn on memory space and bus mastering (and leave INTx enabled) in @dev's command register. */
void lab_pci_enable(VFIODevice *dev);

/* edu attached, with BAR0 set up, mmap'd and visible in its own address space. */
typedef struct LabEdu {
    VFIODevice dev;
    VFIORegion *bar0;
    MemoryRegion *bar_root;
    AddressSpace *bar_as;
} LabEdu;

/* Attach the edu at @bdf to lab_dma_as through @be (NULL: legacy) and map its BAR0. */
void lab_edu_attach(LabEdu *edu, const char *bdf, HdIommufdBackend *be);

/* Enable and map BAR0 of an edu whose @edu->dev is already attached. */
void lab_edu_map_bar(LabEdu *edu);

/* Undo lab_edu_attach(): BAR0 gone, device detached and cleared. */
void lab_edu_detach(LabEdu *edu);

/* Read and write a 32-bit edu register through the mmap'd BAR0. */
uint32_t lab_edu_rd(LabEdu *edu, hwaddr reg);
void lab_edu_wr(LabEdu *edu, hwaddr reg, uint32_t v);

/* One edu DMA of @len bytes with @cmd's flags (EDU_DMA_*); false when it did not finish. */
bool lab_edu_dma(LabEdu *edu, uint64_t src, uint64_t dst, uint32_t len, uint32_t cmd);

/* Copy XFER bytes guest @x -> edu buffer -> guest @y; false when any step fails or @y
 * differs. @seed varies the pattern. */
bool lab_edu_round_trip(LabEdu *edu, uint64_t x, uint64_t y, uint8_t seed);

#endif
