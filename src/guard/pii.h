// SPDX-License-Identifier: MIT
/*
 * guard/pii.h: detection of personal data in free text (German and English spellings).
 * Structured types: e-mail addresses, phone numbers (German, Austrian, Swiss, North
 * American and international), IBANs (mod 97), payment card numbers (Luhn), IPv4 and IPv6
 * addresses, German tax ids (Steuer-ID, ISO 7064 check digit). Unstructured types: names
 * of persons (name lists in data/pii/ plus cues such as "Herr", "my name is", a greeting
 * or a signature), street addresses, postcodes with their town, and dates of birth (a
 * date only next to a birth cue). Order numbers, SKUs, prices, tracking numbers, delivery
 * dates, product and company names are not reported.
 * THREADS: pii_scan() may run on any number of threads at once; the name table is built
 * once on first use (pthread_once) and only read afterwards. OWNERSHIP: spans point into
 * the caller's text by offset only.
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
    PII_PERSON,        /* "Anna Schmidt", "Herr Koch", "my name is Ann Lee" */
    PII_ADDRESS,       /* street and house number, with a unit, postcode and town after it */
    PII_POSTCODE_CITY, /* "10115 Berlin", "CH-8001 Zürich", "SW1A 1AA", "Austin, TX 78701" */
    PII_DATE_OF_BIRTH, /* a date after "geboren am", "born on", "DOB"... */
    PII_N_TYPES
};

/* A found value: bytes [start, end) of the text. */
struct pii_span {
    size_t start, end;
    enum pii_type type;
};

/* "EMAIL", "PHONE", "IBAN", "CREDIT_CARD", "IP_ADDRESS", "TAX_ID", "PERSON", "ADDRESS",
 * "POSTCODE_CITY", "DATE_OF_BIRTH"; "UNKNOWN" for anything else. */
const char *pii_type_name(enum pii_type t);

/* The PII of text p[0..n) (any bytes; UTF-8 expected), in text order and not
 * overlapping; where two candidates overlap, the earlier start wins, then the longer one.
 * An address takes the unit, postcode and town that follow it into its one span; a
 * postcode and town stand alone only without a street before them. Writes at most max
 * spans to out and their number in all to *found (more than max when out was too small).
 * AG_ENOMEM: nothing found is reported. */
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
