/*
 * kb/kb.h: the knowledge base: documents parsed into chunks, stored per tenant in one
 * SQLite file with an FTS5 index, searched with BM25; product rows kept as structured
 * records for exact look-ups.
 * OWNERSHIP: search results live in the caller's arena.
 * THREADS: a kb is shared; searches take a pooled read connection each, ingestion opens
 * its own write connection. kb_search is safe from any thread.
 */
#ifndef AG_KB_KB_H
#define AG_KB_KB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "text/text.h"

struct kb;

/* Which columns (CSV) or keys (JSON Lines) of a catalogue hold what. A file is a
 * catalogue when it has the sku and name columns; other CSV files become one chunk per
 * row. descriptions lists "column:lang" (or "column" for the default language). */
struct kb_catalog_map {
    char sku[32], name[32], price[32], currency[32], stock[32], category[32], url[32];
    char default_currency[8];
    char descriptions[160];
};

/* Dense retrieval: a function that turns text into a unit vector of dim floats (the
 * agent wires the llama.cpp embedder in; kb knows nothing of models). id names the
 * model, so vectors of another model are recomputed. */
struct kb_embedder {
    size_t dim;
    ag_err (*embed)(void *ctx, const char *text, size_t len, float *out);
    void *ctx;
    char id[128];
};

enum kb_engine {
    KB_ENGINE_INDEX, /* the in-memory BM25F index (default; see docs/architecture.md) */
    KB_ENGINE_FTS5   /* SQLite FTS5 bm25() with prefix stems: kept to measure against */
};
struct kb_params {
    size_t max_chunk_bytes;  /* chunks are cut at paragraph or sentence bounds below this;
                              * at least 16 */
    size_t max_chunk_tokens; /* ... and below this many words (0: no word limit); a chunk
                              * cut mid-section repeats the previous one's last sentence */
    size_t max_file_bytes;   /* larger files are rejected */
    enum text_lang default_lang;
    enum kb_engine engine;
    struct kb_catalog_map catalog;
    const struct kb_embedder *embedder; /* NULL: lexical search only */
    unsigned ingest_threads;            /* 0: a second thread parses ahead when two processors are
                                         * usable; 1: one thread; 2: two threads in any case */
};
struct kb_params kb_default_params(void);

/* Open (create when create is true) the KB in file path. */
ag_err kb_open(const char *path, const struct kb_params *params, bool create, struct kb **out);
void kb_close(struct kb *kb); /* NULL is a no-op */

/* ---- parsing (pure: no storage; also the fuzz entry) ---- */
enum kb_format { KB_FMT_MARKDOWN, KB_FMT_TEXT, KB_FMT_CSV, KB_FMT_JSONL, KB_FMT_HTML };
struct kb_chunk {
    const char *title, *heading, *body; /* NUL-terminated */
    size_t title_len, heading_len, body_len;
    enum text_lang lang; /* TEXT_LANG_UNKNOWN: detect from the text */
    const char *sku;     /* the product a catalogue chunk describes, or NULL */
};
struct kb_product {
    const char *sku, *name, *category, *currency, *url;
    double price;
    int64_t stock;
    unsigned line; /* where its record starts in the file (for errors) */
};
struct kb_sink {
    ag_err (*chunk)(void *ctx, const struct kb_chunk *c);
    ag_err (*product)(void *ctx, const struct kb_product *p);
    void *ctx;
};
/* The format for a file name by extension; AG_EINVAL when unsupported. */
ag_err kb_format_for(const char *path, enum kb_format *out);
/* Parse p[0..n) (named name, for titles and errors). On bad input returns AG_EINVAL with
 * "line N: reason" in why. */
ag_err kb_parse(enum kb_format fmt, const char *name, const char *p, size_t n,
                const struct kb_params *params, const struct kb_sink *sink, char *why,
                size_t why_len);

/* ---- ingestion ---- */
struct kb_ingest_stats {
    unsigned files, added, updated, unchanged, removed, chunks, products;
    unsigned embedded; /* chunk vectors computed (dense retrieval) */
    int64_t version;   /* KB version after the run */
};
/* Called after each file; total is the number of files found. */
typedef void (*kb_progress_cb)(void *ctx, size_t done, size_t total, const char *name);
/* Ingest files and folders (recursively; .md .markdown .txt .csv .jsonl .ndjson .html
 * .htm) into tenant, in one
 * transaction: on any error nothing changes and why names the file and line. Unchanged
 * files (same content hash) are skipped; with prune, documents of the tenant not found
 * in paths are removed. */
ag_err kb_ingest(struct kb *kb, const char *tenant, const char *const *paths, size_t n_paths,
                 bool prune, kb_progress_cb progress, void *progress_ctx,
                 struct kb_ingest_stats *stats, char *why, size_t why_len);

/* An in-memory document to ingest like a file named name (evaluations, tests). */
struct kb_source {
    const char *name;
    enum kb_format fmt;
    const char *content;
    size_t len;
    enum text_lang lang; /* TEXT_LANG_UNKNOWN: detected from the content */
};
/* kb_ingest() for in-memory sources: the same rules, one transaction. */
ag_err kb_ingest_sources(struct kb *kb, const char *tenant, const struct kb_source *sources,
                         size_t n, bool prune, kb_progress_cb progress, void *progress_ctx,
                         struct kb_ingest_stats *stats, char *why, size_t why_len);

/* ---- search ---- */
struct kb_term {
    const char *stem;   /* analysed query term (a Snowball stem, folded) */
    double idf;         /* inverse document frequency in the tenant's chunks */
    bool prefix;        /* a prefix query ("versand*"): matches words starting with stem */
    double weight;      /* 1 for the question's own words; less for parts of a compound */
    int parts[2];       /* for a compound: the terms of its parts, else -1 */
    const char *syn[4]; /* stems of configured synonyms that also count for this term */
    size_t n_syn;
};
/* A quoted phrase of the question: its stems in order (stop words left out). */
struct kb_phrase {
    const char **stems;
    size_t n;
};
struct kb_synonyms;
enum kb_search_flags {
    KB_SEARCH_NO_TEXT = 1 << 0,   /* hits without their text (evaluations) */
    KB_SEARCH_IN_STOCK = 1 << 1,  /* only product chunks with stock > 0 */
    KB_SEARCH_EXHAUSTIVE = 1 << 2 /* score every chunk of every list, no pruning (the
                                   * reference the pruned paths are tested against) */
};
struct kb_query {
    const char *text; /* the question; "quoted words" form a phrase (chunks holding it
                       * word for word rank higher), word* a prefix */
    size_t len;
    enum text_lang lang; /* TEXT_LANG_UNKNOWN: detected */
    size_t k;
    unsigned flags;                     /* enum kb_search_flags */
    const char *category;               /* only chunks of products in this category, or NULL */
    const struct kb_synonyms *synonyms; /* set by kb_search_ex from the KB's list */
    const float *vector; /* the question's embedding (set by kb_search_ex), or NULL */
};
struct kb_hit {
    int64_t chunk_id;
    const char *doc, *title, *heading, *text;
    enum text_lang lang;
    const char *sku; /* the product this chunk describes, or NULL */
    double score;    /* BM25F (higher is better), after the language preference */
};
struct kb_result {
    struct kb_term *terms;
    size_t n_terms;
    struct kb_hit *hits;
    size_t n_hits;
    enum text_lang lang; /* the query language used */
    struct kb_phrase *phrases;
    size_t n_phrases;
};
/* The best k chunks of tenant for question (language lang, detected when unknown). */
ag_err kb_search(struct kb *kb, struct arena *a, const char *tenant, const char *question,
                 size_t len, enum text_lang lang, size_t k, struct kb_result *out);
/* kb_search with filters and flags. */
ag_err kb_search_ex(struct kb *kb, struct arena *a, const char *tenant, const struct kb_query *q,
                    struct kb_result *out);
/* True when a word (folded w, and its stem) matches term t: equal stems (or a synonym's),
 * a prefix query's prefix, or a compound that starts or ends with the term's stem. */
bool kb_term_matches(const struct kb_term *t, const char *w, size_t n, const char *stem,
                     size_t stem_len);
/* Set the synonym groups: one group per line, words separated by commas ("Retoure,
 * Rücksendung, return"); '#' starts a comment. A question's word then also finds its
 * group's other words. On a bad line returns AG_ECONFIG with "line N: ..." in why. */
ag_err kb_set_synonyms(struct kb *kb, const char *text, size_t len, char *why, size_t why_len);
/* Build (or find) the tenant's search index now, so that the first search is fast. */
ag_err kb_warm(struct kb *kb, const char *tenant);
/* kb_warm() for every tenant that has documents; *n gets how many. */
ag_err kb_warm_all(struct kb *kb, size_t *n);
/* Every catalogue product of tenant, in SKU order: cb gets each (its strings are valid
 * only during the call; category and url may be ""); cb returning an error stops the
 * walk and is returned. AG_EDB. */
typedef ag_err (*kb_product_cb)(void *ctx, const struct kb_product *p);
ag_err kb_products_all(struct kb *kb, const char *tenant, kb_product_cb cb, void *ctx);
/* The KB version as searches see it: read again at most every 100 ms (at once after this
 * process wrote), so a cache keyed by it follows another process's ingest. AG_EDB. */
ag_err kb_version(struct kb *kb, int64_t *version);
/* The KB version (bumped on every change) and chunk count of a tenant. */
ag_err kb_stats(struct kb *kb, const char *tenant, int64_t *version, int64_t *chunks);

/* ---- retrieval evaluation (agentgate eval retrieval) ---- */
enum kb_eval_format { KB_EVAL_CRANFIELD, KB_EVAL_CISI, KB_EVAL_TREC };

/* The metrics of one query, or their means over queries. */
struct kb_eval_metrics {
    double ndcg10, ap, recall100, rr;
};
/* Metrics of one ranking: ranked[i] is the gain of the document at rank i+1 (0 when not
 * relevant), judged[] the gains of all relevant documents of the query (n_judged > 0).
 * nDCG@10 uses linear gains and log2(rank+1) discounts (as trec_eval's ndcg_cut). */
void kb_eval_score(const double *ranked, size_t n_ranked, const double *judged, size_t n_judged,
                   struct kb_eval_metrics *out);

struct kb_eval_params {
    enum kb_eval_format format;
    const char *docs, *queries, *qrels; /* files */
    const char *run_out;                /* write the ranking in TREC run format here, or NULL */
    const char *score_run;              /* score this TREC run instead of searching, or NULL */
    const char *work_dir;               /* where the temporary KB is built */
    enum text_lang lang;                /* language of the collection */
    size_t depth;                       /* documents ranked per query (MAP, recall) */
    enum kb_engine engine;              /* which search engine to measure */
};
struct kb_eval_result {
    size_t n_docs, n_queries; /* queries with at least one relevant document */
    struct kb_eval_metrics mean;
    double p50_ms, p99_ms; /* per-query search latency */
    double index_s;        /* ingest_s + build_s */
    double ingest_s;       /* parse the collection and store it (SQLite, one transaction) */
    double build_s;        /* build the in-memory search index from the stored chunks */
    size_t text_bytes;     /* bytes of title and text indexed */
};
/* Load the collection, index it in a fresh KB under work_dir (or read score_run), run
 * every judged query and average the metrics. Errors name the file and line in why. */
ag_err kb_eval_retrieval(const struct kb_eval_params *p, struct kb_eval_result *out, char *why,
                         size_t why_len);

#endif
