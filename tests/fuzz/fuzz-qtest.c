/*
 * Fuzz target: qtest protocol input against hostdev's qtest backend on a q35 machine
 * (guest RAM, port I/O incl. PCI config, the virtual clock, interrupt interception).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "fuzz-machine.h"
#include "system/qtest-backend.h"

static void discard(void *opaque, const char *data, size_t len)
{
    (void)opaque;
    (void)data;
    (void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(QtestServer) server = NULL;

    fuzz_machine();
    server = qtest_server_new(&hd_qtest_backend_ops, NULL, discard, NULL);
    qtest_server_feed(server, (const char *)data, size);
    fuzz_drain_main_loop();
    return 0;
}
