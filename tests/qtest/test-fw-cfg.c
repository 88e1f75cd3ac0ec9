/*
 * fw_cfg end to end on the real hostdev binary (qtest): the test plays firmware, reading the
 * signature, the feature word and the file directory through the selector and data ports and
 * through DMA (access structure in guest RAM, its address written to 0x514 in two halves).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "libqtest.h"

#define FW_CTL 0x510
#define FW_DATA 0x511
#define FW_DMA_HI 0x514
#define FW_DMA_LO 0x518
#define DMA_ERROR 0x01
#define DMA_READ 0x02
#define DMA_SKIP 0x04
#define DMA_SELECT 0x08
#define DMA_WRITE 0x10
#define DESC_ADDR 0x10000
#define BUF_ADDR 0x11000

static void fw_read_ports(QTestState *s, uint16_t key, uint8_t *buf, size_t len)
{
    qtest_outw(s, FW_CTL, key);
    for (size_t i = 0; i < len; i++) {
        buf[i] = qtest_inb(s, FW_DATA);
    }
}

/* Run one DMA access as firmware does; returns the control word the device wrote back. */
static uint32_t fw_dma(QTestState *s, uint32_t control, uint32_t len, uint64_t addr)
{
    uint8_t d[16];

    for (int i = 0; i < 4; i++) {
        d[i] = (uint8_t)(control >> (24 - 8 * i));
        d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++) {
        d[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
    }
    qtest_memwrite(s, DESC_ADDR, d, sizeof(d));
    /* Port I/O is little-endian: the big-endian halves go out byte-swapped. */
    qtest_outl(s, FW_DMA_HI, GUINT32_SWAP_LE_BE((uint32_t)((uint64_t)DESC_ADDR >> 32)));
    qtest_outl(s, FW_DMA_LO, GUINT32_SWAP_LE_BE((uint32_t)DESC_ADDR));
    qtest_memread(s, DESC_ADDR, d, 4);
    return (uint32_t)d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3];
}

static void test_signature_and_id(void)
{
    g_autoptr(QTestState) s = qtest_init("-machine q35 -m 128M");
    uint8_t buf[8];

    fw_read_ports(s, 0x0000, buf, 4);
    g_assert_cmpmem(buf, 4, "QEMU", 4);
    fw_read_ports(s, 0x0001, buf, 4);
    g_assert_cmphex(buf[0], ==, 0x03); /* traditional interface and DMA */
    g_assert_cmphex(buf[1] | buf[2] | buf[3], ==, 0);
    /* The DMA register reads "QEMU CFG" (big-endian) */
    g_assert_cmphex(GUINT32_SWAP_LE_BE(qtest_inl(s, FW_DMA_HI)), ==, 0x51454d55);
    g_assert_cmphex(GUINT32_SWAP_LE_BE(qtest_inl(s, FW_DMA_LO)), ==, 0x20434647);
    /* Reading on past the end, and a key nobody serves, give zeros. */
    fw_read_ports(s, 0x0000, buf, 8);
    g_assert_cmpmem(buf + 4, 4, "\0\0\0\0", 4);
    fw_read_ports(s, 0x1234, buf, 4);
    g_assert_cmpmem(buf, 4, "\0\0\0\0", 4);
    fw_read_ports(s, 0x8003, buf, 4);
    g_assert_cmpmem(buf, 4, "\0\0\0\0", 4);
}

static void test_dma(void)
{
    g_autoptr(QTestState) s = qtest_init("-machine q35 -m 128M");
    uint8_t buf[8];

    qtest_memset(s, BUF_ADDR, 0xaa, 8);
    g_assert_cmphex(fw_dma(s, DMA_SELECT | DMA_READ, 4, BUF_ADDR), ==, 0);
    qtest_memread(s, BUF_ADDR, buf, 8);
    g_assert_cmpmem(buf, 4, "QEMU", 4);
    g_assert_cmphex(buf[4], ==, 0xaa);

    /* Skip then read within the selected key; reading past its end zero-fills. */
    g_assert_cmphex(fw_dma(s, DMA_SELECT | DMA_SKIP, 2, 0), ==, 0);
    qtest_memset(s, BUF_ADDR, 0xaa, 8);
    g_assert_cmphex(fw_dma(s, DMA_READ, 6, BUF_ADDR), ==, 0);
    qtest_memread(s, BUF_ADDR, buf, 8);
    g_assert_cmpmem(buf, 6, "MU\0\0\0\0", 6);
    g_assert_cmphex(buf[6], ==, 0xaa);

    /* A key nobody serves reads as zeros, without error. */
    qtest_memset(s, BUF_ADDR, 0xaa, 4);
    g_assert_cmphex(fw_dma(s, (0x1234u << 16) | DMA_SELECT | DMA_READ, 4, BUF_ADDR), ==, 0);
    qtest_memread(s, BUF_ADDR, buf, 4);
    g_assert_cmpmem(buf, 4, "\0\0\0\0", 4);

    /* Writes to a read-only key, to no key, and reads into a hole set the error bit. */
    g_assert_cmphex(fw_dma(s, DMA_SELECT | DMA_WRITE, 4, BUF_ADDR), ==, DMA_ERROR);
    fw_read_ports(s, 0x0000, buf, 4);
    g_assert_cmpmem(buf, 4, "QEMU", 4);
    g_assert_cmphex(fw_dma(s, (0x1234u << 16) | DMA_SELECT | DMA_WRITE, 4, BUF_ADDR), ==,
                    DMA_ERROR);
    g_assert_cmphex(fw_dma(s, DMA_SELECT | DMA_READ, 4, 0x20000000ULL), ==, DMA_ERROR);
}

/* Find @name in the directory read through the ports; its key, or 0. */
static uint16_t dir_find(QTestState *s, const char *name, uint32_t *size)
{
    uint8_t hdr[4], e[64];
    uint32_t count;

    fw_read_ports(s, 0x0019, hdr, 4);
    count = (uint32_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
    for (uint32_t i = 0; i < count; i++) {
        for (size_t j = 0; j < sizeof(e); j++) {
            e[j] = qtest_inb(s, FW_DATA);
        }
        if (!strncmp((char *)e + 8, name, 56)) {
            *size = (uint32_t)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3];
            return (uint16_t)(e[4] << 8 | e[5]);
        }
    }
    return 0;
}

static void test_directory_empty(void)
{
    g_autoptr(QTestState) s = qtest_init("-machine q35 -m 128M");
    uint8_t hdr[4];
    uint32_t size;

    fw_read_ports(s, 0x0019, hdr, 4);
    g_assert_cmpmem(hdr, 4, "\0\0\0\0", 4);
    g_assert_cmpuint(dir_find(s, "etc/ramfb", &size), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fw-cfg/signature-id", test_signature_and_id);
    g_test_add_func("/fw-cfg/dma", test_dma);
    g_test_add_func("/fw-cfg/directory-empty", test_directory_empty);
    return g_test_run();
}
