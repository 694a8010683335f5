// SPDX-License-Identifier: MIT
/*
 * store/read.c: store_pool_read, the one-statement read that the modules with a reader pool
 * (auth, kb, audit) would otherwise each write out: take a connection, get the cached
 * statement, bind, step with a callback per row, give both back. Built on the public
 * store_* API only, so it works the same on SQLite and PostgreSQL; it lives apart from
 * store/sqlite.c so that neither engine's internals show through it.
 * THREADS: as store.h: the connection is this thread's from store_pool_get to
 * store_pool_put, and the row callback runs on it in between.
 * OWNERSHIP: the row callback borrows the statement; column views die with the next step.
 */
#include "store/store.h"

ag_err store_pool_read(struct store_pool *p, const char *sql, const struct store_arg *args,
                       size_t n_args, store_row_fn row, void *ctx)
{
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool more = false;
    ag_err rc = store_pool_get(p, &db);
    if (rc != AG_OK)
        return rc;
    rc = store_prepare_cached(db, sql, &st);
    for (size_t i = 0; rc == AG_OK && i < n_args; i++)
        rc = args[i].p ? store_bind_text(st, (int)i + 1, args[i].p, args[i].len)
                       : store_bind_int64(st, (int)i + 1, args[i].i64);
    while (rc == AG_OK && (rc = store_step(st, &more)) == AG_OK && more)
        rc = row(ctx, st);
    store_finalize(st);
    store_pool_put(p, db);
    return rc;
}
