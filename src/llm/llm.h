/*
 * llm/llm.h: answer backends. Today: `extractive`, which answers with the best supported
 * sentences of the retrieved passages, quoted and cited, or says it does not know; and
 * the llama.cpp adapter (vocabulary loading and tokenisation; generation comes later).
 * OWNERSHIP: answers live in the caller's arena.
 * THREADS: extractive is reentrant; a struct llm_vocab is read-only once loaded.
 */
#ifndef AG_LLM_LLM_H
#define AG_LLM_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "kb/kb.h"
#include "text/text.h"

struct llm_answer {
    const char *text;
    bool known;        /* false: the "don't know" answer */
    double confidence; /* 0..1: share of the question's weight the best sentence covers */
    size_t *cited;     /* indexes into the kb_result hits, in citation order [1], [2].. */
    size_t n_cited;
};

struct llm_extractive_params {
    double threshold;     /* below this support: "don't know" */
    size_t max_sentences; /* quoted at most */
};
struct llm_extractive_params llm_extractive_default_params(void);

/* Answer from the retrieved passages r in language lang. AG_EINVAL when max_sentences
 * is 0 or threshold negative. */
ag_err llm_extractive_answer(struct arena *a, const struct kb_result *r, enum text_lang lang,
                             const struct llm_extractive_params *params, struct llm_answer *out);

/* The fixed "don't know" text in language lang. */
const char *llm_dont_know_text(enum text_lang lang);

/* ---- prompts for generative backends (prompt.c) ---- */
#include "llm/backend.h"

/* The built-in agent instructions (used when llm_prompt_file is empty). */
const char *llm_default_system_prompt(void);

struct llm_prompt_in {
    const char *system;                /* the agent's instructions */
    const struct kb_result *passages;  /* ranked best first */
    const struct llm_message *history; /* the conversation before the question, oldest first */
    size_t n_history;
    const char *question;
    unsigned max_tokens;   /* room kept for the answer */
    size_t context_tokens; /* 0: no limit known */
    size_t (*count)(struct llm_backend *b, const char *text, size_t len);
    struct llm_backend *backend;
};
/* Build the chat (see prompt.c) into a's memory: *n_passages and *n_history say what was
 * kept. AG_ETOOBIG when even the question alone does not fit. */
ag_err llm_prompt_build(struct arena *a, const struct llm_prompt_in *in, struct llm_message **msgs,
                        size_t *n_msgs, size_t *n_passages, size_t *n_history);
/* The passages text cites as [n] (1..n_passages), in order of first citation, as 0-based
 * indexes in *out (a's memory). */
size_t llm_parse_citations(struct arena *a, const char *text, size_t n_passages, size_t **out);

/* ---- llama.cpp ---- */
struct llm_vocab;
/* Load only the vocabulary of a GGUF model (no weights). */
ag_err llm_vocab_load(const char *path, struct llm_vocab **out);
void llm_vocab_free(struct llm_vocab *v); /* NULL is a no-op */
size_t llm_vocab_size(const struct llm_vocab *v);
/* Tokenise text into at most max tokens; *n gets the count. AG_ETOOBIG when max is short. */
ag_err llm_tokenize(const struct llm_vocab *v, const char *text, size_t len, bool add_special,
                    int32_t *tokens, size_t max, size_t *n);
/* Sentence embeddings with a GGUF model (mean pooling, L2-normalised).
 * THREADS: one context, guarded by the embedder's mutex; calls are serialised. */
struct llm_embedder;
ag_err llm_embedder_load(const char *path, unsigned threads, struct llm_embedder **out);
void llm_embedder_free(struct llm_embedder *e); /* NULL is a no-op */
size_t llm_embedder_dim(const struct llm_embedder *e);
/* Embed text (cut to the model's context) into out[0..dim). */
ag_err llm_embed(struct llm_embedder *e, const char *text, size_t len, float *out);

/* Start llama.cpp's backend once per process (its log goes to ours); idempotent. */
void llm_llama_init(void);
/* Processors online (at least 1). */
unsigned llm_cpu_count(void);
/* The llama.cpp build this binary links ("b1234 (commit)" or similar). */
const char *llm_llama_info(void);

#endif
