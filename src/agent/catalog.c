// SPDX-License-Identifier: MIT
/*
 * agent/catalog.c: catalogue snapshots for the answer checker (see catalog.h). A snapshot
 * keeps its strings in one block; while loading, the block may move as it grows, so the
 * strings are remembered by offset and turned into pointers at the end. The cache holds the newest
 * snapshot per tenant; a turn that still uses an older one keeps it alive by its reference.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/catalog.h"
#include "core/buf.h"
#include "core/log.h"

struct catalog {
    atomic_int refs;
    int64_t version;
    struct answer_product *items;
    size_t n;
    char *strings; /* every item's sku, name and currency, NUL-terminated, one after another */
};

struct loading {
    struct answer_product *v;
    size_t n, cap;
    size_t (*off)[3]; /* per item: where its sku, name and currency start in s */
    size_t off_cap;
    struct buf s;
};

static ag_err add_str(struct buf *s, const char *x, size_t *off)
{
    *off = s->len;
    ag_err rc = buf_append_str(s, x ? x : "");
    return rc ? rc : buf_putc(s, '\0');
}

static ag_err on_product(void *ctx, const struct kb_product *p)
{
    struct loading *l = ctx;
    struct answer_product *v = ag_grow(l->v, &l->cap, l->n, sizeof(*v));
    if (!v)
        return AG_ENOMEM;
    l->v = v;
    size_t(*off)[3] = ag_grow(l->off, &l->off_cap, l->n, sizeof(*off));
    if (!off)
        return AG_ENOMEM;
    l->off = off;
    ag_err rc = add_str(&l->s, p->sku, &off[l->n][0]);
    rc = rc ? rc : add_str(&l->s, p->name, &off[l->n][1]);
    rc = rc ? rc : add_str(&l->s, p->currency, &off[l->n][2]);
    if (rc != AG_OK)
        return rc;
    v[l->n++] = (struct answer_product){.price = p->price, .stock = p->stock};
    return AG_OK;
}

ag_err catalog_load(struct kb *kb, const char *tenant, struct catalog **out)
{
    *out = NULL;
    int64_t version = 0;
    ag_err rc = kb_version(kb, &version);
    if (rc != AG_OK)
        return rc;
    struct loading l = {0};
    buf_init(&l.s, (size_t)1 << 30);
    rc = kb_products_all(kb, tenant, on_product, &l);
    struct catalog *c = rc == AG_OK ? calloc(1, sizeof(*c)) : NULL;
    if (rc == AG_OK && !c)
        rc = AG_ENOMEM;
    if (rc == AG_OK) {
        c->strings = buf_take(&l.s);
        if (!c->strings && l.n)
            rc = AG_ENOMEM;
    }
    if (rc != AG_OK) {
        free(l.v);
        free(l.off);
        buf_release(&l.s);
        free(c);
        return rc;
    }
    for (size_t i = 0; i < l.n; i++) {
        l.v[i].sku = c->strings + l.off[i][0];
        l.v[i].name = c->strings + l.off[i][1];
        l.v[i].currency = c->strings + l.off[i][2];
    }
    free(l.off);
    c->items = l.v;
    c->n = l.n;
    c->version = version;
    atomic_init(&c->refs, 1);
    *out = c;
    return AG_OK;
}

const struct answer_product *catalog_items(const struct catalog *c, size_t *n)
{
    *n = c ? c->n : 0;
    return c ? c->items : NULL;
}

void catalog_release(struct catalog *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    free(c->items);
    free(c->strings);
    free(c);
}

/* ---- the cache ------------------------------------------------------------------------ */

struct entry {
    char tenant[64];
    struct catalog *c;
};

struct catalog_cache {
    struct kb *kb;
    pthread_mutex_t mu;      /* guards entries */
    pthread_mutex_t load_mu; /* one load at a time: a new version is read once */
    struct entry *entries;
    size_t n, cap;
};

ag_err catalog_cache_create(struct kb *kb, struct catalog_cache **out)
{
    struct catalog_cache *cc = calloc(1, sizeof(*cc));
    if (!cc)
        return AG_ENOMEM;
    cc->kb = kb;
    pthread_mutex_init(&cc->mu, NULL);
    pthread_mutex_init(&cc->load_mu, NULL);
    *out = cc;
    return AG_OK;
}

void catalog_cache_free(struct catalog_cache *cc)
{
    if (!cc)
        return;
    for (size_t i = 0; i < cc->n; i++)
        catalog_release(cc->entries[i].c);
    free(cc->entries);
    pthread_mutex_destroy(&cc->mu);
    pthread_mutex_destroy(&cc->load_mu);
    free(cc);
}

/* The cached snapshot of tenant at version, retained, or NULL. */
static struct catalog *lookup(struct catalog_cache *cc, const char *tenant, int64_t version)
{
    struct catalog *c = NULL;
    pthread_mutex_lock(&cc->mu);
    for (size_t i = 0; i < cc->n && !c; i++)
        if (strcmp(cc->entries[i].tenant, tenant) == 0 && cc->entries[i].c->version == version) {
            c = cc->entries[i].c;
            atomic_fetch_add(&c->refs, 1);
        }
    pthread_mutex_unlock(&cc->mu);
    return c;
}

static ag_err install(struct catalog_cache *cc, const char *tenant, struct catalog *c)
{
    struct catalog *old = NULL;
    ag_err rc = AG_OK;
    pthread_mutex_lock(&cc->mu);
    size_t i = 0;
    while (i < cc->n && strcmp(cc->entries[i].tenant, tenant) != 0)
        i++;
    if (i == cc->n) {
        struct entry *e = ag_grow(cc->entries, &cc->cap, cc->n, sizeof(*e));
        if (e) {
            cc->entries = e;
            snprintf(e[i].tenant, sizeof(e[i].tenant), "%s", tenant);
            e[i].c = NULL;
            cc->n++;
        } else {
            rc = AG_ENOMEM;
        }
    }
    if (rc == AG_OK) {
        old = cc->entries[i].c;
        atomic_fetch_add(&c->refs, 1);
        cc->entries[i].c = c;
    }
    pthread_mutex_unlock(&cc->mu);
    catalog_release(old);
    return rc;
}

ag_err catalog_cache_get(struct catalog_cache *cc, const char *tenant, struct catalog **out)
{
    *out = NULL;
    if (strlen(tenant) >= sizeof(((struct entry *)0)->tenant))
        return AG_EINVAL;
    int64_t version = 0;
    ag_err rc = kb_version(cc->kb, &version);
    if (rc != AG_OK)
        return rc;
    if ((*out = lookup(cc, tenant, version)) != NULL)
        return AG_OK;
    pthread_mutex_lock(&cc->load_mu);
    if ((*out = lookup(cc, tenant, version)) == NULL) {
        struct catalog *c = NULL;
        rc = catalog_load(cc->kb, tenant, &c);
        if (rc == AG_OK) {
            /* labelled with the version read before loading: a change while loading makes
             * the next turn load again rather than keep a stale snapshot */
            c->version = version;
            if (install(cc, tenant, c) != AG_OK)
                log_warn("catalog: snapshot of tenant %s not cached (no memory)", tenant);
            *out = c;
        }
    }
    pthread_mutex_unlock(&cc->load_mu);
    return rc;
}
