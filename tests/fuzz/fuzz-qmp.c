/*
 * Fuzz target: one QMP request (any bytes) dispatched on a negotiated monitor of a running
 * q35 machine, with every runtime command registered.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "fuzz-machine.h"
#include "monitor-internal.h"

static Monitor *fuzz_monitor(void)
{
    static Monitor mon;
    int sv[2];

    if (mon.chr) {
        return &mon;
    }
    fuzz_machine();
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        abort();
    }
    mon.chr = chardev_new_socket("fuzz-qmp", NULL, sv[0], false, false, NULL);
    if (!mon.chr) {
        abort();
    }
    mon.negotiated = true;
    mon.named_fds = g_hash_table_new(g_direct_hash, g_direct_equal);
    /* sv[1] stays open: the peer, never read (nothing is written to it). */
    return &mon;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Monitor *mon = fuzz_monitor();
    JsonNode *reply;

    monitor_set_current(mon);
    reply = qmp_dispatch(mon, (const char *)data, size);
    monitor_set_current(NULL);
    if (reply) {
        json_node_unref(reply);
    }
    fuzz_drain_main_loop();
    return 0;
}
