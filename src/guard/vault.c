// SPDX-License-Identifier: MIT
/*
 * guard/vault.c: placeholders for personal data and the encrypted per-session vault.
 * Sessions live in a hash table keyed by the scope id (HMAC of tenant and session id),
 * split into up to 16 stripes, each with its own mutex, buckets, LRU list and share of
 * max_sessions. A session holds a random AES-256-GCM key (prepared once, kept only in
 * OpenSSL's state) and its entries: the value's ciphertext and tag, sealed with the
 * session's counter as nonce and (scope id, type, number) as associated data, and an HMAC
 * of (scope id, type, value) under a process key so that "is this value already here" is a
 * compare of MACs, not a decrypt of every entry.
 * Expired sessions cannot be looked up; they are swept from the LRU tail as calls pass.
 * A one-turn scope keeps its own session outside the table, "plain": values are held as
 * written (the turn holds the message anyway) and matched by value, so such a turn costs
 * no random bytes, MACs, AES or lock.
 * THREADS: v->p, v->id_key, v->mac_key and the stripe layout are fixed after create. Each
 * stripe's table, list and sessions are guarded by its mu; no two stripe locks are ever
 * held together. Counters are relaxed atomics. HMACs and the clock run with no lock held;
 * AES-GCM and RAND_bytes run under the stripe lock (CPU only, bounded by max_value_bytes,
 * they take no lock of ours and call nothing back): moving them out would mean copying
 * session keys out of the lock and a second locked phase to re-check.
 * OWNERSHIP: the vault owns its sessions; keys and values are wiped before they are freed.
 */
#include "guard/vault.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"

#define MAX_STRIPES      16
#define SESSIONS_PER_MIN 64 /* a vault gets a second stripe once each holds this many */
#define NUM_DIGITS       9
#define VALUE_STACK      256 /* restored values up to this size are decrypted on the stack */
#define SPANS_STACK      16

struct vault_entry {
    uint8_t mac[CRYPTO_SHA256_LEN]; /* HMAC(mac_key, scope id, type, value) */
    uint8_t tag[CRYPTO_AEAD_TAG_LEN];
    uint64_t nonce; /* the session's counter when sealed; never reused under its key */
    uint32_t num;   /* the N of [TYPE_N] */
    enum pii_type type;
    size_t len;
    uint8_t *ct; /* len bytes (at least 1 allocated) */
};

struct vault_session {
    uint8_t id[GUARD_VAULT_SCOPE_LEN];
    struct crypto_aead *aead; /* the session's random key, prepared once (NULL when plain) */
    uint64_t last_ms;
    uint64_t nonce_ctr;
    struct vault_session *hnext;       /* bucket chain */
    struct vault_session *prev, *next; /* LRU list: head is the most recently used */
    struct vault_entry *e;
    size_t n, cap;
    uint32_t last_num[PII_N_TYPES]; /* highest number given per type */
    bool plain; /* a one-turn scope's: ct holds the value itself, mac is unused */
};

struct vault_stripe {
    _Alignas(64) pthread_mutex_t mu; /* own cache line: stripes are locked by many threads */
    struct vault_session **buckets;
    size_t mask;
    struct vault_session *head, *tail;
    size_t count, cap;
};

struct guard_vault {
    struct guard_vault_params p;
    uint64_t ttl_ms;
    struct crypto_hmac *id_key;  /* scope ids */
    struct crypto_hmac *mac_key; /* value MACs */
    struct vault_stripe *stripes;
    size_t n_stripes;
    atomic_size_t sessions;
    atomic_uint_fast64_t evicted, expired;
};

static uint64_t now_ms(const struct guard_vault *v)
{
    return v->p.now_ms ? v->p.now_ms(v->p.now_arg) : clock_mono_ns() / 1000000u;
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, sizeof(x));
    return x;
}

static void store_be(uint8_t *p, uint64_t x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(x >> (8 * (n - 1 - i)));
}

/* ---- placeholders --------------------------------------------------------------------- */

struct token {
    size_t len; /* bytes from '[' to ']' inclusive */
    size_t slashes;
    enum pii_type type;
    uint32_t num;
};

static bool is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool type_of_name(const char *p, size_t n, enum pii_type *out)
{
    for (int t = 0; t < PII_N_TYPES; t++) {
        const char *name = pii_type_name((enum pii_type)t);
        if (strlen(name) == n && memcmp(name, p, n) == 0) {
            *out = (enum pii_type)t;
            return true;
        }
    }
    return false;
}

/* p[0..n) starts with '['. A token is "[" NAME "\"* "_" N "]" with NAME a type name and N
 * in 1..999999999 without a leading zero. Unescaped, the name ends at the last underscore
 * (names have their own); escaped, at the first backslash. */
static bool token_parse(const char *p, size_t n, struct token *t)
{
    size_t i = 1;
    while (i < n && is_name_char(p[i]))
        i++;
    size_t seg_end = i, k = 0;
    while (i < n && p[i] == '\\') {
        i++;
        k++;
    }
    size_t name_end, digits, close;
    if (k > 0) {
        if (i >= n || p[i] != '_')
            return false;
        name_end = seg_end;
        digits = close = i + 1;
        while (close < n && p[close] >= '0' && p[close] <= '9')
            close++;
    } else {
        size_t u = seg_end;
        while (u > 1 && p[u - 1] != '_')
            u--;
        if (u <= 1)
            return false;
        name_end = u - 1;
        digits = u;
        close = seg_end;
    }
    if (close >= n || p[close] != ']' || close == digits || close - digits > NUM_DIGITS ||
        p[digits] == '0' || name_end <= 1)
        return false;
    uint32_t num = 0;
    for (size_t d = digits; d < close; d++) {
        if (p[d] < '0' || p[d] > '9')
            return false;
        num = num * 10 + (uint32_t)(p[d] - '0');
    }
    if (!type_of_name(p + 1, name_end - 1, &t->type))
        return false;
    t->len = close + 1;
    t->slashes = k;
    t->num = num;
    return true;
}

/* "[" NAME, slashes backslashes, "_" N "]". */
static ag_err put_token(struct buf *out, enum pii_type type, size_t slashes, uint32_t num)
{
    static const char bs[] = "\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"; /* 16 backslashes */
    char tail[2 + NUM_DIGITS + 1];
    size_t t = sizeof(tail);
    tail[--t] = ']';
    do {
        tail[--t] = (char)('0' + num % 10);
        num /= 10;
    } while (num);
    tail[--t] = '_';
    ag_err rc = buf_putc(out, '[');
    if (rc == AG_OK)
        rc = buf_append_str(out, pii_type_name(type));
    while (rc == AG_OK && slashes > 0) {
        size_t m = slashes < sizeof(bs) - 1 ? slashes : sizeof(bs) - 1;
        rc = buf_append(out, bs, m);
        slashes -= m;
    }
    if (rc == AG_OK)
        rc = buf_append(out, tail + t, sizeof(tail) - t);
    return rc;
}

/* The first token in p[from..n): its start in *at and its parse in *t; false if none. */
static bool next_token(const char *p, size_t n, size_t from, size_t *at, struct token *t)
{
    for (size_t i = from; i < n;) {
        const char *q = memchr(p + i, '[', n - i);
        if (!q)
            return false;
        size_t j = (size_t)(q - p);
        if (token_parse(p + j, n - j, t)) {
            *at = j;
            return true;
        }
        i = j + 1;
    }
    return false;
}

/* Append p[0..n) with every token escaped by one more backslash. */
static ag_err put_escaped(struct buf *out, const char *p, size_t n)
{
    size_t run = 0, j;
    struct token t;
    while (next_token(p, n, run, &j, &t)) {
        ag_err rc = buf_append(out, p + run, j - run);
        if (rc == AG_OK)
            rc = put_token(out, t.type, t.slashes + 1, t.num);
        if (rc != AG_OK)
            return rc;
        run = j + t.len;
    }
    return buf_append(out, p + run, n - run);
}

void guard_blank_placeholders(char *p, size_t n)
{
    size_t i = 0, j;
    struct token t;
    for (; next_token(p, n, i, &j, &t); i = j + t.len)
        if (t.slashes == 0) /* an escaped one is text the customer wrote */
            memset(p + j, ' ', t.len);
}

/* Undo a partial append: wipe what was added (it may hold values) and cut it off. */
static void out_truncate(struct buf *out, size_t len)
{
    if (out->len > len)
        crypto_wipe(out->p + len, out->len - len);
    buf_truncate(out, len);
}

/* ---- sessions --------------------------------------------------------------------------- */

static bool expired(const struct guard_vault *v, const struct vault_session *s, uint64_t now)
{
    return now > s->last_ms && now - s->last_ms >= v->ttl_ms;
}

static struct vault_stripe *stripe_of(const struct guard_vault *v, const uint8_t *id)
{
    return &v->stripes[load64(id) & (v->n_stripes - 1)];
}

static struct vault_session **bucket_of(const struct vault_stripe *st, const uint8_t *id)
{
    return &st->buckets[load64(id + 8) & st->mask];
}

static void entries_truncate(struct vault_session *s, size_t n)
{
    for (size_t i = n; i < s->n; i++) {
        crypto_wipe(s->e[i].ct, s->e[i].len);
        free(s->e[i].ct);
        crypto_wipe(&s->e[i], sizeof(s->e[i]));
    }
    if (s->n > n)
        s->n = n;
}

static void session_free(struct vault_session *s)
{
    if (!s)
        return;
    entries_truncate(s, 0);
    free(s->e);
    crypto_aead_destroy(s->aead);
    crypto_wipe(s, sizeof(*s));
    free(s);
}

static void lru_unlink(struct vault_stripe *st, struct vault_session *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        st->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        st->tail = s->prev;
    s->prev = s->next = NULL;
}

static void lru_push_head(struct vault_stripe *st, struct vault_session *s)
{
    s->prev = NULL;
    s->next = st->head;
    if (st->head)
        st->head->prev = s;
    st->head = s;
    if (!st->tail)
        st->tail = s;
}

/* Take s, already out of the LRU list, out of its bucket and free it. Caller holds st->mu. */
static void session_release(struct guard_vault *v, struct vault_stripe *st, struct vault_session *s)
{
    struct vault_session **pp = bucket_of(st, s->id);
    while (*pp && *pp != s)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = s->hnext;
    st->count--;
    atomic_fetch_sub_explicit(&v->sessions, 1, memory_order_relaxed);
    session_free(s);
}

static void session_drop(struct guard_vault *v, struct vault_stripe *st, struct vault_session *s)
{
    lru_unlink(st, s);
    session_release(v, st, s);
}

/* Drop the least recently used session (the stripe has one). */
static void session_drop_tail(struct guard_vault *v, struct vault_stripe *st)
{
    struct vault_session *s = st->tail;
    st->tail = s->prev;
    if (st->tail)
        st->tail->next = NULL;
    else
        st->head = NULL;
    session_release(v, st, s);
}

/* Drop up to limit expired sessions from the LRU tail. Caller holds st->mu. */
static void sweep_stripe(struct guard_vault *v, struct vault_stripe *st, uint64_t now, size_t limit)
{
    while (limit-- > 0 && st->tail && expired(v, st->tail, now)) {
        session_drop_tail(v, st);
        atomic_fetch_add_explicit(&v->expired, 1, memory_order_relaxed);
    }
}

/* The live session with this id, or NULL; an expired one is dropped on the way. */
static struct vault_session *session_find(struct guard_vault *v, struct vault_stripe *st,
                                          const uint8_t *id, uint64_t now)
{
    struct vault_session *s = *bucket_of(st, id);
    while (s && memcmp(s->id, id, GUARD_VAULT_SCOPE_LEN) != 0)
        s = s->hnext;
    if (s && expired(v, s, now)) {
        session_drop(v, st, s);
        atomic_fetch_add_explicit(&v->expired, 1, memory_order_relaxed);
        s = NULL;
    }
    return s;
}

static void session_touch(struct vault_stripe *st, struct vault_session *s, uint64_t now)
{
    /* The clock is read before the lock, so a racing call may bring an older time. */
    if (now > s->last_ms)
        s->last_ms = now;
    lru_unlink(st, s);
    lru_push_head(st, s);
}

/* A new empty session. A full stripe first gives up its least recently used session:
 * refusing would let anyone who can mint session ids lock every new customer out for a
 * TTL, while the evicted session only loses its mapping (its placeholders then stay as
 * they are). Caller holds st->mu. */
static ag_err session_new(struct guard_vault *v, struct vault_stripe *st, const uint8_t *id,
                          uint64_t now, struct vault_session **out)
{
    struct vault_session *s = calloc(1, sizeof(*s));
    if (!s)
        return AG_ENOMEM;
    uint8_t key[CRYPTO_AEAD_KEY_LEN];
    ag_err rc = crypto_random(key, sizeof(key));
    if (rc == AG_OK)
        rc = crypto_aead_create(key, &s->aead);
    crypto_wipe(key, sizeof(key));
    if (rc != AG_OK) {
        session_free(s);
        return rc == AG_ENOMEM ? AG_ENOMEM : AG_EIO;
    }
    if (st->count >= st->cap && st->tail) {
        bool was_expired = expired(v, st->tail, now);
        session_drop_tail(v, st);
        atomic_fetch_add_explicit(was_expired ? &v->expired : &v->evicted, 1, memory_order_relaxed);
    }
    memcpy(s->id, id, GUARD_VAULT_SCOPE_LEN);
    s->last_ms = now;
    struct vault_session **b = bucket_of(st, id);
    s->hnext = *b;
    *b = s;
    lru_push_head(st, s);
    st->count++;
    atomic_fetch_add_explicit(&v->sessions, 1, memory_order_relaxed);
    *out = s;
    return AG_OK;
}

/* The associated data of an entry: which session, and which placeholder it answers to. */
static void entry_aad(uint8_t aad[GUARD_VAULT_SCOPE_LEN + 5], const uint8_t *id, enum pii_type type,
                      uint32_t num)
{
    memcpy(aad, id, GUARD_VAULT_SCOPE_LEN);
    aad[GUARD_VAULT_SCOPE_LEN] = (uint8_t)type;
    store_be(aad + GUARD_VAULT_SCOPE_LEN + 1, num, 4);
}

static void entry_nonce(uint8_t nonce[CRYPTO_AEAD_NONCE_LEN], uint64_t ctr)
{
    memset(nonce, 0, CRYPTO_AEAD_NONCE_LEN);
    store_be(nonce + 4, ctr, 8);
}

static const struct vault_entry *entry_by_mac(const struct vault_session *s, const uint8_t *mac)
{
    for (size_t i = 0; i < s->n; i++)
        if (memcmp(s->e[i].mac, mac, CRYPTO_SHA256_LEN) == 0)
            return &s->e[i];
    return NULL;
}

/* A plain session's entry holding this value. */
static const struct vault_entry *entry_by_value(const struct vault_session *s, enum pii_type type,
                                                const char *p, size_t n)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->e[i].type == type && s->e[i].len == n && memcmp(s->e[i].ct, p, n) == 0)
            return &s->e[i];
    return NULL;
}

static const struct vault_entry *entry_by_num(const struct vault_session *s, enum pii_type type,
                                              uint32_t num)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->e[i].type == type && s->e[i].num == num)
            return &s->e[i];
    return NULL;
}

/* Keep value p[0..n) as the next number of its type: sealed (mac is its MAC), or as it is in
 * a plain session (mac is NULL). Caller holds the stripe lock of a shared session. */
static ag_err entry_add(const struct guard_vault *v, struct vault_session *s, enum pii_type type,
                        const char *p, size_t n, const uint8_t *mac, uint32_t *num_out)
{
    const bool plain = s->plain;
    if (!plain && !mac)
        return AG_EINVAL; /* a sealed entry is found again by its MAC */
    if (s->n >= v->p.max_entries)
        return AG_ETOOBIG;
    struct vault_entry *e = ag_grow(s->e, &s->cap, s->n, sizeof(*s->e));
    if (!e)
        return AG_ENOMEM;
    s->e = e;
    e = &s->e[s->n];
    memset(e, 0, sizeof(*e));
    e->ct = malloc(n ? n : 1);
    if (!e->ct)
        return AG_ENOMEM;
    e->type = type;
    e->num = s->last_num[type] + 1;
    e->len = n;
    if (plain) {
        memcpy(e->ct, p, n);
    } else {
        e->nonce = s->nonce_ctr++;
        memcpy(e->mac, mac, CRYPTO_SHA256_LEN);
        uint8_t aad[GUARD_VAULT_SCOPE_LEN + 5], nonce[CRYPTO_AEAD_NONCE_LEN];
        entry_aad(aad, s->id, type, e->num);
        entry_nonce(nonce, e->nonce);
        ag_err rc = crypto_aead_seal_keyed(s->aead, nonce, aad, sizeof(aad), p, n, e->ct, e->tag);
        if (rc != AG_OK) {
            free(e->ct);
            e->ct = NULL;
            return rc;
        }
    }
    s->last_num[type] = e->num;
    s->n++;
    *num_out = e->num;
    return AG_OK;
}

/* Decrypt e and append it to out; the plaintext is wiped after. */
static ag_err entry_put(const struct vault_session *s, const struct vault_entry *e, struct buf *out)
{
    if (s->plain)
        return buf_append(out, e->ct, e->len);
    uint8_t stack[VALUE_STACK];
    uint8_t *p = e->len <= sizeof(stack) ? stack : malloc(e->len);
    if (!p)
        return AG_ENOMEM;
    uint8_t aad[GUARD_VAULT_SCOPE_LEN + 5], nonce[CRYPTO_AEAD_NONCE_LEN];
    entry_aad(aad, s->id, e->type, e->num);
    entry_nonce(nonce, e->nonce);
    ag_err rc = crypto_aead_open_keyed(s->aead, nonce, aad, sizeof(aad), e->ct, e->len, e->tag, p);
    if (rc == AG_OK)
        rc = buf_append(out, p, e->len);
    else if (rc == AG_ECORRUPT)
        log_error("guard: vault entry failed its integrity check type=%s num=%u",
                  pii_type_name(e->type), (unsigned)e->num);
    crypto_wipe(p, e->len);
    if (p != stack)
        free(p);
    return rc;
}

/* ---- public API --------------------------------------------------------------------------- */

struct guard_vault_params guard_vault_default_params(void)
{
    return (struct guard_vault_params){
        .max_sessions = 10000,
        .max_entries = 32,
        .ttl_s = 1800,
        .max_value_bytes = 256,
        .now_ms = NULL,
        .now_arg = NULL,
    };
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 4;
    while (p < n)
        p *= 2;
    return p;
}

ag_err guard_vault_create(const struct guard_vault_params *params, struct guard_vault **out)
{
    if (!params || !out || params->max_sessions == 0 || params->max_sessions > (1u << 24) ||
        params->max_entries == 0 || params->max_entries > (1u << 20) || params->ttl_s == 0 ||
        params->max_value_bytes == 0 || params->max_value_bytes > (1u << 20))
        return AG_EINVAL;
    ag_err rc = AG_ENOMEM;
    struct guard_vault *v = calloc(1, sizeof(*v));
    if (!v)
        return AG_ENOMEM;
    v->p = *params;
    v->ttl_ms = (uint64_t)params->ttl_s * 1000u;
    atomic_init(&v->sessions, 0);
    atomic_init(&v->evicted, 0);
    atomic_init(&v->expired, 0);
    /* Small vaults keep one stripe, so that LRU order is exact where it is most visible. */
    v->n_stripes = 1;
    while (v->n_stripes < MAX_STRIPES &&
           v->n_stripes * 2 * SESSIONS_PER_MIN <= params->max_sessions)
        v->n_stripes *= 2;
    v->stripes =
        aligned_alloc(_Alignof(struct vault_stripe), v->n_stripes * sizeof(struct vault_stripe));
    if (!v->stripes)
        goto fail;
    memset(v->stripes, 0, v->n_stripes * sizeof(struct vault_stripe));
    for (size_t i = 0; i < v->n_stripes; i++) {
        struct vault_stripe *st = &v->stripes[i];
        /* The shares add up to max_sessions exactly. */
        st->cap = params->max_sessions / v->n_stripes + (i < params->max_sessions % v->n_stripes);
        size_t nb = pow2_at_least(st->cap);
        st->mask = nb - 1;
        st->buckets = calloc(nb, sizeof(struct vault_session *));
        if (!st->buckets || pthread_mutex_init(&st->mu, NULL) != 0) {
            free(st->buckets);
            st->buckets = NULL;
            goto fail;
        }
    }
    uint8_t key[CRYPTO_SHA256_LEN];
    rc = crypto_random(key, sizeof(key));
    if (rc == AG_OK)
        rc = crypto_hmac_create(key, sizeof(key), &v->id_key);
    if (rc == AG_OK)
        rc = crypto_random(key, sizeof(key));
    if (rc == AG_OK)
        rc = crypto_hmac_create(key, sizeof(key), &v->mac_key);
    crypto_wipe(key, sizeof(key));
    if (rc != AG_OK)
        goto fail;
    *out = v;
    return AG_OK;
fail:
    guard_vault_destroy(v);
    return rc;
}

void guard_vault_destroy(struct guard_vault *v)
{
    if (!v)
        return;
    for (size_t i = 0; v->stripes && i < v->n_stripes; i++) {
        struct vault_stripe *st = &v->stripes[i];
        if (!st->buckets)
            break; /* create stopped here: later stripes were never set up */
        while (st->tail)
            session_drop_tail(v, st);
        free(st->buckets);
        pthread_mutex_destroy(&st->mu);
    }
    free(v->stripes);
    crypto_hmac_destroy(v->id_key);
    crypto_hmac_destroy(v->mac_key);
    crypto_wipe(v, sizeof(*v));
    free(v);
}

ag_err guard_vault_scope(const struct guard_vault *v, const char *tenant, const char *session,
                         struct guard_vault_scope *out)
{
    if (!v || !tenant || !out)
        return AG_EINVAL;
    size_t tl = strnlen(tenant, GUARD_VAULT_MAX_ID + 1);
    size_t sl = session ? strnlen(session, GUARD_VAULT_MAX_ID + 1) : 0;
    if (tl == 0 || (session && sl == 0))
        return AG_EINVAL;
    if (tl > GUARD_VAULT_MAX_ID || sl > GUARD_VAULT_MAX_ID)
        return AG_ETOOBIG;
    memset(out, 0, sizeof(*out));
    if (!session) {
        out->one_turn = true; /* no id: its values never enter the table */
        return AG_OK;
    }
    /* The tenant's length goes first, so that ("ab", "c") and ("a", "bc") differ. */
    uint8_t tlen = (uint8_t)tl;
    struct crypto_part parts[] = {{&tlen, 1}, {tenant, tl}, {session, sl}};
    return crypto_hmac_sha256_keyed(v->id_key, parts, 3, out->id);
}

void guard_vault_forget(struct guard_vault *v, struct guard_vault_scope *s)
{
    if (!s)
        return;
    if (s->one_turn) { /* its values are the scope's own, whatever v is */
        session_free(s->local);
        s->local = NULL;
        return;
    }
    if (!v)
        return;
    struct vault_stripe *st = stripe_of(v, s->id);
    pthread_mutex_lock(&st->mu);
    struct vault_session *ses = *bucket_of(st, s->id);
    while (ses && memcmp(ses->id, s->id, GUARD_VAULT_SCOPE_LEN) != 0)
        ses = ses->hnext;
    if (ses)
        session_drop(v, st, ses);
    pthread_mutex_unlock(&st->mu);
}

void guard_vault_scope_end(struct guard_vault *v, struct guard_vault_scope *s)
{
    if (s && s->one_turn)
        guard_vault_forget(v, s);
}

static ag_err check_spans(const struct guard_vault *v, size_t n, const struct pii_span *spans,
                          size_t n_spans)
{
    size_t prev = 0;
    for (size_t i = 0; i < n_spans; i++) {
        const struct pii_span *sp = &spans[i];
        if ((unsigned)sp->type >= PII_N_TYPES || sp->start >= sp->end || sp->end > n ||
            sp->start < prev)
            return AG_EINVAL;
        prev = sp->end;
    }
    for (size_t i = 0; i < n_spans; i++)
        if (spans[i].end - spans[i].start > v->p.max_value_bytes)
            return AG_ETOOBIG;
    return AG_OK;
}

/* The text with spans replaced by nums[i] and the gaps escaped. */
static ag_err put_pseudonymised(struct buf *out, const char *text, size_t n,
                                const struct pii_span *spans, const uint32_t *nums, size_t n_spans)
{
    size_t pos = 0;
    ag_err rc = AG_OK;
    for (size_t i = 0; i < n_spans && rc == AG_OK; i++) {
        rc = put_escaped(out, text + pos, spans[i].start - pos);
        if (rc == AG_OK)
            rc = put_token(out, spans[i].type, 0, nums[i]);
        pos = spans[i].end;
    }
    return rc == AG_OK ? put_escaped(out, text + pos, n - pos) : rc;
}

/* Give each span its number in ses (an entry found by MAC, or by value in a plain session
 * with macs NULL, or a new one) and write the text. On an error ses is as it was. */
static ag_err put_numbered(const struct guard_vault *v, struct vault_session *ses, const char *text,
                           size_t n, const struct pii_span *spans, size_t n_spans,
                           const uint8_t (*macs)[CRYPTO_SHA256_LEN], uint32_t *nums,
                           struct buf *out)
{
    size_t n0 = ses->n;
    uint32_t last0[PII_N_TYPES];
    memcpy(last0, ses->last_num, sizeof(last0));
    ag_err rc = AG_OK;
    for (size_t i = 0; i < n_spans && rc == AG_OK; i++) {
        const char *val = text + spans[i].start;
        size_t len = spans[i].end - spans[i].start;
        const struct vault_entry *e =
            macs ? entry_by_mac(ses, macs[i]) : entry_by_value(ses, spans[i].type, val, len);
        if (e)
            nums[i] = e->num;
        else
            rc = entry_add(v, ses, spans[i].type, val, len, macs ? macs[i] : NULL, &nums[i]);
    }
    if (rc == AG_OK)
        rc = put_pseudonymised(out, text, n, spans, nums, n_spans);
    if (rc != AG_OK) {
        entries_truncate(ses, n0);
        memcpy(ses->last_num, last0, sizeof(last0));
    }
    return rc;
}

/* A one-turn scope: its own plain session, made on its first value. */
static ag_err pseudonymise_local(const struct guard_vault *v, struct guard_vault_scope *s,
                                 const char *text, size_t n, const struct pii_span *spans,
                                 size_t n_spans, uint32_t *nums, struct buf *out)
{
    bool created = false;
    if (!s->local) {
        s->local = calloc(1, sizeof(*s->local));
        if (!s->local)
            return AG_ENOMEM;
        s->local->plain = true;
        created = true;
    }
    ag_err rc = put_numbered(v, s->local, text, n, spans, n_spans, NULL, nums, out);
    if (rc != AG_OK && created) {
        session_free(s->local);
        s->local = NULL;
    }
    return rc;
}

/* A session's scope: the values' MACs (before the lock), then the session, found or made. */
static ag_err pseudonymise_shared(struct guard_vault *v, const struct guard_vault_scope *s,
                                  const char *text, size_t n, const struct pii_span *spans,
                                  size_t n_spans, uint32_t *nums, struct buf *out)
{
    uint8_t mac_stack[SPANS_STACK][CRYPTO_SHA256_LEN];
    uint8_t(*macs)[CRYPTO_SHA256_LEN] =
        n_spans > SPANS_STACK ? malloc(n_spans * sizeof(*macs)) : mac_stack;
    if (!macs)
        return AG_ENOMEM;
    ag_err rc = AG_OK;
    for (size_t i = 0; i < n_spans && rc == AG_OK; i++) {
        uint8_t type = (uint8_t)spans[i].type;
        struct crypto_part parts[] = {{s->id, sizeof(s->id)},
                                      {&type, 1},
                                      {text + spans[i].start, spans[i].end - spans[i].start}};
        rc = crypto_hmac_sha256_keyed(v->mac_key, parts, 3, macs[i]);
    }
    if (rc == AG_OK) {
        uint64_t now = now_ms(v);
        struct vault_stripe *st = stripe_of(v, s->id);
        pthread_mutex_lock(&st->mu);
        sweep_stripe(v, st, now, 8);
        bool created = false;
        struct vault_session *ses = session_find(v, st, s->id, now);
        if (!ses) {
            rc = session_new(v, st, s->id, now, &ses);
            created = rc == AG_OK;
        }
        if (rc == AG_OK) {
            rc = put_numbered(v, ses, text, n, spans, n_spans,
                              (const uint8_t(*)[CRYPTO_SHA256_LEN])macs, nums, out);
            if (rc == AG_OK)
                session_touch(st, ses, now);
            else if (created)
                session_drop(v, st, ses);
        }
        pthread_mutex_unlock(&st->mu);
    }
    crypto_wipe(macs, n_spans * sizeof(*macs));
    if (macs != mac_stack)
        free(macs);
    return rc;
}

ag_err guard_pseudonymise(struct guard_vault *v, struct guard_vault_scope *s, const char *text,
                          size_t n, const struct pii_span *spans, size_t n_spans, struct buf *out)
{
    if (!v || !s || !out || (n && !text) || (n_spans && !spans))
        return AG_EINVAL;
    ag_err rc = check_spans(v, n, spans, n_spans);
    if (rc != AG_OK)
        return rc;
    size_t start = out->len;
    if (n_spans == 0) {
        rc = put_escaped(out, text, n);
    } else {
        uint32_t num_stack[SPANS_STACK]; /* each span's placeholder number */
        uint32_t *nums = n_spans > SPANS_STACK ? malloc(n_spans * sizeof(*nums)) : num_stack;
        if (!nums)
            rc = AG_ENOMEM;
        else if (s->one_turn)
            rc = pseudonymise_local(v, s, text, n, spans, n_spans, nums, out);
        else
            rc = pseudonymise_shared(v, s, text, n, spans, n_spans, nums, out);
        if (nums != num_stack)
            free(nums);
    }
    if (rc != AG_OK)
        out_truncate(out, start);
    return rc;
}

/* The restoring walk over text; ses may be NULL (then only escapes are undone). */
static ag_err put_restored(const struct vault_session *ses, const char *p, size_t n,
                           struct buf *out)
{
    size_t i = 0, run = 0, j;
    struct token t;
    for (; next_token(p, n, i, &j, &t); i = j + t.len) {
        const struct vault_entry *e = NULL;
        if (t.slashes == 0 && (!ses || !(e = entry_by_num(ses, t.type, t.num))))
            continue; /* not ours (invented, expired, another session's): as it is */
        ag_err rc = buf_append(out, p + run, j - run);
        if (rc == AG_OK)
            rc = e ? entry_put(ses, e, out) : put_token(out, t.type, t.slashes - 1, t.num);
        if (rc != AG_OK)
            return rc;
        run = j + t.len;
    }
    return buf_append(out, p + run, n - run);
}

ag_err guard_restore(struct guard_vault *v, const struct guard_vault_scope *s, const char *text,
                     size_t n, struct buf *out)
{
    if (!v || !s || !out || (n && !text))
        return AG_EINVAL;
    size_t start = out->len;
    if (s->one_turn) {
        ag_err rc = put_restored(s->local, text, n, out);
        if (rc != AG_OK)
            out_truncate(out, start);
        return rc;
    }
    uint64_t now = now_ms(v);
    struct vault_stripe *st = stripe_of(v, s->id);
    pthread_mutex_lock(&st->mu);
    sweep_stripe(v, st, now, 8);
    struct vault_session *ses = session_find(v, st, s->id, now);
    if (ses)
        session_touch(st, ses, now);
    ag_err rc = put_restored(ses, text, n, out);
    pthread_mutex_unlock(&st->mu);
    if (rc != AG_OK)
        out_truncate(out, start);
    return rc;
}

void guard_vault_stats(const struct guard_vault *v, struct guard_vault_stats *out)
{
    out->sessions = atomic_load_explicit(&v->sessions, memory_order_relaxed);
    out->evicted = atomic_load_explicit(&v->evicted, memory_order_relaxed);
    out->expired = atomic_load_explicit(&v->expired, memory_order_relaxed);
}

void guard_vault_sweep(struct guard_vault *v)
{
    uint64_t now = now_ms(v);
    for (size_t i = 0; i < v->n_stripes; i++) {
        struct vault_stripe *st = &v->stripes[i];
        pthread_mutex_lock(&st->mu);
        sweep_stripe(v, st, now, SIZE_MAX);
        pthread_mutex_unlock(&st->mu);
    }
}
