/*
 * The big lock: device models, the memory API and QMP run under it. The main thread holds it
 * except while the GLib main loop polls; vCPU threads take it to handle an exit.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSTEM_BQL_H
#define SYSTEM_BQL_H

#include <glib.h>

/* Take the lock in the main thread and make the default context's poll drop it; once. */
void bql_init_main_thread(void);

void bql_lock(void);
void bql_unlock(void);

/* Wait on @cond with the lock held (it is dropped while waiting). */
void bql_cond_wait(GCond *cond);

/* Run @fn(@opaque) in the main thread at its next iteration (from any thread). */
void bql_run_in_main(GSourceFunc fn, gpointer opaque);

#endif /* SYSTEM_BQL_H */
