/*
 * Guest RAM in the migration stream: the machine's RAM region registers here; the source sends
 * its dirty pages pass after pass ("ram/pages": a run of pages, "ram/zero": a run of zero
 * pages), the destination writes them back.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <string.h>
#include <time.h>

#include "migration-internal.h"
#include "migration/ram.h"
#include "system/memory-listener.h"
#include "system/memory-region.h"
#include "system/ramblock.h"
#include "trace.h"

#define RUN_MAX (1u << 20) /* bytes of one "ram/pages" section's data */
/* Most RAM one call looks at: zero pages cost the stream next to nothing, and a call that
 * scanned until its byte budget was spent would hold the big lock (which vCPU exits need)
 * for as long as reading all of a mostly empty guest takes. */
#define SCAN_MAX (16ull << 20)
#define PAGE RAM_BLOCK_PAGE_SIZE

static MemoryRegion *ram_mr;
static uint64_t next_page; /* where the current pass goes on */
static bool logging;
static HdMigRamStats stats;

void hd_migration_set_ram(MemoryRegion *mr)
{
    ram_mr = mr;
}

const char *hd_mig_ram_name(void)
{
    return ram_mr ? ram_block_name(memory_region_get_ram_block(ram_mr)) : "";
}

uint64_t hd_mig_ram_size(void)
{
    return ram_mr ? ram_block_size(memory_region_get_ram_block(ram_mr)) : 0;
}

HdMigRamStats hd_mig_ram_stats(void)
{
    return stats;
}

bool hd_mig_ram_setup(GError **errp)
{
    RAMBlock *rb;

    memset(&stats, 0, sizeof(stats));
    next_page = 0;
    if (!ram_mr) {
        return true;
    }
    if (!memory_global_dirty_log_start(errp)) {
        g_prefix_error(errp, "cannot track the guest's writes to RAM: ");
        return false;
    }
    logging = true;
    rb = memory_region_get_ram_block(ram_mr);
    ram_block_dirty_set(rb, 0, ram_block_size(rb));
    return true;
}

void hd_mig_ram_cleanup(void)
{
    if (logging) {
        memory_global_dirty_log_stop();
        logging = false;
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t hd_mig_ram_sync(void)
{
    RAMBlock *rb;
    uint64_t t0, dirty;

    if (!ram_mr) {
        return 0;
    }
    rb = memory_region_get_ram_block(ram_mr);
    t0 = now_ns();
    memory_global_dirty_log_sync();
    next_page = 0;
    dirty = ram_block_dirty_count(rb) * PAGE;
    trace_migration_sync(dirty, ram_block_size(rb), now_ns() - t0);
    return dirty;
}

static bool page_is_zero(const uint8_t *p)
{
    const uint64_t *w = (const uint64_t *)p;

    for (size_t i = 0; i < PAGE / 8; i += 4) {
        if (w[i] | w[i + 1] | w[i + 2] | w[i + 3]) {
            return false;
        }
    }
    return true;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = v & 0xff;
        v >>= 8;
    }
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

/* Send the run of @n dirty pages at @page (already cleared): zero runs and data runs, framed in
 * @buf (8 + RUN_MAX bytes). */
static int64_t send_run(RAMBlock *rb, uint64_t page, uint64_t n, uint8_t *buf,
                        HdMigWriteFunc write, void *opaque, GError **errp)
{
    const uint8_t *host = ram_block_host(rb);
    int64_t sent = 0;
    uint64_t i = 0;

    while (i < n) {
        bool zero = page_is_zero(host + (page + i) * PAGE);
        uint64_t j = i + 1;

        while (j < n && (j - i) * PAGE < RUN_MAX && page_is_zero(host + (page + j) * PAGE) == zero) {
            j++;
        }
        put_be64(buf, (page + i) * PAGE);
        if (zero) {
            put_be64(buf + 8, (j - i) * PAGE);
            if (!write("ram/zero", buf, 16, opaque, errp)) {
                return -1;
            }
            stats.zero_pages += j - i;
            sent += 16;
        } else {
            memcpy(buf + 8, host + (page + i) * PAGE, (j - i) * PAGE);
            if (!write("ram/pages", buf, 8 + (j - i) * PAGE, opaque, errp)) {
                return -1;
            }
            stats.normal_pages += j - i;
            sent += 8 + (j - i) * PAGE;
        }
        i = j;
    }
    stats.bytes += sent;
    return sent;
}

int64_t hd_mig_ram_send(HdMigWriteFunc write, void *opaque, uint64_t budget, bool *pass_done,
                        GError **errp)
{
    g_autofree uint8_t *buf = NULL;
    RAMBlock *rb;
    uint64_t npages;
    int64_t total = 0;
    uint64_t scanned = 0;

    *pass_done = true;
    if (!ram_mr) {
        return 0;
    }
    rb = memory_region_get_ram_block(ram_mr);
    npages = ram_block_dirty_npages(rb);
    while ((uint64_t)total < budget && scanned < SCAN_MAX) {
        uint64_t first = ram_block_dirty_next(rb, next_page), n = 0;
        uint64_t cap = MIN(RUN_MAX, MAX(budget - (uint64_t)total, PAGE));
        int64_t sent;

        if (first >= npages) {
            next_page = npages;
            return total;
        }
        while (first + n < npages && n * PAGE < cap &&
               ram_block_dirty_test_and_clear(rb, (first + n) * PAGE, PAGE)) {
            n++;
        }
        buf = buf ? buf : g_malloc(8 + RUN_MAX); /* once per call, not per run */
        sent = send_run(rb, first, n, buf, write, opaque, errp);
        if (sent < 0) {
            return -1;
        }
        total += sent;
        scanned += n * PAGE;
        next_page = first + n;
    }
    *pass_done = ram_block_dirty_next(rb, next_page) >= npages;
    return total;
}

bool hd_mig_ram_load(const char *kind, const uint8_t *data, size_t len, GError **errp)
{
    uint64_t offset, size = hd_mig_ram_size(), n;
    uint8_t *host;

    if (!ram_mr || len < 8) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "migration stream: RAM section '%s' of %zu bytes is malformed", kind, len);
        return false;
    }
    offset = get_be64(data);
    if (!strcmp(kind, "zero") && len == 16) {
        n = get_be64(data + 8);
    } else if (!strcmp(kind, "pages")) {
        n = len - 8;
    } else {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "migration stream: unknown RAM section 'ram/%s' (%zu bytes)", kind, len);
        return false;
    }
    if (offset % PAGE || n % PAGE || offset > size || n > size - offset) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "migration stream: RAM pages [0x%" G_GINT64_MODIFIER "x, +0x%"
                    G_GINT64_MODIFIER "x) fall outside this VM's 0x%" G_GINT64_MODIFIER
                    "x bytes of RAM or are not page-aligned",
                    offset, n, size);
        return false;
    }
    host = memory_region_get_ram_ptr(ram_mr);
    if (*kind == 'z') {
        memset(host + offset, 0, n);
        stats.zero_pages += n / PAGE;
    } else {
        memcpy(host + offset, data + 8, n);
        stats.normal_pages += n / PAGE;
    }
    stats.bytes += len;
    return true;
}
