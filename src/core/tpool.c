// SPDX-License-Identifier: MIT
/*
 * core/tpool.c: workers take jobs from one FIFO queue. A job is submitted only when a
 * worker is idle or fewer than max_queued wait, so a burst beyond the pool's capacity is
 * refused at once (the caller answers 503) instead of piling up.
 * THREADS: see tpool.h; no lock is held while a job runs.
 */
#include "core/tpool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct tpool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct tpool_job *head, *tail;
    size_t queued, max_queued;
    unsigned workers, idle, running;
    bool closing;
    pthread_t *threads;
};

static void *worker(void *arg)
{
    struct tpool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->closing) {
            p->idle++;
            pthread_cond_wait(&p->cv, &p->mu);
            p->idle--;
        }
        struct tpool_job *j = p->head;
        if (!j)
            break; /* closing and nothing left */
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        p->running++;
        pthread_mutex_unlock(&p->mu);
        j->fn(j->arg);
        pthread_mutex_lock(&p->mu);
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
    /* the queue ahead of idle workers is taken at once; beyond them max_queued may wait */
    size_t waiting_after = p->queued + 1 > p->idle ? p->queued + 1 - p->idle : 0;
    if (p->closing || waiting_after > p->max_queued) {
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
