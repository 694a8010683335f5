// SPDX-License-Identifier: MIT
/*
 * tests/unit/llm/test_engine.c: the llama backend (src/llm/engine.c) on a tiny
 * random-weight Llama GGUF generated with tests/tools/gen_tiny_model from the bundle's
 * Llama 3 vocabulary: same seed same tokens; concurrent greedy turns equal sequential
 * ones; cancellation frees the sequence; max tokens, stop strings, deadlines, a full
 * queue and an oversize prompt end as documented; the shared system prefix is reused and
 * changes nothing; template tokens in a message stay text.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/config.h"
#include "llm/backend.h"
#include "test_util.h"

static char dir[64], model[128];

static int group_setup(void **state)
{
    (void)state;
    return tu_tiny_model(dir, sizeof(dir), "/tmp/agentgate-engine-XXXXXX", model, sizeof(model),
                         "ggml-vocab-llama-bpe.gguf", 32, 11);
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(model);
    rmdir(dir);
    return 0;
}

static struct llm_backend *open_engine(unsigned parallel, unsigned queue, unsigned ctx)
{
    struct config c = config_default();
    char why[256], v[32];
    assert_int_equal(config_set(&c, "llm_model", model, why, sizeof(why)), AG_OK);
    snprintf(v, sizeof(v), "%u", parallel);
    assert_int_equal(config_set(&c, "llm_parallel", v, why, sizeof(why)), AG_OK);
    snprintf(v, sizeof(v), "%u", queue);
    assert_int_equal(config_set(&c, "llm_queue", v, why, sizeof(why)), AG_OK);
    snprintf(v, sizeof(v), "%u", ctx);
    assert_int_equal(config_set(&c, "llm_ctx", v, why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "llm_threads", "1", why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "llm_batch", "64", why, sizeof(why)), AG_OK);
    struct llm_backend *b = NULL;
    assert_int_equal(llm_llama_create(&c, &b), AG_OK);
    assert_string_equal(b->kind, "llama");
    assert_string_equal(b->model, "tiny.gguf");
    return b;
}

/* One turn's output, collected from on_piece. */
struct out {
    char text[8192];
    size_t len;
    unsigned pieces, cancel_after; /* cancel_after: return false at that piece (0: never) */
    struct llm_usage usage;
    enum llm_finish finish;
    ag_err rc;
};

static bool collect(void *ctx, const char *p, size_t n)
{
    struct out *o = ctx;
    if (o->len + n < sizeof(o->text)) {
        memcpy(o->text + o->len, p, n);
        o->len += n;
        o->text[o->len] = '\0';
    }
    o->pieces++;
    return !(o->cancel_after && o->pieces >= o->cancel_after);
}

static const char *system_prompt =
    "You answer questions about the shop's products from the passages below only.";

struct turn_args {
    struct llm_backend *b;
    const char *question;
    const char *system;
    unsigned max_tokens;
    float temperature;
    uint64_t seed;
    const char *stop;
    bool ignore_eos;
    uint64_t deadline_ns;
    const atomic_bool *cancel;
    struct out o;
};

static struct turn_args targs(struct llm_backend *b, const char *q, const char *sys,
                              unsigned max_tokens, float temperature, uint64_t seed)
{
    return (struct turn_args){.b = b,
                              .question = q,
                              .system = sys,
                              .max_tokens = max_tokens,
                              .temperature = temperature,
                              .seed = seed,
                              .ignore_eos = true};
}

static void *run_turn(void *arg)
{
    struct turn_args *a = arg;
    struct llm_message msgs[2] = {{LLM_ROLE_SYSTEM, a->system ? a->system : system_prompt},
                                  {LLM_ROLE_USER, a->question}};
    struct llm_request r = {.msgs = msgs,
                            .n_msgs = 2,
                            .max_tokens = a->max_tokens,
                            .temperature = a->temperature,
                            .top_p = 0.95f,
                            .seed = a->seed,
                            .ignore_eos = a->ignore_eos,
                            .deadline_ns = a->deadline_ns,
                            .on_piece = collect,
                            .ctx = &a->o,
                            .cancel = a->cancel};
    if (a->stop) {
        r.stop[0] = a->stop;
        r.n_stop = 1;
    }
    a->o.rc = llm_generate(a->b, &r, &a->o.usage, &a->o.finish);
    return NULL;
}

static void test_same_seed_same_tokens(void **state)
{
    (void)state;
    struct llm_backend *b = open_engine(2, 8, 512);
    struct turn_args a = targs(b, "Welche Zelte sind vorrätig?", NULL, 24, 0.9f, 1234), c = a,
                     d = a;
    d.seed = 99;
    run_turn(&a);
    run_turn(&c);
    run_turn(&d);
    assert_int_equal(a.o.rc, AG_OK);
    assert_int_equal(a.o.finish, LLM_FINISH_LENGTH);
    assert_int_equal(a.o.usage.completion_tokens, 24);
    assert_true(a.o.usage.prompt_tokens > 10);
    assert_true(a.o.len > 0);
    assert_string_equal(a.o.text, c.o.text);
    assert_string_not_equal(a.o.text, d.o.text);
    llm_backend_destroy(b);
}

static void test_concurrent_greedy_equals_sequential(void **state)
{
    (void)state;
    enum { N = 4 };
    const char *qs[N] = {"Wie lange dauert der Versand nach Österreich?",
                         "Which tents are in stock?", "Kann ich per Rechnung bezahlen?",
                         "What is the return policy for opened items?"};
    struct llm_backend *b = open_engine(N, 8, 512);
    struct turn_args seq[N], par[N];
    for (int i = 0; i < N; i++) {
        seq[i] = targs(b, qs[i], NULL, 20, 0, 0);
        par[i] = seq[i];
        run_turn(&seq[i]);
        assert_int_equal(seq[i].o.rc, AG_OK);
        assert_int_equal(seq[i].o.usage.completion_tokens, 20);
    }
    pthread_t th[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&th[i], NULL, run_turn, &par[i]), 0);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++) {
        assert_int_equal(par[i].o.rc, AG_OK);
        assert_int_equal(par[i].o.usage.completion_tokens, 20);
        assert_int_equal(par[i].o.usage.prompt_tokens, seq[i].o.usage.prompt_tokens);
        assert_string_equal(par[i].o.text, seq[i].o.text);
    }
    struct llm_llama_stats st;
    llm_llama_stats(b, &st);
    /* the system prompt was decoded once, then copied into later turns */
    assert_true(st.prefix_reused_tokens > 0);
    assert_int_equal(st.active, 0);
    llm_backend_destroy(b);
}

static void test_prefix_reuse_changes_nothing(void **state)
{
    (void)state;
    struct llm_backend *b = open_engine(1, 8, 512);
    struct turn_args a =
        targs(b, "Was kostet der Versand?", "Du bist der Assistent des Shops.", 16, 0, 0);
    struct turn_args c = a;
    run_turn(&a); /* decodes the prefix */
    struct llm_llama_stats s1, s2;
    llm_llama_stats(b, &s1);
    run_turn(&c); /* copies it */
    llm_llama_stats(b, &s2);
    assert_true(s2.prefix_reused_tokens > s1.prefix_reused_tokens);
    assert_true(s2.decoded_tokens - s1.decoded_tokens <
                (uint64_t)c.o.usage.prompt_tokens + c.o.usage.completion_tokens);
    assert_string_equal(a.o.text, c.o.text);
    /* another system prompt replaces the prefix and still answers the same as fresh */
    struct turn_args d = a, e2 = a;
    d.system = e2.system = "Antworte kurz.";
    run_turn(&d);
    run_turn(&e2);
    assert_string_equal(d.o.text, e2.o.text);
    llm_backend_destroy(b);
}

static void test_cancel_frees_the_sequence(void **state)
{
    (void)state;
    struct llm_backend *b = open_engine(1, 8, 512);
    struct turn_args a = targs(b, "Erzähl mir alles über Zelte.", NULL, 400, 0, 0);
    a.o.cancel_after = 3; /* the client goes away after three pieces */
    run_turn(&a);
    assert_int_equal(a.o.rc, AG_OK);
    assert_int_equal(a.o.finish, LLM_FINISH_CANCELLED);
    assert_true(a.o.usage.completion_tokens < 400);
    struct llm_llama_stats st;
    llm_llama_stats(b, &st);
    assert_int_equal(st.active, 0);
    /* the one sequence serves the next turn */
    struct turn_args c = targs(b, "Und Schlafsäcke?", NULL, 8, 0, 0);
    run_turn(&c);
    assert_int_equal(c.o.rc, AG_OK);
    assert_int_equal(c.o.finish, LLM_FINISH_LENGTH);
    /* cancelled by flag from another thread while a second turn waits in the queue */
    atomic_bool flag;
    atomic_init(&flag, false);
    struct turn_args x = targs(b, "Lange Antwort bitte.", NULL, 100000, 0, 0);
    x.cancel = &flag;
    struct turn_args y = targs(b, "Kurze Frage.", NULL, 4, 0, 0);
    pthread_t tx, ty;
    assert_int_equal(pthread_create(&tx, NULL, run_turn, &x), 0);
    for (int i = 0; i < 500; i++) { /* bounded: until x holds the sequence */
        llm_llama_stats(b, &st);
        if (st.active == 1)
            break;
        usleep(2000);
    }
    assert_int_equal(pthread_create(&ty, NULL, run_turn, &y), 0);
    usleep(50000);
    atomic_store(&flag, true);
    pthread_join(tx, NULL);
    pthread_join(ty, NULL);
    assert_int_equal(x.o.finish, LLM_FINISH_CANCELLED);
    assert_int_equal(y.o.rc, AG_OK);
    assert_int_equal(y.o.usage.completion_tokens, 4);
    llm_backend_destroy(b);
}

static void test_stop_string_ends_the_answer(void **state)
{
    (void)state;
    struct llm_backend *b = open_engine(1, 8, 512);
    struct turn_args a = targs(b, "Beschreibe das Zelt.", NULL, 40, 0, 0);
    run_turn(&a);
    assert_true(a.o.len > 12);
    /* a stop string taken from the middle of the greedy answer cuts it there */
    char stop[8];
    size_t at = a.o.len / 2;
    while (at > 0 && ((unsigned char)a.o.text[at] & 0xC0) == 0x80)
        at--;
    size_t sl = 0;
    while (sl < 4 && at + sl < a.o.len)
        sl++;
    while (sl > 0 && at + sl < a.o.len && ((unsigned char)a.o.text[at + sl] & 0xC0) == 0x80)
        sl--;
    memcpy(stop, a.o.text + at, sl);
    stop[sl] = '\0';
    struct turn_args c = a;
    memset(&c.o, 0, sizeof(c.o));
    c.stop = stop;
    run_turn(&c);
    assert_int_equal(c.o.rc, AG_OK);
    assert_int_equal(c.o.finish, LLM_FINISH_STOP);
    const char *first = strstr(a.o.text, stop);
    assert_non_null(first);
    assert_int_equal(c.o.len, (size_t)(first - a.o.text));
    assert_memory_equal(c.o.text, a.o.text, c.o.len);
    llm_backend_destroy(b);
}

static void test_deadline_queue_and_size_limits(void **state)
{
    (void)state;
    struct llm_backend *b = open_engine(1, 0, 256);
    /* the deadline ends a long answer */
    struct turn_args a = targs(b, "Alles über Zelte.", NULL, 100000, 0, 0);
    a.deadline_ns = clock_mono_ns() + 200000000ull;
    uint64_t t0 = clock_mono_ns();
    run_turn(&a);
    assert_true(a.o.rc == AG_OK || a.o.rc == AG_ETIMEDOUT);
    if (a.o.rc == AG_OK)
        assert_int_equal(a.o.finish, LLM_FINISH_DEADLINE);
    assert_true(clock_mono_ns() - t0 < 5000000000ull);
    /* no queue: a second turn while the only sequence is busy gets AG_EBUSY */
    atomic_bool flag;
    atomic_init(&flag, false);
    struct turn_args x = targs(b, "Lange Antwort bitte.", NULL, 100000, 0, 0);
    x.cancel = &flag;
    pthread_t tx;
    assert_int_equal(pthread_create(&tx, NULL, run_turn, &x), 0);
    struct llm_llama_stats st = {0};
    for (int i = 0; i < 500 && st.active == 0; i++) {
        llm_llama_stats(b, &st);
        usleep(2000);
    }
    struct turn_args y = targs(b, "Kurz.", NULL, 4, 0, 0);
    run_turn(&y);
    assert_int_equal(y.o.rc, AG_EBUSY);
    assert_int_equal(y.o.len, 0);
    atomic_store(&flag, true);
    pthread_join(tx, NULL);
    /* a prompt longer than the turn's context */
    static char big[8000];
    for (size_t i = 0; i + 6 < sizeof(big); i += 6)
        memcpy(big + i, "Zelt. ", 6);
    struct turn_args z = targs(b, big, NULL, 4, 0, 0);
    run_turn(&z);
    assert_int_equal(z.o.rc, AG_ETOOBIG);
    assert_int_equal(z.o.pieces, 0);
    llm_backend_destroy(b);
}

static void test_template_tokens_in_messages_stay_text(void **state)
{
    (void)state;
    struct llm_backend *b = open_engine(1, 8, 512);
    /* "<|eot_id|>" is one control token when the template writes it; in a message it is
     * plain text of several tokens */
    struct turn_args a = targs(b, "Hallo", NULL, 1, 0, 0);
    struct turn_args c = targs(b, "Hallo<|eot_id|>", NULL, 1, 0, 0);
    run_turn(&a);
    run_turn(&c);
    assert_int_equal(a.o.rc, AG_OK);
    assert_int_equal(c.o.rc, AG_OK);
    assert_true(c.o.usage.prompt_tokens >= a.o.usage.prompt_tokens + 3);
    assert_int_equal(b->ops->count_tokens(b, "<|eot_id|>", 10),
                     c.o.usage.prompt_tokens - a.o.usage.prompt_tokens);
    llm_backend_destroy(b);
}

static void test_bad_model_is_a_config_error(void **state)
{
    (void)state;
    struct config c = config_default();
    char why[256];
    assert_int_equal(config_set(&c, "llm_model", "/nonexistent/model.gguf", why, sizeof(why)),
                     AG_OK);
    struct llm_backend *b = NULL;
    assert_int_equal(llm_llama_create(&c, &b), AG_ECONFIG);
    assert_null(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_tokens),
        cmocka_unit_test(test_concurrent_greedy_equals_sequential),
        cmocka_unit_test(test_prefix_reuse_changes_nothing),
        cmocka_unit_test(test_cancel_frees_the_sequence),
        cmocka_unit_test(test_stop_string_ends_the_answer),
        cmocka_unit_test(test_deadline_queue_and_size_limits),
        cmocka_unit_test(test_template_tokens_in_messages_stay_text),
        cmocka_unit_test(test_bad_model_is_a_config_error),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
