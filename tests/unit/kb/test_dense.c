// SPDX-License-Identifier: MIT
/*
 * tests/unit/kb/test_dense.c: dense retrieval in the KB (src/kb/kb.c, index.c) with an
 * embedder written for the test: the vector of a text is its normalised letter
 * histogram, so "Versnad" (no lexical match) lies close to "Versand". Checks that
 * ingestion stores one vector per chunk, re-embeds for another model id only, and that
 * fusion brings in what only the vectors find while lexical hits stay.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arena.h"
#include "kb/kb.h"
#include "test_util.h"

static int calls;

static ag_err letters(void *ctx, const char *text, size_t len, float *out)
{
    (void)ctx;
    calls++;
    double norm = 0;
    memset(out, 0, 26 * sizeof(float));
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c >= 'a' && c <= 'z')
            out[c - 'a'] += 1;
    }
    for (int i = 0; i < 26; i++)
        norm += (double)out[i] * out[i];
    for (int i = 0; norm > 0 && i < 26; i++)
        out[i] = (float)(out[i] / sqrt(norm));
    return AG_OK;
}

static const char *const docs[][2] = {
    {"a.md", "# Lieferung\n\nDer Versand dauert zwei Tage.\n"},
    {"b.md", "# Zahlung\n\nWir nehmen Kreditkarten und Rechnung.\n"},
    {"c.md", "# Zelte\n\nUnsere Zelte sind wasserdicht.\n"},
};

struct fixture {
    char dir[64], path[128];
    struct kb_embedder emb;
};

static struct kb *open_kb(struct fixture *f, bool dense)
{
    struct kb_params p = kb_default_params();
    p.embedder = dense ? &f->emb : NULL;
    struct kb *kb = NULL;
    assert_int_equal(kb_open(f->path, &p, true, &kb), AG_OK);
    return kb;
}

static void ingest(struct kb *kb, struct kb_ingest_stats *st)
{
    struct kb_source src[3];
    char why[256] = "";
    for (int i = 0; i < 3; i++)
        src[i] = (struct kb_source){docs[i][0], KB_FMT_MARKDOWN, docs[i][1], strlen(docs[i][1]),
                                    TEXT_LANG_DE};
    assert_int_equal(kb_ingest_sources(kb, "t", src, 3, false, NULL, NULL, st, why, sizeof(why)),
                     AG_OK);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!tu_mkdtemp(f->dir, sizeof(f->dir), "/tmp/agentgate-dense-XXXXXX"))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/kb.db", f->dir);
    f->emb = (struct kb_embedder){.dim = 26, .embed = letters, .ctx = NULL, .id = "letters:1"};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    const char *names[] = {"kb.db", "kb.db-wal", "kb.db-shm"};
    for (int i = 0; i < 3; i++) {
        char p[160];
        snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void test_vectors_stored_once_per_model(void **state)
{
    struct fixture *f = *state;
    struct kb_ingest_stats st;
    struct kb *kb = open_kb(f, true);
    calls = 0;
    ingest(kb, &st);
    assert_int_equal(st.chunks, 3);
    assert_int_equal(st.embedded, 3);
    assert_int_equal(calls, 3);
    ingest(kb, &st); /* unchanged: nothing embedded again */
    assert_int_equal(st.embedded, 0);
    kb_close(kb);
    /* Another model id: every chunk gets a new vector without any file changing. */
    snprintf(f->emb.id, sizeof(f->emb.id), "letters:2");
    kb = open_kb(f, true);
    ingest(kb, &st);
    assert_int_equal(st.unchanged, 3);
    assert_int_equal(st.embedded, 3);
    kb_close(kb);
}

static bool has_doc(const struct kb_result *r, const char *doc)
{
    for (size_t i = 0; i < r->n_hits; i++)
        if (strcmp(r->hits[i].doc, doc) == 0)
            return true;
    return false;
}

static void test_fusion_finds_what_only_vectors_find(void **state)
{
    struct fixture *f = *state;
    struct kb_ingest_stats st;
    struct kb *kb = open_kb(f, true);
    ingest(kb, &st);
    struct arena a;
    arena_init(&a, 1 << 20);
    struct kb_result r;
    /* A misspelling: no lexical match at all, but the letters are Versand's. */
    const char *q = "Versnad dauerd";
    assert_int_equal(kb_search(kb, &a, "t", q, strlen(q), TEXT_LANG_DE, 1, &r), AG_OK);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "a.md");
    assert_non_null(r.hits[0].text);
    /* A lexical hit stays among the results with vectors on. */
    q = "Kreditkarten";
    assert_int_equal(kb_search(kb, &a, "t", q, strlen(q), TEXT_LANG_DE, 3, &r), AG_OK);
    assert_true(has_doc(&r, "b.md"));
    arena_release(&a);
    kb_close(kb);
    /* The same KB without the embedder: the misspelling finds nothing. */
    kb = open_kb(f, false);
    arena_init(&a, 1 << 20);
    q = "Versnad dauerd";
    assert_int_equal(kb_search(kb, &a, "t", q, strlen(q), TEXT_LANG_DE, 1, &r), AG_OK);
    assert_int_equal(r.n_hits, 0);
    arena_release(&a);
    kb_close(kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vectors_stored_once_per_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fusion_finds_what_only_vectors_find, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
