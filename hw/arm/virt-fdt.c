/*
 * The virt machine's device tree, written with libfdt's sequential API: the root, /chosen,
 * /memory, /cpus, the GICv3 node, and one node per platform bus device with the host's
 * compatible strings, its guest reg and its SPIs (level or edge, from the VFIO IRQ info).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <libfdt.h>

#include "hw/arm/virt.h"
#include "qom/object.h"

#define GIC_PHANDLE 1
#define GIC_SPI 0            /* first cell of an interrupt specifier */
#define IRQ_EDGE_RISING 1    /* third cell: trigger type */
#define IRQ_LEVEL_HIGH 4

/* A property of 64-bit (address, size) pairs, two cells each. */
static int prop_reg64(void *fdt, const char *name, const uint64_t *vals, int n)
{
    g_autofree fdt64_t *cells = g_new(fdt64_t, n);

    for (int i = 0; i < n; i++) {
        cells[i] = cpu_to_fdt64(vals[i]);
    }
    return fdt_property(fdt, name, cells, n * sizeof(fdt64_t));
}

/* A stringlist property ("a\0b\0") from a NULL-terminated array. */
static int prop_strings(void *fdt, const char *name, char **strv)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();

    for (char **s = strv; *s; s++) {
        g_byte_array_append(buf, (const guint8 *)*s, strlen(*s) + 1);
    }
    return fdt_property(fdt, name, buf->data, buf->len);
}

static int node_device(void *fdt, HdPlatformNode *node)
{
    g_autofree char *name = NULL;
    g_autofree fdt32_t *irqs = NULL;
    g_autofree uint64_t *regs = NULL;
    int err;

    if (!node->compatible || !node->compatible[0] || !node->regs->len) {
        return 0; /* nothing the guest could bind a driver to */
    }
    name = g_strdup_printf("%s@%" PRIx64, node->name ? node->name : "device",
                           g_array_index(node->regs, HdPlatformReg, 0).addr);
    regs = g_new(uint64_t, 2 * node->regs->len);
    for (guint i = 0; i < node->regs->len; i++) {
        regs[2 * i] = g_array_index(node->regs, HdPlatformReg, i).addr;
        regs[2 * i + 1] = g_array_index(node->regs, HdPlatformReg, i).size;
    }
    err = fdt_begin_node(fdt, name);
    err = err ?: prop_strings(fdt, "compatible", node->compatible);
    err = err ?: prop_reg64(fdt, "reg", regs, 2 * node->regs->len);
    if (!err && node->irqs->len) {
        irqs = g_new(fdt32_t, 3 * node->irqs->len);
        for (guint i = 0; i < node->irqs->len; i++) {
            HdPlatformIrq *irq = &g_array_index(node->irqs, HdPlatformIrq, i);

            irqs[3 * i] = cpu_to_fdt32(GIC_SPI);
            irqs[3 * i + 1] = cpu_to_fdt32(irq->line);
            irqs[3 * i + 2] = cpu_to_fdt32(irq->level ? IRQ_LEVEL_HIGH : IRQ_EDGE_RISING);
        }
        err = fdt_property(fdt, "interrupts", irqs, 3 * node->irqs->len * sizeof(fdt32_t));
    }
    return err ?: fdt_end_node(fdt);
}

static int build(void *fdt, int bufsize, const HdArmVirtLayout *l)
{
    g_autofree char *memname = g_strdup_printf("memory@%" PRIx64, l->ram_base);
    g_autofree char *gicname = g_strdup_printf("intc@%" PRIx64, l->gic_dist);
    const uint64_t mem[] = { l->ram_base, l->ram_size };
    const uint64_t gic[] = { l->gic_dist, HD_GIC_DIST_SIZE, l->gic_redist, l->gic_redist_size };
    int err = fdt_create(fdt, bufsize);

    err = err ?: fdt_finish_reservemap(fdt);
    err = err ?: fdt_begin_node(fdt, "");
    err = err ?: fdt_property_string(fdt, "compatible", "linux,dummy-virt");
    err = err ?: fdt_property_string(fdt, "model", "hostdev virt");
    err = err ?: fdt_property_u32(fdt, "#address-cells", 2);
    err = err ?: fdt_property_u32(fdt, "#size-cells", 2);
    err = err ?: fdt_property_u32(fdt, "interrupt-parent", GIC_PHANDLE);

    err = err ?: fdt_begin_node(fdt, "chosen"); /* no kernel is loaded: nothing to pass */
    err = err ?: fdt_end_node(fdt);

    err = err ?: fdt_begin_node(fdt, memname);
    err = err ?: fdt_property_string(fdt, "device_type", "memory");
    err = err ?: prop_reg64(fdt, "reg", mem, 2);
    err = err ?: fdt_end_node(fdt);

    err = err ?: fdt_begin_node(fdt, "cpus");
    err = err ?: fdt_property_u32(fdt, "#address-cells", 1);
    err = err ?: fdt_property_u32(fdt, "#size-cells", 0);
    for (int i = 0; !err && i < l->cpus; i++) {
        g_autofree char *cpu = g_strdup_printf("cpu@%d", i);

        err = fdt_begin_node(fdt, cpu);
        err = err ?: fdt_property_string(fdt, "device_type", "cpu");
        err = err ?: fdt_property_string(fdt, "compatible", "arm,armv8");
        err = err ?: fdt_property_u32(fdt, "reg", i);
        err = err ?: fdt_end_node(fdt);
    }
    err = err ?: fdt_end_node(fdt);

    err = err ?: fdt_begin_node(fdt, gicname);
    err = err ?: fdt_property_string(fdt, "compatible", "arm,gic-v3");
    err = err ?: fdt_property_u32(fdt, "#interrupt-cells", 3);
    err = err ?: fdt_property(fdt, "interrupt-controller", NULL, 0);
    err = err ?: fdt_property_u32(fdt, "#address-cells", 0);
    err = err ?: prop_reg64(fdt, "reg", gic, 4);
    err = err ?: fdt_property_u32(fdt, "phandle", GIC_PHANDLE);
    err = err ?: fdt_end_node(fdt);

    if (l->bus) {
        GPtrArray *nodes = hd_platform_bus_nodes(l->bus);

        for (guint i = 0; !err && i < nodes->len; i++) {
            err = node_device(fdt, g_ptr_array_index(nodes, i));
        }
    }
    err = err ?: fdt_end_node(fdt);
    return err ?: fdt_finish(fdt);
}

void *hd_arm_fdt_build(const HdArmVirtLayout *layout, size_t *size, GError **errp)
{
    for (int bufsize = 0x4000; bufsize <= 0x400000; bufsize *= 2) {
        g_autofree void *fdt = g_malloc0(bufsize);
        int err = build(fdt, bufsize, layout);

        if (err == -FDT_ERR_NOSPACE) {
            continue;
        }
        if (err) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "cannot build the device tree: libfdt says %s", fdt_strerror(err));
            return NULL;
        }
        err = fdt_pack(fdt);
        if (err) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "cannot pack the device tree: libfdt says %s", fdt_strerror(err));
            return NULL;
        }
        *size = fdt_totalsize(fdt);
        return g_steal_pointer(&fdt);
    }
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "cannot build the device tree: it outgrew 4 MiB");
    return NULL;
}
