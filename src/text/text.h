/*
 * text/text.h: language-aware text analysis shared by retrieval, answering and guards:
 * Unicode folding (NFKC, case fold, accents stripped) via utf8proc, word splitting,
 * German/English language detection, stop words and Snowball stemming (libstemmer).
 * OWNERSHIP: words passed to callbacks are borrowed and valid only during the call.
 * THREADS: everything is reentrant except a text_analyzer, which is thread-owned
 * (libstemmer keeps per-stemmer state).
 */
#ifndef AG_TEXT_TEXT_H
#define AG_TEXT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

enum text_lang { TEXT_LANG_UNKNOWN = 0, TEXT_LANG_DE, TEXT_LANG_EN };

/* "de", "en" or "" for unknown. */
const char *text_lang_code(enum text_lang l);
/* "de"/"en" (case-insensitive) to a language; TEXT_LANG_UNKNOWN otherwise. */
enum text_lang text_lang_parse(const char *s, size_t n);
/* Guess de or en from stop words and letters; fallback when the text gives no signal. */
enum text_lang text_detect_lang(const char *p, size_t n, enum text_lang fallback);

/* Called once per word with the folded word (lower case, NFKC, accents stripped) and
 * the byte span [start, end) of the word in the original text. Return false to stop. */
typedef bool (*text_word_cb)(void *ctx, const char *w, size_t n, size_t start, size_t end);
/* Split p[0..n) into words of letters and digits. AG_EINVAL for invalid UTF-8. */
ag_err text_words(const char *p, size_t n, text_word_cb cb, void *ctx);

/* True for a German or English stop word (w already folded). */
bool text_is_stopword(const char *w, size_t n);

struct text_analyzer;
ag_err text_analyzer_create(struct text_analyzer **out);
/* The calling thread's own analyzer, made on first use and freed when the thread ends
 * (per-question work uses it: creating stemmers per question is wasted work). NULL when
 * out of memory. Never pass it to text_analyzer_destroy(). */
struct text_analyzer *text_analyzer_local(void);
void text_analyzer_destroy(struct text_analyzer *a); /* NULL is a no-op */
/* Snowball stem of folded word w in language l (English when unknown), appended to out
 * with accents stripped so it matches the index. German stems also fold ae/oe/ue to
 * a/o/u ("Oesterreich" and "Österreich" give one stem; "que" is kept). */
ag_err text_stem(struct text_analyzer *a, enum text_lang l, const char *w, size_t n,
                 struct buf *out);

/* Called once per sentence with its byte span [start, end) in p, trimmed of spaces. */
typedef bool (*text_sentence_cb)(void *ctx, size_t start, size_t end);
/* Split p[0..n) into sentences at . ! ? followed by a space and a capital or digit, and
 * at line breaks; common abbreviations ("z. B.", "e.g.") and decimals do not split. */
void text_sentences(const char *p, size_t n, text_sentence_cb cb, void *ctx);
#endif
