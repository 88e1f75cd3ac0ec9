/*
 * The aarch64 virt machine without a kernel: the device tree (libfdt; dtc/fdtget when Debian's
 * device-tree-compiler is installed) for stand-in platform devices, the GIC's lines and
 * registers, and the binary's dumpdtb=FILE and qtest irq_intercept_in /machine/gic.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib/gstdio.h>
#include <libfdt.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hw/arm/virt.h"
#include "qom/device.h"
#include "system/address-space.h"

/* A stand-in for a vfio-platform device: the bus only records what it hands out. */
typedef struct {
    HdDevice parent_instance;
} StandIn;
typedef struct {
    HdDeviceClass parent_class;
} StandInClass;
G_DEFINE_TYPE(StandIn, stand_in, HD_TYPE_DEVICE)
static void stand_in_class_init(StandInClass *klass)
{
    (void)klass;
}
static void stand_in_init(StandIn *s)
{
    (void)s;
}

typedef struct Fixture {
    MemoryRegion *ram;
    HdArmVirt *virt;
    HdDevice *pl031, *virtio, *anon;
    MemoryRegion *mr[3];
    void *fdt;
    size_t size;
} Fixture;

/* Give @dev a region of @size and one line, and describe it. */
static void plug(Fixture *f, HdDevice *dev, int i, uint64_t size, bool level, const char *name,
                 const char *const *compat)
{
    HdPlatformBus *bus = hd_arm_virt_platform_bus(f->virt);
    hwaddr addr;
    int line;

    f->mr[i] = memory_region_new_io(name, size, NULL, NULL);
    g_assert_true(hd_platform_bus_map_mmio(bus, dev, f->mr[i], &addr, NULL));
    g_assert_true(hd_platform_bus_connect_irq(bus, dev, level, &line, NULL));
    hd_platform_bus_describe(bus, dev, name, compat);
}

static void setup(Fixture *f, gconstpointer data)
{
    static const char *const pl031[] = { "arm,pl031", "arm,primecell", NULL };
    static const char *const virtio[] = { "virtio,mmio", NULL };
    g_autoptr(GError) err = NULL;

    (void)data;
    f->ram = memory_region_new_ram("mach-virt.ram", 0x8000000, NULL);
    f->virt = hd_arm_virt_new(memory_system_root(), f->ram, 2, &err);
    g_assert_no_error(err);
    f->pl031 = g_object_new(stand_in_get_type(), NULL);
    f->virtio = g_object_new(stand_in_get_type(), NULL);
    f->anon = g_object_new(stand_in_get_type(), NULL);
    plug(f, f->pl031, 0, 0x1000, true, "pl031", pl031);
    plug(f, f->virtio, 1, 0x200, false, "virtio_mmio", virtio);
    plug(f, f->anon, 2, 0x1000, true, "nocompat", NULL); /* no of_node: no DT node */
    f->fdt = hd_arm_virt_fdt(f->virt, &f->size, &err);
    g_assert_no_error(err);
    g_assert_nonnull(f->fdt);
}

static void teardown(Fixture *f, gconstpointer data)
{
    HdPlatformBus *bus = hd_arm_virt_platform_bus(f->virt);

    (void)data;
    hd_platform_bus_release(bus, f->pl031);
    hd_platform_bus_release(bus, f->virtio);
    hd_platform_bus_release(bus, f->anon);
    for (int i = 0; i < 3; i++) {
        memory_region_unref(f->mr[i]);
    }
    g_object_unref(f->pl031);
    g_object_unref(f->virtio);
    g_object_unref(f->anon);
    hd_arm_virt_free(f->virt);
    memory_region_unref(f->ram);
    g_free(f->fdt);
}

static const void *prop(Fixture *f, const char *path, const char *name, int *len)
{
    int node = fdt_path_offset(f->fdt, path);
    const void *p;

    g_assert_cmpint(node, >=, 0);
    p = fdt_getprop(f->fdt, node, name, len);
    g_assert_nonnull(p);
    return p;
}

static uint32_t cell(const void *p, int i)
{
    return fdt32_to_cpu(((const fdt32_t *)p)[i]);
}

static void test_tree(Fixture *f, gconstpointer data)
{
    const void *p;
    int len, node, n;

    (void)data;
    g_assert_cmpint(fdt_check_header(f->fdt), ==, 0);
    g_assert_cmpuint(fdt_totalsize(f->fdt), ==, f->size);
    g_assert_cmpstr(prop(f, "/", "compatible", &len), ==, "linux,dummy-virt");
    g_assert_cmpint(fdt_path_offset(f->fdt, "/chosen"), >=, 0);
    /* /memory: 128 MiB at 1 GiB, two cells each */
    p = prop(f, "/memory@40000000", "reg", &len);
    g_assert_cmpint(len, ==, 16);
    g_assert_cmpuint(cell(p, 1), ==, 0x40000000);
    g_assert_cmpuint(cell(p, 3), ==, 0x8000000);
    g_assert_cmpstr(prop(f, "/memory@40000000", "device_type", &len), ==, "memory");
    /* /cpus: two */
    node = fdt_path_offset(f->fdt, "/cpus");
    n = 0;
    for (int c = fdt_first_subnode(f->fdt, node); c >= 0; c = fdt_next_subnode(f->fdt, c)) {
        n++;
    }
    g_assert_cmpint(n, ==, 2);
    /* the GIC is the interrupt parent */
    g_assert_cmpint(fdt_node_check_compatible(f->fdt, fdt_path_offset(f->fdt, "/intc@8000000"),
                                              "arm,gic-v3"), ==, 0);
    p = prop(f, "/intc@8000000", "reg", &len);
    g_assert_cmpint(len, ==, 32);
    g_assert_cmpuint(cell(p, 1), ==, VIRT_GIC_DIST_BASE);
    g_assert_cmpuint(cell(p, 5), ==, VIRT_GIC_REDIST_BASE);
    g_assert_cmpuint(cell(prop(f, "/", "interrupt-parent", &len), 0), ==,
                     fdt_get_phandle(f->fdt, fdt_path_offset(f->fdt, "/intc@8000000")));
    /* the pl031: host compatible list, its guest reg, a level-high SPI */
    p = prop(f, "/pl031@c000000", "compatible", &len);
    g_assert_cmpint(len, ==, (int)sizeof("arm,pl031\0arm,primecell"));
    g_assert_cmpmem(p, len, "arm,pl031\0arm,primecell", len);
    p = prop(f, "/pl031@c000000", "reg", &len);
    g_assert_cmpint(len, ==, 16);
    g_assert_cmpuint(cell(p, 1), ==, VIRT_PLATFORM_BUS_BASE);
    g_assert_cmpuint(cell(p, 3), ==, 0x1000);
    p = prop(f, "/pl031@c000000", "interrupts", &len);
    g_assert_cmpint(len, ==, 12);
    g_assert_cmpuint(cell(p, 0), ==, 0);
    g_assert_cmpuint(cell(p, 1), ==, VIRT_PLATFORM_BUS_FIRST_SPI);
    g_assert_cmpuint(cell(p, 2), ==, 4);
    /* the virtio-mmio transport: next 4 KiB slot, next SPI, edge-rising */
    p = prop(f, "/virtio_mmio@c001000", "reg", &len);
    g_assert_cmpuint(cell(p, 3), ==, 0x200);
    p = prop(f, "/virtio_mmio@c001000", "interrupts", &len);
    g_assert_cmpuint(cell(p, 1), ==, VIRT_PLATFORM_BUS_FIRST_SPI + 1);
    g_assert_cmpuint(cell(p, 2), ==, 1);
    /* a device without an of_node gets no node */
    g_assert_cmpint(fdt_path_offset(f->fdt, "/nocompat@c002000"), <, 0);
}

/* dumpdtb's file, read back by Debian's dtc and fdtget when they are installed. */
static void test_dump_tools(Fixture *f, gconstpointer data)
{
    g_autofree char *dir = g_dir_make_tmp("hostdev-dtb-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "virt.dtb", NULL);
    g_autofree char *out = NULL, *errout = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *fdtget = g_find_program_in_path("fdtget");
    g_autofree char *dtc = g_find_program_in_path("dtc");
    int status;

    (void)data;
    g_assert_true(hd_arm_virt_dump_dtb(f->virt, path, &err));
    g_assert_no_error(err);
    if (!fdtget || !dtc) {
        g_test_skip("dtc/fdtget not installed (Debian: device-tree-compiler)");
    } else {
        const char *compat[] = { "fdtget", "-t", "s", path, "/pl031@c000000", "compatible",
                                 NULL };
        const char *irqs[] = { "fdtget", "-t", "u", path, "/pl031@c000000", "interrupts",
                               NULL };
        const char *dts[] = { "dtc", "-q", "-I", "dtb", "-O", "dts", path, NULL };

        g_assert_true(g_spawn_sync(NULL, (char **)compat, NULL, G_SPAWN_SEARCH_PATH, NULL,
                                   NULL, &out, &errout, &status, NULL));
        g_assert_cmpint(status, ==, 0);
        g_assert_cmpstr(g_strstrip(out), ==, "arm,pl031 arm,primecell");
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&errout, g_free);
        g_assert_true(g_spawn_sync(NULL, (char **)irqs, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                   &out, &errout, &status, NULL));
        g_assert_cmpint(status, ==, 0);
        g_assert_cmpstr(g_strstrip(out), ==, "0 112 4");
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&errout, g_free);
        g_assert_true(g_spawn_sync(NULL, (char **)dts, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                   &out, &errout, &status, NULL));
        g_assert_cmpint(status, ==, 0);
        g_assert_cmpstr(errout, ==, ""); /* no dtc warning */
        g_assert_nonnull(strstr(out, "virtio_mmio@c001000"));
    }
    g_unlink(path);
    g_rmdir(dir);
}

/* The SPI inputs are /machine/gic's lines (what qtest's irq_intercept_in takes), and the
 * distributor shows them pending. */
static void test_gic(Fixture *f, gconstpointer data)
{
    AddressSpace *as = memory_system_address_space();
    HdIrqLines *lines = hd_irq_lines_resolve("/machine/gic");
    int spi = VIRT_PLATFORM_BUS_FIRST_SPI, intid = 32 + VIRT_PLATFORM_BUS_FIRST_SPI;
    hwaddr ispendr = VIRT_GIC_DIST_BASE + 0x200 + 4 * (intid / 32);

    (void)data;
    g_assert_true(lines == hd_gic_spi_lines(hd_arm_virt_gic(f->virt)));
    g_assert_cmpint(hd_irq_lines_count(lines), ==, VIRT_NR_SPIS);
    g_assert_cmpuint(address_space_ldl(as, VIRT_GIC_DIST_BASE + 0x4, NULL), ==,
                     (32 + VIRT_NR_SPIS) / 32 - 1);
    g_assert_cmpuint(address_space_ldl(as, VIRT_GIC_DIST_BASE + 0xffe8, NULL) >> 4, ==, 3);
    hd_platform_bus_irq_set(hd_arm_virt_platform_bus(f->virt), spi, 1);
    g_assert_true(hd_gic_spi_pending(hd_arm_virt_gic(f->virt), spi));
    g_assert_cmpuint(address_space_ldl(as, ispendr, NULL), ==, 1u << (intid % 32));
    hd_platform_bus_irq_set(hd_arm_virt_platform_bus(f->virt), spi, 0);
    /* a level once seen stays latched until GICD_ICPENDR clears it */
    address_space_stl(as, VIRT_GIC_DIST_BASE + 0x280 + 4 * (intid / 32), 1u << (intid % 32));
    g_assert_false(hd_gic_spi_pending(hd_arm_virt_gic(f->virt), spi));
}

/* The binary: -M virt,dumpdtb=FILE writes the blob and exits 0; RAM from -m. */
static void test_cmdline_dumpdtb(void)
{
    const char *bin = g_getenv("HOSTDEV_BINARY");
    g_autofree char *dir = g_dir_make_tmp("hostdev-dtb-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "virt.dtb", NULL);
    g_autofree char *machine = g_strdup_printf("virt,dumpdtb=%s", path);
    const char *argv[] = { bin, "-M", machine, "-m", "256M", "-smp", "4", NULL };
    g_autofree char *blob = NULL;
    int status, node, n = 0;
    gsize len;

    if (!bin) {
        g_test_skip("HOSTDEV_BINARY not set");
        return;
    }
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, NULL, NULL, &status,
                               NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_assert_true(g_file_get_contents(path, &blob, &len, NULL));
    g_assert_cmpint(fdt_check_header(blob), ==, 0);
    g_assert_cmpuint(fdt_totalsize(blob), ==, len);
    node = fdt_path_offset(blob, "/memory@40000000");
    g_assert_cmpuint(fdt32_to_cpu(((const fdt32_t *)fdt_getprop(blob, node, "reg", NULL))[3]),
                     ==, 256u << 20);
    node = fdt_path_offset(blob, "/cpus");
    for (int c = fdt_first_subnode(blob, node); c >= 0; c = fdt_next_subnode(blob, c)) {
        n++;
    }
    g_assert_cmpint(n, ==, 4);
    g_unlink(path);
    g_rmdir(dir);
}

/* Send @cmd over the qtest stream and return the reply lines up to OK/FAIL/ERR (free it). */
static char *qtest_cmd(FILE *io, const char *cmd)
{
    g_autoptr(GString) reply = g_string_new(NULL);
    char line[256];

    fprintf(io, "%s\n", cmd);
    fflush(io);
    while (fgets(line, sizeof(line), io)) {
        g_string_append(reply, line);
        if (g_str_has_prefix(line, "OK") || g_str_has_prefix(line, "FAIL") ||
            g_str_has_prefix(line, "ERR")) {
            break;
        }
    }
    return g_string_free(g_steal_pointer(&reply), FALSE);
}

/* The binary under qtest: the GIC's SPIs are intercepted like q35's I/O APIC lines. */
static void test_cmdline_qtest_gic(void)
{
    const char *bin = g_getenv("HOSTDEV_BINARY");
    g_autofree char *dir = g_dir_make_tmp("hostdev-qtest-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "qtest.sock", NULL);
    g_autofree char *qtest = g_strdup_printf("unix:%s", path);
    const char *argv[] = { bin, "-M", "virt", "-m", "128M", "-display", "none", "-qtest",
                           qtest, NULL };
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;
    GPid pid;
    FILE *io;
    int lfd, cfd, status;

    if (!bin) {
        g_test_skip("HOSTDEV_BINARY not set");
        return;
    }
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);
    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &pid, NULL));
    cfd = accept(lfd, NULL, NULL);
    g_assert_cmpint(cfd, >=, 0);
    io = fdopen(cfd, "r+");
    r1 = qtest_cmd(io, "irq_intercept_in /machine/gic");
    g_assert_cmpstr(r1, ==, "OK\n");
    r2 = qtest_cmd(io, "set_irq_in /machine/gic unnamed-gpio-in 112 1");
    g_assert_cmpstr(r2, ==, "IRQ raise 112\nOK\n");
    r3 = qtest_cmd(io, "readl 0x8000004");
    g_assert_cmpstr(r3, ==, "OK 0x0000000000000008\n");
    r4 = qtest_cmd(io, "readl 0xc000000"); /* the platform bus window, empty */
    g_assert_true(g_str_has_prefix(r4, "OK"));
    fclose(io);
    kill(pid, SIGTERM);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_spawn_close_pid(pid);
    close(lfd);
    g_unlink(path);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    g_test_add("/arm/virt/tree", Fixture, NULL, setup, test_tree, teardown);
    g_test_add("/arm/virt/dump-tools", Fixture, NULL, setup, test_dump_tools, teardown);
    g_test_add("/arm/virt/gic", Fixture, NULL, setup, test_gic, teardown);
    g_test_add_func("/arm/virt/cmdline-dumpdtb", test_cmdline_dumpdtb);
    g_test_add_func("/arm/virt/cmdline-qtest-gic", test_cmdline_qtest_gic);
    ret = g_test_run();
    memory_system_release();
    return ret;
}
