/*
 * Chardev registry and the "unix:PATH,..." shorthand of -qmp, -qtest and -serial.
 * The registry owns every chardev by id; frontends borrow them or take references.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <string.h>

#include "chardev-internal.h"

static GHashTable *registry;

bool chardev_registry_check(const char *id, GError **errp)
{
    if (!id || !g_ascii_isalpha(id[0])) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "chardev id '%s' is invalid: it must start with a letter", id ? id : "");
        return false;
    }
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.') {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "chardev id '%s' is invalid: use only letters, digits, '-', '_' and '.'",
                        id);
            return false;
        }
    }
    if (chardev_find(id)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_EXISTS,
                    "chardev '%s' already exists: give each chardev its own id", id);
        return false;
    }
    return true;
}

void chardev_registry_add(const char *id, Chardev *chr)
{
    if (!registry) {
        registry = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify)chardev_unref);
    }
    g_hash_table_insert(registry, g_strdup(id), chardev_ref(chr));
}

void chardev_registry_remove(const char *id)
{
    if (registry) {
        g_hash_table_remove(registry, id);
    }
}

Chardev *chardev_find(const char *id)
{
    return registry && id ? g_hash_table_lookup(registry, id) : NULL;
}

void chardev_foreach(void (*fn)(const char *id, const char *filename, void *opaque),
                     void *opaque)
{
    GHashTableIter it;
    gpointer key, value;

    if (!registry) {
        return;
    }
    g_hash_table_iter_init(&it, registry);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_autofree char *filename = chardev_filename(value);

        fn(key, filename, opaque);
    }
}

void chardev_close_all(void)
{
    if (!registry) {
        return;
    }
    g_autoptr(GList) all = g_hash_table_get_values(registry);
    for (GList *l = all; l; l = l->next) {
        chardev_close(l->data);
    }
    g_clear_pointer(&registry, g_hash_table_unref);
}

static bool parse_onoff(const char *key, const char *value, bool *out, GError **errp)
{
    static const char *const yes[] = { "on", "yes", "true" };
    static const char *const no[] = { "off", "no", "false" };

    for (guint i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (!strcmp(value, yes[i]) || !strcmp(value, no[i])) {
            *out = !strcmp(value, yes[i]);
            return true;
        }
    }
    g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "chardev option '%s=%s' is invalid: use on or off", key, value);
    return false;
}

/* One option of the shorthand after the path: server[=B], wait=B or nowait. */
static bool parse_spec_option(const char *opt, bool *server, bool *wait, bool *wait_set,
                              GError **errp)
{
    const char *eq = strchr(opt, '=');
    g_autofree char *key = eq ? g_strndup(opt, eq - opt) : g_strdup(opt);

    if (!strcmp(key, "server") || !strcmp(key, "wait")) {
        bool *flag = !strcmp(key, "server") ? server : wait;

        *wait_set |= flag == wait;
        if (!eq) {
            *flag = true;
            return true;
        }
        return parse_onoff(key, eq + 1, flag, errp);
    }
    if (!strcmp(opt, "nowait")) {
        *wait_set = true;
        *wait = false;
        return true;
    }
    g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "chardev option '%s' is not supported here: use server=on|off and wait=on|off",
                opt);
    return false;
}

Chardev *chardev_new_from_spec(const char *id, const char *spec, GError **errp)
{
    bool server = false, wait = true, wait_set = false;
    const char *p;

    if (!spec || !g_str_has_prefix(spec, "unix:")) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "chardev '%s' is not supported: use unix:PATH[,server=on][,wait=off]",
                    spec ? spec : "");
        return NULL;
    }
    /* The path runs to the first single comma; ",," stands for a comma in it. */
    g_autoptr(GString) path = g_string_new(NULL);
    for (p = spec + strlen("unix:"); *p; p++) {
        if (*p == ',' && p[1] == ',') {
            p++;
        } else if (*p == ',') {
            break;
        }
        g_string_append_c(path, *p);
    }
    if (!path->len) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "chardev '%s' has no socket path: use unix:PATH", spec);
        return NULL;
    }
    if (*p == ',') {
        g_auto(GStrv) opts = g_strsplit(p + 1, ",", -1);
        for (guint i = 0; opts[i]; i++) {
            if (!parse_spec_option(opts[i], &server, &wait, &wait_set, errp)) {
                return NULL;
            }
        }
    }
    if (wait_set && !server) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "chardev '%s': wait applies only to a server: add server=on or drop wait",
                    spec);
        return NULL;
    }
    return chardev_new_socket(id, path->str, -1, server, server && wait, errp);
}
