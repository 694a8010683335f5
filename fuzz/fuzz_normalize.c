// SPDX-License-Identifier: MIT
/* fuzz/fuzz_normalize.c: text_normalize() and text_decode_embedded() on arbitrary bytes. The
 * normal form is valid UTF-8 without upper-case ASCII, control bytes, leading, trailing or
 * double spaces, within TEXT_NORMALIZE_MAX_GROWTH times the input; a call over the buffer's
 * max fails with AG_ETOOBIG and changes nothing; decoded segments stay within the budget,
 * and each normalises as well. rot13 twice is the identity. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "text/normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_normal_form(const char *p, size_t n)
{
    if (n && (p[0] == ' ' || p[n - 1] == ' '))
        __builtin_trap();
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7F || (c >= 'A' && c <= 'Z') ||
                (c == ' ' && i + 1 < n && p[i + 1] == ' '))
                __builtin_trap();
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t len =
            utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (len <= 0)
            __builtin_trap();
        i += (size_t)len;
    }
}

struct seen_segs {
    size_t total;
};

static bool on_segment(void *ctx, enum text_obf how, const char *p, size_t n)
{
    struct seen_segs *s = ctx;
    if (how != TEXT_OBF_BASE64 && how != TEXT_OBF_HEX && how != TEXT_OBF_URL &&
        how != TEXT_OBF_ROT13)
        __builtin_trap();
    s->total += n;
    struct buf b;
    buf_init(&b, TEXT_NORMALIZE_MAX_GROWTH * n + 1);
    if (text_normalize(p, n, &b, NULL) != AG_OK) /* what the detector does with it */
        __builtin_trap();
    check_normal_form(b.p ? b.p : "", b.len);
    buf_release(&b);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct buf b;
    buf_init(&b, TEXT_NORMALIZE_MAX_GROWTH * size + 1);
    unsigned seen = 0;
    if (text_normalize(p, size, &b, &seen) != AG_OK || b.len > TEXT_NORMALIZE_MAX_GROWTH * size ||
        seen >= (1u << 8))
        __builtin_trap();
    check_normal_form(b.p ? b.p : "", b.len);

    /* Too small a buffer: AG_ETOOBIG, and the buffer keeps what it had. */
    if (b.len > 1) {
        struct buf small;
        buf_init(&small, b.len / 2 + 2);
        if (buf_append(&small, "xy", 2) != AG_OK)
            __builtin_trap();
        unsigned s2 = 0;
        if (text_normalize(p, size, &small, &s2) != AG_ETOOBIG || small.len != 2 ||
            memcmp(small.p, "xy", 3) != 0 || s2 != 0)
            __builtin_trap();
        buf_release(&small);
    }
    buf_release(&b);

    size_t max_out = size * 2 + (size & 63);
    struct seen_segs s = {0};
    ag_err rc = text_decode_embedded(p, size, max_out, TEXT_DECODE_ALL, on_segment, &s);
    if ((rc != AG_OK && rc != AG_ETOOBIG) || s.total > max_out)
        __builtin_trap();
    /* As the guard calls it: no rot13 search, so the prefilter may skip the walk. */
    struct seen_segs s2 = {0};
    rc = text_decode_embedded(p, size, max_out, TEXT_OBF_BASE64 | TEXT_OBF_HEX | TEXT_OBF_URL,
                              on_segment, &s2);
    if ((rc != AG_OK && rc != AG_ETOOBIG) || s2.total > max_out)
        __builtin_trap();

    char *r = malloc(size ? size : 1);
    if (r) {
        text_rot13(p, size, r);
        text_rot13(r, size, r);
        if (size && memcmp(r, p, size) != 0)
            __builtin_trap();
        free(r);
    }
    return 0;
}
