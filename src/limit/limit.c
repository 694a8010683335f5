// SPDX-License-Identifier: MIT
/*
 * limit/limit.c: token buckets in a chained hash table keyed by string.
 * Refill is computed lazily from the time of the last take, so idle keys cost nothing.
 * Daily spend lives in a second table of the same shape: each entry remembers its UTC day
 * and starts again from 0 when a later day touches it, so the rollover costs nothing
 * either. Entries of earlier days are what a full table drops (they equal new ones).
 * A request's buckets (key, subject, address) are checked together under the lock: all
 * refilled, then charged only if each has a token. Bucket names carry their kind and,
 * for key and subject, the tenant with its length, so no two tenants' names can meet.
 * In-flight counts (concurrency caps) live in a third table; an entry goes at zero.
 * THREADS: l->mu guards the tables, every bucket, spend and count, and the budgets.
 */
#include "limit/limit.h"

#include <arpa/inet.h>
#include <assert.h>
#include <math.h>
#include <netinet/in.h>
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
    enum limit_kind kind;
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

struct conc {
    struct conc *next;
    unsigned n; /* turns in flight */
    char key[];
};

struct limit {
    pthread_mutex_t mu;
    double rate[LIMIT_KINDS], burst[LIMIT_KINDS]; /* rate 0: that kind is off */
    uint32_t max_keys, n_keys;
    struct bucket *slot[LIMIT_SLOTS];
    /* daily budgets (0 = none) and the spend table; max_keys bounds it as well */
    uint64_t tokens_day;
    int64_t units_day;
    uint32_t n_spend;
    int64_t swept_day; /* the day the full table was last cleared of earlier days */
    struct spend *spend[LIMIT_SLOTS];
    uint32_t n_conc;
    uint64_t in_flight;
    struct conc *conc[LIMIT_SLOTS];
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
    l->rate[LIMIT_KEY] = rate;
    l->burst[LIMIT_KEY] = burst;
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
        struct conc *k = l->conc[i];
        while (k) {
            struct conc *next = k->next;
            free(k);
            k = next;
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
        b->tokens += (double)(now_ns - b->last_ns) / 1e9 * l->rate[b->kind];
        if (b->tokens > l->burst[b->kind])
            b->tokens = l->burst[b->kind];
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
            if (b->tokens >= l->burst[b->kind]) {
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

const char *limit_kind_name(enum limit_kind k)
{
    return k == LIMIT_KEY ? "key" : k == LIMIT_SUBJECT ? "subject" : "ip";
}

ag_err limit_kind_configure(struct limit *l, enum limit_kind k, double rate, double burst)
{
    if ((k != LIMIT_SUBJECT && k != LIMIT_IP) || !(rate >= 0) || rate > 1e9 ||
        (rate > 0 && !(burst >= 1 && burst <= 1e9)))
        return AG_EINVAL;
    l->rate[k] = rate;
    l->burst[k] = rate > 0 ? burst : 0;
    return AG_OK;
}

ag_err limit_kinds_configure(struct limit *l, const struct config *cfg)
{
    if (limit_kind_configure(l, LIMIT_SUBJECT, cfg->limit_subject_rate, cfg->limit_subject_burst) !=
            AG_OK ||
        limit_kind_configure(l, LIMIT_IP, cfg->limit_ip_rate, cfg->limit_ip_burst) != AG_OK) {
        log_error("limit: limit_subject_* or limit_ip_* out of range");
        return AG_EINVAL;
    }
    if (cfg->limit_subject_rate > 0 || cfg->limit_ip_rate > 0)
        log_info("limit: subject rate=%g burst=%g ip rate=%g burst=%g (0 = off)",
                 cfg->limit_subject_rate, cfg->limit_subject_burst, cfg->limit_ip_rate,
                 cfg->limit_ip_burst);
    return AG_OK;
}

bool limit_kind_on(const struct limit *l, enum limit_kind k)
{
    return (unsigned)k < LIMIT_KINDS && l->rate[k] > 0;
}

/* The bucket's name: "k:<len>:<tenant>:<key>", "s:<len>:<tenant>:<subject>", "ip:<addr>".
 * The tenant's length keeps "a:b" + "c" apart from "a" + "b:c". false when it is cut. */
static bool bucket_name(enum limit_kind k, const char *tenant, const char *name, char *out,
                        size_t n)
{
    static const char *const tag[LIMIT_KINDS] = {"k", "s", "ip"};
    int w = k == LIMIT_IP ? snprintf(out, n, "ip:%s", name)
                          : snprintf(out, n, "%s:%zu:%s:%s", tag[k], strlen(tenant), tenant, name);
    return w > 0 && (size_t)w < n;
}

#define NAME_MAX_LEN 320

struct pick {
    enum limit_kind kind;
    char name[NAME_MAX_LEN];
};

/* The buckets of n that are checked, in kind order; returns how many (-1: a name too long). */
static int picks_of(const struct limit *l, const struct limit_names *n, struct pick *p)
{
    int np = 0;
    for (int k = 0; k < LIMIT_KINDS; k++) {
        if (!n->name[k] || !(l->rate[k] > 0))
            continue;
        if (!bucket_name((enum limit_kind)k, n->tenant ? n->tenant : "", n->name[k], p[np].name,
                         sizeof(p[np].name)))
            return -1;
        p[np++].kind = (enum limit_kind)k;
    }
    return np;
}

/* The verdict from each bucket's state: the refusing bucket whose token is due last, or,
 * admitted, the one with the fewest whole tokens left. */
struct state {
    bool has;
    double wait_s, tokens_after, full_s;
};

static void verdict_of(const struct limit *l, const struct pick *p, const struct state *st, int np,
                       bool ok, struct limit_verdict *v)
{
    int best = -1;
    for (int i = 0; i < np; i++) {
        if (!ok && st[i].has)
            continue;
        if (best < 0 || (!ok && st[i].wait_s > st[best].wait_s) ||
            (ok && floor(st[i].tokens_after) < floor(st[best].tokens_after)))
            best = i;
    }
    v->allowed = ok;
    if (best < 0)
        return; /* nothing checked */
    v->kind = p[best].kind;
    v->limit = clamp_u32(l->burst[p[best].kind]);
    v->remaining = clamp_u32(floor(st[best].tokens_after));
    v->reset_s = secs_of(st[best].full_s, 0);
    v->retry_after_s = ok ? 0 : secs_of(st[best].wait_s, 1);
}

/* The bucket named name, created full if absent (NULL: the table is full). mu held. It
 * never evicts: a request's other buckets are held by pointer meanwhile. */
static struct bucket *bucket_get(struct limit *l, enum limit_kind kind, const char *name,
                                 uint64_t now_ns)
{
    uint32_t slot = hash_key(name) % LIMIT_SLOTS;
    struct bucket *b = l->slot[slot];
    while (b && strcmp(b->key, name) != 0)
        b = b->next;
    if (b)
        return b;
    size_t kl = strlen(name);
    if (l->n_keys >= l->max_keys || (b = malloc(sizeof(*b) + kl + 1)) == NULL)
        return NULL;
    memcpy(b->key, name, kl + 1);
    b->kind = kind;
    b->tokens = l->burst[kind];
    b->last_ns = now_ns;
    b->next = l->slot[slot];
    l->slot[slot] = b;
    l->n_keys++;
    return b;
}

static bool take_memory(struct limit *l, const struct pick *p, int np, uint64_t now_ns, bool charge,
                        struct limit_verdict *v)
{
    struct bucket *b[LIMIT_KINDS] = {0};
    struct state st[LIMIT_KINDS] = {0};
    bool ok = true;
    pthread_mutex_lock(&l->mu);
    /* Make room first; a bucket that cannot be made refuses the request (fail closed). */
    if (l->n_keys >= l->max_keys || l->max_keys - l->n_keys < (uint32_t)np)
        evict_full(l, now_ns);
    for (int i = 0; i < np; i++) {
        b[i] = bucket_get(l, p[i].kind, p[i].name, now_ns);
        if (b[i])
            refill(l, b[i], now_ns);
    }
    for (int i = 0; i < np; i++) {
        double rate = l->rate[p[i].kind];
        double tokens = b[i] ? b[i]->tokens : 0;
        st[i].has = tokens >= 1;
        st[i].wait_s = st[i].has ? 0 : b[i] ? (1 - tokens) / rate : 1;
        ok = ok && st[i].has;
    }
    for (int i = 0; i < np; i++) {
        if (ok && charge && b[i]) /* ok: every b[i] exists */
            b[i]->tokens -= 1;
        st[i].tokens_after = b[i] ? b[i]->tokens : 0;
        st[i].full_s = (l->burst[p[i].kind] - st[i].tokens_after) / l->rate[p[i].kind];
    }
    pthread_mutex_unlock(&l->mu);
    verdict_of(l, p, st, np, ok, v);
    return ok;
}

static bool take_redis(struct limit *l, const struct pick *p, int np, bool charge,
                       struct limit_verdict *v)
{
    char rkey[LIMIT_KINDS][NAME_MAX_LEN + 4];
    struct limit_redis_bucket rb[LIMIT_KINDS];
    struct limit_redis_verdict rv[LIMIT_KINDS];
    struct state st[LIMIT_KINDS] = {0};
    bool ok = false, named = true;
    for (int i = 0; i < np; i++) {
        int w = snprintf(rkey[i], sizeof(rkey[i]), "rl:%s", p[i].name);
        named = named && w > 0 && (size_t)w < sizeof(rkey[i]);
        rb[i] = (struct limit_redis_bucket){rkey[i], l->rate[p[i].kind], l->burst[p[i].kind]};
    }
    if (named && limit_redis_take(l->redis, rb, (size_t)np, charge, rv, &ok) == AG_OK) {
        for (int i = 0; i < np; i++)
            st[i] = (struct state){rv[i].allowed, (double)rv[i].retry_us / 1e6,
                                   (double)rv[i].remaining, (double)rv[i].full_us / 1e6};
        verdict_of(l, p, st, np, ok, v);
        return ok;
    }
    v->backend_error = true;
    v->allowed = l->redis_fail_open;
    v->retry_after_s = v->allowed ? 0 : 1;
    return v->allowed;
}

bool limit_take_all(struct limit *l, const struct limit_names *n, uint64_t now_ns, bool charge,
                    struct limit_verdict *v)
{
    *v = (struct limit_verdict){0};
    struct pick p[LIMIT_KINDS];
    int np = picks_of(l, n, p);
    if (np < 0) { /* a name past NAME_MAX_LEN: refuse rather than share a cut name */
        v->retry_after_s = 1;
        return false;
    }
    if (np == 0) {
        v->allowed = true;
        return true;
    }
    return l->redis ? take_redis(l, p, np, charge, v) : take_memory(l, p, np, now_ns, charge, v);
}

bool limit_take_for(struct limit *l, const char *tenant, const char *key, uint64_t now_ns,
                    struct limit_verdict *v)
{
    struct limit_names n = {tenant, {key, NULL, NULL}};
    return limit_take_all(l, &n, now_ns, true, v);
}

bool limit_take(struct limit *l, const char *key, uint64_t now_ns, uint32_t *retry_after_s)
{
    struct limit_verdict v;
    bool ok = limit_take_for(l, NULL, key, now_ns, &v);
    if (!ok && retry_after_s)
        *retry_after_s = v.retry_after_s;
    return ok;
}

/* ---- client addresses ---------------------------------------------------------------- */

ag_err limit_ip_name(const struct sockaddr *sa, char *out, size_t n)
{
    if (!sa || n < LIMIT_IP_NAME_MAX)
        return AG_EINVAL;
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in a4;
        memcpy(&a4, sa, sizeof(a4));
        return inet_ntop(AF_INET, &a4.sin_addr, out, (socklen_t)n) ? AG_OK : AG_EINVAL;
    }
    if (sa->sa_family != AF_INET6)
        return AG_EINVAL;
    struct sockaddr_in6 a6;
    memcpy(&a6, sa, sizeof(a6));
    const unsigned char *b = a6.sin6_addr.s6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a6.sin6_addr)) /* ::ffff:a.b.c.d is the IPv4 host */
        return inet_ntop(AF_INET, b + 12, out, (socklen_t)n) ? AG_OK : AG_EINVAL;
    /* the /64: every host of one network shares a bucket */
    int w = snprintf(out, n, "%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", b[0], b[1], b[2], b[3],
                     b[4], b[5], b[6], b[7]);
    return w > 0 && (size_t)w < n ? AG_OK : AG_EINVAL;
}

bool limit_ip_admit(struct limit *l, const char *ip, uint64_t now_ns, struct limit_verdict *v)
{
    struct limit_names n = {NULL, {NULL, NULL, ip && ip[0] ? ip : NULL}};
    return limit_take_all(l, &n, now_ns, false, v);
}

void limit_ip_charge(struct limit *l, const char *ip, uint64_t now_ns)
{
    struct limit_names n = {NULL, {NULL, NULL, ip && ip[0] ? ip : NULL}};
    struct limit_verdict v;
    (void)limit_take_all(l, &n, now_ns, true, &v); /* empty already: nothing more to take */
}

/* ---- concurrency caps ---------------------------------------------------------------- */

/* The count's name, "<len>:<tenant>:<subject>" (false: cut). */
static bool conc_name(const char *tenant, const char *subject, char *out, size_t n)
{
    tenant = tenant ? tenant : "";
    int w = snprintf(out, n, "%zu:%s:%s", strlen(tenant), tenant, subject ? subject : "");
    return w > 0 && (size_t)w < n;
}

bool limit_conc_acquire(struct limit *l, const char *tenant, const char *subject, unsigned max)
{
    if (max == 0)
        return true;
    char name[NAME_MAX_LEN];
    if (!conc_name(tenant, subject, name, sizeof(name)))
        return false;
    uint32_t slot = hash_key(name) % LIMIT_SLOTS;
    bool ok = false;
    pthread_mutex_lock(&l->mu);
    struct conc *e = l->conc[slot];
    while (e && strcmp(e->key, name) != 0)
        e = e->next;
    size_t kl = strlen(name);
    if (!e && l->n_conc < l->max_keys && (e = malloc(sizeof(*e) + kl + 1)) != NULL) {
        memcpy(e->key, name, kl + 1);
        e->n = 0;
        e->next = l->conc[slot];
        l->conc[slot] = e;
        l->n_conc++;
    }
    if (e && e->n < max) {
        e->n++;
        l->in_flight++;
        ok = true;
    }
    pthread_mutex_unlock(&l->mu);
    return ok;
}

void limit_conc_release(struct limit *l, const char *tenant, const char *subject)
{
    char name[NAME_MAX_LEN];
    if (!conc_name(tenant, subject, name, sizeof(name)))
        return;
    uint32_t slot = hash_key(name) % LIMIT_SLOTS;
    pthread_mutex_lock(&l->mu);
    struct conc **pp = &l->conc[slot];
    while (*pp && strcmp((*pp)->key, name) != 0)
        pp = &(*pp)->next;
    struct conc *e = *pp;
    assert(e && e->n > 0); /* a release without its acquire is our bug */
    if (e && e->n > 0) {
        e->n--;
        l->in_flight--;
        if (e->n == 0) {
            *pp = e->next;
            free(e);
            l->n_conc--;
        }
    }
    pthread_mutex_unlock(&l->mu);
}

uint64_t limit_conc_in_flight(struct limit *l)
{
    pthread_mutex_lock(&l->mu);
    uint64_t n = l->in_flight;
    pthread_mutex_unlock(&l->mu);
    return n;
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
