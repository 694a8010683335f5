// SPDX-License-Identifier: MIT
/*
 * limit/limit.c: token buckets in a chained hash table keyed by string.
 * Refill is computed lazily from the time of the last take, so idle keys cost nothing.
 * THREADS: l->mu guards the table and every bucket.
 */
#include "limit/limit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_SLOTS 4096

struct bucket {
    struct bucket *next;
    double tokens;
    uint64_t last_ns;
    char key[];
};

struct limit {
    pthread_mutex_t mu;
    double rate, burst;
    uint32_t max_keys, n_keys;
    struct bucket *slot[LIMIT_SLOTS];
};

ag_err limit_create(double rate, double burst, uint32_t max_keys, struct limit **out)
{
    if (!(rate > 0) || !(burst >= 1) || max_keys == 0)
        return AG_EINVAL;
    struct limit *l = calloc(1, sizeof(*l));
    if (!l)
        return AG_ENOMEM;
    pthread_mutex_init(&l->mu, NULL);
    l->rate = rate;
    l->burst = burst;
    l->max_keys = max_keys;
    *out = l;
    return AG_OK;
}

void limit_destroy(struct limit *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < LIMIT_SLOTS; i++) {
        struct bucket *b = l->slot[i];
        while (b) {
            struct bucket *next = b->next;
            free(b);
            b = next;
        }
    }
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static uint32_t hash_key(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

/* Callers read the clock before taking the lock, so now_ns may be older than the last
 * take of another thread: time never moves backwards, or the gap would count twice. */
static void refill(const struct limit *l, struct bucket *b, uint64_t now_ns)
{
    if (now_ns > b->last_ns) {
        b->tokens += (double)(now_ns - b->last_ns) / 1e9 * l->rate;
        if (b->tokens > l->burst)
            b->tokens = l->burst;
        b->last_ns = now_ns;
    }
}

/* Drop buckets that are full again; called with mu held when the table is full. */
static void evict_full(struct limit *l, uint64_t now_ns)
{
    for (size_t i = 0; i < LIMIT_SLOTS; i++) {
        struct bucket **pp = &l->slot[i];
        while (*pp) {
            struct bucket *b = *pp;
            refill(l, b, now_ns);
            if (b->tokens >= l->burst) {
                *pp = b->next;
                free(b);
                l->n_keys--;
            } else {
                pp = &b->next;
            }
        }
    }
}

bool limit_take(struct limit *l, const char *key, uint64_t now_ns, uint32_t *retry_after_s)
{
    uint32_t slot = hash_key(key) % LIMIT_SLOTS;
    bool ok = false;
    double wait = 1;
    pthread_mutex_lock(&l->mu);
    struct bucket *b = l->slot[slot];
    while (b && strcmp(b->key, key) != 0)
        b = b->next;
    if (!b) {
        if (l->n_keys >= l->max_keys)
            evict_full(l, now_ns);
        size_t kl = strlen(key);
        if (l->n_keys < l->max_keys && (b = malloc(sizeof(*b) + kl + 1)) != NULL) {
            memcpy(b->key, key, kl + 1);
            b->tokens = l->burst;
            b->last_ns = now_ns;
            b->next = l->slot[slot];
            l->slot[slot] = b;
            l->n_keys++;
        }
    }
    if (b) {
        refill(l, b, now_ns);
        if (b->tokens >= 1) {
            b->tokens -= 1;
            ok = true;
        } else {
            wait = (1 - b->tokens) / l->rate;
        }
    }
    pthread_mutex_unlock(&l->mu);
    if (!ok && retry_after_s) {
        double s = ceil(wait);
        *retry_after_s = s < 1 ? 1 : s > 86400 ? 86400 : (uint32_t)s;
    }
    return ok;
}
