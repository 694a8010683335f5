// SPDX-License-Identifier: MIT
/*
 * text/swar.h: eight text bytes at a time in one 64-bit number, for scans that must not
 * branch on every byte (a branch that waits on each byte's class mispredicts at every word
 * end). Portable C without intrinsics; bytes are numbered from the lowest address on any
 * endianness. A mask has bit 7 set in each byte that passes a test; swar_bits() packs it
 * into one bit per byte (bit j for byte j), so runs can be walked with ctz.
 * THREADS: pure functions. OWNERSHIP: nothing is kept.
 */
#ifndef AG_TEXT_SWAR_H
#define AG_TEXT_SWAR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SWAR_ONES  0x0101010101010101ULL
#define SWAR_HIGHS 0x8080808080808080ULL

/* The len (0..8) bytes at p, byte j in bits 8j..8j+7, the rest 0; nothing at or past end is
 * read (an 8-byte load when 8 bytes are there). */
static inline uint64_t swar_load(const unsigned char *p, size_t len, const unsigned char *end)
{
    uint64_t x = 0;
    if (end - p >= 8) {
        memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        x = __builtin_bswap64(x);
#endif
        if (len < 8)
            x &= (1ULL << (8 * len)) - 1;
    } else {
        for (size_t i = 0; i < len; i++)
            x |= (uint64_t)p[i] << (8 * i);
    }
    return x;
}

/* Bytes below 0x80. */
static inline uint64_t swar_ascii(uint64_t x)
{
    return ~x & SWAR_HIGHS;
}

/* ASCII bytes in [lo, hi] (lo <= hi < 0x80). Each byte's low seven bits get bit 7 as a
 * guard, so subtracting never borrows from the next byte. */
static inline uint64_t swar_range(uint64_t x, unsigned lo, unsigned hi)
{
    uint64_t y = (x & ~SWAR_HIGHS) | SWAR_HIGHS;
    uint64_t ge_lo = (y - lo * SWAR_ONES) & SWAR_HIGHS;
    uint64_t ge_hi = (y - (hi + 1) * SWAR_ONES) & SWAR_HIGHS;
    return swar_ascii(x) & ge_lo & ~ge_hi;
}

/* Bytes equal to c. */
static inline uint64_t swar_eq(uint64_t x, unsigned char c)
{
    uint64_t t = x ^ (c * SWAR_ONES);
    return ~(((t & ~SWAR_HIGHS) + ~SWAR_HIGHS) | t) & SWAR_HIGHS;
}

/* ASCII letters and digits. */
static inline uint64_t swar_alnum(uint64_t x)
{
    return swar_range(x, '0', '9') | swar_range(x, 'A', 'Z') | swar_range(x, 'a', 'z');
}

/* A mask (bit 7 per byte only) as eight bits, byte j -> bit j: the multiply moves each
 * byte's bit to bit 56 + j without carries into the top byte. */
static inline uint64_t swar_bits(uint64_t mask)
{
    return (mask >> 7) * 0x0102040810204080ULL >> 56;
}

/* Runs of set bits in a bitmap fed block by block (64 text bytes each, in order): each run
 * as [start[i], end[i]) in text order, at most max of them. Starts and ends alternate, so
 * an end found in a block may close a run that began in an earlier one. */
struct swar_runs {
    uint32_t *start, *end;
    size_t n, closed, max;
    uint64_t carry; /* the byte before the next block is in a run */
};

static inline void swar_runs_add(struct swar_runs *r, uint64_t bits, size_t at)
{
    uint64_t before = bits << 1 | r->carry;
    r->carry = bits >> 63;
    for (uint64_t st = bits & ~before; st && r->n < r->max; st &= st - 1)
        r->start[r->n++] = (uint32_t)(at + (size_t)__builtin_ctzll(st));
    for (uint64_t en = ~bits & before; en && r->closed < r->n; en &= en - 1)
        r->end[r->closed++] = (uint32_t)(at + (size_t)__builtin_ctzll(en));
}

/* After the last block of a text of n bytes: a run still open ends at n. The run count. */
static inline size_t swar_runs_finish(struct swar_runs *r, size_t n)
{
    if (r->closed < r->n)
        r->end[r->closed++] = (uint32_t)n;
    r->n = r->closed;
    return r->n;
}

#endif
