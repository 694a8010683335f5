// SPDX-License-Identifier: MIT
/*
 * tests/unit/llm/test_llama.c: llm_vocab_load() and llm_tokenize() (src/llm/llama.c)
 * against the tokenizer test files shipped with the llama.cpp bundle ($AG_LLAMA_MODELS,
 * set by CTest). ggml-vocab-llama-bpe.gguf.inp holds test texts, each followed by a line
 * "__ggml_vocab_test__"; the .out file has one line of token ids per text, as llama.cpp's
 * test-tokenizer-0 produces them with add_special=false. Every case must match exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "llm/llm.h"
#include "test_util.h"

#define VOCAB     "ggml-vocab-llama-bpe.gguf"
#define SEPARATOR "\n__ggml_vocab_test__\n"

struct fixture {
    char dir[1024];
    struct llm_vocab *vocab;
};

/* The whole file, NUL-terminated; *n gets its length. NULL when it cannot be read. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *p = malloc(cap);
    while (p) {
        size_t got = fread(p + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
        if (cap - len - 1 == 0) {
            char *q = realloc(p, cap * 2);
            if (!q) {
                free(p);
                p = NULL;
                break;
            }
            p = q;
            cap *= 2;
        }
    }
    fclose(f);
    if (p) {
        p[len] = '\0';
        *n = len;
    }
    return p;
}

static void path_in(const struct fixture *fx, const char *name, char *out, size_t n)
{
    assert_true(tu_path(out, n, fx->dir, name));
}

static int group_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    const char *dir = getenv("AG_LLAMA_MODELS");
    if (!fx || !dir || !*dir) {
        fprintf(stderr, "AG_LLAMA_MODELS is not set (CTest sets it to the bundle's models)\n");
        free(fx);
        return -1;
    }
    int w = snprintf(fx->dir, sizeof(fx->dir), "%s", dir);
    char path[1200];
    w = w < 0 || (size_t)w >= sizeof(fx->dir)
            ? -1
            : snprintf(path, sizeof(path), "%s/%s", fx->dir, VOCAB);
    if (w < 0 || (size_t)w >= sizeof(path) || llm_vocab_load(path, &fx->vocab) != AG_OK) {
        fprintf(stderr, "cannot load %s/%s\n", dir, VOCAB);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *fx = *state;
    llm_vocab_free(fx->vocab);
    free(fx);
    return 0;
}

static void test_vocab_size(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(llm_vocab_size(fx->vocab), 128256); /* Llama 3 */
}

/* Parse one line of space-separated ids into ids[]; returns the count. */
static size_t parse_ids(const char *p, const char *end, int32_t *ids, size_t max)
{
    size_t n = 0;
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        if (p == end)
            break;
        char *stop = NULL;
        long v = strtol(p, &stop, 10);
        assert_true(stop > p && stop <= end && v >= 0 && v <= INT32_MAX);
        assert_true(n < max);
        ids[n++] = (int32_t)v;
        p = stop;
    }
    return n;
}

static void test_reference_cases(void **state)
{
    struct fixture *fx = *state;
    char inp_path[1200], out_path[1200];
    path_in(fx, VOCAB ".inp", inp_path, sizeof(inp_path));
    path_in(fx, VOCAB ".out", out_path, sizeof(out_path));
    size_t inp_len = 0, out_len = 0;
    char *inp = slurp(inp_path, &inp_len), *out = slurp(out_path, &out_len);
    assert_non_null(inp);
    assert_non_null(out);

    size_t cases = 0, seps = 0;
    const char *ip = inp, *ip_end = inp + inp_len;
    const char *op = out, *op_end = out + out_len;
    size_t sep_len = strlen(SEPARATOR);
    for (;;) {
        const char *sep = strstr(ip, SEPARATOR);
        if (!sep)
            break;
        seps++;
        const char *eol = memchr(op, '\n', (size_t)(op_end - op));
        if (!eol)
            fail_msg("case %zu: the .out file has fewer lines than the .inp file has texts", cases);
        size_t text_len = (size_t)(sep - ip);
        size_t max = text_len + 16;
        int32_t *want = calloc(max, sizeof(*want)), *got = calloc(max, sizeof(*got));
        assert_non_null(want);
        assert_non_null(got);
        size_t n_want = parse_ids(op, eol, want, max), n_got = 0;
        ag_err rc = llm_tokenize(fx->vocab, ip, text_len, false, got, max, &n_got);
        if (rc != AG_OK)
            fail_msg("case %zu: llm_tokenize returned %d", cases, rc);
        size_t diff = 0;
        while (diff < n_got && diff < n_want && got[diff] == want[diff])
            diff++;
        if (n_got != n_want || diff != n_want)
            fail_msg("case %zu ('%.*s'): %zu tokens, expected %zu; first difference at %zu", cases,
                     (int)(text_len < 40 ? text_len : 40), ip, n_got, n_want, diff);
        free(want);
        free(got);
        cases++;
        ip = sep + sep_len;
        op = eol + 1;
    }
    assert_true(ip == ip_end); /* the file ends with a separator */
    assert_true(op == op_end); /* and every .out line was used */
    assert_int_equal(cases, seps);
    assert_true(cases >= 40);
    free(inp);
    free(out);
}

static void test_add_special_adds_bos(void **state)
{
    struct fixture *fx = *state;
    const char *text = "Hello world";
    int32_t plain[16], special[16];
    size_t n_plain = 0, n_special = 0;
    assert_int_equal(llm_tokenize(fx->vocab, text, strlen(text), false, plain, 16, &n_plain),
                     AG_OK);
    assert_int_equal(n_plain, 2);
    assert_int_equal(plain[0], 9906); /* "Hello" */
    assert_int_equal(plain[1], 1917); /* " world" */
    assert_int_equal(llm_tokenize(fx->vocab, text, strlen(text), true, special, 16, &n_special),
                     AG_OK);
    assert_int_equal(n_special, n_plain + 1);
    assert_int_equal(special[0], 128000); /* <|begin_of_text|> */
    assert_memory_equal(special + 1, plain, n_plain * sizeof(plain[0]));
}

static void test_output_too_small(void **state)
{
    struct fixture *fx = *state;
    const char *text = "Hello world";
    int32_t tokens[4] = {-1, -1, -1, -1};
    size_t n = 777;
    assert_int_equal(llm_tokenize(fx->vocab, text, strlen(text), false, tokens, 1, &n), AG_ETOOBIG);
    assert_int_equal(n, 777); /* *n is only written on success */
    assert_int_equal(llm_tokenize(fx->vocab, text, strlen(text), false, tokens, 0, &n), AG_ETOOBIG);
    assert_int_equal(llm_tokenize(fx->vocab, text, strlen(text), true, tokens, 2, &n), AG_ETOOBIG);
    /* Exactly enough room is enough. */
    assert_int_equal(llm_tokenize(fx->vocab, text, strlen(text), false, tokens, 2, &n), AG_OK);
    assert_int_equal(n, 2);
    assert_int_equal(tokens[2], -1); /* nothing written past max */
}

static void test_empty_text(void **state)
{
    struct fixture *fx = *state;
    int32_t tokens[2];
    size_t n = 99;
    assert_int_equal(llm_tokenize(fx->vocab, "", 0, false, tokens, 2, &n), AG_OK);
    assert_int_equal(n, 0);
}

static void test_load_errors(void **state)
{
    struct fixture *fx = *state;
    struct llm_vocab *v = NULL;
    char path[1200];
    path_in(fx, "no-such-vocab.gguf", path, sizeof(path));
    ag_err rc = llm_vocab_load(path, &v);
    assert_int_not_equal(rc, AG_OK);
    assert_null(v);
    /* A file that exists but is not GGUF. */
    path_in(fx, VOCAB ".out", path, sizeof(path));
    rc = llm_vocab_load(path, &v);
    assert_int_not_equal(rc, AG_OK);
    assert_null(v);
    llm_vocab_free(NULL); /* a no-op */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vocab_size),           cmocka_unit_test(test_reference_cases),
        cmocka_unit_test(test_add_special_adds_bos), cmocka_unit_test(test_output_too_small),
        cmocka_unit_test(test_empty_text),           cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
