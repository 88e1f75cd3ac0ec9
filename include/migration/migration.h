/*
 * Migration as the rest of hostdev drives it: start-up's -incoming, QMP's migrate,
 * migrate-incoming, migrate_cancel and query-migrate, capabilities and parameters.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_MIGRATION_H
#define MIGRATION_MIGRATION_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* query-migrate's status (QEMU's names). */
typedef enum HdMigStatus {
    HD_MIG_NONE,
    HD_MIG_SETUP,
    HD_MIG_ACTIVE,
    HD_MIG_DEVICE, /* the VM is stopped: the last of RAM and the devices' state go */
    HD_MIG_COMPLETED,
    HD_MIG_FAILED,
    HD_MIG_CANCELLING,
    HD_MIG_CANCELLED,
} HdMigStatus;

typedef struct HdMigParams {
    uint64_t downtime_limit_ms; /* stop and copy once the rest would take no longer */
    uint64_t max_bandwidth;     /* bytes per second */
} HdMigParams;

const char *hd_mig_status_name(HdMigStatus s);
/* The parameters and the "events" capability, changed by QMP. */
HdMigParams *hd_mig_params(void);
bool *hd_mig_cap_events(void);

/* -incoming URI|defer (and -S: stay paused after it): remembered until start-up's end. */
void hd_migration_set_incoming(const char *uri, bool start_paused);
/* At start-up's end: the run state becomes inmigrate and the URI listens (not for defer). */
bool hd_migration_start_incoming(GError **errp);

/* QMP migrate: connect and start; false with @errp when it could not start (blocked, busy,
 * the URI failed). Failures after the start show in query-migrate. */
bool hd_migration_start(const char *uri, GError **errp);
/* QMP migrate-incoming (after -incoming defer). */
bool hd_migration_incoming(const char *uri, GError **errp);
/* QMP migrate_cancel: the source goes back to running. */
bool hd_migration_cancel(GError **errp);
/* The current or last migration's status. */
HdMigStatus hd_migration_status(void);
/* QMP query-migrate's reply. */
JsonObject *hd_migration_query(void);

/*
 * Load a whole stream from memory into this VM, as a destination would, but without touching
 * the run state or query-migrate's status (the fuzz target). False with @errp set, saying what
 * was refused; the devices were left as load_cleanup(failed) leaves them.
 */
bool hd_migration_load_buffer(const uint8_t *data, size_t len, GError **errp);

/* At exit: stop any migration, give back fds and devices' migration states. */
void hd_migration_shutdown(void);

/* Register the QMP commands (migration-qmp.c). */
void qmp_register_migration_commands(void);

#endif /* MIGRATION_MIGRATION_H */
