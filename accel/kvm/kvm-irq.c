/*
 * KVM interrupts: the machine's I/O APIC lines drive the in-kernel irqchip (KVM_IRQ_LINE),
 * MSI writes become KVM_SIGNAL_MSI, and devices with eventfds get GSI routes and irqfds so
 * their interrupts never pass through hostdev.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "hw/i386/q35.h"
#include "hw/irq.h"
#include "hw/vfio/vfio-sys.h"
#include "kvm-internal.h"
#include "trace.h"

#define KVM_IOAPIC_PINS 24

static void ioapic_line(void *opaque, int n, int level)
{
    KvmState *s = opaque;
    struct kvm_irq_level irq = { .irq = (uint32_t)n, .level = (uint32_t)level };

    if (ioctl(s->vm_fd, KVM_IRQ_LINE, &irq) < 0) {
        g_warning("kvm: KVM_IRQ_LINE gsi %d level %d: %s", n, level, g_strerror(errno));
    }
}

static void msi_sink(uint64_t address, uint32_t data)
{
    struct kvm_msi msi = {
        .address_lo = (uint32_t)address,
        .address_hi = (uint32_t)(address >> 32),
        .data = data,
    };
    int ret = kvm_state ? ioctl(kvm_state->vm_fd, KVM_SIGNAL_MSI, &msi) : -1;

    trace_kvm_signal_msi(address, data, ret);
}

static int commit_routes(KvmState *s)
{
    g_autofree struct kvm_irq_routing *r = NULL;
    size_t n = s->routes->len;
    int ret;

    r = g_malloc0(sizeof(*r) + n * sizeof(struct kvm_irq_routing_entry));
    r->nr = (uint32_t)n;
    memcpy(r->entries, s->routes->data, n * sizeof(struct kvm_irq_routing_entry));
    /* Through the seam: the fault sweep fails it. KVM keeps its old table on failure. */
    ret = vfio_sys_ioctl(s->vm_fd, KVM_SET_GSI_ROUTING, r);
    if (ret < 0) {
        g_warning("kvm: KVM_SET_GSI_ROUTING (%zu routes): %s", n, g_strerror(-ret));
        return ret;
    }
    trace_kvm_routes_commit(n);
    return 0;
}

static void add_irqchip_route(KvmState *s, uint32_t gsi, uint32_t chip, uint32_t pin)
{
    struct kvm_irq_routing_entry e = {
        .gsi = gsi,
        .type = KVM_IRQ_ROUTING_IRQCHIP,
        .u.irqchip = { .irqchip = chip, .pin = pin },
    };

    g_array_append_val(s->routes, e);
}

bool kvm_irq_init(KvmState *s, GError **errp)
{
    s->routes = g_array_new(FALSE, TRUE, sizeof(struct kvm_irq_routing_entry));
    s->free_gsis = g_array_new(FALSE, FALSE, sizeof(guint));
    /* The irqchip's own routes: the PICs for ISA IRQs (2 is their cascade), the I/O APIC. */
    for (uint32_t gsi = 0; gsi < 16; gsi++) {
        if (gsi != 2) {
            add_irqchip_route(s, gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
                              gsi % 8);
        }
    }
    for (uint32_t gsi = 0; gsi < KVM_IOAPIC_PINS; gsi++) {
        add_irqchip_route(s, gsi, KVM_IRQCHIP_IOAPIC, gsi);
    }
    s->next_msi_gsi = KVM_IOAPIC_PINS;
    if (commit_routes(s) < 0) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "-accel kvm: cannot set the irqchip's GSI routes");
        return false;
    }
    if (!hd_irq_set_handler(Q35_IOAPIC_PATH, ioapic_line, s, errp)) {
        return false;
    }
    hd_msi_set_sink(msi_sink);
    return true;
}

void kvm_irq_cleanup(KvmState *s)
{
    hd_irq_set_handler(Q35_IOAPIC_PATH, NULL, NULL, NULL);
    hd_msi_set_sink(NULL);
    g_clear_pointer(&s->routes, g_array_unref);
    g_clear_pointer(&s->free_gsis, g_array_unref);
}

static struct kvm_irq_routing_entry *find_route(KvmState *s, int gsi)
{
    for (guint i = 0; i < s->routes->len; i++) {
        struct kvm_irq_routing_entry *e =
            &g_array_index(s->routes, struct kvm_irq_routing_entry, i);

        if (e->gsi == (uint32_t)gsi && e->type == KVM_IRQ_ROUTING_MSI) {
            return e;
        }
    }
    return NULL;
}

int kvm_irqchip_add_msi_route(uint64_t address, uint32_t data)
{
    KvmState *s = kvm_state;
    struct kvm_irq_routing_entry e = { .type = KVM_IRQ_ROUTING_MSI };
    int ret;

    if (!s) {
        return -ENODEV;
    }
    if (s->free_gsis->len) {
        e.gsi = g_array_index(s->free_gsis, guint, s->free_gsis->len - 1);
        g_array_set_size(s->free_gsis, s->free_gsis->len - 1);
    } else {
        e.gsi = s->next_msi_gsi++;
    }
    e.u.msi.address_lo = (uint32_t)address;
    e.u.msi.address_hi = (uint32_t)(address >> 32);
    e.u.msi.data = data;
    g_array_append_val(s->routes, e);
    ret = commit_routes(s);
    trace_kvm_msi_route_add(e.gsi, address, data, ret);
    if (ret < 0) {
        kvm_irqchip_release_route((int)e.gsi);
        return ret;
    }
    return (int)e.gsi;
}

int kvm_irqchip_update_msi_route(int gsi, uint64_t address, uint32_t data)
{
    KvmState *s = kvm_state;
    struct kvm_irq_routing_entry *e = s ? find_route(s, gsi) : NULL;
    struct kvm_irq_routing_entry old;
    int ret;

    if (!e) {
        return -ENOENT;
    }
    if (e->u.msi.address_lo == (uint32_t)address &&
        e->u.msi.address_hi == (uint32_t)(address >> 32) && e->u.msi.data == data) {
        return 0; /* unmasking a vector with the same message rebuilds nothing */
    }
    old = *e;
    e->u.msi.address_lo = (uint32_t)address;
    e->u.msi.address_hi = (uint32_t)(address >> 32);
    e->u.msi.data = data;
    ret = commit_routes(s);
    if (ret < 0) {
        *e = old; /* what KVM still has */
    }
    return ret;
}

void kvm_irqchip_release_route(int gsi)
{
    KvmState *s = kvm_state;
    guint g = (guint)gsi;

    if (!s) {
        return;
    }
    for (guint i = 0; i < s->routes->len; i++) {
        struct kvm_irq_routing_entry *e =
            &g_array_index(s->routes, struct kvm_irq_routing_entry, i);

        if (e->gsi == (uint32_t)gsi && e->type == KVM_IRQ_ROUTING_MSI) {
            g_array_remove_index(s->routes, i);
            g_array_append_val(s->free_gsis, g);
            commit_routes(s);
            trace_kvm_msi_route_release(gsi);
            return;
        }
    }
}

int kvm_irqfd(int fd, int gsi, int resample_fd, bool assign)
{
    struct kvm_irqfd irqfd = {
        .fd = (uint32_t)fd,
        .gsi = (uint32_t)gsi,
        .flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
    };
    int ret;

    if (!kvm_state) {
        return -ENODEV;
    }
    if (resample_fd >= 0 && assign) {
        irqfd.flags |= KVM_IRQFD_FLAG_RESAMPLE;
        irqfd.resamplefd = (uint32_t)resample_fd;
    }
    /* The fault sweep can fail assigning, not deassigning (a real kernel does not refuse it). */
    ret = assign ? vfio_sys_ioctl(kvm_state->vm_fd, KVM_IRQFD, &irqfd)
                 : vfio_sys_ioctl_undo(kvm_state->vm_fd, KVM_IRQFD, &irqfd);
    trace_kvm_irqfd(fd, gsi, resample_fd, assign, ret);
    return ret;
}
