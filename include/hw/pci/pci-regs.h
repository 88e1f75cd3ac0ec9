/*
 * PCI configuration space layout: register offsets, bits and capability ids.
 * Names and values follow the PCI and PCI Express specifications (as Linux's pci_regs.h spells
 * them); include this instead of <linux/pci_regs.h>, never both.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PCI_PCI_REGS_H
#define HW_PCI_PCI_REGS_H

/* Sizes */
#define PCI_CONFIG_SPACE_SIZE 0x100
#define PCIE_CONFIG_SPACE_SIZE 0x1000
#define PCI_STD_HEADER_SIZEOF 0x40

/* Common header */
#define PCI_VENDOR_ID 0x00 /* 16 bits */
#define PCI_DEVICE_ID 0x02 /* 16 bits */
#define PCI_COMMAND 0x04   /* 16 bits */
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_SPECIAL 0x8
#define PCI_COMMAND_INVALIDATE 0x10
#define PCI_COMMAND_VGA_PALETTE 0x20
#define PCI_COMMAND_PARITY 0x40
#define PCI_COMMAND_WAIT 0x80
#define PCI_COMMAND_SERR 0x100
#define PCI_COMMAND_FAST_BACK 0x200
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS 0x06 /* 16 bits */
#define PCI_STATUS_INTERRUPT 0x08
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_STATUS_66MHZ 0x20
#define PCI_STATUS_FAST_BACK 0x80
#define PCI_STATUS_PARITY 0x100
#define PCI_STATUS_SIG_TARGET_ABORT 0x800
#define PCI_STATUS_REC_TARGET_ABORT 0x1000
#define PCI_STATUS_REC_MASTER_ABORT 0x2000
#define PCI_STATUS_SIG_SYSTEM_ERROR 0x4000
#define PCI_STATUS_DETECTED_PARITY 0x8000
#define PCI_CLASS_REVISION 0x08 /* revision (8 bits), then 24-bit class code */
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CLASS_DEVICE 0x0a /* 16 bits: base class and subclass */
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_TYPE_NORMAL 0
#define PCI_HEADER_TYPE_BRIDGE 1
#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80
#define PCI_BIST 0x0f

/* BARs (type 0: six, type 1: two) */
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_BASE_ADDRESS_1 0x14
#define PCI_BASE_ADDRESS_2 0x18
#define PCI_BASE_ADDRESS_3 0x1c
#define PCI_BASE_ADDRESS_4 0x20
#define PCI_BASE_ADDRESS_5 0x24
#define PCI_BASE_ADDRESS_SPACE_IO 0x01
#define PCI_BASE_ADDRESS_SPACE_MEMORY 0x00
#define PCI_BASE_ADDRESS_MEM_TYPE_32 0x00
#define PCI_BASE_ADDRESS_MEM_TYPE_64 0x04
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#define PCI_BASE_ADDRESS_MEM_MASK (~0x0fU)
#define PCI_BASE_ADDRESS_IO_MASK (~0x03U)

/* Type 0 header */
#define PCI_CARDBUS_CIS 0x28
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_ROM_ADDRESS 0x30
#define PCI_ROM_ADDRESS_ENABLE 0x01
#define PCI_ROM_ADDRESS_MASK (~0x7ffU)
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d /* 1..4 = INTA..INTD, 0 = none */
#define PCI_MIN_GNT 0x3e
#define PCI_MAX_LAT 0x3f

/* Type 1 header (PCI-to-PCI bridges, root ports) */
#define PCI_PRIMARY_BUS 0x18
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_SEC_LATENCY_TIMER 0x1b
#define PCI_IO_BASE 0x1c
#define PCI_IO_LIMIT 0x1d
#define PCI_IO_RANGE_TYPE_32 0x01
#define PCI_SEC_STATUS 0x1e
#define PCI_MEMORY_BASE 0x20
#define PCI_MEMORY_LIMIT 0x22
#define PCI_PREF_MEMORY_BASE 0x24
#define PCI_PREF_MEMORY_LIMIT 0x26
#define PCI_PREF_RANGE_TYPE_64 0x01
#define PCI_PREF_BASE_UPPER32 0x28
#define PCI_PREF_LIMIT_UPPER32 0x2c
#define PCI_IO_BASE_UPPER16 0x30
#define PCI_IO_LIMIT_UPPER16 0x32
#define PCI_ROM_ADDRESS1 0x38
#define PCI_BRIDGE_CONTROL 0x3e
#define PCI_BRIDGE_CTL_SERR 0x02
#define PCI_BRIDGE_CTL_BUS_RESET 0x40

/* Capability list */
#define PCI_CAP_LIST_ID 0
#define PCI_CAP_LIST_NEXT 1
#define PCI_CAP_ID_PM 0x01
#define PCI_CAP_ID_VPD 0x03
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_SSVID 0x0d
#define PCI_CAP_ID_EXP 0x10
#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_AF 0x13

/* MSI capability */
#define PCI_MSI_FLAGS 0x02 /* 16 bits */
#define PCI_MSI_FLAGS_ENABLE 0x0001
#define PCI_MSI_FLAGS_QMASK 0x000e /* multiple message capable: log2 of vectors, << 1 */
#define PCI_MSI_FLAGS_QSIZE 0x0070 /* multiple message enable: log2 of vectors, << 4 */
#define PCI_MSI_FLAGS_64BIT 0x0080
#define PCI_MSI_FLAGS_MASKBIT 0x0100
#define PCI_MSI_ADDRESS_LO 0x04
#define PCI_MSI_ADDRESS_HI 0x08 /* 64-bit capabilities only */
#define PCI_MSI_DATA_32 0x08
#define PCI_MSI_MASK_32 0x0c
#define PCI_MSI_PENDING_32 0x10
#define PCI_MSI_DATA_64 0x0c
#define PCI_MSI_MASK_64 0x10
#define PCI_MSI_PENDING_64 0x14

/* MSI-X capability */
#define PCI_MSIX_FLAGS 0x02 /* 16 bits */
#define PCI_MSIX_FLAGS_QSIZE 0x07ff /* table size - 1 */
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_TABLE 0x04 /* BIR in bits 0-2, offset in the rest */
#define PCI_MSIX_TABLE_BIR 0x00000007
#define PCI_MSIX_TABLE_OFFSET 0xfffffff8
#define PCI_MSIX_PBA 0x08
#define PCI_MSIX_PBA_BIR 0x00000007
#define PCI_MSIX_PBA_OFFSET 0xfffffff8
#define PCI_CAP_MSIX_SIZEOF 12
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_LOWER_ADDR 0x0
#define PCI_MSIX_ENTRY_UPPER_ADDR 0x4
#define PCI_MSIX_ENTRY_DATA 0x8
#define PCI_MSIX_ENTRY_VECTOR_CTRL 0xc
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 0x1

/* PCI Express capability */
#define PCI_EXP_FLAGS 0x02 /* 16 bits: version, device/port type, slot implemented */
#define PCI_EXP_FLAGS_VERS 0x000f
#define PCI_EXP_FLAGS_TYPE 0x00f0
#define PCI_EXP_FLAGS_SLOT 0x0100
#define PCI_EXP_TYPE_ENDPOINT 0x0
#define PCI_EXP_TYPE_LEG_END 0x1
#define PCI_EXP_TYPE_ROOT_PORT 0x4
#define PCI_EXP_TYPE_UPSTREAM 0x5
#define PCI_EXP_TYPE_DOWNSTREAM 0x6
#define PCI_EXP_TYPE_PCI_BRIDGE 0x7
#define PCI_EXP_TYPE_RC_END 0x9
#define PCI_EXP_DEVCAP 0x04
#define PCI_EXP_DEVCAP_FLR 0x10000000
#define PCI_EXP_DEVCTL 0x08
#define PCI_EXP_DEVCTL_BCR_FLR 0x8000
#define PCI_EXP_DEVSTA 0x0a
#define PCI_EXP_LNKCAP 0x0c
#define PCI_EXP_LNKCTL 0x10
#define PCI_EXP_LNKSTA 0x12
#define PCI_EXP_LNKSTA_DLLLA 0x2000
#define PCI_EXP_SLTCAP 0x14
#define PCI_EXP_SLTCAP_ABP 0x00000001  /* attention button present */
#define PCI_EXP_SLTCAP_PCP 0x00000002  /* power controller present */
#define PCI_EXP_SLTCAP_AIP 0x00000008  /* attention indicator present */
#define PCI_EXP_SLTCAP_PIP 0x00000010  /* power indicator present */
#define PCI_EXP_SLTCAP_HPC 0x00000040  /* hot-plug capable */
#define PCI_EXP_SLTCAP_NCCS 0x00040000 /* no command completed support */
#define PCI_EXP_SLTCAP_PSN_SHIFT 19
#define PCI_EXP_SLTCTL 0x18
#define PCI_EXP_SLTCTL_ABPE 0x0001 /* attention button pressed enable */
#define PCI_EXP_SLTCTL_PFDE 0x0002
#define PCI_EXP_SLTCTL_MRLSCE 0x0004
#define PCI_EXP_SLTCTL_PDCE 0x0008  /* presence detect changed enable */
#define PCI_EXP_SLTCTL_CCIE 0x0010  /* command completed interrupt enable */
#define PCI_EXP_SLTCTL_HPIE 0x0020  /* hot-plug interrupt enable */
#define PCI_EXP_SLTCTL_AIC 0x00c0   /* attention indicator: 01 on, 10 blink, 11 off */
#define PCI_EXP_SLTCTL_AIC_SHIFT 6
#define PCI_EXP_SLTCTL_PIC 0x0300   /* power indicator: 01 on, 10 blink, 11 off */
#define PCI_EXP_SLTCTL_PIC_SHIFT 8
#define PCI_EXP_SLTCTL_IND_ON 0x1
#define PCI_EXP_SLTCTL_IND_BLINK 0x2
#define PCI_EXP_SLTCTL_IND_OFF 0x3
#define PCI_EXP_SLTCTL_PCC 0x0400   /* power controller control: 1 = power off */
#define PCI_EXP_SLTCTL_DLLSCE 0x1000 /* data link layer state changed enable */
#define PCI_EXP_SLTSTA 0x1a
#define PCI_EXP_SLTSTA_ABP 0x0001  /* attention button pressed */
#define PCI_EXP_SLTSTA_PFD 0x0002
#define PCI_EXP_SLTSTA_MRLSC 0x0004
#define PCI_EXP_SLTSTA_PDC 0x0008  /* presence detect changed */
#define PCI_EXP_SLTSTA_CC 0x0010   /* command completed */
#define PCI_EXP_SLTSTA_PDS 0x0040  /* presence detect state */
#define PCI_EXP_SLTSTA_DLLSC 0x0100 /* data link layer state changed */
#define PCI_EXP_RTCTL 0x1c
#define PCI_EXP_RTCAP 0x1e
#define PCI_EXP_RTSTA 0x20
#define PCI_EXP_DEVCAP2 0x24
#define PCI_EXP_DEVCTL2 0x28
#define PCI_EXP_LNKCAP2 0x2c
#define PCI_EXP_LNKCTL2 0x30
#define PCI_EXP_LNKSTA2 0x32
#define PCI_CAP_EXP_ENDPOINT_SIZEOF_V2 0x3c

/* PCI Express extended capabilities (from 0x100): 16-bit id, 4-bit version, 12-bit next */
#define PCI_EXT_CAP_ID(header) ((header) & 0x0000ffff)
#define PCI_EXT_CAP_VER(header) (((header) >> 16) & 0xf)
#define PCI_EXT_CAP_NEXT(header) (((header) >> 20) & 0xffc)
#define PCI_EXT_CAP_ID_ERR 0x01
#define PCI_EXT_CAP_ID_DSN 0x03
#define PCI_EXT_CAP_ID_ARI 0x0e
#define PCI_EXT_CAP_ID_SRIOV 0x10

#endif /* HW_PCI_PCI_REGS_H */
