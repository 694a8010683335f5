// SPDX-License-Identifier: MIT
/*
 * tests/unit/auth/test_auth.c: API keys (src/auth/auth.c): the agk_ format, checking
 * "Bearer <key>" headers, the error codes for wrong, malformed and missing keys, and that
 * keys.db holds only a digest of the secret (read back through store.h, and by scanning
 * the database files' bytes); expiry, revocation, rotation with a grace period, listing,
 * the in-place upgrade of a keys.db without the expires_ms column, and the duration and
 * RFC 3339 parsers. Each test gets a fresh keys.db in a mkdtemp folder.
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
#include "core/clock.h"
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

/* ---- lifecycle: expiry, revocation, rotation, listing, schema upgrade ------------------ */

static void set_expiry(const char *path, const char *key, int64_t ms)
{
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false;
    assert_int_equal(store_open(path, 0, &db), AG_OK);
    assert_int_equal(store_prepare(db, "UPDATE keys SET expires_ms=?2 WHERE id=?1", &st), AG_OK);
    assert_int_equal(store_bind_text(st, 1, key + 4, AUTH_KEY_ID_LEN), AG_OK);
    assert_int_equal(store_bind_int64(st, 2, ms), AG_OK);
    assert_int_equal(store_step(st, &row), AG_OK);
    assert_int_equal(store_changes(db), 1);
    store_finalize(st);
    store_close(db);
}

static ag_err check_key(struct auth *a, const char *key, struct auth_identity *who)
{
    char hdr[128];
    header_for("Bearer ", key, hdr, sizeof(hdr));
    return auth_check_bearer(a, hdr, who);
}

static void key_id_of(const char *key, char id[AUTH_KEY_ID_LEN + 1])
{
    memcpy(id, key + 4, AUTH_KEY_ID_LEN);
    id[AUTH_KEY_ID_LEN] = '\0';
}

/* What the rotation tests read back: the expiry of the key named by id and of the other
 * one, and how many keys were listed. */
struct expiries {
    char id[AUTH_KEY_ID_LEN + 1];
    int64_t exp_old, exp_new;
    int n;
};

static int list_expiries(void *ctx, const struct auth_key_info *k)
{
    struct expiries *seen = ctx;
    if (strcmp(k->id, seen->id) == 0)
        seen->exp_old = k->expires_ms;
    else
        seen->exp_new = k->expires_ms;
    seen->n++;
    return 0;
}

/* The expiries after rotating the key id: the old key's and its successor's. */
static struct expiries key_expiries(struct auth *a, const char *id)
{
    struct expiries seen = {.n = 0};
    memcpy(seen.id, id, sizeof(seen.id));
    assert_int_equal(auth_key_list(a, list_expiries, &seen), AG_OK);
    return seen;
}

static void test_subject_is_the_key_id(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1], id[AUTH_KEY_ID_LEN + 1];
    struct auth_identity who;
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, "acme", key), AG_OK);
    key_id_of(key, id);
    assert_int_equal(check_key(fx->auth, key, &who), AG_OK);
    assert_string_equal(who.subject, id);
    assert_string_equal(who.key_id, id);
}

static void test_expiry(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1];
    struct auth_identity who;
    int64_t now = clock_wall_ms();
    assert_int_equal(auth_key_create_expiring(fx->auth, AUTH_ROLE_CLIENT, "acme", now - 1, key),
                     AG_EINVAL);
    assert_int_equal(auth_key_create_expiring(fx->auth, AUTH_ROLE_CLIENT, "acme", -5, key),
                     AG_EINVAL);
    assert_int_equal(
        auth_key_create_expiring(fx->auth, AUTH_ROLE_CLIENT, "acme", now + 3600000, key), AG_OK);
    assert_int_equal(check_key(fx->auth, key, &who), AG_OK);
    set_expiry(fx->path, key, clock_wall_ms() - 1); /* the clock moved past it */
    assert_int_equal(check_key(fx->auth, key, &who), AG_ENOTFOUND);
    set_expiry(fx->path, key, clock_wall_ms() + 60000);
    assert_int_equal(check_key(fx->auth, key, &who), AG_OK);
}

static void test_revoke(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1], other[AUTH_KEY_LEN + 1], id[AUTH_KEY_ID_LEN + 1];
    struct auth_identity who;
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, "acme", key), AG_OK);
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_CLIENT, "acme", other), AG_OK);
    assert_int_equal(check_key(fx->auth, key, &who), AG_OK);
    key_id_of(key, id);
    assert_int_equal(auth_key_revoke(fx->auth, id), AG_OK);
    /* no cache in between: the very next check is refused */
    assert_int_equal(check_key(fx->auth, key, &who), AG_ENOTFOUND);
    assert_int_equal(check_key(fx->auth, other, &who), AG_OK);
    assert_int_equal(auth_key_revoke(fx->auth, id), AG_OK); /* twice: still revoked */
    assert_int_equal(auth_key_revoke(fx->auth, "0123456789abcdef"), AG_ENOTFOUND);
    assert_int_equal(auth_key_revoke(fx->auth, "0123"), AG_EINVAL);
    assert_int_equal(auth_key_revoke(fx->auth, "0123456789ABCDEF"), AG_EINVAL);
    assert_int_equal(auth_key_revoke(fx->auth, "0123456789abcdef0"), AG_EINVAL);
}

static void test_rotate(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1], next[AUTH_KEY_LEN + 1], id[AUTH_KEY_ID_LEN + 1];
    struct auth_identity who;
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_REVIEWER, "acme", key), AG_OK);
    key_id_of(key, id);
    int64_t before = clock_wall_ms();
    assert_int_equal(auth_key_rotate(fx->auth, id, 3600000, 0, next), AG_OK);
    assert_int_equal(strlen(next), AUTH_KEY_LEN);
    assert_true(memcmp(next, key, AUTH_KEY_LEN) != 0);
    /* both work during the grace period; the new one has the same role and tenant */
    assert_int_equal(check_key(fx->auth, key, &who), AG_OK);
    assert_int_equal(check_key(fx->auth, next, &who), AG_OK);
    assert_int_equal(who.role, AUTH_ROLE_REVIEWER);
    assert_string_equal(who.tenant, "acme");
    /* the old key's expiry is now + grace */
    struct expiries seen = key_expiries(fx->auth, id);
    assert_int_equal(seen.n, 2);
    assert_true(seen.exp_old >= before + 3600000 && seen.exp_old <= clock_wall_ms() + 3600000);
    assert_int_equal(seen.exp_new, 0);
    /* after the grace period the old one is refused, the new one works */
    set_expiry(fx->path, key, clock_wall_ms() - 1);
    assert_int_equal(check_key(fx->auth, key, &who), AG_ENOTFOUND);
    assert_int_equal(check_key(fx->auth, next, &who), AG_OK);
    /* an expired, revoked, unknown or malformed key cannot be rotated */
    assert_int_equal(auth_key_rotate(fx->auth, id, 0, 0, key), AG_EINVAL);
    char nid[AUTH_KEY_ID_LEN + 1], third[AUTH_KEY_LEN + 1];
    key_id_of(next, nid);
    assert_int_equal(auth_key_revoke(fx->auth, nid), AG_OK);
    assert_int_equal(auth_key_rotate(fx->auth, nid, 0, 0, third), AG_EINVAL);
    assert_int_equal(auth_key_rotate(fx->auth, "0123456789abcdef", 0, 0, third), AG_ENOTFOUND);
    assert_int_equal(auth_key_rotate(fx->auth, "xyz", 0, 0, third), AG_EINVAL);
    assert_int_equal(auth_key_rotate(fx->auth, nid, -1, 0, third), AG_EINVAL);
}

static void test_rotate_without_grace_and_never_later(void **state)
{
    struct fixture *fx = *state;
    char key[AUTH_KEY_LEN + 1], next[AUTH_KEY_LEN + 1], id[AUTH_KEY_ID_LEN + 1];
    struct auth_identity who;
    int64_t soon = clock_wall_ms() + 60000;
    assert_int_equal(auth_key_create_expiring(fx->auth, AUTH_ROLE_CLIENT, "acme", soon, key),
                     AG_OK);
    key_id_of(key, id);
    /* a long grace never extends a key past its own expiry */
    assert_int_equal(auth_key_rotate(fx->auth, id, 7 * 86400000LL, 0, next), AG_OK);
    struct expiries seen = key_expiries(fx->auth, id);
    assert_int_equal(seen.exp_old, soon);
    /* grace 0: the old key stops at once */
    char id2[AUTH_KEY_ID_LEN + 1], next2[AUTH_KEY_LEN + 1];
    key_id_of(next, id2);
    assert_int_equal(auth_key_rotate(fx->auth, id2, 0, 0, next2), AG_OK);
    assert_int_equal(check_key(fx->auth, next, &who), AG_ENOTFOUND);
    assert_int_equal(check_key(fx->auth, next2, &who), AG_OK);
}

struct listing {
    int n;
    struct auth_key_info k[8];
};

static int collect(void *ctx, const struct auth_key_info *k)
{
    struct listing *l = ctx;
    if (l->n < 8)
        l->k[l->n++] = *k;
    return 0;
}

static void test_list(void **state)
{
    struct fixture *fx = *state;
    char a[AUTH_KEY_LEN + 1], b[AUTH_KEY_LEN + 1], id[AUTH_KEY_ID_LEN + 1];
    int64_t exp = clock_wall_ms() + 86400000;
    assert_int_equal(auth_key_create(fx->auth, AUTH_ROLE_ADMIN, "acme", a), AG_OK);
    assert_int_equal(auth_key_create_expiring(fx->auth, AUTH_ROLE_CLIENT, "shop2", exp, b), AG_OK);
    key_id_of(a, id);
    assert_int_equal(auth_key_revoke(fx->auth, id), AG_OK);
    struct listing l = {.n = 0};
    assert_int_equal(auth_key_list(fx->auth, collect, &l), AG_OK);
    assert_int_equal(l.n, 2);
    for (int i = 0; i < 2; i++) {
        const struct auth_key_info *k = &l.k[i];
        bool is_a = memcmp(k->id, a + 4, AUTH_KEY_ID_LEN) == 0;
        assert_true(is_a || memcmp(k->id, b + 4, AUTH_KEY_ID_LEN) == 0);
        assert_int_equal(k->role, is_a ? AUTH_ROLE_ADMIN : AUTH_ROLE_CLIENT);
        assert_string_equal(k->tenant, is_a ? "acme" : "shop2");
        assert_int_equal(k->revoked, is_a);
        assert_int_equal(k->expires_ms, is_a ? 0 : exp);
        assert_true(k->created_ms > 0);
    }
}

/* A keys.db as the first release wrote it: no expires_ms column. */
static void test_old_schema_is_upgraded(void **state)
{
    struct fixture *fx = *state;
    auth_close(fx->auth);
    fx->auth = NULL;
    char path[160];
    snprintf(path, sizeof(path), "%s/old.db", fx->dir);
    static const char secret[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    uint8_t digest[CRYPTO_SHA256_LEN];
    crypto_sha256(secret, 64, digest);
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false;
    assert_int_equal(store_open(path, STORE_CREATE, &db), AG_OK);
    assert_int_equal(store_exec(db, "CREATE TABLE keys(id TEXT PRIMARY KEY, digest BLOB NOT NULL,"
                                    " role TEXT NOT NULL, tenant TEXT NOT NULL, created_ms INTEGER"
                                    " NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"),
                     AG_OK);
    assert_int_equal(store_prepare(db,
                                   "INSERT INTO keys(id, digest, role, tenant, created_ms)"
                                   " VALUES('00aa11bb22cc33dd', ?1, 'client', 'acme', 1)",
                                   &st),
                     AG_OK);
    assert_int_equal(store_bind_blob(st, 1, digest, sizeof(digest)), AG_OK);
    assert_int_equal(store_step(st, &row), AG_OK);
    store_finalize(st);
    store_close(db);

    for (int round = 0; round < 2; round++) { /* the second open finds nothing to do */
        assert_int_equal(auth_open(path, false, &fx->auth), AG_OK);
        struct auth_identity who;
        char old_key[AUTH_KEY_LEN + 1], key[AUTH_KEY_LEN + 1];
        snprintf(old_key, sizeof(old_key), "agk_00aa11bb22cc33dd_%s", secret);
        assert_int_equal(check_key(fx->auth, old_key, &who), AG_OK);
        assert_string_equal(who.tenant, "acme");
        assert_int_equal(auth_key_create_expiring(fx->auth, AUTH_ROLE_CLIENT, "acme",
                                                  clock_wall_ms() + 60000, key),
                         AG_OK);
        struct listing l = {.n = 0};
        assert_int_equal(auth_key_list(fx->auth, collect, &l), AG_OK);
        assert_int_equal(l.n, round + 2);
        assert_int_equal(l.k[0].expires_ms, 0);
        assert_true(l.k[1].expires_ms > 0);
        auth_close(fx->auth);
        fx->auth = NULL;
    }
}

static void test_parse_duration(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(auth_parse_duration("90s", &ms), AG_OK);
    assert_int_equal(ms, 90000);
    assert_int_equal(auth_parse_duration("15m", &ms), AG_OK);
    assert_int_equal(ms, 900000);
    assert_int_equal(auth_parse_duration("1h", &ms), AG_OK);
    assert_int_equal(ms, 3600000);
    assert_int_equal(auth_parse_duration("30d", &ms), AG_OK);
    assert_int_equal(ms, 30LL * 86400000);
    static const char *const bad[] = {"",      "d",   "0d",  "1",    "1w",
                                      "1dd",   "-1d", " 1d", "1.5h", "99999999999999999999s",
                                      "4000d", "1D"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(auth_parse_duration(bad[i], &ms), AG_EINVAL);
    assert_int_equal(auth_parse_duration(NULL, &ms), AG_EINVAL);
}

static void test_parse_time(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(auth_parse_time("2027-01-31T12:00:00Z", &ms), AG_OK);
    assert_int_equal(ms, 1801396800000LL);
    assert_int_equal(auth_parse_time("2027-01-31T13:30:00.250+01:30", &ms), AG_OK);
    assert_int_equal(ms, 1801396800250LL);
    assert_int_equal(auth_parse_time("2027-01-31t10:00:00-02:00", &ms), AG_OK);
    assert_int_equal(ms, 1801396800000LL);
    assert_int_equal(auth_parse_time("2028-02-29T00:00:00Z", &ms), AG_OK);
    static const char *const bad[] = {"2027-01-31",
                                      "2027-01-31T12:00:00",
                                      "2027-02-29T00:00:00Z",
                                      "2027-13-01T00:00:00Z",
                                      "2027-01-32T00:00:00Z",
                                      "2027-01-31T24:00:00Z",
                                      "2027-01-31T12:60:00Z",
                                      "2027-01-31T12:00:00+1:00",
                                      "2027-01-31T12:00:00Zx",
                                      "2027-01-31T12:00:00.Z",
                                      "1969-12-31T23:59:59Z",
                                      "2027-01-31 12:00:00Z"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(auth_parse_time(bad[i], &ms), AG_EINVAL);
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
        cmocka_unit_test_setup_teardown(test_subject_is_the_key_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_without_grace_and_never_later, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_schema_is_upgraded, setup, teardown),
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test(test_parse_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
