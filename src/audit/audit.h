/*
 * audit/audit.h: the tamper-evident record of every decision, and the personal data that
 * goes with it (GDPR: access, erasure, retention, consent).
 *
 * Chain: one row per event (a turn, a consent change, an erasure, a retention sweep). A
 * row's body is canonical JSON (sorted keys, compact) of the decision: actor, subject
 * pseudonym, stage outcomes with guard verdicts, passages with scores, model, tokens,
 * cost, hashes of question and answer, escalation, latency. Its hash is SHA-256 over
 * "agentgate-audit-v2", the sequence number, the previous row's hash and the body; its
 * MAC is HMAC-SHA256 of that hash under the audit key. So a modified, deleted, inserted
 * or reordered row breaks the chain at that point, and a chain rebuilt without the key
 * fails the MAC.
 *
 * Content: with the subject's consent, the question (as the model saw it: personal data
 * already replaced by placeholders) and the answer are kept, encrypted with AES-256-GCM
 * under a data key of their own per subject. Data keys are stored wrapped (AES-256-GCM)
 * by the master key. Erasure deletes the subject's data key and ciphertexts: the content
 * is gone for good, while the chain, which holds only hashes and the pseudonym, still
 * verifies. Retention deletes content older than the configured days; both are chain
 * events themselves.
 *
 * THREADS: one writer thread owns the write connection; every write is queued to it and
 * the caller waits until its batch is committed (group commit, synchronous=FULL on
 * SQLite). Reads use a pool of their own connections. Safe from any thread.
 */
#ifndef AG_AUDIT_AUDIT_H
#define AG_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/json.h"

#define AUDIT_KEY_LEN       32
#define AUDIT_PSEUDONYM_LEN 32 /* hex characters */
#define AUDIT_MAX_ID        128

struct audit;

struct audit_keys {
    uint8_t hmac[AUDIT_KEY_LEN];   /* MACs the chain and keys the digests and pseudonyms */
    uint8_t master[AUDIT_KEY_LEN]; /* wraps the subjects' data keys */
};

struct audit_entry {
    const char *tenant;
    const char *key_id;  /* the API key, "" when none */
    const char *actor;   /* who asked: "key:<id>", "sub:<pseudonym>", "cli", "" */
    const char *subject; /* the data subject's id (plain, pseudonymised here), or NULL */
    const char *agent;
    const char *trace_id;
    const char *outcome; /* answered | dont_know | rejected_* | escalated | error | ... */
    int status;          /* HTTP status of the turn */
    bool escalated;
    double latency_ms;
    json_t *decision;     /* borrowed: stages, guard, passages, generation; may be NULL */
    const char *question; /* hashed; kept encrypted only when store_content */
    size_t question_len;
    const char *answer; /* likewise; NULL when there is none */
    size_t answer_len;
    bool store_content; /* the subject consented (needs subject) */
};

/* Open (creating its tables) the audit store at path: a SQLite file or a postgresql://
 * URI. */
ag_err audit_open(const char *path, const struct audit_keys *keys, size_t max_queue,
                  struct audit **out);
/* Stop the writer after it committed everything queued; NULL is a no-op. */
void audit_close(struct audit *a);

/* Append one turn and wait for the commit; *seq gets its sequence number. AG_EBUSY when
 * the queue is full or the audit is closing. */
ag_err audit_append(struct audit *a, const struct audit_entry *e, int64_t *seq);

/* The pseudonym of subject within tenant: hex of a keyed hash, AUDIT_PSEUDONYM_LEN + 1. */
ag_err audit_pseudonym(const struct audit *a, const char *tenant, const char *subject,
                       char out[AUDIT_PSEUDONYM_LEN + 1]);

struct audit_filter {
    int64_t before;      /* seq < before (0: from the newest) */
    int64_t from_ms;     /* ts_ms >= from_ms (0: no bound) */
    int64_t to_ms;       /* ts_ms < to_ms (0: no bound) */
    const char *tenant;  /* NULL: every tenant */
    const char *subject; /* plain id (needs tenant), or NULL */
    const char *outcome; /* NULL: any */
    unsigned limit;
};
/* Records newest first as a JSON array; *next is the before value of the next page, or 0
 * when there is none. */
ag_err audit_list(struct audit *a, const struct audit_filter *f, json_t **out, int64_t *next);

/* The record of the turn with trace_id in tenant (its decision: stages, guard verdicts,
 * passages, generation, explanation); AG_ENOTFOUND when there is none. */
ag_err audit_trace(struct audit *a, const char *tenant, const char *trace_id, json_t **out);

/* ---- GDPR ------------------------------------------------------------------------------ */

/* Everything held about subject in tenant: its records, readable content (decrypted),
 * consent history and whether a data key exists. AG_OK with an empty result when nothing
 * is held. */
ag_err audit_subject_export(struct audit *a, const char *tenant, const char *subject, json_t **out);
/* Delete the subject's data key and ciphertexts, and record the erasure in the chain.
 * *erased counts the content rows deleted; *seq the erasure's record. */
ag_err audit_subject_erase(struct audit *a, const char *tenant, const char *subject,
                           const char *actor, int64_t *erased, int64_t *seq);

/* Record an opt-in (granted) or opt-out for purpose, with the policy version, durably and
 * in the chain. */
ag_err audit_consent_set(struct audit *a, const char *tenant, const char *subject,
                         const char *purpose, bool granted, const char *policy_version,
                         const char *actor, int64_t *seq);
/* The subject's current state for purpose: *known false when never recorded. */
ag_err audit_consent_get(struct audit *a, const char *tenant, const char *subject,
                         const char *purpose, bool *known, bool *granted);

/* Delete content stored before cutoff_ms and record the sweep in the chain, one record per
 * tenant that had any (under that tenant; up to 16 tenants a call); *shredded totals. */
ag_err audit_retention_sweep(struct audit *a, int64_t cutoff_ms, int64_t *shredded);

/* Sweep now and then every interval_s in a thread of its own: content older than days is
 * shredded (audit_retention_sweep); stopped by audit_close. */
ag_err audit_start_retention(struct audit *a, unsigned days, unsigned interval_s);

/* Verify the chain at path with the HMAC key. AG_OK with *bad_seq 0 when intact;
 * AG_ECORRUPT with *bad_seq and a reason in why naming the first bad record otherwise. */
ag_err audit_verify(const char *path, const uint8_t hmac_key[AUDIT_KEY_LEN], int64_t *bad_seq,
                    int64_t *count, char *why, size_t why_len);

#endif
