/*
 * vfio-pci PCI Express virtualization: the PCIe capability as the guest's topology needs it (a
 * root-complex integrated endpoint on the root bus, an endpoint behind a port) and the
 * extended capability chain from 0x100 with what cannot be assigned (SR-IOV, ...) left out.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "pci.h"

/* Extended capability ids vfio-pci treats specially (PCIe base spec numbering). */
#define EXT_ID_RCLD 0x05    /* root complex link declaration */
#define EXT_ID_RCILC 0x06   /* root complex internal link control */
#define EXT_ID_RCEC 0x07    /* root complex event collector endpoint association */
#define EXT_ID_RCRB 0x0a    /* root complex register block header */
#define EXT_ID_MRIOV 0x11   /* multi-root I/O virtualization */
#define EXT_ID_REBAR 0x15   /* resizable BAR */
#define EXT_ID_VF_REBAR 0x24 /* VF resizable BAR */

/* Resizable BAR: per BAR a capability dword (supported sizes from bit 4, 1 MiB << n) and a
 * control dword (BAR index in bits 2:0, count of BARs in bits 7:5 of the first, size 13:8). */
#define REBAR_CAP(i) (4 + 8 * (i))
#define REBAR_CTRL(i) (8 + 8 * (i))
#define REBAR_CTRL_NBAR(v) (((v) >> 5) & 7)
#define REBAR_CTRL_SIZE(v) (((v) >> 8) & 0x3f)

/* ARI: the capability register's next function number (bits 15:8). */
#define ARI_CAP_NFN 5

static void mark(uint8_t *mask, uint32_t from, uint32_t len, uint8_t bits)
{
    for (uint32_t i = from; i < from + len && i < PCIE_CONFIG_SPACE_SIZE; i++) {
        mask[i] |= bits;
    }
}

/* Emulate @len bytes at @off with the value @val (little-endian), read-only to the device. */
static void emulate(VFIOPciExtcapView *v, uint32_t off, unsigned len, uint32_t val)
{
    for (unsigned i = 0; i < len; i++) {
        v->config[off + i] = (val >> (8 * i)) & 0xff;
    }
    mark(v->emulated, off, len, 0xff);
    mark(v->nowrite, off, len, 0xff);
}

/* --- the PCI Express capability --- */

void vfio_pci_exp_virtualize(VFIOPciExtcapView *v, uint8_t off, VFIOPciExpPlace place)
{
    uint16_t flags = pci_get_word(v->config + off + PCI_EXP_FLAGS);
    unsigned type = (flags & PCI_EXP_FLAGS_TYPE) >> 4;
    bool v2 = (flags & PCI_EXP_FLAGS_VERS) >= 2;
    bool endpoint =
        type == PCI_EXP_TYPE_ENDPOINT || type == PCI_EXP_TYPE_LEG_END || type == PCI_EXP_TYPE_RC_END;

    /* The flags word is the guest's view: the type follows where the device sits. */
    if (endpoint && place == VFIO_PCI_EXP_ROOT_BUS) {
        /* On the root bus a function has no link and no slot: a root-complex integrated
         * endpoint, as on real root complexes (and QEMU's q35). */
        flags = (flags & ~(PCI_EXP_FLAGS_TYPE | PCI_EXP_FLAGS_SLOT)) | PCI_EXP_TYPE_RC_END << 4;
        emulate(v, off + PCI_EXP_LNKCAP, 4, 0);
        emulate(v, off + PCI_EXP_LNKCTL, 2, 0);
        emulate(v, off + PCI_EXP_LNKSTA, 2, 0);
        if (v2) {
            /* (A version 1 endpoint's capability may end at the link registers.) */
            emulate(v, off + PCI_EXP_SLTCAP, 4, 0);
            emulate(v, off + PCI_EXP_SLTCTL, 2, 0);
            emulate(v, off + PCI_EXP_SLTSTA, 2, 0);
            emulate(v, off + PCI_EXP_LNKCAP2, 4, 0);
            emulate(v, off + PCI_EXP_LNKCTL2, 2, 0);
            emulate(v, off + PCI_EXP_LNKSTA2, 2, 0);
        }
    } else if (endpoint && place == VFIO_PCI_EXP_PORT) {
        flags &= ~PCI_EXP_FLAGS_SLOT;
        if (type == PCI_EXP_TYPE_RC_END) {
            /* An integrated endpoint moved behind a port needs a link: the narrowest, slowest
             * one (x1 at 2.5 GT/s), trained. */
            flags = (flags & ~PCI_EXP_FLAGS_TYPE) | PCI_EXP_TYPE_ENDPOINT << 4;
            emulate(v, off + PCI_EXP_LNKCAP, 4, VFIO_PCI_EXP_LNK_X1_2_5GT);
            emulate(v, off + PCI_EXP_LNKCTL, 2, 0);
            emulate(v, off + PCI_EXP_LNKSTA, 2, VFIO_PCI_EXP_LNK_X1_2_5GT);
        } else {
            /* The device's own link; the port number (a port's field) reads 0. */
            v->config[off + PCI_EXP_LNKCAP + 3] = 0;
            mark(v->emulated, off + PCI_EXP_LNKCAP + 3, 1, 0xff);
            mark(v->nowrite, off + PCI_EXP_LNKCAP + 3, 1, 0xff);
        }
        if (v2) {
            emulate(v, off + PCI_EXP_SLTCAP, 4, 0);
            emulate(v, off + PCI_EXP_SLTCTL, 2, 0);
            emulate(v, off + PCI_EXP_SLTSTA, 2, 0);
        }
    }
    emulate(v, off + PCI_EXP_FLAGS, 2, flags);
}

/* --- the extended capability chain --- */

VFIOPciExtcapPolicy vfio_pci_extcap_policy(uint16_t id)
{
    switch (id) {
    case 0:                 /* a null capability (the kernel's placeholder) */
    case PCI_EXT_CAP_ID_SRIOV: /* VFs cannot be created through an assigned function */
    case EXT_ID_MRIOV:
    case EXT_ID_VF_REBAR:
    case EXT_ID_RCLD: /* root complex structures: meaningless on an endpoint */
    case EXT_ID_RCILC:
    case EXT_ID_RCEC:
    case EXT_ID_RCRB:
        return VFIO_PCI_EXTCAP_HIDE;
    case PCI_EXT_CAP_ID_ARI: /* the next function number is the guest's topology */
    case EXT_ID_REBAR:       /* BAR sizes are fixed once hostdev has mapped them */
        return VFIO_PCI_EXTCAP_VIRTUALIZE;
    default: /* AER, VC, DSN, power budget, ACS, ATS, PRI, PASID, LTR, L1 PM, PTM, DVSEC, ... */
        return VFIO_PCI_EXTCAP_PASS;
    }
}

unsigned vfio_pci_extcap_walk(const uint8_t *config, uint16_t *offsets, unsigned max)
{
    bool seen[PCIE_CONFIG_SPACE_SIZE / 4] = {false};
    uint16_t pos = PCI_CONFIG_SPACE_SIZE;
    unsigned n = 0;

    while (pos >= PCI_CONFIG_SPACE_SIZE && pos + 4 <= PCIE_CONFIG_SPACE_SIZE && n < max &&
           !seen[pos / 4]) {
        uint32_t header = pci_get_long(config + pos);

        if (header == 0 || header == 0xffffffffu) {
            break;
        }
        seen[pos / 4] = true;
        offsets[n++] = pos;
        pos = PCI_EXT_CAP_NEXT(header);
    }
    return n;
}

/* Bytes from @pos to the next capability above it (or the end of config space). */
static uint32_t extcap_extent(uint16_t pos, const uint16_t *offs, unsigned n)
{
    uint32_t end = PCIE_CONFIG_SPACE_SIZE;

    for (unsigned i = 0; i < n; i++) {
        if (offs[i] > pos && offs[i] < end) {
            end = offs[i];
        }
    }
    return end - pos;
}

static void rebar_virtualize(VFIOPciExtcapView *v, const uint8_t *phys, uint16_t pos,
                             uint32_t extent)
{
    unsigned nbar = REBAR_CTRL_NBAR(pci_get_long(phys + pos + REBAR_CTRL(0)));

    nbar = MIN(MAX(nbar, 1u), 6u);
    for (unsigned i = 0; i < nbar && REBAR_CTRL(i) + 4 <= extent; i++) {
        uint32_t ctrl = pci_get_long(phys + pos + REBAR_CTRL(i));
        unsigned cur = REBAR_CTRL_SIZE(ctrl);

        /* Only the current size is offered, and the size cannot be changed; the BAR index
         * and count (the low byte, read-only) stay the device's. */
        emulate(v, pos + REBAR_CAP(i), 4, cur <= 27 ? 1u << (cur + 4) : 0);
        emulate(v, pos + REBAR_CTRL(i) + 1, 3, ctrl >> 8);
    }
}

unsigned vfio_pci_extcap_build(VFIOPciExtcapView *v, const uint8_t *phys, bool init,
                               uint16_t *kept_ids, unsigned max_kept)
{
    uint16_t offs[VFIO_PCI_MAX_EXTCAPS], kept[VFIO_PCI_MAX_EXTCAPS];
    unsigned n, nkept = 0;

    memset(v->config + PCI_CONFIG_SPACE_SIZE, 0, PCIE_CONFIG_SPACE_SIZE - PCI_CONFIG_SPACE_SIZE);
    if (!init) {
        /* x-pcie-extcap-init=off: an empty list, nothing of the device's shows. */
        mark(v->emulated, PCI_CONFIG_SPACE_SIZE, PCIE_CONFIG_SPACE_SIZE - PCI_CONFIG_SPACE_SIZE,
             0xff);
        mark(v->nowrite, PCI_CONFIG_SPACE_SIZE, PCIE_CONFIG_SPACE_SIZE - PCI_CONFIG_SPACE_SIZE,
             0xff);
        return 0;
    }
    n = vfio_pci_extcap_walk(phys, offs, VFIO_PCI_MAX_EXTCAPS);
    /* Every header is emulated; a hidden capability's body reads as 0 too. */
    emulate(v, PCI_CONFIG_SPACE_SIZE, 4, 0);
    for (unsigned i = 0; i < n; i++) {
        uint16_t pos = offs[i];
        uint32_t header = pci_get_long(phys + pos);
        uint32_t extent = extcap_extent(pos, offs, n);

        emulate(v, pos, 4, 0);
        switch (vfio_pci_extcap_policy(PCI_EXT_CAP_ID(header))) {
        case VFIO_PCI_EXTCAP_HIDE:
            emulate(v, pos, extent, 0);
            continue;
        case VFIO_PCI_EXTCAP_VIRTUALIZE:
            if (PCI_EXT_CAP_ID(header) == PCI_EXT_CAP_ID_ARI) {
                /* One function in the guest's slot: no next function. */
                emulate(v, pos + ARI_CAP_NFN, 1, 0);
            } else {
                rebar_virtualize(v, phys, pos, extent);
            }
            break;
        case VFIO_PCI_EXTCAP_PASS:
            break;
        }
        kept[nkept++] = pos;
    }
    /* Link the kept ones in the device's order; a hidden first capability leaves a null
     * header at 0x100 that points on. */
    for (unsigned i = 0; i < nkept; i++) {
        uint32_t header = pci_get_long(phys + kept[i]) & 0x000fffffu;
        uint32_t next = i + 1 < nkept ? kept[i + 1] : 0;

        pci_set_long(v->config + kept[i], header | next << 20);
        if (kept_ids && i < max_kept) {
            kept_ids[i] = PCI_EXT_CAP_ID(header);
        }
    }
    if (nkept && kept[0] != PCI_CONFIG_SPACE_SIZE) {
        pci_set_long(v->config + PCI_CONFIG_SPACE_SIZE, (uint32_t)kept[0] << 20);
    }
    return nkept;
}
