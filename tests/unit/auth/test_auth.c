// SPDX-License-Identifier: MIT
/*
 * tests/unit/auth/test_auth.c: API keys (src/auth/auth.c): the agk_ format, checking
 * "Bearer <key>" headers, the error codes for wrong, malformed and missing keys, and that
 * keys.db holds only a digest of the secret (read back through store.h, and by scanning
 * the database files' bytes). Each test gets a fresh keys.db in a mkdtemp folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "store/store.h"
#include "test_util.h"

struct fixture {
    char dir[64];
    char path[128]; /* keys.db */
    struct auth *auth;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    if (!fx)
        return -1;
    if (!tu_mkdtemp(fx->dir, sizeof(fx->dir), "/tmp/ag-test-auth-XXXXXX")) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof(fx->path), "%s/keys.db", fx->dir);
    if (auth_open(fx->path, true, &fx->auth) != AG_OK) {
        tu_remove_tree(fx->dir);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    auth_close(fx->auth);
    tu_remove_tree(fx->dir);
    free(fx);
    return 0;
}

static bool all_lower_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return false;
    return true;
}

static void header_for(const char *scheme, const char *key, char *out, size_t n)
{
    int w = snprintf(out, n, "%s%s", scheme, key);
    assert_true(w > 0 && (size_t)w < n);
}

static void test_key_format(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1], other[AUTH_KEY_LEN + 1];
    memset(key, 'x', sizeof(key));
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, "acme", key), AG_OK);
    assert_int_equal(strlen(key), AUTH_KEY_LEN);
    assert_int_equal(AUTH_KEY_LEN, 85);
    assert_memory_equal(key, "agk_", 4);
    assert_true(all_lower_hex(key + 4, AUTH_KEY_ID_LEN));
    assert_int_equal(key[4 + AUTH_KEY_ID_LEN], '_');
    assert_true(all_lower_hex(key + 5 + AUTH_KEY_ID_LEN, 64));
    /* Two keys never share an id or a secret. */
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, "acme", other), AG_OK);
    assert_memory_not_equal(key + 4, other + 4, AUTH_KEY_ID_LEN);
    assert_memory_not_equal(key + 5 + AUTH_KEY_ID_LEN, other + 5 + AUTH_KEY_ID_LEN, 64);
}

static void test_check_gives_role_and_tenant(void **state)
{
    struct fixture *fx = *state;
    static const enum auth_role roles[] = {AUTH_ROLE_CLIENT, AUTH_ROLE_REVIEWER, AUTH_ROLE_ADMIN};
    static const char *const tenants[] = {"acme", "nordwind", "t"};
    char keys[3][AUTH_KEY_LEN + 1], hdr[128];
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(auth_key_create(fx->auth, roles[i], tenants[i], keys[i]), AG_OK);
    for (size_t i = 0; i < 3; i++) {
        struct auth_identity who;
        memset(&who, 0, sizeof(who));
        header_for("Bearer ", keys[i], hdr, sizeof(hdr));
        assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_OK);
        assert_int_equal(who.role, roles[i]);
        assert_string_equal(who.tenant, tenants[i]);
        assert_int_equal(strlen(who.key_id), AUTH_KEY_ID_LEN);
        assert_memory_equal(who.key_id, keys[i] + 4, AUTH_KEY_ID_LEN);
    }
}

static void test_scheme_is_case_insensitive(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1], hdr[128];
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_ADMIN, "acme", key), AG_OK);
    static const char *const schemes[] = {"bearer ", "BEARER ", "BeArEr ", "Bearer   "};
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        struct auth_identity who;
        header_for(schemes[i], key, hdr, sizeof(hdr));
        assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_OK);
        assert_int_equal(who.role, AUTH_ROLE_ADMIN);
        assert_string_equal(who.tenant, "acme");
    }
}

static void test_wrong_secret_is_not_found(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1], bad[AUTH_KEY_LEN + 1], hdr[128];
    struct auth_identity who;
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, "acme", key), AG_OK);
    /* Change one hex digit of the secret: first, middle and last position. */
    static const size_t at[] = {5 + AUTH_KEY_ID_LEN, 5 + AUTH_KEY_ID_LEN + 31, AUTH_KEY_LEN - 1};
    for (size_t i = 0; i < 3; i++) {
        memcpy(bad, key, sizeof(bad));
        bad[at[i]] = bad[at[i]] == '0' ? '1' : '0';
        header_for("Bearer ", bad, hdr, sizeof(hdr));
        assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_ENOTFOUND);
    }
    /* A well-formed key with an unknown id. */
    memcpy(bad, key, sizeof(bad));
    bad[4] = bad[4] == '0' ? '1' : '0';
    header_for("Bearer ", bad, hdr, sizeof(hdr));
    assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_ENOTFOUND);
    /* Another key's secret under this key's id. */
    char other[AUTH_KEY_LEN + 1];
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, "acme", other), AG_OK);
    memcpy(bad, key, 5 + AUTH_KEY_ID_LEN);
    memcpy(bad + 5 + AUTH_KEY_ID_LEN, other + 5 + AUTH_KEY_ID_LEN, 65);
    header_for("Bearer ", bad, hdr, sizeof(hdr));
    assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_ENOTFOUND);
    /* The original still works. */
    header_for("Bearer ", key, hdr, sizeof(hdr));
    assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_OK);
}

static void test_malformed_or_missing_header(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1], hdr[256], upper[AUTH_KEY_LEN + 1];
    struct auth_identity who;
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, "acme", key), AG_OK);
    assert_int_equal(auth_check_bearer(fx->auth, NULL, &who), AG_EINVAL);
    assert_int_equal(auth_check_bearer(fx->auth, "", &who), AG_EINVAL);
    assert_int_equal(auth_check_bearer(fx->auth, "Bearer", &who), AG_EINVAL);
    assert_int_equal(auth_check_bearer(fx->auth, "Bearer ", &who), AG_EINVAL);
    assert_int_equal(auth_check_bearer(fx->auth, "Basic dXNlcjpwYXNz", &who), AG_EINVAL);
    assert_int_equal(auth_check_bearer(fx->auth, "Bearer agk_1234", &who), AG_EINVAL);
    header_for("Basic ", key, hdr, sizeof(hdr));
    assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_EINVAL);
    header_for("Bearer", key, hdr, sizeof(hdr)); /* no space */
    assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_EINVAL);
    header_for(key, "", hdr, sizeof(hdr)); /* no scheme */
    assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_EINVAL);
    int w = snprintf(hdr, sizeof(hdr), "Bearer %s ", key); /* trailing junk */
    assert_true(w > 0 && (size_t)w < sizeof(hdr));
    assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_EINVAL);
    header_for("Bearer ", key + 1, hdr, sizeof(hdr)); /* "gk_..." */
    assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_EINVAL);
    /* Upper-case hex is not our format. */
    memcpy(upper, key, sizeof(upper));
    for (size_t i = 4; i < AUTH_KEY_LEN; i++)
        if (upper[i] >= 'a' && upper[i] <= 'f')
            upper[i] = (char)(upper[i] - 'a' + 'A');
    if (strcmp(upper, key) != 0) {
        header_for("Bearer ", upper, hdr, sizeof(hdr));
        assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_EINVAL);
    }
    /* The separator must be '_'. */
    memcpy(upper, key, sizeof(upper));
    upper[4 + AUTH_KEY_ID_LEN] = '-';
    header_for("Bearer ", upper, hdr, sizeof(hdr));
    assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_EINVAL);
}

static void test_create_rejects_bad_arguments(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1], tenant[65];
    memset(tenant, 't', 64);
    tenant[64] = '\0';
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, "", key), AG_EINVAL);
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, tenant, key), AG_EINVAL);
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_NONE, "acme", key), AG_EINVAL);
    tenant[63] = '\0'; /* 63 bytes is the longest allowed */
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, tenant, key), AG_OK);
    char hdr[128];
    struct auth_identity who;
    header_for("Bearer ", key, hdr, sizeof(hdr));
    assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_OK);
    assert_string_equal(who.tenant, tenant);
}

static void test_roles(void **state)
{
    (void)state;
    enum auth_role r = AUTH_ROLE_NONE;
    assert_int_equal(auth_role_parse("client", &r), AG_OK);
    assert_int_equal(r, AUTH_ROLE_CLIENT);
    assert_int_equal(auth_role_parse("reviewer", &r), AG_OK);
    assert_int_equal(r, AUTH_ROLE_REVIEWER);
    assert_int_equal(auth_role_parse("admin", &r), AG_OK);
    assert_int_equal(r, AUTH_ROLE_ADMIN);
    assert_int_equal(auth_role_parse("Admin", &r), AG_EINVAL);
    assert_int_equal(auth_role_parse("root", &r), AG_EINVAL);
    assert_int_equal(auth_role_parse("", &r), AG_EINVAL);
    assert_string_equal(auth_role_name(AUTH_ROLE_REVIEWER), "reviewer");
    assert_string_equal(auth_role_name(AUTH_ROLE_NONE), "none");
}

static void test_keys_survive_reopen(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1], hdr[128];
    struct auth_identity who;
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_REVIEWER, "acme", key), AG_OK);
    auth_close(fx->auth);
    fx->auth = NULL;
    assert_int_equal(auth_open(fx->path, false, &fx->auth), AG_OK);
    header_for("Bearer ", key, hdr, sizeof(hdr));
    assert_int_equal(auth_check_bearer(fx->auth, hdr, &who), AG_OK);
    assert_int_equal(who.role, AUTH_ROLE_REVIEWER);
}

static void test_only_a_digest_is_stored(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1];
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, "acme", key), AG_OK);
    const char *secret = key + 5 + AUTH_KEY_ID_LEN;
    uint8_t raw_secret[32];
    for (size_t i = 0; i < 32; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(secret + 2 * i, "%2x", &v), 1);
        raw_secret[i] = (uint8_t)v;
    }

    /* Read the row back through store.h: every column, as text and as blob. */
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false;
    assert_int_equal(store_open(fx->path, STORE_READONLY, &db), AG_OK);
    assert_int_equal(store_prepare(db,
                                   "SELECT id, digest, role, tenant, created_ms, revoked"
                                   " FROM keys",
                                   &st),
                     AG_OK);
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_true(row);
    struct str id = store_col_text(st, 0);
    assert_int_equal(id.len, AUTH_KEY_ID_LEN);
    assert_memory_equal(id.p, key + 4, AUTH_KEY_ID_LEN);
    struct str digest = store_col_blob(st, 1);
    assert_int_equal(digest.len, CRYPTO_SHA256_LEN);
    uint8_t want[CRYPTO_SHA256_LEN];
    crypto_sha256(secret, 64, want);
    assert_memory_equal(digest.p, want, CRYPTO_SHA256_LEN);
    for (int c = 0; c < 6; c++) {
        struct str t = store_col_text(st, c);
        assert_null(tu_find_bytes(t.p, t.len, secret, 64));
        assert_null(tu_find_bytes(t.p, t.len, key, AUTH_KEY_LEN));
        struct str b = store_col_blob(st, c);
        assert_null(tu_find_bytes(b.p, b.len, raw_secret, sizeof(raw_secret)));
    }
    assert_true(str_eq_cstr(store_col_text(st, 2), "client"));
    assert_true(str_eq_cstr(store_col_text(st, 3), "acme"));
    assert_int_equal(store_col_int64(st, 5), 0);
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_false(row); /* one key, one row */
    store_finalize(st);
    store_close(db);

    /* And nowhere in the files on disk (the WAL included). */
    struct buf all;
    buf_init(&all, 64u << 20);
    static const char *const suffix[] = {"", "-wal", "-journal"};
    for (size_t i = 0; i < 3; i++) {
        char p[200];
        snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
        tu_append_file(&all, p);
    }
    assert_true(all.len > 0);
    assert_null(tu_find_bytes(all.p, all.len, secret, 64));
    assert_null(tu_find_bytes(all.p, all.len, secret, 16)); /* not even a piece of it */
    assert_null(tu_find_bytes(all.p, all.len, raw_secret, sizeof(raw_secret)));
    assert_non_null(tu_find_bytes(all.p, all.len, key + 4, AUTH_KEY_ID_LEN)); /* the id is */
    buf_release(&all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_gives_role_and_tenant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scheme_is_case_insensitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_secret_is_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_or_missing_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_rejects_bad_arguments, setup, teardown),
        cmocka_unit_test(test_roles),
        cmocka_unit_test_setup_teardown(test_keys_survive_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_a_digest_is_stored, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
