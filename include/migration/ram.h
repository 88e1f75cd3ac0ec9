/*
 * The guest RAM that migration sends: the machine names its RAM region once it exists.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIGRATION_RAM_H
#define MIGRATION_RAM_H

#include "system/memory-region.h"

/* Migrate @mr (a RAM region, borrowed: the machine keeps it while it exists; NULL: none). */
void hd_migration_set_ram(MemoryRegion *mr);

#endif /* MIGRATION_RAM_H */
