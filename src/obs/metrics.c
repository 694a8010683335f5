// SPDX-License-Identifier: MIT
/*
 * obs/metrics.c: fixed-size tables of counters and histograms, rendered on demand.
 * Routes and stages are a small closed set named by the code, so the tables are small
 * arrays searched linearly. Once a table is full, further names are folded into one
 * "other" series (the last slot), so no request or stage time is ever dropped.
 * Generation metrics carry labels that come from outside the code (tenant, key id, model,
 * backend): their values are copied into fixed-size slots (63 bytes at most, cut at a
 * character boundary), escaped when rendered, and bounded the same way, by table size.
 * Money is summed in integer pico-euros (core/money.h) and rendered as an exact decimal.
 * THREADS: m->mu guards everything.
 */
#include "obs/obs.h"

#include "core/money.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERIES 64
#define MAX_STAGES 24
static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))

#define MAX_USAGE    256 /* tenant x key x model series of tokens and cost */
#define MAX_BACKENDS 8   /* generation backends (kinds) */
#define MAX_UNPRICED 32  /* unpriced models */
#define LABEL_MAX    64  /* a copied label value: 63 bytes and the NUL */
/* First-token latency: local models answer in tens of ms, upstreams in up to a minute. */
static const double ft_bounds[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
#define N_FT_BOUNDS (sizeof(ft_bounds) / sizeof(ft_bounds[0]))
#define N_OUTCOMES  9
#define N_REJECTS   5 /* agentgate_http_rejected_total reasons */
/* "rejected": the output guard stopped the answer at a failing sentence */
static const char *const outcome_names[N_OUTCOMES] = {
    "stop", "length", "cancelled", "deadline", "cut", "error", "fallback", "rejected", "other"};

struct usage {
    char tenant[LABEL_MAX], key[LABEL_MAX], model[LABEL_MAX];
    unsigned long long prompt, completion;
    int64_t cost; /* pico-euros */
};

struct backend {
    char name[LABEL_MAX];
    unsigned long long outcomes[N_OUTCOMES];
    unsigned long long ft_buckets[N_FT_BOUNDS], ft_count;
    double ft_sum;
};

struct unpriced {
    char model[LABEL_MAX];
    unsigned long long count;
};

struct series {
    const char *route;
    int status;
    unsigned long long count;
};

struct hist {
    const char *stage;
    unsigned long long buckets[N_BOUNDS], count;
    double sum;
};

struct metrics {
    pthread_mutex_t mu;
    struct series req[MAX_SERIES];
    size_t n_req;
    struct hist stage[MAX_STAGES];
    size_t n_stage;
    long inflight;
    unsigned long long verdicts[5]; /* allow, flag, block, escalate, other */
    unsigned long long pii_values;
    size_t pii_sessions;
    unsigned long long limit_redis_errors;
    unsigned long long rejected[N_REJECTS];
    unsigned long long answer_checks[2]; /* passed, failed */
    unsigned long long answers[5];       /* by answer_sources */
    unsigned long long escalations;
    struct usage usage[MAX_USAGE];
    size_t n_usage;
    struct backend backend[MAX_BACKENDS];
    size_t n_backend;
    struct unpriced unpriced[MAX_UNPRICED];
    size_t n_unpriced;
};

static const char *const verdict_names[5] = {"allow", "flag", "block", "escalate", "other"};
static const char *const answer_sources[5] = {"generated", "retry", "extractive", "dont_know",
                                              "other"};
static const char *const reject_names[N_REJECTS] = {"header_count", "header_bytes", "overloaded",
                                                    "request_timeout", "other"};

ag_err metrics_create(struct metrics **out)
{
    struct metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return AG_ENOMEM;
    pthread_mutex_init(&m->mu, NULL);
    *out = m;
    return AG_OK;
}

void metrics_destroy(struct metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void metrics_request(struct metrics *m, const char *route, int status)
{
    pthread_mutex_lock(&m->mu);
    size_t i;
    for (i = 0; i < m->n_req; i++)
        if (m->req[i].status == status && strcmp(m->req[i].route, route) == 0)
            break;
    if (i == m->n_req && m->n_req >= MAX_SERIES - 1) { /* full: the "other" slot */
        route = "other";
        status = 0;
        for (i = 0; i < m->n_req; i++)
            if (m->req[i].status == 0 && strcmp(m->req[i].route, "other") == 0)
                break;
    }
    if (i == m->n_req) {
        m->req[i].route = route;
        m->req[i].status = status;
        m->n_req++;
    }
    m->req[i].count++;
    pthread_mutex_unlock(&m->mu);
}

void metrics_stage(struct metrics *m, const char *stage, double seconds)
{
    pthread_mutex_lock(&m->mu);
    size_t i;
    for (i = 0; i < m->n_stage; i++)
        if (strcmp(m->stage[i].stage, stage) == 0)
            break;
    if (i == m->n_stage && m->n_stage >= MAX_STAGES - 1) { /* full: the "other" slot */
        stage = "other";
        for (i = 0; i < m->n_stage; i++)
            if (strcmp(m->stage[i].stage, "other") == 0)
                break;
    }
    if (i == m->n_stage) {
        m->stage[i].stage = stage;
        m->n_stage++;
    }
    {
        struct hist *h = &m->stage[i];
        for (size_t b = 0; b < N_BOUNDS; b++)
            if (seconds <= bounds[b])
                h->buckets[b]++;
        h->count++;
        h->sum += seconds;
    }
    pthread_mutex_unlock(&m->mu);
}

void metrics_inflight(struct metrics *m, int delta)
{
    pthread_mutex_lock(&m->mu);
    m->inflight += delta;
    pthread_mutex_unlock(&m->mu);
}

void metrics_guard(struct metrics *m, const char *verdict, unsigned pii_values)
{
    size_t i = 0;
    while (i < 4 && strcmp(verdict_names[i], verdict) != 0)
        i++;
    pthread_mutex_lock(&m->mu);
    m->verdicts[i]++;
    m->pii_values += pii_values;
    pthread_mutex_unlock(&m->mu);
}

void metrics_guard_out(struct metrics *m, const char *source, unsigned passed, unsigned failed,
                       bool escalate)
{
    size_t i = 0;
    while (i < 4 && source && strcmp(answer_sources[i], source) != 0)
        i++;
    pthread_mutex_lock(&m->mu);
    m->answer_checks[0] += passed;
    m->answer_checks[1] += failed;
    m->answers[i]++;
    m->escalations += escalate;
    pthread_mutex_unlock(&m->mu);
}

void metrics_limit_redis_error(struct metrics *m)
{
    pthread_mutex_lock(&m->mu);
    m->limit_redis_errors++;
    pthread_mutex_unlock(&m->mu);
}

void metrics_http_rejected(struct metrics *m, const char *reason)
{
    size_t i = 0;
    while (i < N_REJECTS - 1 && strcmp(reject_names[i], reason) != 0)
        i++;
    pthread_mutex_lock(&m->mu);
    m->rejected[i]++;
    pthread_mutex_unlock(&m->mu);
}

void metrics_pii_sessions(struct metrics *m, size_t sessions)
{
    pthread_mutex_lock(&m->mu);
    m->pii_sessions = sessions;
    pthread_mutex_unlock(&m->mu);
}

/* ---- generation: tokens, cost, outcomes, first-token latency -------------------------- */

/* dst gets src (NULL: "") cut to LABEL_MAX - 1 bytes, never inside a UTF-8 character. */
static void copy_label(char dst[LABEL_MAX], const char *src)
{
    if (!src)
        src = "";
    size_t n = str_utf8_prefix(src, strlen(src), LABEL_MAX - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static unsigned long long add_sat(unsigned long long a, unsigned long long b)
{
    return a > ULLONG_MAX - b ? ULLONG_MAX : a + b;
}

/* The slot for (tenant, key, model), claimed if new; the last slot is the "other" series
 * every new combination goes to once the table is full. Called with mu held. */
static struct usage *usage_slot(struct metrics *m, const char *tenant, const char *key,
                                const char *model)
{
    for (size_t i = 0; i < m->n_usage; i++) {
        struct usage *u = &m->usage[i];
        if (strcmp(u->model, model) == 0 && strcmp(u->key, key) == 0 &&
            strcmp(u->tenant, tenant) == 0)
            return u;
    }
    if (m->n_usage >= MAX_USAGE - 1) {
        tenant = key = model = "other";
        for (size_t i = 0; i < m->n_usage; i++) {
            struct usage *u = &m->usage[i];
            if (strcmp(u->model, model) == 0 && strcmp(u->key, key) == 0 &&
                strcmp(u->tenant, tenant) == 0)
                return u;
        }
    }
    struct usage *u = &m->usage[m->n_usage++];
    copy_label(u->tenant, tenant);
    copy_label(u->key, key);
    copy_label(u->model, model);
    return u;
}

void metrics_llm_usage(struct metrics *m, const char *tenant, const char *key, const char *model,
                       uint32_t prompt, uint32_t completion, int64_t cost_units)
{
    char t[LABEL_MAX], k[LABEL_MAX], md[LABEL_MAX];
    copy_label(t, tenant);
    copy_label(k, key);
    copy_label(md, model);
    pthread_mutex_lock(&m->mu);
    struct usage *u = usage_slot(m, t, k, md);
    u->prompt = add_sat(u->prompt, prompt);
    u->completion = add_sat(u->completion, completion);
    if (cost_units > 0) /* a counter never goes down */
        u->cost = money_add(u->cost, cost_units);
    pthread_mutex_unlock(&m->mu);
}

void metrics_llm_unpriced(struct metrics *m, const char *model)
{
    char md[LABEL_MAX];
    copy_label(md, model);
    pthread_mutex_lock(&m->mu);
    size_t i = 0;
    while (i < m->n_unpriced && strcmp(m->unpriced[i].model, md) != 0)
        i++;
    if (i == m->n_unpriced && m->n_unpriced >= MAX_UNPRICED - 1) { /* full: "other" */
        copy_label(md, "other");
        i = 0;
        while (i < m->n_unpriced && strcmp(m->unpriced[i].model, md) != 0)
            i++;
    }
    if (i == m->n_unpriced) {
        copy_label(m->unpriced[i].model, md);
        m->n_unpriced++;
    }
    m->unpriced[i].count++;
    pthread_mutex_unlock(&m->mu);
}

/* The slot of backend name (already copied), claimed if new; "other" once full. Called
 * with mu held. */
static struct backend *backend_slot(struct metrics *m, const char *name)
{
    for (size_t i = 0; i < m->n_backend; i++)
        if (strcmp(m->backend[i].name, name) == 0)
            return &m->backend[i];
    if (m->n_backend >= MAX_BACKENDS - 1) {
        name = "other";
        for (size_t i = 0; i < m->n_backend; i++)
            if (strcmp(m->backend[i].name, name) == 0)
                return &m->backend[i];
    }
    struct backend *b = &m->backend[m->n_backend++];
    copy_label(b->name, name);
    return b;
}

void metrics_llm_request(struct metrics *m, const char *backend, const char *outcome)
{
    char name[LABEL_MAX];
    copy_label(name, backend);
    size_t o = 0;
    while (o < N_OUTCOMES - 1 && (!outcome || strcmp(outcome_names[o], outcome) != 0))
        o++;
    pthread_mutex_lock(&m->mu);
    backend_slot(m, name)->outcomes[o]++;
    pthread_mutex_unlock(&m->mu);
}

void metrics_llm_first_token(struct metrics *m, const char *backend, double seconds)
{
    char name[LABEL_MAX];
    copy_label(name, backend);
    if (!(seconds >= 0)) /* also NaN: a clock oddity must not poison the sum */
        seconds = 0;
    pthread_mutex_lock(&m->mu);
    struct backend *b = backend_slot(m, name);
    for (size_t i = 0; i < N_FT_BOUNDS; i++)
        if (seconds <= ft_bounds[i])
            b->ft_buckets[i]++;
    b->ft_count++;
    b->ft_sum += seconds;
    pthread_mutex_unlock(&m->mu);
}

/* A label value as the text format wants it: backslash, double quote and line feed escaped
 * (Prometheus exposition format 0.0.4); every other byte as it is. */
static ag_err append_label(struct buf *out, const char *v)
{
    ag_err rc = AG_OK;
    for (const char *p = v; *p && rc == AG_OK;) {
        size_t run = strcspn(p, "\\\"\n");
        rc = buf_append(out, p, run);
        p += run;
        if (*p && rc == AG_OK) {
            rc = buf_append(out, *p == '\n' ? "\\n" : *p == '"' ? "\\\"" : "\\\\", 2);
            p++;
        }
    }
    return rc;
}

/* name{tenant="..",key="..",model=".."<extra>} value-text\n */
static ag_err usage_line(struct buf *out, const char *name, const struct usage *u,
                         const char *extra, const char *value)
{
    ag_err rc = buf_printf(out, "%s{tenant=\"", name);
    if (rc == AG_OK)
        rc = append_label(out, u->tenant);
    if (rc == AG_OK)
        rc = buf_append_str(out, "\",key=\"");
    if (rc == AG_OK)
        rc = append_label(out, u->key);
    if (rc == AG_OK)
        rc = buf_append_str(out, "\",model=\"");
    if (rc == AG_OK)
        rc = append_label(out, u->model);
    if (rc == AG_OK)
        rc = buf_printf(out, "\"%s} %s\n", extra, value);
    return rc;
}

static ag_err render_usage(const struct metrics *m, struct buf *out)
{
    ag_err rc = buf_append_str(out, "# HELP agentgate_llm_tokens_total Model tokens by tenant, API "
                                    "key, model and kind (prompt or completion).\n"
                                    "# TYPE agentgate_llm_tokens_total counter\n");
    char v[MONEY_FMT_MAX];
    for (size_t i = 0; i < m->n_usage && rc == AG_OK; i++) {
        const struct usage *u = &m->usage[i];
        snprintf(v, sizeof(v), "%llu", u->prompt);
        rc = usage_line(out, "agentgate_llm_tokens_total", u, ",kind=\"prompt\"", v);
        if (rc == AG_OK) {
            snprintf(v, sizeof(v), "%llu", u->completion);
            rc = usage_line(out, "agentgate_llm_tokens_total", u, ",kind=\"completion\"", v);
        }
    }
    if (rc == AG_OK)
        rc = buf_append_str(out, "# HELP agentgate_llm_cost_eur_total Generation cost in EUR by "
                                 "tenant, API key and model (summed exactly in pico-euros).\n"
                                 "# TYPE agentgate_llm_cost_eur_total counter\n");
    for (size_t i = 0; i < m->n_usage && rc == AG_OK; i++) {
        money_format(m->usage[i].cost, v, sizeof(v));
        rc = usage_line(out, "agentgate_llm_cost_eur_total", &m->usage[i], "", v);
    }
    if (rc == AG_OK)
        rc = buf_append_str(out, "# HELP agentgate_llm_unpriced_total Generations by upstream "
                                 "models the price table does not list (their cost counts as 0).\n"
                                 "# TYPE agentgate_llm_unpriced_total counter\n");
    for (size_t i = 0; i < m->n_unpriced && rc == AG_OK; i++) {
        rc = buf_append_str(out, "agentgate_llm_unpriced_total{model=\"");
        if (rc == AG_OK)
            rc = append_label(out, m->unpriced[i].model);
        if (rc == AG_OK)
            rc = buf_printf(out, "\"} %llu\n", m->unpriced[i].count);
    }
    return rc;
}

/* name{backend=".."<extra>} */
static ag_err backend_series(struct buf *out, const char *name, const struct backend *b,
                             const char *extra)
{
    ag_err rc = buf_printf(out, "%s{backend=\"", name);
    if (rc == AG_OK)
        rc = append_label(out, b->name);
    if (rc == AG_OK)
        rc = buf_printf(out, "\"%s}", extra);
    return rc;
}

static ag_err render_backends(const struct metrics *m, struct buf *out)
{
    ag_err rc = buf_append_str(out, "# HELP agentgate_llm_requests_total Generations by backend "
                                    "and outcome.\n"
                                    "# TYPE agentgate_llm_requests_total counter\n");
    char extra[48];
    for (size_t i = 0; i < m->n_backend && rc == AG_OK; i++) {
        const struct backend *b = &m->backend[i];
        for (size_t o = 0; o < N_OUTCOMES && rc == AG_OK; o++) {
            if (o == N_OUTCOMES - 1 && b->outcomes[o] == 0) /* "other" only when used */
                continue;
            snprintf(extra, sizeof(extra), ",outcome=\"%s\"", outcome_names[o]);
            rc = backend_series(out, "agentgate_llm_requests_total", b, extra);
            if (rc == AG_OK)
                rc = buf_printf(out, " %llu\n", b->outcomes[o]);
        }
    }
    if (rc == AG_OK)
        rc = buf_append_str(out, "# HELP agentgate_llm_first_token_seconds Time from the start of "
                                 "a generation to its first piece of text.\n"
                                 "# TYPE agentgate_llm_first_token_seconds histogram\n");
    for (size_t i = 0; i < m->n_backend && rc == AG_OK; i++) {
        const struct backend *b = &m->backend[i];
        for (size_t k = 0; k < N_FT_BOUNDS && rc == AG_OK; k++) {
            snprintf(extra, sizeof(extra), ",le=\"%g\"", ft_bounds[k]);
            rc = backend_series(out, "agentgate_llm_first_token_seconds_bucket", b, extra);
            if (rc == AG_OK)
                rc = buf_printf(out, " %llu\n", b->ft_buckets[k]);
        }
        if (rc == AG_OK)
            rc = backend_series(out, "agentgate_llm_first_token_seconds_bucket", b, ",le=\"+Inf\"");
        if (rc == AG_OK)
            rc = buf_printf(out, " %llu\n", b->ft_count);
        if (rc == AG_OK)
            rc = backend_series(out, "agentgate_llm_first_token_seconds_sum", b, "");
        if (rc == AG_OK)
            rc = buf_printf(out, " %.9f\n", b->ft_sum);
        if (rc == AG_OK)
            rc = backend_series(out, "agentgate_llm_first_token_seconds_count", b, "");
        if (rc == AG_OK)
            rc = buf_printf(out, " %llu\n", b->ft_count);
    }
    return rc;
}

static ag_err render_guard(const struct metrics *m, struct buf *out)
{
    ag_err rc = buf_append_str(out, "# HELP agentgate_guard_verdicts_total Input guard verdicts "
                                    "on questions.\n"
                                    "# TYPE agentgate_guard_verdicts_total counter\n");
    for (size_t i = 0; i < 5 && rc == AG_OK; i++)
        rc = buf_printf(out, "agentgate_guard_verdicts_total{verdict=\"%s\"} %llu\n",
                        verdict_names[i], m->verdicts[i]);
    rc = rc ? rc
            : buf_printf(out,
                         "# HELP agentgate_answer_checks_total Answers the output guard checked, "
                         "by result.\n"
                         "# TYPE agentgate_answer_checks_total counter\n"
                         "agentgate_answer_checks_total{result=\"passed\"} %llu\n"
                         "agentgate_answer_checks_total{result=\"failed\"} %llu\n"
                         "# HELP agentgate_answers_total Answers given, by where they came from "
                         "(generated, retry, extractive, dont_know).\n"
                         "# TYPE agentgate_answers_total counter\n",
                         m->answer_checks[0], m->answer_checks[1]);
    for (size_t i = 0; i < 5 && rc == AG_OK; i++)
        rc = buf_printf(out, "agentgate_answers_total{source=\"%s\"} %llu\n", answer_sources[i],
                        m->answers[i]);
    rc = rc ? rc
            : buf_printf(out,
                         "# HELP agentgate_escalations_needed_total Turns whose confidence was "
                         "below escalate_below.\n"
                         "# TYPE agentgate_escalations_needed_total counter\n"
                         "agentgate_escalations_needed_total %llu\n",
                         m->escalations);
    return rc ? rc
              : buf_printf(out,
                           "# HELP agentgate_pii_values_total Personal data values replaced by "
                           "placeholders.\n"
                           "# TYPE agentgate_pii_values_total counter\n"
                           "agentgate_pii_values_total %llu\n"
                           "# HELP agentgate_pii_sessions Sessions whose values the PII vault "
                           "holds.\n"
                           "# TYPE agentgate_pii_sessions gauge\n"
                           "agentgate_pii_sessions %zu\n",
                           m->pii_values, m->pii_sessions);
}

ag_err metrics_render(struct metrics *m, struct buf *out)
{
    ag_err rc =
        buf_append_str(out, "# HELP agentgate_requests_total HTTP requests by route and status.\n"
                            "# TYPE agentgate_requests_total counter\n");
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n_req && rc == AG_OK; i++) {
        char status[16] = "other";
        if (m->req[i].status)
            snprintf(status, sizeof(status), "%d", m->req[i].status);
        rc = buf_printf(out, "agentgate_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
                        m->req[i].route, status, m->req[i].count);
    }
    if (rc == AG_OK)
        rc = buf_printf(out,
                        "# HELP agentgate_requests_in_flight Requests being served.\n"
                        "# TYPE agentgate_requests_in_flight gauge\n"
                        "agentgate_requests_in_flight %ld\n"
                        "# HELP agentgate_stage_seconds Time spent in each pipeline stage.\n"
                        "# TYPE agentgate_stage_seconds histogram\n",
                        m->inflight);
    for (size_t i = 0; i < m->n_stage && rc == AG_OK; i++) {
        const struct hist *h = &m->stage[i];
        for (size_t b = 0; b < N_BOUNDS && rc == AG_OK; b++)
            rc = buf_printf(out, "agentgate_stage_seconds_bucket{stage=\"%s\",le=\"%g\"} %llu\n",
                            h->stage, bounds[b], h->buckets[b]);
        if (rc == AG_OK)
            rc = buf_printf(out,
                            "agentgate_stage_seconds_bucket{stage=\"%s\",le=\"+Inf\"} %llu\n"
                            "agentgate_stage_seconds_sum{stage=\"%s\"} %.9f\n"
                            "agentgate_stage_seconds_count{stage=\"%s\"} %llu\n",
                            h->stage, h->count, h->stage, h->sum, h->stage, h->count);
    }
    if (rc == AG_OK)
        rc = render_guard(m, out);
    if (rc == AG_OK)
        rc = buf_printf(out,
                        "# HELP agentgate_limit_redis_errors_total Rate-limit checks that Redis "
                        "could not answer (limit_on_redis_error decided them).\n"
                        "# TYPE agentgate_limit_redis_errors_total counter\n"
                        "agentgate_limit_redis_errors_total %llu\n",
                        m->limit_redis_errors);
    if (rc == AG_OK)
        rc = buf_append_str(out, "# HELP agentgate_http_rejected_total Requests and connections "
                                 "the HTTP server refused or cut before a handler ran.\n"
                                 "# TYPE agentgate_http_rejected_total counter\n");
    for (size_t i = 0; i < N_REJECTS && rc == AG_OK; i++)
        rc = buf_printf(out, "agentgate_http_rejected_total{reason=\"%s\"} %llu\n", reject_names[i],
                        m->rejected[i]);
    if (rc == AG_OK)
        rc = render_usage(m, out);
    if (rc == AG_OK)
        rc = render_backends(m, out);
    pthread_mutex_unlock(&m->mu);
    return rc;
}
