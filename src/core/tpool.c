// SPDX-License-Identifier: MIT
/*
 * core/tpool.c: workers take jobs from one FIFO queue. A job is accepted only while fewer
 * than workers + max_queued are running or waiting, so a burst beyond the pool's capacity
 * is refused at once (the caller answers 503) instead of piling up.
 * THREADS: see tpool.h; no lock is held while a job runs.
 */
#include "core/tpool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

/* The job this worker thread runs now has released its place (tpool_release). */
static _Thread_local bool released;

struct tpool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct tpool_job *head, *tail;
    size_t queued, max_queued;
    unsigned workers, running;
    bool closing;
    pthread_t *threads;
};

static void *worker(void *arg)
{
    struct tpool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->closing)
            pthread_cond_wait(&p->cv, &p->mu);
        struct tpool_job *j = p->head;
        if (!j)
            break; /* closing and nothing left */
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        p->running++;
        pthread_mutex_unlock(&p->mu);
        released = false;
        j->fn(j->arg); /* j may be freed from here on */
        pthread_mutex_lock(&p->mu);
        if (!released)
            p->running--;
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

ag_err tpool_create(unsigned workers, size_t max_queued, struct tpool **out)
{
    if (workers == 0)
        return AG_EINVAL;
    struct tpool *p = calloc(1, sizeof(*p));
    if (!p)
        return AG_ENOMEM;
    p->threads = calloc(workers, sizeof(*p->threads));
    if (!p->threads) {
        free(p);
        return AG_ENOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->max_queued = max_queued;
    for (unsigned i = 0; i < workers; i++) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, (size_t)1 << 20);
        int rc = pthread_create(&p->threads[i], &attr, worker, p);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            tpool_destroy(p);
            return AG_ENOMEM;
        }
        p->workers++;
    }
    *out = p;
    return AG_OK;
}

ag_err tpool_submit(struct tpool *p, struct tpool_job *job, tpool_fn fn, void *arg)
{
    job->next = NULL;
    job->fn = fn;
    job->arg = arg;
    pthread_mutex_lock(&p->mu);
    /* each worker takes one job; beyond them max_queued may wait */
    size_t busy = p->queued + p->running;
    if (p->closing || busy + 1 > p->workers + p->max_queued) {
        pthread_mutex_unlock(&p->mu);
        return AG_EBUSY;
    }
    if (p->tail)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    p->queued++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return AG_OK;
}

void tpool_release(struct tpool *p)
{
    if (released)
        return;
    pthread_mutex_lock(&p->mu);
    released = true;
    p->running--;
    pthread_mutex_unlock(&p->mu);
}

size_t tpool_pending(struct tpool *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->queued + p->running;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void tpool_destroy(struct tpool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->closing = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->workers; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->threads);
    free(p);
}
