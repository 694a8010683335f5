// SPDX-License-Identifier: MIT
/*
 * guard/answer_eval.c: the answer checker on JSON Lines: one line of `agentgate validate`
 * and the labelled evaluation behind `agentgate eval answers` (precision and recall of
 * hallucination detection, rates per kind and language, speed).
 * THREADS: each call is independent. OWNERSHIP: out is the caller's; a per-line arena
 * and the file read are freed before returning.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/json.h"
#include "guard/answer.h"

#define LINE_MAX_DEPTH 4
#define LINE_ARENA     ((size_t)64 << 20)
#define EVAL_MAX_FILE  ((size_t)256 << 20)

/* One labelled or unlabelled case read from a JSON object. */
struct item {
    const json_t *id;
    const char *question, *answer;
    size_t answer_len;
    enum text_lang lang;
    struct answer_passage p[ANSWER_MAX_PASSAGES];
    size_t n_p;
};

/* Read the fields of o into it; NULL, or what is wrong. */
static const char *read_item(const json_t *o, struct item *it)
{
    memset(it, 0, sizeof(*it));
    it->id = json_object_get(o, "id");
    if (it->id && !json_is_string(it->id) && !json_is_integer(it->id))
        return "\"id\" must be a string or an integer";
    const json_t *q = json_object_get(o, "question"), *a = json_object_get(o, "answer");
    const json_t *ctx = json_object_get(o, "context"), *lang = json_object_get(o, "lang");
    if (q && !json_is_string(q) && !json_is_null(q))
        return "\"question\" must be a string";
    if (!json_is_string(a))
        return "\"answer\" must be a string";
    if (!json_is_array(ctx))
        return "\"context\" must be an array of strings";
    if (json_array_size(ctx) > ANSWER_MAX_PASSAGES)
        return "\"context\" has more than 64 passages";
    if (lang && !json_is_null(lang)) {
        if (!json_is_string(lang) ||
            (it->lang = text_lang_parse(json_string_value(lang), json_string_length(lang))) ==
                TEXT_LANG_UNKNOWN)
            return "\"lang\" must be \"de\" or \"en\"";
    }
    for (size_t i = 0; i < json_array_size(ctx); i++) {
        const json_t *s = json_array_get(ctx, i);
        if (!json_is_string(s))
            return "\"context\" must be an array of strings";
        it->p[i] =
            (struct answer_passage){json_string_value(s), json_string_length(s), (int64_t)i + 1};
    }
    it->n_p = json_array_size(ctx);
    it->question = json_is_string(q) ? json_string_value(q) : NULL;
    it->answer = json_string_value(a);
    it->answer_len = json_string_length(a);
    if (it->question && strlen(it->question) != json_string_length(q))
        return "\"question\" holds a NUL character";
    return NULL;
}

static const char *check_error(ag_err rc)
{
    switch (rc) {
    case AG_EINVAL:
        return "the answer is empty or not valid UTF-8 (or a passage is not)";
    case AG_ETOOBIG:
        return "the answer or a passage is too long";
    default:
        return ag_strerror(rc);
    }
}

ag_err answer_validate_line(const char *line, size_t n, const struct answer_product *cat,
                            size_t n_cat, const struct answer_check_params *params, struct buf *out)
{
    json_t *o = NULL;
    char why[200];
    if (json_parse_object(line, n, LINE_MAX_DEPTH, &o, why, sizeof(why)) != AG_OK)
        return json_line_error(out, NULL, why);
    struct item *it = malloc(sizeof(*it));
    struct arena a;
    arena_init(&a, LINE_ARENA);
    ag_err rc = AG_ENOMEM;
    if (!it)
        goto done;
    const char *bad = read_item(o, it);
    if (bad) {
        rc = json_line_error(out, json_object_get(o, "id"), bad);
        goto done;
    }
    struct answer_check_result r;
    rc = answer_check(it->answer, it->answer_len, it->lang, it->p, it->n_p, cat, n_cat,
                      it->question, params, &a, &r);
    if (rc != AG_OK) {
        rc = rc == AG_ENOMEM ? rc : json_line_error(out, it->id, check_error(rc));
        goto done;
    }
    size_t keep = out->len;
    rc = buf_append_str(out, "{\"id\":");
    rc = rc ? rc : json_put_id(out, it->id);
    rc = rc ? rc
            : buf_printf(out,
                         ",\"grounded\":%s,\"support_min\":%.4f,\"support_mean\":%.4f,"
                         "\"unsupported\":[",
                         r.grounded ? "true" : "false", r.support_min, r.support_mean);
    bool first = true;
    for (size_t i = 0; i < r.n_sentences && rc == AG_OK; i++) {
        const struct answer_sentence_verdict *v = &r.sentences[i];
        if (v->ok)
            continue;
        rc = buf_append_str(out, first ? "{\"sentence\":\"" : ",{\"sentence\":\"");
        first = false;
        rc = rc ? rc : buf_append_json_escaped(out, it->answer + v->start, v->end - v->start);
        rc = rc ? rc : buf_printf(out, "\",\"why\":\"%s\",\"detail\":\"", v->why);
        rc = rc ? rc : buf_append_json_escaped(out, v->detail, strlen(v->detail));
        rc = rc ? rc : buf_printf(out, "\",\"support\":%.4f}", v->support);
    }
    rc = rc ? rc : buf_append_str(out, "]}\n");
    if (rc != AG_OK)
        buf_truncate(out, keep);
done:
    arena_release(&a);
    free(it);
    json_decref(o);
    return rc;
}

/* ---- evaluation -------------------------------------------------------------------- */

static struct answer_eval_count *count_for(struct answer_eval_count *v, size_t *n, size_t max,
                                           const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    if (*n == max)
        return &v[max - 1]; /* the last slot takes the rest */
    struct answer_eval_count *c = &v[(*n)++];
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "%s", name);
    return c;
}

static void count(struct answer_eval_count *c, bool hallucinated, bool flagged)
{
    c->n++;
    if (hallucinated) {
        c->hallucinated++;
        c->caught += flagged;
    } else {
        c->grounded++;
        c->flagged += flagged;
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double ratio(size_t a, size_t b)
{
    return b ? (double)a / (double)b : 0;
}

/* One labelled line: check it and count. */
static ag_err eval_line(const char *line, size_t n, unsigned lineno,
                        const struct answer_check_params *params, struct answer_eval_result *r,
                        uint64_t *ns, char *why, size_t why_len)
{
    json_t *o = NULL;
    char jwhy[200];
    if (json_parse_object(line, n, LINE_MAX_DEPTH, &o, jwhy, sizeof(jwhy)) != AG_OK) {
        snprintf(why, why_len, "line %u: %s", lineno, jwhy);
        return AG_EINVAL;
    }
    struct item *it = malloc(sizeof(*it));
    struct arena a;
    arena_init(&a, LINE_ARENA);
    ag_err rc = AG_ENOMEM;
    if (!it)
        goto done;
    const char *bad = read_item(o, it);
    const json_t *label = json_object_get(o, "label"), *kind = json_object_get(o, "kind");
    bool hallucinated =
        json_is_string(label) && strcmp(json_string_value(label), "hallucinated") == 0;
    if (!bad && !(json_is_string(label) &&
                  (hallucinated || strcmp(json_string_value(label), "grounded") == 0)))
        bad = "\"label\" must be \"grounded\" or \"hallucinated\"";
    if (!bad && kind && !json_is_null(kind) && !json_is_string(kind))
        bad = "\"kind\" must be a string or null";
    if (bad) {
        snprintf(why, why_len, "line %u: %s", lineno, bad);
        rc = AG_EINVAL;
        goto done;
    }
    struct answer_check_result res;
    uint64_t t0 = clock_mono_ns();
    rc = answer_check(it->answer, it->answer_len, it->lang, it->p, it->n_p, NULL, 0, it->question,
                      params, &a, &res);
    *ns = clock_mono_ns() - t0;
    if (rc != AG_OK) {
        snprintf(why, why_len, "line %u: %s", lineno, check_error(rc));
        goto done;
    }
    bool flagged = !res.grounded;
    r->n++;
    if (hallucinated) {
        r->hallucinated++;
        r->tp += flagged;
        r->fn += !flagged;
    } else {
        r->grounded++;
        r->fp += flagged;
        r->tn += !flagged;
    }
    const char *kn = json_is_string(kind) ? json_string_value(kind) : "none";
    count(count_for(r->kinds, &r->n_kinds, ANSWER_EVAL_MAX_KINDS, kn), hallucinated, flagged);
    enum text_lang l = it->lang;
    size_t li = l == TEXT_LANG_DE ? 0 : l == TEXT_LANG_EN ? 1 : 2;
    snprintf(r->langs[li].name, sizeof(r->langs[li].name), "%s",
             li == 2 ? "other" : text_lang_code(l));
    count(&r->langs[li], hallucinated, flagged);
    for (size_t i = 0; flagged && i < res.n_sentences; i++)
        if (!res.sentences[i].ok) {
            size_t max = sizeof(r->whys) / sizeof(r->whys[0]);
            count(count_for(r->whys, &r->n_whys, max, res.sentences[i].why), hallucinated, true);
            break;
        }
done:
    arena_release(&a);
    free(it);
    json_decref(o);
    return rc;
}

ag_err answer_eval(const char *path, const struct answer_check_params *params,
                   struct answer_eval_result *out, char *why, size_t why_len)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < 3; i++)
        snprintf(out->langs[i].name, sizeof(out->langs[i].name), "%s",
                 i == 0   ? "de"
                 : i == 1 ? "en"
                          : "other");
    struct buf file;
    ag_err rc = buf_read_file(path, EVAL_MAX_FILE, &file, why, why_len);
    uint64_t *times = NULL;
    size_t n_times = 0, cap = 0;
    if (rc != AG_OK)
        goto done;
    const char *p = file.p ? file.p : "";
    unsigned lineno = 0;
    for (size_t i = 0; i < file.len;) {
        const char *nl = memchr(p + i, '\n', file.len - i);
        size_t e = nl ? (size_t)(nl - p) : file.len;
        lineno++;
        size_t s = i;
        i = e + 1;
        while (s < e && (p[s] == ' ' || p[s] == '\t' || p[s] == '\r'))
            s++;
        if (s == e)
            continue;
        uint64_t ns = 0;
        if ((rc = eval_line(p + s, e - s, lineno, params, out, &ns, why, why_len)) != AG_OK)
            goto done;
        uint64_t *grown = ag_grow(times, &cap, n_times, sizeof(*times));
        if (!grown) {
            rc = AG_ENOMEM;
            goto done;
        }
        times = grown;
        times[n_times++] = ns;
    }
    if (out->n == 0) {
        snprintf(why, why_len, "%s: no labelled answers", path);
        rc = AG_EINVAL;
        goto done;
    }
    out->precision = ratio(out->tp, out->tp + out->fp);
    out->recall = ratio(out->tp, out->tp + out->fn);
    out->f1 = out->precision + out->recall > 0
                  ? 2 * out->precision * out->recall / (out->precision + out->recall)
                  : 0;
    out->caught_rate = out->recall;
    out->false_alarm_rate = ratio(out->fp, out->fp + out->tn);
    uint64_t total = 0;
    for (size_t i = 0; times && i < n_times; i++)
        total += times[i];
    if (!times || n_times == 0) {
        snprintf(why, why_len, "%s: no answers were timed", path);
        rc = AG_EINVAL;
        goto done;
    }
    qsort(times, n_times, sizeof(*times), cmp_u64);
    size_t mid = (n_times - 1) / 2;
    out->p50_us = (double)times[mid] / 1e3;
    out->p99_us = (double)times[(size_t)floor(0.99 * (double)(n_times - 1))] / 1e3;
    out->answers_per_s = total ? (double)n_times / ((double)total / 1e9) : 0;
done:
    free(times);
    buf_release(&file);
    return rc;
}
