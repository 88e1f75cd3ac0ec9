/*
 * Host memory backends: -object memory-backend-ram / memory-backend-memfd, RAM a machine
 * maps as guest memory (-machine memory-backend=ID). Both are backed by a memfd, so VFIO
 * and migration can share them.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_HOSTMEM_H
#define SYSTEM_HOSTMEM_H

#include <stdbool.h>
#include <stdint.h>

#include "qom/user-object.h"
#include "system/memory-region.h"

#define HD_TYPE_HOST_MEMORY_BACKEND (hd_host_memory_backend_get_type())
G_DECLARE_DERIVABLE_TYPE(HdHostMemoryBackend, hd_host_memory_backend, HD, HOST_MEMORY_BACKEND,
                         HdUserObject)

struct _HdHostMemoryBackendClass {
    HdUserObjectClass parent_class;
};

/* Register memory-backend-ram and memory-backend-memfd; call once at start-up. */
void hostmem_register_types(void);

/* The backend's RAM region (after complete; borrowed), or NULL before. */
MemoryRegion *hd_host_memory_backend_get_region(HdHostMemoryBackend *backend);

/* The "size" property in bytes. */
uint64_t hd_host_memory_backend_get_size(HdHostMemoryBackend *backend);

/*
 * Mark the backend as mapped by @user (e.g. "machine"); a backend maps into one place only,
 * so a second claim fails naming both users.
 */
bool hd_host_memory_backend_claim(HdHostMemoryBackend *backend, const char *user,
                                  GError **errp);

#endif /* SYSTEM_HOSTMEM_H */
