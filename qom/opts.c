/*
 * Option text parser: "driver,key=val,,more,flag" and '{"driver": "x", "n": 1}'.
 * Produces an ordered list of keys with JsonNode values, so JSON keeps its types and the
 * key=value form yields strings; property code converts either according to the GParamSpec.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/opts.h"
#include "qom/object.h"

#include <string.h>

typedef struct {
    char *key;
    JsonNode *value;
} HdOpt;

struct HdOpts {
    GPtrArray *items; /* HdOpt *, order of last assignment */
    bool help;
};

static void hd_opt_free(gpointer p)
{
    HdOpt *opt = p;

    g_free(opt->key);
    json_node_unref(opt->value);
    g_free(opt);
}

HdOpts *hd_opts_new(void)
{
    HdOpts *opts = g_new0(HdOpts, 1);

    opts->items = g_ptr_array_new_with_free_func(hd_opt_free);
    return opts;
}

void hd_opts_free(HdOpts *opts)
{
    if (opts) {
        g_ptr_array_unref(opts->items);
        g_free(opts);
    }
}

static gint opts_index(const HdOpts *opts, const char *key)
{
    for (guint i = 0; i < opts->items->len; i++) {
        if (strcmp(((HdOpt *)opts->items->pdata[i])->key, key) == 0) {
            return (gint)i;
        }
    }
    return -1;
}

/* Store @key = @value (taking @value): an earlier value is dropped, the key moves last. */
static void opts_take(HdOpts *opts, const char *key, JsonNode *value)
{
    HdOpt *opt = g_new0(HdOpt, 1);

    hd_opts_remove(opts, key);
    opt->key = g_strdup(key);
    opt->value = value;
    g_ptr_array_add(opts->items, opt);
}

void hd_opts_set_string(HdOpts *opts, const char *key, const char *value)
{
    g_return_if_fail(opts && key && value);
    opts_take(opts, key, json_node_init_string(json_node_alloc(), value));
}

void hd_opts_set_node(HdOpts *opts, const char *key, JsonNode *value)
{
    g_return_if_fail(opts && key && value && JSON_NODE_HOLDS_VALUE(value));
    opts_take(opts, key, json_node_copy(value));
}

bool hd_opts_remove(HdOpts *opts, const char *key)
{
    gint index = opts_index(opts, key);

    if (index < 0) {
        return false;
    }
    g_ptr_array_remove_index(opts->items, (guint)index);
    return true;
}

bool hd_opts_wants_help(const HdOpts *opts)
{
    return opts->help;
}

guint hd_opts_size(const HdOpts *opts)
{
    return opts->items->len;
}

const char *hd_opts_key(const HdOpts *opts, guint index)
{
    g_return_val_if_fail(index < opts->items->len, NULL);
    return ((HdOpt *)opts->items->pdata[index])->key;
}

JsonNode *hd_opts_value(const HdOpts *opts, guint index)
{
    g_return_val_if_fail(index < opts->items->len, NULL);
    return ((HdOpt *)opts->items->pdata[index])->value;
}

JsonNode *hd_opts_lookup(const HdOpts *opts, const char *key)
{
    gint index = opts_index(opts, key);

    return index < 0 ? NULL : hd_opts_value(opts, (guint)index);
}

const char *hd_opts_get_string(const HdOpts *opts, const char *key)
{
    JsonNode *node = hd_opts_lookup(opts, key);

    if (!node || json_node_get_value_type(node) != G_TYPE_STRING) {
        return NULL;
    }
    return json_node_get_string(node);
}

/* Keys are property names: letters, digits, '-', '_' and '.'. */
static bool key_is_valid(const char *key)
{
    for (const char *p = key; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-_.", *p)) {
            return false;
        }
    }
    return true;
}

static bool is_help(const char *item)
{
    return strcmp(item, "help") == 0 || strcmp(item, "?") == 0;
}

/* Copy the item starting at *pos up to a single ',' or the end, turning ",," into ','. */
static char *next_item(const char **pos)
{
    GString *item = g_string_new(NULL);
    const char *p = *pos;

    while (*p) {
        if (*p == ',') {
            if (p[1] != ',') {
                break;
            }
            p++;
        }
        g_string_append_c(item, *p++);
    }
    *pos = p;
    return g_string_free(item, FALSE);
}

static HdOpts *parse_keyval(const char *text, const char *implied_key, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_new();
    const char *pos = text;
    bool first = true;

    while (*pos) {
        g_autofree char *item = next_item(&pos);
        char *eq = strchr(item, '=');

        if (*pos == ',') {
            pos++;
            if (!*pos) {
                g_set_error(
                    errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "invalid option text '%s': trailing ',' (write ',,' for a comma in a value)",
                    text);
                return NULL;
            }
        }
        if (eq) {
            *eq = '\0';
            if (!*item) {
                g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                            "invalid option text '%s': empty key", text);
                return NULL;
            }
            if (!key_is_valid(item)) {
                g_set_error(
                    errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "invalid option text '%s': invalid key '%s' (keys use letters, digits, '-', '_' and '.')",
                    text, item);
                return NULL;
            }
            hd_opts_set_string(opts, item, eq + 1);
        } else if (!*item) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "invalid option text '%s': empty item between commas", text);
            return NULL;
        } else if (is_help(item)) {
            opts->help = true;
        } else if (first && implied_key) {
            hd_opts_set_string(opts, implied_key, item);
        } else if (!key_is_valid(item)) {
            g_set_error(
                errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "invalid option text '%s': invalid key '%s' (keys use letters, digits, '-', '_' and '.'; values follow '=')",
                text, item);
            return NULL;
        } else {
            hd_opts_set_string(opts, item, "on");
        }
        first = false;
    }
    return g_steal_pointer(&opts);
}

/* Check one JSON member: strings, booleans and integers only. */
static bool json_value_ok(const char *key, JsonNode *node, GError **errp)
{
    const char *why = NULL;

    switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT:
    case JSON_NODE_ARRAY:
        why = "nested objects and arrays are not supported; give a string, integer or boolean";
        break;
    case JSON_NODE_NULL:
        why = "null is not a value; leave the key out instead";
        break;
    case JSON_NODE_VALUE:
        if (json_node_get_value_type(node) == G_TYPE_DOUBLE) {
            why = "floating-point numbers are not supported; give an integer or a string";
        }
        break;
    }
    if (why) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "invalid JSON option '%s': %s", key,
                    why);
        return false;
    }
    return true;
}

HdOpts *hd_opts_from_json_object(JsonObject *object, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_new();
    JsonObjectIter iter;
    const char *key;
    JsonNode *node;

    json_object_iter_init_ordered(&iter, object);
    while (json_object_iter_next_ordered(&iter, &key, &node)) {
        if (!json_value_ok(key, node, errp)) {
            return NULL;
        }
        hd_opts_set_node(opts, key, node);
    }
    return g_steal_pointer(&opts);
}

static HdOpts *parse_json(const char *text, GError **errp)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;
    JsonNode *root;

    if (!json_parser_load_from_data(parser, text, -1, &err)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "invalid JSON option text '%s': %s",
                    text, err->message);
        return NULL;
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "invalid JSON option text '%s': expected one JSON object", text);
        return NULL;
    }
    return hd_opts_from_json_object(json_node_get_object(root), errp);
}

HdOpts *hd_opts_parse(const char *text, const char *implied_key, GError **errp)
{
    g_return_val_if_fail(text != NULL, NULL);
    if (text[0] == '{') {
        return parse_json(text, errp);
    }
    return parse_keyval(text, implied_key, errp);
}
