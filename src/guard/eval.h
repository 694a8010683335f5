// SPDX-License-Identifier: MIT
/*
 * guard/eval.h: how well the PII detector (guard/pii.h) does on a labelled file:
 * precision, recall and F1 per type, and its speed. Two formats: Presidio's synthetic
 * dataset (JSON, English, many types) and GermEval 2014 NER (TSV, German, persons).
 * THREADS: each call is independent. OWNERSHIP: everything read is freed before returning.
 */
#ifndef AG_GUARD_EVAL_H
#define AG_GUARD_EVAL_H

#include <stdint.h>

#include "core/err.h"
#include "guard/pii.h"

struct pii_eval_type {
    unsigned labelled, found; /* labelled spans, and those a detected span overlaps */
    unsigned detected, right; /* detected spans, and those overlapping a labelled one */
    double precision, recall, f1;
};
struct pii_eval_result {
    struct pii_eval_type type[PII_N_TYPES];
    size_t texts, bytes;
    uint64_t scan_ns; /* the fastest of several timed passes of pii_scan() over every
                         text, after the scoring pass (see pii_eval_presidio) */
};

/* Score the detector on Presidio's synthetic dataset format (a JSON array of
 * {"full_text", "spans": [{"entity_type", "start_position", "end_position"}]}, offsets in
 * code points). Scored labels: EMAIL_ADDRESS, PHONE_NUMBER, IBAN_CODE, CREDIT_CARD,
 * IP_ADDRESS, PERSON, STREET_ADDRESS (as ADDRESS) and ZIP_CODE (as POSTCODE_CITY); the
 * others (places, organisations, dates...) are not. A labelled span is found when a
 * detected span of its type overlaps it; a detected span is right when it overlaps a
 * labelled span of its type. ADDRESS and POSTCODE_CITY count as one family here, since
 * Presidio labels a postcode inside a street address as STREET_ADDRESS and the detector
 * takes a postcode after a street into the address. The speed (scan_ns over bytes) is the
 * fastest of timed passes over all texts made after scoring, for 0.2 s or at least three
 * passes. Bad input: AG_EINVAL with the item named in why; a missing file: AG_ENOTFOUND. */
ag_err pii_eval_presidio(const char *path, struct pii_eval_result *r, char *why, size_t why_len);

/* Score the detector on a GermEval 2014 NER file (TSV: "#" lines open a sentence, then
 * "index<TAB>token<TAB>outer<TAB>nested" a token, blank lines between sentences). Each
 * sentence is its tokens joined by single spaces; the outer labels B-PER and I-PER are
 * the labelled PERSON spans (the -deriv and -part variants are not persons). Spans are
 * matched by overlap as above; other detected types have no labels here, so every one
 * is counted as detected and not right. Errors as pii_eval_presidio(), with the line. */
ag_err pii_eval_germeval(const char *path, struct pii_eval_result *r, char *why, size_t why_len);

#endif
