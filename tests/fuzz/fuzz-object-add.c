/*
 * Fuzz target: QMP object-add. The input is the command's arguments, sent as
 * {"execute":"object-add","arguments":INPUT} through the dispatcher (schema check included)
 * on a negotiated monitor; whatever was added is removed again afterwards.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "fuzz-machine.h"
#include "fuzz-objects.h"
#include "monitor-internal.h"
#include "system/qmp-objects.h"

static Monitor *fuzz_monitor(void)
{
    static Monitor mon;
    int sv[2];

    if (mon.chr) {
        return &mon;
    }
    fuzz_objects_machine();
    qmp_register_object_commands();
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        abort();
    }
    mon.chr = chardev_new_socket("fuzz-object-add", NULL, sv[0], false, false, NULL);
    if (!mon.chr) {
        abort();
    }
    mon.negotiated = true;
    mon.named_fds = g_hash_table_new(g_direct_hash, g_direct_equal);
    /* sv[1] stays open: the peer, never read (the socket buffer takes what is written). */
    return &mon;
}

/*
 * False when the request's arguments would make an object that leaves the sandbox (see
 * fuzz-objects.h). The whole request is parsed, as the dispatcher will parse it, so an input
 * that closes the arguments early and adds members of its own is checked the same way.
 */
static bool request_safe(const GString *req)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(HdOpts) opts = NULL;
    JsonNode *root, *args;
    const char *type;

    if (!json_parser_load_from_data(parser, req->str, req->len, NULL)) {
        return true;
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        return true;
    }
    args = json_object_get_member(json_node_get_object(root), "arguments");
    if (!args || !JSON_NODE_HOLDS_OBJECT(args)) {
        return true;
    }
    opts = hd_opts_from_json_object(json_node_get_object(args), NULL);
    type = opts ? hd_opts_get_string(opts, "qom-type") : NULL;
    return !type || fuzz_objects_safe(type, opts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Monitor *mon = fuzz_monitor();
    g_autoptr(GString) req = g_string_new("{\"execute\":\"object-add\",\"arguments\":");
    JsonNode *reply;

    g_string_append_len(req, (const char *)data, size);
    g_string_append_c(req, '}');
    if (!request_safe(req)) {
        return 0;
    }
    fuzz_objects_enter();
    monitor_set_current(mon);
    reply = qmp_dispatch(mon, req->str, req->len);
    monitor_set_current(NULL);
    if (reply) {
        json_node_unref(reply);
    }
    fuzz_objects_clear(fuzz_machine());
    return 0;
}
