// SPDX-License-Identifier: MIT
/*
 * tests/unit/core/test_arena.c: the bump allocator (core/arena.h).
 * Checks the byte cap (a refused allocation changes nothing), max_align_t alignment,
 * non-overlapping allocations across blocks, strndup and calloc's overflow check.
 * Property loops use a seeded PRNG: TEST_SEED=n replays a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdalign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "test_util.h"

#define ALIGN alignof(max_align_t)

static bool aligned(const void *p)
{
    return (uintptr_t)p % ALIGN == 0;
}

static void test_arena_cap(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4 * ALIGN);
    void *p1 = arena_alloc(&a, ALIGN);
    void *p2 = arena_alloc(&a, 2 * ALIGN);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_int_equal(a.used, 3 * ALIGN);
    /* Over the cap: NULL, and the arena is as it was. */
    assert_null(arena_alloc(&a, ALIGN + 1));
    assert_int_equal(a.used, 3 * ALIGN);
    assert_null(arena_alloc(&a, SIZE_MAX));
    assert_null(arena_alloc(&a, SIZE_MAX - ALIGN + 1));
    assert_int_equal(a.used, 3 * ALIGN);
    /* Exactly up to the cap still works, then nothing more does. */
    void *p3 = arena_alloc(&a, ALIGN);
    assert_non_null(p3);
    assert_int_equal(a.used, a.max);
    assert_null(arena_alloc(&a, 1));
    assert_null(arena_alloc(&a, 0));
    assert_null(arena_strndup(&a, "", 0));
    assert_int_equal(a.used, a.max);
    arena_release(&a);
    assert_int_equal(a.used, 0);
    assert_null(a.head);

    /* After a release the whole cap is available again. */
    assert_non_null(arena_alloc(&a, 4 * ALIGN));
    assert_null(arena_alloc(&a, 1));
    arena_release(&a);

    /* Sizes are rounded up to the alignment and count against the cap. */
    arena_init(&a, 100);
    size_t got = 0;
    while (arena_alloc(&a, 1))
        got++;
    assert_int_equal(got, 100 / ALIGN);
    assert_int_equal(a.used, got * ALIGN);
    arena_release(&a);

    /* A cap of zero refuses everything. */
    arena_init(&a, 0);
    assert_null(arena_alloc(&a, 1));
    assert_null(a.head);
    arena_release(&a);
}

static void test_arena_alloc_zero_is_distinct(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 16);
    char *p = arena_alloc(&a, 0);
    char *q = arena_alloc(&a, 0);
    assert_non_null(p);
    assert_non_null(q);
    assert_ptr_not_equal(p, q);
    assert_true(aligned(p) && aligned(q));
    arena_release(&a);
}

/* Random sizes, some larger than a block: every pointer aligned, none overlapping
 * (each is filled with its own pattern and all are checked at the end). */
static void test_arena_alignment_and_no_overlap(void **state)
{
    (void)state;
    tu_rng_seed();
    enum { N = 400 };
    for (int run = 0; run < 20; run++) {
        struct arena a;
        arena_init(&a, 8u << 20);
        unsigned char *ptr[N];
        size_t len[N];
        size_t n = 0, sum = 0;
        for (; n < N; n++) {
            size_t k = tu_rng_below(10) == 0 ? 10000 + tu_rng_below(30000) : tu_rng_below(200);
            unsigned char *p = arena_alloc(&a, k);
            TU_PROP_CHECK(p != NULL);
            TU_PROP_CHECK(aligned(p));
            memset(p, (int)(n & 0xff), k);
            ptr[n] = p;
            len[n] = k;
            sum += k ? (k + ALIGN - 1) / ALIGN * ALIGN : ALIGN;
            TU_PROP_CHECK(a.used == sum);
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < len[i]; j++)
                TU_PROP_CHECK(ptr[i][j] == (unsigned char)(i & 0xff));
        arena_release(&a);
    }
}

/* Random allocations under a random cap: one succeeds exactly when its rounded size
 * fits in what is left, and a refusal leaves used unchanged. */
static void test_arena_cap_property(void **state)
{
    (void)state;
    tu_rng_seed();
    for (int run = 0; run < 200; run++) {
        struct arena a;
        size_t max = tu_rng_below(1 << 16);
        arena_init(&a, max);
        for (int op = 0; op < 100; op++) {
            size_t k = tu_rng_below(tu_rng_below(4) == 0 ? 40000 : 300);
            size_t need = k ? (k + ALIGN - 1) / ALIGN * ALIGN : ALIGN;
            size_t before = a.used;
            void *p = tu_rng_below(2) ? arena_alloc(&a, k) : arena_calloc(&a, 1, k);
            if (need <= max - before) {
                TU_PROP_CHECK(p != NULL);
                TU_PROP_CHECK(a.used == before + need);
            } else {
                TU_PROP_CHECK(p == NULL);
                TU_PROP_CHECK(a.used == before);
            }
            TU_PROP_CHECK(a.used <= a.max);
        }
        arena_release(&a);
    }
}

static void test_arena_strndup(void **state)
{
    (void)state;
    struct arena a;
    /* Dirty a block and give it back, so the copies below likely land on non-zero bytes
     * and a missing terminator would show. */
    arena_init(&a, 1 << 16);
    char *dirty = arena_alloc(&a, 16000);
    assert_non_null(dirty);
    memset(dirty, 'X', 16000);
    arena_release(&a);
    arena_init(&a, 1 << 16);
    char *s = arena_strndup(&a, "hello world", 5);
    assert_non_null(s);
    assert_string_equal(s, "hello");
    /* The source needs no NUL: exactly n bytes are read. */
    const char raw[4] = {'a', 'b', 'c', 'd'};
    s = arena_strndup(&a, raw, sizeof(raw));
    assert_string_equal(s, "abcd");
    s = arena_strndup(&a, raw, 0);
    assert_non_null(s);
    assert_string_equal(s, "");
    /* Embedded NUL is copied, and the copy is terminated after n bytes. */
    s = arena_strndup(&a, "x\0yz", 4);
    assert_memory_equal(s, "x\0yz", 5);
    /* The copy is independent of the source. */
    char src[] = "mutable";
    s = arena_strndup(&a, src, strlen(src));
    src[0] = 'M';
    assert_string_equal(s, "mutable");
    size_t used = a.used;
    assert_null(arena_strndup(&a, "x", SIZE_MAX));
    assert_int_equal(a.used, used);
    arena_release(&a);

    /* Over the cap: NULL. */
    arena_init(&a, ALIGN);
    assert_non_null(arena_strndup(&a, "0123456789abcdefghijklmnopqrstuvwxyz", ALIGN - 1));
    assert_null(arena_strndup(&a, "0", 1));
    arena_release(&a);
    arena_init(&a, ALIGN);
    assert_null(arena_strndup(&a, "0123456789abcdefghijklmnopqrstuvwxyz", ALIGN));
    arena_release(&a);
}

static void test_arena_calloc(void **state)
{
    (void)state;
    struct arena a;
    /* Dirty a large block and give it back, so calloc likely gets reused memory. */
    arena_init(&a, 1 << 20);
    unsigned char *d = arena_alloc(&a, 50000);
    assert_non_null(d);
    memset(d, 0xAA, 50000);
    arena_release(&a);

    arena_init(&a, 1 << 20);
    unsigned char *z = arena_calloc(&a, 1000, 50);
    assert_non_null(z);
    assert_true(aligned(z));
    for (size_t i = 0; i < 50000; i++)
        assert_int_equal(z[i], 0);
    /* Overflowing products are refused without touching the arena. */
    size_t used = a.used;
    assert_null(arena_calloc(&a, SIZE_MAX / 2 + 1, 2));
    assert_null(arena_calloc(&a, SIZE_MAX, SIZE_MAX));
    assert_null(arena_calloc(&a, (SIZE_MAX >> 16) + 1, (size_t)1 << 16));
    assert_int_equal(a.used, used);
    /* Zero-sized is fine either way round. */
    assert_non_null(arena_calloc(&a, 0, 100));
    assert_non_null(arena_calloc(&a, 100, 0));
    /* A product over the cap (no overflow) is refused too. */
    used = a.used;
    assert_null(arena_calloc(&a, 1 << 20, 2));
    assert_int_equal(a.used, used);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_cap),
        cmocka_unit_test(test_arena_alloc_zero_is_distinct),
        cmocka_unit_test(test_arena_alignment_and_no_overlap),
        cmocka_unit_test(test_arena_cap_property),
        cmocka_unit_test(test_arena_strndup),
        cmocka_unit_test(test_arena_calloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
