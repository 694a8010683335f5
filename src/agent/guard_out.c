// SPDX-License-Identifier: MIT
/*
 * agent/guard_out.c: what the output guard needs besides the pipeline's stages (see
 * guard_out.h): the check of an answer text with the turn's passages, catalogue and
 * forbidden texts; the confidence; the explanation.
 *
 * Confidence = sqrt(retrieval x support), both in 0..1:
 *   retrieval  the share of the question's weight the best passage sentence covers (the
 *              extractive answer's own measure; 0 when nothing was retrieved)
 *   support    the least support of the answer's checked sentences (1 when every
 *              sentence is conversation only)
 * The geometric mean is low when either part is low: a well-supported answer to a
 * question the passages barely touch is as doubtful as a poorly supported one. An answer
 * that says it does not know has confidence 0.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "agent/guard_out.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/log.h"

ag_err out_check(struct turn *t, struct arena *a, const char *text, size_t len, const size_t *order,
                 size_t n_passages, struct answer_check_result *out)
{
    const struct agent_env *env = t->env;
    if (!order && n_passages > t->retrieved.n_hits)
        n_passages = t->retrieved.n_hits;
    if (n_passages > ANSWER_MAX_PASSAGES)
        n_passages = ANSWER_MAX_PASSAGES;
    struct answer_passage p[ANSWER_MAX_PASSAGES];
    for (size_t i = 0; i < n_passages; i++) {
        size_t k = order ? order[i] : i;
        if (k >= t->retrieved.n_hits)
            return AG_EINVAL;
        const struct kb_hit *h = &t->retrieved.hits[k];
        p[i] = (struct answer_passage){h->text ? h->text : "", h->text ? strlen(h->text) : 0,
                                       h->chunk_id};
    }
    if (!t->catalog && env->catalogs) {
        ag_err rc = catalog_cache_get(env->catalogs, t->who.tenant, &t->catalog);
        if (rc != AG_OK) {
            log_error("guard_out: catalogue unreadable trace=%s err=%s", t->trace_id,
                      ag_strerror(rc));
            return rc == AG_ENOMEM ? rc : AG_EDB;
        }
    }
    size_t n_cat = 0;
    const struct answer_product *cat = catalog_items(t->catalog, &n_cat);
    struct answer_check_params params = answer_check_default_params();
    params.support_threshold = env->cfg->answer_support_threshold;
    const char *forbidden[2];
    size_t n_forbidden = 0;
    if (env->system_prompt && env->system_prompt[0])
        forbidden[n_forbidden++] = env->system_prompt;
    if (env->canary && env->canary[0])
        forbidden[n_forbidden++] = env->canary;
    params.forbidden = forbidden;
    params.n_forbidden = n_forbidden;
    /* the question is the customer's own text: numbers and personal data it gave may be
     * repeated (it holds placeholders, as the answer does) */
    const char *customer = t->question ? arena_strndup(a, t->question, t->question_len) : NULL;
    if (t->question && !customer)
        return AG_ENOMEM;
    return answer_check(text, len, t->lang, p, n_passages, cat, n_cat, customer, &params, a, out);
}

void out_note_attempt(struct turn *t, const char *source, const char *backend,
                      const struct answer_check_result *r)
{
    if (t->n_attempts >= TURN_MAX_ATTEMPTS)
        return;
    struct turn_attempt *at = &t->attempts[t->n_attempts++];
    *at = (struct turn_attempt){
        .source = source, .backend = backend, .grounded = r->grounded, .flagged = r->n_flagged};
    for (size_t i = 0; i < r->n_sentences; i++)
        if (!r->sentences[i].ok) {
            at->why = r->sentences[i].why;
            snprintf(at->detail, sizeof(at->detail), "%s", r->sentences[i].detail);
            break;
        }
}

void out_settle_confidence(struct turn *t)
{
    double r = t->ex_support, s = t->conf_support;
    r = r < 0 ? 0 : r > 1 ? 1 : r;
    s = s < 0 ? 0 : s > 1 ? 1 : s;
    double c = t->answer.known ? sqrt(r * s) : 0;
    t->answer.confidence = c;
    t->escalate = c < t->env->cfg->escalate_below;
    t->escalate_reason = !t->escalate ? NULL : !t->answer.known ? "dont_know" : "low_confidence";
}

const char *out_dont_know_text(enum text_lang l)
{
    return l == TEXT_LANG_EN
               ? "I don't know that for certain. I can pass your question to a member of our "
                 "team, who will get back to you."
               : "Das weiß ich nicht sicher. Ich gebe Ihre Frage gern an einen Mitarbeiter "
                 "weiter, der sich bei Ihnen meldet.";
}

const char *out_correction_text(enum text_lang l)
{
    return l == TEXT_LANG_EN
               ? "\n\n(I stopped here: what came next is not backed by our documents. A member "
                 "of our team can help you further.)"
               : "\n\n(Hier habe ich abgebrochen: Das Folgende ist durch unsere Unterlagen "
                 "nicht belegt. Ein Mitarbeiter hilft Ihnen gern weiter.)";
}

/* ---- the explanation ------------------------------------------------------------------ */

static size_t code_points(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xC0) != 0x80;
    return c;
}

/* Offset b of the checked text (placeholders) as code points of the answer as given
 * (the customer's values back in place). A sentence boundary never falls inside a
 * placeholder, so the prefix restores on its own. */
static ag_err given_offset(struct turn *t, size_t b, size_t *out)
{
    if (!t->guard.scoped) {
        *out = code_points(t->checked_text, b);
        return AG_OK;
    }
    struct buf r;
    buf_init(&r, (size_t)1 << 20);
    ag_err rc = guard_restore(t->env->vault, &t->guard.scope, t->checked_text, b, &r);
    *out = rc == AG_OK ? code_points(r.p ? r.p : "", r.len) : 0;
    crypto_wipe(r.p, r.cap);
    buf_release(&r);
    return rc;
}

static const char *verdict_name(const struct answer_sentence_verdict *v)
{
    return !v->ok ? "failed" : v->exempt ? "exempt" : "supported";
}

static json_t *sentence_json(struct turn *t, const struct answer_sentence_verdict *v,
                             bool for_audit, ag_err *rc)
{
    json_t *o = json_pack("{s:s, s:f}", "verdict", verdict_name(v), "support", v->support);
    if (!o) {
        *rc = AG_ENOMEM;
        return NULL;
    }
    int e = 0;
    size_t hit = v->passage < 0   ? SIZE_MAX
                 : t->check_order ? t->check_order[v->passage]
                                  : (size_t)v->passage;
    if (hit < t->retrieved.n_hits) {
        const struct kb_hit *h = &t->retrieved.hits[hit];
        e |= json_object_set_new(o, "passage", json_integer(v->passage + 1));
        e |= json_object_set_new(o, "chunk", json_integer(h->chunk_id));
        if (!for_audit && h->text && v->p_end > v->p_start && v->p_end <= strlen(h->text)) {
            size_t s = code_points(h->text, v->p_start);
            size_t end = s + code_points(h->text + v->p_start, v->p_end - v->p_start);
            e |= json_object_set_new(o, "passage_span",
                                     json_pack("[I, I]", (json_int_t)s, (json_int_t)end));
        }
    }
    if (v->why)
        e |= json_object_set_new(o, "why", json_string(v->why));
    if (!for_audit && v->why && v->detail[0])
        e |= json_object_set_new(o, "detail", json_string(v->detail));
    if (!for_audit && *rc == AG_OK) {
        size_t s = 0, end = 0;
        *rc = given_offset(t, v->start, &s);
        *rc = *rc ? *rc : given_offset(t, v->end, &end);
        e |= json_object_set_new(o, "span", json_pack("[I, I]", (json_int_t)s, (json_int_t)end));
    }
    if (e && *rc == AG_OK)
        *rc = AG_ENOMEM;
    return o;
}

static json_t *attempts_json(const struct turn *t)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < t->n_attempts; i++) {
        const struct turn_attempt *at = &t->attempts[i];
        json_t *o = json_pack("{s:s, s:s, s:b, s:I}", "source", at->source, "backend",
                              at->backend ? at->backend : "-", "grounded", at->grounded, "flagged",
                              (json_int_t)at->flagged);
        /* the reason only: an attempt's detail quotes what it invented, which is exactly
         * what must not reach the client (the delivered answer's sentences keep theirs) */
        if (o && at->why)
            json_object_set_new(o, "why", json_string(at->why));
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

ag_err out_explanation(struct turn *t, bool for_audit, json_t **out)
{
    *out = NULL;
    ag_err rc = AG_OK;
    json_t *sentences = json_array(), *attempts = attempts_json(t);
    for (size_t i = 0; sentences && t->checked && i < t->check.n_sentences && rc == AG_OK; i++) {
        json_t *s = sentence_json(t, &t->check.sentences[i], for_audit, &rc);
        if (!s || json_array_append_new(sentences, s) != 0)
            rc = rc ? rc : AG_ENOMEM;
    }
    const struct config *cfg = t->env->cfg;
    json_t *output = json_pack("{s:s, s:s?, s:b, s:o*, s:b}", "check", cfg->answer_check, "source",
                               t->answer_source, "grounded", t->checked && t->check.grounded,
                               "attempts", attempts, "corrected", t->corrected);
    if (output && t->corrected) {
        json_t *c = json_pack("{s:s, s:f}", "why", t->correction.why ? t->correction.why : "",
                              "support", t->correction.support);
        if (!c || json_object_set_new(output, "correction", c) != 0)
            rc = rc ? rc : AG_ENOMEM;
    }
    double r = t->ex_support < 0 ? 0 : t->ex_support > 1 ? 1 : t->ex_support;
    json_t *conf =
        json_pack("{s:f, s:f, s:f, s:f, s:b, s:s?}", "value", t->answer.confidence, "retrieval", r,
                  "support", t->conf_support, "threshold", cfg->escalate_below, "escalate",
                  t->escalate, "reason", t->escalate_reason);
    json_t *e = json_pack("{s:o*, s:o*, s:o*}", "sentences", sentences, "output", output,
                          "confidence", conf);
    if (!e || !sentences || !attempts || !output || !conf)
        rc = rc ? rc : AG_ENOMEM;
    if (rc != AG_OK) {
        json_decref(e);
        return rc;
    }
    *out = e;
    return AG_OK;
}
