// SPDX-License-Identifier: MIT
/*
 * kb/parse.c: turns Markdown, plain text and CSV files into chunks (and product records).
 * Chunks follow the document's structure: a Markdown section's paragraphs are packed
 * into chunks below max_chunk_bytes, a paragraph too long is cut at sentence bounds, a
 * sentence too long at a UTF-8 boundary. Each chunk carries the document title and the
 * heading path ("Versand > Österreich"). CSV follows RFC 4180; a catalogue (columns sku
 * and name) yields one product record and one chunk per description language.
 * THREADS: pure functions. OWNERSHIP: chunks passed to the sink are valid during the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/buf.h"
#include "core/json.h"
#include "kb/kb.h"

#define KB_MAX_HEADING 512

struct chunker {
    const struct kb_params *params;
    const struct kb_sink *sink;
    struct buf title, heading, body;
    enum text_lang lang;
    const char *sku;   /* the product of the chunks being cut, or NULL */
    size_t words;      /* words in body */
    size_t last_start; /* offset in body of the last piece added (the overlap candidate) */
};

static ag_err flush_chunk(struct chunker *c)
{
    if (c->body.len == 0)
        return AG_OK;
    struct kb_chunk ch = {
        .title = buf_cstr(&c->title),
        .title_len = c->title.len,
        .heading = buf_cstr(&c->heading),
        .heading_len = c->heading.len,
        .body = buf_cstr(&c->body),
        .body_len = c->body.len,
        .lang = c->lang,
        .sku = c->sku,
    };
    ag_err rc = c->sink->chunk ? c->sink->chunk(c->sink->ctx, &ch) : AG_OK;
    buf_reset(&c->body);
    c->words = 0;
    c->last_start = 0;
    return rc;
}

/* Words (runs of non-blanks) in p[0..n): a word starts where a blank is followed by a
 * non-blank. */
static size_t count_words(const char *p, size_t n)
{
    static const bool blank[256] = {[' '] = true, ['\n'] = true, ['\t'] = true, ['\r'] = true};
    size_t w = 0;
    bool prev = true;
    for (size_t i = 0; i < n; i++) {
        bool b = blank[(unsigned char)p[i]];
        w += prev && !b;
        prev = b;
    }
    return w;
}

/* A chunk full in the middle of a section: emit it and start the next one with its last
 * piece (a sentence or short paragraph), so that a fact cut at the border keeps its
 * context. Long last pieces are not repeated. */
static ag_err flush_full(struct chunker *c)
{
    size_t max = c->params->max_chunk_bytes, max_words = c->params->max_chunk_tokens;
    size_t ol = c->body.len - c->last_start;
    size_t ow = max_words ? count_words(c->body.p + c->last_start, ol) : 0;
    bool keep = c->last_start > 0 && ol <= max / 4 && (!max_words || ow <= max_words / 4);
    char *tail = keep ? strndup(c->body.p + c->last_start, ol) : NULL;
    ag_err rc = flush_chunk(c);
    if (rc == AG_OK && tail) {
        rc = buf_append(&c->body, tail, ol);
        c->words = ow;
    }
    free(tail);
    return rc;
}

/* Largest n' <= n that does not cut a UTF-8 sequence. */
static size_t utf8_floor(const char *p, size_t n)
{
    while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
        n--;
    return n;
}

struct sentence_pack {
    struct chunker *c;
    const char *p;
    ag_err rc;
};

static ag_err add_piece(struct chunker *c, const char *p, size_t n, const char *sep);
static ag_err add_counted(struct chunker *c, const char *p, size_t n, const char *sep, size_t w);

static bool pack_sentence(void *ctx, size_t s, size_t e)
{
    struct sentence_pack *sp = ctx;
    const char *p = sp->p + s;
    size_t n = e - s, max = sp->c->params->max_chunk_bytes;
    while (n > max && sp->rc == AG_OK) {
        size_t cut = utf8_floor(p, max);
        if (cut == 0)
            cut = max;
        sp->rc = add_piece(sp->c, p, cut, " ");
        p += cut;
        n -= cut;
    }
    if (sp->rc == AG_OK)
        sp->rc = add_piece(sp->c, p, n, " ");
    return sp->rc == AG_OK;
}

/* Append a piece (paragraph or sentence) that fits in a chunk, flushing first if full. */
static ag_err add_piece(struct chunker *c, const char *p, size_t n, const char *sep)
{
    return add_counted(c, p, n, sep, c->params->max_chunk_tokens ? count_words(p, n) : 0);
}

/* add_piece() of a piece whose words are counted already (w; 0 without a word limit). */
static ag_err add_counted(struct chunker *c, const char *p, size_t n, const char *sep, size_t w)
{
    size_t max = c->params->max_chunk_bytes, max_words = c->params->max_chunk_tokens;
    bool over = c->body.len + strlen(sep) + n > max || (max_words && c->words + w > max_words);
    ag_err rc = AG_OK;
    if (c->body.len && over) {
        rc = flush_full(c);
        /* The carried-over piece and this one must fit together, or the overlap goes. */
        if (rc == AG_OK &&
            (c->body.len + strlen(sep) + n > max || (max_words && c->words + w > max_words))) {
            buf_reset(&c->body);
            c->words = 0;
        }
    }
    if (rc == AG_OK && c->body.len)
        rc = buf_append_str(&c->body, sep);
    c->last_start = c->body.len;
    rc = rc ? rc : buf_append(&c->body, p, n);
    if (rc == AG_OK)
        c->words += w;
    return rc;
}

static size_t count_words(const char *p, size_t n);

static ag_err add_paragraph(struct chunker *c, const char *p, size_t n)
{
    if (n == 0)
        return AG_OK;
    size_t max_words = c->params->max_chunk_tokens, w = max_words ? count_words(p, n) : 0;
    if (n <= c->params->max_chunk_bytes && (!max_words || w <= max_words))
        return add_counted(c, p, n, "\n\n", w);
    struct sentence_pack sp = {c, p, AG_OK};
    ag_err rc = flush_chunk(c);
    if (rc != AG_OK)
        return rc;
    text_sentences(p, n, pack_sentence, &sp);
    return sp.rc;
}

static void chunker_init(struct chunker *c, const struct kb_params *params,
                         const struct kb_sink *sink)
{
    c->params = params;
    c->sink = sink;
    buf_init(&c->title, KB_MAX_HEADING);
    buf_init(&c->heading, KB_MAX_HEADING);
    buf_init(&c->body, params->max_chunk_bytes);
    c->lang = TEXT_LANG_UNKNOWN;
    c->sku = NULL;
    c->words = 0;
    c->last_start = 0;
}

static void chunker_release(struct chunker *c)
{
    buf_release(&c->title);
    buf_release(&c->heading);
    buf_release(&c->body);
}

/* The file name without folders and extension, as a fallback title. */
static ag_err set_title_from_name(struct buf *t, const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    buf_reset(t);
    return buf_append(t, base, n < KB_MAX_HEADING ? n : KB_MAX_HEADING);
}

static ag_err check_text_lines(const char *p, size_t n, char *why, size_t why_len);

/* Valid UTF-8 without NUL bytes? The error names the line. Runs of plain ASCII (most
 * text) are checked eight bytes at a time; lines are counted only to name an error. */
static ag_err check_text(const char *p, size_t n, char *why, size_t why_len)
{
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, p + i, 8);
            /* no byte >= 0x80 and no zero byte among the eight */
            if (!(x & 0x8080808080808080ull) &&
                !((x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        unsigned char c = (unsigned char)p[i];
        if (c > 0 && c < 0x80) {
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t len =
            utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (len <= 0 || cp == 0)
            break;
        i += (size_t)len;
    }
    if (i >= n)
        return AG_OK;
    return check_text_lines(p, n, why, why_len);
}

/* check_text() once it found an error: again, byte by byte, counting lines. */
static ag_err check_text_lines(const char *p, size_t n, char *why, size_t why_len)
{
    unsigned line = 1;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        if (c > 0 && c < 0x80) { /* ASCII needs no decoding */
            line += c == '\n';
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t len =
            utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (len <= 0 || cp == 0) {
            snprintf(why, why_len, "line %u: %s", line,
                     len <= 0 ? "invalid UTF-8" : "NUL byte in text");
            return AG_EINVAL;
        }
        if (cp == '\n')
            line++;
        i += (size_t)len;
    }
    return AG_OK;
}

/* First occurrence of needle in p[0..n), or NULL (memmem is not POSIX). */
static const char *find_bytes(const char *p, size_t n, const char *needle, size_t nl)
{
    for (size_t i = 0; nl && i + nl <= n; i++)
        if (p[i] == needle[0] && memcmp(p + i, needle, nl) == 0)
            return p + i;
    return NULL;
}

/* ---- Markdown ------------------------------------------------------------------- */

/* The bytes md_inline() looks at; every other byte is copied as it is. */
static const bool md_special[256] = {
    ['*'] = true, ['`'] = true, ['_'] = true, ['['] = true, [']'] = true, ['\t'] = true};

/* Copy one line of inline Markdown as plain text: emphasis markers and backticks go,
 * [text](url) keeps its text, list bullets go. */
static ag_err md_inline(struct buf *out, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i + 1 < n && (p[i] == '-' || p[i] == '*' || p[i] == '+') && p[i + 1] == ' ')
        i += 2;
    else if (i < n && p[i] == '>')
        i += (i + 1 < n && p[i + 1] == ' ') ? 2 : 1;
    ag_err rc = AG_OK;
    for (; i < n && rc == AG_OK; i++) {
        size_t run = i; /* plain text up to the next mark is copied in one piece */
        while (run < n && !md_special[(unsigned char)p[run]])
            run++;
        if (run > i) {
            rc = buf_append(out, p + i, run - i);
            i = run - 1;
            continue;
        }
        char ch = p[i];
        if (ch == '*' || ch == '`' || (ch == '_' && i + 1 < n && p[i + 1] == '_')) {
            if (ch == '_')
                i++;
            continue;
        }
        if (ch == ']' && i + 1 < n && p[i + 1] == '(') {
            const char *close = memchr(p + i, ')', n - i);
            if (close) {
                i = (size_t)(close - p);
                continue;
            }
        }
        if (ch == '[')
            continue;
        rc = buf_putc(out, (char)(ch == '\t' ? ' ' : ch));
    }
    return rc;
}

static int md_heading_level(const char *p, size_t n)
{
    int level = 0;
    while ((size_t)level < n && p[level] == '#')
        level++;
    if (level == 0 || level > 6 || ((size_t)level < n && p[level] != ' '))
        return 0;
    return level;
}

static ag_err parse_markdown(const char *name, const char *p, size_t n,
                             const struct kb_params *params, const struct kb_sink *sink, char *why,
                             size_t why_len)
{
    struct chunker c;
    chunker_init(&c, params, sink);
    struct buf para, heads[7];
    buf_init(&para, 1u << 24);
    for (int i = 0; i < 7; i++)
        buf_init(&heads[i], KB_MAX_HEADING);
    bool have_title = false, in_fence = false;
    unsigned line = 0;
    ag_err rc = set_title_from_name(&c.title, name);
    const char *end = p + n;
    while (rc == AG_OK && p <= end) {
        const char *eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        const char *le = eol ? eol : end;
        size_t len = (size_t)(le - p);
        if (len && p[len - 1] == '\r')
            len--;
        line++;
        bool blank = true;
        for (size_t i = 0; i < len; i++)
            if (p[i] != ' ' && p[i] != '\t')
                blank = false;
        int level = in_fence ? 0 : md_heading_level(p, len);
        bool fence = len >= 3 && memcmp(p, "```", 3) == 0;
        if (fence) {
            in_fence = !in_fence;
        } else if (level || blank || p == end) {
            rc = add_paragraph(&c, buf_cstr(&para), para.len);
            buf_reset(&para);
            if (rc == AG_OK && level) {
                rc = flush_chunk(&c);
                /* "#" alone is an empty heading: there may be no text after the marks. */
                size_t skip = len > (size_t)level ? (size_t)level + 1 : len;
                const char *h = p + skip;
                size_t hl = len - skip;
                if (level == 1 && !have_title) {
                    have_title = true;
                    buf_reset(&c.title);
                    rc = rc == AG_OK ? md_inline(&c.title, h, hl) : rc;
                } else {
                    buf_reset(&heads[level]);
                    rc = rc == AG_OK ? md_inline(&heads[level], h, hl) : rc;
                    for (int i = level + 1; i < 7; i++)
                        buf_reset(&heads[i]);
                    buf_reset(&c.heading);
                    for (int i = 1; i < 7 && rc == AG_OK; i++) {
                        if (!heads[i].len)
                            continue;
                        if (c.heading.len)
                            rc = buf_append_str(&c.heading, " > ");
                        if (rc == AG_OK)
                            rc = buf_append(&c.heading, heads[i].p, heads[i].len);
                    }
                }
            }
        } else {
            bool item =
                !in_fence && len >= 2 && (p[0] == '-' || p[0] == '*' || p[0] == '+') && p[1] == ' ';
            if (para.len)
                rc = buf_putc(&para, item || in_fence ? '\n' : ' ');
            if (rc == AG_OK)
                rc = in_fence ? buf_append(&para, p, len) : md_inline(&para, p, len);
        }
        if (!eol)
            break;
        p = eol + 1;
    }
    if (rc == AG_OK)
        rc = add_paragraph(&c, buf_cstr(&para), para.len);
    if (rc == AG_OK)
        rc = flush_chunk(&c);
    if (rc == AG_ETOOBIG)
        snprintf(why, why_len, "line %u: heading or paragraph too long", line);
    else if (rc != AG_OK && rc != AG_EINVAL)
        snprintf(why, why_len, "line %u: %s", line, ag_strerror(rc));
    buf_release(&para);
    for (int i = 0; i < 7; i++)
        buf_release(&heads[i]);
    chunker_release(&c);
    return rc;
}

/* ---- plain text ------------------------------------------------------------------- */

static ag_err parse_text(const char *name, const char *p, size_t n, const struct kb_params *params,
                         const struct kb_sink *sink, char *why, size_t why_len)
{
    struct chunker c;
    chunker_init(&c, params, sink);
    struct buf para;
    buf_init(&para, 1u << 24);
    ag_err rc = set_title_from_name(&c.title, name);
    const char *end = p + n;
    while (rc == AG_OK && p <= end) {
        const char *eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        const char *le = eol ? eol : end;
        size_t len = (size_t)(le - p);
        if (len && p[len - 1] == '\r')
            len--;
        bool blank = true;
        for (size_t i = 0; i < len; i++)
            if (p[i] != ' ' && p[i] != '\t')
                blank = false;
        if (blank) {
            rc = add_paragraph(&c, buf_cstr(&para), para.len);
            buf_reset(&para);
        } else {
            if (para.len)
                rc = buf_putc(&para, ' ');
            if (rc == AG_OK)
                rc = buf_append(&para, p, len);
        }
        if (!eol)
            break;
        p = eol + 1;
    }
    if (rc == AG_OK)
        rc = add_paragraph(&c, buf_cstr(&para), para.len);
    if (rc == AG_OK)
        rc = flush_chunk(&c);
    if (rc != AG_OK)
        snprintf(why, why_len, "%s", ag_strerror(rc));
    buf_release(&para);
    chunker_release(&c);
    return rc;
}

/* ---- CSV (RFC 4180) ----------------------------------------------------------------- */

#define CSV_MAX_FIELDS 64

struct csv_row {
    struct buf field[CSV_MAX_FIELDS];
    size_t n;
};

/* Read one record starting at *pos; *line counts newlines (also inside quotes).
 * Returns AG_OK with row->n == 0 at the end of input. */
static ag_err csv_next(const char *p, size_t n, size_t *pos, unsigned *line, struct csv_row *row,
                       char *why, size_t why_len)
{
    size_t i = *pos;
    row->n = 0;
    for (size_t k = 0; k < CSV_MAX_FIELDS; k++)
        buf_reset(&row->field[k]);
    /* Skip blank lines between records. */
    while (i < n && (p[i] == '\n' || p[i] == '\r')) {
        if (p[i] == '\n')
            (*line)++;
        i++;
    }
    if (i >= n) {
        *pos = i;
        return AG_OK;
    }
    unsigned start_line = *line;
    for (;;) {
        if (row->n == CSV_MAX_FIELDS) {
            snprintf(why, why_len, "line %u: more than %d fields", *line, CSV_MAX_FIELDS);
            return AG_EINVAL;
        }
        struct buf *f = &row->field[row->n++];
        ag_err rc = AG_OK;
        if (i < n && p[i] == '"') {
            i++;
            for (;;) {
                if (i >= n) {
                    snprintf(why, why_len, "line %u: quoted field never closed", start_line);
                    return AG_EINVAL;
                }
                if (p[i] == '"') {
                    if (i + 1 < n && p[i + 1] == '"') {
                        rc = buf_putc(f, '"');
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (p[i] == '\n')
                    (*line)++;
                rc = buf_putc(f, p[i++]);
                if (rc != AG_OK)
                    break;
            }
            if (rc == AG_OK && i < n && p[i] != ',' && p[i] != '\n' && p[i] != '\r') {
                snprintf(why, why_len, "line %u: text after a closing quote", *line);
                return AG_EINVAL;
            }
        } else {
            while (i < n && p[i] != ',' && p[i] != '\n' && p[i] != '\r' && rc == AG_OK) {
                if (p[i] == '"') {
                    snprintf(why, why_len, "line %u: quote inside an unquoted field", *line);
                    return AG_EINVAL;
                }
                rc = buf_putc(f, p[i++]);
            }
        }
        if (rc != AG_OK) {
            snprintf(why, why_len, "line %u: field too long", *line);
            return rc;
        }
        if (i < n && p[i] == ',') {
            i++;
            continue;
        }
        if (i < n && p[i] == '\r')
            i++;
        if (i < n && p[i] == '\n') {
            (*line)++;
            i++;
        }
        break;
    }
    *pos = i;
    return AG_OK;
}

/* ---- records: a CSV row or a JSON Lines object, as (key, value) pairs ---------------- */

struct record {
    const char *key[CSV_MAX_FIELDS];
    const char *val[CSV_MAX_FIELDS];
    size_t n;
};

static const char *rec_get(const struct record *r, const char *key)
{
    if (!*key)
        return NULL;
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->key[i], key) == 0)
            return r->val[i];
    return NULL;
}

static bool rec_is_catalogue(const struct record *r, const struct kb_catalog_map *m)
{
    return rec_get(r, m->sku) && rec_get(r, m->name);
}

/* "249.90" -> "249,90" for German text. */
static ag_err price_text(struct buf *b, double price, enum text_lang lang)
{
    char tmp[64];
    int w = snprintf(tmp, sizeof(tmp), "%.2f", price);
    if (w < 0 || (size_t)w >= sizeof(tmp))
        return AG_EINVAL;
    if (lang == TEXT_LANG_DE) {
        char *dot = strchr(tmp, '.');
        if (dot)
            *dot = ',';
    }
    return buf_append_str(b, tmp);
}

static ag_err product_chunk(struct chunker *c, const struct kb_product *pr, const char *desc,
                            enum text_lang lang)
{
    c->sku = pr->sku;
    struct buf tmp, *b = &tmp;
    bool de = lang == TEXT_LANG_DE;
    buf_init(&tmp, 1u << 24);
    c->lang = lang;
    /* The first sentence names the product with its price and stock, so that a quoted
     * sentence always carries the facts together with what they belong to. */
    ag_err rc = buf_printf(b, "%s (%s) %s ", pr->name, pr->sku, de ? "kostet" : "costs");
    if (rc == AG_OK)
        rc = price_text(b, pr->price, lang);
    if (rc == AG_OK && pr->stock > 0)
        rc = buf_printf(b, de ? " %s und ist auf Lager (%lld Stück)" : " %s and is in stock (%lld)",
                        pr->currency, (long long)pr->stock);
    else if (rc == AG_OK)
        rc = buf_printf(
            b, de ? " %s und ist derzeit nicht auf Lager" : " %s and is currently out of stock",
            pr->currency);
    if (rc == AG_OK)
        rc = buf_printf(b, " (%s %s).", de ? "Kategorie" : "category", pr->category);
    if (rc == AG_OK && *desc)
        rc = buf_printf(b, " %s", desc);
    /* A long description is cut at sentence bounds like any paragraph. */
    rc = rc ? rc : flush_chunk(c);
    rc = rc ? rc : add_paragraph(c, buf_cstr(&tmp), tmp.len);
    rc = rc ? rc : flush_chunk(c);
    buf_release(&tmp);
    c->sku = NULL;
    return rc;
}

/* One description column of the mapping: "column:lang" or "column". */
struct desc_col {
    char col[64];
    enum text_lang lang;
};

static size_t desc_cols(const struct kb_params *params, struct desc_col *out, size_t max)
{
    const char *p = params->catalog.descriptions;
    size_t n = 0;
    while (*p && n < max) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        size_t cl = colon ? (size_t)(colon - p) : len;
        if (cl > 0 && cl < sizeof(out[n].col)) {
            memcpy(out[n].col, p, cl);
            out[n].col[cl] = '\0';
            out[n].lang = colon ? text_lang_parse(colon + 1, len - cl - 1) : TEXT_LANG_UNKNOWN;
            if (out[n].lang == TEXT_LANG_UNKNOWN)
                out[n].lang = params->default_lang;
            n++;
        }
        p = e ? e + 1 : p + len;
    }
    return n;
}

/* A catalogue record becomes a product row and one chunk per description language;
 * any other record one chunk of "key: value." sentences. */
static ag_err emit_record(struct chunker *c, const struct kb_params *params,
                          const struct kb_sink *sink, const struct record *r, unsigned line,
                          char *why, size_t why_len)
{
    const struct kb_catalog_map *m = &params->catalog;
    ag_err rc = AG_OK;
    if (!rec_is_catalogue(r, m)) {
        struct buf tmp;
        buf_init(&tmp, 1u << 24);
        c->lang = TEXT_LANG_UNKNOWN;
        for (size_t i = 0; i < r->n && rc == AG_OK; i++)
            if (*r->val[i])
                rc = buf_printf(&tmp, "%s%s: %s.", tmp.len ? " " : "", r->key[i], r->val[i]);
        rc = rc ? rc : add_paragraph(c, buf_cstr(&tmp), tmp.len);
        rc = rc ? rc : flush_chunk(c);
        buf_release(&tmp);
        if (rc != AG_OK)
            snprintf(why, why_len, "line %u: %s", line, ag_strerror(rc));
        return rc;
    }
    const char *price = rec_get(r, m->price), *stock_s = rec_get(r, m->stock);
    const char *cur = rec_get(r, m->currency);
    struct kb_product pr = {.sku = rec_get(r, m->sku),
                            .name = rec_get(r, m->name),
                            .category = rec_get(r, m->category),
                            .currency = cur && *cur ? cur : m->default_currency,
                            .url = rec_get(r, m->url),
                            .stock = 0,
                            .line = line};
    if (!pr.category)
        pr.category = "";
    if (pr.url && !*pr.url)
        pr.url = NULL;
    uint64_t stock = 0;
    if (!pr.sku || !pr.name || !*pr.sku || !*pr.name) {
        snprintf(why, why_len, "line %u: %s and %s must not be empty", line, m->sku, m->name);
        return AG_EINVAL;
    }
    if (!price) {
        snprintf(why, why_len, "line %u: a catalogue (%s, %s) needs a %s column", line, m->sku,
                 m->name, m->price);
        return AG_EINVAL;
    }
    if (str_to_double(str_from_cstr(price), &pr.price) != AG_OK || pr.price < 0) {
        snprintf(why, why_len, "line %u: %s '%.40s' is not a price", line, m->price, price);
        return AG_EINVAL;
    }
    if (stock_s && (str_to_u64(str_from_cstr(stock_s), &stock) != AG_OK || stock > INT64_MAX)) {
        snprintf(why, why_len, "line %u: %s '%.40s' is not a whole number", line, m->stock,
                 stock_s);
        return AG_EINVAL;
    }
    if (strlen(pr.currency) != 3) {
        snprintf(why, why_len, "line %u: currency '%.20s' is not a 3-letter code", line,
                 pr.currency);
        return AG_EINVAL;
    }
    pr.stock = (int64_t)stock;
    if (sink->product)
        rc = sink->product(sink->ctx, &pr);
    /* Product chunks are titled with the product name, headed by the category. */
    buf_reset(&c->title);
    buf_reset(&c->heading);
    rc = rc ? rc : buf_append_str(&c->title, pr.name);
    rc = rc ? rc : buf_append_str(&c->heading, pr.category);
    struct desc_col cols[8];
    size_t n_cols = desc_cols(params, cols, 8), emitted = 0;
    for (size_t i = 0; i < n_cols && rc == AG_OK; i++) {
        const char *d = rec_get(r, cols[i].col);
        if (!d)
            continue;
        rc = product_chunk(c, &pr, d, cols[i].lang);
        emitted++;
    }
    if (rc == AG_OK && emitted == 0)
        rc = product_chunk(c, &pr, "", params->default_lang);
    if (rc != AG_OK && rc != AG_EINVAL)
        snprintf(why, why_len, "line %u: %s", line, ag_strerror(rc));
    return rc;
}

static ag_err parse_csv(const char *name, const char *p, size_t n, const struct kb_params *params,
                        const struct kb_sink *sink, char *why, size_t why_len)
{
    struct chunker c;
    chunker_init(&c, params, sink);
    struct csv_row *hdr = calloc(2, sizeof(*hdr));
    struct record *rec = calloc(1, sizeof(*rec));
    if (!hdr || !rec) {
        free(hdr);
        free(rec);
        chunker_release(&c);
        return AG_ENOMEM;
    }
    struct csv_row *row = hdr + 1;
    for (size_t k = 0; k < CSV_MAX_FIELDS; k++) {
        buf_init(&hdr->field[k], 256);
        buf_init(&row->field[k], 1u << 20);
    }
    size_t pos = 0;
    unsigned line = 1;
    ag_err rc = set_title_from_name(&c.title, name);
    if (rc == AG_OK)
        rc = csv_next(p, n, &pos, &line, hdr, why, why_len);
    if (rc == AG_OK && hdr->n == 0) {
        snprintf(why, why_len, "line 1: empty file, expected a header row");
        rc = AG_EINVAL;
    }
    /* A catalogue header without a price column is wrong before any row is read. */
    if (rc == AG_OK) {
        const struct kb_catalog_map *m = &params->catalog;
        bool sku = false, nm = false, price = false;
        for (size_t i = 0; i < hdr->n; i++) {
            sku |= strcmp(buf_cstr(&hdr->field[i]), m->sku) == 0;
            nm |= strcmp(buf_cstr(&hdr->field[i]), m->name) == 0;
            price |= strcmp(buf_cstr(&hdr->field[i]), m->price) == 0;
        }
        if (sku && nm && !price) {
            snprintf(why, why_len, "line 1: a catalogue (%s, %s) needs a %s column", m->sku,
                     m->name, m->price);
            rc = AG_EINVAL;
        }
    }
    while (rc == AG_OK) {
        unsigned row_line = line;
        rc = csv_next(p, n, &pos, &line, row, why, why_len);
        if (rc != AG_OK || row->n == 0)
            break;
        if (row->n != hdr->n) {
            snprintf(why, why_len, "line %u: expected %zu fields, found %zu", row_line, hdr->n,
                     row->n);
            rc = AG_EINVAL;
            break;
        }
        rec->n = row->n;
        for (size_t i = 0; i < row->n; i++) {
            rec->key[i] = buf_cstr(&hdr->field[i]);
            rec->val[i] = buf_cstr(&row->field[i]);
        }
        rc = emit_record(&c, params, sink, rec, row_line, why, why_len);
    }
    for (size_t k = 0; k < CSV_MAX_FIELDS; k++) {
        buf_release(&hdr->field[k]);
        buf_release(&row->field[k]);
    }
    free(hdr);
    free(rec);
    chunker_release(&c);
    return rc;
}

/* ---- JSON Lines catalogues -------------------------------------------------------------- */

/* One object per line; string, number and boolean values become the record's fields. */
static ag_err parse_jsonl(const char *name, const char *p, size_t n, const struct kb_params *params,
                          const struct kb_sink *sink, char *why, size_t why_len)
{
    struct chunker c;
    chunker_init(&c, params, sink);
    struct record *rec = calloc(1, sizeof(*rec));
    char(*numbers)[40] = calloc(CSV_MAX_FIELDS, sizeof(*numbers));
    ag_err rc = rec && numbers ? set_title_from_name(&c.title, name) : AG_ENOMEM;
    const char *end = p + n;
    unsigned line = 0;
    while (rc == AG_OK && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        line++;
        const char *s = p;
        p = eol ? eol + 1 : end;
        while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++;
        if (s == le)
            continue;
        json_t *o = NULL;
        char reason[160];
        if (json_parse_object(s, (size_t)(le - s), 2, &o, reason, sizeof(reason)) != AG_OK) {
            snprintf(why, why_len, "line %u: %s", line, reason);
            rc = AG_EINVAL;
            break;
        }
        const char *key;
        json_t *v;
        rec->n = 0;
        json_object_foreach(o, key, v)
        {
            if (rec->n == CSV_MAX_FIELDS) {
                snprintf(why, why_len, "line %u: more than %d fields", line, CSV_MAX_FIELDS);
                rc = AG_EINVAL;
                break;
            }
            const char *val = NULL;
            if (json_is_string(v)) {
                val = json_string_value(v);
                if (strlen(val) != json_string_length(v)) {
                    snprintf(why, why_len, "line %u: field '%.40s' holds a NUL character", line,
                             key);
                    rc = AG_EINVAL;
                    break;
                }
            } else if (json_is_integer(v)) {
                snprintf(numbers[rec->n], sizeof(numbers[0]), "%lld",
                         (long long)json_integer_value(v));
                val = numbers[rec->n];
            } else if (json_is_real(v)) {
                snprintf(numbers[rec->n], sizeof(numbers[0]), "%.17g", json_real_value(v));
                val = numbers[rec->n];
            } else if (json_is_boolean(v)) {
                val = json_is_true(v) ? "true" : "false";
            } else if (json_is_null(v)) {
                val = "";
            } else {
                snprintf(why, why_len,
                         "line %u: field '%.40s' is not a string, number or "
                         "boolean",
                         line, key);
                rc = AG_EINVAL;
                break;
            }
            rec->key[rec->n] = key;
            rec->val[rec->n++] = val;
        }
        if (rc == AG_OK)
            rc = emit_record(&c, params, sink, rec, line, why, why_len);
        json_decref(o);
    }
    free(rec);
    free(numbers);
    chunker_release(&c);
    return rc;
}

/* ---- HTML ---------------------------------------------------------------------------------- */

/* The value of one entity at p (after '&'), appended to out; returns bytes consumed
 * (0: not an entity, the '&' stays literal). */
static size_t html_entity(const char *p, size_t n, struct buf *out)
{
    static const struct {
        const char *name, *utf8;
    } named[] = {{"amp", "&"},
                 {"lt", "<"},
                 {"gt", ">"},
                 {"quot", "\""},
                 {"apos", "'"},
                 {"nbsp", " "},
                 {"auml", "\xc3\xa4"},
                 {"ouml", "\xc3\xb6"},
                 {"uuml", "\xc3\xbc"},
                 {"Auml", "\xc3\x84"},
                 {"Ouml", "\xc3\x96"},
                 {"Uuml", "\xc3\x9c"},
                 {"szlig", "\xc3\x9f"},
                 {"euro", "\xe2\x82\xac"},
                 {"ndash", "\xe2\x80\x93"},
                 {"mdash", "\xe2\x80\x94"},
                 {"copy", "\xc2\xa9"}};
    const char *semi = memchr(p, ';', n < 12 ? n : 12);
    if (!semi)
        return 0;
    size_t len = (size_t)(semi - p);
    if (len >= 2 && p[0] == '#') {
        uint32_t cp = 0;
        bool hex = p[1] == 'x' || p[1] == 'X';
        for (size_t i = hex ? 2 : 1; i < len; i++) {
            char ch = p[i];
            unsigned d = ch >= '0' && ch <= '9'          ? (unsigned)(ch - '0')
                         : hex && ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
                         : hex && ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10)
                                                         : 99;
            if (d == 99 || cp > 0x10FFFF)
                return 0;
            cp = cp * (hex ? 16 : 10) + d;
        }
        utf8proc_uint8_t enc[4];
        if (cp == 0 || !utf8proc_codepoint_valid((utf8proc_int32_t)cp))
            return 0;
        utf8proc_ssize_t w = utf8proc_encode_char((utf8proc_int32_t)cp, enc);
        return buf_append(out, enc, (size_t)w) == AG_OK ? len + 1 : 0;
    }
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        if (strlen(named[i].name) == len && memcmp(named[i].name, p, len) == 0)
            return buf_append_str(out, named[i].utf8) == AG_OK ? len + 1 : 0;
    return 0;
}

static bool tag_is(const char *t, size_t n, const char *name)
{
    size_t l = strlen(name);
    if (n < l || strncasecmp(t, name, l) != 0)
        return false;
    return n == l || t[l] == ' ' || t[l] == '>' || t[l] == '/' || t[l] == '\t' || t[l] == '\n';
}

/* HTML to the Markdown the chunker reads: headings stay headings, blocks become
 * paragraphs, list items bullets; script, style, head and comments go; entities decoded.
 * A <title> is used as the document title when there is no <h1>. */
/* End a block: drop the spaces the line would end with, then append sep. */
static ag_err block_break(struct buf *out, const char *sep)
{
    while (out->len && out->p[out->len - 1] == ' ')
        out->len--;
    if (out->p)
        out->p[out->len] = '\0';
    return buf_append_str(out, sep);
}

static ag_err html_to_markdown(const char *p, size_t n, struct buf *out, struct buf *title)
{
    ag_err rc = AG_OK;
    size_t i = 0;
    bool had_h1 = false;
    while (i < n && rc == AG_OK) {
        if (p[i] == '&') {
            size_t used = html_entity(p + i + 1, n - i - 1, out);
            if (used) {
                i += used + 1;
                continue;
            }
        }
        if (p[i] != '<') {
            char ch = p[i++];
            bool space = ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
            char last = '\n';
            if (out->len)
                last = out->p[out->len - 1];
            /* Runs of white space are one space, and none starts a line. */
            if (!space)
                rc = buf_putc(out, ch);
            else if (last != ' ' && last != '\n')
                rc = buf_putc(out, ' ');
            continue;
        }
        if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
            const char *e = find_bytes(p + i + 4, n - i - 4, "-->", 3);
            i = e ? (size_t)(e - p) + 3 : n;
            continue;
        }
        const char *gt = memchr(p + i, '>', n - i);
        if (!gt) { /* a lone '<' is text */
            rc = buf_putc(out, '<');
            i++;
            continue;
        }
        const char *t = p + i + 1;
        size_t tl = (size_t)(gt - t);
        bool closing = tl && t[0] == '/';
        const char *name = closing ? t + 1 : t;
        size_t nl = closing ? tl - 1 : tl;
        i = (size_t)(gt - p) + 1;
        static const char *const skipped[] = {"script", "style", "head", "noscript", "template"};
        bool skip = false;
        for (size_t k = 0; !closing && k < 5 && !skip; k++) {
            if (!tag_is(name, nl, skipped[k]))
                continue;
            skip = true;
            char close[16];
            snprintf(close, sizeof(close), "</%s", skipped[k]);
            /* Keep <title> from the head before skipping it. */
            if (k == 2) {
                const char *ts = find_bytes(p + i, n - i, "<title>", 7);
                const char *te = ts ? find_bytes(ts, n - (size_t)(ts - p), "</title>", 8) : NULL;
                const char *he = find_bytes(p + i, n - i, "</head", 6);
                if (ts && te && (!he || ts < he)) {
                    struct buf tt;
                    buf_init(&tt, 1024);
                    rc = html_to_markdown(ts + 7, (size_t)(te - ts - 7), &tt, NULL);
                    if (rc == AG_OK && title && tt.len) {
                        buf_reset(title);
                        rc = buf_append(title, tt.p, tt.len < 500 ? tt.len : 500);
                    }
                    buf_release(&tt);
                }
            }
            const char *e = NULL;
            for (const char *q = p + i; q < p + n; q++) {
                q = memchr(q, '<', (size_t)(p + n - q));
                if (!q)
                    break;
                if ((size_t)(p + n - q) >= strlen(close) &&
                    strncasecmp(q, close, strlen(close)) == 0) {
                    e = q;
                    break;
                }
            }
            const char *egt = e ? memchr(e, '>', (size_t)(p + n - e)) : NULL;
            i = egt ? (size_t)(egt - p) + 1 : n;
        }
        if (skip || rc != AG_OK)
            continue;
        if (!closing && tag_is(name, nl, "title")) { /* a <title> outside <head> */
            const char *te = find_bytes(p + i, n - i, "</title>", 8);
            size_t end = te ? (size_t)(te - p) : n;
            if (title && !title->len) {
                struct buf tt;
                buf_init(&tt, 1024);
                rc = html_to_markdown(p + i, end - i, &tt, NULL);
                if (rc == AG_OK && tt.len)
                    rc = buf_append(title, tt.p, tt.len < 500 ? tt.len : 500);
                buf_release(&tt);
            }
            i = te ? end + 8 : n;
            continue;
        }
        if (nl >= 2 && (name[0] == 'h' || name[0] == 'H') && name[1] >= '1' && name[1] <= '6' &&
            (nl == 2 || name[2] == ' ' || name[2] == '>')) {
            if (closing) {
                rc = block_break(out, "\n\n");
            } else {
                int level = name[1] - '0';
                had_h1 |= level == 1;
                rc = block_break(out, "\n\n");
                rc = rc ? rc : buf_printf(out, "%.*s ", level, "######");
            }
        } else if (!closing && tag_is(name, nl, "li")) {
            rc = block_break(out, "\n- ");
        } else if (tag_is(name, nl, "p") || tag_is(name, nl, "div") || tag_is(name, nl, "br") ||
                   tag_is(name, nl, "br/") || tag_is(name, nl, "tr") || tag_is(name, nl, "ul") ||
                   tag_is(name, nl, "ol") || tag_is(name, nl, "table") ||
                   tag_is(name, nl, "section") || tag_is(name, nl, "article") ||
                   tag_is(name, nl, "blockquote")) {
            rc = block_break(out, "\n\n");
        } else if (tag_is(name, nl, "td") || tag_is(name, nl, "th")) {
            rc = buf_putc(out, ' ');
        }
    }
    if (rc == AG_OK && title && had_h1)
        buf_reset(title); /* the <h1> names the document */
    return rc;
}

static ag_err parse_html(const char *name, const char *p, size_t n, const struct kb_params *params,
                         const struct kb_sink *sink, char *why, size_t why_len)
{
    struct buf md, title;
    buf_init(&md, n * 2 + 64);
    buf_init(&title, 1024);
    ag_err rc = html_to_markdown(p, n, &md, &title);
    if (rc == AG_OK && title.len) {
        /* The page title becomes a leading H1 unless the page has its own. */
        struct buf with;
        buf_init(&with, md.len + title.len + 8);
        rc = buf_printf(&with, "# %s\n\n%s", buf_cstr(&title), buf_cstr(&md));
        if (rc == AG_OK) {
            buf_release(&md);
            md = with;
        } else {
            buf_release(&with);
        }
    }
    if (rc == AG_OK)
        rc = parse_markdown(name, buf_cstr(&md), md.len, params, sink, why, why_len);
    else
        snprintf(why, why_len, "%s", ag_strerror(rc));
    buf_release(&md);
    buf_release(&title);
    return rc;
}

ag_err kb_format_for(const char *path, enum kb_format *out)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return AG_EINVAL;
    if (strcmp(dot, ".md") == 0 || strcmp(dot, ".markdown") == 0)
        *out = KB_FMT_MARKDOWN;
    else if (strcmp(dot, ".txt") == 0)
        *out = KB_FMT_TEXT;
    else if (strcmp(dot, ".csv") == 0)
        *out = KB_FMT_CSV;
    else if (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".ndjson") == 0)
        *out = KB_FMT_JSONL;
    else if (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0)
        *out = KB_FMT_HTML;
    else
        return AG_EINVAL;
    return AG_OK;
}

ag_err kb_parse(enum kb_format fmt, const char *name, const char *p, size_t n,
                const struct kb_params *params, const struct kb_sink *sink, char *why,
                size_t why_len)
{
    /* Below 16 bytes a chunk could not hold one UTF-8 character after a cut. */
    if (params->max_chunk_bytes < 16) {
        snprintf(why, why_len, "max_chunk_bytes must be at least 16");
        return AG_EINVAL;
    }
    if (n > params->max_file_bytes) {
        snprintf(why, why_len, "file larger than %zu bytes", params->max_file_bytes);
        return AG_ETOOBIG;
    }
    if (why_len)
        why[0] = '\0';
    ag_err rc = check_text(p, n, why, why_len);
    if (rc != AG_OK)
        return rc;
    switch (fmt) {
    case KB_FMT_MARKDOWN:
        rc = parse_markdown(name, p, n, params, sink, why, why_len);
        break;
    case KB_FMT_TEXT:
        rc = parse_text(name, p, n, params, sink, why, why_len);
        break;
    case KB_FMT_CSV:
        rc = parse_csv(name, p, n, params, sink, why, why_len);
        break;
    case KB_FMT_JSONL:
        rc = parse_jsonl(name, p, n, params, sink, why, why_len);
        break;
    case KB_FMT_HTML:
        rc = parse_html(name, p, n, params, sink, why, why_len);
        break;
    default:
        rc = AG_EINVAL;
    }
    if (rc != AG_OK && why_len && !why[0]) /* every failure says why */
        snprintf(why, why_len, "%s", ag_strerror(rc));
    return rc;
}
