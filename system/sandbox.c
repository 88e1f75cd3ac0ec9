/*
 * -sandbox on: a seccomp filter, built with libseccomp, that makes the denied groups of system
 * calls fail with EPERM in every thread of hostdev (obsolete calls, privilege changes, process
 * creation, scheduler and affinity changes). Everything else is allowed.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>

#include "qom/object.h"
#include "system/sandbox.h"

typedef struct DeniedCall {
    const char *name;
    unsigned group;
} DeniedCall;

static const DeniedCall denied[] = {
    /* obsolete */
    { "_sysctl", HD_SANDBOX_OBSOLETE },
    { "uselib", HD_SANDBOX_OBSOLETE },
    { "sysfs", HD_SANDBOX_OBSOLETE },
    { "ustat", HD_SANDBOX_OBSOLETE },
    { "vserver", HD_SANDBOX_OBSOLETE },
    { "nfsservctl", HD_SANDBOX_OBSOLETE },
    { "getpmsg", HD_SANDBOX_OBSOLETE },
    { "putpmsg", HD_SANDBOX_OBSOLETE },
    { "afs_syscall", HD_SANDBOX_OBSOLETE },
    { "tuxcall", HD_SANDBOX_OBSOLETE },
    { "security", HD_SANDBOX_OBSOLETE },
    { "create_module", HD_SANDBOX_OBSOLETE },
    { "get_kernel_syms", HD_SANDBOX_OBSOLETE },
    { "query_module", HD_SANDBOX_OBSOLETE },
    { "lookup_dcookie", HD_SANDBOX_OBSOLETE },
    { "remap_file_pages", HD_SANDBOX_OBSOLETE },
    /* elevateprivileges */
    { "setuid", HD_SANDBOX_ELEVATE },
    { "setgid", HD_SANDBOX_ELEVATE },
    { "setreuid", HD_SANDBOX_ELEVATE },
    { "setregid", HD_SANDBOX_ELEVATE },
    { "setresuid", HD_SANDBOX_ELEVATE },
    { "setresgid", HD_SANDBOX_ELEVATE },
    { "setfsuid", HD_SANDBOX_ELEVATE },
    { "setfsgid", HD_SANDBOX_ELEVATE },
    { "setgroups", HD_SANDBOX_ELEVATE },
    { "capset", HD_SANDBOX_ELEVATE },
    /* spawn (clone is handled apart: threads must still be created) */
    { "fork", HD_SANDBOX_SPAWN },
    { "vfork", HD_SANDBOX_SPAWN },
    { "execve", HD_SANDBOX_SPAWN },
    { "execveat", HD_SANDBOX_SPAWN },
    /* resourcecontrol */
    { "setpriority", HD_SANDBOX_RESOURCECONTROL },
    { "sched_setparam", HD_SANDBOX_RESOURCECONTROL },
    { "sched_setscheduler", HD_SANDBOX_RESOURCECONTROL },
    { "sched_setaffinity", HD_SANDBOX_RESOURCECONTROL },
    { "sched_setattr", HD_SANDBOX_RESOURCECONTROL },
};

/*
 * A clone that has none of these flags is a new process. The sanitizer build lets
 * CLONE_UNTRACED through as well: LeakSanitizer's check at exit stops every thread from a
 * tracer process it clones that way, and fails fatally when the clone is refused.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SPAWN_CLONE_MASK (CLONE_THREAD | CLONE_UNTRACED)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPAWN_CLONE_MASK (CLONE_THREAD | CLONE_UNTRACED)
#endif
#endif
#ifndef SPAWN_CLONE_MASK
#define SPAWN_CLONE_MASK CLONE_THREAD
#endif

static bool add_rule(scmp_filter_ctx ctx, const char *name, uint32_t action, unsigned n,
                     const struct scmp_arg_cmp *cmp, GError **errp)
{
    int nr = seccomp_syscall_resolve_name(name);
    int rc;

    if (nr == __NR_SCMP_ERROR) {
        return true; /* not a system call on this architecture */
    }
    rc = seccomp_rule_add_array(ctx, action, nr, n, cmp);
    if (rc < 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-sandbox: cannot add the rule for %s: %s", name, g_strerror(-rc));
        return false;
    }
    return true;
}

bool hd_sandbox_apply(unsigned deny, GError **errp)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
    bool ok = ctx != NULL;
    int rc;

    if (!ctx) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-sandbox on: libseccomp cannot create a filter");
        return false;
    }
    /* Apply to every thread at once: the vCPU and worker threads already run. */
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    for (size_t i = 0; ok && i < G_N_ELEMENTS(denied); i++) {
        if (deny & denied[i].group) {
            ok = add_rule(ctx, denied[i].name, eperm, 0, NULL, errp);
        }
    }
    if (ok && (deny & HD_SANDBOX_SPAWN)) {
        /* A clone without CLONE_THREAD makes a process; clone3's flags cannot be inspected. */
        struct scmp_arg_cmp no_thread = SCMP_A0(SCMP_CMP_MASKED_EQ, SPAWN_CLONE_MASK, 0);

        ok = add_rule(ctx, "clone", eperm, 1, &no_thread, errp) &&
             add_rule(ctx, "clone3", SCMP_ACT_ERRNO(ENOSYS), 0, NULL, errp);
    }
    if (ok && (rc < 0 || (rc = seccomp_load(ctx)) < 0)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-sandbox on: the kernel refused the seccomp filter: %s (does it have "
                    "CONFIG_SECCOMP_FILTER? or run without -sandbox on)",
                    g_strerror(-rc));
        ok = false;
    }
    seccomp_release(ctx);
    return ok;
}
