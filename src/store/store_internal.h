/*
 * store/store_internal.h: the PostgreSQL engine (store/postgres.c) as store/sqlite.c, which
 * holds the public store_* functions, calls it. A struct store_db or store_stmt for
 * PostgreSQL carries a pointer to one of these; every function here has the meaning of its
 * public namesake in store.h. store_sql_hash, defined in store/sqlite.c, serves both
 * engines' statement caches.
 * THREADS and OWNERSHIP: as in store.h.
 */
#ifndef AG_STORE_STORE_INTERNAL_H
#define AG_STORE_STORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct pg_db;
struct pg_stmt;

/* Does path name a PostgreSQL server (postgresql:// or postgres://)? */
bool store_pg_is_uri(const char *path);
/* The hash both engines' statement caches find a SQL text by (FNV-1a, 64 bits). */
uint64_t store_sql_hash(const char *sql);
/* Rewrite SQLite's ?N and ? parameters in sql as $N into out (initialised by the caller);
 * *n_params gets the highest number used. AG_EDB for a number of 0 or over 32766. */
ag_err store_pg_rewrite(const char *sql, struct buf *out, int *n_params);
/* uri with the password (in the user part or as password=) replaced by "***", for logs. */
void store_pg_redact(const char *uri, char *out, size_t out_len);

ag_err store_pg_open(const char *uri, bool readonly, struct pg_db **out);
void store_pg_close(struct pg_db *db);
/* store_pool_get: may an idle connection be handed out (no unexpected input, not broken)? */
bool store_pg_alive(struct pg_db *db);
/* store_pool_put: may it go back idle (rolled back to no transaction, not broken)? */
bool store_pg_reusable(struct pg_db *db);
ag_err store_pg_exec(struct pg_db *db, const char *sql);
ag_err store_pg_commit(struct pg_db *db);
void store_pg_rollback(struct pg_db *db);
ag_err store_pg_lock(struct pg_db *db, int64_t n);
int64_t store_pg_changes(const struct pg_db *db);

ag_err store_pg_prepare(struct pg_db *db, const char *sql, bool cached, struct pg_stmt **out);
void store_pg_finalize(struct pg_stmt *st);
/* p == NULL binds NULL; binary selects the binary format (blobs), else text. */
ag_err store_pg_bind(struct pg_stmt *st, int i, const void *p, size_t n, bool binary);
ag_err store_pg_step(struct pg_stmt *st, bool *row);
void store_pg_reset(struct pg_stmt *st);
int64_t store_pg_col_int64(struct pg_stmt *st, int i);
double store_pg_col_double(struct pg_stmt *st, int i);
struct str store_pg_col_bytes(struct pg_stmt *st, int i); /* text and blob alike */
bool store_pg_col_is_null(struct pg_stmt *st, int i);

#endif
