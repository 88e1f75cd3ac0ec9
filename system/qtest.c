/*
 * qtest server: splits the peer's bytes into lines, runs each command against the machine's
 * QtestBackend and answers with QEMU's reply formats ("OK ...", "FAIL <reason>", "IRQ ...").
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "system/qtest.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

/* memset writes its pattern in chunks of this size and refuses more than QTEST_MAX_MEMSET. */
#define MEMSET_CHUNK (64 * 1024)
#define QTEST_MAX_MEMSET ((uint64_t)1 << 32)

struct QtestServer {
    const QtestBackend *ops;
    void *opaque;
    QtestWriteFn write;
    void *write_opaque;
    GString *line;          /* the partial request line received so far */
    bool discarding;        /* dropping the rest of an overlong line */
    uint64_t discarded;     /* bytes of that line dropped so far */
    FILE *log;
    gint64 start_us;        /* log timestamps are relative to this */
    char *intercepted;      /* QOM path whose IRQs are reported, NULL while none */
    GHashTable *irq_levels; /* line number -> last level reported (absent: low) */
};

typedef struct QtestCmd QtestCmd;
typedef void (*QtestCmdFn)(QtestServer *s, const QtestCmd *cmd, char **args);

struct QtestCmd {
    const char *name;
    QtestCmdFn fn;
    int min_args;
    int max_args;
    unsigned size; /* access width in bytes for the sized commands, 0 otherwise */
    const char *usage;
};

static void qtest_log(QtestServer *s, char dir, const char *text)
{
    if (s->log) {
        double secs = (g_get_monotonic_time() - s->start_us) / 1e6;

        fprintf(s->log, "[%c +%f] %s\n", dir, secs, text);
        fflush(s->log);
    }
}

/* Send one line (without its "\n") to the peer and log it. */
static void qtest_send(QtestServer *s, GString *text)
{
    qtest_log(s, 'S', text->str);
    g_string_append_c(text, '\n');
    s->write(s->write_opaque, text->str, text->len);
}

static void G_GNUC_PRINTF(2, 3) qtest_reply(QtestServer *s, const char *fmt, ...)
{
    g_autoptr(GString) text = g_string_new(NULL);
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(text, fmt, ap);
    va_end(ap);
    qtest_send(s, text);
}

static void qtest_unsupported(QtestServer *s, const QtestCmd *cmd)
{
    qtest_reply(s, "FAIL %s: not supported by this machine", cmd->name);
}

/* An unsigned number in decimal, 0x hex or 0 octal, the whole word, at most max. */
static bool arg_u64(QtestServer *s, const QtestCmd *cmd, const char *what, const char *word,
                    uint64_t max, uint64_t *value)
{
    char *end = NULL;

    if (!g_ascii_isdigit(word[0])) {
        qtest_reply(s, "FAIL %s: invalid %s '%s'", cmd->name, what, word);
        return false;
    }
    errno = 0;
    *value = g_ascii_strtoull(word, &end, 0);
    if (errno || *end != '\0') {
        qtest_reply(s, "FAIL %s: invalid %s '%s'", cmd->name, what, word);
        return false;
    }
    if (*value > max) {
        qtest_reply(s, "FAIL %s: %s '%s' out of range (at most 0x%" PRIx64 ")", cmd->name, what,
                    word, max);
        return false;
    }
    return true;
}

/* A signed number in the range of int, optionally with a leading '-'. */
static bool arg_int(QtestServer *s, const QtestCmd *cmd, const char *what, const char *word,
                    int *value)
{
    const char *digits = word[0] == '-' ? word + 1 : word;
    char *end = NULL;
    gint64 v;

    if (!g_ascii_isdigit(digits[0])) {
        qtest_reply(s, "FAIL %s: invalid %s '%s'", cmd->name, what, word);
        return false;
    }
    errno = 0;
    v = g_ascii_strtoll(word, &end, 0);
    if (errno || *end != '\0' || v < INT_MIN || v > INT_MAX) {
        qtest_reply(s, "FAIL %s: invalid %s '%s'", cmd->name, what, word);
        return false;
    }
    *value = (int)v;
    return true;
}

/* ADDR and SIZE of a ranged access: the range may not wrap around the address space. */
static bool arg_range(QtestServer *s, const QtestCmd *cmd, char **args, uint64_t max_size,
                      uint64_t *addr, uint64_t *size)
{
    if (!arg_u64(s, cmd, "address", args[0], UINT64_MAX, addr) ||
        !arg_u64(s, cmd, "size", args[1], max_size, size)) {
        return false;
    }
    if (*size && *addr > UINT64_MAX - (*size - 1)) {
        qtest_reply(s, "FAIL %s: range at %s of %s bytes wraps around the address space",
                    cmd->name, args[0], args[1]);
        return false;
    }
    return true;
}

static uint64_t width_mask(unsigned size)
{
    return size == 8 ? UINT64_MAX : ((uint64_t)1 << (size * 8)) - 1;
}

static void cmd_out(QtestServer *s, const QtestCmd *cmd, char **args)
{
    uint64_t port, value;

    if (!arg_u64(s, cmd, "port", args[0], 0xffff, &port) ||
        !arg_u64(s, cmd, "value", args[1], width_mask(cmd->size), &value)) {
        return;
    }
    if (!s->ops->pio_out) {
        qtest_unsupported(s, cmd);
        return;
    }
    s->ops->pio_out(s->opaque, port, value, cmd->size);
    qtest_reply(s, "OK");
}

static void cmd_in(QtestServer *s, const QtestCmd *cmd, char **args)
{
    uint64_t port;
    uint32_t value;

    if (!arg_u64(s, cmd, "port", args[0], 0xffff, &port)) {
        return;
    }
    if (!s->ops->pio_in) {
        qtest_unsupported(s, cmd);
        return;
    }
    value = s->ops->pio_in(s->opaque, port, cmd->size) & width_mask(cmd->size);
    /* QEMU's format for all three widths: at least four digits ("OK 0x00b2"). */
    qtest_reply(s, "OK 0x%04" PRIx32, value);
}

static void cmd_write_sized(QtestServer *s, const QtestCmd *cmd, char **args)
{
    uint64_t addr, value, end;
    uint8_t buf[8];

    if (!arg_u64(s, cmd, "address", args[0], UINT64_MAX, &addr) ||
        !arg_u64(s, cmd, "value", args[1], width_mask(cmd->size), &value)) {
        return;
    }
    if (__builtin_add_overflow(addr, cmd->size - 1, &end)) {
        qtest_reply(s, "FAIL %s: address '%s' wraps around the address space", cmd->name,
                    args[0]);
        return;
    }
    if (!s->ops->mem_write) {
        qtest_unsupported(s, cmd);
        return;
    }
    for (unsigned i = 0; i < cmd->size; i++) {
        buf[i] = value >> (8 * i); /* the guest is little-endian */
    }
    s->ops->mem_write(s->opaque, addr, buf, cmd->size);
    qtest_reply(s, "OK");
}

static void cmd_read_sized(QtestServer *s, const QtestCmd *cmd, char **args)
{
    uint64_t addr, value = 0, end;
    uint8_t buf[8];

    if (!arg_u64(s, cmd, "address", args[0], UINT64_MAX, &addr)) {
        return;
    }
    if (__builtin_add_overflow(addr, cmd->size - 1, &end)) {
        qtest_reply(s, "FAIL %s: address '%s' wraps around the address space", cmd->name,
                    args[0]);
        return;
    }
    if (!s->ops->mem_read) {
        qtest_unsupported(s, cmd);
        return;
    }
    memset(buf, 0xff, sizeof(buf));
    s->ops->mem_read(s->opaque, addr, buf, cmd->size);
    for (unsigned i = 0; i < cmd->size; i++) {
        value |= (uint64_t)buf[i] << (8 * i);
    }
    /* QEMU's format for all four widths: sixteen digits ("OK 0x00000000000000b2"). */
    qtest_reply(s, "OK 0x%016" PRIx64, value);
}

/* Read SIZE bytes for read/b64read; NULL (reply sent) on error. */
static uint8_t *read_range(QtestServer *s, const QtestCmd *cmd, char **args, uint64_t *size)
{
    uint64_t addr;
    uint8_t *buf;

    if (!arg_range(s, cmd, args, QTEST_SERVER_MAX_ACCESS, &addr, size)) {
        return NULL;
    }
    if (!s->ops->mem_read) {
        qtest_unsupported(s, cmd);
        return NULL;
    }
    buf = g_malloc(*size + 1);
    memset(buf, 0xff, *size);
    if (*size) {
        s->ops->mem_read(s->opaque, addr, buf, *size);
    }
    return buf;
}

static void cmd_read(QtestServer *s, const QtestCmd *cmd, char **args)
{
    g_autoptr(GString) text = NULL;
    g_autofree uint8_t *buf = NULL;
    uint64_t size;

    buf = read_range(s, cmd, args, &size);
    if (!buf) {
        return;
    }
    text = g_string_sized_new(size * 2 + 8);
    g_string_append(text, "OK 0x");
    for (uint64_t i = 0; i < size; i++) {
        g_string_append_printf(text, "%02x", buf[i]);
    }
    qtest_send(s, text);
}

static void cmd_b64read(QtestServer *s, const QtestCmd *cmd, char **args)
{
    g_autofree uint8_t *buf = NULL;
    g_autofree char *b64 = NULL;
    uint64_t size;

    buf = read_range(s, cmd, args, &size);
    if (!buf) {
        return;
    }
    b64 = g_base64_encode(buf, size);
    qtest_reply(s, "OK %s", b64);
}

/* Write data (len <= size) at addr, the rest of size as zeroes. */
static void write_range(QtestServer *s, uint64_t addr, uint64_t size, const uint8_t *data,
                        size_t len)
{
    g_autofree uint8_t *buf = g_malloc0(size + 1);

    memcpy(buf, data, len);
    if (size) {
        s->ops->mem_write(s->opaque, addr, buf, size);
    }
    qtest_reply(s, "OK");
}

/* QEMU answers write and b64write whose data has fewer than 3 characters with this. */
static bool data_too_short(QtestServer *s, const char *data)
{
    if (strlen(data) < 3) {
        qtest_reply(s, "ERR invalid argument size");
        return true;
    }
    return false;
}

static void cmd_write(QtestServer *s, const QtestCmd *cmd, char **args)
{
    const char *hex = args[2];
    g_autofree uint8_t *data = NULL;
    uint64_t addr, size;
    size_t digits, len;

    if (!arg_range(s, cmd, args, QTEST_SERVER_MAX_ACCESS, &addr, &size) ||
        data_too_short(s, hex)) {
        return;
    }
    if (hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X')) {
        qtest_reply(s, "FAIL write: data must start with 0x, got '%.16s'", hex);
        return;
    }
    hex += 2;
    /* As QEMU: digits past SIZE bytes are ignored, missing bytes are zero. */
    digits = MIN(strlen(hex), 2 * size);
    if (digits % 2) {
        qtest_reply(s, "FAIL write: odd number of hex digits (%zu) in data", digits);
        return;
    }
    len = digits / 2;
    data = g_malloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        int hi = g_ascii_xdigit_value(hex[2 * i]), lo = g_ascii_xdigit_value(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            qtest_reply(s, "FAIL write: invalid hex digit at data offset %zu", 2 * i);
            return;
        }
        data[i] = hi << 4 | lo;
    }
    if (!s->ops->mem_write) {
        qtest_unsupported(s, cmd);
        return;
    }
    write_range(s, addr, size, data, len);
}

static bool is_base64(const char *text)
{
    size_t len = strlen(text), pad = 0;

    if (len % 4) {
        return false;
    }
    while (pad < 2 && pad < len && text[len - 1 - pad] == '=') {
        pad++;
    }
    for (size_t i = 0; i < len - pad; i++) {
        if (!g_ascii_isalnum(text[i]) && text[i] != '+' && text[i] != '/') {
            return false;
        }
    }
    return true;
}

static void cmd_b64write(QtestServer *s, const QtestCmd *cmd, char **args)
{
    g_autofree uint8_t *data = NULL;
    uint64_t addr, size;
    gsize len;

    if (!arg_range(s, cmd, args, QTEST_SERVER_MAX_ACCESS, &addr, &size) ||
        data_too_short(s, args[2])) {
        return;
    }
    if (!is_base64(args[2])) {
        qtest_reply(s, "FAIL b64write: data is not valid base64");
        return;
    }
    data = g_base64_decode(args[2], &len);
    /* As QEMU: data past SIZE bytes is ignored (the log notes the mismatch). */
    if (len != size) {
        g_autofree char *note = g_strdup_printf(
            "b64write: data length mismatch (told %" PRIu64 ", found %zu)", size, (size_t)len);

        qtest_log(s, 'S', note);
        len = MIN(len, size);
    }
    if (!s->ops->mem_write) {
        qtest_unsupported(s, cmd);
        return;
    }
    write_range(s, addr, size, data, len);
}

static void cmd_memset(QtestServer *s, const QtestCmd *cmd, char **args)
{
    g_autofree uint8_t *chunk = NULL;
    uint64_t addr, size, value;

    if (!arg_range(s, cmd, args, QTEST_MAX_MEMSET, &addr, &size) ||
        !arg_u64(s, cmd, "value", args[2], 0xff, &value)) {
        return;
    }
    if (!s->ops->mem_write) {
        qtest_unsupported(s, cmd);
        return;
    }
    chunk = g_malloc(MIN(size, MEMSET_CHUNK) + 1);
    memset(chunk, value, MIN(size, MEMSET_CHUNK));
    for (uint64_t done = 0; done < size;) {
        size_t n = MIN(size - done, MEMSET_CHUNK);

        s->ops->mem_write(s->opaque, addr + done, chunk, n);
        done += n;
    }
    qtest_reply(s, "OK");
}

/* QEMU's reply to clock_step without a time when no timer is pending. */
#define QTEST_NO_DEADLINE \
    "FAIL cannot advance clock to the next deadline because there is no pending deadline"

/* QEMU's replies: OK with the new clock only when time moved, FAIL saying why otherwise. */
static void cmd_clock_step(QtestServer *s, const QtestCmd *cmd, char **args)
{
    uint64_t ns = QTEST_CLOCK_STEP_NEXT;
    int64_t old_ns, new_ns;

    if (args[0] && !arg_u64(s, cmd, "time", args[0], INT64_MAX, &ns)) {
        return;
    }
    if (!s->ops->clock_step || !s->ops->clock_get) {
        qtest_unsupported(s, cmd);
        return;
    }
    old_ns = s->ops->clock_get(s->opaque);
    new_ns = s->ops->clock_step(s->opaque, (int64_t)ns);
    if (new_ns < 0) {
        qtest_reply(s, "%s", QTEST_NO_DEADLINE);
    } else if (new_ns > old_ns) {
        qtest_reply(s, "OK %" PRIi64, new_ns);
    } else {
        qtest_reply(s, "FAIL could not advance time");
    }
}

static void cmd_clock_set(QtestServer *s, const QtestCmd *cmd, char **args)
{
    int64_t new_ns;
    uint64_t ns;

    if (!arg_u64(s, cmd, "time", args[0], INT64_MAX, &ns)) {
        return;
    }
    if (!s->ops->clock_set) {
        qtest_unsupported(s, cmd);
        return;
    }
    new_ns = s->ops->clock_set(s->opaque, (int64_t)ns);
    /* As QEMU: an earlier time leaves the clock and answers FAIL with where it is. */
    qtest_reply(s, "%s %" PRIi64, new_ns == (int64_t)ns ? "OK" : "FAIL", new_ns);
}

/* The canonical path of @path (g_free), or NULL with the FAIL reply sent. */
static char *resolve_path(QtestServer *s, const char *path)
{
    g_autoptr(GError) err = NULL;
    char *resolved;

    if (!s->ops->resolve) {
        return g_strdup(path);
    }
    resolved = s->ops->resolve(s->opaque, path, &err);
    if (!resolved) {
        qtest_reply(s, "FAIL %s", err ? err->message : "Unknown device");
    }
    return resolved;
}

static void cmd_irq_intercept(QtestServer *s, const QtestCmd *cmd, char **args)
{
    bool (*intercept)(void *, const char *, GError **);
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;

    intercept = strcmp(cmd->name, "irq_intercept_in") ? s->ops->irq_intercept_out
                                                       : s->ops->irq_intercept_in;
    if (!intercept) {
        qtest_unsupported(s, cmd);
        return;
    }
    path = resolve_path(s, args[0]);
    if (!path) {
        return;
    }
    if (s->intercepted) {
        /* As QEMU: the device already intercepted is fine, another one is not. */
        if (!strcmp(s->intercepted, path)) {
            qtest_reply(s, "OK");
        } else {
            qtest_reply(s, "FAIL IRQ intercept already enabled");
        }
        return;
    }
    if (!intercept(s->opaque, path, &err)) {
        qtest_reply(s, "FAIL %s", err ? err->message : "interception refused");
        return;
    }
    s->intercepted = g_steal_pointer(&path);
    qtest_reply(s, "OK");
}

static void cmd_set_irq_in(QtestServer *s, const QtestCmd *cmd, char **args)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    uint64_t n;
    int level;

    if (!arg_u64(s, cmd, "line number", args[2], INT_MAX, &n) ||
        !arg_int(s, cmd, "level", args[3], &level)) {
        return;
    }
    if (!s->ops->set_irq_in) {
        qtest_unsupported(s, cmd);
        return;
    }
    path = resolve_path(s, args[0]);
    if (!path) {
        return;
    }
    if (!s->ops->set_irq_in(s->opaque, path, args[1], (int)n, level, &err)) {
        qtest_reply(s, "FAIL %s", err ? err->message : "set_irq_in refused");
        return;
    }
    qtest_reply(s, "OK");
}

static void cmd_endianness(QtestServer *s, const QtestCmd *cmd, char **args)
{
    (void)cmd;
    (void)args;
    qtest_reply(s, "OK little");
}

static void cmd_module_load(QtestServer *s, const QtestCmd *cmd, char **args)
{
    (void)cmd;
    (void)args;
    qtest_reply(s, "FAIL module_load: hostdev is built without loadable modules");
}

static const QtestCmd qtest_cmds[] = {
    { "outb", cmd_out, 2, 2, 1, "outb PORT VALUE" },
    { "outw", cmd_out, 2, 2, 2, "outw PORT VALUE" },
    { "outl", cmd_out, 2, 2, 4, "outl PORT VALUE" },
    { "inb", cmd_in, 1, 1, 1, "inb PORT" },
    { "inw", cmd_in, 1, 1, 2, "inw PORT" },
    { "inl", cmd_in, 1, 1, 4, "inl PORT" },
    { "writeb", cmd_write_sized, 2, 2, 1, "writeb ADDR VALUE" },
    { "writew", cmd_write_sized, 2, 2, 2, "writew ADDR VALUE" },
    { "writel", cmd_write_sized, 2, 2, 4, "writel ADDR VALUE" },
    { "writeq", cmd_write_sized, 2, 2, 8, "writeq ADDR VALUE" },
    { "readb", cmd_read_sized, 1, 1, 1, "readb ADDR" },
    { "readw", cmd_read_sized, 1, 1, 2, "readw ADDR" },
    { "readl", cmd_read_sized, 1, 1, 4, "readl ADDR" },
    { "readq", cmd_read_sized, 1, 1, 8, "readq ADDR" },
    { "read", cmd_read, 2, 2, 0, "read ADDR SIZE" },
    { "write", cmd_write, 3, 3, 0, "write ADDR SIZE 0xDATA" },
    { "b64read", cmd_b64read, 2, 2, 0, "b64read ADDR SIZE" },
    { "b64write", cmd_b64write, 3, 3, 0, "b64write ADDR SIZE BASE64" },
    { "memset", cmd_memset, 3, 3, 0, "memset ADDR SIZE VALUE" },
    { "clock_step", cmd_clock_step, 0, 1, 0, "clock_step [NS]" },
    { "clock_set", cmd_clock_set, 1, 1, 0, "clock_set NS" },
    { "irq_intercept_in", cmd_irq_intercept, 1, 1, 0, "irq_intercept_in QOM-PATH" },
    { "irq_intercept_out", cmd_irq_intercept, 1, 1, 0, "irq_intercept_out QOM-PATH" },
    { "set_irq_in", cmd_set_irq_in, 4, 4, 0, "set_irq_in QOM-PATH NAME NUM LEVEL" },
    { "endianness", cmd_endianness, 0, 0, 0, "endianness" },
    { "module_load", cmd_module_load, 0, 2, 0, "module_load PREFIX NAME" },
};

/* Commands added by subsystems (qtest_server_add_command()), name -> QtestExt. */
typedef struct QtestExt {
    QtestCmd cmd;
    QtestExtFn fn;
} QtestExt;

static GHashTable *ext_cmds;

static void cmd_ext(QtestServer *s, const QtestCmd *cmd, char **args)
{
    const QtestExt *ext = (const QtestExt *)cmd;
    g_autoptr(GError) err = NULL;
    g_autofree char *text = ext->fn(args, &err);

    if (!text) {
        qtest_reply(s, "FAIL %s: %s", cmd->name, err ? err->message : "failed");
        return;
    }
    if (*text) {
        qtest_reply(s, "OK %s", text);
    } else {
        qtest_reply(s, "OK");
    }
}

static void ext_free(gpointer p)
{
    QtestExt *ext = p;

    g_free((char *)ext->cmd.name);
    g_free((char *)ext->cmd.usage);
    g_free(ext);
}

void qtest_server_add_command(const char *name, int min_args, int max_args, const char *usage,
                              QtestExtFn fn)
{
    QtestExt *ext;

    g_return_if_fail(name && usage && fn && min_args >= 0 && max_args >= min_args);
    for (size_t i = 0; i < G_N_ELEMENTS(qtest_cmds); i++) {
        g_return_if_fail(strcmp(qtest_cmds[i].name, name) != 0);
    }
    if (!ext_cmds) {
        ext_cmds = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, ext_free);
    }
    ext = g_new0(QtestExt, 1);
    ext->cmd = (QtestCmd){ g_strdup(name), cmd_ext, min_args, max_args, 0, g_strdup(usage) };
    ext->fn = fn;
    g_hash_table_replace(ext_cmds, (char *)ext->cmd.name, ext);
}

/* Run one request line (no "\n"); empty lines are ignored, as QEMU does. */
static void qtest_process_line(QtestServer *s, char *line, size_t len)
{
    g_auto(GStrv) words = NULL;
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    const QtestCmd *cmd = NULL;

    if (len && line[len - 1] == '\r') {
        line[--len] = '\0';
    }
    qtest_log(s, 'R', line);
    if (memchr(line, '\0', len)) {
        qtest_reply(s, "FAIL request contains a NUL byte");
        return;
    }
    words = g_strsplit_set(line, " \t", -1);
    for (char **w = words; *w; w++) {
        if (**w) {
            g_ptr_array_add(args, *w);
        }
    }
    if (!args->len) {
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(qtest_cmds); i++) {
        if (!strcmp(qtest_cmds[i].name, args->pdata[0])) {
            cmd = &qtest_cmds[i];
            break;
        }
    }
    if (!cmd && ext_cmds) {
        cmd = g_hash_table_lookup(ext_cmds, args->pdata[0]);
    }
    if (!cmd) {
        qtest_reply(s, "FAIL Unknown command '%s'", (char *)args->pdata[0]);
        return;
    }
    if ((int)args->len - 1 < cmd->min_args) {
        qtest_reply(s, "FAIL %s: missing argument (usage: %s)", cmd->name, cmd->usage);
        return;
    }
    if ((int)args->len - 1 > cmd->max_args) {
        qtest_reply(s, "FAIL %s: too many arguments (usage: %s)", cmd->name, cmd->usage);
        return;
    }
    g_ptr_array_add(args, NULL);
    cmd->fn(s, cmd, (char **)args->pdata + 1);
}

QtestServer *qtest_server_new(const QtestBackend *ops, void *opaque, QtestWriteFn write,
                              void *write_opaque)
{
    QtestServer *s;

    g_return_val_if_fail(ops && write, NULL);
    s = g_new0(QtestServer, 1);
    s->ops = ops;
    s->opaque = opaque;
    s->write = write;
    s->write_opaque = write_opaque;
    s->line = g_string_new(NULL);
    s->start_us = g_get_monotonic_time();
    s->irq_levels = g_hash_table_new(g_direct_hash, g_direct_equal);
    return s;
}

void qtest_server_feed(QtestServer *s, const char *data, size_t len)
{
    const size_t max = QTEST_SERVER_MAX_LINE - 1; /* the newline is not stored */

    while (len) {
        const char *nl = memchr(data, '\n', len);
        size_t n = nl ? (size_t)(nl - data) : len;

        if (!s->discarding && s->line->len + n > max) {
            s->discarding = true;
            s->discarded = s->line->len;
            g_string_truncate(s->line, 0);
        }
        if (s->discarding) {
            s->discarded += n;
        } else {
            g_string_append_len(s->line, data, n);
        }
        if (!nl) {
            return;
        }
        if (s->discarding) {
            g_autofree char *note =
                g_strdup_printf("<%" PRIu64 " bytes dropped>", s->discarded);

            qtest_log(s, 'R', note);
            qtest_reply(s, "FAIL line too long (%" PRIu64 " bytes, at most %d)", s->discarded,
                        QTEST_SERVER_MAX_LINE - 1);
            s->discarding = false;
            s->discarded = 0;
        } else {
            qtest_process_line(s, s->line->str, s->line->len);
            g_string_truncate(s->line, 0);
        }
        data += n + 1;
        len -= n + 1;
    }
}

void qtest_server_irq(QtestServer *s, int line, bool level)
{
    gpointer key = GINT_TO_POINTER(line);

    g_return_if_fail(line >= 0);
    if (!s->intercepted || g_hash_table_contains(s->irq_levels, key) == level) {
        return;
    }
    if (level) {
        g_hash_table_add(s->irq_levels, key);
    } else {
        g_hash_table_remove(s->irq_levels, key);
    }
    qtest_reply(s, "IRQ %s %d", level ? "raise" : "lower", line);
}

void qtest_server_set_log(QtestServer *s, FILE *log)
{
    s->log = log;
}

void qtest_server_free(QtestServer *s)
{
    if (!s) {
        return;
    }
    g_string_free(s->line, TRUE);
    g_hash_table_destroy(s->irq_levels);
    g_free(s->intercepted);
    g_free(s);
}
