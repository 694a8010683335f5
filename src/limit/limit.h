/*
 * limit/limit.h: in-process token buckets, one per key. Each bucket holds up to burst
 * tokens and refills at rate per second; a request takes one token.
 * Daily budgets per key: model tokens and cost (EUR, as integer pico-euros, core/money.h)
 * spent in the current UTC day, checked before a turn and charged after it; the spend
 * starts again from 0 at 00:00 UTC. Budgets live in this process only: each instance of
 * agentgate counts on its own and a restart forgets the day's spend.
 * The buckets live in this process (limit_backend = memory) or in Redis (redis), where
 * every instance that names the same Redis shares one bucket per tenant and key.
 * Besides the key's bucket a request may have a subject's bucket (tenant + JWT sub) and
 * a client address's bucket (IPv4, or the IPv6 /64), each with its own rate (0: off).
 * One take checks all of a request's buckets at once: it is admitted only when every
 * bucket has a token, and a refused request takes no token from any bucket (on Redis
 * this is one Lua script call). Key and subject buckets are named with their tenant;
 * the address bucket is not, since it is checked before anyone is authenticated.
 * Concurrency caps count the turns in flight per tenant + subject, in this process.
 * THREADS: safe from any thread; buckets and spend are guarded by one mutex (never held
 * across I/O); the Redis backend has its own pool lock (limit/redis.c).
 */
#ifndef AG_LIMIT_LIMIT_H
#define AG_LIMIT_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct limit;
/* max_keys bounds memory: when full, buckets that have refilled completely are dropped
 * (they are indistinguishable from new ones); if none has, take() fails closed. */
ag_err limit_create(double rate, double burst, uint32_t max_keys, struct limit **out);
void limit_destroy(struct limit *l); /* NULL is a no-op */
/* Take one token for key at monotonic time now_ns. false: over the limit, and
 * *retry_after_s says when the next token is due (whole seconds, at least 1). */
bool limit_take(struct limit *l, const char *key, uint64_t now_ns, uint32_t *retry_after_s);

/* Choose the buckets' backend from cfg->limit_backend: memory (nothing to do) or redis
 * (cfg->redis_url, redis_connect_ms, redis_command_ms, limit_on_redis_error; a pool of
 * `pool` connections, opened lazily). Call before the first take, from one thread.
 * AG_ECONFIG (logged) for a malformed redis_url; AG_ENOMEM. */
ag_err limit_backend_configure(struct limit *l, const struct config *cfg, unsigned pool);

enum limit_kind { LIMIT_KEY, LIMIT_SUBJECT, LIMIT_IP };
#define LIMIT_KINDS 3

/* "key", "subject" or "ip". */
const char *limit_kind_name(enum limit_kind k);

/* Turn the subject or the address buckets on (rate > 0 per second, burst >= 1) or off
 * (rate 0). The key's buckets are set by limit_create and cannot be turned off here.
 * Call before the first take, from one thread. AG_EINVAL for LIMIT_KEY or bad numbers. */
ag_err limit_kind_configure(struct limit *l, enum limit_kind k, double rate, double burst);
/* The subject's and the address's buckets from cfg->limit_subject_rate/_burst and
 * cfg->limit_ip_rate/_burst (rate 0: off). AG_EINVAL (logged) for bad numbers. */
ag_err limit_kinds_configure(struct limit *l, const struct config *cfg);
/* Is that kind of bucket on? */
bool limit_kind_on(const struct limit *l, enum limit_kind k);

struct limit_verdict {
    bool allowed;
    enum limit_kind kind;   /* the limiting bucket: the refusing one, else the one with the
                             * fewest tokens left (the numbers below are its) */
    bool backend_error;     /* Redis failed: allowed follows limit_on_redis_error */
    uint32_t limit;         /* the burst (RateLimit-Limit) */
    uint32_t remaining;     /* whole tokens left after this take (RateLimit-Remaining) */
    uint32_t reset_s;       /* seconds until the bucket is full again (RateLimit-Reset) */
    uint32_t retry_after_s; /* refused: seconds until a token is due, 1 .. 86400 */
};

/* limit_take() with the verdict in full, for key of tenant (the Redis key is
 * rl:<tenant>:<key>). With the redis backend now_ns is unused: Redis's clock counts. When
 * Redis fails, v->backend_error is set and the policy decides: closed refuses (retry
 * after 1 s), open allows; nothing is known of the bucket then (limit, remaining and
 * reset are 0). Returns v->allowed. */
bool limit_take_for(struct limit *l, const char *tenant, const char *key, uint64_t now_ns,
                    struct limit_verdict *v);

/* The buckets of one request: tenant, and a name per kind (NULL: not checked). */
struct limit_names {
    const char *tenant;
    const char *name[LIMIT_KINDS];
};

/* Check every bucket of n whose kind is on, atomically: admitted when each has a token;
 * then, if charge, each gives one. A refused request takes nothing from any bucket; v
 * names the refusing bucket (the one whose token is due last). charge false only looks.
 * With no bucket to check it admits and v->limit is 0. Redis failures as in
 * limit_take_for. Returns v->allowed. */
bool limit_take_all(struct limit *l, const struct limit_names *n, uint64_t now_ns, bool charge,
                    struct limit_verdict *v);

/* The address bucket's name for a peer address: "a.b.c.d" for IPv4 (and IPv4-mapped
 * IPv6), "xxxx:xxxx:xxxx:xxxx::/64" for IPv6 (one bucket per /64: a host usually holds a
 * whole /64). AG_EINVAL for any other family or n < LIMIT_IP_NAME_MAX. */
#define LIMIT_IP_NAME_MAX 32 /* bytes out needs, NUL included */
struct sockaddr;
ag_err limit_ip_name(const struct sockaddr *sa, char *out, size_t n);

/* Before authentication: may address ip go on? Looks at its bucket without taking a
 * token. true when address buckets are off or ip is NULL or "". */
bool limit_ip_admit(struct limit *l, const char *ip, uint64_t now_ns, struct limit_verdict *v);
/* A failed authentication from ip takes a token of its bucket (when it has one), so
 * guessing credentials runs into the address limit. */
void limit_ip_charge(struct limit *l, const char *ip, uint64_t now_ns);

/* ---- concurrency caps ---- */

/* One more turn in flight for subject of tenant, if fewer than max are: true (the caller
 * must call limit_conc_release once, on every path), false when max are in flight or the
 * table is full (max_keys subjects in flight). max 0: always true, nothing counted, and
 * no release is due. */
bool limit_conc_acquire(struct limit *l, const char *tenant, const char *subject, unsigned max);
void limit_conc_release(struct limit *l, const char *tenant, const char *subject);
/* Turns in flight in all, over every subject (a gauge). */
uint64_t limit_conc_in_flight(struct limit *l);

/* Redis failures counted so far (0 with the memory backend). */
uint64_t limit_backend_errors(const struct limit *l);

/* ---- daily budgets ---- */

/* Set the daily budgets of every key from cfg->budget_tokens_day and cfg->budget_eur_day
 * (0: no such budget; an EUR amount past the int64 range of pico-euros, about 9.2 million
 * EUR, counts as no limit either). The spend of the day so far is kept. AG_EINVAL for a
 * negative or NaN amount. */
ag_err limit_budget_configure(struct limit *l, const struct config *cfg);

enum limit_budget_verdict {
    LIMIT_BUDGET_OK,     /* under every budget */
    LIMIT_BUDGET_TOKENS, /* the token budget is used up */
    LIMIT_BUDGET_EUR,    /* the cost budget is used up */
    LIMIT_BUDGET_FULL,   /* the spend table is full of keys active today: fail closed */
};

struct limit_budget_state {
    enum limit_budget_verdict verdict;
    uint64_t tokens_used, tokens_day; /* spent today; the budget (0 = none) */
    int64_t units_used, units_day;    /* the same in pico-euros */
    uint32_t retry_after_s;           /* seconds until 00:00 UTC: 1 .. 86400 */
};

/* May key start a turn at Unix time now_unix_s? false when its spend today is at or over
 * either budget, or when a new key finds the spend table full (max_keys keys already spent
 * today; entries of earlier days make room), and then the caller answers 429 with
 * limit_budget_message() and Retry-After st->retry_after_s. With no budget configured it
 * always says true and tracks nothing. A key that passes has its entry for the day, so
 * the charge after its turn cannot be lost to a full table. *st (may be NULL) gets the
 * spend, the budgets and the verdict. A turn that passes may take the spend over the
 * budget (it is charged after it ran); the next check stops the key. */
bool limit_budget_check(struct limit *l, const char *key, int64_t now_unix_s,
                        struct limit_budget_state *st);

/* Add a finished turn's tokens (prompt + completion) and cost (pico-euros, >= 0) to key's
 * spend for the UTC day of now_unix_s; sums saturate. A no-op with no budget configured.
 * AG_EINVAL for a negative cost; AG_EBUSY when the key has no entry and the table is full
 * (only when the turn was not checked first). */
ag_err limit_budget_charge(struct limit *l, const char *key, int64_t now_unix_s, uint64_t tokens,
                           int64_t cost_units);

/* The text of a refusal for the client, naming the budget ("daily token budget of 100000
 * tokens for this key is used up; it resets at 00:00 UTC"), into out (cut to n bytes,
 * NUL-terminated); returns its length, 0 for LIMIT_BUDGET_OK. */
size_t limit_budget_message(const struct limit_budget_state *st, char *out, size_t n);

#endif
