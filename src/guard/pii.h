// SPDX-License-Identifier: MIT
/*
 * guard/pii.h: detection of structured personal data in free text (German and English
 * spellings): e-mail addresses, phone numbers (German, Austrian, Swiss and international),
 * IBANs (mod-97), payment card numbers (Luhn), IPv4 and IPv6 addresses and German tax
 * ids (Steuer-ID, ISO 7064 check digit). Order numbers, SKUs, prices, tracking numbers,
 * dates and times are not reported: every type needs its own shape, and the number types
 * their check digits or a phone prefix.
 * THREADS: pure functions, no state. OWNERSHIP: spans point into the caller's text by
 * offset only.
 */
#ifndef AG_GUARD_PII_H
#define AG_GUARD_PII_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

enum pii_type {
    PII_EMAIL,
    PII_PHONE,
    PII_IBAN,
    PII_CREDIT_CARD,
    PII_IP_ADDRESS,
    PII_TAX_ID,
    PII_N_TYPES
};

/* A found value: bytes [start, end) of the text. */
struct pii_span {
    size_t start, end;
    enum pii_type type;
};

/* "EMAIL", "PHONE", "IBAN", "CREDIT_CARD", "IP_ADDRESS", "TAX_ID". */
const char *pii_type_name(enum pii_type t);

/* The structured PII of text p[0..n) (any bytes; UTF-8 expected), in text order and not
 * overlapping. Writes at most max spans to out and their number in all to *found (more
 * than max when out was too small). AG_ENOMEM: nothing found is reported. */
ag_err pii_scan(const char *p, size_t n, struct pii_span *out, size_t max, size_t *found);

/* Check digits, for p[0..n) without separators: an IBAN (2 letters, 2 check digits, up to
 * 30 letters or digits; letters of any case) by ISO 13616 mod 97; a payment card number
 * (13 to 19 digits) by Luhn; a German Steuer-ID (11 digits) by ISO 7064 MOD 11,10 and
 * its rule on repeated digits. */
bool pii_iban_valid(const char *p, size_t n);
bool pii_luhn_valid(const char *p, size_t n);
bool pii_steuer_id_valid(const char *p, size_t n);

/* The code point offset of byte offset off in UTF-8 text p (bytes that continue a
 * sequence do not count). */
size_t pii_code_points(const char *p, size_t off);

#endif
