/*
 * Direct Linux boot: the bzImage's protected-mode kernel at 1 MiB, boot_params (the setup
 * header from the image, the e820 map, the command line and initrd pointers, the RSDP) and a
 * flat GDT; the boot vCPU starts at the kernel's 32-bit entry with %esi at boot_params.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "hw/i386/acpi-build.h"
#include "hw/i386/mptable.h"
#include "hw/i386/pc-boot.h"
#include "hw/i386/q35.h"
#include "system/address-space.h"
#include "system/kvm.h"
#include "system/reset.h"
#include "trace.h"

#define GDT_ADDR 0x500
#define BOOT_PARAMS_ADDR 0x7000
#define CMDLINE_ADDR 0x20000
#define KERNEL_ADDR 0x100000
#define LOW_RAM_END 0x9fc00    /* conventional memory, then the EBDA */
#define BIOS_AREA 0xe0000      /* 0xe0000..0xfffff: ACPI tables, reserved */
#define MP_TABLE_ADDR 0xf0000  /* the BIOS ROM area the kernel scans for MP tables */
#define BOOT_CS 0x10
#define BOOT_DS 0x18

/* boot_params and setup header offsets (Documentation/arch/x86/boot.rst, zero-page.rst). */
#define BP_ACPI_RSDP 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_HDR 0x1f1
#define BP_E820_TABLE 0x2d0
#define HDR_SETUP_SECTS 0x1f1
#define HDR_VID_MODE 0x1fa
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END 0x224
#define HDR_CMDLINE_PTR 0x228
#define HDR_INITRD_MAX 0x22c
#define HDR_CMDLINE_SIZE 0x238
#define LOADED_HIGH 0x01
#define CAN_USE_HEAP 0x80
#define E820_MAX 128

struct HdPcBoot {
    HdPcBootConfig config;
    char *kernel_path;
    char *initrd_path;
    char *append;
    GBytes *kernel;  /* the protected-mode part */
    GBytes *initrd;
    uint8_t params[4096];
    GBytes *acpi;    /* ACPI tables (or MP tables with acpi=off) at tables_addr */
    uint64_t tables_addr;
    uint32_t initrd_addr;
};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v & 0xff;
    p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void e820_add(uint8_t *bp, uint64_t addr, uint64_t size, uint32_t type)
{
    uint8_t n = bp[BP_E820_ENTRIES];
    uint8_t *e = bp + BP_E820_TABLE + 20 * n;

    if (!size || n >= E820_MAX) {
        return;
    }
    put64(e, addr);
    put64(e + 8, size);
    put32(e + 16, type);
    bp[BP_E820_ENTRIES] = n + 1;
}

static void write_guest(uint64_t addr, const void *data, size_t len)
{
    address_space_write(memory_system_address_space(), addr, data, len);
}

static void boot_load(void *opaque)
{
    HdPcBoot *b = opaque;
    static const uint64_t gdt[] = {
        0, 0, 0x00cf9b000000ffffULL /* BOOT_CS */, 0x00cf93000000ffffULL /* BOOT_DS */,
    };
    const char *cmdline = b->append ? b->append : "";
    HdKvmBootState state = {
        .eip = KERNEL_ADDR,
        .esi = BOOT_PARAMS_ADDR,
        .gdt_base = GDT_ADDR,
        .gdt_limit = sizeof(gdt) - 1,
        .cs = BOOT_CS,
        .ds = BOOT_DS,
    };
    gsize len;
    const void *data;

    write_guest(GDT_ADDR, gdt, sizeof(gdt));
    write_guest(BOOT_PARAMS_ADDR, b->params, sizeof(b->params));
    write_guest(CMDLINE_ADDR, cmdline, strlen(cmdline) + 1);
    data = g_bytes_get_data(b->kernel, &len);
    write_guest(KERNEL_ADDR, data, len);
    if (b->initrd) {
        data = g_bytes_get_data(b->initrd, &len);
        write_guest(b->initrd_addr, data, len);
    }
    if (b->acpi) {
        data = g_bytes_get_data(b->acpi, &len);
        write_guest(b->tables_addr, data, len);
    }
    kvm_set_boot_state(&state);
    trace_pc_boot_load(b->kernel_path, g_bytes_get_size(b->kernel),
                       b->initrd ? g_bytes_get_size(b->initrd) : 0, b->initrd_addr);
}

static bool read_file(const char *what, const char *path, GBytes **out, GError **errp)
{
    g_autofree char *contents = NULL;
    gsize len;

    if (!g_file_get_contents(path, &contents, &len, errp)) {
        g_prefix_error(errp, "%s: ", what);
        return false;
    }
    *out = g_bytes_new_take(g_steal_pointer(&contents), len);
    return true;
}

static bool parse_kernel(HdPcBoot *b, GBytes *image, GError **errp)
{
    gsize len;
    const uint8_t *k = g_bytes_get_data(image, &len);
    unsigned setup_sects, hdr_end;
    uint16_t version;
    uint32_t cmdline_size = 255;
    size_t setup_size;

    if (len < 0x300 || memcmp(k + HDR_MAGIC, "HdrS", 4) != 0) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "-kernel %s: not a Linux bzImage (no 'HdrS' boot header at 0x202); give an x86 bzImage such as arch/x86/boot/bzImage",
                    b->kernel_path);
        return false;
    }
    version = k[HDR_VERSION] | (k[HDR_VERSION + 1] << 8);
    if (version < 0x206 || !(k[HDR_LOADFLAGS] & LOADED_HIGH)) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "-kernel %s: boot protocol %u.%02u or a zImage; hostdev boots bzImages of protocol 2.06 or later",
                    b->kernel_path, version >> 8, version & 0xff);
        return false;
    }
    setup_sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
    setup_size = (setup_sects + 1) * 512u;
    if (setup_size >= len) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "-kernel %s: truncated bzImage (%zu bytes, setup alone is %zu)",
                    b->kernel_path, (size_t)len, setup_size);
        return false;
    }
    cmdline_size = get32(k + HDR_CMDLINE_SIZE);
    if (b->append && strlen(b->append) > cmdline_size) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "-append: the command line is %zu bytes; this kernel takes at most %u",
                    strlen(b->append), cmdline_size);
        return false;
    }
    b->kernel = g_bytes_new_from_bytes(image, setup_size, len - setup_size);
    hdr_end = 0x202 + k[0x201];
    memcpy(b->params + BP_HDR, k + BP_HDR, MIN(hdr_end, 0x280u) - BP_HDR);
    b->params[HDR_TYPE_OF_LOADER] = 0xff;
    b->params[HDR_LOADFLAGS] |= CAN_USE_HEAP;
    put16(b->params + HDR_VID_MODE, 0xffff);
    put16(b->params + HDR_HEAP_END, 0xfe00);
    put32(b->params + HDR_CODE32_START, KERNEL_ADDR);
    put32(b->params + HDR_CMDLINE_PTR, CMDLINE_ADDR);
    return true;
}

static bool place_initrd(HdPcBoot *b, GError **errp)
{
    uint32_t max = get32(b->params + HDR_INITRD_MAX);
    uint64_t top = MIN(b->config.ram_below_4g, (uint64_t)max + 1);
    uint64_t size = g_bytes_get_size(b->initrd);
    uint64_t kernel_end = KERNEL_ADDR + g_bytes_get_size(b->kernel);

    if (!max) {
        max = 0x37ffffff;
        top = MIN(b->config.ram_below_4g, (uint64_t)max + 1);
    }
    /* Leave the kernel room to decompress itself: 4x its size above where it was loaded. */
    if (size + 4 * (kernel_end - KERNEL_ADDR) + KERNEL_ADDR > top) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_NOSPC,
                    "-initrd %s: %" G_GUINT64_FORMAT " MiB does not fit in guest RAM below 0x%" G_GINT64_MODIFIER "x with the kernel; give more memory (-m) or a smaller initrd",
                    b->initrd_path, size >> 20, top);
        return false;
    }
    b->initrd_addr = (uint32_t)((top - size) & ~0xfffULL);
    put32(b->params + HDR_RAMDISK_IMAGE, b->initrd_addr);
    put32(b->params + HDR_RAMDISK_SIZE, (uint32_t)size);
    return true;
}

static void build_e820(HdPcBoot *b)
{
    uint8_t *bp = b->params;

    e820_add(bp, 0, LOW_RAM_END, 1);
    e820_add(bp, LOW_RAM_END, 0xa0000 - LOW_RAM_END, 2);
    e820_add(bp, BIOS_AREA, 0x100000 - BIOS_AREA, 2);
    e820_add(bp, 0x100000, b->config.ram_below_4g - 0x100000, 1);
    e820_add(bp, Q35_ECAM_BASE, Q35_ECAM_SIZE, 2);
    e820_add(bp, 0x100000000ULL, b->config.ram_above_4g, 1);
}

void hd_pc_boot_free(HdPcBoot *b)
{
    if (!b) {
        return;
    }
    hd_reset_handler_unregister(boot_load, b);
    g_clear_pointer(&b->kernel, g_bytes_unref);
    g_clear_pointer(&b->initrd, g_bytes_unref);
    g_clear_pointer(&b->acpi, g_bytes_unref);
    g_free(b->kernel_path);
    g_free(b->initrd_path);
    g_free(b->append);
    g_free(b);
}

HdPcBoot *hd_pc_boot_new(const HdPcBootConfig *config, GError **errp)
{
    HdPcBoot *b = g_new0(HdPcBoot, 1);
    g_autoptr(GBytes) image = NULL;
    uint64_t rsdp;

    b->config = *config;
    b->tables_addr = BIOS_AREA;
    b->kernel_path = g_strdup(config->kernel);
    b->initrd_path = g_strdup(config->initrd);
    b->append = g_strdup(config->append);
    b->config.kernel = b->kernel_path;
    b->config.initrd = b->initrd_path;
    b->config.append = b->append;
    if (!read_file("-kernel", config->kernel, &image, errp) || !parse_kernel(b, image, errp)) {
        goto fail;
    }
    if (config->initrd &&
        (!read_file("-initrd", config->initrd, &b->initrd, errp) || !place_initrd(b, errp))) {
        goto fail;
    }
    build_e820(b);
    if (config->acpi) {
        HdAcpiConfig ac = {
            .base = BIOS_AREA,
            .cpus = config->cpus,
            .threads = config->threads,
            .cores = config->cores,
            .ram_below_4g = config->ram_below_4g,
            .ram_above_4g = config->ram_above_4g,
        };

        b->acpi = hd_acpi_build(&ac, &rsdp);
        put64(b->params + BP_ACPI_RSDP, rsdp);
    } else {
        /* acpi=off: MP tables at 0xf0000, where the kernel scans for "_MP_". */
        b->tables_addr = MP_TABLE_ADDR;
        b->acpi = hd_mptable_build(MP_TABLE_ADDR, config->cpus, config->threads, config->cores);
    }
    boot_load(b);
    hd_reset_handler_register(boot_load, b);
    return b;

fail:
    hd_pc_boot_free(b);
    return NULL;
}
