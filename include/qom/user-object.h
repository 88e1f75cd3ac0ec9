/*
 * Object model: user objects, the things -object and object-add create.
 * HdUserObject is the abstract base (iommufd, memory backends): an id and a complete() hook
 * that runs once all properties are set.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QOM_USER_OBJECT_H
#define QOM_USER_OBJECT_H

#include <glib-object.h>
#include <stdbool.h>

#define HD_TYPE_USER_OBJECT (hd_user_object_get_type())
G_DECLARE_DERIVABLE_TYPE(HdUserObject, hd_user_object, HD, USER_OBJECT, GObject)

/* Properties of every user object: "id" (str). */
struct _HdUserObjectClass {
    GObjectClass parent_class;

    const char *description; /* one line for -object help */

    /* Finish set-up once the properties are set; false with @errp set on failure. */
    bool (*complete)(HdUserObject *obj, GError **errp);
};

/* The object's id, or NULL when not set yet. */
const char *hd_user_object_get_id(HdUserObject *obj);

/* Whether hd_user_object_complete() succeeded. */
bool hd_user_object_is_complete(HdUserObject *obj);

/* Run the class's complete hook once; true at once when already complete. */
bool hd_user_object_complete(HdUserObject *obj, GError **errp);

#endif /* QOM_USER_OBJECT_H */
