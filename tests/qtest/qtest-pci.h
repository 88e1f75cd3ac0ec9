/*
 * PCI configuration space through the CF8/CFC ports of a qtest-driven q35 guest, for tests that
 * poke devices the way a guest would (function 0 of a slot; bus 0 unless a bus is named).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_QTEST_QTEST_PCI_H
#define TESTS_QTEST_QTEST_PCI_H

#include <stdint.h>

#include "libqtest.h"

/* Read or write register @reg of the device in @slot on @bus (behind a bridge). */
uint32_t pci_cfg_bus_readl(QTestState *s, int bus, int slot, int reg);
void pci_cfg_bus_writel(QTestState *s, int bus, int slot, int reg, uint32_t value);

/* Read or write register @reg of the device in @slot on bus 0 (@reg naturally aligned). */
uint32_t pci_cfg_readl(QTestState *s, int slot, int reg);
uint16_t pci_cfg_readw(QTestState *s, int slot, int reg);
uint8_t pci_cfg_readb(QTestState *s, int slot, int reg);
void pci_cfg_writel(QTestState *s, int slot, int reg, uint32_t value);
void pci_cfg_writew(QTestState *s, int slot, int reg, uint16_t value);

#endif
