// SPDX-License-Identifier: MIT
/*
 * kb/kb.c: storage, ingestion and search of the knowledge base.
 * Schema: docs (one row per ingested file and tenant, with its content hash), chunks
 * (title, heading path, body, language), chunks_fts (FTS5, unicode61 tokenizer with
 * diacritics removed), products (structured catalogue rows) and meta (the KB version).
 * A question is analysed into Snowball stems (text/), which become FTS5 prefix terms so
 * that "Versand" also finds "Versandkosten"; BM25 ranks with title and heading weighted
 * above the body, and chunks in the question's language are preferred.
 * THREADS: searches use pooled read connections; ingestion its own write connection,
 * with a second thread that reads and parses the files ahead when two processors are
 * there to run it.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "kb/kb_internal.h"
#include "store/store.h"

#define KB_CANDIDATES        50  /* BM25 candidates reranked by language */
#define KB_OTHER_LANG_FACTOR 0.6 /* score factor for chunks in the other language */
#define KB_MAX_QUERY_TERMS   32
#define KB_PREFIX_MIN        5 /* stems this long also match longer words (compounds) */

struct tenant_index {
    char tenant[64];
    struct kb_index *ix;
};

/* THREADS: cache and n_cache are guarded by mu; build_mu serialises index builds so that
 * concurrent first searches build once. Lock order: build_mu before mu. */
struct kb {
    char *path;
    struct kb_params params;
    struct store_pool *readers;
    pthread_mutex_t mu, build_mu;
    struct tenant_index *cache;
    size_t n_cache;
    struct kb_synonyms *synonyms; /* set before searches start; read-only afterwards */
    /* The KB version as last read from the database, and when: a search re-reads it at
     * most every KB_VERSION_TTL_NS, so another process's ingest shows within that time;
     * this process's own writes bump gen, which makes the next search read it at once. */
    int64_t seen_version;
    uint64_t seen_ns, seen_gen, gen; /* guarded by mu */
};

#define KB_VERSION_TTL_NS (100ull * 1000 * 1000)

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta VALUES('version', 0);"
    "CREATE TABLE IF NOT EXISTS docs(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL,"
    " path TEXT NOT NULL, title TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE(tenant, path));"
    "CREATE TABLE IF NOT EXISTS chunks(id INTEGER PRIMARY KEY,"
    " doc_id INTEGER NOT NULL REFERENCES docs(id) ON DELETE CASCADE,"
    " tenant TEXT NOT NULL, ord INTEGER NOT NULL, title TEXT NOT NULL, heading TEXT NOT NULL,"
    " body TEXT NOT NULL, lang TEXT NOT NULL, sku TEXT);"
    "CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);"
    "CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(tenant UNINDEXED, title, heading,"
    " body, tokenize='unicode61 remove_diacritics 2');"
    "CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'row');"
    "CREATE TABLE IF NOT EXISTS products(tenant TEXT NOT NULL, sku TEXT NOT NULL,"
    " name TEXT NOT NULL, price REAL NOT NULL, currency TEXT NOT NULL, stock INTEGER NOT NULL,"
    " category TEXT NOT NULL, doc_id INTEGER NOT NULL REFERENCES docs(id) ON DELETE CASCADE,"
    " url TEXT, PRIMARY KEY(tenant, sku));"
    "CREATE TABLE IF NOT EXISTS chunk_vecs(chunk_id INTEGER PRIMARY KEY"
    " REFERENCES chunks(id) ON DELETE CASCADE, model TEXT NOT NULL, vec BLOB NOT NULL);";

struct kb_params kb_default_params(void)
{
    return (struct kb_params){
        .max_chunk_bytes = 1200,
        .max_chunk_tokens = 200,
        .max_file_bytes = (size_t)64 << 20,
        .default_lang = TEXT_LANG_DE,
        .catalog = {.sku = "sku",
                    .name = "name",
                    .price = "price_eur",
                    .currency = "currency",
                    .stock = "stock",
                    .category = "category",
                    .url = "url",
                    .default_currency = "EUR",
                    .descriptions = "description_de:de,description_en:en,description"},
    };
}

/* Bring a KB written by an older agentgate up to the current schema. */
static ag_err migrate(struct store_db *db)
{
    struct store_stmt *st = NULL;
    bool row = false;
    ag_err rc =
        store_prepare(db, "SELECT count(*) FROM pragma_table_info('chunks') WHERE name='sku'", &st);
    rc = rc ? rc : store_step(st, &row);
    bool has_sku = rc == AG_OK && row && store_col_int64(st, 0) == 1;
    store_finalize(st);
    if (rc == AG_OK && !has_sku) /* before 2026-11: chunks had no product link */
        rc = store_exec(db, "ALTER TABLE chunks ADD COLUMN sku TEXT");
    st = NULL;
    rc = rc ? rc
            : store_prepare(
                  db, "SELECT count(*) FROM pragma_table_info('products') WHERE name='url'", &st);
    rc = rc ? rc : store_step(st, &row);
    bool has_url = rc == AG_OK && row && store_col_int64(st, 0) == 1;
    store_finalize(st);
    if (rc == AG_OK && !has_url) /* before 2026-11: products had no page address */
        rc = store_exec(db, "ALTER TABLE products ADD COLUMN url TEXT");
    return rc;
}

ag_err kb_open(const char *path, const struct kb_params *params, bool create, struct kb **out)
{
    struct kb *kb = calloc(1, sizeof(*kb));
    ag_err rc = AG_ENOMEM;
    struct store_db *db = NULL;
    if (!kb || !(kb->path = strdup(path)))
        goto fail;
    kb->params = *params;
    pthread_mutex_init(&kb->mu, NULL);
    pthread_mutex_init(&kb->build_mu, NULL);
    rc = store_open(path, create ? STORE_CREATE : 0, &db);
    if (rc != AG_OK)
        goto fail;
    /* The schema is created (or checked) by the writer; readers then only read. */
    rc = store_exec(db, schema);
    if (rc == AG_OK)
        rc = migrate(db);
    if (rc != AG_OK)
        goto fail;
    store_close(db);
    db = NULL;
    rc = store_pool_create(path, STORE_READONLY, 16, &kb->readers);
    if (rc != AG_OK)
        goto fail;
    *out = kb;
    return AG_OK;
fail:
    store_close(db);
    kb_close(kb);
    return rc;
}

void kb_close(struct kb *kb)
{
    if (!kb)
        return;
    store_pool_destroy(kb->readers);
    for (size_t i = 0; i < kb->n_cache; i++)
        kb_index_release(kb->cache[i].ix);
    kb_synonyms_free(kb->synonyms);
    free(kb->cache);
    if (kb->path) { /* the mutexes were initialised together with the path */
        pthread_mutex_destroy(&kb->mu);
        pthread_mutex_destroy(&kb->build_mu);
    }
    free(kb->path);
    free(kb);
}

/* ---- ingestion ------------------------------------------------------------------------ */

struct file_entry {
    char *path; /* on disk */
    char *name; /* document id: relative to the ingested folder, or the base name */
    const struct kb_source *src; /* in-memory content instead of the file, or NULL */
};

struct file_list {
    struct file_entry *v;
    size_t n, cap;
};

static ag_err list_add(struct file_list *l, const char *path, const char *name)
{
    struct file_entry *v = ag_grow(l->v, &l->cap, l->n, sizeof(*v));
    if (!v)
        return AG_ENOMEM;
    l->v = v;
    struct file_entry *e = &l->v[l->n];
    e->path = strdup(path);
    e->name = strdup(name);
    e->src = NULL;
    if (!e->path || !e->name) {
        free(e->path);
        free(e->name);
        return AG_ENOMEM;
    }
    l->n++;
    return AG_OK;
}

static void list_free(struct file_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].name);
    }
    free(l->v);
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct file_entry *)a)->name, ((const struct file_entry *)b)->name);
}

/* Collect supported files under dir. README files describe a folder and are skipped. */
static ag_err walk(struct file_list *l, const char *dir, const char *rel, unsigned depth, char *why,
                   size_t why_len)
{
    if (depth > 32) {
        snprintf(why, why_len, "%s: folders nested too deep", dir);
        return AG_EINVAL;
    }
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        snprintf(why, why_len, "%s: %s", dir, strerror(e));
        return AG_EIO;
    }
    ag_err rc = AG_OK;
    struct dirent *de;
    char path[4096], name[4096];
    while (rc == AG_OK && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        int w1 = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        int w2 = snprintf(name, sizeof(name), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        if (w1 < 0 || (size_t)w1 >= sizeof(path) || w2 < 0 || (size_t)w2 >= sizeof(name)) {
            snprintf(why, why_len, "%s: path too long", dir);
            rc = AG_EINVAL;
            break;
        }
        struct stat st;
        if (stat(path, &st) != 0)
            continue; /* vanished or a dangling link */
        enum kb_format fmt;
        if (S_ISDIR(st.st_mode))
            rc = walk(l, path, name, depth + 1, why, why_len);
        else if (S_ISREG(st.st_mode) && kb_format_for(de->d_name, &fmt) == AG_OK &&
                 strncmp(de->d_name, "README", 6) != 0)
            rc = list_add(l, path, name);
    }
    closedir(d);
    return rc;
}

struct known_doc {
    char *path;
    int64_t id;
    char hash[2 * CRYPTO_SHA256_LEN + 1];
};

struct ingest {
    bool fts; /* also fill the FTS5 table (only the FTS5 engine reads it) */
    struct store_db *db;
    struct store_stmt *ins_chunk, *ins_fts, *ins_product;
    struct store_stmt *ins_doc, *set_title; /* prepared once per run */
    /* The tenant's documents before this run, by path (the files come in that order too,
     * so one index walks both): one read instead of one look-up per file. */
    struct known_doc *known;
    size_t n_known;
    const char *tenant;
    int64_t doc_id;
    int ord;
    unsigned chunks, products;
    enum text_lang doc_lang, default_lang;
    unsigned bad_line; /* the line of the product the database refused, 0 none */
};

/* The tenant's documents (path, id, content hash), sorted by path as strcmp orders. */
static ag_err load_known(struct store_db *db, const char *tenant, struct known_doc **out,
                         size_t *n_out)
{
    struct store_stmt *st = NULL;
    struct known_doc *v = NULL;
    size_t n = 0, cap = 0;
    bool row = false;
    ag_err rc = store_prepare(db,
                              "SELECT path, id, hash FROM docs WHERE tenant=?1"
                              " ORDER BY path COLLATE BINARY",
                              &st);
    rc = rc ? rc : store_bind_text(st, 1, tenant, strlen(tenant));
    while (rc == AG_OK && (rc = store_step(st, &row)) == AG_OK && row) {
        struct str path = store_col_text(st, 0), hash = store_col_text(st, 2);
        struct known_doc *nv = ag_grow(v, &cap, n, sizeof(*v));
        if (!nv) {
            rc = AG_ENOMEM;
            break;
        }
        v = nv;
        struct known_doc *k = &v[n];
        if (!(k->path = strndup(path.p, path.len))) {
            rc = AG_ENOMEM;
            break;
        }
        n++;
        k->id = store_col_int64(st, 1);
        size_t hl = hash.len < sizeof(k->hash) - 1 ? hash.len : sizeof(k->hash) - 1;
        memcpy(k->hash, hash.p, hl);
        k->hash[hl] = '\0';
    }
    store_finalize(st);
    *out = v;
    *n_out = n;
    return rc;
}

static ag_err sink_chunk(void *ctx, const struct kb_chunk *c)
{
    struct ingest *in = ctx;
    enum text_lang lang = c->lang != TEXT_LANG_UNKNOWN ? c->lang : in->doc_lang;
    const char *lc = text_lang_code(lang);
    struct store_stmt *s = in->set_title;
    bool row;
    ag_err rc = AG_OK;
    if (in->ord == 0) { /* the document's title is its first chunk's (H1 or file name) */
        rc = store_bind_int64(s, 1, in->doc_id);
        rc = rc ? rc : store_bind_text(s, 2, c->title, c->title_len);
        rc = rc ? rc : store_step(s, &row);
        store_reset(s);
    }
    s = in->ins_chunk;
    rc = rc ? rc : store_bind_int64(s, 1, in->doc_id);
    rc = rc ? rc : store_bind_text(s, 2, in->tenant, strlen(in->tenant));
    rc = rc ? rc : store_bind_int64(s, 3, in->ord++);
    rc = rc ? rc : store_bind_text(s, 4, c->title, c->title_len);
    rc = rc ? rc : store_bind_text(s, 5, c->heading, c->heading_len);
    rc = rc ? rc : store_bind_text(s, 6, c->body, c->body_len);
    rc = rc ? rc : store_bind_text(s, 7, lc, strlen(lc));
    rc = rc ? rc : c->sku ? store_bind_text(s, 8, c->sku, strlen(c->sku)) : store_bind_null(s, 8);
    rc = rc ? rc : store_step(s, &row);
    store_reset(s);
    if (rc != AG_OK || !in->fts) {
        in->chunks += rc == AG_OK;
        return rc;
    }
    s = in->ins_fts;
    rc = store_bind_int64(s, 1, store_last_rowid(in->db));
    rc = rc ? rc : store_bind_text(s, 2, in->tenant, strlen(in->tenant));
    rc = rc ? rc : store_bind_text(s, 3, c->title, c->title_len);
    rc = rc ? rc : store_bind_text(s, 4, c->heading, c->heading_len);
    rc = rc ? rc : store_bind_text(s, 5, c->body, c->body_len);
    rc = rc ? rc : store_step(s, &row);
    store_reset(s);
    in->chunks++;
    return rc;
}

static ag_err sink_product(void *ctx, const struct kb_product *p)
{
    struct ingest *in = ctx;
    struct store_stmt *s = in->ins_product;
    ag_err rc = store_bind_text(s, 1, in->tenant, strlen(in->tenant));
    rc = rc ? rc : store_bind_text(s, 2, p->sku, strlen(p->sku));
    rc = rc ? rc : store_bind_text(s, 3, p->name, strlen(p->name));
    rc = rc ? rc : store_bind_double(s, 4, p->price);
    rc = rc ? rc : store_bind_text(s, 5, p->currency, strlen(p->currency));
    rc = rc ? rc : store_bind_int64(s, 6, p->stock);
    rc = rc ? rc : store_bind_text(s, 7, p->category, strlen(p->category));
    rc = rc ? rc : store_bind_int64(s, 8, in->doc_id);
    rc = rc ? rc : p->url ? store_bind_text(s, 9, p->url, strlen(p->url)) : store_bind_null(s, 9);
    bool row;
    rc = rc ? rc : store_step(s, &row);
    store_reset(s);
    in->products++;
    return rc;
}

/* Remove a document's chunks from the FTS index (chunks and products cascade). */
static ag_err delete_doc(struct store_db *db, int64_t doc_id)
{
    struct store_stmt *st = NULL;
    bool row;
    ag_err rc = store_prepare(
        db, "DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE doc_id=?1)", &st);
    rc = rc ? rc : store_bind_int64(st, 1, doc_id);
    rc = rc ? rc : store_step(st, &row);
    store_finalize(st);
    st = NULL;
    rc = rc ? rc : store_prepare(db, "DELETE FROM docs WHERE id=?1", &st);
    rc = rc ? rc : store_bind_int64(st, 1, doc_id);
    rc = rc ? rc : store_step(st, &row);
    store_finalize(st);
    return rc;
}

/* Ingest one file: unchanged (same hash) files are skipped. *changed reports a change. */
/* ---- ingestion in two stages -----------------------------------------------------------
 * A preparing thread reads, hashes and parses the files ahead (each into the list of
 * chunks and products it yields, in order); the calling thread stores them in the one
 * transaction, in file order. Nothing of the database is touched by the preparing
 * thread; an error in either stage stops both, and the transaction is rolled back. */

#define PREP_AHEAD 64                 /* files prepared ahead of the storing */
#define PREP_BYTES ((size_t)64 << 20) /* ... and at most this much of their data */
#define NO_STR     SIZE_MAX

/* One chunk or product of a prepared file; strings as offsets into its data. */
struct event {
    bool product;
    size_t str[5]; /* chunk: title, heading, body, sku; product: sku, name, category,
                    * currency, url (NO_STR: none) */
    size_t len[3]; /* chunk: title, heading and body lengths */
    enum text_lang lang;
    double price;
    int64_t stock;
    unsigned line; /* product: where its record starts */
};

struct prepared {
    ag_err rc;
    char why[512];
    bool unchanged;
    int64_t old_id; /* the stored version of the document, 0 when new */
    char hash[2 * CRYPTO_SHA256_LEN + 1];
    enum text_lang lang;
    struct buf data; /* the events' strings, each NUL-terminated */
    struct event *ev;
    size_t n_ev, cap_ev;
};

static ag_err put_str(struct prepared *p, const char *s, size_t n, size_t *off)
{
    if (!s) {
        *off = NO_STR;
        return AG_OK;
    }
    *off = p->data.len;
    ag_err rc = buf_append(&p->data, s, n);
    return rc ? rc : buf_putc(&p->data, '\0');
}

static struct event *new_event(struct prepared *p)
{
    struct event *v = ag_grow(p->ev, &p->cap_ev, p->n_ev, sizeof(*v));
    if (!v)
        return NULL;
    p->ev = v;
    return &p->ev[p->n_ev++];
}

static ag_err collect_chunk(void *ctx, const struct kb_chunk *c)
{
    struct prepared *p = ctx;
    struct event *e = new_event(p);
    if (!e)
        return AG_ENOMEM;
    *e = (struct event){.product = false, .lang = c->lang};
    e->len[0] = c->title_len;
    e->len[1] = c->heading_len;
    e->len[2] = c->body_len;
    ag_err rc = put_str(p, c->title, c->title_len, &e->str[0]);
    rc = rc ? rc : put_str(p, c->heading, c->heading_len, &e->str[1]);
    rc = rc ? rc : put_str(p, c->body, c->body_len, &e->str[2]);
    rc = rc ? rc : put_str(p, c->sku, c->sku ? strlen(c->sku) : 0, &e->str[3]);
    e->str[4] = NO_STR;
    return rc;
}

static ag_err collect_product(void *ctx, const struct kb_product *pr)
{
    struct prepared *p = ctx;
    struct event *e = new_event(p);
    if (!e)
        return AG_ENOMEM;
    *e = (struct event){.product = true, .price = pr->price, .stock = pr->stock, .line = pr->line};
    const char *v[5] = {pr->sku, pr->name, pr->category, pr->currency, pr->url};
    ag_err rc = AG_OK;
    for (int k = 0; k < 5 && rc == AG_OK; k++)
        rc = put_str(p, v[k], v[k] ? strlen(v[k]) : 0, &e->str[k]);
    return rc;
}

/* Read and hash file fe into p and *content (no database access); known (sorted by
 * path) and *next_known find its stored version. false when there is nothing to parse:
 * an error (p->rc) or an unchanged file. */
static bool prepare_read(const struct kb *kb, const struct file_entry *fe,
                         const struct known_doc *known, size_t n_known, size_t *next_known,
                         struct prepared *p, struct buf *content, enum kb_format *fmt)
{
    p->rc = AG_OK;
    p->why[0] = '\0';
    p->unchanged = false;
    p->old_id = 0;
    p->n_ev = 0;
    buf_reset(&p->data);
    buf_init(content, kb->params.max_file_bytes);
    if (fe->src) {
        *fmt = fe->src->fmt;
        p->rc = buf_append(content, fe->src->content, fe->src->len);
        if (p->rc != AG_OK)
            snprintf(p->why, sizeof(p->why), "%s: %s", fe->name, ag_strerror(p->rc));
    } else if (kb_format_for(fe->path, fmt) != AG_OK) {
        snprintf(p->why, sizeof(p->why),
                 "%s: unsupported file type (use .md, .markdown, .txt, .csv, .jsonl or .html)",
                 fe->path);
        p->rc = AG_EINVAL;
    } else {
        p->rc = buf_read_file(fe->path, kb->params.max_file_bytes, content, p->why, sizeof(p->why));
    }
    if (p->rc != AG_OK)
        return false;
    uint8_t digest[CRYPTO_SHA256_LEN];
    crypto_sha256(buf_cstr(content), content->len, digest);
    crypto_hex(digest, sizeof(digest), p->hash);
    while (*next_known < n_known && strcmp(known[*next_known].path, fe->name) < 0)
        (*next_known)++;
    if (*next_known < n_known && strcmp(known[*next_known].path, fe->name) == 0) {
        if (strcmp(known[*next_known].hash, p->hash) == 0) {
            p->unchanged = true;
            return false;
        }
        p->old_id = known[*next_known].id;
    }
    p->lang = fe->src && fe->src->lang != TEXT_LANG_UNKNOWN
                  ? fe->src->lang
                  : text_detect_lang(buf_cstr(content), content->len, kb->params.default_lang);
    return true;
}

/* Parse content into sink; an error names the file and line in p->why. */
static void prepare_parse(const struct kb *kb, const struct file_entry *fe, enum kb_format fmt,
                          const struct buf *content, const struct kb_sink *sink, struct prepared *p)
{
    char reason[256] = "";
    p->rc = kb_parse(fmt, fe->name, buf_cstr(content), content->len, &kb->params, sink, reason,
                     sizeof(reason));
    if (p->rc != AG_OK)
        snprintf(p->why, sizeof(p->why), "%s: %s", fe->path,
                 reason[0] ? reason : ag_strerror(p->rc));
}

/* Read, hash and parse file fe into p, for store_file() (no database access). */
static void prepare_file(const struct kb *kb, const struct file_entry *fe,
                         const struct known_doc *known, size_t n_known, size_t *next_known,
                         struct prepared *p)
{
    struct buf content;
    enum kb_format fmt = KB_FMT_TEXT;
    if (prepare_read(kb, fe, known, n_known, next_known, p, &content, &fmt)) {
        struct kb_sink sink = {collect_chunk, collect_product, p};
        prepare_parse(kb, fe, fmt, &content, &sink, p);
    }
    buf_release(&content);
}

/* The document row of file fe (its old version and chunks gone), chunks to follow. */
static ag_err start_doc(struct ingest *in, const struct file_entry *fe, const struct prepared *p,
                        char *why, size_t why_len)
{
    bool row = false;
    ag_err rc = p->old_id ? delete_doc(in->db, p->old_id) : AG_OK;
    struct store_stmt *st = in->ins_doc;
    rc = rc ? rc : store_bind_text(st, 1, in->tenant, strlen(in->tenant));
    rc = rc ? rc : store_bind_text(st, 2, fe->name, strlen(fe->name));
    rc = rc ? rc : store_bind_text(st, 3, p->hash, strlen(p->hash));
    rc = rc ? rc : store_step(st, &row);
    store_reset(st);
    if (rc != AG_OK) {
        snprintf(why, why_len, "%s: storage error", fe->path);
        return rc;
    }
    in->doc_id = store_last_rowid(in->db);
    in->ord = 0;
    in->doc_lang = p->lang;
    in->bad_line = 0;
    return AG_OK;
}

/* The storing sink's product, noting the record's line when the database refuses it. */
static ag_err sink_product_noted(void *ctx, const struct kb_product *pr)
{
    struct ingest *in = ctx;
    ag_err rc = sink_product(in, pr);
    if (rc != AG_OK)
        in->bad_line = pr->line;
    return rc;
}

/* One file on this thread alone: read, then parse straight into the database. */
static ag_err store_file_direct(const struct kb *kb, struct ingest *in, const struct file_entry *fe,
                                size_t *next_known, struct kb_ingest_stats *stats, char *why,
                                size_t why_len)
{
    struct prepared prep = {.rc = AG_OK}, *p = &prep;
    struct buf content;
    enum kb_format fmt = KB_FMT_TEXT;
    bool parse = prepare_read(kb, fe, in->known, in->n_known, next_known, p, &content, &fmt);
    ag_err rc = p->rc;
    if (rc != AG_OK)
        snprintf(why, why_len, "%s", p->why);
    else if (!parse)
        stats->unchanged++;
    else if ((rc = start_doc(in, fe, p, why, why_len)) == AG_OK) {
        struct kb_sink sink = {sink_chunk, sink_product_noted, in};
        prepare_parse(kb, fe, fmt, &content, &sink, p);
        rc = p->rc;
        if (rc == AG_EDB && in->bad_line)
            snprintf(why, why_len, "%s: line %u: storage error (a SKU may appear twice)", fe->path,
                     in->bad_line);
        else if (rc != AG_OK)
            snprintf(why, why_len, "%s", p->why);
        else if (p->old_id)
            stats->updated++;
        else
            stats->added++;
    }
    buf_release(&content);
    return rc;
}

/* Store prepared file p (named fe) in the ingest's transaction. */
static ag_err store_file(struct ingest *in, const struct file_entry *fe, const struct prepared *p,
                         struct kb_ingest_stats *stats, char *why, size_t why_len)
{
    if (p->rc != AG_OK) {
        snprintf(why, why_len, "%s", p->why);
        return p->rc;
    }
    if (p->unchanged) {
        stats->unchanged++;
        return AG_OK;
    }
    ag_err rc = start_doc(in, fe, p, why, why_len);
    if (rc != AG_OK)
        return rc;
    const char *d = p->data.p;
    for (size_t i = 0; i < p->n_ev && rc == AG_OK; i++) {
        const struct event *e = &p->ev[i];
        if (e->product) {
            const char *v[5];
            for (int k = 0; k < 5; k++)
                v[k] = e->str[k] == NO_STR ? NULL : d + e->str[k];
            struct kb_product pr = {.sku = v[0],
                                    .name = v[1],
                                    .category = v[2],
                                    .currency = v[3],
                                    .url = v[4],
                                    .price = e->price,
                                    .stock = e->stock};
            rc = sink_product(in, &pr);
            if (rc != AG_OK) {
                snprintf(why, why_len, "%s: line %u: %s", fe->path, e->line,
                         rc == AG_EDB ? "storage error (a SKU may appear twice)" : ag_strerror(rc));
                return rc;
            }
        } else {
            struct kb_chunk c = {.title = d + e->str[0],
                                 .title_len = e->len[0],
                                 .heading = d + e->str[1],
                                 .heading_len = e->len[1],
                                 .body = d + e->str[2],
                                 .body_len = e->len[2],
                                 .lang = e->lang,
                                 .sku = e->str[3] == NO_STR ? NULL : d + e->str[3]};
            rc = sink_chunk(in, &c);
        }
    }
    if (rc != AG_OK) {
        snprintf(why, why_len, "%s: storage error", fe->path);
        return rc;
    }
    if (p->old_id)
        stats->updated++;
    else
        stats->added++;
    return AG_OK;
}

struct pipeline {
    const struct kb *kb;
    const struct file_list *files;
    const struct known_doc *known;
    size_t n_known;
    struct prepared slot[PREP_AHEAD];
    size_t produced, consumed, bytes; /* bytes: data of the prepared, not yet stored */
    bool stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void *prepare_thread(void *arg)
{
    struct pipeline *pl = arg;
    size_t next_known = 0;
    for (size_t i = 0; i < pl->files->n; i++) {
        pthread_mutex_lock(&pl->mu);
        while (!pl->stop && (pl->produced - pl->consumed == PREP_AHEAD ||
                             (pl->produced > pl->consumed && pl->bytes > PREP_BYTES)))
            pthread_cond_wait(&pl->cv, &pl->mu);
        bool stop = pl->stop;
        pthread_mutex_unlock(&pl->mu);
        if (stop)
            break;
        struct prepared *p = &pl->slot[i % PREP_AHEAD];
        prepare_file(pl->kb, &pl->files->v[i], pl->known, pl->n_known, &next_known, p);
        pthread_mutex_lock(&pl->mu);
        pl->produced++;
        pl->bytes += p->data.len;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
        if (p->rc != AG_OK)
            break; /* the storing stops at this file */
    }
    return NULL;
}

/* Processors this process may run on. */
static long usable_cpus(void)
{
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        return CPU_COUNT(&set);
#endif
    return sysconf(_SC_NPROCESSORS_ONLN);
}

/* Prepare and store every file of the list: on two threads when the process may use two
 * processors and there are several files, else each file straight into the database. */
static ag_err store_files(struct kb *kb, struct ingest *in, const struct file_list *files,
                          kb_progress_cb progress, void *progress_ctx,
                          struct kb_ingest_stats *stats, char *why, size_t why_len)
{
    struct pipeline *pl = calloc(1, sizeof(*pl));
    if (!pl)
        return AG_ENOMEM;
    *pl = (struct pipeline){.kb = kb, .files = files, .known = in->known, .n_known = in->n_known};
    for (size_t k = 0; k < PREP_AHEAD; k++)
        buf_init(&pl->slot[k].data, SIZE_MAX / 2);
    pthread_mutex_init(&pl->mu, NULL);
    pthread_cond_init(&pl->cv, NULL);
    pthread_t th;
    unsigned want = kb->params.ingest_threads;
    bool threaded = files->n > 1 && want != 1 && (want == 2 || usable_cpus() > 1) &&
                    pthread_create(&th, NULL, prepare_thread, pl) == 0;
    size_t next_known = 0;
    ag_err rc = AG_OK;
    for (size_t i = 0; i < files->n && rc == AG_OK; i++) {
        struct prepared *p = &pl->slot[i % PREP_AHEAD];
        if (threaded) {
            pthread_mutex_lock(&pl->mu);
            while (pl->produced <= i)
                pthread_cond_wait(&pl->cv, &pl->mu);
            pthread_mutex_unlock(&pl->mu);
            rc = store_file(in, &files->v[i], p, stats, why, why_len);
        } else { /* one processor: no copies, no hand-over */
            rc = store_file_direct(kb, in, &files->v[i], &next_known, stats, why, why_len);
        }
        stats->files++;
        if (progress)
            progress(progress_ctx, i + 1, files->n, files->v[i].name);
        pthread_mutex_lock(&pl->mu);
        pl->consumed++;
        pl->bytes -= threaded ? p->data.len : 0;
        pl->stop = rc != AG_OK;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
    }
    if (threaded)
        pthread_join(th, NULL);
    for (size_t k = 0; k < PREP_AHEAD; k++) {
        buf_release(&pl->slot[k].data);
        free(pl->slot[k].ev);
    }
    pthread_mutex_destroy(&pl->mu);
    pthread_cond_destroy(&pl->cv);
    free(pl);
    return rc;
}

static ag_err prune_missing(struct store_db *db, const char *tenant, const struct file_list *files,
                            struct kb_ingest_stats *stats)
{
    struct store_stmt *st = NULL;
    ag_err rc = store_prepare(db, "SELECT id, path FROM docs WHERE tenant=?1", &st);
    rc = rc ? rc : store_bind_text(st, 1, tenant, strlen(tenant));
    int64_t *gone = NULL;
    size_t n_gone = 0, cap = 0;
    bool row = false;
    while (rc == AG_OK && (rc = store_step(st, &row)) == AG_OK && row) {
        struct str path = store_col_text(st, 1);
        bool found = false;
        for (size_t i = 0; i < files->n && !found; i++)
            found = str_eq_cstr(path, files->v[i].name);
        if (found)
            continue;
        if (n_gone == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *g = realloc(gone, cap * sizeof(*g));
            if (!g) {
                rc = AG_ENOMEM;
                break;
            }
            gone = g;
        }
        gone[n_gone++] = store_col_int64(st, 0);
    }
    store_finalize(st);
    for (size_t i = 0; i < n_gone && rc == AG_OK; i++) {
        rc = delete_doc(db, gone[i]);
        stats->removed++;
    }
    free(gone);
    return rc;
}

static ag_err ingest_list(struct kb *kb, const char *tenant, struct file_list *files, bool prune,
                          kb_progress_cb progress, void *progress_ctx,
                          struct kb_ingest_stats *stats, char *why, size_t why_len);

static ag_err check_tenant(const char *tenant, char *why, size_t why_len)
{
    if (!*tenant || strlen(tenant) > 63) {
        snprintf(why, why_len, "tenant must be 1 to 63 bytes");
        return AG_EINVAL;
    }
    return AG_OK;
}

ag_err kb_ingest_sources(struct kb *kb, const char *tenant, const struct kb_source *sources,
                         size_t n, bool prune, kb_progress_cb progress, void *progress_ctx,
                         struct kb_ingest_stats *stats, char *why, size_t why_len)
{
    struct file_list files = {0};
    memset(stats, 0, sizeof(*stats));
    ag_err rc = check_tenant(tenant, why, why_len);
    for (size_t i = 0; i < n && rc == AG_OK; i++) {
        rc = list_add(&files, sources[i].name, sources[i].name);
        if (rc == AG_OK)
            files.v[files.n - 1].src = &sources[i];
    }
    if (rc == AG_OK)
        rc = ingest_list(kb, tenant, &files, prune, progress, progress_ctx, stats, why, why_len);
    list_free(&files);
    return rc;
}

ag_err kb_ingest(struct kb *kb, const char *tenant, const char *const *paths, size_t n_paths,
                 bool prune, kb_progress_cb progress, void *progress_ctx,
                 struct kb_ingest_stats *stats, char *why, size_t why_len)
{
    struct file_list files = {0};
    memset(stats, 0, sizeof(*stats));
    ag_err rc = check_tenant(tenant, why, why_len);
    for (size_t i = 0; i < n_paths && rc == AG_OK; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            int e = errno;
            snprintf(why, why_len, "%s: %s", paths[i], strerror(e));
            rc = AG_ENOTFOUND;
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(&files, paths[i], "", 0, why, why_len);
        } else {
            const char *base = strrchr(paths[i], '/');
            rc = list_add(&files, paths[i], base ? base + 1 : paths[i]);
        }
    }
    if (rc == AG_OK)
        rc = ingest_list(kb, tenant, &files, prune, progress, progress_ctx, stats, why, why_len);
    list_free(&files);
    return rc;
}

/* Give every chunk of tenant a vector of the embedder's model (new chunks, chunks stored
 * before a model was configured, and chunks of another model). */
static ag_err embed_missing(struct store_db *db, const char *tenant, const struct kb_embedder *emb,
                            struct kb_ingest_stats *stats, char *why, size_t why_len)
{
    struct store_stmt *sel = NULL, *ins = NULL;
    bool row = false;
    float *v = calloc(emb->dim, sizeof(*v));
    struct buf text;
    buf_init(&text, (size_t)1 << 20);
    ag_err rc = v ? AG_OK : AG_ENOMEM;
    rc = rc ? rc
            : store_prepare(db,
                            "SELECT c.id, c.title, c.heading, c.body FROM chunks c"
                            " LEFT JOIN chunk_vecs v ON v.chunk_id = c.id AND v.model = ?2"
                            " WHERE c.tenant = ?1 AND v.chunk_id IS NULL",
                            &sel);
    rc = rc ? rc : store_prepare(db, "INSERT OR REPLACE INTO chunk_vecs VALUES(?1, ?2, ?3)", &ins);
    rc = rc ? rc : store_bind_text(sel, 1, tenant, strlen(tenant));
    rc = rc ? rc : store_bind_text(sel, 2, emb->id, strlen(emb->id));
    while (rc == AG_OK && (rc = store_step(sel, &row)) == AG_OK && row) {
        int64_t id = store_col_int64(sel, 0);
        struct str t = store_col_text(sel, 1), h = store_col_text(sel, 2),
                   b = store_col_text(sel, 3);
        buf_reset(&text);
        rc = buf_append(&text, t.p, t.len);
        rc = rc ? rc : buf_append_str(&text, "\n");
        rc = rc ? rc : buf_append(&text, h.p, h.len);
        rc = rc ? rc : buf_append_str(&text, "\n");
        rc = rc ? rc : buf_append(&text, b.p, b.len);
        rc = rc ? rc : emb->embed(emb->ctx, buf_cstr(&text), text.len, v);
        rc = rc ? rc : store_bind_int64(ins, 1, id);
        rc = rc ? rc : store_bind_text(ins, 2, emb->id, strlen(emb->id));
        rc = rc ? rc : store_bind_blob(ins, 3, v, emb->dim * sizeof(*v));
        bool r2;
        rc = rc ? rc : store_step(ins, &r2);
        store_reset(ins);
        if (rc == AG_OK)
            stats->embedded++;
    }
    if (rc != AG_OK)
        snprintf(why, why_len, "embedding the chunks failed: %s", ag_strerror(rc));
    store_finalize(sel);
    store_finalize(ins);
    buf_release(&text);
    free(v);
    return rc;
}

/* Ingest the collected files in one transaction. */
static ag_err ingest_list(struct kb *kb, const char *tenant, struct file_list *files, bool prune,
                          kb_progress_cb progress, void *progress_ctx,
                          struct kb_ingest_stats *stats, char *why, size_t why_len)
{
    struct ingest in = {.tenant = tenant,
                        .default_lang = kb->params.default_lang,
                        .fts = kb->params.engine == KB_ENGINE_FTS5};
    ag_err rc = AG_OK;
    if (files->n > 1)
        qsort(files->v, files->n, sizeof(files->v[0]), cmp_entry);
    for (size_t i = 1; i < files->n; i++)
        if (strcmp(files->v[i - 1].name, files->v[i].name) == 0) {
            snprintf(why, why_len, "%s: two files would get the same name '%s'", files->v[i].path,
                     files->v[i].name);
            rc = AG_EINVAL;
            goto out;
        }
    rc = store_open(kb->path, 0, &in.db);
    rc = rc ? rc : store_begin(in.db);
    rc = rc ? rc
            : store_prepare(in.db,
                            "INSERT INTO chunks(doc_id, tenant, ord, title, heading,"
                            " body, lang, sku) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
                            &in.ins_chunk);
    rc = rc ? rc
            : store_prepare(in.db,
                            "INSERT INTO chunks_fts(rowid, tenant, title, heading,"
                            " body) VALUES(?1,?2,?3,?4,?5)",
                            &in.ins_fts);
    rc = rc ? rc
            : store_prepare(in.db,
                            "INSERT INTO products(tenant, sku, name, price, currency, stock,"
                            " category, doc_id, url) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                            &in.ins_product);
    rc = rc ? rc : load_known(in.db, tenant, &in.known, &in.n_known);
    rc = rc ? rc
            : store_prepare(in.db,
                            "INSERT INTO docs(tenant, path, title, hash) VALUES(?1, ?2, '', ?3)",
                            &in.ins_doc);
    rc = rc ? rc : store_prepare(in.db, "UPDATE docs SET title=?2 WHERE id=?1", &in.set_title);
    if (rc != AG_OK) {
        snprintf(why, why_len, "%s: cannot open the knowledge base for writing", kb->path);
        goto out;
    }
    rc = store_files(kb, &in, files, progress, progress_ctx, stats, why, why_len);
    if (rc == AG_OK && prune)
        rc = prune_missing(in.db, tenant, files, stats);
    if (rc == AG_OK && kb->params.embedder)
        rc = embed_missing(in.db, tenant, kb->params.embedder, stats, why, why_len);
    if (rc == AG_OK && (stats->added || stats->updated || stats->removed || stats->embedded))
        rc = store_exec(in.db, "UPDATE meta SET value=value+1 WHERE key='version'");
    if (rc == AG_OK)
        rc = store_commit(in.db);
    pthread_mutex_lock(&kb->mu);
    kb->gen++; /* whatever happened, the next search reads the version again */
    pthread_mutex_unlock(&kb->mu);
    if (rc == AG_OK) {
        stats->chunks = in.chunks;
        stats->products = in.products;
        int64_t chunks;
        rc = kb_stats(kb, tenant, &stats->version, &chunks);
    } else if (!why[0]) {
        snprintf(why, why_len, "%s", ag_strerror(rc));
    }
out:
    if (in.db)
        store_rollback(in.db); /* no-op after a commit */
    store_finalize(in.ins_chunk);
    store_finalize(in.ins_fts);
    store_finalize(in.ins_product);
    for (size_t i = 0; i < in.n_known; i++)
        free(in.known[i].path);
    free(in.known);
    store_finalize(in.ins_doc);
    store_finalize(in.set_title);
    store_close(in.db);
    return rc;
}

/* ---- search ----------------------------------------------------------------------- */

/* kb_stats' one row: {version, chunks, whether the row came}. */
static ag_err stats_row(void *ctx, struct store_stmt *st)
{
    int64_t *v = ctx;
    v[0] = store_col_int64(st, 0);
    v[1] = store_col_int64(st, 1);
    v[2] = 1;
    return AG_OK;
}

ag_err kb_stats(struct kb *kb, const char *tenant, int64_t *version, int64_t *chunks)
{
    int64_t v[3] = {0, 0, 0};
    struct store_arg arg = STORE_ARG_TEXT(tenant, strlen(tenant));
    ag_err rc = store_pool_read(kb->readers,
                                "SELECT (SELECT value FROM meta WHERE key='version'),"
                                " (SELECT count(*) FROM chunks WHERE tenant=?1)",
                                &arg, 1, stats_row, v);
    if (rc == AG_OK && v[2]) {
        *version = v[0];
        *chunks = v[1];
    } else if (rc == AG_OK) {
        rc = AG_EDB;
    }
    return rc;
}

/* A NUL-terminated copy of a column (SQLite's text is not promised to end in NUL for us). */
static char *col_dup(struct store_stmt *st, int i)
{
    struct str s = store_col_text(st, i);
    return strndup(s.p ? s.p : "", s.len);
}

ag_err kb_products_all(struct kb *kb, const char *tenant, kb_product_cb cb, void *ctx)
{
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false;
    ag_err rc = store_pool_get(kb->readers, &db);
    if (rc != AG_OK)
        return rc;
    rc = store_prepare(db,
                       "SELECT sku, name, price, currency, stock, category, coalesce(url, '')"
                       " FROM products WHERE tenant=?1 ORDER BY sku",
                       &st);
    rc = rc ? rc : store_bind_text(st, 1, tenant, strlen(tenant));
    while (rc == AG_OK && (rc = store_step(st, &row)) == AG_OK && row) {
        char *f[5] = {col_dup(st, 0), col_dup(st, 1), col_dup(st, 3), col_dup(st, 5),
                      col_dup(st, 6)};
        if (!f[0] || !f[1] || !f[2] || !f[3] || !f[4])
            rc = AG_ENOMEM;
        struct kb_product p = {.sku = f[0],
                               .name = f[1],
                               .currency = f[2],
                               .category = f[3],
                               .url = f[4],
                               .price = store_col_double(st, 2),
                               .stock = store_col_int64(st, 4)};
        if (rc == AG_OK)
            rc = cb(ctx, &p);
        for (size_t i = 0; i < 5; i++)
            free(f[i]);
    }
    store_finalize(st);
    store_pool_put(kb->readers, db);
    return rc;
}

bool kb_term_matches(const struct kb_term *t, const char *w, size_t n, const char *stem,
                     size_t stem_len)
{
    size_t tl = strlen(t->stem);
    if (t->prefix && n >= tl && memcmp(w, t->stem, tl) == 0)
        return true;
    const char *cands[5] = {t->stem, NULL, NULL, NULL, NULL};
    for (size_t i = 0; i < t->n_syn && i < 4; i++)
        cands[i + 1] = t->syn[i];
    for (size_t i = 0; i < 5 && cands[i]; i++) {
        size_t cl = strlen(cands[i]);
        if (stem_len == cl && memcmp(stem, cands[i], cl) == 0)
            return true;
        /* A compound holds the term as its head or tail: "versandkost" has "kost". */
        if (cl >= 4 && stem_len >= cl + 3 &&
            (memcmp(stem, cands[i], cl) == 0 || memcmp(stem + stem_len - cl, cands[i], cl) == 0))
            return true;
    }
    return false;
}

struct query_build {
    struct arena *a;
    struct text_analyzer *an;
    enum text_lang lang;
    struct kb_term *terms;
    size_t n;
    ag_err rc;
};

static bool collect_term(void *ctx, const char *w, size_t n, size_t start, size_t end)
{
    struct query_build *q = ctx;
    (void)start;
    (void)end;
    if (text_is_stopword(w, n) || n > 64 || q->n == KB_MAX_QUERY_TERMS)
        return true;
    struct buf stem;
    buf_init(&stem, 256);
    q->rc = text_stem(q->an, q->lang, w, n, &stem);
    if (q->rc == AG_OK && stem.len > 0) {
        for (size_t i = 0; i < q->n; i++)
            if (strcmp(q->terms[i].stem, buf_cstr(&stem)) == 0)
                goto done;
        char *s = arena_strndup(q->a, stem.p, stem.len);
        if (!s) {
            q->rc = AG_ENOMEM;
        } else {
            q->terms[q->n].stem = s;
            q->terms[q->n].prefix = stem.len >= KB_PREFIX_MIN;
            q->terms[q->n].idf = 0;
            q->terms[q->n].weight = 1;
            q->terms[q->n].parts[0] = q->terms[q->n].parts[1] = -1;
            q->n++;
        }
    }
done:
    buf_release(&stem);
    return q->rc == AG_OK;
}

/* Document frequency of a term: the largest among the words it matches. */
static ag_err term_idf(struct store_db *db, struct kb_term *t, int64_t n_chunks)
{
    struct store_stmt *st = NULL;
    bool row = false;
    size_t len = strlen(t->stem);
    char hi[80];
    if (len + 5 > sizeof(hi))
        return AG_EINVAL;
    memcpy(hi, t->stem, len);
    memcpy(hi + len, "\xf4\x8f\xbf\xbf", 5); /* U+10FFFF: above every word with this prefix */
    ag_err rc = store_prepare_cached(db,
                                     t->prefix ? "SELECT coalesce(max(doc), 0) FROM chunks_vocab"
                                                 " WHERE term >= ?1 AND term < ?2"
                                               : "SELECT coalesce(max(doc), 0) FROM chunks_vocab"
                                                 " WHERE term >= ?1 AND term < ?2 AND length(term)"
                                                 " <= length(?1) + 3",
                                     &st);
    rc = rc ? rc : store_bind_text(st, 1, t->stem, len);
    rc = rc ? rc : store_bind_text(st, 2, hi, len + 4);
    rc = rc ? rc : store_step(st, &row);
    double df = rc == AG_OK && row ? (double)store_col_int64(st, 0) : 0;
    store_finalize(st);
    double n = (double)(n_chunks > 0 ? n_chunks : 1);
    if (df > n)
        df = n;
    t->idf = log(1.0 + (n - df + 0.5) / (df + 0.5));
    return rc;
}

static int cmp_hit(const void *a, const void *b)
{
    double x = ((const struct kb_hit *)a)->score, y = ((const struct kb_hit *)b)->score;
    return x < y ? 1 : x > y ? -1 : 0;
}

static ag_err search_fts5(struct kb *kb, struct arena *a, const char *tenant, const char *question,
                          size_t len, enum text_lang lang, size_t k, struct kb_result *out)
{
    memset(out, 0, sizeof(*out));
    if (lang == TEXT_LANG_UNKNOWN)
        lang = text_detect_lang(question, len, kb->params.default_lang);
    out->lang = lang;
    struct query_build q = {.a = a, .lang = lang};
    q.terms = arena_calloc(a, KB_MAX_QUERY_TERMS, sizeof(*q.terms));
    if (!q.terms)
        return AG_ENOMEM;
    if (!(q.an = text_analyzer_local()))
        return AG_ENOMEM;
    ag_err rc = text_words(question, len, collect_term, &q);
    if (rc == AG_OK)
        rc = q.rc;
    if (rc != AG_OK)
        return rc;
    out->terms = q.terms;
    out->n_terms = q.n;
    if (q.n == 0 || k == 0)
        return AG_OK;

    struct buf match;
    buf_init(&match, 8192);
    for (size_t i = 0; i < q.n && rc == AG_OK; i++)
        rc = buf_printf(&match, "%s\"%s\" *", i ? " OR " : "", q.terms[i].stem);
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    int64_t version, n_chunks = 0;
    rc = rc ? rc : kb_stats(kb, tenant, &version, &n_chunks);
    rc = rc ? rc : store_pool_get(kb->readers, &db);
    for (size_t i = 0; i < q.n && rc == AG_OK; i++)
        rc = term_idf(db, &q.terms[i], n_chunks);
    /* bm25() weights: tenant (unindexed), title, heading, body. Lower is better. */
    rc = rc ? rc
            : store_prepare_cached(db,
                                   "SELECT c.id, d.path, c.title, c.heading, c.body, c.lang,"
                                   " -bm25(chunks_fts, 0.0, 3.0, 2.0, 1.0) AS s"
                                   " FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid"
                                   " JOIN docs d ON d.id = c.doc_id"
                                   " WHERE chunks_fts MATCH ?1 AND chunks_fts.tenant = ?2"
                                   " ORDER BY s DESC LIMIT ?3",
                                   &st);
    rc = rc ? rc : store_bind_text(st, 1, buf_cstr(&match), match.len);
    rc = rc ? rc : store_bind_text(st, 2, tenant, strlen(tenant));
    size_t cand = k > KB_CANDIDATES ? k : KB_CANDIDATES;
    rc = rc ? rc : store_bind_int64(st, 3, (int64_t)cand);
    struct kb_hit *hits = rc == AG_OK ? arena_calloc(a, cand, sizeof(*hits)) : NULL;
    if (rc == AG_OK && !hits)
        rc = AG_ENOMEM;
    size_t n = 0;
    bool row = false;
    while (rc == AG_OK && n < cand && (rc = store_step(st, &row)) == AG_OK && row) {
        struct kb_hit *h = &hits[n];
        struct str s;
        h->chunk_id = store_col_int64(st, 0);
        s = store_col_text(st, 1);
        h->doc = arena_strndup(a, s.p, s.len);
        s = store_col_text(st, 2);
        h->title = arena_strndup(a, s.p, s.len);
        s = store_col_text(st, 3);
        h->heading = arena_strndup(a, s.p, s.len);
        s = store_col_text(st, 4);
        h->text = arena_strndup(a, s.p, s.len);
        s = store_col_text(st, 5);
        h->lang = text_lang_parse(s.p, s.len);
        h->score = store_col_double(st, 6);
        if (h->lang != lang && h->lang != TEXT_LANG_UNKNOWN)
            h->score *= KB_OTHER_LANG_FACTOR;
        if (!h->doc || !h->title || !h->heading || !h->text)
            rc = AG_ENOMEM;
        n++;
    }
    store_finalize(st);
    store_pool_put(kb->readers, db);
    buf_release(&match);
    if (rc != AG_OK)
        return rc;
    qsort(hits, n, sizeof(*hits), cmp_hit);
    out->hits = hits;
    out->n_hits = n < k ? n : k;
    return AG_OK;
}

/* ---- the in-memory index ------------------------------------------------------------- */

static ag_err read_version(struct kb *kb, int64_t *version)
{
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false;
    ag_err rc = store_pool_get(kb->readers, &db);
    rc = rc ? rc : store_prepare_cached(db, "SELECT value FROM meta WHERE key='version'", &st);
    rc = rc ? rc : store_step(st, &row);
    if (rc == AG_OK && !row)
        rc = AG_ECORRUPT;
    if (rc == AG_OK)
        *version = store_col_int64(st, 0);
    store_finalize(st);
    store_pool_put(kb->readers, db);
    return rc;
}

/* The version, read again when the last read is older than KB_VERSION_TTL_NS or this
 * process wrote since. */
static ag_err current_version(struct kb *kb, int64_t *version)
{
    uint64_t now = clock_mono_ns();
    pthread_mutex_lock(&kb->mu);
    bool fresh = kb->seen_ns && now - kb->seen_ns < KB_VERSION_TTL_NS && kb->seen_gen == kb->gen;
    uint64_t gen = kb->gen;
    *version = kb->seen_version;
    pthread_mutex_unlock(&kb->mu);
    if (fresh)
        return AG_OK;
    ag_err rc = read_version(kb, version);
    if (rc != AG_OK)
        return rc;
    pthread_mutex_lock(&kb->mu);
    kb->seen_version = *version;
    kb->seen_ns = now ? now : 1;
    kb->seen_gen = gen; /* a write since gen was taken makes this stale at once */
    pthread_mutex_unlock(&kb->mu);
    return AG_OK;
}

ag_err kb_version(struct kb *kb, int64_t *version)
{
    return current_version(kb, version);
}

/* The tenant's index as of version, with a reference for the caller (retained). */
static struct kb_index *cached(struct kb *kb, const char *tenant, int64_t version)
{
    struct kb_index *ix = NULL;
    pthread_mutex_lock(&kb->mu);
    for (size_t i = 0; i < kb->n_cache; i++)
        if (strcmp(kb->cache[i].tenant, tenant) == 0 &&
            kb_index_version(kb->cache[i].ix) == version) {
            ix = kb->cache[i].ix;
            kb_index_retain(ix);
        }
    pthread_mutex_unlock(&kb->mu);
    return ix;
}

static ag_err install(struct kb *kb, const char *tenant, struct kb_index *ix)
{
    struct kb_index *old = NULL;
    ag_err rc = AG_OK;
    pthread_mutex_lock(&kb->mu);
    size_t i;
    for (i = 0; i < kb->n_cache; i++)
        if (strcmp(kb->cache[i].tenant, tenant) == 0)
            break;
    if (i == kb->n_cache) {
        struct tenant_index *c = realloc(kb->cache, (kb->n_cache + 1) * sizeof(*c));
        if (!c) {
            rc = AG_ENOMEM;
        } else {
            kb->cache = c;
            snprintf(c[i].tenant, sizeof(c[i].tenant), "%s", tenant);
            c[i].ix = NULL;
            kb->n_cache++;
        }
    }
    if (rc == AG_OK) {
        old = kb->cache[i].ix;
        kb_index_retain(ix);
        kb->cache[i].ix = ix;
    }
    pthread_mutex_unlock(&kb->mu);
    kb_index_release(old); /* searches still holding it keep it alive */
    return rc;
}

static ag_err acquire_index(struct kb *kb, const char *tenant, struct kb_index **out)
{
    int64_t version;
    ag_err rc = current_version(kb, &version);
    if (rc != AG_OK)
        return rc;
    if ((*out = cached(kb, tenant, version)) != NULL)
        return AG_OK;
    pthread_mutex_lock(&kb->build_mu);
    if ((*out = cached(kb, tenant, version)) == NULL) {
        struct store_db *db = NULL;
        struct kb_index *ix = NULL;
        /* One read transaction: the chunks and the version we label them with agree. */
        rc = store_pool_get(kb->readers, &db);
        if (rc == AG_OK) {
            struct store_stmt *st = NULL;
            bool row = false;
            rc = store_exec(db, "BEGIN");
            rc = rc ? rc
                    : store_prepare_cached(db, "SELECT value FROM meta WHERE key='version'", &st);
            rc = rc ? rc : store_step(st, &row);
            if (rc == AG_OK && row)
                version = store_col_int64(st, 0);
            store_finalize(st);
            rc = rc ? rc : kb_index_build(db, tenant, version, kb->params.embedder, &ix);
            store_rollback(db);
            store_pool_put(kb->readers, db);
        }
        rc = rc ? rc : install(kb, tenant, ix);
        if (rc == AG_OK)
            *out = ix; /* the build's own reference goes to the caller */
        else
            kb_index_release(ix);
    }
    pthread_mutex_unlock(&kb->build_mu);
    return rc;
}

/* The text of the first n hits (those without one yet). */
static ag_err fetch_texts(struct kb *kb, struct arena *a, struct kb_result *r, size_t n)
{
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    ag_err rc = store_pool_get(kb->readers, &db);
    rc = rc ? rc : store_prepare_cached(db, "SELECT body FROM chunks WHERE id=?1", &st);
    for (size_t i = 0; rc == AG_OK && i < r->n_hits && i < n; i++) {
        if (r->hits[i].text)
            continue;
        bool row = false;
        rc = store_bind_int64(st, 1, r->hits[i].chunk_id);
        rc = rc ? rc : store_step(st, &row);
        if (rc == AG_OK && !row)
            rc = AG_ECORRUPT; /* the chunk vanished: the index is older than the KB */
        if (rc == AG_OK) {
            struct str b = store_col_text(st, 0);
            if (!(r->hits[i].text = arena_strndup(a, b.p, b.len)))
                rc = AG_ENOMEM;
        }
        store_reset(st);
    }
    store_finalize(st);
    store_pool_put(kb->readers, db);
    return rc;
}

/* ---- phrases: candidates must hold each quoted phrase's stems in a row -------------- */

struct stem_seq {
    struct text_analyzer *an;
    enum text_lang lang;
    char **v;
    size_t n, cap;
    ag_err rc;
};

static bool seq_word(void *ctx, const char *w, size_t n, size_t start, size_t end)
{
    struct stem_seq *s = ctx;
    (void)start;
    (void)end;
    if (text_is_stopword(w, n) || n > 64)
        return true;
    struct buf stem;
    buf_init(&stem, 512);
    s->rc = text_stem(s->an, s->lang, w, n, &stem);
    if (s->rc == AG_OK && s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            s->rc = AG_ENOMEM;
        else {
            s->v = v;
            s->cap = cap;
        }
    }
    if (s->rc == AG_OK && !(s->v[s->n] = strdup(buf_cstr(&stem))))
        s->rc = AG_ENOMEM;
    if (s->rc == AG_OK)
        s->n++;
    buf_release(&stem);
    return s->rc == AG_OK;
}

static bool seq_has(const struct stem_seq *s, const struct kb_phrase *ph)
{
    for (size_t i = 0; ph->n && i + ph->n <= s->n; i++) {
        size_t j = 0;
        while (j < ph->n && strcmp(s->v[i + j], ph->stems[j]) == 0)
            j++;
        if (j == ph->n)
            return true;
    }
    return ph->n == 0;
}

/* Does the hit hold every phrase in one of its fields? */
static ag_err hit_has_phrases(struct text_analyzer *an, const struct kb_hit *h,
                              const struct kb_result *r, bool *ok)
{
    const char *fields[3] = {h->title, h->heading, h->text};
    bool found[8] = {false};
    ag_err rc = AG_OK;
    for (int f = 0; f < 3 && rc == AG_OK; f++) {
        struct stem_seq s = {.an = an, .lang = h->lang ? h->lang : r->lang};
        rc = text_words(fields[f], strlen(fields[f]), seq_word, &s);
        if (rc == AG_OK)
            rc = s.rc;
        for (size_t p = 0; rc == AG_OK && p < r->n_phrases && p < 8; p++)
            found[p] |= seq_has(&s, &r->phrases[p]);
        for (size_t i = 0; i < s.n; i++)
            free(s.v[i]);
        free(s.v);
    }
    *ok = true;
    for (size_t p = 0; p < r->n_phrases && p < 8; p++)
        *ok &= found[p];
    return rc;
}

#define PHRASE_BOOST 2.0
#define PHRASE_CHECK 30 /* candidates whose text is checked for the phrases */

static int cmp_hit_desc(const void *a, const void *b)
{
    const struct kb_hit *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->chunk_id < y->chunk_id ? -1 : x->chunk_id > y->chunk_id;
}

/* Quoted phrases boost the candidates that hold them word for word; the others stay,
 * so a stray quote in a question never empties the answer. */
static ag_err boost_phrases(struct kb_result *r, size_t k)
{
    struct text_analyzer *an = text_analyzer_local();
    ag_err rc = an ? AG_OK : AG_ENOMEM;
    for (size_t i = 0; rc == AG_OK && i < r->n_hits && i < PHRASE_CHECK; i++) {
        bool ok = false;
        rc = hit_has_phrases(an, &r->hits[i], r, &ok);
        if (rc == AG_OK && ok)
            r->hits[i].score *= PHRASE_BOOST;
    }
    if (rc == AG_OK) {
        qsort(r->hits, r->n_hits, sizeof(*r->hits), cmp_hit_desc);
        if (r->n_hits > k)
            r->n_hits = k;
    }
    return rc;
}

ag_err kb_search_ex(struct kb *kb, struct arena *a, const char *tenant, const struct kb_query *q,
                    struct kb_result *out)
{
    memset(out, 0, sizeof(*out));
    struct kb_query qq = *q;
    qq.synonyms = kb->synonyms;
    if (qq.lang == TEXT_LANG_UNKNOWN)
        qq.lang = text_detect_lang(q->text, q->len, kb->params.default_lang);
    if (kb->params.engine == KB_ENGINE_FTS5)
        return search_fts5(kb, a, tenant, q->text, q->len, qq.lang, q->k, out);
    /* A quoted phrase is checked on the text: rank more candidates than asked for. */
    bool phrase = memchr(q->text, '"', q->len) != NULL;
    if (phrase && qq.k < PHRASE_CHECK)
        qq.k = PHRASE_CHECK;
    struct kb_index *ix = NULL;
    ag_err rc = acquire_index(kb, tenant, &ix);
    const struct kb_embedder *emb = kb->params.embedder;
    if (rc == AG_OK && emb && kb_index_has_vectors(ix)) {
        float *v = arena_calloc(a, emb->dim, sizeof(*v));
        rc = v ? emb->embed(emb->ctx, q->text, q->len, v) : AG_ENOMEM;
        qq.vector = v;
    }
    rc = rc ? rc : kb_index_search(ix, a, &qq, out);
    /* Hits point into the index, which may go once released: copy into the arena. */
    for (size_t i = 0; rc == AG_OK && i < out->n_hits; i++) {
        struct kb_hit *h = &out->hits[i];
        h->doc = arena_strndup(a, h->doc, strlen(h->doc));
        h->title = arena_strndup(a, h->title, strlen(h->title));
        h->heading = arena_strndup(a, h->heading, strlen(h->heading));
        if (h->sku && !(h->sku = arena_strndup(a, h->sku, strlen(h->sku))))
            rc = AG_ENOMEM;
        if (!h->doc || !h->title || !h->heading)
            rc = AG_ENOMEM;
    }
    kb_index_release(ix);
    if (rc == AG_OK && out->n_phrases) {
        rc = fetch_texts(kb, a, out, PHRASE_CHECK);
        rc = rc ? rc : boost_phrases(out, q->k);
    }
    if (rc == AG_OK && out->n_hits > q->k)
        out->n_hits = q->k;
    if (rc == AG_OK && !(q->flags & KB_SEARCH_NO_TEXT))
        rc = fetch_texts(kb, a, out, out->n_hits);
    if (rc != AG_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

ag_err kb_search(struct kb *kb, struct arena *a, const char *tenant, const char *question,
                 size_t len, enum text_lang lang, size_t k, struct kb_result *out)
{
    struct kb_query q = {.text = question, .len = len, .lang = lang, .k = k};
    return kb_search_ex(kb, a, tenant, &q, out);
}

ag_err kb_warm(struct kb *kb, const char *tenant)
{
    if (kb->params.engine == KB_ENGINE_FTS5)
        return AG_OK;
    struct kb_index *ix = NULL;
    ag_err rc = acquire_index(kb, tenant, &ix);
    kb_index_release(ix);
    return rc;
}

ag_err kb_warm_all(struct kb *kb, size_t *n)
{
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    char(*tenants)[64] = NULL;
    size_t count = 0, cap = 0;
    bool row = false;
    *n = 0;
    ag_err rc = store_pool_get(kb->readers, &db);
    if (rc != AG_OK)
        return rc;
    rc = store_prepare(db, "SELECT DISTINCT tenant FROM docs ORDER BY tenant", &st);
    while (rc == AG_OK && (rc = store_step(st, &row)) == AG_OK && row) {
        struct str t = store_col_text(st, 0);
        if (t.len == 0 || t.len >= 64)
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 8;
            void *p = realloc(tenants, cap * sizeof(*tenants));
            if (!p) {
                rc = AG_ENOMEM;
                break;
            }
            tenants = p;
        }
        memcpy(tenants[count], t.p, t.len);
        tenants[count][t.len] = '\0';
        count++;
    }
    store_finalize(st);
    store_pool_put(kb->readers, db);
    for (size_t i = 0; rc == AG_OK && i < count; i++)
        rc = kb_warm(kb, tenants[i]);
    free(tenants);
    if (rc == AG_OK)
        *n = count;
    return rc;
}

/* ---- synonyms ---------------------------------------------------------------------- */

void kb_synonyms_free(struct kb_synonyms *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; s->group_off && i < s->group_off[s->n_groups]; i++)
        free(s->stems[i]);
    free(s->stems);
    free(s->group_off);
    free(s->entries);
    free(s);
}

struct syn_word {
    struct buf *words; /* folded words of the entry */
    size_t n;
};

static bool syn_collect(void *ctx, const char *w, size_t n, size_t start, size_t end)
{
    struct syn_word *sw = ctx;
    (void)start;
    (void)end;
    if (sw->n < 2)
        (void)buf_append(&sw->words[sw->n], w, n);
    sw->n++;
    return true;
}

static int cmp_syn(const void *a, const void *b)
{
    const struct kb_syn_entry *x = a, *y = b;
    int c = strcmp(x->stem, y->stem);
    return c ? c : x->group < y->group ? -1 : x->group > y->group;
}

ag_err kb_set_synonyms(struct kb *kb, const char *text, size_t len, char *why, size_t why_len)
{
    struct kb_synonyms *s = calloc(1, sizeof(*s));
    struct text_analyzer *an = NULL;
    size_t cap_stems = 0, n_stems = 0, cap_groups = 0;
    ag_err rc = s ? text_analyzer_create(&an) : AG_ENOMEM;
    const char *p = text, *end = text + len;
    unsigned line = 0;
    if (rc == AG_OK && !(s->group_off = calloc(1, sizeof(*s->group_off))))
        rc = AG_ENOMEM;
    while (rc == AG_OK && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        const char *hash = memchr(p, '#', (size_t)(le - p));
        const char *ce = hash ? hash : le;
        size_t group_start = n_stems, members = 0;
        line++;
        for (const char *e = p; rc == AG_OK && e <= ce;) {
            const char *comma = memchr(e, ',', (size_t)(ce - e));
            const char *ee = comma ? comma : ce;
            struct buf words[2];
            buf_init(&words[0], 256);
            buf_init(&words[1], 256);
            struct syn_word sw = {words, 0};
            if (text_words(e, (size_t)(ee - e), syn_collect, &sw) != AG_OK) {
                snprintf(why, why_len, "line %u: not valid UTF-8", line);
                rc = AG_ECONFIG;
            } else if (sw.n > 1) {
                snprintf(why, why_len, "line %u: '%.*s' is more than one word", line,
                         (int)(ee - e > 60 ? 60 : ee - e), e);
                rc = AG_ECONFIG;
            }
            for (int l = 0; rc == AG_OK && sw.n == 1 && l < 2; l++) {
                struct buf stem;
                buf_init(&stem, 256);
                rc =
                    text_stem(an, l ? TEXT_LANG_EN : TEXT_LANG_DE, words[0].p, words[0].len, &stem);
                bool dup = false;
                for (size_t i = group_start; rc == AG_OK && i < n_stems && !dup; i++)
                    dup = strcmp(s->stems[i], buf_cstr(&stem)) == 0;
                if (rc == AG_OK && !dup && stem.len) {
                    if (n_stems == cap_stems) {
                        cap_stems = cap_stems ? cap_stems * 2 : 64;
                        char **v = realloc(s->stems, cap_stems * sizeof(*v));
                        if (!v)
                            rc = AG_ENOMEM;
                        else
                            s->stems = v;
                    }
                    if (rc == AG_OK && !(s->stems[n_stems] = strdup(buf_cstr(&stem))))
                        rc = AG_ENOMEM;
                    if (rc == AG_OK)
                        n_stems++;
                }
                buf_release(&stem);
            }
            members += sw.n == 1;
            buf_release(&words[0]);
            buf_release(&words[1]);
            if (!comma)
                break;
            e = comma + 1;
        }
        if (rc == AG_OK && members == 1) {
            snprintf(why, why_len, "line %u: a group needs at least two words", line);
            rc = AG_ECONFIG;
        }
        if (rc == AG_OK && members > 1) {
            if (s->n_groups + 1 >= cap_groups) {
                cap_groups = cap_groups ? cap_groups * 2 : 32;
                uint32_t *v = realloc(s->group_off, (cap_groups + 1) * sizeof(*v));
                if (!v)
                    rc = AG_ENOMEM;
                else
                    s->group_off = v;
            }
            if (rc == AG_OK) {
                s->group_off[s->n_groups] = (uint32_t)group_start;
                s->group_off[++s->n_groups] = (uint32_t)n_stems;
            }
        } else if (rc == AG_OK) { /* an empty or comment line adds nothing */
            while (n_stems > group_start)
                free(s->stems[--n_stems]);
        }
        p = eol ? eol + 1 : end;
    }
    if (rc == AG_OK && s->n_groups == 0)
        s->group_off[0] = 0;
    if (rc == AG_OK && n_stems && !(s->entries = calloc(n_stems, sizeof(*s->entries))))
        rc = AG_ENOMEM;
    for (uint32_t g = 0; rc == AG_OK && g < s->n_groups; g++)
        for (uint32_t i = s->group_off[g]; i < s->group_off[g + 1]; i++)
            s->entries[s->n_entries++] = (struct kb_syn_entry){s->stems[i], g};
    if (rc == AG_OK && s->n_entries > 1)
        qsort(s->entries, s->n_entries, sizeof(*s->entries), cmp_syn);
    text_analyzer_destroy(an);
    if (rc != AG_OK) {
        if (s && s->group_off)
            s->group_off[s->n_groups] = (uint32_t)n_stems;
        kb_synonyms_free(s);
        if (rc == AG_ENOMEM)
            snprintf(why, why_len, "line %u: out of memory", line);
        return rc;
    }
    kb_synonyms_free(kb->synonyms);
    kb->synonyms = s;
    return AG_OK;
}
