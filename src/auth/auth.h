/*
 * auth/auth.h: API keys and roles. A key is shown once at creation
 * ("agk_<16 hex id>_<64 hex secret>"); only its SHA-256 is stored, with its role and
 * tenant, in keys.db, with its creation time, optional expiry and revoked flag. Checking a
 * key compares digests in constant time and reads keys.db every time (no cache), so a
 * revocation or expiry holds from the next request on. Bearer tokens
 * that are not API keys go to the JWT verifier (auth/jwt.h) when one is attached.
 * THREADS: an auth is shared; each check takes a pooled read connection; the attached
 * verifier is read-only once attached (attach before serving).
 */
#ifndef AG_AUTH_AUTH_H
#define AG_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum auth_role {
    AUTH_ROLE_NONE = 0,
    AUTH_ROLE_CLIENT = 1 << 0,
    AUTH_ROLE_REVIEWER = 1 << 1,
    AUTH_ROLE_ADMIN = 1 << 2,
};
/* a route anyone may call: an explicit rule, not a default (0 is no rule at all) */
#define AUTH_PUBLIC   (1u << 8)
#define AUTH_ANY_ROLE (AUTH_ROLE_CLIENT | AUTH_ROLE_REVIEWER | AUTH_ROLE_ADMIN)

#define AUTH_KEY_ID_LEN  16
#define AUTH_KEY_LEN     (4 + AUTH_KEY_ID_LEN + 1 + 64)
#define AUTH_SUBJECT_MAX 128

/* Who is asking. key_id keys rate limits and budgets (an API key's id, or "sub:" and a
 * pseudonym of a JWT's issuer and subject); subject is the person or client the caller
 * names: a JWT's subject claim (1..128 bytes, no control characters) or the API key's id. */
struct auth_identity {
    char key_id[AUTH_KEY_ID_LEN + 1];
    char subject[AUTH_SUBJECT_MAX + 1];
    enum auth_role role;
    char tenant[64];
    bool token; /* a JWT vouched for it: subject is the person's own id */
};

const char *auth_role_name(enum auth_role r);
/* "client", "reviewer" or "admin"; AG_EINVAL otherwise. */
ag_err auth_role_parse(const char *s, enum auth_role *out);

struct auth;
ag_err auth_open(const char *path, bool create, struct auth **out);
void auth_close(struct auth *a); /* NULL is a no-op */
/* Create a key; key_out (AUTH_KEY_LEN + 1 bytes) gets the only copy of the secret key. */
ag_err auth_key_create(struct auth *a, enum auth_role role, const char *tenant,
                       char key_out[AUTH_KEY_LEN + 1]);
/* The same with an expiry (Unix ms; 0 = never): from then on the key is refused
 * (logged as "auth: key rejected reason=key_expired"). AG_EINVAL for a bad role or tenant
 * or an expiry not in the future. */
ag_err auth_key_create_expiring(struct auth *a, enum auth_role role, const char *tenant,
                                int64_t expires_ms, char key_out[AUTH_KEY_LEN + 1]);
/* Revoke key id (16 hex) at once: its next request is refused. AG_ENOTFOUND for an unknown
 * id, AG_EINVAL for a malformed one; revoking twice is AG_OK. */
ag_err auth_key_revoke(struct auth *a, const char *id);
/* Replace key id by a new key of the same role and tenant (expiring at new_expires_ms, 0 =
 * never); the old key keeps working for grace_ms more (never longer than it would have),
 * then expires. key_out gets the only copy of the new key. AG_ENOTFOUND for an unknown id,
 * AG_EINVAL for a malformed, revoked or already expired one. */
ag_err auth_key_rotate(struct auth *a, const char *id, int64_t grace_ms, int64_t new_expires_ms,
                       char key_out[AUTH_KEY_LEN + 1]);

/* One key as listed: never the secret or its digest. */
struct auth_key_info {
    char id[AUTH_KEY_ID_LEN + 1];
    enum auth_role role;
    char tenant[64];
    int64_t created_ms, expires_ms; /* expires_ms 0 = never */
    bool revoked;
};
/* Call fn for every key, oldest first; a non-zero return from fn stops the walk. AG_EDB on
 * storage failure or a corrupt row. */
ag_err auth_key_list(struct auth *a, int (*fn)(void *ctx, const struct auth_key_info *k),
                     void *ctx);

/* "30d", "12h", "15m", "90s" (a positive whole number and one unit) into milliseconds;
 * AG_EINVAL otherwise or past ten years. */
ag_err auth_parse_duration(const char *s, int64_t *ms_out);
/* An RFC 3339 date-time ("2027-01-31T12:00:00Z", "...T12:00:00.5+01:00") into Unix ms;
 * AG_EINVAL for anything else (a date without time, a bad field, a bad offset). */
ag_err auth_parse_time(const char *s, int64_t *ms_out);

/* Attach a JWT verifier (auth takes ownership; auth_close destroys it). Call before the
 * auth is shared between threads. */
struct jwt;
void auth_set_jwt(struct auth *a, struct jwt *jwt);
/* Check an Authorization header value ("Bearer <key>"). A token starting "agk_" is an API
 * key; any other is a JWT when a verifier is attached. AG_EINVAL when absent or malformed
 * (or a JWT without a verifier); AG_ENOTFOUND when the key is unknown, wrong, revoked or
 * expired (logged as "auth: key rejected reason=unknown_key|bad_secret|key_revoked|
 * key_expired") or the JWT is refused (logged as "auth: jwt rejected reason=CODE"); AG_EDB
 * on storage failure. A valid JWT whose claims map to no role gives AG_OK with role
 * AUTH_ROLE_NONE, which no route allows (403). */
ag_err auth_check_bearer(struct auth *a, const char *header, struct auth_identity *out);

#endif
