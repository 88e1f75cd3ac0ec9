/*
 * Unit test of the KVM state sections (accel/kvm/kvm-migration.c) without /dev/kvm: what a
 * source encodes reads back the same, and the destination refuses another vCPU count, index,
 * record size, format or XSAVE size, naming what differs.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <glib.h>
#include <string.h>

#include "kvm-internal.h"

#define XSAVE_LEN 4096

/* Each record of a vCPU's state filled with its own pattern. */
static void fill_cpu(KvmCpuState *st, bool sregs2, uint32_t xsave_len)
{
    memset(st, 0, sizeof(*st));
    memset(&st->regs, 0x11, sizeof(st->regs));
    st->has_sregs2 = sregs2;
    memset(sregs2 ? (void *)&st->sregs2 : (void *)&st->sregs, 0x22,
           sregs2 ? sizeof(st->sregs2) : sizeof(st->sregs));
    st->xsave_len = xsave_len;
    st->xsave = g_malloc(xsave_len);
    memset(st->xsave, 0x33, xsave_len);
    memset(&st->xcrs, 0x44, sizeof(st->xcrs));
    st->nmsrs = 3;
    st->msrs = g_new0(struct kvm_msr_entry, 3);
    st->msrs[0] = (struct kvm_msr_entry){ .index = 0x3b, .data = 7 };
    st->msrs[1] = (struct kvm_msr_entry){ .index = 0x10, .data = 0x123456789ull };
    st->msrs[2] = (struct kvm_msr_entry){ .index = 0x6e0, .data = 0x123456999ull };
    memset(&st->lapic, 0x55, sizeof(st->lapic));
    memset(&st->events, 0x66, sizeof(st->events));
    memset(&st->debugregs, 0x77, sizeof(st->debugregs));
    st->mp.mp_state = KVM_MP_STATE_INIT_RECEIVED;
    st->tsc_khz = 2100000;
}

static const KvmCpuLimits limits = { .index = 1, .nr_vcpus = 2, .xsave_len = XSAVE_LEN,
                                     .sregs2 = true };

static void test_cpu_roundtrip(void)
{
    for (int v = 0; v < 2; v++) {
        KvmCpuState in, out;
        g_autoptr(GBytes) b = NULL;
        g_autoptr(GError) err = NULL;
        size_t len;
        const uint8_t *d;

        fill_cpu(&in, v == 1, XSAVE_LEN);
        b = kvm_cpu_state_encode(&in, 1, 2);
        d = g_bytes_get_data(b, &len);
        g_assert_true(kvm_cpu_state_decode(d, len, &limits, &out, &err));
        g_assert_no_error(err);
        g_assert_cmpmem(&in.regs, sizeof(in.regs), &out.regs, sizeof(out.regs));
        g_assert_cmpint(out.has_sregs2, ==, v == 1);
        if (v == 1) {
            g_assert_cmpmem(&in.sregs2, sizeof(in.sregs2), &out.sregs2, sizeof(out.sregs2));
        } else {
            g_assert_cmpmem(&in.sregs, sizeof(in.sregs), &out.sregs, sizeof(out.sregs));
        }
        g_assert_cmpmem(in.xsave, in.xsave_len, out.xsave, out.xsave_len);
        g_assert_cmpmem(&in.xcrs, sizeof(in.xcrs), &out.xcrs, sizeof(out.xcrs));
        g_assert_cmpuint(out.nmsrs, ==, 3);
        g_assert_cmpmem(in.msrs, 3 * sizeof(in.msrs[0]), out.msrs, 3 * sizeof(out.msrs[0]));
        g_assert_cmpmem(&in.lapic, sizeof(in.lapic), &out.lapic, sizeof(out.lapic));
        g_assert_cmpmem(&in.events, sizeof(in.events), &out.events, sizeof(out.events));
        g_assert_cmpmem(&in.debugregs, sizeof(in.debugregs), &out.debugregs,
                        sizeof(out.debugregs));
        g_assert_cmpuint(out.mp.mp_state, ==, KVM_MP_STATE_INIT_RECEIVED);
        g_assert_cmpuint(out.tsc_khz, ==, 2100000);
        kvm_cpu_state_clear(&in);
        kvm_cpu_state_clear(&out);
    }
}

/* A smaller XSAVE area (a source without dynamic features) is taken, padded with zeros. */
static void test_cpu_xsave_sizes(void)
{
    KvmCpuLimits big = limits;
    KvmCpuState in, out;
    g_autoptr(GBytes) b = NULL, b2 = NULL;
    g_autoptr(GError) err = NULL;
    size_t len;
    const uint8_t *d;

    big.xsave_len = 3 * XSAVE_LEN;
    fill_cpu(&in, true, XSAVE_LEN);
    b = kvm_cpu_state_encode(&in, 1, 2);
    d = g_bytes_get_data(b, &len);
    g_assert_true(kvm_cpu_state_decode(d, len, &big, &out, &err));
    g_assert_cmpuint(out.xsave_len, ==, 3 * XSAVE_LEN);
    g_assert_cmpmem(in.xsave, XSAVE_LEN, out.xsave, XSAVE_LEN);
    g_assert_cmpuint(out.xsave[XSAVE_LEN], ==, 0);
    kvm_cpu_state_clear(&in);
    kvm_cpu_state_clear(&out);

    /* A larger one (AMX state) is not. */
    fill_cpu(&in, true, 2 * XSAVE_LEN);
    b2 = kvm_cpu_state_encode(&in, 1, 2);
    d = g_bytes_get_data(b2, &len);
    g_assert_false(kvm_cpu_state_decode(d, len, &limits, &out, &err));
    g_assert_nonnull(strstr(err->message, "XSAVE area has 8192 bytes, this KVM takes 4096"));
    g_assert_null(out.xsave);
    kvm_cpu_state_clear(&in);
}

/* Decode @bytes (patched by @patch at @offset when non-NULL) with @lim: the message. */
static char *refusal(GBytes *bytes, const KvmCpuLimits *lim, size_t offset, const void *patch,
                     size_t patch_len, size_t cut)
{
    size_t len;
    g_autofree uint8_t *d = g_memdup2(g_bytes_get_data(bytes, &len), g_bytes_get_size(bytes));
    GError *err = NULL;
    KvmCpuState out;
    char *msg;

    if (patch) {
        memcpy(d + offset, patch, patch_len);
    }
    g_assert_false(kvm_cpu_state_decode(d, len - cut, lim, &out, &err));
    g_assert_nonnull(err);
    g_assert_null(out.xsave);
    g_assert_null(out.msrs);
    msg = g_strdup(err->message);
    g_error_free(err);
    return msg;
}

static void test_cpu_refusals(void)
{
    KvmCpuLimits l = limits;
    KvmCpuState in;
    g_autoptr(GBytes) b = NULL;
    uint32_t v;
    char *msg;

    fill_cpu(&in, true, XSAVE_LEN);
    b = kvm_cpu_state_encode(&in, 1, 2);
    kvm_cpu_state_clear(&in);

    l.nr_vcpus = 4;
    msg = refusal(b, &l, 0, NULL, 0, 0);
    g_assert_nonnull(strstr(msg, "the source has 2 vCPUs, this VM 4"));
    g_free(msg);

    l = limits;
    l.index = 0;
    msg = refusal(b, &l, 0, NULL, 0, 0);
    g_assert_nonnull(strstr(msg, "vCPU 0 state is for index 1"));
    g_free(msg);

    v = 2;
    msg = refusal(b, &limits, 4, &v, 4, 0);
    g_assert_nonnull(strstr(msg, "format version 2, this hostdev reads 1"));
    g_free(msg);

    v = 0x12345678;
    msg = refusal(b, &limits, 0, &v, 4, 0);
    g_assert_nonnull(strstr(msg, "not in hostdev's format"));
    g_free(msg);

    /* The first record (registers) one byte shorter than this KVM's struct. */
    v = sizeof(struct kvm_regs) - 1;
    msg = refusal(b, &limits, 20, &v, 4, 0);
    {
        g_autofree char *want = g_strdup_printf("vCPU 1 registers has %u bytes, this KVM's %zu",
                                                v, sizeof(struct kvm_regs));

        g_assert_nonnull(strstr(msg, want));
    }
    g_free(msg);

    /* An unknown tag in place of the registers. */
    v = 99;
    msg = refusal(b, &limits, 16, &v, 4, 0);
    g_assert_nonnull(strstr(msg, "does not know (tag 99)"));
    g_free(msg);

    /* The registers twice: the second record (sregs2) retagged. */
    v = 16;
    msg = refusal(b, &limits, 16 + 8 + sizeof(struct kvm_regs), &v, 4, 0);
    g_assert_nonnull(strstr(msg, "has its registers twice"));
    g_free(msg);

    /* Cut short: the last record (TSC frequency) incomplete. */
    msg = refusal(b, &limits, 0, NULL, 0, 2);
    g_assert_nonnull(strstr(msg, "ends inside a record"));
    g_free(msg);

    /* sregs2 on a destination without it. */
    l = limits;
    l.sregs2 = false;
    msg = refusal(b, &l, 0, NULL, 0, 0);
    g_assert_nonnull(strstr(msg, "lacks KVM_CAP_SREGS2"));
    g_free(msg);
}

/* Without its MP state (the record dropped from the end) the state is refused. */
static void test_cpu_missing(void)
{
    KvmCpuState in, out;
    g_autoptr(GBytes) b = NULL;
    g_autoptr(GError) err = NULL;
    size_t len;
    const uint8_t *d;

    fill_cpu(&in, false, XSAVE_LEN);
    in.tsc_khz = 0; /* optional: not written */
    b = kvm_cpu_state_encode(&in, 1, 2);
    kvm_cpu_state_clear(&in);
    d = g_bytes_get_data(b, &len);
    g_assert_false(kvm_cpu_state_decode(d, len - 8 - sizeof(struct kvm_mp_state), &limits, &out,
                                        &err));
    g_assert_nonnull(strstr(err->message, "vCPU 1 state lacks its MP state"));
}

static void test_vm(void)
{
    KvmVmState in = { 0 }, out;
    g_autoptr(GBytes) b = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *d = NULL;
    size_t len;

    for (unsigned i = 0; i < 3; i++) {
        memset(&in.chip[i].chip, 0x10 + i, sizeof(in.chip[i].chip));
        in.chip[i].chip_id = i;
    }
    memset(&in.pit, 0x20, sizeof(in.pit));
    in.clock.clock = 123456789012ull;
    b = kvm_vm_state_encode(&in, 4);
    d = g_memdup2(g_bytes_get_data(b, &len), g_bytes_get_size(b));
    g_assert_true(kvm_vm_state_decode(d, len, 4, &out, &err));
    g_assert_cmpmem(&in, sizeof(in), &out, sizeof(out));

    g_assert_false(kvm_vm_state_decode(d, len, 2, &out, &err));
    g_assert_nonnull(strstr(err->message, "the source has 4 vCPUs, this VM 2"));
    g_clear_error(&err);

    /* A vCPU section is not a VM section. */
    {
        KvmCpuState c;
        g_autoptr(GBytes) cb = NULL;

        fill_cpu(&c, false, XSAVE_LEN);
        cb = kvm_cpu_state_encode(&c, 0, 4);
        kvm_cpu_state_clear(&c);
        g_assert_false(kvm_vm_state_decode(g_bytes_get_data(cb, NULL), g_bytes_get_size(cb), 4,
                                           &out, &err));
        g_assert_nonnull(strstr(err->message, "VM state is not in hostdev's format"));
        g_clear_error(&err);
    }

    /* The kvmclock record dropped. */
    g_assert_false(kvm_vm_state_decode(d, len - 8 - sizeof(struct kvm_clock_data), 4, &out,
                                       &err));
    g_assert_nonnull(strstr(err->message, "lacks its kvmclock"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm-migration/cpu-roundtrip", test_cpu_roundtrip);
    g_test_add_func("/kvm-migration/cpu-xsave-sizes", test_cpu_xsave_sizes);
    g_test_add_func("/kvm-migration/cpu-refusals", test_cpu_refusals);
    g_test_add_func("/kvm-migration/cpu-missing", test_cpu_missing);
    g_test_add_func("/kvm-migration/vm", test_vm);
    return g_test_run();
}
