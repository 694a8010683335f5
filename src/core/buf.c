// SPDX-License-Identifier: MIT
/*
 * core/buf.c: string views and bounded buffers.
 * Growth doubles capacity up to the buffer's max; every size computation is written so
 * that it cannot wrap. THREADS: none; a buf belongs to one thread at a time.
 */
#include "core/buf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct str str_from_cstr(const char *s)
{
    return (struct str){s ? s : "", s ? strlen(s) : 0};
}

bool str_eq(struct str a, struct str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool str_eq_cstr(struct str a, const char *s)
{
    return str_eq(a, str_from_cstr(s));
}

ag_err str_to_u64(struct str s, uint64_t *out)
{
    uint64_t v = 0;
    if (s.len == 0)
        return AG_EINVAL;
    for (size_t i = 0; i < s.len; i++) {
        unsigned d = (unsigned char)s.p[i] - '0';
        if (d > 9)
            return AG_EINVAL;
        if (v > (UINT64_MAX - d) / 10)
            return AG_EINVAL;
        v = v * 10 + d;
    }
    *out = v;
    return AG_OK;
}

ag_err str_to_double(struct str s, double *out)
{
    char tmp[64];
    if (s.len == 0 || s.len >= sizeof(tmp))
        return AG_EINVAL;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        /* strtod also accepts hex, inf, nan and spaces: allow only plain decimals. */
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return AG_EINVAL;
    }
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod(tmp, &end);
    /* ERANGE also flags underflow to a subnormal or zero: still a fine finite number. */
    if ((errno != 0 && !(errno == ERANGE && fabs(v) < 1)) || end != tmp + s.len || !isfinite(v))
        return AG_EINVAL;
    *out = v;
    return AG_OK;
}

void buf_init(struct buf *b, size_t max)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

static ag_err buf_reserve(struct buf *b, size_t n)
{
    if (n > b->max - b->len)
        return AG_ETOOBIG;
    size_t need = b->len + n + 1; /* +1 for the NUL; len + n <= max < SIZE_MAX */
    if (need <= b->cap)
        return AG_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->p, cap);
    if (!p)
        return AG_ENOMEM;
    b->p = p;
    b->cap = cap;
    return AG_OK;
}

ag_err buf_append(struct buf *b, const void *src, size_t n)
{
    ag_err rc = buf_reserve(b, n);
    if (rc != AG_OK)
        return rc;
    if (n)
        memcpy(b->p + b->len, src, n);
    b->len += n;
    b->p[b->len] = '\0';
    return AG_OK;
}

ag_err buf_append_str(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

ag_err buf_putc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

ag_err buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    /* clang-tidy 14 reports every va_list as uninitialised here (a known analyzer false
     * positive with glibc's va_start); the list was started just above. */
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return AG_EINVAL;
    ag_err rc = buf_reserve(b, (size_t)n);
    if (rc != AG_OK)
        return rc;
    int m = vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    if (m != n)
        return AG_EINVAL;
    b->len += (size_t)n;
    return AG_OK;
}

ag_err buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ag_err rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

ag_err buf_append_json_escaped(struct buf *b, const char *s, size_t n)
{
    size_t start_len = b->len;
    ag_err rc = AG_OK;
    for (size_t i = 0; i < n && rc == AG_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            rc = buf_append(b, esc, 2);
        } else if (c < 0x20) {
            rc = buf_printf(b, "\\u%04x", c);
        } else {
            rc = buf_putc(b, (char)c);
        }
    }
    if (rc != AG_OK && b->p) { /* unchanged on error */
        b->len = start_len;
        b->p[b->len] = '\0';
    }
    return rc;
}

const char *buf_cstr(const struct buf *b)
{
    return b->p ? b->p : "";
}

size_t str_utf8_prefix(const char *p, size_t n, size_t max)
{
    size_t keep = n > max ? max : n;
    while (keep < n && keep > 0 && ((unsigned char)p[keep] & 0xC0) == 0x80)
        keep--;
    return keep;
}

void buf_reset(struct buf *b)
{
    buf_truncate(b, 0);
}

void buf_truncate(struct buf *b, size_t len)
{
    if (len >= b->len)
        return;
    b->len = len;
    if (b->p)
        b->p[len] = '\0';
}

char *buf_take(struct buf *b)
{
    char *p = b->p;
    if (!p)
        p = calloc(1, 1);
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void buf_release(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void *ag_grow(void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return v;
    size_t c = *cap ? *cap * 2 : 16;
    if (c <= n)
        c = n + 1;
    if (size == 0 || c > SIZE_MAX / size)
        return NULL; /* no element size, or too many */
    void *p = realloc(v, c * size);
    if (p)
        *cap = c;
    return p;
}

ag_err buf_read_file(const char *path, size_t max, struct buf *out, char *why, size_t why_len)
{
    buf_init(out, max);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        snprintf(why, why_len, "%s: %s", path, strerror(e));
        return e == ENOENT ? AG_ENOTFOUND : AG_EIO;
    }
    char chunk[65536];
    size_t got;
    ag_err rc = AG_OK;
    while (rc == AG_OK && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = buf_append(out, chunk, got);
    if (rc == AG_OK && ferror(f))
        rc = AG_EIO;
    fclose(f);
    if (rc != AG_OK)
        snprintf(why, why_len, "%s: %s", path,
                 rc == AG_ETOOBIG ? "file too large" : ag_strerror(rc));
    return rc;
}
