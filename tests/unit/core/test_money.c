// SPDX-License-Identifier: MIT
/*
 * tests/unit/core/test_money.c: integer money in pico-euros (core/money.h).
 * Checks the exact decimal text of amounts (trailing zeros, at least two decimals,
 * negative amounts and both ends of int64), conversion of configured EUR amounts, and
 * saturating addition.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/money.h"

static void check_format(int64_t units, const char *want)
{
    char out[MONEY_FMT_MAX];
    size_t n = money_format(units, out, sizeof(out));
    if (strcmp(out, want) != 0 || n != strlen(want))
        fail_msg("money_format(%lld) = '%s' (%zu), want '%s'", (long long)units, out, n, want);
}

static void test_money_format(void **state)
{
    (void)state;
    check_format(0, "0.00");
    check_format(1, "0.000000000001");
    check_format(10, "0.00000000001");
    check_format(525300000, "0.0005253");
    check_format(MONEY_UNITS_PER_EUR, "1.00");
    check_format(5 * MONEY_UNITS_PER_EUR + MONEY_UNITS_PER_EUR / 10, "5.10");
    check_format(12 * MONEY_UNITS_PER_EUR + 345 * (MONEY_UNITS_PER_EUR / 1000), "12.345");
    check_format(-MONEY_UNITS_PER_EUR / 4, "-0.25");
    check_format(-1, "-0.000000000001");
    check_format(INT64_MAX, "9223372.036854775807");
    check_format(INT64_MIN, "-9223372.036854775808");
    check_format(INT64_C(999999999999), "0.999999999999");

    /* A short buffer gets a cut, NUL-terminated text; 0 bytes get nothing. */
    char small[5] = "xxxx";
    assert_int_equal(money_format(525300000, small, sizeof(small)), 4);
    assert_string_equal(small, "0.00");
    assert_int_equal(money_format(1, small, 0), 0);
    assert_string_equal(small, "0.00");
}

static void test_money_from_eur(void **state)
{
    (void)state;
    assert_true(money_from_eur(0) == 0);
    assert_true(money_from_eur(-1) == 0);
    assert_true(money_from_eur(NAN) == 0);
    assert_true(money_from_eur(INFINITY) == INT64_MAX);
    assert_true(money_from_eur(1e9) == INT64_MAX);
    assert_true(money_from_eur(9223372.0) == INT64_C(9223372000000000000));
    assert_true(money_from_eur(5) == 5 * MONEY_UNITS_PER_EUR);
    assert_true(money_from_eur(0.1) == MONEY_UNITS_PER_EUR / 10);
    assert_true(money_from_eur(0.0005253) == 525300000);
    assert_true(money_from_eur(1e-12) == 1);
    assert_true(money_from_eur(4e-13) == 0);
    /* Every cent amount up to 100 EUR converts exactly. */
    for (int64_t cents = 0; cents <= 10000; cents++)
        if (money_from_eur((double)cents / 100) != cents * (MONEY_UNITS_PER_EUR / 100))
            fail_msg("%lld cents", (long long)cents);
}

static void test_money_add_saturates(void **state)
{
    (void)state;
    assert_true(money_add(1, 2) == 3);
    assert_true(money_add(INT64_MAX, 1) == INT64_MAX);
    assert_true(money_add(INT64_MAX - 5, 10) == INT64_MAX);
    assert_true(money_add(INT64_MIN, -1) == INT64_MIN);
    assert_true(money_add(INT64_MAX, INT64_MIN) == -1);
    assert_true(money_add(-5, 3) == -2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money_format),
        cmocka_unit_test(test_money_from_eur),
        cmocka_unit_test(test_money_add_saturates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
