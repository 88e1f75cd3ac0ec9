/*
 * CPU models for KVM vCPUs: what KVM_GET_SUPPORTED_CPUID offers (host, max) or a baseline of
 * it (qemu64), then each vCPU's own topology leaves (APIC id, SMT/core counts).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hw/i386/acpi-build.h"
#include "kvm-internal.h"

/* qemu64: the x86-64 baseline (SSE2, SSE3, CX16, LAHF) plus the paravirtual leaves. */
#define QEMU64_1_EDX 0x078bfbffu  /* fpu..sse2 without PSN/DS/ACPI/TM/PBE */
#define QEMU64_1_ECX ((1u << 0) | (1u << 13) | (1u << 23) | (1u << 31) | (1u << 21) | (1u << 24))
#define QEMU64_81_EDX ((1u << 11) | (1u << 20) | (1u << 29)) /* syscall, nx, lm */
#define QEMU64_81_ECX ((1u << 0)) /* lahf_lm */

static struct kvm_cpuid2 *supported_cpuid(KvmState *s, GError **errp)
{
    for (unsigned n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));

        c->nent = n;
        if (ioctl(s->fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            return c;
        }
        g_free(c);
        if (errno != E2BIG) {
            break;
        }
    }
    g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                "-accel kvm: KVM_GET_SUPPORTED_CPUID: %s", g_strerror(errno));
    return NULL;
}

static struct kvm_cpuid_entry2 *entry(struct kvm_cpuid2 *c, uint32_t fn, uint32_t index)
{
    for (uint32_t i = 0; i < c->nent; i++) {
        if (c->entries[i].function == fn &&
            (!(c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
             c->entries[i].index == index)) {
            return &c->entries[i];
        }
    }
    return NULL;
}

struct kvm_cpuid2 *kvm_cpuid_build(KvmState *s, const char *model, GError **errp)
{
    g_autofree struct kvm_cpuid2 *c = NULL;
    struct kvm_cpuid_entry2 *e;

    if (g_strcmp0(model, "host") && g_strcmp0(model, "max") && g_strcmp0(model, "qemu64")) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "-cpu %s: CPU model not supported by hostdev with KVM (use host, max or qemu64)",
                    model);
        return NULL;
    }
    c = supported_cpuid(s, errp);
    if (!c) {
        return NULL;
    }
    if ((e = entry(c, 1, 0))) {
        e->ecx |= 1u << 31; /* running under a hypervisor */
    }
    if (!strcmp(model, "qemu64")) {
        if ((e = entry(c, 1, 0))) {
            e->edx &= QEMU64_1_EDX;
            e->ecx &= QEMU64_1_ECX;
        }
        if ((e = entry(c, 0x80000001, 0))) {
            e->edx &= QEMU64_81_EDX;
            e->ecx &= QEMU64_81_ECX;
        }
        for (uint32_t i = 0; i < c->nent; i++) {
            if (c->entries[i].function == 7) {
                c->entries[i].ebx = c->entries[i].ecx = c->entries[i].edx = 0;
            }
        }
    }
    return g_steal_pointer(&c);
}

/* The vCPU's APIC id from its index and the topology (the MADT uses the same). */
static uint32_t apic_id(KvmState *s, unsigned index, unsigned *tbits, unsigned *cbits)
{
    *tbits = x86_topo_bits(s->config.threads);
    *cbits = x86_topo_bits(s->config.cores);
    return x86_apic_id(index, s->config.threads, s->config.cores);
}

bool kvm_cpuid_set_vcpu(KvmState *s, KvmVcpu *cpu, GError **errp)
{
    size_t len = sizeof(*s->cpuid) + s->cpuid->nent * sizeof(struct kvm_cpuid_entry2);
    g_autofree struct kvm_cpuid2 *c = g_memdup2(s->cpuid, len);
    unsigned tbits, cbits, per_pkg = s->config.threads * s->config.cores;
    uint32_t id = apic_id(s, cpu->index, &tbits, &cbits);
    struct kvm_cpuid_entry2 *e;

    if ((e = entry(c, 1, 0))) {
        e->ebx = (e->ebx & 0x0000ffffu) | (id << 24) | ((1u << (tbits + cbits)) << 16);
        e->edx |= 1u << 28; /* HTT: the count field is valid */
    }
    for (uint32_t i = 0; i < c->nent; i++) {
        e = &c->entries[i];
        if (e->function == 4) {
            unsigned sharing = (e->eax >> 5 & 7) >= 3 ? per_pkg : s->config.threads;

            e->eax = (e->eax & 0x3fff) | (((1u << cbits) - 1) << 26) |
                     ((uint32_t)(sharing - 1) << 14);
        } else if (e->function == 0xb || e->function == 0x1f) {
            e->edx = id;
            if (e->index == 0) {
                e->eax = tbits;
                e->ebx = s->config.threads;
                e->ecx = 1u << 8;
            } else if (e->index == 1) {
                e->eax = tbits + cbits;
                e->ebx = per_pkg;
                e->ecx = (2u << 8) | 1;
            } else {
                e->eax = e->ebx = 0;
                e->ecx = e->index;
            }
        } else if (e->function == 0x80000008) {
            e->ecx = (e->ecx & ~0xf0ffu) | ((tbits + cbits) << 12) | (per_pkg - 1);
        }
    }
    if (ioctl(cpu->fd, KVM_SET_CPUID2, c) < 0) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "-cpu: vCPU %u: KVM_SET_CPUID2: %s", cpu->index, g_strerror(errno));
        return false;
    }
    return true;
}
