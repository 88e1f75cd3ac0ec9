/*
 * Command line: QEMU-compatible options parsed into an HdConfig, without side effects
 * (nothing is created here; system/vl.c's start-up table acts on the result).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_OPTIONS_H
#define SYSTEM_OPTIONS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "qom/opts.h"

#define HD_DEFAULT_RAM_SIZE (128ULL << 20) /* QEMU's default -m */

/* What the command line asks for besides running a VM. */
typedef enum HdConfigAction {
    HD_ACTION_RUN,
    HD_ACTION_HELP,          /* -h, -help */
    HD_ACTION_VERSION,       /* -version */
    HD_ACTION_DEVICE_HELP,   /* -device help, -device DRIVER,help (help_opts) */
    HD_ACTION_OBJECT_HELP,   /* -object help, -object TYPE,help (help_opts) */
    HD_ACTION_MACHINE_HELP,  /* -machine help */
    HD_ACTION_ACCEL_HELP,    /* -accel help */
    HD_ACTION_TRACE_HELP,    /* -trace help */
} HdConfigAction;

/* -sandbox groups of system calls to deny (system/sandbox.c). */
typedef enum HdSandboxGroup {
    HD_SANDBOX_OBSOLETE = 1 << 0,        /* obsolete=deny (always, as in QEMU) */
    HD_SANDBOX_ELEVATE = 1 << 1,         /* elevateprivileges=deny: set*uid/gid, capset */
    HD_SANDBOX_SPAWN = 1 << 2,           /* spawn=deny: fork, vfork, execve */
    HD_SANDBOX_RESOURCECONTROL = 1 << 3, /* resourcecontrol=deny: affinity, scheduler, nice */
} HdSandboxGroup;

typedef struct HdConfig {
    HdConfigAction action;
    HdOpts *help_opts;      /* the -device/-object text that asked for help */
    char *machine_type;     /* -machine TYPE / -M (default "q35") */
    char *memory_backend;   /* -machine memory-backend=ID, or NULL */
    char *dumpdtb;          /* -machine virt,dumpdtb=FILE: write the device tree, then exit */
    char *accel;            /* -accel / -machine accel= (default "qtest") */
    uint64_t ram_size;      /* -m, bytes */
    bool ram_size_set;      /* -m was given */
    unsigned smp;           /* -smp (vCPU count; no vCPU runs under qtest) */
    unsigned sockets, cores, threads; /* -smp topology, consistent with smp */
    char *kernel_irqchip;   /* -accel kvm,kernel-irqchip=on (the only mode) */
    char *cpu_model;        /* -cpu (default "qemu64") */
    char *kernel;           /* -kernel bzImage (KVM direct Linux boot) */
    char *initrd;           /* -initrd */
    char *append;           /* -append */
    bool acpi;              /* -machine acpi=on|off (default on) */
    GPtrArray *serials;     /* char *: -serial specs in order (COM1, COM2, ...) */
    bool nographic;         /* -nographic: COM1 on stdio unless -serial says otherwise */
    bool no_shutdown;       /* -no-shutdown */
    bool no_reboot;         /* -no-reboot */
    bool rtc_localtime;     /* -rtc base=localtime */
    bool start_paused;      /* -S */
    bool nodefaults;        /* -nodefaults */
    char *name;             /* -name guest=NAME */
    bool debug_threads;     /* -name debug-threads=on: name hostdev's threads */
    bool no_user_config;    /* -no-user-config (hostdev reads no configuration file) */
    bool daemonize;         /* -daemonize: detach once the monitors listen */
    char *pidfile;          /* -pidfile FILE, written and locked at start */
    GPtrArray *qmp;         /* char *: -qmp specs ("unix:PATH,server=on,wait=off") */
    bool msg_timestamp;     /* -msg timestamp=on */
    bool msg_guest_name;    /* -msg guest-name=on */
    bool mem_lock;          /* -overcommit mem-lock=on: mlockall */
    bool sandbox;           /* -sandbox on */
    unsigned sandbox_deny;  /* HdSandboxGroup bits */
    char *uuid;             /* -uuid (lower case), or NULL */
    bool boot_strict;       /* -boot strict=on */
    char *watchdog_action;  /* -watchdog-action (no watchdog device exists to fire it) */
    GPtrArray *globals;     /* char *: -global DRIVER.PROP=VALUE */
    bool usb;               /* -machine usb=on|off (hostdev has no USB: off only) */
    bool dump_guest_core;   /* -machine dump-guest-core (default on) */
    GPtrArray *chardevs;    /* HdOpts *: -chardev (backend, id, path|fd, server, wait) */
    GPtrArray *mons;        /* HdOpts *: -mon (chardev, mode=control) */
    GPtrArray *objects;     /* HdOpts *: -object, qom-type included */
    GPtrArray *devices;     /* HdOpts *: -device, driver included */
    GPtrArray *trace;       /* char *: -trace arguments, in order */
    char *log_file;         /* -D */
    char *qtest;            /* -qtest CHARDEV-SPEC ("unix:PATH", "chardev:ID") */
    char *qtest_log;        /* -qtest-log FILE ("none": no log) */
    char *incoming;         /* -incoming URI|defer, or NULL */
    char *vnc;              /* -vnc / -display vnc=: "[HOST]:N[,...]", or NULL */
} HdConfig;

/*
 * Parse @argv (argv[0] is the program). Every error names the option ("-m: ...") and says
 * what is accepted; options hostdev does not implement are refused by name.
 */
/*
 * Fail, naming the key, when @opts has a key that option -@option does not take (its keys are
 * declared once, in options.c's option table).
 */
bool hd_option_check_keys(const HdOpts *opts, const char *option, GError **errp);

/* Called with each option that takes an argument and its "key:type ..." list ("" for none). */
typedef void (*HdOptionFunc)(const char *option, const char *params, void *opaque);

/* Walk the option table (query-command-line-options). */
void hd_config_foreach_option(HdOptionFunc fn, void *opaque);

HdConfig *hd_config_parse(int argc, char **argv, GError **errp);

/* Free @config; NULL is fine. */
void hd_config_free(HdConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HdConfig, hd_config_free)

/* The -help text. */
const char *hd_config_usage(void);

/*
 * A size as -m and memory backends spell it: digits with an optional K/M/G/T/P/E suffix
 * (powers of 1024, optional trailing 'B'); a bare number is multiplied by @default_unit.
 */
bool hd_parse_size(const char *text, uint64_t default_unit, uint64_t *out, GError **errp);

/*
 * A boolean option value: on/off, yes/no, true/false (strings or JSON booleans). @what names
 * the option in errors.
 */
bool hd_opts_get_bool(const HdOpts *opts, const char *key, bool def, const char *what, bool *out,
                      GError **errp);

/* Fail naming @what unless every key of @opts is in the NULL-terminated @allowed list. */
bool hd_opts_check_keys(const HdOpts *opts, const char *const *allowed, const char *what,
                        GError **errp);

/* A string, integer or boolean option value as text (free it), or NULL when absent. */
char *hd_opts_get_text(const HdOpts *opts, const char *key);

#endif /* SYSTEM_OPTIONS_H */
