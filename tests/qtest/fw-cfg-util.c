/*
 * fw_cfg from a qtest: ports, DMA and the file directory, as firmware drives them.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "fw-cfg-util.h"

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

void fw_cfg_read_ports(QTestState *s, uint16_t key, uint8_t *buf, size_t len)
{
    qtest_outw(s, FW_CTL, key);
    for (size_t i = 0; i < len; i++) {
        buf[i] = qtest_inb(s, FW_DATA);
    }
}

uint32_t fw_cfg_dma(QTestState *s, uint32_t control, uint32_t len, uint64_t addr)
{
    uint8_t d[16];

    for (int i = 0; i < 4; i++) {
        d[i] = (uint8_t)(control >> (24 - 8 * i));
        d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++) {
        d[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
    }
    qtest_memwrite(s, FW_DMA_DESC_ADDR, d, sizeof(d));
    /* Port I/O is little-endian: the big-endian halves go out byte-swapped. */
    qtest_outl(s, FW_DMA_HI, GUINT32_SWAP_LE_BE((uint32_t)((uint64_t)FW_DMA_DESC_ADDR >> 32)));
    qtest_outl(s, FW_DMA_LO, GUINT32_SWAP_LE_BE((uint32_t)FW_DMA_DESC_ADDR));
    qtest_memread(s, FW_DMA_DESC_ADDR, d, 4);
    return be32(d);
}

uint16_t fw_cfg_find_file(QTestState *s, const char *name, uint32_t *size)
{
    uint8_t hdr[4], e[64];
    uint32_t count;

    fw_cfg_read_ports(s, 0x0019, hdr, 4);
    count = be32(hdr);
    for (uint32_t i = 0; i < count; i++) {
        for (size_t j = 0; j < sizeof(e); j++) {
            e[j] = qtest_inb(s, FW_DATA);
        }
        if (!strncmp((char *)e + 8, name, 56)) {
            *size = be32(e);
            return (uint16_t)(e[4] << 8 | e[5]);
        }
    }
    return 0;
}
