/*
 * Shared set-up of the user-object fuzz targets (-object, object-add): every object type
 * registered, a private scratch directory, and a check that keeps inputs off the host.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef FUZZ_OBJECTS_H
#define FUZZ_OBJECTS_H

#include <glib-object.h>
#include <stdbool.h>

#include "qom/opts.h"
#include "qom/tree.h"

/* The machine plus the iommufd and secret types, and an empty scratch directory. */
HdTree *fuzz_objects_machine(void);

/* Make the scratch directory the cwd (relative mem-path= and file= land there) for one input. */
void fuzz_objects_enter(void);

/*
 * Whether creating @type with @opts stays inside the fuzzer's sandbox: no file outside the
 * scratch directory (absolute or '..' paths), at most 64 MiB of memory. Builds the object
 * without completing it; inputs that do not even build are safe (they fail the same way later).
 */
bool fuzz_objects_safe(const char *type, const HdOpts *opts);

/*
 * Remove every object under /objects and every file in the scratch directory, and go back to
 * the fuzzer's own cwd (it reads its corpus by relative paths between inputs).
 */
void fuzz_objects_clear(HdTree *tree);

#endif /* FUZZ_OBJECTS_H */
