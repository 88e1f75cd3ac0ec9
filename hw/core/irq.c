/*
 * Interrupt lines: named sets of level-triggered inputs, found by QOM path, whose changes go
 * to their owner's handler or, once intercepted, to qtest.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/irq.h"
#include "qom/object.h"

/*
 * Migration: the levels here are not saved. Each line's level is the output of the device that
 * drives it (the UART, the SCI, PCI INTx, ...), and each of those saves the state the level
 * follows from and drives its line again as it loads on the destination; the interrupt
 * controller's own state (KVM's I/O APIC) travels with the accelerator's.
 */
struct HdIrqLines {
    char *path;
    int count;
    int *levels;
    HdIrqHandler handler;
    void *opaque;
    HdIrqHandler intercept;
    void *intercept_opaque;
    bool registered;
};

/* path -> HdIrqLines *, not owning. */
static GHashTable *registry;

HdIrqLines *hd_irq_lines_new(const char *qom_path, int count, HdIrqHandler handler, void *opaque)
{
    g_return_val_if_fail(qom_path && count > 0, NULL);
    HdIrqLines *lines = g_new0(HdIrqLines, 1);

    lines->path = g_strdup(qom_path);
    lines->count = count;
    lines->levels = g_new0(int, count);
    lines->handler = handler;
    lines->opaque = opaque;
    if (!registry) {
        registry = g_hash_table_new(g_str_hash, g_str_equal);
    }
    if (g_hash_table_contains(registry, qom_path)) {
        g_critical("interrupt lines '%s' registered twice; the second set cannot be found",
                   qom_path);
    } else {
        g_hash_table_insert(registry, lines->path, lines);
        lines->registered = true;
    }
    return lines;
}

void hd_irq_lines_free(HdIrqLines *lines)
{
    if (!lines) {
        return;
    }
    if (lines->registered) {
        g_hash_table_remove(registry, lines->path);
        if (g_hash_table_size(registry) == 0) {
            g_clear_pointer(&registry, g_hash_table_unref);
        }
    }
    g_free(lines->path);
    g_free(lines->levels);
    g_free(lines);
}

void hd_irq_set(HdIrqLines *lines, int n, int level)
{
    g_return_if_fail(lines && n >= 0 && n < lines->count);
    level = level ? 1 : 0;
    if (lines->levels[n] == level) {
        return;
    }
    lines->levels[n] = level;
    if (lines->intercept) {
        lines->intercept(lines->intercept_opaque, n, level);
    } else if (lines->handler) {
        lines->handler(lines->opaque, n, level);
    }
}

void hd_irq_pulse(HdIrqLines *lines, int n)
{
    hd_irq_set(lines, n, 1);
    hd_irq_set(lines, n, 0);
}

int hd_irq_get(HdIrqLines *lines, int n)
{
    g_return_val_if_fail(lines && n >= 0 && n < lines->count, 0);
    return lines->levels[n];
}

HdIrqLines *hd_irq_lines_find(const char *qom_path)
{
    return registry && qom_path ? g_hash_table_lookup(registry, qom_path) : NULL;
}

HdIrqLines *hd_irq_lines_resolve(const char *path)
{
    g_autofree char *suffix = NULL;
    HdIrqLines *found = NULL;
    GHashTableIter it;
    gpointer key, value;

    if (!registry || !path || !*path) {
        return NULL;
    }
    if (path[0] == '/') {
        return g_hash_table_lookup(registry, path);
    }
    suffix = g_strconcat("/", path, NULL);
    g_hash_table_iter_init(&it, registry);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        if (g_str_has_suffix(key, suffix)) {
            if (found) {
                return NULL; /* ambiguous, as QOM treats it */
            }
            found = value;
        }
    }
    return found;
}

const char *hd_irq_lines_path(HdIrqLines *lines)
{
    g_return_val_if_fail(lines, NULL);
    return lines->path;
}

int hd_irq_lines_count(HdIrqLines *lines)
{
    g_return_val_if_fail(lines, 0);
    return lines->count;
}

bool hd_irq_intercept(const char *qom_path, HdIrqHandler handler, void *opaque, GError **errp)
{
    HdIrqLines *lines = hd_irq_lines_find(qom_path);

    if (!lines) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                    "no interrupt lines at '%s'; intercept one of the machine's (e.g. %s)",
                    qom_path ? qom_path : "(null)", "/machine/ioapic");
        return false;
    }
    lines->intercept = handler;
    lines->intercept_opaque = opaque;
    return true;
}

bool hd_irq_set_handler(const char *qom_path, HdIrqHandler handler, void *opaque, GError **errp)
{
    HdIrqLines *lines = hd_irq_lines_find(qom_path);

    if (!lines) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                    "no interrupt lines at '%s' to connect", qom_path ? qom_path : "(null)");
        return false;
    }
    lines->handler = handler;
    lines->opaque = opaque;
    return true;
}

static HdMsiSink msi_sink;

void hd_msi_set_sink(HdMsiSink sink)
{
    msi_sink = sink;
}

HdMsiSink hd_msi_get_sink(void)
{
    return msi_sink;
}
