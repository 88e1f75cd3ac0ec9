/*
 * Command line parsing: every option hostdev implements lands in HdConfig, and everything
 * else is refused with the option's name. No VM is started.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "system/options.h"

/* Parse a NULL-terminated argument list (the program name is added). */
static HdConfig *parse(GError **errp, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    va_list ap;
    const char *arg;

    g_ptr_array_add(argv, (char *)"hostdev");
    va_start(ap, errp);
    while ((arg = va_arg(ap, const char *))) {
        g_ptr_array_add(argv, (char *)arg);
    }
    va_end(ap);
    return hd_config_parse((int)argv->len, (char **)argv->pdata, errp);
}

static void assert_refused(const char *needle, GError *err, HdConfig *config)
{
    g_assert_null(config);
    g_assert_nonnull(err);
    if (!strstr(err->message, needle)) {
        g_error("expected '%s' in: %s", needle, err->message);
    }
}

#define REFUSED(needle, ...)                                    \
    do {                                                        \
        g_autoptr(GError) e_ = NULL;                            \
        HdConfig *c_ = parse(&e_, __VA_ARGS__, NULL);           \
        assert_refused(needle, e_, c_);                         \
    } while (0)

static void test_defaults(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HdConfig) c = parse(&err, NULL);

    g_assert_no_error(err);
    g_assert_cmpint(c->action, ==, HD_ACTION_RUN);
    g_assert_cmpstr(c->machine_type, ==, "q35");
    g_assert_cmpstr(c->accel, ==, "qtest");
    g_assert_cmpuint(c->ram_size, ==, 128ULL << 20);
    g_assert_false(c->ram_size_set);
    g_assert_false(c->start_paused);
    g_assert_cmpuint(c->smp, ==, 1);
}

static void test_machine_and_memory(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HdConfig) c = parse(&err, "-M", "q35", "-machine",
                                  "q35,accel=qtest,memory-backend=m0", "-m", "512M",
                                  "-smp", "4", "-S", "-nodefaults",
                                  "-display", "none", "-name", "guest=vm1", "--accel", "qtest",
                                  "-audio", "none", "-audio", "driver=none", NULL);

    g_assert_no_error(err);
    g_assert_cmpstr(c->memory_backend, ==, "m0");
    g_assert_cmpuint(c->ram_size, ==, 512ULL << 20);
    g_assert_true(c->ram_size_set);
    g_assert_cmpuint(c->smp, ==, 4);
    g_assert_true(c->start_paused);
    g_assert_true(c->nodefaults);
    g_assert_cmpstr(c->name, ==, "vm1");
}

static void test_machine_names(void)
{
    static const char *const names[] = { "q35", "pc-q35", "pc-q35-10.0", "type=q35" };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(HdConfig) c = parse(&err, "-machine", names[i], NULL);

        g_assert_no_error(err);
        g_assert_cmpstr(c->machine_type, ==, "q35");
    }
    REFUSED("machine type 'pc-i440fx-10.0' is not supported", "-M", "pc-i440fx-10.0");
}

static void test_sizes(void)
{
    static const struct {
        const char *text;
        uint64_t bytes;
    } ok[] = {
        { "1024", 1024ULL << 20 }, { "2G", 2ULL << 30 }, { "size=64M", 64ULL << 20 },
        { "4096k", 4ULL << 20 },   { "1GB", 1ULL << 30 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(HdConfig) c = parse(&err, "-m", ok[i].text, NULL);

        g_assert_no_error(err);
        g_assert_cmpuint(c->ram_size, ==, ok[i].bytes);
    }
    REFUSED("-m: invalid size 'lots'", "-m", "lots");
    REFUSED("-m: RAM size '0'", "-m", "0");
    REFUSED("-m: parameter 'maxmem' is not supported", "-m", "1G,maxmem=4G");
    REFUSED("too large", "-m", "20000000T");
}

static void test_devices_and_objects(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HdConfig) c = parse(&err, "-device", "pci-testdev,id=t0,bus=pcie.0",
                                  "-device", "{\"driver\":\"pci-testdev\",\"id\":\"t1\"}",
                                  "-object", "memory-backend-ram,id=m0,size=1G",
                                  "-object", "{\"qom-type\":\"memory-backend-memfd\",\"id\":\"m1\","
                                             "\"size\":1048576}", NULL);

    g_assert_no_error(err);
    g_assert_cmpuint(c->devices->len, ==, 2);
    g_assert_cmpstr(hd_opts_get_string(c->devices->pdata[0], "driver"), ==, "pci-testdev");
    g_assert_cmpstr(hd_opts_get_string(c->devices->pdata[1], "id"), ==, "t1");
    g_assert_cmpuint(c->objects->len, ==, 2);
    g_assert_cmpstr(hd_opts_get_string(c->objects->pdata[1], "qom-type"), ==,
                    "memory-backend-memfd");

    REFUSED("-device: ", "-device", "{\"driver\":");
    REFUSED("-object memory-backend-ram: id= is required", "-object", "memory-backend-ram,size=1G");
    REFUSED("-device: 'id=x' names no driver", "-device", "id=x");
}

static void test_help_requests(void)
{
    static const struct {
        const char *opt, *arg;
        HdConfigAction action;
    } cases[] = {
        { "-device", "help", HD_ACTION_DEVICE_HELP },
        { "-device", "pci-testdev,help", HD_ACTION_DEVICE_HELP },
        { "-object", "help", HD_ACTION_OBJECT_HELP },
        { "-machine", "help", HD_ACTION_MACHINE_HELP },
        { "-accel", "help", HD_ACTION_ACCEL_HELP },
        { "-trace", "help", HD_ACTION_TRACE_HELP },
        { "-help", NULL, HD_ACTION_HELP },
        { "-h", NULL, HD_ACTION_HELP },
        { "--version", NULL, HD_ACTION_VERSION },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(HdConfig) c = parse(&err, cases[i].opt, cases[i].arg, NULL);

        g_assert_no_error(err);
        g_assert_cmpint(c->action, ==, cases[i].action);
    }
}

static void test_control_channels(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HdConfig) c = parse(&err, "-chardev",
                                  "socket,id=c0,path=/tmp/q.sock,server=on,wait=off",
                                  "-chardev", "socket,id=c1,fd=5",
                                  "-mon", "chardev=c0,mode=control",
                                  "-qtest", "unix:/tmp/qt.sock", "-qtest-log", "none",
                                  "-D", "/tmp/log", "-trace", "vfio_*", "-trace", "enable=device_*",
                                  NULL);

    g_assert_no_error(err);
    g_assert_cmpuint(c->chardevs->len, ==, 2);
    g_assert_cmpuint(c->mons->len, ==, 1);
    g_assert_cmpstr(c->qtest, ==, "unix:/tmp/qt.sock");
    g_assert_cmpstr(c->qtest_log, ==, "none");
    g_assert_cmpstr(c->log_file, ==, "/tmp/log");
    g_assert_cmpuint(c->trace->len, ==, 2);

    REFUSED("-chardev: backend 'udp' is not supported", "-chardev", "udp,id=x");
    REFUSED("-chardev: id= is required", "-chardev", "socket,path=/x");
    REFUSED("give exactly one of path= and fd=", "-chardev", "socket,id=x");
    REFUSED("-chardev: server needs on or off", "-chardev", "socket,id=x,path=/p,server=maybe");
    REFUSED("-chardev: parameter 'telnet'", "-chardev", "socket,id=x,path=/p,telnet=on");
    REFUSED("duplicate chardev id 'a'", "-chardev", "socket,id=a,path=/p", "-chardev",
            "socket,id=a,path=/q");
    REFUSED("-mon: mode=readline is not supported", "-mon", "chardev=c0");
    REFUSED("-mon: chardev=ID is required", "-mon", "mode=control");
}

static void test_refused(void)
{
    REFUSED("-hda: option not supported by hostdev", "-hda", "disk.img");
    REFUSED("'disk.img': unexpected argument", "disk.img");
    REFUSED("-m: requires an argument", "-m");
    REFUSED("-machine: machine type 'pc' is not supported", "-machine", "pc");
    REFUSED("-machine: parameter 'kernel-irqchip' is not supported", "-machine",
            "q35,kernel-irqchip=on");
    REFUSED("-machine: accelerator 'tcg' is not supported by hostdev (kvm or qtest)", "-machine",
            "q35,accel=tcg");
    REFUSED("kernel-irqchip=split: hostdev has only the in-kernel irqchip", "-accel",
            "kvm,kernel-irqchip=split");
    REFUSED("-cpu host,+vmx: CPU feature flags are not supported", "-cpu", "host,+vmx");
    REFUSED("-smp: sockets (2) * cores (2) * threads (2) = 8 is not maxcpus (4)", "-smp",
            "4,sockets=2,cores=2,threads=2");
    REFUSED("vCPU hotplug is not supported", "-smp", "2,maxcpus=4");
    REFUSED("-serial tcp:1234: not supported by hostdev", "-serial", "tcp:1234");
    REFUSED("-rtc base=2006-06-17: hostdev starts the clock at utc or localtime only", "-rtc",
            "base=2006-06-17");
    REFUSED("-chardev pty,id=p: path= goes with the file backend only", "-chardev",
            "pty,id=p,path=/x");
    REFUSED("mux=on is not supported", "-chardev", "stdio,id=s,mux=on");
    REFUSED("-display: 'gtk' is not supported", "-display", "gtk");
    REFUSED("-audio: driver 'pa' is not supported by hostdev", "-audio", "pa");
    REFUSED("-audio: parameter 'model'", "-audio", "none,model=hda");
    REFUSED("-smp: cpus must be a number", "-smp", "zero");
    REFUSED("-smp: parameter 'books'", "-smp", "2,books=1");
    REFUSED("-name: parameter 'debug'", "-name", "vm,debug=on");
    REFUSED("usb=on is not supported by hostdev (it has no USB controller)", "-machine",
            "q35,usb=on");
    REFUSED("-boot order=...: not supported by hostdev", "-boot", "order=cd,strict=on");
    REFUSED("-overcommit cpu-pm=on: not supported", "-overcommit", "mem-lock=off,cpu-pm=on");
    REFUSED("elevateprivileges=children: not supported", "-sandbox",
            "on,elevateprivileges=children");
    REFUSED("-sandbox spawn=maybe: give allow or deny", "-sandbox", "on,spawn=maybe");
    REFUSED("-sandbox off: the filter options need -sandbox on", "-sandbox", "off,spawn=deny");
    REFUSED("-audiodev: driver 'pa' is not supported", "-audiodev", "pa,id=a");
    REFUSED("-audiodev none: id= is required", "-audiodev", "{\"driver\":\"none\"}");
    REFUSED("-watchdog-action explode: unknown action", "-watchdog-action", "explode");
    REFUSED("-uuid 1234: not a UUID", "-uuid", "1234");
    REFUSED("-global ICH9-LPC: give DRIVER.PROPERTY=VALUE", "-global", "ICH9-LPC");
    REFUSED("-qmp tcp:localhost:4444: not supported by hostdev", "-qmp", "tcp:localhost:4444");
    REFUSED("-qmp stdio: not supported by hostdev", "-qmp", "stdio");
    REFUSED("-msg: parameter 'color'", "-msg", "timestamp=on,color=on");
    REFUSED("-blockdev: option not supported by hostdev (hostdev has no block layer: leave "
            "<disk> out, assign an NVMe with <hostdev>)",
            "-blockdev", "{\"driver\":\"file\"}");
    REFUSED("-vnc: parameter 'password' is not supported by hostdev", "-vnc",
            "127.0.0.1:0,password=on");
    REFUSED("-vnc unix:/tmp/v: unix sockets are not supported", "-vnc", "unix:/tmp/v");
    REFUSED("-vnc unix:/tmp/v: unix sockets are not supported", "-vnc", "vnc=unix:/tmp/v");
    REFUSED("-vnc: parameter 'share' is not supported", "-vnc", ":0,share=allow-exclusive");
    REFUSED("-vnc: parameter 'websocket' is not supported", "-vnc", ":0,websocket=5700");
    REFUSED("-vnc 5900: expected [HOST]:N", "-vnc", "5900");
    REFUSED("-vnc [::1:0: an IPv6 address goes in brackets", "-vnc", "[::1:0");
    REFUSED("-vnc :60000: expected [HOST]:N", "-vnc", ":60000");
    REFUSED("-display: 'sdl' is not supported by hostdev (none or vnc=[HOST]:N)", "-display",
            "sdl");
}

/* -vnc as people and libvirt write it; -display vnc= is the same; -display none keeps it. */
static void test_vnc(void)
{
    static const char *const specs[] = { "127.0.0.1:0", ":1", "localhost:2", "[::1]:3",
                                         "127.0.0.1:0,audiodev=audio1",
                                         "vnc=127.0.0.1:4,share=force-shared" };

    for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *display = g_strdup_printf("vnc=%s", specs[i]);
        g_autoptr(HdConfig) a = parse(&err, "-vnc", specs[i], "-display", "none", NULL);
        g_autoptr(HdConfig) b = parse(&err, "-display", display, NULL);

        g_assert_no_error(err);
        g_assert_cmpstr(a->vnc, ==, specs[i]);
        g_assert_cmpstr(b->vnc, ==, specs[i]);
    }
    {
        g_autoptr(GError) err = NULL;
        g_autoptr(HdConfig) c = parse(&err, "-vnc", ":0", "-vnc", "none", NULL);
        g_autoptr(HdConfig) d = parse(&err, NULL);

        g_assert_no_error(err);
        g_assert_null(c->vnc);
        g_assert_null(d->vnc);
    }
}

/* libvirt 11.3's probe command line, as it runs every emulator it is given. */
static void test_libvirt_probe(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HdConfig) c = parse(&err, "-S", "-no-user-config", "-nodefaults", "-nographic",
                                  "-machine", "none,accel=kvm:tcg", "-qmp",
                                  "unix:/run/qmp.monitor,server=on,wait=off", "-pidfile",
                                  "/run/qmp.pid", "-daemonize", NULL);

    g_assert_no_error(err);
    g_assert_cmpstr(c->machine_type, ==, "none");
    g_assert_cmpstr(c->accel, ==, "kvm");
    g_assert_true(c->no_user_config && c->daemonize && c->start_paused && c->nodefaults);
    g_assert_cmpstr(c->pidfile, ==, "/run/qmp.pid");
    g_assert_cmpuint(c->qmp->len, ==, 1);
    g_assert_cmpstr(c->qmp->pdata[0], ==, "unix:/run/qmp.monitor,server=on,wait=off");
}

/* The command line libvirt 11.3 writes for a q35 KVM domain with a PCI hostdev. */
static void test_libvirt_domain(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HdConfig) c = parse(&err,
        "-name", "guest=lab,debug-threads=on", "-S",
        "-object", "{\"qom-type\":\"secret\",\"id\":\"masterKey0\",\"format\":\"raw\","
                   "\"file\":\"/var/lib/libvirt/qemu/domain-1-lab/master-key.aes\"}",
        "-machine", "pc-q35-10.0,usb=off,dump-guest-core=off,memory-backend=pc.ram,acpi=on",
        "-accel", "kvm", "-cpu", "qemu64", "-m", "size=1048576k",
        "-object", "{\"qom-type\":\"memory-backend-ram\",\"id\":\"pc.ram\","
                   "\"size\":1073741824}",
        "-overcommit", "mem-lock=off", "-smp", "1,sockets=1,cores=1,threads=1",
        "-uuid", "5A1B2C3D-0000-4000-8000-123456789ABC", "-display", "none",
        "-no-user-config", "-nodefaults",
        "-chardev", "socket,id=charmonitor,fd=29,server=on,wait=off",
        "-mon", "chardev=charmonitor,id=monitor,mode=control", "-rtc", "base=utc",
        "-no-shutdown", "-boot", "strict=on", "-kernel", "/boot/vmlinuz", "-append",
        "console=ttyS0",
        "-device", "{\"driver\":\"pcie-root-port\",\"port\":8,\"chassis\":1,\"id\":\"pci.1\","
                   "\"bus\":\"pcie.0\",\"multifunction\":true,\"addr\":\"0x1\"}",
        "-chardev", "pty,id=charserial0",
        "-device", "{\"driver\":\"isa-serial\",\"chardev\":\"charserial0\",\"id\":\"serial0\","
                   "\"index\":0}",
        "-audiodev", "{\"id\":\"audio1\",\"driver\":\"none\"}",
        "-global", "ICH9-LPC.noreboot=off", "-watchdog-action", "reset",
        "-device", "{\"driver\":\"vfio-pci\",\"host\":\"0000:00:04.0\",\"id\":\"hostdev0\","
                   "\"bus\":\"pci.1\",\"addr\":\"0x0\"}",
        "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
        "-msg", "timestamp=on", NULL);

    g_assert_no_error(err);
    g_assert_cmpstr(c->name, ==, "lab");
    g_assert_true(c->debug_threads);
    g_assert_false(c->dump_guest_core);
    g_assert_false(c->mem_lock);
    g_assert_cmpuint(c->ram_size, ==, 1ULL << 30);
    g_assert_cmpstr(c->uuid, ==, "5a1b2c3d-0000-4000-8000-123456789abc");
    g_assert_true(c->boot_strict && c->msg_timestamp && c->sandbox);
    g_assert_cmpuint(c->sandbox_deny, ==, HD_SANDBOX_OBSOLETE | HD_SANDBOX_ELEVATE |
                                          HD_SANDBOX_SPAWN | HD_SANDBOX_RESOURCECONTROL);
    g_assert_cmpstr(c->watchdog_action, ==, "reset");
    g_assert_cmpuint(c->globals->len, ==, 1);
    g_assert_cmpuint(c->devices->len, ==, 3);
    g_assert_cmpuint(c->objects->len, ==, 2);
}

/* The options of a running guest: KVM, topology, CPU model, boot, console, lifecycle. */
static void test_guest_options(void)
{
    g_autoptr(GError) err = NULL;
    char *argv[] = { "hostdev", "-enable-kvm", "-smp", "sockets=2,cores=2,threads=1",
                     "-cpu", "host", "-kernel", "/k", "-initrd", "/i", "-append",
                     "console=ttyS0 quiet", "-serial", "file:/tmp/c", "-serial", "pty",
                     "-chardev", "pty,id=p0", "-chardev", "file,id=f0,path=/tmp/f",
                     "-nographic", "-no-shutdown", "-no-reboot", "-rtc", "base=localtime",
                     "-machine", "q35,acpi=off", NULL };
    g_autoptr(HdConfig) c = hd_config_parse(G_N_ELEMENTS(argv) - 1, argv, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(c->accel, ==, "kvm");
    g_assert_cmpuint(c->smp, ==, 4);
    g_assert_cmpuint(c->sockets, ==, 2);
    g_assert_cmpuint(c->cores, ==, 2);
    g_assert_cmpuint(c->threads, ==, 1);
    g_assert_cmpstr(c->cpu_model, ==, "host");
    g_assert_cmpstr(c->kernel, ==, "/k");
    g_assert_cmpstr(c->initrd, ==, "/i");
    g_assert_cmpstr(c->append, ==, "console=ttyS0 quiet");
    g_assert_cmpuint(c->serials->len, ==, 2);
    g_assert_cmpstr(c->serials->pdata[0], ==, "file:/tmp/c");
    g_assert_cmpuint(c->chardevs->len, ==, 2);
    g_assert_true(c->nographic && c->no_shutdown && c->no_reboot && c->rtc_localtime);
    g_assert_false(c->acpi);
}

/* libvirt's probe asks for kvm:tcg; -accel kvm,kernel-irqchip=on is the only irqchip. */
static void test_accel_forms(void)
{
    g_autoptr(GError) err = NULL;
    char *a1[] = { "hostdev", "-machine", "none,accel=kvm:tcg", NULL };
    char *a2[] = { "hostdev", "-accel", "kvm,kernel-irqchip=on", "-smp", "3", NULL };
    g_autoptr(HdConfig) c1 = NULL;
    g_autoptr(HdConfig) c2 = hd_config_parse(G_N_ELEMENTS(a2) - 1, a2, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(c2->accel, ==, "kvm");
    g_assert_cmpuint(c2->smp, ==, 3);
    g_assert_cmpuint(c2->sockets, ==, 3);
    g_assert_cmpuint(c2->cores * c2->threads, ==, 1);
    c1 = hd_config_parse(G_N_ELEMENTS(a1) - 1, a1, &err);
    g_assert_no_error(err); /* a probe: the first accelerator hostdev has */
    g_assert_cmpstr(c1->machine_type, ==, "none");
    g_assert_cmpstr(c1->accel, ==, "kvm");
}

static void test_size_helper(void)
{
    g_autoptr(GError) err = NULL;
    uint64_t v = 0;

    g_assert_true(hd_parse_size("3", 1, &v, &err));
    g_assert_cmpuint(v, ==, 3);
    g_assert_true(hd_parse_size("16E", 1, &v, &err) == false);
    g_clear_error(&err);
    g_assert_true(hd_parse_size("15E", 1, &v, &err));
    g_assert_false(hd_parse_size("", 1, &v, &err));
    g_clear_error(&err);
    g_assert_false(hd_parse_size("-1", 1, &v, &err));
    g_clear_error(&err);
    g_assert_false(hd_parse_size("1Q", 1, &v, &err));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/options/defaults", test_defaults);
    g_test_add_func("/options/guest", test_guest_options);
    g_test_add_func("/options/accel-forms", test_accel_forms);
    g_test_add_func("/options/machine-and-memory", test_machine_and_memory);
    g_test_add_func("/options/machine-names", test_machine_names);
    g_test_add_func("/options/sizes", test_sizes);
    g_test_add_func("/options/devices-and-objects", test_devices_and_objects);
    g_test_add_func("/options/help-requests", test_help_requests);
    g_test_add_func("/options/control-channels", test_control_channels);
    g_test_add_func("/options/refused", test_refused);
    g_test_add_func("/options/vnc", test_vnc);
    g_test_add_func("/options/size-helper", test_size_helper);
    g_test_add_func("/options/libvirt-probe", test_libvirt_probe);
    g_test_add_func("/options/libvirt-domain", test_libvirt_domain);
    return g_test_run();
}
