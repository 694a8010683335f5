// SPDX-License-Identifier: MIT
/*
 * guard/inject_internal.h: what the files of the injection detector share (the rule
 * table in inject_rules.c, the detector and its training in inject.c).
 * THREADS, OWNERSHIP: constant data.
 */
#ifndef AG_GUARD_INJECT_INTERNAL_H
#define AG_GUARD_INJECT_INTERNAL_H

#include <stddef.h>

struct inject_rule {
    const char *name; /* shown in a verdict's reasons: "rule:<name>" */
    const char *re;   /* vectorscan expression over normalised text */
    float prior;      /* weight in logit units before training's correction */
};

struct inject_obf {
    const char *name; /* "obfuscation:<name>" */
    float prior;
};

#define INJECT_N_OBF     8                      /* enum text_obf has 8 bits */
#define INJECT_MAX_RULES 120                    /* rules + INJECT_N_OBF fit one 128-bit set */
#define INJECT_MAX_EXPRS (2 * INJECT_MAX_RULES) /* each rule as written and for rot13 text */

extern const struct inject_rule inject_rules[];
extern const size_t inject_n_rules;
extern const struct inject_obf inject_obfs[INJECT_N_OBF];

#endif
