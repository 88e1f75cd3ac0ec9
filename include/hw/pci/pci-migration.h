/*
 * The PCI part of a device's migration state: its config space as the guest programmed it and
 * its MSI-X table and PBA, saved as one "pci-config" section and restored on the destination by
 * replaying the guest's writes through the device's config hook (BARs map, MSI/MSI-X enable).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PCI_PCI_MIGRATION_H
#define HW_PCI_PCI_MIGRATION_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/pci/pci.h"
#include "migration/register.h"

/* The section kind pci_device_save_state() writes. */
#define PCI_MIGRATION_KIND "pci-config"

/*
 * Write @dev's PCI state as one PCI_MIGRATION_KIND section (the format is described in
 * hw/pci/pci-migration.c): config space as the guest reads it through the config_read hook,
 * the MSI-X table and PBA, the INTx level the device drives. Call with the VM stopped. False
 * with @errp set (the sink failed, or @dev is not realized).
 */
bool pci_device_save_state(HdPciDevice *dev, HdMigSink *sink, GError **errp);

/*
 * Restore @dev (just realized or reset, never run) from a PCI_MIGRATION_KIND section. False
 * with @errp set, naming the device and what differs (format version, section length, config
 * size, read-only identity bits such as vendor/device id, BAR sizes, capability layout),
 * before anything was written. Otherwise the guest's writes are replayed through the
 * config_write hook: writable fields and BARs, then the command register (BARs map), then the
 * MSI/MSI-X enables (vector notifiers told, after the MSI-X table is back); W1C status bits,
 * MSI pending bits and PCIe slot control are set without a write, then the class's post_load
 * hook runs. Bytes the emulated write mask does not cover (a vfio-pci capability passed
 * through to the physical device) are not written: they are left to the device's own
 * migration data.
 */
bool pci_device_load_state(HdPciDevice *dev, const uint8_t *data, size_t len, GError **errp);

#endif /* HW_PCI_PCI_MIGRATION_H */
