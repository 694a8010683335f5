/*
 * auth/auth.h: API keys and roles. A key is shown once at creation
 * ("agk_<16 hex id>_<64 hex secret>"); only its SHA-256 is stored, with its role and
 * tenant, in keys.db. Checking a key compares digests in constant time.
 * THREADS: an auth is shared; each check takes a pooled read connection.
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
#define AUTH_PUBLIC   0u /* a route anyone may call: an explicit rule, not a default */
#define AUTH_ANY_ROLE (AUTH_ROLE_CLIENT | AUTH_ROLE_REVIEWER | AUTH_ROLE_ADMIN)

#define AUTH_KEY_ID_LEN 16
#define AUTH_KEY_LEN    (4 + AUTH_KEY_ID_LEN + 1 + 64)

struct auth_identity {
    char key_id[AUTH_KEY_ID_LEN + 1];
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
/* Check an Authorization header value ("Bearer <key>"). AG_EINVAL when absent or
 * malformed, AG_ENOTFOUND when the key is unknown, revoked or wrong; AG_EDB on storage
 * failure. */
ag_err auth_check_bearer(struct auth *a, const char *header, struct auth_identity *out);

#endif
