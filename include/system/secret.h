/*
 * The secret object (-object secret, backends/secret.c) and how other objects read a value.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_SECRET_H
#define SYSTEM_SECRET_H

#include <glib-object.h>

#include "qom/user-object.h"

#define HD_TYPE_SECRET (hd_secret_get_type())
G_DECLARE_FINAL_TYPE(HdSecret, hd_secret, HD, SECRET, HdUserObject)

/* Register "secret" with the type registry. */
void secret_register_types(void);

/* The plain value of the loaded secret @id (/objects/ID); unref it. */
GBytes *hd_secret_lookup(const char *id, GError **errp);

#endif /* SYSTEM_SECRET_H */
