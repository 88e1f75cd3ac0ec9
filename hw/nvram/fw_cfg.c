/*
 * fw_cfg on q35: the selector/data pair at 0x510/0x511 and the DMA interface at 0x514, serving
 * the signature, the feature word, the file directory and the files devices publish. Guest
 * writes reach only writable files, through DMA, and are handed to the file's owner.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "hw/nvram/fw_cfg.h"
#include "qom/object.h"
#include "system/reset.h"
#include "trace.h"

#define KEY_WRITE_CHANNEL 0x4000 /* an old selector bit, ignored */
#define KEY_ARCH_LOCAL 0x8000    /* no architecture-specific keys are served */
#define DMA_SIGNATURE 0x51454d5520434647ULL /* "QEMU CFG", what reads of 0x514 return */
#define DIR_ENTRY_SIZE 64
#define DMA_CHUNK 4096

typedef struct FwCfgFile {
    char *name;
    uint8_t *data; /* borrowed from the owner */
    uint32_t len;
    HdFwCfgWriteFn write_fn;
    void *opaque;
} FwCfgFile;

/* What a key selects: a view of its bytes and, for writable files, the owner. */
typedef struct FwCfgEntry {
    uint8_t *data;
    uint32_t len;
    FwCfgFile *file; /* NULL for the fixed keys */
} FwCfgEntry;

struct HdFwCfg {
    MemoryRegion *io;
    MemoryRegion *ctl_mr, *dma_mr;
    AddressSpace *dma_as;
    GPtrArray *files; /* FwCfgFile *, sorted by name */
    uint8_t signature[4];
    uint8_t id[4];
    uint8_t *dir;
    uint32_t dir_len;
    uint16_t key;
    uint32_t offset;
    uint8_t dma_reg[8]; /* the address as the guest writes it: big-endian */
};

static HdFwCfg *the_fw_cfg;

static void put_be(uint8_t *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    }
}

static uint64_t get_be(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        v = (v << 8) | b[i];
    }
    return v;
}

static bool entry_lookup(HdFwCfg *fw, uint16_t key, FwCfgEntry *e)
{
    key &= ~KEY_WRITE_CHANNEL;
    *e = (FwCfgEntry){ 0 };
    if (key & KEY_ARCH_LOCAL) {
        return false;
    }
    switch (key) {
    case FW_CFG_SIGNATURE:
        e->data = fw->signature;
        e->len = sizeof(fw->signature);
        return true;
    case FW_CFG_ID:
        e->data = fw->id;
        e->len = sizeof(fw->id);
        return true;
    case FW_CFG_FILE_DIR:
        e->data = fw->dir;
        e->len = fw->dir_len;
        return true;
    }
    if (key >= FW_CFG_FILE_FIRST && (guint)(key - FW_CFG_FILE_FIRST) < fw->files->len) {
        e->file = fw->files->pdata[key - FW_CFG_FILE_FIRST];
        e->data = e->file->data;
        e->len = e->file->len;
        return true;
    }
    return false;
}

static void select_key(HdFwCfg *fw, uint16_t key)
{
    fw->key = key;
    fw->offset = 0;
    trace_fw_cfg_select(key);
}

static void dir_rebuild(HdFwCfg *fw)
{
    g_free(fw->dir);
    fw->dir_len = 4 + fw->files->len * DIR_ENTRY_SIZE;
    fw->dir = g_malloc0(fw->dir_len);
    put_be(fw->dir, fw->files->len, 4);
    for (guint i = 0; i < fw->files->len; i++) {
        FwCfgFile *f = fw->files->pdata[i];
        uint8_t *d = fw->dir + 4 + i * DIR_ENTRY_SIZE;

        put_be(d, f->len, 4);
        put_be(d + 4, FW_CFG_FILE_FIRST + i, 2);
        memcpy(d + 8, f->name, strlen(f->name));
    }
}

/* --- selector and data: ports 0x510 (16-bit select) and 0x511 (8-bit data) --- */

static uint64_t ctl_read(void *opaque, hwaddr addr, unsigned size)
{
    HdFwCfg *fw = opaque;
    FwCfgEntry e;

    (void)addr;
    if (size != 1) {
        return 0; /* the selector cannot be read back */
    }
    if (!entry_lookup(fw, fw->key, &e) || fw->offset >= e.len) {
        return 0;
    }
    return e.data[fw->offset++];
}

static void ctl_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    (void)addr;
    if (size == 2) {
        select_key(opaque, (uint16_t)value);
    }
    /* Byte writes to the data port are ignored: guests write files through DMA. */
}

static const MemoryRegionOps ctl_ops = {
    .read = ctl_read,
    .write = ctl_write,
    .valid = { .min_access_size = 1, .max_access_size = 2 },
    .impl = { .min_access_size = 1, .max_access_size = 2 },
};

/* --- DMA --- */

/* Fill @len bytes of guest memory at @addr with zeros; false when the range is not memory. */
static bool dma_zero(HdFwCfg *fw, uint64_t addr, uint64_t len)
{
    static const uint8_t zeros[DMA_CHUNK];

    while (len) {
        uint64_t n = MIN(len, sizeof(zeros));

        if (address_space_write(fw->dma_as, addr, zeros, n) != MEMTX_OK) {
            return false;
        }
        addr += n;
        len -= n;
    }
    return true;
}

/* One transfer of the access structure's kind; returns the control word written back. */
static uint32_t dma_transfer(HdFwCfg *fw, uint32_t control, uint32_t length, uint64_t address)
{
    bool read = control & FW_CFG_DMA_READ;
    bool write = !read && (control & FW_CFG_DMA_WRITE);
    bool skip = !read && !write && (control & FW_CFG_DMA_SKIP);
    FwCfgEntry e;

    if (control & FW_CFG_DMA_SELECT) {
        select_key(fw, control >> 16);
    }
    if (!read && !write && !skip) {
        return 0;
    }
    while (length) {
        uint32_t n;

        if (!entry_lookup(fw, fw->key, &e) || fw->offset >= e.len) {
            /* Past the end or no such key: reads give zeros, writes fail. */
            if (write || (read && !dma_zero(fw, address, length))) {
                trace_fw_cfg_dma_error(fw->key, write ? "write past the end or to no file"
                                                      : "read into memory that is not RAM");
                return FW_CFG_DMA_ERROR;
            }
            return 0;
        }
        n = MIN(length, e.len - fw->offset);
        if (write) {
            g_autofree uint8_t *buf = NULL;

            if (!e.file || !e.file->write_fn || n != length) {
                trace_fw_cfg_dma_error(fw->key, "write to a read-only key or past its end");
                return FW_CFG_DMA_ERROR;
            }
            buf = g_malloc(n);
            if (address_space_read(fw->dma_as, address, buf, n) != MEMTX_OK) {
                trace_fw_cfg_dma_error(fw->key, "write from memory that is not RAM");
                return FW_CFG_DMA_ERROR;
            }
            memcpy(e.data + fw->offset, buf, n);
            trace_fw_cfg_file_write(e.file->name, fw->offset, n);
            e.file->write_fn(e.file->opaque, fw->offset, n);
        } else if (read &&
                   address_space_write(fw->dma_as, address, e.data + fw->offset, n) != MEMTX_OK) {
            trace_fw_cfg_dma_error(fw->key, "read into memory that is not RAM");
            return FW_CFG_DMA_ERROR;
        }
        fw->offset += n;
        address += n;
        length -= n;
    }
    return 0;
}

/* The guest wrote the access structure's address: run it and write the result back. */
static void dma_run(HdFwCfg *fw, uint64_t addr)
{
    uint8_t d[16];
    uint32_t control, length, result;
    uint64_t address;

    if (address_space_read(fw->dma_as, addr, d, sizeof(d)) != MEMTX_OK) {
        trace_fw_cfg_dma_error(fw->key, "access structure not in RAM");
        return;
    }
    control = (uint32_t)get_be(d, 4);
    length = (uint32_t)get_be(d + 4, 4);
    address = get_be(d + 8, 8);
    trace_fw_cfg_dma(addr, control, length, address);
    result = dma_transfer(fw, control, length, address);
    put_be(d, result, 4);
    address_space_write(fw->dma_as, addr, d, 4);
}

static uint64_t dma_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t v = 0;

    (void)opaque;
    for (unsigned i = 0; i < size; i++) {
        v |= ((DMA_SIGNATURE >> (8 * (7 - (addr + i)))) & 0xff) << (8 * i);
    }
    return v;
}

/* Bytes land as written (the address is big-endian); the write of the last byte starts DMA. */
static void dma_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    HdFwCfg *fw = opaque;
    uint64_t target;

    for (unsigned i = 0; i < size; i++) {
        fw->dma_reg[addr + i] = (uint8_t)(value >> (8 * i));
    }
    if (addr + size == sizeof(fw->dma_reg)) {
        target = get_be(fw->dma_reg, 8);
        memset(fw->dma_reg, 0, sizeof(fw->dma_reg));
        dma_run(fw, target);
    }
}

static const MemoryRegionOps dma_ops = {
    .read = dma_read,
    .write = dma_write,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* --- files --- */

static void file_free(gpointer p)
{
    FwCfgFile *f = p;

    g_free(f->name);
    g_free(f);
}

bool hd_fw_cfg_add_file(HdFwCfg *fw, const char *name, void *data, uint32_t len,
                        HdFwCfgWriteFn write_fn, void *opaque, GError **errp)
{
    FwCfgFile *f;
    guint i;

    if (strlen(name) >= FW_CFG_FILE_NAME_MAX) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "fw_cfg: file name '%s' is longer than %d characters", name,
                    FW_CFG_FILE_NAME_MAX - 1);
        return false;
    }
    for (i = 0; i < fw->files->len; i++) {
        int c = strcmp(((FwCfgFile *)fw->files->pdata[i])->name, name);

        if (c == 0) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_DUPLICATE,
                        "fw_cfg: the machine already has a file '%s'; only one device may provide it",
                        name);
            return false;
        }
        if (c > 0) {
            break;
        }
    }
    f = g_new0(FwCfgFile, 1);
    f->name = g_strdup(name);
    f->data = data;
    f->len = len;
    f->write_fn = write_fn;
    f->opaque = opaque;
    g_ptr_array_insert(fw->files, (gint)i, f);
    dir_rebuild(fw);
    trace_fw_cfg_add_file(name, len, write_fn != NULL);
    return true;
}

void hd_fw_cfg_remove_file(HdFwCfg *fw, const char *name)
{
    for (guint i = 0; i < fw->files->len; i++) {
        if (!strcmp(((FwCfgFile *)fw->files->pdata[i])->name, name)) {
            g_ptr_array_remove_index(fw->files, i);
            dir_rebuild(fw);
            select_key(fw, FW_CFG_SIGNATURE); /* file keys moved */
            return;
        }
    }
}

/* --- the device --- */

static void fw_cfg_reset_handler(void *opaque)
{
    hd_fw_cfg_reset(opaque);
}

HdFwCfg *hd_fw_cfg_new(MemoryRegion *io, AddressSpace *dma_as)
{
    HdFwCfg *fw = g_new0(HdFwCfg, 1);

    fw->io = memory_region_ref(io);
    fw->dma_as = dma_as;
    fw->files = g_ptr_array_new_with_free_func(file_free);
    memcpy(fw->signature, "QEMU", 4);
    fw->id[0] = FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA; /* little-endian */
    dir_rebuild(fw);
    fw->ctl_mr = memory_region_new_io("fwcfg", 2, &ctl_ops, fw);
    fw->dma_mr = memory_region_new_io("fwcfg.dma", 8, &dma_ops, fw);
    memory_region_transaction_begin();
    memory_region_add_subregion(io, FW_CFG_IO_BASE, fw->ctl_mr);
    memory_region_add_subregion(io, FW_CFG_IO_BASE + FW_CFG_DMA_OFFSET, fw->dma_mr);
    memory_region_transaction_commit();
    hd_reset_handler_register(fw_cfg_reset_handler, fw);
    the_fw_cfg = fw;
    return fw;
}

void hd_fw_cfg_free(HdFwCfg *fw)
{
    if (!fw) {
        return;
    }
    hd_reset_handler_unregister(fw_cfg_reset_handler, fw);
    memory_region_transaction_begin();
    memory_region_del_subregion(fw->io, fw->ctl_mr);
    memory_region_del_subregion(fw->io, fw->dma_mr);
    memory_region_transaction_commit();
    memory_region_unref(fw->ctl_mr);
    memory_region_unref(fw->dma_mr);
    memory_region_unref(fw->io);
    g_ptr_array_unref(fw->files);
    g_free(fw->dir);
    if (the_fw_cfg == fw) {
        the_fw_cfg = NULL;
    }
    g_free(fw);
}

HdFwCfg *hd_fw_cfg_find(void)
{
    return the_fw_cfg;
}

void hd_fw_cfg_reset(HdFwCfg *fw)
{
    select_key(fw, FW_CFG_SIGNATURE);
    memset(fw->dma_reg, 0, sizeof(fw->dma_reg));
}
