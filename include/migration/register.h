/*
 * Device state in migration: what a device (or any other owner of VM state) registers so the
 * migration core saves its state on the source and loads it on the destination, and the
 * blockers that refuse a migration, naming what cannot be migrated.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_REGISTER_H
#define MIGRATION_REGISTER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qom/device.h"

/* Where a saving handler writes its sections (owned by the core). */
typedef struct HdMigSink HdMigSink;

/*
 * Append one section of @len bytes to the stream, tagged @kind (a short name chosen by the
 * handler, e.g. "vfio-data", "pci-config"; [a-z0-9-], at most 32 characters). The core names
 * the section "INSTANCE/KIND" and checks its length and checksum on the destination. False with
 * @errp set when the stream failed (the handler returns that failure).
 */
bool hd_mig_put(HdMigSink *sink, const char *kind, const void *data, size_t len, GError **errp);

/*
 * A sink that keeps the sections in memory instead of writing a stream (unit tests; a device
 * that gathers its state first). Free with hd_mig_sink_free().
 */
HdMigSink *hd_mig_sink_new_memory(void);
/* How many sections @sink holds; section @i's kind and bytes (borrowed). */
guint hd_mig_sink_count(HdMigSink *sink);
const char *hd_mig_sink_kind(HdMigSink *sink, guint i);
GBytes *hd_mig_sink_data(HdMigSink *sink, guint i);
void hd_mig_sink_free(HdMigSink *sink);

/*
 * Handlers, each optional. Source: save_setup once when the migration starts (VM running),
 * save_iterate during precopy (VM running), save_complete once with the VM stopped, then
 * save_cleanup (also after a failure or cancel: the device must be back in its running state
 * when the VM runs again). Destination: load_setup before the first section, load_section for
 * each of the instance's sections in stream order, load_complete after the last section of the
 * stream (the VM has not run yet), load_cleanup always at the end (@failed: the stream was
 * refused; the destination does not run the VM).
 */
typedef struct HdMigrationOps {
    bool (*save_setup)(void *opaque, GError **errp);
    /*
     * Write what is ready now, at most about @budget bytes (it may write nothing); set
     * *@pending to the bytes the device still has to send before it could stop (its precopy
     * estimate). False with @errp set fails the migration.
     */
    bool (*save_iterate)(void *opaque, HdMigSink *sink, uint64_t budget, uint64_t *pending,
                         GError **errp);
    /* The device's final state; the VM is stopped. */
    bool (*save_complete)(void *opaque, HdMigSink *sink, GError **errp);
    void (*save_cleanup)(void *opaque, bool failed);
    bool (*load_setup)(void *opaque, GError **errp);
    bool (*load_section)(void *opaque, const char *kind, const uint8_t *data, size_t len,
                         GError **errp);
    bool (*load_complete)(void *opaque, GError **errp);
    void (*load_cleanup)(void *opaque, bool failed);
} HdMigrationOps;

/*
 * Register @dev's state with @ops (called with @opaque). The instance is named by the device's
 * QOM path, resolved when a migration starts, so source and destination built from the same
 * command line agree. Instances save and load in registration order.
 */
void hd_migration_register_device(HdDevice *dev, const HdMigrationOps *ops, void *opaque);
/* The same for state that is not a device, under the fixed @name (e.g. "ram", "cpu/0"). */
void hd_migration_register(const char *name, const HdMigrationOps *ops, void *opaque);
/* Forget every registration made with @opaque (device unrealize). */
void hd_migration_unregister(void *opaque);

/*
 * Block migration while @owner exists: "migrate" and "migrate-incoming" fail with @reason
 * (a sentence naming the device and why, e.g. "vfio-pci 'edu0' (0000:00:04.0): the device has
 * no VFIO migration support"), and query-migrate lists it in blocked-reasons.
 */
void hd_migration_add_blocker(void *owner, const char *reason);
/* Drop the blockers added for @owner. */
void hd_migration_remove_blockers(void *owner);

#endif /* MIGRATION_REGISTER_H */
