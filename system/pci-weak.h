/*
 * TEMPORARY: weak references to the q35/PCI/irq functions hw/i386 and hw/pci provide, so the
 * tree links while that implementation is still in progress. Delete once it has landed.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_PCI_WEAK_H
#define SYSTEM_PCI_WEAK_H

#include "hw/i386/q35.h"
#include "hw/irq.h"

#pragma weak q35_chipset_new
#pragma weak pci_register_types
#pragma weak hd_irq_lines_find
#pragma weak hd_irq_intercept
#pragma weak hd_irq_set

#endif /* SYSTEM_PCI_WEAK_H */
