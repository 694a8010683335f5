/*
 * llm/cost.h: what a generation costs, from the price table in the config. Each
 * `llm_price` entry reads "MODEL EUR_PER_1M_PROMPT_TOKENS EUR_PER_1M_COMPLETION_TOKENS".
 *
 * Money is int64 pico-euros (core/money.h: MONEY_UNITS_PER_EUR = 10^12 units per EUR). A
 * price may have at most six decimal places, so it is a whole number of micro-euros per
 * million tokens, and tokens x that number is the cost in pico-euros: exact, no division,
 * no rounding, and sums of costs are exact too (1234 prompt tokens at 0.15 plus 567
 * completion tokens at 0.60 EUR/1M cost 525 300 000 units = 0.0005253 EUR).
 *
 * Models not in the table: a local model (backend kind "llama", and "extractive", which
 * runs no model) costs 0 and counts as priced. An upstream model (any other kind) also
 * costs 0 but comes back with priced = false: the caller counts it in the metric
 * agentgate_llm_unpriced_total{model}, and llm_prices_cost() logs a warning the first
 * time it sees each such model. A listed model always costs its listed price, local or not.
 *
 * OWNERSHIP: llm_prices_create() copies what it needs from the config.
 * THREADS: the table is read-only once built; the set of models already warned about is
 * guarded by the table's own mutex (held for a lookup, never across I/O or logging).
 */
#ifndef AG_LLM_COST_H
#define AG_LLM_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "core/money.h"
#include "llm/backend.h"

#define LLM_PRICE_MAX_EUR 1000000 /* per 1M tokens: anything above is taken for a typo */

struct llm_prices;

/* Parse cfg->llm_price[0 .. n_llm_price). Strict: three fields separated by blanks, the
 * model 1..63 bytes, each price a plain decimal ("0.15", "2", no sign or exponent) from 0
 * to LLM_PRICE_MAX_EUR with at most six decimal places (further zeros are allowed), and no
 * model twice. AG_ECONFIG with a reason naming the entry ("llm_price entry 2 ('gpt-4o 2.5
 * x'): ..."); AG_ENOMEM. An empty list gives an empty table. */
ag_err llm_prices_create(const struct config *cfg, char *why, size_t why_len,
                         struct llm_prices **out);
void llm_prices_free(struct llm_prices *p); /* NULL is a no-op */

/* Entries in the table. */
size_t llm_prices_count(const struct llm_prices *p);
/* The listed prices of model in micro-euros per 1M tokens; false when it is not listed. */
bool llm_prices_get(const struct llm_prices *p, const char *model, int64_t *prompt_ueur_per_m,
                    int64_t *completion_ueur_per_m);

struct llm_cost {
    int64_t units; /* pico-euros; saturates at INT64_MAX (never reached by real usage) */
    bool priced;   /* false: an upstream model the table does not list (units is 0) */
};

/* The cost of prompt + completion tokens answered by model on a backend of kind ("llama",
 * "openai", "extractive"; NULL counts as an upstream). See the file comment for models
 * not in the table; the first time an unlisted upstream model is seen this logs a warning
 * (the first 32 distinct ones; the caller's metric counts every turn). */
struct llm_cost llm_prices_cost(struct llm_prices *p, const char *kind, const char *model,
                                uint32_t prompt_tokens, uint32_t completion_tokens);

/* llm_prices_cost() for the usage a backend filled in (its model, its token counts). */
struct llm_cost llm_usage_cost(struct llm_prices *p, const char *kind, const struct llm_usage *u);

#endif
