// SPDX-License-Identifier: MIT
/*
 * tests/unit/llm/test_openai_sse.c: the upstream stream parser of src/llm/openai.c
 * (llm/openai_internal.h) without a network: pieces in order, usage, finish_reason,
 * [DONE], malformed data and error objects, comments and other fields, and that a stream
 * fed in any pieces (a seeded PRNG picks them; TEST_SEED=n replays) parses the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "llm/openai_internal.h"
#include "test_util.h"

struct got {
    struct buf text; /* the pieces, joined by '|' */
    size_t n, stop_after;
};

static bool on_piece(void *ctx, const char *text, size_t len)
{
    struct got *g = ctx;
    if (g->n)
        assert_int_equal(buf_putc(&g->text, '|'), AG_OK);
    assert_int_equal(buf_append(&g->text, text, len), AG_OK);
    g->n++;
    return g->stop_after == 0 || g->n < g->stop_after;
}

/* Parse the whole of stream (NUL-terminated) into s and g. */
static void parse(struct llm_openai_sse *s, struct got *g, const char *stream)
{
    buf_init(&g->text, 1 << 20);
    llm_openai_sse_init(s, on_piece, g);
    llm_openai_sse_feed(s, stream, strlen(stream));
    llm_openai_sse_end(s);
}

static void done(struct llm_openai_sse *s, struct got *g)
{
    llm_openai_sse_release(s);
    buf_release(&g->text);
    g->n = 0;
}

static const char *joined(const struct got *g)
{
    return g->text.len ? g->text.p : "";
}

#define CHUNK(content)                                                                             \
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"         \
    "\"delta\":{\"content\":\"" content "\"},\"finish_reason\":null}]}\n\n"
#define FINISH(reason)                                                                             \
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"         \
    "\"delta\":{},\"finish_reason\":\"" reason "\"}]}\n\n"
#define USAGE(pt, ct)                                                                              \
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"                    \
    "\"usage\":{\"prompt_tokens\":" #pt ",\"completion_tokens\":" #ct "}}\n\n"
#define DONE "data: [DONE]\n\n"

static const char *const full_stream =
    ": ping\n\n"
    "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n" CHUNK("Your")
        CHUNK(" order") "event: message\nid: 7\n" CHUNK(" ships \\u00fc\\u65e5") FINISH("stop")
            USAGE(57, 3) DONE CHUNK("after done");

static void test_pieces_in_order_usage_and_done(void **state)
{
    (void)state;
    struct llm_openai_sse s;
    struct got g = {0};
    parse(&s, &g, full_stream);
    /* the empty role piece is not reported; the piece after [DONE] is never read */
    assert_string_equal(joined(&g), "Your| order| ships \xc3\xbc\xe6\x97\xa5");
    assert_int_equal(g.n, 3);
    assert_true(s.done_marker);
    assert_false(s.bad);
    assert_false(s.stopped);
    assert_true(s.have_finish);
    assert_int_equal(s.finish, LLM_FINISH_STOP);
    assert_true(s.have_usage);
    assert_int_equal(s.prompt_tokens, 57);
    assert_int_equal(s.completion_tokens, 3);
    done(&s, &g);
}

static void test_finish_reason_mapping(void **state)
{
    (void)state;
    static const struct {
        const char *stream;
        bool have;
        enum llm_finish finish;
    } cases[] = {
        {CHUNK("a") FINISH("length") DONE, true, LLM_FINISH_LENGTH},
        {CHUNK("a") FINISH("stop") DONE, true, LLM_FINISH_STOP},
        /* anything else the server ended with is an ordinary end */
        {CHUNK("a") FINISH("content_filter") DONE, true, LLM_FINISH_STOP},
        {CHUNK("a") FINISH("tool_calls") DONE, true, LLM_FINISH_STOP},
        {CHUNK("a") DONE, false, LLM_FINISH_STOP},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct llm_openai_sse s;
        struct got g = {0};
        parse(&s, &g, cases[i].stream);
        assert_false(s.bad);
        assert_true(s.done_marker);
        assert_int_equal(s.have_finish, cases[i].have);
        if (cases[i].have)
            assert_int_equal(s.finish, cases[i].finish);
        done(&s, &g);
    }
}

static void test_usage_out_of_range_ignored(void **state)
{
    (void)state;
    struct llm_openai_sse s;
    struct got g = {0};
    parse(&s, &g, CHUNK("a") USAGE(4294967296, 1) USAGE(-1, 1) USAGE(1.5, 2) DONE);
    assert_false(s.have_usage);
    done(&s, &g);
    parse(&s, &g, CHUNK("a") USAGE(4294967295, 0) DONE);
    assert_true(s.have_usage);
    assert_int_equal(s.prompt_tokens, 4294967295u);
    assert_int_equal(s.completion_tokens, 0);
    done(&s, &g);
}

static void test_malformed_line_reported(void **state)
{
    (void)state;
    struct llm_openai_sse s;
    struct got g = {0};
    parse(&s, &g, CHUNK("ok") "data: {not json\n\n" CHUNK("never"));
    assert_true(s.bad);
    assert_false(s.done_marker);
    assert_string_equal(joined(&g), "ok"); /* nothing after the bad event */
    done(&s, &g);
    /* a JSON value that is not an object */
    parse(&s, &g, "data: [1, 2]\n\n");
    assert_true(s.bad);
    done(&s, &g);
    /* an error object inside the stream */
    parse(&s, &g,
          CHUNK("part") "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"
                        "\n\n");
    assert_true(s.bad);
    assert_string_equal(joined(&g), "part");
    done(&s, &g);
    /* a bad last event without its blank line is found at the end */
    parse(&s, &g, CHUNK("x") "data: {\"choices\":");
    assert_true(s.bad);
    done(&s, &g);
}

static void test_crlf_multiline_and_no_done(void **state)
{
    (void)state;
    struct llm_openai_sse s;
    struct got g = {0};
    parse(&s, &g,
          "data: {\"choices\":[{\"delta\":\r\ndata: {\"content\":\"two lines\"}}]}\r\n\r\n"
          "data:{\"choices\":[{\"delta\":{\"content\":\"tight\"}}]}");
    assert_string_equal(joined(&g), "two lines|tight");
    assert_false(s.bad);
    assert_false(s.done_marker); /* the caller decides what a stream without [DONE] means */
    done(&s, &g);
}

static void test_stop_from_on_piece(void **state)
{
    (void)state;
    struct llm_openai_sse s;
    struct got g = {.stop_after = 2};
    parse(&s, &g, CHUNK("a") CHUNK("b") CHUNK("c") DONE);
    assert_true(s.stopped);
    assert_false(s.done_marker);
    assert_string_equal(joined(&g), "a|b");
    done(&s, &g);
}

static void test_reset_forgets_results(void **state)
{
    (void)state;
    struct llm_openai_sse s;
    struct got g = {0};
    parse(&s, &g, CHUNK("a") USAGE(1, 1) "data: {bad\n\ndata: {\"choices\":");
    assert_true(s.bad);
    llm_openai_sse_reset(&s);
    assert_false(s.bad || s.have_usage || s.done_marker || s.stopped || s.have_finish);
    llm_openai_sse_feed(&s, CHUNK("b") DONE, strlen(CHUNK("b") DONE));
    llm_openai_sse_end(&s);
    assert_false(s.bad);
    assert_true(s.done_marker);
    assert_string_equal(joined(&g), "a|b");
    done(&s, &g);
}

/* Property: feeding in random pieces (one byte at a time included) parses the same. */
static void test_chunk_split_equivalence(void **state)
{
    (void)state;
    static const char *const streams[] = {
        NULL, /* full_stream */
        CHUNK("ok") "data: {not json\n\n" CHUNK("never"),
        "data: {\"choices\":[{\"delta\":\r\ndata: {\"content\":\"x\"}}]}\r\n\r\n" CHUNK("y"),
        CHUNK("\\u00e4\\u00f6\\u00fc") FINISH("length") USAGE(9, 2),
    };
    tu_rng_seed();
    for (size_t k = 0; k < sizeof(streams) / sizeof(streams[0]); k++) {
        const char *stream = streams[k] ? streams[k] : full_stream;
        size_t n = strlen(stream);
        struct llm_openai_sse want;
        struct got wg = {0};
        parse(&want, &wg, stream);
        for (int round = 0; round < 50; round++) {
            struct llm_openai_sse s;
            struct got g = {0};
            buf_init(&g.text, 1 << 20);
            llm_openai_sse_init(&s, on_piece, &g);
            for (size_t off = 0; off < n;) {
                size_t take = round == 0 ? 1 : 1 + tu_rng_below(n - off < 40 ? n - off : 40);
                llm_openai_sse_feed(&s, stream + off, take);
                off += take;
            }
            llm_openai_sse_end(&s);
            if (strcmp(joined(&g), joined(&wg)) != 0 || s.bad != want.bad ||
                s.done_marker != want.done_marker || s.have_finish != want.have_finish ||
                s.finish != want.finish || s.have_usage != want.have_usage ||
                s.prompt_tokens != want.prompt_tokens ||
                s.completion_tokens != want.completion_tokens)
                fail_msg("stream %zu round %d differs; TEST_SEED=%llu replays", k, round,
                         (unsigned long long)tu_seed);
            done(&s, &g);
        }
        done(&want, &wg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces_in_order_usage_and_done),
        cmocka_unit_test(test_finish_reason_mapping),
        cmocka_unit_test(test_usage_out_of_range_ignored),
        cmocka_unit_test(test_malformed_line_reported),
        cmocka_unit_test(test_crlf_multiline_and_no_done),
        cmocka_unit_test(test_stop_from_on_piece),
        cmocka_unit_test(test_reset_forgets_results),
        cmocka_unit_test(test_chunk_split_equivalence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
