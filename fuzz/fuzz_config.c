// SPDX-License-Identifier: MIT
/* fuzz/fuzz_config.c: the config file parser must reject bad input with a reason. */
#include <stdint.h>
#include <string.h>

#include "core/config.h"

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
    return 0;
}
