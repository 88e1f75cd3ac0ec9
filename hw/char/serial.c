/*
 * isa-serial: a 16550A UART as Linux's 8250 driver probes and drives it: divisor latch,
 * FIFO control and identification, loopback with modem-status mirroring, THRE and receive
 * interrupts on the COM port's ISA IRQ (gated by OUT2, as on a PC). Output is sent at once.
 * Migration: the "uart-regs" section (format below, before the handlers).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "chardev/char-fd.h"
#include "hw/char/serial.h"
#include "hw/i386/q35.h"
#include "hw/irq.h"
#include "migration/register.h"
#include "qom/device.h"
#include "qom/object.h"
#include "system/address-space.h"
#include "trace.h"

#define RX_FIFO 256

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI 0x08
#define IIR_NONE 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

static const struct {
    uint16_t port;
    uint8_t irq;
} com_ports[] = { { 0x3f8, 4 }, { 0x2f8, 3 }, { 0x3e8, 4 }, { 0x2e8, 3 } };

typedef struct {
    HdDevice parent_instance;
    char *chardev;
    guint index;
    CharFd *chr;
    HdIrqLines *isa_irqs; /* the I/O APIC's lines (ISA IRQs 0-15 among them), borrowed */
    MemoryRegion *io;
    uint8_t rx[RX_FIFO];
    unsigned rx_head, rx_count;
    uint8_t ier, fcr, lcr, mcr, scr, dll, dlm, msr_delta;
    bool thr_ipending;
    int irq_level;
} IsaSerial;

typedef struct {
    HdDeviceClass parent_class;
} IsaSerialClass;

static GType isa_serial_get_type(void);
G_DEFINE_TYPE(IsaSerial, isa_serial, HD_TYPE_DEVICE)

enum { PROP_0, PROP_CHARDEV, PROP_INDEX, N_PROPS };

static uint8_t iir(IsaSerial *s)
{
    uint8_t fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

    if ((s->ier & IER_RDI) && s->rx_count) {
        return fifo | IIR_RDI;
    }
    if ((s->ier & IER_THRI) && s->thr_ipending) {
        return fifo | IIR_THRI;
    }
    if ((s->ier & IER_MSI) && s->msr_delta) {
        return fifo;
    }
    return fifo | IIR_NONE;
}

static void update_irq(IsaSerial *s)
{
    int level = !(iir(s) & IIR_NONE) && (s->mcr & MCR_OUT2);

    if (level != s->irq_level && s->isa_irqs) {
        s->irq_level = level;
        hd_irq_set(s->isa_irqs, com_ports[s->index].irq, level);
    }
}

static void rx_push(IsaSerial *s, uint8_t b)
{
    if (s->rx_count < RX_FIFO) {
        s->rx[(s->rx_head + s->rx_count) % RX_FIFO] = b;
        s->rx_count++;
    }
}

static uint8_t msr(IsaSerial *s)
{
    uint8_t m;

    if (s->mcr & MCR_LOOP) {
        m = (uint8_t)(((s->mcr & MCR_RTS) ? 0x10 : 0) | ((s->mcr & MCR_DTR) ? 0x20 : 0) |
                      ((s->mcr & MCR_OUT1) ? 0x40 : 0) | ((s->mcr & MCR_OUT2) ? 0x80 : 0));
    } else {
        m = 0xb0; /* CTS, DSR, DCD: a peer is always there */
    }
    return m | s->msr_delta;
}

static uint64_t serial_read(void *opaque, hwaddr addr, unsigned size)
{
    IsaSerial *s = opaque;
    uint8_t v = 0;

    (void)size;
    switch (addr) {
    case 0:
        if (s->lcr & LCR_DLAB) {
            return s->dll;
        }
        if (s->rx_count) {
            v = s->rx[s->rx_head];
            s->rx_head = (s->rx_head + 1) % RX_FIFO;
            s->rx_count--;
        }
        update_irq(s);
        return v;
    case 1:
        return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
    case 2:
        v = iir(s);
        if ((v & 0x0f) == IIR_THRI) {
            s->thr_ipending = false; /* reading IIR acknowledges THRE */
            update_irq(s);
        }
        return v;
    case 3:
        return s->lcr;
    case 4:
        return s->mcr;
    case 5:
        return LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0);
    case 6:
        v = msr(s);
        s->msr_delta = 0;
        update_irq(s);
        return v;
    case 7:
        return s->scr;
    }
    return 0xff;
}

static void serial_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    IsaSerial *s = opaque;
    uint8_t b = (uint8_t)value;

    (void)size;
    switch (addr) {
    case 0:
        if (s->lcr & LCR_DLAB) {
            s->dll = b;
            return;
        }
        if (s->mcr & MCR_LOOP) {
            rx_push(s, b);
        } else if (s->chr) {
            char_fd_write(s->chr, &b, 1);
        }
        s->thr_ipending = true; /* sent at once: the holding register is empty again */
        break;
    case 1:
        if (s->lcr & LCR_DLAB) {
            s->dlm = b;
            return;
        }
        /* Enabling THRE while the holding register is empty raises it, as the 16550 does. */
        if ((b & IER_THRI) && !(s->ier & IER_THRI)) {
            s->thr_ipending = true;
        }
        s->ier = b & 0x0f;
        break;
    case 2:
        s->fcr = b & 0xc9;
        if (b & FCR_CLEAR_RX) {
            s->rx_count = 0;
        }
        break;
    case 3:
        s->lcr = b;
        return;
    case 4:
        if ((s->mcr ^ b) & (MCR_RTS | MCR_DTR) && (s->mcr & MCR_LOOP)) {
            s->msr_delta |= 0x03;
        }
        s->mcr = b & 0x1f;
        break;
    case 7:
        s->scr = b;
        return;
    default:
        return;
    }
    update_irq(s);
}

static const MemoryRegionOps serial_ops = {
    .read = serial_read,
    .write = serial_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

static void serial_receive(void *opaque, const guint8 *buf, gsize len)
{
    IsaSerial *s = opaque;

    if (s->mcr & MCR_LOOP) {
        return;
    }
    for (gsize i = 0; i < len; i++) {
        rx_push(s, buf[i]);
    }
    update_irq(s);
}

/*
 * Migration: the "uart-regs" section, format version 1, little-endian.
 *
 *   offset  size  field
 *   0       2     format version (1)
 *   2       2     flags: bit 0 a THRE interrupt is pending (not yet acknowledged by an IIR
 *                 read), bit 1 the IRQ line level the UART drove; others 0
 *   4       1     IER          8   1  SCR
 *   5       1     FCR          9   1  DLL (divisor latch, low)
 *   6       1     LCR          10  1  DLM (divisor latch, high)
 *   7       1     MCR          11  1  MSR delta bits (changed since the guest read MSR)
 *   12      2     receive FIFO bytes N (0-256)
 *   14      1     COM port index (0-3): the destination's must match
 *   15      1     0
 *   16      N     receive FIFO contents, oldest first
 *
 * IIR, LSR and MSR are derived from these (the transmitter is always empty: output is sent at
 * once), and so is the IRQ level: the destination drives its line from the loaded registers,
 * so an interrupt pending on the source is pending there and none is left stuck. A reader
 * refuses another version, a length other than 16 + N, another COM port and register bits the
 * UART never holds, before changing anything. A field added later takes a new version.
 */
#define SERIAL_MIG_KIND "uart-regs"
#define SERIAL_MIG_VERSION 1
#define SERIAL_MIG_HDR 16
#define SERIAL_MIG_THR_PENDING 0x1
#define SERIAL_MIG_IRQ_LEVEL 0x2

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static bool serial_mig_save(void *opaque, HdMigSink *sink, GError **errp)
{
    IsaSerial *s = opaque;
    uint8_t buf[SERIAL_MIG_HDR + RX_FIFO] = { 0 };

    put_le16(buf, SERIAL_MIG_VERSION);
    put_le16(buf + 2, (s->thr_ipending ? SERIAL_MIG_THR_PENDING : 0) |
                          (s->irq_level ? SERIAL_MIG_IRQ_LEVEL : 0));
    buf[4] = s->ier;
    buf[5] = s->fcr;
    buf[6] = s->lcr;
    buf[7] = s->mcr;
    buf[8] = s->scr;
    buf[9] = s->dll;
    buf[10] = s->dlm;
    buf[11] = s->msr_delta;
    put_le16(buf + 12, (uint16_t)s->rx_count);
    buf[14] = (uint8_t)s->index;
    for (unsigned i = 0; i < s->rx_count; i++) {
        buf[SERIAL_MIG_HDR + i] = s->rx[(s->rx_head + i) % RX_FIFO];
    }
    trace_serial_migration_save(s->index, s->rx_count, iir(s), s->irq_level);
    return hd_mig_put(sink, SERIAL_MIG_KIND, buf, SERIAL_MIG_HDR + s->rx_count, errp);
}

static bool serial_mig_check(IsaSerial *s, const char *what, const char *kind,
                             const uint8_t *data, size_t len, GError **errp)
{
    static const struct {
        unsigned off;
        const char *name;
        uint8_t valid;
    } regs[] = {
        { 4, "IER", 0x0f }, { 5, "FCR", 0xc9 }, { 7, "MCR", 0x1f }, { 11, "MSR delta", 0x03 },
    };
    unsigned version, flags, count;

    if (strcmp(kind, SERIAL_MIG_KIND) != 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the migration stream has a '%s' section this device does not know; start the destination with the same devices as the source",
                    what, kind);
        return false;
    }
    version = len >= 2 ? get_le16(data) : 0;
    if (version != SERIAL_MIG_VERSION) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the %s section has format version %u, this hostdev reads version %u; migrate to a hostdev that reads the source's format",
                    what, kind, version, SERIAL_MIG_VERSION);
        return false;
    }
    count = len >= SERIAL_MIG_HDR ? get_le16(data + 12) : 0;
    if (len < SERIAL_MIG_HDR || count > RX_FIFO || len != SERIAL_MIG_HDR + count) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the %s section is %zu bytes, its header describes %u (a %u-byte header and %u FIFO bytes of at most %u); the migration stream is damaged",
                    what, kind, len, SERIAL_MIG_HDR + count, SERIAL_MIG_HDR, count, RX_FIFO);
        return false;
    }
    if (data[14] != s->index) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the source's UART is COM port index %u (0x%x), this one index %u (0x%x); start the destination with the same index",
                    what, data[14],
                    data[14] < G_N_ELEMENTS(com_ports) ? com_ports[data[14]].port : 0, s->index,
                    com_ports[s->index].port);
        return false;
    }
    flags = get_le16(data + 2);
    if (flags & ~(unsigned)(SERIAL_MIG_THR_PENDING | SERIAL_MIG_IRQ_LEVEL) || data[15]) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the %s section has flags 0x%x and reserved byte 0x%x that version %u does not define; the migration stream is damaged",
                    what, kind, flags, data[15], SERIAL_MIG_VERSION);
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(regs); i++) {
        if (data[regs[i].off] & ~regs[i].valid) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: the %s section's %s is 0x%02x, a 16550A holds only bits 0x%02x; the migration stream is damaged",
                        what, kind, regs[i].name, data[regs[i].off], regs[i].valid);
            return false;
        }
    }
    return true;
}

static bool serial_mig_load(void *opaque, const char *kind, const uint8_t *data, size_t len,
                            GError **errp)
{
    IsaSerial *s = opaque;
    g_autofree char *what = hd_device_describe(HD_DEVICE(s));
    unsigned flags;

    if (!serial_mig_check(s, what, kind, data, len, errp)) {
        return false;
    }
    flags = get_le16(data + 2);
    s->thr_ipending = flags & SERIAL_MIG_THR_PENDING;
    s->ier = data[4];
    s->fcr = data[5];
    s->lcr = data[6];
    s->mcr = data[7];
    s->scr = data[8];
    s->dll = data[9];
    s->dlm = data[10];
    s->msr_delta = data[11];
    s->rx_head = 0;
    s->rx_count = get_le16(data + 12);
    memcpy(s->rx, data + SERIAL_MIG_HDR, s->rx_count);
    update_irq(s);
    trace_serial_migration_load(s->index, s->rx_count, iir(s), s->irq_level,
                                !!(flags & SERIAL_MIG_IRQ_LEVEL));
    return true;
}

static const HdMigrationOps serial_mig_ops = {
    .save_complete = serial_mig_save,
    .load_section = serial_mig_load,
};

static bool isa_serial_realize(HdDevice *dev, GError **errp)
{
    IsaSerial *s = (IsaSerial *)dev;

    if (s->index >= G_N_ELEMENTS(com_ports)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "isa-serial: index=%u: a PC has COM ports 0 to 3", s->index);
        return false;
    }
    if (s->chardev) {
        s->chr = char_fd_find(s->chardev);
        if (!s->chr) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                        "isa-serial: chardev '%s' not found (or not a stdio, file, pty or null chardev)",
                        s->chardev);
            return false;
        }
        char_fd_set_reader(s->chr, serial_receive, s);
    }
    s->isa_irqs = hd_irq_lines_find(Q35_IOAPIC_PATH);
    s->io = memory_region_new_io("isa-serial", 8, &serial_ops, s);
    memory_region_add_subregion(memory_system_io_root(), com_ports[s->index].port, s->io);
    hd_migration_register_device(dev, &serial_mig_ops, s);
    return true;
}

static void isa_serial_unrealize(HdDevice *dev)
{
    IsaSerial *s = (IsaSerial *)dev;

    hd_migration_unregister(s);
    if (s->chr) {
        char_fd_set_reader(s->chr, NULL, NULL);
        s->chr = NULL;
    }
    s->isa_irqs = NULL;
    if (s->io) {
        memory_region_del_subregion(memory_system_io_root(), s->io);
        g_clear_pointer(&s->io, memory_region_unref);
    }
}

static void isa_serial_reset(HdDevice *dev)
{
    IsaSerial *s = (IsaSerial *)dev;

    s->ier = s->fcr = s->lcr = s->mcr = s->scr = s->msr_delta = 0;
    s->dll = 0x0c;
    s->dlm = 0;
    s->rx_count = 0;
    s->thr_ipending = false;
    update_irq(s);
}

static void isa_serial_set_property(GObject *obj, guint id, const GValue *v, GParamSpec *ps)
{
    IsaSerial *s = (IsaSerial *)obj;

    switch (id) {
    case PROP_CHARDEV:
        g_free(s->chardev);
        s->chardev = g_value_dup_string(v);
        break;
    case PROP_INDEX:
        s->index = g_value_get_uint(v);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, ps);
    }
}

static void isa_serial_get_property(GObject *obj, guint id, GValue *v, GParamSpec *ps)
{
    IsaSerial *s = (IsaSerial *)obj;

    switch (id) {
    case PROP_CHARDEV:
        g_value_set_string(v, s->chardev);
        break;
    case PROP_INDEX:
        g_value_set_uint(v, s->index);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, id, ps);
    }
}

static void isa_serial_finalize(GObject *obj)
{
    g_free(((IsaSerial *)obj)->chardev);
    G_OBJECT_CLASS(isa_serial_parent_class)->finalize(obj);
}

static void isa_serial_class_init(IsaSerialClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    HdDeviceClass *dc = HD_DEVICE_CLASS(klass);

    oc->set_property = isa_serial_set_property;
    oc->get_property = isa_serial_get_property;
    oc->finalize = isa_serial_finalize;
    dc->description = "16550A UART at a PC COM port (index 0-3: 0x3f8/IRQ 4, 0x2f8/IRQ 3, ...)";
    dc->user_creatable = true;
    dc->realize = isa_serial_realize;
    dc->unrealize = isa_serial_unrealize;
    dc->reset = isa_serial_reset;
    g_object_class_install_property(
        oc, PROP_CHARDEV,
        g_param_spec_string("chardev", "chardev", "the chardev it talks to (stdio, file, pty, null)",
                            NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
    g_object_class_install_property(
        oc, PROP_INDEX,
        g_param_spec_uint("index", "index", "COM port 0-3", 0, 3, 0,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void isa_serial_init(IsaSerial *s)
{
    (void)s;
}

void serial_register_types(void)
{
    hd_type_register("isa-serial", isa_serial_get_type());
}
