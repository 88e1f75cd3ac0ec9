/*
 * fw_cfg: the firmware configuration device at I/O ports 0x510 (selector), 0x511 (data) and
 * 0x514 (DMA address), as firmware and guest drivers find it on QEMU's q35. Devices publish named
 * files in it (ramfb's "etc/ramfb"); a writable file tells its owner through a callback.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_NVRAM_FW_CFG_H
#define HW_NVRAM_FW_CFG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "system/address-space.h"

#define FW_CFG_IO_BASE 0x510
#define FW_CFG_IO_SIZE 0x0c /* selector, data, 2 bytes apart from DMA, 8-byte DMA register */
#define FW_CFG_DMA_OFFSET 4

/* Well-known keys; files start at FW_CFG_FILE_FIRST, in name order. */
#define FW_CFG_SIGNATURE 0x0000 /* "QEMU" */
#define FW_CFG_ID 0x0001        /* le32 feature bits */
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_FILE_FIRST 0x0020
#define FW_CFG_ID_TRADITIONAL (1u << 0)
#define FW_CFG_ID_DMA (1u << 1)
#define FW_CFG_FILE_NAME_MAX 56 /* with the terminating NUL */

/* DMA control word bits (big-endian in the guest's access structure); key in bits 31:16. */
#define FW_CFG_DMA_ERROR 0x01
#define FW_CFG_DMA_READ 0x02
#define FW_CFG_DMA_SKIP 0x04
#define FW_CFG_DMA_SELECT 0x08
#define FW_CFG_DMA_WRITE 0x10

typedef struct HdFwCfg HdFwCfg;

/* The guest wrote @len bytes at @offset of the file (already stored in its buffer). */
typedef void (*HdFwCfgWriteFn)(void *opaque, uint32_t offset, uint32_t len);

/* The device in @io at FW_CFG_IO_BASE; DMA reads and writes go to @dma_as. */
HdFwCfg *hd_fw_cfg_new(MemoryRegion *io, AddressSpace *dma_as);
void hd_fw_cfg_free(HdFwCfg *fw);

/* The machine's fw_cfg (NULL before the machine exists or with -machine none). */
HdFwCfg *hd_fw_cfg_find(void);

/*
 * Publish @len bytes at @data (borrowed: it must live until the file is removed) as file
 * @name. With @write_fn the guest may write the file (DMA only); NULL makes it read-only.
 * False with @errp set when the name is taken or too long.
 */
bool hd_fw_cfg_add_file(HdFwCfg *fw, const char *name, void *data, uint32_t len,
                        HdFwCfgWriteFn write_fn, void *opaque, GError **errp);
/* Withdraw file @name; no-op when absent. */
void hd_fw_cfg_remove_file(HdFwCfg *fw, const char *name);

/* Back to the power-on selection (key 0, offset 0); files keep their contents. */
void hd_fw_cfg_reset(HdFwCfg *fw);

#endif /* HW_NVRAM_FW_CFG_H */
