/*
 * Command-line options of a running guest: -enable-kvm, -smp topology, -cpu, direct Linux
 * boot (-kernel, -initrd, -append), the console (-serial, -nographic, stream -chardevs),
 * -no-shutdown, -no-reboot and -rtc.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "options-internal.h"
#include "qom/object.h"

bool opt_guest_flag(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    (void)arg;
    (void)errp;
    if (!strcmp(name, "enable-kvm")) {
        g_free(config->accel);
        config->accel = g_strdup("kvm");
    } else if (!strcmp(name, "nographic")) {
        config->nographic = true;
    } else if (!strcmp(name, "no-shutdown")) {
        config->no_shutdown = true;
    } else if (!strcmp(name, "no-reboot")) {
        config->no_reboot = true;
    }
    return true;
}

bool opt_guest_string(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    char **slot = !strcmp(name, "cpu")      ? &config->cpu_model
                : !strcmp(name, "kernel")   ? &config->kernel
                : !strcmp(name, "initrd")   ? &config->initrd
                                            : &config->append;

    if (!strcmp(name, "cpu")) {
        g_auto(GStrv) parts = g_strsplit(arg, ",", 2);

        if (parts[1]) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "-cpu %s: CPU feature flags are not supported by hostdev (give only the model: host, max or qemu64)",
                        arg);
            return false;
        }
    }
    g_free(*slot);
    *slot = g_strdup(arg);
    return true;
}

bool opt_serial(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    (void)name;
    if (strcmp(arg, "stdio") && strcmp(arg, "pty") && strcmp(arg, "null") &&
        strcmp(arg, "none") && !g_str_has_prefix(arg, "file:") &&
        !g_str_has_prefix(arg, "chardev:")) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-serial %s: not supported by hostdev (stdio, pty, file:PATH, chardev:ID, null, none)",
                    arg);
        return false;
    }
    if (config->serials->len >= 4) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-serial %s: a PC has four COM ports; this would be the fifth", arg);
        return false;
    }
    g_ptr_array_add(config->serials, g_strdup(arg));
    return true;
}

bool opt_rtc(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_parse(arg, "base", errp);
    const char *base;

    (void)name;
    if (!opts) {
        g_prefix_error(errp, "-rtc: ");
        return false;
    }
    if (!hd_option_check_keys(opts, "rtc", errp)) {
        return false;
    }
    base = hd_opts_get_string(opts, "base");
    if (base && strcmp(base, "utc") && strcmp(base, "localtime")) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-rtc base=%s: hostdev starts the clock at utc or localtime only", base);
        return false;
    }
    config->rtc_localtime = base && !strcmp(base, "localtime");
    return true;
}

/*
 * -smp: the missing values follow from the given ones (as QEMU computes them: sockets first,
 * then cores); the product must be maxcpus, and vCPU hotplug (maxcpus > cpus) is refused.
 */
bool opt_smp(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    static const char *const keys[] = { "cpus", "maxcpus", "sockets", "dies", "cores",
                                        "threads", NULL };
    g_autoptr(HdOpts) opts = hd_opts_parse(arg, "cpus", errp);
    guint64 v[6] = { 0 }; /* cpus, maxcpus, sockets, dies, cores, threads */
    guint64 cpus, maxcpus, sockets, dies, cores, threads;

    (void)name;
    if (!opts) {
        g_prefix_error(errp, "-smp: ");
        return false;
    }
    if (!hd_option_check_keys(opts, "smp", errp)) {
        return false;
    }
    for (guint k = 0; keys[k]; k++) {
        g_autofree char *text = hd_opts_get_text(opts, keys[k]);

        if (text && !g_ascii_string_to_unsigned(text, 10, 1, 4096, &v[k], NULL)) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "-smp: %s must be a number from 1 to 4096, not '%s'", keys[k], text);
            return false;
        }
    }
    dies = v[3] ? v[3] : 1;
    threads = v[5] ? v[5] : 1;
    cores = v[4];
    sockets = v[2];
    maxcpus = v[1] ? v[1] : v[0];
    if (!maxcpus) {
        maxcpus = (sockets ? sockets : 1) * dies * (cores ? cores : 1) * threads;
    }
    if (!sockets) {
        sockets = MAX(maxcpus / (dies * (cores ? cores : 1) * threads), 1);
    }
    if (!cores) {
        cores = MAX(maxcpus / (sockets * dies * threads), 1);
    }
    cpus = v[0] ? v[0] : maxcpus;
    if (dies != 1) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-smp: dies=%" G_GUINT64_FORMAT ": hostdev's x86 topology has one die per socket",
                    dies);
        return false;
    }
    if (sockets * cores * threads != maxcpus) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-smp: sockets (%" G_GUINT64_FORMAT ") * cores (%" G_GUINT64_FORMAT ") * threads (%" G_GUINT64_FORMAT ") = %" G_GUINT64_FORMAT " is not maxcpus (%" G_GUINT64_FORMAT "); make them agree",
                    sockets, cores, threads, sockets * cores * threads, maxcpus);
        return false;
    }
    if (cpus > maxcpus) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-smp: cpus=%" G_GUINT64_FORMAT " is more than maxcpus=%" G_GUINT64_FORMAT,
                    cpus, maxcpus);
        return false;
    }
    if (cpus < maxcpus) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-smp: cpus=%" G_GUINT64_FORMAT " below maxcpus=%" G_GUINT64_FORMAT ": vCPU hotplug is not supported by hostdev; give cpus=maxcpus",
                    cpus, maxcpus);
        return false;
    }
    config->smp = (unsigned)cpus;
    config->sockets = (unsigned)sockets;
    config->cores = (unsigned)cores;
    config->threads = (unsigned)threads;
    return true;
}

bool hd_chardev_is_stream_backend(const char *backend)
{
    return !strcmp(backend, "stdio") || !strcmp(backend, "file") || !strcmp(backend, "pty") ||
           !strcmp(backend, "null");
}

bool hd_chardev_id_unique(HdConfig *config, const char *id, GError **errp)
{
    for (guint i = 0; i < config->chardevs->len; i++) {
        g_autofree char *other = hd_opts_get_text(config->chardevs->pdata[i], "id");

        if (!g_strcmp0(other, id)) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE,
                        "-chardev: duplicate chardev id '%s'", id);
            return false;
        }
    }
    return true;
}

bool opt_chardev_stream(HdConfig *config, HdOpts *opts, const char *backend, GError **errp)
{
    static const char *const allowed[] = { "backend", "id", "path", "signal", "mux", "logfile",
                                           NULL };
    g_autofree char *id = hd_opts_get_text(opts, "id");
    g_autofree char *mux = hd_opts_get_text(opts, "mux");

    if (!hd_opts_check_keys(opts, allowed, "-chardev", errp)) {
        return false;
    }
    if (!id || !*id) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "-chardev %s: id= is required",
                    backend);
        return false;
    }
    if (!strcmp(backend, "file") != !!hd_opts_lookup(opts, "path")) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-chardev %s,id=%s: path= goes with the file backend only (and it needs one)",
                    backend, id);
        return false;
    }
    if (mux && strcmp(mux, "off")) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-chardev %s,id=%s: mux=on is not supported by hostdev (one frontend per chardev)",
                    backend, id);
        return false;
    }
    return hd_chardev_id_unique(config, id, errp);
}
