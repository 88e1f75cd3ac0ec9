/*
 * QMP commands about the guest machine: query-kvm, query-cpus-fast, system_powerdown and
 * query-chardev.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_QMP_MACHINE_H
#define SYSTEM_QMP_MACHINE_H

void qmp_register_machine_commands(void);

#endif /* SYSTEM_QMP_MACHINE_H */
