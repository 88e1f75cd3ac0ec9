/*
 * Machine q35: guest RAM (a memfd or a memory backend) mapped below and above 4 GiB the way
 * QEMU's q35 splits it, then the chipset (host bridge, pcie.0, I/O APIC and MSI lines) and
 * fw_cfg (hw/nvram/fw_cfg.h). Machine virt: the RAM handed to hw/arm/virt.c.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "hw/arm/virt.h"
#include "hw/i386/q35.h"
#include "hw/nvram/fw_cfg.h"
#include "migration/ram.h"
#include "qom/object.h"
#include "reset-internal.h"
#include "system/address-space.h"
#include "system/hostmem.h"
#include "system/machine.h"
#include "trace.h"

struct HdMachine {
    HdTree *tree;
    MemoryRegion *ram;
    MemoryRegion *below_4g;
    MemoryRegion *above_4g;
    HdDevice *host;
    char *host_path;
    HdFwCfg *fw_cfg;
    HdArmVirt *virt; /* machine virt: GIC, platform bus, device tree */
};

static HdTree *qom_tree;

void hd_qom_tree_set(HdTree *tree)
{
    qom_tree = tree;
}

HdTree *hd_qom_tree(void)
{
    return qom_tree;
}

static MemoryRegion *machine_backend_ram(const HdMachineConfig *config, HdTree *tree,
                                         GError **errp)
{
    g_autofree char *path = g_strdup_printf("/objects/%s", config->memory_backend);
    GObject *obj = hd_tree_resolve(tree, path, NULL);
    HdHostMemoryBackend *backend;
    uint64_t size;

    if (!obj || !HD_IS_HOST_MEMORY_BACKEND(obj)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                    "-machine memory-backend=%s: no memory backend with that id; create it "
                    "with -object memory-backend-ram,id=%s,size=...",
                    config->memory_backend, config->memory_backend);
        return NULL;
    }
    backend = HD_HOST_MEMORY_BACKEND(obj);
    size = hd_host_memory_backend_get_size(backend);
    if (config->ram_size_set && size != config->ram_size) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-machine memory-backend=%s: the backend has 0x%" G_GINT64_MODIFIER "x bytes "
                    "but -m asks for 0x%" G_GINT64_MODIFIER "x; make them equal or drop -m",
                    config->memory_backend, size, config->ram_size);
        return NULL;
    }
    if (!hd_user_object_complete(HD_USER_OBJECT(backend), errp) ||
        !hd_host_memory_backend_claim(backend, "the machine", errp)) {
        return NULL;
    }
    return memory_region_ref(hd_host_memory_backend_get_region(backend));
}

HdMachine *hd_machine_new(const HdMachineConfig *config, HdTree *tree, GError **errp)
{
    g_autoptr(GError) err = NULL;
    HdMachine *m;
    uint64_t size, lowmem, below;
    MemoryRegion *sysmem = memory_system_root();

    bool virt = !strcmp(config->type, "virt");

    if (strcmp(config->type, "q35") != 0 && !virt) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "machine type '%s' is not supported by hostdev (q35 or virt)", config->type);
        return NULL;
    }
    m = g_new0(HdMachine, 1);
    m->tree = tree;
    m->ram = config->memory_backend ? machine_backend_ram(config, tree, errp)
             : memory_region_new_ram(virt ? "mach-virt.ram" : "pc.ram", config->ram_size, errp);
    if (!m->ram) {
        hd_machine_free(m);
        return NULL;
    }
    if (virt) {
        m->virt = hd_arm_virt_new(sysmem, m->ram, (int)config->cpus, &err);
        if (!m->virt) {
            g_propagate_prefixed_error(errp, g_steal_pointer(&err), "machine virt: ");
            hd_machine_free(m);
            return NULL;
        }
        hd_migration_set_ram(m->ram);
        trace_machine_init_done(config->type);
        return m;
    }
    size = memory_region_size(m->ram);
    lowmem = size >= 0xb0000000ULL ? 0x80000000ULL : 0xb0000000ULL;
    below = MIN(size, lowmem);
    memory_region_transaction_begin();
    m->below_4g = memory_region_new_alias("ram-below-4g", m->ram, 0, below);
    memory_region_add_subregion(sysmem, 0, m->below_4g);
    if (size > below) {
        m->above_4g = memory_region_new_alias("ram-above-4g", m->ram, below, size - below);
        memory_region_add_subregion(sysmem, HD_RAM_ABOVE_4G_BASE, m->above_4g);
    }
    memory_region_transaction_commit();
    trace_machine_ram(config->memory_backend ? config->memory_backend : "pc.ram", size, below,
                      size - below);

    m->host = q35_chipset_new(sysmem, memory_system_io_root(), memory_system_address_space(),
                              &err);
    if (!m->host) {
        g_propagate_prefixed_error(errp, g_steal_pointer(&err), "machine q35: ");
        hd_machine_free(m);
        return NULL;
    }
    if (!hd_tree_add(tree, "/machine", "q35", G_OBJECT(m->host), errp)) {
        hd_machine_free(m);
        return NULL;
    }
    m->host_path = g_strdup("/machine/q35");
    m->fw_cfg = hd_fw_cfg_new(memory_system_io_root(), memory_system_address_space());
    hd_migration_set_ram(m->ram);
    hd_reset_root_add(m->host);
    trace_machine_init_done(config->type);
    return m;
}

void hd_machine_free(HdMachine *m)
{
    MemoryRegion *sysmem;

    if (!m) {
        return;
    }
    hd_migration_set_ram(NULL);
    g_clear_pointer(&m->virt, hd_arm_virt_free);
    g_clear_pointer(&m->fw_cfg, hd_fw_cfg_free);
    if (m->host) {
        hd_reset_root_remove(m->host);
        hd_device_unrealize(m->host);
        if (m->host_path) {
            hd_tree_remove(m->tree, m->host_path, NULL);
        }
        g_object_unref(m->host);
    }
    sysmem = memory_system_root();
    memory_region_transaction_begin();
    if (m->above_4g) {
        memory_region_del_subregion(sysmem, m->above_4g);
    }
    if (m->below_4g) {
        memory_region_del_subregion(sysmem, m->below_4g);
    }
    memory_region_transaction_commit();
    memory_region_unref(m->above_4g);
    memory_region_unref(m->below_4g);
    memory_region_unref(m->ram);
    g_free(m->host_path);
    g_free(m);
}

uint64_t hd_machine_ram_size(HdMachine *m)
{
    return memory_region_size(m->ram);
}

uint64_t hd_machine_ram_below_4g(HdMachine *m)
{
    return m->below_4g ? memory_region_size(m->below_4g) : 0;
}

bool hd_machine_dump_dtb(HdMachine *m, const char *path, GError **errp)
{
    if (!m || !m->virt) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "dumpdtb=%s: this machine has no device tree (q35 uses ACPI); use -machine virt",
                    path);
        return false;
    }
    return hd_arm_virt_dump_dtb(m->virt, path, errp);
}

uint64_t hd_machine_ram_above_4g(HdMachine *m)
{
    return m->above_4g ? memory_region_size(m->above_4g) : 0;
}
