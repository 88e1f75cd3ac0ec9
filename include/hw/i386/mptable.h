/*
 * Intel MultiProcessor Specification 1.4 tables, for guests booted with -machine acpi=off:
 * the CPUs, the I/O APIC, and ISA and PCI interrupt routing.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_I386_MPTABLE_H
#define HW_I386_MPTABLE_H

#include <glib.h>
#include <stdint.h>

/* The floating pointer and configuration table as one blob for guest address @base
 * (16-byte aligned, within the BIOS area the kernel scans). */
GBytes *hd_mptable_build(uint64_t base, unsigned cpus, unsigned threads, unsigned cores);

#endif /* HW_I386_MPTABLE_H */
