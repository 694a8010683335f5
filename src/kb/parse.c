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
#include "kb/kb.h"

#define KB_MAX_HEADING 512

struct chunker {
    const struct kb_params *params;
    const struct kb_sink *sink;
    struct buf title, heading, body;
    enum text_lang lang;
    const char *sku; /* the product of the chunks being cut, or NULL */
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
    size_t max = c->params->max_chunk_bytes;
    if (c->body.len && c->body.len + strlen(sep) + n > max) {
        ag_err rc = flush_chunk(c);
        if (rc != AG_OK)
            return rc;
    }
    if (c->body.len) {
        ag_err rc = buf_append_str(&c->body, sep);
        if (rc != AG_OK)
            return rc;
    }
    return buf_append(&c->body, p, n);
}

static ag_err add_paragraph(struct chunker *c, const char *p, size_t n)
{
    if (n == 0)
        return AG_OK;
    if (n <= c->params->max_chunk_bytes)
        return add_piece(c, p, n, "\n\n");
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

static ag_err check_text(const char *p, size_t n, char *why, size_t why_len)
{
    unsigned line = 1;
    size_t i = 0;
    while (i < n) {
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

/* ---- Markdown ------------------------------------------------------------------- */

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

static int csv_col(const struct csv_row *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(buf_cstr(&h->field[i]), name) == 0)
            return (int)i;
    return -1;
}

static const char *csv_val(const struct csv_row *r, int col)
{
    return col >= 0 ? buf_cstr(&r->field[col]) : "";
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

static ag_err parse_csv(const char *name, const char *p, size_t n, const struct kb_params *params,
                        const struct kb_sink *sink, char *why, size_t why_len)
{
    struct chunker c;
    chunker_init(&c, params, sink);
    struct csv_row *hdr = calloc(2, sizeof(*hdr));
    if (!hdr) {
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
    int c_sku = csv_col(hdr, "sku"), c_name = csv_col(hdr, "name");
    int c_price = csv_col(hdr, "price_eur"), c_stock = csv_col(hdr, "stock");
    int c_cat = csv_col(hdr, "category"), c_de = csv_col(hdr, "description_de");
    int c_en = csv_col(hdr, "description_en"), c_desc = csv_col(hdr, "description");
    bool catalogue = c_sku >= 0 && c_name >= 0;
    if (rc == AG_OK && catalogue && c_price < 0) {
        snprintf(why, why_len, "line 1: a catalogue (sku, name) needs a price_eur column");
        rc = AG_EINVAL;
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
        if (!catalogue) {
            struct buf tmp;
            buf_init(&tmp, 1u << 24);
            c.lang = TEXT_LANG_UNKNOWN;
            for (size_t i = 0; i < row->n && rc == AG_OK; i++)
                if (row->field[i].len)
                    rc = buf_printf(&tmp, "%s%s: %s.", tmp.len ? " " : "", buf_cstr(&hdr->field[i]),
                                    buf_cstr(&row->field[i]));
            rc = rc ? rc : add_paragraph(&c, buf_cstr(&tmp), tmp.len);
            rc = rc ? rc : flush_chunk(&c);
            buf_release(&tmp);
            if (rc != AG_OK && !why[0])
                snprintf(why, why_len, "line %u: %s", row_line, ag_strerror(rc));
            continue;
        }
        struct kb_product pr = {.sku = csv_val(row, c_sku),
                                .name = csv_val(row, c_name),
                                .category = csv_val(row, c_cat),
                                .currency = "EUR",
                                .stock = 0};
        uint64_t stock = 0;
        if (!*pr.sku || !*pr.name) {
            snprintf(why, why_len, "line %u: sku and name must not be empty", row_line);
            rc = AG_EINVAL;
        } else if (str_to_double(str_from_cstr(csv_val(row, c_price)), &pr.price) != AG_OK ||
                   pr.price < 0) {
            snprintf(why, why_len, "line %u: price_eur '%.40s' is not a price", row_line,
                     csv_val(row, c_price));
            rc = AG_EINVAL;
        } else if (c_stock >= 0 &&
                   (str_to_u64(str_from_cstr(csv_val(row, c_stock)), &stock) != AG_OK ||
                    stock > INT64_MAX)) {
            snprintf(why, why_len, "line %u: stock '%.40s' is not a whole number", row_line,
                     csv_val(row, c_stock));
            rc = AG_EINVAL;
        }
        if (rc != AG_OK)
            break;
        pr.stock = (int64_t)stock;
        if (sink->product)
            rc = sink->product(sink->ctx, &pr);
        /* Product chunks are titled with the product name, headed by the category. */
        buf_reset(&c.title);
        buf_reset(&c.heading);
        if (rc == AG_OK)
            rc = buf_append_str(&c.title, pr.name);
        if (rc == AG_OK)
            rc = buf_append_str(&c.heading, pr.category);
        if (rc == AG_OK && c_de >= 0)
            rc = product_chunk(&c, &pr, csv_val(row, c_de), TEXT_LANG_DE);
        if (rc == AG_OK && c_en >= 0)
            rc = product_chunk(&c, &pr, csv_val(row, c_en), TEXT_LANG_EN);
        if (rc == AG_OK && c_desc >= 0)
            rc = product_chunk(&c, &pr, csv_val(row, c_desc), params->default_lang);
        if (rc == AG_OK && c_de < 0 && c_en < 0 && c_desc < 0)
            rc = product_chunk(&c, &pr, "", params->default_lang);
        if (rc != AG_OK && rc != AG_EINVAL)
            snprintf(why, why_len, "line %u: %s", row_line, ag_strerror(rc));
    }
    for (size_t k = 0; k < CSV_MAX_FIELDS; k++) {
        buf_release(&hdr->field[k]);
        buf_release(&row->field[k]);
    }
    free(hdr);
    chunker_release(&c);
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
    default:
        rc = AG_EINVAL;
    }
    if (rc != AG_OK && why_len && !why[0]) /* every failure says why */
        snprintf(why, why_len, "%s", ag_strerror(rc));
    return rc;
}
