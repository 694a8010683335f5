// SPDX-License-Identifier: MIT
/*
 * llm/extractive.c: the model-free backend. Each sentence of the retrieved passages is
 * scored by the share of the question's IDF weight its words cover (stems, compounds by
 * prefix), scaled by its passage's rank; the best sentences above the threshold are
 * quoted with citations. Below the threshold the answer is "don't know" rather than a
 * guess. THREADS: reentrant. OWNERSHIP: everything lives in the caller's arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "llm/llm.h"

#define EX_MAX_CANDIDATES 256

struct llm_extractive_params llm_extractive_default_params(void)
{
    return (struct llm_extractive_params){.threshold = 0.5, .max_sentences = 2};
}

const char *llm_dont_know_text(enum text_lang lang)
{
    if (lang == TEXT_LANG_DE)
        return "Dazu habe ich in unseren Unterlagen keine verlässliche Antwort gefunden. "
               "Bitte formulieren Sie die Frage anders oder wenden Sie sich an unseren "
               "Kundenservice.";
    return "I could not find a reliable answer to that in our documents. Please rephrase "
           "the question or contact our customer service.";
}

struct candidate {
    size_t hit;
    size_t start, end; /* byte span in the hit's text */
    double coverage, score;
};

struct sentence_scan {
    const struct kb_result *r;
    struct text_analyzer *an;
    size_t hit;
    const char *text;
    double top_score, total_idf;
    struct candidate *c;
    size_t n;
    bool *seen;    /* per query term, for the sentence being scored */
    bool *in_head; /* per query term: matched by the passage's heading path */
    ag_err rc;
};

struct word_scan {
    struct sentence_scan *s;
    enum text_lang lang;
};

static bool mark_word(void *ctx, const char *w, size_t n, size_t start, size_t end)
{
    struct word_scan *ws = ctx;
    struct sentence_scan *s = ws->s;
    (void)start;
    (void)end;
    struct buf stem;
    buf_init(&stem, 256);
    s->rc = text_stem(s->an, ws->lang, w, n, &stem);
    for (size_t t = 0; s->rc == AG_OK && t < s->r->n_terms; t++)
        if (!s->seen[t] && kb_term_matches(&s->r->terms[t], w, n, buf_cstr(&stem), stem.len))
            s->seen[t] = true;
    buf_release(&stem);
    return s->rc == AG_OK;
}

static bool score_sentence(void *ctx, size_t start, size_t end)
{
    struct sentence_scan *s = ctx;
    if (s->n == EX_MAX_CANDIDATES)
        return false;
    memset(s->seen, 0, s->r->n_terms * sizeof(*s->seen));
    const struct kb_hit *h = &s->r->hits[s->hit];
    struct word_scan ws = {s, h->lang != TEXT_LANG_UNKNOWN ? h->lang : s->r->lang};
    ag_err rc = text_words(s->text + start, end - start, mark_word, &ws);
    if (rc != AG_OK || s->rc != AG_OK) {
        s->rc = rc != AG_OK ? rc : s->rc;
        return false;
    }
    /* A term found only in the section heading counts half: the sentence answers the
     * question its heading asks ("Welche Zahlungsarten ...?" above a list of them). */
    double covered = 0;
    for (size_t t = 0; t < s->r->n_terms; t++) {
        const struct kb_term *kt = &s->r->terms[t];
        /* A compound is there when both its parts are ("Kosten für den Versand"). */
        if (!s->seen[t] && kt->parts[0] >= 0 && kt->parts[1] >= 0)
            s->seen[t] = s->seen[kt->parts[0]] && s->seen[kt->parts[1]];
        if (kt->weight < 1)
            continue; /* parts of a compound count through the compound */
        if (s->seen[t])
            covered += kt->idf;
        else if (s->in_head[t])
            covered += 0.5 * kt->idf;
    }
    double coverage = s->total_idf > 0 ? covered / s->total_idf : 0;
    double rank = s->top_score > 0 ? h->score / s->top_score : 0;
    struct candidate *c = &s->c[s->n++];
    c->hit = s->hit;
    c->start = start;
    c->end = end;
    c->coverage = coverage;
    c->score = coverage * (0.75 + 0.25 * rank);
    return true;
}

static int cmp_candidate(const void *a, const void *b)
{
    double x = ((const struct candidate *)a)->score, y = ((const struct candidate *)b)->score;
    return x < y ? 1 : x > y ? -1 : 0;
}

ag_err llm_extractive_answer(struct arena *a, const struct kb_result *r, enum text_lang lang,
                             const struct llm_extractive_params *params, struct llm_answer *out)
{
    memset(out, 0, sizeof(*out));
    out->text = llm_dont_know_text(lang);
    if (params->max_sentences == 0 || !(params->threshold >= 0))
        return AG_EINVAL;
    if (r->n_hits == 0 || r->n_terms == 0)
        return AG_OK;
    struct sentence_scan s = {.r = r, .top_score = r->hits[0].score};
    for (size_t t = 0; t < r->n_terms; t++)
        if (r->terms[t].weight >= 1)
            s.total_idf += r->terms[t].idf;
    s.c = arena_calloc(a, EX_MAX_CANDIDATES, sizeof(*s.c));
    s.seen = arena_calloc(a, r->n_terms, sizeof(*s.seen));
    s.in_head = arena_calloc(a, r->n_terms, sizeof(*s.in_head));
    out->cited =
        arena_calloc(a, params->max_sentences ? params->max_sentences : 1, sizeof(*out->cited));
    if (!s.c || !s.seen || !s.in_head || !out->cited)
        return AG_ENOMEM;
    if (!(s.an = text_analyzer_local()))
        return AG_ENOMEM;
    ag_err rc = AG_OK;
    for (size_t i = 0; i < r->n_hits && s.rc == AG_OK; i++) {
        s.hit = i;
        s.text = r->hits[i].text;
        /* Mark the terms of the heading path first, into in_head. */
        struct word_scan ws = {&s,
                               r->hits[i].lang != TEXT_LANG_UNKNOWN ? r->hits[i].lang : r->lang};
        memset(s.seen, 0, r->n_terms * sizeof(*s.seen));
        rc = text_words(r->hits[i].heading, strlen(r->hits[i].heading), mark_word, &ws);
        if (rc != AG_OK || s.rc != AG_OK)
            break;
        memcpy(s.in_head, s.seen, r->n_terms * sizeof(*s.seen));
        text_sentences(s.text, strlen(s.text), score_sentence, &s);
    }
    if (rc != AG_OK)
        return rc;
    if (s.rc != AG_OK)
        return s.rc;
    if (s.n == 0)
        return AG_OK;
    qsort(s.c, s.n, sizeof(*s.c), cmp_candidate);
    if (s.c[0].coverage < params->threshold)
        return AG_OK;

    /* Quote the best sentence, and further ones nearly as good, each with its citation. */
    struct buf text;
    buf_init(&text, (size_t)64 * 1024);
    const char *open = lang == TEXT_LANG_DE ? "\xe2\x80\x9e" : "\xe2\x80\x9c"; /* „ or “ */
    const char *close = "\xe2\x80\x9c";                                        /* “ */
    if (lang == TEXT_LANG_EN)
        close = "\xe2\x80\x9d"; /* ” */
    size_t quoted = 0;
    for (size_t i = 0; i < s.n && quoted < params->max_sentences && rc == AG_OK; i++) {
        const struct candidate *c = &s.c[i];
        if (i > 0 && (c->coverage < params->threshold || c->score < 0.8 * s.c[0].score))
            break;
        size_t cite = out->n_cited;
        for (size_t j = 0; j < out->n_cited; j++)
            if (out->cited[j] == c->hit)
                cite = j;
        if (cite == out->n_cited)
            out->cited[out->n_cited++] = c->hit;
        const char *t = r->hits[c->hit].text;
        rc = buf_printf(&text, "%s%s%.*s%s [%zu]", quoted ? " " : "", open,
                        (int)(c->end - c->start), t + c->start, close, cite + 1);
        quoted++;
    }
    if (rc == AG_OK) {
        out->text = arena_strndup(a, buf_cstr(&text), text.len);
        if (!out->text)
            rc = AG_ENOMEM;
        out->known = true;
        out->confidence = s.c[0].coverage;
    }
    buf_release(&text);
    return rc;
}
