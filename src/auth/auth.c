// SPDX-License-Identifier: MIT
/*
 * auth/auth.c: API key creation and checking over keys.db.
 * The key id is looked up by index; the secret's digest is compared with
 * crypto_equal() so timing does not reveal how much of a guessed secret was right.
 * Every check reads the row (no cache), so revocation and expiry act on the next request.
 * Schema upgrades are done in place at open: columns added since the first keys.db
 * (expires_ms) are added with ALTER TABLE when missing.
 * THREADS: pooled read connections; creation, revocation and rotation open their own write
 * connection.
 */
#include "auth/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    " revoked INTEGER NOT NULL DEFAULT 0, expires_ms INTEGER);";

/* Columns added after the first schema: name, then the ALTER TABLE that adds it. */
static const char *const upgrades[][2] = {
    {"expires_ms", "ALTER TABLE keys ADD COLUMN expires_ms INTEGER;"},
};

/* Bring an older keys table up to date (in place, inside one transaction). */
static ag_err upgrade_schema(struct store_db *db)
{
    bool have[sizeof(upgrades) / sizeof(upgrades[0])] = {false};
    struct store_stmt *st = NULL;
    bool row = false;
    ag_err rc = store_prepare(db, "SELECT name FROM pragma_table_info('keys')", &st);
    while (rc == AG_OK && (rc = store_step(st, &row)) == AG_OK && row) {
        struct str name = store_col_text(st, 0);
        for (size_t i = 0; i < sizeof(upgrades) / sizeof(upgrades[0]); i++)
            if (name.len == strlen(upgrades[i][0]) && memcmp(name.p, upgrades[i][0], name.len) == 0)
                have[i] = true;
    }
    store_finalize(st);
    for (size_t i = 0; rc == AG_OK && i < sizeof(upgrades) / sizeof(upgrades[0]); i++)
        if (!have[i]) {
            rc = store_exec(db, upgrades[i][1]);
            if (rc == AG_OK)
                log_info("auth: keys.db upgraded: column %s added", upgrades[i][0]);
        }
    return rc;
}

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
    rc = rc ? rc : store_begin(db);
    rc = rc ? rc : store_exec(db, schema);
    rc = rc ? rc : upgrade_schema(db);
    rc = rc ? rc : store_commit(db);
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

/* Insert a new key on db (the caller's connection, maybe inside its transaction). */
static ag_err insert_key(struct store_db *db, enum auth_role role, const char *tenant,
                         int64_t expires_ms, char key_out[AUTH_KEY_LEN + 1])
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
    struct store_stmt *st = NULL;
    bool row;
    const char *rn = auth_role_name(role);
    rc = store_prepare(db,
                       "INSERT INTO keys(id, digest, role, tenant, created_ms, expires_ms)"
                       " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                       &st);
    rc = rc ? rc : store_bind_text(st, 1, id, AUTH_KEY_ID_LEN);
    rc = rc ? rc : store_bind_blob(st, 2, digest, sizeof(digest));
    rc = rc ? rc : store_bind_text(st, 3, rn, strlen(rn));
    rc = rc ? rc : store_bind_text(st, 4, tenant, tl);
    rc = rc ? rc : store_bind_int64(st, 5, clock_wall_ms());
    rc = rc ? rc : expires_ms > 0 ? store_bind_int64(st, 6, expires_ms) : store_bind_null(st, 6);
    rc = rc ? rc : store_step(st, &row);
    store_finalize(st);
    if (rc == AG_OK) {
        int w = snprintf(key_out, AUTH_KEY_LEN + 1, "agk_%s_%s", id, secret);
        if (w != AUTH_KEY_LEN)
            rc = AG_EINVAL;
    }
    memset(secret, 0, sizeof(secret));
    return rc;
}

ag_err auth_key_create_expiring(struct auth *a, enum auth_role role, const char *tenant,
                                int64_t expires_ms, char key_out[AUTH_KEY_LEN + 1])
{
    if (expires_ms < 0 || (expires_ms > 0 && expires_ms <= clock_wall_ms()))
        return AG_EINVAL;
    struct store_db *db = NULL;
    ag_err rc = store_open(a->path, 0, &db);
    rc = rc ? rc : insert_key(db, role, tenant, expires_ms, key_out);
    store_close(db);
    return rc;
}

ag_err auth_key_create(struct auth *a, enum auth_role role, const char *tenant,
                       char key_out[AUTH_KEY_LEN + 1])
{
    return auth_key_create_expiring(a, role, tenant, 0, key_out);
}

static bool is_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return false;
    return true;
}

static bool id_ok(const char *id)
{
    return id && strlen(id) == AUTH_KEY_ID_LEN && is_hex(id, AUTH_KEY_ID_LEN);
}

ag_err auth_key_revoke(struct auth *a, const char *id)
{
    if (!id_ok(id))
        return AG_EINVAL;
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false;
    ag_err rc = store_open(a->path, 0, &db);
    rc = rc ? rc : store_prepare(db, "UPDATE keys SET revoked=1 WHERE id=?1", &st);
    rc = rc ? rc : store_bind_text(st, 1, id, AUTH_KEY_ID_LEN);
    rc = rc ? rc : store_step(st, &row);
    if (rc == AG_OK && store_changes(db) == 0)
        rc = AG_ENOTFOUND;
    store_finalize(st);
    store_close(db);
    if (rc == AG_OK)
        log_info("auth: key revoked id=%s", id);
    return rc;
}

ag_err auth_key_rotate(struct auth *a, const char *id, int64_t grace_ms, int64_t new_expires_ms,
                       char key_out[AUTH_KEY_LEN + 1])
{
    int64_t now = clock_wall_ms();
    if (!id_ok(id) || grace_ms < 0 || new_expires_ms < 0 ||
        (new_expires_ms > 0 && new_expires_ms <= now))
        return AG_EINVAL;
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false, began = false;
    char role_s[16] = "", tenant[64] = "";
    int64_t old_exp = 0;
    enum auth_role role = AUTH_ROLE_NONE;
    ag_err rc = store_open(a->path, 0, &db);
    rc = rc ? rc : store_begin(db);
    began = rc == AG_OK;
    rc = rc ? rc
            : store_prepare(db, "SELECT role, tenant, revoked, expires_ms FROM keys WHERE id=?1",
                            &st);
    rc = rc ? rc : store_bind_text(st, 1, id, AUTH_KEY_ID_LEN);
    rc = rc ? rc : store_step(st, &row);
    if (rc == AG_OK && !row)
        rc = AG_ENOTFOUND;
    if (rc == AG_OK) {
        struct str r = store_col_text(st, 0), t = store_col_text(st, 1);
        bool revoked = store_col_int64(st, 2) != 0;
        old_exp = store_col_is_null(st, 3) ? 0 : store_col_int64(st, 3);
        if (r.len >= sizeof(role_s) || t.len == 0 || t.len >= sizeof(tenant)) {
            rc = AG_EDB;
        } else {
            memcpy(role_s, r.p, r.len);
            memcpy(tenant, t.p, t.len);
            if (auth_role_parse(role_s, &role) != AG_OK)
                rc = AG_EDB;
        }
        if (rc == AG_OK && (revoked || (old_exp > 0 && old_exp <= now)))
            rc = AG_EINVAL; /* nothing to hand over from */
    }
    store_finalize(st);
    st = NULL;
    int64_t until = grace_ms > INT64_MAX - now ? INT64_MAX : now + grace_ms;
    if (old_exp > 0 && old_exp < until)
        until = old_exp;
    if (until <= 0)
        until = 1; /* 0 means "never" in the table */
    rc = rc ? rc : store_prepare(db, "UPDATE keys SET expires_ms=?2 WHERE id=?1", &st);
    rc = rc ? rc : store_bind_text(st, 1, id, AUTH_KEY_ID_LEN);
    rc = rc ? rc : store_bind_int64(st, 2, until);
    rc = rc ? rc : store_step(st, &row);
    store_finalize(st);
    rc = rc ? rc : insert_key(db, role, tenant, new_expires_ms, key_out);
    rc = rc ? rc : store_commit(db);
    if (rc != AG_OK && began)
        store_rollback(db);
    store_close(db);
    if (rc == AG_OK)
        log_info("auth: key rotated id=%s new=%.16s old_expires_ms=%lld", id, key_out + 4,
                 (long long)until);
    else
        memset(key_out, 0, AUTH_KEY_LEN + 1);
    return rc;
}

ag_err auth_key_list(struct auth *a, int (*fn)(void *ctx, const struct auth_key_info *k), void *ctx)
{
    struct store_db *db = NULL;
    struct store_stmt *st = NULL;
    bool row = false;
    ag_err rc = store_pool_get(a->readers, &db);
    rc = rc ? rc
            : store_prepare(db,
                            "SELECT id, role, tenant, created_ms, expires_ms, revoked FROM keys"
                            " ORDER BY created_ms, id",
                            &st);
    while (rc == AG_OK && (rc = store_step(st, &row)) == AG_OK && row) {
        struct auth_key_info k;
        memset(&k, 0, sizeof(k));
        struct str id = store_col_text(st, 0), r = store_col_text(st, 1), t = store_col_text(st, 2);
        char role_s[16];
        if (id.len != AUTH_KEY_ID_LEN || r.len >= sizeof(role_s) || t.len >= sizeof(k.tenant)) {
            rc = AG_EDB;
            break;
        }
        memcpy(role_s, r.p, r.len);
        role_s[r.len] = '\0';
        if (auth_role_parse(role_s, &k.role) != AG_OK) {
            rc = AG_EDB;
            break;
        }
        memcpy(k.id, id.p, id.len);
        memcpy(k.tenant, t.p, t.len);
        k.created_ms = store_col_int64(st, 3);
        k.expires_ms = store_col_is_null(st, 4) ? 0 : store_col_int64(st, 4);
        k.revoked = store_col_int64(st, 5) != 0;
        if (fn(ctx, &k) != 0)
            break;
    }
    if (rc == AG_EDB)
        log_error("auth: keys.db has a corrupt row");
    store_finalize(st);
    store_pool_put(a->readers, db);
    return rc;
}

ag_err auth_parse_duration(const char *s, int64_t *ms_out)
{
    static const int64_t max_ms = (int64_t)10 * 366 * 24 * 3600 * 1000;
    int64_t n = 0;
    size_t i = 0;
    if (!s)
        return AG_EINVAL;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        n = n * 10 + (s[i] - '0');
        if (n > max_ms)
            return AG_EINVAL;
    }
    if (i == 0 || n == 0 || s[i] == '\0' || s[i + 1] != '\0')
        return AG_EINVAL;
    int64_t unit;
    switch (s[i]) {
    case 's':
        unit = 1000;
        break;
    case 'm':
        unit = (int64_t)60 * 1000;
        break;
    case 'h':
        unit = (int64_t)3600 * 1000;
        break;
    case 'd':
        unit = (int64_t)24 * 3600 * 1000;
        break;
    default:
        return AG_EINVAL;
    }
    if (n > max_ms / unit)
        return AG_EINVAL;
    *ms_out = n * unit;
    return AG_OK;
}

/* n decimal digits at s into *v. */
static bool digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

ag_err auth_parse_time(const char *s, int64_t *ms_out)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int Y, M, D, h, m, sec, ms = 0;
    if (!s || strlen(s) < 20 || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) ||
        s[7] != '-' || !digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &m) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return AG_EINVAL;
    bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || (M == 2 && D == 29 && !leap) ||
        h > 23 || m > 59 || sec > 59)
        return AG_EINVAL;
    const char *p = s + 19;
    if (*p == '.') {
        int k = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, k++)
            if (k < 3)
                ms = ms * 10 + (*p - '0');
        if (k == 0)
            return AG_EINVAL;
        for (; k < 3; k++)
            ms *= 10;
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return AG_EINVAL;
        off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return AG_EINVAL;
    }
    if (*p != '\0')
        return AG_EINVAL;
    struct tm tm = {.tm_year = Y - 1900,
                    .tm_mon = M - 1,
                    .tm_mday = D,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return AG_EINVAL;
    *ms_out = ((int64_t)t - off) * 1000 + ms;
    return AG_OK;
}

void auth_set_jwt(struct auth *a, struct jwt *jwt)
{
    jwt_destroy(a->jwt);
    a->jwt = jwt;
}

/* The JWT way: the reason goes to the log, never the token or its claims. */
static ag_err check_jwt(struct jwt *jwt, const char *token, struct auth_identity *out)
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
                                   "SELECT digest, role, tenant, revoked, expires_ms FROM keys"
                                   " WHERE id=?1",
                                   &st);
    rc = rc ? rc : store_bind_text(st, 1, key + 4, AUTH_KEY_ID_LEN);
    rc = rc ? rc : store_step(st, &row);
    if (rc == AG_OK) {
        struct str d = row ? store_col_blob(st, 0) : (struct str){"", 0};
        struct str role = row ? store_col_text(st, 1) : (struct str){"", 0};
        struct str tenant = row ? store_col_text(st, 2) : (struct str){"", 0};
        char role_s[16];
        /* The secret first: only its holder learns whether a key is revoked or expired. */
        const char *why =
            !row                                                                     ? "unknown_key"
            : d.len != sizeof(digest) || !crypto_equal(d.p, digest, sizeof(digest))  ? "bad_secret"
            : store_col_int64(st, 3) != 0                                            ? "key_revoked"
            : !store_col_is_null(st, 4) && store_col_int64(st, 4) <= clock_wall_ms() ? "key_expired"
                                                                                     : NULL;
        if (why) {
            log_warn("auth: key rejected reason=%s id=%.16s", why, key + 4);
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
