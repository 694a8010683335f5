// SPDX-License-Identifier: MIT
/* fuzz/fuzz_redis_url.c: the strict redis_url parser (limit/redis.c) accepts only
 * redis://HOST[:PORT][/DB] and gives a reason for anything else. */
#include <stdint.h>
#include <string.h>

#include "limit/limit_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char url[512];
    if (size >= sizeof(url))
        return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    struct limit_redis_params p = {0};
    char why[160] = "";
    ag_err rc = limit_redis_parse_url(url, &p, why, sizeof(why));
    if (rc != AG_OK && why[0] == '\0')
        __builtin_trap(); /* every refusal says why */
    if (rc == AG_OK && (p.host[0] == '\0' || p.port < 1 || p.port > 65535 || p.db > 15 ||
                        strncmp(url, "redis://", 8) != 0))
        __builtin_trap();
    return 0;
}
