// SPDX-License-Identifier: MIT
/*
 * agent/guard_out.h: the output guard's parts that the pipeline's generate, guard_out,
 * audit and respond stages share: checking a text of the turn's answer, the confidence,
 * and the explanation every reply carries. Internal to src/agent/.
 * THREADS: a turn belongs to one thread; see agent.h.
 */
#ifndef AG_AGENT_GUARD_OUT_H
#define AG_AGENT_GUARD_OUT_H

#include <jansson.h>

#include "agent/agent.h"

/* Check text[0..len) as an answer to t's question against the passages it may cite as
 * [1]..[n_passages]: hits order[0..n_passages) of t->retrieved (order NULL: the first
 * n_passages hits, as a generative backend's prompt numbers them), the tenant's catalogue,
 * with the agent's support threshold and forbidden texts (system prompt, canary). The
 * result lives in a. AG_EINVAL (text is not valid UTF-8 or empty), AG_ETOOBIG, AG_ENOMEM,
 * AG_EDB (the catalogue could not be read). */
ag_err out_check(struct turn *t, struct arena *a, const char *text, size_t len, const size_t *order,
                 size_t n_passages, struct answer_check_result *out);

/* Remember one checked answer in t->attempts (the trace and the audit list them). */
void out_note_attempt(struct turn *t, const char *source, const char *backend,
                      const struct answer_check_result *r);

/* Set t->answer.confidence from the retrieval part (t->ex_support) and the support part
 * (t->conf_support), and decide the escalation (t->escalate) against escalate_below. */
void out_settle_confidence(struct turn *t);

/* "I don't know" with the offer of a human, in language l. */
const char *out_dont_know_text(enum text_lang l);
/* What a customer reads when a streamed answer stops at a sentence that failed. */
const char *out_correction_text(enum text_lang l);

/* The explanation of t's answer: per sentence its span in the answer as given (Unicode
 * code points), verdict, support and best passage with the span it matched there; the
 * output guard's attempts and outcome; the confidence and its parts. for_audit: without
 * spans and details (the audit chain keeps no content). *out is a new reference. */
ag_err out_explanation(struct turn *t, bool for_audit, json_t **out);

#endif
