/*
 * qtest backend: the protocol server from system/qtest.c on a chardev, with accesses going
 * to the system memory and I/O address spaces, clock_step/clock_set moving the virtual
 * clock, and irq_intercept_in/out and set_irq_in acting on hw/irq.h line sets.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>

#include "chardev/chardev.h"
#include "hw/irq.h"
#include "qom/object.h"
#include "system/address-space.h"
#include "system/main-loop.h"
#include "system/qtest-backend.h"
#include "trace.h"

struct HdQtest {
    Chardev *chr;
    bool own_chr; /* created from "unix:..." here, closed on stop */
    QtestServer *server;
    FILE *log;
};

static bool qb_mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    (void)opaque;
    return address_space_read(memory_system_address_space(), addr, buf, len) == MEMTX_OK;
}

static bool qb_mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    (void)opaque;
    return address_space_write(memory_system_address_space(), addr, buf, len) == MEMTX_OK;
}

static uint32_t qb_pio_in(void *opaque, uint16_t port, unsigned size)
{
    uint8_t bytes[4] = { 0xff, 0xff, 0xff, 0xff };
    uint32_t value = 0;

    (void)opaque;
    address_space_read(memory_system_io_address_space(), port, bytes, size);
    for (unsigned i = 0; i < size; i++) {
        value |= (uint32_t)bytes[i] << (8 * i);
    }
    return value;
}

static void qb_pio_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    uint8_t bytes[4];

    (void)opaque;
    for (unsigned i = 0; i < size; i++) {
        bytes[i] = value >> (8 * i);
    }
    address_space_write(memory_system_io_address_space(), port, bytes, size);
}

static int64_t qb_clock_get(void *opaque)
{
    (void)opaque;
    return hd_vclock_get_ns();
}

static int64_t qb_clock_step(void *opaque, int64_t ns)
{
    (void)opaque;
    if (ns != QTEST_CLOCK_STEP_NEXT) {
        return hd_vclock_step(ns);
    }
    return hd_vclock_next_deadline() < 0 ? -1 : hd_vclock_step_next();
}

static int64_t qb_clock_set(void *opaque, int64_t ns)
{
    (void)opaque;
    return hd_vclock_set(ns);
}

/* The one connected qtest server intercepted lines report to (qtest has one client). */
static HdQtest *irq_target;
/* The interned path of the line set intercepted for it, NULL while none. */
static const char *irq_intercepted;

static void qb_irq(void *opaque, int n, int level)
{
    const char *path = opaque;

    trace_qtest_backend_irq(path, n, level);
    if (irq_target) {
        qtest_server_irq(irq_target->server, n, level != 0);
    }
}

/* The line set at qom_path (absolute or partial), or NULL with errp set. */
static HdIrqLines *qb_lines(const char *qom_path, GError **errp)
{
    HdIrqLines *lines = hd_irq_lines_resolve(qom_path);

    if (!lines) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                    "Unknown device '%s' (q35 has /machine/ioapic and /machine/msi)", qom_path);
    }
    return lines;
}

static char *qb_resolve(void *opaque, const char *qom_path, GError **errp)
{
    HdIrqLines *lines = qb_lines(qom_path, errp);

    (void)opaque;
    return lines ? g_strdup(hd_irq_lines_path(lines)) : NULL;
}

static bool qb_intercept(const char *qom_path, GError **errp)
{
    HdIrqLines *lines = qb_lines(qom_path, errp);
    const char *path;

    if (!lines) {
        return false;
    }
    /* The path string must outlive the interception: intern it. */
    path = g_intern_string(hd_irq_lines_path(lines));
    if (!hd_irq_intercept(path, qb_irq, (void *)path, errp)) {
        return false;
    }
    irq_intercepted = path;
    return true;
}

static bool qb_irq_intercept_in(void *opaque, const char *qom_path, GError **errp)
{
    (void)opaque;
    return qb_intercept(qom_path, errp);
}

/* hostdev models interrupt inputs only: intercepting "outputs" taps the same line set. */
static bool qb_irq_intercept_out(void *opaque, const char *qom_path, GError **errp)
{
    (void)opaque;
    return qb_intercept(qom_path, errp);
}

static bool qb_set_irq_in(void *opaque, const char *qom_path, const char *name, int n,
                          int level, GError **errp)
{
    HdIrqLines *lines = qb_lines(qom_path, errp);
    const char *path;

    (void)opaque;
    if (!lines) {
        return false;
    }
    if (name && *name && strcmp(name, "unnamed-gpio-in") != 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                    "'%s' has only the unnamed input list, not '%s'", qom_path, name);
        return false;
    }
    if (n < 0 || n >= hd_irq_lines_count(lines)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                    "set_irq_in: line %d out of range ('%s' has lines 0 to %d)", n, qom_path,
                    hd_irq_lines_count(lines) - 1);
        return false;
    }
    path = g_intern_string(hd_irq_lines_path(lines));
    if (path == irq_intercepted && hd_irq_get(lines, n) == (level != 0)) {
        /*
         * The line set reports changes only; QEMU's set_irq_in reaches the interceptor even
         * when the level stays, so a line already high before the intercept still shows up.
         */
        qb_irq((void *)path, n, level);
        return true;
    }
    hd_irq_set(lines, n, level);
    return true;
}

const QtestBackend hd_qtest_backend_ops = {
    .mem_read = qb_mem_read,
    .mem_write = qb_mem_write,
    .pio_in = qb_pio_in,
    .pio_out = qb_pio_out,
    .clock_get = qb_clock_get,
    .clock_step = qb_clock_step,
    .clock_set = qb_clock_set,
    .resolve = qb_resolve,
    .irq_intercept_in = qb_irq_intercept_in,
    .irq_intercept_out = qb_irq_intercept_out,
    .set_irq_in = qb_set_irq_in,
};

static void qtest_chr_write(void *opaque, const char *data, size_t len)
{
    HdQtest *q = opaque;

    chardev_write(q->chr, data, len);
}

static void qtest_chr_read(void *opaque, const guint8 *buf, gsize len)
{
    HdQtest *q = opaque;

    qtest_server_feed(q->server, (const char *)buf, len);
}

static const ChardevHandlers qtest_handlers = {
    .read = qtest_chr_read,
};

HdQtest *hd_qtest_start(const char *spec, const char *log_path, GError **errp)
{
    g_autofree HdQtest *q = g_new0(HdQtest, 1);

    if (g_str_has_prefix(spec, "chardev:")) {
        q->chr = chardev_find(spec + strlen("chardev:"));
        if (!q->chr) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                        "-qtest %s: no -chardev with that id", spec);
            return NULL;
        }
    } else {
        q->chr = chardev_new_from_spec("qtest", spec, errp);
        if (!q->chr) {
            g_prefix_error(errp, "-qtest %s: ", spec);
            return NULL;
        }
        q->own_chr = true;
    }
    if (log_path && strcmp(log_path, "none") != 0) {
        q->log = fopen(log_path, "w");
        if (!q->log) {
            int e = errno;

            g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(e),
                        "-qtest-log %s: cannot open: %s", log_path, g_strerror(e));
            if (q->own_chr) {
                chardev_close(q->chr);
            }
            return NULL;
        }
        setvbuf(q->log, NULL, _IOLBF, 0);
    }
    q->server = qtest_server_new(&hd_qtest_backend_ops, q, qtest_chr_write, q);
    qtest_server_set_log(q->server, q->log);
    if (!chardev_set_handlers(q->chr, &qtest_handlers, q, errp)) {
        g_prefix_error(errp, "-qtest %s: ", spec);
        qtest_server_free(q->server);
        if (q->log) {
            fclose(q->log);
        }
        if (q->own_chr) {
            chardev_close(q->chr);
        }
        return NULL;
    }
    irq_target = q;
    return g_steal_pointer(&q);
}

void hd_qtest_stop(HdQtest *q)
{
    if (!q) {
        return;
    }
    if (irq_target == q) {
        irq_target = NULL;
        irq_intercepted = NULL;
    }
    chardev_flush(q->chr, 1000);
    chardev_clear_handlers(q->chr);
    if (q->own_chr) {
        chardev_close(q->chr);
    }
    qtest_server_free(q->server);
    if (q->log) {
        fclose(q->log);
    }
    g_free(q);
}
