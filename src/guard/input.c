// SPDX-License-Identifier: MIT
/*
 * guard/input.c: one message through the input guard (see input.h). The injection scan
 * runs first on the text as written; reasons are only worked out (from that scan) for a
 * message the policy does not simply allow.
 */
#include "guard/input.h"

#include <string.h>

ag_err guard_input(const struct guard_inject *g, const struct guard_policy *p,
                   struct guard_vault *v, const char *tenant, const char *session, const char *text,
                   size_t n, struct buf *out, struct guard_input_result *r)
{
    memset(r, 0, sizeof(*r));
    ag_err rc = guard_inject_scan(g, text, n, 0, &r->injection);
    if (rc != AG_OK)
        return rc;
    r->action = guard_decide(p, r->injection.score);
    if (r->action != GUARD_ALLOW) {
        rc = guard_inject_explain(g, &r->injection);
        if (rc != AG_OK)
            return rc;
    }
    if (r->action == GUARD_BLOCK || r->action == GUARD_ESCALATE)
        return AG_OK;
    struct pii_span spans[GUARD_MAX_SPANS];
    rc = pii_scan(text, n, spans, GUARD_MAX_SPANS, &r->n_pii);
    if (rc != AG_OK)
        return rc;
    if (r->n_pii > GUARD_MAX_SPANS)
        return AG_ETOOBIG;
    /* Also without personal data: the scope lets the answer get back values of earlier
     * turns of the session, and pseudonymising escapes text the customer wrote in the
     * shape of a placeholder (it creates no session and takes no lock then). */
    rc = guard_vault_scope(v, tenant, session, &r->scope);
    if (rc != AG_OK)
        return rc;
    r->scoped = true;
    for (size_t i = 0; i < r->n_pii; i++)
        r->pii_count[spans[i].type]++;
    return guard_pseudonymise(v, &r->scope, text, n, spans, r->n_pii, out);
}
