/*
 * The VFIO syscall seam's fault injection over the qtest protocol, for the lab's fault sweep
 * of a running hostdev: "vfio_fail KIND N ERRNO" fails the N-th injectable call of KIND from
 * now on, "vfio_fail_fired" says whether it was delivered, "vfio_count KIND" counts calls.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-sys.h"
#include "system/qtest.h"

static bool kind_parse(const char *word, VFIOSysCall *out, GError **errp)
{
    for (VFIOSysCall k = VFIO_SYS_ANY; k < VFIO_SYS__MAX; k++) {
        if (!strcmp(word, vfio_sys_call_name(k))) {
            *out = k;
            return true;
        }
    }
    g_set_error(errp, VFIO_ERROR, EINVAL, "'%s' is not a call kind (any, open, ioctl, mmap, ...)",
                word);
    return false;
}

static bool number_parse(const char *word, unsigned max, unsigned *out, GError **errp)
{
    char *end;
    unsigned long v = strtoul(word, &end, 0);

    if (!*word || *end || v > max) {
        g_set_error(errp, VFIO_ERROR, EINVAL, "'%s' is not a number from 0 to %u", word, max);
        return false;
    }
    *out = v;
    return true;
}

/* vfio_fail KIND N ERRNO: N 0 disarms. */
static char *cmd_fail(char **args, GError **errp)
{
    VFIOSysCall kind;
    unsigned n, err;

    if (!kind_parse(args[0], &kind, errp) || !number_parse(args[1], 1u << 30, &n, errp) ||
        !number_parse(args[2], 4095, &err, errp)) {
        return NULL;
    }
    vfio_sys_reset_counts();
    vfio_sys_fail_nth(kind, n, err);
    return g_strdup("");
}

static char *cmd_fired(char **args, GError **errp)
{
    (void)args;
    (void)errp;
    return g_strdup(vfio_sys_fail_fired() ? "1" : "0");
}

/* vfio_count KIND: calls of KIND since the last vfio_fail. */
static char *cmd_count(char **args, GError **errp)
{
    VFIOSysCall kind;

    if (!kind_parse(args[0], &kind, errp)) {
        return NULL;
    }
    return g_strdup_printf("%u", vfio_sys_count(kind));
}

void vfio_fault_qtest_register(void)
{
    qtest_server_add_command("vfio_fail", 3, 3, "vfio_fail KIND N ERRNO", cmd_fail);
    qtest_server_add_command("vfio_fail_fired", 0, 0, "vfio_fail_fired", cmd_fired);
    qtest_server_add_command("vfio_count", 1, 1, "vfio_count KIND", cmd_count);
}
