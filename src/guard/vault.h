// SPDX-License-Identifier: MIT
/*
 * guard/vault.h: pseudonymisation of personal data, with a per-session vault to put the real
 * values back. Each PII span (from pii_scan) becomes a typed placeholder such as [EMAIL_1] or
 * [PHONE_2]; the same value in the same session always gets the same one. The vault keeps
 * placeholder -> value, encrypted in memory (AES-256-GCM under a random key per session), for
 * TTL seconds after the session's last use; guard_restore puts the values back into the
 * answer. The model, the cache, traces and logs only ever see placeholders.
 *
 * Placeholders: "[" TYPE "_" N "]", TYPE a pii_type_name(), N in 1..999999999 without a
 * leading zero. Text that has this shape but was written by the customer is escaped on the
 * way in by one backslash before the last underscore ("[EMAIL_1]" -> "[EMAIL\_1]", and
 * "[EMAIL\_1]" -> "[EMAIL\\_1]"); guard_restore removes one again, so a customer's own
 * "[EMAIL_1]" comes back as written and never as a stored value.
 *
 * A one-turn scope (no session id, or no consent to keep anything) never enters the shared
 * table: its values live in the scope itself, in plaintext memory of the turn that is wiped
 * by guard_vault_scope_end(); nothing is encrypted because nothing outlives the turn.
 *
 * THREADS: a vault is safe from any thread; a scope belongs to one turn (one thread at a
 * time). OWNERSHIP: the caller owns the vault and every buffer. A one-turn scope holds the
 * values of its turn: do not copy it (pass it by pointer), and end it with
 * guard_vault_scope_end() before it is set up again or goes out of scope. Text written to
 * an out buffer by guard_restore holds real personal data: the caller decides where it
 * goes and wipes it if it must.
 */
#ifndef AG_GUARD_VAULT_H
#define AG_GUARD_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "guard/pii.h"

#define GUARD_VAULT_MAX_ID    128 /* longest tenant name and session id, in bytes */
#define GUARD_VAULT_SCOPE_LEN 32  /* bytes of a scope id */

struct guard_vault;

struct guard_vault_params {
    size_t max_sessions;    /* sessions held at once; a new one evicts the least recently used */
    size_t max_entries;     /* distinct values per session; more gives AG_ETOOBIG */
    uint32_t ttl_s;         /* a session is forgotten this long after its last use */
    size_t max_value_bytes; /* longest value; a longer span gives AG_ETOOBIG */
    /* Milliseconds on any monotonic clock, for tests; NULL uses CLOCK_MONOTONIC. */
    uint64_t (*now_ms)(void *arg);
    void *now_arg;
};

/* Defaults: 10000 sessions, 32 entries each, 30 min TTL, 256-byte values, the real clock.
 * Worst-case memory is about max_sessions * (max_entries * (max_value_bytes + 90) + 1400)
 * bytes (124 MB with the defaults); a typical session holds about 1.5 KB, most of it its
 * prepared AES key (1200 bytes of OpenSSL state, which spares setting the key up for every
 * value: 230 instead of 500 ns a seal). */
struct guard_vault_params guard_vault_default_params(void);

/* A new vault with fresh random keys. AG_EINVAL for a zero field or more than 2^24
 * sessions, AG_ENOMEM, AG_EIO when no random bytes could be had. */
ag_err guard_vault_create(const struct guard_vault_params *params, struct guard_vault **out);
/* Wipes and frees every session; NULL is a no-op. No call may be running on it. */
void guard_vault_destroy(struct guard_vault *v);

struct vault_session;

/* Which session a turn's values belong to, worked out once per turn by guard_vault_scope().
 * The id is an HMAC of tenant and session id under a random key of the vault (raw ids are
 * not kept); a one-turn scope has no id and keeps its values in local (made on its first
 * value, freed by guard_vault_scope_end). */
struct guard_vault_scope {
    uint8_t id[GUARD_VAULT_SCOPE_LEN];
    bool one_turn;
    struct vault_session *local;
};

/* The scope of tenant's session (both NUL-terminated, 1..GUARD_VAULT_MAX_ID bytes). A NULL
 * session (the request has no session id) gives a one-turn scope: nobody else can name it,
 * and guard_vault_scope_end() forgets its values at the end of the turn. Creates nothing in
 * the vault. AG_EINVAL for a NULL or empty tenant or an empty session, AG_ETOOBIG for one
 * over GUARD_VAULT_MAX_ID, AG_EIO if hashing fails. */
ag_err guard_vault_scope(const struct guard_vault *v, const char *tenant, const char *session,
                         struct guard_vault_scope *out);
/* End of the turn: a one-turn scope's values are wiped and freed now; a session's stay until
 * their TTL. */
void guard_vault_scope_end(struct guard_vault *v, struct guard_vault_scope *s);
/* Wipe the scope's session now (logout, erasure request). Nothing held is not an error. */
void guard_vault_forget(struct guard_vault *v, struct guard_vault_scope *s);

/* Append to out text[0..n) with every span replaced by its placeholder and the customer's own
 * placeholder-shaped text escaped (see the top of this file). spans must be in text order,
 * not overlapping, non-empty, inside the text and of a type below PII_N_TYPES (pii_scan's
 * are). New values are stored in the scope's session, which is created if needed and whose
 * TTL starts again. AG_EINVAL for bad spans, AG_ETOOBIG for a value over max_value_bytes,
 * more distinct values than max_entries, or out's max; AG_ENOMEM, AG_EIO. On an error out
 * and the session are as they were (a session made for the call is removed again). */
ag_err guard_pseudonymise(struct guard_vault *v, struct guard_vault_scope *s, const char *text,
                          size_t n, const struct pii_span *spans, size_t n_spans, struct buf *out);

/* Append to out text[0..n) (untrusted model output) with each placeholder of the scope's
 * live session replaced by its value, and one escaping backslash taken out of escaped
 * placeholders. Anything else, malformed, unknown, expired or another session's, stays as
 * it is. Starts the session's TTL again. AG_ETOOBIG past out's max; AG_ECORRUPT if a stored
 * value fails its integrity check (logged); AG_ENOMEM. On an error out is as it was. */
ag_err guard_restore(struct guard_vault *v, const struct guard_vault_scope *s, const char *text,
                     size_t n, struct buf *out);

/* Overwrite every placeholder in p[0..n) (not the escaped ones the customer wrote) with
 * spaces, for a search: a placeholder stands for a value no document holds. */
void guard_blank_placeholders(char *p, size_t n);

struct guard_vault_stats {
    size_t sessions;  /* held now, including expired ones not yet swept */
    uint64_t evicted; /* live sessions dropped to make room for a new one */
    uint64_t expired; /* sessions dropped after their TTL */
};
void guard_vault_stats(const struct guard_vault *v, struct guard_vault_stats *out);

/* Drop every expired session now (expired ones are also dropped as calls pass by, and can
 * never be read); for a periodic timer, so that idle memory is returned. */
void guard_vault_sweep(struct guard_vault *v);

#endif
