// SPDX-License-Identifier: MIT
/*
 * audit/audit.c: the decision chain, the subjects' encrypted content, consent.
 * Every write (turn, consent, erasure, retention) is one chain event queued to the writer
 * thread. The writer takes the whole queue, opens one transaction, reads the chain head
 * (so other processes appending to the same store, like `agentgate ask` or a second
 * instance on PostgreSQL, keep the chain intact), runs each event's side action (content
 * sealed under the subject's data key, a consent row, keys and content deleted), builds the
 * event's canonical body, links and MACs it, updates the head row, commits, then wakes the
 * waiters.
 * Keys: three keys are derived from the one audit key (HMAC with a label each), so the
 * chain MACs, the text digests and the subject pseudonyms never share a key.
 * THREADS: a->mu guards the queue and closing; the write connection belongs to the writer
 * thread; readers come from a pool; lock order: a->mu only, never held across a query.
 */
#include "audit/audit.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "store/store.h"

#define HEX_LEN       ((size_t)2 * CRYPTO_SHA256_LEN)
#define WRAPPED_LEN   (CRYPTO_AEAD_NONCE_LEN + CRYPTO_AEAD_KEY_LEN + CRYPTO_AEAD_TAG_LEN)
#define MAX_BODY      ((size_t)1 << 20)
#define MAX_CONTENT   ((size_t)4 << 20)
#define CHAIN_LOCK_ID 0x61756469 /* "audi": serialises writers on PostgreSQL */

static const char genesis[HEX_LEN + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* The indexes are the same on both engines; only the tables' types differ. */
#define CHAIN_INDEXES                                                                              \
    "CREATE INDEX IF NOT EXISTS audit_chain_subject ON audit_chain(tenant, subject, seq);"         \
    "CREATE INDEX IF NOT EXISTS audit_chain_ts ON audit_chain(ts_ms);"                             \
    "CREATE INDEX IF NOT EXISTS audit_chain_trace ON audit_chain(trace_id);"
#define CONTENT_INDEXES                                                                            \
    "CREATE INDEX IF NOT EXISTS content_subject ON content(tenant, subject);"                      \
    "CREATE INDEX IF NOT EXISTS content_ts ON content(ts_ms);"
#define CONSENT_INDEX                                                                              \
    "CREATE INDEX IF NOT EXISTS consent_subject ON consent(tenant, subject, purpose, id);"

static const char schema_sqlite[] =
    "CREATE TABLE IF NOT EXISTS audit_chain(seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL,"
    " tenant TEXT NOT NULL, subject TEXT NOT NULL, outcome TEXT NOT NULL,"
    " trace_id TEXT NOT NULL, body TEXT NOT NULL, prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL, mac TEXT NOT NULL);" CHAIN_INDEXES
    "CREATE TABLE IF NOT EXISTS audit_head(id INTEGER PRIMARY KEY CHECK (id = 1),"
    " seq INTEGER NOT NULL, hash TEXT NOT NULL, mac TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS subject_keys(tenant TEXT NOT NULL, subject TEXT NOT NULL,"
    " wrapped BLOB NOT NULL, created_ms INTEGER NOT NULL, PRIMARY KEY(tenant, subject));"
    "CREATE TABLE IF NOT EXISTS content(seq INTEGER PRIMARY KEY, tenant TEXT NOT NULL,"
    " subject TEXT NOT NULL, ts_ms INTEGER NOT NULL, nonce BLOB NOT NULL, tag BLOB NOT NULL,"
    " ct BLOB NOT NULL);" CONTENT_INDEXES
    "CREATE TABLE IF NOT EXISTS consent(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL,"
    " subject TEXT NOT NULL, purpose TEXT NOT NULL, granted INTEGER NOT NULL,"
    " policy_version TEXT NOT NULL, ts_ms INTEGER NOT NULL, seq INTEGER NOT NULL);" CONSENT_INDEX;

/* PostgreSQL: the same tables with its types. */
static const char schema_pg[] =
    "CREATE TABLE IF NOT EXISTS audit_chain(seq BIGINT PRIMARY KEY, ts_ms BIGINT NOT NULL,"
    " tenant TEXT NOT NULL, subject TEXT NOT NULL, outcome TEXT NOT NULL,"
    " trace_id TEXT NOT NULL, body TEXT NOT NULL, prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL, mac TEXT NOT NULL);" CHAIN_INDEXES
    "CREATE TABLE IF NOT EXISTS audit_head(id BIGINT PRIMARY KEY CHECK (id = 1),"
    " seq BIGINT NOT NULL, hash TEXT NOT NULL, mac TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS subject_keys(tenant TEXT NOT NULL, subject TEXT NOT NULL,"
    " wrapped BYTEA NOT NULL, created_ms BIGINT NOT NULL, PRIMARY KEY(tenant, subject));"
    "CREATE TABLE IF NOT EXISTS content(seq BIGINT PRIMARY KEY, tenant TEXT NOT NULL,"
    " subject TEXT NOT NULL, ts_ms BIGINT NOT NULL, nonce BYTEA NOT NULL, tag BYTEA NOT NULL,"
    " ct BYTEA NOT NULL);" CONTENT_INDEXES
    "CREATE TABLE IF NOT EXISTS consent(id BIGSERIAL PRIMARY KEY, tenant TEXT NOT NULL,"
    " subject TEXT NOT NULL, purpose TEXT NOT NULL, granted BIGINT NOT NULL,"
    " policy_version TEXT NOT NULL, ts_ms BIGINT NOT NULL, seq BIGINT NOT NULL);" CONSENT_INDEX;

enum op_kind { OP_TURN, OP_CONSENT, OP_ERASE, OP_RETENTION };

struct pending {
    struct pending *next;
    enum op_kind kind;
    int64_t ts_ms;
    char tenant[AUDIT_MAX_ID + 1], subject[AUDIT_PSEUDONYM_LEN + 1], outcome[64], trace_id[64];
    json_t *body; /* owned; the writer adds what only it knows */
    /* OP_TURN with content: the plaintext, wiped when freed */
    char *content;
    size_t content_len;
    /* OP_CONSENT */
    char purpose[65], policy_version[65];
    bool granted;
    /* OP_RETENTION */
    int64_t cutoff_ms;
    bool record_empty;
    /* result, written by the writer under a->mu */
    bool done;
    ag_err rc;
    int64_t seq, count;
};

struct audit {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    struct pending *head, *tail;
    size_t queued, max_queue;
    bool closing;
    pthread_t writer;
    bool writer_started;
    struct store_db *wdb; /* writer thread only */
    pthread_t sweeper;
    bool sweeper_started;
    pthread_cond_t sweep_wake; /* with mu: closing wakes the sweeper */
    unsigned retention_days, sweep_interval_s;
    struct store_pool *readers;
    uint8_t mac_key[CRYPTO_SHA256_LEN], digest_key[CRYPTO_SHA256_LEN],
        pseudonym_key[CRYPTO_SHA256_LEN], master[AUDIT_KEY_LEN];
};

/* ---- keys and hashes ------------------------------------------------------------------- */

static ag_err derive(const uint8_t root[AUDIT_KEY_LEN], const char *label,
                     uint8_t out[CRYPTO_SHA256_LEN])
{
    return crypto_hmac_sha256(root, AUDIT_KEY_LEN, label, strlen(label), out);
}

static ag_err derive_all(const uint8_t root[AUDIT_KEY_LEN], uint8_t mac[CRYPTO_SHA256_LEN],
                         uint8_t digest[CRYPTO_SHA256_LEN], uint8_t pseudonym[CRYPTO_SHA256_LEN])
{
    ag_err rc = derive(root, "agentgate-audit-chain-mac-v2", mac);
    rc = rc ? rc : derive(root, "agentgate-audit-digest-v2", digest);
    return rc ? rc : derive(root, "agentgate-audit-pseudonym-v2", pseudonym);
}

static ag_err hmac_hex(const uint8_t key[CRYPTO_SHA256_LEN], const void *p, size_t n,
                       char out[HEX_LEN + 1])
{
    uint8_t d[CRYPTO_SHA256_LEN];
    ag_err rc = crypto_hmac_sha256(key, CRYPTO_SHA256_LEN, p, n, d);
    if (rc == AG_OK)
        crypto_hex(d, sizeof(d), out);
    return rc;
}

/* hash = SHA-256("agentgate-audit-v2" seq prev body), each length-prefixed. */
static ag_err event_hash(int64_t seq, const char *prev, const char *body, size_t body_len,
                         char out[HEX_LEN + 1])
{
    struct buf b;
    buf_init(&b, MAX_BODY + 256);
    ag_err rc = buf_printf(&b, "agentgate-audit-v2|%" PRId64 "|%zu:%s|%zu:", seq, strlen(prev),
                           prev, body_len);
    rc = rc ? rc : buf_append(&b, body, body_len);
    if (rc == AG_OK) {
        uint8_t d[CRYPTO_SHA256_LEN];
        crypto_sha256(b.p, b.len, d);
        crypto_hex(d, sizeof(d), out);
    }
    buf_release(&b);
    return rc;
}

/* The head row's MAC is over a different message than a record's, so a record's MAC
 * cannot stand in for the head after the chain's tail was cut off. */
static ag_err head_mac(const uint8_t key[CRYPTO_SHA256_LEN], int64_t seq, const char *hash,
                       char out[HEX_LEN + 1])
{
    char msg[HEX_LEN + 64];
    int w = snprintf(msg, sizeof(msg), "head|%" PRId64 "|%s", seq, hash);
    if (w < 0 || (size_t)w >= sizeof(msg))
        return AG_EINVAL;
    return hmac_hex(key, msg, (size_t)w, out);
}

ag_err audit_pseudonym(const struct audit *a, const char *tenant, const char *subject,
                       char out[AUDIT_PSEUDONYM_LEN + 1])
{
    size_t tl = strnlen(tenant, AUDIT_MAX_ID + 1), sl = strnlen(subject, AUDIT_MAX_ID + 1);
    if (tl > AUDIT_MAX_ID || sl > AUDIT_MAX_ID || sl == 0)
        return AG_EINVAL;
    char msg[2 * AUDIT_MAX_ID + 16];
    int w = snprintf(msg, sizeof(msg), "%zu:%s|%s", tl, tenant, subject);
    if (w < 0 || (size_t)w >= sizeof(msg))
        return AG_EINVAL;
    char hex[HEX_LEN + 1];
    ag_err rc = hmac_hex(a->pseudonym_key, msg, (size_t)w, hex);
    if (rc == AG_OK) {
        memcpy(out, hex, AUDIT_PSEUDONYM_LEN);
        out[AUDIT_PSEUDONYM_LEN] = '\0';
    }
    return rc;
}

/* ---- data keys and content --------------------------------------------------------------- */

static ag_err key_aad(const char *tenant, const char *subject, struct buf *aad)
{
    return buf_printf(aad, "agentgate-dek-v1|%zu:%s|%s", strlen(tenant), tenant, subject);
}

static ag_err unwrap_key(const struct audit *a, const char *tenant, const char *subject,
                         struct str wrapped, uint8_t dek[CRYPTO_AEAD_KEY_LEN])
{
    if (wrapped.len != WRAPPED_LEN) {
        log_error("audit: a wrapped data key has %zu bytes, not %d", wrapped.len, WRAPPED_LEN);
        return AG_ECORRUPT;
    }
    struct buf aad;
    buf_init(&aad, 512);
    ag_err rc = key_aad(tenant, subject, &aad);
    const uint8_t *w = (const uint8_t *)wrapped.p;
    rc = rc ? rc
            : crypto_aead_open(a->master, w, aad.p, aad.len, w + CRYPTO_AEAD_NONCE_LEN,
                               CRYPTO_AEAD_KEY_LEN, w + CRYPTO_AEAD_NONCE_LEN + CRYPTO_AEAD_KEY_LEN,
                               dek);
    buf_release(&aad);
    if (rc == AG_ECORRUPT)
        log_error("audit: a data key does not open with the master key (wrong master key?)");
    return rc;
}

/* The subject's data key, read with db; AG_ENOTFOUND when there is none (erased or never
 * made). */
static ag_err read_key(const struct audit *a, struct store_db *db, const char *tenant,
                       const char *subject, uint8_t dek[CRYPTO_AEAD_KEY_LEN])
{
    struct store_stmt *st = NULL;
    bool row = false;
    ag_err rc = store_prepare_cached(
        db, "SELECT wrapped FROM subject_keys WHERE tenant = ?1 AND subject = ?2", &st);
    rc = rc ? rc : store_bind_text(st, 1, tenant, strlen(tenant));
    rc = rc ? rc : store_bind_text(st, 2, subject, strlen(subject));
    rc = rc ? rc : store_step(st, &row);
    if (rc == AG_OK)
        rc = row ? unwrap_key(a, tenant, subject, store_col_blob(st, 0), dek) : AG_ENOTFOUND;
    store_finalize(st);
    return rc;
}

/* Writer: the subject's data key, made and stored wrapped when it has none. */
static ag_err ensure_key(struct audit *a, const char *tenant, const char *subject,
                         uint8_t dek[CRYPTO_AEAD_KEY_LEN])
{
    ag_err rc = read_key(a, a->wdb, tenant, subject, dek);
    if (rc != AG_ENOTFOUND)
        return rc;
    uint8_t wrapped[WRAPPED_LEN];
    struct buf aad;
    buf_init(&aad, 512);
    rc = crypto_random(dek, CRYPTO_AEAD_KEY_LEN);
    rc = rc ? rc : crypto_random(wrapped, CRYPTO_AEAD_NONCE_LEN);
    rc = rc ? rc : key_aad(tenant, subject, &aad);
    rc = rc ? rc
            : crypto_aead_seal(a->master, wrapped, aad.p, aad.len, dek, CRYPTO_AEAD_KEY_LEN,
                               wrapped + CRYPTO_AEAD_NONCE_LEN,
                               wrapped + CRYPTO_AEAD_NONCE_LEN + CRYPTO_AEAD_KEY_LEN);
    buf_release(&aad);
    const struct store_arg args[] = {
        STORE_ARG_TEXT(tenant, strlen(tenant)), STORE_ARG_TEXT(subject, strlen(subject)),
        STORE_ARG_BLOB(wrapped, sizeof(wrapped)), STORE_ARG_INT64(clock_wall_ms())};
    rc = rc ? rc
            : store_run(a->wdb,
                        "INSERT INTO subject_keys(tenant, subject, wrapped, created_ms)"
                        " VALUES(?1, ?2, ?3, ?4)",
                        args, 4, NULL);
    return rc;
}

static ag_err content_aad(int64_t seq, const char *tenant, const char *subject, struct buf *aad)
{
    return buf_printf(aad, "agentgate-content-v1|%" PRId64 "|%zu:%s|%s", seq, strlen(tenant),
                      tenant, subject);
}

/* Writer: seal p's content under its subject's key as record seq. */
static ag_err store_content(struct audit *a, const struct pending *p, int64_t seq)
{
    uint8_t dek[CRYPTO_AEAD_KEY_LEN], nonce[CRYPTO_AEAD_NONCE_LEN], tag[CRYPTO_AEAD_TAG_LEN];
    struct buf aad;
    buf_init(&aad, 512);
    uint8_t *ct = malloc(p->content_len ? p->content_len : 1);
    ag_err rc = ct ? ensure_key(a, p->tenant, p->subject, dek) : AG_ENOMEM;
    rc = rc ? rc : crypto_random(nonce, sizeof(nonce));
    rc = rc ? rc : content_aad(seq, p->tenant, p->subject, &aad);
    rc =
        rc ? rc : crypto_aead_seal(dek, nonce, aad.p, aad.len, p->content, p->content_len, ct, tag);
    crypto_wipe(dek, sizeof(dek));
    buf_release(&aad);
    const struct store_arg args[] = {
        STORE_ARG_INT64(seq),
        STORE_ARG_TEXT(p->tenant, strlen(p->tenant)),
        STORE_ARG_TEXT(p->subject, strlen(p->subject)),
        STORE_ARG_INT64(p->ts_ms),
        STORE_ARG_BLOB(nonce, sizeof(nonce)),
        STORE_ARG_BLOB(tag, sizeof(tag)),
        STORE_ARG_BLOB(ct, p->content_len),
    };
    rc = rc ? rc
            : store_run(a->wdb,
                        "INSERT INTO content(seq, tenant, subject, ts_ms, nonce, tag, ct)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        args, 7, NULL);
    free(ct);
    return rc;
}

/* ---- the writer's side actions ------------------------------------------------------------ */

/* Run sql with text parameters t1, t2 (each when not NULL) and then the number *i1 (when not
 * NULL), numbered in that order; *changes gets the rows changed. */
static ag_err exec_count(struct store_db *db, const char *sql, const char *t1, const char *t2,
                         const int64_t *i1, int64_t *changes)
{
    struct store_arg args[3];
    size_t n = 0;
    if (t1)
        args[n++] = STORE_ARG_TEXT(t1, strlen(t1));
    if (t2)
        args[n++] = STORE_ARG_TEXT(t2, strlen(t2));
    if (i1)
        args[n++] = STORE_ARG_INT64(*i1);
    return store_run(db, sql, args, n, changes);
}

static ag_err side_action(struct audit *a, struct pending *p, int64_t seq)
{
    ag_err rc = AG_OK;
    int64_t n = 0;
    switch (p->kind) {
    case OP_TURN:
        return p->content ? store_content(a, p, seq) : AG_OK;
    case OP_CONSENT: {
        const struct store_arg args[] = {
            STORE_ARG_TEXT(p->tenant, strlen(p->tenant)),
            STORE_ARG_TEXT(p->subject, strlen(p->subject)),
            STORE_ARG_TEXT(p->purpose, strlen(p->purpose)),
            STORE_ARG_INT64(p->granted),
            STORE_ARG_TEXT(p->policy_version, strlen(p->policy_version)),
            STORE_ARG_INT64(p->ts_ms),
            STORE_ARG_INT64(seq),
        };
        return store_run(a->wdb,
                         "INSERT INTO consent(tenant, subject, purpose, granted,"
                         " policy_version, ts_ms, seq) VALUES(?1,?2,?3,?4,?5,?6,?7)",
                         args, 7, NULL);
    }
    case OP_ERASE:
        rc = exec_count(a->wdb, "DELETE FROM subject_keys WHERE tenant = ?1 AND subject = ?2",
                        p->tenant, p->subject, NULL, NULL);
        rc = rc ? rc
                : exec_count(a->wdb, "DELETE FROM content WHERE tenant = ?1 AND subject = ?2",
                             p->tenant, p->subject, NULL, &n);
        break;
    case OP_RETENTION:
        rc = exec_count(a->wdb, "DELETE FROM content WHERE tenant = ?1 AND ts_ms < ?2", p->tenant,
                        NULL, &p->cutoff_ms, &n);
        break;
    }
    if (rc == AG_OK) {
        p->count = n;
        if (json_object_set_new(p->body, "shredded", json_integer(n)) != 0)
            rc = AG_ENOMEM;
    }
    return rc;
}

/* ---- the writer ------------------------------------------------------------------------- */

static ag_err read_head(struct audit *a, int64_t *seq, char prev[HEX_LEN + 1])
{
    struct store_stmt *st = NULL;
    bool row = false;
    ag_err rc = store_prepare_cached(
        a->wdb, "SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1", &st);
    rc = rc ? rc : store_step(st, &row);
    *seq = 0;
    memcpy(prev, genesis, HEX_LEN + 1);
    if (rc == AG_OK && row) {
        struct str h = store_col_text(st, 1);
        *seq = store_col_int64(st, 0);
        if (h.len != HEX_LEN) {
            log_error("audit: chain head %" PRId64 " has a malformed hash", *seq);
            rc = AG_ECORRUPT;
        } else {
            memcpy(prev, h.p, HEX_LEN);
        }
    }
    store_finalize(st);
    return rc;
}

static ag_err insert_event(struct audit *a, struct pending *p, int64_t seq, const char *prev,
                           char hash[HEX_LEN + 1])
{
    char *body = json_dumps(p->body, JSON_COMPACT | JSON_SORT_KEYS);
    if (!body)
        return AG_ENOMEM;
    size_t body_len = strlen(body);
    char mac[HEX_LEN + 1];
    ag_err rc = body_len > MAX_BODY ? AG_ETOOBIG : AG_OK;
    rc = rc ? rc : event_hash(seq, prev, body, body_len, hash);
    rc = rc ? rc : hmac_hex(a->mac_key, hash, HEX_LEN, mac);
    const struct store_arg args[] = {
        STORE_ARG_INT64(seq),
        STORE_ARG_INT64(p->ts_ms),
        STORE_ARG_TEXT(p->tenant, strlen(p->tenant)),
        STORE_ARG_TEXT(p->subject, strlen(p->subject)),
        STORE_ARG_TEXT(p->outcome, strlen(p->outcome)),
        STORE_ARG_TEXT(p->trace_id, strlen(p->trace_id)),
        STORE_ARG_TEXT(body, body_len),
        STORE_ARG_TEXT(prev, HEX_LEN),
        STORE_ARG_TEXT(hash, HEX_LEN),
        STORE_ARG_TEXT(mac, HEX_LEN),
    };
    rc = rc ? rc
            : store_run(a->wdb,
                        "INSERT INTO audit_chain(seq, ts_ms, tenant, subject, outcome,"
                        " trace_id, body, prev_hash, hash, mac)"
                        " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                        args, 10, NULL);
    free(body);
    return rc;
}

static ag_err write_head(struct audit *a, int64_t seq, const char *hash)
{
    char mac[HEX_LEN + 1];
    ag_err rc = head_mac(a->mac_key, seq, hash, mac);
    const struct store_arg args[] = {STORE_ARG_INT64(seq), STORE_ARG_TEXT(hash, HEX_LEN),
                                     STORE_ARG_TEXT(mac, HEX_LEN)};
    return rc ? rc
              : store_run(a->wdb,
                          "INSERT INTO audit_head(id, seq, hash, mac) VALUES(1,?1,?2,?3)"
                          " ON CONFLICT(id) DO UPDATE SET seq = excluded.seq,"
                          " hash = excluded.hash, mac = excluded.mac",
                          args, 3, NULL);
}

static ag_err write_batch(struct audit *a, struct pending *batch)
{
    char prev[HEX_LEN + 1], hash[HEX_LEN + 1];
    int64_t seq = 0;
    ag_err rc = store_begin(a->wdb);
    if (rc != AG_OK)
        return rc;
    rc = store_lock(a->wdb, CHAIN_LOCK_ID);
    rc = rc ? rc : read_head(a, &seq, prev);
    for (struct pending *p = batch; p && rc == AG_OK; p = p->next) {
        seq++;
        rc = side_action(a, p, seq);
        rc = rc ? rc : insert_event(a, p, seq, prev, hash);
        p->seq = seq;
        memcpy(prev, hash, sizeof(prev));
    }
    rc = rc ? rc : write_head(a, seq, prev);
    rc = rc ? rc : store_commit(a->wdb);
    if (rc != AG_OK)
        store_rollback(a->wdb);
    return rc;
}

/* After an erasure, old copies of the deleted key rows must not linger where the engine
 * keeps them: SQLite's write-ahead log (checkpointed into the file, where secure_delete
 * zeroed them, and truncated) or PostgreSQL's dead row versions (the small key table is
 * rewritten). Before the caller is told the erasure is done. */
static void purge_old_versions(struct audit *a)
{
    bool sqlite = store_engine(a->wdb) == STORE_SQLITE;
    ag_err rc = store_exec(a->wdb, sqlite ? "PRAGMA wal_checkpoint(TRUNCATE);"
                                          : "VACUUM FULL subject_keys;");
    if (rc != AG_OK)
        log_warn("audit: old versions of erased keys not purged yet (%s); the next checkpoint"
                 " overwrites them",
                 ag_strerror(rc));
}

static void *writer_main(void *arg)
{
    struct audit *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->head && !a->closing)
            pthread_cond_wait(&a->work, &a->mu);
        if (!a->head && a->closing)
            break;
        struct pending *batch = a->head;
        a->head = a->tail = NULL;
        a->queued = 0;
        pthread_mutex_unlock(&a->mu);
        ag_err rc = write_batch(a, batch);
        if (rc != AG_OK)
            log_error("audit: batch not written: %s", ag_strerror(rc));
        for (struct pending *p = batch; rc == AG_OK && p; p = p->next)
            if (p->kind == OP_ERASE) {
                purge_old_versions(a);
                break;
            }
        pthread_mutex_lock(&a->mu);
        for (struct pending *p = batch; p; p = p->next) {
            p->rc = rc;
            p->done = true;
        }
        pthread_cond_broadcast(&a->done);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

ag_err audit_open(const char *path, const struct audit_keys *keys, size_t max_queue,
                  struct audit **out)
{
    if (!keys || max_queue == 0)
        return AG_EINVAL;
    struct audit *a = calloc(1, sizeof(*a));
    if (!a)
        return AG_ENOMEM;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->work, NULL);
    pthread_cond_init(&a->done, NULL);
    pthread_cond_init(&a->sweep_wake, NULL);
    memcpy(a->master, keys->master, sizeof(a->master));
    a->max_queue = max_queue;
    ag_err rc = derive_all(keys->hmac, a->mac_key, a->digest_key, a->pseudonym_key);
    rc = rc ? rc : store_open(path, STORE_CREATE, &a->wdb);
    /* Every committed event is on disk before its turn is answered, also on power loss;
     * deleted keys and content are overwritten, not just unlinked from the b-tree. */
    if (rc == AG_OK && store_engine(a->wdb) == STORE_SQLITE)
        rc = store_exec(a->wdb, "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;");
    /* instances starting together on one PostgreSQL create the tables one at a time */
    rc = rc ? rc : store_begin(a->wdb);
    if (rc == AG_OK) {
        rc = store_lock(a->wdb, CHAIN_LOCK_ID);
        rc = rc ? rc
                : store_exec(a->wdb,
                             store_engine(a->wdb) == STORE_SQLITE ? schema_sqlite : schema_pg);
        rc = rc ? rc : store_commit(a->wdb);
        if (rc != AG_OK)
            store_rollback(a->wdb);
    }
    rc = rc ? rc : store_pool_create(path, STORE_READONLY, 4, &a->readers);
    if (rc == AG_OK) {
        if (pthread_create(&a->writer, NULL, writer_main, a) != 0)
            rc = AG_ENOMEM;
        else
            a->writer_started = true;
    }
    if (rc != AG_OK) {
        audit_close(a);
        return rc;
    }
    *out = a;
    return AG_OK;
}

void audit_close(struct audit *a)
{
    if (!a)
        return;
    if (a->sweeper_started) {
        pthread_mutex_lock(&a->mu);
        a->sweeper_started = false; /* tells the sweeper to stop */
        pthread_cond_signal(&a->sweep_wake);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->sweeper, NULL);
    }
    if (a->writer_started) {
        pthread_mutex_lock(&a->mu);
        a->closing = true;
        pthread_cond_signal(&a->work);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->writer, NULL);
    }
    /* readers first: the write connection, closing last, checkpoints and removes the WAL */
    store_pool_destroy(a->readers);
    store_close(a->wdb);
    pthread_cond_destroy(&a->work);
    pthread_cond_destroy(&a->done);
    pthread_cond_destroy(&a->sweep_wake);
    pthread_mutex_destroy(&a->mu);
    crypto_wipe(a->mac_key, sizeof(a->mac_key));
    crypto_wipe(a->digest_key, sizeof(a->digest_key));
    crypto_wipe(a->pseudonym_key, sizeof(a->pseudonym_key));
    crypto_wipe(a->master, sizeof(a->master));
    free(a);
}

static void pending_free(struct pending *p)
{
    if (!p)
        return;
    json_decref(p->body);
    if (p->content) {
        crypto_wipe(p->content, p->content_len);
        free(p->content);
    }
    free(p);
}

/* Queue p, wait for its commit, free it. */
static ag_err submit(struct audit *a, struct pending *p, int64_t *seq, int64_t *count)
{
    pthread_mutex_lock(&a->mu);
    if (a->closing || a->queued >= a->max_queue) {
        pthread_mutex_unlock(&a->mu);
        pending_free(p);
        return AG_EBUSY;
    }
    if (a->tail)
        a->tail->next = p;
    else
        a->head = p;
    a->tail = p;
    a->queued++;
    pthread_cond_signal(&a->work);
    while (!p->done)
        pthread_cond_wait(&a->done, &a->mu);
    ag_err rc = p->rc;
    if (seq)
        *seq = p->seq;
    if (count)
        *count = p->count;
    pthread_mutex_unlock(&a->mu);
    pending_free(p);
    return rc;
}

static bool copy_id(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src ? src : "", cap);
    if (n >= cap)
        return false;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
    return true;
}

/* A new event for tenant and (plain) subject, or NULL with *rc set. */
static struct pending *new_event(struct audit *a, enum op_kind kind, const char *tenant,
                                 const char *subject, const char *outcome, const char *actor,
                                 ag_err *rc)
{
    struct pending *p = calloc(1, sizeof(*p));
    *rc = AG_ENOMEM;
    if (!p)
        return NULL;
    p->kind = kind;
    p->ts_ms = clock_wall_ms();
    p->body = json_object();
    *rc = p->body ? AG_OK : AG_ENOMEM;
    if (*rc == AG_OK && (!copy_id(p->tenant, sizeof(p->tenant), tenant) ||
                         !copy_id(p->outcome, sizeof(p->outcome), outcome)))
        *rc = AG_EINVAL;
    if (*rc == AG_OK && subject && *subject)
        *rc = audit_pseudonym(a, p->tenant, subject, p->subject);
    if (*rc == AG_OK) {
        static const char *const kinds[] = {"turn", "consent", "subject_erased", "retention"};
        int e = json_object_set_new(p->body, "v", json_integer(2));
        e |= json_object_set_new(p->body, "event", json_string(kinds[kind]));
        e |= json_object_set_new(p->body, "ts_ms", json_integer(p->ts_ms));
        e |= json_object_set_new(p->body, "tenant", json_string(p->tenant));
        e |= json_object_set_new(p->body, "subject",
                                 p->subject[0] ? json_string(p->subject) : json_null());
        e |= json_object_set_new(p->body, "outcome", json_string(p->outcome));
        e |= json_object_set_new(p->body, "actor", json_string(actor ? actor : ""));
        if (e)
            *rc = AG_ENOMEM; /* json_string gives NULL for invalid UTF-8 too */
    }
    if (*rc != AG_OK) {
        pending_free(p);
        return NULL;
    }
    return p;
}

static ag_err set_digest(struct audit *a, json_t *body, const char *name, const char *p, size_t n)
{
    if (!p)
        return json_object_set_new(body, name, json_null()) == 0 ? AG_OK : AG_ENOMEM;
    char hex[HEX_LEN + 1];
    ag_err rc = hmac_hex(a->digest_key, p, n, hex);
    if (rc == AG_OK && json_object_set_new(body, name, json_string(hex)) != 0)
        rc = AG_ENOMEM;
    return rc;
}

/* {"question": q, "answer": a}: the content kept for the subject. */
static ag_err make_content(const struct audit_entry *e, struct pending *p)
{
    json_t *o = json_object();
    if (!o)
        return AG_ENOMEM;
    json_t *q = json_stringn_nocheck(e->question ? e->question : "", e->question_len);
    json_t *ans = e->answer ? json_stringn_nocheck(e->answer, e->answer_len) : json_null();
    int err = json_object_set_new(o, "question", q) | json_object_set_new(o, "answer", ans);
    char *s = err ? NULL : json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        return AG_ENOMEM;
    p->content = s;
    p->content_len = strlen(s);
    if (p->content_len > MAX_CONTENT)
        return AG_ETOOBIG;
    return AG_OK;
}

ag_err audit_append(struct audit *a, const struct audit_entry *e, int64_t *seq)
{
    ag_err rc;
    struct pending *p =
        new_event(a, OP_TURN, e->tenant, e->subject, e->outcome ? e->outcome : "", e->actor, &rc);
    if (!p)
        return rc;
    if (!copy_id(p->trace_id, sizeof(p->trace_id), e->trace_id))
        rc = AG_EINVAL;
    json_t *b = p->body;
    int err = 0;
    if (rc == AG_OK) {
        err |= json_object_set_new(b, "trace_id", json_string(p->trace_id));
        err |= json_object_set_new(b, "key_id", json_string(e->key_id ? e->key_id : ""));
        err |= json_object_set_new(b, "agent", json_string(e->agent ? e->agent : ""));
        err |= json_object_set_new(b, "status", json_integer(e->status));
        err |= json_object_set_new(b, "escalated", json_boolean(e->escalated));
        err |= json_object_set_new(b, "latency_ms", json_integer((json_int_t)(e->latency_ms)));
        err |= json_object_set_new(b, "decision",
                                   e->decision ? json_incref(e->decision) : json_object());
        err |= json_object_set_new(b, "content", json_boolean(e->store_content && p->subject[0]));
        if (err)
            rc = AG_ENOMEM;
    }
    rc = rc ? rc : set_digest(a, b, "question_hash", e->question, e->question_len);
    rc = rc ? rc : set_digest(a, b, "answer_hash", e->answer, e->answer_len);
    if (rc == AG_OK && e->store_content && p->subject[0])
        rc = make_content(e, p);
    if (rc != AG_OK) {
        pending_free(p);
        return rc;
    }
    return submit(a, p, seq, NULL);
}

ag_err audit_subject_erase(struct audit *a, const char *tenant, const char *subject,
                           const char *actor, int64_t *erased, int64_t *seq)
{
    ag_err rc;
    if (!subject || !*subject)
        return AG_EINVAL;
    struct pending *p = new_event(a, OP_ERASE, tenant, subject, "subject_erased", actor, &rc);
    return p ? submit(a, p, seq, erased) : rc;
}

static bool valid_label(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == 0 || n >= cap)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

ag_err audit_consent_set(struct audit *a, const char *tenant, const char *subject,
                         const char *purpose, bool granted, const char *policy_version,
                         const char *actor, int64_t *seq)
{
    ag_err rc;
    if (!subject || !*subject || !purpose || !policy_version)
        return AG_EINVAL;
    struct pending *p = new_event(a, OP_CONSENT, tenant, subject,
                                  granted ? "consent_given" : "consent_withdrawn", actor, &rc);
    if (!p)
        return rc;
    if (!valid_label(purpose, sizeof(p->purpose)) ||
        !valid_label(policy_version, sizeof(p->policy_version))) {
        pending_free(p);
        return AG_EINVAL;
    }
    memcpy(p->purpose, purpose, strlen(purpose) + 1);
    memcpy(p->policy_version, policy_version, strlen(policy_version) + 1);
    p->granted = granted;
    int err = json_object_set_new(p->body, "purpose", json_string(purpose));
    err |= json_object_set_new(p->body, "granted", json_boolean(granted));
    err |= json_object_set_new(p->body, "policy_version", json_string(policy_version));
    if (err) {
        pending_free(p);
        return AG_EINVAL; /* not UTF-8 */
    }
    return submit(a, p, seq, NULL);
}

/* One tenant's sweep: its old content deleted and the count recorded under that tenant, so
 * each tenant's administrators see their own shredding. */
static ag_err sweep_tenant(struct audit *a, const char *tenant, int64_t cutoff_ms, int64_t *n)
{
    ag_err rc;
    struct pending *p = new_event(a, OP_RETENTION, tenant, NULL, "retention_shred", "system", &rc);
    if (!p)
        return rc;
    p->cutoff_ms = cutoff_ms;
    if (json_object_set_new(p->body, "cutoff_ms", json_integer(cutoff_ms)) != 0) {
        pending_free(p);
        return AG_ENOMEM;
    }
    return submit(a, p, NULL, n);
}

/* The tenants found by audit_retention_sweep's query (LIMIT 16). */
struct sweep_tenants {
    char name[16][AUDIT_MAX_ID + 1];
    size_t n;
};

static ag_err sweep_tenant_row(void *ctx, struct store_stmt *st)
{
    struct sweep_tenants *t = ctx;
    struct str s = store_col_text(st, 0);
    if (s.len <= AUDIT_MAX_ID && t->n < 16) {
        memcpy(t->name[t->n], s.p, s.len);
        t->name[t->n++][s.len] = '\0';
    }
    return AG_OK;
}

ag_err audit_retention_sweep(struct audit *a, int64_t cutoff_ms, int64_t *shredded)
{
    /* Which tenants have old content: a sweep that finds nothing leaves no record. */
    struct sweep_tenants tenants = {.n = 0};
    struct store_arg arg = STORE_ARG_INT64(cutoff_ms);
    *shredded = 0;
    ag_err rc = store_pool_read(a->readers,
                                "SELECT DISTINCT tenant FROM content WHERE ts_ms < ?1"
                                " ORDER BY tenant LIMIT 16",
                                &arg, 1, sweep_tenant_row, &tenants);
    /* at most 16 tenants a round; the next round (or call) takes the rest */
    for (size_t i = 0; i < tenants.n && rc == AG_OK; i++) {
        int64_t n = 0;
        rc = sweep_tenant(a, tenants.name[i], cutoff_ms, &n);
        *shredded += n;
    }
    return rc;
}

static void *sweeper_main(void *arg)
{
    struct audit *a = arg;
    pthread_mutex_lock(&a->mu);
    while (a->sweeper_started) {
        pthread_mutex_unlock(&a->mu);
        int64_t cutoff = clock_wall_ms() - (int64_t)a->retention_days * 86400000, n = 0;
        ag_err rc = audit_retention_sweep(a, cutoff, &n);
        if (rc != AG_OK)
            log_error("audit: retention sweep failed: %s", ag_strerror(rc));
        else if (n)
            log_info("audit: retention shredded %lld content records older than %u days",
                     (long long)n, a->retention_days);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += a->sweep_interval_s;
        pthread_mutex_lock(&a->mu);
        while (a->sweeper_started && pthread_cond_timedwait(&a->sweep_wake, &a->mu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

ag_err audit_start_retention(struct audit *a, unsigned days, unsigned interval_s)
{
    if (days == 0 || interval_s == 0 || a->sweeper_started)
        return AG_EINVAL;
    a->retention_days = days;
    a->sweep_interval_s = interval_s;
    a->sweeper_started = true;
    if (pthread_create(&a->sweeper, NULL, sweeper_main, a) != 0) {
        a->sweeper_started = false;
        return AG_ENOMEM;
    }
    return AG_OK;
}

/* ---- reading ---------------------------------------------------------------------------- */

/* The first column of a one-row read, and whether the row came. */
struct one_int64 {
    bool found;
    int64_t v;
};

static ag_err one_int64_row(void *ctx, struct store_stmt *st)
{
    struct one_int64 *o = ctx;
    o->found = true;
    o->v = store_col_int64(st, 0);
    return AG_OK;
}

ag_err audit_consent_get(struct audit *a, const char *tenant, const char *subject,
                         const char *purpose, bool *known, bool *granted)
{
    char ps[AUDIT_PSEUDONYM_LEN + 1];
    ag_err rc = audit_pseudonym(a, tenant, subject, ps);
    if (rc != AG_OK)
        return rc;
    const struct store_arg args[] = {STORE_ARG_TEXT(tenant, strlen(tenant)),
                                     STORE_ARG_TEXT(ps, AUDIT_PSEUDONYM_LEN),
                                     STORE_ARG_TEXT(purpose, strlen(purpose))};
    struct one_int64 g = {.found = false};
    rc = store_pool_read(a->readers,
                         "SELECT granted FROM consent WHERE tenant = ?1 AND subject = ?2"
                         " AND purpose = ?3 ORDER BY id DESC LIMIT 1",
                         args, 3, one_int64_row, &g);
    *known = rc == AG_OK && g.found;
    *granted = *known && g.v != 0;
    return rc;
}

/* One chain row (columns seq, body, prev_hash, hash) as the body's object plus seq and
 * hashes. */
static json_t *row_json(struct store_stmt *st)
{
    struct str body = store_col_text(st, 1);
    json_t *o = json_loadb(body.p, body.len, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_pack("{s:s}", "error", "the stored record is not valid JSON");
        if (!o)
            return NULL;
    }
    struct str prev = store_col_text(st, 2), hash = store_col_text(st, 3);
    json_object_set_new(o, "seq", json_integer(store_col_int64(st, 0)));
    json_object_set_new(o, "prev_hash", json_stringn(prev.p, prev.len));
    json_object_set_new(o, "hash", json_stringn(hash.p, hash.len));
    return o;
}

/* audit_list's page: up to limit records into arr; the query asks for one more, whose
 * presence sets *next to the last seq taken. */
struct list_page {
    json_t *arr;
    unsigned n, limit;
    int64_t last, *next;
};

static ag_err list_row(void *ctx, struct store_stmt *st)
{
    struct list_page *pg = ctx;
    if (pg->n == pg->limit) {
        *pg->next = pg->last; /* there is at least one more record */
        return AG_OK;
    }
    pg->last = store_col_int64(st, 0);
    json_t *o = row_json(st);
    if (!o || json_array_append_new(pg->arr, o) != 0)
        return AG_ENOMEM;
    pg->n++;
    return AG_OK;
}

ag_err audit_list(struct audit *a, const struct audit_filter *f, json_t **out, int64_t *next)
{
    char ps[AUDIT_PSEUDONYM_LEN + 1] = "";
    if (f->tenant && !f->tenant[0]) /* "" would match every tenant below */
        return AG_EINVAL;
    if (f->subject && (!f->tenant || audit_pseudonym(a, f->tenant, f->subject, ps) != AG_OK))
        return AG_EINVAL;
    json_t *arr = json_array();
    if (!arr)
        return AG_ENOMEM;
    const char *tenant = f->tenant ? f->tenant : "", *outcome = f->outcome ? f->outcome : "";
    const struct store_arg args[] = {
        STORE_ARG_INT64(f->before > 0 ? f->before : INT64_MAX),
        STORE_ARG_INT64(f->from_ms),
        STORE_ARG_INT64(f->to_ms > 0 ? f->to_ms : INT64_MAX),
        STORE_ARG_TEXT(tenant, strlen(tenant)),
        STORE_ARG_TEXT(ps, strlen(ps)),
        STORE_ARG_TEXT(outcome, strlen(outcome)),
        STORE_ARG_INT64((int64_t)f->limit + 1),
    };
    struct list_page pg = {.arr = arr, .limit = f->limit, .next = next};
    *next = 0;
    ag_err rc = store_pool_read(a->readers,
                                "SELECT seq, body, prev_hash, hash FROM audit_chain"
                                " WHERE seq < ?1 AND ts_ms >= ?2 AND ts_ms < ?3"
                                " AND (?4 = '' OR tenant = ?4) AND (?5 = '' OR subject = ?5)"
                                " AND (?6 = '' OR outcome = ?6)"
                                " ORDER BY seq DESC LIMIT ?7",
                                args, sizeof(args) / sizeof(args[0]), list_row, &pg);
    if (rc != AG_OK) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return AG_OK;
}

/* audit_trace's one row as JSON into *(json_t **)ctx. */
static ag_err trace_row(void *ctx, struct store_stmt *st)
{
    json_t **o = ctx;
    return (*o = row_json(st)) ? AG_OK : AG_ENOMEM;
}

ag_err audit_trace(struct audit *a, const char *tenant, const char *trace_id, json_t **out)
{
    size_t n = strnlen(trace_id, 64);
    if (!tenant || !tenant[0] || n == 0 || n >= 64)
        return AG_EINVAL;
    const struct store_arg args[] = {STORE_ARG_TEXT(trace_id, n),
                                     STORE_ARG_TEXT(tenant, strlen(tenant))};
    json_t *o = NULL;
    ag_err rc = store_pool_read(a->readers,
                                "SELECT seq, body, prev_hash, hash FROM audit_chain"
                                " WHERE trace_id = ?1 AND tenant = ?2 ORDER BY seq LIMIT 1",
                                args, 2, trace_row, &o);
    if (rc == AG_OK && !o)
        rc = AG_ENOTFOUND;
    if (rc == AG_OK)
        *out = o;
    return rc;
}

/* The decrypted content of record seq, or NULL (with *state saying why). */
static json_t *read_content(const struct audit *a, struct store_db *db, const char *tenant,
                            const char *ps, const uint8_t *dek, int64_t seq, const char **state)
{
    struct store_stmt *st = NULL;
    bool row = false;
    json_t *v = NULL;
    ag_err rc = store_prepare_cached(
        db, "SELECT nonce, tag, ct FROM content WHERE seq = ?1 AND tenant = ?2 AND subject = ?3",
        &st);
    rc = rc ? rc : store_bind_int64(st, 1, seq);
    rc = rc ? rc : store_bind_text(st, 2, tenant, strlen(tenant));
    rc = rc ? rc : store_bind_text(st, 3, ps, strlen(ps));
    rc = rc ? rc : store_step(st, &row);
    *state = "shredded"; /* stored once (the record says so), gone now: retention or erasure */
    if (rc != AG_OK) {
        *state = "unreadable";
    } else if (row && !dek) {
        *state = "key_erased";
    } else if (row) {
        struct str nonce = store_col_blob(st, 0), tag = store_col_blob(st, 1),
                   ct = store_col_blob(st, 2);
        char *p = malloc(ct.len + 1);
        struct buf aad;
        buf_init(&aad, 512);
        rc = p ? content_aad(seq, tenant, ps, &aad) : AG_ENOMEM;
        if (rc == AG_OK && (nonce.len != CRYPTO_AEAD_NONCE_LEN || tag.len != CRYPTO_AEAD_TAG_LEN ||
                            crypto_aead_open(dek, (const uint8_t *)nonce.p, aad.p, aad.len, ct.p,
                                             ct.len, (const uint8_t *)tag.p, p) != AG_OK))
            rc = AG_ECORRUPT;
        if (rc == AG_OK)
            v = json_loadb(p, ct.len, 0, NULL);
        *state = v ? "stored" : "unreadable";
        if (p) {
            crypto_wipe(p, ct.len);
            free(p);
        }
        buf_release(&aad);
    }
    store_finalize(st);
    (void)a;
    return v;
}

static json_t *consent_history(struct store_db *db, const char *tenant, const char *ps, ag_err *rc)
{
    struct store_stmt *st = NULL;
    bool row = false;
    json_t *arr = json_array();
    *rc = arr ? store_prepare_cached(db,
                                     "SELECT purpose, granted, policy_version, ts_ms, seq"
                                     " FROM consent WHERE tenant = ?1 AND subject = ?2 ORDER BY id",
                                     &st)
              : AG_ENOMEM;
    *rc = *rc ? *rc : store_bind_text(st, 1, tenant, strlen(tenant));
    *rc = *rc ? *rc : store_bind_text(st, 2, ps, strlen(ps));
    while (*rc == AG_OK && (*rc = store_step(st, &row)) == AG_OK && row) {
        struct str purpose = store_col_text(st, 0), version = store_col_text(st, 2);
        json_array_append_new(arr, json_pack("{s:s%, s:b, s:s%, s:I, s:I}", "purpose", purpose.p,
                                             purpose.len, "granted", (int)store_col_int64(st, 1),
                                             "policy_version", version.p, version.len, "ts_ms",
                                             (json_int_t)store_col_int64(st, 3), "seq",
                                             (json_int_t)store_col_int64(st, 4)));
    }
    store_finalize(st);
    return arr;
}

ag_err audit_subject_export(struct audit *a, const char *tenant, const char *subject, json_t **out)
{
    char ps[AUDIT_PSEUDONYM_LEN + 1];
    ag_err rc = audit_pseudonym(a, tenant, subject, ps);
    if (rc != AG_OK)
        return rc;
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false, have_key = false;
    uint8_t dek[CRYPTO_AEAD_KEY_LEN];
    rc = store_pool_get(a->readers, &db);
    if (rc != AG_OK)
        return rc;
    json_t *records = json_array(), *consent = NULL;
    rc = records ? AG_OK : AG_ENOMEM;
    if (rc == AG_OK) {
        rc = read_key(a, db, tenant, ps, dek);
        have_key = rc == AG_OK;
        if (rc == AG_ENOTFOUND)
            rc = AG_OK;
    }
    rc = rc ? rc
            : store_prepare(db,
                            "SELECT seq, body, prev_hash, hash FROM audit_chain"
                            " WHERE tenant = ?1 AND subject = ?2 ORDER BY seq",
                            &st);
    rc = rc ? rc : store_bind_text(st, 1, tenant, strlen(tenant));
    rc = rc ? rc : store_bind_text(st, 2, ps, strlen(ps));
    while (rc == AG_OK && (rc = store_step(st, &row)) == AG_OK && row) {
        json_t *o = row_json(st);
        if (!o) {
            rc = AG_ENOMEM;
            break;
        }
        if (json_is_true(json_object_get(o, "content"))) {
            const char *state = NULL;
            json_t *c = read_content(a, db, tenant, ps, have_key ? dek : NULL,
                                     store_col_int64(st, 0), &state);
            json_object_set_new(o, "content", c ? c : json_null());
            json_object_set_new(o, "content_state", json_string(state));
        } else {
            json_object_set_new(o, "content", json_null());
            json_object_set_new(o, "content_state", json_string("not_stored"));
        }
        json_array_append_new(records, o);
    }
    store_finalize(st);
    if (rc == AG_OK)
        consent = consent_history(db, tenant, ps, &rc);
    store_pool_put(a->readers, db);
    crypto_wipe(dek, sizeof(dek));
    if (rc == AG_OK) {
        *out = json_pack("{s:s, s:s, s:s, s:b, s:O, s:O}", "subject", subject, "tenant", tenant,
                         "pseudonym", ps, "data_key", have_key, "records", records, "consent",
                         consent);
        if (!*out)
            rc = AG_ENOMEM;
    }
    json_decref(records);
    json_decref(consent);
    return rc;
}

/* ---- verify ------------------------------------------------------------------------------ */

/* The indexed columns must say what the hashed body says. */
static bool columns_match(json_t *body, struct store_stmt *st)
{
    static const char *const names[] = {"tenant", "subject", "outcome"};
    if (!json_is_object(body) ||
        json_integer_value(json_object_get(body, "ts_ms")) != store_col_int64(st, 1))
        return false;
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(body, names[i]);
        struct str col = store_col_text(st, 2 + i);
        const char *s = json_is_string(v) ? json_string_value(v) : "";
        if (!(json_is_string(v) || (json_is_null(v) && i == 1)) || !str_eq_cstr(col, s))
            return false;
    }
    json_t *trace = json_object_get(body, "trace_id");
    struct str col = store_col_text(st, 5);
    return str_eq_cstr(col, json_is_string(trace) ? json_string_value(trace) : "");
}

static ag_err verify_head(struct store_db *db, const uint8_t *mac_key, int64_t last,
                          const char *last_hash, int64_t *bad_seq, char *why, size_t why_len)
{
    struct store_stmt *st = NULL;
    bool row = false;
    ag_err rc = store_prepare(db, "SELECT seq, hash, mac FROM audit_head WHERE id = 1", &st);
    rc = rc ? rc : store_step(st, &row);
    if (rc == AG_OK && !row && last != 0) {
        snprintf(why, why_len, "the chain head is missing");
        *bad_seq = last;
        rc = AG_ECORRUPT;
    } else if (rc == AG_OK && row) {
        int64_t seq = store_col_int64(st, 0);
        struct str hash = store_col_text(st, 1), mac = store_col_text(st, 2);
        char h[HEX_LEN + 1] = "", genuine[HEX_LEN + 1] = "";
        if (hash.len == HEX_LEN) {
            memcpy(h, hash.p, HEX_LEN);
            h[HEX_LEN] = '\0';
        }
        rc = head_mac(mac_key, seq, h, genuine);
        bool head_genuine =
            rc == AG_OK && mac.len == HEX_LEN && crypto_equal(mac.p, genuine, HEX_LEN);
        if (rc == AG_OK && !(head_genuine && seq == last && strcmp(h, last_hash) == 0)) {
            rc = AG_ECORRUPT;
            if (head_genuine && seq > last) {
                *bad_seq = last + 1;
                snprintf(why, why_len,
                         "records %" PRId64 "..%" PRId64 " are missing (the chain was cut off)",
                         last + 1, seq);
            } else {
                *bad_seq = last;
                snprintf(why, why_len,
                         "the chain head does not match record %" PRId64
                         " (forged head, records added without the key, or a wrong audit key)",
                         last);
            }
        }
    }
    store_finalize(st);
    return rc;
}

ag_err audit_verify(const char *path, const uint8_t hmac_key[AUDIT_KEY_LEN], int64_t *bad_seq,
                    int64_t *count, char *why, size_t why_len)
{
    uint8_t mac_key[CRYPTO_SHA256_LEN], digest[CRYPTO_SHA256_LEN], pseudo[CRYPTO_SHA256_LEN];
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false;
    *bad_seq = 0;
    *count = 0;
    ag_err rc = derive_all(hmac_key, mac_key, digest, pseudo);
    crypto_wipe(digest, sizeof(digest));
    crypto_wipe(pseudo, sizeof(pseudo));
    rc = rc ? rc : store_open(path, STORE_READONLY, &db);
    if (rc != AG_OK) {
        snprintf(why, why_len, "cannot open the audit store");
        return rc;
    }
    rc = store_prepare(db,
                       "SELECT seq, ts_ms, tenant, subject, outcome, trace_id, body, prev_hash,"
                       " hash, mac FROM audit_chain ORDER BY seq",
                       &st);
    char prev[HEX_LEN + 1];
    memcpy(prev, genesis, sizeof(prev));
    int64_t expect = 1;
    while (rc == AG_OK && (rc = store_step(st, &row)) == AG_OK && row) {
        int64_t seq = store_col_int64(st, 0);
        struct str body = store_col_text(st, 6), prev_col = store_col_text(st, 7),
                   stored = store_col_text(st, 8), mac = store_col_text(st, 9);
        char hash[HEX_LEN + 1], want_mac[HEX_LEN + 1];
        *bad_seq = seq;
        if (seq != expect) {
            *bad_seq = expect;
            snprintf(why, why_len,
                     seq > expect ? "record %" PRId64 " is missing (next present is %" PRId64 ")"
                                  : "record %" PRId64 " is out of place (found %" PRId64 ")",
                     expect, seq);
            rc = AG_ECORRUPT;
            break;
        }
        rc = event_hash(seq, prev, body.p, body.len, hash);
        rc = rc ? rc : hmac_hex(mac_key, hash, HEX_LEN, want_mac);
        if (rc != AG_OK)
            break;
        json_t *parsed = json_loadb(body.p, body.len, 0, NULL);
        bool cols = columns_match(parsed, st);
        json_decref(parsed);
        rc = AG_ECORRUPT;
        if (!str_eq_cstr(prev_col, prev)) {
            snprintf(why, why_len,
                     "record %" PRId64 " does not follow record %" PRId64
                     " (chain broken: inserted, reordered or replaced)",
                     seq, seq - 1);
        } else if (!str_eq_cstr(stored, hash)) {
            snprintf(why, why_len, "record %" PRId64 " was modified (hash mismatch)", seq);
        } else if (mac.len != HEX_LEN || !crypto_equal(mac.p, want_mac, HEX_LEN)) {
            snprintf(why, why_len,
                     "record %" PRId64 " has a wrong MAC (forged record or wrong audit key)", seq);
        } else if (!cols) {
            snprintf(why, why_len, "record %" PRId64 " was modified (columns differ from its body)",
                     seq);
        } else {
            rc = AG_OK;
        }
        if (rc != AG_OK)
            break;
        memcpy(prev, hash, sizeof(prev));
        expect++;
        (*count)++;
    }
    store_finalize(st);
    if (rc == AG_OK) {
        *bad_seq = 0;
        rc = verify_head(db, mac_key, expect - 1, prev, bad_seq, why, why_len);
    }
    if (rc != AG_OK && rc != AG_ECORRUPT)
        snprintf(why, why_len, "cannot read the audit store: %s", ag_strerror(rc));
    store_close(db);
    crypto_wipe(mac_key, sizeof(mac_key));
    return rc;
}
