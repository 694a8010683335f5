/*
 * core/crypto.h: the hashing, MAC, authenticated encryption (AES-256-GCM), randomness,
 * wiping and comparison agentgate needs, over OpenSSL 3 libcrypto (the only file that
 * includes OpenSSL headers is crypto.c).
 * THREADS: all functions are safe from any thread.
 */
#ifndef AG_CORE_CRYPTO_H
#define AG_CORE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CRYPTO_SHA256_LEN 32

void crypto_sha256(const void *p, size_t n, uint8_t out[CRYPTO_SHA256_LEN]);
/* HMAC-SHA256 of msg under key. */
ag_err crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t n,
                          uint8_t out[CRYPTO_SHA256_LEN]);
/* n bytes from the OS CSPRNG; AG_EIO if it fails. */
ag_err crypto_random(void *out, size_t n);
/* Compare n bytes in time independent of where they differ. */
bool crypto_equal(const void *a, const void *b, size_t n);
/* Lower-case hex of p[0..n) into out, which holds 2n+1 bytes. */
void crypto_hex(const void *p, size_t n, char *out);

/* ---- keyed HMAC, AES-256-GCM, wiping ----------------------------------------------------- */

#define CRYPTO_AEAD_KEY_LEN   32
#define CRYPTO_AEAD_NONCE_LEN 12
#define CRYPTO_AEAD_TAG_LEN   16

/* One piece of a message given in parts. */
struct crypto_part {
    const void *p;
    size_t n;
};

/* An HMAC-SHA256 key made ready once (its pads hashed), for keys used on every request.
 * THREADS: after create it is only read, so any number of threads may use one at once. */
struct crypto_hmac;
/* AG_EINVAL for an oversized key, AG_ENOMEM, AG_EIO when libcrypto fails (logged). */
ag_err crypto_hmac_create(const void *key, size_t key_len, struct crypto_hmac **out);
/* NULL is a no-op. */
void crypto_hmac_destroy(struct crypto_hmac *h);
/* HMAC-SHA256 under h's key of the concatenation of parts[0..n_parts). AG_EIO (logged). */
ag_err crypto_hmac_sha256_keyed(const struct crypto_hmac *h, const struct crypto_part *parts,
                                size_t n_parts, uint8_t out[CRYPTO_SHA256_LEN]);
/* AES-256-GCM: encrypt p[0..n) into ct (n bytes; ct may equal p) and write the tag; aad
 * (aad_len bytes, may be NULL when 0) is authenticated but not encrypted. A nonce must
 * never be used twice under one key. AG_EINVAL for sizes over INT_MAX, AG_ENOMEM, AG_EIO
 * when libcrypto fails (logged). */
ag_err crypto_aead_seal(const uint8_t key[CRYPTO_AEAD_KEY_LEN],
                        const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], const void *aad, size_t aad_len,
                        const void *p, size_t n, void *ct, uint8_t tag[CRYPTO_AEAD_TAG_LEN]);
/* The reverse of crypto_aead_seal: decrypt ct[0..n) into p (n bytes). AG_ECORRUPT when
 * the tag, key, nonce or aad do not match (p is wiped then), AG_EIO/AG_EINVAL as above. */
ag_err crypto_aead_open(const uint8_t key[CRYPTO_AEAD_KEY_LEN],
                        const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], const void *aad, size_t aad_len,
                        const void *ct, size_t n, const uint8_t tag[CRYPTO_AEAD_TAG_LEN], void *p);
/* A key made ready for AES-256-GCM once (key schedule and hash tables), for many seals and
 * opens: the same results as crypto_aead_seal/open with that key, without setting the key up
 * each time. Not for two threads at once. AG_ENOMEM, AG_EIO (logged). */
struct crypto_aead;
ag_err crypto_aead_create(const uint8_t key[CRYPTO_AEAD_KEY_LEN], struct crypto_aead **out);
/* Wipes the key schedule; NULL is a no-op. */
void crypto_aead_destroy(struct crypto_aead *a);
ag_err crypto_aead_seal_keyed(struct crypto_aead *a, const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN],
                              const void *aad, size_t aad_len, const void *p, size_t n, void *ct,
                              uint8_t tag[CRYPTO_AEAD_TAG_LEN]);
ag_err crypto_aead_open_keyed(struct crypto_aead *a, const uint8_t nonce[CRYPTO_AEAD_NONCE_LEN],
                              const void *aad, size_t aad_len, const void *ct, size_t n,
                              const uint8_t tag[CRYPTO_AEAD_TAG_LEN], void *p);
/* Overwrite p[0..n) with zeros in a way the compiler may not remove (OPENSSL_cleanse). */
void crypto_wipe(void *p, size_t n);

/* ---- TLS certificates ------------------------------------------------------------------ */

enum crypto_pem_fault {
    CRYPTO_PEM_OK,
    CRYPTO_PEM_BAD_CERT, /* no PEM X.509 certificate first in cert */
    CRYPTO_PEM_BAD_KEY,  /* no PEM private key in key (or one with a passphrase) */
    CRYPTO_PEM_MISMATCH, /* the key is not the certificate's */
};
/* Check a TLS server's certificate (PEM; the first of a chain is the server's) and its
 * private key (PEM, unencrypted: PKCS#8, PKCS#1 or SEC1) before a TLS library is given
 * them, so a bad file is reported by name. Nothing about the key is logged. */
enum crypto_pem_fault crypto_pem_check(const char *cert, size_t cert_len, const char *key,
                                       size_t key_len);

#endif
