/*
 * QMP commands of the running host: query-status, stop, cont, system_reset, quit,
 * device_add, device_del, qom-list, qom-get, query-name. They act on hd_qom_tree().
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_QMP_RUNTIME_H
#define SYSTEM_QMP_RUNTIME_H

/* Register the commands above; call once at start-up. */
void qmp_register_runtime_commands(void);

/* The name -name gave (NULL: none), for query-name; the string is copied. */
void qmp_runtime_set_name(const char *name);

#endif /* SYSTEM_QMP_RUNTIME_H */
