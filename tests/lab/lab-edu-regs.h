/*
 * The edu device's registers as the lab tests drive them (QEMU's educational PCI device,
 * BAR0), and the size of one test DMA transfer. Plain C: usable by qtest-based lab tests too.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_LAB_LAB_EDU_REGS_H
#define TESTS_LAB_LAB_EDU_REGS_H

#define EDU_ID 0x00 /* reads 0x010000ed */
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_ACK 0x64
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_RUN 0x1
#define EDU_DMA_TO_RAM 0x2
#define EDU_DMA_IRQ 0x4
#define EDU_BUFFER 0x40000 /* the device's internal buffer, as a DMA address */

/* Bytes one test DMA copies. */
#define XFER 256

#endif
