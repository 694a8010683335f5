/*
 * core/buf.h: borrowed string views (struct str) and bounded growable buffers (struct buf).
 * OWNERSHIP: a str borrows; a buf owns p and frees it in buf_release(). Every buf has a
 * maximum set at init; growing past it returns AG_ETOOBIG and leaves the buf unchanged.
 */
#ifndef AG_CORE_BUF_H
#define AG_CORE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct str {
    const char *p;
    size_t len;
};

struct buf {
    char *p; /* p[len] == '\0' once anything was appended */
    size_t len, cap, max;
};

#define STR_LIT(s) ((struct str){(s), sizeof(s) - 1})

/* A view of a NUL-terminated string (NULL gives the empty view). */
struct str str_from_cstr(const char *s);
bool str_eq(struct str a, struct str b);
bool str_eq_cstr(struct str a, const char *s);
/* Parse all of s as a decimal uint64: every byte checked, overflow rejected. */
ag_err str_to_u64(struct str s, uint64_t *out);
/* Parse all of s as a finite double (e.g. "12.50"); no leading/trailing junk. */
ag_err str_to_double(struct str s, double *out);

/* The length of the longest prefix of UTF-8 text p[0..n) that is at most max bytes and
 * does not end inside a character (a cut before a continuation byte). */
size_t str_utf8_prefix(const char *p, size_t n, size_t max);

void buf_init(struct buf *b, size_t max);
/* Room for element n of array v (*cap elements of size bytes, size > 0): when n reaches
 * *cap the array doubles (16 at first). Returns the array, moved or not; NULL without
 * memory (or for size 0), and then v and *cap stay as they were. */
void *ag_grow(void *v, size_t *cap, size_t n, size_t size);
/* Read file path into out (initialised here with maximum max; the caller releases it
 * whatever happens). AG_ENOTFOUND, AG_EIO or AG_ETOOBIG with path and reason in why. */
ag_err buf_read_file(const char *path, size_t max, struct buf *out, char *why, size_t why_len);
ag_err buf_append(struct buf *b, const void *src, size_t n);
ag_err buf_append_str(struct buf *b, const char *s);
ag_err buf_putc(struct buf *b, char c);
ag_err buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
ag_err buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Append s as the inside of a JSON string literal (escapes quotes, controls). */
ag_err buf_append_json_escaped(struct buf *b, const char *s, size_t n);
/* The text so far; "" when empty. Valid until the next change. */
const char *buf_cstr(const struct buf *b);
void buf_reset(struct buf *b);
/* Drop everything from byte len on (nothing when len >= b->len). */
void buf_truncate(struct buf *b, size_t len);
/* Hand p to the caller (who frees it) and leave the buf empty; "" is malloc'd if empty. */
char *buf_take(struct buf *b);
void buf_release(struct buf *b);

#endif
