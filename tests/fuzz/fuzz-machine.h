/*
 * Fuzz targets' shared set-up: the types, a QOM tree and a small q35 machine, built once
 * per process the way hostdev's start-up table builds them.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef FUZZ_MACHINE_H
#define FUZZ_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "qom/tree.h"

/* Register the types and build the machine (16 MiB RAM) on the first call; returns the tree. */
HdTree *fuzz_machine(void);

/* Run what the main loop has pending (idle events such as DEVICE_DELETED), without blocking. */
void fuzz_drain_main_loop(void);

/* A NUL-terminated copy of @data (free it). */
char *fuzz_text(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* FUZZ_MACHINE_H */
