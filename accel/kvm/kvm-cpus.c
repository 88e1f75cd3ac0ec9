/*
 * KVM vCPUs: one thread each running KVM_RUN, port and MMIO exits dispatched to the machine
 * under the big lock, pause/resume for stop/cont and reset, and the reset state (the boot
 * vCPU at the kernel's 32-bit entry, the others waiting for INIT/SIPI).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hw/i386/acpi-build.h"
#include "kvm-internal.h"
#include "system/bql.h"
#include "system/lifecycle.h"
#include "system/reset.h"
#include "system/runstate.h"
#include "trace.h"

#define SIG_KICK SIGUSR1

#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define MSR_KVM_ASYNC_PF_EN 0x4b564d02
#define MSR_KVM_STEAL_TIME 0x4b564d03
#define MSR_KVM_PV_EOI_EN 0x4b564d04
#define MSR_KVM_WALL_CLOCK 0x11
#define MSR_KVM_SYSTEM_TIME 0x12

static void kick_handler(int sig)
{
    (void)sig;
}

static void dispatch_io(KvmVcpu *cpu)
{
    struct kvm_run *run = cpu->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    AddressSpace *as = memory_system_io_address_space();

    for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            address_space_write(as, run->io.port, data, run->io.size);
        } else if (address_space_read(as, run->io.port, data, run->io.size) != MEMTX_OK) {
            memset(data, 0xff, run->io.size); /* nothing there: the bus floats high */
        }
    }
}

static void dispatch_mmio(KvmVcpu *cpu)
{
    struct kvm_run *run = cpu->run;
    AddressSpace *as = memory_system_address_space();

    if (run->mmio.is_write) {
        address_space_write(as, run->mmio.phys_addr, run->mmio.data, run->mmio.len);
    } else if (address_space_read(as, run->mmio.phys_addr, run->mmio.data, run->mmio.len) !=
               MEMTX_OK) {
        memset(run->mmio.data, 0xff, run->mmio.len);
    }
}

/*
 * An internal error, said whole: the suberror by name, where the vCPU stood (RIP) and KVM's
 * data words (for an emulation failure: flags, instruction length and bytes, then the exit
 * that led there), so a report shows which instruction at which address.
 */
static char *internal_error_text(KvmVcpu *cpu)
{
    static const char *const names[] = {
        [KVM_INTERNAL_ERROR_EMULATION] = "an instruction KVM could not emulate",
        [KVM_INTERNAL_ERROR_SIMUL_EX] = "an exception while delivering another",
        [KVM_INTERNAL_ERROR_DELIVERY_EV] = "an event KVM could not deliver",
        [KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON] = "an exit KVM did not expect",
    };
    struct kvm_run *run = cpu->run;
    uint32_t sub = run->internal.suberror;
    GString *text = g_string_new(NULL);
    struct kvm_regs regs;

    g_string_printf(text, "vCPU %u: KVM internal error (suberror %u: %s)", cpu->index, sub,
                    sub < G_N_ELEMENTS(names) && names[sub] ? names[sub] : "unknown");
    if (ioctl(cpu->fd, KVM_GET_REGS, &regs) == 0) {
        g_string_append_printf(text, " at RIP 0x%llx", (unsigned long long)regs.rip);
    }
    if (run->internal.ndata) {
        g_string_append(text, "; data");
        for (uint32_t i = 0; i < MIN(run->internal.ndata, G_N_ELEMENTS(run->internal.data)); i++) {
            g_string_append_printf(text, " 0x%llx", (unsigned long long)run->internal.data[i]);
        }
    }
    return g_string_free(text, FALSE);
}

/* Handle one exit under the lock; false when the vCPU cannot go on. */
static bool handle_exit(KvmState *s, KvmVcpu *cpu)
{
    struct kvm_run *run = cpu->run;

    (void)s;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        dispatch_io(cpu);
        return true;
    case KVM_EXIT_MMIO:
        dispatch_mmio(cpu);
        return true;
    case KVM_EXIT_INTR:
        return true;
    case KVM_EXIT_SHUTDOWN:
        /* A triple fault: a PC resets. */
        trace_kvm_vcpu_exit(cpu->index, "shutdown (triple fault)");
        hd_guest_request_reset("guest-reset");
        return true;
    case KVM_EXIT_SYSTEM_EVENT:
        if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
            hd_guest_request_reset("guest-reset");
        } else {
            hd_guest_request_shutdown("guest-shutdown");
        }
        return true;
    case KVM_EXIT_HLT:
        return true;
    case KVM_EXIT_FAIL_ENTRY:
        hd_guest_internal_error(g_strdup_printf(
            "vCPU %u: KVM could not enter the guest (hardware reason 0x%llx)", cpu->index,
            (unsigned long long)run->fail_entry.hardware_entry_failure_reason));
        return false;
    case KVM_EXIT_INTERNAL_ERROR:
        hd_guest_internal_error(internal_error_text(cpu));
        return false;
    default:
        hd_guest_internal_error(g_strdup_printf("vCPU %u: unexpected KVM exit reason %u",
                                                cpu->index, run->exit_reason));
        return false;
    }
}

/*
 * KVM finishes an I/O or MMIO instruction (the value read lands in its register, RIP moves on)
 * only at the next KVM_RUN; until then the registers userspace reads are mid-instruction. A
 * vCPU about to park enters once with immediate_exit set: KVM completes the instruction and
 * returns at once, so what is saved while parked is whole. Called with the lock held.
 */
static void complete_io(KvmVcpu *cpu)
{
    int ret, err;

    cpu->run->immediate_exit = 1;
    bql_unlock();
    ret = ioctl(cpu->fd, KVM_RUN, 0);
    err = errno;
    bql_lock();
    cpu->io_pending = false;
    trace_kvm_vcpu_complete_io(cpu->index, ret < 0 ? -err : ret);
}

/* Take the lock to handle an exit; a long wait (the guest stalls meanwhile) is traced. */
static void lock_exit(KvmVcpu *cpu)
{
    gint64 start = g_get_monotonic_time(), waited;

    bql_lock();
    waited = g_get_monotonic_time() - start;
    if (waited >= 50000) {
        trace_kvm_vcpu_bql_wait(cpu->index, cpu->run->exit_reason, (uint64_t)waited / 1000);
    }
}

static void *vcpu_thread(void *opaque)
{
    KvmVcpu *cpu = opaque;
    KvmState *s = kvm_state;
    bool broken = false;
    sigset_t kick;

    sigemptyset(&kick);
    sigaddset(&kick, SIG_KICK);
    pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
    cpu->tid = (int)syscall(SYS_gettid);
    bql_lock();
    while (!s->stopping) {
        int ret, err;

        if (!s->run_vcpus || broken) {
            if (cpu->io_pending && !broken) {
                complete_io(cpu); /* the lock was dropped: look again */
                continue;
            }
            cpu->parked = true;
            g_cond_broadcast(&s->parked_cond);
            bql_cond_wait(&s->run_cond);
            if (s->run_vcpus) {
                broken = false;
            }
            continue;
        }
        cpu->parked = false;
        cpu->run->immediate_exit = 0;
        bql_unlock();
        ret = ioctl(cpu->fd, KVM_RUN, 0);
        err = errno;
        lock_exit(cpu);
        if (ret < 0) {
            if (err == EINTR || err == EAGAIN) {
                continue;
            }
            hd_guest_internal_error(
                g_strdup_printf("vCPU %u: KVM_RUN: %s", cpu->index, g_strerror(err)));
            broken = true;
            continue;
        }
        if (!handle_exit(s, cpu)) {
            broken = true;
        }
        cpu->io_pending = cpu->run->exit_reason == KVM_EXIT_IO ||
                          cpu->run->exit_reason == KVM_EXIT_MMIO;
    }
    cpu->parked = true;
    g_cond_broadcast(&s->parked_cond);
    bql_unlock();
    return NULL;
}

static void kick_all(KvmState *s)
{
    for (unsigned i = 0; i < s->nr_vcpus; i++) {
        KvmVcpu *cpu = &s->vcpus[i];

        cpu->run->immediate_exit = 1;
        if (cpu->thread_started) {
            pthread_kill(cpu->thread, SIG_KICK);
        }
    }
}

void kvm_vcpus_wait_parked(KvmState *s)
{
    bool all;

    g_return_if_fail(!s->run_vcpus);
    do {
        all = true;
        for (unsigned i = 0; i < s->nr_vcpus; i++) {
            all = all && (!s->vcpus[i].thread_started || s->vcpus[i].parked);
        }
        if (!all) {
            bql_cond_wait(&s->parked_cond);
        }
    } while (!all);
}

void kvm_vcpus_pause(KvmState *s)
{
    if (!s->run_vcpus) {
        return;
    }
    s->run_vcpus = false;
    kick_all(s);
    kvm_vcpus_wait_parked(s);
    trace_kvm_vcpus_paused(s->nr_vcpus);
}

void kvm_vcpus_resume(KvmState *s)
{
    if (s->run_vcpus || s->stopping) {
        return;
    }
    s->run_vcpus = true;
    g_cond_broadcast(&s->run_cond);
    trace_kvm_vcpus_resumed(s->nr_vcpus);
}

static void quiesce_stop(void)
{
    if (kvm_state) {
        kvm_vcpus_pause(kvm_state);
    }
}

static void quiesce_start(void)
{
    if (kvm_state && hd_runstate_is_running()) {
        kvm_vcpus_resume(kvm_state);
    }
}

static void flat_segment(struct kvm_segment *seg, uint16_t selector, uint8_t type)
{
    *seg = (struct kvm_segment){
        .base = 0,
        .limit = 0xffffffff,
        .selector = selector,
        .type = type,
        .present = 1,
        .db = 1,
        .s = 1,
        .g = 1,
    };
}

static void reset_vcpu(KvmState *s, KvmVcpu *cpu)
{
    struct kvm_sregs sregs;
    struct kvm_regs regs = { .rflags = 2, .rip = 0xfff0, .rdx = 0x600 };
    struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
    struct kvm_mp_state mp = {
        .mp_state = cpu->index == 0 ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED,
    };
    static const uint32_t pv_msrs[] = { MSR_KVM_WALL_CLOCK_NEW, MSR_KVM_SYSTEM_TIME_NEW,
                                        MSR_KVM_ASYNC_PF_EN,    MSR_KVM_STEAL_TIME,
                                        MSR_KVM_PV_EOI_EN,      MSR_KVM_WALL_CLOCK,
                                        MSR_KVM_SYSTEM_TIME };
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e[G_N_ELEMENTS(pv_msrs)];
    } msrs = { .hdr.nmsrs = G_N_ELEMENTS(pv_msrs) };
    const char *step = "KVM_GET_SREGS";

    for (size_t i = 0; i < G_N_ELEMENTS(pv_msrs); i++) {
        msrs.e[i].index = pv_msrs[i];
    }
    if (ioctl(cpu->fd, KVM_GET_SREGS, &sregs) < 0) {
        goto fail;
    }
    /* Real mode at the reset vector, as the hardware starts. */
    flat_segment(&sregs.cs, 0xf000, 0xb);
    sregs.cs.base = 0xffff0000;
    sregs.cs.limit = 0xffff;
    sregs.cs.db = sregs.cs.g = 0;
    for (struct kvm_segment *seg = &sregs.ds; seg <= &sregs.ss; seg++) {
        flat_segment(seg, 0, 3);
        seg->limit = 0xffff;
        seg->db = seg->g = 0;
    }
    sregs.tr = (struct kvm_segment){ .limit = 0xffff, .type = 11, .present = 1 };
    sregs.ldt = (struct kvm_segment){ .limit = 0xffff, .type = 2, .present = 1 };
    sregs.gdt.base = sregs.idt.base = 0;
    sregs.gdt.limit = sregs.idt.limit = 0xffff;
    sregs.cr0 = 0x60000010;
    sregs.cr2 = sregs.cr3 = sregs.cr4 = sregs.efer = 0;
    sregs.apic_base = 0xfee00000 | (1u << 11) | (cpu->index == 0 ? 1u << 8 : 0);
    memset(sregs.interrupt_bitmap, 0, sizeof(sregs.interrupt_bitmap));
    if (cpu->index == 0 && s->boot_set) {
        /* The kernel's 32-bit entry: flat protected mode, paging off. */
        flat_segment(&sregs.cs, s->boot.cs, 0xb);
        for (struct kvm_segment *seg = &sregs.ds; seg <= &sregs.ss; seg++) {
            flat_segment(seg, s->boot.ds, 3);
        }
        sregs.gdt.base = s->boot.gdt_base;
        sregs.gdt.limit = s->boot.gdt_limit;
        sregs.idt.limit = 0;
        sregs.cr0 = 0x11; /* PE, ET */
        regs = (struct kvm_regs){ .rflags = 2, .rip = s->boot.eip, .rsi = s->boot.esi };
    }
    step = "KVM_SET_LAPIC";
    if (ioctl(cpu->fd, KVM_SET_LAPIC, &cpu->lapic0) < 0) {
        goto fail;
    }
    step = "KVM_SET_SREGS";
    if (ioctl(cpu->fd, KVM_SET_SREGS, &sregs) < 0) {
        goto fail;
    }
    step = "KVM_SET_REGS";
    if (ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0) {
        goto fail;
    }
    step = "KVM_SET_FPU";
    if (ioctl(cpu->fd, KVM_SET_FPU, &fpu) < 0) {
        goto fail;
    }
    step = "KVM_SET_MSRS";
    if (ioctl(cpu->fd, KVM_SET_MSRS, &msrs) < 0) {
        goto fail;
    }
    step = "KVM_SET_MP_STATE";
    if (ioctl(cpu->fd, KVM_SET_MP_STATE, &mp) < 0) {
        goto fail;
    }
    trace_kvm_vcpu_reset(cpu->index, regs.rip);
    return;

fail:
    g_warning("kvm: reset of vCPU %u: %s: %s", cpu->index, step, g_strerror(errno));
}

void kvm_vcpus_reset(KvmState *s)
{
    for (unsigned i = 0; i < s->nr_vcpus; i++) {
        reset_vcpu(s, &s->vcpus[i]);
    }
}

bool kvm_vcpus_create(KvmState *s, GError **errp)
{
    int mmap_size = ioctl(s->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    int max = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    struct sigaction sa = { .sa_handler = kick_handler };

    if (max <= 0) {
        max = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
    }
    if (max > 0 && s->config.cpus > (unsigned)max) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "-smp %u: this KVM gives at most %d vCPUs per VM", s->config.cpus, max);
        return false;
    }
    if (mmap_size <= 0) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "-accel kvm: KVM_GET_VCPU_MMAP_SIZE: %s", g_strerror(errno));
        return false;
    }
    sigaction(SIG_KICK, &sa, NULL);
    s->vcpus = g_new0(KvmVcpu, s->config.cpus);
    for (unsigned i = 0; i < s->config.cpus; i++) {
        KvmVcpu *cpu = &s->vcpus[i];
        const char *step = "KVM_CREATE_VCPU";

        cpu->index = i;
        /* The vCPU id is the initial APIC id: the topology's, as CPUID and the MADT say. */
        cpu->fd = ioctl(s->vm_fd, KVM_CREATE_VCPU,
                        (unsigned long)x86_apic_id(i, s->config.threads, s->config.cores));
        if (cpu->fd < 0) {
            goto fail;
        }
        s->nr_vcpus = i + 1;
        step = "mmap of kvm_run";
        cpu->run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
        if (cpu->run == MAP_FAILED) {
            cpu->run = NULL;
            goto fail;
        }
        cpu->run_size = (size_t)mmap_size;
        step = "KVM_GET_LAPIC";
        if (ioctl(cpu->fd, KVM_GET_LAPIC, &cpu->lapic0) < 0) {
            goto fail;
        }
        if (!kvm_cpuid_set_vcpu(s, cpu, errp)) {
            return false;
        }
        continue;
    fail:
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "-accel kvm: vCPU %u: %s: %s", i, step, g_strerror(errno));
        return false;
    }
    hd_reset_set_quiesce(quiesce_stop, quiesce_start);
    return true;
}

void kvm_vcpus_start(KvmState *s)
{
    for (unsigned i = 0; i < s->nr_vcpus; i++) {
        KvmVcpu *cpu = &s->vcpus[i];
        sigset_t all, old;

        /* The thread starts with the kick unblocked and everything else blocked. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        if (pthread_create(&cpu->thread, NULL, vcpu_thread, cpu) == 0) {
            cpu->thread_started = true;
            if (s->config.name_threads) {
                char name[16]; /* the kernel's limit, with the terminator */

                snprintf(name, sizeof(name), "CPU %u/KVM", i % 1000);
                pthread_setname_np(cpu->thread, name);
            }
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
}

void kvm_vcpus_destroy(KvmState *s)
{
    s->stopping = true;
    s->run_vcpus = false;
    if (s->vcpus) {
        kick_all(s);
    }
    g_cond_broadcast(&s->run_cond);
    bql_unlock();
    for (unsigned i = 0; i < s->nr_vcpus; i++) {
        if (s->vcpus[i].thread_started) {
            pthread_join(s->vcpus[i].thread, NULL);
        }
    }
    bql_lock();
    hd_reset_set_quiesce(NULL, NULL);
    for (unsigned i = 0; i < s->nr_vcpus; i++) {
        if (s->vcpus[i].run) {
            munmap(s->vcpus[i].run, s->vcpus[i].run_size);
        }
        close(s->vcpus[i].fd);
    }
    g_clear_pointer(&s->vcpus, g_free);
    s->nr_vcpus = 0;
}

unsigned kvm_vcpu_count(void)
{
    return kvm_state ? kvm_state->nr_vcpus : 0;
}

int kvm_vcpu_thread_id(unsigned n)
{
    return kvm_state && n < kvm_state->nr_vcpus ? kvm_state->vcpus[n].tid : 0;
}
