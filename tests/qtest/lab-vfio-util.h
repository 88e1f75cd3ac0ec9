/*
 * What the qtest-driven lab tests of -device vfio-pci share: the backend variants, starting
 * hostdev, BAR and command-register setup, polling waits, QMP device_add/del and reset, and
 * the lab's edu (DMA round trips) and mtty mdev as a guest driver would use them.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_QTEST_LAB_VFIO_UTIL_H
#define TESTS_QTEST_LAB_VFIO_UTIL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "../lab/lab-edu-regs.h"
#include "libqtest.h"

#define MEM_BASE 0xc0000000u /* the start of q35's 32-bit PCI hole */
#define IO_BASE 0xc000u
#define MSI_ADDR 0xfee00000u

#define EDU_SLOT 4
#define MTTY_SLOT 5

/* igb (the lab's 82576): its slot and the registers that raise MSI-X vectors. */
#define IGB_SLOT 6
#define IGB_GPIE 0x1514
#define IGB_GPIE_MSIX_MODE 0x10
#define IGB_EICS 0x1520
#define IGB_EIMS 0x1524
#define IGB_EIAC 0x152c
#define IGB_EICR 0x1580

#define RAM_SRC 0x100000 /* below edu's 28-bit DMA mask */
#define RAM_DST 0x101000

#define WAIT_US (30 * G_USEC_PER_SEC)

/* --- the backend variants --- */

/*
 * How a test attaches devices: extra -object arguments, what each -device vfio-pci gets
 * appended (",iommufd=ID") and the same for QMP device_add (", 'iommufd': 'ID'").
 */
typedef struct LabVfioBackend {
    const char *name;
    const char *objects;
    const char *device_opts;
    const char *device_json;
    const char *share_trace; /* trace point telling a device joined an existing container */
} LabVfioBackend;

extern const LabVfioBackend legacy;
extern const LabVfioBackend iommufd;            /* its object is "iofd0" */
extern const LabVfioBackend *const backends[2]; /* legacy, iommufd */

/* "-device vfio-pci,host=BDF,addr=SLOT,id=ID<backend opts>" for @b (sysfsdev= for a path). */
char *device_arg(const LabVfioBackend *b, const char *host_or_sysfs, int slot, const char *id);

/* The QMP device_add arguments (a JSON object body) for the same device. */
char *device_add_json(const LabVfioBackend *b, const char *host_or_sysfs, int slot, const char *id);

/* hostdev with "-M q35 -m 1G -nodefaults", @b's objects and @devices (NULL: none). */
QTestState *start(const LabVfioBackend *b, const char *devices);

/* The lab's environment variable @name; NULL, and the test failed, when it is unset. */
const char *lab_env(const char *name);

/* --- guest-side helpers --- */

/* Size memory BAR @bar, map it at @addr (64-bit BARs: upper half 0); returns its size. */
uint64_t bar_map(QTestState *s, int slot, int bar, uint32_t addr);

/* The offset of capability @id in @slot's guest-visible list, 0 when absent. */
uint8_t cfg_find_cap(QTestState *s, int slot, uint8_t id);

/* Map every BAR of @slot (memory 1 MiB apart from MEM_BASE, I/O from IO_BASE); 0 where none. */
void map_all_bars(QTestState *s, int slot, uint64_t addr[6]);

/* Set @bits in the command register of @slot. */
void cmd_set(QTestState *s, int slot, uint16_t bits);

/* What a wait polls: the condition it waits for and where it looks. */
typedef struct WaitFor {
    uint64_t addr; /* mmio: (readl(addr) & mask) == want */
    uint32_t mask;
    uint32_t want;
    int line; /* msi: raises of line > before; intx: line at level */
    unsigned before;
    bool level;
} WaitFor;

typedef bool (*WaitDone)(QTestState *s, const WaitFor *w);

/* Poll @done every 5 ms until it holds, at most WAIT_US; false when it never did. */
bool poll_until(QTestState *s, WaitDone done, const WaitFor *w);

/* Poll until (readl(@addr) & @mask) == @want, at most WAIT_US. */
bool mmio_wait(QTestState *s, uint64_t addr, uint32_t mask, uint32_t want);

/* Wait until the intercepted line @line is at @level (INTx), polling. */
bool line_wait(QTestState *s, int line, bool level);

/* The GSI the device's INTx pin reaches on q35: 16 + (slot + pin - 1) % 8. */
int intx_gsi(QTestState *s, int slot);

/*
 * Walk hostdev's open fds: returns how many are not /dev/iommu, sets *@iommu to how many are,
 * and appends " FD=TARGET" for each to @list when it is not NULL.
 */
unsigned fds_walk(QTestState *s, unsigned *iommu, GString *list);

/* query-status's "status" (g_free). */
char *status_of(QTestState *s);

/* device_add with @args (a JSON object body, see device_add_json()); it must succeed. */
void qmp_device_add(QTestState *s, const char *args);

/* system_reset, then wait for the RESET event. */
void qmp_system_reset(QTestState *s);

/* --- edu --- */

/* Where edu_enable() mapped edu's BAR0. */
extern uint32_t edu_bar;

/* Map edu's BAR0 at MEM_BASE (checking its 1 MiB size); memory decode and bus master on. */
void edu_enable(QTestState *s);

/* One DMA of XFER bytes: RAM -> edu buffer (@to_ram false) or back, with @cmd_extra bits. */
bool edu_dma(QTestState *s, uint32_t src, uint32_t dst, bool to_ram, uint32_t cmd_extra);

/* edu_enable(), then check the ID register through the BAR. */
void edu_enable_check(QTestState *s);

/*
 * DMA XFER bytes (i * @mul + @add) from RAM into edu's buffer and back to other RAM, and
 * check they arrive unchanged. Tests pass distinct patterns, so stale data cannot pass.
 */
void edu_dma_round_trip(QTestState *s, unsigned mul, unsigned add);

/*
 * Start a VM with the lab's edu assigned at EDU_SLOT as "edu0" and its BAR0 enabled; NULL
 * (the test failed) when the lab did not say which device edu is.
 */
QTestState *start_edu(const LabVfioBackend *b);

/* --- mtty mdev --- */

/*
 * Check the mtty at @slot works: its IDs, its I/O BAR mapped at IO_BASE with the scratch
 * register keeping @scratch, and INTx raised by THR-empty and ended by the IIR read. The
 * caller intercepted "/machine/ioapic" (once per process).
 */
void mtty_check(QTestState *s, int slot, uint8_t scratch);

#endif
