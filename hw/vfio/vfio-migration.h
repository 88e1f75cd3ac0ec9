/*
 * VFIO migration v2 (hw/vfio/migration.c): a device's migration state machine and its data fd
 * streamed as "vfio-data" sections, for any VFIO frontend; vfio-pci registers it.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_VFIO_MIGRATION_H
#define HW_VFIO_VFIO_MIGRATION_H

#include <glib.h>
#include <linux/vfio.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/vfio/vfio-common.h"
#include "migration/register.h"

/* The section kind of the device's data, and the most bytes one section holds. */
#define VFIO_MIGRATION_KIND "vfio-data"
#define VFIO_MIGRATION_CHUNK (1024 * 1024)

typedef struct VFIOMigration VFIOMigration;

/* What the frontend adds to the device's own data (vfio-pci: its PCI config state). */
typedef struct VFIOMigrationClient {
    /* Optional. Write the frontend's sections after the device data (the VM is stopped). */
    bool (*save_state)(void *opaque, HdMigSink *sink, GError **errp);
    /* Optional. Load a section of a kind other than VFIO_MIGRATION_KIND; without it such a
     * section is refused. */
    bool (*load_state)(void *opaque, const char *kind, const uint8_t *data, size_t len,
                       GError **errp);
} VFIOMigrationClient;

/* enable-migration=on|off|auto */
typedef enum VFIOMigrationMode {
    VFIO_MIGRATION_MODE_AUTO,
    VFIO_MIGRATION_MODE_ON,
    VFIO_MIGRATION_MODE_OFF,
} VFIOMigrationMode;

/* "auto" (or NULL), "on", "off" into @mode; false with @errp set otherwise. */
bool vfio_migration_mode_parse(const char *text, VFIOMigrationMode *mode, GError **errp);

/*
 * VFIO_DEVICE_FEATURE_MIGRATION (GET): 0 with *@flags (VFIO_MIGRATION_STOP_COPY, _P2P,
 * _PRE_COPY), or -errno (-ENOTTY/-EINVAL: the driver has no migration support).
 */
int vfio_migration_probe(VFIODevice *vbasedev, uint64_t *flags);

/* Whether the pages @vbasedev writes by DMA are tracked: its container's IOMMU keeps a dirty
 * bitmap. (Device-side DMA logging is not used.) */
bool vfio_migration_dma_tracked(VFIODevice *vbasedev);

typedef enum VFIOMigrationVerdict {
    VFIO_MIGRATION_MIGRATE, /* register the device's state */
    VFIO_MIGRATION_BLOCK,   /* add a blocker with the reason */
    VFIO_MIGRATION_REFUSE,  /* fail realize with the reason */
} VFIOMigrationVerdict;

/*
 * What enable-migration=@mode makes of a device whose probe returned @probe_ret and @flags and
 * whose DMA is (not) @dma_tracked. *@reason (g_free) says why for BLOCK and REFUSE, and for
 * MIGRATE carries a warning when the device migrates without dirty tracking (NULL otherwise).
 * The reason does not name the device: the frontend prefixes it.
 */
VFIOMigrationVerdict vfio_migration_decide(VFIOMigrationMode mode, int probe_ret, uint64_t flags,
                                           bool dma_tracked, char **reason);

/* The kernel's name of a migration state ("running", "stop-copy", ...). */
const char *vfio_migration_state_name(enum vfio_device_mig_state state);

/*
 * The walk from @from to @to over the arcs the v2 FSM defines for a device offering @flags
 * (P2P and PRE_COPY states only when offered; with P2P, RUNNING and STOP are joined through
 * RUNNING_P2P, PRE_COPY and STOP_COPY through PRE_COPY_P2P): the states after @from, at most
 * @max of them into @steps. Returns their count (0: already there), -1 when there is no walk
 * (an unoffered state, ERROR) or it is longer than @max.
 */
int vfio_migration_plan(enum vfio_device_mig_state from, enum vfio_device_mig_state to,
                        uint64_t flags, enum vfio_device_mig_state *steps, int max);

/*
 * The migration state of an attached @vbasedev whose probe gave @flags (with STOP_COPY).
 * @precopy_dirty_sync false (x-pre-copy-dirty-page-tracking=off): RAM dirty pages are not
 * synced for its container while it runs in precopy. @client and @opaque may be NULL.
 * A device found in another state than RUNNING (left so by an earlier user) is brought there.
 */
VFIOMigration *vfio_migration_new(VFIODevice *vbasedev, uint64_t flags, bool precopy_dirty_sync,
                                  const VFIOMigrationClient *client, void *opaque);
/* Close the data fd, bring the device back to RUNNING if it is elsewhere, free. NULL is a
 * no-op. */
void vfio_migration_free(VFIOMigration *mig);

/* The state hostdev last set (or found after a failure). */
enum vfio_device_mig_state vfio_migration_state(VFIOMigration *mig);

/*
 * Walk the device to @target one arc at a time (VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE SET),
 * keeping the data fd an arc returns. On failure the device is brought back to RUNNING (reset
 * when the kernel reports ERROR, which the message then says) and false returns with @errp
 * set.
 */
bool vfio_migration_set_state(VFIOMigration *mig, enum vfio_device_mig_state target,
                              GError **errp);

/* The migration core's handlers; their opaque is the VFIOMigration. */
extern const HdMigrationOps vfio_migration_ops;

/*
 * Stream helpers. Read @fd into VFIO_MIGRATION_KIND sections of at most VFIO_MIGRATION_CHUNK
 * bytes until end of file or, with @precopy, until the device has nothing more for now
 * (ENOMSG, ENODATA) or about @budget bytes went; *@sent: bytes written to @sink. False with
 * @errp set on a read or stream failure.
 */
bool vfio_migration_read_data(int fd, HdMigSink *sink, bool precopy, uint64_t budget,
                              uint64_t *sent, GError **errp);
/* Write all @len bytes of @data to @fd (short writes continued). False with @errp set. */
bool vfio_migration_write_data(int fd, const uint8_t *data, size_t len, GError **errp);

#endif /* HW_VFIO_VFIO_MIGRATION_H */
