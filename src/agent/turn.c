// SPDX-License-Identifier: MIT
/* agent/turn.c: creating, failing and releasing a turn. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "core/crypto.h"

#define TURN_ARENA_MAX (16u * 1024 * 1024)

ag_err turn_init(struct turn *t, const struct agent_env *env)
{
    memset(t, 0, sizeof(*t));
    arena_init(&t->arena, TURN_ARENA_MAX);
    buf_init(&t->response, 4u * 1024 * 1024);
    t->env = env;
    t->status = 200;
    t->lang = TEXT_LANG_UNKNOWN;
    uint8_t raw[16];
    ag_err rc = crypto_random(raw, sizeof(raw));
    if (rc != AG_OK)
        return rc;
    crypto_hex(raw, sizeof(raw), t->trace_id);
    return AG_OK;
}

void turn_release(struct turn *t)
{
    arena_release(&t->arena);
    buf_release(&t->response);
}

void turn_fail(struct turn *t, int status, const char *type, const char *code, const char *fmt,
               ...)
{
    t->status = status;
    t->err_type = type;
    t->err_code = code;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->err_message, sizeof(t->err_message), fmt, ap);
    va_end(ap);
    if (n < 0)
        t->err_message[0] = '\0';
}
