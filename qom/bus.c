/*
 * HdBus: a named bus of some kind ("PCI", "System") holding the devices plugged into it.
 * Live buses are listed so -device ...,bus=NAME can find them; a bus belongs to the device
 * providing it, or to whoever created it when no device does (the main system bus).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/device.h"
#include "qom/object.h"
#include "qom-internal.h"

typedef struct {
    char *name;
    char *bus_type;
    HdDevice *owner;     /* not a reference: the owner holds one on us */
    GPtrArray *children; /* HdDevice *, references, plug order */
    const HdHotplugOps *hotplug; /* NULL: no run-time plugging */
    void *hotplug_opaque;
} HdBusPrivate;

G_DEFINE_TYPE_WITH_PRIVATE(HdBus, hd_bus, G_TYPE_OBJECT)

enum {
    PROP_0,
    PROP_NAME,
    PROP_BUS_TYPE,
    N_PROPS,
};

static GParamSpec *props[N_PROPS];

/* Every constructed, not yet disposed bus, in creation order. */
static GPtrArray *live_buses;
G_LOCK_DEFINE_STATIC(live_buses);

static void hd_bus_set_property(GObject *obj, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    HdBusPrivate *priv = hd_bus_get_instance_private(HD_BUS(obj));

    switch (prop_id) {
    case PROP_NAME:
        g_free(priv->name);
        priv->name = g_value_dup_string(value);
        break;
    case PROP_BUS_TYPE:
        g_free(priv->bus_type);
        priv->bus_type = g_value_dup_string(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void hd_bus_get_property(GObject *obj, guint prop_id, GValue *value, GParamSpec *pspec)
{
    HdBusPrivate *priv = hd_bus_get_instance_private(HD_BUS(obj));

    switch (prop_id) {
    case PROP_NAME:
        g_value_set_string(value, priv->name);
        break;
    case PROP_BUS_TYPE:
        g_value_set_string(value, priv->bus_type);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void hd_bus_constructed(GObject *obj)
{
    G_OBJECT_CLASS(hd_bus_parent_class)->constructed(obj);
    G_LOCK(live_buses);
    if (!live_buses) {
        live_buses = g_ptr_array_new();
    }
    g_ptr_array_add(live_buses, obj);
    G_UNLOCK(live_buses);
}

static void hd_bus_dispose(GObject *obj)
{
    HdBus *bus = HD_BUS(obj);
    HdBusPrivate *priv = hd_bus_get_instance_private(bus);

    /* A disposed bus is no longer found by name; it may be disposed twice. */
    G_LOCK(live_buses);
    if (live_buses && g_ptr_array_remove(live_buses, obj) && live_buses->len == 0) {
        g_clear_pointer(&live_buses, g_ptr_array_unref);
    }
    G_UNLOCK(live_buses);

    /* A device on a bus that goes away cannot work: unrealize and unplug, last first. */
    while (priv->children->len > 0) {
        HdDevice *dev = priv->children->pdata[priv->children->len - 1];

        hd_device_unrealize(dev);
        hd_bus_detach(bus, dev);
    }
    G_OBJECT_CLASS(hd_bus_parent_class)->dispose(obj);
}

static void hd_bus_finalize(GObject *obj)
{
    HdBusPrivate *priv = hd_bus_get_instance_private(HD_BUS(obj));

    g_free(priv->name);
    g_free(priv->bus_type);
    g_ptr_array_unref(priv->children);
    G_OBJECT_CLASS(hd_bus_parent_class)->finalize(obj);
}

static void hd_bus_class_init(HdBusClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);

    oc->set_property = hd_bus_set_property;
    oc->get_property = hd_bus_get_property;
    oc->constructed = hd_bus_constructed;
    oc->dispose = hd_bus_dispose;
    oc->finalize = hd_bus_finalize;

    props[PROP_NAME] =
        g_param_spec_string("name", "name", "name devices use in bus=", NULL,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
    props[PROP_BUS_TYPE] = g_param_spec_string(
        "bus-type", "bus-type", "kind of bus, matched against a device's bus_type", NULL,
        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(oc, N_PROPS, props);
}

static void hd_bus_init(HdBus *bus)
{
    HdBusPrivate *priv = hd_bus_get_instance_private(bus);

    priv->children = g_ptr_array_new_with_free_func(g_object_unref);
}

HdBus *hd_bus_new(const char *name, const char *bus_type)
{
    g_return_val_if_fail(name && bus_type, NULL);
    return g_object_new(HD_TYPE_BUS, "name", name, "bus-type", bus_type, NULL);
}

void hd_bus_set_owner(HdBus *bus, HdDevice *owner)
{
    g_return_if_fail(HD_IS_BUS(bus) && HD_IS_DEVICE(owner));
    HdBusPrivate *priv = hd_bus_get_instance_private(bus);

    g_return_if_fail(priv->owner == NULL);
    priv->owner = owner;
    hd_device_add_child_bus(owner, bus);
}

void hd_bus_clear_owner(HdBus *bus)
{
    HdBusPrivate *priv = hd_bus_get_instance_private(bus);

    priv->owner = NULL;
}

const char *hd_bus_get_name(HdBus *bus)
{
    g_return_val_if_fail(HD_IS_BUS(bus), NULL);
    return ((HdBusPrivate *)hd_bus_get_instance_private(bus))->name;
}

const char *hd_bus_get_bus_type(HdBus *bus)
{
    g_return_val_if_fail(HD_IS_BUS(bus), NULL);
    return ((HdBusPrivate *)hd_bus_get_instance_private(bus))->bus_type;
}

HdDevice *hd_bus_get_owner(HdBus *bus)
{
    g_return_val_if_fail(HD_IS_BUS(bus), NULL);
    return ((HdBusPrivate *)hd_bus_get_instance_private(bus))->owner;
}

GPtrArray *hd_bus_get_children(HdBus *bus)
{
    g_return_val_if_fail(HD_IS_BUS(bus), NULL);
    return ((HdBusPrivate *)hd_bus_get_instance_private(bus))->children;
}

bool hd_bus_attach(HdBus *bus, HdDevice *dev, GError **errp)
{
    g_return_val_if_fail(HD_IS_BUS(bus) && HD_IS_DEVICE(dev), false);
    HdBusPrivate *priv = hd_bus_get_instance_private(bus);
    HdBusClass *klass = HD_BUS_GET_CLASS(bus);
    const char *want = HD_DEVICE_GET_CLASS(dev)->bus_type;
    g_autofree char *what = hd_device_describe(dev);

    if (hd_device_get_parent_bus(dev)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: already plugged into bus '%s'; unplug it first", what,
                    hd_bus_get_name(hd_device_get_parent_bus(dev)));
        return false;
    }
    if (!want) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: this device does not plug into a bus, not even '%s'", what, priv->name);
        return false;
    }
    if (g_strcmp0(want, priv->bus_type) != 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: bus '%s' is a %s bus, but this device needs a %s bus", what, priv->name,
                    priv->bus_type, want);
        return false;
    }
    if (klass->plug && !klass->plug(bus, dev, errp)) {
        return false;
    }
    g_ptr_array_add(priv->children, g_object_ref(dev));
    hd_device_set_parent_bus(dev, bus);
    return true;
}

void hd_bus_detach(HdBus *bus, HdDevice *dev)
{
    HdBusPrivate *priv = hd_bus_get_instance_private(bus);
    HdBusClass *klass = HD_BUS_GET_CLASS(bus);
    guint index;

    if (!g_ptr_array_find(priv->children, dev, &index)) {
        return;
    }
    if (klass->unplug) {
        klass->unplug(bus, dev);
    }
    hd_device_set_parent_bus(dev, NULL);
    g_ptr_array_remove_index(priv->children, index);
}

void hd_bus_set_hotplug_handler(HdBus *bus, const HdHotplugOps *ops, void *opaque)
{
    g_return_if_fail(HD_IS_BUS(bus));
    HdBusPrivate *priv = hd_bus_get_instance_private(bus);

    priv->hotplug = ops;
    priv->hotplug_opaque = ops ? opaque : NULL;
}

const HdHotplugOps *hd_bus_get_hotplug_handler(HdBus *bus, void **opaque)
{
    g_return_val_if_fail(HD_IS_BUS(bus), NULL);
    HdBusPrivate *priv = hd_bus_get_instance_private(bus);

    if (opaque) {
        *opaque = priv->hotplug_opaque;
    }
    return priv->hotplug;
}

void hd_bus_reset(HdBus *bus)
{
    g_return_if_fail(HD_IS_BUS(bus));
    HdBusPrivate *priv = hd_bus_get_instance_private(bus);

    for (guint i = 0; i < priv->children->len; i++) {
        hd_device_reset(priv->children->pdata[i]);
    }
}

static HdBus *find_bus(const char *key, bool by_type)
{
    HdBus *found = NULL;

    G_LOCK(live_buses);
    for (guint i = 0; live_buses && i < live_buses->len && !found; i++) {
        HdBusPrivate *priv = hd_bus_get_instance_private(live_buses->pdata[i]);

        if (g_strcmp0(by_type ? priv->bus_type : priv->name, key) == 0) {
            found = live_buses->pdata[i];
        }
    }
    G_UNLOCK(live_buses);
    return found;
}

HdBus *hd_bus_find(const char *name)
{
    return find_bus(name, false);
}

HdBus *hd_bus_find_by_type(const char *bus_type)
{
    return find_bus(bus_type, true);
}
