/*
 * The PC boot pieces without KVM: ACPI tables (checksums, XSDT links, MADT APIC ids, the
 * DSDT's names and AML package lengths) and the direct Linux boot (boot_params written into
 * guest RAM from a synthetic bzImage; images that are not bzImages and initrds that do not fit
 * are refused by name).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hw/acpi/aml.h"
#include "hw/i386/acpi-build.h"
#include "hw/i386/mptable.h"
#include "hw/i386/pc-boot.h"
#include "system/address-space.h"

#define BASE 0xe0000

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t le64(const uint8_t *p)
{
    return le32(p) | ((uint64_t)le32(p + 4) << 32);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;

    while (n--) {
        s += *p++;
    }
    return s;
}

static const uint8_t *table_at(const uint8_t *blob, gsize len, uint64_t addr, const char *sig)
{
    const uint8_t *t = blob + (addr - BASE);

    g_assert_cmpuint(addr - BASE + 36, <=, len);
    g_assert_cmpmem(t, 4, sig, 4);
    g_assert_cmpuint(addr - BASE + le32(t + 4), <=, len);
    g_assert_cmpuint(sum(t, le32(t + 4)), ==, 0);
    return t;
}

static void test_acpi_tables(void)
{
    HdAcpiConfig c = { .base = BASE, .cpus = 4, .threads = 2, .cores = 2,
                       .ram_below_4g = 0x20000000, .ram_above_4g = 0 };
    uint64_t rsdp = 0;
    g_autoptr(GBytes) bytes = hd_acpi_build(&c, &rsdp);
    gsize len;
    const uint8_t *b = g_bytes_get_data(bytes, &len);
    const uint8_t *xsdt, *fadt, *madt, *mcfg, *dsdt;
    unsigned lapics = 0;

    g_assert_cmpuint(rsdp, ==, BASE);
    g_assert_cmpmem(b, 8, "RSD PTR ", 8);
    g_assert_cmpuint(sum(b, 20), ==, 0);
    g_assert_cmpuint(sum(b, 36), ==, 0);
    xsdt = table_at(b, len, le64(b + 24), "XSDT");
    g_assert_cmpuint(le32(xsdt + 4), ==, 36 + 3 * 8);
    fadt = table_at(b, len, le64(xsdt + 36), "FACP");
    madt = table_at(b, len, le64(xsdt + 44), "APIC");
    mcfg = table_at(b, len, le64(xsdt + 52), "MCFG");
    dsdt = table_at(b, len, le64(fadt + 140), "DSDT");
    g_assert_cmpuint(le32(fadt + 40), ==, le64(fadt + 140));
    g_assert_cmpmem(b + (le32(fadt + 36) - BASE), 4, "FACS", 4);
    g_assert_cmpuint(le32(fadt + 64), ==, ACPI_PM1_CNT);
    g_assert_cmpuint(fadt[116 + 4], ==, 0xf9);   /* RESET_REG at 0xcf9 */
    g_assert_cmpuint(fadt[128], ==, 0x06);
    /* MADT: one enabled LAPIC per vCPU with the topology's APIC ids (2 threads, 2 cores). */
    for (const uint8_t *e = madt + 44; e < madt + le32(madt + 4); e += e[1]) {
        if (e[0] == 0) {
            g_assert_cmpuint(e[3], ==, x86_apic_id(lapics, 2, 2));
            g_assert_cmpuint(le32(e + 4), ==, 1);
            lapics++;
        }
    }
    g_assert_cmpuint(lapics, ==, 4);
    g_assert_cmpuint(x86_apic_id(3, 2, 2), ==, 3);
    g_assert_cmpuint(x86_apic_id(2, 1, 3), ==, 2);
    g_assert_cmpuint(x86_apic_id(3, 1, 3), ==, 4); /* socket 1 starts at 4 (2 core bits) */
    /* MCFG: ECAM at 0xb0000000 for buses 0-255. */
    g_assert_cmphex(le64(mcfg + 44), ==, 0xb0000000);
    g_assert_cmpuint(mcfg[44 + 11], ==, 255);
    /* DSDT: the root bridge (PNP0A08 as EISA id 0x080ad041), _CRS, _PRT, \_S5. */
    g_assert_nonnull(memmem(dsdt, le32(dsdt + 4), "PCI0", 4));
    g_assert_nonnull(memmem(dsdt, le32(dsdt + 4), "\x0c\x41\xd0\x0a\x08", 5));
    g_assert_nonnull(memmem(dsdt, le32(dsdt + 4), "_PRT", 4));
    g_assert_nonnull(memmem(dsdt, le32(dsdt + 4), "_CRS", 4));
    g_assert_nonnull(memmem(dsdt, le32(dsdt + 4), "\\_S5_", 5));
    /* _OSC with 4 arguments, comparing Arg0 with the PCI host bridge UUID in ToUUID order. */
    g_assert_nonnull(memmem(dsdt, le32(dsdt + 4), "_OSC\x04\x8a\x6b\x00" "CDW1", 12));
    g_assert_nonnull(memmem(dsdt, le32(dsdt + 4),
                            "\x93\x68\x11\x13\x0a\x10\x5b\x4d\xdb\x33\xf7\x1f\x1c\x40"
                            "\x96\x57\x74\x41\xc0\x3d\xd7\x66\xa4\x6b",
                            24));
}

/* -machine acpi=off: the MP floating pointer and table, checksummed, one CPU entry each. */
static void test_mptable(void)
{
    g_autoptr(GBytes) bytes = hd_mptable_build(0xf0000, 3, 1, 3);
    gsize len;
    const uint8_t *b = g_bytes_get_data(bytes, &len);
    const uint8_t *t = b + 16;
    unsigned count, cpus = 0, ioapics = 0, irqs = 0;
    const uint8_t *e;

    g_assert_cmpmem(b, 4, "_MP_", 4);
    g_assert_cmphex(le32(b + 4), ==, 0xf0010);
    g_assert_cmpuint(sum(b, 16), ==, 0);
    g_assert_cmpmem(t, 4, "PCMP", 4);
    g_assert_cmpuint(t[4] | (t[5] << 8), ==, len - 16);
    g_assert_cmpuint(sum(t, len - 16), ==, 0);
    count = t[34] | (t[35] << 8);
    e = t + 44;
    for (unsigned i = 0; i < count; i++) {
        switch (e[0]) {
        case 0:
            g_assert_cmpuint(e[1], ==, x86_apic_id(cpus, 1, 3));
            g_assert_cmpuint(e[3] & 2, ==, cpus == 0 ? 2 : 0);
            cpus++;
            e += 20;
            break;
        case 2:
            ioapics++;
            g_assert_cmpuint(e[1], ==, 4); /* after the LAPIC ids 0, 1, 2 */
            e += 8;
            break;
        case 3:
            irqs++;
            e += 8;
            break;
        default:
            e += 8;
        }
    }
    g_assert_true(e == b + len);
    g_assert_cmpuint(cpus, ==, 3);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_cmpuint(irqs, ==, 1 + 15 + 128);
}

/* PkgLength: one byte below 63, then 2..4 bytes with the low nibble first. */
static void test_aml_pkglength(void)
{
    static const size_t bodies[] = { 0, 10, 61, 62, 63, 300, 4090, 5000, 70000 };

    for (size_t i = 0; i < G_N_ELEMENTS(bodies); i++) {
        g_autofree uint8_t *data = g_malloc0(bodies[i] + 1);
        Aml *buf = aml_buffer(data, bodies[i]);
        const uint8_t *p = buf->data + 1; /* after BufferOp */
        unsigned extra = p[0] >> 6;
        size_t pkglen = extra ? (p[0] & 0xf) : (p[0] & 0x3f);

        for (unsigned k = 0; k < extra; k++) {
            pkglen |= (size_t)p[1 + k] << (4 + 8 * k);
        }
        /* The package runs from the PkgLength to the end of the object. */
        g_assert_cmpuint(pkglen, ==, buf->len - 1);
        g_byte_array_unref(buf);
    }
}

/* A bzImage header with setup_sects=4 and a 64 KiB protected-mode part. */
static char *fake_bzimage(const char *dir, size_t pm_size)
{
    char *path = g_build_filename(dir, "bzImage", NULL);
    size_t len = 5 * 512 + pm_size;
    g_autofree uint8_t *k = g_malloc0(len);

    k[0x1f1] = 4;
    memcpy(k + 0x202, "HdrS", 4);
    k[0x201] = 0x66;              /* header to 0x268 */
    k[0x206] = 0x0f;              /* protocol 2.15 */
    k[0x207] = 0x02;
    k[0x211] = 0x01;              /* LOADED_HIGH */
    k[0x22c] = 0xff;              /* initrd_addr_max 0x37ffffff */
    k[0x22d] = 0xff;
    k[0x22e] = 0xff;
    k[0x22f] = 0x37;
    k[0x238] = 0xff;              /* cmdline_size 2047 */
    k[0x239] = 0x07;
    memset(k + 5 * 512, 0x90, pm_size);
    g_assert_true(g_file_set_contents(path, (char *)k, (gssize)len, NULL));
    return path;
}

static void test_direct_boot(void)
{
    g_autofree char *dir = g_dir_make_tmp("hostdev-boot-XXXXXX", NULL);
    g_autofree char *kernel = fake_bzimage(dir, 65536);
    g_autofree char *initrd = g_build_filename(dir, "initrd", NULL);
    g_autofree char *junk = g_build_filename(dir, "junk", NULL);
    g_autoptr(GError) err = NULL;
    MemoryRegion *ram;
    HdPcBootConfig c = { .kernel = kernel, .initrd = initrd, .append = "console=ttyS0",
                         .ram_below_4g = 64 << 20, .cpus = 1, .threads = 1, .cores = 1,
                         .acpi = true };
    HdPcBoot *boot;
    uint8_t bp[4096], cmdline[32], rsdp[8];
    uint32_t rd_addr, rd_size;

    ram = memory_region_new_ram("test-ram", 64 << 20, &err);
    g_assert_no_error(err);
    memory_region_add_subregion(memory_system_root(), 0, ram);
    g_assert_true(g_file_set_contents(initrd, "initrd-bytes", -1, NULL));
    g_assert_true(g_file_set_contents(junk, "not a kernel", -1, NULL));

    boot = hd_pc_boot_new(&c, &err);
    g_assert_no_error(err);
    address_space_read(memory_system_address_space(), 0x7000, bp, sizeof(bp));
    g_assert_cmpuint(bp[0x210], ==, 0xff);                       /* type_of_loader */
    g_assert_cmphex(le32(bp + 0x228), ==, 0x20000);              /* cmd_line_ptr */
    g_assert_cmpuint(bp[0x1e8], ==, 5);                          /* e820 entries (no high) */
    g_assert_cmphex(le64(bp + 0x2d0 + 3 * 20 + 8), ==, (64 << 20) - 0x100000);
    rd_addr = le32(bp + 0x218);
    rd_size = le32(bp + 0x21c);
    g_assert_cmpuint(rd_size, ==, strlen("initrd-bytes"));
    g_assert_cmpuint(rd_addr % 4096, ==, 0);
    g_assert_cmpuint(rd_addr + rd_size, <=, 64 << 20);
    address_space_read(memory_system_address_space(), 0x20000, cmdline, 14);
    g_assert_cmpstr((char *)cmdline, ==, "console=ttyS0");
    g_assert_cmphex(le64(bp + 0x70), ==, 0xe0000);               /* acpi_rsdp_addr */
    address_space_read(memory_system_address_space(), 0xe0000, rsdp, 8);
    g_assert_cmpmem(rsdp, 8, "RSD PTR ", 8);
    g_assert_cmphex(address_space_ldub(memory_system_address_space(), 0x100000, NULL), ==, 0x90);
    hd_pc_boot_free(boot);

    c.kernel = junk;
    g_assert_null(hd_pc_boot_new(&c, &err));
    g_assert_nonnull(strstr(err->message, "not a Linux bzImage"));
    g_clear_error(&err);

    c.kernel = kernel;
    c.ram_below_4g = 0x120000; /* no room left for the initrd above the kernel */
    g_assert_null(hd_pc_boot_new(&c, &err));
    g_assert_nonnull(strstr(err->message, "does not fit in guest RAM"));
    g_clear_error(&err);

    c.ram_below_4g = 64 << 20;
    c.initrd = "/nonexistent/initrd";
    g_assert_null(hd_pc_boot_new(&c, &err));
    g_assert_nonnull(strstr(err->message, "-initrd: "));
    g_clear_error(&err);

    memory_region_del_subregion(memory_system_root(), ram);
    memory_region_unref(ram);
    memory_system_release();
    g_unlink(kernel);
    g_unlink(initrd);
    g_unlink(junk);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pc-boot/acpi-tables", test_acpi_tables);
    g_test_add_func("/pc-boot/aml-pkglength", test_aml_pkglength);
    g_test_add_func("/pc-boot/mptable", test_mptable);
    g_test_add_func("/pc-boot/direct-boot", test_direct_boot);
    return g_test_run();
}
