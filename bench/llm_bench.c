// SPDX-License-Identifier: MIT
/*
 * bench/llm_bench.c: aggregate throughput of the llama backend at N concurrent turns, measured
 * the way llama.cpp's llama-batched-bench measures it, so bench/llm.sh can put the two side by
 * side on the same model file (issue 5).
 * It uses only the public backend API (llm/backend.h): one backend from llm_llama_create() with
 * llm_parallel sequences; for each N, N threads each call llm_generate() once at the same time
 * with their own chat (a system prompt and a user message of about NPP tokens together after
 * the template) and max_tokens = NTG, greedy, ignore_eos. Every system prompt is unique (round,
 * N and turn are written into it), so no turn reuses another's evaluated prompt: each turn
 * costs its whole prompt, as batched-bench without -pps.
 *   S     (prompt + generated tokens of all turns) / wall time from the start to the last end
 *         (batched-bench's "S t/s")
 *   S_TG  tokens generated after the last turn got its first token / the time from then to the
 *         end: the span where every turn only generates (compares with "S_TG t/s")
 * usage: llm_bench MODEL [--npp N] [--ntg N] [--npl 1,4,8,16] [--parallel P] [--ctx C]
 *                  [--batch B] [--threads T] [--round R]
 * Prints one JSON line per N.
 * THREADS: the turn threads share only the backend (safe for many callers) and the start gate.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "llm/backend.h"

#define MAX_TURNS 256u

/* Customer-service words: the user message is made of these until it has enough tokens. */
static const char *const words[] = {
    "order",    "parcel",   "delivery", "invoice", "refund",   "account",  "password", "address",
    "shipping", "Austria",  "Germany",  "payment", "card",     "return",   "warranty", "repair",
    "please",   "help",     "when",     "where",   "arrive",   "tracking", "number",   "customer",
    "service",  "question", "thanks",   "late",    "damaged",  "replace",  "change",   "cancel",
    "store",    "opening",  "hours",    "price",   "discount", "voucher",  "email",    "phone",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

struct turn {
    struct llm_backend *b;
    struct llm_message msgs[2];
    struct buf sys, user;
    unsigned ntg;
    uint64_t *piece_ns; /* when each piece arrived; at most cap */
    size_t n_pieces, cap;
    struct llm_usage usage;
    enum llm_finish finish;
    ag_err rc;
    uint64_t end_ns;
    /* start gate: every thread waits until main opens it, so all turns arrive at once */
    pthread_mutex_t *mu;
    pthread_cond_t *cv;
    const bool *open;
};

static bool on_piece(void *ctx, const char *text, size_t len)
{
    (void)text;
    (void)len;
    struct turn *t = ctx;
    if (t->n_pieces < t->cap)
        t->piece_ns[t->n_pieces++] = clock_mono_ns();
    return true;
}

static void *run_turn(void *arg)
{
    struct turn *t = arg;
    pthread_mutex_lock(t->mu);
    while (!*t->open)
        pthread_cond_wait(t->cv, t->mu);
    pthread_mutex_unlock(t->mu);
    struct llm_request r = {
        .msgs = t->msgs,
        .n_msgs = 2,
        .lang = TEXT_LANG_EN,
        .question = t->user.p,
        .max_tokens = t->ntg,
        .temperature = 0,
        .top_p = 1,
        .seed = 1,
        .ignore_eos = true,
        .on_piece = on_piece,
        .ctx = t,
    };
    t->rc = llm_generate(t->b, &r, &t->usage, &t->finish);
    t->end_ns = clock_mono_ns();
    return NULL;
}

static size_t count(struct llm_backend *b, const struct buf *text)
{
    return text->len ? b->ops->count_tokens(b, text->p, text->len) : 0;
}

/* The system prompt names the turn (so no two turns share it) and the user message adds
 * words until the two together count npp - overhead tokens in the model's vocabulary. */
static ag_err build_prompt(struct llm_backend *b, struct turn *t, unsigned round, unsigned n,
                           unsigned i, size_t npp, size_t overhead)
{
    char head[160];
    int k = snprintf(head, sizeof(head),
                     "You are the support assistant of a web shop (round %u, %u turns, turn %u). "
                     "Answer briefly and politely.",
                     round, n, i);
    if (k < 0 || (size_t)k >= sizeof(head))
        return AG_EINVAL;
    buf_reset(&t->sys);
    buf_reset(&t->user);
    ag_err rc = buf_append(&t->sys, head, (size_t)k);
    size_t sys_tokens = count(b, &t->sys);
    for (size_t w = 0; rc == AG_OK; w++) {
        size_t have = sys_tokens + count(b, &t->user) + overhead;
        if (have >= npp)
            break;
        const char *word = words[(w * 7 + (size_t)i * 13 + round) % N_WORDS];
        if (t->user.len)
            rc = buf_append(&t->user, " ", 1);
        if (rc == AG_OK)
            rc = buf_append(&t->user, word, strlen(word));
    }
    if (rc == AG_OK)
        rc = buf_append(&t->user, "?", 1);
    t->msgs[0] = (struct llm_message){LLM_ROLE_SYSTEM, t->sys.p};
    t->msgs[1] = (struct llm_message){LLM_ROLE_USER, t->user.p};
    return rc;
}

/* Runs n turns at once; prints one line. */
static int run_level(struct llm_backend *b, struct turn *turns, unsigned n, unsigned round,
                     size_t npp, size_t overhead, unsigned ntg)
{
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
    bool open = false;
    pthread_t th[MAX_TURNS];
    unsigned started = 0;
    for (unsigned i = 0; i < n; i++) {
        struct turn *t = &turns[i];
        if (build_prompt(b, t, round, n, i, npp, overhead) != AG_OK) {
            fprintf(stderr, "llm_bench: cannot build prompt %u\n", i);
            return 1;
        }
        t->b = b;
        t->ntg = ntg;
        t->n_pieces = 0;
        t->rc = AG_OK;
        memset(&t->usage, 0, sizeof(t->usage));
        t->mu = &mu;
        t->cv = &cv;
        t->open = &open;
    }
    for (; started < n; started++)
        if (pthread_create(&th[started], NULL, run_turn, &turns[started]) != 0)
            break;
    pthread_mutex_lock(&mu);
    uint64_t t0 = clock_mono_ns();
    open = true;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (started < n) {
        fprintf(stderr, "llm_bench: cannot start thread %u\n", started);
        return 1;
    }
    uint64_t t_end = 0, t_first_last = 0;
    size_t prompt = 0, gen = 0, pmin = SIZE_MAX, pmax = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct turn *t = &turns[i];
        if (t->rc != AG_OK || t->n_pieces == 0) {
            fprintf(stderr, "llm_bench: turn %u of %u failed: %s (%zu pieces)\n", i, n,
                    ag_strerror(t->rc), t->n_pieces);
            return 1;
        }
        t_end = t->end_ns > t_end ? t->end_ns : t_end;
        t_first_last = t->piece_ns[0] > t_first_last ? t->piece_ns[0] : t_first_last;
        prompt += t->usage.prompt_tokens;
        gen += t->usage.completion_tokens;
        pmin = t->usage.prompt_tokens < pmin ? t->usage.prompt_tokens : pmin;
        pmax = t->usage.prompt_tokens > pmax ? t->usage.prompt_tokens : pmax;
    }
    /* Tokens after t_first_last: a turn's pieces after it, counted as tokens (one piece is
     * one token unless a token ends inside a UTF-8 sequence: then this undercounts). */
    size_t gen_after = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct turn *t = &turns[i];
        size_t before = 0;
        while (before < t->n_pieces && t->piece_ns[before] <= t_first_last)
            before++;
        size_t c = t->usage.completion_tokens;
        gen_after += c > before ? c - before : 0;
    }
    double wall = (double)(t_end - t0) / 1e9, tg = (double)(t_end - t_first_last) / 1e9;
    printf("{\"n\":%u,\"round\":%u,\"prompt_tokens\":%zu,\"prompt_min\":%zu,\"prompt_max\":%zu,"
           "\"gen_tokens\":%zu,\"t_s\":%.3f,\"s_tps\":%.2f,\"t_first_s\":%.3f,\"tg_tokens\":%zu,"
           "\"s_tg_tps\":%.2f}\n",
           n, round, prompt, pmin, pmax, gen, wall, (double)(prompt + gen) / wall,
           (double)(t_first_last - t0) / 1e9, gen_after, tg > 0 ? (double)gen_after / tg : 0.0);
    fflush(stdout);
    return 0;
}

/* The template's own tokens: one turn with max_tokens 1, its prompt_tokens less what the two
 * messages count alone. Doubles as the warm-up. */
static ag_err measure_overhead(struct llm_backend *b, struct turn *t, size_t *overhead)
{
    if (build_prompt(b, t, 0, 0, 0, 0, 0) != AG_OK)
        return AG_ENOMEM;
    struct llm_request r = {
        .msgs = t->msgs,
        .n_msgs = 2,
        .lang = TEXT_LANG_EN,
        .question = t->user.p,
        .max_tokens = 1,
        .temperature = 0,
        .top_p = 1,
        .ignore_eos = true,
    };
    struct llm_usage u = {0};
    enum llm_finish f;
    ag_err rc = llm_generate(b, &r, &u, &f);
    if (rc != AG_OK)
        return rc;
    size_t alone = count(b, &t->sys) + count(b, &t->user);
    *overhead = u.prompt_tokens > alone ? u.prompt_tokens - alone : 0;
    return AG_OK;
}

static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = (unsigned)v;
    return true;
}

static int usage(void)
{
    fprintf(stderr, "usage: llm_bench MODEL [--npp N] [--ntg N] [--npl 1,4,8,16] "
                    "[--parallel P] [--ctx C] [--batch B] [--threads T] [--round R]\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned npp = 128, ntg = 64, parallel = 16, ctx = 0, batch = 512, threads = 2, round = 1;
    unsigned npl[MAX_TURNS] = {1, 4, 8, 16}, n_npl = 4;
    if (argc < 2)
        return usage();
    const char *model = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        bool ok = true;
        i++;
        if (!strcmp(k, "--npp"))
            ok = parse_uint(v, 1, 1u << 16, &npp);
        else if (!strcmp(k, "--ntg"))
            ok = parse_uint(v, 1, 1u << 16, &ntg);
        else if (!strcmp(k, "--parallel"))
            ok = parse_uint(v, 1, MAX_TURNS, &parallel);
        else if (!strcmp(k, "--ctx"))
            ok = parse_uint(v, 64, 1u << 20, &ctx);
        else if (!strcmp(k, "--batch"))
            ok = parse_uint(v, 8, 1u << 16, &batch);
        else if (!strcmp(k, "--threads"))
            ok = parse_uint(v, 1, 1024, &threads);
        else if (!strcmp(k, "--round"))
            ok = parse_uint(v, 0, 1u << 20, &round);
        else if (!strcmp(k, "--npl")) {
            n_npl = 0;
            for (const char *p = v; ok && *p; n_npl++) {
                char *end = NULL;
                unsigned long x = strtoul(p, &end, 10);
                ok = end != p && x >= 1 && x <= MAX_TURNS && n_npl < MAX_TURNS &&
                     (*end == ',' || *end == '\0');
                npl[n_npl] = (unsigned)x;
                p = *end == ',' ? end + 1 : end;
            }
            ok = ok && n_npl > 0;
        } else
            ok = false;
        if (!ok)
            return usage();
    }
    for (unsigned i = 0; i < n_npl; i++)
        if (npl[i] > parallel) {
            fprintf(stderr, "llm_bench: %u turns need --parallel %u or more\n", npl[i], npl[i]);
            return 2;
        }
    if (!ctx)
        ctx = (npp + ntg + 63) / 64 * 64 + 64; /* per turn: prompt, answer, template slack */

    struct config cfg = config_default();
    char why[256], num[5][16];
    snprintf(num[0], sizeof(num[0]), "%u", parallel);
    snprintf(num[1], sizeof(num[1]), "%u", ctx);
    snprintf(num[2], sizeof(num[2]), "%u", batch);
    snprintf(num[3], sizeof(num[3]), "%u", threads);
    snprintf(num[4], sizeof(num[4]), "%u", MAX_TURNS);
    const char *const set[][2] = {
        {"llm_backends", "llama"}, {"llm_model", model},          {"llm_parallel", num[0]},
        {"llm_ctx", num[1]},       {"llm_batch", num[2]},         {"llm_threads", num[3]},
        {"llm_queue", num[4]},     {"llm_timeout_ms", "3600000"},
    };
    for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
        if (config_set(&cfg, set[i][0], set[i][1], why, sizeof(why)) != AG_OK) {
            fprintf(stderr, "llm_bench: %s\n", why);
            return 2;
        }

    struct llm_backend *b = NULL;
    ag_err rc = llm_llama_create(&cfg, &b);
    if (rc != AG_OK) {
        fprintf(stderr, "llm_bench: cannot load %s: %s\n", model, ag_strerror(rc));
        return 1;
    }
    unsigned max_n = 0;
    for (unsigned i = 0; i < n_npl; i++)
        max_n = npl[i] > max_n ? npl[i] : max_n;
    struct turn *turns = calloc(max_n, sizeof(*turns));
    int ret = turns ? 0 : 1;
    for (unsigned i = 0; turns && i < max_n; i++) {
        buf_init(&turns[i].sys, 1 << 16);
        buf_init(&turns[i].user, 1 << 16);
        turns[i].cap = (size_t)ntg + 16;
        turns[i].piece_ns = calloc(turns[i].cap, sizeof(uint64_t));
        if (!turns[i].piece_ns)
            ret = 1;
    }
    size_t overhead = 0;
    if (ret == 0 && (rc = measure_overhead(b, &turns[0], &overhead)) != AG_OK) {
        fprintf(stderr, "llm_bench: warm-up turn failed: %s\n", ag_strerror(rc));
        ret = 1;
    }
    for (unsigned i = 0; ret == 0 && i < n_npl; i++)
        ret = run_level(b, turns, npl[i], round, npp, overhead, ntg);
    for (unsigned i = 0; turns && i < max_n; i++) {
        buf_release(&turns[i].sys);
        buf_release(&turns[i].user);
        free(turns[i].piece_ns);
    }
    free(turns);
    llm_backend_destroy(b);
    return ret;
}
