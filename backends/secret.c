/*
 * The secret object (-object secret): a value given inline (data=) or in a file (file=), raw
 * or base64, optionally encrypted with AES-256-CBC under another secret (keyid=, iv=), as
 * libvirt passes its master key and the secrets encrypted with it. Decryption uses GnuTLS.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gnutls/crypto.h>
#include <string.h>

#include "qom/object.h"
#include "qom/tree.h"
#include "qom/user-object.h"
#include "system/machine.h"
#include "system/secret.h"

struct _HdSecret {
    HdUserObject parent;
    char *data, *file, *format, *keyid, *iv;
    GBytes *value; /* the plain value, once complete */
};

G_DEFINE_FINAL_TYPE(HdSecret, hd_secret, HD_TYPE_USER_OBJECT)

enum { PROP_0, PROP_DATA, PROP_FILE, PROP_FORMAT, PROP_KEYID, PROP_IV, N_PROPS };

static char **field(HdSecret *s, guint prop_id)
{
    switch (prop_id) {
    case PROP_DATA:
        return &s->data;
    case PROP_FILE:
        return &s->file;
    case PROP_FORMAT:
        return &s->format;
    case PROP_KEYID:
        return &s->keyid;
    default:
        return &s->iv;
    }
}

static void secret_set_property(GObject *obj, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
    if (prop_id == 0 || prop_id >= N_PROPS) {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
        return;
    }
    g_free(*field(HD_SECRET(obj), prop_id));
    *field(HD_SECRET(obj), prop_id) = g_value_dup_string(value);
}

static void secret_get_property(GObject *obj, guint prop_id, GValue *value, GParamSpec *pspec)
{
    if (prop_id == 0 || prop_id >= N_PROPS) {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
        return;
    }
    /* The value itself is never readable through QOM; the inputs are what was given. */
    g_value_set_string(value, prop_id == PROP_DATA ? NULL : *field(HD_SECRET(obj), prop_id));
}

static bool base64_decode(const char *what, const char *name, const char *text, guchar **out,
                          gsize *len, GError **errp)
{
    for (const char *p = text; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("+/=\n\r", *p)) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: %s is not base64 (character '%c')", what, name, *p);
            return false;
        }
    }
    *out = g_base64_decode(text, len);
    return true;
}

/* AES-256-CBC decryption of @in with @key (32 bytes) and @iv (16), PKCS#7 padding removed. */
static GBytes *decrypt(const char *what, GBytes *key, const guchar *iv, const guchar *in,
                       gsize len, GError **errp)
{
    gnutls_datum_t k = { (unsigned char *)g_bytes_get_data(key, NULL),
                         (unsigned int)g_bytes_get_size(key) };
    gnutls_datum_t v = { (unsigned char *)iv, 16 };
    gnutls_cipher_hd_t h;
    g_autofree guchar *out = g_malloc(len ? len : 1);
    guint pad;
    int rc;

    if (len == 0 || len % 16) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: the encrypted data has %zu bytes, not a multiple of the AES block (16)",
                    what, len);
        return NULL;
    }
    rc = gnutls_cipher_init(&h, GNUTLS_CIPHER_AES_256_CBC, &k, &v);
    if (rc == 0) {
        rc = gnutls_cipher_decrypt2(h, in, len, out, len);
        gnutls_cipher_deinit(h);
    }
    if (rc < 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "%s: AES-256-CBC decryption: %s",
                    what, gnutls_strerror(rc));
        return NULL;
    }
    pad = out[len - 1];
    for (guint i = 1; i <= pad && pad <= 16; i++) {
        if (out[len - i] != pad) {
            pad = 0;
        }
    }
    if (pad == 0 || pad > 16) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: decryption gave no valid padding: wrong key (keyid) or corrupt data",
                    what);
        return NULL;
    }
    return g_bytes_new(out, len - pad);
}

static bool secret_complete(HdUserObject *obj, GError **errp)
{
    HdSecret *s = HD_SECRET(obj);
    g_autofree char *what = g_strdup_printf("secret '%s'", hd_user_object_get_id(obj));
    bool base64 = s->format && !strcmp(s->format, "base64");
    g_autofree guchar *raw = NULL;
    g_autofree guchar *iv = NULL;
    gsize len = 0, iv_len = 0;
    g_autoptr(GBytes) key = NULL;

    if (s->format && !base64 && strcmp(s->format, "raw") != 0) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: format '%s' is unknown (raw or base64)", what, s->format);
        return false;
    }
    if (!s->data == !s->file) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: give exactly one of data= and file=", what);
        return false;
    }
    if (s->file) {
        g_autoptr(GError) err = NULL;
        char *contents;

        if (!g_file_get_contents(s->file, &contents, &len, &err)) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "%s: %s", what, err->message);
            return false;
        }
        raw = (guchar *)contents;
    } else {
        len = strlen(s->data);
        raw = (guchar *)g_strdup(s->data);
    }
    if (base64) {
        g_autofree char *text = g_strndup((char *)raw, len);

        g_clear_pointer(&raw, g_free);
        if (!base64_decode(what, "the data", text, &raw, &len, errp)) {
            return false;
        }
    }
    if (!s->keyid) {
        if (s->iv) {
            g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                        "%s: iv= goes with keyid= (the secret that encrypts this one)", what);
            return false;
        }
        s->value = g_bytes_new(raw, len);
        return true;
    }
    if (!s->iv) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: keyid= needs iv= (16 bytes, base64)", what);
        return false;
    }
    if (!base64_decode(what, "iv", s->iv, &iv, &iv_len, errp)) {
        return false;
    }
    if (iv_len != 16) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: iv has %zu bytes; AES-256-CBC needs 16", what, iv_len);
        return false;
    }
    key = hd_secret_lookup(s->keyid, errp);
    if (!key) {
        g_prefix_error(errp, "%s: keyid: ", what);
        return false;
    }
    if (g_bytes_get_size(key) != 32) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED,
                    "%s: key secret '%s' has %zu bytes; AES-256 needs 32", what, s->keyid,
                    g_bytes_get_size(key));
        return false;
    }
    s->value = decrypt(what, key, iv, raw, len, errp);
    return s->value != NULL;
}

GBytes *hd_secret_lookup(const char *id, GError **errp)
{
    g_autofree char *path = g_strdup_printf("/objects/%s", id);
    HdTree *tree = hd_qom_tree();
    GObject *obj = tree ? hd_tree_resolve(tree, path, NULL) : NULL;

    if (!obj || !HD_IS_SECRET(obj)) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_NOT_FOUND,
                    "no secret '%s': create it first with -object secret,id=%s,...", id, id);
        return NULL;
    }
    if (!HD_SECRET(obj)->value) {
        g_set_error(errp, HD_QOM_ERROR, HD_QOM_ERROR_FAILED, "secret '%s' is not loaded", id);
        return NULL;
    }
    return g_bytes_ref(HD_SECRET(obj)->value);
}

static void secret_finalize(GObject *obj)
{
    HdSecret *s = HD_SECRET(obj);

    if (s->value) {
        /* Do not leave the plain value in freed memory. */
        gsize n;
        guchar *p = g_bytes_unref_to_data(s->value, &n);

        if (p) { /* NULL for an empty value (data=) */
            memset(p, 0, n);
        }
        g_free(p);
    }
    g_free(s->data);
    g_free(s->file);
    g_free(s->format);
    g_free(s->keyid);
    g_free(s->iv);
    G_OBJECT_CLASS(hd_secret_parent_class)->finalize(obj);
}

static void hd_secret_class_init(HdSecretClass *klass)
{
    static const char *const blurbs[N_PROPS] = {
        [PROP_DATA] = "the value (or its encrypted form) inline",
        [PROP_FILE] = "a file holding the value (or its encrypted form)",
        [PROP_FORMAT] = "how data or file is encoded: raw or base64 (default raw)",
        [PROP_KEYID] = "id of the secret (32 bytes) the value is encrypted with, AES-256-CBC",
        [PROP_IV] = "the 16-byte initialization vector of that encryption, base64",
    };
    static const char *const names[N_PROPS] = { NULL, "data", "file", "format", "keyid", "iv" };
    GObjectClass *oc = G_OBJECT_CLASS(klass);

    oc->set_property = secret_set_property;
    oc->get_property = secret_get_property;
    oc->finalize = secret_finalize;
    HD_USER_OBJECT_CLASS(klass)->complete = secret_complete;
    HD_USER_OBJECT_CLASS(klass)->description =
        "a secret value, plain or AES-256-CBC encrypted under another secret (libvirt's)";
    for (guint i = PROP_DATA; i < N_PROPS; i++) {
        g_object_class_install_property(oc, i,
            g_param_spec_string(names[i], NULL, blurbs[i], NULL,
                                G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                G_PARAM_STATIC_STRINGS));
    }
}

static void hd_secret_init(HdSecret *s)
{
    (void)s;
}

void secret_register_types(void)
{
    hd_type_register("secret", HD_TYPE_SECRET);
}
