/*
 * PC machine stubs for hosts other than x86_64, where hw/i386 is not built: -machine q35 fails
 * with a message saying so; the PC ports and direct Linux boot are only reached under KVM,
 * which such a host never enables (stubs/kvm.c).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/i386/acpi-build.h"
#include "hw/i386/pc-boot.h"
#include "hw/i386/pc-ports.h"
#include "hw/i386/q35.h"
#include "qom/object.h"

HdDevice *q35_chipset_new(MemoryRegion *sysmem, MemoryRegion *io, AddressSpace *dma_as,
                          GError **errp)
{
    (void)sysmem;
    (void)io;
    (void)dma_as;
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "the q35 chipset is only built on x86_64 hosts; use -machine none with -accel qtest on this one");
    return NULL;
}

uint32_t x86_apic_id(unsigned index, unsigned threads, unsigned cores)
{
    (void)threads;
    (void)cores;
    return index;
}

HdPcPorts *hd_pc_ports_new(bool rtc_localtime, GError **errp)
{
    (void)rtc_localtime;
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "the PC ports are only built on x86_64 hosts");
    return NULL;
}

void hd_pc_ports_free(HdPcPorts *ports)
{
    (void)ports;
}

void hd_pc_ports_power_button(void)
{
}

HdPcBoot *hd_pc_boot_new(const HdPcBootConfig *config, GError **errp)
{
    (void)config;
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                "direct Linux boot is only built on x86_64 hosts");
    return NULL;
}

void hd_pc_boot_free(HdPcBoot *boot)
{
    (void)boot;
}
