/*
 * PCI configuration space through CF8/CFC for qtests: configuration mechanism #1 as q35
 * decodes it (enable bit, bus, slot, dword register; the byte lanes of CFC pick the rest).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qtest-pci.h"

#define CF8 0xcf8
#define CFC 0xcfc

/* Point CF8 at register @reg of function 0 in @slot on @bus; the access then goes to CFC. */
static void pci_cfg_select(QTestState *s, int bus, int slot, int reg)
{
    qtest_outl(s, CF8,
               0x80000000u | (uint32_t)bus << 16 | (uint32_t)slot << 11 | (uint32_t)(reg & 0xfc));
}

uint32_t pci_cfg_bus_readl(QTestState *s, int bus, int slot, int reg)
{
    pci_cfg_select(s, bus, slot, reg);
    return qtest_inl(s, CFC);
}

void pci_cfg_bus_writel(QTestState *s, int bus, int slot, int reg, uint32_t value)
{
    pci_cfg_select(s, bus, slot, reg);
    qtest_outl(s, CFC, value);
}

uint32_t pci_cfg_readl(QTestState *s, int slot, int reg)
{
    return pci_cfg_bus_readl(s, 0, slot, reg);
}

uint16_t pci_cfg_readw(QTestState *s, int slot, int reg)
{
    pci_cfg_select(s, 0, slot, reg);
    return qtest_inw(s, CFC + (reg & 2));
}

uint8_t pci_cfg_readb(QTestState *s, int slot, int reg)
{
    pci_cfg_select(s, 0, slot, reg);
    return qtest_inb(s, CFC + (reg & 3));
}

void pci_cfg_writel(QTestState *s, int slot, int reg, uint32_t value)
{
    pci_cfg_bus_writel(s, 0, slot, reg, value);
}

void pci_cfg_writew(QTestState *s, int slot, int reg, uint16_t value)
{
    pci_cfg_select(s, 0, slot, reg);
    qtest_outw(s, CFC + (reg & 2), value);
}
