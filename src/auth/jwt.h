/*
 * auth/jwt.h: OAuth2/OIDC bearer JWTs (compact JWS) checked against keys from a JWKS file,
 * an HS256 secret file and/or a JWKS URL (fetched, cached, refreshed). Algorithms: RS256, ES256
 * (P-256), HS256; a key is used only with the algorithm of its own type, so an RSA/EC public key is
 * never an HMAC secret. Claims: exp (required), nbf and iat (optional), all with a leeway; iss
 * equal to the configured issuer; aud the audience or an array holding it; the subject claim (`sub`
 * by default; 1..128 bytes, no control characters) becomes the identity's subject; roles from the
 * role claim and the space-separated `scope` claim, mapped by the role map; the tenant from the
 * tenant claim. The identity's key_id is "sub:" + the first 12 hex of SHA-256("agentgate/jwt-sub"
 * NUL iss NUL sub): stable across restarts and instances, so rate limits and budgets key on it.
 * JWKS URL: fetched once in jwt_create (a failure is logged and tokens are refused with
 * JWT_JWKS_UNAVAILABLE until a fetch succeeds), then by a refresher thread every
 * refresh_s (or the reply's Cache-Control max-age, clamped to min_refresh_s..refresh_s;
 * after a failed fetch every min_refresh_s), and when a token names an unknown kid, at
 * most once per min_refresh_s. Such a token waits for that fetch (or one in progress),
 * at most the fetch's total timeout; inside the rate cap it is refused at once. A bad
 * reply (HTTP error, too large, not JSON, wrong shape, bad key) keeps the previous keys.
 * OWNERSHIP: jwt_create copies everything it needs from params.
 * THREADS: the file keys are read-only after jwt_create; the fetched key set is a
 * reference-counted snapshot swapped under jwt.mu (held only to swap or take a
 * reference, never across I/O), so any number of threads may verify while one fetches.
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
    JWT_OVERSIZE,         /* longer than max_bytes */
    JWT_MALFORMED,        /* not three non-empty dot-separated parts */
    JWT_BAD_BASE64,       /* not strict base64url (padding, bad character, stray bits) */
    JWT_BAD_JSON,         /* header or payload not one strict JSON object */
    JWT_ALG_NONE,         /* alg "none" (or alg missing) */
    JWT_ALG_UNSUPPORTED,  /* alg not RS256, ES256 or HS256, or a `crit` header */
    JWT_KEY_CONFUSION,    /* alg does not match the type (or alg) of the key named */
    JWT_UNKNOWN_KID,      /* no key with that kid (or no kid and no single candidate) */
    JWT_BAD_SIGNATURE,    /* signature does not verify */
    JWT_NO_EXP,           /* exp missing */
    JWT_EXPIRED,          /* now >= exp + leeway */
    JWT_NOT_YET_VALID,    /* now < nbf - leeway */
    JWT_IAT_FUTURE,       /* iat > now + leeway */
    JWT_WRONG_ISSUER,     /* iss missing or not the configured issuer */
    JWT_WRONG_AUDIENCE,   /* aud missing or without the configured audience */
    JWT_BAD_SUBJECT,      /* sub missing, empty, over 128 bytes or not a string */
    JWT_BAD_CLAIM,        /* a time, role or scope claim of the wrong type */
    JWT_NO_TENANT,        /* tenant claim missing, empty or over 63 bytes */
    JWT_NO_ROLE,          /* valid token, but no claim value maps to a role (-> 403) */
    JWT_INTERNAL,         /* out of memory or libcrypto failure (logged) */
    JWT_JWKS_UNAVAILABLE, /* no key set fetched from the JWKS URL yet */
    JWT_REASON_COUNT      /* keep last; not a code */
};

/* Static snake_case name of a reason ("expired", "unknown_kid", ...); never NULL. */
const char *jwt_reason_name(enum jwt_reason r);

#define JWT_MAX_ROLE_MAP JWT_MAX_ROLE_MAP_ENTRIES /* core/config.h */

struct buf;
/* Fetch url into body (created by the caller with its size cap); *max_age_s gets the
 * reply's Cache-Control max-age, or 0. AG_OK only for a 2xx reply; any failure is logged
 * by the fetcher with its reason. The default (NULL in params) is libcurl. */
typedef ag_err (*jwt_fetch_fn)(void *ctx, const char *url, struct buf *body, unsigned *max_age_s);

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
    const char *subject_claim;   /* the claim that names the subject ("sub") */
    const char *jwks_url;        /* http(s) JWKS URL; NULL or "" = none */
    unsigned jwks_refresh_s;     /* refetch period (upper bound for max-age) */
    unsigned jwks_min_refresh_s; /* at most one fetch per this many seconds on unknown kids */
    unsigned jwks_connect_ms;    /* fetch connect timeout */
    unsigned jwks_total_ms;      /* fetch total timeout (also how long a token may wait) */
    size_t jwks_max_bytes;       /* a longer reply is refused */
    jwt_fetch_fn jwks_fetch;     /* NULL: libcurl (TLS verified); tests pass their own */
    void *jwks_fetch_ctx;
};

/* leeway 60 s, role claim "roles", tenant claim "tenant", max 8192 bytes, tenant "default",
 * subject claim "sub", JWKS refresh 3600 s, min refresh 30 s, connect 2 s, total 5 s,
 * reply at most 1 MiB. */
struct jwt_params jwt_default_params(void);
/* The params the jwt_* keys of cfg give (pointers into cfg). */
struct jwt_params jwt_params_from_config(const struct config *cfg);
/* True when cfg names a key source, i.e. JWT bearer tokens are turned on. */
bool jwt_configured(const struct config *cfg);

struct jwt;
/* Load the keys and the role map, and with a JWKS URL fetch it once and start the
 * refresher thread. AG_ECONFIG (reason logged) for a missing issuer or audience, no key
 * source, a bad JWKS file entry, a short secret, a bad role map entry or a URL that is not
 * http(s); AG_EIO when a file cannot be read or the thread cannot start; AG_ENOMEM. A
 * failed first fetch is not an error (see above). */
ag_err jwt_create(const struct jwt_params *params, struct jwt **out);
void jwt_destroy(struct jwt *j); /* NULL is a no-op */

/* Verify token[0..len) at time now_s (Unix seconds). JWT_OK fills out (key_id, subject,
 * role, tenant). JWT_NO_ROLE also fills out, with role AUTH_ROLE_NONE, so the caller can
 * answer 403 instead of 401. Any other code leaves out unspecified. Never logs the token.
 * With a JWKS URL an unknown kid may wait for a fetch (see above); now_s is also the clock
 * of that rate cap. */
enum jwt_reason jwt_verify(struct jwt *j, const char *token, size_t len, int64_t now_s,
                           struct auth_identity *out);

/* JWKS URL fetches so far (the first included): succeeded, failed or refused. */
void jwt_jwks_stats(struct jwt *j, uint64_t *ok, uint64_t *failed);

/* Parse text[0..len) as a fetched JWKS reply would be (keys of unknown kty or alg are
 * skipped; a malformed key refuses the whole set) and discard it. AG_OK with *n_keys the
 * usable keys, AG_ECONFIG for a reply that would be refused (reason logged), AG_ENOMEM.
 * For the fuzz target and tests. */
ag_err jwt_jwks_check(const char *text, size_t len, size_t *n_keys);

#endif
