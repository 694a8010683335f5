/*
 * auth/jwt.h: OAuth2/OIDC bearer JWTs (compact JWS) checked against keys from a JWKS file
 * and/or an HS256 secret file. Algorithms: RS256, ES256 (P-256), HS256; a key is used only
 * with the algorithm of its own type, so an RSA/EC public key is never an HMAC secret.
 * Claims: exp (required), nbf and iat (optional), all with a leeway; iss equal to the
 * configured issuer; aud the audience or an array holding it; sub (1..128 bytes); roles
 * from the role claim and the space-separated `scope` claim, mapped by the role map; the
 * tenant from the tenant claim.
 * The identity's key_id is "sub:" + the first 12 hex of SHA-256("agentgate/jwt-sub" NUL
 * iss NUL sub): stable across restarts and instances, so rate limits and budgets key on it.
 * OWNERSHIP: jwt_create copies everything it needs from params.
 * THREADS: a struct jwt is read-only after jwt_create; any number of threads may verify.
 */
#ifndef AG_AUTH_JWT_H
#define AG_AUTH_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "core/config.h"
#include "core/err.h"

/* Why a token was refused: one code each, logged by name, never sent to the client. */
enum jwt_reason {
    JWT_OK = 0,
    JWT_OVERSIZE,        /* longer than max_bytes */
    JWT_MALFORMED,       /* not three non-empty dot-separated parts */
    JWT_BAD_BASE64,      /* not strict base64url (padding, bad character, stray bits) */
    JWT_BAD_JSON,        /* header or payload not one strict JSON object */
    JWT_ALG_NONE,        /* alg "none" (or alg missing) */
    JWT_ALG_UNSUPPORTED, /* alg not RS256, ES256 or HS256, or a `crit` header */
    JWT_KEY_CONFUSION,   /* alg does not match the type (or alg) of the key named */
    JWT_UNKNOWN_KID,     /* no key with that kid (or no kid and no single candidate) */
    JWT_BAD_SIGNATURE,   /* signature does not verify */
    JWT_NO_EXP,          /* exp missing */
    JWT_EXPIRED,         /* now >= exp + leeway */
    JWT_NOT_YET_VALID,   /* now < nbf - leeway */
    JWT_IAT_FUTURE,      /* iat > now + leeway */
    JWT_WRONG_ISSUER,    /* iss missing or not the configured issuer */
    JWT_WRONG_AUDIENCE,  /* aud missing or without the configured audience */
    JWT_BAD_SUBJECT,     /* sub missing, empty, over 128 bytes or not a string */
    JWT_BAD_CLAIM,       /* a time, role or scope claim of the wrong type */
    JWT_NO_TENANT,       /* tenant claim missing, empty or over 63 bytes */
    JWT_NO_ROLE,         /* valid token, but no claim value maps to a role (-> 403) */
    JWT_INTERNAL,        /* out of memory or libcrypto failure (logged) */
    JWT_REASON_COUNT     /* keep last; not a code */
};

/* Static snake_case name of a reason ("expired", "unknown_kid", ...); never NULL. */
const char *jwt_reason_name(enum jwt_reason r);

#define JWT_MAX_ROLE_MAP JWT_MAX_ROLE_MAP_ENTRIES /* core/config.h */

struct jwt_params {
    const char *issuer;            /* required */
    const char *audience;          /* required */
    const char *jwks_file;         /* JWKS JSON ({"keys":[...]}); NULL or "" = none */
    const char *hs256_secret_file; /* raw secret (>= 32 bytes; trailing newline dropped) */
    unsigned leeway_s;             /* clock skew allowed on exp, nbf, iat */
    const char *role_claim;        /* string or array of strings; "" = none */
    const char *tenant_claim;      /* "" = every token gets default_tenant */
    const char *default_tenant;
    size_t max_bytes;                       /* longer tokens are refused unread */
    const char *role_map[JWT_MAX_ROLE_MAP]; /* "CLAIM_VALUE ROLE" (client|reviewer|admin) */
    size_t n_role_map;
};

/* leeway 60 s, role claim "roles", tenant claim "tenant", max 8192 bytes, tenant "default". */
struct jwt_params jwt_default_params(void);
/* The params the jwt_* keys of cfg give (pointers into cfg). */
struct jwt_params jwt_params_from_config(const struct config *cfg);
/* True when cfg names a key source, i.e. JWT bearer tokens are turned on. */
bool jwt_configured(const struct config *cfg);

struct jwt;
/* Load the keys and the role map. AG_ECONFIG (reason logged) for a missing issuer or
 * audience, no usable key, a bad JWKS entry, a short secret or a bad role map entry;
 * AG_EIO when a file cannot be read; AG_ENOMEM. */
ag_err jwt_create(const struct jwt_params *params, struct jwt **out);
void jwt_destroy(struct jwt *j); /* NULL is a no-op */

/* Verify token[0..len) at time now_s (Unix seconds). JWT_OK fills out (key_id, role,
 * tenant). JWT_NO_ROLE also fills out, with role AUTH_ROLE_NONE, so the caller can answer
 * 403 instead of 401. Any other code leaves out unspecified. Never logs the token. */
enum jwt_reason jwt_verify(const struct jwt *j, const char *token, size_t len, int64_t now_s,
                           struct auth_identity *out);

#endif
