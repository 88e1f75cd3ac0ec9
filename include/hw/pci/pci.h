/*
 * PCI devices: the base type every PCI function derives from (emulated devices, bridges,
 * vfio-pci), its configuration space with write masks, capabilities, BARs, the expansion ROM,
 * INTx and DMA. MSI and MSI-X are in hw/pci/msi.h and hw/pci/msix.h, PCIe in hw/pci/pcie.h.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include <glib-object.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/pci/pci-regs.h"
#include "migration/register.h"
#include "qom/device.h"
#include "system/address-space.h"

/*
 * Model
 * -----
 * A PCI device is an HdDevice with bus_type "PCI". The life cycle is: create (properties set),
 * hd_device_plug() (the bus gives it a slot: "addr" or the first free one), hd_device_realize()
 * (this file's base realize fills the standard header from the class ids, then calls the
 * class's realize hook, which registers BARs and adds capabilities), hd_device_reset(),
 * hd_device_unrealize() (exit hook, then BARs are unmapped and the rest torn down).
 *
 * Configuration space is an emulated byte array of pci_config_size() bytes (256, or 4096 for
 * PCI Express devices) with two per-byte masks: wmask (bits the guest may write) and w1cmask
 * (bits a guest write of 1 clears). Every guest access goes through the class hooks
 * config_read/config_write; the defaults (pci_default_config_read/write) apply the masks and
 * then react: BAR and ROM mappings follow the BARs and the command register, MSI/MSI-X state
 * follows their capabilities, INTx follows the INTx-disable bit. A device that virtualizes
 * config space (vfio-pci) overrides the hooks and chains to the defaults for what it emulates.
 *
 * BARs: pci_register_bar() gives a MemoryRegion and a type. The base mapping engine maps the
 * region into the bus's memory or I/O root at the BAR's address while the matching decode bit
 * of PCI_COMMAND is set and the address is valid (non-zero, in range), moves it when the guest
 * reprograms the BAR and unmaps it when decoding is turned off. Sizing by writing all-ones
 * works through wmask. Regions are mapped with priority 1 over whatever else is in the root.
 */

#define HD_TYPE_PCI_DEVICE (hd_pci_device_get_type())
G_DECLARE_DERIVABLE_TYPE(HdPciDevice, hd_pci_device, HD, PCI_DEVICE, HdDevice)

#define HD_TYPE_PCI_BUS (hd_pci_bus_get_type())
G_DECLARE_FINAL_TYPE(HdPciBus, hd_pci_bus, HD, PCI_BUS, HdBus)

/* The bus kind PCI devices plug into (HdDeviceClass.bus_type). */
#define TYPE_PCI_BUS_KIND "PCI"

/* Devfn helpers: slot 0..31, function 0..7. */
#define PCI_DEVFN(slot, fn) ((((slot) & 0x1f) << 3) | ((fn) & 0x07))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn) & 0x07)

/* BAR indexes: 0..5 are BARs (0..1 on bridges), 6 the expansion ROM. */
#define PCI_NUM_REGIONS 7
#define PCI_ROM_SLOT 6

/* What pci_bar_address() returns while a BAR is not mapped. */
#define PCI_BAR_UNMAPPED (~(uint64_t)0)

/*
 * Properties of every PCI device (besides HdDevice's id and bus):
 *   addr          str   "SLOT[.FN]" in hex (QEMU syntax, e.g. "3", "0x1f.2"); unset: the first
 *                       free slot, function 0
 *   multifunction bool  set the multi-function bit in the header type (needed at function 0
 *                       for functions 1..7 to be accepted); default off
 *   romfile       str   file loaded into the expansion ROM BAR (devices that emulate one)
 *   rombar        uint32 0 hides the ROM BAR (reads as 0, not writable); default 1
 */
struct _HdPciDeviceClass {
    HdDeviceClass parent_class;

    /* Header values the base realize writes before calling realize (which may overwrite). */
    uint16_t vendor_id;
    uint16_t device_id;
    uint16_t subsystem_vendor_id; /* type 0 headers only; 0 leaves it 0 */
    uint16_t subsystem_id;
    uint8_t revision;
    uint32_t class_code; /* 24 bits: base class << 16 | subclass << 8 | programming interface */
    bool is_bridge;      /* type 1 header: two BARs, bus numbers, windows (pass-through) */
    bool is_express;     /* 4 KiB config space (PCI Express) */
    /*
     * The device registers its own migration handler (vfio-pci) and calls
     * pci_device_save_state()/pci_device_load_state() (hw/pci/pci-migration.h) itself. Otherwise
     * the base realize registers one that saves the "pci-config" section, then save_state's.
     */
    bool own_migration;

    /*
     * Bring the device to life: register BARs, add capabilities, set config bits and masks.
     * Runs after the standard header is filled. False with @errp set on failure; the base
     * then undoes what it did (BARs and capabilities registered so far are dropped).
     */
    bool (*realize)(HdPciDevice *dev, GError **errp);
    /* Undo realize (before the base unmaps BARs and drops MSI/MSI-X state). Optional. */
    void (*exit)(HdPciDevice *dev);
    /*
     * Device-specific reset, run after the base reset (pci_device_reset()) restored config
     * space and disabled MSI/MSI-X. Optional.
     */
    void (*reset)(HdPciDevice *dev);
    /*
     * A guest config read of @len (1, 2 or 4) bytes at @addr (aligned to @len, inside
     * pci_config_size()); returns the value, little-endian. Default pci_default_config_read().
     */
    uint32_t (*config_read)(HdPciDevice *dev, uint32_t addr, unsigned len);
    /* A guest config write; default pci_default_config_write(). Same rules as config_read. */
    void (*config_write)(HdPciDevice *dev, uint32_t addr, uint32_t val, unsigned len);

    /*
     * Migration of a device without own_migration (all optional). A device with state beyond
     * what hw/pci/pci-migration.h saves either saves it here or adds a migration blocker.
     *
     * save_state: with the VM stopped, after the "pci-config" section, write the device's own
     * sections with hd_mig_put() (kinds other than "pci-config"). False with @errp set.
     * load_state: on the destination, one of those sections, after "pci-config" was loaded
     * (BARs mapped, interrupts enabled as on the source). False with @errp set, naming the
     * device and what is wrong with the section.
     * post_load: pci_device_load_state() restored fields without replaying guest writes (slot
     * control and status, W1C status bits, MSI pending bits); bring state derived from config
     * space in line with them without raising events (no interrupt, no hot-plug action).
     */
    bool (*save_state)(HdPciDevice *dev, HdMigSink *sink, GError **errp);
    bool (*load_state)(HdPciDevice *dev, const char *kind, const uint8_t *data, size_t len,
                       GError **errp);
    void (*post_load)(HdPciDevice *dev);
};

/* --- Config space access (little-endian helpers on any byte pointer) --- */

static inline uint8_t pci_get_byte(const uint8_t *p)
{
    return p[0];
}

static inline void pci_set_byte(uint8_t *p, uint8_t v)
{
    p[0] = v;
}

static inline uint16_t pci_get_word(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = v & 0xff;
    p[1] = v >> 8;
}

static inline uint32_t pci_get_long(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    pci_set_word(p, v & 0xffff);
    pci_set_word(p + 2, v >> 16);
}

static inline uint64_t pci_get_quad(const uint8_t *p)
{
    return (uint64_t)pci_get_long(p) | ((uint64_t)pci_get_long(p + 4) << 32);
}

static inline void pci_set_quad(uint8_t *p, uint64_t v)
{
    pci_set_long(p, v & 0xffffffffu);
    pci_set_long(p + 4, v >> 32);
}

/* The emulated config bytes (pci_config_size() of them); the device may edit them freely. */
uint8_t *pci_config(HdPciDevice *dev);

/* The per-byte write mask: bit set = the guest may write that bit (defaults applied). */
uint8_t *pci_wmask(HdPciDevice *dev);

/* The per-byte write-1-to-clear mask: bit set = a guest write of 1 clears that bit. */
uint8_t *pci_w1cmask(HdPciDevice *dev);

/* The config space size: PCI_CONFIG_SPACE_SIZE, or PCIE_CONFIG_SPACE_SIZE when is_express. */
uint32_t pci_config_size(HdPciDevice *dev);

/*
 * Set the config space size the guest sees to PCI_CONFIG_SPACE_SIZE or PCIE_CONFIG_SPACE_SIZE,
 * for devices that learn it at realize (vfio-pci: from the device). Call from the realize hook
 * only; the class's is_express gives the initial size.
 */
void pci_set_config_size(HdPciDevice *dev, uint32_t size);

/*
 * The default config read: the emulated bytes at [@addr, @addr + @len), little-endian.
 * For overriding hooks to chain to.
 */
uint32_t pci_default_config_read(HdPciDevice *dev, uint32_t addr, unsigned len);

/*
 * The default config write: each byte becomes (old & ~wmask) | (val & wmask), then bits set in
 * both val and w1cmask are cleared; then BAR/ROM mappings, MSI, MSI-X and INTx state are
 * updated for what the write touched (vector notifiers run from here).
 */
void pci_default_config_write(HdPciDevice *dev, uint32_t addr, uint32_t val, unsigned len);

/*
 * A guest config access as the host bridge makes it: through the class hooks, with @addr
 * checked (outside the config space or misaligned: reads return all-ones, writes are dropped).
 */
uint32_t pci_config_read(HdPciDevice *dev, uint32_t addr, unsigned len);
void pci_config_write(HdPciDevice *dev, uint32_t addr, uint32_t val, unsigned len);

/* --- Identity and topology --- */

/* The devfn the bus gave the device at plug time, or -1 before. */
int pci_device_devfn(HdPciDevice *dev);

/* The bus the device is plugged into, or NULL. */
HdPciBus *pci_device_get_bus(HdPciDevice *dev);

/*
 * The bus number the guest sees the device at: 0 on a root bus, the secondary bus number the
 * guest programmed into the bridge above otherwise (0 until it does).
 */
int pci_device_bus_number(HdPciDevice *dev);

/* The device's bus number, slot and function as "BB:SS.F" (free it). */
char *pci_device_bdf_string(HdPciDevice *dev);

/* The bus a bridge device provides (its secondary side), or NULL for non-bridges. */
HdPciBus *pci_bridge_get_sec_bus(HdPciDevice *bridge);

/* The device at @devfn (0..255) of @bus, or NULL. */
HdPciDevice *pci_bus_get_device(HdPciBus *bus, int devfn);

/* The bridge device providing @bus, or NULL for a root bus. */
HdPciDevice *pci_bus_get_bridge(HdPciBus *bus);

/* --- Capabilities --- */

/*
 * Add a standard capability @cap_id of @size bytes at @offset (0: the first free 4-byte
 * aligned space from 0x40) and link it at the head of the capability list; sets
 * PCI_STATUS_CAP_LIST. The body is left as the config holds it (zero for emulated devices),
 * so a device that copied real config space can re-add capabilities where they are.
 * Returns the offset; 0 with @errp set when it overlaps another capability added this way,
 * leaves the standard config space or no space is left.
 */
uint8_t pci_add_capability(HdPciDevice *dev, uint8_t cap_id, uint8_t offset, uint8_t size,
                           GError **errp);

/* Unlink capability @cap_id (the first found) and free its space; its bytes become 0. */
void pci_del_capability(HdPciDevice *dev, uint8_t cap_id);

/* The offset of the first capability @cap_id in the emulated list, or 0 when absent. */
uint8_t pci_find_capability(HdPciDevice *dev, uint8_t cap_id);

/* --- BARs and the expansion ROM --- */

/*
 * Register BAR @index (0..5, or PCI_ROM_SLOT) backed by @mr (a reference is taken) whose size
 * (a power of two: >= 16 for memory, >= 4 for I/O, >= 2 KiB for the ROM) is the BAR's size.
 * @type is the BAR's low bits: PCI_BASE_ADDRESS_SPACE_IO, or PCI_BASE_ADDRESS_SPACE_MEMORY
 * with PCI_BASE_ADDRESS_MEM_TYPE_64 and/or PCI_BASE_ADDRESS_MEM_PREFETCH (ignored for the
 * ROM). A 64-bit BAR uses @index and @index + 1. Writes the type bits and wmask; the region is
 * mapped when the guest enables decoding. Call from realize; an invalid index, size or type
 * is a programming error (critical warning, nothing registered).
 */
void pci_register_bar(HdPciDevice *dev, int index, uint8_t type, MemoryRegion *mr);

/* The region registered at BAR @index, or NULL (no reference is added). */
MemoryRegion *pci_bar_region(HdPciDevice *dev, int index);

/* The BAR's size in bytes, 0 when none is registered. */
uint64_t pci_bar_size(HdPciDevice *dev, int index);

/* The type bits given to pci_register_bar(). */
uint8_t pci_bar_type(HdPciDevice *dev, int index);

/* The address BAR @index is mapped at now, or PCI_BAR_UNMAPPED. */
uint64_t pci_bar_address(HdPciDevice *dev, int index);

/*
 * Re-evaluate every BAR's mapping from config space (command register, BAR values): map,
 * move or unmap as needed, in one memory transaction; a BAR whose address did not change is
 * not touched. The default config write calls it; call it after editing BARs or PCI_COMMAND
 * through pci_config().
 */
void pci_update_mappings(HdPciDevice *dev);

/*
 * Load the file named by the "romfile" property (if set and "rombar" is not 0) into a
 * read-only ROM region and register it as the expansion ROM BAR. True when there is nothing
 * to load; false with @errp set (naming the device and file) when the file cannot be read or
 * is empty. The base realize calls this after the realize hook when no ROM BAR was
 * registered by then.
 */
bool pci_load_romfile(HdPciDevice *dev, GError **errp);

/* The "romfile" property, or NULL. */
const char *pci_device_get_romfile(HdPciDevice *dev);

/* The "rombar" property (0: ROM BAR hidden). */
uint32_t pci_device_get_rombar(HdPciDevice *dev);

/* --- DMA --- */

/*
 * The address space bus-master DMA of the device goes to (the machine's system memory, where
 * MSI writes are decoded too). Valid once the device is plugged into a bus of a host bridge.
 */
AddressSpace *pci_get_address_space(HdPciDevice *dev);

/*
 * Read or write guest memory as a bus master: fails with MEMTX_ERROR (and does nothing) while
 * PCI_COMMAND_MASTER is clear, else as address_space_read/write on pci_get_address_space().
 */
MemTxResult pci_dma_read(HdPciDevice *dev, hwaddr addr, void *buf, uint64_t len);
MemTxResult pci_dma_write(HdPciDevice *dev, hwaddr addr, const void *buf, uint64_t len);

/* --- INTx --- */

/*
 * Drive the device's INTx pin (PCI_INTERRUPT_PIN, must be non-zero) to @level (0 or 1).
 * Sets PCI_STATUS_INTERRUPT to the level; the line towards the interrupt controller is
 * asserted while the level is 1 and PCI_COMMAND_INTX_DISABLE is clear. Lines shared by
 * several devices are OR-ed.
 */
void pci_set_irq(HdPciDevice *dev, int level);

/* The INTx level the device drives now (0 or 1), regardless of INTX_DISABLE. */
int pci_irq_level(HdPciDevice *dev);

/*
 * The interrupt controller input (I/O APIC GSI on q35: 16..23) the device's pin is routed to,
 * after swizzling through the bridges above it; -1 when it has no pin or no route. Fixed for
 * the life of the plug (KVM irqfd users may cache it).
 */
int pci_intx_gsi(HdPciDevice *dev);

/* --- Reset --- */

/*
 * Reset the device's PCI state: config space back to its value right after realize (BARs 0,
 * decoding off, so every BAR is unmapped), INTx lowered, MSI and MSI-X disabled (with the
 * vector notifiers told), the MSI-X table masked and the PBA cleared; then the class's reset
 * hook. HdDevice's reset of a PCI device calls this.
 */
void pci_device_reset(HdPciDevice *dev);

#endif /* HW_PCI_PCI_H */
