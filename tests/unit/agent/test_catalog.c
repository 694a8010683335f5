// SPDX-License-Identifier: MIT
/*
 * tests/unit/agent/test_catalog.c: catalogue snapshots for the output guard
 * (src/agent/catalog.c): a tenant's products as the answer checker needs them, one
 * shared snapshot per KB version, a new one after an ingest, tenants apart, and a
 * snapshot kept alive by its holder after the cache moved on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/catalog.h"
#include "test_util.h"

struct fixture {
    char dir[64];
    struct kb *kb;
    struct catalog_cache *cc;
};

static ag_err ingest_csv(struct fixture *fx, const char *tenant, const char *name, const char *csv)
{
    char path[256], why[256];
    assert_true(tu_path(path, sizeof(path), fx->dir, name));
    tu_write_file(path, csv);
    const char *paths[] = {path};
    struct kb_ingest_stats st;
    return kb_ingest(fx->kb, tenant, paths, 1, false, NULL, NULL, &st, why, sizeof(why));
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    char path[256];
    if (!fx || !tu_mkdtemp(fx->dir, sizeof(fx->dir), "/tmp/ag-test-catalog-XXXXXX") ||
        !tu_path(path, sizeof(path), fx->dir, "kb.db"))
        return -1;
    struct kb_params p = kb_default_params();
    if (kb_open(path, &p, true, &fx->kb) != AG_OK || catalog_cache_create(fx->kb, &fx->cc) != AG_OK)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    catalog_cache_free(fx->cc);
    kb_close(fx->kb);
    tu_remove_tree(fx->dir);
    free(fx);
    return 0;
}

static const struct answer_product *find(const struct catalog *c, const char *sku)
{
    size_t n;
    const struct answer_product *v = catalog_items(c, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].sku, sku) == 0)
            return &v[i];
    return NULL;
}

static void test_snapshot_per_version(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(ingest_csv(fx, "a", "p.csv",
                                "sku,name,price_eur,stock\nAB-1,Zelt Alpha,99.50,3\nAB-2,Zelt Beta,"
                                "120,0\n"),
                     AG_OK);
    struct catalog *c1 = NULL, *c2 = NULL, *c3 = NULL, *other = NULL;
    assert_int_equal(catalog_cache_get(fx->cc, "a", &c1), AG_OK);
    size_t n;
    catalog_items(c1, &n);
    assert_int_equal(n, 2);
    const struct answer_product *p = find(c1, "AB-1");
    assert_non_null(p);
    assert_string_equal(p->name, "Zelt Alpha");
    assert_true(p->price == 99.5 && p->stock == 3);
    assert_string_equal(p->currency, "EUR");
    /* the same version: the same snapshot, shared */
    assert_int_equal(catalog_cache_get(fx->cc, "a", &c2), AG_OK);
    assert_ptr_equal(c1, c2);
    catalog_release(c2);
    /* another tenant sees none of it */
    assert_int_equal(catalog_cache_get(fx->cc, "b", &other), AG_OK);
    catalog_items(other, &n);
    assert_int_equal(n, 0);
    catalog_release(other);
    /* an ingest moves the version on: a new snapshot with the new price; the old one
     * stays readable for its holder */
    assert_int_equal(ingest_csv(fx, "a", "p.csv",
                                "sku,name,price_eur,stock\nAB-1,Zelt Alpha,89.50,3\nAB-2,Zelt Beta,"
                                "120,0\nAB-3,Zelt Gamma,10,1\n"),
                     AG_OK);
    assert_int_equal(catalog_cache_get(fx->cc, "a", &c3), AG_OK);
    assert_ptr_not_equal(c1, c3);
    catalog_items(c3, &n);
    assert_int_equal(n, 3);
    assert_true(find(c3, "AB-1")->price == 89.5);
    assert_true(find(c1, "AB-1")->price == 99.5);
    catalog_release(c1);
    catalog_release(c3);
}

static void test_load_without_cache_and_bad_tenant(void **state)
{
    struct fixture *fx = *state;
    struct catalog *c = NULL;
    assert_int_equal(catalog_load(fx->kb, "nobody", &c), AG_OK);
    size_t n = 5;
    catalog_items(c, &n);
    assert_int_equal(n, 0);
    catalog_release(c);
    catalog_release(NULL);
    char long_tenant[200];
    memset(long_tenant, 'x', sizeof(long_tenant) - 1);
    long_tenant[sizeof(long_tenant) - 1] = '\0';
    assert_int_equal(catalog_cache_get(fx->cc, long_tenant, &c), AG_EINVAL);
    assert_null(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_snapshot_per_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_without_cache_and_bad_tenant, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
