// SPDX-License-Identifier: MIT
/*
 * store/sqlite.c: the SQLite adapter. Translates SQLITE_* codes into ag_err and logs the
 * original message here, once. Connections use WAL so readers never block the writer.
 * Each connection keeps up to STORE_CACHE_SLOTS prepared statements (store_prepare_cached),
 * found by the SQL text's hash and then compared byte for byte, evicted least recently used.
 * A cached statement goes back reset and with its bindings cleared, so an idle one holds no
 * read transaction open (which would stop WAL checkpoints) and no caller's data.
 * The public functions live here: a connection or statement for PostgreSQL carries its
 * engine's handle (pg), and each function hands it to store/postgres.c at its top, so
 * SQLite pays one predictable branch.
 * THREADS: see store.h; the pool's idle list is guarded by pool->mu; a connection's cache
 * belongs to whichever thread holds the connection.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/store.h"
#include "store/store_internal.h"

#define IS_PG(x) __builtin_expect((x)->pg != NULL, 0)

/* 16 covers every statement one connection runs per request (auth, kb, audit) with room. */
#define STORE_CACHE_SLOTS 16

struct store_stmt {
    sqlite3_stmt *h;
    struct pg_stmt *pg; /* PostgreSQL: its statement, and h is NULL */
    struct store_db *db;
    /* Cached statements only (they live in db->cache, never malloc'd on their own): */
    uint64_t hash;     /* of the SQL text; 0 for an empty slot is fine, h is what marks it */
    uint64_t last_use; /* db->tick at the last store_prepare_cached: LRU eviction */
    bool cached, in_use;
};

struct store_db {
    sqlite3 *h;
    struct pg_db *pg; /* PostgreSQL: its connection, h is NULL and the cache unused */
    struct store_db *next_idle;
    uint64_t tick;
    struct store_stmt cache[STORE_CACHE_SLOTS];
};

struct store_pool {
    pthread_mutex_t mu;
    char *path;
    unsigned flags;
    size_t max_idle, n_idle;
    struct store_db *idle;
};

static ag_err fail(struct store_db *db, const char *what)
{
    log_error("store: %s: %s", what, db && db->h ? sqlite3_errmsg(db->h) : "no connection");
    return AG_EDB;
}

ag_err store_open(const char *path, unsigned flags, struct store_db **out)
{
    struct store_db *db = calloc(1, sizeof(*db));
    if (!db)
        return AG_ENOMEM;
    if (store_pg_is_uri(path)) {
        ag_err rc = store_pg_open(path, flags & STORE_READONLY, &db->pg);
        if (rc != AG_OK) {
            free(db);
            return rc;
        }
        *out = db;
        return AG_OK;
    }
    int oflags = SQLITE_OPEN_NOMUTEX;
    oflags |= (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (flags & STORE_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &db->h, oflags, NULL);
    if (rc != SQLITE_OK) {
        log_error("store: open %s: %s", path, db->h ? sqlite3_errmsg(db->h) : "out of memory");
        store_close(db);
        return rc == SQLITE_CANTOPEN ? AG_ENOTFOUND : AG_EDB;
    }
    sqlite3_busy_timeout(db->h, 5000);
    sqlite3_extended_result_codes(db->h, 1);
    const char *pragmas = (flags & STORE_READONLY)
                              ? "PRAGMA foreign_keys=ON;"
                              : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                "PRAGMA foreign_keys=ON;";
    if (store_exec(db, pragmas) != AG_OK) {
        store_close(db);
        return AG_EDB;
    }
    *out = db;
    return AG_OK;
}

void store_close(struct store_db *db)
{
    if (!db)
        return;
    store_pg_close(db->pg); /* NULL for SQLite */
    for (size_t i = 0; i < STORE_CACHE_SLOTS; i++) {
        assert(!db->cache[i].in_use); /* a caller still holds it: finalize it first */
        sqlite3_finalize(db->cache[i].h);
    }
    sqlite3_close_v2(db->h);
    free(db);
}

enum store_engine store_engine(const struct store_db *db)
{
    return db->pg ? STORE_POSTGRES : STORE_SQLITE;
}

ag_err store_exec(struct store_db *db, const char *sql)
{
    if (IS_PG(db))
        return store_pg_exec(db->pg, sql);
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_error("store: exec: %s", msg ? msg : sqlite3_errmsg(db->h));
        sqlite3_free(msg);
        return AG_EDB;
    }
    return AG_OK;
}

ag_err store_begin(struct store_db *db)
{
    return store_exec(db, IS_PG(db) ? "BEGIN" : "BEGIN IMMEDIATE");
}

ag_err store_commit(struct store_db *db)
{
    if (IS_PG(db))
        return store_pg_commit(db->pg);
    return store_exec(db, "COMMIT");
}

void store_rollback(struct store_db *db)
{
    if (IS_PG(db)) {
        store_pg_rollback(db->pg);
        return;
    }
    if (!sqlite3_get_autocommit(db->h))
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

ag_err store_lock(struct store_db *db, int64_t n)
{
    return IS_PG(db) ? store_pg_lock(db->pg, n) : AG_OK;
}

int64_t store_last_rowid(const struct store_db *db)
{
    if (IS_PG(db))
        return -1;
    return sqlite3_last_insert_rowid(db->h);
}

int64_t store_changes(const struct store_db *db)
{
    if (IS_PG(db))
        return store_pg_changes(db->pg);
    return sqlite3_changes(db->h);
}

/* A PostgreSQL statement in its store_stmt (cached or not: the engine keeps its cache). */
static ag_err pg_prepare(struct store_db *db, const char *sql, bool cached, struct store_stmt **out)
{
    struct store_stmt *st = calloc(1, sizeof(*st));
    if (!st)
        return AG_ENOMEM;
    st->db = db;
    ag_err rc = store_pg_prepare(db->pg, sql, cached, &st->pg);
    if (rc != AG_OK) {
        free(st);
        return rc;
    }
    *out = st;
    return AG_OK;
}

ag_err store_prepare(struct store_db *db, const char *sql, struct store_stmt **out)
{
    if (IS_PG(db))
        return pg_prepare(db, sql, false, out);
    struct store_stmt *st = calloc(1, sizeof(*st));
    if (!st)
        return AG_ENOMEM;
    st->db = db;
    if (sqlite3_prepare_v2(db->h, sql, -1, &st->h, NULL) != SQLITE_OK) {
        free(st);
        return fail(db, "prepare");
    }
    *out = st;
    return AG_OK;
}

/* FNV-1a, 64 bits: the SQL texts are short and few, so any spread-out hash will do. */
uint64_t store_sql_hash(const char *sql)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

ag_err store_prepare_cached(struct store_db *db, const char *sql, struct store_stmt **out)
{
    if (IS_PG(db))
        return pg_prepare(db, sql, true, out);
    uint64_t hash = store_sql_hash(sql);
    struct store_stmt *victim = NULL;
    for (size_t i = 0; i < STORE_CACHE_SLOTS; i++) {
        struct store_stmt *c = &db->cache[i];
        if (c->h && c->hash == hash && strcmp(sqlite3_sql(c->h), sql) == 0) {
            if (c->in_use) /* the same text twice at once (nested use): a private copy */
                return store_prepare(db, sql, out);
            c->in_use = true;
            c->last_use = ++db->tick;
            *out = c;
            return AG_OK;
        }
        if (c->in_use)
            continue;
        if (!victim || (victim->h && (!c->h || c->last_use < victim->last_use)))
            victim = c;
    }
    if (!victim) /* every slot is out with a caller */
        return store_prepare(db, sql, out);
    sqlite3_finalize(victim->h);
    memset(victim, 0, sizeof(*victim));
    /* PERSISTENT: sqlite allocates for a long-lived statement, not from its lookaside. */
    if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &victim->h, NULL) !=
        SQLITE_OK)
        return fail(db, "prepare"); /* victim->h is NULL again: the slot stays empty */
    victim->db = db;
    victim->hash = hash;
    victim->cached = true;
    victim->in_use = true;
    victim->last_use = ++db->tick;
    *out = victim;
    return AG_OK;
}

void store_finalize(struct store_stmt *st)
{
    if (!st)
        return;
    if (IS_PG(st)) {
        store_pg_finalize(st->pg);
        free(st);
        return;
    }
    if (st->cached) {
        /* Back to the cache: no open read transaction, no caller's bound data kept. */
        sqlite3_reset(st->h);
        sqlite3_clear_bindings(st->h);
        st->in_use = false;
        return;
    }
    sqlite3_finalize(st->h);
    free(st);
}

static ag_err bind_rc(struct store_stmt *st, int rc)
{
    if (rc == SQLITE_OK)
        return AG_OK;
    if (rc == SQLITE_TOOBIG)
        return AG_ETOOBIG;
    return fail(st->db, "bind");
}

ag_err store_bind_text(struct store_stmt *st, int i, const char *p, size_t n)
{
    if (IS_PG(st))
        return store_pg_bind(st->pg, i, p ? p : "", n, false);
    return bind_rc(st, sqlite3_bind_text64(st->h, i, p ? p : "", n, SQLITE_TRANSIENT, SQLITE_UTF8));
}

ag_err store_bind_blob(struct store_stmt *st, int i, const void *p, size_t n)
{
    if (IS_PG(st))
        return store_pg_bind(st->pg, i, p ? p : "", n, true);
    return bind_rc(st, sqlite3_bind_blob64(st->h, i, p ? p : "", n, SQLITE_TRANSIENT));
}

/* PostgreSQL takes numbers as text (n bytes of num): the server converts them to the
 * parameter's type. */
static ag_err pg_bind_number(struct store_stmt *st, int i, const char *num, int n, size_t cap)
{
    if (n < 0 || (size_t)n >= cap)
        return AG_EINVAL;
    return store_pg_bind(st->pg, i, num, (size_t)n, false);
}

ag_err store_bind_int64(struct store_stmt *st, int i, int64_t v)
{
    if (IS_PG(st)) {
        char num[24];
        return pg_bind_number(st, i, num, snprintf(num, sizeof(num), "%" PRId64, v), sizeof(num));
    }
    return bind_rc(st, sqlite3_bind_int64(st->h, i, v));
}

ag_err store_bind_double(struct store_stmt *st, int i, double v)
{
    if (IS_PG(st)) {
        if (isnan(v))
            return store_pg_bind(st->pg, i, "NaN", 3, false);
        if (isinf(v))
            return v > 0 ? store_pg_bind(st->pg, i, "Infinity", 8, false)
                         : store_pg_bind(st->pg, i, "-Infinity", 9, false);
        char num[40]; /* 17 digits: the same double comes back */
        return pg_bind_number(st, i, num, snprintf(num, sizeof(num), "%.17g", v), sizeof(num));
    }
    return bind_rc(st, sqlite3_bind_double(st->h, i, v));
}

ag_err store_bind_null(struct store_stmt *st, int i)
{
    if (IS_PG(st))
        return store_pg_bind(st->pg, i, NULL, 0, false);
    return bind_rc(st, sqlite3_bind_null(st->h, i));
}

ag_err store_step(struct store_stmt *st, bool *row)
{
    if (IS_PG(st))
        return store_pg_step(st->pg, row);
    int rc = sqlite3_step(st->h);
    if (rc == SQLITE_ROW) {
        *row = true;
        return AG_OK;
    }
    *row = false;
    if (rc == SQLITE_DONE)
        return AG_OK;
    if ((rc & 0xff) == SQLITE_BUSY)
        return AG_EBUSY;
    if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
        fail(st->db, "step");
        return AG_ECORRUPT;
    }
    return fail(st->db, "step");
}

void store_reset(struct store_stmt *st)
{
    if (IS_PG(st)) {
        store_pg_reset(st->pg);
        return;
    }
    sqlite3_reset(st->h);
    sqlite3_clear_bindings(st->h);
}

int64_t store_col_int64(struct store_stmt *st, int i)
{
    if (IS_PG(st))
        return store_pg_col_int64(st->pg, i);
    return sqlite3_column_int64(st->h, i);
}

double store_col_double(struct store_stmt *st, int i)
{
    if (IS_PG(st))
        return store_pg_col_double(st->pg, i);
    return sqlite3_column_double(st->h, i);
}

struct str store_col_text(struct store_stmt *st, int i)
{
    if (IS_PG(st))
        return store_pg_col_bytes(st->pg, i);
    const unsigned char *p = sqlite3_column_text(st->h, i);
    int n = sqlite3_column_bytes(st->h, i);
    return (struct str){p ? (const char *)p : "", p && n > 0 ? (size_t)n : 0};
}

struct str store_col_blob(struct store_stmt *st, int i)
{
    if (IS_PG(st))
        return store_pg_col_bytes(st->pg, i);
    const void *p = sqlite3_column_blob(st->h, i);
    int n = sqlite3_column_bytes(st->h, i);
    return (struct str){p ? p : "", p && n > 0 ? (size_t)n : 0};
}

bool store_col_is_null(struct store_stmt *st, int i)
{
    if (IS_PG(st))
        return store_pg_col_is_null(st->pg, i);
    return sqlite3_column_type(st->h, i) == SQLITE_NULL;
}

ag_err store_pool_create(const char *path, unsigned flags, size_t max_idle, struct store_pool **out)
{
    struct store_pool *p = calloc(1, sizeof(*p));
    if (!p)
        return AG_ENOMEM;
    p->path = strdup(path);
    if (!p->path) {
        free(p);
        return AG_ENOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    p->flags = flags;
    p->max_idle = max_idle;
    *out = p;
    return AG_OK;
}

void store_pool_destroy(struct store_pool *p)
{
    if (!p)
        return;
    while (p->idle) {
        struct store_db *db = p->idle;
        p->idle = db->next_idle;
        store_close(db);
    }
    pthread_mutex_destroy(&p->mu);
    free(p->path);
    free(p);
}

ag_err store_pool_get(struct store_pool *p, struct store_db **out)
{
    for (;;) {
        pthread_mutex_lock(&p->mu);
        struct store_db *db = p->idle;
        if (db) {
            p->idle = db->next_idle;
            p->n_idle--;
        }
        pthread_mutex_unlock(&p->mu);
        if (!db)
            break;
        db->next_idle = NULL;
        if (IS_PG(db) && !store_pg_alive(db->pg)) {
            /* The server ended it while idle (restart, failover): the next one, or new. */
            log_info("store: pg dropped an idle connection the server had closed");
            store_close(db);
            continue;
        }
        *out = db;
        return AG_OK;
    }
    return store_open(p->path, p->flags, out);
}

void store_pool_put(struct store_pool *p, struct store_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < STORE_CACHE_SLOTS; i++)
        assert(!db->cache[i].in_use); /* the next thread would share a live statement */
    if (IS_PG(db) && !store_pg_reusable(db->pg)) {
        store_close(db); /* broken, or stuck in a transaction: never handed out again */
        return;
    }
    pthread_mutex_lock(&p->mu);
    if (p->n_idle < p->max_idle) {
        db->next_idle = p->idle;
        p->idle = db;
        p->n_idle++;
        db = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    store_close(db); /* over the idle cap: NULL when kept */
}
