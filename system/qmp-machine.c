/*
 * QMP commands about the guest machine, in QEMU's shapes: query-kvm (present/enabled),
 * query-cpus-fast (vCPU thread ids and topology), system_powerdown (the ACPI power button),
 * query-chardev (label, filename such as "pty:/dev/pts/3", frontend-open).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
#include <unistd.h>

#include "chardev/char-fd.h"
#include "chardev/chardev.h"
#include "hw/i386/pc-ports.h"
#include "monitor/qmp.h"
#include "system/kvm.h"
#include "system/qmp-machine.h"

static bool query_kvm(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_autoptr(JsonObject) obj = json_object_new();
    int fd;

    (void)args;
    (void)errp;
    fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    json_object_set_boolean_member(obj, "enabled", kvm_enabled());
    json_object_set_boolean_member(obj, "present", kvm_enabled() || fd >= 0);
    if (fd >= 0) {
        close(fd);
    }
    *ret = json_node_init_object(json_node_alloc(), obj);
    return true;
}

static bool query_cpus_fast(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_autoptr(JsonArray) cpus = json_array_new();

    (void)args;
    (void)errp;
    for (unsigned i = 0; i < kvm_vcpu_count(); i++) {
        JsonObject *cpu = json_object_new();
        JsonObject *props = json_object_new();
        g_autofree char *path = g_strdup_printf("/machine/unattached/device[%u]", i);

        json_object_set_int_member(cpu, "cpu-index", i);
        json_object_set_string_member(cpu, "qom-path", path);
        json_object_set_int_member(cpu, "thread-id", kvm_vcpu_thread_id(i));
        json_object_set_string_member(cpu, "target", "x86_64");
        json_object_set_int_member(props, "node-id", 0);
        json_object_set_object_member(cpu, "props", props);
        json_array_add_object_element(cpus, cpu);
    }
    *ret = json_node_init_array(json_node_alloc(), cpus);
    return true;
}

static bool system_powerdown(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)ret;
    (void)errp;
    hd_pc_ports_power_button();
    qmp_event_emit("POWERDOWN", NULL);
    return true;
}

static void add_chardev(const char *id, const char *filename, void *opaque)
{
    JsonObject *c = json_object_new();

    json_object_set_string_member(c, "label", id);
    json_object_set_string_member(c, "filename", filename);
    json_object_set_boolean_member(c, "frontend-open", true);
    json_array_add_object_element(opaque, c);
}

static bool query_chardev(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_autoptr(JsonArray) list = json_array_new();

    (void)args;
    (void)errp;
    char_fd_foreach(add_chardev, list);
    chardev_foreach(add_chardev, list);
    *ret = json_node_init_array(json_node_alloc(), list);
    return true;
}

void qmp_register_machine_commands(void)
{
    qmp_register_command("query-kvm", query_kvm, QMP_CMD_DEFAULT);
    qmp_register_command("query-cpus-fast", query_cpus_fast, QMP_CMD_DEFAULT);
    qmp_register_command("system_powerdown", system_powerdown, QMP_CMD_DEFAULT);
    qmp_register_command("query-chardev", query_chardev, QMP_CMD_DEFAULT);
}
