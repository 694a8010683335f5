// SPDX-License-Identifier: MIT
/*
 * tests/unit/core/test_crypto.c: hashing, MAC, comparison and hex (core/crypto.h).
 * Known-answer tests from FIPS 180-2 (SHA-256) and RFC 4231 (HMAC-SHA256), plus
 * crypto_equal on every differing position and a hex round trip; the TLS certificate and
 * key check on a pair, a key of another pair, a passphrase key and text that is no PEM.
 * Property loops use a seeded PRNG: TEST_SEED=n replays a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/crypto.h"
#include "test_util.h"

static void sha256_hex(const void *p, size_t n, char hex[2 * CRYPTO_SHA256_LEN + 1])
{
    uint8_t md[CRYPTO_SHA256_LEN];
    crypto_sha256(p, n, md);
    crypto_hex(md, sizeof(md), hex);
}

static void test_sha256_known_vectors(void **state)
{
    (void)state;
    char hex[2 * CRYPTO_SHA256_LEN + 1];
    sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(two_blocks, strlen(two_blocks), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* One million 'a' (FIPS 180-2 appendix B.3). */
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    sha256_hex(a, 1000000, hex);
    free(a);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_hmac_sha256_rfc4231(void **state)
{
    (void)state;
    uint8_t mac[CRYPTO_SHA256_LEN];
    char hex[2 * CRYPTO_SHA256_LEN + 1];

    /* Test case 2: a key shorter than the block, "Jefe". */
    const char *data2 = "what do ya want for nothing?";
    assert_int_equal(crypto_hmac_sha256("Jefe", 4, data2, strlen(data2), mac), AG_OK);
    crypto_hex(mac, sizeof(mac), hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

    /* Test case 1: 20 bytes of 0x0b, "Hi There". */
    uint8_t key1[20];
    memset(key1, 0x0b, sizeof(key1));
    assert_int_equal(crypto_hmac_sha256(key1, sizeof(key1), "Hi There", 8, mac), AG_OK);
    crypto_hex(mac, sizeof(mac), hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    /* Test case 6: a 131-byte key, longer than the block, is hashed first. */
    uint8_t key6[131];
    memset(key6, 0xaa, sizeof(key6));
    const char *data6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    assert_int_equal(crypto_hmac_sha256(key6, sizeof(key6), data6, strlen(data6), mac), AG_OK);
    crypto_hex(mac, sizeof(mac), hex);
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

    /* A different key gives a different MAC for the same message. */
    uint8_t other[CRYPTO_SHA256_LEN];
    assert_int_equal(crypto_hmac_sha256("Jeff", 4, data2, strlen(data2), other), AG_OK);
    assert_false(crypto_equal(mac, other, sizeof(mac)));
}

static void test_crypto_equal(void **state)
{
    (void)state;
    uint8_t a[64], b[64];
    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = b[i] = (uint8_t)(i * 37 + 1);
    assert_true(crypto_equal(a, b, sizeof(a)));
    assert_true(crypto_equal(a, b, 0));
    /* A difference at every position, and in every bit of that byte, is seen. */
    for (size_t i = 0; i < sizeof(a); i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1u << bit);
            assert_false(crypto_equal(a, b, sizeof(a)));
            assert_true(crypto_equal(a, b, i)); /* the prefix before it still matches */
            b[i] ^= (uint8_t)(1u << bit);
        }
    }
    assert_true(crypto_equal(a, b, sizeof(a)));
    assert_true(crypto_equal("secret", "secret", 6));
    assert_false(crypto_equal("secret", "secreT", 6));
}

static void test_crypto_hex(void **state)
{
    (void)state;
    const uint8_t in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[2 * sizeof(in) + 2];
    memset(out, '#', sizeof(out));
    crypto_hex(in, sizeof(in), out);
    assert_string_equal(out, "00017f80abff");
    assert_int_equal(out[2 * sizeof(in) + 1], '#'); /* nothing written past 2n+1 */
    crypto_hex(in, 0, out);
    assert_string_equal(out, "");
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1; /* upper case or anything else is wrong */
}

static void test_crypto_hex_property(void **state)
{
    (void)state;
    tu_rng_seed();
    uint8_t in[100], back[100];
    char out[2 * sizeof(in) + 1];
    for (int iter = 0; iter < 5000; iter++) {
        size_t n = tu_rng_below(sizeof(in) + 1);
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)tu_rng_next();
        crypto_hex(in, n, out);
        TU_PROP_CHECK(strlen(out) == 2 * n);
        for (size_t i = 0; i < n; i++) {
            int hi = hex_val(out[2 * i]), lo = hex_val(out[2 * i + 1]);
            TU_PROP_CHECK(hi >= 0 && lo >= 0);
            back[i] = (uint8_t)(hi << 4 | lo);
        }
        TU_PROP_CHECK(n == 0 || memcmp(in, back, n) == 0);
    }
}

/* Hashing is deterministic and input-sensitive: flipping any one bit changes the hash. */
static void test_sha256_property(void **state)
{
    (void)state;
    tu_rng_seed();
    uint8_t msg[300], h1[CRYPTO_SHA256_LEN], h2[CRYPTO_SHA256_LEN];
    for (int iter = 0; iter < 2000; iter++) {
        size_t n = 1 + tu_rng_below(sizeof(msg));
        for (size_t i = 0; i < n; i++)
            msg[i] = (uint8_t)tu_rng_next();
        crypto_sha256(msg, n, h1);
        crypto_sha256(msg, n, h2);
        TU_PROP_CHECK(crypto_equal(h1, h2, sizeof(h1)));
        msg[tu_rng_below(n)] ^= (uint8_t)(1u << tu_rng_below(8));
        crypto_sha256(msg, n, h2);
        TU_PROP_CHECK(!crypto_equal(h1, h2, sizeof(h1)));
    }
}

static void unhex(const char *h, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

/* AES-256-GCM, test case 16 of the GCM specification (McGrew, Viega): 256-bit key, 96-bit
 * nonce, 20 bytes of aad, 60 bytes of text; by crypto_aead_seal and by a prepared key. */
static void test_aead_known_vector(void **state)
{
    (void)state;
    uint8_t key[32], nonce[12], aad[20], pt[60], ct[60], tag[16], out[60], otag[16];
    unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", key, 32);
    unhex("cafebabefacedbaddecaf888", nonce, 12);
    unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, 20);
    unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
          "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
          pt, 60);
    unhex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
          "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
          ct, 60);
    unhex("76fc6ece0f4e1768cddf8853bb2d551b", tag, 16);
    assert_int_equal(crypto_aead_seal(key, nonce, aad, 20, pt, 60, out, otag), AG_OK);
    assert_memory_equal(out, ct, 60);
    assert_memory_equal(otag, tag, 16);
    struct crypto_aead *a = NULL;
    assert_int_equal(crypto_aead_create(key, &a), AG_OK);
    memset(out, 0, sizeof(out));
    assert_int_equal(crypto_aead_seal_keyed(a, nonce, aad, 20, pt, 60, out, otag), AG_OK);
    assert_memory_equal(out, ct, 60);
    assert_memory_equal(otag, tag, 16);
    assert_int_equal(crypto_aead_open_keyed(a, nonce, aad, 20, ct, 60, tag, out), AG_OK);
    assert_memory_equal(out, pt, 60);
    crypto_aead_destroy(a);
}

/* A prepared key interleaves seals and opens, agrees with the one-shot calls both ways,
 * and refuses a changed tag, text, aad or nonce (wiping what it wrote). */
static void test_aead_keyed_property(void **state)
{
    (void)state;
    tu_rng_seed();
    uint8_t key[32];
    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (uint8_t)tu_rng_next();
    struct crypto_aead *a = NULL;
    assert_int_equal(crypto_aead_create(key, &a), AG_OK);
    for (int iter = 0; iter < 300; iter++) {
        uint8_t nonce[12] = {0}, aad[8], p[64], ct[64], tag[16], back[64];
        nonce[11] = (uint8_t)iter;
        nonce[10] = (uint8_t)(iter >> 8);
        size_t n = tu_rng_below(sizeof(p) + 1);
        for (size_t i = 0; i < n; i++)
            p[i] = (uint8_t)tu_rng_next();
        for (size_t i = 0; i < sizeof(aad); i++)
            aad[i] = (uint8_t)tu_rng_next();
        bool keyed_seal = tu_rng_below(2);
        TU_PROP_CHECK((keyed_seal ? crypto_aead_seal_keyed(a, nonce, aad, 8, p, n, ct, tag)
                                  : crypto_aead_seal(key, nonce, aad, 8, p, n, ct, tag)) == AG_OK);
        TU_PROP_CHECK((keyed_seal
                           ? crypto_aead_open(key, nonce, aad, 8, ct, n, tag, back)
                           : crypto_aead_open_keyed(a, nonce, aad, 8, ct, n, tag, back)) == AG_OK);
        TU_PROP_CHECK(n == 0 || memcmp(back, p, n) == 0);
        int what = (int)tu_rng_below(4);
        if (what == 0)
            tag[tu_rng_below(16)] ^= 1;
        else if (what == 1 && n > 0)
            ct[tu_rng_below(n)] ^= 0x80;
        else if (what == 2)
            aad[tu_rng_below(8)] ^= 2;
        else
            nonce[0] ^= 4;
        memset(back, 0x55, sizeof(back));
        TU_PROP_CHECK(crypto_aead_open_keyed(a, nonce, aad, 8, ct, n, tag, back) == AG_ECORRUPT);
        for (size_t i = 0; i < n; i++)
            TU_PROP_CHECK(back[i] == 0);
    }
    crypto_aead_destroy(a);
    crypto_aead_destroy(NULL);
}

static void test_crypto_random(void **state)
{
    (void)state;
    uint8_t a[32], b[32], zero[32] = {0};
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    assert_int_equal(crypto_random(a, sizeof(a)), AG_OK);
    assert_int_equal(crypto_random(b, sizeof(b)), AG_OK);
    assert_false(crypto_equal(a, b, sizeof(a)));
    assert_false(crypto_equal(a, zero, sizeof(a)));
    assert_int_equal(crypto_random(a, 0), AG_OK);
}

/* ---- crypto_pem_check ------------------------------------------------------------------ */

/* A self-signed P-256 certificate and its key (PKCS#8 and SEC1), another key, and the first
 * key under a passphrase: made with the openssl CLI for this test only, used nowhere else. */
static const char cert_a[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIIBfzCCASWgAwIBAgIUBde7EZUokPR1v7PJONH39LY8QSYwCgYIKoZIzj0EAwIw\n"
                             "FDESMBAGA1UEAwwJdW5pdC10ZXN0MCAXDTI2MTIwNzE0MDE1MVoYDzIxMjYxMTEz\n"
                             "MTQwMTUxWjAUMRIwEAYDVQQDDAl1bml0LXRlc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
                             "PQMBBwNCAAQmUXB5hw0kxkO4rx7PPTG45MRqpGjwq8cPaaPwtCD/+7aGbYv7tgNl\n"
                             "yr6mKcwYTAl27I/F8Flob7872MxueiXQo1MwUTAdBgNVHQ4EFgQUGQ2AtERJ02+7\n"
                             "C4n+H7+QbsjSQyQwHwYDVR0jBBgwFoAUGQ2AtERJ02+7C4n+H7+QbsjSQyQwDwYD\n"
                             "VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiBTGnwvzM0Z76wYqkt1uTIQ\n"
                             "P9dIqSEh2Uy0MH+7w3qy0QIhAI5o2xERtq/aZ3xL2hcA+bOSHzh/br1fN7klhb7Z\n"
                             "Vu5G\n"
                             "-----END CERTIFICATE-----\n";
static const char key_a[] = "-----BEGIN PRIVATE KEY-----\n"
                            "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvTNW8SHwRY7QgVD+\n"
                            "70wUsnyX+5aJ+mjHfTFTn8WNTqmhRANCAAQmUXB5hw0kxkO4rx7PPTG45MRqpGjw\n"
                            "q8cPaaPwtCD/+7aGbYv7tgNlyr6mKcwYTAl27I/F8Flob7872MxueiXQ\n"
                            "-----END PRIVATE KEY-----\n";
static const char key_a_sec1[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIL0zVvEh8EWO0IFQ/u9MFLJ8l/uWifpox30xU5/FjU6poAoGCCqGSM49\n"
    "AwEHoUQDQgAEJlFweYcNJMZDuK8ezz0xuOTEaqRo8KvHD2mj8LQg//u2hm2L+7YD\n"
    "Zcq+pinMGEwJduyPxfBZaG+/O9jMbnol0A==\n"
    "-----END EC PRIVATE KEY-----\n";
static const char key_b[] = "-----BEGIN PRIVATE KEY-----\n"
                            "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgelquXEp8W8tkwrFa\n"
                            "uuXK/UDIKeGokcX/X5KJCnvbneahRANCAAQG7/+YXe50x2ml0g3MS5SjirG7Y1QL\n"
                            "ursjqcJ8u/AA8BZUfIBiZ4xWtmvfEUveQKP3LpjQZcmJrnoXMGGZ7vZZ\n"
                            "-----END PRIVATE KEY-----\n";
static const char key_a_encrypted[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhAH6UWN33bxgICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEB/0rNJ90roHzwUfPe/r3e0EgZB7\n"
    "/KjY43DjRuHvGTd/rsRwp6Y+ZaYRREt096j2ZfcUzXWyQ7mSPdfxJc1VXBQIO8w9\n"
    "wgC1/+alXT8bICktfM0cn7zZvHoCDCXTUkDURSuP9SEx5/nduIXauCsocTktxC6z\n"
    "ZG/eqwx+2z++QlAx/96kteP/ihIDWxhOe/i2Va8gnsMe5zCf/bvScR3/PFvn/Iw=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";

static enum crypto_pem_fault pem_check(const char *cert, const char *key)
{
    return crypto_pem_check(cert, strlen(cert), key, strlen(key));
}

static void test_pem_check(void **state)
{
    (void)state;
    assert_int_equal(pem_check(cert_a, key_a), CRYPTO_PEM_OK);
    assert_int_equal(pem_check(cert_a, key_a_sec1), CRYPTO_PEM_OK);
    /* a chain: the server's certificate first, then (here) itself again as the issuer */
    char chain[2 * sizeof(cert_a)];
    snprintf(chain, sizeof(chain), "%s%s", cert_a, cert_a);
    assert_int_equal(pem_check(chain, key_a), CRYPTO_PEM_OK);
    assert_int_equal(pem_check(cert_a, key_b), CRYPTO_PEM_MISMATCH);
    assert_int_equal(pem_check(cert_a, key_a_encrypted), CRYPTO_PEM_BAD_KEY);
    assert_int_equal(pem_check(cert_a, cert_a), CRYPTO_PEM_BAD_KEY);
    assert_int_equal(pem_check(key_a, key_a), CRYPTO_PEM_BAD_CERT);
    assert_int_equal(pem_check("", key_a), CRYPTO_PEM_BAD_CERT);
    assert_int_equal(pem_check(cert_a, ""), CRYPTO_PEM_BAD_KEY);
    /* cut anywhere, the certificate is not accepted */
    for (size_t n = 0; n + 1 < sizeof(cert_a) - 30; n += 37)
        assert_int_equal(crypto_pem_check(cert_a, n, key_a, strlen(key_a)), CRYPTO_PEM_BAD_CERT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known_vectors), cmocka_unit_test(test_hmac_sha256_rfc4231),
        cmocka_unit_test(test_crypto_equal),         cmocka_unit_test(test_crypto_hex),
        cmocka_unit_test(test_crypto_hex_property),  cmocka_unit_test(test_sha256_property),
        cmocka_unit_test(test_crypto_random),        cmocka_unit_test(test_aead_known_vector),
        cmocka_unit_test(test_aead_keyed_property),  cmocka_unit_test(test_pem_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
