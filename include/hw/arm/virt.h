/*
 * The aarch64 "virt" machine: QEMU's memory map (RAM at 1 GiB, GICv3, a platform bus for
 * vfio-platform/vfio-amba with SPIs 112..175) and the device tree that describes it, built
 * with libfdt (hw/arm/virt.c builds the machine, hw/arm/virt-fdt.c the tree).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_ARM_VIRT_H
#define HW_ARM_VIRT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "hw/arm/gic.h"
#include "hw/core/platform-bus.h"
#include "system/memory-region.h"

/* The memory map and interrupt layout (QEMU's virt machine uses the same addresses). */
#define VIRT_GIC_DIST_BASE 0x08000000ULL
#define VIRT_GIC_REDIST_BASE 0x080a0000ULL
#define VIRT_GIC_REDIST_SIZE 0x00f60000ULL
#define VIRT_PLATFORM_BUS_BASE 0x0c000000ULL
#define VIRT_PLATFORM_BUS_SIZE 0x02000000ULL
#define VIRT_RAM_BASE 0x40000000ULL
#define VIRT_NR_SPIS 256
#define VIRT_PLATFORM_BUS_FIRST_SPI 112
#define VIRT_PLATFORM_BUS_NR_SPIS 64
#define VIRT_PLATFORM_BUS_NAME "platform-bus.0"

/* What the device tree describes. */
typedef struct HdArmVirtLayout {
    uint64_t ram_base;
    uint64_t ram_size;
    int cpus;
    hwaddr gic_dist;
    hwaddr gic_redist;
    uint64_t gic_redist_size;
    HdPlatformBus *bus; /* its nodes become device nodes; may be NULL */
} HdArmVirtLayout;

typedef struct HdArmVirt HdArmVirt;

/* Map @ram (borrowed; the caller keeps it) at VIRT_RAM_BASE in @sysmem and create the GIC and
 * the platform bus. NULL with @errp set (e.g. a GIC already exists). */
HdArmVirt *hd_arm_virt_new(MemoryRegion *sysmem, MemoryRegion *ram, int cpus, GError **errp);

/* Unmap and free everything hd_arm_virt_new() made (devices must be gone); NULL is fine. */
void hd_arm_virt_free(HdArmVirt *virt);

HdPlatformBus *hd_arm_virt_platform_bus(HdArmVirt *virt);
HdGic *hd_arm_virt_gic(HdArmVirt *virt);

/* The machine's device tree as a flattened blob (g_free it), *@size its length. */
void *hd_arm_virt_fdt(HdArmVirt *virt, size_t *size, GError **errp);

/* virt-fdt.c: the blob for @layout (g_free it). NULL with @errp set on a libfdt error. */
void *hd_arm_fdt_build(const HdArmVirtLayout *layout, size_t *size, GError **errp);

/* Write the blob for @virt to @path (-machine virt,dumpdtb=FILE). */
bool hd_arm_virt_dump_dtb(HdArmVirt *virt, const char *path, GError **errp);

#endif /* HW_ARM_VIRT_H */
