/*
 * vfio-pci interrupts: INTx through an eventfd with unmask on the guest's next BAR access,
 * MSI and MSI-X vectors as eventfds set up when the guest enables them (the PCI core's
 * vector notifiers) and forwarded with msi_notify()/msix_notify(), and the error and
 * request notifiers (a device error stops the VM; the kernel asking for the device back
 * unplugs it).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>

#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "pci.h"
#include "qom/tree.h"
#include "system/device-hotplug.h"
#include "system/kvm.h"
#include "system/lifecycle.h"
#include "system/machine.h"
#include "trace.h"

/* --- INTx --- */

static void eoi_traps_set(VFIOPciDevice *vdev, bool enabled)
{
    for (int i = 0; i < 6; i++) {
        if (vdev->bars[i].eoi) {
            memory_region_set_enabled(vdev->bars[i].eoi, enabled);
        }
    }
}

/* Slow path: the line goes up until the guest's handler touches the device (its BARs trap). */
static void intx_raise(VFIOPciDevice *vdev)
{
    vdev->intx_pending = true;
    pci_set_irq(HD_PCI_DEVICE(vdev), 1);
    eoi_traps_set(vdev, true);
}

static void intx_interrupt(void *opaque)
{
    VFIOPciDevice *vdev = opaque;

    if (vdev->irq_mode != VFIO_PCI_IRQ_INTX) {
        return;
    }
    trace_vfio_pci_intx_interrupt(vdev->vbasedev.name, vdev->intx_pending);
    intx_raise(vdev);
}

void vfio_pci_intx_eoi(VFIOPciDevice *vdev)
{
    if (!vdev->intx_pending) {
        return;
    }
    trace_vfio_pci_intx_eoi(vdev->vbasedev.name);
    vdev->intx_pending = false;
    eoi_traps_set(vdev, false);
    pci_set_irq(HD_PCI_DEVICE(vdev), 0);
    vfio_unmask_single_irq(&vdev->vbasedev, VFIO_PCI_INTX_IRQ_INDEX);
}

/*
 * INTx in migration, section "intx" version 1: u8 version, u8 flags, two zero bytes. Flag
 * PENDING: the slow path's line is up, waiting for the guest's next BAR access, whose trap
 * must come back on the destination (the PCI state brings the line itself back). A trigger
 * still in the eventfd when the VM stopped is taken in first, so it travels as PENDING
 * rather than being lost. On the KVM fast path the line lives in the in-kernel interrupt
 * controller, which migrates on its own; the device re-asserts at its next unmask.
 */
#define INTX_MIG_PENDING 0x1

void vfio_pci_intx_save(VFIOPciDevice *vdev, uint8_t out[VFIO_PCI_INTX_MIG_SIZE])
{
    if (vdev->irq_mode == VFIO_PCI_IRQ_INTX && !vdev->intx_kvm &&
        vfio_notifier_test_and_clear(vdev->intx)) {
        intx_raise(vdev);
    }
    memset(out, 0, VFIO_PCI_INTX_MIG_SIZE);
    out[0] = 1;
    out[1] = vdev->intx_pending ? INTX_MIG_PENDING : 0;
    trace_vfio_pci_intx_migrate(vdev->vbasedev.name, "save", out[1]);
}

bool vfio_pci_intx_load(VFIOPciDevice *vdev, const uint8_t *data, size_t len, GError **errp)
{
    uint8_t flags = len == VFIO_PCI_INTX_MIG_SIZE ? data[1] : 0;

    if (len != VFIO_PCI_INTX_MIG_SIZE || data[0] != 1 || data[2] || data[3] ||
        (flags & ~INTX_MIG_PENDING)) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "%s: the INTx section (%zu bytes, version %u) is not version 1 of 4 bytes with known flags",
                    vdev->what, len, len ? data[0] : 0);
        return false;
    }
    trace_vfio_pci_intx_migrate(vdev->vbasedev.name, "load", flags);
    if ((flags & INTX_MIG_PENDING) && vdev->irq_mode == VFIO_PCI_IRQ_INTX && !vdev->intx_kvm) {
        intx_raise(vdev);
    }
    return true;
}

/*
 * KVM fast path for INTx: the trigger eventfd is an irqfd on the pin's GSI with a resample
 * eventfd, and VFIO unmasks the line when that fires (the guest's EOI): no exit per interrupt.
 * A device that cannot unmask from an eventfd (mdevs such as mtty) stays on the slow path, as
 * with QEMU. hostdev used to relay its triggers through KVM's resampler instead, unmasking at
 * each resample: after a migration the lab's guest ended one interrupt with up to four of
 * them, an early unmask let a trigger merge into a line still in service, and the guest's
 * serial port waited for good.
 */
static void intx_kvm_enable(VFIOPciDevice *vdev)
{
    int gsi = pci_intx_gsi(HD_PCI_DEVICE(vdev));
    g_autoptr(GError) err = NULL;
    int ret;

    if (!kvm_enabled() || gsi < 0 || vdev->intx_no_unmask_fd) {
        return;
    }
    if (!vdev->intx_resample) {
        vdev->intx_resample = vfio_notifier_new(&err);
        if (!vdev->intx_resample) {
            g_warning("%s: INTx stays on the slow path: %s", vdev->what, err->message);
            return;
        }
    }
    if (!vfio_set_irq_signaling(&vdev->vbasedev, VFIO_PCI_INTX_IRQ_INDEX, 0,
                                VFIO_IRQ_SET_ACTION_UNMASK,
                                vfio_notifier_get_fd(vdev->intx_resample), &err)) {
        /* Asked once: the eventfd would only sit idle, and every reset would ask again. */
        trace_vfio_pci_intx_slow_path(vdev->vbasedev.name, err->message);
        g_clear_pointer(&vdev->intx_resample, vfio_notifier_free);
        vdev->intx_no_unmask_fd = true;
        return;
    }
    ret = kvm_irqfd(vfio_notifier_get_fd(vdev->intx), gsi,
                    vfio_notifier_get_fd(vdev->intx_resample), true);
    if (ret < 0) {
        g_warning("%s: INTx stays on the slow path: KVM_IRQFD with resample on GSI %d: %s",
                  vdev->what, gsi, g_strerror(-ret));
        vfio_set_irq_signaling(&vdev->vbasedev, VFIO_PCI_INTX_IRQ_INDEX, 0,
                               VFIO_IRQ_SET_ACTION_UNMASK, -1, NULL);
        return;
    }
    vfio_notifier_set_handler(vdev->intx, NULL, NULL);
    vdev->intx_kvm = true;
    trace_vfio_pci_intx_irqfd(vdev->vbasedev.name, gsi, true);
}

static void intx_kvm_disable(VFIOPciDevice *vdev)
{
    int gsi = pci_intx_gsi(HD_PCI_DEVICE(vdev));

    if (!vdev->intx_kvm) {
        return;
    }
    kvm_irqfd(vfio_notifier_get_fd(vdev->intx), gsi, -1, false);
    vfio_set_irq_signaling(&vdev->vbasedev, VFIO_PCI_INTX_IRQ_INDEX, 0,
                           VFIO_IRQ_SET_ACTION_UNMASK, -1, NULL);
    vfio_notifier_set_handler(vdev->intx, intx_interrupt, vdev);
    vdev->intx_kvm = false;
    trace_vfio_pci_intx_irqfd(vdev->vbasedev.name, gsi, false);
}

bool vfio_pci_intx_enable(VFIOPciDevice *vdev, GError **errp)
{
    if (!vdev->intx_pin || vdev->irq_mode == VFIO_PCI_IRQ_INTX) {
        return true;
    }
    if (!vdev->intx) {
        vdev->intx = vfio_notifier_new(errp);
        if (!vdev->intx) {
            return false;
        }
        vfio_notifier_set_handler(vdev->intx, intx_interrupt, vdev);
    }
    if (!vfio_set_irq_signaling(&vdev->vbasedev, VFIO_PCI_INTX_IRQ_INDEX, 0,
                                VFIO_IRQ_SET_ACTION_TRIGGER, vfio_notifier_get_fd(vdev->intx),
                                errp)) {
        return false;
    }
    vdev->irq_mode = VFIO_PCI_IRQ_INTX;
    trace_vfio_pci_intx_enable(vdev->vbasedev.name, pci_intx_gsi(HD_PCI_DEVICE(vdev)));
    intx_kvm_enable(vdev);
    return true;
}

void vfio_pci_intx_disable(VFIOPciDevice *vdev)
{
    if (vdev->irq_mode != VFIO_PCI_IRQ_INTX) {
        return;
    }
    intx_kvm_disable(vdev);
    vfio_disable_irq_index(&vdev->vbasedev, VFIO_PCI_INTX_IRQ_INDEX);
    vdev->intx_pending = false;
    eoi_traps_set(vdev, false);
    pci_set_irq(HD_PCI_DEVICE(vdev), 0);
    if (vdev->intx) {
        vfio_notifier_test_and_clear(vdev->intx);
    }
    vdev->irq_mode = VFIO_PCI_IRQ_NONE;
    trace_vfio_pci_intx_disable(vdev->vbasedev.name);
}

/* --- MSI and MSI-X --- */

static uint32_t kind_index(HdPciIrqKind kind)
{
    return kind == HD_PCI_IRQ_MSI ? VFIO_PCI_MSI_IRQ_INDEX : VFIO_PCI_MSIX_IRQ_INDEX;
}

static VFIOPciIrqMode kind_mode(HdPciIrqKind kind)
{
    return kind == HD_PCI_IRQ_MSI ? VFIO_PCI_IRQ_MSI : VFIO_PCI_IRQ_MSIX;
}

static void vector_interrupt(void *opaque)
{
    VFIOPciVector *vec = opaque;
    VFIOPciDevice *vdev = vec->vdev;

    trace_vfio_pci_vector_interrupt(vdev->vbasedev.name, vdev->irq_mode, vec->nr);
    if (vdev->irq_mode == VFIO_PCI_IRQ_MSI) {
        msi_notify(HD_PCI_DEVICE(vdev), vec->nr);
    } else if (vdev->irq_mode == VFIO_PCI_IRQ_MSIX) {
        msix_notify(HD_PCI_DEVICE(vdev), vec->nr);
    }
}

static void vector_kvm_release(VFIOPciVector *vec, bool free_route);

/*
 * KVM fast path: a usable vector's eventfd is an irqfd on its own MSI route, so the kernel
 * injects it without waking hostdev. Masked (released) vectors come back to the main loop,
 * where msi_notify()/msix_notify() keep the pending bit. Routes stay until the vectors go,
 * so unmasking with the same message rebuilds nothing.
 */
static void vector_kvm_use(VFIOPciVector *vec, HdMsiMessage msg)
{
    VFIOPciDevice *vdev = vec->vdev;
    int ret;

    if (!kvm_enabled() || !vec->notifier || !vec->armed) {
        return;
    }
    if (vec->virq < 0) {
        vec->virq = kvm_irqchip_add_msi_route(msg.address, msg.data);
        if (vec->virq < 0) {
            g_warning("%s: vector %u stays on the slow path: no KVM MSI route: %s", vdev->what,
                      vec->nr, g_strerror(-vec->virq));
            return;
        }
    } else if ((ret = kvm_irqchip_update_msi_route(vec->virq, msg.address, msg.data)) < 0) {
        /* KVM would go on sending the old message: the main loop sends the new one instead. */
        g_warning("%s: vector %u goes to the slow path: updating its KVM MSI route: %s",
                  vdev->what, vec->nr, g_strerror(-ret));
        vector_kvm_release(vec, true);
        return;
    }
    if (vec->irqfd) {
        return;
    }
    ret = kvm_irqfd(vfio_notifier_get_fd(vec->notifier), vec->virq, -1, true);
    if (ret < 0) {
        g_warning("%s: vector %u stays on the slow path: KVM_IRQFD: %s", vdev->what, vec->nr,
                  g_strerror(-ret));
        return;
    }
    vec->irqfd = true;
    vfio_notifier_set_handler(vec->notifier, NULL, NULL);
    trace_vfio_pci_vector_irqfd(vdev->vbasedev.name, vec->nr, vec->virq, true);
}

static void vector_interrupt(void *opaque);

static void vector_kvm_release(VFIOPciVector *vec, bool free_route)
{
    if (vec->irqfd) {
        kvm_irqfd(vfio_notifier_get_fd(vec->notifier), vec->virq, -1, false);
        vec->irqfd = false;
        vfio_notifier_set_handler(vec->notifier, vector_interrupt, vec);
        trace_vfio_pci_vector_irqfd(vec->vdev->vbasedev.name, vec->nr, vec->virq, false);
    }
    if (free_route && vec->virq >= 0) {
        kvm_irqchip_release_route(vec->virq);
        vec->virq = -1;
    }
}

static void vectors_free(VFIOPciDevice *vdev)
{
    for (unsigned i = 0; i < vdev->nr_vectors; i++) {
        vector_kvm_release(&vdev->vectors[i], true);
        vfio_notifier_free(vdev->vectors[i].notifier);
    }
    g_clear_pointer(&vdev->vectors, g_free);
    vdev->nr_vectors = 0;
    vdev->msix_kernel_vectors = 0;
}

static void vectors_disable(VFIOPciDevice *vdev)
{
    g_autoptr(GError) err = NULL;
    uint32_t index;

    if (vdev->irq_mode != VFIO_PCI_IRQ_MSI && vdev->irq_mode != VFIO_PCI_IRQ_MSIX) {
        return;
    }
    index = vdev->irq_mode == VFIO_PCI_IRQ_MSI ? VFIO_PCI_MSI_IRQ_INDEX : VFIO_PCI_MSIX_IRQ_INDEX;
    vfio_disable_irq_index(&vdev->vbasedev, index);
    trace_vfio_pci_vectors_disable(vdev->vbasedev.name, index, vdev->nr_vectors);
    vectors_free(vdev);
    vdev->irq_mode = VFIO_PCI_IRQ_NONE;
    if (!vfio_pci_intx_enable(vdev, &err)) {
        g_warning("%s: cannot turn INTx back on: %s", vdev->what, err->message);
    }
}

/*
 * Set up MSI or MSI-X with @nr vectors in the kernel; INTx goes off first. MSI: every vector
 * gets its trigger eventfd now. MSI-X: the kernel starts with one vector and no eventfd;
 * vectors get theirs when the guest first uses them (msix_vector_arm()), so a device with
 * thousands of vectors costs fds only for those the guest uses.
 */
static bool vectors_enable(VFIOPciDevice *vdev, HdPciIrqKind kind, unsigned nr, GError **errp)
{
    g_autofree int32_t *fds = g_new(int32_t, nr);
    uint32_t index = kind_index(kind);
    bool lazy = kind == HD_PCI_IRQ_MSIX;
    unsigned count = lazy ? 1 : nr;
    int ret;

    vfio_pci_intx_disable(vdev);
    vdev->vectors = g_new0(VFIOPciVector, nr);
    vdev->nr_vectors = nr;
    for (unsigned i = 0; i < nr; i++) {
        VFIOPciVector *vec = &vdev->vectors[i];

        vec->vdev = vdev;
        vec->nr = i;
        vec->virq = -1;
        fds[i] = -1;
        if (lazy) {
            continue;
        }
        vec->notifier = vfio_notifier_new(errp);
        if (!vec->notifier) {
            goto fail;
        }
        vfio_notifier_set_handler(vec->notifier, vector_interrupt, vec);
        fds[i] = vfio_notifier_get_fd(vec->notifier);
    }
    if (lazy) {
        struct vfio_irq_info info = {.argsz = sizeof(info)};

        vdev->msix_noresize = vfio_get_irq_info(&vdev->vbasedev, index, &info) < 0 ||
                              (info.flags & VFIO_IRQ_INFO_NORESIZE);
    }
    ret = vfio_set_irq_eventfds(&vdev->vbasedev, index, 0, count, fds);
    trace_vfio_pci_vectors_enable(vdev->vbasedev.name, index, count, ret);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret, "cannot enable %u %s vectors in the kernel: %s", count,
                    vfio_irq_index_name(&vdev->vbasedev, index), g_strerror(-ret));
        goto fail;
    }
    for (unsigned i = 0; i < nr; i++) {
        vdev->vectors[i].armed = vdev->vectors[i].notifier != NULL;
    }
    vdev->msix_kernel_vectors = lazy ? count : 0;
    vdev->irq_mode = kind_mode(kind);
    return true;

fail:
    vectors_free(vdev);
    return false;
}

/* Give MSI-X vector @v its trigger eventfd in the kernel (first use). */
static void msix_vector_arm(VFIOPciDevice *vdev, unsigned v)
{
    VFIOPciVector *vec = v < vdev->nr_vectors ? &vdev->vectors[v] : NULL;
    g_autoptr(GError) err = NULL;
    int ret = 0;

    if (!vec || vec->armed) {
        return;
    }
    if (!vec->notifier) {
        vec->notifier = vfio_notifier_new(&err);
        if (!vec->notifier) {
            g_warning("%s: MSI-X vector %u will not arrive: %s", vdev->what, v, err->message);
            return;
        }
        vfio_notifier_set_handler(vec->notifier, vector_interrupt, vec);
    }
    if (v < vdev->msix_kernel_vectors || !vdev->msix_noresize) {
        /* Within what the kernel allocated, or it can allocate one more on the fly. */
        if (!vfio_set_irq_signaling(&vdev->vbasedev, VFIO_PCI_MSIX_IRQ_INDEX, v,
                                    VFIO_IRQ_SET_ACTION_TRIGGER,
                                    vfio_notifier_get_fd(vec->notifier), &err)) {
            g_warning("%s: MSI-X vector %u will not arrive: %s", vdev->what, v, err->message);
            return;
        }
        vec->armed = true;
        vdev->msix_kernel_vectors = MAX(vdev->msix_kernel_vectors, v + 1);
    } else {
        /* The kernel cannot grow MSI-X in place: enable it again with v + 1 vectors. */
        g_autofree int32_t *fds = g_new(int32_t, v + 1);

        for (unsigned i = 0; i <= v; i++) {
            fds[i] =
                vdev->vectors[i].notifier ? vfio_notifier_get_fd(vdev->vectors[i].notifier) : -1;
        }
        vfio_disable_irq_index(&vdev->vbasedev, VFIO_PCI_MSIX_IRQ_INDEX);
        ret = vfio_set_irq_eventfds(&vdev->vbasedev, VFIO_PCI_MSIX_IRQ_INDEX, 0, v + 1, fds);
        if (ret < 0) {
            g_warning("%s: cannot grow MSI-X to %u vectors in the kernel: %s", vdev->what, v + 1,
                      g_strerror(-ret));
            for (unsigned i = 0; i < vdev->nr_vectors; i++) {
                vdev->vectors[i].armed = false;
            }
            vdev->msix_kernel_vectors = 0;
            return;
        }
        for (unsigned i = 0; i <= v; i++) {
            vdev->vectors[i].armed = vdev->vectors[i].notifier != NULL;
        }
        vdev->msix_kernel_vectors = v + 1;
    }
    trace_vfio_pci_msix_vector_arm(vdev->vbasedev.name, v, vdev->msix_kernel_vectors,
                                   vdev->msix_noresize, ret);
}

static void enable_changed(HdPciDevice *dev, HdPciIrqKind kind, bool enabled, void *opaque)
{
    VFIOPciDevice *vdev = opaque;
    g_autoptr(GError) err = NULL;

    (void)dev;
    if (!enabled) {
        if (vdev->irq_mode == kind_mode(kind)) {
            vectors_disable(vdev);
        }
        return;
    }
    vectors_disable(vdev);
    unsigned nr = kind == HD_PCI_IRQ_MSI ? msi_nr_vectors_enabled(dev) : msix_nr_vectors(dev);
    if (!vectors_enable(vdev, kind, MAX(nr, 1u), &err)) {
        g_warning("%s: %s; its interrupts will not arrive", vdev->what, err->message);
        g_clear_error(&err);
        if (!vfio_pci_intx_enable(vdev, &err)) {
            g_warning("%s: cannot turn INTx back on: %s", vdev->what, err->message);
        }
    }
}

static void vector_use(HdPciDevice *dev, HdPciIrqKind kind, unsigned vector, HdMsiMessage msg,
                       void *opaque)
{
    VFIOPciDevice *vdev = opaque;

    trace_vfio_pci_vector_use(vdev->vbasedev.name, kind, vector, msg.address, msg.data);
    /* MSI: the guest raised the enabled count while enabled; set the vectors up again. */
    if (kind == HD_PCI_IRQ_MSI && vdev->irq_mode == VFIO_PCI_IRQ_MSI &&
        vector >= vdev->nr_vectors) {
        enable_changed(dev, kind, true, vdev);
    }
    if (kind == HD_PCI_IRQ_MSIX && vdev->irq_mode == VFIO_PCI_IRQ_MSIX) {
        msix_vector_arm(vdev, vector);
    }
    if (vdev->irq_mode == kind_mode(kind) && vector < vdev->nr_vectors) {
        vector_kvm_use(&vdev->vectors[vector], msg);
    }
}

static void vector_release(HdPciDevice *dev, HdPciIrqKind kind, unsigned vector, void *opaque)
{
    VFIOPciDevice *vdev = opaque;

    (void)dev;
    /* The trigger stays: msi_notify()/msix_notify() set the pending bit while masked. */
    trace_vfio_pci_vector_release(vdev->vbasedev.name, kind, vector);
    if (vdev->irq_mode == kind_mode(kind) && vector < vdev->nr_vectors) {
        vector_kvm_release(&vdev->vectors[vector], false);
    }
}

static const HdPciVectorNotifiers vector_notifiers = {
    .enable_changed = enable_changed,
    .vector_use = vector_use,
    .vector_release = vector_release,
};

/* --- error and request notifiers --- */

/*
 * The host device reported an error it cannot recover from (AER, through the kernel): the VM
 * stops with status internal-error and a STOP event, as QEMU does, so that nothing runs on a
 * device whose state is undefined; the management collects what it needs, then resets or quits.
 */
static void err_interrupt(void *opaque)
{
    VFIOPciDevice *vdev = opaque;

    trace_vfio_pci_err_interrupt(vdev->vbasedev.name);
    hd_guest_internal_error(g_strdup_printf(
        "%s: the host device reported an unrecoverable error; collect what you need, then reset the VM or unplug the device",
        vdev->what));
}

static gboolean req_unplug(gpointer opaque)
{
    VFIOPciDevice *vdev = opaque;
    HdTree *tree = hd_qom_tree();
    g_autofree char *path = tree ? hd_tree_get_path(tree, G_OBJECT(vdev)) : NULL;
    g_autoptr(GError) err = NULL;

    vdev->req_source = 0;
    if (path && hd_device_is_realized(HD_DEVICE(vdev)) && !hd_device_del(tree, path, &err)) {
        g_warning("%s: the host asked for the device back, but unplugging it failed: %s; the "
                  "host's unbind waits until hostdev quits",
                  vdev->what, err->message);
    }
    g_object_unref(vdev);
    return G_SOURCE_REMOVE;
}

/*
 * The host wants the device back (its vfio-pci driver is being unbound): unplug it the way
 * device_del does, so a guest in a hot-plug slot is asked first. The kernel asks again every
 * 10 s while the device is held; from the second time on, say the guest has not let go.
 */
static void req_interrupt(void *opaque)
{
    VFIOPciDevice *vdev = opaque;
    gint64 now = g_get_monotonic_time();

    trace_vfio_pci_req_interrupt(vdev->vbasedev.name);
    if (vdev->req_source) {
        return;
    }
    if (!vdev->req_first_us) {
        vdev->req_first_us = now;
        g_printerr("%s: the host asked for the device back (its driver is being unbound); "
                   "unplugging it (a guest using it is asked to release it first)\n",
                   vdev->what);
    } else if (!hd_device_unplug_pending(HD_DEVICE(vdev))) {
        /* The unplug was refused (warned about then); asking the guest was never possible. */
        g_printerr("%s: the host still wants the device back (%.0f s); it cannot be unplugged "
                   "here, so the host's unbind waits until hostdev quits\n",
                   vdev->what, (double)(now - vdev->req_first_us) / G_USEC_PER_SEC);
        return;
    } else {
        g_printerr("%s: the guest has not released the device %.0f s after the host asked for "
                   "it; asking again. The host's unbind waits until the guest lets go (in the "
                   "guest: echo 0 > /sys/bus/pci/slots/N/power) or hostdev quits\n",
                   vdev->what, (double)(now - vdev->req_first_us) / G_USEC_PER_SEC);
    }
    /* Not from inside the notifier, which the unplug frees. */
    vdev->req_source = g_idle_add(req_unplug, g_object_ref(vdev));
}

/* An optional notifier on IRQ @index when the kernel offers it. NULL without one. */
static VFIONotifier *optional_notifier(VFIOPciDevice *vdev, uint32_t index, VFIONotifierFn fn)
{
    struct vfio_irq_info info = {.argsz = sizeof(info)};
    g_autoptr(GError) err = NULL;
    VFIONotifier *n;

    if (vdev->vbasedev.num_irqs <= index || vfio_get_irq_info(&vdev->vbasedev, index, &info) < 0 ||
        info.count < 1) {
        return NULL;
    }
    n = vfio_notifier_new(&err);
    if (!n) {
        g_warning("%s: %s", vdev->what, err->message);
        return NULL;
    }
    if (!vfio_set_irq_signaling(&vdev->vbasedev, index, 0, VFIO_IRQ_SET_ACTION_TRIGGER,
                                vfio_notifier_get_fd(n), &err)) {
        trace_vfio_pci_notifier_unavailable(vdev->vbasedev.name, index);
        vfio_notifier_free(n);
        return NULL;
    }
    vfio_notifier_set_handler(n, fn, vdev);
    trace_vfio_pci_notifier(vdev->vbasedev.name, index, vfio_notifier_get_fd(n));
    return n;
}

bool vfio_pci_irq_setup(VFIOPciDevice *vdev, GError **errp)
{
    struct vfio_irq_info info = {.argsz = sizeof(info)};

    if (vdev->intx_pin && (vfio_get_irq_info(&vdev->vbasedev, VFIO_PCI_INTX_IRQ_INDEX, &info) < 0 ||
                           info.count < 1)) {
        /* The kernel offers no INTx (e.g. no routed pin): hide the pin. */
        pci_config(HD_PCI_DEVICE(vdev))[PCI_INTERRUPT_PIN] = 0;
        vdev->intx_pin = 0;
    }
    if (!vfio_pci_intx_enable(vdev, errp)) {
        return false;
    }
    pci_set_vector_notifiers(HD_PCI_DEVICE(vdev), &vector_notifiers, vdev);
    vdev->err = optional_notifier(vdev, VFIO_PCI_ERR_IRQ_INDEX, err_interrupt);
    vdev->req = optional_notifier(vdev, VFIO_PCI_REQ_IRQ_INDEX, req_interrupt);
    return true;
}

void vfio_pci_irq_teardown(VFIOPciDevice *vdev)
{
    pci_set_vector_notifiers(HD_PCI_DEVICE(vdev), NULL, NULL);
    if (vdev->vbasedev.attached) {
        if (vdev->irq_mode == VFIO_PCI_IRQ_MSI || vdev->irq_mode == VFIO_PCI_IRQ_MSIX) {
            vfio_disable_irq_index(&vdev->vbasedev, vdev->irq_mode == VFIO_PCI_IRQ_MSI
                                                        ? VFIO_PCI_MSI_IRQ_INDEX
                                                        : VFIO_PCI_MSIX_IRQ_INDEX);
        } else if (vdev->irq_mode == VFIO_PCI_IRQ_INTX) {
            vfio_disable_irq_index(&vdev->vbasedev, VFIO_PCI_INTX_IRQ_INDEX);
        }
        if (vdev->err) {
            vfio_disable_irq_index(&vdev->vbasedev, VFIO_PCI_ERR_IRQ_INDEX);
        }
        if (vdev->req) {
            vfio_disable_irq_index(&vdev->vbasedev, VFIO_PCI_REQ_IRQ_INDEX);
        }
    }
    vectors_free(vdev);
    intx_kvm_disable(vdev);
    vdev->irq_mode = VFIO_PCI_IRQ_NONE;
    vdev->intx_pending = false;
    g_clear_pointer(&vdev->intx, vfio_notifier_free);
    g_clear_pointer(&vdev->intx_resample, vfio_notifier_free);
    g_clear_pointer(&vdev->err, vfio_notifier_free);
    g_clear_pointer(&vdev->req, vfio_notifier_free);
    if (vdev->req_source) {
        g_source_remove(vdev->req_source);
        vdev->req_source = 0;
        g_object_unref(vdev);
    }
}
