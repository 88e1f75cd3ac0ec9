/*
 * fw_cfg end to end on the real hostdev binary (qtest): the test plays firmware, reading the
 * signature, the feature word and the file directory through the selector and data ports and
 * through DMA (access structure in guest RAM, its address written to 0x514 in two halves).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "fw-cfg-util.h"

#define BUF_ADDR 0x11000
#define NO_KEY (0x1234u << 16) /* a key nobody serves, in the control word */

static void test_signature_and_id(void)
{
    g_autoptr(QTestState) s = qtest_init("-machine q35 -m 128M");
    uint8_t buf[8];

    fw_cfg_read_ports(s, 0x0000, buf, 4);
    g_assert_cmpmem(buf, 4, "QEMU", 4);
    fw_cfg_read_ports(s, 0x0001, buf, 4);
    g_assert_cmphex(buf[0], ==, 0x03); /* traditional interface and DMA */
    g_assert_cmphex(buf[1] | buf[2] | buf[3], ==, 0);
    /* The DMA register reads "QEMU CFG" (big-endian) */
    g_assert_cmphex(GUINT32_SWAP_LE_BE(qtest_inl(s, FW_DMA_HI)), ==, 0x51454d55);
    g_assert_cmphex(GUINT32_SWAP_LE_BE(qtest_inl(s, FW_DMA_LO)), ==, 0x20434647);
    /* Reading on past the end, and a key nobody serves, give zeros. */
    fw_cfg_read_ports(s, 0x0000, buf, 8);
    g_assert_cmpmem(buf + 4, 4, "\0\0\0\0", 4);
    fw_cfg_read_ports(s, 0x1234, buf, 4);
    g_assert_cmpmem(buf, 4, "\0\0\0\0", 4);
    fw_cfg_read_ports(s, 0x8003, buf, 4);
    g_assert_cmpmem(buf, 4, "\0\0\0\0", 4);
}

static void test_dma(void)
{
    g_autoptr(QTestState) s = qtest_init("-machine q35 -m 128M");
    uint8_t buf[8];

    qtest_memset(s, BUF_ADDR, 0xaa, 8);
    g_assert_cmphex(fw_cfg_dma(s, FW_DMA_SELECT | FW_DMA_READ, 4, BUF_ADDR), ==, 0);
    qtest_memread(s, BUF_ADDR, buf, 8);
    g_assert_cmpmem(buf, 4, "QEMU", 4);
    g_assert_cmphex(buf[4], ==, 0xaa);

    /* Skip then read within the selected key; reading past its end zero-fills. */
    g_assert_cmphex(fw_cfg_dma(s, FW_DMA_SELECT | FW_DMA_SKIP, 2, 0), ==, 0);
    qtest_memset(s, BUF_ADDR, 0xaa, 8);
    g_assert_cmphex(fw_cfg_dma(s, FW_DMA_READ, 6, BUF_ADDR), ==, 0);
    qtest_memread(s, BUF_ADDR, buf, 8);
    g_assert_cmpmem(buf, 6, "MU\0\0\0\0", 6);
    g_assert_cmphex(buf[6], ==, 0xaa);

    /* A key nobody serves reads as zeros, without error. */
    qtest_memset(s, BUF_ADDR, 0xaa, 4);
    g_assert_cmphex(fw_cfg_dma(s, NO_KEY | FW_DMA_SELECT | FW_DMA_READ, 4, BUF_ADDR), ==, 0);
    qtest_memread(s, BUF_ADDR, buf, 4);
    g_assert_cmpmem(buf, 4, "\0\0\0\0", 4);

    /* Writes to a read-only key, to no key, and reads into a hole set the error bit. */
    g_assert_cmphex(fw_cfg_dma(s, FW_DMA_SELECT | FW_DMA_WRITE, 4, BUF_ADDR), ==,
                    FW_DMA_ERROR);
    fw_cfg_read_ports(s, 0x0000, buf, 4);
    g_assert_cmpmem(buf, 4, "QEMU", 4);
    g_assert_cmphex(fw_cfg_dma(s, NO_KEY | FW_DMA_SELECT | FW_DMA_WRITE, 4, BUF_ADDR), ==,
                    FW_DMA_ERROR);
    g_assert_cmphex(fw_cfg_dma(s, FW_DMA_SELECT | FW_DMA_READ, 4, 0x20000000ULL), ==,
                    FW_DMA_ERROR);
}

static void test_directory_empty(void)
{
    g_autoptr(QTestState) s = qtest_init("-machine q35 -m 128M");
    uint8_t hdr[4];
    uint32_t size;

    fw_cfg_read_ports(s, 0x0019, hdr, 4);
    g_assert_cmpmem(hdr, 4, "\0\0\0\0", 4);
    g_assert_cmpuint(fw_cfg_find_file(s, "etc/ramfb", &size), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fw-cfg/signature-id", test_signature_and_id);
    g_test_add_func("/fw-cfg/dma", test_dma);
    g_test_add_func("/fw-cfg/directory-empty", test_directory_empty);
    return g_test_run();
}
