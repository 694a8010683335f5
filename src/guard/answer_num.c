// SPDX-License-Identifier: MIT
/*
 * guard/answer_num.c: the numbers of a text with their units, for the answer checker.
 * Digits are found by a byte scan (German and English separators, dates and times kept
 * literal), number words through text_words(); the unit is the symbol or word right
 * after a number (or a currency right before it) and is converted to its class's base
 * (weeks to days, years to months, g to kg, cm to mm). Ranges pass the unit after them
 * to their first end. THREADS: reentrant. OWNERSHIP: the caller's out array; a word list
 * is malloc'd and freed inside each call.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard/answer.h"

#define NUM_WORD_MAX 24

struct nword {
    size_t start, end;
    char f[NUM_WORD_MAX]; /* folded, NUL-terminated, cut at NUM_WORD_MAX - 1 bytes */
};

struct nwords {
    struct nword *w;
    size_t n, cap;
    bool oom;
};

static bool collect(void *ctx, const char *w, size_t n, size_t start, size_t end)
{
    struct nwords *ws = ctx;
    struct nword *grown = ag_grow(ws->w, &ws->cap, ws->n, sizeof(*ws->w));
    if (!grown) {
        ws->oom = true;
        return false;
    }
    ws->w = grown;
    struct nword *x = &ws->w[ws->n++];
    x->start = start;
    x->end = end;
    size_t k = n < NUM_WORD_MAX - 1 ? n : NUM_WORD_MAX - 1;
    memcpy(x->f, w, k);
    x->f[k] = '\0';
    return true;
}

/* The word starting at byte off, or NULL. */
static const struct nword *word_at(const struct nwords *ws, size_t off)
{
    size_t lo = 0, hi = ws->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ws->w[mid].start < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ws->n && ws->w[lo].start == off ? &ws->w[lo] : NULL;
}

/* The word ending at byte off, or NULL. */
static const struct nword *word_ending(const struct nwords *ws, size_t off)
{
    for (size_t lo = 0, hi = ws->n; lo < hi;) {
        size_t mid = lo + (hi - lo) / 2;
        if (ws->w[mid].end < off)
            lo = mid + 1;
        else if (ws->w[mid].end > off)
            hi = mid;
        else
            return &ws->w[mid];
    }
    return NULL;
}

struct unit_def {
    const char *word;
    enum answer_unit unit;
    double factor;
};

/* Folded unit words; a word not here that is short (W, mAh, GB) is ANSWER_UNIT_OTHER. */
static const struct unit_def units[] = {
    {"eur", ANSWER_UNIT_CURRENCY, 1},
    {"euro", ANSWER_UNIT_CURRENCY, 1},
    {"euros", ANSWER_UNIT_CURRENCY, 1},
    {"usd", ANSWER_UNIT_CURRENCY, 1},
    {"dollar", ANSWER_UNIT_CURRENCY, 1},
    {"dollars", ANSWER_UNIT_CURRENCY, 1},
    {"chf", ANSWER_UNIT_CURRENCY, 1},
    {"franken", ANSWER_UNIT_CURRENCY, 1},
    {"gbp", ANSWER_UNIT_CURRENCY, 1},
    {"pfund", ANSWER_UNIT_CURRENCY, 1},
    {"cent", ANSWER_UNIT_CURRENCY, 0.01},
    {"cents", ANSWER_UNIT_CURRENCY, 0.01},
    {"ct", ANSWER_UNIT_CURRENCY, 0.01},
    {"prozent", ANSWER_UNIT_PERCENT, 1},
    {"percent", ANSWER_UNIT_PERCENT, 1},
    {"tag", ANSWER_UNIT_DAYS, 1},
    {"tage", ANSWER_UNIT_DAYS, 1},
    {"tagen", ANSWER_UNIT_DAYS, 1},
    {"tages", ANSWER_UNIT_DAYS, 1},
    {"werktag", ANSWER_UNIT_DAYS, 1},
    {"werktage", ANSWER_UNIT_DAYS, 1},
    {"werktagen", ANSWER_UNIT_DAYS, 1},
    {"arbeitstag", ANSWER_UNIT_DAYS, 1},
    {"arbeitstage", ANSWER_UNIT_DAYS, 1},
    {"arbeitstagen", ANSWER_UNIT_DAYS, 1},
    {"kalendertage", ANSWER_UNIT_DAYS, 1},
    {"kalendertagen", ANSWER_UNIT_DAYS, 1},
    {"day", ANSWER_UNIT_DAYS, 1},
    {"days", ANSWER_UNIT_DAYS, 1},
    {"woche", ANSWER_UNIT_DAYS, 7},
    {"wochen", ANSWER_UNIT_DAYS, 7},
    {"week", ANSWER_UNIT_DAYS, 7},
    {"weeks", ANSWER_UNIT_DAYS, 7},
    {"monat", ANSWER_UNIT_MONTHS, 1},
    {"monate", ANSWER_UNIT_MONTHS, 1},
    {"monaten", ANSWER_UNIT_MONTHS, 1},
    {"monats", ANSWER_UNIT_MONTHS, 1},
    {"month", ANSWER_UNIT_MONTHS, 1},
    {"months", ANSWER_UNIT_MONTHS, 1},
    {"jahr", ANSWER_UNIT_MONTHS, 12},
    {"jahre", ANSWER_UNIT_MONTHS, 12},
    {"jahren", ANSWER_UNIT_MONTHS, 12},
    {"jahres", ANSWER_UNIT_MONTHS, 12},
    {"year", ANSWER_UNIT_MONTHS, 12},
    {"years", ANSWER_UNIT_MONTHS, 12},
    {"stunde", ANSWER_UNIT_HOURS, 1},
    {"stunden", ANSWER_UNIT_HOURS, 1},
    {"std", ANSWER_UNIT_HOURS, 1},
    {"h", ANSWER_UNIT_HOURS, 1},
    {"hour", ANSWER_UNIT_HOURS, 1},
    {"hours", ANSWER_UNIT_HOURS, 1},
    {"hrs", ANSWER_UNIT_HOURS, 1},
    {"minute", ANSWER_UNIT_HOURS, 1 / 60.},
    {"minuten", ANSWER_UNIT_HOURS, 1 / 60.},
    {"min", ANSWER_UNIT_HOURS, 1 / 60.},
    {"minutes", ANSWER_UNIT_HOURS, 1 / 60.},
    {"kg", ANSWER_UNIT_KG, 1},
    {"kilogramm", ANSWER_UNIT_KG, 1},
    {"kilogram", ANSWER_UNIT_KG, 1},
    {"kilograms", ANSWER_UNIT_KG, 1},
    {"kilo", ANSWER_UNIT_KG, 1},
    {"g", ANSWER_UNIT_KG, 0.001},
    {"gramm", ANSWER_UNIT_KG, 0.001},
    {"gram", ANSWER_UNIT_KG, 0.001},
    {"grams", ANSWER_UNIT_KG, 0.001},
    {"lb", ANSWER_UNIT_KG, 0.45359237},
    {"lbs", ANSWER_UNIT_KG, 0.45359237},
    {"pound", ANSWER_UNIT_KG, 0.45359237},
    {"pounds", ANSWER_UNIT_KG, 0.45359237},
    {"oz", ANSWER_UNIT_KG, 0.028349523},
    {"ounce", ANSWER_UNIT_KG, 0.028349523},
    {"ounces", ANSWER_UNIT_KG, 0.028349523},
    {"inch", ANSWER_UNIT_MM, 25.4},
    {"inches", ANSWER_UNIT_MM, 25.4},
    {"zoll", ANSWER_UNIT_MM, 25.4},
    {"ft", ANSWER_UNIT_MM, 304.8},
    {"feet", ANSWER_UNIT_MM, 304.8},
    {"foot", ANSWER_UNIT_MM, 304.8},
    {"mm", ANSWER_UNIT_MM, 1},
    {"cm", ANSWER_UNIT_MM, 10},
    {"m", ANSWER_UNIT_MM, 1000},
    {"meter", ANSWER_UNIT_MM, 1000},
    {"metre", ANSWER_UNIT_MM, 1000},
    {"meters", ANSWER_UNIT_MM, 1000},
    {"metres", ANSWER_UNIT_MM, 1000},
    {"l", ANSWER_UNIT_LITRES, 1},
    {"liter", ANSWER_UNIT_LITRES, 1},
    {"litre", ANSWER_UNIT_LITRES, 1},
    {"liters", ANSWER_UNIT_LITRES, 1},
    {"litres", ANSWER_UNIT_LITRES, 1},
    {"ml", ANSWER_UNIT_LITRES, 0.001},
    {"stuck", ANSWER_UNIT_PIECES, 1},
    {"stk", ANSWER_UNIT_PIECES, 1},
    {"piece", ANSWER_UNIT_PIECES, 1},
    {"pieces", ANSWER_UNIT_PIECES, 1},
    {"unit", ANSWER_UNIT_PIECES, 1},
    {"units", ANSWER_UNIT_PIECES, 1},
    {"item", ANSWER_UNIT_PIECES, 1},
    {"items", ANSWER_UNIT_PIECES, 1},
    {"exemplar", ANSWER_UNIT_PIECES, 1},
    {"exemplare", ANSWER_UNIT_PIECES, 1},
};

/* Words between a number and its unit that do not change it ("5 business days"). */
static const char *const unit_fillers[] = {"business", "working", "calendar",  "weitere",
                                           "more",     "further", "additional"};

/* The currency a folded word or symbol names, for telling 12,90 EUR from 12,90 CHF. */
static const char *currency_code(const char *f)
{
    static const char *const map[][2] = {
        {"eur", "eur"},     {"euro", "eur"}, {"euros", "eur"},   {"usd", "usd"}, {"dollar", "usd"},
        {"dollars", "usd"}, {"chf", "chf"},  {"franken", "chf"}, {"gbp", "gbp"}, {"pfund", "gbp"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], f) == 0)
            return map[i][1];
    return "";
}

/* German adjectives of time units ("60-tägiges Rückgaberecht", "zweiwöchige Frist",
 * "3-monatig"): the unit's folded stem and the "ig" suffix with any ending. */
static const struct unit_def adjective_units[] = {
    {"tag", ANSWER_UNIT_DAYS, 1},     {"woch", ANSWER_UNIT_DAYS, 7},
    {"monat", ANSWER_UNIT_MONTHS, 1}, {"jahr", ANSWER_UNIT_MONTHS, 12},
    {"stund", ANSWER_UNIT_HOURS, 1},
};

static const struct unit_def *unit_lookup(const char *f)
{
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(units[i].word, f) == 0)
            return &units[i];
    for (size_t i = 0; i < sizeof(adjective_units) / sizeof(adjective_units[0]); i++) {
        size_t l = strlen(adjective_units[i].word);
        const char *rest = f + l;
        if (strncmp(f, adjective_units[i].word, l) != 0)
            continue;
        if (strncmp(rest, "ig", 2) == 0 &&
            (!rest[2] || strcmp(rest + 2, "e") == 0 || strcmp(rest + 2, "en") == 0 ||
             strcmp(rest + 2, "er") == 0 || strcmp(rest + 2, "es") == 0 ||
             strcmp(rest + 2, "em") == 0))
            return &adjective_units[i];
    }
    return NULL;
}

struct num_word {
    const char *word;
    int value;
};
/* Number words; "ein", "one", "a" count only before a unit ("a week", "eine Woche"). */
static const struct num_word num_words[] = {
    {"zwei", 2},      {"drei", 3},      {"vier", 4},      {"funf", 5},       {"sechs", 6},
    {"sieben", 7},    {"acht", 8},      {"neun", 9},      {"zehn", 10},      {"elf", 11},
    {"zwolf", 12},    {"dreizehn", 13}, {"vierzehn", 14}, {"funfzehn", 15},  {"sechzehn", 16},
    {"siebzehn", 17}, {"achtzehn", 18}, {"neunzehn", 19}, {"zwanzig", 20},   {"dreissig", 30},
    {"vierzig", 40},  {"funfzig", 50},  {"hundert", 100}, {"two", 2},        {"three", 3},
    {"four", 4},      {"five", 5},      {"six", 6},       {"seven", 7},      {"eight", 8},
    {"nine", 9},      {"ten", 10},      {"eleven", 11},   {"twelve", 12},    {"thirteen", 13},
    {"fourteen", 14}, {"fifteen", 15},  {"sixteen", 16},  {"seventeen", 17}, {"eighteen", 18},
    {"nineteen", 19}, {"twenty", 20},   {"thirty", 30},   {"forty", 40},     {"fifty", 50},
    {"hundred", 100},
};
static const char *const one_words[] = {"ein",  "eine", "einen", "einem", "einer",
                                        "eins", "one",  "a",     "an"};

static int number_word(const char *f, bool *needs_unit)
{
    *needs_unit = false;
    for (size_t i = 0; i < sizeof(num_words) / sizeof(num_words[0]); i++)
        if (num_words[i].value > 0 && strcmp(num_words[i].word, f) == 0)
            return num_words[i].value;
    for (size_t i = 0; i < sizeof(one_words) / sizeof(one_words[0]); i++)
        if (strcmp(one_words[i], f) == 0) {
            *needs_unit = true;
            return 1;
        }
    return 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Bytes of horizontal space at p[i] (space, tab, NBSP, narrow NBSP, thin space), or 0. */
static size_t space_at(const char *p, size_t n, size_t i)
{
    if (i < n && (p[i] == ' ' || p[i] == '\t'))
        return 1;
    if (i + 1 < n && (unsigned char)p[i] == 0xC2 && (unsigned char)p[i + 1] == 0xA0)
        return 2;
    if (i + 2 < n && (unsigned char)p[i] == 0xE2 && (unsigned char)p[i + 1] == 0x80 &&
        ((unsigned char)p[i + 2] == 0xAF || (unsigned char)p[i + 2] == 0x89))
        return 3;
    return 0;
}

static size_t skip_space(const char *p, size_t n, size_t i)
{
    size_t s;
    while ((s = space_at(p, n, i)) > 0)
        i += s;
    return i;
}

static bool euro_at(const char *p, size_t n, size_t i)
{
    return i + 2 < n && (unsigned char)p[i] == 0xE2 && (unsigned char)p[i + 1] == 0x82 &&
           (unsigned char)p[i + 2] == 0xAC;
}

/* A dash of a range at p[i]: '-', en dash or em dash; its length or 0. */
static size_t dash_at(const char *p, size_t n, size_t i)
{
    if (i < n && p[i] == '-')
        return 1;
    if (i + 2 < n && (unsigned char)p[i] == 0xE2 && (unsigned char)p[i + 1] == 0x80 &&
        ((unsigned char)p[i + 2] == 0x93 || (unsigned char)p[i + 2] == 0x94))
        return 3;
    return 0;
}

/* Parse the digit token s[0..k) (digits with '.', ',' or ':' between them). */
static void parse_digits(const char *s, size_t k, enum text_lang lang, struct answer_number *x)
{
    size_t dots = 0, commas = 0, colons = 0, last = k, groups_of_3 = 0, groups = 0;
    for (size_t i = 0; i < k; i++) {
        if (s[i] == '.' || s[i] == ',' || s[i] == ':') {
            dots += s[i] == '.';
            commas += s[i] == ',';
            colons += s[i] == ':';
            size_t g = 0;
            while (i + 1 + g < k && is_digit(s[i + 1 + g]))
                g++;
            groups++;
            groups_of_3 += g == 3;
            last = i;
        }
    }
    double ip = 0, whole = 0, frac = 0, scale = 1;
    size_t nd = 0;
    for (size_t i = 0; i < k; i++) {
        if (!is_digit(s[i]))
            continue;
        whole = whole * 10 + (s[i] - '0');
        if (nd + 1 < sizeof(x->other))
            x->other[nd++] = s[i];
        if (i < last)
            ip = ip * 10 + (s[i] - '0');
        else {
            scale /= 10;
            frac += (s[i] - '0') * scale;
        }
    }
    x->other[nd] = '\0';
    x->alt = NAN;
    if (groups == 0) {
        x->value = whole;
        return;
    }
    bool mixed = dots > 0 && commas > 0;
    if (colons > 0 || (!mixed && groups >= 2 && groups_of_3 < groups)) {
        x->unit = ANSWER_UNIT_LITERAL; /* 10:30, 12.05.2024 */
        x->value = whole;
        return;
    }
    if (mixed) { /* the last separator is the decimal one */
        x->value = ip + frac;
        return;
    }
    if (groups >= 2) { /* 1.234.567 */
        x->value = whole;
        return;
    }
    /* One separator: with three digits after it, "1.234" is a thousand in German and
     * about one in English; keep both readings, the language's first. */
    if (groups_of_3 == 1) {
        bool thousands = (s[last] == '.') == (lang == TEXT_LANG_DE);
        x->value = thousands ? whole : ip + frac;
        x->alt = thousands ? ip + frac : whole;
        return;
    }
    x->value = ip + frac;
}

/* The unit named by the words from byte i on (with one filler word allowed). */
static const struct unit_def *unit_after(const char *p, size_t n, const struct nwords *ws, size_t i,
                                         size_t *end, char other[12])
{
    other[0] = '\0';
    for (int hop = 0; hop < 2; hop++) {
        const struct nword *w = word_at(ws, i);
        if (!w)
            return NULL;
        const struct unit_def *u = unit_lookup(w->f);
        if (u) {
            *end = w->end;
            return u;
        }
        bool filler = false;
        for (size_t k = 0; k < sizeof(unit_fillers) / sizeof(unit_fillers[0]); k++)
            filler = filler || strcmp(unit_fillers[k], w->f) == 0;
        if (!filler) {
            /* A short unit we do not convert: compare it by its text. Only ASCII
             * letters, so "3 Jacken" or "5 Sterne" stay unitless. */
            size_t len = strlen(w->f);
            bool ascii = true;
            for (size_t k = w->start; k < w->end; k++)
                ascii = ascii && is_alpha(p[k]);
            bool function = text_is_stopword(w->f, len) || strcmp(w->f, "pro") == 0 ||
                            strcmp(w->f, "per") == 0 || strcmp(w->f, "je") == 0 ||
                            strcmp(w->f, "mal") == 0 || strcmp(w->f, "x") == 0;
            if (hop == 0 && ascii && !function && len >= 1 && len <= 3 &&
                w->end - w->start == len) {
                memcpy(other, w->f, len + 1);
                *end = w->end;
            }
            return NULL;
        }
        i = skip_space(p, n, w->end);
    }
    return NULL;
}

static bool currency_before(const char *p, size_t n, const struct nwords *ws, size_t s,
                            struct answer_number *x);

/* Fill x's unit from what follows byte e (and a currency before byte s). */
static void find_unit(const char *p, size_t n, const struct nwords *ws, size_t s, size_t e,
                      struct answer_number *x, double *factor)
{
    *factor = 1;
    /* "49,-" and "49,–": a price in whole units */
    if (e + 1 < n && p[e] == ',' && dash_at(p, n, e + 1)) {
        x->end = e + 1 + dash_at(p, n, e + 1);
        e = x->end;
    }
    size_t j = skip_space(p, n, e);
    if (j == e && j + 1 < n && p[j] == '-' && is_alpha(p[j + 1]))
        j++; /* "6-month", "3-Sekunden" */
    if (euro_at(p, n, j) || (j < n && (p[j] == '$' || p[j] == '%'))) {
        x->unit = j < n && p[j] == '%' ? ANSWER_UNIT_PERCENT : ANSWER_UNIT_CURRENCY;
        x->end = j + (euro_at(p, n, j) ? 3 : 1);
        snprintf(x->other, sizeof(x->other), "%s",
                 euro_at(p, n, j) ? "eur"
                 : p[j] == '$'    ? "usd"
                                  : "");
        return;
    }
    if (j == e && j < n && !is_alpha(p[j]))
        j = n; /* "5." or "5)" is no unit */
    char other[12] = "";
    size_t uend = 0;
    const struct unit_def *u = j < n ? unit_after(p, n, ws, j, &uend, other) : NULL;
    if (u) {
        x->unit = u->unit;
        *factor = u->factor;
        x->end = uend;
        if (u->unit == ANSWER_UNIT_CURRENCY) {
            const struct nword *w = word_at(ws, j);
            snprintf(x->other, sizeof(x->other), "%s", w ? currency_code(w->f) : "");
        }
        return;
    }
    /* A currency before ("$200 get 20 % off") wins over a short word after it. */
    if (currency_before(p, n, ws, s, x))
        return;
    if (other[0]) {
        x->unit = ANSWER_UNIT_OTHER;
        memcpy(x->other, other, sizeof(other));
        x->end = uend;
    }
}

/* A currency right before byte s: "€ 49,90", "EUR 49.90", "$49". */
static bool currency_before(const char *p, size_t n, const struct nwords *ws, size_t s,
                            struct answer_number *x)
{
    size_t b = s;
    while (b > 0 && (p[b - 1] == ' ' || p[b - 1] == '\t'))
        b--;
    if (b >= 3 && euro_at(p, n, b - 3)) {
        x->unit = ANSWER_UNIT_CURRENCY;
        x->start = b - 3;
        memcpy(x->other, "eur", 4);
        return true;
    }
    if (b >= 1 && p[b - 1] == '$') {
        x->unit = ANSWER_UNIT_CURRENCY;
        x->start = b - 1;
        memcpy(x->other, "usd", 4);
        return true;
    }
    const struct nword *w = word_ending(ws, b);
    const struct unit_def *u = w ? unit_lookup(w->f) : NULL;
    if (u && u->unit == ANSWER_UNIT_CURRENCY && u->factor == 1) {
        x->unit = ANSWER_UNIT_CURRENCY;
        x->start = w->start;
        snprintf(x->other, sizeof(x->other), "%s", currency_code(w->f));
        return true;
    }
    return false;
}

/* Whether the digits at p[i] belong to a token that is not a number: an SKU or model
 * ("NW-1001", "A4", "X2"), a citation "[1]", a path or address ("/123", "@1"). */
static bool not_a_number(const char *p, size_t n, size_t i, size_t e)
{
    if (i > 0 && (is_alpha(p[i - 1]) || p[i - 1] == '_' || p[i - 1] == '@'))
        return true;
    /* a non-ASCII character before: a letter ("ü3"), unless a dash, space or euro sign */
    if (i > 0 && (unsigned char)p[i - 1] >= 0x80 &&
        !(i >= 3 &&
          (dash_at(p, n, i - 3) == 3 || space_at(p, n, i - 3) == 3 || euro_at(p, n, i - 3))) &&
        !(i >= 2 && space_at(p, n, i - 2) == 2))
        return true;
    if (i > 1 && (p[i - 1] == '-' || p[i - 1] == '/' || p[i - 1] == '#' || p[i - 1] == '.') &&
        (is_alpha(p[i - 2]) || p[i - 2] == '_'))
        return true;
    if (i > 0 && p[i - 1] == '[') {
        size_t k = e;
        return k < n && (p[k] == ']' || p[k] == ',');
    }
    /* digits, letters, digits: "4G5", "3D2" */
    size_t k = e;
    while (k < n && is_alpha(p[k]))
        k++;
    if (k > e && k < n && (is_digit(p[k]) || p[k] == '-'))
        return true;
    /* letters glued after a long letter run: "1001abc" is a code, "5kg" is not */
    if (k - e > 3)
        return true;
    /* a list marker: only spaces or bullets before it, then "." or ")" and a space */
    size_t b = i;
    while (b > 0 && (p[b - 1] == ' ' || p[b - 1] == '\t' || p[b - 1] == '-' || p[b - 1] == '*'))
        b--;
    bool lead = b == 0 || p[b - 1] == '\n';
    if (lead && e + 1 < n && (p[e] == '.' || p[e] == ')') && (p[e + 1] == ' ' || p[e + 1] == '\t'))
        return true;
    return false;
}

static bool range_between(const char *p, size_t n, const struct nwords *ws, size_t a, size_t b)
{
    size_t i = skip_space(p, n, a);
    size_t d = dash_at(p, n, i);
    if (d) {
        i = skip_space(p, n, i + d);
        return i == b;
    }
    const struct nword *w = word_at(ws, i);
    if (!w || (strcmp(w->f, "bis") != 0 && strcmp(w->f, "to") != 0 && strcmp(w->f, "und") != 0 &&
               strcmp(w->f, "and") != 0 && strcmp(w->f, "oder") != 0 && strcmp(w->f, "or") != 0))
        return false;
    return skip_space(p, n, w->end) == b;
}

struct found_num {
    struct answer_number x;
    double factor; /* the unit's factor, to pass the unit to a range's first end */
};

static int cmp_start(const void *a, const void *b)
{
    const struct found_num *x = a, *y = b;
    return x->x.start < y->x.start ? -1 : x->x.start > y->x.start;
}

size_t answer_numbers(const char *p, size_t n, enum text_lang lang, struct answer_number *out,
                      size_t max)
{
    struct nwords ws = {0};
    (void)text_words(p, n, collect, &ws); /* invalid UTF-8: the words before it */
    size_t found = 0;
    struct found_num *f = max ? calloc(max, sizeof(*f)) : NULL;
    for (size_t i = 0; i < n;) {
        if (!is_digit(p[i])) {
            i++;
            continue;
        }
        size_t e = i;
        while (e < n && (is_digit(p[e]) || ((p[e] == '.' || p[e] == ',' || p[e] == ':') &&
                                            e + 1 < n && is_digit(p[e + 1]) && e > i)))
            e++;
        if (not_a_number(p, n, i, e)) {
            while (e < n && (is_digit(p[e]) || is_alpha(p[e]) || p[e] == '-'))
                e++;
            i = e;
            continue;
        }
        struct answer_number x = {.start = i, .end = e};
        parse_digits(p + i, e - i, lang, &x);
        double factor = 1;
        if (x.unit != ANSWER_UNIT_LITERAL)
            find_unit(p, n, &ws, i, e, &x, &factor);
        x.value *= factor;
        x.alt *= factor;
        if (found < max && f)
            f[found] = (struct found_num){x, factor};
        found++;
        i = e;
    }
    for (size_t k = 0; k < ws.n; k++) {
        bool needs_unit;
        int v = number_word(ws.w[k].f, &needs_unit);
        if (v == 0)
            continue;
        struct answer_number x = {.start = ws.w[k].start, .end = ws.w[k].end, .value = v};
        x.alt = NAN;
        size_t uend = 0;
        char other[12] = "";
        const struct unit_def *u =
            unit_after(p, n, &ws, skip_space(p, n, ws.w[k].end), &uend, other);
        if (needs_unit && (!u || (u->unit != ANSWER_UNIT_DAYS && u->unit != ANSWER_UNIT_MONTHS &&
                                  u->unit != ANSWER_UNIT_HOURS)))
            continue;
        double factor = 1;
        if (u) {
            x.unit = u->unit;
            x.end = uend;
            factor = u->factor;
            x.value *= factor;
        }
        if (found < max && f)
            f[found] = (struct found_num){x, factor};
        found++;
    }
    size_t got = f ? (found < max ? found : max) : 0;
    if (got > 1)
        qsort(f, got, sizeof(*f), cmp_start);
    /* A range takes the unit after it for both ends: "3-5 Werktage", "3 bis 5 Tage". */
    for (size_t k = 0; k + 1 < got; k++) {
        struct answer_number *x = &f[k].x, *y = &f[k + 1].x;
        if (x->unit == ANSWER_UNIT_NONE && y->unit != ANSWER_UNIT_NONE &&
            y->unit != ANSWER_UNIT_LITERAL && y->start > x->end &&
            range_between(p, n, &ws, x->end, y->start)) {
            x->unit = y->unit;
            memcpy(x->other, y->other, sizeof(x->other));
            x->value *= f[k + 1].factor;
            x->alt *= f[k + 1].factor;
        }
        out[k] = f[k].x;
    }
    if (got > 0)
        out[got - 1] = f[got - 1].x;
    free(f);
    free(ws.w);
    return found;
}

static bool same(double a, double b, double tol)
{
    if (isnan(a) || isnan(b))
        return false;
    double m = fabs(a) > 1 ? fabs(a) : 1;
    return fabs(a - b) <= tol * m;
}

/* Units a stated number must carry in the passage too: "6 mm" is not grounded by a bare
 * "6" (prices, percentages and counts are often written without their unit). */
static bool needs_unit(enum answer_unit u)
{
    return u != ANSWER_UNIT_NONE && u != ANSWER_UNIT_CURRENCY && u != ANSWER_UNIT_PERCENT &&
           u != ANSWER_UNIT_PIECES;
}

bool answer_number_matches(const struct answer_number *x, const struct answer_number *y)
{
    if (x->unit == ANSWER_UNIT_LITERAL || y->unit == ANSWER_UNIT_LITERAL)
        return x->unit == y->unit && strcmp(x->other, y->other) == 0;
    if ((x->unit == ANSWER_UNIT_NONE && needs_unit(y->unit)) ||
        (y->unit == ANSWER_UNIT_NONE && needs_unit(x->unit)))
        return false;
    if (x->unit != ANSWER_UNIT_NONE && y->unit != ANSWER_UNIT_NONE) {
        if (x->unit != y->unit)
            return false;
        if (x->unit == ANSWER_UNIT_OTHER && strcmp(x->other, y->other) != 0)
            return false;
        /* two named currencies must be the same one */
        if (x->unit == ANSWER_UNIT_CURRENCY && x->other[0] && y->other[0] &&
            strcmp(x->other, y->other) != 0)
            return false;
    }
    /* measures converted between systems are rounded ("15 lbs" is "about 6,8 kg") */
    enum answer_unit u = x->unit != ANSWER_UNIT_NONE ? x->unit : y->unit;
    double tol =
        u == ANSWER_UNIT_KG || u == ANSWER_UNIT_MM || u == ANSWER_UNIT_LITRES ? 0.02 : 1e-6;
    return same(x->value, y->value, tol) || same(x->value, y->alt, tol) ||
           same(x->alt, y->value, tol) || same(x->alt, y->alt, tol);
}
