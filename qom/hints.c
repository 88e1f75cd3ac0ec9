/*
 * What to do instead when a management stack asks for hardware hostdev does not emulate: the
 * device types, -global drivers and options of QEMU that libvirt writes for common domain XML
 * elements, each with the element to leave out or the VFIO alternative.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "qom/hints.h"

typedef struct Hint {
    const char *pattern; /* a name, "START*" or "*MIDDLE*" */
    const char *text;
} Hint;

static const Hint device_hints[] = {
    { "virtio-blk*", "hostdev has no block layer: leave <disk> out, assign an NVMe with <hostdev>" },
    { "virtio-scsi*", "hostdev has no block layer: leave <disk>/<controller type='scsi'> out" },
    { "scsi-*", "hostdev has no block layer: leave <disk> out" },
    { "ide-*", "hostdev has no IDE: leave <disk> (and cdrom) out" },
    { "virtio-net*", "hostdev has no emulated NICs: leave <interface> out, assign a NIC with "
                     "<hostdev>" },
    { "e1000*", "hostdev has no emulated NICs: leave <interface> out, assign a NIC with "
                "<hostdev>" },
    { "rtl8139", "hostdev has no emulated NICs: leave <interface> out" },
    { "virtio-balloon*", "hostdev has no balloon: use <memballoon model='none'/>" },
    { "virtio-serial*", "hostdev has no virtio-serial: leave <channel> out" },
    { "virtio-rng*", "hostdev has no RNG device: leave <rng> out" },
    { "virtio-gpu*", "hostdev has no emulated display: leave <video> and <graphics> out" },
    { "VGA", "hostdev has no emulated display: leave <video> and <graphics> out" },
    { "qxl*", "hostdev has no emulated display: leave <video> and <graphics> out" },
    { "usb-*", "hostdev has no USB: use <controller type='usb' model='none'/> and leave <input "
               "bus='usb'> out" },
    { "*-usb-*", "hostdev has no USB: use <controller type='usb' model='none'/>" },
    { "qemu-xhci", "hostdev has no USB: use <controller type='usb' model='none'/>" },
    { "nec-usb-xhci", "hostdev has no USB: use <controller type='usb' model='none'/>" },
    { "ich9-intel-hda", "hostdev has no sound: leave <sound> out" },
    { "intel-hda", "hostdev has no sound: leave <sound> out" },
    { "virtio-iommu*", "hostdev has no vIOMMU: leave <iommu> out" },
    { "intel-iommu", "hostdev has no vIOMMU: leave <iommu> out" },
    { "i6300esb", "hostdev has no watchdog device: leave <watchdog> out" },
    { "kvm-pit", "the PIT is KVM's in-kernel one, with KVM's tick policy: leave <timer "
                 "name='pit'> out of <clock>" },
    { "ICH9-LPC", "hostdev's LPC bridge has no settable properties: leave <pm> out" },
    { "vhost-*", "hostdev has no vhost backends: leave <interface> and <filesystem> out" },
    { "ioh3420", "use pcie-root-port (libvirt's default root port model)" },
    { "i82801b11-bridge", "use pcie-pci-bridge for conventional PCI devices" },
    { "pci-bridge", "use pcie-pci-bridge for conventional PCI devices on q35" },
};

static const Hint property_hints[] = {
    { "bootindex", "hostdev has no firmware to boot from a device; it boots -kernel: leave "
                   "<boot order> out of the device" },
    { "acpi-index", "hostdev's ACPI tables do not name slots yet: leave <acpi index> out" },
    { "failover_pair_id", "hostdev has no virtio-net failover: leave <teaming> out" },
};

static const Hint option_hints[] = {
    { "blockdev", "hostdev has no block layer: leave <disk> out, assign an NVMe with <hostdev>" },
    { "drive", "hostdev has no block layer: leave <disk> out, assign an NVMe with <hostdev>" },
    { "netdev", "hostdev has no emulated network: leave <interface> out, assign a NIC with "
                "<hostdev>" },
    { "spice", "hostdev has no SPICE server: use <graphics type='vnc'> or leave <graphics> out" },
    { "usb", "hostdev has no USB: use <controller type='usb' model='none'/>" },
    { "bios", "hostdev has no firmware yet: boot a kernel with <kernel>/<initrd>/<cmdline>" },
    { "numa", "hostdev has no NUMA topology: leave <numa> out of <cpu>" },
    { "mem-prealloc", "use -object memory-backend-*,prealloc=on (libvirt: <memoryBacking>)" },
};

/* Whether @name matches @pattern: "X" exactly, "X*" as a prefix, "*X*" anywhere. */
static bool matches(const char *pattern, const char *name)
{
    size_t len = strlen(pattern);

    if (pattern[0] == '*') {
        g_autofree char *middle = g_strndup(pattern + 1, len - 2);

        return strstr(name, middle) != NULL;
    }
    if (pattern[len - 1] == '*') {
        return strncmp(name, pattern, len - 1) == 0;
    }
    return strcmp(name, pattern) == 0;
}

static const char *lookup(const Hint *hints, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++) {
        if (matches(hints[i].pattern, name)) {
            return hints[i].text;
        }
    }
    return NULL;
}

const char *hd_hint_for_type(const char *type_name)
{
    return lookup(device_hints, G_N_ELEMENTS(device_hints), type_name);
}

const char *hd_hint_for_property(const char *prop)
{
    return lookup(property_hints, G_N_ELEMENTS(property_hints), prop);
}

const char *hd_hint_for_option(const char *option)
{
    return lookup(option_hints, G_N_ELEMENTS(option_hints), option);
}
