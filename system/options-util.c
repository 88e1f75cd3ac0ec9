/*
 * Command line helpers shared by the option handlers and the objects they configure:
 * sizes with suffixes, booleans spelled the QEMU ways, and key checks that name the option.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qom/object.h"
#include "system/options.h"

bool hd_parse_size(const char *text, uint64_t default_unit, uint64_t *out, GError **errp)
{
    static const char suffixes[] = "KMGTPE";
    const char *p;
    char *end = NULL;
    uint64_t value, unit = default_unit;

    if (!text || !g_ascii_isdigit(text[0])) {
        goto bad;
    }
    errno = 0;
    value = g_ascii_strtoull(text, &end, 10);
    if (errno || end == text) {
        goto bad;
    }
    if (*end) {
        p = strchr(suffixes, g_ascii_toupper(*end));
        if (!p) {
            goto bad;
        }
        unit = 1ULL << (10 * (p - suffixes + 1));
        end++;
        if (*end == 'B' || *end == 'b') {
            end++;
        }
        if (*end) {
            goto bad;
        }
    }
    if (unit && value > UINT64_MAX / unit) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "size '%s' is too large (at most 16 EiB - 1)", text);
        return false;
    }
    *out = value * unit;
    return true;

bad:
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "invalid size '%s' (expected a number with an optional K, M, G or T suffix)",
                text ? text : "");
    return false;
}

char *hd_opts_get_text(const HdOpts *opts, const char *key)
{
    JsonNode *node = hd_opts_lookup(opts, key);

    if (!node || JSON_NODE_TYPE(node) != JSON_NODE_VALUE) {
        return NULL;
    }
    switch (json_node_get_value_type(node)) {
    case G_TYPE_STRING:
        return g_strdup(json_node_get_string(node));
    case G_TYPE_BOOLEAN:
        return g_strdup(json_node_get_boolean(node) ? "on" : "off");
    case G_TYPE_INT64:
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
    default:
        return NULL;
    }
}

bool hd_opts_get_bool(const HdOpts *opts, const char *key, bool def, const char *what, bool *out,
                      GError **errp)
{
    static const char *const yes[] = { "on", "yes", "true", NULL };
    static const char *const no[] = { "off", "no", "false", NULL };
    JsonNode *node = hd_opts_lookup(opts, key);
    const char *text;

    if (!node) {
        *out = def;
        return true;
    }
    if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_BOOLEAN) {
        *out = json_node_get_boolean(node);
        return true;
    }
    text = hd_opts_get_string(opts, key);
    if (text && g_strv_contains(yes, text)) {
        *out = true;
        return true;
    }
    if (text && g_strv_contains(no, text)) {
        *out = false;
        return true;
    }
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "%s: %s needs on or off, not '%s'", what, key, text ? text : "(non-string)");
    return false;
}

bool hd_opts_check_keys(const HdOpts *opts, const char *const *allowed, const char *what,
                        GError **errp)
{
    for (guint i = 0; i < hd_opts_size(opts); i++) {
        const char *key = hd_opts_key(opts, i);

        if (!g_strv_contains(allowed, key)) {
            g_autofree char *list = g_strjoinv(", ", (char **)allowed);

            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: parameter '%s' is not supported by hostdev (supported: %s)", what,
                        key, list);
            return false;
        }
    }
    return true;
}
