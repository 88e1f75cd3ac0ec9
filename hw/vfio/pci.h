/*
 * vfio-pci internals shared by its files: the device state, config space virtualization
 * (pci-config.c), interrupts (pci-irq.c) and the device type (pci.c).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VFIO_PCI_H
#define HW_VFIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/pci/pci.h"
#include "hw/vfio/vfio-common.h"
#include "hw/vfio/vfio-helpers.h"
#include "hw/vfio/vfio-pci.h"
#include "vfio-display.h"
#include "vfio-migration.h"

/* Power management and Advanced Features capability fields vfio-pci looks at. */
#define VFIO_PCI_PM_CTRL 4
#define VFIO_PCI_PM_CTRL_NO_SOFT_RESET 0x0008
#define VFIO_PCI_AF_CAP 3
#define VFIO_PCI_AF_CAP_FLR 0x02

/* Standard capability ids and fields beyond hw/pci/pci-regs.h that vfio-pci sizes. */
#ifndef PCI_CAP_ID_PCIX
#define PCI_CAP_ID_PCIX 0x07
#endif
#ifndef PCI_CAP_ID_HT
#define PCI_CAP_ID_HT 0x08
#endif
#ifndef PCI_CAP_ID_SLOTID
#define PCI_CAP_ID_SLOTID 0x04
#endif
#ifndef PCI_CAP_ID_SATA
#define PCI_CAP_ID_SATA 0x12
#endif
#ifndef PCI_X_STATUS
#define PCI_X_STATUS 4
#define PCI_X_STATUS_VERS 0x30000000
#endif

/* What a guest-triggered interrupt mode is set up in the kernel. */
typedef enum VFIOPciIrqMode {
    VFIO_PCI_IRQ_NONE,
    VFIO_PCI_IRQ_INTX,
    VFIO_PCI_IRQ_MSI,
    VFIO_PCI_IRQ_MSIX,
} VFIOPciIrqMode;

/* How the device is reset on a system reset. */
typedef enum VFIOPciResetMethod {
    VFIO_PCI_RESET_NONE, /* nothing works: the state carries over */
    VFIO_PCI_RESET_FLR,  /* VFIO_DEVICE_RESET, the kernel does a function-level reset */
    VFIO_PCI_RESET_PM,   /* VFIO_DEVICE_RESET, the kernel does a D3hot-D0 cycle */
    VFIO_PCI_RESET_BUS,  /* a bus or slot hot reset from the VFIO system reset handler */
} VFIOPciResetMethod;

/* One MSI or MSI-X vector's trigger eventfd. */
typedef struct VFIOPciVector {
    VFIOPciDevice *vdev;
    unsigned nr;
    VFIONotifier *notifier; /* MSI-X: created when the vector is first used */
    bool armed;             /* the kernel signals the notifier */
    int virq;               /* KVM MSI route (GSI) of this vector, -1: none */
    bool irqfd;             /* KVM takes the notifier's events straight to the guest */
} VFIOPciVector;

/* Where the MSI-X table and PBA go when relocated (pci-msix.c). */
typedef struct VFIOPciMsixReloc {
    int bar;               /* -1: they stay where the device has them */
    bool new_bar;          /* the BAR was free: an emulated one holds only them */
    uint64_t size;         /* the BAR's size with them */
    uint64_t table_offset; /* in that BAR */
    uint64_t pba_offset;
} VFIOPciMsixReloc;

typedef struct VFIOPciBar {
    VFIOPciDevice *vdev;
    VFIORegion *region; /* the device region; NULL: no BAR here */
    MemoryRegion *mr;   /* container registered as the BAR (power of two), a reference */
    MemoryRegion *eoi;  /* INTx end-of-interrupt trap over the BAR, enabled while pending */
    uint64_t size;      /* the region's size */
    uint8_t type;       /* PCI_BASE_ADDRESS_* low bits */
    bool mem64_upper;   /* the upper half of the previous BAR */
} VFIOPciBar;

struct _VFIOPciDevice {
    HdPciDevice parent_instance;
    VFIODevice vbasedev;

    /* properties */
    char *host;
    char *sysfsdev;
    char *iommufd_id;
    char *fd_text;
    bool no_mmap;
    bool no_iommu; /* x-no-iommu: accept a no-IOMMU group */
    char *vf_token; /* vf-token=UUID */
    /* x-pci-vendor-id, x-pci-device-id, x-pci-sub-vendor-id, x-pci-sub-device-id */
    uint32_t vendor_id, device_id, sub_vendor_id, sub_device_id;
    bool extcap_init; /* x-pcie-extcap-init: expose the device's extended capabilities */
    char *msix_relocation; /* x-msix-relocation: off, auto, bar0..bar5 */
    char *enable_migration;       /* enable-migration: on, off, auto (NULL: auto) */
    bool pre_copy_dirty_tracking; /* x-pre-copy-dirty-page-tracking */
    char *display;                /* display: on, off, auto (NULL: off) */
    bool ramfb;                   /* ramfb=on: an etc/ramfb framebuffer on the display's console */

    /* realized state */
    char *what;             /* "vfio-pci 'ID' (0000:00:04.0)" for messages */
    GObject *iommufd;       /* reference while attached */
    uint64_t config_offset; /* config region in the device fd */
    uint64_t config_size;
    uint8_t emulated[PCIE_CONFIG_SPACE_SIZE]; /* bits read from the emulated config */
    uint8_t nowrite[PCIE_CONFIG_SPACE_SIZE];  /* bits never written to the device */
    VFIOPciBar bars[6];
    MemoryRegion *rom; /* expansion ROM read from the device, or NULL */
    uint8_t *rom_data; /* cached on first read */
    uint64_t rom_size;
    uint64_t rom_offset;
    uint8_t msi_cap, msix_cap, pm_cap, exp_cap;
    VFIOPciMsixReloc msix_reloc; /* where x-msix-relocation put the MSI-X table */
    VFIOPciResetMethod reset_method;
    bool reset_done; /* the reset hook's bus reset worked; the system handler skips it */
    VFIOMigration *migration; /* registered with the migration core; NULL: not migratable */
    VFIODisplay *display_state; /* display=on|auto found planes: the console's source */

    /* interrupts */
    VFIOPciIrqMode irq_mode;
    uint8_t intx_pin; /* 0: no INTx */
    VFIONotifier *intx;
    VFIONotifier *intx_resample; /* KVM: fires at the guest's EOI; the kernel unmasks INTx */
    bool intx_kvm;               /* INTx goes to KVM through an irqfd with that resample fd */
    bool intx_no_unmask_fd;      /* the device cannot unmask from an eventfd (mtty): slow path */
    bool intx_pending;
    VFIOPciVector *vectors; /* MSI or MSI-X trigger eventfds */
    unsigned nr_vectors;
    unsigned msix_kernel_vectors; /* vectors the kernel has allocated for MSI-X */
    bool msix_noresize;           /* VFIO_IRQ_INFO_NORESIZE: growing means re-enabling */
    VFIONotifier *err;
    VFIONotifier *req;
    guint req_source;
    gint64 req_first_us; /* when the host first asked for the device back; 0: it has not */
};

/* --- pci-config.c --- */

/*
 * Read the device's config space and build the emulated one: header ids, BARs left to
 * pci_register_bar(), capabilities re-added where the device has them (MSI and MSI-X
 * emulated, unsupported ones hidden), and the emulated/nowrite masks. BARs must be set up
 * first (MSI-X needs their regions). False with @errp set.
 */
bool vfio_pci_config_setup(VFIOPciDevice *vdev, GError **errp);

/* An identity property left unset: the device's own id shows. */
#define VFIO_PCI_ID_UNSET 0xffffffffu

/*
 * Put the identity overrides (each a 16-bit id or VFIO_PCI_ID_UNSET) into the standard header
 * @config. False with @errp set, naming the property, when one is out of range.
 */
bool vfio_pci_ids_override(uint8_t *config, uint32_t vendor, uint32_t device, uint32_t sub_vendor,
                           uint32_t sub_device, GError **errp);

/* The config hooks of the class. */
uint32_t vfio_pci_config_read(HdPciDevice *dev, uint32_t addr, unsigned len);
void vfio_pci_config_write(HdPciDevice *dev, uint32_t addr, uint32_t val, unsigned len);

/* Read @len bytes of the device's own config space at @addr (all-ones on failure). */
uint32_t vfio_pci_config_read_device(VFIOPciDevice *vdev, uint32_t addr, unsigned len);
/* Write @len bytes to the device's config space; false when the kernel refused. */
bool vfio_pci_config_write_device(VFIOPciDevice *vdev, uint32_t addr, uint32_t val, unsigned len);

/*
 * Pure helpers (unit-tested without a kernel): the value a guest read returns given the
 * emulated and device values and the emulated-bits mask; the device value a guest write
 * should send given the current device value and the nowrite mask.
 */
uint32_t vfio_pci_config_merge(uint32_t emulated, uint32_t device, uint32_t emu_mask);

/*
 * Walk a standard capability list in @config (256 bytes): fill @offsets with up to @max
 * capability offsets in list order and return how many; loops, pointers into the header and
 * a missing CAP_LIST bit end the walk.
 */
unsigned vfio_pci_cap_walk(const uint8_t *config, uint8_t *offsets, unsigned max);

/*
 * The size of the capability at @offset of @config given the other capabilities' @offsets
 * (@n of them): its architected size where known, clipped to the next capability above it
 * and to the end of config space.
 */
uint8_t vfio_pci_cap_size(const uint8_t *config, uint8_t offset, const uint8_t *offsets,
                          unsigned n);

/* Whether vfio-pci passes capability @cap_id through (all but MSI and MSI-X, emulated). */
bool vfio_pci_cap_supported(uint8_t cap_id);

/* --- pci-extcap.c --- */

/* The guest's config space being built: the emulated bytes and the two masks, 4 KiB each. */
typedef struct VFIOPciExtcapView {
    uint8_t *config;
    uint8_t *emulated;
    uint8_t *nowrite;
} VFIOPciExtcapView;

/* Where the device sits, for its PCIe capability. */
typedef enum VFIOPciExpPlace {
    VFIO_PCI_EXP_ROOT_BUS,     /* on the root complex's bus (q35's pcie.0) */
    VFIO_PCI_EXP_PORT,         /* below a PCIe root or downstream port */
    VFIO_PCI_EXP_CONVENTIONAL, /* on a conventional PCI bus (behind a PCIe-to-PCI bridge) */
} VFIOPciExpPlace;

/* What happens to an extended capability. */
typedef enum VFIOPciExtcapPolicy {
    VFIO_PCI_EXTCAP_PASS,       /* the device's, as the kernel presents it */
    VFIO_PCI_EXTCAP_VIRTUALIZE, /* kept, some fields emulated (ARI, resizable BAR) */
    VFIO_PCI_EXTCAP_HIDE,       /* out of the chain, reads as 0 (SR-IOV, root complex ones) */
} VFIOPciExtcapPolicy;

/* Most extended capabilities walked (a real device has a dozen or two). */
#define VFIO_PCI_MAX_EXTCAPS 128
/* Link capability/status value of a x1 link at 2.5 GT/s. */
#define VFIO_PCI_EXP_LNK_X1_2_5GT 0x0011

/*
 * Virtualize the PCIe capability at @off of @v->config (the device's bytes already there) for
 * @place: on the root bus an endpoint becomes a root-complex integrated endpoint without link
 * or slot registers; behind a port an integrated endpoint becomes an endpoint with a x1 link;
 * the flags word is emulated.
 */
void vfio_pci_exp_virtualize(VFIOPciExtcapView *v, uint8_t off, VFIOPciExpPlace place);

/* The policy for extended capability @id. */
VFIOPciExtcapPolicy vfio_pci_extcap_policy(uint16_t id);

/*
 * Walk the extended capability chain of @config (4 KiB) from 0x100: up to @max offsets in
 * chain order, ending at a zero or all-ones header, a pointer below 0x100 or a loop.
 */
unsigned vfio_pci_extcap_walk(const uint8_t *config, uint16_t *offsets, unsigned max);

/*
 * Build the guest's extended config space [0x100, 0x1000) from the device's @phys (4 KiB) into
 * @v: every header emulated and relinked past the hidden capabilities (a null header at 0x100
 * when the first is hidden), hidden bodies emulated as 0, virtualized fields emulated; the rest
 * passes through. @init false (x-pcie-extcap-init=off): all of it reads 0. Returns how many
 * capabilities the guest sees and stores the first @max_kept ids in @kept_ids (may be NULL).
 */
unsigned vfio_pci_extcap_build(VFIOPciExtcapView *v, const uint8_t *phys, bool init,
                               uint16_t *kept_ids, unsigned max_kept);

/* --- pci-msix.c --- */

#define VFIO_PCI_MSIX_RELOC_OFF (-2)
#define VFIO_PCI_MSIX_RELOC_AUTO (-1)

/* A BAR as the relocation plan sees it: its (power of two) size, 0 when unused; its type bits;
 * whether it is the upper half of a 64-bit BAR. */
typedef struct VFIOPciBarLayout {
    uint64_t size;
    uint8_t type;
    bool upper;
} VFIOPciBarLayout;

/* "off" (or NULL), "auto", "bar0".."bar5" into VFIO_PCI_MSIX_RELOC_* or the BAR number. */
bool vfio_pci_msix_reloc_parse(const char *text, int *choice, GError **errp);

/*
 * Where a table of @nr_vectors (now in BAR @table_bar) and its PBA go for @choice, given the
 * device's @bars (6): a free BAR gets a new one just big enough (auto takes the first free one,
 * else grows the table's BAR); a used memory BAR doubles (or more) with them in the upper
 * part. False with @errp set for a BAR that cannot take them (I/O, a 64-bit upper half, too
 * large for 32 bits).
 */
bool vfio_pci_msix_reloc_plan(const VFIOPciBarLayout *bars, unsigned nr_vectors, int table_bar,
                              int choice, VFIOPciMsixReloc *out, GError **errp);

/* Plan the relocation for the device (x-msix-relocation) before its BARs are registered.
 * False with @errp set. */
bool vfio_pci_msix_plan(VFIOPciDevice *vdev, GError **errp);
/* Register BAR @index backed by @mr, grown when the plan moves the MSI-X table into it. */
void vfio_pci_msix_register_bar(VFIOPciDevice *vdev, int index, uint8_t type, MemoryRegion *mr);
/* The BAR region the MSI-X table moved to (registering a new BAR on first use), or NULL. */
MemoryRegion *vfio_pci_msix_reloc_region(VFIOPciDevice *vdev);

/* --- pci-irq.c --- */

/* Set up INTx (when the device has a pin), the vector notifiers, and the error and request
 * notifiers. False with @errp set. */
bool vfio_pci_irq_setup(VFIOPciDevice *vdev, GError **errp);
/* Disable every interrupt in the kernel and free the eventfds. */
void vfio_pci_irq_teardown(VFIOPciDevice *vdev);
/* Turn INTx off in the kernel before a reset, back on after (when in INTx mode). */
void vfio_pci_intx_disable(VFIOPciDevice *vdev);
bool vfio_pci_intx_enable(VFIOPciDevice *vdev, GError **errp);
/* A guest access to a BAR while INTx is pending: lower the line and unmask. */
void vfio_pci_intx_eoi(VFIOPciDevice *vdev);

/* INTx in migration (the slow path's line waiting for the guest): section kind and size. */
#define VFIO_PCI_INTX_MIG_KIND "intx"
#define VFIO_PCI_INTX_MIG_SIZE 4
/* Source, VM stopped: the section's bytes. */
void vfio_pci_intx_save(VFIOPciDevice *vdev, uint8_t out[VFIO_PCI_INTX_MIG_SIZE]);
/* Destination, after the PCI state: take the source's INTx state over. False with @errp on a
 * malformed section. */
bool vfio_pci_intx_load(VFIOPciDevice *vdev, const uint8_t *data, size_t len, GError **errp);

/* --- pci-reset.c --- */

/* The frontend callbacks of vfio-pci devices (pci.c); identifies a VFIODevice as one. */
extern const VFIODeviceOps vfio_pci_device_ops;

/* "flr", "pm", "bus" or "none". */
const char *vfio_pci_reset_method_name(VFIOPciResetMethod m);
/* The vfio-pci device embedding @vbasedev, NULL when another frontend's. */
VFIOPciDevice *vfio_pci_from_vbasedev(VFIODevice *vbasedev);

/* Before a kernel reset: INTx off in the kernel, the device stops decoding and mastering.
 * After: the guest-visible command register is mirrored to the device, INTx back on. */
void vfio_pci_pre_reset(VFIOPciDevice *vdev);
void vfio_pci_post_reset(VFIOPciDevice *vdev);

/*
 * The class's reset hook (after the PCI core reset the emulated state): reset the function by
 * its method, a bus method with a hot reset that reaches this device alone (a guest's secondary
 * bus reset, or a system reset of a device alone on its bus). Failures warn.
 */
void vfio_pci_device_reset(VFIOPciDevice *vdev);

/* Whether a guest config write of @val (@len bytes at @addr) initiates an FLR the device
 * advertises; then the config hook calls vfio_pci_guest_flr() once the write is done. */
bool vfio_pci_config_is_flr(VFIOPciDevice *vdev, uint32_t addr, uint32_t val, unsigned len);
void vfio_pci_guest_flr(VFIOPciDevice *vdev);

/* VFIODeviceOps for the system reset handler (see vfio-common.h). */
void vfio_pci_compute_needs_reset(VFIODevice *vbasedev);
bool vfio_pci_hot_reset_multi(VFIODevice *vbasedev, GError **errp);

/*
 * The devices of @devices (VFIODevice *, e.g. vfio_device_list()) that a hot reset described by
 * @info reaches, matched by PCI address, in @devices' order (g_ptr_array_unref it); and clearing
 * needs_reset on them once the one reset of their bus is done.
 */
GPtrArray *vfio_pci_reset_peers(const struct vfio_pci_hot_reset_info *info, const GList *devices);
void vfio_pci_reset_peers_done(GPtrArray *peers);

#endif /* HW_VFIO_PCI_H */
