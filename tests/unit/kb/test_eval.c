// SPDX-License-Identifier: MIT
/*
 * tests/unit/kb/test_eval.c: kb_eval_score() and kb_eval_retrieval() (src/kb/eval.c).
 * The metrics against values computed by hand (nDCG@10 with linear gains and log2
 * discounts, AP, Recall@100, RR); a tiny TREC collection indexed and searched for real,
 * whose ranking is certain, so the mean metrics are known exactly; ids compared as
 * numbers ("007" is "7"); scoring an external run (--score-run) and the written run
 * (--run); malformed qrels, queries and runs rejected naming the file and line.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kb/kb.h"
#include "test_util.h"

#define EPS 1e-9

static void assert_near(double got, double want, const char *what)
{
    if (fabs(got - want) > EPS)
        fail_msg("%s: got %.12f, expected %.12f", what, got, want);
}

static void assert_metrics(const struct kb_eval_metrics *m, double ndcg10, double ap,
                           double recall100, double rr)
{
    assert_near(m->ndcg10, ndcg10, "nDCG@10");
    assert_near(m->ap, ap, "AP");
    assert_near(m->recall100, recall100, "Recall@100");
    assert_near(m->rr, rr, "RR");
}

/* ---- kb_eval_score ---------------------------------------------------------------------- */

static void test_score_graded_ranking(void **state)
{
    (void)state;
    /* ranked gains [3, 2, 0, 1], judged [3, 2, 1]:
     *   DCG@10  = 3/log2(2) + 2/log2(3) + 0/log2(4) + 1/log2(5)
     *           = 3 + 1.261859507 + 0 + 0.430676558 = 4.692536065
     *   IDCG@10 = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.261859507 + 0.5 = 4.761859507
     *   nDCG@10 = 4.692536065 / 4.761859507 = 0.985441939
     *   AP      = (1/1 + 2/2 + 3/4) / 3 = 2.75 / 3 = 0.916666667
     *   R@100   = 3 / 3 = 1,   RR = 1/1 = 1 */
    const double ranked[] = {3, 2, 0, 1}, judged[] = {3, 2, 1};
    struct kb_eval_metrics m;
    kb_eval_score(ranked, 4, judged, 3, &m);
    double dcg = 3 + 2 / log2(3) + 1 / log2(5), idcg = 3 + 2 / log2(3) + 0.5;
    assert_metrics(&m, dcg / idcg, 2.75 / 3, 1, 1);
    assert_near(m.ndcg10, 0.985441939, "nDCG@10 (decimal)"); /* within the comment's rounding */
}

static void test_score_judged_order_does_not_matter(void **state)
{
    (void)state;
    /* The ideal ranking sorts the judged gains: [1, 3, 2] is the same as [3, 2, 1]. Zero
     * gains among the judged are not relevant documents. */
    const double ranked[] = {3, 2, 0, 1}, judged[] = {1, 0, 3, 0, 2};
    struct kb_eval_metrics m;
    kb_eval_score(ranked, 4, judged, 5, &m);
    double dcg = 3 + 2 / log2(3) + 1 / log2(5), idcg = 3 + 2 / log2(3) + 0.5;
    assert_metrics(&m, dcg / idcg, 2.75 / 3, 1, 1);
}

static void test_score_missed_relevant(void **state)
{
    (void)state;
    /* ranked [0, 1], judged [1, 1] (one relevant document never retrieved):
     *   nDCG = (1/log2(3)) / (1 + 1/log2(3)) = 0.630930 / 1.630930 = 0.386853
     *   AP   = (1/2) / 2 = 0.25,   R@100 = 1/2,   RR = 1/2 */
    const double ranked[] = {0, 1}, judged[] = {1, 1};
    struct kb_eval_metrics m;
    kb_eval_score(ranked, 2, judged, 2, &m);
    assert_metrics(&m, (1 / log2(3)) / (1 + 1 / log2(3)), 0.25, 0.5, 0.5);
}

static void test_score_nothing_relevant_retrieved(void **state)
{
    (void)state;
    const double ranked[] = {0, 0, 0}, judged[] = {2, 1};
    struct kb_eval_metrics m = {1, 1, 1, 1};
    kb_eval_score(ranked, 3, judged, 2, &m);
    assert_metrics(&m, 0, 0, 0, 0);
    m = (struct kb_eval_metrics){1, 1, 1, 1};
    kb_eval_score(NULL, 0, judged, 2, &m); /* an empty ranking */
    assert_metrics(&m, 0, 0, 0, 0);
    const double none[] = {0, 0}; /* no relevant document at all */
    m = (struct kb_eval_metrics){1, 1, 1, 1};
    kb_eval_score(ranked, 3, none, 2, &m);
    assert_metrics(&m, 0, 0, 0, 0);
}

static void test_score_cutoffs(void **state)
{
    (void)state;
    /* The only relevant document at rank 11: outside nDCG@10, inside AP, R@100 and RR. */
    double ranked[120] = {0};
    const double judged[] = {1};
    struct kb_eval_metrics m;
    ranked[10] = 1;
    kb_eval_score(ranked, 120, judged, 1, &m);
    assert_metrics(&m, 0, 1.0 / 11, 1, 1.0 / 11);
    /* At rank 10 it still counts for nDCG@10: 1/log2(11). */
    ranked[10] = 0;
    ranked[9] = 1;
    kb_eval_score(ranked, 120, judged, 1, &m);
    assert_metrics(&m, 1 / log2(11), 0.1, 1, 0.1);
    /* At rank 101: outside Recall@100, inside AP. */
    ranked[9] = 0;
    ranked[100] = 1;
    kb_eval_score(ranked, 120, judged, 1, &m);
    assert_metrics(&m, 0, 1.0 / 101, 0, 1.0 / 101);
    /* At rank 100: inside. */
    ranked[100] = 0;
    ranked[99] = 1;
    kb_eval_score(ranked, 120, judged, 1, &m);
    assert_metrics(&m, 0, 0.01, 1, 0.01);
}

static void test_score_ideal_keeps_ten_best(void **state)
{
    (void)state;
    /* Twelve relevant documents of gain 1, ranked perfectly: nDCG@10 = 1 although two are
     * missing from the top ten's ideal; AP and recall see all twelve. */
    double ranked[12], judged[12];
    for (size_t i = 0; i < 12; i++)
        ranked[i] = judged[i] = 1;
    struct kb_eval_metrics m;
    kb_eval_score(ranked, 10, judged, 12, &m);
    assert_metrics(&m, 1, 10.0 / 12, 10.0 / 12, 1);
}

/* ---- kb_eval_retrieval ------------------------------------------------------------------- */

struct files {
    char dir[64];
    char docs[128], queries[128], qrels[128], run[128], work[128];
};

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *s = calloc(1, 8192);
    assert_non_null(s);
    size_t n = fread(s, 1, 8191, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* Six documents; ids with leading zeros on one side and not the other. Every query word
 * occurs in as few documents as the ranking below needs, so the ranking is certain:
 *   q1 "Leuchtturm"            -> [7]
 *   q2 "Kaffeemühle"           -> [12]
 *   q3 "Sonnenuhr Gießkanne"   -> [5, 42]   (5 holds both words, 42 one)
 *   q4 "Fahrradschlauch"       -> [8]       (judged, but nothing relevant: not scored) */
static const char docs_trec[] = "<DOC>\n<DOCNO> 007 </DOCNO>\n<TITLE>Nordsee</TITLE>\n"
                                "Der Leuchtturm steht am Hafen von Husum.\n</DOC>\n"
                                "<DOC>\n<DOCNO>3</DOCNO>\n<TITLE>Beet</TITLE>\n"
                                "Im Beet wachsen Tomaten und Bohnen.\n</DOC>\n"
                                "<DOC>\n<DOCNO>12</DOCNO>\n<TITLE>Morgen</TITLE>\n"
                                "Die Kaffeemühle mahlt frische Bohnen.\n</DOC>\n"
                                "<DOC>\n<DOCNO>5</DOCNO>\n<TITLE>Terrasse</TITLE>\n"
                                "Die Sonnenuhr neben der Gießkanne zeigt Mittag.\n</DOC>\n"
                                "<DOC>\n<DOCNO>42</DOCNO>\n<TITLE>Rathaus</TITLE>\n"
                                "Die Sonnenuhr vor dem Rathaus ist sehr alt.\n</DOC>\n"
                                "<DOC>\n<DOCNO>0008</DOCNO>\n<TITLE>Keller</TITLE>\n"
                                "Der Fahrradschlauch ist geflickt.\n</DOC>\n";

static const char queries_tsv[] = "01\tLeuchtturm\n"
                                  "2\tKaffeemühle\n"
                                  "3\tSonnenuhr Gießkanne\n"
                                  "4\tFahrradschlauch\n"
                                  "5\tWetterfahne\n"; /* not in the qrels at all */

/* q2: 12 is relevant (1) and so is 3 (2), which the search cannot find; q3: 42 (1),
 * and 5 judged not relevant; q4: only a zero judgment. */
static const char qrels_trec[] = "1 0 7 1\n"
                                 "02 0 12 1\n"
                                 "2 0 003 2\n"
                                 "\n"
                                 "3 0 0042 1\n"
                                 "3 0 5 0\n"
                                 "4 0 8 0\n";

static void files_setup(struct files *f)
{
    assert_non_null(tu_mkdtemp(f->dir, sizeof(f->dir), "/tmp/ag-test-eval-XXXXXX"));
    snprintf(f->docs, sizeof(f->docs), "%s/docs.trec", f->dir);
    snprintf(f->queries, sizeof(f->queries), "%s/queries.tsv", f->dir);
    snprintf(f->qrels, sizeof(f->qrels), "%s/qrels.txt", f->dir);
    snprintf(f->run, sizeof(f->run), "%s/run.txt", f->dir);
    snprintf(f->work, sizeof(f->work), "%s/work", f->dir);
    assert_int_equal(mkdir(f->work, 0700), 0);
    tu_write_file(f->docs, docs_trec);
    tu_write_file(f->queries, queries_tsv);
    tu_write_file(f->qrels, qrels_trec);
}

static struct kb_eval_params trec_params(const struct files *f)
{
    return (struct kb_eval_params){.format = KB_EVAL_TREC,
                                   .docs = f->docs,
                                   .queries = f->queries,
                                   .qrels = f->qrels,
                                   .work_dir = f->work,
                                   .lang = TEXT_LANG_DE,
                                   .depth = 100,
                                   .engine = KB_ENGINE_INDEX};
}

static void test_retrieval_trec_collection(void **state)
{
    (void)state;
    struct files f;
    files_setup(&f);
    struct kb_eval_params p = trec_params(&f);
    p.run_out = f.run;
    struct kb_eval_result res;
    char why[512] = "";
    ag_err rc = kb_eval_retrieval(&p, &res, why, sizeof(why));
    if (rc != AG_OK)
        fail_msg("eval: %s (%s)", ag_strerror(rc), why);
    assert_int_equal(res.n_docs, 6);
    assert_int_equal(res.n_queries, 3); /* q4 has no relevant document, q5 no judgment */
    /* Per query (ranked gains | judged gains):
     *   q1 [1] | [1]       nDCG 1                         AP 1    R 1    RR 1
     *   q2 [1] | [2, 1]    nDCG 1 / (2 + 1/log2 3)        AP 1/2  R 1/2  RR 1
     *                           = 1 / 2.630930 = 0.380094
     *   q3 [0, 1] | [1]    nDCG (1/log2 3) / 1 = 0.630930 AP 1/2  R 1    RR 1/2
     * Means: nDCG (1 + 0.380094 + 0.630930) / 3 = 0.6703411734, AP 2/3, R 2.5/3, RR 2.5/3. */
    double q2 = 1 / (2 + 1 / log2(3)), q3 = 1 / log2(3);
    assert_metrics(&res.mean, (1 + q2 + q3) / 3, 2.0 / 3, 2.5 / 3, 2.5 / 3);
    assert_near(res.mean.ndcg10, 0.6703411734, "mean nDCG@10 (decimal)");
    assert_true(res.index_s >= 0 && res.p50_ms >= 0 && res.p99_ms >= res.p50_ms);
    assert_true(res.text_bytes > 0);

    /* The run file: one line per retrieved document, ids normalised, ranks from 1. */
    char *run = read_text(f.run);
    assert_non_null(strstr(run, "1 Q0 7 1 "));
    assert_non_null(strstr(run, "2 Q0 12 1 "));
    assert_non_null(strstr(run, "3 Q0 5 1 "));
    assert_non_null(strstr(run, "3 Q0 42 2 "));
    assert_null(strstr(run, "007"));
    assert_null(strstr(run, "\n4 Q0"));
    size_t lines = 0;
    for (const char *c = run; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 4);
    free(run);

    /* Scoring the written run gives the same numbers as the search did. */
    struct kb_eval_result again;
    p.run_out = NULL;
    p.score_run = f.run;
    assert_int_equal(kb_eval_retrieval(&p, &again, why, sizeof(why)), AG_OK);
    assert_int_equal(again.n_queries, 3);
    assert_metrics(&again.mean, res.mean.ndcg10, res.mean.ap, res.mean.recall100, res.mean.rr);
    tu_remove_tree(f.dir);
}

static void test_score_external_run(void **state)
{
    (void)state;
    struct files f;
    files_setup(&f);
    /* q1 listed out of order with padded ids: by rank it is [5, 3, 7] -> gains [0, 0, 1].
     * q2 ranks 9 and 10 (numbers, not strings): [3, 12] -> gains [2, 1], the ideal.
     * q3 is missing from the run: an empty ranking. Lines of unjudged queries are ignored.
     *   q1 nDCG 1/log2(4) = 0.5   AP 1/3   R 1   RR 1/3
     *   q2 nDCG 1                 AP 1     R 1   RR 1
     *   q3 0                      0        0     0
     * Means: nDCG 1.5/3 = 0.5, AP (4/3)/3 = 4/9, R 2/3, RR 4/9. */
    tu_write_file(f.run, "01 Q0 0003 2 1.0 other\n"
                         "1 Q0 5 1 2.0 other\n"
                         "1 Q0 007 3 0.5 other\n"
                         "\n"
                         "2 Q0 12 10 1.0 other\n"
                         "2 Q0 3 9 2.0 other\n"
                         "4 Q0 8 1 1.0 other\n"
                         "9 Q0 7 1 1.0 other\n");
    struct kb_eval_params p = trec_params(&f);
    p.score_run = f.run;
    struct kb_eval_result res;
    char why[512] = "";
    ag_err rc = kb_eval_retrieval(&p, &res, why, sizeof(why));
    if (rc != AG_OK)
        fail_msg("score run: %s (%s)", ag_strerror(rc), why);
    assert_int_equal(res.n_queries, 3);
    assert_metrics(&res.mean, 0.5, 4.0 / 9, 2.0 / 3, 4.0 / 9);
    /* Nothing was indexed. */
    assert_int_equal(res.n_docs, 0);
    DIR *d = opendir(f.work);
    assert_non_null(d);
    struct dirent *de;
    size_t entries = 0;
    while ((de = readdir(d)) != NULL)
        entries += de->d_name[0] != '.';
    closedir(d);
    assert_int_equal(entries, 0);

    /* depth cuts the run: with depth 1, q1 is [5] and q2 [3]. */
    p.depth = 1;
    assert_int_equal(kb_eval_retrieval(&p, &res, why, sizeof(why)), AG_OK);
    /* q1: nDCG 0, AP 0, R 0, RR 0; q2: [2] | [2, 1]: nDCG 2 / (2 + 1/log2 3), AP 1/2,
     * R 1/2, RR 1; q3: 0. */
    assert_metrics(&res.mean, (2 / (2 + 1 / log2(3))) / 3, 0.5 / 3, 0.5 / 3, 1.0 / 3);
    tu_remove_tree(f.dir);
}

struct bad_case {
    int which; /* 0 qrels, 1 queries, 2 run */
    const char *text;
    const char *why; /* after "<path>: " */
};

static void test_bad_files_name_file_and_line(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {0, "1 0 7 1\n2 0 12\n", "line 2: not a TREC ('qid 0 docid rel') qrels line"},
        {0, "1 0 7 1\n\n2 0 12 sehr\n", "line 3: not a TREC ('qid 0 docid rel') qrels line"},
        {0, "1 0 7 1 extra\n", "line 1: not a TREC ('qid 0 docid rel') qrels line"},
        {1, "1\tLeuchtturm\nkein Tab hier\n", "line 2: expected 'qid<TAB>text'"},
        {1, "\tohne id\n", "line 1: expected 'qid<TAB>text'"},
        {2, "1 Q0 7 1 1.0 x\n1 Q0 5 zwei 1.0 x\n",
         "line 2: expected 'qid Q0 docid rank score tag'"},
        {2, "1 Q0 7 1 1.0\n", "line 1: expected 'qid Q0 docid rank score tag'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct files f;
        files_setup(&f);
        struct kb_eval_params p = trec_params(&f);
        const char *path = cases[i].which == 0 ? f.qrels : cases[i].which == 1 ? f.queries : f.run;
        tu_write_file(path, cases[i].text);
        if (cases[i].which == 2)
            p.score_run = f.run;
        char why[512] = "", want[512];
        struct kb_eval_result res;
        snprintf(want, sizeof(want), "%s: %s", path, cases[i].why);
        ag_err rc = kb_eval_retrieval(&p, &res, why, sizeof(why));
        if (rc != AG_EINVAL || strcmp(why, want) != 0)
            fail_msg("case %zu: rc=%d why='%s', expected '%s'", i, rc, why, want);
        assert_int_equal(res.n_queries, 0);
        tu_remove_tree(f.dir);
    }
}

static void test_missing_file_named(void **state)
{
    (void)state;
    struct files f;
    files_setup(&f);
    struct kb_eval_params p = trec_params(&f);
    char missing[160], why[512] = "";
    snprintf(missing, sizeof(missing), "%s/nope.txt", f.dir);
    p.qrels = missing;
    struct kb_eval_result res;
    assert_int_equal(kb_eval_retrieval(&p, &res, why, sizeof(why)), AG_ENOTFOUND);
    assert_true(strncmp(why, missing, strlen(missing)) == 0);
    tu_remove_tree(f.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score_graded_ranking),
        cmocka_unit_test(test_score_judged_order_does_not_matter),
        cmocka_unit_test(test_score_missed_relevant),
        cmocka_unit_test(test_score_nothing_relevant_retrieved),
        cmocka_unit_test(test_score_cutoffs),
        cmocka_unit_test(test_score_ideal_keeps_ten_best),
        cmocka_unit_test(test_retrieval_trec_collection),
        cmocka_unit_test(test_score_external_run),
        cmocka_unit_test(test_bad_files_name_file_and_line),
        cmocka_unit_test(test_missing_file_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
