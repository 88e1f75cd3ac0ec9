/*
 * libqtest internals shared by its source files: the connection state, failure reporting
 * and blocking I/O with deadlines.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HOSTDEV_LIBQTEST_INT_H
#define HOSTDEV_LIBQTEST_INT_H

#include "libqtest.h"
#include "libqtest-parse.h"

struct QTestState {
    GPid pid;
    bool reaped;             /* pid was waited for; wait_status holds how it ended */
    int wait_status;
    bool broken;             /* a failure was reported: operations return at once */
    bool peer_closed;        /* hostdev closed a connection: it is probably exiting */
    int qtest_fd;
    int qmp_fd;
    char *tmpdir;
    char *qtest_sock;
    char *qmp_sock;
    char *log_path;
    char *err_path;          /* hostdev's stdout and stderr */
    GString *qtest_buf;      /* received qtest bytes not yet split into lines */
    QTestJsonStream *qmp_in; /* received QMP bytes */
    GQueue events;           /* JsonObject * of QMP events not yet taken */
    GQueue replies;          /* JsonObject * of QMP replies read while waiting for an event */
    GHashTable *irqs_raised; /* intercepted lines last reported raised */
};

/* HOSTDEV_QTEST_TIMEOUT in seconds (default 30). */
int qtest_timeout_s(void);

/* Now plus that timeout, on the monotonic clock in us. */
gint64 qtest_deadline(void);

/*
 * Report a failure: copy hostdev's stderr to ours, then fail the test with
 * the formatted one-line message. Kills hostdev and marks s broken.
 */
void qtest_fail(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Write all of data to fd; false (failure reported, naming what) on error. */
bool qtest_send_all(QTestState *s, int fd, const char *data, size_t len, const char *what);

/*
 * Read what is available on fd into buf, waiting until deadline (monotonic us).
 * Returns the byte count, 0 at end of file, -1 with errno set (ETIMEDOUT on timeout).
 */
ssize_t qtest_recv(int fd, char *buf, size_t len, gint64 deadline);

/* Read one qtest line (no "\n") by deadline; waiting_for names it in failures; NULL on failure. */
char *qtest_read_line(QTestState *s, const char *waiting_for, gint64 deadline);

/* Record an "IRQ raise/lower N" line; false (failure reported) when malformed. */
bool qtest_note_irq(QTestState *s, const char *line);

/* Send one qtest line; return the reply, IRQ lines before it recorded; NULL on failure. */
char *qtest_transact(QTestState *s, const char *line);

/* Read the QMP greeting and negotiate capabilities; false (failure reported) on error. */
bool qtest_qmp_handshake(QTestState *s);

/* Describe how hostdev is doing ("exited with status 1", "is running"), reaping if it ended. */
char *qtest_child_status(QTestState *s);

#endif /* HOSTDEV_LIBQTEST_INT_H */
