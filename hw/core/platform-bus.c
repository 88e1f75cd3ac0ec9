/*
 * The platform bus (include/hw/core/platform-bus.h): first-fit MMIO placement in the
 * machine's window, interrupt inputs from its range, and a node per device recording both.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <inttypes.h>

#include "hw/core/platform-bus.h"
#include "qom/object.h"
#include "trace.h"

struct _HdPlatformBus {
    HdBus parent_instance;
    MemoryRegion *sysmem; /* borrowed */
    hwaddr base;
    uint64_t size;
    HdIrqLines *lines; /* borrowed */
    int first_line;
    int nr_lines;
    bool *line_used;      /* nr_lines entries */
    GPtrArray *nodes;     /* HdPlatformNode * */
};

G_DEFINE_FINAL_TYPE(HdPlatformBus, hd_platform_bus, HD_TYPE_BUS)

static void node_free(HdPlatformNode *node)
{
    g_free(node->name);
    g_strfreev(node->compatible);
    g_array_free(node->regs, TRUE);
    g_array_free(node->irqs, TRUE);
    g_ptr_array_free(node->mrs, TRUE);
    g_free(node);
}

static void hd_platform_bus_finalize(GObject *obj)
{
    HdPlatformBus *bus = HD_PLATFORM_BUS(obj);

    g_ptr_array_free(bus->nodes, TRUE);
    g_free(bus->line_used);
    G_OBJECT_CLASS(hd_platform_bus_parent_class)->finalize(obj);
}

static void hd_platform_bus_class_init(HdPlatformBusClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = hd_platform_bus_finalize;
}

static void hd_platform_bus_init(HdPlatformBus *bus)
{
    bus->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)node_free);
}

HdPlatformBus *hd_platform_bus_new(const char *name, MemoryRegion *sysmem, hwaddr base,
                                   uint64_t size, HdIrqLines *lines, int first_line,
                                   int nr_lines)
{
    HdPlatformBus *bus = g_object_new(HD_TYPE_PLATFORM_BUS, "name", name, "bus-type",
                                      HD_PLATFORM_BUS_KIND, NULL);

    bus->sysmem = sysmem;
    bus->base = base;
    bus->size = size;
    bus->lines = lines;
    bus->first_line = first_line;
    bus->nr_lines = nr_lines;
    bus->line_used = g_new0(bool, nr_lines);
    return bus;
}

static HdPlatformNode *node_find(HdPlatformBus *bus, HdDevice *dev, guint *index)
{
    for (guint i = 0; i < bus->nodes->len; i++) {
        HdPlatformNode *node = g_ptr_array_index(bus->nodes, i);

        if (node->dev == dev) {
            if (index) {
                *index = i;
            }
            return node;
        }
    }
    return NULL;
}

static HdPlatformNode *node_get(HdPlatformBus *bus, HdDevice *dev)
{
    HdPlatformNode *node = node_find(bus, dev, NULL);

    if (!node) {
        node = g_new0(HdPlatformNode, 1);
        node->dev = dev;
        node->regs = g_array_new(FALSE, FALSE, sizeof(HdPlatformReg));
        node->irqs = g_array_new(FALSE, FALSE, sizeof(HdPlatformIrq));
        node->mrs = g_ptr_array_new_with_free_func((GDestroyNotify)memory_region_unref);
        g_ptr_array_add(bus->nodes, node);
    }
    return node;
}

/* Whether [addr, addr + size) overlaps a range any device holds. */
static bool range_busy(HdPlatformBus *bus, hwaddr addr, uint64_t size)
{
    for (guint i = 0; i < bus->nodes->len; i++) {
        HdPlatformNode *node = g_ptr_array_index(bus->nodes, i);

        for (guint r = 0; r < node->regs->len; r++) {
            HdPlatformReg *reg = &g_array_index(node->regs, HdPlatformReg, r);

            if (addr < reg->addr + reg->size && reg->addr < addr + size) {
                return true;
            }
        }
    }
    return false;
}

bool hd_platform_bus_map_mmio(HdPlatformBus *bus, HdDevice *dev, MemoryRegion *mr,
                              hwaddr *addr, GError **errp)
{
    uint64_t size = memory_region_size(mr);
    uint64_t align = 0x1000;
    HdPlatformNode *node;
    HdPlatformReg reg;

    while (align < size && align < (1ULL << 62)) {
        align <<= 1;
    }
    for (hwaddr a = (bus->base + align - 1) & ~(align - 1); a + size <= bus->base + bus->size;
         a += align) {
        if (range_busy(bus, a, size)) {
            continue;
        }
        node = node_get(bus, dev);
        reg = (HdPlatformReg){ .addr = a, .size = size };
        g_array_append_val(node->regs, reg);
        g_ptr_array_add(node->mrs, memory_region_ref(mr));
        memory_region_add_subregion(bus->sysmem, a, mr);
        trace_platform_bus_map(hd_bus_get_name(HD_BUS(bus)), memory_region_name(mr), a, size);
        *addr = a;
        return true;
    }
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "the platform bus window (0x%" PRIx64 " bytes at 0x%" PRIx64 ") has no room for 0x%" PRIx64 " more bytes; assign fewer devices",
                bus->size, bus->base, size);
    return false;
}

bool hd_platform_bus_connect_irq(HdPlatformBus *bus, HdDevice *dev, bool level, int *line,
                                 GError **errp)
{
    for (int i = 0; i < bus->nr_lines; i++) {
        HdPlatformIrq irq = { .line = bus->first_line + i, .level = level };

        if (bus->line_used[i]) {
            continue;
        }
        bus->line_used[i] = true;
        g_array_append_val(node_get(bus, dev)->irqs, irq);
        trace_platform_bus_irq(hd_bus_get_name(HD_BUS(bus)), irq.line, level);
        *line = irq.line;
        return true;
    }
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "the platform bus's %d interrupt lines are all taken; assign fewer devices",
                bus->nr_lines);
    return false;
}

void hd_platform_bus_irq_set(HdPlatformBus *bus, int line, int level)
{
    hd_irq_set(bus->lines, line, level);
}

void hd_platform_bus_irq_pulse(HdPlatformBus *bus, int line)
{
    hd_irq_pulse(bus->lines, line);
}

void hd_platform_bus_describe(HdPlatformBus *bus, HdDevice *dev, const char *name,
                              const char *const *compatible)
{
    HdPlatformNode *node = node_get(bus, dev);

    g_free(node->name);
    node->name = g_strdup(name);
    g_strfreev(node->compatible);
    node->compatible = compatible ? g_strdupv((char **)compatible) : NULL;
}

void hd_platform_bus_release(HdPlatformBus *bus, HdDevice *dev)
{
    guint index;
    HdPlatformNode *node = node_find(bus, dev, &index);

    if (!node) {
        return;
    }
    memory_region_transaction_begin();
    for (guint i = 0; i < node->mrs->len; i++) {
        memory_region_del_subregion(bus->sysmem, g_ptr_array_index(node->mrs, i));
    }
    memory_region_transaction_commit();
    for (guint i = 0; i < node->irqs->len; i++) {
        HdPlatformIrq *irq = &g_array_index(node->irqs, HdPlatformIrq, i);

        hd_irq_set(bus->lines, irq->line, 0);
        bus->line_used[irq->line - bus->first_line] = false;
    }
    g_ptr_array_remove_index(bus->nodes, index);
}

GPtrArray *hd_platform_bus_nodes(HdPlatformBus *bus)
{
    return bus->nodes;
}
