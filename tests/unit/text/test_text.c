// SPDX-License-Identifier: MIT
/*
 * tests/unit/text/test_text.c: folding, words, language, stop words, stems and sentences
 * (text/text.h). text.c is #included to check its static word lists, which bsearch needs
 * sorted. Property loops build text from known fragments and check word and sentence spans
 * against what the fragments imply. TEST_SEED=n replays a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text/text.c" /* static lists: stop_de, stop_en, cue_de, cue_en, abbrevs */
#include "test_util.h"

/* ---- collecting callbacks ---------------------------------------------------------------- */

#define MAX_WORDS 128

struct word {
    char w[256];
    size_t n, start, end;
};

struct words {
    struct word v[MAX_WORDS];
    size_t count, stop_after; /* stop_after 0: never stop */
};

static bool collect_word(void *ctx, const char *w, size_t n, size_t start, size_t end)
{
    struct words *ws = ctx;
    if (ws->count < MAX_WORDS) {
        struct word *x = &ws->v[ws->count];
        x->n = n;
        x->start = start;
        x->end = end;
        memcpy(x->w, w, n < sizeof(x->w) - 1 ? n : sizeof(x->w) - 1);
        x->w[n < sizeof(x->w) - 1 ? n : sizeof(x->w) - 1] = '\0';
    }
    ws->count++;
    return ws->stop_after == 0 || ws->count < ws->stop_after;
}

static ag_err words_of(const char *s, size_t n, struct words *ws)
{
    memset(ws, 0, sizeof(*ws));
    return text_words(s, n, collect_word, ws);
}

#define MAX_SENTENCES 256

struct sentences {
    size_t start[MAX_SENTENCES], end[MAX_SENTENCES];
    size_t count, stop_after;
};

static bool collect_sentence(void *ctx, size_t start, size_t end)
{
    struct sentences *ss = ctx;
    if (ss->count < MAX_SENTENCES) {
        ss->start[ss->count] = start;
        ss->end[ss->count] = end;
    }
    ss->count++;
    return ss->stop_after == 0 || ss->count < ss->stop_after;
}

static void sentences_of(const char *s, struct sentences *ss)
{
    memset(ss, 0, sizeof(*ss));
    text_sentences(s, strlen(s), collect_sentence, ss);
}

static void assert_sentence(const char *text, const struct sentences *ss, size_t i,
                            const char *want)
{
    assert_true(i < ss->count);
    size_t n = ss->end[i] - ss->start[i];
    if (n != strlen(want) || memcmp(text + ss->start[i], want, n) != 0)
        fail_msg("sentence %zu is \"%.*s\", want \"%s\"", i, (int)n, text + ss->start[i], want);
}

/* ---- words --------------------------------------------------------------------------------- */

static void test_text_words_fold_and_spans(void **state)
{
    (void)state;
    struct words ws;
    const char *s = "\xc3\x96sterreich"; /* "Österreich": Ö is two bytes */
    assert_int_equal(words_of(s, strlen(s), &ws), AG_OK);
    assert_int_equal(ws.count, 1);
    assert_string_equal(ws.v[0].w, "osterreich");
    assert_int_equal(ws.v[0].n, 10);
    assert_int_equal(ws.v[0].start, 0);
    assert_int_equal(ws.v[0].end, 11);

    s = "Hallo, Welt! 42x  \303\226STERREICH-Stra\303\237e";
    assert_int_equal(words_of(s, strlen(s), &ws), AG_OK);
    assert_int_equal(ws.count, 5);
    const struct {
        const char *w;
        size_t start, end;
    } want[] = {{"hallo", 0, 5},
                {"welt", 7, 11},
                {"42x", 13, 16},
                {"osterreich", 18, 29},
                {"strasse", 30, 37}};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(ws.v[i].w, want[i].w);
        assert_int_equal(ws.v[i].start, want[i].start);
        assert_int_equal(ws.v[i].end, want[i].end);
    }

    /* NFKC and case folding: ligature, title-case digraph, combining accent, other scripts. */
    s = "\xef\xac\x81x \xc7\x85 e\xcc\x81t\xc3\xa9 \xd0\x96\xd0\x98\xd0\x9b";
    assert_int_equal(words_of(s, strlen(s), &ws), AG_OK);
    assert_int_equal(ws.count, 4);
    assert_string_equal(ws.v[0].w, "fix");
    assert_int_equal(ws.v[0].end, 4);
    assert_string_equal(ws.v[1].w, "dz");
    assert_string_equal(ws.v[2].w, "ete");
    assert_int_equal(ws.v[2].end - ws.v[2].start, 6); /* the mark stays inside the span */
    assert_string_equal(ws.v[3].w, "\xd0\xb6\xd0\xb8\xd0\xbb");

    /* No words. */
    assert_int_equal(words_of("", 0, &ws), AG_OK);
    assert_int_equal(ws.count, 0);
    assert_int_equal(words_of(" .,;!? -- \n\t", 12, &ws), AG_OK);
    assert_int_equal(ws.count, 0);

    /* Only n bytes are read. */
    assert_int_equal(words_of("abc def", 5, &ws), AG_OK);
    assert_int_equal(ws.count, 2);
    assert_string_equal(ws.v[1].w, "d");
}

/* A run of combining marks with no letter or digit to carry it folds to nothing: it is not
 * reported as a word (of length 0) at all. */
static void test_text_words_lone_marks(void **state)
{
    (void)state;
    static const char *const none[] = {
        " \xcc\x88 ",               /* COMBINING DIAERESIS between spaces */
        "\xcc\x88",                 /* alone */
        "\xcc\x88\xcc\x81\xcc\xa7", /* several marks */
        ", \xcc\x81.",              /* after punctuation */
        "\n\xcc\x88\t\xcc\x81\n",   /* two runs */
    };
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        struct words ws;
        assert_int_equal(words_of(none[i], strlen(none[i]), &ws), AG_OK);
        if (ws.count != 0)
            fail_msg("case %zu: %zu words, the first of length %zu", i, ws.count, ws.v[0].n);
    }
    /* Between real words: only the words are reported, with their own spans. */
    struct words ws;
    const char *s = "ab \xcc\x88 cd \xcc\x81\xcc\x88";
    assert_int_equal(words_of(s, strlen(s), &ws), AG_OK);
    assert_int_equal(ws.count, 2);
    assert_string_equal(ws.v[0].w, "ab");
    assert_int_equal(ws.v[0].start, 0);
    assert_int_equal(ws.v[0].end, 2);
    assert_string_equal(ws.v[1].w, "cd");
    assert_int_equal(ws.v[1].start, 6);
    assert_int_equal(ws.v[1].end, 8);
    /* A mark after a letter still belongs to that word. */
    s = "a\xcc\x88 \xcc\x88";
    assert_int_equal(words_of(s, strlen(s), &ws), AG_OK);
    assert_int_equal(ws.count, 1);
    assert_string_equal(ws.v[0].w, "a");
    assert_int_equal(ws.v[0].end, 3);
    /* A skipped run does not count towards the callback's stop. */
    memset(&ws, 0, sizeof(ws));
    ws.stop_after = 1;
    s = "\xcc\x88 one two";
    assert_int_equal(text_words(s, strlen(s), collect_word, &ws), AG_OK);
    assert_int_equal(ws.count, 1);
    assert_string_equal(ws.v[0].w, "one");
}

/* The character-by-character folding of Latin letters must equal utf8proc's folding of
 * the whole word, for every code point it covers, alone and between ASCII letters. */
static void test_text_words_fast_fold_equals_utf8proc(void **state)
{
    (void)state;
    for (utf8proc_int32_t cp = 0x80; cp < FAST_CP; cp++) {
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t el = utf8proc_encode_char(cp, enc);
        if (el <= 0 || !word_category(cp))
            continue;
        char text[16];
        size_t n = 0;
        text[n++] = 'A';
        memcpy(text + n, enc, (size_t)el);
        n += (size_t)el;
        text[n++] = 'z';
        utf8proc_uint8_t *want = NULL;
        utf8proc_ssize_t wl =
            utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)n, &want, FOLD_OPTS);
        assert_true(wl > 0);
        struct words ws;
        assert_int_equal(words_of(text, n, &ws), AG_OK);
        assert_int_equal(ws.count, 1);
        if (ws.v[0].n != (size_t)wl || memcmp(ws.v[0].w, want, (size_t)wl) != 0)
            fail_msg("U+%04X: folded to '%s', utf8proc gives '%.*s'", (unsigned)cp, ws.v[0].w,
                     (int)wl, (const char *)want);
        assert_int_equal(ws.v[0].start, 0);
        assert_int_equal(ws.v[0].end, n);
        free(want);
    }
}

static void test_text_words_stop(void **state)
{
    (void)state;
    struct words ws;
    memset(&ws, 0, sizeof(ws));
    ws.stop_after = 2;
    assert_int_equal(text_words("one two three four", 18, collect_word, &ws), AG_OK);
    assert_int_equal(ws.count, 2);
    assert_string_equal(ws.v[1].w, "two");
}

static void test_text_words_invalid_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "abc \xff def",
        "\xc3",             /* truncated at the end */
        "abc\xc3",          /* truncated after a word */
        "\xc3(",            /* bad continuation */
        "\xc0\xaf",         /* overlong */
        "\xed\xa0\x80",     /* UTF-16 surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\x80",             /* lone continuation byte */
        "ok \xe2\x82",      /* truncated three-byte sequence */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct words ws;
        if (words_of(bad[i], strlen(bad[i]), &ws) != AG_EINVAL)
            fail_msg("invalid UTF-8 #%zu accepted", i);
    }
}

/* Fragments that are wholly word characters, and fragments that contain none. A combining
 * mark follows a letter in a word fragment; in a separator it stands alone between spaces,
 * where it folds to nothing and is no word at all. */
static const char *const word_frags[] = {
    "a",         "Z",
    "7",         "\xc3\x96",
    "\xc3\x9f",  "\xc3\xa9",
    "e\xcc\x81", "\xef\xac\x81",
    "\xd0\x96",  "\xe4\xb8\xad",
    "\xc2\xb2",  "Q",
    "k",
};
static const char *const sep_frags[] = {
    " ",
    ",",
    ".",
    "-",
    "\t",
    "\n",
    "\xe2\x80\x94",
    "\xe2\x82\xac",
    "'",
    "!",
    "  ",
    "/",
    " \xcc\x88 ",
    " \xcc\x81\xcc\x88 ",
};

/* Random text from the fragments: the word spans are exactly the maximal runs of word
 * fragments, and each span on its own is one word with the same folded text. */
static void test_text_words_property(void **state)
{
    (void)state;
    tu_rng_seed();
    char text[600];
    bool is_word[600];
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = 0, runs = 0;
        bool prev_word = false;
        size_t frags = tu_rng_below(60);
        for (size_t f = 0; f < frags; f++) {
            bool w = tu_rng_below(2);
            const char *fr =
                w ? word_frags[tu_rng_below(sizeof(word_frags) / sizeof(word_frags[0]))]
                  : sep_frags[tu_rng_below(sizeof(sep_frags) / sizeof(sep_frags[0]))];
            size_t fl = strlen(fr);
            memcpy(text + n, fr, fl);
            memset(is_word + n, w, fl);
            n += fl;
            if (w && !prev_word)
                runs++;
            prev_word = w;
        }
        struct words ws;
        TU_PROP_CHECK(words_of(text, n, &ws) == AG_OK);
        TU_PROP_CHECK(ws.count == runs);
        size_t covered = 0, last_end = 0;
        for (size_t i = 0; i < ws.count; i++) {
            const struct word *x = &ws.v[i];
            TU_PROP_CHECK(x->start < x->end && x->end <= n);
            TU_PROP_CHECK(i == 0 || x->start > last_end); /* separated by something */
            TU_PROP_CHECK(x->n > 0 && x->n < sizeof(x->w));
            for (size_t j = x->start; j < x->end; j++)
                TU_PROP_CHECK(is_word[j]);
            TU_PROP_CHECK(x->start == 0 || !is_word[x->start - 1]);
            TU_PROP_CHECK(x->end == n || !is_word[x->end]);
            for (size_t j = 0; j < x->n; j++)
                TU_PROP_CHECK(!(x->w[j] >= 'A' && x->w[j] <= 'Z'));
            covered += x->end - x->start;
            last_end = x->end;

            struct words one;
            TU_PROP_CHECK(words_of(text + x->start, x->end - x->start, &one) == AG_OK);
            TU_PROP_CHECK(one.count == 1);
            TU_PROP_CHECK(one.v[0].n == x->n && memcmp(one.v[0].w, x->w, x->n) == 0);
        }
        size_t word_bytes = 0;
        for (size_t j = 0; j < n; j++)
            word_bytes += is_word[j];
        TU_PROP_CHECK(covered == word_bytes);
    }
}

/* ---- language ------------------------------------------------------------------------------ */

static enum text_lang detect(const char *s, enum text_lang fallback)
{
    return text_detect_lang(s, strlen(s), fallback);
}

static void test_text_detect_lang(void **state)
{
    (void)state;
    static const char *const german[] = {
        "Wie hoch sind die Versandkosten nach \xc3\x96sterreich?",
        "Ich habe eine Frage zu meiner Bestellung.",
        "Kann ich die Ware zur\303\274ckgeben, wenn sie nicht passt?",
        "M\303\274ller Stra\303\237e",
    };
    static const char *const english[] = {
        "How much does shipping to Austria cost?",
        "I have a question about my order.",
        "Can I return the item if it does not fit?",
        "What is the status of your delivery?",
    };
    for (size_t i = 0; i < sizeof(german) / sizeof(german[0]); i++) {
        assert_int_equal(detect(german[i], TEXT_LANG_EN), TEXT_LANG_DE);
        assert_int_equal(detect(german[i], TEXT_LANG_UNKNOWN), TEXT_LANG_DE);
    }
    for (size_t i = 0; i < sizeof(english) / sizeof(english[0]); i++) {
        assert_int_equal(detect(english[i], TEXT_LANG_DE), TEXT_LANG_EN);
        assert_int_equal(detect(english[i], TEXT_LANG_UNKNOWN), TEXT_LANG_EN);
    }
    /* No signal: the fallback, whatever it is. */
    static const char *const neutral[] = {"", "12345", "SKU-4711 / 99", "Versandkosten", "!!"};
    for (size_t i = 0; i < sizeof(neutral) / sizeof(neutral[0]); i++) {
        assert_int_equal(detect(neutral[i], TEXT_LANG_DE), TEXT_LANG_DE);
        assert_int_equal(detect(neutral[i], TEXT_LANG_EN), TEXT_LANG_EN);
        assert_int_equal(detect(neutral[i], TEXT_LANG_UNKNOWN), TEXT_LANG_UNKNOWN);
    }
    /* Invalid UTF-8 gives the fallback rather than a guess. */
    assert_int_equal(detect("the and is \xff", TEXT_LANG_DE), TEXT_LANG_DE);

    /* "was" and "will" are words of both languages, so they are no cue for either: one
     * real cue decides, where counting them would tie and give the fallback. */
    static const char *const german_will[] = {"Ich will es.", "Er will nicht.", "Was ist das?",
                                              "Was will er von mir?"};
    static const char *const english_was[] = {"It was late.", "The order was lost.", "I will.",
                                              "What was it?"};
    for (size_t i = 0; i < sizeof(german_will) / sizeof(german_will[0]); i++) {
        assert_int_equal(detect(german_will[i], TEXT_LANG_EN), TEXT_LANG_DE);
        assert_int_equal(detect(german_will[i], TEXT_LANG_UNKNOWN), TEXT_LANG_DE);
    }
    for (size_t i = 0; i < sizeof(english_was) / sizeof(english_was[0]); i++) {
        assert_int_equal(detect(english_was[i], TEXT_LANG_DE), TEXT_LANG_EN);
        assert_int_equal(detect(english_was[i], TEXT_LANG_UNKNOWN), TEXT_LANG_EN);
    }
    /* With no other cue they say nothing either way. */
    static const char *const no_cue[] = {"Was will er?", "was will", "Will was."};
    for (size_t i = 0; i < sizeof(no_cue) / sizeof(no_cue[0]); i++) {
        assert_int_equal(detect(no_cue[i], TEXT_LANG_DE), TEXT_LANG_DE);
        assert_int_equal(detect(no_cue[i], TEXT_LANG_EN), TEXT_LANG_EN);
        assert_int_equal(detect(no_cue[i], TEXT_LANG_UNKNOWN), TEXT_LANG_UNKNOWN);
    }
}

static void test_text_lang_codes(void **state)
{
    (void)state;
    assert_string_equal(text_lang_code(TEXT_LANG_DE), "de");
    assert_string_equal(text_lang_code(TEXT_LANG_EN), "en");
    assert_string_equal(text_lang_code(TEXT_LANG_UNKNOWN), "");
    assert_int_equal(text_lang_parse("de", 2), TEXT_LANG_DE);
    assert_int_equal(text_lang_parse("DE", 2), TEXT_LANG_DE);
    assert_int_equal(text_lang_parse("En", 2), TEXT_LANG_EN);
    assert_int_equal(text_lang_parse("deu", 3), TEXT_LANG_UNKNOWN);
    assert_int_equal(text_lang_parse("d", 1), TEXT_LANG_UNKNOWN);
    assert_int_equal(text_lang_parse("", 0), TEXT_LANG_UNKNOWN);
    assert_int_equal(text_lang_parse("fr", 2), TEXT_LANG_UNKNOWN);
    assert_int_equal(text_lang_parse("dex", 2), TEXT_LANG_DE);
}

/* ---- stop words ---------------------------------------------------------------------------- */

static bool stop(const char *w)
{
    return text_is_stopword(w, strlen(w));
}

static void test_text_is_stopword(void **state)
{
    (void)state;
    static const char *const yes[] = {"und", "die", "der", "fur", "uber", "konnen", "zur",
                                      "ab",  "the", "and", "a",   "your", "please", "with"};
    static const char *const no[] = {"versand", "shipping", "kosten", "osterreich", "",   "Und",
                                     "THE",     "un",       "thee",   "f\303\274r", "zz", "aaa"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!stop(yes[i]))
            fail_msg("\"%s\" is not a stop word", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (stop(no[i]))
            fail_msg("\"%s\" is a stop word", no[i]);
    /* Length is taken from n, not from a NUL. */
    assert_true(text_is_stopword("undefined", 3));
    assert_false(text_is_stopword("the", 2));
    /* Words of any length are safe. */
    char longw[300];
    memset(longw, 'a', sizeof(longw));
    assert_false(text_is_stopword(longw, sizeof(longw)));
}

/* bsearch needs every list sorted (strcmp order) and free of duplicates; entries must be
 * folded lower-case ASCII shorter than in_list()'s 16-byte scratch, or they never match. */
static void check_list(const char *name, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(list[i]);
        if (n == 0 || n >= 16)
            fail_msg("%s[%zu] \"%s\" has a bad length", name, i, list[i]);
        for (size_t j = 0; j < n; j++)
            if (list[i][j] < 'a' || list[i][j] > 'z')
                fail_msg("%s[%zu] \"%s\" is not folded ASCII", name, i, list[i]);
        if (i > 0 && strcmp(list[i - 1], list[i]) >= 0)
            fail_msg("%s is not sorted at \"%s\", \"%s\"", name, list[i - 1], list[i]);
    }
}

static void test_text_word_lists_sorted(void **state)
{
    (void)state;
    check_list("stop_de", LIST(stop_de));
    check_list("stop_en", LIST(stop_en));
    check_list("cue_de", LIST(cue_de));
    check_list("cue_en", LIST(cue_en));
    check_list("abbrevs", LIST(abbrevs));
    /* Every entry of both stop lists is found through the public call. */
    for (size_t i = 0; i < sizeof(stop_de) / sizeof(stop_de[0]); i++)
        assert_true(stop(stop_de[i]));
    for (size_t i = 0; i < sizeof(stop_en) / sizeof(stop_en[0]); i++)
        assert_true(stop(stop_en[i]));
    /* The cue lists tell the languages apart, so they share no word, and no cue is a
     * function word of the other language ("was", "will" are both). */
    for (size_t i = 0; i < sizeof(cue_de) / sizeof(cue_de[0]); i++) {
        if (in_list(LIST(cue_en), cue_de[i], strlen(cue_de[i])))
            fail_msg("\"%s\" is a cue for both languages", cue_de[i]);
        if (in_list(LIST(stop_en), cue_de[i], strlen(cue_de[i])))
            fail_msg("German cue \"%s\" is an English stop word", cue_de[i]);
    }
    for (size_t i = 0; i < sizeof(cue_en) / sizeof(cue_en[0]); i++)
        if (in_list(LIST(stop_de), cue_en[i], strlen(cue_en[i])))
            fail_msg("English cue \"%s\" is a German stop word", cue_en[i]);
    assert_false(in_list(LIST(cue_de), "was", 3));
    assert_false(in_list(LIST(cue_en), "will", 4));
}

/* ---- stemming ------------------------------------------------------------------------------ */

static struct text_analyzer *g_an;

static int setup_analyzer(void **state)
{
    (void)state;
    return text_analyzer_create(&g_an) == AG_OK ? 0 : -1;
}

static int teardown_analyzer(void **state)
{
    (void)state;
    text_analyzer_destroy(g_an);
    g_an = NULL;
    return 0;
}

static void assert_stem(enum text_lang l, const char *w, const char *want)
{
    struct buf b;
    buf_init(&b, 1024);
    assert_int_equal(text_stem(g_an, l, w, strlen(w), &b), AG_OK);
    if (strcmp(buf_cstr(&b), want) != 0)
        fail_msg("stem(%s, \"%s\") = \"%s\", want \"%s\"", text_lang_code(l), w, buf_cstr(&b),
                 want);
    buf_release(&b);
}

/* The first word of s, folded, as text_words gives it to the index. */
static void first_word(const char *s, char *out, size_t out_len)
{
    struct words ws;
    assert_int_equal(words_of(s, strlen(s), &ws), AG_OK);
    assert_true(ws.count >= 1 && ws.v[0].n < out_len);
    memcpy(out, ws.v[0].w, ws.v[0].n + 1);
}

static void test_text_stem(void **state)
{
    (void)state;
    char w[64];
    first_word("Versandkosten", w, sizeof(w));
    assert_stem(TEXT_LANG_DE, w, "versandkost");
    first_word("H\xc3\xa4user", w, sizeof(w)); /* folded to "hauser" */
    assert_string_equal(w, "hauser");
    assert_stem(TEXT_LANG_DE, w, "haus");
    assert_stem(TEXT_LANG_DE, "h\xc3\xa4user", "haus"); /* unfolded: the stem has no umlaut */
    assert_stem(TEXT_LANG_DE, "kosten", "kost");
    assert_stem(TEXT_LANG_EN, "shipping", "ship");
    assert_stem(TEXT_LANG_EN, "costs", "cost");
    assert_stem(TEXT_LANG_EN, "running", "run");
    assert_stem(TEXT_LANG_UNKNOWN, "shipping", "ship"); /* unknown means English */
    /* Marks the stemmer leaves in are stripped, as the index strips them. */
    assert_stem(TEXT_LANG_DE, "caf\xc3\xa9", "cafe");
    assert_stem(TEXT_LANG_EN, "r\xc3\xa9sum\xc3\xa9s", "resume");
    /* Stems of one word agree across inflections. */
    struct buf a, b;
    buf_init(&a, 64);
    buf_init(&b, 64);
    assert_int_equal(text_stem(g_an, TEXT_LANG_DE, "versand", 7, &a), AG_OK);
    assert_int_equal(text_stem(g_an, TEXT_LANG_DE, "versandes", 9, &b), AG_OK);
    assert_string_equal(buf_cstr(&a), buf_cstr(&b));
    buf_release(&a);
    buf_release(&b);

    /* text_stem appends; it does not overwrite. */
    buf_init(&a, 64);
    assert_int_equal(buf_append_str(&a, "x:"), AG_OK);
    assert_int_equal(text_stem(g_an, TEXT_LANG_EN, "shipping", 8, &a), AG_OK);
    assert_string_equal(buf_cstr(&a), "x:ship");
    /* Past the buf's max: AG_ETOOBIG, nothing appended. */
    buf_release(&a);
    buf_init(&a, 3);
    assert_int_equal(buf_append_str(&a, "x:"), AG_OK);
    assert_int_equal(text_stem(g_an, TEXT_LANG_EN, "shipping", 8, &a), AG_ETOOBIG);
    assert_string_equal(buf_cstr(&a), "x:");
    buf_release(&a);

    /* Over-long words are passed through unchanged (a stemmer would drop the "ing"). */
    char longw[300];
    memset(longw, 'a', sizeof(longw) - 1);
    memcpy(longw + sizeof(longw) - 4, "ing", 4);
    buf_init(&a, 1024);
    assert_int_equal(text_stem(g_an, TEXT_LANG_EN, longw, strlen(longw), &a), AG_OK);
    assert_string_equal(buf_cstr(&a), longw);
    buf_release(&a);
}

/* ---- sentences ----------------------------------------------------------------------------- */

static void test_text_sentences(void **state)
{
    (void)state;
    struct sentences ss;
    const char *s = "Hallo Welt. Wie geht es?";
    sentences_of(s, &ss);
    assert_int_equal(ss.count, 2);
    assert_sentence(s, &ss, 0, "Hallo Welt.");
    assert_sentence(s, &ss, 1, "Wie geht es?");

    s = "Das kostet z. B. 3.5 Euro. Danach nicht.";
    sentences_of(s, &ss);
    assert_int_equal(ss.count, 2);
    assert_sentence(s, &ss, 0, "Das kostet z. B. 3.5 Euro.");
    assert_sentence(s, &ss, 1, "Danach nicht.");

    s = "  Es gibt z. B. Rabatte. Version 3.5 ist neu!  Ja?\nNein\n\n";
    sentences_of(s, &ss);
    assert_int_equal(ss.count, 4);
    assert_sentence(s, &ss, 0, "Es gibt z. B. Rabatte.");
    assert_sentence(s, &ss, 1, "Version 3.5 ist neu!");
    assert_sentence(s, &ss, 2, "Ja?");
    assert_sentence(s, &ss, 3, "Nein");

    /* Lower case after the dot, and abbreviations, do not split. */
    s = "Siehe Nr. 5 bzw. Dr. Meier, e.g. This one. ok then. Fine";
    sentences_of(s, &ss);
    assert_int_equal(ss.count, 2);
    assert_sentence(s, &ss, 0, "Siehe Nr. 5 bzw. Dr. Meier, e.g. This one. ok then.");
    assert_sentence(s, &ss, 1, "Fine");

    /* A dot followed by a digit after a space splits; a decimal does not. */
    s = "Preis 3.50 Euro. 2 Tage Lieferzeit.";
    sentences_of(s, &ss);
    assert_int_equal(ss.count, 2);
    assert_sentence(s, &ss, 1, "2 Tage Lieferzeit.");

    /* Nothing but space: no sentences. */
    sentences_of("", &ss);
    assert_int_equal(ss.count, 0);
    sentences_of(" \n \t\n", &ss);
    assert_int_equal(ss.count, 0);

    /* A split needs a real capital letter (any script), a digit or an opening quote or
     * bracket after the space: a lower-case letter outside ASCII does not split. */
    s = "Das ist gut. \303\274brigens nicht.";
    sentences_of(s, &ss);
    assert_int_equal(ss.count, 1);
    assert_sentence(s, &ss, 0, s);
    s = "Das ist gut. \303\234brigens nicht.";
    sentences_of(s, &ss);
    assert_int_equal(ss.count, 2);
    assert_sentence(s, &ss, 0, "Das ist gut.");
    assert_sentence(s, &ss, 1, "\303\234brigens nicht.");
    static const struct {
        const char *after; /* what follows "Ende. " */
        bool splits;
    } next[] = {
        {"\303\251t\303\251 x", false},        /* e-acute, lower case */
        {"\303\237 x", false},                 /* sharp s */
        {"\320\266\320\270\320\273 x", false}, /* Cyrillic lower case */
        {"\316\261 x", false},                 /* Greek alpha */
        {"\342\202\254 5", false},             /* euro sign: a symbol, not a capital */
        {"\342\200\224 x", false},             /* em dash */
        {"\303\211t\303\251 x", true},         /* E-acute */
        {"\320\226\320\270\320\273 x", true},  /* Cyrillic capital */
        {"\316\221 x", true},                  /* Greek capital alpha */
        {"\307\205 x", true},                  /* title-case Dz */
        {"\331\241 x", true},                  /* Arabic-Indic digit one */
        {"\"Ja\" x", true},                    /* opening quotes and brackets */
        {"(Ja) x", true},
        {"\342\200\236Ja\342\200\234 x", true},
        {"\302\253Ja\302\273 x", true},
        {"\342\200\234Ja\342\200\235 x", true},
    };
    for (size_t i = 0; i < sizeof(next) / sizeof(next[0]); i++) {
        char text[64];
        int n = snprintf(text, sizeof(text), "Ende. %s", next[i].after);
        assert_true(n > 0 && (size_t)n < sizeof(text));
        sentences_of(text, &ss);
        if (ss.count != (next[i].splits ? 2u : 1u))
            fail_msg("\"%s\": %zu sentences", text, ss.count);
        if (next[i].splits)
            assert_sentence(text, &ss, 1, next[i].after);
    }
    /* Invalid UTF-8 after the space is no capital either. */
    s = "Ende. \xff x";
    sentences_of(s, &ss);
    assert_int_equal(ss.count, 1);

    /* The callback can stop the walk. */
    memset(&ss, 0, sizeof(ss));
    ss.stop_after = 1;
    s = "One. Two. Three.";
    text_sentences(s, strlen(s), collect_sentence, &ss);
    assert_int_equal(ss.count, 1);
    assert_sentence(s, &ss, 0, "One.");
}

/* k random sentences joined by spaces or line breaks split back into exactly those k, and
 * in general spans are ordered, trimmed and cover every non-space byte. */
static void test_text_sentences_property(void **state)
{
    (void)state;
    tu_rng_seed();
    static const char *const first[] = {"Das", "Der",   "Ich",          "We",      "The",
                                        "3",   "Preis", "\xc3\x84pfel", "Versand", "Dr. Meier"};
    static const char *const middle[] = {"kostet",  "z. B.", "3.5",   "Euro", "e.g.",
                                         "ca. 12",  "Nr. 5", "bzw.",  "ship", "and",
                                         "Dr. Who", "usw.",  "inkl.", "99.9", "mit"};
    static const char *const last[] = {"Ende", "heute", "now", "5", "Euro", "Paket", "fertig"};
    static const char *const end[] = {".", "!", "?"};
    char text[2000];
    size_t sent_start[40], sent_end[40];
    for (int iter = 0; iter < 3000; iter++) {
        size_t k = 1 + tu_rng_below(12), n = 0;
        for (size_t i = 0; i < k; i++) {
            if (i > 0) {
                const char *gap = tu_rng_below(4) == 0 ? "\n" : tu_rng_below(2) ? " " : "  ";
                memcpy(text + n, gap, strlen(gap));
                n += strlen(gap);
            }
            sent_start[i] = n;
            int w = snprintf(text + n, sizeof(text) - n, "%s", first[tu_rng_below(10)]);
            TU_PROP_CHECK(w > 0);
            n += (size_t)w;
            for (size_t m = tu_rng_below(5); m > 0; m--) {
                w = snprintf(text + n, sizeof(text) - n, " %s", middle[tu_rng_below(15)]);
                TU_PROP_CHECK(w > 0);
                n += (size_t)w;
            }
            w = snprintf(text + n, sizeof(text) - n, " %s%s", last[tu_rng_below(7)],
                         end[tu_rng_below(3)]);
            TU_PROP_CHECK(w > 0 && (size_t)w < sizeof(text) - n);
            n += (size_t)w;
            sent_end[i] = n;
        }
        text[n] = '\0';
        struct sentences ss;
        sentences_of(text, &ss);
        if (ss.count != k)
            fail_msg("%zu sentences, want %zu in \"%s\" (replay: TEST_SEED=%" PRIu64 ")", ss.count,
                     k, text, tu_seed);
        for (size_t i = 0; i < k; i++) {
            TU_PROP_CHECK(ss.start[i] == sent_start[i]);
            TU_PROP_CHECK(ss.end[i] == sent_end[i]);
        }
    }

    /* Arbitrary printable text with line breaks: structural invariants only. */
    static const char alphabet[] = "aZ. .!?\n \t3e.gzB";
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = tu_rng_below(200);
        for (size_t i = 0; i < n; i++)
            text[i] = alphabet[tu_rng_below(sizeof(alphabet) - 1)];
        text[n] = '\0';
        struct sentences ss;
        sentences_of(text, &ss);
        TU_PROP_CHECK(ss.count <= MAX_SENTENCES);
        size_t prev_end = 0;
        for (size_t i = 0; i < ss.count; i++) {
            size_t a = ss.start[i], b = ss.end[i];
            TU_PROP_CHECK(a < b && b <= n);
            TU_PROP_CHECK(a >= prev_end);
            TU_PROP_CHECK(!is_space(text[a]) && !is_space(text[b - 1]));
            for (size_t j = a; j < b; j++)
                TU_PROP_CHECK(text[j] != '\n'); /* a line break always ends a sentence */
            for (size_t j = prev_end; j < a; j++)
                TU_PROP_CHECK(is_space(text[j])); /* only space between sentences */
            prev_end = b;
        }
        for (size_t j = prev_end; j < n; j++)
            TU_PROP_CHECK(is_space(text[j]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_words_fold_and_spans),
        cmocka_unit_test(test_text_words_stop),
        cmocka_unit_test(test_text_words_fast_fold_equals_utf8proc),
        cmocka_unit_test(test_text_words_invalid_utf8),
        cmocka_unit_test(test_text_words_lone_marks),
        cmocka_unit_test(test_text_words_property),
        cmocka_unit_test(test_text_detect_lang),
        cmocka_unit_test(test_text_lang_codes),
        cmocka_unit_test(test_text_is_stopword),
        cmocka_unit_test(test_text_word_lists_sorted),
        cmocka_unit_test_setup_teardown(test_text_stem, setup_analyzer, teardown_analyzer),
        cmocka_unit_test(test_text_sentences),
        cmocka_unit_test(test_text_sentences_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
