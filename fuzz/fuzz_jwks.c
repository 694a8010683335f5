// SPDX-License-Identifier: MIT
/*
 * fuzz/fuzz_jwks.c: the JWKS parser (auth/jwt.h, jwt_jwks_check) on arbitrary bytes, as a
 * reply from a JWKS URL would reach it: strict JSON, a "keys" array, RSA/EC/oct keys built
 * with OpenSSL, keys we do not implement skipped. Invariants: the result is AG_OK,
 * AG_ECONFIG or AG_ENOMEM; AG_OK never holds more than 64 keys; parsing is deterministic
 * (the same bytes give the same result and key count twice).
 */
#include <stdint.h>
#include <stdlib.h>

#include "auth/jwt.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_min_level = LOG_OFF; /* refusals are logged; not what we are looking at */
    size_t n1 = 0, n2 = 0;
    ag_err a = jwt_jwks_check((const char *)data, size, &n1);
    ag_err b = jwt_jwks_check((const char *)data, size, &n2);
    if (a != AG_OK && a != AG_ECONFIG && a != AG_ENOMEM)
        __builtin_trap();
    if (a == AG_OK && n1 > 64)
        __builtin_trap();
    if (a != AG_ENOMEM && b != AG_ENOMEM && (a != b || n1 != n2))
        __builtin_trap();
    return 0;
}
