// SPDX-License-Identifier: MIT
/*
 * store/query.c: one cached statement run with an argument list, the pattern the modules
 * would otherwise each write out. store_pool_read reads on a pool's connection with a
 * callback per row (kb, audit readers); store_run writes on a connection (the audit
 * writer). Built on the public store_* API only, so it works the same on SQLite and
 * PostgreSQL; it lives apart from store/sqlite.c so that no engine's internals show here.
 * THREADS: as store.h: store_pool_read's connection is this thread's from store_pool_get to
 * store_pool_put, and the row callback runs on it in between; store_run's db is the caller's.
 * OWNERSHIP: the row callback borrows the statement; column views die with the next step.
 */
#include "store/store.h"

/* args[i] to ?i+1; the first error. */
static ag_err bind_args(struct store_stmt *st, const struct store_arg *args, size_t n_args)
{
    ag_err rc = AG_OK;
    for (size_t i = 0; rc == AG_OK && i < n_args; i++) {
        const struct store_arg *a = &args[i];
        switch (a->kind) {
        case STORE_ARG_KIND_TEXT:
            rc = store_bind_text(st, (int)i + 1, a->p, a->len);
            break;
        case STORE_ARG_KIND_BLOB:
            rc = store_bind_blob(st, (int)i + 1, a->p, a->len);
            break;
        case STORE_ARG_KIND_INT64:
        default:
            rc = store_bind_int64(st, (int)i + 1, a->i64);
            break;
        }
    }
    return rc;
}

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
    rc = rc ? rc : bind_args(st, args, n_args);
    while (rc == AG_OK && (rc = store_step(st, &more)) == AG_OK && more)
        rc = row(ctx, st);
    store_finalize(st);
    store_pool_put(p, db);
    return rc;
}

ag_err store_run(struct store_db *db, const char *sql, const struct store_arg *args, size_t n_args,
                 int64_t *changes)
{
    struct store_stmt *st = NULL;
    bool row = false;
    ag_err rc = store_prepare_cached(db, sql, &st);
    rc = rc ? rc : bind_args(st, args, n_args);
    rc = rc ? rc : store_step(st, &row);
    if (rc == AG_OK && changes)
        *changes = store_changes(db);
    store_finalize(st);
    return rc;
}
