// SPDX-License-Identifier: MIT
/*
 * store/postgres.c: the PostgreSQL engine behind store.h, on libpq (the only file that
 * includes libpq-fe.h). Translates PGRES_* and SQLSTATEs into ag_err and logs the server's
 * message here, once; connection targets are logged with the password redacted.
 * Statements: the caller's ?N become $N (store_pg_rewrite), the text is PQprepare'd under a
 * name unique on its connection, and the first store_step runs it (PQexecPrepared) and
 * keeps all rows; later steps walk them. Parameters go as text, blobs as binary (bytea);
 * results come as text, a bytea column is decoded with PQunescapeBytea.
 * Each connection caches up to PG_CACHE_SLOTS prepared statements by their SQL text, evicted
 * least recently used (DEALLOCATE, or queued while the transaction is aborted).
 * THREADS: as store.h; a pg_db and its statements belong to the thread holding the store_db.
 */
#include <libpq-fe.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/store_internal.h"

#define PG_CACHE_SLOTS 16
#define PG_MAX_PARAMS  32766 /* SQLite's default limit; PostgreSQL allows 65535 */
#define PG_SQL_MAX     (1u << 24)
#define PG_BOOLOID     16 /* pg_type.dat: stable since forever */
#define PG_BYTEAOID    17

enum pg_state {
    PG_READY,   /* bindable; the next step executes */
    PG_RUNNING, /* executed: res holds the rows, row is the current one */
    PG_DONE,    /* every row walked (or an error): bind refuses, a step executes again */
};

struct pg_col {
    unsigned char *p; /* PQunescapeBytea's copy of the current row's bytea value, or NULL */
    size_t len;
};

struct pg_stmt {
    struct pg_db *db;
    char *sql;     /* the caller's text: the cache key */
    char name[32]; /* of the server's prepared statement */
    int n_params;
    char **vals; /* [n_params]: malloc'd values; NULL binds NULL */
    int *lens, *fmts;
    enum pg_state state;
    PGresult *res;
    int row, n_rows, n_cols;
    struct pg_col *cols; /* [n_cols] decoded bytea values of the current row */
    uint64_t hash, last_use;
    bool cached, in_use;
};

struct pg_db {
    PGconn *conn;
    uint64_t tick, next_name;
    int64_t changes;
    struct buf dealloc; /* "DEALLOCATE x;" for statements dropped in an aborted transaction */
    struct pg_stmt *cache[PG_CACHE_SLOTS];
};

/* ---- errors ------------------------------------------------------------------------------ */

/* libpq's messages end in a newline and may run over several lines: the first one. */
static int first_line(const char *s)
{
    size_t n = strcspn(s ? s : "", "\n");
    return n > 1000 ? 1000 : (int)n;
}

static ag_err conn_err(struct pg_db *db, const char *what)
{
    const char *msg = PQerrorMessage(db->conn);
    bool lost = PQstatus(db->conn) == CONNECTION_BAD;
    log_error("store: pg %s%s: %.*s", what, lost ? " connection=lost" : "", first_line(msg), msg);
    return lost ? AG_EIO : AG_EDB;
}

/* A result that is not the success expected: log its SQLSTATE and message, map the code. */
static ag_err result_err(struct pg_db *db, const PGresult *res, const char *what)
{
    if (!res || PQstatus(db->conn) == CONNECTION_BAD)
        return conn_err(db, what);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (!msg)
        msg = PQresultErrorMessage(res);
    if (!*msg) /* a success where none was expected (COPY, for one) */
        msg = PQresStatus(PQresultStatus(res));
    log_error("store: pg %s: sqlstate=%s %.*s", what, state ? state : "none", first_line(msg), msg);
    if (!state)
        return AG_EDB;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
        return AG_EBUSY; /* serialization failure, deadlock: the caller may retry */
    if (strcmp(state, "57014") == 0)
        return AG_ETIMEDOUT; /* statement_timeout or cancel */
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
        return AG_EIO; /* connection exception, server shutting down */
    if (strcmp(state, "XX001") == 0 || strcmp(state, "XX002") == 0)
        return AG_ECORRUPT;
    return AG_EDB;
}

/* Notices (e.g. "relation already exists, skipping") go to the debug log, not stderr. */
static void on_notice(void *arg, const char *msg)
{
    (void)arg;
    log_debug("store: pg notice: %.*s", first_line(msg), msg);
}

/* Leave whatever a result left running (COPY) so the connection can take the next query. */
static void drain(PGconn *conn)
{
    PGresult *r;
    while ((r = PQgetResult(conn)) != NULL) {
        ExecStatusType s = PQresultStatus(r);
        PQclear(r);
        if (s == PGRES_COPY_IN) {
            PQputCopyEnd(conn, "agentgate does not use COPY");
        } else if (s == PGRES_COPY_OUT) {
            char *line = NULL;
            while (PQgetCopyData(conn, &line, 0) > 0)
                PQfreemem(line);
        } else if (s == PGRES_COPY_BOTH || PQstatus(conn) == CONNECTION_BAD) {
            break;
        }
    }
}

/* ---- URIs -------------------------------------------------------------------------------- */

bool store_pg_is_uri(const char *path)
{
    return path &&
           (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

void store_pg_redact(const char *uri, char *out, size_t out_len)
{
    struct buf b;
    buf_init(&b, 4096);
    const char *rest = strstr(uri, "://");
    rest = rest ? rest + 3 : uri;
    ag_err rc = buf_append(&b, uri, (size_t)(rest - uri));
    /* user:password@ before the first '/', '?' or '#' of the authority */
    size_t auth_len = strcspn(rest, "/?#");
    const char *at = memchr(rest, '@', auth_len);
    if (at) {
        /* the last '@' of the authority ends the user info */
        for (const char *p = at + 1; p < rest + auth_len; p++) {
            if (*p == '@')
                at = p;
        }
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        size_t user_len = colon ? (size_t)(colon - rest) : (size_t)(at - rest);
        rc = rc ? rc : buf_append(&b, rest, user_len);
        rc = rc ? rc : buf_append_str(&b, colon ? ":***" : "");
        rest = at;
    }
    /* password=... among the query parameters */
    while (rc == AG_OK && *rest) {
        const char *p = strstr(rest, "password=");
        if (!p) {
            rc = buf_append_str(&b, rest);
            break;
        }
        bool param = p > uri && (p[-1] == '?' || p[-1] == '&');
        rc = buf_append(&b, rest, (size_t)(p - rest) + 9);
        rest = p + 9;
        if (param) {
            rc = rc ? rc : buf_append_str(&b, "***");
            rest += strcspn(rest, "&#");
        }
    }
    snprintf(out, out_len, "%s", rc == AG_OK ? buf_cstr(&b) : "(a postgresql URI)");
    buf_release(&b);
}

/* ---- SQL text ---------------------------------------------------------------------------- */

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || (unsigned char)c >= 0x80;
}

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The end of the quoted text that opens at sql[i] (q is its quote), past the closing quote;
 * a doubled quote is one character, and escapes also skips after a backslash (E'...'). */
static size_t skip_quoted(const char *sql, size_t i, char q, bool escapes)
{
    for (i++; sql[i]; i++) {
        if (escapes && sql[i] == '\\' && sql[i + 1]) {
            i++;
        } else if (sql[i] == q) {
            if (sql[i + 1] != q)
                return i + 1;
            i++;
        }
    }
    return i; /* unterminated: the server reports it */
}

/* After a dollar quote's opening tag sql[i..i+tag_len): past its closing tag. */
static size_t skip_dollar(const char *sql, size_t i, size_t tag_len)
{
    for (size_t j = i + tag_len; sql[j]; j++) {
        if (sql[j] == '$' && strncmp(sql + j, sql + i, tag_len) == 0)
            return j + tag_len;
    }
    return strlen(sql);
}

static size_t skip_block_comment(const char *sql, size_t i)
{
    int depth = 0; /* PostgreSQL's block comments nest */
    while (sql[i]) {
        if (sql[i] == '/' && sql[i + 1] == '*') {
            depth++;
            i += 2;
        } else if (sql[i] == '*' && sql[i + 1] == '/') {
            i += 2;
            if (--depth == 0)
                return i;
        } else {
            i++;
        }
    }
    return i;
}

/* The number of digits at sql[i] and their value, capped: false past PG_MAX_PARAMS. */
static bool param_number(const char *sql, size_t i, size_t *n_digits, long *num)
{
    long v = 0;
    size_t k = 0;
    while (digit(sql[i + k])) {
        v = v * 10 + (sql[i + k] - '0');
        if (v > PG_MAX_PARAMS)
            return false;
        k++;
    }
    *n_digits = k;
    *num = v;
    return true;
}

ag_err store_pg_rewrite(const char *sql, struct buf *out, int *n_params)
{
    long max = 0;
    ag_err rc = AG_OK;
    size_t i = 0;
    while (rc == AG_OK && sql[i]) {
        size_t start = i;
        char c = sql[i];
        bool after_ident = i > 0 && ident_char(sql[i - 1]);
        if (c == '\'') {
            bool e = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                     !(i > 1 && ident_char(sql[i - 2]));
            i = skip_quoted(sql, i, '\'', e);
        } else if (c == '"') {
            i = skip_quoted(sql, i, '"', false);
        } else if (c == '-' && sql[i + 1] == '-') {
            i += strcspn(sql + i, "\n");
        } else if (c == '/' && sql[i + 1] == '*') {
            i = skip_block_comment(sql, i);
        } else if (c == '$' && !after_ident && digit(sql[i + 1])) {
            size_t k;
            long num;
            if (!param_number(sql, i + 1, &k, &num) || num == 0)
                goto bad;
            max = num > max ? num : max; /* PostgreSQL's own $N: counted, kept */
            i += 1 + k;
        } else if (c == '$' && !after_ident) {
            size_t k = 1;
            while (sql[i + k] && ident_char(sql[i + k]) && sql[i + k] != '$')
                k++;
            i = sql[i + k] == '$' ? skip_dollar(sql, i, k + 1) : i + 1;
        } else if (c == '?') {
            size_t k;
            long num;
            if (!param_number(sql, i + 1, &k, &num) || (k > 0 && num == 0) ||
                (k == 0 && max >= PG_MAX_PARAMS))
                goto bad;
            if (k == 0)
                num = max + 1; /* a bare ? takes the next number, as in SQLite */
            max = num > max ? num : max;
            rc = buf_printf(out, "$%ld", num);
            i += 1 + k;
            continue;
        } else {
            i++;
        }
        rc = buf_append(out, sql + start, i - start);
    }
    if (rc == AG_OK && out->len == 0)
        rc = buf_append(out, "", 0);
    *n_params = (int)max;
    if (rc != AG_OK)
        log_error("store: pg prepare: the statement is too long");
    return rc;
bad:
    log_error("store: pg prepare: a parameter number is 0 or over %d", PG_MAX_PARAMS);
    return AG_EDB;
}

/* ---- connections ------------------------------------------------------------------------- */

/* The password is redacted; libpq's parse errors may quote the URI, so they are only
 * logged when the URI holds no password at all. */
static ag_err check_uri(const char *uri, const char *where)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(uri, &err);
    if (opts) {
        PQconninfoFree(opts);
        return AG_OK;
    }
    if (!err)
        return AG_ENOMEM;
    bool secret = strcmp(where, uri) != 0;
    log_error("store: pg open %s: the URI does not parse%s%.*s", where, secret ? "" : ": ",
              secret ? 0 : first_line(err), secret ? "" : err);
    PQfreemem(err);
    return AG_ECONFIG;
}

ag_err store_pg_open(const char *uri, bool readonly, struct pg_db **out)
{
    char where[512];
    store_pg_redact(uri, where, sizeof(where));
    ag_err rc = check_uri(uri, where);
    if (rc != AG_OK)
        return rc;
    struct pg_db *db = calloc(1, sizeof(*db));
    if (!db)
        return AG_ENOMEM;
    buf_init(&db->dealloc, 1 << 20);
    /* Defaults first: the URI's own settings (expanded from dbname) override them. */
    const char *const keys[] = {"connect_timeout", "client_encoding", "fallback_application_name",
                                "dbname", NULL};
    const char *const vals[] = {"5", "UTF8", "agentgate", uri, NULL};
    db->conn = PQconnectdbParams(keys, vals, 1);
    if (!db->conn) {
        rc = AG_ENOMEM;
        goto fail;
    }
    if (PQstatus(db->conn) != CONNECTION_OK) {
        /* The server asked for a password: it was missing or refused. */
        bool auth = PQconnectionNeedsPassword(db->conn) || PQconnectionUsedPassword(db->conn);
        const char *msg = PQerrorMessage(db->conn);
        log_error("store: pg open %s: %s: %.*s", where, auth ? "login refused" : "no connection",
                  first_line(msg), msg);
        rc = auth ? AG_ECONFIG : AG_EIO;
        goto fail;
    }
    PQsetNoticeProcessor(db->conn, on_notice, NULL);
    /* The parameter rewriter reads '...' as standard SQL: a backslash is no escape there. */
    const char *scs = PQparameterStatus(db->conn, "standard_conforming_strings");
    if (!scs || strcmp(scs, "on") != 0) {
        log_error("store: pg open %s: standard_conforming_strings is not on", where);
        rc = AG_ECONFIG;
        goto fail;
    }
    /* STORE_READONLY: every transaction read only, as SQLite's read-only open. */
    if (readonly && (rc = store_pg_exec(db, "SET default_transaction_read_only = on")) != AG_OK)
        goto fail;
    *out = db;
    return AG_OK;
fail:
    store_pg_close(db);
    return rc;
}

void store_pg_close(struct pg_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < PG_CACHE_SLOTS; i++) {
        struct pg_stmt *c = db->cache[i];
        if (!c)
            continue;
        assert(!c->in_use); /* a caller still holds it: finalize it first */
        c->cached = false;  /* the server drops its statements with the connection */
        c->name[0] = '\0';
        store_pg_finalize(c);
    }
    PQfinish(db->conn);
    buf_release(&db->dealloc);
    free(db);
}

bool store_pg_alive(struct pg_db *db)
{
    if (PQstatus(db->conn) != CONNECTION_OK || PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        return false;
    /* An idle connection has nothing to read unless the server ended it (a FATAL message
     * and EOF: shutdown, restart, pg_terminate_backend) or sent a notice: either way a
     * fresh connection is the safe choice. */
    struct pollfd p = {.fd = PQsocket(db->conn), .events = POLLIN};
    int n = poll(&p, 1, 0);
    return p.fd >= 0 && n == 0;
}

static void flush_dealloc(struct pg_db *db)
{
    if (db->dealloc.len == 0 || PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        return;
    PGresult *r = PQexec(db->conn, buf_cstr(&db->dealloc));
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        log_debug("store: pg deallocate failed: %s", PQresStatus(PQresultStatus(r)));
    PQclear(r);
    buf_reset(&db->dealloc);
}

bool store_pg_reusable(struct pg_db *db)
{
    for (size_t i = 0; i < PG_CACHE_SLOTS; i++)
        assert(!db->cache[i] || !db->cache[i]->in_use); /* the next thread would share it */
    if (PQstatus(db->conn) != CONNECTION_OK)
        return false;
    if (PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
        log_warn("store: pg connection returned inside a transaction: rolled back");
        store_pg_rollback(db);
    }
    return PQstatus(db->conn) == CONNECTION_OK && PQtransactionStatus(db->conn) == PQTRANS_IDLE;
}

/* Rows changed, from the command tag of an INSERT, UPDATE, DELETE or MERGE (as SQLite
 * counts); other commands leave the count as it was. */
static void note_changes(struct pg_db *db, PGresult *res)
{
    const char *tag = PQcmdStatus(res);
    if (!tag || !(strncmp(tag, "INSERT ", 7) == 0 || strncmp(tag, "UPDATE ", 7) == 0 ||
                  strncmp(tag, "DELETE ", 7) == 0 || strncmp(tag, "MERGE ", 6) == 0))
        return;
    uint64_t n = 0;
    if (str_to_u64(str_from_cstr(PQcmdTuples(res)), &n) != AG_OK || n > INT64_MAX) {
        log_warn("store: pg command tag without a row count: %.40s", tag);
        n = 0;
    }
    db->changes = (int64_t)n;
}

ag_err store_pg_exec(struct pg_db *db, const char *sql)
{
    PGresult *r = PQexec(db->conn, sql);
    ExecStatusType s = PQresultStatus(r);
    ag_err rc = AG_OK;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY)
        note_changes(db, r);
    else
        rc = result_err(db, r, "exec");
    PQclear(r);
    if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH)
        drain(db->conn);
    return rc;
}

ag_err store_pg_commit(struct pg_db *db)
{
    PGresult *r = PQexec(db->conn, "COMMIT");
    ag_err rc = AG_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        rc = result_err(db, r, "commit");
    } else if (strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
        /* COMMIT of a transaction an error had aborted succeeds as a ROLLBACK. */
        log_error("store: pg commit: the transaction had failed and was rolled back");
        rc = AG_EDB;
    }
    PQclear(r);
    flush_dealloc(db);
    return rc;
}

void store_pg_rollback(struct pg_db *db)
{
    PGTransactionStatusType t = PQtransactionStatus(db->conn);
    if (t != PQTRANS_INTRANS && t != PQTRANS_INERROR)
        return;
    PGresult *r = PQexec(db->conn, "ROLLBACK");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        (void)result_err(db, r, "rollback");
    PQclear(r);
    flush_dealloc(db);
}

ag_err store_pg_lock(struct pg_db *db, int64_t n)
{
    if (PQtransactionStatus(db->conn) != PQTRANS_INTRANS) {
        /* Outside a transaction the lock would end with the statement: no lock at all. */
        log_error("store: pg lock: not inside store_begin (or the transaction failed)");
        return PQstatus(db->conn) == CONNECTION_BAD ? AG_EIO : AG_EINVAL;
    }
    char num[24];
    snprintf(num, sizeof(num), "%" PRId64, n);
    const char *vals[] = {num};
    PGresult *r = PQexecParams(db->conn, "SELECT pg_advisory_xact_lock($1::bigint)", 1, NULL, vals,
                               NULL, NULL, 0);
    ag_err rc = PQresultStatus(r) == PGRES_TUPLES_OK ? AG_OK : result_err(db, r, "lock");
    PQclear(r);
    return rc;
}

int64_t store_pg_changes(const struct pg_db *db)
{
    return db->changes;
}

/* ---- statements -------------------------------------------------------------------------- */

static void clear_row(struct pg_stmt *st)
{
    for (int i = 0; st->cols && i < st->n_cols; i++) {
        PQfreemem(st->cols[i].p);
        st->cols[i].p = NULL;
    }
}

static void clear_result(struct pg_stmt *st)
{
    clear_row(st);
    free(st->cols);
    st->cols = NULL;
    PQclear(st->res);
    st->res = NULL;
    st->row = st->n_rows = st->n_cols = 0;
}

static void clear_bindings(struct pg_stmt *st)
{
    for (int i = 0; i < st->n_params; i++) {
        free(st->vals[i]);
        st->vals[i] = NULL;
        st->lens[i] = st->fmts[i] = 0;
    }
}

static ag_err prepare_new(struct pg_db *db, const char *sql, struct pg_stmt **out)
{
    struct pg_stmt *st = calloc(1, sizeof(*st));
    if (!st)
        return AG_ENOMEM;
    struct buf text;
    buf_init(&text, PG_SQL_MAX);
    ag_err rc = store_pg_rewrite(sql, &text, &st->n_params);
    if (rc != AG_OK)
        goto fail;
    st->db = db;
    st->sql = strdup(sql);
    size_t n = st->n_params > 0 ? (size_t)st->n_params : 1;
    st->vals = calloc(n, sizeof(*st->vals));
    st->lens = calloc(n, sizeof(*st->lens));
    st->fmts = calloc(n, sizeof(*st->fmts));
    if (!st->sql || !st->vals || !st->lens || !st->fmts) {
        rc = AG_ENOMEM;
        goto fail;
    }
    snprintf(st->name, sizeof(st->name), "ag_%" PRIu64, ++db->next_name);
    PGresult *r = PQprepare(db->conn, st->name, buf_cstr(&text), 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        rc = result_err(db, r, "prepare");
        st->name[0] = '\0'; /* nothing to deallocate */
    }
    PQclear(r);
    if (rc != AG_OK)
        goto fail;
    buf_release(&text);
    *out = st;
    return AG_OK;
fail:
    buf_release(&text);
    store_pg_finalize(st);
    return rc;
}

ag_err store_pg_prepare(struct pg_db *db, const char *sql, bool cached, struct pg_stmt **out)
{
    if (!cached)
        return prepare_new(db, sql, out);
    uint64_t hash = store_sql_hash(sql);
    size_t victim = PG_CACHE_SLOTS;
    for (size_t i = 0; i < PG_CACHE_SLOTS; i++) {
        struct pg_stmt *c = db->cache[i];
        if (c && c->hash == hash && strcmp(c->sql, sql) == 0) {
            if (c->in_use) /* the same text twice at once (nested use): a private copy */
                return prepare_new(db, sql, out);
            c->in_use = true;
            c->last_use = ++db->tick;
            *out = c;
            return AG_OK;
        }
        if (c && c->in_use)
            continue;
        if (victim == PG_CACHE_SLOTS ||
            (db->cache[victim] && (!c || c->last_use < db->cache[victim]->last_use)))
            victim = i;
    }
    if (victim == PG_CACHE_SLOTS) /* every slot is out with a caller */
        return prepare_new(db, sql, out);
    struct pg_stmt *old = db->cache[victim];
    if (old) {
        old->cached = false;
        store_pg_finalize(old); /* and DEALLOCATE on the server */
        db->cache[victim] = NULL;
    }
    struct pg_stmt *st = NULL;
    ag_err rc = prepare_new(db, sql, &st);
    if (rc != AG_OK)
        return rc;
    st->hash = hash;
    st->cached = true;
    st->in_use = true;
    st->last_use = ++db->tick;
    db->cache[victim] = st;
    *out = st;
    return AG_OK;
}

/* Drop the server's statement; in an aborted transaction it can only be queued. */
static void deallocate(struct pg_db *db, const char *name)
{
    if (!name[0] || PQstatus(db->conn) != CONNECTION_OK)
        return;
    char sql[64];
    snprintf(sql, sizeof(sql), "DEALLOCATE %s;", name);
    if (PQtransactionStatus(db->conn) == PQTRANS_INERROR) {
        if (buf_append_str(&db->dealloc, sql) != AG_OK)
            log_warn("store: pg too many statements to deallocate: kept till the connection ends");
        return;
    }
    PGresult *r = PQexec(db->conn, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        (void)result_err(db, r, "deallocate");
    PQclear(r);
}

void store_pg_finalize(struct pg_stmt *st)
{
    if (!st)
        return;
    if (st->cached) {
        store_pg_reset(st);
        st->in_use = false;
        return;
    }
    clear_result(st);
    if (st->vals && st->lens && st->fmts)
        clear_bindings(st);
    if (st->db)
        deallocate(st->db, st->name);
    free(st->vals);
    free(st->lens);
    free(st->fmts);
    free(st->sql);
    free(st);
}

ag_err store_pg_bind(struct pg_stmt *st, int i, const void *p, size_t n, bool binary)
{
    if (i < 1 || i > st->n_params || st->state != PG_READY) {
        log_error("store: pg bind: %s (parameter %d of %d)",
                  st->state != PG_READY ? "statement not reset" : "no such parameter", i,
                  st->n_params);
        return AG_EDB;
    }
    if (n > INT_MAX - 1)
        return AG_ETOOBIG;
    if (p && !binary && memchr(p, '\0', n)) {
        log_error("store: pg bind: text parameter %d holds a NUL byte", i);
        return AG_EINVAL; /* PostgreSQL's text cannot hold one */
    }
    char *v = NULL;
    if (p) {
        v = malloc(n + 1);
        if (!v)
            return AG_ENOMEM;
        if (n > 0)
            memcpy(v, p, n);
        v[n] = '\0'; /* text parameters are read up to their NUL */
    }
    free(st->vals[i - 1]);
    st->vals[i - 1] = v;
    st->lens[i - 1] = (int)n;
    st->fmts[i - 1] = binary ? 1 : 0;
    return AG_OK;
}

static ag_err execute(struct pg_stmt *st)
{
    struct pg_db *db = st->db;
    clear_result(st);
    PGresult *r = PQexecPrepared(db->conn, st->name, st->n_params, (const char *const *)st->vals,
                                 st->lens, st->fmts, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s == PGRES_TUPLES_OK) {
        note_changes(db, r); /* INSERT .. RETURNING has rows and a count */
        st->res = r;
        st->n_rows = PQntuples(r);
        st->n_cols = PQnfields(r);
        st->row = -1;
        st->cols = st->n_cols > 0 ? calloc((size_t)st->n_cols, sizeof(*st->cols)) : NULL;
        if (st->n_cols > 0 && !st->cols) {
            clear_result(st);
            return AG_ENOMEM;
        }
        return AG_OK;
    }
    ag_err rc = AG_OK;
    if (s == PGRES_COMMAND_OK || s == PGRES_EMPTY_QUERY)
        note_changes(db, r);
    else
        rc = result_err(db, r, "step");
    PQclear(r);
    if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH)
        drain(db->conn);
    return rc;
}

ag_err store_pg_step(struct pg_stmt *st, bool *row)
{
    *row = false;
    if (st->state != PG_RUNNING) {
        ag_err rc = execute(st);
        st->state = PG_DONE;
        if (rc != AG_OK)
            return rc;
        if (!st->res)
            return AG_OK; /* a command: no rows */
        st->state = PG_RUNNING;
    }
    clear_row(st);
    if (++st->row >= st->n_rows) {
        clear_result(st);
        st->state = PG_DONE;
        return AG_OK;
    }
    *row = true;
    return AG_OK;
}

void store_pg_reset(struct pg_stmt *st)
{
    clear_result(st);
    clear_bindings(st);
    st->state = PG_READY;
}

/* The current row's value of column i, or NULL (no row, no such column, SQL NULL). */
static const char *value(struct pg_stmt *st, int i)
{
    if (!st->res || st->row < 0 || st->row >= st->n_rows || i < 0 || i >= st->n_cols ||
        PQgetisnull(st->res, st->row, i))
        return NULL;
    return PQgetvalue(st->res, st->row, i);
}

bool store_pg_col_is_null(struct pg_stmt *st, int i)
{
    return value(st, i) == NULL;
}

struct str store_pg_col_bytes(struct pg_stmt *st, int i)
{
    const char *v = value(st, i);
    if (!v)
        return (struct str){"", 0};
    if (PQftype(st->res, i) != PG_BYTEAOID)
        return (struct str){v, (size_t)PQgetlength(st->res, st->row, i)};
    struct pg_col *c = &st->cols[i];
    if (!c->p) {
        c->p = PQunescapeBytea((const unsigned char *)v, &c->len);
        if (!c->p) {
            log_error("store: pg column %d: bytea not decoded (out of memory)", i);
            return (struct str){"", 0};
        }
    }
    return (struct str){(const char *)c->p, c->len};
}

int64_t store_pg_col_int64(struct pg_stmt *st, int i)
{
    const char *v = value(st, i);
    if (!v)
        return 0;
    if (PQftype(st->res, i) == PG_BOOLOID)
        return v[0] == 't';
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (end != v && *end == '\0' && errno == 0)
        return n;
    double d = strtod(v, &end); /* numeric, float or an integer out of range: as SQLite */
    if (end != v && *end == '\0' && !isnan(d)) {
        if (d >= 9223372036854775807.0)
            return INT64_MAX;
        if (d <= -9223372036854775808.0)
            return INT64_MIN;
        return (int64_t)d;
    }
    log_warn("store: pg column %d is no number: read as 0", i);
    return 0;
}

double store_pg_col_double(struct pg_stmt *st, int i)
{
    const char *v = value(st, i);
    if (!v)
        return 0.0;
    if (PQftype(st->res, i) == PG_BOOLOID)
        return v[0] == 't' ? 1.0 : 0.0;
    char *end = NULL;
    double d = strtod(v, &end); /* "NaN", "Infinity" and "-Infinity" included */
    if (end != v && *end == '\0')
        return d;
    log_warn("store: pg column %d is no number: read as 0", i);
    return 0.0;
}
