/*
 * KVM guest state in migration: each vCPU's registers, FPU, MSRs, LAPIC, events and MP state,
 * and the VM's in-kernel PICs, IOAPIC, PIT and kvmclock, saved with the vCPUs parked.
 *
 * Sections "kvm/vm/state" and "kvm/cpuN/state", format version 1, in host byte order (KVM
 * guests are x86_64 only here):
 *   u32 magic ("HDKV" VM, "HDKC" vCPU) | u32 version (1) | u32 index (vCPU N; VM: 0) |
 *   u32 number of vCPUs | records
 *   record: u32 tag | u32 length | the payload, a KVM uapi struct as its KVM_GET_* fills it
 * VM tags: 1 PIC master, 2 PIC slave, 3 IOAPIC (struct kvm_irqchip), 4 PIT (kvm_pit_state2),
 *   5 kvmclock (kvm_clock_data); all required.
 * vCPU tags: 16 regs, 17 sregs or 18 sregs2, 19 XSAVE area (KVM_CAP_XSAVE2's size, at most
 *   the destination's), 20 XCRs, 21 MSRs (an array of kvm_msr_entry, restored in that order),
 *   22 LAPIC, 23 vCPU events, 24 debug registers, 25 MP state; all required; 26 TSC kHz (u32,
 *   optional). Unknown or repeated tags, another record size, vCPU count or index are refused
 *   with a message naming what differs.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm-internal.h"
#include "migration/register.h"
#include "trace.h"

#define VM_MAGIC 0x564b4448u  /* "HDKV" as bytes */
#define CPU_MAGIC 0x434b4448u /* "HDKC" */
#define FORMAT_VERSION 1
#define HEADER_LEN 16

enum {
    REC_PIC_MASTER = 1,
    REC_PIC_SLAVE,
    REC_IOAPIC,
    REC_PIT,
    REC_CLOCK,
    REC_REGS = 16,
    REC_SREGS,
    REC_SREGS2,
    REC_XSAVE,
    REC_XCRS,
    REC_MSRS,
    REC_LAPIC,
    REC_EVENTS,
    REC_DEBUGREGS,
    REC_MP_STATE,
    REC_TSC_KHZ,
    REC_MAX,
};

#define MSR_IA32_TSC 0x10
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_TSC_ADJUST 0x3b
#define MSR_IA32_SPEC_CTRL 0x48
#define MSR_IA32_TSX_CTRL 0x122
#define MSR_IA32_UMWAIT_CONTROL 0xe1
#define MSR_MISC_FEATURES_ENABLES 0x140
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_IA32_XFD 0x1c4
#define MSR_IA32_XFD_ERR 0x1c5
#define MSR_IA32_PAT 0x277
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define MSR_IA32_BNDCFGS 0xd90
#define MSR_IA32_XSS 0xda0
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_FMASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103
#define MSR_VM_HSAVE_PA 0xc0010117
#define MSR_AMD64_VIRT_SPEC_CTRL 0xc001011f
#define MSR_KVM_WALL_CLOCK 0x11
#define MSR_KVM_SYSTEM_TIME 0x12
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define MSR_KVM_ASYNC_PF_EN 0x4b564d02
#define MSR_KVM_STEAL_TIME 0x4b564d03
#define MSR_KVM_PV_EOI_EN 0x4b564d04
#define MSR_KVM_POLL_CONTROL 0x4b564d05
#define MSR_KVM_ASYNC_PF_INT 0x4b564d06
#define MSR_KVM_ASYNC_PF_ACK 0x4b564d07

/*
 * The MSRs a vCPU's state carries when the kernel lists them (KVM_GET_MSR_INDEX_LIST), in
 * restore order: TSC_ADJUST, then the TSC before the deadline that counts in it; the async PF
 * vector before async PF is enabled. EFER and the APIC base travel in sregs.
 */
static const uint32_t listed_msrs[] = {
    MSR_IA32_SYSENTER_CS,
    MSR_IA32_SYSENTER_ESP,
    MSR_IA32_SYSENTER_EIP,
    MSR_STAR,
    MSR_LSTAR,
    MSR_CSTAR,
    MSR_FMASK,
    MSR_KERNEL_GS_BASE,
    MSR_TSC_AUX,
    MSR_IA32_PAT,
    MSR_IA32_MISC_ENABLE,
    MSR_IA32_FEATURE_CONTROL,
    MSR_IA32_SPEC_CTRL,
    MSR_IA32_TSX_CTRL,
    MSR_IA32_UMWAIT_CONTROL,
    MSR_MISC_FEATURES_ENABLES,
    MSR_IA32_XSS,
    MSR_IA32_BNDCFGS,
    MSR_IA32_XFD,
    MSR_IA32_XFD_ERR,
    MSR_AMD64_VIRT_SPEC_CTRL,
    MSR_VM_HSAVE_PA,
    MSR_IA32_TSC_ADJUST,
    MSR_IA32_TSC,
    MSR_IA32_TSC_DEADLINE,
    MSR_KVM_WALL_CLOCK,
    MSR_KVM_SYSTEM_TIME,
    MSR_KVM_WALL_CLOCK_NEW,
    MSR_KVM_SYSTEM_TIME_NEW,
    MSR_KVM_ASYNC_PF_INT,
    MSR_KVM_ASYNC_PF_ACK,
    MSR_KVM_ASYNC_PF_EN,
    MSR_KVM_STEAL_TIME,
    MSR_KVM_PV_EOI_EN,
    MSR_KVM_POLL_CONTROL,
};

/* MTRRs, which KVM emulates without listing them: default type, fixed ranges, 8 variable
 * base/mask pairs. */
static const uint32_t mtrr_msrs[] = {
    0x2ff, 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d,
    0x26e, 0x26f, 0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207,
    0x208, 0x209, 0x20a, 0x20b, 0x20c, 0x20d, 0x20e, 0x20f,
};

/* ---- the codec ---- */

static const char *const rec_names[REC_MAX] = {
    [REC_PIC_MASTER] = "PIC master", [REC_PIC_SLAVE] = "PIC slave",
    [REC_IOAPIC] = "IOAPIC",         [REC_PIT] = "PIT",
    [REC_CLOCK] = "kvmclock",        [REC_REGS] = "registers",
    [REC_SREGS] = "segment registers", [REC_SREGS2] = "segment registers (sregs2)",
    [REC_XSAVE] = "XSAVE area",      [REC_XCRS] = "XCRs",
    [REC_MSRS] = "MSR list",         [REC_LAPIC] = "LAPIC",
    [REC_EVENTS] = "vCPU events",    [REC_DEBUGREGS] = "debug registers",
    [REC_MP_STATE] = "MP state",     [REC_TSC_KHZ] = "TSC frequency",
};

static void put_u32(GByteArray *b, uint32_t v)
{
    g_byte_array_append(b, (const guint8 *)&v, sizeof(v));
}

static void put_rec(GByteArray *b, uint32_t tag, const void *data, size_t len)
{
    put_u32(b, tag);
    put_u32(b, (uint32_t)len);
    g_byte_array_append(b, data, (guint)len);
}

static void put_header(GByteArray *b, uint32_t magic, unsigned index, unsigned nr_vcpus)
{
    put_u32(b, magic);
    put_u32(b, FORMAT_VERSION);
    put_u32(b, index);
    put_u32(b, nr_vcpus);
}

static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

typedef struct RecIter {
    const uint8_t *p, *end;
    uint32_t seen[REC_MAX / 32 + 1];
} RecIter;

/* Check the header; "what" names the section in messages ("VM", "vCPU 3"). */
static bool check_header(const uint8_t *data, size_t len, uint32_t magic, unsigned index,
                         unsigned nr_vcpus, const char *what, RecIter *it, GError **errp)
{
    if (len < HEADER_LEN || get_u32(data) != magic) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's KVM %s state is not in hostdev's format", what);
        return false;
    }
    if (get_u32(data + 4) != FORMAT_VERSION) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's KVM %s state has format version %u, this hostdev reads %u: migrate between the same hostdev versions",
                    what, get_u32(data + 4), FORMAT_VERSION);
        return false;
    }
    if (get_u32(data + 12) != nr_vcpus) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source has %u vCPUs, this VM %u: start the destination with the source's -smp",
                    get_u32(data + 12), nr_vcpus);
        return false;
    }
    if (get_u32(data + 8) != index) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's KVM %s state is for index %u, not %u", what,
                    get_u32(data + 8), index);
        return false;
    }
    memset(it, 0, sizeof(*it));
    it->p = data + HEADER_LEN;
    it->end = data + len;
    return true;
}

/* The next record: 1, 0 at the end, -1 with @errp set. */
static int next_rec(RecIter *it, const char *what, uint32_t *tag, const uint8_t **data,
                    uint32_t *len, GError **errp)
{
    if (it->p == it->end) {
        return 0;
    }
    if ((size_t)(it->end - it->p) < 8 ||
        get_u32(it->p + 4) > (size_t)(it->end - it->p) - 8) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's KVM %s state ends inside a record", what);
        return -1;
    }
    *tag = get_u32(it->p);
    *len = get_u32(it->p + 4);
    *data = it->p + 8;
    it->p += 8 + (size_t)*len;
    if (*tag >= REC_MAX || !rec_names[*tag]) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's KVM %s state has a record this hostdev does not know (tag %u): migrate to the same or a newer hostdev",
                    what, *tag);
        return -1;
    }
    if (it->seen[*tag / 32] & (1u << (*tag % 32))) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's KVM %s state has its %s twice", what, rec_names[*tag]);
        return -1;
    }
    it->seen[*tag / 32] |= 1u << (*tag % 32);
    return 1;
}

static bool rec_seen(const RecIter *it, uint32_t tag)
{
    return it->seen[tag / 32] & (1u << (tag % 32));
}

static bool copy_fixed(const char *what, uint32_t tag, const uint8_t *data, uint32_t len,
                       void *dst, size_t size, GError **errp)
{
    if (len != size) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's KVM %s %s has %u bytes, this KVM's %zu: migrate between hosts with the same kernel ABI",
                    what, rec_names[tag], len, size);
        return false;
    }
    memcpy(dst, data, size);
    return true;
}

static bool check_required(const RecIter *it, const char *what, const uint32_t *tags,
                           size_t n, GError **errp)
{
    for (size_t i = 0; i < n; i++) {
        if (!rec_seen(it, tags[i])) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "the source's KVM %s state lacks its %s", what, rec_names[tags[i]]);
            return false;
        }
    }
    return true;
}

GBytes *kvm_vm_state_encode(const KvmVmState *st, unsigned nr_vcpus)
{
    GByteArray *b = g_byte_array_new();

    put_header(b, VM_MAGIC, 0, nr_vcpus);
    for (unsigned i = 0; i < 3; i++) {
        put_rec(b, REC_PIC_MASTER + i, &st->chip[i], sizeof(st->chip[i]));
    }
    put_rec(b, REC_PIT, &st->pit, sizeof(st->pit));
    put_rec(b, REC_CLOCK, &st->clock, sizeof(st->clock));
    return g_byte_array_free_to_bytes(b);
}

bool kvm_vm_state_decode(const uint8_t *data, size_t len, unsigned nr_vcpus, KvmVmState *st,
                         GError **errp)
{
    static const uint32_t required[] = { REC_PIC_MASTER, REC_PIC_SLAVE, REC_IOAPIC, REC_PIT,
                                         REC_CLOCK };
    const uint8_t *rec;
    uint32_t tag, rlen;
    RecIter it;
    int r;

    memset(st, 0, sizeof(*st));
    if (!check_header(data, len, VM_MAGIC, 0, nr_vcpus, "VM", &it, errp)) {
        return false;
    }
    while ((r = next_rec(&it, "VM", &tag, &rec, &rlen, errp)) > 0) {
        bool ok;

        switch (tag) {
        case REC_PIC_MASTER:
        case REC_PIC_SLAVE:
        case REC_IOAPIC:
            ok = copy_fixed("VM", tag, rec, rlen, &st->chip[tag - REC_PIC_MASTER],
                            sizeof(st->chip[0]), errp);
            break;
        case REC_PIT:
            ok = copy_fixed("VM", tag, rec, rlen, &st->pit, sizeof(st->pit), errp);
            break;
        case REC_CLOCK:
            ok = copy_fixed("VM", tag, rec, rlen, &st->clock, sizeof(st->clock), errp);
            break;
        default:
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "the source's KVM VM state has a vCPU record (%s)", rec_names[tag]);
            ok = false;
        }
        if (!ok) {
            return false;
        }
    }
    if (r < 0 || !check_required(&it, "VM", required, G_N_ELEMENTS(required), errp)) {
        return false;
    }
    for (unsigned i = 0; i < 3; i++) {
        if (st->chip[i].chip_id != i) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "the source's KVM %s record is for chip %u", rec_names[REC_PIC_MASTER + i],
                        st->chip[i].chip_id);
            return false;
        }
    }
    return true;
}

GBytes *kvm_cpu_state_encode(const KvmCpuState *st, unsigned index, unsigned nr_vcpus)
{
    GByteArray *b = g_byte_array_new();

    put_header(b, CPU_MAGIC, index, nr_vcpus);
    put_rec(b, REC_REGS, &st->regs, sizeof(st->regs));
    if (st->has_sregs2) {
        put_rec(b, REC_SREGS2, &st->sregs2, sizeof(st->sregs2));
    } else {
        put_rec(b, REC_SREGS, &st->sregs, sizeof(st->sregs));
    }
    put_rec(b, REC_XSAVE, st->xsave, st->xsave_len);
    put_rec(b, REC_XCRS, &st->xcrs, sizeof(st->xcrs));
    put_rec(b, REC_MSRS, st->msrs, st->nmsrs * sizeof(st->msrs[0]));
    put_rec(b, REC_LAPIC, &st->lapic, sizeof(st->lapic));
    put_rec(b, REC_EVENTS, &st->events, sizeof(st->events));
    put_rec(b, REC_DEBUGREGS, &st->debugregs, sizeof(st->debugregs));
    put_rec(b, REC_MP_STATE, &st->mp, sizeof(st->mp));
    if (st->tsc_khz) {
        put_rec(b, REC_TSC_KHZ, &st->tsc_khz, sizeof(st->tsc_khz));
    }
    return g_byte_array_free_to_bytes(b);
}

void kvm_cpu_state_clear(KvmCpuState *st)
{
    g_free(st->xsave);
    g_free(st->msrs);
    memset(st, 0, sizeof(*st));
}

static bool decode_cpu_rec(KvmCpuState *st, const KvmCpuLimits *lim, const char *what,
                           uint32_t tag, const uint8_t *rec, uint32_t rlen, GError **errp)
{
    switch (tag) {
    case REC_REGS:
        return copy_fixed(what, tag, rec, rlen, &st->regs, sizeof(st->regs), errp);
    case REC_SREGS:
        return copy_fixed(what, tag, rec, rlen, &st->sregs, sizeof(st->sregs), errp);
    case REC_SREGS2:
        if (!lim->sregs2) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "the source's KVM %s state has sregs2 (PAE page pointers), this KVM lacks KVM_CAP_SREGS2: use a destination kernel of 5.14 or newer",
                        what);
            return false;
        }
        st->has_sregs2 = true;
        return copy_fixed(what, tag, rec, rlen, &st->sregs2, sizeof(st->sregs2), errp);
    case REC_XSAVE:
        if (rlen > lim->xsave_len || rlen < sizeof(struct kvm_xsave)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "the source's KVM %s XSAVE area has %u bytes, this KVM takes %u: the destination's CPU or kernel lacks state components the guest uses",
                        what, rlen, lim->xsave_len);
            return false;
        }
        st->xsave_len = lim->xsave_len;
        st->xsave = g_malloc0(lim->xsave_len);
        memcpy(st->xsave, rec, rlen);
        return true;
    case REC_XCRS:
        return copy_fixed(what, tag, rec, rlen, &st->xcrs, sizeof(st->xcrs), errp);
    case REC_MSRS:
        if (rlen % sizeof(struct kvm_msr_entry)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        "the source's KVM %s MSR list has %u bytes, not whole entries", what,
                        rlen);
            return false;
        }
        st->nmsrs = rlen / sizeof(struct kvm_msr_entry);
        st->msrs = g_memdup2(rec, rlen);
        return true;
    case REC_LAPIC:
        return copy_fixed(what, tag, rec, rlen, &st->lapic, sizeof(st->lapic), errp);
    case REC_EVENTS:
        return copy_fixed(what, tag, rec, rlen, &st->events, sizeof(st->events), errp);
    case REC_DEBUGREGS:
        return copy_fixed(what, tag, rec, rlen, &st->debugregs, sizeof(st->debugregs), errp);
    case REC_MP_STATE:
        return copy_fixed(what, tag, rec, rlen, &st->mp, sizeof(st->mp), errp);
    case REC_TSC_KHZ:
        return copy_fixed(what, tag, rec, rlen, &st->tsc_khz, sizeof(st->tsc_khz), errp);
    default:
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's KVM %s state has a VM record (%s)", what, rec_names[tag]);
        return false;
    }
}

bool kvm_cpu_state_decode(const uint8_t *data, size_t len, const KvmCpuLimits *lim,
                          KvmCpuState *st, GError **errp)
{
    static const uint32_t required[] = { REC_REGS,   REC_XSAVE,  REC_XCRS,      REC_MSRS,
                                         REC_LAPIC,  REC_EVENTS, REC_DEBUGREGS, REC_MP_STATE };
    g_autofree char *what = g_strdup_printf("vCPU %u", lim->index);
    const uint8_t *rec;
    uint32_t tag, rlen;
    RecIter it;
    int r;

    memset(st, 0, sizeof(*st));
    if (!check_header(data, len, CPU_MAGIC, lim->index, lim->nr_vcpus, what, &it, errp)) {
        return false;
    }
    while ((r = next_rec(&it, what, &tag, &rec, &rlen, errp)) > 0) {
        if (!decode_cpu_rec(st, lim, what, tag, rec, rlen, errp)) {
            goto fail;
        }
    }
    if (r < 0 || !check_required(&it, what, required, G_N_ELEMENTS(required), errp)) {
        goto fail;
    }
    if (rec_seen(&it, REC_SREGS) == rec_seen(&it, REC_SREGS2)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the source's KVM %s state needs exactly one of sregs and sregs2", what);
        goto fail;
    }
    return true;

fail:
    kvm_cpu_state_clear(st);
    return false;
}

/* ---- the kernel side ---- */

static bool kvm_fail(GError **errp, const char *what, const char *step)
{
    int err = errno;

    g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(err), "KVM %s: %s: %s", what, step,
                g_strerror(err));
    return false;
}

/* The MSRs a vCPU's state carries: those of ours the kernel lists, and the MTRRs. */
static void msr_list_init(KvmState *s)
{
    struct kvm_msr_list probe = { .nmsrs = 0 };
    g_autofree struct kvm_msr_list *list = NULL;

    s->mig_msrs = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    if (ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG) {
        g_warning("kvm: KVM_GET_MSR_INDEX_LIST: %s", g_strerror(errno));
        return;
    }
    list = g_malloc0(sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
    list->nmsrs = probe.nmsrs;
    if (ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
        g_warning("kvm: KVM_GET_MSR_INDEX_LIST: %s", g_strerror(errno));
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(listed_msrs); i++) {
        for (uint32_t j = 0; j < list->nmsrs; j++) {
            if (list->indices[j] == listed_msrs[i]) {
                g_array_append_val(s->mig_msrs, listed_msrs[i]);
                break;
            }
        }
    }
    g_array_append_vals(s->mig_msrs, mtrr_msrs, G_N_ELEMENTS(mtrr_msrs));
}

/* Read the MSRs of the list; one the kernel refuses for this guest leaves the list. */
static bool get_msrs(KvmState *s, KvmVcpu *cpu, KvmCpuState *st, const char *what,
                     GError **errp)
{
    for (;;) {
        guint n = s->mig_msrs->len;
        g_autofree struct kvm_msrs *m = g_malloc0(sizeof(*m) + n * sizeof(m->entries[0]));
        int ret;

        m->nmsrs = n;
        for (guint i = 0; i < n; i++) {
            m->entries[i].index = g_array_index(s->mig_msrs, uint32_t, i);
        }
        ret = ioctl(cpu->fd, KVM_GET_MSRS, m);
        if (ret < 0) {
            return kvm_fail(errp, what, "KVM_GET_MSRS");
        }
        if ((guint)ret < n) {
            trace_kvm_mig_msr_dropped(cpu->index, m->entries[ret].index);
            g_array_remove_index(s->mig_msrs, (guint)ret);
            continue;
        }
        st->nmsrs = n;
        st->msrs = g_memdup2(m->entries, n * sizeof(m->entries[0]));
        return true;
    }
}

static bool get_cpu_state(KvmState *s, KvmVcpu *cpu, KvmCpuState *st, GError **errp)
{
    g_autofree char *what = g_strdup_printf("vCPU %u", cpu->index);
    int khz;

    memset(st, 0, sizeof(*st));
    if (ioctl(cpu->fd, KVM_GET_REGS, &st->regs) < 0) {
        return kvm_fail(errp, what, "KVM_GET_REGS");
    }
    st->has_sregs2 = s->has_sregs2;
    if (s->has_sregs2 ? ioctl(cpu->fd, KVM_GET_SREGS2, &st->sregs2) < 0
                      : ioctl(cpu->fd, KVM_GET_SREGS, &st->sregs) < 0) {
        return kvm_fail(errp, what, s->has_sregs2 ? "KVM_GET_SREGS2" : "KVM_GET_SREGS");
    }
    st->xsave_len = s->xsave_len;
    st->xsave = g_malloc0(s->xsave_len);
    if (s->xsave_len > sizeof(struct kvm_xsave)
            ? ioctl(cpu->fd, KVM_GET_XSAVE2, st->xsave) < 0
            : ioctl(cpu->fd, KVM_GET_XSAVE, st->xsave) < 0) {
        return kvm_fail(errp, what, "KVM_GET_XSAVE");
    }
    if (ioctl(cpu->fd, KVM_GET_XCRS, &st->xcrs) < 0) {
        return kvm_fail(errp, what, "KVM_GET_XCRS");
    }
    if (!get_msrs(s, cpu, st, what, errp)) {
        return false;
    }
    if (ioctl(cpu->fd, KVM_GET_LAPIC, &st->lapic) < 0) {
        return kvm_fail(errp, what, "KVM_GET_LAPIC");
    }
    if (ioctl(cpu->fd, KVM_GET_VCPU_EVENTS, &st->events) < 0) {
        return kvm_fail(errp, what, "KVM_GET_VCPU_EVENTS");
    }
    /* What the get fills in, the set must be told to take. */
    st->events.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR;
    if (ioctl(cpu->fd, KVM_GET_DEBUGREGS, &st->debugregs) < 0) {
        return kvm_fail(errp, what, "KVM_GET_DEBUGREGS");
    }
    if (ioctl(cpu->fd, KVM_GET_MP_STATE, &st->mp) < 0) {
        return kvm_fail(errp, what, "KVM_GET_MP_STATE");
    }
    khz = ioctl(cpu->fd, KVM_GET_TSC_KHZ, 0);
    st->tsc_khz = khz > 0 ? (uint32_t)khz : 0;
    return true;
}

/* The guest's nested virtualization state does not travel: refuse while it has some. */
static bool check_no_nested(KvmState *s, KvmVcpu *cpu, GError **errp)
{
    struct kvm_nested_state hdr = { .size = sizeof(hdr) };

    if (ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_NESTED_STATE) <= 0) {
        return true;
    }
    if (ioctl(cpu->fd, KVM_GET_NESTED_STATE, &hdr) < 0 && errno == E2BIG) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "vCPU %u runs a hypervisor of its own (nested VMX/SVM state): hostdev cannot migrate nested virtualization state; stop the guest's VMs and unload its kvm_intel/kvm_amd",
                    cpu->index);
        return false;
    }
    if ((hdr.flags & KVM_STATE_NESTED_GUEST_MODE) ||
        (hdr.format == KVM_STATE_NESTED_FORMAT_VMX && hdr.hdr.vmx.vmxon_pa != ~0ull)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "vCPU %u is in VMX operation or runs a nested guest: hostdev cannot migrate nested virtualization state; unload the guest's kvm_intel/kvm_amd",
                    cpu->index);
        return false;
    }
    return true;
}

/* Restore order: segment state (EFER, CR0/3/4, APIC base), registers, FPU and XCR0, the LAPIC
 * (after its base; before the TSC deadline, which it must be in the mode for), the MSRs with
 * the TSC before its deadline, debug registers, then events and MP state last. */
static bool put_cpu_state(KvmVcpu *cpu, KvmCpuState *st, GError **errp)
{
    g_autofree char *what = g_strdup_printf("vCPU %u", cpu->index);
    g_autofree struct kvm_msrs *m = NULL;
    int ret;

    if (st->tsc_khz) {
        int khz = ioctl(cpu->fd, KVM_GET_TSC_KHZ, 0);

        if (khz > 0 && (uint32_t)khz != st->tsc_khz &&
            ioctl(cpu->fd, KVM_SET_TSC_KHZ, (unsigned long)st->tsc_khz) < 0) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                        "KVM %s: the source's TSC runs at %u kHz, this host's at %d kHz and KVM cannot scale it (%s): migrate between hosts with the same TSC frequency",
                        what, st->tsc_khz, khz, g_strerror(errno));
            return false;
        }
    }
    if (st->has_sregs2 ? ioctl(cpu->fd, KVM_SET_SREGS2, &st->sregs2) < 0
                       : ioctl(cpu->fd, KVM_SET_SREGS, &st->sregs) < 0) {
        return kvm_fail(errp, what, st->has_sregs2 ? "KVM_SET_SREGS2" : "KVM_SET_SREGS");
    }
    if (ioctl(cpu->fd, KVM_SET_REGS, &st->regs) < 0) {
        return kvm_fail(errp, what, "KVM_SET_REGS");
    }
    if (ioctl(cpu->fd, KVM_SET_XSAVE, st->xsave) < 0) {
        return kvm_fail(errp, what, "KVM_SET_XSAVE");
    }
    if (ioctl(cpu->fd, KVM_SET_XCRS, &st->xcrs) < 0) {
        return kvm_fail(errp, what, "KVM_SET_XCRS");
    }
    if (ioctl(cpu->fd, KVM_SET_LAPIC, &st->lapic) < 0) {
        return kvm_fail(errp, what, "KVM_SET_LAPIC");
    }
    m = g_malloc0(sizeof(*m) + st->nmsrs * sizeof(m->entries[0]));
    m->nmsrs = st->nmsrs;
    memcpy(m->entries, st->msrs, st->nmsrs * sizeof(m->entries[0]));
    ret = ioctl(cpu->fd, KVM_SET_MSRS, m);
    if (ret < 0) {
        return kvm_fail(errp, what, "KVM_SET_MSRS");
    }
    if ((uint32_t)ret < st->nmsrs) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "KVM %s: this KVM refuses MSR 0x%x = 0x%" G_GINT64_MODIFIER "x from the source: migrate between hosts with the same CPU features and -cpu",
                    what, st->msrs[ret].index, (guint64)st->msrs[ret].data);
        return false;
    }
    if (ioctl(cpu->fd, KVM_SET_DEBUGREGS, &st->debugregs) < 0) {
        return kvm_fail(errp, what, "KVM_SET_DEBUGREGS");
    }
    if (ioctl(cpu->fd, KVM_SET_VCPU_EVENTS, &st->events) < 0) {
        return kvm_fail(errp, what, "KVM_SET_VCPU_EVENTS");
    }
    if (ioctl(cpu->fd, KVM_SET_MP_STATE, &st->mp) < 0) {
        return kvm_fail(errp, what, "KVM_SET_MP_STATE");
    }
    return true;
}

static bool cpu_save_complete(void *opaque, HdMigSink *sink, GError **errp)
{
    KvmVcpu *cpu = opaque;
    KvmState *s = kvm_state;
    KvmCpuState st;
    g_autoptr(GBytes) bytes = NULL;
    bool ok;

    kvm_vcpus_wait_parked(s);
    if (!check_no_nested(s, cpu, errp)) {
        return false;
    }
    ok = get_cpu_state(s, cpu, &st, errp);
    if (ok) {
        bytes = kvm_cpu_state_encode(&st, cpu->index, s->nr_vcpus);
        trace_kvm_mig_save_vcpu(cpu->index, st.regs.rip, st.nmsrs, st.mp.mp_state,
                                g_bytes_get_size(bytes));
        ok = hd_mig_put(sink, "state", g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
                        errp);
    }
    kvm_cpu_state_clear(&st);
    return ok;
}

static bool cpu_load_section(void *opaque, const char *kind, const uint8_t *data, size_t len,
                             GError **errp)
{
    KvmVcpu *cpu = opaque;
    KvmState *s = kvm_state;
    KvmCpuLimits lim = {
        .index = cpu->index,
        .nr_vcpus = s->nr_vcpus,
        .xsave_len = s->xsave_len,
        .sregs2 = s->has_sregs2,
    };
    KvmCpuState st;
    bool ok;

    if (strcmp(kind, "state") != 0) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "unknown KVM vCPU section '%s'", kind);
        return false;
    }
    if (!kvm_cpu_state_decode(data, len, &lim, &st, errp)) {
        return false;
    }
    kvm_vcpus_wait_parked(s);
    ok = put_cpu_state(cpu, &st, errp);
    trace_kvm_mig_load_vcpu(cpu->index, st.regs.rip, st.nmsrs, st.mp.mp_state, ok);
    kvm_cpu_state_clear(&st);
    return ok;
}

/* Which IOAPIC pins are level-triggered, and which of them wait for the guest's EOI. */
static void trace_ioapic(const char *when, const struct kvm_irqchip *chip)
{
    const struct kvm_ioapic_state *io = &chip->chip.ioapic;
    uint32_t level = 0, remote = 0;

    for (unsigned pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++) {
        level |= (uint32_t)io->redirtbl[pin].fields.trig_mode << pin;
        remote |= (uint32_t)io->redirtbl[pin].fields.remote_irr << pin;
    }
    trace_kvm_mig_ioapic(when, io->irr, level, remote);
}

static bool vm_save_complete(void *opaque, HdMigSink *sink, GError **errp)
{
    KvmState *s = opaque;
    KvmVmState st = { .chip = { { .chip_id = 0 }, { .chip_id = 1 }, { .chip_id = 2 } } };
    g_autoptr(GBytes) bytes = NULL;

    kvm_vcpus_wait_parked(s);
    for (unsigned i = 0; i < 3; i++) {
        if (ioctl(s->vm_fd, KVM_GET_IRQCHIP, &st.chip[i]) < 0) {
            return kvm_fail(errp, "VM", "KVM_GET_IRQCHIP");
        }
    }
    if (ioctl(s->vm_fd, KVM_GET_PIT2, &st.pit) < 0) {
        return kvm_fail(errp, "VM", "KVM_GET_PIT2");
    }
    /* The guest's clock stops with the VM: the destination sets it back to this. */
    if (ioctl(s->vm_fd, KVM_GET_CLOCK, &st.clock) < 0) {
        return kvm_fail(errp, "VM", "KVM_GET_CLOCK");
    }
    trace_ioapic("save", &st.chip[KVM_IRQCHIP_IOAPIC]);
    bytes = kvm_vm_state_encode(&st, s->nr_vcpus);
    trace_kvm_mig_save_vm(st.clock.clock, st.clock.flags, g_bytes_get_size(bytes));
    return hd_mig_put(sink, "state", g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
                      errp);
}

static bool vm_load_section(void *opaque, const char *kind, const uint8_t *data, size_t len,
                            GError **errp)
{
    KvmState *s = opaque;
    KvmVmState st;

    if (strcmp(kind, "state") != 0) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "unknown KVM VM section '%s'",
                    kind);
        return false;
    }
    if (!kvm_vm_state_decode(data, len, s->nr_vcpus, &st, errp)) {
        return false;
    }
    kvm_vcpus_wait_parked(s);
    trace_ioapic("load", &st.chip[KVM_IRQCHIP_IOAPIC]);
    for (unsigned i = 0; i < 3; i++) {
        if (ioctl(s->vm_fd, KVM_SET_IRQCHIP, &st.chip[i]) < 0) {
            return kvm_fail(errp, "VM", "KVM_SET_IRQCHIP");
        }
    }
    if (ioctl(s->vm_fd, KVM_SET_PIT2, &st.pit) < 0) {
        return kvm_fail(errp, "VM", "KVM_SET_PIT2");
    }
    /* Set when the VM runs, so the guest's time goes on from where the source stopped. */
    s->clock = (struct kvm_clock_data){ .clock = st.clock.clock };
    s->clock_pending = true;
    trace_kvm_mig_load_vm(st.clock.clock);
    return true;
}

static void vm_load_cleanup(void *opaque, bool failed)
{
    KvmState *s = opaque;

    if (failed) {
        s->clock_pending = false;
    }
}

void kvm_migration_vm_starting(KvmState *s)
{
    if (!s->clock_pending) {
        return;
    }
    s->clock_pending = false;
    if (ioctl(s->vm_fd, KVM_SET_CLOCK, &s->clock) < 0) {
        g_warning("kvm: KVM_SET_CLOCK to the migrated guest's clock: %s; its time jumps",
                  g_strerror(errno));
        return;
    }
    trace_kvm_mig_set_clock(s->clock.clock);
}

static const HdMigrationOps vm_ops = {
    .save_complete = vm_save_complete,
    .load_section = vm_load_section,
    .load_cleanup = vm_load_cleanup,
};

static const HdMigrationOps cpu_ops = {
    .save_complete = cpu_save_complete,
    .load_section = cpu_load_section,
};

void kvm_migration_init(KvmState *s)
{
    static const struct {
        int cap;
        const char *name;
    } needed[] = {
        { KVM_CAP_XSAVE, "XSAVE state (KVM_CAP_XSAVE)" },
        { KVM_CAP_XCRS, "XCRs (KVM_CAP_XCRS)" },
        { KVM_CAP_VCPU_EVENTS, "vCPU events (KVM_CAP_VCPU_EVENTS)" },
        { KVM_CAP_DEBUGREGS, "debug registers (KVM_CAP_DEBUGREGS)" },
        { KVM_CAP_ADJUST_CLOCK, "the kvmclock (KVM_CAP_ADJUST_CLOCK)" },
        { KVM_CAP_MP_STATE, "MP state (KVM_CAP_MP_STATE)" },
    };
    int xsave2 = ioctl(s->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);

    s->xsave_len = xsave2 > (int)sizeof(struct kvm_xsave) ? (uint32_t)xsave2
                                                           : (uint32_t)sizeof(struct kvm_xsave);
    s->has_sregs2 = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_SREGS2) > 0;
    msr_list_init(s);
    for (size_t i = 0; i < G_N_ELEMENTS(needed); i++) {
        if (ioctl(s->fd, KVM_CHECK_EXTENSION, needed[i].cap) <= 0) {
            g_autofree char *reason = g_strdup_printf(
                "-accel kvm: this KVM cannot give hostdev the guest's %s: a KVM guest cannot migrate from this host",
                needed[i].name);

            hd_migration_add_blocker(s, reason);
            break;
        }
    }
    hd_migration_register("kvm/vm", &vm_ops, s);
    for (unsigned i = 0; i < s->nr_vcpus; i++) {
        g_autofree char *name = g_strdup_printf("kvm/cpu%u", i);

        hd_migration_register(name, &cpu_ops, &s->vcpus[i]);
    }
    trace_kvm_mig_init(s->xsave_len, s->has_sregs2, s->mig_msrs->len);
}

void kvm_migration_cleanup(KvmState *s)
{
    for (unsigned i = 0; s->vcpus && i < s->nr_vcpus; i++) {
        hd_migration_unregister(&s->vcpus[i]);
    }
    hd_migration_unregister(s);
    if (s->mig_msrs) {
        g_clear_pointer(&s->mig_msrs, g_array_unref);
    }
}
