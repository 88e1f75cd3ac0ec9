/*
 * MSI: the emulated capability, delivery with per-vector masking and pending bits, and the
 * vector notifiers that follow what the guest enables, masks and programs.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/pci/msi.h"
#include "pci-internal.h"
#include "qom/object.h"
#include "trace.h"

void pci_set_vector_notifiers(HdPciDevice *dev, const HdPciVectorNotifiers *notifiers, void *opaque)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    HdPciDevicePrivate *priv = pci_priv(dev);

    priv->notifiers = notifiers ? *notifiers : (HdPciVectorNotifiers){0};
    priv->notifiers_opaque = notifiers ? opaque : NULL;
}

static uint32_t flags_off(PciMsiState *m)
{
    return m->cap + PCI_MSI_FLAGS;
}

static uint32_t data_off(PciMsiState *m)
{
    return m->cap + (m->is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32);
}

static uint32_t mask_off(PciMsiState *m)
{
    return m->cap + (m->is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
}

static uint32_t pending_off(PciMsiState *m)
{
    return m->cap + (m->is64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32);
}

bool msi_init(HdPciDevice *dev, uint8_t offset, unsigned nr_vectors, bool msi64bit,
              bool per_vector_mask, GError **errp)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciMsiState *m = &priv->msi;
    unsigned log2 = 0;
    uint8_t size, pos;

    if (nr_vectors == 0 || nr_vectors > PCI_MSI_MAX_VECTORS || (nr_vectors & (nr_vectors - 1))) {
        g_autofree char *what = hd_device_describe(HD_DEVICE(dev));

        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: MSI supports 1, 2, 4, 8, 16 or 32 vectors, not %u", what, nr_vectors);
        return false;
    }
    if (m->cap) {
        g_autofree char *what = hd_device_describe(HD_DEVICE(dev));

        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "%s: MSI capability added twice",
                    what);
        return false;
    }
    while ((1u << log2) < nr_vectors) {
        log2++;
    }
    size = (msi64bit ? 0x0e : 0x0a) + (per_vector_mask ? 0x0a : 0);
    pos = pci_add_capability(dev, PCI_CAP_ID_MSI, offset, size, errp);
    if (!pos) {
        return false;
    }
    *m = (PciMsiState){
        .cap = pos,
        .size = size,
        .nr_vectors = nr_vectors,
        .is64 = msi64bit,
        .maskbit = per_vector_mask,
    };
    memset(priv->config + pos + 2, 0, size - 2);
    pci_set_word(priv->config + flags_off(m), (log2 << 1) | (msi64bit ? PCI_MSI_FLAGS_64BIT : 0) |
                                                  (per_vector_mask ? PCI_MSI_FLAGS_MASKBIT : 0));
    pci_set_word(priv->wmask + flags_off(m), PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    pci_set_long(priv->wmask + pos + PCI_MSI_ADDRESS_LO, 0xfffffffc);
    if (msi64bit) {
        pci_set_long(priv->wmask + pos + PCI_MSI_ADDRESS_HI, 0xffffffff);
    }
    pci_set_word(priv->wmask + data_off(m), 0xffff);
    if (per_vector_mask) {
        uint32_t bits = nr_vectors == 32 ? 0xffffffffu : (1u << nr_vectors) - 1;

        pci_set_long(priv->wmask + mask_off(m), bits);
    }
    return true;
}

bool msi_present(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    return pci_priv(dev)->msi.cap != 0;
}

uint8_t msi_cap_offset(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    return pci_priv(dev)->msi.cap;
}

bool msi_enabled(HdPciDevice *dev)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    HdPciDevicePrivate *priv = pci_priv(dev);

    return priv->msi.cap && priv->config &&
           (pci_get_word(priv->config + flags_off(&priv->msi)) & PCI_MSI_FLAGS_ENABLE);
}

unsigned msi_nr_vectors_enabled(HdPciDevice *dev)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    unsigned n;

    if (!msi_enabled(dev)) {
        return 0;
    }
    n = 1u << ((pci_get_word(priv->config + flags_off(&priv->msi)) & PCI_MSI_FLAGS_QSIZE) >> 4);
    return MIN(n, priv->msi.nr_vectors);
}

HdMsiMessage msi_get_message(HdPciDevice *dev, unsigned vector)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), (HdMsiMessage){0});
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciMsiState *m = &priv->msi;
    unsigned n = msi_nr_vectors_enabled(dev);
    HdMsiMessage msg = {0};
    uint32_t data;

    if (!m->cap || !priv->config) {
        return msg;
    }
    msg.address = pci_get_long(priv->config + m->cap + PCI_MSI_ADDRESS_LO);
    if (m->is64) {
        msg.address |= (uint64_t)pci_get_long(priv->config + m->cap + PCI_MSI_ADDRESS_HI) << 32;
    }
    data = pci_get_word(priv->config + data_off(m));
    if (n > 1) {
        data = (data & ~(n - 1)) | (vector & (n - 1));
    }
    msg.data = data;
    return msg;
}

bool msi_is_masked(HdPciDevice *dev, unsigned vector)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciMsiState *m = &priv->msi;

    if (!m->cap || !m->maskbit || !priv->config || vector >= PCI_MSI_MAX_VECTORS) {
        return false;
    }
    return pci_get_long(priv->config + mask_off(m)) & (1u << vector);
}

static void set_pending(HdPciDevice *dev, unsigned vector, bool pending)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    uint8_t *p = priv->config + pending_off(&priv->msi);
    uint32_t bits = pci_get_long(p);

    pci_set_long(p, pending ? (bits | (1u << vector)) : (bits & ~(1u << vector)));
}

void msi_notify(HdPciDevice *dev, unsigned vector)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    if (vector >= msi_nr_vectors_enabled(dev)) {
        return;
    }
    if (msi_is_masked(dev, vector)) {
        set_pending(dev, vector, true);
        return;
    }
    pci_msi_send(dev, msi_get_message(dev, vector));
}

/* Bring the notifiers and pending deliveries in line with config space. */
static void msi_sync(HdPciDevice *dev)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciMsiState *m = &priv->msi;
    HdPciVectorNotifiers *n = &priv->notifiers;
    bool enabled = msi_enabled(dev);
    unsigned count = msi_nr_vectors_enabled(dev);

    if (enabled && !m->enabled) {
        m->enabled = true;
        trace_pci_vector_enable(priv->devfn, "msi", true);
        if (n->enable_changed) {
            n->enable_changed(dev, HD_PCI_IRQ_MSI, true, priv->notifiers_opaque);
        }
    }
    for (unsigned v = 0; v < PCI_MSI_MAX_VECTORS; v++) {
        bool usable = enabled && v < count && !msi_is_masked(dev, v);
        bool used = m->used & (1u << v);

        if (usable) {
            HdMsiMessage msg = msi_get_message(dev, v);

            if (!used || msg.address != m->used_msg[v].address || msg.data != m->used_msg[v].data) {
                m->used |= 1u << v;
                m->used_msg[v] = msg;
                trace_pci_vector_use(priv->devfn, "msi", v, msg.address, msg.data);
                if (n->vector_use) {
                    n->vector_use(dev, HD_PCI_IRQ_MSI, v, msg, priv->notifiers_opaque);
                }
            }
            /* An event that came in while masked is delivered on unmask. */
            if (m->maskbit && (pci_get_long(priv->config + pending_off(m)) & (1u << v))) {
                set_pending(dev, v, false);
                pci_msi_send(dev, msg);
            }
        } else if (used) {
            m->used &= ~(1u << v);
            trace_pci_vector_release(priv->devfn, "msi", v);
            if (n->vector_release) {
                n->vector_release(dev, HD_PCI_IRQ_MSI, v, priv->notifiers_opaque);
            }
        }
    }
    if (!enabled && m->enabled) {
        m->enabled = false;
        trace_pci_vector_enable(priv->devfn, "msi", false);
        if (n->enable_changed) {
            n->enable_changed(dev, HD_PCI_IRQ_MSI, false, priv->notifiers_opaque);
        }
    }
}

void msi_config_written(HdPciDevice *dev, uint32_t addr, unsigned len)
{
    (void)addr;
    (void)len;
    msi_sync(dev);
}

void msi_reset(HdPciDevice *dev)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciMsiState *m = &priv->msi;
    uint16_t flags;

    if (!m->cap || !priv->config) {
        return;
    }
    flags = pci_get_word(priv->config + flags_off(m));
    pci_set_word(priv->config + flags_off(m),
                 flags & ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE));
    memset(priv->config + m->cap + PCI_MSI_ADDRESS_LO, 0, m->size - PCI_MSI_ADDRESS_LO);
    msi_sync(dev);
}

void msi_uninit(HdPciDevice *dev)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    HdPciDevicePrivate *priv = pci_priv(dev);

    if (!priv->msi.cap) {
        return;
    }
    if (priv->config) {
        msi_reset(dev);
        pci_del_capability(dev, PCI_CAP_ID_MSI);
    }
    priv->msi = (PciMsiState){0};
}
