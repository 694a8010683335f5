// SPDX-License-Identifier: MIT
/*
 * guard/input.h: the input guard on one message, as the guard_in stage runs it: the
 * injection verdict and the policy's action, then (unless the message is stopped) its
 * personal data replaced by placeholders through the vault.
 * THREADS: any thread (the detector is shared read-only, the vault is thread-safe).
 * OWNERSHIP: out and r are the caller's; end r's scope with guard_vault_scope_end() when
 * r->scoped, after the answer was restored.
 */
#ifndef AG_GUARD_INPUT_H
#define AG_GUARD_INPUT_H

#include "guard/inject.h"
#include "guard/pii.h"
#include "guard/vault.h"

#define GUARD_MAX_SPANS 256

struct guard_input_result {
    struct guard_verdict injection; /* with reasons when the action is not allow */
    enum guard_action action;
    size_t n_pii;                    /* values replaced */
    unsigned pii_count[PII_N_TYPES]; /* per type */
    bool scoped;                     /* scope holds this message's values */
    struct guard_vault_scope scope;
};

/* Check text[0..n) of tenant's session (NULL: keep nothing past the turn). When the action
 * is allow or flag, append the text with placeholders to out (and text the customer wrote
 * in the shape of a placeholder escaped, see vault.h), and r->scoped is set; when block or
 * escalate, out is left alone. AG_ETOOBIG: more
 * than GUARD_MAX_SPANS values, a value or the text over the vault's or out's limits;
 * AG_ENOMEM, AG_EIO. */
ag_err guard_input(const struct guard_inject *g, const struct guard_policy *p,
                   struct guard_vault *v, const char *tenant, const char *session, const char *text,
                   size_t n, struct buf *out, struct guard_input_result *r);

#endif
