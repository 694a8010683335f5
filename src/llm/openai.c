// SPDX-License-Identifier: MIT
/* llm/openai.c: placeholder until the upstream pool lands (refuses to start). */
#include "core/log.h"
#include "llm/backend.h"

ag_err llm_openai_create(const struct config *cfg, struct llm_backend **out)
{
    (void)cfg;
    (void)out;
    log_error("llm: the openai backend is not built yet");
    return AG_ECONFIG;
}
