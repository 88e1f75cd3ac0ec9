/*
 * Unit tests of the JSON stream splitter and of QMP's JSON text form: chunking, strings and
 * escapes, garbage and resynchronisation, size and depth limits, resets from the callback.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "monitor/json-splitter.h"
#include "monitor/qmp.h"

typedef struct Sink {
    GPtrArray *items; /* "OBJ:<text>" or "ERR<code>:<message>" */
    JsonSplitter *js;
    bool reset_on_first;
} Sink;

static void sink_cb(void *opaque, const char *text, gsize len, const GError *error)
{
    Sink *s = opaque;

    if (error) {
        g_assert_true(error->domain == JSON_SPLITTER_ERROR);
        g_assert_null(text);
        g_ptr_array_add(s->items, g_strdup_printf("ERR%d:%s", error->code, error->message));
    } else {
        g_assert_cmpuint(strlen(text), ==, len);
        g_ptr_array_add(s->items, g_strdup_printf("OBJ:%s", text));
    }
    if (s->reset_on_first) {
        json_splitter_reset(s->js);
    }
}

static void sink_init(Sink *s, gsize max)
{
    *s = (Sink){ .items = g_ptr_array_new_with_free_func(g_free) };
    s->js = json_splitter_new(max, sink_cb, s);
}

static void sink_clear(Sink *s)
{
    json_splitter_free(s->js);
    g_ptr_array_unref(s->items);
}

static const char *item(Sink *s, guint i)
{
    g_assert_cmpuint(i, <, s->items->len);
    return s->items->pdata[i];
}

static void feed_str(Sink *s, const char *str)
{
    json_splitter_feed(s->js, str, strlen(str));
}

static void test_byte_by_byte(void)
{
    const char *in = " {\"execute\": \"query-version\", \"id\": {\"a\": [1, {}]}}\r\n{}";
    Sink s;

    sink_init(&s, 1024);
    for (const char *p = in; *p; p++) {
        json_splitter_feed(s.js, p, 1);
    }
    g_assert_cmpuint(s.items->len, ==, 2);
    g_assert_cmpstr(item(&s, 0), ==,
                    "OBJ:{\"execute\": \"query-version\", \"id\": {\"a\": [1, {}]}}");
    g_assert_cmpstr(item(&s, 1), ==, "OBJ:{}");
    sink_clear(&s);
}

static void test_several_in_one_read(void)
{
    Sink s;

    sink_init(&s, 1024);
    feed_str(&s, "{\"a\":1}{\"b\":2}\n\t{\"c\":\n3}{\"d\"");
    g_assert_cmpuint(s.items->len, ==, 3);
    g_assert_cmpstr(item(&s, 0), ==, "OBJ:{\"a\":1}");
    g_assert_cmpstr(item(&s, 1), ==, "OBJ:{\"b\":2}");
    g_assert_cmpstr(item(&s, 2), ==, "OBJ:{\"c\":\n3}");
    feed_str(&s, ":4}");
    g_assert_cmpstr(item(&s, 3), ==, "OBJ:{\"d\":4}");
    sink_clear(&s);
}

static void test_strings(void)
{
    Sink s;

    sink_init(&s, 1024);
    /* Braces in strings, escaped quotes and backslashes, single quotes as json-glib reads. */
    feed_str(&s, "{\"k\": \"}{\\\"}\\\\\"}");
    feed_str(&s, "{'q': '}\\'{'}");
    feed_str(&s, "{\"s\": \"it's }\"}");
    g_assert_cmpuint(s.items->len, ==, 3);
    g_assert_cmpstr(item(&s, 0), ==, "OBJ:{\"k\": \"}{\\\"}\\\\\"}");
    g_assert_cmpstr(item(&s, 1), ==, "OBJ:{'q': '}\\'{'}");
    g_assert_cmpstr(item(&s, 2), ==, "OBJ:{\"s\": \"it's }\"}");
    sink_clear(&s);
}

static void test_garbage_then_object(void)
{
    Sink s;

    sink_init(&s, 1024);
    feed_str(&s, "hello world\n42 [1, {\"x\": \"]\"}] \"str{\" } \x01{\"ok\":true}");
    /* One error per garbage run or non-object value; the object after them gets through. */
    g_assert_cmpuint(s.items->len, ==, 8);
    g_assert_cmpstr(item(&s, 0), ==, "ERR0:Expected a JSON object, got 'h'");
    g_assert_cmpstr(item(&s, 1), ==, "ERR0:Expected a JSON object, got 'w'");
    g_assert_cmpstr(item(&s, 2), ==, "ERR0:Expected a JSON object, got '4'");
    g_assert_cmpstr(item(&s, 3), ==, "ERR0:Expected a JSON object, got an array");
    g_assert_cmpstr(item(&s, 4), ==, "ERR0:Expected a JSON object, got a string");
    g_assert_cmpstr(item(&s, 5), ==, "ERR0:Expected a JSON object, got '}'");
    g_assert_cmpstr(item(&s, 6), ==, "ERR0:Expected a JSON object, got byte 0x01");
    g_assert_cmpstr(item(&s, 7), ==, "OBJ:{\"ok\":true}");
    sink_clear(&s);

    sink_init(&s, 1024);
    feed_str(&s, "xyz{\"ok\":true}");
    g_assert_cmpuint(s.items->len, ==, 2);
    g_assert_cmpstr(item(&s, 1), ==, "OBJ:{\"ok\":true}");
    sink_clear(&s);
}

static void test_oversize(void)
{
    g_autoptr(GString) big = g_string_new("{\"k\": \"");
    Sink s;

    sink_init(&s, 64);
    for (int i = 0; i < 100; i++) {
        g_string_append(big, "}{");
    }
    g_string_append(big, "\"}{\"after\": 1}");
    /* Fed in odd pieces: one error, nothing of the big object, then the next object. */
    for (gsize off = 0; off < big->len; off += 7) {
        json_splitter_feed(s.js, big->str + off, MIN(7, big->len - off));
    }
    g_assert_cmpuint(s.items->len, ==, 2);
    g_assert_cmpstr(item(&s, 0), ==,
                    "ERR1:JSON object is larger than 64 bytes: split the request");
    g_assert_cmpstr(item(&s, 1), ==, "OBJ:{\"after\": 1}");
    sink_clear(&s);
}

static void test_too_deep(void)
{
    g_autoptr(GString) deep = g_string_new(NULL);
    Sink s;

    sink_init(&s, 1 << 20);
    g_string_append_c(deep, '{');
    g_string_append(deep, "\"a\":");
    for (int i = 0; i < 5000; i++) {
        g_string_append_c(deep, '[');
    }
    for (int i = 0; i < 5000; i++) {
        g_string_append_c(deep, ']');
    }
    g_string_append(deep, "}{}");
    json_splitter_feed(s.js, deep->str, deep->len);
    g_assert_cmpuint(s.items->len, ==, 2);
    g_assert_true(g_str_has_prefix(item(&s, 0), "ERR2:"));
    g_assert_cmpstr(item(&s, 1), ==, "OBJ:{}");
    sink_clear(&s);
}

static void test_reset(void)
{
    Sink s;

    sink_init(&s, 1024);
    feed_str(&s, "{\"partial\": ");
    json_splitter_reset(s.js);
    feed_str(&s, "{\"fresh\": 1}");
    g_assert_cmpuint(s.items->len, ==, 1);
    g_assert_cmpstr(item(&s, 0), ==, "OBJ:{\"fresh\": 1}");

    /* A reset from the callback drops the rest of the chunk. */
    s.reset_on_first = true;
    feed_str(&s, "{\"a\":1}{\"b\":2}");
    g_assert_cmpuint(s.items->len, ==, 2);
    feed_str(&s, "! {\"c\":3}");
    g_assert_cmpuint(s.items->len, ==, 3);
    g_assert_true(g_str_has_prefix(item(&s, 2), "ERR0:"));
    sink_clear(&s);
}

static char *to_text(const char *json)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    GString *out = g_string_new(NULL);

    g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
    qmp_json_append(out, json_parser_get_root(parser));
    return g_string_free(out, FALSE);
}

static void test_writer(void)
{
    static const char *const cases[][2] = {
        { "{\"a\":1,\"b\":[true,false,null],\"c\":{}}",
          "{\"a\": 1, \"b\": [true, false, null], \"c\": {}}" },
        { "{\"z\":1,\"y\":2}", "{\"z\": 1, \"y\": 2}" },
        { "[]", "[]" },
        { "{\"s\":\"q\\\" b\\\\ n\\n t\\t c\\u0001 \\u00e9\"}",
          "{\"s\": \"q\\\" b\\\\ n\\n t\\t c\\u0001 \xc3\xa9\"}" },
        { "[1.5, 0.1, -2, 1e300, 1e999]", "[1.5, 0.1, -2, 1e+300, null]" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = to_text(cases[i][0]);

        g_assert_cmpstr(text, ==, cases[i][1]);
    }

    g_autoptr(GString) out = g_string_new(NULL);
    qmp_json_append(out, NULL);
    g_assert_cmpstr(out->str, ==, "null");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/stream/byte-by-byte", test_byte_by_byte);
    g_test_add_func("/qmp/stream/several-in-one-read", test_several_in_one_read);
    g_test_add_func("/qmp/stream/strings", test_strings);
    g_test_add_func("/qmp/stream/garbage", test_garbage_then_object);
    g_test_add_func("/qmp/stream/oversize", test_oversize);
    g_test_add_func("/qmp/stream/too-deep", test_too_deep);
    g_test_add_func("/qmp/stream/reset", test_reset);
    g_test_add_func("/qmp/json/writer", test_writer);
    return g_test_run();
}
