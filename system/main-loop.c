/*
 * Main loop: GLib's default context until a quit request, and the virtual clock with its
 * timers (qtest's clock_step and clock_set are the only things that move it).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "system/main-loop.h"
#include "system/runstate.h"
#include "trace.h"

struct HdVTimer {
    HdVTimerFn fn;
    void *opaque;
    int64_t expire;
    bool armed;
};

static bool quit_requested;
static int quit_status;
static int64_t vclock_ns;
static GList *vtimers; /* armed HdVTimer *, sorted by expiry */

int hd_main_loop_run(void)
{
    GMainContext *ctx = g_main_context_default();

    while (!quit_requested) {
        g_main_context_iteration(ctx, TRUE);
    }
    return quit_status;
}

void hd_main_loop_request_quit(int status)
{
    if (!quit_requested) {
        quit_status = status;
    }
    quit_requested = true;
    g_main_context_wakeup(g_main_context_default());
}

bool hd_main_loop_quit_requested(void)
{
    return quit_requested;
}

static const char *shutdown_reason;

void hd_main_loop_request_shutdown(const char *reason)
{
    if (!shutdown_reason) {
        shutdown_reason = g_intern_string(reason);
    }
    hd_runstate_set(HD_RUN_STATE_SHUTDOWN);
    hd_main_loop_request_quit(0);
}

const char *hd_main_loop_shutdown_reason(void)
{
    return shutdown_reason;
}

int64_t hd_vclock_get_ns(void)
{
    return vclock_ns;
}

static gint vtimer_cmp(gconstpointer a, gconstpointer b)
{
    const HdVTimer *ta = a, *tb = b;

    return ta->expire < tb->expire ? -1 : ta->expire > tb->expire;
}

int64_t hd_vclock_next_deadline(void)
{
    return vtimers ? ((HdVTimer *)vtimers->data)->expire : -1;
}

/* Run the timers due at or before @target in order, moving the clock to each, then to target. */
static int64_t vclock_advance(int64_t target)
{
    int64_t old = vclock_ns;

    while (vtimers && ((HdVTimer *)vtimers->data)->expire <= target) {
        HdVTimer *t = vtimers->data;

        vtimers = g_list_delete_link(vtimers, vtimers);
        t->armed = false;
        if (t->expire > vclock_ns) {
            vclock_ns = t->expire;
        }
        t->fn(t->opaque);
    }
    if (target > vclock_ns) {
        vclock_ns = target;
    }
    trace_qtest_backend_clock(old, vclock_ns);
    return vclock_ns;
}

int64_t hd_vclock_step(int64_t ns)
{
    if (ns < 0) {
        ns = 0;
    }
    return vclock_advance(ns > INT64_MAX - vclock_ns ? INT64_MAX : vclock_ns + ns);
}

int64_t hd_vclock_step_next(void)
{
    int64_t deadline = hd_vclock_next_deadline();

    return deadline < 0 ? vclock_ns : vclock_advance(deadline);
}

int64_t hd_vclock_set(int64_t ns)
{
    return vclock_advance(ns < vclock_ns ? vclock_ns : ns);
}

HdVTimer *hd_vtimer_new(HdVTimerFn fn, void *opaque)
{
    HdVTimer *t = g_new0(HdVTimer, 1);

    t->fn = fn;
    t->opaque = opaque;
    return t;
}

void hd_vtimer_del(HdVTimer *timer)
{
    if (timer && timer->armed) {
        vtimers = g_list_remove(vtimers, timer);
        timer->armed = false;
    }
}

void hd_vtimer_mod(HdVTimer *timer, int64_t expire_ns)
{
    hd_vtimer_del(timer);
    timer->expire = expire_ns;
    timer->armed = true;
    vtimers = g_list_insert_sorted(vtimers, timer, vtimer_cmp);
}

void hd_vtimer_free(HdVTimer *timer)
{
    if (timer) {
        hd_vtimer_del(timer);
        g_free(timer);
    }
}
