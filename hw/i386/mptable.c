/*
 * MP tables (MultiProcessor Specification 1.4) for -machine acpi=off: one processor entry per
 * vCPU (APIC ids as in the MADT), PCI bus 0 and ISA bus 1, the I/O APIC, ISA IRQs on their
 * pins (IRQ 0 on pin 2) and every PCI slot/pin on GSI 16 + (slot + pin) % 8 as the chipset does.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "hw/acpi/aml.h"
#include "hw/i386/acpi-build.h"
#include "hw/i386/mptable.h"

#define MP_BUS_PCI 0
#define MP_BUS_ISA 1


/* An I/O (entry 3) or local (entry 4) interrupt assignment. */
static void irq_entry(GByteArray *t, uint8_t entry, uint8_t type, uint16_t flags, uint8_t bus,
                      uint8_t irq, uint8_t apic, uint8_t pin)
{
    aml_append_le(t, entry, 1);
    aml_append_le(t, type, 1);
    aml_append_le(t, flags, 2);
    aml_append_le(t, bus, 1);
    aml_append_le(t, irq, 1);
    aml_append_le(t, apic, 1);
    aml_append_le(t, pin, 1);
}

GBytes *hd_mptable_build(uint64_t base, unsigned cpus, unsigned threads, unsigned cores)
{
    GByteArray *t = g_byte_array_new();
    uint8_t ioapic_id = (uint8_t)x86_apic_id(cpus, threads, cores); /* past every LAPIC */
    unsigned entries = 0;
    size_t hdr;

    /* Floating pointer (16 bytes), then the configuration table right after it. */
    g_byte_array_append(t, (const guint8 *)"_MP_", 4);
    aml_append_le(t, base + 16, 4);
    aml_append_le(t, 1, 1);  /* length in 16-byte units */
    aml_append_le(t, 4, 1);  /* spec 1.4 */
    aml_append_le(t, 0, 1);  /* checksum */
    aml_append_le(t, 0, 5);  /* feature bytes: a configuration table is present */
    t->data[10] = acpi_checksum(t->data, 16);

    hdr = t->len;
    g_byte_array_append(t, (const guint8 *)"PCMP", 4);
    aml_append_le(t, 0, 2);  /* length, set below */
    aml_append_le(t, 4, 1);
    aml_append_le(t, 0, 1);  /* checksum */
    g_byte_array_append(t, (const guint8 *)"HOSTDEV ", 8);
    g_byte_array_append(t, (const guint8 *)"q35         ", 12);
    aml_append_le(t, 0, 4);
    aml_append_le(t, 0, 2);
    aml_append_le(t, 0, 2);  /* entry count, set below */
    aml_append_le(t, 0xfee00000, 4);
    aml_append_le(t, 0, 4);  /* no extended table */

    for (unsigned i = 0; i < cpus; i++, entries++) {
        aml_append_le(t, 0, 1);
        aml_append_le(t, x86_apic_id(i, threads, cores), 1);
        aml_append_le(t, 0x14, 1);               /* LAPIC version */
        aml_append_le(t, i == 0 ? 3 : 1, 1);     /* enabled, boot processor */
        aml_append_le(t, 0x600, 4);              /* family 6 */
        aml_append_le(t, (1u << 0) | (1u << 9), 4); /* FPU, APIC */
        aml_append_le(t, 0, 8);
    }
    aml_append_le(t, 1, 1);
    aml_append_le(t, MP_BUS_PCI, 1);
    g_byte_array_append(t, (const guint8 *)"PCI   ", 6);
    aml_append_le(t, 1, 1);
    aml_append_le(t, MP_BUS_ISA, 1);
    g_byte_array_append(t, (const guint8 *)"ISA   ", 6);
    aml_append_le(t, 2, 1);
    aml_append_le(t, ioapic_id, 1);
    aml_append_le(t, 0x11, 1);
    aml_append_le(t, 1, 1);
    aml_append_le(t, 0xfec00000, 4);
    entries += 3;

    /* ISA: the 8259's ExtINT on pin 0, IRQ 0 (PIT) on pin 2, the rest on their own pins;
     * the SCI's IRQ 9 is level like the MADT says (unused without ACPI). */
    irq_entry(t, 3, 3, 0, MP_BUS_ISA, 0, ioapic_id, 0);
    irq_entry(t, 3, 0, 0, MP_BUS_ISA, 0, ioapic_id, 2);
    entries += 2;
    for (uint8_t irq = 1; irq < 16; irq++) {
        if (irq != 2) {
            irq_entry(t, 3, 0, 0, MP_BUS_ISA, irq, ioapic_id, irq);
            entries++;
        }
    }
    /* PCI bus 0: source IRQ (slot << 2) | pin, level active low. */
    for (uint8_t slot = 0; slot < 32; slot++) {
        for (uint8_t pin = 0; pin < 4; pin++) {
            irq_entry(t, 3, 0, 0x0f, MP_BUS_PCI, (uint8_t)(slot << 2 | pin), ioapic_id,
                      (uint8_t)(16 + (slot + pin) % 8));
            entries++;
        }
    }
    /* LINT0 is the 8259's ExtINT, LINT1 NMI, on every LAPIC. */
    irq_entry(t, 4, 3, 0, MP_BUS_ISA, 0, 0xff, 0);
    irq_entry(t, 4, 1, 0, MP_BUS_ISA, 0, 0xff, 1);
    entries += 2;

    t->data[hdr + 4] = (uint8_t)(t->len - hdr);
    t->data[hdr + 5] = (uint8_t)((t->len - hdr) >> 8);
    t->data[hdr + 34] = (uint8_t)entries;
    t->data[hdr + 35] = (uint8_t)(entries >> 8);
    t->data[hdr + 7] = acpi_checksum(t->data + hdr, t->len - hdr);
    return g_byte_array_free_to_bytes(t);
}
