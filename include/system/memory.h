/*
 * The memory API in one include: RAM blocks, memory regions, address spaces and listeners.
 * Include the narrower headers where a file needs only part of it.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_MEMORY_H
#define SYSTEM_MEMORY_H

#include "system/ramblock.h"
#include "system/memory-region.h"
#include "system/address-space.h"
#include "system/memory-listener.h"

#endif /* SYSTEM_MEMORY_H */
