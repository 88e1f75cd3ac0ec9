/*
 * The VNC server: libvncserver serving console 0. Everything runs on the main thread: a watch
 * on the listening sockets and, while viewers are connected, a 20 ms GLib timeout call
 * rfbProcessEvents(server, 0), so no second thread ever touches a console or a device. Console
 * damage is copied into the 32 bpp framebuffer with pixman and marked modified.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <arpa/inet.h>
#include <glib-unix.h>
#include <netdb.h>
#include <rfb/rfb.h>
#include <string.h>
#include <sys/socket.h>

#include "qom/object.h"
#include "ui/console.h"
#include "ui/vnc.h"
#include "trace.h"

#define TICK_MS 20
#define BLANK_W 640
#define BLANK_H 480

typedef struct Vnc {
    rfbScreenInfoPtr server;
    char *host;              /* as given ("" for every interface) */
    int port;
    pixman_image_t *fb;      /* over server->frameBuffer */
    HdConsole *con;          /* watched while viewers are connected */
    HdConsoleListener *listener;
    unsigned clients;
    guint watch4, watch6, tick;
} Vnc;

static Vnc *vnc;

static void vnc_log(const char *fmt, ...)
{
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_strchomp(text);
    trace_vnc_log(text);
}

/* A black framebuffer of @w x @h, given to libvncserver (its clients learn the new size). */
static void fb_resize(int w, int h)
{
    pixman_format_code_t format;
    char *bits = g_malloc0((size_t)w * h * 4);
    char *old = vnc->server->frameBuffer;

    trace_vnc_resize(w, h);
    rfbNewFramebuffer(vnc->server, bits, w, h, 8, 3, 4);
    /* libvncserver's 32 bpp layout: red in the low byte, or in bits 16-23. */
    format = vnc->server->serverFormat.redShift == 0 ? PIXMAN_x8b8g8r8 : PIXMAN_x8r8g8b8;
    g_clear_pointer(&vnc->fb, pixman_image_unref);
    vnc->fb = pixman_image_create_bits(format, w, h, (uint32_t *)bits, w * 4);
    g_free(old);
}

static void on_surface_changed(void *opaque, HdConsole *con, pixman_image_t *image)
{
    int w = image ? pixman_image_get_width(image) : BLANK_W;
    int h = image ? pixman_image_get_height(image) : BLANK_H;

    (void)opaque;
    (void)con;
    if (w != vnc->server->width || h != vnc->server->height) {
        fb_resize(w, h);
    } else {
        memset(vnc->server->frameBuffer, 0, (size_t)w * h * 4);
    }
    if (image) {
        pixman_image_composite32(PIXMAN_OP_SRC, image, NULL, vnc->fb, 0, 0, 0, 0, 0, 0, w, h);
    }
    rfbMarkRectAsModified(vnc->server, 0, 0, w, h);
}

static void on_damage(void *opaque, HdConsole *con, int x, int y, int w, int h)
{
    pixman_image_t *image = hd_console_surface(con);

    (void)opaque;
    w = MIN(w, vnc->server->width - x);
    h = MIN(h, vnc->server->height - y);
    if (!image || w <= 0 || h <= 0) {
        return;
    }
    pixman_image_composite32(PIXMAN_OP_SRC, image, NULL, vnc->fb, x, y, 0, 0, x, y, w, h);
    rfbMarkRectAsModified(vnc->server, x, y, x + w, y + h);
}

static void on_removed(void *opaque, HdConsole *con)
{
    (void)opaque;
    (void)con;
    vnc->con = NULL;
    vnc->listener = NULL; /* freed by the console */
    on_surface_changed(NULL, NULL, NULL);
}

static const HdConsoleListenerOps listener_ops = {
    .surface_changed = on_surface_changed,
    .damage = on_damage,
    .removed = on_removed,
};

/* Watch console 0 once it exists (a display device may come after the server, or hot-plugged). */
static void watch_console(void)
{
    HdConsole *con;

    if (vnc->con || !(con = hd_console_find(NULL, 0, NULL))) {
        return;
    }
    vnc->con = con;
    vnc->listener = hd_console_listener_add(con, &listener_ops, NULL);
    hd_console_refresh(con, NULL);
    on_surface_changed(NULL, con, hd_console_surface(con));
}

static void unwatch_console(void)
{
    g_clear_pointer(&vnc->listener, hd_console_listener_remove);
    vnc->con = NULL;
}

static gboolean on_tick(gpointer opaque)
{
    (void)opaque;
    watch_console();
    rfbProcessEvents(vnc->server, 0);
    return G_SOURCE_CONTINUE;
}

static void on_client_gone(rfbClientPtr cl)
{
    trace_vnc_client_gone(cl->host, vnc->clients - 1);
    if (--vnc->clients == 0) {
        g_clear_handle_id(&vnc->tick, g_source_remove);
        unwatch_console();
    }
}

static enum rfbNewClientAction on_new_client(rfbClientPtr cl)
{
    cl->clientGoneHook = on_client_gone;
    trace_vnc_client(cl->host, vnc->clients + 1);
    if (vnc->clients++ == 0) {
        vnc->tick = g_timeout_add(TICK_MS, on_tick, NULL);
        watch_console();
    }
    return RFB_CLIENT_ACCEPT;
}

static gboolean on_listen(gint fd, GIOCondition cond, gpointer opaque)
{
    (void)fd;
    (void)cond;
    (void)opaque;
    rfbProcessEvents(vnc->server, 0);
    return G_SOURCE_CONTINUE;
}

/* Where to listen: IPv4 (@v4, or every interface) and/or IPv6 (@v6 set). */
static bool resolve(const char *host, in_addr_t *v4, char **v6, GError **errp)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    int rc;

    *v4 = htonl(INADDR_ANY);
    *v6 = NULL;
    if (!host[0]) {
        return true;
    }
    /* A name (localhost) listens on its first IPv4 address, else its first IPv6 one. */
    hints.ai_family = AF_INET;
    rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc == 0) {
        *v4 = ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr;
        freeaddrinfo(res);
        return true;
    }
    hints.ai_family = AF_INET6;
    rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc == 0) {
        char text[INET6_ADDRSTRLEN];

        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, text,
                  sizeof(text));
        *v6 = g_strdup(text);
        freeaddrinfo(res);
        return true;
    }
    g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "-vnc: cannot resolve host '%s': %s",
                host, gai_strerror(rc));
    return false;
}

bool hd_vnc_start(const char *spec, GError **errp)
{
    g_autofree char *host = NULL;
    g_autofree char *v6 = NULL;
    char *argv[] = { (char *)"hostdev", NULL };
    int argc = 1, display;
    in_addr_t v4;

    if (!hd_vnc_parse(spec, &host, &display, errp)) {
        return false;
    }
    if (!host) {
        return true; /* -vnc none */
    }
    if (!resolve(host, &v4, &v6, errp)) {
        return false;
    }
    rfbLog = vnc_log;
    rfbErr = vnc_log;
    vnc = g_new0(Vnc, 1);
    vnc->host = g_steal_pointer(&host);
    vnc->port = 5900 + display;
    vnc->server = rfbGetScreen(&argc, argv, BLANK_W, BLANK_H, 8, 3, 4);
    vnc->server->desktopName = "hostdev";
    vnc->server->alwaysShared = TRUE;
    vnc->server->cursor = NULL; /* no pointer device: draw no cursor into the picture */
    vnc->server->deferUpdateTime = 0;
    vnc->server->maxClientWait = 2000; /* a stalled viewer holds the main loop this long */
    vnc->server->newClientHook = on_new_client;
    vnc->server->listenInterface = v4;
    vnc->server->port = v6 ? 0 : vnc->port;
    vnc->server->ipv6port = v6 || !vnc->host[0] ? vnc->port : 0;
    vnc->server->listen6Interface = v6;
    fb_resize(BLANK_W, BLANK_H);
    rfbInitServer(vnc->server);
    vnc->server->listen6Interface = NULL;
    trace_vnc_start(vnc->host, vnc->port);
    if (vnc->server->listenSock == RFB_INVALID_SOCKET &&
        vnc->server->listen6Sock == RFB_INVALID_SOCKET) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "-vnc %s: cannot listen on port %d (in use? pick another display number)",
                    spec, vnc->port);
        hd_vnc_stop();
        return false;
    }
    if (vnc->server->listenSock != RFB_INVALID_SOCKET) {
        vnc->watch4 = g_unix_fd_add(vnc->server->listenSock, G_IO_IN, on_listen, NULL);
    }
    if (vnc->server->listen6Sock != RFB_INVALID_SOCKET) {
        vnc->watch6 = g_unix_fd_add(vnc->server->listen6Sock, G_IO_IN, on_listen, NULL);
    }
    return true;
}

void hd_vnc_stop(void)
{
    char *fb;

    if (!vnc) {
        return;
    }
    g_clear_handle_id(&vnc->watch4, g_source_remove);
    g_clear_handle_id(&vnc->watch6, g_source_remove);
    g_clear_handle_id(&vnc->tick, g_source_remove);
    unwatch_console();
    fb = vnc->server->frameBuffer;
    rfbShutdownServer(vnc->server, TRUE);
    rfbScreenCleanup(vnc->server);
    g_free(fb);
    g_clear_pointer(&vnc->fb, pixman_image_unref);
    g_free(vnc->host);
    g_clear_pointer(&vnc, g_free);
}

/* host, service and family of a socket's address (its peer's with @peer). */
static void add_address(JsonObject *obj, int fd, bool peer)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[NI_MAXHOST] = "", serv[NI_MAXSERV] = "";
    int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                  : getsockname(fd, (struct sockaddr *)&ss, &len);

    if (rc == 0) {
        getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV);
    }
    json_object_set_string_member(obj, "host", host);
    json_object_set_string_member(obj, "service", serv);
    json_object_set_string_member(obj, "family", rc ? "unknown"
                                  : ss.ss_family == AF_INET6 ? "ipv6" : "ipv4");
}

JsonNode *hd_vnc_query(void)
{
    JsonObject *info = json_object_new();
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    JsonArray *clients;
    rfbClientIteratorPtr it;
    rfbClientPtr cl;

    json_node_take_object(node, info);
    json_object_set_boolean_member(info, "enabled", vnc != NULL);
    if (!vnc) {
        return node;
    }
    add_address(info, vnc->server->listenSock != RFB_INVALID_SOCKET ? vnc->server->listenSock
                                                                     : vnc->server->listen6Sock,
                false);
    json_object_set_string_member(info, "auth", "none");
    clients = json_array_new();
    it = rfbGetClientIterator(vnc->server);
    while ((cl = rfbClientIteratorNext(it))) {
        JsonObject *c = json_object_new();

        add_address(c, cl->sock, true);
        json_object_set_boolean_member(c, "websocket", false);
        json_array_add_object_element(clients, c);
    }
    rfbReleaseClientIterator(it);
    json_object_set_array_member(info, "clients", clients);
    return node;
}
