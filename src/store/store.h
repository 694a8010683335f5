/*
 * store/store.h: SQLite or PostgreSQL behind one small API. store/sqlite.c holds the public
 * functions and the SQLite engine (the only file that includes sqlite3.h); a connection
 * opened from a postgresql:// or postgres:// URI is dispatched to store/postgres.c (the
 * only file that includes libpq-fe.h). A store_db is one connection; a store_pool hands out
 * connections to threads; store/query.c runs one statement with an argument list
 * (store_pool_read on a pool's connection, store_run on a connection).
 * SQL: write SQLite's numbered parameters ?1, ?2 (a bare ? takes the next number); on
 * PostgreSQL they become $1, $2 (not inside string literals, quoted identifiers, dollar
 * quotes or comments), so jsonb's ? operators cannot be written there: use jsonb_exists().
 * Write DDL per engine where the types differ (store_engine()); on PostgreSQL a blob
 * parameter needs a bytea context (a bytea column, or ?1::bytea).
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

enum store_engine {
    STORE_SQLITE = 0,
    STORE_POSTGRES,
};

enum store_flags {
    STORE_READONLY = 1 << 0,
    STORE_CREATE = 1 << 1,
};

/* Open path: a SQLite file (WAL journal, foreign keys on, 5 s busy timeout), or a libpq
 * connection URI when path starts with postgresql:// or postgres:// (connect_timeout 5 s
 * unless the URI sets one; STORE_READONLY makes every transaction read only there, and
 * STORE_CREATE means nothing: the database and the grants are the server's).
 * PostgreSQL errors: a bad URI or a refused login is AG_ECONFIG, a server that cannot be
 * reached or a connection lost later is AG_EIO (a lost connection stays lost: close it and
 * open another, or use a pool, which does so); the password is never logged. */
ag_err store_open(const char *path, unsigned flags, struct store_db **out);
void store_close(struct store_db *db); /* NULL is a no-op */
enum store_engine store_engine(const struct store_db *db);
/* Run one or more statements with no results (no parameters). */
ag_err store_exec(struct store_db *db, const char *sql);
/* SQLite: BEGIN IMMEDIATE, which serialises writers. PostgreSQL: BEGIN (read committed),
 * which does not: a read-then-write that must not interleave with another instance's takes
 * store_lock() first. */
ag_err store_begin(struct store_db *db);
/* AG_EDB when the transaction could not commit (on PostgreSQL also when an earlier error
 * had aborted it: the server then rolled it back). */
ag_err store_commit(struct store_db *db);
void store_rollback(struct store_db *db);
/* Inside store_begin .. store_commit/rollback: PostgreSQL takes the transaction-scoped
 * advisory lock n (pg_advisory_xact_lock), waiting for other connections that hold it; it
 * is released at commit or rollback. SQLite: nothing to do (BEGIN IMMEDIATE already holds
 * the write lock); AG_OK. */
ag_err store_lock(struct store_db *db, int64_t n);
/* SQLite: the rowid of the last insert. PostgreSQL has none: -1 there; use RETURNING. */
int64_t store_last_rowid(const struct store_db *db);
/* Rows changed by the last INSERT, UPDATE or DELETE on this connection. */
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
/* Advance; *row is true while a result row is available. PostgreSQL runs the statement at
 * the first step and holds all its rows; later steps walk them. */
ag_err store_step(struct store_stmt *st, bool *row);
void store_reset(struct store_stmt *st); /* also clears bindings */
/* Columns are numbered from 0. A NULL, a column out of range or no current row read as
 * 0, 0.0 or an empty non-NULL view, as SQLite does; on PostgreSQL a bytea column reads as
 * its bytes, and a value that is no number reads as 0 for the numeric getters (logged). */
int64_t store_col_int64(struct store_stmt *st, int i);
double store_col_double(struct store_stmt *st, int i);
struct str store_col_text(struct store_stmt *st, int i);
struct str store_col_blob(struct store_stmt *st, int i);
bool store_col_is_null(struct store_stmt *st, int i);

/* A pool of up to max idle connections to one database file or PostgreSQL URI. A
 * PostgreSQL connection that broke, or that comes back inside a transaction that cannot be
 * rolled back, is closed instead of kept; store_pool_get checks an idle one before handing
 * it out and opens a new one in its place. */
ag_err store_pool_create(const char *path, unsigned flags, size_t max_idle,
                         struct store_pool **out);
void store_pool_destroy(struct store_pool *p);
/* Take a connection (opened if none idle); return it with store_pool_put. */
ag_err store_pool_get(struct store_pool *p, struct store_db **out);
void store_pool_put(struct store_pool *p, struct store_db *db);

/* One parameter of store_pool_read or store_run: an integer, text or a blob (p, len). */
enum store_arg_kind {
    STORE_ARG_KIND_INT64 = 0,
    STORE_ARG_KIND_TEXT,
    STORE_ARG_KIND_BLOB,
};
struct store_arg {
    enum store_arg_kind kind;
    const void *p;
    size_t len;
    int64_t i64;
};
#define STORE_ARG_INT64(v) ((struct store_arg){.kind = STORE_ARG_KIND_INT64, .i64 = (v)})
#define STORE_ARG_TEXT(text, n)                                                                    \
    ((struct store_arg){.kind = STORE_ARG_KIND_TEXT, .p = (text), .len = (n)})
#define STORE_ARG_BLOB(blob, n)                                                                    \
    ((struct store_arg){.kind = STORE_ARG_KIND_BLOB, .p = (blob), .len = (n)})

/* Called for each result row; anything but AG_OK stops the read and is its result. */
typedef ag_err (*store_row_fn)(void *ctx, struct store_stmt *st);
/* The read that every reader pool repeats: take a connection from p, get the cached
 * statement for sql, bind args[0 .. n_args) to ?1 .. ?n_args, call row(ctx, st) for each
 * result row, then finalize and put the connection back. Returns the first error of
 * store_pool_get, store_prepare_cached, a bind, store_step or row; a query without rows
 * returns AG_OK without calling row (ctx tells the caller whether any came). */
ag_err store_pool_read(struct store_pool *p, const char *sql, const struct store_arg *args,
                       size_t n_args, store_row_fn row, void *ctx);
/* The write every writer repeats: on db, the cached statement for sql with args[0 .. n_args)
 * bound to ?1 .. ?n_args, stepped once and given back; *changes (when not NULL) gets the
 * rows it changed. Returns the first error of store_prepare_cached, a bind or store_step. */
ag_err store_run(struct store_db *db, const char *sql, const struct store_arg *args, size_t n_args,
                 int64_t *changes);

#endif
