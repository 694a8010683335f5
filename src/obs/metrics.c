// SPDX-License-Identifier: MIT
/*
 * obs/metrics.c: fixed-size tables of counters and histograms, rendered on demand.
 * Routes and stages are a small closed set named by the code, so the tables are small
 * arrays searched linearly. Once a table is full, further names are folded into one
 * "other" series (the last slot), so no request or stage time is ever dropped.
 * THREADS: m->mu guards everything.
 */
#include "obs/obs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERIES 64
#define MAX_STAGES 24
static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))

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
};

static const char *const verdict_names[5] = {"allow", "flag", "block", "escalate", "other"};

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

void metrics_pii_sessions(struct metrics *m, size_t sessions)
{
    pthread_mutex_lock(&m->mu);
    m->pii_sessions = sessions;
    pthread_mutex_unlock(&m->mu);
}

static ag_err render_guard(const struct metrics *m, struct buf *out)
{
    ag_err rc = buf_append_str(out, "# HELP agentgate_guard_verdicts_total Input guard verdicts "
                                    "on questions.\n"
                                    "# TYPE agentgate_guard_verdicts_total counter\n");
    for (size_t i = 0; i < 5 && rc == AG_OK; i++)
        rc = buf_printf(out, "agentgate_guard_verdicts_total{verdict=\"%s\"} %llu\n",
                        verdict_names[i], m->verdicts[i]);
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
    pthread_mutex_unlock(&m->mu);
    return rc;
}
