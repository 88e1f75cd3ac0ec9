/*
 * -object secret: plain values inline and from a file, base64, and values encrypted with
 * AES-256-CBC under another secret the way libvirt does it (the vector below was made with
 * `openssl enc -aes-256-cbc`, not with hostdev), and the errors for each wrong input.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "qom/opts.h"
#include "qom/props.h"
#include "qom/tree.h"
#include "system/machine.h"
#include "system/secret.h"

/* Key bytes 0x00..0x1f, iv 0xa0..0xaf, plain text "hostdev lab secret". */
#define KEY_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define IV_B64 "oKGio6SlpqeoqaqrrK2urw=="
#define CIPHER_B64 "RPnpnnFoHGOz/dOHIXLZCxnzfXSaFVYW5w9ZZZQ723I="

static HdTree *tree;

/* Create, complete and add a secret from -object text; false with @errp set on failure. */
static bool add_secret(const char *text, GError **errp)
{
    g_autoptr(HdOpts) opts = hd_opts_parse(text, "qom-type", errp);
    g_autoptr(GObject) obj = NULL;
    g_autofree char *path = NULL;

    g_assert_nonnull(opts);
    obj = hd_object_new_with_opts("secret", opts, errp);
    if (!obj || !hd_user_object_complete(HD_USER_OBJECT(obj), errp)) {
        return false;
    }
    path = hd_tree_add_user_object(tree, HD_USER_OBJECT(obj), errp);
    return path != NULL;
}

static void assert_value(const char *id, const char *expected)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) value = hd_secret_lookup(id, &err);

    g_assert_no_error(err);
    g_assert_cmpmem(g_bytes_get_data(value, NULL), g_bytes_get_size(value), expected,
                    strlen(expected));
}

static void assert_refused(const char *text, const char *needle)
{
    g_autoptr(GError) err = NULL;

    if (add_secret(text, &err)) {
        g_error("accepted: %s", text);
    }
    g_assert_nonnull(err);
    if (!strstr(err->message, needle)) {
        g_error("expected '%s' in: %s", needle, err->message);
    }
}

static void test_plain(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *file = g_build_filename(g_get_tmp_dir(), "hostdev-test-secret", NULL);
    g_autofree char *text = g_strdup_printf("secret,id=p2,file=%s", file);

    g_assert_true(add_secret("secret,id=p0,data=letmein", &err));
    assert_value("p0", "letmein");
    g_assert_true(add_secret("secret,id=p1,data=bGV0bWVpbg==,format=base64", &err));
    assert_value("p1", "letmein");
    g_assert_true(g_file_set_contents(file, "from a file", -1, NULL));
    g_assert_true(add_secret(text, &err));
    g_assert_no_error(err);
    assert_value("p2", "from a file");
    g_unlink(file);
}

static void test_encrypted(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(add_secret("secret,id=master,format=base64,data=" KEY_B64, &err));
    g_assert_no_error(err);
    g_assert_true(add_secret("{\"qom-type\":\"secret\",\"id\":\"s0\",\"data\":\"" CIPHER_B64
                             "\",\"keyid\":\"master\",\"iv\":\"" IV_B64
                             "\",\"format\":\"base64\"}",
                             &err));
    g_assert_no_error(err);
    assert_value("s0", "hostdev lab secret");
}

static void test_errors(void)
{
    assert_refused("secret,id=e0", "give exactly one of data= and file=");
    assert_refused("secret,id=e1,data=x,format=hex", "format 'hex' is unknown");
    assert_refused("secret,id=e2,data=x!y,format=base64", "the data is not base64");
    assert_refused("secret,id=e3,data=x,iv=" IV_B64, "iv= goes with keyid=");
    assert_refused("secret,id=e4,format=base64,data=" CIPHER_B64 ",keyid=master",
                   "keyid= needs iv=");
    assert_refused("secret,id=e5,format=base64,data=" CIPHER_B64 ",keyid=nokey,iv=" IV_B64,
                   "no secret 'nokey'");
    assert_refused("secret,id=e6,format=base64,data=" CIPHER_B64 ",keyid=p0,iv=" IV_B64,
                   "has 7 bytes; AES-256 needs 32");
    assert_refused("secret,id=e7,format=base64,data=" CIPHER_B64 ",keyid=master,iv=AAAA",
                   "iv has 3 bytes");
    /* Another key: the padding check catches it (a wrong iv only garbles the first block). */
    g_assert_true(add_secret("secret,id=k2,data=0123456789abcdef0123456789abcdef", NULL));
    assert_refused("secret,id=e8,format=base64,data=" CIPHER_B64 ",keyid=k2,iv=" IV_B64,
                   "wrong key (keyid) or corrupt data");
    assert_refused("secret,id=e9,data=abc,keyid=master,iv=" IV_B64, "not a multiple of");
    assert_refused("secret,id=e10,file=/nonexistent/secret", "/nonexistent/secret");
}

int main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    secret_register_types();
    tree = hd_tree_new();
    hd_qom_tree_set(tree);
    g_test_add_func("/secret/plain", test_plain);
    g_test_add_func("/secret/encrypted", test_encrypted);
    g_test_add_func("/secret/errors", test_errors);
    rc = g_test_run();
    hd_qom_tree_set(NULL);
    hd_tree_free(tree);
    return rc;
}
