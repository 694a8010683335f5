// SPDX-License-Identifier: MIT
/*
 * kb/eval.c: retrieval evaluation on labelled collections (Cranfield, CISI, TREC).
 * The collection is indexed into a fresh KB with the same ingestion and search code the
 * server uses; every judged query is run and scored with nDCG@10, AP, Recall@100 and RR
 * (means over queries with at least one relevant document), and search latency is
 * measured per query. A TREC run can be written (--run) or an external run scored
 * (--score-run), so another engine is compared with exactly the same scorer.
 * Query ids follow the qrels: Cranfield's qrels number queries by their position in
 * cran.qry (its .I ids skip numbers), CISI's by .I, TREC's by the topic id.
 * THREADS: single-threaded. OWNERSHIP: everything is freed before returning.
 */
#include <errno.h>
#include <math.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "kb/kb.h"

/* ---- metrics ----------------------------------------------------------------------- */

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

void kb_eval_score(const double *ranked, size_t n_ranked, const double *judged, size_t n_judged,
                   struct kb_eval_metrics *out)
{
    memset(out, 0, sizeof(*out));
    size_t n_rel = 0;
    for (size_t i = 0; i < n_judged; i++)
        if (judged[i] > 0)
            n_rel++;
    if (n_rel == 0)
        return;
    double ideal[10] = {0}, sorted_top = 0;
    /* The ideal ranking: the ten largest judged gains, in descending order. */
    double *tmp = malloc(n_judged * sizeof(*tmp));
    if (tmp) {
        memcpy(tmp, judged, n_judged * sizeof(*tmp));
        qsort(tmp, n_judged, sizeof(*tmp), cmp_desc);
        for (size_t i = 0; i < 10 && i < n_judged; i++)
            ideal[i] = tmp[i] > 0 ? tmp[i] : 0;
        free(tmp);
    }
    double dcg = 0, idcg = 0, hits = 0, ap = 0;
    for (size_t i = 0; i < 10; i++) {
        idcg += ideal[i] / log2((double)i + 2);
        if (i < n_ranked)
            dcg += ranked[i] / log2((double)i + 2);
    }
    (void)sorted_top;
    for (size_t i = 0; i < n_ranked; i++) {
        if (ranked[i] <= 0)
            continue;
        hits++;
        ap += hits / (double)(i + 1);
        if (out->rr == 0)
            out->rr = 1.0 / (double)(i + 1);
        if (i < 100)
            out->recall100 += 1.0 / (double)n_rel;
    }
    out->ndcg10 = idcg > 0 ? dcg / idcg : 0;
    out->ap = ap / (double)n_rel;
}

/* ---- collections --------------------------------------------------------------------- */

struct item {
    char *id, *title, *text;
};

struct items {
    struct item *v;
    size_t n, cap;
};

struct judgment {
    char *qid, *doc;
    double gain;
};

struct judgments {
    struct judgment *v;
    size_t n, cap;
};

static void items_free(struct items *it)
{
    for (size_t i = 0; i < it->n; i++) {
        free(it->v[i].id);
        free(it->v[i].title);
        free(it->v[i].text);
    }
    free(it->v);
}

static void judgments_free(struct judgments *j)
{
    for (size_t i = 0; i < j->n; i++) {
        free(j->v[i].qid);
        free(j->v[i].doc);
    }
    free(j->v);
}

/* Append it to out, taking its strings; on failure they are freed and out is unchanged. */
static ag_err items_push(struct items *out, struct item it)
{
    struct item *v = ag_grow(out->v, &out->cap, out->n, sizeof(*out->v));
    if (!v || !it.id || !it.title || !it.text) {
        if (v)
            out->v = v;
        free(it.id);
        free(it.title);
        free(it.text);
        return AG_ENOMEM;
    }
    out->v = v;
    out->v[out->n++] = it;
    return AG_OK;
}

static ag_err read_all(const char *path, struct buf *b, char *why, size_t why_len)
{
    FILE *f = fopen(path, "rb");
    buf_init(b, (size_t)1 << 30);
    if (!f) {
        int e = errno;
        snprintf(why, why_len, "%s: %s", path, strerror(e));
        return AG_ENOTFOUND;
    }
    char chunk[65536];
    size_t got;
    ag_err rc = AG_OK;
    while (rc == AG_OK && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = buf_append(b, chunk, got);
    fclose(f);
    if (rc != AG_OK)
        snprintf(why, why_len, "%s: %s", path, ag_strerror(rc));
    return rc;
}

/* "007" -> "7": ids compare as numbers when they are numbers. */
static char *norm_id(const char *p, size_t n)
{
    while (n > 1 && *p == '0' && p[1] >= '0' && p[1] <= '9') {
        p++;
        n--;
    }
    return strndup(p, n);
}

static ag_err append_line(struct buf *field, const char *p, size_t n)
{
    if (field->len) {
        ag_err rc = buf_putc(field, field->len && n ? ' ' : '\n');
        if (rc != AG_OK)
            return rc;
    }
    return buf_append(field, p, n);
}

/* SMART: ".I id" starts a record; ".T", ".W" (and .A .B .X, ignored) start fields. */
static ag_err load_smart(const char *path, struct items *out, char *why, size_t why_len)
{
    struct buf all, title, text;
    ag_err rc = read_all(path, &all, why, why_len);
    buf_init(&title, (size_t)1 << 20);
    buf_init(&text, (size_t)1 << 24);
    const char *p = buf_cstr(&all), *end = p + all.len;
    char field = 0;
    char *id = NULL;
    unsigned line = 0;
    while (rc == AG_OK && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        size_t n = (size_t)(le - p);
        if (n && p[n - 1] == '\r')
            n--;
        line++;
        bool marker =
            n >= 2 && p[0] == '.' && p[1] >= 'A' && p[1] <= 'Z' && (n == 2 || p[2] == ' ');
        if (marker && p[1] == 'I') {
            if (id) {
                struct item it = {id, strdup(buf_cstr(&title)), strdup(buf_cstr(&text))};
                id = NULL; /* owned by it now */
                if ((rc = items_push(out, it)) != AG_OK)
                    break;
            }
            const char *s = p + 2;
            while (s < p + n && *s == ' ')
                s++;
            if (s == p + n) {
                snprintf(why, why_len, "%s: line %u: .I without an id", path, line);
                rc = AG_EINVAL;
                id = NULL;
                break;
            }
            id = norm_id(s, (size_t)(p + n - s));
            buf_reset(&title);
            buf_reset(&text);
            field = 0;
        } else if (marker) {
            field = p[1];
        } else if (!id && n > 0) {
            snprintf(why, why_len, "%s: line %u: text before the first .I record", path, line);
            rc = AG_EINVAL;
        } else if (field == 'T') {
            rc = append_line(&title, p, n);
        } else if (field == 'W') {
            rc = append_line(&text, p, n);
        }
        p = eol ? eol + 1 : end;
    }
    if (rc == AG_OK && id) {
        struct item it = {id, strdup(buf_cstr(&title)), strdup(buf_cstr(&text))};
        rc = items_push(out, it);
    } else if (rc != AG_OK) {
        free(id);
    }
    if (rc == AG_ENOMEM || rc == AG_ETOOBIG)
        snprintf(why, why_len, "%s: line %u: %s", path, line, ag_strerror(rc));
    buf_release(&all);
    buf_release(&title);
    buf_release(&text);
    return rc;
}

/* First occurrence of needle in p[0..n), or NULL (memmem is not POSIX). */
static const char *find_bytes(const char *p, size_t n, const char *needle, size_t nl)
{
    if (nl == 0 || n < nl)
        return NULL;
    for (const char *s = p; s + nl <= p + n; s++) {
        s = memchr(s, needle[0], (size_t)(p + n - s));
        if (!s || s + nl > p + n)
            return NULL;
        if (memcmp(s, needle, nl) == 0)
            return s;
    }
    return NULL;
}

/* Text between <tag> and </tag> starting at p (NULL when absent). */
static const char *tag_span(const char *p, const char *end, const char *tag, size_t *len)
{
    char open[32], close[32];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *s = find_bytes(p, (size_t)(end - p), open, strlen(open));
    if (!s)
        return NULL;
    s += strlen(open);
    const char *e = find_bytes(s, (size_t)(end - s), close, strlen(close));
    if (!e)
        return NULL;
    *len = (size_t)(e - s);
    return s;
}

/* Plain text of p[0..n) with tags removed. */
static char *strip_tags(const char *p, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;
    bool in_tag = false;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '<')
            in_tag = true;
        else if (p[i] == '>' && in_tag)
            in_tag = false, out[o++] = ' ';
        else if (!in_tag)
            out[o++] = p[i];
    }
    out[o] = '\0';
    return out;
}

/* TREC SGML documents: <DOC><DOCNO>id</DOCNO> [<TITLE>..</TITLE>] text </DOC>. */
static ag_err load_trec_docs(const char *path, struct items *out, char *why, size_t why_len)
{
    struct buf all;
    ag_err rc = read_all(path, &all, why, why_len);
    const char *p = buf_cstr(&all), *end = p + all.len;
    while (rc == AG_OK) {
        const char *d = find_bytes(p, (size_t)(end - p), "<DOC>", 5);
        if (!d)
            break;
        const char *de = find_bytes(d, (size_t)(end - d), "</DOC>", 6);
        if (!de) {
            snprintf(why, why_len, "%s: <DOC> at byte %zu is never closed", path,
                     (size_t)(d - buf_cstr(&all)));
            rc = AG_EINVAL;
            break;
        }
        size_t idn = 0, tn = 0;
        const char *ids = tag_span(d, de, "DOCNO", &idn);
        const char *ts = tag_span(d, de, "TITLE", &tn);
        if (!ids) {
            snprintf(why, why_len, "%s: <DOC> at byte %zu has no <DOCNO>", path,
                     (size_t)(d - buf_cstr(&all)));
            rc = AG_EINVAL;
            break;
        }
        while (idn && (*ids == ' ' || *ids == '\n'))
            ids++, idn--;
        while (idn && (ids[idn - 1] == ' ' || ids[idn - 1] == '\n'))
            idn--;
        /* The body is everything after the DOCNO but the title, which is its own field. */
        const char *bs = ids + idn;
        char *body = NULL;
        if (ts && ts > bs) {
            char *a = strip_tags(bs, (size_t)(ts - bs)),
                 *b = strip_tags(ts + tn, (size_t)(de - ts - tn));
            size_t al = a ? strlen(a) : 0, bl = b ? strlen(b) : 0;
            if (a && b && (body = malloc(al + bl + 2)) != NULL) {
                memcpy(body, a, al);
                body[al] = ' ';
                memcpy(body + al + 1, b, bl + 1);
            }
            free(a);
            free(b);
        } else {
            body = strip_tags(bs, (size_t)(de - bs));
        }
        struct item it = {norm_id(ids, idn), ts ? strip_tags(ts, tn) : strdup(""), body};
        if ((rc = items_push(out, it)) != AG_OK)
            break;
        p = de + 6;
    }
    buf_release(&all);
    return rc;
}

/* TREC queries as lines "qid<TAB>text". */
static ag_err load_tsv_queries(const char *path, struct items *out, char *why, size_t why_len)
{
    struct buf all;
    ag_err rc = read_all(path, &all, why, why_len);
    const char *p = buf_cstr(&all), *end = p + all.len;
    unsigned line = 0;
    while (rc == AG_OK && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        line++;
        if (le > p) {
            const char *tab = memchr(p, '\t', (size_t)(le - p));
            if (!tab || tab == p) {
                snprintf(why, why_len, "%s: line %u: expected 'qid<TAB>text'", path, line);
                rc = AG_EINVAL;
                break;
            }
            struct item it = {norm_id(p, (size_t)(tab - p)), strdup(""),
                              strndup(tab + 1, (size_t)(le - tab - 1))};
            if ((rc = items_push(out, it)) != AG_OK)
                break;
        }
        p = eol ? eol + 1 : end;
    }
    buf_release(&all);
    return rc;
}

static int cmp_judgment(const void *a, const void *b)
{
    const struct judgment *x = a, *y = b;
    int c = strcmp(x->qid, y->qid);
    return c ? c : strcmp(x->doc, y->doc);
}

/* Split a line into at most max whitespace-separated fields. */
static size_t split_ws(const char *p, size_t n, struct str *f, size_t max)
{
    size_t k = 0, i = 0;
    while (i < n && k < max) {
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
            i++;
        size_t s = i;
        while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            i++;
        if (i > s)
            f[k++] = (struct str){p + s, i - s};
    }
    return k;
}

static ag_err load_qrels(const char *path, enum kb_eval_format fmt, struct judgments *out,
                         char *why, size_t why_len)
{
    struct buf all;
    ag_err rc = read_all(path, &all, why, why_len);
    const char *p = buf_cstr(&all), *end = p + all.len;
    unsigned line = 0;
    while (rc == AG_OK && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        struct str f[5];
        size_t k = split_ws(p, (size_t)(le - p), f, 5);
        line++;
        p = eol ? eol + 1 : end;
        if (k == 0)
            continue;
        struct str q = f[0], d = fmt == KB_EVAL_TREC ? f[2] : f[1];
        double gain = 1;
        uint64_t code;
        bool ok = fmt == KB_EVAL_TREC ? k == 4 : fmt == KB_EVAL_CISI ? k == 4 : k == 3;
        if (ok && fmt == KB_EVAL_CRANFIELD) {
            /* Codes 1 (complete answer) .. 4 (minimum interest); -1: not relevant. */
            if (str_eq_cstr(f[2], "-1"))
                gain = 0;
            else if (str_to_u64(f[2], &code) == AG_OK && code >= 1 && code <= 4)
                gain = (double)(5 - code);
            else
                ok = false;
        } else if (ok && fmt == KB_EVAL_TREC) {
            double g;
            ok = str_to_double(f[3], &g) == AG_OK;
            gain = g > 0 ? g : 0;
        }
        if (!ok) {
            snprintf(why, why_len, "%s: line %u: not a %s qrels line", path, line,
                     fmt == KB_EVAL_TREC   ? "TREC ('qid 0 docid rel')"
                     : fmt == KB_EVAL_CISI ? "CISI ('qid docid 0 0.0')"
                                           : "Cranfield ('qid docid rel')");
            rc = AG_EINVAL;
            break;
        }
        struct judgment *nv = ag_grow(out->v, &out->cap, out->n, sizeof(*out->v));
        if (!nv) { /* the old array stays owned by out */
            rc = AG_ENOMEM;
            break;
        }
        out->v = nv;
        struct judgment j = {norm_id(q.p, q.len), norm_id(d.p, d.len), gain};
        if (!j.qid || !j.doc) {
            free(j.qid);
            free(j.doc);
            rc = AG_ENOMEM;
            break;
        }
        out->v[out->n++] = j;
    }
    buf_release(&all);
    if (rc == AG_OK && out->n > 1)
        qsort(out->v, out->n, sizeof(*out->v), cmp_judgment);
    return rc;
}

static double gain_of(const struct judgments *j, const char *qid, const char *doc)
{
    struct judgment key = {(char *)qid, (char *)doc, 0};
    const struct judgment *hit = bsearch(&key, j->v, j->n, sizeof(*j->v), cmp_judgment);
    return hit ? hit->gain : 0;
}

/* The judged gains of qid (a contiguous range in the sorted judgments). */
static size_t judged_of(const struct judgments *j, const char *qid, const double **gains,
                        double *scratch, size_t max)
{
    size_t n = 0, lo = 0, hi = j->n;
    while (lo < hi) { /* the first judgment of qid: they are sorted by (qid, doc) */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(j->v[mid].qid, qid) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < j->n && n < max && strcmp(j->v[i].qid, qid) == 0; i++)
        if (j->v[i].gain > 0)
            scratch[n++] = j->v[i].gain;
    *gains = scratch;
    return n;
}

/* ---- runs ------------------------------------------------------------------------------ */

struct ranking {
    char **docs;
    size_t n;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

static ag_err search_query(struct kb *kb, const struct item *q, enum text_lang lang, size_t depth,
                           struct ranking *r, double *ms)
{
    struct arena a;
    arena_init(&a, (size_t)256 << 20);
    struct kb_result res;
    char *text = NULL;
    ag_err rc = AG_OK;
    size_t tl = strlen(q->title), xl = strlen(q->text);
    text = malloc(tl + xl + 2);
    if (!text) {
        arena_release(&a);
        return AG_ENOMEM;
    }
    memcpy(text, q->title, tl);
    text[tl] = ' ';
    memcpy(text + tl + 1, q->text, xl + 1);
    uint64_t t0 = clock_mono_ns();
    struct kb_query kq = {
        .text = text, .len = tl + xl + 1, .lang = lang, .k = depth, .flags = KB_SEARCH_NO_TEXT};
    rc = kb_search_ex(kb, &a, "eval", &kq, &res);
    *ms = (double)(clock_mono_ns() - t0) / 1e6;
    r->docs = calloc(depth ? depth : 1, sizeof(*r->docs));
    r->n = 0;
    /* A document may have several chunks: keep its best. Open addressing on the name. */
    size_t n_slots = 1;
    while (n_slots < 2 * depth + 2)
        n_slots *= 2;
    const char **set = calloc(n_slots, sizeof(*set));
    if (rc == AG_OK && (!r->docs || !set))
        rc = AG_ENOMEM;
    for (size_t i = 0; rc == AG_OK && i < res.n_hits && r->n < depth; i++) {
        const char *d = res.hits[i].doc;
        uint32_t h = 2166136261u;
        for (const char *c = d; *c; c++)
            h = (h ^ (unsigned char)*c) * 16777619u;
        size_t slot = h & (n_slots - 1);
        while (set[slot] && strcmp(set[slot], d) != 0)
            slot = (slot + 1) & (n_slots - 1);
        if (set[slot])
            continue;
        set[slot] = d;
        r->docs[r->n] = strdup(res.hits[i].doc);
        if (!r->docs[r->n])
            rc = AG_ENOMEM;
        else
            r->n++;
    }
    free(set);
    free(text);
    arena_release(&a);
    return rc;
}

static void ranking_free(struct ranking *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->docs[i]);
    free(r->docs);
    r->docs = NULL;
    r->n = 0;
}

struct run_line {
    char *qid, *doc;
    double rank;
};

static int cmp_run_line(const void *a, const void *b)
{
    const struct run_line *x = a, *y = b;
    int c = strcmp(x->qid, y->qid);
    return c ? c : x->rank < y->rank ? -1 : x->rank > y->rank ? 1 : 0;
}

static ag_err load_run(const char *path, struct run_line **out, size_t *n_out, char *why,
                       size_t why_len)
{
    struct buf all;
    ag_err rc = read_all(path, &all, why, why_len);
    const char *p = buf_cstr(&all), *end = p + all.len;
    struct run_line *v = NULL;
    size_t n = 0, cap = 0;
    unsigned line = 0;
    while (rc == AG_OK && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        struct str f[6];
        size_t k = split_ws(p, (size_t)(le - p), f, 6);
        uint64_t rank;
        line++;
        p = eol ? eol + 1 : end;
        if (k == 0)
            continue;
        if (k != 6 || str_to_u64(f[3], &rank) != AG_OK) {
            snprintf(why, why_len, "%s: line %u: expected 'qid Q0 docid rank score tag'", path,
                     line);
            rc = AG_EINVAL;
            break;
        }
        struct run_line *nv = ag_grow(v, &cap, n, sizeof(*v));
        if (!nv) { /* v stays valid and is freed below */
            rc = AG_ENOMEM;
            break;
        }
        v = nv;
        v[n] =
            (struct run_line){norm_id(f[0].p, f[0].len), norm_id(f[2].p, f[2].len), (double)rank};
        if (!v[n].qid || !v[n].doc) {
            free(v[n].qid);
            free(v[n].doc);
            rc = AG_ENOMEM;
            break;
        }
        n++;
    }
    buf_release(&all);
    if (rc == AG_OK && n > 1)
        qsort(v, n, sizeof(*v), cmp_run_line);
    if (rc != AG_OK) {
        for (size_t i = 0; i < n; i++) {
            free(v[i].qid);
            free(v[i].doc);
        }
        free(v);
        return rc;
    }
    *out = v;
    *n_out = n;
    return AG_OK;
}

/* ---- the evaluation ------------------------------------------------------------------- */

static ag_err index_collection(const struct kb_eval_params *p, const struct items *docs,
                               struct kb **kb_out, char *why, size_t why_len)
{
    char path[1024];
    int w = snprintf(path, sizeof(path), "%s/eval-kb.db", p->work_dir);
    if (w < 0 || (size_t)w >= sizeof(path)) {
        snprintf(why, why_len, "work dir path too long");
        return AG_EINVAL;
    }
    struct kb_params kp = kb_default_params();
    kp.default_lang = p->lang;
    kp.engine = p->engine;
    kp.max_chunk_bytes = 16384; /* one chunk per abstract: relevance is judged per document */
    kp.max_chunk_tokens = 0;
    struct kb *kb = NULL;
    ag_err rc = kb_open(path, &kp, true, &kb);
    struct kb_source *src = calloc(docs->n ? docs->n : 1, sizeof(*src));
    struct buf *bodies = calloc(docs->n ? docs->n : 1, sizeof(*bodies));
    if (rc == AG_OK && (!src || !bodies))
        rc = AG_ENOMEM;
    for (size_t i = 0; rc == AG_OK && i < docs->n; i++) {
        buf_init(&bodies[i], (size_t)1 << 24);
        /* As Markdown: the title is the document's title field, the text its body. */
        rc = buf_append_str(&bodies[i], "# ");
        rc = rc ? rc : buf_append_str(&bodies[i], docs->v[i].title[0] ? docs->v[i].title : "-");
        rc = rc ? rc : buf_append_str(&bodies[i], "\n\n");
        rc = rc ? rc : buf_append_str(&bodies[i], docs->v[i].text);
        rc = rc ? rc : buf_append_str(&bodies[i], "\n");
        /* A collection has one language: no per-document guessing. */
        src[i] =
            (struct kb_source){docs->v[i].id, KB_FMT_MARKDOWN, bodies[i].p, bodies[i].len, p->lang};
    }
    struct kb_ingest_stats st;
    if (rc == AG_OK)
        rc = kb_ingest_sources(kb, "eval", src, docs->n, false, NULL, NULL, &st, why, why_len);
    for (size_t i = 0; bodies && i < docs->n; i++)
        buf_release(&bodies[i]);
    free(bodies);
    free(src);
    if (rc != AG_OK) {
        if (!why[0])
            snprintf(why, why_len, "indexing failed: %s", ag_strerror(rc));
        kb_close(kb);
        return rc;
    }
    *kb_out = kb;
    return AG_OK;
}

ag_err kb_eval_retrieval(const struct kb_eval_params *p, struct kb_eval_result *out, char *why,
                         size_t why_len)
{
    struct items docs = {0}, queries = {0};
    struct judgments qrels = {0};
    struct run_line *run = NULL;
    size_t n_run = 0;
    struct kb *kb = NULL;
    FILE *run_out = NULL;
    double *lat = NULL, *ranked = NULL, *scratch = NULL;
    memset(out, 0, sizeof(*out));
    why[0] = '\0';
    ag_err rc = AG_OK;
    if (!p->score_run)
        rc = p->format == KB_EVAL_TREC ? load_trec_docs(p->docs, &docs, why, why_len)
                                       : load_smart(p->docs, &docs, why, why_len);
    if (rc == AG_OK)
        rc = p->format == KB_EVAL_TREC ? load_tsv_queries(p->queries, &queries, why, why_len)
                                       : load_smart(p->queries, &queries, why, why_len);
    if (rc == AG_OK)
        rc = load_qrels(p->qrels, p->format, &qrels, why, why_len);
    /* Cranfield's qrels number queries 1..225 by position, not by their .I id. */
    for (size_t i = 0; rc == AG_OK && p->format == KB_EVAL_CRANFIELD && i < queries.n; i++) {
        char pos[24];
        snprintf(pos, sizeof(pos), "%zu", i + 1);
        free(queries.v[i].id);
        queries.v[i].id = strdup(pos);
        if (!queries.v[i].id)
            rc = AG_ENOMEM;
    }
    if (rc == AG_OK && p->score_run)
        rc = load_run(p->score_run, &run, &n_run, why, why_len);
    if (rc == AG_OK && !p->score_run) {
        /* Indexing time covers ingestion (parse, store) and building the search index. */
        uint64_t t0 = clock_mono_ns();
        rc = index_collection(p, &docs, &kb, why, why_len);
        uint64_t t1 = clock_mono_ns();
        rc = rc ? rc : kb_warm(kb, "eval");
#ifdef __GLIBC__
        /* Indexing freed many small blocks (the parsed corpus among them): malloc sorts
         * them out now, inside the indexing time, not in the first timed question. */
        malloc_trim(0);
#endif
        uint64_t t2 = clock_mono_ns();
        out->ingest_s = (double)(t1 - t0) / 1e9;
        out->build_s = (double)(t2 - t1) / 1e9;
        out->index_s = out->ingest_s + out->build_s;
        for (size_t i = 0; i < docs.n; i++)
            out->text_bytes += strlen(docs.v[i].title) + strlen(docs.v[i].text);
    }
    if (rc == AG_OK && p->run_out && !(run_out = fopen(p->run_out, "w"))) {
        int e = errno;
        snprintf(why, why_len, "%s: %s", p->run_out, strerror(e));
        rc = AG_EIO;
    }
    size_t depth = p->depth ? p->depth : 1000;
    lat = calloc(queries.n ? queries.n : 1, sizeof(*lat));
    ranked = calloc(depth, sizeof(*ranked));
    scratch = calloc(qrels.n ? qrels.n : 1, sizeof(*scratch));
    if (rc == AG_OK && (!lat || !ranked || !scratch))
        rc = AG_ENOMEM;
    out->n_docs = docs.n;
    struct kb_eval_metrics sum = {0, 0, 0, 0};
    size_t n_lat = 0;
    for (size_t qi = 0; rc == AG_OK && qi < queries.n; qi++) {
        const struct item *q = &queries.v[qi];
        const double *judged;
        size_t n_judged = judged_of(&qrels, q->id, &judged, scratch, qrels.n);
        if (n_judged == 0)
            continue; /* unjudged queries are not scored (CISI has 36 of them) */
        struct ranking r = {NULL, 0};
        if (p->score_run) {
            r.docs = calloc(depth, sizeof(*r.docs));
            if (!r.docs) {
                rc = AG_ENOMEM;
                break;
            }
            for (size_t i = 0; i < n_run && r.n < depth; i++)
                if (strcmp(run[i].qid, q->id) == 0)
                    r.docs[r.n++] = strdup(run[i].doc);
        } else {
            rc = search_query(kb, q, p->lang, depth, &r, &lat[n_lat++]);
        }
        for (size_t i = 0; rc == AG_OK && i < r.n; i++) {
            if (!r.docs[i]) {
                rc = AG_ENOMEM;
                break;
            }
            ranked[i] = gain_of(&qrels, q->id, r.docs[i]);
            if (run_out)
                fprintf(run_out, "%s Q0 %s %zu %.6f agentgate\n", q->id, r.docs[i], i + 1,
                        (double)(r.n - i));
        }
        if (rc == AG_OK) {
            struct kb_eval_metrics m;
            kb_eval_score(ranked, r.n, judged, n_judged, &m);
            sum.ndcg10 += m.ndcg10;
            sum.ap += m.ap;
            sum.recall100 += m.recall100;
            sum.rr += m.rr;
            out->n_queries++;
        }
        ranking_free(&r);
    }
    if (rc == AG_OK && out->n_queries) {
        double n = (double)out->n_queries;
        out->mean =
            (struct kb_eval_metrics){sum.ndcg10 / n, sum.ap / n, sum.recall100 / n, sum.rr / n};
    }
    if (rc == AG_OK && n_lat) {
        qsort(lat, n_lat, sizeof(*lat), cmp_double);
        out->p50_ms = lat[(n_lat - 1) / 2];
        out->p99_ms = lat[(size_t)ceil(0.99 * (double)n_lat) - 1];
    }
    if (rc != AG_OK && !why[0])
        snprintf(why, why_len, "%s", ag_strerror(rc));
    if (run_out && fclose(run_out) != 0 && rc == AG_OK) {
        snprintf(why, why_len, "%s: write failed", p->run_out);
        rc = AG_EIO;
    }
    for (size_t i = 0; i < n_run; i++) {
        free(run[i].qid);
        free(run[i].doc);
    }
    free(run);
    free(lat);
    free(ranked);
    free(scratch);
    kb_close(kb);
    items_free(&docs);
    items_free(&queries);
    judgments_free(&qrels);
    return rc;
}
