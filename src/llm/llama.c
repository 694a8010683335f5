// SPDX-License-Identifier: MIT
/*
 * llm/llama.c: the llama.cpp adapter for vocabularies, tokenisation and embeddings
 * (generation with continuous batching is engine.c, the only other file that includes
 * llama.h). llama.cpp's own log lines go through
 * our logger at debug level.
 * THREADS: llama_backend_init runs once (pthread_once); a loaded vocab is read-only.
 */
#include <llama.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

void llm_llama_init(void)
{
    pthread_once(&backend_once, backend_init);
}

unsigned llm_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 1024 ? (unsigned)n : 1;
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

/* ---- embeddings ------------------------------------------------------------------------- */

#define EMBED_CTX 512

struct llm_embedder {
    pthread_mutex_t mu;
    struct llama_model *model;
    struct llama_context *ctx;
    const struct llama_vocab *vocab;
    int32_t dim;
    llama_token *tokens;
    struct llama_batch batch;
    bool batch_ok;
};

ag_err llm_embedder_load(const char *path, unsigned threads, struct llm_embedder **out)
{
    pthread_once(&backend_once, backend_init);
    struct llm_embedder *e = calloc(1, sizeof(*e));
    if (!e)
        return AG_ENOMEM;
    pthread_mutex_init(&e->mu, NULL);
    struct llama_model_params mp = llama_model_default_params();
    e->model = llama_model_load_from_file(path, mp);
    if (!e->model) {
        log_error("llm: cannot load the embedding model %s", path);
        llm_embedder_free(e);
        return AG_EINVAL;
    }
    struct llama_context_params cp = llama_context_default_params();
    cp.embeddings = true;
    cp.pooling_type = LLAMA_POOLING_TYPE_MEAN;
    cp.n_ctx = EMBED_CTX;
    cp.n_batch = EMBED_CTX;
    cp.n_ubatch = EMBED_CTX;
    cp.n_threads = (int32_t)(threads ? threads : 1);
    cp.n_threads_batch = cp.n_threads;
    e->ctx = llama_init_from_model(e->model, cp);
    e->vocab = llama_model_get_vocab(e->model);
    e->dim = llama_model_n_embd(e->model);
    e->tokens = calloc(EMBED_CTX, sizeof(*e->tokens));
    if (!e->ctx || e->dim <= 0 || !e->tokens) {
        log_error("llm: cannot start an embedding context for %s", path);
        llm_embedder_free(e);
        return AG_EINVAL;
    }
    e->batch = llama_batch_init(EMBED_CTX, 0, 1);
    e->batch_ok = true;
    *out = e;
    return AG_OK;
}

void llm_embedder_free(struct llm_embedder *e)
{
    if (!e)
        return;
    if (e->batch_ok)
        llama_batch_free(e->batch);
    if (e->ctx)
        llama_free(e->ctx);
    if (e->model)
        llama_model_free(e->model);
    free(e->tokens);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

size_t llm_embedder_dim(const struct llm_embedder *e)
{
    return (size_t)e->dim;
}

ag_err llm_embed(struct llm_embedder *e, const char *text, size_t len, float *out)
{
    if (len > INT32_MAX)
        return AG_ETOOBIG;
    ag_err rc = AG_OK;
    pthread_mutex_lock(&e->mu);
    int32_t n = llama_tokenize(e->vocab, text, (int32_t)len, e->tokens, EMBED_CTX, true, false);
    if (n < 0) { /* longer than the context: embed its beginning */
        llama_token *all = malloc((size_t)(-n) * sizeof(*all));
        if (!all) {
            rc = AG_ENOMEM;
        } else {
            int32_t m = llama_tokenize(e->vocab, text, (int32_t)len, all, -n, true, false);
            n = m > EMBED_CTX ? EMBED_CTX : m;
            if (n > 0)
                memcpy(e->tokens, all, (size_t)n * sizeof(*all));
            free(all);
        }
    }
    if (rc == AG_OK && n <= 0) {
        for (int32_t i = 0; i < e->dim; i++)
            out[i] = 0;
        pthread_mutex_unlock(&e->mu);
        return AG_OK; /* nothing to embed: the zero vector matches nothing */
    }
    if (rc == AG_OK) {
        llama_memory_clear(llama_get_memory(e->ctx), true);
        e->batch.n_tokens = n;
        for (int32_t i = 0; i < n; i++) {
            e->batch.token[i] = e->tokens[i];
            e->batch.pos[i] = i;
            e->batch.n_seq_id[i] = 1;
            e->batch.seq_id[i][0] = 0;
            e->batch.logits[i] = 1;
        }
        if (llama_decode(e->ctx, e->batch) != 0) {
            log_error("llm: embedding failed tokens=%d", n);
            rc = AG_EIO;
        }
    }
    const float *v = rc == AG_OK ? llama_get_embeddings_seq(e->ctx, 0) : NULL;
    if (rc == AG_OK && !v)
        rc = AG_EIO;
    if (rc == AG_OK) {
        double norm = 0;
        for (int32_t i = 0; i < e->dim; i++)
            norm += (double)v[i] * v[i];
        norm = norm > 0 ? sqrt(norm) : 1;
        for (int32_t i = 0; i < e->dim; i++)
            out[i] = (float)(v[i] / norm);
    }
    pthread_mutex_unlock(&e->mu);
    return rc;
}
