/*
 * Device hot-plug: one path for -device and device_add (create, plug, name in the tree,
 * realize; undone step by step on failure) and for device_del (the reverse, then the event).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "monitor/qmp.h"
#include "qom/object.h"
#include "qom/props.h"
#include "reset-internal.h"
#include "system/device-hotplug.h"
#include "system/machine.h"
#include "system/kvm.h"
#include "trace.h"

/* User devices in creation order (paths), so teardown can remove them newest first. */
static GPtrArray *user_devices;

/* Whether start-up is over: device_add and device_del now plug into a running machine. */
static bool hotplug_active;

void hd_device_hotplug_set_active(bool active)
{
    hotplug_active = active;
}

/*
 * A run-time plug into @bus: through its hot-plug handler, which may refuse. A bus without one
 * takes devices only while no guest runs (the qtest accelerator: the test is the guest).
 */
static bool hot_plug_check(HdBus *bus, HdDevice *dev, GError **errp)
{
    void *opaque;
    const HdHotplugOps *ops = hd_bus_get_hotplug_handler(bus, &opaque);

    if (ops) {
        return !ops->pre_plug || ops->pre_plug(bus, dev, opaque, errp);
    }
    if (kvm_enabled()) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "bus '%s' does not support hot-plug while the guest runs; plug it into a "
                    "pcie-root-port (hotplug=on) with bus=",
                    hd_bus_get_name(bus));
        return false;
    }
    return true;
}

/* Prefix @err with the device's name unless the message already starts with it. */
static void name_device(GError *err, HdDevice *dev)
{
    g_autofree char *what = hd_device_describe(dev);

    if (!g_str_has_prefix(err->message, what)) {
        g_prefix_error(&err, "%s: ", what);
    }
}

HdDevice *hd_device_add(HdTree *tree, const HdOpts *opts, GError **errp)
{
    const char *driver = hd_opts_get_string(opts, "driver");
    const HdTypeInfo *info = driver ? hd_type_lookup(driver) : NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    const HdHotplugOps *ops;
    void *opaque;
    GObject *obj;
    HdDevice *dev;
    HdBus *bus;

    if (!driver) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "'driver' is required (e.g. driver=pci-testdev; see -device help)");
        return NULL;
    }
    if (info && !(info->category & HD_TYPE_CATEGORY_DEVICE)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "'%s' is an object type, not a device; create it with -object", driver);
        return NULL;
    }
    obj = hd_object_new_with_opts(driver, opts, errp);
    if (!obj) {
        trace_device_add_failed(driver, "create");
        return NULL;
    }
    dev = HD_DEVICE(obj);
    if (!hd_device_plug(dev, &err)) {
        goto fail;
    }
    bus = hd_device_get_parent_bus(dev);
    if (hotplug_active && bus && !hot_plug_check(bus, dev, &err)) {
        hd_device_unplug(dev);
        goto fail;
    }
    path = hd_tree_add_device(tree, dev, &err);
    if (!path) {
        hd_device_unplug(dev);
        goto fail;
    }
    if (!hd_device_realize(dev, &err)) {
        hd_tree_remove(tree, path, NULL);
        hd_device_unplug(dev);
        goto fail;
    }
    if (!hd_device_get_parent_bus(dev)) {
        hd_reset_root_add(dev);
    }
    if (!user_devices) {
        user_devices = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(user_devices, g_strdup(path));
    trace_device_add(driver, hd_device_get_id(dev) ? hd_device_get_id(dev) : "", path);
    ops = hotplug_active && bus ? hd_bus_get_hotplug_handler(bus, &opaque) : NULL;
    if (ops && ops->plugged) {
        ops->plugged(bus, dev, opaque);
    }
    g_object_unref(obj); /* the tree (and the bus) hold it now */
    return dev;

fail:
    name_device(err, dev);
    trace_device_add_failed(driver, err->message);
    g_propagate_error(errp, g_steal_pointer(&err));
    g_object_unref(obj);
    return NULL;
}

/* The index in user_devices of @path, or -1. */
static int user_device_index(const char *path)
{
    for (guint i = 0; user_devices && i < user_devices->len; i++) {
        if (!strcmp(user_devices->pdata[i], path)) {
            return (int)i;
        }
    }
    return -1;
}

/* Take the device at user_devices[index] out; returns its id (free it). */
static char *remove_user_device(HdTree *tree, guint index)
{
    g_autofree char *path = g_ptr_array_steal_index(user_devices, index);
    GObject *obj = hd_tree_resolve(tree, path, NULL);
    HdDevice *dev = obj ? HD_DEVICE(obj) : NULL;
    char *id;

    if (!dev) {
        return NULL;
    }
    g_object_ref(dev);
    id = g_strdup(hd_device_get_id(dev));
    hd_reset_root_remove(dev);
    hd_device_unrealize(dev);
    hd_device_unplug(dev);
    hd_tree_remove(tree, path, NULL);
    trace_device_del(id ? id : "", path);
    g_object_unref(dev);
    return id;
}

typedef struct DeletedEvent {
    char *id;
    char *path;
    guint source;
} DeletedEvent;

/* DEVICE_DELETED events waiting for the main loop; teardown drops what is left. */
static GList *pending_events;

static void deleted_event_free(DeletedEvent *ev)
{
    pending_events = g_list_remove(pending_events, ev);
    g_free(ev->id);
    g_free(ev->path);
    g_free(ev);
}

static gboolean emit_deleted(gpointer opaque)
{
    DeletedEvent *ev = opaque;
    g_autoptr(JsonObject) data = json_object_new();

    if (ev->id) {
        json_object_set_string_member(data, "device", ev->id);
    }
    json_object_set_string_member(data, "path", ev->path);
    qmp_event_emit("DEVICE_DELETED", data);
    deleted_event_free(ev);
    return G_SOURCE_REMOVE;
}

/* Queue DEVICE_DELETED for after the command's reply (as QEMU sends it once the guest let go). */
static void queue_deleted(char *id, char *path)
{
    DeletedEvent *ev = g_new0(DeletedEvent, 1);

    ev->id = id;
    ev->path = path;
    ev->source = g_idle_add_full(G_PRIORITY_HIGH, emit_deleted, ev, NULL);
    pending_events = g_list_append(pending_events, ev);
}

/* Whether @dev sits on a bus provided by @ancestor or by a device below it. */
static bool device_is_below(HdDevice *dev, HdDevice *ancestor)
{
    HdBus *bus = hd_device_get_parent_bus(dev);

    while (bus) {
        HdDevice *owner = hd_bus_get_owner(bus);

        if (!owner) {
            return false;
        }
        if (owner == ancestor) {
            return true;
        }
        bus = hd_device_get_parent_bus(owner);
    }
    return false;
}

/* Remove @dev (at @path, a user device) and the user devices below it, each with its event. */
static void remove_now(HdTree *tree, HdDevice *dev, char *path)
{
    /* Devices plugged below it (e.g. behind a root port) go first, newest first. */
    for (guint i = user_devices->len; i-- > 0;) {
        GObject *obj = hd_tree_resolve(tree, user_devices->pdata[i], NULL);

        if (obj && device_is_below(HD_DEVICE(obj), dev)) {
            char *child_path = g_strdup(user_devices->pdata[i]);

            queue_deleted(remove_user_device(tree, i), child_path);
        }
    }
    queue_deleted(remove_user_device(tree, (guint)user_device_index(path)), path);
}

/*
 * A run-time unplug from @bus: its hot-plug handler asks the guest, and the device stays
 * (unplug-pending) until the guest lets go. Returns false with @errp set when refused; sets
 * @asked when the handler took it.
 */
static bool hot_unplug_request(HdBus *bus, HdDevice *dev, bool *asked, GError **errp)
{
    void *opaque;
    const HdHotplugOps *ops = hd_bus_get_hotplug_handler(bus, &opaque);
    bool was_pending = hd_device_unplug_pending(dev);

    *asked = false;
    if (!ops) {
        if (kvm_enabled()) {
            g_autofree char *what = hd_device_describe(dev);

            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: bus '%s' does not support hot-unplug while the guest runs; only "
                        "devices in a pcie-root-port (hotplug=on) can be unplugged",
                        what, hd_bus_get_name(bus));
            return false;
        }
        return true;
    }
    hd_device_set_unplug_pending(dev, true);
    if (!ops->unplug_request(bus, dev, opaque, errp)) {
        hd_device_set_unplug_pending(dev, was_pending);
        return false;
    }
    *asked = true;
    return true;
}

bool hd_device_del(HdTree *tree, const char *id_or_path, GError **errp)
{
    HdDevice *dev = hd_tree_find_device(tree, id_or_path, errp);
    HdBus *bus;
    char *path;
    bool asked = false;

    if (!dev) {
        return false;
    }
    path = hd_tree_get_path(tree, G_OBJECT(dev));
    if (!path || user_device_index(path) < 0) {
        g_autofree char *what = hd_device_describe(dev);

        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: not a device created with -device or device_add; it cannot be unplugged",
                    what);
        g_free(path);
        return false;
    }
    bus = hd_device_get_parent_bus(dev);
    if (hotplug_active && bus && !hot_unplug_request(bus, dev, &asked, errp)) {
        g_free(path);
        return false;
    }
    if (asked) {
        trace_device_del_requested(hd_device_get_id(dev) ? hd_device_get_id(dev) : "", path);
        g_free(path);
        return true;
    }
    remove_now(tree, dev, path);
    return true;
}

void hd_device_unplug_complete(HdDevice *dev)
{
    HdTree *tree = hd_qom_tree();
    char *path = tree ? hd_tree_get_path(tree, G_OBJECT(dev)) : NULL;

    if (!path || user_device_index(path) < 0) {
        g_free(path);
        return;
    }
    remove_now(tree, dev, path);
}

void hd_device_del_all(HdTree *tree)
{
    while (user_devices && user_devices->len) {
        g_free(remove_user_device(tree, user_devices->len - 1));
    }
    g_clear_pointer(&user_devices, g_ptr_array_unref);
    hotplug_active = false;
    while (pending_events) {
        DeletedEvent *ev = pending_events->data;

        g_source_remove(ev->source);
        deleted_event_free(ev);
    }
}
