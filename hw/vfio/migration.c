/*
 * VFIO migration v2: the device's state machine walked arc by arc through
 * VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, its data fd read into "vfio-data" sections on the
 * source (precopy, then stop-copy) and written back in RESUMING on the destination.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>

#include "hw/vfio/vfio-container-base.h"
#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-sys.h"
#include "system/runstate.h"
#include "trace.h"
#include "vfio-internal.h"
#include "vfio-migration.h"

struct VFIOMigration {
    VFIODevice *vbasedev;
    uint64_t flags;                      /* VFIO_MIGRATION_* the device offers */
    bool precopy_dirty_sync;             /* x-pre-copy-dirty-page-tracking */
    const VFIOMigrationClient *client;
    void *opaque;
    enum vfio_device_mig_state state;    /* as last set */
    int data_fd;                         /* the saving or resuming session, -1: none */
    bool saving;                         /* between save_setup and save_cleanup */
    GError *stop_error;                  /* entering stop-copy at the VM's stop failed */
    uint64_t bytes;                      /* data moved in this session, for the trace */
};

/* --- pure parts --- */

bool vfio_migration_mode_parse(const char *text, VFIOMigrationMode *mode, GError **errp)
{
    if (!text || !strcmp(text, "auto")) {
        *mode = VFIO_MIGRATION_MODE_AUTO;
    } else if (!strcmp(text, "on")) {
        *mode = VFIO_MIGRATION_MODE_ON;
    } else if (!strcmp(text, "off")) {
        *mode = VFIO_MIGRATION_MODE_OFF;
    } else {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "enable-migration=%s is not valid; use on, off or auto", text);
        return false;
    }
    return true;
}

VFIOMigrationVerdict vfio_migration_decide(VFIOMigrationMode mode, int probe_ret, uint64_t flags,
                                           bool dma_tracked, char **reason)
{
    *reason = NULL;
    if (mode == VFIO_MIGRATION_MODE_OFF) {
        *reason = g_strdup("migration is disabled for this device (enable-migration=off)");
        return VFIO_MIGRATION_BLOCK;
    }
    if (probe_ret < 0 || !(flags & VFIO_MIGRATION_STOP_COPY)) {
        *reason = probe_ret < 0
                      ? g_strdup_printf("the device's VFIO driver has no migration support (VFIO_DEVICE_FEATURE_MIGRATION: %s)",
                                        g_strerror(-probe_ret))
                      : g_strdup_printf("the device's VFIO driver offers no stop-copy migration (flags 0x%" G_GINT64_MODIFIER "x)",
                                        flags);
        return mode == VFIO_MIGRATION_MODE_ON ? VFIO_MIGRATION_REFUSE : VFIO_MIGRATION_BLOCK;
    }
    if (!dma_tracked) {
        if (mode == VFIO_MIGRATION_MODE_AUTO) {
            *reason = g_strdup("neither the device nor its IOMMU tracks the pages it writes by DMA; set enable-migration=on to migrate with all of its DMA-mapped RAM sent as dirty at every pass");
            return VFIO_MIGRATION_BLOCK;
        }
        *reason = g_strdup("neither the device nor its IOMMU tracks the pages it writes by DMA: all of its DMA-mapped RAM counts as dirty at every pass (enable-migration=on)");
    }
    return VFIO_MIGRATION_MIGRATE;
}

const char *vfio_migration_state_name(enum vfio_device_mig_state state)
{
    static const char *const names[VFIO_DEVICE_STATE_NR] = {
        [VFIO_DEVICE_STATE_ERROR] = "error",
        [VFIO_DEVICE_STATE_STOP] = "stop",
        [VFIO_DEVICE_STATE_RUNNING] = "running",
        [VFIO_DEVICE_STATE_STOP_COPY] = "stop-copy",
        [VFIO_DEVICE_STATE_RESUMING] = "resuming",
        [VFIO_DEVICE_STATE_RUNNING_P2P] = "running-p2p",
        [VFIO_DEVICE_STATE_PRE_COPY] = "pre-copy",
        [VFIO_DEVICE_STATE_PRE_COPY_P2P] = "pre-copy-p2p",
    };

    return (unsigned)state < VFIO_DEVICE_STATE_NR ? names[state] : "unknown";
}

/* Whether the FSM has the arc @a -> @b for a device offering @flags. */
static bool arc(enum vfio_device_mig_state a, enum vfio_device_mig_state b, uint64_t flags)
{
    bool p2p = flags & VFIO_MIGRATION_P2P;
    bool pre = flags & VFIO_MIGRATION_PRE_COPY;

#define ARC(x, y) (a == VFIO_DEVICE_STATE_##x && b == VFIO_DEVICE_STATE_##y)
    if (ARC(STOP, STOP_COPY) || ARC(STOP_COPY, STOP) || ARC(STOP, RESUMING) ||
        ARC(RESUMING, STOP)) {
        return true;
    }
    if (!p2p && (ARC(RUNNING, STOP) || ARC(STOP, RUNNING))) {
        return true;
    }
    if (p2p && (ARC(RUNNING, RUNNING_P2P) || ARC(RUNNING_P2P, RUNNING) ||
                ARC(RUNNING_P2P, STOP) || ARC(STOP, RUNNING_P2P))) {
        return true;
    }
    if (pre && (ARC(RUNNING, PRE_COPY) || ARC(PRE_COPY, RUNNING))) {
        return true;
    }
    if (pre && !p2p && ARC(PRE_COPY, STOP_COPY)) {
        return true;
    }
    if (pre && p2p &&
        (ARC(PRE_COPY, PRE_COPY_P2P) || ARC(PRE_COPY_P2P, PRE_COPY) ||
         ARC(RUNNING_P2P, PRE_COPY_P2P) || ARC(PRE_COPY_P2P, RUNNING_P2P) ||
         ARC(PRE_COPY_P2P, STOP_COPY))) {
        return true;
    }
#undef ARC
    return false;
}

int vfio_migration_plan(enum vfio_device_mig_state from, enum vfio_device_mig_state to,
                        uint64_t flags, enum vfio_device_mig_state *steps, int max)
{
    int prev[VFIO_DEVICE_STATE_NR];
    int queue[VFIO_DEVICE_STATE_NR];
    int head = 0, tail = 0, n = 0;

    if ((unsigned)from >= VFIO_DEVICE_STATE_NR || (unsigned)to >= VFIO_DEVICE_STATE_NR) {
        return -1;
    }
    if (from == to) {
        return 0;
    }
    /* Breadth first over at most 8 states: the shortest walk. */
    for (int i = 0; i < VFIO_DEVICE_STATE_NR; i++) {
        prev[i] = -1;
    }
    prev[from] = from;
    queue[tail++] = from;
    while (head < tail && prev[to] < 0) {
        int s = queue[head++];

        for (int t = 0; t < VFIO_DEVICE_STATE_NR; t++) {
            if (prev[t] < 0 && arc(s, t, flags)) {
                prev[t] = s;
                queue[tail++] = t;
            }
        }
    }
    if (prev[to] < 0) {
        return -1;
    }
    for (int s = to; s != (int)from; s = prev[s]) {
        n++;
    }
    if (n > max) {
        return -1;
    }
    for (int s = to, i = n - 1; s != (int)from; s = prev[s], i--) {
        steps[i] = s;
    }
    return n;
}

/* --- the kernel side --- */

int vfio_migration_probe(VFIODevice *vbasedev, uint64_t *flags)
{
    struct vfio_device_feature_migration mig = {0};
    int ret = vfio_device_feature(vbasedev, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
                                  &mig, sizeof(mig));

    *flags = ret < 0 ? 0 : mig.flags;
    trace_vfio_migration_probe(vbasedev->name, ret, *flags);
    return ret;
}

bool vfio_migration_dma_tracked(VFIODevice *vbasedev)
{
    return vbasedev->container && (vfio_container_get_dirty_pgsizes(vbasedev->container) != 0 ||
                                   vfio_device_dma_logging_probe(vbasedev));
}

/* One SET of the device state: 0 with *@data_fd (-1 when the arc gives none), or -errno. */
static int set_one(VFIODevice *vbasedev, enum vfio_device_mig_state state, int *data_fd)
{
    struct {
        struct vfio_device_feature hdr;
        struct vfio_device_feature_mig_state mig;
    } arg = {
        .hdr = {
            .argsz = sizeof(arg),
            .flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
        },
        .mig = {.device_state = state, .data_fd = -1},
    };
    int ret = vfio_sys_ioctl(vbasedev->fd, VFIO_DEVICE_FEATURE, &arg);

    *data_fd = ret < 0 ? -1 : arg.mig.data_fd;
    return ret < 0 ? ret : 0;
}

/* GET of the device state: 0 with *@state, or -errno. */
static int get_state(VFIODevice *vbasedev, enum vfio_device_mig_state *state)
{
    struct vfio_device_feature_mig_state mig = {.data_fd = -1};
    int ret = vfio_device_feature(
        vbasedev, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &mig,
        sizeof(mig));

    if (ret == 0) {
        *state = mig.device_state;
    }
    return ret;
}

static void close_data_fd(VFIOMigration *mig)
{
    if (mig->data_fd >= 0) {
        vfio_sys_close(mig->data_fd);
        mig->data_fd = -1;
    }
}

/* Walk to @target without recovery; -errno of the failed arc. */
static int walk(VFIOMigration *mig, enum vfio_device_mig_state target)
{
    enum vfio_device_mig_state steps[VFIO_DEVICE_STATE_NR];
    int n = vfio_migration_plan(mig->state, target, mig->flags, steps, VFIO_DEVICE_STATE_NR);

    if (n < 0) {
        return -EINVAL;
    }
    for (int i = 0; i < n; i++) {
        int fd = -1;
        int ret = set_one(mig->vbasedev, steps[i], &fd);

        trace_vfio_migration_set_state(mig->vbasedev->name, vfio_migration_state_name(mig->state),
                                       vfio_migration_state_name(steps[i]), ret, fd);
        if (ret < 0) {
            return ret;
        }
        mig->state = steps[i];
        if (fd >= 0) {
            /* A new session: the arcs into PRE_COPY, STOP_COPY or RESUMING. */
            close_data_fd(mig);
            mig->data_fd = fd;
            mig->bytes = 0;
        }
        /* Leaving the saving or resuming group ends the session. */
        if (mig->state == VFIO_DEVICE_STATE_RUNNING || mig->state == VFIO_DEVICE_STATE_STOP ||
            mig->state == VFIO_DEVICE_STATE_RUNNING_P2P) {
            close_data_fd(mig);
        }
    }
    return 0;
}

/*
 * After a failed arc: find where the device is and bring it back to RUNNING; a device in ERROR
 * (or that cannot get back) is reset, which the kernel defines as RUNNING. Appends what was
 * done to @msg.
 */
static void recover(VFIOMigration *mig, GString *msg)
{
    enum vfio_device_mig_state now = VFIO_DEVICE_STATE_NR; /* unknown */
    int ret = get_state(mig->vbasedev, &now);

    close_data_fd(mig);
    if (ret == 0) {
        mig->state = now;
        if (now != VFIO_DEVICE_STATE_ERROR && walk(mig, VFIO_DEVICE_STATE_RUNNING) == 0) {
            g_string_append(msg, "; the device is back in running");
            return;
        }
        close_data_fd(mig);
    }
    ret = vfio_device_reset(mig->vbasedev);
    trace_vfio_migration_error_reset(mig->vbasedev->name, ret);
    mig->state = VFIO_DEVICE_STATE_RUNNING;
    if (now == VFIO_DEVICE_STATE_ERROR) {
        g_string_append(msg, "; the kernel put the device in its ERROR state");
    }
    if (ret < 0) {
        g_string_append_printf(msg, "; resetting the device failed (%s): detach it (device_del)",
                               g_strerror(-ret));
        return;
    }
    g_string_append(msg, "; the device was reset and runs again");
}

bool vfio_migration_set_state(VFIOMigration *mig, enum vfio_device_mig_state target,
                              GError **errp)
{
    enum vfio_device_mig_state from = mig->state;
    g_autoptr(GString) msg = NULL;
    int ret = walk(mig, target);

    if (ret == 0) {
        return true;
    }
    msg = g_string_new(NULL);
    g_string_printf(msg, "VFIO device %s: changing its migration state from %s to %s failed at %s: %s",
                    mig->vbasedev->name, vfio_migration_state_name(from),
                    vfio_migration_state_name(target), vfio_migration_state_name(mig->state),
                    g_strerror(-ret));
    recover(mig, msg);
    g_set_error_literal(errp, VFIO_ERROR, -ret, msg->str);
    return false;
}

/* --- the data stream --- */

bool vfio_migration_read_data(int fd, HdMigSink *sink, bool precopy, uint64_t budget,
                              uint64_t *sent, GError **errp)
{
    g_autofree uint8_t *buf = g_malloc(VFIO_MIGRATION_CHUNK);

    *sent = 0;
    for (;;) {
        size_t want = VFIO_MIGRATION_CHUNK;
        ssize_t n;

        if (precopy && *sent >= budget) {
            return true;
        }
        if (precopy && budget - *sent < want) {
            want = budget - *sent;
        }
        n = vfio_sys_read(fd, buf, want);
        if (n == -EINTR) {
            continue;
        }
        if (precopy && (n == -ENOMSG || n == -ENODATA)) {
            return true; /* nothing more for now */
        }
        if (n < 0) {
            g_set_error(errp, VFIO_ERROR, (int)-n, "reading the device's migration data failed: %s",
                        g_strerror((int)-n));
            return false;
        }
        if (n == 0) {
            return true;
        }
        trace_vfio_migration_save_chunk(fd, n);
        if (!hd_mig_put(sink, VFIO_MIGRATION_KIND, buf, n, errp)) {
            return false;
        }
        *sent += n;
    }
}

bool vfio_migration_write_data(int fd, const uint8_t *data, size_t len, GError **errp)
{
    while (len) {
        ssize_t n = vfio_sys_write(fd, data, len);

        if (n == -EINTR) {
            continue;
        }
        if (n <= 0) {
            int err = n < 0 ? (int)-n : EIO;

            g_set_error(errp, VFIO_ERROR, err,
                        "writing migration data into the device failed with %zu bytes left: %s",
                        len, g_strerror(err));
            return false;
        }
        data += n;
        len -= n;
    }
    return true;
}

/* --- the handlers --- */

static bool in_precopy(VFIOMigration *mig)
{
    return mig->state == VFIO_DEVICE_STATE_PRE_COPY ||
           mig->state == VFIO_DEVICE_STATE_PRE_COPY_P2P;
}

/* The VM stopped to finish the migration: stop the device now, before RAM's last pass. */
static void enter_stop_copy(VFIOMigration *mig, GError **errp)
{
    if (mig->state != VFIO_DEVICE_STATE_STOP_COPY) {
        vfio_migration_set_state(mig, VFIO_DEVICE_STATE_STOP_COPY, errp);
    }
    mig->vbasedev->dirty_sync_paused = false;
}

/* Every device with migration support, for the VM-wide stop and start below. */
static GList *migrations;

/* Whether @mig takes part in the P2P phase: the device offers it and is in the running group. */
static bool p2p_quiesce(VFIOMigration *mig)
{
    return (mig->flags & VFIO_MIGRATION_P2P) &&
           (mig->state == VFIO_DEVICE_STATE_RUNNING || in_precopy(mig));
}

static void warn_runstate(VFIOMigration *mig, HdRunState new_state, GError **err)
{
    trace_vfio_migration_runstate(mig->vbasedev->name, hd_runstate_name(new_state),
                                  vfio_migration_state_name(mig->state));
    if (*err) {
        g_warning("%s", (*err)->message);
        g_clear_error(err);
    }
}

/*
 * The VM stops to finish a migration: every saving device that offers P2P first stops
 * initiating DMA to the others (RUNNING_P2P, or PRE_COPY_P2P in precopy) while still answering
 * theirs, and only then does any device stop (STOP_COPY), so no device is left with a peer's
 * request it can no longer complete. A failure is kept for save_complete: a device that failed
 * here (maybe reset) must not be sent.
 */
static void stop_all_for_finish(void)
{
    for (GList *l = migrations; l; l = l->next) {
        VFIOMigration *mig = l->data;
        g_autoptr(GError) err = NULL;

        if (mig->saving && !mig->stop_error && p2p_quiesce(mig)) {
            vfio_migration_set_state(mig, in_precopy(mig) ? VFIO_DEVICE_STATE_PRE_COPY_P2P
                                                          : VFIO_DEVICE_STATE_RUNNING_P2P,
                                     &err);
            if (err) {
                mig->stop_error = g_steal_pointer(&err);
            }
        }
    }
    for (GList *l = migrations; l; l = l->next) {
        VFIOMigration *mig = l->data;
        g_autoptr(GError) err = NULL;

        if (!mig->saving) {
            continue;
        }
        if (!mig->stop_error) {
            enter_stop_copy(mig, &err);
            if (err) {
                mig->stop_error = g_error_copy(err);
            }
        }
        mig->vbasedev->dirty_sync_paused = false;
        warn_runstate(mig, HD_RUN_STATE_FINISH_MIGRATE, &err);
    }
}

/* Whether @mig must start running with the VM (a source after cont, a loaded destination). */
static bool starts_with_vm(VFIOMigration *mig)
{
    return !mig->saving && mig->state != VFIO_DEVICE_STATE_RUNNING &&
           mig->state != VFIO_DEVICE_STATE_RESUMING;
}

/* The VM runs again: the mirror of the stop, every P2P device in RUNNING_P2P before any runs. */
static void start_all_with_vm(void)
{
    for (GList *l = migrations; l; l = l->next) {
        VFIOMigration *mig = l->data;
        g_autoptr(GError) err = NULL;

        if (starts_with_vm(mig) && (mig->flags & VFIO_MIGRATION_P2P) &&
            mig->state != VFIO_DEVICE_STATE_RUNNING_P2P) {
            vfio_migration_set_state(mig, VFIO_DEVICE_STATE_RUNNING_P2P, &err);
            warn_runstate(mig, HD_RUN_STATE_RUNNING, &err);
        }
    }
    for (GList *l = migrations; l; l = l->next) {
        VFIOMigration *mig = l->data;
        g_autoptr(GError) err = NULL;

        if (starts_with_vm(mig)) {
            vfio_migration_set_state(mig, VFIO_DEVICE_STATE_RUNNING, &err);
            warn_runstate(mig, HD_RUN_STATE_RUNNING, &err);
        }
    }
}

static void runstate_changed(HdRunState old_state, HdRunState new_state, void *opaque)
{
    (void)old_state;
    (void)opaque;
    if (new_state == HD_RUN_STATE_FINISH_MIGRATE) {
        stop_all_for_finish();
    } else if (new_state == HD_RUN_STATE_RUNNING) {
        start_all_with_vm();
    }
}

static bool save_setup(void *opaque, GError **errp)
{
    VFIOMigration *mig = opaque;

    mig->saving = true;
    g_clear_error(&mig->stop_error);
    if (!(mig->flags & VFIO_MIGRATION_PRE_COPY)) {
        return true;
    }
    if (!vfio_migration_set_state(mig, VFIO_DEVICE_STATE_PRE_COPY, errp)) {
        return false;
    }
    mig->vbasedev->dirty_sync_paused = !mig->precopy_dirty_sync;
    return true;
}

/* *@pending from VFIO_MIG_GET_PRECOPY_INFO; false with @errp set. */
static bool precopy_pending(VFIOMigration *mig, uint64_t *pending, GError **errp)
{
    struct vfio_precopy_info info = {.argsz = sizeof(info)};
    int ret = vfio_sys_ioctl(mig->data_fd, VFIO_MIG_GET_PRECOPY_INFO, &info);

    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "VFIO device %s: asking how much precopy data is left failed: %s",
                    mig->vbasedev->name, g_strerror(-ret));
        return false;
    }
    trace_vfio_migration_precopy_info(mig->vbasedev->name, info.initial_bytes, info.dirty_bytes);
    *pending = info.initial_bytes + info.dirty_bytes;
    return true;
}

static bool save_iterate(void *opaque, HdMigSink *sink, uint64_t budget, uint64_t *pending,
                         GError **errp)
{
    VFIOMigration *mig = opaque;
    uint64_t sent = 0;

    *pending = 0;
    if (!in_precopy(mig) || mig->data_fd < 0) {
        return true;
    }
    if (!vfio_migration_read_data(mig->data_fd, sink, true, budget, &sent, errp)) {
        g_prefix_error(errp, "VFIO device %s: ", mig->vbasedev->name);
        return false;
    }
    mig->bytes += sent;
    trace_vfio_migration_save_done(mig->vbasedev->name, "precopy", sent);
    return precopy_pending(mig, pending, errp);
}

static bool save_complete(void *opaque, HdMigSink *sink, GError **errp)
{
    VFIOMigration *mig = opaque;
    GError *err = NULL;
    uint64_t sent = 0;

    if (mig->stop_error) {
        g_propagate_error(errp, g_steal_pointer(&mig->stop_error));
        return false;
    }
    enter_stop_copy(mig, &err);
    if (err) {
        g_propagate_error(errp, err);
        return false;
    }
    if (mig->data_fd < 0) {
        g_set_error(errp, VFIO_ERROR, EBADF,
                    "VFIO device %s: the kernel gave no migration data fd in stop-copy",
                    mig->vbasedev->name);
        return false;
    }
    if (!vfio_migration_read_data(mig->data_fd, sink, false, 0, &sent, errp)) {
        g_prefix_error(errp, "VFIO device %s: ", mig->vbasedev->name);
        return false;
    }
    mig->bytes += sent;
    trace_vfio_migration_save_done(mig->vbasedev->name, "stop-copy", sent);
    /* The frontend's state after the device's (vfio-pci: config space, MSI-X). */
    if (mig->client && mig->client->save_state &&
        !mig->client->save_state(mig->opaque, sink, errp)) {
        return false;
    }
    return true;
}

static void save_cleanup(void *opaque, bool failed)
{
    VFIOMigration *mig = opaque;
    g_autoptr(GError) err = NULL;
    bool vm_stopped = !failed && !hd_runstate_is_running();

    mig->saving = false;
    mig->vbasedev->dirty_sync_paused = false;
    g_clear_error(&mig->stop_error);
    /*
     * A migration that failed or was cancelled leaves the device running as it was. One that
     * completed leaves it stopped with the VM (postmigrate); it runs again with a "cont".
     */
    vfio_migration_set_state(mig, vm_stopped ? VFIO_DEVICE_STATE_STOP : VFIO_DEVICE_STATE_RUNNING,
                             &err);
    close_data_fd(mig);
    if (err) {
        g_warning("%s", err->message);
    }
}

static bool load_setup(void *opaque, GError **errp)
{
    VFIOMigration *mig = opaque;

    return vfio_migration_set_state(mig, VFIO_DEVICE_STATE_RESUMING, errp);
}

static bool load_section(void *opaque, const char *kind, const uint8_t *data, size_t len,
                         GError **errp)
{
    VFIOMigration *mig = opaque;

    if (!strcmp(kind, VFIO_MIGRATION_KIND)) {
        if (mig->state != VFIO_DEVICE_STATE_RESUMING || mig->data_fd < 0) {
            g_set_error(errp, VFIO_ERROR, EINVAL,
                        "VFIO device %s: migration data arrived while the device is %s, not resuming",
                        mig->vbasedev->name, vfio_migration_state_name(mig->state));
            return false;
        }
        trace_vfio_migration_load_chunk(mig->vbasedev->name, len);
        if (!vfio_migration_write_data(mig->data_fd, data, len, errp)) {
            g_prefix_error(errp, "VFIO device %s: ", mig->vbasedev->name);
            return false;
        }
        mig->bytes += len;
        return true;
    }
    if (mig->client && mig->client->load_state) {
        return mig->client->load_state(mig->opaque, kind, data, len, errp);
    }
    g_set_error(errp, VFIO_ERROR, EINVAL,
                "VFIO device %s: unexpected migration section '%s'; source and destination must run the same hostdev",
                mig->vbasedev->name, kind);
    return false;
}

static bool load_complete(void *opaque, GError **errp)
{
    VFIOMigration *mig = opaque;

    trace_vfio_migration_save_done(mig->vbasedev->name, "resumed", mig->bytes);
    /* Leaving RESUMING makes the kernel check and take the data; then the device runs. */
    return vfio_migration_set_state(mig, VFIO_DEVICE_STATE_RUNNING, errp);
}

static void load_cleanup(void *opaque, bool failed)
{
    VFIOMigration *mig = opaque;
    g_autoptr(GError) err = NULL;

    (void)failed;
    if (mig->state == VFIO_DEVICE_STATE_RESUMING) {
        /* Aborting a resume takes a reset (the data written so far cannot be undone). */
        int ret = vfio_device_reset(mig->vbasedev);

        trace_vfio_migration_error_reset(mig->vbasedev->name, ret);
        close_data_fd(mig);
        mig->state = VFIO_DEVICE_STATE_RUNNING;
        if (ret < 0) {
            g_warning("VFIO device %s: resetting it after a refused migration failed: %s",
                      mig->vbasedev->name, g_strerror(-ret));
        }
        return;
    }
    if (mig->state != VFIO_DEVICE_STATE_RUNNING) {
        vfio_migration_set_state(mig, VFIO_DEVICE_STATE_RUNNING, &err);
    }
    close_data_fd(mig);
    if (err) {
        g_warning("%s", err->message);
    }
}

const HdMigrationOps vfio_migration_ops = {
    .save_setup = save_setup,
    .save_iterate = save_iterate,
    .save_complete = save_complete,
    .save_cleanup = save_cleanup,
    .load_setup = load_setup,
    .load_section = load_section,
    .load_complete = load_complete,
    .load_cleanup = load_cleanup,
};

/* --- life cycle --- */

/*
 * A device is RUNNING when opened, except where a driver keeps the state of an earlier user
 * that went away mid-migration (mtty does). Reset such a device, which the uAPI defines as
 * RUNNING, rather than walking its arcs: the earlier user's data file is gone, and mtty's arc
 * out of RESUMING loads from that file (a NULL dereference in the kernel, seen in the lab when
 * a destination killed mid-stream was followed by another on the same mdev).
 */
static void start_running(VFIOMigration *mig)
{
    enum vfio_device_mig_state now = VFIO_DEVICE_STATE_RUNNING;
    int ret;

    if (get_state(mig->vbasedev, &now) < 0 || now == VFIO_DEVICE_STATE_RUNNING) {
        return;
    }
    trace_vfio_migration_runstate(mig->vbasedev->name, "opened", vfio_migration_state_name(now));
    ret = vfio_device_reset(mig->vbasedev);
    trace_vfio_migration_error_reset(mig->vbasedev->name, ret);
    if (ret < 0 || get_state(mig->vbasedev, &now) < 0 || now != VFIO_DEVICE_STATE_RUNNING) {
        g_warning("VFIO device %s: found in migration state %s at open and a reset did not bring it back to running (%s)",
                  mig->vbasedev->name, vfio_migration_state_name(now),
                  ret < 0 ? g_strerror(-ret) : "still not running");
        mig->state = now;
    }
}

VFIOMigration *vfio_migration_new(VFIODevice *vbasedev, uint64_t flags, bool precopy_dirty_sync,
                                  const VFIOMigrationClient *client, void *opaque)
{
    VFIOMigration *mig = g_new0(VFIOMigration, 1);

    mig->vbasedev = vbasedev;
    mig->flags = flags;
    mig->precopy_dirty_sync = precopy_dirty_sync;
    mig->client = client;
    mig->opaque = opaque;
    mig->state = VFIO_DEVICE_STATE_RUNNING;
    mig->data_fd = -1;
    start_running(mig);
    if (!migrations) {
        hd_runstate_add_notifier(runstate_changed, NULL);
    }
    migrations = g_list_append(migrations, mig);
    return mig;
}

void vfio_migration_free(VFIOMigration *mig)
{
    g_autoptr(GError) err = NULL;

    if (!mig) {
        return;
    }
    migrations = g_list_remove(migrations, mig);
    if (!migrations) {
        hd_runstate_remove_notifier(runstate_changed, NULL);
    }
    mig->vbasedev->dirty_sync_paused = false;
    if (mig->state != VFIO_DEVICE_STATE_RUNNING && mig->vbasedev->attached) {
        vfio_migration_set_state(mig, VFIO_DEVICE_STATE_RUNNING, &err);
    }
    close_data_fd(mig);
    if (err) {
        g_warning("%s", err->message);
    }
    g_clear_error(&mig->stop_error);
    g_free(mig);
}

enum vfio_device_mig_state vfio_migration_state(VFIOMigration *mig)
{
    return mig->state;
}
