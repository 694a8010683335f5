// SPDX-License-Identifier: MIT
/*
 * llm/backend.c: names shared by the backends, and the extractive backend behind the
 * common interface (it quotes the retrieved passages, see extractive.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "llm/backend.h"
#include "llm/llm.h"

const char *llm_finish_name(enum llm_finish f)
{
    switch (f) {
    case LLM_FINISH_STOP:
        return "stop";
    case LLM_FINISH_LENGTH:
        return "length";
    case LLM_FINISH_CANCELLED:
        return "cancelled";
    case LLM_FINISH_DEADLINE:
        return "deadline";
    case LLM_FINISH_CUT:
        return "cut";
    }
    return "unknown";
}

const char *llm_role_name(enum llm_role r)
{
    switch (r) {
    case LLM_ROLE_SYSTEM:
        return "system";
    case LLM_ROLE_USER:
        return "user";
    case LLM_ROLE_ASSISTANT:
        return "assistant";
    }
    return "user";
}

/* ---- extractive ----------------------------------------------------------------------- */

struct extractive {
    struct llm_backend base;
    struct llm_extractive_params params;
};

static ag_err extractive_generate(struct llm_backend *b, const struct llm_request *r,
                                  struct llm_usage *u, enum llm_finish *finish)
{
    struct extractive *x = (struct extractive *)b;
    static const struct kb_result none = {0};
    struct arena a;
    arena_init(&a, (size_t)64 << 10);
    struct llm_answer ans;
    ag_err rc =
        llm_extractive_answer(&a, r->passages ? r->passages : &none, r->lang, &x->params, &ans);
    memset(u, 0, sizeof(*u));
    snprintf(u->model, sizeof(u->model), "%s", b->model);
    if (rc == AG_OK) {
        size_t n = strlen(ans.text);
        if (r->on_piece && !r->on_piece(r->ctx, ans.text, n))
            *finish = LLM_FINISH_CANCELLED;
        else
            *finish = LLM_FINISH_STOP;
    }
    arena_release(&a);
    return rc;
}

static size_t extractive_count(struct llm_backend *b, const char *text, size_t len)
{
    (void)b;
    (void)text;
    return (len + 3) / 4;
}

static void extractive_destroy(struct llm_backend *b)
{
    free(b);
}

static const struct llm_backend_ops extractive_ops = {extractive_generate, extractive_count,
                                                      extractive_destroy};

ag_err llm_extractive_create(const struct config *cfg, struct llm_backend **out)
{
    struct extractive *x = calloc(1, sizeof(*x));
    if (!x)
        return AG_ENOMEM;
    x->base.ops = &extractive_ops;
    x->base.kind = "extractive";
    snprintf(x->base.model, sizeof(x->base.model), "extractive");
    x->params = llm_extractive_default_params();
    x->params.threshold = cfg->answer_threshold;
    *out = &x->base;
    return AG_OK;
}
