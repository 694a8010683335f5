// SPDX-License-Identifier: MIT
/*
 * tests/unit/obs/test_metrics.c: Prometheus metrics (obs/obs.h).
 * Records requests, in-flight changes and stage timings, renders, and reads the numbers
 * back out of the text exposition: counters per route and status, the gauge, and the
 * cumulative histogram buckets, +Inf, _sum and _count per stage; and the generation
 * metrics: exact token and EUR lines, label escaping and cutting, folding into "other"
 * once a table is full, outcomes and the first-token histogram per backend; the HTTP
 * server's rejections by reason.
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
    char typed[16][64];
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
                assert_true(n_typed < 16 && (size_t)(sp - name) < sizeof(typed[0]));
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

static void test_metrics_http_rejected(void **state)
{
    (void)state;
    struct metrics *m = NULL;
    assert_int_equal(metrics_create(&m), AG_OK);
    char *t = render(m);
    assert_well_formed(t);
    assert_non_null(strstr(t, "# TYPE agentgate_http_rejected_total counter\n"));
    /* every reason is there from the start, at 0 */
    const char *const reasons[] = {"header_count", "header_bytes", "overloaded", "request_timeout",
                                   "other"};
    char name[96];
    for (size_t i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "agentgate_http_rejected_total{reason=\"%s\"}", reasons[i]);
        assert_true(sample(t, name) == 0);
    }
    free(t);
    metrics_http_rejected(m, "overloaded");
    metrics_http_rejected(m, "overloaded");
    metrics_http_rejected(m, "request_timeout");
    metrics_http_rejected(m, "header_count");
    metrics_http_rejected(m, "no such reason"); /* counted, as "other" */
    t = render(m);
    assert_well_formed(t);
    assert_true(sample(t, "agentgate_http_rejected_total{reason=\"overloaded\"}") == 2);
    assert_true(sample(t, "agentgate_http_rejected_total{reason=\"request_timeout\"}") == 1);
    assert_true(sample(t, "agentgate_http_rejected_total{reason=\"header_count\"}") == 1);
    assert_true(sample(t, "agentgate_http_rejected_total{reason=\"header_bytes\"}") == 0);
    assert_true(sample(t, "agentgate_http_rejected_total{reason=\"other\"}") == 1);
    assert_null(strstr(t, "no such reason"));
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

/* ---- generation metrics ----------------------------------------------------------------- */

/* The exact sample line is in text (every sample line follows a newline). */
static void assert_line(const char *text, const char *line)
{
    char want[600];
    int n = snprintf(want, sizeof(want), "\n%s\n", line);
    assert_true(n > 0 && (size_t)n < sizeof(want));
    if (!strstr(text, want))
        fail_msg("line missing: %s", line);
}

#define TOKENS(t, k, m, kind)                                                                      \
    "agentgate_llm_tokens_total{tenant=\"" t "\",key=\"" k "\",model=\"" m "\",kind=\"" kind "\"}"
#define COST(t, k, m) "agentgate_llm_cost_eur_total{tenant=\"" t "\",key=\"" k "\",model=\"" m "\"}"

static void test_metrics_llm_usage_exact(void **state)
{
    (void)state;
    struct metrics *m = NULL;
    assert_int_equal(metrics_create(&m), AG_OK);
    char *t = render(m);
    assert_well_formed(t);
    assert_non_null(strstr(t, "# TYPE agentgate_llm_tokens_total counter\n"));
    assert_non_null(strstr(t, "# TYPE agentgate_llm_cost_eur_total counter\n"));
    assert_non_null(strstr(t, "# TYPE agentgate_llm_unpriced_total counter\n"));
    assert_non_null(strstr(t, "# TYPE agentgate_llm_requests_total counter\n"));
    assert_non_null(strstr(t, "# TYPE agentgate_llm_first_token_seconds histogram\n"));
    assert_null(strstr(t, "agentgate_llm_tokens_total{"));
    free(t);

    /* 1234 prompt tokens at 0.15 EUR/1M + 567 at 0.60 = 525 300 000 pico-euros. */
    metrics_llm_usage(m, "shop", "k1", "gpt-4o-mini", 1234, 567, 525300000);
    metrics_llm_usage(m, "shop", "k1", "gpt-4o-mini", 1234, 567, 525300000);
    metrics_llm_usage(m, "shop", "k2", "gpt-4o-mini", 1, 0, 150000);
    metrics_llm_usage(m, "shop", "k1", "local-7b", 100, 50, 0);
    metrics_llm_usage(m, "other-tenant", "k1", "gpt-4o-mini", 0, 0, -5); /* counts as 0 */
    t = render(m);
    assert_well_formed(t);
    assert_line(t, TOKENS("shop", "k1", "gpt-4o-mini", "prompt") " 2468");
    assert_line(t, TOKENS("shop", "k1", "gpt-4o-mini", "completion") " 1134");
    assert_line(t, COST("shop", "k1", "gpt-4o-mini") " 0.0010506");
    assert_line(t, TOKENS("shop", "k2", "gpt-4o-mini", "prompt") " 1");
    assert_line(t, TOKENS("shop", "k2", "gpt-4o-mini", "completion") " 0");
    assert_line(t, COST("shop", "k2", "gpt-4o-mini") " 0.00000015");
    assert_line(t, TOKENS("shop", "k1", "local-7b", "prompt") " 100");
    assert_line(t, COST("shop", "k1", "local-7b") " 0.00");
    assert_line(t, COST("other-tenant", "k1", "gpt-4o-mini") " 0.00");
    double sum = 0;
    assert_true(sum_samples(t, "agentgate_llm_cost_eur_total{", &sum) == 4);
    free(t);

    /* 10 000 turns later the sum is still exact: 10 002 x 0.0005253 EUR. */
    for (int i = 0; i < 10000; i++)
        metrics_llm_usage(m, "shop", "k1", "gpt-4o-mini", 1234, 567, 525300000);
    t = render(m);
    assert_line(t, COST("shop", "k1", "gpt-4o-mini") " 5.2540506");
    assert_line(t, TOKENS("shop", "k1", "gpt-4o-mini", "prompt") " 12342468");
    free(t);
    metrics_destroy(m);
}

static void test_metrics_llm_labels_escaped_and_cut(void **state)
{
    (void)state;
    struct metrics *m = NULL;
    assert_int_equal(metrics_create(&m), AG_OK);
    metrics_llm_usage(m, "a\"b", "c\\d", "e\nf", 1, 2, 3);
    metrics_llm_usage(m, NULL, "", NULL, 4, 5, 6);
    /* 2 + 35 x "ä" (2 bytes) = 72 bytes: cut to 62, not inside the 31st "ä". */
    char model[80] = "xx", cut[80] = "xx";
    for (int i = 0; i < 35; i++)
        memcpy(model + 2 + 2 * i, "\xc3\xa4", 3);
    memcpy(cut, model, 62);
    cut[62] = '\0';
    metrics_llm_usage(m, "t", "k", model, 7, 0, 0);
    model[70] = 'Z'; /* differs only past the cut: the same series */
    metrics_llm_usage(m, "t", "k", model, 7, 0, 0);
    metrics_llm_unpriced(m, "x\"y");
    metrics_llm_request(m, "open\"ai\n", "stop");
    char *t = render(m);
    assert_well_formed(t);
    assert_line(t, TOKENS("a\\\"b", "c\\\\d", "e\\nf", "prompt") " 1");
    assert_line(t, COST("a\\\"b", "c\\\\d", "e\\nf") " 0.000000000003");
    assert_line(t, TOKENS("", "", "", "completion") " 5");
    char line[300];
    int n = snprintf(line, sizeof(line), TOKENS("t", "k", "%s", "prompt") " 14", cut);
    assert_true(n > 0 && (size_t)n < sizeof(line));
    assert_line(t, line);
    assert_line(t, "agentgate_llm_unpriced_total{model=\"x\\\"y\"} 1");
    assert_line(t, "agentgate_llm_requests_total{backend=\"open\\\"ai\\n\",outcome=\"stop\"} 1");
    free(t);
    metrics_destroy(m);
}

#define USAGE_SLOTS    256 /* metrics.c MAX_USAGE */
#define BACKEND_SLOTS  8   /* metrics.c MAX_BACKENDS */
#define UNPRICED_SLOTS 32  /* metrics.c MAX_UNPRICED */

static void test_metrics_llm_tables_fold_into_other(void **state)
{
    (void)state;
    struct metrics *m = NULL;
    assert_int_equal(metrics_create(&m), AG_OK);
    char key[32];
    for (int i = 0; i < 300; i++) {
        int n = snprintf(key, sizeof(key), "key%d", i);
        assert_true(n > 0 && (size_t)n < sizeof(key));
        metrics_llm_usage(m, "shop", key, "gpt-4o-mini", 10, 1, 1000);
        metrics_llm_unpriced(m, key);
        metrics_llm_request(m, key, "stop");
        metrics_llm_first_token(m, key, 0.2);
    }
    /* A key with its own series keeps it. */
    metrics_llm_usage(m, "shop", "key0", "gpt-4o-mini", 10, 1, 1000);
    char *t = render(m);
    assert_well_formed(t);
    double sum = 0;
    assert_true(sum_samples(t, "agentgate_llm_cost_eur_total{", &sum) == USAGE_SLOTS);
    assert_true(fabs(sum - 301 * 1e-9) < 1e-15);
    assert_true(sum_samples(t, "agentgate_llm_tokens_total{", &sum) == 2 * USAGE_SLOTS);
    assert_true(sum == 301 * 11);
    assert_line(t, TOKENS("shop", "key0", "gpt-4o-mini", "prompt") " 20");
    assert_line(t, TOKENS("shop", "key254", "gpt-4o-mini", "prompt") " 10");
    assert_false(has_series(t, TOKENS("shop", "key255", "gpt-4o-mini", "prompt")));
    assert_line(t, TOKENS("other", "other", "other", "prompt") " 450");
    assert_line(t, COST("other", "other", "other") " 0.000000045");

    assert_true(sum_samples(t, "agentgate_llm_unpriced_total{", &sum) == UNPRICED_SLOTS);
    assert_true(sum == 300);
    assert_line(t, "agentgate_llm_unpriced_total{model=\"other\"} 269");

    assert_true(sum_samples(t, "agentgate_llm_first_token_seconds_count{", &sum) == BACKEND_SLOTS);
    assert_true(sum == 300);
    assert_line(t, "agentgate_llm_requests_total{backend=\"other\",outcome=\"stop\"} 293");
    assert_line(t, "agentgate_llm_first_token_seconds_count{backend=\"other\"} 293");
    assert_line(t, "agentgate_llm_requests_total{backend=\"key6\",outcome=\"stop\"} 1");
    free(t);
    metrics_destroy(m);
}

static void test_metrics_llm_requests_and_first_token(void **state)
{
    (void)state;
    struct metrics *m = NULL;
    assert_int_equal(metrics_create(&m), AG_OK);
    static const char *const outcomes[] = {"stop", "length", "cancelled", "deadline",
                                           "cut",  "error",  "fallback"};
    for (size_t o = 0; o < 7; o++)
        for (size_t i = 0; i <= o; i++)
            metrics_llm_request(m, "openai", outcomes[o]);
    metrics_llm_request(m, "llama", "stop");
    metrics_llm_request(m, "llama", "bogus");
    metrics_llm_request(m, "llama", NULL);
    const double obs[] = {0.005, 0.3, 0.3, 0.01, 45, 100};
    for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++)
        metrics_llm_first_token(m, "openai", obs[i]);
    metrics_llm_first_token(m, "llama", NAN); /* counts as 0 */
    char *t = render(m);
    assert_well_formed(t);
    char line[200];
    for (size_t o = 0; o < 7; o++) {
        int n = snprintf(line, sizeof(line),
                         "agentgate_llm_requests_total{backend=\"openai\",outcome=\"%s\"} %zu",
                         outcomes[o], o + 1);
        assert_true(n > 0 && (size_t)n < sizeof(line));
        assert_line(t, line);
    }
    assert_false(
        has_series(t, "agentgate_llm_requests_total{backend=\"openai\",outcome=\"other\"}"));
    assert_line(t, "agentgate_llm_requests_total{backend=\"llama\",outcome=\"stop\"} 1");
    assert_line(t, "agentgate_llm_requests_total{backend=\"llama\",outcome=\"error\"} 0");
    assert_line(t, "agentgate_llm_requests_total{backend=\"llama\",outcome=\"other\"} 2");

    static const char *const le[] = {"0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
                                     "1",    "2.5",   "5",    "10",  "30",   "60"};
    static const unsigned want[] = {2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 5};
    for (size_t i = 0; i < 12; i++) {
        int n =
            snprintf(line, sizeof(line),
                     "agentgate_llm_first_token_seconds_bucket{backend=\"openai\",le=\"%s\"} %u",
                     le[i], want[i]);
        assert_true(n > 0 && (size_t)n < sizeof(line));
        assert_line(t, line);
    }
    assert_line(t, "agentgate_llm_first_token_seconds_bucket{backend=\"openai\",le=\"+Inf\"} 6");
    assert_line(t, "agentgate_llm_first_token_seconds_count{backend=\"openai\"} 6");
    assert_true(fabs(sample(t, "agentgate_llm_first_token_seconds_sum{backend=\"openai\"}") -
                     145.615) < 1e-9);
    assert_line(t, "agentgate_llm_first_token_seconds_bucket{backend=\"llama\",le=\"0.01\"} 1");
    assert_line(t, "agentgate_llm_first_token_seconds_sum{backend=\"llama\"} 0.000000000");
    free(t);
    metrics_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_empty),
        cmocka_unit_test(test_metrics_request_counters),
        cmocka_unit_test(test_metrics_full_tables_fold_into_other),
        cmocka_unit_test(test_metrics_inflight),
        cmocka_unit_test(test_metrics_http_rejected),
        cmocka_unit_test(test_metrics_histogram_buckets),
        cmocka_unit_test(test_metrics_render_appends_and_respects_max),
        cmocka_unit_test(test_metrics_property),
        cmocka_unit_test(test_metrics_llm_usage_exact),
        cmocka_unit_test(test_metrics_llm_labels_escaped_and_cut),
        cmocka_unit_test(test_metrics_llm_tables_fold_into_other),
        cmocka_unit_test(test_metrics_llm_requests_and_first_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
