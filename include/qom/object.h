/*
 * Object model: the type registry and the qom error domain.
 * Maps QEMU-style type names ("vfio-pci", "iommufd") to GTypes that -device, -object and
 * QMP may create, each with a category and a one-line description.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QOM_OBJECT_H
#define QOM_OBJECT_H

#include <glib-object.h>
#include <stdbool.h>

#define HD_QOM_ERROR (hd_qom_error_quark())

/* Error codes of HD_QOM_ERROR; QMP maps NOT_FOUND to DeviceNotFound, the rest to GenericError. */
typedef enum {
    HD_QOM_ERROR_FAILED,    /* anything else: bad option text, bad value, failed realize */
    HD_QOM_ERROR_NOT_FOUND, /* no such type, property, bus or path */
    HD_QOM_ERROR_DUPLICATE, /* an id or child name is already taken */
} HdQomError;

/* What a registered type is: a device (-device, device_add) or a user object (-object). */
typedef enum {
    HD_TYPE_CATEGORY_DEVICE = 1 << 0,
    HD_TYPE_CATEGORY_OBJECT = 1 << 1,
    HD_TYPE_CATEGORY_ANY = HD_TYPE_CATEGORY_DEVICE | HD_TYPE_CATEGORY_OBJECT,
} HdTypeCategory;

/* One registry entry; owned by the registry and valid for the life of the process. */
typedef struct HdTypeInfo {
    const char *name;        /* QEMU-style name, e.g. "vfio-pci" */
    GType gtype;             /* a concrete subtype of HdDevice or HdUserObject */
    HdTypeCategory category; /* DEVICE or OBJECT, derived from the GType */
    const char *description; /* the class's description, "" when it has none */
} HdTypeInfo;

/* The GQuark of HD_QOM_ERROR. */
GQuark hd_qom_error_quark(void);

/*
 * Register @gtype (a non-abstract HdDevice or HdUserObject subtype) under @name.
 * Registering the same pair again is a no-op; a name or GType taken by another is refused.
 */
bool hd_type_register(const char *name, GType gtype);

/* The entry registered under @name, or NULL. */
const HdTypeInfo *hd_type_lookup(const char *name);

/* The entry of @gtype, or NULL when it was not registered. */
const HdTypeInfo *hd_type_lookup_gtype(GType gtype);

/* The QEMU-style name of @gtype; g_type_name() when it was not registered. */
const char *hd_type_name(GType gtype);

/* The entries of @categories, sorted by name (array of const HdTypeInfo *, free the array). */
GPtrArray *hd_type_list(HdTypeCategory categories);

#endif /* QOM_OBJECT_H */
