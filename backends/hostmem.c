/*
 * Host memory backends: memory-backend-ram and memory-backend-memfd with QEMU's property
 * names (size, share, prealloc, merge, dump, reserve; memfd: seal, hugetlb) allocate a
 * memfd-backed RAM region on complete() (share=off still maps shared memory: VFIO needs it);
 * memory-backend-file maps a file (mem-path, share=on), or a new file in a directory.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qom/object.h"
#include "qom/props.h"
#include "system/hostmem.h"

typedef struct {
    uint64_t size;
    bool share, prealloc, merge, dump, reserve, seal, hugetlb;
    MemoryRegion *mr;
    char *user;
    char *mem_path; /* memory-backend-file only */
} HdHostMemoryBackendPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE(HdHostMemoryBackend, hd_host_memory_backend,
                                    HD_TYPE_USER_OBJECT)

enum {
    PROP_0,
    PROP_SIZE,
    PROP_SHARE,
    PROP_PREALLOC,
    PROP_MERGE,
    PROP_DUMP,
    PROP_RESERVE,
    PROP_SEAL,
    PROP_HUGETLB,
    PROP_MEM_PATH,
};

static HdHostMemoryBackendPrivate *priv_of(gpointer obj)
{
    return hd_host_memory_backend_get_instance_private(HD_HOST_MEMORY_BACKEND(obj));
}

static bool *bool_slot(HdHostMemoryBackendPrivate *p, guint prop_id)
{
    switch (prop_id) {
    case PROP_SHARE:
        return &p->share;
    case PROP_PREALLOC:
        return &p->prealloc;
    case PROP_MERGE:
        return &p->merge;
    case PROP_DUMP:
        return &p->dump;
    case PROP_RESERVE:
        return &p->reserve;
    case PROP_SEAL:
        return &p->seal;
    case PROP_HUGETLB:
        return &p->hugetlb;
    default:
        return NULL;
    }
}

static void hostmem_set_property(GObject *obj, guint prop_id, const GValue *value,
                                 GParamSpec *pspec)
{
    HdHostMemoryBackendPrivate *p = priv_of(obj);
    bool *slot = bool_slot(p, prop_id);

    if (prop_id == PROP_SIZE) {
        p->size = g_value_get_uint64(value);
    } else if (prop_id == PROP_MEM_PATH) {
        g_free(p->mem_path);
        p->mem_path = g_value_dup_string(value);
    } else if (slot) {
        *slot = g_value_get_boolean(value);
    } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void hostmem_get_property(GObject *obj, guint prop_id, GValue *value, GParamSpec *pspec)
{
    HdHostMemoryBackendPrivate *p = priv_of(obj);
    bool *slot = bool_slot(p, prop_id);

    if (prop_id == PROP_SIZE) {
        g_value_set_uint64(value, p->size);
    } else if (prop_id == PROP_MEM_PATH) {
        g_value_set_string(value, p->mem_path);
    } else if (slot) {
        g_value_set_boolean(value, *slot);
    } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
    }
}

static void prealloc_pages(MemoryRegion *mr)
{
    uint8_t *host = memory_region_get_ram_ptr(mr);
    uint64_t size = memory_region_size(mr);

#ifdef MADV_POPULATE_WRITE
    if (madvise(host, size, MADV_POPULATE_WRITE) == 0) {
        return;
    }
#endif
    for (uint64_t off = 0; off < size; off += 4096) {
        volatile uint8_t *byte = host + off;

        *byte = *byte;
    }
}

/*
 * memory-backend-file: @path itself, or a new unlinked file in it when it is a directory
 * (a hugetlbfs mount, as QEMU does), at least @size bytes long. Returns the fd or -1.
 */
static int open_backing_file(const char *what, const char *path, uint64_t size, GError **errp)
{
    struct stat st;
    int fd, err;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        g_autofree char *tmpl = g_build_filename(path, "hostdev-ram.XXXXXX", NULL);

        fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC, 0600);
        if (fd >= 0) {
            unlink(tmpl);
        }
    } else {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        err = errno;
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "%s: cannot open mem-path '%s': %s",
                    what, path, g_strerror(err));
        return -1;
    }
    if (fstat(fd, &st) == 0 && (uint64_t)st.st_size < size && ftruncate(fd, (off_t)size) < 0) {
        err = errno;
        close(fd);
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: cannot size mem-path '%s' to %" G_GUINT64_FORMAT " bytes: %s", what,
                    path, size, g_strerror(err));
        return -1;
    }
    return fd;
}

static MemoryRegion *new_region(HdHostMemoryBackendPrivate *p, const char *type, const char *id,
                                GError **errp)
{
    g_autofree char *what = g_strdup_printf("%s '%s'", type, id);
    MemoryRegion *mr;
    int fd;

    if (strcmp(type, "memory-backend-file") != 0) {
        return memory_region_new_ram(id, p->size, errp);
    }
    if (!p->mem_path) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: mem-path= is required (a file, or a directory such as a hugetlbfs "
                    "mount)",
                    what);
        return NULL;
    }
    if (!p->share) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: share=off (a private copy of the file) is not supported by hostdev: "
                    "VFIO devices must see the guest's writes; use share=on",
                    what);
        return NULL;
    }
    fd = open_backing_file(what, p->mem_path, p->size, errp);
    if (fd < 0) {
        return NULL;
    }
    mr = memory_region_new_ram_from_fd(id, p->size, fd, 0, errp);
    close(fd); /* the region keeps its own duplicate */
    return mr;
}

static bool hostmem_complete(HdUserObject *obj, GError **errp)
{
    HdHostMemoryBackendPrivate *p = priv_of(obj);
    const char *type = hd_type_name(G_OBJECT_TYPE(obj));
    const char *id = hd_user_object_get_id(obj);

    if (p->size == 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s '%s': size= is required (e.g. size=1G)", type, id);
        return false;
    }
    if (p->hugetlb) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s '%s': hugetlb=on is not supported by hostdev; remove it", type, id);
        return false;
    }
    p->mr = new_region(p, type, id, errp);
    if (!p->mr) {
        g_prefix_error(errp, "%s '%s': ", type, id);
        return false;
    }
    if (!p->merge) {
        madvise(memory_region_get_ram_ptr(p->mr), p->size, MADV_UNMERGEABLE);
    }
    if (!p->dump) {
        madvise(memory_region_get_ram_ptr(p->mr), p->size, MADV_DONTDUMP);
    }
    if (p->prealloc) {
        prealloc_pages(p->mr);
    }
    return true;
}

static void hostmem_finalize(GObject *obj)
{
    HdHostMemoryBackendPrivate *p = priv_of(obj);

    memory_region_unref(p->mr);
    g_free(p->user);
    g_free(p->mem_path);
    G_OBJECT_CLASS(hd_host_memory_backend_parent_class)->finalize(obj);
}

static void install_bool(GObjectClass *oc, guint id, const char *name, const char *blurb,
                         bool def)
{
    g_object_class_install_property(oc, id,
        g_param_spec_boolean(name, NULL, blurb, def, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void hd_host_memory_backend_class_init(HdHostMemoryBackendClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);

    oc->set_property = hostmem_set_property;
    oc->get_property = hostmem_get_property;
    oc->finalize = hostmem_finalize;
    HD_USER_OBJECT_CLASS(klass)->complete = hostmem_complete;
    g_object_class_install_property(oc, PROP_SIZE,
        hd_param_spec_size("size", "size of the memory region in bytes (K/M/G/T suffixes)", 0,
                           G_MAXUINT64, 0,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS));
    install_bool(oc, PROP_SHARE, "share", "map shared (always shared in hostdev)", false);
    install_bool(oc, PROP_PREALLOC, "prealloc", "allocate every page up front", false);
    install_bool(oc, PROP_MERGE, "merge", "allow KSM to merge identical pages", true);
    install_bool(oc, PROP_DUMP, "dump", "include the memory in core dumps", true);
    install_bool(oc, PROP_RESERVE, "reserve", "reserve swap space (ignored: memfd)", true);
}

static void hd_host_memory_backend_init(HdHostMemoryBackend *self)
{
    HdHostMemoryBackendPrivate *p = priv_of(self);

    p->merge = p->dump = p->reserve = p->seal = true;
}

MemoryRegion *hd_host_memory_backend_get_region(HdHostMemoryBackend *backend)
{
    return priv_of(backend)->mr;
}

uint64_t hd_host_memory_backend_get_size(HdHostMemoryBackend *backend)
{
    return priv_of(backend)->size;
}

bool hd_host_memory_backend_claim(HdHostMemoryBackend *backend, const char *user,
                                  GError **errp)
{
    HdHostMemoryBackendPrivate *p = priv_of(backend);

    if (p->user) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "memory backend '%s' is already used by %s; give %s its own backend",
                    hd_user_object_get_id(HD_USER_OBJECT(backend)), p->user, user);
        return false;
    }
    p->user = g_strdup(user);
    return true;
}

/* memory-backend-ram */
typedef struct {
    HdHostMemoryBackend parent;
} HdMemoryBackendRam;
typedef struct {
    HdHostMemoryBackendClass parent_class;
} HdMemoryBackendRamClass;

G_DEFINE_TYPE(HdMemoryBackendRam, hd_memory_backend_ram, HD_TYPE_HOST_MEMORY_BACKEND)

static void hd_memory_backend_ram_class_init(HdMemoryBackendRamClass *klass)
{
    HD_USER_OBJECT_CLASS(klass)->description = "guest RAM (anonymous memory; a memfd in hostdev)";
}

static void hd_memory_backend_ram_init(HdMemoryBackendRam *self)
{
    (void)self;
}

/* memory-backend-memfd */
typedef struct {
    HdHostMemoryBackend parent;
} HdMemoryBackendMemfd;
typedef struct {
    HdHostMemoryBackendClass parent_class;
} HdMemoryBackendMemfdClass;

G_DEFINE_TYPE(HdMemoryBackendMemfd, hd_memory_backend_memfd, HD_TYPE_HOST_MEMORY_BACKEND)

static void hd_memory_backend_memfd_class_init(HdMemoryBackendMemfdClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);

    HD_USER_OBJECT_CLASS(klass)->description = "guest RAM in a memfd (shareable)";
    oc->set_property = hostmem_set_property;
    oc->get_property = hostmem_get_property;
    install_bool(oc, PROP_SEAL, "seal", "seal the memfd against resizing", true);
    install_bool(oc, PROP_HUGETLB, "hugetlb", "use huge pages (not supported)", false);
}

static void hd_memory_backend_memfd_init(HdMemoryBackendMemfd *self)
{
    priv_of(self)->share = true;
}

/* memory-backend-file */
typedef struct {
    HdHostMemoryBackend parent;
} HdMemoryBackendFile;
typedef struct {
    HdHostMemoryBackendClass parent_class;
} HdMemoryBackendFileClass;

G_DEFINE_TYPE(HdMemoryBackendFile, hd_memory_backend_file, HD_TYPE_HOST_MEMORY_BACKEND)

static void hd_memory_backend_file_class_init(HdMemoryBackendFileClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);

    HD_USER_OBJECT_CLASS(klass)->description = "guest RAM in a file (mem-path; share=on)";
    oc->set_property = hostmem_set_property;
    oc->get_property = hostmem_get_property;
    g_object_class_install_property(oc, PROP_MEM_PATH,
        g_param_spec_string("mem-path", NULL,
                            "the file to map, or a directory (e.g. hugetlbfs) to create it in",
                            NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void hd_memory_backend_file_init(HdMemoryBackendFile *self)
{
    (void)self;
}

void hostmem_register_types(void)
{
    hd_type_register("memory-backend-file", hd_memory_backend_file_get_type());
    hd_type_register("memory-backend-ram", hd_memory_backend_ram_get_type());
    hd_type_register("memory-backend-memfd", hd_memory_backend_memfd_get_type());
}
