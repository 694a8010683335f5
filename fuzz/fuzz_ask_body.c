// SPDX-License-Identifier: MIT
/* fuzz/fuzz_ask_body.c: the POST /v1/ask body parser must never crash, leak or hang. */
#include <stdint.h>
#include <string.h>

#include "agent/agent.h"
#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct config cfg;
    cfg = config_default();
    cfg.max_question_bytes = 200;
    struct agent_env env = {.cfg = &cfg};
    struct turn t;
    if (turn_init(&t, &env) != AG_OK)
        return 0;
    t.body = (const char *)data;
    t.body_len = size;
    ag_err rc = turn_parse_body(&t);
    /* Invariants: success means a non-empty question within the cap; failure a 4xx. */
    if (rc == AG_OK && (!t.question || t.question_len == 0 || t.question_len > 200))
        __builtin_trap();
    if (rc != AG_OK && (t.status < 400 || t.status > 499))
        __builtin_trap();
    /* the message goes back inside a JSON error object, which needs valid UTF-8 */
    json_t *msg = rc != AG_OK ? json_string(t.err_message) : NULL;
    if (rc != AG_OK && !msg)
        __builtin_trap();
    json_decref(msg);
    turn_release(&t);
    return 0;
}
