// SPDX-License-Identifier: MIT
/*
 * tests/unit/llm/test_openai.c: the openai backend (src/llm/openai.c) against
 * tests/tools/mock_upstream.py, started once for the group on a free 127.0.0.1 port. The
 * mock plays upstreams "a" and "b" under the URL prefixes /a and /b; each test resets it,
 * queues faults with POST /_control and counts tries with GET /_stats. Mock rule for exact
 * usage: prompt_tokens = words over all messages, completion_tokens = pieces sent (one per
 * word of the reply "Hello from the mock upstream.").
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "llm/backend.h"
#include "test_util.h"

#define REPLY        "Hello from the mock upstream."
#define REPLY_PIECES 5
#define MS           1000000ull

static pid_t mock_pid = -1;
static int mock_port;

/* ---- the mock ------------------------------------------------------------------------ */

static size_t collect_body(char *p, size_t size, size_t n, void *ud)
{
    return buf_append(ud, p, size * n) == AG_OK ? size * n : 0;
}

/* GET or (body != NULL) POST path on the mock; the response body goes into out. */
static long mock_http(const char *path, const char *body, struct buf *out)
{
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", mock_port, path);
    CURL *e = curl_easy_init();
    assert_non_null(e);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 3000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)out);
    if (body)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    long status = 0;
    CURLcode rc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    assert_int_equal(rc, CURLE_OK);
    return status;
}

/* Queue a fault: control is the JSON body of POST /_control. */
static void mock_fault(const char *control)
{
    struct buf out;
    buf_init(&out, 1 << 16);
    assert_int_equal(mock_http("/_control", control, &out), 200);
    buf_release(&out);
}

/* Requests the mock saw at path since the last reset; auth (when not NULL) gets the last
 * Authorization header seen there ("" for none). */
static long mock_count(const char *path, char *auth, size_t auth_len)
{
    struct buf out;
    buf_init(&out, 1 << 16);
    assert_int_equal(mock_http("/_stats", NULL, &out), 200);
    json_t *o = json_loadb(out.p, out.len, 0, NULL);
    assert_non_null(o);
    json_t *n = json_object_get(json_object_get(o, "requests"), path);
    long count = json_is_integer(n) ? (long)json_integer_value(n) : 0;
    if (auth) {
        json_t *a = json_object_get(json_object_get(o, "auth"), path);
        snprintf(auth, auth_len, "%s", json_is_string(a) ? json_string_value(a) : "");
    }
    json_decref(o);
    buf_release(&out);
    return count;
}

static int group_setup(void **state)
{
    (void)state;
    const char *src = tu_source_dir();
    char script[1024];
    int fds[2];
    if (!src || !tu_path(script, sizeof(script), src, "tests/tools/mock_upstream.py") ||
        pipe(fds) != 0)
        return -1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    log_min_level = LOG_ERROR;
    mock_pid = fork();
    if (mock_pid < 0)
        return -1;
    if (mock_pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl("/usr/bin/python3", "python3", script, "--port", "0", "--reply", REPLY, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    /* the first line is "PORT n"; wait at most 10 s for it */
    char line[64] = "";
    size_t got = 0;
    uint64_t until = clock_mono_ns() + 10000 * MS;
    while (got < sizeof(line) - 1 && !memchr(line, '\n', got) && clock_mono_ns() < until) {
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        ssize_t n = read(fds[0], line + got, sizeof(line) - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        line[got] = '\0';
    }
    close(fds[0]);
    if (sscanf(line, "PORT %d", &mock_port) != 1 || mock_port <= 0) {
        fprintf(stderr, "mock upstream did not start: '%s'\n", line);
        kill(mock_pid, SIGKILL);
        waitpid(mock_pid, NULL, 0);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (mock_pid > 0) {
        kill(mock_pid, SIGTERM);
        int st;
        uint64_t until = clock_mono_ns() + 3000 * MS;
        while (waitpid(mock_pid, &st, WNOHANG) == 0) {
            if (clock_mono_ns() > until) {
                kill(mock_pid, SIGKILL);
                waitpid(mock_pid, &st, 0);
                break;
            }
            usleep(10000);
        }
    }
    curl_global_cleanup();
    return 0;
}

static int reset_mock(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 1 << 16);
    assert_int_equal(mock_http("/_reset", "{}", &out), 200);
    buf_release(&out);
    return 0;
}

/* ---- the backend ---------------------------------------------------------------------- */

/* A config for tests: short timeouts, no probes; upstream entries "a", "b" on the mock. */
static struct config test_config(void)
{
    struct config c = config_default();
    c.upstream_connect_ms = 1000;
    c.upstream_first_token_ms = 2000;
    c.upstream_total_ms = 5000;
    c.upstream_retries = 0;
    c.upstream_breaker_failures = 100;
    c.upstream_breaker_open_s = 1;
    c.upstream_health_s = 0;
    c.n_llm_upstream = 0;
    return c;
}

static void add_upstream(struct config *c, const char *name, const char *opts)
{
    int w = snprintf(c->llm_upstream[c->n_llm_upstream], sizeof(c->llm_upstream[0]),
                     "%s http://127.0.0.1:%d/%s/v1 model-%s %s", name, mock_port, name, name,
                     opts ? opts : "");
    assert_true(w > 0 && (size_t)w < sizeof(c->llm_upstream[0]));
    c->n_llm_upstream++;
}

static struct llm_backend *make_pool(const struct config *c)
{
    struct llm_backend *b = NULL;
    assert_int_equal(llm_openai_create(c, &b), AG_OK);
    assert_non_null(b);
    return b;
}

struct collector {
    struct buf text;
    size_t pieces;
    size_t cancel_at; /* on_piece returns false at this piece (1-based); 0 never */
    atomic_bool *flag_at_first;
    uint64_t cancel_ns;
};

static bool on_piece(void *ctx, const char *text, size_t len)
{
    struct collector *c = ctx;
    assert_int_equal(buf_append(&c->text, text, len), AG_OK);
    c->pieces++;
    if (c->flag_at_first && c->pieces == 1) {
        atomic_store(c->flag_at_first, true);
        c->cancel_ns = clock_mono_ns();
    }
    if (c->cancel_at && c->pieces == c->cancel_at) {
        c->cancel_ns = clock_mono_ns();
        return false;
    }
    return true;
}

static const struct llm_message test_msgs[] = {
    {LLM_ROLE_SYSTEM, "You are helpful."},       /* 3 words */
    {LLM_ROLE_USER, "What does shipping cost?"}, /* 4 words */
};
#define TEST_PROMPT_WORDS 7

static struct llm_request test_request(struct collector *col)
{
    buf_init(&col->text, 1 << 16);
    return (struct llm_request){.msgs = test_msgs,
                                .n_msgs = 2,
                                .max_tokens = 64,
                                .temperature = 0.0f,
                                .top_p = 1.0f,
                                .seed = 7,
                                .stop = {"\n\n"},
                                .n_stop = 1,
                                .user = "u-1",
                                .on_piece = on_piece,
                                .ctx = col};
}

struct result {
    ag_err rc;
    enum llm_finish finish;
    struct llm_usage usage;
    double ms;
};

static struct result run(struct llm_backend *b, const struct llm_request *r)
{
    struct result res = {.finish = (enum llm_finish) - 1};
    uint64_t t0 = clock_mono_ns();
    res.rc = llm_generate(b, r, &res.usage, &res.finish);
    res.ms = (double)(clock_mono_ns() - t0) / 1e6;
    return res;
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_streams_text_and_exact_usage(void **state)
{
    (void)state;
    struct config c = test_config();
    add_upstream(&c, "a", NULL);
    struct llm_backend *b = make_pool(&c);
    assert_string_equal(b->kind, "openai");
    assert_string_equal(b->model, "model-a");
    assert_int_equal(b->context_tokens, 0);
    assert_int_equal(b->ops->count_tokens(b, "hello", 5), 2);

    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_int_equal(res.finish, LLM_FINISH_STOP);
    assert_string_equal(buf_cstr(&col.text), REPLY);
    assert_int_equal(res.usage.prompt_tokens, TEST_PROMPT_WORDS);
    assert_int_equal(res.usage.completion_tokens, REPLY_PIECES);
    assert_string_equal(res.usage.model, "model-a");
    assert_string_equal(res.usage.upstream, "a");
    assert_int_equal(res.usage.attempts, 1);
    assert_true(res.usage.first_token_ms > 0 && res.usage.first_token_ms <= res.ms);
    assert_int_equal(mock_count("/a/v1/chat/completions", NULL, 0), 1);

    /* a second answer on the same pool (connection reuse must not confuse anything) */
    buf_reset(&col.text);
    res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_string_equal(buf_cstr(&col.text), REPLY);
    print_message("openai: streamed answer in %.1f ms, first token %.1f ms\n", res.ms,
                  res.usage.first_token_ms);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_max_tokens_gives_length(void **state)
{
    (void)state;
    struct config c = test_config();
    add_upstream(&c, "a", NULL);
    struct llm_backend *b = make_pool(&c);
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    r.max_tokens = 2;
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_int_equal(res.finish, LLM_FINISH_LENGTH);
    assert_string_equal(buf_cstr(&col.text), "Hello from ");
    assert_int_equal(res.usage.completion_tokens, 2);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_no_usage_counts_by_estimate(void **state)
{
    (void)state;
    struct config c = test_config();
    add_upstream(&c, "a", NULL);
    struct llm_backend *b = make_pool(&c);
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"no_usage\"}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_int_equal(res.finish, LLM_FINISH_STOP);
    assert_string_equal(buf_cstr(&col.text), REPLY);
    size_t prompt_bytes = strlen(test_msgs[0].content) + strlen(test_msgs[1].content);
    assert_int_equal(res.usage.prompt_tokens, (prompt_bytes + 3) / 4);
    assert_int_equal(res.usage.completion_tokens, (strlen(REPLY) + 3) / 4);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_config_errors(void **state)
{
    (void)state;
    char dir[64], keyfile[128];
    assert_non_null(tu_mkdtemp(dir, sizeof(dir), "/tmp/ag-test-openai-XXXXXX"));
    assert_true(tu_path(keyfile, sizeof(keyfile), dir, "key"));
    tu_write_file(keyfile, "sk-test-file-key\n");
    unsetenv("AG_TEST_OPENAI_UNSET");
    setenv("AG_TEST_OPENAI_KEY", "sk-test-env-key", 1);

    const char *bad[] = {
        "a ftp://127.0.0.1:1/v1 m",
        "a 127.0.0.1:1/v1 m",
        "a http:///v1 m",
        "a http://127.0.0.1:1/v1",
        "a",
        "",
        "a http://127.0.0.1:1/v1 m colour=blue",
        "a http://127.0.0.1:1/v1 m weight=0",
        "a http://127.0.0.1:1/v1 m weight=1001",
        "a http://127.0.0.1:1/v1 m weight=x",
        "a http://127.0.0.1:1/v1 m weight=1 weight=2",
        "a http://127.0.0.1:1/v1 m key_file=/nonexistent/agentgate/key",
        "a http://127.0.0.1:1/v1 m key_env=AG_TEST_OPENAI_UNSET",
        "a http://127.0.0.1:1/v1 m key_env=AG_TEST_OPENAI_KEY key_file=/etc/hostname",
        "a http://127.0.0.1:1/v1 m key_env=",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct config c = test_config();
        add_upstream(&c, "ok", NULL); /* entry 0 is good, entry 1 is the bad one */
        snprintf(c.llm_upstream[1], sizeof(c.llm_upstream[1]), "%s", bad[i]);
        c.n_llm_upstream = 2;
        struct llm_backend *b = NULL;
        if (llm_openai_create(&c, &b) != AG_ECONFIG)
            fail_msg("entry '%s' was accepted", bad[i]);
        assert_null(b);
    }
    struct config c = test_config();
    struct llm_backend *b = NULL;
    assert_int_equal(llm_openai_create(&c, &b), AG_ECONFIG); /* no entries */
    add_upstream(&c, "a", NULL);
    add_upstream(&c, "a", NULL);
    assert_int_equal(llm_openai_create(&c, &b), AG_ECONFIG); /* a name twice */

    /* good keys: sent as a bearer token */
    c = test_config();
    char opt[256];
    snprintf(opt, sizeof(opt), "weight=1000 key_file=%s", keyfile);
    add_upstream(&c, "a", opt);
    add_upstream(&c, "b", "key_env=AG_TEST_OPENAI_KEY");
    b = make_pool(&c);
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"status_500\"}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    char auth[128];
    assert_int_equal(mock_count("/a/v1/chat/completions", auth, sizeof(auth)), 1);
    assert_string_equal(auth, "Bearer sk-test-file-key");
    assert_int_equal(mock_count("/b/v1/chat/completions", auth, sizeof(auth)), 1);
    assert_string_equal(auth, "Bearer sk-test-env-key");
    buf_release(&col.text);
    llm_backend_destroy(b);
    unsetenv("AG_TEST_OPENAI_KEY");
    tu_remove_tree(dir);
}

static void test_429_is_retried(void **state)
{
    (void)state;
    struct config c = test_config();
    c.upstream_retries = 2;
    add_upstream(&c, "a", NULL);
    add_upstream(&c, "b", NULL);
    struct llm_backend *b = make_pool(&c);
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"status_429\", \"retry_after\": 0}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_int_equal(res.finish, LLM_FINISH_STOP);
    assert_string_equal(buf_cstr(&col.text), REPLY);
    assert_string_equal(res.usage.upstream, "a"); /* retried there, not failed over */
    assert_int_equal(res.usage.attempts, 2);
    assert_int_equal(mock_count("/a/v1/chat/completions", NULL, 0), 2);
    assert_int_equal(mock_count("/b/v1/chat/completions", NULL, 0), 0);
    struct llm_upstream_stats st[2];
    size_t n = 0;
    llm_openai_stats(b, st, 2, &n);
    assert_int_equal(n, 2);
    assert_int_equal(st[0].requests, 2);
    assert_int_equal(st[0].failures, 1);
    assert_int_equal(st[0].breaker, LLM_BREAKER_CLOSED);

    /* Retry-After longer than the budget left: no retry here, fail over at once */
    buf_reset(&col.text);
    mock_fault("{\"prefix\": \"/b\", \"fault\": \"status_429\", \"retry_after\": 3600}");
    res = run(b, &r); /* smooth round-robin: b's turn */
    assert_int_equal(res.rc, AG_OK);
    assert_string_equal(res.usage.upstream, "a");
    assert_int_equal(res.usage.attempts, 2);
    assert_true(res.ms < 1000);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_500_fails_over(void **state)
{
    (void)state;
    struct config c = test_config();
    add_upstream(&c, "a", NULL);
    add_upstream(&c, "b", NULL);
    struct llm_backend *b = make_pool(&c);
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"status_500\", \"count\": 5}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_int_equal(res.finish, LLM_FINISH_STOP);
    assert_string_equal(buf_cstr(&col.text), REPLY);
    assert_string_equal(res.usage.upstream, "b");
    assert_string_equal(res.usage.model, "model-b");
    assert_int_equal(res.usage.attempts, 2);
    assert_int_equal(mock_count("/a/v1/chat/completions", NULL, 0), 1);
    assert_int_equal(mock_count("/b/v1/chat/completions", NULL, 0), 1);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_every_upstream_failing_is_eio(void **state)
{
    (void)state;
    struct config c = test_config();
    c.upstream_retries = 1;
    add_upstream(&c, "a", NULL);
    add_upstream(&c, "b", NULL);
    /* a closed port: connection refused */
    snprintf(c.llm_upstream[2], sizeof(c.llm_upstream[2]), "c http://127.0.0.1:1/v1 model-c");
    c.n_llm_upstream = 3;
    struct llm_backend *b = make_pool(&c);
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"status_500\", \"count\": 10}");
    mock_fault("{\"prefix\": \"/b\", \"fault\": \"status_500\", \"count\": 10}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_EIO);
    assert_int_equal(col.pieces, 0);
    /* one retry across the pool, then each upstream once: a, a again, b, c */
    assert_int_equal(res.usage.attempts, 4);
    assert_int_equal(mock_count("/a/v1/chat/completions", NULL, 0) +
                         mock_count("/b/v1/chat/completions", NULL, 0),
                     3);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_slow_first_token_fails_over(void **state)
{
    (void)state;
    struct config c = test_config();
    c.upstream_first_token_ms = 300;
    add_upstream(&c, "a", NULL);
    add_upstream(&c, "b", NULL);
    struct llm_backend *b = make_pool(&c);
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"slow_first_token\", \"ms\": 3000}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_string_equal(buf_cstr(&col.text), REPLY);
    assert_string_equal(res.usage.upstream, "b");
    assert_int_equal(res.usage.attempts, 2);
    assert_true(res.ms >= 300 && res.ms < 1500);
    assert_true(res.usage.first_token_ms >= 300);
    print_message("openai: first-token timeout 300 ms, fail-over answered in %.1f ms\n", res.ms);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_hang_fails_over(void **state)
{
    (void)state;
    struct config c = test_config();
    c.upstream_first_token_ms = 200;
    add_upstream(&c, "a", NULL);
    add_upstream(&c, "b", NULL);
    struct llm_backend *b = make_pool(&c);
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"hang\"}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_string_equal(res.usage.upstream, "b");
    assert_true(res.ms < 1500);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_reset_mid_stream_is_cut(void **state)
{
    (void)state;
    struct config c = test_config();
    c.upstream_retries = 2;
    add_upstream(&c, "a", NULL);
    add_upstream(&c, "b", NULL);
    struct llm_backend *b = make_pool(&c);
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"reset_mid_stream\", \"pieces\": 2}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_int_equal(res.finish, LLM_FINISH_CUT);
    assert_string_equal(buf_cstr(&col.text), "Hello from ");
    assert_int_equal(res.usage.attempts, 1); /* never retried after text */
    assert_int_equal(mock_count("/b/v1/chat/completions", NULL, 0), 0);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_malformed_after_first_token_is_cut(void **state)
{
    (void)state;
    struct config c = test_config();
    add_upstream(&c, "a", NULL);
    add_upstream(&c, "b", NULL);
    struct llm_backend *b = make_pool(&c);
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"malformed_json\", \"after\": 2}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_int_equal(res.finish, LLM_FINISH_CUT);
    assert_string_equal(buf_cstr(&col.text), "Hello from ");
    assert_int_equal(mock_count("/b/v1/chat/completions", NULL, 0), 0);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_malformed_before_first_token_fails_over(void **state)
{
    (void)state;
    struct config c = test_config();
    add_upstream(&c, "a", NULL);
    add_upstream(&c, "b", NULL);
    struct llm_backend *b = make_pool(&c);
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"malformed_json\", \"after\": 0}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_int_equal(res.finish, LLM_FINISH_STOP);
    assert_string_equal(buf_cstr(&col.text), REPLY);
    assert_string_equal(res.usage.upstream, "b");
    assert_int_equal(res.usage.attempts, 2);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_breaker_opens_then_half_opens(void **state)
{
    (void)state;
    struct config c = test_config();
    c.upstream_breaker_failures = 2;
    c.upstream_breaker_open_s = 1;
    add_upstream(&c, "a", NULL);
    struct llm_backend *b = make_pool(&c);
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"status_500\", \"count\": 3}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct llm_upstream_stats st;
    size_t n = 0;
    for (int i = 0; i < 2; i++)
        assert_int_equal(run(b, &r).rc, AG_EIO);
    llm_openai_stats(b, &st, 1, &n);
    assert_int_equal(st.breaker, LLM_BREAKER_OPEN);
    assert_int_equal(st.failures, 2);

    /* open: nothing reaches the upstream */
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_EIO);
    assert_int_equal(res.usage.attempts, 0);
    assert_int_equal(mock_count("/a/v1/chat/completions", NULL, 0), 2);

    /* after the open time one trial goes; it fails (the third queued 500): open again */
    usleep(1100 * 1000);
    llm_openai_stats(b, &st, 1, &n);
    assert_int_equal(st.breaker, LLM_BREAKER_HALF_OPEN);
    assert_int_equal(run(b, &r).rc, AG_EIO);
    assert_int_equal(mock_count("/a/v1/chat/completions", NULL, 0), 3);
    llm_openai_stats(b, &st, 1, &n);
    assert_int_equal(st.breaker, LLM_BREAKER_OPEN);
    assert_int_equal(run(b, &r).usage.attempts, 0);

    /* the next trial succeeds and closes it */
    usleep(1100 * 1000);
    res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_string_equal(buf_cstr(&col.text), REPLY);
    llm_openai_stats(b, &st, 1, &n);
    assert_int_equal(st.breaker, LLM_BREAKER_CLOSED);
    assert_int_equal(mock_count("/a/v1/chat/completions", NULL, 0), 4);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_cancel(void **state)
{
    (void)state;
    struct config c = test_config();
    add_upstream(&c, "a", NULL);
    struct llm_backend *b = make_pool(&c);

    /* on_piece returns false */
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"slow_pieces\", \"ms\": 300}");
    struct collector col = {.cancel_at = 1};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    uint64_t end = clock_mono_ns();
    assert_int_equal(res.rc, AG_OK);
    assert_int_equal(res.finish, LLM_FINISH_CANCELLED);
    assert_int_equal(col.pieces, 1);
    double latency = (double)(end - col.cancel_ns) / 1e6;
    assert_true(latency < 50);
    print_message("openai: on_piece cancel returned after %.2f ms\n", latency);
    buf_release(&col.text);

    /* *cancel becomes true (set here in the first piece; generate notices it) */
    atomic_bool flag = false;
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"slow_pieces\", \"ms\": 300}");
    struct collector col2 = {.flag_at_first = &flag};
    r = test_request(&col2);
    r.cancel = &flag;
    res = run(b, &r);
    end = clock_mono_ns();
    assert_int_equal(res.rc, AG_OK);
    assert_int_equal(res.finish, LLM_FINISH_CANCELLED);
    assert_int_equal(col2.pieces, 1);
    latency = (double)(end - col2.cancel_ns) / 1e6;
    assert_true(latency < 50);
    print_message("openai: cancel flag noticed after %.2f ms\n", latency);
    buf_release(&col2.text);
    llm_backend_destroy(b);
}

static void test_deadline(void **state)
{
    (void)state;
    struct config c = test_config();
    add_upstream(&c, "a", NULL);
    add_upstream(&c, "b", NULL);
    struct llm_backend *b = make_pool(&c);

    /* before the first token: AG_ETIMEDOUT, no fail-over past the caller's deadline */
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"slow_first_token\", \"ms\": 2000}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    r.deadline_ns = clock_mono_ns() + 300 * MS;
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_ETIMEDOUT);
    assert_int_equal(col.pieces, 0);
    assert_true(res.ms >= 250 && res.ms < 600);
    assert_int_equal(mock_count("/b/v1/chat/completions", NULL, 0), 0);
    buf_release(&col.text);

    /* after it: AG_OK with the text so far */
    mock_fault("{\"prefix\": \"/b\", \"fault\": \"slow_pieces\", \"ms\": 200}");
    struct collector col2 = {0};
    r = test_request(&col2);
    r.deadline_ns = clock_mono_ns() + 500 * MS;
    res = run(b, &r); /* b's turn */
    assert_int_equal(res.rc, AG_OK);
    assert_int_equal(res.finish, LLM_FINISH_DEADLINE);
    assert_true(col2.pieces >= 1 && col2.pieces < REPLY_PIECES);
    assert_true(res.ms < 800);
    buf_release(&col2.text);
    llm_backend_destroy(b);
}

static void test_total_timeout_after_first_token_is_cut(void **state)
{
    (void)state;
    struct config c = test_config();
    c.upstream_total_ms = 500;
    add_upstream(&c, "a", NULL);
    add_upstream(&c, "b", NULL);
    struct llm_backend *b = make_pool(&c);
    mock_fault("{\"prefix\": \"/a\", \"fault\": \"slow_pieces\", \"ms\": 200}");
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    struct result res = run(b, &r);
    assert_int_equal(res.rc, AG_OK);
    assert_int_equal(res.finish, LLM_FINISH_CUT);
    assert_true(col.pieces >= 1 && col.pieces < REPLY_PIECES);
    assert_true(res.ms < 900);
    assert_int_equal(mock_count("/b/v1/chat/completions", NULL, 0), 0);
    buf_release(&col.text);
    llm_backend_destroy(b);
}

static void test_weights_and_health(void **state)
{
    (void)state;
    struct config c = test_config();
    add_upstream(&c, "a", "weight=3");
    add_upstream(&c, "b", NULL);
    struct llm_backend *b = make_pool(&c);
    struct collector col = {0};
    struct llm_request r = test_request(&col);
    for (int i = 0; i < 8; i++)
        assert_int_equal(run(b, &r).rc, AG_OK);
    assert_int_equal(mock_count("/a/v1/chat/completions", NULL, 0), 6);
    assert_int_equal(mock_count("/b/v1/chat/completions", NULL, 0), 2);
    buf_release(&col.text);
    llm_backend_destroy(b);

    /* a failing probe marks a unhealthy: requests go to b while b is healthy */
    reset_mock(NULL);
    mock_fault("{\"prefix\": \"/a\", \"path\": \"models\", \"fault\": \"status_500\", "
               "\"count\": 100}");
    c = test_config();
    c.upstream_health_s = 1;
    add_upstream(&c, "a", NULL);
    add_upstream(&c, "b", NULL);
    b = make_pool(&c);
    struct llm_upstream_stats st[2];
    size_t n = 0;
    uint64_t until = clock_mono_ns() + 3000 * MS;
    do {
        usleep(10000);
        llm_openai_stats(b, st, 2, &n);
    } while ((st[0].healthy || !st[1].healthy) && clock_mono_ns() < until);
    assert_false(st[0].healthy);
    assert_true(st[1].healthy);
    assert_true(mock_count("/a/v1/models", NULL, 0) >= 1);
    struct collector col2 = {0};
    r = test_request(&col2);
    for (int i = 0; i < 3; i++) {
        struct result res = run(b, &r);
        assert_int_equal(res.rc, AG_OK);
        assert_string_equal(res.usage.upstream, "b");
    }
    assert_int_equal(mock_count("/a/v1/chat/completions", NULL, 0), 0);
    buf_release(&col2.text);
    llm_backend_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_streams_text_and_exact_usage, reset_mock),
        cmocka_unit_test_setup(test_max_tokens_gives_length, reset_mock),
        cmocka_unit_test_setup(test_no_usage_counts_by_estimate, reset_mock),
        cmocka_unit_test_setup(test_config_errors, reset_mock),
        cmocka_unit_test_setup(test_429_is_retried, reset_mock),
        cmocka_unit_test_setup(test_500_fails_over, reset_mock),
        cmocka_unit_test_setup(test_every_upstream_failing_is_eio, reset_mock),
        cmocka_unit_test_setup(test_slow_first_token_fails_over, reset_mock),
        cmocka_unit_test_setup(test_hang_fails_over, reset_mock),
        cmocka_unit_test_setup(test_reset_mid_stream_is_cut, reset_mock),
        cmocka_unit_test_setup(test_malformed_after_first_token_is_cut, reset_mock),
        cmocka_unit_test_setup(test_malformed_before_first_token_fails_over, reset_mock),
        cmocka_unit_test_setup(test_breaker_opens_then_half_opens, reset_mock),
        cmocka_unit_test_setup(test_cancel, reset_mock),
        cmocka_unit_test_setup(test_deadline, reset_mock),
        cmocka_unit_test_setup(test_total_timeout_after_first_token_is_cut, reset_mock),
        cmocka_unit_test_setup(test_weights_and_health, reset_mock),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
