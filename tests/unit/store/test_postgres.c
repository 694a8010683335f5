// SPDX-License-Identifier: MIT
/*
 * tests/unit/store/test_postgres.c: the PostgreSQL engine (store/postgres.c) and the
 * dispatch in store/sqlite.c. One list of store API checks runs twice: against a SQLite
 * file and against a real PostgreSQL 15 that the group starts with tests/tools/pg.sh on a
 * free 127.0.0.1 port (password login, fsync on) and removes at the end. Checks every bind
 * type (a blob with zero bytes, NULL), ?N rewriting beside ? in literals and comments,
 * commit and rollback, cached statements reused and evicted, store_lock keeping a
 * read-then-write counter exact under two threads, bad SQL; then PostgreSQL alone: URIs
 * that do not connect (closed port, wrong password, bad URI) with the password kept out of
 * the log, and a server stopped under a pool, then started again. Every wait is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "store_fixture.h"

struct engine {
    enum store_engine kind;
    char dir[64];
    char target[256]; /* SQLite file, or the server's URI */
    unsigned port;    /* PostgreSQL */
};

/* ---- the PostgreSQL server: tests/tools/pg.sh ------------------------------------------ */

/* Run pg.sh cmd on e's folder; its first output line (the URI of start) into out. */
static bool pg_sh(const struct engine *e, const char *cmd, char *out, size_t out_len)
{
    const char *src = tu_source_dir();
    char line[2048];
    char port[16] = "";
    if (strcmp(cmd, "start") == 0) /* stop and remove take no port */
        snprintf(port, sizeof(port), "%u", e->port);
    int w = src ? snprintf(line, sizeof(line), "'%s/tests/tools/pg.sh' %s '%s' %s", src, cmd,
                           e->dir, port)
                : -1;
    if (w < 0 || (size_t)w >= sizeof(line))
        return false;
    FILE *p = popen(line, "r"); /* pg.sh bounds every wait */
    if (!p)
        return false;
    char got[512] = "";
    bool have = fgets(got, sizeof(got), p) != NULL;
    while (fgets(line, sizeof(line), p)) /* drain */
        ;
    int status = pclose(p);
    got[strcspn(got, "\n")] = '\0';
    if (out)
        snprintf(out, out_len, "%s", got);
    return status == 0 && (!out || (have && got[0]));
}

static int setup_sqlite(void **state)
{
    struct engine *e = calloc(1, sizeof(*e));
    if (!e || !sf_mkdir_db(e->dir, sizeof(e->dir), e->target, sizeof(e->target),
                           "/tmp/agentgate-test-pgs-XXXXXX")) {
        free(e);
        return -1;
    }
    e->kind = STORE_SQLITE;
    *state = e;
    return 0;
}

static int setup_postgres(void **state)
{
    signal(SIGPIPE, SIG_IGN); /* as main() does */
    struct engine *e = calloc(1, sizeof(*e));
    if (!e || !tu_mkdtemp(e->dir, sizeof(e->dir), "/tmp/agentgate-test-pg-XXXXXX")) {
        free(e);
        return -1;
    }
    e->kind = STORE_POSTGRES;
    e->port = tu_free_port();
    log_min_level = LOG_OFF;
    *state = e;
    if (!e->port || !pg_sh(e, "start", e->target, sizeof(e->target))) {
        fprintf(stderr, "test_postgres: pg.sh start failed (log in %s)\n", e->dir);
        return -1;
    }
    return 0;
}

static int teardown_engine(void **state)
{
    struct engine *e = *state;
    int rc = 0;
    if (e->kind == STORE_POSTGRES)
        rc = pg_sh(e, "remove", NULL, 0) ? 0 : -1;
    else
        rc = tu_remove_tree(e->dir);
    free(e);
    return rc;
}

/* ---- helpers ----------------------------------------------------------------------------- */

static struct store_db *open_db(const struct engine *e)
{
    struct store_db *db = sf_open(e->target);
    assert_int_equal(store_engine(db), e->kind);
    return db;
}

/* ---- both engines ------------------------------------------------------------------------ */

static void test_bind_types_round_trip(void **state)
{
    const struct engine *e = *state;
    struct store_db *db = open_db(e);
    const char *ddl = store_engine(db) == STORE_POSTGRES
                          ? "CREATE TABLE v(id BIGSERIAL PRIMARY KEY, t TEXT, b BYTEA, i BIGINT, "
                            "d DOUBLE PRECISION, n TEXT)"
                          : "CREATE TABLE v(id INTEGER PRIMARY KEY, t TEXT, b BLOB, i INTEGER, "
                            "d REAL, n TEXT)";
    assert_int_equal(store_exec(db, "DROP TABLE IF EXISTS v"), AG_OK);
    assert_int_equal(store_exec(db, ddl), AG_OK);
    struct store_stmt *ins = NULL;
    assert_int_equal(store_prepare(db,
                                   "INSERT INTO v(t, b, i, d, n) VALUES (?1, ?2, ?3, ?4, ?5) "
                                   "RETURNING id",
                                   &ins),
                     AG_OK);
    const char text[] = "Gr\303\274\303\237e, 'quoted' \\x00 ?1; DROP TABLE v;--";
    const unsigned char blob[] = {0x00, 0xff, 0x00, 0x7f, 0x80, '\\', 'x', 0x00};
    bool row = false;
    sf_bind_first_row(ins, text, sizeof(text) - 1, blob, sizeof(blob));
    assert_int_equal(store_step(ins, &row), AG_OK);
    assert_true(row);
    assert_int_equal(store_col_int64(ins, 0), 1); /* RETURNING: the id on either engine */
    assert_int_equal(store_step(ins, &row), AG_OK);
    assert_false(row);
    assert_int_equal(store_changes(db), 1);
    assert_int_equal(store_last_rowid(db), e->kind == STORE_POSTGRES ? -1 : 1);
    /* A second row: reset cleared the bindings, unbound ones are NULL. */
    store_reset(ins);
    assert_int_equal(store_bind_text(ins, 1, "abc", 2), AG_OK); /* only n bytes */
    assert_int_equal(store_bind_blob(ins, 2, NULL, 0), AG_OK);  /* empty, not NULL */
    assert_int_equal(store_bind_int64(ins, 3, INT64_MAX), AG_OK);
    assert_int_equal(store_bind_double(ins, 4, 0.1), AG_OK);
    assert_int_equal(store_step(ins, &row), AG_OK);
    assert_true(row);
    assert_int_equal(store_col_int64(ins, 0), 2);
    store_finalize(ins);

    struct store_stmt *sel = NULL;
    assert_int_equal(store_prepare(db, "SELECT t, b, i, d, n FROM v ORDER BY id", &sel), AG_OK);
    sf_check_first_row(sel, text, sizeof(text) - 1, blob, sizeof(blob));
    assert_true(store_col_is_null(sel, 99)); /* out of range reads as NULL */
    assert_int_equal(store_col_int64(sel, 99), 0);

    assert_int_equal(store_step(sel, &row), AG_OK);
    assert_true(row);
    assert_true(str_eq_cstr(store_col_text(sel, 0), "ab"));
    assert_false(store_col_is_null(sel, 1));
    assert_int_equal(store_col_blob(sel, 1).len, 0);
    assert_true(store_col_int64(sel, 2) == INT64_MAX);
    assert_true(store_col_double(sel, 3) == 0.1);
    assert_true(store_col_is_null(sel, 4));
    assert_int_equal(store_step(sel, &row), AG_OK);
    assert_false(row);
    store_finalize(sel);

    /* Numbers as text, text as numbers: the getters convert as SQLite does. */
    assert_int_equal(sf_query_int(db, "SELECT count(*) FROM v"), 2);
    assert_int_equal(sf_query_int(db, "SELECT 7 * 6"), 42);
    assert_int_equal(store_exec(db, "UPDATE v SET n = 'x'"), AG_OK);
    assert_int_equal(store_changes(db), 2);
    assert_int_equal(store_exec(db, "DROP TABLE v"), AG_OK);
    store_close(db);
}

static void test_params_rewritten_outside_literals(void **state)
{
    const struct engine *e = *state;
    struct store_db *db = open_db(e);
    struct store_stmt *st = NULL;
    bool row = false;
    /* ? and ?2 inside a string, a quoted identifier and comments stay as they are. */
    assert_int_equal(store_prepare(db,
                                   "SELECT 'a?1''?' || ?1 AS \"col?2\", ?2 + 1 -- ?3\n"
                                   "/* ?4 */",
                                   &st),
                     AG_OK);
    assert_int_equal(store_bind_text(st, 1, "x", 1), AG_OK);
    assert_int_equal(store_bind_int64(st, 2, 41), AG_OK);
    assert_int_equal(store_bind_int64(st, 3, 1), AG_EDB); /* no third parameter */
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_true(row);
    assert_true(str_eq_cstr(store_col_text(st, 0), "a?1'?x"));
    assert_int_equal(store_col_int64(st, 1), 42);
    store_finalize(st);
    /* A bare ? takes the next number. */
    assert_int_equal(store_prepare(db, "SELECT CAST(? AS TEXT) || CAST(? AS TEXT)", &st), AG_OK);
    assert_int_equal(store_bind_text(st, 1, "a", 1), AG_OK);
    assert_int_equal(store_bind_text(st, 2, "b", 1), AG_OK);
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_true(row);
    assert_true(str_eq_cstr(store_col_text(st, 0), "ab"));
    store_finalize(st);
    store_close(db);
}

static void test_transactions(void **state)
{
    const struct engine *e = *state;
    struct store_db *db = open_db(e);
    assert_int_equal(store_exec(db, "DROP TABLE IF EXISTS tx; CREATE TABLE tx(a BIGINT)"), AG_OK);
    assert_int_equal(store_begin(db), AG_OK);
    assert_int_equal(store_exec(db, "INSERT INTO tx VALUES (1)"), AG_OK);
    store_rollback(db);
    assert_int_equal(sf_query_int(db, "SELECT count(*) FROM tx"), 0);
    assert_int_equal(store_begin(db), AG_OK);
    assert_int_equal(store_lock(db, 7), AG_OK);
    assert_int_equal(store_exec(db, "INSERT INTO tx VALUES (2)"), AG_OK);
    assert_int_equal(store_commit(db), AG_OK);
    assert_int_equal(sf_query_int(db, "SELECT sum(a) FROM tx"), 2);
    store_rollback(db); /* no transaction: nothing happens */

    /* An error inside: SQLite keeps the transaction, PostgreSQL aborts it and COMMIT then
     * rolls back, which must be an error, not a silent success. */
    assert_int_equal(store_begin(db), AG_OK);
    assert_int_equal(store_exec(db, "INSERT INTO tx VALUES (3)"), AG_OK);
    assert_int_equal(store_exec(db, "INSERT INTO nope VALUES (1)"), AG_EDB);
    if (e->kind == STORE_POSTGRES) {
        struct store_stmt *st = NULL;
        /* prepare in the aborted transaction fails; the cache stays consistent */
        assert_int_equal(store_prepare_cached(db, "SELECT 1 FROM tx", &st), AG_EDB);
        assert_int_equal(store_commit(db), AG_EDB);
        assert_int_equal(sf_query_int(db, "SELECT sum(a) FROM tx"), 2);
        /* store_lock outside a transaction would lock nothing: refused */
        assert_int_equal(store_lock(db, 7), AG_EINVAL);
    } else {
        assert_int_equal(store_commit(db), AG_OK);
        assert_int_equal(sf_query_int(db, "SELECT sum(a) FROM tx"), 5);
    }
    assert_int_equal(store_exec(db, "DROP TABLE tx"), AG_OK);
    store_close(db);
}

/* The statements PostgreSQL holds prepared for this connection. */
static int64_t server_statements(struct store_db *db)
{
    return sf_query_int(db, "SELECT count(*) FROM pg_prepared_statements");
}

static void test_cached_statements_reused(void **state)
{
    const struct engine *e = *state;
    struct store_db *db = open_db(e);
    bool pg = e->kind == STORE_POSTGRES;
    int64_t before = pg ? server_statements(db) : 0;
    struct store_stmt *first = NULL, *st = NULL, *nested = NULL;
    bool row = false;
    for (int k = 0; k < 50; k++) {
        assert_int_equal(store_prepare_cached(db, "SELECT ?1 + 1", &st), AG_OK);
        if (k == 0)
            first = st;
        else if (!pg)
            assert_ptr_equal(st, first); /* SQLite hands out the cache slot itself */
        /* a statement comes back reset, with no bindings: bind refuses nothing here */
        assert_int_equal(store_bind_int64(st, 1, k), AG_OK);
        assert_int_equal(store_step(st, &row), AG_OK);
        assert_true(row);
        assert_int_equal(store_col_int64(st, 0), k + 1);
        if (k == 0) { /* the same text while it is out: a private statement */
            assert_int_equal(store_prepare_cached(db, "SELECT ?1 + 1", &nested), AG_OK);
            assert_ptr_not_equal(nested, st);
            assert_int_equal(store_bind_int64(nested, 1, 100), AG_OK);
            assert_int_equal(store_step(nested, &row), AG_OK);
            assert_int_equal(store_col_int64(nested, 0), 101);
            store_finalize(nested);
        }
        store_finalize(st);
    }
    if (pg) /* one server statement for 50 uses (query_int's own are deallocated) */
        assert_int_equal(server_statements(db), before + 1);
    /* 40 texts through 16 slots: the oldest are evicted, and deallocated on the server. */
    char sql[64];
    for (int k = 0; k < 40; k++) {
        snprintf(sql, sizeof(sql), "SELECT %d", k);
        assert_int_equal(store_prepare_cached(db, sql, &st), AG_OK);
        assert_int_equal(store_step(st, &row), AG_OK);
        assert_true(row);
        assert_int_equal(store_col_int64(st, 0), k);
        store_finalize(st);
    }
    if (pg) /* 16 cached, and the one counting */
        assert_int_equal(server_statements(db), 17);
    store_close(db);
}

/* ---- two connections, one counter: read, then write what was read plus one --------------- */

struct counter_job {
    const struct engine *e;
    int failures;
};

static void *count_up(void *arg)
{
    struct counter_job *job = arg;
    struct store_db *db = NULL;
    if (store_open(job->e->target, 0, &db) != AG_OK) {
        job->failures = 200;
        return NULL;
    }
    for (int k = 0; k < 200; k++) {
        struct store_stmt *get = NULL, *put = NULL;
        bool row = false;
        ag_err rc = store_begin(db);
        rc = rc ? rc : store_lock(db, 42);
        rc = rc ? rc : store_prepare_cached(db, "SELECT v FROM counter WHERE id = 1", &get);
        rc = rc ? rc : store_step(get, &row);
        int64_t v = rc == AG_OK && row ? store_col_int64(get, 0) : -1;
        store_finalize(get);
        rc = rc ? rc : store_prepare_cached(db, "UPDATE counter SET v = ?1 WHERE id = 1", &put);
        rc = rc ? rc : store_bind_int64(put, 1, v + 1);
        rc = rc ? rc : store_step(put, &row);
        store_finalize(put);
        rc = rc ? rc : store_commit(db);
        if (rc != AG_OK || v < 0) {
            store_rollback(db);
            job->failures++;
        }
    }
    store_close(db);
    return NULL;
}

static void test_lock_serialises_read_then_write(void **state)
{
    const struct engine *e = *state;
    struct store_db *db = open_db(e);
    assert_int_equal(store_exec(db, "DROP TABLE IF EXISTS counter; "
                                    "CREATE TABLE counter(id BIGINT PRIMARY KEY, v BIGINT);"
                                    "INSERT INTO counter VALUES (1, 0)"),
                     AG_OK);
    struct counter_job jobs[2] = {{e, 0}, {e, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, count_up, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(jobs[0].failures + jobs[1].failures, 0);
    assert_int_equal(sf_query_int(db, "SELECT v FROM counter WHERE id = 1"), 400); /* none lost */
    assert_int_equal(store_exec(db, "DROP TABLE counter"), AG_OK);
    store_close(db);
}

static void test_bad_sql_is_an_error(void **state)
{
    const struct engine *e = *state;
    struct store_db *db = open_db(e);
    assert_int_equal(store_exec(db, "SELEKT 1"), AG_EDB);
    assert_int_equal(store_exec(db, "INSERT INTO nope VALUES (1)"), AG_EDB);
    struct store_stmt *st = (struct store_stmt *)&tu_seed;
    assert_int_equal(store_prepare(db, "SELECT FROM WHERE", &st), AG_EDB);
    assert_ptr_equal(st, (struct store_stmt *)&tu_seed); /* untouched on failure */
    assert_int_equal(store_prepare_cached(db, "SELECT * FROM missing", &st), AG_EDB);
    assert_int_equal(store_prepare(db, "SELECT ?0", &st), AG_EDB);
    /* An error at step time (a constraint), then the connection still works. */
    assert_int_equal(
        store_exec(db, "DROP TABLE IF EXISTS u; CREATE TABLE u(a BIGINT UNIQUE NOT NULL)"), AG_OK);
    assert_int_equal(store_prepare(db, "INSERT INTO u VALUES (?1)", &st), AG_OK);
    bool row = true;
    assert_int_equal(store_step(st, &row), AG_EDB); /* NULL into NOT NULL */
    assert_false(row);
    store_reset(st);
    assert_int_equal(store_bind_int64(st, 1, 5), AG_OK);
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_int_equal(store_bind_int64(st, 1, 6), AG_EDB); /* not reset since the step */
    store_reset(st);
    assert_int_equal(store_bind_int64(st, 1, 5), AG_OK);
    assert_int_equal(store_step(st, &row), AG_EDB); /* UNIQUE */
    store_finalize(st);
    assert_int_equal(sf_query_int(db, "SELECT count(*) FROM u"), 1);
    assert_int_equal(store_exec(db, "DROP TABLE u"), AG_OK);
    store_close(db);
}

/* ---- PostgreSQL only --------------------------------------------------------------------- */

static void test_rewrite_and_redact(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
        int n;
    } cases[] = {
        {"SELECT ?1, ?2", "SELECT $1, $2", 2},
        {"SELECT ?, ?, ?5, ?", "SELECT $1, $2, $5, $6", 6},
        {"SELECT '?1', \"?2\", ?1", "SELECT '?1', \"?2\", $1", 1},
        {"SELECT 'it''s ?', E'\\' ?', ?", "SELECT 'it''s ?', E'\\' ?', $1", 1},
        {"SELECT $$ ? $$, $t$ ?1 $t$, ?2", "SELECT $$ ? $$, $t$ ?1 $t$, $2", 2},
        {"SELECT a$b, $3 -- ?\n/* /* ? */ ? */ ?", "SELECT a$b, $3 -- ?\n/* /* ? */ ? */ $4", 4},
        {"", "", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b;
        buf_init(&b, 1024);
        int n = -1;
        assert_int_equal(store_pg_rewrite(cases[i].in, &b, &n), AG_OK);
        assert_string_equal(buf_cstr(&b), cases[i].out);
        assert_int_equal(n, cases[i].n);
        buf_release(&b);
    }
    static const char *const bad[] = {"SELECT ?0", "SELECT ?32767", "SELECT $0",
                                      "SELECT ?99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct buf b;
        buf_init(&b, 1024);
        int n = -1;
        assert_int_equal(store_pg_rewrite(bad[i], &b, &n), AG_EDB);
        buf_release(&b);
    }
    char out[256];
    store_pg_redact("postgresql://u:s3cret@h:5/db?sslmode=require", out, sizeof(out));
    assert_string_equal(out, "postgresql://u:***@h:5/db?sslmode=require");
    store_pg_redact("postgres://h/db?user=u&password=s3cret&x=1", out, sizeof(out));
    assert_string_equal(out, "postgres://h/db?user=u&password=***&x=1");
    store_pg_redact("postgresql://u@h/db", out, sizeof(out));
    assert_string_equal(out, "postgresql://u@h/db");
    store_pg_redact("postgresql://u:p@ss@h/db", out, sizeof(out));
    assert_string_equal(out, "postgresql://u:***@h/db");
}

/* Open uri with stderr (the log) going to a file; the code, and the log's text in log. */
static ag_err open_logged(const struct engine *e, const char *uri, char *log, size_t log_len)
{
    char path[160];
    assert_true(tu_path(path, sizeof(path), e->dir, "stderr.txt"));
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    dup2(fd, STDERR_FILENO);
    log_min_level = LOG_ERROR;
    struct store_db *db = (struct store_db *)&tu_seed;
    ag_err rc = store_open(uri, 0, &db);
    log_min_level = LOG_OFF;
    dup2(saved, STDERR_FILENO);
    close(saved);
    assert_ptr_equal(db, (struct store_db *)&tu_seed); /* untouched on failure */
    ssize_t n = pread(fd, log, log_len - 1, 0);
    log[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return rc;
}

static void test_connections_that_fail(void **state)
{
    const struct engine *e = *state;
    char uri[256], log[4096];
    unsigned closed = tu_free_port();
    assert_true(closed > 0);
    snprintf(uri, sizeof(uri), "postgresql://agentgate:hunter2secret@127.0.0.1:%u/postgres",
             closed);
    assert_int_equal(open_logged(e, uri, log, sizeof(log)), AG_EIO);
    assert_non_null(strstr(log, "agentgate:***@127.0.0.1"));
    assert_null(strstr(log, "hunter2secret"));

    snprintf(uri, sizeof(uri), "postgresql://agentgate:hunter2secret@127.0.0.1:%u/postgres",
             e->port);
    assert_int_equal(open_logged(e, uri, log, sizeof(log)), AG_ECONFIG);
    assert_non_null(strstr(log, "login refused"));
    assert_null(strstr(log, "hunter2secret"));
    snprintf(uri, sizeof(uri), "postgresql://agentgate@127.0.0.1:%u/postgres", e->port);
    assert_int_equal(open_logged(e, uri, log, sizeof(log)), AG_ECONFIG); /* no password */

    assert_int_equal(
        open_logged(e, "postgresql://u:hunter2secret@h/db?nonsense=1", log, sizeof(log)),
        AG_ECONFIG);
    assert_null(strstr(log, "hunter2secret"));
}

static void test_pool_survives_a_server_restart(void **state)
{
    struct engine *e = *state;
    struct store_pool *pool = NULL;
    struct store_db *db = NULL, *held = NULL;
    assert_int_equal(store_pool_create(e->target, 0, 4, &pool), AG_OK);
    assert_int_equal(store_pool_get(pool, &db), AG_OK);
    assert_int_equal(sf_query_int(db, "SELECT 1"), 1);
    store_pool_put(pool, db);
    /* One connection idle in the pool, one held inside a transaction. */
    assert_int_equal(store_pool_get(pool, &held), AG_OK);
    assert_int_equal(store_pool_get(pool, &db), AG_OK);
    store_pool_put(pool, db);
    assert_int_equal(store_begin(held), AG_OK);
    assert_int_equal(store_exec(held, "CREATE TEMP TABLE t(a INT)"), AG_OK);

    assert_true(pg_sh(e, "stop", NULL, 0));
    /* The transaction's connection is gone: clear errors, no crash, not pooled again. */
    assert_int_equal(store_exec(held, "INSERT INTO t VALUES (1)"), AG_EIO);
    struct store_stmt *st = NULL;
    assert_int_equal(store_prepare(held, "SELECT 1", &st), AG_EIO);
    assert_int_equal(store_commit(held), AG_EIO);
    store_rollback(held);
    store_pool_put(pool, held);
    /* The idle one is noticed and dropped; a new one cannot connect: an error. */
    db = (struct store_db *)&tu_seed;
    assert_int_equal(store_pool_get(pool, &db), AG_EIO);
    assert_ptr_equal(db, (struct store_db *)&tu_seed);

    char uri[256];
    assert_true(pg_sh(e, "start", uri, sizeof(uri)));
    assert_string_equal(uri, e->target);
    assert_int_equal(store_pool_get(pool, &db), AG_OK);
    assert_int_equal(sf_query_int(db, "SELECT 2"), 2);
    store_pool_put(pool, db);
    store_pool_destroy(pool);
}

static void test_readonly_refuses_writes(void **state)
{
    const struct engine *e = *state;
    struct store_db *db = NULL;
    assert_int_equal(store_open(e->target, STORE_READONLY, &db), AG_OK);
    assert_int_equal(sf_query_int(db, "SELECT 3"), 3);
    assert_int_equal(store_exec(db, "CREATE TABLE ro(a INT)"), AG_EDB);
    store_close(db);
}

/* The checks both engines run, once per group. */
/* clang-format off */
#define BOTH_ENGINES \
    cmocka_unit_test(test_bind_types_round_trip), \
    cmocka_unit_test(test_params_rewritten_outside_literals), \
    cmocka_unit_test(test_transactions), \
    cmocka_unit_test(test_cached_statements_reused), \
    cmocka_unit_test(test_lock_serialises_read_then_write), \
    cmocka_unit_test(test_bad_sql_is_an_error)
/* clang-format on */

int main(void)
{
    tu_rng_seed();
    const struct CMUnitTest both[] = {BOTH_ENGINES};
    const struct CMUnitTest postgres[] = {
        BOTH_ENGINES,
        /* PostgreSQL only; the restart last */
        cmocka_unit_test(test_rewrite_and_redact),
        cmocka_unit_test(test_connections_that_fail),
        cmocka_unit_test(test_readonly_refuses_writes),
        cmocka_unit_test(test_pool_survives_a_server_restart),
    };
#undef BOTH_ENGINES
    int failed = cmocka_run_group_tests_name("sqlite", both, setup_sqlite, teardown_engine);
    failed += cmocka_run_group_tests_name("postgres", postgres, setup_postgres, teardown_engine);
    return failed;
}
