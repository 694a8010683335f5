// SPDX-License-Identifier: MIT
/*
 * guard/inject.h: prompt-injection and jailbreak detection for customer messages,
 * retrieved passages and tool results, in German and English (other languages where a
 * rule is cheap).
 *
 * A text is normalised first (text/normalize.h: case, accents, invisible characters,
 * homoglyphs, leetspeak, spaced-out letters), and encoded text embedded in it (base64,
 * hex, URL escapes, rot13 with a cue) is decoded and scanned as well. Two parts then add
 * up to one logit:
 *   - a rule set compiled with vectorscan into one database, matched in one pass; each
 *     rule has a hand-set prior weight, to which training adds a learned correction;
 *   - a linear classifier over hashed words and word pairs, trained by
 *     guard_inject_train() (`agentgate guard train`), scored on windows of 64 words (the
 *     best window counts, so a long text neither adds up to an attack nor hides one);
 *     tricks the normaliser saw (spaced letters, look-alikes...) weigh only together
 *     with a rule.
 * score = sigmoid(logit), 0..1. Every verdict can explain itself: the rules that matched
 * and the words that weighed most, each with its share of the score.
 *
 * The model (bias, rule corrections, n-gram weights) is a file made by training; the one
 * committed in data/guard/inject.model is built into the binary.
 *
 * THREADS: a struct guard_inject is read-only once loaded and shared by every thread;
 * each thread scans with its own vectorscan scratch, made on first use.
 * OWNERSHIP: verdicts are plain values; reason texts are copied into them.
 */
#ifndef AG_GUARD_INJECT_H
#define AG_GUARD_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct guard_inject;

#define GUARD_MAX_REASONS 8

/* One part of a verdict: a rule ("rule:ignore … instructions"), a word of the classifier
 * ("word:anweisungen"), or a trick the text used ("obfuscation:spaced-out letters").
 * share: this part's share of the score (the positive parts' shares add up to it). */
struct guard_reason {
    char what[80];
    float share;
};

struct guard_verdict {
    float score;    /* 0..1 */
    float logit;    /* before the sigmoid */
    unsigned obf;   /* enum text_obf bits the normaliser saw */
    unsigned rules; /* rules that matched (counting each once) */
    size_t n_reasons;
    struct guard_reason reasons[GUARD_MAX_REASONS];
};

enum guard_scan_flags {
    GUARD_SCAN_REASONS = 1 << 0, /* fill reasons (costs a second pass over the words) */
};

/* The built-in model (data/guard/inject.model at build time). */
ag_err guard_inject_create(struct guard_inject **out);
/* A model file made by guard_inject_train(). AG_ECORRUPT with a reason in why when the
 * file is not one (bad magic, version, size or values). */
ag_err guard_inject_load(const char *path, struct guard_inject **out, char *why, size_t why_len);
/* The same from bytes p[0..n) (also the fuzz entry). */
ag_err guard_inject_load_mem(const void *p, size_t n, struct guard_inject **out, char *why,
                             size_t why_len);
void guard_inject_destroy(struct guard_inject *g); /* NULL is a no-op */

/* Scan UTF-8 text p[0..n) (any bytes). AG_ENOMEM when scratch space cannot be had. */
ag_err guard_inject_scan(const struct guard_inject *g, const char *p, size_t n, unsigned flags,
                         struct guard_verdict *v);

/* Fill the reasons of v, the verdict of this thread's last guard_inject_scan() with g
 * (no other scan on this thread in between): what GUARD_SCAN_REASONS would have given,
 * without scanning again. AG_EINVAL when this thread's last scan was not with g. */
ag_err guard_inject_explain(const struct guard_inject *g, struct guard_verdict *v);

/* The verdict's reasons as a JSON array [{"what","share"}] appended to out. */
ag_err guard_reasons_json(const struct guard_verdict *v, struct buf *out);

/* ---- policy ---- */

/* What a score leads to: below flag_at allow; from flag_at flag (answered, marked in the
 * reply and the audit); from block_at block, or escalate (handed to a person) when the
 * policy says so. */
enum guard_action { GUARD_ALLOW, GUARD_FLAG, GUARD_BLOCK, GUARD_ESCALATE };

struct guard_policy {
    double flag_at, block_at; /* 0 <= flag_at <= block_at <= 1 */
    bool escalate;            /* above block_at: escalate instead of block */
};

enum guard_action guard_decide(const struct guard_policy *p, double score);
/* "allow", "flag", "block", "escalate" */
const char *guard_action_name(enum guard_action a);

/* One line of `agentgate guard scan`: line[0..n) is {"id": string or number, "text":
 * string}; appends to out one JSON object and a newline:
 *   {"id", "injection": {"score", "verdict", "reasons": [...]}, "pii": [{"start", "end",
 *    "type"}]} with offsets in Unicode code points,
 * or {"id", "error": "..."} (id null when it could not be read) and returns AG_EINVAL for
 * a line that is not such an object. AG_ENOMEM / AG_ETOOBIG leave out as it was. */
ag_err guard_scan_line(const struct guard_inject *g, const struct guard_policy *p, const char *line,
                       size_t n, struct buf *out);

/* ---- training (`agentgate guard train`) ---- */

struct guard_train_params {
    unsigned epochs; /* passes over the data */
    double rate;     /* AdaGrad step size */
    double l2;       /* L2 penalty per example on n-gram weights and rule corrections */
    uint64_t seed;   /* shuffling; the same data and seed give the same model */
    bool quiet;      /* no progress lines on stderr */
};
struct guard_train_params guard_train_default_params(void);

/* One labelled example (label 1: attack). */
struct guard_example {
    const char *text;
    size_t len;
    int label;
    char set[24]; /* the line's "set" (which source it came from), or "" */
};

/* Train on ex[0..n) and write the model file to out_path. why explains AG_EINVAL (no
 * examples, or only one label) and AG_EIO. */
ag_err guard_inject_train(const struct guard_example *ex, size_t n,
                          const struct guard_train_params *p, const char *out_path, char *why,
                          size_t why_len);

/* Read JSON Lines of {"text": string, "label": 0|1, "set": string (optional), ...}
 * (other keys ignored) from
 * p[0..n) and append them to (*ex)[*n_ex...] (grown with ag_grow; *cap its room). Each
 * text is copied; guard_examples_free() frees them and the array. AG_EINVAL names the
 * bad line in why. */
ag_err guard_examples_read(const char *p, size_t n, struct guard_example **ex, size_t *n_ex,
                           size_t *cap, char *why, size_t why_len);
void guard_examples_free(struct guard_example *ex, size_t n);

/* ---- evaluation (`agentgate eval guard`) ---- */

#define GUARD_EVAL_MAX_SETS 16

struct guard_eval_set {
    char name[24];
    unsigned n, label_1;       /* examples, attacks among them */
    unsigned flagged, blocked; /* at or above flag_at / block_at */
};

struct guard_eval_result {
    size_t n, attacks, benign, bytes;
    double flag_at, block_at;
    double tpr_flag, fpr_flag, tpr_block, fpr_block; /* at the policy's thresholds */
    double thr_1, tpr_1, thr_2, tpr_2; /* the threshold that flags at most 1% / 2% of the
                                          benign examples, and the attacks detected then */
    double mb_per_s, p50_us, p99_us;   /* one scan per example, on this thread */
    size_t n_sets;
    struct guard_eval_set sets[GUARD_EVAL_MAX_SETS]; /* by "set", in order of appearance */
};

/* Scan every example of the JSON Lines file at path (see guard_examples_read) and
 * measure detection. why explains AG_EINVAL / AG_EIO. */
ag_err guard_eval_injection(const struct guard_inject *g, const char *path, double flag_at,
                            double block_at, struct guard_eval_result *r, char *why,
                            size_t why_len);

#endif
