/*
 * core/tpool.h: a fixed set of worker threads with a bounded queue, for the slow stages
 * (generation) that must not run on libmicrohttpd's threads (STYLE.md §5).
 * THREADS: head, tail, queued and closing are guarded by mu; workers wait on cv. Jobs run
 * with no lock held: they may block for seconds.
 * OWNERSHIP: a job is the caller's memory (embed struct tpool_job in it); it must stay
 * valid until its function has run.
 */
#ifndef AG_CORE_TPOOL_H
#define AG_CORE_TPOOL_H

#include <stddef.h>

#include "core/err.h"

typedef void (*tpool_fn)(void *arg);

struct tpool_job {
    struct tpool_job *next;
    tpool_fn fn;
    void *arg;
};

struct tpool;
/* Start workers threads; at most max_queued jobs wait for a free worker. */
ag_err tpool_create(unsigned workers, size_t max_queued, struct tpool **out);
/* Queue fn(arg) in job. AG_EBUSY when max_queued jobs already wait (none is free) or the
 * pool is closing; the job is then not run. */
ag_err tpool_submit(struct tpool *p, struct tpool_job *job, tpool_fn fn, void *arg);
/* Called by a job on its worker thread just before it hands its result on (wakes the
 * client): its place counts as free from then, so the client's next request is not refused
 * while the job's last instructions still run. Once per job; a second call is a no-op. */
void tpool_release(struct tpool *p);
/* Jobs waiting plus running now. */
size_t tpool_pending(struct tpool *p);
/* Run every queued job, stop the workers and free the pool; NULL is a no-op. */
void tpool_destroy(struct tpool *p);

#endif
