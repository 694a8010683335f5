// SPDX-License-Identifier: MIT
/*
 * tests/unit/audit/test_audit.c: the audit chain and the subjects' data (src/audit/audit.c).
 * Concurrent appends get contiguous sequence numbers and an intact chain; tampering
 * with audit.db through store.h (a changed field or column, a deleted, inserted or
 * swapped record, a cut-off tail, a chain rebuilt without the key) makes audit_verify()
 * name the first bad record, as does a wrong audit key; audit_list() pages newest first
 * and filters; content is kept only encrypted, export decrypts it, erasure and retention
 * shred it (raw files searched) while the chain still verifies; consent is recorded.
 * Fresh mkdtemp folder per test.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/json.h"
#include "store/store.h"
#include "test_util.h"

#define N_THREADS    8
#define PER_THREAD   25
#define N_CONCURRENT (N_THREADS * PER_THREAD)

static struct audit_keys keys;

struct fixture {
    char dir[64];
    char path[128]; /* audit.db */
    struct audit *audit;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    if (!fx)
        return -1;
    if (!tu_mkdtemp(fx->dir, sizeof(fx->dir), "/tmp/ag-test-audit-XXXXXX")) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof(fx->path), "%s/audit.db", fx->dir);
    memset(keys.hmac, 0x41, sizeof(keys.hmac));
    memset(keys.master, 0x6d, sizeof(keys.master));
    if (audit_open(fx->path, &keys, 1024, &fx->audit) != AG_OK) {
        tu_remove_tree(fx->dir);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    audit_close(fx->audit);
    tu_remove_tree(fx->dir);
    free(fx);
    return 0;
}

static int64_t append_one(struct audit *a, const char *tenant, const char *question, int status)
{
    json_t *decision = json_pack("{s:[{s:i, s:f}, {s:i, s:f}, {s:i, s:f}]}", "passages", "id", 3,
                                 "score", 2.5, "id", 14, "score", 1.5, "id", 15, "score", 0.5);
    struct audit_entry e = {
        .key_id = "0123456789abcdef",
        .actor = "key:0123456789abcdef",
        .tenant = tenant,
        .agent = "shop",
        .trace_id = "00112233445566778899aabbccddeeff",
        .question = question,
        .question_len = strlen(question),
        .decision = decision,
        .outcome = status == 200 ? "answered" : "rejected_auth",
        .status = status,
        .answer = status == 200 ? "Die Antwort." : NULL,
        .answer_len = status == 200 ? 12 : 0,
    };
    int64_t seq = -1;
    assert_int_equal(audit_append(a, &e, &seq), AG_OK);
    json_decref(decision);
    return seq;
}

static void fill(struct fixture *fx, int n)
{
    for (int i = 1; i <= n; i++) {
        char q[64];
        snprintf(q, sizeof(q), "Frage Nummer %d", i);
        assert_int_equal(append_one(fx->audit, "acme", q, i % 3 ? 200 : 401), i);
    }
}

static void verify(const struct fixture *fx, ag_err want_rc, int64_t want_bad, int64_t want_count,
                   const char *want_why)
{
    int64_t bad = -1, count = -1;
    char why[300] = "";
    ag_err rc = audit_verify(fx->path, keys.hmac, &bad, &count, why, sizeof(why));
    if (rc != want_rc || bad != want_bad || count != want_count ||
        (want_why && !strstr(why, want_why)))
        fail_msg("verify: rc=%d bad=%lld count=%lld why='%s'; expected rc=%d bad=%lld "
                 "count=%lld why~'%s'",
                 rc, (long long)bad, (long long)count, why, want_rc, (long long)want_bad,
                 (long long)want_count, want_why ? want_why : "");
}

/* Run one statement against the audit file, as an attacker with write access would. */
static void tamper(const struct fixture *fx, const char *sql)
{
    struct store_db *db = NULL;
    assert_int_equal(store_open(fx->path, 0, &db), AG_OK);
    assert_int_equal(store_exec(db, sql), AG_OK);
    store_close(db);
}

/* ---- appends ------------------------------------------------------------------------ */

struct worker {
    struct audit *audit;
    int id;
    int64_t seqs[PER_THREAD];
    int failures;
};

static void *append_many(void *arg)
{
    struct worker *w = arg;
    char tenant[16], q[64];
    snprintf(tenant, sizeof(tenant), "t%d", w->id);
    for (int i = 0; i < PER_THREAD; i++) {
        snprintf(q, sizeof(q), "question %d from thread %d", i, w->id);
        struct audit_entry e = {.key_id = "k",
                                .tenant = tenant,
                                .trace_id = "tr",
                                .question = q,
                                .question_len = strlen(q),
                                .outcome = "dont_know",
                                .status = 200};
        if (audit_append(w->audit, &e, &w->seqs[i]) != AG_OK)
            w->failures++;
    }
    return NULL;
}

static void test_concurrent_appends_are_contiguous(void **state)
{
    struct fixture *fx = *state;
    struct worker w[N_THREADS];
    pthread_t th[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].audit = fx->audit;
        w[i].id = i;
        assert_int_equal(pthread_create(&th[i], NULL, append_many, &w[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    bool seen[N_CONCURRENT + 1] = {false};
    for (int i = 0; i < N_THREADS; i++) {
        assert_int_equal(w[i].failures, 0);
        for (int j = 0; j < PER_THREAD; j++) {
            int64_t s = w[i].seqs[j];
            assert_true(s >= 1 && s <= N_CONCURRENT);
            assert_false(seen[s]);
            seen[s] = true;
            if (j > 0) /* one thread's records keep their order */
                assert_true(s > w[i].seqs[j - 1]);
        }
    }
    verify(fx, AG_OK, 0, N_CONCURRENT, NULL);
    /* The next record continues the chain. */
    assert_int_equal(append_one(fx->audit, "acme", "one more", 200), N_CONCURRENT + 1);
    verify(fx, AG_OK, 0, N_CONCURRENT + 1, NULL);
}

static void test_empty_log_verifies(void **state)
{
    struct fixture *fx = *state;
    verify(fx, AG_OK, 0, 0, NULL);
}

/* ---- tampering ------------------------------------------------------------------------- */

static void test_modified_field_is_named(void **state)
{
    struct fixture *fx = *state;
    fill(fx, 10);
    verify(fx, AG_OK, 0, 10, NULL);
    tamper(fx, "UPDATE audit_chain SET body=replace(body, '\"answered\"', '\"dont_know\"')"
               " WHERE seq=5");
    verify(fx, AG_ECORRUPT, 5, 4, "record 5");
    verify(fx, AG_ECORRUPT, 5, 4, "modified");
}

static void test_each_field_is_covered(void **state)
{
    struct fixture *fx = *state;
    static const char *const updates[] = {
        "UPDATE audit_chain SET ts_ms=ts_ms+1",
        "UPDATE audit_chain SET tenant='other'",
        "UPDATE audit_chain SET subject='x'",
        "UPDATE audit_chain SET outcome='answered_x'",
        "UPDATE audit_chain SET trace_id='x'",
        "UPDATE audit_chain SET body=replace(body, '\"key_id\":\"0', '\"key_id\":\"f')",
        "UPDATE audit_chain SET body=replace(body, '\"score\":2.5', '\"score\":9.5')",
        "UPDATE audit_chain SET body=replace(body, '\"question_hash\":\"', "
        "'\"question_hash\":\"0')",
        "UPDATE audit_chain SET prev_hash=upper(prev_hash) || '0'",
        "UPDATE audit_chain SET hash=upper(hash)",
        "UPDATE audit_chain SET mac=upper(mac)",
    };
    int n = (int)(sizeof(updates) / sizeof(updates[0]));
    fill(fx, n + 2);
    /* Field i is changed in record i + 2, verified, then the record is restored from a
     * saved copy, so each change is the only one when it is checked. */
    for (int i = 0; i < n; i++) {
        char sql[512];
        int seq = i + 2;
        assert_true(snprintf(sql, sizeof(sql),
                             "CREATE TABLE IF NOT EXISTS saved AS SELECT *"
                             " FROM audit_chain WHERE 0; DELETE FROM saved;"
                             " INSERT INTO saved SELECT * FROM audit_chain"
                             " WHERE seq=%d",
                             seq) > 0);
        tamper(fx, sql);
        assert_true(snprintf(sql, sizeof(sql), "%s WHERE seq=%d", updates[i], seq) > 0);
        tamper(fx, sql);
        char want[32];
        snprintf(want, sizeof(want), "record %d ", seq);
        verify(fx, AG_ECORRUPT, seq, seq - 1, want);
        assert_true(snprintf(sql, sizeof(sql),
                             "DELETE FROM audit_chain WHERE seq=%d;"
                             " INSERT INTO audit_chain SELECT * FROM saved",
                             seq) > 0);
        tamper(fx, sql);
        verify(fx, AG_OK, 0, n + 2, NULL);
    }
}

static void test_deleted_record_is_named_missing(void **state)
{
    struct fixture *fx = *state;
    fill(fx, 10);
    tamper(fx, "DELETE FROM audit_chain WHERE seq=6");
    verify(fx, AG_ECORRUPT, 6, 5, "record 6 is missing");
}

static void test_swapped_seqs_name_the_first(void **state)
{
    struct fixture *fx = *state;
    fill(fx, 10);
    tamper(fx, "UPDATE audit_chain SET seq=-4 WHERE seq=4;"
               "UPDATE audit_chain SET seq=4 WHERE seq=7;"
               "UPDATE audit_chain SET seq=7 WHERE seq=-4;");
    verify(fx, AG_ECORRUPT, 4, 3, "record 4");
}

static void test_rewritten_chain_tail_is_detected(void **state)
{
    struct fixture *fx = *state;
    fill(fx, 6);
    /* Replacing a record with a copy of another (hash and all) breaks the link. */
    tamper(fx, "DELETE FROM audit_chain WHERE seq=3;"
               "INSERT INTO audit_chain SELECT 3, ts_ms, tenant, subject, outcome, trace_id, body,"
               " prev_hash, hash, mac FROM audit_chain WHERE seq=5");
    verify(fx, AG_ECORRUPT, 3, 2, "record 3");
}

static void test_cut_off_tail_is_detected(void **state)
{
    struct fixture *fx = *state;
    fill(fx, 8);
    tamper(fx, "DELETE FROM audit_chain WHERE seq >= 7");
    verify(fx, AG_ECORRUPT, 7, 6, "records 7..8 are missing");
    /* pointing the head at record 6 needs the key: a copied record MAC does not do */
    tamper(fx, "UPDATE audit_head SET seq=6, hash=(SELECT hash FROM audit_chain WHERE seq=6),"
               " mac=(SELECT mac FROM audit_chain WHERE seq=6)");
    verify(fx, AG_ECORRUPT, 6, 6, "chain head does not match");
}

static void test_inserted_record_is_detected(void **state)
{
    struct fixture *fx = *state;
    fill(fx, 5);
    /* make room after record 2 and put a copy of record 2 there */
    tamper(fx, "UPDATE audit_chain SET seq=seq+100 WHERE seq>2;"
               "UPDATE audit_chain SET seq=seq-99 WHERE seq>100;"
               "INSERT INTO audit_chain SELECT 3, ts_ms, tenant, subject, outcome, trace_id, body,"
               " prev_hash, hash, mac FROM audit_chain WHERE seq=2");
    verify(fx, AG_ECORRUPT, 3, 2, "record 3");
}

/* An attacker who rebuilds the whole chain (hashes and all) without the key fails the MACs;
 * the right chain checked with a wrong key fails at the first record. */
static void test_wrong_key_and_rebuilt_chain(void **state)
{
    struct fixture *fx = *state;
    fill(fx, 3);
    uint8_t wrong[AUDIT_KEY_LEN];
    memset(wrong, 0x42, sizeof(wrong));
    int64_t bad = -1, count = -1;
    char why[300] = "";
    assert_int_equal(audit_verify(fx->path, wrong, &bad, &count, why, sizeof(why)), AG_ECORRUPT);
    assert_int_equal(bad, 1);
    assert_non_null(strstr(why, "wrong MAC"));
    /* a second store written with another key, spliced in as a whole */
    audit_close(fx->audit);
    struct audit_keys other = keys;
    memcpy(other.hmac, wrong, sizeof(wrong));
    char path2[200];
    snprintf(path2, sizeof(path2), "%s/other.db", fx->dir);
    assert_int_equal(audit_open(path2, &other, 16, &fx->audit), AG_OK);
    assert_int_equal(append_one(fx->audit, "acme", "forged", 200), 1);
    audit_close(fx->audit);
    fx->audit = NULL;
    char sql[400];
    snprintf(sql, sizeof(sql),
             "ATTACH '%s' AS o; DELETE FROM audit_chain; DELETE FROM audit_head;"
             " INSERT INTO audit_chain SELECT * FROM o.audit_chain;"
             " INSERT INTO audit_head SELECT * FROM o.audit_head;",
             path2);
    tamper(fx, sql);
    verify(fx, AG_ECORRUPT, 1, 0, "wrong MAC");
}

/* ---- reading ---------------------------------------------------------------------------- */

static ag_err list(struct audit *a, int64_t before, unsigned limit, json_t **page, int64_t *next)
{
    struct audit_filter f = {.before = before, .limit = limit};
    return audit_list(a, &f, page, next);
}

static int64_t seq_at(json_t *arr, size_t i)
{
    json_t *o = json_array_get(arr, i);
    assert_non_null(o);
    json_t *s = json_object_get(o, "seq");
    assert_true(json_is_integer(s));
    return (int64_t)json_integer_value(s);
}

static void test_list_pages_newest_first(void **state)
{
    struct fixture *fx = *state;
    fill(fx, 7);
    json_t *page = NULL;
    int64_t next = -1;
    assert_int_equal(list(fx->audit, 0, 3, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 3);
    assert_int_equal(seq_at(page, 0), 7);
    assert_int_equal(seq_at(page, 1), 6);
    assert_int_equal(seq_at(page, 2), 5);
    assert_int_equal(next, 5);
    /* Fields of the newest record, and the chain between neighbours. */
    json_t *r7 = json_array_get(page, 0), *r6 = json_array_get(page, 1);
    assert_string_equal(json_string_value(json_object_get(r7, "tenant")), "acme");
    assert_string_equal(json_string_value(json_object_get(r7, "outcome")), "answered");
    assert_int_equal(json_integer_value(json_object_get(r7, "status")), 200);
    json_t *passages = json_object_get(json_object_get(r7, "decision"), "passages");
    assert_true(json_is_array(passages));
    assert_int_equal(json_array_size(passages), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(passages, 1), "id")), 14);
    assert_string_equal(json_string_value(json_object_get(r7, "agent")), "shop");
    assert_string_equal(json_string_value(json_object_get(r7, "actor")), "key:0123456789abcdef");
    assert_int_equal(strlen(json_string_value(json_object_get(r7, "answer_hash"))), 64);
    assert_string_equal(json_string_value(json_object_get(r7, "prev_hash")),
                        json_string_value(json_object_get(r6, "hash")));
    assert_int_equal(strlen(json_string_value(json_object_get(r7, "hash"))), 64);
    assert_int_equal(json_integer_value(json_object_get(r6, "status")), 401);
    json_decref(page);

    assert_int_equal(list(fx->audit, next, 3, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 3);
    assert_int_equal(seq_at(page, 0), 4);
    assert_int_equal(seq_at(page, 2), 2);
    assert_int_equal(next, 2);
    json_decref(page);

    assert_int_equal(list(fx->audit, next, 3, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 1);
    assert_int_equal(seq_at(page, 0), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(page, 0), "prev_hash")),
                        "0000000000000000000000000000000000000000000000000000000000000000");
    assert_int_equal(next, 0);
    json_decref(page);

    /* A page that ends exactly at the oldest record has no next page. */
    assert_int_equal(list(fx->audit, 4, 3, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 3);
    assert_int_equal(next, 0);
    json_decref(page);
    assert_int_equal(list(fx->audit, 0, 7, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 7);
    assert_int_equal(next, 0);
    json_decref(page);
}

static void test_list_empty(void **state)
{
    struct fixture *fx = *state;
    json_t *page = NULL;
    int64_t next = -1;
    assert_int_equal(list(fx->audit, 0, 10, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 0);
    assert_int_equal(next, 0);
    json_decref(page);
}

/* ---- privacy ----------------------------------------------------------------------------- */

static void test_question_text_never_stored(void **state)
{
    struct fixture *fx = *state;
    const char *question = "Meine IBAN DE89370400440532013000 wurde doppelt belastet";
    const char *answer = "Antwortgeheimnis-7f3a: bitte wenden Sie sich an uns";
    struct audit_entry e = {
        .key_id = "0123456789abcdef",
        .tenant = "acme",
        .trace_id = "t1",
        .question = question,
        .question_len = strlen(question),
        .outcome = "answered",
        .status = 200,
        .answer = answer,
        .answer_len = strlen(answer),
    };
    int64_t seq = 0;
    assert_int_equal(audit_append(fx->audit, &e, &seq), AG_OK);
    assert_int_equal(seq, 1);

    /* The stored digest is the keyed HMAC of the text, not a plain hash. */
    json_t *page = NULL;
    int64_t next = 0;
    assert_int_equal(list(fx->audit, 0, 1, &page, &next), AG_OK);
    const char *qh = json_string_value(json_object_get(json_array_get(page, 0), "question_hash"));
    assert_non_null(qh);
    uint8_t d[CRYPTO_SHA256_LEN];
    char hex[2 * CRYPTO_SHA256_LEN + 1];
    uint8_t dk[CRYPTO_SHA256_LEN];
    const char *label = "agentgate-audit-digest-v2";
    assert_int_equal(crypto_hmac_sha256(keys.hmac, sizeof(keys.hmac), label, strlen(label), dk),
                     AG_OK);
    assert_int_equal(crypto_hmac_sha256(dk, sizeof(dk), question, strlen(question), d), AG_OK);
    crypto_hex(d, sizeof(d), hex);
    assert_string_equal(qh, hex);
    crypto_sha256(question, strlen(question), d);
    crypto_hex(d, sizeof(d), hex);
    assert_string_not_equal(qh, hex);
    json_decref(page);

    audit_close(fx->audit); /* commit everything; the files are all there is */
    fx->audit = NULL;
    struct buf all;
    buf_init(&all, 64u << 20);
    static const char *const suffix[] = {"", "-wal", "-journal"};
    for (size_t i = 0; i < 3; i++) {
        char p[200];
        snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
        tu_append_file(&all, p);
    }
    assert_true(all.len > 0);
    assert_null(tu_find_bytes(all.p, all.len, question, strlen(question)));
    assert_null(tu_find_bytes(all.p, all.len, "DE89370400440532013000", 22));
    assert_null(tu_find_bytes(all.p, all.len, answer, strlen(answer)));
    assert_null(tu_find_bytes(all.p, all.len, "Antwortgeheimnis", 16));
    assert_non_null(tu_find_bytes(all.p, all.len, "acme", 4)); /* the record itself is there */
    buf_release(&all);
    verify(fx, AG_OK, 0, 1, NULL);
}

/* audit_list_tenant: one tenant's records only, paged like audit_list, and an unknown
 * tenant sees nothing. */
static ag_err list_tenant(struct audit *a, const char *tenant, int64_t before, unsigned limit,
                          json_t **page, int64_t *next)
{
    struct audit_filter f = {.tenant = tenant, .before = before, .limit = limit};
    return audit_list(a, &f, page, next);
}

static void test_list_by_tenant(void **state)
{
    struct fixture *fx = *state;
    for (int i = 1; i <= 9; i++) /* acme: 1 4 7; other: 2 3 5 6 8 9 */
        assert_int_equal(append_one(fx->audit, i % 3 == 1 ? "acme" : "other", "Frage", 200), i);
    json_t *page = NULL;
    int64_t next = -1;
    assert_int_equal(list_tenant(fx->audit, "acme", 0, 2, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 2);
    assert_int_equal(seq_at(page, 0), 7);
    assert_int_equal(seq_at(page, 1), 4);
    assert_int_equal(next, 4);
    json_decref(page);
    assert_int_equal(list_tenant(fx->audit, "acme", next, 2, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 1);
    assert_int_equal(seq_at(page, 0), 1);
    assert_int_equal(next, 0);
    json_decref(page);
    assert_int_equal(list_tenant(fx->audit, "other", 0, 100, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(page, i), "tenant")),
                            "other");
    json_decref(page);
    assert_int_equal(list_tenant(fx->audit, "nobody", 0, 100, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 0);
    json_decref(page);
    assert_int_equal(list_tenant(fx->audit, NULL, 0, 100, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 9);
    json_decref(page);
}

static void test_open_and_verify_errors(void **state)
{
    struct fixture *fx = *state;
    struct audit *a = NULL;
    char path[200], why[300] = "";
    snprintf(path, sizeof(path), "%s/other.db", fx->dir);
    assert_int_equal(audit_open(path, NULL, 16, &a), AG_EINVAL);
    assert_int_equal(audit_open(path, &keys, 0, &a), AG_EINVAL);
    assert_null(a);
    int64_t bad = -1, count = -1;
    snprintf(path, sizeof(path), "%s/missing.db", fx->dir);
    assert_int_not_equal(audit_verify(path, keys.hmac, &bad, &count, why, sizeof(why)), AG_OK);
    assert_true(why[0] != '\0');
}

/* ---- subjects: content, export, erasure, consent, retention -------------------------- */

static int64_t append_subject(struct audit *a, const char *tenant, const char *subject,
                              const char *question, const char *answer, bool store)
{
    struct audit_entry e = {
        .key_id = "k1",
        .actor = "key:k1",
        .tenant = tenant,
        .subject = subject,
        .trace_id = "t",
        .question = question,
        .question_len = strlen(question),
        .outcome = "answered",
        .status = 200,
        .answer = answer,
        .answer_len = strlen(answer),
        .store_content = store,
    };
    int64_t seq = -1;
    assert_int_equal(audit_append(a, &e, &seq), AG_OK);
    return seq;
}

/* Every byte of the store's files (main file, WAL, journal). */
static void read_files(const struct fixture *fx, struct buf *all)
{
    buf_init(all, 64u << 20);
    static const char *const suffix[] = {"", "-wal", "-journal"};
    for (size_t i = 0; i < 3; i++) {
        char p[200];
        snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
        tu_append_file(all, p);
    }
    assert_true(all->len > 0);
}

static json_t *export_of(struct audit *a, const char *tenant, const char *subject)
{
    json_t *o = NULL;
    assert_int_equal(audit_subject_export(a, tenant, subject, &o), AG_OK);
    assert_non_null(o);
    return o;
}

static void test_content_export_and_erasure(void **state)
{
    struct fixture *fx = *state;
    const char *q1 = "Wo bleibt Bestellung Kundenfrage-9d1e?", *a1 = "Antwort-55c2 [1]";
    const char *q2 = "Zweite Frage-71aa", *a2 = "Zweite Antwort-0b3f";
    append_subject(fx->audit, "acme", "cust-1", q1, a1, true);
    append_subject(fx->audit, "acme", "cust-2", "Andere Frage-e2e2", "Andere Antwort", true);
    append_subject(fx->audit, "acme", "cust-1", q2, a2, true);
    append_subject(fx->audit, "acme", "cust-1", "ohne Einwilligung-4c4c", "x", false);
    append_subject(fx->audit, "other", "cust-1", "anderer Mandant-8f8f", "y", true);

    json_t *ex = export_of(fx->audit, "acme", "cust-1");
    json_t *recs = json_object_get(ex, "records");
    assert_int_equal(json_array_size(recs), 3);
    assert_true(json_is_true(json_object_get(ex, "data_key")));
    json_t *c0 = json_object_get(json_array_get(recs, 0), "content");
    assert_string_equal(json_string_value(json_object_get(c0, "question")), q1);
    assert_string_equal(json_string_value(json_object_get(c0, "answer")), a1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(recs, 2), "content_state")), "not_stored");
    char ps[AUDIT_PSEUDONYM_LEN + 1];
    assert_int_equal(strlen(json_string_value(json_object_get(ex, "pseudonym"))),
                     AUDIT_PSEUDONYM_LEN);
    memcpy(ps, json_string_value(json_object_get(ex, "pseudonym")), sizeof(ps));
    json_decref(ex);

    /* content is in the files only encrypted; the wrapped key is there until erasure */
    audit_close(fx->audit);
    fx->audit = NULL;
    struct buf all;
    read_files(fx, &all);
    assert_null(tu_find_bytes(all.p, all.len, "Kundenfrage-9d1e", 16));
    assert_null(tu_find_bytes(all.p, all.len, "Antwort-55c2", 12));
    assert_null(tu_find_bytes(all.p, all.len, "cust-1", 6)); /* only its pseudonym */
    assert_non_null(tu_find_bytes(all.p, all.len, ps, strlen(ps)));
    buf_release(&all);
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false;
    assert_int_equal(store_open(fx->path, STORE_READONLY, &db), AG_OK);
    assert_int_equal(store_prepare(db,
                                   "SELECT wrapped FROM subject_keys WHERE tenant='acme'"
                                   " AND subject=?1",
                                   &st),
                     AG_OK);
    assert_int_equal(store_bind_text(st, 1, ps, strlen(ps)), AG_OK);
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_true(row);
    struct str w = store_col_blob(st, 0);
    uint8_t wrapped[60];
    assert_int_equal(w.len, sizeof(wrapped));
    memcpy(wrapped, w.p, sizeof(wrapped));
    store_finalize(st);
    store_close(db);

    assert_int_equal(audit_open(fx->path, &keys, 16, &fx->audit), AG_OK);
    int64_t erased = -1, seq = -1;
    assert_int_equal(audit_subject_erase(fx->audit, "acme", "cust-1", "key:admin", &erased, &seq),
                     AG_OK);
    assert_int_equal(erased, 2);
    assert_int_equal(seq, 6);
    /* gone from the files at once, while the store is still open */
    read_files(fx, &all);
    assert_null(tu_find_bytes(all.p, all.len, wrapped, sizeof(wrapped)));
    buf_release(&all);
    ex = export_of(fx->audit, "acme", "cust-1");
    recs = json_object_get(ex, "records");
    assert_int_equal(json_array_size(recs), 4); /* the erasure is the subject's record too */
    assert_true(json_is_false(json_object_get(ex, "data_key")));
    assert_null(json_string_value(json_object_get(json_array_get(recs, 0), "content")));
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(recs, 0), "content_state")), "shredded");
    assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 3), "outcome")),
                        "subject_erased");
    json_decref(ex);
    /* the other subject and the other tenant keep theirs */
    ex = export_of(fx->audit, "acme", "cust-2");
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(ex, "records"), 0), "content"),
            "question")),
        "Andere Frage-e2e2");
    json_decref(ex);
    ex = export_of(fx->audit, "other", "cust-1");
    assert_int_equal(json_array_size(json_object_get(ex, "records")), 1);
    assert_true(json_is_true(json_object_get(ex, "data_key")));
    json_decref(ex);
    audit_close(fx->audit);
    fx->audit = NULL;
    verify(fx, AG_OK, 0, 6, NULL);
    read_files(fx, &all);
    assert_null(tu_find_bytes(all.p, all.len, wrapped, sizeof(wrapped)));
    buf_release(&all);
}

static void test_consent_is_recorded(void **state)
{
    struct fixture *fx = *state;
    bool known = true, granted = true;
    assert_int_equal(audit_consent_get(fx->audit, "acme", "c9", "storage", &known, &granted),
                     AG_OK);
    assert_false(known);
    int64_t seq = 0;
    assert_int_equal(
        audit_consent_set(fx->audit, "acme", "c9", "storage", true, "2026-01", "key:a", &seq),
        AG_OK);
    assert_int_equal(audit_consent_get(fx->audit, "acme", "c9", "storage", &known, &granted),
                     AG_OK);
    assert_true(known && granted);
    assert_int_equal(
        audit_consent_set(fx->audit, "acme", "c9", "storage", false, "2026-02", "key:a", &seq),
        AG_OK);
    assert_int_equal(seq, 2);
    assert_int_equal(audit_consent_get(fx->audit, "acme", "c9", "storage", &known, &granted),
                     AG_OK);
    assert_true(known && !granted);
    /* another purpose and another tenant are separate */
    assert_int_equal(audit_consent_get(fx->audit, "acme", "c9", "marketing", &known, &granted),
                     AG_OK);
    assert_false(known);
    assert_int_equal(audit_consent_get(fx->audit, "b", "c9", "storage", &known, &granted), AG_OK);
    assert_false(known);
    json_t *ex = export_of(fx->audit, "acme", "c9");
    json_t *hist = json_object_get(ex, "consent");
    assert_int_equal(json_array_size(hist), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(hist, 1), "policy_version")), "2026-02");
    assert_true(json_is_false(json_object_get(json_array_get(hist, 1), "granted")));
    json_decref(ex);
    /* bad labels */
    assert_int_equal(audit_consent_set(fx->audit, "acme", "c9", "", true, "1", "a", &seq),
                     AG_EINVAL);
    assert_int_equal(audit_consent_set(fx->audit, "acme", "c9", "x\n", true, "1", "a", &seq),
                     AG_EINVAL);
    assert_int_equal(audit_consent_set(fx->audit, "acme", "", "storage", true, "1", "a", &seq),
                     AG_EINVAL);
    verify(fx, AG_OK, 0, 2, NULL);
}

static void test_retention_shreds_old_content(void **state)
{
    struct fixture *fx = *state;
    append_subject(fx->audit, "acme", "r1", "alte Frage-1111", "alt", true);
    append_subject(fx->audit, "acme", "r1", "neue Frage-2222", "neu", true);
    /* make the first one look 40 days old */
    audit_close(fx->audit);
    fx->audit = NULL;
    tamper(fx, "UPDATE content SET ts_ms = ts_ms - 40*86400000 WHERE seq = 1");
    assert_int_equal(audit_open(fx->path, &keys, 16, &fx->audit), AG_OK);
    int64_t n = -1;
    assert_int_equal(audit_retention_sweep(fx->audit, clock_wall_ms() - 30 * 86400000LL, &n),
                     AG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(audit_retention_sweep(fx->audit, clock_wall_ms() - 30 * 86400000LL, &n),
                     AG_OK);
    assert_int_equal(n, 0); /* nothing left: no record either */
    json_t *ex = export_of(fx->audit, "acme", "r1");
    json_t *recs = json_object_get(ex, "records");
    assert_int_equal(json_array_size(recs), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(recs, 0), "content_state")), "shredded");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(recs, 1), "content"), "question")),
                        "neue Frage-2222");
    json_decref(ex);
    struct audit_filter f = {.outcome = "retention_shred", .limit = 10};
    json_t *page = NULL;
    int64_t next = 0;
    assert_int_equal(audit_list(fx->audit, &f, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(page, 0), "shredded")), 1);
    json_decref(page);
    audit_close(fx->audit);
    fx->audit = NULL;
    verify(fx, AG_OK, 0, 3, NULL);
}

static void test_list_filters(void **state)
{
    struct fixture *fx = *state;
    append_subject(fx->audit, "acme", "f1", "q", "a", false);
    append_subject(fx->audit, "acme", "f2", "q", "a", false);
    append_one(fx->audit, "beta", "q", 401);
    append_subject(fx->audit, "acme", "f1", "q", "a", false);
    json_t *page = NULL;
    int64_t next = 0;
    struct audit_filter f = {.tenant = "acme", .subject = "f1", .limit = 10};
    assert_int_equal(audit_list(fx->audit, &f, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 2);
    assert_int_equal(seq_at(page, 0), 4);
    assert_int_equal(seq_at(page, 1), 1);
    json_decref(page);
    f = (struct audit_filter){.tenant = "beta", .limit = 10};
    assert_int_equal(audit_list(fx->audit, &f, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 1);
    json_decref(page);
    f = (struct audit_filter){.outcome = "rejected_auth", .limit = 10};
    assert_int_equal(audit_list(fx->audit, &f, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 1);
    assert_int_equal(seq_at(page, 0), 3);
    json_decref(page);
    f = (struct audit_filter){.from_ms = clock_wall_ms() + 60000, .limit = 10};
    assert_int_equal(audit_list(fx->audit, &f, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 0);
    json_decref(page);
    f = (struct audit_filter){.to_ms = clock_wall_ms() + 60000, .limit = 10};
    assert_int_equal(audit_list(fx->audit, &f, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 4);
    json_decref(page);
    f = (struct audit_filter){.subject = "f1", .limit = 10}; /* a subject needs its tenant */
    assert_int_equal(audit_list(fx->audit, &f, &page, &next), AG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_concurrent_appends_are_contiguous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_log_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modified_field_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_field_is_covered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_record_is_named_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swapped_seqs_name_the_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewritten_chain_tail_is_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_off_tail_is_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inserted_record_is_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key_and_rebuilt_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_content_export_and_erasure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_is_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_shreds_old_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_pages_newest_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_by_tenant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_question_text_never_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_and_verify_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
