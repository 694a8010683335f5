// SPDX-License-Identifier: MIT
/*
 * tests/unit/limit/test_limit.c: per-key token buckets (limit/limit.h).
 * Time is simulated through the now_ns argument. Checks burst then deny, retry_after for
 * several rates, refill, key independence, eviction of full buckets when the table is full,
 * failing closed when none is full, and that concurrent takes never exceed the burst.
 * Property loops use a seeded PRNG: TEST_SEED=n replays a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limit/limit.h"
#include "test_util.h"

#define SEC 1000000000ull
#define MS  1000000ull
#define T0  (1000 * SEC) /* an arbitrary monotonic start */

static struct limit *make(double rate, double burst, uint32_t max_keys)
{
    struct limit *l = NULL;
    assert_int_equal(limit_create(rate, burst, max_keys, &l), AG_OK);
    assert_non_null(l);
    return l;
}

/* Take n tokens at time t; all must succeed. */
static void take_ok(struct limit *l, const char *key, uint64_t t, int n)
{
    for (int i = 0; i < n; i++) {
        uint32_t r = 12345;
        if (!limit_take(l, key, t, &r))
            fail_msg("take %d of %d for '%s' denied", i + 1, n, key);
        assert_int_equal(r, 12345); /* untouched on success */
    }
}

static uint32_t take_denied(struct limit *l, const char *key, uint64_t t)
{
    uint32_t r = 0;
    if (limit_take(l, key, t, &r))
        fail_msg("take for '%s' allowed, expected a denial", key);
    return r;
}

static void test_limit_create_rejects_bad_params(void **state)
{
    (void)state;
    struct limit *l = (struct limit *)&tu_seed;
    assert_int_equal(limit_create(0, 10, 10, &l), AG_EINVAL);
    assert_int_equal(limit_create(-1, 10, 10, &l), AG_EINVAL);
    assert_int_equal(limit_create(0.0 / 0.0, 10, 10, &l), AG_EINVAL);
    assert_int_equal(limit_create(1, 0.5, 10, &l), AG_EINVAL);
    assert_int_equal(limit_create(1, 0.0 / 0.0, 10, &l), AG_EINVAL);
    assert_int_equal(limit_create(1, 10, 0, &l), AG_EINVAL);
    assert_ptr_equal(l, (struct limit *)&tu_seed);
    limit_destroy(NULL);
}

static void test_limit_burst_then_deny(void **state)
{
    (void)state;
    struct limit *l = make(1, 5, 100);
    take_ok(l, "key", T0, 5);
    assert_int_equal(take_denied(l, "key", T0), 1);
    assert_int_equal(take_denied(l, "key", T0), 1); /* a denial takes nothing */
    /* NULL retry_after is allowed. */
    assert_false(limit_take(l, "key", T0, NULL));
    limit_destroy(l);

    /* A fractional burst rounds down: 2.5 tokens give two takes. */
    l = make(1, 2.5, 100);
    take_ok(l, "k", T0, 2);
    take_denied(l, "k", T0);
    limit_destroy(l);
}

static void test_limit_retry_after(void **state)
{
    (void)state;
    static const struct {
        double rate;
        uint64_t after_ns; /* time since the bucket was emptied */
        uint32_t want;
    } cases[] = {
        {1, 0, 1},           /* 1 s to the next token */
        {2, 0, 1},           /* 0.5 s rounds up to 1 */
        {0.5, 0, 2},         /* 2 s */
        {0.1, 0, 10},        /* 10 s */
        {0.3, 0, 4},         /* 3.33 s rounds up */
        {1.0 / 16, 0, 16},   /* one every 16 s */
        {0.1, 5 * SEC, 5},   /* half refilled: 5 s left */
        {0.1, 9500 * MS, 1}, /* 0.5 s left rounds up to 1 */
        {0.5, 500 * MS, 2},  /* 1.5 s left */
        {1, 250 * MS, 1},    /* 0.75 s left */
        {1e-6, 0, 86400},    /* 11.6 days: capped at a day */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct limit *l = make(cases[i].rate, 1, 10);
        take_ok(l, "k", T0, 1);
        uint32_t r = take_denied(l, "k", T0 + cases[i].after_ns);
        if (r != cases[i].want)
            fail_msg("rate %g after %" PRIu64 " ns: retry_after %u, want %u", cases[i].rate,
                     cases[i].after_ns, r, cases[i].want);
        limit_destroy(l);
    }
}

static void test_limit_refill(void **state)
{
    (void)state;
    struct limit *l = make(2, 4, 100); /* a token every 0.5 s, up to 4 */
    take_ok(l, "k", T0, 4);
    take_denied(l, "k", T0);
    take_denied(l, "k", T0 + 400 * MS); /* 0.8 tokens */
    take_ok(l, "k", T0 + 500 * MS, 1);  /* 1.0 token */
    take_denied(l, "k", T0 + 500 * MS);
    take_denied(l, "k", T0 + 900 * MS);
    take_ok(l, "k", T0 + 1000 * MS, 1);
    /* A long idle time refills only up to the burst. */
    take_ok(l, "k", T0 + 3600 * SEC, 4);
    assert_int_equal(take_denied(l, "k", T0 + 3600 * SEC), 1);
    limit_destroy(l);
}

/* Callers read the clock before taking the lock, so a take may carry an older time than
 * the one before it. Time never moves backwards: the gap is not credited twice. */
static void test_limit_time_never_moves_backwards(void **state)
{
    (void)state;
    struct limit *l = make(1, 1, 100);
    take_ok(l, "k", 10 * SEC, 1);
    assert_int_equal(take_denied(l, "k", 0), 1);
    assert_int_equal(take_denied(l, "k", 10 * SEC), 1); /* 0 .. 10 s was not refilled again */
    take_denied(l, "k", 10 * SEC + 500 * MS);           /* half a token since 10 s */
    take_ok(l, "k", 11 * SEC, 1);                       /* one second after 10 s, not before */
    take_denied(l, "k", 11 * SEC);
    limit_destroy(l);

    /* The same around T0, with a larger burst: an older time neither refills nor drains. */
    l = make(2, 4, 100);
    take_ok(l, "k", T0 + 5 * SEC, 4);
    take_denied(l, "k", T0);
    take_denied(l, "k", T0 + 2 * SEC);
    take_denied(l, "k", T0 + 5 * SEC);
    take_denied(l, "k", T0 + 5 * SEC + 400 * MS); /* 0.8 tokens since the last take */
    take_ok(l, "k", T0 + 5 * SEC + 500 * MS, 1);
    take_denied(l, "k", T0 + 5 * SEC + 500 * MS);
    limit_destroy(l);

    /* Property: takes at random times around a moving clock, some of them late (older than
     * the newest seen so far), never exceed burst + rate * (newest - first). */
    tu_rng_seed();
    for (int run = 0; run < 200; run++) {
        double rate = 0.1 + (double)tu_rng_below(1000) / 100.0; /* 0.1 .. 10 per second */
        double burst = (double)(1 + tu_rng_below(10));
        l = make(rate, burst, 4);
        uint64_t newest = T0;
        unsigned long ok = 0;
        for (int i = 0; i < 300; i++) {
            uint64_t t;
            if (i > 0 && tu_rng_below(3) == 0) {
                t = newest - tu_rng_below(2 * SEC); /* a late arrival */
            } else {
                newest += tu_rng_below(200 * MS);
                t = newest;
            }
            ok += limit_take(l, "k", t, NULL);
            double allowed = burst + rate * (double)(newest - T0) / 1e9;
            TU_PROP_CHECK((double)ok <= allowed + 1e-9);
        }
        limit_destroy(l);
    }
}

static void test_limit_keys_independent(void **state)
{
    (void)state;
    struct limit *l = make(1, 3, 1000);
    take_ok(l, "alice", T0, 3);
    take_denied(l, "alice", T0);
    take_ok(l, "bob", T0, 3); /* unaffected by alice */
    take_denied(l, "bob", T0);
    /* Keys that differ only slightly, or are empty, are separate too. */
    take_ok(l, "alice ", T0, 3);
    take_ok(l, "Alice", T0, 3);
    take_ok(l, "", T0, 3);
    take_denied(l, "", T0);
    /* Many keys (more than the hash has slots) each get their full burst. */
    char key[32];
    for (int i = 0; i < 990; i++) {
        int n = snprintf(key, sizeof(key), "tenant-%d", i);
        assert_true(n > 0 && (size_t)n < sizeof(key));
        take_ok(l, key, T0, 3);
        take_denied(l, key, T0);
    }
    take_denied(l, "alice", T0); /* still tracked among them */
    limit_destroy(l);
}

static void test_limit_evicts_full_buckets(void **state)
{
    (void)state;
    struct limit *l = make(1, 2, 2);
    take_ok(l, "a", T0, 2); /* a: 0 tokens */
    take_ok(l, "b", T0, 1); /* b: 1 token */
    /* At T0 + 1 s: a has 1 (not full), b has 2 (full). Table full: b is dropped for c. */
    take_ok(l, "c", T0 + SEC, 1);
    /* a was kept, with its real state: one token, then a denial. A recreated a would
     * have had two. */
    take_ok(l, "a", T0 + SEC, 1);
    take_denied(l, "a", T0 + SEC);
    /* b is gone; coming back it is new (full) but the table is full of a and c, neither
     * full: fail closed. */
    assert_int_equal(take_denied(l, "b", T0 + SEC), 1);
    limit_destroy(l);
}

static void test_limit_fails_closed_when_full(void **state)
{
    (void)state;
    struct limit *l = make(1, 3, 3);
    take_ok(l, "a", T0, 1);
    take_ok(l, "b", T0, 1);
    take_ok(l, "c", T0, 1);
    /* No bucket is full: a new key is refused, with the minimum retry_after. */
    assert_int_equal(take_denied(l, "d", T0), 1);
    assert_int_equal(take_denied(l, "e", T0 + 500 * MS), 1);
    /* Existing keys keep working meanwhile. */
    take_ok(l, "a", T0 + 500 * MS, 2);
    take_denied(l, "a", T0 + 500 * MS);
    /* b and c are full again after 1 s (a is not): d gets in. */
    take_ok(l, "d", T0 + SEC, 3);
    take_denied(l, "d", T0 + SEC);
    take_ok(l, "e", T0 + SEC, 3); /* the other full bucket made room too */
    /* Now a, d, e: none full, so f is refused. */
    take_denied(l, "f", T0 + SEC);
    limit_destroy(l);

    /* max_keys 1: the one key in use blocks every other until it refills. */
    l = make(10, 1, 1);
    take_ok(l, "x", T0, 1);
    take_denied(l, "y", T0);
    take_denied(l, "y", T0 + 50 * MS);
    take_ok(l, "y", T0 + 150 * MS, 1);
    take_denied(l, "x", T0 + 150 * MS); /* x was evicted; now y holds the only slot */
    limit_destroy(l);
}

/* For random rates, bursts and request times on one key:
 *  - successes never exceed burst + rate * elapsed (no free tokens);
 *  - after a denial with retry_after r, a take r seconds later succeeds, and a take just
 *    under r - 1 seconds later does not (retry_after is neither too small nor too big). */
static void test_limit_property(void **state)
{
    (void)state;
    tu_rng_seed();
    for (int run = 0; run < 300; run++) {
        double rate = 0.05 + (double)tu_rng_below(5000) / 100.0; /* 0.05 .. 50 per second */
        double burst = (double)(1 + tu_rng_below(20));
        struct limit *l = make(rate, burst, 16);
        uint64_t t = T0, start = T0;
        unsigned long ok = 0;
        for (int i = 0; i < 200; i++) {
            t += tu_rng_below(4) == 0 ? tu_rng_below(3 * SEC) : tu_rng_below(50 * MS);
            uint32_t r = 0;
            if (limit_take(l, "k", t, &r)) {
                ok++;
                double elapsed = (double)(t - start) / 1e9;
                TU_PROP_CHECK((double)ok <= burst + rate * elapsed + 1e-6);
                continue;
            }
            TU_PROP_CHECK(r >= 1 && r <= 86400);
            /* A denial takes nothing, so probing before the due time is harmless. */
            if (r >= 2) {
                uint32_t r2 = 0;
                TU_PROP_CHECK(!limit_take(l, "k", t + (uint64_t)(r - 1) * SEC - MS, &r2));
            }
            t += (uint64_t)r * SEC + MS;
            TU_PROP_CHECK(limit_take(l, "k", t, NULL));
            ok++;
            TU_PROP_CHECK((double)ok <= burst + rate * ((double)(t - start) / 1e9) + 1e-6);
        }
        limit_destroy(l);
    }
}

struct race {
    struct limit *l;
    unsigned long allowed;
};

static void *race_thread(void *arg)
{
    struct race *r = arg;
    char key[8];
    for (int i = 0; i < 2000; i++) {
        int n = snprintf(key, sizeof(key), "k%d", i % 4);
        if (n > 0 && limit_take(r->l, key, T0, NULL))
            r->allowed++;
    }
    return NULL;
}

/* Eight threads hammer four keys at one instant: exactly 4 x burst takes succeed. */
static void test_limit_threads_never_exceed_burst(void **state)
{
    (void)state;
    struct limit *l = make(1, 50, 100);
    enum { THREADS = 8 };
    pthread_t th[THREADS];
    struct race r[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i].l = l;
        r[i].allowed = 0;
        assert_int_equal(pthread_create(&th[i], NULL, race_thread, &r[i]), 0);
    }
    unsigned long total = 0;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        total += r[i].allowed;
    }
    assert_int_equal(total, 4 * 50);
    limit_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_create_rejects_bad_params),
        cmocka_unit_test(test_limit_burst_then_deny),
        cmocka_unit_test(test_limit_retry_after),
        cmocka_unit_test(test_limit_refill),
        cmocka_unit_test(test_limit_time_never_moves_backwards),
        cmocka_unit_test(test_limit_keys_independent),
        cmocka_unit_test(test_limit_evicts_full_buckets),
        cmocka_unit_test(test_limit_fails_closed_when_full),
        cmocka_unit_test(test_limit_property),
        cmocka_unit_test(test_limit_threads_never_exceed_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
