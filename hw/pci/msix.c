/*
 * MSI-X: the capability, the emulated vector table and pending-bit array (MMIO regions inside
 * the device's BARs), delivery with masking, and the vector notifiers.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/pci/msix.h"
#include "pci-internal.h"
#include "qom/object.h"
#include "trace.h"

#define MSIX_SUBREGION_PRIORITY 1

static uint16_t msix_flags(HdPciDevicePrivate *priv)
{
    return pci_get_word(priv->config + priv->msix.cap + PCI_MSIX_FLAGS);
}

bool msix_present(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    return pci_priv(dev)->msix.cap != 0;
}

uint8_t msix_cap_offset(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    return pci_priv(dev)->msix.cap;
}

unsigned msix_nr_vectors(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    return pci_priv(dev)->msix.nentries;
}

bool msix_enabled(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    HdPciDevicePrivate *priv = pci_priv(dev);

    return priv->msix.cap && priv->config && (msix_flags(priv) & PCI_MSIX_FLAGS_ENABLE);
}

bool msix_function_masked(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    HdPciDevicePrivate *priv = pci_priv(dev);

    return priv->msix.cap && priv->config && (msix_flags(priv) & PCI_MSIX_FLAGS_MASKALL);
}

static bool entry_masked(PciMsixState *x, unsigned vector)
{
    uint8_t *e = x->table + vector * PCI_MSIX_ENTRY_SIZE;

    return pci_get_long(e + PCI_MSIX_ENTRY_VECTOR_CTRL) & PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

bool msix_is_masked(HdPciDevice *dev, unsigned vector)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), true);
    HdPciDevicePrivate *priv = pci_priv(dev);

    if (vector >= priv->msix.nentries) {
        return true;
    }
    return msix_function_masked(dev) || entry_masked(&priv->msix, vector);
}

HdMsiMessage msix_get_message(HdPciDevice *dev, unsigned vector)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), (HdMsiMessage){0});
    PciMsixState *x = &pci_priv(dev)->msix;
    uint8_t *e;

    if (vector >= x->nentries) {
        return (HdMsiMessage){0};
    }
    e = x->table + vector * PCI_MSIX_ENTRY_SIZE;
    return (HdMsiMessage){
        .address = pci_get_quad(e + PCI_MSIX_ENTRY_LOWER_ADDR),
        .data = pci_get_long(e + PCI_MSIX_ENTRY_DATA),
    };
}

bool msix_is_pending(HdPciDevice *dev, unsigned vector)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    PciMsixState *x = &pci_priv(dev)->msix;

    return vector < x->nentries && (x->pba[vector / 8] & (1u << (vector % 8)));
}

static void set_pending(PciMsixState *x, unsigned vector, bool pending)
{
    if (pending) {
        x->pba[vector / 8] |= 1u << (vector % 8);
    } else {
        x->pba[vector / 8] &= ~(1u << (vector % 8));
    }
}

void msix_clear_pending(HdPciDevice *dev, unsigned vector)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    PciMsixState *x = &pci_priv(dev)->msix;

    if (vector < x->nentries) {
        set_pending(x, vector, false);
    }
}

void msix_notify(HdPciDevice *dev, unsigned vector)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    PciMsixState *x = &pci_priv(dev)->msix;

    if (!msix_enabled(dev) || vector >= x->nentries) {
        return;
    }
    if (msix_is_masked(dev, vector)) {
        set_pending(x, vector, true);
        return;
    }
    pci_msi_send(dev, msix_get_message(dev, vector));
}

/* Bring notifier state and pending deliveries of @vector in line with the table and flags. */
static void vector_sync(HdPciDevice *dev, unsigned v, bool enabled)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciMsixState *x = &priv->msix;
    HdPciVectorNotifiers *n = &priv->notifiers;
    bool usable = enabled && !msix_is_masked(dev, v);

    if (usable) {
        HdMsiMessage msg = msix_get_message(dev, v);

        if (!x->used[v] || msg.address != x->used_msg[v].address ||
            msg.data != x->used_msg[v].data) {
            x->used[v] = true;
            x->used_msg[v] = msg;
            trace_pci_vector_use(priv->devfn, "msix", v, msg.address, msg.data);
            if (n->vector_use) {
                n->vector_use(dev, HD_PCI_IRQ_MSIX, v, msg, priv->notifiers_opaque);
            }
        }
        if (msix_is_pending(dev, v)) {
            set_pending(x, v, false);
            pci_msi_send(dev, msg);
        }
    } else if (x->used[v]) {
        x->used[v] = false;
        trace_pci_vector_release(priv->devfn, "msix", v);
        if (n->vector_release) {
            n->vector_release(dev, HD_PCI_IRQ_MSIX, v, priv->notifiers_opaque);
        }
    }
}

static void msix_sync(HdPciDevice *dev)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciMsixState *x = &priv->msix;
    HdPciVectorNotifiers *n = &priv->notifiers;
    bool enabled = msix_enabled(dev);

    if (enabled && !x->enabled) {
        x->enabled = true;
        trace_pci_vector_enable(priv->devfn, "msix", true);
        if (n->enable_changed) {
            n->enable_changed(dev, HD_PCI_IRQ_MSIX, true, priv->notifiers_opaque);
        }
    }
    for (unsigned v = 0; v < x->nentries; v++) {
        vector_sync(dev, v, enabled);
    }
    if (!enabled && x->enabled) {
        x->enabled = false;
        trace_pci_vector_enable(priv->devfn, "msix", false);
        if (n->enable_changed) {
            n->enable_changed(dev, HD_PCI_IRQ_MSIX, false, priv->notifiers_opaque);
        }
    }
}

void msix_config_written(HdPciDevice *dev, uint32_t addr, unsigned len)
{
    (void)addr;
    (void)len;
    msix_sync(dev);
}

static uint64_t table_read(void *opaque, hwaddr addr, unsigned size)
{
    PciMsixState *x = &pci_priv(opaque)->msix;

    if (addr + size > x->nentries * PCI_MSIX_ENTRY_SIZE) {
        return 0;
    }
    return size == 8 ? pci_get_quad(x->table + addr) : pci_get_long(x->table + addr);
}

static void table_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    HdPciDevice *dev = opaque;
    PciMsixState *x = &pci_priv(dev)->msix;
    unsigned first, last;

    if (addr + size > x->nentries * PCI_MSIX_ENTRY_SIZE) {
        return;
    }
    if (size == 8) {
        pci_set_quad(x->table + addr, value);
    } else {
        pci_set_long(x->table + addr, value);
    }
    first = addr / PCI_MSIX_ENTRY_SIZE;
    last = (addr + size - 1) / PCI_MSIX_ENTRY_SIZE;
    for (unsigned v = first; v <= last; v++) {
        vector_sync(dev, v, msix_enabled(dev));
    }
}

static const MemoryRegionOps table_ops = {
    .read = table_read,
    .write = table_write,
    .valid = {.min_access_size = 4, .max_access_size = 8},
    .impl = {.min_access_size = 4, .max_access_size = 8},
};

static uint64_t pba_read(void *opaque, hwaddr addr, unsigned size)
{
    PciMsixState *x = &pci_priv(opaque)->msix;
    uint64_t v = 0;

    for (unsigned i = 0; i < size && addr + i < x->pba_size; i++) {
        v |= (uint64_t)x->pba[addr + i] << (8 * i);
    }
    return v;
}

static void pba_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    /* The PBA is read-only. */
    (void)opaque;
    (void)addr;
    (void)value;
    (void)size;
}

static const MemoryRegionOps pba_ops = {
    .read = pba_read,
    .write = pba_write,
    .valid = {.min_access_size = 4, .max_access_size = 8},
    .impl = {.min_access_size = 4, .max_access_size = 8},
};

static void table_mask_all(PciMsixState *x)
{
    memset(x->table, 0, x->nentries * PCI_MSIX_ENTRY_SIZE);
    for (unsigned v = 0; v < x->nentries; v++) {
        pci_set_long(x->table + v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL,
                     PCI_MSIX_ENTRY_CTRL_MASKBIT);
    }
    memset(x->pba, 0, x->pba_size);
}

bool msix_init(HdPciDevice *dev, unsigned nentries, MemoryRegion *table_bar, uint8_t table_bar_nr,
               uint32_t table_offset, MemoryRegion *pba_bar, uint8_t pba_bar_nr,
               uint32_t pba_offset, uint8_t cap_offset, GError **errp)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev) && table_bar && pba_bar, false);
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciMsixState *x = &priv->msix;
    g_autofree char *what = hd_device_describe(HD_DEVICE(dev));
    g_autofree char *tname = NULL;
    g_autofree char *pname = NULL;
    uint32_t table_size = nentries * PCI_MSIX_ENTRY_SIZE;
    unsigned pba_size = ((nentries + 63) / 64) * 8;
    uint8_t pos;

    if (nentries == 0 || nentries > PCI_MSIX_MAX_ENTRIES) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: MSI-X supports 1 to 2048 vectors, not %u", what, nentries);
        return false;
    }
    if (x->cap) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "%s: MSI-X capability added twice",
                    what);
        return false;
    }
    if (!memory_region_is_container(table_bar) || !memory_region_is_container(pba_bar) ||
        table_bar_nr > 5 || pba_bar_nr > 5 || (table_offset & 7) || (pba_offset & 7) ||
        (uint64_t)table_offset + table_size > memory_region_size(table_bar) ||
        (uint64_t)pba_offset + pba_size > memory_region_size(pba_bar) ||
        (table_bar == pba_bar &&
         pci_ranges_overlap(table_offset, table_size, pba_offset, pba_size))) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: MSI-X table (BAR %u+0x%x) or PBA (BAR %u+0x%x) is misplaced", what,
                    table_bar_nr, table_offset, pba_bar_nr, pba_offset);
        return false;
    }
    pos = pci_add_capability(dev, PCI_CAP_ID_MSIX, cap_offset, PCI_CAP_MSIX_SIZEOF, errp);
    if (!pos) {
        return false;
    }
    pci_set_word(priv->config + pos + PCI_MSIX_FLAGS, (nentries - 1) & PCI_MSIX_FLAGS_QSIZE);
    pci_set_long(priv->config + pos + PCI_MSIX_TABLE, table_offset | table_bar_nr);
    pci_set_long(priv->config + pos + PCI_MSIX_PBA, pba_offset | pba_bar_nr);
    pci_set_word(priv->wmask + pos + PCI_MSIX_FLAGS,
                 PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);

    x->cap = pos;
    x->nentries = nentries;
    x->table = g_malloc0(table_size);
    x->pba_size = pba_size;
    x->pba = g_malloc0(pba_size);
    x->used = g_new0(bool, nentries);
    x->used_msg = g_new0(HdMsiMessage, nentries);
    table_mask_all(x);

    tname = g_strdup_printf("%s msix-table", what);
    pname = g_strdup_printf("%s msix-pba", what);
    x->table_mr = memory_region_new_io(tname, table_size, &table_ops, dev);
    x->pba_mr = memory_region_new_io(pname, pba_size, &pba_ops, dev);
    x->table_bar = memory_region_ref(table_bar);
    x->pba_bar = memory_region_ref(pba_bar);
    memory_region_transaction_begin();
    memory_region_add_subregion_overlap(table_bar, table_offset, x->table_mr,
                                        MSIX_SUBREGION_PRIORITY);
    memory_region_add_subregion_overlap(pba_bar, pba_offset, x->pba_mr, MSIX_SUBREGION_PRIORITY);
    memory_region_transaction_commit();
    return true;
}

bool msix_init_exclusive_bar(HdPciDevice *dev, unsigned nentries, uint8_t bar_nr, GError **errp)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    PciMsixState *x = &pci_priv(dev)->msix;
    g_autofree char *what = hd_device_describe(HD_DEVICE(dev));
    g_autofree char *name = g_strdup_printf("%s msix", what);
    uint32_t table_size = nentries * PCI_MSIX_ENTRY_SIZE;
    uint32_t pba_offset = (table_size + 0x7ff) & ~0x7ffu;
    uint64_t size = 0x1000;
    MemoryRegion *bar;

    while (size < pba_offset + 0x800) {
        size <<= 1;
    }
    bar = memory_region_new_container(name, size);
    if (!msix_init(dev, nentries, bar, bar_nr, 0, bar, bar_nr, pba_offset, 0, errp)) {
        memory_region_unref(bar);
        return false;
    }
    x->exclusive_bar = bar;
    pci_register_bar(dev, bar_nr, PCI_BASE_ADDRESS_SPACE_MEMORY, bar);
    return true;
}

void msix_reset(HdPciDevice *dev)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciMsixState *x = &priv->msix;
    uint8_t *flags;

    if (!x->cap || !priv->config) {
        return;
    }
    flags = priv->config + x->cap + PCI_MSIX_FLAGS;
    pci_set_word(flags, pci_get_word(flags) & ~(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL));
    table_mask_all(x);
    msix_sync(dev);
}

void msix_uninit(HdPciDevice *dev)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciMsixState *x = &priv->msix;

    if (!x->cap) {
        return;
    }
    if (priv->config) {
        msix_reset(dev);
        pci_del_capability(dev, PCI_CAP_ID_MSIX);
    }
    memory_region_transaction_begin();
    memory_region_del_subregion(x->table_bar, x->table_mr);
    memory_region_del_subregion(x->pba_bar, x->pba_mr);
    memory_region_transaction_commit();
    memory_region_unref(x->table_mr);
    memory_region_unref(x->pba_mr);
    memory_region_unref(x->table_bar);
    memory_region_unref(x->pba_bar);
    memory_region_unref(x->exclusive_bar);
    g_free(x->table);
    g_free(x->pba);
    g_free(x->used);
    g_free(x->used_msg);
    *x = (PciMsixState){0};
}
