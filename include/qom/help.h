/*
 * Object model: help text for -device help, -object help and TYPE,help.
 * Built from the type registry and the GParamSpecs; the caller prints it.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QOM_HELP_H
#define QOM_HELP_H

#include <glib.h>

#include "qom/object.h"
#include "qom/opts.h"

/* -device help: user-creatable devices grouped by bus type, with descriptions; free it. */
char *hd_help_device_list(void);

/* -object help: the user object types with descriptions; free it. */
char *hd_help_object_list(void);

/* -device TYPE,help / -object TYPE,help: the type's properties, types, descriptions, defaults. */
char *hd_help_type_properties(const char *type_name, GError **errp);

/*
 * Help for parsed options that asked for it (hd_opts_wants_help()): the list of @category
 * when the implied key ("driver" or "qom-type") is absent, else that type's properties.
 */
char *hd_help_for_opts(const HdOpts *opts, HdTypeCategory category, GError **errp);

#endif /* QOM_HELP_H */
