/*
 * Chardev internals shared by the registry (char.c) and the socket backend (socket.c).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CHARDEV_INTERNAL_H
#define CHARDEV_INTERNAL_H

#include "chardev/chardev.h"

/* Fail unless @id is a valid chardev id that no registered chardev uses yet. */
bool chardev_registry_check(const char *id, GError **errp);

/* Register @chr under @id; the registry takes its own reference. */
void chardev_registry_add(const char *id, Chardev *chr);

/* Unregister @id, dropping the registry's reference. */
void chardev_registry_remove(const char *id);

#endif /* CHARDEV_INTERNAL_H */
