/*
 * The platform bus: a window of guest physical space and a range of interrupt-controller
 * inputs that a machine hands out to dynamic sysbus devices (vfio-platform, vfio-amba) as they
 * realize, recording what each got so the machine can describe it (a device-tree node).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_CORE_PLATFORM_BUS_H
#define HW_CORE_PLATFORM_BUS_H

#include <glib-object.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/irq.h"
#include "qom/device.h"
#include "system/memory-region.h"

/* The bus kind devices name in their class's bus_type. */
#define HD_PLATFORM_BUS_KIND "platform"

#define HD_TYPE_PLATFORM_BUS (hd_platform_bus_get_type())
G_DECLARE_FINAL_TYPE(HdPlatformBus, hd_platform_bus, HD, PLATFORM_BUS, HdBus)

/* One MMIO range or interrupt a device was given. @line is the input of the bus's
 * HdIrqLines (for a GIC: the SPI number); @level: level-triggered, else edge. */
typedef struct HdPlatformReg {
    hwaddr addr;
    uint64_t size;
} HdPlatformReg;

typedef struct HdPlatformIrq {
    int line;
    bool level;
} HdPlatformIrq;

/* What a device on the bus got, for the machine's description of it. */
typedef struct HdPlatformNode {
    HdDevice *dev;     /* borrowed: the node goes with hd_platform_bus_release() */
    char *name;        /* node name stem, e.g. "pl031" */
    char **compatible; /* NULL-terminated, most specific first; NULL: not describable */
    GArray *regs;      /* HdPlatformReg, in region order */
    GArray *irqs;      /* HdPlatformIrq, in IRQ order */
    GPtrArray *mrs;    /* the MemoryRegions mapped (references) */
} HdPlatformNode;

/*
 * A bus named @name whose devices are mapped into @sysmem inside [@base, @base + @size) and
 * get inputs @first_line .. @first_line + @nr_lines - 1 of @lines (borrowed).
 */
HdPlatformBus *hd_platform_bus_new(const char *name, MemoryRegion *sysmem, hwaddr base,
                                   uint64_t size, HdIrqLines *lines, int first_line,
                                   int nr_lines);

/* Map @mr for @dev at the lowest free address of the window aligned to its size (at least
 * 4 KiB): *@addr is the guest address. False with @errp set when the window is full. */
bool hd_platform_bus_map_mmio(HdPlatformBus *bus, HdDevice *dev, MemoryRegion *mr,
                              hwaddr *addr, GError **errp);

/* Give @dev the lowest free input; *@line is its number in the bus's lines. */
bool hd_platform_bus_connect_irq(HdPlatformBus *bus, HdDevice *dev, bool level, int *line,
                                 GError **errp);

/* Drive input @line (from hd_platform_bus_connect_irq()) to @level, or pulse it (an edge). */
void hd_platform_bus_irq_set(HdPlatformBus *bus, int line, int level);
void hd_platform_bus_irq_pulse(HdPlatformBus *bus, int line);

/* Name the node of @dev and give its compatible strings (copied; NULL: none known). */
void hd_platform_bus_describe(HdPlatformBus *bus, HdDevice *dev, const char *name,
                              const char *const *compatible);

/* Unmap everything @dev got, free its inputs and forget its node; no-op when it has none. */
void hd_platform_bus_release(HdPlatformBus *bus, HdDevice *dev);

/* The nodes, in the order devices first got something (HdPlatformNode *, borrowed). */
GPtrArray *hd_platform_bus_nodes(HdPlatformBus *bus);

#endif /* HW_CORE_PLATFORM_BUS_H */
