/*
 * Inside the migration core: the registry's instances, the stream format (stream.c) and the
 * state machine (migration.c) share these.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_INTERNAL_H
#define MIGRATION_INTERNAL_H

#include "migration/register.h"

/* One registered owner of state. */
typedef struct HdMigInstance {
    char *name;   /* fixed name, or the device's QOM path once resolved */
    HdDevice *dev; /* NULL: not a device */
    const HdMigrationOps *ops;
    void *opaque;
    bool set_up; /* save_setup or load_setup ran: cleanup is owed */
} HdMigInstance;

/* The instances in registration order (the array is the registry's). */
GPtrArray *hd_mig_instances(void);
/* @in's name in the stream (the device's QOM path for devices). */
const char *hd_mig_instance_name(HdMigInstance *in);
/* The blockers' reasons now (free with g_ptr_array_unref). */
GPtrArray *hd_mig_blocked_reasons(void);

#endif /* MIGRATION_INTERNAL_H */
