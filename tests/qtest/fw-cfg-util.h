/*
 * fw_cfg from a qtest, as firmware uses it: the selector and data ports, DMA with the access
 * structure in guest RAM (address written to 0x514 in two big-endian halves), the directory.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_QTEST_FW_CFG_UTIL_H
#define TESTS_QTEST_FW_CFG_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "libqtest.h"

#define FW_CTL 0x510
#define FW_DATA 0x511
#define FW_DMA_HI 0x514
#define FW_DMA_LO 0x518
#define FW_DMA_ERROR 0x01
#define FW_DMA_READ 0x02
#define FW_DMA_SKIP 0x04
#define FW_DMA_SELECT 0x08
#define FW_DMA_WRITE 0x10
#define FW_DMA_DESC_ADDR 0x10000 /* where the helpers put the access structure */

/* Select @key and read @len bytes through the data port. */
void fw_cfg_read_ports(QTestState *s, uint16_t key, uint8_t *buf, size_t len);

/* Run one DMA access; returns the control word the device wrote back (0: success). */
uint32_t fw_cfg_dma(QTestState *s, uint32_t control, uint32_t len, uint64_t addr);

/* The key of file @name from the directory (0 when absent); *@size its size. */
uint16_t fw_cfg_find_file(QTestState *s, const char *name, uint32_t *size);

#endif /* TESTS_QTEST_FW_CFG_UTIL_H */
