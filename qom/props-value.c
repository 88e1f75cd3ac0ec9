/*
 * Property values: option text or JSON nodes converted to GValues by GParamSpec.
 * Booleans (on/off, yes/no, true/false), integers in decimal or 0x hex with range checks,
 * sizes with K/M/G/T/P/E suffixes, strings and enums by nick.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qom/props.h"
#include "qom/object.h"

#include <string.h>

/* Range and names of an integer pspec. */
typedef struct {
    bool is_signed;
    gint64 smin, smax;
    guint64 umin, umax;
    const char *type;
} IntSpec;

static GQuark hd_param_size_quark(void)
{
    return g_quark_from_static_string("hd-param-size");
}

void hd_param_spec_set_size(GParamSpec *pspec)
{
    g_return_if_fail(G_IS_PARAM_SPEC(pspec));
    g_param_spec_set_qdata(pspec, hd_param_size_quark(), GINT_TO_POINTER(1));
}

bool hd_param_spec_is_size(GParamSpec *pspec)
{
    return g_param_spec_get_qdata(pspec, hd_param_size_quark()) != NULL;
}

static GQuark hd_param_pci_devfn_quark(void)
{
    return g_quark_from_static_string("hd-param-pci-devfn");
}

void hd_param_spec_set_pci_devfn(GParamSpec *pspec)
{
    g_return_if_fail(G_IS_PARAM_SPEC_STRING(pspec));
    g_param_spec_set_qdata(pspec, hd_param_pci_devfn_quark(), GINT_TO_POINTER(1));
}

bool hd_param_spec_is_pci_devfn(GParamSpec *pspec)
{
    return g_param_spec_get_qdata(pspec, hd_param_pci_devfn_quark()) != NULL;
}

GParamSpec *hd_param_spec_size(const char *name, const char *blurb, guint64 min, guint64 max,
                               guint64 default_value, GParamFlags flags)
{
    GParamSpec *pspec = g_param_spec_uint64(name, name, blurb, min, max, default_value, flags);

    hd_param_spec_set_size(pspec);
    return pspec;
}

/* Fill @s from an integer @pspec; false for any other kind. */
static bool int_spec(GParamSpec *pspec, IntSpec *s)
{
    bool long64 = GLIB_SIZEOF_LONG == 8;

    if (G_IS_PARAM_SPEC_CHAR(pspec)) {
        GParamSpecChar *p = G_PARAM_SPEC_CHAR(pspec);

        *s = (IntSpec){.is_signed = true, .smin = p->minimum, .smax = p->maximum, .type = "int8"};
    } else if (G_IS_PARAM_SPEC_UCHAR(pspec)) {
        GParamSpecUChar *p = G_PARAM_SPEC_UCHAR(pspec);

        *s = (IntSpec){.umin = p->minimum, .umax = p->maximum, .type = "uint8"};
    } else if (G_IS_PARAM_SPEC_INT(pspec)) {
        GParamSpecInt *p = G_PARAM_SPEC_INT(pspec);

        *s = (IntSpec){.is_signed = true, .smin = p->minimum, .smax = p->maximum, .type = "int32"};
    } else if (G_IS_PARAM_SPEC_UINT(pspec)) {
        GParamSpecUInt *p = G_PARAM_SPEC_UINT(pspec);

        *s = (IntSpec){.umin = p->minimum, .umax = p->maximum, .type = "uint32"};
    } else if (G_IS_PARAM_SPEC_LONG(pspec)) {
        GParamSpecLong *p = G_PARAM_SPEC_LONG(pspec);

        *s = (IntSpec){.is_signed = true,
                       .smin = p->minimum,
                       .smax = p->maximum,
                       .type = long64 ? "int64" : "int32"};
    } else if (G_IS_PARAM_SPEC_ULONG(pspec)) {
        GParamSpecULong *p = G_PARAM_SPEC_ULONG(pspec);

        *s =
            (IntSpec){.umin = p->minimum, .umax = p->maximum, .type = long64 ? "uint64" : "uint32"};
    } else if (G_IS_PARAM_SPEC_INT64(pspec)) {
        GParamSpecInt64 *p = G_PARAM_SPEC_INT64(pspec);

        *s = (IntSpec){.is_signed = true, .smin = p->minimum, .smax = p->maximum, .type = "int64"};
    } else if (G_IS_PARAM_SPEC_UINT64(pspec)) {
        GParamSpecUInt64 *p = G_PARAM_SPEC_UINT64(pspec);

        *s = (IntSpec){.umin = p->minimum, .umax = p->maximum, .type = "uint64"};
    } else {
        return false;
    }
    return true;
}

const char *hd_param_spec_type_name(GParamSpec *pspec)
{
    GType type = G_PARAM_SPEC_VALUE_TYPE(pspec);
    IntSpec s;

    if (int_spec(pspec, &s)) {
        return hd_param_spec_is_size(pspec) ? "size" : s.type;
    }
    if (type == G_TYPE_BOOLEAN) {
        return "bool";
    }
    if (type == G_TYPE_STRING) {
        return "str";
    }
    if (type == G_TYPE_STRV) {
        return "strList";
    }
    if (G_TYPE_IS_ENUM(type)) {
        const char *name = g_type_name(type);

        /* "HdOnOffAuto" reads as QEMU's "OnOffAuto". */
        return g_str_has_prefix(name, "Hd") && g_ascii_isupper(name[2]) ? name + 2 : name;
    }
    return g_type_name(type);
}

/* What @pspec accepts, for "expects ..., not ..." messages; free it. */
static char *expected_form(GParamSpec *pspec)
{
    GType type = G_PARAM_SPEC_VALUE_TYPE(pspec);
    IntSpec s;

    if (type == G_TYPE_BOOLEAN) {
        return g_strdup("on or off");
    }
    if (type == G_TYPE_STRING && hd_param_spec_is_pci_devfn(pspec)) {
        return g_strdup("SLOT[.FN] in hex or a devfn from 0 to 255");
    }
    if (type == G_TYPE_STRING) {
        return g_strdup("a string");
    }
    if (G_TYPE_IS_ENUM(type)) {
        GEnumClass *klass = G_PARAM_SPEC_ENUM(pspec)->enum_class;
        g_autoptr(GString) form = g_string_new("one of ");

        for (guint i = 0; i < klass->n_values; i++) {
            g_string_append_printf(form, "%s%s", i ? ", " : "", klass->values[i].value_nick);
        }
        return g_string_free(g_steal_pointer(&form), FALSE);
    }
    if (!int_spec(pspec, &s)) {
        return g_strdup_printf("a %s (not settable from option text)", g_type_name(type));
    }
    if (hd_param_spec_is_size(pspec)) {
        return s.is_signed
                   ? g_strdup_printf("a size from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                                     " bytes (suffix K, M, G, T, P or E allowed)",
                                     s.smin, s.smax)
                   : g_strdup_printf("a size from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                                     " bytes (suffix K, M, G, T, P or E allowed)",
                                     s.umin, s.umax);
    }
    return s.is_signed
               ? g_strdup_printf("an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                                 s.smin, s.smax)
               : g_strdup_printf("an integer from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                                 s.umin, s.umax);
}

/* "WHAT: property 'NAME' expects FORM, not GIVEN" */
static void set_bad_value(GError **errp, GParamSpec *pspec, const char *what, const char *given)
{
    g_autofree char *form = expected_form(pspec);

    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "%s: property '%s' expects %s, not %s",
                what, pspec->name, form, given);
}

static void set_bad_text(GError **errp, GParamSpec *pspec, const char *what, const char *text)
{
    g_autofree char *quoted = g_strdup_printf("'%s'", text);

    set_bad_value(errp, pspec, what, quoted);
}

/*
 * Parse "[-]DIGITS" or "[-]0xHEX", then a size suffix when @size; the magnitude must fit in
 * 64 bits. False on any syntax error or overflow.
 */
static bool parse_number(const char *text, bool size, bool *negative, guint64 *magnitude)
{
    const char *p = text;
    guint base = 10;
    guint64 n = 0;
    int shift = 0;

    *negative = *p == '-';
    if (*negative) {
        p++;
    }
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!g_ascii_isxdigit(*p) || (base == 10 && !g_ascii_isdigit(*p))) {
        return false;
    }
    for (; base == 16 ? g_ascii_isxdigit(*p) : g_ascii_isdigit(*p); p++) {
        guint digit = g_ascii_xdigit_value(*p);

        if (n > (G_MAXUINT64 - digit) / base) {
            return false;
        }
        n = n * base + digit;
    }
    if (size && *p) {
        const char *suffixes = "KMGTPE";
        const char *hit = strchr(suffixes, g_ascii_toupper(*p));

        if (!hit || p[1]) {
            return false;
        }
        shift = 10 * (int)(hit - suffixes + 1);
        p++;
    }
    if (*p || (shift && n > (G_MAXUINT64 >> shift))) {
        return false;
    }
    *magnitude = n << shift;
    return true;
}

/* Store a signed or unsigned number into @value if it is within @pspec's range. */
static bool int_to_value(GParamSpec *pspec, bool negative, guint64 magnitude, GValue *value)
{
    IntSpec s;

    int_spec(pspec, &s);
    if (negative && magnitude > 0) {
        gint64 v;

        if (!s.is_signed || magnitude > (guint64)G_MAXINT64 + 1) {
            return false;
        }
        v = magnitude == (guint64)G_MAXINT64 + 1 ? G_MININT64 : -(gint64)magnitude;
        if (v < s.smin || v > s.smax) {
            return false;
        }
        magnitude = (guint64)v;
    } else if (s.is_signed ? magnitude > (guint64)s.smax || (gint64)magnitude < s.smin
                           : magnitude < s.umin || magnitude > s.umax) {
        return false;
    }
    g_value_init(value, G_PARAM_SPEC_VALUE_TYPE(pspec));
    switch (G_TYPE_FUNDAMENTAL(G_PARAM_SPEC_VALUE_TYPE(pspec))) {
    case G_TYPE_CHAR:
        g_value_set_schar(value, (gint8)(gint64)magnitude);
        break;
    case G_TYPE_UCHAR:
        g_value_set_uchar(value, (guint8)magnitude);
        break;
    case G_TYPE_INT:
        g_value_set_int(value, (gint)(gint64)magnitude);
        break;
    case G_TYPE_UINT:
        g_value_set_uint(value, (guint)magnitude);
        break;
    case G_TYPE_LONG:
        g_value_set_long(value, (glong)(gint64)magnitude);
        break;
    case G_TYPE_ULONG:
        g_value_set_ulong(value, (gulong)magnitude);
        break;
    case G_TYPE_INT64:
        g_value_set_int64(value, (gint64)magnitude);
        break;
    default:
        g_value_set_uint64(value, magnitude);
        break;
    }
    return true;
}

bool hd_param_value_from_text(GParamSpec *pspec, const char *text, const char *what, GValue *value,
                              GError **errp)
{
    GType type = G_PARAM_SPEC_VALUE_TYPE(pspec);
    bool negative;
    guint64 magnitude;
    IntSpec s;

    if (type == G_TYPE_BOOLEAN) {
        static const char *const yes[] = {"on", "yes", "true", NULL};
        static const char *const no[] = {"off", "no", "false", NULL};

        if (g_strv_contains(yes, text) || g_strv_contains(no, text)) {
            g_value_init(value, type);
            g_value_set_boolean(value, g_strv_contains(yes, text));
            return true;
        }
    } else if (type == G_TYPE_STRING) {
        g_value_init(value, type);
        g_value_set_string(value, text);
        return true;
    } else if (G_TYPE_IS_ENUM(type)) {
        GEnumValue *ev = g_enum_get_value_by_nick(G_PARAM_SPEC_ENUM(pspec)->enum_class, text);

        if (ev) {
            g_value_init(value, type);
            g_value_set_enum(value, ev->value);
            return true;
        }
    } else if (int_spec(pspec, &s)) {
        if (parse_number(text, hd_param_spec_is_size(pspec), &negative, &magnitude) &&
            int_to_value(pspec, negative, magnitude, value)) {
            return true;
        }
    }
    set_bad_text(errp, pspec, what, text);
    return false;
}

bool hd_param_value_from_node(GParamSpec *pspec, JsonNode *node, const char *what, GValue *value,
                              GError **errp)
{
    GType type = G_PARAM_SPEC_VALUE_TYPE(pspec);
    GType node_type = JSON_NODE_HOLDS_VALUE(node) ? json_node_get_value_type(node) : G_TYPE_NONE;
    IntSpec s;

    if (node_type == G_TYPE_STRING) {
        return hd_param_value_from_text(pspec, json_node_get_string(node), what, value, errp);
    }
    if (node_type == G_TYPE_BOOLEAN) {
        if (type == G_TYPE_BOOLEAN) {
            g_value_init(value, type);
            g_value_set_boolean(value, json_node_get_boolean(node));
            return true;
        }
        set_bad_value(errp, pspec, what, json_node_get_boolean(node) ? "true" : "false");
        return false;
    }
    if (node_type == G_TYPE_INT64) {
        gint64 n = json_node_get_int(node);
        g_autofree char *given = g_strdup_printf("%" G_GINT64_FORMAT, n);
        guint64 magnitude = n < 0 ? -(guint64)n : (guint64)n;

        if (int_spec(pspec, &s) && int_to_value(pspec, n < 0, magnitude, value)) {
            return true;
        }
        if (type == G_TYPE_STRING && hd_param_spec_is_pci_devfn(pspec) && n >= 0 && n <= 255) {
            g_value_init(value, G_TYPE_STRING);
            g_value_take_string(value, g_strdup_printf("%x.%x", (int)(n >> 3), (int)(n & 7)));
            return true;
        }
        set_bad_value(errp, pspec, what, given);
        return false;
    }
    set_bad_value(errp, pspec, what, "a JSON value of another kind");
    return false;
}
