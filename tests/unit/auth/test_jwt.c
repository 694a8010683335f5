// SPDX-License-Identifier: MIT
/*
 * tests/unit/auth/test_jwt.c: bearer JWTs (src/auth/jwt.c). The group setup makes an RSA
 * 2048 key, an EC P-256 key and an HMAC secret with OpenSSL, writes them as a JWKS file
 * (kids rsa1, ec1, hs1) and creates a verifier from it. Tokens are minted here by a small
 * signer of our own, so every refusal (alg none, key confusion, unknown kid, times and
 * leeway, iss, aud, base64url, JSON, shape, size, signature bits, roles, tenant) is tested
 * against exactly one fault. The last tests go through auth_check_bearer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>

#include "auth/auth.h"
#include "auth/auth_internal.h"
#include "auth/jwt.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/crypto.h"
#include "test_util.h"

#define NOW   ((int64_t)1700000000)
#define ISS   "https://issuer.test/"
#define AUD   "agentgate"
#define STD   ",\"tenant\":\"acme\",\"roles\":[\"customer\"]"
#define SUB_1 "\"sub\":\"user-1\""

static struct {
    char dir[64];
    char jwks[128];
    EVP_PKEY *rsa, *ec;
    uint8_t hs[32];
    struct jwt *jwt;
} K;

/* ---- a small JWS signer ------------------------------------------------------------------ */

static void b64url(const void *p, size_t n, struct buf *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const uint8_t *s = p;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        char q[4] = {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], a[v & 63]};
        assert_int_equal(buf_append(out, q, 4), AG_OK);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        char q[2] = {a[v >> 18], a[(v >> 12) & 63]};
        assert_int_equal(buf_append(out, q, 2), AG_OK);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        char q[3] = {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63]};
        assert_int_equal(buf_append(out, q, 3), AG_OK);
    }
}

static void b64url_str(const char *s, struct buf *out)
{
    b64url(s, strlen(s), out);
}

/* The raw signature of input under alg ("RS256", "ES256", "HS256" with hs/hs_len). */
static size_t sign(const char *alg, const char *input, size_t n, const void *hs, size_t hs_len,
                   uint8_t sig[512])
{
    if (strcmp(alg, "HS256") == 0) {
        assert_int_equal(crypto_hmac_sha256(hs, hs_len, input, n, sig), AG_OK);
        return 32;
    }
    EVP_PKEY *k = strcmp(alg, "RS256") == 0 ? K.rsa : K.ec;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t der[512];
    size_t len = sizeof(der);
    assert_non_null(md);
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(md, der, &len, (const uint8_t *)input, n), 1);
    EVP_MD_CTX_free(md);
    if (k == K.rsa) {
        memcpy(sig, der, len);
        return len;
    }
    /* DER ECDSA-Sig-Value -> the JWS form r||s */
    const uint8_t *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    assert_non_null(es);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32), 32);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32), 32);
    ECDSA_SIG_free(es);
    return 64;
}

/* header_b64 "." payload_b64 "." signature, signed as alg; a malloc'd string. */
static char *mint_encoded(const char *alg, const char *h64, const char *p64)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_append(&b, h64, strlen(h64)), AG_OK);
    assert_int_equal(buf_append(&b, ".", 1), AG_OK);
    assert_int_equal(buf_append(&b, p64, strlen(p64)), AG_OK);
    uint8_t sig[512];
    size_t n = sign(alg, b.p, b.len, K.hs, sizeof(K.hs), sig);
    assert_int_equal(buf_append(&b, ".", 1), AG_OK);
    b64url(sig, n, &b);
    char *t = tu_strdup(buf_cstr(&b));
    buf_release(&b);
    return t;
}

/* A token with header and payload given as JSON text, signed as alg. */
static char *mint_json(const char *alg, const char *header, const char *payload)
{
    struct buf h, p;
    buf_init(&h, 1 << 20);
    buf_init(&p, 1 << 20);
    b64url_str(header, &h);
    b64url_str(payload, &p);
    char *t = mint_encoded(alg, buf_cstr(&h), buf_cstr(&p));
    buf_release(&h);
    buf_release(&p);
    return t;
}

/* A token with header {"alg":alg,"kid":kid} (kid NULL: none) and claims: the standard
 * iss, aud, sub user-1, exp NOW+300, then extra (",..." or ""). */
static char *mint(const char *alg, const char *kid, const char *extra)
{
    char header[160], payload[8192];
    if (kid)
        snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", alg,
                 kid);
    else
        snprintf(header, sizeof(header), "{\"alg\":\"%s\"}", alg);
    snprintf(payload, sizeof(payload),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"," SUB_1 ",\"exp\":%lld%s}",
             (long long)NOW + 300, extra);
    return mint_json(alg, header, payload);
}

static enum jwt_reason check_at(struct jwt *j, const char *tok, int64_t now,
                                struct auth_identity *id)
{
    return jwt_verify(j, tok, strlen(tok), now, id);
}

/* Verify at NOW with the group's verifier, free the token, return the reason. */
static enum jwt_reason check(char *tok)
{
    struct auth_identity id;
    enum jwt_reason r = check_at(K.jwt, tok, NOW, &id);
    free(tok);
    return r;
}

/* ---- setup ------------------------------------------------------------------------------- */

static void bn_b64(EVP_PKEY *k, const char *param, size_t pad, struct buf *out)
{
    BIGNUM *bn = NULL;
    uint8_t raw[600];
    assert_int_equal(EVP_PKEY_get_bn_param(k, param, &bn), 1);
    int n = pad ? BN_bn2binpad(bn, raw, (int)pad) : BN_bn2bin(bn, raw);
    assert_true(n > 0);
    b64url(raw, (size_t)n, out);
    BN_free(bn);
}

static struct jwt_params params_for(const char *jwks, const char *secret_file)
{
    static const char *const map[] = {"customer client", "support-agent reviewer",
                                      "agentgate.admin admin", "agentgate.ask client"};
    struct jwt_params p = jwt_default_params();
    p.issuer = ISS;
    p.audience = AUD;
    p.jwks_file = jwks;
    p.hs256_secret_file = secret_file;
    for (size_t i = 0; i < 4; i++)
        p.role_map[p.n_role_map++] = map[i];
    return p;
}

static int group_setup(void **state)
{
    (void)state;
    if (!tu_mkdtemp(K.dir, sizeof(K.dir), "/tmp/ag-test-jwt-XXXXXX") ||
        !tu_path(K.jwks, sizeof(K.jwks), K.dir, "jwks.json"))
        return -1;
    K.rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    K.ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!K.rsa || !K.ec || crypto_random(K.hs, sizeof(K.hs)) != AG_OK)
        return -1;
    struct buf b;
    buf_init(&b, 1 << 20);
    static const char rsa[] =
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"rsa1\",\"alg\":\"RS256\",\"n\":\"";
    buf_append(&b, rsa, sizeof(rsa) - 1);
    bn_b64(K.rsa, OSSL_PKEY_PARAM_RSA_N, 0, &b);
    buf_append(&b, "\",\"e\":\"", 7);
    bn_b64(K.rsa, OSSL_PKEY_PARAM_RSA_E, 0, &b);
    static const char ec[] = "\"},{\"kty\":\"EC\",\"kid\":\"ec1\",\"crv\":\"P-256\",\"x\":\"";
    buf_append(&b, ec, sizeof(ec) - 1);
    bn_b64(K.ec, OSSL_PKEY_PARAM_EC_PUB_X, 32, &b);
    buf_append(&b, "\",\"y\":\"", 7);
    bn_b64(K.ec, OSSL_PKEY_PARAM_EC_PUB_Y, 32, &b);
    static const char oct[] = "\"},{\"kty\":\"oct\",\"kid\":\"hs1\",\"k\":\"";
    buf_append(&b, oct, sizeof(oct) - 1);
    b64url(K.hs, sizeof(K.hs), &b);
    buf_append(&b, "\"}]}", 4);
    tu_write_file(K.jwks, buf_cstr(&b));
    buf_release(&b);
    struct jwt_params p = params_for(K.jwks, NULL);
    return jwt_create(&p, &K.jwt) == AG_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    jwt_destroy(K.jwt);
    EVP_PKEY_free(K.rsa);
    EVP_PKEY_free(K.ec);
    tu_remove_tree(K.dir);
    return 0;
}

/* ---- valid tokens ------------------------------------------------------------------------ */

static void test_valid_tokens(void **state)
{
    (void)state;
    static const char *const algs[][2] = {{"RS256", "rsa1"}, {"ES256", "ec1"}, {"HS256", "hs1"}};
    char first[AUTH_KEY_ID_LEN + 1] = "";
    for (size_t i = 0; i < 3; i++) {
        struct auth_identity id;
        char *t = mint(algs[i][0], algs[i][1], STD);
        assert_int_equal(check_at(K.jwt, t, NOW, &id), JWT_OK);
        free(t);
        assert_int_equal(id.role, AUTH_ROLE_CLIENT);
        assert_string_equal(id.tenant, "acme");
        assert_int_equal(strlen(id.key_id), AUTH_KEY_ID_LEN);
        assert_memory_equal(id.key_id, "sub:", 4);
        if (i == 0)
            memcpy(first, id.key_id, sizeof(first));
        assert_string_equal(id.key_id, first); /* same iss + sub, same pseudonym */
    }
    /* the pseudonym is SHA-256("agentgate/jwt-sub" NUL iss NUL sub), first 6 bytes */
    static const char in[] = "agentgate/jwt-sub\0" ISS "\0user-1";
    uint8_t d[CRYPTO_SHA256_LEN];
    char hex[65];
    crypto_sha256(in, sizeof(in) - 1, d);
    crypto_hex(d, 6, hex);
    assert_string_equal(first + 4, hex);
    /* another subject, another pseudonym */
    struct auth_identity id;
    char payload[512];
    snprintf(payload, sizeof(payload),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"user-2\",\"exp\":%lld" STD "}",
             (long long)NOW + 300);
    char *t = mint_json("HS256", "{\"alg\":\"HS256\",\"kid\":\"hs1\"}", payload);
    assert_int_equal(check_at(K.jwt, t, NOW, &id), JWT_OK);
    free(t);
    assert_string_not_equal(id.key_id, first);
}

static void test_secret_file_and_no_kid(void **state)
{
    (void)state;
    char path[128];
    assert_true(tu_path(path, sizeof(path), K.dir, "secret"));
    char text[80];
    crypto_hex(K.hs, sizeof(K.hs), text); /* 64 bytes of secret text */
    tu_write_file(path, text);
    struct jwt_params p = params_for(NULL, path);
    struct jwt *j = NULL;
    assert_int_equal(jwt_create(&p, &j), AG_OK);
    struct buf b;
    buf_init(&b, 4096);
    char payload[512];
    snprintf(payload, sizeof(payload),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"," SUB_1 ",\"exp\":%lld" STD "}",
             (long long)NOW + 300);
    b64url_str("{\"alg\":\"HS256\"}", &b);
    assert_int_equal(buf_append(&b, ".", 1), AG_OK);
    b64url_str(payload, &b);
    uint8_t mac[32];
    assert_int_equal(crypto_hmac_sha256(text, 64, b.p, b.len, mac), AG_OK);
    assert_int_equal(buf_append(&b, ".", 1), AG_OK);
    b64url(mac, sizeof(mac), &b);
    struct auth_identity id;
    assert_int_equal(check_at(j, buf_cstr(&b), NOW, &id), JWT_OK);
    buf_release(&b);
    /* the JWKS verifier has one RSA key, so RS256 without a kid finds it */
    assert_int_equal(check(mint("RS256", NULL, STD)), JWT_OK);
    /* no RSA key in j: unknown */
    char *t = mint("RS256", NULL, STD);
    assert_int_equal(check_at(j, t, NOW, &id), JWT_UNKNOWN_KID);
    free(t);
    jwt_destroy(j);
}

/* ---- algorithms and keys ------------------------------------------------------------------ */

static void test_alg_none(void **state)
{
    (void)state;
    char payload[512];
    snprintf(payload, sizeof(payload),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"," SUB_1 ",\"exp\":%lld" STD "}",
             (long long)NOW + 300);
    static const char *const headers[] = {
        "{\"alg\":\"none\"}", "{\"alg\":\"None\",\"kid\":\"hs1\"}", "{\"typ\":\"JWT\"}"};
    for (size_t i = 0; i < 3; i++) {
        struct buf b;
        buf_init(&b, 4096);
        b64url_str(headers[i], &b);
        buf_append(&b, ".", 1);
        b64url_str(payload, &b);
        buf_append(&b, ".", 1); /* empty signature, as alg none sends */
        struct auth_identity id;
        assert_int_equal(check_at(K.jwt, buf_cstr(&b), NOW, &id), JWT_ALG_NONE);
        buf_append(&b, "AAAA", 4); /* and with some signature bytes */
        assert_int_equal(check_at(K.jwt, buf_cstr(&b), NOW, &id), JWT_ALG_NONE);
        buf_release(&b);
    }
    assert_int_equal(check(mint("RS384", "rsa1", STD)), JWT_ALG_UNSUPPORTED);
    assert_int_equal(
        check(mint_json("HS256", "{\"alg\":\"HS256\",\"kid\":\"hs1\",\"crit\":[\"b64\"]}", "{}")),
        JWT_ALG_UNSUPPORTED);
}

static void test_key_confusion(void **state)
{
    (void)state;
    /* HS256 "signed" with the RSA public key's PEM, as an attacker who has it would */
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PUBKEY(bio, K.rsa), 1);
    char *pem = NULL;
    long pem_len = BIO_get_mem_data(bio, &pem);
    assert_true(pem_len > 0);
    char header[] = "{\"alg\":\"HS256\",\"kid\":\"rsa1\"}";
    char payload[512];
    snprintf(payload, sizeof(payload),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"," SUB_1 ",\"exp\":%lld" STD "}",
             (long long)NOW + 300);
    struct buf b;
    buf_init(&b, 8192);
    b64url_str(header, &b);
    buf_append(&b, ".", 1);
    b64url_str(payload, &b);
    uint8_t sig[512];
    size_t n = sign("HS256", b.p, b.len, pem, (size_t)pem_len, sig);
    buf_append(&b, ".", 1);
    b64url(sig, n, &b);
    struct auth_identity id;
    assert_int_equal(check_at(K.jwt, buf_cstr(&b), NOW, &id), JWT_KEY_CONFUSION);
    /* and without a kid: the oct key is used, the PEM is not it */
    buf_release(&b);
    buf_init(&b, 8192);
    b64url_str("{\"alg\":\"HS256\"}", &b);
    buf_append(&b, ".", 1);
    b64url_str(payload, &b);
    n = sign("HS256", b.p, b.len, pem, (size_t)pem_len, sig);
    buf_append(&b, ".", 1);
    b64url(sig, n, &b);
    assert_int_equal(check_at(K.jwt, buf_cstr(&b), NOW, &id), JWT_BAD_SIGNATURE);
    buf_release(&b);
    BIO_free(bio);
    /* an EC key named for RS256, the RSA key for ES256, the oct key for RS256 */
    assert_int_equal(check(mint("RS256", "ec1", STD)), JWT_KEY_CONFUSION);
    assert_int_equal(check(mint("ES256", "rsa1", STD)), JWT_KEY_CONFUSION);
    assert_int_equal(check(mint("RS256", "hs1", STD)), JWT_KEY_CONFUSION);
}

static void test_unknown_kid(void **state)
{
    (void)state;
    assert_int_equal(check(mint("RS256", "rsa2", STD)), JWT_UNKNOWN_KID);
    assert_int_equal(check(mint("HS256", "", STD)), JWT_UNKNOWN_KID);
    assert_int_equal(check(mint_json("RS256", "{\"alg\":\"RS256\",\"kid\":7}", "{}")),
                     JWT_BAD_JSON);
}

/* ---- times ------------------------------------------------------------------------------ */

static enum jwt_reason with_times(const char *times, int64_t now)
{
    char payload[512];
    snprintf(payload, sizeof(payload),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"," SUB_1 "%s" STD "}", times);
    char *t = mint_json("ES256", "{\"alg\":\"ES256\",\"kid\":\"ec1\"}", payload);
    struct auth_identity id;
    enum jwt_reason r = check_at(K.jwt, t, now, &id);
    free(t);
    return r;
}

static void test_times_and_leeway(void **state)
{
    (void)state;
    /* exp: valid strictly before exp + leeway (60) */
    assert_int_equal(with_times(",\"exp\":1700000000", NOW + 59), JWT_OK);
    assert_int_equal(with_times(",\"exp\":1700000000", NOW + 60), JWT_EXPIRED);
    assert_int_equal(with_times(",\"exp\":1700000000", NOW + 61), JWT_EXPIRED);
    assert_int_equal(with_times(",\"exp\":1700000000", NOW + 100000), JWT_EXPIRED);
    assert_int_equal(with_times("", NOW), JWT_NO_EXP);
    assert_int_equal(with_times(",\"exp\":\"1700000300\"", NOW), JWT_BAD_CLAIM);
    /* nbf: valid from nbf - leeway */
    assert_int_equal(with_times(",\"exp\":1700009999,\"nbf\":1700000100", NOW + 41), JWT_OK);
    assert_int_equal(with_times(",\"exp\":1700009999,\"nbf\":1700000100", NOW + 40), JWT_OK);
    assert_int_equal(with_times(",\"exp\":1700009999,\"nbf\":1700000100", NOW + 39),
                     JWT_NOT_YET_VALID);
    assert_int_equal(with_times(",\"exp\":1700009999,\"nbf\":1700000100", NOW - 5000),
                     JWT_NOT_YET_VALID);
    /* iat: not after now + leeway */
    assert_int_equal(with_times(",\"exp\":1700009999,\"iat\":1700000060", NOW), JWT_OK);
    assert_int_equal(with_times(",\"exp\":1700009999,\"iat\":1700000061", NOW), JWT_IAT_FUTURE);
    assert_int_equal(with_times(",\"exp\":1700009999,\"nbf\":null", NOW), JWT_BAD_CLAIM);
}

static void test_zero_leeway(void **state)
{
    (void)state;
    struct jwt_params p = params_for(K.jwks, NULL);
    p.leeway_s = 0;
    struct jwt *j = NULL;
    assert_int_equal(jwt_create(&p, &j), AG_OK);
    struct auth_identity id;
    char *t = mint("RS256", "rsa1", STD); /* exp NOW + 300 */
    assert_int_equal(check_at(j, t, NOW + 299, &id), JWT_OK);
    assert_int_equal(check_at(j, t, NOW + 300, &id), JWT_EXPIRED);
    free(t);
    jwt_destroy(j);
}

/* ---- issuer, audience, subject, tenant, roles ------------------------------------------- */

static enum jwt_reason with_claims(const char *claims)
{
    char payload[1024];
    snprintf(payload, sizeof(payload), "{\"exp\":1700000300,%s}", claims);
    return check(mint_json("HS256", "{\"alg\":\"HS256\",\"kid\":\"hs1\"}", payload));
}

static void test_issuer_and_audience(void **state)
{
    (void)state;
    assert_int_equal(with_claims("\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"," SUB_1 STD), JWT_OK);
    assert_int_equal(with_claims("\"iss\":\"https://evil.test/\",\"aud\":\"" AUD "\"," SUB_1 STD),
                     JWT_WRONG_ISSUER);
    assert_int_equal(with_claims("\"iss\":\"https://issuer.test\",\"aud\":\"" AUD "\"," SUB_1 STD),
                     JWT_WRONG_ISSUER); /* no trailing slash: not equal */
    assert_int_equal(with_claims("\"aud\":\"" AUD "\"," SUB_1 STD), JWT_WRONG_ISSUER);
    assert_int_equal(with_claims("\"iss\":\"" ISS "\",\"aud\":\"other\"," SUB_1 STD),
                     JWT_WRONG_AUDIENCE);
    assert_int_equal(with_claims("\"iss\":\"" ISS "\"," SUB_1 STD), JWT_WRONG_AUDIENCE);
    assert_int_equal(with_claims("\"iss\":\"" ISS "\",\"aud\":[\"a\",\"b\"]," SUB_1 STD),
                     JWT_WRONG_AUDIENCE);
    assert_int_equal(with_claims("\"iss\":\"" ISS "\",\"aud\":[\"a\",\"" AUD "\"]," SUB_1 STD),
                     JWT_OK);
    assert_int_equal(with_claims("\"iss\":\"" ISS "\",\"aud\":[]," SUB_1 STD), JWT_WRONG_AUDIENCE);
}

static void test_subject_and_tenant(void **state)
{
    (void)state;
    char claims[1024], sub[130];
    memset(sub, 'u', sizeof(sub));
    sub[128] = '\0';
    snprintf(claims, sizeof(claims), "\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"%s\"" STD,
             sub);
    assert_int_equal(with_claims(claims), JWT_OK); /* 128 bytes */
    sub[128] = 'u';
    sub[129] = '\0';
    snprintf(claims, sizeof(claims), "\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"%s\"" STD,
             sub);
    assert_int_equal(with_claims(claims), JWT_BAD_SUBJECT); /* 129 bytes */
    assert_int_equal(with_claims("\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"" STD), JWT_BAD_SUBJECT);
    assert_int_equal(with_claims("\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"\"" STD),
                     JWT_BAD_SUBJECT);
    assert_int_equal(
        with_claims("\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"a\\u0000b\"" STD),
        JWT_BAD_JSON); /* NUL in a JSON string: refused by the parser */
    /* tenant */
    assert_int_equal(
        with_claims("\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"," SUB_1 ",\"roles\":\"customer\""),
        JWT_NO_TENANT);
    assert_int_equal(with_claims("\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"," SUB_1
                                 ",\"tenant\":5,\"roles\":\"customer\""),
                     JWT_NO_TENANT);
    /* with no tenant claim configured, the default tenant */
    struct jwt_params p = params_for(K.jwks, NULL);
    p.tenant_claim = "";
    p.default_tenant = "shop";
    struct jwt *j = NULL;
    assert_int_equal(jwt_create(&p, &j), AG_OK);
    struct auth_identity id;
    char *t = mint("RS256", "rsa1", ",\"roles\":\"customer\"");
    assert_int_equal(check_at(j, t, NOW, &id), JWT_OK);
    assert_string_equal(id.tenant, "shop");
    free(t);
    jwt_destroy(j);
}

static void test_subject_claim(void **state)
{
    (void)state;
    struct auth_identity id;
    char *t = mint("RS256", "rsa1", STD);
    assert_int_equal(check_at(K.jwt, t, NOW, &id), JWT_OK);
    assert_string_equal(id.subject, "user-1");
    free(t);
    /* control characters are refused: the subject reaches logs and limits */
    static const char *const bad[] = {"a\\u0001b", "a\\nb", "tab\\t", "del\\u007f"};
    for (size_t i = 0; i < 4; i++) {
        char claims[256];
        snprintf(claims, sizeof(claims),
                 "\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"%s\"" STD, bad[i]);
        assert_int_equal(with_claims(claims), JWT_BAD_SUBJECT);
    }
    assert_int_equal(with_claims("\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"Müller\"" STD),
                     JWT_OK);
    /* another claim may name the subject */
    struct jwt_params p = params_for(K.jwks, NULL);
    p.subject_claim = "email";
    struct jwt *j = NULL;
    assert_int_equal(jwt_create(&p, &j), AG_OK);
    t = mint("RS256", "rsa1", ",\"email\":\"kim@example.test\"" STD);
    assert_int_equal(check_at(j, t, NOW, &id), JWT_OK);
    assert_string_equal(id.subject, "kim@example.test");
    free(t);
    t = mint("RS256", "rsa1", STD); /* sub alone is not enough now */
    assert_int_equal(check_at(j, t, NOW, &id), JWT_BAD_SUBJECT);
    free(t);
    jwt_destroy(j);
    p.subject_claim = "";
    assert_int_equal(jwt_create(&p, &j), AG_ECONFIG);
}

static enum jwt_reason role_of(const char *extra, enum auth_role *role)
{
    char *t = mint("HS256", "hs1", extra);
    struct auth_identity id;
    enum jwt_reason r = check_at(K.jwt, t, NOW, &id);
    free(t);
    *role = id.role;
    return r;
}

static void test_roles_and_scope(void **state)
{
    (void)state;
    enum auth_role role;
    assert_int_equal(role_of(",\"tenant\":\"t\",\"roles\":\"customer\"", &role), JWT_OK);
    assert_int_equal(role, AUTH_ROLE_CLIENT);
    assert_int_equal(role_of(",\"tenant\":\"t\",\"roles\":[\"x\",\"support-agent\"]", &role),
                     JWT_OK);
    assert_int_equal(role, AUTH_ROLE_REVIEWER);
    /* the most privileged of the mapped values wins */
    assert_int_equal(role_of(",\"tenant\":\"t\",\"roles\":[\"support-agent\",\"customer\"],"
                             "\"scope\":\"openid agentgate.admin\"",
                             &role),
                     JWT_OK);
    assert_int_equal(role, AUTH_ROLE_ADMIN);
    assert_int_equal(role_of(",\"tenant\":\"t\",\"scope\":\"  openid   agentgate.ask \"", &role),
                     JWT_OK);
    assert_int_equal(role, AUTH_ROLE_CLIENT);
    /* prefixes and unmapped values map to nothing: authenticated, no role */
    assert_int_equal(
        role_of(",\"tenant\":\"t\",\"roles\":[\"admin\",\"custom\"],\"scope\":\"agentgate\"",
                &role),
        JWT_NO_ROLE);
    assert_int_equal(role, AUTH_ROLE_NONE);
    assert_int_equal(role_of(",\"tenant\":\"t\"", &role), JWT_NO_ROLE);
    assert_int_equal(role_of(",\"tenant\":\"t\",\"roles\":[1]", &role), JWT_BAD_CLAIM);
    assert_int_equal(role_of(",\"tenant\":\"t\",\"scope\":[\"agentgate.ask\"]", &role),
                     JWT_BAD_CLAIM);
}

/* ---- shape, encoding, JSON, size, signature --------------------------------------------- */

static void test_shape(void **state)
{
    (void)state;
    char *t = mint("HS256", "hs1", STD);
    struct auth_identity id;
    char *d1 = strchr(t, '.'), *d2 = strrchr(t, '.');
    struct buf b;
    buf_init(&b, 16384);
    /* two parts */
    buf_append(&b, t, (size_t)(d2 - t));
    assert_int_equal(check_at(K.jwt, buf_cstr(&b), NOW, &id), JWT_MALFORMED);
    /* four parts */
    b.len = 0;
    buf_append(&b, t, strlen(t));
    buf_append(&b, ".", 1);
    assert_int_equal(check_at(K.jwt, buf_cstr(&b), NOW, &id), JWT_MALFORMED);
    buf_append(&b, "AAAA", 4);
    assert_int_equal(check_at(K.jwt, buf_cstr(&b), NOW, &id), JWT_MALFORMED);
    /* empty header or payload; one part; nothing */
    b.len = 0;
    buf_append(&b, d1, strlen(d1));
    assert_int_equal(check_at(K.jwt, buf_cstr(&b), NOW, &id), JWT_MALFORMED);
    b.len = 0;
    buf_append(&b, t, (size_t)(d1 - t) + 1);
    buf_append(&b, d2, strlen(d2));
    assert_int_equal(check_at(K.jwt, buf_cstr(&b), NOW, &id), JWT_MALFORMED);
    assert_int_equal(check_at(K.jwt, "abc", NOW, &id), JWT_MALFORMED);
    assert_int_equal(check_at(K.jwt, "", NOW, &id), JWT_MALFORMED);
    assert_int_equal(check_at(K.jwt, "..", NOW, &id), JWT_MALFORMED);
    /* empty signature with a real alg */
    b.len = 0;
    buf_append(&b, t, (size_t)(d2 - t) + 1);
    assert_int_equal(check_at(K.jwt, buf_cstr(&b), NOW, &id), JWT_BAD_SIGNATURE);
    buf_release(&b);
    free(t);
}

static void test_malformed_base64(void **state)
{
    (void)state;
    struct buf h, p;
    buf_init(&h, 4096);
    buf_init(&p, 4096);
    b64url_str("{\"alg\":\"HS256\",\"kid\":\"hs1\"}", &h); /* 39 bytes: 52 chars, no pad */
    char payload[512];
    snprintf(payload, sizeof(payload),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"," SUB_1 ",\"exp\":%lld" STD "}",
             (long long)NOW + 300);
    b64url_str(payload, &p);
    char *good = mint_encoded("HS256", buf_cstr(&h), buf_cstr(&p));
    assert_int_equal(check(good), JWT_OK);
    /* padding on the header (it needs none, "=" is never allowed) */
    char hp[200];
    snprintf(hp, sizeof(hp), "%s==", buf_cstr(&h));
    assert_int_equal(check(mint_encoded("HS256", hp, buf_cstr(&p))), JWT_BAD_BASE64);
    /* standard-alphabet characters and junk in the (signed) payload */
    static const char bad[] = {'+', '/', '=', '*', ' ', '\n'};
    for (size_t i = 0; i < sizeof(bad); i++) {
        char *pp = tu_strdup(buf_cstr(&p));
        pp[7] = bad[i];
        assert_int_equal(check(mint_encoded("HS256", buf_cstr(&h), pp)), JWT_BAD_BASE64);
        free(pp);
    }
    /* a length that is 1 mod 4, and stray non-zero bits ("QR" is "A" plus bits 0001) */
    char pp[4096];
    snprintf(pp, sizeof(pp), "%sA", buf_cstr(&p));
    if (strlen(pp) % 4 == 1)
        assert_int_equal(check(mint_encoded("HS256", buf_cstr(&h), pp)), JWT_BAD_BASE64);
    assert_int_equal(check(mint_encoded("HS256", buf_cstr(&h), "QR")), JWT_BAD_BASE64);
    assert_int_equal(check(mint_encoded("HS256", buf_cstr(&h), "QQ")), JWT_BAD_JSON); /* "A" */
    /* a signature with a bad character */
    char *t = mint("HS256", "hs1", STD);
    t[strlen(t) - 3] = '!';
    assert_int_equal(check(t), JWT_BAD_BASE64);
    buf_release(&h);
    buf_release(&p);
}

static void test_malformed_json(void **state)
{
    (void)state;
    static const char *const headers[] = {
        "{\"alg\":\"HS256\"",                                   /* truncated */
        "[\"HS256\"]",                                          /* not an object */
        "{\"alg\":\"HS256\",\"alg\":\"none\",\"kid\":\"hs1\"}", /* duplicate key */
        "{\"alg\":\"HS256\",\"kid\":\"hs1\"} x",                /* trailing text */
        "{\"alg\":\"HS256\",\"kid\":\"hs1\",\"x\":\"\xff\"}",   /* not UTF-8 */
        "{\"alg\":256}",                                        /* alg not a string */
    };
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
        assert_int_equal(check(mint_json("HS256", headers[i], "{}")), JWT_BAD_JSON);
    /* the payload, signed: a duplicate sub, a truncated object */
    assert_int_equal(check(mint_json("HS256", "{\"alg\":\"HS256\",\"kid\":\"hs1\"}",
                                     "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"a\","
                                     "\"sub\":\"b\",\"exp\":1700000300" STD "}")),
                     JWT_BAD_JSON);
    assert_int_equal(check(mint_json("HS256", "{\"alg\":\"HS256\",\"kid\":\"hs1\"}", "{\"iss\":")),
                     JWT_BAD_JSON);
}

static void test_oversize(void **state)
{
    (void)state;
    char fill[6001], extra[6100];
    memset(fill, 'x', 6000);
    fill[6000] = '\0';
    snprintf(extra, sizeof(extra), ",\"pad\":\"%s\"" STD, fill);
    char *t = mint("HS256", "hs1", extra);
    assert_true(strlen(t) > 8192);
    assert_int_equal(check(t), JWT_OVERSIZE);
    /* just under the cap still verifies */
    fill[5000] = '\0';
    snprintf(extra, sizeof(extra), ",\"pad\":\"%s\"" STD, fill);
    t = mint("HS256", "hs1", extra);
    assert_true(strlen(t) <= 8192);
    assert_int_equal(check(t), JWT_OK);
}

/* Flip one bit of the decoded signature and re-encode it. */
static char *flip_sig_bit(char *t, size_t bit)
{
    char *dot = strrchr(t, '.');
    size_t n = strlen(dot + 1);
    uint8_t raw[600];
    size_t w = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 6) | (uint32_t)(strchr(a, dot[1 + i]) - a);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            raw[w++] = (uint8_t)(acc >> bits);
        }
    }
    raw[(bit / 8) % w] ^= (uint8_t)(1u << (bit % 8));
    struct buf b;
    buf_init(&b, 1 << 16);
    buf_append(&b, t, (size_t)(dot - t) + 1);
    b64url(raw, w, &b);
    char *out = tu_strdup(buf_cstr(&b));
    buf_release(&b);
    free(t);
    return out;
}

static void test_bad_signature(void **state)
{
    (void)state;
    static const char *const algs[][2] = {{"RS256", "rsa1"}, {"ES256", "ec1"}, {"HS256", "hs1"}};
    for (size_t i = 0; i < 3; i++) {
        for (size_t bit = 0; bit < 512; bit += 37)
            assert_int_equal(check(flip_sig_bit(mint(algs[i][0], algs[i][1], STD), bit)),
                             JWT_BAD_SIGNATURE);
        /* a changed payload under the old signature */
        char *t = mint(algs[i][0], algs[i][1], STD);
        char *d1 = strchr(t, '.');
        d1[5] = d1[5] == 'A' ? 'B' : 'A';
        assert_int_equal(check(t), JWT_BAD_SIGNATURE);
        /* a truncated signature (whole 4-character groups: valid base64url) */
        t = mint(algs[i][0], algs[i][1], STD);
        char *sig = strrchr(t, '.') + 1;
        sig[(strlen(sig) / 4 - 1) * 4] = '\0';
        assert_int_equal(check(t), JWT_BAD_SIGNATURE);
    }
}

/* ---- creation --------------------------------------------------------------------------- */

static void test_create_refuses_bad_settings(void **state)
{
    (void)state;
    struct jwt *j = NULL;
    struct jwt_params p = params_for(K.jwks, NULL);
    p.issuer = "";
    assert_int_equal(jwt_create(&p, &j), AG_ECONFIG);
    p = params_for(K.jwks, NULL);
    p.audience = NULL;
    assert_int_equal(jwt_create(&p, &j), AG_ECONFIG);
    p = params_for(NULL, NULL);
    assert_int_equal(jwt_create(&p, &j), AG_ECONFIG); /* no key */
    p = params_for(K.jwks, NULL);
    p.role_map[0] = "customer superuser";
    assert_int_equal(jwt_create(&p, &j), AG_ECONFIG);
    p.role_map[0] = "customer";
    assert_int_equal(jwt_create(&p, &j), AG_ECONFIG);
    char path[128];
    assert_true(tu_path(path, sizeof(path), K.dir, "short"));
    tu_write_file(path, "0123456789abcdef0123456789abcde\n"); /* 31 bytes + newline */
    p = params_for(NULL, path);
    assert_int_equal(jwt_create(&p, &j), AG_ECONFIG);
    p = params_for("/nonexistent/jwks.json", NULL);
    assert_int_equal(jwt_create(&p, &j), AG_EIO);
    /* JWKS files that are wrong */
    static const char *const jwks[] = {
        "{\"keys\":{}}",
        "{\"keys\":[{\"kty\":\"OKP\",\"kid\":\"a\"}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"c2hvcnQ\"}]}",
        "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":"
        "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
        "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}",
        "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"a\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}]}",
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"RS256\","
        "\"k\":\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":"
        "\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"},"
        "{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"}]}",
    };
    assert_true(tu_path(path, sizeof(path), K.dir, "bad.json"));
    for (size_t i = 0; i < sizeof(jwks) / sizeof(jwks[0]); i++) {
        tu_write_file(path, jwks[i]);
        p = params_for(path, NULL);
        j = NULL;
        assert_int_equal(jwt_create(&p, &j), AG_ECONFIG);
        assert_null(j);
    }
}

static void test_config_keys(void **state)
{
    (void)state;
    struct config c = config_default();
    char why[256];
    assert_false(jwt_configured(&c));
    assert_int_equal(c.jwt_leeway_s, 60);
    assert_int_equal(c.jwt_max_bytes, 8192);
    assert_string_equal(c.jwt_role_claim, "roles");
    assert_string_equal(c.jwt_tenant_claim, "tenant");
    assert_int_equal(config_set(&c, "jwt_jwks_file", K.jwks, why, sizeof(why)), AG_OK);
    assert_int_equal(config_validate(&c, why, sizeof(why)), AG_ECONFIG); /* no iss, aud */
    assert_int_equal(config_set(&c, "jwt_issuer", ISS, why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "jwt_audience", AUD, why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "jwt_role_map", "customer client", why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "jwt_role_map", "support-agent reviewer", why, sizeof(why)),
                     AG_OK);
    assert_int_equal(config_set(&c, "jwt_leeway_s", "0", why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "jwt_max_bytes", "100", why, sizeof(why)), AG_ECONFIG);
    assert_int_equal(config_validate(&c, why, sizeof(why)), AG_OK);
    assert_true(jwt_configured(&c));
    struct jwt_params p = jwt_params_from_config(&c);
    assert_int_equal(p.n_role_map, 2);
    assert_int_equal(p.leeway_s, 0);
    struct jwt *j = NULL;
    assert_int_equal(jwt_create(&p, &j), AG_OK);
    struct auth_identity id;
    char *t = mint("ES256", "ec1", ",\"tenant\":\"acme\",\"roles\":\"support-agent\"");
    assert_int_equal(check_at(j, t, NOW + 299, &id), JWT_OK);
    assert_int_equal(id.role, AUTH_ROLE_REVIEWER);
    assert_int_equal(check_at(j, t, NOW + 300, &id), JWT_EXPIRED); /* leeway 0 */
    free(t);
    jwt_destroy(j);
}

static void test_reason_names(void **state)
{
    (void)state;
    for (int i = 0; i < JWT_REASON_COUNT; i++) {
        const char *n = jwt_reason_name((enum jwt_reason)i);
        assert_string_not_equal(n, "unknown");
        for (int k = 0; k < i; k++)
            assert_string_not_equal(n, jwt_reason_name((enum jwt_reason)k));
    }
    assert_string_equal(jwt_reason_name(JWT_REASON_COUNT), "unknown");
    assert_string_equal(jwt_reason_name(JWT_UNKNOWN_KID), "unknown_kid");
}

/* ---- JWKS from a URL (a fetcher of our own in place of libcurl) ------------------------- */

/* The "IdP": what the next fetch returns, and how many fetches there were. */
static struct {
    pthread_mutex_t mu;
    char body[1 << 14];
    ag_err result;
    unsigned max_age_s;
    unsigned fetches;
} F = {.mu = PTHREAD_MUTEX_INITIALIZER};

static ag_err fake_fetch(void *ctx, const char *url, struct buf *body, unsigned *max_age_s)
{
    (void)ctx;
    assert_string_equal(url, "https://idp.test/jwks.json");
    pthread_mutex_lock(&F.mu);
    F.fetches++;
    ag_err rc = F.result;
    if (rc == AG_OK)
        rc = buf_append(body, F.body, strlen(F.body));
    *max_age_s = F.max_age_s;
    pthread_mutex_unlock(&F.mu);
    return rc;
}

static void serve(const char *body, ag_err result, unsigned max_age_s)
{
    pthread_mutex_lock(&F.mu);
    snprintf(F.body, sizeof(F.body), "%s", body);
    F.result = result;
    F.max_age_s = max_age_s;
    pthread_mutex_unlock(&F.mu);
}

static unsigned fetches(void)
{
    pthread_mutex_lock(&F.mu);
    unsigned n = F.fetches;
    pthread_mutex_unlock(&F.mu);
    return n;
}

/* A JWKS with the test keys named by which: 'r' rsa1, 'e' ec1, 'h' hs1. */
static void jwks_of(const char *which, struct buf *b)
{
    buf_init(b, 1 << 14);
    assert_int_equal(buf_append_str(b, "{\"keys\":["), AG_OK);
    for (const char *w = which; *w; w++) {
        if (w != which)
            assert_int_equal(buf_append_str(b, ","), AG_OK);
        if (*w == 'r') {
            assert_int_equal(buf_append_str(b, "{\"kty\":\"RSA\",\"kid\":\"rsa1\",\"n\":\""),
                             AG_OK);
            bn_b64(K.rsa, OSSL_PKEY_PARAM_RSA_N, 0, b);
            assert_int_equal(buf_append_str(b, "\",\"e\":\""), AG_OK);
            bn_b64(K.rsa, OSSL_PKEY_PARAM_RSA_E, 0, b);
        } else if (*w == 'e') {
            assert_int_equal(
                buf_append_str(b, "{\"kty\":\"EC\",\"kid\":\"ec1\",\"crv\":\"P-256\",\"x\":\""),
                AG_OK);
            bn_b64(K.ec, OSSL_PKEY_PARAM_EC_PUB_X, 32, b);
            assert_int_equal(buf_append_str(b, "\",\"y\":\""), AG_OK);
            bn_b64(K.ec, OSSL_PKEY_PARAM_EC_PUB_Y, 32, b);
        } else {
            assert_int_equal(buf_append_str(b, "{\"kty\":\"oct\",\"kid\":\"hs1\",\"k\":\""), AG_OK);
            b64url(K.hs, sizeof(K.hs), b);
        }
        assert_int_equal(buf_append_str(b, "\"}"), AG_OK);
    }
    assert_int_equal(buf_append_str(b, "]}"), AG_OK);
}

static void serve_keys(const char *which, unsigned max_age_s)
{
    struct buf b;
    jwks_of(which, &b);
    serve(buf_cstr(&b), AG_OK, max_age_s);
    buf_release(&b);
}

/* A verifier on the fake URL only, after resetting the fetch count. */
static struct jwt *url_verifier(unsigned refresh_s, unsigned min_refresh_s)
{
    pthread_mutex_lock(&F.mu);
    F.fetches = 0;
    pthread_mutex_unlock(&F.mu);
    struct jwt_params p = params_for(NULL, NULL);
    p.jwks_url = "https://idp.test/jwks.json";
    p.jwks_refresh_s = refresh_s;
    p.jwks_min_refresh_s = min_refresh_s;
    p.jwks_fetch = fake_fetch;
    struct jwt *j = NULL;
    assert_int_equal(jwt_create(&p, &j), AG_OK);
    return j;
}

/* A token valid at real time now (the URL's rate cap runs on the verify clock). */
static char *mint_now(const char *alg, const char *kid, int64_t now)
{
    char header[160], payload[512];
    snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"%s\"}", alg, kid);
    snprintf(payload, sizeof(payload),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"," SUB_1 ",\"exp\":%lld" STD "}",
             (long long)now + 3600);
    return mint_json(alg, header, payload);
}

static enum jwt_reason verify_now(struct jwt *j, const char *alg, const char *kid, int64_t at,
                                  int64_t now)
{
    struct auth_identity id;
    char *t = mint_now(alg, kid, now);
    enum jwt_reason r = check_at(j, t, at, &id);
    free(t);
    return r;
}

static void test_jwks_url_rotation_and_rate_cap(void **state)
{
    (void)state;
    int64_t now = time(NULL);
    serve_keys("r", 0);
    struct jwt *j = url_verifier(3600, 30);
    assert_int_equal(fetches(), 1); /* fetched at create */
    assert_int_equal(verify_now(j, "RS256", "rsa1", now, now), JWT_OK);
    /* the IdP publishes ec1; within the rate cap an unknown kid fetches nothing */
    serve_keys("re", 0);
    assert_int_equal(verify_now(j, "ES256", "ec1", now, now), JWT_UNKNOWN_KID);
    assert_int_equal(fetches(), 1);
    /* past it, the unknown kid makes one fetch and is then found */
    assert_int_equal(verify_now(j, "ES256", "ec1", now + 31, now), JWT_OK);
    assert_int_equal(fetches(), 2);
    assert_int_equal(verify_now(j, "RS256", "rsa1", now + 31, now), JWT_OK);
    /* a flood of random kids: no fetch until min_refresh_s has passed again */
    for (int i = 0; i < 50; i++) {
        char kid[16];
        snprintf(kid, sizeof(kid), "x%d", i);
        assert_int_equal(verify_now(j, "RS256", kid, now + 31 + i % 30, now), JWT_UNKNOWN_KID);
    }
    assert_int_equal(fetches(), 2);
    assert_int_equal(verify_now(j, "RS256", "nope", now + 61, now), JWT_UNKNOWN_KID);
    assert_int_equal(fetches(), 3);
    /* the IdP drops rsa1: after the next fetch its tokens are refused */
    serve_keys("e", 0);
    assert_int_equal(verify_now(j, "RS256", "nope", now + 91, now), JWT_UNKNOWN_KID);
    assert_int_equal(verify_now(j, "RS256", "rsa1", now + 91, now), JWT_UNKNOWN_KID);
    assert_int_equal(verify_now(j, "ES256", "ec1", now + 91, now), JWT_OK);
    uint64_t ok = 0, failed = 0;
    jwt_jwks_stats(j, &ok, &failed);
    assert_int_equal(ok, 4);
    assert_int_equal(failed, 0);
    jwt_destroy(j);
}

static void test_jwks_url_bad_replies_keep_the_keys(void **state)
{
    (void)state;
    int64_t now = time(NULL);
    serve_keys("r", 0);
    struct jwt *j = url_verifier(3600, 30);
    static const char *const bad[] = {
        "not json",
        "{\"keys\":\"x\"}",
        "{\"nokeys\":[]}",
        "{\"keys\":[]}",                                                   /* no usable key */
        "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"}]}", /* ditto */
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"small\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}",
        "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"e\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}]}",
        "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"short\",\"k\":\"AAAA\"}]}",
        "{\"keys\":[1]}",
        "{\"keys\":[{\"kty\":\"oct\",\"kid\":7}]}",
        "[]",
    };
    int64_t at = now;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        serve(bad[i], AG_OK, 0);
        at += 31;
        assert_int_equal(verify_now(j, "RS256", "other", at, now), JWT_UNKNOWN_KID);
        assert_int_equal(fetches(), i + 2);
        assert_int_equal(verify_now(j, "RS256", "rsa1", at, now), JWT_OK);
    }
    /* the IdP down, or a reply over the cap */
    serve("", AG_EIO, 0);
    at += 31;
    assert_int_equal(verify_now(j, "RS256", "other", at, now), JWT_UNKNOWN_KID);
    assert_int_equal(verify_now(j, "RS256", "rsa1", at, now), JWT_OK);
    serve("", AG_ETOOBIG, 0);
    at += 31;
    assert_int_equal(verify_now(j, "RS256", "other", at, now), JWT_UNKNOWN_KID);
    assert_int_equal(verify_now(j, "RS256", "rsa1", at, now), JWT_OK);
    uint64_t ok = 0, failed = 0;
    jwt_jwks_stats(j, &ok, &failed);
    assert_int_equal(ok, 1);
    assert_int_equal(failed, sizeof(bad) / sizeof(bad[0]) + 2);
    jwt_destroy(j);
}

static void test_jwks_url_unavailable_at_start(void **state)
{
    (void)state;
    int64_t now = time(NULL);
    serve("", AG_EIO, 0);
    struct jwt *j = url_verifier(3600, 30);
    assert_int_equal(fetches(), 1);
    assert_int_equal(verify_now(j, "RS256", "rsa1", now, now), JWT_JWKS_UNAVAILABLE);
    assert_int_equal(fetches(), 1);
    serve_keys("r", 0);
    assert_int_equal(verify_now(j, "RS256", "rsa1", now + 31, now), JWT_OK);
    assert_int_equal(fetches(), 2);
    jwt_destroy(j);
    /* the auth layer gives 401, with the reason in the log */
    serve("", AG_EIO, 0);
    j = url_verifier(3600, 30);
    struct auth *a = NULL;
    char path[160], hdr[9000];
    assert_true(tu_path(path, sizeof(path), K.dir, "keys-url.db"));
    assert_int_equal(auth_open(path, true, &a), AG_OK);
    auth_set_jwt(a, j);
    char *t = mint_now("RS256", "rsa1", now);
    snprintf(hdr, sizeof(hdr), "Bearer %s", t);
    struct auth_identity id;
    assert_int_equal(auth_check_bearer(a, hdr, &id), AG_ENOTFOUND);
    free(t);
    auth_close(a);
}

static void test_jwks_url_periodic_refresh_and_max_age(void **state)
{
    (void)state;
    /* refresh_s 3600, but the reply's max-age of 1 s makes it refetch on its own */
    serve_keys("r", 1);
    struct jwt *j = url_verifier(3600, 1);
    for (int i = 0; i < 60 && fetches() < 3; i++)
        usleep(100 * 1000);
    assert_true(fetches() >= 3);
    jwt_destroy(j);
    /* no max-age: the next fetch waits refresh_s */
    serve_keys("r", 0);
    j = url_verifier(3600, 1);
    usleep(1500 * 1000);
    assert_int_equal(fetches(), 1);
    jwt_destroy(j);
    /* a failed fetch is retried every min_refresh_s */
    serve("", AG_EIO, 0);
    j = url_verifier(3600, 1);
    for (int i = 0; i < 60 && fetches() < 2; i++)
        usleep(100 * 1000);
    assert_true(fetches() >= 2);
    jwt_destroy(j);
}

struct hammer {
    struct jwt *j;
    char *token;
    int64_t at;
    int ok;
};

static void *hammer_run(void *arg)
{
    struct hammer *h = arg;
    struct auth_identity id;
    for (int i = 0; i < 300; i++)
        h->ok += check_at(h->j, h->token, h->at, &id) == JWT_OK;
    return NULL;
}

/* Verifying threads never see a half-swapped key set while fetches replace it. */
static void test_jwks_url_swap_under_load(void **state)
{
    (void)state;
    int64_t now = time(NULL);
    serve_keys("re", 0);
    struct jwt *j = url_verifier(3600, 1);
    char *token = mint_now("ES256", "ec1", now);
    struct hammer h[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        h[i] = (struct hammer){.j = j, .token = token, .at = now};
        assert_int_equal(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
    }
    for (int i = 1; i <= 20; i++) /* each one a fetch and a swap */
        assert_int_equal(verify_now(j, "RS256", "unknown", now + 2 * i, now), JWT_UNKNOWN_KID);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(h[i].ok, 300);
    }
    assert_int_equal(fetches(), 21);
    free(token);
    jwt_destroy(j);
}

static void test_jwks_check_and_settings(void **state)
{
    (void)state;
    size_t n = 99;
    struct buf b;
    jwks_of("reh", &b);
    assert_int_equal(jwt_jwks_check(b.p, b.len, &n), AG_OK);
    assert_int_equal(n, 3);
    buf_release(&b);
    /* keys we do not implement are skipped in a fetched set, not fatal */
    static const char skip[] = "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"},"
                               "{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AA\",\"e\":\"AQAB\"},"
                               "{\"kty\":\"RSA\",\"alg\":\"RS512\",\"n\":\"AA\",\"e\":\"AQAB\"},"
                               "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}]}";
    assert_int_equal(jwt_jwks_check(skip, strlen(skip), &n), AG_OK);
    assert_int_equal(n, 0);
    static const char dup[] = "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"a\",\"k\":"
                              "\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"},"
                              "{\"kty\":\"oct\",\"kid\":\"a\",\"k\":"
                              "\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"}]}";
    assert_int_equal(jwt_jwks_check(dup, strlen(dup), &n), AG_ECONFIG);
    assert_int_equal(jwt_jwks_check("{\"keys\":[{}]}", 13, &n), AG_ECONFIG);
    assert_int_equal(jwt_jwks_check("{", 1, &n), AG_ECONFIG);
    /* bad URL settings */
    struct jwt_params p = params_for(NULL, NULL);
    struct jwt *j = NULL;
    p.jwks_url = "ftp://idp.test/jwks.json";
    p.jwks_fetch = fake_fetch;
    assert_int_equal(jwt_create(&p, &j), AG_ECONFIG);
    p.jwks_url = "https://idp.test/jwks.json";
    p.jwks_min_refresh_s = 60;
    p.jwks_refresh_s = 30;
    assert_int_equal(jwt_create(&p, &j), AG_ECONFIG);
    p.jwks_min_refresh_s = 0;
    assert_int_equal(jwt_create(&p, &j), AG_ECONFIG);
    p = params_for(NULL, NULL);
    assert_int_equal(jwt_create(&p, &j), AG_ECONFIG); /* no key source at all */
    /* config keys */
    struct config c = config_default();
    char why[256];
    assert_int_equal(c.jwt_jwks_refresh_s, 3600);
    assert_int_equal(c.jwt_jwks_min_refresh_s, 30);
    assert_string_equal(c.jwt_subject_claim, "sub");
    assert_int_equal(config_set(&c, "jwt_jwks_refresh_s", "0", why, sizeof(why)), AG_ECONFIG);
    assert_int_equal(config_set(&c, "jwt_jwks_min_refresh_s", "x", why, sizeof(why)), AG_ECONFIG);
    assert_int_equal(config_set(&c, "jwt_subject_claim", "", why, sizeof(why)), AG_ECONFIG);
    assert_int_equal(config_set(&c, "jwt_jwks_url", "idp.test/jwks", why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "jwt_issuer", ISS, why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "jwt_audience", AUD, why, sizeof(why)), AG_OK);
    assert_true(jwt_configured(&c));
    assert_int_equal(config_validate(&c, why, sizeof(why)), AG_ECONFIG);
    assert_non_null(strstr(why, "jwt_jwks_url"));
    assert_int_equal(config_set(&c, "jwt_jwks_url", "https://idp.test/j", why, sizeof(why)), AG_OK);
    assert_int_equal(config_validate(&c, why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "jwt_jwks_min_refresh_s", "7200", why, sizeof(why)), AG_OK);
    assert_int_equal(config_validate(&c, why, sizeof(why)), AG_ECONFIG);
    assert_non_null(strstr(why, "jwt_jwks_min_refresh_s"));
}

static void test_cache_control_max_age(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        unsigned want;
    } cases[] = {
        {"max-age=600", 600},
        {" public, max-age=86400", 86400},
        {"max-age=60, must-revalidate", 60},
        {"MAX-AGE=5", 5},
        {"no-cache, max-age=600", 0},
        {"max-age=600, no-store", 0},
        {"max-age=", 0},
        {"max-age=12x", 0},
        {"max-age=-1", 0},
        {"max-age=1, max-age=2", 0},
        {"private", 0},
        {"", 0},
        {"max-age=99999999999", 4294967295u},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(jwks_cache_max_age(cases[i].v, strlen(cases[i].v)), cases[i].want);
}

/* ---- through auth_check_bearer ---------------------------------------------------------- */

static void test_bearer_dispatch(void **state)
{
    (void)state;
    char path[128];
    struct auth *a = NULL;
    assert_true(tu_path(path, sizeof(path), K.dir, "keys.db"));
    assert_int_equal(auth_open(path, true, &a), AG_OK);
    char key[AUTH_KEY_LEN + 1], header[16384];
    struct auth_identity id;
    assert_int_equal(auth_key_create(a, AUTH_ROLE_ADMIN, "acme", key), AG_OK);
    char *t = mint("RS256", "rsa1", STD); /* expired long ago by the wall clock */
    snprintf(header, sizeof(header), "Bearer %s", t);
    free(t);
    /* without a verifier a JWT is not a credential */
    assert_int_equal(auth_check_bearer(a, header, &id), AG_EINVAL);
    struct jwt_params p = params_for(K.jwks, NULL);
    struct jwt *j = NULL;
    assert_int_equal(jwt_create(&p, &j), AG_OK);
    auth_set_jwt(a, j);
    assert_int_equal(auth_check_bearer(a, header, &id), AG_ENOTFOUND);
    char payload[512];
    snprintf(payload, sizeof(payload),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"," SUB_1 ",\"exp\":%lld" STD "}",
             (long long)time(NULL) + 300);
    t = mint_json("RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa1\"}", payload);
    snprintf(header, sizeof(header), "bearer  %s", t);
    free(t);
    assert_int_equal(auth_check_bearer(a, header, &id), AG_OK);
    assert_int_equal(id.role, AUTH_ROLE_CLIENT);
    assert_memory_equal(id.key_id, "sub:", 4);
    /* no mapped role: authenticated with role none (the route then answers 403) */
    snprintf(payload, sizeof(payload),
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"," SUB_1
             ",\"exp\":%lld,\"tenant\":\"acme\",\"roles\":\"x\"}",
             (long long)time(NULL) + 300);
    t = mint_json("RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa1\"}", payload);
    snprintf(header, sizeof(header), "Bearer %s", t);
    free(t);
    assert_int_equal(auth_check_bearer(a, header, &id), AG_OK);
    assert_int_equal(id.role, AUTH_ROLE_NONE);
    /* API keys still work, and a broken agk_ key never reaches the JWT verifier */
    snprintf(header, sizeof(header), "Bearer %s", key);
    assert_int_equal(auth_check_bearer(a, header, &id), AG_OK);
    assert_int_equal(id.role, AUTH_ROLE_ADMIN);
    assert_int_equal(auth_check_bearer(a, "Bearer agk_1.2.3", &id), AG_EINVAL);
    assert_int_equal(auth_check_bearer(a, "Bearer a.b.c", &id), AG_ENOTFOUND);
    auth_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_tokens),
        cmocka_unit_test(test_secret_file_and_no_kid),
        cmocka_unit_test(test_alg_none),
        cmocka_unit_test(test_key_confusion),
        cmocka_unit_test(test_unknown_kid),
        cmocka_unit_test(test_times_and_leeway),
        cmocka_unit_test(test_zero_leeway),
        cmocka_unit_test(test_issuer_and_audience),
        cmocka_unit_test(test_subject_and_tenant),
        cmocka_unit_test(test_roles_and_scope),
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_malformed_base64),
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_bad_signature),
        cmocka_unit_test(test_create_refuses_bad_settings),
        cmocka_unit_test(test_config_keys),
        cmocka_unit_test(test_reason_names),
        cmocka_unit_test(test_bearer_dispatch),
        cmocka_unit_test(test_jwks_url_rotation_and_rate_cap),
        cmocka_unit_test(test_jwks_url_bad_replies_keep_the_keys),
        cmocka_unit_test(test_jwks_url_unavailable_at_start),
        cmocka_unit_test(test_jwks_url_periodic_refresh_and_max_age),
        cmocka_unit_test(test_jwks_url_swap_under_load),
        cmocka_unit_test(test_jwks_check_and_settings),
        cmocka_unit_test(test_cache_control_max_age),
        cmocka_unit_test(test_subject_claim),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
