/*
 * Unit test of vfio-pci's multi-device hot reset bookkeeping, no kernel: which attached devices
 * a bus reset reaches (matched by PCI address from the kernel's dependent-device list), that
 * once the shared bus is reset none of them asks the system reset handler for another reset,
 * and that a device whose own reset hook did the bus reset is not reset again.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "hw/i386/q35.h"
#include "pci.h"

/* A VFIO_DEVICE_GET_PCI_HOT_RESET_INFO answer listing @n functions of bus 2 (devfn given). */
static struct vfio_pci_hot_reset_info *info_new(const uint8_t *devfns, unsigned n)
{
    struct vfio_pci_hot_reset_info *info =
        g_malloc0(sizeof(*info) + n * sizeof(struct vfio_pci_dependent_device));

    info->argsz = sizeof(*info) + n * sizeof(struct vfio_pci_dependent_device);
    info->count = n;
    for (unsigned i = 0; i < n; i++) {
        info->devices[i].segment = 0;
        info->devices[i].bus = 2;
        info->devices[i].devfn = devfns[i];
        info->devices[i].group_id = 10 + i;
    }
    return info;
}

static void dev_init(VFIODevice *d, const char *name)
{
    vfio_device_init(d, &vfio_pci_device_ops);
    d->name = g_strdup(name);
    d->needs_reset = true;
}

static void test_peers(void)
{
    /* Two functions of one slot on bus 2 share the bus reset; bus 3's device does not. */
    static const uint8_t devfns[] = {0x00, 0x01};
    g_autofree struct vfio_pci_hot_reset_info *info = info_new(devfns, 2);
    VFIODevice a, b, other, mdev;
    GList *list = NULL;
    g_autoptr(GPtrArray) peers = NULL;

    dev_init(&a, "0000:02:00.0");
    dev_init(&b, "0000:02:00.1");
    dev_init(&other, "0000:03:00.0");
    dev_init(&mdev, "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001");
    list = g_list_append(list, &other);
    list = g_list_append(list, &b);
    list = g_list_append(list, &mdev);
    list = g_list_append(list, &a);

    peers = vfio_pci_reset_peers(info, list);
    g_assert_cmpuint(peers->len, ==, 2);
    g_assert_true(g_ptr_array_index(peers, 0) == &b);
    g_assert_true(g_ptr_array_index(peers, 1) == &a);
    g_assert_true(vfio_pci_from_vbasedev(&a) != NULL);

    /* The one reset of the bus serves both: neither is reset again; others are untouched. */
    vfio_pci_reset_peers_done(peers);
    g_assert_false(a.needs_reset);
    g_assert_false(b.needs_reset);
    g_assert_true(other.needs_reset);
    g_assert_true(mdev.needs_reset);

    g_list_free(list);
    vfio_device_clear(&a);
    vfio_device_clear(&b);
    vfio_device_clear(&other);
    vfio_device_clear(&mdev);
}

static void test_no_peers(void)
{
    static const uint8_t devfns[] = {0x08};
    g_autofree struct vfio_pci_hot_reset_info *info = info_new(devfns, 1);
    g_autoptr(GPtrArray) peers = vfio_pci_reset_peers(info, NULL);
    VFIODevice plain;

    g_assert_cmpuint(peers->len, ==, 0);
    /* A device of another frontend is not taken for a vfio-pci device. */
    vfio_device_init(&plain, NULL);
    g_assert_null(vfio_pci_from_vbasedev(&plain));
    vfio_device_clear(&plain);
}

/* The system reset handler asks for a bus reset only of devices whose reset hook did none. */
static void test_needs_reset(void)
{
    VFIOPciDevice *vdev;

    pci_register_types();
    vfio_pci_register_types();
    vdev = g_object_new(VFIO_TYPE_PCI_DEVICE, NULL);
    vdev->reset_method = VFIO_PCI_RESET_BUS;
    vdev->reset_done = true;
    vfio_pci_compute_needs_reset(&vdev->vbasedev);
    g_assert_false(vdev->vbasedev.needs_reset);
    /* That hook's reset served one system reset; the next one decides afresh. */
    vfio_pci_compute_needs_reset(&vdev->vbasedev);
    g_assert_true(vdev->vbasedev.needs_reset);
    vdev->reset_method = VFIO_PCI_RESET_FLR;
    vfio_pci_compute_needs_reset(&vdev->vbasedev);
    g_assert_false(vdev->vbasedev.needs_reset);
    g_object_unref(vdev);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio-pci/reset/peers", test_peers);
    g_test_add_func("/vfio-pci/reset/no-peers", test_no_peers);
    g_test_add_func("/vfio-pci/reset/needs-reset", test_needs_reset);
    return g_test_run();
}
