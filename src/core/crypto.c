// SPDX-License-Identifier: MIT
/* core/crypto.c: adapter over OpenSSL libcrypto; translates its failures to ag_err. */
#include "core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/log.h"

void crypto_sha256(const void *p, size_t n, uint8_t out[CRYPTO_SHA256_LEN])
{
    unsigned int len = 0;
    /* EVP_Digest with SHA-256 cannot fail on valid arguments short of OOM in the
     * provider; fall back to zeros (never used as a secret) and log it. */
    if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL)) {
        log_error("crypto: sha256 failed");
        for (size_t i = 0; i < CRYPTO_SHA256_LEN; i++)
            out[i] = 0;
    }
}

ag_err crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t n,
                          uint8_t out[CRYPTO_SHA256_LEN])
{
    unsigned int len = 0;
    if (key_len > INT32_MAX)
        return AG_EINVAL;
    if (!HMAC(EVP_sha256(), key, (int)key_len, msg, n, out, &len) || len != CRYPTO_SHA256_LEN) {
        log_error("crypto: hmac failed");
        return AG_EIO;
    }
    return AG_OK;
}

ag_err crypto_random(void *out, size_t n)
{
    if (n > INT32_MAX || RAND_bytes(out, (int)n) != 1) {
        log_error("crypto: RAND_bytes failed");
        return AG_EIO;
    }
    return AG_OK;
}

bool crypto_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void crypto_hex(const void *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[s[i] >> 4];
        out[2 * i + 1] = digits[s[i] & 15];
    }
    out[2 * n] = '\0';
}
