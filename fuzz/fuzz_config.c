// SPDX-License-Identifier: MIT
/* fuzz/fuzz_config.c: the config file parser, the checks across keys (config_validate:
 * CORS origins, master key, audit store, JWKS URL, ...) and the price table parsed from its
 * llm_price entries must reject bad input with a reason. */
#include <stdint.h>
#include <string.h>

#include "core/config.h"
#include "llm/cost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config c = config_default();
    char why[512] = "";
    ag_err rc = config_parse(&c, (const char *)data, size, why, sizeof(why));
    if (rc != AG_OK && strncmp(why, "line ", 5) != 0)
        __builtin_trap(); /* every error names its line */
    if (rc == AG_OK && (c.threads < 1 || c.threads > 256 || c.listen[0] == '\0'))
        __builtin_trap();
    if (rc == AG_OK) {
        why[0] = '\0';
        if (config_validate(&c, why, sizeof(why)) != AG_OK && why[0] == '\0')
            __builtin_trap(); /* every refusal says why */
    }
    if (rc == AG_OK) {
        struct llm_prices *p = NULL;
        rc = llm_prices_create(&c, why, sizeof(why), &p);
        if (rc == AG_ECONFIG && strncmp(why, "llm_price entry ", 16) != 0)
            __builtin_trap(); /* every error names its entry */
        if (rc == AG_OK && llm_prices_count(p) != c.n_llm_price)
            __builtin_trap();
        llm_prices_free(p);
    }
    return 0;
}
