/*
 * Object model: devices and the buses they sit on.
 * HdDevice is the abstract base of everything -device creates: id, bus name, realize/unrealize/
 * reset; HdBus holds the devices plugged into it and belongs to the device providing it.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QOM_DEVICE_H
#define QOM_DEVICE_H

#include <glib-object.h>
#include <stdbool.h>

#define HD_TYPE_DEVICE (hd_device_get_type())
G_DECLARE_DERIVABLE_TYPE(HdDevice, hd_device, HD, DEVICE, GObject)

#define HD_TYPE_BUS (hd_bus_get_type())
G_DECLARE_DERIVABLE_TYPE(HdBus, hd_bus, HD, BUS, GObject)

/*
 * Properties of every device: "id" (str), "bus" (str: name of the bus to plug into, resolved by
 * hd_device_plug()), "realized" (bool, read-only), "unplug-pending" (bool, read-only: device_del
 * asked the guest to release the device and the guest has not yet done so).
 */
struct _HdDeviceClass {
    GObjectClass parent_class;

    const char *description; /* one line for -device help */
    const char *bus_type;    /* kind of bus it plugs into ("PCI", "System"); NULL: none */
    bool user_creatable;     /* -device and device_add may create it */

    /* Bring the configured device to life; false with @errp set on failure (state untouched). */
    bool (*realize)(HdDevice *dev, GError **errp);
    /* Undo realize; called only on a realized device, after its children were unrealized. */
    void (*unrealize)(HdDevice *dev);
    /* Return to power-on state; called on realized devices only. */
    void (*reset)(HdDevice *dev);
};

struct _HdBusClass {
    GObjectClass parent_class;

    /* Optional: accept @dev (e.g. give it a slot); false with @errp set refuses the plug. */
    bool (*plug)(HdBus *bus, HdDevice *dev, GError **errp);
    /* Optional: forget @dev; called before it leaves the bus. */
    void (*unplug)(HdBus *bus, HdDevice *dev);
};

/*
 * A bus whose slot the guest controls (a PCI Express hot-plug slot) installs a hot-plug
 * handler. device_add and device_del after start-up go through it; the handler finishes an
 * unplug with hd_device_unplug_complete() once the guest has let the device go.
 */
typedef struct HdHotplugOps {
    /* Refuse a run-time plug of @dev (slot occupied, hot-plug off); optional. */
    bool (*pre_plug)(HdBus *bus, HdDevice *dev, void *opaque, GError **errp);
    /* @dev was realized on @bus at run time: tell the guest. */
    void (*plugged)(HdBus *bus, HdDevice *dev, void *opaque);
    /* Ask the guest to release @dev (again, if it is already pending); false with @errp. */
    bool (*unplug_request)(HdBus *bus, HdDevice *dev, void *opaque, GError **errp);
} HdHotplugOps;

/* The device's id, or NULL when it has none. */
const char *hd_device_get_id(HdDevice *dev);

/* The "bus" property: the name of the bus the user asked for, or NULL. */
const char *hd_device_get_bus_name(HdDevice *dev);

/* Whether hd_device_realize() succeeded and no unrealize followed. */
bool hd_device_is_realized(HdDevice *dev);

/* The bus the device is plugged into, or NULL. */
HdBus *hd_device_get_parent_bus(HdDevice *dev);

/* Whether device_del asked the guest to release @dev and it has not yet gone. */
bool hd_device_unplug_pending(HdDevice *dev);
void hd_device_set_unplug_pending(HdDevice *dev, bool pending);

/* "TYPE 'ID'" or "TYPE" (registry name), for the start of error messages; free it. */
char *hd_device_describe(HdDevice *dev);

/* Realize through the class hook; true at once when already realized. */
bool hd_device_realize(HdDevice *dev, GError **errp);

/* Unrealize the devices on its buses (depth first), then the device; no-op when unrealized. */
void hd_device_unrealize(HdDevice *dev);

/* Reset the devices on its buses (depth first), then the device itself, if realized. */
void hd_device_reset(HdDevice *dev);

/*
 * Plug @dev into a bus of its class's bus_type: the one its "bus" property names, else the
 * first such bus created. Devices without a bus_type succeed without a bus.
 */
bool hd_device_plug(HdDevice *dev, GError **errp);

/* Take @dev off its parent bus (unplug hook, then the bus drops its reference); no-op if none. */
void hd_device_unplug(HdDevice *dev);

/* The buses @dev provides (array of HdBus *, owned by @dev). */
GPtrArray *hd_device_get_child_buses(HdDevice *dev);

/* A new bus of kind @bus_type named @name (names should be unique: buses are found by name). */
HdBus *hd_bus_new(const char *name, const char *bus_type);

/* Make @owner provide @bus: @owner takes a reference and drops it when disposed. */
void hd_bus_set_owner(HdBus *bus, HdDevice *owner);

/* The bus's name. */
const char *hd_bus_get_name(HdBus *bus);

/* The bus's kind, e.g. "PCI". */
const char *hd_bus_get_bus_type(HdBus *bus);

/* The device providing the bus, or NULL (e.g. the main system bus). */
HdDevice *hd_bus_get_owner(HdBus *bus);

/* The devices plugged in, in plug order (array of HdDevice *, owned by the bus). */
GPtrArray *hd_bus_get_children(HdBus *bus);

/* Plug @dev (not on a bus yet, of the bus's kind) into @bus, which takes a reference. */
bool hd_bus_attach(HdBus *bus, HdDevice *dev, GError **errp);

/* Install (or, with NULL @ops, remove) @bus's hot-plug handler. */
void hd_bus_set_hotplug_handler(HdBus *bus, const HdHotplugOps *ops, void *opaque);

/* @bus's hot-plug handler and its @opaque, or NULL when run-time plugging is not offered. */
const HdHotplugOps *hd_bus_get_hotplug_handler(HdBus *bus, void **opaque);

/* Reset every realized device on @bus, depth first. */
void hd_bus_reset(HdBus *bus);

/* The live bus named @name, or NULL. */
HdBus *hd_bus_find(const char *name);

/* The first live bus of kind @bus_type (in creation order), or NULL. */
HdBus *hd_bus_find_by_type(const char *bus_type);

#endif /* QOM_DEVICE_H */
