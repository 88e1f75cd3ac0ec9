/*
 * -vnc's argument: "[HOST]:N" plus the parameters hostdev takes; libvirt's other VNC
 * parameters (password, TLS, SASL, websocket, unix sockets) are refused by name.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "qom/object.h"
#include "ui/vnc.h"

#define VNC_BASE_PORT 5900

/* "[HOST]:N": the host ("" for every interface, brackets dropped) and N. */
static bool parse_address(const char *addr, char **host, int *display, GError **errp)
{
    const char *colon = strrchr(addr, ':');
    g_autofree char *h = NULL;
    guint64 n;

    if (g_str_has_prefix(addr, "unix:")) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-vnc %s: unix sockets are not supported by hostdev; use [HOST]:N (e.g. 127.0.0.1:0)",
                    addr);
        return false;
    }
    if (!colon || !g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535 - VNC_BASE_PORT, &n,
                                              NULL)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-vnc %s: expected [HOST]:N, N a display number from 0 (port 5900+N)", addr);
        return false;
    }
    h = g_strndup(addr, colon - addr);
    if (h[0] == '[') {
        size_t len = strlen(h);

        if (len < 3 || h[len - 1] != ']') {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "-vnc %s: an IPv6 address goes in brackets: [ADDRESS]:N", addr);
            return false;
        }
        h[len - 1] = '\0';
        memmove(h, h + 1, len - 1);
    }
    *host = g_steal_pointer(&h);
    *display = (int)n;
    return true;
}

bool hd_vnc_parse(const char *spec, char **host, int *display, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(spec, ",", -1);
    const char *first = parts[0] ? parts[0] : ""; /* g_strsplit("") gives no parts */
    g_autofree char *h = NULL;

    *host = NULL;
    *display = -1;
    if (!strcmp(first, "none") && !parts[1]) {
        return true;
    }
    /* "vnc=" is the implied key of the first part (libvirt may write it). */
    if (!parse_address(first + (g_str_has_prefix(first, "vnc=") ? 4 : 0), &h, display,
                       errp)) {
        return false;
    }
    for (guint i = 1; parts[i]; i++) {
        g_autofree char *key = g_strndup(parts[i], strchrnul(parts[i], '=') - parts[i]);

        /* audiodev=: VNC's audio extension; hostdev has no sound (-audiodev none only). */
        if (!strcmp(key, "audiodev")) {
            continue;
        }
        /* Every viewer shares the screen: what share=force-shared asks for. */
        if (!strcmp(parts[i], "share=force-shared")) {
            continue;
        }
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-vnc: parameter '%s' is not supported by hostdev (no VNC authentication, TLS or websocket: listen on 127.0.0.1 and tunnel)",
                    key);
        return false;
    }
    *host = g_steal_pointer(&h);
    return true;
}
