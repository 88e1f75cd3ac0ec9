/*
 * Command line: the table of QEMU options hostdev implements, each parsed into HdConfig.
 * Unknown options, and parameters hostdev does not implement, are refused by name.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "qom/hints.h"
#include "qom/object.h"
#include "system/options.h"
#include "ui/vnc.h"
#include "options-internal.h"

typedef bool (*OptionFn)(HdConfig *config, const char *name, const char *arg, GError **errp);

typedef struct Option {
    const char *name;
    bool has_arg;
    OptionFn fn;
    const char *params; /* "key:type ..." of key=value options (query-command-line-options) */
} Option;

static const char usage_text[] =
    "usage: hostdev [options]\n"
    "\n"
    "hostdev hands a guest real host devices through Linux VFIO and speaks QEMU's\n"
    "command line, QMP and qtest protocol.\n"
    "\n"
    "Machine:\n"
    "  -machine TYPE[,accel=qtest][,memory-backend=ID]   machine type (q35; help: list)\n"
    "  -M TYPE                  same as -machine\n"
    "  -machine ...,acpi=on|off ACPI tables for the guest (KVM; default on)\n"
    "  -machine ...,usb=off,dump-guest-core=on|off   no USB; guest RAM in core dumps or not\n"
    "  -machine none            no machine: answer a management stack's probe over QMP\n"
    "  -machine virt[,dumpdtb=FILE]   aarch64 virt (qtest): platform bus for vfio-platform/amba\n"
    "  -accel kvm[,kernel-irqchip=on] | -enable-kvm   run the guest's vCPUs with KVM\n"
    "  -accel qtest             no vCPU; tests drive the machine (the default)\n"
    "  -cpu host|max|qemu64     vCPU model under KVM (default qemu64)\n"
    "  -m [size=]SIZE           guest RAM (default 128M; a bare number is MiB)\n"
    "  -smp [cpus=]N[,sockets=S][,dies=1][,cores=C][,threads=T][,maxcpus=N]   vCPUs\n"
    "Boot (KVM; firmware boot with -bios, SeaBIOS or OVMF, is not there yet):\n"
    "  -kernel bzImage          boot this Linux kernel directly (x86 boot protocol)\n"
    "  -initrd FILE             its initramfs\n"
    "  -append CMDLINE          its command line (e.g. console=ttyS0)\n"
    "  -no-shutdown             a guest power-off stops the VM instead of ending hostdev\n"
    "  -no-reboot               a guest reset ends hostdev instead of resetting\n"
    "  -rtc base=utc|localtime  what the CMOS clock starts at\n"
    "Console:\n"
    "  -serial stdio|pty|file:PATH|chardev:ID|null|none   COM1, then COM2, ... (16550A)\n"
    "  -nographic               no display; COM1 on stdio unless -serial says otherwise\n"
    "  -S                       start paused (QMP cont starts the machine)\n"
    "  -nodefaults              create no default devices (hostdev creates none anyway)\n"
    "  -name [guest=]NAME[,debug-threads=on]   the VM's name; name the threads\n"
    "  -display none            no display window (the default; hostdev has no local display)\n"
    "  -display vnc=[HOST]:N    same as -vnc [HOST]:N\n"
    "  -vnc [HOST]:N[,audiodev=ID]   a VNC server on port 5900+N showing the first display\n"
    "                           (every interface when HOST is empty; no authentication)\n"
    "  -audio none              no sound (accepted for QEMU's libqtest; there is no other)\n"
    "Devices and objects (key=value or JSON):\n"
    "  -device DRIVER[,prop=value...] | -device '{\"driver\":...}'   (help: list)\n"
    "  -object TYPE,id=ID[,prop=value...] | -object '{\"qom-type\":...}'   (help: list)\n"
    "Control channels:\n"
    "  -chardev socket,id=ID,path=PATH|fd=N[,server=on|off][,wait=on|off]\n"
    "  -chardev stdio|pty|null,id=ID | -chardev file,id=ID,path=PATH\n"
    "  -mon chardev=ID,mode=control     QMP monitor on a chardev\n"
    "  -qtest CHARDEV-SPEC      qtest protocol (unix:PATH[,server=on] or chardev:ID)\n"
    "  -qtest-log FILE|none     log qtest traffic\n"
    "Management (as libvirt runs QEMU):\n"
    "  -qmp unix:PATH[,server=on][,wait=off]   a QMP monitor\n"
    "  -pidfile FILE            write and lock FILE with hostdev's pid\n"
    "  -daemonize               detach once the monitors listen (the parent exits 0)\n"
    "  -no-user-config          read no configuration files (hostdev reads none anyway)\n"
    "  -uuid UUID               the VM's UUID (query-uuid)\n"
    "  -msg timestamp=on|off    start error and warning lines with the time\n"
    "  -overcommit mem-lock=on|off   lock all memory, guest RAM included (mlockall)\n"
    "  -sandbox on[,obsolete=deny][,elevateprivileges=deny][,spawn=deny][,resourcecontrol=deny]\n"
    "                           a seccomp filter; denied system calls fail with EPERM\n"
    "  -boot strict=on|off      accepted (no firmware: -kernel is the only boot device)\n"
    "  -global DRIVER.PROP=VALUE   a default for every DRIVER device\n"
    "  -watchdog-action ACTION  accepted (hostdev has no watchdog device to fire it)\n"
    "Migration:\n"
    "  -incoming URI|defer      wait for a migration: unix:PATH, tcp:HOST:PORT, fd:N, file:PATH\n"
    "                           (restore a saved VM); defer: migrate-incoming gives the URI\n"
    "  -audiodev none,id=ID     accepted (no sound devices)\n"
    "Debugging:\n"
    "  -trace [enable=]PATTERN[,events=FILE][,file=FILE]   turn trace points on (help: list)\n"
    "  -D FILE                  write trace output to FILE instead of stderr\n"
    "  -h, -help                print this help and exit\n"
    "  -version                 print the version and exit\n";

const char *hd_config_usage(void)
{
    return usage_text;
}

static bool set_flag(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    (void)arg;
    (void)errp;
    if (!strcmp(name, "S")) {
        config->start_paused = true;
    } else if (!strcmp(name, "nodefaults")) {
        config->nodefaults = true;
    } else if (!strcmp(name, "version")) {
        config->action = HD_ACTION_VERSION;
    } else {
        config->action = HD_ACTION_HELP;
    }
    return true;
}

static bool set_accel_name(HdConfig *config, const char *what, const char *accel, GError **errp)
{
    /* QEMU's fallback list (accel=kvm:tcg, as libvirt probes): the first one hostdev has. */
    g_auto(GStrv) list = g_strsplit(accel, ":", -1);

    for (guint i = 0; list[i]; i++) {
        if (!strcmp(list[i], "qtest") || !strcmp(list[i], "kvm")) {
            g_free(config->accel);
            config->accel = g_strdup(list[i]);
            return true;
        }
    }
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "%s: accelerator '%s' is not supported by hostdev (kvm or qtest)", what, accel);
    return false;
}

static bool opt_machine(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autofree char *what = g_strdup_printf("-%s", name);
    g_autoptr(HdOpts) opts = hd_opts_parse(arg, "type", errp);
    g_autofree char *type = NULL;
    g_autofree char *accel = NULL;

    if (!opts) {
        g_prefix_error(errp, "%s: ", what);
        return false;
    }
    if (hd_opts_wants_help(opts)) {
        config->action = HD_ACTION_MACHINE_HELP;
        return true;
    }
    if (!hd_option_check_keys(opts, name, errp)) {
        return false;
    }
    type = hd_opts_get_text(opts, "type");
    if (type) {
        /* QEMU's versioned names (pc-q35-10.0, as libvirt writes them) are q35 too. */
        bool virt = !strcmp(type, "virt") || g_str_has_prefix(type, "virt-");

        if (strcmp(type, "q35") != 0 && strcmp(type, "pc-q35") != 0 &&
            !g_str_has_prefix(type, "pc-q35-") && strcmp(type, "none") != 0 && !virt) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: machine type '%s' is not supported by hostdev (q35, virt, or none for a "
                        "management stack's probe)",
                        what, type);
            return false;
        }
        g_free(config->machine_type);
        config->machine_type = g_strdup(virt ? "virt" : strcmp(type, "none") ? "q35" : "none");
    }
    accel = hd_opts_get_text(opts, "accel");
    if (accel && !set_accel_name(config, what, accel, errp)) {
        return false;
    }
    if (!hd_opts_get_bool(opts, "acpi", config->acpi, what, &config->acpi, errp) ||
        !hd_opts_get_bool(opts, "usb", false, what, &config->usb, errp) ||
        !hd_opts_get_bool(opts, "dump-guest-core", config->dump_guest_core, what,
                          &config->dump_guest_core, errp)) {
        return false;
    }
    if (config->usb) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: usb=on is not supported by hostdev (it has no USB controller); use "
                    "usb=off",
                    what);
        return false;
    }
    if (hd_opts_lookup(opts, "memory-backend")) {
        g_free(config->memory_backend);
        config->memory_backend = hd_opts_get_text(opts, "memory-backend");
    }
    if (hd_opts_lookup(opts, "dumpdtb")) {
        g_free(config->dumpdtb);
        config->dumpdtb = hd_opts_get_text(opts, "dumpdtb");
    }
    return true;
}

static bool opt_accel(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_parse(arg, "accel", errp);
    g_autofree char *irqchip = NULL;
    g_autofree char *accel = NULL;

    (void)name;
    if (!opts) {
        g_prefix_error(errp, "-accel: ");
        return false;
    }
    if (hd_opts_wants_help(opts)) {
        config->action = HD_ACTION_ACCEL_HELP;
        return true;
    }
    if (!hd_option_check_keys(opts, "accel", errp)) {
        return false;
    }
    accel = hd_opts_get_text(opts, "accel");
    if (!accel) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-accel: name an accelerator (kvm or qtest)");
        return false;
    }
    irqchip = hd_opts_get_text(opts, "kernel-irqchip");
    if (irqchip && strcmp(irqchip, "on") && strcmp(irqchip, "true")) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-accel kvm,kernel-irqchip=%s: hostdev has only the in-kernel irqchip (kernel-irqchip=on); split and off need a userspace I/O APIC it does not have",
                    irqchip);
        return false;
    }
    return set_accel_name(config, "-accel", accel, errp);
}

static bool opt_memory(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_parse(arg, "size", errp);
    g_autofree char *size = NULL;

    (void)name;
    if (!opts) {
        g_prefix_error(errp, "-m: ");
        return false;
    }
    if (!hd_option_check_keys(opts, "m", errp)) {
        return false;
    }
    size = hd_opts_get_text(opts, "size");
    if (!size) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "-m: give a size, e.g. -m 512M");
        return false;
    }
    if (!hd_parse_size(size, 1ULL << 20, &config->ram_size, errp)) {
        g_prefix_error(errp, "-m: ");
        return false;
    }
    if (config->ram_size == 0 || config->ram_size % 4096) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-m: RAM size '%s' must be a non-zero multiple of 4 KiB", size);
        return false;
    }
    config->ram_size_set = true;
    return true;
}

/* -vnc SPEC and -display vnc=SPEC (ui/vnc-opts.c checks SPEC); -display none. */
static bool opt_display(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autofree char *host = NULL;
    int display;

    if (!strcmp(name, "display")) {
        if (!strcmp(arg, "none")) {
            return true;
        }
        if (!g_str_has_prefix(arg, "vnc=")) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "-display: '%s' is not supported by hostdev (none or vnc=[HOST]:N)", arg);
            return false;
        }
        arg += strlen("vnc=");
    }
    if (!hd_vnc_parse(arg, &host, &display, errp)) {
        return false;
    }
    g_free(config->vnc);
    config->vnc = host ? g_strdup(arg) : NULL;
    return true;
}

/* -audio [driver=]none: QEMU's libqtest passes it to every launch; hostdev has no sound. */
static bool opt_audio(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_parse(arg, "driver", errp);
    const char *driver;

    (void)config;
    (void)name;
    if (!opts) {
        g_prefix_error(errp, "-audio: ");
        return false;
    }
    if (!hd_option_check_keys(opts, "audio", errp)) {
        return false;
    }
    driver = hd_opts_get_string(opts, "driver");
    if (!driver || strcmp(driver, "none") != 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-audio: driver '%s' is not supported by hostdev (only 'none': it has no "
                    "sound devices)",
                    driver ? driver : "");
        return false;
    }
    return true;
}

static bool opt_name(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_parse(arg, "guest", errp);

    (void)name;
    if (!opts) {
        g_prefix_error(errp, "-name: ");
        return false;
    }
    if (!hd_option_check_keys(opts, "name", errp) ||
        !hd_opts_get_bool(opts, "debug-threads", false, "-name", &config->debug_threads, errp)) {
        return false;
    }
    g_free(config->name);
    config->name = hd_opts_get_text(opts, "guest");
    return true;
}

static bool opt_chardev(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_parse(arg, "backend", errp);
    g_autofree char *backend = NULL;
    g_autofree char *id = NULL;
    bool b;

    (void)name;
    if (!opts) {
        g_prefix_error(errp, "-chardev: ");
        return false;
    }
    backend = hd_opts_get_text(opts, "backend");
    if (backend && hd_chardev_is_stream_backend(backend)) {
        return opt_chardev_stream(config, opts, backend, errp) &&
               (g_ptr_array_add(config->chardevs, g_steal_pointer(&opts)), true);
    }
    if (!backend || strcmp(backend, "socket") != 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-chardev: backend '%s' is not supported by hostdev (socket, stdio, file, pty, null)",
                    backend ? backend : "");
        return false;
    }
    if (!hd_option_check_keys(opts, "chardev", errp)) {
        return false;
    }
    id = hd_opts_get_text(opts, "id");
    if (!id || !*id) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "-chardev: id= is required");
        return false;
    }
    if (!hd_opts_lookup(opts, "path") == !hd_opts_lookup(opts, "fd")) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-chardev '%s': give exactly one of path= and fd=", id);
        return false;
    }
    if (!hd_opts_get_bool(opts, "server", false, "-chardev", &b, errp) ||
        !hd_opts_get_bool(opts, "wait", true, "-chardev", &b, errp) ||
        !hd_opts_get_bool(opts, "nowait", false, "-chardev", &b, errp)) {
        return false;
    }
    if (!hd_chardev_id_unique(config, id, errp)) {
        return false;
    }
    g_ptr_array_add(config->chardevs, g_steal_pointer(&opts));
    return true;
}

static bool opt_mon(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_parse(arg, "chardev", errp);
    g_autofree char *mode = NULL;
    bool pretty;

    (void)name;
    if (!opts) {
        g_prefix_error(errp, "-mon: ");
        return false;
    }
    if (!hd_option_check_keys(opts, "mon", errp) ||
        !hd_opts_get_bool(opts, "pretty", false, "-mon", &pretty, errp)) {
        return false;
    }
    if (!hd_opts_get_string(opts, "chardev")) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-mon: chardev=ID is required (the -chardev to serve QMP on)");
        return false;
    }
    mode = hd_opts_get_text(opts, "mode");
    if (!mode || strcmp(mode, "control") != 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-mon: mode=%s is not supported by hostdev (only mode=control: QMP)",
                    mode ? mode : "readline");
        return false;
    }
    g_ptr_array_add(config->mons, g_steal_pointer(&opts));
    return true;
}

static bool opt_object_or_device(HdConfig *config, const char *name, const char *arg,
                                 GError **errp)
{
    bool device = !strcmp(name, "device");
    const char *implied = device ? "driver" : "qom-type";
    g_autoptr(HdOpts) opts = hd_opts_parse(arg, implied, errp);

    if (!opts) {
        g_prefix_error(errp, "-%s: ", name);
        return false;
    }
    if (hd_opts_wants_help(opts)) {
        config->action = device ? HD_ACTION_DEVICE_HELP : HD_ACTION_OBJECT_HELP;
        hd_opts_free(config->help_opts);
        config->help_opts = g_steal_pointer(&opts);
        return true;
    }
    if (!hd_opts_get_string(opts, implied)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-%s: '%s' names no %s (e.g. -%s %s)", name, arg, implied, name,
                    device ? "pci-testdev,id=t0" : "memory-backend-ram,id=m0,size=1G");
        return false;
    }
    if (!device && !hd_opts_get_string(opts, "id")) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-object %s: id= is required", hd_opts_get_string(opts, implied));
        return false;
    }
    g_ptr_array_add(device ? config->devices : config->objects, g_steal_pointer(&opts));
    return true;
}

static bool opt_string(HdConfig *config, const char *name, const char *arg, GError **errp)
{
    char **slot;

    (void)errp;
    if (!strcmp(name, "trace")) {
        if (!strcmp(arg, "help")) {
            config->action = HD_ACTION_TRACE_HELP;
        } else {
            g_ptr_array_add(config->trace, g_strdup(arg));
        }
        return true;
    }
    slot = !strcmp(name, "D") ? &config->log_file
         : !strcmp(name, "qtest") ? &config->qtest
         : !strcmp(name, "incoming") ? &config->incoming
         : &config->qtest_log;
    g_free(*slot);
    *slot = g_strdup(arg);
    return true;
}

static const Option options[] = {
    { "machine", true, opt_machine,
      "type:string accel:string memory-backend:string acpi:boolean usb:boolean "
      "dump-guest-core:boolean dumpdtb:string" },
    { "M", true, opt_machine,
      "type:string accel:string memory-backend:string acpi:boolean usb:boolean "
      "dump-guest-core:boolean dumpdtb:string" },
    { "accel", true, opt_accel, "accel:string kernel-irqchip:string" },
    { "m", true, opt_memory, "size:size" },
    { "smp", true, opt_smp,
      "cpus:number maxcpus:number sockets:number dies:number cores:number threads:number" },
    { "S", false, set_flag, NULL },
    { "enable-kvm", false, opt_guest_flag, NULL },
    { "nographic", false, opt_guest_flag, NULL },
    { "no-shutdown", false, opt_guest_flag, NULL },
    { "no-reboot", false, opt_guest_flag, NULL },
    { "cpu", true, opt_guest_string, NULL },
    { "kernel", true, opt_guest_string, NULL },
    { "initrd", true, opt_guest_string, NULL },
    { "append", true, opt_guest_string, NULL },
    { "serial", true, opt_serial, NULL },
    { "rtc", true, opt_rtc, "base:string clock:string driftfix:string" },
    { "nodefaults", false, set_flag, NULL },
    { "display", true, opt_display, NULL },
    { "vnc", true, opt_display, "vnc:string audiodev:string" },
    { "audio", true, opt_audio, "driver:string" },
    { "name", true, opt_name, "guest:string debug-threads:boolean" },
    { "chardev", true, opt_chardev,
      "backend:string id:string path:string fd:string server:boolean wait:boolean "
      "nowait:boolean" },
    { "mon", true, opt_mon, "chardev:string mode:string pretty:boolean id:string" },
    { "object", true, opt_object_or_device, NULL },
    { "device", true, opt_object_or_device, NULL },
    { "qtest", true, opt_string, NULL },
    { "qtest-log", true, opt_string, NULL },
    { "incoming", true, opt_string, NULL },
    { "D", true, opt_string, NULL },
    { "trace", true, opt_string, NULL },
    { "no-user-config", false, opt_mgmt_flag, NULL },
    { "daemonize", false, opt_mgmt_flag, NULL },
    { "pidfile", true, opt_mgmt_string, NULL },
    { "uuid", true, opt_mgmt_string, NULL },
    { "watchdog-action", true, opt_mgmt_string, NULL },
    { "qmp", true, opt_qmp, NULL },
    { "msg", true, opt_msg, "timestamp:boolean guest-name:boolean" },
    { "overcommit", true, opt_overcommit, "mem-lock:boolean cpu-pm:boolean" },
    { "sandbox", true, opt_sandbox,
      "enable:boolean obsolete:string elevateprivileges:string spawn:string "
      "resourcecontrol:string" },
    { "boot", true, opt_boot,
      "order:string once:string menu:boolean splash:string splash-time:number "
      "reboot-timeout:number strict:boolean" },
    { "global", true, opt_global, NULL },
    { "audiodev", true, opt_audiodev, "driver:string id:string" },
    { "h", false, set_flag, NULL },
    { "help", false, set_flag, NULL },
    { "version", false, set_flag, NULL },
};

static const Option *find_option(const char *name)
{
    for (size_t k = 0; k < G_N_ELEMENTS(options); k++) {
        if (!strcmp(options[k].name, name)) {
            return &options[k];
        }
    }
    return NULL;
}

bool hd_option_check_keys(const HdOpts *opts, const char *option, GError **errp)
{
    const Option *opt = find_option(option);
    g_auto(GStrv) words = g_strsplit(opt && opt->params ? opt->params : "", " ", -1);
    g_autofree char *what = g_strdup_printf("-%s", option);

    for (guint i = 0; words[i]; i++) {
        *strchrnul(words[i], ':') = '\0';
    }
    return hd_opts_check_keys(opts, (const char *const *)words, what, errp);
}

void hd_config_foreach_option(HdOptionFunc fn, void *opaque)
{
    for (size_t k = 0; k < G_N_ELEMENTS(options); k++) {
        if (options[k].has_arg) {
            fn(options[k].name, options[k].params ? options[k].params : "", opaque);
        }
    }
}

void hd_config_free(HdConfig *config)
{
    if (!config) {
        return;
    }
    hd_opts_free(config->help_opts);
    g_free(config->machine_type);
    g_free(config->memory_backend);
    g_free(config->dumpdtb);
    g_free(config->accel);
    g_free(config->name);
    g_free(config->kernel_irqchip);
    g_free(config->cpu_model);
    g_free(config->kernel);
    g_free(config->initrd);
    g_free(config->append);
    g_ptr_array_unref(config->serials);
    g_ptr_array_unref(config->chardevs);
    g_ptr_array_unref(config->mons);
    g_ptr_array_unref(config->objects);
    g_ptr_array_unref(config->devices);
    g_ptr_array_unref(config->trace);
    g_ptr_array_unref(config->qmp);
    g_ptr_array_unref(config->globals);
    g_free(config->pidfile);
    g_free(config->uuid);
    g_free(config->watchdog_action);
    g_free(config->log_file);
    g_free(config->qtest);
    g_free(config->qtest_log);
    g_free(config->incoming);
    g_free(config->vnc);
    g_free(config);
}

static HdConfig *config_new(void)
{
    HdConfig *config = g_new0(HdConfig, 1);

    config->machine_type = g_strdup("q35");
    config->accel = g_strdup("qtest");
    config->ram_size = HD_DEFAULT_RAM_SIZE;
    config->smp = 1;
    config->sockets = config->cores = config->threads = 1;
    config->cpu_model = g_strdup("qemu64");
    config->acpi = true;
    config->serials = g_ptr_array_new_with_free_func(g_free);
    config->chardevs = g_ptr_array_new_with_free_func((GDestroyNotify)hd_opts_free);
    config->mons = g_ptr_array_new_with_free_func((GDestroyNotify)hd_opts_free);
    config->objects = g_ptr_array_new_with_free_func((GDestroyNotify)hd_opts_free);
    config->devices = g_ptr_array_new_with_free_func((GDestroyNotify)hd_opts_free);
    config->trace = g_ptr_array_new_with_free_func(g_free);
    config->qmp = g_ptr_array_new_with_free_func(g_free);
    config->globals = g_ptr_array_new_with_free_func(g_free);
    config->dump_guest_core = true;
    return config;
}

HdConfig *hd_config_parse(int argc, char **argv, GError **errp)
{
    g_autoptr(HdConfig) config = config_new();

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const Option *opt;

        if (arg[0] != '-' || arg[1] == '\0') {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "'%s': unexpected argument (options start with '-'; see hostdev -help)",
                        arg);
            return NULL;
        }
        arg += arg[1] == '-' ? 2 : 1; /* QEMU accepts -opt and --opt */
        opt = find_option(arg);
        if (!opt) {
            const char *hint = hd_hint_for_option(arg);

            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "-%s: option not supported by hostdev (%s)", arg,
                        hint ? hint : "see hostdev -help");
            return NULL;
        }
        if (opt->has_arg && i + 1 >= argc) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "-%s: requires an argument (see hostdev -help)", opt->name);
            return NULL;
        }
        if (!opt->fn(config, opt->name, opt->has_arg ? argv[++i] : NULL, errp)) {
            return NULL;
        }
        if (config->action == HD_ACTION_HELP || config->action == HD_ACTION_VERSION) {
            break;
        }
    }
    return g_steal_pointer(&config);
}
