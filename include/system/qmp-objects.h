/*
 * QMP object-add and object-del: user objects (iommufd, memory backends) created and removed
 * at run time as -object creates them, named /objects/ID in hd_qom_tree().
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_QMP_OBJECTS_H
#define SYSTEM_QMP_OBJECTS_H

/*
 * Register object-add ({"qom-type": T, "id": ID, properties flat, as in QEMU}) and object-del
 * ({"id": ID}; refused while a device still uses the object). Call once at start-up.
 */
void qmp_register_object_commands(void);

#endif /* SYSTEM_QMP_OBJECTS_H */
