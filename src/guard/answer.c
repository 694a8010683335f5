// SPDX-License-Identifier: MIT
/*
 * guard/answer.c: the answer checker (guard/answer.h). The answer, the passages and the
 * customer's text are split into folded, stemmed words once; each answer sentence is
 * then checked in order: a forbidden text quoted (leak), personal data the customer did
 * not give (pii), citations of missing passages, product names, SKUs and product-line
 * siblings found nowhere, catalogue prices and stock, stock clause by clause, numbers
 * missing from the passages or stated there in another role, negation and opposites
 * against the best matching passage sentence, the share of content words its passage
 * holds (stems equal, one a compound head or tail of the other as kb_term_matches()
 * says, or one concept of the shop lexicon in answer_lex.c), promises the passages do not
 * make, a yes/no question's topic asserted without them, weekend dispatch. Sentences
 * without factual content (greetings, offers to help, "I don't know") are exempt.
 * THREADS: reentrant. OWNERSHIP: working arrays are malloc'd and freed before return;
 * the result lives in the caller's arena.
 */
#include "guard/answer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard/answer_internal.h"
#include "guard/pii.h"
#include "kb/kb.h"

const char ANSWER_WHY_LEAK[] = "leak", ANSWER_WHY_PII[] = "pii",
           ANSWER_WHY_BAD_CITATION[] = "bad_citation",
           ANSWER_WHY_UNKNOWN_PRODUCT[] = "unknown_product",
           ANSWER_WHY_WRONG_PRICE[] = "wrong_price", ANSWER_WHY_WRONG_STOCK[] = "wrong_stock",
           ANSWER_WHY_WRONG_NUMBER[] = "wrong_number", ANSWER_WHY_NEGATION[] = "negation",
           ANSWER_WHY_UNSUPPORTED[] = "unsupported";

#define MAX_NUMBERS   256 /* per sentence or passage; more are not checked */
#define MAX_PII_SPANS 256

struct answer_check_params answer_check_default_params(void)
{
    return (struct answer_check_params){.support_threshold = 0.45}; /* dev set: see docs */
}

/* ---- word lists ---------------------------------------------------------------------- */

static int cmp_cstr(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static bool in_sorted(const char *const *list, size_t count, const char *w)
{
    return bsearch(w, list, count, sizeof(*list), cmp_cstr) != NULL;
}
#define IN_LIST(l, w) in_sorted((l), sizeof(l) / sizeof((l)[0]), (w))

/* Function words text_is_stopword() leaves in (pronouns, auxiliaries, modal verbs,
 * adverbs of degree, light verbs such as "geben" / "give" / "make" whose noun carries
 * the meaning, causal conjunctions such as "weil" / "because", the auxiliaries of
 * English contractions: "doesn" of "doesn't"): they carry no fact a passage must hold.
 * Sorted. */
static const char *const extra_stop[] = {
    "all",    "allerdings", "also",      "any",     "aren",    "auch",    "because", "been",
    "being",  "bereits",    "bitte",     "came",    "come",    "comes",   "couldn",  "dabei",
    "dafur",  "daher",      "damit",     "daran",   "darauf",  "daruber", "davon",   "dazu",
    "deine",  "deiner",     "denn",      "derzeit", "deshalb", "didn",    "direkt",  "doesn",
    "don",    "durfen",     "each",      "es",      "etwa",    "etwas",   "ganz",    "geben",
    "gerade", "get",        "gibt",      "give",    "given",   "gives",   "gleich",  "hasn",
    "hatte",  "hatten",     "haven",     "hence",   "here",    "hierzu",  "ihm",     "ihnen",
    "ihr",    "ihre",       "ihrem",     "ihren",   "ihrer",   "ihres",   "immer",   "into",
    "isn",    "jedoch",     "jetzt",     "just",    "konnen",  "konnte",  "konnten", "machen",
    "make",   "makes",      "may",       "might",   "mochte",  "mochten", "more",    "most",
    "much",   "mussen",     "musst",     "must",    "now",     "only",    "out",     "over",
    "per",    "schon",      "sehr",      "sei",     "seien",   "shouldn", "sollte",  "sollten",
    "some",   "such",       "therefore", "thus",    "unserem", "unseren", "unserer", "unseres",
    "up",     "very",       "via",       "ware",    "waren",   "wasn",    "weil",    "werde",
    "won",    "wouldn",     "wurde",     "wurden",  "yes",     "zudem",
};

/* Negations (folded), "ohne" and "without" among them. "t" counts after "don", "isn"...
 * (text_words splits "don't"). */
static const char *const negations[] = {
    "cannot",   "kein",    "keine", "keinem",  "keinen", "keiner", "keinerlei",
    "keines",   "neither", "never", "nicht",   "nichts", "nie",    "niemals",
    "nirgends", "no",      "non",   "none",    "nor",    "not",    "nothing",
    "nowhere",  "ohne",    "weder", "without",
};

/* Conversation rather than facts: a sentence of only these (and function words) is
 * exempt from the support check. Prefixes of folded words (at least 4 letters) or whole
 * words. Drawn from greetings, closings, offers of help and admissions of not knowing in
 * both languages (and the extractive backend's own "don't know" text). Sorted. */
static const char *const discourse[] = {
    "abend",
    "able",
    "afraid",
    "anders",
    "answer",
    "antwort",
    "anything",
    "ask",
    "assist",
    "best",
    "brauch",
    "certain",
    "check",
    "contact",
    "correct",
    "customer",
    "dank",
    "day",
    "dear",
    "document",
    "doesn",
    "don",
    "else",
    "feel",
    "find",
    "formulier",
    "found",
    "frag",
    "free",
    "freundlich",
    "further",
    "gefunden",
    "genau",
    "gern",
    "glad",
    "great",
    "gruss",
    "guten",
    "hallo",
    "happy",
    "hear",
    "helf",
    "hello",
    "help",
    "hesitate",
    "hey",
    "hi",
    "hilf",
    "hoffe",
    "hope",
    "horen",
    "indeed",
    "inform",
    "isn",
    "kind",
    "know",
    "kontakt",
    "kundendienst",
    "kundenservice",
    "leider",
    "let",
    "lieb",
    "mehr",
    "melden",
    "morgen",
    "naturlich",
    "need",
    "nein",
    "nice",
    "noch",
    "other",
    "question",
    "reach",
    "regards",
    "reliable",
    "rephrase",
    "richtig",
    "schonen",
    "schones",
    "selbstverstandlich",
    "service",
    "sonst",
    "sorry",
    "support",
    "sure",
    "t",
    "tag",
    "team",
    "tell",
    "thank",
    "unable",
    "unfortunately",
    "unterlag",
    "verlass",
    "weekend",
    "weiss",
    "weit",
    "welcome",
    "wend",
    "willkommen",
    "wish",
    "wiss",
    "wochenend",
    "wunsch",
    "zogern",
};

static bool is_discourse(const char *f, size_t n)
{
    /* the largest entry that is a prefix of f: binary search on the sorted list, then
     * walk back over entries that sort before f */
    size_t count = sizeof(discourse) / sizeof(discourse[0]);
    for (size_t i = 0; i < count; i++) {
        if (n == 0 || discourse[i][0] != f[0]) /* the list is sorted: cheap filter first */
            continue;
        size_t dl = strlen(discourse[i]);
        if (dl > n)
            continue;
        if (memcmp(f, discourse[i], dl) == 0 && (dl == n || dl >= 4))
            return true;
    }
    return false;
}

#define ARRAY_LEN(l) (sizeof(l) / sizeof((l)[0]))

/* Whether folded word f starts with one of list's prefixes. */
static bool word_has_prefix(const char *f, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strncmp(f, list[i], strlen(list[i])) == 0)
            return true;
    return false;
}

/* Question words: a question with one of them is open ("Welcher passt?"), one without
 * is a yes/no question ("Kann ich ...?", "Do you share ...?"). Sorted. */
static const char *const question_words[] = {
    "how",     "wann", "warum",   "was",  "welche", "welchem", "welchen", "welcher",
    "welches", "wer",  "weshalb", "what", "when",   "where",   "which",   "who",
    "why",     "wie",  "wieso",   "wo",   "woher",  "wohin",
};

/* A referral to people: a service word and a verb of getting in touch. */
static const char *const refer_nouns[] = {"customer",   "hotline", "kontakt", "kundendienst",
                                          "kundenserv", "service", "support", "team"};
static const char *const refer_verbs[] = {"ask",    "check", "contact", "email", "frag", "kontakt",
                                          "melden", "reach", "schreib", "wend",  "write"};

/* ---- analysed words ---------------------------------------------------------------- */

enum {
    W_STOP = 1 << 0,      /* function word */
    W_NEG = 1 << 1,       /* negation */
    W_NUM = 1 << 2,       /* digits or a number word: the number check's business */
    W_TALK = 1 << 3,      /* conversational (see discourse) */
    W_DIGITS = 1 << 4,    /* digits only */
    W_KNOW = 1 << 5,      /* about knowing or telling ("information", "weiß", "listed") */
    W_NEGATED = 1 << 6,   /* in the scope of a negation (see mark_negated) */
    W_NEG_CLAUSE = 1 << 7 /* in a clause with a negation */
};

/* Words about knowledge and records (prefixes of folded words): with a negation they make
 * a sentence an admission of not knowing ("I have no information about gift wrapping"). */
static const char *const knowing[] = {
    "angab",   "angegeb", "aufgefuhrt", "auskunft", "beschreib", "describ",  "detail", "document",
    "entnehm", "erwahn",  "genannt",    "hinweis",  "info",      "know",     "list",   "mention",
    "sag",     "see",     "seh",        "specif",   "tell",      "unterlag", "weiss",  "wiss"};
/* ... and the heads of German compounds about records ("Produktdaten",
 * "Produktbeschreibung", "Artikelangaben"), matched at the end of a word. */
static const char *const knowing_tails[] = {"angaben", "beschreibung", "daten", "informationen"};

static bool is_knowing(const char *f, size_t n)
{
    for (size_t i = 0; i < sizeof(knowing) / sizeof(knowing[0]); i++) {
        if (n == 0 || knowing[i][0] != f[0])
            continue;
        size_t kl = strlen(knowing[i]);
        if (kl <= n && memcmp(f, knowing[i], kl) == 0)
            return true;
    }
    for (size_t i = 0; i < sizeof(knowing_tails) / sizeof(knowing_tails[0]); i++) {
        size_t kl = strlen(knowing_tails[i]);
        if (kl < n && memcmp(f + n - kl, knowing_tails[i], kl) == 0)
            return true;
    }
    return false;
}

struct aword {
    size_t start, end;     /* bytes in the text */
    size_t fold, fold_len; /* folded form in the pool */
    size_t stem, stem_len; /* stem in the pool */
    unsigned flags;
    unsigned sent;    /* sentence of the text it lies in */
    unsigned concept; /* answer_concept(): shop vocabulary a paraphrase may swap */
};

struct text_an {
    const char *p;
    size_t n;
    struct aword *w;
    size_t nw, cap;
    struct buf pool;
    struct span {
        size_t start, end;
    } * sent;
    size_t n_sent, sent_cap;
    struct sidx {
        const char *stem;
        size_t idx;
    } * by_stem; /* content words sorted by stem */
    size_t n_by_stem;
    struct answer_number *nums;
    size_t n_nums;
    uint64_t concepts; /* bit c: a content word of concept c */
};

struct ctx {
    struct text_analyzer *an;
    enum text_lang lang;
    ag_err rc;
    struct text_an *cur;
};

static bool is_sp(char c);
static bool is_content(const struct aword *w);
static void sentence_words(const struct text_an *t, size_t s, size_t *w0, size_t *w1);

static const char *pool_at(const struct text_an *t, size_t off)
{
    return t->pool.p + off;
}

static bool is_number_word(const char *f)
{
    static const char *const words[] = {
        "acht",     "achtzehn", "drei",     "dreissig", "dreizehn", "eight",    "eighteen",
        "elf",      "eleven",   "fifteen",  "fifty",    "five",     "forty",    "four",
        "fourteen", "funf",     "funfzehn", "funfzig",  "hundert",  "hundred",  "neun",
        "neunzehn", "nine",     "nineteen", "sechs",    "sechzehn", "seven",    "seventeen",
        "sieben",   "siebzehn", "six",      "sixteen",  "ten",      "thirteen", "thirty",
        "three",    "twelve",   "twenty",   "two",      "vier",     "vierzehn", "vierzig",
        "zehn",     "zwanzig",  "zwei",     "zwolf"};
    return IN_LIST(words, f);
}

static bool on_word(void *vctx, const char *w, size_t n, size_t start, size_t end)
{
    struct ctx *c = vctx;
    struct text_an *t = c->cur;
    struct aword *grown = ag_grow(t->w, &t->cap, t->nw, sizeof(*t->w));
    if (!grown) {
        c->rc = AG_ENOMEM;
        return false;
    }
    t->w = grown;
    struct aword *x = &t->w[t->nw];
    memset(x, 0, sizeof(*x));
    x->start = start;
    x->end = end;
    x->fold = t->pool.len;
    x->fold_len = n;
    if ((c->rc = buf_append(&t->pool, w, n)) != AG_OK || (c->rc = buf_putc(&t->pool, '\0')))
        return false;
    x->stem = t->pool.len;
    if ((c->rc = text_stem(c->an, c->lang, w, n, &t->pool)) != AG_OK)
        return false;
    x->stem_len = t->pool.len - x->stem;
    if ((c->rc = buf_putc(&t->pool, '\0')) != AG_OK)
        return false;
    const char *f = pool_at(t, x->fold);
    char small[32];
    size_t k = n < sizeof(small) - 1 ? n : sizeof(small) - 1;
    memcpy(small, f, k);
    small[k] = '\0';
    bool digits = true;
    for (size_t i = 0; i < n && digits; i++)
        digits = f[i] >= '0' && f[i] <= '9';
    if (digits)
        x->flags |= W_DIGITS | W_NUM;
    else if (is_number_word(small))
        x->flags |= W_NUM;
    if (IN_LIST(negations, small))
        x->flags |= W_NEG;
    else if (strcmp(small, "t") == 0 && t->nw > 0) {
        const struct aword *prev = &t->w[t->nw - 1];
        const char *pf = pool_at(t, prev->fold);
        if (prev->end + 2 >= start && prev->fold_len >= 2 && pf[prev->fold_len - 1] == 'n')
            x->flags |= W_NEG; /* don't, isn't, can't, won't */
    }
    if (text_is_stopword(f, n) || IN_LIST(extra_stop, small) || n < 2)
        x->flags |= W_STOP;
    if (is_discourse(f, n))
        x->flags |= W_TALK;
    if (is_knowing(f, n))
        x->flags |= W_KNOW;
    if (!(x->flags & (W_STOP | W_NUM)))
    x->concept = answer_concept(f, n);
    t->nw++;
    return true;
}

static bool on_sentence(void *vctx, size_t start, size_t end)
{
    struct text_an *t = vctx;
    struct span *grown = ag_grow(t->sent, &t->sent_cap, t->n_sent, sizeof(*t->sent));
    if (!grown)
        return false;
    t->sent = grown;
    t->sent[t->n_sent++] = (struct span){start, end};
    return true;
}

/* Passages: product records are "Field: value | Field: value"; each field is a unit of
 * its own for aligning and negation, like a sentence. */
static bool on_passage_sentence(void *vctx, size_t start, size_t end)
{
    struct text_an *t = vctx;
    size_t s = start;
    for (size_t i = start; i <= end; i++) {
        if (i < end && t->p[i] != '|')
            continue;
        size_t a = s, b = i;
        while (a < b && is_sp(t->p[a]))
            a++;
        while (b > a && is_sp(t->p[b - 1]))
            b--;
        if (a < b && !on_sentence(t, a, b))
            return false;
        s = i + 1;
    }
    return true;
}

/* Is there a clause break between words i and j = i + 1 of t: another sentence or unit,
 * punctuation, or a contrasting conjunction? */
static bool clause_break(const struct text_an *t, size_t i, size_t j)
{
    if (t->w[i].sent != t->w[j].sent)
        return true;
    for (size_t b = t->w[i].end; b < t->w[j].start; b++)
        if (strchr(",;:.!?()|", t->p[b]))
            return true;
    const char *f = pool_at(t, t->w[j].fold);
    return strcmp(f, "aber") == 0 || strcmp(f, "but") == 0 || strcmp(f, "sondern") == 0;
}

/* The scope of each negation: the next two content words of its clause, or when it ends
 * the clause ("Zollgebühren fallen keine an"), the two content words before it; and its
 * whole clause, which the other side of a comparison is matched against ("Wir selbst
 * speichern keine Kartendaten" covers "Kartendaten speichern wir selbst nicht"). */
static void mark_negated(struct text_an *t)
{
    for (size_t i = 0; i < t->nw; i++) {
        if (!(t->w[i].flags & W_NEG))
            continue;
        size_t marked = 0;
        for (size_t k = i + 1; k < t->nw && marked < 2 && !clause_break(t, k - 1, k); k++)
            if (is_content(&t->w[k])) {
                t->w[k].flags |= W_NEGATED;
                marked++;
            }
        for (size_t k = i; k < t->nw && (k == i || !clause_break(t, k - 1, k)); k++)
            t->w[k].flags |= W_NEG_CLAUSE;
        for (size_t k = i; k > 0 && !clause_break(t, k - 1, k); k--)
            t->w[k - 1].flags |= W_NEG_CLAUSE;
        bool back = marked == 0;
        for (size_t k = i; back && marked < 2 && k > 0 && !clause_break(t, k - 1, k); k--)
            if (is_content(&t->w[k - 1])) {
                t->w[k - 1].flags |= W_NEGATED;
                marked++;
            }
    }
}

static int cmp_stem_idx(const void *a, const void *b)
{
    return strcmp(((const struct sidx *)a)->stem, ((const struct sidx *)b)->stem);
}

static bool is_content(const struct aword *w)
{
    return !(w->flags & (W_STOP | W_NEG | W_NUM));
}

static void text_an_release(struct text_an *t)
{
    free(t->w);
    free(t->sent);
    free(t->by_stem);
    free(t->nums);
    buf_release(&t->pool);
    memset(t, 0, sizeof(*t));
}

/* Words, sentences (answer_sentences() for the answer, text_sentences() otherwise),
 * numbers and the stem index of p[0..n). */
static ag_err analyse(struct ctx *c, const char *p, size_t n, bool answer, struct text_an *t)
{
    memset(t, 0, sizeof(*t));
    t->p = p;
    t->n = n;
    buf_init(&t->pool, (size_t)16 * n + 4096);
    c->cur = t;
    c->rc = AG_OK;
    ag_err rc = text_words(p, n, on_word, c);
    if (rc != AG_OK || c->rc != AG_OK)
        return rc != AG_OK ? rc : c->rc;
    if (answer)
        answer_sentences(p, n, on_sentence, t);
    else
        text_sentences(p, n, on_passage_sentence, t);
    if (t->n_sent == 0 && t->nw > 0)
        return AG_ENOMEM; /* words but no sentence: on_sentence() could not grow */
    /* each word's sentence: both lists are in text order */
    size_t s = 0;
    for (size_t i = 0; i < t->nw; i++) {
        while (s + 1 < t->n_sent && t->w[i].start >= t->sent[s].end)
            s++;
        t->w[i].sent = (unsigned)s;
    }
    mark_negated(t);
    if (!(t->by_stem = malloc((t->nw ? t->nw : 1) * sizeof(*t->by_stem))))
        return AG_ENOMEM;
    /* the pool is complete now: pointers into it stay valid */
    for (size_t i = 0; i < t->nw; i++)
        if (is_content(&t->w[i])) {
            t->by_stem[t->n_by_stem++] = (struct sidx){pool_at(t, t->w[i].stem), i};
            if (t->w[i].concept && !(t->w[i].flags & W_NEG_CLAUSE))
            t->concepts |= (uint64_t)1 << t->w[i].concept;
        }
    qsort(t->by_stem, t->n_by_stem, sizeof(*t->by_stem), cmp_stem_idx);
    if (!answer) {
        if (!(t->nums = malloc(MAX_NUMBERS * sizeof(*t->nums))))
            return AG_ENOMEM;
        size_t k = answer_numbers(p, n, c->lang, t->nums, MAX_NUMBERS);
        t->n_nums = k < MAX_NUMBERS ? k : MAX_NUMBERS;
    }
    return AG_OK;
}

/* ---- sentences --------------------------------------------------------------------- */

struct split {
    const char *p;
    size_t n;
    struct span pending;
    bool has_pending, carry;
    size_t carry_start;
    text_sentence_cb cb;
    void *ctx;
    size_t count;
    bool stopped;
};

static bool is_sp(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Length of a run of citations "[1]", "[2, 3]" at p[i] (spaces between allowed). */
static size_t citations_at(const char *p, size_t n, size_t i)
{
    size_t j = i, last = i;
    while (j < n && p[j] == '[') {
        size_t k = j + 1;
        bool digit = false;
        while (k < n && ((p[k] >= '0' && p[k] <= '9') || p[k] == ',' || p[k] == ' ')) {
            digit = digit || (p[k] >= '0' && p[k] <= '9');
            k++;
        }
        if (!digit || k >= n || p[k] != ']')
            break;
        j = last = k + 1;
        while (j < n && (p[j] == ' ' || p[j] == '.' || p[j] == ',' || p[j] == '!'))
            j++;
        if (j > last && j < n && p[j] != '[')
            last = j;
    }
    return last - i;
}

/* A fragment that is only a list marker or ends in an ordinal: "1.", "-", "am 5." */
static bool glues_forward(const char *p, size_t s, size_t e)
{
    size_t i = e;
    if (i > s && p[i - 1] == '.')
        i--;
    size_t d = i;
    while (d > s && p[d - 1] >= '0' && p[d - 1] <= '9')
        d--;
    if (i - d >= 1 && i - d <= 2 && (d == s || p[d - 1] == ' ') && i < e)
        return true; /* "1." alone, or "am 5." before "Mai" */
    bool marks = true;
    for (size_t k = s; k < e && marks; k++)
        marks = p[k] == '-' || p[k] == '*' || p[k] == ')' || is_sp(p[k]);
    return marks;
}

static void split_emit(struct split *sp, size_t s, size_t e)
{
    if (sp->stopped || s >= e)
        return;
    sp->count++;
    if (!sp->cb(sp->ctx, s, e))
        sp->stopped = true;
}

/* Bytes of a closing or opening quotation mark at p[i] (" ' » « “ ” „ ‘ ’), or 0. */
static size_t quote_at(const char *p, size_t n, size_t i)
{
    unsigned char c = (unsigned char)p[i];
    if (c == '"' || c == '\'')
        return 1;
    if (c == 0xC2 && i + 1 < n &&
        ((unsigned char)p[i + 1] == 0xBB || (unsigned char)p[i + 1] == 0xAB))
        return 2;
    if (c == 0xE2 && i + 2 < n && (unsigned char)p[i + 1] == 0x80) {
        unsigned char d = (unsigned char)p[i + 2];
        return d == 0x98 || d == 0x99 || d == 0x9C || d == 0x9D || d == 0x9E ? 3 : 0;
    }
    return 0;
}

/* Where a sentence inside p[s, e) ends that text_sentences() ran on into the next: end
 * punctuation, closing quotes, a citation, then the next sentence ("“A.” [1] “B.” [2]",
 * as quoted answers cite). The offset after the citation, or 0. */
static size_t inner_cut(const char *p, size_t s, size_t e)
{
    for (size_t i = s; i + 1 < e; i++) {
        if (p[i] != '.' && p[i] != '!' && p[i] != '?')
            continue;
        size_t j = i + 1, q;
        while (j < e && (q = quote_at(p, e, j)) != 0)
            j += q;
        size_t k = j;
        while (k < e && p[k] == ' ')
            k++;
        if (k == j || k >= e || p[k] != '[')
            continue;
        size_t cl = citations_at(p, e, k);
        size_t m = k + cl;
        while (m < e && is_sp(p[m]))
            m++;
        if (cl && m < e)
            return k + cl;
    }
    return 0;
}

static bool split_piece(struct split *sp, size_t start, size_t end);

static bool split_on(void *vctx, size_t start, size_t end)
{
    struct split *sp = vctx;
    size_t cut;
    while ((cut = inner_cut(sp->p, start, end)) != 0 && !sp->stopped) {
        size_t piece_end = cut;
        while (piece_end > start && is_sp(sp->p[piece_end - 1]))
            piece_end--;
        split_piece(sp, start, piece_end);
        start = cut;
        while (start < end && is_sp(sp->p[start]))
            start++;
    }
    return start < end ? split_piece(sp, start, end) : !sp->stopped;
}

static bool split_piece(struct split *sp, size_t start, size_t end)
{
    const char *p = sp->p;
    if (sp->carry) { /* a list marker or ordinal before: this fragment continues it */
        start = sp->carry_start;
        sp->carry = false;
    }
    /* Citations at the start belong to the sentence before, on the same line. */
    size_t cl = citations_at(p, end, start);
    if (cl && sp->has_pending && !memchr(p + sp->pending.end, '\n', start - sp->pending.end)) {
        sp->pending.end = start + cl;
        while (sp->pending.end > start && is_sp(p[sp->pending.end - 1]))
            sp->pending.end--;
        start += cl;
        while (start < end && is_sp(p[start]))
            start++;
        if (start >= end)
            return !sp->stopped;
    }
    if (glues_forward(p, start, end)) {
        sp->carry = true;
        sp->carry_start = start;
        return !sp->stopped;
    }
    if (sp->has_pending)
        split_emit(sp, sp->pending.start, sp->pending.end);
    sp->pending = (struct span){start, end};
    sp->has_pending = true;
    return !sp->stopped;
}

size_t answer_sentences(const char *p, size_t n, text_sentence_cb cb, void *ctx)
{
    struct split sp = {.p = p, .n = n, .cb = cb, .ctx = ctx};
    text_sentences(p, n, split_on, &sp);
    if (sp.carry) { /* a trailing marker: keep it as its own sentence */
        size_t e = n;
        while (e > sp.carry_start && is_sp(p[e - 1]))
            e--;
        if (sp.has_pending && !memchr(p + sp.pending.end, '\n', sp.carry_start - sp.pending.end))
            sp.pending.end = e;
        else {
            if (sp.has_pending)
                split_emit(&sp, sp.pending.start, sp.pending.end);
            sp.pending = (struct span){sp.carry_start, e};
            sp.has_pending = true;
        }
    }
    if (sp.has_pending)
        split_emit(&sp, sp.pending.start, sp.pending.end);
    return sp.count;
}

/* ---- matching ---------------------------------------------------------------------- */

static bool word_in_stems(const struct text_an *ans, const struct aword *x, const struct text_an *t,
                          size_t *at);

/* Whether answer word x is found among the content words of t: equal stems, one stem a
 * compound head or tail of the other (kb_term_matches, both ways), or a word of the same
 * concept of shop vocabulary ("gratis" for "kostenlos", "zurückschicken" for
 * "Rücksendung") that t states without a negation. */
static bool word_in(const struct text_an *ans, const struct aword *x, const struct text_an *t,
                    size_t *at)
{
    if (word_in_stems(ans, x, t, at))
        return true;
    if (!x->concept || !((t->concepts >> x->concept) & 1))
        return false;
    for (size_t i = 0; i < t->n_by_stem; i++)
        if (t->w[t->by_stem[i].idx].concept == x->concept) {
            *at = t->by_stem[i].idx;
            return true;
        }
    return false;
}

/* Stem lengths without a verb ending the stemmer leaves on some forms: German "-t",
 * "-st", "-et" ("verlässt", "schickt" against "verlassen", "schicken"). out[0] is n. */
static size_t verb_cores(const char *s, size_t n, size_t out[4])
{
    size_t k = 0;
    out[k++] = n;
    if (n >= 5 && s[n - 1] == 't')
        out[k++] = n - 1;
    if (n >= 6 && s[n - 2] == 's' && s[n - 1] == 't')
        out[k++] = n - 2;
    if (n >= 6 && s[n - 2] == 'e' && s[n - 1] == 't')
        out[k++] = n - 2;
    return k;
}

/* Two stems that differ only in such an ending (at least 4 letters in common). */
static bool same_verb_stem(const char *a, size_t an, const char *b, size_t bn)
{
    size_t ac[4], bc[4];
    size_t na = verb_cores(a, an, ac), nb = verb_cores(b, bn, bc);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if ((i || j) && ac[i] == bc[j] && ac[i] >= 4 && memcmp(a, b, ac[i]) == 0)
                return true;
    return false;
}

/* Whether answer word x is found among the content words of t by its stem alone. */
static bool word_in_stems(const struct text_an *ans, const struct aword *x, const struct text_an *t,
                          size_t *at)
{
    const char *xs = pool_at(ans, x->stem);
    size_t lo = 0, hi = t->n_by_stem;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(t->by_stem[mid].stem, xs) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->n_by_stem && strcmp(t->by_stem[lo].stem, xs) == 0) {
        *at = t->by_stem[lo].idx;
        return true;
    }
    struct kb_term term = {.stem = xs, .weight = 1, .parts = {-1, -1}};
    for (size_t i = 0; i < t->n_by_stem; i++) {
        const struct aword *y = &t->w[t->by_stem[i].idx];
        const char *ys = t->by_stem[i].stem;
        struct kb_term back = {.stem = ys, .weight = 1, .parts = {-1, -1}};
        if (kb_term_matches(&term, pool_at(t, y->fold), y->fold_len, ys, y->stem_len) ||
            kb_term_matches(&back, pool_at(ans, x->fold), x->fold_len, xs, x->stem_len) ||
            same_verb_stem(xs, x->stem_len, ys, y->stem_len)) {
            *at = t->by_stem[i].idx;
            return true;
        }
    }
    return false;
}

/* Case-insensitive search for token q[0..qn) in p[0..n), bounded by non-alphanumerics. */
/* find_token(): as has_token(); skip_cited: an occurrence that is a whole citation
 * ("[2]") does not count (for the model numbers of product names, "Fjordlager 2"). */
static bool find_token(const char *p, size_t n, const char *q, size_t qn, bool skip_cited)
{
    if (qn == 0 || qn > n)
        return false;
    for (size_t i = 0; i + qn <= n; i++) {
        size_t k = 0;
        while (k < qn && (p[i + k] == q[k] || ((p[i + k] | 0x20) == (q[k] | 0x20) &&
                                               (q[k] | 0x20) >= 'a' && (q[k] | 0x20) <= 'z')))
            k++;
        if (k < qn)
            continue;
        bool left = i == 0 || !(((p[i - 1] | 0x20) >= 'a' && (p[i - 1] | 0x20) <= 'z') ||
                                (p[i - 1] >= '0' && p[i - 1] <= '9'));
        bool right = i + qn == n || !(((p[i + qn] | 0x20) >= 'a' && (p[i + qn] | 0x20) <= 'z') ||
                                      (p[i + qn] >= '0' && p[i + qn] <= '9'));
        bool cited = skip_cited && i > 0 && p[i - 1] == '[' && i + qn < n && p[i + qn] == ']';
        if (left && right && !cited)
            return true;
    }
    return false;
}

static bool has_token(const char *p, size_t n, const char *q, size_t qn)
{
    return find_token(p, n, q, qn, false);
}

/* Letters and digits of p[0..n), lower case (ASCII), for comparing PII values. */
static ag_err alnum_fold(const char *p, size_t n, struct buf *out)
{
    ag_err rc = AG_OK;
    for (size_t i = 0; i < n && rc == AG_OK; i++) {
        char ch = p[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch | 0x20);
        if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || ch == '@')
            rc = buf_putc(out, ch);
    }
    return rc;
}

/* ---- the check --------------------------------------------------------------------- */

struct checker {
    const char *ans;
    size_t len;
    struct text_an a;
    struct text_an *ps; /* passages */
    size_t n_p;
    struct text_an q; /* customer text */
    bool has_q;
    const struct answer_product *cat;
    size_t n_cat;
    const struct answer_check_params *params;
    struct buf sources_alnum, customer_alnum; /* for PII */
    struct pii_span pii[MAX_PII_SPANS];
    size_t n_pii;
    bool *leak;                /* per answer sentence */
    bool *mentioned;           /* per catalogue product: named by the sentence being checked */
    const char *sent_p;        /* the sentence being checked: numbers' spans are relative to it */
    enum stock_level *p_stock; /* per passage: the stock it states */
    bool *p_record;            /* per passage: it has a stock field */
    bool *answer_cited;        /* per passage: cited somewhere in the answer */
    bool answer_cites;
    bool yes_no;        /* the customer's text asks a yes/no question (no question word) */
    bool *clause_cited; /* scratch, per passage */
    struct answer_number nums[MAX_NUMBERS];
};

static void snippet(const char *p, size_t s, size_t e, char *out, size_t cap)
{
    size_t n = e > s ? str_utf8_prefix(p + s, e - s, cap > 48 ? 48 : cap - 1) : 0;
    memcpy(out, p + s, n);
    out[n] = '\0';
}

static void flag(struct answer_sentence_verdict *v, const char *why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void flag(struct answer_sentence_verdict *v, const char *why, const char *fmt, ...)
{
    if (v->why)
        return; /* the first reason wins */
    v->ok = false;
    v->why = why;
    va_list ap;
    va_start(ap, fmt);
    /* clang-tidy 14 reports every va_list as uninitialised here (a known analyzer false
     * positive with glibc's va_start, as in turn.c); the list was started just above. */
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
    int w = vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
    va_end(ap);
    if (w < 0)
        v->detail[0] = '\0';
    else if ((size_t)w >= sizeof(v->detail)) /* cut at a character boundary */
        v->detail[str_utf8_prefix(v->detail, sizeof(v->detail) - 1, sizeof(v->detail) - 1)] = '\0';
}

/* Leak: runs of ANSWER_LEAK_WORDS folded words (all of a shorter text) of a forbidden
 * text, compared word by word against every window of the answer. */
static ag_err check_leaks(struct ctx *c, struct checker *k)
{
    const struct text_an *a = &k->a;
    for (size_t f = 0; f < k->params->n_forbidden; f++) {
        const char *ft = k->params->forbidden[f];
        if (!ft)
            continue;
        struct text_an fa;
        ag_err rc = analyse(c, ft, strlen(ft), false, &fa);
        if (rc != AG_OK) {
            text_an_release(&fa);
            return rc == AG_EINVAL ? AG_OK : rc; /* a forbidden text of bad UTF-8: skip */
        }
        size_t L = fa.nw < ANSWER_LEAK_WORDS ? fa.nw : ANSWER_LEAK_WORDS;
        for (size_t i = 0; L > 0 && i + L <= a->nw; i++) {
            const struct aword *x = &a->w[i];
            if (k->leak[x->sent])
                continue;
            for (size_t j = 0; j + L <= fa.nw; j++) {
                size_t m = 0;
                while (m < L && a->w[i + m].fold_len == fa.w[j + m].fold_len &&
                       memcmp(pool_at(a, a->w[i + m].fold), pool_at(&fa, fa.w[j + m].fold),
                              fa.w[j + m].fold_len) == 0)
                    m++;
                if (m == L) {
                    k->leak[x->sent] = true;
                    break;
                }
            }
        }
        text_an_release(&fa);
    }
    return AG_OK;
}

/* Cited passages of sentence [s, e): bits in cited (1-based citations); false for a
 * citation of a passage that is not there (its number in *bad). */
static bool citations(const char *p, size_t s, size_t e, size_t n_p, bool *cited, size_t *bad)
{
    bool ok = true;
    for (size_t i = s; i < e; i++) {
        if (p[i] != '[')
            continue;
        size_t j = i + 1;
        size_t num = 0;
        bool any = false, valid = true;
        size_t marks[8];
        size_t nm = 0;
        while (j < e && ((p[j] >= '0' && p[j] <= '9') || p[j] == ',' || p[j] == ' ')) {
            if (p[j] >= '0' && p[j] <= '9') {
                num = num > 1000 ? num : num * 10 + (size_t)(p[j] - '0');
                any = true;
            } else if (any) {
                if (nm < 8)
                    marks[nm++] = num;
                num = 0;
                any = false;
            }
            j++;
        }
        if (j >= e || p[j] != ']')
            continue;
        if (any && nm < 8)
            marks[nm++] = num;
        for (size_t m = 0; m < nm; m++) {
            if (marks[m] == 0 || marks[m] > n_p) {
                valid = false;
                *bad = marks[m];
            } else {
                cited[marks[m] - 1] = true;
            }
        }
        ok = ok && valid;
    }
    return ok;
}

/* A token of letters, digits and hyphens that names a product: letters and digits with
 * a capital among them ("NW-1001", "24-MG01", "X2"), but not a number with a unit or a
 * word glued on ("5kg", "6-month", "3-Sekunden"). */
static bool sku_like(const char *p, size_t s, size_t e)
{
    size_t letters = 0, digits = 0, upper = 0;
    for (size_t i = s; i < e; i++) {
        letters += (p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z';
        upper += p[i] >= 'A' && p[i] <= 'Z';
        digits += p[i] >= '0' && p[i] <= '9';
    }
    if (!letters || !digits || !upper || e - s < 2)
        return false;
    size_t i = s;
    while (i < e && p[i] >= '0' && p[i] <= '9')
        i++;
    if (i > s && i < e) { /* digits first: then letters only is a unit or a word */
        size_t j = i + (p[i] == '-');
        size_t l = j;
        while (l < e && (((p[l] | 0x20) >= 'a' && (p[l] | 0x20) <= 'z') || p[l] == '-'))
            l++;
        if (l == e && (p[i] == '-' || e - i <= 3))
            return false;
    }
    return true;
}

/* Whether word x of t occurs in the passages or catalogue names. The customer's text is no
 * source here: a customer may ask for a product the shop does not have. */
static bool word_known(const struct checker *k, const struct text_an *t, const struct aword *x)
{
    size_t at;
    for (size_t i = 0; i < k->n_p; i++)
        if (word_in_stems(t, x, &k->ps[i], &at))
            return true;
    const char *raw = t->p + x->start;
    for (size_t i = 0; i < k->n_cat; i++) {
        const char *nm = k->cat[i].name ? k->cat[i].name : "";
        if (has_token(nm, strlen(nm), raw, x->end - x->start))
            return true;
    }
    return false;
}

static bool raw_known(const struct checker *k, const char *q, size_t qn)
{
    for (size_t i = 0; i < k->n_p; i++)
        if (has_token(k->ps[i].p, k->ps[i].n, q, qn))
            return true;
    for (size_t i = 0; i < k->n_cat; i++) {
        const char *sku = k->cat[i].sku ? k->cat[i].sku : "";
        const char *nm = k->cat[i].name ? k->cat[i].name : "";
        if (has_token(sku, strlen(sku), q, qn) || has_token(nm, strlen(nm), q, qn))
            return true;
    }
    return false;
}

static bool upper_at(const char *p, size_t i, size_t e)
{
    if (i >= e)
        return false;
    unsigned char ch = (unsigned char)p[i];
    if (ch >= 'A' && ch <= 'Z')
        return true;
    /* Ä Ö Ü in UTF-8 */
    return ch == 0xC3 && i + 1 < e &&
           ((unsigned char)p[i + 1] == 0x84 || (unsigned char)p[i + 1] == 0x96 ||
            (unsigned char)p[i + 1] == 0x9C);
}

/* A name the customer asked for, in a negated clause of the answer ("I don't see Apple
 * Pay among our payment options"): the answer denies it, it does not invent it. */
static bool denied_ask(const struct checker *k, const struct aword *first, size_t end)
{
    return k->has_q && (first->flags & W_NEG_CLAUSE) &&
           has_token(k->q.p, k->q.n, k->ans + first->start, end - first->start);
}

/* The same for the name at answer bytes [s, e): the word starting there decides. */
static bool denied_ask_at(const struct checker *k, size_t s, size_t e)
{
    for (size_t i = 0; i < k->a.nw; i++)
        if (k->a.w[i].start == s)
            return denied_ask(k, &k->a.w[i], e);
    return false;
}

/* Whether word x of a occurs in the product-name unit [u0, u1) of passage t (folded). */
static bool in_name(const struct text_an *a, const struct aword *x, const struct text_an *t,
                    size_t u0, size_t u1)
{
    for (size_t j = u0; j < u1; j++)
        if (t->w[j].fold_len == x->fold_len &&
            memcmp(pool_at(t, t->w[j].fold), pool_at(a, x->fold), x->fold_len) == 0)
            return true;
    return false;
}

/* The words [*u0, *u1) of a record's name field ("Produkt: iPhone 13 Pro |"), the i-th
 * unit of t; false when that unit is no name field. */
static bool name_field(const struct text_an *t, size_t unit, size_t *u0, size_t *u1)
{
    size_t w0, w1;
    sentence_words(t, unit, &w0, &w1);
    if (w1 < w0 + 2)
        return false;
    const char *f = pool_at(t, t->w[w0].fold);
    if (strcmp(f, "produkt") != 0 && strcmp(f, "product") != 0)
        return false;
    *u0 = w0 + 1;
    *u1 = w1;
    return true;
}

#define MAX_NAMES 32

/* A product name mixed from two records: a run of three or more adjacent words of the
 * sentence, each in some record's name, with a digit or capital among them, that no
 * single name holds but two names each hold a word of that the other lacks ("iPhone 13
 * Pro Silicone Case" from "iPhone 13 Pro" and "iPhone 12 Silicone Case"). Word order
 * inside one name is free ("Isomatte Wolkenbett" for "Wolkenbett Isomatte"). */
static bool mixed_name(const struct checker *k, size_t w0, size_t w1, char *what, size_t cap)
{
    const struct text_an *a = &k->a;
    size_t np[MAX_NAMES], nu0[MAX_NAMES], nu1[MAX_NAMES], n_names = 0;
    for (size_t i = 0; i < k->n_p; i++)
        for (size_t u = 0; u < k->ps[i].n_sent && n_names < MAX_NAMES; u++)
            if (name_field(&k->ps[i], u, &nu0[n_names], &nu1[n_names]))
                np[n_names++] = i;
    if (n_names < 2)
        return false;
    for (size_t r0 = w0; r0 < w1;) {
        size_t r1 = r0;
        bool marked = false;
        while (r1 < w1) {
            const struct aword *x = &a->w[r1];
            bool any = false;
            for (size_t m = 0; m < n_names && !any; m++)
                any = in_name(a, x, &k->ps[np[m]], nu0[m], nu1[m]);
            if (!any ||
                (r1 > r0 && (x->start != a->w[r1 - 1].end + 1 || k->ans[a->w[r1 - 1].end] != ' ')))
                break;
            marked = marked || (x->flags & W_DIGITS) || upper_at(k->ans, x->start, x->end);
            r1++;
        }
        if (r1 - r0 >= 3 && marked) {
            bool single = false;
            for (size_t m = 0; m < n_names && !single; m++) {
                single = true;
                for (size_t w = r0; w < r1 && single; w++)
                    single = in_name(a, &a->w[w], &k->ps[np[m]], nu0[m], nu1[m]);
            }
            bool mixed = false;
            for (size_t m = 0; m < n_names && !single && !mixed; m++)
                for (size_t o = 0; o < n_names && !mixed; o++) {
                    if (o == m)
                        continue;
                    bool only_m = false, only_o = false;
                    for (size_t w = r0; w < r1; w++) {
                        bool im = in_name(a, &a->w[w], &k->ps[np[m]], nu0[m], nu1[m]);
                        bool io = in_name(a, &a->w[w], &k->ps[np[o]], nu0[o], nu1[o]);
                        only_m = only_m || (im && !io);
                        only_o = only_o || (io && !im);
                    }
                    mixed = only_m && only_o;
                }
            if (mixed) {
                snippet(k->ans, a->w[r0].start, a->w[r1 - 1].end, what, cap);
                return true;
            }
        }
        r0 = r1 > r0 ? r1 : r0 + 1;
    }
    return false;
}

/* Product-like names of sentence words [w0, w1): SKU and model tokens, CamelCase words,
 * a capitalised word before a model number, and (English) runs of capitalised words
 * inside a sentence. The first one found in no source is reported. */
static bool unknown_product(const struct checker *k, size_t s, size_t e, size_t w0, size_t w1,
                            enum text_lang lang, char *what, size_t cap)
{
    const char *p = k->ans;
    const struct text_an *a = &k->a;
    /* tokens of letters, digits and inner hyphens */
    for (size_t i = s; i < e;) {
        unsigned char ch = (unsigned char)p[i];
        bool alnum = (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z';
        alnum = alnum || (ch >= '0' && ch <= '9');
        if (!alnum) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < e &&
               ((((unsigned char)p[j] | 0x20) >= 'a' && ((unsigned char)p[j] | 0x20) <= 'z') ||
                (p[j] >= '0' && p[j] <= '9') ||
                (p[j] == '-' && j + 1 < e &&
                 ((((unsigned char)p[j + 1] | 0x20) >= 'a' &&
                   ((unsigned char)p[j + 1] | 0x20) <= 'z') ||
                  (p[j + 1] >= '0' && p[j + 1] <= '9')))))
            j++;
        bool in_pii = false;
        for (size_t m = 0; m < k->n_pii; m++)
            in_pii = in_pii || (k->pii[m].start <= i && i < k->pii[m].end);
        bool glued = j < e &&
                     ((unsigned char)p[j] >= 0x80 || p[j] == '@' || p[j] == '.' || p[j] == '/') &&
                     j + 1 < e && !is_sp(p[j + 1]) && p[j] != '.';
        bool in_url = (i > 0 && (p[i - 1] == '/' || p[i - 1] == '@' || p[i - 1] == '.')) ||
                      (j < e && (p[j] == '@' || p[j] == '/')) || glued;
        bool camel = false;
        for (size_t m = i + 1; m < j; m++)
            camel = camel || (p[m] >= 'A' && p[m] <= 'Z' && p[m - 1] >= 'a' && p[m - 1] <= 'z');
        if (!in_pii && !in_url && (sku_like(p, i, j) || camel) && !raw_known(k, p + i, j - i) &&
            !denied_ask_at(k, i, j)) {
            snippet(p, i, j, what, cap);
            return true;
        }
        i = j;
    }
    /* a capitalised word and a model number after it ("Nordwind 3000", "Alpin X5") */
    for (size_t i = w0; i + 1 < w1; i++) {
        const struct aword *x = &a->w[i], *y = &a->w[i + 1];
        if (!upper_at(p, x->start, e) || (x->flags & (W_STOP | W_TALK)) || x->end - x->start < 3 ||
            y->start > x->end + 1 || !(y->flags & W_DIGITS) || y->end - y->start < 3)
            continue;
        if (y->end < e && !is_sp(p[y->end]) && p[y->end] != '.' && p[y->end] != ',' &&
            p[y->end] != ')' && p[y->end] != '!' && p[y->end] != '?')
            continue;
        bool unit = false;
        struct answer_number one;
        size_t nn = answer_numbers(p + y->start, e - y->start, lang, &one, 1);
        unit = nn > 0 && one.start == 0 && one.unit != ANSWER_UNIT_NONE;
        if (unit)
            continue;
        char phrase[96];
        size_t pl = y->end - x->start;
        if (pl >= sizeof(phrase))
            continue;
        memcpy(phrase, p + x->start, pl);
        if (!raw_known(k, p + y->start, y->end - y->start) || !word_known(k, a, x)) {
            snippet(p, x->start, y->end, what, cap);
            return true;
        }
    }
    /* a sibling of a product line: "Fjordlager 5" where the passages have only
     * "Fjordlager 2" and "Fjordlager 3" (a name word directly before a bare number) */
    for (size_t i = w0; i + 1 < w1; i++) {
        const struct aword *x = &a->w[i], *y = &a->w[i + 1];
        if (!upper_at(p, x->start, e) || (x->flags & (W_STOP | W_TALK | W_DIGITS)) ||
            x->end - x->start < 3 || y->start != x->end + 1 || p[x->end] != ' ' ||
            !(y->flags & W_DIGITS))
            continue;
        bool same = false, other = false;
        for (size_t pi = 0; pi < k->n_p && !same; pi++) {
            const struct text_an *t = &k->ps[pi];
            for (size_t j = 0; j + 1 < t->nw && !same; j++) {
                const struct aword *u = &t->w[j], *d = &t->w[j + 1];
                if (!(d->flags & W_DIGITS) || d->start != u->end + 1 || t->p[u->end] != ' ' ||
                    u->fold_len != x->fold_len ||
                    memcmp(pool_at(t, u->fold), pool_at(a, x->fold), x->fold_len) != 0)
                    continue;
                if (d->fold_len == y->fold_len &&
                    memcmp(pool_at(t, d->fold), pool_at(a, y->fold), y->fold_len) == 0)
                    same = true;
                else
                    other = true;
            }
        }
        if (other && !same && !raw_known(k, p + x->start, y->end - x->start)) {
            snippet(p, x->start, y->end, what, cap);
            return true;
        }
    }
    if (mixed_name(k, w0, w1, what, cap))
        return true;
    /* English: two or more capitalised words inside a sentence ("Trail Runner Pro") */
    if (lang == TEXT_LANG_EN) {
        for (size_t i = w0; i < w1;) {
            size_t j = i;
            while (j < w1 && upper_at(p, a->w[j].start, e) && a->w[j].end - a->w[j].start > 1 &&
                   (j == i || a->w[j].start <= a->w[j - 1].end + 1) && !(a->w[j].flags & W_DIGITS))
                j++;
            bool first = i == w0;
            if (j - i >= 2 && !first) {
                bool talk = true, known = true;
                size_t unknown_at = i;
                for (size_t m = i; m < j; m++) {
                    talk = talk && (a->w[m].flags & (W_TALK | W_STOP));
                    if (known && !word_known(k, a, &a->w[m])) {
                        known = false;
                        unknown_at = m;
                    }
                }
                (void)unknown_at;
                if (!talk && !known && !denied_ask(k, &a->w[i], a->w[j - 1].end)) {
                    snippet(p, a->w[i].start, a->w[j - 1].end, what, cap);
                    return true;
                }
            }
            i = j > i ? j : i + 1;
        }
    }
    return false;
}

/* ---- stock ------------------------------------------------------------------------- */

/* What a text says about stock. A record's number maps to a level: 0 out, 1-5 low,
 * 6-19 in stock, 20 and more plenty. Conflicts: any "in" level against out, plenty
 * against low. */
enum stock_level { STOCK_NONE = 0, STOCK_OUT, STOCK_IN, STOCK_LOW, STOCK_PLENTY };

static const char *const stock_level_name[] = {"nothing", "out of stock", "in stock", "low stock",
                                               "plenty in stock"};

static enum stock_level stock_of_count(long long n)
{
    return n <= 0 ? STOCK_OUT : n <= 5 ? STOCK_LOW : n < 20 ? STOCK_IN : STOCK_PLENTY;
}

static bool stock_conflict(enum stock_level said, enum stock_level there)
{
    if (said == STOCK_NONE || there == STOCK_NONE)
        return false;
    if (said == STOCK_OUT || there == STOCK_OUT)
        return said != there;
    return (said == STOCK_PLENTY && there == STOCK_LOW) ||
           (said == STOCK_LOW && there == STOCK_PLENTY);
}

/* Words that make a clause a condition, not a statement about a product ("Ist ein
 * Artikel nicht vorrätig, ..." is caught as mixed instead). */
static const char *const conditional_words[] = {"falls",  "if",   "once", "sobald",  "sofern",
                                                "unless", "wenn", "when", "whenever"};
/* Quantity words: with a stock word in the clause, plenty or few. Prefixes. */
static const char *const plenty_words[] = {"ample",     "ausreichend", "enough", "genug",
                                           "genugend",  "lots",        "many",   "plenty",
                                           "reichlich", "viele"};
static const char *const low_words[] = {"begrenzt", "few",     "gering", "last",
                                        "letzt",    "limited", "low",    "wenig"};

/* Stock said by words [w0, w1) of t. A record's "Stock: 0" / "Lagerbestand: 14" counts
 * by its number and wins; *record tells whether there was one. A text that says both in
 * and out ("Ist ein Artikel nicht vorrätig, schicken wir die verfügbaren zuerst") says
 * nothing; with skip_conditional, sentences with a conditional word are left out. */
static enum stock_level stock_said_ex(const struct text_an *t, size_t w0, size_t w1,
                                      bool skip_conditional, bool *record)
{
    bool any_in = false, any_out = false, plenty = false, low = false, stockish = false;
    if (record)
        *record = false;
    for (size_t i = w0; i < w1; i++) {
        const char *f = pool_at(t, t->w[i].fold);
        const char *prev = i > w0 ? pool_at(t, t->w[i - 1].fold) : "";
        bool field =
            strcmp(f, "stock") == 0 || strcmp(f, "lagerbestand") == 0 || strcmp(f, "bestand") == 0;
        bool adjacent = i + 1 < w1 && (t->w[i + 1].flags & W_DIGITS);
        for (size_t b = t->w[i].end; adjacent && b < t->w[i + 1].start; b++)
            adjacent = t->p[b] == ':' || t->p[b] == ' ' || t->p[b] == '\t';
        if (field && adjacent && i + 1 < w1) {
            unsigned long long n = 0;
            for (const char *d = pool_at(t, t->w[i + 1].fold); *d; d++)
                n = n > 1000000000ULL ? n : n * 10 + (unsigned)(*d - '0');
            if (record)
                *record = true;
            return stock_of_count((long long)n);
        }
        if (skip_conditional) {
            size_t sw0, sw1;
            bool cond = false;
            sentence_words(t, t->w[i].sent, &sw0, &sw1);
            for (size_t m = sw0; m < sw1 && !cond; m++)
                cond = IN_LIST(conditional_words, pool_at(t, t->w[m].fold));
            if (cond) {
                i = sw1 - 1;
                continue;
            }
        }
        bool in = strncmp(f, "vorratig", 8) == 0 || strncmp(f, "verfugbar", 9) == 0 ||
                  strncmp(f, "lieferbar", 9) == 0 || strcmp(f, "available") == 0 ||
                  strcmp(f, "lagernd") == 0 || strcmp(f, "erhaltlich") == 0 ||
                  (strcmp(f, "lager") == 0 && strcmp(prev, "auf") == 0) ||
                  (strcmp(f, "stock") == 0 && strcmp(prev, "in") == 0);
        bool out = strcmp(f, "ausverkauft") == 0 || strcmp(f, "vergriffen") == 0 ||
                   strcmp(f, "unavailable") == 0 ||
                   (strcmp(f, "stock") == 0 && strcmp(prev, "of") == 0) ||
                   (strcmp(f, "out") == 0 && strcmp(prev, "sold") == 0);
        stockish = stockish || in || field || strcmp(f, "left") == 0 ||
                   strncmp(f, "ubrig", 5) == 0 || strcmp(f, "stuck") == 0 ||
                   strncmp(f, "unit", 4) == 0;
        plenty = plenty || word_has_prefix(f, plenty_words, ARRAY_LEN(plenty_words));
        low = low || word_has_prefix(f, low_words, ARRAY_LEN(low_words));
        if (in) {
            bool negated = (t->w[i].flags & W_NEGATED) != 0;
            for (size_t b = i > w0 + 3 ? i - 3 : w0; b < i; b++)
                negated = negated || (t->w[b].flags & W_NEG);
            any_out = any_out || negated;
            any_in = any_in || !negated;
        } else if (out) {
            any_out = true;
        }
    }
    if (any_in && any_out)
        return STOCK_NONE;
    if (any_out)
        return STOCK_OUT;
    if (stockish && low && !plenty)
        return STOCK_LOW;
    if (stockish && plenty && !low)
        return STOCK_PLENTY;
    return any_in ? STOCK_IN : STOCK_NONE;
}

static enum stock_level stock_said(const struct text_an *t, size_t w0, size_t w1)
{
    return stock_said_ex(t, w0, w1, false, NULL);
}

/* Whether words x of a and y of b are the same word: equal stems, or one stem a compound
 * head or tail of the other (kb_term_matches, both ways). */
static bool same_word(const struct text_an *a, const struct aword *x, const struct text_an *b,
                      const struct aword *y)
{
    const char *xs = pool_at(a, x->stem), *ys = pool_at(b, y->stem);
    if (x->stem_len == y->stem_len && memcmp(xs, ys, x->stem_len) == 0)
        return true;
    struct kb_term tx = {.stem = xs, .weight = 1, .parts = {-1, -1}};
    struct kb_term ty = {.stem = ys, .weight = 1, .parts = {-1, -1}};
    return kb_term_matches(&tx, pool_at(b, y->fold), y->fold_len, ys, y->stem_len) ||
           kb_term_matches(&ty, pool_at(a, x->fold), x->fold_len, xs, x->stem_len) ||
           same_verb_stem(xs, x->stem_len, ys, y->stem_len);
}

/* Words that bound what a passage sentence states: conditions, thresholds and limits
 * ("nur wenn", "ab 50 EUR", "Minimum order quantity"). Negating such a statement is
 * often its converse ("aber nicht die Versandkosten", "a single one can't be ordered"),
 * not a contradiction. Prefixes of folded words. */
static const char *const restrictive[] = {
    "ab",      "ausschliesslich", "exclusive", "falls",   "hochst", "if",   "least",
    "maximal", "maximum",         "mindest",   "minimum", "nur",    "once", "only",
    "sobald",  "sofern",          "unless",    "wenn",    "when"};

static bool is_restrictive(const char *f)
{
    for (size_t r = 0; r < ARRAY_LEN(restrictive); r++) {
        size_t l = strlen(restrictive[r]);
        /* short entries ("ab", "if", "nur") only as whole words */
        if (strncmp(f, restrictive[r], l) == 0 && (l >= 5 || f[l] == '\0'))
            return true;
    }
    return false;
}

static bool restrictive_unit(const struct text_an *t, unsigned sent)
{
    size_t w0, w1;
    sentence_words(t, sent, &w0, &w1);
    for (size_t i = w0; i < w1; i++)
        if (is_restrictive(pool_at(t, t->w[i].fold)))
            return true;
    return false;
}

/* Whether the clause of word i of t holds a restrictive word. */
static bool clause_restrictive(const struct text_an *t, size_t i)
{
    size_t lo = i, hi = i;
    while (lo > 0 && !clause_break(t, lo - 1, lo))
        lo--;
    while (hi + 1 < t->nw && !clause_break(t, hi, hi + 1))
        hi++;
    for (size_t k = lo; k <= hi; k++)
        if (is_restrictive(pool_at(t, t->w[k].fold)))
            return true;
    return false;
}

/* Negation against the passage: a negated word of the sentence that the passage states
 * without negation (+1), or a negated word of the aligned passage unit [pw0, pw1) that
 * the sentence states without negation (-1); 0 when they agree. */
static int negation_conflict(const struct text_an *a, size_t w0, size_t w1,
                             const struct text_an *pt, size_t pw0, size_t pw1)
{
    /* the sentence's negated words: found in the passage, and none of them negated there */
    bool found = false, negated = false;
    for (size_t i = w0; i < w1 && !negated; i++) {
        const struct aword *x = &a->w[i];
        if (!(x->flags & W_NEGATED) || !is_content(x))
            continue;
        /* the answer's clause states the other case of a bounded passage statement
         * unless it repeats the bound itself ("ab 50 EUR ... nicht kostenlos") */
        bool bounded_here = clause_restrictive(a, i);
        for (size_t j = 0; j < pt->nw && !negated; j++) {
            const struct aword *y = &pt->w[j];
            if (is_content(y) && same_word(a, x, pt, y)) {
                found = true;
                negated = (y->flags & W_NEG_CLAUSE) != 0 ||
                          (!bounded_here && restrictive_unit(pt, y->sent));
            }
        }
    }
    if (found && !negated)
        return 1;
    /* the aligned unit's negated words, stated in the sentence without negation */
    found = negated = false;
    for (size_t j = pw0; j < pw1 && !negated; j++) {
        const struct aword *y = &pt->w[j];
        if (!(y->flags & W_NEGATED) || !is_content(y))
            continue;
        for (size_t i = w0; i < w1 && !negated; i++) {
            const struct aword *x = &a->w[i];
            if (is_content(x) && same_word(a, x, pt, y)) {
                found = true;
                negated = (x->flags & W_NEG_CLAUSE) != 0;
            }
        }
    }
    return found && !negated ? -1 : 0;
}

/* The words of sentence s of t: [*w0, *w1). */
static void sentence_words(const struct text_an *t, size_t s, size_t *w0, size_t *w1)
{
    size_t lo = 0, hi = t->nw;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->w[mid].sent < s)
            lo = mid + 1;
        else
            hi = mid;
    }
    *w0 = lo;
    while (lo < t->nw && t->w[lo].sent == s)
        lo++;
    *w1 = lo;
}

/* Does a catalogue product appear in sentence words [w0, w1) (its SKU, or every content
 * word of its name)? */
static bool mentions(const struct checker *k, const struct answer_product *pr, size_t s, size_t e,
                     size_t w0, size_t w1)
{
    if (pr->sku && pr->sku[0] && has_token(k->ans + s, e - s, pr->sku, strlen(pr->sku)))
        return true;
    if (!pr->name || !pr->name[0])
        return false;
    /* every name word of 3+ letters, and every one with a digit (the model number that
     * tells "Fjordlager 2" from "Fjordlager 3"), as a token of the sentence */
    const char *nm = pr->name;
    size_t n = strlen(nm), words = 0;
    (void)w0;
    (void)w1;
    for (size_t i = 0; i < n;) {
        while (i < n && (nm[i] == ' ' || nm[i] == '-' || nm[i] == ',' || nm[i] == '/'))
            i++;
        size_t j = i;
        while (j < n && nm[j] != ' ' && nm[j] != '-' && nm[j] != ',' && nm[j] != '/')
            j++;
        bool digit = false;
        for (size_t q = i; q < j && !digit; q++)
            digit = nm[q] >= '0' && nm[q] <= '9';
        if (j - i >= 3 || digit) {
            if (!find_token(k->ans + s, e - s, nm + i, j - i, digit))
                return false;
            words++;
        }
        i = j;
    }
    return words > 0;
}

/* Same kind of quantity: equal units, a bare number and a count being one kind. */
static bool same_role(const struct answer_number *x, const struct answer_number *y)
{
    bool xc = x->unit == ANSWER_UNIT_NONE || x->unit == ANSWER_UNIT_PIECES;
    bool yc = y->unit == ANSWER_UNIT_NONE || y->unit == ANSWER_UNIT_PIECES;
    return xc ? yc : x->unit == y->unit;
}

/* Is number x stated by the allowed passages (the cited ones, else all), or by the
 * customer (any number but a price: "drei Wochen liegen innerhalb der 30 Tage")? */
static bool number_stated(const struct checker *k, const struct answer_number *x, const bool *cited,
                          bool any_cited)
{
    for (size_t i = 0; i < k->n_p; i++) {
        if (any_cited && !cited[i])
            continue;
        for (size_t j = 0; j < k->ps[i].n_nums; j++)
            if (answer_number_matches(x, &k->ps[i].nums[j]))
                return true;
    }
    /* the customer's own numbers in the same role: a count asked about ("zehn
     * Gaskartuschen") does not ground a percentage or a duration */
    if (k->has_q && x->unit != ANSWER_UNIT_CURRENCY)
        for (size_t j = 0; j < k->q.n_nums; j++)
            if (same_role(x, &k->q.nums[j]) && answer_number_matches(x, &k->q.nums[j]))
                return true;
    return false;
}

/* An ASCII letter or a byte of a multi-byte UTF-8 character (umlauts, ß). */
static bool is_letter_byte(char c)
{
    unsigned char u = (unsigned char)c;
    return ((u | 0x20) >= 'a' && (u | 0x20) <= 'z') || u >= 0x80;
}

/* Whether the byte before p[at] ends a word w (letters of any script) that is directly
 * followed by the number at p[at]: "Bachlauf 2 l", "Leuchtturm 400". w is [*ws, at). */
static bool word_before(const char *p, size_t at, size_t *ws)
{
    size_t b = at;
    while (b > 0 && (p[b - 1] == ' ' || p[b - 1] == '\t'))
        b--;
    if (b == at || b == 0)
        return false;
    size_t a = b;
    while (a > 0 && (is_letter_byte(p[a - 1])))
        a--;
    if (a == b)
        return false;
    *ws = a;
    return true;
}

/* A number that is part of a product's name ("Trinkblase Bachlauf 2 l"): a capitalised
 * word directly before it that some passage (cited or not) has directly before the same
 * number. A name is no claim the cited passage must hold. */
static bool name_part(const struct checker *k, const struct answer_number *x)
{
    size_t ws;
    if (!k->sent_p || !word_before(k->sent_p, x->start, &ws) || x->start - ws < 3 ||
        !(k->sent_p[ws] >= 'A' && k->sent_p[ws] <= 'Z'))
        return false;
    size_t wl = x->start - ws;
    while (wl > 0 && (k->sent_p[ws + wl - 1] == ' ' || k->sent_p[ws + wl - 1] == '\t'))
        wl--;
    for (size_t i = 0; i < k->n_p; i++)
        for (size_t j = 0; j < k->ps[i].n_nums; j++) {
            const struct answer_number *y = &k->ps[i].nums[j];
            size_t ys;
            if (!answer_number_matches(x, y) || !word_before(k->ps[i].p, y->start, &ys))
                continue;
            size_t yl = y->start - ys;
            while (yl > 0 && (k->ps[i].p[ys + yl - 1] == ' ' || k->ps[i].p[ys + yl - 1] == '\t'))
                yl--;
            if (yl == wl && strncasecmp(k->ps[i].p + ys, k->sent_p + ws, wl) == 0)
                return true;
        }
    return false;
}

/* Collect the operands simple arithmetic may use: the allowed passages' numbers, the
 * customer's and the sentence's own stated ones. */
static size_t operands(const struct checker *k, const struct answer_number *sent, size_t n_sent,
                       const bool *cited, bool any_cited, const struct answer_number **out,
                       size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < k->n_p; i++)
        for (size_t j = 0; (!any_cited || cited[i]) && j < k->ps[i].n_nums && n < max; j++)
            out[n++] = &k->ps[i].nums[j];
    for (size_t j = 0; k->has_q && j < k->q.n_nums && n < max; j++)
        out[n++] = &k->q.nums[j];
    for (size_t j = 0; j < n_sent && n < max; j++)
        if (number_stated(k, &sent[j], cited, any_cited))
            out[n++] = &sent[j];
    return n;
}

static bool is_count(const struct answer_number *x)
{
    return (x->unit == ANSWER_UNIT_NONE || x->unit == ANSWER_UNIT_PIECES) && x->value > 1 &&
           x->value == floor(x->value);
}

/* Grounded: stated, or a price that is the sum or difference of two stated prices or a
 * stated price times a count ("5 x 499,99 EUR = 2.499,95 EUR"), in one currency. */
static bool number_grounded(const struct checker *k, const struct answer_number *x,
                            const struct answer_number *sent, size_t n_sent, const bool *cited,
                            bool any_cited)
{
    if (number_stated(k, x, cited, any_cited) || name_part(k, x))
        return true;
    /* a count of the passages the sentence cites: "zwei Isomatten ... [1] ... [2]" */
    size_t n_cited = 0;
    for (size_t i = 0; any_cited && i < k->n_p; i++)
        n_cited += cited[i];
    if (x->unit == ANSWER_UNIT_NONE && isnan(x->alt) && n_cited >= 2 && x->value == (double)n_cited)
        return true;
    if (x->unit != ANSWER_UNIT_CURRENCY)
        return false;
    const struct answer_number *ops[64];
    size_t n = operands(k, sent, n_sent, cited, any_cited, ops, 64);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            const struct answer_number *u = ops[i], *w = ops[j];
            if (i == j || u->unit != ANSWER_UNIT_CURRENCY ||
                (x->other[0] && u->other[0] && strcmp(x->other, u->other) != 0))
                continue;
            bool money = w->unit == ANSWER_UNIT_CURRENCY &&
                         !(u->other[0] && w->other[0] && strcmp(u->other, w->other) != 0);
            if (money && (fabs(u->value + w->value - x->value) < 0.005 ||
                          fabs(u->value - w->value - x->value) < 0.005))
                return true;
            if (is_count(w) && fabs(u->value * w->value - x->value) < 0.005)
                return true;
        }
    return false;
}

/* ---- numbers in their roles ----------------------------------------------------------- */

/* The passage sentence (unit) holding byte off of t. */
static size_t unit_at(const struct text_an *t, size_t off)
{
    size_t lo = 0, hi = t->n_sent;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->sent[mid].end <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n_sent ? lo : (t->n_sent ? t->n_sent - 1 : 0);
}

/* A segment break: punctuation that ends a table cell or a field, not a parenthesis
 * ("Priority (2 bis 3 Tage) 26 EUR" is one cell). */
static bool segment_break_at(const char *p, size_t from, size_t to, bool *colon)
{
    for (size_t b = from; b < to; b++) {
        bool in_number = b > 0 && p[b - 1] >= '0' && p[b - 1] <= '9' && p[b + 1] >= '0' &&
                         p[b + 1] <= '9'; /* "249,90", "1.500", "10:30" */
        if (p[b] != '\0' && strchr(",;:.!?|", p[b]) && !in_number) {
            if (colon)
                *colon = p[b] == ':';
            return true;
        }
    }
    return false;
}

/* The words [*lo, *hi] of t around byte off, within one segment; a value after a colon
 * takes its field name ("Lagerbestand: 14", "Returns: 7 days return policy"). */
static void segment_words(const struct text_an *t, size_t off, size_t *lo, size_t *hi)
{
    size_t i = 0;
    while (i + 1 < t->nw && t->w[i + 1].start <= off)
        i++;
    size_t a = i, b = i;
    bool colon = false;
    while (a > 0 && t->w[a - 1].sent == t->w[a].sent &&
           !segment_break_at(t->p, t->w[a - 1].end, t->w[a].start, &colon))
        a--;
    if (colon && a > 0 && t->w[a - 1].sent == t->w[a].sent) { /* the field name too */
        a--;
        while (a > 0 && t->w[a - 1].sent == t->w[a].sent &&
               !segment_break_at(t->p, t->w[a - 1].end, t->w[a].start, NULL))
            a--;
    }
    while (b + 1 < t->nw && t->w[b + 1].sent == t->w[b].sent &&
           !segment_break_at(t->p, t->w[b].end, t->w[b + 1].start, NULL))
        b++;
    *lo = a;
    *hi = b;
}

static bool inside_number(const struct answer_number *nums, size_t n, size_t base,
                          const struct aword *w)
{
    for (size_t j = 0; j < n; j++)
        if (w->start >= base + nums[j].start && w->start < base + nums[j].end)
            return true;
    return false;
}

/* Whether a content word of the answer segment [alo, ahi] (numbers and their units
 * aside) is in the passage segment [plo, phi], by stem or concept; *any: whether the
 * answer segment has such a word at all. */
static bool segments_share(const struct checker *k, size_t alo, size_t ahi, size_t base, size_t nn,
                           const struct text_an *pt, size_t plo, size_t phi, bool *any)
{
    const struct text_an *a = &k->a;
    *any = false;
    for (size_t i = alo; i <= ahi; i++) {
        const struct aword *x = &a->w[i];
        if (!is_content(x) || (x->flags & W_TALK) || inside_number(k->nums, nn, base, x))
            continue;
        *any = true;
        for (size_t j = plo; j <= phi; j++) {
            const struct aword *y = &pt->w[j];
            if (!is_content(y) || inside_number(pt->nums, pt->n_nums, 0, y))
                continue;
            if (same_word(a, x, pt, y) || (x->concept && x->concept == y->concept))
                return true;
        }
    }
    return false;
}

static size_t prices_in_unit(const struct text_an *t, size_t u)
{
    size_t n = 0;
    for (size_t j = 0; j < t->n_nums && u < t->n_sent; j++)
        n += t->nums[j].unit == ANSWER_UNIT_CURRENCY && t->nums[j].start >= t->sent[u].start &&
             t->nums[j].start < t->sent[u].end;
    return n;
}

static bool is_duration(const struct answer_number *x)
{
    return x->unit == ANSWER_UNIT_DAYS || x->unit == ANSWER_UNIT_MONTHS ||
           x->unit == ANSWER_UNIT_HOURS;
}

#define MAX_ROWS 16

/* Numbers stated in another role. A duration of the sentence that the allowed passages
 * hold only in passages of three or more numbers (records, tables) and only in segments
 * that share no word with the sentence's own segment around it ("ships in 1 week"
 * against "Returns: 7 days return policy", "Standardversand ... 2 bis 3 Tage" against
 * "Priority (2 bis 3 Tage)"): durations are the numbers whose role the unit does not
 * tell (delivery time, return period, warranty). And numbers of one sentence taken from
 * different rows of a price table (sentences with three or more prices), no row holding
 * them all ("200,01 bis 500 EUR ... 46 EUR" from the next row). */
static void check_number_roles(struct checker *k, size_t s, size_t w0, size_t w1, size_t nn,
                               const bool *cited, bool any_cited, struct answer_sentence_verdict *v)
{
    const struct text_an *a = &k->a;
    char what[64];
    size_t cand_p[MAX_ROWS], cand_u[MAX_ROWS], n_cand = 0;
    bool have_rows = false;
    for (size_t xi = 0; xi < nn && w0 < w1; xi++) {
        const struct answer_number *x = &k->nums[xi];
        if (x->unit == ANSWER_UNIT_LITERAL && x->other[0] == '\0')
            continue; /* settled by the catalogue */
        size_t occ = 0, shared = 0, busy = 0, rows = 0;
        size_t row_p[MAX_ROWS], row_u[MAX_ROWS];
        bool any_context = false;
        size_t alo, ahi;
        segment_words(a, s + x->start, &alo, &ahi);
        for (size_t i = 0; i < k->n_p; i++) {
            const struct text_an *pt = &k->ps[i];
            if ((any_cited && !cited[i]) || pt->n_sent == 0)
                continue;
            for (size_t j = 0; j < pt->n_nums; j++) {
                if (!answer_number_matches(x, &pt->nums[j]))
                    continue;
                occ++;
                busy += pt->n_nums >= 3;
                if (is_duration(x)) {
                    size_t plo, phi;
                    bool any;
                    segment_words(pt, pt->nums[j].start, &plo, &phi);
                    shared += segments_share(k, alo, ahi, s, nn, pt, plo, phi, &any);
                    any_context = any_context || any;
                }
                size_t u = unit_at(pt, pt->nums[j].start);
                if (prices_in_unit(pt, u) >= 3 && rows < MAX_ROWS) {
                    row_p[rows] = i;
                    row_u[rows++] = u;
                }
            }
        }
        if (is_duration(x) && occ > 0 && busy == occ && any_context && shared == 0) {
            snippet(k->sent_p, x->start, x->end, what, sizeof(what));
            flag(v, ANSWER_WHY_WRONG_NUMBER, "\"%s\" is in the passages only for something else",
                 what);
            return;
        }
        if (occ == 0 || rows != occ)
            continue; /* not a number of a price table */
        if (!have_rows) {
            memcpy(cand_p, row_p, rows * sizeof(*row_p));
            memcpy(cand_u, row_u, rows * sizeof(*row_u));
            n_cand = rows;
            have_rows = true;
            continue;
        }
        size_t kept = 0;
        for (size_t c = 0; c < n_cand; c++)
            for (size_t r = 0; r < rows; r++)
                if (cand_p[c] == row_p[r] && cand_u[c] == row_u[r]) {
                    cand_p[kept] = cand_p[c];
                    cand_u[kept++] = cand_u[c];
                    break;
                }
        n_cand = kept;
        if (n_cand == 0) {
            snippet(k->sent_p, x->start, x->end, what, sizeof(what));
            flag(v,
                 x->unit == ANSWER_UNIT_CURRENCY ? ANSWER_WHY_WRONG_PRICE : ANSWER_WHY_WRONG_NUMBER,
                 "\"%s\" is from another row of the table than the sentence's other numbers", what);
            return;
        }
    }
}

static void fmt_price(char *out, size_t cap, double v, const char *cur)
{
    int w = snprintf(out, cap, "%.2f %s", v, cur && cur[0] ? cur : "");
    if (w < 0)
        out[0] = '\0';
}

/* Promises (free of charge, a guarantee) must be stated by the allowed passages, in
 * any of their words ("gratis" for "kostenlos") and not negated there: a sentence that
 * reuses its passage's other words would otherwise carry a made-up promise. "Feel free"
 * is conversation. */
static void check_claims(struct checker *k, size_t w0, size_t w1, const bool *cited, bool any_cited,
                         struct answer_sentence_verdict *v)
{
    const struct text_an *a = &k->a;
    for (size_t w = w0; w < w1; w++) {
        const struct aword *x = &a->w[w];
        if (!is_content(x) || !answer_concept_is_claim(x->concept) || (x->flags & W_NEG_CLAUSE))
            continue;
        if (w > w0 && strcmp(pool_at(a, a->w[w - 1].fold), "feel") == 0)
            continue;
        bool stated = false;
        for (size_t i = 0; i < k->n_p && !stated; i++)
            stated = (!any_cited || cited[i]) && ((k->ps[i].concepts >> x->concept) & 1);
        if (!stated) {
            char what[48];
            snippet(k->ans, x->start, x->end, what, sizeof(what));
            flag(v, ANSWER_WHY_UNSUPPORTED, "promises \"%s\" (%s), which the %s do not state", what,
                 answer_concept_name(x->concept), any_cited ? "cited passages" : "passages");
            return;
        }
    }
}

/* What the customer asked about, asserted without the passages: in reply to a yes/no
 * question, a lower-case content word of the question that no passage has (by stem or
 * concept), stated by the sentence outside a negated clause ("Can I get cash?" - "... a Gift Card
 * or a cash refund"; "Do you share my data with DHL?" - "We also share your phone number"). The
 * customer's words are context for admissions of not knowing, never evidence for a claim. */
/* Determiners of a definite reference ("the jacket", "Ihre Jacke"): a noun they
 * introduce refers back to the customer's own thing, which is given, not claimed. */
static const char *const definite[] = {
    "das",    "dem", "den",  "der",   "des",   "die",   "diese", "diesem", "diesen", "dieser",
    "dieses", "ihr", "ihre", "ihrem", "ihren", "ihrer", "its",   "mein",   "meine",  "meinem",
    "meinen", "my",  "that", "the",   "these", "this",  "those", "your"};

static bool definite_before(const struct text_an *a, size_t w, size_t w0)
{
    return w > w0 && IN_LIST(definite, pool_at(a, a->w[w - 1].fold));
}

/* Dimension and evaluation adjectives ("long", "good", "groß"): the customer's
 * qualifier, which an answer restates as its conclusion from the passage's facts
 * ("filters up to 1,500 litres, so it lasts a long time"). Sorted. */
static const char *const qualifiers[] = {"big",    "easy", "einfach", "gross", "grosse", "gut",
                                         "gute",   "good", "great",   "high",  "hoch",   "klein",
                                         "kleine", "kurz", "lang",    "lange", "large",  "long",
                                         "neu",    "new",  "old",     "short", "small",  "alt"};

/* A comparative or superlative ("lighter", "lightest", "leichteste", "günstiger"): a
 * comparison the answer works out from the passages' numbers; or a qualifier. */
static bool comparative(const char *f, size_t n)
{
    for (size_t i = 0; i < ARRAY_LEN(qualifiers); i++)
        if (strcmp(f, qualifiers[i]) == 0)
            return true;
    static const char *const ends[] = {"er", "est", "ere", "eren", "ste", "sten", "ster", "stes"};
    for (size_t i = 0; i < ARRAY_LEN(ends); i++) {
        size_t l = strlen(ends[i]);
        if (n >= l + 3 && memcmp(f + n - l, ends[i], l) == 0)
            return true;
    }
    return false;
}

static void check_asked(struct checker *k, size_t w0, size_t w1, size_t nn,
                        struct answer_sentence_verdict *v)
{
    const struct text_an *a = &k->a;
    if (!k->has_q || !k->yes_no)
        return;
    for (size_t w = w0; w < w1; w++) {
        const struct aword *x = &a->w[w];
        size_t at;
        /* names and (German) nouns name the customer's case ("Italien", "die Jacke"),
         * which a general rule of the passage covers; shop vocabulary has its concept */
        if (!is_content(x) || (x->flags & (W_NEG_CLAUSE | W_TALK | W_KNOW)) || x->concept ||
            comparative(pool_at(a, x->fold), x->fold_len) || definite_before(a, w, w0) ||
            upper_at(k->ans, x->start, x->end) ||
            inside_number(k->nums, nn, a->sent[x->sent].start, x) || !word_in(a, x, &k->q, &at))
            continue;
        bool known = false;
        for (size_t i = 0; i < k->n_p && !known; i++)
            known = word_in(a, x, &k->ps[i], &at);
        for (size_t c = 0; c < k->n_cat && !known; c++)
            known = k->cat[c].name && has_token(k->cat[c].name, strlen(k->cat[c].name),
                                                k->ans + x->start, x->end - x->start);
        if (!known) {
            char what[48];
            snippet(k->ans, x->start, x->end, what, sizeof(what));
            flag(v, ANSWER_WHY_UNSUPPORTED,
                 "states \"%s\", which the customer asked about and no passage has", what);
            return;
        }
    }
}

/* Dispatch on a weekend day against passages that work on business days: a sentence
 * that has goods leave, ship or get processed on a Saturday or Sunday (not deferred to
 * Monday or the next business day, not negated), when the allowed passages speak of
 * business days and never name that day themselves ("Bestellung am Freitagabend ...
 * wird am Samstag verschickt" against "Werktage sind Montag bis Freitag"). */
static const char *const weekend_words[] = {"samstag", "saturday", "sonntag",
                                            "sunday",  "weekend",  "wochenend"};
static const char *const dispatch_words[] = {"bearbeit", "dispatch", "leave", "process", "verlass"};
static const char *const defer_words[] = {"erst", "monday", "montag", "until"};

static void check_weekend(struct checker *k, size_t w0, size_t w1, const bool *cited,
                          bool any_cited, struct answer_sentence_verdict *v)
{
    const struct text_an *a = &k->a;
    const struct aword *day = NULL;
    bool dispatch = false, defer = false;
    for (size_t w = w0; w < w1; w++) {
        const struct aword *x = &a->w[w];
        const char *f = pool_at(a, x->fold);
        if (x->flags & W_NEG_CLAUSE)
            defer = true;
        if (!day && word_has_prefix(f, weekend_words, ARRAY_LEN(weekend_words)))
            day = x;
        dispatch = dispatch || x->concept == answer_concept("ship", 4) ||
                   word_has_prefix(f, dispatch_words, ARRAY_LEN(dispatch_words));
        defer = defer || x->concept == answer_concept("next", 4) ||
                word_has_prefix(f, defer_words, ARRAY_LEN(defer_words));
    }
    if (!day || !dispatch || defer)
        return;
    bool business = false;
    for (size_t i = 0; i < k->n_p; i++) {
        if (any_cited && !cited[i])
            continue;
        const struct text_an *t = &k->ps[i];
        for (size_t j = 0; j < t->nw; j++) {
            const char *f = pool_at(t, t->w[j].fold);
            if (word_has_prefix(f, weekend_words, ARRAY_LEN(weekend_words)))
                return; /* the passage says something about weekends itself */
            business = business || strncmp(f, "werktag", 7) == 0 || strncmp(f, "weekday", 7) == 0 ||
                       (strncmp(f, "business", 8) == 0 && j + 1 < t->nw &&
                        strncmp(pool_at(t, t->w[j + 1].fold), "day", 3) == 0);
        }
    }
    if (business) {
        char what[48];
        snippet(k->ans, day->start, day->end, what, sizeof(what));
        flag(v, ANSWER_WHY_UNSUPPORTED,
             "dispatch on \"%s\", but the passages work on business days", what);
    }
}

/* Opposite words (answer_concepts_opposed(): "kostenlos" / "kostenpflichtig"): a word of
 * the sentence whose opposite the aligned passage unit [pw0, pw1) states while the unit
 * has no word of the sentence's concept. Both sides outside a negated clause. */
/* Whether stem u is "un" + stem w (or w is "un" + u): affixal negation, "ungeöffnet" /
 * "geöffnet", "unused" / "used", at least four letters after the prefix. */
static bool un_pair(const char *u, size_t un, const char *w, size_t wn)
{
    if (un == wn + 2 && wn >= 4 && u[0] == 'u' && u[1] == 'n' && memcmp(u + 2, w, wn) == 0)
        return true;
    return wn == un + 2 && un >= 4 && w[0] == 'u' && w[1] == 'n' && memcmp(w + 2, u, un) == 0;
}

/* Whether words [j0, j1) of pt state answer word x only in its un- form: the opposite
 * ("unused" for "used") without x itself. */
static bool un_form_only(const struct text_an *a, const struct aword *x, const struct text_an *pt,
                         size_t j0, size_t j1)
{
    bool unpaired = false;
    for (size_t j = j0; j < j1; j++) {
        const struct aword *y = &pt->w[j];
        if (!is_content(y))
            continue;
        if (same_word(a, x, pt, y))
            return false;
        if (!(y->flags & W_NEG_CLAUSE) &&
            (un_pair(pool_at(a, x->stem), x->stem_len, pool_at(pt, y->stem), y->stem_len) ||
             un_pair(pool_at(a, x->fold), x->fold_len, pool_at(pt, y->fold), y->fold_len)))
            unpaired = true;
    }
    return unpaired;
}

static bool opposite_in_unit(const struct text_an *a, size_t w0, size_t w1,
                             const struct text_an *pt, size_t pw0, size_t pw1)
{
    for (size_t i = w0; i < w1; i++) {
        const struct aword *x = &a->w[i];
        if (!is_content(x) || (x->flags & W_NEG_CLAUSE))
            continue;
        if (un_form_only(a, x, pt, pw0, pw1))
            return true;
        if (!x->concept)
            continue;
        bool same = false, opposite = false;
        for (size_t j = pw0; j < pw1; j++) {
            const struct aword *y = &pt->w[j];
            if (!y->concept || !is_content(y) || (y->flags & W_NEG_CLAUSE))
                continue;
            same = same || y->concept == x->concept;
            opposite = opposite || answer_concepts_opposed(x->concept, y->concept);
        }
        if (opposite && !same)
            return true;
    }
    return false;
}

/* Affixal negation against the whole passage: a word of the sentence that the passage
 * never states while it states the word's un- form ("Used items can be returned" against
 * "Items should be unworn, unused and complete"). */
static bool un_opposite_in_passage(const struct text_an *a, size_t w0, size_t w1,
                                   const struct text_an *pt)
{
    for (size_t i = w0; i < w1; i++) {
        const struct aword *x = &a->w[i];
        if (!is_content(x) || (x->flags & W_NEG_CLAUSE))
            continue;
        if (un_form_only(a, x, pt, 0, pt->nw))
            return true;
    }
    return false;
}

/* Stock said clause by clause against the passage each clause is about: the passages it
 * cites, else the allowed ones sharing most of its words; when those say nothing (a
 * pronoun: "It's in stock"), the one product record the answer cites. Conditional
 * clauses ("if it is no longer available") state nothing. */
static void check_stock(struct checker *k, size_t w0, size_t w1, size_t e, const bool *cited,
                        bool any_cited, struct answer_sentence_verdict *v)
{
    const struct text_an *a = &k->a;
    bool *cc = k->clause_cited;
    for (size_t c0 = w0, c1; c0 < w1; c0 = c1) {
        for (c1 = c0 + 1; c1 < w1 && !clause_break(a, c1 - 1, c1); c1++)
            ;
        bool cond = false;
        for (size_t m = c0; m < c1 && !cond; m++)
            cond = IN_LIST(conditional_words, pool_at(a, a->w[m].fold));
        enum stock_level said = cond ? STOCK_NONE : stock_said(a, c0, c1);
        if (said == STOCK_NONE)
            continue;
        memset(cc, 0, k->n_p * sizeof(*cc));
        size_t bad = 0, n_cc = 0;
        (void)citations(k->ans, a->w[c0].start, c1 < w1 ? a->w[c1].start : e, k->n_p, cc, &bad);
        for (size_t i = 0; i < k->n_p; i++)
            n_cc += cc[i];
        if (n_cc == 0) { /* the allowed passages sharing most of the clause's words */
            size_t top = 0;
            for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < k->n_p; i++) {
                    if (any_cited && !cited[i])
                        continue;
                    size_t hits = 0, at;
                    for (size_t w = c0; w < c1; w++)
                        hits += is_content(&a->w[w]) && word_in(a, &a->w[w], &k->ps[i], &at);
                    if (pass == 0 && hits > top)
                        top = hits;
                    else if (pass == 1 && hits == top)
                        cc[i] = true;
                }
        }
        bool agree = false, conflict = false;
        for (size_t i = 0; i < k->n_p; i++)
            if (cc[i] && k->p_stock[i] != STOCK_NONE) {
                agree = agree || !stock_conflict(said, k->p_stock[i]);
                conflict = conflict || stock_conflict(said, k->p_stock[i]);
            }
        if (!agree && !conflict) { /* nothing said there: the answer's one product record */
            size_t records = 0, which = 0;
            for (size_t i = 0; i < k->n_p; i++)
                if (k->p_record[i] && (k->answer_cited[i] || !k->answer_cites)) {
                    records++;
                    which = i;
                }
            if (records == 1 && stock_conflict(said, k->p_stock[which]))
                conflict = true;
        }
        if (conflict && !agree) {
            flag(v, ANSWER_WHY_WRONG_STOCK, "says %s; the passage says otherwise",
                 stock_level_name[said]);
            return;
        }
    }
}

static ag_err check_sentence(struct checker *k, size_t si, enum text_lang lang,
                             struct answer_sentence_verdict *v, bool *cited)
{
    struct text_an *a = &k->a;
    const char *p = k->ans;
    size_t s = a->sent[si].start, e = a->sent[si].end, w0, w1;
    sentence_words(a, si, &w0, &w1);
    *v = (struct answer_sentence_verdict){.start = s, .end = e, .ok = true, .passage = -1};
    char what[64];

    if (k->leak[si])
        flag(v, ANSWER_WHY_LEAK, "quotes %d or more words of a forbidden text", ANSWER_LEAK_WORDS);
    size_t pii_given = 0; /* contact data the passages or the customer gave: a fact */
    for (size_t m = 0; m < k->n_pii; m++) {
        const struct pii_span *ps = &k->pii[m];
        /* names are left out: the detector takes too many capitalised words for them */
        if (ps->start < s || ps->start >= e || ps->type == PII_PERSON)
            continue;
        struct buf val;
        buf_init(&val, 4096);
        ag_err rc = alnum_fold(p + ps->start, ps->end - ps->start, &val);
        if (rc != AG_OK) {
            buf_release(&val);
            return rc;
        }
        bool given =
            val.len == 0 ||
            (k->customer_alnum.len && strstr(buf_cstr(&k->customer_alnum), buf_cstr(&val))) ||
            (k->sources_alnum.len && strstr(buf_cstr(&k->sources_alnum), buf_cstr(&val)));
        pii_given += given && val.len > 0;
        buf_release(&val);
        if (!given) {
            flag(v, ANSWER_WHY_PII, "%s the customer did not give", pii_type_name(ps->type));
            break;
        }
    }
    memset(cited, 0, k->n_p * sizeof(*cited));
    size_t bad = 0;
    if (!citations(p, s, e, k->n_p, cited, &bad))
        flag(v, ANSWER_WHY_BAD_CITATION, "cites [%zu] but there are %zu passages", bad, k->n_p);
    bool any_cited = false;
    for (size_t i = 0; i < k->n_p; i++)
        any_cited = any_cited || cited[i];

    if (unknown_product(k, s, e, w0, w1, lang, what, sizeof(what)))
        flag(v, ANSWER_WHY_UNKNOWN_PRODUCT, "\"%s\" is in neither the passages nor the catalogue",
             what);

    /* numbers, and the catalogue's prices and stock for products the sentence names */
    k->sent_p = p + s;
    size_t nn = answer_numbers(p + s, e - s, lang, k->nums, MAX_NUMBERS);
    nn = nn < MAX_NUMBERS ? nn : MAX_NUMBERS;
    bool has_product = false;
    bool *mentioned = k->mentioned;
    if (k->n_cat)
        memset(mentioned, 0, k->n_cat * sizeof(*mentioned));
    for (size_t c = 0; c < k->n_cat; c++) {
        const struct answer_product *pr = &k->cat[c];
        if (!mentions(k, pr, s, e, w0, w1))
            continue;
        has_product = true;
        k->mentioned[c] = true;
        for (size_t i = 0; i < nn; i++) {
            struct answer_number *x = &k->nums[i];
            if (x->unit == ANSWER_UNIT_CURRENCY && pr->price >= 0) {
                struct answer_number price = {
                    .value = pr->price, .alt = NAN, .unit = ANSWER_UNIT_CURRENCY};
                if (!answer_number_matches(x, &price) &&
                    !number_grounded(k, x, k->nums, nn, cited, any_cited)) {
                    char have[40];
                    fmt_price(have, sizeof(have), pr->price, pr->currency);
                    snippet(p + s, x->start, x->end, what, sizeof(what));
                    flag(v, ANSWER_WHY_WRONG_PRICE, "\"%s\" but the catalogue says %s for %s", what,
                         have, pr->sku ? pr->sku : "?");
                }
                x->unit = ANSWER_UNIT_LITERAL; /* settled here */
                x->other[0] = '\0';
            } else if (x->unit == ANSWER_UNIT_PIECES && pr->stock >= 0) {
                if (fabs(x->value - (double)pr->stock) > 1e-9)
                    flag(v, ANSWER_WHY_WRONG_STOCK,
                         "says %.0f in stock; the catalogue has %lld of %s", x->value,
                         (long long)pr->stock, pr->sku ? pr->sku : "?");
                x->unit = ANSWER_UNIT_LITERAL;
                x->other[0] = '\0';
            }
        }
        enum stock_level said = stock_said(a, w0, w1);
        if (pr->stock >= 0 && stock_conflict(said, stock_of_count(pr->stock)))
            flag(v, ANSWER_WHY_WRONG_STOCK, "says %s; the catalogue has %lld of %s",
                 stock_level_name[said], (long long)pr->stock, pr->sku ? pr->sku : "?");
    }
    for (size_t i = 0; i < nn; i++) {
        const struct answer_number *x = &k->nums[i];
        if (x->unit == ANSWER_UNIT_LITERAL && x->other[0] == '\0')
            continue; /* settled by the catalogue */
        if (number_grounded(k, x, k->nums, nn, cited, any_cited))
            continue;
        snippet(p + s, x->start, x->end, what, sizeof(what));
        if (x->unit == ANSWER_UNIT_CURRENCY)
            flag(v, ANSWER_WHY_WRONG_PRICE, "\"%s\" is not in the %s", what,
                 any_cited ? "cited passages" : "passages");
        else
            flag(v, ANSWER_WHY_WRONG_NUMBER, "\"%s\" is not in the %s", what,
                 any_cited ? "cited passages" : "passages");
    }

    if (!v->why)
        check_number_roles(k, s, w0, w1, nn, cited, any_cited, v);

    /* support: the share of content words found in the cited passages (or the best
     * passage); each grounded number counts as two found words, each number as two */
    size_t content = 0, talk = 0, know = 0, neg = 0, grounded_nums = 0;
    for (size_t i = w0; i < w1; i++) /* personal data is the PII check's business */
        for (size_t m = 0; m < k->n_pii; m++)
            if (k->pii[m].type != PII_PERSON && k->pii[m].start <= a->w[i].start &&
                a->w[i].start < k->pii[m].end)
                a->w[i].flags |= W_STOP;
    for (size_t i = w0; i < w1; i++) {
        neg += (a->w[i].flags & W_NEG) != 0;
        if (is_content(&a->w[i])) {
            content++;
            talk += (a->w[i].flags & W_TALK) != 0;
            know += (a->w[i].flags & W_KNOW) != 0;
        }
    }
    for (size_t i = 0; i < nn; i++)
        grounded_nums += k->nums[i].unit == ANSWER_UNIT_LITERAL && k->nums[i].other[0] == '\0'
                             ? 1
                             : number_grounded(k, &k->nums[i], k->nums, nn, cited, any_cited);
    size_t q_end = e;
    while (q_end > s && (is_sp(p[q_end - 1]) || p[q_end - 1] == ']' ||
                         (p[q_end - 1] >= '0' && p[q_end - 1] <= '9') || p[q_end - 1] == '[' ||
                         p[q_end - 1] == ')' || p[q_end - 1] == '"'))
        q_end--;
    bool question = q_end > s && p[q_end - 1] == '?';
    /* "I have no information about X": an admission of not knowing, which may name the
     * customer's topic */
    bool admission = neg > 0 && know > 0;
    /* a short reply with at most one word of substance ("Nein, das geht leider nicht.",
     * "Yes, that works!") carries no fact a passage could hold */
    size_t words = 0; /* citations' digits aside */
    for (size_t i = w0; i < w1; i++)
        words += !(a->w[i].flags & W_DIGITS);
    /* a referral ("For other destinations, please check with customer service"): a
     * contact verb and a service word, with at most one word of substance (the topic) */
    bool refer = false, contact_verb = false;
    for (size_t i = w0; i < w1; i++) {
        const char *f = pool_at(a, a->w[i].fold);
        refer = refer || word_has_prefix(f, refer_nouns, ARRAY_LEN(refer_nouns));
        contact_verb = contact_verb || word_has_prefix(f, refer_verbs, ARRAY_LEN(refer_verbs));
    }
    bool short_reply =
        (words <= 5 || (refer && contact_verb)) && content <= talk + 1 && neg + talk > 0;
    bool factual = nn > 0 || has_product || (content > talk && !question && !short_reply);
    v->exempt = !factual; /* with a citation or without: "Leider nein [1]." */
    size_t best_hits = 0;
    int best = -1;
    for (size_t i = 0; i < k->n_p; i++) {
        if (any_cited && !cited[i])
            continue;
        size_t hits = 0, at;
        for (size_t w = w0; w < w1; w++)
            if (is_content(&a->w[w]) && word_in(a, &a->w[w], &k->ps[i], &at))
                hits++;
        if (best < 0 || hits > best_hits) {
            best_hits = hits;
            best = (int)i;
        }
    }
    size_t found = 0, n_missing = 0;
    const char *missing[3] = {NULL, NULL, NULL};
    size_t missing_len[3] = {0, 0, 0};
    for (size_t w = w0; w < w1; w++) {
        if (!is_content(&a->w[w]))
            continue;
        bool f = false;
        size_t at;
        for (size_t i = 0; i < k->n_p && !f; i++)
            f = (any_cited ? cited[i] : (int)i == best) && word_in(a, &a->w[w], &k->ps[i], &at);
        for (size_t c = 0; !f && c < k->n_cat; c++) /* the catalogue names products too */
            f = mentioned[c] && has_token(k->cat[c].name ? k->cat[c].name : "",
                                          k->cat[c].name ? strlen(k->cat[c].name) : 0,
                                          p + a->w[w].start, a->w[w].end - a->w[w].start);
        for (size_t c = 0; !f && c < k->n_cat; c++)
            f = mentioned[c] && has_token(k->cat[c].sku ? k->cat[c].sku : "",
                                          k->cat[c].sku ? strlen(k->cat[c].sku) : 0,
                                          p + a->w[w].start, a->w[w].end - a->w[w].start);
        if (!f && admission)
            f = (a->w[w].flags & (W_TALK | W_KNOW)) ||
                (k->has_q && word_in(a, &a->w[w], &k->q, &at));
        if (f)
            found++;
        else if (n_missing < 3) {
            missing[n_missing] = p + a->w[w].start;
            missing_len[n_missing++] = a->w[w].end - a->w[w].start;
        }
    }
    v->passage = best;
    size_t units = content + 2 * nn + 2 * pii_given;
    v->support = units ? (double)(found + 2 * grounded_nums + 2 * pii_given) / (double)units : 1.0;
    check_stock(k, w0, w1, e, cited, any_cited, v);
    /* the passage unit holding most of the sentence's words */
    if (best >= 0) {
        const struct text_an *pt = &k->ps[best];
        size_t *per = calloc(pt->n_sent ? pt->n_sent : 1, sizeof(*per));
        if (!per)
            return AG_ENOMEM;
        size_t top = 0, top_s = 0;
        for (size_t w = w0; w < w1; w++) {
            if (!is_content(&a->w[w]))
                continue;
            for (size_t m = 0; m < pt->nw; m++)
                if (is_content(&pt->w[m]) && pt->w[m].sent < pt->n_sent &&
                    same_word(a, &a->w[w], pt, &pt->w[m]))
                    per[pt->w[m].sent]++;
        }
        for (size_t m = 0; m < pt->n_sent; m++)
            if (per[m] > top) {
                top = per[m];
                top_s = m;
            }
        free(per);
        if (pt->n_sent > 0) {
            v->p_start = pt->sent[top_s].start;
            v->p_end = pt->sent[top_s].end;
            size_t pw0, pw1;
            sentence_words(pt, top_s, &pw0, &pw1);
            /* a short reply is still checked for a negation ("Das ist nicht möglich") */
            int conflict = content <= talk || admission || top * 10 < content * 3
                               ? 0
                               : negation_conflict(a, w0, w1, pt, pw0, pw1);
            if (conflict)
                flag(v, ANSWER_WHY_NEGATION, "%s passage %d",
                     conflict > 0 ? "negates what it says in" : "drops the negation of", best + 1);
            if (!admission && (opposite_in_unit(a, w0, w1, pt, pw0, pw1) ||
                               un_opposite_in_passage(a, w0, w1, pt)))
                flag(v, ANSWER_WHY_NEGATION, "says the opposite of passage %d", best + 1);
        }
    }
    if (v->exempt) {
        v->support = 1.0;
    } else if (v->support < k->params->support_threshold) {
        char miss[100] = "";
        size_t ml = 0;
        for (size_t m = 0; m < n_missing; m++) {
            size_t l = missing_len[m] < 30 ? missing_len[m] : 30;
            l = str_utf8_prefix(missing[m], missing_len[m], l);
            if (ml + l + 3 >= sizeof(miss))
                break;
            if (m) {
                memcpy(miss + ml, ", ", 2);
                ml += 2;
            }
            memcpy(miss + ml, missing[m], l);
            ml += l;
            miss[ml] = '\0';
        }
        flag(v, ANSWER_WHY_UNSUPPORTED, "support %.2f below %.2f; not in the passage: %s",
             v->support, k->params->support_threshold, miss);
    }
    if (!v->exempt && !question && !admission) {
        check_claims(k, w0, w1, cited, any_cited, v);
        check_asked(k, w0, w1, nn, v);
        check_weekend(k, w0, w1, cited, any_cited, v);
    }
    return AG_OK;
}

static void checker_release(struct checker *k)
{
    text_an_release(&k->a);
    for (size_t i = 0; k->ps && i < k->n_p; i++)
        text_an_release(&k->ps[i]);
    free(k->ps);
    text_an_release(&k->q);
    buf_release(&k->sources_alnum);
    buf_release(&k->customer_alnum);
    free(k->leak);
    free(k->mentioned);
    free(k->p_stock);
    free(k->p_record);
    free(k->answer_cited);
    free(k->clause_cited);
}

ag_err answer_check(const char *answer, size_t len, enum text_lang lang,
                    const struct answer_passage *p, size_t n_p, const struct answer_product *cat,
                    size_t n_cat, const char *customer_text,
                    const struct answer_check_params *params, struct arena *ar,
                    struct answer_check_result *out)
{
    memset(out, 0, sizeof(*out));
    struct answer_check_params defaults = answer_check_default_params();
    if (!params)
        params = &defaults;
    if (!answer || len == 0 || n_p > ANSWER_MAX_PASSAGES || (n_p && !p) || (n_cat && !cat) ||
        !(params->support_threshold >= 0 && params->support_threshold <= 1) ||
        (params->n_forbidden && !params->forbidden))
        return AG_EINVAL;
    if (len > ANSWER_MAX_BYTES)
        return AG_ETOOBIG;
    for (size_t i = 0; i < n_p; i++) {
        if (!p[i].text && p[i].len)
            return AG_EINVAL;
        if (p[i].len > ANSWER_MAX_BYTES)
            return AG_ETOOBIG;
    }
    struct ctx c = {.an = text_analyzer_local()};
    if (!c.an)
        return AG_ENOMEM;
    if (lang == TEXT_LANG_UNKNOWN)
        lang = text_detect_lang(answer, len, TEXT_LANG_DE);
    c.lang = lang;
    struct checker k = {
        .ans = answer, .len = len, .n_p = n_p, .cat = cat, .n_cat = n_cat, .params = params};
    buf_init(&k.sources_alnum, (size_t)ANSWER_MAX_PASSAGES * ANSWER_MAX_BYTES);
    buf_init(&k.customer_alnum, ANSWER_MAX_BYTES);
    ag_err rc = AG_ENOMEM;
    if (!(k.ps = calloc(n_p ? n_p : 1, sizeof(*k.ps))))
        goto fail;
    if ((rc = analyse(&c, answer, len, true, &k.a)) != AG_OK)
        goto fail;
    rc = AG_ETOOBIG;
    if (k.a.n_sent > ANSWER_MAX_SENTENCES)
        goto fail;
    for (size_t i = 0; i < n_p; i++) {
        if ((rc = analyse(&c, p[i].text ? p[i].text : "", p[i].len, false, &k.ps[i])) != AG_OK)
            goto fail;
        if ((rc = alnum_fold(p[i].text ? p[i].text : "", p[i].len, &k.sources_alnum)) != AG_OK ||
            (rc = buf_putc(&k.sources_alnum, '|')) != AG_OK)
            goto fail;
    }
    if (customer_text) {
        size_t qn = strlen(customer_text);
        if (qn > ANSWER_MAX_BYTES) {
            rc = AG_ETOOBIG;
            goto fail;
        }
        if ((rc = analyse(&c, customer_text, qn, false, &k.q)) != AG_OK ||
            (rc = alnum_fold(customer_text, qn, &k.customer_alnum)) != AG_OK)
            goto fail;
        k.has_q = true;
        k.yes_no = strchr(customer_text, '?') != NULL;
        for (size_t i = 0; i < k.q.nw && k.yes_no; i++)
            k.yes_no = !IN_LIST(question_words, pool_at(&k.q, k.q.w[i].fold));
    }
    rc = AG_ENOMEM;
    if (!(k.leak = calloc(k.a.n_sent ? k.a.n_sent : 1, sizeof(*k.leak))) ||
        !(k.mentioned = calloc(n_cat ? n_cat : 1, sizeof(*k.mentioned))))
        goto fail;
    if (!(k.p_stock = calloc(n_p ? n_p : 1, sizeof(*k.p_stock))) ||
        !(k.p_record = calloc(n_p ? n_p : 1, sizeof(*k.p_record))) ||
        !(k.answer_cited = calloc(n_p ? n_p : 1, sizeof(*k.answer_cited))) ||
        !(k.clause_cited = calloc(n_p ? n_p : 1, sizeof(*k.clause_cited))))
        goto fail;
    for (size_t i = 0; i < n_p; i++)
        k.p_stock[i] = stock_said_ex(&k.ps[i], 0, k.ps[i].nw, true, &k.p_record[i]);
    size_t bad_cite = 0;
    (void)citations(answer, 0, len, n_p, k.answer_cited, &bad_cite);
    for (size_t i = 0; i < n_p; i++)
        k.answer_cites = k.answer_cites || k.answer_cited[i];
    if ((rc = check_leaks(&c, &k)) != AG_OK)
        goto fail;
    size_t found = 0;
    if ((rc = pii_scan(answer, len, k.pii, MAX_PII_SPANS, &found)) != AG_OK)
        goto fail;
    k.n_pii = found < MAX_PII_SPANS ? found : MAX_PII_SPANS;

    rc = AG_ENOMEM;
    out->sentences = arena_calloc(ar, k.a.n_sent ? k.a.n_sent : 1, sizeof(*out->sentences));
    bool *cited = calloc(n_p ? n_p : 1, sizeof(*cited));
    if (!out->sentences || !cited) {
        free(cited);
        goto fail;
    }
    out->grounded = true;
    out->support_min = 1.0;
    double sum = 0;
    size_t counted = 0;
    for (size_t si = 0; si < k.a.n_sent; si++) {
        struct answer_sentence_verdict *v = &out->sentences[si];
        if ((rc = check_sentence(&k, si, lang, v, cited)) != AG_OK) {
            free(cited);
            goto fail;
        }
        out->n_sentences++;
        if (!v->ok) {
            out->grounded = false;
            out->n_flagged++;
        }
        if (!v->exempt) {
            sum += v->support;
            counted++;
            if (v->support < out->support_min)
                out->support_min = v->support;
        }
    }
    free(cited);
    out->support_mean = counted ? sum / (double)counted : 1.0;
    checker_release(&k);
    return AG_OK;
fail:
    checker_release(&k);
    memset(out, 0, sizeof(*out));
    return rc;
}
