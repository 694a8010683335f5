/*
 * llm/backend.h: the one interface every answer backend implements: `llama` (in-process
 * llama.cpp with continuous batching, engine.c), `openai` (a pool of OpenAI-compatible
 * upstreams, openai.c) and `extractive` (quotes the retrieved passages, extractive.c).
 *
 * A generation is one blocking call on the caller's thread: the text comes back through
 * on_piece as it is produced (on the caller's thread, in order), and the call returns
 * when the answer ended (stop, length), was cancelled (on_piece returned false, or
 * *cancel became true), ran past its deadline, was cut (an upstream's stream broke after
 * the first token) or failed before any text (the error code; nothing was streamed).
 * OWNERSHIP: the request and its strings are borrowed for the call; usage is filled in.
 * THREADS: every backend is safe to call from many threads at once.
 */
#ifndef AG_LLM_BACKEND_H
#define AG_LLM_BACKEND_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "kb/kb.h"
#include "text/text.h"

enum llm_finish {
    LLM_FINISH_STOP,      /* end of text or a stop string */
    LLM_FINISH_LENGTH,    /* max_tokens reached */
    LLM_FINISH_CANCELLED, /* the caller cancelled (client gone) */
    LLM_FINISH_DEADLINE,  /* deadline passed after some text */
    LLM_FINISH_CUT,       /* an upstream's stream broke after the first token */
};
const char *llm_finish_name(enum llm_finish f); /* "stop", "length", "cancelled", ... */

enum llm_role { LLM_ROLE_SYSTEM, LLM_ROLE_USER, LLM_ROLE_ASSISTANT };
const char *llm_role_name(enum llm_role r); /* "system", "user", "assistant" */

struct llm_message {
    enum llm_role role;
    const char *content; /* UTF-8, NUL-terminated */
};

#define LLM_MAX_STOP 4

/* Receives each piece of answer text (UTF-8, whole code points). Return false to cancel. */
typedef bool (*llm_piece_fn)(void *ctx, const char *text, size_t len);

struct llm_request {
    /* The chat. msgs[0] is the agent's system prompt (shared by many turns: the llama
     * backend evaluates it once and copies it into new sequences). */
    const struct llm_message *msgs;
    size_t n_msgs;
    /* What the extractive backend answers from (generative backends get the passages
     * inside the prompt already) and the question's language. */
    const struct kb_result *passages;
    enum text_lang lang;
    const char *question;
    /* sampling */
    unsigned max_tokens;
    float temperature; /* 0: greedy */
    float top_p;
    uint64_t seed; /* same seed, same request, same backend state -> same tokens */
    const char *stop[LLM_MAX_STOP];
    size_t n_stop;
    uint64_t deadline_ns; /* clock_mono_ns() time; 0 = none */
    const char *user;     /* an opaque end-user id for upstreams ("" or NULL: none) */
    bool ignore_eos;      /* benchmarks only: generate max_tokens whatever the model says */
    /* streaming and cancellation */
    llm_piece_fn on_piece;
    void *ctx;
    const atomic_bool *cancel; /* may be NULL */
};

struct llm_usage {
    uint32_t prompt_tokens;
    uint32_t completion_tokens;
    char model[64];        /* the model that answered (price table key) */
    char upstream[64];     /* the upstream's name (openai), else "" */
    double first_token_ms; /* from the call to the first piece; 0 when none */
    unsigned attempts;     /* upstream tries, including retries and fail-overs */
};

struct llm_backend;
struct llm_backend_ops {
    /* Generate an answer. AG_OK: *finish says how it ended (text may have been
     * streamed). Errors before any text was streamed: AG_EBUSY (no capacity: queue
     * full), AG_ETIMEDOUT (deadline before the first token), AG_EIO (upstream/model
     * failure), AG_ETOOBIG (prompt does not fit), AG_EINVAL (bad request). */
    ag_err (*generate)(struct llm_backend *b, const struct llm_request *r, struct llm_usage *u,
                       enum llm_finish *finish);
    /* Tokens text takes in this backend's vocabulary (an estimate where the backend
     * cannot tell: bytes / 4 rounded up). */
    size_t (*count_tokens)(struct llm_backend *b, const char *text, size_t len);
    void (*destroy)(struct llm_backend *b);
};

struct llm_backend {
    const struct llm_backend_ops *ops;
    const char *kind;      /* "llama", "openai", "extractive" */
    char model[64];        /* the model name it answers as */
    size_t context_tokens; /* prompt + answer must fit in this (0: unknown) */
};

static inline ag_err llm_generate(struct llm_backend *b, const struct llm_request *r,
                                  struct llm_usage *u, enum llm_finish *finish)
{
    return b->ops->generate(b, r, u, finish);
}

static inline void llm_backend_destroy(struct llm_backend *b)
{
    if (b)
        b->ops->destroy(b);
}

/* ---- the backends ---- */
struct config;
/* In-process llama.cpp (engine.c): loads cfg->llm_model (mmap) and starts the decode
 * thread serving up to cfg->llm_parallel turns at once. */
ag_err llm_llama_create(const struct config *cfg, struct llm_backend **out);
struct llm_llama_stats {
    uint64_t steps;                /* llama_decode calls */
    uint64_t decoded_tokens;       /* tokens in them (prompts and answers) */
    uint64_t prefix_reused_tokens; /* prompt tokens copied from the shared prefix */
    unsigned active, queued;       /* turns in a sequence now; turns waiting for one */
};
/* b must be a llama backend. */
void llm_llama_stats(struct llm_backend *b, struct llm_llama_stats *st);
/* Quotes the best supported sentences of r->passages (extractive.c); never fails on a
 * well-formed request, so it ends every fall-back chain. */
ag_err llm_extractive_create(const struct config *cfg, struct llm_backend **out);

/* ---- openai: a pool of OpenAI-compatible upstreams (openai.c) ---- */

/* Build the pool from cfg's llm_upstream entries ("NAME URL MODEL [weight=N]
 * [key_env=VAR | key_file=PATH]") and upstream_* settings, and start its loop thread.
 * AG_ECONFIG (logged with the entry's index, never the key) when an entry is bad: a scheme
 * other than http/https, a missing field, an unknown option, weight outside 1..1000, an
 * unset key variable or an unreadable key file. The caller destroys it with
 * llm_backend_destroy() once no generate() call is running. */
ag_err llm_openai_create(const struct config *cfg, struct llm_backend **out);

enum llm_breaker { LLM_BREAKER_CLOSED, LLM_BREAKER_OPEN, LLM_BREAKER_HALF_OPEN };

struct llm_upstream_stats {
    char name[64];
    enum llm_breaker breaker; /* half_open: open time over, a trial may go (or is out) */
    bool healthy;             /* the last health probe passed (true without probes) */
    uint64_t requests;        /* tries sent, retries included */
    uint64_t failures;        /* tries that failed (before or after the first token) */
};

/* The openai backend b's upstreams in config order: out[0..min(max, *n)) is filled and *n
 * gets how many there are. b must come from llm_openai_create(). */
void llm_openai_stats(struct llm_backend *b, struct llm_upstream_stats *out, size_t max, size_t *n);

#endif
