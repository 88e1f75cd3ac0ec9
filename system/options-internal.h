/*
 * Command-line option handlers that live outside options.c (the guest options: KVM, boot,
 * console), for its option table.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_OPTIONS_INTERNAL_H
#define SYSTEM_OPTIONS_INTERNAL_H

#include "system/options.h"

/* -enable-kvm, -nographic, -no-shutdown, -no-reboot. */
bool opt_guest_flag(HdConfig *config, const char *name, const char *arg, GError **errp);
/* -cpu, -kernel, -initrd, -append. */
bool opt_guest_string(HdConfig *config, const char *name, const char *arg, GError **errp);
/* -serial SPEC. */
bool opt_serial(HdConfig *config, const char *name, const char *arg, GError **errp);
/* -rtc base=utc|localtime. */
bool opt_rtc(HdConfig *config, const char *name, const char *arg, GError **errp);
/* -smp with its topology. */
bool opt_smp(HdConfig *config, const char *name, const char *arg, GError **errp);

/* Management-stack options (options-mgmt.c). */
bool opt_mgmt_flag(HdConfig *config, const char *name, const char *arg, GError **errp);
bool opt_mgmt_string(HdConfig *config, const char *name, const char *arg, GError **errp);
bool opt_qmp(HdConfig *config, const char *name, const char *arg, GError **errp);
bool opt_msg(HdConfig *config, const char *name, const char *arg, GError **errp);
bool opt_overcommit(HdConfig *config, const char *name, const char *arg, GError **errp);
bool opt_sandbox(HdConfig *config, const char *name, const char *arg, GError **errp);
bool opt_boot(HdConfig *config, const char *name, const char *arg, GError **errp);
bool opt_global(HdConfig *config, const char *name, const char *arg, GError **errp);
bool opt_audiodev(HdConfig *config, const char *name, const char *arg, GError **errp);

/* stdio, file, pty, null: chardevs system/vl.c creates with chardev/char-fd.c. */
bool hd_chardev_is_stream_backend(const char *backend);
/* Check a stream -chardev's keys and id (@opts is kept by the caller). */
bool opt_chardev_stream(HdConfig *config, HdOpts *opts, const char *backend, GError **errp);
/* Fail when a -chardev already uses @id. */
bool hd_chardev_id_unique(HdConfig *config, const char *id, GError **errp);

#endif /* SYSTEM_OPTIONS_INTERNAL_H */
