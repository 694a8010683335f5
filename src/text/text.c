// SPDX-License-Identifier: MIT
/*
 * text/text.c: folding, word splitting, language detection, stop words and stemming.
 * Folding runs utf8proc over each word (NFKC + case fold + strip marks) so that "Ö",
 * "ö" and "o" compare equal, as the index's unicode61 tokenizer with remove_diacritics
 * does. Language detection counts stop words of each language plus German-only letters.
 * THREADS: see text.h. OWNERSHIP: folded words live on the stack or in a temporary malloc.
 */
#include "text/text.h"

#include <libstemmer.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

struct text_analyzer {
    struct sb_stemmer *de, *en;
};

const char *text_lang_code(enum text_lang l)
{
    return l == TEXT_LANG_DE ? "de" : l == TEXT_LANG_EN ? "en" : "";
}

enum text_lang text_lang_parse(const char *s, size_t n)
{
    if (n == 2 && (s[0] | 0x20) == 'd' && (s[1] | 0x20) == 'e')
        return TEXT_LANG_DE;
    if (n == 2 && (s[0] | 0x20) == 'e' && (s[1] | 0x20) == 'n')
        return TEXT_LANG_EN;
    return TEXT_LANG_UNKNOWN;
}

/* Sorted lists, searched with bsearch. Function words only: they carry no topic. */
static const char *const stop_de[] = {
    "ab",   "aber",  "alle",  "als",   "also",   "am",     "an",     "auch",   "auf",    "aus",
    "bei",  "beim",  "bin",   "bis",   "bist",   "da",     "dann",   "das",    "dass",   "dem",
    "den",  "denn",  "der",   "des",   "die",    "dies",   "diese",  "dieser", "dir",    "doch",
    "du",   "durch", "ein",   "eine",  "einem",  "einen",  "einer",  "eines",  "er",     "es",
    "euch", "euer",  "eure",  "fur",   "gibt",   "habe",   "haben",  "hat",    "hier",   "ich",
    "ihr",  "ihre",  "im",    "in",    "ist",    "ja",     "kann",   "kannst", "konnen", "konnt",
    "mal",  "man",   "mein",  "meine", "meinem", "meinen", "meiner", "mich",   "mir",    "mit",
    "muss", "nach",  "nicht", "noch",  "nur",    "ob",     "oder",   "sein",   "sich",   "sie",
    "sind", "so",    "soll",  "uber",  "um",     "und",    "uns",    "unser",  "unsere", "vom",
    "von",  "vor",   "war",   "was",   "welche", "wenn",   "wer",    "werden", "wie",    "wieso",
    "will", "wir",   "wird",  "wo",    "zu",     "zum",    "zur",
};
static const char *const stop_en[] = {
    "a",    "about", "am",    "an",     "and",  "any",    "are",  "as",   "at",    "be",  "been",
    "but",  "by",    "can",   "could",  "did",  "do",     "does", "for",  "from",  "had", "has",
    "have", "how",   "i",     "if",     "in",   "is",     "it",   "its",  "me",    "my",  "of",
    "on",   "or",    "our",   "please", "she",  "should", "so",   "than", "that",  "the", "their",
    "them", "then",  "there", "these",  "they", "this",   "to",   "us",   "was",   "we",  "were",
    "what", "when",  "where", "which",  "who",  "why",    "will", "with", "would", "you", "your",
};
/* Words that tell the language apart; each list holds words absent from the other. */
static const char *const cue_de[] = {
    "auch", "bei",  "das",  "dass", "dem",  "den",  "der",   "die", "ein",  "eine",  "einen",
    "fur",  "gibt", "ich",  "ist",  "kann", "mein", "meine", "mit", "nach", "nicht", "oder",
    "sie",  "sind", "uber", "und",  "von",  "wie",  "wird",  "wo",  "zu"};
static const char *const cue_en[] = {"a",    "and",   "are",   "can",  "do",  "does", "for", "how",
                                     "i",    "is",    "it",    "my",   "of",  "the",  "to",  "what",
                                     "when", "where", "which", "with", "you", "your"};

static int cmp_word(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static bool in_list(const char *const *list, size_t count, const char *w, size_t n)
{
    char tmp[16];
    if (n == 0 || n >= sizeof(tmp))
        return false;
    memcpy(tmp, w, n);
    tmp[n] = '\0';
    return bsearch(tmp, list, count, sizeof(*list), cmp_word) != NULL;
}

#define LIST(l) (l), (sizeof(l) / sizeof((l)[0]))

bool text_is_stopword(const char *w, size_t n)
{
    return in_list(LIST(stop_de), w, n) || in_list(LIST(stop_en), w, n);
}

/* Code points below FAST_CP (ASCII, Latin-1, Latin Extended-A and -B, where nearly every
 * letter of German and English text lies): whether each belongs to a word, and its folded
 * form, computed once with utf8proc. A word made only of them folds character by
 * character to exactly what utf8proc gives for the whole word (no combining marks among
 * them, so nothing composes across characters); other words go through utf8proc. */
#define FAST_CP  0x250
#define FOLD_MAX 6
#define NOT_FAST 0xFF
#define FOLD_OPTS                                                                                  \
    (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE |                  \
     UTF8PROC_STRIPMARK)

struct fast_fold {
    bool word;
    uint8_t len; /* bytes of s, or NOT_FAST */
    char s[FOLD_MAX];
};
static struct fast_fold fast[FAST_CP];
static pthread_once_t fast_once = PTHREAD_ONCE_INIT;

static bool word_category(utf8proc_int32_t cp)
{
    utf8proc_category_t cat = utf8proc_category(cp);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
           (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO) ||
           cat == UTF8PROC_CATEGORY_MN; /* combining marks stay in the word */
}

static void fast_init(void)
{
    for (utf8proc_int32_t cp = 0; cp < FAST_CP; cp++) {
        struct fast_fold *f = &fast[cp];
        f->len = NOT_FAST;
        if (cp < 0x80) {
            f->word =
                (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
            f->s[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
            f->len = 1;
            continue;
        }
        f->word = word_category(cp);
        if (!f->word || utf8proc_category(cp) == UTF8PROC_CATEGORY_MN)
            continue;
        utf8proc_uint8_t enc[4], *folded = NULL;
        utf8proc_ssize_t el = utf8proc_encode_char(cp, enc);
        utf8proc_ssize_t fl = utf8proc_map(enc, el, &folded, FOLD_OPTS);
        if (fl > 0 && fl <= FOLD_MAX) {
            memcpy(f->s, folded, (size_t)fl);
            f->len = (uint8_t)fl;
        }
        free(folded);
    }
}

ag_err text_words(const char *p, size_t n, text_word_cb cb, void *ctx)
{
    pthread_once(&fast_once, fast_init);
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)p;
    char small[256];
    size_t i = 0;
    while (i < n) {
        /* Between words: skip what is not part of one. */
        utf8proc_int32_t cp = s[i];
        utf8proc_ssize_t len = 1;
        if (cp >= 0x80 && (len = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp)) <= 0)
            return AG_EINVAL;
        if (!(cp < FAST_CP ? fast[cp].word : word_category(cp))) {
            i += (size_t)len;
            continue;
        }
        /* A word: find its end, folding it on the way while every character allows. */
        size_t start = i, k = 0;
        bool quick = true;
        while (i < n) {
            cp = s[i];
            if (cp < 0x80) { /* ASCII: no decoding, no table beyond this one */
                if (!fast[cp].word)
                    break;
                if (k < sizeof(small))
                    small[k] = fast[cp].s[0];
                k++;
                i++;
                continue;
            }
            if ((len = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp)) <= 0)
                return AG_EINVAL;
            if (!(cp < FAST_CP ? fast[cp].word : word_category(cp)))
                break;
            if (cp < FAST_CP && fast[cp].len != NOT_FAST) {
                if (k + fast[cp].len <= sizeof(small))
                    memcpy(small + k, fast[cp].s, fast[cp].len);
                k += fast[cp].len;
            } else {
                quick = false;
            }
            i += (size_t)len;
        }
        if (quick && k <= sizeof(small)) {
            if (!cb(ctx, small, k, start, i))
                return AG_OK;
            continue;
        }
        utf8proc_uint8_t *folded = NULL;
        utf8proc_ssize_t fl =
            utf8proc_map(s + start, (utf8proc_ssize_t)(i - start), &folded, FOLD_OPTS);
        if (fl < 0)
            return fl == UTF8PROC_ERROR_NOMEM ? AG_ENOMEM : AG_EINVAL;
        /* A word of combining marks alone folds to nothing: not a word. */
        bool go = fl == 0 || cb(ctx, (const char *)folded, (size_t)fl, start, i);
        free(folded);
        if (!go)
            return AG_OK;
    }
    return AG_OK;
}

struct lang_count {
    unsigned de, en, umlaut;
};

static bool count_cues(void *ctx, const char *w, size_t n, size_t start, size_t end)
{
    struct lang_count *c = ctx;
    (void)start;
    (void)end;
    if (in_list(LIST(cue_de), w, n))
        c->de++;
    if (in_list(LIST(cue_en), w, n))
        c->en++;
    return true;
}

enum text_lang text_detect_lang(const char *p, size_t n, enum text_lang fallback)
{
    struct lang_count c = {0, 0, 0};
    if (text_words(p, n, count_cues, &c) != AG_OK)
        return fallback;
    /* ä ö ü ß (upper and lower, UTF-8) are strong German evidence. */
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned char a = (unsigned char)p[i], b = (unsigned char)p[i + 1];
        if (a == 0xC3 && (b == 0xA4 || b == 0xB6 || b == 0xBC || b == 0x9F || b == 0x84 ||
                          b == 0x96 || b == 0x9C))
            c.umlaut++;
    }
    unsigned de = 2 * c.de + c.umlaut, en = 2 * c.en;
    if (de > en)
        return TEXT_LANG_DE;
    if (en > de)
        return TEXT_LANG_EN;
    return fallback;
}

ag_err text_analyzer_create(struct text_analyzer **out)
{
    struct text_analyzer *a = calloc(1, sizeof(*a));
    if (!a)
        return AG_ENOMEM;
    a->de = sb_stemmer_new("german", "UTF_8");
    a->en = sb_stemmer_new("english", "UTF_8");
    if (!a->de || !a->en) {
        text_analyzer_destroy(a);
        return AG_ENOMEM;
    }
    *out = a;
    return AG_OK;
}

static pthread_key_t local_key;
static pthread_once_t local_once = PTHREAD_ONCE_INIT;

static void local_free(void *p)
{
    text_analyzer_destroy(p);
}

static void local_init(void)
{
    pthread_key_create(&local_key, local_free);
}

struct text_analyzer *text_analyzer_local(void)
{
    pthread_once(&local_once, local_init);
    struct text_analyzer *a = pthread_getspecific(local_key);
    if (!a && text_analyzer_create(&a) == AG_OK && pthread_setspecific(local_key, a) != 0) {
        text_analyzer_destroy(a);
        a = NULL;
    }
    return a;
}

void text_analyzer_destroy(struct text_analyzer *a)
{
    if (!a)
        return;
    if (a->de)
        sb_stemmer_delete(a->de);
    if (a->en)
        sb_stemmer_delete(a->en);
    free(a);
}

ag_err text_stem(struct text_analyzer *a, enum text_lang l, const char *w, size_t n,
                 struct buf *out)
{
    struct sb_stemmer *st = l == TEXT_LANG_DE ? a->de : a->en;
    if (n > 256)
        return buf_append(out, w, n); /* not a word a stemmer helps with */
    const sb_symbol *s = sb_stemmer_stem(st, (const sb_symbol *)w, (int)n);
    if (!s)
        return AG_ENOMEM;
    int len = sb_stemmer_length(st);
    bool ascii = true;
    for (int i = 0; i < len && ascii; i++)
        ascii = s[i] < 0x80;
    /* The German stemmer maps umlauts to plain vowels in its output; strip any other
     * marks so the stem matches the index, which removes diacritics too. */
    utf8proc_uint8_t *folded = NULL;
    utf8proc_ssize_t fl = len;
    if (!ascii) {
        fl = utf8proc_map((const utf8proc_uint8_t *)s, len, &folded,
                          UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK);
        if (fl < 0)
            return AG_EINVAL; /* utf8proc_map frees its buffer on failure */
    } else if (!(folded = malloc((size_t)len + 1))) {
        return AG_ENOMEM;
    } else {
        memcpy(folded, s, (size_t)len);
    }
    ag_err rc = AG_OK;
    if (l == TEXT_LANG_DE) {
        /* Customers type "Oesterreich" for "Österreich": fold ae/oe/ue like the umlauts
         * the stemmer already mapped to a/o/u, so both spellings meet in one term. */
        for (utf8proc_ssize_t i = 0; i < fl && rc == AG_OK; i++) {
            char c = (char)folded[i];
            rc = buf_putc(out, c);
            if ((c == 'a' || c == 'o' || c == 'u') && i + 1 < fl && folded[i + 1] == 'e' &&
                !(c == 'u' && i > 0 && folded[i - 1] == 'q'))
                i++;
        }
    } else {
        rc = buf_append(out, folded, (size_t)fl);
    }
    free(folded);
    return rc;
}

/* Lower-case abbreviations that end with a dot but not a sentence. */
static const char *const abbrevs[] = {"b",   "bzw", "ca",  "d",    "dr", "e",   "etc", "evtl", "g",
                                      "ggf", "h",   "i",   "inkl", "mr", "mrs", "nr",  "s",    "st",
                                      "str", "u",   "usw", "vgl",  "vs", "z",   "zb",  "zzgl"};

static bool ends_with_abbrev(const char *p, size_t dot)
{
    size_t s = dot;
    while (s > 0 && ((p[s - 1] >= 'a' && p[s - 1] <= 'z') || (p[s - 1] >= 'A' && p[s - 1] <= 'Z')))
        s--;
    size_t n = dot - s;
    if (n == 0 || n > 4)
        return false;
    char w[5];
    for (size_t i = 0; i < n; i++)
        w[i] = (char)(p[s + i] | 0x20);
    w[n] = '\0';
    return bsearch(w, abbrevs, sizeof(abbrevs) / sizeof(abbrevs[0]), sizeof(abbrevs[0]),
                   cmp_word) != NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool emit_trimmed(const char *p, size_t s, size_t e, text_sentence_cb cb, void *ctx)
{
    while (s < e && is_space(p[s]))
        s++;
    while (e > s && is_space(p[e - 1]))
        e--;
    return s == e || cb(ctx, s, e);
}

/* A capital letter (any script), a digit or an opening quote or bracket. */
static bool starts_sentence(const char *p, size_t n)
{
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)p, (utf8proc_ssize_t)n, &cp);
    if (len <= 0)
        return false;
    utf8proc_category_t cat = utf8proc_category(cp);
    return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT ||
           cat == UTF8PROC_CATEGORY_ND || cat == UTF8PROC_CATEGORY_PS ||
           cat == UTF8PROC_CATEGORY_PI || cp == '"' || cp == '\'';
}

void text_sentences(const char *p, size_t n, text_sentence_cb cb, void *ctx)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        size_t cut = 0; /* end of the sentence, exclusive; 0 = no cut here */
        if (c == '\n') {
            cut = i;
        } else if ((c == '.' || c == '!' || c == '?') && i + 1 < n && is_space(p[i + 1])) {
            size_t j = i + 1;
            while (j < n && is_space(p[j]))
                j++;
            bool starts = j >= n || starts_sentence(p + j, n - j);
            if (starts && !(c == '.' && ends_with_abbrev(p, i)))
                cut = i + 1;
        }
        if (cut) {
            if (!emit_trimmed(p, start, cut, cb, ctx))
                return;
            start = cut;
        }
    }
    emit_trimmed(p, start, n, cb, ctx);
}
