/*
 * QMP commands about the guest machine: query-kvm, query-cpus-fast, system_powerdown and
 * query-chardev (qmp-machine.c); the capability probe's queries (qmp-probe.c).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_QMP_MACHINE_H
#define SYSTEM_QMP_MACHINE_H

/* The most vCPUs q35 takes in hostdev (xAPIC ids; no interrupt remapping for x2APIC). */
#define HD_MAX_VCPUS 255

void qmp_register_machine_commands(void);

/* query-target, qom-list-types, query-machines, ... (system/qmp-probe.c). */
void qmp_register_probe_commands(void);

/* The UUID query-uuid answers (-uuid; NULL: none). */
void qmp_machine_set_uuid(const char *uuid);

#endif /* SYSTEM_QMP_MACHINE_H */
