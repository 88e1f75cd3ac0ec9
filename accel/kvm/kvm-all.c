/*
 * The KVM accelerator: /dev/kvm, the VM with its in-kernel irqchip and PIT, the capabilities
 * hostdev relies on, and the hooks into run state (stop/cont), system reset and migration.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "migration/register.h"
#include "hw/vfio/vfio-common.h"
#include "kvm-internal.h"
#include "system/reset.h"
#include "system/runstate.h"
#include "trace.h"

#define KVM_TSS_ADDR 0xfeffd000ul
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000ull

KvmState *kvm_state;

bool kvm_enabled(void)
{
    return kvm_state != NULL;
}

int kvm_vm_fd(void)
{
    return kvm_state ? kvm_state->vm_fd : -1;
}

static bool open_kvm(KvmState *s, GError **errp)
{
    int version;

    s->fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (s->fd < 0 && errno == ENOENT) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    "-accel kvm: /dev/kvm does not exist: this host has no KVM (load kvm_intel or kvm_amd, enable virtualization in the firmware, or use -accel qtest)");
        return false;
    }
    if (s->fd < 0 && (errno == EACCES || errno == EPERM)) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_ACCES,
                    "-accel kvm: /dev/kvm: permission denied: add this user to the group that owns /dev/kvm (usually 'kvm') or run as root");
        return false;
    }
    if (s->fd < 0) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "-accel kvm: cannot open /dev/kvm: %s", g_strerror(errno));
        return false;
    }
    version = ioctl(s->fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "-accel kvm: /dev/kvm speaks API version %d, hostdev needs %d", version,
                    KVM_API_VERSION);
        return false;
    }
    return true;
}

static bool check_caps(KvmState *s, GError **errp)
{
    static const struct {
        int cap;
        const char *name;
    } needed[] = {
        { KVM_CAP_USER_MEMORY, "user memory slots" },
        { KVM_CAP_IRQCHIP, "an in-kernel irqchip" },
        { KVM_CAP_PIT2, "an in-kernel PIT" },
        { KVM_CAP_IRQ_ROUTING, "GSI routing" },
        { KVM_CAP_IRQFD, "irqfd" },
        { KVM_CAP_IRQFD_RESAMPLE, "irqfd resampling (INTx)" },
        { KVM_CAP_SIGNAL_MSI, "MSI injection" },
        { KVM_CAP_DEVICE_CTRL, "devices (the KVM VFIO device)" },
        { KVM_CAP_EXT_CPUID, "extended CPUID" },
        { KVM_CAP_SET_TSS_ADDR, "a TSS address" },
        { KVM_CAP_IMMEDIATE_EXIT, "immediate exit" },
    };
    int slots;

    for (size_t i = 0; i < G_N_ELEMENTS(needed); i++) {
        if (ioctl(s->fd, KVM_CHECK_EXTENSION, needed[i].cap) <= 0) {
            g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                        "-accel kvm: this KVM lacks %s (capability %d); hostdev needs it: use a newer host kernel",
                        needed[i].name, needed[i].cap);
            return false;
        }
    }
    slots = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    s->nr_slots = slots > 0 ? (unsigned)slots : 32;
    return true;
}

static bool create_vm(KvmState *s, GError **errp)
{
    struct kvm_pit_config pit = { .flags = 0 };
    uint64_t identity = KVM_IDENTITY_MAP_ADDR;
    const char *step;

    s->vm_fd = ioctl(s->fd, KVM_CREATE_VM, 0);
    if (s->vm_fd < 0) {
        step = "KVM_CREATE_VM";
        goto fail;
    }
    step = "KVM_SET_TSS_ADDR";
    if (ioctl(s->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0) {
        goto fail;
    }
    step = "KVM_SET_IDENTITY_MAP_ADDR";
    if (ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 &&
        ioctl(s->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0) {
        goto fail;
    }
    step = "KVM_CREATE_IRQCHIP";
    if (ioctl(s->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
        goto fail;
    }
    step = "KVM_CREATE_PIT2";
    if (ioctl(s->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
        goto fail;
    }
    step = "KVM_GET_IRQCHIP";
    for (unsigned i = 0; i < 3; i++) {
        s->irqchip0[i].chip_id = i;
        if (ioctl(s->vm_fd, KVM_GET_IRQCHIP, &s->irqchip0[i]) < 0) {
            goto fail;
        }
    }
    step = "KVM_GET_PIT2";
    if (ioctl(s->vm_fd, KVM_GET_PIT2, &s->pit0) < 0) {
        goto fail;
    }
    return true;

fail:
    g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno), "-accel kvm: %s: %s", step,
                g_strerror(errno));
    return false;
}

/* The irqchip and PIT as created; the vCPUs as at power-on, the boot vCPU at the entry. */
static void kvm_reset(void *opaque)
{
    KvmState *s = opaque;

    for (unsigned i = 0; i < 3; i++) {
        if (ioctl(s->vm_fd, KVM_SET_IRQCHIP, &s->irqchip0[i]) < 0) {
            g_warning("kvm: reset of irqchip %u: %s", i, g_strerror(errno));
        }
    }
    if (ioctl(s->vm_fd, KVM_SET_PIT2, &s->pit0) < 0) {
        g_warning("kvm: reset of the PIT: %s", g_strerror(errno));
    }
    kvm_vcpus_reset(s);
}

static void runstate_changed(HdRunState old_state, HdRunState new_state, void *opaque)
{
    KvmState *s = opaque;

    (void)old_state;
    trace_kvm_runstate(hd_runstate_name(new_state));
    if (new_state == HD_RUN_STATE_RUNNING) {
        kvm_migration_vm_starting(s);
        kvm_vcpus_resume(s);
    } else {
        kvm_vcpus_pause(s);
    }
}

bool kvm_init(const HdKvmConfig *config, GError **errp)
{
    KvmState *s = g_new0(KvmState, 1);

    s->fd = -1;
    s->vm_fd = -1;
    s->config = *config;
    g_cond_init(&s->parked_cond);
    g_cond_init(&s->run_cond);
    kvm_state = s;
    if (!open_kvm(s, errp) || !check_caps(s, errp) || !create_vm(s, errp)) {
        goto fail;
    }
    if (config->no_machine) {
        /* No irqchip, memory or vCPU to give a VM without a machine. */
        trace_kvm_init(0, 0);
        return true;
    }
    s->cpuid = kvm_cpuid_build(s, config->cpu_model, errp);
    if (!s->cpuid || !kvm_irq_init(s, errp) || !kvm_vcpus_create(s, errp)) {
        goto fail;
    }
    kvm_memory_init(s);
    vfio_kvm_set_vm_fd(s->vm_fd);
    hd_reset_handler_register(kvm_reset, s);
    hd_runstate_add_notifier(runstate_changed, s);
    kvm_migration_init(s);
    kvm_vcpus_start(s);
    trace_kvm_init(s->nr_vcpus, s->nr_slots);
    return true;

fail:
    kvm_cleanup();
    return false;
}

void kvm_cleanup(void)
{
    KvmState *s = kvm_state;

    if (!s) {
        return;
    }
    hd_migration_remove_blockers(s);
    if (!s->config.no_machine) {
        hd_runstate_remove_notifier(runstate_changed, s);
        hd_reset_handler_unregister(kvm_reset, s);
        kvm_migration_cleanup(s);
        kvm_vcpus_destroy(s);
        vfio_kvm_set_vm_fd(-1);
        kvm_memory_cleanup(s);
        kvm_irq_cleanup(s);
    }
    g_free(s->cpuid);
    if (s->vm_fd >= 0) {
        close(s->vm_fd);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    g_cond_clear(&s->parked_cond);
    g_cond_clear(&s->run_cond);
    g_free(s);
    kvm_state = NULL;
}

void kvm_set_boot_state(const HdKvmBootState *state)
{
    if (kvm_state) {
        kvm_state->boot = *state;
        kvm_state->boot_set = true;
    }
}
