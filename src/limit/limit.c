// SPDX-License-Identifier: MIT
/*
 * limit/limit.c: token buckets in a chained hash table keyed by string.
 * Refill is computed lazily from the time of the last take, so idle keys cost nothing.
 * Daily spend lives in a second table of the same shape: each entry remembers its UTC day
 * and starts again from 0 when a later day touches it, so the rollover costs nothing
 * either. Entries of earlier days are what a full table drops (they equal new ones).
 * THREADS: l->mu guards both tables, every bucket, every spend entry and the budgets.
 */
#include "limit/limit.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/money.h"
#include "limit/limit_internal.h"

#define LIMIT_SLOTS 4096
#define DAY_S       86400

struct bucket {
    struct bucket *next;
    double tokens;
    uint64_t last_ns;
    char key[];
};

struct spend {
    struct spend *next;
    int64_t day; /* UTC day (Unix seconds / 86400, floored) the sums belong to */
    uint64_t tokens;
    int64_t units; /* pico-euros */
    char key[];
};

struct limit {
    pthread_mutex_t mu;
    double rate, burst;
    uint32_t max_keys, n_keys;
    struct bucket *slot[LIMIT_SLOTS];
    /* daily budgets (0 = none) and the spend table; max_keys bounds it as well */
    uint64_t tokens_day;
    int64_t units_day;
    uint32_t n_spend;
    int64_t swept_day; /* the day the full table was last cleared of earlier days */
    struct spend *spend[LIMIT_SLOTS];
    /* set by limit_backend_configure() before the first take, read-only afterwards */
    struct limit_redis *redis; /* NULL: the buckets above */
    bool redis_fail_open;
};

ag_err limit_create(double rate, double burst, uint32_t max_keys, struct limit **out)
{
    if (!(rate > 0) || !(burst >= 1) || max_keys == 0)
        return AG_EINVAL;
    struct limit *l = calloc(1, sizeof(*l));
    if (!l)
        return AG_ENOMEM;
    pthread_mutex_init(&l->mu, NULL);
    l->rate = rate;
    l->burst = burst;
    l->max_keys = max_keys;
    l->swept_day = INT64_MIN;
    *out = l;
    return AG_OK;
}

void limit_destroy(struct limit *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < LIMIT_SLOTS; i++) {
        struct bucket *b = l->slot[i];
        while (b) {
            struct bucket *next = b->next;
            free(b);
            b = next;
        }
        struct spend *e = l->spend[i];
        while (e) {
            struct spend *next = e->next;
            free(e);
            e = next;
        }
    }
    limit_redis_destroy(l->redis);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static uint32_t hash_key(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

/* Callers read the clock before taking the lock, so now_ns may be older than the last
 * take of another thread: time never moves backwards, or the gap would count twice. */
static void refill(const struct limit *l, struct bucket *b, uint64_t now_ns)
{
    if (now_ns > b->last_ns) {
        b->tokens += (double)(now_ns - b->last_ns) / 1e9 * l->rate;
        if (b->tokens > l->burst)
            b->tokens = l->burst;
        b->last_ns = now_ns;
    }
}

/* Drop buckets that are full again; called with mu held when the table is full. */
static void evict_full(struct limit *l, uint64_t now_ns)
{
    for (size_t i = 0; i < LIMIT_SLOTS; i++) {
        struct bucket **pp = &l->slot[i];
        while (*pp) {
            struct bucket *b = *pp;
            refill(l, b, now_ns);
            if (b->tokens >= l->burst) {
                *pp = b->next;
                free(b);
                l->n_keys--;
            } else {
                pp = &b->next;
            }
        }
    }
}

static uint32_t secs_of(double s, uint32_t lo)
{
    s = ceil(s);
    return s < lo ? lo : s > 86400 ? 86400 : (uint32_t)s;
}

static uint32_t clamp_u32(double x)
{
    return x < 0 ? 0 : x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
}

static bool take_memory(struct limit *l, const char *key, uint64_t now_ns, struct limit_verdict *v)
{
    uint32_t slot = hash_key(key) % LIMIT_SLOTS;
    bool ok = false;
    double wait = 1, tokens = 0;
    pthread_mutex_lock(&l->mu);
    struct bucket *b = l->slot[slot];
    while (b && strcmp(b->key, key) != 0)
        b = b->next;
    if (!b) {
        if (l->n_keys >= l->max_keys)
            evict_full(l, now_ns);
        size_t kl = strlen(key);
        if (l->n_keys < l->max_keys && (b = malloc(sizeof(*b) + kl + 1)) != NULL) {
            memcpy(b->key, key, kl + 1);
            b->tokens = l->burst;
            b->last_ns = now_ns;
            b->next = l->slot[slot];
            l->slot[slot] = b;
            l->n_keys++;
        }
    }
    if (b) {
        refill(l, b, now_ns);
        if (b->tokens >= 1) {
            b->tokens -= 1;
            ok = true;
        } else {
            wait = (1 - b->tokens) / l->rate;
        }
        tokens = b->tokens;
    }
    pthread_mutex_unlock(&l->mu);
    v->allowed = ok;
    v->limit = clamp_u32(l->burst);
    v->remaining = clamp_u32(floor(tokens));
    v->reset_s = secs_of((l->burst - tokens) / l->rate, 0);
    v->retry_after_s = ok ? 0 : secs_of(wait, 1);
    return ok;
}

static bool take_redis(struct limit *l, const char *tenant, const char *key,
                       struct limit_verdict *v)
{
    char rkey[320];
    int w = snprintf(rkey, sizeof(rkey), "rl:%s:%s", tenant ? tenant : "", key);
    struct limit_redis_verdict rv;
    if (w > 0 && (size_t)w < sizeof(rkey) &&
        limit_redis_take(l->redis, rkey, l->rate, l->burst, &rv) == AG_OK) {
        v->allowed = rv.allowed;
        v->limit = clamp_u32(l->burst);
        v->remaining = clamp_u32((double)rv.remaining);
        v->reset_s = secs_of((double)rv.full_us / 1e6, 0);
        v->retry_after_s = rv.allowed ? 0 : secs_of((double)rv.retry_us / 1e6, 1);
        return v->allowed;
    }
    v->backend_error = true;
    v->allowed = l->redis_fail_open;
    v->retry_after_s = v->allowed ? 0 : 1;
    return v->allowed;
}

bool limit_take_for(struct limit *l, const char *tenant, const char *key, uint64_t now_ns,
                    struct limit_verdict *v)
{
    *v = (struct limit_verdict){0};
    return l->redis ? take_redis(l, tenant, key, v) : take_memory(l, key, now_ns, v);
}

bool limit_take(struct limit *l, const char *key, uint64_t now_ns, uint32_t *retry_after_s)
{
    struct limit_verdict v;
    bool ok = limit_take_for(l, NULL, key, now_ns, &v);
    if (!ok && retry_after_s)
        *retry_after_s = v.retry_after_s;
    return ok;
}

ag_err limit_backend_configure(struct limit *l, const struct config *cfg, unsigned pool)
{
    if (strcmp(cfg->limit_backend, "redis") != 0)
        return AG_OK;
    struct limit_redis_params p = {.connect_ms = cfg->redis_connect_ms,
                                   .command_ms = cfg->redis_command_ms,
                                   .pool = pool < 1     ? 1
                                           : pool > 256 ? 256
                                                        : pool};
    char why[160];
    if (limit_redis_parse_url(cfg->redis_url, &p, why, sizeof(why)) != AG_OK) {
        log_error("limit: redis_url %s", why);
        return AG_ECONFIG;
    }
    struct limit_redis *r = NULL;
    ag_err rc = limit_redis_create(&p, &r);
    if (rc != AG_OK)
        return rc;
    limit_redis_destroy(l->redis);
    l->redis = r;
    l->redis_fail_open = strcmp(cfg->limit_on_redis_error, "open") == 0;
    log_info("limit: buckets on redis host=%s port=%u db=%u on_error=%s", p.host, p.port, p.db,
             l->redis_fail_open ? "open" : "closed");
    return AG_OK;
}

uint64_t limit_backend_errors(const struct limit *l)
{
    return l->redis ? limit_redis_errors(l->redis) : 0;
}

/* ---- daily budgets ------------------------------------------------------------------ */

ag_err limit_budget_configure(struct limit *l, const struct config *cfg)
{
    if (!(cfg->budget_eur_day >= 0))
        return AG_EINVAL;
    int64_t units = money_from_eur(cfg->budget_eur_day);
    pthread_mutex_lock(&l->mu);
    l->tokens_day = cfg->budget_tokens_day;
    l->units_day = units == INT64_MAX ? 0 : units; /* past what a sum can reach: no limit */
    pthread_mutex_unlock(&l->mu);
    return AG_OK;
}

/* The UTC day of Unix time s, floored (before 1970 too), and the seconds until it ends. */
static int64_t day_of(int64_t s, uint32_t *left_s)
{
    int64_t day = s / DAY_S, into = s % DAY_S;
    if (into < 0) {
        day--;
        into += DAY_S;
    }
    if (left_s)
        *left_s = (uint32_t)(DAY_S - into);
    return day;
}

/* Drop entries of days before day; called with mu held when the spend table is full. */
static void sweep_spend(struct limit *l, int64_t day)
{
    for (size_t i = 0; i < LIMIT_SLOTS; i++) {
        struct spend **pp = &l->spend[i];
        while (*pp) {
            struct spend *e = *pp;
            if (e->day < day) {
                *pp = e->next;
                free(e);
                l->n_spend--;
            } else {
                pp = &e->next;
            }
        }
    }
    l->swept_day = day;
}

/* key's entry for day, started from 0 if it belonged to an earlier day, created if absent
 * (NULL when the table is full of keys active today, or without memory: fail closed).
 * Called with mu held. A day earlier than the entry's (the wall clock was set back) counts
 * into the entry's day: spend is never forgotten early. */
static struct spend *spend_entry(struct limit *l, const char *key, int64_t day)
{
    uint32_t slot = hash_key(key) % LIMIT_SLOTS;
    struct spend *e = l->spend[slot];
    while (e && strcmp(e->key, key) != 0)
        e = e->next;
    if (e) {
        if (e->day < day) {
            e->day = day;
            e->tokens = 0;
            e->units = 0;
        }
        return e;
    }
    /* One sweep per day is enough: after it every entry is of this day (or later). */
    if (l->n_spend >= l->max_keys && l->swept_day != day)
        sweep_spend(l, day);
    if (l->n_spend >= l->max_keys)
        return NULL;
    size_t kl = strlen(key);
    e = malloc(sizeof(*e) + kl + 1);
    if (!e)
        return NULL;
    memcpy(e->key, key, kl + 1);
    e->day = day;
    e->tokens = 0;
    e->units = 0;
    e->next = l->spend[slot];
    l->spend[slot] = e;
    l->n_spend++;
    return e;
}

bool limit_budget_check(struct limit *l, const char *key, int64_t now_unix_s,
                        struct limit_budget_state *st)
{
    struct limit_budget_state s = {.verdict = LIMIT_BUDGET_OK};
    int64_t day = day_of(now_unix_s, &s.retry_after_s);
    pthread_mutex_lock(&l->mu);
    s.tokens_day = l->tokens_day;
    s.units_day = l->units_day;
    if (l->tokens_day || l->units_day) {
        const struct spend *e = spend_entry(l, key, day);
        if (!e) {
            s.verdict = LIMIT_BUDGET_FULL;
        } else {
            s.tokens_used = e->tokens;
            s.units_used = e->units;
            if (l->tokens_day && e->tokens >= l->tokens_day)
                s.verdict = LIMIT_BUDGET_TOKENS;
            else if (l->units_day && e->units >= l->units_day)
                s.verdict = LIMIT_BUDGET_EUR;
        }
    }
    pthread_mutex_unlock(&l->mu);
    if (st)
        *st = s;
    return s.verdict == LIMIT_BUDGET_OK;
}

ag_err limit_budget_charge(struct limit *l, const char *key, int64_t now_unix_s, uint64_t tokens,
                           int64_t cost_units)
{
    if (cost_units < 0)
        return AG_EINVAL;
    int64_t day = day_of(now_unix_s, NULL);
    ag_err rc = AG_OK;
    pthread_mutex_lock(&l->mu);
    if (l->tokens_day || l->units_day) {
        struct spend *e = spend_entry(l, key, day);
        if (!e) {
            rc = AG_EBUSY;
        } else {
            e->tokens = e->tokens > UINT64_MAX - tokens ? UINT64_MAX : e->tokens + tokens;
            e->units = money_add(e->units, cost_units);
        }
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}

size_t limit_budget_message(const struct limit_budget_state *st, char *out, size_t n)
{
    if (n == 0)
        return 0;
    char eur[MONEY_FMT_MAX];
    int w = 0;
    switch (st->verdict) {
    case LIMIT_BUDGET_OK:
        break;
    case LIMIT_BUDGET_TOKENS:
        w = snprintf(out, n,
                     "daily token budget of %llu tokens for this key is used up; it resets at "
                     "00:00 UTC",
                     (unsigned long long)st->tokens_day);
        break;
    case LIMIT_BUDGET_EUR:
        money_format(st->units_day, eur, sizeof(eur));
        w = snprintf(out, n,
                     "daily cost budget of %s EUR for this key is used up; it resets at 00:00 UTC",
                     eur);
        break;
    case LIMIT_BUDGET_FULL:
        w = snprintf(out, n,
                     "daily budgets are tracked for too many keys today; keys new today are "
                     "refused until 00:00 UTC");
        break;
    }
    if (w <= 0) {
        out[0] = '\0';
        return 0;
    }
    return (size_t)w < n ? (size_t)w : n - 1;
}
