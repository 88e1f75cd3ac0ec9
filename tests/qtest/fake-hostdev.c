/*
 * FAKE hostdev for libqtest's own test: connects to the qtest and QMP sockets the way
 * hostdev does, serves qtest with the real QtestServer over 1 MiB of fake RAM and answers
 * a scripted set of QMP commands. It is never installed and never used outside that test.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fake-hostdev.h"
#include "libqtest-parse.h"
#include "system/qtest.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char fake_usage[] =
    "fake-hostdev: needs -qtest unix:PATH -qtest-log FILE -chardev socket,path=P -accel qtest\n";

typedef struct FakeTimer {
    gint64 when;
    int line;
} FakeTimer;

typedef struct Fake {
    int argc;
    char **argv;
    int qtest_fd;
    int qmp_fd;
    FILE *log;
    QtestServer *server;
    QTestJsonStream *qmp_in;
    uint8_t *ram;
    uint32_t ports[0x10000];
    int64_t clock;
    GArray *timers;     /* FakeTimer: IRQs to raise later */
    bool mute_qtest;    /* stop reading qtest requests */
    bool quit;
    int quit_status;
} Fake;

static void fake_write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            fprintf(stderr, "fake-hostdev: send failed: %s\n", g_strerror(errno));
            exit(1);
        }
        data += n;
        len -= n;
    }
}

static void fake_qtest_write(void *opaque, const char *data, size_t len)
{
    Fake *f = opaque;

    fake_write_all(f->qtest_fd, data, len);
}

static bool fake_mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    Fake *f = opaque;

    if (addr >= FAKE_RAM_SIZE || len > FAKE_RAM_SIZE - addr) {
        return false;
    }
    memcpy(buf, f->ram + addr, len);
    return true;
}

static bool fake_mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    Fake *f = opaque;
    uint32_t value = 0;

    if (len == 4 && addr >= FAKE_DOORBELL && addr <= FAKE_DOORBELL_LATER) {
        memcpy(&value, buf, 4);
        if (addr == FAKE_DOORBELL_LATER) {
            FakeTimer t = { g_get_monotonic_time() + 50 * 1000, value };

            g_array_append_val(f->timers, t);
        } else {
            qtest_server_irq(f->server, value, addr == FAKE_DOORBELL);
        }
        return true;
    }
    if (addr >= FAKE_RAM_SIZE || len > FAKE_RAM_SIZE - addr) {
        return false;
    }
    memcpy(f->ram + addr, buf, len);
    return true;
}

static uint32_t fake_pio_in(void *opaque, uint16_t port, unsigned size)
{
    Fake *f = opaque;

    (void)size;
    return f->ports[port];
}

static void fake_pio_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    Fake *f = opaque;

    (void)size;
    f->ports[port] = value;
}

static int64_t fake_clock_get(void *opaque)
{
    Fake *f = opaque;

    return f->clock;
}

static int64_t fake_clock_step(void *opaque, int64_t ns)
{
    Fake *f = opaque;

    f->clock += ns == QTEST_CLOCK_STEP_NEXT ? 1000 : ns;
    return f->clock;
}

static int64_t fake_clock_set(void *opaque, int64_t ns)
{
    Fake *f = opaque;

    f->clock = MAX(f->clock, ns); /* never backwards, as a machine's clock */
    return f->clock;
}

static bool fake_intercept(void *opaque, const char *path, GError **errp)
{
    (void)opaque;
    if (strcmp(path, FAKE_DEVICE)) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_NOENT, "No such device '%s'", path);
        return false;
    }
    return true;
}

static bool fake_set_irq_in(void *opaque, const char *path, const char *name, int n, int level,
                            GError **errp)
{
    Fake *f = opaque;

    (void)name;
    if (!fake_intercept(opaque, path, errp)) {
        return false;
    }
    qtest_server_irq(f->server, n, level != 0); /* the fake wires inputs to outputs */
    return true;
}

static const QtestBackend fake_ops = {
    .mem_read = fake_mem_read,
    .mem_write = fake_mem_write,
    .pio_in = fake_pio_in,
    .pio_out = fake_pio_out,
    .clock_get = fake_clock_get,
    .clock_step = fake_clock_step,
    .clock_set = fake_clock_set,
    .irq_intercept_in = fake_intercept,
    .irq_intercept_out = fake_intercept,
    .set_irq_in = fake_set_irq_in,
};

/* Send {member: value} (value taken; NULL: {}), as QEMU does with "\r\n" after it. */
static void fake_send(Fake *f, const char *member, JsonNode *value)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL, *line = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, member);
    if (value) {
        json_builder_add_value(b, value);
    } else {
        json_builder_begin_object(b);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    text = json_to_string(root, FALSE);
    line = g_strdup_printf("%s\r\n", text);
    fake_write_all(f->qmp_fd, line, strlen(line));
}

static void G_GNUC_PRINTF(3, 4) fake_error(Fake *f, const char *cls, const char *fmt, ...)
{
    JsonObject *err = json_object_new();
    g_autofree char *desc = NULL;
    va_list ap;

    va_start(ap, fmt);
    desc = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    json_object_set_string_member(err, "class", cls);
    json_object_set_string_member(err, "desc", desc);
    fake_send(f, "error", json_node_init_object(json_node_alloc(), err));
    json_object_unref(err);
}

static void fake_event(Fake *f, const char *name, int i)
{
    g_autofree char *line = g_strdup_printf(
        "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"%s\", "
        "\"data\": {\"i\": %d}}\r\n", name, i);

    fake_write_all(f->qmp_fd, line, strlen(line));
}

static void fake_cmd_argv(Fake *f)
{
    JsonArray *arr = json_array_new();

    for (int i = 0; i < f->argc; i++) {
        json_array_add_string_element(arr, f->argv[i]);
    }
    fake_send(f, "return", json_node_init_array(json_node_alloc(), arr));
    json_array_unref(arr);
}

static gint fake_cmp_int(gconstpointer a, gconstpointer b)
{
    return *(const int *)a - *(const int *)b;
}

/* Open fds other than the fake's own, from /proc/self/fd. */
static void fake_cmd_open_fds(Fake *f)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
    g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
    JsonArray *arr = json_array_new();
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        int fd = atoi(name);

        if (fd != f->qtest_fd && fd != f->qmp_fd && fd != fileno(f->log)) {
            g_array_append_val(fds, fd);
        }
    }
    g_clear_pointer(&dir, g_dir_close); /* its own fd is now closed and drops out */
    g_array_sort(fds, fake_cmp_int);
    for (guint i = 0; i < fds->len; i++) {
        int fd = g_array_index(fds, int, i);

        if (fcntl(fd, F_GETFD) >= 0) {
            json_array_add_int_element(arr, fd);
        }
    }
    fake_send(f, "return", json_node_init_array(json_node_alloc(), arr));
    json_array_unref(arr);
}

static void fake_cmd_fd_write(Fake *f, JsonObject *args)
{
    int fd = json_object_get_int_member_with_default(args, "fd", -1);
    const char *data = json_object_get_string_member_with_default(args, "data", "");

    if (write(fd, data, strlen(data)) != (ssize_t)strlen(data)) {
        fake_error(f, "GenericError", "write to fd %d failed: %s", fd, g_strerror(errno));
        return;
    }
    fake_send(f, "return", NULL);
}

static void fake_qmp_command(Fake *f, const char *text)
{
    g_autoptr(JsonNode) node = json_from_string(text, NULL);
    g_autoptr(JsonObject) empty = json_object_new();
    JsonObject *cmd = node && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
    JsonObject *args = empty;
    const char *name;

    if (!cmd || !json_object_has_member(cmd, "execute")) {
        fake_error(f, "GenericError", "fake-hostdev: not a QMP command");
        return;
    }
    name = json_object_get_string_member(cmd, "execute");
    if (json_object_has_member(cmd, "arguments")) {
        args = json_object_get_object_member(cmd, "arguments");
    }
    if (!strcmp(name, "qmp_capabilities")) {
        fake_send(f, "return", NULL);
    } else if (!strcmp(name, "quit")) {
        fake_send(f, "return", NULL);
        fake_event(f, "SHUTDOWN", 0);
        f->quit = true;
    } else if (!strcmp(name, "fake-argv")) {
        fake_cmd_argv(f);
    } else if (!strcmp(name, "fake-events")) {
        const char *ev = json_object_get_string_member_with_default(args, "name", "FAKE");
        int count = json_object_get_int_member_with_default(args, "count", 1);

        for (int i = 0; i < count; i++) {
            fake_event(f, ev, i);
        }
        fake_send(f, "return", NULL);
    } else if (!strcmp(name, "fake-fd-write")) {
        fake_cmd_fd_write(f, args);
    } else if (!strcmp(name, "fake-open-fds")) {
        fake_cmd_open_fds(f);
    } else if (!strcmp(name, "fake-crash")) {
        abort();
    } else if (!strcmp(name, "fake-mute-qtest")) {
        f->mute_qtest = true;
        fake_send(f, "return", NULL);
    } else if (!strcmp(name, "fake-qtest-send")) {
        g_autofree char *line = g_strdup_printf(
            "%s\n", json_object_get_string_member_with_default(args, "line", ""));

        fake_write_all(f->qtest_fd, line, strlen(line));
        fake_send(f, "return", NULL);
    } else if (!strcmp(name, "fake-qmp-send")) {
        const char *raw = json_object_get_string_member_with_default(args, "text", "");

        fake_write_all(f->qmp_fd, raw, strlen(raw));
        fake_send(f, "return", NULL);
    } else {
        fake_error(f, "CommandNotFound", "The command %s has not been found", name);
    }
}

static int fake_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        fprintf(stderr, "fake-hostdev: cannot connect to '%s': %s\n", path, g_strerror(errno));
        exit(1);
    }
    return fd;
}

/* Fire the timers that are due; return the poll timeout until the next one (-1: none). */
static int fake_timers(Fake *f)
{
    gint64 now = g_get_monotonic_time(), next = G_MAXINT64;

    for (guint i = 0; i < f->timers->len;) {
        FakeTimer *t = &g_array_index(f->timers, FakeTimer, i);

        if (t->when <= now) {
            qtest_server_irq(f->server, t->line, true);
            g_array_remove_index(f->timers, i);
        } else {
            next = MIN(next, t->when);
            i++;
        }
    }
    return next == G_MAXINT64 ? -1 : (int)((next - now + 999) / 1000);
}

/* Serve both connections until quit or until hostdev's peer goes away. */
static void fake_serve(Fake *f)
{
    static const char greeting[] =
        "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 1, \"major\": 0},"
        " \"package\": \"fake\"}, \"capabilities\": []}}\r\n";
    char buf[65536];

    fake_write_all(f->qmp_fd, greeting, 20); /* in two pieces, to exercise the splitter */
    fake_write_all(f->qmp_fd, greeting + 20, strlen(greeting) - 20);
    while (!f->quit) {
        struct pollfd pfd[2] = {
            { .fd = f->mute_qtest ? -1 : f->qtest_fd, .events = POLLIN },
            { .fd = f->qmp_fd, .events = POLLIN },
        };
        ssize_t n;

        if (poll(pfd, 2, fake_timers(f)) < 0 && errno != EINTR) {
            return;
        }
        fake_timers(f);
        if (pfd[0].revents) {
            n = recv(f->qtest_fd, buf, sizeof(buf), 0);
            if (n <= 0) {
                return;
            }
            qtest_server_feed(f->server, buf, n);
        }
        if (pfd[1].revents) {
            n = recv(f->qmp_fd, buf, sizeof(buf), 0);
            if (n <= 0) {
                return;
            }
            qtest_json_stream_feed(f->qmp_in, buf, n);
            for (char *text; !f->quit && (text = qtest_json_stream_next(f->qmp_in));) {
                fake_qmp_command(f, text);
                g_free(text);
            }
        }
    }
}

/* The value of path=... in a -chardev socket option. */
static char *chardev_path(const char *opt)
{
    const char *p = strstr(opt, "path=");
    const char *end;

    if (!p) {
        return NULL;
    }
    p += 5;
    end = strchr(p, ',');
    return end ? g_strndup(p, end - p) : g_strdup(p);
}

int fake_hostdev_main(int argc, char **argv)
{
    g_autofree char *qmp_path = NULL;
    const char *qtest_path = NULL, *log_path = NULL, *accel = NULL;
    Fake *f = g_new0(Fake, 1);
    int status;

    f->argc = argc;
    f->argv = argv;
    for (int i = 1; i < argc; i++) {
        const char *val = i + 1 < argc ? argv[i + 1] : "";

        if (!strcmp(argv[i], "-fake-exit-early")) {
            fprintf(stderr, "fake-hostdev: refusing to start, as asked\n");
            g_free(f);
            return 1;
        } else if (!strcmp(argv[i], "-fake-no-connect")) {
            for (;;) {
                pause();
            }
        } else if (!strcmp(argv[i], "-qtest") && g_str_has_prefix(val, "unix:")) {
            qtest_path = val + 5;
        } else if (!strcmp(argv[i], "-qtest-log")) {
            log_path = val;
        } else if (!strcmp(argv[i], "-chardev")) {
            g_free(qmp_path);
            qmp_path = chardev_path(val);
        } else if (!strcmp(argv[i], "-accel")) {
            accel = val;
        } else if (!strcmp(argv[i], "-fake-quit-status")) {
            f->quit_status = atoi(val);
        }
    }
    if (!qtest_path || !qmp_path || !log_path || g_strcmp0(accel, "qtest")) {
        fputs(fake_usage, stderr);
        g_free(f);
        return 1;
    }
    f->qtest_fd = fake_connect(qtest_path);
    f->qmp_fd = fake_connect(qmp_path);
    f->log = fopen(log_path, "we");
    if (!f->log) {
        fprintf(stderr, "fake-hostdev: cannot open '%s': %s\n", log_path, g_strerror(errno));
        exit(1);
    }
    f->ram = g_malloc0(FAKE_RAM_SIZE);
    f->timers = g_array_new(FALSE, FALSE, sizeof(FakeTimer));
    f->qmp_in = qtest_json_stream_new();
    f->server = qtest_server_new(&fake_ops, f, fake_qtest_write, f);
    qtest_server_set_log(f->server, f->log);

    fake_serve(f);

    status = f->quit ? f->quit_status : 0;
    qtest_server_free(f->server);
    qtest_json_stream_free(f->qmp_in);
    g_array_unref(f->timers);
    g_free(f->ram);
    fclose(f->log);
    close(f->qtest_fd);
    close(f->qmp_fd);
    g_free(f);
    return status;
}
