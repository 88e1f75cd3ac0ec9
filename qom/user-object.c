/*
 * HdUserObject: the abstract base of everything -object creates.
 * Holds the id and whether complete() ran; subclasses add their own properties.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/user-object.h"
#include "qom/object.h"

typedef struct {
    char *id;
    bool complete;
} HdUserObjectPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE(HdUserObject, hd_user_object, G_TYPE_OBJECT)

enum {
    PROP_0,
    PROP_ID,
    N_PROPS,
};

static GParamSpec *props[N_PROPS];

static void hd_user_object_set_property(GObject *obj, guint prop_id, const GValue *value,
                                        GParamSpec *pspec)
{
    HdUserObjectPrivate *priv = hd_user_object_get_instance_private(HD_USER_OBJECT(obj));

    switch (prop_id) {
    case PROP_ID:
        g_free(priv->id);
        priv->id = g_value_dup_string(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void hd_user_object_get_property(GObject *obj, guint prop_id, GValue *value,
                                        GParamSpec *pspec)
{
    HdUserObjectPrivate *priv = hd_user_object_get_instance_private(HD_USER_OBJECT(obj));

    switch (prop_id) {
    case PROP_ID:
        g_value_set_string(value, priv->id);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void hd_user_object_finalize(GObject *obj)
{
    HdUserObjectPrivate *priv = hd_user_object_get_instance_private(HD_USER_OBJECT(obj));

    g_free(priv->id);
    G_OBJECT_CLASS(hd_user_object_parent_class)->finalize(obj);
}

static void hd_user_object_class_init(HdUserObjectClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);

    oc->set_property = hd_user_object_set_property;
    oc->get_property = hd_user_object_get_property;
    oc->finalize = hd_user_object_finalize;

    props[PROP_ID] = g_param_spec_string("id", "id", "identifier the user gave the object", NULL,
                                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(oc, N_PROPS, props);
}

static void hd_user_object_init(HdUserObject *obj)
{
    (void)obj;
}

const char *hd_user_object_get_id(HdUserObject *obj)
{
    g_return_val_if_fail(HD_IS_USER_OBJECT(obj), NULL);
    return ((HdUserObjectPrivate *)hd_user_object_get_instance_private(obj))->id;
}

bool hd_user_object_is_complete(HdUserObject *obj)
{
    g_return_val_if_fail(HD_IS_USER_OBJECT(obj), false);
    return ((HdUserObjectPrivate *)hd_user_object_get_instance_private(obj))->complete;
}

bool hd_user_object_complete(HdUserObject *obj, GError **errp)
{
    g_return_val_if_fail(HD_IS_USER_OBJECT(obj), false);
    HdUserObjectPrivate *priv = hd_user_object_get_instance_private(obj);
    HdUserObjectClass *klass = HD_USER_OBJECT_GET_CLASS(obj);

    if (priv->complete) {
        return true;
    }
    if (klass->complete) {
        GError *err = NULL;

        if (!klass->complete(obj, &err)) {
            if (!err) {
                const char *type = hd_type_name(G_OBJECT_TYPE(obj));
                g_autofree char *what =
                    priv->id ? g_strdup_printf("%s '%s'", type, priv->id) : g_strdup(type);

                err = g_error_new(HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                                  "%s: set-up failed without saying why", what);
            }
            g_propagate_error(errp, err);
            return false;
        }
        g_clear_error(&err);
    }
    priv->complete = true;
    return true;
}
