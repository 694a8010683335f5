// SPDX-License-Identifier: MIT
/*
 * tests/unit/core/test_tpool.c: the worker pool runs every job once, refuses a burst
 * beyond its workers and queue with AG_EBUSY, and runs what is queued before it stops.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/tpool.h"

static atomic_int ran;
static atomic_bool release;

static void count(void *arg)
{
    (void)arg;
    atomic_fetch_add(&ran, 1);
}

static void block_then_count(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5000 && !atomic_load(&release); i++) /* bounded: 5 s */
        usleep(1000);
    atomic_fetch_add(&ran, 1);
}

static void test_runs_every_job(void **state)
{
    (void)state;
    struct tpool *p;
    assert_int_equal(tpool_create(4, 1000, &p), AG_OK);
    static struct tpool_job jobs[500];
    atomic_store(&ran, 0);
    for (int i = 0; i < 500; i++)
        assert_int_equal(tpool_submit(p, &jobs[i], count, NULL), AG_OK);
    tpool_destroy(p); /* runs what is queued */
    assert_int_equal(atomic_load(&ran), 500);
}

static void test_full_pool_refuses(void **state)
{
    (void)state;
    struct tpool *p;
    assert_int_equal(tpool_create(2, 1, &p), AG_OK);
    usleep(20000); /* both workers idle */
    static struct tpool_job jobs[4];
    atomic_store(&ran, 0);
    atomic_store(&release, false);
    assert_int_equal(tpool_submit(p, &jobs[0], block_then_count, NULL), AG_OK);
    assert_int_equal(tpool_submit(p, &jobs[1], block_then_count, NULL), AG_OK);
    for (int i = 0; i < 1000 && tpool_pending(p) != 2; i++)
        usleep(1000);
    assert_int_equal(tpool_submit(p, &jobs[2], block_then_count, NULL), AG_OK); /* queued */
    assert_int_equal(tpool_submit(p, &jobs[3], block_then_count, NULL), AG_EBUSY);
    assert_int_equal(tpool_pending(p), 3);
    atomic_store(&release, true);
    tpool_destroy(p);
    assert_int_equal(atomic_load(&ran), 3);
    assert_int_equal(tpool_create(0, 1, &p), AG_EINVAL);
}

static struct tpool *release_pool;
static atomic_bool released_early;

static void release_then_block(void *arg)
{
    (void)arg;
    tpool_release(release_pool);
    tpool_release(release_pool); /* a second call changes nothing */
    atomic_store(&released_early, true);
    block_then_count(NULL);
}

static void test_released_job_frees_its_place(void **state)
{
    (void)state;
    assert_int_equal(tpool_create(1, 0, &release_pool), AG_OK);
    static struct tpool_job jobs[3];
    atomic_store(&ran, 0);
    atomic_store(&release, false);
    atomic_store(&released_early, false);
    assert_int_equal(tpool_submit(release_pool, &jobs[0], release_then_block, NULL), AG_OK);
    for (int i = 0; i < 1000 && !atomic_load(&released_early); i++)
        usleep(1000);
    assert_true(atomic_load(&released_early));
    /* the first job still runs, but its place is free: one more is taken, then no more */
    assert_int_equal(tpool_pending(release_pool), 0);
    assert_int_equal(tpool_submit(release_pool, &jobs[1], block_then_count, NULL), AG_OK);
    assert_int_equal(tpool_submit(release_pool, &jobs[2], block_then_count, NULL), AG_EBUSY);
    atomic_store(&release, true);
    tpool_destroy(release_pool);
    assert_int_equal(atomic_load(&ran), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_every_job),
        cmocka_unit_test(test_full_pool_refuses),
        cmocka_unit_test(test_released_job_frees_its_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
