// SPDX-License-Identifier: MIT
/*
 * auth/auth.c: API key creation and checking over keys.db.
 * The key id is looked up by index; the secret's digest is compared with
 * crypto_equal() so timing does not reveal how much of a guessed secret was right.
 * THREADS: pooled read connections; creation opens its own write connection.
 */
#include "auth/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwt.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "store/store.h"

struct auth {
    char *path;
    struct store_pool *readers;
    struct jwt *jwt; /* NULL: only API keys */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS keys(id TEXT PRIMARY KEY, digest BLOB NOT NULL,"
    " role TEXT NOT NULL, tenant TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0);";

const char *auth_role_name(enum auth_role r)
{
    switch (r) {
    case AUTH_ROLE_CLIENT:
        return "client";
    case AUTH_ROLE_REVIEWER:
        return "reviewer";
    case AUTH_ROLE_ADMIN:
        return "admin";
    default:
        return "none";
    }
}

ag_err auth_role_parse(const char *s, enum auth_role *out)
{
    static const enum auth_role roles[] = {AUTH_ROLE_CLIENT, AUTH_ROLE_REVIEWER, AUTH_ROLE_ADMIN};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(s, auth_role_name(roles[i])) == 0) {
            *out = roles[i];
            return AG_OK;
        }
    return AG_EINVAL;
}

ag_err auth_open(const char *path, bool create, struct auth **out)
{
    struct auth *a = calloc(1, sizeof(*a));
    struct store_db *db = NULL;
    ag_err rc = AG_ENOMEM;
    if (!a || !(a->path = strdup(path)))
        goto fail;
    rc = store_open(path, create ? STORE_CREATE : 0, &db);
    rc = rc ? rc : store_exec(db, schema);
    if (rc != AG_OK)
        goto fail;
    store_close(db);
    db = NULL;
    rc = store_pool_create(path, STORE_READONLY, 16, &a->readers);
    if (rc != AG_OK)
        goto fail;
    *out = a;
    return AG_OK;
fail:
    store_close(db);
    auth_close(a);
    return rc;
}

void auth_close(struct auth *a)
{
    if (!a)
        return;
    store_pool_destroy(a->readers);
    jwt_destroy(a->jwt);
    free(a->path);
    free(a);
}

ag_err auth_key_create(struct auth *a, enum auth_role role, const char *tenant,
                       char key_out[AUTH_KEY_LEN + 1])
{
    uint8_t raw[8 + 32], digest[CRYPTO_SHA256_LEN];
    char id[AUTH_KEY_ID_LEN + 1], secret[65];
    size_t tl = strlen(tenant);
    if (tl == 0 || tl > 63 || role == AUTH_ROLE_NONE)
        return AG_EINVAL;
    ag_err rc = crypto_random(raw, sizeof(raw));
    if (rc != AG_OK)
        return rc;
    crypto_hex(raw, 8, id);
    crypto_hex(raw + 8, 32, secret);
    crypto_sha256(secret, 64, digest);
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row;
    const char *rn = auth_role_name(role);
    rc = store_open(a->path, 0, &db);
    rc = rc ? rc
            : store_prepare(db,
                            "INSERT INTO keys(id, digest, role, tenant, created_ms)"
                            " VALUES(?1, ?2, ?3, ?4, ?5)",
                            &st);
    rc = rc ? rc : store_bind_text(st, 1, id, AUTH_KEY_ID_LEN);
    rc = rc ? rc : store_bind_blob(st, 2, digest, sizeof(digest));
    rc = rc ? rc : store_bind_text(st, 3, rn, strlen(rn));
    rc = rc ? rc : store_bind_text(st, 4, tenant, tl);
    rc = rc ? rc : store_bind_int64(st, 5, clock_wall_ms());
    rc = rc ? rc : store_step(st, &row);
    store_finalize(st);
    store_close(db);
    if (rc == AG_OK) {
        int w = snprintf(key_out, AUTH_KEY_LEN + 1, "agk_%s_%s", id, secret);
        if (w != AUTH_KEY_LEN)
            rc = AG_EINVAL;
    }
    memset(secret, 0, sizeof(secret));
    return rc;
}

static bool is_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return false;
    return true;
}

void auth_set_jwt(struct auth *a, struct jwt *jwt)
{
    jwt_destroy(a->jwt);
    a->jwt = jwt;
}

/* The JWT way: the reason goes to the log, never the token or its claims. */
static ag_err check_jwt(const struct jwt *jwt, const char *token, struct auth_identity *out)
{
    enum jwt_reason r = jwt_verify(jwt, token, strlen(token), clock_wall_ms() / 1000, out);
    if (r == JWT_OK)
        return AG_OK;
    log_warn("auth: jwt rejected reason=%s", jwt_reason_name(r));
    if (r == JWT_NO_ROLE) {
        out->role = AUTH_ROLE_NONE; /* authenticated, allowed nowhere: 403 */
        return AG_OK;
    }
    return r == JWT_INTERNAL ? AG_EIO : AG_ENOTFOUND;
}

ag_err auth_check_bearer(struct auth *a, const char *header, struct auth_identity *out)
{
    if (!header)
        return AG_EINVAL;
    /* RFC 6750: "Bearer" is case-insensitive, then one or more spaces. */
    if (strncasecmp(header, "bearer ", 7) != 0)
        return AG_EINVAL;
    const char *key = header + 7;
    while (*key == ' ')
        key++;
    if (strncmp(key, "agk_", 4) != 0 && a->jwt)
        return check_jwt(a->jwt, key, out);
    size_t n = strlen(key);
    if (n != AUTH_KEY_LEN || memcmp(key, "agk_", 4) != 0 || key[4 + AUTH_KEY_ID_LEN] != '_' ||
        !is_hex(key + 4, AUTH_KEY_ID_LEN) || !is_hex(key + 5 + AUTH_KEY_ID_LEN, 64))
        return AG_EINVAL;
    uint8_t digest[CRYPTO_SHA256_LEN];
    crypto_sha256(key + 5 + AUTH_KEY_ID_LEN, 64, digest);

    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false;
    ag_err rc = store_pool_get(a->readers, &db);
    rc = rc ? rc
            : store_prepare_cached(db,
                                   "SELECT digest, role, tenant FROM keys"
                                   " WHERE id=?1 AND revoked=0",
                                   &st);
    rc = rc ? rc : store_bind_text(st, 1, key + 4, AUTH_KEY_ID_LEN);
    rc = rc ? rc : store_step(st, &row);
    if (rc == AG_OK) {
        struct str d = row ? store_col_blob(st, 0) : (struct str){"", 0};
        struct str role = row ? store_col_text(st, 1) : (struct str){"", 0};
        struct str tenant = row ? store_col_text(st, 2) : (struct str){"", 0};
        char role_s[16];
        if (!row || d.len != sizeof(digest) || !crypto_equal(d.p, digest, sizeof(digest))) {
            rc = AG_ENOTFOUND;
        } else if (role.len >= sizeof(role_s) || tenant.len >= sizeof(out->tenant)) {
            log_error("auth: key %.16s has a corrupt record", key + 4);
            rc = AG_EDB;
        } else {
            memcpy(role_s, role.p, role.len);
            role_s[role.len] = '\0';
            if (auth_role_parse(role_s, &out->role) != AG_OK) {
                log_error("auth: key %.16s has an unknown role", key + 4);
                rc = AG_EDB;
            } else {
                memcpy(out->key_id, key + 4, AUTH_KEY_ID_LEN);
                out->key_id[AUTH_KEY_ID_LEN] = '\0';
                memcpy(out->subject, out->key_id, AUTH_KEY_ID_LEN + 1);
                memcpy(out->tenant, tenant.p, tenant.len);
                out->tenant[tenant.len] = '\0';
            }
        }
    }
    store_finalize(st);
    store_pool_put(a->readers, db);
    return rc;
}
