/*
 * The aarch64 virt machine (include/hw/arm/virt.h): RAM at VIRT_RAM_BASE, the GICv3
 * distributor, and the platform bus whose devices are reset with the machine; the device
 * tree comes from virt-fdt.c.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>

#include "hw/arm/virt.h"
#include "qom/object.h"
#include "system/reset.h"
#include "trace.h"

struct HdArmVirt {
    MemoryRegion *sysmem; /* borrowed */
    MemoryRegion *ram;    /* borrowed */
    int cpus;
    HdGic *gic;
    HdPlatformBus *bus;
};

static void virt_reset(void *opaque)
{
    HdArmVirt *virt = opaque;

    hd_bus_reset(HD_BUS(virt->bus));
}

HdArmVirt *hd_arm_virt_new(MemoryRegion *sysmem, MemoryRegion *ram, int cpus, GError **errp)
{
    HdArmVirt *virt;
    HdGic *gic = hd_gic_new(sysmem, VIRT_GIC_DIST_BASE, VIRT_GIC_REDIST_BASE,
                            VIRT_GIC_REDIST_SIZE, VIRT_NR_SPIS, errp);

    if (!gic) {
        return NULL;
    }
    virt = g_new0(HdArmVirt, 1);
    virt->sysmem = sysmem;
    virt->ram = ram;
    virt->cpus = cpus > 0 ? cpus : 1;
    virt->gic = gic;
    memory_region_add_subregion(sysmem, VIRT_RAM_BASE, ram);
    virt->bus = hd_platform_bus_new(VIRT_PLATFORM_BUS_NAME, sysmem, VIRT_PLATFORM_BUS_BASE,
                                    VIRT_PLATFORM_BUS_SIZE, hd_gic_spi_lines(gic),
                                    VIRT_PLATFORM_BUS_FIRST_SPI, VIRT_PLATFORM_BUS_NR_SPIS);
    hd_reset_handler_register(virt_reset, virt);
    trace_arm_virt_new(memory_region_size(ram), virt->cpus);
    return virt;
}

void hd_arm_virt_free(HdArmVirt *virt)
{
    if (!virt) {
        return;
    }
    hd_reset_handler_unregister(virt_reset, virt);
    g_clear_object(&virt->bus);
    memory_region_del_subregion(virt->sysmem, virt->ram);
    hd_gic_free(virt->gic);
    g_free(virt);
}

HdPlatformBus *hd_arm_virt_platform_bus(HdArmVirt *virt)
{
    return virt->bus;
}

HdGic *hd_arm_virt_gic(HdArmVirt *virt)
{
    return virt->gic;
}

void *hd_arm_virt_fdt(HdArmVirt *virt, size_t *size, GError **errp)
{
    HdArmVirtLayout layout = {
        .ram_base = VIRT_RAM_BASE,
        .ram_size = memory_region_size(virt->ram),
        .cpus = virt->cpus,
        .gic_dist = VIRT_GIC_DIST_BASE,
        .gic_redist = VIRT_GIC_REDIST_BASE,
        .gic_redist_size = VIRT_GIC_REDIST_SIZE,
        .bus = virt->bus,
    };

    return hd_arm_fdt_build(&layout, size, errp);
}

bool hd_arm_virt_dump_dtb(HdArmVirt *virt, const char *path, GError **errp)
{
    size_t size;
    g_autofree void *blob = hd_arm_virt_fdt(virt, &size, errp);
    g_autoptr(GError) err = NULL;

    if (!blob) {
        return false;
    }
    if (!g_file_set_contents(path, blob, (gssize)size, &err)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "dumpdtb=%s: %s", path,
                    err->message);
        return false;
    }
    trace_arm_virt_dumpdtb(path, size);
    return true;
}
