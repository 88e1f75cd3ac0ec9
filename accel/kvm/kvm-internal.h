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
    bool io_pending; /* the last exit was I/O or MMIO: KVM completes it at the next KVM_RUN */
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
    /* Migration (kvm-migration.c) */
    bool dirty_logging;        /* RAM slots log the pages vCPUs write */
    uint32_t xsave_len;        /* bytes of KVM_GET_XSAVE(2) */
    bool has_sregs2;
    GArray *mig_msrs;          /* uint32_t: the MSRs a vCPU's state carries */
    bool clock_pending;        /* a loaded kvmclock waits for the VM to run */
    struct kvm_clock_data clock;
} KvmState;

extern KvmState *kvm_state;

/* kvm-mem.c: memory slots from the system address space, their dirty log. */
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
/* Wait until every vCPU thread is parked outside KVM_RUN (the VM must not be running). */
void kvm_vcpus_wait_parked(KvmState *s);

/*
 * kvm-migration.c: the VM's and each vCPU's state in the migration stream. Section payloads
 * (format in the file header) are built and checked by the codec below, without a kernel.
 */
void kvm_migration_init(KvmState *s);
void kvm_migration_cleanup(KvmState *s);
/* Before the VM runs (again): a kvmclock loaded from the stream is set now. */
void kvm_migration_vm_starting(KvmState *s);

typedef struct KvmCpuState {
    struct kvm_regs regs;
    bool has_sregs2;               /* sregs2 carries the segment state, else sregs */
    struct kvm_sregs sregs;
    struct kvm_sregs2 sregs2;
    uint8_t *xsave;                /* xsave_len bytes (owned) */
    uint32_t xsave_len;
    struct kvm_xcrs xcrs;
    struct kvm_msr_entry *msrs;    /* nmsrs entries (owned) */
    uint32_t nmsrs;
    struct kvm_lapic_state lapic;
    struct kvm_vcpu_events events;
    struct kvm_debugregs debugregs;
    struct kvm_mp_state mp;
    uint32_t tsc_khz;              /* 0: not known */
} KvmCpuState;

typedef struct KvmVmState {
    struct kvm_irqchip chip[3];    /* PIC master, PIC slave, IOAPIC */
    struct kvm_pit_state2 pit;
    struct kvm_clock_data clock;
} KvmVmState;

/* What the destination accepts: its vCPU @index of @nr_vcpus, its XSAVE size, SREGS2. */
typedef struct KvmCpuLimits {
    unsigned index, nr_vcpus;
    uint32_t xsave_len;
    bool sregs2;
} KvmCpuLimits;

GBytes *kvm_cpu_state_encode(const KvmCpuState *st, unsigned index, unsigned nr_vcpus);
/* Fill @st (cleared first; free with kvm_cpu_state_clear) or refuse naming what differs. */
bool kvm_cpu_state_decode(const uint8_t *data, size_t len, const KvmCpuLimits *lim,
                          KvmCpuState *st, GError **errp);
void kvm_cpu_state_clear(KvmCpuState *st);
GBytes *kvm_vm_state_encode(const KvmVmState *st, unsigned nr_vcpus);
bool kvm_vm_state_decode(const uint8_t *data, size_t len, unsigned nr_vcpus, KvmVmState *st,
                         GError **errp);

#endif /* ACCEL_KVM_INTERNAL_H */
