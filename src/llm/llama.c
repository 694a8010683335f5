// SPDX-License-Identifier: MIT
/*
 * llm/llama.c: the llama.cpp adapter (the only file that includes llama.h).
 * Today it loads a model's vocabulary only and tokenises; generation with continuous
 * batching is built on the same adapter later. llama.cpp's own log lines go through
 * our logger at debug level.
 * THREADS: llama_backend_init runs once (pthread_once); a loaded vocab is read-only.
 */
#include <llama.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "llm/llm.h"

struct llm_vocab {
    struct llama_model *model;
    const struct llama_vocab *vocab;
};

static pthread_once_t backend_once = PTHREAD_ONCE_INIT;

static void quiet_log(enum ggml_log_level level, const char *text, void *user)
{
    (void)user;
    if (level == GGML_LOG_LEVEL_ERROR)
        log_warn("llama: %.200s", text);
    else
        log_debug("llama: %.200s", text);
}

static void backend_init(void)
{
    llama_log_set(quiet_log, NULL);
    llama_backend_init();
}

ag_err llm_vocab_load(const char *path, struct llm_vocab **out)
{
    pthread_once(&backend_once, backend_init);
    struct llm_vocab *v = calloc(1, sizeof(*v));
    if (!v)
        return AG_ENOMEM;
    struct llama_model_params mp = llama_model_default_params();
    mp.vocab_only = true;
    v->model = llama_model_load_from_file(path, mp);
    if (!v->model) {
        log_error("llm: cannot load vocabulary from %s", path);
        free(v);
        return AG_EINVAL;
    }
    v->vocab = llama_model_get_vocab(v->model);
    *out = v;
    return AG_OK;
}

void llm_vocab_free(struct llm_vocab *v)
{
    if (!v)
        return;
    llama_model_free(v->model);
    free(v);
}

size_t llm_vocab_size(const struct llm_vocab *v)
{
    int32_t n = llama_vocab_n_tokens(v->vocab);
    return n > 0 ? (size_t)n : 0;
}

ag_err llm_tokenize(const struct llm_vocab *v, const char *text, size_t len, bool add_special,
                    int32_t *tokens, size_t max, size_t *n)
{
    if (len > INT32_MAX || max > INT32_MAX)
        return AG_ETOOBIG;
    int32_t got =
        llama_tokenize(v->vocab, text, (int32_t)len, tokens, (int32_t)max, add_special, false);
    if (got < 0)
        return AG_ETOOBIG;
    *n = (size_t)got;
    return AG_OK;
}

const char *llm_llama_info(void)
{
    pthread_once(&backend_once, backend_init);
    return llama_print_system_info();
}
