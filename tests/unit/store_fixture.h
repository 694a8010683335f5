// SPDX-License-Identifier: MIT
/*
 * tests/unit/store_fixture.h: what the store tests (store/test_store.c, store/test_postgres.c)
 * share, all static and prefixed sf_: a fresh mkdtemp folder with a SQLite database path in
 * it, opening a database with checks, and the one integer a query returns.
 * OWNERSHIP: the caller removes the folder; sf_open's connection is the caller's to close.
 */
#ifndef AG_TESTS_UNIT_STORE_FIXTURE_H
#define AG_TESTS_UNIT_STORE_FIXTURE_H

#include "core/log.h"
#include "store/store.h"
#include "test_util.h"

/* A new folder from tmpl ("...XXXXXX") into dir and dir/test.db into path; false when
 * either does not fit or mkdtemp fails. Turns the log off: the tests run failing
 * statements on purpose, and their errors would only clutter the output. */
static inline bool sf_mkdir_db(char *dir, size_t dir_n, char *path, size_t path_n, const char *tmpl)
{
    if (!tu_mkdtemp(dir, dir_n, tmpl) || !tu_path(path, path_n, dir, "test.db"))
        return false;
    log_min_level = LOG_OFF;
    return true;
}

/* store_open(path, STORE_CREATE), failing the test unless it succeeds. */
static inline struct store_db *sf_open(const char *path)
{
    struct store_db *db = NULL;
    assert_int_equal(store_open(path, STORE_CREATE, &db), AG_OK);
    assert_non_null(db);
    return db;
}

/* The single integer sql returns: exactly one row is checked for. */
static inline int64_t sf_query_int(struct store_db *db, const char *sql)
{
    struct store_stmt *st = NULL;
    bool row = false;
    assert_int_equal(store_prepare(db, sql, &st), AG_OK);
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_true(row);
    int64_t v = store_col_int64(st, 0);
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_false(row);
    store_finalize(st);
    return v;
}

/* Bind the first row both round-trip tests insert into v(t, b, i, d, n): text and blob as
 * given, INT64_MIN, -2.5e-7 and a NULL. */
static inline void sf_bind_first_row(struct store_stmt *ins, const char *text, size_t text_len,
                                     const void *blob, size_t blob_len)
{
    assert_int_equal(store_bind_text(ins, 1, text, text_len), AG_OK);
    assert_int_equal(store_bind_blob(ins, 2, blob, blob_len), AG_OK);
    assert_int_equal(store_bind_int64(ins, 3, INT64_MIN), AG_OK);
    assert_int_equal(store_bind_double(ins, 4, -2.5e-7), AG_OK);
    assert_int_equal(store_bind_null(ins, 5), AG_OK);
}

/* Step sel ("SELECT t, b, i, d, n ...") to its first row and check it holds what
 * sf_bind_first_row bound; the NULL reads as an empty non-NULL view. */
static inline void sf_check_first_row(struct store_stmt *sel, const char *text, size_t text_len,
                                      const void *blob, size_t blob_len)
{
    bool row = false;
    assert_int_equal(store_step(sel, &row), AG_OK);
    assert_true(row);
    struct str t = store_col_text(sel, 0);
    assert_int_equal(t.len, text_len);
    assert_memory_equal(t.p, text, t.len);
    struct str b = store_col_blob(sel, 1);
    assert_int_equal(b.len, blob_len);
    assert_memory_equal(b.p, blob, blob_len);
    assert_true(store_col_int64(sel, 2) == INT64_MIN);
    assert_true(store_col_double(sel, 3) == -2.5e-7);
    assert_true(store_col_is_null(sel, 4));
    assert_false(store_col_is_null(sel, 0));
    assert_false(store_col_is_null(sel, 1));
    struct str nul = store_col_text(sel, 4);
    assert_non_null(nul.p);
    assert_int_equal(nul.len, 0);
}

#endif
