/*
 * QMP's JSON text form: one line, ": " after keys and ", " between members, as QEMU writes it
 * (json-glib's generator has no such mode); object members keep their insertion order.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <math.h>

#include "monitor/qmp.h"

static void append_string(GString *out, const char *s)
{
    g_autofree char *valid = g_utf8_validate(s, -1, NULL) ? NULL : g_utf8_make_valid(s, -1);

    g_string_append_c(out, '"');
    for (const char *p = valid ? valid : s; *p; p++) {
        guint8 c = *p;

        switch (c) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                g_string_append_printf(out, "\\u%04x", c);
            } else {
                g_string_append_c(out, c);
            }
        }
    }
    g_string_append_c(out, '"');
}

/* The shortest of %.15g and %.17g that reads back exactly; JSON has no inf or nan. */
static void append_double(GString *out, double d)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    if (!isfinite(d)) {
        g_string_append(out, "null");
        return;
    }
    g_ascii_formatd(buf, sizeof(buf), "%.15g", d);
    if (g_ascii_strtod(buf, NULL) != d) {
        g_ascii_formatd(buf, sizeof(buf), "%.17g", d);
    }
    g_string_append(out, buf);
}

static void append_value(GString *out, JsonNode *node)
{
    switch (json_node_get_value_type(node)) {
    case G_TYPE_INT64:
        g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int(node));
        break;
    case G_TYPE_DOUBLE:
        append_double(out, json_node_get_double(node));
        break;
    case G_TYPE_BOOLEAN:
        g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
        break;
    case G_TYPE_STRING:
        append_string(out, json_node_get_string(node));
        break;
    default:
        g_string_append(out, "null");
    }
}

void qmp_json_append(GString *out, JsonNode *node)
{
    switch (node ? JSON_NODE_TYPE(node) : JSON_NODE_NULL) {
    case JSON_NODE_OBJECT: {
        JsonObject *obj = json_node_get_object(node);
        g_autoptr(GList) members = obj ? json_object_get_members(obj) : NULL;

        g_string_append_c(out, '{');
        for (GList *l = members; l; l = l->next) {
            append_string(out, l->data);
            g_string_append(out, ": ");
            qmp_json_append(out, json_object_get_member(obj, l->data));
            g_string_append(out, l->next ? ", " : "");
        }
        g_string_append_c(out, '}');
        break;
    }
    case JSON_NODE_ARRAY: {
        JsonArray *arr = json_node_get_array(node);
        guint n = arr ? json_array_get_length(arr) : 0;

        g_string_append_c(out, '[');
        for (guint i = 0; i < n; i++) {
            qmp_json_append(out, json_array_get_element(arr, i));
            g_string_append(out, i + 1 < n ? ", " : "");
        }
        g_string_append_c(out, ']');
        break;
    }
    case JSON_NODE_VALUE:
        append_value(out, node);
        break;
    case JSON_NODE_NULL:
        g_string_append(out, "null");
        break;
    }
}
