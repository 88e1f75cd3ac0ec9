/*
 * Fuzz targets' shared set-up: types, QOM tree and a 16 MiB q35 machine, built once.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-machine.h"
#include "hw/i386/q35.h"
#include "system/hostmem.h"
#include "system/machine.h"
#include "system/qmp-runtime.h"
#include "system/runstate.h"

static HdTree *tree;
static HdMachine *machine; /* kept for the life of the process */

HdTree *fuzz_machine(void)
{
    g_autoptr(GError) err = NULL;
    HdMachineConfig mc = { .type = "q35", .ram_size = 16 << 20 };

    if (tree) {
        return tree;
    }
    pci_register_types();
    hostmem_register_types();
    qmp_register_runtime_commands();
    tree = hd_tree_new();
    hd_qom_tree_set(tree);
    machine = hd_machine_new(&mc, tree, &err);
    if (!machine) {
        fprintf(stderr, "fuzz: cannot build the machine: %s\n", err->message);
        abort();
    }
    hd_runstate_set(HD_RUN_STATE_RUNNING);
    return tree;
}

void fuzz_drain_main_loop(void)
{
    while (g_main_context_iteration(NULL, FALSE)) {
    }
}

char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = g_malloc(size + 1);

    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}
