// SPDX-License-Identifier: MIT
/*
 * guard/scan.c: the policy's decision on a score, and one line of `agentgate guard scan`
 * (injection verdict with reasons, and the PII spans in code points).
 * THREADS: pure functions over a shared read-only detector. OWNERSHIP: out is the caller's.
 */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "guard/inject.h"
#include "guard/pii.h"

#define SCAN_MAX_SPANS 512
#define SCAN_MAX_DEPTH 4

enum guard_action guard_decide(const struct guard_policy *p, double score)
{
    if (score >= p->block_at)
        return p->escalate ? GUARD_ESCALATE : GUARD_BLOCK;
    return score >= p->flag_at ? GUARD_FLAG : GUARD_ALLOW;
}

const char *guard_action_name(enum guard_action a)
{
    static const char *const names[] = {"allow", "flag", "block", "escalate"};
    return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

ag_err guard_scan_line(const struct guard_inject *g, const struct guard_policy *p, const char *line,
                       size_t n, struct buf *out)
{
    json_t *o = NULL;
    char why[200];
    if (json_parse_object(line, n, SCAN_MAX_DEPTH, &o, why, sizeof(why)) != AG_OK)
        return json_line_error(out, NULL, why);
    json_t *id = json_object_get(o, "id"), *text = json_object_get(o, "text");
    ag_err rc;
    if (!id || (!json_is_string(id) && !json_is_integer(id))) {
        rc = json_line_error(out, NULL, "\"id\" must be a string or an integer");
        goto done;
    }
    if (!json_is_string(text)) {
        rc = json_line_error(out, id, "\"text\" must be a string");
        goto done;
    }
    const char *t = json_string_value(text);
    size_t tn = json_string_length(text);
    struct guard_verdict v;
    rc = guard_inject_scan(g, t, tn, GUARD_SCAN_REASONS, &v);
    if (rc != AG_OK) {
        rc = rc == AG_ENOMEM ? rc : json_line_error(out, id, ag_strerror(rc));
        goto done;
    }
    struct pii_span spans[SCAN_MAX_SPANS];
    size_t found = 0;
    rc = pii_scan(t, tn, spans, SCAN_MAX_SPANS, &found);
    if (rc != AG_OK)
        goto done;
    if (found > SCAN_MAX_SPANS) {
        rc = json_line_error(out, id, "more than 512 PII spans in one text");
        goto done;
    }
    size_t keep = out->len;
    rc = buf_append_str(out, "{\"id\":");
    rc = rc ? rc : json_put_id(out, id);
    rc = rc ? rc
            : buf_printf(out, ",\"injection\":{\"score\":%.4f,\"verdict\":\"%s\",\"reasons\":",
                         (double)v.score, guard_action_name(guard_decide(p, v.score)));
    rc = rc ? rc : guard_reasons_json(&v, out);
    rc = rc ? rc : buf_append_str(out, "},\"pii\":[");
    /* code points counted once, walking forward */
    size_t cp = 0, at = 0;
    for (size_t i = 0; i < found && rc == AG_OK; i++) {
        size_t s = cp + pii_code_points(t + at, spans[i].start - at);
        size_t e = s + pii_code_points(t + spans[i].start, spans[i].end - spans[i].start);
        cp = e;
        at = spans[i].end;
        rc = buf_printf(out, "%s{\"start\":%zu,\"end\":%zu,\"type\":\"%s\"}", i ? "," : "", s, e,
                        pii_type_name(spans[i].type));
    }
    rc = rc ? rc : buf_append_str(out, "]}\n");
    if (rc != AG_OK)
        buf_truncate(out, keep);
done:
    json_decref(o);
    return rc;
}
