/*
 * The PC's fixed I/O ports a booting Linux guest talks to: ACPI PM1 and PM timer (power-off,
 * power button), the reset ports (0xcf9 via the chipset, 0x92, the 8042's 0xfe), the CMOS RTC
 * at 0x70/0x71, and the POST port.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_I386_PC_PORTS_H
#define HW_I386_PC_PORTS_H

#include <glib.h>
#include <stdbool.h>

typedef struct HdPcPorts HdPcPorts;

/* @rtc_localtime: the RTC starts at local time instead of UTC (-rtc base=localtime). */
HdPcPorts *hd_pc_ports_new(bool rtc_localtime, GError **errp);
void hd_pc_ports_free(HdPcPorts *ports);

/* Press the ACPI power button (QMP system_powerdown). */
void hd_pc_ports_power_button(void);

#endif /* HW_I386_PC_PORTS_H */
