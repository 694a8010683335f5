// SPDX-License-Identifier: MIT
/*
 * tests/unit/llm/test_extractive.c: llm_extractive_answer() (src/llm/extractive.c) over
 * real kb_search() results from the example shop ($AG_SOURCE_DIR/examples/shop), ingested
 * once into a KB in a mkdtemp folder. Checks quoted, cited answers, the "don't know"
 * text in both languages, and that the threshold is honoured.
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
#include "llm/llm.h"
#include "test_util.h"

#define TENANT "shop"

struct fixture {
    char dir[64];
    struct kb *kb;
    struct arena arena; /* per test */
};

static int group_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    const char *src = tu_source_dir();
    if (!fx || !src) {
        free(fx);
        return -1;
    }
    if (!tu_mkdtemp(fx->dir, sizeof(fx->dir), "/tmp/ag-test-extractive-XXXXXX")) {
        free(fx);
        return -1;
    }
    char path[128], shop[1024], why[512] = "";
    snprintf(path, sizeof(path), "%s/kb.db", fx->dir);
    bool shop_ok = tu_path(shop, sizeof(shop), src, "examples/shop");
    struct kb_params p = kb_default_params();
    const char *paths[] = {shop};
    struct kb_ingest_stats st;
    if (!shop_ok || kb_open(path, &p, true, &fx->kb) != AG_OK ||
        kb_ingest(fx->kb, TENANT, paths, 1, false, NULL, NULL, &st, why, sizeof(why)) != AG_OK) {
        fprintf(stderr, "setup: %s\n", why);
        kb_close(fx->kb);
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

static int setup(void **state)
{
    struct fixture *fx = *state;
    arena_init(&fx->arena, 1u << 22);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    arena_release(&fx->arena);
    return 0;
}

static void retrieve(struct fixture *fx, const char *q, struct kb_result *r)
{
    assert_int_equal(kb_search(fx->kb, &fx->arena, TENANT, q, strlen(q), TEXT_LANG_UNKNOWN, 5, r),
                     AG_OK);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_answers_austria_in_german(void **state)
{
    struct fixture *fx = *state;
    struct kb_result r;
    retrieve(fx, "Wie lange dauert der Versand nach Österreich?", &r);
    assert_int_equal(r.lang, TEXT_LANG_DE);
    struct llm_extractive_params p = llm_extractive_default_params();
    struct llm_answer ans;
    assert_int_equal(llm_extractive_answer(&fx->arena, &r, r.lang, &p, &ans), AG_OK);
    assert_true(ans.known);
    assert_true(ans.confidence >= p.threshold && ans.confidence <= 1.0);
    assert_true(ans.n_cited >= 1 && ans.n_cited <= p.max_sentences);
    assert_true(ans.cited[0] < r.n_hits);
    assert_string_equal(r.hits[ans.cited[0]].doc, "versand_de.md");
    /* German quotes „…“ around a sentence of the passage, then its citation. */
    assert_non_null(strstr(ans.text, "\xe2\x80\x9e"
                                     "Der Versand nach Österreich dauert 3 bis 5 "
                                     "Werktage."
                                     "\xe2\x80\x9c [1]"));
    assert_null(strstr(ans.text, "\xe2\x80\x9d")); /* no English closing quote */
    assert_string_not_equal(ans.text, llm_dont_know_text(TEXT_LANG_DE));
    /* Every citation number refers to a cited passage. */
    for (size_t i = 0; i < ans.n_cited; i++) {
        char mark[32];
        snprintf(mark, sizeof(mark), "[%zu]", i + 1);
        assert_non_null(strstr(ans.text, mark));
    }
    char beyond[32];
    snprintf(beyond, sizeof(beyond), "[%zu]", ans.n_cited + 1);
    assert_null(strstr(ans.text, beyond));
}

static void test_answers_austria_in_english(void **state)
{
    struct fixture *fx = *state;
    struct kb_result r;
    retrieve(fx, "How long does shipping to Austria take?", &r);
    struct llm_extractive_params p = llm_extractive_default_params();
    struct llm_answer ans;
    assert_int_equal(llm_extractive_answer(&fx->arena, &r, TEXT_LANG_EN, &p, &ans), AG_OK);
    assert_true(ans.known);
    assert_non_null(strstr(ans.text, "\xe2\x80\x9c")); /* “ */
    assert_non_null(strstr(ans.text, "\xe2\x80\x9d")); /* ” */
    assert_non_null(strstr(ans.text, "3 to 5 business days"));
    int shipping = 0;
    for (size_t i = 0; i < ans.n_cited; i++)
        if (strcmp(r.hits[ans.cited[i]].doc, "shipping_en.md") == 0)
            shipping = 1;
    assert_true(shipping);
}

static void test_one_sentence_when_asked(void **state)
{
    struct fixture *fx = *state;
    struct kb_result r;
    retrieve(fx, "How long does shipping to Austria take?", &r);
    struct llm_extractive_params p = llm_extractive_default_params();
    p.max_sentences = 1;
    struct llm_answer ans;
    assert_int_equal(llm_extractive_answer(&fx->arena, &r, TEXT_LANG_EN, &p, &ans), AG_OK);
    assert_true(ans.known);
    assert_int_equal(ans.n_cited, 1);
    assert_int_equal(count(ans.text, "["), 1);
    assert_non_null(strstr(ans.text, " [1]"));
}

static void expect_dont_know(const struct llm_answer *ans, enum text_lang lang)
{
    assert_false(ans->known);
    assert_int_equal(ans->n_cited, 0);
    assert_string_equal(ans->text, llm_dont_know_text(lang));
    assert_null(strstr(ans->text, "[1]"));
}

static void test_dont_know_german(void **state)
{
    struct fixture *fx = *state;
    struct kb_result r;
    retrieve(fx, "Was kostet ein Elefant auf dem Mond?", &r);
    assert_int_equal(r.lang, TEXT_LANG_DE);
    struct llm_extractive_params p = llm_extractive_default_params();
    struct llm_answer ans;
    assert_int_equal(llm_extractive_answer(&fx->arena, &r, r.lang, &p, &ans), AG_OK);
    expect_dont_know(&ans, TEXT_LANG_DE);
    assert_non_null(strstr(ans.text, "keine verlässliche Antwort"));
}

static void test_dont_know_english(void **state)
{
    struct fixture *fx = *state;
    struct kb_result r;
    retrieve(fx, "What is the capital of Mongolia?", &r);
    assert_int_equal(r.lang, TEXT_LANG_EN);
    struct llm_extractive_params p = llm_extractive_default_params();
    struct llm_answer ans;
    assert_int_equal(llm_extractive_answer(&fx->arena, &r, r.lang, &p, &ans), AG_OK);
    expect_dont_know(&ans, TEXT_LANG_EN);
    assert_non_null(strstr(ans.text, "could not find"));
}

static void test_no_hits_is_dont_know(void **state)
{
    struct fixture *fx = *state;
    struct kb_result r;
    retrieve(fx, "Quastenflosserzwirbelei Xylophonmarmelade", &r);
    assert_int_equal(r.n_hits, 0);
    struct llm_extractive_params p = llm_extractive_default_params();
    struct llm_answer ans;
    assert_int_equal(llm_extractive_answer(&fx->arena, &r, TEXT_LANG_DE, &p, &ans), AG_OK);
    expect_dont_know(&ans, TEXT_LANG_DE);
}

static void test_threshold_above_one_always_dont_know(void **state)
{
    struct fixture *fx = *state;
    static const char *const questions[] = {
        "Wie lange dauert der Versand nach Österreich?",
        "How long does shipping to Austria take?",
        "NW-1004",
    };
    struct llm_extractive_params p = llm_extractive_default_params();
    p.threshold = 1.01;
    for (size_t i = 0; i < sizeof(questions) / sizeof(questions[0]); i++) {
        struct kb_result r;
        retrieve(fx, questions[i], &r);
        assert_true(r.n_hits > 0);
        struct llm_answer ans;
        assert_int_equal(llm_extractive_answer(&fx->arena, &r, r.lang, &p, &ans), AG_OK);
        expect_dont_know(&ans, r.lang);
    }
}

static void test_dont_know_texts(void **state)
{
    (void)state;
    const char *de = llm_dont_know_text(TEXT_LANG_DE), *en = llm_dont_know_text(TEXT_LANG_EN);
    assert_non_null(de);
    assert_non_null(en);
    assert_string_not_equal(de, en);
    assert_non_null(strstr(de, "Kundenservice"));
    assert_non_null(strstr(en, "customer service"));
    assert_string_equal(llm_dont_know_text(TEXT_LANG_UNKNOWN), en);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_answers_austria_in_german, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answers_austria_in_english, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_sentence_when_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dont_know_german, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dont_know_english, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_hits_is_dont_know, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threshold_above_one_always_dont_know, setup, teardown),
        cmocka_unit_test(test_dont_know_texts),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
