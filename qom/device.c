/*
 * HdDevice: the abstract base of every device.
 * Holds id, requested bus name, realized state, parent bus and the buses the device provides;
 * realize/unrealize/reset walk the tree below the device in the right order.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/device.h"
#include "qom/object.h"
#include "qom-internal.h"

typedef struct {
    char *id;
    char *bus_name;
    bool realized;
    bool unplug_pending;
    HdBus *parent_bus;      /* not a reference: the bus holds one on us */
    GPtrArray *child_buses; /* HdBus *, references */
} HdDevicePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE(HdDevice, hd_device, G_TYPE_OBJECT)

enum {
    PROP_0,
    PROP_ID,
    PROP_BUS,
    PROP_REALIZED,
    PROP_UNPLUG_PENDING,
    N_PROPS,
};

static GParamSpec *props[N_PROPS];

static void hd_device_set_property(GObject *obj, guint prop_id, const GValue *value,
                                   GParamSpec *pspec)
{
    HdDevicePrivate *priv = hd_device_get_instance_private(HD_DEVICE(obj));

    switch (prop_id) {
    case PROP_ID:
        g_free(priv->id);
        priv->id = g_value_dup_string(value);
        break;
    case PROP_BUS:
        g_free(priv->bus_name);
        priv->bus_name = g_value_dup_string(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void hd_device_get_property(GObject *obj, guint prop_id, GValue *value, GParamSpec *pspec)
{
    HdDevicePrivate *priv = hd_device_get_instance_private(HD_DEVICE(obj));

    switch (prop_id) {
    case PROP_ID:
        g_value_set_string(value, priv->id);
        break;
    case PROP_BUS:
        g_value_set_string(value, priv->bus_name);
        break;
    case PROP_REALIZED:
        g_value_set_boolean(value, priv->realized);
        break;
    case PROP_UNPLUG_PENDING:
        g_value_set_boolean(value, priv->unplug_pending);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void hd_device_dispose(GObject *obj)
{
    HdDevice *dev = HD_DEVICE(obj);
    HdDevicePrivate *priv = hd_device_get_instance_private(dev);

    hd_device_unrealize(dev);
    if (priv->parent_bus) {
        /* Only reachable through g_object_run_dispose(): the bus holds a reference on us. */
        hd_bus_detach(priv->parent_bus, dev);
    }
    while (priv->child_buses->len > 0) {
        HdBus *bus = g_ptr_array_steal_index(priv->child_buses, priv->child_buses->len - 1);

        hd_bus_clear_owner(bus);
        g_object_run_dispose(G_OBJECT(bus));
        g_object_unref(bus);
    }
    G_OBJECT_CLASS(hd_device_parent_class)->dispose(obj);
}

static void hd_device_finalize(GObject *obj)
{
    HdDevicePrivate *priv = hd_device_get_instance_private(HD_DEVICE(obj));

    g_free(priv->id);
    g_free(priv->bus_name);
    g_ptr_array_unref(priv->child_buses);
    G_OBJECT_CLASS(hd_device_parent_class)->finalize(obj);
}

static void hd_device_class_init(HdDeviceClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);

    oc->set_property = hd_device_set_property;
    oc->get_property = hd_device_get_property;
    oc->dispose = hd_device_dispose;
    oc->finalize = hd_device_finalize;

    props[PROP_ID] = g_param_spec_string("id", "id", "identifier the user gave the device", NULL,
                                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    props[PROP_BUS] = g_param_spec_string("bus", "bus", "name of the bus to plug the device into",
                                          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    props[PROP_REALIZED] =
        g_param_spec_boolean("realized", "realized", "whether the device is realized", FALSE,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    props[PROP_UNPLUG_PENDING] = g_param_spec_boolean(
        "unplug-pending", "unplug-pending",
        "device_del asked the guest to release the device, which has not gone yet", FALSE,
        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(oc, N_PROPS, props);
}

static void hd_device_init(HdDevice *dev)
{
    HdDevicePrivate *priv = hd_device_get_instance_private(dev);

    priv->child_buses = g_ptr_array_new_with_free_func(g_object_unref);
}

const char *hd_device_get_id(HdDevice *dev)
{
    g_return_val_if_fail(HD_IS_DEVICE(dev), NULL);
    return ((HdDevicePrivate *)hd_device_get_instance_private(dev))->id;
}

const char *hd_device_get_bus_name(HdDevice *dev)
{
    g_return_val_if_fail(HD_IS_DEVICE(dev), NULL);
    return ((HdDevicePrivate *)hd_device_get_instance_private(dev))->bus_name;
}

bool hd_device_is_realized(HdDevice *dev)
{
    g_return_val_if_fail(HD_IS_DEVICE(dev), false);
    return ((HdDevicePrivate *)hd_device_get_instance_private(dev))->realized;
}

HdBus *hd_device_get_parent_bus(HdDevice *dev)
{
    g_return_val_if_fail(HD_IS_DEVICE(dev), NULL);
    return ((HdDevicePrivate *)hd_device_get_instance_private(dev))->parent_bus;
}

GPtrArray *hd_device_get_child_buses(HdDevice *dev)
{
    g_return_val_if_fail(HD_IS_DEVICE(dev), NULL);
    return ((HdDevicePrivate *)hd_device_get_instance_private(dev))->child_buses;
}

bool hd_device_unplug_pending(HdDevice *dev)
{
    g_return_val_if_fail(HD_IS_DEVICE(dev), false);
    return ((HdDevicePrivate *)hd_device_get_instance_private(dev))->unplug_pending;
}

void hd_device_set_unplug_pending(HdDevice *dev, bool pending)
{
    g_return_if_fail(HD_IS_DEVICE(dev));
    HdDevicePrivate *priv = hd_device_get_instance_private(dev);

    if (priv->unplug_pending != pending) {
        priv->unplug_pending = pending;
        g_object_notify_by_pspec(G_OBJECT(dev), props[PROP_UNPLUG_PENDING]);
    }
}

char *hd_device_describe(HdDevice *dev)
{
    const char *id = hd_device_get_id(dev);
    const char *type = hd_type_name(G_OBJECT_TYPE(dev));

    return id ? g_strdup_printf("%s '%s'", type, id) : g_strdup(type);
}

bool hd_device_realize(HdDevice *dev, GError **errp)
{
    g_return_val_if_fail(HD_IS_DEVICE(dev), false);
    HdDevicePrivate *priv = hd_device_get_instance_private(dev);
    HdDeviceClass *klass = HD_DEVICE_GET_CLASS(dev);

    if (priv->realized) {
        return true;
    }
    if (klass->realize) {
        GError *err = NULL;

        if (!klass->realize(dev, &err)) {
            if (!err) {
                g_autofree char *what = hd_device_describe(dev);

                err = g_error_new(HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                                  "%s: realize failed without saying why", what);
            }
            g_propagate_error(errp, err);
            return false;
        }
        g_clear_error(&err);
    }
    priv->realized = true;
    g_object_notify_by_pspec(G_OBJECT(dev), props[PROP_REALIZED]);
    return true;
}

void hd_device_unrealize(HdDevice *dev)
{
    g_return_if_fail(HD_IS_DEVICE(dev));
    HdDevicePrivate *priv = hd_device_get_instance_private(dev);
    HdDeviceClass *klass = HD_DEVICE_GET_CLASS(dev);

    if (!priv->realized) {
        return;
    }
    for (guint i = 0; i < priv->child_buses->len; i++) {
        GPtrArray *children = hd_bus_get_children(priv->child_buses->pdata[i]);

        /* Last plugged first: teardown mirrors set-up. */
        for (guint j = children->len; j > 0; j--) {
            hd_device_unrealize(children->pdata[j - 1]);
        }
    }
    if (klass->unrealize) {
        klass->unrealize(dev);
    }
    priv->realized = false;
    g_object_notify_by_pspec(G_OBJECT(dev), props[PROP_REALIZED]);
}

void hd_device_reset(HdDevice *dev)
{
    g_return_if_fail(HD_IS_DEVICE(dev));
    HdDevicePrivate *priv = hd_device_get_instance_private(dev);
    HdDeviceClass *klass = HD_DEVICE_GET_CLASS(dev);

    for (guint i = 0; i < priv->child_buses->len; i++) {
        hd_bus_reset(priv->child_buses->pdata[i]);
    }
    if (priv->realized && klass->reset) {
        klass->reset(dev);
    }
}

bool hd_device_plug(HdDevice *dev, GError **errp)
{
    g_return_val_if_fail(HD_IS_DEVICE(dev), false);
    HdDevicePrivate *priv = hd_device_get_instance_private(dev);
    const char *bus_type = HD_DEVICE_GET_CLASS(dev)->bus_type;
    g_autofree char *what = hd_device_describe(dev);
    HdBus *bus;

    if (!bus_type) {
        if (priv->bus_name) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: this device does not plug into a bus; remove bus=%s", what,
                        priv->bus_name);
            return false;
        }
        return true;
    }
    if (priv->bus_name) {
        bus = hd_bus_find(priv->bus_name);
        if (!bus) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                        "%s: bus '%s' not found; give the name of an existing %s bus", what,
                        priv->bus_name, bus_type);
            return false;
        }
    } else {
        bus = hd_bus_find_by_type(bus_type);
        if (!bus) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                        "%s: no %s bus to plug into; this machine provides none", what, bus_type);
            return false;
        }
    }
    return hd_bus_attach(bus, dev, errp);
}

void hd_device_unplug(HdDevice *dev)
{
    g_return_if_fail(HD_IS_DEVICE(dev));
    HdDevicePrivate *priv = hd_device_get_instance_private(dev);

    if (priv->parent_bus) {
        hd_bus_detach(priv->parent_bus, dev);
    }
}

void hd_device_set_parent_bus(HdDevice *dev, HdBus *bus)
{
    HdDevicePrivate *priv = hd_device_get_instance_private(dev);

    priv->parent_bus = bus;
}

void hd_device_add_child_bus(HdDevice *dev, HdBus *bus)
{
    HdDevicePrivate *priv = hd_device_get_instance_private(dev);

    g_ptr_array_add(priv->child_buses, g_object_ref(bus));
}
