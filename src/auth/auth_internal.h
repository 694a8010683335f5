/*
 * auth/auth_internal.h: shared between the files of auth/ only. The JWKS URL fetcher
 * (auth/jwks_fetch.c, the module's libcurl adapter) used by auth/jwt.c.
 * THREADS: jwks_http_get may run on any thread; one call uses its own easy handle.
 */
#ifndef AG_AUTH_AUTH_INTERNAL_H
#define AG_AUTH_AUTH_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>

#include "core/buf.h"
#include "core/err.h"

struct jwks_http {
    unsigned connect_ms, total_ms;
    const atomic_bool *stop; /* true aborts a transfer in progress (shutdown) */
    bool inited;             /* jwks_http_init succeeded for this user */
};

/* curl_global_init / its cleanup: once per user of jwks_http_get. AG_EIO on failure. */
ag_err jwks_http_init(void);
void jwks_http_cleanup(void);

/* A jwt_fetch_fn: GET url (http or https only, TLS peer and host verified, at most 3
 * redirects and only to https) into body, whose cap bounds the reply. AG_OK for a 2xx reply;
 * AG_ETOOBIG for a reply over the cap, AG_EIO for a transport error, an HTTP error status
 * or a stop (each logged with its reason, never the body). ctx is a struct jwks_http. */
ag_err jwks_http_get(void *ctx, const char *url, struct buf *body, unsigned *max_age_s);

/* The max-age of a Cache-Control header value ("public, max-age=600"), or 0 when absent,
 * malformed or combined with no-cache / no-store. For the tests too. */
unsigned jwks_cache_max_age(const char *value, size_t len);

#endif
