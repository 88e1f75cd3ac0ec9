/*
 * isa-serial: a 16550A UART as Linux's 8250 driver probes and drives it: divisor latch,
 * FIFO control and identification, loopback with modem-status mirroring, THRE and receive
 * interrupts on the COM port's ISA IRQ (gated by OUT2, as on a PC). Output is sent at once.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "chardev/char-fd.h"
#include "hw/char/serial.h"
#include "hw/i386/q35.h"
#include "hw/irq.h"
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
    return true;
}

static void isa_serial_unrealize(HdDevice *dev)
{
    IsaSerial *s = (IsaSerial *)dev;

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
