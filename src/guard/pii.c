// SPDX-License-Identifier: MIT
/*
 * guard/pii.c: structured PII in free text. Each type has a scanner that walks the whole
 * text and proposes spans at word bounds; the spans are then sorted and overlaps dropped
 * (the earlier start wins, then the longer span). Number types must pass their check
 * digits (IBAN, card, Steuer-ID) or carry a phone prefix; a number right after an order,
 * invoice or tracking cue is not a phone number or tax id.
 * THREADS: pure. OWNERSHIP: spans are offsets into the caller's text.
 */
#include "guard/pii.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
    return is_digit(c) || is_alpha(c);
}

/* Part of a word: ASCII letters and digits and every byte of a non-ASCII character. */
static bool is_word(char c)
{
    return is_alnum(c) || (unsigned char)c >= 0x80;
}

static char lower(char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

const char *pii_type_name(enum pii_type t)
{
    static const char *const names[PII_N_TYPES] = {
        "EMAIL",  "PHONE",  "IBAN",    "CREDIT_CARD",   "IP_ADDRESS",
        "TAX_ID", "PERSON", "ADDRESS", "POSTCODE_CITY", "DATE_OF_BIRTH"};
    return t < PII_N_TYPES ? names[t] : "UNKNOWN";
}

/* ---- check digits --------------------------------------------------------------------- */

bool pii_iban_valid(const char *p, size_t n)
{
    if (n < 15 || n > 34 || !is_alpha(p[0]) || !is_alpha(p[1]) || !is_digit(p[2]) ||
        !is_digit(p[3]))
        return false;
    /* The first four characters move to the end; letters count as 10..35; mod 97 = 1. */
    unsigned rem = 0;
    for (size_t k = 0; k < n; k++) {
        char c = p[(k + 4) % n];
        if (is_digit(c))
            rem = (rem * 10 + (unsigned)(c - '0')) % 97;
        else if (is_alpha(c))
            rem = (rem * 100 + (unsigned)(lower(c) - 'a' + 10)) % 97;
        else
            return false;
    }
    return rem == 1;
}

bool pii_luhn_valid(const char *p, size_t n)
{
    if (n < 12 || n > 19)
        return false;
    unsigned sum = 0;
    for (size_t k = 0; k < n; k++) {
        char c = p[n - 1 - k];
        if (!is_digit(c))
            return false;
        unsigned d = (unsigned)(c - '0');
        if (k % 2 == 1)
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return sum % 10 == 0;
}

bool pii_steuer_id_valid(const char *p, size_t n)
{
    if (n != 11 || p[0] == '0')
        return false;
    unsigned count[10] = {0};
    for (size_t k = 0; k < 11; k++) {
        if (!is_digit(p[k]))
            return false;
        if (k < 10)
            count[p[k] - '0']++;
    }
    /* Of the first ten digits exactly one appears twice or three times, and at most
     * eight different digits appear (so some are missing). */
    unsigned repeated = 0, present = 0;
    for (int d = 0; d < 10; d++) {
        present += count[d] > 0;
        if (count[d] == 2 || count[d] == 3)
            repeated++;
        else if (count[d] > 3)
            return false;
    }
    if (repeated != 1 || present < 7 || present > 9)
        return false;
    /* ISO 7064 MOD 11,10 over the first ten digits gives the eleventh. */
    unsigned product = 10;
    for (size_t k = 0; k < 10; k++) {
        unsigned sum = ((unsigned)(p[k] - '0') + product) % 10;
        if (sum == 0)
            sum = 10;
        product = (sum * 2) % 11;
    }
    unsigned check = 11 - product;
    if (check == 10)
        check = 0;
    return check == (unsigned)(p[10] - '0');
}

size_t pii_code_points(const char *p, size_t off)
{
    size_t cp = 0;
    for (size_t i = 0; i < off; i++)
        cp += ((unsigned char)p[i] & 0xC0) != 0x80;
    return cp;
}

/* ---- collecting spans ----------------------------------------------------------------- */

struct found {
    struct pii_span *v;
    size_t n, cap;
    bool oom;
};

static void add(struct found *f, size_t start, size_t end, enum pii_type t)
{
    struct pii_span *v = ag_grow(f->v, &f->cap, f->n, sizeof(*v));
    if (!v) {
        f->oom = true;
        return;
    }
    f->v = v;
    f->v[f->n++] = (struct pii_span){start, end, t};
}

static bool starts_word(const char *p, size_t i)
{
    return i == 0 || !is_word(p[i - 1]);
}

static bool ends_word(const char *p, size_t n, size_t e)
{
    return e == n || !is_word(p[e]);
}

/* Does an order, invoice, tracking or article cue stand in the 32 bytes before i? Then a
 * number there is that, not a phone number or tax id. */
#define CUE_WINDOW 32

/* Does one of cues (lower case) stand, in any case, in the window bytes before i? */
static bool cue_before(const char *p, size_t i, size_t window, const char *const *cues,
                       size_t n_cues)
{
    char low[CUE_WINDOW];
    size_t from = i > window ? i - window : 0, m = i - from;
    for (size_t k = 0; k < m; k++)
        low[k] = lower(p[from + k]);
    for (size_t c = 0; c < n_cues; c++) {
        size_t cl = strlen(cues[c]);
        for (size_t k = 0; k + cl <= m; k++)
            if (memcmp(low + k, cues[c], cl) == 0)
                return true;
    }
    return false;
}

static bool after_number_cue(const char *p, size_t i)
{
    static const char *const cues[] = {"bestell",  "auftrag",  "order",   "rechnung", "invoice",
                                       "sendung",  "tracking", "artikel", "article",  "kunden",
                                       "customer", "ticket",   "vorgang", "paket",    "parcel"};
    return cue_before(p, i, CUE_WINDOW, cues, sizeof(cues) / sizeof(cues[0]));
}

/* ---- e-mail ----------------------------------------------------------------------------- */

static bool email_local(char c)
{
    return is_word(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static void scan_email(const char *p, size_t n, struct found *f)
{
    for (size_t at = 1; at + 1 < n; at++) {
        if (p[at] != '@')
            continue;
        size_t s = at;
        while (s > 0 && email_local(p[s - 1]))
            s--;
        while (s < at && p[s] == '.') /* a local part does not start with a dot */
            s++;
        if (s == at || !starts_word(p, s))
            continue;
        /* Domain: labels of letters, digits and '-', dot-separated, the last of 2+ letters. */
        size_t e = at + 1, last_dot = 0;
        while (e < n && (is_alnum(p[e]) || p[e] == '-' || p[e] == '.')) {
            if (p[e] == '.' && (p[e - 1] == '.' || p[e - 1] == '@'))
                break;
            e++;
        }
        while (e > at + 1 && (p[e - 1] == '.' || p[e - 1] == '-')) /* end of the sentence */
            e--;
        for (size_t q = at + 1; q < e; q++)
            if (p[q] == '.')
                last_dot = q;
        if (last_dot >= e || last_dot <= at + 1 || e - last_dot - 1 < 2)
            continue;
        bool tld_alpha = true;
        for (size_t k = last_dot + 1; k < e; k++)
            tld_alpha &= is_alpha(p[k]);
        if (!tld_alpha || !ends_word(p, n, e))
            continue;
        add(f, s, e, PII_EMAIL);
        at = e;
    }
}

/* ---- digit groups ------------------------------------------------------------------------ */

/* From i: digits in groups separated by one of seps (one at a time). Writes the digits to
 * d (at most cap), the end of each group to ends (at most 16) and returns the count of
 * groups; *end is where the last group ends. */
static size_t digit_groups(const char *p, size_t n, size_t i, const char *seps, char *d, size_t cap,
                           size_t *nd, size_t *ends, size_t *end)
{
    size_t groups = 0;
    *nd = 0;
    *end = i;
    while (i < n && is_digit(p[i]) && groups < 16) {
        while (i < n && is_digit(p[i])) {
            if (*nd < cap)
                d[*nd] = p[i];
            (*nd)++;
            i++;
        }
        ends[groups++] = i;
        *end = i;
        if (i + 1 < n && strchr(seps, p[i]) && p[i] != '\0' && is_digit(p[i + 1]))
            i++;
        else
            break;
    }
    return groups;
}

/* ---- IBAN -------------------------------------------------------------------------------- */

static void scan_iban(const char *p, size_t n, struct found *f)
{
    for (size_t i = 0; i + 15 <= n; i++) {
        if (!is_alpha(p[i]) || !is_alpha(p[i + 1]) || !is_digit(p[i + 2]) || !is_digit(p[i + 3]) ||
            !starts_word(p, i))
            continue;
        /* Characters in groups separated by single spaces; the candidate may end after any
         * group: the longest that passes mod 97 wins. */
        char c[40];
        size_t nc = 0, ends[40], n_ends = 0, k = i;
        while (k < n && nc < 34) {
            size_t g = 0;
            while (k < n && is_alnum(p[k]) && nc < 34) {
                c[nc++] = p[k++];
                g++;
            }
            if (g == 0)
                break;
            ends[n_ends] = k;
            n_ends++;
            if (k + 1 < n && p[k] == ' ' && is_alnum(p[k + 1]))
                k++;
            else
                break;
        }
        size_t len_at[40];
        for (size_t e = 0, count = 0, q = i; e < n_ends; e++) {
            for (; q < ends[e]; q++)
                count += is_alnum(p[q]);
            len_at[e] = count;
        }
        for (size_t e = n_ends; e-- > 0;) {
            if (len_at[e] < 15 || !ends_word(p, n, ends[e]))
                continue;
            if (pii_iban_valid(c, len_at[e])) {
                add(f, i, ends[e], PII_IBAN);
                i = ends[e];
                break;
            }
        }
    }
}

/* ---- payment cards ---------------------------------------------------------------------- */

/* Is a card number of this many digits with these first digits issued (Visa, Mastercard,
 * American Express, Diners, Discover, JCB, Maestro, UnionPay)? */
static bool card_issued(const char *d, size_t digits)
{
    unsigned p2 = (unsigned)(d[0] - '0') * 10 + (unsigned)(d[1] - '0');
    unsigned p4 = p2 * 100 + (unsigned)(d[2] - '0') * 10 + (unsigned)(d[3] - '0');
    if (d[0] == '4')
        return digits == 13 || digits == 16 || digits == 19;
    if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
        return digits == 16;
    if (p2 == 34 || p2 == 37)
        return digits == 15;
    if (p2 == 36 || p2 == 38 || (p4 >= 3000 && p4 <= 3059))
        return digits == 14;
    if (p4 == 6011 || p2 == 65 || (p4 >= 6440 && p4 <= 6499))
        return digits >= 16 && digits <= 19;
    if (p4 >= 3528 && p4 <= 3589)
        return digits >= 16 && digits <= 19;
    if (p2 == 62)
        return digits >= 16 && digits <= 19;
    if (p4 == 1800 || p4 == 2131) /* JCB, 15 digits */
        return digits == 15;
    if (p2 == 35) /* JCB (3528-3589) and its older ranges */
        return digits >= 16 && digits <= 19;
    /* Maestro: its known ranges from 12 digits, other 50/56-69 numbers from 13. */
    static const unsigned maestro[] = {5018, 5020, 5038, 5893, 6304, 6759,
                                       6761, 6762, 6763, 6390, 604};
    for (size_t i = 0; i < sizeof(maestro) / sizeof(maestro[0]); i++)
        if (p4 == maestro[i])
            return digits >= 12 && digits <= 19;
    if (p2 == 50 || (p2 >= 56 && p2 <= 69))
        return digits >= 13 && digits <= 19;
    return false;
}

static void scan_card(const char *p, size_t n, struct found *f)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]) || !starts_word(p, i) || p[i] > '6')
            continue;
        char d[64];
        size_t nd, ends[16], end;
        size_t groups = digit_groups(p, n, i, " -", d, sizeof(d), &nd, ends, &end);
        /* The longest run of whole groups with 13..19 digits and a valid Luhn sum. */
        for (size_t g = groups; g-- > 0;) {
            size_t digits = 0;
            for (size_t q = i; q < ends[g]; q++)
                digits += is_digit(p[q]);
            if (digits < 12 || digits > 19 || !ends_word(p, n, ends[g]))
                continue;
            if (card_issued(d, digits) && pii_luhn_valid(d, digits)) {
                add(f, i, ends[g], PII_CREDIT_CARD);
                i = ends[g];
                break;
            }
        }
        while (i < n && is_digit(p[i])) /* not inside the same number again */
            i++;
    }
}

/* ---- Steuer-ID ---------------------------------------------------------------------------- */

static void scan_tax_id(const char *p, size_t n, struct found *f)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]) || !starts_word(p, i))
            continue;
        char d[64];
        size_t nd, ends[16], end;
        size_t groups = digit_groups(p, n, i, " ", d, sizeof(d), &nd, ends, &end);
        (void)groups;
        if (nd == 11 && ends_word(p, n, end) && pii_steuer_id_valid(d, 11) &&
            !after_number_cue(p, i))
            add(f, i, end, PII_TAX_ID);
        i = end;
    }
}

/* ---- IP addresses --------------------------------------------------------------------- */

static size_t ipv4_at(const char *p, size_t n, size_t i)
{
    size_t k = i;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (k >= n || p[k] != '.')
                return 0;
            k++;
        }
        size_t s = k;
        unsigned v = 0;
        while (k < n && is_digit(p[k]) && k - s < 3)
            v = v * 10 + (unsigned)(p[k++] - '0');
        if (k == s || v > 255 || (k - s > 1 && p[s] == '0'))
            return 0;
    }
    /* "1.2.3.4.5" or "1.2.3.4a" is something else. */
    if (k < n && (is_word(p[k]) || (p[k] == '.' && k + 1 < n && is_digit(p[k + 1]))))
        return 0;
    return k;
}

static bool is_hex(char c)
{
    return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

static size_t ipv6_at(const char *p, size_t n, size_t i)
{
    size_t k = i, groups = 0;
    bool gap = false;
    if (k + 1 < n && p[k] == ':' && p[k + 1] == ':') {
        gap = true;
        k += 2;
    }
    while (k < n && groups < 8) {
        size_t s = k;
        while (k < n && is_hex(p[k]) && k - s < 4)
            k++;
        if (k == s)
            break;
        if (k < n && is_hex(p[k]))
            return 0; /* a group of more than four hex digits */
        groups++;
        if (k + 1 < n && p[k] == ':' && p[k + 1] == ':' && !gap) {
            gap = true;
            k += 2;
        } else if (k + 1 < n && p[k] == ':' && is_hex(p[k + 1])) {
            k++;
        } else {
            break;
        }
    }
    if (gap ? groups == 0 || groups > 7 : groups != 8)
        return 0; /* "::" alone is left out too */
    if (k < n && (is_word(p[k]) || p[k] == ':'))
        return 0;
    /* Decimal-only groups without a gap are a time or a ratio, not an address. */
    bool hex_letter = gap;
    for (size_t q = i; q < k && !hex_letter; q++)
        hex_letter = is_alpha(p[q]);
    return hex_letter ? k : 0;
}

static void scan_ip(const char *p, size_t n, struct found *f)
{
    for (size_t i = 0; i < n; i++) {
        if (!starts_word(p, i) || (i > 0 && (p[i - 1] == '.' || p[i - 1] == ':')))
            continue;
        size_t e = is_digit(p[i]) ? ipv4_at(p, n, i) : 0;
        if (!e && (is_hex(p[i]) || p[i] == ':'))
            e = ipv6_at(p, n, i);
        if (e) {
            add(f, i, e, PII_IP_ADDRESS);
            i = e;
        }
    }
}

/* ---- phone numbers -------------------------------------------------------------------------- */

/* From i ('+', '(' or a digit): a phone number in international (+CC, 00CC) or national
 * (leading 0 and an area code) form, digits in groups separated by single spaces, '-',
 * '/' or a bracketed part such as "(0)" or "(030)"; 7 to 15 digits. Its end, or 0. */
static size_t phone_at(const char *p, size_t n, size_t i)
{
    size_t k = i, digits = 0;
    char first[3] = {0};
    size_t nf = 0;
    bool plus = false;
    if (p[k] == '+') {
        plus = true;
        k++;
        if (k >= n || !is_digit(p[k]) || p[k] == '0')
            return 0;
    }
    size_t end = 0;
    while (k < n) {
        if (is_digit(p[k])) {
            if (nf < sizeof(first))
                first[nf++] = p[k];
            digits++;
            k++;
            end = k;
            continue;
        }
        if (p[k] == '(' && k + 1 < n && is_digit(p[k + 1])) {
            size_t q = k + 1;
            while (q < n && is_digit(p[q]) && q - k <= 6)
                q++;
            if (q >= n || p[q] != ')')
                break;
            for (size_t r = k + 1; r < q; r++) {
                if (nf < sizeof(first))
                    first[nf++] = p[r];
                digits += !(plus && q - k == 2 && p[k + 1] == '0'); /* "+49 (0)30": trunk 0 */
            }
            k = q + 1;
            end = k;
            if (k < n && p[k] == ' ')
                k++;
            continue;
        }
        if ((p[k] == ' ' || p[k] == '-' || p[k] == '/') && k + 1 < n &&
            (is_digit(p[k + 1]) || p[k + 1] == '(')) {
            k++;
            continue;
        }
        break;
    }
    if (digits < 7 || digits > 15 || nf == 0)
        return 0;
    if (!plus) {
        /* National: 0 and an area code (not 00, which is an international prefix). */
        if (first[0] != '0')
            return 0;
        if (nf > 1 && first[1] == '0' && (nf < 3 || first[2] == '0'))
            return 0;
    }
    return end;
}

/* n digits from i; the position after them, or 0. */
static size_t digits_at(const char *p, size_t n, size_t i, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (i + k >= n || !is_digit(p[i + k]))
            return 0;
    return i + count;
}

/* North American numbers without a prefix: "(NXX) NXX-XXXX", "NXX-NXX-XXXX",
 * "NXX.NXX.XXXX", "NXX NXX XXXX" (one separator throughout, N = 2..9). End, or 0. */
static size_t nanp_at(const char *p, size_t n, size_t i)
{
    size_t k = i;
    char sep = 0;
    if (p[k] == '(') {
        if (!(k = digits_at(p, n, k + 1, 3)) || k >= n || p[k] != ')' || p[i + 1] < '2')
            return 0;
        k++;
        if (k < n && p[k] == ' ')
            k++;
        sep = '-';
    } else {
        if (p[k] < '2' || !(k = digits_at(p, n, k, 3)) || k >= n)
            return 0;
        sep = p[k];
        if (sep != '-' && sep != '.' && sep != ' ')
            return 0;
        k++;
    }
    if (k >= n || p[k] < '2' || !(k = digits_at(p, n, k, 3)) || k >= n || p[k] != sep ||
        !(k = digits_at(p, n, k + 1, 4)))
        return 0;
    return k;
}

/* "0d.dd.dd.dd.dd" (French style: five pairs, dots). End, or 0. */
static size_t dotted_at(const char *p, size_t n, size_t i)
{
    if (p[i] != '0')
        return 0;
    size_t k = i;
    for (int pair = 0; pair < 5; pair++) {
        if (pair && (k >= n || p[k++] != '.'))
            return 0;
        if (!(k = digits_at(p, n, k, 2)))
            return 0;
    }
    return k;
}

/* Does a phone cue ("Tel", "phone", "mobil", "call"...) stand in the 24 bytes before i?
 * Then a plain chain of digit groups there is a phone number too. */
static bool after_phone_cue(const char *p, size_t i)
{
    static const char *const cues[] = {"tel",  "phone", "fon",   "mobil",      "handy",
                                       "call", "fax",   "ruf",   "erreichbar", "whatsapp",
                                       "cell", "reach", "anruf", "durchwahl"};
    return cue_before(p, i, 24, cues, sizeof(cues) / sizeof(cues[0]));
}

/* After a phone cue: digit groups (single spaces, '-', '/' or '.' between) of 7..15 digits
 * in all. End, or 0. */
static size_t cued_at(const char *p, size_t n, size_t i)
{
    char d[32];
    size_t nd, ends[16], end;
    if (!is_digit(p[i]))
        return 0;
    digit_groups(p, n, i, " -/.", d, sizeof(d), &nd, ends, &end);
    return nd >= 7 && nd <= 15 ? end : 0;
}

static void scan_phone(const char *p, size_t n, struct found *f)
{
    for (size_t i = 0; i < n; i++) {
        if (is_digit(p[i]) || p[i] == '(') { /* shapes that need no prefix */
            size_t e = 0;
            if (starts_word(p, i) && !(i > 0 && (p[i - 1] == '.' || p[i - 1] == '-'))) {
                /* The shape first (cheap and rare); the cue words only for a match. */
                e = nanp_at(p, n, i);
                e = e ? e : dotted_at(p, n, i);
                if (!e && (e = cued_at(p, n, i)) != 0 && !after_phone_cue(p, i))
                    e = 0;
                if (e && after_number_cue(p, i))
                    e = 0;
            }
            if (e && ends_word(p, n, e) &&
                !(e < n && (p[e] == '.' || p[e] == '-') && e + 1 < n && is_digit(p[e + 1]))) {
                add(f, i, e, PII_PHONE);
                i = e;
                continue;
            }
        }
        bool start = p[i] == '+' || p[i] == '(' || p[i] == '0';
        if (!start || (i > 0 && (is_word(p[i - 1]) || p[i - 1] == '+' || p[i - 1] == '.' ||
                                 p[i - 1] == ',' || p[i - 1] == '-' || p[i - 1] == '/')))
            continue;
        if (i > 1 && p[i - 1] == ' ' && is_digit(p[i - 2]) && p[i] != '+' && p[i] != '(')
            continue; /* inside a chain of digit groups (an account number, a code) */
        size_t s = i;
        if (p[i] == '(') { /* "(030) 123456": the bracket is part of the number */
            if (i + 1 >= n || p[i + 1] != '0')
                continue;
        }
        size_t e = phone_at(p, n, s);
        if (!e || !ends_word(p, n, e) ||
            (e < n && (p[e] == '.' || p[e] == ',') && e + 1 < n && is_digit(p[e + 1])))
            continue;
        if (after_number_cue(p, s))
            continue;
        add(f, s, e, PII_PHONE);
        i = e;
    }
}

/* ---- all together --------------------------------------------------------------------------- */

static int cmp_span(const void *x, const void *y)
{
    const struct pii_span *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end > b->end ? -1 : 1; /* the longer first */
    return a->type < b->type ? -1 : a->type > b->type;
}

ag_err pii_scan(const char *p, size_t n, struct pii_span *out, size_t max, size_t *found)
{
    *found = 0;
    struct found f = {NULL, 0, 0, false};
    scan_email(p, n, &f);
    scan_iban(p, n, &f);
    scan_card(p, n, &f);
    scan_tax_id(p, n, &f);
    scan_ip(p, n, &f);
    scan_phone(p, n, &f);
    if (f.n > 1)
        qsort(f.v, f.n, sizeof(*f.v), cmp_span);
    if (f.oom) {
        free(f.v);
        return AG_ENOMEM;
    }
    size_t kept = 0, last_end = 0;
    for (size_t i = 0; i < f.n; i++) {
        if (kept > 0 && f.v[i].start < last_end)
            continue; /* overlaps a span kept already */
        if (kept < max)
            out[kept] = f.v[i];
        kept++;
        last_end = f.v[i].end;
    }
    free(f.v);
    *found = kept;
    return AG_OK;
}
