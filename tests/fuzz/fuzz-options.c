/*
 * Fuzz target: the command line parser. The input is split into arguments at NUL and
 * newline bytes and parsed as hostdev's argv; nothing is created.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "fuzz-machine.h"
#include "system/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = fuzz_text(data, size);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(HdConfig) config = NULL;
    g_autoptr(GError) err = NULL;
    char *start = text;

    g_ptr_array_add(argv, (char *)"hostdev");
    for (size_t i = 0; i <= size && argv->len < 64; i++) {
        if (i == size || text[i] == '\n' || text[i] == '\0') {
            text[i] = '\0';
            g_ptr_array_add(argv, start);
            start = text + i + 1;
        }
    }
    g_ptr_array_add(argv, NULL);
    config = hd_config_parse((int)argv->len - 1, (char **)argv->pdata, &err);
    g_assert((config == NULL) == (err != NULL));
    return 0;
}
