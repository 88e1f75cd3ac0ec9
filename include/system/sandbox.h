/*
 * -sandbox on: the seccomp filter that denies groups of system calls (system/sandbox.c).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_SANDBOX_H
#define SYSTEM_SANDBOX_H

#include <glib.h>
#include <stdbool.h>

#include "system/options.h"

/*
 * Load a filter into every thread of the process that makes the calls of the @deny groups
 * (HdSandboxGroup bits) fail with EPERM. It cannot be removed again.
 */
bool hd_sandbox_apply(unsigned deny, GError **errp);

#endif /* SYSTEM_SANDBOX_H */
