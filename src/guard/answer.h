// SPDX-License-Identifier: MIT
/*
 * guard/answer.h: the answer checker: is a generated answer grounded in the passages it
 * was given? Each sentence of the answer is checked on its own: its citations must name
 * passages, its content words must be found in the cited (or best) passage, its numbers
 * (with their units) and product names must appear in a passage or the catalogue, a
 * catalogue product's price and stock must match its record, it must not negate its
 * passage, repeat personal data the customer did not give, or quote a forbidden text
 * (system prompt, canary). The pipeline calls answer_check() after generation and may
 * combine support_min/support_mean with retrieval scores into a confidence.
 * THREADS: reentrant; uses the calling thread's text analyzer (text_analyzer_local()).
 * OWNERSHIP: everything in the result lives in the caller's arena; spans point into the
 * caller's answer and passages by offset only; why is a static string.
 */
#ifndef AG_GUARD_ANSWER_H
#define AG_GUARD_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "text/text.h"

#define ANSWER_MAX_BYTES     ((size_t)256 * 1024) /* a longer answer (or passage): AG_ETOOBIG */
#define ANSWER_MAX_PASSAGES  64
#define ANSWER_MAX_SENTENCES 512

/* A retrieved passage the answer may cite as [i+1] (the i-th passage is citation i+1). */
struct answer_passage {
    const char *text; /* UTF-8 */
    size_t len;
    int64_t id; /* the caller's id (a chunk id); not used by the checks */
};
/* A catalogue record (kb's product rows). stock < 0: unknown; price < 0: unknown. */
struct answer_product {
    const char *sku, *name;
    double price;
    const char *currency; /* "EUR", or NULL */
    int64_t stock;
};
struct answer_check_params {
    double support_threshold;     /* a sentence with a smaller share of its content words in
                                   * its passage is unsupported (0..1) */
    const char *const *forbidden; /* system prompt, canary strings: no run of
                                   * ANSWER_LEAK_WORDS words of them (all of a shorter
                                   * one) may appear in the answer */
    size_t n_forbidden;
};
#define ANSWER_LEAK_WORDS 8
struct answer_check_params answer_check_default_params(void);

/* Reason codes (static strings), in the order a sentence reports them: the first that
 * applies wins. */
extern const char ANSWER_WHY_LEAK[], ANSWER_WHY_PII[], ANSWER_WHY_BAD_CITATION[],
    ANSWER_WHY_UNKNOWN_PRODUCT[], ANSWER_WHY_WRONG_PRICE[], ANSWER_WHY_WRONG_STOCK[],
    ANSWER_WHY_WRONG_NUMBER[], ANSWER_WHY_NEGATION[], ANSWER_WHY_UNSUPPORTED[];

struct answer_sentence_verdict {
    size_t start, end; /* byte span in the answer, start < end <= len */
    bool ok;
    bool exempt;           /* no factual content (greeting, offer to help, "I don't know") */
    double support;        /* share of content words found (1 for exempt sentences) */
    int passage;           /* best supporting passage index, or -1 */
    size_t p_start, p_end; /* byte span of the best matching sentence in that passage */
    const char *why;       /* NULL when ok, else one of ANSWER_WHY_* */
    char detail[160];      /* what was wrong, for people ("49,90 EUR not in the passages") */
};
struct answer_check_result {
    bool grounded;                    /* every sentence ok */
    double support_min, support_mean; /* over non-exempt sentences; 1 when there are none */
    struct answer_sentence_verdict *sentences;
    size_t n_sentences;
    size_t n_flagged;
};

/* Check answer[0..len) in language lang (TEXT_LANG_UNKNOWN: detected) against the
 * passages p[0..n_p) and the optional catalogue cat[0..n_cat); customer_text (the
 * question, NUL-terminated, or NULL) holds personal data and numbers the customer gave,
 * which the answer may repeat. params NULL: the defaults. AG_EINVAL: empty answer,
 * invalid UTF-8 (answer, passage or customer text), too many passages or a bad
 * threshold; AG_ETOOBIG: answer or passage over ANSWER_MAX_BYTES, or more than
 * ANSWER_MAX_SENTENCES sentences; AG_ENOMEM (arena full too). On failure out is zeroed. */
ag_err answer_check(const char *answer, size_t len, enum text_lang lang,
                    const struct answer_passage *p, size_t n_p, const struct answer_product *cat,
                    size_t n_cat, const char *customer_text,
                    const struct answer_check_params *params, struct arena *a,
                    struct answer_check_result *out);

/* The answer's sentences as answer_check() splits them: text_sentences() with citations
 * ("[1][2]") kept with the sentence before them and list markers ("1.", "-") and German
 * ordinals ("am 5. Mai") kept with the words after them. Calls cb per sentence (false
 * stops) and returns how many it reported. */
size_t answer_sentences(const char *p, size_t n, text_sentence_cb cb, void *ctx);

/* A number of the text as the checks see it. */
enum answer_unit {
    ANSWER_UNIT_NONE = 0,
    ANSWER_UNIT_CURRENCY, /* value in the currency's own units */
    ANSWER_UNIT_PERCENT,
    ANSWER_UNIT_DAYS,   /* weeks are 7 days */
    ANSWER_UNIT_MONTHS, /* years are 12 months */
    ANSWER_UNIT_HOURS,  /* minutes are 1/60 */
    ANSWER_UNIT_KG,
    ANSWER_UNIT_MM,
    ANSWER_UNIT_LITRES,
    ANSWER_UNIT_PIECES,
    ANSWER_UNIT_OTHER,  /* a unit word compared by its text (W, mAh, GB...) */
    ANSWER_UNIT_LITERAL /* a date or time, compared digit for digit */
};
struct answer_number {
    double value; /* in the unit's base (3 weeks: 21 days) */
    double alt;   /* a second reading of an ambiguous "1.234" / "1,234", or NAN */
    enum answer_unit unit;
    char other[12];    /* the folded unit word for ANSWER_UNIT_OTHER, digits for LITERAL,
                        * the currency ("eur", "usd", "chf", "gbp" or "") for CURRENCY */
    size_t start, end; /* byte span of the number (with its unit) in the text */
};
/* The numbers of p[0..n): digits in German or English notation ("1.234,50", "1,234.50",
 * "249,90", "49,-"), number words ("zwei", "fourteen", "a week"), both ends of ranges
 * ("3-5", "3 bis 5", "3 to 5 days": the unit after the range applies to both), each with
 * the unit or currency next to it. Citations "[1]", list markers and the digits of
 * letter-digit tokens (SKUs such as "NW-1001", "A4") are not numbers. Writes at most max
 * to out and returns how many there are. */
size_t answer_numbers(const char *p, size_t n, enum text_lang lang, struct answer_number *out,
                      size_t max);
/* Whether two numbers state the same quantity: equal values (either reading) and units
 * that agree. A number without a unit agrees with a price, a percentage or a count, but
 * not with a duration, weight, length, volume or other unit. Named currencies must be
 * the same. */
bool answer_number_matches(const struct answer_number *x, const struct answer_number *y);

/* ---- `agentgate validate` and `agentgate eval answers` --------------------------------- */

/* One line of `agentgate validate`: {"id","question","context":[strings],"answer"} with
 * optional "lang" in, one line appended to out: {"id","grounded","support_min",
 * "unsupported":[{"sentence","why","detail"}]}, or {"id","error"} and AG_EINVAL for a bad
 * line. AG_ENOMEM. */
ag_err answer_validate_line(const char *line, size_t n, const struct answer_product *cat,
                            size_t n_cat, const struct answer_check_params *params,
                            struct buf *out);

enum { ANSWER_EVAL_MAX_KINDS = 8 };
struct answer_eval_count {
    char name[32];
    unsigned n, hallucinated, caught; /* answers, labelled hallucinated, of those flagged */
    unsigned grounded, flagged;       /* labelled grounded, of those flagged (false alarms) */
};
struct answer_eval_result {
    size_t n, hallucinated, grounded;
    size_t tp, fp, fn, tn; /* positive = hallucinated */
    double precision, recall, f1, caught_rate, false_alarm_rate;
    struct answer_eval_count kinds[ANSWER_EVAL_MAX_KINDS]; /* by "kind" ("none" for null) */
    size_t n_kinds;
    struct answer_eval_count langs[3]; /* de, en, other */
    struct answer_eval_count whys[9];  /* flagged answers by their first sentence's reason */
    size_t n_whys;
    double answers_per_s, p50_us, p99_us;
};
/* Check every answer of a labelled JSON Lines file ({"id","lang","question","context",
 * "answer","label":"grounded"|"hallucinated","kind","wrong"}) and count. AG_ENOTFOUND,
 * AG_EINVAL with the line named in why. */
ag_err answer_eval(const char *path, const struct answer_check_params *params,
                   struct answer_eval_result *out, char *why, size_t why_len);

#endif
