/*
 * QMP query-pci: every root bus with its devices in QEMU's reply shape (bus, slot, function,
 * class_info, id, irq, regions, qdev_id, and pci_bridge with the devices behind bridges).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor/qmp.h"
#include "pci-internal.h"

static const struct {
    uint16_t cls;
    const char *desc;
} class_names[] = {
    {0x0100, "SCSI controller"},     {0x0101, "IDE controller"},
    {0x0106, "SATA controller"},     {0x0108, "NVMe"},
    {0x0200, "Ethernet controller"}, {0x0300, "VGA controller"},
    {0x0380, "Display controller"},  {0x0403, "Audio controller"},
    {0x0600, "Host bridge"},         {0x0601, "ISA bridge"},
    {0x0604, "PCI bridge"},          {0x0c03, "USB controller"},
    {0x0880, "System peripheral"},
};

static uint64_t bridge_io_base(uint8_t *c)
{
    return ((uint64_t)(c[PCI_IO_BASE] & 0xf0) << 8) |
           ((uint64_t)pci_get_word(c + PCI_IO_BASE_UPPER16) << 16);
}

static uint64_t bridge_io_limit(uint8_t *c)
{
    return ((uint64_t)(c[PCI_IO_LIMIT] & 0xf0) << 8) | 0xfff |
           ((uint64_t)pci_get_word(c + PCI_IO_LIMIT_UPPER16) << 16);
}

static void add_range(JsonBuilder *b, const char *name, uint64_t base, uint64_t limit)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "base");
    json_builder_add_int_value(b, (gint64)base);
    json_builder_set_member_name(b, "limit");
    json_builder_add_int_value(b, (gint64)limit);
    json_builder_end_object(b);
}

static void add_devices(JsonBuilder *b, HdPciBus *bus);

static void add_bridge(JsonBuilder *b, HdPciDevice *dev)
{
    uint8_t *c = pci_config(dev);
    HdPciBus *sec = pci_bridge_get_sec_bus(dev);
    uint64_t pbase = ((uint64_t)(pci_get_word(c + PCI_PREF_MEMORY_BASE) & 0xfff0) << 16) |
                     ((uint64_t)pci_get_long(c + PCI_PREF_BASE_UPPER32) << 32);
    uint64_t plimit = ((uint64_t)(pci_get_word(c + PCI_PREF_MEMORY_LIMIT) & 0xfff0) << 16) |
                      0xfffff | ((uint64_t)pci_get_long(c + PCI_PREF_LIMIT_UPPER32) << 32);

    json_builder_set_member_name(b, "pci_bridge");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "bus");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "number");
    json_builder_add_int_value(b, pci_device_bus_number(dev));
    json_builder_set_member_name(b, "secondary");
    json_builder_add_int_value(b, c[PCI_SECONDARY_BUS]);
    json_builder_set_member_name(b, "subordinate");
    json_builder_add_int_value(b, c[PCI_SUBORDINATE_BUS]);
    add_range(b, "io_range", bridge_io_base(c), bridge_io_limit(c));
    add_range(b, "memory_range", (uint64_t)(pci_get_word(c + PCI_MEMORY_BASE) & 0xfff0) << 16,
              ((uint64_t)(pci_get_word(c + PCI_MEMORY_LIMIT) & 0xfff0) << 16) | 0xfffff);
    add_range(b, "prefetchable_range", pbase, plimit);
    json_builder_end_object(b);
    if (sec) {
        json_builder_set_member_name(b, "devices");
        add_devices(b, sec);
    }
    json_builder_end_object(b);
}

static void add_regions(JsonBuilder *b, HdPciDevice *dev)
{
    json_builder_set_member_name(b, "regions");
    json_builder_begin_array(b);
    for (int i = 0; i < PCI_NUM_REGIONS; i++) {
        uint8_t type = pci_bar_type(dev, i);
        bool io = i != PCI_ROM_SLOT && (type & PCI_BASE_ADDRESS_SPACE_IO);

        if (!pci_bar_size(dev, i)) {
            continue;
        }
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "bar");
        json_builder_add_int_value(b, i);
        json_builder_set_member_name(b, "type");
        json_builder_add_string_value(b, io ? "io" : "memory");
        json_builder_set_member_name(b, "address");
        json_builder_add_int_value(b, (gint64)pci_bar_address(dev, i));
        json_builder_set_member_name(b, "size");
        json_builder_add_int_value(b, (gint64)pci_bar_size(dev, i));
        if (!io) {
            json_builder_set_member_name(b, "prefetch");
            json_builder_add_boolean_value(b, (type & PCI_BASE_ADDRESS_MEM_PREFETCH) != 0);
            json_builder_set_member_name(b, "mem_type_64");
            json_builder_add_boolean_value(b, (type & PCI_BASE_ADDRESS_MEM_TYPE_64) != 0);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static void add_device(JsonBuilder *b, HdPciDevice *dev)
{
    uint8_t *c = pci_config(dev);
    int devfn = pci_device_devfn(dev);
    uint16_t cls = pci_get_word(c + PCI_CLASS_DEVICE);
    const char *qdev_id = hd_device_get_id(HD_DEVICE(dev));
    bool bridge = (c[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_BRIDGE;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "bus");
    json_builder_add_int_value(b, pci_device_bus_number(dev));
    json_builder_set_member_name(b, "slot");
    json_builder_add_int_value(b, PCI_SLOT(devfn));
    json_builder_set_member_name(b, "function");
    json_builder_add_int_value(b, PCI_FUNC(devfn));

    json_builder_set_member_name(b, "class_info");
    json_builder_begin_object(b);
    for (size_t i = 0; i < G_N_ELEMENTS(class_names); i++) {
        if (class_names[i].cls == cls) {
            json_builder_set_member_name(b, "desc");
            json_builder_add_string_value(b, class_names[i].desc);
        }
    }
    json_builder_set_member_name(b, "class");
    json_builder_add_int_value(b, cls);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "id");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "device");
    json_builder_add_int_value(b, pci_get_word(c + PCI_DEVICE_ID));
    json_builder_set_member_name(b, "vendor");
    json_builder_add_int_value(b, pci_get_word(c + PCI_VENDOR_ID));
    if (!bridge) {
        json_builder_set_member_name(b, "subsystem");
        json_builder_add_int_value(b, pci_get_word(c + PCI_SUBSYSTEM_ID));
        json_builder_set_member_name(b, "subsystem-vendor");
        json_builder_add_int_value(b, pci_get_word(c + PCI_SUBSYSTEM_VENDOR_ID));
    }
    json_builder_end_object(b);

    if (c[PCI_INTERRUPT_PIN]) {
        json_builder_set_member_name(b, "irq");
        json_builder_add_int_value(b, c[PCI_INTERRUPT_LINE]);
    }
    json_builder_set_member_name(b, "irq_pin");
    json_builder_add_int_value(b, c[PCI_INTERRUPT_PIN]);
    json_builder_set_member_name(b, "qdev_id");
    json_builder_add_string_value(b, qdev_id ? qdev_id : "");
    if (bridge) {
        add_bridge(b, dev);
    }
    add_regions(b, dev);
    json_builder_end_object(b);
}

static void add_devices(JsonBuilder *b, HdPciBus *bus)
{
    json_builder_begin_array(b);
    for (int devfn = 0; devfn < 256; devfn++) {
        HdPciDevice *dev = pci_bus_get_device(bus, devfn);

        if (dev && hd_device_is_realized(HD_DEVICE(dev)) && pci_config(dev)) {
            add_device(b, dev);
        }
    }
    json_builder_end_array(b);
}

JsonNode *pci_query_pci(void)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(GPtrArray) roots = pci_root_buses();

    json_builder_begin_array(b);
    for (guint i = 0; i < roots->len; i++) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "bus");
        json_builder_add_int_value(b, 0);
        json_builder_set_member_name(b, "devices");
        add_devices(b, roots->pdata[i]);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    return json_builder_get_root(b);
}

static bool qmp_query_pci(JsonObject *args, JsonNode **ret, GError **errp)
{
    (void)args;
    (void)errp;
    *ret = pci_query_pci();
    return true;
}

void pci_qmp_register(void)
{
    if (!qmp_has_command("query-pci")) {
        qmp_register_command("query-pci", qmp_query_pci, QMP_CMD_DEFAULT);
    }
}
