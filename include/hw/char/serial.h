/*
 * isa-serial: a 16550A UART at a PC COM port (index 0: 0x3f8/IRQ 4, 1: 0x2f8/IRQ 3, ...)
 * connected to a chardev (stdio, file, pty, null).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

/* Register the isa-serial device type; once at start-up. */
void serial_register_types(void);

#endif /* HW_CHAR_SERIAL_H */
