// SPDX-License-Identifier: MIT
/*
 * guard/eval.c: precision, recall and F1 of the structured PII detector per type on a
 * labelled file (Presidio's synthetic dataset format: a JSON array of objects with
 * "full_text" and "spans" [{entity_type, start_position, end_position}] in code points).
 * A labelled span counts as found when a detected span of the same type overlaps it; a
 * detected span counts as right when it overlaps a labelled span of its type. Labelled
 * types the detector does not cover (names, addresses, dates...) are not scored here.
 * OWNERSHIP: everything read is freed before returning.
 */
#include "guard/eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/json.h"

#define EVAL_MAX_FILE  ((size_t)256 << 20)
#define EVAL_MAX_SPANS 256

/* Presidio's type names for the types the detector covers. */
static int type_of(const char *name)
{
    static const struct {
        const char *name;
        enum pii_type t;
    } map[] = {{"EMAIL_ADDRESS", PII_EMAIL},
               {"PHONE_NUMBER", PII_PHONE},
               {"IBAN_CODE", PII_IBAN},
               {"CREDIT_CARD", PII_CREDIT_CARD},
               {"IP_ADDRESS", PII_IP_ADDRESS}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].name, name) == 0)
            return (int)map[i].t;
    return -1;
}

struct gold {
    size_t start, end; /* code points */
    int type;
};

/* Score one text against its labelled spans. */
static ag_err score_text(const char *text, size_t len, const struct gold *g, size_t n_gold,
                         struct pii_eval_result *r)
{
    struct pii_span s[EVAL_MAX_SPANS];
    size_t n = 0;
    uint64_t t0 = clock_mono_ns();
    ag_err rc = pii_scan(text, len, s, EVAL_MAX_SPANS, &n);
    r->scan_ns += clock_mono_ns() - t0;
    r->bytes += len;
    if (rc != AG_OK)
        return rc;
    bool found[EVAL_MAX_SPANS] = {false};
    for (size_t i = 0; i < n && i < EVAL_MAX_SPANS; i++) {
        size_t cs = pii_code_points(text, s[i].start), ce = pii_code_points(text, s[i].end);
        bool right = false;
        for (size_t k = 0; k < n_gold; k++)
            if (g[k].type == (int)s[i].type && cs < g[k].end && g[k].start < ce) {
                right = true;
                found[k] = true;
            }
        r->type[s[i].type].detected++;
        r->type[s[i].type].right += right;
    }
    for (size_t k = 0; k < n_gold; k++) {
        r->type[g[k].type].labelled++;
        r->type[g[k].type].found += found[k];
    }
    return AG_OK;
}

ag_err pii_eval_presidio(const char *path, struct pii_eval_result *r, char *why, size_t why_len)
{
    memset(r, 0, sizeof(*r));
    why[0] = '\0';
    struct buf all;
    ag_err rc = buf_read_file(path, EVAL_MAX_FILE, &all, why, why_len);
    json_t *root = NULL;
    if (rc == AG_OK)
        rc = json_parse_value(all.p, all.len, 16, &root, why, why_len);
    buf_release(&all);
    if (rc != AG_OK)
        return rc;
    if (!json_is_array(root)) {
        json_decref(root);
        snprintf(why, why_len, "%s: expected a JSON array of labelled texts", path);
        return AG_EINVAL;
    }
    size_t idx;
    json_t *item;
    json_array_foreach(root, idx, item)
    {
        json_t *text = json_object_get(item, "full_text"), *spans = json_object_get(item, "spans");
        if (!json_is_string(text) || !json_is_array(spans) ||
            json_array_size(spans) > EVAL_MAX_SPANS) {
            snprintf(why, why_len, "%s: item %zu: needs \"full_text\" and at most %d \"spans\"",
                     path, idx, EVAL_MAX_SPANS);
            rc = AG_EINVAL;
            break;
        }
        struct gold g[EVAL_MAX_SPANS];
        size_t n_gold = 0, si;
        json_t *sp;
        json_array_foreach(spans, si, sp)
        {
            json_t *type = json_object_get(sp, "entity_type");
            json_t *st = json_object_get(sp, "start_position"),
                   *en = json_object_get(sp, "end_position");
            if (!json_is_string(type) || !json_is_integer(st) || !json_is_integer(en) ||
                json_integer_value(st) < 0 || json_integer_value(en) < json_integer_value(st)) {
                snprintf(why, why_len,
                         "%s: item %zu span %zu: needs entity_type, start_position"
                         " <= end_position",
                         path, idx, si);
                rc = AG_EINVAL;
                break;
            }
            int t = type_of(json_string_value(type));
            if (t >= 0)
                g[n_gold++] = (struct gold){(size_t)json_integer_value(st),
                                            (size_t)json_integer_value(en), t};
        }
        if (rc != AG_OK)
            break;
        rc = score_text(json_string_value(text), json_string_length(text), g, n_gold, r);
        if (rc != AG_OK)
            break;
        r->texts++;
    }
    json_decref(root);
    for (int t = 0; t < PII_N_TYPES; t++) {
        struct pii_eval_type *e = &r->type[t];
        e->precision = e->detected ? (double)e->right / e->detected : 0;
        e->recall = e->labelled ? (double)e->found / e->labelled : 0;
        e->f1 = e->precision + e->recall > 0
                    ? 2 * e->precision * e->recall / (e->precision + e->recall)
                    : 0;
    }
    return rc;
}
