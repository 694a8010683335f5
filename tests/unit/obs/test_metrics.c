// SPDX-License-Identifier: MIT
/*
 * tests/unit/obs/test_metrics.c: Prometheus metrics (obs/obs.h).
 * Records requests, in-flight changes and stage timings, renders, and reads the numbers
 * back out of the text exposition: counters per route and status, the gauge, and the
 * cumulative histogram buckets, +Inf, _sum and _count per stage.
 * Property loops use a seeded PRNG: TEST_SEED=n replays a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "obs/obs.h"
#include "test_util.h"

/* The histogram's upper bounds as rendered ("le" labels) and as numbers. */
static const char *const le_text[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025",
                                      "0.005",  "0.01",    "0.025",  "0.05",  "0.1",
                                      "0.25",   "0.5",     "1",      "2.5",   "5"};
static const double le_value[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                  0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};
#define N_LE (sizeof(le_value) / sizeof(le_value[0]))

/* ---- reading the exposition ------------------------------------------------------------- */

static char *render(struct metrics *m)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(metrics_render(m, &b), AG_OK);
    return buf_take(&b);
}

/* The value of the one sample line "<series> <value>"; fails if absent or repeated. */
static double sample(const char *text, const char *series)
{
    size_t sl = strlen(series);
    const char *found = NULL;
    for (const char *line = text; *line;) {
        const char *eol = strchr(line, '\n');
        assert_non_null(eol); /* every line is terminated */
        if ((size_t)(eol - line) > sl && memcmp(line, series, sl) == 0 && line[sl] == ' ') {
            if (found)
                fail_msg("series %s appears twice", series);
            found = line + sl + 1;
        }
        line = eol + 1;
    }
    if (!found)
        fail_msg("series %s not in the output:\n%s", series, text);
    char *end = NULL;
    double v = strtod(found, &end);
    assert_true(end && *end == '\n');
    return v;
}

static bool has_series(const char *text, const char *series)
{
    size_t sl = strlen(series);
    for (const char *line = text; *line;) {
        const char *eol = strchr(line, '\n');
        if (!eol)
            return false;
        if ((size_t)(eol - line) > sl && memcmp(line, series, sl) == 0 && line[sl] == ' ')
            return true;
        line = eol + 1;
    }
    return false;
}

static double request_count(const char *text, const char *route, int status)
{
    char s[200];
    int n = snprintf(s, sizeof(s), "agentgate_requests_total{route=\"%s\",status=\"%d\"}", route,
                     status);
    assert_true(n > 0 && (size_t)n < sizeof(s));
    return sample(text, s);
}

static double bucket(const char *text, const char *stage, const char *le)
{
    char s[200];
    int n =
        snprintf(s, sizeof(s), "agentgate_stage_seconds_bucket{stage=\"%s\",le=\"%s\"}", stage, le);
    assert_true(n > 0 && (size_t)n < sizeof(s));
    return sample(text, s);
}

static double stage_stat(const char *text, const char *what, const char *stage)
{
    char s[200];
    int n = snprintf(s, sizeof(s), "agentgate_stage_seconds_%s{stage=\"%s\"}", what, stage);
    assert_true(n > 0 && (size_t)n < sizeof(s));
    return sample(text, s);
}

/* Every line is a "# HELP"/"# TYPE" comment or "name[{labels}] number", and each family's
 * TYPE comes before its samples. */
static void assert_well_formed(const char *text)
{
    char typed[8][64];
    size_t n_typed = 0;
    for (const char *line = text; *line;) {
        const char *eol = strchr(line, '\n');
        assert_non_null(eol);
        size_t len = (size_t)(eol - line);
        if (line[0] == '#') {
            assert_true(strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0);
            if (strncmp(line, "# TYPE ", 7) == 0) {
                const char *name = line + 7, *sp = memchr(name, ' ', len - 7);
                assert_non_null(sp);
                assert_true(n_typed < 8 && (size_t)(sp - name) < sizeof(typed[0]));
                memcpy(typed[n_typed], name, (size_t)(sp - name));
                typed[n_typed++][sp - name] = '\0';
            }
        } else {
            size_t name_len = strcspn(line, "{ ");
            bool known = false;
            for (size_t i = 0; i < n_typed; i++) {
                size_t tl = strlen(typed[i]);
                if (name_len >= tl && strncmp(line, typed[i], tl) == 0)
                    known = true;
            }
            if (!known)
                fail_msg("sample before its TYPE: %.*s", (int)len, line);
            const char *sp = line + len;
            while (sp > line && sp[-1] != ' ')
                sp--;
            char *end = NULL;
            (void)strtod(sp, &end);
            assert_ptr_equal(end, eol);
        }
        line = eol + 1;
    }
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_metrics_empty(void **state)
{
    (void)state;
    struct metrics *m = NULL;
    assert_int_equal(metrics_create(&m), AG_OK);
    char *t = render(m);
    assert_well_formed(t);
    assert_non_null(strstr(t, "# TYPE agentgate_requests_total counter\n"));
    assert_non_null(strstr(t, "# TYPE agentgate_requests_in_flight gauge\n"));
    assert_non_null(strstr(t, "# TYPE agentgate_stage_seconds histogram\n"));
    assert_true(sample(t, "agentgate_requests_in_flight") == 0);
    assert_null(strstr(t, "agentgate_requests_total{"));
    assert_null(strstr(t, "agentgate_stage_seconds_bucket{"));
    free(t);
    metrics_destroy(m);
    metrics_destroy(NULL);
}

static void test_metrics_request_counters(void **state)
{
    (void)state;
    struct metrics *m = NULL;
    assert_int_equal(metrics_create(&m), AG_OK);
    for (int i = 0; i < 3; i++)
        metrics_request(m, "/v1/ask", 200);
    metrics_request(m, "/v1/ask", 429);
    metrics_request(m, "/healthz", 200);
    metrics_request(m, "/healthz", 200);
    metrics_request(m, "other", 404);
    char *t = render(m);
    assert_well_formed(t);
    assert_true(request_count(t, "/v1/ask", 200) == 3);
    assert_true(request_count(t, "/v1/ask", 429) == 1);
    assert_true(request_count(t, "/healthz", 200) == 2);
    assert_true(request_count(t, "other", 404) == 1);
    assert_false(has_series(t, "agentgate_requests_total{route=\"/healthz\",status=\"429\"}"));
    /* The exact line, as a scraper sees it. */
    assert_non_null(strstr(t, "\nagentgate_requests_total{route=\"/v1/ask\",status=\"200\"} 3\n"));
    free(t);

    /* Counters only grow; a second render sees the new totals. */
    metrics_request(m, "/v1/ask", 200);
    t = render(m);
    assert_true(request_count(t, "/v1/ask", 200) == 4);
    assert_true(request_count(t, "/v1/ask", 429) == 1);
    free(t);
    metrics_destroy(m);
}

/* How many sample lines start with prefix, and the sum of their values. */
static size_t sum_samples(const char *text, const char *prefix, double *sum)
{
    size_t pl = strlen(prefix), count = 0;
    *sum = 0;
    for (const char *line = text; *line;) {
        const char *eol = strchr(line, '\n');
        assert_non_null(eol);
        if (strncmp(line, prefix, pl) == 0) {
            const char *sp = eol;
            while (sp > line && sp[-1] != ' ')
                sp--;
            char *end = NULL;
            *sum += strtod(sp, &end);
            assert_ptr_equal(end, eol);
            count++;
        }
        line = eol + 1;
    }
    return count;
}

#define REQ_SLOTS   64 /* metrics.c MAX_SERIES: 63 names and the "other" slot */
#define STAGE_SLOTS 24 /* metrics.c MAX_STAGES: 23 names and the "other" slot */
#define OTHER_REQ   "agentgate_requests_total{route=\"other\",status=\"other\"}"

/* Once a table is full, further names are counted in one "other" series: nothing is
 * dropped, and names that got a series of their own keep it. The names live in static
 * storage because metrics keeps the pointers. */
static void test_metrics_full_tables_fold_into_other(void **state)
{
    (void)state;
    static char routes[100][16], stages[40][16];
    struct metrics *m = NULL;
    assert_int_equal(metrics_create(&m), AG_OK);
    for (int i = 0; i < 100; i++) {
        int n = snprintf(routes[i], sizeof(routes[i]), "/r%d", i);
        assert_true(n > 0 && (size_t)n < sizeof(routes[i]));
        metrics_request(m, routes[i], 200);
    }
    for (int i = 0; i < 40; i++) {
        int n = snprintf(stages[i], sizeof(stages[i]), "stage%d", i);
        assert_true(n > 0 && (size_t)n < sizeof(stages[i]));
        metrics_stage(m, stages[i], 0.003);
    }
    char *t = render(m);
    assert_well_formed(t);
    double sum = 0;
    /* Every request is counted, in at most REQ_SLOTS series. */
    assert_true(sum_samples(t, "agentgate_requests_total{", &sum) == REQ_SLOTS);
    assert_true(sum == 100);
    for (int i = 0; i < REQ_SLOTS - 1; i++)
        assert_true(request_count(t, routes[i], 200) == 1);
    for (int i = REQ_SLOTS - 1; i < 100; i++) {
        char series[64];
        int n =
            snprintf(series, sizeof(series), "agentgate_requests_total{route=\"%s\",", routes[i]);
        assert_true(n > 0 && (size_t)n < sizeof(series));
        if (strstr(t, series))
            fail_msg("%s has its own series past the table's end", routes[i]);
    }
    assert_true(sample(t, OTHER_REQ) == 100 - (REQ_SLOTS - 1));
    /* Every stage time is counted too, in at most STAGE_SLOTS histograms. */
    assert_true(sum_samples(t, "agentgate_stage_seconds_count{", &sum) == STAGE_SLOTS);
    assert_true(sum == 40);
    for (int i = 0; i < STAGE_SLOTS - 1; i++)
        assert_true(stage_stat(t, "count", stages[i]) == 1);
    for (int i = STAGE_SLOTS - 1; i < 40; i++) {
        char series[64];
        int n = snprintf(series, sizeof(series), "{stage=\"%s\"", stages[i]);
        assert_true(n > 0 && (size_t)n < sizeof(series));
        if (strstr(t, series))
            fail_msg("%s has its own series past the table's end", stages[i]);
    }
    const double folded = 40 - (STAGE_SLOTS - 1);
    assert_true(stage_stat(t, "count", "other") == folded);
    assert_true(fabs(stage_stat(t, "sum", "other") - folded * 0.003) < 1e-9);
    assert_true(bucket(t, "other", "0.0025") == 0);
    assert_true(bucket(t, "other", "0.005") == folded);
    assert_true(bucket(t, "other", "+Inf") == folded);
    free(t);

    /* Named series keep counting on their own; new and folded names go to "other", including
     * a new status for a named route. */
    metrics_request(m, routes[0], 200);
    metrics_request(m, routes[REQ_SLOTS - 2], 200);
    metrics_request(m, routes[99], 200);
    metrics_request(m, routes[0], 500);
    metrics_request(m, "/brand-new", 404);
    metrics_request(m, "other", 404);
    metrics_stage(m, stages[0], 0.5);
    metrics_stage(m, stages[39], 2);
    metrics_stage(m, "brand-new", 0.0001);
    t = render(m);
    assert_well_formed(t);
    assert_true(sum_samples(t, "agentgate_requests_total{", &sum) == REQ_SLOTS);
    assert_true(sum == 106);
    assert_true(request_count(t, routes[0], 200) == 2);
    assert_true(request_count(t, routes[REQ_SLOTS - 2], 200) == 2);
    assert_false(has_series(t, "agentgate_requests_total{route=\"/r0\",status=\"500\"}"));
    assert_true(sample(t, OTHER_REQ) == 100 - (REQ_SLOTS - 1) + 4);
    assert_true(sum_samples(t, "agentgate_stage_seconds_count{", &sum) == STAGE_SLOTS);
    assert_true(sum == 43);
    assert_true(stage_stat(t, "count", stages[0]) == 2);
    assert_true(stage_stat(t, "count", "other") == folded + 2);
    assert_true(fabs(stage_stat(t, "sum", "other") - (folded * 0.003 + 2.0001)) < 1e-9);
    assert_true(bucket(t, "other", "0.0001") == 1);
    assert_true(bucket(t, "other", "1") == folded + 1);
    assert_true(bucket(t, "other", "+Inf") == folded + 2);
    free(t);
    metrics_destroy(m);
}

static void test_metrics_inflight(void **state)
{
    (void)state;
    struct metrics *m = NULL;
    assert_int_equal(metrics_create(&m), AG_OK);
    metrics_inflight(m, 1);
    metrics_inflight(m, 1);
    metrics_inflight(m, 1);
    metrics_inflight(m, -1);
    char *t = render(m);
    assert_true(sample(t, "agentgate_requests_in_flight") == 2);
    free(t);
    metrics_inflight(m, -2);
    t = render(m);
    assert_true(sample(t, "agentgate_requests_in_flight") == 0);
    free(t);
    metrics_destroy(m);
}

static void test_metrics_histogram_buckets(void **state)
{
    (void)state;
    struct metrics *m = NULL;
    assert_int_equal(metrics_create(&m), AG_OK);
    const double obs[] = {0.0002, 0.003, 0.003, 0.7, 10};
    for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++)
        metrics_stage(m, "retrieve", obs[i]);
    metrics_stage(m, "generate", 0.001); /* exactly on a bound: le is inclusive */
    char *t = render(m);
    assert_well_formed(t);
    /* Cumulative counts: how many observations are <= each bound. */
    const double want[N_LE] = {0, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4};
    for (size_t i = 0; i < N_LE; i++)
        if (bucket(t, "retrieve", le_text[i]) != want[i])
            fail_msg("retrieve le=%s: %g, want %g", le_text[i], bucket(t, "retrieve", le_text[i]),
                     want[i]);
    assert_true(bucket(t, "retrieve", "+Inf") == 5);
    assert_true(stage_stat(t, "count", "retrieve") == 5);
    assert_true(fabs(stage_stat(t, "sum", "retrieve") - 10.7062) < 1e-9);

    assert_true(bucket(t, "generate", "0.0005") == 0);
    assert_true(bucket(t, "generate", "0.001") == 1);
    assert_true(bucket(t, "generate", "5") == 1);
    assert_true(bucket(t, "generate", "+Inf") == 1);
    assert_true(stage_stat(t, "count", "generate") == 1);
    assert_true(fabs(stage_stat(t, "sum", "generate") - 0.001) < 1e-9);
    /* A stage never observed has no series. */
    assert_false(has_series(t, "agentgate_stage_seconds_count{stage=\"guard\"}"));
    free(t);
    metrics_destroy(m);
}

static void test_metrics_render_appends_and_respects_max(void **state)
{
    (void)state;
    struct metrics *m = NULL;
    assert_int_equal(metrics_create(&m), AG_OK);
    metrics_request(m, "/v1/ask", 200);
    struct buf b;
    buf_init(&b, 1 << 16);
    assert_int_equal(buf_append_str(&b, "prefix\n"), AG_OK);
    assert_int_equal(metrics_render(m, &b), AG_OK);
    assert_true(strncmp(buf_cstr(&b), "prefix\n# HELP agentgate_requests_total ", 39) == 0);
    buf_release(&b);

    /* Too small a buf: AG_ETOOBIG, never past its max. */
    buf_init(&b, 64);
    assert_int_equal(metrics_render(m, &b), AG_ETOOBIG);
    assert_true(b.len <= 64);
    buf_release(&b);
    metrics_destroy(m);
}

/* Random requests and timings: every counter and bucket in the output matches a tally
 * kept by the test, buckets never decrease, and +Inf equals _count. */
static void test_metrics_property(void **state)
{
    (void)state;
    tu_rng_seed();
    static const char *const routes[] = {"/v1/ask", "/v1/kb", "/healthz", "/metrics"};
    static const int statuses[] = {200, 400, 413, 429, 500};
    static const char *const stages[] = {"auth", "retrieve", "generate"};
    for (int run = 0; run < 50; run++) {
        struct metrics *m = NULL;
        assert_int_equal(metrics_create(&m), AG_OK);
        unsigned long req[4][5] = {{0}};
        unsigned long cnt[3] = {0}, le[3][N_LE] = {{0}};
        double sum[3] = {0};
        long inflight = 0;
        for (int op = 0; op < 500; op++) {
            switch (tu_rng_below(3)) {
            case 0: {
                size_t r = tu_rng_below(4), s = tu_rng_below(5);
                metrics_request(m, routes[r], statuses[s]);
                req[r][s]++;
                break;
            }
            case 1: {
                int d = tu_rng_below(2) ? 1 : -1;
                metrics_inflight(m, d);
                inflight += d;
                break;
            }
            default: {
                size_t st = tu_rng_below(3);
                /* Half exactly on a bound, half spread over 1e-5 .. 10 s. */
                double v = tu_rng_below(2) ? le_value[tu_rng_below(N_LE)]
                                           : pow(10, -5 + 6 * (double)tu_rng_below(100000) / 1e5);
                metrics_stage(m, stages[st], v);
                cnt[st]++;
                sum[st] += v;
                for (size_t i = 0; i < N_LE; i++)
                    le[st][i] += v <= le_value[i];
                break;
            }
            }
        }
        char *t = render(m);
        assert_well_formed(t);
        for (size_t r = 0; r < 4; r++) {
            for (size_t s = 0; s < 5; s++) {
                char series[128];
                int n = snprintf(series, sizeof(series),
                                 "agentgate_requests_total{route=\"%s\",status=\"%d\"}", routes[r],
                                 statuses[s]);
                TU_PROP_CHECK(n > 0 && (size_t)n < sizeof(series));
                if (req[r][s])
                    TU_PROP_CHECK(sample(t, series) == (double)req[r][s]);
                else
                    TU_PROP_CHECK(!has_series(t, series));
            }
        }
        TU_PROP_CHECK(sample(t, "agentgate_requests_in_flight") == (double)inflight);
        for (size_t st = 0; st < 3; st++) {
            if (cnt[st] == 0)
                continue;
            double prev = 0;
            for (size_t i = 0; i < N_LE; i++) {
                double got = bucket(t, stages[st], le_text[i]);
                TU_PROP_CHECK(got == (double)le[st][i]);
                TU_PROP_CHECK(got >= prev);
                prev = got;
            }
            TU_PROP_CHECK(bucket(t, stages[st], "+Inf") == (double)cnt[st]);
            TU_PROP_CHECK(stage_stat(t, "count", stages[st]) == (double)cnt[st]);
            TU_PROP_CHECK(fabs(stage_stat(t, "sum", stages[st]) - sum[st]) < 1e-6);
        }
        free(t);
        metrics_destroy(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_empty),
        cmocka_unit_test(test_metrics_request_counters),
        cmocka_unit_test(test_metrics_full_tables_fold_into_other),
        cmocka_unit_test(test_metrics_inflight),
        cmocka_unit_test(test_metrics_histogram_buckets),
        cmocka_unit_test(test_metrics_render_appends_and_respects_max),
        cmocka_unit_test(test_metrics_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
