/*
 * store/store.h: SQLite behind a small API (the only place sqlite3.h is included).
 * A store_db is one connection; a store_pool hands out connections to threads.
 * OWNERSHIP: text and blobs returned by store_col_* are valid until the next step,
 * reset or finalize of that statement.
 * THREADS: a store_db and its statements, its statement cache included, belong to one
 * thread at a time: the thread that opened it or took it with store_pool_get, until
 * store_pool_put. A pool is safe from any thread (guarded by its mutex, never held across
 * a query).
 */
#ifndef AG_STORE_STORE_H
#define AG_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct store_db;
struct store_stmt;
struct store_pool;

enum store_flags {
    STORE_READONLY = 1 << 0,
    STORE_CREATE = 1 << 1,
};

enum store_engine { STORE_SQLITE, STORE_POSTGRES };

/* Open path (WAL journal, foreign keys on, 5 s busy timeout). */
ag_err store_open(const char *path, unsigned flags, struct store_db **out);
void store_close(struct store_db *db); /* NULL is a no-op */
/* Run one or more statements with no results. */
ag_err store_exec(struct store_db *db, const char *sql);
ag_err store_begin(struct store_db *db); /* BEGIN IMMEDIATE */
/* Serialise writers on lock n until the transaction ends (on SQLite BEGIN IMMEDIATE
 * already does: a no-op). */
ag_err store_lock(struct store_db *db, int64_t n);
enum store_engine store_engine(const struct store_db *db);
ag_err store_commit(struct store_db *db);
void store_rollback(struct store_db *db);
int64_t store_last_rowid(const struct store_db *db);
int64_t store_changes(const struct store_db *db);

ag_err store_prepare(struct store_db *db, const char *sql, struct store_stmt **out);
/* The connection's cached statement for sql (one statement; found by its text, not its
 * address, so built strings are fine), prepared on first use and reused after, which
 * saves the parse and plan on every request. It comes reset with no bindings; give it back
 * with store_finalize before the connection goes back to its pool or is closed. A connection
 * caches up to 16 texts and drops the least recently used; a text already out with a
 * caller, or a full table of statements in use, gets a private statement instead, so the
 * caller never sees the difference. */
ag_err store_prepare_cached(struct store_db *db, const char *sql, struct store_stmt **out);
/* Finalize a statement from store_prepare; one from store_prepare_cached is reset, its
 * bindings cleared and it goes back to the cache (it is freed by store_close).
 * NULL is a no-op. */
void store_finalize(struct store_stmt *st);
/* Parameters are numbered from 1. */
ag_err store_bind_text(struct store_stmt *st, int i, const char *p, size_t n);
ag_err store_bind_blob(struct store_stmt *st, int i, const void *p, size_t n);
ag_err store_bind_int64(struct store_stmt *st, int i, int64_t v);
ag_err store_bind_double(struct store_stmt *st, int i, double v);
ag_err store_bind_null(struct store_stmt *st, int i);
/* Advance; *row is true while a result row is available. */
ag_err store_step(struct store_stmt *st, bool *row);
void store_reset(struct store_stmt *st); /* also clears bindings */
/* Columns are numbered from 0. */
int64_t store_col_int64(struct store_stmt *st, int i);
double store_col_double(struct store_stmt *st, int i);
struct str store_col_text(struct store_stmt *st, int i);
struct str store_col_blob(struct store_stmt *st, int i);
bool store_col_is_null(struct store_stmt *st, int i);

/* A pool of up to max idle connections to one database file. */
ag_err store_pool_create(const char *path, unsigned flags, size_t max_idle,
                         struct store_pool **out);
void store_pool_destroy(struct store_pool *p);
/* Take a connection (opened if none idle); return it with store_pool_put. */
ag_err store_pool_get(struct store_pool *p, struct store_db **out);
void store_pool_put(struct store_pool *p, struct store_db *db);

#endif
