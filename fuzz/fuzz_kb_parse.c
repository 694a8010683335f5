// SPDX-License-Identifier: MIT
/* fuzz/fuzz_kb_parse.c: ingested files (Markdown, text, CSV, JSON Lines, HTML; the first
 * byte picks the format) must parse or fail with a line number, and every chunk must respect the
 * cap. */
#include <stdint.h>
#include <string.h>

#include "kb/kb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ag_err check_chunk(void *ctx, const struct kb_chunk *c)
{
    const struct kb_params *p = ctx;
    if (c->body_len == 0 || c->body_len > p->max_chunk_bytes || strlen(c->body) != c->body_len)
        __builtin_trap();
    return AG_OK;
}

static ag_err check_product(void *ctx, const struct kb_product *pr)
{
    (void)ctx;
    if (!pr->sku[0] || !pr->name[0] || pr->price < 0 || pr->stock < 0)
        __builtin_trap();
    return AG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct kb_params p = kb_default_params();
    p.max_chunk_bytes = 64 + data[0] % 200;
    enum kb_format fmt = (enum kb_format)(data[0] % 5);
    struct kb_sink sink = {check_chunk, check_product, &p};
    char why[256] = "";
    ag_err rc =
        kb_parse(fmt, "fuzz.input", (const char *)data + 1, size - 1, &p, &sink, why, sizeof(why));
    if (rc != AG_OK && why[0] == '\0')
        __builtin_trap(); /* every error says why */
    return 0;
}
