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

#endif
