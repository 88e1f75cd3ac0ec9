/*
 * Fixed PC ports for a Linux guest under KVM: ACPI PM1 event/control and the PM timer, the
 * reset paths Linux tries (keyboard controller 0xfe, port 0x92), a CMOS RTC in BCD, and POST
 * codes. Power-off and reset go to system/lifecycle.c.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <time.h>

#include "hw/i386/acpi-build.h"
#include "hw/i386/pc-ports.h"
#include "hw/i386/q35.h"
#include "hw/irq.h"
#include "system/address-space.h"
#include "system/lifecycle.h"
#include "trace.h"

#define PM1_TMR_STS (1u << 0)
#define PM1_PWRBTN_STS (1u << 8)
#define PM1_CNT_SCI_EN (1u << 0)
#define PM1_CNT_SLP_EN (1u << 13)
#define PM_TIMER_HZ 3579545ULL

#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32
#define RTC_B_SET 0x80
#define RTC_B_24H 0x02
#define RTC_B_BINARY 0x04

struct HdPcPorts {
    GPtrArray *regions; /* MemoryRegion *, mapped in the I/O root */
    HdIrqLines *ioapic; /* the SCI's line set, borrowed from the chipset */
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    int64_t start_ns;
    uint8_t rtc_index;
    uint8_t rtc_ram[128];
    int64_t rtc_offset_s; /* guest time = host time + offset */
    bool rtc_localtime;
    uint8_t port92;
};

static HdPcPorts *the_ports;

/* --- ACPI PM1 and timer --- */

static void sci_update(HdPcPorts *p)
{
    if (p->ioapic) {
        hd_irq_set(p->ioapic, ACPI_SCI_IRQ, (p->pm1_sts & p->pm1_en) ? 1 : 0);
    }
}

static uint64_t pm_read(void *opaque, hwaddr addr, unsigned size)
{
    HdPcPorts *p = opaque;
    uint64_t ticks;

    (void)size;
    switch (addr) {
    case 0:
        return p->pm1_sts;
    case 2:
        return p->pm1_en;
    case 4:
        return p->pm1_cnt | PM1_CNT_SCI_EN;
    case 8:
        ticks = (uint64_t)(g_get_monotonic_time() * 1000 - p->start_ns) * PM_TIMER_HZ /
                1000000000ULL;
        return ticks & 0xffffff;
    }
    return 0;
}

static void pm_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    HdPcPorts *p = opaque;

    (void)size;
    switch (addr) {
    case 0:
        p->pm1_sts &= ~(uint16_t)value; /* write 1 to clear */
        sci_update(p);
        break;
    case 2:
        p->pm1_en = (uint16_t)value;
        sci_update(p);
        break;
    case 4:
        p->pm1_cnt = (uint16_t)(value & ~PM1_CNT_SLP_EN);
        trace_pc_pm1_cnt((unsigned)value);
        if ((value & PM1_CNT_SLP_EN) && ((value >> 10) & 7) == ACPI_S5_TYP) {
            hd_guest_request_shutdown("guest-shutdown");
        }
        break;
    }
}

static const MemoryRegionOps pm_ops = {
    .read = pm_read,
    .write = pm_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 2, .max_access_size = 4 },
};

void hd_pc_ports_power_button(void)
{
    if (the_ports) {
        the_ports->pm1_sts |= PM1_PWRBTN_STS;
        sci_update(the_ports);
    }
}

/* --- reset ports --- */

static uint64_t kbd_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return 0; /* no keyboard: buffers empty, nothing to read */
}

static void kbd_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    (void)opaque;
    (void)size;
    if (addr == 4 && (value & 0xff) == 0xfe) {
        hd_guest_request_reset("guest-reset");
    }
}

static const MemoryRegionOps kbd_ops = {
    .read = kbd_read,
    .write = kbd_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t port92_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)addr;
    (void)size;
    return ((HdPcPorts *)opaque)->port92;
}

static void port92_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    HdPcPorts *p = opaque;

    (void)addr;
    (void)size;
    p->port92 = value & 0x02; /* A20 stays as written */
    if (value & 0x01) {
        hd_guest_request_reset("guest-reset");
    }
}

static const MemoryRegionOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t post_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return 0xff;
}

static void post_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)value;
    (void)size;
}

static const MemoryRegionOps post_ops = {
    .read = post_read,
    .write = post_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
};

/* --- CMOS RTC --- */

static uint8_t to_bcd(int v)
{
    return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static int from_bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 0xf);
}

static void rtc_now(HdPcPorts *p, struct tm *tm)
{
    time_t t = time(NULL) + p->rtc_offset_s;

    if (p->rtc_localtime) {
        localtime_r(&t, tm);
    } else {
        gmtime_r(&t, tm);
    }
}

static uint8_t rtc_field(HdPcPorts *p, uint8_t reg)
{
    bool bcd = !(p->rtc_ram[RTC_REG_B] & RTC_B_BINARY);
    struct tm tm;
    int v;

    if (p->rtc_ram[RTC_REG_B] & RTC_B_SET) {
        return p->rtc_ram[reg]; /* being set: what the guest wrote */
    }
    rtc_now(p, &tm);
    switch (reg) {
    case 0: v = tm.tm_sec; break;
    case 2: v = tm.tm_min; break;
    case 4: v = tm.tm_hour; break;
    case 6: v = tm.tm_wday + 1; break;
    case 7: v = tm.tm_mday; break;
    case 8: v = tm.tm_mon + 1; break;
    case 9: v = tm.tm_year % 100; break;
    case RTC_CENTURY: v = (tm.tm_year + 1900) / 100; break;
    default: return p->rtc_ram[reg];
    }
    return bcd ? to_bcd(v) : (uint8_t)v;
}

/* The guest finished setting the clock (SET cleared): keep the difference to the host. */
static void rtc_commit(HdPcPorts *p)
{
    bool bcd = !(p->rtc_ram[RTC_REG_B] & RTC_B_BINARY);
    int (*conv)(uint8_t) = from_bcd;
    struct tm tm = { 0 };
    time_t t;

    if (!bcd) {
        for (int r = 0; r <= 9; r++) {
            p->rtc_ram[r] = to_bcd(p->rtc_ram[r]);
        }
    }
    tm.tm_sec = conv(p->rtc_ram[0]);
    tm.tm_min = conv(p->rtc_ram[2]);
    tm.tm_hour = conv(p->rtc_ram[4]);
    tm.tm_mday = conv(p->rtc_ram[7]);
    tm.tm_mon = conv(p->rtc_ram[8]) - 1;
    tm.tm_year = conv(p->rtc_ram[9]) + 100 * conv(p->rtc_ram[RTC_CENTURY]) - 1900;
    t = p->rtc_localtime ? mktime(&tm) : timegm(&tm);
    p->rtc_offset_s = (int64_t)t - (int64_t)time(NULL);
    trace_pc_rtc_set((long long)p->rtc_offset_s);
}

static uint64_t rtc_read(void *opaque, hwaddr addr, unsigned size)
{
    HdPcPorts *p = opaque;
    uint8_t reg = p->rtc_index & 0x7f;

    (void)size;
    if (addr == 0) {
        return 0xff;
    }
    switch (reg) {
    case RTC_REG_A:
        return p->rtc_ram[RTC_REG_A] & 0x7f; /* never "update in progress" */
    case RTC_REG_C:
        return 0;
    case RTC_REG_D:
        return 0x80; /* battery good */
    }
    return rtc_field(p, reg);
}

static void rtc_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    HdPcPorts *p = opaque;
    uint8_t reg = p->rtc_index & 0x7f;

    (void)size;
    if (addr == 0) {
        p->rtc_index = (uint8_t)value; /* bit 7 masks NMIs; nothing to mask here */
        return;
    }
    if (reg == RTC_REG_B) {
        bool was_set = p->rtc_ram[RTC_REG_B] & RTC_B_SET;

        if (!was_set && (value & RTC_B_SET)) {
            for (uint8_t r = 0; r <= 9; r++) {
                p->rtc_ram[r] = rtc_field(p, r);
            }
            p->rtc_ram[RTC_CENTURY] = rtc_field(p, RTC_CENTURY);
        }
        p->rtc_ram[RTC_REG_B] = (uint8_t)value | RTC_B_24H;
        if (was_set && !(value & RTC_B_SET)) {
            rtc_commit(p);
        }
        return;
    }
    if (reg == RTC_REG_C || reg == RTC_REG_D) {
        return;
    }
    p->rtc_ram[reg] = (uint8_t)value;
}

static const MemoryRegionOps rtc_ops = {
    .read = rtc_read,
    .write = rtc_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

/* --- the set --- */

static void map(HdPcPorts *p, const char *name, hwaddr port, uint64_t size,
                const MemoryRegionOps *ops)
{
    MemoryRegion *mr = memory_region_new_io(name, size, ops, p);

    memory_region_add_subregion(memory_system_io_root(), port, mr);
    g_ptr_array_add(p->regions, mr);
}

HdPcPorts *hd_pc_ports_new(bool rtc_localtime, GError **errp)
{
    HdPcPorts *p = g_new0(HdPcPorts, 1);

    (void)errp;
    p->regions = g_ptr_array_new();
    p->ioapic = hd_irq_lines_find(Q35_IOAPIC_PATH);
    p->start_ns = g_get_monotonic_time() * 1000;
    p->rtc_localtime = rtc_localtime;
    p->rtc_ram[RTC_REG_A] = 0x26;
    p->rtc_ram[RTC_REG_B] = RTC_B_24H;
    memory_region_transaction_begin();
    map(p, "acpi-pm", ACPI_PM_BASE, 12, &pm_ops);
    map(p, "i8042", 0x60, 5, &kbd_ops);
    map(p, "port92", 0x92, 1, &port92_ops);
    map(p, "rtc", 0x70, 2, &rtc_ops);
    map(p, "post", 0x80, 1, &post_ops);
    memory_region_transaction_commit();
    the_ports = p;
    return p;
}

void hd_pc_ports_free(HdPcPorts *p)
{
    if (!p) {
        return;
    }
    memory_region_transaction_begin();
    for (guint i = 0; i < p->regions->len; i++) {
        memory_region_del_subregion(memory_system_io_root(), p->regions->pdata[i]);
        memory_region_unref(p->regions->pdata[i]);
    }
    memory_region_transaction_commit();
    g_ptr_array_unref(p->regions);
    if (the_ports == p) {
        the_ports = NULL;
    }
    g_free(p);
}
