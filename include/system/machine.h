/*
 * The machine: q35 with guest RAM split around the 32-bit PCI hole like QEMU's (below 4 GiB
 * up to 0xb0000000, or 0x80000000 when RAM is 0xb0000000 or more; the rest from 4 GiB), the
 * chipset from hw/i386/q35.h, and the QOM tree that -device, -object and QMP work on; or the
 * aarch64 virt machine (hw/arm/virt.h: RAM at 1 GiB, GICv3, platform bus, device tree).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_MACHINE_H
#define SYSTEM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "qom/tree.h"

#define HD_RAM_ABOVE_4G_BASE 0x100000000ULL

typedef struct HdMachine HdMachine;

/* What the machine is built from (the command line's -machine, -m). */
typedef struct HdMachineConfig {
    const char *type;           /* "q35" */
    uint64_t ram_size;          /* bytes */
    bool ram_size_set;          /* -m given: must match the backend's size */
    const char *memory_backend; /* id of a memory-backend-* in /objects, or NULL */
    unsigned cpus;              /* -smp, for the device tree of "virt" (no vCPU runs) */
} HdMachineConfig;

/*
 * Build the machine into the system memory and I/O roots and @tree (/machine/q35 is the
 * host bridge). Its RAM is the backend's when one is named, else a new memfd ("pc.ram").
 */
HdMachine *hd_machine_new(const HdMachineConfig *config, HdTree *tree, GError **errp);

/* Write the machine's device tree blob to @path (-machine virt,dumpdtb=FILE); false with
 * @errp set when the machine has none (q35) or the file cannot be written. */
bool hd_machine_dump_dtb(HdMachine *machine, const char *path, GError **errp);

/* Unmap and free everything hd_machine_new() made; NULL is fine. */
void hd_machine_free(HdMachine *machine);

/* Guest RAM in bytes, and how it is split. */
uint64_t hd_machine_ram_size(HdMachine *machine);
uint64_t hd_machine_ram_below_4g(HdMachine *machine);
uint64_t hd_machine_ram_above_4g(HdMachine *machine);

/* The process's QOM tree (QMP qom-list, device_add); set once at start-up, NULL at exit. */
void hd_qom_tree_set(HdTree *tree);
HdTree *hd_qom_tree(void);

#endif /* SYSTEM_MACHINE_H */
