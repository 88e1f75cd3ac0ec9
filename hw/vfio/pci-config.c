/*
 * vfio-pci config space virtualization: the guest sees an emulated header (ids, BARs, ROM,
 * command, interrupt pin), an edited capability list (MSI and MSI-X emulated by the PCI core,
 * unsupported capabilities hidden) and the device's own bytes everywhere else.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "pci.h"
#include "trace.h"

#define MAX_CAPS 48

/* --- pure helpers --- */

uint32_t vfio_pci_config_merge(uint32_t emulated, uint32_t device, uint32_t emu_mask)
{
    return (emulated & emu_mask) | (device & ~emu_mask);
}

unsigned vfio_pci_cap_walk(const uint8_t *config, uint8_t *offsets, unsigned max)
{
    bool seen[PCI_CONFIG_SPACE_SIZE / 4] = {false};
    unsigned n = 0;
    uint8_t ptr;

    if (!(pci_get_word(config + PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        return 0;
    }
    ptr = config[PCI_CAPABILITY_LIST] & ~3;
    while (ptr >= PCI_STD_HEADER_SIZEOF && n < max && !seen[ptr / 4]) {
        seen[ptr / 4] = true;
        offsets[n++] = ptr;
        ptr = config[ptr + PCI_CAP_LIST_NEXT] & ~3;
    }
    return n;
}

static unsigned msi_cap_bytes(uint16_t flags)
{
    unsigned size = (flags & PCI_MSI_FLAGS_64BIT) ? 14 : 10;

    if (flags & PCI_MSI_FLAGS_MASKBIT) {
        size += 10;
    }
    return size;
}

/* The architected size of a capability, 0 when unknown. */
static unsigned cap_known_size(const uint8_t *config, uint8_t offset)
{
    switch (config[offset + PCI_CAP_LIST_ID]) {
    case PCI_CAP_ID_PM:
        return 8;
    case PCI_CAP_ID_MSI:
        return msi_cap_bytes(pci_get_word(config + offset + PCI_MSI_FLAGS));
    case PCI_CAP_ID_VNDR:
        return offset + 2 < PCI_CONFIG_SPACE_SIZE ? MAX(config[offset + 2], 3) : 2;
    case PCI_CAP_ID_SSVID:
        return 8;
    case PCI_CAP_ID_EXP:
        return (pci_get_word(config + offset + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_VERS) >= 2
                   ? PCI_CAP_EXP_ENDPOINT_SIZEOF_V2
                   : 0x14;
    case PCI_CAP_ID_MSIX:
        return PCI_CAP_MSIX_SIZEOF;
    case PCI_CAP_ID_AF:
        return 6;
    case PCI_CAP_ID_VPD:
        return 8;
    case PCI_CAP_ID_PCIX:
        /* Version 1 and 2 (ECC) devices have the ECC registers after command and status. */
        return offset + 8 <= PCI_CONFIG_SPACE_SIZE &&
                       (pci_get_long(config + offset + PCI_X_STATUS) & PCI_X_STATUS_VERS)
                   ? 24
                   : 8;
    default:
        return 0;
    }
}

uint8_t vfio_pci_cap_size(const uint8_t *config, uint8_t offset, const uint8_t *offsets, unsigned n)
{
    unsigned limit = PCI_CONFIG_SPACE_SIZE - offset;
    unsigned size = cap_known_size(config, offset);

    for (unsigned i = 0; i < n; i++) {
        if (offsets[i] > offset && (unsigned)(offsets[i] - offset) < limit) {
            limit = offsets[i] - offset;
        }
    }
    if (size == 0 || size > limit) {
        size = limit;
    }
    return (uint8_t)MIN(size, 0xffu);
}

bool vfio_pci_cap_supported(uint8_t cap_id)
{
    /* MSI and MSI-X are emulated; every other capability reaches the guest as the device (and
     * the kernel's own virtualization, e.g. of VPD and AF) has it. */
    return cap_id != PCI_CAP_ID_MSI && cap_id != PCI_CAP_ID_MSIX;
}

/* --- device access --- */

uint32_t vfio_pci_config_read_device(VFIOPciDevice *vdev, uint32_t addr, unsigned len)
{
    uint8_t buf[4] = {0xff, 0xff, 0xff, 0xff};
    uint32_t val = 0;

    if (vfio_device_pread(&vdev->vbasedev, buf, len, vdev->config_offset + addr) < 0) {
        memset(buf, 0xff, sizeof(buf));
    }
    for (unsigned i = 0; i < len; i++) {
        val |= (uint32_t)buf[i] << (8 * i);
    }
    return val;
}

bool vfio_pci_config_write_device(VFIOPciDevice *vdev, uint32_t addr, uint32_t val, unsigned len)
{
    uint8_t buf[4];
    int ret;

    for (unsigned i = 0; i < len; i++) {
        buf[i] = (val >> (8 * i)) & 0xff;
    }
    ret = vfio_device_pwrite(&vdev->vbasedev, buf, len, vdev->config_offset + addr);
    trace_vfio_pci_config_write_device(vdev->vbasedev.name, addr, len, val, ret);
    return ret == 0;
}

/* --- the class hooks --- */

static uint32_t range_mask(const uint8_t *mask, uint32_t addr, unsigned len)
{
    uint32_t m = 0;

    for (unsigned i = 0; i < len; i++) {
        m |= (uint32_t)mask[addr + i] << (8 * i);
    }
    return m;
}

uint32_t vfio_pci_config_read(HdPciDevice *dev, uint32_t addr, unsigned len)
{
    VFIOPciDevice *vdev = VFIO_PCI_DEVICE(dev);
    uint32_t all = len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
    uint32_t emu = pci_default_config_read(dev, addr, len);
    uint32_t mask, device = 0, val;

    if (addr + len > pci_config_size(dev)) {
        return all;
    }
    mask = range_mask(vdev->emulated, addr, len);
    if ((mask & all) != all) {
        device = vfio_pci_config_read_device(vdev, addr, len);
    }
    val = vfio_pci_config_merge(emu, device, mask) & all;
    trace_vfio_pci_config_read(vdev->vbasedev.name, addr, len, val);
    return val;
}

void vfio_pci_config_write(HdPciDevice *dev, uint32_t addr, uint32_t val, unsigned len)
{
    VFIOPciDevice *vdev = VFIO_PCI_DEVICE(dev);
    uint32_t all = len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
    uint32_t nowrite;

    if (addr + len > pci_config_size(dev)) {
        return;
    }
    trace_vfio_pci_config_write(vdev->vbasedev.name, addr, len, val);
    nowrite = range_mask(vdev->nowrite, addr, len) & all;
    if (nowrite == 0) {
        vfio_pci_config_write_device(vdev, addr, val, len);
    } else if (nowrite != all) {
        /* Mixed: send the bytes the device owns one by one, without the bits it must not see. */
        for (unsigned i = 0; i < len; i++) {
            uint8_t nw = vdev->nowrite[addr + i];

            if (nw != 0xff) {
                vfio_pci_config_write_device(vdev, addr + i, ((val >> (8 * i)) & ~nw) & 0xff, 1);
            }
        }
    }
    pci_default_config_write(dev, addr, val, len);
    if (vfio_pci_config_is_flr(vdev, addr, val, len)) {
        vfio_pci_guest_flr(vdev);
    }
}

/* --- building the emulated config space --- */

bool vfio_pci_ids_override(uint8_t *config, uint32_t vendor, uint32_t device, uint32_t sub_vendor,
                           uint32_t sub_device, GError **errp)
{
    const struct {
        const char *prop;
        uint32_t value;
        uint32_t reg;
    } ids[] = {
        {"x-pci-vendor-id", vendor, PCI_VENDOR_ID},
        {"x-pci-device-id", device, PCI_DEVICE_ID},
        {"x-pci-sub-vendor-id", sub_vendor, PCI_SUBSYSTEM_VENDOR_ID},
        {"x-pci-sub-device-id", sub_device, PCI_SUBSYSTEM_ID},
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(ids); i++) {
        if (ids[i].value != VFIO_PCI_ID_UNSET && ids[i].value > 0xffff) {
            g_set_error(errp, VFIO_ERROR, EINVAL,
                        "%s=0x%x is not a 16-bit PCI id; give a value up to 0xffff", ids[i].prop,
                        ids[i].value);
            return false;
        }
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(ids); i++) {
        if (ids[i].value != VFIO_PCI_ID_UNSET) {
            pci_set_word(config + ids[i].reg, (uint16_t)ids[i].value);
        }
    }
    return true;
}

static void mark(uint8_t *mask, uint32_t from, uint32_t len, uint8_t bits)
{
    for (uint32_t i = from; i < from + len && i < PCIE_CONFIG_SPACE_SIZE; i++) {
        mask[i] |= bits;
    }
}

static void header_setup(VFIOPciDevice *vdev, const uint8_t *phys)
{
    uint8_t *c = pci_config(HD_PCI_DEVICE(vdev));
    uint8_t *emu = vdev->emulated, *nw = vdev->nowrite;

    /* Identity, copied once: vendor, device, revision, class, subsystem, interrupt pin. */
    memcpy(c + PCI_VENDOR_ID, phys + PCI_VENDOR_ID, 4);
    memcpy(c + PCI_CLASS_REVISION, phys + PCI_CLASS_REVISION, 4);
    memcpy(c + PCI_SUBSYSTEM_VENDOR_ID, phys + PCI_SUBSYSTEM_VENDOR_ID, 4);
    c[PCI_INTERRUPT_PIN] = phys[PCI_INTERRUPT_PIN] <= 4 ? phys[PCI_INTERRUPT_PIN] : 0;
    vdev->intx_pin = c[PCI_INTERRUPT_PIN];
    c[PCI_CAPABILITY_LIST] = 0;
    pci_set_word(c + PCI_STATUS, pci_get_word(c + PCI_STATUS) & ~PCI_STATUS_CAP_LIST);

    /* The whole standard header is emulated but for status, BIST, CIS and min/max. */
    mark(emu, 0, PCI_STD_HEADER_SIZEOF, 0xff);
    mark(nw, 0, PCI_STD_HEADER_SIZEOF, 0xff);
    emu[PCI_STATUS] = PCI_STATUS_CAP_LIST | PCI_STATUS_INTERRUPT;
    emu[PCI_STATUS + 1] = 0;
    nw[PCI_STATUS] = nw[PCI_STATUS + 1] = 0;
    emu[PCI_BIST] = nw[PCI_BIST] = 0;
    for (uint32_t i = PCI_CARDBUS_CIS; i < PCI_CARDBUS_CIS + 4; i++) {
        emu[i] = nw[i] = 0;
    }
    emu[PCI_MIN_GNT] = emu[PCI_MAX_LAT] = 0;
    nw[PCI_MIN_GNT] = nw[PCI_MAX_LAT] = 0;
    /* The command register is emulated (decoding maps our BARs) and mirrored to the device,
     * which must decode and master for the mmap'd BARs and DMA to work. */
    nw[PCI_COMMAND] = nw[PCI_COMMAND + 1] = 0;
}

static bool msi_setup(VFIOPciDevice *vdev, const uint8_t *phys, uint8_t off, GError **errp)
{
    uint16_t flags = pci_get_word(phys + off + PCI_MSI_FLAGS);
    unsigned nr = 1u << MIN((unsigned)(flags & PCI_MSI_FLAGS_QMASK) >> 1, 5u);

    if (!msi_init(HD_PCI_DEVICE(vdev), off, nr, flags & PCI_MSI_FLAGS_64BIT,
                  flags & PCI_MSI_FLAGS_MASKBIT, errp)) {
        return false;
    }
    vdev->msi_cap = off;
    trace_vfio_pci_msi_cap(vdev->vbasedev.name, off, nr);
    return true;
}

static bool msix_setup(VFIOPciDevice *vdev, const uint8_t *phys, uint8_t off, GError **errp)
{
    uint16_t flags = pci_get_word(phys + off + PCI_MSIX_FLAGS);
    uint32_t table = pci_get_long(phys + off + PCI_MSIX_TABLE);
    uint32_t pba = pci_get_long(phys + off + PCI_MSIX_PBA);
    unsigned nr = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
    uint8_t tbir = table & PCI_MSIX_TABLE_BIR, pbir = pba & PCI_MSIX_PBA_BIR;
    VFIOPciBar *tbar = tbir < 6 ? &vdev->bars[tbir] : NULL;
    VFIOPciBar *pbar = pbir < 6 ? &vdev->bars[pbir] : NULL;
    uint32_t toff = table & PCI_MSIX_TABLE_OFFSET, poff = pba & PCI_MSIX_PBA_OFFSET;
    uint64_t pba_len = ((nr + 63) / 64) * 8;
    MemoryRegion *reloc = vfio_pci_msix_reloc_region(vdev);

    if (!tbar || !tbar->mr || !pbar || !pbar->mr ||
        (uint64_t)toff + nr * PCI_MSIX_ENTRY_SIZE > tbar->size ||
        (uint64_t)poff + pba_len > pbar->size) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "the MSI-X capability at 0x%02x puts its table (BAR %u offset 0x%x) or PBA (BAR %u offset 0x%x) outside the device's BARs; the device cannot be assigned",
                    off, tbir, toff, pbir, poff);
        return false;
    }
    if (reloc) {
        /* Relocated: the guest never reaches the device's own table, which may stay mapped
         * with the rest of its BAR. */
        uint8_t bar = (uint8_t)vdev->msix_reloc.bar;

        if (!msix_init(HD_PCI_DEVICE(vdev), nr, reloc, bar, vdev->msix_reloc.table_offset,
                       reloc, bar, vdev->msix_reloc.pba_offset, off, errp)) {
            return false;
        }
        trace_vfio_pci_msix_cap(vdev->vbasedev.name, off, nr, bar,
                                vdev->msix_reloc.table_offset, bar, vdev->msix_reloc.pba_offset);
        vdev->msix_cap = off;
        return true;
    }
    if (!msix_init(HD_PCI_DEVICE(vdev), nr, tbar->mr, tbir, toff, pbar->mr, pbir, poff, off,
                   errp)) {
        return false;
    }
    /* The table and PBA trap (their MemoryRegions lie over the BAR). Where the kernel says the
     * table page may be mapped (VFIO_REGION_INFO_CAP_MSIX_MAPPABLE), the rest of that page
     * stays on the fast path; else the page is left out of the mmap'd areas. */
    if (!vfio_region_msix_mappable(tbar->region)) {
        vfio_region_exclude(tbar->region, toff, nr * PCI_MSIX_ENTRY_SIZE);
    }
    if (!vfio_region_msix_mappable(pbar->region)) {
        vfio_region_exclude(pbar->region, poff, pba_len);
    }
    vdev->msix_cap = off;
    trace_vfio_pci_msix_cap(vdev->vbasedev.name, off, nr, tbir, toff, pbir, poff);
    return true;
}

static void reset_method_choose(VFIOPciDevice *vdev, const uint8_t *phys, const uint8_t *offs,
                                unsigned n)
{
    bool flr = false, pm = false;

    for (unsigned i = 0; i < n; i++) {
        uint8_t off = offs[i];

        switch (phys[off]) {
        case PCI_CAP_ID_EXP:
            flr |= !!(pci_get_long(phys + off + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLR);
            break;
        case PCI_CAP_ID_AF:
            flr |= !!(phys[off + VFIO_PCI_AF_CAP] & VFIO_PCI_AF_CAP_FLR);
            break;
        case PCI_CAP_ID_PM:
            pm = !(pci_get_word(phys + off + VFIO_PCI_PM_CTRL) & VFIO_PCI_PM_CTRL_NO_SOFT_RESET);
            break;
        default:
            break;
        }
    }
    if (vdev->vbasedev.reset_works && flr) {
        vdev->reset_method = VFIO_PCI_RESET_FLR;
    } else if (vdev->vbasedev.reset_works && pm) {
        vdev->reset_method = VFIO_PCI_RESET_PM;
    } else {
        /*
         * No function-level reset: what remains is a secondary bus or slot reset. Even where
         * the kernel would do it for VFIO_DEVICE_RESET (reset_works: the device is alone on
         * its bus), do it through VFIO_DEVICE_PCI_HOT_RESET at system reset, which proves
         * ownership of every affected device; VFIO_DEVICE_RESET stays the fallback.
         */
        vdev->reset_method = VFIO_PCI_RESET_BUS;
    }
    trace_vfio_pci_reset_method(vdev->vbasedev.name, flr, pm, vdev->vbasedev.reset_works,
                                vdev->reset_method);
}

/* Where @dev sits: the root bus, below a PCIe port, or on a conventional bus. */
static VFIOPciExpPlace exp_place(HdPciDevice *dev)
{
    HdPciBus *bus = pci_device_get_bus(dev);
    HdPciDevice *bridge = bus ? pci_bus_get_bridge(bus) : NULL;
    uint8_t exp;
    unsigned type;

    if (!bridge) {
        return VFIO_PCI_EXP_ROOT_BUS;
    }
    exp = pci_find_capability(bridge, PCI_CAP_ID_EXP);
    type = exp ? (pci_get_word(pci_config(bridge) + exp + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE) >> 4
               : 0xf;
    return type == PCI_EXP_TYPE_ROOT_PORT || type == PCI_EXP_TYPE_DOWNSTREAM
               ? VFIO_PCI_EXP_PORT
               : VFIO_PCI_EXP_CONVENTIONAL;
}

/* The extended config space of a PCIe device (it has the PCIe capability and 4 KiB). */
static void extcap_setup(VFIOPciDevice *vdev, const uint8_t *phys)
{
    HdPciDevice *dev = HD_PCI_DEVICE(vdev);
    VFIOPciExtcapView v = {pci_config(dev), vdev->emulated, vdev->nowrite};
    uint16_t ids[16];
    unsigned n;

    pci_set_config_size(dev, PCIE_CONFIG_SPACE_SIZE);
    n = vfio_pci_extcap_build(&v, phys, vdev->extcap_init, ids, G_N_ELEMENTS(ids));
    trace_vfio_pci_extcaps(vdev->vbasedev.name, vdev->extcap_init, n, n > 0 ? ids[0] : 0,
                           n > 1 ? ids[1] : 0, n > 2 ? ids[2] : 0);
}

bool vfio_pci_config_setup(VFIOPciDevice *vdev, GError **errp)
{
    HdPciDevice *dev = HD_PCI_DEVICE(vdev);
    uint8_t *c = pci_config(dev);
    g_autofree uint8_t *phys = g_malloc0(PCIE_CONFIG_SPACE_SIZE);
    VFIOPciExtcapView view = {c, vdev->emulated, vdev->nowrite};
    VFIOPciExpPlace place = exp_place(dev);
    uint8_t offs[MAX_CAPS];
    unsigned n;
    int ret;

    ret = vfio_device_pread(&vdev->vbasedev, phys, MIN(vdev->config_size, PCIE_CONFIG_SPACE_SIZE),
                            vdev->config_offset);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret, "cannot read the device's config space: %s",
                    g_strerror(-ret));
        return false;
    }
    header_setup(vdev, phys);
    if (!vfio_pci_ids_override(c, vdev->vendor_id, vdev->device_id, vdev->sub_vendor_id,
                               vdev->sub_device_id, errp)) {
        return false;
    }

    n = vfio_pci_cap_walk(phys, offs, MAX_CAPS);
    for (unsigned i = 0; i < n; i++) {
        mark(vdev->emulated, offs[i], 2, 0xff);
        mark(vdev->nowrite, offs[i], 2, 0xff);
    }
    /* pci_add_capability() links at the head: add in reverse to keep the device's order. */
    for (unsigned i = n; i-- > 0;) {
        uint8_t off = offs[i], id = phys[off];
        uint8_t size = vfio_pci_cap_size(phys, off, offs, n);

        if (id == PCI_CAP_ID_MSI || id == PCI_CAP_ID_MSIX) {
            mark(vdev->emulated, off, size, 0xff);
            mark(vdev->nowrite, off, size, 0xff);
            if (id == PCI_CAP_ID_MSI ? !msi_setup(vdev, phys, off, errp)
                                     : !msix_setup(vdev, phys, off, errp)) {
                return false;
            }
            continue;
        }
        if (!vfio_pci_cap_supported(id) ||
            (id == PCI_CAP_ID_EXP && place == VFIO_PCI_EXP_CONVENTIONAL)) {
            /* A PCIe capability on a conventional bus would confuse the guest (and takes
             * the extended config space with it). */
            /* Out of the list, and its bytes read as 0. */
            mark(vdev->emulated, off, size, 0xff);
            mark(vdev->nowrite, off, size, 0xff);
            trace_vfio_pci_cap_hidden(vdev->vbasedev.name, id, off, size);
            continue;
        }
        memcpy(c + off, phys + off, size);
        if (!pci_add_capability(dev, id, off, size, errp)) {
            return false;
        }
        if (id == PCI_CAP_ID_PM) {
            vdev->pm_cap = off;
        } else if (id == PCI_CAP_ID_EXP) {
            vdev->exp_cap = off;
            vfio_pci_exp_virtualize(&view, off, place);
            /* Initiate FLR never reaches the device as a config write and reads as 0: the
             * config hook performs the FLR itself (pci-reset.c). */
            c[off + PCI_EXP_DEVCTL + 1] &= ~(PCI_EXP_DEVCTL_BCR_FLR >> 8);
            vdev->emulated[off + PCI_EXP_DEVCTL + 1] |= PCI_EXP_DEVCTL_BCR_FLR >> 8;
            vdev->nowrite[off + PCI_EXP_DEVCTL + 1] |= PCI_EXP_DEVCTL_BCR_FLR >> 8;
        }
        trace_vfio_pci_cap_kept(vdev->vbasedev.name, id, off, size);
    }
    if (vdev->exp_cap && vdev->config_size >= PCIE_CONFIG_SPACE_SIZE) {
        extcap_setup(vdev, phys);
    }
    reset_method_choose(vdev, phys, offs, n);
    return true;
}
