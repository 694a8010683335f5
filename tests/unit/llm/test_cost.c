// SPDX-License-Identifier: MIT
/*
 * tests/unit/llm/test_cost.c: the price table and the cost of a generation (llm/cost.h).
 * Checks the strict parse (each kind of bad entry gives AG_ECONFIG naming the entry), the
 * parsed prices in micro-euros, exact costs for known figures and for random token counts
 * (linear, no rounding), saturation, unlisted upstream models (priced = false, one
 * warning per model), local models (0, priced) and a usage whose model fills its array.
 * Property loops use a seeded PRNG: TEST_SEED=n replays a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/money.h"
#include "llm/cost.h"
#include "test_util.h"

#define EUR MONEY_UNITS_PER_EUR

/* A config whose llm_price list is the n entries given. */
static struct config with_prices(const char *const *entries, size_t n)
{
    struct config c = config_default();
    assert_true(n <= LLM_MAX_PRICES);
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(c.llm_price[i], sizeof(c.llm_price[i]), "%s", entries[i]);
        assert_true(w >= 0 && (size_t)w < sizeof(c.llm_price[i]));
    }
    c.n_llm_price = (unsigned)n;
    return c;
}

static struct llm_prices *make(const char *const *entries, size_t n)
{
    struct config c = with_prices(entries, n);
    char why[256] = "";
    struct llm_prices *p = NULL;
    if (llm_prices_create(&c, why, sizeof(why), &p) != AG_OK)
        fail_msg("llm_prices_create: %s", why);
    assert_non_null(p);
    return p;
}

static void check_price(const struct llm_prices *p, const char *model, int64_t prompt,
                        int64_t completion)
{
    int64_t a = -1, b = -1;
    if (!llm_prices_get(p, model, &a, &b))
        fail_msg("model '%s' not listed", model);
    if (a != prompt || b != completion)
        fail_msg("model '%s': %lld / %lld, want %lld / %lld", model, (long long)a, (long long)b,
                 (long long)prompt, (long long)completion);
}

/* ---- parse ------------------------------------------------------------------------------ */

static void test_cost_parse_ok(void **state)
{
    (void)state;
    static const char *const entries[] = {
        "gpt-4o-mini 0.15 0.60",      "  gpt-4o\t2.5   10  ",
        "gemini-flash 0.0375 0.15",   "free 0 0.0",
        "tiny 0.000001 0.1500000000", "max 1000000 1000000.000000",
    };
    struct llm_prices *p = make(entries, 6);
    assert_int_equal(llm_prices_count(p), 6);
    check_price(p, "gpt-4o-mini", 150000, 600000);
    check_price(p, "gpt-4o", 2500000, 10000000);
    check_price(p, "gemini-flash", 37500, 150000);
    check_price(p, "free", 0, 0);
    check_price(p, "tiny", 1, 150000);
    check_price(p, "max", INT64_C(1000000000000), INT64_C(1000000000000));
    assert_false(llm_prices_get(p, "GPT-4o", NULL, NULL)); /* names are case-sensitive */
    assert_false(llm_prices_get(p, "gpt-4o ", NULL, NULL));
    assert_false(llm_prices_get(p, "", NULL, NULL));
    assert_false(llm_prices_get(p, NULL, NULL, NULL));
    llm_prices_free(p);

    /* An empty list is an empty table. */
    p = make(entries, 0);
    assert_int_equal(llm_prices_count(p), 0);
    llm_prices_free(p);
    llm_prices_free(NULL);

    /* Through the config's own parser: the key may repeat, one model per line. */
    struct config c = config_default();
    char why[256] = "";
    static const char text[] = "llm_price = gpt-4o-mini 0.15 0.60\n"
                               "llm_price = \"local-7b 0 0\"\n";
    assert_int_equal(config_parse(&c, text, sizeof(text) - 1, why, sizeof(why)), AG_OK);
    assert_int_equal(llm_prices_create(&c, why, sizeof(why), &p), AG_OK);
    assert_int_equal(llm_prices_count(p), 2);
    check_price(p, "gpt-4o-mini", 150000, 600000);
    check_price(p, "local-7b", 0, 0);
    llm_prices_free(p);
}

static void test_cost_parse_errors(void **state)
{
    (void)state;
    char long_model[80];
    memset(long_model, 'm', 64);
    memcpy(long_model + 64, " 1 1", 5); /* 64 bytes: one too many */
    char ok_model[80];
    memset(ok_model, 'm', 63);
    memcpy(ok_model + 63, " 1 1", 5);

    static const struct {
        const char *entry, *reason;
    } bad[] = {
        {"", "want MODEL EUR_PER_1M_PROMPT_TOKENS EUR_PER_1M_COMPLETION_TOKENS"},
        {"   ", "want MODEL"},
        {"m", "want MODEL"},
        {"m 1", "want MODEL"},
        {"m 1 2 3", "want MODEL"},
        {"m -1 2", "the prompt price is not a plain decimal number such as 0.15"},
        {"m 1 -2", "the completion price is not a plain decimal number such as 0.15"},
        {"m +1 2", "the prompt price is not a plain decimal"},
        {"m nan 2", "the prompt price is not a plain decimal"},
        {"m inf 2", "the prompt price is not a plain decimal"},
        {"m 1 infinity", "the completion price is not a plain decimal"},
        {"m 1e3 2", "the prompt price is not a plain decimal"},
        {"m 0x10 2", "the prompt price is not a plain decimal"},
        {"m .5 2", "the prompt price is not a plain decimal"},
        {"m 5. 2", "the prompt price is not a plain decimal"},
        {"m 1.2.3 2", "the prompt price is not a plain decimal"},
        {"m 1,5 2", "the prompt price is not a plain decimal"},
        {"m 1 2EUR", "the completion price is not a plain decimal"},
        {"m 0.0000001 2", "the prompt price has more than 6 decimal places"},
        {"m 1 0.1234567", "the completion price has more than 6 decimal places"},
        {"m 1000000.000001 2", "the prompt price is above 1000000 EUR per 1M tokens"},
        {"m 1000001 2", "the prompt price is above 1000000 EUR"},
        {"m 1 99999999999999999999999999", "the completion price is above 1000000 EUR"},
        {"a\x01"
         "b 1 2",
         "the model name has a control character"},
        {"gpt-4o-mini 0.2 0.8", "model 'gpt-4o-mini' is listed twice (also entry 1)"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) + 1; i++) {
        const char *entry = i < sizeof(bad) / sizeof(bad[0]) ? bad[i].entry : long_model;
        const char *reason =
            i < sizeof(bad) / sizeof(bad[0]) ? bad[i].reason : "the model name is over 63 bytes";
        const char *entries[] = {"gpt-4o-mini 0.15 0.60", entry, "later 1 1"};
        struct config c = with_prices(entries, 3);
        char why[512] = "";
        struct llm_prices *p = (struct llm_prices *)&tu_seed;
        assert_int_equal(llm_prices_create(&c, why, sizeof(why), &p), AG_ECONFIG);
        assert_ptr_equal(p, (struct llm_prices *)&tu_seed); /* untouched on failure */
        char head[256];
        int w = snprintf(head, sizeof(head), "llm_price entry 2 ('%s'): ", entry);
        assert_true(w > 0 && (size_t)w < sizeof(head));
        if (strncmp(why, head, (size_t)w) != 0 || !strstr(why + w, reason))
            fail_msg("entry '%s': why = '%s', want '%s' + '%s'", entry, why, head, reason);
    }

    /* 63 bytes is fine. */
    const char *entries[] = {ok_model};
    struct llm_prices *p = make(entries, 1);
    llm_prices_free(p);

    /* A NULL or short why is allowed. */
    const char *dup[] = {"a 1 1", "a 1 1"};
    struct config c = with_prices(dup, 2);
    assert_int_equal(llm_prices_create(&c, NULL, 0, &p), AG_ECONFIG);
    char why[12];
    assert_int_equal(llm_prices_create(&c, why, sizeof(why), &p), AG_ECONFIG);
    assert_string_equal(why, "llm_price e");
}

/* ---- cost ------------------------------------------------------------------------------- */

static void test_cost_exact_known_figures(void **state)
{
    (void)state;
    static const char *const entries[] = {"gpt-4o-mini 0.15 0.60", "gemini-flash 0.0375 0.15",
                                          "tiny 0.000001 0"};
    struct llm_prices *p = make(entries, 3);
    /* 1234 x 0.15 / 1e6 + 567 x 0.60 / 1e6 = 0.0001851 + 0.0003402 = 0.0005253 EUR */
    struct llm_cost c = llm_prices_cost(p, "openai", "gpt-4o-mini", 1234, 567);
    assert_true(c.priced);
    assert_true(c.units == 525300000);
    char text[MONEY_FMT_MAX];
    money_format(c.units, text, sizeof(text));
    assert_string_equal(text, "0.0005253");

    /* One token at 0.0375 EUR/1M is 37.5 nano-euros: whole pico-euros, no rounding. */
    c = llm_prices_cost(p, "openai", "gemini-flash", 1, 0);
    assert_true(c.units == 37500);
    c = llm_prices_cost(p, "openai", "gemini-flash", 3, 7);
    assert_true(c.units == 3 * 37500 + 7 * 150000);
    c = llm_prices_cost(p, "openai", "tiny", 1, 999);
    assert_true(c.units == 1); /* the smallest price, one token: one unit */
    c = llm_prices_cost(p, "openai", "gpt-4o-mini", 0, 0);
    assert_true(c.priced && c.units == 0);
    /* A million prompt tokens cost exactly the listed price. */
    c = llm_prices_cost(p, "openai", "gpt-4o-mini", 1000000, 1000000);
    assert_true(c.units == 75 * EUR / 100);

    /* 10 000 turns of the figures above sum to exactly 5.253 EUR. */
    int64_t sum = 0;
    for (int i = 0; i < 10000; i++)
        sum = money_add(sum, llm_prices_cost(p, "openai", "gpt-4o-mini", 1234, 567).units);
    money_format(sum, text, sizeof(text));
    assert_string_equal(text, "5.253");
    llm_prices_free(p);
}

/* For random prices (six decimals) and token counts, the cost is linear in the tokens
 * and equals the figure computed digit by digit. */
static void test_cost_property(void **state)
{
    (void)state;
    tu_rng_seed();
    for (int run = 0; run < 200; run++) {
        uint64_t pw = tu_rng_below(1000), pf = tu_rng_below(1000000);
        uint64_t cw = tu_rng_below(1000), cf = tu_rng_below(1000000);
        char entry[128];
        int w = snprintf(entry, sizeof(entry), "m %llu.%06llu %llu.%06llu", (unsigned long long)pw,
                         (unsigned long long)pf, (unsigned long long)cw, (unsigned long long)cf);
        TU_PROP_CHECK(w > 0 && (size_t)w < sizeof(entry));
        const char *entries[] = {entry};
        struct llm_prices *p = make(entries, 1);
        int64_t pp = (int64_t)(pw * 1000000 + pf), cp = (int64_t)(cw * 1000000 + cf);
        for (int i = 0; i < 20; i++) {
            uint32_t a = (uint32_t)tu_rng_below(2000000), b = (uint32_t)tu_rng_below(2000000);
            uint32_t a2 = (uint32_t)tu_rng_below(2000000), b2 = (uint32_t)tu_rng_below(2000000);
            struct llm_cost c1 = llm_prices_cost(p, "openai", "m", a, b);
            struct llm_cost c2 = llm_prices_cost(p, "openai", "m", a2, b2);
            struct llm_cost c12 = llm_prices_cost(p, "openai", "m", a + a2, b + b2);
            TU_PROP_CHECK(c1.priced && c2.priced && c12.priced);
            TU_PROP_CHECK(c1.units == (int64_t)a * pp + (int64_t)b * cp);
            TU_PROP_CHECK(c1.units + c2.units == c12.units);
        }
        llm_prices_free(p);
    }
}

static void test_cost_saturates(void **state)
{
    (void)state;
    static const char *const entries[] = {"max 1000000 1000000"};
    struct llm_prices *p = make(entries, 1);
    struct llm_cost c = llm_prices_cost(p, "openai", "max", UINT32_MAX, 0);
    assert_true(c.priced && c.units == INT64_MAX);
    c = llm_prices_cost(p, "openai", "max", 4000000, 4000000); /* 8e18: fits, 9.2e18 does not */
    assert_true(c.units == INT64_C(8000000000000000000));
    c = llm_prices_cost(p, "openai", "max", 5000000, 5000000);
    assert_true(c.units == INT64_MAX);
    llm_prices_free(p);
}

/* ---- unlisted models -------------------------------------------------------------------- */

/* What stderr received between capture_begin() and capture_end(). */
struct captured {
    char text[4096];
};

static int stderr_saved = -1;
static char capture_path[64];

static void capture_begin(void)
{
    int w = snprintf(capture_path, sizeof(capture_path), "/tmp/ag-test-cost-XXXXXX");
    assert_true(w > 0);
    int fd = mkstemp(capture_path);
    assert_true(fd >= 0);
    fflush(stderr);
    stderr_saved = dup(STDERR_FILENO);
    assert_true(stderr_saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    close(fd);
}

static void capture_end(struct captured *out)
{
    fflush(stderr);
    assert_true(dup2(stderr_saved, STDERR_FILENO) >= 0);
    close(stderr_saved);
    struct buf b;
    buf_init(&b, sizeof(out->text) - 1);
    tu_append_file(&b, capture_path);
    snprintf(out->text, sizeof(out->text), "%s", buf_cstr(&b));
    buf_release(&b);
    unlink(capture_path);
}

static size_t count_lines_with(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *s = text; (s = strstr(s, needle)) != NULL; s += strlen(needle))
        n++;
    return n;
}

static void test_cost_unpriced_upstream_model(void **state)
{
    (void)state;
    static const char *const entries[] = {"gpt-4o-mini 0.15 0.60"};
    struct llm_prices *p = make(entries, 1);
    enum log_level saved = log_min_level;
    log_min_level = LOG_WARN;
    struct captured cap;
    capture_begin();
    struct llm_cost c1 = llm_prices_cost(p, "openai", "gpt-5-preview", 1000, 1000);
    struct llm_cost c2 = llm_prices_cost(p, "openai", "gpt-5-preview", 5, 5);
    struct llm_cost c3 = llm_prices_cost(p, NULL, "other-model", 5, 5);
    struct llm_cost c4 = llm_prices_cost(p, "openai", "gpt-4o-mini", 5, 5);
    capture_end(&cap);
    log_min_level = saved;
    assert_false(c1.priced);
    assert_true(c1.units == 0);
    assert_false(c2.priced);
    assert_false(c3.priced);
    assert_true(c4.priced && c4.units == 5 * 150000 + 5 * 600000);
    /* One warning per model, however many turns. */
    assert_int_equal(count_lines_with(cap.text, "unpriced model=gpt-5-preview "), 1);
    assert_int_equal(count_lines_with(cap.text, "unpriced model=other-model "), 1);
    assert_int_equal(count_lines_with(cap.text, "unpriced"), 2);
    llm_prices_free(p);

    /* Past the 32 models remembered the cost is still unpriced, only no longer logged. */
    p = make(entries, 0);
    log_min_level = LOG_OFF;
    for (int i = 0; i < 40; i++) {
        char model[16];
        snprintf(model, sizeof(model), "m%d", i);
        assert_false(llm_prices_cost(p, "openai", model, 1, 1).priced);
    }
    log_min_level = saved;
    llm_prices_free(p);
}

static void test_cost_local_models(void **state)
{
    (void)state;
    static const char *const entries[] = {"local-priced 0.01 0.02"};
    struct llm_prices *p = make(entries, 1);
    struct llm_cost c = llm_prices_cost(p, "llama", "qwen2.5-7b", 100000, 100000);
    assert_true(c.priced && c.units == 0);
    c = llm_prices_cost(p, "extractive", "", 0, 0);
    assert_true(c.priced && c.units == 0);
    /* A listed local model costs its listed price (say, to charge for electricity). */
    c = llm_prices_cost(p, "llama", "local-priced", 1000, 1000);
    assert_true(c.priced && c.units == 1000 * 10000 + 1000 * 20000);
    /* A NULL model is "": unlisted. */
    c = llm_prices_cost(p, "llama", NULL, 10, 10);
    assert_true(c.priced && c.units == 0);
    llm_prices_free(p);
}

static void test_cost_of_usage(void **state)
{
    (void)state;
    char entry[80];
    memset(entry, 'x', 63);
    memcpy(entry + 63, " 1 2", 5);
    const char *entries[] = {"gpt-4o-mini 0.15 0.60", entry};
    struct llm_prices *p = make(entries, 2);
    struct llm_usage u = {.prompt_tokens = 1234, .completion_tokens = 567};
    snprintf(u.model, sizeof(u.model), "gpt-4o-mini");
    struct llm_cost c = llm_usage_cost(p, "openai", &u);
    assert_true(c.priced && c.units == 525300000);
    /* A backend that filled all 64 bytes: read as its first 63, never past the array. */
    memset(u.model, 'x', sizeof(u.model));
    u.prompt_tokens = 3;
    u.completion_tokens = 4;
    c = llm_usage_cost(p, "openai", &u);
    assert_true(c.priced && c.units == 3 * 1000000 + 4 * 2000000);
    llm_prices_free(p);
}

struct race {
    struct llm_prices *p;
    int64_t sum;
};

static void *race_thread(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < 2000; i++) {
        char model[16];
        snprintf(model, sizeof(model), "u%d", i % 8);
        r->sum += llm_prices_cost(r->p, "openai", i % 2 ? "gpt-4o-mini" : model, 1, 1).units;
    }
    return NULL;
}

/* Many threads price at once: costs are right and the warn-once set stays consistent. */
static void test_cost_threads(void **state)
{
    (void)state;
    static const char *const entries[] = {"gpt-4o-mini 0.15 0.60"};
    struct llm_prices *p = make(entries, 1);
    enum log_level saved = log_min_level;
    log_min_level = LOG_OFF;
    enum { THREADS = 8 };
    pthread_t th[THREADS];
    struct race r[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i] = (struct race){p, 0};
        assert_int_equal(pthread_create(&th[i], NULL, race_thread, &r[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_true(r[i].sum == 1000 * 750000);
    }
    log_min_level = saved;
    llm_prices_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cost_parse_ok),
        cmocka_unit_test(test_cost_parse_errors),
        cmocka_unit_test(test_cost_exact_known_figures),
        cmocka_unit_test(test_cost_property),
        cmocka_unit_test(test_cost_saturates),
        cmocka_unit_test(test_cost_unpriced_upstream_model),
        cmocka_unit_test(test_cost_local_models),
        cmocka_unit_test(test_cost_of_usage),
        cmocka_unit_test(test_cost_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
