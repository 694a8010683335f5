/*
 * obs/obs.h: Prometheus metrics: requests by route and status, in-flight requests, a
 * latency histogram per pipeline stage, the input guard's verdicts, personal data
 * values replaced and sessions held in the PII vault, and generation: tokens and cost per
 * tenant, API key and model, unpriced models, outcomes and first-token latency per backend.
 * Label values from outside the code (tenant, key id, model, backend) are cut to 63 bytes
 * and escaped; each such table has a fixed size, and once it is full new label values are
 * counted in one series whose labels are all "other" (so nothing is dropped and the number
 * of series stays bounded).
 * THREADS: safe from any thread; counters are guarded by one mutex held for a few
 * instructions (never across I/O).
 */
#ifndef AG_OBS_OBS_H
#define AG_OBS_OBS_H

#include <stdbool.h>
#include <stdint.h>

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
/* One turn through the output guard: checks passed and failed, the source of the answer
 * given (generated|retry|extractive|dont_know), whether a human should look.
 * agentgate_answer_checks_total, agentgate_answers_total, agentgate_escalations_needed_total. */
void metrics_guard_out(struct metrics *m, const char *source, unsigned passed, unsigned failed,
                       bool escalate);
/* One rate-limit check that the Redis backend could not answer:
 * agentgate_limit_redis_errors_total. */
void metrics_limit_redis_error(struct metrics *m);
/* One request or connection the HTTP server refused before any handler ran:
 * agentgate_http_rejected_total{reason}. reason is one of "header_count", "header_bytes"
 * (431), "overloaded" (503: max_inflight), "request_timeout" (cut: request_timeout_s);
 * anything else counts as "other". */
void metrics_http_rejected(struct metrics *m, const char *reason);
/* One generation's tokens and cost: agentgate_llm_tokens_total{tenant,key,model,kind} and
 * agentgate_llm_cost_eur_total{tenant,key,model}. key is the API key's id (never the
 * secret); cost_units is in pico-euros (core/money.h; llm/cost.h computes it), rendered
 * as an exact EUR decimal; negative costs count as 0. 256 series, then "other". */
void metrics_llm_usage(struct metrics *m, const char *tenant, const char *key, const char *model,
                       uint32_t prompt, uint32_t completion, int64_t cost_units);
/* One generation by an upstream model the price table does not list (llm_cost.priced ==
 * false): agentgate_llm_unpriced_total{model}. 32 series, then "other". */
void metrics_llm_unpriced(struct metrics *m, const char *model);
/* One generation's end: agentgate_llm_requests_total{backend,outcome}. outcome is one of
 * "stop", "length", "cancelled", "deadline", "cut" (llm_finish_name()), "error" (failed
 * before any text), "fallback" (failed, and the next backend was tried) or "rejected"
 * (the output guard's stream gate stopped it at a failing sentence); anything else counts
 * as "other". backend is the backend's kind; 8 backends, then "other". */
void metrics_llm_request(struct metrics *m, const char *backend, const char *outcome);
/* Seconds from the start of a generation to its first piece of text (llm_usage's
 * first_token_ms / 1000): agentgate_llm_first_token_seconds{backend}. */
void metrics_llm_first_token(struct metrics *m, const char *backend, double seconds);
/* Append the Prometheus text exposition (format 0.0.4) to out. */
ag_err metrics_render(struct metrics *m, struct buf *out);

#endif
