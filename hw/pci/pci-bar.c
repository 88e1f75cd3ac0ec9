/*
 * PCI BARs and the expansion ROM: registration, sizing masks and the mapping engine that
 * follows the command register and BAR values into the bus's memory and I/O roots.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pci-internal.h"
#include "qom/object.h"
#include "trace.h"

#define PCI_BAR_PRIORITY 1
#define PCI_ROM_MIN_SIZE 0x800
#define PCI_IO_SPACE_SIZE 0x10000

static bool valid_index(HdPciDevice *dev, int index)
{
    int nbars = HD_PCI_DEVICE_GET_CLASS(dev)->is_bridge ? 2 : 6;

    return index == PCI_ROM_SLOT || (index >= 0 && index < nbars);
}

uint32_t pci_bar_offset(HdPciDevice *dev, int index)
{
    if (index == PCI_ROM_SLOT) {
        return HD_PCI_DEVICE_GET_CLASS(dev)->is_bridge ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;
    }
    return PCI_BASE_ADDRESS_0 + 4 * index;
}

void pci_register_bar(HdPciDevice *dev, int index, uint8_t type, MemoryRegion *mr)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev) && mr);
    HdPciDevicePrivate *priv = pci_priv(dev);
    uint64_t size = memory_region_size(mr);
    bool io = index != PCI_ROM_SLOT && (type & PCI_BASE_ADDRESS_SPACE_IO);
    bool is64 = !io && index != PCI_ROM_SLOT && (type & PCI_BASE_ADDRESS_MEM_TYPE_64);
    uint64_t min = index == PCI_ROM_SLOT ? PCI_ROM_MIN_SIZE : io ? 4 : 16;
    uint32_t off;
    uint64_t wmask;

    g_return_if_fail(priv->config != NULL);
    g_return_if_fail(valid_index(dev, index) && (!is64 || valid_index(dev, index + 1)));
    g_return_if_fail(index == PCI_ROM_SLOT || !is64 || index + 1 < PCI_ROM_SLOT);
    g_return_if_fail(size >= min && (size & (size - 1)) == 0);
    g_return_if_fail(!io || size <= PCI_IO_SPACE_SIZE);
    g_return_if_fail(is64 || size <= 0x80000000ULL);
    g_return_if_fail(!priv->bars[index].mr && (!is64 || !priv->bars[index + 1].mr));

    if (index == PCI_ROM_SLOT && priv->rombar == 0) {
        return;
    }
    off = pci_bar_offset(dev, index);
    priv->bars[index] = (PciBar){
        .mr = memory_region_ref(mr),
        .type = index == PCI_ROM_SLOT ? 0 : (io ? PCI_BASE_ADDRESS_SPACE_IO : type & 0x0e),
        .size = size,
        .addr = PCI_BAR_UNMAPPED,
    };
    if (index == PCI_ROM_SLOT) {
        wmask = (~(size - 1) & PCI_ROM_ADDRESS_MASK) | PCI_ROM_ADDRESS_ENABLE;
    } else if (io) {
        wmask = ~(size - 1) & PCI_BASE_ADDRESS_IO_MASK;
    } else {
        wmask = ~(size - 1) & ~(uint64_t)0x0f;
    }
    pci_set_long(priv->config + off, priv->bars[index].type);
    pci_set_long(priv->wmask + off, wmask & 0xffffffffu);
    pci_set_long(priv->w1cmask + off, 0);
    if (is64) {
        pci_set_long(priv->config + off + 4, 0);
        pci_set_long(priv->wmask + off + 4, wmask >> 32);
        pci_set_long(priv->w1cmask + off + 4, 0);
    }
}

MemoryRegion *pci_bar_region(HdPciDevice *dev, int index)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), NULL);
    if (index < 0 || index >= PCI_NUM_REGIONS) {
        return NULL;
    }
    return pci_priv(dev)->bars[index].mr;
}

uint64_t pci_bar_size(HdPciDevice *dev, int index)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    if (index < 0 || index >= PCI_NUM_REGIONS || !pci_priv(dev)->bars[index].mr) {
        return 0;
    }
    return pci_priv(dev)->bars[index].size;
}

uint8_t pci_bar_type(HdPciDevice *dev, int index)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    if (index < 0 || index >= PCI_NUM_REGIONS) {
        return 0;
    }
    return pci_priv(dev)->bars[index].type;
}

uint64_t pci_bar_address(HdPciDevice *dev, int index)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), PCI_BAR_UNMAPPED);
    if (index < 0 || index >= PCI_NUM_REGIONS) {
        return PCI_BAR_UNMAPPED;
    }
    return pci_priv(dev)->bars[index].addr;
}

/* Where BAR @index should be mapped according to config space now. */
static uint64_t bar_target(HdPciDevice *dev, int index)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciBar *bar = &priv->bars[index];
    uint16_t cmd = pci_get_word(priv->config + PCI_COMMAND);
    uint32_t off = pci_bar_offset(dev, index);
    uint64_t addr, last;

    if (index == PCI_ROM_SLOT) {
        uint32_t v = pci_get_long(priv->config + off);

        if (!(cmd & PCI_COMMAND_MEMORY) || !(v & PCI_ROM_ADDRESS_ENABLE)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = v & PCI_ROM_ADDRESS_MASK & ~(bar->size - 1);
    } else if (bar->type & PCI_BASE_ADDRESS_SPACE_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = pci_get_long(priv->config + off) & PCI_BASE_ADDRESS_IO_MASK & ~(bar->size - 1);
        if (addr + bar->size > PCI_IO_SPACE_SIZE) {
            return PCI_BAR_UNMAPPED;
        }
    } else {
        if (!(cmd & PCI_COMMAND_MEMORY)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = bar->type & PCI_BASE_ADDRESS_MEM_TYPE_64 ? pci_get_quad(priv->config + off)
                                                        : pci_get_long(priv->config + off);
        addr &= ~(bar->size - 1) & ~(uint64_t)0x0f;
    }
    last = addr + bar->size - 1;
    /* Address 0 means "not programmed"; the last byte of the space cannot be mapped. */
    if (addr == 0 || last < addr || last == UINT64_MAX) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

void pci_update_mappings(HdPciDevice *dev)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciRoot *root = pci_device_root(dev);

    if (!priv->config || !root) {
        return;
    }
    memory_region_transaction_begin();
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        PciBar *bar = &priv->bars[i];
        uint64_t target;

        if (!bar->mr) {
            continue;
        }
        target = bar_target(dev, i);
        if (target == bar->addr) {
            continue;
        }
        if (bar->addr != PCI_BAR_UNMAPPED) {
            trace_pci_bar_unmap(memory_region_name(bar->mr), i, bar->addr);
            memory_region_del_subregion(bar->mapped_in, bar->mr);
            bar->mapped_in = NULL;
        }
        bar->addr = target;
        if (target != PCI_BAR_UNMAPPED) {
            bool io = i != PCI_ROM_SLOT && (bar->type & PCI_BASE_ADDRESS_SPACE_IO);

            trace_pci_bar_map(memory_region_name(bar->mr), i, target, bar->size);
            bar->mapped_in = io ? root->io : root->mem;
            memory_region_add_subregion_overlap(bar->mapped_in, target, bar->mr, PCI_BAR_PRIORITY);
        }
    }
    memory_region_transaction_commit();
}

void pci_bars_release(HdPciDevice *dev)
{
    HdPciDevicePrivate *priv = pci_priv(dev);

    memory_region_transaction_begin();
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        PciBar *bar = &priv->bars[i];

        if (bar->mr && bar->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(bar->mapped_in, bar->mr);
        }
        memory_region_unref(bar->mr);
        *bar = (PciBar){.addr = PCI_BAR_UNMAPPED};
    }
    memory_region_transaction_commit();
}

bool pci_load_romfile(HdPciDevice *dev, GError **errp)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    HdPciDevicePrivate *priv = pci_priv(dev);
    g_autoptr(GError) err = NULL;
    g_autofree char *data = NULL;
    g_autofree char *what = NULL;
    g_autofree char *name = NULL;
    g_autoptr(MemoryRegion) mr = NULL;
    gsize len = 0;
    uint64_t size = PCI_ROM_MIN_SIZE;

    if (!priv->romfile || !priv->romfile[0] || priv->rombar == 0) {
        return true;
    }
    what = hd_device_describe(HD_DEVICE(dev));
    if (!g_file_get_contents(priv->romfile, &data, &len, &err)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: cannot read romfile '%s': %s; give a readable file or drop romfile=", what,
                    priv->romfile, err->message);
        return false;
    }
    if (len == 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: romfile '%s' is empty; give a ROM image or drop romfile=", what,
                    priv->romfile);
        return false;
    }
    if (len > 0x80000000ULL) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: romfile '%s' is larger than 2 GiB; give a ROM image", what, priv->romfile);
        return false;
    }
    while (size < len) {
        size <<= 1;
    }
    name = g_strdup_printf("%s.rom", what);
    mr = memory_region_new_ram(name, size, errp);
    if (!mr) {
        return false;
    }
    memcpy(memory_region_get_ram_ptr(mr), data, len);
    memory_region_set_readonly(mr, true);
    pci_register_bar(dev, PCI_ROM_SLOT, 0, mr);
    return true;
}
