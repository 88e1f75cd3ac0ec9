/*
 * PCI Express native hot-plug: the slot of a root port as the guest's pciehp driver drives it
 * (presence, data link layer state, attention button, power controller and indicators,
 * command completed) and its event interrupt; device_add and device_del go through it.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/pci/msi.h"
#include "hw/pci/pci-host.h"
#include "hw/pci/pcie.h"
#include "pci-internal.h"
#include "qom/object.h"
#include "system/device-hotplug.h"
#include "trace.h"

/* Status bits that are events, each with its enable bit in slot control. */
#define SLOT_EVENTS                                                                          \
    (PCI_EXP_SLTSTA_ABP | PCI_EXP_SLTSTA_PFD | PCI_EXP_SLTSTA_MRLSC | PCI_EXP_SLTSTA_PDC |   \
     PCI_EXP_SLTSTA_CC | PCI_EXP_SLTSTA_DLLSC)

struct PcieSlot {
    HdPciDevice *port; /* not references: the port owns the slot and the bus */
    HdPciBus *bus;
    uint8_t cap;
    bool hotplug;
    bool irq_pending;    /* the event interrupt condition as last signalled */
    guint finish_source; /* removal of a device the guest let go, in the main loop */
    bool blocking;       /* a migration blocker stands while a device_del is in progress */
};

static uint8_t *reg(PcieSlot *slot, uint32_t offset)
{
    return pci_config(slot->port) + slot->cap + offset;
}

static uint16_t sltctl(PcieSlot *slot)
{
    return pci_get_word(reg(slot, PCI_EXP_SLTCTL));
}

static uint16_t indicator(uint16_t ctl, uint16_t mask, unsigned shift)
{
    return (ctl & mask) >> shift;
}

static bool power_controlled(PcieSlot *slot)
{
    return slot->hotplug;
}

static bool powered(PcieSlot *slot)
{
    return !power_controlled(slot) || !(sltctl(slot) & PCI_EXP_SLTCTL_PCC);
}

static HdPciDevice *occupant(PcieSlot *slot)
{
    return pci_bus_get_device(slot->bus, PCI_DEVFN(0, 0));
}

static char *slot_describe(PcieSlot *slot)
{
    return hd_device_describe(HD_DEVICE(slot->port));
}

/*
 * The event interrupt: asserted while hot-plug interrupts are on and an enabled event is set.
 * With MSI, one message when that condition rises (the guest clears every event before the
 * next one can come); without, the port's INTx line follows it.
 */
static bool irq_condition(PcieSlot *slot)
{
    uint16_t ctl = sltctl(slot);
    uint16_t sta = pci_get_word(reg(slot, PCI_EXP_SLTSTA));
    uint16_t enabled = (ctl & (PCI_EXP_SLTCTL_ABPE | PCI_EXP_SLTCTL_PFDE | PCI_EXP_SLTCTL_MRLSCE |
                               PCI_EXP_SLTCTL_PDCE | PCI_EXP_SLTCTL_CCIE)) |
                       (ctl & PCI_EXP_SLTCTL_DLLSCE ? PCI_EXP_SLTSTA_DLLSC : 0);

    return (ctl & PCI_EXP_SLTCTL_HPIE) && (sta & enabled & SLOT_EVENTS);
}

static void update_irq(PcieSlot *slot)
{
    uint16_t ctl = sltctl(slot);
    uint16_t sta = pci_get_word(reg(slot, PCI_EXP_SLTSTA));
    bool pending = irq_condition(slot);

    if (msi_enabled(slot->port)) {
        pci_set_irq(slot->port, 0);
        if (pending && !slot->irq_pending) {
            trace_pcie_slot_irq(hd_bus_get_name(HD_BUS(slot->bus)), sta, ctl, "msi");
            msi_notify(slot->port, 0);
        }
    } else {
        if (pending != slot->irq_pending) {
            trace_pcie_slot_irq(hd_bus_get_name(HD_BUS(slot->bus)), sta, ctl,
                                pending ? "intx-assert" : "intx-deassert");
        }
        pci_set_irq(slot->port, pending);
    }
    slot->irq_pending = pending;
}

/* Set status @events, then signal. */
static void raise_events(PcieSlot *slot, uint16_t events)
{
    uint8_t *sta = reg(slot, PCI_EXP_SLTSTA);

    pci_set_word(sta, pci_get_word(sta) | events);
    update_irq(slot);
}

static void set_presence(PcieSlot *slot, bool present)
{
    uint8_t *sta = reg(slot, PCI_EXP_SLTSTA);
    uint8_t *lnk = reg(slot, PCI_EXP_LNKSTA);

    pci_set_word(sta, present ? pci_get_word(sta) | PCI_EXP_SLTSTA_PDS
                              : pci_get_word(sta) & ~PCI_EXP_SLTSTA_PDS);
    pci_set_word(lnk, present ? pci_get_word(lnk) | PCI_EXP_LNKSTA_DLLLA
                              : pci_get_word(lnk) & ~PCI_EXP_LNKSTA_DLLLA);
}

/*
 * A device_del in progress does not migrate (the destination's device is not unplug-pending:
 * it would stay when the guest lets the slot go), so it blocks migration until it is over.
 */
static void block_migration(PcieSlot *slot, HdDevice *dev)
{
    g_autofree char *what = NULL;
    g_autofree char *port = NULL;
    g_autofree char *reason = NULL;

    if (slot->blocking) {
        return;
    }
    what = hd_device_describe(dev);
    port = slot_describe(slot);
    reason = g_strdup_printf("%s: device_del of %s waits for the guest to release the slot; "
                             "migrate after its DEVICE_DELETED event",
                             port, what);
    hd_migration_add_blocker(slot, reason);
    slot->blocking = true;
}

static void unblock_migration(PcieSlot *slot)
{
    if (slot->blocking) {
        hd_migration_remove_blockers(slot);
        slot->blocking = false;
    }
}

/* The guest is done with the slot whose device was to go: remove it, outside the access. */
static gboolean finish_unplug(gpointer opaque)
{
    PcieSlot *slot = opaque;
    HdPciDevice *dev = occupant(slot);

    slot->finish_source = 0;
    if (dev && hd_device_unplug_pending(HD_DEVICE(dev))) {
        trace_pcie_slot_unplug_done(hd_bus_get_name(HD_BUS(slot->bus)));
        hd_device_unplug_complete(HD_DEVICE(dev));
    }
    if (!occupant(slot) || !hd_device_unplug_pending(HD_DEVICE(occupant(slot)))) {
        unblock_migration(slot);
    }
    if (!occupant(slot) && (pci_get_word(reg(slot, PCI_EXP_SLTSTA)) & PCI_EXP_SLTSTA_PDS)) {
        set_presence(slot, false);
        raise_events(slot, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
    }
    return G_SOURCE_REMOVE;
}

static void schedule_finish(PcieSlot *slot)
{
    if (!slot->finish_source) {
        /* Thread-safe: a vCPU thread's config write attaches it to the main context. */
        slot->finish_source = g_idle_add(finish_unplug, slot);
    }
}

static bool slot_pre_plug(HdBus *bus, HdDevice *dev, void *opaque, GError **errp)
{
    PcieSlot *slot = opaque;
    g_autofree char *what = hd_device_describe(dev);
    g_autofree char *port = slot_describe(slot);

    (void)bus;
    if (!slot->hotplug) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: %s has hotplug=off; its slot takes devices only at start-up (use a "
                    "port with hotplug=on)",
                    what, port);
        return false;
    }
    if (pci_device_devfn(HD_PCI_DEVICE(dev)) != PCI_DEVFN(0, 0)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: only function 0 of %s's slot can be hot-plugged; plug multifunction "
                    "devices at start-up",
                    what, port);
        return false;
    }
    return true;
}

static void slot_plugged(HdBus *bus, HdDevice *dev, void *opaque)
{
    PcieSlot *slot = opaque;

    (void)dev;
    trace_pcie_slot_plug(hd_bus_get_name(bus), powered(slot));
    set_presence(slot, true);
    raise_events(slot, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
}

static bool slot_unplug_request(HdBus *bus, HdDevice *dev, void *opaque, GError **errp)
{
    PcieSlot *slot = opaque;
    uint16_t pic = indicator(sltctl(slot), PCI_EXP_SLTCTL_PIC, PCI_EXP_SLTCTL_PIC_SHIFT);

    if (!slot->hotplug) {
        g_autofree char *what = hd_device_describe(dev);
        g_autofree char *port = slot_describe(slot);

        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: %s has hotplug=off; the device cannot leave while the guest runs", what,
                    port);
        return false;
    }
    block_migration(slot, dev);
    if (!powered(slot)) {
        /* The guest does not use a device it has not powered: it can go now. */
        trace_pcie_slot_unplug_request(hd_bus_get_name(bus), "slot off, removing at once");
        schedule_finish(slot);
        return true;
    }
    if (pic == PCI_EXP_SLTCTL_IND_BLINK) {
        /* The guest took the last press and is counting down; a new press would cancel it. */
        trace_pcie_slot_unplug_request(hd_bus_get_name(bus), "already in progress");
        return true;
    }
    trace_pcie_slot_unplug_request(hd_bus_get_name(bus), "attention button pressed");
    raise_events(slot, PCI_EXP_SLTSTA_ABP);
    return true;
}

static const HdHotplugOps slot_hotplug_ops = {
    .pre_plug = slot_pre_plug,
    .plugged = slot_plugged,
    .unplug_request = slot_unplug_request,
};

PcieSlot *pcie_slot_new(HdPciDevice *port, HdPciBus *bus, uint16_t number, bool hotplug)
{
    uint8_t cap = pcie_cap_offset(port);
    PcieSlot *slot;

    g_return_val_if_fail(cap != 0, NULL);
    pcie_cap_slot_init(port, number);
    slot = g_new0(PcieSlot, 1);
    slot->port = port;
    slot->bus = bus;
    slot->cap = cap;
    slot->hotplug = hotplug;
    if (hotplug) {
        uint8_t *c = reg(slot, PCI_EXP_SLTCAP);

        pci_set_long(c, pci_get_long(c) | PCI_EXP_SLTCAP_ABP | PCI_EXP_SLTCAP_PCP |
                            PCI_EXP_SLTCAP_AIP | PCI_EXP_SLTCAP_PIP | PCI_EXP_SLTCAP_HPC);
    }
    hd_bus_set_hotplug_handler(HD_BUS(bus), &slot_hotplug_ops, slot);
    /*
     * Powered, indicators off, until the first reset sets power from what was plugged
     * (devices plugged at start-up come after the port's realize).
     */
    pci_set_word(reg(slot, PCI_EXP_SLTCTL),
                 (PCI_EXP_SLTCTL_IND_OFF << PCI_EXP_SLTCTL_AIC_SHIFT) |
                     (PCI_EXP_SLTCTL_IND_OFF << PCI_EXP_SLTCTL_PIC_SHIFT));
    set_presence(slot, false);
    return slot;
}

void pcie_slot_free(PcieSlot *slot)
{
    if (!slot) {
        return;
    }
    if (slot->finish_source) {
        g_source_remove(slot->finish_source);
    }
    unblock_migration(slot);
    hd_bus_set_hotplug_handler(HD_BUS(slot->bus), NULL, NULL);
    pci_bus_set_powered(slot->bus, true);
    g_free(slot);
}

void pcie_slot_reset(PcieSlot *slot)
{
    HdPciDevice *dev = occupant(slot);
    uint16_t ind = dev ? PCI_EXP_SLTCTL_IND_ON : PCI_EXP_SLTCTL_IND_OFF;

    pci_set_word(reg(slot, PCI_EXP_SLTSTA), 0);
    set_presence(slot, dev != NULL);
    if (slot->hotplug) {
        /* An occupied slot comes up powered (cold-plugged devices work without a driver). */
        pci_set_word(reg(slot, PCI_EXP_SLTCTL),
                     (PCI_EXP_SLTCTL_IND_OFF << PCI_EXP_SLTCTL_AIC_SHIFT) |
                         (ind << PCI_EXP_SLTCTL_PIC_SHIFT) | (dev ? 0 : PCI_EXP_SLTCTL_PCC));
    }
    pci_bus_set_powered(slot->bus, powered(slot));
    slot->irq_pending = false;
    pci_set_irq(slot->port, 0);
    if (dev && hd_device_unplug_pending(HD_DEVICE(dev))) {
        /* The guest that was asked is gone; the device leaves as device_del wanted. */
        schedule_finish(slot);
    } else {
        unblock_migration(slot);
    }
}

void pcie_slot_config_write(PcieSlot *slot, uint32_t addr, uint32_t val, unsigned len)
{
    bool was_powered = powered(slot);
    bool ctl = pci_ranges_overlap(addr, len, slot->cap + PCI_EXP_SLTCTL, 2);
    bool sta = pci_ranges_overlap(addr, len, slot->cap + PCI_EXP_SLTSTA, 2);

    pci_default_config_write(slot->port, addr, val, len);
    if (ctl && slot->hotplug) {
        HdPciDevice *dev = occupant(slot);
        uint16_t pic = indicator(sltctl(slot), PCI_EXP_SLTCTL_PIC, PCI_EXP_SLTCTL_PIC_SHIFT);

        trace_pcie_slot_control(hd_bus_get_name(HD_BUS(slot->bus)), sltctl(slot));
        if (was_powered != powered(slot)) {
            pci_bus_set_powered(slot->bus, powered(slot));
        }
        /* Done with the slot: power off and its indicator off (Linux: a second later). */
        if (!powered(slot) && pic == PCI_EXP_SLTCTL_IND_OFF && dev &&
            hd_device_unplug_pending(HD_DEVICE(dev))) {
            schedule_finish(slot);
        }
        /* Every command completes at once. */
        raise_events(slot, PCI_EXP_SLTSTA_CC);
        return;
    }
    if (ctl || sta || pci_ranges_overlap(addr, len, PCI_COMMAND, 2)) {
        update_irq(slot);
    }
}

void pcie_slot_post_load(PcieSlot *slot)
{
    bool pending = irq_condition(slot);

    pci_bus_set_powered(slot->bus, powered(slot));
    /* The source signalled this condition already (an MSI is not sent again). */
    slot->irq_pending = pending;
    pci_set_irq(slot->port, !msi_enabled(slot->port) && pending);
}
