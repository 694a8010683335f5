// SPDX-License-Identifier: MIT
/*
 * core/money.c: integer money (pico-euros), its conversion from a configured EUR amount
 * and its decimal text. Formatting splits the amount into whole euros and twelve decimal
 * digits with integer arithmetic, so what is printed is exactly what was summed.
 * THREADS: pure functions.
 */
#include "core/money.h"

#include <math.h>
#include <stdio.h>

int64_t money_from_eur(double eur)
{
    if (!(eur > 0)) /* also NaN */
        return 0;
    /* 2^63 as a double; anything from there on does not fit. */
    if (eur * (double)MONEY_UNITS_PER_EUR >= 9223372036854775808.0)
        return INT64_MAX;
    return (int64_t)llround(eur * (double)MONEY_UNITS_PER_EUR);
}

int64_t money_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return a > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

size_t money_format(int64_t units, char *out, size_t n)
{
    if (n == 0)
        return 0;
    /* The magnitude as unsigned: -INT64_MIN does not fit an int64. */
    uint64_t mag = units < 0 ? (uint64_t)0 - (uint64_t)units : (uint64_t)units;
    uint64_t whole = mag / (uint64_t)MONEY_UNITS_PER_EUR;
    uint64_t frac = mag % (uint64_t)MONEY_UNITS_PER_EUR;
    int digits = 12;
    while (digits > 2 && frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    int w = snprintf(out, n, "%s%llu.%0*llu", units < 0 ? "-" : "", (unsigned long long)whole,
                     digits, (unsigned long long)frac);
    if (w < 0) {
        out[0] = '\0';
        return 0;
    }
    return (size_t)w < n ? (size_t)w : n - 1;
}
