/*
 * PCI device state in migration: the "pci-config" section (config space as the guest reads it,
 * MSI-X table and PBA, INTx level), its identity checks and its restore by replaying the
 * guest's writes through the device's config hook; the generic handler of emulated devices.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Section format, version 1 (all fields little-endian):
 *
 *   offset  size       field
 *   0       2          format version (1)
 *   2       2          flags: bit 0 the INTx level the device drives (pci_set_irq); others 0
 *   4       4          config space size N (256 or 4096)
 *   8       4          MSI-X table entries E (0: no MSI-X)
 *   12      4          PBA bytes P (0: no MSI-X)
 *   16      8 * 7      sizes of BARs 0-5 and the expansion ROM (0: none), for the identity check
 *   72      N          config space as the guest reads it (through the config_read hook)
 *   72+N    16 * E     MSI-X table
 *   72+N+16E  P        MSI-X pending bit array
 *
 * A reader refuses another version, a length other than the header says, and a device whose
 * identity differs: config size, vendor/device/revision/class, subsystem ids, header type,
 * interrupt pin, BAR sizes and types, MSI and MSI-X layout, the standard and extended
 * capability lists (ids, versions, offsets). A field added later takes a new version.
 *
 * Restore order (the destination is realized and reset, never run):
 *  1. decoding, MSI and MSI-X are turned off if the destination had them on;
 *  2. every guest-writable byte that differs is written through the config hook, BARs, the
 *     ROM BAR, bridge bus numbers and windows and capability registers included; but not the
 *     command register, bridge control, the MSI/MSI-X flags and the PCIe slot control/status;
 *  3. set directly, without a guest write: W1C status bits (a written 1 would clear them),
 *     MSI pending bits, the MSI-X table and PBA, and slot control (writing it would act on the
 *     slot: power, command-completed event);
 *  4. command register (BARs map), bridge control (a secondary bus reset bit is set directly:
 *     the devices behind load their own state), MSI and MSI-X flags (vectors set up);
 *  5. the INTx level, then the class's post_load hook (derived state, without events).
 */
#include "hw/pci/pci-migration.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "pci-internal.h"
#include "qom/object.h"
#include "trace.h"

#define PCI_MIG_VERSION 1
#define HDR_VERSION 0
#define HDR_FLAGS 2
#define HDR_CONFIG_SIZE 4
#define HDR_MSIX_ENTRIES 8
#define HDR_PBA_SIZE 12
#define HDR_BAR_SIZES 16
#define HDR_SIZE (HDR_BAR_SIZES + 8 * PCI_NUM_REGIONS)
#define FLAG_INTX 0x0001

#define CMD_DECODE (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)
#define MSI_FLAGS_RO (PCI_MSI_FLAGS_QMASK | PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT)
#define MAX_STD_CAPS 48
#define MAX_EXT_CAPS ((PCIE_CONFIG_SPACE_SIZE - PCI_CONFIG_SPACE_SIZE) / 4)

/* The guest's view of @dev's config space, dword by dword through the config hook. */
static void read_config(HdPciDevice *dev, uint8_t *buf, uint32_t size)
{
    for (uint32_t a = 0; a < size; a += 4) {
        pci_set_long(buf + a, pci_config_read(dev, a, 4));
    }
}

bool pci_device_save_state(HdPciDevice *dev, HdMigSink *sink, GError **errp)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    HdPciDevicePrivate *priv = pci_priv(dev);
    PciMsixState *x = &priv->msix;
    uint32_t size = pci_config_size(dev);
    uint32_t table = x->cap ? x->nentries * PCI_MSIX_ENTRY_SIZE : 0;
    uint32_t pba = x->cap ? x->pba_size : 0;
    size_t len = HDR_SIZE + size + table + pba;
    g_autofree uint8_t *buf = NULL;
    g_autofree char *what = hd_device_describe(HD_DEVICE(dev));

    if (!priv->config) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: cannot save the PCI state of a device that is not realized", what);
        return false;
    }
    buf = g_malloc0(len);
    pci_set_word(buf + HDR_VERSION, PCI_MIG_VERSION);
    pci_set_word(buf + HDR_FLAGS, priv->intx_level ? FLAG_INTX : 0);
    pci_set_long(buf + HDR_CONFIG_SIZE, size);
    pci_set_long(buf + HDR_MSIX_ENTRIES, x->cap ? x->nentries : 0);
    pci_set_long(buf + HDR_PBA_SIZE, pba);
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        pci_set_quad(buf + HDR_BAR_SIZES + 8 * i, pci_bar_size(dev, i));
    }
    read_config(dev, buf + HDR_SIZE, size);
    if (table) {
        memcpy(buf + HDR_SIZE + size, x->table, table);
        memcpy(buf + HDR_SIZE + size + table, x->pba, pba);
    }
    trace_pci_migration_save(what, size, x->cap ? x->nentries : 0, priv->intx_level);
    return hd_mig_put(sink, PCI_MIGRATION_KIND, buf, len, errp);
}

/* --- identity --- */

/* The standard capability list of config bytes @c as "ID@OFFSET ...", or "none". */
static char *std_caps(const uint8_t *c)
{
    GString *s = g_string_new(NULL);
    uint8_t pos = c[PCI_CAPABILITY_LIST] & ~3;

    if (!(pci_get_word(c + PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
        pos = 0;
    }
    for (int n = 0; pos >= PCI_STD_HEADER_SIZEOF && n < MAX_STD_CAPS; n++) {
        g_string_append_printf(s, "%s0x%02x@0x%02x", s->len ? " " : "", c[pos], pos);
        pos = c[pos + PCI_CAP_LIST_NEXT] & ~3;
    }
    if (!s->len) {
        g_string_append(s, "none");
    }
    return g_string_free(s, FALSE);
}

/* The extended capability list (PCI Express config space) as "ID.vVER@OFFSET ...", or "none". */
static char *ext_caps(const uint8_t *c, uint32_t size)
{
    GString *s = g_string_new(NULL);
    uint32_t pos = PCI_CONFIG_SPACE_SIZE;

    for (unsigned n = 0; size > PCI_CONFIG_SPACE_SIZE && n < MAX_EXT_CAPS; n++) {
        uint32_t hdr = pci_get_long(c + pos);

        if (hdr == 0 || hdr == 0xffffffffu) {
            break;
        }
        g_string_append_printf(s, "%s0x%04x.v%u@0x%03x", s->len ? " " : "", PCI_EXT_CAP_ID(hdr),
                               PCI_EXT_CAP_VER(hdr), pos);
        pos = PCI_EXT_CAP_NEXT(hdr);
        if (pos < PCI_CONFIG_SPACE_SIZE) {
            break;
        }
    }
    if (!s->len) {
        g_string_append(s, "none");
    }
    return g_string_free(s, FALSE);
}

static bool differs(GError **errp, const char *what, const char *field, const char *src,
                    const char *here)
{
    if (strcmp(src, here) == 0) {
        return false;
    }
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "%s: cannot load its PCI state: %s is %s on the source and %s here; start the "
                "destination with the same device and options",
                what, field, src, here);
    return true;
}

/* differs() for numbers: in hex with @digits digits (0: in decimal). */
static bool differs_u(GError **errp, const char *what, const char *field, int digits, uint64_t src,
                      uint64_t here)
{
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;

    if (src == here) {
        return false;
    }
    if (digits) {
        a = g_strdup_printf("0x%0*" PRIx64, digits, src);
        b = g_strdup_printf("0x%0*" PRIx64, digits, here);
    } else {
        a = g_strdup_printf("%" PRIu64, src);
        b = g_strdup_printf("%" PRIu64, here);
    }
    return differs(errp, what, field, a, b);
}

/*
 * Compare what the section says the source device is with @dev as realized here (@now: its
 * config as the guest reads it). False with @errp set naming the first difference.
 */
static bool check_identity(HdPciDevice *dev, const uint8_t *hdr, const uint8_t *saved,
                           const uint8_t *now, const char *what, GError **errp)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    uint32_t size = pci_config_size(dev);
    bool bridge = (now[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_BRIDGE;
    int nbars = bridge ? 2 : 6;
    g_autofree char *caps_src = std_caps(saved);
    g_autofree char *caps_here = std_caps(now);
    g_autofree char *ext_src = ext_caps(saved, size);
    g_autofree char *ext_here = ext_caps(now, size);
    uint8_t msi = priv->msi.cap;
    uint8_t msix = priv->msix.cap;

    if (differs_u(errp, what, "the vendor id", 4, pci_get_word(saved + PCI_VENDOR_ID),
                  pci_get_word(now + PCI_VENDOR_ID)) ||
        differs_u(errp, what, "the device id", 4, pci_get_word(saved + PCI_DEVICE_ID),
                  pci_get_word(now + PCI_DEVICE_ID)) ||
        differs_u(errp, what, "revision and class", 8, pci_get_long(saved + PCI_CLASS_REVISION),
                  pci_get_long(now + PCI_CLASS_REVISION)) ||
        differs_u(errp, what, "the header type", 2, saved[PCI_HEADER_TYPE], now[PCI_HEADER_TYPE]) ||
        differs_u(errp, what, "the interrupt pin", 0, saved[PCI_INTERRUPT_PIN],
                  now[PCI_INTERRUPT_PIN])) {
        return false;
    }
    if (!bridge &&
        (differs_u(errp, what, "the subsystem vendor id", 4,
                   pci_get_word(saved + PCI_SUBSYSTEM_VENDOR_ID),
                   pci_get_word(now + PCI_SUBSYSTEM_VENDOR_ID)) ||
         differs_u(errp, what, "the subsystem id", 4, pci_get_word(saved + PCI_SUBSYSTEM_ID),
                   pci_get_word(now + PCI_SUBSYSTEM_ID)))) {
        return false;
    }
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        g_autofree char *field = i == PCI_ROM_SLOT ? g_strdup("the expansion ROM size")
                                                   : g_strdup_printf("BAR %d's size", i);
        uint32_t off = i == PCI_ROM_SLOT ? (bridge ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS)
                                         : PCI_BASE_ADDRESS_0 + 4 * i;

        if (differs_u(errp, what, field, 1, pci_get_quad(hdr + HDR_BAR_SIZES + 8 * i),
                      pci_bar_size(dev, i))) {
            return false;
        }
        if (i < nbars && pci_bar_size(dev, i)) {
            g_autofree char *tfield = g_strdup_printf("BAR %d's type", i);
            uint8_t mask = (now[off] & PCI_BASE_ADDRESS_SPACE_IO) ? 0x3 : 0xf;

            if (differs_u(errp, what, tfield, 1, saved[off] & mask, now[off] & mask)) {
                return false;
            }
        }
    }
    if (differs(errp, what, "the capability list", caps_src, caps_here) ||
        differs(errp, what, "the extended capability list", ext_src, ext_here)) {
        return false;
    }
    if (msi && differs_u(errp, what, "the MSI capability (flags)", 4,
                         pci_get_word(saved + msi + PCI_MSI_FLAGS) & MSI_FLAGS_RO,
                         pci_get_word(now + msi + PCI_MSI_FLAGS) & MSI_FLAGS_RO)) {
        return false;
    }
    if (differs_u(errp, what, "the number of MSI-X vectors", 0,
                  pci_get_long(hdr + HDR_MSIX_ENTRIES), msix ? priv->msix.nentries : 0) ||
        differs_u(errp, what, "the MSI-X PBA size", 0, pci_get_long(hdr + HDR_PBA_SIZE),
                  msix ? priv->msix.pba_size : 0)) {
        return false;
    }
    if (msix && (differs_u(errp, what, "the MSI-X table location", 8,
                           pci_get_long(saved + msix + PCI_MSIX_TABLE),
                           pci_get_long(now + msix + PCI_MSIX_TABLE)) ||
                 differs_u(errp, what, "the MSI-X PBA location", 8,
                           pci_get_long(saved + msix + PCI_MSIX_PBA),
                           pci_get_long(now + msix + PCI_MSIX_PBA)))) {
        return false;
    }
    return true;
}

/* --- restore --- */

/* The offset of the PCI Express slot registers (control and status), 0 when there is no slot. */
static uint32_t slot_regs(HdPciDevice *dev)
{
    uint8_t exp = pci_find_capability(dev, PCI_CAP_ID_EXP);

    if (!exp || !(pci_get_word(pci_config(dev) + exp + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_SLOT)) {
        return 0;
    }
    return exp + PCI_EXP_SLTCTL;
}

/* Mark the bytes step 2 of the restore leaves to later steps. */
static void mark_special(HdPciDevice *dev, bool *special)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    uint32_t slot = slot_regs(dev);

    memset(special + PCI_COMMAND, 1, 4); /* command and status */
    if (HD_PCI_DEVICE_GET_CLASS(dev)->is_bridge) {
        memset(special + PCI_BRIDGE_CONTROL, 1, 2);
    }
    if (priv->msi.cap) {
        memset(special + priv->msi.cap + PCI_MSI_FLAGS, 1, 2);
    }
    if (priv->msix.cap) {
        memset(special + priv->msix.cap + PCI_MSIX_FLAGS, 1, 2);
    }
    if (slot) {
        memset(special + slot, 1, 4); /* slot control and slot status */
    }
}

/* Write @len bytes at @addr with the source's value, W1C bits held at 0. */
static void replay(HdPciDevice *dev, const uint8_t *saved, uint32_t addr, unsigned len)
{
    const uint8_t *w1c = pci_w1cmask(dev);
    uint32_t val = 0;

    for (unsigned i = 0; i < len; i++) {
        val |= (uint32_t)(saved[addr + i] & ~w1c[addr + i]) << (8 * i);
    }
    pci_config_write(dev, addr, val, len);
}

/* Whether byte @a differs from the source in bits the guest can write. */
static bool byte_needs(HdPciDevice *dev, const uint8_t *saved, const uint8_t *now, uint32_t a)
{
    return (saved[a] ^ now[a]) & pci_wmask(dev)[a] & ~pci_w1cmask(dev)[a];
}

/* Step 2: the guest-writable bytes outside @special that differ, in the widest clean access. */
static unsigned replay_plain(HdPciDevice *dev, const uint8_t *saved, const uint8_t *now,
                             const bool *special, uint32_t size)
{
    unsigned writes = 0;

    for (uint32_t a = 0; a < size; a += 4) {
        bool need[4], any = false, clean = true;

        for (int i = 0; i < 4; i++) {
            need[i] = !special[a + i] && byte_needs(dev, saved, now, a + i);
            any |= need[i];
            clean &= !special[a + i];
        }
        if (!any) {
            continue;
        }
        if (clean) {
            replay(dev, saved, a, 4);
            writes++;
            continue;
        }
        for (int w = 0; w < 4; w += 2) {
            if (!need[w] && !need[w + 1]) {
                continue;
            }
            if (!special[a + w] && !special[a + w + 1]) {
                replay(dev, saved, a + w, 2);
                writes++;
                continue;
            }
            for (int i = w; i < w + 2; i++) {
                if (need[i]) {
                    replay(dev, saved, a + i, 1);
                    writes++;
                }
            }
        }
    }
    return writes;
}

/* Step 3: what is restored into the emulated state without a guest write. */
static void restore_direct(HdPciDevice *dev, const uint8_t *saved, const uint8_t *table,
                           const uint8_t *pba, uint32_t size)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    uint8_t *c = priv->config;
    uint32_t slot = slot_regs(dev);

    for (uint32_t a = 0; a < size; a++) {
        c[a] = (c[a] & ~priv->w1cmask[a]) | (saved[a] & priv->w1cmask[a]);
    }
    if (priv->msi.cap && priv->msi.maskbit) {
        uint32_t pending =
            priv->msi.cap + (priv->msi.is64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32);

        memcpy(c + pending, saved + pending, 4);
    }
    if (priv->msix.cap) {
        memcpy(priv->msix.table, table, priv->msix.nentries * PCI_MSIX_ENTRY_SIZE);
        memcpy(priv->msix.pba, pba, priv->msix.pba_size);
    }
    for (uint32_t a = slot; slot && a < slot + 2; a++) {
        c[a] = (c[a] & ~priv->wmask[a]) | (saved[a] & priv->wmask[a]);
    }
}

/* Write the word at @addr when it differs from the source in guest-writable bits. */
static unsigned replay_word(HdPciDevice *dev, const uint8_t *saved, uint32_t addr)
{
    uint16_t now = pci_config_read(dev, addr, 2);
    uint16_t wm = pci_get_word(pci_wmask(dev) + addr) & ~pci_get_word(pci_w1cmask(dev) + addr);

    if (!((now ^ pci_get_word(saved + addr)) & wm)) {
        return 0;
    }
    replay(dev, saved, addr, 2);
    return 1;
}

/* Step 1: a destination that is not fresh from reset stops decoding and interrupts first. */
static void quiesce(HdPciDevice *dev, const uint8_t *now)
{
    HdPciDevicePrivate *priv = pci_priv(dev);
    uint16_t cmd = pci_get_word(now + PCI_COMMAND);

    if (cmd & CMD_DECODE) {
        pci_config_write(dev, PCI_COMMAND, cmd & ~CMD_DECODE, 2);
    }
    if (priv->msi.cap && msi_enabled(dev)) {
        uint32_t f = priv->msi.cap + PCI_MSI_FLAGS;

        pci_config_write(dev, f, pci_get_word(now + f) & ~PCI_MSI_FLAGS_ENABLE, 2);
    }
    if (priv->msix.cap && msix_enabled(dev)) {
        uint32_t f = priv->msix.cap + PCI_MSIX_FLAGS;

        pci_config_write(dev, f, pci_get_word(now + f) & ~PCI_MSIX_FLAGS_ENABLE, 2);
    }
}

bool pci_device_load_state(HdPciDevice *dev, const uint8_t *data, size_t len, GError **errp)
{
    g_return_val_if_fail(HD_IS_PCI_DEVICE(dev), false);
    HdPciDevicePrivate *priv = pci_priv(dev);
    HdPciDeviceClass *klass = HD_PCI_DEVICE_GET_CLASS(dev);
    g_autofree char *what = hd_device_describe(HD_DEVICE(dev));
    g_autofree uint8_t *now = NULL;
    g_autofree bool *special = NULL;
    uint32_t size, src_size, entries, pba_size;
    uint64_t expected;
    const uint8_t *saved, *table, *pba;
    unsigned version, writes;
    uint16_t flags;

    if (!priv->config) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: cannot load PCI state into a device that is not realized", what);
        return false;
    }
    if (len < 2) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the PCI config section is truncated (%zu bytes); the migration stream "
                    "is damaged",
                    what, len);
        return false;
    }
    version = pci_get_word(data + HDR_VERSION);
    if (version != PCI_MIG_VERSION) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the PCI config section has format version %u, this hostdev reads "
                    "version %u; migrate to a hostdev that reads the source's format",
                    what, version, PCI_MIG_VERSION);
        return false;
    }
    if (len < HDR_SIZE) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the PCI config section is truncated (%zu bytes, the header alone is %u); "
                    "the migration stream is damaged",
                    what, len, HDR_SIZE);
        return false;
    }
    flags = pci_get_word(data + HDR_FLAGS);
    src_size = pci_get_long(data + HDR_CONFIG_SIZE);
    entries = pci_get_long(data + HDR_MSIX_ENTRIES);
    pba_size = pci_get_long(data + HDR_PBA_SIZE);
    expected = (uint64_t)HDR_SIZE + src_size + (uint64_t)entries * PCI_MSIX_ENTRY_SIZE + pba_size;
    if (len != expected) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the PCI config section is %s (%zu bytes, its header describes %" PRIu64
                    "); the migration stream is damaged",
                    what, len < expected ? "truncated" : "too long", len, expected);
        return false;
    }
    size = pci_config_size(dev);
    if (differs_u(errp, what, "the config space size", 0, src_size, size)) {
        return false;
    }
    saved = data + HDR_SIZE;
    table = saved + size;
    pba = table + (size_t)entries * PCI_MSIX_ENTRY_SIZE;
    now = g_malloc(size);
    read_config(dev, now, size);
    if (!check_identity(dev, data, saved, now, what, errp)) {
        return false;
    }

    special = g_new0(bool, size);
    mark_special(dev, special);
    quiesce(dev, now);
    writes = replay_plain(dev, saved, now, special, size);
    restore_direct(dev, saved, table, pba, size);
    writes += replay_word(dev, saved, PCI_COMMAND);
    if (klass->is_bridge) {
        uint16_t bctl = pci_get_word(saved + PCI_BRIDGE_CONTROL);
        uint8_t *c = priv->config + PCI_BRIDGE_CONTROL;
        g_autofree uint8_t *masked = g_memdup2(saved, size);

        pci_set_word(masked + PCI_BRIDGE_CONTROL, bctl & ~PCI_BRIDGE_CTL_BUS_RESET);
        writes += replay_word(dev, masked, PCI_BRIDGE_CONTROL);
        if (bctl & PCI_BRIDGE_CTL_BUS_RESET) {
            pci_set_word(c, pci_get_word(c) | PCI_BRIDGE_CTL_BUS_RESET);
        }
    }
    if (priv->msi.cap) {
        writes += replay_word(dev, saved, priv->msi.cap + PCI_MSI_FLAGS);
    }
    if (priv->msix.cap) {
        writes += replay_word(dev, saved, priv->msix.cap + PCI_MSIX_FLAGS);
    }
    if (now[PCI_INTERRUPT_PIN] && !!(flags & FLAG_INTX) != !!priv->intx_level) {
        pci_set_irq(dev, flags & FLAG_INTX);
    }
    if (klass->post_load) {
        klass->post_load(dev);
    }

    /* What did not come back as the source had it (a hook that refused a value): trace it. */
    read_config(dev, now, size);
    for (uint32_t a = 0; a < size; a++) {
        if ((saved[a] ^ now[a]) & priv->wmask[a]) {
            trace_pci_migration_differs(what, a, saved[a], now[a]);
        }
    }
    trace_pci_migration_load(what, writes);
    return true;
}

/* --- the handler of devices without own_migration --- */

static bool mig_save_complete(void *opaque, HdMigSink *sink, GError **errp)
{
    HdPciDevice *dev = opaque;
    HdPciDeviceClass *klass = HD_PCI_DEVICE_GET_CLASS(dev);

    if (!pci_device_save_state(dev, sink, errp)) {
        return false;
    }
    return !klass->save_state || klass->save_state(dev, sink, errp);
}

static bool mig_load_setup(void *opaque, GError **errp)
{
    (void)errp;
    pci_priv(opaque)->mig_config_loaded = false;
    return true;
}

static bool mig_load_section(void *opaque, const char *kind, const uint8_t *data, size_t len,
                             GError **errp)
{
    HdPciDevice *dev = opaque;
    HdPciDeviceClass *klass = HD_PCI_DEVICE_GET_CLASS(dev);
    g_autofree char *what = NULL;

    if (strcmp(kind, PCI_MIGRATION_KIND) == 0) {
        if (!pci_device_load_state(dev, data, len, errp)) {
            return false;
        }
        pci_priv(dev)->mig_config_loaded = true;
        return true;
    }
    if (klass->load_state) {
        return klass->load_state(dev, kind, data, len, errp);
    }
    what = hd_device_describe(HD_DEVICE(dev));
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "%s: the migration stream has a '%s' section this device does not know; start "
                "the destination with the same device as the source",
                what, kind);
    return false;
}

static bool mig_load_complete(void *opaque, GError **errp)
{
    HdPciDevice *dev = opaque;
    g_autofree char *what = NULL;

    if (pci_priv(dev)->mig_config_loaded) {
        return true;
    }
    what = hd_device_describe(HD_DEVICE(dev));
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "%s: the migration stream has no PCI config section for it; start the "
                "destination with the same devices as the source",
                what);
    return false;
}

static const HdMigrationOps pci_migration_ops = {
    .save_complete = mig_save_complete,
    .load_setup = mig_load_setup,
    .load_section = mig_load_section,
    .load_complete = mig_load_complete,
};

void pci_migration_register(HdPciDevice *dev)
{
    if (!HD_PCI_DEVICE_GET_CLASS(dev)->own_migration) {
        hd_migration_register_device(HD_DEVICE(dev), &pci_migration_ops, dev);
    }
}

void pci_migration_unregister(HdPciDevice *dev)
{
    if (!HD_PCI_DEVICE_GET_CLASS(dev)->own_migration) {
        hd_migration_unregister(dev);
    }
}
