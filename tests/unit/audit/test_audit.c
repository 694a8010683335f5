// SPDX-License-Identifier: MIT
/*
 * tests/unit/audit/test_audit.c: the hash-chained audit log (src/audit/audit.c).
 * Concurrent appends get contiguous sequence numbers and an intact chain; tampering
 * with audit.db through store.h (a changed field, a deleted record, swapped sequence
 * numbers) makes audit_verify() name the first bad record; audit_list() pages newest
 * first; question and answer text never reach the file. Fresh mkdtemp folder per test.
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
#include "core/crypto.h"
#include "core/json.h"
#include "store/store.h"
#include "test_util.h"

#define N_THREADS    8
#define PER_THREAD   25
#define N_CONCURRENT (N_THREADS * PER_THREAD)

static const char secret[] = "test-secret-0123456789abcdef";

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
    if (audit_open(fx->path, secret, sizeof(secret) - 1, 1024, &fx->audit) != AG_OK) {
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
    struct audit_entry e = {
        .key_id = "0123456789abcdef",
        .tenant = tenant,
        .trace_id = "00112233445566778899aabbccddeeff",
        .question = question,
        .question_len = strlen(question),
        .passages = "[3,14,15]",
        .outcome = status == 200 ? "answered" : "rejected_auth",
        .status = status,
        .answer = status == 200 ? "Die Antwort." : NULL,
        .answer_len = status == 200 ? 12 : 0,
    };
    int64_t seq = -1;
    assert_int_equal(audit_append(a, &e, &seq), AG_OK);
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
    ag_err rc = audit_verify(fx->path, &bad, &count, why, sizeof(why));
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
                                .passages = "[]",
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
    tamper(fx, "UPDATE audit SET outcome='answered_differently' WHERE seq=5");
    verify(fx, AG_ECORRUPT, 5, 4, "record 5");
    verify(fx, AG_ECORRUPT, 5, 4, "modified");
}

static void test_each_field_is_covered(void **state)
{
    struct fixture *fx = *state;
    static const char *const updates[] = {
        "UPDATE audit SET ts_ms=ts_ms+1",
        "UPDATE audit SET key_id='ffffffffffffffff'",
        "UPDATE audit SET tenant='other'",
        "UPDATE audit SET trace_id='x'",
        "UPDATE audit SET question_hash=question_hash || '0'",
        "UPDATE audit SET passages='[]'",
        "UPDATE audit SET status=status+1",
        "UPDATE audit SET answer_hash=answer_hash || '0'",
        "UPDATE audit SET prev_hash=upper(prev_hash) || '0'",
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
                             " FROM audit WHERE 0; DELETE FROM saved;"
                             " INSERT INTO saved SELECT * FROM audit"
                             " WHERE seq=%d",
                             seq) > 0);
        tamper(fx, sql);
        assert_true(snprintf(sql, sizeof(sql), "%s WHERE seq=%d", updates[i], seq) > 0);
        tamper(fx, sql);
        char want[32];
        snprintf(want, sizeof(want), "record %d ", seq);
        verify(fx, AG_ECORRUPT, seq, seq - 1, want);
        assert_true(snprintf(sql, sizeof(sql),
                             "DELETE FROM audit WHERE seq=%d;"
                             " INSERT INTO audit SELECT * FROM saved",
                             seq) > 0);
        tamper(fx, sql);
        verify(fx, AG_OK, 0, n + 2, NULL);
    }
}

static void test_deleted_record_is_named_missing(void **state)
{
    struct fixture *fx = *state;
    fill(fx, 10);
    tamper(fx, "DELETE FROM audit WHERE seq=6");
    verify(fx, AG_ECORRUPT, 6, 5, "record 6 is missing");
}

static void test_swapped_seqs_name_the_first(void **state)
{
    struct fixture *fx = *state;
    fill(fx, 10);
    tamper(fx, "UPDATE audit SET seq=-4 WHERE seq=4;"
               "UPDATE audit SET seq=4 WHERE seq=7;"
               "UPDATE audit SET seq=7 WHERE seq=-4;");
    verify(fx, AG_ECORRUPT, 4, 3, "record 4");
}

static void test_rewritten_chain_tail_is_detected(void **state)
{
    struct fixture *fx = *state;
    fill(fx, 6);
    /* Replacing a record with a copy of another (hash and all) breaks the link. */
    tamper(fx, "DELETE FROM audit WHERE seq=3;"
               "INSERT INTO audit SELECT 3, ts_ms, key_id, tenant, trace_id, question_hash,"
               " passages, outcome, status, answer_hash, prev_hash, hash FROM audit WHERE seq=5");
    verify(fx, AG_ECORRUPT, 3, 2, "record 3");
}

/* ---- reading ---------------------------------------------------------------------------- */

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
    assert_int_equal(audit_list(fx->audit, 0, 3, &page, &next), AG_OK);
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
    json_t *passages = json_object_get(r7, "passages");
    assert_true(json_is_array(passages));
    assert_int_equal(json_array_size(passages), 3);
    assert_int_equal(json_integer_value(json_array_get(passages, 1)), 14);
    assert_string_equal(json_string_value(json_object_get(r7, "prev_hash")),
                        json_string_value(json_object_get(r6, "hash")));
    assert_int_equal(strlen(json_string_value(json_object_get(r7, "hash"))), 64);
    assert_int_equal(json_integer_value(json_object_get(r6, "status")), 401);
    json_decref(page);

    assert_int_equal(audit_list(fx->audit, next, 3, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 3);
    assert_int_equal(seq_at(page, 0), 4);
    assert_int_equal(seq_at(page, 2), 2);
    assert_int_equal(next, 2);
    json_decref(page);

    assert_int_equal(audit_list(fx->audit, next, 3, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 1);
    assert_int_equal(seq_at(page, 0), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(page, 0), "prev_hash")),
                        "0000000000000000000000000000000000000000000000000000000000000000");
    assert_int_equal(next, 0);
    json_decref(page);

    /* A page that ends exactly at the oldest record has no next page. */
    assert_int_equal(audit_list(fx->audit, 4, 3, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 3);
    assert_int_equal(next, 0);
    json_decref(page);
    assert_int_equal(audit_list(fx->audit, 0, 7, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 7);
    assert_int_equal(next, 0);
    json_decref(page);
}

static void test_list_empty(void **state)
{
    struct fixture *fx = *state;
    json_t *page = NULL;
    int64_t next = -1;
    assert_int_equal(audit_list(fx->audit, 0, 10, &page, &next), AG_OK);
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
        .passages = "[1]",
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
    assert_int_equal(audit_list(fx->audit, 0, 1, &page, &next), AG_OK);
    const char *qh = json_string_value(json_object_get(json_array_get(page, 0), "question_hash"));
    assert_non_null(qh);
    uint8_t d[CRYPTO_SHA256_LEN];
    char hex[2 * CRYPTO_SHA256_LEN + 1];
    assert_int_equal(crypto_hmac_sha256(secret, sizeof(secret) - 1, question, strlen(question), d),
                     AG_OK);
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
static void test_list_by_tenant(void **state)
{
    struct fixture *fx = *state;
    for (int i = 1; i <= 9; i++) /* acme: 1 4 7; other: 2 3 5 6 8 9 */
        assert_int_equal(append_one(fx->audit, i % 3 == 1 ? "acme" : "other", "Frage", 200), i);
    json_t *page = NULL;
    int64_t next = -1;
    assert_int_equal(audit_list_tenant(fx->audit, "acme", false, 0, 2, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 2);
    assert_int_equal(seq_at(page, 0), 7);
    assert_int_equal(seq_at(page, 1), 4);
    assert_int_equal(next, 4);
    json_decref(page);
    assert_int_equal(audit_list_tenant(fx->audit, "acme", false, next, 2, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 1);
    assert_int_equal(seq_at(page, 0), 1);
    assert_int_equal(next, 0);
    json_decref(page);
    assert_int_equal(audit_list_tenant(fx->audit, "other", false, 0, 100, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(page, i), "tenant")),
                            "other");
    json_decref(page);
    assert_int_equal(audit_list_tenant(fx->audit, "nobody", false, 0, 100, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 0);
    json_decref(page);
    assert_int_equal(audit_list_tenant(fx->audit, NULL, false, 0, 100, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 9);
    json_decref(page);
    /* a turn of no tenant: seen by a tenant only when unowned is asked for */
    assert_int_equal(append_one(fx->audit, "", "Frage", 401), 10);
    assert_int_equal(audit_list_tenant(fx->audit, "acme", false, 0, 100, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 3);
    json_decref(page);
    assert_int_equal(audit_list_tenant(fx->audit, "acme", true, 0, 100, &page, &next), AG_OK);
    assert_int_equal(json_array_size(page), 4);
    assert_int_equal(seq_at(page, 0), 10);
    json_decref(page);
}

static void test_open_and_verify_errors(void **state)
{
    struct fixture *fx = *state;
    struct audit *a = NULL;
    char path[200], why[300] = "";
    snprintf(path, sizeof(path), "%s/other.db", fx->dir);
    assert_int_equal(audit_open(path, secret, 0, 16, &a), AG_EINVAL);
    assert_int_equal(audit_open(path, secret, 65, 16, &a), AG_EINVAL);
    assert_int_equal(audit_open(path, secret, 8, 0, &a), AG_EINVAL);
    assert_null(a);
    int64_t bad = -1, count = -1;
    snprintf(path, sizeof(path), "%s/missing.db", fx->dir);
    assert_int_not_equal(audit_verify(path, &bad, &count, why, sizeof(why)), AG_OK);
    assert_true(why[0] != '\0');
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
        cmocka_unit_test_setup_teardown(test_list_pages_newest_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_by_tenant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_question_text_never_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_and_verify_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
