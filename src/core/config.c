// SPDX-License-Identifier: MIT
/*
 * core/config.c: the table of settings and their parsers. One table drives the file,
 * the environment and the defaults' documentation, so a key cannot exist in one and not
 * the others. Every value is range-checked; nothing falls back silently.
 */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/log.h"

/* K_LIST: an array of strings; each setting appends one entry (a file may repeat the
 * key), an environment variable replaces the list with its ';'-separated entries. The
 * entry count lives in the unsigned right after the array. K_U64: unsigned long long. */
enum kind { K_STR, K_UINT, K_SIZE, K_DOUBLE, K_LEVEL, K_LANG, K_OPTSTR, K_CHOICE, K_LIST, K_U64 };

struct key {
    const char *name;
    enum kind kind;
    size_t off, size;    /* field offset; capacity for strings */
    double min, max;     /* numeric range */
    const char *choices; /* K_CHOICE: the words allowed, "|"-separated */
};

#define F(field) offsetof(struct config, field), sizeof(((struct config *)0)->field)
/* a K_LIST: the size of one entry; the entry count must follow the array */
#define FL(field) offsetof(struct config, field), sizeof(((struct config *)0)->field[0])
_Static_assert(offsetof(struct config, n_llm_upstream) ==
                   offsetof(struct config, llm_upstream) +
                       sizeof(((struct config *)0)->llm_upstream),
               "n_llm_upstream follows llm_upstream");
_Static_assert(offsetof(struct config, n_llm_price) ==
                   offsetof(struct config, llm_price) + sizeof(((struct config *)0)->llm_price),
               "n_llm_price follows llm_price");
_Static_assert(offsetof(struct config, n_jwt_role_map) ==
                   offsetof(struct config, jwt_role_map) +
                       sizeof(((struct config *)0)->jwt_role_map),
               "n_jwt_role_map follows jwt_role_map");
static const struct key keys[] = {
    {"listen", K_STR, F(listen), 0, 0, NULL},
    {"data_dir", K_STR, F(data_dir), 0, 0, NULL},
    {"tenant", K_STR, F(tenant), 0, 0, NULL},
    {"log_level", K_LEVEL, F(log_level), 0, 0, NULL},
    {"threads", K_UINT, F(threads), 1, 256, NULL},
    {"max_body_bytes", K_SIZE, F(max_body_bytes), 64, 64.0 * 1024 * 1024, NULL},
    {"max_question_bytes", K_SIZE, F(max_question_bytes), 16, 1024.0 * 1024, NULL},
    {"rate_per_sec", K_DOUBLE, F(rate_per_sec), 0.001, 1e6, NULL},
    {"rate_burst", K_DOUBLE, F(rate_burst), 1, 1e6, NULL},
    {"top_k", K_UINT, F(top_k), 1, 100, NULL},
    {"answer_threshold", K_DOUBLE, F(answer_threshold), 0, 1, NULL},
    {"answer_check", K_CHOICE, F(answer_check), 0, 0, "enforce|report"},
    {"answer_support_threshold", K_DOUBLE, F(answer_support_threshold), 0, 1, NULL},
    {"escalate_below", K_DOUBLE, F(escalate_below), 0, 1, NULL},
    {"prompt_canary", K_OPTSTR, F(prompt_canary), 0, 0, NULL},
    {"drain_timeout_s", K_UINT, F(drain_timeout_s), 0, 3600, NULL},
    {"audit_page_max", K_UINT, F(audit_page_max), 1, 10000, NULL},
    {"default_lang", K_LANG, F(default_lang), 0, 0, NULL},
    {"synonyms_file", K_OPTSTR, F(synonyms_file), 0, 0, NULL},
    {"embedding_model", K_OPTSTR, F(embedding_model), 0, 0, NULL},
    {"catalog_sku", K_OPTSTR, F(catalog_sku), 0, 0, NULL},
    {"catalog_name", K_OPTSTR, F(catalog_name), 0, 0, NULL},
    {"catalog_price", K_OPTSTR, F(catalog_price), 0, 0, NULL},
    {"catalog_currency", K_OPTSTR, F(catalog_currency), 0, 0, NULL},
    {"catalog_stock", K_OPTSTR, F(catalog_stock), 0, 0, NULL},
    {"catalog_category", K_OPTSTR, F(catalog_category), 0, 0, NULL},
    {"catalog_url", K_OPTSTR, F(catalog_url), 0, 0, NULL},
    {"catalog_default_currency", K_OPTSTR, F(catalog_default_currency), 0, 0, NULL},
    {"catalog_descriptions", K_OPTSTR, F(catalog_descriptions), 0, 0, NULL},
    {"guard_flag_at", K_DOUBLE, F(guard_flag_at), 0, 1, NULL},
    {"guard_block_at", K_DOUBLE, F(guard_block_at), 0, 1, NULL},
    {"guard_on_block", K_CHOICE, F(guard_on_block), 0, 0, "block|escalate"},
    {"guard_passages", K_CHOICE, F(guard_passages), 0, 0, "drop|keep"},
    {"pii_session_ttl_s", K_UINT, F(pii_session_ttl_s), 10, 7 * 24 * 3600, NULL},
    {"pii_max_sessions", K_UINT, F(pii_max_sessions), 1, 1u << 24, NULL},
    {"store_content", K_CHOICE, F(store_content), 0, 0, "consent|always|never"},
    {"agent_name", K_STR, F(agent_name), 0, 0, NULL},
    {"consent_policy_version", K_STR, F(consent_policy_version), 0, 0, NULL},
    {"content_retention_days", K_UINT, F(content_retention_days), 1, 3650, NULL},
    {"audit_key_file", K_OPTSTR, F(audit_key_file), 0, 0, NULL},
    {"master_key_file", K_OPTSTR, F(master_key_file), 0, 0, NULL},
    {"master_key", K_OPTSTR, F(master_key), 0, 0, NULL},
    {"audit_db", K_OPTSTR, F(audit_db), 0, 0, NULL},
    {"llm_backends", K_STR, F(llm_backends), 0, 0, NULL},
    {"llm_model", K_OPTSTR, F(llm_model), 0, 0, NULL},
    {"llm_model_name", K_OPTSTR, F(llm_model_name), 0, 0, NULL},
    {"llm_parallel", K_UINT, F(llm_parallel), 1, 256, NULL},
    {"llm_ctx", K_UINT, F(llm_ctx), 64, 1u << 20, NULL},
    {"llm_batch", K_UINT, F(llm_batch), 8, 1u << 16, NULL},
    {"llm_threads", K_UINT, F(llm_threads), 0, 1024, NULL},
    {"llm_queue", K_UINT, F(llm_queue), 0, 1u << 20, NULL},
    {"gen_workers", K_UINT, F(gen_workers), 1, 4096, NULL},
    {"llm_max_tokens", K_UINT, F(llm_max_tokens), 1, 1u << 20, NULL},
    {"llm_temperature", K_DOUBLE, F(llm_temperature), 0, 2, NULL},
    {"llm_top_p", K_DOUBLE, F(llm_top_p), 0.01, 1, NULL},
    {"llm_timeout_ms", K_UINT, F(llm_timeout_ms), 100, 3600000, NULL},
    {"llm_prompt_file", K_OPTSTR, F(llm_prompt_file), 0, 0, NULL},
    {"llm_upstream", K_LIST, FL(llm_upstream), 0, LLM_MAX_UPSTREAMS, NULL},
    {"upstream_connect_ms", K_UINT, F(upstream_connect_ms), 10, 600000, NULL},
    {"upstream_first_token_ms", K_UINT, F(upstream_first_token_ms), 10, 3600000, NULL},
    {"upstream_total_ms", K_UINT, F(upstream_total_ms), 10, 3600000, NULL},
    {"upstream_retries", K_UINT, F(upstream_retries), 0, 10, NULL},
    {"upstream_breaker_failures", K_UINT, F(upstream_breaker_failures), 1, 1000, NULL},
    {"upstream_breaker_open_s", K_UINT, F(upstream_breaker_open_s), 1, 3600, NULL},
    {"upstream_health_s", K_UINT, F(upstream_health_s), 0, 3600, NULL},
    {"llm_price", K_LIST, FL(llm_price), 0, LLM_MAX_PRICES, NULL},
    {"budget_tokens_day", K_U64, F(budget_tokens_day), 0, 1e18, NULL},
    {"budget_eur_day", K_DOUBLE, F(budget_eur_day), 0, 1e9, NULL},
    {"jwt_issuer", K_OPTSTR, F(jwt_issuer), 0, 0, NULL},
    {"jwt_audience", K_OPTSTR, F(jwt_audience), 0, 0, NULL},
    {"jwt_jwks_file", K_OPTSTR, F(jwt_jwks_file), 0, 0, NULL},
    {"jwt_hs256_secret_file", K_OPTSTR, F(jwt_hs256_secret_file), 0, 0, NULL},
    {"jwt_leeway_s", K_UINT, F(jwt_leeway_s), 0, 3600, NULL},
    {"jwt_role_claim", K_OPTSTR, F(jwt_role_claim), 0, 0, NULL},
    {"jwt_role_map", K_LIST, FL(jwt_role_map), 0, JWT_MAX_ROLE_MAP_ENTRIES, NULL},
    {"jwt_tenant_claim", K_OPTSTR, F(jwt_tenant_claim), 0, 0, NULL},
    {"jwt_max_bytes", K_SIZE, F(jwt_max_bytes), 256, 65536, NULL},
    {"jwt_jwks_url", K_OPTSTR, F(jwt_jwks_url), 0, 0, NULL},
    {"jwt_jwks_refresh_s", K_UINT, F(jwt_jwks_refresh_s), 1, 7 * 24 * 3600, NULL},
    {"jwt_jwks_min_refresh_s", K_UINT, F(jwt_jwks_min_refresh_s), 1, 24 * 3600, NULL},
    {"jwt_subject_claim", K_STR, F(jwt_subject_claim), 0, 0, NULL},
    {"limit_backend", K_CHOICE, F(limit_backend), 0, 0, "memory|redis"},
    {"redis_url", K_STR, F(redis_url), 0, 0, NULL},
    {"redis_connect_ms", K_UINT, F(redis_connect_ms), 1, 60000, NULL},
    {"redis_command_ms", K_UINT, F(redis_command_ms), 1, 60000, NULL},
    {"limit_on_redis_error", K_CHOICE, F(limit_on_redis_error), 0, 0, "closed|open"},
    {"limit_subject_rate", K_DOUBLE, F(limit_subject_rate), 0, 1e6, NULL},
    {"limit_subject_burst", K_DOUBLE, F(limit_subject_burst), 1, 1e6, NULL},
    {"limit_ip_rate", K_DOUBLE, F(limit_ip_rate), 0, 1e6, NULL},
    {"limit_ip_burst", K_DOUBLE, F(limit_ip_burst), 1, 1e6, NULL},
    {"limit_concurrent_per_key", K_UINT, F(limit_concurrent_per_key), 0, 100000, NULL},
    {"tls_cert_file", K_OPTSTR, F(tls_cert_file), 0, 0, NULL},
    {"tls_key_file", K_OPTSTR, F(tls_key_file), 0, 0, NULL},
    {"cors_origins", K_OPTSTR, F(cors_origins), 0, 0, NULL},
    {"max_header_bytes", K_SIZE, F(max_header_bytes), 1024, 1024.0 * 1024, NULL},
    {"max_header_count", K_UINT, F(max_header_count), 8, 1024, NULL},
    {"max_connections", K_UINT, F(max_connections), 1, 1u << 20, NULL},
    {"max_conns_per_ip", K_UINT, F(max_conns_per_ip), 0, 1u << 20, NULL},
    {"idle_timeout_s", K_UINT, F(idle_timeout_s), 1, 3600, NULL},
    {"request_timeout_s", K_UINT, F(request_timeout_s), 1, 3600, NULL},
    {"max_inflight", K_UINT, F(max_inflight), 1, 1u << 20, NULL},
};
#undef F
#undef FL

struct config config_default(void)
{
    struct config c = {
        .listen = "127.0.0.1:8080",
        .data_dir = "./agentgate-data",
        .tenant = "default",
        .log_level = "info",
        .threads = 4,
        .max_body_bytes = (size_t)64 * 1024,
        .max_question_bytes = 4000,
        .rate_per_sec = 2.0,
        .rate_burst = 20,
        .top_k = 5,
        .answer_threshold = 0.5,
        .answer_check = "enforce",
        .answer_support_threshold = 0.45,
        .escalate_below = 0.3,
        .drain_timeout_s = 20,
        .audit_page_max = 200,
        .default_lang = "de",
        .guard_flag_at = 0.5,
        .guard_block_at = 0.8,
        .guard_on_block = "block",
        .guard_passages = "drop",
        .pii_session_ttl_s = 1800,
        .pii_max_sessions = 10000,
        .store_content = "consent",
        .agent_name = "default",
        .consent_policy_version = "1",
        .content_retention_days = 90,
        .llm_backends = "extractive",
        .llm_parallel = 4,
        .llm_ctx = 4096,
        .llm_batch = 512,
        .llm_queue = 256,
        .gen_workers = 64,
        .llm_max_tokens = 512,
        .llm_temperature = 0.2,
        .llm_top_p = 0.95,
        .llm_timeout_ms = 60000,
        .upstream_connect_ms = 2000,
        .upstream_first_token_ms = 15000,
        .upstream_total_ms = 60000,
        .upstream_retries = 2,
        .upstream_breaker_failures = 5,
        .upstream_breaker_open_s = 30,
        .upstream_health_s = 10,
        .jwt_leeway_s = 60,
        .jwt_role_claim = "roles",
        .jwt_tenant_claim = "tenant",
        .jwt_max_bytes = 8192,
        .jwt_jwks_refresh_s = 3600,
        .jwt_jwks_min_refresh_s = 30,
        .jwt_subject_claim = "sub",
        .limit_backend = "memory",
        .redis_url = "redis://127.0.0.1:6379/0",
        .redis_connect_ms = 50,
        .redis_command_ms = 100,
        .limit_on_redis_error = "closed",
        .limit_subject_burst = 20,
        .limit_ip_burst = 50,
        .limit_concurrent_per_key = 16,
        .max_header_bytes = 16384,
        .max_header_count = 64,
        .max_connections = 4096,
        .max_conns_per_ip = 256,
        .idle_timeout_s = 30,
        .request_timeout_s = 10,
        .max_inflight = 1024,
        /* catalog_*: "" keeps kb_default_params()'s column names, the one place they live */
    };
    return c;
}

static const struct key *find_key(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strlen(keys[i].name) == len && memcmp(keys[i].name, name, len) == 0)
            return &keys[i];
    return NULL;
}

/* Is v one of the "|"-separated words of choices? */
static bool choice_ok(const char *choices, const char *v)
{
    size_t vlen = strlen(v);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == vlen && memcmp(p, v, len) == 0)
            return true;
        p += len + (bar != NULL);
    }
    return false;
}

static ag_err set_value(struct config *c, const struct key *k, const char *v, char *why,
                        size_t why_len)
{
    char *field = (char *)c + k->off;
    size_t vlen = strlen(v);
    switch (k->kind) {
    case K_LEVEL:
        if (log_level_parse(v) < 0) {
            snprintf(why, why_len, "must be debug, info, warn, error or off");
            return AG_ECONFIG;
        }
        __attribute__((fallthrough));
    case K_LANG:
        if (k->kind == K_LANG && strcmp(v, "de") != 0 && strcmp(v, "en") != 0) {
            snprintf(why, why_len, "must be de or en");
            return AG_ECONFIG;
        }
        __attribute__((fallthrough));
    case K_CHOICE:
        if (k->kind == K_CHOICE && !choice_ok(k->choices, v)) {
            snprintf(why, why_len, "must be one of %s", k->choices);
            return AG_ECONFIG;
        }
        __attribute__((fallthrough));
    case K_OPTSTR:
        if (k->kind == K_OPTSTR && vlen == 0) {
            field[0] = '\0';
            return AG_OK;
        }
        __attribute__((fallthrough));
    case K_STR:
        if (vlen == 0 || vlen >= k->size) {
            snprintf(why, why_len, "must be 1 to %zu bytes", k->size - 1);
            return AG_ECONFIG;
        }
        memcpy(field, v, vlen + 1);
        return AG_OK;
    case K_LIST: {
        /* k->size is one entry's capacity; k->max the entries; the count follows */
        unsigned *count = (unsigned *)(void *)(field + k->size * (size_t)k->max);
        if (vlen == 0 || vlen >= k->size) {
            snprintf(why, why_len, "each entry must be 1 to %zu bytes", k->size - 1);
            return AG_ECONFIG;
        }
        if (*count >= (unsigned)k->max) {
            snprintf(why, why_len, "at most %.0f entries", k->max);
            return AG_ECONFIG;
        }
        memcpy(field + k->size * *count, v, vlen + 1);
        (*count)++;
        return AG_OK;
    }
    case K_U64: {
        uint64_t u;
        if (str_to_u64(str_from_cstr(v), &u) != AG_OK || (double)u > k->max) {
            snprintf(why, why_len, "must be a whole number from 0 to %.0f", k->max);
            return AG_ECONFIG;
        }
        *(unsigned long long *)(void *)field = (unsigned long long)u;
        return AG_OK;
    }
    case K_UINT:
    case K_SIZE: {
        uint64_t u;
        if (str_to_u64(str_from_cstr(v), &u) != AG_OK || (double)u < k->min || (double)u > k->max) {
            snprintf(why, why_len, "must be a whole number from %.0f to %.0f", k->min, k->max);
            return AG_ECONFIG;
        }
        if (k->kind == K_UINT)
            *(unsigned *)(void *)field = (unsigned)u;
        else
            *(size_t *)(void *)field = (size_t)u;
        return AG_OK;
    }
    case K_DOUBLE: {
        double d;
        if (str_to_double(str_from_cstr(v), &d) != AG_OK || d < k->min || d > k->max) {
            snprintf(why, why_len, "must be a number from %g to %g", k->min, k->max);
            return AG_ECONFIG;
        }
        *(double *)(void *)field = d;
        return AG_OK;
    }
    }
    return AG_ECONFIG;
}

ag_err config_set(struct config *c, const char *key, const char *value, char *why, size_t why_len)
{
    const struct key *k = find_key(key, strlen(key));
    char reason[160];
    if (!k) {
        snprintf(why, why_len, "key '%s': unknown key", key);
        return AG_ECONFIG;
    }
    if (set_value(c, k, value, reason, sizeof(reason)) != AG_OK) {
        snprintf(why, why_len, "key '%s': %s", key, reason);
        return AG_ECONFIG;
    }
    return AG_OK;
}

static void trim(const char **p, const char **end)
{
    while (*p < *end && isspace((unsigned char)**p))
        (*p)++;
    while (*end > *p && isspace((unsigned char)(*end)[-1]))
        (*end)--;
}

ag_err config_parse(struct config *c, const char *p, size_t n, char *why, size_t why_len)
{
    const char *end = p + n;
    unsigned line = 0;
    char key[64], value[600], reason[400];
    while (p < end) {
        line++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *s = p, *e = eol;
        p = eol < end ? eol + 1 : end;
        if (memchr(s, '\0', (size_t)(e - s))) {
            snprintf(why, why_len, "line %u: contains a NUL byte", line);
            return AG_ECONFIG;
        }
        trim(&s, &e);
        if (s == e || *s == '#')
            continue;
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (!eq) {
            snprintf(why, why_len, "line %u: expected 'key = value'", line);
            return AG_ECONFIG;
        }
        const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
        trim(&ks, &ke);
        trim(&vs, &ve);
        /* A trailing comment after an unquoted value. */
        if (vs < ve && *vs != '"') {
            const char *hash = memchr(vs, '#', (size_t)(ve - vs));
            if (hash) {
                ve = hash;
                trim(&vs, &ve);
            }
        } else if (vs < ve) {
            /* "value" then optionally spaces and a comment; no escapes inside. */
            const char *close = memchr(vs + 1, '"', (size_t)(ve - vs - 1));
            if (!close) {
                snprintf(why, why_len, "line %u: unterminated quoted value", line);
                return AG_ECONFIG;
            }
            const char *rest = close + 1, *rest_end = ve;
            trim(&rest, &rest_end);
            if (rest < rest_end && *rest != '#') {
                snprintf(why, why_len, "line %u: text after the closing quote", line);
                return AG_ECONFIG;
            }
            vs++;
            ve = close;
        }
        if ((size_t)(ke - ks) >= sizeof(key)) {
            snprintf(why, why_len, "line %u: key '%.40s...' too long", line, ks);
            return AG_ECONFIG;
        }
        if ((size_t)(ve - vs) >= sizeof(value)) {
            snprintf(why, why_len, "line %u: key '%.*s': value longer than %zu bytes", line,
                     (int)(ke - ks), ks, sizeof(value) - 1);
            return AG_ECONFIG;
        }
        memcpy(key, ks, (size_t)(ke - ks));
        key[ke - ks] = '\0';
        memcpy(value, vs, (size_t)(ve - vs));
        value[ve - vs] = '\0';
        if (config_set(c, key, value, reason, sizeof(reason)) != AG_OK) {
            snprintf(why, why_len, "line %u: %s", line, reason);
            return AG_ECONFIG;
        }
    }
    return AG_OK;
}

ag_err config_load_file(struct config *c, const char *path, char *why, size_t why_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        snprintf(why, why_len, "%s: %s", path, strerror(e));
        return AG_ECONFIG;
    }
    struct buf b;
    buf_init(&b, (size_t)1 << 20);
    char chunk[4096];
    size_t got;
    ag_err rc = AG_OK;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0 && rc == AG_OK)
        rc = buf_append(&b, chunk, got);
    if (ferror(f) && rc == AG_OK)
        rc = AG_EIO;
    fclose(f);
    if (rc != AG_OK) {
        snprintf(why, why_len, "%s: %s", path, ag_strerror(rc));
        buf_release(&b);
        return AG_ECONFIG;
    }
    char reason[512];
    rc = config_parse(c, buf_cstr(&b), b.len, reason, sizeof(reason));
    if (rc != AG_OK)
        snprintf(why, why_len, "%s: %s", path, reason);
    buf_release(&b);
    return rc;
}

/* An environment variable replaces a list: its entries are separated by ';'. */
static ag_err set_list_env(struct config *c, const struct key *k, const char *v, char *why,
                           size_t why_len)
{
    char *field = (char *)c + k->off;
    unsigned *count = (unsigned *)(void *)(field + k->size * (size_t)k->max);
    *count = 0;
    char entry[600];
    for (const char *p = v; *p;) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        const char *s = p, *e = p + len;
        p += len + (semi != NULL);
        trim(&s, &e);
        if (s == e)
            continue;
        if ((size_t)(e - s) >= sizeof(entry)) {
            snprintf(why, why_len, "an entry is longer than %zu bytes", sizeof(entry) - 1);
            return AG_ECONFIG;
        }
        memcpy(entry, s, (size_t)(e - s));
        entry[e - s] = '\0';
        if (set_value(c, k, entry, why, why_len) != AG_OK)
            return AG_ECONFIG;
    }
    return AG_OK;
}

ag_err config_load_env(struct config *c, char *why, size_t why_len)
{
    char env[80], reason[400];
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        size_t n = strlen(keys[i].name);
        memcpy(env, "AGENTGATE_", 10);
        for (size_t j = 0; j < n; j++)
            env[10 + j] = (char)toupper((unsigned char)keys[i].name[j]);
        env[10 + n] = '\0';
        const char *v = getenv(env);
        if (!v)
            continue;
        if (keys[i].kind == K_LIST) {
            if (set_list_env(c, &keys[i], v, reason, sizeof(reason)) != AG_OK) {
                snprintf(why, why_len, "environment %s: %s", env, reason);
                return AG_ECONFIG;
            }
            continue;
        }
        if (set_value(c, &keys[i], v, reason, sizeof(reason)) != AG_OK) {
            snprintf(why, why_len, "environment %s: %s", env, reason);
            return AG_ECONFIG;
        }
    }
    return AG_OK;
}

/* One CORS origin as a browser serialises it in the Origin header (RFC 6454 §6.2):
 * scheme "://" host [":" port], lower case, no path, no default port. Matching is by
 * exact comparison, so an entry a browser can never send is an error here rather than a
 * silent mismatch later. No wildcard: it would let any site use a key a user pasted. */
static bool origin_ok(const char *p, size_t n, char *why, size_t why_len)
{
    const char *end = p + n, *q;
    bool https = n >= 8 && memcmp(p, "https://", 8) == 0;
    if (memchr(p, '*', n)) {
        snprintf(why, why_len, "cors_origins: '%.*s': no wildcards, list each origin", (int)n, p);
        return false;
    }
    if (!https && !(n >= 7 && memcmp(p, "http://", 7) == 0)) {
        snprintf(why, why_len, "cors_origins: '%.*s' must start with https:// or http://", (int)n,
                 p);
        return false;
    }
    const char *host = p + (https ? 8 : 7);
    if (*host == '[') { /* an IPv6 literal */
        for (q = host + 1; q < end && (isxdigit((unsigned char)*q) || *q == ':' || *q == '.');)
            q++;
        if (q == host + 1 || q == end || *q != ']')
            goto bad;
        q++;
    } else {
        for (q = host; q < end && (islower((unsigned char)*q) || isdigit((unsigned char)*q) ||
                                   *q == '.' || *q == '-');)
            q++;
        if (q == host)
            goto bad;
    }
    if (q < end && *q == ':') {
        const char *d = ++q;
        unsigned port = 0;
        while (q < end && isdigit((unsigned char)*q) && q - d < 5)
            port = port * 10 + (unsigned)(*q++ - '0');
        if (q == d || *d == '0' || port > 65535)
            goto bad;
        if (port == (https ? 443u : 80u)) {
            snprintf(why, why_len,
                     "cors_origins: '%.*s': browsers send the origin without its default port",
                     (int)n, p);
            return false;
        }
    }
    if (q == end)
        return true;
bad:
    snprintf(why, why_len,
             "cors_origins: '%.*s' must be scheme://host[:port] in lower case, without a path "
             "or a trailing slash",
             (int)n, p);
    return false;
}

ag_err config_validate(const struct config *c, char *why, size_t why_len)
{
    if (!c->tls_cert_file[0] != !c->tls_key_file[0]) {
        snprintf(why, why_len, "tls_cert_file and tls_key_file go together: set both or neither");
        return AG_ECONFIG;
    }
    /* every entry, the one after a trailing comma included */
    for (const char *p = c->cors_origins, *next = p; *c->cors_origins && next; p = next) {
        const char *comma = strchr(p, ',');
        const char *s = p, *e = comma ? comma : p + strlen(p);
        next = comma ? comma + 1 : NULL;
        trim(&s, &e);
        if (s == e) {
            snprintf(why, why_len, "cors_origins: an empty entry (a comma list of origins)");
            return AG_ECONFIG;
        }
        if (!origin_ok(s, (size_t)(e - s), why, why_len))
            return AG_ECONFIG;
    }
    if (c->max_connections < c->threads) {
        /* libmicrohttpd shares the connection limit out among its threads */
        snprintf(why, why_len, "max_connections (%u) must be at least threads (%u)",
                 c->max_connections, c->threads);
        return AG_ECONFIG;
    }
    if ((c->jwt_jwks_file[0] || c->jwt_hs256_secret_file[0]) &&
        c->jwt_max_bytes + 64 > c->max_header_bytes) {
        snprintf(why, why_len,
                 "max_header_bytes (%zu) leaves no room for a bearer token of jwt_max_bytes "
                 "(%zu)",
                 c->max_header_bytes, c->jwt_max_bytes);
        return AG_ECONFIG;
    }
    if (c->guard_flag_at > c->guard_block_at) {
        snprintf(why, why_len, "guard_flag_at (%g) must not be above guard_block_at (%g)",
                 c->guard_flag_at, c->guard_block_at);
        return AG_ECONFIG;
    }
    size_t mk = strlen(c->master_key);
    bool hex = mk == 64;
    for (size_t i = 0; hex && i < mk; i++)
        hex = (c->master_key[i] >= '0' && c->master_key[i] <= '9') ||
              (c->master_key[i] >= 'a' && c->master_key[i] <= 'f') ||
              (c->master_key[i] >= 'A' && c->master_key[i] <= 'F');
    if (mk && !hex) {
        snprintf(why, why_len, "master_key must be 64 hex digits (the value is not shown)");
        return AG_ECONFIG;
    }
    if (mk && c->master_key_file[0]) {
        snprintf(why, why_len, "set master_key or master_key_file, not both");
        return AG_ECONFIG;
    }
    if (strncmp(c->audit_db, "postgres", 8) != 0 && strchr(c->audit_db, ':') &&
        c->audit_db[0] != '/' && c->audit_db[0] != '.') {
        snprintf(why, why_len, "audit_db must be a file path or a postgresql:// URI");
        return AG_ECONFIG;
    }
    /* llm_backends: known names, each at most once, with what each needs */
    const char *names[] = {"llama", "openai", "extractive"};
    bool seen[3] = {false, false, false};
    for (const char *p = c->llm_backends; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        size_t j = 0;
        while (j < 3 && !(strlen(names[j]) == len && memcmp(names[j], p, len) == 0))
            j++;
        if (j == 3 || seen[j]) {
            snprintf(why, why_len,
                     "llm_backends: '%.*s' is %s (a comma list of llama, openai, extractive)",
                     (int)len, p, j == 3 ? "not a backend" : "named twice");
            return AG_ECONFIG;
        }
        seen[j] = true;
        p += len + (comma != NULL);
    }
    if ((c->jwt_jwks_file[0] || c->jwt_hs256_secret_file[0] || c->jwt_jwks_url[0]) &&
        (!c->jwt_issuer[0] || !c->jwt_audience[0])) {
        snprintf(why, why_len, "JWT bearer tokens need jwt_issuer and jwt_audience");
        return AG_ECONFIG;
    }
    if (c->jwt_jwks_url[0] && strncasecmp(c->jwt_jwks_url, "https://", 8) != 0 &&
        strncasecmp(c->jwt_jwks_url, "http://", 7) != 0) {
        snprintf(why, why_len, "jwt_jwks_url must start with http:// or https://");
        return AG_ECONFIG;
    }
    if (c->jwt_jwks_min_refresh_s > c->jwt_jwks_refresh_s) {
        snprintf(why, why_len, "jwt_jwks_min_refresh_s (%u) is above jwt_jwks_refresh_s (%u)",
                 c->jwt_jwks_min_refresh_s, c->jwt_jwks_refresh_s);
        return AG_ECONFIG;
    }
    if (seen[0] && !c->llm_model[0]) {
        snprintf(why, why_len, "llm_backends names llama but llm_model is empty");
        return AG_ECONFIG;
    }
    if (seen[1] && c->n_llm_upstream == 0) {
        snprintf(why, why_len, "llm_backends names openai but no llm_upstream is configured");
        return AG_ECONFIG;
    }
    return AG_OK;
}
