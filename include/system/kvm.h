/*
 * The KVM accelerator (x86_64): a VM with the in-kernel irqchip and PIT, guest memory as memory
 * slots, one thread per vCPU, GSI routing and irqfds for devices that bring their own eventfds.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_KVM_H
#define SYSTEM_KVM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* What -accel kvm, -smp and -cpu asked for. */
typedef struct HdKvmConfig {
    unsigned cpus;        /* vCPUs started */
    unsigned sockets, cores, threads;
    const char *cpu_model; /* "host", "max", "qemu64", ... */
    bool name_threads;     /* -name debug-threads=on: vCPU threads are "CPU N/KVM" */
    bool no_machine;       /* -machine none: only the VM itself (a probe asks query-kvm) */
} HdKvmConfig;

/* Register state of the boot vCPU at reset (a direct Linux boot's 32-bit entry). */
typedef struct HdKvmBootState {
    uint32_t eip, esi;
    uint64_t gdt_base;
    uint16_t gdt_limit;
    uint16_t cs, ds; /* flat 4 GiB code and data selectors in that GDT */
} HdKvmBootState;

/* Open /dev/kvm, create the VM, its irqchip, PIT, memory slots and (stopped) vCPUs. */
bool kvm_init(const HdKvmConfig *config, GError **errp);
/* Stop and join the vCPUs, close everything; no-op when not initialized. */
void kvm_cleanup(void);
/* Whether the KVM accelerator is in use. */
bool kvm_enabled(void);
/* The VM fd (-1 when not in use). */
int kvm_vm_fd(void);

/* The boot vCPU's state at every reset. */
void kvm_set_boot_state(const HdKvmBootState *state);

/* Threads of the vCPUs (query-cpus-fast): @n < kvm_vcpu_count(). */
unsigned kvm_vcpu_count(void);
int kvm_vcpu_thread_id(unsigned n);

/*
 * Interrupt routes: an MSI route gets a GSI (>= 0) or -errno; update changes its message.
 * Routes are committed to the kernel (KVM_SET_GSI_ROUTING) at once.
 */
int kvm_irqchip_add_msi_route(uint64_t address, uint32_t data);
int kvm_irqchip_update_msi_route(int gsi, uint64_t address, uint32_t data);
void kvm_irqchip_release_route(int gsi);

/* Connect (@assign) or disconnect eventfd @fd to @gsi; @resample_fd >= 0 for a level line
 * whose resample eventfd fires at the guest's EOI. 0 or -errno. */
int kvm_irqfd(int fd, int gsi, int resample_fd, bool assign);

#endif /* SYSTEM_KVM_H */
