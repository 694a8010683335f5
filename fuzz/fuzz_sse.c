// SPDX-License-Identifier: MIT
/*
 * fuzz/fuzz_sse.c: the upstream's SSE stream parser (llm/openai_internal.h) must never
 * crash, leak or hang on a model server's reply, and must not care how the network cut
 * the stream into pieces. Input: byte 0 picks the cuts (low 5 bits seed them; 31 feeds
 * one byte at a time) and when to stop (high 3 bits: on_piece says stop after that many
 * pieces, 0 never); the rest is the stream. It is parsed once whole and once in pieces,
 * and both runs must report the same pieces and results.
 */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "llm/openai_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
    struct buf pieces; /* each piece as its length (8 bytes) then its bytes */
    size_t n_pieces, stop_after;
};

static bool on_piece(void *ctx, const char *text, size_t len)
{
    struct run *r = ctx;
    if (len == 0)
        __builtin_trap();
    /* pieces are whole UTF-8: jansson refuses a string that is not */
    json_t *s = json_stringn(text, len);
    if (!s)
        __builtin_trap();
    json_decref(s);
    uint64_t n = len;
    if (buf_append(&r->pieces, &n, sizeof(n)) != AG_OK ||
        buf_append(&r->pieces, text, len) != AG_OK)
        __builtin_trap();
    r->n_pieces++;
    return r->stop_after == 0 || r->n_pieces < r->stop_after;
}

static uint64_t next_rand(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Parse p[0..n) into r, whole (cuts < 0), in one-byte pieces (cuts == 31) or in pieces
 * of random length seeded by cuts. */
static void parse(struct llm_openai_sse *s, struct run *r, const char *p, size_t n, int cuts)
{
    llm_openai_sse_init(s, on_piece, r);
    uint64_t x = (uint64_t)cuts * 7919u + n;
    size_t off = 0;
    while (off < n) {
        size_t take = n - off;
        if (cuts == 31)
            take = 1;
        else if (cuts >= 0 && take > 1)
            take = 1 + (size_t)(next_rand(&x) % (take < 64 ? take : 64));
        llm_openai_sse_feed(s, p + off, take);
        off += take;
    }
    llm_openai_sse_end(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int cuts = data[0] & 31;
    size_t stop_after = data[0] >> 5;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    struct run whole = {.stop_after = stop_after}, split = {.stop_after = stop_after};
    buf_init(&whole.pieces, (size_t)64 << 20);
    buf_init(&split.pieces, (size_t)64 << 20);
    struct llm_openai_sse a, b;
    parse(&a, &whole, p, n, -1);
    parse(&b, &split, p, n, cuts);

    if (whole.n_pieces != split.n_pieces || whole.pieces.len != split.pieces.len ||
        (whole.pieces.len && memcmp(whole.pieces.p, split.pieces.p, whole.pieces.len) != 0))
        __builtin_trap();
    if (a.stopped != b.stopped || a.bad != b.bad || a.done_marker != b.done_marker ||
        a.have_finish != b.have_finish || a.have_usage != b.have_usage)
        __builtin_trap();
    if (a.have_finish &&
        (a.finish != b.finish || (a.finish != LLM_FINISH_STOP && a.finish != LLM_FINISH_LENGTH)))
        __builtin_trap();
    if (a.have_usage &&
        (a.prompt_tokens != b.prompt_tokens || a.completion_tokens != b.completion_tokens))
        __builtin_trap();
    /* stopping is on_piece's word alone, and exactly at the piece that said so */
    if (a.stopped != (stop_after != 0 && whole.n_pieces == stop_after))
        __builtin_trap();

    llm_openai_sse_release(&a);
    llm_openai_sse_release(&b);
    buf_release(&whole.pieces);
    buf_release(&split.pieces);
    return 0;
}
