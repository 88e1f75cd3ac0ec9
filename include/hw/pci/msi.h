/*
 * MSI for PCI devices: the emulated MSI capability, delivery by a DMA write, and the vector
 * notifiers that tell a device (vfio-pci) when the guest enables, unmasks or reprograms vectors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PCI_MSI_H
#define HW_PCI_MSI_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/pci/pci.h"

/* An MSI or MSI-X message: a 32-bit @data write to @address in the device's DMA space. */
typedef struct HdMsiMessage {
    uint64_t address;
    uint32_t data;
} HdMsiMessage;

/* Which interrupt mechanism a notifier call is about. */
typedef enum HdPciIrqKind {
    HD_PCI_IRQ_MSI,
    HD_PCI_IRQ_MSIX,
} HdPciIrqKind;

/*
 * Vector notifiers, called from guest config writes (MSI capability, MSI-X capability) and
 * MSI-X table writes, and from reset. Any may be NULL. The order for one kind is always:
 *   enable_changed(true), then vector_use for every usable vector;
 *   while enabled: vector_use when a vector becomes usable or its message changes while usable,
 *                  vector_release when it stops being usable;
 *   on disable: vector_release for every vector still in use, then enable_changed(false).
 * "Usable" means: the capability is enabled and the vector exists (MSI: below the number of
 * vectors enabled in the flags), and is not masked (MSI: per-vector mask bit; MSI-X: the
 * entry's mask bit or the function mask). vector_use receives the current message.
 *
 * The device keeps delivering through msi_notify()/msix_notify(), which honour masking: a
 * masked vector's event sets its pending bit and is delivered on unmask. A frontend whose
 * interrupts arrive from elsewhere (kernel eventfds) therefore may keep its trigger set up
 * across vector_release and forward events with msi_notify()/msix_notify().
 */
typedef struct HdPciVectorNotifiers {
    /* MSI or MSI-X (@kind) was enabled or disabled by the guest (or by reset). */
    void (*enable_changed)(HdPciDevice *dev, HdPciIrqKind kind, bool enabled, void *opaque);
    /* @vector became usable, or its message changed while usable. */
    void (*vector_use)(HdPciDevice *dev, HdPciIrqKind kind, unsigned vector, HdMsiMessage msg,
                       void *opaque);
    /* @vector stopped being usable (masked, beyond the enabled count, or kind disabled). */
    void (*vector_release)(HdPciDevice *dev, HdPciIrqKind kind, unsigned vector, void *opaque);
} HdPciVectorNotifiers;

/*
 * Install @notifiers (copied; NULL removes them) with @opaque for both MSI and MSI-X. Nothing
 * is replayed: install them before the guest can enable anything (at realize).
 */
void pci_set_vector_notifiers(HdPciDevice *dev, const HdPciVectorNotifiers *notifiers,
                              void *opaque);

/*
 * Add an MSI capability at @offset (0: first free space) for @nr_vectors (1, 2, 4, 8, 16 or
 * 32) vectors, with a 64-bit address if @msi64bit and per-vector mask and pending bits if
 * @per_vector_mask; makes the capability's guest-writable fields writable. True, or false with
 * @errp set (bad vector count, no space).
 */
bool msi_init(HdPciDevice *dev, uint8_t offset, unsigned nr_vectors, bool msi64bit,
              bool per_vector_mask, GError **errp);

/* Remove the MSI capability (after releasing vectors if it was enabled). No-op without one. */
void msi_uninit(HdPciDevice *dev);

/* Whether the device has an MSI capability made by msi_init(). */
bool msi_present(HdPciDevice *dev);

/* The MSI capability's offset, 0 when there is none. */
uint8_t msi_cap_offset(HdPciDevice *dev);

/* Whether the guest enabled MSI. */
bool msi_enabled(HdPciDevice *dev);

/* How many vectors the guest enabled (1 << multiple-message-enable), 0 when disabled. */
unsigned msi_nr_vectors_enabled(HdPciDevice *dev);

/* The message of @vector: the programmed address, data with the vector in its low bits. */
HdMsiMessage msi_get_message(HdPciDevice *dev, unsigned vector);

/* Whether @vector is masked by its per-vector mask bit (false without per-vector masking). */
bool msi_is_masked(HdPciDevice *dev, unsigned vector);

/*
 * Signal @vector: when MSI is enabled and @vector is below the enabled count, write its
 * message to the DMA address space, or set its pending bit if it is masked. Ignored otherwise.
 * Like every MSI write, dropped while PCI_COMMAND_MASTER is clear (as on hardware).
 */
void msi_notify(HdPciDevice *dev, unsigned vector);

/* Disable MSI (notifiers told), clear address, data, mask and pending bits. */
void msi_reset(HdPciDevice *dev);

#endif /* HW_PCI_MSI_H */
