// SPDX-License-Identifier: MIT
/*
 * tests/unit/kb/test_big_index.c: a tenant large enough (5000 chunks) for the index build
 * to analyse on two threads and for long posting lists to get impact prefixes (which
 * seed the top-k threshold). Words in both halves must count once per chunk, across the
 * halves; the top k for questions of frequent words must score as exhaustive scoring
 * does (checked against a ranking with a k too large for the seeded path).
 */
#include <math.h>

#include "test_util.h"

#include "core/arena.h"
#include "kb/kb.h"

#define N_DOCS 5000

struct fixture {
    char dir[64], path[128];
    struct kb *kb;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || !tu_mkdtemp(f->dir, sizeof(f->dir), "/tmp/agentgate-bigidx-XXXXXX"))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/kb.db", f->dir);
    struct kb_params p = kb_default_params();
    if (kb_open(f->path, &p, true, &f->kb) != AG_OK)
        return -1;
    /* Every chunk has "common" (tf 1..4), "immer" (tf 1..3), "alltag" and "jeden";
     * "firstonly" is in chunk 0 only, "lastonly" in the last chunk only, "bothends" in
     * the first and the last. */
    struct kb_source *src = calloc(N_DOCS, sizeof(*src));
    char(*names)[16] = calloc(N_DOCS, sizeof(*names));
    struct buf *texts = calloc(N_DOCS, sizeof(*texts));
    if (!src || !names || !texts)
        return -1;
    tu_rng_seed();
    for (int i = 0; i < N_DOCS; i++) {
        buf_init(&texts[i], 4096);
        snprintf(names[i], sizeof(names[i]), "d%04d.md", i);
        ag_err rc = buf_printf(&texts[i], "# Chunk %d\n\nalltag jeden", i);
        for (size_t k = 0, n = 1 + tu_rng_below(3); k < n && rc == AG_OK; k++)
            rc = buf_append_str(&texts[i], " immer");
        for (size_t k = 0, n = 1 + tu_rng_below(4); k < n && rc == AG_OK; k++)
            rc = buf_append_str(&texts[i], " common");
        for (size_t k = 0, n = tu_rng_below(20); k < n && rc == AG_OK; k++)
            rc = buf_printf(&texts[i], " filler%zu", tu_rng_below(500));
        if (rc == AG_OK && i == 0)
            rc = buf_append_str(&texts[i], " firstonly bothends");
        if (rc == AG_OK && i == N_DOCS - 1)
            rc = buf_append_str(&texts[i], " lastonly bothends");
        if (rc == AG_OK)
            rc = buf_append_str(&texts[i], ".\n");
        if (rc != AG_OK)
            return -1;
        src[i] =
            (struct kb_source){names[i], KB_FMT_MARKDOWN, texts[i].p, texts[i].len, TEXT_LANG_EN};
    }
    struct kb_ingest_stats st;
    char why[256] = "";
    ag_err rc =
        kb_ingest_sources(f->kb, "t", src, N_DOCS, false, NULL, NULL, &st, why, sizeof(why));
    for (int i = 0; i < N_DOCS; i++)
        buf_release(&texts[i]);
    free(texts);
    free(names);
    free(src);
    *state = f;
    return rc == AG_OK && st.chunks == N_DOCS ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    kb_close(f->kb);
    tu_remove_tree(f->dir);
    free(f);
    return 0;
}

static void search(struct fixture *f, struct arena *a, const char *q, size_t k, struct kb_result *r)
{
    struct kb_query kq = {.text = q, .len = strlen(q), .lang = TEXT_LANG_EN, .k = k};
    assert_int_equal(kb_search_ex(f->kb, a, "t", &kq, r), AG_OK);
}

static void test_words_from_both_halves(void **state)
{
    struct fixture *f = *state;
    struct arena a;
    arena_init(&a, 1 << 24);
    struct kb_result r;
    search(f, &a, "firstonly", 5, &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "d0000.md");
    search(f, &a, "lastonly", 5, &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "d4999.md");
    search(f, &a, "bothends", 5, &r);
    assert_int_equal(r.n_hits, 2); /* one posting list across both halves */
    bool first = false, last = false;
    for (size_t i = 0; i < 2; i++) {
        first |= strcmp(r.hits[i].doc, "d0000.md") == 0;
        last |= strcmp(r.hits[i].doc, "d4999.md") == 0;
    }
    assert_true(first && last);
    search(f, &a, "alltag", N_DOCS, &r);
    assert_int_equal(r.n_hits, N_DOCS); /* every chunk once, none twice */
    arena_release(&a);
}

static void test_top_k_of_frequent_words_is_exact(void **state)
{
    struct fixture *f = *state;
    struct arena a;
    arena_init(&a, 1 << 24);
    struct kb_result small, big;
    const char *q = "common alltag jeden immer"; /* four words in every chunk */
    search(f, &a, q, 5, &small);
    search(f, &a, q, 1000, &big); /* too many for the impact path: the exhaustive ranking */
    assert_int_equal(small.n_hits, 5);
    for (size_t i = 0; i < 5; i++) {
        /* Equal scores may swap places; a chunk of the small list must score as the same
         * rank of the big one does. */
        assert_true(fabs(small.hits[i].score - big.hits[i].score) <= 1e-4 * big.hits[i].score);
    }
    arena_release(&a);
}

/* Pruned search (seeded threshold, impact prefixes, document-at-a-time MaxScore) against
 * exhaustive scoring, for many random questions and several k: the same scores at every
 * rank, and the same chunks wherever the scores differ. */
static void test_pruned_equals_exhaustive(void **state)
{
    struct fixture *f = *state;
    static const char *const common[] = {"common", "immer", "alltag", "jeden", "chunk"};
    static const size_t ks[] = {1, 5, 10, 30};
    struct arena a;
    arena_init(&a, 1 << 26);
    tu_rng_seed();
    for (int round = 0; round < 300; round++) {
        char q[256] = "";
        size_t words = 1 + tu_rng_below(6);
        for (size_t w = 0; w < words; w++) {
            char word[32];
            if (tu_rng_below(3) == 0)
                snprintf(word, sizeof(word), "%s", common[tu_rng_below(5)]);
            else
                snprintf(word, sizeof(word), "filler%zu", tu_rng_below(500));
            strncat(q, w ? " " : "", sizeof(q) - strlen(q) - 1);
            strncat(q, word, sizeof(q) - strlen(q) - 1);
        }
        size_t k = ks[tu_rng_below(4)];
        struct kb_query pq = {.text = q, .len = strlen(q), .lang = TEXT_LANG_EN, .k = k};
        struct kb_query eq = pq;
        eq.flags = KB_SEARCH_EXHAUSTIVE;
        struct kb_result pr, er;
        assert_int_equal(kb_search_ex(f->kb, &a, "t", &pq, &pr), AG_OK);
        assert_int_equal(kb_search_ex(f->kb, &a, "t", &eq, &er), AG_OK);
        if (pr.n_hits != er.n_hits)
            fail_msg("'%s' k=%zu: %zu hits pruned, %zu exhaustive (seed %llu)", q, k, pr.n_hits,
                     er.n_hits, (unsigned long long)tu_seed);
        for (size_t i = 0; i < pr.n_hits; i++) {
            double x = pr.hits[i].score, y = er.hits[i].score;
            if (fabs(x - y) > 1e-5 * y)
                fail_msg("'%s' k=%zu rank %zu: %g pruned, %g exhaustive (seed %llu)", q, k, i, x, y,
                         (unsigned long long)tu_seed);
            bool tie = (i > 0 && fabs(er.hits[i - 1].score - y) <= 1e-5 * y) ||
                       (i + 1 < er.n_hits && fabs(er.hits[i + 1].score - y) <= 1e-5 * y);
            if (!tie && pr.hits[i].chunk_id != er.hits[i].chunk_id)
                fail_msg("'%s' k=%zu rank %zu: another chunk (seed %llu)", q, k, i,
                         (unsigned long long)tu_seed);
        }
        arena_release(&a); /* and ready again for the next question */
        arena_init(&a, 1 << 26);
    }
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_from_both_halves),
        cmocka_unit_test(test_top_k_of_frequent_words_is_exact),
        cmocka_unit_test(test_pruned_equals_exhaustive),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
