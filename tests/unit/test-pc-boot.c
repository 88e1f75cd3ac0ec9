/*
 * The PC boot pieces without KVM: ACPI tables (checksums, XSDT links, MADT APIC ids, the
 * DSDT's names and AML package lengths) and the direct Linux boot (boot_params written into
 * guest RAM from a synthetic bzImage; images that are not bzImages and initrds that do not fit
 * are refused by name); the migration state of the PC's emulated devices: the fixed ports (ACPI
 * PM1 and timer, CMOS RTC, port 0x92), the 16550A and the q35 chipset's registers saved into
 * the memory sink and loaded into fresh instances, and each reader's refusals.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hw/acpi/aml.h"
#include "hw/char/serial.h"
#include "hw/i386/acpi-build.h"
#include "hw/i386/mptable.h"
#include "hw/i386/pc-boot.h"
#include "hw/i386/pc-ports.h"
#include "hw/i386/q35.h"
#include "hw/irq.h"
#include "migration-internal.h"
#include "qom/opts.h"
#include "qom/props.h"
#include "system/address-space.h"
#include "system/memory.h"

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
    /* fw_cfg: device FWCF, _HID "QEMU0002", IO descriptor for 0x510..0x51b. */
    g_assert_nonnull(memmem(dsdt, le32(dsdt + 4), "FWCF", 4));
    g_assert_nonnull(memmem(dsdt, le32(dsdt + 4), "QEMU0002", 9));
    g_assert_nonnull(memmem(dsdt, le32(dsdt + 4), "\x47\x01\x10\x05\x10\x05\x01\x0c", 8));
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

/* --- migration of the emulated PC devices --- */

/* The registered handler whose opaque (or device) is @owner. */
static HdMigInstance *mig_find(const void *owner)
{
    GPtrArray *all = hd_mig_instances();

    for (guint i = 0; i < all->len; i++) {
        HdMigInstance *in = all->pdata[i];

        if (in->opaque == owner || (const void *)in->dev == owner) {
            return in;
        }
    }
    return NULL;
}

static HdMigSink *mig_save(const void *owner)
{
    HdMigInstance *in = mig_find(owner);
    HdMigSink *sink = hd_mig_sink_new_memory();
    GError *err = NULL;

    g_assert_nonnull(in);
    g_assert_true(in->ops->save_complete(in->opaque, sink, &err));
    g_assert_no_error(err);
    return sink;
}

/* Load @sink's sections into @owner's handler as the core does; @edit may change one first. */
static bool mig_load(const void *owner, HdMigSink *sink, const char *edit_kind,
                     void (*edit)(GByteArray *), GError **errp)
{
    HdMigInstance *in = mig_find(owner);

    g_assert_nonnull(in);
    if (in->ops->load_setup && !in->ops->load_setup(in->opaque, errp)) {
        return false;
    }
    for (guint i = 0; i < hd_mig_sink_count(sink); i++) {
        const char *kind = hd_mig_sink_kind(sink, i);
        gsize len;
        const uint8_t *data = g_bytes_get_data(hd_mig_sink_data(sink, i), &len);
        g_autoptr(GByteArray) copy = g_byte_array_new();

        g_byte_array_append(copy, data, (guint)len);
        if (edit_kind && !strcmp(kind, edit_kind)) {
            if (!edit) {
                continue; /* the section is left out */
            }
            edit(copy);
        }
        if (!in->ops->load_section(in->opaque, kind, copy->data, copy->len, errp)) {
            return false;
        }
    }
    return !in->ops->load_complete || in->ops->load_complete(in->opaque, errp);
}

static void mig_refused(const void *owner, HdMigSink *sink, const char *kind,
                        void (*edit)(GByteArray *), const char *want)
{
    g_autoptr(GError) err = NULL;

    g_assert_false(mig_load(owner, sink, kind, edit, &err));
    g_assert_nonnull(err);
    if (!strstr(err->message, want)) {
        g_test_message("refusal: %s", err->message);
    }
    g_assert_nonnull(strstr(err->message, want));
}

static void edit_version(GByteArray *a)
{
    a->data[0] = 2;
}

static void edit_truncate(GByteArray *a)
{
    g_byte_array_set_size(a, a->len - 1);
}

static void edit_pm_slp_en(GByteArray *a)
{
    a->data[7] |= 0x20; /* PM1 control SLP_EN: never stored */
}

static void edit_uart_ier(GByteArray *a)
{
    a->data[4] = 0x10;
}

static void edit_uart_fifo_count(GByteArray *a)
{
    a->data[12] = 4; /* one more byte than the section carries */
}

static void edit_uart_index(GByteArray *a)
{
    a->data[14] = 1;
}

static void edit_q35_cf8(GByteArray *a)
{
    a->data[4] |= 0x01; /* CONFIG_ADDRESS bit 0: never latched */
}

static AddressSpace *io(void)
{
    return memory_system_io_address_space();
}

static uint8_t cmos_read(uint8_t index)
{
    address_space_stb(io(), 0x70, index);
    return address_space_ldub(io(), 0x71, NULL);
}

static void cmos_write(uint8_t index, uint8_t value)
{
    address_space_stb(io(), 0x70, index);
    address_space_stb(io(), 0x71, value);
}

static uint32_t pm_timer(void)
{
    return address_space_ldl(io(), ACPI_PM_TMR, NULL);
}

static void test_pc_ports_migration(void)
{
    HdIrqLines *ioapic = hd_irq_lines_new(Q35_IOAPIC_PATH, 24, NULL, NULL);
    GError *err = NULL;
    HdPcPorts *src = hd_pc_ports_new(false, &err);
    HdPcPorts *dst, *local;
    HdMigSink *sink;
    uint32_t before, after;

    g_assert_no_error(err);
    g_assert_cmpstr(hd_mig_instance_name(mig_find(src)), ==, "pc-ports");
    address_space_stw(io(), ACPI_PM1_EVT + 2, 0x0100);         /* power button enable */
    address_space_stw(io(), ACPI_PM1_CNT, 5 << 10);            /* SLP_TYP, no SLP_EN */
    hd_pc_ports_power_button();
    g_assert_cmpint(hd_irq_get(ioapic, ACPI_SCI_IRQ), ==, 1);
    cmos_write(0x0e, 0xa5);
    cmos_write(0x40, 0x3c);
    cmos_write(0x01, 0x30);                                   /* alarm seconds */
    cmos_write(0x0b, 0x82);                                   /* SET, 24 hours */
    cmos_write(0x09, 0x39);                                   /* year 2039 */
    cmos_write(0x32, 0x20);
    cmos_write(0x0b, 0x02);                                   /* the clock runs from there */
    address_space_stb(io(), 0x70, 0x8e);                      /* NMI masked, index 0x0e */
    address_space_stb(io(), 0x92, 0x02);
    g_usleep(50 * 1000);
    before = pm_timer();
    g_assert_cmpuint(before, >, 100000);

    sink = mig_save(src);
    g_assert_cmpuint(hd_mig_sink_count(sink), ==, 3);
    g_assert_cmpstr(hd_mig_sink_kind(sink, 0), ==, "acpi-pm");
    g_assert_cmpstr(hd_mig_sink_kind(sink, 1), ==, "rtc-cmos");
    g_assert_cmpstr(hd_mig_sink_kind(sink, 2), ==, "port92");
    hd_pc_ports_free(src);
    g_assert_null(mig_find(src));
    hd_irq_set(ioapic, ACPI_SCI_IRQ, 0); /* a fresh destination's line */

    dst = hd_pc_ports_new(false, &err);
    g_assert_no_error(err);
    /* A refused section leaves its state as it was (here: power-on). */
    mig_refused(dst, sink, "acpi-pm", edit_version,
                "pc-ports: the acpi-pm section has format version 2, this hostdev reads version 1");
    mig_refused(dst, sink, "acpi-pm", edit_pm_slp_en, "PM1 control is 0x3400");
    g_assert_cmphex(address_space_lduw(io(), ACPI_PM1_EVT + 2, NULL), ==, 0);
    g_assert_cmphex(address_space_lduw(io(), ACPI_PM1_CNT, NULL), ==, 0x0001);
    g_assert_cmpint(hd_irq_get(ioapic, ACPI_SCI_IRQ), ==, 0);
    mig_refused(dst, sink, "rtc-cmos", edit_truncate,
                "pc-ports: the rtc-cmos section is 143 bytes, version 1 has 144");
    g_assert_cmphex(cmos_read(0x40), ==, 0);
    /* A section left out is refused once the stream ends (the destination never runs). */
    mig_refused(dst, sink, "port92", NULL, "the migration stream has no port92 section");

    g_assert_true(mig_load(dst, sink, NULL, NULL, &err));
    g_assert_no_error(err);
    after = pm_timer();
    g_assert_cmpuint(after, >=, before);          /* it goes on, never back */
    g_assert_cmpuint(after - before, <, 3579545); /* and without a jump (under a second) */
    g_assert_cmphex(address_space_lduw(io(), ACPI_PM1_EVT, NULL), ==, 0x0100);
    g_assert_cmphex(address_space_lduw(io(), ACPI_PM1_EVT + 2, NULL), ==, 0x0100);
    g_assert_cmphex(address_space_lduw(io(), ACPI_PM1_CNT, NULL), ==, (5 << 10) | 1);
    g_assert_cmpint(hd_irq_get(ioapic, ACPI_SCI_IRQ), ==, 1); /* the SCI is driven again */
    g_assert_cmphex(address_space_ldub(io(), 0x71, NULL), ==, 0xa5); /* the index came along */
    g_assert_cmphex(cmos_read(0x40), ==, 0x3c);
    g_assert_cmphex(cmos_read(0x01), ==, 0x30);
    g_assert_cmphex(cmos_read(0x09), ==, 0x39); /* the guest's clock, not the host's */
    g_assert_cmphex(cmos_read(0x32), ==, 0x20);
    g_assert_cmphex(cmos_read(0x0a), ==, 0x26);
    g_assert_cmphex(cmos_read(0x0b), ==, 0x02);
    g_assert_cmphex(address_space_ldub(io(), 0x92, NULL), ==, 0x02);
    hd_pc_ports_free(dst);

    /* The destination's RTC counts local time, the source's UTC. */
    local = hd_pc_ports_new(true, &err);
    g_assert_no_error(err);
    mig_refused(local, sink, NULL, NULL,
                "pc-ports: the source's RTC counts UTC, this one local time; start the destination with -rtc base=utc");
    hd_pc_ports_free(local);
    hd_mig_sink_free(sink);
    hd_irq_lines_free(ioapic);
    memory_system_release();
}

static HdDevice *serial_new(const char *text)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HdOpts) opts = hd_opts_parse(text, "driver", &err);
    GObject *obj;

    g_assert_no_error(err);
    obj = hd_object_new_with_opts("isa-serial", opts, &err);
    g_assert_no_error(err);
    g_assert_true(hd_device_realize(HD_DEVICE(obj), &err));
    g_assert_no_error(err);
    hd_device_reset(HD_DEVICE(obj));
    return HD_DEVICE(obj);
}

static void serial_free(HdDevice *dev)
{
    hd_device_unrealize(dev);
    g_assert_null(mig_find(dev));
    g_object_unref(dev);
}

#define COM1 0x3f8

static void test_serial_migration(void)
{
    HdIrqLines *ioapic = hd_irq_lines_new(Q35_IOAPIC_PATH, 24, NULL, NULL);
    GError *err = NULL;
    HdDevice *src, *dst;
    HdMigSink *sink;

    serial_register_types();
    src = serial_new("isa-serial,index=0");
    address_space_stb(io(), COM1 + 3, 0x80);
    address_space_stb(io(), COM1 + 0, 0x03); /* divisor 3: 38400 baud */
    address_space_stb(io(), COM1 + 1, 0x00);
    address_space_stb(io(), COM1 + 3, 0x03);
    address_space_stb(io(), COM1 + 7, 0xc3);
    address_space_stb(io(), COM1 + 2, 0x01);
    address_space_stb(io(), COM1 + 4, 0x18); /* OUT2, loopback */
    address_space_stb(io(), COM1 + 1, 0x01); /* receive interrupt only */
    address_space_stb(io(), COM1 + 0, 'o');
    address_space_stb(io(), COM1 + 0, 'k');
    address_space_stb(io(), COM1 + 0, '\n');
    g_assert_cmpint(hd_irq_get(ioapic, 4), ==, 1);
    sink = mig_save(src);
    g_assert_cmpuint(hd_mig_sink_count(sink), ==, 1);
    g_assert_cmpstr(hd_mig_sink_kind(sink, 0), ==, "uart-regs");
    g_assert_cmpuint(g_bytes_get_size(hd_mig_sink_data(sink, 0)), ==, 16 + 3);
    serial_free(src);
    hd_irq_set(ioapic, 4, 0);

    dst = serial_new("isa-serial,index=0");
    mig_refused(dst, sink, "uart-regs", edit_version,
                "the uart-regs section has format version 2, this hostdev reads version 1");
    mig_refused(dst, sink, "uart-regs", edit_truncate,
                "the uart-regs section is 18 bytes, its header describes 19");
    mig_refused(dst, sink, "uart-regs", edit_uart_fifo_count,
                "the uart-regs section is 19 bytes, its header describes 20");
    mig_refused(dst, sink, "uart-regs", edit_uart_ier,
                "IER is 0x10, a 16550A holds only bits 0x0f");
    mig_refused(dst, sink, "uart-regs", edit_uart_index,
                "the source's UART is COM port index 1 (0x2f8), this one index 0 (0x3f8)");
    g_assert_cmphex(address_space_ldub(io(), COM1 + 7, NULL), ==, 0);
    g_assert_cmphex(address_space_ldub(io(), COM1 + 5, NULL), ==, 0x60);
    g_assert_cmpint(hd_irq_get(ioapic, 4), ==, 0);

    g_assert_true(mig_load(dst, sink, NULL, NULL, &err));
    g_assert_no_error(err);
    g_assert_cmpint(hd_irq_get(ioapic, 4), ==, 1);
    g_assert_cmphex(address_space_ldub(io(), COM1 + 7, NULL), ==, 0xc3);
    g_assert_cmphex(address_space_ldub(io(), COM1 + 3, NULL), ==, 0x03);
    g_assert_cmphex(address_space_ldub(io(), COM1 + 4, NULL), ==, 0x18);
    g_assert_cmphex(address_space_ldub(io(), COM1 + 1, NULL), ==, 0x01);
    g_assert_cmphex(address_space_ldub(io(), COM1 + 2, NULL), ==, 0xc4);
    g_assert_cmphex(address_space_ldub(io(), COM1 + 0, NULL), ==, 'o');
    g_assert_cmphex(address_space_ldub(io(), COM1 + 0, NULL), ==, 'k');
    g_assert_cmphex(address_space_ldub(io(), COM1 + 0, NULL), ==, '\n');
    g_assert_cmphex(address_space_ldub(io(), COM1 + 5, NULL), ==, 0x60);
    g_assert_cmpint(hd_irq_get(ioapic, 4), ==, 0);
    address_space_stb(io(), COM1 + 3, 0x83);
    g_assert_cmphex(address_space_ldub(io(), COM1 + 0, NULL), ==, 0x03);
    g_assert_cmphex(address_space_ldub(io(), COM1 + 1, NULL), ==, 0x00);
    serial_free(dst);

    /* Another section kind than the UART's. */
    dst = serial_new("isa-serial,index=0");
    {
        g_autoptr(GError) e = NULL;
        HdMigInstance *in = mig_find(dst);

        g_assert_false(in->ops->load_section(in->opaque, "uart-fifo", (const uint8_t *)"", 0, &e));
        g_assert_nonnull(strstr(e->message, "has a 'uart-fifo' section this device does not know"));
    }
    serial_free(dst);
    hd_mig_sink_free(sink);
    hd_irq_lines_free(ioapic);
    memory_system_release();
}

static void test_q35_migration(void)
{
    MemoryRegion *sysmem = memory_region_new_container("test-system", UINT64_MAX);
    MemoryRegion *io_root = memory_region_new_container("test-io", 0x10000);
    AddressSpace *as = address_space_new("test-memory", sysmem);
    AddressSpace *io_as = address_space_new("test-io", io_root);
    GError *err = NULL;
    HdDevice *host;
    HdMigSink *sink;

    pci_register_types();
    host = q35_chipset_new(sysmem, io_root, as, &err);
    g_assert_no_error(err);
    address_space_stl(io_as, 0xcf8, 0x80000010);
    address_space_stb(io_as, 0xcf9, 0x08);
    sink = mig_save(host);
    g_assert_cmpuint(hd_mig_sink_count(sink), ==, 1);
    g_assert_cmpstr(hd_mig_sink_kind(sink, 0), ==, "q35-regs");
    hd_device_reset(host);
    g_assert_cmphex(address_space_ldl(io_as, 0xcf8, NULL), ==, 0);
    mig_refused(host, sink, "q35-regs", edit_version,
                "q35-pcihost: the q35-regs section has format version 2, this hostdev reads version 1");
    mig_refused(host, sink, "q35-regs", edit_truncate,
                "q35-pcihost: the q35-regs section is 7 bytes, version 1 has 8");
    mig_refused(host, sink, "q35-regs", edit_q35_cf8, "CONFIG_ADDRESS 0x80000011");
    g_assert_cmphex(address_space_ldl(io_as, 0xcf8, NULL), ==, 0);
    g_assert_true(mig_load(host, sink, NULL, NULL, &err));
    g_assert_no_error(err);
    g_assert_cmphex(address_space_ldl(io_as, 0xcf8, NULL), ==, 0x80000010);
    g_assert_cmphex(address_space_ldub(io_as, 0xcf9, NULL), ==, 0x08);
    hd_mig_sink_free(sink);
    g_object_unref(host);
    g_assert_null(mig_find(host));
    address_space_destroy(as);
    address_space_destroy(io_as);
    memory_region_unref(sysmem);
    memory_region_unref(io_root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pc-boot/acpi-tables", test_acpi_tables);
    g_test_add_func("/pc-boot/aml-pkglength", test_aml_pkglength);
    g_test_add_func("/pc-boot/mptable", test_mptable);
    g_test_add_func("/pc-boot/direct-boot", test_direct_boot);
    g_test_add_func("/pc-migration/pc-ports", test_pc_ports_migration);
    g_test_add_func("/pc-migration/serial", test_serial_migration);
    g_test_add_func("/pc-migration/q35", test_q35_migration);
    return g_test_run();
}
