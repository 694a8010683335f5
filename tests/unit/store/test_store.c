// SPDX-License-Identifier: MIT
/*
 * tests/unit/store/test_store.c: the SQLite adapter (store/store.h).
 * Each test gets a fresh mkdtemp directory under /tmp, removed afterwards. Checks open
 * flags (WAL, foreign keys, read-only), binding and reading every column type, that
 * failed statements are AG_EDB, transactions, that the pool reuses connections, and the
 * statement cache (reuse, reset and cleared bindings on return, eviction, no read
 * transaction left open).
 * Property loops use a seeded PRNG: TEST_SEED=n replays a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_fixture.h"

/* ---- fixture: a temporary directory and a database path in it ------------------------------ */

struct fixture {
    char dir[64];
    char path[128];
};

static void path_in(const struct fixture *f, const char *name, char *out, size_t out_len)
{
    assert_true(tu_path(out, out_len, f->dir, name));
}

static int setup_dir(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || !sf_mkdir_db(f->dir, sizeof(f->dir), f->path, sizeof(f->path),
                           "/tmp/agentgate-test-store-XXXXXX")) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown_dir(void **state)
{
    struct fixture *f = *state;
    static const char *const files[] = {"test.db", "test.db-wal", "test.db-shm", "test.db-journal"};
    char p[160];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (tu_path(p, sizeof(p), f->dir, files[i]))
            unlink(p);
    }
    int rc = rmdir(f->dir); /* fails if a test left anything else behind */
    free(f);
    return rc == 0 ? 0 : -1;
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_store_open_exec_and_pragmas(void **state)
{
    struct fixture *f = *state;
    struct store_db *db = sf_open(f->path);
    assert_int_equal(access(f->path, F_OK), 0);
    assert_int_equal(store_exec(db, "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1), (2);"),
                     AG_OK);
    assert_int_equal(store_changes(db), 2);
    assert_int_equal(sf_query_int(db, "SELECT sum(a) FROM t"), 3);
    assert_int_equal(sf_query_int(db, "PRAGMA foreign_keys"), 1);
    struct store_stmt *st = NULL;
    bool row = false;
    assert_int_equal(store_prepare(db, "PRAGMA journal_mode", &st), AG_OK);
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_true(row);
    struct str mode = store_col_text(st, 0);
    assert_true(str_eq_cstr(mode, "wal"));
    store_finalize(st);
    store_close(db);
    store_close(NULL);
    store_finalize(NULL);
}

static void test_store_bind_step_columns(void **state)
{
    struct fixture *f = *state;
    struct store_db *db = sf_open(f->path);
    assert_int_equal(store_exec(db, "CREATE TABLE v(id INTEGER PRIMARY KEY, t TEXT, b BLOB, "
                                    "i INTEGER, d REAL, n TEXT)"),
                     AG_OK);
    struct store_stmt *ins = NULL;
    assert_int_equal(
        store_prepare(db, "INSERT INTO v(t, b, i, d, n) VALUES (?1, ?2, ?3, ?4, ?5)", &ins), AG_OK);
    const char text[] = "Gr\303\274\303\237e, 'quoted'; DROP TABLE v;--";
    const unsigned char blob[] = {0x00, 0xff, 0x00, 0x7f, 0x80};
    bool row = true;
    sf_bind_first_row(ins, text, sizeof(text) - 1, blob, sizeof(blob));
    assert_int_equal(store_step(ins, &row), AG_OK);
    assert_false(row);
    assert_int_equal(store_last_rowid(db), 1);
    assert_int_equal(store_changes(db), 1);

    /* Reset clears the bindings: unbound parameters are NULL. Rebind a second row. */
    store_reset(ins);
    assert_int_equal(store_bind_text(ins, 1, "abc", 2), AG_OK); /* only n bytes */
    assert_int_equal(store_bind_blob(ins, 2, NULL, 0), AG_OK);  /* empty, not NULL */
    assert_int_equal(store_bind_int64(ins, 3, INT64_MAX), AG_OK);
    assert_int_equal(store_step(ins, &row), AG_OK);
    assert_int_equal(store_last_rowid(db), 2);
    store_finalize(ins);

    struct store_stmt *sel = NULL;
    assert_int_equal(store_prepare(db, "SELECT t, b, i, d, n FROM v ORDER BY id", &sel), AG_OK);
    sf_check_first_row(sel, text, sizeof(text) - 1, blob, sizeof(blob));

    assert_int_equal(store_step(sel, &row), AG_OK);
    assert_true(row);
    assert_true(str_eq_cstr(store_col_text(sel, 0), "ab"));
    assert_false(store_col_is_null(sel, 1));
    assert_int_equal(store_col_blob(sel, 1).len, 0);
    assert_true(store_col_int64(sel, 2) == INT64_MAX);
    assert_true(store_col_is_null(sel, 3)); /* cleared by store_reset */
    assert_true(store_col_is_null(sel, 4));

    assert_int_equal(store_step(sel, &row), AG_OK);
    assert_false(row);
    store_finalize(sel);
    store_close(db);
}

static void test_store_failures_are_edb(void **state)
{
    struct fixture *f = *state;
    struct store_db *db = sf_open(f->path);
    assert_int_equal(store_exec(db, "CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT NOT NULL "
                                    "UNIQUE);"
                                    "CREATE TABLE c(pid INTEGER REFERENCES p(id));"
                                    "INSERT INTO p VALUES (1, 'one');"),
                     AG_OK);
    /* Bad SQL in exec and in prepare; a missing table. */
    assert_int_equal(store_exec(db, "SELEKT 1"), AG_EDB);
    assert_int_equal(store_exec(db, "INSERT INTO nope VALUES (1)"), AG_EDB);
    struct store_stmt *st = (struct store_stmt *)&tu_seed;
    assert_int_equal(store_prepare(db, "SELECT FROM WHERE", &st), AG_EDB);
    assert_ptr_equal(st, (struct store_stmt *)&tu_seed); /* untouched on failure */
    assert_int_equal(store_prepare(db, "SELECT * FROM missing", &st), AG_EDB);

    /* Constraint violations at step time: UNIQUE, NOT NULL, foreign key. */
    bool row = true;
    assert_int_equal(store_prepare(db, "INSERT INTO p(name) VALUES (?1)", &st), AG_OK);
    assert_int_equal(store_bind_text(st, 1, "one", 3), AG_OK);
    assert_int_equal(store_step(st, &row), AG_EDB);
    assert_false(row);
    store_reset(st);
    assert_int_equal(store_step(st, &row), AG_EDB); /* ?1 cleared: NULL name */
    store_reset(st);
    assert_int_equal(store_bind_text(st, 1, "two", 3), AG_OK);
    assert_int_equal(store_step(st, &row), AG_OK); /* the statement still works */
    store_finalize(st);
    assert_int_equal(store_exec(db, "INSERT INTO c VALUES (99)"), AG_EDB);
    assert_int_equal(store_exec(db, "INSERT INTO c VALUES (1)"), AG_OK);

    /* Binding a parameter that does not exist. */
    assert_int_equal(store_prepare(db, "SELECT ?1", &st), AG_OK);
    assert_int_equal(store_bind_int64(st, 2, 5), AG_EDB);
    assert_int_equal(store_bind_int64(st, 0, 5), AG_EDB);
    store_finalize(st);

    /* Nothing from the failures was written. */
    assert_int_equal(sf_query_int(db, "SELECT count(*) FROM p"), 2);
    assert_int_equal(sf_query_int(db, "SELECT count(*) FROM c"), 1);
    store_close(db);
}

static void test_store_transactions(void **state)
{
    struct fixture *f = *state;
    struct store_db *db = sf_open(f->path);
    assert_int_equal(store_exec(db, "CREATE TABLE t(a)"), AG_OK);
    assert_int_equal(store_begin(db), AG_OK);
    assert_int_equal(store_exec(db, "INSERT INTO t VALUES (1)"), AG_OK);
    store_rollback(db);
    assert_int_equal(sf_query_int(db, "SELECT count(*) FROM t"), 0);
    store_rollback(db); /* outside a transaction: harmless */
    assert_int_equal(store_begin(db), AG_OK);
    assert_int_equal(store_begin(db), AG_EDB); /* no nesting */
    assert_int_equal(store_exec(db, "INSERT INTO t VALUES (1), (2)"), AG_OK);
    assert_int_equal(store_commit(db), AG_OK);
    assert_int_equal(store_commit(db), AG_EDB); /* nothing to commit */
    store_close(db);

    /* Committed data is on disk for a new connection. */
    db = sf_open(f->path);
    assert_int_equal(sf_query_int(db, "SELECT count(*) FROM t"), 2);
    store_close(db);
}

static void test_store_readonly(void **state)
{
    struct fixture *f = *state;
    char missing[160];
    path_in(f, "missing.db", missing, sizeof(missing));
    struct store_db *db = (struct store_db *)&tu_seed;
    assert_int_equal(store_open(missing, STORE_READONLY, &db), AG_ENOTFOUND);
    assert_ptr_equal(db, (struct store_db *)&tu_seed);
    assert_int_equal(access(missing, F_OK), -1); /* and it was not created */
    /* Read-write without STORE_CREATE does not create it either. */
    assert_int_equal(store_open(missing, 0, &db), AG_ENOTFOUND);
    assert_int_equal(access(missing, F_OK), -1);
    /* A directory that does not exist. */
    path_in(f, "no/such/dir.db", missing, sizeof(missing));
    assert_int_equal(store_open(missing, STORE_CREATE, &db), AG_ENOTFOUND);

    /* An existing file opened read-only: reads work, writes fail. */
    db = sf_open(f->path);
    assert_int_equal(store_exec(db, "CREATE TABLE t(a); INSERT INTO t VALUES (7);"), AG_OK);
    store_close(db);
    assert_int_equal(store_open(f->path, STORE_READONLY, &db), AG_OK);
    assert_int_equal(sf_query_int(db, "SELECT a FROM t"), 7);
    assert_int_equal(store_exec(db, "INSERT INTO t VALUES (8)"), AG_EDB);
    store_close(db);
    db = sf_open(f->path);
    assert_int_equal(sf_query_int(db, "SELECT count(*) FROM t"), 1);
    store_close(db);
}

/* A TEMP table lives only in its connection, so finding it proves the same one came back. */
static bool has_marker(struct store_db *db)
{
    return store_exec(db, "SELECT * FROM temp.marker") == AG_OK;
}

static void test_store_pool_reuse(void **state)
{
    struct fixture *f = *state;
    struct store_pool *p = NULL;
    assert_int_equal(store_pool_create(f->path, STORE_CREATE, 1, &p), AG_OK);
    struct store_db *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(store_pool_get(p, &a), AG_OK);
    assert_int_equal(store_exec(a, "CREATE TEMP TABLE marker(x)"), AG_OK);
    assert_true(has_marker(a));
    store_pool_put(p, a);

    /* The idle connection comes back. */
    assert_int_equal(store_pool_get(p, &b), AG_OK);
    assert_ptr_equal(b, a);
    assert_true(has_marker(b));
    /* With it taken, the next get opens a fresh connection. */
    assert_int_equal(store_pool_get(p, &c), AG_OK);
    assert_ptr_not_equal(c, b);
    assert_false(has_marker(c));
    /* Both share the database file. */
    assert_int_equal(store_exec(b, "CREATE TABLE shared(x); INSERT INTO shared VALUES (5)"), AG_OK);
    assert_int_equal(sf_query_int(c, "SELECT x FROM shared"), 5);

    /* max_idle is 1: of two returned connections only the first is kept. */
    store_pool_put(p, b);
    store_pool_put(p, c);
    struct store_db *d = NULL, *e = NULL;
    assert_int_equal(store_pool_get(p, &d), AG_OK);
    assert_true(has_marker(d)); /* b, kept */
    assert_int_equal(store_pool_get(p, &e), AG_OK);
    assert_false(has_marker(e)); /* c was closed: a new connection */
    store_pool_put(p, d);
    store_pool_put(p, e);
    store_pool_put(p, NULL);
    store_pool_destroy(p);
    store_pool_destroy(NULL);

    /* max_idle 0: nothing is kept. */
    assert_int_equal(store_pool_create(f->path, 0, 0, &p), AG_OK);
    assert_int_equal(store_pool_get(p, &a), AG_OK);
    assert_int_equal(store_exec(a, "CREATE TEMP TABLE marker(x)"), AG_OK);
    store_pool_put(p, a);
    assert_int_equal(store_pool_get(p, &b), AG_OK);
    assert_false(has_marker(b));
    store_pool_put(p, b);
    store_pool_destroy(p);

    /* A pool on a missing file without STORE_CREATE fails at get. */
    char missing[160];
    path_in(f, "absent.db", missing, sizeof(missing));
    assert_int_equal(store_pool_create(missing, STORE_READONLY, 2, &p), AG_OK);
    assert_int_equal(store_pool_get(p, &a), AG_ENOTFOUND);
    store_pool_destroy(p);
}

/* Random rows written through binds read back byte for byte. */
static void test_store_round_trip_property(void **state)
{
    struct fixture *f = *state;
    tu_rng_seed();
    struct store_db *db = sf_open(f->path);
    assert_int_equal(store_exec(db, "CREATE TABLE r(id INTEGER PRIMARY KEY, t TEXT, b BLOB, "
                                    "i INTEGER, d REAL)"),
                     AG_OK);
    enum { ROWS = 300 };
    static char texts[ROWS][80];
    static unsigned char blobs[ROWS][80];
    static size_t tlen[ROWS], blen[ROWS];
    static int64_t ints[ROWS];
    static double dbls[ROWS];
    struct store_stmt *ins = NULL;
    assert_int_equal(
        store_prepare(db, "INSERT INTO r(id, t, b, i, d) VALUES (?, ?, ?, ?, ?)", &ins), AG_OK);
    assert_int_equal(store_begin(db), AG_OK);
    for (size_t r = 0; r < ROWS; r++) {
        tlen[r] = tu_rng_below(sizeof(texts[r]));
        for (size_t i = 0; i < tlen[r]; i++)
            texts[r][i] = (char)(1 + tu_rng_below(127)); /* ASCII without NUL */
        blen[r] = tu_rng_below(sizeof(blobs[r]));
        for (size_t i = 0; i < blen[r]; i++)
            blobs[r][i] = (unsigned char)tu_rng_next();
        ints[r] = (int64_t)tu_rng_next();
        dbls[r] = (double)(int64_t)tu_rng_next() / 1024.0;
        bool row = true;
        TU_PROP_CHECK(store_bind_int64(ins, 1, (int64_t)r + 1) == AG_OK);
        TU_PROP_CHECK(store_bind_text(ins, 2, texts[r], tlen[r]) == AG_OK);
        TU_PROP_CHECK(store_bind_blob(ins, 3, blobs[r], blen[r]) == AG_OK);
        TU_PROP_CHECK(store_bind_int64(ins, 4, ints[r]) == AG_OK);
        TU_PROP_CHECK(store_bind_double(ins, 5, dbls[r]) == AG_OK);
        TU_PROP_CHECK(store_step(ins, &row) == AG_OK && !row);
        store_reset(ins);
    }
    assert_int_equal(store_commit(db), AG_OK);
    store_finalize(ins);

    struct store_stmt *sel = NULL;
    assert_int_equal(store_prepare(db, "SELECT t, b, i, d FROM r WHERE id = ?", &sel), AG_OK);
    for (size_t k = 0; k < ROWS; k++) {
        size_t r = tu_rng_below(ROWS);
        bool row = false;
        TU_PROP_CHECK(store_bind_int64(sel, 1, (int64_t)r + 1) == AG_OK);
        TU_PROP_CHECK(store_step(sel, &row) == AG_OK && row);
        struct str t = store_col_text(sel, 0), b = store_col_blob(sel, 1);
        TU_PROP_CHECK(t.len == tlen[r] && (t.len == 0 || memcmp(t.p, texts[r], t.len) == 0));
        TU_PROP_CHECK(b.len == blen[r] && (b.len == 0 || memcmp(b.p, blobs[r], b.len) == 0));
        TU_PROP_CHECK(store_col_int64(sel, 2) == ints[r]);
        TU_PROP_CHECK(store_col_double(sel, 3) == dbls[r]);
        TU_PROP_CHECK(store_step(sel, &row) == AG_OK && !row);
        store_reset(sel);
    }
    store_finalize(sel);
    assert_int_equal(sf_query_int(db, "SELECT count(*) FROM r"), ROWS);
    store_close(db);
}

/* ---- the per-connection statement cache ------------------------------------------------ */

static void test_store_cache_reuse_reset_and_bindings(void **state)
{
    struct fixture *f = *state;
    struct store_db *db = sf_open(f->path);
    assert_int_equal(store_exec(db, "CREATE TABLE t(a); INSERT INTO t VALUES (1), (2), (3);"),
                     AG_OK);
    static const char sql[] = "SELECT a, ?1 FROM t ORDER BY a";
    struct store_stmt *st = NULL, *again = NULL;
    bool row = false;
    assert_int_equal(store_prepare_cached(db, sql, &st), AG_OK);
    assert_int_equal(store_bind_int64(st, 1, 42), AG_OK);
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_true(row);
    assert_int_equal(store_col_int64(st, 0), 1);
    assert_int_equal(store_col_int64(st, 1), 42);
    assert_int_equal(store_step(st, &row), AG_OK); /* left mid-result: row 2 */
    store_finalize(st);

    /* The same statement, found by its text (a copy at another address), reset: row 1 again,
     * and ?1 no longer bound. */
    char copy[sizeof(sql)];
    memcpy(copy, sql, sizeof(sql));
    assert_int_equal(store_prepare_cached(db, copy, &again), AG_OK);
    assert_ptr_equal(again, st);
    assert_int_equal(store_step(again, &row), AG_OK);
    assert_true(row);
    assert_int_equal(store_col_int64(again, 0), 1);
    assert_true(store_col_is_null(again, 1));
    store_finalize(again);

    /* The same text while it is out with a caller: a private statement, not the cached one. */
    struct store_stmt *outer = NULL, *inner = NULL;
    assert_int_equal(store_prepare_cached(db, sql, &outer), AG_OK);
    assert_int_equal(store_step(outer, &row), AG_OK);
    assert_int_equal(store_prepare_cached(db, sql, &inner), AG_OK);
    assert_ptr_not_equal(inner, outer);
    assert_int_equal(store_step(inner, &row), AG_OK);
    assert_int_equal(store_col_int64(inner, 0), 1);
    assert_int_equal(store_step(outer, &row), AG_OK);
    assert_int_equal(store_col_int64(outer, 0), 2); /* inner did not disturb outer */
    store_finalize(inner);
    store_finalize(outer);
    assert_int_equal(store_prepare_cached(db, sql, &again), AG_OK);
    assert_ptr_equal(again, st);
    store_finalize(again);

    /* Bad SQL fails like store_prepare and leaves *out alone; the cache still works. */
    struct store_stmt *bad = (struct store_stmt *)&tu_seed;
    assert_int_equal(store_prepare_cached(db, "SELEC nonsense", &bad), AG_EDB);
    assert_ptr_equal(bad, (struct store_stmt *)&tu_seed);
    assert_int_equal(store_prepare_cached(db, sql, &again), AG_OK);
    assert_ptr_equal(again, st);
    store_finalize(again);
    store_close(db); /* frees the cached statements: ASan's leak check would see them */
}

/* The single integer a cached statement returns. */
static int64_t cached_int(struct store_db *db, const char *sql, struct store_stmt **st_out)
{
    struct store_stmt *st = NULL;
    bool row = false;
    assert_int_equal(store_prepare_cached(db, sql, &st), AG_OK);
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_true(row);
    int64_t v = store_col_int64(st, 0);
    store_finalize(st);
    if (st_out)
        *st_out = st;
    return v;
}

static void test_store_cache_more_statements_than_slots(void **state)
{
    struct fixture *f = *state;
    struct store_db *db = sf_open(f->path);
    enum { N = 40 }; /* well over the 16 slots */
    char sql[N][32];
    struct store_stmt *seen[N];
    for (int i = 0; i < N; i++) {
        assert_true(snprintf(sql[i], sizeof(sql[i]), "SELECT %d", i) > 0);
        assert_int_equal(cached_int(db, sql[i], &seen[i]), i);
    }
    /* The most recent ones are still cached; the first were evicted and come back working. */
    assert_int_equal(cached_int(db, sql[N - 1], NULL), N - 1);
    struct store_stmt *st = NULL;
    assert_int_equal(store_prepare_cached(db, sql[N - 2], &st), AG_OK);
    assert_ptr_equal(st, seen[N - 2]);
    store_finalize(st);
    for (int i = 0; i < N; i++)
        assert_int_equal(cached_int(db, sql[i], NULL), i);

    /* All of them out at once: past the slots, callers get private statements that work. */
    struct store_stmt *out[N];
    for (int i = 0; i < N; i++) {
        bool row = false;
        assert_int_equal(store_prepare_cached(db, sql[i], &out[i]), AG_OK);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(out[i], out[j]);
        assert_int_equal(store_step(out[i], &row), AG_OK);
        assert_true(row);
        assert_int_equal(store_col_int64(out[i], 0), i);
    }
    for (int i = 0; i < N; i++)
        store_finalize(out[i]);
    for (int i = N - 1; i >= 0; i--)
        assert_int_equal(cached_int(db, sql[i], NULL), i);
    store_close(db);
}

/* A cached statement given back mid-result holds no read transaction: a TRUNCATE checkpoint
 * by another connection completes (busy = 0) and the WAL is emptied. */
static void test_store_cache_releases_read_transaction(void **state)
{
    struct fixture *f = *state;
    struct store_db *w = sf_open(f->path);
    assert_int_equal(store_exec(w, "CREATE TABLE t(a); INSERT INTO t VALUES (1), (2);"), AG_OK);
    struct store_db *r = NULL;
    assert_int_equal(store_open(f->path, STORE_READONLY, &r), AG_OK);
    struct store_stmt *st = NULL;
    bool row = false;
    assert_int_equal(store_prepare_cached(r, "SELECT a FROM t", &st), AG_OK);
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_true(row); /* a read transaction is open now */
    store_finalize(st);
    assert_int_equal(store_exec(w, "INSERT INTO t VALUES (3)"), AG_OK);
    struct store_stmt *ck = NULL;
    assert_int_equal(store_prepare(w, "PRAGMA wal_checkpoint(TRUNCATE)", &ck), AG_OK);
    assert_int_equal(store_step(ck, &row), AG_OK);
    assert_true(row);
    assert_int_equal(store_col_int64(ck, 0), 0); /* busy */
    store_finalize(ck);
    assert_int_equal(cached_int(r, "SELECT count(*) FROM t", NULL), 3);
    store_close(r);
    store_close(w);
}

/* The cache stays with its connection through the pool. */
static void test_store_cache_survives_pool(void **state)
{
    struct fixture *f = *state;
    struct store_pool *p = NULL;
    assert_int_equal(store_pool_create(f->path, STORE_CREATE, 1, &p), AG_OK);
    struct store_db *db = NULL;
    struct store_stmt *first = NULL, *st = NULL;
    assert_int_equal(store_pool_get(p, &db), AG_OK);
    assert_int_equal(cached_int(db, "SELECT 7", &first), 7);
    store_pool_put(p, db);
    assert_int_equal(store_pool_get(p, &db), AG_OK);
    assert_int_equal(store_prepare_cached(db, "SELECT 7", &st), AG_OK);
    assert_ptr_equal(st, first);
    store_finalize(st);
    store_pool_put(p, db);
    store_pool_destroy(p); /* closes the idle connection and its statements */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_dir, teardown_dir)
    const struct CMUnitTest tests[] = {
        T(test_store_open_exec_and_pragmas),
        T(test_store_bind_step_columns),
        T(test_store_failures_are_edb),
        T(test_store_transactions),
        T(test_store_readonly),
        T(test_store_pool_reuse),
        T(test_store_round_trip_property),
        T(test_store_cache_reuse_reset_and_bindings),
        T(test_store_cache_more_statements_than_slots),
        T(test_store_cache_releases_read_transaction),
        T(test_store_cache_survives_pool),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
