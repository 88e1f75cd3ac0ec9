/*
 * PCI capabilities: the standard list (0x40-0xff) and the PCI Express extended list (0x100+),
 * with space bookkeeping, and the PCI Express capability itself.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/pci/pcie.h"
#include "pci-internal.h"
#include "qom/object.h"

static void space_take(HdPciDevicePrivate *priv, uint32_t offset, uint32_t size)
{
    for (uint32_t i = 0; i < size; i++) {
        priv->cap_used[offset + i] = offset + 1;
    }
}

static bool space_free(HdPciDevicePrivate *priv, uint32_t offset, uint32_t size)
{
    for (uint32_t i = 0; i < size; i++) {
        if (priv->cap_used[offset + i]) {
            return false;
        }
    }
    return true;
}

uint8_t pci_add_capability(HdPciDevice *dev, uint8_t cap_id, uint8_t offset, uint8_t size,
                           GError **errp)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    HdPciDevicePrivate *priv = pci_priv(dev);
    g_autofree char *what = hd_device_describe(HD_DEVICE(dev));
    uint8_t *c = priv->config;

    g_return_val_if_fail(c != NULL, 0);
    if (size < 2) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: capability 0x%02x of %u bytes is too small", what, cap_id, size);
        return 0;
    }
    if (offset == 0) {
        for (uint32_t o = PCI_STD_HEADER_SIZEOF; o + size <= PCI_CONFIG_SPACE_SIZE; o += 4) {
            if (space_free(priv, o, size)) {
                offset = o;
                break;
            }
        }
        if (offset == 0) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: no room left in config space for capability 0x%02x (%u bytes)", what,
                        cap_id, size);
            return 0;
        }
    } else {
        if (offset < PCI_STD_HEADER_SIZEOF || (offset & 3) ||
            (uint32_t)offset + size > PCI_CONFIG_SPACE_SIZE) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: capability 0x%02x at 0x%02x (%u bytes) is misplaced (0x40-0xff)", what,
                        cap_id, offset, size);
            return 0;
        }
        if (!space_free(priv, offset, size)) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: capability 0x%02x at 0x%02x (%u bytes) overlaps another capability",
                        what, cap_id, offset, size);
            return 0;
        }
    }
    c[offset + PCI_CAP_LIST_ID] = cap_id;
    c[offset + PCI_CAP_LIST_NEXT] = c[PCI_CAPABILITY_LIST];
    c[PCI_CAPABILITY_LIST] = offset;
    pci_set_word(c + PCI_STATUS, pci_get_word(c + PCI_STATUS) | PCI_STATUS_CAP_LIST);
    space_take(priv, offset, size);
    /* The list itself is read-only to the guest. */
    memset(priv->wmask + offset, 0, 2);
    memset(priv->w1cmask + offset, 0, 2);
    return offset;
}

static uint8_t find_cap(uint8_t *c, uint8_t cap_id, uint8_t *prev)
{
    uint8_t prev_ptr = PCI_CAPABILITY_LIST;
    uint8_t ptr;
    int guard = 0;

    if (!(pci_get_word(c + PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        return 0;
    }
    for (ptr = c[PCI_CAPABILITY_LIST] & ~3; ptr && guard < 48; guard++) {
        if (ptr < PCI_STD_HEADER_SIZEOF) {
            return 0;
        }
        if (c[ptr + PCI_CAP_LIST_ID] == cap_id) {
            if (prev) {
                *prev = prev_ptr;
            }
            return ptr;
        }
        prev_ptr = ptr + PCI_CAP_LIST_NEXT;
        ptr = c[ptr + PCI_CAP_LIST_NEXT] & ~3;
    }
    return 0;
}

uint8_t pci_find_capability(HdPciDevice *dev, uint8_t cap_id)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    uint8_t *c = pci_priv(dev)->config;

    return c ? find_cap(c, cap_id, NULL) : 0;
}

void pci_del_capability(HdPciDevice *dev, uint8_t cap_id)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    HdPciDevicePrivate *priv = pci_priv(dev);
    uint8_t prev = 0, ptr;

    if (!priv->config || !(ptr = find_cap(priv->config, cap_id, &prev))) {
        return;
    }
    priv->config[prev] = priv->config[ptr + PCI_CAP_LIST_NEXT];
    for (uint32_t i = ptr; i < PCI_CONFIG_SPACE_SIZE; i++) {
        if (priv->cap_used[i] == ptr + 1) {
            priv->config[i] = 0;
            priv->wmask[i] = 0;
            priv->w1cmask[i] = 0;
            priv->cap_used[i] = 0;
        }
    }
    if (priv->config[PCI_CAPABILITY_LIST] == 0) {
        pci_set_word(priv->config + PCI_STATUS,
                     pci_get_word(priv->config + PCI_STATUS) & ~PCI_STATUS_CAP_LIST);
    }
}

/* --- PCI Express --- */

bool pcie_add_capability(HdPciDevice *dev, uint16_t cap_id, uint8_t version, uint16_t offset,
                         uint16_t size, GError **errp)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    HdPciDevicePrivate *priv = pci_priv(dev);
    g_autofree char *what = hd_device_describe(HD_DEVICE(dev));
    uint8_t *c = priv->config;
    uint32_t header;

    g_return_val_if_fail(c != NULL, false);
    if (priv->config_size < PCIE_CONFIG_SPACE_SIZE || offset < PCI_CONFIG_SPACE_SIZE ||
        (offset & 3) || size < 4 || (uint32_t)offset + size > PCIE_CONFIG_SPACE_SIZE) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: extended capability 0x%04x at 0x%03x (%u bytes) is misplaced", what,
                    cap_id, offset, size);
        return false;
    }
    if (!space_free(priv, offset, size)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: extended capability 0x%04x at 0x%03x overlaps another capability", what,
                    cap_id, offset);
        return false;
    }
    if (offset != PCI_CONFIG_SPACE_SIZE) {
        uint16_t pos = PCI_CONFIG_SPACE_SIZE;
        int guard = 0;

        /* The list must start at 0x100: without a head there, put an empty one. */
        if (!priv->cap_used[pos]) {
            space_take(priv, pos, 4);
        }
        for (header = pci_get_long(c + pos); PCI_EXT_CAP_NEXT(header) && guard < 1024; guard++) {
            pos = PCI_EXT_CAP_NEXT(header);
            header = pci_get_long(c + pos);
        }
        pci_set_long(c + pos, (header & 0x000fffff) | ((uint32_t)offset << 20));
    }
    header = pci_get_long(c + offset);
    pci_set_long(c + offset, cap_id | ((uint32_t)(version & 0xf) << 16) |
                                 (offset == PCI_CONFIG_SPACE_SIZE ? header & 0xfff00000 : 0));
    space_take(priv, offset, size);
    memset(priv->wmask + offset, 0, 4);
    memset(priv->w1cmask + offset, 0, 4);
    return true;
}

uint16_t pcie_find_capability(HdPciDevice *dev, uint16_t cap_id)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    HdPciDevicePrivate *priv = pci_priv(dev);
    uint16_t pos = PCI_CONFIG_SPACE_SIZE;

    if (!priv->config || priv->config_size < PCIE_CONFIG_SPACE_SIZE) {
        return 0;
    }
    for (int guard = 0; pos >= PCI_CONFIG_SPACE_SIZE && guard < 1024; guard++) {
        uint32_t header = pci_get_long(priv->config + pos);

        if (header == 0) {
            return 0;
        }
        if (PCI_EXT_CAP_ID(header) == cap_id) {
            return pos;
        }
        pos = PCI_EXT_CAP_NEXT(header);
    }
    return 0;
}

uint8_t pcie_cap_init(HdPciDevice *dev, uint8_t offset, uint8_t port_type, uint8_t port_num,
                      GError **errp)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), 0);
    HdPciDevicePrivate *priv = pci_priv(dev);
    bool port = port_type == PCI_EXP_TYPE_ROOT_PORT || port_type == PCI_EXP_TYPE_DOWNSTREAM;
    uint8_t *c, *w, *w1c;
    uint8_t pos;

    if (priv->config_size < PCIE_CONFIG_SPACE_SIZE) {
        g_autofree char *what = hd_device_describe(HD_DEVICE(dev));

        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: a PCI Express capability needs a PCI Express device", what);
        return 0;
    }
    pos = pci_add_capability(dev, PCI_CAP_ID_EXP, offset, PCI_CAP_EXP_ENDPOINT_SIZEOF_V2, errp);
    if (!pos) {
        return 0;
    }
    c = priv->config + pos;
    w = priv->wmask + pos;
    w1c = priv->w1cmask + pos;
    pci_set_word(c + PCI_EXP_FLAGS, 2 | ((port_type & 0xf) << 4));
    /* Max payload 128 bytes; device control: error reporting, payload, read request, FLR. */
    pci_set_long(c + PCI_EXP_DEVCAP, 0);
    pci_set_word(w + PCI_EXP_DEVCTL, 0x7fff);
    pci_set_word(w1c + PCI_EXP_DEVSTA, 0x000f);
    /* Link: x1 at 2.5 GT/s, port number, data link layer active reporting for ports. */
    pci_set_long(c + PCI_EXP_LNKCAP,
                 0x1 | (0x1 << 4) | (port ? (1u << 20) : 0) | ((uint32_t)port_num << 24));
    pci_set_word(c + PCI_EXP_LNKSTA, 0x1 | (0x1 << 4) | (port ? PCI_EXP_LNKSTA_DLLLA : 0));
    pci_set_word(w + PCI_EXP_LNKCTL, 0x0fff);
    pci_set_long(c + PCI_EXP_LNKCAP2, 0x2); /* 2.5 GT/s supported */
    pci_set_word(w + PCI_EXP_DEVCTL2, 0xffff);
    pci_set_word(w + PCI_EXP_LNKCTL2, 0xffff);
    if (port_type == PCI_EXP_TYPE_ROOT_PORT) {
        pci_set_word(w + PCI_EXP_RTCTL, 0x001f);
        pci_set_long(w1c + PCI_EXP_RTSTA, 0x00010000);
    }
    return pos;
}

void pcie_cap_slot_init(HdPciDevice *dev, uint16_t slot)
{
    g_return_if_fail(HD_IS_PCI_DEVICE(dev));
    HdPciDevicePrivate *priv = pci_priv(dev);
    uint8_t pos = pci_find_capability(dev, PCI_CAP_ID_EXP);
    uint8_t *c;

    g_return_if_fail(pos != 0);
    c = priv->config + pos;
    pci_set_word(c + PCI_EXP_FLAGS, pci_get_word(c + PCI_EXP_FLAGS) | PCI_EXP_FLAGS_SLOT);
    pci_set_long(c + PCI_EXP_SLTCAP, (uint32_t)(slot & 0x1fff) << PCI_EXP_SLTCAP_PSN_SHIFT);
    pci_set_word(priv->wmask + pos + PCI_EXP_SLTCTL, 0x1fff);
    pci_set_word(priv->w1cmask + pos + PCI_EXP_SLTSTA, 0x011f);
    pci_set_word(c + PCI_EXP_SLTSTA, PCI_EXP_SLTSTA_PDS);
}

uint8_t pcie_cap_offset(HdPciDevice *dev)
{
    return pci_find_capability(dev, PCI_CAP_ID_EXP);
}
