// SPDX-License-Identifier: MIT
/*
 * tests/unit/kb/test_ingest_formats.c: kb_parse() and kb_ingest() for HTML, JSON Lines
 * catalogues and the chunk word limit (src/kb/parse.c, src/kb/kb.c).
 * HTML: markup, scripts, styles and the head removed, <title> as the fallback title,
 * <h1>..<h6> as heading paths, entities decoded, list items kept. JSON Lines: the default
 * and a custom column mapping, url and currency on products, every rejection naming its
 * line; a CSV currency column. Chunks: max_chunk_tokens cuts a long section and the next
 * chunk repeats the previous one's last sentence.
 * The sink copies what it is given, so assertions run on real parser output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arena.h"
#include "kb/kb.h"
#include "test_util.h"

#include "collect.h"

static ag_err parse_p(struct collector *col, enum kb_format fmt, const char *name, const char *text,
                      const struct kb_params *p, char *why, size_t why_len)
{
    struct kb_sink sink = {on_chunk, on_product, col};
    why[0] = '\0';
    return kb_parse(fmt, name, text, strlen(text), p, &sink, why, why_len);
}

static ag_err parse(struct collector *col, enum kb_format fmt, const char *name, const char *text,
                    char *why, size_t why_len)
{
    struct kb_params p = kb_default_params();
    return parse_p(col, fmt, name, text, &p, why, why_len);
}

static size_t count_words(const char *s)
{
    size_t n = 0;
    bool in = false;
    for (; *s; s++) {
        bool sp = *s == ' ' || *s == '\n' || *s == '\t' || *s == '\r';
        n += !sp && !in;
        in = !sp;
    }
    return n;
}

/* ---- HTML ------------------------------------------------------------------------------ */

static const char shop_page[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"de\">\n"
    "<head>\n"
    "  <meta charset=\"utf-8\">\n"
    "  <title>Versand &amp; Lieferung</title>\n"
    "  <style>body { color: red; } .geheim::after { content: \"<b>\"; }</style>\n"
    "  <script>var stilFehler = \"<p>Skripttext</p>\";</script>\n"
    "</head>\n"
    "<body>\n"
    "<!-- Kommentar <p>nie sichtbar</p> -->\n"
    "<p>Wir liefern <b>schnell</b> und <a href=\"/faq\">zuverl&auml;ssig</a>.</p>\n"
    "<h2>Versand</h2>\n"
    "<p>Der Versand ist ab 50 &euro; kostenlos.</p>\n"
    "<h3>&Ouml;sterreich</h3>\n"
    "<p>Nach &#214;sterreich dauert es 3 bis 5 Tage; Gr&#228;tsche &amp; Kl&#xE4;ger.</p>\n"
    "<script type=\"text/javascript\">document.write('<h2>Falle</h2>');</script>\n"
    "<h2>Zahlung</h2>\n"
    "<ul><li>PayPal</li><li>Kreditkarte</li><li>Rechnung</li></ul>\n"
    "</body>\n"
    "</html>\n";

static void assert_no_markup(const struct collector *col)
{
    for (size_t i = 0; i < col->n_chunks; i++) {
        const struct got_chunk *c = &col->chunks[i];
        if (strchr(c->title, '<') || strchr(c->heading, '<') || strchr(c->body, '<') ||
            strchr(c->body, '>'))
            fail_msg("chunk %zu holds markup: title='%s' heading='%s' body='%s'", i, c->title,
                     c->heading, c->body);
    }
}

static void test_html_title_headings_entities(void **state)
{
    struct collector *col = *state;
    char why[128];
    assert_int_equal(parse(col, KB_FMT_HTML, "site/versand.html", shop_page, why, sizeof(why)),
                     AG_OK);
    assert_int_equal(col->n_chunks, 4);
    assert_no_markup(col);
    for (size_t i = 0; i < col->n_chunks; i++) {
        /* No <h1>: the <title> names every chunk, its &amp; decoded. */
        assert_string_equal(col->chunks[i].title, "Versand & Lieferung");
        assert_null(col->chunks[i].sku);
        /* Script, style, comment and head text never reach a chunk. */
        const char *b = col->chunks[i].body;
        assert_null(strstr(b, "Skripttext"));
        assert_null(strstr(b, "stilFehler"));
        assert_null(strstr(b, "color"));
        assert_null(strstr(b, "nie sichtbar"));
        assert_null(strstr(b, "Kommentar"));
        assert_null(strstr(b, "Falle"));
        assert_null(strstr(b, "utf-8"));
    }
    assert_string_equal(col->chunks[0].heading, "");
    /* Inline tags vanish without a trace; block tags end paragraphs. */
    assert_string_equal(col->chunks[0].body, "Wir liefern schnell und zuverlässig.");
    assert_string_equal(col->chunks[1].heading, "Versand");
    assert_string_equal(col->chunks[1].body, "Der Versand ist ab 50 \xe2\x82\xac kostenlos.");
    /* <h3> below <h2>: a heading path; named, decimal and hex entities all decode. */
    assert_string_equal(col->chunks[2].heading, "Versand > Österreich");
    assert_non_null(strstr(col->chunks[2].body, "Nach Österreich dauert es 3 bis 5 Tage"));
    assert_non_null(strstr(col->chunks[2].body, "Grätsche & Kläger."));
    assert_null(strstr(col->chunks[2].body, "&#"));
    assert_null(strstr(col->chunks[2].body, "&amp;"));
    /* A new <h2> resets the path. */
    assert_string_equal(col->chunks[3].heading, "Zahlung");
    /* List items stay items: one per line, without their bullets. */
    assert_string_equal(col->chunks[3].body, "PayPal\nKreditkarte\nRechnung");
}

static void test_html_h1_beats_title(void **state)
{
    struct collector *col = *state;
    char why[128];
    const char *html = "<html><head><title>Seitentitel</title></head><body>"
                       "<h1>R&uuml;cksendung</h1><p>Drei&szlig;ig Tage R&uuml;ckgabe.</p>"
                       "<h2>Ablauf</h2><p>Etikett drucken.</p>"
                       "<h4>Tief</h4><p>Ganz unten.</p>"
                       "</body></html>";
    assert_int_equal(parse(col, KB_FMT_HTML, "r.htm", html, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 3);
    assert_no_markup(col);
    for (size_t i = 0; i < col->n_chunks; i++) {
        assert_string_equal(col->chunks[i].title, "Rücksendung");
        assert_null(strstr(col->chunks[i].body, "Seitentitel"));
    }
    assert_string_equal(col->chunks[0].heading, "");
    assert_string_equal(col->chunks[0].body, "Dreißig Tage Rückgabe.");
    assert_string_equal(col->chunks[1].heading, "Ablauf");
    assert_string_equal(col->chunks[1].body, "Etikett drucken.");
    assert_string_equal(col->chunks[2].heading, "Ablauf > Tief");
    assert_string_equal(col->chunks[2].body, "Ganz unten.");
}

static void test_html_without_title_uses_file_name(void **state)
{
    struct collector *col = *state;
    char why[128];
    const char *html = "<div><p>Nur <i>ein</i> Absatz.</p></div>";
    assert_int_equal(parse(col, KB_FMT_HTML, "pages/hilfe.html", html, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 1);
    assert_string_equal(col->chunks[0].title, "hilfe");
    assert_string_equal(col->chunks[0].heading, "");
    assert_string_equal(col->chunks[0].body, "Nur ein Absatz.");
}

static void test_html_bad_entities_stay_literal(void **state)
{
    struct collector *col = *state;
    char why[128];
    /* Unknown names, NUL and out-of-range code points are not decoded; no '<' leaks. */
    const char *html = "<p>A &bogus; B &#0; C &#x110000; D &amp;&lt;ok&gt;</p>";
    assert_int_equal(parse(col, KB_FMT_HTML, "e.html", html, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 1);
    assert_string_equal(col->chunks[0].body, "A &bogus; B &#0; C &#x110000; D &<ok>");
}

static void test_html_ingest_by_extension(void **state)
{
    (void)state;
    char dir[] = "/tmp/ag-test-fmt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[128], path[128], why[512] = "";
    snprintf(db, sizeof(db), "%s/kb.db", dir);
    snprintf(path, sizeof(path), "%s/seite.htm", dir);
    tu_write_file(path, shop_page);
    struct kb_params p = kb_default_params();
    struct kb *kb = NULL;
    assert_int_equal(kb_open(db, &p, true, &kb), AG_OK);
    struct kb_ingest_stats st;
    const char *paths[] = {path};
    assert_int_equal(kb_ingest(kb, "t", paths, 1, false, NULL, NULL, &st, why, sizeof(why)), AG_OK);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.chunks, 4);
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    const char *q = "Wie lange dauert es nach Österreich?";
    assert_int_equal(kb_search(kb, &a, "t", q, strlen(q), TEXT_LANG_UNKNOWN, 3, &r), AG_OK);
    assert_true(r.n_hits >= 1);
    assert_string_equal(r.hits[0].doc, "seite.htm");
    assert_string_equal(r.hits[0].title, "Versand & Lieferung");
    assert_string_equal(r.hits[0].heading, "Versand > Österreich");
    const char *q2 = "Skripttext";
    assert_int_equal(kb_search(kb, &a, "t", q2, strlen(q2), TEXT_LANG_UNKNOWN, 3, &r), AG_OK);
    assert_int_equal(r.n_hits, 0);
    arena_release(&a);
    kb_close(kb);
    unlink(path);
    assert_int_equal(tu_remove_tree(dir), 0);
}

/* ---- JSON Lines catalogues ------------------------------------------------------------------ */

static const char catalogue_jsonl[] =
    "{\"sku\": \"NW-2001\", \"name\": \"Zelt Nordlicht\", \"price_eur\": 249.9, \"stock\": 4,"
    " \"category\": \"Zelte\", \"url\": \"https://shop.example/nw-2001\","
    " \"description_de\": \"Ein leichtes Zelt.\", \"description_en\": \"A light tent.\"}\n"
    "\n"
    "{\"sku\": \"NW-2002\", \"name\": \"Becher\", \"price_eur\": \"3.50\", \"stock\": 0,"
    " \"category\": \"K\\u00fcche\", \"currency\": \"CHF\", \"url\": null,"
    " \"description_de\": \"Ein Becher.\", \"extra\": true}\n";

static void test_jsonl_default_mapping(void **state)
{
    struct collector *col = *state;
    char why[200];
    assert_int_equal(
        parse(col, KB_FMT_JSONL, "shop/katalog.jsonl", catalogue_jsonl, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_products, 2);
    struct got_product *a = &col->products[0], *b = &col->products[1];
    assert_string_equal(a->sku, "NW-2001");
    assert_string_equal(a->name, "Zelt Nordlicht");
    assert_string_equal(a->category, "Zelte");
    assert_string_equal(a->currency, "EUR"); /* the default currency */
    assert_non_null(a->url);
    assert_string_equal(a->url, "https://shop.example/nw-2001");
    assert_true(a->price > 249.8999 && a->price < 249.9001);
    assert_int_equal(a->stock, 4);
    assert_string_equal(b->sku, "NW-2002");
    assert_string_equal(b->category, "Küche");
    assert_string_equal(b->currency, "CHF");
    assert_null(b->url); /* null: no url */
    assert_true(b->price > 3.4999 && b->price < 3.5001);
    assert_int_equal(b->stock, 0);

    /* One chunk per description language, titled by the product, headed by its category. */
    assert_int_equal(col->n_chunks, 3);
    const char *want_sku[] = {"NW-2001", "NW-2001", "NW-2002"};
    const enum text_lang want_lang[] = {TEXT_LANG_DE, TEXT_LANG_EN, TEXT_LANG_DE};
    for (size_t i = 0; i < 3; i++) {
        assert_non_null(col->chunks[i].sku);
        assert_string_equal(col->chunks[i].sku, want_sku[i]);
        assert_int_equal(col->chunks[i].lang, want_lang[i]);
    }
    assert_string_equal(col->chunks[0].title, "Zelt Nordlicht");
    assert_string_equal(col->chunks[0].heading, "Zelte");
    assert_non_null(strstr(col->chunks[0].body, "Zelt Nordlicht (NW-2001) kostet 249,90 EUR"));
    assert_non_null(strstr(col->chunks[0].body, "Ein leichtes Zelt."));
    assert_non_null(strstr(col->chunks[1].body, "249.90 EUR"));
    assert_non_null(strstr(col->chunks[1].body, "A light tent."));
    assert_non_null(strstr(col->chunks[2].body, "3,50 CHF"));
    assert_non_null(strstr(col->chunks[2].body, "nicht auf Lager"));
}

static void test_jsonl_custom_mapping(void **state)
{
    struct collector *col = *state;
    char why[200];
    struct kb_params p = kb_default_params();
    snprintf(p.catalog.sku, sizeof(p.catalog.sku), "%s", "id");
    snprintf(p.catalog.name, sizeof(p.catalog.name), "%s", "title");
    snprintf(p.catalog.price, sizeof(p.catalog.price), "%s", "price");
    snprintf(p.catalog.stock, sizeof(p.catalog.stock), "%s", "qty");
    snprintf(p.catalog.category, sizeof(p.catalog.category), "%s", "group");
    snprintf(p.catalog.url, sizeof(p.catalog.url), "%s", "link");
    snprintf(p.catalog.currency, sizeof(p.catalog.currency), "%s", "cur");
    snprintf(p.catalog.descriptions, sizeof(p.catalog.descriptions), "%s", "text:en");
    const char *jsonl = "{\"id\": \"X-9\", \"title\": \"Lamp\", \"price\": 12, \"qty\": 7,"
                        " \"group\": \"Light\", \"link\": \"https://x.example/l\","
                        " \"cur\": \"USD\", \"text\": \"A bright lamp.\","
                        " \"sku\": \"ignored\", \"price_eur\": \"not read\"}\n";
    assert_int_equal(parse_p(col, KB_FMT_JSONL, "c.jsonl", jsonl, &p, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_products, 1);
    assert_string_equal(col->products[0].sku, "X-9");
    assert_string_equal(col->products[0].name, "Lamp");
    assert_string_equal(col->products[0].category, "Light");
    assert_string_equal(col->products[0].currency, "USD");
    assert_string_equal(col->products[0].url, "https://x.example/l");
    assert_true(col->products[0].price == 12.0);
    assert_int_equal(col->products[0].stock, 7);
    assert_int_equal(col->chunks[0].lang, TEXT_LANG_EN);
    assert_int_equal(col->n_chunks, 1);
    assert_non_null(strstr(col->chunks[0].body, "Lamp (X-9) costs 12.00 USD and is in stock (7)"));
    assert_non_null(strstr(col->chunks[0].body, "A bright lamp."));

    /* The default keys mean nothing under this mapping: such a line is no product. */
    collector_clear(col);
    assert_int_equal(parse_p(col, KB_FMT_JSONL, "c.jsonl",
                             "{\"sku\": \"A-1\", \"name\": \"N\", \"price_eur\": 1}\n", &p, why,
                             sizeof(why)),
                     AG_OK);
    assert_int_equal(col->n_products, 0);
    assert_int_equal(col->n_chunks, 1);
    assert_null(col->chunks[0].sku);
}

struct err_case {
    enum kb_format fmt;
    const char *text;
    const char *why; /* expected prefix */
};

static void test_jsonl_and_csv_errors_name_the_line(void **state)
{
    struct collector *col = *state;
    static const char good[] = "{\"sku\": \"A\", \"name\": \"B\", \"price_eur\": 1}\n";
    char malformed[256], nested[256], price[256], empty_sku[256], array[256], bool_price[256];
    snprintf(malformed, sizeof(malformed), "%s\n{\"sku\": \"C\", \"name\": }\n", good);
    snprintf(nested, sizeof(nested),
             "%s{\"sku\": \"C\", \"name\": \"D\", \"price_eur\": 1, \"dims\": {\"h\": 2}}\n", good);
    snprintf(price, sizeof(price),
             "%s%s{\"sku\": \"C\", \"name\": \"D\", \"price_eur\": \"zwölf\"}\n", good, good);
    snprintf(empty_sku, sizeof(empty_sku), "{\"sku\": \"\", \"name\": \"D\", \"price_eur\": 1}\n");
    snprintf(array, sizeof(array), "%s{\"sku\": \"C\", \"name\": \"D\", \"price_eur\": [1]}\n",
             good);
    snprintf(bool_price, sizeof(bool_price),
             "%s{\"sku\": \"C\", \"name\": \"D\", \"price_eur\": true}\n", good);
    const struct err_case cases[] = {
        {KB_FMT_JSONL, malformed, "line 3: malformed JSON"},
        {KB_FMT_JSONL, nested, "line 2: "},
        {KB_FMT_JSONL, price, "line 3: price_eur 'zwölf' is not a price"},
        {KB_FMT_JSONL, empty_sku, "line 1: sku and name must not be empty"},
        {KB_FMT_JSONL, array, "line 2: "},
        {KB_FMT_JSONL, bool_price, "line 2: price_eur 'true' is not a price"},
        {KB_FMT_JSONL, "[1, 2]\n", "line 1: "},
        {KB_FMT_JSONL, "{\"sku\": \"A\", \"name\": \"B\"}\n",
         "line 1: a catalogue (sku, name) needs a price_eur column"},
        {KB_FMT_JSONL, "{\"sku\": \"A\", \"name\": \"B\", \"price_eur\": -2}\n",
         "line 1: price_eur '-2' is not a price"},
        {KB_FMT_JSONL, "{\"sku\": \"A\", \"name\": \"B\", \"price_eur\": 1, \"stock\": 1.5}\n",
         "line 1: stock '1.5' is not a whole number"},
        {KB_FMT_CSV, "sku,name,price_eur,currency\nA,B,1.00,CHF\nC,D,2.00,EURO\n",
         "line 3: currency 'EURO' is not a 3-letter code"},
        {KB_FMT_CSV, "sku,name,price_eur,currency\nA,B,1.00,E\n",
         "line 2: currency 'E' is not a 3-letter code"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char why[200];
        collector_clear(col);
        ag_err rc = parse(col, cases[i].fmt, "p", cases[i].text, why, sizeof(why));
        if (rc != AG_EINVAL || strncmp(why, cases[i].why, strlen(cases[i].why)) != 0)
            fail_msg("case %zu: rc=%d why='%s', expected '%s'", i, rc, why, cases[i].why);
    }
    /* The nested object and the array are named by their field. */
    char why[200];
    assert_int_equal(parse(col, KB_FMT_JSONL, "p", nested, why, sizeof(why)), AG_EINVAL);
    assert_non_null(strstr(why, "dims"));
    assert_int_equal(parse(col, KB_FMT_JSONL, "p", array, why, sizeof(why)), AG_EINVAL);
    assert_non_null(strstr(why, "price_eur"));
}

static void test_csv_currency_column(void **state)
{
    struct collector *col = *state;
    char why[200];
    const char *csv = "sku,name,price_eur,stock,currency,url\n"
                      "A-1,Axt,19.99,2,CHF,https://x.example/a\n"
                      "B-2,Beil,5,1,,\n";
    assert_int_equal(parse(col, KB_FMT_CSV, "p.csv", csv, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_products, 2);
    assert_string_equal(col->products[0].currency, "CHF");
    assert_string_equal(col->products[0].url, "https://x.example/a");
    assert_string_equal(col->products[1].currency, "EUR"); /* empty: the default */
    assert_null(col->products[1].url);
    assert_non_null(strstr(col->chunks[0].body, "19,99 CHF"));
}

static void test_jsonl_bad_line_fails_ingest_naming_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/ag-test-fmt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[128], why[512] = "";
    snprintf(db, sizeof(db), "%s/kb.db", dir);
    struct kb_params p = kb_default_params();
    struct kb *kb = NULL;
    assert_int_equal(kb_open(db, &p, true, &kb), AG_OK);
    static const char good[] = "# Gut\n\nDie Sonnenuhr zeigt Mittag.\n";
    static const char bad[] = "{\"sku\": \"A\", \"name\": \"B\", \"price_eur\": 1}\n"
                              "{\"sku\": \"C\", \"name\": \"D\", \"price_eur\": \"x\"}\n";
    const struct kb_source src[] = {
        {"gut.md", KB_FMT_MARKDOWN, good, sizeof(good) - 1, TEXT_LANG_DE},
        {"katalog.jsonl", KB_FMT_JSONL, bad, sizeof(bad) - 1, TEXT_LANG_DE},
    };
    struct kb_ingest_stats st;
    assert_int_equal(kb_ingest_sources(kb, "t", src, 2, false, NULL, NULL, &st, why, sizeof(why)),
                     AG_EINVAL);
    assert_non_null(strstr(why, "katalog.jsonl"));
    assert_non_null(strstr(why, "line 2"));
    int64_t version = -1, chunks = -1;
    assert_int_equal(kb_stats(kb, "t", &version, &chunks), AG_OK);
    assert_int_equal(chunks, 0); /* one transaction: the good file is not kept either */
    kb_close(kb);
    assert_int_equal(tu_remove_tree(dir), 0);
}

/* ---- the word limit ---------------------------------------------------------------------- */

/* Ten sentences of three words each. */
static const char *const sentences[] = {
    "Eins steht hier.",  "Zwei folgt dann.",   "Drei kommt jetzt.", "Vier ist da.",
    "Fünf bleibt auch.", "Sechs geht weiter.", "Sieben ruft laut.", "Acht schläft tief.",
    "Neun singt leise.", "Zehn endet alles.",
};

static void check_word_chunks(const struct collector *col, size_t max_words)
{
    assert_true(col->n_chunks >= 3);
    for (size_t i = 0; i < col->n_chunks; i++) {
        const char *b = col->chunks[i].body;
        size_t w = count_words(b);
        /* Over the limit only when a single piece is longer than the limit itself. */
        if (w > max_words)
            fail_msg("chunk %zu has %zu words (limit %zu): '%s'", i, w, max_words, b);
        assert_string_equal(col->chunks[i].heading, "Abschnitt");
    }
    /* Every chunk after the first starts with the previous chunk's last sentence. */
    for (size_t i = 1; i < col->n_chunks; i++) {
        const char *prev = col->chunks[i - 1].body;
        const char *last = NULL;
        for (size_t s = 0; s < sizeof(sentences) / sizeof(sentences[0]); s++) {
            size_t n = strlen(sentences[s]), pl = strlen(prev);
            if (pl >= n && strcmp(prev + pl - n, sentences[s]) == 0)
                last = sentences[s];
        }
        assert_non_null(last);
        if (strncmp(col->chunks[i].body, last, strlen(last)) != 0)
            fail_msg("chunk %zu '%s' does not start with '%s'", i, col->chunks[i].body, last);
    }
    /* Nothing is lost: every sentence is in some chunk. */
    for (size_t s = 0; s < sizeof(sentences) / sizeof(sentences[0]); s++) {
        bool found = false;
        for (size_t i = 0; i < col->n_chunks && !found; i++)
            found = strstr(col->chunks[i].body, sentences[s]) != NULL;
        assert_true(found);
    }
}

static void test_word_limit_lines_overlap(void **state)
{
    struct collector *col = *state;
    char why[128], md[1024];
    struct kb_params p = kb_default_params();
    p.max_chunk_tokens = 12;
    /* One sentence per paragraph: 4 x 3 words fill a chunk; the next starts with the 4th. */
    size_t o = (size_t)snprintf(md, sizeof(md), "# T\n\n## Abschnitt\n\n");
    for (size_t s = 0; s < 10; s++)
        o += (size_t)snprintf(md + o, sizeof(md) - o, "%s\n\n", sentences[s]);
    assert_true(o < sizeof(md));
    assert_int_equal(parse_p(col, KB_FMT_MARKDOWN, "x.md", md, &p, why, sizeof(why)), AG_OK);
    check_word_chunks(col, p.max_chunk_tokens);
    /* 1-4 | 4-7 | 7-10: twelve words each, one sentence shared at each border. */
    assert_int_equal(col->n_chunks, 3);
    assert_true(strncmp(col->chunks[1].body, "Vier ist da.", 12) == 0);
    assert_true(strncmp(col->chunks[2].body, "Sieben ruft laut.", 17) == 0);
}

static void test_word_limit_zero_means_none(void **state)
{
    struct collector *col = *state;
    char why[128], md[1024];
    struct kb_params p = kb_default_params();
    p.max_chunk_tokens = 0;
    size_t o = (size_t)snprintf(md, sizeof(md), "# T\n\n## Abschnitt\n\n");
    for (size_t s = 0; s < 10; s++)
        o += (size_t)snprintf(md + o, sizeof(md) - o, "%s\n\n", sentences[s]);
    assert_int_equal(parse_p(col, KB_FMT_MARKDOWN, "x.md", md, &p, why, sizeof(why)), AG_OK);
    assert_int_equal(col->n_chunks, 1);
    assert_int_equal(count_words(col->chunks[0].body), 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_html_title_headings_entities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html_h1_beats_title, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html_without_title_uses_file_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html_bad_entities_stay_literal, setup, teardown),
        cmocka_unit_test(test_html_ingest_by_extension),
        cmocka_unit_test_setup_teardown(test_jsonl_default_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_custom_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_and_csv_errors_name_the_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_currency_column, setup, teardown),
        cmocka_unit_test(test_jsonl_bad_line_fails_ingest_naming_file),
        cmocka_unit_test_setup_teardown(test_word_limit_lines_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_word_limit_zero_means_none, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
