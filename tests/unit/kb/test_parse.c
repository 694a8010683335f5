// SPDX-License-Identifier: MIT
/*
 * tests/unit/kb/test_parse.c: kb_parse() and kb_format_for() (src/kb/parse.c).
 * Markdown titles and heading paths, paragraph packing under max_chunk_bytes, sentence
 * and UTF-8 cuts, inline markup stripped; plain text; RFC 4180 CSV catalogues into
 * product records and per-language chunks; every rejection names its line.
 * The sink copies what it is given, so assertions run on real parser output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kb/kb.h"
#include "test_util.h"

#include "collect.h"

/* Parse a NUL-terminated text with params p; why gets the reason. */
static ag_err parse_p(struct collector *col, enum kb_format fmt, const char *name, const char *text,
                      size_t n, const struct kb_params *p, char *why, size_t why_len)
{
    struct kb_sink sink = {on_chunk, on_product, col};
    why[0] = '\0';
    return kb_parse(fmt, name, text, n, p, &sink, why, why_len);
}

static ag_err parse(struct collector *col, enum kb_format fmt, const char *name, const char *text,
                    char *why, size_t why_len)
{
    struct kb_params p = kb_default_params();
    return parse_p(col, fmt, name, text, strlen(text), &p, why, why_len);
}

/* ---- Markdown ----------------------------------------------------------------------- */

static void test_md_title_from_h1(void **state)
{
    struct collector *col = *state;
    char why[128];
    const char *md = "# Versand und Lieferung\n\nWir liefern mit DHL.\n";
    assert_int_equal(parse(col, KB_FMT_MARKDOWN, "docs/versand_de.md", md, why, sizeof(why)),
                     AG_OK);
    assert_int_equal(col->n_chunks, 1);
    assert_string_equal(col->chunks[0].title, "Versand und Lieferung");
    assert_string_equal(col->chunks[0].heading, "");
    assert_string_equal(col->chunks[0].body, "Wir liefern mit DHL.");
    assert_int_equal(col->chunks[0].lang, TEXT_LANG_UNKNOWN);
}

static void test_md_title_falls_back_to_file_name(void **state)
{
    struct collector *col = *state;
    char why[128];
    const char *md = "Just a paragraph.\n\n## Section\n\nMore text.\n";
    assert_int_equal(parse(col, KB_FMT_MARKDOWN, "some/dir/guide.md", md, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 2);
    assert_string_equal(col->chunks[0].title, "guide");
    assert_string_equal(col->chunks[0].body, "Just a paragraph.");
    assert_string_equal(col->chunks[1].title, "guide");
    assert_string_equal(col->chunks[1].heading, "Section");
    assert_string_equal(col->chunks[1].body, "More text.");
}

static void test_md_heading_paths(void **state)
{
    struct collector *col = *state;
    char why[128];
    const char *md = "# Shop\n"
                     "## Versand\n"
                     "Allgemeines.\n"
                     "### Österreich\n"
                     "Drei bis fünf Tage.\n"
                     "#### Zoll\n"
                     "Kein Zoll.\n"
                     "### Schweiz\n"
                     "Fünf bis sieben Tage.\n"
                     "## Rückgabe\n"
                     "Dreißig Tage.\n";
    assert_int_equal(parse(col, KB_FMT_MARKDOWN, "x.md", md, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 5);
    const char *want_heading[] = {"Versand", "Versand > Österreich", "Versand > Österreich > Zoll",
                                  "Versand > Schweiz", "Rückgabe"};
    const char *want_body[] = {"Allgemeines.", "Drei bis fünf Tage.", "Kein Zoll.",
                               "Fünf bis sieben Tage.", "Dreißig Tage."};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(col->chunks[i].title, "Shop");
        assert_string_equal(col->chunks[i].heading, want_heading[i]);
        assert_string_equal(col->chunks[i].body, want_body[i]);
    }
}

static void test_md_not_a_heading(void **state)
{
    struct collector *col = *state;
    char why[128];
    /* "#word" (no space) and 7 hashes are text, as is a '#' line inside a code fence. */
    const char *md = "# T\n#hashtag here\n\n####### seven\n\n```\n# in a fence\n```\n";
    assert_int_equal(parse(col, KB_FMT_MARKDOWN, "x.md", md, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 1);
    assert_string_equal(col->chunks[0].heading, "");
    assert_string_equal(col->chunks[0].body, "#hashtag here\n\n####### seven\n\n# in a fence");
}

static void test_md_paragraphs_packed_below_max(void **state)
{
    struct collector *col = *state;
    char why[128];
    struct kb_params p = kb_default_params();
    p.max_chunk_bytes = 40;
    /* 17 + 2 + 17 = 36 fits; a third paragraph (55) would not. */
    const char *md = "# T\n\nPara one is here.\n\nPara two is here.\n\nPara three is here.\n\n"
                     "Para four.\n";
    assert_int_equal(parse_p(col, KB_FMT_MARKDOWN, "x.md", md, strlen(md), &p, why, sizeof(why)),
                     AG_OK);
    assert_int_equal(col->n_chunks, 2);
    assert_string_equal(col->chunks[0].body, "Para one is here.\n\nPara two is here.");
    assert_string_equal(col->chunks[1].body, "Para three is here.\n\nPara four.");
    for (size_t i = 0; i < col->n_chunks; i++)
        assert_true(strlen(col->chunks[i].body) <= p.max_chunk_bytes);
}

static void test_md_section_starts_new_chunk(void **state)
{
    struct collector *col = *state;
    char why[128];
    const char *md = "# T\n\nShort A.\n\n## B\n\nShort B.\n";
    assert_int_equal(parse(col, KB_FMT_MARKDOWN, "x.md", md, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 2);
    assert_string_equal(col->chunks[0].body, "Short A.");
    assert_string_equal(col->chunks[0].heading, "");
    assert_string_equal(col->chunks[1].body, "Short B.");
    assert_string_equal(col->chunks[1].heading, "B");
}

static void test_md_long_paragraph_cut_at_sentences(void **state)
{
    struct collector *col = *state;
    char why[128];
    struct kb_params p = kb_default_params();
    p.max_chunk_bytes = 40;
    /* 27 + 1 + 32 > 40, so each sentence becomes its own chunk; none is cut inside. */
    const char *md = "# T\n\nThe first sentence is here. The second sentence follows now. "
                     "The third one ends it.\n";
    assert_int_equal(parse_p(col, KB_FMT_MARKDOWN, "x.md", md, strlen(md), &p, why, sizeof(why)),
                     AG_OK);
    assert_int_equal(col->n_chunks, 3);
    assert_string_equal(col->chunks[0].body, "The first sentence is here.");
    assert_string_equal(col->chunks[1].body, "The second sentence follows now.");
    assert_string_equal(col->chunks[2].body, "The third one ends it.");
}

static void test_md_short_sentences_packed_together(void **state)
{
    struct collector *col = *state;
    char why[128];
    struct kb_params p = kb_default_params();
    p.max_chunk_bytes = 30;
    const char *md = "One two. Three four. Five six seven. Eight nine ten eleven twelve.\n";
    assert_int_equal(parse_p(col, KB_FMT_MARKDOWN, "x.md", md, strlen(md), &p, why, sizeof(why)),
                     AG_OK);
    assert_int_equal(col->n_chunks, 3);
    assert_string_equal(col->chunks[0].body, "One two. Three four.");
    assert_string_equal(col->chunks[1].body, "Five six seven.");
    assert_string_equal(col->chunks[2].body, "Eight nine ten eleven twelve.");
}

static void test_md_long_sentence_cut_at_utf8_boundary(void **state)
{
    struct collector *col = *state;
    char why[128];
    struct kb_params p = kb_default_params();
    p.max_chunk_bytes = 17;
    /* Twenty two-byte letters, no sentence end: cuts at 16 bytes, never inside a letter. */
    char md[64];
    for (int i = 0; i < 20; i++)
        memcpy(md + 2 * i, "\xc3\xa4", 2);
    md[40] = '\n';
    md[41] = '\0';
    assert_int_equal(parse_p(col, KB_FMT_MARKDOWN, "x.md", md, strlen(md), &p, why, sizeof(why)),
                     AG_OK);
    assert_int_equal(col->n_chunks, 3);
    assert_int_equal(strlen(col->chunks[0].body), 16);
    assert_int_equal(strlen(col->chunks[1].body), 16);
    assert_int_equal(strlen(col->chunks[2].body), 8);
    assert_memory_equal(col->chunks[2].body, "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", 8);
}

static void test_chunk_cap_below_16_rejected(void **state)
{
    struct collector *col = *state;
    char why[128];
    struct kb_params p = kb_default_params();
    p.max_chunk_bytes = 15;
    assert_int_equal(parse_p(col, KB_FMT_TEXT, "x.txt", "abc", 3, &p, why, sizeof(why)), AG_EINVAL);
    assert_int_equal(col->n_chunks, 0);
    assert_non_null(strstr(why, "max_chunk_bytes"));
}

static void test_md_inline_markup_stripped(void **state)
{
    struct collector *col = *state;
    char why[128];
    const char *md = "# The **Big** Guide\n"
                     "## Pay *with* `card`\n"
                     "This is **bold**, *italic*, __strong__, `code` and a "
                     "[link text](https://example.com/a_b).\n"
                     "> Quoted line.\n";
    assert_int_equal(parse(col, KB_FMT_MARKDOWN, "x.md", md, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 1);
    assert_string_equal(col->chunks[0].title, "The Big Guide");
    assert_string_equal(col->chunks[0].heading, "Pay with card");
    assert_string_equal(col->chunks[0].body,
                        "This is bold, italic, strong, code and a link text. Quoted line.");
}

static void test_md_list_items_keep_lines(void **state)
{
    struct collector *col = *state;
    char why[128];
    const char *md = "# T\n\nWe accept:\n- PayPal\n- **Visa** card\n* invoice\n";
    assert_int_equal(parse(col, KB_FMT_MARKDOWN, "x.md", md, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 1);
    assert_string_equal(col->chunks[0].body, "We accept:\nPayPal\nVisa card\ninvoice");
}

static void test_md_crlf_lines(void **state)
{
    struct collector *col = *state;
    char why[128];
    const char *md = "# Title\r\n\r\nLine one\r\nline two.\r\n";
    assert_int_equal(parse(col, KB_FMT_MARKDOWN, "x.md", md, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 1);
    assert_string_equal(col->chunks[0].title, "Title");
    assert_string_equal(col->chunks[0].body, "Line one line two.");
}

static void test_md_empty_gives_no_chunks(void **state)
{
    struct collector *col = *state;
    char why[128];
    assert_int_equal(parse(col, KB_FMT_MARKDOWN, "x.md", "", why, sizeof(why)), AG_OK);
    assert_int_equal(parse(col, KB_FMT_MARKDOWN, "x.md", "# Only a title\n\n\n", why, sizeof(why)),
                     AG_OK);
    assert_int_equal(col->n_chunks, 0);
}

static void test_md_sink_error_propagates(void **state)
{
    struct collector *col = *state;
    char why[128];
    col->fail_with = AG_EDB;
    ag_err rc = parse(col, KB_FMT_MARKDOWN, "x.md", "# T\n\nSome text.\n", why, sizeof(why));
    assert_int_equal(rc, AG_EDB);
    assert_int_equal(col->n_chunks, 0);
}

/* ---- plain text ---------------------------------------------------------------------- */

static void test_text_paragraphs(void **state)
{
    struct collector *col = *state;
    char why[128];
    const char *txt = "First line\nsecond line.\n\n\nSecond paragraph # not a heading.\n";
    assert_int_equal(parse(col, KB_FMT_TEXT, "notes/hinweise.txt", txt, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 1);
    assert_string_equal(col->chunks[0].title, "hinweise");
    assert_string_equal(col->chunks[0].heading, "");
    assert_string_equal(col->chunks[0].body,
                        "First line second line.\n\nSecond paragraph # not a heading.");
}

static void test_text_markup_kept_and_packed(void **state)
{
    struct collector *col = *state;
    char why[128];
    struct kb_params p = kb_default_params();
    p.max_chunk_bytes = 20;
    const char *txt = "**kept** as is.\n\nSecond one here.\n";
    assert_int_equal(parse_p(col, KB_FMT_TEXT, "a.txt", txt, strlen(txt), &p, why, sizeof(why)),
                     AG_OK);
    assert_int_equal(col->n_chunks, 2);
    assert_string_equal(col->chunks[0].body, "**kept** as is.");
    assert_string_equal(col->chunks[1].body, "Second one here.");
}

/* ---- CSV ------------------------------------------------------------------------------ */

static const char catalogue[] =
    "sku,name,price_eur,stock,category,description_de,description_en\n"
    "A-1,\"Zelt \"\"Pro\"\", 2P\",12.50,3,Zelte,\"Ein Zelt, sehr leicht.\n"
    "Zweite Zeile.\",\"A tent, very light.\"\n"
    "\n"
    "B-2,Becher,0,0,Küche,Ein Becher.,A mug.\r\n";

static void test_csv_catalogue_products(void **state)
{
    struct collector *col = *state;
    char why[128];
    assert_int_equal(parse(col, KB_FMT_CSV, "shop/products.csv", catalogue, why, sizeof(why)),
                     AG_OK);
    assert_int_equal(col->n_products, 2);
    struct got_product *a = &col->products[0], *b = &col->products[1];
    assert_string_equal(a->sku, "A-1");
    assert_string_equal(a->name, "Zelt \"Pro\", 2P");
    assert_string_equal(a->category, "Zelte");
    assert_string_equal(a->currency, "EUR");
    assert_true(a->price > 12.4999 && a->price < 12.5001);
    assert_int_equal(a->stock, 3);
    assert_string_equal(b->sku, "B-2");
    assert_string_equal(b->name, "Becher");
    assert_string_equal(b->category, "Küche");
    assert_true(b->price == 0.0);
    assert_int_equal(b->stock, 0);
}

static void test_csv_catalogue_chunk_per_language(void **state)
{
    struct collector *col = *state;
    char why[128];
    assert_int_equal(parse(col, KB_FMT_CSV, "products.csv", catalogue, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 4);
    const enum text_lang want[] = {TEXT_LANG_DE, TEXT_LANG_EN, TEXT_LANG_DE, TEXT_LANG_EN};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(col->chunks[i].lang, want[i]);
        assert_string_equal(col->chunks[i].title, i < 2 ? "Zelt \"Pro\", 2P" : "Becher");
        assert_string_equal(col->chunks[i].heading, i < 2 ? "Zelte" : "Küche");
        assert_non_null(strstr(col->chunks[i].body, i < 2 ? "(A-1)" : "(B-2)"));
    }
    /* German uses a decimal comma; the quoted description keeps its comma and newline. */
    assert_non_null(strstr(col->chunks[0].body, "12,50 EUR"));
    assert_non_null(strstr(col->chunks[0].body, "(3 Stück)"));
    assert_non_null(strstr(col->chunks[0].body, "Ein Zelt, sehr leicht.\nZweite Zeile."));
    assert_null(strstr(col->chunks[0].body, "A tent"));
    assert_non_null(strstr(col->chunks[1].body, "12.50 EUR"));
    assert_non_null(strstr(col->chunks[1].body, "A tent, very light."));
    assert_null(strstr(col->chunks[1].body, "Ein Zelt"));
    assert_non_null(strstr(col->chunks[2].body, "nicht auf Lager"));
    assert_non_null(strstr(col->chunks[3].body, "out of stock"));
    assert_non_null(strstr(col->chunks[3].body, "A mug."));
}

static void test_csv_plain_table(void **state)
{
    struct collector *col = *state;
    char why[128];
    const char *csv = "frage,antwort\n\"Wie, bitte?\",So.\n";
    assert_int_equal(parse(col, KB_FMT_CSV, "faq.csv", csv, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_products, 0);
    assert_int_equal(col->n_chunks, 1);
    assert_string_equal(col->chunks[0].title, "faq");
    assert_string_equal(col->chunks[0].body, "frage: Wie, bitte?. antwort: So..");
}

static void test_csv_long_description_cut_at_sentences(void **state)
{
    struct collector *col = *state;
    char why[128], csv[2048];
    struct kb_params p = kb_default_params();
    p.max_chunk_bytes = 120;
    /* The description fits its field but not, with the product sentence, one chunk. */
    int w = snprintf(csv, sizeof(csv),
                     "sku,name,price_eur,stock,description_en\n"
                     "L-1,Lamp,5.00,1,\"%s %s %s\"\n",
                     "The lamp is bright and warm in every room of the house.",
                     "It runs for ten hours on one charge of its battery pack.",
                     "A cable is included and the shade can be washed by hand.");
    assert_true(w > 0 && (size_t)w < sizeof(csv));
    assert_int_equal(parse_p(col, KB_FMT_CSV, "p.csv", csv, strlen(csv), &p, why, sizeof(why)),
                     AG_OK);
    assert_int_equal(col->n_products, 1);
    assert_true(col->n_chunks >= 2);
    assert_non_null(strstr(col->chunks[0].body, "Lamp (L-1) costs 5.00 EUR"));
    for (size_t i = 0; i < col->n_chunks; i++) {
        size_t len = strlen(col->chunks[i].body);
        assert_true(len > 0 && len <= p.max_chunk_bytes);
        assert_int_equal(col->chunks[i].body[len - 1], '.'); /* whole sentences only */
        assert_int_equal(col->chunks[i].lang, TEXT_LANG_EN);
        assert_string_equal(col->chunks[i].title, "Lamp");
    }
    assert_non_null(strstr(col->chunks[col->n_chunks - 1].body, "washed by hand."));
}

struct csv_case {
    const char *text;
    const char *why; /* expected prefix */
};

static void test_csv_errors_name_the_line(void **state)
{
    struct collector *col = *state;
    static const struct csv_case cases[] = {
        {"sku,name,price_eur\nA,\"never closed,1\n", "line 2: quoted field never closed"},
        {"sku,name,price_eur\nA,B,1\nC,D\n", "line 3: expected 3 fields, found 2"},
        {"sku,name,price_eur\nA,B,1,9\n", "line 2: expected 3 fields, found 4"},
        {"sku,name,price_eur\nA,B,zwölf\n", "line 2: price_eur 'zwölf' is not a price"},
        {"sku,name,price_eur\nA,B,-1\n", "line 2: price_eur '-1' is not a price"},
        {"sku,name,price_eur\nA,B,\n", "line 2: price_eur '' is not a price"},
        {"sku,name,price_eur,stock\nA,B,1,x\n", "line 2: stock 'x' is not a whole number"},
        {"sku,name,price_eur,stock\nA,B,1,-3\n", "line 2: stock '-3' is not a whole number"},
        {"sku,name,price_eur,stock\nA,B,1,2.5\n", "line 2: stock '2.5' is not a whole number"},
        /* A record spanning lines 2-3 moves the next record to line 4. */
        {"sku,name,price_eur\nA,\"two\nlines\",1\nB,C,oops\n",
         "line 4: price_eur 'oops' is not a price"},
        {"sku,name,price_eur\n,B,1\n", "line 2: sku and name must not be empty"},
        {"sku,name\nA,B\n", "line 1: a catalogue (sku, name) needs a price_eur column"},
        {"", "line 1: empty file"},
        {"a,b\n\"x\"y,1\n", "line 2: text after a closing quote"},
        {"a,b\nx\"y,1\n", "line 2: quote inside an unquoted field"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char why[200];
        ag_err rc = parse(col, KB_FMT_CSV, "p.csv", cases[i].text, why, sizeof(why));
        if (rc != AG_EINVAL || strncmp(why, cases[i].why, strlen(cases[i].why)) != 0)
            fail_msg("case %zu: rc=%d why='%s', expected '%s'", i, rc, why, cases[i].why);
    }
}

static void test_csv_error_after_good_rows(void **state)
{
    struct collector *col = *state;
    char why[200];
    const char *csv = "sku,name,price_eur,stock\nA,B,1,2\nC,D,2,3\nE,F,3,lots\n";
    assert_int_equal(parse(col, KB_FMT_CSV, "p.csv", csv, why, sizeof(why)), AG_EINVAL);
    assert_string_equal(why, "line 4: stock 'lots' is not a whole number");
    assert_int_equal(col->n_products, 2); /* the caller rolls back; the parser streams */
}

/* ---- encoding, size, formats ----------------------------------------------------------- */

struct enc_case {
    enum kb_format fmt;
    const char *text;
    size_t len;
    const char *why;
};

static void test_invalid_utf8_and_nul_rejected(void **state)
{
    struct collector *col = *state;
    static const struct enc_case cases[] = {
        {KB_FMT_MARKDOWN, "# T\nok\nbad \xff here\n", 18, "line 3: invalid UTF-8"},
        {KB_FMT_TEXT, "bad \xc3\x28\n", 7, "line 1: invalid UTF-8"},
        {KB_FMT_CSV, "a,b\n1,2\n3,\xc0\xaf\n", 13, "line 3: invalid UTF-8"}, /* overlong */
        {KB_FMT_TEXT, "a\n\xed\xa0\x80\n", 6, "line 2: invalid UTF-8"},      /* surrogate */
        {KB_FMT_MARKDOWN, "one\ntwo\nth\0ree\n", 15, "line 3: NUL byte in text"},
        {KB_FMT_CSV, "a,b\n\"x\0\",1\n", 11, "line 2: NUL byte in text"},
        {KB_FMT_TEXT, "cut \xe2\x82", 6, "line 1: invalid UTF-8"}, /* truncated sequence */
    };
    struct kb_params p = kb_default_params();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char why[128];
        ag_err rc =
            parse_p(col, cases[i].fmt, "f", cases[i].text, cases[i].len, &p, why, sizeof(why));
        if (rc != AG_EINVAL || strcmp(why, cases[i].why) != 0)
            fail_msg("case %zu: rc=%d why='%s', expected '%s'", i, rc, why, cases[i].why);
    }
    assert_int_equal(col->n_chunks, 0); /* rejected before anything reached the sink */
    assert_int_equal(col->n_products, 0);
}

static void test_file_over_max_rejected(void **state)
{
    struct collector *col = *state;
    char why[128];
    struct kb_params p = kb_default_params();
    p.max_file_bytes = 16;
    const char *txt = "seventeen bytes!!";
    assert_int_equal(parse_p(col, KB_FMT_TEXT, "a.txt", txt, 17, &p, why, sizeof(why)), AG_ETOOBIG);
    assert_int_equal(col->n_chunks, 0);
    assert_int_equal(parse_p(col, KB_FMT_TEXT, "a.txt", txt, 16, &p, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 1);
}

static void test_format_for(void **state)
{
    (void)state;
    enum kb_format f = KB_FMT_CSV;
    assert_int_equal(kb_format_for("a.md", &f), AG_OK);
    assert_int_equal(f, KB_FMT_MARKDOWN);
    assert_int_equal(kb_format_for("dir.x/notes.markdown", &f), AG_OK);
    assert_int_equal(f, KB_FMT_MARKDOWN);
    assert_int_equal(kb_format_for("/abs/path/readme.txt", &f), AG_OK);
    assert_int_equal(f, KB_FMT_TEXT);
    assert_int_equal(kb_format_for("products.csv", &f), AG_OK);
    assert_int_equal(f, KB_FMT_CSV);
    f = KB_FMT_TEXT;
    assert_int_equal(kb_format_for("report.pdf", &f), AG_EINVAL);
    assert_int_equal(kb_format_for("Makefile", &f), AG_EINVAL);
    assert_int_equal(kb_format_for("folder.md/file", &f), AG_EINVAL);
    assert_int_equal(kb_format_for("a.md.bak", &f), AG_EINVAL);
    assert_int_equal(kb_format_for("a.csvx", &f), AG_EINVAL);
    assert_int_equal(f, KB_FMT_TEXT); /* untouched on failure */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_md_title_from_h1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_title_falls_back_to_file_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_heading_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_not_a_heading, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_paragraphs_packed_below_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_section_starts_new_chunk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_long_paragraph_cut_at_sentences, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_short_sentences_packed_together, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunk_cap_below_16_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_long_sentence_cut_at_utf8_boundary, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_md_inline_markup_stripped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_list_items_keep_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_crlf_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_empty_gives_no_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_sink_error_propagates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_paragraphs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_markup_kept_and_packed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_catalogue_products, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_catalogue_chunk_per_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_plain_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_long_description_cut_at_sentences, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_csv_errors_name_the_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_error_after_good_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_and_nul_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_over_max_rejected, setup, teardown),
        cmocka_unit_test(test_format_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
