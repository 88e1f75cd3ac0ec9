/*
 * KVM accelerator internals shared by its files: the VM state, vCPUs, memory slots, routes.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef ACCEL_KVM_INTERNAL_H
#define ACCEL_KVM_INTERNAL_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stddef.h>

#include "system/kvm.h"
#include "system/memory-listener.h"

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

typedef struct KvmVcpu {
    unsigned index;
    int fd;
    struct kvm_run *run;
    size_t run_size;
    pthread_t thread;
    bool thread_started;
    int tid;
    bool parked; /* waiting in the vCPU loop, not in KVM_RUN */
    struct kvm_lapic_state lapic0; /* the LAPIC as created, restored at reset */
} KvmVcpu;

typedef struct KvmState {
    int fd;    /* /dev/kvm */
    int vm_fd;
    HdKvmConfig config;
    KvmVcpu *vcpus;
    unsigned nr_vcpus;
    struct kvm_cpuid2 *cpuid; /* the model's CPUID, before per-vCPU fixups */
    MemoryListener mem_listener;
    MemoryListener io_listener;
    unsigned nr_slots;
    GArray *slots; /* KvmSlot */
    struct kvm_irqchip irqchip0[3]; /* PIC master, slave, IOAPIC as created */
    struct kvm_pit_state2 pit0;
    GArray *routes;               /* struct kvm_irq_routing_entry */
    GArray *free_gsis;            /* guint: released MSI GSIs */
    unsigned next_msi_gsi;
    HdKvmBootState boot;
    bool boot_set;
    /* vCPU control, under the BQL */
    bool run_vcpus;   /* vCPUs may enter KVM_RUN */
    bool stopping;    /* threads exit */
    GCond parked_cond;
    GCond run_cond;
} KvmState;

extern KvmState *kvm_state;

/* kvm-mem.c: memory slots from the system address space. */
void kvm_memory_init(KvmState *s);
void kvm_memory_cleanup(KvmState *s);

/* kvm-irq.c: the machine's GSIs and MSIs to the irqchip; routes. */
bool kvm_irq_init(KvmState *s, GError **errp);
void kvm_irq_cleanup(KvmState *s);

/* kvm-cpuid.c: the CPUID of @model, and one vCPU's copy of it. */
struct kvm_cpuid2 *kvm_cpuid_build(KvmState *s, const char *model, GError **errp);
bool kvm_cpuid_set_vcpu(KvmState *s, KvmVcpu *cpu, GError **errp);

/* kvm-cpus.c: vCPU threads, their exits, reset, pause/resume. */
bool kvm_vcpus_create(KvmState *s, GError **errp);
void kvm_vcpus_start(KvmState *s);
void kvm_vcpus_destroy(KvmState *s);
void kvm_vcpus_pause(KvmState *s);
void kvm_vcpus_resume(KvmState *s);
void kvm_vcpus_reset(KvmState *s);

#endif /* ACCEL_KVM_INTERNAL_H */
