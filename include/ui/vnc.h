/*
 * The VNC server (-vnc [HOST]:N, -display vnc=[HOST]:N): shows console 0 to VNC viewers with
 * libvncserver, sending only what the console reports as damaged.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UI_VNC_H
#define UI_VNC_H

#include <json-glib/json-glib.h>
#include <stdbool.h>

/*
 * Check -vnc's argument: "[HOST]:N[,audiodev=ID]" (TCP port 5900+N on HOST; every interface
 * when HOST is empty; an IPv6 address in brackets) or "none". Other parameters are refused by
 * name. *@host (g_free; "" for every interface) and *@display are set on success; with "none",
 * *@host is NULL.
 */
bool hd_vnc_parse(const char *spec, char **host, int *display, GError **errp);

/* Start the server for @spec (hd_vnc_parse()'s form); "none" starts nothing. */
bool hd_vnc_start(const char *spec, GError **errp);

/* Disconnect the viewers and stop listening; nothing started is fine. */
void hd_vnc_stop(void);

/* query-vnc's reply (VncInfo in qapi/ui.json). */
JsonNode *hd_vnc_query(void);

#endif /* UI_VNC_H */
