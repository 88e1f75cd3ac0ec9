/*
 * KVM accelerator stubs for hosts other than x86_64, where accel/ is not built: KVM is never
 * enabled, -accel kvm fails with a message saying so, and the irqfd/route calls that frontends
 * make only when KVM is enabled return -ENOSYS.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>

#include "qom/object.h"
#include "system/kvm.h"

bool kvm_init(const HdKvmConfig *config, GError **errp)
{
    (void)config;
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "-accel kvm: this hostdev was built for a non-x86_64 host, where it has no KVM accelerator; use -accel qtest");
    return false;
}

void kvm_cleanup(void)
{
}

bool kvm_enabled(void)
{
    return false;
}

int kvm_vm_fd(void)
{
    return -1;
}

void kvm_set_boot_state(const HdKvmBootState *state)
{
    (void)state;
}

unsigned kvm_vcpu_count(void)
{
    return 0;
}

int kvm_vcpu_thread_id(unsigned n)
{
    (void)n;
    return -1;
}

int kvm_irqchip_add_msi_route(uint64_t address, uint32_t data)
{
    (void)address;
    (void)data;
    return -ENOSYS;
}

int kvm_irqchip_update_msi_route(int gsi, uint64_t address, uint32_t data)
{
    (void)gsi;
    (void)address;
    (void)data;
    return -ENOSYS;
}

void kvm_irqchip_release_route(int gsi)
{
    (void)gsi;
}

int kvm_irqfd(int fd, int gsi, int resample_fd, bool assign)
{
    (void)fd;
    (void)gsi;
    (void)resample_fd;
    (void)assign;
    return -ENOSYS;
}
