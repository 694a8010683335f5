// SPDX-License-Identifier: MIT
/*
 * limit/redis.c: token buckets on Redis, so that N instances of agentgate share one limit.
 * One Lua script refills and takes a token from each of a request's buckets atomically
 * on the server (all or none), with the server's clock (TIME), so instances whose clocks disagree
 * still agree on the bucket. A bucket is a hash {t: tokens, ts: microseconds} that expires once it
 * would be full again (then it equals a new one). The script is loaded once per connection (SCRIPT
 * LOAD) and run with EVALSHA; a NOSCRIPT answer (Redis restarted) falls back to EVAL, which caches
 * it again. Connections come from a small pool; after a failure every idle connection is dropped
 * and no new one is tried for a back-off (50 ms doubling to 2 s), so a dead Redis costs
 * requests no connect timeout each. Replies are untrusted: every element's type is checked.
 * hiredis writes with write(2): the process must ignore SIGPIPE (main() does).
 * THREADS: pool, back-off and log throttle are guarded by r->mu, never held across I/O;
 * a connection taken from the pool is owned by one thread until it is put back.
 */
#include "limit/limit_internal.h"

#include <errno.h>
#include <hiredis.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"

#define BACKOFF_MIN_NS (50ull * 1000 * 1000)
#define BACKOFF_MAX_NS (2000ull * 1000 * 1000)
#define LOG_EVERY_NS   (10ull * 1000 * 1000 * 1000)
#define SHA_LEN        40

/* KEYS[1..n] buckets; ARGV[1] charge (1 or 0), then per bucket rate/s, burst, expiry ms.
 * Every bucket is refilled first; only when each has a token, and charge is 1, does each
 * give one and get written back: a refused request changes nothing. Returns {admitted,
 * then per bucket: has_token, retry_us, remaining, full_us}. Numbers are stored with %.17g
 * / %.0f: tostring() keeps only 14 digits, too few for microseconds since 1970. */
static const char script[] =
    "if redis.replicate_commands then redis.replicate_commands() end\n"
    "local charge = tonumber(ARGV[1])\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local tk, st, ok = {}, {}, 1\n"
    "for i = 1, #KEYS do\n"
    "  local rate = tonumber(ARGV[3 * i - 1])\n"
    "  local burst = tonumber(ARGV[3 * i])\n"
    "  local v = redis.call('HMGET', KEYS[i], 't', 'ts')\n"
    "  local tokens = tonumber(v[1])\n"
    "  local ts = tonumber(v[2])\n"
    "  if tokens == nil or ts == nil or tokens > burst then tokens = burst; ts = now end\n"
    "  if now > ts then\n"
    "    tokens = math.min(burst, tokens + (now - ts) * rate / 1000000)\n"
    "    ts = now\n"
    "  end\n"
    "  tk[i] = tokens; st[i] = ts\n"
    "  if tokens < 1 then ok = 0 end\n"
    "end\n"
    "local out = {ok}\n"
    "for i = 1, #KEYS do\n"
    "  local rate = tonumber(ARGV[3 * i - 1])\n"
    "  local burst = tonumber(ARGV[3 * i])\n"
    "  local tokens, has, wait = tk[i], 1, 0\n"
    "  if tokens < 1 then has = 0; wait = math.ceil((1 - tokens) * 1000000 / rate) end\n"
    "  if ok == 1 and charge == 1 then\n"
    "    tokens = tokens - 1\n"
    "    redis.call('HSET', KEYS[i], 't', string.format('%.17g', tokens),\n"
    "               'ts', string.format('%.0f', st[i]))\n"
    "    redis.call('PEXPIRE', KEYS[i], ARGV[3 * i + 1])\n"
    "  end\n"
    "  out[#out + 1] = has\n"
    "  out[#out + 1] = wait\n"
    "  out[#out + 1] = math.floor(tokens)\n"
    "  out[#out + 1] = math.ceil((burst - tokens) * 1000000 / rate)\n"
    "end\n"
    "return out\n";

struct conn {
    redisContext *ctx;
    char sha[SHA_LEN + 1]; /* of the script on this connection's server; "" = not loaded */
};

struct limit_redis {
    struct limit_redis_params p;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct conn **idle; /* p.pool slots */
    unsigned n_idle, n_open;
    uint64_t retry_at_ns, backoff_ns; /* no connect before retry_at_ns */
    uint64_t logged_ns, unlogged;     /* the log throttle */
    atomic_uint_fast64_t errors;
};

/* ---- URL ---------------------------------------------------------------------------- */

static bool parse_uint(const char *p, size_t n, unsigned max, unsigned *out)
{
    if (n == 0 || n > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

ag_err limit_redis_parse_url(const char *url, struct limit_redis_params *p, char *why,
                             size_t why_len)
{
    static const char scheme[] = "redis://";
    const char *s = url;
    if (strncmp(s, scheme, sizeof(scheme) - 1) != 0) {
        snprintf(why, why_len, "must start with redis://");
        return AG_EINVAL;
    }
    s += sizeof(scheme) - 1;
    const char *host = s, *host_end;
    if (*s == '[') { /* [IPv6] */
        host = ++s;
        while (*s && *s != ']') {
            if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
                  (*s >= 'A' && *s <= 'F') || *s == ':' || *s == '.')) {
                snprintf(why, why_len, "bad character in the IPv6 address");
                return AG_EINVAL;
            }
            s++;
        }
        if (*s != ']') {
            snprintf(why, why_len, "unclosed [ in the host");
            return AG_EINVAL;
        }
        host_end = s++;
    } else {
        while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
               *s == '.' || *s == '-')
            s++;
        host_end = s;
    }
    size_t hl = (size_t)(host_end - host);
    if (hl == 0 || hl >= sizeof(p->host)) {
        snprintf(why, why_len, "the host is empty or too long");
        return AG_EINVAL;
    }
    unsigned port = 6379, db = 0;
    if (*s == ':') {
        const char *q = ++s;
        while (*s >= '0' && *s <= '9')
            s++;
        if (!parse_uint(q, (size_t)(s - q), 65535, &port) || port == 0) {
            snprintf(why, why_len, "the port must be 1..65535");
            return AG_EINVAL;
        }
    }
    if (*s == '/') {
        const char *q = ++s;
        while (*s >= '0' && *s <= '9')
            s++;
        if (s != q && !parse_uint(q, (size_t)(s - q), 15, &db)) {
            snprintf(why, why_len, "the database must be 0..15");
            return AG_EINVAL;
        }
    }
    if (*s != '\0') {
        snprintf(why, why_len, "unexpected '%c' (only redis://HOST[:PORT][/DB])", *s);
        return AG_EINVAL;
    }
    memcpy(p->host, host, hl);
    p->host[hl] = '\0';
    p->port = port;
    p->db = db;
    return AG_OK;
}

/* ---- pool ---------------------------------------------------------------------------- */

ag_err limit_redis_create(const struct limit_redis_params *p, struct limit_redis **out)
{
    if (p->pool == 0 || p->pool > 256 || p->port == 0 || p->port > 65535 || !p->host[0])
        return AG_EINVAL;
    struct limit_redis *r = calloc(1, sizeof(*r));
    if (!r)
        return AG_ENOMEM;
    r->idle = calloc(p->pool, sizeof(struct conn *));
    if (!r->idle) {
        free(r);
        return AG_ENOMEM;
    }
    r->p = *p;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    atomic_init(&r->errors, 0);
    *out = r;
    return AG_OK;
}

static void conn_free(struct conn *c)
{
    if (!c)
        return;
    if (c->ctx)
        redisFree(c->ctx);
    free(c);
}

void limit_redis_destroy(struct limit_redis *r)
{
    if (!r)
        return;
    for (unsigned i = 0; i < r->n_idle; i++)
        conn_free(r->idle[i]);
    free(r->idle);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

uint64_t limit_redis_errors(const struct limit_redis *r)
{
    return atomic_load_explicit(&r->errors, memory_order_relaxed);
}

static struct timeval tv_of_ms(unsigned ms)
{
    return (struct timeval){.tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000};
}

/* Log an error, at most one line per 10 s (a dead Redis must not flood the log); the
 * count is limit_redis_take's. */
static void note_error(struct limit_redis *r, const char *what, const char *detail)
{
    uint64_t now = clock_mono_ns(), skipped = 0;
    bool say = false;
    pthread_mutex_lock(&r->mu);
    if (r->logged_ns == 0 || now - r->logged_ns >= LOG_EVERY_NS) {
        say = true;
        skipped = r->unlogged;
        r->unlogged = 0;
        r->logged_ns = now;
    } else {
        r->unlogged++;
    }
    pthread_mutex_unlock(&r->mu);
    if (say)
        log_warn("limit: redis error=%s detail=%.120s host=%s port=%u errors_total=%" PRIu64
                 " unlogged=%" PRIu64,
                 what, detail ? detail : "", r->p.host, r->p.port, limit_redis_errors(r) + 1,
                 skipped);
}

/* A new connection (no lock held: this does network I/O), with SELECT db and the script
 * loaded; NULL on any failure, which is logged. */
static struct conn *conn_open(struct limit_redis *r)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->ctx = redisConnectWithTimeout(r->p.host, (int)r->p.port, tv_of_ms(r->p.connect_ms));
    if (!c->ctx || c->ctx->err) {
        note_error(r, "connect", c->ctx ? c->ctx->errstr : "out of memory");
        goto fail;
    }
    if (redisSetTimeout(c->ctx, tv_of_ms(r->p.command_ms)) != REDIS_OK) {
        note_error(r, "timeout", c->ctx->errstr);
        goto fail;
    }
    if (r->p.db != 0) {
        redisReply *sel = redisCommand(c->ctx, "SELECT %u", r->p.db);
        bool sel_ok = sel && sel->type == REDIS_REPLY_STATUS;
        if (!sel_ok)
            note_error(r, "select",
                       sel && sel->type == REDIS_REPLY_ERROR ? sel->str : c->ctx->errstr);
        if (sel)
            freeReplyObject(sel);
        if (!sel_ok)
            goto fail;
    }
    redisReply *rep = redisCommand(c->ctx, "SCRIPT LOAD %s", script);
    bool ok = rep && rep->type == REDIS_REPLY_STRING && rep->len == SHA_LEN;
    for (size_t i = 0; ok && i < SHA_LEN; i++) {
        char ch = rep->str[i];
        ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
    }
    if (ok)
        memcpy(c->sha, rep->str, SHA_LEN);
    else
        note_error(r, "script load",
                   rep && rep->type == REDIS_REPLY_ERROR ? rep->str : c->ctx->errstr);
    if (rep)
        freeReplyObject(rep);
    if (!ok)
        goto fail;
    return c;
fail:
    conn_free(c);
    return NULL;
}

/* A connection for this thread: an idle one, else a new one while fewer than p.pool are
 * open, else wait up to command_ms for one to come back. NULL during the back-off after a
 * failure, when the wait runs out, or when connecting fails. */
static struct conn *conn_get(struct limit_redis *r)
{
    struct conn *c = NULL;
    bool dial = false;
    /* CLOCK_REALTIME: pthread_cond_timedwait's clock */
    struct timespec until = clock_after_ms(CLOCK_REALTIME, r->p.command_ms);
    pthread_mutex_lock(&r->mu);
    for (;;) {
        if (r->retry_at_ns && clock_mono_ns() < r->retry_at_ns)
            break;
        if (r->n_idle > 0) {
            c = r->idle[--r->n_idle];
            break;
        }
        if (r->n_open < r->p.pool) {
            r->n_open++;
            dial = true;
            break;
        }
        if (pthread_cond_timedwait(&r->cv, &r->mu, &until) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&r->mu);
    if (dial) {
        c = conn_open(r);
        if (!c) {
            pthread_mutex_lock(&r->mu);
            r->n_open--;
            r->backoff_ns = r->backoff_ns ? r->backoff_ns * 2 : BACKOFF_MIN_NS;
            if (r->backoff_ns > BACKOFF_MAX_NS)
                r->backoff_ns = BACKOFF_MAX_NS;
            r->retry_at_ns = clock_mono_ns() + r->backoff_ns;
            pthread_mutex_unlock(&r->mu);
            pthread_cond_signal(&r->cv);
        }
    }
    return c;
}

/* Give c back. broken: the connection failed, so it and every idle one (they went to the
 * same server) are closed, and the back-off starts. */
static void conn_put(struct limit_redis *r, struct conn *c, bool broken)
{
    struct conn *drop[257];
    unsigned n_drop = 0;
    pthread_mutex_lock(&r->mu);
    if (broken) {
        drop[n_drop++] = c;
        while (r->n_idle > 0)
            drop[n_drop++] = r->idle[--r->n_idle];
        r->n_open -= n_drop;
        r->backoff_ns = r->backoff_ns ? r->backoff_ns * 2 : BACKOFF_MIN_NS;
        if (r->backoff_ns > BACKOFF_MAX_NS)
            r->backoff_ns = BACKOFF_MAX_NS;
        r->retry_at_ns = clock_mono_ns() + r->backoff_ns;
    } else {
        r->idle[r->n_idle++] = c;
        r->backoff_ns = 0;
        r->retry_at_ns = 0;
    }
    pthread_mutex_unlock(&r->mu);
    pthread_cond_broadcast(&r->cv);
    for (unsigned i = 0; i < n_drop; i++) /* closing is I/O: outside the lock */
        conn_free(drop[i]);
}

/* ---- take ---------------------------------------------------------------------------- */

static bool int_elem(const redisReply *rep, size_t i, long long lo, long long hi, long long *out)
{
    const redisReply *e = rep->element[i];
    if (!e || e->type != REDIS_REPLY_INTEGER || e->integer < lo || e->integer > hi)
        return false;
    *out = e->integer;
    return true;
}

ag_err limit_redis_take(struct limit_redis *r, const struct limit_redis_bucket *b, size_t n,
                        bool charge, struct limit_redis_verdict *v, bool *admitted)
{
    enum { NUM = 32, MAXB = LIMIT_REDIS_MAX_BUCKETS };
    if (n == 0 || n > MAXB)
        return AG_EINVAL;
    char nums[MAXB][3][NUM];
    const char *argv[4 + MAXB * 4];
    size_t argc = 0;
    argv[argc++] = "EVALSHA";
    argv[argc++] = NULL; /* the script or its digest, below */
    char nkeys[4];
    snprintf(nkeys, sizeof(nkeys), "%zu", n);
    argv[argc++] = nkeys;
    for (size_t i = 0; i < n; i++) {
        if (!b[i].key || !(b[i].rate > 0) || !(b[i].burst >= 1))
            return AG_EINVAL;
        argv[argc++] = b[i].key;
    }
    argv[argc++] = charge ? "1" : "0";
    for (size_t i = 0; i < n; i++) {
        /* Idle buckets expire once they would be full again, plus a second of slack. */
        double ttl_ms = ceil(b[i].burst / b[i].rate * 1000) + 1000;
        if (ttl_ms > 86400e3 * 30)
            ttl_ms = 86400e3 * 30;
        int w1 = snprintf(nums[i][0], NUM, "%.17g", b[i].rate);
        int w2 = snprintf(nums[i][1], NUM, "%.17g", b[i].burst);
        int w3 = snprintf(nums[i][2], NUM, "%.0f", ttl_ms);
        if (w1 <= 0 || w2 <= 0 || w3 <= 0 || w1 >= NUM || w2 >= NUM || w3 >= NUM)
            return AG_EINVAL;
        for (int k = 0; k < 3; k++)
            argv[argc++] = nums[i][k];
    }
    struct conn *c = conn_get(r);
    if (!c)
        goto counted;
    argv[1] = c->sha;
    redisReply *rep = redisCommandArgv(c->ctx, (int)argc, argv, NULL);
    if (rep && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(rep);
        argv[0] = "EVAL";
        argv[1] = script;
        rep = redisCommandArgv(c->ctx, (int)argc, argv, NULL);
    }
    ag_err rc = AG_EIO;
    bool broken = false, well_formed = false;
    long long ok = 0;
    if (!rep) {
        broken = true; /* I/O error or timeout: the stream is out of step now */
        note_error(r, "command", c->ctx->errstr);
    } else if (rep->type == REDIS_REPLY_ERROR) {
        note_error(r, "reply", rep->str);
    } else {
        well_formed = rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 + 4 * n &&
                      rep->element && int_elem(rep, 0, 0, 1, &ok);
        for (size_t i = 0; well_formed && i < n; i++) {
            long long has = 0, retry = 0, left = 0, full = 0;
            well_formed = int_elem(rep, 1 + 4 * i, 0, 1, &has) &&
                          int_elem(rep, 2 + 4 * i, 0, INT64_MAX / 2, &retry) &&
                          int_elem(rep, 3 + 4 * i, 0, INT64_MAX / 2, &left) &&
                          int_elem(rep, 4 + 4 * i, 0, INT64_MAX / 2, &full);
            v[i] = (struct limit_redis_verdict){.allowed = has == 1,
                                                .retry_us = has ? 0 : (uint64_t)retry,
                                                .remaining = (uint64_t)left,
                                                .full_us = (uint64_t)full};
        }
        if (well_formed) {
            *admitted = ok == 1;
            rc = AG_OK;
        } else {
            broken = true; /* not our script's answer: trust nothing more on this connection */
            note_error(r, "malformed reply", NULL);
        }
    }
    if (rep)
        freeReplyObject(rep);
    conn_put(r, c, broken);
    if (rc == AG_OK)
        return AG_OK;
counted:
    atomic_fetch_add_explicit(&r->errors, 1, memory_order_relaxed);
    return AG_EIO;
}
