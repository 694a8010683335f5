// SPDX-License-Identifier: MIT
/*
 * tests/unit/guard/test_pii.c: structured PII (guard/pii.h) in German and English
 * spellings, each type with look-alikes that must not count (order numbers, SKUs,
 * prices, dates, tracking numbers, versions, numbers with a wrong check digit).
 */
#include "test_util.h"

#include "guard/pii.h"

/* The spans of text as "TYPE:value|TYPE:value". */
static void spans_of(const char *text, char *out, size_t cap)
{
    struct pii_span s[16];
    size_t n = 0;
    assert_int_equal(pii_scan(text, strlen(text), s, 16, &n), AG_OK);
    out[0] = '\0';
    for (size_t i = 0; i < n && i < 16; i++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s:%.*s", i ? "|" : "", pii_type_name(s[i].type),
                 (int)(s[i].end - s[i].start), text + s[i].start);
    }
}

static void expect(const char *text, const char *want)
{
    char got[1024];
    spans_of(text, got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("'%s': found '%s', want '%s'", text, got, want);
}

static void test_email(void **state)
{
    (void)state;
    expect("Schreiben Sie an max.mustermann@example.de.", "EMAIL:max.mustermann@example.de");
    expect("contact: jane_doe+shop@mail.example.co.uk, thanks",
           "EMAIL:jane_doe+shop@mail.example.co.uk");
    expect("Grüße an jürgen@beispiel.de", "EMAIL:jürgen@beispiel.de");
    expect("user@localhost", "");
    expect("a@b.c", "");
    expect("@example.com", "");
    expect("Preis @ 19,99 €", "");
}

static void test_phone(void **state)
{
    (void)state;
    expect("Meine Nummer: +49 30 1234567", "PHONE:+49 30 1234567");
    expect("Tel. +49 (0)30 12345678 oder", "PHONE:+49 (0)30 12345678");
    expect("Tel 030 1234567", "PHONE:030 1234567");
    expect("Rufen Sie 0151 12345678 an", "PHONE:0151 12345678");
    expect("(030) 1234567", "PHONE:(030) 1234567");
    expect("Wien: 0043 1 234567", "PHONE:0043 1 234567");
    expect("Zürich +41 44 123 45 67", "PHONE:+41 44 123 45 67");
    expect("call +1 415-555-0132 today", "PHONE:+1 415-555-0132");
    expect("030/1234567", "PHONE:030/1234567");
    expect("call (579) 888-3058 or 905-674-3793", "PHONE:(579) 888-3058|PHONE:905-674-3793");
    expect("Tél. 03.93.92.16.85", "PHONE:03.93.92.16.85");
    expect("Handy: 99 668472", "PHONE:99 668472");
    /* Not phone numbers. */
    expect("Bestellnummer 905-674-3793", "");
    expect("99 668472", ""); /* a bare digit chain without a cue */
    expect("am 03.04.2024", "");
    expect("Ihre Bestellung 0123456789 ist unterwegs", "");
    expect("order #0123456789", "");
    expect("Sendungsnummer 00340434161234567890", "");
    expect("00340434161234567890", "");
    expect("am 01.02.1990 um 12:30", "");
    expect("2024-05-17", "");
    expect("Preis 1.299,00 EUR", "");
    expect("0,99 €", "");
    expect("Artikel 4711", "");
    expect("+49 12", "");
}

static void test_iban(void **state)
{
    (void)state;
    expect("IBAN: DE89 3704 0044 0532 0130 00 bitte", "IBAN:DE89 3704 0044 0532 0130 00");
    expect("DE89370400440532013000", "IBAN:DE89370400440532013000");
    expect("AT61 1904 3002 3457 3201", "IBAN:AT61 1904 3002 3457 3201");
    expect("CH93 0076 2011 6238 5295 7", "IBAN:CH93 0076 2011 6238 5295 7");
    expect("GB82 WEST 1234 5698 7654 32", "IBAN:GB82 WEST 1234 5698 7654 32");
    expect("gb82west12345698765432", "IBAN:gb82west12345698765432");
    /* A wrong check digit is no IBAN, and its digits are no phone number either. */
    expect("DE89 3704 0044 0532 0130 01", "");
    expect("DE89", "");
    assert_true(pii_iban_valid("DE89370400440532013000", 22));
    assert_false(pii_iban_valid("DE88370400440532013000", 22));
    assert_false(pii_iban_valid("DE8937040044053201300", 21)); /* a digit short */
}

static void test_credit_card(void **state)
{
    (void)state;
    expect("Karte 4111 1111 1111 1111", "CREDIT_CARD:4111 1111 1111 1111");
    expect("5555-5555-5555-4444", "CREDIT_CARD:5555-5555-5555-4444");
    expect("Amex 378282246310005.", "CREDIT_CARD:378282246310005");
    expect("6011111111111117", "CREDIT_CARD:6011111111111117");
    expect("JCB 3530111333300000", "CREDIT_CARD:3530111333300000");
    expect("Maestro 630427373398", "CREDIT_CARD:630427373398");
    /* Wrong check digit; a number no card issuer uses; an EAN. */
    expect("4111 1111 1111 1112", "");
    expect("1234567812345670", "");
    expect("EAN 4006381333931", "");
    assert_true(pii_luhn_valid("4111111111111111", 16));
    assert_false(pii_luhn_valid("4111111111111112", 16));
    assert_false(pii_luhn_valid("411111111111", 12));
}

static void test_ip(void **state)
{
    (void)state;
    expect("von 192.168.0.1 aus", "IP_ADDRESS:192.168.0.1");
    expect("host 2001:db8::1 down", "IP_ADDRESS:2001:db8::1");
    expect("2001:0db8:85a3:0000:0000:8a2e:0370:7334",
           "IP_ADDRESS:2001:0db8:85a3:0000:0000:8a2e:0370:7334");
    expect("fe80::1ff:fe23:4567:890a", "IP_ADDRESS:fe80::1ff:fe23:4567:890a");
    expect("Version 1.2.3.4.5", "");
    expect("256.1.1.1", "");
    expect("01.02.03.04", "");
    expect("um 12:30:45 Uhr", "");
    expect("Verhältnis 3:2", "");
}

static void test_tax_id(void **state)
{
    (void)state;
    expect("Steuer-ID 86095742719", "TAX_ID:86095742719");
    expect("Steuer-ID 86 095 742 719", "TAX_ID:86 095 742 719");
    expect("86095742718", ""); /* wrong check digit */
    expect("Bestellnummer 86095742719", "");
    assert_true(pii_steuer_id_valid("86095742719", 11));
    assert_false(pii_steuer_id_valid("06095742719", 11)); /* leading zero */
    assert_false(pii_steuer_id_valid("12345678903", 11)); /* every digit once */
    assert_false(pii_steuer_id_valid("8609574271", 10));
}

static void test_not_pii(void **state)
{
    (void)state;
    expect("Der Artikel NW-1004 kostet 49,90 € und kommt in 3 bis 5 Werktagen.", "");
    expect("Your order 4711-0815-2023 ships on 2024-05-17 via DHL 00340434161234567890.", "");
    expect("Version 2.4.1, Größe 42, Farbe Blau", "");
    expect("", "");
}

static void test_several_in_order_and_overflow(void **state)
{
    (void)state;
    const char *t = "Ich bin erreichbar unter max@example.de oder +49 151 12345678; "
                    "IBAN DE89 3704 0044 0532 0130 00.";
    expect(t, "EMAIL:max@example.de|PHONE:+49 151 12345678|IBAN:DE89 3704 0044 0532 0130 00");
    struct pii_span s[1];
    size_t n = 0;
    assert_int_equal(pii_scan(t, strlen(t), s, 1, &n), AG_OK);
    assert_int_equal(n, 3); /* all counted, one written */
    assert_int_equal(s[0].type, PII_EMAIL);
}

static void test_code_points(void **state)
{
    (void)state;
    const char *t = "Grüße: ärger@example.de";
    struct pii_span s[2];
    size_t n = 0;
    assert_int_equal(pii_scan(t, strlen(t), s, 2, &n), AG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(pii_code_points(t, s[0].start), 7);
    assert_int_equal(pii_code_points(t, s[0].end), 7 + strlen("ärger@example.de") - 1);
}

/* Random bytes and random mixes of PII-like pieces: spans stay in bounds, sorted and
 * apart, and every span's text has the shape of its type. */
static void test_property_spans(void **state)
{
    (void)state;
    static const char *const pieces[] = {"+49 30 1234567",
                                         "DE89 3704 0044 0532 0130 00",
                                         "4111 1111 1111 1111",
                                         "a@b.de",
                                         "192.168.1.1",
                                         "0123",
                                         " ",
                                         ".",
                                         ",",
                                         "-",
                                         "(",
                                         ")",
                                         "x",
                                         "ä",
                                         "9",
                                         ":",
                                         "::",
                                         "@",
                                         "\n",
                                         "86095742719"};
    tu_rng_seed();
    char text[512];
    for (int round = 0; round < 3000; round++) {
        size_t len = 0;
        while (len < sizeof(text) - 40) {
            if (tu_rng_below(4) == 0) {
                text[len++] = (char)(1 + tu_rng_below(255));
            } else {
                const char *pc = pieces[tu_rng_below(sizeof(pieces) / sizeof(pieces[0]))];
                memcpy(text + len, pc, strlen(pc));
                len += strlen(pc);
            }
            if (tu_rng_below(20) == 0)
                break;
        }
        struct pii_span s[64];
        size_t n = 0;
        assert_int_equal(pii_scan(text, len, s, 64, &n), AG_OK);
        for (size_t i = 0; i < n && i < 64; i++) {
            if (s[i].start >= s[i].end || s[i].end > len || s[i].type >= PII_N_TYPES)
                fail_msg("span %zu out of bounds (seed %llu)", i, (unsigned long long)tu_seed);
            if (i > 0 && s[i].start < s[i - 1].end)
                fail_msg("spans %zu and %zu overlap (seed %llu)", i - 1, i,
                         (unsigned long long)tu_seed);
            if (s[i].type == PII_EMAIL && !memchr(text + s[i].start, '@', s[i].end - s[i].start))
                fail_msg("an e-mail without '@' (seed %llu)", (unsigned long long)tu_seed);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_email),       cmocka_unit_test(test_phone),
        cmocka_unit_test(test_iban),        cmocka_unit_test(test_credit_card),
        cmocka_unit_test(test_ip),          cmocka_unit_test(test_tax_id),
        cmocka_unit_test(test_not_pii),     cmocka_unit_test(test_several_in_order_and_overflow),
        cmocka_unit_test(test_code_points), cmocka_unit_test(test_property_spans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
