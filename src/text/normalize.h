/*
 * text/normalize.h: text normalisation against obfuscation, run before the prompt-injection
 * rules and classifier. text_normalize() folds a message to one plain lower-case form
 * (Unicode folding, invisible characters, look-alike letters, leetspeak, spaced-out letters);
 * text_decode_embedded() finds text hidden in base64, hex, URL escapes and rot13 so that the
 * caller can normalise and scan it too. Both are built for untrusted input: any bytes are
 * accepted, work is linear in the input and all output is bounded.
 * OWNERSHIP: inputs are borrowed; decoded segments passed to the callback are borrowed and
 * valid only during the call.
 * THREADS: everything here is reentrant (the fold table is built once, behind pthread_once).
 */
#ifndef AG_TEXT_NORMALIZE_H
#define AG_TEXT_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* Which obfuscations a text showed (bits), so that a verdict can name them. */
enum text_obf {
    TEXT_OBF_INVISIBLE = 1 << 0, /* zero-width, bidi controls, soft hyphen, tag characters,
                                    control characters, bytes that are not UTF-8 */
    TEXT_OBF_HOMOGLYPH = 1 << 1, /* Cyrillic/Greek letters that look Latin, fullwidth,
                                    mathematical, circled, small-capital letters */
    TEXT_OBF_LEET = 1 << 2,      /* "1gn0r3", "pr0mpt", "p@ssw0rd" */
    TEXT_OBF_SPACED = 1 << 3,    /* "i g n o r e", "i-g-n-o-r-e", "i.g.n.o.r.e" */
    TEXT_OBF_BASE64 = 1 << 4,
    TEXT_OBF_HEX = 1 << 5,
    TEXT_OBF_URL = 1 << 6,
    TEXT_OBF_ROT13 = 1 << 7,
};

/* Short English name of one bit ("spaced-out letters"); "" for anything else. */
const char *text_obf_name(enum text_obf bit);

/*
 * Normalise UTF-8 text p[0..n) for matching and append the result to out; OR the obfuscations
 * seen into *seen (seen may be NULL). The result is valid UTF-8, lower case, with no leading,
 * trailing or double space, at most TEXT_NORMALIZE_MAX_GROWTH * n bytes. Steps:
 *  - Folding: compatibility forms, case folding, accents stripped ("Ä"->"a", "ß"->"ss",
 *    fullwidth and mathematical letters -> ASCII), as text_words() does. Hangul stays.
 *  - Invisible: default-ignorable code points (zero-width, bidi controls, soft hyphen, ...),
 *    control characters and bytes that are not UTF-8 are dropped without ending a word
 *    ("ig\u200Bnore" -> "ignore"). Tag characters U+E0020..E007E (invisible "ASCII
 *    smuggling") are read as the ASCII they encode instead. TEXT_OBF_INVISIBLE is set for a
 *    bidi control or tag character anywhere, two or more variation selectors in a row, and
 *    any other invisible right after a letter or digit (so an emoji's joiner or selector,
 *    or a leading byte order mark, does not count; a soft hyphen inside a word does).
 *  - Homoglyphs: Cyrillic and Greek letters that look Latin ("і", "о", "е", "р", "α", "ο",
 *    capitals such as "В" "Н" "Т" "Η") become the Latin letter, but only in a word that also
 *    holds Latin letters, or a word made only of look-alikes that mixes Cyrillic and Greek or
 *    follows Latin text. Russian or Greek text stays in its script, case-folded. Latin small
 *    capitals, IPA look-alikes ("ɑ", "ɡ") and enclosed letters ("🅰", regional indicators)
 *    always become plain letters.
 *  - Leetspeak, in a word of letters, digits and the symbols @ $ ! | (a symbol counts when a
 *    letter or digit follows it, and $ | ! also at the start of a word; @ not before a later
 *    "." in the same token, so e-mail addresses stay): the word is folded (0->o 1->i 3->e 4->a
 *    5->s 7->t 8->b 9->g @->a $->s !->i |->i; 1 and | become l when doubled or last after a
 *    vowel) when it has 2+ letters, no digit 2 or 6 or other digit and no run of 3+ digits,
 *    and the digits are not just a prefix or suffix, unless that is a single one before or
 *    after 4+ letters. "1gn0r3"->"ignore", "pr3v10us"->"previous", "ignor3"->"ignore"; "2nd",
 *    "100", "mp3", "b2b", "win10", "A-12345", "19,99" stay; so does "th3" (like "mp3").
 *  - Spaced-out letters: a run of single letters or digits with short gaps between them (up
 *    to 6 bytes of white space and . - _ * / + ~ , : ; ' ` · •) is read as words: the gap
 *    seen most often in the run joins letters, any other gap ends a word and becomes one
 *    space. "i g n o r e  a l l", "i.g.n.o.r.e a.l.l", "i-g-n-o-r-e" and one letter a line
 *    -> "ignore all". The run needs a word of 4+ with 2+ letters ("z.B. u.a.", "1 2 3 4",
 *    "S M L" stay), and each joined word a letter. The joined word is then folded for
 *    homoglyphs, and for leetspeak when it has a letter and only the digits above
 *    ("1 g n 0 r 3  4 l l" -> "ignore all": spelling out is disguise enough).
 *  - White space runs become one space; all other punctuation is kept.
 * Returns AG_OK, or AG_ETOOBIG when out would grow past its max (AG_ENOMEM without memory);
 * on failure out and *seen are as they were.
 */
ag_err text_normalize(const char *p, size_t n, struct buf *out, unsigned *seen);

/* The most output bytes text_normalize() writes per input byte (U+FDFA folds to 33 bytes). */
#define TEXT_NORMALIZE_MAX_GROWTH 11

/* Called with each decoded segment; return false to stop the search. how is one bit of
 * enum text_obf: TEXT_OBF_BASE64, _HEX, _URL or _ROT13. The bytes may be any bytes. */
typedef bool (*text_decoded_cb)(void *ctx, enum text_obf how, const char *p, size_t n);

/*
 * Find text hidden in p[0..n) and pass each decoded segment to cb, in this order per text:
 *  - base64 (standard or URL-safe alphabet, padding optional): a run of 16+ alphabet
 *    characters (also each "/"-separated part of a run that fails whole) that decodes to
 *    mostly printable UTF-8 (at most 1 in 10 characters invalid or control, half of them
 *    letters, digits or spaces); long German compounds and hashes decode to noise and fail;
 *  - hex, the same test on the bytes: 16+ hex digits in a row (an even count, "0x" prefix
 *    allowed), or 8+ pairs written "69 67 6e", "69:67", "\x69\x67", "0x69,0x67";
 *  - URL escapes: a token (text between white space) with 3+ %XX escapes, decoded whole
 *    ("+" becomes a space);
 *  - rot13: the whole text rot13'd when it names the cipher (rot13, rot-13, rot 13, ebg13,
 *    caesar, cäsar), otherwise the stretch of words whose letters are much likelier
 *    under rot13 than as they stand (English/German letter frequencies; 24+ letters).
 * what selects the searches (enum text_obf bits; TEXT_DECODE_ALL for all): TEXT_OBF_BASE64
 * or TEXT_OBF_HEX the first two (base64 and hex share one walk, either bit enables both),
 * TEXT_OBF_URL and TEXT_OBF_ROT13 the others. A caller that finds rot13 another way (the
 * guard matches its rules in rot13 spelling too) skips the rot13 search, and one that knows
 * the text holds no base64 or hex candidate skips the walk.
 * Each decoded segment is searched again, so up to two encodings deep (base64 in base64).
 * At most max_out bytes are decoded in all. Returns AG_OK when the search finished or cb
 * stopped it; AG_ETOOBIG when max_out ran out (the segments found until then were passed;
 * treat the rest of the text as unchecked); AG_ENOMEM without memory.
 */
#define TEXT_DECODE_ALL (TEXT_OBF_BASE64 | TEXT_OBF_HEX | TEXT_OBF_URL | TEXT_OBF_ROT13)
ag_err text_decode_embedded(const char *p, size_t n, size_t max_out, unsigned what,
                            text_decoded_cb cb, void *ctx);

/* rot13 of p[0..n) into out[0..n): ASCII letters rotate, every other byte is copied.
 * out may be p. */
void text_rot13(const char *p, size_t n, char *out);

#endif
