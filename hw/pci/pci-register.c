/*
 * Start-up registration of the PCI device models (-device names) and the query-pci command.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/i386/q35.h"
#include "hw/pci/testdev.h"
#include "pci-internal.h"
#include "qom/object.h"

void pci_register_types(void)
{
    hd_type_register("pcie-root-port", pcie_root_port_get_type());
    hd_type_register("pcie-pci-bridge", pcie_pci_bridge_get_type());
    hd_type_register(TESTDEV_TYPE_NAME, pci_testdev_get_type());
    pci_qmp_register();
}
