// SPDX-License-Identifier: MIT
/*
 * tests/unit/kb/test_search.c: kb_search_ex() and kb_set_synonyms() (src/kb/kb.c,
 * src/kb/index.c) on small German and English documents written inline and ingested
 * with kb_ingest_sources().
 * German compounds learned from the corpus, ae/oe/ue spellings, plurals, exact SKUs,
 * stock and category filters, a question in the other language, prefix queries, quoted
 * phrases, synonyms, tenant isolation (results and scores) and the index refresh after
 * an ingest.
 * The group shares one KB in a mkdtemp folder; each test writes its own tenant, so the
 * tests do not depend on each other's data (synonyms are per KB: that test resets them).
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

struct fixture {
    char dir[64];
    struct kb *kb;
};

static int group_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    if (!fx)
        return -1;
    if (!tu_mkdtemp(fx->dir, sizeof(fx->dir), "/tmp/ag-test-search-XXXXXX")) {
        free(fx);
        return -1;
    }
    char path[128];
    struct kb_params p = kb_default_params();
    snprintf(path, sizeof(path), "%s/kb.db", fx->dir);
    if (kb_open(path, &p, true, &fx->kb) != AG_OK) {
        tu_remove_tree(fx->dir);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *fx = *state;
    kb_close(fx->kb);
    tu_remove_tree(fx->dir);
    free(fx);
    return 0;
}

/* A source from a string literal. */
#define SRC(name, fmt, text, lang)                                                                 \
    {                                                                                              \
        (name), (fmt), (text), sizeof(text) - 1, (lang)                                            \
    }

static void ingest(struct fixture *fx, const char *tenant, const struct kb_source *src, size_t n,
                   struct kb_ingest_stats *st)
{
    char why[512] = "";
    ag_err rc = kb_ingest_sources(fx->kb, tenant, src, n, false, NULL, NULL, st, why, sizeof(why));
    if (rc != AG_OK)
        fail_msg("ingest into %s: %s (%s)", tenant, ag_strerror(rc), why);
}

static void search_q(struct fixture *fx, struct arena *a, const char *tenant,
                     const struct kb_query *q, struct kb_result *r)
{
    ag_err rc = kb_search_ex(fx->kb, a, tenant, q, r);
    if (rc != AG_OK)
        fail_msg("search '%.*s' in %s: %s", (int)q->len, q->text, tenant, ag_strerror(rc));
    for (size_t i = 1; i < r->n_hits; i++)
        assert_true(r->hits[i - 1].score >= r->hits[i].score);
    assert_true(r->n_hits <= q->k);
}

static void search(struct fixture *fx, struct arena *a, const char *tenant, const char *text,
                   struct kb_result *r)
{
    struct kb_query q = {.text = text, .len = strlen(text), .k = 10};
    search_q(fx, a, tenant, &q, r);
}

/* Rank (0-based) of the first hit from doc, or -1. */
static int find_doc(const struct kb_result *r, const char *doc)
{
    for (size_t i = 0; i < r->n_hits; i++)
        if (strcmp(r->hits[i].doc, doc) == 0)
            return (int)i;
    return -1;
}

static void dump(const struct kb_result *r)
{
    for (size_t i = 0; i < r->n_hits; i++)
        print_message("  #%zu %s [%s] sku=%s score=%.6f\n", i, r->hits[i].doc, r->hits[i].heading,
                      r->hits[i].sku ? r->hits[i].sku : "-", r->hits[i].score);
}

static void expect_top(const struct kb_result *r, const char *doc, const char *query)
{
    if (r->n_hits == 0 || strcmp(r->hits[0].doc, doc) != 0) {
        dump(r);
        fail_msg("'%s': expected %s first", query, doc);
    }
}

/* ---- German words ------------------------------------------------------------------------ */

static void test_compounds_learned_from_corpus(void **state)
{
    struct fixture *fx = *state;
    /* "Versandkosten" splits into "Versand" + "Kosten" because both occur on their own. */
    const struct kb_source src[] = {
        SRC("a_versandkosten.md", KB_FMT_MARKDOWN,
            "# Lieferung\n\nDie Versandkosten betragen pauschal 4,90 Euro.\n", TEXT_LANG_DE),
        SRC("b_kosten.md", KB_FMT_MARKDOWN,
            "# Gebühren\n\nDie Kosten für den Versand trägt der Kunde selbst.\n", TEXT_LANG_DE),
        SRC("c_laden.md", KB_FMT_MARKDOWN,
            "# Öffnungszeiten\n\nUnser Laden öffnet montags um neun Uhr.\n", TEXT_LANG_DE),
    };
    struct kb_ingest_stats st;
    ingest(fx, "compound", src, 3, &st);
    assert_int_equal(st.chunks, 3);
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "compound", "Was kostet der Versand?", &r);
    assert_int_equal(r.lang, TEXT_LANG_DE);
    assert_int_equal(r.n_hits, 2);
    assert_true(find_doc(&r, "a_versandkosten.md") >= 0);
    assert_true(find_doc(&r, "b_kosten.md") >= 0);
    assert_int_equal(find_doc(&r, "c_laden.md"), -1);

    search(fx, &a, "compound", "Versandkosten", &r);
    assert_int_equal(r.n_hits, 2);
    expect_top(&r, "a_versandkosten.md", "Versandkosten"); /* the word itself beats its parts */
    assert_int_equal(find_doc(&r, "b_kosten.md"), 1);
    /* The parts count at less than full weight. */
    assert_true(r.hits[0].score > r.hits[1].score);
    arena_release(&a);
}

static void test_compound_unknown_to_corpus(void **state)
{
    struct fixture *fx = *state;
    /* No document says "Versandkosten": the question's compound is split on the vocabulary. */
    const struct kb_source src[] = {
        SRC("kosten.md", KB_FMT_MARKDOWN,
            "# Gebühren\n\nDie Kosten für den Versand trägt der Kunde.\n", TEXT_LANG_DE),
        SRC("laden.md", KB_FMT_MARKDOWN, "# Laden\n\nDer Laden öffnet um neun Uhr.\n",
            TEXT_LANG_DE),
    };
    struct kb_ingest_stats st;
    ingest(fx, "compound2", src, 2, &st);
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "compound2", "Versandkosten", &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "kosten.md");
    arena_release(&a);
}

static void test_umlaut_spellings(void **state)
{
    struct fixture *fx = *state;
    const struct kb_source src[] = {
        SRC("laender.md", KB_FMT_MARKDOWN,
            "# Lieferländer\n\nWir liefern nach Österreich und in die Schweiz.\n", TEXT_LANG_DE),
        SRC("rueckgabe.md", KB_FMT_MARKDOWN,
            "# Rückgabe\n\nDie Rücksendung ist dreißig Tage lang kostenlos.\n", TEXT_LANG_DE),
        SRC("zahlung.md", KB_FMT_MARKDOWN, "# Zahlung\n\nWir akzeptieren Rechnung und Karte.\n",
            TEXT_LANG_DE),
    };
    struct kb_ingest_stats st;
    ingest(fx, "umlaut", src, 3, &st);
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "umlaut", "Oesterreich", &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "laender.md");
    search(fx, &a, "umlaut", "Liefern Sie nach Oesterreich?", &r);
    expect_top(&r, "laender.md", "Liefern Sie nach Oesterreich?");
    search(fx, &a, "umlaut", "Ruecksendung", &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "rueckgabe.md");
    /* And the other way round: the umlaut finds the ue spelling's document. */
    const struct kb_source src2[] = {
        SRC("ue.md", KB_FMT_MARKDOWN, "# Hinweis\n\nDie Ruecksendung erfolgt per Post.\n",
            TEXT_LANG_DE),
    };
    ingest(fx, "umlaut2", src2, 1, &st);
    search(fx, &a, "umlaut2", "Rücksendung", &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "ue.md");
    arena_release(&a);
}

static void test_plurals_and_stems(void **state)
{
    struct fixture *fx = *state;
    const struct kb_source src[] = {
        SRC("zelt.md", KB_FMT_MARKDOWN, "# Ausrüstung\n\nDas Zelt ist wasserdicht und leicht.\n",
            TEXT_LANG_DE),
        SRC("tent.md", KB_FMT_MARKDOWN, "# Gear\n\nThe tent is waterproof and light.\n",
            TEXT_LANG_EN),
        SRC("kocher.md", KB_FMT_MARKDOWN, "# Küche\n\nDer Kocher brennt mit Gas.\n", TEXT_LANG_DE),
    };
    struct kb_ingest_stats st;
    ingest(fx, "stem", src, 3, &st);
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "stem", "Zelte", &r);
    assert_true(r.n_hits >= 1);
    expect_top(&r, "zelt.md", "Zelte");
    assert_int_equal(find_doc(&r, "kocher.md"), -1);
    search(fx, &a, "stem", "tents", &r);
    assert_true(r.n_hits >= 1);
    expect_top(&r, "tent.md", "tents");
    assert_int_equal(find_doc(&r, "kocher.md"), -1);
    struct kb_query q = {.text = "Which tents are waterproof?", .len = 27, .k = 10};
    search_q(fx, &a, "stem", &q, &r);
    assert_int_equal(r.lang, TEXT_LANG_EN);
    expect_top(&r, "tent.md", q.text);
    arena_release(&a);
}

/* ---- products ------------------------------------------------------------------------------ */

static const char products_csv[] =
    "sku,name,price_eur,stock,category,description_de,description_en\n"
    "NW-1004,Trekkingzelt Lumen,249.90,3,Zelte,Ein leichtes Zelt.,A light tent.\n"
    "NW-1005,Familienzelt Haus,399.00,0,Zelte,Ein großes Zelt.,A large tent.\n"
    "NW-2001,Gaskocher Flamme,49.00,5,Kocher,Ein kleiner Kocher.,A small stove.\n";

static const char orders_md[] =
    "# Bestellungen\n\n"
    "Die Bestellung 1004 wurde versandt. Rechnung 1004 liegt bei. Paket 1004 kommt morgen.\n\n"
    "## Zelte\n\nUnsere Zelte sind leicht. Jedes Zelt hat Heringe.\n";

static void ingest_products(struct fixture *fx, const char *tenant)
{
    const struct kb_source src[] = {
        SRC("bestellungen.md", KB_FMT_MARKDOWN, orders_md, TEXT_LANG_DE),
        SRC("products.csv", KB_FMT_CSV, products_csv, TEXT_LANG_UNKNOWN),
    };
    struct kb_ingest_stats st;
    ingest(fx, tenant, src, 2, &st);
    assert_int_equal(st.products, 3);
}

static void test_exact_sku_ranks_first(void **state)
{
    struct fixture *fx = *state;
    ingest_products(fx, "sku");
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "sku", "NW-1004", &r);
    /* The product's two language chunks come before the text that repeats "1004". */
    assert_true(r.n_hits >= 3);
    for (size_t i = 0; i < 2; i++) {
        if (!r.hits[i].sku || strcmp(r.hits[i].sku, "NW-1004") != 0) {
            dump(&r);
            fail_msg("hit %zu is not NW-1004", i);
        }
        assert_string_equal(r.hits[i].doc, "products.csv");
        assert_non_null(strstr(r.hits[i].text, "NW-1004"));
    }
    assert_true(find_doc(&r, "bestellungen.md") >= 2);
    /* Case does not matter, and the SKU inside a question still wins. */
    search(fx, &a, "sku", "Was kostet nw-1004?", &r);
    assert_true(r.n_hits >= 2);
    assert_string_equal(r.hits[0].sku, "NW-1004");
    assert_string_equal(r.hits[1].sku, "NW-1004");
    arena_release(&a);
}

static void test_stock_and_category_filters(void **state)
{
    struct fixture *fx = *state;
    ingest_products(fx, "filter");
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    struct kb_query q = {.text = "Zelt", .len = 4, .k = 20};
    search_q(fx, &a, "filter", &q, &r);
    assert_true(find_doc(&r, "bestellungen.md") >= 0);
    bool saw_1005 = false;
    for (size_t i = 0; i < r.n_hits; i++)
        saw_1005 |= r.hits[i].sku && strcmp(r.hits[i].sku, "NW-1005") == 0;
    assert_true(saw_1005);

    /* In stock: NW-1005 (stock 0) goes, and so does every chunk that is not a product. */
    q.flags = KB_SEARCH_IN_STOCK;
    search_q(fx, &a, "filter", &q, &r);
    assert_int_equal(r.n_hits, 2);
    for (size_t i = 0; i < r.n_hits; i++) {
        assert_non_null(r.hits[i].sku);
        assert_string_equal(r.hits[i].sku, "NW-1004");
    }

    /* A category keeps only that category's products (both language chunks of each). */
    q = (struct kb_query){.text = "kostet costs", .len = 12, .k = 20, .category = "Kocher"};
    search_q(fx, &a, "filter", &q, &r);
    assert_int_equal(r.n_hits, 2);
    for (size_t i = 0; i < r.n_hits; i++)
        assert_string_equal(r.hits[i].sku, "NW-2001");
    q.category = "Zelte";
    search_q(fx, &a, "filter", &q, &r);
    assert_int_equal(r.n_hits, 4);
    for (size_t i = 0; i < r.n_hits; i++)
        assert_true(strcmp(r.hits[i].sku, "NW-1004") == 0 || strcmp(r.hits[i].sku, "NW-1005") == 0);
    q.flags = KB_SEARCH_IN_STOCK;
    search_q(fx, &a, "filter", &q, &r);
    assert_int_equal(r.n_hits, 2);
    for (size_t i = 0; i < r.n_hits; i++)
        assert_string_equal(r.hits[i].sku, "NW-1004");
    q = (struct kb_query){.text = "kostet costs", .len = 12, .k = 20, .category = "Boote"};
    search_q(fx, &a, "filter", &q, &r);
    assert_int_equal(r.n_hits, 0);
    q.category = "zelte"; /* categories compare exactly */
    search_q(fx, &a, "filter", &q, &r);
    assert_int_equal(r.n_hits, 0);
    arena_release(&a);
}

/* ---- languages, prefixes, phrases ----------------------------------------------------------- */

static void test_english_page_found_by_german_question(void **state)
{
    struct fixture *fx = *state;
    const struct kb_source src[] = {
        SRC("warranty.md", KB_FMT_MARKDOWN,
            "# Warranty\n\nThe warranty covers all defects for two years after purchase.\n",
            TEXT_LANG_EN),
        SRC("versand.md", KB_FMT_MARKDOWN, "# Versand\n\nDer Versand nach Berlin ist schnell.\n",
            TEXT_LANG_DE),
        SRC("laden.md", KB_FMT_MARKDOWN, "# Laden\n\nDer Laden liegt am Markt.\n", TEXT_LANG_DE),
    };
    struct kb_ingest_stats st;
    ingest(fx, "cross", src, 3, &st);
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    const enum text_lang langs[] = {TEXT_LANG_UNKNOWN, TEXT_LANG_DE};
    for (size_t i = 0; i < 2; i++) {
        struct kb_query q = {.text = "warranty Dauer", .len = 14, .lang = langs[i], .k = 10};
        search_q(fx, &a, "cross", &q, &r);
        assert_int_equal(r.lang, TEXT_LANG_DE);
        expect_top(&r, "warranty.md", q.text);
        assert_int_equal(r.hits[0].lang, TEXT_LANG_EN);
    }
    arena_release(&a);
}

static void test_prefix_query(void **state)
{
    struct fixture *fx = *state;
    const struct kb_source src[] = {
        SRC("a.md", KB_FMT_MARKDOWN, "# Eins\n\nDie Versandkosten sind gering.\n", TEXT_LANG_DE),
        SRC("b.md", KB_FMT_MARKDOWN, "# Zwei\n\nDie Versandart wählen Sie selbst.\n", TEXT_LANG_DE),
        SRC("c.md", KB_FMT_MARKDOWN, "# Drei\n\nDie Versicherung zahlt den Schaden.\n",
            TEXT_LANG_DE),
        SRC("d.md", KB_FMT_MARKDOWN, "# Vier\n\nDer Verband tagt jährlich.\n", TEXT_LANG_DE),
    };
    struct kb_ingest_stats st;
    ingest(fx, "prefix", src, 4, &st);
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "prefix", "versand*", &r);
    assert_int_equal(r.n_hits, 2);
    assert_true(find_doc(&r, "a.md") >= 0);
    assert_true(find_doc(&r, "b.md") >= 0);
    assert_int_equal(r.n_terms, 1);
    assert_true(r.terms[0].prefix);
    assert_string_equal(r.terms[0].stem, "versand");
    /* Without the star it is a plain word, which neither document holds on its own. */
    search(fx, &a, "prefix", "Versandar", &r);
    assert_int_equal(find_doc(&r, "a.md"), -1);
    search(fx, &a, "prefix", "vers*", &r);
    assert_int_equal(r.n_hits, 3);
    assert_int_equal(find_doc(&r, "d.md"), -1);
    arena_release(&a);
}

static void test_quoted_phrase_ranks_first(void **state)
{
    struct fixture *fx = *state;
    /* The same words, the same lengths; only b_ holds "rote Zelt" in a row. */
    const struct kb_source src[] = {
        SRC("a_zelt.md", KB_FMT_MARKDOWN, "# Notiz\n\nDas Zelt am Haus steht rot im Garten.\n",
            TEXT_LANG_DE),
        SRC("b_zelt.md", KB_FMT_MARKDOWN, "# Notiz\n\nIm Garten steht das rote Zelt am Haus.\n",
            TEXT_LANG_DE),
        SRC("c_other.md", KB_FMT_MARKDOWN, "# Notiz\n\nDer Kocher brennt hell.\n", TEXT_LANG_DE),
    };
    struct kb_ingest_stats st;
    ingest(fx, "phrase", src, 3, &st);
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "phrase", "rotes Zelt", &r);
    assert_int_equal(r.n_hits, 2);
    assert_true(r.hits[0].score == r.hits[1].score); /* a tie: the earlier chunk first */
    assert_string_equal(r.hits[0].doc, "a_zelt.md");
    assert_int_equal(r.n_phrases, 0);

    search(fx, &a, "phrase", "\"rotes Zelt\"", &r);
    assert_int_equal(r.n_phrases, 1);
    assert_int_equal(r.phrases[0].n, 2);
    assert_int_equal(r.n_hits, 2); /* the other document stays, below */
    expect_top(&r, "b_zelt.md", "\"rotes Zelt\"");
    assert_true(r.hits[0].score > r.hits[1].score);
    assert_string_equal(r.hits[1].doc, "a_zelt.md");

    /* Reversed, the phrase matches the other document. */
    search(fx, &a, "phrase", "\"Zelt am Haus\"", &r);
    assert_true(r.n_hits >= 2);
    expect_top(&r, "a_zelt.md", "\"Zelt am Haus\"");
    search(fx, &a, "phrase", "Wo steht das \"rote Zelt\" genau?", &r);
    expect_top(&r, "b_zelt.md", "Wo steht das \"rote Zelt\" genau?");
    arena_release(&a);
}

/* ---- synonyms ---------------------------------------------------------------------------- */

static void test_synonyms(void **state)
{
    struct fixture *fx = *state;
    const struct kb_source src[] = {
        SRC("rueck.md", KB_FMT_MARKDOWN, "# Rückgabe\n\nDie Rücksendung ist kostenlos.\n",
            TEXT_LANG_DE),
        SRC("laden.md", KB_FMT_MARKDOWN, "# Laden\n\nDer Laden liegt am Markt.\n", TEXT_LANG_DE),
    };
    struct kb_ingest_stats st;
    ingest(fx, "syn", src, 2, &st);
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "syn", "Retoure", &r);
    assert_int_equal(r.n_hits, 0);

    char why[256] = "";
    const char *groups = "# Rückgabe\n"
                         "Retoure, Rücksendung, return\n"
                         "\n"
                         "Zelt, Tent  # Ausrüstung\n";
    assert_int_equal(kb_set_synonyms(fx->kb, groups, strlen(groups), why, sizeof(why)), AG_OK);
    search(fx, &a, "syn", "Retoure", &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "rueck.md");
    assert_int_equal(r.n_terms, 1);
    assert_true(r.terms[0].n_syn >= 1);
    search(fx, &a, "syn", "Wie funktioniert die Retoure?", &r);
    expect_top(&r, "rueck.md", "Wie funktioniert die Retoure?");

    /* Errors name the line, and a failed call keeps the groups set before. */
    const char *two_words = "# Kommentar\nRetoure, Rück sendung\n";
    why[0] = '\0';
    assert_int_equal(kb_set_synonyms(fx->kb, two_words, strlen(two_words), why, sizeof(why)),
                     AG_ECONFIG);
    assert_true(strncmp(why, "line 2: ", 8) == 0);
    assert_non_null(strstr(why, "more than one word"));
    assert_non_null(strstr(why, "Rück sendung"));
    const char *single = "Retoure, Rücksendung\nZelt\n";
    why[0] = '\0';
    assert_int_equal(kb_set_synonyms(fx->kb, single, strlen(single), why, sizeof(why)), AG_ECONFIG);
    assert_string_equal(why, "line 2: a group needs at least two words");
    const char *single_comma = "Retoure,\n";
    why[0] = '\0';
    assert_int_equal(kb_set_synonyms(fx->kb, single_comma, strlen(single_comma), why, sizeof(why)),
                     AG_ECONFIG);
    assert_true(strncmp(why, "line 1: ", 8) == 0);
    search(fx, &a, "syn", "Retoure", &r);
    assert_int_equal(r.n_hits, 1);

    /* An empty list clears them. */
    assert_int_equal(kb_set_synonyms(fx->kb, "", 0, why, sizeof(why)), AG_OK);
    search(fx, &a, "syn", "Retoure", &r);
    assert_int_equal(r.n_hits, 0);
    arena_release(&a);
}

/* ---- tenants and versions ---------------------------------------------------------------- */

static void test_tenant_isolation_and_scores(void **state)
{
    struct fixture *fx = *state;
    const struct kb_source a_src[] = {
        SRC("a1.md", KB_FMT_MARKDOWN, "# Versand\n\nDer Versand nach Wien dauert drei Tage.\n",
            TEXT_LANG_DE),
        SRC("a2.md", KB_FMT_MARKDOWN, "# Zahlung\n\nWir nehmen Rechnung und Karte.\n",
            TEXT_LANG_DE),
        SRC("a3.md", KB_FMT_MARKDOWN, "# Laden\n\nDer Laden liegt am Markt.\n", TEXT_LANG_DE),
    };
    struct kb_ingest_stats st;
    ingest(fx, "iso-a", a_src, 3, &st);
    const char *q = "Wie lange dauert der Versand nach Wien?";
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result before, after;
    search(fx, &a, "iso-a", q, &before);
    assert_true(before.n_hits >= 1);
    assert_string_equal(before.hits[0].doc, "a1.md");

    /* B has many chunks saying "Versand" and "Wien": shared statistics would change A. */
    const struct kb_source b_src[] = {
        SRC("b1.md", KB_FMT_MARKDOWN, "# Versand\n\nVersand Versand Wien Wien Quokkafutter.\n",
            TEXT_LANG_DE),
        SRC("b2.md", KB_FMT_MARKDOWN, "# Versand\n\nVersand nach Wien, Versand nach Graz.\n",
            TEXT_LANG_DE),
        SRC("b3.md", KB_FMT_MARKDOWN, "# Wien\n\nWien Versand Wien Versand.\n", TEXT_LANG_DE),
        SRC("a1.md", KB_FMT_MARKDOWN, "# Fremd\n\nGleicher Name, anderer Mandant: Wien.\n",
            TEXT_LANG_DE),
    };
    int64_t v0, c0, v1, c1;
    assert_int_equal(kb_stats(fx->kb, "iso-a", &v0, &c0), AG_OK);
    ingest(fx, "iso-b", b_src, 4, &st);
    assert_int_equal(kb_stats(fx->kb, "iso-a", &v1, &c1), AG_OK);
    assert_true(v1 > v0); /* the KB changed, so A's index is rebuilt */
    assert_int_equal(c1, c0);

    search(fx, &a, "iso-a", q, &after);
    assert_int_equal(after.n_hits, before.n_hits);
    for (size_t i = 0; i < after.n_hits; i++) {
        assert_string_equal(after.hits[i].doc, before.hits[i].doc);
        assert_int_equal(after.hits[i].chunk_id, before.hits[i].chunk_id);
        assert_true(after.hits[i].score == before.hits[i].score);
        assert_null(strstr(after.hits[i].text, "Quokkafutter"));
        assert_null(strstr(after.hits[i].text, "anderer Mandant"));
    }
    assert_int_equal(after.n_terms, before.n_terms);
    for (size_t i = 0; i < after.n_terms; i++)
        assert_true(after.terms[i].idf == before.terms[i].idf);

    struct kb_result r;
    search(fx, &a, "iso-a", "Quokkafutter Graz", &r);
    assert_int_equal(r.n_hits, 0);
    search(fx, &a, "iso-b", "Quokkafutter", &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "b1.md");
    search(fx, &a, "iso-b", "Rechnung Karte Markt", &r);
    assert_int_equal(r.n_hits, 0);
    arena_release(&a);
}

static void test_index_refresh_after_ingest(void **state)
{
    struct fixture *fx = *state;
    const struct kb_source one[] = {
        SRC("eins.md", KB_FMT_MARKDOWN, "# Eins\n\nDie Wetterfahne dreht sich.\n", TEXT_LANG_DE),
    };
    struct kb_ingest_stats st;
    ingest(fx, "refresh", one, 1, &st);
    int64_t v0 = st.version;
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "refresh", "Wetterfahne", &r); /* builds and caches the index */
    assert_int_equal(r.n_hits, 1);
    search(fx, &a, "refresh", "Leuchtturm", &r);
    assert_int_equal(r.n_hits, 0);
    assert_int_equal(kb_warm(fx->kb, "refresh"), AG_OK);

    const struct kb_source two[] = {
        SRC("zwei.md", KB_FMT_MARKDOWN, "# Zwei\n\nDer Leuchtturm steht am Hafen.\n", TEXT_LANG_DE),
    };
    ingest(fx, "refresh", two, 1, &st);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.version, v0 + 1);
    search(fx, &a, "refresh", "Leuchtturm", &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "zwei.md");
    assert_non_null(strstr(r.hits[0].text, "Hafen"));
    search(fx, &a, "refresh", "Wetterfahne", &r); /* still there: no prune */
    assert_int_equal(r.n_hits, 1);

    /* KB_SEARCH_NO_TEXT: the same hits, without their text. */
    struct kb_query q = {.text = "Leuchtturm", .len = 10, .k = 5, .flags = KB_SEARCH_NO_TEXT};
    search_q(fx, &a, "refresh", &q, &r);
    assert_int_equal(r.n_hits, 1);
    assert_null(r.hits[0].text);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compounds_learned_from_corpus),
        cmocka_unit_test(test_compound_unknown_to_corpus),
        cmocka_unit_test(test_umlaut_spellings),
        cmocka_unit_test(test_plurals_and_stems),
        cmocka_unit_test(test_exact_sku_ranks_first),
        cmocka_unit_test(test_stock_and_category_filters),
        cmocka_unit_test(test_english_page_found_by_german_question),
        cmocka_unit_test(test_prefix_query),
        cmocka_unit_test(test_quoted_phrase_ranks_first),
        cmocka_unit_test(test_synonyms),
        cmocka_unit_test(test_tenant_isolation_and_scores),
        cmocka_unit_test(test_index_refresh_after_ingest),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
