// SPDX-License-Identifier: MIT
/*
 * tests/unit/guard/test_pii.c: PII (guard/pii.h) in German and English spellings, each
 * type with look-alikes that must not count: order numbers, SKUs, prices, dates, tracking
 * numbers, versions and wrong check digits for the structured types; German nouns,
 * common words that are also names, company and product names, delivery dates and
 * bare numbers for persons, addresses, postcodes and dates of birth. The detector's .c is
 * included so that the word table can be checked against the files of data/pii/.
 */
#include "test_util.h"

#include "guard/pii.c" /* NOLINT(bugprone-suspicious-include): static word table */

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

static void test_person_de(void **state)
{
    (void)state;
    expect("Mein Name ist Anna Schmidt und ich habe eine Frage.", "PERSON:Anna Schmidt");
    expect("Ich heiße Mehmet Yılmaz.", "PERSON:Mehmet Yılmaz");
    expect("Hallo, ich bin Katarzyna Nowak aus Köln.", "PERSON:Katarzyna Nowak");
    expect("Sehr geehrter Herr Koch, danke für die Antwort.", "PERSON:Koch");
    expect("Frau Dr. Weiß hat angerufen.", "PERSON:Weiß");
    expect("Kann ich mit Herrn Müller sprechen?", "PERSON:Müller");
    expect("Viele Grüße\nJonas Becker", "PERSON:Jonas Becker");
    expect("Mit freundlichen Grüßen,\nSergej Ivanov", "PERSON:Sergej Ivanov");
    expect("LG Lena", "PERSON:Lena");
    expect("Name: Fatima Haddad", "PERSON:Fatima Haddad");
    expect("Müller hat bestellt.", "PERSON:Müller");       /* a family name that is no word */
    expect("Frau Rubija hat angerufen.", "PERSON:Rubija"); /* unlisted, after a cue */
    expect("Hans-Peter von der Heide ruft an.", "PERSON:Hans-Peter von der Heide");
    expect("Laut Präsident Obama ist das gut.", "PERSON:Obama");
    expect("Angela Merkel sagte am Montag, dass", "PERSON:Angela Merkel");
    /* German nouns, words that are also names, companies. */
    expect("Ich koche gern, der Koch ist gut.", "");
    expect("Braun ist meine Lieblingsfarbe.", "");
    expect("Die Müller GmbH liefert nicht.", "");
    expect("Ich bin Kunde seit 2019.", "");
    expect("Ich bin Student und suche Schuhe.", "");
    expect("Viele Grüße\nIhr Kundenservice", "");
    expect("Hallo Team, die Jacke ist zu klein.", "");
    expect("Hallo zusammen, wann kommt das Paket?", "");
    expect("Sehr geehrte Damen und Herren,", "");
    expect("Die Deutsche Bahn streikt.", "");
    expect("Ich habe bei Otto bestellt.", "");
    expect("Die Lieferung nach Berlin dauert 3 Tage.", "");
    expect("Die Jacke von Jack Wolfskin ist super.", "");
    expect("Der Winter war kalt, im Sommer ist es warm.", "");
}

static void test_person_en(void **state)
{
    (void)state;
    expect("My name is John Smith and I ordered a jacket.", "PERSON:John Smith");
    expect("Hi, I'm Emily.", "PERSON:Emily");
    expect("This is Mr. Brown from Leeds.", "PERSON:Brown");
    expect("Dear Ms Taylor, thank you.", "PERSON:Taylor");
    expect("Best regards,\nOliver Wright", "PERSON:Oliver Wright");
    expect("Thanks,\nSarah", "PERSON:Sarah");
    expect("Cheers, Tom", "PERSON:Tom");
    expect("Please ask Will Smith.", "PERSON:Will Smith");
    expect("Contact Mohmad R. Vizirov today", "PERSON:Mohmad R. Vizirov");
    expect("What's your name? Turgeon", "PERSON:Turgeon");
    /* Not persons. */
    expect("Thank you, Amazon!", "");
    expect("I am happy with the product.", "");
    expect("I'm German and live abroad.", "");
    expect("Hi there, where is my order?", "");
    expect("Dear Customer, your parcel is on the way.", "");
    expect("Best regards,\nThe Support Team", "");
    expect("Will the parcel arrive on Monday? May I return it?", "");
    expect("Mark my words, the zip is broken.", "");
    expect("The Nike Air Max 90 is sold out.", "");
    expect("The Jones, Smith and Davis Orchestra plays.", "");
    expect("He lives on Isaac Lodge Street.", "");
}

/* Names without a cue of their own: after role nouns, in the genitive, before verbs of
 * saying; and the German nouns and English titles that look like them. */
static void test_person_context(void **state)
{
    (void)state;
    expect("Das sagt Fußball-Experte Tarnowitz dazu.", "PERSON:Tarnowitz");
    expect("Der Komponist Olvedo Brandt schrieb es.", "PERSON:Olvedo Brandt");
    expect("Auf diese hofft auch Coach Ilmar Vessko , der noch wartet.", "PERSON:Ilmar Vessko");
    expect("Die Tante Gundel , die zugleich hilft.", "PERSON:Gundel");
    expect("Das Team setzte auf Kollegin Pelzig.", "PERSON:Pelzig");
    expect("Alle warten auf Olbrichts Entscheidung.", "PERSON:Olbrichts");
    expect("Seit Marwedes Tod ist es still.", "PERSON:Marwedes");
    expect("Er zählt zu den engsten Vertrauten Merkels .", "PERSON:Merkels");
    expect("\"Das reicht nicht\", sagte Lindqvast.", "PERSON:Lindqvast");
    expect("\" Das reicht nicht \" , sagt Ormtaler der Zeitung .", "PERSON:Ormtaler");
    expect("„Wir sind zufrieden“, so Brakemeier.", "PERSON:Brakemeier");
    expect("Das sei gut, erklärte Wendholt Parnitzke am Montag.", "PERSON:Wendholt Parnitzke");
    expect("Das Team mit Nick Heidfenner und anderen.", "PERSON:Nick Heidfenner");
    expect("Ich bin Anna Kowalczewa. Kowalczewa ist mein Nachname.",
           "PERSON:Anna Kowalczewa|PERSON:Kowalczewa");
    expect("Film by Joakim Westbrandt, starring Westbrandt.",
           "PERSON:Joakim Westbrandt|PERSON:Westbrandt");
    expect("Mit Jana Orlikowa sprach ich, Orlikowas Antwort kam.",
           "PERSON:Jana Orlikowa|PERSON:Orlikowas");
    expect("Damit will Laukenbrink aber starten.", "PERSON:Laukenbrink");
    expect("Im Finale schoss Talvesto in der zweiten Minute.", "PERSON:Talvesto");
    expect("Danach konnte sich Wirtzmann außerdem durchsetzen.", "PERSON:Wirtzmann");
    expect("Das Gutachten schrieb Obergrubmeier.", "PERSON:Obergrubmeier");
    expect("Im Jahr 1950 starb Velthausky in Wien.", "PERSON:Velthausky");
    expect("Ormhagel studierte Medizin in Wien.", "PERSON:Ormhagel");
    expect("In Chicago arbeitete er lange.", "");
    expect("Velmoran studierte in Wien.", "PERSON:Velmoran");
    expect("Tanvers will be talking at the conference.", "");
    expect("Der Kunde erhielt die Ware.", "");
    expect("Ich will Basilikum in der Wohnung halten.", "");
    expect("Die Box hält Eis bis zu drei Tage.", "");
    expect("Welches Spielzeug fördert das Rollen?", "");
    expect("Damit gewann Velmora das Spiel.", "");   /* clubs win too */
    expect("Mit Wolfsburgs Hafen ging es los.", ""); /* a town's ending */
    expect("Erst dann sprach Schalkes Trainer.", "");
    expect("Schlechtestes Einkaufserlebnis überhaupt.", "");
    expect("Das Zimmermädchen arbeitet hier.", "");
    expect("Er zeigte, dass Olvenberg in Florenz lebte.", ""); /* a town's ending */
    expect("Er zeigte, dass Olvenhaupt in Florenz lebte.", "PERSON:Olvenhaupt");
    /* Not persons. */
    expect("Ich habe Rucksack bestellt, leider kam Rucksack nicht an.", "");
    expect("Mein Mann hat Sneaker mit Größe 44 bestellt.", "");
    expect("Leider ist Winterjacke nicht da.", "");
    expect("Gestern hat Lieferant die Ware gebracht.", "");
    expect("Leider hatte ich Probleme mit der Zahlung.", "");
    expect("Dann hatte Kundin auch Fragen.", "");
    expect("Sie war Gast bei uns.", "");
    expect("Er begann Jura zu studieren.", "");
    expect("Zuletzt hatte Angst die Oberhand.", "");
    expect("Im August Lieferung erhalten.", "");
    expect("Wir hören die Dave Mathis Band.", "");
    expect("Erschienen im Franz Haupt Verlag.", "");
    expect("Der WWF fordert Konsequenzen aus dem Streit.", "");
    expect("Er weiß, dass Ware nicht ankam.", "");
    expect("Ich hoffe, dass Rücksendung klappt.", "");
    expect("Die Schuhe kamen im August und passen.", "");
    expect("Der Trekkingschuh Nordwand ist bequem.", "");
    expect("Die Kundin Bestellung 12345 fehlt.", "");
    expect("Deutschlands Wirtschaft wächst.", "");
    expect("Das Gericht Kanadas urteilte anders.", "");
    expect("Die Ware kam, sagte Lieferung ist da.", ""); /* a noun is no speaker */
    expect("Ich bin zufrieden, so Versand und Preis.", "");
    expect("Das Paket kam an, bestätigte Hermes.", "");
    expect("Der Status Bestellung 4711 ist offen.", "");
    expect("Die Lieferung der Trekkingschuhe Nordwand kam an.", "");
    expect("Ist die Rücksendung der Bestellung Tourenrucksack Alpin angekommen?", "");
    expect("Die Rechnung des Vereins Hamburg kam nicht.", "");
    expect("Mein Paket liegt bei der Packstation.", "");
    expect("Laut Versand Ende der Woche.", "");
    expect("Die verfassten Dramen kritisierte er.", "");
    expect("Die Grünen im Bundestag forderten mehr.", "");
    expect("Title VII of the Civil Rights Act protects workers.", "");
    expect("We flew to Las Vegas on Monday.", "");
    expect("The Sales Team will call you.", "");
    expect("Our Terms Conditions apply.", "");
}

static void test_person_lower_case(void **state)
{
    (void)state;
    expect("ich heiße anna müller und wohne in köln", "PERSON:anna müller");
    expect("my name is olga krylova", "PERSON:olga krylova");
    expect("hi, can i talk to max about my order", "");
    expect("mark the order as urgent please, i will pay", "");
    expect("where is my order? i need it by may", "");
}

static void test_address_de(void **state)
{
    (void)state;
    expect("Bitte liefern Sie an Hauptstraße 12, 10115 Berlin.",
           "ADDRESS:Hauptstraße 12, 10115 Berlin");
    expect("Meine Adresse: Am Markt 3a, 80331 München", "ADDRESS:Am Markt 3a, 80331 München");
    expect("Lindenallee 5 in Köln", "ADDRESS:Lindenallee 5");
    expect("Berliner Str. 45, D-80331 München", "ADDRESS:Berliner Str. 45, D-80331 München");
    expect("Wir wohnen in der Karl-Marx-Straße 17.", "ADDRESS:Karl-Marx-Straße 17");
    expect("An der Alster 12\n20095 Hamburg", "ADDRESS:An der Alster 12\n20095 Hamburg");
    expect("Mühlenweg 7, Wohnung 3", "ADDRESS:Mühlenweg 7, Wohnung 3");
    expect("Postfach 12 34 56, 10115 Berlin", "ADDRESS:Postfach 12 34 56, 10115 Berlin");
    /* Not addresses: a street word without a number, nouns with numbers, years. */
    expect("Am Ende 3 Wochen Lieferzeit.", "");
    expect("Im Jahr 2020 habe ich bestellt.", "");
    expect("Auf Seite 3 steht das.", "");
    expect("Bitte senden Sie 2 Paar Socken Größe 42.", "");
    expect("Im Shop steht 3 Stück verfügbar.", "");
    expect("Windows 10 und iPhone 12 werden unterstützt.", "");
    expect("Die Hauptstraße ist gesperrt.", "");
    expect("Der Artikel NW-1004 kostet 49,90 €.", "");
    expect("Lieferung am 12.03.2024 an die Packstation 123.", "");
}

static void test_address_en(void **state)
{
    (void)state;
    expect("Ship it to 221B Baker Street, London NW1 6XE please.",
           "ADDRESS:221B Baker Street, London NW1 6XE");
    expect("1600 Pennsylvania Ave NW, Washington, DC 20500",
           "ADDRESS:1600 Pennsylvania Ave NW, Washington, DC 20500");
    expect("Apt 4, 350 Fifth Avenue, New York, NY 10118",
           "ADDRESS:Apt 4, 350 Fifth Avenue, New York, NY 10118");
    expect("PO Box 1234, Springfield, IL 62704", "ADDRESS:PO Box 1234, Springfield, IL 62704");
    expect("Suite 200", "ADDRESS:Suite 200");
    expect("She lives on Elm 4.", "ADDRESS:Elm 4");
    expect("5049 Harjukuja 54\nSuite 838\nTujetsch\nSwitzerland 7188",
           "ADDRESS:5049 Harjukuja 54\nSuite 838\nTujetsch\nSwitzerland 7188");
    /* Town, region and code lines: a region in any case, bullets lost to '?', a region
     * code before the code, three-digit and Polish codes on their own line. */
    expect("Via Franscini 71 Suite 838\n   Tujetsch\n    nan\n    7188",
           "ADDRESS:Via Franscini 71 Suite 838\n   Tujetsch\n    nan\n    7188");
    expect("ul. Słowicza 10 Apt. 360\n   Wrocław\n    NS\n    53-320",
           "ADDRESS:ul. Słowicza 10 Apt. 360\n   Wrocław\n    NS\n    53-320");
    expect("Fagradalsbraut 71\nEgilsstaðir\n, AU\n700",
           "ADDRESS:Fagradalsbraut 71\nEgilsstaðir\n, AU\n700");
    expect("Mellemvej 32\nAalborg NO 9100", "ADDRESS:Mellemvej 32\nAalborg NO 9100");
    expect("Skogstien 106\nASKER nan 1386", "ADDRESS:Skogstien 106\nASKER nan 1386");
    expect("??? 4923 Parmova 109\n??? Suite 380\n??? Maribor\n??? Slovenia 82709",
           "ADDRESS:4923 Parmova 109\n??? Suite 380\n??? Maribor\n??? Slovenia 82709");
    expect("Suite 541 6343 Skogstien 106\nASKER nan 1386",
           "ADDRESS:Suite 541 6343 Skogstien 106\nASKER nan 1386");
    /* A street word after the number; a building number before the street. */
    expect("The bus drops you off at 87818 Dalmatinova 68 St. daily.",
           "ADDRESS:87818 Dalmatinova 68 St.");
    expect("Pedestrians must enter on Hoge Wei 32 St. the first months.", "ADDRESS:Wei 32 St.");
    expect("Bitte an 2274 Via delle Coste 41\nApt. 322",
           "ADDRESS:2274 Via delle Coste 41\nApt. 322");
    /* Not addresses, or not more of one. */
    expect("Level 64 Way to go!", "");
    expect("Top 10 Street Food Ideas", "");
    expect("Unser Team 42 Str. Meister", "");
    expect("Bestellt: 250 Hosen 42 Road trip Edition", "");
    expect("Lindenallee 5\nHamburg\nok\n300 Stück bitte", "ADDRESS:Lindenallee 5");
    expect("Mühlenweg 7\nja\n2024", "ADDRESS:Mühlenweg 7");
    expect("Hauptstraße 12\nBitte bis KW 14 liefern.", "ADDRESS:Hauptstraße 12");
    expect("Suite 200\nLieferung in KW 14", "ADDRESS:Suite 200");
    expect("Your parcel is in Bay 1204, Gate 4400.", "");
    expect("Your order 4711-0815-2023 ships on 2024-05-17 via DHL 00340434161234567890.", "");
    expect("Top 10 Street Food Ideas", "");
    expect("During 1971, the firm grew.", "");
    expect("Gate 5 at 10:30", "");
}

static void test_postcode(void **state)
{
    (void)state;
    expect("Meine PLZ ist 10115.", "POSTCODE_CITY:10115");
    expect("Ich wohne in 80331 München.", "POSTCODE_CITY:80331 München");
    expect("12345 Musterstadt", "POSTCODE_CITY:12345 Musterstadt");
    expect("60311 Frankfurt am Main", "POSTCODE_CITY:60311 Frankfurt am Main");
    expect("A-1010 Wien", "POSTCODE_CITY:A-1010 Wien");
    expect("CH-8001 Zürich", "POSTCODE_CITY:CH-8001 Zürich");
    expect("1010 Wien", "POSTCODE_CITY:1010 Wien");
    expect("SW1A 1AA", "POSTCODE_CITY:SW1A 1AA");
    expect("Austin, TX 78701", "POSTCODE_CITY:Austin, TX 78701");
    expect("ZIP: 48750", "POSTCODE_CITY:48750");
    expect("Postal code K1A 0B1", "POSTCODE_CITY:K1A 0B1");
    /* Not postcodes: order numbers, bare numbers, years, towns alone. */
    expect("Ihre Bestellung 12345 ist unterwegs.", "");
    expect("Bestellnummer 80331 München-Lager", "");
    expect("12345", "");
    expect("Ich habe 10000 Punkte gesammelt.", "");
    expect("2020 Wien", "");
    expect("Wir haben einen Shop in Hamburg und München.", "");
    expect("AB12 CDE", "");
}

static void test_postcode_after_town(void **state)
{
    (void)state;
    expect("Looking to support Factset in Bjert 6091 in its mission.", "POSTCODE_CITY:Bjert 6091");
    expect("Our office in Quinta de São Tiago 3610-114 is open.",
           "POSTCODE_CITY:Quinta de São Tiago 3610-114");
    expect("We moved to an office in København K 1421 last year.",
           "POSTCODE_CITY:København K 1421");
    expect("Der Laden in ÖVERTURINGEN 840 24 hat zu.", "POSTCODE_CITY:ÖVERTURINGEN 840 24");
    expect("Ich komme aus Wrocław 53-320.", "POSTCODE_CITY:Wrocław 53-320");
    expect("Shipped from Amsterdam 1012 AB yesterday.", "POSTCODE_CITY:Amsterdam 1012 AB");
    expect("Unser Lager steht in Costamezzana 43015.", "POSTCODE_CITY:Costamezzana 43015");
    expect("Zustellung nach Hamburg 20095", "POSTCODE_CITY:Hamburg 20095");
    /* Not postcodes: rooms, halls, weeks, sizes, years, prices, quantities, article and
     * order numbers after a capitalised word. */
    expect("Das Meeting ist in Raum 1021.", "");
    expect("The meeting is in Room 1021 on the second floor.", "");
    expect("Lieferung in KW 14, Abholung in Halle 3.", "");
    expect("Wir liefern in 3 Tagen, spätestens in 2024.", "");
    expect("Artikel 1021 in Größe 42 ist ausverkauft.", "");
    expect("Ich war in Berlin 2024 auf der Messe.", "");
    expect("We opened in London 1998 and in Paris 2005.", "");
    expect("Der Betrag in EUR 1500 wurde überwiesen, in CHF 1400.", "");
    expect("Bitte in Farbe 1021 und in Gebäude 1021 liefern.", "");
    expect("Bestellung in Hamburg 47110 aufgegeben.", "");
    expect("Tracking in DHL 12345 6789", "");
    expect("Ich habe in Berlin 1500 Stück bestellt.", "");
    expect("Preis in Wien 1500,50 Euro", "");
    expect("Erschienen im Verlag Reclam, Berlin 1898.", "");
    expect("Das Buch erschien in Leipzig 1875 bei Reclam.", "");
}

static void test_date_of_birth(void **state)
{
    (void)state;
    expect("geboren am 12.03.1985", "DATE_OF_BIRTH:12.03.1985");
    expect("Geb. 12. März 1985 in Berlin", "DATE_OF_BIRTH:12. März 1985");
    expect("Mein Geburtsdatum ist der 03.04.1990.", "DATE_OF_BIRTH:03.04.1990");
    expect("Ich bin am 3.4.1990 geboren.", "DATE_OF_BIRTH:3.4.1990");
    expect("born on March 12, 1985", "DATE_OF_BIRTH:March 12, 1985");
    expect("Date of birth: 1985-03-12", "DATE_OF_BIRTH:1985-03-12");
    expect("DOB: 12/03/1985", "DATE_OF_BIRTH:12/03/1985");
    expect("my birthday is 12 March 1985", "DATE_OF_BIRTH:12 March 1985");
    /* Delivery and order dates are no dates of birth. */
    expect("Die Lieferung kam am 12.03.2024.", "");
    expect("Delivered on March 12, 2024.", "");
    expect("Ordered 2024-05-17, shipped 2024-05-18.", "");
    expect("Ich habe am 3. Mai bestellt und am 10. Mai geliefert bekommen.", "");
    expect("Paderborn, 12.03.2024", "");
    expect("geboren am 31.02.1990", ""); /* no such day */
}

/* Every name of data/pii/ is in the compiled word table with its flags, the compiled
 * lists equal the files (regenerate with scripts/gen_pii_lexicon.py), nothing overflowed. */
static void test_lexicon_matches_files(void **state)
{
    (void)state;
    static const struct {
        const char *file, *text;
        const size_t *len;
        uint32_t flags, amb;
    } lists[] = {
        {"first_names.txt", pii_lex_first_names, &pii_lex_first_names_len, LX_FIRST, LX_FIRST_AMB},
        {"surnames.txt", pii_lex_surnames, &pii_lex_surnames_len, LX_SUR, LX_SUR_AMB},
        {"cities.txt", pii_lex_cities, &pii_lex_cities_len, LX_CITY, LX_CITY},
    };
    pthread_once(&lex_once, init_once);
    assert_false(lex.overflow);
    const char *src = tu_source_dir();
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        if (src) {
            char path[1024];
            snprintf(path, sizeof(path), "%s/data/pii/%s", src, lists[l].file);
            struct buf b;
            buf_init(&b, 1 << 22);
            tu_append_file(&b, path);
            if (b.len != *lists[l].len || memcmp(b.p, lists[l].text, b.len) != 0)
                fail_msg("%s differs from src/guard/pii_lexicon.c: run scripts/gen_pii_lexicon.py",
                         path);
            buf_release(&b);
        }
        size_t count = 0;
        for (const char *t = lists[l].text; *t;) {
            const char *nl = strchr(t, '\n');
            size_t len = nl ? (size_t)(nl - t) : strlen(t);
            if (len > 0 && t[0] != '#') {
                bool amb = t[0] == '~';
                char k[LEX_MAX_KEY];
                size_t kl = fold(t + amb, len - amb, k, sizeof(k));
                const struct lex_entry *e = kl ? lex_find(k, kl, hash_key(k, kl)) : NULL;
                uint32_t f = e ? e->flags : 0;
                if (!(f & (amb ? lists[l].amb : lists[l].flags | lists[l].amb)))
                    fail_msg("%s: '%.*s' is not in the word table", lists[l].file, (int)len, t);
                count++;
            }
            t += len + (nl != NULL);
        }
        assert_true(count > 100);
    }
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
                                         "86095742719",
                                         "Anna",
                                         "Müller",
                                         "Herr",
                                         "Hauptstraße",
                                         "12",
                                         "10115",
                                         "Berlin",
                                         "Viele Grüße\n",
                                         "geboren am 1.2.1980",
                                         "Apt",
                                         "SW1A 1AA",
                                         "TX 78701",
                                         "D-",
                                         "-"};
    tu_rng_seed();
    char text[512];
    for (int round = 0; round < 3000; round++) {
        size_t len = 0;
        memset(text, 0, sizeof(text));
        while (len < sizeof(text) - 40) {
            if (tu_rng_below(4) == 0) {
                text[len++] = (char)(1 + tu_rng_below(255));
            } else {
                const char *pc = pieces[tu_rng_below(sizeof(pieces) / sizeof(pieces[0]))];
                while (*pc)
                    text[len++] = *pc++;
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
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_iban),
        cmocka_unit_test(test_credit_card),
        cmocka_unit_test(test_ip),
        cmocka_unit_test(test_tax_id),
        cmocka_unit_test(test_not_pii),
        cmocka_unit_test(test_several_in_order_and_overflow),
        cmocka_unit_test(test_code_points),
        cmocka_unit_test(test_property_spans),
        cmocka_unit_test(test_person_de),
        cmocka_unit_test(test_person_en),
        cmocka_unit_test(test_person_context),
        cmocka_unit_test(test_person_lower_case),
        cmocka_unit_test(test_address_de),
        cmocka_unit_test(test_address_en),
        cmocka_unit_test(test_postcode),
        cmocka_unit_test(test_postcode_after_town),
        cmocka_unit_test(test_date_of_birth),
        cmocka_unit_test(test_lexicon_matches_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
