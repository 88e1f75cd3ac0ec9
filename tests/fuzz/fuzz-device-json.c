/*
 * Fuzz target: -device / device_add text (key=value or JSON) through the real path: parse,
 * create, plug into the q35 machine, realize, then remove again.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "fuzz-machine.h"
#include "qom/help.h"
#include "qom/opts.h"
#include "system/device-hotplug.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    HdTree *tree = fuzz_machine();
    g_autofree char *text = fuzz_text(data, size);
    g_autoptr(HdOpts) opts = NULL;
    g_autoptr(GError) err = NULL;

    opts = hd_opts_parse(text, "driver", &err);
    if (!opts) {
        return 0;
    }
    if (hd_opts_wants_help(opts)) {
        g_free(hd_help_for_opts(opts, HD_TYPE_CATEGORY_DEVICE, NULL));
        return 0;
    }
    if (hd_device_add(tree, opts, &err)) {
        hd_device_del_all(tree);
    }
    fuzz_drain_main_loop();
    return 0;
}
