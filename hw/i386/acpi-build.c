/*
 * ACPI tables for q35 under KVM, written from the machine's layout (no canned blobs): the
 * guest finds the LAPICs and I/O APIC (MADT), ECAM (MCFG), power-off and reset (FADT, \_S5)
 * and the PCI root bridge with its windows and INTx routing, and fw_cfg's ports (DSDT).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "hw/acpi/aml.h"
#include "hw/i386/acpi-build.h"
#include "hw/i386/q35.h"
#include "hw/nvram/fw_cfg.h"

#define HDR_LEN 36
#define PCI_64BIT_WINDOW_SIZE (64ULL << 30)

unsigned x86_topo_bits(unsigned n)
{
    unsigned b = 0;

    while ((1u << b) < n) {
        b++;
    }
    return b;
}

uint32_t x86_apic_id(unsigned index, unsigned threads, unsigned cores)
{
    unsigned tb = x86_topo_bits(threads), cb = x86_topo_bits(cores);

    return ((index / (threads * cores)) << (tb + cb)) | (((index / threads) % cores) << tb) |
           (index % threads);
}


static void set(GByteArray *a, size_t off, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        a->data[off + i] = (uint8_t)(v >> (8 * i));
    }
}

/* Start a table at the blob's end (8-byte aligned); returns its offset. */
static size_t table_begin(GByteArray *blob, const char *sig, uint8_t rev)
{
    size_t off;

    while (blob->len % 8) {
        aml_append_le(blob, 0, 1);
    }
    off = blob->len;
    g_byte_array_append(blob, (const guint8 *)sig, 4);
    aml_append_le(blob, 0, 4); /* length */
    aml_append_le(blob, rev, 1);
    aml_append_le(blob, 0, 1); /* checksum */
    g_byte_array_append(blob, (const guint8 *)"HOSTDV", 6);
    g_byte_array_append(blob, (const guint8 *)"HOSTDEV ", 8);
    aml_append_le(blob, 1, 4);
    g_byte_array_append(blob, (const guint8 *)"HDEV", 4);
    aml_append_le(blob, 1, 4);
    return off;
}

static void table_end(GByteArray *blob, size_t off)
{
    set(blob, off + 4, blob->len - off, 4);
    blob->data[off + 9] = acpi_checksum(blob->data + off, blob->len - off);
}

/* Generic Address Structure in system I/O space. */
static void put_gas_io(GByteArray *a, uint16_t port, uint8_t bits, uint8_t access)
{
    aml_append_le(a, 1, 1);
    aml_append_le(a, bits, 1);
    aml_append_le(a, 0, 1);
    aml_append_le(a, access, 1);
    aml_append_le(a, port, 8);
}

static Aml *build_crs(const HdAcpiConfig *c)
{
    g_autoptr(GByteArray) r = g_byte_array_new();
    uint64_t above_end = 0x100000000ULL + c->ram_above_4g;
    uint64_t win64 = (above_end + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);

    aml_res_word_bus(r, 0, 0xff);
    aml_res_io(r, 0xcf8, 8);
    aml_res_word_io(r, 0x0000, 0x0cf7);
    aml_res_word_io(r, 0x0d00, 0xffff);
    aml_res_dword_mem(r, 0x000a0000, 0x000bffff);
    if (c->ram_below_4g < Q35_ECAM_BASE) {
        aml_res_dword_mem(r, (uint32_t)c->ram_below_4g, (uint32_t)Q35_ECAM_BASE - 1);
    }
    aml_res_dword_mem(r, (uint32_t)(Q35_ECAM_BASE + Q35_ECAM_SIZE), 0xfebfffff);
    if (win64 < 0x100000000ULL) {
        win64 = 0x100000000ULL;
    }
    aml_res_qword_mem(r, win64, win64 + PCI_64BIT_WINDOW_SIZE - 1);
    aml_resource_end(r);
    return aml_buffer(r->data, r->len);
}

static Aml *build_prt(void)
{
    Aml *prt = aml_package(128);

    for (unsigned slot = 0; slot < 32; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            Aml *e = aml_package(4);

            aml_append(e, aml_int(((uint64_t)slot << 16) | 0xffff));
            aml_append(e, aml_int(pin));
            aml_append(e, aml_int(0));
            aml_append(e, aml_int(16 + (slot + pin) % 8));
            aml_append(prt, aml_end(e));
        }
    }
    return aml_end(prt);
}

/* The PCI Firmware Specification's _OSC UUID for PCI Express host bridges. */
#define PCI_HOST_BRIDGE_OSC_UUID "33db4d5b-1ff7-401c-9657-7441c03dd766"

/*
 * _OSC: the OS gets every PCI Express feature it asks for, native hot-plug included, so the
 * guest's pciehp drives the root ports' slots (hostdev has no ACPI hot-plug). Another UUID gets
 * "unrecognized UUID" (bit 2 of the first dword).
 */
static Aml *build_osc(void)
{
    Aml *osc = aml_method("_OSC", 4);
    Aml *known = aml_if(aml_lequal(aml_arg(0), aml_uuid(PCI_HOST_BRIDGE_OSC_UUID)));

    aml_append(osc, aml_create_dword_field(aml_arg(3), aml_int(0), "CDW1"));
    aml_append(known, aml_return(aml_arg(3)));
    aml_append(osc, aml_end(known));
    aml_append(osc, aml_or(aml_name("CDW1"), aml_int(4), aml_name("CDW1")));
    aml_append(osc, aml_return(aml_arg(3)));
    return aml_end(osc);
}

/* fw_cfg's ports, under the _HID the guest's qemu_fw_cfg driver binds to. */
static Aml *build_fwcf(void)
{
    Aml *dev = aml_device("FWCF");
    g_autoptr(GByteArray) r = g_byte_array_new();

    aml_res_io(r, FW_CFG_IO_BASE, FW_CFG_IO_SIZE);
    aml_resource_end(r);
    aml_append(dev, aml_name_decl("_HID", aml_string("QEMU0002")));
    aml_append(dev, aml_name_decl("_STA", aml_int(0xb)));
    aml_append(dev, aml_name_decl("_CRS", aml_buffer(r->data, r->len)));
    return aml_end(dev);
}

static void build_dsdt(GByteArray *blob, const HdAcpiConfig *c)
{
    size_t off = table_begin(blob, "DSDT", 2);
    Aml *sb = aml_scope("\\_SB");
    Aml *pci = aml_device("PCI0");
    Aml *res = aml_device("MRES");
    Aml *s5 = aml_package(4);
    g_autoptr(GByteArray) mres = g_byte_array_new();

    aml_append(pci, aml_name_decl("_HID", aml_eisaid("PNP0A08")));
    aml_append(pci, aml_name_decl("_CID", aml_eisaid("PNP0A03")));
    aml_append(pci, aml_name_decl("_SEG", aml_int(0)));
    aml_append(pci, aml_name_decl("_BBN", aml_int(0)));
    aml_append(pci, aml_name_decl("_UID", aml_int(0)));
    aml_append(pci, aml_name_decl("_CRS", build_crs(c)));
    aml_append(pci, aml_name_decl("_PRT", build_prt()));
    aml_append(pci, build_osc());
    aml_append(sb, aml_end(pci));

    /* Motherboard resources: ECAM, so the kernel accepts MCFG's window. */
    aml_res_mem32_fixed(mres, (uint32_t)Q35_ECAM_BASE, (uint32_t)Q35_ECAM_SIZE);
    aml_resource_end(mres);
    aml_append(res, aml_name_decl("_HID", aml_eisaid("PNP0C02")));
    aml_append(res, aml_name_decl("_UID", aml_int(1)));
    aml_append(res, aml_name_decl("_CRS", aml_buffer(mres->data, mres->len)));
    aml_append(sb, aml_end(res));
    aml_append(sb, build_fwcf());
    aml_append(blob, aml_end(sb));

    for (int i = 0; i < 4; i++) {
        aml_append(s5, aml_int(i < 2 ? ACPI_S5_TYP : 0));
    }
    aml_append(blob, aml_name_decl("\\_S5", aml_end(s5)));
    table_end(blob, off);
}

static void build_facs(GByteArray *blob)
{
    size_t off;

    while (blob->len % 64) {
        aml_append_le(blob, 0, 1);
    }
    off = blob->len;
    g_byte_array_append(blob, (const guint8 *)"FACS", 4);
    aml_append_le(blob, 64, 4);
    aml_append_le(blob, 0, 56);
    blob->data[off + 32] = 2; /* version */
}

static void build_fadt(GByteArray *blob, uint64_t base, size_t facs, size_t dsdt)
{
    size_t off = table_begin(blob, "FACP", 6);

    aml_append_le(blob, base + facs, 4);          /* FIRMWARE_CTRL */
    aml_append_le(blob, base + dsdt, 4);          /* DSDT */
    aml_append_le(blob, 0, 1);
    aml_append_le(blob, 0, 1);                    /* unspecified PM profile */
    aml_append_le(blob, ACPI_SCI_IRQ, 2);
    aml_append_le(blob, 0, 4);                    /* no SMI_CMD: always in ACPI mode */
    aml_append_le(blob, 0, 4);                    /* ACPI_ENABLE .. PSTATE_CNT */
    aml_append_le(blob, ACPI_PM1_EVT, 4);
    aml_append_le(blob, 0, 4);
    aml_append_le(blob, ACPI_PM1_CNT, 4);
    aml_append_le(blob, 0, 4);
    aml_append_le(blob, 0, 4);                    /* PM2 */
    aml_append_le(blob, ACPI_PM_TMR, 4);
    aml_append_le(blob, 0, 4);                    /* GPE0 */
    aml_append_le(blob, 0, 4);                    /* GPE1 */
    aml_append_le(blob, 4, 1);                    /* PM1_EVT_LEN */
    aml_append_le(blob, 2, 1);                    /* PM1_CNT_LEN */
    aml_append_le(blob, 0, 1);
    aml_append_le(blob, 4, 1);                    /* PM_TMR_LEN */
    aml_append_le(blob, 0, 4);                    /* GPE lengths, GPE1 base, CST_CNT */
    aml_append_le(blob, 0xfff, 2);                /* no C2 */
    aml_append_le(blob, 0xfff, 2);                /* no C3 */
    aml_append_le(blob, 0, 4);                    /* flush size and stride */
    aml_append_le(blob, 0, 4);                    /* duty, day and month alarms */
    aml_append_le(blob, 0x32, 1);                 /* CMOS century register */
    aml_append_le(blob, 0, 2);                    /* IAPC_BOOT_ARCH: no legacy devices, no 8042 */
    aml_append_le(blob, 0, 1);
    /* WBINVD, C1 on all CPUs, no fixed sleep button, reset register supported. */
    aml_append_le(blob, (1u << 0) | (1u << 2) | (1u << 5) | (1u << 10), 4);
    put_gas_io(blob, 0xcf9, 8, 1);      /* RESET_REG */
    aml_append_le(blob, 0x06, 1);                 /* RESET_VALUE: full reset */
    aml_append_le(blob, 0, 2);                    /* ARM_BOOT_ARCH */
    aml_append_le(blob, 0, 1);                    /* minor version */
    aml_append_le(blob, 0, 8);                    /* X_FIRMWARE_CTRL (FIRMWARE_CTRL is set) */
    aml_append_le(blob, base + dsdt, 8);          /* X_DSDT */
    aml_append_le(blob, 0, 12 * 8);               /* X_ blocks: the kernel uses the 32-bit ones */
    aml_append_le(blob, 0, 8);                    /* hypervisor vendor */
    table_end(blob, off);
}

static void build_madt(GByteArray *blob, const HdAcpiConfig *c)
{
    size_t off = table_begin(blob, "APIC", 3);

    aml_append_le(blob, 0xfee00000, 4);
    aml_append_le(blob, 1, 4); /* PCAT_COMPAT: the 8259s are there */
    for (unsigned i = 0; i < c->cpus; i++) {
        aml_append_le(blob, 0, 1);
        aml_append_le(blob, 8, 1);
        aml_append_le(blob, i, 1);
        aml_append_le(blob, x86_apic_id(i, c->threads, c->cores), 1);
        aml_append_le(blob, 1, 4); /* enabled */
    }
    aml_append_le(blob, 1, 1); /* I/O APIC */
    aml_append_le(blob, 12, 1);
    aml_append_le(blob, 0, 1);
    aml_append_le(blob, 0, 1);
    aml_append_le(blob, 0xfec00000, 4);
    aml_append_le(blob, 0, 4);
    /* IRQ 0 is the PIT on GSI 2; the SCI is level, active high. */
    aml_append_le(blob, 2, 1);
    aml_append_le(blob, 10, 1);
    aml_append_le(blob, 0, 1);
    aml_append_le(blob, 0, 1);
    aml_append_le(blob, 2, 4);
    aml_append_le(blob, 0, 2);
    aml_append_le(blob, 2, 1);
    aml_append_le(blob, 10, 1);
    aml_append_le(blob, 0, 1);
    aml_append_le(blob, ACPI_SCI_IRQ, 1);
    aml_append_le(blob, ACPI_SCI_IRQ, 4);
    aml_append_le(blob, 0x000d, 2);
    /* LINT1 of every LAPIC is NMI. */
    aml_append_le(blob, 4, 1);
    aml_append_le(blob, 6, 1);
    aml_append_le(blob, 0xff, 1);
    aml_append_le(blob, 0, 2);
    aml_append_le(blob, 1, 1);
    table_end(blob, off);
}

static void build_mcfg(GByteArray *blob)
{
    size_t off = table_begin(blob, "MCFG", 1);

    aml_append_le(blob, 0, 8);
    aml_append_le(blob, Q35_ECAM_BASE, 8);
    aml_append_le(blob, 0, 2);
    aml_append_le(blob, 0, 1);
    aml_append_le(blob, (Q35_ECAM_SIZE >> 20) - 1, 1);
    aml_append_le(blob, 0, 4);
    table_end(blob, off);
}

GBytes *hd_acpi_build(const HdAcpiConfig *c, uint64_t *rsdp)
{
    GByteArray *blob = g_byte_array_new();
    size_t facs, dsdt, fadt, madt, mcfg, xsdt;

    /* RSDP first, at the area's start (the kernel also scans 0xe0000..0xfffff for it). */
    aml_append_le(blob, 0, 36);
    build_facs(blob);
    facs = blob->len - 64;
    dsdt = (blob->len + 7) & ~7u;
    build_dsdt(blob, c);
    fadt = (blob->len + 7) & ~7u;
    build_fadt(blob, c->base, facs, dsdt);
    madt = (blob->len + 7) & ~7u;
    build_madt(blob, c);
    mcfg = (blob->len + 7) & ~7u;
    build_mcfg(blob);
    xsdt = table_begin(blob, "XSDT", 1);
    aml_append_le(blob, c->base + fadt, 8);
    aml_append_le(blob, c->base + madt, 8);
    aml_append_le(blob, c->base + mcfg, 8);
    table_end(blob, xsdt);

    memcpy(blob->data, "RSD PTR ", 8);
    memcpy(blob->data + 9, "HOSTDV", 6);
    blob->data[15] = 2;               /* revision: ACPI 2.0+ */
    set(blob, 16, 0, 4);              /* RSDT: none */
    set(blob, 20, 36, 4);             /* length */
    set(blob, 24, c->base + xsdt, 8); /* XSDT */
    blob->data[8] = acpi_checksum(blob->data, 20);
    blob->data[32] = acpi_checksum(blob->data, 36);
    *rsdp = c->base;
    return g_byte_array_free_to_bytes(blob);
}
