/*
 * audit/audit.h: the append-only, hash-chained record of every turn, in audit.db.
 * Each record's hash is SHA-256 over its fields and the previous record's hash, so a
 * modified, deleted or reordered record breaks the chain at that point. Questions and
 * answers are stored only as HMAC-SHA256 digests under a per-installation secret: the
 * log proves what happened without holding the text.
 * THREADS: one writer thread owns the write connection; audit_append() queues a record
 * and waits until its batch is committed (group commit). Reads use their own connection.
 */
#ifndef AG_AUDIT_AUDIT_H
#define AG_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"

struct audit;

struct audit_entry {
    const char *key_id; /* "" when unauthenticated */
    const char *tenant;
    const char *trace_id;
    const char *question; /* hashed, never stored */
    size_t question_len;
    const char *passages; /* JSON array of chunk ids, e.g. "[12,40]" */
    const char *outcome;  /* answered | dont_know | rejected_auth | ... */
    int status;           /* HTTP status of the turn */
    const char *answer;   /* hashed, never stored */
    size_t answer_len;
};

/* Open (creating) path; secret keys the question and answer digests. */
ag_err audit_open(const char *path, const void *secret, size_t secret_len, size_t max_queue,
                  struct audit **out);
/* Stop the writer after it committed everything queued; NULL is a no-op. */
void audit_close(struct audit *a);
/* Append and wait for the commit; *seq gets the record's sequence number.
 * AG_EBUSY when the queue is full or the audit is closing. */
ag_err audit_append(struct audit *a, const struct audit_entry *e, int64_t *seq);
/* Records newest first, with seq < before (0: from the newest), at most limit, as a JSON
 * array; *next is the before value of the next page, or 0 when there is none. */
ag_err audit_list(struct audit *a, int64_t before, unsigned limit, json_t **out, int64_t *next);
/* The same, only records of tenant (NULL: every tenant's, as audit_list), and with
 * unowned, also those of no tenant (turns refused before anyone was authenticated). */
ag_err audit_list_tenant(struct audit *a, const char *tenant, bool unowned, int64_t before,
                         unsigned limit, json_t **out, int64_t *next);

/* Verify the chain in the file at path. AG_OK with *bad_seq 0 when intact; AG_ECORRUPT
 * with *bad_seq and a reason in why naming the first bad record otherwise. */
ag_err audit_verify(const char *path, int64_t *bad_seq, int64_t *count, char *why, size_t why_len);

#endif
