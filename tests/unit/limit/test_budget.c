// SPDX-License-Identifier: MIT
/*
 * tests/unit/limit/test_budget.c: daily token and cost budgets per key (limit/limit.h).
 * The wall clock is simulated through the now_unix_s argument. Checks budgets used up by
 * tokens and by EUR (exact, at the unit), the refusal text that names the budget, the
 * rollover at 00:00 UTC, Retry-After to midnight, a clock set back, failing closed when
 * the spend table is full (and room made by earlier days), no tracking without budgets,
 * and exact sums from many threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/money.h"
#include "limit/limit.h"
#include "test_util.h"

#define DAY  INT64_C(86400)
#define D0   (INT64_C(20429) * DAY) /* 2025-12-07 00:00:00 UTC */
#define NOON (D0 + DAY / 2)
#define EUR  MONEY_UNITS_PER_EUR
#define TURN INT64_C(525300000) /* 1234 + 567 tokens of gpt-4o-mini: 0.0005253 EUR */

static struct limit *make(unsigned long long tokens_day, double eur_day, uint32_t max_keys)
{
    struct limit *l = NULL;
    assert_int_equal(limit_create(1, 1, max_keys, &l), AG_OK);
    struct config c = config_default();
    c.budget_tokens_day = tokens_day;
    c.budget_eur_day = eur_day;
    assert_int_equal(limit_budget_configure(l, &c), AG_OK);
    return l;
}

static struct limit_budget_state check(struct limit *l, const char *key, int64_t now, bool want)
{
    struct limit_budget_state st;
    memset(&st, 0xa5, sizeof(st));
    bool ok = limit_budget_check(l, key, now, &st);
    if (ok != want)
        fail_msg("check '%s' at %lld: %s (verdict %d), want %s", key, (long long)now,
                 ok ? "allowed" : "refused", (int)st.verdict, want ? "allowed" : "refused");
    assert_true(ok == (st.verdict == LIMIT_BUDGET_OK));
    return st;
}

static void charge(struct limit *l, const char *key, int64_t now, uint64_t tokens, int64_t units)
{
    assert_int_equal(limit_budget_charge(l, key, now, tokens, units), AG_OK);
}

static void assert_message(const struct limit_budget_state *st, const char *want)
{
    char msg[256];
    size_t n = limit_budget_message(st, msg, sizeof(msg));
    assert_string_equal(msg, want);
    assert_int_equal(n, strlen(want));
}

static void test_budget_none_tracks_nothing(void **state)
{
    (void)state;
    struct limit *l = make(0, 0, 1);
    char key[16];
    for (int i = 0; i < 100; i++) { /* a table of one key, yet never full: nothing is kept */
        snprintf(key, sizeof(key), "k%d", i);
        charge(l, key, NOON, 1000000, 1000 * EUR);
        struct limit_budget_state st = check(l, key, NOON, true);
        assert_true(st.tokens_used == 0 && st.units_used == 0);
        assert_true(st.tokens_day == 0 && st.units_day == 0);
    }
    assert_true(limit_budget_check(l, "k", NOON, NULL)); /* st may be NULL */
    limit_destroy(l);

    /* limit_create alone configures no budget. */
    assert_int_equal(limit_create(1, 1, 1, &l), AG_OK);
    charge(l, "k", NOON, 5, 5);
    check(l, "k2", NOON, true);
    limit_destroy(l);
}

static void test_budget_configure(void **state)
{
    (void)state;
    struct limit *l = NULL;
    assert_int_equal(limit_create(1, 1, 10, &l), AG_OK);
    struct config c = config_default();
    c.budget_eur_day = -1;
    assert_int_equal(limit_budget_configure(l, &c), AG_EINVAL);
    c.budget_eur_day = NAN;
    assert_int_equal(limit_budget_configure(l, &c), AG_EINVAL);
    c.budget_eur_day = 0.1;
    c.budget_tokens_day = 77;
    assert_int_equal(limit_budget_configure(l, &c), AG_OK);
    struct limit_budget_state st = check(l, "k", NOON, true);
    assert_true(st.tokens_day == 77);
    assert_true(st.units_day == EUR / 10);
    /* More than an int64 of pico-euros can hold (the config allows up to 1e9 EUR): no
     * limit, rather than one that could never be reached. */
    c.budget_eur_day = 1e9;
    assert_int_equal(limit_budget_configure(l, &c), AG_OK);
    st = check(l, "k", NOON, true);
    assert_true(st.units_day == 0 && st.tokens_day == 77);
    limit_destroy(l);
}

static void test_budget_tokens_used_up(void **state)
{
    (void)state;
    struct limit *l = make(100000, 0, 100);
    check(l, "k", NOON, true);
    charge(l, "k", NOON, 60000, 0);
    struct limit_budget_state st = check(l, "k", NOON + 1, true);
    assert_true(st.tokens_used == 60000 && st.tokens_day == 100000);
    charge(l, "k", NOON + 2, 39999, 0);
    check(l, "k", NOON + 3, true); /* one token left */
    charge(l, "k", NOON + 4, 1, 0);
    st = check(l, "k", NOON + 5, false); /* at the budget: used up */
    assert_int_equal(st.verdict, LIMIT_BUDGET_TOKENS);
    assert_true(st.tokens_used == 100000);
    assert_message(&st, "daily token budget of 100000 tokens for this key is used up; it "
                        "resets at 00:00 UTC");
    /* A turn that passed may overshoot: it is charged in full. */
    charge(l, "k", NOON + 6, 5000, 0);
    st = check(l, "k", NOON + 7, false);
    assert_true(st.tokens_used == 105000);
    /* Other keys are not affected. */
    check(l, "other", NOON + 7, true);
    /* A refusal charges nothing. */
    st = check(l, "k", NOON + 8, false);
    assert_true(st.tokens_used == 105000);
    limit_destroy(l);
}

static void test_budget_eur_used_up_exactly(void **state)
{
    (void)state;
    /* Two turns of 0.0005253 EUR make 0.0010506 EUR: the budget is used up at the unit. */
    struct limit *l = make(0, 0.0010506, 100);
    charge(l, "k", NOON, 1801, TURN);
    struct limit_budget_state st = check(l, "k", NOON, true);
    assert_true(st.units_used == TURN && st.units_day == 2 * TURN);
    charge(l, "k", NOON, 1801, TURN);
    st = check(l, "k", NOON, false);
    assert_int_equal(st.verdict, LIMIT_BUDGET_EUR);
    assert_true(st.units_used == 2 * TURN);
    assert_message(&st, "daily cost budget of 0.0010506 EUR for this key is used up; it resets "
                        "at 00:00 UTC");
    limit_destroy(l);

    /* One pico-euro more and the key may go on. */
    l = make(0, 0.0010506 + 1e-12, 100);
    charge(l, "k", NOON, 1801, TURN);
    charge(l, "k", NOON, 1801, TURN);
    st = check(l, "k", NOON, true);
    assert_true(st.units_day == 2 * TURN + 1);
    charge(l, "k", NOON, 0, 1);
    check(l, "k", NOON, false);
    limit_destroy(l);

    /* Whole euros read with two decimals; the token budget is named when both are used up. */
    l = make(1000, 5, 100);
    charge(l, "k", NOON, 10, 5 * EUR);
    st = check(l, "k", NOON, false);
    assert_message(&st, "daily cost budget of 5.00 EUR for this key is used up; it resets at "
                        "00:00 UTC");
    charge(l, "k", NOON, 990, 0);
    st = check(l, "k", NOON, false);
    assert_int_equal(st.verdict, LIMIT_BUDGET_TOKENS);
    limit_destroy(l);
}

static void test_budget_day_rollover(void **state)
{
    (void)state;
    struct limit *l = make(100, 0.01, 100);
    charge(l, "k", D0 + 10, 100, 0);
    check(l, "k", D0 + DAY - 1, false);                           /* 23:59:59: still the same day */
    struct limit_budget_state st = check(l, "k", D0 + DAY, true); /* 00:00:00: a new day */
    assert_true(st.tokens_used == 0 && st.units_used == 0);
    charge(l, "k", D0 + DAY + 5, 50, EUR / 100);
    st = check(l, "k", D0 + DAY + 6, false);
    assert_int_equal(st.verdict, LIMIT_BUDGET_EUR);
    assert_true(st.tokens_used == 50);
    /* Days later: fresh again. A charge alone starts the new day too. */
    charge(l, "k", D0 + 5 * DAY + 1, 30, 0);
    st = check(l, "k", D0 + 5 * DAY + 2, true);
    assert_true(st.tokens_used == 30 && st.units_used == 0);
    /* The wall clock set back to an earlier day: the spend is kept, not forgotten early. */
    st = check(l, "k", D0 + 4 * DAY + 100, true);
    assert_true(st.tokens_used == 30);
    charge(l, "k", D0 + 4 * DAY + 100, 70, 0);
    check(l, "k", D0 + 5 * DAY + 3, false);
    limit_destroy(l);
}

static void test_budget_retry_after_midnight(void **state)
{
    (void)state;
    static const struct {
        int64_t now;
        uint32_t want;
    } cases[] = {
        {D0, 86400},
        {D0 + 1, 86399},
        {NOON, 43200},
        {D0 + DAY - 1, 1},
        {D0 + 23 * 3600, 3600},
        {0, 86400},
        {-1, 1},
        {-DAY, 86400},
        {-DAY - 1, 1},
        {INT64_C(1) << 40, 0}, /* computed below */
    };
    struct limit *l = make(1, 0, 100);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char key[16];
        snprintf(key, sizeof(key), "k%zu", i);
        charge(l, key, cases[i].now, 1, 0);
        struct limit_budget_state st = check(l, key, cases[i].now, false);
        uint32_t want = cases[i].want ? cases[i].want : (uint32_t)(DAY - cases[i].now % DAY);
        if (st.retry_after_s != want)
            fail_msg("at %lld: retry_after %u, want %u", (long long)cases[i].now, st.retry_after_s,
                     want);
        /* ... and a moment at or after it the key may go on. */
        check(l, key, cases[i].now + st.retry_after_s, true);
        if (st.retry_after_s > 1) {
            charge(l, key, cases[i].now, 1, 0);
            check(l, key, cases[i].now + st.retry_after_s - 1, false);
        }
    }
    /* The allowed answer carries it too. */
    struct limit_budget_state st = check(l, "fresh", NOON + 600, true);
    assert_int_equal(st.retry_after_s, 43200 - 600);
    limit_destroy(l);
}

static void test_budget_table_full_fails_closed(void **state)
{
    (void)state;
    struct limit *l = make(1000, 0, 2);
    check(l, "a", NOON, true);
    check(l, "b", NOON, true);
    struct limit_budget_state st = check(l, "c", NOON, false);
    assert_int_equal(st.verdict, LIMIT_BUDGET_FULL);
    assert_int_equal(st.retry_after_s, 43200);
    assert_message(&st, "daily budgets are tracked for too many keys today; keys new today "
                        "are refused until 00:00 UTC");
    /* An unchecked charge of a new key cannot be recorded. */
    assert_int_equal(limit_budget_charge(l, "c", NOON, 1, 0), AG_EBUSY);
    /* Keys that were checked keep their entries: their charges are never lost. */
    charge(l, "a", NOON + 1, 999, 0);
    charge(l, "b", NOON + 1, 1000, 0);
    check(l, "a", NOON + 2, true);
    check(l, "b", NOON + 2, false);
    check(l, "c", NOON + 3, false);
    /* Next day a and b belong to yesterday: they make room. */
    check(l, "c", D0 + DAY, true);
    check(l, "d", D0 + DAY, true);
    st = check(l, "e", D0 + DAY + 1, false);
    assert_int_equal(st.verdict, LIMIT_BUDGET_FULL);
    /* a comes back new (its old spend was of yesterday) but finds no room. */
    check(l, "a", D0 + DAY + 2, false);
    charge(l, "c", D0 + DAY + 3, 1000, 0);
    check(l, "c", D0 + DAY + 4, false);
    limit_destroy(l);
}

static void test_budget_charge_edges(void **state)
{
    (void)state;
    struct limit *l = make(UINT64_MAX, 0.5, 10);
    assert_int_equal(limit_budget_charge(l, "k", NOON, 1, -1), AG_EINVAL);
    struct limit_budget_state st = check(l, "k", NOON, true);
    assert_true(st.tokens_used == 0 && st.units_used == 0); /* a refused charge adds nothing */
    charge(l, "k", NOON, UINT64_MAX - 1, INT64_MAX);
    charge(l, "k", NOON, 5, INT64_MAX); /* sums saturate instead of wrapping */
    st = check(l, "k", NOON, false);
    assert_true(st.tokens_used == UINT64_MAX && st.units_used == INT64_MAX);
    assert_int_equal(st.verdict, LIMIT_BUDGET_TOKENS);

    /* Messages: OK has none; a short buffer gets a cut text; 0 bytes get nothing. */
    st.verdict = LIMIT_BUDGET_OK;
    char msg[16] = "x";
    assert_int_equal(limit_budget_message(&st, msg, sizeof(msg)), 0);
    assert_string_equal(msg, "");
    st.verdict = LIMIT_BUDGET_TOKENS;
    st.tokens_day = 100;
    assert_int_equal(limit_budget_message(&st, msg, sizeof(msg)), 15);
    assert_string_equal(msg, "daily token bud");
    assert_int_equal(limit_budget_message(&st, msg, 0), 0);
    limit_destroy(l);
}

struct race {
    struct limit *l;
    unsigned long refused;
};

static void *race_thread(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < 1000; i++) {
        if (!limit_budget_check(r->l, "k", NOON, NULL))
            r->refused++;
        limit_budget_charge(r->l, "k", NOON, 1, 1000);
    }
    return NULL;
}

/* Eight threads check and charge one key: the sums are exact. */
static void test_budget_threads(void **state)
{
    (void)state;
    struct limit *l = make(4000, 0, 10);
    enum { THREADS = 8 };
    pthread_t th[THREADS];
    struct race r[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i] = (struct race){l, 0};
        assert_int_equal(pthread_create(&th[i], NULL, race_thread, &r[i]), 0);
    }
    unsigned long refused = 0;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        refused += r[i].refused;
    }
    struct limit_budget_state st = check(l, "k", NOON, false);
    assert_true(st.tokens_used == 8000);
    assert_true(st.units_used == 8000 * 1000);
    /* A check passes while fewer than 4000 tokens are charged: every check before one of
     * the first 4000 charges passes, and past those each thread has at most one check in
     * flight that passed. */
    assert_true(refused <= 4000 && refused >= 4000 - THREADS);
    limit_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_none_tracks_nothing),
        cmocka_unit_test(test_budget_configure),
        cmocka_unit_test(test_budget_tokens_used_up),
        cmocka_unit_test(test_budget_eur_used_up_exactly),
        cmocka_unit_test(test_budget_day_rollover),
        cmocka_unit_test(test_budget_retry_after_midnight),
        cmocka_unit_test(test_budget_table_full_fails_closed),
        cmocka_unit_test(test_budget_charge_edges),
        cmocka_unit_test(test_budget_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
