/*
 * The vCPUs as QOM objects at /machine/unattached/device[N] (the qom-path query-cpus-fast and
 * query-hotpluggable-cpus give), so qom-list and qom-get answer for them as QEMU does: type
 * MODEL-x86_64-cpu, the topology ids, the APIC id and unavailable-features (always empty: the
 * model's features are checked against KVM when the VM starts, or the start fails).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/i386/acpi-build.h"
#include "qom/tree.h"
#include "system/cpu-objects.h"

/* The base type; each model is a subtype named as QEMU names it (qemu64-x86_64-cpu, ...). */
typedef struct {
    GObject parent;
    guint socket_id, core_id, thread_id, apic_id;
} HdX86Cpu;

typedef struct {
    GObjectClass parent_class;
} HdX86CpuClass;

G_DEFINE_TYPE(HdX86Cpu, hd_x86_cpu, G_TYPE_OBJECT)

#define HD_X86_CPU(obj) ((HdX86Cpu *)(obj))

enum { PROP_0, PROP_SOCKET, PROP_CORE, PROP_THREAD, PROP_APIC, PROP_UNAVAILABLE, N_PROPS };

static void cpu_get_property(GObject *obj, guint prop_id, GValue *value, GParamSpec *pspec)
{
    HdX86Cpu *cpu = HD_X86_CPU(obj);
    static const char *const none[] = { NULL };

    switch (prop_id) {
    case PROP_SOCKET:
        g_value_set_uint(value, cpu->socket_id);
        break;
    case PROP_CORE:
        g_value_set_uint(value, cpu->core_id);
        break;
    case PROP_THREAD:
        g_value_set_uint(value, cpu->thread_id);
        break;
    case PROP_APIC:
        g_value_set_uint(value, cpu->apic_id);
        break;
    case PROP_UNAVAILABLE:
        g_value_set_boxed(value, none);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void hd_x86_cpu_class_init(HdX86CpuClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

    oc->get_property = cpu_get_property;
    g_object_class_install_property(oc, PROP_SOCKET,
        g_param_spec_uint("socket-id", NULL, "socket of this vCPU", 0, G_MAXUINT, 0, ro));
    g_object_class_install_property(oc, PROP_CORE,
        g_param_spec_uint("core-id", NULL, "core within its socket", 0, G_MAXUINT, 0, ro));
    g_object_class_install_property(oc, PROP_THREAD,
        g_param_spec_uint("thread-id", NULL, "thread within its core", 0, G_MAXUINT, 0, ro));
    g_object_class_install_property(oc, PROP_APIC,
        g_param_spec_uint("apic-id", NULL, "initial APIC id", 0, G_MAXUINT, 0, ro));
    g_object_class_install_property(oc, PROP_UNAVAILABLE,
        g_param_spec_boxed("unavailable-features", NULL,
                           "features of the model this host cannot give (none: the start fails "
                           "instead)",
                           G_TYPE_STRV, ro));
}

static void hd_x86_cpu_init(HdX86Cpu *cpu)
{
    (void)cpu;
}

/* The subtype for @model, registered on first use. */
static GType model_type(const char *model)
{
    g_autofree char *name = g_strdup_printf("%s-x86_64-cpu", model);
    GType type = g_type_from_name(name);

    if (!type) {
        type = g_type_register_static_simple(hd_x86_cpu_get_type(), g_intern_string(name),
                                             sizeof(HdX86CpuClass), NULL, sizeof(HdX86Cpu),
                                             NULL, 0);
    }
    return type;
}

bool hd_cpu_objects_add(HdTree *tree, const char *model, unsigned n, unsigned cores,
                        unsigned threads, GError **errp)
{
    GType type = model_type(model);

    for (unsigned i = 0; i < n; i++) {
        HdX86Cpu *cpu = g_object_new(type, NULL);
        g_autofree char *name = g_strdup_printf("device[%u]", i);
        bool ok;

        cpu->socket_id = i / (cores * threads);
        cpu->core_id = (i / threads) % cores;
        cpu->thread_id = i % threads;
        cpu->apic_id = x86_apic_id(i, threads, cores);
        ok = hd_tree_add(tree, "/machine/unattached", name, G_OBJECT(cpu), errp);
        g_object_unref(cpu);
        if (!ok) {
            return false;
        }
    }
    return true;
}
