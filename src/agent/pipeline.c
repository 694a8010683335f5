// SPDX-License-Identifier: MIT
/*
 * agent/pipeline.c: the request path of agentgate, as one ordered list of stages.
 *
 *   http -> auth -> limit -> guard_in -> retrieve -> generate -> guard_out -> audit -> respond
 *
 * Each stage reads and writes the turn and returns CONTINUE or STOP (after
 * turn_fail() set the status and error). Stages never call each other. audit and
 * respond run on every turn, also stopped ones, so every decision is recorded and every
 * request gets a JSON reply. Each stage is timed into the turn's trace and into the
 * agentgate_stage_seconds histogram. Later stages of DESIGN.md (cache, route, escalate)
 * join this list when they are built.
 * THREADS: runs on the calling thread; the env's services are thread-safe.
 */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/guard_out.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"
#include "core/money.h"

enum stage_result { STAGE_CONTINUE, STAGE_STOP };

struct stage {
    const char *name;
    enum stage_result (*run)(struct turn *t);
    bool always; /* runs even after an earlier stage stopped the turn */
};

/* ---- http: the request body ------------------------------------------------------ */

static enum stage_result stage_http(struct turn *t)
{
    ag_err rc = t->chat ? turn_parse_chat_body(t) : turn_parse_body(t);
    return rc == AG_OK ? STAGE_CONTINUE : STAGE_STOP;
}

/* ---- limits: shared by auth (the address) and limit (every bucket) ------------------- */

/* Remember the limiting bucket for the RateLimit-* headers; count a Redis failure. */
static void note_verdict(struct turn *t, const struct limit_verdict *v)
{
    if (v->backend_error) {
        /* limit_on_redis_error decided; redis.c logged the cause (throttled) */
        if (t->env->metrics)
            metrics_limit_redis_error(t->env->metrics);
    } else if (v->limit > 0) {
        t->ratelimit_known = true;
        t->ratelimit_limit = v->limit;
        t->ratelimit_remaining = v->remaining;
        t->ratelimit_reset_s = v->reset_s;
    }
}

/* Stop the turn refused by v: 503 when Redis failed (closed), else 429 naming the limit. */
static enum stage_result refuse_limit(struct turn *t, const struct limit_verdict *v)
{
    t->retry_after_s = v->retry_after_s;
    if (v->backend_error) {
        turn_fail(t, 503, "server_error", "limit_unavailable",
                  "the rate limit cannot be checked now; retry after %u s", t->retry_after_s);
        t->outcome = "rejected_limit_backend";
        return STAGE_STOP;
    }
    static const char *const whom[LIMIT_KINDS] = {"for this key", "for this subject",
                                                  "from this address"};
    turn_fail(t, 429, "rate_limit_error", "rate_limited",
              "too many requests %s (%s limit); retry after %u s", whom[v->kind],
              limit_kind_name(v->kind), t->retry_after_s);
    t->outcome = "rejected_limit";
    return STAGE_STOP;
}

/* The subject whose buckets and in-flight count the turn uses: the identity's subject,
 * else its key id (a JWT's pseudonymous id). */
static const char *subject_of(const struct turn *t)
{
    return t->who.subject[0] ? t->who.subject : t->who.key_id;
}

void pipeline_release_slot(struct turn *t)
{
    if (!t->conc_held)
        return;
    t->conc_held = false;
    limit_conc_release(t->env->limit, t->who.tenant, subject_of(t));
}

/* ---- auth: who is asking, and may they ---------------------------------------------- */

static enum stage_result stage_auth(struct turn *t)
{
    if (t->trusted) {
        snprintf(t->who.key_id, sizeof(t->who.key_id), "cli");
        snprintf(t->who.subject, sizeof(t->who.subject), "cli");
        t->who.role = AUTH_ROLE_ADMIN;
        snprintf(t->who.tenant, sizeof(t->who.tenant), "%s", t->env->cfg->tenant);
        return STAGE_CONTINUE;
    }
    /* The address limit comes before the credentials are checked, and each failed check
     * takes a token from it: guessing keys from one address runs into it. Only a look
     * here: a request that passes is charged in stage_limit, together with its key. */
    struct limit *l = t->env->limit;
    struct limit_verdict v;
    if (l && !limit_ip_admit(l, t->client_ip, clock_mono_ns(), &v)) {
        note_verdict(t, &v);
        return refuse_limit(t, &v);
    }
    ag_err rc = auth_check_bearer(t->env->auth, t->authorization, &t->who);
    if ((rc == AG_EINVAL || rc == AG_ENOTFOUND) && l)
        limit_ip_charge(l, t->client_ip, clock_mono_ns());
    if (rc == AG_EINVAL) {
        turn_fail(t, 401, "authentication_error", "missing_key",
                  "send an API key as 'Authorization: Bearer <key>'");
        t->outcome = "rejected_auth";
        return STAGE_STOP;
    }
    if (rc == AG_ENOTFOUND) {
        turn_fail(t, 401, "authentication_error", "invalid_key", "the API key is not valid");
        t->outcome = "rejected_auth";
        return STAGE_STOP;
    }
    if (rc != AG_OK) {
        turn_fail(t, 503, "server_error", "auth_unavailable", "the key store is unavailable");
        return STAGE_STOP;
    }
    if (!(t->who.role & t->allowed_roles)) {
        turn_fail(t, 403, "permission_error", "forbidden", "role '%s' may not use this route",
                  auth_role_name(t->who.role));
        t->outcome = "rejected_role";
        return STAGE_STOP;
    }
    if (t->who.token) /* the data subject: a token's subject wins over the body's */
        t->subject = t->who.subject;
    return STAGE_CONTINUE;
}

/* ---- limit: concurrency cap, then the key's, subject's and address's buckets --------- */

static enum stage_result stage_limit(struct turn *t)
{
    if (t->trusted)
        return STAGE_CONTINUE;
    struct limit *l = t->env->limit;
    const char *subject = subject_of(t);
    unsigned cap = t->env->cfg->limit_concurrent_per_key;
    /* First the slot: a turn refused for concurrency takes no token from any bucket. */
    if (!limit_conc_acquire(l, t->who.tenant, subject, cap)) {
        t->retry_after_s = 1;
        turn_fail(t, 429, "rate_limit_error", "too_many_concurrent",
                  "too many requests in flight for this subject (at most %u at once); retry "
                  "after 1 s",
                  cap);
        t->outcome = "rejected_concurrency";
        return STAGE_STOP;
    }
    t->conc_held = cap > 0; /* given back in pipeline_finish, whatever happens next */
    struct limit_names names = {t->who.tenant,
                                {t->who.key_id, subject, t->client_ip[0] ? t->client_ip : NULL}};
    struct limit_verdict v;
    bool ok = limit_take_all(l, &names, clock_mono_ns(), true, &v);
    note_verdict(t, &v);
    if (!ok)
        return refuse_limit(t, &v);
    struct limit_budget_state bs;
    if (!limit_budget_check(t->env->limit, t->who.key_id, clock_wall_ms() / 1000, &bs)) {
        char msg[200];
        limit_budget_message(&bs, msg, sizeof(msg));
        t->retry_after_s = bs.retry_after_s;
        turn_fail(t, 429, "rate_limit_error",
                  bs.verdict == LIMIT_BUDGET_FULL ? "budget_table_full" : "budget_exceeded", "%s",
                  msg);
        t->outcome = "rejected_budget";
        return STAGE_STOP;
    }
    return STAGE_CONTINUE;
}

/* Count one backend's tokens and cost: metrics by tenant, key and model, and the key's
 * daily budget (also for cancelled, cut and late answers: their tokens were spent). */
static void account(struct turn *t, const struct llm_backend *b, const struct llm_usage *u)
{
    const struct agent_env *env = t->env;
    struct llm_cost c = llm_usage_cost(env->prices, b->kind, u);
    if (env->metrics) {
        metrics_llm_usage(env->metrics, t->who.tenant, t->who.key_id, u->model, u->prompt_tokens,
                          u->completion_tokens, c.units);
        if (!c.priced)
            metrics_llm_unpriced(env->metrics, u->model);
        if (u->first_token_ms > 0)
            metrics_llm_first_token(env->metrics, b->kind, u->first_token_ms / 1000.0);
    }
    t->cost_units = money_add(t->cost_units, c.units);
    if (t->trusted || !env->limit)
        return;
    if (limit_budget_charge(env->limit, t->who.key_id, clock_wall_ms() / 1000,
                            (uint64_t)u->prompt_tokens + u->completion_tokens, c.units) != AG_OK)
        log_warn("limit: budget charge refused trace=%s", t->trace_id);
}

/* ---- guard_in: injection verdict, personal data replaced by placeholders --------------- */

static struct guard_policy policy_of(const struct config *cfg)
{
    return (struct guard_policy){cfg->guard_flag_at, cfg->guard_block_at,
                                 strcmp(cfg->guard_on_block, "escalate") == 0};
}

/* The fixed reply of an escalated turn, in the question's language. */
static const char *handed_over_text(enum text_lang l)
{
    return l == TEXT_LANG_EN
               ? "Thank you. A member of our team will look at your message and get back to you."
               : "Vielen Dank. Ein Mitarbeiter sieht sich Ihre Nachricht an und meldet sich bei "
                 "Ihnen.";
}

/* A chat's earlier messages are guarded together with the question, as one text with a
 * separator no message can hold (the body parser refuses control characters): one
 * injection verdict over the whole conversation, one placeholder scope for its values. */
#define CONV_SEP "\n\x1e\n"

static ag_err join_conversation(struct turn *t, const char **text, size_t *len)
{
    struct buf b;
    buf_init(&b, (size_t)64 << 20);
    ag_err rc = AG_OK;
    for (size_t i = 0; i < t->n_history && rc == AG_OK; i++) {
        rc = buf_append_str(&b, t->history[i].content);
        rc = rc ? rc : buf_append_str(&b, CONV_SEP);
    }
    rc = rc ? rc : buf_append(&b, t->question, t->question_len);
    char *s = rc == AG_OK ? arena_strndup(&t->arena, b.p, b.len) : NULL;
    *text = s;
    *len = b.len;
    buf_release(&b);
    return s ? AG_OK : AG_ENOMEM;
}

/* Split the guarded conversation back into history and question. */
static ag_err split_conversation(struct turn *t, char *g, size_t n)
{
    const char *p = g, *end = g + n;
    for (size_t i = 0; i < t->n_history; i++) {
        const char *sep = memchr(p, '\x1e', (size_t)(end - p));
        if (!sep || sep == p || sep + 1 >= end || sep[-1] != '\n' || sep[1] != '\n')
            return AG_EIO;
        sep--;
        g[sep - g] = '\0';
        t->history[i].content = p;
        p = sep + 3;
    }
    if (memchr(p, '\x1e', (size_t)(end - p)))
        return AG_EIO;
    t->question = p;
    t->question_len = (size_t)(end - p);
    return AG_OK;
}

/* The subject's consent to storing content: the body's "consent", when given, is recorded
 * (durably, in the chain) if it changes the state; otherwise the recorded state applies. A
 * turn without a subject has only its body's word, for this turn. */
static bool settle_consent(struct turn *t)
{
    struct audit *a = t->env->audit;
    if (!t->subject || !a)
        return true;
    const char *tenant = t->who.tenant, *purpose = "storage";
    bool known = false, granted = false;
    ag_err rc = audit_consent_get(a, tenant, t->subject, purpose, &known, &granted);
    if (rc == AG_OK && t->consent_given && (!known || granted != t->consent)) {
        char actor[80];
        snprintf(actor, sizeof(actor), "%s%s",
                 t->trusted ? "cli" : "key:", t->trusted ? "" : t->who.key_id);
        int64_t seq;
        rc = audit_consent_set(a, tenant, t->subject, purpose, t->consent,
                               t->env->cfg->consent_policy_version, actor, &seq);
        granted = t->consent;
    }
    if (rc != AG_OK) {
        /* an opt-out that cannot be recorded must not be ignored: nothing is answered */
        log_error("audit: consent not read or recorded trace=%s err=%s", t->trace_id,
                  ag_strerror(rc));
        turn_fail(t, rc == AG_EINVAL ? 400 : 503,
                  rc == AG_EINVAL ? "invalid_request" : "server_error",
                  rc == AG_EINVAL ? "bad_value" : "audit_unavailable",
                  rc == AG_EINVAL ? "subject or tenant is not a valid id"
                                  : "the consent store is unavailable; nothing was answered");
        return false;
    }
    t->consent = t->consent_given ? t->consent : granted;
    return true;
}

static enum stage_result stage_guard_in(struct turn *t)
{
    if (!settle_consent(t))
        return STAGE_STOP;
    const struct agent_env *env = t->env;
    struct guard_policy pol = policy_of(env->cfg);
    struct buf out;
    const char *text = t->question;
    size_t text_len = t->question_len;
    if (t->n_history && join_conversation(t, &text, &text_len) != AG_OK) {
        turn_fail(t, 500, "server_error", "no_memory", "out of memory");
        return STAGE_STOP;
    }
    /* placeholders can be longer than their values: "Al" becomes "[PERSON_1]" */
    buf_init(&out, text_len * 8 + 4096);
    /* Without consent to storage a session's values are not kept past this turn. */
    /* A session belongs to the API key that named it: another key cannot reach its values
     * by using the same session id. */
    char owner[sizeof(t->who.tenant) + sizeof(t->who.key_id) + 1];
    int w = snprintf(owner, sizeof(owner), "%s/%s", t->who.tenant, t->who.key_id);
    ag_err rc =
        w > 0 && (size_t)w < sizeof(owner)
            ? guard_input(env->inject, &pol, env->vault, owner,
                          turn_may_store(t) ? t->session : NULL, text, text_len, &out, &t->guard)
            : AG_EINVAL;
    if (rc == AG_OK && (t->guard.action == GUARD_ALLOW || t->guard.action == GUARD_FLAG)) {
        char *q = arena_strndup(&t->arena, out.p ? out.p : "", out.len);
        if (q && t->n_history) {
            rc = split_conversation(t, q, out.len);
        } else if (q) {
            t->question = q;
            t->question_len = out.len;
        } else {
            rc = AG_ENOMEM;
        }
    }
    crypto_wipe(out.p, out.cap);
    buf_release(&out);
    if (rc != AG_OK) {
        log_error("guard: input failed trace=%s err=%s", t->trace_id, ag_strerror(rc));
        turn_fail(t, rc == AG_ETOOBIG ? 413 : 500,
                  rc == AG_ETOOBIG ? "invalid_request" : "server_error",
                  rc == AG_ETOOBIG ? "too_much_pii" : "guard_failed",
                  rc == AG_ETOOBIG ? "the message holds too much personal data to protect"
                                   : "the message could not be checked");
        return STAGE_STOP;
    }
    t->guarded = true;
    if (env->metrics)
        metrics_guard(env->metrics, guard_action_name(t->guard.action), (unsigned)t->guard.n_pii);
    if (t->guard.action != GUARD_ALLOW)
        log_info("guard: %s trace=%s score=%.3f rules=%u", guard_action_name(t->guard.action),
                 t->trace_id, (double)t->guard.injection.score, t->guard.injection.rules);
    if (t->guard.action == GUARD_BLOCK) {
        turn_fail(t, 422, "policy_error", "injection_blocked",
                  "the message was blocked: it reads as an attempt to override the "
                  "assistant's instructions");
        t->outcome = "blocked_injection";
        return STAGE_STOP;
    }
    if (t->guard.action == GUARD_ESCALATE) {
        if (t->lang == TEXT_LANG_UNKNOWN)
            t->lang = text_detect_lang(t->question, t->question_len,
                                       text_lang_parse(env->cfg->default_lang, 2));
        t->answer = (struct llm_answer){.text = handed_over_text(t->lang)};
        t->outcome = "escalated";
        return STAGE_STOP;
    }
    return STAGE_CONTINUE;
}

/* Retrieved passages are untrusted data: one that reads as an injection is dropped. */
static ag_err drop_injected_passages(struct turn *t)
{
    if (strcmp(t->env->cfg->guard_passages, "drop") != 0)
        return AG_OK;
    size_t kept = 0;
    for (size_t i = 0; i < t->retrieved.n_hits; i++) {
        const struct kb_hit *h = &t->retrieved.hits[i];
        struct guard_verdict v;
        ag_err rc = guard_inject_scan(t->env->inject, h->text, strlen(h->text), 0, &v);
        if (rc != AG_OK)
            return rc;
        if (v.score >= t->env->cfg->guard_block_at) {
            log_warn("guard: passage dropped trace=%s chunk=%lld score=%.3f", t->trace_id,
                     (long long)h->chunk_id, (double)v.score);
            t->passages_dropped++;
            continue;
        }
        t->retrieved.hits[kept++] = *h;
    }
    t->retrieved.n_hits = kept;
    return AG_OK;
}

/* ---- retrieve: passages from the tenant's knowledge base ----------------------------- */

static enum stage_result stage_retrieve(struct turn *t)
{
    /* placeholders stand for values no passage holds: search without them */
    char *q = t->guard.n_pii ? arena_strndup(&t->arena, t->question, t->question_len)
                             : (char *)t->question;
    if (!q) {
        turn_fail(t, 500, "server_error", "no_memory", "out of memory");
        return STAGE_STOP;
    }
    if (t->guard.n_pii)
        guard_blank_placeholders(q, t->question_len);
    ag_err rc = kb_search(t->env->kb, &t->arena, t->who.tenant, q, t->question_len, t->lang,
                          t->env->cfg->top_k, &t->retrieved);
    if (rc != AG_OK) {
        log_error("retrieve: search failed trace=%s err=%s", t->trace_id, ag_strerror(rc));
        turn_fail(t, rc == AG_EINVAL ? 400 : 503,
                  rc == AG_EINVAL ? "invalid_request" : "server_error",
                  rc == AG_EINVAL ? "bad_value" : "kb_unavailable", "%s",
                  rc == AG_EINVAL ? "the question is not valid UTF-8 text"
                                  : "the knowledge base is unavailable");
        return STAGE_STOP;
    }
    t->lang = t->retrieved.lang;
    rc = drop_injected_passages(t);
    if (rc != AG_OK) {
        log_error("guard: passage scan failed trace=%s err=%s", t->trace_id, ag_strerror(rc));
        turn_fail(t, 500, "server_error", "guard_failed", "the passages could not be checked");
        return STAGE_STOP;
    }
    return STAGE_CONTINUE;
}

/* ---- generate: generative backends in order, the extractive answer last -------------- */

/* Answer text on its way to a streaming client: the customer's values go back in place of
 * placeholders, so a placeholder cut between two pieces is held back until it is whole. */
struct gen_stream {
    struct turn *t;
    struct buf text; /* the answer so far, with placeholders */
    size_t released; /* bytes of text sent to the sink */
    bool client_gone;
    /* the output guard's gate (answer_check enforce, a streaming client): text goes out a
     * whole sentence at a time, after the sentence passed the checks */
    bool gate;
    size_t passed;     /* bytes of text that passed (ends at a sentence's end) */
    size_t n_passages; /* the passages the answer may cite */
    bool failed;       /* a sentence failed: generation stops */
    struct answer_sentence_verdict fail;
};

#define PLACEHOLDER_MAX 48

static bool stream_release(struct gen_stream *g, bool final)
{
    struct turn *t = g->t;
    size_t end = g->gate ? g->passed : g->text.len;
    if (!final && !g->gate) {
        for (size_t i = end; i > g->released && end - i < PLACEHOLDER_MAX; i--)
            if (g->text.p[i - 1] == '[') {
                if (!memchr(g->text.p + i, ']', end - i))
                    end = i - 1;
                break;
            }
    }
    if (end <= g->released || !t->sink)
        return true;
    struct buf out;
    buf_init(&out, (size_t)16 << 20);
    const char *p = g->text.p + g->released;
    size_t n = end - g->released;
    ag_err rc = t->guard.scoped ? guard_restore(t->env->vault, &t->guard.scope, p, n, &out)
                                : buf_append(&out, p, n);
    bool ok = rc == AG_OK && t->sink(t->sink_ctx, out.p ? out.p : "", out.len);
    crypto_wipe(out.p, out.cap);
    buf_release(&out);
    g->released = end;
    t->streamed = true;
    if (!ok)
        g->client_gone = true;
    return ok;
}

/* Sentence spans of the text not yet passed. */
#define GATE_MAX_SPANS 32
struct spans {
    size_t s[GATE_MAX_SPANS], e[GATE_MAX_SPANS];
    size_t n;
    bool more; /* there were more sentences than fit */
};

static bool on_span(void *ctx, size_t start, size_t end)
{
    struct spans *sp = ctx;
    if (sp->n == GATE_MAX_SPANS) {
        sp->more = true;
        return false;
    }
    sp->s[sp->n] = start;
    sp->e[sp->n++] = end;
    return true;
}

/* Check the sentences of the text after g->passed that are complete (another sentence
 * follows them; all of them when final) and move g->passed past each that passes. false
 * when one failed (g->fail says why). */
static bool gate_advance(struct gen_stream *g, bool final)
{
    size_t base = g->passed;
    const char *p = g->text.p + base;
    size_t n = g->text.len - base;
    if (n == 0 || (!final && !memchr(p, '.', n) && !memchr(p, '!', n) && !memchr(p, '?', n) &&
                   !memchr(p, '\n', n)))
        return true; /* no sentence can have ended */
    struct spans sp = {.n = 0};
    answer_sentences(p, n, on_span, &sp);
    size_t complete = final || sp.more ? sp.n : sp.n ? sp.n - 1 : 0;
    for (size_t i = 0; i < complete; i++) {
        struct arena a;
        arena_init(&a, (size_t)64 << 20);
        struct answer_check_result r;
        ag_err rc = out_check(g->t, &a, p + sp.s[i], sp.e[i] - sp.s[i], NULL, g->n_passages, &r);
        bool ok = rc == AG_OK && r.grounded;
        if (!ok) {
            g->failed = true;
            memset(&g->fail, 0, sizeof(g->fail));
            g->fail.why = "check_failed";
            snprintf(g->fail.detail, sizeof(g->fail.detail),
                     "the sentence could not be checked: %s", ag_strerror(rc));
            for (size_t k = 0; rc == AG_OK && k < r.n_sentences; k++)
                if (!r.sentences[k].ok) {
                    g->fail = r.sentences[k];
                    break;
                }
        }
        arena_release(&a);
        if (!ok)
            return false;
        g->passed = base + sp.e[i];
    }
    return true;
}

static bool on_piece(void *ctx, const char *p, size_t n)
{
    struct gen_stream *g = ctx;
    if (buf_append(&g->text, p, n) != AG_OK)
        return false;
    if (g->t->cancel && atomic_load(g->t->cancel))
        return false;
    if (g->gate && !gate_advance(g, false))
        return false; /* stop generating: the rest is the guard's (see stage_guard_out) */
    return stream_release(g, false);
}

/* Room kept for the answer when the prompt is fitted: the requested answer length, but
 * at most a quarter of the context (passages matter more than a long answer's room; the
 * answer still runs on to max_tokens or the context's end). */
static unsigned answer_room(const struct turn *t, const struct llm_backend *b)
{
    unsigned want = t->max_tokens ? t->max_tokens : t->env->cfg->llm_max_tokens;
    if (b->context_tokens && want > b->context_tokens / 4)
        want = (unsigned)(b->context_tokens / 4);
    return want;
}

/* What the retry after a failed check adds to the agent's instructions. */
static const char strict_rules[] =
    "\n\nYour previous answer to this question was rejected because it stated something the "
    "passages do not support. Answer again, more strictly: state only facts written in the "
    "passages; copy product names, SKUs, prices, stock levels, delivery times and other "
    "numbers exactly as they are written there; make no promises the passages do not make; "
    "cite every sentence with its passage number. If the passages do not answer the "
    "question, reply only with the \"I don't know\" sentence.";

enum try_result {
    TRY_FAILED,  /* the backend gave no answer: the next one is tried */
    TRY_TAKEN,   /* its answer is in g->text */
    TRY_REJECTED /* the gate stopped it at a failing sentence (g->fail; g->released sent) */
};

/* Try one generative backend (strict: the retry's instructions, no sampling
 * temperature). */
static enum try_result try_backend(struct turn *t, struct llm_backend *b, struct gen_stream *g,
                                   uint64_t deadline, bool strict)
{
    const struct config *cfg = t->env->cfg;
    const char *system = t->env->system_prompt;
    if (strict) {
        size_t n = strlen(system);
        char *s = arena_alloc(&t->arena, n + sizeof(strict_rules));
        if (!s)
            return TRY_FAILED;
        memcpy(s, system, n);
        memcpy(s + n, strict_rules, sizeof(strict_rules));
        system = s;
    }
    struct llm_prompt_in in = {.system = system,
                               .passages = &t->retrieved,
                               .history = t->history,
                               .n_history = t->n_history,
                               .question = t->question,
                               .max_tokens = answer_room(t, b),
                               .context_tokens = b->context_tokens,
                               .count = b->ops->count_tokens,
                               .backend = b};
    struct llm_message *msgs;
    size_t n_msgs, n_passages, n_history;
    ag_err rc = llm_prompt_build(&t->arena, &in, &msgs, &n_msgs, &n_passages, &n_history);
    if (rc != AG_OK) {
        log_warn("generate: no prompt for backend=%s trace=%s err=%s", b->kind, t->trace_id,
                 ag_strerror(rc));
        return TRY_FAILED;
    }
    float temperature = t->chat ? t->temperature : (float)cfg->llm_temperature;
    struct llm_request r = {.msgs = msgs,
                            .n_msgs = n_msgs,
                            .passages = &t->retrieved,
                            .lang = t->lang,
                            .question = t->question,
                            .max_tokens = t->max_tokens ? t->max_tokens : cfg->llm_max_tokens,
                            .temperature = strict ? 0.0f : temperature,
                            .top_p = t->chat ? t->top_p : (float)cfg->llm_top_p,
                            .seed = t->seed,
                            .n_stop = t->n_stop,
                            .deadline_ns = deadline,
                            .user = t->user,
                            .on_piece = on_piece,
                            .ctx = g,
                            .cancel = t->cancel};
    for (size_t i = 0; i < t->n_stop; i++)
        r.stop[i] = t->stop[i];
    buf_reset(&g->text);
    g->released = g->passed = 0;
    g->failed = false;
    g->n_passages = n_passages;
    struct llm_usage u;
    enum llm_finish f = LLM_FINISH_STOP;
    rc = llm_generate(b, &r, &u, &f);
    account(t, b, &u);
    /* tokens of every try count in the reply's usage: they were all spent */
    uint32_t pt = t->usage.prompt_tokens, ct = t->usage.completion_tokens;
    if (g->failed ||
        (rc == AG_OK && g->gate && f != LLM_FINISH_CANCELLED && !gate_advance(g, true))) {
        if (t->env->metrics)
            metrics_llm_request(t->env->metrics, b->kind, "rejected");
        t->usage = u;
        t->usage.prompt_tokens += pt;
        t->usage.completion_tokens += ct;
        t->finish = f == LLM_FINISH_CANCELLED && !(t->cancel && atomic_load(t->cancel))
                        ? LLM_FINISH_STOP
                        : f;
        t->backend = b->kind;
        t->passages_used = n_passages;
        stream_release(g, true); /* the sentences that passed before the one that failed */
        return TRY_REJECTED;
    }
    bool retried = rc != AG_OK || (f == LLM_FINISH_CUT && !t->streamed);
    if (t->env->metrics)
        metrics_llm_request(t->env->metrics, b->kind, retried ? "fallback" : llm_finish_name(f));
    if (rc == AG_OK && f == LLM_FINISH_CUT && !t->streamed) {
        /* nothing reached the client yet: a cut answer is not taken, the next one is */
        log_warn("generate: cut answer discarded backend=%s trace=%s", b->kind, t->trace_id);
        return TRY_FAILED;
    }
    if (rc != AG_OK) {
        log_warn("generate: backend=%s failed trace=%s err=%s", b->kind, t->trace_id,
                 ag_strerror(rc));
        return TRY_FAILED;
    }
    t->usage = u;
    t->usage.prompt_tokens += pt;
    t->usage.completion_tokens += ct;
    t->finish = f;
    t->backend = b->kind;
    t->passages_used = n_passages;
    stream_release(g, true);
    return TRY_TAKEN;
}

/* Make the first n bytes of g's text the turn's answer. */
static ag_err take_text(struct turn *t, const struct gen_stream *g, size_t n)
{
    char *a = arena_strndup(&t->arena, g->text.p ? g->text.p : "", n);
    if (!a)
        return AG_ENOMEM;
    size_t *cited;
    size_t n_cited = llm_parse_citations(&t->arena, a, t->passages_used, &cited);
    bool dont_know = strstr(a, "weiß ich nicht") || strstr(a, "I don't know") ||
                     (n_cited == 0 && !t->extractive.known);
    t->answer =
        (struct llm_answer){.text = a, .known = !dont_know, .cited = cited, .n_cited = n_cited};
    return AG_OK;
}

static bool enforcing(const struct turn *t)
{
    return strcmp(t->env->cfg->answer_check, "enforce") == 0;
}

/* The turn's outcome once its answer is settled. */
static void settle_outcome(struct turn *t)
{
    if (t->finish == LLM_FINISH_CANCELLED)
        t->outcome = "cancelled";
    else if (t->finish == LLM_FINISH_CUT)
        t->outcome = "cut";
    else if (t->corrected)
        t->outcome = "corrected";
    else if (t->guarded && t->guard.action == GUARD_FLAG)
        t->outcome = t->answer.known ? "answered_flagged" : "dont_know_flagged";
    else
        t->outcome = t->answer.known ? "answered" : "dont_know";
}

static enum stage_result stage_generate(struct turn *t)
{
    const struct agent_env *env = t->env;
    /* the extractive answer: the last fall-back, and its support is the confidence's
     * retrieval part */
    struct llm_extractive_params p = llm_extractive_default_params();
    p.threshold = env->cfg->answer_threshold;
    ag_err rc = llm_extractive_answer(&t->arena, &t->retrieved, t->lang, &p, &t->extractive);
    if (rc != AG_OK) {
        log_error("generate: failed trace=%s err=%s", t->trace_id, ag_strerror(rc));
        turn_fail(t, 500, "server_error", "generate_failed", "the answer could not be built");
        return STAGE_STOP;
    }
    t->ex_support = t->extractive.confidence;
    struct gen_stream g = {.t = t, .gate = t->sink && enforcing(t)};
    buf_init(&g.text, (size_t)16 << 20);
    t->gen_deadline_ns = clock_mono_ns() + (uint64_t)env->cfg->llm_timeout_ms * 1000000u;
    enum try_result tr = TRY_FAILED;
    for (size_t i = 0; i < env->n_backends && tr == TRY_FAILED && !g.client_gone; i++) {
        struct llm_backend *b = env->backends[i];
        if (strcmp(b->kind, "extractive") == 0)
            break; /* listed: the extractive answer from here on */
        tr = try_backend(t, b, &g, t->gen_deadline_ns, false);
    }
    if (tr == TRY_REJECTED) {
        /* sent sentences stay sent: the answer ends there, with a correction; nothing
         * sent: guard_out tries again */
        t->corrected = g.released > 0;
        t->gate_rejected = g.released == 0;
        t->correction = g.fail;
        rc = take_text(t, &g, t->corrected ? g.released : g.text.len);
    } else if (tr == TRY_TAKEN) {
        rc = take_text(t, &g, g.text.len);
    } else {
        if (env->metrics)
            metrics_llm_request(env->metrics, "extractive", "stop");
        t->answer = t->extractive;
        t->backend = "extractive";
        t->finish = LLM_FINISH_STOP;
        memset(&t->usage, 0, sizeof(t->usage));
        snprintf(t->usage.model, sizeof(t->usage.model), "extractive");
        /* not streamed here: guard_out checks it first, respond sends it */
    }
    buf_release(&g.text);
    if (rc != AG_OK) {
        turn_fail(t, 500, "server_error", "no_memory", "out of memory");
        return STAGE_STOP;
    }
    if (g.client_gone || (t->cancel && atomic_load(t->cancel)))
        t->finish = LLM_FINISH_CANCELLED;
    settle_outcome(t);
    return STAGE_CONTINUE;
}

/* ---- guard_out: the answer checked before the customer sees it ------------------------ */

static struct llm_backend *backend_named(const struct turn *t, const char *kind)
{
    for (size_t i = 0; i < t->env->n_backends; i++)
        if (strcmp(t->env->backends[i]->kind, kind) == 0)
            return t->env->backends[i];
    return NULL;
}

/* Check the turn's answer as it stands (passages: those its backend saw); false when it
 * fails. A text that cannot be checked (not UTF-8, empty) fails; a catalogue that cannot
 * be read or no memory is an error (*rc). */
static bool check_answer(struct turn *t, const char *source, ag_err *rc)
{
    const char *a = t->answer.text ? t->answer.text : "";
    /* the extractive answer numbers its sources in citation order; a prompt, by rank */
    bool extractive = strcmp(source, "extractive") == 0;
    const size_t *order = extractive ? t->answer.cited : NULL;
    size_t n_passages = extractive ? t->answer.n_cited : t->passages_used;
    struct answer_check_result r;
    ag_err e = out_check(t, &t->arena, a, strlen(a), order, n_passages, &r);
    if (e == AG_EDB || e == AG_ENOMEM) {
        *rc = e;
        return false;
    }
    if (e != AG_OK) { /* the text itself is bad: one failing verdict for the record */
        memset(&r, 0, sizeof(r));
        r.n_flagged = 1;
        size_t before = t->n_attempts;
        out_note_attempt(t, source, t->backend, &r);
        if (t->n_attempts > before) {
            struct turn_attempt *at = &t->attempts[before];
            at->why = "check_failed";
            snprintf(at->detail, sizeof(at->detail), "the answer could not be checked: %s",
                     ag_strerror(e));
        }
        t->checked = false;
        return false;
    }
    out_note_attempt(t, source, t->backend, &r);
    if ((t->gate_rejected || t->corrected) && t->n_attempts && !extractive) {
        /* the gate stopped it at a sentence: that verdict is the attempt's (a corrected
         * answer is checked as sent, without the sentence that failed) */
        struct turn_attempt *at = &t->attempts[t->n_attempts - 1];
        at->grounded = false;
        at->flagged = at->flagged ? at->flagged : 1;
        at->why = t->correction.why;
        snprintf(at->detail, sizeof(at->detail), "%s", t->correction.detail);
        if (t->gate_rejected)
            r.grounded = false;
    }
    t->check = r;
    t->checked = true;
    t->checked_text = a;
    t->checked_len = strlen(a);
    t->check_order = order;
    t->answer_source = source;
    return r.grounded;
}

/* The agent's own "I don't know" with the offer of a human: a fixed text, no claim to
 * check; its explanation has no sentences. */
static void use_dont_know(struct turn *t)
{
    t->answer = (struct llm_answer){.text = out_dont_know_text(t->lang), .known = false};
    t->finish = LLM_FINISH_STOP;
    t->check = (struct answer_check_result){.grounded = true, .support_min = 1, .support_mean = 1};
    t->checked = true;
    t->checked_text = t->answer.text;
    t->checked_len = strlen(t->answer.text);
    t->check_order = NULL;
    t->answer_source = "dont_know";
}

static enum stage_result stage_guard_out(struct turn *t)
{
    if (t->finish == LLM_FINISH_CANCELLED)
        return STAGE_CONTINUE; /* the client went away: nothing is delivered */
    ag_err rc = AG_OK;
    bool generated = t->backend && strcmp(t->backend, "extractive") != 0;
    struct llm_backend *b = generated ? backend_named(t, t->backend) : NULL;
    bool ok = check_answer(t, generated ? "generated" : "extractive", &rc);
    if (!generated && !t->answer.known && rc == AG_OK) {
        ok = true; /* the extractive "don't know": a fixed text, nothing to replace */
        t->answer_source = "dont_know";
    }
    bool can_replace = !t->streamed && enforcing(t) && rc == AG_OK;
    if (!ok && can_replace && b) {
        /* one retry with the stricter instructions, through the same gate */
        struct gen_stream g = {.t = t, .gate = t->sink != NULL};
        buf_init(&g.text, (size_t)16 << 20);
        t->gate_rejected = false;
        enum try_result tr = try_backend(t, b, &g, t->gen_deadline_ns, true);
        if (tr != TRY_FAILED) {
            t->corrected = tr == TRY_REJECTED && g.released > 0;
            t->gate_rejected = tr == TRY_REJECTED && g.released == 0;
            if (tr == TRY_REJECTED)
                t->correction = g.fail;
            rc = take_text(t, &g, t->corrected ? g.released : g.text.len);
            ok = rc == AG_OK && check_answer(t, "retry", &rc) && !t->gate_rejected;
        }
        if (g.client_gone || (t->cancel && atomic_load(t->cancel)))
            t->finish = LLM_FINISH_CANCELLED;
        buf_release(&g.text);
        can_replace = !t->streamed && rc == AG_OK && t->finish != LLM_FINISH_CANCELLED;
    }
    if (!ok && can_replace && generated && t->extractive.known) {
        t->answer = t->extractive;
        t->backend = "extractive";
        t->finish = LLM_FINISH_STOP;
        ok = check_answer(t, "extractive", &rc);
    }
    if (!ok && can_replace && rc == AG_OK)
        use_dont_know(t);
    if (rc != AG_OK) {
        log_error("guard_out: check failed trace=%s err=%s", t->trace_id, ag_strerror(rc));
        turn_fail(t, rc == AG_ENOMEM ? 500 : 503, "server_error", "guard_unavailable",
                  "the answer could not be checked; nothing was answered");
        t->outcome = "error";
        return STAGE_STOP;
    }
    if (t->n_attempts > 1 || !ok)
        log_info("guard_out: trace=%s source=%s attempts=%zu first_why=%s", t->trace_id,
                 t->answer_source ? t->answer_source : "-", t->n_attempts,
                 t->attempts[0].why ? t->attempts[0].why : "-");
    t->conf_support = t->checked ? t->check.support_min : 0;
    out_settle_confidence(t);
    settle_outcome(t);
    if (t->env->metrics) {
        unsigned passed = 0;
        for (size_t i = 0; i < t->n_attempts; i++)
            passed += t->attempts[i].grounded;
        metrics_guard_out(t->env->metrics, t->answer_source, passed,
                          (unsigned)t->n_attempts - passed, t->escalate);
    }
    return STAGE_CONTINUE;
}

/* ---- respond: the JSON reply ------------------------------------------------------ */

static ag_err render_stages(struct turn *t, json_t *o)
{
    json_t *arr = json_array();
    if (!arr)
        return AG_ENOMEM;
    for (size_t i = 0; i < t->n_stages; i++)
        json_array_append_new(arr, json_pack("{s:s, s:f, s:s}", "name", t->stages[i].name, "ms",
                                             t->stages[i].ms, "outcome", t->stages[i].outcome));
    return json_object_set_new(o, "stages", arr) == 0 ? AG_OK : AG_ENOMEM;
}

/* "guard": {"injection": {"score", "verdict", "reasons"}, "pii": {"EMAIL": 1, ...},
 * "passages_dropped": n}; only once guard_in ran. */
static ag_err render_guard(struct turn *t, json_t *o)
{
    if (!t->guarded)
        return AG_OK;
    const struct guard_verdict *v = &t->guard.injection;
    json_t *reasons = json_array(), *pii = json_object();
    for (size_t i = 0; reasons && i < v->n_reasons; i++)
        json_array_append_new(reasons, json_pack("{s:s, s:f}", "what", v->reasons[i].what, "share",
                                                 (double)v->reasons[i].share));
    for (int i = 0; pii && i < PII_N_TYPES; i++)
        if (t->guard.pii_count[i])
            json_object_set_new(pii, pii_type_name((enum pii_type)i),
                                json_integer(t->guard.pii_count[i]));
    /* "o" hands both over to the new object, also when packing fails */
    json_t *g = json_pack("{s:{s:f, s:s, s:o*}, s:o*, s:i}", "injection", "score", (double)v->score,
                          "verdict", guard_action_name(t->guard.action), "reasons", reasons, "pii",
                          pii, "passages_dropped", (int)t->passages_dropped);
    if (!g || !reasons || !pii || json_array_size(reasons) != v->n_reasons) {
        json_decref(g);
        return AG_ENOMEM;
    }
    return json_object_set_new(o, "guard", g) == 0 ? AG_OK : AG_ENOMEM;
}

/* "generation": {backend, model, upstream, finish, tokens, first_token_ms, cost_eur}, once a
 * backend answered. */
static ag_err render_generation(struct turn *t, json_t *o)
{
    if (!t->backend)
        return AG_OK;
    json_t *gen = json_pack("{s:s, s:s, s:s, s:I, s:I, s:f}", "backend", t->backend, "model",
                            t->usage.model, "finish", llm_finish_name(t->finish), "prompt_tokens",
                            (json_int_t)t->usage.prompt_tokens, "completion_tokens",
                            (json_int_t)t->usage.completion_tokens, "first_token_ms",
                            t->usage.first_token_ms);
    if (!gen || json_object_set_new(o, "generation", gen) != 0)
        return AG_ENOMEM;
    char eur[40];
    money_format(t->cost_units, eur, sizeof(eur));
    int e = t->usage.upstream[0]
                ? json_object_set_new(gen, "upstream", json_string(t->usage.upstream))
                : 0;
    e |= json_object_set_new(gen, "cost_eur", json_string(eur));
    return e ? AG_ENOMEM : AG_OK;
}

/* "explanation" (guard_out.h) and, when a human should look, "escalation". */
static ag_err render_explanation(struct turn *t, json_t *o)
{
    json_t *ex = NULL;
    ag_err rc = out_explanation(t, false, &ex);
    if (rc == AG_OK && json_object_set_new(o, "explanation", ex) != 0)
        rc = AG_ENOMEM;
    if (rc != AG_OK || !t->escalate)
        return rc;
    /* the review queue is not built yet (DESIGN.md, stage escalate): say so */
    json_t *e = json_pack("{s:s, s:b, s:s}", "reason", t->escalate_reason, "queued", 0, "message",
                          "a human would be asked to review this answer; the review queue is "
                          "not available yet, so nobody has been notified");
    return e && json_object_set_new(o, "escalation", e) == 0 ? AG_OK : AG_ENOMEM;
}

/* ---- audit: every turn, hash-chained -------------------------------------------------- */

static enum stage_result stage_audit(struct turn *t)
{
    json_t *decision = json_object(), *passages = json_array();
    ag_err rc = decision && passages ? AG_OK : AG_ENOMEM;
    for (size_t i = 0; i < t->retrieved.n_hits && rc == AG_OK; i++)
        if (json_array_append_new(passages, json_pack("{s:I, s:f}", "id",
                                                      (json_int_t)t->retrieved.hits[i].chunk_id,
                                                      "score", t->retrieved.hits[i].score)) != 0)
            rc = AG_ENOMEM;
    if (rc == AG_OK && json_object_set(decision, "passages", passages) != 0)
        rc = AG_ENOMEM;
    rc = rc ? rc : render_stages(t, decision);
    rc = rc ? rc : render_guard(t, decision);
    rc = rc ? rc : render_generation(t, decision);
    if (rc == AG_OK && t->answer_source) {
        json_t *ex = NULL;
        rc = out_explanation(t, true, &ex);
        if (rc == AG_OK && json_object_set_new(decision, "explanation", ex) != 0)
            rc = AG_ENOMEM;
    }
    bool ok = t->status == 200;
    char actor[80];
    snprintf(actor, sizeof(actor), "%s%s",
             t->trusted         ? "cli"
             : t->who.key_id[0] ? "key:"
                                : "",
             t->trusted ? "" : t->who.key_id);
    struct audit_entry e = {
        /* a request no key or token vouched for belongs to the installation's tenant */
        .tenant = t->who.tenant[0] ? t->who.tenant : t->env->cfg->tenant,
        .key_id = t->who.key_id,
        .actor = actor,
        .subject = t->subject,
        .agent = t->env->cfg->agent_name,
        .trace_id = t->trace_id,
        .outcome = t->outcome ? t->outcome
                   : ok       ? "answered"
                              : "rejected_request",
        .status = t->status,
        .escalated = (t->outcome && strcmp(t->outcome, "escalated") == 0) || t->escalate,
        .latency_ms = (double)(clock_mono_ns() - t->t0_ns) / 1e6,
        .decision = decision,
        .question = t->question,
        .question_len = t->question_len,
        .answer = ok ? t->answer.text : NULL,
        .answer_len = ok && t->answer.text ? strlen(t->answer.text) : 0,
        .store_content = t->subject && t->question && turn_may_store(t),
    };
    if (rc == AG_OK)
        rc = audit_append(t->env->audit, &e, &t->audit_seq);
    json_decref(passages);
    json_decref(decision);
    if (rc != AG_OK) {
        /* An answer that cannot be recorded is not released. */
        log_error("audit: append failed trace=%s err=%s", t->trace_id, ag_strerror(rc));
        turn_fail(t, 503, "server_error", "audit_unavailable",
                  "the audit log is unavailable; nothing was answered");
        t->outcome = "error";
        return STAGE_STOP;
    }
    return STAGE_CONTINUE;
}

/* The answer with the customer's own values back in place of placeholders. */
static ag_err restore_answer(struct turn *t)
{
    if (!t->guard.scoped || !t->answer.text)
        return AG_OK;
    struct buf out;
    buf_init(&out, (size_t)1 << 20);
    ag_err rc =
        guard_restore(t->env->vault, &t->guard.scope, t->answer.text, strlen(t->answer.text), &out);
    if (rc == AG_OK) {
        char *a = arena_strndup(&t->arena, out.p ? out.p : "", out.len);
        if (a)
            t->answer.text = a;
        rc = a ? AG_OK : AG_ENOMEM;
    }
    crypto_wipe(out.p, out.cap);
    buf_release(&out);
    return rc;
}

static enum stage_result stage_respond(struct turn *t)
{
    json_t *o = json_object();
    ag_err rc = o ? AG_OK : AG_ENOMEM;
    if (rc == AG_OK && t->status == 200)
        rc = restore_answer(t);
    if (rc == AG_OK && t->status != 200) {
        json_t *err =
            json_pack("{s:s, s:s, s:s}", "type", t->err_type ? t->err_type : "error", "message",
                      t->err_message, "code", t->err_code ? t->err_code : "error");
        if (!err || json_object_set_new(o, "error", err) != 0)
            rc = AG_ENOMEM;
        json_object_set_new(o, "trace_id", json_string(t->trace_id));
    } else if (rc == AG_OK) {
        json_t *sources = json_array();
        for (size_t i = 0; sources && i < t->answer.n_cited; i++) {
            const struct kb_hit *h = &t->retrieved.hits[t->answer.cited[i]];
            json_array_append_new(sources,
                                  json_pack("{s:s, s:s, s:s, s:I, s:f}", "doc", h->doc, "title",
                                            h->title, "heading", h->heading, "chunk",
                                            (json_int_t)h->chunk_id, "score", h->score));
        }
        if (!sources) {
            rc = AG_ENOMEM;
        } else {
            if (!t->chat) /* a chat carries it in its choices */
                json_object_set_new(o, "answer", json_string(t->answer.text));
            json_object_set_new(o, "sources", sources);
            json_object_set_new(o, "confidence", json_real(t->answer.confidence));
            json_object_set_new(o, "lang", json_string(text_lang_code(t->lang)));
            json_object_set_new(o, "trace_id", json_string(t->trace_id));
            json_object_set_new(o, "audit_seq", json_integer(t->audit_seq));
        }
    }
    rc = rc ? rc : render_stages(t, o);
    rc = rc ? rc : render_guard(t, o);
    if (rc == AG_OK && t->status == 200)
        rc = render_generation(t, o);
    if (rc == AG_OK && t->status == 200 && t->answer_source)
        rc = render_explanation(t, o); /* spans need the vault scope: before it ends */
    if (t->guard.scoped) {
        guard_vault_scope_end(t->env->vault, &t->guard.scope);
        t->guard.scoped = false;
        if (t->env->metrics) {
            struct guard_vault_stats st;
            guard_vault_stats(t->env->vault, &st);
            metrics_pii_sessions(t->env->metrics, st.sessions);
        }
    }
    buf_reset(&t->response);
    if (rc == AG_OK && t->chat && t->stream && (t->sink || t->status == 200)) {
        /* a streamed chat: what the sink did not carry yet goes into these events */
        if (!t->streamed && t->status == 200) {
            const char *a = t->answer.text ? t->answer.text : "";
            rc = chat_sse_chunk(t, t->sink ? NULL : "assistant", a, strlen(a), NULL, &t->response);
        }
        rc = rc ? rc : chat_stream_tail(t, o, &t->response);
    } else if (rc == AG_OK && t->chat && t->status == 200)
        rc = chat_render(t, o, &t->response);
    else
        rc = rc ? rc : json_dump_buf(o, &t->response);
    json_decref(o);
    if (rc != AG_OK) {
        t->status = 500;
        buf_reset(&t->response);
        (void)buf_append_str(&t->response, "{\"error\":{\"type\":\"server_error\",\"message\":"
                                           "\"the reply could not be built\",\"code\":"
                                           "\"render_failed\"}}");
    }
    return STAGE_CONTINUE;
}

/* ---- the list ---------------------------------------------------------------------- */

static const struct stage stages[] = {
    {"http", stage_http, false},           /* parse and validate the request body */
    {"auth", stage_auth, false},           /* API key -> identity, role check for the route */
    {"limit", stage_limit, false},         /* in-flight cap; key, subject, address buckets */
    {"guard_in", stage_guard_in, false},   /* injection verdict; PII -> placeholders */
    {"retrieve", stage_retrieve, false},   /* BM25 over the tenant's knowledge base */
    {"generate", stage_generate, false},   /* generative backends, the extractive answer last */
    {"guard_out", stage_guard_out, false}, /* answer checked; retry, extractive, don't know */
    {"audit", stage_audit, true},          /* hash-chained record of the decision */
    {"respond", stage_respond, true},      /* JSON reply with sources, confidence, trace */
};

/* Run stages [from, to) over t. */
static void run_stages(struct turn *t, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const struct stage *s = &stages[i];
        struct turn_stage *ts = t->n_stages < TURN_MAX_STAGES ? &t->stages[t->n_stages++] : NULL;
        if (t->stopped && !s->always) {
            if (ts)
                *ts = (struct turn_stage){s->name, 0, "skipped"};
            continue;
        }
        uint64_t t0 = clock_mono_ns();
        if (ts) /* respond renders the list, including itself as running */
            *ts = (struct turn_stage){s->name, 0, "ok"};
        enum stage_result r = s->run(t);
        double secs = (double)(clock_mono_ns() - t0) / 1e9;
        if (ts) {
            ts->ms = secs * 1e3;
            ts->outcome = r == STAGE_STOP ? "stop" : "ok";
        }
        if (t->env->metrics)
            metrics_stage(t->env->metrics, s->name, secs);
        if (r == STAGE_STOP)
            t->stopped = true;
    }
}

#define N_STAGES (sizeof(stages) / sizeof(stages[0]))

static size_t stage_index(const char *name)
{
    size_t i = 0;
    while (i < N_STAGES && strcmp(stages[i].name, name) != 0)
        i++;
    return i;
}

bool pipeline_prepare(struct turn *t)
{
    run_stages(t, 0, stage_index("generate"));
    return !t->stopped;
}

void pipeline_finish(struct turn *t)
{
    run_stages(t, stage_index("generate"), N_STAGES);
    pipeline_release_slot(t);
    log_info("turn: done trace=%s status=%d outcome=%s key=%s backend=%s", t->trace_id, t->status,
             t->outcome ? t->outcome : "-", t->who.key_id[0] ? t->who.key_id : "-",
             t->backend ? t->backend : "-");
}

void pipeline_run(struct turn *t)
{
    pipeline_prepare(t);
    pipeline_finish(t);
}
