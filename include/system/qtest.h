/*
 * qtest server: QEMU's qtest wire protocol, independent of any transport.
 * The machine supplies a QtestBackend; the connection feeds bytes in and receives reply lines.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HOSTDEV_SYSTEM_QTEST_H
#define HOSTDEV_SYSTEM_QTEST_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Longest request line accepted, newline included; longer lines get one FAIL reply. */
#define QTEST_SERVER_MAX_LINE (1024 * 1024)

/* Longest access a single read, b64read, write or b64write may ask for. */
#define QTEST_SERVER_MAX_ACCESS (16 * 1024 * 1024)

/* clock_step without an argument: the backend steps to its next timer deadline. */
#define QTEST_CLOCK_STEP_NEXT ((int64_t)-1)

/*
 * What the machine implements. Every op is optional: a command whose op is NULL replies
 * "FAIL <command>: not supported by this machine".
 */
typedef struct QtestBackend {
    /*
     * Read len bytes of guest-physical memory at addr into buf. buf arrives filled with 0xff;
     * return false where (part of) the range is unassigned, leaving there what a guest would
     * read. The reply is "OK" with buf's contents either way, as on real hardware.
     */
    bool (*mem_read)(void *opaque, uint64_t addr, void *buf, size_t len);
    /* Write len bytes of buf to guest-physical addr; false if (part of) it is unassigned. */
    bool (*mem_write)(void *opaque, uint64_t addr, const void *buf, size_t len);
    /* Port I/O read of size 1, 2 or 4 bytes; unassigned ports read as all-ones. */
    uint32_t (*pio_in)(void *opaque, uint16_t port, unsigned size);
    /* Port I/O write of size 1, 2 or 4 bytes. */
    void (*pio_out)(void *opaque, uint16_t port, uint32_t value, unsigned size);
    /* The virtual clock in ns (clock_step needs it to tell whether time moved). */
    int64_t (*clock_get)(void *opaque);
    /*
     * Advance the virtual clock by ns (>= 0), or to the next deadline when ns is
     * QTEST_CLOCK_STEP_NEXT; return the new clock in ns, or -1 (clock unchanged) for
     * QTEST_CLOCK_STEP_NEXT when no timer is pending.
     */
    int64_t (*clock_step)(void *opaque, int64_t ns);
    /*
     * Advance the virtual clock to ns (>= 0); an earlier time leaves it where it is. Return
     * the new clock (the reply is OK only when that is ns, as QEMU's).
     */
    int64_t (*clock_set)(void *opaque, int64_t ns);
    /*
     * The canonical path of the device qom_path names, resolved as QOM does (an absolute path,
     * or a partial one such as "ioapic" matching the end of exactly one); NULL with errp set
     * when none does. Optional: without it paths are used as written. The IRQ ops below get
     * the canonical path.
     */
    char *(*resolve)(void *opaque, const char *qom_path, GError **errp);
    /*
     * Route the GPIO inputs (in) or outputs (out) of the device at qom_path to
     * qtest_server_irq() instead of their consumers. False with errp set on failure.
     */
    bool (*irq_intercept_in)(void *opaque, const char *qom_path, GError **errp);
    bool (*irq_intercept_out)(void *opaque, const char *qom_path, GError **errp);
    /*
     * Drive GPIO input n of the named list ("unnamed-gpio-in" for the default list) of the
     * device at qom_path to level. False with errp set on failure, e.g. n out of range.
     * Where the device is intercepted, every call reports the level with qtest_server_irq(),
     * a level the line already had included (QEMU's set_irq_in does not filter).
     */
    bool (*set_irq_in)(void *opaque, const char *qom_path, const char *name, int n, int level,
                       GError **errp);
} QtestBackend;

/* Receives each reply or IRQ line, "\n" included, in one call. */
typedef void (*QtestWriteFn)(void *opaque, const char *data, size_t len);

typedef struct QtestServer QtestServer;

/* A server for one connection; ops and opaque are the machine, write/write_opaque the peer. */
QtestServer *qtest_server_new(const QtestBackend *ops, void *opaque, QtestWriteFn write,
                              void *write_opaque);

/*
 * Take len bytes received from the peer; every complete line is executed and answered
 * before this returns, a partial line waits for the rest. Must not be called from ops.
 */
void qtest_server_feed(QtestServer *server, const char *data, size_t len);

/*
 * An intercepted GPIO line changed: send "IRQ raise N" / "IRQ lower N" when the level
 * differs from the last one sent. Ignored while nothing is intercepted.
 */
void qtest_server_irq(QtestServer *server, int line, bool level);

/* Log every request ("[R +secs] line") and reply ("[S +secs] line") to log; NULL stops. */
void qtest_server_set_log(QtestServer *server, FILE *log);

/*
 * A command a subsystem adds to the protocol for its own tests (fault injection, counters):
 * @fn gets the 0..@max_args words after the name (NULL-terminated) and returns the reply's
 * text after "OK " (may be empty), or NULL with @errp set for "FAIL <message>". Names of
 * built-in commands are refused; a second registration of a name replaces the first.
 */
typedef char *(*QtestExtFn)(char **args, GError **errp);
void qtest_server_add_command(const char *name, int min_args, int max_args, const char *usage,
                              QtestExtFn fn);

/* Free the server (the log FILE is not closed); NULL is allowed. */
void qtest_server_free(QtestServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QtestServer, qtest_server_free)

#endif /* HOSTDEV_SYSTEM_QTEST_H */
