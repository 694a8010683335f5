/*
 * auth/auth.h: API keys and roles. A key is shown once at creation
 * ("agk_<16 hex id>_<64 hex secret>"); only its SHA-256 is stored, with its role and
 * tenant, in keys.db. Checking a key compares digests in constant time. Bearer tokens
 * that are not API keys go to the JWT verifier (auth/jwt.h) when one is attached.
 * THREADS: an auth is shared; each check takes a pooled read connection; the attached
 * verifier is read-only once attached (attach before serving).
 */
#ifndef AG_AUTH_AUTH_H
#define AG_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>

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

#define AUTH_KEY_ID_LEN 16
#define AUTH_KEY_LEN    (4 + AUTH_KEY_ID_LEN + 1 + 64)

struct auth_identity {
    char key_id[AUTH_KEY_ID_LEN + 1];
    char subject[129]; /* who: an API key's id; "" where none is known (limit uses key_id) */
    enum auth_role role;
    char tenant[64];
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
/* Attach a JWT verifier (auth takes ownership; auth_close destroys it). Call before the
 * auth is shared between threads. */
struct jwt;
void auth_set_jwt(struct auth *a, struct jwt *jwt);
/* Check an Authorization header value ("Bearer <key>"). A token starting "agk_" is an API
 * key; any other is a JWT when a verifier is attached. AG_EINVAL when absent or malformed
 * (or a JWT without a verifier), AG_ENOTFOUND when the key is unknown, revoked or wrong or
 * the JWT is refused (reason logged as "auth: jwt rejected reason=CODE"); AG_EDB on
 * storage failure. A valid JWT whose claims map to no role gives AG_OK with role
 * AUTH_ROLE_NONE, which no route allows (403). */
ag_err auth_check_bearer(struct auth *a, const char *header, struct auth_identity *out);

#endif
