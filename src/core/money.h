/*
 * core/money.h: amounts of money as whole numbers, never as floating-point sums.
 * The unit is the pico-euro: MONEY_UNITS_PER_EUR (10^12) units make one euro, so an int64
 * holds up to 9 223 372.036854775807 EUR. Prices with up to six decimal places per million
 * tokens give costs that are whole units (llm/cost.h), so sums of costs are exact.
 * Additions saturate at INT64_MAX instead of wrapping.
 * THREADS: pure functions.
 */
#ifndef AG_CORE_MONEY_H
#define AG_CORE_MONEY_H

#include <stddef.h>
#include <stdint.h>

#define MONEY_UNITS_PER_EUR INT64_C(1000000000000) /* 1 unit = 1 pico-euro = 1e-12 EUR */
#define MONEY_FMT_MAX       32                     /* room for any money_format() text */

/* eur as units, rounded to the nearest unit: exact for amounts given with up to 12
 * decimal places below about 9000 EUR. NaN and amounts <= 0 give 0; amounts past the
 * int64 range give INT64_MAX. */
int64_t money_from_eur(double eur);
/* a + b, clamped to [INT64_MIN, INT64_MAX]. */
int64_t money_add(int64_t a, int64_t b);
/* units as a decimal EUR amount with at least two and at most twelve decimals, trailing
 * zeros dropped ("0.0005253", "5.00", "-0.25"). out gets the NUL-terminated text (cut if
 * n is short: use MONEY_FMT_MAX); returns its length. Exact: no floating point. */
size_t money_format(int64_t units, char *out, size_t n);

#endif
