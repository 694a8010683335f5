// SPDX-License-Identifier: MIT
/*
 * kb/index.c: the in-memory inverted index of one tenant, and BM25F search over it.
 *
 * Build: every chunk's title, heading path and body are analysed (text/: folded words,
 * stop words dropped, Snowball stems in the chunk's language, German ae/oe/ue folded);
 * product chunks also get one exact term "#sku:<sku>". Postings hold, per term and
 * chunk, a pseudo term frequency already weighted by field and normalised by field
 * length (BM25F), so a query only sums. German compounds are split with the corpus's
 * own vocabulary ("versandkost" = "versand" + "kost" when both occur on their own), and
 * a compound's occurrences also count, at half weight, for its parts: "Versand" then
 * finds "Versandkosten".
 *
 * Query: each word becomes a group of alternative terms (its stem; the other language's
 * stem when the first is unknown; a prefix's expansions) scored as one term (summed
 * frequency, largest document frequency), plus half-weight groups for a compound's
 * parts; SKU-like tokens hit the exact SKU term with a high weight.
 *
 * THREADS: an index is immutable once built and shared by reference count; searches
 * use per-thread scratch arrays (pthread key) cleared through their touched lists.
 * OWNERSHIP: the index owns all its strings; results point into the caller's arena.
 */
#include <math.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "kb/kb_internal.h"

#define NONE             UINT32_MAX
#define BM25_K1          1.2
#define BM25_B           0.75
#define W_TITLE          2.0
#define W_HEAD           1.5
#define W_BODY           1.0
#define W_SKU            1.0
#define PART_WEIGHT      0.5 /* a compound counts this much for each of its parts */
#define SKU_QUERY_WEIGHT 4.0 /* an exact SKU in the question outweighs every word */
#define OTHER_LANG       0.6 /* score factor for chunks in the other language */
#define MAX_GROUPS       64
#define MAX_PREFIX_TERMS 64
#define MIN_SPLIT_LEN    8 /* shorter German stems are not split */
#define MIN_PART_LEN     3
#define RRF_DEPTH        50   /* dense retrieval: candidates taken from each list */
#define IMPACT_MIN_DF    4096 /* posting lists this long also get an impact prefix */
#define IMPACT_SHARE     4    /* ... of 1/IMPACT_SHARE of their postings, the largest first */
#define IMPACT_SEED      32   /* top postings per word that seed the threshold */
#define RRF_K            60   /* the usual constant of reciprocal rank fusion */

enum field { F_TITLE, F_HEAD, F_BODY, F_SKU, N_FIELDS };
static const double field_weight[N_FIELDS] = {W_TITLE, W_HEAD, W_BODY, W_SKU};

struct kb_index {
    atomic_int refs;
    int64_t version;
    uint32_t n_docs, n_terms, n_cats;
    /* per chunk */
    int64_t *chunk_id;
    uint8_t *lang;
    uint32_t *cat; /* index into cats, NONE when not a product */
    int64_t *stock;
    char **doc, **title, **heading, **sku, **cats;
    /* per term, sorted by term */
    char **terms;
    uint32_t *df, *post_off, *split_a, *split_b;
    uint32_t *post_doc;
    float *post_tf;
    float *max_tf; /* per term: its largest pseudo-frequency (score upper bounds) */
    /* impact prefixes of long posting lists: the IMPACT_KEEP postings with the largest
     * frequencies, largest first; imp_floor bounds every posting left out */
    uint32_t *imp_off, *imp_doc;
    float *imp_tf, *imp_floor;
    /* dense retrieval: n_docs x dim unit vectors; has_vec[d] is 0 for a chunk without one */
    float *vecs;
    uint8_t *has_vec;
    size_t dim;
};

/* ---- building -------------------------------------------------------------------- */

/* One term in one chunk: its occurrences per field. The analysis appends these to one
 * array in chunk order; the postings lists are cut from it by a counting sort at the end
 * (no list per term grows on the way). */
struct rec {
    uint32_t term, doc;
    uint16_t tf[N_FIELDS];
};

struct raw_term {
    char *s;
    uint32_t n; /* chunks it occurs in */
    bool german;
    uint32_t a, b; /* compound parts (raw ids), NONE */
};

/* Words repeat (Zipf): each distinct (language, word) is analysed once and remembered.
 * The keys (language byte, then the folded word) sit one after another in one pool. */
#define MEMO_INLINE 11 /* key bytes kept in the entry itself (most words fit) */
struct memo_entry {
    uint32_t hash, off; /* off: where the key's bytes after MEMO_INLINE are in the pool */
    uint32_t id;        /* raw term id, or MEMO_STOP for a stop word */
    uint8_t len;        /* key length; 0: empty slot */
    char head[MEMO_INLINE];
};
#define MEMO_STOP (NONE - 1)

#define HOT_WORDS 4096 /* a direct-mapped cache in front of the memo */
struct hot_word {
    uint64_t key[3]; /* the key, zero-padded: compared a word at a time */
    uint32_t hash, id;
    uint32_t len; /* 0: empty */
};

/* One chunk's terms while it is analysed: each distinct term's frequencies per field. */
struct doc_terms {
    uint32_t *last;            /* per raw term: 1 + the last chunk it occurred in, 0 never */
    uint32_t *slot;            /* per raw term: its place in p while last is this chunk */
    struct rec *p;             /* this chunk's terms, in order of first occurrence */
    uint32_t *term;            /* ... and their terms */
    uint32_t n, cap, term_cap; /* term_cap: room in last and slot */
};

struct builder {
    struct raw_term *t;
    uint32_t n, cap;
    uint32_t *slots; /* open addressing: raw id + 1, 0 empty */
    uint32_t n_slots;
    struct memo_entry *memo;
    uint32_t n_memo, memo_slots;
    char *pool;
    size_t pool_len, pool_cap;
    struct doc_terms dt;
    struct hot_word *hot; /* HOT_WORDS entries */
    struct rec *recs;     /* every (term, chunk), in chunk order */
    size_t n_recs, cap_recs;
    double len_sum[N_FIELDS];
    float (*doc_len)[N_FIELDS];
    struct text_analyzer *an;
    uint32_t doc;
    enum text_lang lang;
    enum field field;
    ag_err rc;
};

static uint32_t hash_str(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static uint32_t lookup_raw(const struct builder *b, const char *s, size_t n)
{
    uint32_t mask = b->n_slots - 1;
    for (uint32_t i = hash_str(s, n) & mask;; i = (i + 1) & mask) {
        uint32_t v = b->slots[i];
        if (!v)
            return NONE;
        const char *t = b->t[v - 1].s;
        if (strncmp(t, s, n) == 0 && t[n] == '\0')
            return v - 1;
    }
}

static ag_err rehash(struct builder *b)
{
    uint32_t n_slots = b->n_slots ? b->n_slots * 2 : 1u << 16;
    uint32_t *slots = calloc(n_slots, sizeof(*slots));
    if (!slots)
        return AG_ENOMEM;
    for (uint32_t id = 0; id < b->n; id++) {
        uint32_t i = hash_str(b->t[id].s, strlen(b->t[id].s)) & (n_slots - 1);
        while (slots[i])
            i = (i + 1) & (n_slots - 1);
        slots[i] = id + 1;
    }
    free(b->slots);
    b->slots = slots;
    b->n_slots = n_slots;
    return AG_OK;
}

static uint32_t intern(struct builder *b, const char *s, size_t n)
{
    uint32_t id = lookup_raw(b, s, n);
    if (id != NONE)
        return id;
    if ((b->n + 1) * 2 > b->n_slots && rehash(b) != AG_OK)
        return NONE;
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 4096;
        struct raw_term *t = realloc(b->t, cap * sizeof(*t));
        if (!t)
            return NONE;
        b->t = t;
        b->cap = cap;
    }
    struct raw_term *t = &b->t[b->n];
    memset(t, 0, sizeof(*t));
    t->a = t->b = NONE;
    if (!(t->s = strndup(s, n)))
        return NONE;
    uint32_t i = hash_str(s, n) & (b->n_slots - 1);
    while (b->slots[i])
        i = (i + 1) & (b->n_slots - 1);
    b->slots[i] = b->n + 1;
    return b->n++;
}

/* Count one occurrence of term id in the current chunk and field. */
static ag_err add_occurrence(struct builder *b, uint32_t id)
{
    struct doc_terms *dt = &b->dt;
    if (id >= dt->term_cap) {
        uint32_t cap = dt->term_cap ? dt->term_cap : 4096;
        while (cap <= id)
            cap *= 2;
        uint32_t *last = realloc(dt->last, cap * sizeof(*last));
        if (last)
            dt->last = last;
        uint32_t *slot = realloc(dt->slot, cap * sizeof(*slot));
        if (slot)
            dt->slot = slot;
        if (!last || !slot)
            return AG_ENOMEM;
        memset(dt->last + dt->term_cap, 0, (cap - dt->term_cap) * sizeof(*last));
        dt->term_cap = cap;
    }
    if (dt->last[id] != b->doc + 1) {
        if (dt->n == dt->cap) {
            uint32_t cap = dt->cap ? dt->cap * 2 : 256;
            struct rec *np = realloc(dt->p, cap * sizeof(*np));
            if (np)
                dt->p = np;
            uint32_t *nt = realloc(dt->term, cap * sizeof(*nt));
            if (nt)
                dt->term = nt;
            if (!np || !nt)
                return AG_ENOMEM;
            dt->cap = cap;
        }
        dt->last[id] = b->doc + 1;
        dt->slot[id] = dt->n;
        dt->term[dt->n] = id;
        dt->p[dt->n] = (struct rec){.term = id, .doc = b->doc};
        dt->n++;
    }
    uint16_t *tf = &dt->p[dt->slot[id]].tf[b->field];
    if (*tf < UINT16_MAX) /* a chunk is far shorter; saturate rather than wrap */
        (*tf)++;
    return AG_OK;
}

/* The chunk is analysed: append its terms to the builder's records. */
static ag_err flush_doc(struct builder *b)
{
    struct doc_terms *dt = &b->dt;
    if (b->n_recs + dt->n > b->cap_recs) {
        size_t cap = b->cap_recs ? b->cap_recs * 2 : (size_t)1 << 16;
        while (cap < b->n_recs + dt->n)
            cap *= 2;
        struct rec *r = realloc(b->recs, cap * sizeof(*r));
        if (!r)
            return AG_ENOMEM;
        b->recs = r;
        b->cap_recs = cap;
    }
    memcpy(b->recs + b->n_recs, dt->p, dt->n * sizeof(*dt->p));
    b->n_recs += dt->n;
    for (uint32_t i = 0; i < dt->n; i++) {
        struct raw_term *t = &b->t[dt->term[i]];
        t->n++;
        if (b->lang == TEXT_LANG_DE)
            t->german = true;
    }
    dt->n = 0;
    return AG_OK;
}

static ag_err memo_grow(struct builder *b)
{
    uint32_t slots = b->memo_slots ? b->memo_slots * 2 : 1u << 16;
    struct memo_entry *m = calloc(slots, sizeof(*m));
    if (!m)
        return AG_ENOMEM;
    for (uint32_t i = 0; i < b->memo_slots; i++) {
        if (!b->memo[i].len)
            continue;
        uint32_t h = b->memo[i].hash & (slots - 1);
        while (m[h].len)
            h = (h + 1) & (slots - 1);
        m[h] = b->memo[i];
    }
    free(b->memo);
    b->memo = m;
    b->memo_slots = slots;
    return AG_OK;
}

/* Keep key k[0..n) in the memo's pool; its offset, or NONE without memory. */
static uint32_t pool_put(struct builder *b, const char *k, size_t n)
{
    if (b->pool_len + n > b->pool_cap) {
        size_t cap = b->pool_cap ? b->pool_cap * 2 : (size_t)1 << 20;
        while (cap < b->pool_len + n)
            cap *= 2;
        char *p = cap <= UINT32_MAX ? realloc(b->pool, cap) : NULL;
        if (!p)
            return NONE;
        b->pool = p;
        b->pool_cap = cap;
    }
    memcpy(b->pool + b->pool_len, k, n);
    b->pool_len += n;
    return (uint32_t)(b->pool_len - n);
}

static uint32_t word_term_memo(struct builder *b, const char *key, uint32_t kl, uint32_t hash,
                               uint32_t hl, const char *w, size_t n);

/* The term id of word w in language lang: from the memo, or analysed once now. */
static uint32_t word_term(struct builder *b, const char *w, size_t n)
{
    /* The key (language byte, word), zero-padded to whole 8-byte words. */
    uint64_t kw[10] = {0};
    char *key = (char *)kw;
    key[0] = (char)('0' + b->lang);
    memcpy(key + 1, w, n);
    uint32_t kl = (uint32_t)n + 1, nw = (kl + 7) / 8;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ kl;
    for (uint32_t i = 0; i < nw; i++) {
        h = (h ^ kw[i]) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    uint32_t hash = (uint32_t)(h ^ (h >> 32));
    uint32_t hl = kl < MEMO_INLINE ? kl : MEMO_INLINE;
    /* The frequent words (Zipf) hit a small table that stays in the cache. */
    struct hot_word *hot = &b->hot[hash & (HOT_WORDS - 1)];
    if (hot->hash == hash && hot->len == kl && hot->key[0] == kw[0] && hot->key[1] == kw[1] &&
        hot->key[2] == kw[2])
        return hot->id;
    uint32_t id = word_term_memo(b, key, kl, hash, hl, w, n);
    if (id != NONE && kl <= sizeof(hot->key)) {
        *hot = (struct hot_word){.hash = hash, .id = id, .len = kl};
        memcpy(hot->key, kw, sizeof(hot->key));
    }
    return id;
}

/* word_term() past the hot table: the memo, or the analysis. */
static uint32_t word_term_memo(struct builder *b, const char *key, uint32_t kl, uint32_t hash,
                               uint32_t hl, const char *w, size_t n)
{
    if ((b->n_memo + 1) * 2 > b->memo_slots && memo_grow(b) != AG_OK)
        return NONE;
    uint32_t mask = b->memo_slots - 1, h = hash & mask;
    for (; b->memo[h].len; h = (h + 1) & mask) {
        const struct memo_entry *e = &b->memo[h];
        if (e->hash != hash || e->len != kl)
            continue;
        uint32_t i = 0;
        while (i < hl && e->head[i] == key[i])
            i++;
        if (i == hl && (kl == hl || memcmp(b->pool + e->off, key + hl, kl - hl) == 0))
            return e->id;
    }
    uint32_t id = MEMO_STOP;
    if (!text_is_stopword(w, n)) {
        struct buf stem;
        buf_init(&stem, 512);
        ag_err rc = text_stem(b->an, b->lang, w, n, &stem);
        id = rc != AG_OK ? NONE : stem.len ? intern(b, stem.p, stem.len) : MEMO_STOP;
        buf_release(&stem);
        if (id == NONE)
            return NONE;
    }
    uint32_t off = kl > hl ? pool_put(b, key + hl, kl - hl) : 0;
    if (off == NONE)
        return NONE;
    b->memo[h] = (struct memo_entry){.hash = hash, .off = off, .len = (uint8_t)kl, .id = id};
    memcpy(b->memo[h].head, key, hl);
    b->n_memo++;
    return id;
}

static bool index_word(void *ctx, const char *w, size_t n, size_t start, size_t end)
{
    struct builder *b = ctx;
    (void)start;
    (void)end;
    b->doc_len[b->doc][b->field] += 1;
    if (n > 64)
        return true;
    uint32_t id = word_term(b, w, n);
    if (id == NONE)
        b->rc = AG_ENOMEM;
    else if (id != MEMO_STOP)
        b->rc = add_occurrence(b, id);
    return b->rc == AG_OK;
}

static ag_err index_field(struct builder *b, enum field f, struct str s)
{
    b->field = f;
    ag_err rc = text_words(s.p, s.len, index_word, b);
    if (rc == AG_EINVAL)
        rc = AG_OK; /* stored text was validated at ingestion; skip what is not UTF-8 */
    return rc != AG_OK ? rc : b->rc;
}

/* "NW-1004" -> "#sku:nw-1004": SKUs compare case-insensitively. */
static ag_err sku_term(struct buf *out, const char *sku, size_t n)
{
    ag_err rc = buf_append_str(out, "#sku:");
    for (size_t i = 0; i < n && rc == AG_OK; i++) {
        char c = sku[i];
        rc = buf_putc(out, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
    }
    return rc;
}

/* A vocabulary to split against: the id of p[0..n) and its document frequency. */
typedef uint32_t (*vocab_fn)(const void *ctx, const char *p, size_t n, uint32_t *df);

/* Split German stem s into two stems of the vocabulary, a + [linker] + b, neither being
 * self; the split whose rarer part is most frequent wins. false when there is none. */
static bool best_split(const char *s, size_t n, uint32_t self, vocab_fn vocab, const void *ctx,
                       uint32_t *a, uint32_t *b)
{
    static const char *const linkers[] = {"", "s", "es", "n", "en", "e"};
    uint32_t best = 0;
    *a = *b = NONE;
    if (n < MIN_SPLIT_LEN || s[0] == '#')
        return false;
    for (size_t i = MIN_PART_LEN; i + MIN_PART_LEN <= n; i++) {
        uint32_t dfx, dfy, x = vocab(ctx, s, i, &dfx);
        if (x == NONE || x == self)
            continue;
        for (size_t l = 0; l < sizeof(linkers) / sizeof(linkers[0]); l++) {
            size_t ll = strlen(linkers[l]);
            if (i + ll + MIN_PART_LEN > n || strncmp(s + i, linkers[l], ll) != 0)
                continue;
            uint32_t y = vocab(ctx, s + i + ll, n - i - ll, &dfy);
            if (y == NONE || y == self)
                continue;
            uint32_t df = dfx < dfy ? dfx : dfy;
            if (df > best) {
                best = df;
                *a = x;
                *b = y;
            }
        }
    }
    return *a != NONE;
}

static uint32_t builder_vocab(const void *ctx, const char *p, size_t n, uint32_t *df)
{
    const struct builder *b = ctx;
    uint32_t id = lookup_raw(b, p, n);
    *df = id == NONE ? 0 : b->t[id].n;
    return id;
}

/* Split the German compounds of the corpus with its own vocabulary. */
static void split_compounds(struct builder *b)
{
    for (uint32_t id = 0; id < b->n; id++) {
        struct raw_term *t = &b->t[id];
        if (t->german)
            best_split(t->s, strlen(t->s), id, builder_vocab, b, &t->a, &t->b);
    }
}

/* Terms sort by their first 8 bytes as a big-endian number (zero-padded) first, so most
 * comparisons need no string. qsort has no context argument in C17: one sort at a time. */
static const struct builder *sort_ctx;
static const uint64_t *sort_head;
static pthread_mutex_t sort_mu = PTHREAD_MUTEX_INITIALIZER;

static int cmp_term_id(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    if (sort_head[a] != sort_head[b])
        return sort_head[a] < sort_head[b] ? -1 : 1;
    if ((sort_head[a] & 0xFF) == 0) /* both end within the 8 bytes: equal */
        return 0;
    return strcmp(sort_ctx->t[a].s + 8, sort_ctx->t[b].s + 8);
}

struct impact {
    uint32_t key; /* the frequency's bits: positive floats order as their bits do */
    uint32_t doc;
};

/* Sort v[0..n) by key, largest first: LSD radix sort, 8 bits a pass, stable (tmp: n). */
static void sort_impacts(struct impact *v, struct impact *tmp, size_t n)
{
    for (int shift = 0; shift < 32; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[255 - ((v[i].key >> shift) & 0xFF) + 1]++;
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            tmp[count[255 - ((v[i].key >> shift) & 0xFF)]++] = v[i];
        memcpy(v, tmp, n * sizeof(*v));
    }
}

/* Impact prefixes for the long posting lists (see kb_index_search: they let a question
 * made only of frequent words skip most of their postings). */
static ag_err build_impacts(struct kb_index *ix)
{
    size_t total = 0, max_df = 0;
    for (uint32_t t = 0; t < ix->n_terms; t++)
        if (ix->df[t] >= IMPACT_MIN_DF) {
            total += ix->df[t] / IMPACT_SHARE;
            max_df = ix->df[t] > max_df ? ix->df[t] : max_df;
        }
    ix->imp_off = calloc(ix->n_terms + 1, sizeof(*ix->imp_off));
    ix->imp_floor = calloc(ix->n_terms + 1, sizeof(*ix->imp_floor));
    ix->imp_doc = malloc((total ? total : 1) * sizeof(*ix->imp_doc));
    ix->imp_tf = malloc((total ? total : 1) * sizeof(*ix->imp_tf));
    struct impact *v = malloc((max_df ? max_df : 1) * sizeof(*v));
    struct impact *tmp = malloc((max_df ? max_df : 1) * sizeof(*tmp));
    if (!ix->imp_off || !ix->imp_floor || !ix->imp_doc || !ix->imp_tf || !v || !tmp) {
        free(v);
        free(tmp);
        return AG_ENOMEM;
    }
    uint32_t off = 0;
    for (uint32_t t = 0; t < ix->n_terms; t++) {
        ix->imp_off[t] = off;
        size_t n = ix->df[t], keep = n / IMPACT_SHARE;
        if (n < IMPACT_MIN_DF || keep == 0)
            continue;
        for (size_t j = 0; j < n; j++) {
            uint32_t p = ix->post_off[t] + (uint32_t)j, key;
            memcpy(&key, &ix->post_tf[p], sizeof(key));
            v[j] = (struct impact){key, ix->post_doc[p]};
        }
        sort_impacts(v, tmp, n);
        for (size_t j = 0; j < keep; j++) {
            ix->imp_doc[off + j] = v[j].doc;
            memcpy(&ix->imp_tf[off + j], &v[j].key, sizeof(float));
        }
        /* every posting left out has at most the largest frequency not kept */
        memcpy(&ix->imp_floor[t], &v[keep].key, sizeof(float));
        off += (uint32_t)keep;
    }
    ix->imp_off[ix->n_terms] = off;
    free(v);
    free(tmp);
    return AG_OK;
}

struct posting {
    uint32_t doc;
    float tf;
};

static int cmp_posting(const void *x, const void *y)
{
    uint32_t a = ((const struct posting *)x)->doc, b = ((const struct posting *)y)->doc;
    return a < b ? -1 : a > b;
}

/* Term ids in the order of their strings (the index's term order). */
static ag_err sort_terms(const struct builder *b, uint32_t *order)
{
    uint64_t *head = malloc((b->n ? b->n : 1) * sizeof(*head));
    if (!head)
        return AG_ENOMEM;
    for (uint32_t i = 0; i < b->n; i++) {
        const char *s = b->t[i].s;
        uint64_t h = 0;
        size_t j = 0;
        for (; j < 8 && s[j]; j++)
            h = h << 8 | (unsigned char)s[j];
        head[i] = j ? h << (8 * (8 - j)) : 0;
        order[i] = i;
    }
    pthread_mutex_lock(&sort_mu);
    sort_ctx = b;
    sort_head = head;
    qsort(order, b->n, sizeof(*order), cmp_term_id);
    pthread_mutex_unlock(&sort_mu);
    free(head);
    return AG_OK;
}

/* Cut the records into the sorted CSR arrays of ix, with BM25F pseudo-frequencies: a
 * posting's frequency is sum over fields of weight x count / length norm. A German
 * compound's postings also count for each of its two parts, at PART_WEIGHT: as the
 * frequency is linear in the counts, a part's posting adds the compound's, scaled. */
static ag_err finish(struct builder *b, struct kb_index *ix)
{
    uint32_t nt = b->n, n1 = nt ? nt : 1;
    uint32_t *order = malloc(n1 * sizeof(*order)), *rank = malloc(n1 * sizeof(*rank));
    uint32_t *own = calloc((size_t)nt + 1, sizeof(*own));   /* own[t]: start of t's list */
    uint32_t *nref = calloc((size_t)nt + 1, sizeof(*nref)); /* compounds naming t a part */
    uint32_t *fill = malloc(n1 * sizeof(*fill));
    struct posting *op = malloc((b->n_recs ? b->n_recs : 1) * sizeof(*op));
    size_t total = b->n_recs, n_refs = 0;
    for (uint32_t t = 0; t < nt; t++)
        if (b->t[t].a != NONE) {
            total += 2 * (size_t)b->t[t].n;
            n_refs += 2;
        }
    uint32_t *ref = malloc((n_refs ? n_refs : 1) * sizeof(*ref));
    ag_err rc = order && rank && own && nref && fill && op && ref && total <= UINT32_MAX
                    ? AG_OK
                    : AG_ENOMEM;
    if (rc == AG_OK) {
        ix->n_terms = nt;
        ix->terms = calloc(n1 + 1, sizeof(*ix->terms));
        ix->df = calloc(n1 + 1, sizeof(*ix->df));
        ix->split_a = calloc(n1 + 1, sizeof(*ix->split_a));
        ix->split_b = calloc(n1 + 1, sizeof(*ix->split_b));
        ix->post_off = calloc(n1 + 1, sizeof(*ix->post_off));
        ix->post_doc = malloc((total ? total : 1) * sizeof(*ix->post_doc));
        ix->post_tf = malloc((total ? total : 1) * sizeof(*ix->post_tf));
        ix->max_tf = calloc(n1 + 1, sizeof(*ix->max_tf));
        if (!ix->terms || !ix->df || !ix->split_a || !ix->split_b || !ix->post_off ||
            !ix->post_doc || !ix->post_tf || !ix->max_tf)
            rc = AG_ENOMEM;
    }
    struct posting *tmp = NULL;
    if (rc == AG_OK) {
        /* The own lists, by a counting sort of the records (stable: chunk order kept). */
        double avg[N_FIELDS];
        for (int f = 0; f < N_FIELDS; f++)
            avg[f] = ix->n_docs && b->len_sum[f] > 0 ? b->len_sum[f] / ix->n_docs : 0;
        /* Each chunk's field lengths become its factors: weight / length norm. */
        for (uint32_t d = 0; d < ix->n_docs; d++)
            for (int f = 0; f < N_FIELDS; f++) {
                double norm = avg[f] > 0 ? 1 - BM25_B + BM25_B * b->doc_len[d][f] / avg[f] : 1;
                b->doc_len[d][f] = (float)(field_weight[f] / (norm > 0.05 ? norm : 0.05));
            }
        for (uint32_t t = 0; t < nt; t++)
            own[t + 1] = own[t] + b->t[t].n;
        memcpy(fill, own, n1 * sizeof(*fill));
        for (size_t r = 0; r < b->n_recs; r++) {
            const struct rec *x = &b->recs[r];
            const float *w = b->doc_len[x->doc];
            float tf = 0;
            for (int f = 0; f < N_FIELDS; f++)
                tf += (float)x->tf[f] * w[f];
            op[fill[x->term]++] = (struct posting){x->doc, tf};
        }
        free(b->recs); /* sorted out: the largest array of the build goes first */
        b->recs = NULL;
        b->n_recs = b->cap_recs = 0;
        /* Which compounds name each term a part. */
        for (uint32_t t = 0; t < nt; t++)
            if (b->t[t].a != NONE) {
                nref[b->t[t].a]++;
                nref[b->t[t].b]++;
            }
        uint32_t acc = 0;
        for (uint32_t t = 0; t < nt; t++) {
            uint32_t c = nref[t];
            nref[t] = acc; /* start of t's references */
            fill[t] = acc;
            acc += c;
        }
        nref[nt] = acc;
        for (uint32_t t = 0; t < nt; t++)
            if (b->t[t].a != NONE) {
                ref[fill[b->t[t].a]++] = t;
                ref[fill[b->t[t].b]++] = t;
            }
        rc = sort_terms(b, order);
    }
    size_t tmp_cap = 0;
    uint32_t off = 0;
    for (uint32_t i = 0; rc == AG_OK && i < nt; i++)
        rank[order[i]] = i;
    for (uint32_t i = 0; rc == AG_OK && i < nt; i++) {
        uint32_t id = order[i];
        struct raw_term *t = &b->t[id];
        const struct posting *list = op + own[id];
        size_t n = t->n;
        if (nref[id + 1] > nref[id]) { /* merge in the compounds' postings, by chunk */
            for (uint32_t k = nref[id]; k < nref[id + 1]; k++)
                n += b->t[ref[k]].n;
            if (n > tmp_cap) {
                struct posting *p = realloc(tmp, n * sizeof(*p));
                if (!p) {
                    rc = AG_ENOMEM;
                    break;
                }
                tmp = p;
                tmp_cap = n;
            }
            memcpy(tmp, list, t->n * sizeof(*tmp));
            size_t w = t->n;
            for (uint32_t k = nref[id]; k < nref[id + 1]; k++) {
                uint32_t c = ref[k];
                for (uint32_t j = own[c]; j < own[c + 1]; j++)
                    tmp[w++] = (struct posting){op[j].doc, op[j].tf * (float)PART_WEIGHT};
            }
            qsort(tmp, n, sizeof(*tmp), cmp_posting);
            w = 0;
            for (size_t j = 1; j < n; j++) {
                if (tmp[j].doc == tmp[w].doc)
                    tmp[w].tf += tmp[j].tf;
                else
                    tmp[++w] = tmp[j];
            }
            n = n ? w + 1 : 0;
            list = tmp;
        }
        ix->terms[i] = t->s;
        t->s = NULL; /* owned by the index now */
        ix->df[i] = (uint32_t)n;
        ix->split_a[i] = t->a == NONE ? NONE : rank[t->a];
        ix->split_b[i] = t->b == NONE ? NONE : rank[t->b];
        ix->post_off[i] = off;
        float mx = 0;
        for (size_t j = 0; j < n; j++) {
            ix->post_doc[off + j] = list[j].doc;
            ix->post_tf[off + j] = list[j].tf;
            mx = list[j].tf > mx ? list[j].tf : mx;
        }
        ix->max_tf[i] = mx;
        off += (uint32_t)n;
    }
    if (rc == AG_OK)
        ix->post_off[nt] = off;
    free(tmp);
    free(order);
    free(rank);
    free(own);
    free(nref);
    free(fill);
    free(op);
    free(ref);
    return rc ? rc : build_impacts(ix);
}

/* The tables a new builder needs (its analyzer is set by the caller). */
static ag_err builder_start(struct builder *b)
{
    if (!(b->hot = calloc(HOT_WORDS, sizeof(*b->hot))))
        return AG_ENOMEM;
    return rehash(b);
}

static void builder_free(struct builder *b)
{
    for (uint32_t i = 0; i < b->n; i++)
        free(b->t[i].s);
    free(b->recs);
    free(b->t);
    free(b->slots);
    free(b->memo);
    free(b->hot);
    free(b->pool);
    free(b->dt.last);
    free(b->dt.slot);
    free(b->dt.p);
    free(b->dt.term);
    free(b->doc_len);
    text_analyzer_destroy(b->an);
}

static void index_free(struct kb_index *ix)
{
    if (!ix)
        return;
    for (uint32_t i = 0; i < ix->n_docs; i++) {
        free(ix->doc[i]);
        free(ix->title[i]);
        free(ix->heading[i]);
        free(ix->sku[i]);
    }
    for (uint32_t i = 0; ix->terms && i < ix->n_terms; i++)
        free(ix->terms[i]);
    for (uint32_t i = 0; i < ix->n_cats; i++)
        free(ix->cats[i]);
    free(ix->chunk_id);
    free(ix->lang);
    free(ix->cat);
    free(ix->stock);
    free(ix->doc);
    free(ix->title);
    free(ix->heading);
    free(ix->sku);
    free(ix->cats);
    free(ix->terms);
    free(ix->df);
    free(ix->split_a);
    free(ix->split_b);
    free(ix->post_off);
    free(ix->post_doc);
    free(ix->post_tf);
    free(ix->max_tf);
    free(ix->imp_off);
    free(ix->imp_doc);
    free(ix->imp_tf);
    free(ix->imp_floor);
    free(ix->vecs);
    free(ix->has_vec);
    free(ix);
}

static char *dup_str(struct str s)
{
    return strndup(s.p, s.len);
}

static uint32_t category_id(struct kb_index *ix, struct str name, uint32_t *cap)
{
    for (uint32_t i = 0; i < ix->n_cats; i++)
        if (str_eq_cstr(name, ix->cats[i]))
            return i;
    if (ix->n_cats == *cap) {
        uint32_t c = *cap ? *cap * 2 : 16;
        char **v = realloc(ix->cats, c * sizeof(*v));
        if (!v)
            return NONE;
        ix->cats = v;
        *cap = c;
    }
    if (!(ix->cats[ix->n_cats] = dup_str(name)))
        return NONE;
    return ix->n_cats++;
}

/* Chunk vectors of the embedder's model, placed by chunk id (chunks are sorted by id). */
static ag_err load_vectors(struct store_db *db, const char *tenant, const struct kb_embedder *emb,
                           struct kb_index *ix)
{
    size_t n = ix->n_docs ? ix->n_docs : 1;
    ix->dim = emb->dim;
    ix->vecs = calloc(n * emb->dim, sizeof(float));
    ix->has_vec = calloc(n, 1);
    if (!ix->vecs || !ix->has_vec)
        return AG_ENOMEM;
    struct store_stmt *st = NULL;
    bool row = false;
    size_t missing = ix->n_docs;
    ag_err rc = store_prepare(db,
                              "SELECT v.chunk_id, v.vec FROM chunk_vecs v JOIN chunks c"
                              " ON c.id = v.chunk_id WHERE c.tenant = ?1 AND v.model = ?2",
                              &st);
    rc = rc ? rc : store_bind_text(st, 1, tenant, strlen(tenant));
    rc = rc ? rc : store_bind_text(st, 2, emb->id, strlen(emb->id));
    while (rc == AG_OK && (rc = store_step(st, &row)) == AG_OK && row) {
        int64_t id = store_col_int64(st, 0);
        struct str v = store_col_blob(st, 1);
        uint32_t lo = 0, hi = ix->n_docs;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (ix->chunk_id[mid] < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == ix->n_docs || ix->chunk_id[lo] != id || v.len != emb->dim * sizeof(float))
            continue; /* another dimension: stale, recomputed at the next ingest */
        memcpy(ix->vecs + (size_t)lo * emb->dim, v.p, v.len);
        ix->has_vec[lo] = 1;
        missing--;
    }
    store_finalize(st);
    if (rc == AG_OK && missing)
        log_warn("kb: chunks without an embedding tenant=%s missing=%zu (run ingest to add them)",
                 tenant, missing);
    return rc;
}

bool kb_index_has_vectors(const struct kb_index *ix)
{
    return ix->vecs != NULL;
}

/* Analyse chunks [lo, hi) of ix into builder b (bodies in body[]). */
static ag_err analyse_range(struct builder *b, const struct kb_index *ix, char *const *body,
                            uint32_t lo, uint32_t hi)
{
    ag_err rc = AG_OK;
    for (uint32_t d = lo; d < hi && rc == AG_OK; d++) {
        memset(b->doc_len[d], 0, sizeof(b->doc_len[d]));
        b->doc = d;
        b->lang = ix->lang[d] ? (enum text_lang)ix->lang[d] : TEXT_LANG_EN;
        rc = index_field(b, F_TITLE, str_from_cstr(ix->title[d]));
        rc = rc ? rc : index_field(b, F_HEAD, str_from_cstr(ix->heading[d]));
        rc = rc ? rc : index_field(b, F_BODY, str_from_cstr(body[d]));
        if (rc == AG_OK && ix->sku[d]) {
            struct buf t;
            buf_init(&t, 256);
            b->field = F_SKU;
            rc = sku_term(&t, ix->sku[d], strlen(ix->sku[d]));
            uint32_t id = rc == AG_OK ? intern(b, t.p, t.len) : NONE;
            rc = rc ? rc : id == NONE ? AG_ENOMEM : add_occurrence(b, id);
            b->doc_len[d][F_SKU] = 1;
            buf_release(&t);
        }
        rc = rc ? rc : flush_doc(b);
        for (int f = 0; f < N_FIELDS; f++)
            b->len_sum[f] += b->doc_len[d][f];
    }
    return rc;
}

struct analyse_job {
    struct builder b;
    const struct kb_index *ix;
    char *const *body;
    uint32_t lo, hi;
    ag_err rc;
};

static void *analyse_thread(void *arg)
{
    struct analyse_job *j = arg;
    j->rc = analyse_range(&j->b, j->ix, j->body, j->lo, j->hi);
    return NULL;
}

/* Move every term and record of src (chunks after all of dst's) into dst. */
static ag_err merge_builder(struct builder *dst, struct builder *src)
{
    uint32_t *map = malloc((src->n ? src->n : 1) * sizeof(*map));
    if (!map)
        return AG_ENOMEM;
    for (uint32_t i = 0; i < src->n; i++) {
        struct raw_term *st = &src->t[i];
        uint32_t id = intern(dst, st->s, strlen(st->s));
        if (id == NONE) {
            free(map);
            return AG_ENOMEM;
        }
        map[i] = id;
        dst->t[id].n += st->n;
        dst->t[id].german |= st->german;
    }
    if (dst->n_recs + src->n_recs > dst->cap_recs) {
        size_t cap = dst->n_recs + src->n_recs;
        struct rec *r = realloc(dst->recs, (cap ? cap : 1) * sizeof(*r));
        if (!r) {
            free(map);
            return AG_ENOMEM;
        }
        dst->recs = r;
        dst->cap_recs = cap;
    }
    for (size_t r = 0; r < src->n_recs; r++) {
        struct rec x = src->recs[r];
        x.term = map[x.term];
        dst->recs[dst->n_recs++] = x;
    }
    free(map);
    for (int f = 0; f < N_FIELDS; f++)
        dst->len_sum[f] += src->len_sum[f];
    return AG_OK;
}

#define PARALLEL_MIN_CHUNKS 2000 /* below this one thread analyses everything */

/* Analyse every chunk: the second half on a second thread when there are many, then
 * merged into b (postings stay in chunk order: the second half's chunks come later). */
static ag_err analyse_all(struct builder *b, const struct kb_index *ix, char *const *body)
{
    uint32_t n = ix->n_docs, mid = n;
    struct analyse_job j;
    memset(&j, 0, sizeof(j));
    pthread_t th;
    bool threaded = false;
    if (n >= PARALLEL_MIN_CHUNKS && text_analyzer_create(&j.b.an) == AG_OK &&
        builder_start(&j.b) == AG_OK) {
        mid = n / 2;
        j.b.doc_len = b->doc_len; /* shared; each thread writes its own chunks */
        j.ix = ix;
        j.body = body;
        j.lo = mid;
        j.hi = n;
        threaded = pthread_create(&th, NULL, analyse_thread, &j) == 0;
        if (!threaded)
            mid = n;
    }
    ag_err rc = analyse_range(b, ix, body, 0, mid);
    if (threaded) {
        pthread_join(th, NULL);
        rc = rc ? rc : j.rc;
        rc = rc ? rc : merge_builder(b, &j.b);
    }
    j.b.doc_len = NULL; /* owned by b */
    builder_free(&j.b);
    return rc;
}

ag_err kb_index_build(struct store_db *db, const char *tenant, int64_t version,
                      const struct kb_embedder *emb, struct kb_index **out)
{
    struct kb_index *ix = calloc(1, sizeof(*ix));
    struct builder b;
    memset(&b, 0, sizeof(b));
    struct store_stmt *st = NULL;
    bool row = false;
    uint32_t cap_docs = 0, cap_cats = 0;
    char **body = NULL; /* chunk bodies, held until they are analysed */
    ag_err rc = ix ? text_analyzer_create(&b.an) : AG_ENOMEM;
    rc = rc ? rc : builder_start(&b);
    rc = rc ? rc
            : store_prepare(db,
                            "SELECT c.id, d.path, c.title, c.heading, c.body, c.lang, c.sku,"
                            " p.category, p.stock FROM chunks c JOIN docs d ON d.id = c.doc_id"
                            " LEFT JOIN products p ON p.tenant = c.tenant AND p.sku = c.sku"
                            " WHERE c.tenant = ?1 ORDER BY c.id",
                            &st);
    rc = rc ? rc : store_bind_text(st, 1, tenant, strlen(tenant));
    while (rc == AG_OK && (rc = store_step(st, &row)) == AG_OK && row) {
        if (ix->n_docs == cap_docs) {
            uint32_t c = cap_docs ? cap_docs * 2 : 1024;
#define GROW(field)                                                                                \
    do {                                                                                           \
        void *p_ = realloc(field, c * sizeof(*(field)));                                           \
        if (!p_)                                                                                   \
            rc = AG_ENOMEM;                                                                        \
        else                                                                                       \
            (field) = p_;                                                                          \
    } while (0)
            GROW(ix->chunk_id);
            GROW(ix->lang);
            GROW(ix->cat);
            GROW(ix->stock);
            GROW(ix->doc);
            GROW(ix->title);
            GROW(ix->heading);
            GROW(ix->sku);
            GROW(b.doc_len);
            GROW(body);
#undef GROW
            if (rc != AG_OK)
                break;
            cap_docs = c;
        }
        uint32_t d = ix->n_docs;
        body[d] = NULL; /* freed below whatever happens next */
        struct str lang = store_col_text(st, 5);
        ix->chunk_id[d] = store_col_int64(st, 0);
        ix->lang[d] = (uint8_t)text_lang_parse(lang.p, lang.len);
        ix->doc[d] = dup_str(store_col_text(st, 1));
        ix->title[d] = dup_str(store_col_text(st, 2));
        ix->heading[d] = dup_str(store_col_text(st, 3));
        ix->sku[d] = store_col_is_null(st, 6) ? NULL : dup_str(store_col_text(st, 6));
        ix->cat[d] =
            store_col_is_null(st, 7) ? NONE : category_id(ix, store_col_text(st, 7), &cap_cats);
        ix->stock[d] = store_col_is_null(st, 8) ? -1 : store_col_int64(st, 8);
        ix->n_docs++; /* counted now so that index_free() frees this chunk's strings */
        if (!ix->doc[d] || !ix->title[d] || !ix->heading[d] ||
            (!store_col_is_null(st, 6) && !ix->sku[d]) ||
            (!store_col_is_null(st, 7) && ix->cat[d] == NONE)) {
            rc = AG_ENOMEM;
            break;
        }
        if (!(body[d] = dup_str(store_col_text(st, 4))))
            rc = AG_ENOMEM;
    }
    store_finalize(st);
    rc = rc ? rc : analyse_all(&b, ix, body);
    for (uint32_t d = 0; body && d < ix->n_docs; d++)
        free(body[d]);
    free(body);
    if (rc == AG_OK) {
        split_compounds(&b);
    }
    rc = rc ? rc : finish(&b, ix);
    if (rc == AG_OK && emb)
        rc = load_vectors(db, tenant, emb, ix);
    builder_free(&b);
#ifdef __GLIBC__
    /* The build freed many small blocks: sort them out now, and give the memory back,
     * rather than in the first question's malloc (milliseconds at 100k chunks). */
    malloc_trim(0);
#endif
    if (rc != AG_OK) {
        index_free(ix);
        return rc;
    }
    atomic_init(&ix->refs, 1);
    ix->version = version;
    *out = ix;
    log_debug("kb: index built tenant=%s chunks=%u terms=%u", tenant, ix->n_docs, ix->n_terms);
    return AG_OK;
}

void kb_index_retain(struct kb_index *ix)
{
    atomic_fetch_add(&ix->refs, 1);
}

void kb_index_release(struct kb_index *ix)
{
    if (ix && atomic_fetch_sub(&ix->refs, 1) == 1)
        index_free(ix);
}

int64_t kb_index_version(const struct kb_index *ix)
{
    return ix->version;
}

size_t kb_index_docs(const struct kb_index *ix)
{
    return ix->n_docs;
}

/* ---- searching ------------------------------------------------------------------------ */

static uint32_t find_term(const struct kb_index *ix, const char *s, size_t n)
{
    uint32_t lo = 0, hi = ix->n_terms;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strncmp(ix->terms[mid], s, n);
        if (c == 0 && ix->terms[mid][n] != '\0')
            c = 1;
        if (c < 0)
            lo = mid + 1;
        else if (c > 0)
            hi = mid;
        else
            return mid;
    }
    return NONE;
}

/* First term >= s[0..n) in sorted order. */
static uint32_t lower_bound(const struct kb_index *ix, const char *s, size_t n)
{
    uint32_t lo = 0, hi = ix->n_terms;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (strncmp(ix->terms[mid], s, n) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Per-thread scratch: scores and group frequencies for every chunk, and touched lists. */
struct scratch {
    float *acc, *gtf, *sel; /* sel: room to select the k-th best score */
    uint32_t *touched, *gtouched;
    uint32_t cap;
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p)
{
    struct scratch *s = p;
    if (!s)
        return;
    free(s->acc);
    free(s->gtf);
    free(s->sel);
    free(s->touched);
    free(s->gtouched);
    free(s);
}

static void scratch_init(void)
{
    pthread_key_create(&scratch_key, scratch_free);
}

static struct scratch *get_scratch(uint32_t n)
{
    pthread_once(&scratch_once, scratch_init);
    struct scratch *s = pthread_getspecific(scratch_key);
    if (s && s->cap >= n)
        return s;
    scratch_free(s);
    pthread_setspecific(scratch_key, NULL);
    s = calloc(1, sizeof(*s));
    uint32_t cap = n < 1024 ? 1024 : n;
    if (!s || !(s->acc = calloc(cap, sizeof(float))) || !(s->gtf = calloc(cap, sizeof(float))) ||
        !(s->sel = malloc(cap * sizeof(float))) || !(s->touched = malloc(cap * sizeof(uint32_t))) ||
        !(s->gtouched = malloc(cap * sizeof(uint32_t)))) {
        scratch_free(s);
        return NULL;
    }
    s->cap = cap;
    pthread_setspecific(scratch_key, s);
    return s;
}

struct group {
    uint32_t alt[MAX_PREFIX_TERMS];
    uint32_t n_alt;
    double weight;
    int term; /* index into the result's terms */
};

struct qparse {
    const struct kb_index *ix;
    struct arena *a;
    struct text_analyzer *an;
    enum text_lang lang;
    const char *text;
    size_t len;
    struct group *g;
    size_t n_g;
    struct kb_term *terms;
    size_t n_terms;
    const struct kb_synonyms *syn;
    struct kb_phrase *phrases; /* the quoted spans of the question */
    size_t n_phrases;
    unsigned qtf[MAX_GROUPS]; /* how often each term occurs in the question, minus one */
    ag_err rc;
};

static double idf_of(const struct kb_index *ix, uint32_t df)
{
    double n = ix->n_docs ? ix->n_docs : 1;
    if (df > ix->n_docs)
        df = ix->n_docs;
    return log(1.0 + (n - df + 0.5) / (df + 0.5));
}

static int add_term(struct qparse *q, const char *stem, size_t n, double weight, bool prefix,
                    uint32_t df)
{
    if (q->n_terms == MAX_GROUPS || q->n_g == MAX_GROUPS)
        return -1;
    char *s = arena_strndup(q->a, stem, n);
    if (!s) {
        q->rc = AG_ENOMEM;
        return -1;
    }
    struct kb_term *t = &q->terms[q->n_terms];
    *t = (struct kb_term){
        .stem = s, .idf = idf_of(q->ix, df), .prefix = prefix, .weight = weight, .parts = {-1, -1}};
    return (int)q->n_terms++;
}

/* Is s already a term of the question? A repeat counts once more for that term. */
static bool has_term_stem(struct qparse *q, const char *s, size_t n)
{
    for (size_t i = 0; i < q->n_terms; i++)
        if (strlen(q->terms[i].stem) == n && memcmp(q->terms[i].stem, s, n) == 0) {
            q->qtf[i]++;
            return true;
        }
    return false;
}

/* One group of alternatives for term index ti. */
static struct group *new_group(struct qparse *q, int ti, double weight)
{
    if (q->n_g == MAX_GROUPS)
        return NULL;
    struct group *g = &q->g[q->n_g++];
    g->n_alt = 0;
    g->weight = weight;
    g->term = ti;
    return g;
}

static uint32_t group_df(const struct kb_index *ix, const struct group *g)
{
    uint32_t df = 0;
    for (uint32_t i = 0; i < g->n_alt; i++)
        if (ix->df[g->alt[i]] > df)
            df = ix->df[g->alt[i]];
    return df;
}

static uint32_t index_vocab(const void *ctx, const char *p, size_t n, uint32_t *df)
{
    const struct kb_index *ix = ctx;
    uint32_t id = find_term(ix, p, n);
    *df = id == NONE ? 0 : ix->df[id];
    return id;
}

/* Parts of a compound the index never saw whole: split it against the vocabulary. */
static bool split_query_stem(const struct kb_index *ix, const char *s, size_t n, uint32_t *a,
                             uint32_t *b)
{
    return best_split(s, n, NONE, index_vocab, ix, a, b);
}

static void add_part_groups(struct qparse *q, int ti, uint32_t a, uint32_t b, double weight)
{
    uint32_t parts[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        const char *s = q->ix->terms[parts[k]];
        if (has_term_stem(q, s, strlen(s)))
            continue;
        int pi = add_term(q, s, strlen(s), weight, false, q->ix->df[parts[k]]);
        struct group *g = pi >= 0 ? new_group(q, pi, weight) : NULL;
        if (!g)
            return;
        g->alt[g->n_alt++] = parts[k];
        if (ti >= 0)
            q->terms[ti].parts[k] = pi;
    }
}

#define MAX_PHRASES    8
#define MAX_PHRASE_LEN 16

/* Is byte offset at inside a "quoted span" of the question? Which one (0-based)? */
static int phrase_at(const char *text, size_t at)
{
    int quotes = 0;
    for (size_t i = 0; i < at; i++)
        quotes += text[i] == '"';
    return quotes % 2 ? quotes / 2 : -1;
}

/* Record stem as the next word of phrase pi. */
static void phrase_word(struct qparse *q, int pi, const char *stem, size_t n)
{
    if (pi < 0 || q->n_g == 0 || q->n_g > 64)
        return;
    while (q->n_phrases <= (size_t)pi && q->n_phrases < MAX_PHRASES) {
        struct kb_phrase *ph = &q->phrases[q->n_phrases++];
        ph->n = 0;
        ph->stems = arena_calloc(q->a, MAX_PHRASE_LEN, sizeof(*ph->stems));
        if (!ph->stems)
            q->rc = AG_ENOMEM;
    }
    if ((size_t)pi >= q->n_phrases || q->rc != AG_OK)
        return;
    struct kb_phrase *ph = &q->phrases[pi];
    if (ph->n < MAX_PHRASE_LEN && (ph->stems[ph->n] = arena_strndup(q->a, stem, n)) != NULL)
        ph->n++;
}

/* Add the configured synonyms of stem to group g (and note them on term ti). */
static void add_synonyms(struct qparse *q, struct group *g, int ti, const char *stem, size_t n)
{
    const struct kb_synonyms *s = q->syn;
    if (!s || !s->n_entries)
        return;
    size_t lo = 0, hi = s->n_entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strncmp(s->entries[mid].stem, stem, n);
        if (c == 0 && s->entries[mid].stem[n] != '\0')
            c = 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t e = lo; e < s->n_entries; e++) {
        const char *es = s->entries[e].stem;
        if (strncmp(es, stem, n) != 0 || es[n] != '\0')
            break;
        uint32_t grp = s->entries[e].group;
        for (uint32_t i = s->group_off[grp]; i < s->group_off[grp + 1]; i++) {
            const char *m = s->stems[i];
            if (strcmp(m, es) == 0)
                continue;
            uint32_t id = find_term(q->ix, m, strlen(m));
            bool dup = false;
            for (uint32_t k = 0; id != NONE && k < g->n_alt && !dup; k++)
                dup = g->alt[k] == id;
            if (id != NONE && !dup && g->n_alt < MAX_PREFIX_TERMS)
                g->alt[g->n_alt++] = id;
            struct kb_term *t = &q->terms[ti];
            if (t->n_syn < 4)
                t->syn[t->n_syn++] = m;
        }
    }
}

static bool query_word(void *ctx, const char *w, size_t n, size_t start, size_t end)
{
    struct qparse *q = ctx;
    int pi = phrase_at(q->text, start);
    bool prefix = end < q->len && q->text[end] == '*';
    if ((!prefix && text_is_stopword(w, n)) || n > 64)
        return true;
    struct buf stem, other;
    buf_init(&stem, 512);
    buf_init(&other, 512);
    enum text_lang ol = q->lang == TEXT_LANG_DE ? TEXT_LANG_EN : TEXT_LANG_DE;
    q->rc = prefix ? buf_append(&stem, w, n) : text_stem(q->an, q->lang, w, n, &stem);
    if (q->rc != AG_OK || stem.len == 0 || has_term_stem(q, stem.p, stem.len))
        goto out;
    if (prefix) {
        uint32_t lo = lower_bound(q->ix, stem.p, stem.len);
        int ti = add_term(q, stem.p, stem.len, 1, true, 0);
        struct group *g = ti >= 0 ? new_group(q, ti, 1) : NULL;
        for (uint32_t i = lo; g && i < q->ix->n_terms && g->n_alt < MAX_PREFIX_TERMS &&
                              strncmp(q->ix->terms[i], stem.p, stem.len) == 0;
             i++)
            if (q->ix->terms[i][0] != '#')
                g->alt[g->n_alt++] = i;
        if (g)
            q->terms[ti].idf = idf_of(q->ix, group_df(q->ix, g));
        goto out;
    }
    uint32_t id = find_term(q->ix, stem.p, stem.len);
    if (id == NONE) { /* the question may be in the other language than detected */
        q->rc = text_stem(q->an, ol, w, n, &other);
        if (q->rc == AG_OK && other.len)
            id = find_term(q->ix, other.p, other.len);
        if (id != NONE) {
            buf_reset(&stem);
            q->rc = buf_append(&stem, other.p, other.len);
        }
    }
    int ti = add_term(q, stem.p, stem.len, 1, false, id == NONE ? 0 : q->ix->df[id]);
    if (ti < 0)
        goto out;
    uint32_t a = NONE, b = NONE;
    struct group *g = new_group(q, ti, 1);
    if (g && id != NONE)
        g->alt[g->n_alt++] = id;
    if (g)
        add_synonyms(q, g, ti, stem.p, stem.len);
    if (g && g->n_alt == 0)
        q->n_g--; /* nothing in the index answers to this word */
    else if (g) {
        q->terms[ti].idf = idf_of(q->ix, group_df(q->ix, g));
        phrase_word(q, pi, stem.p, stem.len);
    }
    if (id != NONE) {
        a = q->ix->split_a[id];
        b = q->ix->split_b[id];
        if (a != NONE && pi < 0)
            add_part_groups(q, ti, a, b, PART_WEIGHT);
    } else if (pi < 0 && split_query_stem(q->ix, stem.p, stem.len, &a, &b)) {
        add_part_groups(q, ti, a, b, 1); /* the parts are all the evidence there is */
    }
out:
    buf_release(&stem);
    buf_release(&other);
    return q->rc == AG_OK;
}

/* SKU-like tokens (letters, digits and '-', with a digit and a '-') hit "#sku:". */
static void query_skus(struct qparse *q)
{
    const char *p = q->text, *end = p + q->len;
    while (p < end) {
        while (p < end &&
               !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            p++;
        const char *s = p;
        bool digit = false, dash = false;
        while (p < end && ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                           (*p >= '0' && *p <= '9') || *p == '-')) {
            digit |= *p >= '0' && *p <= '9';
            dash |= *p == '-';
            p++;
        }
        if (!digit || !dash || p - s > 60)
            continue;
        struct buf t;
        buf_init(&t, 128);
        uint32_t id =
            sku_term(&t, s, (size_t)(p - s)) == AG_OK ? find_term(q->ix, t.p, t.len) : NONE;
        if (id != NONE) {
            int ti = add_term(q, t.p, t.len, SKU_QUERY_WEIGHT, false, q->ix->df[id]);
            struct group *g = ti >= 0 ? new_group(q, ti, SKU_QUERY_WEIGHT) : NULL;
            if (g)
                g->alt[g->n_alt++] = id;
        }
        buf_release(&t);
    }
}

struct top {
    uint32_t doc;
    float score;
};

/* Min-heap on score (ties: the later chunk is "smaller", so earlier chunks win). */
static bool top_less(const struct top *a, const struct top *b)
{
    return a->score < b->score || (a->score == b->score && a->doc > b->doc);
}

static void heap_down(struct top *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && top_less(&h[l], &h[m]))
            m = l;
        if (r < n && top_less(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        struct top t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Offer t to the k best kept in h; once k are kept, h is a min-heap (h[0] the k-th). */
static void top_push(struct top *h, size_t *n, size_t k, struct top t)
{
    if (*n < k) {
        h[(*n)++] = t;
        if (*n == k)
            for (size_t j = k / 2 + 1; j-- > 0;)
                heap_down(h, k, j);
    } else if (top_less(&h[0], &t)) {
        h[0] = t;
        heap_down(h, k, 0);
    }
}

static int cmp_top_desc(const void *x, const void *y)
{
    const struct top *a = x, *b = y;
    return top_less(a, b) ? 1 : top_less(b, a) ? -1 : 0;
}

/* ---- scoring: term at a time, then only the candidates that can still make the top k
 * (MaxScore): once the groups left could not lift an unseen chunk above the k-th best
 * score so far, the rest of the groups are looked up for the surviving candidates only,
 * by galloping through their posting lists instead of reading them whole. */

struct scoring {
    const struct kb_index *ix;
    const struct kb_query *q;
    uint32_t cat;
    struct scratch *s;
    size_t k;
    uint32_t n_touched;
    float max_acc;
    struct arena *a;
    struct top *heap; /* the pruned paths' top k (else the top k come from touched/acc) */
    size_t n_top;
};

/* The per-thread accumulators, taken when a path needs them (the DAAT path does not:
 * a thread's first question then touches no fresh pages). */
static ag_err scoring_scratch(struct scoring *sc)
{
    if (!sc->s && !(sc->s = get_scratch(sc->ix->n_docs)))
        return AG_ENOMEM;
    return AG_OK;
}

/* 0 when chunk d is filtered out, else the factor its score is multiplied by. */
static float doc_factor(const struct scoring *sc, uint32_t d)
{
    const struct kb_index *ix = sc->ix;
    if (sc->cat != NONE && ix->cat[d] != sc->cat)
        return 0;
    if ((sc->q->flags & KB_SEARCH_IN_STOCK) && ix->stock[d] <= 0)
        return 0;
    if (sc->q->lang != TEXT_LANG_UNKNOWN && ix->lang[d] && ix->lang[d] != (uint8_t)sc->q->lang)
        return (float)OTHER_LANG;
    return 1;
}

static double saturate(double tf)
{
    return tf * (BM25_K1 + 1) / (tf + BM25_K1);
}

static double group_weight(const struct kb_index *ix, const struct group *g)
{
    return idf_of(ix, group_df(ix, g)) * g->weight;
}

static double group_bound(const struct kb_index *ix, const struct group *g)
{
    double tf = 0;
    for (uint32_t i = 0; i < g->n_alt; i++)
        tf += ix->max_tf[g->alt[i]];
    return group_weight(ix, g) * saturate(tf);
}

/* Add group g's scores for every chunk in its postings. */
static void score_all(struct scoring *sc, const struct group *g)
{
    const struct kb_index *ix = sc->ix;
    struct scratch *s = sc->s;
    double w = group_weight(ix, g);
    uint32_t n_gt = 0;
    if (g->n_alt == 1) { /* one term (the usual case): no need to sum alternatives first */
        uint32_t t = g->alt[0], n = sc->n_touched;
        const uint32_t *pd = ix->post_doc + ix->post_off[t];
        const float *pt = ix->post_tf + ix->post_off[t];
        uint32_t len = ix->post_off[t + 1] - ix->post_off[t];
        float fw = (float)(w * (BM25_K1 + 1)), k1 = (float)BM25_K1, mx = sc->max_acc;
        for (uint32_t p = 0; p < len; p++) {
            uint32_t d = pd[p];
            float v = s->acc[d];
            if (v == 0) /* scores are positive: zero means not touched yet */
                s->touched[n++] = d;
            v += fw * pt[p] / (pt[p] + k1);
            s->acc[d] = v;
            mx = v > mx ? v : mx;
        }
        sc->n_touched = n;
        sc->max_acc = mx;
        return;
    }
    for (uint32_t k = 0; k < g->n_alt; k++) {
        uint32_t t = g->alt[k];
        for (uint32_t p = ix->post_off[t]; p < ix->post_off[t + 1]; p++) {
            uint32_t d = ix->post_doc[p];
            if (s->gtf[d] == 0)
                s->gtouched[n_gt++] = d;
            s->gtf[d] += ix->post_tf[p];
        }
    }
    for (uint32_t i = 0; i < n_gt; i++) {
        uint32_t d = s->gtouched[i];
        double tf = s->gtf[d];
        s->gtf[d] = 0;
        if (s->acc[d] == 0) /* scores are positive: zero means not touched yet */
            s->touched[sc->n_touched++] = d;
        s->acc[d] += (float)(w * saturate(tf));
        if (s->acc[d] > sc->max_acc)
            sc->max_acc = s->acc[d];
    }
}

/* Add group g's scores for the candidates only (touched, sorted by chunk). */
static void score_candidates(struct scoring *sc, const struct group *g)
{
    const struct kb_index *ix = sc->ix;
    struct scratch *s = sc->s;
    const uint32_t *cand = s->touched;
    uint32_t n = sc->n_touched;
    double w = group_weight(ix, g);
    for (uint32_t k = 0; k < g->n_alt; k++) {
        uint32_t t = g->alt[k];
        const uint32_t *pd = ix->post_doc + ix->post_off[t];
        uint32_t len = ix->post_off[t + 1] - ix->post_off[t], p = 0;
        bool dense = (uint64_t)n * 8 >= len; /* candidates this dense: walk the list */
        for (uint32_t c = 0; c < n && p < len; c++) {
            uint32_t d = cand[c];
            if (dense) {
                while (p < len && pd[p] < d)
                    p++;
            } else if (pd[p] < d) { /* gallop: double the step, then binary search */
                uint32_t step = 1, lo = p, hi;
                while (lo + step < len && pd[lo + step] < d) {
                    lo += step;
                    step *= 2;
                }
                hi = lo + step < len ? lo + step : len;
                while (lo < hi) {
                    uint32_t mid = lo + (hi - lo) / 2;
                    if (pd[mid] < d)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                p = lo;
            }
            if (p < len && pd[p] == d)
                s->gtf[d] += ix->post_tf[ix->post_off[t] + p];
        }
    }
    for (uint32_t c = 0; c < n; c++) {
        uint32_t d = cand[c];
        if (s->gtf[d] > 0) {
            s->acc[d] += (float)(w * saturate(s->gtf[d]));
            s->gtf[d] = 0;
        }
    }
}

static int cmp_float_desc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The k-th best (factored) score among the touched chunks, or 0 with fewer. */
static float kth_score(const struct scoring *sc, float *tmp)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < sc->n_touched; i++) {
        uint32_t d = sc->s->touched[i];
        float f = doc_factor(sc, d);
        if (f > 0)
            tmp[n++] = sc->s->acc[d] * f;
    }
    if (n < sc->k)
        return 0;
    /* Partial selection: keep the k best in a small sorted prefix. */
    size_t k = sc->k;
    qsort(tmp, k, sizeof(*tmp), cmp_float_desc);
    for (uint32_t i = (uint32_t)k; i < n; i++) {
        if (tmp[i] <= tmp[k - 1])
            continue;
        size_t j = k - 1;
        while (j > 0 && tmp[j - 1] < tmp[i]) {
            tmp[j] = tmp[j - 1];
            j--;
        }
        tmp[j] = tmp[i];
    }
    return tmp[k - 1];
}

/* ---- the pruned paths, for questions whose words are one term each (nearly all) -------
 * Both walk posting lists through cursors in chunk order, and score a chunk by looking it
 * up in the lists largest bound first, stopping as soon as the bounds of the lists left
 * cannot lift it to theta, the k-th best score so far. Every chunk's score is summed in
 * one fixed order (the question's), so it is the same float whichever lists were walked
 * and the top k equal exhaustive scoring's.
 *
 * Seed: the chunks at the head of each long list's impact prefix are scored first; the
 * k-th best of them is a lower bound of the true k-th best and the first theta.
 *
 * Impact path (questions made only of frequent words, where nothing else prunes): a
 * chunk that reaches theta must score at least lb_g = theta - (the other words' bounds)
 * on every word g; for the word whose impact prefix falls below its lb_g soonest, the
 * chunks at the head of that prefix down to lb_g are the only candidates.
 *
 * DAAT path (MaxScore): the lowest-bound lists whose bounds sum below theta are
 * "non-essential": a chunk found only in them cannot enter the top k, so only the other
 * lists are walked, the non-essential ones looked up for their chunks. As theta rises,
 * lists move to the non-essential side. */

#define IMPACT_MAX_GROUPS 16
#define DAAT_END          UINT32_MAX

struct cursor {
    const uint32_t *doc;
    const float *tf;
    double ub;   /* the largest score this list can add, a hair above */
    size_t slot; /* the group's place in the question: the summation order */
    uint32_t pos, len;
    float fw; /* group weight x (k1 + 1) */
    uint32_t term;
};

struct doc_sum {
    float contrib[MAX_GROUPS];
    uint64_t set; /* the slots of contrib written for this chunk */
    double partial;
};

static void cursor_seek(struct cursor *c, uint32_t d)
{
    if (c->pos >= c->len || c->doc[c->pos] >= d)
        return;
    uint32_t lo = c->pos, step = 1; /* gallop: double the step, then binary search */
    while (lo + step < c->len && c->doc[lo + step] < d) {
        lo += step;
        step *= 2;
    }
    uint32_t hi = lo + step < c->len ? lo + step : c->len;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->doc[mid] < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    c->pos = lo;
}

static float tf_score(const struct cursor *c, float tf)
{
    return c->fw * tf / (tf + (float)BM25_K1);
}

static void sum_add(struct doc_sum *s, const struct cursor *c)
{
    float v = tf_score(c, c->tf[c->pos]);
    s->contrib[c->slot] = v;
    s->set |= (uint64_t)1 << c->slot;
    s->partial += v;
}

/* Forget the chunk summed so far (it cannot make the top k). */
static void sum_drop(struct doc_sum *s)
{
    s->set = 0;
    s->partial = 0;
}

/* The chunk's score, in slot order; clears s for the next chunk. */
static float sum_take(struct doc_sum *s)
{
    float t = 0;
    for (uint64_t m = s->set; m; m &= m - 1)
        t += s->contrib[__builtin_ctzll(m)];
    sum_drop(s);
    return t;
}

static int cmp_cursor_ub_desc(const void *x, const void *y)
{
    double a = ((const struct cursor *)x)->ub, b = ((const struct cursor *)y)->ub;
    return a < b ? 1 : a > b ? -1 : 0;
}

/* Cursors over groups g, largest bound first; rest[i]: the bounds of c[i..n) summed. */
static void cursors_init(const struct kb_index *ix, const struct group *g, size_t n_g,
                         struct cursor *c, double *rest)
{
    for (size_t i = 0; i < n_g; i++) {
        uint32_t t = g[i].alt[0];
        double fw = group_weight(ix, &g[i]) * (BM25_K1 + 1);
        c[i] = (struct cursor){.doc = ix->post_doc + ix->post_off[t],
                               .tf = ix->post_tf + ix->post_off[t],
                               .len = ix->post_off[t + 1] - ix->post_off[t],
                               .fw = (float)fw,
                               .ub = fw * ix->max_tf[t] / (ix->max_tf[t] + BM25_K1) * 1.0001,
                               .slot = i,
                               .term = t};
    }
    if (n_g > 1)
        qsort(c, n_g, sizeof(*c), cmp_cursor_ub_desc);
    rest[n_g] = 0;
    for (size_t i = n_g; i-- > 0;)
        rest[i] = rest[i + 1] + c[i].ub;
}

/* Look chunk d up in c[lo..n) (seeking forward); false as soon as the lists left cannot
 * lift it (times f, its factor) to theta. */
static bool probe(struct cursor *c, size_t lo, size_t n, const double *rest, uint32_t d, float f,
                  float theta, struct doc_sum *s)
{
    for (size_t i = lo; i < n; i++) {
        if ((s->partial + rest[i]) * f < theta)
            return false;
        cursor_seek(&c[i], d);
        if (c[i].pos < c[i].len && c[i].doc[c[i].pos] == d)
            sum_add(s, &c[i]);
    }
    return true;
}

/* Next marked chunk of bits (from word *w on), unmarked as it is taken; DAAT_END at the end. */
static uint32_t take_marked(uint64_t *bits, size_t n_words, size_t *w)
{
    while (*w < n_words && !bits[*w])
        (*w)++;
    if (*w == n_words)
        return DAAT_END;
    uint64_t m = bits[*w];
    bits[*w] = m & (m - 1);
    return (uint32_t)(*w * 64 + (size_t)__builtin_ctzll(m));
}

/* Score the marked chunks (ascending, unmarking them) into the top k of heap; theta only
 * prunes. Returns the final theta. */
static float score_marked(struct scoring *sc, struct cursor *c, size_t n_g, const double *rest,
                          uint64_t *bits, float theta, struct top *heap, size_t *n_top)
{
    size_t n_words = (sc->ix->n_docs + 63) / 64, w = 0;
    struct doc_sum s = {.set = 0};
    for (uint32_t d; (d = take_marked(bits, n_words, &w)) != DAAT_END;) {
        float f = doc_factor(sc, d);
        bool ok = f > 0 && probe(c, 0, n_g, rest, d, f, theta, &s);
        if (!ok) {
            sum_drop(&s);
            continue;
        }
        float score = sum_take(&s) * f;
        top_push(heap, n_top, sc->k, (struct top){d, score});
        if (*n_top == sc->k && heap[0].score > theta)
            theta = heap[0].score;
    }
    return theta;
}

static void mark(uint64_t *bits, uint32_t d)
{
    bits[d / 64] |= (uint64_t)1 << (d % 64);
}

/* theta from the heads of the impact prefixes: the k-th best (factored) score among
 * them, a lower bound of the true k-th best; 0 when it cannot be had. */
static float seed_theta(struct scoring *sc, const struct group *g, size_t n_g, uint64_t *bits)
{
    const struct kb_index *ix = sc->ix;
    bool any = false;
    if (n_g > IMPACT_MAX_GROUPS || sc->k == 0 || sc->k > IMPACT_SEED)
        return 0;
    for (size_t i = 0; i < n_g; i++) {
        uint32_t t = g[i].alt[0];
        any |= ix->df[t] >= IMPACT_MIN_DF;
        uint32_t lo = ix->imp_off[t], hi = ix->imp_off[t + 1];
        for (uint32_t p = lo; p < hi && p < lo + IMPACT_SEED; p++)
            mark(bits, ix->imp_doc[p]);
    }
    if (!any)
        return 0;
    struct cursor c[IMPACT_MAX_GROUPS];
    double rest[IMPACT_MAX_GROUPS + 1];
    cursors_init(ix, g, n_g, c, rest);
    struct top best[IMPACT_SEED];
    size_t nb = 0;
    score_marked(sc, c, n_g, rest, bits, 0, best, &nb);
    if (nb < sc->k)
        return 0;
    /* Kept a hair lower: theta must never exceed what a top-k chunk scores. */
    return best[0].score * (1.0f - 1e-4f);
}

/* The impact path; false when no word's prefix reaches far enough (nothing scored). */
static bool score_impact(struct scoring *sc, const struct group *g, size_t n_g, float theta,
                         uint64_t *bits)
{
    const struct kb_index *ix = sc->ix;
    struct cursor c[IMPACT_MAX_GROUPS];
    double rest[IMPACT_MAX_GROUPS + 1];
    if (theta <= 0 || n_g > IMPACT_MAX_GROUPS)
        return false;
    cursors_init(ix, g, n_g, c, rest);
    size_t pick = n_g;
    uint32_t pick_n = UINT32_MAX;
    double pick_lb = 0;
    for (size_t i = 0; i < n_g; i++) {
        uint32_t t = c[i].term;
        double lb = theta - (rest[0] - c[i].ub);
        if (lb <= 0 || ix->df[t] < IMPACT_MIN_DF || tf_score(&c[i], ix->imp_floor[t]) >= lb)
            continue; /* no bound from this word, or its prefix is too short */
        uint32_t n = 0;
        for (uint32_t p = ix->imp_off[t];
             p < ix->imp_off[t + 1] && tf_score(&c[i], ix->imp_tf[p]) >= lb && n < pick_n; p++)
            n++;
        if (n < pick_n) {
            pick = i;
            pick_n = n;
            pick_lb = lb;
        }
    }
    if (pick == n_g)
        return false;
    uint32_t t = c[pick].term;
    for (uint32_t p = ix->imp_off[t];
         p < ix->imp_off[t + 1] && tf_score(&c[pick], ix->imp_tf[p]) >= pick_lb; p++)
        mark(bits, ix->imp_doc[p]);
    score_marked(sc, c, n_g, rest, bits, theta, sc->heap, &sc->n_top);
    return true;
}

/* May the pruned paths score these groups? One term each. */
static bool single_terms(const struct group *g, size_t n_g)
{
    if (n_g == 0 || n_g > MAX_GROUPS)
        return false;
    for (size_t i = 0; i < n_g; i++)
        if (g[i].n_alt != 1)
            return false;
    return true;
}

/* The DAAT path: the top k of groups g into sc's heap, from theta (0 or a lower bound). */
static void score_daat(struct scoring *sc, const struct group *g, size_t n_g, float theta)
{
    struct cursor c[MAX_GROUPS];
    double rest[MAX_GROUPS + 1];
    cursors_init(sc->ix, g, n_g, c, rest);
    size_t ne = n_g; /* lists [0, ne) are essential, [ne, n_g) are not */
    while (ne > 0 && rest[ne - 1] < theta)
        ne--;
    struct doc_sum s = {.set = 0};
    while (ne > 0) {
        uint32_t d = DAAT_END;
        for (size_t i = 0; i < ne; i++)
            if (c[i].pos < c[i].len && c[i].doc[c[i].pos] < d)
                d = c[i].doc[c[i].pos];
        if (d == DAAT_END)
            break;
        for (size_t i = 0; i < ne; i++)
            if (c[i].pos < c[i].len && c[i].doc[c[i].pos] == d) {
                sum_add(&s, &c[i]);
                c[i].pos++;
            }
        /* The factor is at most 1: most chunks fail the bound without it. */
        bool ok = s.partial + rest[ne] >= theta;
        float f = ok ? doc_factor(sc, d) : 0;
        ok = ok && f > 0 && probe(c, ne, n_g, rest, d, f, theta, &s);
        if (!ok) {
            sum_drop(&s);
            continue;
        }
        float score = sum_take(&s) * f;
        top_push(sc->heap, &sc->n_top, sc->k, (struct top){d, score});
        if (sc->n_top == sc->k && sc->heap[0].score > theta) {
            theta = sc->heap[0].score;
            while (ne > 0 && rest[ne - 1] < theta)
                ne--;
        }
    }
}

/* Between two candidate-only groups: raise theta to the k-th best partial score and drop
 * the candidates that the groups left (at most rest) cannot lift to it. Partial scores
 * only grow, so the k-th best of them bounds the final k-th best from below. */
static float prune_candidates(struct scoring *sc, float theta, double rest)
{
    struct scratch *s = sc->s;
    if (sc->n_touched >= sc->k) {
        float kth = kth_score(sc, s->sel);
        theta = kth > theta ? kth : theta;
    }
    if (theta <= 0)
        return theta;
    uint32_t w = 0;
    for (uint32_t i = 0; i < sc->n_touched; i++) {
        uint32_t d = s->touched[i];
        float f = doc_factor(sc, d);
        if (f > 0 && (s->acc[d] + (float)rest) * f >= theta)
            s->touched[w++] = d;
        else
            s->acc[d] = 0;
    }
    sc->n_touched = w;
    return theta;
}

static ag_err score_groups(struct scoring *sc, struct group *g, size_t n_g)
{
    if (sc->q->flags & KB_SEARCH_EXHAUSTIVE) {
        if (scoring_scratch(sc) != AG_OK)
            return AG_ENOMEM;
        for (size_t i = 0; i < n_g; i++)
            score_all(sc, &g[i]);
        return AG_OK;
    }
    if (single_terms(g, n_g)) {
        uint64_t *bits = arena_calloc(sc->a, (sc->ix->n_docs + 63) / 64, sizeof(*bits));
        if (!bits)
            return AG_ENOMEM;
        float theta0 = seed_theta(sc, g, n_g, bits);
        if (!score_impact(sc, g, n_g, theta0, bits))
            score_daat(sc, g, n_g, theta0);
        return AG_OK;
    }
    /* Groups of several terms (prefixes, synonyms): term at a time, then the candidates
     * that can still make the top k (MaxScore on accumulators). */
    if (scoring_scratch(sc) != AG_OK)
        return AG_ENOMEM;
    double bound[MAX_GROUPS], rest = 0;
    size_t order[MAX_GROUPS];
    for (size_t i = 0; i < n_g; i++) {
        bound[i] = group_bound(sc->ix, &g[i]);
        rest += bound[i];
        order[i] = i;
    }
    for (size_t i = 1; i < n_g; i++) /* by bound, largest first (insertion sort: n_g <= 64) */
        for (size_t j = i; j > 0 && bound[order[j]] > bound[order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    size_t oi = 0;
    float theta = 0;
    for (; oi < n_g; oi++) {
        score_all(sc, &g[order[oi]]);
        rest -= bound[order[oi]];
        /* An unseen chunk can score at most `rest`: once that is below the k-th best, only
         * the chunks seen so far can still change the top k. */
        if (oi + 1 < n_g && sc->n_touched >= sc->k && rest < sc->max_acc) {
            float kth = kth_score(sc, sc->s->sel);
            theta = kth > theta ? kth : theta;
            if (theta > 0 && rest < theta) {
                oi++;
                break;
            }
        }
    }
    if (oi >= n_g)
        return AG_OK;
    /* Keep the candidates that could still reach theta, in chunk order (a scan of the
     * accumulators is cheaper than sorting); the others are cleared. */
    struct scratch *s = sc->s;
    uint32_t w = 0;
    for (uint32_t d = 0; d < sc->ix->n_docs; d++) {
        if (s->acc[d] == 0)
            continue;
        float f = doc_factor(sc, d);
        if (f > 0 && (s->acc[d] + (float)rest) * f >= theta) {
            s->touched[w++] = d;
        } else {
            s->acc[d] = 0;
        }
    }
    sc->n_touched = w;
    for (; oi < n_g; oi++) {
        score_candidates(sc, &g[order[oi]]);
        rest -= bound[order[oi]];
        if (oi + 1 < n_g)
            theta = prune_candidates(sc, theta, rest);
    }
    return AG_OK;
}

/* ---- dense retrieval and reciprocal rank fusion -------------------------------------- */

/* The RRF_DEPTH chunks whose vectors are closest (dot product of unit vectors) to the
 * question's, then fused with the lexical ranking (*heap, sorted): each chunk scores
 * sum 1 / (RRF_K + rank) over the lists it is in; the best k stay in *heap. */
static ag_err fuse_dense(struct scoring *sc, struct arena *a, struct top **heap, size_t *n_top)
{
    const struct kb_index *ix = sc->ix;
    const float *qv = sc->q->vector;
    struct top *dh = arena_calloc(a, RRF_DEPTH, sizeof(*dh));
    size_t nd = 0;
    if (!dh)
        return AG_ENOMEM;
    for (uint32_t d = 0; d < ix->n_docs; d++) {
        float f = ix->has_vec[d] ? doc_factor(sc, d) : 0;
        if (f <= 0)
            continue;
        const float *v = ix->vecs + (size_t)d * ix->dim;
        float dot = 0;
        for (size_t j = 0; j < ix->dim; j++)
            dot += qv[j] * v[j];
        /* cosine in [-1, 1] -> positive */
        top_push(dh, &nd, RRF_DEPTH, (struct top){d, (dot + 1) * f});
    }
    qsort(dh, nd, sizeof(*dh), cmp_top_desc);
    size_t nl = *n_top < RRF_DEPTH ? *n_top : RRF_DEPTH;
    struct top *fused = arena_calloc(a, nl + nd + 1, sizeof(*fused));
    if (!fused)
        return AG_ENOMEM;
    size_t nf = 0;
    for (size_t i = 0; i < nl; i++)
        fused[nf++] = (struct top){(*heap)[i].doc, (float)(1.0 / (RRF_K + (double)i + 1))};
    for (size_t i = 0; i < nd; i++) {
        float add = (float)(1.0 / (RRF_K + (double)i + 1));
        size_t j = 0;
        while (j < nf && fused[j].doc != dh[i].doc)
            j++;
        if (j < nf)
            fused[j].score += add;
        else
            fused[nf++] = (struct top){dh[i].doc, add};
    }
    qsort(fused, nf, sizeof(*fused), cmp_top_desc);
    *heap = fused;
    *n_top = nf < sc->k ? nf : sc->k;
    return AG_OK;
}

ag_err kb_index_search(const struct kb_index *ix, struct arena *a, const struct kb_query *q,
                       struct kb_result *out)
{
    memset(out, 0, sizeof(*out));
    out->lang = q->lang;
    struct qparse qp = {
        .ix = ix, .a = a, .lang = q->lang, .text = q->text, .len = q->len, .syn = q->synonyms};
    qp.g = arena_calloc(a, MAX_GROUPS, sizeof(*qp.g));
    qp.terms = arena_calloc(a, MAX_GROUPS, sizeof(*qp.terms));
    qp.phrases = arena_calloc(a, MAX_PHRASES, sizeof(*qp.phrases));
    if (!qp.g || !qp.terms || !qp.phrases)
        return AG_ENOMEM;
    if (!(qp.an = text_analyzer_local()))
        return AG_ENOMEM;
    query_skus(&qp);
    ag_err rc = text_words(q->text, q->len, query_word, &qp);
    if (rc == AG_OK)
        rc = qp.rc;
    if (rc != AG_OK)
        return rc;
    /* A word the question repeats weighs more, saturating as in BM25's k3 = 1:
     * (k3 + 1) qtf / (k3 + qtf). */
    for (size_t gi = 0; gi < qp.n_g; gi++) {
        double qtf = 1.0 + qp.qtf[qp.g[gi].term];
        qp.g[gi].weight *= 2.0 * qtf / (1.0 + qtf);
    }
    out->terms = qp.terms;
    out->n_terms = qp.n_terms;
    out->phrases = qp.phrases;
    out->n_phrases = qp.n_phrases;
    if ((qp.n_g == 0 && !(q->vector && ix->vecs)) || q->k == 0 || ix->n_docs == 0)
        return AG_OK;

    uint32_t cat = NONE;
    if (q->category) {
        for (uint32_t i = 0; i < ix->n_cats && cat == NONE; i++)
            if (strcmp(ix->cats[i], q->category) == 0)
                cat = i;
        if (cat == NONE)
            return AG_OK; /* no product has that category */
    }
    /* With vectors, rank more lexical candidates: fusion takes the best of both lists. */
    bool dense = q->vector && ix->vecs;
    size_t k = dense && q->k < RRF_DEPTH ? RRF_DEPTH : q->k, n_top = 0;
    struct top *heap = arena_calloc(a, k, sizeof(*heap));
    if (!heap)
        return AG_ENOMEM;
    struct scoring sc = {.ix = ix, .q = q, .cat = cat, .k = k, .a = a, .heap = heap};
    rc = score_groups(&sc, qp.g, qp.n_g);
    if (rc != AG_OK)
        return rc;
    struct scratch *s = sc.s; /* NULL when the DAAT path needed none */
    n_top = sc.n_top;
    for (uint32_t i = 0; s && i < sc.n_touched; i++) {
        uint32_t d = s->touched[i];
        struct top t = {d, s->acc[d]};
        s->acc[d] = 0;
        if (cat != NONE && ix->cat[d] != cat)
            continue;
        if ((q->flags & KB_SEARCH_IN_STOCK) && ix->stock[d] <= 0)
            continue;
        if (q->lang != TEXT_LANG_UNKNOWN && ix->lang[d] && ix->lang[d] != (uint8_t)q->lang)
            t.score *= (float)OTHER_LANG;
        top_push(heap, &n_top, k, t);
    }
    qsort(heap, n_top, sizeof(*heap), cmp_top_desc);
    if (dense) {
        struct scoring dsc = {.ix = ix, .q = q, .cat = cat, .k = q->k};
        rc = fuse_dense(&dsc, a, &heap, &n_top);
        if (rc != AG_OK)
            return rc;
    }
    struct kb_hit *hits = arena_calloc(a, n_top ? n_top : 1, sizeof(*hits));
    if (!hits)
        return AG_ENOMEM;
    for (size_t i = 0; i < n_top; i++) {
        uint32_t d = heap[i].doc;
        hits[i] = (struct kb_hit){.chunk_id = ix->chunk_id[d],
                                  .doc = ix->doc[d],
                                  .title = ix->title[d],
                                  .heading = ix->heading[d],
                                  .text = NULL,
                                  .lang = (enum text_lang)ix->lang[d],
                                  .sku = ix->sku[d],
                                  .score = heap[i].score};
    }
    out->hits = hits;
    out->n_hits = n_top;
    return AG_OK;
}
