// SPDX-License-Identifier: MIT
/*
 * tests/unit/core/test_config.c: settings (core/config.h).
 * Checks the defaults, the file syntax (comments, quotes, trailing comments, CRLF), that
 * every bad value is refused with "line N: key 'k': ..." naming the right line, range
 * limits at and past each bound, the AGENTGATE_* environment and config_load_file; the
 * HTTP transport keys and their checks across keys (TLS pair, CORS origins, limits).
 * Property loops use a seeded PRNG: TEST_SEED=n replays a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "test_util.h"

/* ---- helpers ----------------------------------------------------------------------------- */

static const char *const env_names[] = {
    "AGENTGATE_LISTEN",
    "AGENTGATE_DATA_DIR",
    "AGENTGATE_TENANT",
    "AGENTGATE_LOG_LEVEL",
    "AGENTGATE_THREADS",
    "AGENTGATE_MAX_BODY_BYTES",
    "AGENTGATE_MAX_QUESTION_BYTES",
    "AGENTGATE_RATE_PER_SEC",
    "AGENTGATE_RATE_BURST",
    "AGENTGATE_TOP_K",
    "AGENTGATE_ANSWER_THRESHOLD",
    "AGENTGATE_DRAIN_TIMEOUT_S",
    "AGENTGATE_AUDIT_PAGE_MAX",
};

static void clear_env(void)
{
    for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
        unsetenv(env_names[i]);
}

static int setup_env(void **state)
{
    (void)state;
    clear_env();
    return 0;
}

static int teardown_env(void **state)
{
    (void)state;
    clear_env();
    return 0;
}

static bool config_equal(const struct config *a, const struct config *b)
{
    return strcmp(a->listen, b->listen) == 0 && strcmp(a->data_dir, b->data_dir) == 0 &&
           strcmp(a->tenant, b->tenant) == 0 && strcmp(a->log_level, b->log_level) == 0 &&
           a->threads == b->threads && a->max_body_bytes == b->max_body_bytes &&
           a->max_question_bytes == b->max_question_bytes && a->rate_per_sec == b->rate_per_sec &&
           a->rate_burst == b->rate_burst && a->top_k == b->top_k &&
           a->answer_threshold == b->answer_threshold && a->drain_timeout_s == b->drain_timeout_s &&
           a->audit_page_max == b->audit_page_max;
}

static ag_err parse(struct config *c, const char *text, char *why, size_t why_len)
{
    why[0] = '\0';
    return config_parse(c, text, strlen(text), why, why_len);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_config_defaults(void **state)
{
    (void)state;
    struct config c = config_default();
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_string_equal(c.data_dir, "./agentgate-data");
    assert_string_equal(c.tenant, "default");
    assert_string_equal(c.log_level, "info");
    assert_int_equal(c.threads, 4);
    assert_int_equal(c.max_body_bytes, 64 * 1024);
    assert_int_equal(c.max_question_bytes, 4000);
    assert_true(c.rate_per_sec == 2.0);
    assert_true(c.rate_burst == 20.0);
    assert_int_equal(c.top_k, 5);
    assert_true(c.answer_threshold == 0.5);
    assert_int_equal(c.drain_timeout_s, 20);
    assert_int_equal(c.audit_page_max, 200);

    /* The defaults themselves pass every range check: re-setting each is accepted. */
    char why[256] = "";
    struct config d = config_default();
    assert_int_equal(parse(&d,
                           "listen = 127.0.0.1:8080\ndata_dir = ./agentgate-data\n"
                           "tenant = default\nlog_level = info\nthreads = 4\n"
                           "max_body_bytes = 65536\nmax_question_bytes = 4000\n"
                           "rate_per_sec = 2\nrate_burst = 20\ntop_k = 5\n"
                           "answer_threshold = 0.5\ndrain_timeout_s = 20\naudit_page_max = 200\n",
                           why, sizeof(why)),
                     AG_OK);
    assert_true(config_equal(&c, &d));
}

static void test_config_parse_syntax(void **state)
{
    (void)state;
    struct config c = config_default();
    char why[256] = "";
    const char *text = "# agentgate test config\n"
                       "\n"
                       "   # indented comment\n"
                       "threads = 8\n"
                       "top_k=7\n"
                       "\t rate_per_sec   =   0.25   \n"
                       "tenant = \"acme corp\"\n"
                       "data_dir = \" /srv/with # hash \"\n"
                       "listen = 0.0.0.0:9000 # trailing comment\n"
                       "log_level = debug# no space before the comment\n"
                       "answer_threshold = 0.75\r\n"
                       "audit_page_max = 50\r\n"
                       "   \n"
                       "# threads = 99\n"
                       "drain_timeout_s = 0"; /* no final newline */
    assert_int_equal(parse(&c, text, why, sizeof(why)), AG_OK);
    assert_string_equal(why, "");
    assert_int_equal(c.threads, 8);
    assert_int_equal(c.top_k, 7);
    assert_true(c.rate_per_sec == 0.25);
    assert_string_equal(c.tenant, "acme corp");
    assert_string_equal(c.data_dir, " /srv/with # hash "); /* quotes keep spaces and '#' */
    assert_string_equal(c.listen, "0.0.0.0:9000");
    assert_string_equal(c.log_level, "debug");
    assert_true(c.answer_threshold == 0.75);
    assert_int_equal(c.audit_page_max, 50);
    assert_int_equal(c.drain_timeout_s, 0);
    /* Untouched keys keep their defaults. */
    assert_int_equal(c.max_question_bytes, 4000);
    assert_true(c.rate_burst == 20.0);

    /* A later line wins. */
    assert_int_equal(parse(&c, "threads = 2\nthreads = 3\n", why, sizeof(why)), AG_OK);
    assert_int_equal(c.threads, 3);

    /* Empty text and comment-only text change nothing. */
    struct config d = config_default();
    assert_int_equal(parse(&d, "", why, sizeof(why)), AG_OK);
    assert_int_equal(parse(&d, "# only\n\n  \n#\n", why, sizeof(why)), AG_OK);
    struct config e = config_default();
    assert_true(config_equal(&d, &e));

    /* Only n bytes are read. */
    const char two[] = "threads = 16\nthreads = 0\n";
    assert_int_equal(config_parse(&d, two, strlen("threads = 16\n"), why, sizeof(why)), AG_OK);
    assert_int_equal(d.threads, 16);
}

/* A quoted value may be followed by spaces and a comment, which is not part of the value. */
static void test_config_quoted_value_then_comment(void **state)
{
    (void)state;
    static const struct {
        const char *text, *tenant;
    } cases[] = {
        {"tenant = \"acme\" # main\n", "acme"},
        {"tenant = \"acme\"# main\n", "acme"},
        {"tenant = \"acme\"\t#\n", "acme"},
        {"tenant = \"acme\" # \"quoted\" = 1\n", "acme"},
        {"tenant = \"a # b\" # c\n", "a # b"},
        {"tenant = \" acme \"   # main\r\n", " acme "},
        {"tenant = \"acme\"   \n", "acme"},
        {"tenant = \"acme\" # main", "acme"}, /* no final newline */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct config c = config_default();
        char why[256] = "";
        if (parse(&c, cases[i].text, why, sizeof(why)) != AG_OK)
            fail_msg("case %zu refused: %s", i, why);
        assert_string_equal(c.tenant, cases[i].tenant);
    }
    /* A numeric key too, and the lines around it still count. */
    struct config c = config_default();
    char why[256] = "";
    assert_int_equal(parse(&c, "threads = \"8\" # eight\ntop_k = 3\n", why, sizeof(why)), AG_OK);
    assert_int_equal(c.threads, 8);
    assert_int_equal(c.top_k, 3);
    assert_int_equal(parse(&c, "tenant = \"acme\" # main\nthreads = 0\n", why, sizeof(why)),
                     AG_ECONFIG);
    assert_string_equal(why, "line 2: key 'threads': must be a whole number from 1 to 256");
}

static void test_config_bad_value_names_line_and_key(void **state)
{
    (void)state;
    struct config c = config_default();
    char why[256];
    assert_int_equal(parse(&c, "# comment\n\nthreads = 0\n", why, sizeof(why)), AG_ECONFIG);
    assert_string_equal(why, "line 3: key 'threads': must be a whole number from 1 to 256");
    assert_int_equal(parse(&c, "tenant = acme\ncolour = red\n", why, sizeof(why)), AG_ECONFIG);
    assert_string_equal(why, "line 2: key 'colour': unknown key");
    assert_int_equal(parse(&c, "top_k = 5\r\n\r\n#x\r\ntop_k = 500\r\n", why, sizeof(why)),
                     AG_ECONFIG);
    assert_string_equal(why, "line 4: key 'top_k': must be a whole number from 1 to 100");
    assert_int_equal(parse(&c, "answer_threshold = 2 # too high\n", why, sizeof(why)), AG_ECONFIG);
    assert_string_equal(why, "line 1: key 'answer_threshold': must be a number from 0 to 1");
    assert_int_equal(parse(&c, "\n\n\n\nlog_level = \"loud\"\n", why, sizeof(why)), AG_ECONFIG);
    assert_string_equal(why, "line 5: key 'log_level': must be debug, info, warn, error or off");
}

/* Syntax errors name the line (there is no key to name). */
static void test_config_syntax_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *why;
    } cases[] = {
        {"threads = 4\njust words\n", "line 2: expected 'key = value'"},
        {"\n\ntenant = \"abc\n", "line 3: unterminated quoted value"},
        {"tenant = \"\n", "line 1: unterminated quoted value"},
        {"tenant = abc\"\n", NULL}, /* quote not at the start: taken literally */
        /* Anything but a comment after the closing quote. */
        {"tenant = \"acme\" main\n", "line 1: text after the closing quote"},
        {"tenant = \"acme\"x\n", "line 1: text after the closing quote"},
        {"\ntenant = \"a\" \"b\"\n", "line 2: text after the closing quote"},
        {"tenant = \"acme\"\"\n", "line 1: text after the closing quote"},
        {"threads = \"8\" 9 # c\n", "line 1: text after the closing quote"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct config c = config_default();
        char why[256];
        ag_err rc = parse(&c, cases[i].text, why, sizeof(why));
        if (cases[i].why) {
            assert_int_equal(rc, AG_ECONFIG);
            assert_string_equal(why, cases[i].why);
        } else {
            assert_int_equal(rc, AG_OK);
            assert_string_equal(c.tenant, "abc\"");
        }
    }
    /* A NUL byte inside a line. */
    struct config c = config_default();
    char why[256];
    const char nul[] = "threads = 4\nten\0ant = x\n";
    assert_int_equal(config_parse(&c, nul, sizeof(nul) - 1, why, sizeof(why)), AG_ECONFIG);
    assert_string_equal(why, "line 2: contains a NUL byte");
    /* An over-long value is refused with its line number and key, quoted or not. */
    char big[1200];
    int n = snprintf(big, sizeof(big), "threads = 4\ndata_dir = /%0900d\n", 0);
    assert_true(n > 0 && (size_t)n < sizeof(big));
    assert_int_equal(parse(&c, big, why, sizeof(why)), AG_ECONFIG);
    if (!starts_with(why, "line 2: key 'data_dir': value longer than "))
        fail_msg("why is \"%s\"", why);
    n = snprintf(big, sizeof(big), "\n\n tenant = \"%0600d\" # c\n", 0);
    assert_true(n > 0 && (size_t)n < sizeof(big));
    assert_int_equal(parse(&c, big, why, sizeof(why)), AG_ECONFIG);
    if (!starts_with(why, "line 3: key 'tenant': value longer than "))
        fail_msg("why is \"%s\"", why);
    /* 600 bytes exactly, then a comment: still too long, and the comment is not counted. */
    n = snprintf(big, sizeof(big), "listen = %0600d # c\n", 0);
    assert_true(n > 0 && (size_t)n < sizeof(big));
    assert_int_equal(parse(&c, big, why, sizeof(why)), AG_ECONFIG);
    if (!starts_with(why, "line 1: key 'listen': value longer than "))
        fail_msg("why is \"%s\"", why);
}

struct range_case {
    const char *key, *value;
    bool ok;
};

/* Every numeric key at, inside and just past its bounds; strings at their capacity. */
static void test_config_ranges(void **state)
{
    (void)state;
    char tenant63[64], tenant64[65], dir511[512], dir512[513];
    memset(tenant63, 't', 63);
    tenant63[63] = '\0';
    memset(tenant64, 't', 64);
    tenant64[64] = '\0';
    memset(dir511, 'd', 511);
    dir511[511] = '\0';
    memset(dir512, 'd', 512);
    dir512[512] = '\0';
    const struct range_case cases[] = {
        {"threads", "1", true},
        {"threads", "256", true},
        {"threads", "0", false},
        {"threads", "257", false},
        {"threads", "-1", false},
        {"threads", "4.0", false},
        {"threads", "18446744073709551617", false},
        {"max_body_bytes", "64", true},
        {"max_body_bytes", "67108864", true},
        {"max_body_bytes", "63", false},
        {"max_body_bytes", "67108865", false},
        {"max_question_bytes", "16", true},
        {"max_question_bytes", "1048576", true},
        {"max_question_bytes", "15", false},
        {"max_question_bytes", "1048577", false},
        {"rate_per_sec", "0.001", true},
        {"rate_per_sec", "1000000", true},
        {"rate_per_sec", "0", false},
        {"rate_per_sec", "0.0009", false},
        {"rate_per_sec", "1000001", false},
        {"rate_per_sec", "inf", false},
        {"rate_per_sec", "nan", false},
        {"rate_per_sec", "0x10", false},
        {"rate_burst", "1", true},
        {"rate_burst", "0.5", false},
        {"rate_burst", "1e7", false},
        {"top_k", "1", true},
        {"top_k", "100", true},
        {"top_k", "0", false},
        {"top_k", "101", false},
        {"answer_threshold", "0", true},
        {"answer_threshold", "1", true},
        {"answer_threshold", "-0.01", false},
        {"answer_threshold", "1.01", false},
        {"drain_timeout_s", "0", true},
        {"drain_timeout_s", "3600", true},
        {"drain_timeout_s", "3601", false},
        {"audit_page_max", "1", true},
        {"audit_page_max", "10000", true},
        {"audit_page_max", "0", false},
        {"audit_page_max", "10001", false},
        {"content_retention_days", "1", true},
        {"content_retention_days", "3650", true},
        {"content_retention_days", "0", false},
        {"content_retention_days", "3651", false},
        {"consent_policy_version", "", false},
        {"agent_name", "", false},
        {"log_level", "off", true},
        {"log_level", "error", true},
        {"log_level", "INFO", false},
        {"log_level", "", false},
        {"tenant", tenant63, true},
        {"tenant", tenant64, false},
        {"tenant", "", false},
        {"data_dir", dir511, true},
        {"data_dir", dir512, false},
        {"listen", "", false},
        {"limit_subject_rate", "0", true},
        {"limit_subject_rate", "-1", false},
        {"limit_subject_rate", "fast", false},
        {"limit_subject_burst", "0.5", false},
        {"limit_ip_rate", "1000000", true},
        {"limit_ip_rate", "1000001", false},
        {"limit_ip_rate", "nan", false},
        {"limit_ip_burst", "0", false},
        {"limit_concurrent_per_key", "0", true},
        {"limit_concurrent_per_key", "100000", true},
        {"limit_concurrent_per_key", "100001", false},
        {"limit_concurrent_per_key", "-1", false},
        {"limit_concurrent_per_key", "2.5", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct config c = config_default(), before = c;
        char why[512] = "", text[700], prefix[64];
        int n =
            snprintf(text, sizeof(text), "# case %zu\n%s = %s\n", i, cases[i].key, cases[i].value);
        assert_true(n > 0 && (size_t)n < sizeof(text));
        ag_err rc = parse(&c, text, why, sizeof(why));
        if (cases[i].ok) {
            if (rc != AG_OK)
                fail_msg("%s = %s refused: %s", cases[i].key, cases[i].value, why);
            continue;
        }
        if (rc != AG_ECONFIG)
            fail_msg("%s = %s accepted", cases[i].key, cases[i].value);
        n = snprintf(prefix, sizeof(prefix), "line 2: key '%s': ", cases[i].key);
        assert_true(n > 0 && (size_t)n < sizeof(prefix));
        if (!starts_with(why, prefix))
            fail_msg("%s = %s: why is \"%s\"", cases[i].key, cases[i].value, why);
        assert_true(strlen(why) > strlen(prefix)); /* and a reason follows */
        assert_true(config_equal(&c, &before));    /* the refused line changed nothing */

        /* config_set agrees and names the key without a line. */
        n = snprintf(prefix, sizeof(prefix), "key '%s': ", cases[i].key);
        assert_true(n > 0 && (size_t)n < sizeof(prefix));
        assert_int_equal(config_set(&c, cases[i].key, cases[i].value, why, sizeof(why)),
                         AG_ECONFIG);
        assert_true(starts_with(why, prefix));
    }
}

static void test_config_set(void **state)
{
    (void)state;
    struct config c = config_default();
    char why[256] = "";
    assert_int_equal(config_set(&c, "threads", "32", why, sizeof(why)), AG_OK);
    assert_int_equal(c.threads, 32);
    assert_int_equal(config_set(&c, "max_body_bytes", "1048576", why, sizeof(why)), AG_OK);
    assert_int_equal(c.max_body_bytes, 1048576);
    assert_int_equal(config_set(&c, "rate_burst", "2.5", why, sizeof(why)), AG_OK);
    assert_true(c.rate_burst == 2.5);
    assert_int_equal(config_set(&c, "nope", "1", why, sizeof(why)), AG_ECONFIG);
    assert_string_equal(why, "key 'nope': unknown key");
    assert_int_equal(config_set(&c, "Threads", "1", why, sizeof(why)), AG_ECONFIG);
    assert_int_equal(config_set(&c, "", "1", why, sizeof(why)), AG_ECONFIG);
    assert_int_equal(c.threads, 32);
    /* why is always NUL-terminated, even when short. */
    char tiny[8];
    memset(tiny, 'x', sizeof(tiny));
    assert_int_equal(config_set(&c, "threads", "0", tiny, sizeof(tiny)), AG_ECONFIG);
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

struct kv {
    const char *key, *value;
};

static const struct kv good_kv[] = {
    {"threads", "8"},
    {"top_k", "10"},
    {"tenant", "acme"},
    {"listen", "0.0.0.0:9000"},
    {"log_level", "debug"},
    {"rate_per_sec", "0.5"},
    {"rate_burst", "40"},
    {"answer_threshold", "0.25"},
    {"drain_timeout_s", "0"},
    {"audit_page_max", "10000"},
    {"max_body_bytes", "65"},
    {"max_question_bytes", "16"},
    {"data_dir", "/var/lib/agentgate"},
};

static const struct kv bad_kv[] = {
    {"threads", "0"},
    {"threads", "257"},
    {"threads", "4x"},
    {"threads", ""},
    {"top_k", "101"},
    {"rate_per_sec", "inf"},
    {"rate_per_sec", "0x10"},
    {"rate_burst", "0.5"},
    {"answer_threshold", "1.5"},
    {"max_body_bytes", "63"},
    {"max_question_bytes", "1048577"},
    {"drain_timeout_s", "3601"},
    {"audit_page_max", "10001"},
    {"log_level", "verbose"},
    {"listen", ""},
    {"colour", "red"},
    {"max_threads", "4"},
};

/* Append one line for k = v, in a random one of the accepted spellings. */
static void append_setting(struct buf *b, const struct kv *kv)
{
    const char *sp[] = {"", " ", "  ", "\t"};
    const char *l = sp[tu_rng_below(4)], *m1 = sp[tu_rng_below(4)], *m2 = sp[tu_rng_below(4)];
    bool quote = kv->value[0] != '\0' && tu_rng_below(3) == 0;
    bool comment = kv->value[0] != '\0' && tu_rng_below(3) == 0; /* after quotes too */
    ag_err rc = buf_printf(b, "%s%s%s=%s%s%s%s%s", l, kv->key, m1, m2, quote ? "\"" : "", kv->value,
                           quote ? "\"" : "", comment ? " # note = 1" : "");
    TU_PROP_CHECK(rc == AG_OK);
}

static void append_eol(struct buf *b)
{
    TU_PROP_CHECK(buf_append_str(b, tu_rng_below(4) == 0 ? "\r\n" : "\n") == AG_OK);
}

/* Random files of comments, blanks and good settings parse to the same config as
 * config_set applied in order; one bad line inserted at line L fails naming L and its key. */
static void test_config_property_line_numbers(void **state)
{
    (void)state;
    tu_rng_seed();
    for (int iter = 0; iter < 2000; iter++) {
        struct buf good, bad;
        buf_init(&good, 1 << 16);
        buf_init(&bad, 1 << 16);
        struct config want = config_default();
        size_t lines = 1 + tu_rng_below(30);
        size_t bad_line = 1 + tu_rng_below(lines);
        const struct kv *bkv = &bad_kv[tu_rng_below(sizeof(bad_kv) / sizeof(bad_kv[0]))];
        for (size_t line = 1; line <= lines; line++) {
            if (line == bad_line) {
                append_setting(&bad, bkv);
                append_eol(&bad);
            }
            size_t before = good.len;
            switch (tu_rng_below(4)) {
            case 0:
                TU_PROP_CHECK(buf_append_str(&good, tu_rng_below(2) ? "" : "  \t") == AG_OK);
                break;
            case 1:
                TU_PROP_CHECK(buf_append_str(&good, tu_rng_below(2) ? "# c = 1" : "  #threads=0") ==
                              AG_OK);
                break;
            default: {
                const struct kv *kv = &good_kv[tu_rng_below(sizeof(good_kv) / sizeof(good_kv[0]))];
                char why[256];
                TU_PROP_CHECK(config_set(&want, kv->key, kv->value, why, sizeof(why)) == AG_OK);
                append_setting(&good, kv);
                break;
            }
            }
            append_eol(&good);
            /* The bad text is the good text with the bad line inserted before line L. */
            TU_PROP_CHECK(buf_append(&bad, good.p + before, good.len - before) == AG_OK);
        }
        struct config got = config_default();
        char why[512] = "";
        TU_PROP_CHECK(config_parse(&got, good.p, good.len, why, sizeof(why)) == AG_OK);
        TU_PROP_CHECK(config_equal(&got, &want));

        struct config c = config_default();
        char prefix[80];
        int n = snprintf(prefix, sizeof(prefix), "line %zu: key '%s': ", bad_line, bkv->key);
        TU_PROP_CHECK(n > 0 && (size_t)n < sizeof(prefix));
        TU_PROP_CHECK(config_parse(&c, bad.p, bad.len, why, sizeof(why)) == AG_ECONFIG);
        if (!starts_with(why, prefix))
            fail_msg("expected \"%s...\", got \"%s\" (replay: TEST_SEED=%" PRIu64 ")", prefix, why,
                     tu_seed);
        buf_release(&good);
        buf_release(&bad);
    }
}

static void test_config_load_env(void **state)
{
    (void)state;
    struct config c = config_default();
    char why[256] = "";
    /* Nothing set: nothing changes. */
    assert_int_equal(config_load_env(&c, why, sizeof(why)), AG_OK);
    struct config d = config_default();
    assert_true(config_equal(&c, &d));

    assert_int_equal(setenv("AGENTGATE_THREADS", "16", 1), 0);
    assert_int_equal(setenv("AGENTGATE_TENANT", "acme", 1), 0);
    assert_int_equal(setenv("AGENTGATE_RATE_PER_SEC", "0.25", 1), 0);
    assert_int_equal(setenv("AGENTGATE_LOG_LEVEL", "warn", 1), 0);
    assert_int_equal(setenv("AGENTGATE_MAX_BODY_BYTES", "1048576", 1), 0);
    assert_int_equal(setenv("AGENTGATE_DRAIN_TIMEOUT_S", "0", 1), 0);
    assert_int_equal(setenv("agentgate_top_k", "9", 1), 0); /* names are upper case only */
    assert_int_equal(config_load_env(&c, why, sizeof(why)), AG_OK);
    unsetenv("agentgate_top_k");
    assert_int_equal(c.threads, 16);
    assert_string_equal(c.tenant, "acme");
    assert_true(c.rate_per_sec == 0.25);
    assert_string_equal(c.log_level, "warn");
    assert_int_equal(c.max_body_bytes, 1048576);
    assert_int_equal(c.drain_timeout_s, 0);
    assert_int_equal(c.top_k, 5);
    assert_string_equal(c.listen, "127.0.0.1:8080");

    /* The environment overrides the file. */
    struct config f = config_default();
    assert_int_equal(parse(&f, "threads = 2\ntop_k = 3\n", why, sizeof(why)), AG_OK);
    assert_int_equal(config_load_env(&f, why, sizeof(why)), AG_OK);
    assert_int_equal(f.threads, 16);
    assert_int_equal(f.top_k, 3);
}

static void test_config_load_env_bad_value(void **state)
{
    (void)state;
    static const struct kv bad[] = {
        {"AGENTGATE_TOP_K", "0"},          {"AGENTGATE_THREADS", ""},
        {"AGENTGATE_THREADS", "many"},     {"AGENTGATE_RATE_BURST", "nan"},
        {"AGENTGATE_LOG_LEVEL", "chatty"}, {"AGENTGATE_AUDIT_PAGE_MAX", "99999"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        clear_env();
        assert_int_equal(setenv(bad[i].key, bad[i].value, 1), 0);
        struct config c = config_default();
        char why[256] = "";
        assert_int_equal(config_load_env(&c, why, sizeof(why)), AG_ECONFIG);
        if (!strstr(why, bad[i].key))
            fail_msg("%s=%s: why \"%s\" does not name the variable", bad[i].key, bad[i].value, why);
    }
    clear_env();
}

/* A temporary directory for config files, removed even when a test fails. */
struct tmpdir {
    char dir[64], path[128];
};

static int setup_tmpdir(void **state)
{
    struct tmpdir *t = calloc(1, sizeof(*t));
    if (!t)
        return -1;
    if (!tu_mkdtemp(t->dir, sizeof(t->dir), "/tmp/agentgate-test-config-XXXXXX")) {
        free(t);
        return -1;
    }
    *state = t;
    return tu_path(t->path, sizeof(t->path), t->dir, "agentgate.conf") ? 0 : -1;
}

static int teardown_tmpdir(void **state)
{
    struct tmpdir *t = *state;
    unlink(t->path);
    int rc = rmdir(t->dir);
    free(t);
    return rc == 0 ? 0 : -1;
}

static void test_config_load_file(void **state)
{
    struct tmpdir *t = *state;
    char why[512];
    tu_write_file(t->path, "# test\nthreads = 12\ntenant = \"file tenant\"\n");
    struct config c = config_default();
    assert_int_equal(config_load_file(&c, t->path, why, sizeof(why)), AG_OK);
    assert_int_equal(c.threads, 12);
    assert_string_equal(c.tenant, "file tenant");

    tu_write_file(t->path, "threads = 12\n\nthreads = 1000\n");
    c = config_default();
    assert_int_equal(config_load_file(&c, t->path, why, sizeof(why)), AG_ECONFIG);
    char want[300];
    int n = snprintf(want, sizeof(want), "%s: line 3: key 'threads': ", t->path);
    assert_true(n > 0 && (size_t)n < sizeof(want));
    if (!starts_with(why, want))
        fail_msg("why is \"%s\"", why);
    assert_int_equal(unlink(t->path), 0);

    /* A missing file names the path and changes nothing. */
    c = config_default();
    assert_int_equal(config_load_file(&c, t->path, why, sizeof(why)), AG_ECONFIG);
    assert_true(starts_with(why, t->path));
    struct config d = config_default();
    assert_true(config_equal(&c, &d));
}

/* config_validate on c after setting key to value: AG_OK, or the reason in why. */
static ag_err validate_with(const char *key, const char *value, char *why, size_t why_len)
{
    struct config c = config_default();
    assert_int_equal(config_set(&c, key, value, why, why_len), AG_OK);
    why[0] = '\0';
    return config_validate(&c, why, why_len);
}

static void test_config_http_transport(void **state)
{
    (void)state;
    struct config c = config_default();
    char why[512];
    assert_string_equal(c.tls_cert_file, "");
    assert_string_equal(c.tls_key_file, "");
    assert_string_equal(c.cors_origins, "");
    assert_int_equal(c.max_header_bytes, 16384);
    assert_int_equal(c.max_header_count, 64);
    assert_int_equal(c.max_connections, 4096);
    assert_int_equal(c.max_conns_per_ip, 256);
    assert_int_equal(c.idle_timeout_s, 30);
    assert_int_equal(c.request_timeout_s, 10);
    assert_int_equal(c.max_inflight, 1024);
    assert_int_equal(config_validate(&c, why, sizeof(why)), AG_OK);

    /* TLS: both files or neither */
    assert_int_equal(validate_with("tls_cert_file", "/etc/agentgate/cert.pem", why, sizeof(why)),
                     AG_ECONFIG);
    assert_non_null(strstr(why, "set both or neither"));
    assert_int_equal(validate_with("tls_key_file", "/etc/agentgate/key.pem", why, sizeof(why)),
                     AG_ECONFIG);
    assert_int_equal(config_set(&c, "tls_cert_file", "cert.pem", why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "tls_key_file", "key.pem", why, sizeof(why)), AG_OK);
    assert_int_equal(config_validate(&c, why, sizeof(why)), AG_OK);

    /* CORS origins: exactly what a browser sends in Origin */
    const char *good[] = {"https://shop.example",
                          "http://localhost:3000",
                          "https://shop.example, https://www.shop.example",
                          "https://[::1]:8443",
                          "http://10.0.0.5:8080",
                          "https://xn--mnchen-3ya.example"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (validate_with("cors_origins", good[i], why, sizeof(why)) != AG_OK)
            fail_msg("'%s' refused: %s", good[i], why);
    const struct {
        const char *v, *why;
    } bad[] = {
        {"*", "no wildcards"},
        {"https://*.shop.example", "no wildcards"},
        {"https://shop.example/", "without a path"},
        {"https://shop.example/app", "without a path"},
        {"https://shop.example?x=1", "without a path"},
        {"https://Shop.example", "lower case"},
        {"HTTPS://shop.example", "must start with"},
        {"shop.example", "must start with"},
        {"ftp://shop.example", "must start with"},
        {"null", "must start with"},
        {"https://", "scheme://host"},
        {"https://shop.example:", "scheme://host"},
        {"https://shop.example:0", "scheme://host"},
        {"https://shop.example:080", "scheme://host"},
        {"https://shop.example:65536", "scheme://host"},
        {"https://shop.example:123456", "scheme://host"},
        {"https://shop.example:443", "default port"},
        {"http://shop.example:80", "default port"},
        {"https://user@shop.example", "scheme://host"},
        {"https://[::1", "scheme://host"},
        {"https://[]", "scheme://host"},
        {"https://a.example,", "an empty entry"},
        {"https://a.example,,https://b.example", "an empty entry"},
        {"https://a.example https://b.example", "scheme://host"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (validate_with("cors_origins", bad[i].v, why, sizeof(why)) != AG_ECONFIG)
            fail_msg("'%s' accepted", bad[i].v);
        if (!strstr(why, "cors_origins") || !strstr(why, bad[i].why))
            fail_msg("'%s': why is \"%s\"", bad[i].v, why);
    }

    /* ranges and checks across keys */
    assert_int_equal(config_set(&c, "max_header_count", "7", why, sizeof(why)), AG_ECONFIG);
    assert_int_equal(config_set(&c, "max_header_bytes", "1023", why, sizeof(why)), AG_ECONFIG);
    assert_int_equal(config_set(&c, "request_timeout_s", "0", why, sizeof(why)), AG_ECONFIG);
    assert_int_equal(config_set(&c, "idle_timeout_s", "0", why, sizeof(why)), AG_ECONFIG);
    assert_int_equal(config_set(&c, "max_inflight", "0", why, sizeof(why)), AG_ECONFIG);
    assert_int_equal(config_set(&c, "max_conns_per_ip", "0", why, sizeof(why)), AG_OK);
    c = config_default();
    assert_int_equal(config_set(&c, "max_connections", "3", why, sizeof(why)), AG_OK);
    assert_int_equal(config_validate(&c, why, sizeof(why)), AG_ECONFIG);
    assert_non_null(strstr(why, "max_connections (3) must be at least threads (4)"));
    c = config_default();
    assert_int_equal(config_set(&c, "jwt_hs256_secret_file", "s", why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "jwt_issuer", "i", why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "jwt_audience", "a", why, sizeof(why)), AG_OK);
    assert_int_equal(config_validate(&c, why, sizeof(why)), AG_OK);
    assert_int_equal(config_set(&c, "max_header_bytes", "8192", why, sizeof(why)), AG_OK);
    assert_int_equal(config_validate(&c, why, sizeof(why)), AG_ECONFIG);
    assert_non_null(strstr(why, "jwt_max_bytes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_parse_syntax),
        cmocka_unit_test(test_config_quoted_value_then_comment),
        cmocka_unit_test(test_config_bad_value_names_line_and_key),
        cmocka_unit_test(test_config_syntax_errors),
        cmocka_unit_test(test_config_ranges),
        cmocka_unit_test(test_config_set),
        cmocka_unit_test(test_config_property_line_numbers),
        cmocka_unit_test(test_config_http_transport),
        cmocka_unit_test_setup_teardown(test_config_load_env, setup_env, teardown_env),
        cmocka_unit_test_setup_teardown(test_config_load_env_bad_value, setup_env, teardown_env),
        cmocka_unit_test_setup_teardown(test_config_load_file, setup_tmpdir, teardown_tmpdir),
    };
    clear_env();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
