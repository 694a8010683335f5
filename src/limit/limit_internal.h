/*
 * limit/limit_internal.h: what the files of limit/ share. redis.c is the Redis backend of
 * the token buckets (the only file that includes hiredis.h); limit.c chooses it.
 * THREADS: a limit_redis is safe from any thread (its connection pool has a mutex).
 */
#ifndef AG_LIMIT_INTERNAL_H
#define AG_LIMIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define LIMIT_REDIS_HOST_MAX 256

struct limit_redis_params {
    char host[LIMIT_REDIS_HOST_MAX]; /* from the URL: a name or an IPv4/IPv6 literal */
    unsigned port;                   /* 1 .. 65535 */
    unsigned db;                     /* 0 .. 15 */
    unsigned connect_ms, command_ms; /* timeouts of a connect and of one command */
    unsigned pool;                   /* connections at most (1 .. 256) */
};

/* Parse redis://HOST[:PORT][/DB] strictly into p->host, p->port (default 6379) and p->db
 * (default 0); an IPv6 host is written in brackets. No user, password, query or fragment.
 * AG_EINVAL with a reason in why for anything else. */
ag_err limit_redis_parse_url(const char *url, struct limit_redis_params *p, char *why,
                             size_t why_len);

struct limit_redis;
/* Connects lazily: Redis may come up after agentgate. */
ag_err limit_redis_create(const struct limit_redis_params *p, struct limit_redis **out);
void limit_redis_destroy(struct limit_redis *r); /* NULL is a no-op */

#define LIMIT_REDIS_MAX_BUCKETS 4

struct limit_redis_bucket {
    const char *key; /* the Redis key */
    double rate, burst;
};

struct limit_redis_verdict {
    bool allowed;      /* this bucket had a token */
    uint64_t retry_us; /* no token: until the next one */
    uint64_t remaining;
    uint64_t full_us; /* until the bucket is full again */
};

/* Check the n buckets b (1 .. LIMIT_REDIS_MAX_BUCKETS) in one script call, atomically on
 * the Redis server and with its clock: *admitted when every bucket has a token; then, if
 * charge, each gives one, else nothing changes. v[i] is bucket i's state (after the
 * take). AG_OK: the verdicts hold. AG_EINVAL: bad arguments. AG_EIO: Redis is
 * unreachable, in back-off after a failure, answered an error or a malformed reply
 * (counted and logged at most every 10 s). */
ag_err limit_redis_take(struct limit_redis *r, const struct limit_redis_bucket *b, size_t n,
                        bool charge, struct limit_redis_verdict *v, bool *admitted);

/* Errors since create (every AG_EIO of limit_redis_take). */
uint64_t limit_redis_errors(const struct limit_redis *r);

#endif
