// SPDX-License-Identifier: MIT
/*
 * llm/openai.c: the `openai` backend, a pool of OpenAI-compatible upstreams (the only file
 * that includes curl.h). One loop thread owns a curl multi handle (connection reuse,
 * HTTP/2 where offered) and runs every transfer and health probe. generate() builds a
 * streaming request, hands its easy handle to the loop, and waits on the transfer's own
 * condition variable for bytes; it parses the SSE stream (the parser's API is in
 * openai_internal.h) and calls on_piece on its own thread. Upstreams are chosen by smooth
 * weighted round-robin (nginx's: deterministic, spreads each weight evenly) among those
 * whose breaker lets a request through, healthy ones first. Before the first token a
 * failure is retried (429, 5xx, connect errors; full jitter back-off) or failed over;
 * after it, any break ends the answer as LLM_FINISH_CUT.
 * THREADS: pool.mu guards the upstreams' mutable state and the pending list; each
 * transfer's mu guards its inbox and result. Lock order: pool.mu before a transfer's mu
 * (never both in practice). The loop thread owns the multi handle, the active list and the
 * probes; callers own their easy handle except while the loop holds it.
 * OWNERSHIP: API keys live only in the upstreams' header lists; they are never logged.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/log.h"
#include "llm/backend.h"
#include "llm/openai_internal.h"

#define OA_MAX_LINE        (1u << 20)  /* one SSE line */
#define OA_MAX_INBOX       (4u << 20)  /* received and not yet parsed; more fails the stream */
#define OA_MAX_BODY        (16u << 20) /* the request body */
#define OA_MAX_KEY_FILE    4096
#define OA_BACKOFF_BASE_MS 50
#define OA_BACKOFF_CAP_MS  1000
#define OA_WAKE_MS         20ull  /* a waiting caller looks at cancel this often */
#define OA_DONE_GRACE_MS   100ull /* after [DONE], wait this long for the transfer to end */
#define OA_JSON_DEPTH      32
#define MS                 1000000ull

enum oa_kind { OA_XFER, OA_PROBE };

struct oa_upstream {
    char name[64], model[64];
    char *chat_url, *models_url;
    unsigned weight;
    struct curl_slist *headers; /* fixed after create; holds the API key */
    /* guarded by pool.mu */
    long current; /* smooth weighted round-robin */
    enum llm_breaker breaker;
    unsigned fails; /* consecutive */
    uint64_t open_until_ns;
    bool trial; /* the half-open trial request is out */
    bool healthy;
    bool usage_warned;
    uint64_t requests, failures;
};

/* One try against one upstream. Lives in generate()'s frame; the loop holds it from
 * submission until it sets done. */
struct oa_xfer {
    enum oa_kind kind; /* first: CURLOPT_PRIVATE points here */
    CURL *easy;
    struct oa_xfer *next; /* pool.pending (pool.mu), then the loop's active list */
    atomic_bool abort;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* guarded by mu */
    struct buf inbox;
    bool done;
    CURLcode result;
    long status;
    long retry_after_s;
};

struct oa_probe {
    enum oa_kind kind; /* first */
    CURL *easy;
    bool in_flight;
    uint64_t next_ns;
};

struct oa_pool {
    struct llm_backend base; /* first: the backend pointer is the pool's */
    struct oa_upstream up[LLM_MAX_UPSTREAMS];
    size_t n_up;
    unsigned connect_ms, first_token_ms, total_ms, retries, breaker_failures, breaker_open_s,
        health_s;
    CURLM *multi;
    pthread_t thread;
    bool thread_started, curl_inited;
    pthread_mutex_t mu;
    struct oa_xfer *pending; /* pool.mu */
    bool stop;               /* pool.mu */
    atomic_uint_fast64_t rng;
    /* loop thread only */
    struct oa_xfer *active;
    struct oa_probe probe[LLM_MAX_UPSTREAMS];
};

/* ---- small helpers ------------------------------------------------------------------ */

static uint64_t rng_next(struct oa_pool *p)
{
    uint64_t z = atomic_fetch_add_explicit(&p->rng, 0x9e3779b97f4a7c15u, memory_order_relaxed) +
                 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static struct timespec mono_at(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / 1000000000u),
                             .tv_nsec = (long)(ns % 1000000000u)};
}

static size_t estimate_tokens(size_t bytes)
{
    return (bytes + 3) / 4;
}

static bool copy_field(char *dst, size_t cap, struct str s)
{
    if (s.len == 0 || s.len >= cap)
        return false;
    memcpy(dst, s.p, s.len);
    dst[s.len] = '\0';
    return true;
}

static char *concat(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    char *s = malloc(alen + blen + 1);
    if (!s)
        return NULL;
    memcpy(s, a, alen);
    memcpy(s + alen, b, blen + 1);
    return s;
}

/* ---- configuration ------------------------------------------------------------------ */

/* The key from key_env=VAR or key_file=PATH into key (trimmed); false with why set. */
static bool load_key(struct str opt, bool from_env, struct buf *key, const char **why)
{
    char name[512];
    if (!copy_field(name, sizeof(name), opt)) {
        *why = from_env ? "key_env needs a variable name" : "key_file needs a path";
        return false;
    }
    if (from_env) {
        const char *v = getenv(name);
        if (!v || !*v) {
            *why = "key_env names a variable that is not set";
            return false;
        }
        if (buf_append_str(key, v) != AG_OK) {
            *why = "key too long";
            return false;
        }
    } else {
        char ferr[600];
        if (buf_read_file(name, OA_MAX_KEY_FILE, key, ferr, sizeof(ferr)) != AG_OK) {
            *why = "key_file cannot be read";
            return false;
        }
    }
    while (key->len && (key->p[key->len - 1] == '\n' || key->p[key->len - 1] == '\r' ||
                        key->p[key->len - 1] == ' ' || key->p[key->len - 1] == '\t'))
        key->len--;
    if (key->len == 0) {
        *why = "the key is empty";
        return false;
    }
    for (size_t i = 0; i < key->len; i++)
        if ((unsigned char)key->p[i] < 0x21 || (unsigned char)key->p[i] == 0x7f) {
            *why = "the key holds spaces or control characters";
            return false;
        }
    return true;
}

/* The next run of non-blank bytes of *s (advanced past it); len 0 at the end. */
static struct str next_word(struct str *s)
{
    size_t i = 0;
    while (i < s->len && (s->p[i] == ' ' || s->p[i] == '\t'))
        i++;
    size_t start = i;
    while (i < s->len && s->p[i] != ' ' && s->p[i] != '\t')
        i++;
    struct str w = {s->p + start, i - start};
    s->p += i;
    s->len -= i;
    return w;
}

static bool has_prefix(struct str s, const char *pre, struct str *rest)
{
    size_t n = strlen(pre);
    if (s.len < n || memcmp(s.p, pre, n) != 0)
        return false;
    *rest = (struct str){s.p + n, s.len - n};
    return true;
}

/* Parse entry text "NAME URL MODEL [weight=N] [key_env=VAR | key_file=PATH]" into u. */
static bool parse_entry(const char *text, struct oa_upstream *u, const char **why)
{
    struct str s = str_from_cstr(text), rest;
    struct str name = next_word(&s), url = next_word(&s), model = next_word(&s);
    struct str key_opt = {NULL, 0};
    bool have_weight = false, have_key = false, key_env = false, key_from_env = false;
    struct buf key;
    buf_init(&key, OA_MAX_KEY_FILE);
    bool ok = false;
    u->weight = 1;
    if (!model.len) {
        *why = "needs NAME URL MODEL";
        goto out;
    }
    if (!copy_field(u->name, sizeof(u->name), name) ||
        !copy_field(u->model, sizeof(u->model), model)) {
        *why = "NAME and MODEL must be shorter than 64 bytes";
        goto out;
    }
    /* names go into logs and metric labels: letters, digits, '-', '_', '.' only */
    for (size_t i = 0; i < name.len; i++) {
        char c = name.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.')) {
            *why = "NAME may hold only letters, digits, '-', '_' and '.'";
            goto out;
        }
    }
    if (!has_prefix(url, "http://", &rest) && !has_prefix(url, "https://", &rest)) {
        *why = "URL must start with http:// or https://";
        goto out;
    }
    while (url.len && url.p[url.len - 1] == '/')
        url.len--;
    if (!rest.len || rest.p[0] == '/' || url.len <= (size_t)(rest.p - url.p)) {
        *why = "URL has no host";
        goto out;
    }
    for (struct str w = next_word(&s); w.len; w = next_word(&s)) {
        if (has_prefix(w, "weight=", &rest)) {
            uint64_t v = 0;
            if (have_weight || str_to_u64(rest, &v) != AG_OK || v == 0 || v > 1000) {
                *why = "weight must be given once, 1..1000";
                goto out;
            }
            u->weight = (unsigned)v;
            have_weight = true;
        } else if ((key_env = has_prefix(w, "key_env=", &rest)) ||
                   has_prefix(w, "key_file=", &rest)) {
            if (have_key) {
                *why = "give one of key_env= and key_file=, once";
                goto out;
            }
            have_key = true;
            key_from_env = key_env;
            key_opt = rest;
        } else {
            *why = "unknown option (weight=, key_env=, key_file=)";
            goto out;
        }
    }
    if (have_key && !load_key(key_opt, key_from_env, &key, why))
        goto out;
    u->chat_url = concat(url.p, url.len, "/chat/completions");
    u->models_url = concat(url.p, url.len, "/models");
    if (!u->chat_url || !u->models_url) {
        *why = "out of memory";
        goto out;
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    u->headers = h;
    if (h)
        h = curl_slist_append(h, "Accept: text/event-stream");
    if (h && have_key) {
        struct buf line;
        buf_init(&line, OA_MAX_KEY_FILE + 64);
        if (buf_printf(&line, "Authorization: Bearer %.*s", (int)key.len, key.p) == AG_OK)
            h = curl_slist_append(h, line.p);
        else
            h = NULL;
        if (line.p)
            explicit_bzero(line.p, line.cap);
        buf_release(&line);
    }
    if (!h) {
        *why = "out of memory";
        goto out;
    }
    ok = true;
out:
    if (key.p)
        explicit_bzero(key.p, key.cap);
    buf_release(&key);
    return ok;
}

/* ---- the loop thread ---------------------------------------------------------------- */

static size_t xfer_on_body(char *p, size_t size, size_t n, void *ud)
{
    struct oa_xfer *x = ud;
    long status = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299)
        return size * n; /* an error body: only the status matters */
    pthread_mutex_lock(&x->mu);
    ag_err rc = buf_append(&x->inbox, p, size * n);
    pthread_cond_signal(&x->cv);
    pthread_mutex_unlock(&x->mu);
    return rc == AG_OK ? size * n : 0; /* 0: the caller fell 4 MiB behind; fail the stream */
}

static size_t discard_body(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* Report a transfer's end; x belongs to its caller again once mu is released. */
static void xfer_finish(struct oa_xfer *x, CURLcode result, long status, long retry_after_s)
{
    pthread_mutex_lock(&x->mu);
    x->done = true;
    x->result = result;
    x->status = status;
    x->retry_after_s = retry_after_s;
    pthread_cond_signal(&x->cv);
    pthread_mutex_unlock(&x->mu);
}

static void active_unlink(struct oa_pool *p, struct oa_xfer *x)
{
    for (struct oa_xfer **pp = &p->active; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            return;
        }
}

static void probe_start(struct oa_pool *p, size_t i)
{
    struct oa_probe *pr = &p->probe[i];
    struct oa_upstream *u = &p->up[i];
    if (!pr->easy) {
        pr->easy = curl_easy_init();
        if (!pr->easy)
            return;
        curl_easy_setopt(pr->easy, CURLOPT_URL, u->models_url);
        curl_easy_setopt(pr->easy, CURLOPT_HTTPHEADER, u->headers);
        curl_easy_setopt(pr->easy, CURLOPT_PRIVATE, (void *)pr);
        curl_easy_setopt(pr->easy, CURLOPT_WRITEFUNCTION, discard_body);
        curl_easy_setopt(pr->easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(pr->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)p->connect_ms);
        curl_easy_setopt(pr->easy, CURLOPT_TIMEOUT_MS, (long)(p->connect_ms + p->first_token_ms));
        curl_easy_setopt(pr->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    }
    if (curl_multi_add_handle(p->multi, pr->easy) == CURLM_OK)
        pr->in_flight = true;
}

static void probe_done(struct oa_pool *p, struct oa_probe *pr, CURLcode res)
{
    size_t i = (size_t)(pr - p->probe);
    long status = 0;
    curl_easy_getinfo(pr->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(p->multi, pr->easy);
    pr->in_flight = false;
    pr->next_ns = clock_mono_ns() + (uint64_t)p->health_s * 1000 * MS;
    bool ok = res == CURLE_OK && status >= 200 && status <= 299;
    pthread_mutex_lock(&p->mu);
    bool was = p->up[i].healthy;
    p->up[i].healthy = ok;
    pthread_mutex_unlock(&p->mu);
    if (was && !ok)
        log_warn("llm: upstream unhealthy name=%s status=%ld curl=%d", p->up[i].name, status,
                 (int)res);
    else if (!was && ok)
        log_info("llm: upstream healthy again name=%s", p->up[i].name);
}

static void loop_step(struct oa_pool *p, struct oa_xfer *take)
{
    while (take) {
        struct oa_xfer *x = take;
        take = take->next;
        if (curl_multi_add_handle(p->multi, x->easy) != CURLM_OK) {
            xfer_finish(x, CURLE_FAILED_INIT, 0, 0);
            continue;
        }
        x->next = p->active;
        p->active = x;
    }
    for (struct oa_xfer *x = p->active, *nx; x; x = nx) {
        nx = x->next;
        if (atomic_load_explicit(&x->abort, memory_order_acquire)) {
            curl_multi_remove_handle(p->multi, x->easy);
            active_unlink(p, x);
            xfer_finish(x, CURLE_ABORTED_BY_CALLBACK, 0, 0);
        }
    }
    uint64_t now = clock_mono_ns();
    for (size_t i = 0; p->health_s && i < p->n_up; i++)
        if (!p->probe[i].in_flight && now >= p->probe[i].next_ns)
            probe_start(p, i);
    int running = 0;
    curl_multi_perform(p->multi, &running);
    CURLMsg *m;
    int left = 0;
    while ((m = curl_multi_info_read(p->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        void *priv = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&priv);
        if (!priv)
            continue;
        CURLcode res = m->data.result;
        if (*(enum oa_kind *)priv == OA_PROBE) {
            probe_done(p, priv, res);
            continue;
        }
        struct oa_xfer *x = priv;
        long status = 0;
        curl_off_t ra = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra);
        curl_multi_remove_handle(p->multi, x->easy);
        active_unlink(p, x);
        xfer_finish(x, res, status, ra > 0 && ra < 86400 ? (long)ra : 0);
    }
}

static void *loop_main(void *arg)
{
    struct oa_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        bool stop = p->stop;
        struct oa_xfer *take = p->pending;
        p->pending = NULL;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        loop_step(p, take);
        int timeout_ms = 1000;
        uint64_t now = clock_mono_ns();
        for (size_t i = 0; p->health_s && i < p->n_up; i++)
            if (!p->probe[i].in_flight) {
                uint64_t wait = p->probe[i].next_ns > now ? (p->probe[i].next_ns - now) / MS : 0;
                if (wait < (uint64_t)timeout_ms)
                    timeout_ms = (int)wait;
            }
        /* curl lowers the timeout to its own next timer; callers wake us up */
        curl_multi_poll(p->multi, NULL, 0, timeout_ms, NULL);
    }
    /* generate() calls have all returned (destroy's contract); only probes remain */
    for (size_t i = 0; i < p->n_up; i++)
        if (p->probe[i].in_flight)
            curl_multi_remove_handle(p->multi, p->probe[i].easy);
    return NULL;
}

/* ---- upstream choice and the breaker ------------------------------------------------ */

static bool breaker_allows(const struct oa_upstream *u, uint64_t now)
{
    if (u->breaker == LLM_BREAKER_CLOSED)
        return true;
    return now >= u->open_until_ns && !u->trial;
}

/* Pick an upstream not in tried: smooth weighted round-robin among those the breaker lets
 * through, healthy ones first. Returns its index or -1. Takes the half-open trial slot. */
static int pick_upstream(struct oa_pool *p, unsigned tried)
{
    uint64_t now = clock_mono_ns();
    int best = -1;
    pthread_mutex_lock(&p->mu);
    for (int pass = 0; pass < 2 && best < 0; pass++) {
        long total = 0;
        for (size_t i = 0; i < p->n_up; i++) {
            struct oa_upstream *u = &p->up[i];
            if ((tried & (1u << i)) || !breaker_allows(u, now) || (pass == 0 && !u->healthy))
                continue;
            u->current += u->weight;
            total += u->weight;
            if (best < 0 || u->current > p->up[best].current)
                best = (int)i;
        }
        if (best >= 0)
            p->up[best].current -= total;
    }
    if (best >= 0) {
        struct oa_upstream *u = &p->up[best];
        if (u->breaker != LLM_BREAKER_CLOSED) {
            u->breaker = LLM_BREAKER_HALF_OPEN;
            u->trial = true;
        }
        u->requests++;
    }
    pthread_mutex_unlock(&p->mu);
    return best;
}

enum oa_result { OA_RES_OK, OA_RES_FAIL, OA_RES_NEUTRAL };

static void upstream_report(struct oa_pool *p, size_t i, enum oa_result res)
{
    struct oa_upstream *u = &p->up[i];
    bool opened = false;
    pthread_mutex_lock(&p->mu);
    bool was_trial = u->trial;
    u->trial = false;
    if (res == OA_RES_OK) {
        u->fails = 0;
        u->breaker = LLM_BREAKER_CLOSED;
    } else if (res == OA_RES_FAIL) {
        u->failures++;
        u->fails++;
        if (was_trial || (u->breaker == LLM_BREAKER_CLOSED && u->fails >= p->breaker_failures)) {
            opened = u->breaker == LLM_BREAKER_CLOSED || was_trial;
            u->breaker = LLM_BREAKER_OPEN;
            u->open_until_ns = clock_mono_ns() + (uint64_t)p->breaker_open_s * 1000 * MS;
        }
    } else if (was_trial) {
        u->breaker = LLM_BREAKER_OPEN; /* no verdict: the next request is the trial */
    }
    unsigned fails = u->fails;
    pthread_mutex_unlock(&p->mu);
    if (opened)
        log_warn("llm: breaker open name=%s failures=%u open_s=%u", u->name, fails,
                 p->breaker_open_s);
}

/* ---- one generation ------------------------------------------------------------------ */

enum oa_outcome {
    OA_DONE,      /* the answer ended (finish says how); text may have been streamed */
    OA_RETRY,     /* failed before the first token; worth another try here */
    OA_FAILOVER,  /* failed before the first token; try the next upstream */
    OA_TIMED_OUT, /* the caller's deadline passed before the first token */
};

struct oa_gen {
    struct oa_pool *p;
    const struct llm_request *r;
    uint64_t t0, first_ns;
    bool streamed, cancelled;
    enum llm_finish finish;
    size_t bytes_out;
    struct llm_openai_sse sse;
    struct buf spare;
};

static bool cancel_requested(const struct oa_gen *g)
{
    return g->cancelled || (g->r->cancel && atomic_load(g->r->cancel));
}

/* ---- the stream parser (openai_internal.h) ------------------------------------------ */

static void handle_chunk(struct llm_openai_sse *s, json_t *o)
{
    if (json_object_get(o, "error")) {
        s->bad = true; /* an error object inside the stream */
        return;
    }
    json_t *c0 = json_array_get(json_object_get(o, "choices"), 0);
    json_t *content = json_object_get(json_object_get(c0, "delta"), "content");
    if (json_is_string(content) && json_string_length(content) > 0 && !s->stopped) {
        /* jansson checked the string is valid UTF-8: pieces hold whole code points */
        if (!s->on_piece(s->ctx, json_string_value(content), json_string_length(content)))
            s->stopped = true;
    }
    json_t *fr = json_object_get(c0, "finish_reason");
    if (json_is_string(fr)) {
        s->have_finish = true;
        s->finish =
            strcmp(json_string_value(fr), "length") == 0 ? LLM_FINISH_LENGTH : LLM_FINISH_STOP;
    }
    json_t *usage = json_object_get(o, "usage");
    json_t *pt = json_object_get(usage, "prompt_tokens");
    json_t *ct = json_object_get(usage, "completion_tokens");
    if (json_is_integer(pt) && json_is_integer(ct) && json_integer_value(pt) >= 0 &&
        json_integer_value(ct) >= 0 && json_integer_value(pt) <= UINT32_MAX &&
        json_integer_value(ct) <= UINT32_MAX) {
        s->have_usage = true;
        s->prompt_tokens = (uint32_t)json_integer_value(pt);
        s->completion_tokens = (uint32_t)json_integer_value(ct);
    }
}

static void dispatch_event(struct llm_openai_sse *s)
{
    if (!s->data_present)
        return;
    s->data_present = false;
    if (s->data.len == 6 && memcmp(s->data.p, "[DONE]", 6) == 0) {
        s->done_marker = true;
    } else {
        json_t *o = NULL;
        char why[160];
        if (json_parse_object(s->data.p, s->data.len, OA_JSON_DEPTH, &o, why, sizeof(why)) !=
            AG_OK) {
            s->bad = true;
        } else {
            handle_chunk(s, o);
            json_decref(o);
        }
    }
    buf_reset(&s->data);
}

/* One SSE line (no line end): fields other than data, and comments, are ignored. */
static void handle_line(struct llm_openai_sse *s, const char *p, size_t n)
{
    if (n && p[n - 1] == '\r')
        n--;
    if (n == 0) {
        dispatch_event(s);
        return;
    }
    if (n < 5 || memcmp(p, "data:", 5) != 0)
        return;
    p += 5;
    n -= 5;
    if (n && *p == ' ') {
        p++;
        n--;
    }
    if ((s->data_present && buf_putc(&s->data, '\n') != AG_OK) ||
        buf_append(&s->data, p, n) != AG_OK)
        s->bad = true;
    s->data_present = true;
}

void llm_openai_sse_init(struct llm_openai_sse *s, llm_piece_fn on_piece, void *ctx)
{
    memset(s, 0, sizeof(*s));
    s->on_piece = on_piece;
    s->ctx = ctx;
    buf_init(&s->line, OA_MAX_LINE);
    buf_init(&s->data, OA_MAX_LINE);
}

void llm_openai_sse_reset(struct llm_openai_sse *s)
{
    s->stopped = s->bad = s->done_marker = s->have_finish = s->have_usage = false;
    s->data_present = false;
    s->finish = LLM_FINISH_STOP;
    s->prompt_tokens = s->completion_tokens = 0;
    buf_reset(&s->line);
    buf_reset(&s->data);
}

void llm_openai_sse_release(struct llm_openai_sse *s)
{
    buf_release(&s->line);
    buf_release(&s->data);
}

void llm_openai_sse_feed(struct llm_openai_sse *s, const char *p, size_t n)
{
    while (n && !s->bad && !s->stopped && !s->done_marker) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (buf_append(&s->line, p, take) != AG_OK) {
            s->bad = true;
            return;
        }
        if (!nl)
            return;
        handle_line(s, s->line.len ? s->line.p : "", s->line.len);
        buf_reset(&s->line);
        p += take + 1;
        n -= take + 1;
    }
}

void llm_openai_sse_end(struct llm_openai_sse *s)
{
    if (s->line.len && !s->bad && !s->stopped && !s->done_marker)
        handle_line(s, s->line.p, s->line.len);
    buf_reset(&s->line);
    if (!s->bad && !s->stopped && !s->done_marker)
        dispatch_event(s);
}

/* ---- one try ------------------------------------------------------------------------- */

/* The parser's on_piece: times the first token and counts bytes for the estimate. */
static bool gen_on_piece(void *ctx, const char *text, size_t len)
{
    struct oa_gen *g = ctx;
    if (!g->streamed)
        g->first_ns = clock_mono_ns();
    g->streamed = true;
    g->bytes_out += len;
    if (!g->r->on_piece(g->r->ctx, text, len))
        g->cancelled = true;
    return !g->cancelled;
}

static void abort_and_wait(struct oa_pool *p, struct oa_xfer *x)
{
    atomic_store_explicit(&x->abort, true, memory_order_release);
    curl_multi_wakeup(p->multi);
    pthread_mutex_lock(&x->mu);
    while (!x->done)
        pthread_cond_wait(&x->cv, &x->mu);
    pthread_mutex_unlock(&x->mu);
}

/* Connect errors, and timeouts before any response (curl reports a connect timeout so). */
static bool retryable_curl(CURLcode c)
{
    return c == CURLE_COULDNT_CONNECT || c == CURLE_OPERATION_TIMEDOUT ||
           c == CURLE_COULDNT_RESOLVE_HOST || c == CURLE_SEND_ERROR || c == CURLE_RECV_ERROR ||
           c == CURLE_GOT_NOTHING || c == CURLE_SSL_CONNECT_ERROR;
}

/* Try upstream i once. x is initialised; body is the request. *retry_after_ms: the wait a
 * 429 asked for (0: none). */
static enum oa_outcome attempt(struct oa_gen *g, size_t i, struct oa_xfer *x,
                               const struct buf *body, long *retry_after_ms)
{
    struct oa_pool *p = g->p;
    struct oa_upstream *u = &p->up[i];
    const struct llm_request *r = g->r;
    *retry_after_ms = 0;
    uint64_t sent = clock_mono_ns();
    uint64_t ft_deadline = sent + (uint64_t)p->first_token_ms * MS;
    uint64_t total_ms = p->total_ms;
    if (r->deadline_ns) {
        if (r->deadline_ns <= sent) {
            upstream_report(p, i, OA_RES_NEUTRAL); /* gives back a half-open trial slot */
            return OA_TIMED_OUT;
        }
        /* curl's own timer gets a margin: the deadline check below must win the race, or
         * a stream cut by the deadline would look like a broken one */
        uint64_t left = (r->deadline_ns - sent) / MS + 2 * OA_WAKE_MS;
        if (left < total_ms)
            total_ms = left;
    }
    CURL *e = x->easy;
    curl_easy_setopt(e, CURLOPT_URL, u->chat_url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body->p);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, u->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, xfer_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)x);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)x);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)p->connect_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)total_ms);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    x->done = false;
    atomic_store(&x->abort, false);
    buf_reset(&x->inbox);

    pthread_mutex_lock(&p->mu);
    x->next = p->pending;
    p->pending = x;
    pthread_mutex_unlock(&p->mu);
    curl_multi_wakeup(p->multi);

    uint64_t done_grace = 0;
    for (;;) {
        pthread_mutex_lock(&x->mu);
        if (!x->done && x->inbox.len == 0) {
            uint64_t wake = clock_mono_ns() + OA_WAKE_MS * MS;
            struct timespec ts = mono_at(wake);
            pthread_cond_timedwait(&x->cv, &x->mu, &ts);
        }
        struct buf got = x->inbox;
        x->inbox = g->spare;
        g->spare = got;
        bool done = x->done;
        CURLcode result = x->result;
        long status = x->status, ra = x->retry_after_s;
        pthread_mutex_unlock(&x->mu);

        if (g->spare.len)
            llm_openai_sse_feed(&g->sse, g->spare.p, g->spare.len);
        buf_reset(&g->spare);
        if (done && !g->sse.bad && !g->cancelled)
            llm_openai_sse_end(&g->sse);
        if (cancel_requested(g)) {
            g->cancelled = true;
            if (!done)
                abort_and_wait(p, x);
            upstream_report(p, i, OA_RES_NEUTRAL);
            g->finish = LLM_FINISH_CANCELLED;
            return OA_DONE;
        }
        uint64_t now = clock_mono_ns();
        if (g->sse.done_marker) {
            if (!done && !done_grace)
                done_grace = now + OA_DONE_GRACE_MS * MS;
            if (done || now >= done_grace) {
                if (!done)
                    abort_and_wait(p, x);
                g->finish = g->sse.have_finish ? g->sse.finish : LLM_FINISH_STOP;
                upstream_report(p, i, OA_RES_OK);
                return OA_DONE;
            }
            continue;
        }
        if (g->sse.bad) {
            if (!done)
                abort_and_wait(p, x);
            upstream_report(p, i, OA_RES_FAIL);
            log_warn("llm: upstream sent a malformed stream name=%s streamed=%d", u->name,
                     (int)g->streamed);
            if (!g->streamed)
                return OA_FAILOVER;
            g->finish = LLM_FINISH_CUT;
            return OA_DONE;
        }
        if (r->deadline_ns && now >= r->deadline_ns) {
            if (!done)
                abort_and_wait(p, x);
            upstream_report(p, i, OA_RES_NEUTRAL);
            if (!g->streamed)
                return OA_TIMED_OUT;
            g->finish = LLM_FINISH_DEADLINE;
            return OA_DONE;
        }
        if (!g->streamed && !done && now >= ft_deadline) {
            abort_and_wait(p, x);
            upstream_report(p, i, OA_RES_FAIL);
            log_warn("llm: upstream first token timeout name=%s ms=%u", u->name, p->first_token_ms);
            return OA_FAILOVER;
        }
        if (!done)
            continue;
        /* the transfer ended without [DONE] */
        if (g->streamed) {
            upstream_report(p, i, OA_RES_FAIL);
            log_warn("llm: upstream stream cut name=%s curl=%d", u->name, (int)result);
            g->finish = LLM_FINISH_CUT;
            return OA_DONE;
        }
        upstream_report(p, i, OA_RES_FAIL);
        log_warn("llm: upstream failed name=%s status=%ld curl=%d (%s)", u->name, status,
                 (int)result, curl_easy_strerror(result));
        if (status == 429) {
            *retry_after_ms = ra * 1000;
            return OA_RETRY;
        }
        if (status >= 500 || (status == 0 && retryable_curl(result)))
            return OA_RETRY;
        return OA_FAILOVER;
    }
}

/* Sleep ms in slices, returning early on cancel. */
static void backoff_sleep(struct oa_gen *g, uint64_t ms)
{
    uint64_t until = clock_mono_ns() + ms * MS;
    for (;;) {
        uint64_t now = clock_mono_ns();
        if (now >= until || cancel_requested(g))
            return;
        uint64_t step = until - now < OA_WAKE_MS * MS ? until - now : OA_WAKE_MS * MS;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step};
        nanosleep(&ts, NULL);
    }
}

static ag_err build_body(const struct llm_request *r, json_t **out)
{
    if (!r->msgs || r->n_msgs == 0 || !r->on_piece || r->n_stop > LLM_MAX_STOP)
        return AG_EINVAL;
    json_t *o = json_object(), *msgs = json_array();
    if (!o || !msgs || json_object_set_new(o, "messages", msgs) != 0) {
        json_decref(o);
        json_decref(msgs);
        return AG_ENOMEM;
    }
    int bad = 0;
    for (size_t i = 0; i < r->n_msgs; i++) {
        const char *role = llm_role_name(r->msgs[i].role);
        if (!role || !r->msgs[i].content) {
            bad = 1;
            break;
        }
        json_t *m = json_pack("{s:s, s:s}", "role", role, "content", r->msgs[i].content);
        bad |= !m || json_array_append_new(msgs, m) != 0;
    }
    bad |= json_object_set_new(o, "stream", json_true());
    bad |= json_object_set_new(o, "stream_options", json_pack("{s:b}", "include_usage", 1));
    if (r->max_tokens)
        bad |= json_object_set_new(o, "max_tokens", json_integer(r->max_tokens));
    bad |= json_object_set_new(o, "temperature", json_real(r->temperature));
    if (r->top_p > 0)
        bad |= json_object_set_new(o, "top_p", json_real(r->top_p));
    /* upstreams take a signed 64-bit seed */
    bad |= json_object_set_new(o, "seed", json_integer((json_int_t)(r->seed & INT64_MAX)));
    if (r->n_stop) {
        json_t *stop = json_array();
        bad |= json_object_set_new(o, "stop", stop);
        for (size_t i = 0; !bad && i < r->n_stop; i++)
            bad |= !r->stop[i] || json_array_append_new(stop, json_string(r->stop[i])) != 0;
    }
    if (r->user && *r->user)
        bad |= json_object_set_new(o, "user", json_string(r->user));
    if (bad) {
        /* jansson returns NULL for invalid UTF-8 and non-finite numbers */
        json_decref(o);
        return AG_EINVAL;
    }
    *out = o;
    return AG_OK;
}

static ag_err oa_generate(struct llm_backend *b, const struct llm_request *r, struct llm_usage *u,
                          enum llm_finish *finish)
{
    struct oa_pool *p = (struct oa_pool *)b;
    memset(u, 0, sizeof(*u));
    json_t *req = NULL;
    ag_err rc = build_body(r, &req);
    if (rc != AG_OK)
        return rc;
    struct oa_gen g = {.p = p, .r = r, .t0 = clock_mono_ns()};
    llm_openai_sse_init(&g.sse, gen_on_piece, &g);
    buf_init(&g.spare, OA_MAX_INBOX);
    struct buf body;
    buf_init(&body, OA_MAX_BODY);
    struct oa_xfer x = {.kind = OA_XFER};
    buf_init(&x.inbox, OA_MAX_INBOX);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&x.mu, NULL);
    pthread_cond_init(&x.cv, &ca);
    pthread_condattr_destroy(&ca);
    x.easy = curl_easy_init();
    rc = AG_ENOMEM;
    if (!x.easy)
        goto out;

    unsigned tried = 0, retries_left = p->retries, retry_no = 0;
    bool timed_out = false;
    int cur = -1;
    rc = AG_EIO;
    for (;;) {
        if (r->deadline_ns && clock_mono_ns() >= r->deadline_ns) {
            timed_out = true;
            break;
        }
        if (cur < 0) {
            cur = pick_upstream(p, tried);
            if (cur < 0)
                break;
            retry_no = 0;
        }
        struct oa_upstream *up = &p->up[cur];
        buf_reset(&body);
        if (json_object_set_new(req, "model", json_string(up->model)) != 0 ||
            json_dump_buf(req, &body) != AG_OK) {
            rc = AG_ENOMEM;
            upstream_report(p, (size_t)cur, OA_RES_NEUTRAL);
            goto out;
        }
        curl_easy_reset(x.easy);
        u->attempts++;
        long retry_after_ms = 0;
        enum oa_outcome oc = attempt(&g, (size_t)cur, &x, &body, &retry_after_ms);
        if (oc == OA_DONE) {
            *finish = g.finish;
            rc = AG_OK;
            break;
        }
        if (oc == OA_TIMED_OUT) {
            timed_out = true;
            break;
        }
        /* reset the stream state; nothing was streamed */
        llm_openai_sse_reset(&g.sse);
        uint64_t now = clock_mono_ns();
        uint64_t budget_end = r->deadline_ns ? r->deadline_ns : g.t0 + p->total_ms * MS;
        uint64_t left_ms = budget_end > now ? (budget_end - now) / MS : 0;
        pthread_mutex_lock(&p->mu);
        bool allowed = breaker_allows(up, now);
        pthread_mutex_unlock(&p->mu);
        if (oc == OA_RETRY && retries_left > 0 && allowed && (uint64_t)retry_after_ms <= left_ms) {
            retries_left--;
            uint64_t ceil = OA_BACKOFF_BASE_MS << (retry_no < 10 ? retry_no : 10);
            if (ceil > OA_BACKOFF_CAP_MS)
                ceil = OA_BACKOFF_CAP_MS;
            uint64_t wait = retry_after_ms > 0 ? (uint64_t)retry_after_ms
                                               : rng_next(p) % (ceil + 1); /* full jitter */
            retry_no++;
            pthread_mutex_lock(&p->mu);
            up->requests++;
            pthread_mutex_unlock(&p->mu);
            backoff_sleep(&g, wait < left_ms ? wait : left_ms);
            if (cancel_requested(&g)) {
                *finish = LLM_FINISH_CANCELLED;
                rc = AG_OK;
                break;
            }
            continue; /* the same upstream again */
        }
        tried |= 1u << cur;
        cur = -1;
    }
    if (rc != AG_OK) {
        rc = timed_out ? AG_ETIMEDOUT : AG_EIO;
        if (u->attempts == 0)
            log_warn("llm: no upstream available (breakers open) n=%zu", p->n_up);
        goto out;
    }
    if (cur >= 0) {
        struct oa_upstream *up = &p->up[cur];
        snprintf(u->model, sizeof(u->model), "%s", up->model);
        snprintf(u->upstream, sizeof(u->upstream), "%s", up->name);
        if (g.streamed)
            u->first_token_ms = (double)(g.first_ns - g.t0) / 1e6;
        if (g.sse.have_usage) {
            u->prompt_tokens = g.sse.prompt_tokens;
            u->completion_tokens = g.sse.completion_tokens;
        } else {
            size_t bytes = 0;
            for (size_t i = 0; i < r->n_msgs; i++)
                bytes += strlen(r->msgs[i].content);
            u->prompt_tokens = (uint32_t)estimate_tokens(bytes);
            u->completion_tokens = (uint32_t)estimate_tokens(g.bytes_out);
            bool warn = false;
            if (g.sse.done_marker) {
                pthread_mutex_lock(&p->mu);
                warn = !up->usage_warned;
                up->usage_warned = true;
                pthread_mutex_unlock(&p->mu);
            }
            if (warn)
                log_warn("llm: upstream sends no usage, counting by estimate name=%s", up->name);
        }
    }
out:
    if (x.easy)
        curl_easy_cleanup(x.easy);
    pthread_mutex_destroy(&x.mu);
    pthread_cond_destroy(&x.cv);
    buf_release(&x.inbox);
    buf_release(&body);
    llm_openai_sse_release(&g.sse);
    buf_release(&g.spare);
    json_decref(req);
    return rc;
}

static size_t oa_count_tokens(struct llm_backend *b, const char *text, size_t len)
{
    (void)b;
    (void)text;
    return estimate_tokens(len);
}

static void oa_destroy(struct llm_backend *b)
{
    struct oa_pool *p = (struct oa_pool *)b;
    if (!p)
        return;
    if (p->thread_started) {
        pthread_mutex_lock(&p->mu);
        p->stop = true;
        pthread_mutex_unlock(&p->mu);
        curl_multi_wakeup(p->multi);
        pthread_join(p->thread, NULL);
    }
    for (size_t i = 0; i < LLM_MAX_UPSTREAMS; i++) {
        if (p->probe[i].easy)
            curl_easy_cleanup(p->probe[i].easy);
        struct oa_upstream *u = &p->up[i];
        for (struct curl_slist *h = u->headers; h; h = h->next)
            explicit_bzero(h->data, strlen(h->data));
        curl_slist_free_all(u->headers);
        free(u->chat_url);
        free(u->models_url);
    }
    if (p->multi)
        curl_multi_cleanup(p->multi);
    pthread_mutex_destroy(&p->mu);
    if (p->curl_inited)
        curl_global_cleanup();
    free(p);
}

static const struct llm_backend_ops oa_ops = {
    .generate = oa_generate,
    .count_tokens = oa_count_tokens,
    .destroy = oa_destroy,
};

ag_err llm_openai_create(const struct config *cfg, struct llm_backend **out)
{
    ag_err rc = AG_ENOMEM;
    struct oa_pool *p = calloc(1, sizeof(*p));
    if (!p)
        return AG_ENOMEM;
    p->base.ops = &oa_ops;
    p->base.kind = "openai";
    pthread_mutex_init(&p->mu, NULL);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("llm: curl_global_init failed");
        rc = AG_EIO;
        goto fail;
    }
    p->curl_inited = true;
    if (cfg->n_llm_upstream == 0 || cfg->n_llm_upstream > LLM_MAX_UPSTREAMS) {
        log_error("llm: openai needs 1..%d llm_upstream entries", LLM_MAX_UPSTREAMS);
        rc = AG_ECONFIG;
        goto fail;
    }
    p->n_up = cfg->n_llm_upstream;
    for (size_t i = 0; i < p->n_up; i++) {
        const char *why = NULL;
        if (!parse_entry(cfg->llm_upstream[i], &p->up[i], &why)) {
            log_error("llm: llm_upstream entry %zu: %s", i, why);
            rc = AG_ECONFIG;
            goto fail;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->up[j].name, p->up[i].name) == 0) {
                log_error("llm: llm_upstream entry %zu: name %s is used twice", i, p->up[i].name);
                rc = AG_ECONFIG;
                goto fail;
            }
        p->up[i].healthy = true;
    }
    p->connect_ms = cfg->upstream_connect_ms;
    p->first_token_ms = cfg->upstream_first_token_ms;
    p->total_ms = cfg->upstream_total_ms;
    p->retries = cfg->upstream_retries;
    p->breaker_failures = cfg->upstream_breaker_failures ? cfg->upstream_breaker_failures : 1;
    p->breaker_open_s = cfg->upstream_breaker_open_s;
    p->health_s = cfg->upstream_health_s;
    for (size_t i = 0; i < LLM_MAX_UPSTREAMS; i++)
        p->probe[i].kind = OA_PROBE;
    atomic_init(&p->rng, clock_mono_ns() ^ (uint64_t)(uintptr_t)p);
    snprintf(p->base.model, sizeof(p->base.model), "%s", p->up[0].model);
    p->base.context_tokens = 0;
    p->multi = curl_multi_init();
    if (!p->multi)
        goto fail;
    curl_multi_setopt(p->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    int e = pthread_create(&p->thread, NULL, loop_main, p);
    if (e != 0) {
        log_error("llm: cannot start the upstream loop thread: %s", strerror(e));
        rc = AG_EIO;
        goto fail;
    }
    p->thread_started = true;
    log_info("llm: openai pool ready upstreams=%zu health_s=%u", p->n_up, p->health_s);
    *out = &p->base;
    return AG_OK;
fail:
    oa_destroy(&p->base);
    return rc;
}

void llm_openai_stats(struct llm_backend *b, struct llm_upstream_stats *out, size_t max, size_t *n)
{
    struct oa_pool *p = (struct oa_pool *)b;
    uint64_t now = clock_mono_ns();
    *n = p->n_up;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->n_up && i < max; i++) {
        const struct oa_upstream *u = &p->up[i];
        struct llm_upstream_stats *s = &out[i];
        snprintf(s->name, sizeof(s->name), "%s", u->name);
        s->breaker = u->breaker;
        if (u->breaker == LLM_BREAKER_OPEN && now >= u->open_until_ns)
            s->breaker = LLM_BREAKER_HALF_OPEN;
        s->healthy = u->healthy;
        s->requests = u->requests;
        s->failures = u->failures;
    }
    pthread_mutex_unlock(&p->mu);
}
