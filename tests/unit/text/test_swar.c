// SPDX-License-Identifier: MIT
/*
 * tests/unit/text/test_swar.c: the eight-bytes-at-a-time tests of text/swar.h against their
 * one-byte definitions, for every byte value in every position, and the loads at a text end.
 */
#include "test_util.h"

#include "text/swar.h"

/* x with byte value c at position pos and a different filler elsewhere. */
static uint64_t with_byte(unsigned c, unsigned pos, unsigned filler)
{
    uint64_t x = 0;
    for (unsigned j = 0; j < 8; j++)
        x |= (uint64_t)(j == pos ? c : filler) << (8 * j);
    return x;
}

static bool bit(uint64_t mask, unsigned pos)
{
    return (mask >> (8 * pos + 7)) & 1;
}

static void test_byte_tests(void **state)
{
    (void)state;
    static const unsigned fillers[] = {0x00, 'a', 0x80, 0xFF, '/', 'Z'};
    for (unsigned f = 0; f < sizeof(fillers) / sizeof(fillers[0]); f++)
        for (unsigned c = 0; c < 256; c++)
            for (unsigned pos = 0; pos < 8; pos++) {
                uint64_t x = with_byte(c, pos, fillers[f]);
                bool digit = c >= '0' && c <= '9';
                bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
                assert_int_equal(bit(swar_ascii(x), pos), c < 0x80);
                assert_int_equal(bit(swar_range(x, '0', '9'), pos), digit);
                assert_int_equal(bit(swar_range(x, 0, 0x7F), pos), c < 0x80);
                assert_int_equal(bit(swar_alnum(x), pos), digit || alpha);
                assert_int_equal(bit(swar_eq(x, '+'), pos), c == '+');
                assert_int_equal(bit(swar_eq(x, 0), pos), c == 0);
                assert_int_equal(bit(swar_eq(x, 0xFF), pos), c == 0xFF);
            }
}

static void test_bits(void **state)
{
    (void)state;
    for (unsigned m = 0; m < 256; m++) {
        uint64_t mask = 0;
        for (unsigned j = 0; j < 8; j++)
            if (m >> j & 1)
                mask |= 0x80ULL << (8 * j);
        assert_int_equal(swar_bits(mask), m);
    }
}

static void test_load(void **state)
{
    (void)state;
    const unsigned char t[] = "abcdefghij";
    assert_true(swar_load(t, 8, t + 10) == 0x6867666564636261ULL);
    assert_true(swar_load(t, 3, t + 10) == 0x636261ULL);
    assert_true(swar_load(t + 7, 3, t + 10) == 0x6a6968ULL); /* at the end: byte by byte */
    assert_true(swar_load(t + 10, 0, t + 10) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_byte_tests),
        cmocka_unit_test(test_bits),
        cmocka_unit_test(test_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
