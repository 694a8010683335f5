// SPDX-License-Identifier: MIT
/*
 * bench/guard_bench.c: speed of the input guard on one core, per stage of its work:
 *   normalise   text_normalize() only
 *   inject      guard_inject_scan() (normalise, rules, decoding, classifier)
 *   pii         pii_scan()
 *   guard_in    guard_input(): all of the above as the guard_in stage runs it, with the
 *               placeholders written through a vault (one-turn scope, ended each time:
 *               a request without a session id, or without consent to keep anything)
 *   guard_in_session  the same with a session id, one of 256 new ones in each pass (so
 *               every value is sealed with AES-256-GCM into the shared vault, as for a
 *               customer who consented, and each session is created once)
 * usage: guard_bench MESSAGES.jsonl [PASSES]     (lines {"id", "text"}; default 5 passes)
 *        guard_bench --rules                      (the rule set as JSON Lines {"name", "re"},
 *                                                  for the reference in bench/guard_ref.py)
 * Prints one JSON object: bytes, messages, MB/s per phase (best pass), and the p50/p99
 * microseconds of guard_in per message over all passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/json.h"
#include "guard/inject_internal.h"
#include "guard/input.h"
#include "text/normalize.h"

struct msg {
    char *text;
    size_t len;
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static struct msg *read_messages(const char *path, size_t *n, size_t *bytes)
{
    struct buf f;
    char why[256];
    if (buf_read_file(path, (size_t)1 << 30, &f, why, sizeof(why)) != AG_OK) {
        fprintf(stderr, "guard_bench: %s\n", why);
        return NULL;
    }
    struct msg *m = NULL;
    size_t cap = 0;
    *n = *bytes = 0;
    for (char *p = f.p, *end = f.p + f.len; p && p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        json_t *o = NULL;
        if (len > 0 && json_parse_object(p, len, 4, &o, why, sizeof(why)) == AG_OK) {
            json_t *t = json_object_get(o, "text");
            struct msg *g = json_is_string(t) ? ag_grow(m, &cap, *n, sizeof(*m)) : NULL;
            if (g) {
                m = g;
                m[*n].len = json_string_length(t);
                m[*n].text = malloc(m[*n].len + 1);
                if (m[*n].text) {
                    memcpy(m[*n].text, json_string_value(t), m[*n].len + 1);
                    *bytes += m[*n].len;
                    (*n)++;
                }
            }
        }
        json_decref(o);
        p = nl ? nl + 1 : NULL;
    }
    buf_release(&f);
    return m;
}

enum phase { P_NORMALIZE, P_INJECT, P_PII, P_GUARD_IN, P_GUARD_IN_SESSION, N_PHASES };
static const char *const phase_name[N_PHASES] = {"normalise", "inject", "pii", "guard_in",
                                                 "guard_in_session"};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: guard_bench MESSAGES.jsonl [PASSES] | --rules\n");
        return 2;
    }
    if (strcmp(argv[1], "--rules") == 0) {
        for (size_t i = 0; i < inject_n_rules; i++) {
            struct buf b;
            buf_init(&b, 1 << 16);
            (void)buf_append_json_escaped(&b, inject_rules[i].re, strlen(inject_rules[i].re));
            printf("{\"name\":\"%zu\",\"re\":\"%s\"}\n", i, b.p ? b.p : "");
            buf_release(&b);
        }
        return 0;
    }
    int passes = argc > 2 ? atoi(argv[2]) : 5;
    const char *only = argc > 3 ? argv[3] : NULL; /* one phase by name, for profiling */
    passes = passes < 1 ? 1 : passes;
    size_t n, bytes;
    struct msg *m = read_messages(argv[1], &n, &bytes);
    if (!m || n == 0) {
        fprintf(stderr, "guard_bench: no messages in %s\n", argv[1]);
        return 1;
    }
    struct guard_inject *g;
    struct guard_vault *v;
    struct guard_vault_params vp = guard_vault_default_params();
    vp.max_entries = 256; /* a bench session sees its eight messages in every pass */
    if (guard_inject_create(&g) != AG_OK || guard_vault_create(&vp, &v) != AG_OK) {
        fprintf(stderr, "guard_bench: cannot create the guard\n");
        return 1;
    }
    struct guard_policy pol = {0.5, 0.9, false};
    uint64_t *lat = calloc(n * (size_t)passes, sizeof(uint64_t));
    double best[N_PHASES] = {0};
    struct buf out;
    buf_init(&out, (size_t)1 << 26);
    size_t flagged = 0, pii = 0;
    for (int pass = 0; pass < passes && lat; pass++) {
        for (int ph = 0; ph < N_PHASES; ph++) {
            if (only && strcmp(only, phase_name[ph]) != 0)
                continue;
            uint64_t t0 = clock_mono_ns();
            for (size_t i = 0; i < n; i++) {
                uint64_t s = ph == P_GUARD_IN ? clock_mono_ns() : 0; /* latency: one-turn */
                buf_reset(&out);
                ag_err rc = AG_OK;
                if (ph == P_NORMALIZE) {
                    rc = text_normalize(m[i].text, m[i].len, &out, NULL);
                } else if (ph == P_INJECT) {
                    struct guard_verdict vd;
                    rc = guard_inject_scan(g, m[i].text, m[i].len, 0, &vd);
                } else if (ph == P_PII) {
                    struct pii_span sp[GUARD_MAX_SPANS];
                    size_t found;
                    rc = pii_scan(m[i].text, m[i].len, sp, GUARD_MAX_SPANS, &found);
                } else {
                    struct guard_input_result r;
                    char sid[32];
                    snprintf(sid, sizeof(sid), "p%d-s%zu", pass, i % 256); /* new each pass */
                    rc = guard_input(g, &pol, v, "bench", ph == P_GUARD_IN_SESSION ? sid : NULL,
                                     m[i].text, m[i].len, &out, &r);
                    if (r.scoped)
                        guard_vault_scope_end(v, &r.scope);
                    if (pass == 0 && ph == P_GUARD_IN) {
                        flagged += r.action != GUARD_ALLOW;
                        pii += r.n_pii;
                    }
                    if (ph == P_GUARD_IN)
                        lat[(size_t)pass * n + i] = clock_mono_ns() - s;
                }
                if (rc != AG_OK) {
                    fprintf(stderr, "guard_bench: %s failed on message %zu: %s\n", phase_name[ph],
                            i, ag_strerror(rc));
                    return 1;
                }
            }
            double mbs = (double)bytes / 1e6 / ((double)(clock_mono_ns() - t0) / 1e9);
            best[ph] = mbs > best[ph] ? mbs : best[ph];
        }
    }
    if (!lat)
        return 1;
    size_t nl = n * (size_t)passes;
    qsort(lat, nl, sizeof(uint64_t), cmp_u64);
    printf("{\"messages\":%zu,\"bytes\":%zu,\"passes\":%d,\"flagged\":%zu,\"pii_values\":%zu", n,
           bytes, passes, flagged, pii);
    for (int ph = 0; ph < N_PHASES; ph++)
        printf(",\"%s_mb_per_s\":%.1f", phase_name[ph], best[ph]);
    printf(",\"guard_in_p50_us\":%.1f,\"guard_in_p99_us\":%.1f}\n", (double)lat[nl / 2] / 1e3,
           (double)lat[nl * 99 / 100] / 1e3);
    buf_release(&out);
    free(lat);
    for (size_t i = 0; i < n; i++)
        free(m[i].text);
    free(m);
    guard_vault_destroy(v);
    guard_inject_destroy(g);
    return 0;
}
