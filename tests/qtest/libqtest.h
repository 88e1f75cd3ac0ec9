/*
 * libqtest: drive the hostdev binary from a GTest program over QEMU's qtest protocol and QMP.
 * A failure (FAIL reply, lost connection, timeout) fails the test with what was sent and
 * what came back; hostdev's stdout/stderr (captured) is then copied to the test's stderr.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HOSTDEV_LIBQTEST_H
#define HOSTDEV_LIBQTEST_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Environment: HOSTDEV_BINARY names the binary (default ./build/hostdev);
 * HOSTDEV_QTEST_TIMEOUT is the limit in seconds for start-up, each reply, an event and exit
 * (default 30); HOSTDEV_QTEST_KEEP=1 keeps the temporary directory (log, stderr) after quit.
 */

typedef struct QTestState QTestState;

/* An fd of the test to appear as fd number target (>= 3) in hostdev. */
typedef struct QTestFd {
    int fd;
    int target;
} QTestFd;

/*
 * Start hostdev with the qtest and QMP sockets, -display none, -accel qtest and extra_args
 * (shell syntax; NULL for none), negotiate QMP capabilities. Fails the test on error.
 */
QTestState *qtest_init(const char *extra_args);

/* qtest_init(), keeping fds[i].fd open in hostdev as fd number fds[i].target. */
QTestState *qtest_init_with_fds(const char *extra_args, const QTestFd *fds, size_t n_fds);

/*
 * Send QMP quit, wait for hostdev to exit (SIGKILL after the timeout) and clean up; a non-zero
 * exit or a signal fails the test. NULL is allowed.
 */
void qtest_quit(QTestState *s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QTestState, qtest_quit)

/*
 * Wait (up to the timeout) for hostdev to exit by itself, e.g. after a refused incoming
 * migration; returns its exit status (-1: killed by a signal or did not exit, the test
 * fails) and, in *@err_text (g_free), everything it wrote to stdout/stderr. Then clean up as
 * qtest_quit() does; @s is freed.
 */
int qtest_expect_exit(QTestState *s, char **err_text);

/* Kill hostdev with SIGKILL (a crash the test makes on purpose) and clean up; @s is freed. */
void qtest_kill_now(QTestState *s);

/* hostdev's process id. */
pid_t qtest_pid(QTestState *s);

/* The -qtest-log file hostdev writes; valid until qtest_quit(). */
const char *qtest_log_path(QTestState *s);

/*
 * Send one qtest request line (no "\n") and return its reply, OK or FAIL (g_free); NULL
 * after a failure was reported under g_test_set_nonfatal_assertions().
 */
char *qtest_raw(QTestState *s, const char *line);

/* Guest-physical memory accesses of 1, 2, 4 and 8 bytes (little-endian). */
uint8_t qtest_readb(QTestState *s, uint64_t addr);
uint16_t qtest_readw(QTestState *s, uint64_t addr);
uint32_t qtest_readl(QTestState *s, uint64_t addr);
uint64_t qtest_readq(QTestState *s, uint64_t addr);
void qtest_writeb(QTestState *s, uint64_t addr, uint8_t value);
void qtest_writew(QTestState *s, uint64_t addr, uint16_t value);
void qtest_writel(QTestState *s, uint64_t addr, uint32_t value);
void qtest_writeq(QTestState *s, uint64_t addr, uint64_t value);

/* Port I/O of 1, 2 and 4 bytes. */
uint8_t qtest_inb(QTestState *s, uint16_t port);
uint16_t qtest_inw(QTestState *s, uint16_t port);
uint32_t qtest_inl(QTestState *s, uint16_t port);
void qtest_outb(QTestState *s, uint16_t port, uint8_t value);
void qtest_outw(QTestState *s, uint16_t port, uint16_t value);
void qtest_outl(QTestState *s, uint16_t port, uint32_t value);

/* Copy size bytes from / to guest memory at addr (hex for small sizes, base64 chunks else). */
void qtest_memread(QTestState *s, uint64_t addr, void *buf, size_t size);
void qtest_memwrite(QTestState *s, uint64_t addr, const void *buf, size_t size);

/* Fill size bytes of guest memory at addr with value. */
void qtest_memset(QTestState *s, uint64_t addr, uint8_t value, size_t size);

/* Advance the virtual clock by ns / to the next timer deadline; set it. Return the new clock. */
int64_t qtest_clock_step(QTestState *s, int64_t ns);
int64_t qtest_clock_step_next(QTestState *s);
int64_t qtest_clock_set(QTestState *s, int64_t ns);

/* Report the GPIO inputs / outputs of the device at qom_path as IRQ lines (one device). */
void qtest_irq_intercept_in(QTestState *s, const char *qom_path);
void qtest_irq_intercept_out(QTestState *s, const char *qom_path);

/* Drive GPIO input num of list name ("unnamed-gpio-in": the default) of qom_path to level. */
void qtest_set_irq_in(QTestState *s, const char *qom_path, const char *name, int num,
                      int level);

/* The level of intercepted line num after a round trip that collects pending IRQ lines. */
bool qtest_get_irq(QTestState *s, int num);

/* Wait until intercepted line num is at level (IRQs from hostdev's own events); else fail. */
void qtest_irq_wait(QTestState *s, int num, bool level);

/*
 * Send a QMP command built printf-style and return its reply object, {"return": ...} or
 * {"error": ...} (unref it); events arriving meanwhile queue. The text must be a JSON object;
 * 'single-quoted' strings without escapes, as QEMU tests write them, go out as standard JSON.
 */
JsonObject *qtest_qmp(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/*
 * qtest_qmp() sending the n_fds fds (n_fds > 0) with the command over SCM_RIGHTS, as getfd and
 * add-fd expect; the fds stay the caller's to close.
 */
JsonObject *qtest_qmp_fds(QTestState *s, const int *fds, size_t n_fds, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/* Send a QMP command without waiting for its reply (pair with qtest_qmp_receive()). */
void qtest_qmp_send(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* The next QMP reply, queueing events that come first (unref it). */
JsonObject *qtest_qmp_receive(QTestState *s);

/* qtest_qmp() that must succeed; returns a copy of the "return" value (json_node_unref). */
JsonNode *qtest_qmp_assert_success(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* qtest_qmp() that must fail with error class error_class; returns its "desc" (g_free). */
char *qtest_qmp_expect_error(QTestState *s, const char *error_class, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/*
 * The first queued or next arriving event called name, waiting up to the timeout (unref).
 * Other events queue; replies to commands sent with qtest_qmp_send() wait for _receive().
 */
JsonObject *qtest_qmp_eventwait(QTestState *s, const char *name);

/*
 * Poll query-migrate every 10 ms until its status is @a or @b (@b may be NULL) and return that
 * reply (unref); the test fails after the timeout (HOSTDEV_QTEST_TIMEOUT, at least 60 s).
 */
JsonObject *qtest_migrate_wait(QTestState *s, const char *a, const char *b);

/*
 * device_del of @id, which must be accepted, then its DEVICE_DELETED (waiting up to the
 * timeout): for devices that go without the guest's consent (no hot-plug controller asks).
 */
void qtest_qmp_device_del(QTestState *s, const char *id);

/* Take the first queued event called name without waiting; NULL if none (unref). */
JsonObject *qtest_qmp_event_take(QTestState *s, const char *name);

#endif /* HOSTDEV_LIBQTEST_H */
