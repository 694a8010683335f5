// SPDX-License-Identifier: MIT
/* core/crypto.c: adapter over OpenSSL libcrypto; translates its failures to ag_err. */
#include "core/crypto.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
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

/* ---- keyed HMAC, AES-256-GCM, wiping ----------------------------------------------------- */

/* The algorithms are fetched once: an implicit fetch by name on every call costs a lookup
 * under libcrypto's own lock. They stay loaded for the life of the process. */
static EVP_MAC *hmac_alg;
static EVP_CIPHER *gcm_alg;
static pthread_once_t algs_once = PTHREAD_ONCE_INIT;

static void algs_fetch(void)
{
    hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
    gcm_alg = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

static bool algs_ready(void)
{
    if (pthread_once(&algs_once, algs_fetch) != 0 || !hmac_alg || !gcm_alg) {
        log_error("crypto: cannot load HMAC or AES-256-GCM from libcrypto");
        return false;
    }
    return true;
}

/* A keyed context is never updated itself: each use works on a copy (EVP_MAC_CTX_dup only
 * reads it), which skips hashing the key pads and parsing the digest name per message. */
struct crypto_hmac {
    EVP_MAC_CTX *ctx;
};

ag_err crypto_hmac_create(const void *key, size_t key_len, struct crypto_hmac **out)
{
    if (key_len > INT32_MAX)
        return AG_EINVAL;
    if (!algs_ready())
        return AG_EIO;
    struct crypto_hmac *h = calloc(1, sizeof(*h));
    if (!h)
        return AG_ENOMEM;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    h->ctx = EVP_MAC_CTX_new(hmac_alg);
    if (!h->ctx || !EVP_MAC_init(h->ctx, key, key_len, params)) {
        log_error("crypto: hmac key setup failed");
        crypto_hmac_destroy(h);
        return AG_EIO;
    }
    *out = h;
    return AG_OK;
}

void crypto_hmac_destroy(struct crypto_hmac *h)
{
    if (!h)
        return;
    EVP_MAC_CTX_free(h->ctx);
    free(h);
}

ag_err crypto_hmac_sha256_keyed(const struct crypto_hmac *h, const struct crypto_part *parts,
                                size_t n_parts, uint8_t out[CRYPTO_SHA256_LEN])
{
    ag_err rc = AG_EIO;
    size_t len = 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(h->ctx);
    if (!ctx)
        goto done;
    for (size_t i = 0; i < n_parts; i++)
        if (parts[i].n && !EVP_MAC_update(ctx, parts[i].p, parts[i].n))
            goto done;
    if (!EVP_MAC_final(ctx, out, &len, CRYPTO_SHA256_LEN) || len != CRYPTO_SHA256_LEN)
        goto done;
    rc = AG_OK;
done:
    if (rc != AG_OK)
        log_error("crypto: hmac failed");
    EVP_MAC_CTX_free(ctx);
    return rc;
}

/* One seal on ctx: keyed with key, or already keyed when key is NULL (then only the nonce
 * is set, which keeps the key schedule). */
static ag_err aead_seal(EVP_CIPHER_CTX *ctx, const uint8_t *key, const uint8_t *nonce,
                        const void *aad, size_t aad_len, const void *p, size_t n, void *ct,
                        uint8_t *tag)
{
    if (n > INT_MAX || aad_len > INT_MAX)
        return AG_EINVAL;
    int len = 0;
    if (!EVP_EncryptInit_ex2(ctx, key ? gcm_alg : NULL, key, nonce, NULL) ||
        (aad_len && !EVP_EncryptUpdate(ctx, NULL, &len, aad, (int)aad_len)) ||
        (n && !EVP_EncryptUpdate(ctx, ct, &len, p, (int)n)) ||
        /* GCM is a stream mode: Final writes no bytes, it only completes the tag. */
        !EVP_EncryptFinal_ex(ctx, (unsigned char *)ct + (n ? len : 0), &len) ||
        !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, CRYPTO_AEAD_TAG_LEN, tag)) {
        log_error("crypto: aes-gcm encrypt failed");
        return AG_EIO;
    }
    return AG_OK;
}

static ag_err aead_open(EVP_CIPHER_CTX *ctx, const uint8_t *key, const uint8_t *nonce,
                        const void *aad, size_t aad_len, const void *ct, size_t n,
                        const uint8_t *tag, void *p)
{
    if (n > INT_MAX || aad_len > INT_MAX)
        return AG_EINVAL;
    ag_err rc = AG_EIO;
    int len = 0;
    uint8_t want[CRYPTO_AEAD_TAG_LEN];
    memcpy(want, tag, sizeof(want)); /* the ctrl call takes a non-const pointer */
    if (!EVP_DecryptInit_ex2(ctx, key ? gcm_alg : NULL, key, nonce, NULL) ||
        (aad_len && !EVP_DecryptUpdate(ctx, NULL, &len, aad, (int)aad_len)) ||
        (n && !EVP_DecryptUpdate(ctx, p, &len, ct, (int)n)) ||
        !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, CRYPTO_AEAD_TAG_LEN, want))
        log_error("crypto: aes-gcm decrypt failed");
    else /* A failed Final is a tag mismatch: the bytes written so far are not to be trusted. */
        rc = EVP_DecryptFinal_ex(ctx, (unsigned char *)p + (n ? len : 0), &len) > 0 ? AG_OK
                                                                                    : AG_ECORRUPT;
    if (rc != AG_OK && n)
        OPENSSL_cleanse(p, n);
    return rc;
}

ag_err crypto_aead_seal(const uint8_t key[CRYPTO_AEAD_KEY_LEN],
                        const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], const void *aad, size_t aad_len,
                        const void *p, size_t n, void *ct, uint8_t tag[CRYPTO_AEAD_TAG_LEN])
{
    if (!algs_ready())
        return AG_EIO;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    ag_err rc = ctx ? aead_seal(ctx, key, nonce, aad, aad_len, p, n, ct, tag) : AG_ENOMEM;
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

ag_err crypto_aead_open(const uint8_t key[CRYPTO_AEAD_KEY_LEN],
                        const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], const void *aad, size_t aad_len,
                        const void *ct, size_t n, const uint8_t tag[CRYPTO_AEAD_TAG_LEN], void *p)
{
    if (!algs_ready())
        return AG_EIO;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    ag_err rc = ctx ? aead_open(ctx, key, nonce, aad, aad_len, ct, n, tag, p) : AG_ENOMEM;
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

/* The context keeps the key schedule between calls: each seal or open sets only the nonce
 * (and the direction), which OpenSSL 3 allows with a NULL cipher and key. */
struct crypto_aead {
    EVP_CIPHER_CTX *ctx;
};

ag_err crypto_aead_create(const uint8_t key[CRYPTO_AEAD_KEY_LEN], struct crypto_aead **out)
{
    if (!algs_ready())
        return AG_EIO;
    struct crypto_aead *a = calloc(1, sizeof(*a));
    if (!a || !(a->ctx = EVP_CIPHER_CTX_new())) {
        free(a);
        return AG_ENOMEM;
    }
    if (!EVP_EncryptInit_ex2(a->ctx, gcm_alg, key, NULL, NULL)) {
        log_error("crypto: aes-gcm key setup failed");
        crypto_aead_destroy(a);
        return AG_EIO;
    }
    *out = a;
    return AG_OK;
}

void crypto_aead_destroy(struct crypto_aead *a)
{
    if (!a)
        return;
    EVP_CIPHER_CTX_free(a->ctx); /* cleanses the key schedule */
    free(a);
}

ag_err crypto_aead_seal_keyed(struct crypto_aead *a, const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN],
                              const void *aad, size_t aad_len, const void *p, size_t n, void *ct,
                              uint8_t tag[CRYPTO_AEAD_TAG_LEN])
{
    return aead_seal(a->ctx, NULL, nonce, aad, aad_len, p, n, ct, tag);
}

ag_err crypto_aead_open_keyed(struct crypto_aead *a, const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN],
                              const void *aad, size_t aad_len, const void *ct, size_t n,
                              const uint8_t tag[CRYPTO_AEAD_TAG_LEN], void *p)
{
    return aead_open(a->ctx, NULL, nonce, aad, aad_len, ct, n, tag, p);
}

void crypto_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

/* A passphrase callback that has none: an encrypted key fails instead of prompting. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

enum crypto_pem_fault crypto_pem_check(const char *cert, size_t cert_len, const char *key,
                                       size_t key_len)
{
    enum crypto_pem_fault f = CRYPTO_PEM_BAD_CERT;
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    BIO *b = NULL;
    if (cert_len > INT_MAX || key_len > INT_MAX)
        goto out;
    b = BIO_new_mem_buf(cert, (int)cert_len);
    x = b ? PEM_read_bio_X509(b, NULL, no_passphrase, NULL) : NULL;
    BIO_free(b);
    if (!x)
        goto out;
    f = CRYPTO_PEM_BAD_KEY;
    b = BIO_new_mem_buf(key, (int)key_len);
    k = b ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL) : NULL;
    BIO_free(b);
    if (!k)
        goto out;
    f = X509_check_private_key(x, k) == 1 ? CRYPTO_PEM_OK : CRYPTO_PEM_MISMATCH;
out:
    ERR_clear_error(); /* the thread's error queue holds parse details; none are needed */
    EVP_PKEY_free(k);
    X509_free(x);
    return f;
}
