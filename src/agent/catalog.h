// SPDX-License-Identifier: MIT
/*
 * agent/catalog.h: a tenant's product catalogue as the answer checker needs it (SKU, name,
 * price, currency, stock), read from the knowledge base once per KB version and shared by
 * every turn as an immutable, reference-counted snapshot.
 * THREADS: catalog_cache_get() is thread-safe; a snapshot is read-only.
 * OWNERSHIP: a snapshot from catalog_load() or catalog_cache_get() holds one reference,
 * given back with catalog_release().
 */
#ifndef AG_AGENT_CATALOG_H
#define AG_AGENT_CATALOG_H

#include <stddef.h>

#include "core/err.h"
#include "guard/answer.h"
#include "kb/kb.h"

struct catalog;
struct catalog_cache;

/* A fresh snapshot of tenant's catalogue (empty when it has none). AG_EDB, AG_ENOMEM. */
ag_err catalog_load(struct kb *kb, const char *tenant, struct catalog **out);
/* The products of c, in SKU order; *n gets the count. */
const struct answer_product *catalog_items(const struct catalog *c, size_t *n);
void catalog_release(struct catalog *c); /* NULL is a no-op */

/* Snapshots per tenant for one KB (borrowed; it outlives the cache). */
ag_err catalog_cache_create(struct kb *kb, struct catalog_cache **out);
void catalog_cache_free(struct catalog_cache *cc); /* NULL is a no-op */
/* tenant's snapshot as of the KB's current version (kb_version), loaded when the version
 * moved on; retained for the caller. AG_EDB, AG_ENOMEM. */
ag_err catalog_cache_get(struct catalog_cache *cc, const char *tenant, struct catalog **out);

#endif
