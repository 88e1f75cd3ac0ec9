/*
 * Unit test of vfio-pci's INTx section in migration, no kernel: the slow path's pending line
 * travels, a trigger still in the eventfd when the VM stopped travels as pending, and a
 * malformed section is refused naming the device.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "hw/i386/q35.h"
#include "pci.h"

static VFIOPciDevice *vdev_new(void)
{
    VFIOPciDevice *vdev = g_object_new(VFIO_TYPE_PCI_DEVICE, NULL);

    vdev->what = g_strdup("vfio-pci 'tty0' (test)");
    return vdev;
}

static void test_save_load(void)
{
    VFIOPciDevice *src = vdev_new(), *dst = vdev_new();
    uint8_t bytes[VFIO_PCI_INTX_MIG_SIZE];
    static const uint8_t idle[VFIO_PCI_INTX_MIG_SIZE] = {1, 0, 0, 0};
    g_autoptr(GError) err = NULL;

    /* No INTx in use: an idle section, and loading one changes nothing. */
    vfio_pci_intx_save(src, bytes);
    g_assert_cmpmem(bytes, sizeof(bytes), idle, sizeof(idle));
    g_assert_true(vfio_pci_intx_load(dst, bytes, sizeof(bytes), &err));
    g_assert_false(dst->intx_pending);

    /* Slow path: the device triggered just before the VM stopped and hostdev had not read the
     * eventfd yet; the save takes it in and the destination's line comes up. */
    src->intx = vfio_notifier_new(&err);
    g_assert_no_error(err);
    src->irq_mode = VFIO_PCI_IRQ_INTX;
    vfio_notifier_signal(src->intx);
    vfio_pci_intx_save(src, bytes);
    g_assert_cmpuint(bytes[1], ==, 1);
    g_assert_true(src->intx_pending);
    g_assert_false(vfio_notifier_test_and_clear(src->intx));

    dst->irq_mode = VFIO_PCI_IRQ_INTX;
    g_assert_true(vfio_pci_intx_load(dst, bytes, sizeof(bytes), &err));
    g_assert_no_error(err);
    g_assert_true(dst->intx_pending);

    /* On the KVM fast path the in-kernel controller holds the line: nothing to raise. */
    dst->intx_pending = false;
    dst->intx_kvm = true;
    g_assert_true(vfio_pci_intx_load(dst, bytes, sizeof(bytes), &err));
    g_assert_false(dst->intx_pending);

    src->intx_pending = dst->intx_pending = false;
    src->irq_mode = dst->irq_mode = VFIO_PCI_IRQ_NONE;
    g_clear_pointer(&src->intx, vfio_notifier_free); /* unrealize frees it, and none ran */
    g_object_unref(src);
    g_object_unref(dst);
}

static void test_malformed(void)
{
    VFIOPciDevice *vdev = vdev_new();
    static const struct {
        uint8_t bytes[5];
        size_t len;
    } bad[] = {
        {{1, 0, 0}, 3},       /* short */
        {{1, 0, 0, 0, 0}, 5}, /* long */
        {{2, 0, 0, 0}, 4},    /* a later version */
        {{1, 2, 0, 0}, 4},    /* an unknown flag */
        {{1, 0, 0, 1}, 4},    /* padding not zero */
    };

    vdev->irq_mode = VFIO_PCI_IRQ_INTX;
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_assert_false(vfio_pci_intx_load(vdev, bad[i].bytes, bad[i].len, &err));
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(err->message, "vfio-pci 'tty0' (test)"));
        g_assert_nonnull(strstr(err->message, "INTx section"));
        g_assert_false(vdev->intx_pending);
    }
    vdev->irq_mode = VFIO_PCI_IRQ_NONE;
    g_object_unref(vdev);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    pci_register_types();
    vfio_pci_register_types();
    g_test_add_func("/vfio-pci/intx/save-load", test_save_load);
    g_test_add_func("/vfio-pci/intx/malformed", test_malformed);
    return g_test_run();
}
