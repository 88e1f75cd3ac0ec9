/*
 * VFIO type registration: the container base type and every backend built in (a new
 * backend adds its getter here and in vfio-backends.h; nothing else changes), and the
 * seam's fault-injection commands (qtest and QMP).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-container-base.h"
#include "vfio-backends.h"

void vfio_register_types(void)
{
    g_type_ensure(VFIO_TYPE_CONTAINER);
    g_type_ensure(vfio_backend_legacy_get_type());
    g_type_ensure(vfio_backend_iommufd_get_type());
    vfio_fault_cmds_register();
}
