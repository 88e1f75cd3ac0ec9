/*
 * The machine side of qtest (-qtest, -qtest-log): guest memory and port I/O on the system
 * address spaces, the virtual clock, and interrupt lines intercepted through hw/irq.h.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_QTEST_BACKEND_H
#define SYSTEM_QTEST_BACKEND_H

#include <glib.h>

#include "system/qtest.h"

typedef struct HdQtest HdQtest;

/* The backend ops hostdev's machine implements (usable with any QtestServer). */
extern const QtestBackend hd_qtest_backend_ops;

/*
 * Serve qtest on the chardev @spec names: "unix:PATH[,server=on...]" (a new chardev "qtest")
 * or "chardev:ID" (an existing -chardev). @log_path: log file, "none" or NULL for none.
 */
HdQtest *hd_qtest_start(const char *spec, const char *log_path, GError **errp);

/* Stop serving, close the log and the chardev it created; NULL is fine. */
void hd_qtest_stop(HdQtest *qtest);

#endif /* SYSTEM_QTEST_BACKEND_H */
