// SPDX-License-Identifier: MIT
/*
 * tests/unit/llm/test_embed.c: sentence embeddings through llama.cpp (src/llm/llama.c) on a
 * tiny random-weight Llama GGUF that the test generates with tests/tools/gen_tiny_model
 * from the bundle's vocabulary: vectors are deterministic, unit length, differ between
 * texts, and a bad model path is an error.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "llm/llm.h"
#include "test_util.h"

static char dir[64], model[128];

static int group_setup(void **state)
{
    (void)state;
    return tu_tiny_model(dir, sizeof(dir), "/tmp/agentgate-embed-XXXXXX", model, sizeof(model),
                         "ggml-vocab-llama-bpe.gguf", 32, 7);
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(model);
    rmdir(dir);
    return 0;
}

static void test_embeddings_are_deterministic_unit_vectors(void **state)
{
    (void)state;
    struct llm_embedder *e = NULL;
    assert_int_equal(llm_embedder_load(model, 1, &e), AG_OK);
    size_t dim = llm_embedder_dim(e);
    assert_int_equal(dim, 32);
    float a[32], b[32], c[32];
    const char *t1 = "Wie lange dauert der Versand nach Österreich?";
    const char *t2 = "Which tents are in stock?";
    assert_int_equal(llm_embed(e, t1, strlen(t1), a), AG_OK);
    assert_int_equal(llm_embed(e, t1, strlen(t1), b), AG_OK);
    assert_int_equal(llm_embed(e, t2, strlen(t2), c), AG_OK);
    double norm = 0, diff = 0;
    for (size_t i = 0; i < dim; i++) {
        assert_true(a[i] == b[i]); /* same text, same vector: no state leaks between calls */
        norm += (double)a[i] * a[i];
        diff += fabs((double)a[i] - c[i]);
    }
    assert_true(fabs(norm - 1.0) < 1e-4);
    assert_true(diff > 1e-3);
    llm_embedder_free(e);
}

static void test_long_and_empty_text(void **state)
{
    (void)state;
    struct llm_embedder *e = NULL;
    assert_int_equal(llm_embedder_load(model, 1, &e), AG_OK);
    size_t n = 20000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + (i % 7 == 6 ? ' ' - 'a' : (int)(i % 26)));
    big[n] = '\0';
    float v[32], z[32];
    assert_int_equal(llm_embed(e, big, n, v), AG_OK); /* cut to the context, not an error */
    assert_int_equal(llm_embed(e, "", 0, z), AG_OK);
    double norm = 0;
    for (int i = 0; i < 32; i++)
        norm += (double)v[i] * v[i];
    assert_true(fabs(norm - 1.0) < 1e-4);
    free(big);
    llm_embedder_free(e);
}

static void test_bad_model_path(void **state)
{
    (void)state;
    struct llm_embedder *e = NULL;
    assert_int_equal(llm_embedder_load("/nonexistent/model.gguf", 1, &e), AG_EINVAL);
    assert_null(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embeddings_are_deterministic_unit_vectors),
        cmocka_unit_test(test_long_and_empty_text),
        cmocka_unit_test(test_bad_model_path),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
