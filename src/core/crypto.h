/*
 * core/crypto.h: the hashing, MAC, randomness and comparison agentgate needs, over
 * OpenSSL 3 libcrypto (the only file that includes OpenSSL headers is crypto.c).
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

#endif
