// SPDX-License-Identifier: MIT
/* fuzz/fuzz_guard_scan.c: one line of `agentgate guard scan` on arbitrary bytes (JSON
 * parsing, normalisation, decoding of embedded text, the rules, the classifier with its
 * reasons, PII spans in code points): an error or one JSON line, and a score in 0..1. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "guard/inject.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct guard_inject *model;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!model && guard_inject_create(&model) != AG_OK)
        abort();
    struct guard_policy p = {0.5, 0.9, false};
    struct buf out;
    buf_init(&out, (size_t)1 << 22);
    ag_err rc = guard_scan_line(model, &p, (const char *)data, size, &out);
    if ((rc == AG_OK || rc == AG_EINVAL) && (out.len == 0 || out.p[out.len - 1] != '\n'))
        __builtin_trap();
    /* the line is one valid JSON object (strict UTF-8) */
    json_t *o = NULL;
    char why[128];
    if ((rc == AG_OK || rc == AG_EINVAL) &&
        json_parse_object(out.p, out.len - 1, 8, &o, why, sizeof(why)) != AG_OK)
        __builtin_trap();
    json_decref(o);
    buf_release(&out);
    struct guard_verdict v;
    if (guard_inject_scan(model, (const char *)data, size, GUARD_SCAN_REASONS, &v) == AG_OK) {
        if (!(v.score >= 0 && v.score <= 1) || v.n_reasons > GUARD_MAX_REASONS)
            __builtin_trap();
        for (size_t i = 0; i < v.n_reasons; i++)
            if (!memchr(v.reasons[i].what, '\0', sizeof(v.reasons[i].what)))
                __builtin_trap();
    }
    return 0;
}
