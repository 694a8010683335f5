// SPDX-License-Identifier: MIT
/*
 * fuzz/fuzz_jwt.c: bearer JWT verification (auth/jwt.h) on arbitrary bytes.
 * The verifier holds an oct key (kid hs1, a fixed secret) and an EC P-256 key made at
 * start. First byte 'S': the rest is "header.payload" in base64url, which the harness
 * signs with the fixed HS256 secret, so mutations reach the claim checks behind the
 * signature; any other first byte: the whole input is the token. Invariants: the reason
 * is a known code with a name; JWT_OK means a pseudonymous key id, a role and a tenant.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "auth/jwt.h"
#include "core/buf.h"
#include "core/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* base64url of "0123456789abcdef0123456789abcdef" (the fixed HS256 secret) */
static const char secret[] = "0123456789abcdef0123456789abcdef";
static const char secret_b64[] = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY";
static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64url(const uint8_t *s, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        char q[4] = {alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63],
                     alphabet[v & 63]};
        size_t k = n - i >= 3 ? 4 : n - i + 1;
        if (buf_append(out, q, k) != AG_OK)
            __builtin_trap();
    }
}

static void ec_coord(EVP_PKEY *k, const char *param, struct buf *out)
{
    BIGNUM *bn = NULL;
    uint8_t raw[32];
    if (EVP_PKEY_get_bn_param(k, param, &bn) != 1 || BN_bn2binpad(bn, raw, 32) != 32)
        __builtin_trap();
    BN_free(bn);
    b64url(raw, sizeof(raw), out);
}

static struct jwt *make_verifier(void)
{
    char path[] = "/tmp/ag-fuzz-jwt-XXXXXX";
    int fd = mkstemp(path);
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (fd < 0 || !ec)
        __builtin_trap();
    struct buf b;
    buf_init(&b, 4096);
    static const char a[] = "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"hs1\",\"k\":\"";
    static const char c[] = "\"},{\"kty\":\"EC\",\"kid\":\"ec1\",\"crv\":\"P-256\",\"x\":\"";
    if (buf_append(&b, a, sizeof(a) - 1) || buf_append(&b, secret_b64, sizeof(secret_b64) - 1) ||
        buf_append(&b, c, sizeof(c) - 1))
        __builtin_trap();
    ec_coord(ec, OSSL_PKEY_PARAM_EC_PUB_X, &b);
    if (buf_append(&b, "\",\"y\":\"", 7))
        __builtin_trap();
    ec_coord(ec, OSSL_PKEY_PARAM_EC_PUB_Y, &b);
    if (buf_append(&b, "\"}]}", 4) || write(fd, b.p, b.len) != (ssize_t)b.len)
        __builtin_trap();
    close(fd);
    buf_release(&b);
    EVP_PKEY_free(ec);
    struct jwt_params p = jwt_default_params();
    static const char *const map[] = {"customer client", "support-agent reviewer"};
    p.issuer = "https://issuer.test/";
    p.audience = "agentgate";
    p.jwks_file = path;
    p.role_map[0] = map[0];
    p.role_map[1] = map[1];
    p.n_role_map = 2;
    struct jwt *j = NULL;
    if (jwt_create(&p, &j) != AG_OK)
        __builtin_trap();
    unlink(path);
    return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct jwt *j;
    if (!j)
        j = make_verifier();
    struct buf tok;
    buf_init(&tok, 1u << 20);
    if (size > 0 && data[0] == 'S') {
        uint8_t mac[CRYPTO_SHA256_LEN];
        if (buf_append(&tok, data + 1, size - 1) != AG_OK ||
            crypto_hmac_sha256(secret, sizeof(secret) - 1, data + 1, size - 1, mac) != AG_OK ||
            buf_append(&tok, ".", 1) != AG_OK)
            __builtin_trap();
        b64url(mac, sizeof(mac), &tok);
    } else if (size > 0 && buf_append(&tok, data, size) != AG_OK) {
        __builtin_trap();
    }
    struct auth_identity id;
    memset(&id, 0, sizeof(id));
    enum jwt_reason r = jwt_verify(j, tok.len ? tok.p : "", tok.len, 1700000000, &id);
    if ((unsigned)r >= JWT_REASON_COUNT || strcmp(jwt_reason_name(r), "unknown") == 0)
        __builtin_trap();
    if (r == JWT_OK && (strlen(id.key_id) != AUTH_KEY_ID_LEN || memcmp(id.key_id, "sub:", 4) != 0 ||
                        id.role == AUTH_ROLE_NONE || id.tenant[0] == '\0'))
        __builtin_trap();
    buf_release(&tok);
    return 0;
}
