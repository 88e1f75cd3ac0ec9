/*
 * vfio-pci: the device type. Properties, realize (attach, BARs as mmap'd or trapped
 * regions, expansion ROM, config space, interrupts), reset (FLR, PM or bus hot reset),
 * unrealize (everything released, every fd closed).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pci/msix.h"
#include "hw/pci/pci-migration.h"
#include "monitor/monitor.h"
#include "pci.h"
#include "qom/object.h"
#include "qom/tree.h"
#include "system/machine.h"
#include "trace.h"

G_DEFINE_FINAL_TYPE(VFIOPciDevice, vfio_pci_device, HD_TYPE_PCI_DEVICE)

enum {
    PROP_0,
    PROP_HOST,
    PROP_SYSFSDEV,
    PROP_NO_MMAP,
    PROP_NO_IOMMU,
    PROP_IOMMUFD,
    PROP_FD,
    PROP_VF_TOKEN,
    PROP_EXTCAP_INIT,
    PROP_MSIX_RELOCATION,
    PROP_VENDOR_ID,
    PROP_DEVICE_ID,
    PROP_SUB_VENDOR_ID,
    PROP_SUB_DEVICE_ID,
    PROP_ENABLE_MIGRATION,
    PROP_PRE_COPY_DIRTY_TRACKING,
    PROP_DISPLAY,
    PROP_RAMFB,
    N_PROPS,
};

static GParamSpec *props[N_PROPS];

/* --- BARs --- */

static uint64_t pow2_at_least(uint64_t v, uint64_t min)
{
    uint64_t p = min;

    while (p < v && p < (1ULL << 63)) {
        p <<= 1;
    }
    return p;
}

static uint64_t eoi_read(void *opaque, hwaddr addr, unsigned size)
{
    VFIOPciBar *bar = opaque;
    uint64_t v = addr < bar->size ? vfio_region_read(bar->region, addr, size) : ~0ULL;

    vfio_pci_intx_eoi(bar->vdev);
    return v;
}

static void eoi_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    VFIOPciBar *bar = opaque;

    if (addr < bar->size) {
        vfio_region_write(bar->region, addr, value, size);
    }
    vfio_pci_intx_eoi(bar->vdev);
}

static const MemoryRegionOps eoi_ops = {
    .read = eoi_read,
    .write = eoi_write,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 8},
};

static bool bar_setup(VFIOPciDevice *vdev, int i, GError **errp)
{
    VFIOPciBar *bar = &vdev->bars[i];
    g_autofree char *name = g_strdup_printf("%s BAR %d", vdev->vbasedev.name, i);
    g_autofree char *eoi_name = g_strdup_printf("%s BAR %d INTx EOI", vdev->vbasedev.name, i);
    uint32_t raw;
    uint64_t size;
    int ret;

    bar->vdev = vdev;
    bar->region = vfio_region_setup(&vdev->vbasedev, VFIO_PCI_BAR0_REGION_INDEX + i, name, errp);
    if (!bar->region) {
        return false;
    }
    size = vfio_region_size(bar->region);
    if (size == 0) {
        g_clear_pointer(&bar->region, vfio_region_free);
        return true;
    }
    /* Its type comes from the device (a failed read must not make a memory BAR I/O). */
    ret = vfio_device_pread(&vdev->vbasedev, &raw, sizeof(raw),
                            vdev->config_offset + PCI_BASE_ADDRESS_0 + 4 * i);
    if (ret < 0) {
        g_set_error(errp, VFIO_ERROR, -ret,
                    "cannot read BAR %d's type from config space (pread): %s", i,
                    g_strerror(-ret));
        return false;
    }
    raw = le32toh(raw);
    if (raw & PCI_BASE_ADDRESS_SPACE_IO) {
        bar->type = PCI_BASE_ADDRESS_SPACE_IO;
    } else {
        bar->type = PCI_BASE_ADDRESS_SPACE_MEMORY |
                    (raw & (PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH));
        if ((bar->type & PCI_BASE_ADDRESS_MEM_TYPE_64) && i == 5) {
            bar->type &= ~PCI_BASE_ADDRESS_MEM_TYPE_64;
        }
    }
    bar->size = size;
    bar->mr = memory_region_new_container(
        name, pow2_at_least(size, bar->type & PCI_BASE_ADDRESS_SPACE_IO ? 4 : 16));
    memory_region_add_subregion(bar->mr, 0, vfio_region_get_memory(bar->region));
    /* Below the MSI-X table and PBA (same priority, added later), above the device region. */
    bar->eoi = memory_region_new_io(eoi_name, memory_region_size(bar->mr), &eoi_ops, bar);
    memory_region_set_enabled(bar->eoi, false);
    memory_region_add_subregion_overlap(bar->mr, 0, bar->eoi, 1);
    vfio_pci_msix_register_bar(vdev, i, bar->type, bar->mr);
    if (bar->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
        vdev->bars[i + 1].mem64_upper = true;
    }
    trace_vfio_pci_bar(vdev->vbasedev.name, i, bar->type, size, vfio_region_nr_mmaps(bar->region));
    return true;
}

static void bars_mmap(VFIOPciDevice *vdev)
{
    for (int i = 0; i < 6; i++) {
        g_autoptr(GError) err = NULL;

        if (vdev->bars[i].region && vfio_region_nr_mmaps(vdev->bars[i].region) &&
            !vfio_region_mmap(vdev->bars[i].region, &err)) {
            g_warning("%s: BAR %d stays on the slow path: %s", vdev->what, i, err->message);
        }
    }
}

static void bars_free(VFIOPciDevice *vdev)
{
    for (int i = 0; i < 6; i++) {
        VFIOPciBar *bar = &vdev->bars[i];

        if (bar->mr) {
            memory_region_del_subregion(bar->mr, bar->eoi);
            memory_region_del_subregion(bar->mr, vfio_region_get_memory(bar->region));
        }
        g_clear_pointer(&bar->eoi, memory_region_unref);
        g_clear_pointer(&bar->mr, memory_region_unref);
        g_clear_pointer(&bar->region, vfio_region_free);
        memset(bar, 0, sizeof(*bar));
    }
}

/* --- expansion ROM --- */

static uint64_t rom_read(void *opaque, hwaddr addr, unsigned size)
{
    VFIOPciDevice *vdev = opaque;
    uint64_t v = 0;

    if (!vdev->rom_data) {
        vdev->rom_data = g_malloc(vdev->rom_size);
        if (vfio_device_pread(&vdev->vbasedev, vdev->rom_data, vdev->rom_size, vdev->rom_offset) <
            0) {
            memset(vdev->rom_data, 0xff, vdev->rom_size);
        }
    }
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = addr + i < vdev->rom_size ? vdev->rom_data[addr + i] : 0xff;

        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static void rom_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)value;
    (void)size;
}

static const MemoryRegionOps rom_ops = {
    .read = rom_read,
    .write = rom_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

static void rom_setup(VFIOPciDevice *vdev)
{
    HdPciDevice *dev = HD_PCI_DEVICE(vdev);
    g_autofree struct vfio_region_info *info = NULL;
    g_autofree char *name = NULL;

    /* rombar=0 hides it; romfile= is loaded by the PCI core instead. */
    if (!pci_device_get_rombar(dev) || pci_device_get_romfile(dev) ||
        vdev->vbasedev.num_regions <= VFIO_PCI_ROM_REGION_INDEX ||
        vfio_get_region_info(&vdev->vbasedev, VFIO_PCI_ROM_REGION_INDEX, &info) < 0 ||
        info->size == 0) {
        return;
    }
    vdev->rom_size = info->size;
    vdev->rom_offset = info->offset;
    name = g_strdup_printf("%s ROM", vdev->vbasedev.name);
    vdev->rom = memory_region_new_io(name, pow2_at_least(info->size, 2048), &rom_ops, vdev);
    memory_region_set_readonly(vdev->rom, true);
    pci_register_bar(dev, PCI_ROM_SLOT, 0, vdev->rom);
    trace_vfio_pci_rom(vdev->vbasedev.name, info->size);
}

/* --- migration --- */

static bool migration_save_pci(void *opaque, HdMigSink *sink, GError **errp)
{
    uint8_t intx[VFIO_PCI_INTX_MIG_SIZE];

    vfio_pci_intx_save(opaque, intx); /* first: a trigger it takes in raises the PCI line */
    return pci_device_save_state(HD_PCI_DEVICE(opaque), sink, errp) &&
           hd_mig_put(sink, VFIO_PCI_INTX_MIG_KIND, intx, sizeof(intx), errp);
}

static bool migration_load_pci(void *opaque, const char *kind, const uint8_t *data, size_t len,
                               GError **errp)
{
    VFIOPciDevice *vdev = opaque;

    if (!strcmp(kind, VFIO_PCI_INTX_MIG_KIND)) {
        return vfio_pci_intx_load(vdev, data, len, errp);
    }
    if (strcmp(kind, PCI_MIGRATION_KIND)) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "%s: unexpected migration section '%s'; source and destination must run the same hostdev",
                    vdev->what, kind);
        return false;
    }
    return pci_device_load_state(HD_PCI_DEVICE(vdev), data, len, errp);
}

static const VFIOMigrationClient migration_client = {
    .save_state = migration_save_pci,
    .load_state = migration_load_pci,
};

/*
 * enable-migration: a device whose driver offers VFIO migration v2 (and whose DMA is tracked,
 * or with =on) registers its state; otherwise a blocker names it and says why, or with =on
 * realize fails.
 */
static bool migration_setup(VFIOPciDevice *vdev, GError **errp)
{
    VFIOMigrationMode mode;
    VFIOMigrationVerdict verdict;
    g_autofree char *reason = NULL;
    uint64_t flags = 0;
    int ret = 0;

    if (!vfio_migration_mode_parse(vdev->enable_migration, &mode, errp)) {
        return false;
    }
    if (mode != VFIO_MIGRATION_MODE_OFF) {
        ret = vfio_migration_probe(&vdev->vbasedev, &flags);
    }
    verdict = vfio_migration_decide(mode, ret, flags, vfio_migration_dma_tracked(&vdev->vbasedev),
                                    &reason);
    switch (verdict) {
    case VFIO_MIGRATION_REFUSE:
        g_set_error(errp, VFIO_ERROR, ret < 0 ? -ret : ENOTSUP,
                    "enable-migration=on but %s; use enable-migration=auto to run it without migration",
                    reason);
        return false;
    case VFIO_MIGRATION_BLOCK: {
        g_autofree char *text = g_strdup_printf("%s: %s", vdev->what, reason);

        hd_migration_add_blocker(vdev, text);
        return true;
    }
    case VFIO_MIGRATION_MIGRATE:
        break;
    }
    if (reason) {
        g_warning("%s: %s", vdev->what, reason);
    }
    vdev->migration = vfio_migration_new(&vdev->vbasedev, flags, vdev->pre_copy_dirty_tracking,
                                         &migration_client, vdev);
    hd_migration_register_device(HD_DEVICE(vdev), &vfio_migration_ops, vdev->migration);
    return true;
}

static void migration_teardown(VFIOPciDevice *vdev)
{
    hd_migration_remove_blockers(vdev);
    if (vdev->migration) {
        hd_migration_unregister(vdev->migration);
        g_clear_pointer(&vdev->migration, vfio_migration_free);
    }
}

/* --- life cycle --- */

static void vfio_pci_cleanup(VFIOPciDevice *vdev)
{
    g_clear_pointer(&vdev->display_state, vfio_display_free);
    migration_teardown(vdev);
    vfio_pci_irq_teardown(vdev);
    bars_free(vdev);
    g_clear_pointer(&vdev->rom, memory_region_unref);
    g_clear_pointer(&vdev->rom_data, g_free);
    if (vdev->vbasedev.attached) {
        trace_vfio_pci_detach(vdev->vbasedev.name);
        vfio_detach_device(&vdev->vbasedev);
    }
    vfio_device_clear(&vdev->vbasedev);
    g_clear_object(&vdev->iommufd);
    memset(vdev->emulated, 0, sizeof(vdev->emulated));
    memset(vdev->nowrite, 0, sizeof(vdev->nowrite));
    vdev->msi_cap = vdev->msix_cap = vdev->pm_cap = vdev->exp_cap = 0;
    vdev->intx_pin = 0;
}

const VFIODeviceOps vfio_pci_device_ops = {
    .compute_needs_reset = vfio_pci_compute_needs_reset,
    .hot_reset_multi = vfio_pci_hot_reset_multi,
};

/* "0000:00:04.0" from "0000:00:04.0" or "00:04.0"; NULL when it is not an address. */
static char *host_normalize(const char *host)
{
    unsigned dom = 0, bus, slot, fn;
    char tail;

    if (sscanf(host, "%x:%x:%x.%x%c", &dom, &bus, &slot, &fn, &tail) != 4) {
        dom = 0;
        if (sscanf(host, "%x:%x.%x%c", &bus, &slot, &fn, &tail) != 3) {
            return NULL;
        }
    }
    if (dom > 0xffff || bus > 0xff || slot > 0x1f || fn > 7) {
        return NULL;
    }
    return g_strdup_printf("%04x:%02x:%02x.%x", dom, bus, slot, fn);
}

/* The device name and sysfs path from host= or sysfsdev=. */
static bool device_name(VFIOPciDevice *vdev, char **name, GError **errp)
{
    if (vdev->host && vdev->sysfsdev) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "host=%s and sysfsdev=%s both name a device; give only one", vdev->host,
                    vdev->sysfsdev);
        return false;
    }
    if (vdev->sysfsdev) {
        g_autofree char *trimmed = g_strdup(vdev->sysfsdev);
        size_t len = strlen(trimmed);

        while (len > 1 && trimmed[len - 1] == '/') {
            trimmed[--len] = '\0';
        }
        *name = g_path_get_basename(trimmed);
        vdev->vbasedev.sysfsdev = g_steal_pointer(&trimmed);
        return true;
    }
    if (vdev->host) {
        *name = host_normalize(vdev->host);
        if (!*name) {
            g_set_error(errp, VFIO_ERROR, EINVAL,
                        "host=%s is not a PCI address; write it as DDDD:BB:DD.F (see lspci -D)",
                        vdev->host);
            return false;
        }
        vdev->vbasedev.sysfsdev = g_strdup_printf("/sys/bus/pci/devices/%s", *name);
        return true;
    }
    if (vdev->fd_text) {
        /* fd= alone (as libvirt passes a cdev): the name comes from the fd, see below. */
        *name = NULL;
        return true;
    }
    g_set_error(
        errp, VFIO_ERROR, EINVAL,
        "no host device given; add host=DDDD:BB:DD.F or sysfsdev=/sys/bus/mdev/devices/UUID");
    return false;
}

/*
 * The device behind a passed vfio cdev fd: /proc/self/fd/N is /dev/vfio/devices/vfioX, whose
 * sysfs node /sys/class/vfio-dev/vfioX/device is the PCI function or mdev. Its basename
 * (an address or UUID) names the device, as host= or sysfsdev= would have.
 */
static bool device_name_from_fd(VFIOPciDevice *vdev, char **name, GError **errp)
{
    g_autofree char *link = g_strdup_printf("/proc/self/fd/%d", vdev->vbasedev.fd);
    g_autofree char *cdev = g_file_read_link(link, NULL);
    g_autofree char *node = NULL;
    g_autofree char *sysfs = NULL;

    if (cdev && g_str_has_prefix(cdev, "/dev/vfio/devices/")) {
        node =
            g_strdup_printf("/sys/class/vfio-dev/%s/device", cdev + strlen("/dev/vfio/devices/"));
        sysfs = realpath(node, NULL);
    }
    if (!sysfs) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "fd=%s is not a vfio device cdev (/dev/vfio/devices/vfioN): pass the cdev of the device, or give host=",
                    vdev->fd_text);
        return false;
    }
    *name = g_path_get_basename(sysfs);
    g_free(vdev->vbasedev.sysfsdev);
    vdev->vbasedev.sysfsdev = g_steal_pointer(&sysfs);
    return true;
}

static bool backend_setup(VFIOPciDevice *vdev, GError **errp)
{
    if (vdev->iommufd_id) {
        HdTree *tree = hd_qom_tree();
        g_autofree char *path = g_strdup_printf("/objects/%s", vdev->iommufd_id);
        GObject *obj = tree ? hd_tree_resolve(tree, path, NULL) : NULL;

        if (!obj || g_strcmp0(hd_type_name(G_OBJECT_TYPE(obj)), "iommufd")) {
            g_set_error(
                errp, VFIO_ERROR, ENOENT,
                "iommufd=%s names no iommufd object; create it first with -object iommufd,id=%s",
                vdev->iommufd_id, vdev->iommufd_id);
            return false;
        }
        vdev->iommufd = g_object_ref(obj);
        vdev->vbasedev.iommufd = obj;
    }
    if (vdev->fd_text) {
        int fd;

        if (!vdev->iommufd) {
            g_set_error(errp, VFIO_ERROR, EINVAL,
                        "fd=%s passes a vfio cdev, which needs the iommufd backend; add iommufd=ID with -object iommufd,id=ID",
                        vdev->fd_text);
            return false;
        }
        fd = monitor_fd_get(vdev->fd_text, errp);
        if (fd < 0) {
            g_prefix_error(errp, "fd=%s: ", vdev->fd_text);
            return false;
        }
        vdev->vbasedev.fd = fd;
    }
    return true;
}

/* display=on|auto: the device's display plane as a console named by the device's id. */
static bool display_setup(VFIOPciDevice *vdev, GError **errp)
{
    const char *id = hd_device_get_id(HD_DEVICE(vdev));
    VFIODisplayMode mode;

    g_autofree char *what = NULL;
    HdRamfb *fb;

    if (!vfio_display_mode_parse(vdev->display, &mode, errp)) {
        return false;
    }
    if (vdev->ramfb && mode != VFIO_DISPLAY_ON) {
        g_set_error(errp, VFIO_ERROR, EINVAL, "ramfb=on needs display=on");
        return false;
    }
    if (!vfio_display_setup(&vdev->vbasedev, id ? id : vdev->vbasedev.name, mode,
                            &vdev->display_state, errp)) {
        return false;
    }
    if (!vdev->ramfb) {
        return true;
    }
    what = hd_device_describe(HD_DEVICE(vdev));
    fb = hd_ramfb_new(what, errp);
    if (!fb) {
        return false;
    }
    vfio_display_set_ramfb(vdev->display_state, fb);
    return true;
}

static bool vfio_pci_do_realize(VFIOPciDevice *vdev, GError **errp)
{
    HdPciDevice *dev = HD_PCI_DEVICE(vdev);
    g_autofree struct vfio_region_info *cfg = NULL;
    g_autofree char *name = NULL;
    int ret;

    vfio_device_init(&vdev->vbasedev, &vfio_pci_device_ops);
    vdev->vbasedev.no_mmap = vdev->no_mmap;
    vdev->vbasedev.no_iommu = vdev->no_iommu;
    if (vdev->vf_token && !g_uuid_string_is_valid(vdev->vf_token)) {
        g_set_error(errp, VFIO_ERROR, EINVAL,
                    "vf-token=%s is not a UUID; give the PF's token as xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
                    vdev->vf_token);
        return false;
    }
    vdev->vbasedev.vf_token = vdev->vf_token;
    if (!device_name(vdev, &name, errp) || !backend_setup(vdev, errp)) {
        return false;
    }
    if (!name && !device_name_from_fd(vdev, &name, errp)) {
        return false;
    }
    {
        g_autofree char *what = hd_device_describe(HD_DEVICE(vdev));

        g_free(vdev->what);
        vdev->what = g_strdup_printf("%s (%s)", what, name);
    }
    trace_vfio_pci_realize(name, vdev->vbasedev.sysfsdev, vdev->iommufd_id ? "iommufd" : "legacy");
    if (!vfio_attach_device(name, &vdev->vbasedev, pci_get_address_space(dev), errp)) {
        return false;
    }
    if (!(vdev->vbasedev.flags & VFIO_DEVICE_FLAGS_PCI) ||
        vdev->vbasedev.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX) {
        g_set_error(errp, VFIO_ERROR, ENODEV,
                    "%s is not a VFIO PCI device (flags 0x%x, %u regions); use the vfio driver that matches its bus",
                    name, vdev->vbasedev.flags, vdev->vbasedev.num_regions);
        return false;
    }
    ret = vfio_get_region_info(&vdev->vbasedev, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
    if (ret < 0 || cfg->size < PCI_STD_HEADER_SIZEOF) {
        g_set_error(errp, VFIO_ERROR, ret < 0 ? -ret : EINVAL,
                    "cannot read the config space region info: %s",
                    ret < 0 ? g_strerror(-ret) : "region too small");
        return false;
    }
    vdev->config_offset = cfg->offset;
    vdev->config_size = cfg->size;
    /* A PF takes the token its VFs will be opened with; -ENOTTY: not a PF (a VF presented
     * the token at open). */
    ret = vdev->vf_token ? vfio_device_set_vf_token(&vdev->vbasedev, vdev->vf_token) : 0;
    if (ret < 0 && ret != -ENOTTY) {
        g_set_error(errp, VFIO_ERROR, -ret, "cannot set vf-token=%s on the PF: %s",
                    vdev->vf_token, g_strerror(-ret));
        return false;
    }
    if (!vfio_pci_msix_plan(vdev, errp)) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        if (!vdev->bars[i].mem64_upper && !bar_setup(vdev, i, errp)) {
            return false;
        }
    }
    if (!vfio_pci_config_setup(vdev, errp)) {
        return false;
    }
    rom_setup(vdev);
    bars_mmap(vdev);
    if (!vfio_pci_irq_setup(vdev, errp)) {
        return false;
    }
    if (!migration_setup(vdev, errp) || !display_setup(vdev, errp)) {
        return false;
    }
    trace_vfio_pci_realized(name, pci_get_word(pci_config(dev) + PCI_VENDOR_ID),
                            pci_get_word(pci_config(dev) + PCI_DEVICE_ID),
                            vfio_pci_reset_method_name(vdev->reset_method));
    return true;
}

static bool vfio_pci_realize(HdPciDevice *dev, GError **errp)
{
    VFIOPciDevice *vdev = VFIO_PCI_DEVICE(dev);
    GError *err = NULL;

    if (!vfio_pci_do_realize(vdev, &err)) {
        g_autofree char *what =
            vdev->what ? g_strdup(vdev->what) : hd_device_describe(HD_DEVICE(vdev));

        vfio_pci_cleanup(vdev);
        g_propagate_prefixed_error(errp, err, "%s: ", what);
        return false;
    }
    return true;
}

static void vfio_pci_exit(HdPciDevice *dev)
{
    VFIOPciDevice *vdev = VFIO_PCI_DEVICE(dev);

    vfio_pci_cleanup(vdev);
}

static void vfio_pci_reset(HdPciDevice *dev)
{
    /* The PCI core has disabled MSI/MSI-X (INTx is back on) and restored config space. */
    vfio_pci_device_reset(VFIO_PCI_DEVICE(dev));
}

/* --- the type --- */

static void vfio_pci_set_property(GObject *obj, guint prop_id, const GValue *value,
                                  GParamSpec *pspec)
{
    VFIOPciDevice *vdev = VFIO_PCI_DEVICE(obj);

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
    case PROP_IOMMUFD:
        g_free(vdev->iommufd_id);
        vdev->iommufd_id = g_value_dup_string(value);
        break;
    case PROP_FD:
        g_free(vdev->fd_text);
        vdev->fd_text = g_value_dup_string(value);
        break;
    case PROP_VF_TOKEN:
        g_free(vdev->vf_token);
        vdev->vf_token = g_value_dup_string(value);
        break;
    case PROP_EXTCAP_INIT:
        vdev->extcap_init = g_value_get_boolean(value);
        break;
    case PROP_RAMFB:
        vdev->ramfb = g_value_get_boolean(value);
        break;
    case PROP_MSIX_RELOCATION:
        g_free(vdev->msix_relocation);
        vdev->msix_relocation = g_value_dup_string(value);
        break;
    case PROP_VENDOR_ID:
        vdev->vendor_id = g_value_get_uint(value);
        break;
    case PROP_DEVICE_ID:
        vdev->device_id = g_value_get_uint(value);
        break;
    case PROP_SUB_VENDOR_ID:
        vdev->sub_vendor_id = g_value_get_uint(value);
        break;
    case PROP_SUB_DEVICE_ID:
        vdev->sub_device_id = g_value_get_uint(value);
        break;
    case PROP_ENABLE_MIGRATION:
        g_free(vdev->enable_migration);
        vdev->enable_migration = g_value_dup_string(value);
        break;
    case PROP_DISPLAY:
        g_free(vdev->display);
        vdev->display = g_value_dup_string(value);
        break;
    case PROP_PRE_COPY_DIRTY_TRACKING:
        vdev->pre_copy_dirty_tracking = g_value_get_boolean(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void vfio_pci_get_property(GObject *obj, guint prop_id, GValue *value, GParamSpec *pspec)
{
    VFIOPciDevice *vdev = VFIO_PCI_DEVICE(obj);

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
    case PROP_IOMMUFD:
        g_value_set_string(value, vdev->iommufd_id);
        break;
    case PROP_FD:
        g_value_set_string(value, vdev->fd_text);
        break;
    case PROP_VF_TOKEN:
        g_value_set_string(value, vdev->vf_token);
        break;
    case PROP_EXTCAP_INIT:
        g_value_set_boolean(value, vdev->extcap_init);
        break;
    case PROP_RAMFB:
        g_value_set_boolean(value, vdev->ramfb);
        break;
    case PROP_MSIX_RELOCATION:
        g_value_set_string(value, vdev->msix_relocation);
        break;
    case PROP_VENDOR_ID:
        g_value_set_uint(value, vdev->vendor_id);
        break;
    case PROP_DEVICE_ID:
        g_value_set_uint(value, vdev->device_id);
        break;
    case PROP_SUB_VENDOR_ID:
        g_value_set_uint(value, vdev->sub_vendor_id);
        break;
    case PROP_SUB_DEVICE_ID:
        g_value_set_uint(value, vdev->sub_device_id);
        break;
    case PROP_ENABLE_MIGRATION:
        g_value_set_string(value, vdev->enable_migration ? vdev->enable_migration : "auto");
        break;
    case PROP_PRE_COPY_DIRTY_TRACKING:
        g_value_set_boolean(value, vdev->pre_copy_dirty_tracking);
        break;
    case PROP_DISPLAY:
        g_value_set_string(value, vdev->display ? vdev->display : "off");
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void vfio_pci_finalize(GObject *obj)
{
    VFIOPciDevice *vdev = VFIO_PCI_DEVICE(obj);

    vfio_device_clear(&vdev->vbasedev);
    g_clear_object(&vdev->iommufd);
    g_free(vdev->host);
    g_free(vdev->sysfsdev);
    g_free(vdev->iommufd_id);
    g_free(vdev->fd_text);
    g_free(vdev->vf_token);
    g_free(vdev->msix_relocation);
    g_free(vdev->enable_migration);
    g_free(vdev->display);
    g_free(vdev->what);
    G_OBJECT_CLASS(vfio_pci_device_parent_class)->finalize(obj);
}

static void vfio_pci_device_class_init(VFIOPciDeviceClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);
    HdPciDeviceClass *pc = HD_PCI_DEVICE_CLASS(klass);
    const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

    oc->set_property = vfio_pci_set_property;
    oc->get_property = vfio_pci_get_property;
    oc->finalize = vfio_pci_finalize;
    dc->description = "a host PCI device or PCI mdev assigned through VFIO";
    dc->user_creatable = true;
    pc->realize = vfio_pci_realize;
    pc->exit = vfio_pci_exit;
    pc->reset = vfio_pci_reset;
    pc->config_read = vfio_pci_config_read;
    pc->config_write = vfio_pci_config_write;
    pc->own_migration = true; /* one handler: device data, then "pci-config" */

    props[PROP_HOST] =
        g_param_spec_string("host", "host", "host PCI address DDDD:BB:DD.F", NULL, rw);
    props[PROP_SYSFSDEV] = g_param_spec_string(
        "sysfsdev", "sysfsdev", "sysfs directory of the device (e.g. an mdev)", NULL, rw);
    props[PROP_NO_MMAP] = g_param_spec_boolean("x-no-mmap", "x-no-mmap",
                                               "trap every BAR access (no mmap)", FALSE, rw);
    props[PROP_NO_IOMMU] = g_param_spec_boolean(
        "x-no-iommu", "x-no-iommu",
        "accept a no-IOMMU group: UNSAFE, the device can DMA to all host memory", FALSE, rw);
    props[PROP_IOMMUFD] = g_param_spec_string(
        "iommufd", "iommufd", "id of the -object iommufd to attach through", NULL, rw);
    props[PROP_FD] =
        g_param_spec_string("fd", "fd", "an open vfio cdev fd (with iommufd)", NULL, rw);
    props[PROP_VF_TOKEN] = g_param_spec_string(
        "vf-token", "vf-token", "VF token (UUID) shared by a vfio-pci PF and its VFs", NULL, rw);
    props[PROP_EXTCAP_INIT] = g_param_spec_boolean(
        "x-pcie-extcap-init", "x-pcie-extcap-init",
        "expose the device's PCIe extended capabilities (off: an empty list)", TRUE, rw);
    props[PROP_MSIX_RELOCATION] = g_param_spec_string(
        "x-msix-relocation", "x-msix-relocation",
        "move the MSI-X table and PBA to another BAR: off, auto, bar0..bar5", NULL, rw);
    props[PROP_VENDOR_ID] = g_param_spec_uint("x-pci-vendor-id", "x-pci-vendor-id", "vendor id the guest sees instead of the device's", 0, G_MAXUINT32,
                                         VFIO_PCI_ID_UNSET, rw);
    props[PROP_DEVICE_ID] = g_param_spec_uint("x-pci-device-id", "x-pci-device-id", "device id the guest sees instead of the device's", 0, G_MAXUINT32,
                                         VFIO_PCI_ID_UNSET, rw);
    props[PROP_SUB_VENDOR_ID] = g_param_spec_uint("x-pci-sub-vendor-id", "x-pci-sub-vendor-id", "subsystem vendor id the guest sees", 0, G_MAXUINT32,
                                         VFIO_PCI_ID_UNSET, rw);
    props[PROP_SUB_DEVICE_ID] = g_param_spec_uint("x-pci-sub-device-id", "x-pci-sub-device-id", "subsystem id the guest sees", 0, G_MAXUINT32,
                                         VFIO_PCI_ID_UNSET, rw);
    props[PROP_ENABLE_MIGRATION] = g_param_spec_string(
        "enable-migration", "enable-migration",
        "migrate the device with VFIO migration v2: on, off or auto (migratable devices only)",
        "auto", rw);
    props[PROP_PRE_COPY_DIRTY_TRACKING] = g_param_spec_boolean(
        "x-pre-copy-dirty-page-tracking", "x-pre-copy-dirty-page-tracking",
        "sync the pages the device writes during precopy (off: only once the VM stopped)", TRUE,
        rw);
    props[PROP_DISPLAY] = g_param_spec_string(
        "display", "display",
        "show the device's display plane (mdpy, mbochs, vGPUs) as a console: on, off or auto",
        "off", rw);
    props[PROP_RAMFB] = g_param_spec_boolean(
        "ramfb", "ramfb",
        "a ramfb (fw_cfg etc/ramfb) shown on the console until the device's plane has a mode (needs display=on)",
        FALSE, rw);
    g_object_class_install_properties(oc, N_PROPS, props);
}

static void vfio_pci_device_init(VFIOPciDevice *vdev)
{
    vdev->vendor_id = vdev->device_id = VFIO_PCI_ID_UNSET;
    vdev->sub_vendor_id = vdev->sub_device_id = VFIO_PCI_ID_UNSET;
    vdev->extcap_init = true;
    vdev->pre_copy_dirty_tracking = true;
    vfio_device_init(&vdev->vbasedev, &vfio_pci_device_ops);
}

void vfio_pci_register_types(void)
{
    vfio_register_types();
    hd_type_register("vfio-pci", VFIO_TYPE_PCI_DEVICE);
}
