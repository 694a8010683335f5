/*
 * core/config.h: agentgate's settings. Precedence: command-line flags > environment
 * (AGENTGATE_<KEY> in upper case) > config file > the defaults in config_default().
 * The file format is one `key = value` per line; `#` starts a comment; blank lines are
 * ignored; values may be double-quoted. Every key is documented in examples/agentgate.conf.
 * THREADS: a config is filled before the server starts and read-only afterwards.
 */
#ifndef AG_CORE_CONFIG_H
#define AG_CORE_CONFIG_H

#include <stddef.h>

#include "core/err.h"

#define LLM_MAX_UPSTREAMS        8
#define LLM_MAX_PRICES           16
#define JWT_MAX_ROLE_MAP_ENTRIES 32

struct config {
    char listen[128];          /* HOST:PORT the server binds */
    char data_dir[512];        /* where kb.db, keys.db, audit.db live */
    char tenant[64];           /* tenant of the CLI and of keys created without --tenant */
    char log_level[8];         /* debug|info|warn|error|off */
    unsigned threads;          /* HTTP worker threads */
    size_t max_body_bytes;     /* request bodies above this get 413 */
    size_t max_question_bytes; /* questions above this get 413 */
    double rate_per_sec;       /* token bucket refill per API key */
    double rate_burst;         /* token bucket size per API key */
    unsigned top_k;            /* passages retrieved per question */
    double answer_threshold;   /* extractive: below this support it says "don't know" */
    /* output guard (guard_out): every answer is checked against the passages and catalogue */
    char answer_check[8];            /* enforce|report: replace a failing answer, or only say so */
    double answer_support_threshold; /* a sentence with less support is unsupported (0..1) */
    double escalate_below;           /* a turn with less confidence goes to a human (0..1) */
    char prompt_canary[128];         /* a marker put in the system prompt; never in an answer */
    unsigned drain_timeout_s;        /* SIGTERM: wait at most this long for in-flight requests */
    unsigned audit_page_max;         /* GET /v1/audit: largest page */
    char default_lang[4];            /* de|en: language of text that does not tell */
    char synonyms_file[512];         /* synonym groups, one per line; "" for none */
    char embedding_model[512];       /* GGUF model for dense retrieval; "" for lexical only */
    /* catalogue column (CSV) or key (JSON Lines) names; "" = kb's defaults */
    char catalog_sku[32], catalog_name[32], catalog_price[32], catalog_currency[32];
    char catalog_stock[32], catalog_category[32], catalog_url[32];
    char catalog_default_currency[8]; /* when a row names no currency */
    char catalog_descriptions[160];   /* "column:lang,..." */
    /* input guard: injection policy (score 0..1), PII vault, consent */
    double guard_flag_at;            /* from this score a message is flagged */
    double guard_block_at;           /* from this score it is blocked (or escalated) */
    char guard_on_block[12];         /* block|escalate */
    char guard_passages[8];          /* drop|keep: retrieved passages scoring >= guard_block_at */
    unsigned pii_session_ttl_s;      /* the vault forgets a session this long after its last turn */
    unsigned pii_max_sessions;       /* sessions the vault holds at once */
    char store_content[12];          /* consent|always|never: may message content outlive a turn */
    char agent_name[64];             /* the agent's name in audit records */
    char consent_policy_version[64]; /* recorded with each consent change */
    unsigned content_retention_days; /* stored content older than this is shredded */
    char audit_key_file[512];        /* "" = DATA/audit.key (made on first start) */
    char master_key_file[512];       /* "" = master_key, else DATA/master.key */
    char audit_db[512];              /* "" = DATA/audit.db, or a postgresql:// URI */
    char master_key[80];             /* 64 hex digits (for AGENTGATE_MASTER_KEY), or "" */
    /* generation (src/llm): backends tried in order, the last that answers wins */
    char llm_backends[64];     /* comma list of llama|openai|extractive */
    char llm_model[512];       /* llama: GGUF file ("" = no local model) */
    char llm_model_name[64];   /* the model's name in replies and /v1/models ("" = file name) */
    unsigned llm_parallel;     /* llama: turns decoded together (sequences) */
    unsigned llm_ctx;          /* llama: context tokens per turn */
    unsigned llm_batch;        /* llama: tokens per decode step at most */
    unsigned llm_threads;      /* llama: CPU threads (0 = the processors the process may use) */
    unsigned llm_queue;        /* turns waiting for a free sequence (or worker) before 503 */
    unsigned gen_workers;      /* threads that run generating turns (each blocks on one) */
    unsigned llm_max_tokens;   /* answer tokens when the request names none */
    double llm_temperature;    /* when the request names none */
    double llm_top_p;          /* when the request names none */
    unsigned llm_timeout_ms;   /* whole generation deadline */
    char llm_prompt_file[512]; /* prompt template ("" = built in) */
    /* openai upstream pool: "NAME URL MODEL [weight=N] [key_env=VAR | key_file=PATH]" */
    char llm_upstream[LLM_MAX_UPSTREAMS][512];
    unsigned n_llm_upstream;
    unsigned upstream_connect_ms;       /* TCP/TLS connect */
    unsigned upstream_first_token_ms;   /* request sent -> first streamed token */
    unsigned upstream_total_ms;         /* request sent -> stream end */
    unsigned upstream_retries;          /* extra tries before the first token */
    unsigned upstream_breaker_failures; /* consecutive failures that open the breaker */
    unsigned upstream_breaker_open_s;   /* open this long, then one trial request */
    unsigned upstream_health_s;         /* health probe period (GET /v1/models); 0 = none */
    /* prices: "MODEL EUR_PER_1M_PROMPT_TOKENS EUR_PER_1M_COMPLETION_TOKENS" */
    char llm_price[LLM_MAX_PRICES][160];
    unsigned n_llm_price;
    /* daily budgets per API key (UTC day); 0 = none */
    unsigned long long budget_tokens_day;
    double budget_eur_day;
    /* OAuth2/OIDC bearer JWTs (src/auth/jwt.h); on when a key file is set */
    char jwt_issuer[256];            /* the iss every token must carry */
    char jwt_audience[256];          /* aud must be this or an array holding it */
    char jwt_jwks_file[512];         /* JWKS JSON: RSA, EC P-256 and oct keys */
    char jwt_hs256_secret_file[512]; /* raw HS256 secret, >= 32 bytes */
    unsigned jwt_leeway_s;           /* clock skew allowed on exp, nbf, iat */
    char jwt_role_claim[64];         /* string or array claim of role values ("" = none) */
    char jwt_role_map[JWT_MAX_ROLE_MAP_ENTRIES][128]; /* "CLAIM_VALUE ROLE" */
    unsigned n_jwt_role_map;
    char jwt_tenant_claim[64];       /* "" = tokens get the tenant key's value */
    size_t jwt_max_bytes;            /* longer bearer tokens are refused unread */
    char jwt_jwks_url[512];          /* http(s) JWKS URL, fetched and refreshed */
    unsigned jwt_jwks_refresh_s;     /* refetch period (max-age may shorten it) */
    unsigned jwt_jwks_min_refresh_s; /* at most one fetch per this on unknown kids */
    char jwt_subject_claim[64];      /* the claim naming the turn's subject */
    /* where the per-key token buckets live: this process, or Redis shared by instances */
    char limit_backend[8];        /* memory|redis */
    char redis_url[300];          /* redis://HOST[:PORT][/DB] */
    unsigned redis_connect_ms;    /* connect timeout */
    unsigned redis_command_ms;    /* timeout of one command */
    char limit_on_redis_error[8]; /* closed (503 + Retry-After) | open (allow) */
    /* buckets per tenant + subject and per client address (rate 0 = off), and the cap on
     * turns in flight per tenant + subject in this process (0 = none) */
    double limit_subject_rate, limit_subject_burst;
    double limit_ip_rate, limit_ip_burst;
    unsigned limit_concurrent_per_key;
    /* HTTP transport and hardening (src/http) */
    char tls_cert_file[512];    /* PEM certificate (chain); with tls_key_file: HTTPS */
    char tls_key_file[512];     /* PEM private key of that certificate (never logged) */
    char cors_origins[600];     /* comma list of exact origins allowed cross-site; "" = off */
    size_t max_header_bytes;    /* request header names and values above this: 431 */
    unsigned max_header_count;  /* more request headers than this: 431 */
    unsigned max_connections;   /* open connections at most */
    unsigned max_conns_per_ip;  /* open connections per client address (0 = no cap) */
    unsigned idle_timeout_s;    /* a connection silent this long is closed */
    unsigned request_timeout_s; /* a request's headers and body must arrive within this */
    unsigned max_inflight;      /* requests in flight at most; beyond: 503 overloaded */
};

struct config config_default(void);

/* Set one key from its text form. On failure returns AG_ECONFIG with a reason in why. */
ag_err config_set(struct config *c, const char *key, const char *value, char *why, size_t why_len);
/* Apply the file at path. On failure why names the line and key ("line 3: key 'x': ..."). */
ag_err config_load_file(struct config *c, const char *path, char *why, size_t why_len);
/* Parse config text p[0..n) (the body of config_load_file; also the fuzz entry). */
ag_err config_parse(struct config *c, const char *p, size_t n, char *why, size_t why_len);
/* Checks across keys, after every source was applied (AG_ECONFIG with a reason). */
ag_err config_validate(const struct config *c, char *why, size_t why_len);
/* Apply AGENTGATE_* environment variables. */
ag_err config_load_env(struct config *c, char *why, size_t why_len);

#endif
