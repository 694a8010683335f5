/*
 * kb/kb_internal.h: shared between the files of the kb module (not a public API).
 * The in-memory inverted index of one tenant (index.c) and the search entry kb.c uses.
 */
#ifndef AG_KB_INTERNAL_H
#define AG_KB_INTERNAL_H

#include "kb/kb.h"
#include "store/store.h"

struct kb_index;

/* Synonym groups as (stem, group) pairs sorted by stem; a group's stems are
 * stems[group_off[g] .. group_off[g + 1]). */
struct kb_synonyms {
    char **stems;
    uint32_t *group_off, n_groups;
    struct kb_syn_entry {
        const char *stem;
        uint32_t group;
    } * entries;
    size_t n_entries;
};
void kb_synonyms_free(struct kb_synonyms *s);

/* Build the index of tenant's chunks from db as of KB version. The index starts with one
 * reference, held by the caller. */
ag_err kb_index_build(struct store_db *db, const char *tenant, int64_t version,
                      const struct kb_embedder *emb, struct kb_index **out);
/* Does the index hold chunk vectors (dense retrieval)? */
bool kb_index_has_vectors(const struct kb_index *ix);
void kb_index_retain(struct kb_index *ix);
void kb_index_release(struct kb_index *ix); /* frees on the last release; NULL is a no-op */
int64_t kb_index_version(const struct kb_index *ix);
size_t kb_index_docs(const struct kb_index *ix);
/* Rank the chunks of ix for q; hits carry everything but their text (text is NULL). */
ag_err kb_index_search(const struct kb_index *ix, struct arena *a, const struct kb_query *q,
                       struct kb_result *out);

#endif
