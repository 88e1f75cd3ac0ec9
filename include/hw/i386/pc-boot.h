/*
 * Direct Linux boot on x86 (the kernel's 32-bit boot protocol): bzImage, initrd and command
 * line placed in guest RAM with a boot_params page, an e820 map and the ACPI tables, reloaded
 * at every system reset.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_I386_PC_BOOT_H
#define HW_I386_PC_BOOT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct HdPcBootConfig {
    const char *kernel;  /* -kernel bzImage */
    const char *initrd;  /* -initrd, or NULL */
    const char *append;  /* -append, or NULL */
    uint64_t ram_below_4g;
    uint64_t ram_above_4g;
    unsigned cpus;
    unsigned threads, cores; /* topology, for the MADT's APIC ids */
    bool acpi;           /* -machine acpi=on (default) */
} HdPcBootConfig;

typedef struct HdPcBoot HdPcBoot;

/* Read the images, check them, write everything into guest RAM and set the boot vCPU's entry
 * (kvm_set_boot_state); a reset handler writes it all again. */
HdPcBoot *hd_pc_boot_new(const HdPcBootConfig *config, GError **errp);
void hd_pc_boot_free(HdPcBoot *boot);

#endif /* HW_I386_PC_BOOT_H */
