/*
 * Interrupt lines: named sets of level-triggered inputs that devices drive and qtest can
 * intercept (irq_intercept_in QOM-PATH), e.g. the q35 I/O APIC's GSIs and the MSI window.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_IRQ_H
#define HW_IRQ_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct HdIrqLines HdIrqLines;

/* What an input set does with a level change of line n (0 or 1). */
typedef void (*HdIrqHandler)(void *opaque, int n, int level);

/*
 * A set of @count inputs registered under @qom_path (unique, e.g. "/machine/ioapic"), delivered
 * to @handler (may be NULL: levels are only recorded). Free with hd_irq_lines_free().
 */
HdIrqLines *hd_irq_lines_new(const char *qom_path, int count, HdIrqHandler handler,
                             void *opaque);

/* Unregister and free; NULL is allowed. */
void hd_irq_lines_free(HdIrqLines *lines);

/* Drive input @n to @level; the handler (or the interceptor) sees only changes. */
void hd_irq_set(HdIrqLines *lines, int n, int level);

/* Raise then lower input @n: an edge, as an MSI delivers. */
void hd_irq_pulse(HdIrqLines *lines, int n);

/* The current level of input @n. */
int hd_irq_get(HdIrqLines *lines, int n);

/* The set registered at @qom_path, or NULL. */
HdIrqLines *hd_irq_lines_find(const char *qom_path);

/*
 * The set @path names as QOM resolves paths: an absolute path ("/machine/ioapic") exactly, a
 * partial one ("ioapic", "machine/ioapic") when it ends exactly one registered path at a '/'.
 * NULL when none or several match.
 */
HdIrqLines *hd_irq_lines_resolve(const char *path);

/* The absolute path the set is registered under (owned by the set). */
const char *hd_irq_lines_path(HdIrqLines *lines);

/* How many inputs the set has: valid line numbers are 0 .. count - 1. */
int hd_irq_lines_count(HdIrqLines *lines);

/*
 * Route every later change of the set at @qom_path to @handler instead of its own handler
 * (qtest's irq_intercept_in). False with @errp set when no set is registered there.
 */
bool hd_irq_intercept(const char *qom_path, HdIrqHandler handler, void *opaque, GError **errp);

/* Replace the handler of the set at @qom_path (an accelerator wiring the machine's lines to
 * its interrupt controller); false with @errp set when no set is registered there. */
bool hd_irq_set_handler(const char *qom_path, HdIrqHandler handler, void *opaque, GError **errp);

/*
 * Where MSI writes (a 32-bit @data to @address in the MSI window) go when an accelerator
 * delivers them itself (KVM_SIGNAL_MSI); NULL restores the machine's own MSI input lines.
 */
typedef void (*HdMsiSink)(uint64_t address, uint32_t data);
void hd_msi_set_sink(HdMsiSink sink);
HdMsiSink hd_msi_get_sink(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HdIrqLines, hd_irq_lines_free)

#endif /* HW_IRQ_H */
