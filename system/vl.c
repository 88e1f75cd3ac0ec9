/*
 * hostdev's entry point: parse the QEMU-compatible command line, run the start-up table in
 * order, serve the GLib main loop until quit, then tear down in reverse (only what was set up).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "chardev/char-fd.h"
#include "chardev/chardev.h"
#include "hw/char/serial.h"
#include "hw/display/ramfb.h"
#include "hw/i386/acpi-build.h"
#include "hw/i386/pc-boot.h"
#include "hw/i386/pc-ports.h"
#include "hw/i386/q35.h"
#include "hw/vfio/vfio-pci.h"
#include "hw/vfio/vfio-platform.h"
#include "migration/migration.h"
#include "monitor/monitor.h"
#include "monitor/qmp.h"
#include "qom/help.h"
#include "qom/object.h"
#include "qom/props.h"
#include "system/address-space.h"
#include "system/device-hotplug.h"
#include "system/hostmem.h"
#include "system/bql.h"
#include "system/cpu-objects.h"
#include "system/iommufd.h"
#include "system/kvm.h"
#include "system/lifecycle.h"
#include "system/machine.h"
#include "system/main-loop.h"
#include "system/messages.h"
#include "system/options.h"
#include "system/process.h"
#include "system/ramblock.h"
#include "system/sandbox.h"
#include "system/secret.h"
#include "system/qmp-machine.h"
#include "system/qmp-objects.h"
#include "system/qmp-runtime.h"
#include "system/qtest-backend.h"
#include "system/reset.h"
#include "system/runstate.h"
#include "trace.h"
#include "trace/control.h"
#include "ui/screendump.h"
#include "ui/vnc.h"

typedef struct Vm {
    HdConfig *config;
    HdTree *tree;
    HdMachine *machine;
    HdQtest *qtest;
    HdPcPorts *ports;
    HdPcBoot *boot;
    bool dtb_dumped; /* -machine virt,dumpdtb=FILE done: exit without running */
} Vm;

typedef struct StartupStep {
    const char *name;
    bool (*setup)(Vm *vm, GError **errp);
    void (*teardown)(Vm *vm);
} StartupStep;

static void register_types(void)
{
    pci_register_types();
    hostmem_register_types();
    serial_register_types();
    ramfb_register_types();
    vfio_pci_register_types();
    vfio_platform_register_types();
    iommufd_register_types();
    secret_register_types();
}

static bool setup_trace(Vm *vm, GError **errp)
{
    if (vm->config->log_file && !hd_trace_set_log_file(vm->config->log_file, errp)) {
        g_prefix_error(errp, "-D: ");
        return false;
    }
    for (guint i = 0; i < vm->config->trace->len; i++) {
        if (!hd_trace_opt_parse(vm->config->trace->pdata[i], errp)) {
            return false;
        }
    }
    return true;
}

static void teardown_trace(Vm *vm)
{
    (void)vm;
    hd_trace_reset();
}

/* -global DRIVER.PROP=VALUE (options.c checked the form), once the types are registered. */
static bool setup_globals(Vm *vm, GError **errp)
{
    for (guint i = 0; i < vm->config->globals->len; i++) {
        const char *arg = vm->config->globals->pdata[i];
        const char *dot = strchr(arg, '.');
        const char *eq = strchr(dot, '=');
        g_autofree char *driver = g_strndup(arg, dot - arg);
        g_autofree char *prop = g_strndup(dot + 1, eq - dot - 1);

        /* q35's iTCO watchdog setting (libvirt's default): hostdev has no TCO watchdog. */
        if (!strcmp(driver, "ICH9-LPC") && !strcmp(prop, "noreboot")) {
            continue;
        }
        if (!hd_global_prop_add(driver, prop, eq + 1, errp)) {
            return false;
        }
    }
    return true;
}

static bool setup_types(Vm *vm, GError **errp)
{
    (void)errp;
    register_types();
    qmp_register_runtime_commands();
    qmp_register_object_commands();
    qmp_register_machine_commands();
    qmp_register_probe_commands();
    qmp_register_migration_commands();
    qmp_register_ui_commands();
    if (vm->config->incoming) {
        hd_migration_set_incoming(vm->config->incoming, vm->config->start_paused);
    }
    qmp_runtime_set_name(vm->config->name);
    qmp_machine_set_uuid(vm->config->uuid);
    ram_blocks_set_dump(vm->config->dump_guest_core);
    return setup_globals(vm, errp);
}

static void teardown_types(Vm *vm)
{
    (void)vm;
    qmp_runtime_set_name(NULL);
    qmp_machine_set_uuid(NULL);
    hd_global_props_clear();
}

static bool setup_chardevs(Vm *vm, GError **errp)
{
    for (guint i = 0; i < vm->config->chardevs->len; i++) {
        HdOpts *opts = vm->config->chardevs->pdata[i];
        g_autofree char *id = hd_opts_get_text(opts, "id");
        g_autofree char *path = hd_opts_get_text(opts, "path");
        g_autofree char *fd_text = hd_opts_get_text(opts, "fd");
        g_autofree char *backend = hd_opts_get_text(opts, "backend");
        bool server = false, wait = true, nowait = false;
        guint64 fd = 0;
        Chardev *chr;

        if (g_strcmp0(backend, "socket")) {
            if (!char_fd_new(id, backend, path, errp)) {
                return false;
            }
            continue;
        }
        hd_opts_get_bool(opts, "server", false, "-chardev", &server, NULL);
        hd_opts_get_bool(opts, "wait", true, "-chardev", &wait, NULL);
        hd_opts_get_bool(opts, "nowait", false, "-chardev", &nowait, NULL);
        if (fd_text && !g_ascii_string_to_unsigned(fd_text, 10, 0, G_MAXINT, &fd, NULL)) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "-chardev '%s': fd=%s is not a file descriptor number", id, fd_text);
            return false;
        }
        chr = chardev_new_socket(id, path, fd_text ? (int)fd : -1, server, wait && !nowait,
                                 errp);
        /* server=on,wait=on: like QEMU, block until the first client connects. */
        if (!chr || !chardev_wait_for_client(chr, errp)) {
            g_prefix_error(errp, "-chardev '%s': ", id);
            return false;
        }
    }
    return true;
}

static void teardown_chardevs(Vm *vm)
{
    (void)vm;
    chardev_close_all();
    char_fd_close_all();
}

/* -qmp SPEC: a chardev of its own ("compat_monitorN", as QEMU names it) serving QMP. */
static bool setup_qmp(const char *spec, unsigned n, GError **errp)
{
    g_autofree char *id = g_strdup_printf("compat_monitor%u", n);
    Chardev *chr = chardev_new_from_spec(id, spec, errp);

    return chr && chardev_wait_for_client(chr, errp) && monitor_new_qmp_by_id(id, errp) != NULL;
}

static bool setup_monitors(Vm *vm, GError **errp)
{
    for (guint i = 0; i < vm->config->qmp->len; i++) {
        if (!setup_qmp(vm->config->qmp->pdata[i], i, errp)) {
            g_prefix_error(errp, "-qmp %s: ", (char *)vm->config->qmp->pdata[i]);
            return false;
        }
    }
    for (guint i = 0; i < vm->config->mons->len; i++) {
        const char *chr = hd_opts_get_string(vm->config->mons->pdata[i], "chardev");

        if (!monitor_new_qmp_by_id(chr, errp)) {
            g_prefix_error(errp, "-mon chardev=%s: ", chr);
            return false;
        }
    }
    return true;
}

static void teardown_monitors(Vm *vm)
{
    /* Let replies and events already queued (e.g. quit's SHUTDOWN) reach the clients. */
    for (guint i = 0; i < vm->config->mons->len; i++) {
        Chardev *chr = chardev_find(hd_opts_get_string(vm->config->mons->pdata[i], "chardev"));

        if (chr) {
            chardev_flush(chr, 1000);
        }
    }
    for (guint i = 0; i < vm->config->qmp->len; i++) {
        g_autofree char *id = g_strdup_printf("compat_monitor%u", i);
        Chardev *chr = chardev_find(id);

        if (chr) {
            chardev_flush(chr, 1000);
        }
    }
    monitor_cleanup();
}

static bool setup_qtest(Vm *vm, GError **errp)
{
    if (!vm->config->qtest) {
        return true;
    }
    vm->qtest = hd_qtest_start(vm->config->qtest, vm->config->qtest_log, errp);
    return vm->qtest != NULL;
}

static void teardown_qtest(Vm *vm)
{
    g_clear_pointer(&vm->qtest, hd_qtest_stop);
}

static bool setup_tree(Vm *vm, GError **errp)
{
    (void)errp;
    vm->tree = hd_tree_new();
    hd_qom_tree_set(vm->tree);
    return true;
}

static void teardown_tree(Vm *vm)
{
    hd_qom_tree_set(NULL);
    g_clear_pointer(&vm->tree, hd_tree_free);
}

static bool setup_objects(Vm *vm, GError **errp)
{
    for (guint i = 0; i < vm->config->objects->len; i++) {
        HdOpts *opts = vm->config->objects->pdata[i];
        const char *type = hd_opts_get_string(opts, "qom-type");
        const HdTypeInfo *info = hd_type_lookup(type);
        g_autoptr(GObject) obj = NULL;
        g_autofree char *path = NULL;

        if (info && !(info->category & HD_TYPE_CATEGORY_OBJECT)) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "-object: '%s' is a device type; create it with -device", type);
            return false;
        }
        obj = hd_object_new_with_opts(type, opts, errp);
        if (!obj || !hd_user_object_complete(HD_USER_OBJECT(obj), errp)) {
            g_prefix_error(errp, "-object: ");
            return false;
        }
        path = hd_tree_add_user_object(vm->tree, HD_USER_OBJECT(obj), errp);
        if (!path) {
            g_prefix_error(errp, "-object: ");
            return false;
        }
    }
    return true;
}

static bool machine_none(Vm *vm)
{
    return !strcmp(vm->config->machine_type, "none");
}

static bool setup_machine(Vm *vm, GError **errp)
{
    HdMachineConfig mc = {
        .type = vm->config->machine_type,
        .ram_size = vm->config->ram_size,
        .ram_size_set = vm->config->ram_size_set,
        .memory_backend = vm->config->memory_backend,
        .cpus = vm->config->smp,
    };

    if (machine_none(vm)) {
        return true; /* no RAM, no chipset: a management stack's probe */
    }
    vm->machine = hd_machine_new(&mc, vm->tree, errp);
    return vm->machine != NULL;
}

static void teardown_machine(Vm *vm)
{
    g_clear_pointer(&vm->machine, hd_machine_free);
}

static bool setup_accel(Vm *vm, GError **errp)
{
    HdConfig *c = vm->config;
    HdKvmConfig kc = {
        .cpus = c->smp,
        .sockets = c->sockets,
        .cores = c->cores,
        .threads = c->threads,
        .cpu_model = c->cpu_model,
        .name_threads = c->debug_threads,
    };

    hd_lifecycle_configure(c->no_shutdown, c->no_reboot);
    if ((c->initrd || c->append) && !c->kernel) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: goes with -kernel, which is missing", c->initrd ? "-initrd" : "-append");
        return false;
    }
    if (strcmp(c->accel, "kvm") != 0 || !strcmp(c->machine_type, "virt")) {
        if (!strcmp(c->accel, "kvm")) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "-machine virt runs under the qtest accelerator only (hostdev has no aarch64 vCPUs); use -accel qtest");
            return false;
        }
        if (c->kernel) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "-kernel: booting a kernel needs vCPUs: add -accel kvm (qtest has none)");
            return false;
        }
        return true;
    }
    kc.no_machine = machine_none(vm); /* the VM exists (query-kvm: enabled), nothing in it */
    bql_init_main_thread();
    return kvm_init(&kc, errp) &&
           (machine_none(vm) ||
            hd_cpu_objects_add(vm->tree, c->cpu_model, c->smp, c->cores, c->threads, errp));
}

static void teardown_accel(Vm *vm)
{
    (void)vm;
    kvm_cleanup();
}

/* -serial SPEC and -nographic: COM ports in order, each on its chardev. */
static bool setup_console(Vm *vm, GError **errp)
{
    HdConfig *c = vm->config;
    g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func(g_free);

    if (machine_none(vm)) {
        return true; /* -nographic on a probe: no machine, no COM port */
    }
    for (guint i = 0; i < c->serials->len; i++) {
        g_ptr_array_add(specs, g_strdup(c->serials->pdata[i]));
    }
    if (!specs->len && c->nographic) {
        g_ptr_array_add(specs, g_strdup("stdio"));
    }
    for (guint i = 0; i < specs->len; i++) {
        const char *spec = specs->pdata[i];
        g_autofree char *id = NULL;
        g_autoptr(HdOpts) opts = NULL;
        g_autofree char *text = NULL;

        if (!strcmp(spec, "none")) {
            continue;
        }
        if (g_str_has_prefix(spec, "chardev:")) {
            id = g_strdup(spec + strlen("chardev:"));
        } else {
            id = g_strdup_printf("serial%u", i);
            if (!char_fd_new(id, g_str_has_prefix(spec, "file:") ? "file" : spec,
                             g_str_has_prefix(spec, "file:") ? spec + 5 : NULL, errp)) {
                g_prefix_error(errp, "-serial %s: ", spec);
                return false;
            }
        }
        text = g_strdup_printf("isa-serial,chardev=%s,index=%u,id=serial%u", id, i, i);
        opts = hd_opts_parse(text, "driver", errp);
        if (!opts || !hd_device_add(vm->tree, opts, errp)) {
            g_prefix_error(errp, "-serial %s: ", spec);
            return false;
        }
    }
    return true;
}

static bool setup_pc(Vm *vm, GError **errp)
{
    HdConfig *c = vm->config;
    HdPcBootConfig bc;

    if (!kvm_enabled() || machine_none(vm)) {
        return true;
    }
    bc = (HdPcBootConfig){
        .kernel = c->kernel,
        .initrd = c->initrd,
        .append = c->append,
        .ram_below_4g = hd_machine_ram_below_4g(vm->machine),
        .ram_above_4g = hd_machine_ram_above_4g(vm->machine),
        .cpus = c->smp,
        .threads = c->threads,
        .cores = c->cores,
        .acpi = c->acpi,
    };
    vm->ports = hd_pc_ports_new(c->rtc_localtime, errp);
    if (!vm->ports) {
        return false;
    }
    if (!c->kernel) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-accel kvm: give a kernel to boot with -kernel bzImage (hostdev has no firmware yet: -bios, SeaBIOS and OVMF are not supported)");
        return false;
    }
    vm->boot = hd_pc_boot_new(&bc, errp);
    return vm->boot != NULL;
}

static void teardown_pc(Vm *vm)
{
    g_clear_pointer(&vm->boot, hd_pc_boot_free);
    g_clear_pointer(&vm->ports, hd_pc_ports_free);
}

static bool setup_devices(Vm *vm, GError **errp)
{
    if (machine_none(vm) && vm->config->devices->len) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-device: machine none has no buses; use -machine q35");
        return false;
    }
    for (guint i = 0; i < vm->config->devices->len; i++) {
        if (!hd_device_add(vm->tree, vm->config->devices->pdata[i], errp)) {
            g_prefix_error(errp, "-device: ");
            return false;
        }
    }
    hd_device_hotplug_set_active(true);
    return true;
}

static void teardown_devices(Vm *vm)
{
    hd_device_del_all(vm->tree);
}

/* -machine virt,dumpdtb=FILE: once the devices are in the tree, write it and exit (0). */
static bool setup_dumpdtb(Vm *vm, GError **errp)
{
    if (!vm->config->dumpdtb) {
        return true;
    }
    if (!hd_machine_dump_dtb(vm->machine, vm->config->dumpdtb, errp)) {
        return false;
    }
    vm->dtb_dumped = true;
    return true;
}

/* -vnc: after the devices, so a display device given on the command line is console 0. */
static bool setup_vnc(Vm *vm, GError **errp)
{
    return !vm->config->vnc || hd_vnc_start(vm->config->vnc, errp);
}

static void teardown_vnc(Vm *vm)
{
    (void)vm;
    hd_vnc_stop();
}

static bool setup_pidfile(Vm *vm, GError **errp)
{
    return !vm->config->pidfile || hd_pidfile_create(vm->config->pidfile, errp);
}

static void teardown_pidfile(Vm *vm)
{
    (void)vm;
    hd_pidfile_remove();
}

static bool setup_mem_lock(Vm *vm, GError **errp)
{
    return !vm->config->mem_lock || hd_mem_lock(errp);
}

/* -sandbox on: after every thread and device of start-up exists (the filter covers them all). */
static bool setup_sandbox(Vm *vm, GError **errp)
{
    return !vm->config->sandbox || hd_sandbox_apply(vm->config->sandbox_deny, errp);
}

/* Migration outlives nothing it uses: its teardown runs before the devices'. */
static bool setup_migration(Vm *vm, GError **errp)
{
    (void)vm;
    (void)errp;
    return true;
}

static void teardown_migration(Vm *vm)
{
    (void)vm;
    hd_migration_shutdown();
}

/* Power-on state, then run (or stay in prelaunch under -S, or wait for -incoming). */
static bool setup_run(Vm *vm, GError **errp)
{
    hd_system_reset();
    if (vm->config->incoming) {
        return hd_migration_start_incoming(errp);
    }
    hd_runstate_set(vm->config->start_paused ? HD_RUN_STATE_PRELAUNCH : HD_RUN_STATE_RUNNING);
    return true;
}

/* The start-up order; teardown runs the steps that succeeded in reverse. */
static const StartupStep startup[] = {
    { "trace", setup_trace, teardown_trace },
    { "pidfile", setup_pidfile, teardown_pidfile },
    { "types", setup_types, teardown_types },
    { "mem-lock", setup_mem_lock, NULL },
    { "chardevs", setup_chardevs, teardown_chardevs },
    { "monitors", setup_monitors, teardown_monitors },
    { "qtest", setup_qtest, teardown_qtest },
    { "tree", setup_tree, teardown_tree },
    { "objects", setup_objects, NULL },
    { "machine", setup_machine, teardown_machine },
    { "accel", setup_accel, teardown_accel },
    { "pc", setup_pc, teardown_pc },
    { "console", setup_console, NULL },
    { "devices", setup_devices, teardown_devices },
    { "dumpdtb", setup_dumpdtb, NULL },
    { "vnc", setup_vnc, teardown_vnc },
    { "migration", setup_migration, teardown_migration },
    { "sandbox", setup_sandbox, NULL },
    { "run", setup_run, NULL },
};

static gboolean on_signal(gpointer opaque)
{
    (void)opaque;
    hd_main_loop_request_shutdown("host-signal");
    return G_SOURCE_CONTINUE;
}

/* Help and version requests; returns the exit status, or -1 to run the VM. */
static int answer_request(HdConfig *config)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;

    switch (config->action) {
    case HD_ACTION_RUN:
        return -1;
    case HD_ACTION_HELP:
        fputs(hd_config_usage(), stdout);
        return 0;
    case HD_ACTION_VERSION:
        printf("hostdev version %s\n", HOSTDEV_VERSION);
        return 0;
    case HD_ACTION_MACHINE_HELP:
        printf("Supported machines are:\nq35                  Standard PC (Q35 + ICH9) "
               "(alias of pc-q35)\nvirt                 aarch64 virt (qtest only; "
               "platform bus for vfio-platform and vfio-amba)\n");
        return 0;
    case HD_ACTION_ACCEL_HELP:
        printf("Accelerators supported in hostdev:\nkvm\nqtest\n");
        return 0;
    case HD_ACTION_TRACE_HELP:
        hd_trace_list(stdout);
        return 0;
    case HD_ACTION_DEVICE_HELP:
    case HD_ACTION_OBJECT_HELP:
        register_types();
        text = hd_help_for_opts(config->help_opts,
                                config->action == HD_ACTION_DEVICE_HELP ? HD_TYPE_CATEGORY_DEVICE
                                                                        : HD_TYPE_CATEGORY_OBJECT,
                                &err);
        if (!text) {
            fprintf(stderr, "hostdev: -%s: %s\n",
                    config->action == HD_ACTION_DEVICE_HELP ? "device" : "object", err->message);
            return 1;
        }
        fputs(text, stdout);
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    Vm vm = { 0 };
    size_t done = 0;
    int status;

    vm.config = hd_config_parse(argc, argv, &err);
    if (!vm.config) {
        fprintf(stderr, "hostdev: %s\n", err->message);
        return 1;
    }
    status = answer_request(vm.config);
    if (status >= 0) {
        hd_config_free(vm.config);
        return status;
    }
    hd_messages_init(vm.config->msg_timestamp,
                     vm.config->msg_guest_name ? vm.config->name : NULL);
    if (vm.config->daemonize) {
        hd_daemonize_begin();
    }

    signal(SIGPIPE, SIG_IGN);
    for (; done < G_N_ELEMENTS(startup); done++) {
        trace_vl_startup_step(startup[done].name);
        if (!startup[done].setup(&vm, &err)) {
            hd_error_report("%s", err->message);
            break;
        }
        if (vm.dtb_dumped) {
            break; /* as QEMU: the blob is written, the VM does not run */
        }
    }
    if (done == G_N_ELEMENTS(startup)) {
        hd_daemonize_finish();
        guint sigint = g_unix_signal_add(SIGINT, on_signal, NULL);
        guint sigterm = g_unix_signal_add(SIGTERM, on_signal, NULL);
        guint sighup = g_unix_signal_add(SIGHUP, on_signal, NULL);

        status = hd_main_loop_run();
        if (hd_main_loop_shutdown_reason()) {
            g_autoptr(JsonObject) data = json_object_new();

            json_object_set_boolean_member(data, "guest",
                                           g_str_has_prefix(hd_main_loop_shutdown_reason(),
                                                            "guest-"));
            json_object_set_string_member(data, "reason", hd_main_loop_shutdown_reason());
            qmp_event_emit("SHUTDOWN", data);
        }
        g_source_remove(sigint);
        g_source_remove(sigterm);
        g_source_remove(sighup);
    } else {
        status = vm.dtb_dumped ? 0 : 1;
        done += vm.dtb_dumped; /* the dumpdtb step succeeded (it has no teardown) */
    }
    while (done-- > 0) {
        if (startup[done].teardown) {
            trace_vl_teardown_step(startup[done].name);
            startup[done].teardown(&vm);
        }
    }
    memory_system_release();
    hd_config_free(vm.config);
    return status;
}
