/*
 * agent/agent.h: the turn (one customer request as it flows through the system) and the
 * pipeline that runs the ordered list of stages over it (see pipeline.c: read it first).
 * OWNERSHIP: a turn owns its arena; everything a stage attaches to the turn comes from
 * it, and turn_release() frees it all. The env is borrowed and outlives every turn.
 * THREADS: a turn belongs to one thread; the env's services are thread-safe.
 */
#ifndef AG_AGENT_AGENT_H
#define AG_AGENT_AGENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/catalog.h"
#include "audit/audit.h"
#include "auth/auth.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "guard/answer.h"
#include "guard/input.h"
#include "kb/kb.h"
#include "limit/limit.h"
#include "core/json.h"
#include "llm/backend.h"
#include "llm/cost.h"
#include "llm/llm.h"
#include "obs/obs.h"

/* The shared services every turn may use; created by main, read-only afterwards. */
struct agent_env {
    const struct config *cfg;
    struct kb *kb;
    struct auth *auth; /* NULL: turns come from the trusted CLI, no auth stage check */
    struct limit *limit;
    struct audit *audit;
    struct metrics *metrics;
    const struct guard_inject *inject; /* injection detector (rules + classifier) */
    struct guard_vault *vault;         /* PII placeholders -> values, per session */
    /* generation: cfg->llm_backends in order; the extractive answer is the last fall-back
     * whether listed or not */
    struct llm_backend *backends[3];
    size_t n_backends;
    const char *system_prompt;      /* the agent's instructions for generative backends */
    const char *model_id;           /* the model name clients use (/v1/models) */
    struct llm_prices *prices;      /* cost per model (NULL: everything costs 0) */
    struct catalog_cache *catalogs; /* the tenants' catalogues for guard_out (NULL: none) */
    const char *canary;             /* cfg->prompt_canary, or NULL: forbidden in answers */
};

/* guard_out: one answer that was checked (the first, a retry, the extractive fall-back) */
struct turn_attempt {
    const char *source;  /* "generated", "retry", "extractive" */
    const char *backend; /* the backend that wrote it */
    bool grounded;
    size_t flagged;   /* sentences that failed */
    const char *why;  /* the first failing sentence's reason (ANSWER_WHY_*), or NULL */
    char detail[160]; /* what was wrong, for people */
};
#define TURN_MAX_ATTEMPTS 4

#define TURN_MAX_STAGES 16

struct turn_stage {
    const char *name;
    double ms;
    const char *outcome; /* "ok", "stop", "skipped" */
};

struct turn {
    struct arena arena;
    const struct agent_env *env;
    /* request (borrowed from the transport until the turn ends) */
    const char *body;
    size_t body_len;
    const char *authorization; /* the Authorization header, or NULL */
    unsigned allowed_roles;    /* the route's rule; AUTH_PUBLIC never reaches a turn */
    bool trusted;              /* the CLI: the local operator, no key needed */
    /* the peer's address bucket name (limit_ip_name), "" when unknown */
    char client_ip[LIMIT_IP_NAME_MAX];
    char trace_id[33];
    /* filled by the stages */
    struct auth_identity who;
    const char *question; /* after guard_in: personal data replaced by placeholders */
    size_t question_len;
    const char *session; /* the body's "session", or NULL */
    bool consent;        /* the body's "consent": the subject agreed to storage */
    bool consent_given;  /* the body had a "consent" field (consent says which way) */
    const char *subject; /* the data subject: the body's "subject" (chat: "user"), or NULL */
    uint64_t t0_ns;      /* when the turn started (monotonic) */
    /* guard_in */
    bool guarded; /* guard_in checked the question: guard is set */
    struct guard_input_result guard;
    unsigned passages_dropped; /* retrieved passages that scored as injections */
    enum text_lang lang;
    struct kb_result retrieved;
    struct llm_answer answer;
    int64_t audit_seq;
    const char *outcome; /* answered, dont_know, rejected_* , error */
    /* the result */
    int status;
    const char *err_type, *err_code;
    char err_message[256];
    uint32_t retry_after_s;
    /* the key's bucket as stage_limit saw it, for RateLimit-* headers (known: it ran and
     * the backend answered) */
    bool ratelimit_known;
    uint32_t ratelimit_limit, ratelimit_remaining, ratelimit_reset_s;
    bool conc_held; /* stage_limit counted this turn in flight (limit_concurrent_per_key) */
    struct turn_stage stages[TURN_MAX_STAGES];
    size_t n_stages;
    struct buf response; /* JSON body to send (SSE events for a streamed chat) */
    bool stopped;        /* a stage stopped the turn */
    /* POST /v1/chat/completions: the OpenAI-compatible request (turn_parse_chat_body) */
    bool chat;
    struct llm_message *history; /* messages before the question (guarded with it) */
    size_t n_history;
    unsigned max_tokens;
    float temperature, top_p;
    uint64_t seed;
    const char *stop[LLM_MAX_STOP];
    size_t n_stop;
    const char *user;
    bool stream, include_usage;
    int64_t created; /* unix seconds, the reply's "created" */
    /* streaming: answer text goes to the transport's sink as it is made (NULL: none) */
    bool (*sink)(void *ctx, const char *text, size_t len);
    void *sink_ctx;
    const atomic_bool *cancel; /* the client went away */
    /* generation */
    struct llm_usage usage;
    enum llm_finish finish;
    const char *backend; /* the backend that answered */
    bool streamed;       /* answer text reached the sink */
    size_t passages_used;
    int64_t cost_units; /* pico-euros spent on this turn's generation (core/money.h) */
    /* guard_out (guard_out.c) */
    struct llm_answer extractive; /* the extractive answer (the last fall-back) */
    uint64_t gen_deadline_ns;     /* generation, retries included, ends by then */
    bool gate_rejected;           /* the stream gate refused the answer before any of it was sent */
    struct catalog *catalog;      /* the tenant's, held from the first check to turn_release */
    bool checked;                 /* check holds the verdicts of the answer given */
    struct answer_check_result check;
    const char *checked_text; /* the text check ran on (placeholders, not values) */
    size_t checked_len;
    const size_t *check_order; /* its passage i was hit check_order[i] (NULL: hit i) */
    const char *answer_source; /* generated|retry|extractive|dont_know (NULL: none checked) */
    struct turn_attempt attempts[TURN_MAX_ATTEMPTS];
    size_t n_attempts;
    bool corrected; /* a streamed answer stopped at a failing sentence (correction event) */
    struct answer_sentence_verdict correction; /* that sentence's verdict */
    double ex_support;   /* the extractive answer's support of the question (retrieval) */
    double conf_support; /* the answer's support: the least of its sentences' */
    bool escalate;       /* confidence below escalate_below (or nothing known) */
    const char *escalate_reason;
};

/* Start a turn with a fresh trace id. */
ag_err turn_init(struct turn *t, const struct agent_env *env);
void turn_release(struct turn *t);
/* Stop the turn with an HTTP status and a JSON error; fmt is a message for the client. */
void turn_fail(struct turn *t, int status, const char *type, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* May this turn's message content outlive the turn (config store_content and the
 * request's consent)? Every store of content asks this first. */
bool turn_may_store(const struct turn *t);

/* Parse and validate t->body as a POST /v1/ask body (DESIGN.md §5): sets question,
 * lang. On bad input returns AG_EINVAL (or AG_ETOOBIG) after turn_fail() set 400/413. */
ag_err turn_parse_body(struct turn *t);

/* Parse and validate t->body as a POST /v1/chat/completions body (OpenAI's shape; see
 * chat.c): sets chat, question (the last user message), history and the sampling
 * fields. On bad input AG_EINVAL/AG_ETOOBIG after turn_fail() set the status. */
ag_err turn_parse_chat_body(struct turn *t);

/* Run every stage over t (stopping early on a stage's STOP; audit and respond always
 * run). Afterwards t->status and t->response hold the reply. */
void pipeline_run(struct turn *t);
/* The same in two parts, for transports that answer generation asynchronously:
 * pipeline_prepare runs the stages before generate and returns true when the turn goes
 * on to generation; pipeline_finish runs the rest (generate if needed, audit, respond). */
bool pipeline_prepare(struct turn *t);
void pipeline_finish(struct turn *t);
/* Give back the turn's in-flight slot (limit_concurrent_per_key) if it holds one; a
 * no-op otherwise. pipeline_finish does it before the reply is sent, so a client that
 * got its reply may start the next turn at once; turn_release does it too. */
void pipeline_release_slot(struct turn *t);

/* ---- the OpenAI-compatible reply shapes (chat.c) ---- */
/* A whole chat.completion object for t (after respond's checks) into out. */
ag_err chat_render(struct turn *t, json_t *agentgate, struct buf *out);
/* The end of a streamed chat: the last chunk with its finish_reason, the usage chunk
 * (include_usage), a chunk with the agentgate object, then "data: [DONE]"; or, when the
 * answer was cut or the turn failed after the stream began, an error event instead of
 * [DONE]. */
ag_err chat_stream_tail(struct turn *t, json_t *agentgate, struct buf *out);
/* One SSE event "data: {chat.completion.chunk}\n\n" with content text[0..n) (role: the
 * first chunk's "assistant"; finish: the finish_reason or NULL). */
ag_err chat_sse_chunk(const struct turn *t, const char *role, const char *text, size_t n,
                      const char *finish, struct buf *out);

#endif
