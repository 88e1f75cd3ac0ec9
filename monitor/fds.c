/*
 * File descriptors passed over QMP: getfd/closefd name an fd per monitor, add-fd/remove-fd
 * keep global fd sets (/dev/fdset/N), query-fdsets lists them, and monitor_fd_get() hands
 * other components a private duplicate of any of them or of an inherited fd number.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "monitor-internal.h"

#define FDSET_PREFIX "/dev/fdset/"

typedef struct FdSetEntry {
    int fd;
    char *opaque;
} FdSetEntry;

typedef struct FdSet {
    gint64 id;
    GArray *fds; /* FdSetEntry, closed when removed */
} FdSet;

static GList *fdsets; /* FdSet, by increasing id */

static void fdset_entry_clear(gpointer p)
{
    FdSetEntry *e = p;

    close(e->fd);
    g_free(e->opaque);
}

static void fdset_free(gpointer p)
{
    FdSet *set = p;

    g_array_unref(set->fds);
    g_free(set);
}

void monitor_fdsets_clear(void)
{
    g_list_free_full(g_steal_pointer(&fdsets), fdset_free);
}

static FdSet *fdset_find(gint64 id)
{
    for (GList *l = fdsets; l; l = l->next) {
        if (((FdSet *)l->data)->id == id) {
            return l->data;
        }
    }
    return NULL;
}

static gint fdset_compare(gconstpointer a, gconstpointer b)
{
    gint64 x = ((const FdSet *)a)->id, y = ((const FdSet *)b)->id;

    return x < y ? -1 : x > y;
}

/* The set @id, created when missing; with @id negative, a new set with the lowest free id. */
static FdSet *fdset_get(gint64 id)
{
    FdSet *set;

    if (id < 0) {
        for (id = 0; fdset_find(id); id++) {
        }
    }
    set = fdset_find(id);
    if (!set) {
        set = g_new0(FdSet, 1);
        set->id = id;
        set->fds = g_array_new(FALSE, FALSE, sizeof(FdSetEntry));
        g_array_set_clear_func(set->fds, fdset_entry_clear);
        fdsets = g_list_insert_sorted(fdsets, set, fdset_compare);
    }
    return set;
}

static void fdset_remove(FdSet *set)
{
    fdsets = g_list_remove(fdsets, set);
    fdset_free(set);
}

/* The fd the client sent with this command, now ours; -1 with an error when none came. */
static int take_received_fd(const char *cmd, GError **errp)
{
    Monitor *mon = monitor_current();
    int fd = mon ? chardev_take_fd(mon->chr) : -1;

    if (fd < 0) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "No file descriptor supplied via SCM_RIGHTS: send one with %s", cmd);
    }
    return fd;
}

static bool qmp_getfd(JsonObject *args, JsonNode **ret, GError **errp)
{
    int fd = take_received_fd("getfd", errp);
    const char *name = json_object_get_string_member(args, "fdname");

    (void)ret;
    if (fd < 0) {
        return false;
    }
    if (!name[0] || g_ascii_isdigit(name[0]) || name[0] == '/') {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "Parameter 'fdname' expects a name not starting with a digit or '/'");
        close(fd);
        return false;
    }
    /* A name given again replaces (and closes) the fd it named. */
    g_hash_table_insert(monitor_current()->named_fds, g_strdup(name), GINT_TO_POINTER(fd));
    return true;
}

static bool qmp_closefd(JsonObject *args, JsonNode **ret, GError **errp)
{
    Monitor *mon = monitor_current();
    const char *name = json_object_get_string_member(args, "fdname");

    (void)ret;
    if (!mon || !g_hash_table_remove(mon->named_fds, name)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "File descriptor named '%s' not found", name);
        return false;
    }
    return true;
}

static bool qmp_add_fd(JsonObject *args, JsonNode **ret, GError **errp)
{
    int fd = take_received_fd("add-fd", errp);
    bool has_id = json_object_has_member(args, "fdset-id");
    gint64 id = has_id ? json_object_get_int_member(args, "fdset-id") : -1;
    const char *opaque = json_object_get_string_member_with_default(args, "opaque", NULL);

    if (fd < 0) {
        return false;
    }
    if (has_id && id < 0) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "Parameter 'fdset-id' expects a non-negative value");
        close(fd);
        return false;
    }

    FdSet *set = fdset_get(has_id ? id : -1);
    FdSetEntry entry = { .fd = fd, .opaque = g_strdup(opaque) };
    JsonObject *info = json_object_new();

    g_array_append_val(set->fds, entry);
    json_object_set_int_member(info, "fdset-id", set->id);
    json_object_set_int_member(info, "fd", fd);
    *ret = qmp_take_object(info);
    return true;
}

static bool qmp_remove_fd(JsonObject *args, JsonNode **ret, GError **errp)
{
    gint64 id = json_object_get_int_member(args, "fdset-id");
    bool has_fd = json_object_has_member(args, "fd");
    gint64 fd = has_fd ? json_object_get_int_member(args, "fd") : -1;
    FdSet *set;

    (void)ret;
    set = fdset_find(id);
    if (set && !has_fd) {
        fdset_remove(set);
        return true;
    }
    for (guint i = 0; set && i < set->fds->len; i++) {
        if (g_array_index(set->fds, FdSetEntry, i).fd == fd) {
            g_array_remove_index(set->fds, i);
            if (!set->fds->len) {
                fdset_remove(set);
            }
            return true;
        }
    }
    if (has_fd) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "File descriptor %" G_GINT64_FORMAT " is not in fd set %" G_GINT64_FORMAT,
                    fd, id);
    } else {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "File descriptor set %" G_GINT64_FORMAT " not found", id);
    }
    return false;
}

static bool qmp_query_fdsets(JsonObject *args, JsonNode **ret, GError **errp)
{
    JsonArray *list;

    (void)args;
    (void)errp;
    list = json_array_new();
    for (GList *l = fdsets; l; l = l->next) {
        FdSet *set = l->data;
        JsonObject *info = json_object_new();
        JsonArray *fds = json_array_new();

        for (guint i = 0; i < set->fds->len; i++) {
            FdSetEntry *e = &g_array_index(set->fds, FdSetEntry, i);
            JsonObject *fdinfo = json_object_new();

            json_object_set_int_member(fdinfo, "fd", e->fd);
            if (e->opaque) {
                json_object_set_string_member(fdinfo, "opaque", e->opaque);
            }
            json_array_add_object_element(fds, fdinfo);
        }
        json_object_set_int_member(info, "fdset-id", set->id);
        json_object_set_array_member(info, "fds", fds);
        json_array_add_object_element(list, info);
    }
    *ret = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(*ret, list);
    return true;
}

void monitor_register_fd_commands(void)
{
    qmp_register_command("getfd", qmp_getfd, QMP_CMD_DEFAULT);
    qmp_register_command("closefd", qmp_closefd, QMP_CMD_DEFAULT);
    qmp_register_command("add-fd", qmp_add_fd, QMP_CMD_DEFAULT);
    qmp_register_command("remove-fd", qmp_remove_fd, QMP_CMD_DEFAULT);
    qmp_register_command("query-fdsets", qmp_query_fdsets, QMP_CMD_DEFAULT);
}

/* An fd of set "/dev/fdset/N" (borrowed), read-write preferred; -1 with an error. */
static int fdset_lookup(const char *name, GError **errp)
{
    guint64 id;
    FdSet *set;

    if (!g_ascii_string_to_unsigned(name + strlen(FDSET_PREFIX), 10, 0, G_MAXINT64, &id, NULL) ||
        !(set = fdset_find(id)) || !set->fds->len) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "'%s' names no fd set with an fd in it: add one with add-fd first", name);
        return -1;
    }
    for (guint i = 0; i < set->fds->len; i++) {
        int fd = g_array_index(set->fds, FdSetEntry, i).fd;
        int fl = fcntl(fd, F_GETFL);

        if (fl >= 0 && (fl & O_ACCMODE) == O_RDWR) {
            return fd;
        }
    }
    return g_array_index(set->fds, FdSetEntry, 0).fd;
}

/* The fd named @name by getfd (borrowed): on the current monitor, else on any; -1 if none. */
static int named_lookup(const char *name, GError **errp)
{
    Monitor *cur = monitor_current();
    gpointer fd;

    for (GList *l = monitor_all(); l; l = l->next) {
        Monitor *mon = l->data;

        if ((!cur || mon == cur) &&
            g_hash_table_lookup_extended(mon->named_fds, name, NULL, &fd)) {
            return GPOINTER_TO_INT(fd);
        }
    }
    g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                "No file descriptor named '%s': send it first with getfd", name);
    return -1;
}

int monitor_fd_get(const char *name, GError **errp)
{
    gint64 num;
    int fd, copy;

    if (!name || !name[0]) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "Empty fd name: give an fd number, a getfd name or /dev/fdset/N");
        return -1;
    }
    if (g_str_has_prefix(name, FDSET_PREFIX)) {
        fd = fdset_lookup(name, errp);
    } else if (g_ascii_isdigit(name[0])) {
        if (!g_ascii_string_to_signed(name, 10, 0, INT_MAX, &num, NULL)) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                        "'%s' is not an fd number: give a decimal number", name);
            return -1;
        }
        fd = num;
        if (fcntl(fd, F_GETFD) < 0) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                        "fd %d is not open in hostdev: pass it when starting hostdev", fd);
            return -1;
        }
    } else {
        fd = named_lookup(name, errp);
    }
    if (fd < 0) {
        return -1;
    }
    copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "Cannot duplicate fd '%s': %s", name, g_strerror(errno));
    }
    return copy;
}
