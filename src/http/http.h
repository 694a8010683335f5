/*
 * http/http.h: the HTTP server (libmicrohttpd, thread pool + epoll) and its routes.
 * Handlers are thin: parse the request, run a turn through the pipeline, render.
 * THREADS: libmicrohttpd's pool owns the connections; the server's counters are atomic.
 */
#ifndef AG_HTTP_HTTP_H
#define AG_HTTP_HTTP_H

#include "agent/agent.h"
#include "core/err.h"

struct http_server;

/* Bind env->cfg->listen ("HOST:PORT", IPv4) and serve with env->cfg->threads threads. */
ag_err http_start(const struct agent_env *env, struct http_server **out);
/* Stop accepting, wait up to timeout_s for in-flight requests, then stop and free.
 * Returns the number of requests still in flight when it gave up (0 = clean drain). */
unsigned http_stop(struct http_server *s, unsigned timeout_s);

/* The routes table, for tests and `agentgate routes`: every route's method, path and
 * authorization rule (AUTH_PUBLIC or a mask of enum auth_role; never 0). */
struct http_route_info {
    const char *method, *path;
    unsigned roles;
};
size_t http_route_count(void);
/* Route i (0 .. http_route_count() - 1); all NULL and 0 past the end. */
struct http_route_info http_route_at(size_t i);

#endif
