/*
 * PCI core internals shared by the files of hw/pci: a device's private state (config arrays,
 * BARs, MSI/MSI-X, INTx), the bus structure and the hooks config writes call.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PCI_PCI_INTERNAL_H
#define HW_PCI_PCI_INTERNAL_H

#include "hw/irq.h"
#include "hw/pci/msi.h"
#include "hw/pci/pci-host.h"
#include "hw/pci/pci.h"

#define PCI_MSI_MAX_VECTORS 32
#define PCI_MSIX_MAX_ENTRIES 2048

typedef struct PciBar {
    MemoryRegion *mr; /* reference; NULL: not registered (or the upper half of a 64-bit BAR) */
    uint8_t type;
    uint64_t size;
    uint64_t addr;          /* where it is mapped, PCI_BAR_UNMAPPED when it is not */
    MemoryRegion *mapped_in; /* the root it is mapped into while mapped */
} PciBar;

typedef struct PciMsiState {
    uint8_t cap; /* 0: no MSI */
    uint8_t size;
    unsigned nr_vectors;
    bool is64;
    bool maskbit;
    bool enabled; /* as last told to the notifiers */
    uint32_t used; /* vectors told vector_use */
    HdMsiMessage used_msg[PCI_MSI_MAX_VECTORS];
} PciMsiState;

typedef struct PciMsixState {
    uint8_t cap; /* 0: no MSI-X */
    unsigned nentries;
    uint8_t *table; /* nentries * 16 bytes */
    uint8_t *pba;   /* 8-byte words */
    unsigned pba_size;
    MemoryRegion *table_mr; /* mapped into table_bar */
    MemoryRegion *pba_mr;
    MemoryRegion *table_bar; /* references */
    MemoryRegion *pba_bar;
    MemoryRegion *exclusive_bar; /* msix_init_exclusive_bar()'s container, else NULL */
    bool enabled;               /* as last told to the notifiers */
    bool *used;
    HdMsiMessage *used_msg;
} PciMsixState;

typedef struct HdPciDevicePrivate {
    /* properties */
    char *addr;
    bool multifunction;
    char *romfile;
    uint32_t rombar;

    /* plug */
    HdPciBus *bus; /* not a reference: the bus holds one on us */
    int devfn;

    /* config space, allocated at realize */
    uint32_t config_size;
    uint8_t *config;
    uint8_t *wmask;
    uint8_t *w1cmask;
    uint16_t *cap_used;    /* per byte: 0 free, else offset + 1 of the capability owning it */
    uint8_t *reset_config; /* config right after realize */

    PciBar bars[PCI_NUM_REGIONS];

    int intx_level;
    int intx_asserted_gsi; /* -1 when not asserting */

    PciMsiState msi;
    PciMsixState msix;
    HdPciVectorNotifiers notifiers;
    void *notifiers_opaque;

    bool mig_config_loaded; /* an incoming "pci-config" section was loaded */
} HdPciDevicePrivate;

/* What a root bus shares with the buses behind its bridges; refcounted (g_rc_box). */
typedef struct PciRoot {
    MemoryRegion *mem; /* references */
    MemoryRegion *io;
    AddressSpace *dma_as;
    HdIrqLines *intx_lines;
    int gsi_base;
    int gsi_count;
    int *intx_count; /* devices asserting each of the gsi_count inputs */
} PciRoot;

struct _HdPciBus {
    HdBus parent_instance;
    HdPciDevice *devices[256]; /* not references: HdBus holds them */
    PciRoot *root;
    HdPciDevice *bridge; /* NULL for a root bus */
    bool slot0_only;
    bool powered_off; /* a hot-plug slot with its power off: config cycles find nothing */
};

/* The private state of @dev. */
HdPciDevicePrivate *pci_priv(HdPciDevice *dev);

/* The root info of @dev's bus, or NULL when not plugged. */
PciRoot *pci_device_root(HdPciDevice *dev);

/* Offset of BAR @index's register in config space (ROM: 0x30 or 0x38 for bridges). */
uint32_t pci_bar_offset(HdPciDevice *dev, int index);

/* Unmap every BAR and drop the regions (unrealize). */
void pci_bars_release(HdPciDevice *dev);

/* Re-evaluate the INTx line after a level or INTX_DISABLE change. */
void pci_intx_update(HdPciDevice *dev);

/* Config write hooks: called after the bytes changed, with what the write covered. */
void msi_config_written(HdPciDevice *dev, uint32_t addr, unsigned len);
void msix_config_written(HdPciDevice *dev, uint32_t addr, unsigned len);

/* Deliver @msg through @dev's DMA address space (dropped while bus mastering is off). */
void pci_msi_send(HdPciDevice *dev, HdMsiMessage msg);

/* Whether [a, a + alen) and [b, b + blen) overlap. */
static inline bool pci_ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
    return a < b + blen && b < a + alen;
}

/*
 * The migration handler of a device without own_migration (hw/pci/pci-migration.c): registered
 * at the end of a successful realize, dropped at unrealize.
 */
void pci_migration_register(HdPciDevice *dev);
void pci_migration_unregister(HdPciDevice *dev);

/* Register the QMP command query-pci. */
void pci_qmp_register(void);

/* Type registration of the models in hw/pci. */
GType pcie_root_port_get_type(void);
GType pcie_pci_bridge_get_type(void);
GType pci_testdev_get_type(void);

#endif /* HW_PCI_PCI_INTERNAL_H */
