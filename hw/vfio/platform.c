/*
 * vfio-platform and vfio-amba: the device types. Realize checks the host driver, attaches
 * through vfio_attach_device(), maps each region on the platform bus (mmap'd where the kernel
 * allows, trapped otherwise), wires the IRQs (platform-irq.c) and records the device-tree node.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>

#include "platform.h"
#include "qom/object.h"
#include "system/address-space.h"
#include "trace.h"

G_DEFINE_ABSTRACT_TYPE(VFIOPlatformDevice, vfio_platform_device, HD_TYPE_DEVICE)

enum {
    PROP_0,
    PROP_HOST,
    PROP_SYSFSDEV,
    PROP_NO_MMAP,
    PROP_NO_IOMMU,
    N_PROPS,
};

static GParamSpec *props[N_PROPS];

/* --- regions --- */

static uint64_t eoi_read(void *opaque, hwaddr addr, unsigned size)
{
    VFIOPlatformRegion *r = opaque;
    uint64_t v = vfio_region_read(r->region, addr, size);

    vfio_platform_eoi(r->vdev);
    return v;
}

static void eoi_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    VFIOPlatformRegion *r = opaque;

    vfio_region_write(r->region, addr, value, size);
    vfio_platform_eoi(r->vdev);
}

static const MemoryRegionOps eoi_ops = {
    .read = eoi_read,
    .write = eoi_write,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 8},
};

static bool region_setup(VFIOPlatformDevice *vdev, VFIOPlatformRegion *r, uint32_t index,
                         GError **errp)
{
    g_autofree char *name = g_strdup_printf("%s region %u", vdev->vbasedev.name, index);
    g_autofree char *eoi_name = g_strdup_printf("%s region %u ack", vdev->vbasedev.name, index);
    MemoryRegion *mr;
    uint64_t size;

    r->vdev = vdev;
    r->region = vfio_region_setup(&vdev->vbasedev, index, name, errp);
    if (!r->region) {
        return false;
    }
    size = vfio_region_size(r->region);
    if (!size) {
        return true;
    }
    mr = vfio_region_get_memory(r->region);
    r->eoi = memory_region_new_io(eoi_name, size, &eoi_ops, r);
    memory_region_set_enabled(r->eoi, false);
    memory_region_add_subregion_overlap(mr, 0, r->eoi, VFIO_REGION_PRIORITY_OVERLAY);
    if (vfio_region_nr_mmaps(r->region)) {
        g_autoptr(GError) err = NULL;

        if (!vfio_region_mmap(r->region, &err)) {
            g_warning("%s: region %u stays trapped (slower): %s", vdev->what, index,
                      err->message);
        }
    }
    if (!hd_platform_bus_map_mmio(vdev->bus, HD_DEVICE(vdev), mr, &r->addr, errp)) {
        return false;
    }
    trace_vfio_platform_region(vdev->vbasedev.name, index, r->addr, size,
                               vfio_region_nr_mmaps(r->region));
    return true;
}

static bool regions_setup(VFIOPlatformDevice *vdev, GError **errp)
{
    uint32_t n = vdev->vbasedev.num_regions;

    vdev->regions = g_new0(VFIOPlatformRegion, n);
    for (uint32_t i = 0; i < n; i++) {
        vdev->nr_regions = i + 1;
        if (!region_setup(vdev, &vdev->regions[i], i, errp)) {
            return false;
        }
    }
    return true;
}

static void regions_free(VFIOPlatformDevice *vdev)
{
    for (unsigned i = 0; i < vdev->nr_regions; i++) {
        VFIOPlatformRegion *r = &vdev->regions[i];

        if (r->eoi) {
            memory_region_del_subregion(vfio_region_get_memory(r->region), r->eoi);
            g_clear_pointer(&r->eoi, memory_region_unref);
        }
        g_clear_pointer(&r->region, vfio_region_free);
    }
    g_clear_pointer(&vdev->regions, g_free);
    vdev->nr_regions = 0;
}

/* --- the host device --- */

/* The host driver bound to the device at @sysfsdev, or NULL. */
static char *host_driver(const char *sysfsdev)
{
    g_autofree char *link = g_build_filename(sysfsdev, "driver", NULL);
    g_autofree char *target = g_file_read_link(link, NULL);

    return target ? g_path_get_basename(target) : NULL;
}

/* The device name and sysfs path from host= or sysfsdev=. */
static bool device_name(VFIOPlatformDevice *vdev, char **name, GError **errp)
{
    VFIOPlatformDeviceClass *klass = VFIO_PLATFORM_DEVICE_GET_CLASS(vdev);

    if (vdev->host && vdev->sysfsdev) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "host=%s and sysfsdev=%s both name a device; give only one", vdev->host,
                    vdev->sysfsdev);
        return false;
    }
    if (vdev->sysfsdev) {
        g_autofree char *trimmed = g_strdup(vdev->sysfsdev);

        while (strlen(trimmed) > 1 && g_str_has_suffix(trimmed, "/")) {
            trimmed[strlen(trimmed) - 1] = '\0';
        }
        *name = g_path_get_basename(trimmed);
        vdev->vbasedev.sysfsdev = g_steal_pointer(&trimmed);
        return true;
    }
    if (vdev->host && *vdev->host && !strchr(vdev->host, '/')) {
        *name = g_strdup(vdev->host);
        vdev->vbasedev.sysfsdev =
            g_strdup_printf("/sys/bus/%s/devices/%s", klass->sysfs_bus, vdev->host);
        return true;
    }
    g_set_error(errp, VFIO_ERROR, EINVAL,
                "no host device given; add host=NAME (see ls /sys/bus/%s/devices) or sysfsdev=PATH",
                klass->sysfs_bus);
    return false;
}

/* The device exists and is bound to the VFIO driver this type needs; else say what to do. */
static bool host_check(VFIOPlatformDevice *vdev, const char *name, GError **errp)
{
    VFIOPlatformDeviceClass *klass = VFIO_PLATFORM_DEVICE_GET_CLASS(vdev);
    const char *sysfs = vdev->vbasedev.sysfsdev;
    g_autofree char *driver = NULL;

    if (!g_file_test(sysfs, G_FILE_TEST_IS_DIR)) {
        const char *other = !strcmp(klass->sysfs_bus, "amba") ? "platform" : "amba";
        g_autofree char *there = g_strdup_printf("/sys/bus/%s/devices/%s", other, name);

        if (!vdev->sysfsdev && g_file_test(there, G_FILE_TEST_IS_DIR)) {
            g_set_error(errp, VFIO_ERROR, ENODEV,
                        "host device %s is on the %s bus, not the %s bus; use -device vfio-%s",
                        name, other, klass->sysfs_bus, other);
        } else {
            g_set_error(errp, VFIO_ERROR, ENODEV,
                        "no host %s device %s (%s does not exist); list them with ls /sys/bus/%s/devices",
                        klass->sysfs_bus, name, sysfs, klass->sysfs_bus);
        }
        return false;
    }
    driver = host_driver(sysfs);
    if (!driver) {
        g_set_error(errp, VFIO_ERROR, ENODEV,
                    "host device %s is bound to no driver; bind it to %s: echo %s > %s/driver_override; echo %s > /sys/bus/%s/drivers_probe",
                    name, klass->driver, klass->driver, sysfs, name, klass->sysfs_bus);
        return false;
    }
    if (strcmp(driver, klass->driver) != 0) {
        g_set_error(errp, VFIO_ERROR, EBUSY,
                    "host device %s is bound to %s, not %s; hand it over: echo %s > %s/driver_override; echo %s > %s/driver/unbind; echo %s > /sys/bus/%s/drivers_probe",
                    name, driver, klass->driver, klass->driver, sysfs, name, sysfs, name,
                    klass->sysfs_bus);
        return false;
    }
    return true;
}

/* The host's device-tree compatible list (of_node/compatible, NUL-separated), or NULL. */
static char **host_compatible(const char *sysfsdev)
{
    g_autofree char *path = g_build_filename(sysfsdev, "of_node", "compatible", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GPtrArray) list = g_ptr_array_new();
    gsize len;

    if (!g_file_get_contents(path, &text, &len, NULL) || !len) {
        return NULL;
    }
    for (gsize at = 0; at < len;) {
        const char *s = text + at;
        gsize n = strnlen(s, len - at);

        if (n) {
            g_ptr_array_add(list, g_strndup(s, n));
        }
        at += n + 1;
    }
    g_ptr_array_add(list, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&list), FALSE);
}

/* A node name stem: "pl031" from "9010000.pl031", else the name, in device-tree characters. */
static char *node_stem(const char *name)
{
    const char *dot = strchr(name, '.');
    char *stem = g_strdup(dot && dot[1] ? dot + 1 : name);

    for (char *p = stem; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr(",._+-", *p)) {
            *p = '-';
        }
    }
    return stem;
}

/* --- life cycle --- */

static void platform_cleanup(VFIOPlatformDevice *vdev)
{
    vfio_platform_irqs_teardown(vdev);
    if (vdev->bus) {
        hd_platform_bus_release(vdev->bus, HD_DEVICE(vdev));
    }
    regions_free(vdev);
    if (vdev->vbasedev.attached) {
        trace_vfio_platform_detach(vdev->vbasedev.name);
        vfio_detach_device(&vdev->vbasedev);
    }
    vfio_device_clear(&vdev->vbasedev);
    vdev->bus = NULL;
}

static bool platform_do_realize(VFIOPlatformDevice *vdev, GError **errp)
{
    VFIOPlatformDeviceClass *klass = VFIO_PLATFORM_DEVICE_GET_CLASS(vdev);
    HdBus *bus = hd_device_get_parent_bus(HD_DEVICE(vdev));
    g_autofree char *name = NULL;
    g_auto(GStrv) compatible = NULL;
    g_autofree char *stem = NULL;

    vfio_device_init(&vdev->vbasedev, NULL);
    vdev->vbasedev.no_mmap = vdev->no_mmap;
    vdev->vbasedev.no_iommu = vdev->no_iommu;
    if (!bus || !HD_IS_PLATFORM_BUS(bus)) {
        g_set_error(errp, VFIO_ERROR, ENODEV,
                    "needs a machine with a platform bus; use -machine virt");
        return false;
    }
    vdev->bus = HD_PLATFORM_BUS(bus);
    if (!device_name(vdev, &name, errp)) {
        return false;
    }
    {
        g_autofree char *what = hd_device_describe(HD_DEVICE(vdev));

        g_free(vdev->what);
        vdev->what = g_strdup_printf("%s (%s)", what, name);
    }
    if (!host_check(vdev, name, errp)) {
        return false;
    }
    trace_vfio_platform_realize(name, vdev->vbasedev.sysfsdev);
    if (!vfio_attach_device(name, &vdev->vbasedev, memory_system_address_space(), errp)) {
        return false;
    }
    if (!(vdev->vbasedev.flags & klass->device_flag)) {
        g_set_error(errp, VFIO_ERROR, ENODEV,
                    "%s is not a VFIO %s device (device flags 0x%x); use the vfio frontend of its bus (vfio-platform, vfio-amba or vfio-pci)",
                    name, klass->sysfs_bus, vdev->vbasedev.flags);
        return false;
    }
    if (!regions_setup(vdev, errp)) {
        return false;
    }
    compatible = host_compatible(vdev->vbasedev.sysfsdev);
    if (!compatible) {
        g_warning("%s: the host device has no of_node/compatible; the guest's device tree gets no node for it",
                  vdev->what);
    }
    stem = node_stem(name);
    hd_platform_bus_describe(vdev->bus, HD_DEVICE(vdev), stem, (const char *const *)compatible);
    if (!vfio_platform_irqs_setup(vdev, errp)) {
        return false;
    }
    if (!vdev->vbasedev.reset_works) {
        g_warning("%s: the host kernel offers no reset for this device (no VFIO_DEVICE_FLAGS_RESET; vfio-amba never has one, vfio-platform needs a reset module for its compatible); system_reset leaves its state as it is",
                  vdev->what);
    }
    return true;
}

static bool vfio_platform_realize(HdDevice *dev, GError **errp)
{
    VFIOPlatformDevice *vdev = VFIO_PLATFORM_DEVICE(dev);
    GError *err = NULL;

    if (!platform_do_realize(vdev, &err)) {
        g_autofree char *what = vdev->what ? g_strdup(vdev->what) : hd_device_describe(dev);

        platform_cleanup(vdev);
        g_propagate_prefixed_error(errp, err, "%s: ", what);
        return false;
    }
    return true;
}

static void vfio_platform_unrealize(HdDevice *dev)
{
    platform_cleanup(VFIO_PLATFORM_DEVICE(dev));
}

static void vfio_platform_reset(HdDevice *dev)
{
    VFIOPlatformDevice *vdev = VFIO_PLATFORM_DEVICE(dev);
    int ret;

    if (!vdev->vbasedev.attached || !vdev->vbasedev.reset_works) {
        return;
    }
    ret = vfio_device_reset(&vdev->vbasedev);
    trace_vfio_platform_reset(vdev->vbasedev.name, ret);
    if (ret < 0) {
        g_warning("%s: VFIO_DEVICE_RESET failed: %s", vdev->what, g_strerror(-ret));
    }
    vfio_platform_eoi(vdev); /* a level IRQ the reset cleared must not stay up or masked */
}

/* --- the types --- */

static void vfio_platform_set_property(GObject *obj, guint prop_id, const GValue *value,
                                       GParamSpec *pspec)
{
    VFIOPlatformDevice *vdev = VFIO_PLATFORM_DEVICE(obj);

    switch (prop_id) {
    case PROP_HOST:
        g_free(vdev->host);
        vdev->host = g_value_dup_string(value);
        break;
    case PROP_SYSFSDEV:
        g_free(vdev->sysfsdev);
        vdev->sysfsdev = g_value_dup_string(value);
        break;
    case PROP_NO_MMAP:
        vdev->no_mmap = g_value_get_boolean(value);
        break;
    case PROP_NO_IOMMU:
        vdev->no_iommu = g_value_get_boolean(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void vfio_platform_get_property(GObject *obj, guint prop_id, GValue *value,
                                       GParamSpec *pspec)
{
    VFIOPlatformDevice *vdev = VFIO_PLATFORM_DEVICE(obj);

    switch (prop_id) {
    case PROP_HOST:
        g_value_set_string(value, vdev->host);
        break;
    case PROP_SYSFSDEV:
        g_value_set_string(value, vdev->sysfsdev);
        break;
    case PROP_NO_MMAP:
        g_value_set_boolean(value, vdev->no_mmap);
        break;
    case PROP_NO_IOMMU:
        g_value_set_boolean(value, vdev->no_iommu);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void vfio_platform_finalize(GObject *obj)
{
    VFIOPlatformDevice *vdev = VFIO_PLATFORM_DEVICE(obj);

    vfio_device_clear(&vdev->vbasedev);
    g_free(vdev->host);
    g_free(vdev->sysfsdev);
    g_free(vdev->what);
    G_OBJECT_CLASS(vfio_platform_device_parent_class)->finalize(obj);
}

static void vfio_platform_device_class_init(VFIOPlatformDeviceClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);
    const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

    oc->set_property = vfio_platform_set_property;
    oc->get_property = vfio_platform_get_property;
    oc->finalize = vfio_platform_finalize;
    dc->bus_type = HD_PLATFORM_BUS_KIND;
    dc->realize = vfio_platform_realize;
    dc->unrealize = vfio_platform_unrealize;
    dc->reset = vfio_platform_reset;
    props[PROP_HOST] = g_param_spec_string("host", "host", "host device name (see /sys/bus/platform/devices or /sys/bus/amba/devices)", NULL, rw);
    props[PROP_SYSFSDEV] = g_param_spec_string("sysfsdev", "sysfsdev",
                                               "sysfs directory of the host device", NULL, rw);
    props[PROP_NO_MMAP] = g_param_spec_boolean("x-no-mmap", "x-no-mmap",
                                               "trap every register access (no mmap)", FALSE,
                                               rw);
    props[PROP_NO_IOMMU] = g_param_spec_boolean("x-no-iommu", "x-no-iommu",
                                                "accept a no-IOMMU group: UNSAFE, the device can DMA to all host memory",
                                                FALSE, rw);
    g_object_class_install_properties(oc, N_PROPS, props);
}

static void vfio_platform_device_init(VFIOPlatformDevice *vdev)
{
    vfio_device_init(&vdev->vbasedev, NULL);
}

static void platform_leaf_class_init(gpointer klass, gpointer data)
{
    VFIOPlatformDeviceClass *pc = klass;
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);
    bool amba = GPOINTER_TO_INT(data);

    pc->device_flag = amba ? VFIO_DEVICE_FLAGS_AMBA : VFIO_DEVICE_FLAGS_PLATFORM;
    pc->driver = amba ? "vfio-amba" : "vfio-platform";
    pc->sysfs_bus = amba ? "amba" : "platform";
    dc->description = amba ? "a host AMBA (PrimeCell) device assigned through VFIO"
                           : "a host platform device assigned through VFIO";
    dc->user_creatable = true;
}

static GType leaf_type(const char *type_name, bool amba)
{
    const GTypeInfo info = {
        .class_size = sizeof(VFIOPlatformDeviceClass),
        .class_init = platform_leaf_class_init,
        .class_data = GINT_TO_POINTER(amba),
        .instance_size = sizeof(VFIOPlatformDevice),
    };

    return g_type_register_static(VFIO_TYPE_PLATFORM_DEVICE, type_name, &info, 0);
}

void vfio_platform_register_types(void)
{
    static gsize done;

    vfio_register_types();
    if (g_once_init_enter(&done)) {
        hd_type_register("vfio-platform", leaf_type("VFIOPlatformLeaf", false));
        hd_type_register("vfio-amba", leaf_type("VFIOAmbaLeaf", true));
        g_once_init_leave(&done, 1);
    }
}
