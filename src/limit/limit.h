/*
 * limit/limit.h: in-process token buckets, one per key. Each bucket holds up to burst
 * tokens and refills at rate per second; a request takes one token.
 * THREADS: safe from any thread; the table is guarded by one mutex (never held across I/O).
 */
#ifndef AG_LIMIT_LIMIT_H
#define AG_LIMIT_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct limit;
/* max_keys bounds memory: when full, buckets that have refilled completely are dropped
 * (they are indistinguishable from new ones); if none has, take() fails closed. */
ag_err limit_create(double rate, double burst, uint32_t max_keys, struct limit **out);
void limit_destroy(struct limit *l); /* NULL is a no-op */
/* Take one token for key at monotonic time now_ns. false: over the limit, and
 * *retry_after_s says when the next token is due (whole seconds, at least 1). */
bool limit_take(struct limit *l, const char *key, uint64_t now_ns, uint32_t *retry_after_s);

#endif
