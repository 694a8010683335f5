// SPDX-License-Identifier: MIT
/*
 * auth/jwks_fetch.c: fetch a JWKS URL with the libcurl easy API (auth's only file that
 * includes curl.h). One blocking GET per call with connect and total timeouts, a size cap
 * (checked against Content-Length and while reading), TLS verification on, protocols
 * limited to http/https (redirects to https only), and the Cache-Control max-age read from
 * the reply's headers. A progress callback aborts the transfer when the owner shuts down.
 * THREADS: each call makes and frees its own easy handle; nothing is shared.
 * OWNERSHIP: the caller owns body; nothing of the reply is logged but its status and size.
 */
#include <curl/curl.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "auth/auth_internal.h"
#include "core/log.h"

struct fetch {
    struct buf *body;
    unsigned max_age_s;
    bool too_big;
    const atomic_bool *stop;
};

ag_err jwks_http_init(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("auth: curl_global_init failed");
        return AG_EIO;
    }
    return AG_OK;
}

void jwks_http_cleanup(void)
{
    curl_global_cleanup();
}

unsigned jwks_cache_max_age(const char *v, size_t len)
{
    unsigned age = 0;
    bool seen = false;
    size_t i = 0;
    while (i < len) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < len && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        const char *d = v + start;
        size_t n = end - start;
        if ((n == 8 && strncasecmp(d, "no-cache", 8) == 0) ||
            (n == 8 && strncasecmp(d, "no-store", 8) == 0))
            return 0;
        if (n > 8 && strncasecmp(d, "max-age=", 8) == 0) {
            uint64_t x = 0;
            size_t k = 8;
            for (; k < n && d[k] >= '0' && d[k] <= '9'; k++)
                if ((x = x * 10 + (uint64_t)(d[k] - '0')) > UINT32_MAX)
                    x = UINT32_MAX; /* RFC 9111 §1.2.2: saturate, not wrap */
            if (k != n || seen)
                return 0; /* junk or a second max-age: trust neither */
            seen = true;
            age = (unsigned)x;
        }
    }
    return age;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct fetch *f = arg;
    if (buf_append(f->body, p, n) != AG_OK) { /* size is 1 for write callbacks */
        f->too_big = true;
        return 0; /* CURLE_WRITE_ERROR ends the transfer */
    }
    (void)size;
    return n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct fetch *f = arg;
    static const char name[] = "cache-control:";
    (void)size;
    if (n > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
        size_t len = n - (sizeof(name) - 1);
        while (len > 0 &&
               (p[sizeof(name) - 1 + len - 1] == '\r' || p[sizeof(name) - 1 + len - 1] == '\n'))
            len--;
        f->max_age_s = jwks_cache_max_age(p + sizeof(name) - 1, len);
    }
    return n;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    const struct fetch *f = arg;
    (void)dt, (void)dn, (void)ut, (void)un;
    return atomic_load(f->stop) ? 1 : 0;
}

ag_err jwks_http_get(void *ctx, const char *url, struct buf *body, unsigned *max_age_s)
{
    const struct jwks_http *h = ctx;
    struct fetch f = {.body = body, .stop = h->stop};
    CURL *e = curl_easy_init();
    if (!e) {
        log_error("auth: jwks fetch: curl_easy_init failed");
        return AG_ENOMEM;
    }
    char err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)h->connect_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)h->total_ms);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)body->max);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)&f);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)&f);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, (void *)&f);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "agentgate-jwks");
    CURLcode cc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    *max_age_s = f.max_age_s;
    if (f.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        log_warn("auth: jwks fetch refused reason=too_large max_bytes=%zu", body->max);
        return AG_ETOOBIG;
    }
    if (cc != CURLE_OK) {
        log_warn("auth: jwks fetch failed reason=transport curl=%d detail=%s", (int)cc,
                 err[0] ? err : curl_easy_strerror(cc));
        return AG_EIO;
    }
    if (status < 200 || status > 299) {
        log_warn("auth: jwks fetch failed reason=http_status status=%ld", status);
        return AG_EIO;
    }
    return AG_OK;
}
