// SPDX-License-Identifier: MIT
/*
 * tests/unit/store/test_query.c: store_pool_read and store_run (store/query.c) on a SQLite
 * file in a fresh mkdtemp folder. Checks integer, text and blob parameters, one callback
 * per row in order, a query without rows, that the callback's error stops the read and is
 * returned, that a bad statement is AG_EDB, that the connection goes back to the pool every
 * time, and that store_run writes and counts the rows it changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store_fixture.h"

struct fixture {
    char dir[64];
    char path[128];
    struct store_pool *pool;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || !sf_mkdir_db(f->dir, sizeof(f->dir), f->path, sizeof(f->path),
                           "/tmp/agentgate-test-read-XXXXXX")) {
        free(f);
        return -1;
    }
    struct store_db *db = NULL;
    if (store_open(f->path, STORE_CREATE, &db) != AG_OK ||
        store_exec(db, "CREATE TABLE t(k TEXT, v INTEGER);"
                       "INSERT INTO t VALUES ('a', 1), ('a', 2), ('a', 3), ('b', 10);") != AG_OK ||
        store_pool_create(f->path, 0, 2, &f->pool) != AG_OK) {
        store_close(db);
        free(f);
        return -1;
    }
    store_close(db);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_pool_destroy(f->pool);
    int rc = tu_remove_tree(f->dir);
    free(f);
    return rc;
}

/* Collects the rows' v column; fails with stop_rc at row number stop_at (from 1). */
struct rows {
    int64_t v[8];
    size_t n, stop_at;
    ag_err stop_rc;
};

static ag_err collect(void *ctx, struct store_stmt *st)
{
    struct rows *r = ctx;
    assert_true(r->n < 8);
    r->v[r->n++] = store_col_int64(st, 0);
    return r->n == r->stop_at ? r->stop_rc : AG_OK;
}

static const char *const SQL = "SELECT v FROM t WHERE k = ?1 AND v >= ?2 ORDER BY v";

static void test_rows_in_order_with_parameters(void **state)
{
    struct fixture *f = *state;
    const struct store_arg args[] = {STORE_ARG_TEXT("a", 1), STORE_ARG_INT64(2)};
    struct rows r = {.n = 0};
    assert_int_equal(store_pool_read(f->pool, SQL, args, 2, collect, &r), AG_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.v[0], 2);
    assert_int_equal(r.v[1], 3);
    /* again: the cached statement comes back reset, with the new bindings */
    const struct store_arg b[] = {STORE_ARG_TEXT("b", 1), STORE_ARG_INT64(0)};
    r.n = 0;
    assert_int_equal(store_pool_read(f->pool, SQL, b, 2, collect, &r), AG_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.v[0], 10);
}

static void test_no_rows_is_ok(void **state)
{
    struct fixture *f = *state;
    const struct store_arg args[] = {STORE_ARG_TEXT("", 0), STORE_ARG_INT64(0)};
    struct rows r = {.n = 0};
    assert_int_equal(store_pool_read(f->pool, SQL, args, 2, collect, &r), AG_OK);
    assert_int_equal(r.n, 0);
}

static void test_callback_error_stops_the_read(void **state)
{
    struct fixture *f = *state;
    const struct store_arg args[] = {STORE_ARG_TEXT("a", 1), STORE_ARG_INT64(0)};
    struct rows r = {.stop_at = 2, .stop_rc = AG_ENOMEM};
    assert_int_equal(store_pool_read(f->pool, SQL, args, 2, collect, &r), AG_ENOMEM);
    assert_int_equal(r.n, 2);
    /* the connection and its statement were given back: the next read works */
    r = (struct rows){.n = 0};
    assert_int_equal(store_pool_read(f->pool, SQL, args, 2, collect, &r), AG_OK);
    assert_int_equal(r.n, 3);
}

static void test_bad_sql_is_edb(void **state)
{
    struct fixture *f = *state;
    struct rows r = {.n = 0};
    assert_int_equal(store_pool_read(f->pool, "SELECT v FROM missing", NULL, 0, collect, &r),
                     AG_EDB);
    const struct store_arg args[] = {STORE_ARG_INT64(1)};
    assert_int_equal(store_pool_read(f->pool, "SELECT 1", args, 1, collect, &r), AG_EDB);
    assert_int_equal(r.n, 0);
}

static void test_run_writes_and_counts(void **state)
{
    struct fixture *f = *state;
    struct store_db *db = sf_open(f->path);
    const unsigned char blob[] = {0x00, 0xff, 0x00};
    assert_int_equal(store_exec(db, "CREATE TABLE w(k TEXT, v INTEGER, b BLOB)"), AG_OK);
    const struct store_arg args[] = {STORE_ARG_TEXT("k", 1), STORE_ARG_INT64(-7),
                                     STORE_ARG_BLOB(blob, sizeof(blob))};
    int64_t changes = -1;
    assert_int_equal(store_run(db, "INSERT INTO w VALUES (?1, ?2, ?3)", args, 3, &changes), AG_OK);
    assert_int_equal(changes, 1);
    assert_int_equal(store_run(db, "INSERT INTO w VALUES (?1, ?2, ?3)", args, 3, NULL), AG_OK);
    assert_int_equal(sf_query_int(db, "SELECT count(*) FROM w WHERE k = 'k' AND v = -7"
                                      " AND b = x'00ff00'"),
                     2);
    assert_int_equal(store_run(db, "DELETE FROM w WHERE v = ?1", args + 1, 1, &changes), AG_OK);
    assert_int_equal(changes, 2);
    assert_int_equal(store_run(db, "DELETE FROM missing", NULL, 0, &changes), AG_EDB);
    assert_int_equal(changes, 2); /* untouched on failure */
    store_close(db);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_rows_in_order_with_parameters), T(test_no_rows_is_ok),
        T(test_callback_error_stops_the_read), T(test_bad_sql_is_edb),
        T(test_run_writes_and_counts),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
