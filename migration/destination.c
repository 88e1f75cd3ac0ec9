/*
 * Migration's destination side: -incoming and migrate-incoming, a parser fed on the main loop
 * as bytes arrive, each section checked and handed to RAM or its device; at the end the VM
 * runs (or stays paused under -S). A failed stream leaves the devices out of RESUMING.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "migration-internal.h"
#include "migration/migration.h"
#include "monitor/qmp.h"
#include "system/messages.h"
#include "system/main-loop.h"
#include "system/bql.h"
#include "system/kvm.h"
#include "system/ramblock.h"
#include "system/runstate.h"
#include "trace.h"

#define READ_CHUNK (256u << 10)

static char *pending_incoming; /* -incoming URI, started once start-up is done */
static bool autostart = true;  /* the destination runs once loaded (no -S) */

/* ---- destination ---- */

static HdMigInstance *find_instance(const char *name)
{
    GPtrArray *in = hd_mig_instances();

    for (guint i = 0; i < in->len; i++) {
        if (!strcmp(hd_mig_instance_name(in->pdata[i]), name)) {
            return in->pdata[i];
        }
    }
    return NULL;
}

static bool load_config(const uint8_t *data, size_t len, GError **errp)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GString) missing = g_string_new(NULL), extra = g_string_new(NULL);
    GPtrArray *in = hd_mig_instances();
    JsonObject *o;
    JsonArray *names;
    const char *ram_name;
    uint64_t ram_size;

    if (!json_parser_load_from_data(parser, (const char *)data, (gssize)len, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "migration stream: the config section is not a JSON object");
        return false;
    }
    o = json_node_get_object(json_parser_get_root(parser));
    names = json_object_get_array_member(o, "instances");
    ram_name = json_object_get_string_member_with_default(o, "ram-name", "");
    ram_size = (uint64_t)json_object_get_int_member_with_default(o, "ram-size", -1);
    if (ram_size != hd_mig_ram_size()) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's guest RAM '%s' has 0x%" G_GINT64_MODIFIER "x bytes, this "
                    "VM's '%s' 0x%" G_GINT64_MODIFIER "x: start the destination with the "
                    "source's -m",
                    ram_name, ram_size, hd_mig_ram_name(), hd_mig_ram_size());
        return false;
    }
    for (guint i = 0; names && i < json_array_get_length(names); i++) {
        const char *n = json_array_get_string_element(names, i);

        if (!n || !find_instance(n)) {
            g_string_append_printf(missing, " %s", n ? n : "?");
        }
    }
    for (guint i = 0; i < in->len; i++) {
        const char *n = hd_mig_instance_name(in->pdata[i]);
        bool found = false;

        for (guint j = 0; names && j < json_array_get_length(names); j++) {
            found = found || !g_strcmp0(json_array_get_string_element(names, j), n);
        }
        if (!found) {
            g_string_append_printf(extra, " %s", n);
        }
    }
    if (missing->len || extra->len) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's devices differ from this VM's: only the source has [%s ], "
                    "only this VM has [%s ]; start the destination with the source's -device "
                    "options",
                    missing->str, extra->str);
        return false;
    }
    for (guint i = 0; i < in->len; i++) {
        HdMigInstance *x = in->pdata[i];

        if (x->ops->load_setup && !x->ops->load_setup(x->opaque, errp)) {
            g_prefix_error(errp, "%s: ", hd_mig_instance_name(x));
            return false;
        }
        x->set_up = true;
    }
    return true;
}

static bool load_section(const char *name, const uint8_t *data, size_t len, void *opaque,
                         GError **errp)
{
    const char *slash = strrchr(name, '/');
    g_autofree char *instance = slash ? g_strndup(name, slash - name) : NULL;
    HdMigInstance *x;

    (void)opaque;
    hd_mig.sections++;
    if (hd_mig.end_seen) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "migration stream: section '%s' after the end marker", name);
        return false;
    }
    if (!hd_mig.config_seen) {
        if (strcmp(name, "stream/config") != 0) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "migration stream: section '%s' before the config section", name);
            return false;
        }
        hd_mig.config_seen = true;
        return load_config(data, len, errp);
    }
    if (!strcmp(name, "stream/end")) {
        hd_mig.end_seen = true;
        return true;
    }
    if (instance && !strcmp(instance, "ram")) {
        return hd_mig_ram_load(slash + 1, data, len, errp);
    }
    x = instance ? find_instance(instance) : NULL;
    if (!x || !x->ops->load_section) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "migration stream: section '%s' belongs to nothing in this VM", name);
        return false;
    }
    if (!x->ops->load_section(x->opaque, slash + 1, data, len, errp)) {
        g_prefix_error(errp, "%s: ", instance);
        return false;
    }
    return true;
}

/*
 * The end of an incoming stream: the devices' load_complete when @complete and no error yet
 * (it may fail), every load_cleanup (failed unless all went well), and the stream's parser and
 * fd go. Returns @err or the error load_complete set.
 */
GError *hd_mig_incoming_end(GError *err, bool complete)
{
    GPtrArray *in = hd_mig_instances();

    if (hd_mig.source_id) {
        g_source_remove(hd_mig.source_id);
        hd_mig.source_id = 0;
    }
    for (guint i = 0; complete && !err && i < in->len; i++) {
        HdMigInstance *x = in->pdata[i];

        if (x->ops->load_complete && !x->ops->load_complete(x->opaque, &err)) {
            g_prefix_error(&err, "%s: ", hd_mig_instance_name(x));
        }
    }
    for (guint i = 0; i < in->len; i++) {
        HdMigInstance *x = in->pdata[i];

        if (x->set_up && x->ops->load_cleanup) {
            x->ops->load_cleanup(x->opaque, err != NULL || !complete);
        }
        x->set_up = false;
    }
    g_clear_pointer(&hd_mig.parser, hd_mig_parser_free);
    if (hd_mig.fd >= 0) {
        close(hd_mig.fd);
        hd_mig.fd = -1;
    }
    hd_mig.incoming = false;
    return err;
}

static void incoming_finish(GError *err)
{
    err = hd_mig_incoming_end(err, true);
    hd_mig.end_us = g_get_monotonic_time();
    if (err) {
        g_free(hd_mig.error);
        hd_mig.error = g_strdup(err->message);
        hd_error_report("load of migration failed: %s", err->message);
        hd_mig_set_status(HD_MIG_FAILED);
        /* The destination never ran: nothing of it is worth keeping (QEMU exits too). */
        hd_main_loop_request_quit(1);
        g_error_free(err);
        return;
    }
    hd_mig_set_status(HD_MIG_COMPLETED);
    trace_migration_incoming_done(hd_mig.bytes, hd_mig.sections);
    if (autostart) {
        hd_runstate_set(HD_RUN_STATE_RUNNING);
        qmp_event_emit("RESUME", NULL);
    } else {
        hd_runstate_set(HD_RUN_STATE_PAUSED);
    }
}

static gboolean incoming_readable(GIOChannel *ch, GIOCondition cond, gpointer opaque)
{
    g_autofree uint8_t *buf = g_malloc(READ_CHUNK);
    GError *err = NULL;
    ssize_t n;

    (void)ch;
    (void)cond;
    (void)opaque;
    for (int round = 0; round < 16; round++) {
        n = read(hd_mig.fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return G_SOURCE_CONTINUE;
        }
        if (n < 0) {
            g_set_error(&err, G_IO_ERROR, g_io_error_from_errno(errno),
                        "reading the migration stream failed: %s", g_strerror(errno));
            break;
        }
        if (n == 0) {
            if (!hd_mig.end_seen) {
                g_set_error(&err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            "the migration stream ended after %" G_GUINT64_FORMAT
                            " bytes, before its end marker%s (did the source fail or was it "
                            "cancelled?)",
                            hd_mig.bytes,
                            hd_mig_parser_partial(hd_mig.parser) ? ", in the middle of a section"
                                                              : "");
            }
            break;
        }
        hd_mig.bytes += (uint64_t)n;
        if (!hd_mig_parser_feed(hd_mig.parser, buf, (size_t)n, &err)) {
            break;
        }
        if (hd_mig.end_seen) {
            break;
        }
        if (hd_mig.status != HD_MIG_ACTIVE) {
            hd_mig_set_status(HD_MIG_ACTIVE);
        }
    }
    if (!err && !hd_mig.end_seen) {
        return G_SOURCE_CONTINUE;
    }
    hd_mig.source_id = 0;
    incoming_finish(err);
    return G_SOURCE_REMOVE;
}

static void incoming_begin(void)
{
    g_clear_pointer(&hd_mig.error, g_free);
    hd_mig.incoming = true;
    hd_mig.config_seen = hd_mig.end_seen = false;
    hd_mig.bytes = hd_mig.sections = 0;
    hd_mig.parser = hd_mig_parser_new(load_section, NULL);
}

bool hd_migration_load_buffer(const uint8_t *data, size_t len, GError **errp)
{
    GError *err = NULL;

    if (hd_mig.incoming || hd_mig.status == HD_MIG_SETUP || hd_mig.status == HD_MIG_ACTIVE ||
        hd_mig.status == HD_MIG_DEVICE) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_BUSY, "a migration is in progress");
        return false;
    }
    incoming_begin();
    if (hd_mig_parser_feed(hd_mig.parser, data, len, &err) && !hd_mig.end_seen) {
        g_set_error(&err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the migration stream ended after %zu bytes, before its end marker", len);
    }
    err = hd_mig_incoming_end(err, true);
    if (err) {
        g_propagate_error(errp, err);
        return false;
    }
    return true;
}

static void incoming_watch(void)
{
    GIOChannel *ch = g_io_channel_unix_new(hd_mig.fd);

    hd_mig.source_id = g_io_add_watch(ch, G_IO_IN | G_IO_HUP | G_IO_ERR, incoming_readable, NULL);
    g_io_channel_unref(ch);
}

static gboolean incoming_accept(GIOChannel *ch, GIOCondition cond, gpointer opaque)
{
    (void)ch;
    (void)cond;
    (void)opaque;
    hd_mig.fd = accept4(hd_mig.listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (hd_mig.fd < 0) {
        return errno == EINTR || errno == EAGAIN ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
    }
    close(hd_mig.listen_fd);
    hd_mig.listen_fd = -1;
    hd_mig.start_us = g_get_monotonic_time();
    trace_migration_incoming_accepted(hd_mig.fd);
    incoming_watch();
    return G_SOURCE_REMOVE;
}

bool hd_migration_incoming(const char *uri, GError **errp)
{
    bool listener;
    int fd;

    if (hd_runstate_get() != HD_RUN_STATE_INMIGRATE) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "migrate-incoming needs a VM started with -incoming defer");
        return false;
    }
    if (hd_mig.incoming) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC_ERROR,
                    "an incoming migration is already set up; start another hostdev for "
                    "another one");
        return false;
    }
    if (!hd_mig_check_blockers(errp)) {
        return false;
    }
    fd = hd_mig_transport_listen(uri, &listener, errp);
    if (fd < 0) {
        return false;
    }
    incoming_begin();
    hd_mig_set_status(HD_MIG_SETUP);
    trace_migration_incoming(uri);
    if (listener) {
        GIOChannel *ch = g_io_channel_unix_new(fd);

        hd_mig.listen_fd = fd;
        hd_mig.source_id = g_io_add_watch(ch, G_IO_IN, incoming_accept, NULL);
        g_io_channel_unref(ch);
    } else {
        hd_mig.fd = fd;
        hd_mig.start_us = g_get_monotonic_time();
        incoming_watch();
    }
    return true;
}

/* ---- start-up ---- */

void hd_migration_set_incoming(const char *uri, bool start_paused)
{
    g_free(pending_incoming);
    pending_incoming = g_strdup(uri);
    autostart = !start_paused;
}

bool hd_migration_start_incoming(GError **errp)
{
    if (!pending_incoming) {
        return true;
    }
    hd_runstate_set(HD_RUN_STATE_INMIGRATE);
    if (!strcmp(pending_incoming, "defer")) {
        return true;
    }
    if (!hd_migration_incoming(pending_incoming, errp)) {
        g_prefix_error(errp, "-incoming %s: ", pending_incoming);
        return false;
    }
    return true;
}

void hd_mig_incoming_shutdown(void)
{
    if (hd_mig.incoming) {
        /* A destination that quits before its stream ended: devices leave RESUMING quietly. */
        hd_mig_incoming_end(NULL, false);
    }
    if (hd_mig.listen_fd >= 0) {
        close(hd_mig.listen_fd);
        hd_mig.listen_fd = -1;
    }
    g_clear_pointer(&pending_incoming, g_free);
}
