// SPDX-License-Identifier: MIT
/*
 * guard/answer_internal.h: what the files of the answer checker share: the lexicon of
 * shop and policy synonyms (answer_lex.c) that answer.c uses for support and
 * contradictions.
 * THREADS, OWNERSHIP: constant data; the functions are pure.
 */
#ifndef AG_GUARD_ANSWER_INTERNAL_H
#define AG_GUARD_ANSWER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* Concept ids are small positive numbers; 0 is "no concept". */
enum { ANSWER_MAX_CONCEPTS = 64 };

/* The concept of folded word f[0..n) (lower case, umlauts folded: "kostenlos",
 * "zuruckschicken", "refunds"), or 0. A word belongs to the concept of its longest
 * listed prefix, or of a listed German compound head it ends with ("versandkostenfrei"). */
unsigned answer_concept(const char *f, size_t n);

/* Whether concept c is a promise that must be stated by the passages when an answer
 * states it (free of charge, a guarantee). */
bool answer_concept_is_claim(unsigned c);

/* Whether concepts a and b are opposites ("kostenlos" / "kostenpflichtig"). */
bool answer_concepts_opposed(unsigned a, unsigned b);

/* A readable name of concept c for explanations ("free of charge"), "" for 0. */
const char *answer_concept_name(unsigned c);

#endif
