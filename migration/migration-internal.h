/*
 * Inside the migration core: the registry's instances, the stream format (stream.c), RAM
 * (ram.c) and the state machine (migration.c, source.c, destination.c) share these.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_INTERNAL_H
#define MIGRATION_INTERNAL_H

#include "migration/register.h"
#include "migration/migration.h"
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
/* False with @errp ("migration is blocked: REASON; ...") when a blocker is registered. */
bool hd_mig_check_blockers(GError **errp);

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

/* ---- migration.c: the one migration, either end ---- */

typedef struct HdMigState {
    HdMigStatus status;
    bool incoming;
    int fd;                 /* the stream */
    int listen_fd;          /* destination: the listening socket, -1 once accepted */
    guint source_id;        /* tick (source) or fd watch (destination) */
    HdMigSink *sink;
    HdMigParser *parser;
    char *error;
    gint64 start_us, setup_done_us, stop_us, end_us;
    uint64_t bytes;          /* written or read */
    uint64_t pass;           /* dirty-sync count */
    uint64_t remaining;      /* RAM dirty bytes at the last sync */
    uint64_t dirty_rate;     /* pages per second dirtied in the last pass */
    gint64 pass_start_us;
    uint64_t pass_bytes;
    uint64_t pass_pages;     /* RAM pages sent (zero or not) at the pass's start */
    uint64_t budget_bytes;   /* bandwidth limit accounting */
    gint64 budget_start_us;
    bool was_running;
    bool config_seen, end_seen;
    uint64_t sections;
} HdMigState;
extern HdMigState hd_mig;
/* Set the status (trace point, MIGRATION event when the capability is on). */
void hd_mig_set_status(HdMigStatus s);

/* source.c: end the source's migration (@failed: bring the VM and devices back). */
void hd_mig_source_cleanup(bool failed);
/* destination.c: end the incoming stream (@complete: loaded), returns @err for chaining; and
 * at shutdown, end it quietly and close the listening socket. */
GError *hd_mig_incoming_end(GError *err, bool complete);
void hd_mig_incoming_shutdown(void);

#endif /* MIGRATION_INTERNAL_H */
