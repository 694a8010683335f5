// SPDX-License-Identifier: MIT
/*
 * tests/unit/core/test_buf.c: str views and bounded bufs (core/buf.h).
 * Checks the number parsers against junk, overflow and what strtod would wrongly accept,
 * and that every buf operation past the maximum returns AG_ETOOBIG and changes nothing.
 * Property loops use a seeded PRNG: TEST_SEED=n replays a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/json.h"
#include "test_util.h"

/* ---- str ------------------------------------------------------------------------------- */

static void test_str_from_cstr_and_eq(void **state)
{
    (void)state;
    struct str e = str_from_cstr(NULL);
    assert_non_null(e.p);
    assert_int_equal(e.len, 0);
    assert_true(str_eq(e, STR_LIT("")));
    struct str s = str_from_cstr("abc");
    assert_int_equal(s.len, 3);
    assert_true(str_eq_cstr(s, "abc"));
    assert_false(str_eq_cstr(s, "abcd"));
    assert_false(str_eq_cstr(s, "abd"));
    assert_false(str_eq_cstr(s, ""));
    /* Views compare by length, not by a NUL. */
    assert_true(str_eq((struct str){"abcdef", 3}, STR_LIT("abc")));
}

static void test_str_to_u64_accepts_decimals(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint64_t v;
    } ok[] = {
        {"0", 0},
        {"7", 7},
        {"007", 7},
        {"42", 42},
        {"4294967296", 4294967296u},
        {"18446744073709551614", UINT64_MAX - 1},
        {"18446744073709551615", UINT64_MAX},
        {"000000000000000000000000018446744073709551615", UINT64_MAX},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint64_t v = 12345;
        assert_int_equal(str_to_u64(str_from_cstr(ok[i].s), &v), AG_OK);
        assert_true(v == ok[i].v);
    }
    /* Only s.len bytes are read. */
    uint64_t v = 0;
    assert_int_equal(str_to_u64((struct str){"123456", 3}, &v), AG_OK);
    assert_int_equal(v, 123);
}

static void test_str_to_u64_rejects_overflow(void **state)
{
    (void)state;
    /* UINT64_MAX + 1, then larger values of 20 and more digits. */
    static const char *const over[] = {
        "18446744073709551616",  "18446744073709551620",           "18446744073709551625",
        "18446744073709551700",  "19000000000000000000",           "99999999999999999999",
        "184467440737095516150", "100000000000000000000000000000",
    };
    for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
        uint64_t v = 99;
        assert_int_equal(str_to_u64(str_from_cstr(over[i]), &v), AG_EINVAL);
        assert_int_equal(v, 99); /* a failed call leaves *out alone */
    }
}

static void test_str_to_u64_rejects_junk(void **state)
{
    (void)state;
    /* Signs, spaces, separators, hex, decimals, non-ASCII digits (U+FF11, U+0663). */
    static const char *const junk[] = {
        "",      "-1",    "+1",  " 1",  "1 ",  "1a",           "a1",       "0x10",  "1.0", "1e3",
        "1_000", "1,000", "\t1", "1\n", "--1", "\357\274\221", "\331\243", "9\xff", "/",   ":",
    };
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        uint64_t v = 99;
        assert_int_equal(str_to_u64(str_from_cstr(junk[i]), &v), AG_EINVAL);
        assert_int_equal(v, 99);
    }
    uint64_t v = 99;
    assert_int_equal(str_to_u64((struct str){"1\0002", 3}, &v), AG_EINVAL); /* embedded NUL */
    assert_int_equal(str_to_u64((struct str){"", 0}, &v), AG_EINVAL);
    assert_int_equal(v, 99);
}

/* Reference: does the decimal digit string d (no sign) fit in a uint64? */
static bool digits_fit_u64(const char *d)
{
    while (*d == '0' && d[1])
        d++;
    size_t n = strlen(d);
    return n < 20 || (n == 20 && strcmp(d, "18446744073709551615") <= 0);
}

static void test_str_to_u64_property(void **state)
{
    (void)state;
    tu_rng_seed();
    char s[48];
    for (int iter = 0; iter < 20000; iter++) {
        /* Round trip of a random value (biased towards the top of the range). */
        uint64_t x = tu_rng_next();
        if (iter % 3 == 0)
            x = UINT64_MAX - tu_rng_below(1000);
        int len = snprintf(s, sizeof(s), "%" PRIu64, x);
        TU_PROP_CHECK(len > 0 && (size_t)len < sizeof(s));
        uint64_t v = 0;
        TU_PROP_CHECK(str_to_u64((struct str){s, (size_t)len}, &v) == AG_OK);
        TU_PROP_CHECK(v == x);

        /* Random digit strings: accepted exactly when they fit, with the right value. */
        size_t n = 1 + tu_rng_below(24);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)('0' + tu_rng_below(10));
        if (tu_rng_below(4) == 0) /* sometimes start at UINT64_MAX's digits */
            memcpy(s, "1844674407370955161", n < 19 ? n : 19);
        s[n] = '\0';
        v = 77;
        ag_err rc = str_to_u64((struct str){s, n}, &v);
        if (digits_fit_u64(s)) {
            TU_PROP_CHECK(rc == AG_OK);
            TU_PROP_CHECK(v == strtoull(s, NULL, 10));
        } else {
            TU_PROP_CHECK(rc == AG_EINVAL);
            TU_PROP_CHECK(v == 77);
        }

        /* One non-digit byte anywhere makes it invalid. */
        size_t at = tu_rng_below(n);
        char bad;
        do {
            bad = (char)tu_rng_below(256);
        } while (bad >= '0' && bad <= '9');
        s[at] = bad;
        v = 77;
        TU_PROP_CHECK(str_to_u64((struct str){s, n}, &v) == AG_EINVAL);
        TU_PROP_CHECK(v == 77);
    }
}

static void test_str_to_double_accepts_decimals(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        double v;
    } ok[] = {
        {"12.50", 12.5},
        {"0", 0.0},
        {"-3", -3.0},
        {"+2.5", 2.5},
        {"1e3", 1000.0},
        {"1E-2", 0.01},
        {".5", 0.5},
        {"5.", 5.0},
        {"0.001", 0.001},
        {"1000000", 1e6},
        {"-0.25", -0.25},
        {"2.5e+2", 250.0},
        {"1.7976931348623157e308", 1.7976931348623157e308},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        double v = -999;
        assert_int_equal(str_to_double(str_from_cstr(ok[i].s), &v), AG_OK);
        assert_true(v == ok[i].v);
    }
    double v = 0;
    assert_int_equal(str_to_double((struct str){"1.5xyz", 3}, &v), AG_OK);
    assert_true(v == 1.5);
}

/* Subnormals are finite numbers: strtod flags them with ERANGE, but they are accepted. */
static void test_str_to_double_accepts_subnormals(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        double v;
    } ok[] = {
        {"1e-310", 1e-310},
        {"-1e-310", -1e-310},
        {"1E-310", 1e-310},
        {"2.5e-315", 2.5e-315},
        {"0.0000000000000000000000000000000000000000000001e-270", 1e-316},
        {"4.9406564584124654e-324", 4.9406564584124654e-324}, /* the smallest */
        {"2.2250738585072009e-308", 2.2250738585072009e-308}, /* the largest */
        {"2.2250738585072014e-308", 2.2250738585072014e-308}, /* the smallest normal */
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        double v = -999;
        if (str_to_double(str_from_cstr(ok[i].s), &v) != AG_OK)
            fail_msg("str_to_double refused \"%s\"", ok[i].s);
        assert_true(v == ok[i].v);
        assert_true(v != 0);
    }
    double v = 0;
    assert_int_equal(str_to_double(str_from_cstr("1e-310"), &v), AG_OK);
    assert_int_equal(fpclassify(v), FP_SUBNORMAL);
    assert_true(v > 0 && v < DBL_MIN);
    assert_int_equal(str_to_double(str_from_cstr("-4.9406564584124654e-324"), &v), AG_OK);
    assert_int_equal(fpclassify(v), FP_SUBNORMAL);
    assert_true(v < 0);
}

static void test_str_to_double_rejects_hex_inf_nan_spaces(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* strtod would take these: */
        "0x10",
        "0X1p3",
        "0x1.8p1",
        "inf",
        "-inf",
        "INF",
        "Infinity",
        "nan",
        "NaN",
        "-nan",
        "nan(0x1)",
        " 1",
        "1 ",
        "\t1",
        "1\n",
        " ",
        "\v2.5",
        /* overflow to infinity */
        "1e999",
        "-1e999",
        /* half numbers and junk */
        "",
        "-",
        "+",
        ".",
        "e5",
        "1e",
        "1.5e",
        "1.5e+",
        "1..2",
        "1,5",
        "12abc",
        "--1",
        "1-",
        "\331\241", /* ARABIC-INDIC DIGIT ONE */
        "1_0",
        /* too long for the parser's scratch (64 bytes) */
        "1.000000000000000000000000000000000000000000000000000000000000000000000",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        double v = 42.0;
        if (str_to_double(str_from_cstr(bad[i]), &v) != AG_EINVAL)
            fail_msg("str_to_double accepted \"%s\"", bad[i]);
        assert_true(v == 42.0);
    }
    double v = 42.0;
    assert_int_equal(str_to_double((struct str){"1\0005", 3}, &v), AG_EINVAL);
    assert_true(v == 42.0);
}

static void test_str_to_double_property(void **state)
{
    (void)state;
    tu_rng_seed();
    char s[64];
    for (int iter = 0; iter < 20000; iter++) {
        uint64_t bits = tu_rng_next();
        if (tu_rng_below(8) == 0)
            bits &= ~UINT64_C(0x7ff0000000000000); /* exponent 0: a subnormal (or zero) */
        double x;
        memcpy(&x, &bits, sizeof(x));
        if (!isfinite(x))
            continue; /* inf and nan are not numbers str_to_double takes */
        int len = snprintf(s, sizeof(s), "%.17g", x);
        TU_PROP_CHECK(len > 0 && (size_t)len < sizeof(s));
        double v = 0;
        TU_PROP_CHECK(str_to_double((struct str){s, (size_t)len}, &v) == AG_OK);
        TU_PROP_CHECK(memcmp(&v, &x, sizeof(v)) == 0); /* exact round trip, sign of zero too */

        /* A space or letter spliced in anywhere is rejected. */
        static const char junk[] = " \txabinf";
        size_t at = tu_rng_below((size_t)len + 1);
        memmove(s + at + 1, s + at, (size_t)len - at + 1);
        s[at] = junk[tu_rng_below(sizeof(junk) - 1)];
        v = 42;
        TU_PROP_CHECK(str_to_double((struct str){s, (size_t)len + 1}, &v) == AG_EINVAL);
        TU_PROP_CHECK(v == 42);
    }
}

/* ---- buf -------------------------------------------------------------------------------- */

static void test_buf_empty_and_append(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 100);
    assert_string_equal(buf_cstr(&b), "");
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_append(&b, "hello", 5), AG_OK);
    assert_int_equal(buf_putc(&b, ' '), AG_OK);
    assert_int_equal(buf_append_str(&b, "world"), AG_OK);
    assert_int_equal(buf_append(&b, NULL, 0), AG_OK);
    assert_int_equal(b.len, 11);
    assert_string_equal(buf_cstr(&b), "hello world");
    assert_int_equal(b.p[b.len], '\0');
    /* Binary-safe: an embedded NUL is kept. */
    assert_int_equal(buf_append(&b, "a\0b", 3), AG_OK);
    assert_int_equal(b.len, 14);
    assert_memory_equal(b.p + 11, "a\0b", 4);
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_cstr(&b), "");
    assert_int_equal(buf_append_str(&b, "x"), AG_OK);
    assert_string_equal(buf_cstr(&b), "x");
    buf_release(&b);
    assert_null(b.p);
    assert_int_equal(b.len, 0);
}

static void test_buf_append_past_max_changes_nothing(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_append(&b, "abcdef", 6), AG_OK);
    char *p = b.p;
    size_t cap = b.cap;
    assert_int_equal(buf_append(&b, "xyz", 3), AG_ETOOBIG);
    assert_ptr_equal(b.p, p);
    assert_int_equal(b.len, 6);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.max, 8);
    assert_string_equal(buf_cstr(&b), "abcdef");
    assert_int_equal(buf_append(&b, "xy", 2), AG_OK); /* exactly max fits */
    assert_string_equal(buf_cstr(&b), "abcdefxy");
    assert_true(b.cap <= b.max + 1);
    assert_int_equal(buf_putc(&b, '!'), AG_ETOOBIG);
    assert_int_equal(buf_append_str(&b, "!"), AG_ETOOBIG);
    assert_int_equal(buf_printf(&b, "%d", 1), AG_ETOOBIG);
    assert_int_equal(buf_append_json_escaped(&b, "!", 1), AG_ETOOBIG);
    assert_int_equal(buf_append(&b, "", 0), AG_OK);
    assert_int_equal(b.len, 8);
    assert_string_equal(buf_cstr(&b), "abcdefxy");
    /* A huge n must not wrap the bounds check. */
    assert_int_equal(buf_append(&b, "z", SIZE_MAX), AG_ETOOBIG);
    assert_int_equal(b.len, 8);
    buf_release(&b);

    buf_init(&b, 0);
    assert_int_equal(buf_append(&b, "", 0), AG_OK);
    assert_string_equal(buf_cstr(&b), "");
    assert_int_equal(buf_putc(&b, 'a'), AG_ETOOBIG);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_cstr(&b), "");
    buf_release(&b);
}

static void test_buf_printf(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1000);
    assert_int_equal(buf_printf(&b, "%s=%d", "threads", 4), AG_OK);
    assert_int_equal(buf_printf(&b, ";%05.1f;%x;%c", 3.14159, 255u, 'z'), AG_OK);
    assert_string_equal(buf_cstr(&b), "threads=4;003.1;ff;z");
    assert_int_equal(b.len, strlen("threads=4;003.1;ff;z"));
    /* Output past the initial capacity. */
    buf_reset(&b);
    assert_int_equal(buf_printf(&b, "%0500d", 7), AG_OK);
    assert_int_equal(b.len, 500);
    assert_int_equal(b.p[0], '0');
    assert_int_equal(b.p[499], '7');
    assert_int_equal(b.p[500], '\0');
    /* Past the max: AG_ETOOBIG and unchanged. */
    assert_int_equal(buf_printf(&b, "%0501d", 7), AG_ETOOBIG);
    assert_int_equal(b.len, 500);
    assert_int_equal(b.p[500], '\0');
    assert_int_equal(buf_printf(&b, "%0500d", 1), AG_OK); /* exactly max */
    assert_int_equal(b.len, 1000);
    assert_int_equal(b.p[1000], '\0');
    buf_release(&b);

    buf_init(&b, 16);
    assert_int_equal(buf_printf(&b, "%s", ""), AG_OK);
    assert_string_equal(buf_cstr(&b), "");
    assert_int_equal(buf_printf(&b, "%s", "0123456789abcdefg"), AG_ETOOBIG);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_cstr(&b), "");
    buf_release(&b);
}

static void test_buf_append_json_escaped(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1000);
    const char in[] = "a\"b\\c\n\t\x01\x1f\x7f \xc3\xa9/";
    assert_int_equal(buf_append_json_escaped(&b, in, sizeof(in) - 1), AG_OK);
    assert_string_equal(buf_cstr(&b), "a\\\"b\\\\c\\u000a\\u0009\\u0001\\u001f\x7f \xc3\xa9/");
    buf_reset(&b);
    assert_int_equal(buf_append_json_escaped(&b, "x\0y", 3), AG_OK);
    assert_string_equal(buf_cstr(&b), "x\\u0000y");
    buf_release(&b);

    /* Past the max part-way through: nothing of the escaped text stays. */
    buf_init(&b, 10);
    assert_int_equal(buf_append_str(&b, "abc"), AG_OK);
    assert_int_equal(buf_append_json_escaped(&b, "\"\"\"\"", 4), AG_ETOOBIG);
    assert_int_equal(b.len, 3);
    assert_string_equal(buf_cstr(&b), "abc");
    assert_int_equal(buf_append_json_escaped(&b, "\n", 1), AG_OK); /* 6 bytes: fits */
    assert_string_equal(buf_cstr(&b), "abc\\u000a");
    assert_int_equal(buf_append_json_escaped(&b, "ab", 2), AG_ETOOBIG);
    assert_string_equal(buf_cstr(&b), "abc\\u000a");
    buf_release(&b);
}

/* Escaped text wrapped in quotes must parse back to the original bytes. */
static void test_buf_json_escaped_round_trip(void **state)
{
    (void)state;
    tu_rng_seed();
    struct buf b;
    buf_init(&b, 4096);
    char in[200];
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = tu_rng_below(sizeof(in));
        for (size_t i = 0; i < n; i++)
            in[i] = (char)tu_rng_below(128); /* ASCII, controls and NUL included: valid UTF-8 */
        buf_reset(&b);
        TU_PROP_CHECK(buf_putc(&b, '"') == AG_OK);
        TU_PROP_CHECK(buf_append_json_escaped(&b, in, n) == AG_OK);
        TU_PROP_CHECK(buf_putc(&b, '"') == AG_OK);
        for (size_t i = 0; i < b.len; i++)
            TU_PROP_CHECK((unsigned char)b.p[i] >= 0x20);
        json_error_t err;
        json_t *v = json_loadb(b.p, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        TU_PROP_CHECK(v != NULL);
        TU_PROP_CHECK(json_is_string(v));
        TU_PROP_CHECK(json_string_length(v) == n);
        TU_PROP_CHECK(n == 0 || memcmp(json_string_value(v), in, n) == 0);
        json_decref(v);
    }
    buf_release(&b);
}

/* Random operations against a plain model: success appends exactly the expected bytes,
 * AG_ETOOBIG changes nothing, and the invariants len <= max, p[len] == 0 always hold. */
static void test_buf_model_property(void **state)
{
    (void)state;
    tu_rng_seed();
    char model[600], piece[300];
    for (int run = 0; run < 300; run++) {
        struct buf b;
        size_t max = tu_rng_below(400);
        size_t mlen = 0;
        buf_init(&b, max);
        for (int op = 0; op < 60; op++) {
            size_t n = tu_rng_below(40);
            size_t plen = 0;
            ag_err rc = AG_OK;
            for (size_t i = 0; i < n; i++)
                piece[i] = (char)('a' + tu_rng_below(26));
            piece[n] = '\0';
            switch (tu_rng_below(5)) {
            case 0:
                rc = buf_append(&b, piece, n);
                plen = n;
                break;
            case 1:
                rc = buf_putc(&b, piece[0] ? piece[0] : 'q');
                piece[0] = piece[0] ? piece[0] : 'q';
                plen = 1;
                break;
            case 2: {
                int k = (int)tu_rng_below(100000);
                rc = buf_printf(&b, "<%s|%d>", piece, k);
                char tmp[sizeof(piece)];
                int w = snprintf(tmp, sizeof(tmp), "<%s|%d>", piece, k);
                TU_PROP_CHECK(w > 0 && (size_t)w < sizeof(tmp));
                memcpy(piece, tmp, (size_t)w);
                plen = (size_t)w;
                break;
            }
            case 3:
                rc = buf_append_str(&b, piece);
                plen = n;
                break;
            default:
                for (size_t i = 0; i < n; i += 3)
                    piece[i] = '"';
                rc = buf_append_json_escaped(&b, piece, n);
                plen = 0;
                char tmp[sizeof(piece)];
                for (size_t i = 0; i < n; i++) {
                    if (piece[i] == '"')
                        tmp[plen++] = '\\';
                    tmp[plen++] = piece[i];
                }
                memcpy(piece, tmp, plen);
                break;
            }
            if (plen <= max - mlen) {
                TU_PROP_CHECK(rc == AG_OK);
                memcpy(model + mlen, piece, plen);
                mlen += plen;
            } else {
                TU_PROP_CHECK(rc == AG_ETOOBIG);
            }
            TU_PROP_CHECK(b.len == mlen);
            TU_PROP_CHECK(b.len <= b.max);
            TU_PROP_CHECK(b.p == NULL || b.cap <= b.max + 1);
            TU_PROP_CHECK(memcmp(buf_cstr(&b), model, mlen) == 0);
            TU_PROP_CHECK(buf_cstr(&b)[mlen] == '\0');
        }
        buf_release(&b);
    }
}

static void test_buf_take(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 64);
    assert_int_equal(buf_append_str(&b, "owned text"), AG_OK);
    char *old = b.p;
    char *p = buf_take(&b);
    assert_ptr_equal(p, old);
    assert_string_equal(p, "owned text");
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 64);
    assert_string_equal(buf_cstr(&b), "");
    free(p);

    /* Taking an empty buf hands back a malloc'd "". */
    p = buf_take(&b);
    assert_non_null(p);
    assert_string_equal(p, "");
    free(p);

    /* The buf is usable again after a take. */
    assert_int_equal(buf_append_str(&b, "again"), AG_OK);
    assert_string_equal(buf_cstr(&b), "again");
    p = buf_take(&b);
    assert_string_equal(p, "again");
    free(p);
    buf_release(&b);
}

static void test_ag_grow(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    for (size_t n = 0; n < 1000; n++) {
        int *nv = ag_grow(v, &cap, n, sizeof(*v));
        assert_non_null(nv);
        v = nv;
        assert_true(cap > n);
        v[n] = (int)n;
    }
    for (size_t n = 0; n < 1000; n++)
        assert_int_equal(v[n], (int)n); /* moving kept every element */
    size_t before = cap;
    assert_ptr_equal(ag_grow(v, &cap, cap - 1, sizeof(*v)), v); /* room left: unchanged */
    assert_int_equal(cap, before);
    /* A size that overflows fails and leaves the array as it was. */
    assert_null(ag_grow(v, &cap, cap, SIZE_MAX / 2));
    assert_int_equal(cap, before);
    free(v);
}

static void test_str_utf8_prefix(void **state)
{
    (void)state;
    const char *s = "ab\xd0\xb6\xe2\x80\xa6z"; /* a b zhe ellipsis z: 1+1+2+3+1 bytes */
    size_t n = strlen(s);
    assert_int_equal(str_utf8_prefix(s, n, 100), n);
    assert_int_equal(str_utf8_prefix(s, n, n), n);
    assert_int_equal(str_utf8_prefix(s, n, 2), 2);
    assert_int_equal(str_utf8_prefix(s, n, 3), 2); /* inside zhe */
    assert_int_equal(str_utf8_prefix(s, n, 4), 4);
    assert_int_equal(str_utf8_prefix(s, n, 5), 4); /* inside the ellipsis */
    assert_int_equal(str_utf8_prefix(s, n, 6), 4);
    assert_int_equal(str_utf8_prefix(s, n, 7), 7);
    assert_int_equal(str_utf8_prefix(s, n, 0), 0);
    assert_int_equal(str_utf8_prefix("", 0, 5), 0);
    /* continuation bytes only: nothing is a whole character */
    assert_int_equal(str_utf8_prefix("\x80\x80\x80", 3, 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str_from_cstr_and_eq),
        cmocka_unit_test(test_str_to_u64_accepts_decimals),
        cmocka_unit_test(test_str_to_u64_rejects_overflow),
        cmocka_unit_test(test_str_to_u64_rejects_junk),
        cmocka_unit_test(test_str_to_u64_property),
        cmocka_unit_test(test_str_to_double_accepts_decimals),
        cmocka_unit_test(test_str_to_double_accepts_subnormals),
        cmocka_unit_test(test_str_to_double_rejects_hex_inf_nan_spaces),
        cmocka_unit_test(test_str_to_double_property),
        cmocka_unit_test(test_buf_empty_and_append),
        cmocka_unit_test(test_buf_append_past_max_changes_nothing),
        cmocka_unit_test(test_buf_printf),
        cmocka_unit_test(test_buf_append_json_escaped),
        cmocka_unit_test(test_buf_json_escaped_round_trip),
        cmocka_unit_test(test_buf_model_property),
        cmocka_unit_test(test_buf_take),
        cmocka_unit_test(test_ag_grow),
        cmocka_unit_test(test_str_utf8_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
