/*
 * QMP monitor on a chardev: greets each client, feeds its bytes through the JSON splitter to
 * the dispatcher, writes replies, and forgets the negotiation when the client goes.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <unistd.h>

#include "monitor-internal.h"

static GList *monitors;
static Monitor *current;

GList *monitor_all(void)
{
    return monitors;
}

Monitor *monitor_current(void)
{
    return current;
}

Monitor *monitor_set_current(Monitor *mon)
{
    Monitor *prev = current;

    current = mon;
    return prev;
}

JsonObject *qmp_version_object(void)
{
    JsonObject *version = json_object_new();
    JsonObject *qemu = json_object_new();

    /* The QEMU level whose QMP and command line hostdev speaks, so management accepts it. */
    json_object_set_int_member(qemu, "major", 10);
    json_object_set_int_member(qemu, "minor", 0);
    json_object_set_int_member(qemu, "micro", 0);
    json_object_set_object_member(version, "qemu", qemu);
    json_object_set_string_member(version, "package", "hostdev-" HOSTDEV_VERSION);
    return version;
}

static void on_splitter_output(void *opaque, const char *text, gsize len, const GError *error)
{
    Monitor *mon = opaque;
    g_autoptr(JsonNode) reply = error ? qmp_error_reply(error, NULL)
                                      : qmp_dispatch(mon, text, len);

    qmp_send(mon, reply);
}

static void on_read(void *opaque, const guint8 *buf, gsize len)
{
    Monitor *mon = opaque;

    json_splitter_feed(mon->splitter, buf, len);
}

static void on_connected(void *opaque)
{
    Monitor *mon = opaque;
    JsonObject *greeting = json_object_new();
    JsonObject *qmp = json_object_new();
    g_autoptr(JsonNode) node = NULL;

    mon->negotiated = false;
    json_splitter_reset(mon->splitter);
    json_object_set_object_member(qmp, "version", qmp_version_object());
    json_object_set_array_member(qmp, "capabilities", json_array_new());
    json_object_set_object_member(greeting, "QMP", qmp);
    node = qmp_take_object(greeting);
    qmp_send(mon, node);
}

static void on_disconnected(void *opaque)
{
    Monitor *mon = opaque;

    mon->negotiated = false;
    json_splitter_reset(mon->splitter);
}

static const ChardevHandlers qmp_handlers = {
    .read = on_read,
    .connected = on_connected,
    .disconnected = on_disconnected,
};

static void close_fd(gpointer fd)
{
    close(GPOINTER_TO_INT(fd));
}

Monitor *monitor_new_qmp(Chardev *chr, GError **errp)
{
    Monitor *mon = g_new0(Monitor, 1);

    qmp_has_command("qmp_capabilities"); /* registers the built-in commands once */
    mon->chr = chardev_ref(chr);
    mon->splitter = json_splitter_new(QMP_MAX_REQUEST_SIZE, on_splitter_output, mon);
    mon->named_fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, close_fd);
    monitors = g_list_append(monitors, mon);
    if (!chardev_set_handlers(chr, &qmp_handlers, mon, errp)) {
        g_prefix_error(errp, "cannot start a QMP monitor: ");
        monitors = g_list_remove(monitors, mon);
        mon->chr = NULL;
        chardev_unref(chr);
        monitor_free(mon);
        return NULL;
    }
    return mon;
}

Monitor *monitor_new_qmp_by_id(const char *chardev_id, GError **errp)
{
    Chardev *chr = chardev_find(chardev_id);

    if (!chr) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "chardev '%s' not found: define it with -chardev before -mon", chardev_id);
        return NULL;
    }
    return monitor_new_qmp(chr, errp);
}

void monitor_free(Monitor *mon)
{
    if (!mon) {
        return;
    }
    monitors = g_list_remove(monitors, mon);
    if (current == mon) {
        current = NULL;
    }
    if (mon->chr) {
        chardev_clear_handlers(mon->chr);
        chardev_unref(mon->chr);
    }
    json_splitter_free(mon->splitter);
    g_hash_table_unref(mon->named_fds);
    g_free(mon);
}

void monitor_cleanup(void)
{
    while (monitors) {
        monitor_free(monitors->data);
    }
    monitor_fdsets_clear();
    qmp_registry_clear();
}
