// SPDX-License-Identifier: MIT
/*
 * audit/audit.c: hash-chained audit records with a single writer thread.
 * Turns queue entries and sleep; the writer takes the whole queue, opens one
 * transaction, reads the current chain head (so other processes appending to the same
 * file, like `agentgate ask`, keep the chain intact), inserts each record with its hash,
 * commits, then wakes the waiters. Hash input: "agentgate-audit-v1" and every field,
 * each length-prefixed so that no two records serialise alike.
 * THREADS: a->mu guards the queue and closing; the write connection belongs to the
 * writer thread; lock order: a->mu only, never held across SQLite calls.
 */
#include "audit/audit.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "store/store.h"

#define HEX_LEN ((size_t)2 * CRYPTO_SHA256_LEN)
static const char genesis[HEX_LEN + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL,"
    " key_id TEXT NOT NULL, tenant TEXT NOT NULL, trace_id TEXT NOT NULL,"
    " question_hash TEXT NOT NULL, passages TEXT NOT NULL, outcome TEXT NOT NULL,"
    " status INTEGER NOT NULL, answer_hash TEXT NOT NULL, prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL);";

struct pending {
    struct pending *next;
    /* copies, owned by the pending record */
    char *key_id, *tenant, *trace_id, *passages, *outcome;
    char question_hash[HEX_LEN + 1], answer_hash[HEX_LEN + 1];
    int status;
    int64_t ts_ms;
    /* result, written by the writer under a->mu */
    bool done;
    ag_err rc;
    int64_t seq;
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
    struct store_pool *readers;
    uint8_t secret[64];
    size_t secret_len;
};

struct record {
    int64_t seq, ts_ms;
    int status;
    struct str key_id, tenant, trace_id, question_hash, passages, outcome, answer_hash, prev_hash;
};

static ag_err record_hash(const struct record *r, char out[HEX_LEN + 1])
{
    struct buf b;
    buf_init(&b, 1u << 20);
    ag_err rc = buf_printf(&b, "agentgate-audit-v1|%" PRId64 "|%" PRId64 "|%d", r->seq, r->ts_ms,
                           r->status);
    const struct str *f[] = {&r->key_id,   &r->tenant,  &r->trace_id,    &r->question_hash,
                             &r->passages, &r->outcome, &r->answer_hash, &r->prev_hash};
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && rc == AG_OK; i++) {
        rc = buf_printf(&b, "|%zu:", f[i]->len);
        if (rc == AG_OK)
            rc = buf_append(&b, f[i]->p, f[i]->len);
    }
    if (rc == AG_OK) {
        uint8_t d[CRYPTO_SHA256_LEN];
        crypto_sha256(b.p, b.len, d);
        crypto_hex(d, sizeof(d), out);
    }
    buf_release(&b);
    return rc;
}

static ag_err write_batch(struct audit *a, struct pending *batch)
{
    struct store_stmt *head = NULL, *ins = NULL;
    bool row = false;
    char prev[HEX_LEN + 1];
    int64_t seq = 0;
    ag_err rc = store_begin(a->wdb);
    rc = rc ? rc
            : store_prepare_cached(a->wdb, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                                   &head);
    rc = rc ? rc : store_step(head, &row);
    if (rc == AG_OK && row) {
        struct str h = store_col_text(head, 1);
        seq = store_col_int64(head, 0);
        if (h.len != HEX_LEN) {
            log_error("audit: chain head %" PRId64 " has a malformed hash", seq);
            rc = AG_ECORRUPT;
        } else {
            memcpy(prev, h.p, HEX_LEN);
            prev[HEX_LEN] = '\0';
        }
    } else if (rc == AG_OK) {
        memcpy(prev, genesis, sizeof(prev));
    }
    store_finalize(head);
    rc = rc ? rc
            : store_prepare_cached(a->wdb,
                                   "INSERT INTO audit VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,"
                                   "?10,?11,?12)",
                                   &ins);
    for (struct pending *p = batch; p && rc == AG_OK; p = p->next) {
        seq++;
        struct record r = {
            .seq = seq,
            .ts_ms = p->ts_ms,
            .status = p->status,
            .key_id = str_from_cstr(p->key_id),
            .tenant = str_from_cstr(p->tenant),
            .trace_id = str_from_cstr(p->trace_id),
            .question_hash = str_from_cstr(p->question_hash),
            .passages = str_from_cstr(p->passages),
            .outcome = str_from_cstr(p->outcome),
            .answer_hash = str_from_cstr(p->answer_hash),
            .prev_hash = {prev, HEX_LEN},
        };
        char hash[HEX_LEN + 1];
        rc = record_hash(&r, hash);
        rc = rc ? rc : store_bind_int64(ins, 1, r.seq);
        rc = rc ? rc : store_bind_int64(ins, 2, r.ts_ms);
        rc = rc ? rc : store_bind_text(ins, 3, r.key_id.p, r.key_id.len);
        rc = rc ? rc : store_bind_text(ins, 4, r.tenant.p, r.tenant.len);
        rc = rc ? rc : store_bind_text(ins, 5, r.trace_id.p, r.trace_id.len);
        rc = rc ? rc : store_bind_text(ins, 6, r.question_hash.p, r.question_hash.len);
        rc = rc ? rc : store_bind_text(ins, 7, r.passages.p, r.passages.len);
        rc = rc ? rc : store_bind_text(ins, 8, r.outcome.p, r.outcome.len);
        rc = rc ? rc : store_bind_int64(ins, 9, r.status);
        rc = rc ? rc : store_bind_text(ins, 10, r.answer_hash.p, r.answer_hash.len);
        rc = rc ? rc : store_bind_text(ins, 11, prev, HEX_LEN);
        rc = rc ? rc : store_bind_text(ins, 12, hash, HEX_LEN);
        rc = rc ? rc : store_step(ins, &row);
        store_reset(ins);
        p->seq = r.seq;
        memcpy(prev, hash, sizeof(prev));
    }
    store_finalize(ins);
    rc = rc ? rc : store_commit(a->wdb);
    if (rc != AG_OK)
        store_rollback(a->wdb);
    return rc;
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

ag_err audit_open(const char *path, const void *secret, size_t secret_len, size_t max_queue,
                  struct audit **out)
{
    if (secret_len == 0 || secret_len > 64 || max_queue == 0)
        return AG_EINVAL;
    struct audit *a = calloc(1, sizeof(*a));
    if (!a)
        return AG_ENOMEM;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->work, NULL);
    pthread_cond_init(&a->done, NULL);
    memcpy(a->secret, secret, secret_len);
    a->secret_len = secret_len;
    a->max_queue = max_queue;
    ag_err rc = store_open(path, STORE_CREATE, &a->wdb);
    rc = rc ? rc : store_exec(a->wdb, schema);
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
    if (a->writer_started) {
        pthread_mutex_lock(&a->mu);
        a->closing = true;
        pthread_cond_signal(&a->work);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->writer, NULL);
    }
    store_close(a->wdb);
    store_pool_destroy(a->readers);
    pthread_cond_destroy(&a->work);
    pthread_cond_destroy(&a->done);
    pthread_mutex_destroy(&a->mu);
    memset(a->secret, 0, sizeof(a->secret));
    free(a);
}

static void pending_free(struct pending *p)
{
    if (!p)
        return;
    free(p->key_id);
    free(p->tenant);
    free(p->trace_id);
    free(p->passages);
    free(p->outcome);
    free(p);
}

static ag_err digest_text(const struct audit *a, const char *p, size_t n, char out[HEX_LEN + 1])
{
    uint8_t d[CRYPTO_SHA256_LEN];
    if (!p) {
        out[0] = '\0';
        return AG_OK;
    }
    ag_err rc = crypto_hmac_sha256(a->secret, a->secret_len, p, n, d);
    if (rc == AG_OK)
        crypto_hex(d, sizeof(d), out);
    return rc;
}

ag_err audit_append(struct audit *a, const struct audit_entry *e, int64_t *seq)
{
    struct pending *p = calloc(1, sizeof(*p));
    if (!p)
        return AG_ENOMEM;
    p->key_id = strdup(e->key_id ? e->key_id : "");
    p->tenant = strdup(e->tenant ? e->tenant : "");
    p->trace_id = strdup(e->trace_id ? e->trace_id : "");
    p->passages = strdup(e->passages ? e->passages : "[]");
    p->outcome = strdup(e->outcome ? e->outcome : "");
    p->status = e->status;
    p->ts_ms = clock_wall_ms();
    ag_err rc = AG_OK;
    if (!p->key_id || !p->tenant || !p->trace_id || !p->passages || !p->outcome)
        rc = AG_ENOMEM;
    rc = rc ? rc : digest_text(a, e->question, e->question_len, p->question_hash);
    rc = rc ? rc : digest_text(a, e->answer, e->answer_len, p->answer_hash);
    if (rc != AG_OK) {
        pending_free(p);
        return rc;
    }
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
    rc = p->rc;
    *seq = p->seq;
    pthread_mutex_unlock(&a->mu);
    pending_free(p);
    return rc;
}

ag_err audit_list(struct audit *a, int64_t before, unsigned limit, json_t **out, int64_t *next)
{
    return audit_list_tenant(a, NULL, false, before, limit, out, next);
}

ag_err audit_list_tenant(struct audit *a, const char *tenant, bool unowned, int64_t before,
                         unsigned limit, json_t **out, int64_t *next)
{
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false;
    json_t *arr = json_array();
    if (!arr)
        return AG_ENOMEM;
    ag_err rc = store_pool_get(a->readers, &db);
    rc = rc ? rc
            : store_prepare(
                  db,
                  tenant ? "SELECT seq, ts_ms, key_id, tenant, trace_id, question_hash,"
                           " passages, outcome, status, answer_hash, prev_hash, hash"
                           " FROM audit WHERE seq < ?1 AND (tenant = ?3 OR (?4 AND tenant = ''))"
                           " ORDER BY seq DESC LIMIT ?2"
                         : "SELECT seq, ts_ms, key_id, tenant, trace_id, question_hash,"
                           " passages, outcome, status, answer_hash, prev_hash, hash"
                           " FROM audit WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
                  &st);
    rc = rc ? rc : store_bind_int64(st, 1, before > 0 ? before : INT64_MAX);
    rc = rc ? rc : store_bind_int64(st, 2, (int64_t)limit + 1);
    if (tenant) {
        rc = rc ? rc : store_bind_text(st, 3, tenant, strlen(tenant));
        rc = rc ? rc : store_bind_int64(st, 4, unowned);
    }
    unsigned n = 0;
    int64_t last = 0;
    *next = 0;
    while (rc == AG_OK && (rc = store_step(st, &row)) == AG_OK && row) {
        if (n == limit) {
            *next = last; /* there is at least one more record */
            break;
        }
        last = store_col_int64(st, 0);
        static const char *const names[] = {
            NULL,       NULL,      "key_id", "tenant",      "trace_id",  "question_hash",
            "passages", "outcome", NULL,     "answer_hash", "prev_hash", "hash"};
        json_t *o = json_object();
        if (!o) {
            rc = AG_ENOMEM;
            break;
        }
        json_object_set_new(o, "seq", json_integer(last));
        json_object_set_new(o, "ts_ms", json_integer(store_col_int64(st, 1)));
        json_object_set_new(o, "status", json_integer(store_col_int64(st, 8)));
        for (int i = 2; i < 12; i++) {
            if (!names[i])
                continue;
            struct str s = store_col_text(st, i);
            json_t *v = NULL;
            if (i == 6) /* passages are stored as a JSON array */
                v = json_loadb(s.p, s.len, 0, NULL);
            if (!v)
                v = json_stringn(s.p, s.len);
            json_object_set_new(o, names[i], v ? v : json_null());
        }
        json_array_append_new(arr, o);
        n++;
    }
    store_finalize(st);
    store_pool_put(a->readers, db);
    if (rc != AG_OK) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return AG_OK;
}

ag_err audit_verify(const char *path, int64_t *bad_seq, int64_t *count, char *why, size_t why_len)
{
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false;
    *bad_seq = 0;
    *count = 0;
    ag_err rc = store_open(path, STORE_READONLY, &db);
    if (rc != AG_OK) {
        snprintf(why, why_len, "%s: cannot open the audit log", path);
        return rc;
    }
    rc = store_prepare(db,
                       "SELECT seq, ts_ms, key_id, tenant, trace_id, question_hash,"
                       " passages, outcome, status, answer_hash, prev_hash, hash"
                       " FROM audit ORDER BY seq",
                       &st);
    char prev[HEX_LEN + 1];
    memcpy(prev, genesis, sizeof(prev));
    int64_t expect = 1;
    while (rc == AG_OK && (rc = store_step(st, &row)) == AG_OK && row) {
        struct record r = {
            .seq = store_col_int64(st, 0),
            .ts_ms = store_col_int64(st, 1),
            .key_id = store_col_text(st, 2),
            .tenant = store_col_text(st, 3),
            .trace_id = store_col_text(st, 4),
            .question_hash = store_col_text(st, 5),
            .passages = store_col_text(st, 6),
            .outcome = store_col_text(st, 7),
            .status = (int)store_col_int64(st, 8),
            .answer_hash = store_col_text(st, 9),
            .prev_hash = store_col_text(st, 10),
        };
        struct str stored = store_col_text(st, 11);
        char hash[HEX_LEN + 1];
        if (r.seq != expect) {
            *bad_seq = expect;
            snprintf(why, why_len, "record %" PRId64 " is missing (next present is %" PRId64 ")",
                     expect, r.seq);
            rc = AG_ECORRUPT;
            break;
        }
        rc = record_hash(&r, hash);
        if (rc != AG_OK)
            break;
        if (!str_eq_cstr(r.prev_hash, prev)) {
            *bad_seq = r.seq;
            snprintf(why, why_len,
                     "record %" PRId64 " does not follow record %" PRId64
                     " (chain broken: reordered or replaced)",
                     r.seq, r.seq - 1);
            rc = AG_ECORRUPT;
            break;
        }
        if (!str_eq_cstr(stored, hash)) {
            *bad_seq = r.seq;
            snprintf(why, why_len, "record %" PRId64 " was modified (hash mismatch)", r.seq);
            rc = AG_ECORRUPT;
            break;
        }
        memcpy(prev, hash, sizeof(prev));
        expect++;
        (*count)++;
    }
    if (rc != AG_OK && rc != AG_ECORRUPT)
        snprintf(why, why_len, "%s: cannot read the audit log: %s", path, ag_strerror(rc));
    store_finalize(st);
    store_close(db);
    return rc;
}
