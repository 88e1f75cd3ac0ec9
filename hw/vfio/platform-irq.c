/*
 * vfio-platform interrupts: each VFIO IRQ signals an eventfd watched from the main loop and
 * drives a platform bus input. Edge IRQs pulse it; level (automasked) IRQs raise it until the
 * guest's next access to the device (its ack), then lower it and unmask the IRQ in the kernel.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>

#include "platform.h"
#include "trace.h"

static void eoi_traps_set(VFIOPlatformDevice *vdev, bool enabled)
{
    for (unsigned i = 0; i < vdev->nr_regions; i++) {
        if (vdev->regions[i].eoi) {
            memory_region_set_enabled(vdev->regions[i].eoi, enabled);
        }
    }
}

void vfio_platform_eoi(VFIOPlatformDevice *vdev)
{
    for (unsigned i = 0; i < vdev->nr_irqs; i++) {
        VFIOPlatformIrq *irq = &vdev->irqs[i];
        int ret;

        if (!irq->pending) {
            continue;
        }
        irq->pending = false;
        hd_platform_bus_irq_set(vdev->bus, irq->line, 0);
        ret = vfio_unmask_single_irq(&vdev->vbasedev, irq->index);
        trace_vfio_platform_eoi(vdev->vbasedev.name, irq->index, irq->line, ret);
    }
    eoi_traps_set(vdev, false);
}

static void irq_fired(void *opaque)
{
    VFIOPlatformIrq *irq = opaque;
    VFIOPlatformDevice *vdev = irq->vdev;

    trace_vfio_platform_irq(vdev->vbasedev.name, irq->index, irq->line, irq->level);
    if (!irq->level) {
        hd_platform_bus_irq_pulse(vdev->bus, irq->line);
        return;
    }
    if (irq->pending) {
        return; /* the kernel masked it at the first signal; nothing new */
    }
    irq->pending = true;
    eoi_traps_set(vdev, true);
    hd_platform_bus_irq_set(vdev->bus, irq->line, 1);
}

static bool irq_setup(VFIOPlatformDevice *vdev, VFIOPlatformIrq *irq, GError **errp)
{
    struct vfio_irq_info info;
    int ret = vfio_get_irq_info(&vdev->vbasedev, irq->index, &info);

    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot read the info of IRQ %u (VFIO_DEVICE_GET_IRQ_INFO): %s", irq->index,
                    g_strerror(-ret));
        return false;
    }
    if (!(info.flags & VFIO_IRQ_INFO_EVENTFD) || info.count < 1) {
        g_set_error(errp, VFIO_ERROR, ENOTSUP,
                    "IRQ %u cannot signal an eventfd (flags 0x%x, count %u); hostdev cannot deliver it",
                    irq->index, info.flags, info.count);
        return false;
    }
    irq->flags = info.flags;
    irq->level = (info.flags & VFIO_IRQ_INFO_AUTOMASKED) != 0;
    if (!hd_platform_bus_connect_irq(vdev->bus, HD_DEVICE(vdev), irq->level, &irq->line, errp)) {
        return false;
    }
    irq->trigger = vfio_notifier_new(errp);
    if (!irq->trigger) {
        return false;
    }
    vfio_notifier_set_handler(irq->trigger, irq_fired, irq);
    if (!vfio_set_irq_signaling(&vdev->vbasedev, irq->index, 0, VFIO_IRQ_SET_ACTION_TRIGGER,
                                vfio_notifier_get_fd(irq->trigger), errp)) {
        return false;
    }
    irq->signaling = true;
    trace_vfio_platform_irq_setup(vdev->vbasedev.name, irq->index, irq->line, irq->level);
    return true;
}

bool vfio_platform_irqs_setup(VFIOPlatformDevice *vdev, GError **errp)
{
    uint32_t n = vdev->vbasedev.num_irqs;

    vdev->irqs = g_new0(VFIOPlatformIrq, n);
    for (uint32_t i = 0; i < n; i++) {
        VFIOPlatformIrq *irq = &vdev->irqs[i];

        irq->vdev = vdev;
        irq->index = i;
        vdev->nr_irqs = i + 1;
        if (!irq_setup(vdev, irq, errp)) {
            return false;
        }
    }
    return true;
}

void vfio_platform_irqs_teardown(VFIOPlatformDevice *vdev)
{
    for (unsigned i = 0; i < vdev->nr_irqs; i++) {
        VFIOPlatformIrq *irq = &vdev->irqs[i];

        if (irq->signaling) {
            vfio_set_irq_signaling(&vdev->vbasedev, irq->index, 0, VFIO_IRQ_SET_ACTION_TRIGGER,
                                   -1, NULL);
            irq->signaling = false;
        }
        g_clear_pointer(&irq->trigger, vfio_notifier_free);
        if (irq->pending && vdev->bus) {
            hd_platform_bus_irq_set(vdev->bus, irq->line, 0);
        }
        irq->pending = false;
    }
    g_clear_pointer(&vdev->irqs, g_free);
    vdev->nr_irqs = 0;
}
