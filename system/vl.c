/*
 * hostdev command line: the QEMU-compatible entry point.
 * For now it answers -version and -help and refuses every other option by name;
 * machine options arrive with the host core.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "trace/control.h"

static const char usage_text[] =
    "usage: hostdev [options]\n"
    "\n"
    "hostdev hands a guest real host devices through Linux VFIO and speaks QEMU's\n"
    "command line, QMP and qtest protocol.\n"
    "\n"
    "Options:\n"
    "  -h, -help, --help       print this help and exit\n"
    "  -version, --version     print the version and exit\n"
    "  -trace [enable=]PATTERN[,events=FILE][,file=FILE]  turn trace points on (help: list)\n"
    "  -D FILE                 write trace output to FILE instead of stderr\n";

/* QEMU accepts both -opt and --opt; so do we. */
static const char *option_name(const char *arg)
{
    if (arg[0] == '-' && arg[1] == '-') {
        return arg + 2;
    }
    return arg[0] == '-' ? arg + 1 : NULL;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = option_name(argv[i]);

        if (!opt) {
            fprintf(stderr, "hostdev: '%s': unexpected argument (options start with '-'; see hostdev -help)\n",
                    argv[i]);
            return 1;
        }
        if (!strcmp(opt, "version")) {
            printf("hostdev version %s\n", HOSTDEV_VERSION);
            return 0;
        }
        if (!strcmp(opt, "h") || !strcmp(opt, "help")) {
            fputs(usage_text, stdout);
            return 0;
        }
        if ((!strcmp(opt, "trace") || !strcmp(opt, "D")) && i + 1 < argc) {
            g_autoptr(GError) err = NULL;
            const char *arg = argv[++i];

            if (!strcmp(opt, "trace") && !strcmp(arg, "help")) {
                hd_trace_list(stdout);
                return 0;
            }
            if (!(opt[0] == 'D' ? hd_trace_set_log_file(arg, &err)
                                : hd_trace_opt_parse(arg, &err))) {
                fprintf(stderr, "hostdev: %s\n", err->message);
                return 1;
            }
            continue;
        }
        fprintf(stderr, "hostdev: -%s: option not supported by hostdev (see hostdev -help)\n", opt);
        return 1;
    }
    fputs(usage_text, stderr);
    return 1;
}
