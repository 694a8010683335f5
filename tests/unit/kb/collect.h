// SPDX-License-Identifier: MIT
/*
 * tests/unit/kb/collect.h: a kb_sink for parser tests that copies every chunk and product
 * it is given (so assertions run on real parser output), checks that each chunk's strings
 * are NUL-terminated at their stated lengths, and can be made to fail (fail_with).
 * setup()/teardown() give each test a fresh collector in *state.
 */
#ifndef AG_TEST_KB_COLLECT_H
#define AG_TEST_KB_COLLECT_H

#include "kb/kb.h"
#include "test_util.h"

#define MAX_CHUNKS   64
#define MAX_PRODUCTS 16

struct got_chunk {
    char *title, *heading, *body, *sku;
    enum text_lang lang;
};

struct got_product {
    char *sku, *name, *category, *currency, *url;
    double price;
    int64_t stock;
};

struct collector {
    struct got_chunk chunks[MAX_CHUNKS];
    size_t n_chunks;
    struct got_product products[MAX_PRODUCTS];
    size_t n_products;
    ag_err fail_with; /* returned by the chunk callback when not AG_OK */
};

static ag_err on_chunk(void *ctx, const struct kb_chunk *c)
{
    struct collector *col = ctx;
    if (col->fail_with != AG_OK)
        return col->fail_with;
    assert_true(col->n_chunks < MAX_CHUNKS);
    assert_int_equal(strlen(c->title), c->title_len);
    assert_int_equal(strlen(c->heading), c->heading_len);
    assert_int_equal(strlen(c->body), c->body_len);
    struct got_chunk *g = &col->chunks[col->n_chunks++];
    g->title = tu_strndup(c->title, c->title_len);
    g->heading = tu_strndup(c->heading, c->heading_len);
    g->body = tu_strndup(c->body, c->body_len);
    g->sku = tu_strdup(c->sku);
    g->lang = c->lang;
    return AG_OK;
}

static ag_err on_product(void *ctx, const struct kb_product *p)
{
    struct collector *col = ctx;
    assert_true(col->n_products < MAX_PRODUCTS);
    struct got_product *g = &col->products[col->n_products++];
    g->sku = tu_strdup(p->sku);
    g->name = tu_strdup(p->name);
    g->category = tu_strdup(p->category);
    g->currency = tu_strdup(p->currency);
    g->url = tu_strdup(p->url);
    g->price = p->price;
    g->stock = p->stock;
    return AG_OK;
}

/* Free what the collector holds and empty it. */
static void collector_clear(struct collector *col)
{
    for (size_t i = 0; i < col->n_chunks; i++) {
        free(col->chunks[i].title);
        free(col->chunks[i].heading);
        free(col->chunks[i].body);
        free(col->chunks[i].sku);
    }
    for (size_t i = 0; i < col->n_products; i++) {
        free(col->products[i].sku);
        free(col->products[i].name);
        free(col->products[i].category);
        free(col->products[i].currency);
        free(col->products[i].url);
    }
    col->n_chunks = 0;
    col->n_products = 0;
}

static int setup(void **state)
{
    struct collector *col = calloc(1, sizeof(*col));
    if (!col)
        return -1;
    *state = col;
    return 0;
}

static int teardown(void **state)
{
    struct collector *col = *state;
    collector_clear(col);
    free(col);
    return 0;
}

#endif
