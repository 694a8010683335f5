// SPDX-License-Identifier: MIT
/* fuzz/fuzz_pii.c: PII detection on arbitrary bytes: spans stay inside the input, in order
 * and apart, of a known type; a span's text passes its own check (check digits, '@'); a
 * person starts with a letter; addresses, postcodes and dates of birth hold a digit. */
#include <stdint.h>
#include <string.h>

#include "guard/pii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int has_digit(const char *p, struct pii_span s)
{
    for (size_t k = s.start; k < s.end; k++)
        if (p[k] >= '0' && p[k] <= '9')
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct pii_span s[32];
    size_t n = 0;
    if (pii_scan(p, size, s, 32, &n) != AG_OK)
        return 0;
    for (size_t i = 0; i < n && i < 32; i++) {
        if (s[i].start >= s[i].end || s[i].end > size || s[i].type >= PII_N_TYPES)
            __builtin_trap();
        if (i > 0 && s[i].start < s[i - 1].end)
            __builtin_trap();
        if (s[i].type == PII_EMAIL && !memchr(p + s[i].start, '@', s[i].end - s[i].start))
            __builtin_trap();
        /* Number types: the digits and letters of the span pass the type's check. */
        char d[64];
        size_t nd = 0;
        for (size_t k = s[i].start; k < s[i].end && nd < sizeof(d); k++)
            if ((p[k] >= '0' && p[k] <= '9') || (p[k] >= 'a' && p[k] <= 'z') ||
                (p[k] >= 'A' && p[k] <= 'Z'))
                d[nd++] = p[k];
        if (s[i].type == PII_IBAN && !pii_iban_valid(d, nd))
            __builtin_trap();
        if (s[i].type == PII_CREDIT_CARD && !pii_luhn_valid(d, nd))
            __builtin_trap();
        if (s[i].type == PII_TAX_ID && !pii_steuer_id_valid(d, nd))
            __builtin_trap();
        unsigned char first = (unsigned char)p[s[i].start];
        if (s[i].type == PII_PERSON &&
            !((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first >= 0xC2))
            __builtin_trap();
        if ((s[i].type == PII_ADDRESS || s[i].type == PII_POSTCODE_CITY ||
             s[i].type == PII_DATE_OF_BIRTH) &&
            !has_digit(p, s[i]))
            __builtin_trap();
        (void)pii_code_points(p, s[i].end);
    }
    return 0;
}
