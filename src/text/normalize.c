// SPDX-License-Identifier: MIT
/*
 * text/normalize.c: normalisation against obfuscation, and decoding of embedded encodings.
 * text_normalize() reads the text once. While no word is pending, a bulk path copies words of
 * ASCII and Latin-1 letters (16 bytes at a time with SSE2), numbers, white space and plain
 * punctuation straight to the output through lower-case tables: most chat text never leaves
 * it. Anything else (a digit or symbol beside letters, other non-ASCII, invisible characters,
 * a single letter) hands the word to the character path: each character is folded (a table
 * made once with utf8proc covers Latin, Greek, Cyrillic and general punctuation;
 * utf8proc_decompose_char, which does not allocate, the rest) and collected into a word, which
 * is then checked as a whole for look-alike letters and leetspeak. Single-letter words are
 * held with the gaps between them until a longer word shows whether they spell one out.
 * Output is staged in a stack buffer and appended to the caller's buf in chunks.
 * text_decode_embedded() walks the text once with byte tables, finding base64 runs and hex
 * dumps and scoring words for rot13 on the way; without the rot13 search it first plans
 * from SSE2 bitmaps and walks only where a hex dump can be (see "the plan" below).
 * Decoded segments go into one block allocated on the first candidate and are searched
 * again in turn.
 * THREADS: see normalize.h. OWNERSHIP: all state lives on the stack of one call.
 */
#include "text/normalize.h"

#include <pthread.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define FOLD_OPTS                                                                                  \
    (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE |                  \
     UTF8PROC_STRIPMARK)

/* ---- character classes and the fold table ---------------------------------------------- */

enum cls {
    C_LETTER,
    C_DIGIT,
    C_SPACE,
    C_PUNCT,    /* every other visible character */
    C_MARK,     /* combining mark: an accent, stripped */
    C_INVIS,    /* default-ignorable or control: dropped */
    C_BIDI,     /* bidi embedding, override or isolate: dropped, always flagged */
    C_VS,       /* variation selector: dropped, flagged when two or more follow each other */
    C_TAG,      /* tag character: read as the ASCII it encodes */
    C_NONASCII, /* in the byte table only: a byte of a multi-byte character */
};

enum script { S_NONE, S_LATIN, S_GREEK, S_CYRILLIC, S_OTHER };

/* The bulk path's byte classes: B_STOP hands over to the character path. */
enum bulk {
    B_STOP,
    B_LETTER,
    B_DIGIT,
    B_SPACE,
    B_PUNCT,
    B_SYM /* @$!| */,
    B_C3 /* Latin-1 lead */
};

enum { W_STYLED = 1, W_REGIONAL = 2 }; /* struct wch flags */

#define FOLD_MAX 11
#define NOT_FAST 0xFF

/* One table entry per code point of [0, TAB_A_END) and [TAB_B_START, TAB_B_END): Latin,
 * IPA, Greek, Cyrillic, general punctuation, super/subscripts and currency signs. */
#define TAB_A_END   0x530
#define TAB_B_START 0x2000
#define TAB_B_END   0x20D0
#define TAB_SIZE    (TAB_A_END + TAB_B_END - TAB_B_START)

struct nf {
    uint8_t cls, script, look, flags;
    uint8_t len; /* bytes of s, or NOT_FAST: fold through utf8proc */
    char s[FOLD_MAX];
};
static struct nf tab[TAB_SIZE];
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

static uint8_t acls[256]; /* class of each byte (ASCII, or C_NONASCII) */
static uint8_t bcls[256]; /* enum bulk: what the bulk path does with each byte */
static char lower[256];   /* ASCII lower case */
static const char leet[128] = {
    ['0'] = 'o', ['1'] = 'i', ['3'] = 'e', ['4'] = 'a', ['5'] = 's', ['7'] = 't',
    ['8'] = 'b', ['9'] = 'g', ['@'] = 'a', ['$'] = 's', ['!'] = 'i', ['|'] = 'i'};

static int tab_index(int32_t cp)
{
    if (cp >= 0 && cp < TAB_A_END)
        return cp;
    if (cp >= TAB_B_START && cp < TAB_B_END)
        return TAB_A_END + cp - TAB_B_START;
    return -1;
}

/* Greek and Cyrillic letters (upper and lower case as written) that look like a Latin one.
 * Accented forms are found through their base letter. */
static const struct {
    uint16_t cp;
    char latin;
} looks[] = {
    {0x037F, 'j'}, {0x0391, 'a'}, {0x0392, 'b'}, {0x0395, 'e'}, {0x0396, 'z'}, {0x0397, 'h'},
    {0x0399, 'i'}, {0x039A, 'k'}, {0x039C, 'm'}, {0x039D, 'n'}, {0x039F, 'o'}, {0x03A1, 'p'},
    {0x03A4, 't'}, {0x03A5, 'y'}, {0x03A7, 'x'}, {0x03B1, 'a'}, {0x03B3, 'y'}, {0x03B5, 'e'},
    {0x03B7, 'n'}, {0x03B9, 'i'}, {0x03BA, 'k'}, {0x03BD, 'v'}, {0x03BF, 'o'}, {0x03C1, 'p'},
    {0x03C4, 't'}, {0x03C5, 'u'}, {0x03C7, 'x'}, {0x03C9, 'w'}, {0x03F2, 'c'}, {0x03F3, 'j'},
    {0x03F9, 'c'}, {0x0405, 's'}, {0x0406, 'i'}, {0x0408, 'j'}, {0x0410, 'a'}, {0x0412, 'b'},
    {0x0415, 'e'}, {0x041A, 'k'}, {0x041C, 'm'}, {0x041D, 'h'}, {0x041E, 'o'}, {0x0420, 'p'},
    {0x0421, 'c'}, {0x0422, 't'}, {0x0423, 'y'}, {0x0425, 'x'}, {0x0430, 'a'}, {0x0435, 'e'},
    {0x043E, 'o'}, {0x0440, 'p'}, {0x0441, 'c'}, {0x0443, 'y'}, {0x0445, 'x'}, {0x0455, 's'},
    {0x0456, 'i'}, {0x0458, 'j'}, {0x04AE, 'y'}, {0x04AF, 'y'}, {0x04BA, 'h'}, {0x04BB, 'h'},
    {0x04C0, 'l'}, {0x04CF, 'l'}, {0x0500, 'd'}, {0x0501, 'd'}, {0x051A, 'q'}, {0x051B, 'q'},
    {0x051C, 'w'}, {0x051D, 'w'},
};

/* Latin letters that only dress up another: folded always. styled marks the ones that are
 * an obfuscation (small capitals, enclosed letters); dotless i and j are ordinary letters. */
static const struct {
    uint32_t cp;
    char latin;
    bool styled;
} latin_looks[] = {
    {0x0131, 'i', false}, {0x0237, 'j', false}, {0x0251, 'a', true}, {0x0261, 'g', true},
    {0x0262, 'g', true},  {0x0269, 'i', true},  {0x026A, 'i', true}, {0x0274, 'n', true},
    {0x0280, 'r', true},  {0x028F, 'y', true},  {0x0299, 'b', true}, {0x029C, 'h', true},
    {0x029F, 'l', true},  {0x1D00, 'a', true},  {0x1D04, 'c', true}, {0x1D05, 'd', true},
    {0x1D07, 'e', true},  {0x1D0A, 'j', true},  {0x1D0B, 'k', true}, {0x1D0D, 'm', true},
    {0x1D0F, 'o', true},  {0x1D18, 'p', true},  {0x1D1B, 't', true}, {0x1D1C, 'u', true},
    {0x1D20, 'v', true},  {0x1D21, 'w', true},  {0x1D22, 'z', true}, {0xA730, 'f', true},
    {0xA731, 's', true},  {0xA7AF, 'q', true},
};

static char latin_look(int32_t cp, bool *styled)
{
    size_t lo = 0, hi = sizeof(latin_looks) / sizeof(latin_looks[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((int32_t)latin_looks[mid].cp < cp) {
            lo = mid + 1;
        } else if ((int32_t)latin_looks[mid].cp > cp) {
            hi = mid;
        } else {
            *styled = latin_looks[mid].styled;
            return latin_looks[mid].latin;
        }
    }
    /* Negative circled and negative squared capitals (no compatibility decomposition). */
    if ((cp >= 0x1F150 && cp <= 0x1F169) || (cp >= 0x1F170 && cp <= 0x1F189)) {
        *styled = true;
        return (char)('a' + (cp >= 0x1F170 ? cp - 0x1F170 : cp - 0x1F150));
    }
    return 0;
}

/* Letters whose compatibility form is a plain letter dressed up: fullwidth, mathematical,
 * circled, parenthesised, squared. */
static bool styled_source(int32_t cp)
{
    return (cp >= 0xFF21 && cp <= 0xFF5A) || (cp >= 0x1D400 && cp <= 0x1D7FF) ||
           (cp >= 0x2460 && cp <= 0x24FF) || (cp >= 0x1F100 && cp <= 0x1F1FF);
}

static uint8_t script_of(int32_t cp)
{
    if (cp < 0x300 || (cp >= 0x1D00 && cp < 0x1DC0) || (cp >= 0x1E00 && cp < 0x1F00) ||
        (cp >= 0x2C60 && cp < 0x2C80) || (cp >= 0xA720 && cp < 0xA800) ||
        (cp >= 0xAB30 && cp < 0xAB70))
        return S_LATIN;
    if ((cp >= 0x370 && cp < 0x400) || (cp >= 0x1F00 && cp < 0x2000))
        return S_GREEK;
    if ((cp >= 0x400 && cp < 0x530) || (cp >= 0x1C80 && cp < 0x1C90) ||
        (cp >= 0x2DE0 && cp < 0x2E00) || (cp >= 0xA640 && cp < 0xA6A0))
        return S_CYRILLIC;
    return S_OTHER;
}

static uint8_t cls_of(int32_t cp)
{
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
            return C_LETTER;
        if (cp >= '0' && cp <= '9')
            return C_DIGIT;
        if (cp == ' ' || (cp >= '\t' && cp <= '\r'))
            return C_SPACE;
        return cp < 0x20 || cp == 0x7F ? C_INVIS : C_PUNCT;
    }
    if (cp == 0x85)
        return C_SPACE; /* NEL */
    const utf8proc_property_t *pr = utf8proc_get_property(cp);
    if (pr->ignorable) {
        if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
            return C_BIDI;
        if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF) ||
            (cp >= 0x180B && cp <= 0x180D) || cp == 0x180F)
            return C_VS;
        if (cp >= 0xE0000 && cp <= 0xE007F)
            return C_TAG;
        return C_INVIS;
    }
    switch (pr->category) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return C_LETTER;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return C_DIGIT;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return C_SPACE;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return C_MARK;
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
        return C_INVIS;
    default:
        return cp == 0x2800 ? C_SPACE : C_PUNCT; /* the blank braille pattern looks empty */
    }
}

static char look_of(int32_t cp)
{
    /* The base letter: canonical decomposition without case folding, accents stripped. */
    utf8proc_int32_t d[8];
    utf8proc_ssize_t r =
        utf8proc_decompose_char(cp, d, 8, UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK, NULL);
    int32_t base = r == 1 ? d[0] : cp;
    for (size_t i = 0; i < sizeof(looks) / sizeof(looks[0]); i++)
        if (looks[i].cp == base)
            return looks[i].latin;
    return 0;
}

static void tab_init(void)
{
    for (int c = 0; c < 256; c++) {
        acls[c] = c < 0x80 ? cls_of(c) : C_NONASCII;
        lower[c] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        bcls[c] = acls[c] == C_LETTER  ? B_LETTER
                  : acls[c] == C_DIGIT ? B_DIGIT
                  : acls[c] == C_SPACE ? B_SPACE
                  : acls[c] == C_PUNCT ? (leet[c] ? B_SYM : B_PUNCT)
                  : c == 0xC3          ? B_C3
                                       : B_STOP;
    }
    for (int idx = 0; idx < TAB_SIZE; idx++) {
        int32_t cp = idx < TAB_A_END ? idx : idx - TAB_A_END + TAB_B_START;
        struct nf *e = &tab[idx];
        e->cls = cls_of(cp);
        e->len = NOT_FAST;
        if (cp < 0x80) {
            e->s[0] = lower[cp];
            e->len = 1;
            e->script = S_LATIN;
            continue;
        }
        if (e->cls == C_SPACE) {
            e->s[0] = ' ';
            e->len = 1;
            continue;
        }
        if (e->cls != C_LETTER && e->cls != C_DIGIT && e->cls != C_PUNCT)
            continue;
        bool styled = false;
        char ll = latin_look(cp, &styled);
        if (ll) {
            e->s[0] = ll;
            e->len = 1;
            e->script = S_LATIN;
            e->flags = styled ? W_STYLED : 0;
            continue;
        }
        utf8proc_int32_t d[32];
        utf8proc_ssize_t r = utf8proc_decompose_char(cp, d, 32, FOLD_OPTS, NULL);
        if (r <= 0 || r > 32)
            continue;
        /* One character, or letters only (ß -> ss): the fold stays one entry of the word.
         * Anything else (½ -> 1⁄2, … -> ...) goes through the slow path, which classifies
         * each character of the fold. */
        bool fast = true;
        size_t len = 0;
        for (utf8proc_ssize_t k = 0; k < r && fast; k++) {
            utf8proc_uint8_t enc[4];
            utf8proc_ssize_t el = utf8proc_encode_char(d[k], enc);
            fast =
                (r == 1 || cls_of(d[k]) == C_LETTER) && d[k] != ' ' && len + (size_t)el <= FOLD_MAX;
            if (fast) {
                memcpy(e->s + len, enc, (size_t)el);
                len += (size_t)el;
            }
        }
        if (!fast)
            continue;
        e->len = (uint8_t)len;
        if (e->cls == C_LETTER) {
            e->script = script_of(d[0]);
            e->look = (uint8_t)look_of(cp);
        }
    }
}

/* ---- text_normalize ---------------------------------------------------------------------- */

enum kind { K_LETTER, K_DIGIT /* ASCII 0-9 */, K_NUM /* any other number */, K_SYM /* @$!| */ };
enum prev { P_SPACE, P_PUNCT, P_WORD }; /* what was read last (P_SPACE at the start) */

/* One character of a word: its folded bytes and what the word checks need to know. */
struct wch {
    uint8_t kind, script, look, flags, len;
    char s[FOLD_MAX];
};

#define WMAX    64   /* a longer word is cut: nothing natural is that long */
#define RMAX    64   /* single-letter words held at once */
#define GAP_MAX 6    /* bytes of gap allowed between single letters */
#define STAGE   2048 /* output staged before it is appended to the buf (> WMAX * FOLD_MAX) */

struct norm {
    struct buf *out;
    ag_err err;
    unsigned seen;
    bool any;                /* something was written: a space may follow */
    bool space;              /* a space is owed before the next visible byte */
    uint8_t prev;            /* enum prev */
    uint8_t ctx;             /* script of the last word with a letter that tells its script */
    size_t vs_end;           /* offset just after the last variation selector */
    size_t tok_end, tok_dot; /* leet_here(): token scanned for a "." up to tok_end; last one */
    size_t wn, un, gl, sl;
    struct wch w[WMAX];    /* the word being read */
    struct wch unit[RMAX]; /* single-letter words held */
    char ug[RMAX][GAP_MAX];
    uint8_t ugl[RMAX]; /* ug[i]: the gap before unit i (i >= 1) */
    char gap[GAP_MAX]; /* the gap after the last unit, while units are held */
    char stage[STAGE];
};

static void flush_stage(struct norm *z)
{
    if (z->sl && z->err == AG_OK)
        z->err = buf_append(z->out, z->stage, z->sl);
    z->sl = 0;
}

/* Append b[0..n) (n < STAGE), after the space owed if any. */
static void put(struct norm *z, const char *b, size_t n)
{
    if (z->sl + n + 1 > STAGE)
        flush_stage(z);
    if (z->space) {
        z->stage[z->sl++] = ' ';
        z->space = false;
    }
    memcpy(z->stage + z->sl, b, n);
    z->sl += n;
    z->any = true;
}

static void put_lower(struct norm *z, const uint8_t *s, size_t n)
{
    while (n) {
        if (z->sl + 2 > STAGE)
            flush_stage(z);
        if (z->space) {
            z->stage[z->sl++] = ' ';
            z->space = false;
        }
        size_t k = STAGE - 1 - z->sl < n ? STAGE - 1 - z->sl : n;
        char *d = z->stage + z->sl;
        for (size_t i = 0; i < k; i++)
            d[i] = lower[s[i]];
        z->sl += k;
        s += k;
        n -= k;
        z->any = true;
    }
}

static void owe_space(struct norm *z)
{
    if (z->any)
        z->space = true;
}

static bool is_sep(const char *b, size_t n)
{
    if (n == 1)
        return strchr(".-_*/+~,:;'`", b[0]) != NULL && b[0] != '\0';
    return (n == 2 && memcmp(b, "\xC2\xB7", 2) == 0) ||   /* · */
           (n == 3 && memcmp(b, "\xE2\x80\xA2", 3) == 0); /* • */
}

static bool is_vowel(const struct wch *e)
{
    char c = e->s[0];
    if (e->look)
        c = (char)e->look;
    return e->kind == K_LETTER && (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u');
}

/* 1 and | read as l when doubled ("a11ow") or last after a vowel ("mode1"), else as i. */
static char leet_char(const struct wch *w, size_t n, size_t k)
{
    char c = w[k].s[0];
    char l = leet[(unsigned char)c & 0x7F];
    if (c != '1' && c != '|')
        return l;
    bool doubled = (k > 0 && w[k - 1].kind != K_LETTER && w[k - 1].s[0] == c) ||
                   (k + 1 < n && w[k + 1].kind != K_LETTER && w[k + 1].s[0] == c);
    bool last_after_vowel = k + 1 == n && k > 0 && is_vowel(&w[k - 1]);
    if (doubled || last_after_vowel)
        return 'l';
    return l;
}

/* Whether word w[0..n) is leetspeak. spaced: it was spelt out letter by letter, which is
 * disguise enough that one letter and digits in any place will do ("4 l l"). */
static bool leet_word(const struct wch *w, size_t n, bool spaced)
{
    size_t letters = 0, first = n, last = 0, run = 0;
    for (size_t k = 0; k < n; k++) {
        if (w[k].kind == K_LETTER) {
            letters++;
            if (first == n)
                first = k;
            last = k;
            run = 0;
        } else if (w[k].kind == K_SYM) {
            run = 0;
        } else if (w[k].kind == K_NUM || !leet[(unsigned char)w[k].s[0] & 0x7F] || ++run >= 3) {
            return false; /* "2nd", "h264", "ab100": codes, not words in disguise */
        }
    }
    if (letters == 0 || letters == n)
        return false;
    if (spaced)
        return true;
    if (letters < 2)
        return false;
    size_t pre = first, inner = 0, suf = n - 1 - last;
    for (size_t k = first; k < last; k++)
        inner += w[k].kind != K_LETTER;
    /* Digits only before or only after the letters are a code ("mp3", "3rd", "win10"),
     * unless it is one digit beside a real word's worth of letters ("ignor3"). */
    return inner > 0 || (pre > 0 && suf > 0) || (pre + suf == 1 && letters >= 4);
}

/* Fold and write one word: look-alike letters, then leetspeak. spaced: see leet_word(). */
static void emit_word(struct norm *z, const struct wch *w, size_t n, bool spaced)
{
    unsigned lat = 0, conf = 0, other = 0, conf_scripts = 0, regional = 0;
    bool styled = false;
    uint8_t other_script = S_NONE;
    for (size_t k = 0; k < n; k++) {
        const struct wch *e = &w[k];
        if (e->kind != K_LETTER)
            continue;
        if (e->script == S_LATIN) {
            lat++;
        } else if (e->look) {
            conf++;
            conf_scripts |= 1u << e->script;
        } else {
            other++;
            other_script = e->script;
        }
        styled |= (e->flags & W_STYLED) != 0;
        regional += (e->flags & W_REGIONAL) != 0;
    }
    /* A Latin word with a Cyrillic "о" is a disguise; so is a word of look-alikes only that
     * mixes Greek and Cyrillic or stands in Latin text. Russian text keeps its letters. */
    bool homo =
        conf && (lat || (!other && (conf_scripts & (conf_scripts - 1) || z->ctx == S_LATIN)));
    bool lw = leet_word(w, n, spaced);
    if (homo || styled || regional >= 3) /* a single flag emoji is two regional letters */
        z->seen |= TEXT_OBF_HOMOGLYPH;
    if (lw)
        z->seen |= TEXT_OBF_LEET;
    if (other)
        z->ctx = other_script;
    else if (lat || homo)
        z->ctx = S_LATIN;
    /* Room for the whole word at once: n <= WMAX (or RMAX) entries of FOLD_MAX bytes. */
    if (z->sl + 1 + n * FOLD_MAX > STAGE)
        flush_stage(z);
    char *o = z->stage + z->sl;
    if (z->space && n) {
        *o++ = ' ';
        z->space = false;
    }
    for (size_t k = 0; k < n; k++) {
        const struct wch *e = &w[k];
        if (homo && e->look && e->script != S_LATIN) {
            *o++ = (char)e->look;
        } else if (lw && e->kind != K_LETTER) {
            *o++ = leet_char(w, n, k);
        } else {
            memcpy(o, e->s, FOLD_MAX); /* fixed size: two moves; only e->len count */
            o += e->len;
        }
    }
    z->sl = (size_t)(o - z->stage);
    z->any |= n > 0;
}

/* Gap bytes of held units, written as gaps: white space becomes a space owed. */
static void emit_gap(struct norm *z, const char *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (g[i] == ' ' || g[i] == '\n' || g[i] == '\t')
            owe_space(z);
        else
            put(z, g + i, 1);
    }
}

static uint64_t gap_key(const char *g, size_t n)
{
    uint64_t k = n;
    for (size_t i = 0; i < n; i++)
        k = k << 8 | (unsigned char)g[i];
    return k;
}

static unsigned letters_in(const struct wch *u, size_t n)
{
    unsigned c = 0;
    for (size_t i = 0; i < n; i++)
        c += u[i].kind == K_LETTER;
    return c;
}

/* Write the held single-letter words: joined where they spell words out, else as they came. */
static void flush_units(struct norm *z)
{
    size_t un = z->un;
    z->un = 0;
    uint64_t key[RMAX], join = UINT64_MAX;
    key[0] = 0;
    for (size_t i = 1; i < un; i++)
        key[i] = gap_key(z->ug[i], z->ugl[i]);
    if (un >= 4) {
        /* The separator that joins letters is the gap seen most often; other gaps end words. */
        size_t best = 0;
        for (size_t i = 1; i < un; i++) {
            size_t c = 0;
            for (size_t j = i; j < un; j++)
                c += key[j] == key[i];
            if (c > best) {
                best = c;
                join = key[i];
            }
        }
        bool ok = false;
        for (size_t a = 0, b = 1; b <= un && !ok; b++) {
            if (b < un && key[b] == join)
                continue;
            ok = b - a >= 4 && letters_in(&z->unit[a], b - a) >= 2;
            a = b;
        }
        if (!ok)
            join = UINT64_MAX;
    }
    for (size_t a = 0, b = 1; b <= un; b++) {
        if (join != UINT64_MAX && b < un && key[b] == join)
            continue;
        if (a > 0) {
            if (join != UINT64_MAX)
                owe_space(z);
            else
                emit_gap(z, z->ug[a], z->ugl[a]);
        }
        if (b - a >= 2 && letters_in(&z->unit[a], b - a) >= 1) {
            z->seen |= TEXT_OBF_SPACED;
            emit_word(z, &z->unit[a], b - a, true);
        } else {
            for (size_t k = a; k < b; k++) {
                if (k > a)
                    emit_gap(z, z->ug[k], z->ugl[k]);
                emit_word(z, &z->unit[k], 1, false);
            }
        }
        a = b;
    }
    emit_gap(z, z->gap, z->gl);
    z->gl = 0;
}

static void word_end(struct norm *z)
{
    if (z->wn == 0)
        return;
    if (z->wn == 1 && z->w[0].kind != K_SYM) { /* hold it: it may spell a word out */
        if (z->un == RMAX)
            flush_units(z);
        if (z->un > 0) {
            memcpy(z->ug[z->un], z->gap, z->gl);
            z->ugl[z->un] = (uint8_t)z->gl;
        }
        z->unit[z->un++] = z->w[0];
        z->gl = 0;
        z->wn = 0;
        return;
    }
    if (z->un)
        flush_units(z);
    emit_word(z, z->w, z->wn, false);
    z->wn = 0;
}

static void push(struct norm *z, const struct wch *e)
{
    if (z->wn == WMAX)
        word_end(z);
    z->w[z->wn++] = *e;
    z->prev = P_WORD;
}

static void push_ascii(struct norm *z, uint8_t kind, char c)
{
    struct wch e = {kind, S_LATIN, 0, 0, 1, {c}};
    push(z, &e);
}

/* A gap character: white space (ws) or punctuation b[0..n). */
static void gap(struct norm *z, const char *b, size_t n, bool ws)
{
    word_end(z);
    z->prev = ws ? P_SPACE : P_PUNCT;
    if (z->un) {
        if (n <= GAP_MAX - z->gl && (ws || is_sep(b, n))) {
            memcpy(z->gap + z->gl, b, n);
            z->gl += n;
            return;
        }
        flush_units(z);
    }
    if (ws)
        owe_space(z);
    else
        put(z, b, n);
}

static void space(struct norm *z, char c)
{
    char g = ' ';
    if (c == '\n' || c == '\t')
        g = c;
    gap(z, &g, 1, true);
}

static void invisible(struct norm *z, uint8_t cls, size_t at, size_t end)
{
    if (cls == C_BIDI || (cls == C_VS && z->vs_end == at) || (cls != C_VS && z->prev == P_WORD))
        z->seen |= TEXT_OBF_INVISIBLE;
    if (cls == C_VS)
        z->vs_end = end;
}

/* An ASCII character that is not a letter, read in a word or between words. */
static void ascii_other(struct norm *z, uint8_t c, bool leet_ok)
{
    switch (acls[c]) {
    case C_DIGIT:
        push_ascii(z, K_DIGIT, (char)c);
        break;
    case C_SPACE:
        space(z, (char)c);
        break;
    case C_PUNCT:
        if (leet_ok)
            push_ascii(z, K_SYM, (char)c);
        else
            gap(z, (const char *)&c, 1, false);
        break;
    default:
        break;
    }
}

/* The class of the first visible character at or after s[j] (C_LETTER, C_DIGIT, C_SPACE or
 * C_PUNCT; C_SPACE at the end): invisible characters are skipped, as the word reader skips
 * them. */
static uint8_t next_visible(const uint8_t *s, size_t j, size_t n)
{
    while (j < n) {
        if (s[j] < 0x80) {
            if (acls[s[j]] != C_INVIS)
                return acls[s[j]];
            j++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t len =
            utf8proc_iterate(s + j, n - j < 4 ? (utf8proc_ssize_t)(n - j) : 4, &cp);
        if (len <= 0) {
            j++;
            continue;
        }
        j += (size_t)len;
        int idx = tab_index(cp);
        uint8_t k = idx >= 0 ? tab[idx].cls : cls_of(cp);
        bool styled = false;
        if (k == C_TAG && cp >= 0xE0020 && cp <= 0xE007E)
            k = acls[cp - 0xE0000];
        else if (latin_look(cp, &styled) || (cp >= 0x1F1E6 && cp <= 0x1F1FF))
            k = C_LETTER;
        if (k == C_LETTER || k == C_DIGIT || k == C_SPACE || k == C_PUNCT)
            return k;
    }
    return C_SPACE;
}

/* Whether @ $ ! | at s[i] is part of a word: a letter or digit follows, and a word is open
 * or, for $ | !, white space precedes and a letter follows. @ is not when a "." follows in
 * the same token (an e-mail address); that scan is remembered, so a token of many @ is
 * read once. */
static bool leet_here(struct norm *z, const uint8_t *s, size_t i, size_t n)
{
    uint8_t c = s[i];
    uint8_t next = next_visible(s, i + 1, n);
    if (z->wn == 0)
        return c != '@' && z->prev == P_SPACE && next == C_LETTER;
    if (next != C_LETTER && next != C_DIGIT)
        return false;
    if (c == '@') {
        if (i >= z->tok_end) {
            z->tok_dot = 0;
            size_t j = i + 1;
            for (; j < n && acls[s[j]] != C_SPACE; j++)
                if (s[j] == '.')
                    z->tok_dot = j;
            z->tok_end = j;
        }
        return z->tok_dot < i;
    }
    return true;
}

/* A folded code point (from utf8proc or a tag character): classify and feed it. */
static void feed_folded(struct norm *z, int32_t cp, uint8_t flags, size_t at, size_t end)
{
    if (cp < 0x80) {
        if (acls[cp] == C_LETTER) {
            struct wch e = {K_LETTER, S_LATIN, 0, flags, 1, {lower[cp]}};
            push(z, &e);
        } else
            ascii_other(z, (uint8_t)cp, false);
        return;
    }
    int idx = tab_index(cp);
    uint8_t cls = idx >= 0 ? tab[idx].cls : cls_of(cp);
    struct wch e = {0};
    utf8proc_ssize_t el = utf8proc_encode_char(cp, (utf8proc_uint8_t *)e.s);
    if (el <= 0)
        return;
    e.len = (uint8_t)el;
    switch (cls) {
    case C_LETTER:
        e.kind = K_LETTER;
        e.script = script_of(cp);
        e.look = idx >= 0 ? tab[idx].look : 0;
        e.flags = flags;
        push(z, &e);
        break;
    case C_DIGIT:
        e.kind = K_NUM;
        push(z, &e);
        break;
    case C_SPACE:
        space(z, ' ');
        break;
    case C_PUNCT:
        gap(z, e.s, e.len, false);
        break;
    case C_MARK:
        break;
    default:
        invisible(z, cls, at, end);
        break;
    }
}

/* A code point outside the table, at s[at..end). */
static void slow_char(struct norm *z, int32_t cp, size_t at, size_t end)
{
    if (cp >= 0xAC00 && cp <= 0xD7A3) { /* Hangul syllables stay composed */
        struct wch e = {K_LETTER, S_OTHER, 0, 0, 0, {0}};
        e.len = (uint8_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)e.s);
        push(z, &e);
        return;
    }
    bool styled = false;
    char ll = latin_look(cp, &styled);
    if (ll || (cp >= 0x1F1E6 && cp <= 0x1F1FF)) { /* regional indicators spell flags */
        struct wch e = {K_LETTER, S_LATIN, 0, styled ? W_STYLED : W_REGIONAL, 1, {0}};
        e.s[0] = ll;
        if (!ll)
            e.s[0] = (char)('a' + cp - 0x1F1E6);
        push(z, &e);
        return;
    }
    uint8_t cls = cls_of(cp);
    if (cls == C_TAG) {
        z->seen |= TEXT_OBF_INVISIBLE;
        if (cp >= 0xE0020 && cp <= 0xE007E) /* invisible ASCII: read what it hides */
            feed_folded(z, cp - 0xE0000, 0, at, end);
        return;
    }
    if (cls == C_MARK) /* an accent: stripped */
        return;
    if (cls > C_MARK) {
        invisible(z, cls, at, end);
        return;
    }
    utf8proc_int32_t d[32];
    utf8proc_ssize_t r = utf8proc_decompose_char(cp, d, 32, FOLD_OPTS, NULL);
    if (r < 0 || r > 32) /* no code point folds to more than 18 */
        return;
    uint8_t flags = styled_source(cp) ? W_STYLED : 0;
    for (utf8proc_ssize_t k = 0; k < r; k++)
        feed_folded(z, d[k], flags, at, end);
}

/* An ASCII word of letters only, at s[i..): written straight through when nothing in it or
 * just after it needs the word checks. Returns the end, or 0 to take the slow path. */
static size_t fast_word(struct norm *z, const uint8_t *s, size_t i, size_t n)
{
    size_t j = i + 1;
    while (j < n && acls[s[j]] == C_LETTER)
        j++;
    if (j - i < 2)
        return 0;
    if (j < n) {
        uint8_t t = acls[s[j]];
        if (t == C_DIGIT || t == C_NONASCII || t == C_INVIS)
            return 0;
        if (leet[s[j]] && j + 1 < n &&
            (acls[s[j + 1]] == C_LETTER || acls[s[j + 1]] == C_DIGIT ||
             acls[s[j + 1]] == C_NONASCII))
            return 0;
    }
    if (z->un)
        flush_units(z);
    put_lower(z, s + i, j - i);
    z->ctx = S_LATIN;
    z->prev = P_WORD;
    return j;
}

/* Copy the ASCII letters at the start of s[0..n) to o in lower case; return how many. o
 * has room for n + 16 bytes. */
static size_t letter_run(const uint8_t *s, size_t n, char *o)
{
    size_t j = 0;
#ifdef __SSE2__
    /* 16 at a time: x | 0x20 is the lower-case letter for letters, and letters are the
     * bytes whose x | 0x20 lies in 'a'..'z' (a signed compare after shifting 'a' to -128). */
    while (n - j >= 16) {
        __m128i x = _mm_or_si128(_mm_loadu_si128((const __m128i *)(s + j)), _mm_set1_epi8(0x20));
        __m128i t = _mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - 'a')));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(t, _mm_set1_epi8(-128 + 26)));
        _mm_storeu_si128((__m128i *)(o + j), x);
        if (m != 0xFFFF) {
            return j + (size_t)__builtin_ctz(~m);
        }
        j += 16;
    }
#endif
    for (; j < n && bcls[s[j]] == B_LETTER; j++)
        o[j] = lower[s[j]];
    return j;
}

/* The bulk path, taken while no word or single letters are pending: words of ASCII and
 * Latin-1 letters, numbers, white space and punctuation that needs no word checks go straight
 * to the stage. A word or number is taken only when a gap follows it, so it stops before
 * anything else (a digit or symbol beside letters, other non-ASCII, control bytes, a single
 * letter or digit that may start a spaced-out word, the end of its window) and the
 * character path reads that word whole. Returns where it stopped. */
static size_t bulk(struct norm *z, const uint8_t *s, size_t i, size_t n)
{
    if (STAGE - z->sl < 256)
        flush_stage(z);
    /* Output never outgrows the input here (ß -> ss is two bytes for two); letter_run may
     * write 16 bytes ahead. */
    size_t room = STAGE - 1 - 16 - z->sl;
    size_t end = n - i < room ? n : i + room;
    char *o = z->stage;
    size_t k0 = z->sl, k = k0, j = i;
    bool sp = z->space, latin = false;
    uint8_t prev = z->prev;
    while (j < end) {
        uint8_t b = bcls[s[j]];
        if (b == B_SPACE) {
            sp = z->any || k > k0;
            prev = P_SPACE;
            j++;
            continue;
        }
        bool sym_gap =
            b == B_SYM && (j + 1 == n || bcls[s[j + 1]] == B_SPACE || bcls[s[j + 1]] == B_PUNCT);
        if (b == B_PUNCT || sym_gap) {
            if (sp)
                o[k++] = ' ';
            sp = false;
            o[k++] = (char)s[j++];
            prev = P_PUNCT;
            continue;
        }
        if (b != B_LETTER && b != B_C3 && b != B_DIGIT)
            break;
        /* A word of letters, or a number. */
        size_t w_in = j, w_out = k, chars = 0;
        if (sp)
            o[k++] = ' ';
        if (b == B_DIGIT) {
            for (; j < end && bcls[s[j]] == B_DIGIT; j++, chars++)
                o[k++] = (char)s[j];
        } else {
            for (;;) {
                size_t r = letter_run(s + j, end - j, o + k);
                j += r;
                k += r;
                chars += r;
                if (j + 1 >= end || bcls[s[j]] != B_C3 || (s[j + 1] & 0xC0) != 0x80)
                    break;
                const struct nf *e = &tab[0xC0 | (s[j + 1] & 0x3F)]; /* U+00C0..U+00FF */
                if (e->cls != C_LETTER || e->len > 2)
                    break;
                memcpy(o + k, e->s, e->len);
                k += e->len;
                j += 2;
                chars++;
            }
        }
        /* Taken only when whole: a gap (or the end of the input) follows. A single letter is
         * taken when a space and a longer word follow ("I want"): it spells nothing out. */
        uint8_t t = j < n ? bcls[s[j]] : B_SPACE;
        bool whole = (j < end || j == n) &&
                     (t == B_SPACE || t == B_PUNCT ||
                      (t == B_SYM &&
                       (j + 1 == n || bcls[s[j + 1]] == B_SPACE || bcls[s[j + 1]] == B_PUNCT))) &&
                     (chars >= 2 || (b != B_DIGIT && j + 2 < n && s[j] == ' ' &&
                                     bcls[s[j + 1]] == B_LETTER && bcls[s[j + 2]] == B_LETTER));
        if (!whole) {
            j = w_in;
            k = w_out;
            break;
        }
        sp = false;
        latin |= b != B_DIGIT;
        prev = P_WORD;
    }
    z->prev = prev;
    z->any |= k > k0;
    z->sl = k;
    z->space = sp;
    if (latin)
        z->ctx = S_LATIN;
    return j;
}

/* Decode the UTF-8 character at s[0..n) (n >= 1) into *cp; its length, or <= 0 when the bytes
 * are not UTF-8. Two- and three-byte characters (Latin, Greek, Cyrillic, punctuation, CJK)
 * are decoded here with utf8proc's rules (no overlong forms, no surrogates); the rest by
 * utf8proc. */
static utf8proc_ssize_t decode_utf8(const uint8_t *s, size_t n, utf8proc_int32_t *cp)
{
    if (s[0] >= 0xC2 && s[0] <= 0xDF && n >= 2 && (s[1] & 0xC0) == 0x80) {
        *cp = (s[0] & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if ((s[0] & 0xF0) == 0xE0 && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        int32_t c = (s[0] & 0x0F) << 12 | (s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))
            return -1;
        *cp = c;
        return 3;
    }
    return utf8proc_iterate(s, n < 4 ? (utf8proc_ssize_t)n : 4, cp);
}

static size_t step_nonascii(struct norm *z, const uint8_t *s, size_t i, size_t n)
{
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = decode_utf8(s + i, n - i, &cp);
    if (len <= 0) { /* not UTF-8: dropped like an invisible character */
        invisible(z, C_INVIS, i, i + 1);
        return i + 1;
    }
    size_t end = i + (size_t)len;
    int idx = tab_index(cp);
    const struct nf *e = idx >= 0 ? &tab[idx] : NULL;
    if (!e || (e->len == NOT_FAST && e->cls < C_MARK)) {
        slow_char(z, cp, i, end);
        return end;
    }
    switch (e->cls) {
    case C_LETTER:
    case C_DIGIT: {
        struct wch w = {K_LETTER, e->script, e->look, e->flags, e->len, {0}};
        memcpy(w.s, e->s, e->len);
        if (e->cls == C_DIGIT)
            w.kind = e->len == 1 && e->s[0] >= '0' && e->s[0] <= '9' ? K_DIGIT : K_NUM;
        push(z, &w);
        break;
    }
    case C_SPACE:
        space(z, ' ');
        break;
    case C_PUNCT:
        gap(z, e->s, e->len, false);
        break;
    case C_MARK:
        break;
    default:
        invisible(z, e->cls, i, end);
        break;
    }
    return end;
}

ag_err text_normalize(const char *p, size_t n, struct buf *out, unsigned *seen)
{
    pthread_once(&tab_once, tab_init);
    struct norm *z, zs;
    z = &zs;
    z->out = out;
    z->err = AG_OK;
    z->seen = 0;
    z->any = z->space = false;
    z->prev = P_SPACE;
    z->ctx = S_NONE;
    z->vs_end = SIZE_MAX;
    z->tok_end = z->tok_dot = 0;
    z->wn = z->un = z->gl = z->sl = 0;
    size_t len0 = out->len;
    const uint8_t *s = (const uint8_t *)p;
    size_t i = 0;
    while (i < n && z->err == AG_OK) {
        if (z->wn == 0 && z->un == 0) {
            size_t j = bulk(z, s, i, n);
            if (j != i) {
                i = j;
                continue;
            }
        }
        uint8_t c = s[i];
        uint8_t k = acls[c];
        if (k == C_LETTER) {
            size_t j = z->wn == 0 ? fast_word(z, s, i, n) : 0;
            if (j) {
                i = j;
                continue;
            }
            push_ascii(z, K_LETTER, lower[c]);
            i++;
        } else if (k == C_NONASCII) {
            i = step_nonascii(z, s, i, n);
        } else if (k == C_INVIS) {
            invisible(z, C_INVIS, i, i + 1);
            i++;
        } else {
            ascii_other(z, c, leet[c & 0x7F] && leet_here(z, s, i, n));
            i++;
        }
    }
    word_end(z);
    if (z->un)
        flush_units(z);
    flush_stage(z);
    if (z->err != AG_OK) {
        out->len = len0;
        if (out->p)
            out->p[len0] = '\0';
        return z->err;
    }
    if (seen)
        *seen |= z->seen;
    return AG_OK;
}

const char *text_obf_name(enum text_obf bit)
{
    switch (bit) {
    case TEXT_OBF_INVISIBLE:
        return "invisible characters";
    case TEXT_OBF_HOMOGLYPH:
        return "look-alike letters";
    case TEXT_OBF_LEET:
        return "leetspeak";
    case TEXT_OBF_SPACED:
        return "spaced-out letters";
    case TEXT_OBF_BASE64:
        return "base64";
    case TEXT_OBF_HEX:
        return "hex";
    case TEXT_OBF_URL:
        return "URL encoding";
    case TEXT_OBF_ROT13:
        return "rot13";
    default:
        return "";
    }
}

/* ---- text_decode_embedded ---------------------------------------------------------------- */

void text_rot13(const char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if ((c >= 'a' && c <= 'm') || (c >= 'A' && c <= 'M'))
            c = (char)(c + 13);
        else if ((c >= 'n' && c <= 'z') || (c >= 'N' && c <= 'Z'))
            c = (char)(c - 13);
        out[i] = c;
    }
}

/* Shortest runs worth decoding: 16 base64 characters are 12 bytes of text. */
#define MIN_B64   16
#define MIN_HEX   16 /* hex digits; a dump needs MIN_HEX / 2 pairs */
#define MIN_PCT   3  /* %XX escapes in one token */
#define MIN_ROT   24 /* letters in a stretch read as rot13 without a cue */
#define MAX_DEPTH 2  /* encodings inside encodings */

/* rot13 evidence per letter: 16 * ln(p(rot13(c)) / p(c)) with p the mean of English and
 * German letter frequencies. Messages as written average about -11 a letter, rot13'd +11.
 * A stretch needs a mean of ROT_SCORE: on 6,713 customer-support (en) and GermEval (de)
 * messages that finds two stretches in plain text (football reports, rich in k, v, z) and
 * 98.8% of the messages rot13'd (those with MIN_ROT letters or more). Such false hits are
 * runs of rare letters: their rot13 is noise, which the caller's scan ignores. */
static const int8_t rot_llr[26] = {2,  18,  -12, -71, -13, 20,  18,  -7, -32, 37,  -40, -21, -23,
                                   -2, -18, 12,  71,  13,  -20, -18, 7,  32,  -37, 40,  21,  23};
#define ROT_SCORE 4

struct dec {
    text_decoded_cb cb;
    void *ctx;
    unsigned what;   /* the encodings searched: enum text_obf bits */
    bool force_walk; /* tests: walk even where the plan says no walk is needed */
    char *mem;       /* every decoded segment, kept until the call returns (nested scans) */
    size_t max, used, cap;
    ag_err err;
    bool stop;
};

static int8_t b64v[256], hexv[256];
static int8_t rotv[256]; /* rot_llr of an ASCII letter, else ROT_GAP */
#define ROT_GAP INT8_MIN
static pthread_once_t dec_once = PTHREAD_ONCE_INIT;

static void dec_init(void)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(b64v, -1, sizeof(b64v));
    memset(hexv, -1, sizeof(hexv));
    for (int i = 0; i < 64; i++)
        b64v[(unsigned char)b64[i]] = (int8_t)i;
    b64v['-'] = 62; /* the URL-safe alphabet */
    b64v['_'] = 63;
    for (int i = 0; i < 16; i++)
        hexv[(unsigned char)"0123456789abcdef"[i]] = hexv[(unsigned char)"0123456789ABCDEF"[i]] =
            (int8_t)i;
    for (int c = 0; c < 256; c++) {
        int letter = (c | 0x20) - 'a';
        rotv[c] = ROT_GAP;
        if (c < 0x80 && letter >= 0 && letter < 26)
            rotv[c] = rot_llr[letter];
    }
}

static bool alnum_byte(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Space for need bytes after the segments kept so far, or NULL (and the search stops) when
 * the budget is spent or memory is short. */
static char *room(struct dec *d, size_t need)
{
    if (need > d->max - d->used || need > d->cap - d->used) {
        d->err = AG_ETOOBIG;
        d->stop = true;
        return NULL;
    }
    if (!d->mem && !(d->mem = malloc(d->cap ? d->cap : 1))) {
        d->err = AG_ENOMEM;
        d->stop = true;
        return NULL;
    }
    return d->mem + d->used;
}

/* Mostly printable UTF-8: at most 1 in 10 characters invalid or control, and at least half
 * of them letters, digits or white space. Random bytes fail on both counts. */
static bool readable(const char *p, size_t n)
{
    const uint8_t *s = (const uint8_t *)p;
    size_t chars = 0, bad = 0, good = 0;
    for (size_t i = 0; i < n && bad * 10 <= n;) {
        chars++;
        if (s[i] < 0x80) {
            uint8_t k = acls[s[i++]];
            bad += k == C_INVIS;
            good += k == C_LETTER || k == C_DIGIT || k == C_SPACE;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t len =
            utf8proc_iterate(s + i, n - i < 4 ? (utf8proc_ssize_t)(n - i) : 4, &cp);
        if (len <= 0) {
            bad++;
            i++;
            continue;
        }
        i += (size_t)len;
        uint8_t k = cls_of(cp);
        bad += k == C_INVIS || cp == 0xFFFD || utf8proc_category(cp) == UTF8PROC_CATEGORY_CN;
        good += k == C_LETTER || k == C_DIGIT || k == C_SPACE;
    }
    return chars > 0 && bad * 10 <= chars && good * 2 >= chars;
}

static void scan(struct dec *d, const char *p, size_t n, int depth, unsigned parent);

/* A decoded segment o[0..n), already in d->mem: keep it, report it, search inside it. */
static void found(struct dec *d, enum text_obf how, const char *o, size_t n, int depth)
{
    d->used += n;
    if (!d->cb(d->ctx, how, o, n)) {
        d->stop = true;
        return;
    }
    if (depth + 1 < MAX_DEPTH)
        scan(d, o, n, depth + 1, how);
}

static bool try_b64(struct dec *d, const uint8_t *s, size_t n, int depth)
{
    if (n % 4 == 1) /* a last lone character holds no whole byte */
        n--;
    size_t need = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
    char *o = room(d, need);
    if (!o)
        return false;
    size_t k = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc = acc << 6 | (uint32_t)b64v[s[i]];
        if (i % 4 == 3) {
            o[k++] = (char)(acc >> 16);
            o[k++] = (char)(acc >> 8);
            o[k++] = (char)acc;
            acc = 0;
        }
    }
    if (n % 4 == 2) {
        o[k++] = (char)(acc >> 4);
    } else if (n % 4 == 3) {
        o[k++] = (char)(acc >> 10);
        o[k++] = (char)(acc >> 2);
    }
    if (!readable(o, k))
        return false;
    found(d, TEXT_OBF_BASE64, o, k, depth);
    return true;
}

/* Hex digit pairs s[i], s[i + 1] for each i in at[0..pairs), decoded and checked. */
static bool try_hex_pairs(struct dec *d, const uint8_t *s, const size_t *at, size_t pairs,
                          int depth)
{
    char *o = room(d, pairs);
    if (!o)
        return false;
    for (size_t k = 0; k < pairs; k++)
        o[k] = (char)(hexv[s[at[k]]] << 4 | hexv[s[at[k] + 1]]);
    if (!readable(o, pairs))
        return false;
    found(d, TEXT_OBF_HEX, o, pairs, depth);
    return true;
}

/* A run of hex digits, "0x" allowed before it. */
static bool try_hex_run(struct dec *d, const uint8_t *s, size_t n, int depth)
{
    if (n >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
        s += 2;
        n -= 2;
    }
    if (n < MIN_HEX || n % 2)
        return false;
    for (size_t i = 0; i < n; i++)
        if (hexv[s[i]] < 0)
            return false;
    char *o = room(d, n / 2);
    if (!o)
        return false;
    for (size_t k = 0; k < n / 2; k++)
        o[k] = (char)(hexv[s[2 * k]] << 4 | hexv[s[2 * k + 1]]);
    if (!readable(o, n / 2))
        return false;
    found(d, TEXT_OBF_HEX, o, n / 2, depth);
    return true;
}

/* A hex dump at s[i]: pairs with one prefix ("\x", "0x" or none) and one separator (none
 * with a prefix, else one of " ,:-;" with an optional space). Returns its end, or 0. */
static size_t try_hex_dump(struct dec *d, const uint8_t *s, size_t i, size_t n, int depth)
{
    size_t pre = 0;
    if (i + 1 < n && ((s[i] == '\\' && s[i + 1] == 'x') || (s[i] == '0' && s[i + 1] == 'x')))
        pre = 2;
    size_t j = i + pre;
    if (j + 2 > n || hexv[s[j]] < 0 || hexv[s[j + 1]] < 0 || (j + 2 < n && alnum_byte(s[j + 2])))
        return 0;
    /* The separator is what follows the first pair. */
    size_t sep = 0;
    while (j + 2 + sep < n && sep < 2 && strchr(" ,:-;", s[j + 2 + sep]) && s[j + 2 + sep] &&
           (sep == 0 || s[j + 2 + sep] == ' '))
        sep++;
    if (sep == 0 && pre == 0)
        return 0;
    size_t at[256], pairs = 0, end = j + 2;
    at[pairs++] = j;
    for (size_t k = end; pairs < sizeof(at) / sizeof(at[0]);) {
        if (k + sep + pre + 2 > n || memcmp(s + k, s + j + 2, sep) != 0 ||
            memcmp(s + k + sep, s + i, pre) != 0)
            break;
        size_t q = k + sep + pre;
        if (hexv[s[q]] < 0 || hexv[s[q + 1]] < 0 || (q + 2 < n && alnum_byte(s[q + 2])))
            break;
        at[pairs++] = q;
        k = end = q + 2;
    }
    if (pairs < MIN_HEX / 2 || !try_hex_pairs(d, s, at, pairs, depth))
        return 0;
    return end;
}

/* A run of base64 alphabet characters: hex if it is all hex digits, else base64 whole or,
 * failing that, each part between slashes (a path before the payload misaligns it). */
static void try_run(struct dec *d, const uint8_t *s, size_t n, int depth)
{
    if (try_hex_run(d, s, n, depth) || d->stop || try_b64(d, s, n, depth) || d->stop)
        return;
    if (!memchr(s, '/', n))
        return;
    for (size_t a = 0, b = 0; b <= n && !d->stop; b++) {
        if (b < n && s[b] != '/')
            continue;
        if (b - a >= MIN_B64 && b - a < n)
            try_b64(d, s + a, b - a, depth);
        a = b + 1;
    }
}

static void scan_url(struct dec *d, const uint8_t *s, size_t n, int depth)
{
    size_t pct = 0;
    for (const uint8_t *q = s; (q = memchr(q, '%', n - (size_t)(q - s))) != NULL; q++)
        pct++;
    if (pct < MIN_PCT)
        return;
    for (size_t a = 0; a < n && !d->stop;) {
        size_t b = a, esc = 0;
        while (b < n && acls[s[b]] != C_SPACE) {
            if (s[b] == '%' && b + 2 < n && hexv[s[b + 1]] >= 0 && hexv[s[b + 2]] >= 0) {
                esc++;
                b += 3;
            } else {
                b++;
            }
        }
        if (esc >= MIN_PCT) {
            char *o = room(d, b - a);
            if (!o)
                return;
            size_t k = 0;
            for (size_t i = a; i < b; i++) {
                if (s[i] == '%' && i + 2 < b + 1 && i + 2 < n && hexv[s[i + 1]] >= 0 &&
                    hexv[s[i + 2]] >= 0) {
                    o[k++] = (char)(hexv[s[i + 1]] << 4 | hexv[s[i + 2]]);
                    i += 2;
                } else {
                    o[k++] = (char)(s[i] == '+' ? ' ' : s[i]);
                }
            }
            found(d, TEXT_OBF_URL, o, k, depth);
        }
        a = b + 1;
    }
}

/* Whether the word s[w..e) of ASCII letters, with the text around it, names the cipher:
 * rot13, rot-13, rot 13, rot_13, ebg13 (rot13 in rot13), caesar, cäsar. The writer wants the
 * text decoded. */
static bool rot_cue(const uint8_t *s, size_t n, size_t w, size_t e)
{
    if (e - w == 3 && ((lower[s[w]] == 'r' && lower[s[w + 1]] == 'o' && lower[s[w + 2]] == 't') ||
                       (lower[s[w]] == 'e' && lower[s[w + 1]] == 'b' && lower[s[w + 2]] == 'g'))) {
        size_t k = e + (e < n && (s[e] == '-' || s[e] == ' ' || s[e] == '_'));
        return k + 2 <= n && s[k] == '1' && s[k + 1] == '3';
    }
    if (e - w == 6)
        return lower[s[w]] == 'c' && lower[s[w + 1]] == 'a' && lower[s[w + 2]] == 'e' &&
               lower[s[w + 3]] == 's' && lower[s[w + 4]] == 'a' && lower[s[w + 5]] == 'r';
    /* "sar" after "cä" or "cÄ" */
    return e - w == 3 && w >= 3 && lower[s[w]] == 's' && lower[s[w + 1]] == 'a' &&
           lower[s[w + 2]] == 'r' && lower[s[w - 3]] == 'c' && s[w - 2] == 0xC3 &&
           (s[w - 1] == 0xA4 || s[w - 1] == 0x84);
}

/* The search for a rot13 stretch: the run of whole words with the most rot13 evidence
 * (maximum subarray over words), or the whole text once a word names the cipher. */
struct rot {
    long cur, best;
    size_t cur_a, cur_letters, a, b, best_letters;
    bool cue;
};

/* Word s[w..e) of ASCII letters, with rot13 evidence sc. */
static inline void rot_word(struct rot *r, const uint8_t *s, size_t n, size_t w, size_t e, long sc)
{
    if (r->cur <= 0) {
        r->cur = sc;
        r->cur_a = w;
        r->cur_letters = e - w;
    } else {
        r->cur += sc;
        r->cur_letters += e - w;
    }
    if (r->cur > r->best) {
        r->best = r->cur;
        r->a = r->cur_a;
        r->b = e;
        r->best_letters = r->cur_letters;
    }
    if ((e - w == 3 || e - w == 6) && rot_cue(s, n, w, e))
        r->cue = true;
}

static void rot_found(struct dec *d, const uint8_t *s, size_t n, int depth, const struct rot *r)
{
    size_t a = r->cue ? 0 : r->a, b = r->cue ? n : r->b;
    if (!r->cue && (r->best_letters < MIN_ROT || r->best < (long)(ROT_SCORE * r->best_letters)))
        return;
    char *o = b > a ? room(d, b - a) : NULL;
    if (!o)
        return;
    text_rot13((const char *)s + a, b - a, o);
    found(d, TEXT_OBF_ROT13, o, b - a, depth);
}

/* ---- the plan: what can the walk find here? ----
 * Without the rot13 search (a caller that finds rot13 another way), the walk below only
 * decodes base64 and hex, and those need, in the text: a run of MIN_B64 base64 characters
 * (try_run), or MIN_HEX / 2 pairs of a dump: written "\\x69" / "0x69" (that many prefixes),
 * or bare, where every pair but the last is a whole token followed by one of " ,:;-" (that
 * many less one). Bitmaps of 64 bytes, built 16 bytes at a time with SSE2, count these
 * exactly: where no dump is possible, the walk would only try each run of MIN_B64 or more,
 * so those runs are tried directly (found from the bitmaps, each read once more byte by
 * byte), and a text without one is not walked at all. On chat text the walk cost as much
 * as the rest of the injection scan. Without SSE2 the walk always runs. */
#ifdef __SSE2__
/* Bytes of x in [lo, hi], as 0xFF. */
static inline __m128i in_range(__m128i x, int lo, int hi)
{
    __m128i t = _mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - lo)));
    return _mm_cmplt_epi8(t, _mm_set1_epi8((char)(hi - lo + 1 - 0x80)));
}

static inline __m128i eq8(__m128i x, int c)
{
    return _mm_cmpeq_epi8(x, _mm_set1_epi8((char)c));
}

/* One 64-bit word per class for 64 bytes of text. */
struct classes {
    uint64_t b64, hex, alnum, sep, x, prefix;
};

static void classify64(const uint8_t *s, size_t n, struct classes *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t k = 0; k < 64 && k < n; k += 16) {
        uint8_t tmp[16] = {0};
        const uint8_t *q = s + k;
        if (n - k < 16) { /* the end: bytes past it read as 0, in no class */
            memcpy(tmp, q, n - k);
            q = tmp;
        }
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
        __m128i digit = in_range(x, '0', '9'), caps = in_range(x, 'A', 'Z');
        __m128i smalls = in_range(x, 'a', 'z');
        __m128i alnum = _mm_or_si128(digit, _mm_or_si128(caps, smalls));
        __m128i b64 =
            _mm_or_si128(_mm_or_si128(alnum, eq8(x, '+')),
                         _mm_or_si128(_mm_or_si128(eq8(x, '/'), eq8(x, '_')), eq8(x, '-')));
        __m128i hex = _mm_or_si128(digit, in_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 'f'));
        __m128i sep =
            _mm_or_si128(_mm_or_si128(eq8(x, ' '), eq8(x, ',')),
                         _mm_or_si128(_mm_or_si128(eq8(x, ':'), eq8(x, ';')), eq8(x, '-')));
#define BITS(v) ((uint64_t)(unsigned)_mm_movemask_epi8(v) << k)
        c->b64 |= BITS(b64);
        c->hex |= BITS(hex);
        c->alnum |= BITS(alnum);
        c->sep |= BITS(sep);
        c->x |= BITS(eq8(x, 'x'));
        c->prefix |= BITS(_mm_or_si128(eq8(x, '\\'), eq8(x, '0')));
#undef BITS
    }
}

/* v shifted towards later bytes by k (1..63): bit i gets byte i - k, from prev before. */
static inline uint64_t back(uint64_t v, uint64_t prev, unsigned k)
{
    return v << k | prev >> (64 - k);
}

_Static_assert(MIN_B64 == 16, "the run test below spans 16 bytes (four doublings)");

enum plan { PLAN_NONE, PLAN_RUNS, PLAN_WALK };

/* The plan for s[0..n); for PLAN_RUNS, bit i of ends[b] marks a byte of block b that ends
 * 16 run bytes in a row. */
static enum plan b64_hex_plan(const uint8_t *s, size_t n, uint64_t *ends)
{
    struct classes prev = {0};
    uint64_t a1p = 0, a2p = 0, a4p = 0; /* the last block's steps of the window AND */
    size_t pairs = 0, prefixed = 0;
    bool runs = false;
    for (size_t at = 0; at < n; at += 64) {
        struct classes c;
        classify64(s + at, n - at, &c);
        /* after four doublings, a8 bit i: bytes i - 15 .. i all belong to a run */
        uint64_t a1 = c.b64 & back(c.b64, prev.b64, 1), a2 = a1 & back(a1, a1p, 2);
        uint64_t a4 = a2 & back(a2, a2p, 4), a8 = a4 & back(a4, a4p, 8);
        ends[at / 64] = a8;
        runs |= a8 != 0;
        /* a separator after a pair that is a whole token; "x" after "\\" or "0" */
        uint64_t pair_end = c.sep & back(c.hex, prev.hex, 1) & back(c.hex, prev.hex, 2) &
                            ~back(c.alnum, prev.alnum, 3);
        pairs += (size_t)__builtin_popcountll(pair_end);
        prefixed += (size_t)__builtin_popcountll(c.x & back(c.prefix, prev.prefix, 1));
        if (pairs >= MIN_HEX / 2 - 1 || prefixed >= MIN_HEX / 2)
            return PLAN_WALK;
        prev = c;
        a1p = a1, a2p = a2, a4p = a4;
    }
    return runs ? PLAN_RUNS : PLAN_NONE;
}

/* Try each run of MIN_B64 or more base64 characters, in text order, as the walk does where
 * no dump can be. */
static void try_long_runs(struct dec *d, const uint8_t *s, size_t n, int depth,
                          const uint64_t *ends)
{
    size_t done = 0; /* the runs before this were tried */
    for (size_t b = 0; b * 64 < n && !d->stop; b++)
        for (uint64_t m = ends[b]; m && !d->stop; m &= m - 1) {
            size_t i = b * 64 + (size_t)__builtin_ctzll(m);
            if (i < done)
                continue;
            size_t a = i - 15, e = i + 1; /* bytes i - 15 .. i are run bytes */
            while (a > 0 && b64v[s[a - 1]] >= 0)
                a--;
            while (e < n && b64v[s[e]] >= 0)
                e++;
            try_run(d, s + a, e - a, depth);
            done = e;
        }
}
#endif

/* One pass finds base64 runs and hex dumps and scores the letters for rot13; URL escapes
 * are counted apart (memchr). Each byte costs one or two table lookups. */
static void scan(struct dec *d, const char *p, size_t n, int depth, unsigned parent)
{
    const uint8_t *s = (const uint8_t *)p;
    struct rot r = {0};
    const bool b64hex = d->what & (TEXT_OBF_BASE64 | TEXT_OBF_HEX);
    size_t walk = b64hex || (d->what & TEXT_OBF_ROT13) ? n : 0;
#ifdef __SSE2__
    if (b64hex && !(d->what & TEXT_OBF_ROT13) && !d->force_walk && n > 0) {
        uint64_t stack[64]; /* texts up to 4 KB */
        uint64_t *ends = n <= sizeof(stack) * 8 ? stack : malloc((n + 63) / 64 * sizeof(*ends));
        if (!ends) {
            d->err = AG_ENOMEM;
            d->stop = true;
            return;
        }
        enum plan plan = b64_hex_plan(s, n, ends);
        if (plan == PLAN_RUNS)
            try_long_runs(d, s, n, depth, ends);
        if (ends != stack)
            free(ends);
        if (plan != PLAN_WALK)
            walk = 0;
    }
#endif
    for (size_t i = 0; i < walk && !d->stop;) {
        if (b64v[s[i]] < 0) {
            /* "\x69\x67...": the only hex dump that starts outside a base64 run. */
            size_t e = s[i] == '\\' && b64hex ? try_hex_dump(d, s, i, n, depth) : 0;
            i = e ? e : i + 1;
            continue;
        }
        /* A base64 run. Its letters are words for rot13 (digits and + / - _ end them), but
         * only in a run too short to be base64: letters of encoded data score at random. */
        size_t j = i, nw = 0, ws[MIN_B64 + 1], we[MIN_B64 + 1];
        long wsc[MIN_B64 + 1];
        if (rotv[s[j]] != ROT_GAP) { /* the common case: a plain word */
            long sc = 0;
            int8_t v;
            while (j < n && (v = rotv[s[j]]) != ROT_GAP) {
                sc += v;
                j++;
            }
            if ((j == n || b64v[s[j]] < 0) && j - i != 2) { /* 2: maybe a hex pair ("ab cd") */
                if (j - i < MIN_B64)
                    rot_word(&r, s, n, i, j, sc);
                else
                    r.cur = 0;
                if (j - i >= MIN_B64 && b64hex)
                    try_run(d, s + i, j - i, depth);
                i = j;
                continue;
            }
            j = i;
        }
        for (;;) {
            size_t w = j;
            long sc = 0;
            int8_t v;
            while (j < n && (v = rotv[s[j]]) != ROT_GAP) {
                sc += v;
                j++;
            }
            if (j > w && nw <= MIN_B64) {
                ws[nw] = w;
                we[nw] = j;
                wsc[nw++] = sc;
            }
            if (j >= n || b64v[s[j]] < 0)
                break;
            j++; /* a digit or + / - _ */
        }
        if (j - i >= MIN_B64) {
            r.cur = 0; /* and it breaks a stretch */
        } else {
            for (size_t k = 0; k < nw; k++)
                rot_word(&r, s, n, ws[k], we[k], wsc[k]);
        }
        /* A hex dump starts with a pair and a separator ("69 67", "69-67") or with "0x". */
        bool dump = ((j - i == 2 || (j - i > 2 && s[i + 2] == '-')) && i + 2 < n &&
                     hexv[s[i]] >= 0 && hexv[s[i + 1]] >= 0 && (i == 0 || !alnum_byte(s[i - 1]))) ||
                    (j - i == 4 && i + 4 < n && s[i] == '0' && s[i + 1] == 'x');
        size_t e = dump && b64hex ? try_hex_dump(d, s, i, n, depth) : 0;
        if (e) {
            i = e;
            continue;
        }
        if (j - i >= MIN_B64 && b64hex)
            try_run(d, s + i, j - i, depth);
        i = j;
    }
    if (!d->stop && (d->what & TEXT_OBF_URL))
        scan_url(d, s, n, depth);
    /* rot13 twice is the text again */
    if (!d->stop && (d->what & TEXT_OBF_ROT13) && parent != TEXT_OBF_ROT13)
        rot_found(d, s, n, depth, &r);
}

ag_err text_decode_embedded(const char *p, size_t n, size_t max_out, unsigned what,
                            text_decoded_cb cb, void *ctx)
{
    pthread_once(&tab_once, tab_init);
    pthread_once(&dec_once, dec_init);
    /* Segments found in a text decode to at most 3 times its size (base64 or hex, URL and
     * rot13 of the same bytes), so two levels need at most 12 n, plus n for a candidate. */
    size_t cap = n <= (SIZE_MAX - 64) / 13 ? 13 * n + 64 : SIZE_MAX;
    struct dec d = {cb,    ctx,  what, false, NULL, max_out, 0, cap < max_out ? cap : max_out,
                    AG_OK, false};
    scan(&d, p, n, 0, 0);
    free(d.mem);
    return d.err;
}
