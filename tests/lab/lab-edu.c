/*
 * Shared fixture of the C-API lab tests: guest RAM, the edu on either backend, edu DMA, and
 * fd and kernel-mapping counts (see lab-edu.h).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <linux/iommufd.h>

#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-sys.h"

#include "lab-edu.h"

MemoryRegion *lab_dma_root, *lab_ram_lo, *lab_ram_hi;
AddressSpace *lab_dma_as;

void lab_guest_ram_build(void)
{
    lab_dma_root = memory_region_new_container("lab-dma", UINT64_MAX);
    lab_ram_lo = memory_region_new_ram("ram-lo", RAM_LO_SIZE, NULL);
    lab_ram_hi = memory_region_new_ram("ram-hi", RAM_HI_SIZE, NULL);
    memory_region_add_subregion(lab_dma_root, RAM_LO, lab_ram_lo);
    memory_region_add_subregion(lab_dma_root, RAM_HI, lab_ram_hi);
    memory_region_add_subregion(lab_dma_root, 0x1000000,
                                memory_region_new_ram("ram-extra", 0x100000, NULL));
    /* MMIO in the space: never mapped. */
    memory_region_add_subregion(lab_dma_root, 0x2000000,
                                memory_region_new_io("lab-mmio", 0x1000, NULL, NULL));
    lab_dma_as = address_space_new("lab-dma", lab_dma_root);
}

unsigned lab_fd_count(void)
{
    GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
    unsigned n = 0;

    g_assert_nonnull(d);
    while (g_dir_read_name(d)) {
        n++;
    }
    g_dir_close(d);
    return n - 1; /* the directory's own fd */
}

unsigned lab_maps_ok(void)
{
    return vfio_sys_ioctl_ok_count(VFIO_IOMMU_MAP_DMA) + vfio_sys_ioctl_ok_count(IOMMU_IOAS_MAP);
}

unsigned lab_unmaps_ok(void)
{
    return vfio_sys_ioctl_ok_count(VFIO_IOMMU_UNMAP_DMA) +
           vfio_sys_ioctl_ok_count(IOMMU_IOAS_UNMAP);
}

int lab_live_mappings(void)
{
    return (int)lab_maps_ok() - (int)lab_unmaps_ok();
}

void lab_pci_enable(VFIODevice *dev)
{
    g_autofree struct vfio_region_info *cfg = NULL;
    uint16_t cmd;

    g_assert_cmpint(vfio_get_region_info(dev, VFIO_PCI_CONFIG_REGION_INDEX, &cfg), ==, 0);
    g_assert_cmpint(vfio_device_pread(dev, &cmd, 2, cfg->offset + 4), ==, 0);
    cmd |= 0x6; /* memory space, bus master */
    cmd &= ~0x400; /* INTx enabled */
    g_assert_cmpint(vfio_device_pwrite(dev, &cmd, 2, cfg->offset + 4), ==, 0);
}

void lab_edu_map_bar(LabEdu *edu)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(edu->dev.flags & VFIO_DEVICE_FLAGS_PCI);
    g_assert_cmpuint(edu->dev.num_regions, >, VFIO_PCI_BAR0_REGION_INDEX);
    lab_pci_enable(&edu->dev);
    edu->bar0 = vfio_region_setup(&edu->dev, VFIO_PCI_BAR0_REGION_INDEX, "edu-bar0", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(vfio_region_nr_mmaps(edu->bar0), ==, 1);
    g_assert_true(vfio_region_mmap(edu->bar0, &err));
    g_assert_no_error(err);
    edu->bar_root = memory_region_new_container("edu-bars", UINT64_MAX);
    memory_region_add_subregion(edu->bar_root, 0, vfio_region_get_memory(edu->bar0));
    edu->bar_as = address_space_new("edu-bars", edu->bar_root);
}

void lab_edu_attach(LabEdu *edu, const char *bdf, HdIommufdBackend *be)
{
    g_autoptr(GError) err = NULL;

    vfio_device_init(&edu->dev, NULL);
    edu->dev.iommufd = be ? G_OBJECT(be) : NULL;
    if (!vfio_attach_device(bdf, &edu->dev, lab_dma_as, &err)) {
        g_error("attaching edu %s (%s): %s", bdf, be ? "iommufd" : "legacy", err->message);
    }
    lab_edu_map_bar(edu);
}

void lab_edu_detach(LabEdu *edu)
{
    address_space_destroy(edu->bar_as);
    memory_region_del_subregion(edu->bar_root, vfio_region_get_memory(edu->bar0));
    memory_region_unref(edu->bar_root);
    vfio_region_free(edu->bar0);
    vfio_detach_device(&edu->dev);
    vfio_device_clear(&edu->dev);
}

uint32_t lab_edu_rd(LabEdu *edu, hwaddr reg)
{
    return address_space_ldl(edu->bar_as, reg, NULL);
}

void lab_edu_wr(LabEdu *edu, hwaddr reg, uint32_t v)
{
    address_space_stl(edu->bar_as, reg, v);
}

bool lab_edu_dma(LabEdu *edu, uint64_t src, uint64_t dst, uint32_t len, uint32_t cmd)
{
    lab_edu_wr(edu, EDU_DMA_SRC, (uint32_t)src);
    lab_edu_wr(edu, EDU_DMA_SRC + 4, (uint32_t)(src >> 32));
    lab_edu_wr(edu, EDU_DMA_DST, (uint32_t)dst);
    lab_edu_wr(edu, EDU_DMA_DST + 4, (uint32_t)(dst >> 32));
    lab_edu_wr(edu, EDU_DMA_COUNT, len);
    lab_edu_wr(edu, EDU_DMA_CMD, cmd | EDU_DMA_RUN);
    for (int i = 0; i < 1000; i++) {
        if (!(lab_edu_rd(edu, EDU_DMA_CMD) & EDU_DMA_RUN)) {
            return true;
        }
        g_usleep(5000);
    }
    return false;
}

bool lab_edu_round_trip(LabEdu *edu, uint64_t x, uint64_t y, uint8_t seed)
{
    uint8_t pattern[XFER], back[XFER], ones[XFER];

    for (int i = 0; i < XFER; i++) {
        pattern[i] = (uint8_t)(i * 13 + seed);
    }
    memset(ones, 0xa5, sizeof(ones));
    if (address_space_write(lab_dma_as, x, pattern, XFER) != MEMTX_OK ||
        address_space_write(lab_dma_as, y, ones, XFER) != MEMTX_OK ||
        !lab_edu_dma(edu, x, EDU_BUFFER, XFER, 0) ||
        !lab_edu_dma(edu, EDU_BUFFER, y, XFER, EDU_DMA_TO_RAM) ||
        address_space_read(lab_dma_as, y, back, XFER) != MEMTX_OK) {
        return false;
    }
    return memcmp(pattern, back, XFER) == 0;
}
