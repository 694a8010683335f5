// SPDX-License-Identifier: MIT
/*
 * llm/engine.c: the `llama` backend: one llama.cpp context, one decode thread, up to
 * llm_parallel turns decoded together as separate sequences (continuous batching).
 *
 *   caller threads                         the decode thread
 *   generate(): template + tokenise  ──▶   queue ──▶ free sequence? admit
 *               wait for pieces      ◀──   one llama_decode per step over every active
 *               on_piece() them             turn (prompt chunks + one token each),
 *                                           sample each, append text, free finished ones
 *
 * New turns join between steps; a finished or cancelled turn frees its sequence at once.
 * The agent's system prompt (msgs[0]) is evaluated once: the first turn that brings it
 * decodes its tokens into the prefix sequence as well as its own (a token may belong to
 * several sequences), later turns with the same prefix copy it (llama_memory_seq_cp, a
 * metadata copy in the unified KV cache) and decode only the rest.
 *
 * Chat messages go through the model's own chat template (llama_chat_apply_template).
 * The template's scaffolding is tokenised with special tokens recognised, the messages'
 * contents without: a customer who writes "<|im_start|>system" gets those characters,
 * not the control token.
 *
 * Text is released whole code points at a time and never past the start of a possible
 * stop string. Deadline, max tokens, the turn's context and cancellation are checked every
 * step.
 * THREADS: generate() from any thread; the engine's mutex guards the queue, the slots'
 * hand-over fields and each job's output; llama.cpp is touched only by the decode thread
 * (and by tokenisation, which the vocab allows from any thread).
 */
#include <llama.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "llm/backend.h"
#include "llm/llm.h"

#define MAX_SLOTS    256
#define WAIT_POLL_MS 20

struct job {
    /* set by the caller before queueing, read-only afterwards */
    const struct llm_request *r;
    llama_token *prompt;
    int32_t n_prompt;
    int32_t n_system; /* tokens of the shared system prefix (0: none) */
    unsigned max_tokens;
    uint64_t deadline_ns;
    atomic_bool cancel;
    /* the decode thread's */
    struct llama_sampler *smpl;
    int32_t seq;      /* sequence id while admitted, -1 before */
    int32_t n_past;   /* tokens of this turn in its sequence */
    int32_t i_logits; /* batch index of the logits to sample, -1 none */
    llama_token last;
    unsigned n_gen;
    struct buf text;     /* everything generated so far */
    size_t released;     /* bytes of text handed to the caller's queue */
    bool filling_prefix; /* this job decodes the shared prefix into the prefix sequence */
    /* hand-over, under the engine's mutex */
    struct buf out; /* text released, not yet taken by the caller */
    bool done;
    ag_err err;
    enum llm_finish finish;
    double first_piece_ms;
    uint64_t t0;
    pthread_cond_t cv;
    struct job *next;
};

struct engine {
    struct llm_backend base;
    struct llama_model *model;
    const struct llama_vocab *vocab;
    struct llama_context *ctx;
    const char *tmpl;
    int32_t n_slots, n_ctx_seq, n_batch;
    unsigned max_queue;
    struct llama_batch batch;
    pthread_t thread;
    bool thread_ok;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* the decode thread waits here for work */
    bool stopping;
    struct job *head, *tail; /* waiting for a sequence */
    unsigned queued;
    struct job *slots[MAX_SLOTS];
    /* the shared prefix: tokens held by sequence prefix_seq */
    int32_t prefix_seq;
    llama_token *prefix;
    int32_t n_prefix;
    bool prefix_ready; /* false while its first turn is still decoding it */
    struct llm_llama_stats stats;
};

/* ---- prompt: template + tokenisation (caller's thread) ---------------------------------- */

/* Marks a message's place in the rendered template; no template alters it. */
#define MARK_FMT                                                                                   \
    "\x02"                                                                                         \
    "agm%zu"                                                                                       \
    "\x03"

static ag_err tokenize_append(const struct engine *e, const char *p, size_t n, bool special,
                              bool add_bos, llama_token **toks, int32_t *n_toks, size_t *cap)
{
    if (n == 0 && !add_bos)
        return AG_OK;
    if (n > INT32_MAX / 2)
        return AG_ETOOBIG;
    size_t need = (size_t)*n_toks + n + 8;
    if (need > *cap) {
        llama_token *t = realloc(*toks, need * sizeof(*t));
        if (!t)
            return AG_ENOMEM;
        *toks = t;
        *cap = need;
    }
    int32_t got = llama_tokenize(e->vocab, p, (int32_t)n, *toks + *n_toks,
                                 (int32_t)(*cap - (size_t)*n_toks), add_bos, special);
    if (got < 0)
        return AG_EIO;
    *n_toks += got;
    return AG_OK;
}

/* Render r's messages with the model's template and tokenise them: scaffolding with
 * special tokens, contents as plain text. *n_system: tokens up to the end of msgs[0]'s
 * content when it is a system message. */
static ag_err build_prompt(const struct engine *e, const struct llm_request *r, llama_token **out,
                           int32_t *n_out, int32_t *n_system)
{
    if (r->n_msgs == 0 || r->n_msgs > 4096)
        return AG_EINVAL;
    struct llama_chat_message *cm = calloc(r->n_msgs, sizeof(*cm));
    char(*marks)[40] = calloc(r->n_msgs, sizeof(*marks));
    ag_err rc = cm && marks ? AG_OK : AG_ENOMEM;
    for (size_t i = 0; rc == AG_OK && i < r->n_msgs; i++) {
        if (!r->msgs[i].content)
            rc = AG_EINVAL;
        snprintf(marks[i], sizeof(marks[i]), MARK_FMT, i);
        cm[i].role = llm_role_name(r->msgs[i].role);
        cm[i].content = marks[i];
    }
    int32_t len =
        rc == AG_OK ? llama_chat_apply_template(e->tmpl, cm, r->n_msgs, true, NULL, 0) : -1;
    if (rc == AG_OK && len < 0) {
        log_error("llm: the model's chat template cannot be applied");
        rc = AG_EIO;
    }
    char *text = rc == AG_OK ? malloc((size_t)len + 1) : NULL;
    if (rc == AG_OK && !text)
        rc = AG_ENOMEM;
    if (rc == AG_OK &&
        llama_chat_apply_template(e->tmpl, cm, r->n_msgs, true, text, len + 1) != len)
        rc = AG_EIO;
    llama_token *toks = NULL;
    int32_t n = 0;
    size_t cap = 0;
    *n_system = 0;
    const char *p = text;
    for (size_t i = 0; rc == AG_OK && i < r->n_msgs; i++) {
        const char *m = strstr(p, marks[i]);
        if (!m) {
            log_error("llm: the chat template dropped or reordered message %zu", i);
            rc = AG_EIO;
            break;
        }
        rc = tokenize_append(e, p, (size_t)(m - p), true, i == 0, &toks, &n, &cap);
        if (rc == AG_OK)
            rc = tokenize_append(e, r->msgs[i].content, strlen(r->msgs[i].content), false, false,
                                 &toks, &n, &cap);
        if (i == 0 && r->msgs[0].role == LLM_ROLE_SYSTEM)
            *n_system = n;
        p = m + strlen(marks[i]);
    }
    if (rc == AG_OK)
        rc = tokenize_append(e, p, strlen(p), true, false, &toks, &n, &cap);
    /* a template that writes BOS itself, tokenised with BOS added, starts with two */
    if (rc == AG_OK && n >= 2 && toks[0] == toks[1] && toks[0] == llama_vocab_bos(e->vocab)) {
        memmove(toks, toks + 1, (size_t)(n - 1) * sizeof(*toks));
        n--;
        if (*n_system > 0)
            (*n_system)--;
    }
    if (rc == AG_OK && n == 0)
        rc = AG_EINVAL;
    free(text);
    free(cm);
    free(marks);
    if (rc != AG_OK) {
        free(toks);
        return rc;
    }
    *out = toks;
    *n_out = n;
    return AG_OK;
}

/* ---- the decode thread ---------------------------------------------------------------- */

static struct llama_sampler *make_sampler(const struct llm_request *r)
{
    struct llama_sampler *s = llama_sampler_chain_init(llama_sampler_chain_default_params());
    if (!s)
        return NULL;
    if (r->temperature <= 0) {
        llama_sampler_chain_add(s, llama_sampler_init_greedy());
    } else {
        uint64_t x = r->seed * 0x9E3779B97F4A7C15ull;
        uint32_t seed = (uint32_t)(x >> 32) ^ (uint32_t)x;
        if (r->top_p > 0 && r->top_p < 1)
            llama_sampler_chain_add(s, llama_sampler_init_top_p(r->top_p, 1));
        llama_sampler_chain_add(s, llama_sampler_init_temp(r->temperature));
        /* LLAMA_DEFAULT_SEED means "random": keep to fixed seeds */
        llama_sampler_chain_add(s, llama_sampler_init_dist(seed == LLAMA_DEFAULT_SEED ? 1 : seed));
    }
    return s;
}

/* Length of the longest complete-UTF-8 prefix of p[0..n) (an unfinished sequence at the
 * end is held back; invalid bytes are not: the caller checks validity). */
static size_t utf8_complete(const char *p, size_t n)
{
    size_t i = n, back = 0;
    while (i > 0 && back < 4 && ((unsigned char)p[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return n;
    unsigned char lead = (unsigned char)p[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return need > back + 1 ? i - 1 : n;
}

/* Move newly final text of j into its out queue; on a stop string end the turn. Returns
 * true when a stop string was found. Called with the engine's mutex held. */
static bool release_text(struct job *j, bool final)
{
    const struct llm_request *r = j->r;
    const char *t = j->text.p ? j->text.p : "";
    size_t n = j->text.len, limit = n;
    bool stopped = false;
    for (size_t s = 0; s < r->n_stop; s++) {
        size_t sl = strlen(r->stop[s]);
        if (!sl)
            continue;
        size_t from = j->released > sl ? j->released - sl : 0;
        for (size_t i = from; i + sl <= n; i++)
            if (memcmp(t + i, r->stop[s], sl) == 0) {
                if (i < limit)
                    limit = i;
                stopped = true;
                break;
            }
    }
    if (!stopped && !final) {
        /* hold back a tail that may still become a stop string */
        for (size_t s = 0; s < r->n_stop; s++) {
            size_t sl = strlen(r->stop[s]);
            for (size_t k = sl > 1 ? sl - 1 : 0; k > 0; k--)
                if (k <= n && memcmp(t + n - k, r->stop[s], k) == 0) {
                    if (n - k < limit)
                        limit = n - k;
                    break;
                }
        }
        limit = j->released + utf8_complete(t + j->released, limit - j->released);
    }
    if (limit > j->released) {
        if (buf_append(&j->out, t + j->released, limit - j->released) != AG_OK)
            j->err = AG_ENOMEM;
        if (j->first_piece_ms == 0)
            j->first_piece_ms = (double)(clock_mono_ns() - j->t0) / 1e6;
        j->released = limit;
    }
    return stopped;
}

/* End job j (mutex held): free its sequence and sampler, wake its caller. */
static void finish_job(struct engine *e, struct job *j, ag_err err, enum llm_finish f)
{
    if (err == AG_OK)
        (void)release_text(j, true);
    j->err = j->err ? j->err : err;
    j->finish = f;
    if (j->seq >= 0) {
        llama_memory_seq_rm(llama_get_memory(e->ctx), j->seq, -1, -1);
        e->slots[j->seq] = NULL;
        j->seq = -1;
    }
    if (j->filling_prefix) { /* its prefix never finished: forget it */
        llama_memory_seq_rm(llama_get_memory(e->ctx), e->prefix_seq, -1, -1);
        e->n_prefix = 0;
        e->prefix_ready = false;
        j->filling_prefix = false;
    }
    llama_sampler_free(j->smpl);
    j->smpl = NULL;
    j->done = true;
    pthread_cond_signal(&j->cv);
}

/* Give queued jobs free sequences (mutex held). */
static void admit(struct engine *e)
{
    llama_memory_t mem = llama_get_memory(e->ctx);
    for (int32_t s = 0; s < e->n_slots && e->head; s++) {
        if (e->slots[s])
            continue;
        struct job *j = e->head;
        e->head = j->next;
        if (!e->head)
            e->tail = NULL;
        e->queued--;
        j->seq = s;
        j->n_past = 0;
        j->i_logits = -1;
        e->slots[s] = j;
        j->smpl = make_sampler(j->r);
        if (!j->smpl) {
            finish_job(e, j, AG_ENOMEM, LLM_FINISH_STOP);
            continue;
        }
        if (j->n_system <= 0 || j->n_system >= j->n_prompt)
            continue;
        bool same = e->n_prefix == j->n_system &&
                    memcmp(e->prefix, j->prompt, (size_t)j->n_system * sizeof(llama_token)) == 0;
        if (same && e->prefix_ready) {
            llama_memory_seq_cp(mem, e->prefix_seq, s, 0, j->n_system);
            j->n_past = j->n_system;
            e->stats.prefix_reused_tokens += (uint64_t)j->n_system;
        } else if (!same && (e->prefix_ready || e->n_prefix == 0)) {
            /* a new prefix: this job decodes it for itself and for the prefix sequence */
            llama_token *p = realloc(e->prefix, (size_t)j->n_system * sizeof(*p));
            if (!p)
                continue;
            llama_memory_seq_rm(mem, e->prefix_seq, -1, -1);
            e->prefix = p;
            memcpy(p, j->prompt, (size_t)j->n_system * sizeof(*p));
            e->n_prefix = j->n_system;
            e->prefix_ready = false;
            j->filling_prefix = true;
        }
    }
}

static void batch_add(struct llama_batch *b, llama_token tok, llama_pos pos, int32_t seq,
                      int32_t seq2, bool logits)
{
    int32_t i = b->n_tokens++;
    b->token[i] = tok;
    b->pos[i] = pos;
    b->n_seq_id[i] = seq2 >= 0 ? 2 : 1;
    b->seq_id[i][0] = seq;
    if (seq2 >= 0)
        b->seq_id[i][1] = seq2;
    b->logits[i] = (int8_t)(logits ? 1 : 0);
}

/* One step: every active turn's next tokens in one batch (mutex not held). */
static void fill_batch(struct engine *e, struct job **active, int32_t n_active)
{
    struct llama_batch *b = &e->batch;
    b->n_tokens = 0;
    /* turns that generate take one token each first: they are waiting for it */
    for (int32_t k = 0; k < n_active; k++) {
        struct job *j = active[k];
        j->i_logits = -1;
        if (j->n_past >= j->n_prompt) {
            j->i_logits = b->n_tokens;
            batch_add(b, j->last, j->n_past, j->seq, -1, true);
            j->n_past++;
        }
    }
    for (int32_t k = 0; k < n_active && b->n_tokens < e->n_batch; k++) {
        struct job *j = active[k];
        while (j->n_past < j->n_prompt && b->n_tokens < e->n_batch) {
            bool in_prefix = j->filling_prefix && j->n_past < j->n_system;
            bool last = j->n_past == j->n_prompt - 1;
            if (last)
                j->i_logits = b->n_tokens;
            batch_add(b, j->prompt[j->n_past], j->n_past, j->seq, in_prefix ? e->prefix_seq : -1,
                      last);
            j->n_past++;
        }
    }
}

/* After a decode: sample each turn that asked for logits (mutex held). */
static void sample_all(struct engine *e, struct job **active, int32_t n_active)
{
    uint64_t now = clock_mono_ns();
    for (int32_t k = 0; k < n_active; k++) {
        struct job *j = active[k];
        if (j->filling_prefix && j->n_past >= j->n_system) {
            e->prefix_ready = true;
            j->filling_prefix = false;
        }
        if (atomic_load(&j->cancel)) {
            finish_job(e, j, AG_OK, LLM_FINISH_CANCELLED);
            continue;
        }
        if (j->deadline_ns && now >= j->deadline_ns) {
            finish_job(e, j, j->n_gen ? AG_OK : AG_ETIMEDOUT, LLM_FINISH_DEADLINE);
            continue;
        }
        if (j->i_logits < 0)
            continue;
        llama_token tok = llama_sampler_sample(j->smpl, e->ctx, j->i_logits);
        if (!j->r->ignore_eos && llama_vocab_is_eog(e->vocab, tok)) {
            finish_job(e, j, AG_OK, LLM_FINISH_STOP);
            continue;
        }
        j->last = tok;
        j->n_gen++;
        char piece[256];
        int32_t np = llama_token_to_piece(e->vocab, tok, piece, sizeof(piece), 0, false);
        if (np > 0 && buf_append(&j->text, piece, (size_t)np) != AG_OK) {
            finish_job(e, j, AG_ENOMEM, LLM_FINISH_STOP);
            continue;
        }
        if (release_text(j, false)) {
            finish_job(e, j, AG_OK, LLM_FINISH_STOP);
            continue;
        }
        if (j->err) {
            finish_job(e, j, j->err, LLM_FINISH_STOP);
            continue;
        }
        if (j->n_gen >= j->max_tokens || j->n_past + 1 >= e->n_ctx_seq) {
            finish_job(e, j, AG_OK, LLM_FINISH_LENGTH);
            continue;
        }
        if (j->out.len)
            pthread_cond_signal(&j->cv);
    }
}

static void *decode_main(void *arg)
{
    struct engine *e = arg;
    struct job *active[MAX_SLOTS];
    pthread_mutex_lock(&e->mu);
    for (;;) {
        admit(e);
        int32_t n_active = 0;
        for (int32_t s = 0; s < e->n_slots; s++)
            if (e->slots[s])
                active[n_active++] = e->slots[s];
        if (n_active == 0) {
            if (e->stopping)
                break;
            pthread_cond_wait(&e->cv, &e->mu);
            continue;
        }
        pthread_mutex_unlock(&e->mu);
        fill_batch(e, active, n_active);
        int rc = llama_decode(e->ctx, e->batch);
        pthread_mutex_lock(&e->mu);
        if (rc != 0) {
            /* the KV cache is full (1) or the decode failed: end these turns, keep serving */
            log_error("llm: decode failed rc=%d tokens=%d turns=%d", rc, e->batch.n_tokens,
                      n_active);
            for (int32_t k = 0; k < n_active; k++)
                finish_job(e, active[k], active[k]->n_gen ? AG_OK : AG_EIO, LLM_FINISH_LENGTH);
            continue;
        }
        e->stats.steps++;
        e->stats.decoded_tokens += (uint64_t)e->batch.n_tokens;
        sample_all(e, active, n_active);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

/* ---- generate (caller's thread) ------------------------------------------------------- */

/* Hand text the decode thread released to the caller's callback, outside the mutex. */
static bool deliver(struct engine *e, struct job *j, struct buf *tmp)
{
    buf_reset(tmp);
    pthread_mutex_lock(&e->mu);
    if (j->out.len) {
        if (buf_append(tmp, j->out.p, j->out.len) != AG_OK)
            j->err = AG_ENOMEM;
        buf_reset(&j->out);
    }
    pthread_mutex_unlock(&e->mu);
    if (tmp->len && j->r->on_piece && !j->r->on_piece(j->r->ctx, tmp->p, tmp->len))
        return false;
    return true;
}

static void job_free(struct job *j)
{
    free(j->prompt);
    buf_release(&j->text);
    buf_release(&j->out);
    pthread_cond_destroy(&j->cv);
    free(j);
}

static ag_err engine_generate(struct llm_backend *b, const struct llm_request *r,
                              struct llm_usage *u, enum llm_finish *finish)
{
    struct engine *e = (struct engine *)b;
    memset(u, 0, sizeof(*u));
    snprintf(u->model, sizeof(u->model), "%s", b->model);
    u->attempts = 1;
    if (r->max_tokens == 0 || r->n_stop > LLM_MAX_STOP)
        return AG_EINVAL;
    struct job *j = calloc(1, sizeof(*j));
    if (!j)
        return AG_ENOMEM;
    j->t0 = clock_mono_ns();
    j->r = r;
    j->seq = -1;
    j->deadline_ns = r->deadline_ns;
    atomic_init(&j->cancel, false);
    buf_init(&j->text, (size_t)16 << 20);
    buf_init(&j->out, (size_t)16 << 20);
    pthread_cond_init(&j->cv, NULL);
    ag_err rc = build_prompt(e, r, &j->prompt, &j->n_prompt, &j->n_system);
    if (rc == AG_OK && j->n_prompt + 1 >= e->n_ctx_seq)
        rc = AG_ETOOBIG;
    j->max_tokens = r->max_tokens;
    if (rc == AG_OK) {
        pthread_mutex_lock(&e->mu);
        unsigned free_slots = 0;
        for (int32_t s = 0; s < e->n_slots; s++)
            free_slots += e->slots[s] == NULL;
        if (e->stopping || e->queued >= e->max_queue + free_slots) {
            rc = AG_EBUSY;
        } else {
            if (e->tail)
                e->tail->next = j;
            else
                e->head = j;
            e->tail = j;
            e->queued++;
            pthread_cond_signal(&e->cv);
        }
        pthread_mutex_unlock(&e->mu);
    }
    if (rc != AG_OK) {
        job_free(j);
        return rc;
    }
    struct buf tmp;
    buf_init(&tmp, (size_t)16 << 20);
    for (;;) {
        pthread_mutex_lock(&e->mu);
        if (!j->done && !j->out.len) {
            struct timespec ts = clock_after_ms(CLOCK_REALTIME, WAIT_POLL_MS);
            pthread_cond_timedwait(&j->cv, &e->mu, &ts);
        }
        bool done = j->done && !j->out.len;
        bool cancel = r->cancel && atomic_load(r->cancel);
        bool late = j->deadline_ns && clock_mono_ns() >= j->deadline_ns;
        if (!j->done && j->seq < 0 && (cancel || late)) {
            /* still queued: take it out ourselves */
            struct job **pp = &e->head, *prev = NULL;
            while (*pp && *pp != j) {
                prev = *pp;
                pp = &(*pp)->next;
            }
            if (*pp) {
                *pp = j->next;
                if (e->tail == j)
                    e->tail = prev;
                e->queued--;
                j->done = true;
                j->err = cancel ? AG_OK : AG_ETIMEDOUT;
                j->finish = cancel ? LLM_FINISH_CANCELLED : LLM_FINISH_DEADLINE;
                done = true;
            }
        }
        pthread_mutex_unlock(&e->mu);
        if (cancel)
            atomic_store(&j->cancel, true);
        if (!deliver(e, j, &tmp))
            atomic_store(&j->cancel, true);
        if (done)
            break;
    }
    buf_release(&tmp);
    u->prompt_tokens = (uint32_t)j->n_prompt;
    u->completion_tokens = j->n_gen;
    u->first_token_ms = j->first_piece_ms;
    rc = j->err;
    *finish = j->finish;
    if (rc == AG_OK && atomic_load(&j->cancel) && j->finish != LLM_FINISH_STOP &&
        j->finish != LLM_FINISH_LENGTH)
        *finish = LLM_FINISH_CANCELLED;
    job_free(j);
    return rc;
}

static size_t engine_count(struct llm_backend *b, const char *text, size_t len)
{
    struct engine *e = (struct engine *)b;
    if (len > INT32_MAX / 2)
        return (len + 3) / 4;
    int32_t n = llama_tokenize(e->vocab, text, (int32_t)len, NULL, 0, false, false);
    return n < 0 ? (size_t)-n : (size_t)n;
}

static void engine_destroy(struct llm_backend *b)
{
    struct engine *e = (struct engine *)b;
    if (e->thread_ok) {
        pthread_mutex_lock(&e->mu);
        e->stopping = true;
        pthread_cond_signal(&e->cv);
        pthread_mutex_unlock(&e->mu);
        pthread_join(e->thread, NULL);
    }
    if (e->batch.token)
        llama_batch_free(e->batch);
    if (e->ctx)
        llama_free(e->ctx);
    if (e->model)
        llama_model_free(e->model);
    free(e->prefix);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->cv);
    free(e);
}

void llm_llama_stats(struct llm_backend *b, struct llm_llama_stats *st)
{
    struct engine *e = (struct engine *)b;
    pthread_mutex_lock(&e->mu);
    *st = e->stats;
    st->active = 0;
    for (int32_t s = 0; s < e->n_slots; s++)
        st->active += e->slots[s] != NULL;
    st->queued = e->queued;
    pthread_mutex_unlock(&e->mu);
}

static const struct llm_backend_ops engine_ops = {engine_generate, engine_count, engine_destroy};

ag_err llm_llama_create(const struct config *cfg, struct llm_backend **out)
{
    llm_llama_init();
    if (!cfg->llm_model[0] || cfg->llm_parallel == 0 || cfg->llm_parallel >= MAX_SLOTS)
        return AG_ECONFIG;
    struct engine *e = calloc(1, sizeof(*e));
    if (!e)
        return AG_ENOMEM;
    e->base.ops = &engine_ops;
    e->base.kind = "llama";
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    struct llama_model_params mp = llama_model_default_params();
    mp.load_mode = LLAMA_LOAD_MODE_MMAP;
    e->model = llama_model_load_from_file(cfg->llm_model, mp);
    if (!e->model) {
        log_error("llm: cannot load the model %s", cfg->llm_model);
        engine_destroy(&e->base);
        return AG_ECONFIG;
    }
    e->vocab = llama_model_get_vocab(e->model);
    e->tmpl = llama_model_chat_template(e->model, NULL);
    if (!e->tmpl) {
        log_error("llm: the model %s has no chat template (tokenizer.chat_template)",
                  cfg->llm_model);
        engine_destroy(&e->base);
        return AG_ECONFIG;
    }
    e->n_slots = (int32_t)cfg->llm_parallel;
    e->prefix_seq = e->n_slots;
    e->n_ctx_seq = (int32_t)cfg->llm_ctx;
    e->n_batch = (int32_t)cfg->llm_batch;
    e->max_queue = cfg->llm_queue;
    int32_t train = llama_model_n_ctx_train(e->model);
    if (train > 0 && e->n_ctx_seq > train) {
        log_warn("llm: llm_ctx %d is above the model's training context %d; using %d", e->n_ctx_seq,
                 train, train);
        e->n_ctx_seq = train;
    }
    unsigned threads = cfg->llm_threads ? cfg->llm_threads : llm_cpu_count();
    struct llama_context_params cp = llama_context_default_params();
    /* every turn may use its whole context, and the prefix one more */
    cp.n_ctx = (uint32_t)e->n_ctx_seq * (uint32_t)(e->n_slots + 1);
    /* a step holds up to n_batch prompt tokens plus one token of each generating turn */
    cp.n_batch = (uint32_t)(e->n_batch + e->n_slots);
    cp.n_ubatch = cp.n_batch;
    cp.n_seq_max = (uint32_t)e->n_slots + 1;
    cp.kv_unified = true; /* sequences share the prefix's cells */
    cp.n_threads = (int32_t)threads;
    cp.n_threads_batch = (int32_t)threads;
    cp.no_perf = true;
    e->ctx = llama_init_from_model(e->model, cp);
    if (!e->ctx) {
        log_error("llm: cannot create a context (n_ctx=%u) for %s", cp.n_ctx, cfg->llm_model);
        engine_destroy(&e->base);
        return AG_ECONFIG;
    }
    e->batch = llama_batch_init(e->n_batch + e->n_slots, 0, 2);
    const char *base = strrchr(cfg->llm_model, '/');
    base = base ? base + 1 : cfg->llm_model;
    snprintf(e->base.model, sizeof(e->base.model), "%.63s",
             cfg->llm_model_name[0] ? cfg->llm_model_name : base);
    e->base.context_tokens = (size_t)e->n_ctx_seq;
    if (pthread_create(&e->thread, NULL, decode_main, e) != 0) {
        engine_destroy(&e->base);
        return AG_ENOMEM;
    }
    e->thread_ok = true;
    log_info("llm: llama model=%s parallel=%d ctx=%d batch=%d threads=%u", e->base.model,
             e->n_slots, e->n_ctx_seq, e->n_batch, threads);
    *out = &e->base;
    return AG_OK;
}
