/*
 * Command-line options a management stack (libvirt) passes: -qmp, -pidfile, -daemonize,
 * -no-user-config, -msg, -overcommit, -sandbox, -uuid, -boot, -global, -watchdog-action and
 * -audiodev. Each one has its meaning in hostdev or is refused by name.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "options-internal.h"
#include "qom/object.h"

#define FAIL(...) (g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, __VA_ARGS__), false)

/* Parse option -@option's key=value text; its keys are those of options.c's table. */
static HdOpts *parse(const char *arg, const char *implied, const char *option, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_parse(arg, implied, errp);

    if (!opts) {
        g_prefix_error(errp, "-%s: ", option);
        return NULL;
    }
    if (!hd_option_check_keys(opts, option, errp)) {
        return NULL;
    }
    return g_steal_pointer(&opts);
}

/* -no-user-config and -daemonize. hostdev reads no configuration file at all. */
bool opt_mgmt_flag(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    (void)arg;
    (void)errp;
    if (!strcmp(name, "daemonize")) {
        config->daemonize = true;
    } else {
        config->no_user_config = true;
    }
    return true;
}

/* -pidfile FILE, -uuid UUID and -watchdog-action ACTION. */
bool opt_mgmt_string(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    static const char *const actions[] = { "reset", "shutdown", "poweroff", "pause", "debug",
                                           "none", "inject-nmi", NULL };

    if (!strcmp(name, "pidfile")) {
        g_free(config->pidfile);
        config->pidfile = g_strdup(arg);
    } else if (!strcmp(name, "uuid")) {
        if (!g_uuid_string_is_valid(arg)) {
            return FAIL("-uuid %s: not a UUID (give 8-4-4-4-12 hex digits)", arg);
        }
        g_free(config->uuid);
        config->uuid = g_ascii_strdown(arg, -1);
    } else {
        if (!g_strv_contains(actions, arg)) {
            return FAIL("-watchdog-action %s: unknown action (reset, shutdown, poweroff, pause, "
                        "debug, none, inject-nmi)",
                        arg);
        }
        g_free(config->watchdog_action);
        config->watchdog_action = g_strdup(arg);
    }
    return true;
}

/* -qmp unix:PATH[,server=on][,wait=off]: a QMP monitor on a socket chardev of its own. */
bool opt_qmp(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    (void)name;
    if (!g_str_has_prefix(arg, "unix:")) {
        return FAIL("-qmp %s: not supported by hostdev (unix:PATH[,server=on][,wait=off], or "
                    "-chardev socket,... with -mon)",
                    arg);
    }
    g_ptr_array_add(config->qmp, g_strdup(arg));
    return true;
}

/* -msg timestamp=on|off[,guest-name=on|off]: how error and warning lines start. */
bool opt_msg(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autoptr(HdOpts) opts = parse(arg, "timestamp", "msg", errp);

    (void)name;
    return opts &&
           hd_opts_get_bool(opts, "timestamp", false, "-msg", &config->msg_timestamp, errp) &&
           hd_opts_get_bool(opts, "guest-name", false, "-msg", &config->msg_guest_name, errp);
}

/* -overcommit mem-lock=on|off: lock all of hostdev's memory (guest RAM included) with mlockall. */
bool opt_overcommit(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autoptr(HdOpts) opts = parse(arg, NULL, "overcommit", errp);
    bool cpu_pm = false;

    (void)name;
    if (!opts ||
        !hd_opts_get_bool(opts, "mem-lock", config->mem_lock, "-overcommit", &config->mem_lock,
                          errp) ||
        !hd_opts_get_bool(opts, "cpu-pm", false, "-overcommit", &cpu_pm, errp)) {
        return false;
    }
    if (cpu_pm) {
        return FAIL("-overcommit cpu-pm=on: not supported by hostdev (its vCPUs exit on HLT and "
                    "MWAIT); leave cpu-pm out");
    }
    return true;
}

/*
 * -sandbox on|off[,obsolete=allow|deny][,elevateprivileges=allow|deny|children]
 * [,spawn=allow|deny][,resourcecontrol=allow|deny]: the seccomp filter of system/sandbox.c.
 */
bool opt_sandbox(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    static const struct {
        const char *key;
        unsigned flag;
    } groups[] = {
        { "obsolete", HD_SANDBOX_OBSOLETE },
        { "elevateprivileges", HD_SANDBOX_ELEVATE },
        { "spawn", HD_SANDBOX_SPAWN },
        { "resourcecontrol", HD_SANDBOX_RESOURCECONTROL },
    };
    g_autoptr(HdOpts) opts = parse(arg, "enable", "sandbox", errp);
    unsigned deny = HD_SANDBOX_OBSOLETE; /* QEMU's default: obsolete calls are always denied */

    (void)name;
    if (!opts || !hd_opts_get_bool(opts, "enable", false, "-sandbox", &config->sandbox, errp)) {
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(groups); i++) {
        const char *v = hd_opts_get_string(opts, groups[i].key);

        if (!v) {
            continue;
        }
        if (!strcmp(v, "deny")) {
            deny |= groups[i].flag;
        } else if (!strcmp(v, "allow")) {
            deny &= ~groups[i].flag;
        } else if (!strcmp(v, "children") && groups[i].flag == HD_SANDBOX_ELEVATE) {
            return FAIL("-sandbox elevateprivileges=children: not supported by hostdev (allow or "
                        "deny)");
        } else {
            return FAIL("-sandbox %s=%s: give allow or deny", groups[i].key, v);
        }
    }
    if (!config->sandbox && hd_opts_size(opts) > 1) {
        return FAIL("-sandbox off: the filter options need -sandbox on");
    }
    config->sandbox_deny = deny;
    return true;
}

/*
 * -boot [order=...][,strict=on|off][,menu=...]: hostdev has no firmware; it boots -kernel
 * directly, so there is no device order to follow. strict=on (libvirt's default) states that
 * no other boot device may be tried, which holds; an order, once or a menu is refused.
 */
bool opt_boot(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autoptr(HdOpts) opts = parse(arg, "order", "boot", errp);
    bool strict;

    (void)name;
    if (!opts || !hd_opts_get_bool(opts, "strict", false, "-boot", &strict, errp)) {
        return false;
    }
    for (guint i = 0; i < hd_opts_size(opts); i++) {
        const char *key = hd_opts_key(opts, i);

        if (strcmp(key, "strict") != 0) {
            return FAIL("-boot %s=...: not supported by hostdev (it has no firmware and boots "
                        "-kernel directly; only strict=on|off is accepted)",
                        key);
        }
    }
    config->boot_strict = strict;
    return true;
}

/*
 * -global DRIVER.PROP=VALUE: a default for every DRIVER device, checked once the types are
 * registered. ICH9-LPC.noreboot (libvirt passes it for q35's iTCO watchdog) is accepted: hostdev
 * has no TCO watchdog, so nothing can reboot through it either way.
 */
bool opt_global(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    const char *dot = strchr(arg, '.');
    const char *eq = dot ? strchr(dot, '=') : NULL;

    (void)name;
    if (!dot || !eq || dot == arg || eq == dot + 1) {
        return FAIL("-global %s: give DRIVER.PROPERTY=VALUE", arg);
    }
    g_ptr_array_add(config->globals, g_strdup(arg));
    return true;
}

/* -audiodev [driver=]none,id=ID: hostdev has no sound device to attach a backend to. */
bool opt_audiodev(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autoptr(HdOpts) opts = parse(arg, "driver", "audiodev", errp);
    const char *driver;

    (void)config;
    (void)name;
    if (!opts) {
        return false;
    }
    driver = hd_opts_get_string(opts, "driver");
    if (!driver || strcmp(driver, "none") != 0) {
        return FAIL("-audiodev: driver '%s' is not supported by hostdev (only 'none': it has no "
                    "sound devices)",
                    driver ? driver : "");
    }
    if (!hd_opts_get_string(opts, "id")) {
        return FAIL("-audiodev none: id= is required");
    }
    return true;
}
