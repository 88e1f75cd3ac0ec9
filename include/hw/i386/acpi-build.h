/*
 * ACPI tables of the q35 machine, built from its own layout: RSDP, XSDT, FADT (with FACS),
 * MADT, MCFG and a DSDT with the PCI root bridge, its windows, _PRT and \_S5.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_I386_ACPI_BUILD_H
#define HW_I386_ACPI_BUILD_H

#include <glib.h>
#include <stdint.h>

/* The fixed-hardware ports (hw/i386/pc-ports.c implements them). */
#define ACPI_PM_BASE 0x600
#define ACPI_PM1_EVT (ACPI_PM_BASE + 0) /* status (2), enable (2) */
#define ACPI_PM1_CNT (ACPI_PM_BASE + 4) /* control (2) */
#define ACPI_PM_TMR (ACPI_PM_BASE + 8)  /* 24-bit timer at 3.579545 MHz */
#define ACPI_SCI_IRQ 9
#define ACPI_S5_TYP 5                   /* SLP_TYP value of \_S5 */

typedef struct HdAcpiConfig {
    uint64_t base;      /* guest address the blob is loaded at */
    unsigned cpus;
    unsigned threads, cores; /* topology, for the APIC ids */
    uint64_t ram_below_4g;
    uint64_t ram_above_4g;
} HdAcpiConfig;

/* The tables as one blob for @config->base; *rsdp is the RSDP's guest address. */
GBytes *hd_acpi_build(const HdAcpiConfig *config, uint64_t *rsdp);

/* Bits an APIC id gives a topology level of @n members (ceil(log2(n))). */
unsigned x86_topo_bits(unsigned n);

/* x2APIC-style APIC id of vCPU @index for the given threads per core and cores per socket. */
uint32_t x86_apic_id(unsigned index, unsigned threads, unsigned cores);

#endif /* HW_I386_ACPI_BUILD_H */
