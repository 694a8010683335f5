// SPDX-License-Identifier: MIT
/*
 * fuzz/fuzz_chat_body.c: the POST /v1/chat/completions body parser must never crash, leak
 * or hang, and what it accepts must be within the limits the later stages rely on.
 */
#include <stdint.h>
#include <string.h>

#include "agent/agent.h"
#include "core/json.h"

#define FZ_MAX_QUESTION 200
#define FZ_CTX          256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The number of messages in an accepted body (it parsed, so it is an object). */
static size_t count_messages(const uint8_t *data, size_t size)
{
    json_t *o = json_loadb((const char *)data, size, 0, NULL);
    size_t n = json_array_size(json_object_get(o, "messages"));
    json_decref(o);
    return n;
}

static void check_accepted(const struct turn *t, const uint8_t *data, size_t size)
{
    if (!t->question || t->question_len == 0 || t->question_len > FZ_MAX_QUESTION)
        __builtin_trap();
    if (!t->history || t->n_history >= count_messages(data, size))
        __builtin_trap();
    for (size_t i = 0; i <= t->n_history; i++) {
        const struct llm_message *m = &t->history[i];
        if (!m->content || strlen(m->content) > FZ_MAX_QUESTION ||
            (m->role != LLM_ROLE_USER && m->role != LLM_ROLE_ASSISTANT))
            __builtin_trap();
    }
    /* the question is the last message, trimmed */
    const char *last = t->history[t->n_history].content;
    if (t->question < last || t->question + t->question_len > last + strlen(last))
        __builtin_trap();
    if (t->n_stop > LLM_MAX_STOP)
        __builtin_trap();
    for (size_t i = 0; i < t->n_stop; i++)
        if (!t->stop[i] || t->stop[i][0] == '\0')
            __builtin_trap();
    if (!(t->temperature >= 0 && t->temperature <= 2) || !(t->top_p > 0 && t->top_p <= 1))
        __builtin_trap();
    if (t->max_tokens < 1 || t->max_tokens > FZ_CTX)
        __builtin_trap();
}

static void check_refused(const struct turn *t, ag_err rc)
{
    if (t->status != 400 && t->status != 404 && t->status != 413)
        __builtin_trap();
    if ((rc == AG_ETOOBIG) != (t->status == 413) || (rc != AG_EINVAL && rc != AG_ETOOBIG))
        __builtin_trap();
    /* the message goes back inside a JSON error object, which needs valid UTF-8 */
    json_t *s = json_string(t->err_message);
    if (!s)
        __builtin_trap();
    json_decref(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct config cfg;
    cfg = config_default();
    cfg.max_question_bytes = FZ_MAX_QUESTION;
    cfg.llm_ctx = FZ_CTX;
    cfg.llm_max_tokens = 64; /* the default when a body names none; within llm_ctx */
    struct agent_env env = {.cfg = &cfg, .model_id = "m"};
    struct turn t;
    if (turn_init(&t, &env) != AG_OK)
        return 0;
    t.body = (const char *)data;
    t.body_len = size;
    ag_err rc = turn_parse_chat_body(&t);
    if (rc == AG_OK)
        check_accepted(&t, data, size);
    else
        check_refused(&t, rc);
    turn_release(&t);
    return 0;
}
