// SPDX-License-Identifier: MIT
/*
 * tests/unit/agent/test_pipeline.c: pipeline_run() (src/agent/pipeline.c) over real
 * services built the way src/main.c builds them: a temp data dir with the example shop
 * ($AG_SOURCE_DIR/examples/shop) ingested, keys.db, a token-bucket limit (burst 2),
 * audit.db and metrics. Each turn's status, JSON reply and stage list are checked, and
 * every turn, rejected ones included, must add exactly one audit record that matches it.
 * Tests that spend rate-limit tokens use a fresh key, so they do not depend on each other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/agent.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"
#include "test_util.h"

#define GOOD_QUESTION "{\"question\": \"Wie lange dauert der Versand nach Österreich?\"}"
#define MAX_QUESTION  100

struct fixture {
    char dir[64];
    char audit_path[128];
    struct config cfg;
    struct kb *kb;
    struct auth *auth;
    struct limit *limit;
    struct audit *audit;
    struct metrics *metrics;
    struct guard_inject *inject;
    struct guard_vault *vault;
    struct catalog_cache *catalogs;
    struct agent_env env;
    int64_t turns; /* turns run so far: each must have left one audit record */
    struct audit_keys keys;
};

static const char *const all_stages[] = {"http",     "auth",      "limit", "guard_in", "retrieve",
                                         "generate", "guard_out", "audit", "respond"};

static void close_services(struct fixture *fx)
{
    catalog_cache_free(fx->catalogs);
    guard_vault_destroy(fx->vault);
    guard_inject_destroy(fx->inject);
    audit_close(fx->audit);
    metrics_destroy(fx->metrics);
    limit_destroy(fx->limit);
    auth_close(fx->auth);
    kb_close(fx->kb);
}

static int group_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    const char *src = tu_source_dir();
    if (!fx || !src) {
        free(fx);
        return -1;
    }
    log_min_level = LOG_WARN; /* one info line per turn is noise here */
    if (!tu_mkdtemp(fx->dir, sizeof(fx->dir), "/tmp/ag-test-pipeline-XXXXXX")) {
        free(fx);
        return -1;
    }
    char why[512] = "", path[160], shop[1024];
    fx->cfg = config_default();
    if (config_set(&fx->cfg, "data_dir", fx->dir, why, sizeof(why)) != AG_OK)
        goto fail;
    fx->cfg.max_question_bytes = MAX_QUESTION;
    fx->cfg.rate_burst = 2;
    fx->cfg.rate_per_sec = 0.01; /* no refill worth mentioning during the test */

    struct kb_params kp = kb_default_params();
    struct kb_ingest_stats st;
    bool shop_ok = tu_path(shop, sizeof(shop), src, "examples/shop");
    const char *paths[] = {shop};
    snprintf(path, sizeof(path), "%s/kb.db", fx->dir);
    if (!shop_ok || kb_open(path, &kp, true, &fx->kb) != AG_OK ||
        kb_ingest(fx->kb, fx->cfg.tenant, paths, 1, false, NULL, NULL, &st, why, sizeof(why)) !=
            AG_OK)
        goto fail;
    snprintf(fx->audit_path, sizeof(fx->audit_path), "%s/audit.db", fx->dir);
    if (crypto_random(&fx->keys, sizeof(fx->keys)) != AG_OK ||
        audit_open(fx->audit_path, &fx->keys, 4096, &fx->audit) != AG_OK)
        goto fail;
    snprintf(path, sizeof(path), "%s/keys.db", fx->dir);
    if (auth_open(path, true, &fx->auth) != AG_OK ||
        limit_create(fx->cfg.rate_per_sec, fx->cfg.rate_burst, 100000, &fx->limit) != AG_OK ||
        metrics_create(&fx->metrics) != AG_OK)
        goto fail;
    struct guard_vault_params vp = guard_vault_default_params();
    if (guard_inject_create(&fx->inject) != AG_OK || guard_vault_create(&vp, &fx->vault) != AG_OK ||
        catalog_cache_create(fx->kb, &fx->catalogs) != AG_OK)
        goto fail;
    fx->env = (struct agent_env){.cfg = &fx->cfg,
                                 .kb = fx->kb,
                                 .auth = fx->auth,
                                 .limit = fx->limit,
                                 .audit = fx->audit,
                                 .metrics = fx->metrics,
                                 .inject = fx->inject,
                                 .vault = fx->vault,
                                 .catalogs = fx->catalogs,
                                 .system_prompt = llm_default_system_prompt(),
                                 .model_id = "extractive"};
    *state = fx;
    return 0;
fail:
    fprintf(stderr, "setup failed: %s\n", why);
    close_services(fx);
    tu_remove_tree(fx->dir);
    free(fx);
    return -1;
}

static int group_teardown(void **state)
{
    struct fixture *fx = *state;
    close_services(fx);
    tu_remove_tree(fx->dir);
    free(fx);
    return 0;
}

/* ---- helpers -------------------------------------------------------------------------- */

/* A new key; hdr gets "Bearer <key>", id its key id. */
static void new_key(struct fixture *fx, enum auth_role role, char *hdr, size_t n,
                    char id[AUTH_KEY_ID_LEN + 1])
{
    char key[AUTH_KEY_LEN + 1];
    assert_int_equal(auth_key_create(fx->auth, role, fx->cfg.tenant, key), AG_OK);
    int w = snprintf(hdr, n, "Bearer %s", key);
    assert_true(w > 0 && (size_t)w < n);
    if (id) {
        memcpy(id, key + 4, AUTH_KEY_ID_LEN);
        id[AUTH_KEY_ID_LEN] = '\0';
    }
}

/* The newest audit record, or NULL when there is none (caller decrefs). */
static json_t *newest_record(struct fixture *fx)
{
    json_t *page = NULL;
    int64_t next = 0;
    struct audit_filter f = {.limit = 1};
    assert_int_equal(audit_list(fx->audit, &f, &page, &next), AG_OK);
    json_t *r = json_array_get(page, 0);
    if (r)
        json_incref(r);
    json_decref(page);
    return r;
}

static int64_t record_seq(const json_t *r)
{
    return r ? (int64_t)json_integer_value(json_object_get(r, "seq")) : 0;
}

/* Run one turn; checks that it added exactly one matching audit record and returns the
 * parsed reply (caller decrefs). The caller releases t. */
static json_t *run_turn(struct fixture *fx, struct turn *t, const char *body,
                        const char *authorization, unsigned roles)
{
    json_t *before = newest_record(fx);
    int64_t seq0 = record_seq(before);
    json_decref(before);

    assert_int_equal(turn_init(t, &fx->env), AG_OK);
    t->body = body;
    t->body_len = strlen(body);
    t->authorization = authorization;
    t->allowed_roles = roles;
    pipeline_run(t);
    fx->turns++;

    json_t *rec = newest_record(fx);
    assert_non_null(rec);
    assert_int_equal(record_seq(rec), seq0 + 1);
    assert_int_equal(t->audit_seq, seq0 + 1);
    assert_string_equal(json_string_value(json_object_get(rec, "trace_id")), t->trace_id);
    assert_int_equal(json_integer_value(json_object_get(rec, "status")), t->status);
    assert_string_equal(json_string_value(json_object_get(rec, "outcome")),
                        t->outcome         ? t->outcome
                        : t->status == 200 ? "answered"
                                           : "rejected_request");
    assert_string_equal(json_string_value(json_object_get(rec, "key_id")), t->who.key_id);
    json_decref(rec);

    json_error_t err;
    json_t *resp = json_loadb(t->response.p, t->response.len, 0, &err);
    if (!resp)
        fail_msg("reply is not JSON: %s: %.*s", err.text, (int)t->response.len, t->response.p);
    assert_true(json_is_object(resp));
    assert_string_equal(json_string_value(json_object_get(resp, "trace_id")), t->trace_id);
    return resp;
}

/* The reply's stage list names every stage in order; stop_at ran and stopped, the stages
 * after it up to audit were skipped (stop_at NULL: all ran). */
static void expect_stages(const json_t *resp, const char *stop_at)
{
    json_t *stages = json_object_get(resp, "stages");
    size_t n = sizeof(all_stages) / sizeof(all_stages[0]);
    assert_true(json_is_array(stages));
    assert_int_equal(json_array_size(stages), n);
    bool stopped = false;
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(stages, i);
        const char *name = json_string_value(json_object_get(s, "name"));
        const char *outcome = json_string_value(json_object_get(s, "outcome"));
        assert_non_null(name);
        assert_non_null(outcome);
        assert_string_equal(name, all_stages[i]);
        assert_true(json_is_number(json_object_get(s, "ms")));
        const char *want = "ok";
        if (stop_at && strcmp(name, stop_at) == 0)
            want = "stop";
        else if (stopped && strcmp(name, "audit") != 0 && strcmp(name, "respond") != 0)
            want = "skipped";
        assert_string_equal(outcome, want);
        if (stop_at && strcmp(name, stop_at) == 0)
            stopped = true;
    }
}

static void expect_error(const struct turn *t, const json_t *resp, int status, const char *type,
                         const char *code)
{
    assert_int_equal(t->status, status);
    json_t *e = json_object_get(resp, "error");
    assert_true(json_is_object(e));
    assert_string_equal(json_string_value(json_object_get(e, "type")), type);
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    const char *msg = json_string_value(json_object_get(e, "message"));
    assert_non_null(msg);
    assert_true(msg[0] != '\0');
    assert_null(json_object_get(resp, "answer"));
}

/* ---- answers ------------------------------------------------------------------------------ */

static void test_good_german_question(void **state)
{
    struct fixture *fx = *state;
    char hdr[128], id[AUTH_KEY_ID_LEN + 1];
    new_key(fx, AUTH_ROLE_CLIENT, hdr, sizeof(hdr), id);
    struct turn t;
    json_t *resp = run_turn(fx, &t, GOOD_QUESTION, hdr, AUTH_ANY_ROLE);
    assert_int_equal(t.status, 200);
    assert_string_equal(t.outcome, "answered");
    assert_string_equal(t.who.key_id, id);
    assert_null(json_object_get(resp, "error"));
    const char *answer = json_string_value(json_object_get(resp, "answer"));
    assert_non_null(answer);
    assert_non_null(strstr(answer, "3 bis 5 Werktage"));
    assert_non_null(strstr(answer, "[1]"));
    json_t *sources = json_object_get(resp, "sources");
    assert_true(json_is_array(sources));
    assert_true(json_array_size(sources) >= 1);
    json_t *s0 = json_array_get(sources, 0);
    assert_string_equal(json_string_value(json_object_get(s0, "doc")), "versand_de.md");
    assert_string_equal(json_string_value(json_object_get(s0, "title")), "Versand und Lieferung");
    assert_string_equal(json_string_value(json_object_get(s0, "heading")),
                        "Versand nach Österreich");
    assert_true(json_integer_value(json_object_get(s0, "chunk")) > 0);
    assert_string_equal(json_string_value(json_object_get(resp, "lang")), "de");
    double conf = json_number_value(json_object_get(resp, "confidence"));
    assert_true(conf >= fx->cfg.answer_threshold && conf <= 1.0);
    assert_int_equal(json_integer_value(json_object_get(resp, "audit_seq")), t.audit_seq);
    /* the explanation: each sentence, its passage and span; the output guard; confidence */
    json_t *ex = json_object_get(resp, "explanation");
    json_t *sent = json_object_get(ex, "sentences");
    assert_true(json_array_size(sent) >= 1);
    json_t *s = json_array_get(sent, 0);
    assert_string_equal(json_string_value(json_object_get(s, "verdict")), "supported");
    assert_int_equal(json_integer_value(json_object_get(s, "passage")), 1);
    assert_int_equal(json_integer_value(json_object_get(s, "chunk")),
                     json_integer_value(json_object_get(s0, "chunk")));
    json_t *span = json_object_get(s, "span"), *pspan = json_object_get(s, "passage_span");
    assert_int_equal(json_integer_value(json_array_get(span, 0)), 0);
    assert_true(json_integer_value(json_array_get(span, 1)) > 10);
    assert_true(json_integer_value(json_array_get(pspan, 1)) >
                json_integer_value(json_array_get(pspan, 0)));
    json_t *out = json_object_get(ex, "output");
    assert_string_equal(json_string_value(json_object_get(out, "source")), "extractive");
    assert_true(json_is_true(json_object_get(out, "grounded")));
    json_t *c = json_object_get(ex, "confidence");
    assert_true(json_number_value(json_object_get(c, "value")) == conf);
    assert_true(json_number_value(json_object_get(c, "retrieval")) >= fx->cfg.answer_threshold);
    assert_true(json_number_value(json_object_get(c, "support")) > 0.9);
    assert_true(json_is_false(json_object_get(c, "escalate")));
    assert_null(json_object_get(resp, "escalation"));
    expect_stages(resp, NULL);
    json_decref(resp);
    turn_release(&t);
}

static void test_trusted_turn_needs_no_key(void **state)
{
    struct fixture *fx = *state;
    struct turn t;
    /* The CLI's turn: trusted is set between init and run, so not through run_turn(). */
    json_t *before = newest_record(fx);
    int64_t seq0 = record_seq(before);
    json_decref(before);
    assert_int_equal(turn_init(&t, &fx->env), AG_OK);
    t.body = "{\"question\": \"How long does shipping to Austria take?\", \"lang\": \"en\"}";
    t.body_len = strlen(t.body);
    t.trusted = true;
    pipeline_run(&t);
    fx->turns++;
    assert_int_equal(t.status, 200);
    assert_string_equal(t.who.key_id, "cli");
    assert_string_equal(t.who.tenant, fx->cfg.tenant);
    assert_int_equal(t.lang, TEXT_LANG_EN);
    assert_int_equal(t.audit_seq, seq0 + 1);
    turn_release(&t);
}

static void test_unrelated_question_is_dont_know(void **state)
{
    struct fixture *fx = *state;
    char hdr[128];
    new_key(fx, AUTH_ROLE_CLIENT, hdr, sizeof(hdr), NULL);
    struct turn t;
    json_t *resp = run_turn(fx, &t, "{\"question\": \"What is the capital of Mongolia?\"}", hdr,
                            AUTH_ANY_ROLE);
    assert_int_equal(t.status, 200);
    assert_string_equal(t.outcome, "dont_know");
    assert_string_equal(json_string_value(json_object_get(resp, "answer")),
                        llm_dont_know_text(TEXT_LANG_EN));
    assert_int_equal(json_array_size(json_object_get(resp, "sources")), 0);
    /* nothing known: confidence 0, and the reply says a human would be asked */
    json_t *esc = json_object_get(resp, "escalation");
    assert_string_equal(json_string_value(json_object_get(esc, "reason")), "dont_know");
    assert_true(json_is_false(json_object_get(esc, "queued")));
    json_t *out = json_object_get(json_object_get(resp, "explanation"), "output");
    assert_string_equal(json_string_value(json_object_get(out, "source")), "dont_know");
    expect_stages(resp, NULL);
    json_decref(resp);
    turn_release(&t);
}

static void test_tenant_comes_from_the_key(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1], hdr[128];
    /* A key of a tenant with an empty knowledge base sees none of the shop's documents. */
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, "leer", key), AG_OK);
    snprintf(hdr, sizeof(hdr), "Bearer %s", key);
    struct turn t;
    json_t *resp = run_turn(fx, &t, GOOD_QUESTION, hdr, AUTH_ANY_ROLE);
    assert_int_equal(t.status, 200);
    assert_string_equal(t.who.tenant, "leer");
    assert_string_equal(t.outcome, "dont_know");
    assert_int_equal(t.retrieved.n_hits, 0);
    assert_int_equal(json_array_size(json_object_get(resp, "sources")), 0);
    json_decref(resp);
    json_t *rec = newest_record(fx);
    assert_string_equal(json_string_value(json_object_get(rec, "tenant")), "leer");
    assert_int_equal(json_array_size(json_object_get(rec, "passages")), 0);
    json_decref(rec);
    turn_release(&t);
}

/* ---- bad requests --------------------------------------------------------------------------- */

struct bad_case {
    const char *body;
    int status;
    const char *code;
};

static void test_bad_bodies(void **state)
{
    struct fixture *fx = *state;
    static const struct bad_case cases[] = {
        {"{\"question\": ", 400, "bad_json"},
        {"", 400, "bad_json"},
        {"[\"question\"]", 400, "bad_json"},
        {"{\"question\": \"a\", \"question\": \"b\"}", 400, "bad_json"},
        {"{\"question\": 42}", 400, "bad_type"},
        {"{\"question\": null}", 400, "bad_type"},
        {"{\"question\": \"Versand?\", \"consent\": \"yes\"}", 400, "bad_type"},
        {"{\"question\": \"\"}", 400, "empty_question"},
        {"{\"question\": \" \\t\\n \"}", 400, "empty_question"},
        {"{\"question\": \"Versand?\", \"foo\": 1}", 400, "unknown_field"},
        {"{}", 400, "missing_field"},
        {"{\"question\": \"Versand?\", \"lang\": \"fr\"}", 400, "bad_value"},
        {"{\"question\": \"a\\u0000b\"}", 400, "bad_json"},           /* jansson refuses NUL */
        {"{\"question\": \"Versand\\u001b[2J?\"}", 400, "bad_value"}, /* an escape code */
        {"{\"question\": \"Versand\\u0085?\"}", 400, "bad_value"},    /* C1 control */
        {"{\"question\": \"Versand\\u007f\"}", 400, "bad_value"},     /* DEL */
        {"{\"question\": \"ok\", \"session\": \"a\\u0007b\"}", 400, "bad_value"},
    };
    char hdr[128];
    new_key(fx, AUTH_ROLE_CLIENT, hdr, sizeof(hdr), NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct turn t;
        json_t *resp = run_turn(fx, &t, cases[i].body, hdr, AUTH_ANY_ROLE);
        if (t.status != cases[i].status || !t.err_code || strcmp(t.err_code, cases[i].code) != 0)
            fail_msg("case %zu (%s): status %d code %s, expected %d %s", i, cases[i].body, t.status,
                     t.err_code ? t.err_code : "-", cases[i].status, cases[i].code);
        expect_error(&t, resp, cases[i].status, "invalid_request", cases[i].code);
        expect_stages(resp, "http");
        json_decref(resp);
        turn_release(&t);
    }
}

static void test_question_over_max_is_413(void **state)
{
    struct fixture *fx = *state;
    char hdr[128], body[MAX_QUESTION + 64], q[MAX_QUESTION + 2];
    new_key(fx, AUTH_ROLE_CLIENT, hdr, sizeof(hdr), NULL);
    memset(q, 'a', MAX_QUESTION + 1);
    q[MAX_QUESTION + 1] = '\0';
    snprintf(body, sizeof(body), "{\"question\": \"%s\"}", q);
    struct turn t;
    json_t *resp = run_turn(fx, &t, body, hdr, AUTH_ANY_ROLE);
    expect_error(&t, resp, 413, "invalid_request", "too_big");
    expect_stages(resp, "http");
    json_decref(resp);
    turn_release(&t);

    /* Exactly the maximum is allowed, and surrounding spaces do not count. */
    q[MAX_QUESTION] = '\0';
    snprintf(body, sizeof(body), "{\"question\": \"  %s \\n\"}", q);
    resp = run_turn(fx, &t, body, hdr, AUTH_ANY_ROLE);
    assert_int_equal(t.status, 200);
    assert_int_equal(t.question_len, MAX_QUESTION);
    json_decref(resp);
    turn_release(&t);
}

/* ---- who may ask ------------------------------------------------------------------------- */

static void test_missing_or_bad_key_is_401(void **state)
{
    struct fixture *fx = *state;
    struct turn t;
    json_t *resp = run_turn(fx, &t, GOOD_QUESTION, NULL, AUTH_ANY_ROLE);
    expect_error(&t, resp, 401, "authentication_error", "missing_key");
    assert_string_equal(t.outcome, "rejected_auth");
    expect_stages(resp, "auth");
    json_decref(resp);
    turn_release(&t);

    resp = run_turn(fx, &t, GOOD_QUESTION, "Bearer not-a-key", AUTH_ANY_ROLE);
    expect_error(&t, resp, 401, "authentication_error", "missing_key");
    json_decref(resp);
    turn_release(&t);

    char hdr[128];
    new_key(fx, AUTH_ROLE_ADMIN, hdr, sizeof(hdr), NULL);
    size_t last = strlen(hdr) - 1;
    hdr[last] = hdr[last] == '0' ? '1' : '0'; /* wrong secret */
    resp = run_turn(fx, &t, GOOD_QUESTION, hdr, AUTH_ANY_ROLE);
    expect_error(&t, resp, 401, "authentication_error", "invalid_key");
    assert_string_equal(t.outcome, "rejected_auth");
    json_decref(resp);
    turn_release(&t);
}

static void test_client_on_admin_route_is_403(void **state)
{
    struct fixture *fx = *state;
    char hdr[128], id[AUTH_KEY_ID_LEN + 1];
    new_key(fx, AUTH_ROLE_CLIENT, hdr, sizeof(hdr), id);
    struct turn t;
    json_t *resp = run_turn(fx, &t, GOOD_QUESTION, hdr, AUTH_ROLE_ADMIN);
    expect_error(&t, resp, 403, "permission_error", "forbidden");
    assert_string_equal(t.outcome, "rejected_role");
    assert_string_equal(t.who.key_id, id); /* recorded as who it was */
    expect_stages(resp, "auth");
    json_decref(resp);
    turn_release(&t);

    /* The admin may. */
    new_key(fx, AUTH_ROLE_ADMIN, hdr, sizeof(hdr), NULL);
    resp = run_turn(fx, &t, GOOD_QUESTION, hdr, AUTH_ROLE_ADMIN);
    assert_int_equal(t.status, 200);
    json_decref(resp);
    turn_release(&t);
}

static void test_rate_limit_third_request_429(void **state)
{
    struct fixture *fx = *state;
    char hdr[128], other[128];
    new_key(fx, AUTH_ROLE_CLIENT, hdr, sizeof(hdr), NULL);
    struct turn t;
    for (int i = 0; i < 2; i++) {
        json_t *resp = run_turn(fx, &t, GOOD_QUESTION, hdr, AUTH_ANY_ROLE);
        assert_int_equal(t.status, 200);
        json_decref(resp);
        turn_release(&t);
    }
    json_t *resp = run_turn(fx, &t, GOOD_QUESTION, hdr, AUTH_ANY_ROLE);
    expect_error(&t, resp, 429, "rate_limit_error", "rate_limited");
    assert_true(t.retry_after_s >= 1);
    assert_string_equal(t.outcome, "rejected_limit");
    expect_stages(resp, "limit");
    json_decref(resp);
    turn_release(&t);

    /* Another key has its own bucket. */
    new_key(fx, AUTH_ROLE_CLIENT, other, sizeof(other), NULL);
    resp = run_turn(fx, &t, GOOD_QUESTION, other, AUTH_ANY_ROLE);
    assert_int_equal(t.status, 200);
    json_decref(resp);
    turn_release(&t);
}

/* ---- the record --------------------------------------------------------------------------- */

static void test_audit_chain_covers_every_turn(void **state)
{
    struct fixture *fx = *state;
    int64_t bad = -1, count = -1;
    char why[300] = "";
    assert_true(fx->turns >= 20);
    if (audit_verify(fx->audit_path, fx->keys.hmac, &bad, &count, why, sizeof(why)) != AG_OK)
        fail_msg("audit chain: %s", why);
    assert_int_equal(bad, 0);
    assert_int_equal(count, fx->turns);

    struct buf m;
    buf_init(&m, 1u << 20);
    assert_int_equal(metrics_render(fx->metrics, &m), AG_OK);
    assert_non_null(strstr(buf_cstr(&m), "agentgate_stage_seconds_bucket{stage=\"retrieve\""));
    assert_non_null(strstr(buf_cstr(&m), "agentgate_stage_seconds_bucket{stage=\"respond\""));
    buf_release(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_german_question),
        cmocka_unit_test(test_trusted_turn_needs_no_key),
        cmocka_unit_test(test_unrelated_question_is_dont_know),
        cmocka_unit_test(test_tenant_comes_from_the_key),
        cmocka_unit_test(test_bad_bodies),
        cmocka_unit_test(test_question_over_max_is_413),
        cmocka_unit_test(test_missing_or_bad_key_is_401),
        cmocka_unit_test(test_client_on_admin_route_is_403),
        cmocka_unit_test(test_rate_limit_third_request_429),
        cmocka_unit_test(test_audit_chain_covers_every_turn), /* keep last: counts all turns */
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
