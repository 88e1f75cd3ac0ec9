/*
 * Fixed PC ports for a Linux guest under KVM: ACPI PM1 event/control and the PM timer, the
 * reset paths Linux tries (keyboard controller 0xfe, port 0x92), a CMOS RTC in BCD, and POST
 * codes. Power-off and reset go to system/lifecycle.c. Migration: the "acpi-pm", "rtc-cmos" and
 * "port92" sections of the instance "pc-ports" (formats at the end of the file).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <time.h>

#include "hw/i386/acpi-build.h"
#include "hw/i386/pc-ports.h"
#include "hw/i386/q35.h"
#include "hw/irq.h"
#include "migration/register.h"
#include "qom/object.h"
#include "system/address-space.h"
#include "system/lifecycle.h"
#include "trace.h"

#define PM1_TMR_STS (1u << 0)
#define PM1_PWRBTN_STS (1u << 8)
#define PM1_CNT_SCI_EN (1u << 0)
#define PM1_CNT_SLP_EN (1u << 13)
#define PM_TIMER_HZ 3579545ULL
#define PM1_STS_BITS (PM1_TMR_STS | PM1_PWRBTN_STS)

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
    int64_t start_ns;    /* the PM timer counts from here (monotonic clock) */
    unsigned mig_loaded; /* destination: MIG_* bits of the sections loaded */
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

static uint64_t pm_timer_elapsed_ns(HdPcPorts *p)
{
    return (uint64_t)(g_get_monotonic_time() * 1000 - p->start_ns);
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
        ticks = pm_timer_elapsed_ns(p) * PM_TIMER_HZ / 1000000000ULL;
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

/*
 * The 8042 holds no state: there is no keyboard or mouse behind it, and its only command acted
 * on (0xfe, pulse reset) resets at once. Nothing to migrate.
 */
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

/* POST codes are dropped (nothing reads them back: 0x80 reads 0xff), so none migrates. */
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

/* --- migration --- */

/*
 * Three sections of the instance "pc-ports", each with its own format version, little-endian.
 * A reader refuses another version, another length and bits these registers never hold, then
 * another -rtc base, before changing anything; every section must arrive (load_complete).
 *
 * "acpi-pm", version 1, 16 bytes:
 *   0   2  format version (1)
 *   2   2  PM1 status (TMR_STS, PWRBTN_STS)
 *   4   2  PM1 enable
 *   6   2  PM1 control as last written without SLP_EN: SLP_TYP; SCI_EN always reads 1
 *   8   8  PM timer: nanoseconds counted when the VM stopped; the destination counts on from
 *          there, so the guest's 24-bit timer neither jumps back nor counts the downtime
 * The SCI level is derived from status and enable and driven again on load.
 *
 * "rtc-cmos", version 1, 144 bytes:
 *   0   2  format version (1)
 *   2   1  index register (0x70) as written, bit 7 the NMI mask included
 *   3   1  flags: bit 0 the RTC counts local time (-rtc base=localtime); the destination's
 *          -rtc base must match
 *   4   4  0
 *   8   8  clock base: guest RTC time minus host time (CLOCK_REALTIME) in seconds, signed; the
 *          destination keeps it, so the guest's clock goes on from the host clock as the
 *          source's did (hosts keep their clocks in sync, e.g. NTP)
 *   16  128 CMOS RAM: registers A and B, the alarm (1, 3, 5), the time as the guest wrote it
 *          while B.SET holds it (0-9, 0x32), and the free bytes. Register C reads 0 and D
 *          0x80 whatever is stored: no RTC interrupt is emulated, so none can be pending.
 *
 * "port92", version 1, 4 bytes: u16 format version (1), u8 port 0x92 (A20 gate bit 1), u8 0.
 */
#define MIG_PM_KIND "acpi-pm"
#define MIG_PM_VERSION 1
#define MIG_PM_SIZE 16
#define MIG_RTC_KIND "rtc-cmos"
#define MIG_RTC_VERSION 1
#define MIG_RTC_SIZE (16 + 128)
#define MIG_RTC_LOCALTIME 0x1
#define MIG_P92_KIND "port92"
#define MIG_P92_VERSION 1
#define MIG_P92_SIZE 4
#define MIG_PM (1u << 0)
#define MIG_RTC (1u << 1)
#define MIG_P92 (1u << 2)
#define MIG_INSTANCE "pc-ports"

static void put_le16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}

static void put_le64(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint16_t get_le16(const uint8_t *b)
{
    return (uint16_t)(b[0] | (b[1] << 8));
}

static uint64_t get_le64(const uint8_t *b)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | b[i];
    }
    return v;
}

static bool pc_ports_save(void *opaque, HdMigSink *sink, GError **errp)
{
    HdPcPorts *p = opaque;
    uint8_t pm[MIG_PM_SIZE] = { 0 }, rtc[MIG_RTC_SIZE] = { 0 }, p92[MIG_P92_SIZE] = { 0 };
    uint64_t elapsed = pm_timer_elapsed_ns(p);

    put_le16(pm, MIG_PM_VERSION);
    put_le16(pm + 2, p->pm1_sts);
    put_le16(pm + 4, p->pm1_en);
    put_le16(pm + 6, p->pm1_cnt);
    put_le64(pm + 8, elapsed);
    put_le16(rtc, MIG_RTC_VERSION);
    rtc[2] = p->rtc_index;
    rtc[3] = p->rtc_localtime ? MIG_RTC_LOCALTIME : 0;
    put_le64(rtc + 8, (uint64_t)p->rtc_offset_s);
    memcpy(rtc + 16, p->rtc_ram, sizeof(p->rtc_ram));
    put_le16(p92, MIG_P92_VERSION);
    p92[2] = p->port92;
    trace_pc_ports_migration_save(p->pm1_sts, p->pm1_en, p->pm1_cnt,
                                  (unsigned long long)elapsed, (long long)p->rtc_offset_s);
    return hd_mig_put(sink, MIG_PM_KIND, pm, sizeof(pm), errp) &&
           hd_mig_put(sink, MIG_RTC_KIND, rtc, sizeof(rtc), errp) &&
           hd_mig_put(sink, MIG_P92_KIND, p92, sizeof(p92), errp);
}

/* Version and length of a section; false with @errp naming what differs. */
static bool mig_check_header(const char *kind, const uint8_t *data, size_t len, unsigned version,
                             size_t size, GError **errp)
{
    unsigned v = len >= 2 ? get_le16(data) : 0;

    if (v != version) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "pc-ports: the %s section has format version %u, this hostdev reads version %u; migrate to a hostdev that reads the source's format",
                    kind, v, version);
        return false;
    }
    if (len != size) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "pc-ports: the %s section is %zu bytes, version %u has %zu; the migration stream is damaged",
                    kind, len, version, size);
        return false;
    }
    return true;
}

static bool mig_bits(const char *kind, const char *field, unsigned value, unsigned valid,
                     GError **errp)
{
    if (value & ~valid) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "pc-ports: the %s section's %s is 0x%x, only bits 0x%x are defined; the migration stream is damaged",
                    kind, field, value, valid);
        return false;
    }
    return true;
}

static bool load_pm(HdPcPorts *p, const uint8_t *data, size_t len, GError **errp)
{
    uint64_t elapsed;

    if (!mig_check_header(MIG_PM_KIND, data, len, MIG_PM_VERSION, MIG_PM_SIZE, errp) ||
        !mig_bits(MIG_PM_KIND, "PM1 status", get_le16(data + 2), PM1_STS_BITS, errp) ||
        !mig_bits(MIG_PM_KIND, "PM1 control", get_le16(data + 6), 0xffffu & ~PM1_CNT_SLP_EN,
                  errp)) {
        return false;
    }
    elapsed = get_le64(data + 8);
    if (elapsed > (uint64_t)INT64_MAX / 2) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "pc-ports: the %s section's PM timer count (%" G_GUINT64_FORMAT " ns) is out of range; the migration stream is damaged",
                    MIG_PM_KIND, elapsed);
        return false;
    }
    p->pm1_sts = get_le16(data + 2);
    p->pm1_en = get_le16(data + 4);
    p->pm1_cnt = get_le16(data + 6);
    p->start_ns = g_get_monotonic_time() * 1000 - (int64_t)elapsed;
    sci_update(p);
    return true;
}

static bool load_rtc(HdPcPorts *p, const uint8_t *data, size_t len, GError **errp)
{
    bool src_local;

    if (!mig_check_header(MIG_RTC_KIND, data, len, MIG_RTC_VERSION, MIG_RTC_SIZE, errp) ||
        !mig_bits(MIG_RTC_KIND, "flags", data[3], MIG_RTC_LOCALTIME, errp) ||
        !mig_bits(MIG_RTC_KIND, "reserved word",
                  data[4] | data[5] << 8 | data[6] << 16 | (unsigned)data[7] << 24, 0, errp)) {
        return false;
    }
    src_local = data[3] & MIG_RTC_LOCALTIME;
    if (src_local != p->rtc_localtime) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "pc-ports: the source's RTC counts %s, this one %s; start the destination with -rtc base=%s",
                    src_local ? "local time" : "UTC", p->rtc_localtime ? "local time" : "UTC",
                    src_local ? "localtime" : "utc");
        return false;
    }
    p->rtc_index = data[2];
    p->rtc_offset_s = (int64_t)get_le64(data + 8);
    memcpy(p->rtc_ram, data + 16, sizeof(p->rtc_ram));
    return true;
}

static bool load_port92(HdPcPorts *p, const uint8_t *data, size_t len, GError **errp)
{
    if (!mig_check_header(MIG_P92_KIND, data, len, MIG_P92_VERSION, MIG_P92_SIZE, errp) ||
        !mig_bits(MIG_P92_KIND, "port 0x92", data[2], 0x02, errp) ||
        !mig_bits(MIG_P92_KIND, "reserved byte", data[3], 0, errp)) {
        return false;
    }
    p->port92 = data[2];
    return true;
}

static bool pc_ports_load_setup(void *opaque, GError **errp)
{
    (void)errp;
    ((HdPcPorts *)opaque)->mig_loaded = 0;
    return true;
}

static bool pc_ports_load_section(void *opaque, const char *kind, const uint8_t *data,
                                  size_t len, GError **errp)
{
    HdPcPorts *p = opaque;
    bool ok;
    unsigned bit;

    if (!strcmp(kind, MIG_PM_KIND)) {
        ok = load_pm(p, data, len, errp);
        bit = MIG_PM;
    } else if (!strcmp(kind, MIG_RTC_KIND)) {
        ok = load_rtc(p, data, len, errp);
        bit = MIG_RTC;
    } else if (!strcmp(kind, MIG_P92_KIND)) {
        ok = load_port92(p, data, len, errp);
        bit = MIG_P92;
    } else {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "pc-ports: the migration stream has a '%s' section these ports do not know; migrate to a hostdev that reads the source's format",
                    kind);
        return false;
    }
    if (ok) {
        p->mig_loaded |= bit;
        trace_pc_ports_migration_load(kind);
    }
    return ok;
}

static bool pc_ports_load_complete(void *opaque, GError **errp)
{
    HdPcPorts *p = opaque;
    const char *missing = !(p->mig_loaded & MIG_PM)    ? MIG_PM_KIND
                          : !(p->mig_loaded & MIG_RTC) ? MIG_RTC_KIND
                          : !(p->mig_loaded & MIG_P92) ? MIG_P92_KIND
                                                       : NULL;

    if (missing) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "pc-ports: the migration stream has no %s section; the source's hostdev does not save it, or the stream is damaged",
                    missing);
        return false;
    }
    return true;
}

static const HdMigrationOps pc_ports_mig_ops = {
    .save_complete = pc_ports_save,
    .load_setup = pc_ports_load_setup,
    .load_section = pc_ports_load_section,
    .load_complete = pc_ports_load_complete,
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
    hd_migration_register(MIG_INSTANCE, &pc_ports_mig_ops, p);
    the_ports = p;
    return p;
}

void hd_pc_ports_free(HdPcPorts *p)
{
    if (!p) {
        return;
    }
    hd_migration_unregister(p);
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
