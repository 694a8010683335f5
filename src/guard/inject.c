// SPDX-License-Identifier: MIT
/*
 * guard/inject.c: the injection detector (see inject.h): normalise, match the rule set in
 * one vectorscan pass, sum the classifier's hashed n-gram weights, explain.
 *
 * Model file (little-endian):
 *   "AGINJ\0\0\1"  magic, 8 bytes
 *   u32 version (1), u32 bits (log2 of the n-gram table), u32 n_named, u32 zero
 *   f32 bias, f32 scale (int16 weight -> logit), f32 zero, f32 zero
 *   n_named x { u64 name hash, f32 correction, u32 zero }   rules, then tricks
 *   i16 weights[1 << bits]
 * A named entry whose hash no rule has is ignored (a rule removed since training); a rule
 * the file does not name gets no correction.
 * THREADS: see inject.h; the per-thread part is struct scan_local.
 */
#include "guard/inject.h"

#include <hs/hs.h>
#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "guard/inject_internal.h"
#include "text/normalize.h"
#include "text/swar.h"

#define MODEL_MAGIC   "AGINJ\0\0\1"
#define MODEL_VERSION 1u
/* 2^18 weights: the trained model fills about 9 % of them, so a word the training never
 * saw lands on a trained weight about one time in eleven (2^16: 30 %, which flagged more
 * benign text with words unlike the training data). */
#define MODEL_BITS     18u
#define MODEL_MIN_BITS 10u
#define MODEL_MAX_BITS 22u
#define DECODE_MAX     65536 /* decoded embedded text scanned per input */

struct guard_inject {
    const hs_database_t *db; /* rules(): shared by every detector */
    unsigned bits;
    float bias, scale;
    float weight[INJECT_MAX_RULES]; /* prior + correction: rules, then tricks */
    int16_t *w;                     /* 1 << bits n-gram weights */
};

/* ---- hashing ---- */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* ---- n-gram features ---- */

enum feat_kind { FEAT_WORD, FEAT_PAIR };

/* Letters, digits and every byte of a non-ASCII character, as a bitmap over the byte. */
static inline bool is_word_byte(unsigned char c)
{
    static const uint64_t map[4] = {0x03FF000000000000ULL, 0x07FFFFFE07FFFFFEULL, ~0ULL, ~0ULL};
    return (map[c >> 6] >> (c & 63)) & 1;
}

/* Walk the features of normalised text s[0..n): each word, and the pair it forms with the
 * word before. cb(ctx, index, word number, kind) for each; returns the word count.
 * (Character n-grams of each word were tried too: on a held-out fifth of the training
 * data and on the shop's own passages they flagged more benign text at the same
 * detection rate, e.g. "assistance" took weight from "assistant".) */
typedef void (*feat_cb)(void *ctx, uint32_t idx, size_t word, enum feat_kind kind);

#define GOLDEN 0x9E3779B97F4A7C15ULL

/* Bit 7 set in each byte of x that is a word byte (as is_word_byte). */
static inline uint64_t word_bytes(uint64_t x)
{
    return (x & SWAR_HIGHS) | swar_alnum(x);
}

/* A word's hash, eight bytes at a time (a byte-serial hash was a fifth of the scan). */
static inline uint64_t word_hash(const unsigned char *p, size_t len, const unsigned char *end)
{
    uint64_t h = len * GOLDEN;
    for (; len > 8; p += 8, len -= 8)
        h = mix64(h ^ swar_load(p, 8, end));
    return mix64(h ^ swar_load(p, len, end));
}

static inline uint32_t word_index(uint64_t h, unsigned shift)
{
    return (uint32_t)(h >> shift);
}

static inline uint32_t pair_index(uint64_t prev, uint64_t h, unsigned shift)
{
    return (uint32_t)(mix64(prev * GOLDEN + h) >> shift);
}

/* The next word of p[*i..n): its hash in *h, *i moved past it. False at the end. The
 * streaming form of word_bounds() below, for training and reasons (same words, same
 * hashes; a unit test compares the two). */
static inline bool next_word(const unsigned char *p, size_t n, size_t *i, uint64_t *h)
{
    size_t k = *i;
    while (k < n && !is_word_byte(p[k]))
        k++;
    if (k == n) {
        *i = k;
        return false;
    }
    size_t s = k;
    while (k < n && is_word_byte(p[k]))
        k++;
    *i = k;
    *h = word_hash(p + s, k - s, p + n);
    return true;
}

/* Where the words of p[0..n) start and end (one past), at most max of them. Each run of
 * word bytes is found from a bitmap of the text (eight bytes at a time, see word_bytes),
 * so no branch waits on a byte: walking a message byte by byte cost as much as the rest
 * of the classifier. */
static size_t word_bounds(const unsigned char *p, size_t n, uint32_t *start, uint32_t *end,
                          size_t max)
{
    if (n == 0) /* p may be NULL then (an empty buffer) */
        return 0;
    const unsigned char *stop = p + n;
    struct swar_runs r = {start, end, 0, 0, max, 0};
    for (size_t at = 0; at < n; at += 64) {
        uint64_t b = 0;
        for (size_t c = 0; c < 64 && at + c < n; c += 8) {
            size_t len = n - at - c < 8 ? n - at - c : 8;
            b |= swar_bits(word_bytes(swar_load(p + at + c, len, stop))) << c;
        }
        swar_runs_add(&r, b, at); /* bytes past n read as separators */
    }
    return swar_runs_finish(&r, n);
}

static size_t features(const char *s, size_t n, unsigned bits, feat_cb cb, void *ctx)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned shift = 64 - bits;
    uint64_t prev = 0, h;
    size_t words = 0, i = 0;
    for (; next_word(p, n, &i, &h); words++, prev = h) {
        cb(ctx, word_index(h, shift), words, FEAT_WORD);
        if (words > 0)
            cb(ctx, pair_index(prev, h, shift), words, FEAT_PAIR);
    }
    return words;
}

/* What the scan needs of features(), without the calls: each word's bounds, its feature
 * indexes (its own in wi, its pair's with the word before in pi) and their weights summed.
 * First every index, then the weights: the loads of a whole message are then in flight
 * together instead of one word at a time. All arrays hold n / 2 + 1 words. Returns the
 * count. */
static size_t score_words(const int16_t *w, unsigned bits, const char *s, size_t n, int32_t *sum,
                          uint32_t *start, uint32_t *end, uint32_t *wi, uint32_t *pi)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned shift = 64 - bits;
    size_t words = word_bounds(p, n, start, end, n / 2 + 1);
    uint64_t prev = 0;
    for (size_t k = 0; k < words; k++) {
        uint64_t h = word_hash(p + start[k], end[k] - start[k], p + n);
        wi[k] = word_index(h, shift);
        pi[k] = k > 0 ? pair_index(prev, h, shift) : 0;
        prev = h;
    }
    for (size_t k = 0; k < words; k++)
        sum[k] = w[wi[k]] + (k > 0 ? w[pi[k]] : 0);
    return words;
}

/* ---- per-thread scan state ---- */

struct hits {
    uint64_t bit[2];
    bool rot13; /* a rule's rot13 spelling matched: look for rot13 text (never a rule hit) */
};

struct scan_local {
    hs_scratch_t *scratch;

    struct buf norm, dec;
    void *word_block;                /* the six per-word arrays below, in one allocation */
    int32_t *word_sum;               /* per word: its features' weights summed */
    float *word_contrib;             /* reasons: each word's part of the score */
    uint32_t *word_start, *word_end; /* in l->norm */
    uint32_t *word_wi, *word_pi;     /* feature indexes: the word, the pair it ends */
    size_t word_cap;
    /* the last scan, for guard_inject_explain() */
    const struct guard_inject *last;
    struct hits last_hits;
    unsigned last_obf;
    size_t last_from, last_to;
};

static pthread_key_t local_key;
static pthread_once_t local_once = PTHREAD_ONCE_INIT;

static void local_free(void *v)
{
    struct scan_local *l = v;
    if (!l)
        return;
    hs_free_scratch(l->scratch);
    buf_release(&l->norm);
    buf_release(&l->dec);
    free(l->word_block);
    free(l);
}

static void local_init(void)
{
    if (pthread_key_create(&local_key, local_free) != 0)
        abort(); /* only EAGAIN/ENOMEM: the process cannot run threads at all */
}

static struct scan_local *local_get(const struct guard_inject *g)
{
    pthread_once(&local_once, local_init);
    struct scan_local *l = pthread_getspecific(local_key);
    if (!l) {
        l = calloc(1, sizeof(*l));
        if (!l)
            return NULL;
        buf_init(&l->norm, 0);
        buf_init(&l->dec, 0);
        if (pthread_setspecific(local_key, l) != 0) {
            free(l);
            return NULL;
        }
    }
    /* every detector shares one database, so one scratch per thread fits them all */
    if (!l->scratch && hs_alloc_scratch(g->db, &l->scratch) != HS_SUCCESS)
        return NULL;
    return l;
}

/* ---- model ---- */

/* The rule set is constant, so one database serves every detector of the process; it is
 * compiled on first use (about half a second) and never freed. */
static hs_database_t *rules_db;
static pthread_once_t rules_once = PTHREAD_ONCE_INIT;

static char rot13_char(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        char base = c >= 'a' ? 'a' : 'A';
        return (char)(base + (c - base + 13) % 26);
    }
    return c;
}

static bool is_alpha_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Append what matches rot13(c) for one letter c: rot13 text keeps its umlauts, which
 * normalising then folds to a, o and u unrotated, so the rot13 spellings of those letters
 * also take the letter itself ("Rvafpueäaxhatra" normalises to "...ueaaxh...", where the
 * rule's rot13 spelling has "...uenaxh..."). In a class the letters are simply listed.
 * (ß, folded to "ss", is left out: each such class costs compile time at every start, 0.1 s
 * for the three vowels.) */
static ag_err put_rot13_letter(struct buf *out, char c, bool in_class)
{
    char r = rot13_char(c), l = (char)(c | 0x20);
    bool folded = l == 'a' || l == 'o' || l == 'u';
    if (!folded)
        return buf_putc(out, r);
    char two[4] = {'[', r, c, ']'};
    return in_class ? buf_append(out, two + 1, 2) : buf_append(out, two, 4);
}

/* The rule expression re for rot13 text: every letter that stands for itself is rot13'd
 * (see put_rot13_letter), in classes too (a range of letters of one case becomes its
 * letters); escapes (\\b, \\w, \\n, \\]) stay, as rot13 keeps letters letters. Constructs
 * this cannot rewrite faithfully ((?...), [:class:], \\x, \\c, \\p, \\Q, ranges across cases,
 * ']' first in a class) are refused with AG_EINVAL, so a new rule that uses one fails the
 * start, and the unit tests, loudly. out is NUL-terminated. */
static ag_err rot13_expr(const char *re, struct buf *out)
{
    ag_err rc = AG_OK;
    bool in_class = false;
    for (size_t i = 0; re[i] && rc == AG_OK; i++) {
        char c = re[i];
        if (c == '\\' && re[i + 1]) {
            if (strchr("xcpPQoNkg", re[i + 1]))
                return AG_EINVAL;
            rc = buf_append(out, re + i, 2);
            i++;
        } else if (!in_class && c == '(' && re[i + 1] == '?') {
            return AG_EINVAL;
        } else if (!in_class && c == '[') {
            in_class = true;
            rc = buf_putc(out, c);
            if (rc == AG_OK && re[i + 1] == '^')
                rc = buf_putc(out, re[++i]);
            if (re[i + 1] == ']' || re[i + 1] == '[')
                return AG_EINVAL;
        } else if (in_class && c == ']') {
            in_class = false;
            rc = buf_putc(out, c);
        } else if (in_class && is_alpha_char(c) && re[i + 1] == '-' && re[i + 2] &&
                   re[i + 2] != ']') {
            char e = re[i + 2];
            if (!is_alpha_char(e) || (c >= 'a') != (e >= 'a') || e < c)
                return AG_EINVAL;
            for (char x = c; x <= e && rc == AG_OK; x++)
                rc = put_rot13_letter(out, x, true);
            i += 2;
        } else if (is_alpha_char(c)) {
            rc = put_rot13_letter(out, c, in_class);
        } else {
            rc = buf_putc(out, c);
        }
    }
    return rc == AG_OK ? buf_putc(out, '\0') : rc;
}

static hs_database_t *compile_db(const char *const *exprs, const unsigned *flags,
                                 const unsigned *ids, size_t n)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &db, &err) !=
        HS_SUCCESS) {
        log_error("guard: rule %d does not compile: %s", err ? err->expression : -1,
                  err ? err->message : "?");
        hs_free_compile_error(err);
        return NULL;
    }
    return db;
}

/* Every rule twice: as written (ids 0..n-1) and in rot13 spelling (ids n..2n-1). A rot13
 * spelling never counts as a rule: it only tells the scan to look for rot13 text (the
 * decoder's stretch search, text/normalize.h), whose decoded text is then matched like any
 * decoded text. Ordinary text seldom holds a rot13 spelling ("QnA" is rot13 for "DAN"),
 * so that search, which cost as much as the rest of the injection scan, runs only then. */
static void compile_rules(void)
{
    size_t n = inject_n_rules;
    if (n > INJECT_MAX_EXPRS / 2 || n + INJECT_N_OBF > INJECT_MAX_RULES) {
        log_error("guard: %zu rules, at most %d", n, INJECT_MAX_RULES - INJECT_N_OBF);
        return;
    }
    const char *exprs[INJECT_MAX_EXPRS] = {0};
    unsigned flags[INJECT_MAX_EXPRS] = {0}, ids[INJECT_MAX_EXPRS] = {0};
    struct buf rot[INJECT_MAX_EXPRS / 2];
    ag_err rc = AG_OK;
    for (size_t i = 0; i < n; i++) {
        buf_init(&rot[i], 1 << 14);
        if (rc == AG_OK)
            rc = rot13_expr(inject_rules[i].re, &rot[i]);
        exprs[i] = inject_rules[i].re;
        exprs[n + i] = rot[i].p;
        flags[i] = flags[n + i] = HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS | HS_FLAG_ALLOWEMPTY;
        ids[i] = (unsigned)i;
        ids[n + i] = (unsigned)(n + i);
    }
    if (rc != AG_OK)
        log_error("guard: rules for rot13 text: %s", ag_strerror(rc));
    else
        rules_db = compile_db(exprs, flags, ids, 2 * n);
    for (size_t i = 0; i < n; i++)
        buf_release(&rot[i]);
}

static const hs_database_t *rules(void)
{
    pthread_once(&rules_once, compile_rules);
    return rules_db;
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float rdf(const unsigned char *p)
{
    uint32_t u = rd32(p);
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

#define HEADER_BYTES 40
#define NAMED_BYTES  16

ag_err guard_inject_load_mem(const void *data, size_t n, struct guard_inject **out, char *why,
                             size_t why_len)
{
    const unsigned char *p = data;
    *out = NULL;
#define BAD(...)                                                                                   \
    do {                                                                                           \
        (void)snprintf(why, why_len, __VA_ARGS__);                                                 \
        return AG_ECORRUPT;                                                                        \
    } while (0)
    if (n < HEADER_BYTES || memcmp(p, MODEL_MAGIC, 8) != 0)
        BAD("not an agentgate injection model (bad magic)");
    if (rd32(p + 8) != MODEL_VERSION)
        BAD("model version %u, this build reads %u", rd32(p + 8), MODEL_VERSION);
    unsigned bits = rd32(p + 12), n_named = rd32(p + 16);
    if (bits < MODEL_MIN_BITS || bits > MODEL_MAX_BITS)
        BAD("table size 2^%u out of range", bits);
    if (n_named > 4096)
        BAD("%u named weights, at most 4096", n_named);
    size_t need = HEADER_BYTES + (size_t)n_named * NAMED_BYTES + ((size_t)2 << bits);
    if (n != need)
        BAD("model is %zu bytes, its header says %zu", n, need);
    float bias = rdf(p + 24), scale = rdf(p + 28);
    if (!isfinite(bias) || !isfinite(scale) || scale < 0 || fabsf(bias) > 100 || scale > 1)
        BAD("bias or scale out of range");
    struct guard_inject *g = calloc(1, sizeof(*g));
    if (!g)
        return AG_ENOMEM;
    g->bits = bits;
    g->bias = bias;
    g->scale = scale;
    for (size_t r = 0; r < inject_n_rules; r++)
        g->weight[r] = inject_rules[r].prior;
    for (size_t o = 0; o < INJECT_N_OBF; o++)
        g->weight[inject_n_rules + o] = inject_obfs[o].prior;
    for (unsigned k = 0; k < n_named; k++) {
        const unsigned char *e = p + HEADER_BYTES + (size_t)k * NAMED_BYTES;
        uint64_t h = rd64(e);
        float d = rdf(e + 8);
        if (!isfinite(d) || fabsf(d) > 50) {
            free(g);
            BAD("named weight %u out of range", k);
        }
        for (size_t r = 0; r < inject_n_rules + INJECT_N_OBF; r++) {
            const char *nm =
                r < inject_n_rules ? inject_rules[r].name : inject_obfs[r - inject_n_rules].name;
            if (name_hash(nm) == h)
                g->weight[r] += d;
        }
    }
    size_t nw = (size_t)1 << bits;
    g->w = malloc(nw * sizeof(int16_t));
    if (!g->w) {
        free(g);
        return AG_ENOMEM;
    }
    const unsigned char *wp = p + HEADER_BYTES + (size_t)n_named * NAMED_BYTES;
    for (size_t i = 0; i < nw; i++)
        g->w[i] = (int16_t)(uint16_t)(wp[2 * i] | wp[2 * i + 1] << 8);
    g->db = rules();
    if (!g->db) {
        guard_inject_destroy(g);
        BAD("the rule set does not compile");
    }
    *out = g;
    return AG_OK;
#undef BAD
}

ag_err guard_inject_load(const char *path, struct guard_inject **out, char *why, size_t why_len)
{
    struct buf b;
    ag_err rc = buf_read_file(path, (size_t)64 << 20, &b, why, why_len);
    if (rc == AG_OK)
        rc = guard_inject_load_mem(b.p ? b.p : "", b.len, out, why, why_len);
    buf_release(&b);
    return rc;
}

/* The model committed in data/guard/inject.model, linked in by inject_model.c. */
extern const unsigned char ag_inject_model[];
extern const size_t ag_inject_model_len;

ag_err guard_inject_create(struct guard_inject **out)
{
    char why[160];
    if (ag_inject_model_len == 0) {
        log_error("guard: this build has no injection model (data/guard/inject.model)");
        return AG_ECONFIG;
    }
    ag_err rc = guard_inject_load_mem(ag_inject_model, ag_inject_model_len, out, why, sizeof(why));
    if (rc != AG_OK && rc != AG_ENOMEM)
        log_error("guard: built-in injection model: %s", why);
    return rc;
}

void guard_inject_destroy(struct guard_inject *g)
{
    if (!g)
        return;
    free(g->w);
    free(g);
}

/* ---- scanning ---- */

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    struct hits *h = ctx;
    if (id >= inject_n_rules)
        h->rot13 = true;
    else
        h->bit[id >> 6] |= 1ULL << (id & 63);
    return 0;
}

static inline bool has(const struct hits *h, size_t i)
{
    return (h->bit[i >> 6] >> (i & 63)) & 1;
}

struct decoded_ctx {
    const struct guard_inject *g;
    struct scan_local *l;
    struct hits *hits;
    unsigned *obf;
    unsigned what; /* the decoder's searches: with TEXT_OBF_ROT13 it searches segments too */
    ag_err rc;
};

static bool on_decoded(void *ctx, enum text_obf how, const char *p, size_t n)
{
    struct decoded_ctx *d = ctx;
    *d->obf |= (unsigned)how;
    buf_reset(&d->l->dec);
    d->l->dec.max = 16 * n + 4096;
    unsigned seen = 0;
    ag_err rc = text_normalize(p, n, &d->l->dec, &seen);
    if (rc != AG_OK) {
        d->rc = rc;
        return false;
    }
    *d->obf |= seen;
    bool rot_before = d->hits->rot13;
    d->hits->rot13 = false;
    if (d->l->dec.len > 0 && hs_scan(d->g->db, d->l->dec.p, (unsigned)d->l->dec.len, 0,
                                     d->l->scratch, on_match, d->hits) != HS_SUCCESS) {
        d->rc = AG_ENOMEM;
        return false;
    }
    /* rot13 inside decoded text: searched in that text (l->dec is free again by now),
     * unless the decoder already searches every segment for it */
    bool rot = d->hits->rot13 && how != TEXT_OBF_ROT13 && !(d->what & TEXT_OBF_ROT13);
    d->hits->rot13 = rot_before;
    if (rot) {
        ag_err e = text_decode_embedded(p, n, DECODE_MAX, TEXT_OBF_ROT13, on_decoded, d);
        if (e != AG_OK && e != AG_ETOOBIG) {
            d->rc = e;
            return false;
        }
    }
    return d->rc == AG_OK;
}

/* Normalise p[0..n) into l->norm and find the rules it (and text decoded from it)
 * matches, and the tricks it used. */
static ag_err analyse(const struct guard_inject *g, struct scan_local *l, const char *p, size_t n,
                      struct hits *hits, unsigned *obf)
{
    memset(hits, 0, sizeof(*hits));
    *obf = 0;
    buf_reset(&l->norm);
    if (n > (SIZE_MAX - 4096) / 16 || n > UINT32_MAX)
        return AG_ETOOBIG;
    l->norm.max = 16 * n + 4096;
    ag_err rc = text_normalize(p, n, &l->norm, obf);
    if (rc != AG_OK)
        return rc;
    if (l->norm.len > UINT32_MAX)
        return AG_ETOOBIG;
    if (l->norm.len > 0 && hs_scan(g->db, l->norm.p, (unsigned)l->norm.len, 0, l->scratch, on_match,
                                   hits) != HS_SUCCESS)
        return AG_ENOMEM;
    /* rot13 text is searched for only where a rule's rot13 spelling matched */
    unsigned what = TEXT_OBF_BASE64 | TEXT_OBF_HEX | TEXT_OBF_URL;
    if (hits->rot13)
        what |= TEXT_OBF_ROT13;
    struct decoded_ctx d = {g, l, hits, obf, what, AG_OK};
    rc = text_decode_embedded(p, n, DECODE_MAX, what, on_decoded, &d);
    /* AG_ETOOBIG: more encoded text than DECODE_MAX; what was decoded was scanned, and so
     * much hidden text is itself a sign the tricks already count */
    if (rc != AG_OK && rc != AG_ETOOBIG)
        return rc;
    return d.rc;
}

/* ---- the classifier over windows of words ----
 * A message is scored on windows of WINDOW words (every STRIDE words), and its
 * classifier logit is the best window's: a long benign passage does not add up to an
 * attack, and an attack hidden in a long text is not diluted by it. Within a window the
 * weights are summed and divided by the square root of the number of features. */
#define WINDOW 64
#define STRIDE 32

/* Grow the per-word arrays of l to n words. */
static bool words_fit(struct scan_local *l, size_t n)
{
    if (n <= l->word_cap)
        return true;
    size_t cap = n < 256 ? 256 : n * 2;
    /* six arrays of 4-byte elements */
    static_assert(sizeof(int32_t) == 4 && sizeof(float) == 4, "4-byte word arrays");
    char *b = cap > SIZE_MAX / 24 ? NULL : malloc(cap * 24);
    if (!b)
        return false;
    free(l->word_block);
    l->word_block = b;
    l->word_sum = (int32_t *)(void *)b;
    l->word_contrib = (float *)(void *)(b + cap * 4);
    l->word_start = (uint32_t *)(void *)(b + cap * 8);
    l->word_end = (uint32_t *)(void *)(b + cap * 12);
    l->word_wi = (uint32_t *)(void *)(b + cap * 16);
    l->word_pi = (uint32_t *)(void *)(b + cap * 20);
    l->word_cap = cap;
    return true;
}

/* Window k of a text of words words: [*s, *e); false past the last. Windows start every
 * STRIDE words; the one that reaches the end is the last, and a full one when the text
 * has WINDOW words. */
static bool window_at(size_t words, size_t k, size_t *s, size_t *e)
{
    size_t st = k * STRIDE;
    if (st >= words || (k > 0 && st - STRIDE + WINDOW >= words))
        return false;
    size_t en = st + WINDOW < words ? st + WINDOW : words;
    if (en == words && en - st < WINDOW && st > 0)
        st = en > WINDOW ? en - WINDOW : 0;
    *s = st;
    *e = en;
    return true;
}

/* Features in words [s, e): each word, and a pair with the word before but the first. */
static size_t window_features(size_t s, size_t e)
{
    return e > s ? 2 * (e - s) - (s == 0) : 0;
}

/* The best window of words [*from, *to) by sum / sqrt(features), as a logit part. */
static double best_window(const int32_t *sum, size_t words, double scale, size_t *from, size_t *to)
{
    double best = 0;
    size_t s, e;
    *from = *to = 0;
    for (size_t k = 0; window_at(words, k, &s, &e); k++) {
        int64_t ws = 0;
        for (size_t i = s; i < e; i++)
            ws += sum[i];
        double z = (double)ws * scale / sqrt((double)window_features(s, e));
        if (k == 0 || z > best) {
            best = z;
            *from = s;
            *to = e;
        }
    }
    return best;
}

static void add_reason(struct guard_verdict *v, const char *kind, const char *what, size_t n,
                       float c)
{
    if (c <= 0)
        return;
    /* keep the GUARD_MAX_REASONS largest, largest first (share holds the logit part for now) */
    size_t at = v->n_reasons;
    while (at > 0 && v->reasons[at - 1].share < c)
        at--;
    if (at >= GUARD_MAX_REASONS)
        return;
    size_t last = v->n_reasons < GUARD_MAX_REASONS ? v->n_reasons : GUARD_MAX_REASONS - 1;
    memmove(&v->reasons[at + 1], &v->reasons[at], (last - at) * sizeof(v->reasons[0]));
    int len = (int)str_utf8_prefix(what, n, 60); /* never half a character */
    int w = snprintf(v->reasons[at].what, sizeof(v->reasons[at].what), "%s:%.*s", kind, len, what);
    if (w < 0)
        v->reasons[at].what[0] = '\0';
    v->reasons[at].share = c;
    if (v->n_reasons < GUARD_MAX_REASONS)
        v->n_reasons++;
}

/* Does a trick the text used count? Only together with a rule: hiding letters is what
 * attacks do, but product codes and odd spacing look like it too. */
static bool obf_counts(unsigned rules, unsigned obf, size_t o)
{
    return rules > 0 && (obf & (1u << o));
}

static void explain(const struct guard_inject *g, struct scan_local *l, const struct hits *hits,
                    unsigned obf, size_t from, size_t to, struct guard_verdict *v)
{
    float pos = 0;
    for (size_t r = 0; r < inject_n_rules; r++)
        if (has(hits, r)) {
            add_reason(v, "rule", inject_rules[r].name, strlen(inject_rules[r].name), g->weight[r]);
            pos += g->weight[r] > 0 ? g->weight[r] : 0;
        }
    for (size_t o = 0; o < INJECT_N_OBF; o++)
        if (obf_counts(v->rules, obf, o)) {
            float c = g->weight[inject_n_rules + o];
            add_reason(v, "obfuscation", inject_obfs[o].name, strlen(inject_obfs[o].name), c);
            pos += c > 0 ? c : 0;
        }
    if (to > from) {
        /* each word's part of the best window's sum (a pair's weight halved between its
         * words, all of it to the first word for the pair it forms with the word before
         * the window), from the indexes the scan kept; the same word twice is one reason */
        float *c = l->word_contrib;
        for (size_t k = from; k < to; k++) {
            c[k] = (float)g->w[l->word_wi[k]];
            if (k > from) {
                float pv = (float)g->w[l->word_pi[k]];
                c[k - 1] += pv / 2;
                c[k] += pv / 2;
            } else if (k > 0) {
                c[k] += (float)g->w[l->word_pi[k]];
            }
        }
        float f = g->scale / sqrtf((float)window_features(from, to));
        for (size_t k = from; k < to; k++) {
            l->word_contrib[k] *= f;
            pos += l->word_contrib[k] > 0 ? l->word_contrib[k] : 0;
        }
        for (int round = 0; round < GUARD_MAX_REASONS; round++) {
            size_t best = to;
            for (size_t k = from; k < to; k++)
                if (l->word_contrib[k] > 0 &&
                    (best == to || l->word_contrib[k] > l->word_contrib[best]))
                    best = k;
            if (best == to || l->word_contrib[best] < 0.03f * pos)
                break;
            size_t bl = l->word_end[best] - l->word_start[best];
            const char *bw = l->norm.p + l->word_start[best];
            float total = 0;
            for (size_t k = from; k < to; k++) {
                const char *kw = l->norm.p + l->word_start[k];
                if (l->word_contrib[k] > 0 && l->word_end[k] - l->word_start[k] == bl &&
                    memcmp(kw, bw, bl) == 0) {
                    total += l->word_contrib[k];
                    l->word_contrib[k] = 0;
                }
            }
            add_reason(v, "word", bw, bl, total);
        }
    }
    for (size_t i = 0; i < v->n_reasons; i++)
        v->reasons[i].share = pos > 0 ? v->score * v->reasons[i].share / pos : 0;
}

ag_err guard_inject_scan(const struct guard_inject *g, const char *p, size_t n, unsigned flags,
                         struct guard_verdict *v)
{
    memset(v, 0, sizeof(*v));
    struct scan_local *l = local_get(g);
    if (!l)
        return AG_ENOMEM;
    struct hits hits;
    unsigned obf;
    ag_err rc = analyse(g, l, p, n, &hits, &obf);
    if (rc != AG_OK)
        return rc;
    double z = g->bias;
    for (size_t r = 0; r < inject_n_rules; r++)
        if (has(&hits, r)) {
            z += g->weight[r];
            v->rules++;
        }
    for (size_t o = 0; o < INJECT_N_OBF; o++)
        if (obf_counts(v->rules, obf, o))
            z += g->weight[inject_n_rules + o];
    /* a word is at least one byte and a separator: at most len / 2 + 1 words */
    if (!words_fit(l, l->norm.len / 2 + 1))
        return AG_ENOMEM;
    size_t words = score_words(g->w, g->bits, l->norm.p, l->norm.len, l->word_sum, l->word_start,
                               l->word_end, l->word_wi, l->word_pi);
    size_t from, to;
    z += best_window(l->word_sum, words, g->scale, &from, &to);
    v->logit = (float)z;
    v->score = (float)(1.0 / (1.0 + exp(-z)));
    v->obf = obf;
    l->last = g;
    l->last_hits = hits;
    l->last_obf = obf;
    l->last_from = from;
    l->last_to = to;
    if (flags & GUARD_SCAN_REASONS)
        explain(g, l, &hits, obf, from, to, v);
    return AG_OK;
}

ag_err guard_inject_explain(const struct guard_inject *g, struct guard_verdict *v)
{
    pthread_once(&local_once, local_init);
    struct scan_local *l = pthread_getspecific(local_key);
    if (!l || l->last != g)
        return AG_EINVAL;
    v->n_reasons = 0;
    explain(g, l, &l->last_hits, l->last_obf, l->last_from, l->last_to, v);
    return AG_OK;
}

ag_err guard_reasons_json(const struct guard_verdict *v, struct buf *out)
{
    ag_err rc = buf_putc(out, '[');
    for (size_t i = 0; i < v->n_reasons && rc == AG_OK; i++) {
        rc = buf_append_str(out, i ? ",{\"what\":\"" : "{\"what\":\"");
        if (rc == AG_OK)
            rc = buf_append_json_escaped(out, v->reasons[i].what, strlen(v->reasons[i].what));
        if (rc == AG_OK)
            rc = buf_printf(out, "\",\"share\":%.3f}", (double)v->reasons[i].share);
    }
    return rc == AG_OK ? buf_putc(out, ']') : rc;
}

/* ---- training ---- */

struct guard_train_params guard_train_default_params(void)
{
    return (struct guard_train_params){
        .epochs = 20, .rate = 0.2, .l2 = 3e-3, .seed = 20261128, .quiet = false};
}

struct train_ex {
    uint32_t *idx;   /* n-gram features, word by word */
    uint32_t *first; /* first[k]: where word k's features start in idx; first[words] = n_idx */
    size_t n_idx, words;
    struct hits hits;
    unsigned obf;
    unsigned rules;
    int label;
};

struct collect_ctx {
    uint32_t *idx, *first;
    size_t n, cap, words, fcap;
    bool failed;
};

static void collect_cb(void *ctx, uint32_t idx, size_t word, enum feat_kind kind)
{
    (void)kind;
    struct collect_ctx *c = ctx;
    while (!c->failed && c->words <= word) { /* a new word starts here */
        uint32_t *f = ag_grow(c->first, &c->fcap, c->words, sizeof(uint32_t));
        if (!f)
            c->failed = true;
        else {
            c->first = f;
            c->first[c->words++] = (uint32_t)c->n;
        }
    }
    uint32_t *grown = c->failed ? NULL : ag_grow(c->idx, &c->cap, c->n, sizeof(uint32_t));
    if (!grown) {
        c->failed = true;
        return;
    }
    c->idx = grown;
    c->idx[c->n++] = idx;
}

/* Training's view of best_window(): the window of example e with the highest classifier
 * logit under weights w; its features are idx[*fs..*fe). Returns that logit. */
static double train_window(const struct train_ex *e, const float *w, size_t *fs, size_t *fe)
{
    double best = 0;
    size_t s, end;
    *fs = *fe = 0;
    for (size_t k = 0; window_at(e->words, k, &s, &end); k++) {
        size_t a = e->first[s], b = e->first[end];
        double sum = 0;
        for (size_t f = a; f < b; f++)
            sum += w[e->idx[f]];
        double z = b > a ? sum / sqrt((double)(b - a)) : 0;
        if (k == 0 || z > best) {
            best = z;
            *fs = a;
            *fe = b;
        }
    }
    return best;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void putf(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    put32(p, u);
}

static ag_err write_model(const char *path, unsigned bits, float bias, const float *delta,
                          size_t n_named, const float *w, char *why, size_t why_len)
{
    size_t nw = (size_t)1 << bits;
    float maxw = 0;
    for (size_t i = 0; i < nw; i++)
        maxw = fabsf(w[i]) > maxw ? fabsf(w[i]) : maxw;
    float scale = maxw > 0 ? maxw / 32767.0f : 1.0f / 32767.0f;
    size_t size = HEADER_BYTES + n_named * NAMED_BYTES + 2 * nw;
    unsigned char *m = calloc(1, size);
    if (!m)
        return AG_ENOMEM;
    static const unsigned char magic[8] = {'A', 'G', 'I', 'N', 'J', 0, 0, 1};
    memcpy(m, magic, sizeof(magic));
    put32(m + 8, MODEL_VERSION);
    put32(m + 12, bits);
    put32(m + 16, (uint32_t)n_named);
    putf(m + 24, bias);
    putf(m + 28, scale);
    for (size_t k = 0; k < n_named; k++) {
        unsigned char *e = m + HEADER_BYTES + k * NAMED_BYTES;
        const char *nm =
            k < inject_n_rules ? inject_rules[k].name : inject_obfs[k - inject_n_rules].name;
        uint64_t h = name_hash(nm);
        put32(e, (uint32_t)h);
        put32(e + 4, (uint32_t)(h >> 32));
        putf(e + 8, delta[k]);
    }
    unsigned char *wp = m + HEADER_BYTES + n_named * NAMED_BYTES;
    for (size_t i = 0; i < nw; i++) {
        long q = lroundf(w[i] / scale);
        q = q > 32767 ? 32767 : q < -32767 ? -32767 : q;
        uint16_t u = (uint16_t)(int16_t)q;
        wp[2 * i] = (unsigned char)u;
        wp[2 * i + 1] = (unsigned char)(u >> 8);
    }
    ag_err rc = AG_OK;
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(m, 1, size, f) != size) {
        (void)snprintf(why, why_len, "cannot write %s", path);
        rc = AG_EIO;
    }
    if (f && fclose(f) != 0 && rc == AG_OK) {
        (void)snprintf(why, why_len, "cannot write %s", path);
        rc = AG_EIO;
    }
    free(m);
    return rc;
}

ag_err guard_inject_train(const struct guard_example *ex, size_t n,
                          const struct guard_train_params *tp, const char *out_path, char *why,
                          size_t why_len)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += ex[i].label == 1;
    if (n == 0 || pos == 0 || pos == n) {
        (void)snprintf(why, why_len, "training needs examples of both labels (%zu of %zu attacks)",
                       pos, n);
        return AG_EINVAL;
    }
    const unsigned bits = MODEL_BITS;
    const size_t nw = (size_t)1 << bits, n_named = inject_n_rules + INJECT_N_OBF;
    ag_err rc = AG_ENOMEM;
    struct train_ex *te = calloc(n, sizeof(*te));
    size_t *order = calloc(n, sizeof(*order));
    float *w = calloc(nw, sizeof(float)), *gw = calloc(nw, sizeof(float));
    float delta[INJECT_MAX_RULES] = {0}, gdelta[INJECT_MAX_RULES] = {0}, prior[INJECT_MAX_RULES];
    /* a throwaway detector: its rule database and zero weights give the features */
    struct guard_inject probe = {.db = rules(), .bits = bits, .scale = 0};
    if (!te || !order || !w || !gw)
        goto out;
    if (!probe.db) {
        (void)snprintf(why, why_len, "the rule set does not compile");
        rc = AG_ECONFIG;
        goto out;
    }
    for (size_t r = 0; r < n_named; r++)
        prior[r] =
            r < inject_n_rules ? inject_rules[r].prior : inject_obfs[r - inject_n_rules].prior;
    struct scan_local *l = local_get(&probe);
    if (!l)
        goto out;
    for (size_t i = 0; i < n; i++) {
        rc = analyse(&probe, l, ex[i].text, ex[i].len, &te[i].hits, &te[i].obf);
        if (rc != AG_OK) {
            (void)snprintf(why, why_len, "example %zu: %s", i + 1, ag_strerror(rc));
            goto out;
        }
        struct collect_ctx c = {0};
        features(l->norm.p, l->norm.len, bits, collect_cb, &c);
        uint32_t *f = c.failed ? NULL : ag_grow(c.first, &c.fcap, c.words, sizeof(uint32_t));
        te[i].idx = c.idx;
        te[i].first = f ? f : c.first;
        if (!f) {
            rc = AG_ENOMEM;
            goto out;
        }
        f[c.words] = (uint32_t)c.n;
        te[i].n_idx = c.n;
        te[i].words = c.words;
        for (size_t r = 0; r < inject_n_rules; r++)
            te[i].rules += has(&te[i].hits, r);
        te[i].label = ex[i].label;
        order[i] = i;
    }
    float bias = 0, gbias = 0;
    uint64_t seed = tp->seed;
    const float rate = (float)tp->rate, l2 = (float)tp->l2;
    for (unsigned ep = 0; ep < tp->epochs; ep++) {
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)(splitmix(&seed) % (i + 1));
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double loss = 0;
        size_t right = 0;
        for (size_t k = 0; k < n; k++) {
            const struct train_ex *e = &te[order[k]];
            size_t fs, fe;
            double z = bias + train_window(e, w, &fs, &fe);
            float inv = fe > fs ? 1.0f / sqrtf((float)(fe - fs)) : 0;
            for (size_t r = 0; r < n_named; r++)
                if (r < inject_n_rules ? has(&e->hits, r)
                                       : obf_counts(e->rules, e->obf, r - inject_n_rules))
                    z += prior[r] + delta[r];
            double pr = 1.0 / (1.0 + exp(-z));
            loss -= e->label ? log(pr + 1e-12) : log(1 - pr + 1e-12);
            right += (pr >= 0.5) == (e->label == 1);
            float gr = (float)(pr - e->label);
            gbias += gr * gr;
            bias -= rate * gr / sqrtf(gbias + 1e-8f);
            for (size_t r = 0; r < n_named; r++)
                if (r < inject_n_rules ? has(&e->hits, r)
                                       : obf_counts(e->rules, e->obf, r - inject_n_rules)) {
                    float gd = gr + l2 * 100 * delta[r];
                    gdelta[r] += gd * gd;
                    delta[r] -= rate * gd / sqrtf(gdelta[r] + 1e-8f);
                }
            for (size_t f = fs; f < fe; f++) {
                uint32_t x = e->idx[f];
                float g = gr * inv + l2 * w[x];
                gw[x] += g * g;
                w[x] -= rate * g / sqrtf(gw[x] + 1e-8f);
            }
        }
        if (!tp->quiet)
            fprintf(stderr, "guard train: epoch %u loss %.4f accuracy %.4f\n", ep + 1,
                    loss / (double)n, (double)right / (double)n);
    }
    rc = write_model(out_path, bits, bias, delta, n_named, w, why, why_len);
out:
    if (te)
        for (size_t i = 0; i < n; i++) {
            free(te[i].idx);
            free(te[i].first);
        }
    free(te);
    free(order);
    free(w);
    free(gw);
    return rc;
}

/* ---- labelled JSON Lines ---- */

ag_err guard_examples_read(const char *p, size_t n, struct guard_example **ex, size_t *n_ex,
                           size_t *cap, char *why, size_t why_len)
{
    size_t line = 0;
    for (size_t i = 0; i < n;) {
        const char *e = memchr(p + i, '\n', n - i);
        size_t len = e ? (size_t)(e - (p + i)) : n - i;
        line++;
        size_t s = i;
        i += len + (e != NULL);
        while (len > 0 && (p[s + len - 1] == '\r' || p[s + len - 1] == ' '))
            len--;
        if (len == 0)
            continue;
        json_t *o = NULL;
        char jwhy[160];
        if (json_parse_object(p + s, len, 8, &o, jwhy, sizeof(jwhy)) != AG_OK) {
            (void)snprintf(why, why_len, "line %zu: %s", line, jwhy);
            return AG_EINVAL;
        }
        json_t *t = json_object_get(o, "text"), *lab = json_object_get(o, "label");
        if (!json_is_string(t) || !json_is_integer(lab) ||
            (json_integer_value(lab) != 0 && json_integer_value(lab) != 1)) {
            json_decref(o);
            (void)snprintf(why, why_len, "line %zu: needs \"text\" (string) and \"label\" (0 or 1)",
                           line);
            return AG_EINVAL;
        }
        struct guard_example *grown = ag_grow(*ex, cap, *n_ex, sizeof(**ex));
        char *copy = grown ? malloc(json_string_length(t) + 1) : NULL;
        if (!copy) {
            if (grown)
                *ex = grown;
            json_decref(o);
            return AG_ENOMEM;
        }
        *ex = grown;
        memcpy(copy, json_string_value(t), json_string_length(t) + 1);
        (*ex)[*n_ex] =
            (struct guard_example){copy, json_string_length(t), (int)json_integer_value(lab), ""};
        json_t *set = json_object_get(o, "set");
        if (json_is_string(set))
            (void)snprintf((*ex)[*n_ex].set, sizeof((*ex)[*n_ex].set), "%s",
                           json_string_value(set));
        (*n_ex)++;
        json_decref(o);
    }
    return AG_OK;
}

void guard_examples_free(struct guard_example *ex, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)ex[i].text);
    free(ex);
}
