/*
 * vfio-pci resets: the device's reset hook (FLR or PM reset through VFIO_DEVICE_RESET, a bus or
 * slot hot reset where that is the method, e.g. a guest's secondary bus reset), a guest's FLR,
 * and the system reset's hot reset of a shared bus with every device on it quiesced around it.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>

#include "pci.h"
#include "trace.h"

const char *vfio_pci_reset_method_name(VFIOPciResetMethod m)
{
    switch (m) {
    case VFIO_PCI_RESET_FLR:
        return "flr";
    case VFIO_PCI_RESET_PM:
        return "pm";
    case VFIO_PCI_RESET_BUS:
        return "bus";
    default:
        return "none";
    }
}

VFIOPciDevice *vfio_pci_from_vbasedev(VFIODevice *vbasedev)
{
    if (vbasedev->ops != &vfio_pci_device_ops) {
        return NULL;
    }
    return G_STRUCT_MEMBER_P(vbasedev, -G_STRUCT_OFFSET(VFIOPciDevice, vbasedev));
}

/* --- around a reset --- */

void vfio_pci_pre_reset(VFIOPciDevice *vdev)
{
    uint16_t cmd = pci_get_word(pci_config(HD_PCI_DEVICE(vdev)) + PCI_COMMAND);

    /* No interrupt and no DMA across the reset; MSI/MSI-X are off (the PCI core's reset). */
    vfio_pci_intx_disable(vdev);
    cmd &= ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    vfio_pci_config_write_device(vdev, PCI_COMMAND, cmd, 2);
}

void vfio_pci_post_reset(VFIOPciDevice *vdev)
{
    g_autoptr(GError) err = NULL;

    /* The device decodes and masters again as the guest-visible command register says. */
    vfio_pci_config_write_device(vdev, PCI_COMMAND,
                                 pci_get_word(pci_config(HD_PCI_DEVICE(vdev)) + PCI_COMMAND), 2);
    if (!vfio_pci_intx_enable(vdev, &err)) {
        g_warning("%s: cannot turn INTx back on after reset: %s", vdev->what, err->message);
    }
}

/* --- the device's own reset --- */

/*
 * Reset the function in the kernel by its method; 0, or -errno (a hot reset that would reach
 * other devices: -EBUSY, left to the system reset's multi-device hot reset).
 */
static int kernel_reset(VFIOPciDevice *vdev)
{
    g_autoptr(GError) err = NULL;
    int ret;

    switch (vdev->reset_method) {
    case VFIO_PCI_RESET_FLR:
    case VFIO_PCI_RESET_PM:
        return vfio_device_reset(&vdev->vbasedev);
    case VFIO_PCI_RESET_BUS:
        /* Only this device may be affected here: its peers are not being reset. */
        if (vfio_device_hot_reset(&vdev->vbasedev, true, &err)) {
            return 0;
        }
        ret = err->domain == VFIO_ERROR && err->code ? -err->code : -EIO;
        trace_vfio_pci_reset_hot_failed(vdev->vbasedev.name, err->message);
        if (vdev->vbasedev.reset_works) {
            /* The kernel can still do the bus reset itself for this device alone. */
            return vfio_device_reset(&vdev->vbasedev);
        }
        return ret;
    default:
        return -ENOTSUP;
    }
}

void vfio_pci_device_reset(VFIOPciDevice *vdev)
{
    int ret;

    if (!vdev->vbasedev.attached) {
        return;
    }
    vfio_pci_pre_reset(vdev);
    ret = kernel_reset(vdev);
    /* A bus reset done here is not repeated by the system reset handler that may follow. */
    vdev->reset_done = ret == 0;
    if (ret < 0 && vdev->reset_method != VFIO_PCI_RESET_BUS) {
        g_warning("%s: device reset (%s) failed: %s", vdev->what,
                  vfio_pci_reset_method_name(vdev->reset_method), g_strerror(-ret));
    }
    trace_vfio_pci_reset(vdev->vbasedev.name, vfio_pci_reset_method_name(vdev->reset_method), ret);
    vfio_pci_post_reset(vdev);
}

/*
 * The guest set Initiate Function Level Reset in the PCIe device control register of a device
 * that advertises FLR: the function resets as a whole, as on hardware (config space back to its
 * power-on state, interrupts off) and in the kernel (VFIO_DEVICE_RESET, which the kernel performs
 * with the device quiesced and its config saved and restored).
 */
void vfio_pci_guest_flr(VFIOPciDevice *vdev)
{
    trace_vfio_pci_guest_flr(vdev->vbasedev.name, vfio_pci_reset_method_name(vdev->reset_method));
    pci_device_reset(HD_PCI_DEVICE(vdev));
}

bool vfio_pci_config_is_flr(VFIOPciDevice *vdev, uint32_t addr, uint32_t val, unsigned len)
{
    const uint8_t *c = pci_config(HD_PCI_DEVICE(vdev));
    uint32_t hi = vdev->exp_cap + PCI_EXP_DEVCTL + 1;

    if (!vdev->exp_cap || addr > hi || addr + len <= hi) {
        return false;
    }
    if (!(pci_get_long(c + vdev->exp_cap + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLR)) {
        return false;
    }
    return ((val >> (8 * (hi - addr))) & (PCI_EXP_DEVCTL_BCR_FLR >> 8)) != 0;
}

/* --- the system reset --- */

void vfio_pci_compute_needs_reset(VFIODevice *vbasedev)
{
    VFIOPciDevice *vdev = vfio_pci_from_vbasedev(vbasedev);

    /* Devices whose reset hook did the bus reset already need nothing more. */
    vbasedev->needs_reset = vdev->reset_method == VFIO_PCI_RESET_BUS && !vdev->reset_done;
    vdev->reset_done = false;
}

GPtrArray *vfio_pci_reset_peers(const struct vfio_pci_hot_reset_info *info, const GList *devices)
{
    GPtrArray *peers = g_ptr_array_new();

    for (const GList *l = devices; l; l = l->next) {
        VFIODevice *vbasedev = l->data;

        for (uint32_t i = 0; i < info->count; i++) {
            const struct vfio_pci_dependent_device *dep = &info->devices[i];
            g_autofree char *addr = g_strdup_printf("%04x:%02x:%02x.%x", dep->segment, dep->bus,
                                                    dep->devfn >> 3, dep->devfn & 7);

            if (vbasedev->name && !strcmp(addr, vbasedev->name)) {
                g_ptr_array_add(peers, vbasedev);
                break;
            }
        }
    }
    return peers;
}

void vfio_pci_reset_peers_done(GPtrArray *peers)
{
    for (guint i = 0; i < peers->len; i++) {
        ((VFIODevice *)g_ptr_array_index(peers, i))->needs_reset = false;
    }
}

bool vfio_pci_hot_reset_multi(VFIODevice *vbasedev, GError **errp)
{
    g_autofree struct vfio_pci_hot_reset_info *info = NULL;
    g_autoptr(GPtrArray) peers = NULL;
    GError *err = NULL;
    bool ok;
    int ret = vfio_device_get_hot_reset_info(vbasedev, &info);

    if (ret < 0) {
        peers = g_ptr_array_new();
        g_ptr_array_add(peers, vbasedev);
    } else {
        peers = vfio_pci_reset_peers(info, vfio_device_list());
        if (!g_ptr_array_find(peers, vbasedev, NULL)) {
            g_ptr_array_add(peers, vbasedev);
        }
    }
    /* Every device of this VM the bus reset reaches stops first and starts again after. */
    for (guint i = 0; i < peers->len; i++) {
        VFIOPciDevice *peer = vfio_pci_from_vbasedev(g_ptr_array_index(peers, i));

        if (peer) {
            vfio_pci_pre_reset(peer);
        }
    }
    ok = vfio_device_hot_reset(vbasedev, false, &err);
    if (!ok && vbasedev->reset_works && peers->len == 1) {
        /* The kernel can still reset the device alone (VFIO_DEVICE_RESET does the bus reset). */
        ret = vfio_device_reset(vbasedev);
        if (ret < 0) {
            g_prefix_error(
                &err, "VFIO_DEVICE_RESET failed (%s), as did the hot reset: ", g_strerror(-ret));
        } else {
            g_clear_error(&err);
            ok = true;
        }
    }
    trace_vfio_pci_hot_reset_multi(vbasedev->name, peers->len, ok);
    for (guint i = 0; i < peers->len; i++) {
        VFIOPciDevice *peer = vfio_pci_from_vbasedev(g_ptr_array_index(peers, i));

        if (peer) {
            vfio_pci_post_reset(peer);
        }
    }
    if (!ok) {
        g_propagate_error(errp, err);
        return false;
    }
    /* One reset of the shared bus serves them all: the handler does not reset it again. */
    vfio_pci_reset_peers_done(peers);
    return true;
}
