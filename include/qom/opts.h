/*
 * Object model: option text as -device, -object and QMP give it.
 * Parses "driver,key=val,flag" (",," is a literal comma) and the JSON form "{...}" into an
 * ordered key/value list whose values are JsonNodes (strings, booleans, integers).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QOM_OPTS_H
#define QOM_OPTS_H

#include <json-glib/json-glib.h>
#include <stdbool.h>

typedef struct HdOpts HdOpts;

/* An empty list. */
HdOpts *hd_opts_new(void);

/* Free @opts and its keys and values; NULL is fine. */
void hd_opts_free(HdOpts *opts);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HdOpts, hd_opts_free)

/*
 * Parse option text. Text starting with '{' is a JSON object whose members are strings,
 * booleans or integers. Otherwise "key=value" items separated by ',': ",," is a literal comma,
 * a bare "key" means key=on, a first item without '=' is the value of @implied_key (e.g.
 * "driver"; NULL: none), a bare "help" or "?" asks for help (see hd_opts_wants_help()).
 * A repeated key keeps its last value. Errors quote the text and say what is wrong.
 */
HdOpts *hd_opts_parse(const char *text, const char *implied_key, GError **errp);

/* Options from a JSON object (e.g. QMP device_add arguments), same rules as the JSON form. */
HdOpts *hd_opts_from_json_object(JsonObject *object, GError **errp);

/* Whether the text asked for help: "help" or "?" as a bare item or the implied value. */
bool hd_opts_wants_help(const HdOpts *opts);

/* The number of keys. */
guint hd_opts_size(const HdOpts *opts);

/* The key at @index (0 <= index < size), in order of last assignment. */
const char *hd_opts_key(const HdOpts *opts, guint index);

/* The value at @index: a JSON value node of type string, boolean or int64. */
JsonNode *hd_opts_value(const HdOpts *opts, guint index);

/* The value of @key, or NULL when absent. */
JsonNode *hd_opts_lookup(const HdOpts *opts, const char *key);

/* The value of @key when it is a string, else NULL. */
const char *hd_opts_get_string(const HdOpts *opts, const char *key);

/* Set @key to the string @value, replacing any earlier value (it moves to the end). */
void hd_opts_set_string(HdOpts *opts, const char *key, const char *value);

/* Set @key to a copy of @value (a string, boolean or int64 value node), as above. */
void hd_opts_set_node(HdOpts *opts, const char *key, JsonNode *value);

/* Remove @key; false when it was absent. */
bool hd_opts_remove(HdOpts *opts, const char *key);

#endif /* QOM_OPTS_H */
