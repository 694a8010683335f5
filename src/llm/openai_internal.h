// SPDX-License-Identifier: MIT
/*
 * llm/openai_internal.h: the upstream stream parser of llm/openai.c, shared with its fuzz
 * target and unit tests (not a public API). A model server's reply is untrusted input: an
 * SSE stream (text/event-stream) of chat.completion.chunk objects, fed in whatever pieces
 * the network delivers. Answer text goes to on_piece as each event completes; the finish
 * reason, usage, [DONE] and a malformed stream are left in the state for the caller.
 * Only `data:` fields count; other fields (event:, id:, retry:) and comments are skipped.
 * THREADS: a parser state belongs to one thread.
 * OWNERSHIP: the state owns its line buffers (llm_openai_sse_release frees them); the text
 * passed to on_piece is valid only during the call.
 */
#ifndef AG_LLM_OPENAI_INTERNAL_H
#define AG_LLM_OPENAI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "llm/backend.h"

struct llm_openai_sse {
    llm_piece_fn on_piece; /* each non-empty content piece, in order; false: stop */
    void *ctx;
    /* results: once stopped, bad or done_marker is set, further bytes are ignored */
    bool stopped;     /* on_piece returned false */
    bool bad;         /* a line over the cap, data that is not a JSON object, an error object */
    bool done_marker; /* `data: [DONE]` arrived */
    bool have_finish; /* a finish_reason arrived: finish is LLM_FINISH_STOP or _LENGTH */
    bool have_usage;  /* a usage object arrived: the token counts are set */
    enum llm_finish finish;
    uint32_t prompt_tokens, completion_tokens;
    /* the parser's own */
    bool data_present;
    struct buf line, data;
};

/* Start a parser that reports pieces to on_piece(ctx, ...). */
void llm_openai_sse_init(struct llm_openai_sse *s, llm_piece_fn on_piece, void *ctx);
/* Forget every result and buffered byte (another try); keeps on_piece and the buffers. */
void llm_openai_sse_reset(struct llm_openai_sse *s);
void llm_openai_sse_release(struct llm_openai_sse *s);
/* Parse the next n bytes of the stream. Feeding a stream in any number of pieces gives the
 * same calls and results as feeding it at once. */
void llm_openai_sse_feed(struct llm_openai_sse *s, const char *p, size_t n);
/* The stream ended: parse a last line without its line end and an event without its
 * blank line. */
void llm_openai_sse_end(struct llm_openai_sse *s);

#endif
