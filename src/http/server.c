// SPDX-License-Identifier: MIT
/*
 * http/server.c: transport (HTTP or HTTPS), limits, routes, request bodies, replies,
 * draining. Every route has an explicit authorization rule in the routes table
 * (AUTH_PUBLIC or a set of roles), CORS preflights (OPTIONS) included. Before a handler
 * runs a request passes the header caps (431), the in-flight cap (503) and the body cap
 * (413); a connection whose request does not arrive within request_timeout_s is cut by
 * the reaper thread. Every reply carries the same security headers (add_common_headers).
 * On shutdown the listening socket is closed first (quiesce), in-flight requests finish,
 * then the daemon stops.
 * THREADS: handlers run on libmicrohttpd's pool threads; inflight and draining are
 * atomics; per-request state lives in struct request, owned by one connection; conns_mu
 * guards the connection list the reaper walks. Lock order: a chat_job's mu before conns_mu.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_received (Linux 4.1) */
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"
#include "core/tpool.h"
#include "http/http.h"

struct chat_job;

/* Where a connection's current request stands, for the request deadline. */
enum conn_phase {
    CONN_READING,   /* headers or body still arriving: request_timeout_s runs */
    CONN_ANSWERING, /* the whole request is in: no deadline (an answer may take minutes) */
    CONN_IDLE,      /* kept alive between requests: only the idle timeout */
};

#define RX_UNKNOWN UINT64_MAX

/* The connection list and the job list are doubly linked through their next and prev
 * fields, newest first. DLIST_PUSH puts node at the front of the list that head names;
 * DLIST_UNLINK takes node out of it, wherever it stands. The caller holds the list's mutex;
 * head and node are evaluated more than once. */
#define DLIST_PUSH(head, node)                                                                     \
    do {                                                                                           \
        (node)->prev = NULL;                                                                       \
        (node)->next = (head);                                                                     \
        if (head)                                                                                  \
            (head)->prev = (node);                                                                 \
        (head) = (node);                                                                           \
    } while (0)
#define DLIST_UNLINK(head, node)                                                                   \
    do {                                                                                           \
        if ((node)->prev)                                                                          \
            (node)->prev->next = (node)->next;                                                     \
        else                                                                                       \
            (head) = (node)->next;                                                                 \
        if ((node)->next)                                                                          \
            (node)->next->prev = (node)->prev;                                                     \
    } while (0)

/* One client connection (libmicrohttpd's socket context), listed in s->conns. */
struct conn {
    struct conn *next, *prev;
    MHD_socket fd;
    enum conn_phase phase;
    uint64_t since_ns; /* CONN_READING: when the request began */
    uint64_t rx_bytes; /* CONN_IDLE: bytes received when the reaper first saw it idle */
    bool cut;          /* the reaper shut it down */
};

struct http_server {
    struct MHD_Daemon *d;
    const struct agent_env *env;
    atomic_long inflight;
    atomic_bool draining;
    atomic_bool running;   /* the daemon started */
    struct tpool *workers; /* generation, audit and reply of turns that generate */
    pthread_mutex_t jobs_mu;
    struct chat_job *jobs; /* every chat turn in a worker, for cancelling at shutdown */
    bool tls;
    char *tls_cert, *tls_key; /* PEM text given to libmicrohttpd; the key is wiped at stop */
    size_t tls_key_len;
    pthread_mutex_t conns_mu; /* guards conns, every struct conn in it and reaper_stop */
    pthread_cond_t reaper_cv;
    struct conn *conns;
    pthread_t reaper;
    bool reaper_stop;
};

struct request;
typedef void (*handler_fn)(struct http_server *s, struct MHD_Connection *c, struct request *r);

struct route {
    const char *method, *path;
    unsigned roles; /* AUTH_PUBLIC or a mask of enum auth_role */
    handler_fn fn;
};

struct request {
    struct http_server *s;
    struct metrics *metrics;
    struct conn *conn; /* NULL when its socket context could not be made */
    const struct route *route;
    const char *cors_origin; /* the request's Origin when cors_origins lists it, else NULL */
    struct buf body;
    bool too_big;
    int status;
    uint64_t t0;
    struct chat_job *job;  /* a chat turn answered by a worker thread */
    const struct turn *rl; /* the turn whose RateLimit-* headers the reply carries, or NULL */
    char param[AUDIT_MAX_ID + 1]; /* the route's {id} segment, when it has one */
};

/* A chat turn whose generation runs in a worker thread while its connection is suspended
 * (JSON reply) or streams (SSE). Shared by the connection and the worker: refs counts
 * them (and the streamed response), the last one frees it. */
struct chat_job {
    pthread_mutex_t mu;
    int refs;
    struct http_server *s;
    struct MHD_Connection *c;
    struct turn t;
    atomic_bool cancel;
    struct buf pending; /* SSE bytes for the client, not yet handed to MHD */
    size_t sent;        /* of pending */
    bool done;          /* the worker finished the turn */
    bool suspended;     /* the connection waits for the worker */
    struct chat_job *next, *prev;
    struct tpool_job work;
};

/* ---- connections and the request deadline ------------------------------------------------ */

/* Move c's request to phase. CONN_READING keeps the start of a request already being
 * read; any other change starts the phase now. */
static void conn_set(struct http_server *s, struct conn *c, enum conn_phase phase)
{
    if (!c)
        return;
    pthread_mutex_lock(&s->conns_mu);
    if (phase != c->phase) {
        c->phase = phase;
        c->since_ns = clock_mono_ns();
        c->rx_bytes = RX_UNKNOWN;
    }
    pthread_mutex_unlock(&s->conns_mu);
}

/* libmicrohttpd opens or closes a connection. CLOSED comes before it closes the socket,
 * and the reaper touches a socket only with conns_mu held and the connection listed, so
 * it never shuts down a descriptor that was closed and reused. */
static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *s = cls;
    struct conn *c = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
        c = ci ? calloc(1, sizeof(*c)) : NULL;
        if (!c) {
            log_warn("http: connection without a request deadline (no memory)");
            return;
        }
        c->fd = ci->connect_fd;
        c->phase = CONN_READING; /* a TLS handshake and the first request count */
        c->since_ns = clock_mono_ns();
        c->rx_bytes = RX_UNKNOWN;
        pthread_mutex_lock(&s->conns_mu);
        DLIST_PUSH(s->conns, c);
        pthread_mutex_unlock(&s->conns_mu);
        *socket_context = c;
        return;
    }
    if (!c)
        return;
    pthread_mutex_lock(&s->conns_mu);
    DLIST_UNLINK(s->conns, c);
    pthread_mutex_unlock(&s->conns_mu);
    free(c);
    *socket_context = NULL;
}

/* Bytes the kernel has received on TCP socket fd since it opened. */
static bool tcp_rx_bytes(MHD_socket fd, uint64_t *out)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received))
        return false;
    *out = ti.tcpi_bytes_received;
    return true;
}

#define REAPER_PERIOD_MS 200

/* The request deadline. libmicrohttpd's connection timeout is an idle timeout: every
 * byte that arrives restarts it, so a client that sends one header byte a second (slow
 * loris) holds a connection and a slot of max_conns_per_ip for ever, and the access
 * handler is not called before the headers are complete, so nothing of ours runs either.
 * So this thread walks the connections every REAPER_PERIOD_MS and shuts down (shutdown(2),
 * both ways) each one whose request has been CONN_READING for longer than
 * request_timeout_s; libmicrohttpd then sees the socket fail and closes the connection
 * the usual way. A request is CONN_READING from the connection's accept (TLS handshake
 * included) or, on a kept-alive connection, from the first new byte after the previous
 * reply: the kernel's count of bytes received (TCP_INFO) tells when the next request
 * began, at most one period late. It stops being CONN_READING when its body is complete
 * or a reply is queued. Both syscalls made under conns_mu are non-blocking; holding the
 * lock is what keeps the descriptor from being closed under us (on_connection). */
static void *reaper_main(void *arg)
{
    struct http_server *s = arg;
    const uint64_t limit = (uint64_t)s->env->cfg->request_timeout_s * 1000000000u;
    pthread_mutex_lock(&s->conns_mu);
    while (!s->reaper_stop) {
        struct timespec ts = clock_after_ms(CLOCK_MONOTONIC, REAPER_PERIOD_MS);
        pthread_cond_timedwait(&s->reaper_cv, &s->conns_mu, &ts);
        uint64_t now = clock_mono_ns();
        unsigned cut = 0;
        for (struct conn *c = s->conns; c; c = c->next) {
            uint64_t rx;
            if (c->phase == CONN_IDLE && tcp_rx_bytes(c->fd, &rx)) {
                if (c->rx_bytes == RX_UNKNOWN) {
                    c->rx_bytes = rx;
                } else if (rx != c->rx_bytes) {
                    c->phase = CONN_READING;
                    c->since_ns = now;
                }
            } else if (c->phase == CONN_READING && !c->cut && now - c->since_ns > limit) {
                shutdown(c->fd, SHUT_RDWR);
                c->cut = true;
                cut++;
            }
        }
        if (cut) {
            pthread_mutex_unlock(&s->conns_mu);
            for (unsigned i = 0; i < cut; i++)
                metrics_http_rejected(s->env->metrics, "request_timeout");
            log_warn("http: cut connections=%u reason=request_timeout limit_s=%u", cut,
                     s->env->cfg->request_timeout_s);
            pthread_mutex_lock(&s->conns_mu);
        }
    }
    pthread_mutex_unlock(&s->conns_mu);
    return NULL;
}

/* ---- replies ---------------------------------------------------------------------------- */

static void methods_of(const char *path, bool with_options, char *out, size_t n);

/* RateLimit-Limit, -Remaining and -Reset (IETF draft "RateLimit header fields for HTTP")
 * of the key's token bucket, when stage_limit learnt them. */
static void add_ratelimit(struct MHD_Response *resp, const struct turn *t)
{
    if (!t || !t->ratelimit_known)
        return;
    char v[16];
    snprintf(v, sizeof(v), "%u", t->ratelimit_limit);
    MHD_add_response_header(resp, "RateLimit-Limit", v);
    snprintf(v, sizeof(v), "%u", t->ratelimit_remaining);
    MHD_add_response_header(resp, "RateLimit-Remaining", v);
    snprintf(v, sizeof(v), "%u", t->ratelimit_reset_s);
    MHD_add_response_header(resp, "RateLimit-Reset", v);
}

/* The headers every reply of ours carries, JSON, text and streamed alike. The API serves
 * no HTML: nothing may frame it, load from it or sniff a type, and no reply is stored.
 * HSTS only over TLS (RFC 6797 §7.2: a plain-HTTP reply must not carry it). With CORS on,
 * every reply varies by Origin; an allowed Origin is echoed (never "*": bearer keys). */
static void add_common_headers(struct MHD_Response *resp, const struct request *r)
{
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; frame-ancestors 'none'");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (r->s->tls)
        MHD_add_response_header(resp, "Strict-Transport-Security",
                                "max-age=63072000; includeSubDomains");
    if (r->s->env->cfg->cors_origins[0]) {
        MHD_add_response_header(resp, "Vary", "Origin");
        if (r->cors_origin) {
            MHD_add_response_header(resp, "Access-Control-Allow-Origin", r->cors_origin);
            MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                                    "X-Trace-Id, Retry-After, RateLimit-Limit, "
                                    "RateLimit-Remaining, RateLimit-Reset");
        }
    }
}

/* Queue resp (consumed) as r's reply: every response of this file goes out here. */
static enum MHD_Result queue_reply(struct MHD_Connection *c, struct request *r, int status,
                                   struct MHD_Response *resp)
{
    add_common_headers(resp, r);
    add_ratelimit(resp, r->rl);
    if (status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"agentgate\"");
    if (status == 405 && r->route) {
        char allow[64];
        methods_of(r->route->path, true, allow, sizeof(allow));
        MHD_add_response_header(resp, "Allow", allow);
    }
    /* Count the request when its reply is queued, not when the connection completes:
     * a client may read the reply and ask /metrics before completion runs. */
    if (!r->status)
        metrics_request(r->metrics, r->route && status != 405 ? r->route->path : "other", status);
    /* a reply queued before the body is in ends the reading (libmicrohttpd discards the
     * rest and closes the connection afterwards) */
    conn_set(r->s, r->conn, CONN_ANSWERING);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    return ret;
}

/* ctype NULL: no body type (204). */
static enum MHD_Result send_reply(struct MHD_Connection *c, struct request *r, int status,
                                  const char *ctype, const char *body, size_t len,
                                  const char *trace_id, uint32_t retry_after)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    if (ctype)
        MHD_add_response_header(resp, "Content-Type", ctype);
    if (trace_id)
        MHD_add_response_header(resp, "X-Trace-Id", trace_id);
    if (retry_after) {
        char ra[16];
        snprintf(ra, sizeof(ra), "%u", retry_after);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    return queue_reply(c, r, status, resp);
}

static enum MHD_Result send_json(struct MHD_Connection *c, struct request *r, int status,
                                 const char *json, const char *trace_id, uint32_t retry_after)
{
    return send_reply(c, r, status, "application/json", json, strlen(json), trace_id, retry_after);
}

static enum MHD_Result send_error_retry(struct MHD_Connection *c, struct request *r, int status,
                                        const char *type, const char *code, const char *msg,
                                        uint32_t retry_after)
{
    struct buf b;
    buf_init(&b, 4096);
    ag_err rc = buf_append_str(&b, "{\"error\":{\"type\":\"");
    rc = rc ? rc : buf_append_json_escaped(&b, type, strlen(type));
    rc = rc ? rc : buf_append_str(&b, "\",\"message\":\"");
    rc = rc ? rc : buf_append_json_escaped(&b, msg, strlen(msg));
    rc = rc ? rc : buf_append_str(&b, "\",\"code\":\"");
    rc = rc ? rc : buf_append_json_escaped(&b, code, strlen(code));
    rc = rc ? rc : buf_append_str(&b, "\"}}");
    enum MHD_Result ret =
        send_json(c, r, status, rc == AG_OK ? buf_cstr(&b) : "{}", NULL, retry_after);
    buf_release(&b);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, struct request *r, int status,
                                  const char *type, const char *code, const char *msg)
{
    return send_error_retry(c, r, status, type, code, msg, 0);
}

/* The peer's address bucket name (limit_ip_name) into out; "" when unknown. */
static void client_ip(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr || limit_ip_name(ci->client_addr, out, n) != AG_OK)
        out[0] = '\0';
}

/* Authorize a non-pipeline route: returns true, or sends 401/403/503 and returns false. */
static bool authorize(struct http_server *s, struct MHD_Connection *c, struct request *r,
                      struct auth_identity *who)
{
    if (r->route->roles == AUTH_PUBLIC)
        return true;
    /* the address limit before the credentials, as in the pipeline's auth stage */
    char ip[LIMIT_IP_NAME_MAX];
    client_ip(c, ip, sizeof(ip));
    struct limit_verdict v;
    if (s->env->limit && !limit_ip_admit(s->env->limit, ip, clock_mono_ns(), &v)) {
        if (v.backend_error && s->env->metrics)
            metrics_limit_redis_error(s->env->metrics);
        if (v.backend_error)
            send_error_retry(c, r, 503, "server_error", "limit_unavailable",
                             "the rate limit cannot be checked now", v.retry_after_s);
        else
            send_error_retry(c, r, 429, "rate_limit_error", "rate_limited",
                             "too many requests from this address (ip limit)", v.retry_after_s);
        return false;
    }
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    ag_err rc = auth_check_bearer(s->env->auth, h, who);
    if ((rc == AG_EINVAL || rc == AG_ENOTFOUND) && s->env->limit)
        limit_ip_charge(s->env->limit, ip, clock_mono_ns());
    if (rc == AG_EINVAL || rc == AG_ENOTFOUND) {
        send_error(c, r, 401, "authentication_error",
                   rc == AG_EINVAL ? "missing_key" : "invalid_key",
                   rc == AG_EINVAL ? "send an API key as 'Authorization: Bearer <key>'"
                                   : "the API key is not valid");
        return false;
    }
    if (rc != AG_OK) {
        send_error(c, r, 503, "server_error", "auth_unavailable", "the key store is unavailable");
        return false;
    }
    if (!(who->role & r->route->roles)) {
        char msg[96];
        snprintf(msg, sizeof(msg), "role '%s' may not use this route", auth_role_name(who->role));
        send_error(c, r, 403, "permission_error", "forbidden", msg);
        return false;
    }
    return true;
}

/* ---- handlers --------------------------------------------------------------------------- */

static void h_healthz(struct http_server *s, struct MHD_Connection *c, struct request *r)
{
    (void)s;
    send_json(c, r, 200, "{\"status\":\"ok\"}", NULL, 0);
}

static void h_readyz(struct http_server *s, struct MHD_Connection *c, struct request *r)
{
    if (atomic_load(&s->draining))
        send_json(c, r, 503, "{\"status\":\"draining\"}", NULL, 0);
    else
        send_json(c, r, 200, "{\"status\":\"ready\"}", NULL, 0);
}

/* Gauges of the generation backends: the llama engine's sequences, each upstream's
 * health and circuit breaker. */
static ag_err render_backends(const struct agent_env *env, struct buf *b)
{
    ag_err rc = AG_OK;
    for (size_t i = 0; i < env->n_backends && rc == AG_OK; i++) {
        struct llm_backend *be = env->backends[i];
        if (strcmp(be->kind, "llama") == 0) {
            struct llm_llama_stats st;
            llm_llama_stats(be, &st);
            rc = buf_printf(b,
                            "# HELP agentgate_llama_sequences Turns decoding (active) or waiting "
                            "for a sequence (queued).\n"
                            "# TYPE agentgate_llama_sequences gauge\n"
                            "agentgate_llama_sequences{state=\"active\"} %u\n"
                            "agentgate_llama_sequences{state=\"queued\"} %u\n"
                            "# HELP agentgate_llama_tokens_decoded_total Tokens through "
                            "llama_decode (prompts and answers).\n"
                            "# TYPE agentgate_llama_tokens_decoded_total counter\n"
                            "agentgate_llama_tokens_decoded_total %llu\n"
                            "# HELP agentgate_llama_prefix_reused_tokens_total Prompt tokens "
                            "copied from the shared system prefix instead of decoded.\n"
                            "# TYPE agentgate_llama_prefix_reused_tokens_total counter\n"
                            "agentgate_llama_prefix_reused_tokens_total %llu\n",
                            st.active, st.queued, (unsigned long long)st.decoded_tokens,
                            (unsigned long long)st.prefix_reused_tokens);
        } else if (strcmp(be->kind, "openai") == 0) {
            struct llm_upstream_stats us[LLM_MAX_UPSTREAMS];
            size_t n = 0;
            llm_openai_stats(be, us, LLM_MAX_UPSTREAMS, &n);
            rc = buf_append_str(b, "# HELP agentgate_upstream_up The upstream's last health "
                                   "probe passed (1) or failed (0).\n"
                                   "# TYPE agentgate_upstream_up gauge\n"
                                   "# HELP agentgate_upstream_breaker Circuit breaker: 0 closed, "
                                   "1 open, 2 half-open.\n"
                                   "# TYPE agentgate_upstream_breaker gauge\n"
                                   "# HELP agentgate_upstream_tries_total Requests sent to the "
                                   "upstream, retries included, and those that failed.\n"
                                   "# TYPE agentgate_upstream_tries_total counter\n");
            for (size_t k = 0; k < n && k < LLM_MAX_UPSTREAMS && rc == AG_OK; k++)
                rc = buf_printf(b,
                                "agentgate_upstream_up{upstream=\"%s\"} %d\n"
                                "agentgate_upstream_breaker{upstream=\"%s\"} %d\n"
                                "agentgate_upstream_tries_total{upstream=\"%s\",result=\"all\"} "
                                "%llu\n"
                                "agentgate_upstream_tries_total{upstream=\"%s\",result="
                                "\"failed\"} %llu\n",
                                us[k].name, us[k].healthy ? 1 : 0, us[k].name, (int)us[k].breaker,
                                us[k].name, (unsigned long long)us[k].requests, us[k].name,
                                (unsigned long long)us[k].failures);
        }
    }
    return rc;
}

static void h_metrics(struct http_server *s, struct MHD_Connection *c, struct request *r)
{
    struct auth_identity who;
    if (!authorize(s, c, r, &who))
        return;
    struct buf b;
    buf_init(&b, 1u << 20);
    if (metrics_render(s->env->metrics, &b) == AG_OK && render_backends(s->env, &b) == AG_OK &&
        buf_printf(&b,
                   "# HELP agentgate_limit_turns_in_flight Turns holding a slot of "
                   "limit_concurrent_per_key.\n"
                   "# TYPE agentgate_limit_turns_in_flight gauge\n"
                   "agentgate_limit_turns_in_flight %llu\n",
                   (unsigned long long)(s->env->limit ? limit_conc_in_flight(s->env->limit) : 0)) ==
            AG_OK)
        send_reply(c, r, 200, "text/plain; version=0.0.4", buf_cstr(&b), b.len, NULL, 0);
    else
        send_error(c, r, 500, "server_error", "render_failed", "metrics could not be rendered");
    buf_release(&b);
}

/* Parse an optional unsigned query parameter; false (and a 400 sent) when malformed. */
static bool query_u64(struct MHD_Connection *c, struct request *r, const char *name, uint64_t max,
                      uint64_t *v)
{
    const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    if (!s)
        return true;
    if (str_to_u64(str_from_cstr(s), v) != AG_OK || *v > max) {
        char msg[96];
        snprintf(msg, sizeof(msg), "query parameter '%s' must be a whole number up to %llu", name,
                 (unsigned long long)max);
        send_error(c, r, 400, "invalid_request", "bad_value", msg);
        return false;
    }
    return true;
}

/* Send JSON value o (a new reference, NULL when building it failed) as a 200 reply of at
 * most max bytes; 500 when it cannot be rendered. */
static void send_value(struct MHD_Connection *c, struct request *r, json_t *o, size_t max)
{
    struct buf b;
    buf_init(&b, max);
    if (o && json_dump_buf(o, &b) == AG_OK)
        send_reply(c, r, 200, "application/json", buf_cstr(&b), b.len, NULL, 0);
    else
        send_error(c, r, 500, "server_error", "render_failed", "the reply could not be rendered");
    json_decref(o);
    buf_release(&b);
}

/* Parse an optional string query parameter of 1..max bytes without control characters;
 * false (and a 400 sent) when malformed. */
static bool query_str(struct MHD_Connection *c, struct request *r, const char *name, size_t max,
                      const char **v)
{
    const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    if (!s)
        return true;
    size_t n = strnlen(s, max + 1);
    bool ok = n > 0 && n <= max;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)s[i] >= 0x20 && s[i] != 0x7f;
    if (!ok) {
        char msg[112];
        snprintf(msg, sizeof(msg), "query parameter '%s' must be 1 to %zu printable bytes", name,
                 max);
        send_error(c, r, 400, "invalid_request", "bad_value", msg);
        return false;
    }
    *v = s;
    return true;
}

/* GET /v1/audit: the caller's tenant's records, newest first, filtered by time (ms since
 * the epoch), subject and outcome, paged with before. */
static void h_audit(struct http_server *s, struct MHD_Connection *c, struct request *r)
{
    struct auth_identity who;
    if (!authorize(s, c, r, &who))
        return;
    uint64_t limit = 50, before = 0, from = 0, to = 0;
    struct audit_filter f = {.tenant = who.tenant};
    if (!query_u64(c, r, "limit", s->env->cfg->audit_page_max, &limit) ||
        !query_u64(c, r, "before", INT64_MAX, &before) ||
        !query_u64(c, r, "from", INT64_MAX, &from) || !query_u64(c, r, "to", INT64_MAX, &to) ||
        !query_str(c, r, "subject", AUDIT_MAX_ID, &f.subject) ||
        !query_str(c, r, "outcome", 63, &f.outcome))
        return;
    if (limit == 0) {
        send_error(c, r, 400, "invalid_request", "bad_value", "limit must be at least 1");
        return;
    }
    f.limit = (unsigned)limit;
    f.before = (int64_t)before;
    f.from_ms = (int64_t)from;
    f.to_ms = (int64_t)to;
    json_t *records = NULL;
    int64_t next = 0;
    if (audit_list(s->env->audit, &f, &records, &next) != AG_OK) {
        send_error(c, r, 503, "server_error", "audit_unavailable", "the audit log is unavailable");
        return;
    }
    json_t *o = json_pack("{s:o, s:o}", "records", records, "next_before",
                          next ? json_integer(next) : json_null());
    send_value(c, r, o, 16u << 20);
}

/* The reply to a failed audit call: AG_EINVAL means the caller's value was bad (400 with
 * einval_msg), anything else that the audit log is unavailable (503). False for AG_OK,
 * when nothing was sent and the handler replies itself. */
static bool send_audit_error(struct MHD_Connection *c, struct request *r, ag_err rc,
                             const char *einval_msg)
{
    if (rc == AG_OK)
        return false;
    if (rc == AG_EINVAL)
        send_error(c, r, 400, "invalid_request", "bad_value", einval_msg);
    else
        send_error(c, r, 503, "server_error", "audit_unavailable", "the audit log is unavailable");
    return true;
}

/* GET /v1/traces/{id}: the full trace of one turn of the caller's tenant, from its audit
 * record (durable and in the chain, so a trace cannot be edited after the fact). */
static void h_trace(struct http_server *s, struct MHD_Connection *c, struct request *r)
{
    struct auth_identity who;
    if (!authorize(s, c, r, &who))
        return;
    json_t *o = NULL;
    ag_err rc = audit_trace(s->env->audit, who.tenant, r->param, &o);
    if (rc == AG_ENOTFOUND)
        send_error(c, r, 404, "not_found", "no_trace", "no turn with this trace id");
    else if (!send_audit_error(c, r, rc, "not a valid trace id"))
        send_value(c, r, o, 16u << 20);
}

/* ---- /v1/subjects/{id}: GDPR access, erasure and consent -------------------------------- */

static void actor_of(const struct auth_identity *who, char *out, size_t cap)
{
    snprintf(out, cap, "key:%s", who->key_id);
}

static void h_subject_export(struct http_server *s, struct MHD_Connection *c, struct request *r)
{
    struct auth_identity who;
    if (!authorize(s, c, r, &who))
        return;
    json_t *o = NULL;
    ag_err rc = audit_subject_export(s->env->audit, who.tenant, r->param, &o);
    if (send_audit_error(c, r, rc, "not a valid subject id"))
        return;
    send_value(c, r, o, 64u << 20);
}

static void h_subject_erase(struct http_server *s, struct MHD_Connection *c, struct request *r)
{
    struct auth_identity who;
    if (!authorize(s, c, r, &who))
        return;
    char actor[64];
    actor_of(&who, actor, sizeof(actor));
    int64_t erased = 0, seq = 0;
    ag_err rc = audit_subject_erase(s->env->audit, who.tenant, r->param, actor, &erased, &seq);
    if (send_audit_error(c, r, rc, "not a valid subject id"))
        return;
    send_value(c, r,
               json_pack("{s:s, s:I, s:I}", "subject", r->param, "content_erased",
                         (json_int_t)erased, "audit_seq", (json_int_t)seq),
               4096);
}

/* POST /v1/subjects/{id}/consent {"purpose", "granted", "policy_version"?} */
static void h_subject_consent(struct http_server *s, struct MHD_Connection *c, struct request *r)
{
    struct auth_identity who;
    if (!authorize(s, c, r, &who))
        return;
    char why[200];
    json_t *body = NULL;
    if (json_parse_object(r->body.p ? r->body.p : "", r->body.len, 4, &body, why, sizeof(why)) !=
        AG_OK) {
        send_error(c, r, 400, "invalid_request", "bad_json", why);
        return;
    }
    const char *key;
    json_t *v, *purpose = json_object_get(body, "purpose"),
               *granted = json_object_get(body, "granted"),
               *version = json_object_get(body, "policy_version");
    const char *bad = NULL;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "purpose") != 0 && strcmp(key, "granted") != 0 &&
            strcmp(key, "policy_version") != 0)
            bad = "unknown field: only purpose, granted and policy_version";
    }
    if (!bad && (!json_is_string(purpose) || !json_is_boolean(granted) ||
                 (version && !json_is_string(version))))
        bad = "purpose (string) and granted (boolean) are required; policy_version is a string";
    int64_t seq = 0;
    char actor[64];
    actor_of(&who, actor, sizeof(actor));
    ag_err rc = bad ? AG_EINVAL
                    : audit_consent_set(s->env->audit, who.tenant, r->param,
                                        json_string_value(purpose), json_is_true(granted),
                                        version ? json_string_value(version)
                                                : s->env->cfg->consent_policy_version,
                                        actor, &seq);
    if (!send_audit_error(c, r, rc,
                          bad ? bad : "purpose and policy_version must be 1 to 64 printable bytes"))
        send_value(c, r,
                   json_pack("{s:s, s:O, s:b, s:I}", "subject", r->param, "purpose", purpose,
                             "granted", json_is_true(granted), "audit_seq", (json_int_t)seq),
                   4096);
    json_decref(body);
}

/* ---- POST /v1/chat/completions ---------------------------------------------------------- */

static void job_unref(struct chat_job *j)
{
    pthread_mutex_lock(&j->mu);
    bool last = --j->refs == 0;
    pthread_mutex_unlock(&j->mu);
    if (!last)
        return;
    turn_release(&j->t);
    buf_release(&j->pending);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

/* Wake the connection if it waits for the worker (j->mu held). */
static void job_wake(struct chat_job *j)
{
    if (j->suspended) {
        j->suspended = false;
        MHD_resume_connection(j->c);
    }
}

/* The turn's streaming sink: each piece of answer text becomes one SSE chunk. */
static bool job_sink(void *ctx, const char *text, size_t n)
{
    struct chat_job *j = ctx;
    pthread_mutex_lock(&j->mu);
    ag_err rc = chat_sse_chunk(&j->t, NULL, text, n, NULL, &j->pending);
    job_wake(j);
    pthread_mutex_unlock(&j->mu);
    return rc == AG_OK && !atomic_load(&j->cancel);
}

static void job_main(void *arg)
{
    struct chat_job *j = arg;
    pipeline_finish(&j->t);
    pthread_mutex_lock(&j->s->jobs_mu);
    DLIST_UNLINK(j->s->jobs, j);
    pthread_mutex_unlock(&j->s->jobs_mu);
    pthread_mutex_lock(&j->mu);
    if (j->t.stream && buf_append(&j->pending, j->t.response.p, j->t.response.len) != AG_OK)
        log_error("http: stream tail lost trace=%s", j->t.trace_id);
    tpool_release(j->s->workers);
    j->done = true;
    job_wake(j);
    pthread_mutex_unlock(&j->mu);
    job_unref(j);
}

/* MHD asks for more of a streamed reply: what is pending, the end, or (nothing yet) the
 * connection suspends until the worker has more. */
static ssize_t job_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct chat_job *j = cls;
    (void)pos;
    pthread_mutex_lock(&j->mu);
    size_t avail = j->pending.len - j->sent;
    if (avail) {
        size_t n = avail < max ? avail : max;
        memcpy(buf, j->pending.p + j->sent, n);
        j->sent += n;
        if (j->sent == j->pending.len) {
            buf_reset(&j->pending);
            j->sent = 0;
        }
        pthread_mutex_unlock(&j->mu);
        return (ssize_t)n;
    }
    if (j->done) {
        pthread_mutex_unlock(&j->mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    j->suspended = true;
    MHD_suspend_connection(j->c);
    pthread_mutex_unlock(&j->mu);
    return 0;
}

static void job_read_done(void *cls)
{
    job_unref(cls);
}

/* Does answering this turn need a model (so a worker thread), or only the extractive
 * answer (microseconds: answered on this thread)? */
static bool generates(const struct agent_env *env)
{
    return env->n_backends > 0 && strcmp(env->backends[0]->kind, "extractive") != 0;
}

/* POST /v1/ask and POST /v1/chat/completions: the pipeline. The stages before generate
 * run here; a turn that goes on to a model is finished on a worker while the connection
 * is suspended (JSON) or streams its answer (SSE, chat only). */
static void h_turn(struct http_server *s, struct MHD_Connection *c, struct request *r)
{
    if (r->job) { /* resumed: the worker finished a JSON reply */
        struct chat_job *j = r->job;
        r->rl = &j->t;
        send_json(c, r, j->t.status, buf_cstr(&j->t.response), j->t.trace_id,
                  j->t.status == 429 || j->t.status == 503 ? j->t.retry_after_s : 0);
        r->rl = NULL;
        return;
    }
    struct chat_job *j = calloc(1, sizeof(*j));
    if (!j || turn_init(&j->t, s->env) != AG_OK) {
        if (j)
            turn_release(&j->t);
        free(j);
        send_error(c, r, 500, "server_error", "no_memory", "the request could not be started");
        return;
    }
    pthread_mutex_init(&j->mu, NULL);
    atomic_init(&j->cancel, false);
    buf_init(&j->pending, (size_t)64 << 20);
    j->s = s;
    j->c = c;
    j->refs = 1; /* the connection's */
    struct turn *t = &j->t;
    t->chat = strcmp(r->route->path, "/v1/chat/completions") == 0;
    t->created = clock_wall_ms() / 1000;
    t->body = buf_cstr(&r->body);
    t->body_len = r->body.len;
    t->authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    t->allowed_roles = r->route->roles;
    client_ip(c, t->client_ip, sizeof(t->client_ip));
    t->cancel = &j->cancel;
    r->job = j;
    if (pipeline_prepare(t) && generates(s->env)) {
        /* refs before submitting: the worker may finish before this thread goes on */
        pthread_mutex_lock(&j->mu);
        j->refs++; /* the worker's */
        if (t->stream)
            j->refs++; /* the streamed response's */
        pthread_mutex_unlock(&j->mu);
        struct MHD_Response *resp =
            t->stream ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, job_read, j,
                                                          job_read_done)
                      : NULL;
        if (t->stream && (!resp || chat_sse_chunk(t, "assistant", "", 0, NULL, &j->pending))) {
            if (resp)
                MHD_destroy_response(resp); /* drops the response's ref */
            else
                j->refs--;
            j->refs--;
            turn_fail(t, 500, "server_error", "no_memory", "the reply could not be started");
            t->stopped = true;
            t->stream = false;
        } else {
            if (t->stream) {
                t->sink = job_sink;
                t->sink_ctx = j;
            }
            pthread_mutex_lock(&s->jobs_mu);
            DLIST_PUSH(s->jobs, j);
            pthread_mutex_unlock(&s->jobs_mu);
            /* hold the job's lock until the connection is suspended: the worker's wake-up
             * must not come first */
            pthread_mutex_lock(&j->mu);
            if (tpool_submit(s->workers, &j->work, job_main, j) == AG_OK) {
                if (t->stream) {
                    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
                    MHD_add_response_header(resp, "X-Trace-Id", t->trace_id);
                    add_ratelimit(resp, t);
                    queue_reply(c, r, 200, resp);
                } else {
                    j->suspended = true;
                    MHD_suspend_connection(c);
                }
                pthread_mutex_unlock(&j->mu);
                return;
            }
            pthread_mutex_unlock(&j->mu);
            pthread_mutex_lock(&s->jobs_mu);
            DLIST_UNLINK(s->jobs, j);
            pthread_mutex_unlock(&s->jobs_mu);
            t->sink = NULL;
            if (resp)
                MHD_destroy_response(resp);
            j->refs--; /* the worker's */
            turn_fail(t, 503, "server_error", "overloaded",
                      "too many answers are being generated; retry shortly");
            t->retry_after_s = 1;
            t->stopped = true;
        }
    }
    /* answered without a worker: the extractive answer, or refused */
    pipeline_finish(t);
    r->rl = t;
    if (t->chat && t->stream && t->status == 200)
        send_reply(c, r, 200, "text/event-stream", t->response.p, t->response.len, t->trace_id, 0);
    else
        send_json(c, r, t->status, buf_cstr(&t->response), t->trace_id,
                  t->status == 429 || t->status == 503 ? t->retry_after_s : 0);
    r->rl = NULL; /* the turn may go before the request */
}

static void h_models(struct http_server *s, struct MHD_Connection *c, struct request *r)
{
    struct auth_identity who;
    if (!authorize(s, c, r, &who))
        return;
    json_t *o =
        json_pack("{s:s, s:[{s:s, s:s, s:i, s:s}]}", "object", "list", "data", "id",
                  s->env->model_id, "object", "model", "created", 0, "owned_by", "agentgate");
    send_value(c, r, o, 1u << 16);
}

/* OPTIONS on a known route: a CORS preflight. Browsers send it without credentials, so
 * its rule is AUTH_PUBLIC; it reveals only what the route accepts. An allowed Origin gets
 * 204 with the route's method and the request headers the API reads; any other Origin
 * 403 (and no CORS headers); an OPTIONS without Origin is no preflight and gets 204 with
 * Allow (RFC 9110 §9.3.7). */
static void h_preflight(struct http_server *s, struct MHD_Connection *c, struct request *r)
{
    (void)s;
    if (!r->cors_origin && MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin")) {
        send_error(c, r, 403, "permission_error", "cors_forbidden",
                   "this origin may not call the API from a browser");
        return;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return;
    char methods[64];
    if (r->cors_origin) {
        methods_of(r->route->path, false, methods, sizeof(methods));
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", methods);
        MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    }
    methods_of(r->route->path, true, methods, sizeof(methods));
    MHD_add_response_header(resp, "Allow", methods);
    queue_reply(c, r, 204, resp);
}

static const struct route routes[] = {
    {"GET", "/healthz", AUTH_PUBLIC, h_healthz},
    {"GET", "/readyz", AUTH_PUBLIC, h_readyz},
    {"GET", "/metrics", AUTH_ROLE_ADMIN, h_metrics},
    {"POST", "/v1/ask", AUTH_ANY_ROLE, h_turn},
    {"POST", "/v1/chat/completions", AUTH_ANY_ROLE, h_turn},
    {"GET", "/v1/models", AUTH_ANY_ROLE, h_models},
    {"GET", "/v1/audit", AUTH_ROLE_ADMIN, h_audit},
    {"GET", "/v1/traces/{id}", AUTH_ROLE_REVIEWER | AUTH_ROLE_ADMIN, h_trace},
    {"GET", "/v1/subjects/{id}/export", AUTH_ROLE_ADMIN, h_subject_export},
    {"DELETE", "/v1/subjects/{id}", AUTH_ROLE_ADMIN, h_subject_erase},
    {"POST", "/v1/subjects/{id}/consent", AUTH_ROLE_CLIENT | AUTH_ROLE_ADMIN, h_subject_consent},
    /* CORS preflights: public on every route, and nothing else */
    {"OPTIONS", "/healthz", AUTH_PUBLIC, h_preflight},
    {"OPTIONS", "/readyz", AUTH_PUBLIC, h_preflight},
    {"OPTIONS", "/metrics", AUTH_PUBLIC, h_preflight},
    {"OPTIONS", "/v1/ask", AUTH_PUBLIC, h_preflight},
    {"OPTIONS", "/v1/chat/completions", AUTH_PUBLIC, h_preflight},
    {"OPTIONS", "/v1/models", AUTH_PUBLIC, h_preflight},
    {"OPTIONS", "/v1/audit", AUTH_PUBLIC, h_preflight},
    {"OPTIONS", "/v1/traces/{id}", AUTH_PUBLIC, h_preflight},
    {"OPTIONS", "/v1/subjects/{id}/export", AUTH_PUBLIC, h_preflight},
    {"OPTIONS", "/v1/subjects/{id}", AUTH_PUBLIC, h_preflight},
    {"OPTIONS", "/v1/subjects/{id}/consent", AUTH_PUBLIC, h_preflight},
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* The methods the routes table has for path, ", "-separated, OPTIONS only when asked. */
static void methods_of(const char *path, bool with_options, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (strcmp(routes[i].path, path) != 0 ||
            (!with_options && strcmp(routes[i].method, "OPTIONS") == 0))
            continue;
        int k = snprintf(out + len, n - len, "%s%s", len ? ", " : "", routes[i].method);
        if (k < 0 || (size_t)k >= n - len)
            return; /* cut: the table's methods fit in 64 bytes */
        len += (size_t)k;
    }
}

/* Does url match the route's path? A "{id}" segment matches one segment of 1 to
 * AUDIT_MAX_ID printable bytes, copied into param. */
static bool path_matches(const char *pattern, const char *url, char *param, size_t cap)
{
    const char *brace = strstr(pattern, "{id}");
    if (!brace)
        return strcmp(pattern, url) == 0;
    size_t pre = (size_t)(brace - pattern);
    if (strncmp(pattern, url, pre) != 0)
        return false;
    const char *seg = url + pre, *end = strchr(seg, '/');
    size_t n = end ? (size_t)(end - seg) : strlen(seg);
    if (n == 0 || n >= cap || strcmp(brace + 4, seg + n) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)seg[i] < 0x20 || seg[i] == 0x7f)
            return false;
    memcpy(param, seg, n);
    param[n] = '\0';
    return true;
}

size_t http_route_count(void)
{
    return sizeof(routes) / sizeof(routes[0]);
}

struct http_route_info http_route_at(size_t i)
{
    if (i >= http_route_count())
        return (struct http_route_info){NULL, NULL, 0};
    return (struct http_route_info){routes[i].method, routes[i].path, routes[i].roles};
}

/* ---- libmicrohttpd callbacks ------------------------------------------------------------- */

/* The configured origin equal to the request's Origin (exact bytes), as origin; or NULL. */
static const char *cors_match(const char *list, const char *origin)
{
    if (!origin || !list[0])
        return NULL;
    size_t n = strlen(origin);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        const char *b = p, *e = comma ? comma : p + strlen(p);
        p = comma ? comma + 1 : e;
        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        if ((size_t)(e - b) == n && memcmp(b, origin, n) == 0)
            return origin;
    }
    return NULL;
}

struct header_tally {
    unsigned n;
    size_t bytes;
};

static enum MHD_Result tally_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    struct header_tally *t = cls;
    (void)kind;
    t->n++;
    t->bytes += strlen(key) + (value ? strlen(value) : 0);
    return MHD_YES;
}

/* The first call for a request: its headers are in, its body (if any) is not. */
static enum MHD_Result begin_request(struct http_server *s, struct MHD_Connection *c,
                                     const char *url, const char *method, void **con_cls)
{
    const struct config *cfg = s->env->cfg;
    struct request *r = calloc(1, sizeof(*r));
    if (!r)
        return MHD_NO;
    r->s = s;
    r->t0 = clock_mono_ns();
    r->metrics = s->env->metrics;
    buf_init(&r->body, cfg->max_body_bytes);
    *con_cls = r;
    long inflight = atomic_fetch_add(&s->inflight, 1) + 1;
    metrics_inflight(s->env->metrics, 1);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    r->conn = ci ? ci->socket_context : NULL;
    conn_set(s, r->conn, CONN_READING);
    r->cors_origin =
        cors_match(cfg->cors_origins, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"));
    const struct route *path_match = NULL;
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!path_matches(routes[i].path, url, r->param, sizeof(r->param)))
            continue;
        path_match = &routes[i];
        if (strcmp(routes[i].method, method) == 0) {
            r->route = &routes[i];
            break;
        }
    }
    /* libmicrohttpd's memory limit (set from max_header_bytes in http_start) stops a
     * huge header block before this; these caps answer the rest with a JSON 431 */
    struct header_tally t = {0, 0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, tally_header, &t);
    if (t.n > cfg->max_header_count || t.bytes > cfg->max_header_bytes) {
        bool count = t.n > cfg->max_header_count;
        metrics_http_rejected(r->metrics, count ? "header_count" : "header_bytes");
        return send_error(c, r, 431, "invalid_request",
                          count ? "too_many_headers" : "headers_too_large",
                          count ? "more request headers than the configured limit"
                                : "request headers larger than the configured limit");
    }
    /* Refuse at once rather than queue: a client told to come back in a second does better
     * than one whose request waits behind thousands. Liveness is never refused. */
    if (inflight > (long)cfg->max_inflight && !(r->route && r->route->fn == h_healthz)) {
        metrics_http_rejected(r->metrics, "overloaded");
        return send_error_retry(c, r, 503, "server_error", "overloaded",
                                "too many requests in flight; retry shortly", 1);
    }
    if (!r->route) {
        r->route = path_match; /* for the Allow header */
        if (path_match)
            return send_error(c, r, 405, "invalid_request", "method_not_allowed",
                              "method not allowed on this route");
        return send_error(c, r, 404, "not_found", "no_route", "no such route");
    }
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    uint64_t n;
    if (cl && str_to_u64(str_from_cstr(cl), &n) == AG_OK && n > cfg->max_body_bytes)
        return send_error(c, r, 413, "invalid_request", "too_big",
                          "request body larger than the configured limit");
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct http_server *s = cls;
    struct request *r = *con_cls;
    (void)version;
    if (!r)
        return begin_request(s, c, url, method, con_cls);
    if (r->job && !r->status) { /* resumed after the worker finished */
        r->route->fn(s, c, r);
        return r->status ? MHD_YES : MHD_NO;
    }
    if (r->status) /* a reply was queued already; discard the rest of the body */
        return MHD_YES;
    if (*upload_size) {
        if (!r->too_big && buf_append(&r->body, upload, *upload_size) != AG_OK)
            r->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    conn_set(s, r->conn, CONN_ANSWERING); /* the whole request is in */
    if (r->too_big)
        return send_error(c, r, 413, "invalid_request", "too_big",
                          "request body larger than the configured limit");
    r->route->fn(s, c, r);
    if (!r->status && !r->job)
        return MHD_NO; /* a handler could not queue a reply: close the connection */
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct request *r = *con_cls;
    (void)c;
    if (!r)
        return;
    if (!r->status) /* no reply was queued: the client went away (nginx's 499) */
        metrics_request(s->env->metrics, r->route ? r->route->path : "other", 499);
    if (r->job) {
        if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
            atomic_store(&r->job->cancel, true); /* the client is gone: stop generating */
        job_unref(r->job);
    }
    conn_set(s, r->conn, CONN_IDLE);
    metrics_inflight(s->env->metrics, -1);
    buf_release(&r->body);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

static ag_err parse_listen(const char *listen, struct sockaddr_in *sa)
{
    const char *colon = strrchr(listen, ':');
    char host[64];
    uint64_t port;
    if (!colon || (size_t)(colon - listen) >= sizeof(host) ||
        str_to_u64(str_from_cstr(colon + 1), &port) != AG_OK || port > 65535)
        return AG_EINVAL;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return AG_EINVAL;
    return AG_OK;
}

/* ---- TLS ---------------------------------------------------------------------------------- */

/* GnuTLS priorities: TLS 1.3 and 1.2 only; AEAD ciphers only (AES-GCM, ChaCha20-Poly1305);
 * key exchange by ECDHE only (forward secrecy: no static RSA, no finite-field DHE, whose
 * group the client cannot check); the server's order wins. NORMAL keeps GnuTLS's (and the
 * system policy's) signature algorithms and safe-renegotiation defaults. */
static const char tls_priorities[] =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"
    "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-GROUP-ALL:"
    "+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:%SERVER_PRECEDENCE";

#define TLS_FILE_MAX ((off_t)1 << 20)

/* Read the PEM file that config key `key` names into *out (exactly its size plus a NUL:
 * libmicrohttpd takes C strings, and one buffer that is never grown leaves no stray copy
 * of a private key behind). AG_ECONFIG, logged with the key and path (never content). */
static ag_err read_pem(const char *key, const char *path, char **out, size_t *len)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        log_error("http: %s '%s': cannot read: %s", key, path, strerror(e));
        return AG_ECONFIG;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        st.st_size > TLS_FILE_MAX) {
        log_error("http: %s '%s': not a PEM file (want a regular file of 1 byte to 1 MiB)", key,
                  path);
        close(fd);
        return AG_ECONFIG;
    }
    size_t n = (size_t)st.st_size, got = 0;
    char *p = malloc(n + 1);
    while (p && got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    int e = errno;
    close(fd);
    if (!p || got != n) {
        log_error("http: %s '%s': cannot read: %s", key, path,
                  p ? (got < n ? "file shrank or read failed" : strerror(e)) : "no memory");
        if (p)
            crypto_wipe(p, n);
        free(p);
        return AG_ECONFIG;
    }
    p[n] = '\0';
    if (memchr(p, '\0', n)) {
        log_error("http: %s '%s': not a PEM file (binary content; DER is not accepted)", key, path);
        crypto_wipe(p, n);
        free(p);
        return AG_ECONFIG;
    }
    *out = p;
    *len = n;
    return AG_OK;
}

/* Read and check tls_cert_file and tls_key_file into s->tls_cert and s->tls_key. */
static ag_err tls_load(struct http_server *s)
{
    const struct config *cfg = s->env->cfg;
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        log_error("http: tls_cert_file is set but this libmicrohttpd was built without TLS");
        return AG_ECONFIG;
    }
    size_t cert_len = 0;
    if (read_pem("tls_cert_file", cfg->tls_cert_file, &s->tls_cert, &cert_len) != AG_OK ||
        read_pem("tls_key_file", cfg->tls_key_file, &s->tls_key, &s->tls_key_len) != AG_OK)
        return AG_ECONFIG;
    switch (crypto_pem_check(s->tls_cert, cert_len, s->tls_key, s->tls_key_len)) {
    case CRYPTO_PEM_OK:
        return AG_OK;
    case CRYPTO_PEM_BAD_CERT:
        log_error("http: tls_cert_file '%s': no PEM certificate in it", cfg->tls_cert_file);
        break;
    case CRYPTO_PEM_BAD_KEY:
        log_error("http: tls_key_file '%s': no PEM private key in it (or one that needs a "
                  "passphrase)",
                  cfg->tls_key_file);
        break;
    case CRYPTO_PEM_MISMATCH:
        log_error("http: tls_key_file '%s' is not the key of the certificate in tls_cert_file "
                  "'%s'",
                  cfg->tls_key_file, cfg->tls_cert_file);
        break;
    }
    return AG_ECONFIG;
}

/* ---- start and stop -------------------------------------------------------------------- */

/* libmicrohttpd's own messages, one log line each in our format. While the daemon starts
 * they are ours to fix (a port in use, a certificate GnuTLS refuses): warn. Once it runs
 * they are about clients (a failed TLS handshake, a peer that closed mid-request), which
 * anyone can cause at will: debug, so they cannot flood the log. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    const struct http_server *s = cls;
    enum log_level lvl = atomic_load(&s->running) ? LOG_DEBUG : LOG_WARN;
    if (lvl < log_min_level)
        return;
    char msg[256];
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (n < 0)
        return;
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        msg[--len] = '\0';
    log_write(lvl, "http: libmicrohttpd: %s", msg);
}

/* Free what http_start made (the daemon and the reaper are already stopped). */
static void server_free(struct http_server *s)
{
    for (struct conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    if (s->tls_key)
        crypto_wipe(s->tls_key, s->tls_key_len);
    free(s->tls_key);
    free(s->tls_cert);
    pthread_cond_destroy(&s->reaper_cv);
    pthread_mutex_destroy(&s->conns_mu);
    pthread_mutex_destroy(&s->jobs_mu);
    free(s);
}

ag_err http_start(const struct agent_env *env, struct http_server **out)
{
    const struct config *cfg = env->cfg;
    struct sockaddr_in sa;
    if (parse_listen(cfg->listen, &sa) != AG_OK) {
        log_error("http: listen address '%s' is not IPv4 HOST:PORT", cfg->listen);
        return AG_ECONFIG;
    }
    struct http_server *s = calloc(1, sizeof(*s));
    if (!s)
        return AG_ENOMEM;
    s->env = env;
    atomic_init(&s->inflight, 0);
    atomic_init(&s->draining, false);
    atomic_init(&s->running, false);
    pthread_mutex_init(&s->jobs_mu, NULL);
    pthread_mutex_init(&s->conns_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->reaper_cv, &ca);
    pthread_condattr_destroy(&ca);
    s->tls = cfg->tls_cert_file[0] != '\0';
    if (s->tls && tls_load(s) != AG_OK) {
        server_free(s);
        return AG_ECONFIG;
    }
    if (tpool_create(cfg->gen_workers, cfg->llm_queue, &s->workers) != AG_OK) {
        log_error("http: cannot start %u generation workers", cfg->gen_workers);
        server_free(s);
        return AG_ENOMEM;
    }
    /* A connection's memory pool holds the request line, the header block, the parsed
     * headers and the reply's headers: room for max_header_bytes of names and values
     * twice over, so that our JSON 431 answers before libmicrohttpd's own limit does. */
    size_t pool = 2 * cfg->max_header_bytes + (size_t)cfg->max_header_count * 96 + 32768;
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)tls_priorities},
        {MHD_OPTION_END, 0, NULL},
    };
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: it sets SO_REUSEPORT, and a second process
     * on the same port would then silently share its connections instead of failing. */
    s->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
            MHD_USE_ERROR_LOG | (s->tls ? MHD_USE_TLS : 0),
        0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, /* first */
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)cfg->threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)cfg->idle_timeout_s, MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->max_conns_per_ip,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool, MHD_OPTION_ARRAY,
        s->tls ? tls_opts : &tls_opts[3], MHD_OPTION_END);
    if (!s->d) {
        log_error("http: cannot %s on %s (see the line above)",
                  s->tls ? "start TLS and listen" : "listen", cfg->listen);
        tpool_destroy(s->workers);
        server_free(s);
        return AG_EIO;
    }
    atomic_store(&s->running, true);
    if (pthread_create(&s->reaper, NULL, reaper_main, s) != 0) {
        log_error("http: cannot start the request deadline thread");
        MHD_stop_daemon(s->d);
        tpool_destroy(s->workers);
        server_free(s);
        return AG_ENOMEM;
    }
    /* Port 0 asks the kernel for a free port: the log names the one bound. */
    const union MHD_DaemonInfo *bound = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host));
    log_info("http: listening on %s://%s:%u threads=%u max_inflight=%u request_timeout_s=%u",
             s->tls ? "https" : "http", host,
             bound ? (unsigned)bound->port : (unsigned)ntohs(sa.sin_port), cfg->threads,
             cfg->max_inflight, cfg->request_timeout_s);
    *out = s;
    return AG_OK;
}

unsigned http_stop(struct http_server *s, unsigned timeout_s)
{
    if (!s)
        return 0;
    atomic_store(&s->draining, true);
    MHD_socket fd = MHD_quiesce_daemon(s->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    uint64_t deadline = clock_mono_ns() + (uint64_t)timeout_s * 1000000000u;
    while (atomic_load(&s->inflight) > 0 && clock_mono_ns() < deadline)
        usleep(10000);
    if (atomic_load(&s->inflight) > 0) {
        /* out of time: cancel the answers still generating, so their connections resume
         * (MHD must not stop with a suspended connection) */
        pthread_mutex_lock(&s->jobs_mu);
        for (struct chat_job *j = s->jobs; j; j = j->next)
            atomic_store(&j->cancel, true);
        pthread_mutex_unlock(&s->jobs_mu);
        for (int i = 0; i < 500 && tpool_pending(s->workers) > 0; i++)
            usleep(10000);
    }
    long left = atomic_load(&s->inflight);
    log_info("http: drained in_flight_left=%ld", left);
    tpool_destroy(s->workers); /* every job done: no connection stays suspended */
    MHD_stop_daemon(s->d);
    pthread_mutex_lock(&s->conns_mu);
    s->reaper_stop = true;
    pthread_cond_signal(&s->reaper_cv);
    pthread_mutex_unlock(&s->conns_mu);
    pthread_join(s->reaper, NULL);
    server_free(s);
    return left > 0 ? (unsigned)left : 0;
}
