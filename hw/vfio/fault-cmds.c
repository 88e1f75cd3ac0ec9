/*
 * The VFIO syscall seam's fault injection for the lab's fault sweeps of a running hostdev.
 * Over qtest: "vfio_fail KIND N ERRNO" fails the N-th injectable call of KIND from now on,
 * "vfio_fail_fired" says whether it was delivered, "vfio_count KIND" counts calls. Over QMP,
 * for a KVM guest (no qtest there): x-vfio-fail and x-query-vfio-fail do the same.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-sys.h"
#include "monitor/qmp.h"
#include "system/qtest.h"

static bool kind_parse(const char *word, VFIOSysCall *out, GError **errp)
{
    for (VFIOSysCall k = VFIO_SYS_ANY; k < VFIO_SYS__MAX; k++) {
        if (!strcmp(word, vfio_sys_call_name(k))) {
            *out = k;
            return true;
        }
    }
    g_set_error(errp, VFIO_ERROR, EINVAL,
                "'%s' is not a call kind (any, open, ioctl, kvm, mmap, ...)", word);
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

/* x-vfio-fail {kind, n, errno}: vfio_fail over QMP. */
static bool qmp_fail(JsonObject *args, JsonNode **ret, GError **errp)
{
    gint64 n = json_object_get_int_member(args, "n");
    gint64 err = json_object_get_int_member(args, "errno");
    VFIOSysCall kind;

    (void)ret;
    if (!kind_parse(json_object_get_string_member(args, "kind"), &kind, errp)) {
        return false;
    }
    if (n < 0 || n > (1 << 30) || err < 1 || err > 4095) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "x-vfio-fail: n must be 0 to %d and errno 1 to 4095 (got %" G_GINT64_FORMAT
                    " and %" G_GINT64_FORMAT ")", 1 << 30, n, err);
        return false;
    }
    vfio_sys_reset_counts();
    vfio_sys_fail_nth(kind, (unsigned)n, (int)err);
    return true;
}

/* x-query-vfio-fail {kind}: {fired, count}. */
static bool qmp_query_fail(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_autoptr(JsonObject) obj = json_object_new();
    VFIOSysCall kind;

    if (!kind_parse(json_object_get_string_member(args, "kind"), &kind, errp)) {
        return false;
    }
    json_object_set_boolean_member(obj, "fired", vfio_sys_fail_fired());
    json_object_set_int_member(obj, "count", vfio_sys_count(kind));
    *ret = json_node_init_object(json_node_alloc(), obj);
    return true;
}

void vfio_fault_cmds_register(void)
{
    static gsize done;

    if (!g_once_init_enter(&done)) {
        return;
    }
    qtest_server_add_command("vfio_fail", 3, 3, "vfio_fail KIND N ERRNO", cmd_fail);
    qtest_server_add_command("vfio_fail_fired", 0, 0, "vfio_fail_fired", cmd_fired);
    qtest_server_add_command("vfio_count", 1, 1, "vfio_count KIND", cmd_count);
    qmp_register_command("x-vfio-fail", qmp_fail, QMP_CMD_DEFAULT);
    qmp_register_command("x-query-vfio-fail", qmp_query_fail, QMP_CMD_DEFAULT);
    g_once_init_leave(&done, 1);
}
