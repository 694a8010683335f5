/*
 * obs/obs.h: Prometheus metrics: requests by route and status, in-flight requests, a
 * latency histogram per pipeline stage, and the input guard's verdicts, personal data
 * values replaced and sessions held in the PII vault.
 * THREADS: safe from any thread; counters are guarded by one mutex held for a few
 * instructions (never across I/O).
 */
#ifndef AG_OBS_OBS_H
#define AG_OBS_OBS_H

#include "core/buf.h"
#include "core/err.h"

struct metrics;
ag_err metrics_create(struct metrics **out);
void metrics_destroy(struct metrics *m); /* NULL is a no-op */
/* route is a fixed route pattern (never a raw URL: that would explode cardinality). */
void metrics_request(struct metrics *m, const char *route, int status);
void metrics_stage(struct metrics *m, const char *stage, double seconds);
void metrics_inflight(struct metrics *m, int delta);
/* verdict: one of "allow", "flag", "block", "escalate" (others count as "other"). */
void metrics_guard(struct metrics *m, const char *verdict, unsigned pii_values);
void metrics_pii_sessions(struct metrics *m, size_t sessions);
/* Append the Prometheus text exposition (format 0.0.4) to out. */
ag_err metrics_render(struct metrics *m, struct buf *out);

#endif
