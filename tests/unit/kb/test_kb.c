// SPDX-License-Identifier: MIT
/*
 * tests/unit/kb/test_kb.c: kb_ingest(), kb_search(), kb_stats() and kb_products_all()
 * (src/kb/kb.c) over the
 * example shop ($AG_SOURCE_DIR/examples/shop) and small folders written per test.
 * Checks retrieval quality on known questions, the unchanged/updated/pruned bookkeeping
 * and the version, that a failed ingest changes nothing, and tenant isolation.
 * The group shares one KB in a mkdtemp folder; each test uses its own tenant when it
 * writes, so the tests do not depend on each other's data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arena.h"
#include "kb/kb.h"
#include "test_util.h"

#define SHOP_TENANT "shop"

struct fixture {
    char dir[64];
    char shop[1024];
    struct kb *kb;
    struct kb_ingest_stats first; /* the shop's first ingest */
};

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    assert_true(tu_path(path, sizeof(path), dir, name));
    tu_write_file(path, text);
}

/* A new empty folder under the fixture's directory. */
static void make_folder(const struct fixture *fx, const char *name, char *out, size_t n)
{
    assert_true(tu_path(out, n, fx->dir, name));
    assert_int_equal(mkdir(out, 0700), 0);
}

static ag_err ingest(struct fixture *fx, const char *tenant, const char *path, bool prune,
                     struct kb_ingest_stats *st, char *why, size_t why_len)
{
    const char *paths[] = {path};
    why[0] = '\0';
    return kb_ingest(fx->kb, tenant, paths, 1, prune, NULL, NULL, st, why, why_len);
}

static void stats(struct fixture *fx, const char *tenant, int64_t *version, int64_t *chunks)
{
    assert_int_equal(kb_stats(fx->kb, tenant, version, chunks), AG_OK);
}

/* Index of the first hit from doc, or -1. */
static int find_doc(const struct kb_result *r, const char *doc)
{
    for (size_t i = 0; i < r->n_hits; i++)
        if (strcmp(r->hits[i].doc, doc) == 0)
            return (int)i;
    return -1;
}

static void search(struct fixture *fx, struct arena *a, const char *tenant, const char *q, size_t k,
                   struct kb_result *r)
{
    assert_int_equal(kb_search(fx->kb, a, tenant, q, strlen(q), TEXT_LANG_UNKNOWN, k, r), AG_OK);
}

/* Every test runs twice: ingesting with a second thread that parses ahead, and with
 * one thread that parses straight into the database. */
static unsigned ingest_threads;

static int group_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    const char *src = tu_source_dir();
    if (!fx || !src) {
        free(fx);
        return -1;
    }
    if (!tu_mkdtemp(fx->dir, sizeof(fx->dir), "/tmp/ag-test-kb-XXXXXX") ||
        !tu_path(fx->shop, sizeof(fx->shop), src, "examples/shop")) {
        free(fx);
        return -1;
    }
    char path[128], why[512] = "";
    struct kb_params p = kb_default_params();
    p.ingest_threads = ingest_threads;
    snprintf(path, sizeof(path), "%s/kb.db", fx->dir);
    const char *paths[] = {fx->shop};
    if (kb_open(path, &p, true, &fx->kb) != AG_OK ||
        kb_ingest(fx->kb, SHOP_TENANT, paths, 1, false, NULL, NULL, &fx->first, why, sizeof(why)) !=
            AG_OK) {
        fprintf(stderr, "setup: %s\n", why);
        kb_close(fx->kb);
        tu_remove_tree(fx->dir);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *fx = *state;
    kb_close(fx->kb);
    tu_remove_tree(fx->dir);
    free(fx);
    return 0;
}

/* ---- the shop ------------------------------------------------------------------------- */

static void test_first_ingest_stats(void **state)
{
    struct fixture *fx = *state;
    const struct kb_ingest_stats *st = &fx->first;
    /* Nine documents; README.md describes the folder and is skipped. */
    assert_int_equal(st->files, 9);
    assert_int_equal(st->added, 9);
    assert_int_equal(st->updated, 0);
    assert_int_equal(st->unchanged, 0);
    assert_int_equal(st->removed, 0);
    assert_int_equal(st->products, 61);
    assert_int_equal(st->version, 1);
    int64_t version, chunks;
    stats(fx, SHOP_TENANT, &version, &chunks);
    assert_int_equal(chunks, st->chunks);
    assert_true(chunks > 2 * 61); /* two language chunks per product, plus the documents */
}

static void test_search_german_austria(void **state)
{
    struct fixture *fx = *state;
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, SHOP_TENANT, "Wie lange dauert der Versand nach Österreich?", 5, &r);
    assert_int_equal(r.lang, TEXT_LANG_DE);
    assert_true(r.n_terms >= 2);
    assert_true(r.n_hits >= 1 && r.n_hits <= 5);
    assert_string_equal(r.hits[0].doc, "versand_de.md");
    assert_string_equal(r.hits[0].title, "Versand und Lieferung");
    assert_string_equal(r.hits[0].heading, "Versand nach Österreich");
    assert_non_null(strstr(r.hits[0].text, "3 bis 5 Werktage"));
    assert_int_equal(r.hits[0].lang, TEXT_LANG_DE);
    for (size_t i = 1; i < r.n_hits; i++)
        assert_true(r.hits[i - 1].score >= r.hits[i].score);
    arena_release(&a);
}

static void test_search_english_austria(void **state)
{
    struct fixture *fx = *state;
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, SHOP_TENANT, "How long does shipping to Austria take?", 5, &r);
    assert_int_equal(r.lang, TEXT_LANG_EN);
    int at = find_doc(&r, "shipping_en.md");
    assert_true(at >= 0 && at < 3);
    assert_non_null(strstr(r.hits[at].text, "Austria"));
    arena_release(&a);
}

static void test_search_sku(void **state)
{
    struct fixture *fx = *state;
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, SHOP_TENANT, "NW-1004", 3, &r);
    assert_true(r.n_hits >= 1);
    assert_string_equal(r.hits[0].doc, "products.csv");
    assert_non_null(strstr(r.hits[0].text, "NW-1004"));
    assert_string_equal(r.hits[0].title, "Solo Trekkingzelt Lumen 1");
    arena_release(&a);
}

static void test_search_limits_and_empty_queries(void **state)
{
    struct fixture *fx = *state;
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, SHOP_TENANT, "Versand Versandkosten Lieferzeit", 2, &r);
    assert_int_equal(r.n_hits, 2);
    search(fx, &a, SHOP_TENANT, "Versand", 0, &r);
    assert_int_equal(r.n_hits, 0);
    search(fx, &a, SHOP_TENANT, "der die das und", 5, &r); /* only stop words */
    assert_int_equal(r.n_terms, 0);
    assert_int_equal(r.n_hits, 0);
    search(fx, &a, SHOP_TENANT, "Xylophonquastenzwirbel", 5, &r);
    assert_int_equal(r.n_hits, 0);
    assert_int_equal(kb_search(fx->kb, &a, SHOP_TENANT, "bad \xff", 5, TEXT_LANG_UNKNOWN, 5, &r),
                     AG_EINVAL);
    arena_release(&a);
}

static void test_reingest_unchanged_keeps_version(void **state)
{
    struct fixture *fx = *state;
    int64_t v0, c0, v1, c1;
    stats(fx, SHOP_TENANT, &v0, &c0);
    struct kb_ingest_stats st;
    char why[512];
    assert_int_equal(ingest(fx, SHOP_TENANT, fx->shop, false, &st, why, sizeof(why)), AG_OK);
    assert_int_equal(st.files, 9);
    assert_int_equal(st.unchanged, 9);
    assert_int_equal(st.added, 0);
    assert_int_equal(st.updated, 0);
    assert_int_equal(st.removed, 0);
    assert_int_equal(st.chunks, 0);
    assert_int_equal(st.version, v0);
    stats(fx, SHOP_TENANT, &v1, &c1);
    assert_int_equal(v1, v0);
    assert_int_equal(c1, c0);
}

/* ---- changes ------------------------------------------------------------------------ */

static void test_changed_file_is_updated(void **state)
{
    struct fixture *fx = *state;
    char dir[256], why[512];
    make_folder(fx, "upd", dir, sizeof(dir));
    write_file(dir, "a.md", "# Alpha\n\nDie Wetterfahne dreht sich im Wind.\n");
    write_file(dir, "b.md", "# Beta\n\nDer Leuchtturm steht am Hafen.\n");
    struct kb_ingest_stats st;
    assert_int_equal(ingest(fx, "upd", dir, false, &st, why, sizeof(why)), AG_OK);
    assert_int_equal(st.added, 2);
    int64_t v0, c0;
    stats(fx, "upd", &v0, &c0);
    assert_int_equal(v0, st.version);
    assert_int_equal(c0, 2);

    write_file(dir, "a.md",
               "# Alpha\n\nDie Kaffeemühle mahlt frische Bohnen.\n\n## Zwei\n\n"
               "Noch ein Abschnitt.\n");
    assert_int_equal(ingest(fx, "upd", dir, false, &st, why, sizeof(why)), AG_OK);
    assert_int_equal(st.files, 2);
    assert_int_equal(st.updated, 1);
    assert_int_equal(st.unchanged, 1);
    assert_int_equal(st.added, 0);
    assert_int_equal(st.chunks, 2);
    assert_int_equal(st.version, v0 + 1);
    int64_t v1, c1;
    stats(fx, "upd", &v1, &c1);
    assert_int_equal(v1, v0 + 1);
    assert_int_equal(c1, 3);

    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "upd", "Kaffeemühle", 5, &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "a.md");
    assert_string_equal(r.hits[0].title, "Alpha");
    search(fx, &a, "upd", "Wetterfahne", 5, &r); /* the old text is gone */
    assert_int_equal(r.n_hits, 0);
    arena_release(&a);
}

static void test_prune_removes_deleted_file(void **state)
{
    struct fixture *fx = *state;
    char dir[256], why[512], path[512];
    make_folder(fx, "prune", dir, sizeof(dir));
    write_file(dir, "keep.md", "# Keep\n\nDer Fahrradschlauch ist geflickt.\n");
    write_file(dir, "gone.md", "# Gone\n\nDie Gießkanne steht im Schuppen.\n\n## Mehr\n\nText.\n");
    struct kb_ingest_stats st;
    assert_int_equal(ingest(fx, "prune", dir, false, &st, why, sizeof(why)), AG_OK);
    int64_t v0, c0;
    stats(fx, "prune", &v0, &c0);
    assert_int_equal(c0, 3);

    snprintf(path, sizeof(path), "%s/gone.md", dir);
    assert_int_equal(unlink(path), 0);
    /* Without --prune a deleted file stays. */
    assert_int_equal(ingest(fx, "prune", dir, false, &st, why, sizeof(why)), AG_OK);
    assert_int_equal(st.removed, 0);
    assert_int_equal(st.unchanged, 1);
    int64_t v1, c1;
    stats(fx, "prune", &v1, &c1);
    assert_int_equal(v1, v0);
    assert_int_equal(c1, 3);

    assert_int_equal(ingest(fx, "prune", dir, true, &st, why, sizeof(why)), AG_OK);
    assert_int_equal(st.removed, 1);
    assert_int_equal(st.unchanged, 1);
    assert_int_equal(st.version, v0 + 1);
    stats(fx, "prune", &v1, &c1);
    assert_int_equal(v1, v0 + 1);
    assert_int_equal(c1, 1);
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "prune", "Gießkanne Schuppen", 5, &r);
    assert_int_equal(r.n_hits, 0);
    search(fx, &a, "prune", "Fahrradschlauch", 5, &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "keep.md");
    arena_release(&a);

    /* Pruning one tenant leaves the others alone. */
    int64_t vs, cs;
    stats(fx, SHOP_TENANT, &vs, &cs);
    assert_int_equal(cs, fx->first.chunks);
}

static void test_bad_csv_fails_whole_ingest(void **state)
{
    struct fixture *fx = *state;
    char dir[256], why[512];
    make_folder(fx, "bad", dir, sizeof(dir));
    write_file(dir, "a.md", "# A\n\nDie Sonnenuhr zeigt Mittag.\n");
    struct kb_ingest_stats st;
    assert_int_equal(ingest(fx, "bad", dir, false, &st, why, sizeof(why)), AG_OK);
    int64_t v0, c0;
    stats(fx, "bad", &v0, &c0);
    assert_int_equal(c0, 1);

    /* A change that would be an update, a new good file, and a CSV bad on line 3.
     * Names sort a.md < b.md < c.csv, so the bad file comes after two good ones. */
    write_file(dir, "a.md", "# A\n\nDie Sanduhr rieselt leise.\n");
    write_file(dir, "b.md", "# B\n\nDer Wasserkocher pfeift laut.\n");
    write_file(dir, "c.csv", "sku,name,price_eur,stock\nX-1,Eins,1.00,2\nX-2,Zwei,teuer,1\n");
    assert_int_equal(ingest(fx, "bad", dir, true, &st, why, sizeof(why)), AG_EINVAL);
    assert_non_null(strstr(why, "c.csv"));
    assert_non_null(strstr(why, "line 3"));
    assert_non_null(strstr(why, "price_eur"));

    int64_t v1, c1;
    stats(fx, "bad", &v1, &c1);
    assert_int_equal(v1, v0);
    assert_int_equal(c1, c0);
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "bad", "Sonnenuhr", 5, &r);
    assert_int_equal(r.n_hits, 1);
    search(fx, &a, "bad", "Sanduhr", 5, &r);
    assert_int_equal(r.n_hits, 0);
    search(fx, &a, "bad", "Wasserkocher", 5, &r);
    assert_int_equal(r.n_hits, 0);
    search(fx, &a, "bad", "X-1 Eins", 5, &r);
    assert_int_equal(r.n_hits, 0);
    arena_release(&a);
}

static void test_changed_csv_replaces_its_products(void **state)
{
    struct fixture *fx = *state;
    char dir[256], why[512];
    make_folder(fx, "csv", dir, sizeof(dir));
    write_file(dir, "p.csv", "sku,name,price_eur,stock\nQ-1,Quirl,1.00,5\n");
    struct kb_ingest_stats st;
    assert_int_equal(ingest(fx, "csv", dir, false, &st, why, sizeof(why)), AG_OK);
    assert_int_equal(st.products, 1);
    /* Same SKU, new price: the old product row must go with its document. */
    write_file(dir, "p.csv", "sku,name,price_eur,stock\nQ-1,Quirl,2.50,5\n");
    assert_int_equal(ingest(fx, "csv", dir, false, &st, why, sizeof(why)), AG_OK);
    assert_int_equal(st.updated, 1);
    assert_int_equal(st.products, 1);
    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, "csv", "Q-1", 5, &r);
    assert_true(r.n_hits >= 1);
    assert_non_null(strstr(r.hits[0].text, "2,50"));
    arena_release(&a);

    /* A SKU twice in one tenant fails the whole ingest, naming the file and line. */
    int64_t v0, c0, v1, c1;
    stats(fx, "csv", &v0, &c0);
    write_file(dir, "q.csv", "sku,name,price_eur,stock\nQ-2,Zwei,1.00,1\nQ-1,Dup,3.00,1\n");
    assert_int_equal(ingest(fx, "csv", dir, false, &st, why, sizeof(why)), AG_EDB);
    assert_non_null(strstr(why, "q.csv"));
    assert_non_null(strstr(why, "line 3"));
    stats(fx, "csv", &v1, &c1);
    assert_int_equal(v1, v0);
    assert_int_equal(c1, c0);
}

static void test_ingest_rejects_bad_arguments(void **state)
{
    struct fixture *fx = *state;
    char why[512], missing[256];
    struct kb_ingest_stats st;
    int64_t v0, c0, v1, c1;
    stats(fx, SHOP_TENANT, &v0, &c0);
    assert_int_equal(ingest(fx, "", fx->shop, false, &st, why, sizeof(why)), AG_EINVAL);
    assert_true(why[0] != '\0');
    snprintf(missing, sizeof(missing), "%s/does-not-exist", fx->dir);
    assert_int_equal(ingest(fx, SHOP_TENANT, missing, false, &st, why, sizeof(why)), AG_ENOTFOUND);
    assert_non_null(strstr(why, "does-not-exist"));
    stats(fx, SHOP_TENANT, &v1, &c1);
    assert_int_equal(v1, v0);
    assert_int_equal(c1, c0);
}

static void test_same_name_from_two_folders_rejected(void **state)
{
    struct fixture *fx = *state;
    char d1[256], d2[256], why[512];
    make_folder(fx, "twin1", d1, sizeof(d1));
    make_folder(fx, "twin2", d2, sizeof(d2));
    write_file(d1, "same.md", "# Eins\n\nErster Text.\n");
    write_file(d2, "same.md", "# Zwei\n\nZweiter Text.\n");
    int64_t v0, c0, v1, c1;
    stats(fx, "twins", &v0, &c0);
    const char *paths[] = {d1, d2};
    struct kb_ingest_stats st;
    assert_int_equal(kb_ingest(fx->kb, "twins", paths, 2, false, NULL, NULL, &st, why, sizeof(why)),
                     AG_EINVAL);
    assert_non_null(strstr(why, "same.md"));
    stats(fx, "twins", &v1, &c1);
    assert_int_equal(v1, v0);
    assert_int_equal(c1, 0);
}

struct progress_log {
    size_t calls, last_done, total;
};

static void on_progress(void *ctx, size_t done, size_t total, const char *name)
{
    struct progress_log *p = ctx;
    assert_non_null(name);
    assert_int_equal(done, p->calls + 1);
    p->calls++;
    p->last_done = done;
    p->total = total;
}

static void test_progress_reports_every_file(void **state)
{
    struct fixture *fx = *state;
    struct progress_log log = {0};
    struct kb_ingest_stats st;
    char why[512] = "";
    const char *paths[] = {fx->shop};
    assert_int_equal(
        kb_ingest(fx->kb, "progress", paths, 1, false, on_progress, &log, &st, why, sizeof(why)),
        AG_OK);
    assert_int_equal(log.calls, 9);
    assert_int_equal(log.last_done, 9);
    assert_int_equal(log.total, 9);
}

/* ---- tenants ---------------------------------------------------------------------------- */

static void test_tenant_isolation(void **state)
{
    struct fixture *fx = *state;
    char dir[256], why[512];
    make_folder(fx, "tenant-b", dir, sizeof(dir));
    /* Tenant B's text answers the shop's question well, and has its own word. */
    write_file(dir, "b_versand.md",
               "# Versand bei B\n\n## Versand nach Österreich\n\n"
               "Der Versand nach Österreich dauert bei uns 9 Werktage. "
               "Wir verschicken Quokkafutter.\n");
    struct kb_ingest_stats st;
    assert_int_equal(ingest(fx, "tenant-b", dir, false, &st, why, sizeof(why)), AG_OK);

    struct arena a;
    arena_init(&a, 1u << 22);
    struct kb_result r;
    search(fx, &a, SHOP_TENANT, "Wie lange dauert der Versand nach Österreich?", 50, &r);
    assert_true(r.n_hits > 0);
    assert_int_equal(find_doc(&r, "b_versand.md"), -1);
    for (size_t i = 0; i < r.n_hits; i++)
        assert_null(strstr(r.hits[i].text, "9 Werktage"));
    search(fx, &a, SHOP_TENANT, "Quokkafutter", 50, &r);
    assert_int_equal(r.n_hits, 0);

    search(fx, &a, "tenant-b", "Wie lange dauert der Versand nach Österreich?", 50, &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].doc, "b_versand.md");
    search(fx, &a, "tenant-b", "NW-1004", 50, &r);
    assert_int_equal(r.n_hits, 0);
    search(fx, &a, "nobody", "Versand", 50, &r);
    assert_int_equal(r.n_hits, 0);
    arena_release(&a);

    int64_t v, c;
    stats(fx, "tenant-b", &v, &c);
    assert_int_equal(c, 1);
    stats(fx, "nobody", &v, &c);
    assert_int_equal(c, 0);
}

struct product_walk {
    size_t n, stop_at;
    bool sorted, nw1001;
    char last[64];
};

static ag_err on_product(void *ctx, const struct kb_product *p)
{
    struct product_walk *w = ctx;
    w->sorted = w->sorted && strcmp(w->last, p->sku) < 0;
    snprintf(w->last, sizeof(w->last), "%s", p->sku);
    if (strcmp(p->sku, "NW-1001") == 0)
        w->nw1001 = strcmp(p->name, "Fjordlager 2 Kuppelzelt") == 0 && p->price == 249.90 &&
                    p->stock == 14 && strcmp(p->currency, "EUR") == 0;
    return ++w->n == w->stop_at ? AG_EINVAL : AG_OK;
}

static void test_products_all(void **state)
{
    struct fixture *fx = *state;
    struct product_walk w = {.sorted = true};
    assert_int_equal(kb_products_all(fx->kb, SHOP_TENANT, on_product, &w), AG_OK);
    assert_int_equal(w.n, 61);
    assert_true(w.sorted && w.nw1001);
    /* another tenant's catalogue is not seen; a callback's error stops the walk */
    struct product_walk none = {.sorted = true};
    assert_int_equal(kb_products_all(fx->kb, "nobody", on_product, &none), AG_OK);
    assert_int_equal(none.n, 0);
    struct product_walk stop = {.sorted = true, .stop_at = 3};
    assert_int_equal(kb_products_all(fx->kb, SHOP_TENANT, on_product, &stop), AG_EINVAL);
    assert_int_equal(stop.n, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_ingest_stats),
        cmocka_unit_test(test_search_german_austria),
        cmocka_unit_test(test_search_english_austria),
        cmocka_unit_test(test_search_sku),
        cmocka_unit_test(test_search_limits_and_empty_queries),
        cmocka_unit_test(test_reingest_unchanged_keeps_version),
        cmocka_unit_test(test_changed_file_is_updated),
        cmocka_unit_test(test_prune_removes_deleted_file),
        cmocka_unit_test(test_bad_csv_fails_whole_ingest),
        cmocka_unit_test(test_changed_csv_replaces_its_products),
        cmocka_unit_test(test_ingest_rejects_bad_arguments),
        cmocka_unit_test(test_same_name_from_two_folders_rejected),
        cmocka_unit_test(test_progress_reports_every_file),
        cmocka_unit_test(test_tenant_isolation),
        cmocka_unit_test(test_products_all),
    };
    ingest_threads = 2;
    int failed =
        cmocka_run_group_tests_name("two ingest threads", tests, group_setup, group_teardown);
    ingest_threads = 1;
    return failed +
           cmocka_run_group_tests_name("one ingest thread", tests, group_setup, group_teardown);
}
