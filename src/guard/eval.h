// SPDX-License-Identifier: MIT
/*
 * guard/eval.h: how well the structured PII detector (guard/pii.h) does on a labelled
 * file: precision, recall and F1 per type, and its speed.
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
    uint64_t scan_ns; /* time in pii_scan() */
};

/* Score the detector on Presidio's synthetic dataset format (a JSON array of
 * {"full_text", "spans": [{"entity_type", "start_position", "end_position"}]}, offsets in
 * code points). Bad input: AG_EINVAL with the item named in why. */
ag_err pii_eval_presidio(const char *path, struct pii_eval_result *r, char *why, size_t why_len);

#endif
