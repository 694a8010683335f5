// SPDX-License-Identifier: MIT
/*
 * llm/cost.c: the price table and the cost of a generation.
 * Entries are parsed once at start-up into whole micro-euros per million tokens (decimal
 * digits are read as integers, never through a double), kept in a small array and found
 * by a linear search: there are at most LLM_MAX_PRICES. A cost is tokens x price in
 * pico-euros, with overflow checked.
 * THREADS: the entries are read-only after create; warned[] and n_warned are guarded by
 * p->mu, which is released before logging.
 * OWNERSHIP: model names are copied into the table.
 */
#include "llm/cost.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"

#define MODEL_MAX   63 /* bytes of a model name, as in struct llm_usage */
#define WARNED_MAX  32 /* unpriced models remembered for the warn-once log */
#define FRAC_DIGITS 6  /* decimal places of a price: micro-euros */

struct price {
    char model[MODEL_MAX + 1];
    int64_t prompt, completion; /* micro-euros per 1M tokens */
};

struct llm_prices {
    struct price e[LLM_MAX_PRICES];
    size_t n;
    pthread_mutex_t mu;
    char warned[WARNED_MAX][MODEL_MAX + 1];
    size_t n_warned;
};

/* The why text; a cut leaves what fitted, which is still readable. */
static ag_err fail_entry(char *why, size_t why_len, unsigned idx, const char *entry,
                         const char *what, const char *reason)
{
    if (why && why_len &&
        snprintf(why, why_len, "llm_price entry %u ('%s'): %s%s", idx + 1, entry, what, reason) < 0)
        why[0] = '\0';
    return AG_ECONFIG;
}

/* A price: digits, optionally '.' and digits, as micro-euros per 1M tokens in *out.
 * Returns NULL, or the reason it is not one. */
static const char *parse_price(const char *p, size_t n, int64_t *out)
{
    static const char *const not_decimal = "is not a plain decimal number such as 0.15";
    size_t i = 0;
    int64_t whole = 0, frac = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') {
        whole = whole * 10 + (p[i++] - '0');
        if (whole > LLM_PRICE_MAX_EUR) /* checked per digit, so whole cannot overflow */
            return "is above 1000000 EUR per 1M tokens";
    }
    if (i == 0)
        return not_decimal;
    int places = 0;
    if (i < n) {
        if (p[i++] != '.' || i == n)
            return not_decimal;
        for (; i < n; i++) {
            if (p[i] < '0' || p[i] > '9')
                return not_decimal;
            if (places < FRAC_DIGITS) {
                frac = frac * 10 + (p[i] - '0');
                places++;
            } else if (p[i] != '0') {
                return "has more than 6 decimal places (prices count whole micro-euros)";
            }
        }
    }
    for (; places < FRAC_DIGITS; places++) /* "0.15": 15 -> 150000 micro-euros */
        frac *= 10;
    if (whole == LLM_PRICE_MAX_EUR && frac > 0)
        return "is above 1000000 EUR per 1M tokens";
    *out = whole * 1000000 + frac;
    return NULL;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Split entry into at most 4 blank-separated fields; returns how many there were (4 means
 * "more than 3"). */
static size_t split_fields(const char *entry, struct str f[4])
{
    size_t n = 0;
    const char *p = entry;
    while (*p && n < 4) {
        while (is_blank(*p))
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && !is_blank(*p))
            p++;
        f[n++] = (struct str){start, (size_t)(p - start)};
    }
    return n;
}

static ag_err parse_entry(struct llm_prices *t, unsigned idx, const char *entry, char *why,
                          size_t why_len)
{
    struct str f[4];
    if (split_fields(entry, f) != 3)
        return fail_entry(why, why_len, idx, entry, "",
                          "want MODEL EUR_PER_1M_PROMPT_TOKENS EUR_PER_1M_COMPLETION_TOKENS");
    if (f[0].len > MODEL_MAX)
        return fail_entry(why, why_len, idx, entry, "", "the model name is over 63 bytes");
    for (size_t i = 0; i < f[0].len; i++)
        if ((unsigned char)f[0].p[i] < 0x20 || f[0].p[i] == 0x7f)
            return fail_entry(why, why_len, idx, entry, "",
                              "the model name has a control character");
    struct price *e = &t->e[t->n];
    memcpy(e->model, f[0].p, f[0].len);
    e->model[f[0].len] = '\0';
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->e[i].model, e->model) == 0) {
            char note[128];
            if (snprintf(note, sizeof(note), "model '%s' is listed twice (also entry %zu)",
                         e->model, i + 1) < 0)
                note[0] = '\0';
            return fail_entry(why, why_len, idx, entry, "", note);
        }
    const char *bad = parse_price(f[1].p, f[1].len, &e->prompt);
    if (bad)
        return fail_entry(why, why_len, idx, entry, "the prompt price ", bad);
    bad = parse_price(f[2].p, f[2].len, &e->completion);
    if (bad)
        return fail_entry(why, why_len, idx, entry, "the completion price ", bad);
    t->n++;
    return AG_OK;
}

ag_err llm_prices_create(const struct config *cfg, char *why, size_t why_len,
                         struct llm_prices **out)
{
    if (cfg->n_llm_price > LLM_MAX_PRICES) {
        if (why && why_len)
            snprintf(why, why_len, "llm_price: more than %d entries", LLM_MAX_PRICES);
        return AG_ECONFIG;
    }
    struct llm_prices *t = calloc(1, sizeof(*t));
    if (!t)
        return AG_ENOMEM;
    for (unsigned i = 0; i < cfg->n_llm_price; i++) {
        char entry[sizeof(cfg->llm_price[0])];
        /* The config keeps entries NUL-terminated; copying bounded makes sure of it here. */
        memcpy(entry, cfg->llm_price[i], sizeof(entry));
        entry[sizeof(entry) - 1] = '\0';
        ag_err rc = parse_entry(t, i, entry, why, why_len);
        if (rc != AG_OK) {
            free(t);
            return rc;
        }
    }
    pthread_mutex_init(&t->mu, NULL);
    *out = t;
    return AG_OK;
}

void llm_prices_free(struct llm_prices *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->mu);
    free(p);
}

size_t llm_prices_count(const struct llm_prices *p)
{
    return p->n;
}

static const struct price *find(const struct llm_prices *p, const char *model)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->e[i].model, model) == 0)
            return &p->e[i];
    return NULL;
}

bool llm_prices_get(const struct llm_prices *p, const char *model, int64_t *prompt_ueur_per_m,
                    int64_t *completion_ueur_per_m)
{
    const struct price *e = find(p, model ? model : "");
    if (!e)
        return false;
    if (prompt_ueur_per_m)
        *prompt_ueur_per_m = e->prompt;
    if (completion_ueur_per_m)
        *completion_ueur_per_m = e->completion;
    return true;
}

/* tokens x micro-euros per 1M tokens = pico-euros (10^-6 EUR / 10^6 tokens per token). */
static int64_t times(uint32_t tokens, int64_t ueur_per_m)
{
    int64_t r;
    if (__builtin_mul_overflow((int64_t)tokens, ueur_per_m, &r))
        return INT64_MAX;
    return r;
}

static bool is_local(const char *kind)
{
    return kind && (strcmp(kind, "llama") == 0 || strcmp(kind, "extractive") == 0);
}

/* true the first time model is seen here (while the warned set has room). */
static bool first_sighting(struct llm_prices *p, const char *model)
{
    bool first = false;
    pthread_mutex_lock(&p->mu);
    size_t i = 0;
    while (i < p->n_warned && strncmp(p->warned[i], model, MODEL_MAX) != 0)
        i++;
    if (i == p->n_warned && p->n_warned < WARNED_MAX) {
        snprintf(p->warned[p->n_warned++], MODEL_MAX + 1, "%s", model);
        first = true;
    }
    pthread_mutex_unlock(&p->mu);
    return first;
}

struct llm_cost llm_prices_cost(struct llm_prices *p, const char *kind, const char *model,
                                uint32_t prompt_tokens, uint32_t completion_tokens)
{
    if (!model)
        model = "";
    const struct price *e = find(p, model);
    if (e)
        return (struct llm_cost){
            money_add(times(prompt_tokens, e->prompt), times(completion_tokens, e->completion)),
            true};
    if (is_local(kind))
        return (struct llm_cost){0, true};
    if (first_sighting(p, model))
        log_warn("llm: unpriced model=%.63s kind=%s: its cost counts as 0 EUR; add an "
                 "llm_price line for it",
                 model, kind ? kind : "?");
    return (struct llm_cost){0, false};
}

struct llm_cost llm_usage_cost(struct llm_prices *p, const char *kind, const struct llm_usage *u)
{
    char model[sizeof(u->model)]; /* a backend that filled all 64 bytes left no NUL */
    memcpy(model, u->model, sizeof(model));
    model[sizeof(model) - 1] = '\0';
    return llm_prices_cost(p, kind, model, u->prompt_tokens, u->completion_tokens);
}
