// SPDX-License-Identifier: MIT
/*
 * tests/unit/core/test_json.c: strict JSON object parsing (core/json.h).
 * Checks that malformed input, non-objects, duplicate keys and over-deep nesting are all
 * AG_EINVAL with a reason and no result, that the depth limit is exact, and that
 * json_dump_buf round-trips and respects the buf's maximum.
 * Property loops use a seeded PRNG: TEST_SEED=n replays a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/json.h"
#include "test_util.h"

/* A pointer that is never a real result: failures must leave *out alone. */
static json_t *const SENTINEL = (json_t *)&tu_seed;

static ag_err parse_n(const char *p, size_t n, size_t depth, json_t **out, char *why,
                      size_t why_len)
{
    *out = SENTINEL;
    why[0] = '\0';
    return json_parse_object(p, n, depth, out, why, why_len);
}

static ag_err parse(const char *p, size_t depth, json_t **out, char *why, size_t why_len)
{
    return parse_n(p, strlen(p), depth, out, why, why_len);
}

static void test_json_parse_object_ok(void **state)
{
    (void)state;
    json_t *v;
    char why[200];
    assert_int_equal(
        parse("{\"a\":1,\"b\":\"x\",\"c\":[true,null],\"d\":{\"e\":2.5}}", 8, &v, why, sizeof(why)),
        AG_OK);
    assert_ptr_not_equal(v, SENTINEL);
    assert_true(json_is_object(v));
    assert_int_equal(json_object_size(v), 4);
    assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
    assert_string_equal(json_string_value(json_object_get(v, "b")), "x");
    assert_int_equal(json_array_size(json_object_get(v, "c")), 2);
    assert_true(json_real_value(json_object_get(json_object_get(v, "d"), "e")) == 2.5);
    json_decref(v);

    assert_int_equal(parse("  {}\n", 1, &v, why, sizeof(why)), AG_OK);
    assert_int_equal(json_object_size(v), 0);
    json_decref(v);

    /* UTF-8 and escapes decode. */
    assert_int_equal(parse("{\"q\":\"Gr\303\274\303\237e \\u00d6\\n\"}", 2, &v, why, sizeof(why)),
                     AG_OK);
    assert_string_equal(json_string_value(json_object_get(v, "q")),
                        "Gr\303\274\303\237e \303\226\n");
    json_decref(v);

    /* Only n bytes are parsed: what follows is not trailing garbage. */
    const char *s = "{\"a\":1}garbage";
    assert_int_equal(parse_n(s, 7, 2, &v, why, sizeof(why)), AG_OK);
    json_decref(v);
}

static void test_json_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "   ",
        "{",
        "}",
        "{\"a\":}",
        "{\"a\" 1}",
        "{'a':1}",
        "{a:1}",
        "{\"a\":1,}",
        "{\"a\":1}{\"b\":2}",
        "{\"a\":1} x",
        "{\"a\":01}",
        "{\"a\":NaN}",
        "{\"a\":Infinity}",
        "{\"a\":\"unterminated}",
        "{\"a\":\"\xff\"}",         /* invalid UTF-8 */
        "{\"a\":\"\xc3\"}",         /* truncated sequence */
        "{\"a\":\"\xc0\xaf\"}",     /* overlong */
        "{\"a\":\"\xed\xa0\x80\"}", /* encoded surrogate */
        "{\"a\":\"\\ud800\"}",      /* lone surrogate escape */
        "{\"a\":\"\\u0000\"}",      /* NUL in a string */
        "{\"a\":\"tab\there\"}",    /* raw control character */
        "{\"a\":\"\\x41\"}",        /* not a JSON escape */
        "{\"a\":1 /* comment */}",
        "\xef\xbb\xbf{\"a\":1}",    /* BOM */
        "{\"id!\\\xc3\x84\"x\":1}", /* bad escape before a two-byte character */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *v;
        char why[200];
        if (parse(bad[i], 64, &v, why, sizeof(why)) != AG_EINVAL)
            fail_msg("accepted bad JSON #%zu: %s", i, bad[i]);
        assert_ptr_equal(v, SENTINEL);
        assert_true(strlen(why) > 0);
        /* the reason goes back inside JSON: ASCII only, never half a character */
        for (const char *c = why; *c; c++)
            assert_true((unsigned char)*c < 0x80);
    }
#define WITH_LEN(s) (s), sizeof(s) - 1
    /* NUL bytes are not JSON, wherever they are: jansson's lexer skips one right after a
     * number or literal, so these must be caught before it. */
    static const struct {
        const char *p;
        size_t n;
    } nul[] = {
        {WITH_LEN("\0{}")},
        {WITH_LEN("{\"a\":1 \0}")},
        {WITH_LEN("{\"a\":\"x\0y\"}")},
        {WITH_LEN("{\"a\":1}\0")},
        {WITH_LEN("{\"a\":1\0,\"b\":2}")},    /* after a number */
        {WITH_LEN("{\"a\":-2.5\0}")},         /* after a real */
        {WITH_LEN("{\"a\":1e3\0}")},          /* after an exponent */
        {WITH_LEN("{\"a\":true\0,\"b\":2}")}, /* after a literal */
        {WITH_LEN("{\"a\":false\0}")},
        {WITH_LEN("{\"a\":null\0}")},
        {WITH_LEN("{\"a\":[1\0,2]}")},     /* inside an array */
        {WITH_LEN("{\"a\":{\"b\":0\0}}")}, /* in a nested object */
        {WITH_LEN("{\0\"a\":1}")},         /* before a key */
        {WITH_LEN("{\"a\"\0:1}")},         /* before the colon */
        {WITH_LEN("{}\0\0\0")},            /* trailing NULs only */
    };
#undef WITH_LEN
    json_t *v;
    char why[200];
    /* The same texts without the NUL parse: it is the NUL that is refused. */
    assert_int_equal(parse("{\"a\":1,\"b\":2}", 8, &v, why, sizeof(why)), AG_OK);
    json_decref(v);
    assert_int_equal(parse("{\"a\":true,\"b\":2}", 8, &v, why, sizeof(why)), AG_OK);
    json_decref(v);
    for (size_t i = 0; i < sizeof(nul) / sizeof(nul[0]); i++) {
        assert_non_null(memchr(nul[i].p, '\0', nul[i].n)); /* the case holds its NUL */
        if (parse_n(nul[i].p, nul[i].n, 8, &v, why, sizeof(why)) != AG_EINVAL)
            fail_msg("accepted a NUL byte, case #%zu", i);
        assert_ptr_equal(v, SENTINEL);
        assert_true(strlen(why) > 0);
        /* the reason goes back inside JSON: ASCII only, never half a character */
        for (const char *c = why; *c; c++)
            assert_true((unsigned char)*c < 0x80);
    }
    /* A reason is truncated safely into a short buffer. */
    char tiny[6];
    memset(tiny, 'x', sizeof(tiny));
    assert_int_equal(json_parse_object("{", 1, 8, &v, tiny, sizeof(tiny)), AG_EINVAL);
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
    assert_true(strncmp(why, "malformed JSON", 14) == 0);
}

static void test_json_non_object(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "[]", "[1,2]", "[{\"a\":1}]", "42", "\"str\"", "true", "null", "-1.5",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *v;
        char why[200];
        if (parse(bad[i], 64, &v, why, sizeof(why)) != AG_EINVAL)
            fail_msg("accepted non-object: %s", bad[i]);
        assert_ptr_equal(v, SENTINEL);
        assert_true(strlen(why) > 0);
        /* the reason goes back inside JSON: ASCII only, never half a character */
        for (const char *c = why; *c; c++)
            assert_true((unsigned char)*c < 0x80);
    }
    json_t *v;
    char why[200];
    assert_int_equal(parse("[1,2]", 64, &v, why, sizeof(why)), AG_EINVAL);
    assert_string_equal(why, "the body must be a JSON object");
}

static void test_json_duplicate_keys(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"a\":1,\"a\":2}",
        "{\"a\":1,\"b\":2,\"a\":1}",
        "{\"x\":{\"k\":1,\"k\":2}}",
        "{\"x\":[{\"k\":1,\"k\":1}]}",
        "{\"a\":1,\"\\u0061\":2}", /* same key after unescaping */
        "{\"\\u00e9\":1,\"\xc3\xa9\":2}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *v;
        char why[200];
        if (parse(bad[i], 64, &v, why, sizeof(why)) != AG_EINVAL)
            fail_msg("accepted duplicate keys: %s", bad[i]);
        assert_ptr_equal(v, SENTINEL);
    }
    /* Same key in different objects, and keys differing only in case, are fine. */
    json_t *v;
    char why[200];
    assert_int_equal(
        parse("{\"x\":{\"k\":1},\"y\":{\"k\":2},\"K\":3,\"k\":4}", 64, &v, why, sizeof(why)),
        AG_OK);
    assert_int_equal(json_object_size(v), 4);
    json_decref(v);
}

/* {"a":{"a":...{}}} with d objects: nesting depth d. */
static char *nested_objects(size_t d)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    for (size_t i = 0; i + 1 < d; i++)
        assert_int_equal(buf_append_str(&b, "{\"a\":"), AG_OK);
    assert_int_equal(buf_append_str(&b, "{}"), AG_OK);
    for (size_t i = 0; i + 1 < d; i++)
        assert_int_equal(buf_putc(&b, '}'), AG_OK);
    return buf_take(&b);
}

static void test_json_depth_limit(void **state)
{
    (void)state;
    json_t *v;
    char why[200];
    for (size_t max = 1; max <= 12; max++) {
        for (size_t d = 1; d <= max + 2; d++) {
            char *s = nested_objects(d);
            ag_err rc = parse(s, max, &v, why, sizeof(why));
            if (d <= max) {
                assert_int_equal(rc, AG_OK);
                json_decref(v);
            } else {
                assert_int_equal(rc, AG_EINVAL);
                assert_ptr_equal(v, SENTINEL);
                char want[64];
                int n = snprintf(want, sizeof(want), "JSON nested deeper than %zu levels", max);
                assert_true(n > 0 && (size_t)n < sizeof(want));
                assert_string_equal(why, want);
            }
            free(s);
        }
    }
    /* Arrays count as levels too; scalars do not. */
    assert_int_equal(parse("{\"a\":[[1]]}", 3, &v, why, sizeof(why)), AG_OK);
    json_decref(v);
    assert_int_equal(parse("{\"a\":[[1]]}", 2, &v, why, sizeof(why)), AG_EINVAL);
    assert_int_equal(parse("{\"a\":1,\"b\":\"s\",\"c\":null}", 1, &v, why, sizeof(why)), AG_OK);
    json_decref(v);
    assert_int_equal(parse("{\"a\":[]}", 1, &v, why, sizeof(why)), AG_EINVAL);
    /* The deepest branch counts, not the first. */
    assert_int_equal(parse("{\"a\":{},\"b\":{\"c\":{\"d\":{}}}}", 3, &v, why, sizeof(why)),
                     AG_EINVAL);
    assert_int_equal(parse("{\"a\":{},\"b\":{\"c\":{\"d\":{}}}}", 4, &v, why, sizeof(why)), AG_OK);
    json_decref(v);

    /* Far deeper than jansson's own limit: refused, no crash. */
    char *s = nested_objects(5000);
    assert_int_equal(parse(s, 10000, &v, why, sizeof(why)), AG_EINVAL);
    assert_ptr_equal(v, SENTINEL);
    free(s);
}

/* Random nests of objects and arrays: accepted exactly when their depth <= max_depth,
 * and a dump of what was parsed parses again to an equal value. */
static size_t gen_value(struct buf *b, size_t budget)
{
    size_t kind = budget == 0 ? 2 : tu_rng_below(4);
    if (kind >= 2) {
        static const char *const scalars[] = {"1", "-2.5", "\"s\"", "true", "null", "\"\\u00e9\""};
        TU_PROP_CHECK(buf_append_str(b, scalars[tu_rng_below(6)]) == AG_OK);
        return 0;
    }
    size_t n = tu_rng_below(4), deepest = 0;
    TU_PROP_CHECK(buf_putc(b, kind == 0 ? '{' : '[') == AG_OK);
    for (size_t i = 0; i < n; i++) {
        if (i)
            TU_PROP_CHECK(buf_putc(b, ',') == AG_OK);
        if (kind == 0)
            TU_PROP_CHECK(buf_printf(b, "\"k%zu\":", i) == AG_OK);
        size_t d = gen_value(b, budget - 1);
        if (d > deepest)
            deepest = d;
    }
    TU_PROP_CHECK(buf_putc(b, kind == 0 ? '}' : ']') == AG_OK);
    return deepest + 1;
}

static void test_json_depth_property(void **state)
{
    (void)state;
    tu_rng_seed();
    for (int iter = 0; iter < 3000; iter++) {
        struct buf b;
        buf_init(&b, 1 << 20);
        TU_PROP_CHECK(buf_append_str(&b, "{\"root\":") == AG_OK);
        size_t depth = gen_value(&b, tu_rng_below(9)) + 1;
        TU_PROP_CHECK(buf_putc(&b, '}') == AG_OK);
        size_t max = tu_rng_below(10);
        json_t *v;
        char why[200];
        ag_err rc = parse_n(b.p, b.len, max, &v, why, sizeof(why));
        if (depth <= max) {
            TU_PROP_CHECK(rc == AG_OK);
            struct buf out;
            buf_init(&out, 1 << 20);
            TU_PROP_CHECK(json_dump_buf(v, &out) == AG_OK);
            json_t *w;
            TU_PROP_CHECK(parse_n(out.p, out.len, max, &w, why, sizeof(why)) == AG_OK);
            TU_PROP_CHECK(json_equal(v, w));
            json_decref(w);
            json_decref(v);
            buf_release(&out);
        } else {
            TU_PROP_CHECK(rc == AG_EINVAL);
            TU_PROP_CHECK(v == SENTINEL);
        }
        buf_release(&b);
    }
}

static void test_json_dump_buf(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:i, s:s, s:[b, n]}", "a", 1, "b", "x\"y", "c", 1);
    assert_non_null(v);
    struct buf b;
    buf_init(&b, 1000);
    assert_int_equal(buf_append_str(&b, "pre:"), AG_OK);
    assert_int_equal(json_dump_buf(v, &b), AG_OK);
    /* Compact, appended after what was there; key order is jansson's insertion order. */
    assert_string_equal(buf_cstr(&b), "pre:{\"a\":1,\"b\":\"x\\\"y\",\"c\":[true,null]}");
    buf_release(&b);

    /* A buf too small for the dump reports AG_ETOOBIG. */
    buf_init(&b, 10);
    assert_int_equal(json_dump_buf(v, &b), AG_ETOOBIG);
    assert_true(b.len <= 10);
    buf_release(&b);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_parse_object_ok), cmocka_unit_test(test_json_malformed),
        cmocka_unit_test(test_json_non_object),      cmocka_unit_test(test_json_duplicate_keys),
        cmocka_unit_test(test_json_depth_limit),     cmocka_unit_test(test_json_depth_property),
        cmocka_unit_test(test_json_dump_buf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
