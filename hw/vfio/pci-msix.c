/*
 * vfio-pci MSI-X placement: the guest finds the MSI-X table and PBA in the device's own BAR, or
 * relocated (x-msix-relocation=auto|bar0..bar5) to a free BAR or the upper half of an enlarged
 * one, so that every page of the device's BARs can be mapped.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "pci.h"
#include "trace.h"

#define MSIX_PAGE 4096ull

static uint64_t pow2_at_least(uint64_t v, uint64_t min)
{
    uint64_t p = min;

    while (p < v && p < (1ULL << 63)) {
        p <<= 1;
    }
    return p;
}

bool vfio_pci_msix_reloc_parse(const char *text, int *choice, GError **errp)
{
    if (!text || !strcmp(text, "off")) {
        *choice = VFIO_PCI_MSIX_RELOC_OFF;
    } else if (!strcmp(text, "auto")) {
        *choice = VFIO_PCI_MSIX_RELOC_AUTO;
    } else if (strlen(text) == 4 && !strncmp(text, "bar", 3) && text[3] >= '0' && text[3] <= '5') {
        *choice = text[3] - '0';
    } else {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "x-msix-relocation=%s is not one of off, auto, bar0, bar1, bar2, bar3, bar4, bar5",
                    text);
        return false;
    }
    return true;
}

bool vfio_pci_msix_reloc_plan(const VFIOPciBarLayout *bars, unsigned nr_vectors, int table_bar,
                              int choice, VFIOPciMsixReloc *out, GError **errp)
{
    uint64_t table = (uint64_t)nr_vectors * PCI_MSIX_ENTRY_SIZE;
    uint64_t pba = ((nr_vectors + 63) / 64) * 8;
    uint64_t table_pages = (table + MSIX_PAGE - 1) & ~(MSIX_PAGE - 1);
    int bar = choice;

    *out = (VFIOPciMsixReloc){.bar = -1};
    if (choice == VFIO_PCI_MSIX_RELOC_OFF || nr_vectors == 0) {
        return true;
    }
    if (choice == VFIO_PCI_MSIX_RELOC_AUTO) {
        /* The first free BAR; without one, the BAR that holds the table grows. */
        bar = table_bar;
        for (int i = 0; i < 6; i++) {
            if (!bars[i].size && !bars[i].upper) {
                bar = i;
                break;
            }
        }
    }
    if (bar < 0 || bar > 5) {
        g_set_error(errp, VFIO_ERROR, EINVAL, "x-msix-relocation: no BAR %d", bar);
        return false;
    }
    if (bars[bar].upper) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "x-msix-relocation=bar%d: BAR %d is the upper half of the device's 64-bit BAR %d; pick another BAR or auto",
                    bar, bar, bar - 1);
        return false;
    }
    if (bars[bar].size && (bars[bar].type & PCI_BASE_ADDRESS_SPACE_IO)) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "x-msix-relocation=bar%d: BAR %d is an I/O BAR and cannot hold the MSI-X table; pick a memory BAR or auto",
                    bar, bar);
        return false;
    }
    out->bar = bar;
    if (!bars[bar].size) {
        out->new_bar = true;
        out->table_offset = 0;
        out->pba_offset = table_pages;
        out->size = pow2_at_least(table_pages + pba, MSIX_PAGE);
    } else {
        /* The device's BAR stays in the lower half; the table and PBA take the upper one. */
        uint64_t base = MAX(bars[bar].size, MSIX_PAGE);

        out->table_offset = base;
        out->pba_offset = base + table_pages;
        out->size = pow2_at_least(base + table_pages + pba, base * 2);
    }
    if (out->size > 0x80000000ull && !(bars[bar].type & PCI_BASE_ADDRESS_MEM_TYPE_64)) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "x-msix-relocation=bar%d: BAR %d would grow to 0x%" G_GINT64_MODIFIER "x bytes, too large for a 32-bit BAR; pick another BAR",
                    bar, bar, out->size);
        *out = (VFIOPciMsixReloc){.bar = -1};
        return false;
    }
    return true;
}

/* The offset of the device's MSI-X capability in @config (256 bytes), 0 when none. */
static uint8_t msix_cap_find(const uint8_t *config)
{
    uint8_t offs[48];
    unsigned n = vfio_pci_cap_walk(config, offs, G_N_ELEMENTS(offs));

    for (unsigned i = 0; i < n; i++) {
        if (config[offs[i]] == PCI_CAP_ID_MSIX) {
            return offs[i];
        }
    }
    return 0;
}

bool vfio_pci_msix_plan(VFIOPciDevice *vdev, GError **errp)
{
    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    VFIOPciBarLayout bars[6] = {{0}};
    int choice;
    uint8_t cap;
    unsigned nr;

    vdev->msix_reloc = (VFIOPciMsixReloc){.bar = -1};
    if (!vfio_pci_msix_reloc_parse(vdev->msix_relocation, &choice, errp)) {
        return false;
    }
    if (choice == VFIO_PCI_MSIX_RELOC_OFF) {
        return true;
    }
    memset(config, 0, sizeof(config));
    if (vfio_device_pread(&vdev->vbasedev, config, MIN(vdev->config_size, sizeof(config)),
                          vdev->config_offset) < 0 ||
        !(cap = msix_cap_find(config))) {
        return true; /* no MSI-X to relocate */
    }
    nr = (pci_get_word(config + cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) + 1;
    for (int i = 0; i < 6; i++) {
        g_autofree struct vfio_region_info *info = NULL;
        uint32_t raw = pci_get_long(config + PCI_BASE_ADDRESS_0 + 4 * i);

        if (bars[i].upper || vfio_get_region_info(&vdev->vbasedev, VFIO_PCI_BAR0_REGION_INDEX + i,
                                                  &info) < 0 ||
            info->size == 0) {
            continue;
        }
        bars[i].type = raw & PCI_BASE_ADDRESS_SPACE_IO
                           ? PCI_BASE_ADDRESS_SPACE_IO
                           : raw & (PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
        bars[i].size = pow2_at_least(info->size, raw & PCI_BASE_ADDRESS_SPACE_IO ? 4 : 16);
        if ((bars[i].type & PCI_BASE_ADDRESS_MEM_TYPE_64) && i < 5) {
            bars[i + 1].upper = true;
        }
    }
    if (!vfio_pci_msix_reloc_plan(bars, nr,
                                  pci_get_long(config + cap + PCI_MSIX_TABLE) & PCI_MSIX_TABLE_BIR,
                                  choice, &vdev->msix_reloc, errp)) {
        return false;
    }
    trace_vfio_pci_msix_relocate(vdev->vbasedev.name, vdev->msix_reloc.bar,
                                 vdev->msix_reloc.new_bar, vdev->msix_reloc.size,
                                 vdev->msix_reloc.table_offset, vdev->msix_reloc.pba_offset);
    return true;
}

void vfio_pci_msix_register_bar(VFIOPciDevice *vdev, int index, uint8_t type, MemoryRegion *mr)
{
    g_autofree char *name = NULL;
    MemoryRegion *grown;

    if (vdev->msix_reloc.bar != index || vdev->msix_reloc.new_bar) {
        pci_register_bar(HD_PCI_DEVICE(vdev), index, type, mr);
        return;
    }
    /* Twice (or more) the BAR: the device's region below, the MSI-X table and PBA above. */
    name = g_strdup_printf("%s BAR %d with MSI-X", vdev->vbasedev.name, index);
    grown = memory_region_new_container(name, vdev->msix_reloc.size);
    memory_region_add_subregion(grown, 0, mr);
    pci_register_bar(HD_PCI_DEVICE(vdev), index, type, grown);
    memory_region_unref(grown); /* the PCI core holds it from here */
}

MemoryRegion *vfio_pci_msix_reloc_region(VFIOPciDevice *vdev)
{
    HdPciDevice *dev = HD_PCI_DEVICE(vdev);
    int bar = vdev->msix_reloc.bar;

    if (bar < 0) {
        return NULL;
    }
    if (vdev->msix_reloc.new_bar && !pci_bar_region(dev, bar)) {
        g_autofree char *name = g_strdup_printf("%s MSI-X BAR %d", vdev->vbasedev.name, bar);
        MemoryRegion *mr = memory_region_new_container(name, vdev->msix_reloc.size);

        pci_register_bar(dev, bar, PCI_BASE_ADDRESS_SPACE_MEMORY, mr);
        memory_region_unref(mr);
    }
    return pci_bar_region(dev, bar);
}
