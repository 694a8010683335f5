// SPDX-License-Identifier: MIT
/* fuzz/fuzz_text.c: word splitting, sentence splitting, language detection and stemming
 * on arbitrary bytes: spans must stay inside the input. */
#include <stdint.h>
#include <string.h>

#include "text/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
    size_t n;
    struct text_analyzer *an;
};

static bool on_word(void *p, const char *w, size_t n, size_t start, size_t end)
{
    struct ctx *c = p;
    if (start >= end || end > c->n || n == 0 || memchr(w, '\0', n))
        __builtin_trap();
    struct buf b;
    buf_init(&b, 4096);
    (void)text_stem(c->an, TEXT_LANG_DE, w, n, &b);
    (void)text_stem(c->an, TEXT_LANG_EN, w, n, &b);
    buf_release(&b);
    return true;
}

static bool on_sentence(void *p, size_t start, size_t end)
{
    const struct ctx *c = p;
    if (start >= end || end > c->n)
        __builtin_trap();
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ctx c = {size, NULL};
    if (text_analyzer_create(&c.an) != AG_OK)
        return 0;
    const char *p = (const char *)data;
    (void)text_words(p, size, on_word, &c);
    text_sentences(p, size, on_sentence, &c);
    (void)text_detect_lang(p, size, TEXT_LANG_DE);
    text_analyzer_destroy(c.an);
    return 0;
}
