/*
 * The VFIO backends' type getters, for the type registration in types.c only (the common
 * layer picks backends by GType name and never includes this header).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_VFIO_BACKENDS_H
#define HW_VFIO_VFIO_BACKENDS_H

#include <glib-object.h>

/* hw/vfio/container.c: VFIO_CONTAINER_TYPE_LEGACY. */
GType vfio_backend_legacy_get_type(void);
/* hw/vfio/iommufd.c: VFIO_CONTAINER_TYPE_IOMMUFD. */
GType vfio_backend_iommufd_get_type(void);

#endif /* HW_VFIO_VFIO_BACKENDS_H */
