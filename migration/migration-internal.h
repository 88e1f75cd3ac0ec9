/*
 * Inside the migration core: the registry's instances, the stream format (stream.c) and the
 * state machine (migration.c) share these.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_INTERNAL_H
#define MIGRATION_INTERNAL_H

#include "migration/register.h"
#include "stream.h"

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

/* Source side of @uri: a connected socket, a getfd fd or a new file; -1 with @errp set. */
int hd_mig_transport_connect(const char *uri, GError **errp);
/* Destination side: a listening socket (*@is_listener) or a readable fd; -1 with @errp. */
int hd_mig_transport_listen(const char *uri, bool *is_listener, GError **errp);

/* ---- ram.c: guest RAM in the stream ---- */

/* Guest RAM's name and size, for the stream's config section. */
const char *hd_mig_ram_name(void);
uint64_t hd_mig_ram_size(void);
/* Source: start dirty tracking with every page dirty. False with @errp set. */
bool hd_mig_ram_setup(GError **errp);
/* Source: send dirty pages, at most about @budget bytes; *@pass_done when no dirty page is
 * left in this pass. Returns bytes written, -1 with @errp on a stream failure. */
int64_t hd_mig_ram_send(HdMigWriteFunc write, void *opaque, uint64_t budget, bool *pass_done,
                        GError **errp);
/* Source: merge the dirty logs (KVM, VFIO, writes) into the bitmap; dirty bytes now. */
uint64_t hd_mig_ram_sync(void);
/* Source: stop dirty tracking. */
void hd_mig_ram_cleanup(void);
/* Destination: one "ram/..." section. False with @errp naming what is wrong. */
bool hd_mig_ram_load(const char *kind, const uint8_t *data, size_t len, GError **errp);
/* Statistics of the current migration. */
typedef struct HdMigRamStats {
    uint64_t normal_pages, zero_pages, bytes;
} HdMigRamStats;
HdMigRamStats hd_mig_ram_stats(void);

#endif /* MIGRATION_INTERNAL_H */
