// SPDX-License-Identifier: MIT
/*
 * auth/jwt.c: bearer JWT verification (RFC 7515/7519, algorithms of RFC 7518 §3.2-3.4).
 * The second OpenSSL adapter (after core/crypto.c): it builds RSA and EC public keys from
 * JWK parameters and verifies signatures with EVP_DigestVerify; HS256 goes through
 * core/crypto (HMAC, constant-time compare). File keys are loaded once at create time;
 * keys from a JWKS URL (fetched by auth/jwks_fetch.c) live in a reference-counted key set
 * that a refresher thread replaces (see auth/jwt.h for when it fetches).
 * Checks run cheapest first: size, shape, base64url, header, key, signature, and only
 * then the payload's claims, so unsigned content is never interpreted.
 * THREADS: the file key set is read-only after jwt_create; jwt.mu guards the fetched set
 * pointer and the fetch state (never held across a fetch); EVP_PKEY is safe to share for
 * verification, each call makes its own EVP_MD_CTX.
 * OWNERSHIP: the struct jwt owns its key sets; a verify holds a reference to the fetched
 * set it uses; verify allocates per call and frees it all.
 */
#include "auth/jwt.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "auth/auth_internal.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"

#define JWT_MAX_KEYS      64
#define JWT_MAX_SUB       AUTH_SUBJECT_MAX
#define JWT_MIN_SECRET    32 /* RFC 7518 §3.2: an HS256 key of at least 256 bits */
#define JWT_MIN_RSA_BITS  2048
#define JWT_JSON_DEPTH    8
#define JWT_MAX_FILE      ((size_t)1 << 20)
#define JWT_CLAIM_NAME_SZ 64

enum jwt_kty { KTY_RSA, KTY_EC, KTY_OCT };

struct jwt_key {
    char kid[128]; /* "" when the JWK has none (and for the secret file) */
    enum jwt_kty kty;
    EVP_PKEY *pkey;  /* RSA and EC */
    uint8_t *secret; /* oct */
    size_t secret_len;
};

/* An immutable set of keys; the fetched one is shared by reference count. */
struct jwt_keyset {
    atomic_uint refs;
    size_t n_keys;
    struct jwt_key keys[JWT_MAX_KEYS];
};

struct role_map_entry {
    char value[96];
    enum auth_role role;
};

struct jwt {
    char issuer[256], audience[256];
    char role_claim[JWT_CLAIM_NAME_SZ], tenant_claim[JWT_CLAIM_NAME_SZ];
    char default_tenant[64];
    char subject_claim[JWT_CLAIM_NAME_SZ];
    unsigned leeway_s;
    size_t max_bytes;
    struct jwt_keyset *fixed; /* file keys: read-only after create, never NULL */
    struct role_map_entry map[JWT_MAX_ROLE_MAP];
    size_t n_map;
    /* JWKS URL (url[0] == '\0': none). Lock order: mu is a leaf lock. */
    char url[512];
    unsigned refresh_s, min_refresh_s, total_ms;
    size_t jwks_max_bytes;
    jwt_fetch_fn fetch;
    void *fetch_ctx;
    struct jwks_http http;      /* the default fetcher's settings */
    pthread_mutex_t mu;         /* guards the fields below */
    pthread_cond_t wake;        /* the refresher waits here (CLOCK_MONOTONIC) */
    pthread_cond_t done;        /* tokens with an unknown kid wait here for a fetch */
    struct jwt_keyset *fetched; /* NULL until a fetch succeeded */
    uint64_t generation;        /* fetches finished (success or not) */
    int64_t last_fetch_s;       /* wall clock of the last fetch start or kid request */
    uint64_t next_ms;           /* monotonic time of the next periodic fetch */
    bool want_fetch, fetching, stop, thread_started, sync_ready;
    pthread_t thread;
    atomic_bool stop_flag;                       /* read by the fetcher's progress callback */
    atomic_uint_fast64_t fetch_ok, fetch_failed; /* stats: relaxed */
};

static const char *const reason_names[JWT_REASON_COUNT] = {
    [JWT_OK] = "ok",
    [JWT_OVERSIZE] = "oversize",
    [JWT_MALFORMED] = "malformed",
    [JWT_BAD_BASE64] = "bad_base64",
    [JWT_BAD_JSON] = "bad_json",
    [JWT_ALG_NONE] = "alg_none",
    [JWT_ALG_UNSUPPORTED] = "alg_unsupported",
    [JWT_KEY_CONFUSION] = "key_confusion",
    [JWT_UNKNOWN_KID] = "unknown_kid",
    [JWT_BAD_SIGNATURE] = "bad_signature",
    [JWT_NO_EXP] = "no_exp",
    [JWT_EXPIRED] = "expired",
    [JWT_NOT_YET_VALID] = "not_yet_valid",
    [JWT_IAT_FUTURE] = "iat_future",
    [JWT_WRONG_ISSUER] = "wrong_issuer",
    [JWT_WRONG_AUDIENCE] = "wrong_audience",
    [JWT_BAD_SUBJECT] = "bad_subject",
    [JWT_BAD_CLAIM] = "bad_claim",
    [JWT_NO_TENANT] = "no_tenant",
    [JWT_NO_ROLE] = "no_role",
    [JWT_INTERNAL] = "internal",
    [JWT_JWKS_UNAVAILABLE] = "jwks_unavailable",
};

const char *jwt_reason_name(enum jwt_reason r)
{
    if ((unsigned)r >= JWT_REASON_COUNT || !reason_names[r])
        return "unknown";
    return reason_names[r];
}

/* ---- params ------------------------------------------------------------------------------ */

struct jwt_params jwt_default_params(void)
{
    struct jwt_params p = {
        .leeway_s = 60,
        .role_claim = "roles",
        .tenant_claim = "tenant",
        .default_tenant = "default",
        .max_bytes = 8192,
        .subject_claim = "sub",
        .jwks_refresh_s = 3600,
        .jwks_min_refresh_s = 30,
        .jwks_connect_ms = 2000,
        .jwks_total_ms = 5000,
        .jwks_max_bytes = JWT_MAX_FILE,
    };
    return p;
}

bool jwt_configured(const struct config *cfg)
{
    return cfg->jwt_jwks_file[0] || cfg->jwt_hs256_secret_file[0] || cfg->jwt_jwks_url[0];
}

struct jwt_params jwt_params_from_config(const struct config *cfg)
{
    struct jwt_params p = jwt_default_params();
    p.issuer = cfg->jwt_issuer;
    p.audience = cfg->jwt_audience;
    p.jwks_file = cfg->jwt_jwks_file;
    p.hs256_secret_file = cfg->jwt_hs256_secret_file;
    p.leeway_s = cfg->jwt_leeway_s;
    p.role_claim = cfg->jwt_role_claim;
    p.tenant_claim = cfg->jwt_tenant_claim;
    p.default_tenant = cfg->tenant;
    p.max_bytes = cfg->jwt_max_bytes;
    p.subject_claim = cfg->jwt_subject_claim;
    p.jwks_url = cfg->jwt_jwks_url;
    p.jwks_refresh_s = cfg->jwt_jwks_refresh_s;
    p.jwks_min_refresh_s = cfg->jwt_jwks_min_refresh_s;
    for (unsigned i = 0; i < cfg->n_jwt_role_map && i < JWT_MAX_ROLE_MAP; i++)
        p.role_map[p.n_role_map++] = cfg->jwt_role_map[i];
    return p;
}

/* ---- base64url (RFC 7515 §2: no padding; we also refuse non-zero stray bits) ------------ */

static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/* Decode p[0..n) into a new malloc'd buffer (NUL-terminated for convenience). AG_EINVAL
 * for anything but canonical unpadded base64url, AG_ENOMEM. */
static ag_err b64url_decode(const char *p, size_t n, uint8_t **out, size_t *out_len)
{
    if (n % 4 == 1)
        return AG_EINVAL;
    size_t cap = n / 4 * 3 + 3;
    uint8_t *o = malloc(cap);
    if (!o)
        return AG_ENOMEM;
    size_t w = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64url_value((unsigned char)p[i]);
        if (v < 0) {
            free(o);
            return AG_EINVAL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[w++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Left-over bits must be zero, or two encodings would decode to the same bytes. */
    if (acc != 0) {
        free(o);
        return AG_EINVAL;
    }
    o[w] = 0;
    *out = o;
    *out_len = w;
    return AG_OK;
}

/* ---- key loading --------------------------------------------------------------------------- */

static void log_openssl(const char *what)
{
    unsigned long e = ERR_get_error();
    char msg[256] = "";
    if (e)
        ERR_error_string_n(e, msg, sizeof(msg));
    ERR_clear_error();
    log_error("auth: jwt %s failed: %s", what, msg);
}

static ag_err read_file(const char *path, uint8_t **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        log_error("auth: jwt cannot open %s: %s", path, strerror(e));
        return AG_EIO;
    }
    struct buf b;
    buf_init(&b, JWT_MAX_FILE);
    char chunk[4096];
    size_t got;
    ag_err rc = AG_OK;
    while (rc == AG_OK && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = buf_append(&b, chunk, got);
    if (rc == AG_OK && ferror(f))
        rc = AG_EIO;
    fclose(f);
    if (rc != AG_OK) {
        log_error("auth: jwt cannot read %s: %s", path, ag_strerror(rc));
        crypto_wipe(b.p, b.len);
        buf_release(&b);
        return rc;
    }
    if (b.len == 0) {
        buf_release(&b);
        log_error("auth: jwt %s is empty", path);
        return AG_ECONFIG;
    }
    *out = (uint8_t *)b.p;
    *out_len = b.len;
    return AG_OK;
}

/* A base64url JWK member into a new buffer. */
static ag_err jwk_bytes(json_t *jwk, const char *name, uint8_t **out, size_t *out_len)
{
    const char *s = json_string_value(json_object_get(jwk, name));
    if (!s || !*s)
        return AG_ECONFIG;
    return b64url_decode(s, strlen(s), out, out_len) == AG_OK ? AG_OK : AG_ECONFIG;
}

static ag_err jwk_rsa(json_t *jwk, EVP_PKEY **out)
{
    uint8_t *n = NULL, *e = NULL;
    size_t n_len = 0, e_len = 0;
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    ag_err rc = AG_ECONFIG;
    if (jwk_bytes(jwk, "n", &n, &n_len) != AG_OK || jwk_bytes(jwk, "e", &e, &e_len) != AG_OK)
        goto out;
    if (n_len * 8 < JWT_MIN_RSA_BITS || n_len > 2048 || e_len > 8) {
        log_error("auth: jwt RSA key size not allowed (n %zu bytes)", n_len);
        goto out;
    }
    rc = AG_EIO;
    bn_n = BN_bin2bn(n, (int)n_len, NULL);
    bn_e = BN_bin2bn(e, (int)e_len, NULL);
    bld = OSSL_PARAM_BLD_new();
    if (!bn_n || !bn_e || !bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) ||
        !(params = OSSL_PARAM_BLD_to_param(bld)) ||
        !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) ||
        EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        log_openssl("RSA key import");
        goto out;
    }
    rc = AG_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    free(n);
    free(e);
    return rc;
}

static ag_err jwk_ec(json_t *jwk, EVP_PKEY **out)
{
    uint8_t *x = NULL, *y = NULL, point[65];
    size_t x_len = 0, y_len = 0;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL, *check = NULL;
    ag_err rc = AG_ECONFIG;
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    if (!crv || strcmp(crv, "P-256") != 0) {
        log_error("auth: jwt EC key: only crv P-256 is supported");
        goto out;
    }
    if (jwk_bytes(jwk, "x", &x, &x_len) != AG_OK || jwk_bytes(jwk, "y", &y, &y_len) != AG_OK ||
        x_len != 32 || y_len != 32)
        goto out;
    point[0] = 0x04; /* SEC 1 uncompressed point */
    memcpy(point + 1, x, 32);
    memcpy(point + 33, y, 32);
    bld = OSSL_PARAM_BLD_new();
    if (!bld ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)) ||
        !(params = OSSL_PARAM_BLD_to_param(bld)) ||
        !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        log_openssl("EC key import");
        rc = AG_ECONFIG;
        goto out;
    }
    /* The point must lie on the curve (invalid-curve attacks). */
    check = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
    if (!check || EVP_PKEY_public_check(check) != 1) {
        log_openssl("EC public key check");
        EVP_PKEY_free(*out);
        *out = NULL;
        rc = AG_ECONFIG;
        goto out;
    }
    rc = AG_OK;
out:
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    free(x);
    free(y);
    return rc;
}

/* ---- key sets ------------------------------------------------------------------------------ */

static struct jwt_keyset *keyset_new(void)
{
    struct jwt_keyset *ks = calloc(1, sizeof(*ks));
    if (ks)
        atomic_init(&ks->refs, 1);
    return ks;
}

static void key_clear(struct jwt_key *k)
{
    EVP_PKEY_free(k->pkey);
    if (k->secret)
        crypto_wipe(k->secret, k->secret_len);
    free(k->secret);
    memset(k, 0, sizeof(*k));
}

/* Drop one reference; the last frees the keys. NULL is a no-op. */
static void keyset_release(struct jwt_keyset *ks)
{
    if (!ks || atomic_fetch_sub_explicit(&ks->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < ks->n_keys; i++)
        key_clear(&ks->keys[i]);
    free(ks);
}

/* One JWK into ks. AG_ECONFIG for a key we cannot use (logged with its kid). lenient (a
 * fetched set): a key of a type or algorithm we do not implement is skipped, since an IdP
 * may publish more than we use; a malformed key of a type we do implement still fails. */
static ag_err add_jwk(struct jwt_keyset *ks, json_t *jwk, bool lenient)
{
    if (!json_is_object(jwk) || ks->n_keys >= JWT_MAX_KEYS) {
        log_error("auth: jwt JWKS entry is not an object or there are over %d keys", JWT_MAX_KEYS);
        return AG_ECONFIG;
    }
    struct jwt_key *k = &ks->keys[ks->n_keys];
    memset(k, 0, sizeof(*k));
    json_t *kid_j = json_object_get(jwk, "kid");
    const char *kid = json_string_value(kid_j);
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *alg = json_string_value(json_object_get(jwk, "alg"));
    const char *use = json_string_value(json_object_get(jwk, "use"));
    if ((kid_j && !kid) ||
        (kid && (strlen(kid) >= sizeof(k->kid) || strlen(kid) != json_string_length(kid_j)))) {
        log_error("auth: jwt JWKS kid is not a string of at most %zu bytes", sizeof(k->kid) - 1);
        return AG_ECONFIG;
    }
    if (kid)
        memcpy(k->kid, kid, strlen(kid) + 1);
    if (use && strcmp(use, "sig") != 0)
        return AG_OK; /* an encryption key: not ours to use, not an error */
    ag_err rc;
    const char *want_alg;
    if (kty && strcmp(kty, "RSA") == 0) {
        k->kty = KTY_RSA;
        want_alg = "RS256";
    } else if (kty && strcmp(kty, "EC") == 0) {
        k->kty = KTY_EC;
        want_alg = "ES256";
        const char *crv = json_string_value(json_object_get(jwk, "crv"));
        if (lenient && crv && strcmp(crv, "P-256") != 0)
            return AG_OK;
    } else if (kty && strcmp(kty, "oct") == 0) {
        k->kty = KTY_OCT;
        want_alg = "HS256";
    } else if (lenient && kty) {
        log_info("auth: jwt JWKS key kid=%s kty=%s skipped (not implemented)", k->kid, kty);
        return AG_OK;
    } else {
        log_error("auth: jwt JWKS key kid=%s: kty must be RSA, EC or oct", k->kid);
        return AG_ECONFIG;
    }
    if (lenient && alg && strcmp(alg, want_alg) != 0) {
        log_info("auth: jwt JWKS key kid=%s alg=%s skipped (not implemented)", k->kid, alg);
        return AG_OK;
    }
    if (k->kty == KTY_RSA) {
        rc = jwk_rsa(jwk, &k->pkey);
    } else if (k->kty == KTY_EC) {
        rc = jwk_ec(jwk, &k->pkey);
    } else {
        rc = jwk_bytes(jwk, "k", &k->secret, &k->secret_len);
        if (rc == AG_OK && k->secret_len < JWT_MIN_SECRET)
            rc = AG_ECONFIG;
    }
    if (rc == AG_OK && alg && strcmp(alg, want_alg) != 0)
        rc = AG_ECONFIG;
    if (rc != AG_OK) {
        log_error("auth: jwt JWKS key kid=%s kty=%s is not usable", k->kid, kty);
        key_clear(k);
        return rc == AG_ENOMEM ? rc : AG_ECONFIG;
    }
    for (size_t i = 0; i < ks->n_keys; i++)
        if (strcmp(ks->keys[i].kid, k->kid) == 0) {
            log_error("auth: jwt JWKS kid=%s appears twice", k->kid);
            key_clear(k);
            return AG_ECONFIG;
        }
    ks->n_keys++;
    return AG_OK;
}

/* A JWKS document's keys into ks; what names the source in log lines. */
static ag_err parse_jwks(struct jwt_keyset *ks, const char *text, size_t len, bool lenient,
                         const char *what)
{
    json_t *doc = NULL;
    char why[128];
    ag_err rc = json_parse_object(text, len, JWT_JSON_DEPTH, &doc, why, sizeof(why));
    if (rc != AG_OK) {
        log_error("auth: jwt %s: %s", what, why);
        return rc == AG_ENOMEM ? rc : AG_ECONFIG;
    }
    json_t *keys = json_object_get(doc, "keys");
    size_t i;
    json_t *jwk;
    if (!json_is_array(keys)) {
        log_error("auth: jwt %s: no \"keys\" array", what);
        rc = AG_ECONFIG;
    }
    json_array_foreach(keys, i, jwk)
    {
        if (rc == AG_OK)
            rc = add_jwk(ks, jwk, lenient);
    }
    json_decref(doc);
    return rc;
}

static ag_err load_jwks(struct jwt_keyset *ks, const char *path)
{
    uint8_t *text = NULL;
    size_t len = 0;
    ag_err rc = read_file(path, &text, &len);
    if (rc != AG_OK)
        return rc;
    rc = parse_jwks(ks, (const char *)text, len, false, path);
    free(text);
    return rc;
}

ag_err jwt_jwks_check(const char *text, size_t len, size_t *n_keys)
{
    struct jwt_keyset *ks = keyset_new();
    if (!ks)
        return AG_ENOMEM;
    ag_err rc = parse_jwks(ks, text, len, true, "JWKS");
    *n_keys = ks->n_keys;
    keyset_release(ks);
    return rc;
}

static ag_err load_secret(struct jwt_keyset *ks, const char *path)
{
    if (ks->n_keys >= JWT_MAX_KEYS)
        return AG_ECONFIG;
    uint8_t *s = NULL;
    size_t n = 0;
    ag_err rc = read_file(path, &s, &n);
    if (rc != AG_OK)
        return rc;
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n < JWT_MIN_SECRET) {
        log_error("auth: jwt %s: an HS256 secret needs at least %d bytes", path, JWT_MIN_SECRET);
        crypto_wipe(s, n);
        free(s);
        return AG_ECONFIG;
    }
    struct jwt_key *k = &ks->keys[ks->n_keys++];
    memset(k, 0, sizeof(*k));
    k->kty = KTY_OCT;
    k->secret = s;
    k->secret_len = n;
    return AG_OK;
}

static ag_err add_role_map(struct jwt *j, const char *entry)
{
    const char *sp = strchr(entry, ' ');
    if (!sp || sp == entry || (size_t)(sp - entry) >= sizeof(j->map[0].value) ||
        j->n_map >= JWT_MAX_ROLE_MAP) {
        log_error("auth: jwt_role_map entry '%s' is not 'CLAIM_VALUE ROLE'", entry);
        return AG_ECONFIG;
    }
    const char *role = sp;
    while (*role == ' ')
        role++;
    struct role_map_entry *m = &j->map[j->n_map];
    if (auth_role_parse(role, &m->role) != AG_OK) {
        log_error("auth: jwt_role_map entry '%s': role must be client, reviewer or admin", entry);
        return AG_ECONFIG;
    }
    memcpy(m->value, entry, (size_t)(sp - entry));
    m->value[sp - entry] = '\0';
    j->n_map++;
    return AG_OK;
}

static ag_err copy_field(char *dst, size_t cap, const char *src, const char *name)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap) {
        log_error("auth: jwt %s longer than %zu bytes", name, cap - 1);
        return AG_ECONFIG;
    }
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
    return AG_OK;
}

/* ---- JWKS URL: fetch, refresher thread ----------------------------------------------------- */

static uint64_t mono_ms(void)
{
    return clock_mono_ns() / 1000000u;
}

/* One fetch and parse, with no lock held. AG_OK gives a new set in *out. */
static ag_err fetch_keys(struct jwt *j, struct jwt_keyset **out, unsigned *max_age_s)
{
    struct buf body;
    buf_init(&body, j->jwks_max_bytes);
    *max_age_s = 0;
    struct jwt_keyset *ks = NULL;
    ag_err rc = j->fetch(j->fetch_ctx, j->url, &body, max_age_s);
    if (rc == AG_OK && !(ks = keyset_new()))
        rc = AG_ENOMEM;
    if (rc == AG_OK)
        rc = parse_jwks(ks, body.p ? body.p : "", body.len, true, "JWKS URL reply");
    if (rc == AG_OK && ks->n_keys == 0) {
        log_error("auth: jwt JWKS URL reply has no usable key");
        rc = AG_ECONFIG;
    }
    buf_release(&body);
    if (rc != AG_OK) {
        keyset_release(ks);
        atomic_fetch_add_explicit(&j->fetch_failed, 1, memory_order_relaxed);
        log_warn("auth: jwt JWKS refresh failed, keeping the previous keys: %s", ag_strerror(rc));
        return rc;
    }
    atomic_fetch_add_explicit(&j->fetch_ok, 1, memory_order_relaxed);
    log_info("auth: jwt JWKS fetched keys=%zu max_age_s=%u", ks->n_keys, *max_age_s);
    *out = ks;
    return AG_OK;
}

/* Install a fetch's outcome and schedule the next one. Caller holds mu; the replaced set
 * comes back in *old, to be released once mu is dropped. */
static void fetch_done(struct jwt *j, struct jwt_keyset *ks, unsigned max_age_s,
                       struct jwt_keyset **old)
{
    unsigned next_s = j->min_refresh_s; /* after a failure: retry at the capped rate */
    if (ks) {
        *old = j->fetched;
        j->fetched = ks;
        next_s = j->refresh_s;
        if (max_age_s > 0 && max_age_s < next_s)
            next_s = max_age_s < j->min_refresh_s ? j->min_refresh_s : max_age_s;
    }
    j->next_ms = mono_ms() + (uint64_t)next_s * 1000u;
    j->fetching = false;
    j->generation++;
    pthread_cond_broadcast(&j->done);
}

static void *refresher(void *arg)
{
    struct jwt *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->stop && !j->want_fetch && mono_ms() < j->next_ms) {
            struct timespec ts = {.tv_sec = (time_t)(j->next_ms / 1000u),
                                  .tv_nsec = (long)(j->next_ms % 1000u) * 1000000L};
            pthread_cond_timedwait(&j->wake, &j->mu, &ts);
        }
        if (j->stop)
            break;
        if (!j->want_fetch) /* periodic; a kid request stamped its own time */
            j->last_fetch_s = clock_wall_ms() / 1000;
        j->want_fetch = false;
        j->fetching = true;
        pthread_mutex_unlock(&j->mu);
        struct jwt_keyset *ks = NULL, *old = NULL;
        unsigned max_age_s = 0;
        if (fetch_keys(j, &ks, &max_age_s) != AG_OK)
            ks = NULL;
        pthread_mutex_lock(&j->mu);
        fetch_done(j, ks, max_age_s, &old);
        pthread_mutex_unlock(&j->mu);
        keyset_release(old);
        pthread_mutex_lock(&j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* A reference to the fetched set (NULL when none yet); release with keyset_release. */
static struct jwt_keyset *fetched_acquire(struct jwt *j)
{
    pthread_mutex_lock(&j->mu);
    struct jwt_keyset *ks = j->fetched;
    if (ks)
        atomic_fetch_add_explicit(&ks->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&j->mu);
    return ks;
}

/* An unknown kid: ask for a fetch unless one started within min_refresh_s (of now_s), and
 * wait for it, or for one in progress, at most the fetch timeout. True when a fetch
 * finished meanwhile, so the caller should look again. */
static bool refresh_for_kid(struct jwt *j, int64_t now_s)
{
    bool fetched = false;
    pthread_mutex_lock(&j->mu);
    if (!j->fetching) {
        if (now_s - j->last_fetch_s < (int64_t)j->min_refresh_s || j->stop) {
            pthread_mutex_unlock(&j->mu);
            return false;
        }
        j->last_fetch_s = now_s;
        j->want_fetch = true;
        pthread_cond_signal(&j->wake);
    }
    uint64_t gen = j->generation;
    uint64_t deadline = mono_ms() + j->total_ms + 500u;
    struct timespec ts = {.tv_sec = (time_t)(deadline / 1000u),
                          .tv_nsec = (long)(deadline % 1000u) * 1000000L};
    while (j->generation == gen && !j->stop && mono_ms() < deadline)
        pthread_cond_timedwait(&j->done, &j->mu, &ts);
    fetched = j->generation != gen;
    pthread_mutex_unlock(&j->mu);
    return fetched;
}

static bool url_ok(const char *u)
{
    if (strncasecmp(u, "https://", 8) == 0)
        return u[8] != '\0';
    return strncasecmp(u, "http://", 7) == 0 && u[7] != '\0';
}

/* Set up the URL state, fetch once (a failure is logged, not fatal) and start the thread. */
static ag_err jwks_url_start(struct jwt *j, const struct jwt_params *p)
{
    if (copy_field(j->url, sizeof(j->url), p->jwks_url, "jwks url") != AG_OK)
        return AG_ECONFIG;
    if (!url_ok(j->url)) {
        log_error("auth: jwt_jwks_url must start with http:// or https://");
        return AG_ECONFIG;
    }
    if (p->jwks_min_refresh_s == 0 || p->jwks_refresh_s < p->jwks_min_refresh_s ||
        p->jwks_total_ms == 0 || p->jwks_max_bytes == 0) {
        log_error("auth: jwt JWKS refresh needs 0 < min_refresh_s <= refresh_s and limits");
        return AG_ECONFIG;
    }
    j->refresh_s = p->jwks_refresh_s;
    j->min_refresh_s = p->jwks_min_refresh_s;
    j->total_ms = p->jwks_total_ms;
    j->jwks_max_bytes = p->jwks_max_bytes;
    j->fetch = p->jwks_fetch;
    j->fetch_ctx = p->jwks_fetch_ctx;
    if (!j->fetch) {
        j->http = (struct jwks_http){
            .connect_ms = p->jwks_connect_ms, .total_ms = p->jwks_total_ms, .stop = &j->stop_flag};
        ag_err rc = jwks_http_init();
        if (rc != AG_OK)
            return rc;
        j->http.inited = true;
        j->fetch = jwks_http_get;
        j->fetch_ctx = &j->http;
    }
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return AG_ENOMEM;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int e = pthread_cond_init(&j->wake, &ca);
    e = e ? e : pthread_cond_init(&j->done, &ca);
    pthread_condattr_destroy(&ca);
    if (e != 0 || pthread_mutex_init(&j->mu, NULL) != 0)
        return AG_ENOMEM;
    j->sync_ready = true;
    struct jwt_keyset *ks = NULL, *old = NULL;
    unsigned max_age_s = 0;
    j->last_fetch_s = clock_wall_ms() / 1000;
    if (fetch_keys(j, &ks, &max_age_s) != AG_OK) {
        ks = NULL;
        log_error("auth: jwt first JWKS fetch failed: tokens are refused (jwks_unavailable) "
                  "until a fetch succeeds; retrying every %u s",
                  j->min_refresh_s);
    }
    fetch_done(j, ks, max_age_s, &old); /* no other thread yet */
    keyset_release(old);
    if (pthread_create(&j->thread, NULL, refresher, j) != 0) {
        log_error("auth: jwt cannot start the JWKS refresher thread");
        return AG_EIO;
    }
    j->thread_started = true;
    return AG_OK;
}

void jwt_jwks_stats(struct jwt *j, uint64_t *ok, uint64_t *failed)
{
    *ok = atomic_load_explicit(&j->fetch_ok, memory_order_relaxed);
    *failed = atomic_load_explicit(&j->fetch_failed, memory_order_relaxed);
}

ag_err jwt_create(const struct jwt_params *p, struct jwt **out)
{
    struct jwt *j = calloc(1, sizeof(*j));
    if (!j)
        return AG_ENOMEM;
    ag_err rc = AG_ECONFIG;
    if (!p->issuer || !*p->issuer || !p->audience || !*p->audience) {
        log_error("auth: jwt needs jwt_issuer and jwt_audience");
        goto fail;
    }
    if (copy_field(j->issuer, sizeof(j->issuer), p->issuer, "issuer") ||
        copy_field(j->audience, sizeof(j->audience), p->audience, "audience") ||
        copy_field(j->role_claim, sizeof(j->role_claim), p->role_claim, "role claim") ||
        copy_field(j->tenant_claim, sizeof(j->tenant_claim), p->tenant_claim, "tenant claim") ||
        copy_field(j->default_tenant, sizeof(j->default_tenant), p->default_tenant, "tenant") ||
        copy_field(j->subject_claim, sizeof(j->subject_claim), p->subject_claim, "subject claim"))
        goto fail;
    if (!j->subject_claim[0]) {
        log_error("auth: jwt_subject_claim must not be empty");
        goto fail;
    }
    rc = AG_ENOMEM;
    if (!(j->fixed = keyset_new()))
        goto fail;
    j->leeway_s = p->leeway_s;
    j->max_bytes = p->max_bytes;
    for (size_t i = 0; i < p->n_role_map && i < JWT_MAX_ROLE_MAP; i++)
        if ((rc = add_role_map(j, p->role_map[i])) != AG_OK)
            goto fail;
    if (p->jwks_file && *p->jwks_file && (rc = load_jwks(j->fixed, p->jwks_file)) != AG_OK)
        goto fail;
    if (p->hs256_secret_file && *p->hs256_secret_file &&
        (rc = load_secret(j->fixed, p->hs256_secret_file)) != AG_OK)
        goto fail;
    bool has_url = p->jwks_url && *p->jwks_url;
    if (j->fixed->n_keys == 0 && !has_url) {
        log_error("auth: jwt has no usable key (jwt_jwks_file, jwt_hs256_secret_file, "
                  "jwt_jwks_url)");
        rc = AG_ECONFIG;
        goto fail;
    }
    if (has_url && (rc = jwks_url_start(j, p)) != AG_OK)
        goto fail;
    *out = j;
    return AG_OK;
fail:
    jwt_destroy(j);
    return rc;
}

void jwt_destroy(struct jwt *j)
{
    if (!j)
        return;
    if (j->thread_started) {
        atomic_store(&j->stop_flag, true); /* aborts a fetch in progress */
        pthread_mutex_lock(&j->mu);
        j->stop = true;
        pthread_cond_broadcast(&j->wake);
        pthread_cond_broadcast(&j->done);
        pthread_mutex_unlock(&j->mu);
        pthread_join(j->thread, NULL);
    }
    if (j->sync_ready) {
        pthread_cond_destroy(&j->wake);
        pthread_cond_destroy(&j->done);
        pthread_mutex_destroy(&j->mu);
    }
    if (j->http.inited)
        jwks_http_cleanup();
    keyset_release(j->fetched);
    keyset_release(j->fixed);
    free(j);
}

/* ---- verification ------------------------------------------------------------------------ */

/* The key a header names: by kid, or the only key of that type when there is no kid.
 * The file keys are searched first, then the fetched set (which may be NULL). */
static enum jwt_reason pick_key(const struct jwt_keyset *const sets[2], const char *kid,
                                enum jwt_kty want, const struct jwt_key **out)
{
    const struct jwt_key *found = NULL;
    for (int s = 0; s < 2; s++) {
        const struct jwt_keyset *ks = sets[s];
        for (size_t i = 0; ks && i < ks->n_keys; i++) {
            const struct jwt_key *k = &ks->keys[i];
            if (kid && k->kid[0] && strcmp(k->kid, kid) == 0) {
                /* An RSA/EC public key is public: as an HMAC secret it would let anyone
                 * sign (the classic RS256 -> HS256 confusion). A key serves its own alg. */
                if (k->kty != want)
                    return JWT_KEY_CONFUSION;
                *out = k;
                return JWT_OK;
            }
            if (!kid && k->kty == want) {
                if (found)
                    return JWT_UNKNOWN_KID; /* ambiguous without a kid */
                found = k;
            }
        }
    }
    if (!found)
        return JWT_UNKNOWN_KID;
    *out = found;
    return JWT_OK;
}

static enum jwt_reason verify_hs256(const struct jwt_key *k, const char *data, size_t n,
                                    const uint8_t *sig, size_t sig_len)
{
    uint8_t mac[CRYPTO_SHA256_LEN];
    if (crypto_hmac_sha256(k->secret, k->secret_len, data, n, mac) != AG_OK)
        return JWT_INTERNAL;
    bool ok = sig_len == sizeof(mac) && crypto_equal(mac, sig, sizeof(mac));
    crypto_wipe(mac, sizeof(mac));
    return ok ? JWT_OK : JWT_BAD_SIGNATURE;
}

/* JWS ES256 signatures are r||s, 32 bytes each (RFC 7518 §3.4); EVP wants DER. */
static enum jwt_reason es256_to_der(const uint8_t *sig, size_t sig_len, uint8_t **der,
                                    size_t *der_len)
{
    if (sig_len != 64)
        return JWT_BAD_SIGNATURE;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
        ECDSA_SIG_free(es);
        BN_free(r);
        BN_free(s);
        return JWT_INTERNAL;
    }
    unsigned char *p = NULL;
    int n = i2d_ECDSA_SIG(es, &p);
    ECDSA_SIG_free(es); /* frees r and s too */
    if (n <= 0)
        return JWT_INTERNAL;
    *der = p;
    *der_len = (size_t)n;
    return JWT_OK;
}

static enum jwt_reason verify_pkey(const struct jwt_key *k, const char *data, size_t n,
                                   const uint8_t *sig, size_t sig_len)
{
    uint8_t *der = NULL;
    size_t der_len = 0;
    if (k->kty == KTY_EC) {
        enum jwt_reason r = es256_to_der(sig, sig_len, &der, &der_len);
        if (r != JWT_OK)
            return r;
        sig = der;
        sig_len = der_len;
    }
    enum jwt_reason r = JWT_INTERNAL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k->pkey) != 1) {
        log_openssl("verify init");
        goto out;
    }
    /* 1 verified, 0 did not; a negative value is a malformed signature: also a refusal. */
    r = EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)data, n) == 1 ? JWT_OK
                                                                                : JWT_BAD_SIGNATURE;
    ERR_clear_error();
out:
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    return r;
}

/* A NumericDate claim: absent (false, JWT_OK), a number (true), or JWT_BAD_CLAIM. */
static enum jwt_reason time_claim(json_t *claims, const char *name, double *v, bool *present)
{
    json_t *c = json_object_get(claims, name);
    *present = c != NULL;
    if (!c)
        return JWT_OK;
    if (!json_is_number(c))
        return JWT_BAD_CLAIM;
    *v = json_number_value(c);
    return JWT_OK;
}

static enum jwt_reason check_times(const struct jwt *j, json_t *claims, int64_t now_s)
{
    double now = (double)now_s, leeway = (double)j->leeway_s, exp = 0, nbf = 0, iat = 0;
    bool has_exp, has_nbf, has_iat;
    enum jwt_reason r = time_claim(claims, "exp", &exp, &has_exp);
    if (r == JWT_OK)
        r = time_claim(claims, "nbf", &nbf, &has_nbf);
    if (r == JWT_OK)
        r = time_claim(claims, "iat", &iat, &has_iat);
    if (r != JWT_OK)
        return r;
    if (!has_exp)
        return JWT_NO_EXP;
    if (now >= exp + leeway) /* RFC 7519 §4.1.4: valid only before exp */
        return JWT_EXPIRED;
    if (has_nbf && now < nbf - leeway)
        return JWT_NOT_YET_VALID;
    if (has_iat && iat > now + leeway)
        return JWT_IAT_FUTURE;
    return JWT_OK;
}

static enum jwt_reason check_audience(const struct jwt *j, json_t *claims)
{
    json_t *aud = json_object_get(claims, "aud");
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), j->audience) == 0 ? JWT_OK : JWT_WRONG_AUDIENCE;
    size_t i;
    json_t *a;
    json_array_foreach(aud, i, a)
    {
        if (json_is_string(a) && strcmp(json_string_value(a), j->audience) == 0)
            return JWT_OK;
    }
    return JWT_WRONG_AUDIENCE;
}

/* The most privileged role that value maps to, combined into *best. */
static void map_value(const struct jwt *j, const char *v, size_t n, enum auth_role *best)
{
    for (size_t i = 0; i < j->n_map; i++)
        if (strlen(j->map[i].value) == n && memcmp(j->map[i].value, v, n) == 0 &&
            j->map[i].role > *best)
            *best = j->map[i].role;
}

static enum jwt_reason check_roles(const struct jwt *j, json_t *claims, enum auth_role *role)
{
    *role = AUTH_ROLE_NONE;
    json_t *rc = j->role_claim[0] ? json_object_get(claims, j->role_claim) : NULL;
    if (json_is_string(rc)) {
        map_value(j, json_string_value(rc), json_string_length(rc), role);
    } else if (json_is_array(rc)) {
        size_t i;
        json_t *v;
        json_array_foreach(rc, i, v)
        {
            if (!json_is_string(v))
                return JWT_BAD_CLAIM;
            map_value(j, json_string_value(v), json_string_length(v), role);
        }
    } else if (rc) {
        return JWT_BAD_CLAIM;
    }
    /* OAuth2 scope (RFC 8693 §4.2): one string of space-separated values. */
    json_t *sc = json_object_get(claims, "scope");
    if (sc && !json_is_string(sc))
        return JWT_BAD_CLAIM;
    const char *s = sc ? json_string_value(sc) : "";
    while (*s) {
        while (*s == ' ')
            s++;
        size_t n = strcspn(s, " ");
        if (n)
            map_value(j, s, n, role);
        s += n;
    }
    return JWT_OK;
}

static void pseudonym(const char *iss, const char *sub, char out[AUTH_KEY_ID_LEN + 1])
{
    static const char domain[] = "agentgate/jwt-sub";
    struct buf b;
    uint8_t d[CRYPTO_SHA256_LEN];
    char hex[2 * CRYPTO_SHA256_LEN + 1];
    buf_init(&b, 1024);
    /* Lengths are bounded (issuer 255, sub 128), so the buffer never hits its cap. */
    if (buf_append(&b, domain, sizeof(domain)) != AG_OK ||
        buf_append(&b, iss, strlen(iss) + 1) != AG_OK || buf_append(&b, sub, strlen(sub)) != AG_OK)
        log_error("auth: jwt pseudonym buffer");
    crypto_sha256(b.p, b.len, d);
    buf_release(&b);
    crypto_hex(d, 6, hex);
    memcpy(out, "sub:", 4);
    memcpy(out + 4, hex, 12);
    out[AUTH_KEY_ID_LEN] = '\0';
}

static enum jwt_reason check_claims(const struct jwt *j, json_t *claims, int64_t now_s,
                                    struct auth_identity *out)
{
    enum jwt_reason r = check_times(j, claims, now_s);
    if (r != JWT_OK)
        return r;
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    if (!iss || strcmp(iss, j->issuer) != 0)
        return JWT_WRONG_ISSUER;
    if ((r = check_audience(j, claims)) != JWT_OK)
        return r;
    json_t *sub = json_object_get(claims, j->subject_claim);
    if (!json_is_string(sub) || json_string_length(sub) == 0 ||
        json_string_length(sub) > JWT_MAX_SUB ||
        strlen(json_string_value(sub)) != json_string_length(sub))
        return JWT_BAD_SUBJECT;
    /* The subject reaches logs, limits and the audit: no control characters. */
    for (const unsigned char *c = (const unsigned char *)json_string_value(sub); *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return JWT_BAD_SUBJECT;
    memset(out, 0, sizeof(*out));
    memcpy(out->subject, json_string_value(sub), json_string_length(sub) + 1);
    if (j->tenant_claim[0]) {
        json_t *t = json_object_get(claims, j->tenant_claim);
        size_t tl = json_string_length(t);
        if (!json_is_string(t) || tl == 0 || tl >= sizeof(out->tenant) ||
            strlen(json_string_value(t)) != tl)
            return JWT_NO_TENANT;
        memcpy(out->tenant, json_string_value(t), tl);
    } else {
        memcpy(out->tenant, j->default_tenant, strlen(j->default_tenant) + 1);
    }
    if ((r = check_roles(j, claims, &out->role)) != JWT_OK)
        return r;
    pseudonym(iss, json_string_value(sub), out->key_id);
    out->token = true;
    return out->role == AUTH_ROLE_NONE ? JWT_NO_ROLE : JWT_OK;
}

/* Decode and parse one part as a JSON object. */
static enum jwt_reason part_json(const char *p, size_t n, json_t **out)
{
    uint8_t *raw = NULL;
    size_t len = 0;
    ag_err rc = b64url_decode(p, n, &raw, &len);
    if (rc != AG_OK)
        return rc == AG_ENOMEM ? JWT_INTERNAL : JWT_BAD_BASE64;
    char why[96];
    rc = json_parse_object((const char *)raw, len, JWT_JSON_DEPTH, out, why, sizeof(why));
    free(raw);
    return rc == AG_OK ? JWT_OK : JWT_BAD_JSON;
}

enum jwt_reason jwt_verify(struct jwt *j, const char *token, size_t len, int64_t now_s,
                           struct auth_identity *out)
{
    if (len > j->max_bytes)
        return JWT_OVERSIZE;
    /* Compact serialisation: header.payload.signature, each part non-empty. */
    const char *d1 = memchr(token, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) || d1 == token ||
        d2 == d1 + 1)
        return JWT_MALFORMED;
    const char *sig_p = d2 + 1;
    size_t sig_n = len - (size_t)(sig_p - token);

    json_t *header = NULL, *claims = NULL;
    struct jwt_keyset *fetched = NULL;
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    enum jwt_reason r = part_json(token, (size_t)(d1 - token), &header);
    if (r != JWT_OK)
        goto out;
    json_t *alg_j = json_object_get(header, "alg");
    const char *alg = json_string_value(alg_j);
    json_t *kid_j = json_object_get(header, "kid");
    enum jwt_kty want;
    if (!alg || strcasecmp(alg, "none") == 0) {
        r = alg_j && !json_is_string(alg_j) ? JWT_BAD_JSON : JWT_ALG_NONE;
        goto out;
    }
    if (strcmp(alg, "RS256") == 0) {
        want = KTY_RSA;
    } else if (strcmp(alg, "ES256") == 0) {
        want = KTY_EC;
    } else if (strcmp(alg, "HS256") == 0) {
        want = KTY_OCT;
    } else {
        r = JWT_ALG_UNSUPPORTED;
        goto out;
    }
    /* RFC 7515 §4.1.11: extensions we do not implement must make us refuse. */
    if (json_object_get(header, "crit")) {
        r = JWT_ALG_UNSUPPORTED;
        goto out;
    }
    if (kid_j && !json_is_string(kid_j)) {
        r = JWT_BAD_JSON;
        goto out;
    }
    const struct jwt_key *key = NULL;
    const char *kid = json_string_value(kid_j);
    if (j->url[0])
        fetched = fetched_acquire(j);
    r = pick_key((const struct jwt_keyset *const[2]){j->fixed, fetched}, kid, want, &key);
    if (r == JWT_UNKNOWN_KID && j->url[0] && refresh_for_kid(j, now_s)) {
        keyset_release(fetched);
        fetched = fetched_acquire(j);
        r = pick_key((const struct jwt_keyset *const[2]){j->fixed, fetched}, kid, want, &key);
    }
    if (r == JWT_UNKNOWN_KID && j->url[0] && !fetched)
        r = JWT_JWKS_UNAVAILABLE;
    if (r != JWT_OK)
        goto out;
    if (sig_n == 0) {
        r = JWT_BAD_SIGNATURE;
        goto out;
    }
    ag_err rc = b64url_decode(sig_p, sig_n, &sig, &sig_len);
    if (rc != AG_OK) {
        r = rc == AG_ENOMEM ? JWT_INTERNAL : JWT_BAD_BASE64;
        goto out;
    }
    size_t signed_n = (size_t)(d2 - token);
    r = key->kty == KTY_OCT ? verify_hs256(key, token, signed_n, sig, sig_len)
                            : verify_pkey(key, token, signed_n, sig, sig_len);
    if (r != JWT_OK)
        goto out;
    if ((r = part_json(d1 + 1, (size_t)(d2 - d1 - 1), &claims)) != JWT_OK)
        goto out;
    r = check_claims(j, claims, now_s, out);
out:
    json_decref(header);
    json_decref(claims);
    keyset_release(fetched);
    free(sig);
    return r;
}
