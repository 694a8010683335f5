// SPDX-License-Identifier: MIT
/*
 * guard/inject_eval.c: how well the injection detector separates attacks from benign
 * messages on a labelled JSON Lines file: the detection and false-positive rates at the
 * policy's thresholds, the detection rate at 1% and 2% false positives (the threshold
 * read off the benign scores of the same file), per-source rates, and the scan speed.
 * OWNERSHIP: everything read is freed before returning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "guard/inject.h"

#define EVAL_MAX_FILE ((size_t)512 << 20)

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The detection rate when at most fpr of the benign scores (sorted, largest first) may
 * lie above the threshold; the threshold goes to *thr. */
static double tpr_at(const double *benign, size_t nb, const double *attack, size_t na, double fpr,
                     double *thr)
{
    size_t k = (size_t)(fpr * (double)nb); /* benign examples allowed above */
    *thr = k < nb ? benign[k] : 0;
    size_t hit = 0;
    for (size_t i = 0; i < na; i++)
        hit += attack[i] > *thr;
    return na ? (double)hit / (double)na : 0;
}

static struct guard_eval_set *set_of(struct guard_eval_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_sets; i++)
        if (strcmp(r->sets[i].name, name) == 0)
            return &r->sets[i];
    if (r->n_sets == GUARD_EVAL_MAX_SETS)
        return NULL;
    struct guard_eval_set *s = &r->sets[r->n_sets++];
    (void)snprintf(s->name, sizeof(s->name), "%s", name);
    return s;
}

ag_err guard_eval_injection(const struct guard_inject *g, const char *path, double flag_at,
                            double block_at, struct guard_eval_result *r, char *why, size_t why_len)
{
    memset(r, 0, sizeof(*r));
    r->flag_at = flag_at;
    r->block_at = block_at;
    struct buf file;
    ag_err rc = buf_read_file(path, EVAL_MAX_FILE, &file, why, why_len);
    if (rc != AG_OK)
        return rc;
    struct guard_example *ex = NULL;
    size_t n = 0, cap = 0;
    double *benign = NULL, *attack = NULL, *us = NULL;
    rc = guard_examples_read(file.p ? file.p : "", file.len, &ex, &n, &cap, why, why_len);
    buf_release(&file);
    if (rc != AG_OK)
        goto out;
    rc = AG_ENOMEM;
    benign = calloc(n + 1, sizeof(double));
    attack = calloc(n + 1, sizeof(double));
    us = calloc(n + 1, sizeof(double));
    if (!benign || !attack || !us)
        goto out;
    uint64_t total_ns = 0;
    for (size_t i = 0; i < n; i++) {
        struct guard_verdict v;
        uint64_t t0 = clock_mono_ns();
        rc = guard_inject_scan(g, ex[i].text, ex[i].len, 0, &v);
        uint64_t dt = clock_mono_ns() - t0;
        if (rc != AG_OK) {
            (void)snprintf(why, why_len, "example %zu: %s", i + 1, ag_strerror(rc));
            goto out;
        }
        total_ns += dt;
        us[i] = (double)dt / 1e3;
        r->bytes += ex[i].len;
        double s = v.score;
        if (ex[i].label)
            attack[r->attacks++] = s;
        else
            benign[r->benign++] = s;
        struct guard_eval_set *set = set_of(r, ex[i].set[0] ? ex[i].set : "all");
        if (set) {
            set->n++;
            set->label_1 += ex[i].label == 1;
            set->flagged += s >= flag_at;
            set->blocked += s >= block_at;
        }
        if (ex[i].label) {
            r->tpr_flag += s >= flag_at;
            r->tpr_block += s >= block_at;
        } else {
            r->fpr_flag += s >= flag_at;
            r->fpr_block += s >= block_at;
        }
    }
    r->n = n;
    if (r->attacks) {
        r->tpr_flag /= (double)r->attacks;
        r->tpr_block /= (double)r->attacks;
    }
    if (r->benign) {
        r->fpr_flag /= (double)r->benign;
        r->fpr_block /= (double)r->benign;
    }
    qsort(benign, r->benign, sizeof(double), cmp_desc);
    r->tpr_1 = tpr_at(benign, r->benign, attack, r->attacks, 0.01, &r->thr_1);
    r->tpr_2 = tpr_at(benign, r->benign, attack, r->attacks, 0.02, &r->thr_2);
    qsort(us, n, sizeof(double), cmp_desc);
    if (n) {
        r->p50_us = us[n / 2];
        r->p99_us = us[n / 100];
    }
    r->mb_per_s = total_ns ? (double)r->bytes / 1e6 / ((double)total_ns / 1e9) : 0;
    rc = AG_OK;
out:
    guard_examples_free(ex, n);
    free(benign);
    free(attack);
    free(us);
    return rc;
}
