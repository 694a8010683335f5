// SPDX-License-Identifier: MIT
/*
 * tests/unit/guard/test_vault.c: pseudonymisation and the per-session vault (guard/vault.h):
 * round trips, stable placeholders within a session, isolation of sessions, tenants and
 * one-turn scopes, sliding expiry on an injected clock, LRU eviction, untrusted placeholders
 * in model output, the customer's own placeholder-shaped text, UTF-8, size limits, a seeded
 * round-trip property, threads sharing one vault, and the crypto it relies on (AES-256-GCM
 * known answers and tampering, the prepared HMAC key).
 */
#include "test_util.h"

#include <pthread.h>

#include "core/crypto.h"
#include "guard/pii.h"
#include "guard/vault.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t fake_ms;

static uint64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_ms;
}

static struct guard_vault *vault_new(size_t max_sessions, size_t max_entries, uint32_t ttl_s)
{
    struct guard_vault_params p = guard_vault_default_params();
    p.max_sessions = max_sessions;
    p.max_entries = max_entries;
    p.ttl_s = ttl_s;
    p.max_value_bytes = 64;
    p.now_ms = fake_clock;
    fake_ms = 1000000;
    struct guard_vault *v = NULL;
    assert_int_equal(guard_vault_create(&p, &v), AG_OK);
    return v;
}

static struct guard_vault_scope scope_of(struct guard_vault *v, const char *tenant,
                                         const char *session)
{
    struct guard_vault_scope s;
    assert_int_equal(guard_vault_scope(v, tenant, session, &s), AG_OK);
    return s;
}

/* Spans for every occurrence of each "TYPE=value" marker given, e.g. "EMAIL=a@b.de". */
static size_t spans_for(const char *text, const char *const *marks, size_t n_marks,
                        struct pii_span *out, size_t max)
{
    size_t n = 0, len = strlen(text);
    for (size_t pos = 0; pos < len;) {
        size_t best_len = 0;
        enum pii_type best_type = PII_EMAIL;
        for (size_t m = 0; m < n_marks; m++) {
            const char *eq = strchr(marks[m], '=');
            size_t vl = strlen(eq + 1);
            if (vl <= len - pos && memcmp(text + pos, eq + 1, vl) == 0 && vl > best_len) {
                best_len = vl;
                for (int t = 0; t < PII_N_TYPES; t++)
                    if (strlen(pii_type_name((enum pii_type)t)) == (size_t)(eq - marks[m]) &&
                        memcmp(pii_type_name((enum pii_type)t), marks[m],
                               (size_t)(eq - marks[m])) == 0)
                        best_type = (enum pii_type)t;
            }
        }
        if (best_len && n < max) {
            out[n++] = (struct pii_span){pos, pos + best_len, best_type};
            pos += best_len;
        } else {
            pos++;
        }
    }
    return n;
}

/* Pseudonymise text with the marked values; returns a malloc'd copy of the result. */
static char *pseudo(struct guard_vault *v, struct guard_vault_scope *s, const char *text,
                    const char *const *marks, size_t n_marks)
{
    struct pii_span sp[32];
    size_t ns = spans_for(text, marks, n_marks, sp, 32);
    struct buf out;
    buf_init(&out, 1 << 16);
    assert_int_equal(guard_pseudonymise(v, s, text, strlen(text), sp, ns, &out), AG_OK);
    char *r = tu_strdup(buf_cstr(&out));
    buf_release(&out);
    return r;
}

static char *restore(struct guard_vault *v, const struct guard_vault_scope *s, const char *text)
{
    struct buf out;
    buf_init(&out, 1 << 16);
    assert_int_equal(guard_restore(v, s, text, strlen(text), &out), AG_OK);
    char *r = tu_strdup(buf_cstr(&out));
    buf_release(&out);
    return r;
}

static void expect_pseudo(struct guard_vault *v, struct guard_vault_scope *s, const char *text,
                          const char *const *marks, size_t n_marks, const char *want)
{
    char *got = pseudo(v, s, text, marks, n_marks);
    if (strcmp(got, want) != 0)
        fail_msg("pseudonymise '%s': got '%s', want '%s'", text, got, want);
    free(got);
}

static void expect_restore(struct guard_vault *v, const struct guard_vault_scope *s,
                           const char *text, const char *want)
{
    char *got = restore(v, s, text);
    if (strcmp(got, want) != 0)
        fail_msg("restore '%s': got '%s', want '%s'", text, got, want);
    free(got);
}

#define MARKS(...)                                                                                 \
    ((const char *const[]){__VA_ARGS__}),                                                          \
        sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    struct guard_vault *v = vault_new(16, 8, 60);
    struct guard_vault_scope s = scope_of(v, "shop", "sess-1");
    const char *text = "Ich bin max@example.de, Tel. +49 30 1234567. Nochmal: max@example.de";
    char *p = pseudo(v, &s, text, MARKS("EMAIL=max@example.de", "PHONE=+49 30 1234567"));
    assert_string_equal(p, "Ich bin [EMAIL_1], Tel. [PHONE_1]. Nochmal: [EMAIL_1]");
    expect_restore(v, &s, p, text);
    /* The model rearranges and repeats; every known placeholder comes back. */
    expect_restore(v, &s, "Wir rufen [PHONE_1] an und schreiben an [EMAIL_1] ([EMAIL_1]).",
                   "Wir rufen +49 30 1234567 an und schreiben an max@example.de "
                   "(max@example.de).");
    free(p);
    /* No spans: the text passes as it is, and no session is created for it. */
    struct guard_vault_scope t = scope_of(v, "shop", "quiet");
    expect_pseudo(v, &t, "Wo ist mein Paket?", NULL, 0, "Wo ist mein Paket?");
    struct guard_vault_stats st;
    guard_vault_stats(v, &st);
    assert_int_equal(st.sessions, 1);
    guard_vault_destroy(v);
}

static void test_same_value_same_placeholder(void **state)
{
    (void)state;
    struct guard_vault *v = vault_new(16, 8, 60);
    struct guard_vault_scope s = scope_of(v, "shop", "sess-1");
    expect_pseudo(v, &s, "a@example.de", MARKS("EMAIL=a@example.de"), "[EMAIL_1]");
    expect_pseudo(v, &s, "b@example.de und a@example.de",
                  MARKS("EMAIL=a@example.de", "EMAIL=b@example.de"), "[EMAIL_2] und [EMAIL_1]");
    /* Numbers count per type; the same bytes as another type are another value. */
    expect_pseudo(v, &s, "030 1234567", MARKS("PHONE=030 1234567"), "[PHONE_1]");
    expect_pseudo(v, &s, "030 1234567", MARKS("TAX_ID=030 1234567"), "[TAX_ID_1]");
    /* Turns later, the first value still has its first placeholder. */
    fake_ms += 30000;
    expect_pseudo(v, &s, "noch a@example.de", MARKS("EMAIL=a@example.de"), "noch [EMAIL_1]");
    expect_restore(v, &s, "[EMAIL_1] [EMAIL_2] [PHONE_1] [TAX_ID_1]",
                   "a@example.de b@example.de 030 1234567 030 1234567");
    guard_vault_destroy(v);
}

static void test_isolation(void **state)
{
    (void)state;
    struct guard_vault *v = vault_new(16, 8, 60);
    struct guard_vault_scope a = scope_of(v, "shop", "s1");
    struct guard_vault_scope b = scope_of(v, "shop", "s2");
    struct guard_vault_scope c = scope_of(v, "other-shop", "s1");
    /* The length prefix keeps ("shop", "s1") apart from ("shops", "1"). */
    struct guard_vault_scope d = scope_of(v, "shops", "1");
    expect_pseudo(v, &a, "anna@example.de", MARKS("EMAIL=anna@example.de"), "[EMAIL_1]");
    expect_pseudo(v, &b, "bert@example.de", MARKS("EMAIL=bert@example.de"), "[EMAIL_1]");
    expect_restore(v, &a, "[EMAIL_1]", "anna@example.de");
    expect_restore(v, &b, "[EMAIL_1]", "bert@example.de");
    expect_restore(v, &c, "[EMAIL_1]", "[EMAIL_1]");
    expect_restore(v, &d, "[EMAIL_1]", "[EMAIL_1]");
    /* The same scope id twice is the same session; the scope is a plain value. */
    struct guard_vault_scope a2 = scope_of(v, "shop", "s1");
    assert_memory_equal(a.id, a2.id, sizeof(a.id));
    assert_false(a.one_turn);
    /* Another vault (another process key) cannot name this one's sessions. */
    struct guard_vault *w = vault_new(16, 8, 60);
    struct guard_vault_scope wa = scope_of(w, "shop", "s1");
    assert_memory_not_equal(a.id, wa.id, sizeof(a.id));
    guard_vault_destroy(w);
    guard_vault_destroy(v);
}

static void test_one_turn_scope(void **state)
{
    (void)state;
    struct guard_vault *v = vault_new(16, 8, 60);
    struct guard_vault_scope t1 = scope_of(v, "shop", NULL);
    struct guard_vault_scope t2 = scope_of(v, "shop", NULL);
    assert_true(t1.one_turn);
    expect_pseudo(v, &t1, "x@example.de", MARKS("EMAIL=x@example.de"), "[EMAIL_1]");
    expect_pseudo(v, &t2, "y@example.de", MARKS("EMAIL=y@example.de"), "[EMAIL_1]");
    expect_pseudo(v, &t1, "x@example.de z@example.de",
                  MARKS("EMAIL=x@example.de", "EMAIL=z@example.de"), "[EMAIL_1] [EMAIL_2]");
    expect_restore(v, &t1, "an [EMAIL_1]", "an x@example.de");
    expect_restore(v, &t2, "an [EMAIL_1]", "an y@example.de");
    /* Their values stay in the turns: the shared table holds no session for them. */
    struct guard_vault_stats mid;
    guard_vault_stats(v, &mid);
    assert_int_equal(mid.sessions, 0);
    guard_vault_scope_end(v, &t1);
    assert_null(t1.local);
    /* A one-turn scope's values are its own: ended without a vault, they are still freed
     * (the leak checker of the sanitizer build sees it otherwise). */
    struct guard_vault_scope t3 = scope_of(v, "shop", NULL);
    expect_pseudo(v, &t3, "z@example.de", MARKS("EMAIL=z@example.de"), "[EMAIL_1]");
    guard_vault_scope_end(NULL, &t3);
    assert_null(t3.local);
    expect_restore(v, &t1, "an [EMAIL_1]", "an [EMAIL_1]");
    expect_restore(v, &t2, "an [EMAIL_1]", "an y@example.de");
    guard_vault_scope_end(v, &t2);
    struct guard_vault_stats st;
    guard_vault_stats(v, &st);
    assert_int_equal(st.sessions, 0);
    /* Ending a named session's turn keeps it; forget drops it. */
    struct guard_vault_scope s = scope_of(v, "shop", "s1");
    expect_pseudo(v, &s, "x@example.de", MARKS("EMAIL=x@example.de"), "[EMAIL_1]");
    guard_vault_scope_end(v, &s);
    expect_restore(v, &s, "[EMAIL_1]", "x@example.de");
    guard_vault_forget(v, &s);
    expect_restore(v, &s, "[EMAIL_1]", "[EMAIL_1]");
    guard_vault_forget(v, &s); /* nothing held: no error */
    guard_vault_destroy(v);
}

static void test_expiry(void **state)
{
    (void)state;
    struct guard_vault *v = vault_new(16, 8, 10);
    struct guard_vault_scope s = scope_of(v, "shop", "s1");
    expect_pseudo(v, &s, "x@example.de", MARKS("EMAIL=x@example.de"), "[EMAIL_1]");
    /* Sliding: each use starts the 10 s again. */
    for (int i = 0; i < 3; i++) {
        fake_ms += 9999;
        expect_restore(v, &s, "[EMAIL_1]", "x@example.de");
    }
    fake_ms += 10000;
    expect_restore(v, &s, "[EMAIL_1]", "[EMAIL_1]");
    struct guard_vault_stats st;
    guard_vault_stats(v, &st);
    assert_int_equal(st.sessions, 0);
    assert_int_equal(st.expired, 1);
    /* A new session starts numbering afresh and knows nothing of the old value. */
    expect_pseudo(v, &s, "y@example.de", MARKS("EMAIL=y@example.de"), "[EMAIL_1]");
    expect_restore(v, &s, "[EMAIL_1]", "y@example.de");
    /* The sweep returns idle sessions' memory without any call passing by. */
    struct guard_vault_scope o = scope_of(v, "shop", "s2");
    expect_pseudo(v, &o, "z@example.de", MARKS("EMAIL=z@example.de"), "[EMAIL_1]");
    guard_vault_sweep(v);
    guard_vault_stats(v, &st);
    assert_int_equal(st.sessions, 2);
    fake_ms += 10000;
    guard_vault_sweep(v);
    guard_vault_stats(v, &st);
    assert_int_equal(st.sessions, 0);
    assert_int_equal(st.expired, 3);
    guard_vault_destroy(v);
}

static void test_eviction(void **state)
{
    (void)state;
    struct guard_vault *v = vault_new(3, 8, 60);
    struct guard_vault_scope s[4];
    char id[8];
    for (int i = 0; i < 4; i++) {
        snprintf(id, sizeof(id), "s%d", i);
        s[i] = scope_of(v, "shop", id);
    }
    for (int i = 0; i < 3; i++) {
        fake_ms++;
        expect_pseudo(v, &s[i], "x@example.de", MARKS("EMAIL=x@example.de"), "[EMAIL_1]");
    }
    fake_ms++;
    expect_restore(v, &s[0], "[EMAIL_1]", "x@example.de"); /* s1 is now the least recent */
    fake_ms++;
    expect_pseudo(v, &s[3], "x@example.de", MARKS("EMAIL=x@example.de"), "[EMAIL_1]");
    struct guard_vault_stats st;
    guard_vault_stats(v, &st);
    assert_int_equal(st.sessions, 3);
    assert_int_equal(st.evicted, 1);
    expect_restore(v, &s[1], "[EMAIL_1]", "[EMAIL_1]");
    expect_restore(v, &s[0], "[EMAIL_1]", "x@example.de");
    expect_restore(v, &s[2], "[EMAIL_1]", "x@example.de");
    expect_restore(v, &s[3], "[EMAIL_1]", "x@example.de");
    /* An expired session goes first and counts as expired, not evicted. */
    fake_ms += 60000;
    expect_pseudo(v, &s[1], "x@example.de", MARKS("EMAIL=x@example.de"), "[EMAIL_1]");
    guard_vault_stats(v, &st);
    assert_int_equal(st.evicted, 1);
    assert_true(st.expired >= 1);
    guard_vault_destroy(v);
}

static void test_untrusted_placeholders(void **state)
{
    (void)state;
    struct guard_vault *v = vault_new(16, 8, 60);
    struct guard_vault_scope s = scope_of(v, "shop", "s1");
    expect_pseudo(v, &s, "x@example.de 0151 12345678",
                  MARKS("EMAIL=x@example.de", "PHONE=0151 12345678"), "[EMAIL_1] [PHONE_1]");
    static const char *const kept[] = {
        "[EMAIL_7]", /* invented */
        "[PHONE_2]", /* invented */
        "[IBAN_1]",  /* a type this session has no value of */
        "[EMAIL_0]",
        "[EMAIL_01]",
        "[email_1]",
        "[Email_1]",
        "[EMAIL 1]",
        "[EMAIL-1]",
        "[EMAIL_1",
        "EMAIL_1]",
        "[EMAIL_]",
        "[_1]",
        "[EMAIL1]",
        "[EMAIL__1]",
        "[UNKNOWN_1]",
        "[EMAIL_1a]",
        "[EMAIL_+1]",
        "[EMAIL_-1]",
        "[EMAIL_1 ]",
        "[ EMAIL_1]",
        "[EMAIL_1\\]",
        "[EMAIL_\\_1]",
        "[EMAIL_4294967297]", /* would wrap to 1 in 32 bits */
        "[EMAIL_1000000001]",
        "[EMAIL_99999999999999999999]",
        "[",
        "]",
        "[]",
        "[[",
    };
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        expect_restore(v, &s, kept[i], kept[i]);
    expect_restore(v, &s, "[[EMAIL_1]]", "[x@example.de]");
    expect_restore(v, &s, "[EMAIL_[EMAIL_1]", "[EMAIL_x@example.de");
    expect_restore(v, &s, "[PHONE_1][EMAIL_1]", "0151 12345678x@example.de");
    /* Escaped forms lose one backslash, and are never values. */
    expect_restore(v, &s, "[EMAIL\\_1]", "[EMAIL_1]");
    expect_restore(v, &s, "[EMAIL\\\\_1]", "[EMAIL\\_1]");
    expect_restore(v, &s, "[EMAIL\\_7]", "[EMAIL_7]");
    /* Empty and NUL-containing output. */
    expect_restore(v, &s, "", "");
    struct buf out;
    buf_init(&out, 64);
    assert_int_equal(guard_restore(v, &s, "a\0[EMAIL_1]", 11, &out), AG_OK);
    assert_int_equal(out.len, 14);
    assert_memory_equal(out.p, "a\0x@example.de", 14);
    buf_release(&out);
    guard_vault_destroy(v);
}

static void test_customer_literal_placeholder(void **state)
{
    (void)state;
    struct guard_vault *v = vault_new(16, 8, 60);
    struct guard_vault_scope s = scope_of(v, "shop", "s1");
    /* The customer writes a placeholder of their own next to a real address. */
    const char *text = "Was heisst [EMAIL_1]? Meine: x@example.de, und [EMAIL\\_1].";
    char *p = pseudo(v, &s, text, MARKS("EMAIL=x@example.de"));
    assert_string_equal(p, "Was heisst [EMAIL\\_1]? Meine: [EMAIL_1], und [EMAIL\\\\_1].");
    expect_restore(v, &s, p, text);
    /* The model quotes the customer's text: it comes back as written, not as the value. */
    expect_restore(v, &s, "Sie schrieben [EMAIL\\_1].", "Sie schrieben [EMAIL_1].");
    free(p);
    /* In a later turn too, a literal never becomes the stored value. */
    p = pseudo(v, &s, "[EMAIL_1] bitte", NULL, 0);
    assert_string_equal(p, "[EMAIL\\_1] bitte");
    expect_restore(v, &s, p, "[EMAIL_1] bitte");
    free(p);
    /* Only what restore would act on is escaped. */
    expect_pseudo(v, &s, "[EMAIL_01] [FOO_1] [EMAIL_1", NULL, 0, "[EMAIL_01] [FOO_1] [EMAIL_1");
    guard_vault_destroy(v);
}

static void test_utf8_and_all_types(void **state)
{
    (void)state;
    struct guard_vault *v = vault_new(16, 2 * PII_N_TYPES + 2, 60);
    struct guard_vault_scope s = scope_of(v, "shop", "s1");
    /* The vault never looks inside a value: any bytes under any type. */
    const char *text = "Grüße von jürgen@beispiel.de 🙂 und „Zoë“";
    char *p = pseudo(v, &s, text, MARKS("EMAIL=jürgen@beispiel.de", "PHONE=„Zoë“"));
    assert_string_equal(p, "Grüße von [EMAIL_1] 🙂 und [PHONE_1]");
    expect_restore(v, &s, p, text);
    free(p);
    /* Every type the detector has (the list grows) round-trips under its own name. */
    for (int t = 0; t < PII_N_TYPES; t++) {
        const char *name = pii_type_name((enum pii_type)t);
        char text2[128], want[128];
        snprintf(text2, sizeof(text2), "value-%d-ÄÖÜ [%s_1] [%s_2]", t, name, name);
        struct pii_span sp = {0, (size_t)(strchr(text2, ' ') - text2), (enum pii_type)t};
        struct buf out;
        buf_init(&out, 1024);
        assert_int_equal(guard_pseudonymise(v, &s, text2, strlen(text2), &sp, 1, &out), AG_OK);
        unsigned first = t == PII_EMAIL || t == PII_PHONE ? 2 : 1;
        snprintf(want, sizeof(want), "[%s_%u] [%s\\_1] [%s\\_2]", name, first, name, name);
        assert_string_equal(buf_cstr(&out), want);
        char *back = restore(v, &s, buf_cstr(&out));
        assert_string_equal(back, text2);
        free(back);
        buf_release(&out);
    }
    guard_vault_destroy(v);
}

static void test_limits(void **state)
{
    (void)state;
    struct guard_vault *v = vault_new(16, 2, 60);
    struct guard_vault_scope s;
    char big[GUARD_VAULT_MAX_ID + 2];
    memset(big, 's', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(guard_vault_scope(v, "shop", big, &s), AG_ETOOBIG);
    assert_int_equal(guard_vault_scope(v, big, "s1", &s), AG_ETOOBIG);
    big[GUARD_VAULT_MAX_ID] = '\0';
    assert_int_equal(guard_vault_scope(v, big, big, &s), AG_OK);
    assert_int_equal(guard_vault_scope(v, "", "s1", &s), AG_EINVAL);
    assert_int_equal(guard_vault_scope(v, NULL, "s1", &s), AG_EINVAL);
    assert_int_equal(guard_vault_scope(v, "shop", "", &s), AG_EINVAL);
    s = scope_of(v, "shop", "s1");

    struct buf out;
    buf_init(&out, 1024);
    /* A value over max_value_bytes (64). */
    char text[200];
    memset(text, 'a', sizeof(text));
    struct pii_span sp = {0, 65, PII_EMAIL};
    assert_int_equal(guard_pseudonymise(v, &s, text, sizeof(text), &sp, 1, &out), AG_ETOOBIG);
    sp.end = 64;
    assert_int_equal(guard_pseudonymise(v, &s, text, sizeof(text), &sp, 1, &out), AG_OK);
    buf_reset(&out);
    /* Bad spans. */
    struct pii_span bad[][2] = {
        {{5, 5, PII_EMAIL}, {0, 0, PII_EMAIL}},                  /* empty */
        {{0, 201, PII_EMAIL}, {0, 0, PII_EMAIL}},                /* past the end */
        {{10, 20, PII_EMAIL}, {15, 25, PII_PHONE}},              /* overlapping */
        {{10, 20, PII_EMAIL}, {0, 5, PII_PHONE}},                /* out of order */
        {{0, 5, (enum pii_type)PII_N_TYPES}, {0, 0, PII_EMAIL}}, /* no such type */
    };
    size_t bad_n[] = {1, 1, 2, 2, 1};
    for (size_t i = 0; i < sizeof(bad_n) / sizeof(bad_n[0]); i++)
        assert_int_equal(guard_pseudonymise(v, &s, text, sizeof(text), bad[i], bad_n[i], &out),
                         AG_EINVAL);
    assert_int_equal(out.len, 0);

    /* max_entries is 2: a third distinct value fails, and the failed call changes nothing. */
    expect_pseudo(v, &s, "b@example.de", MARKS("EMAIL=b@example.de"), "[EMAIL_2]");
    buf_release(&out);
    buf_init(&out, 1024);
    assert_int_equal(buf_append_str(&out, "kept:"), AG_OK);
    const char *three = "c@example.de d@example.de";
    struct pii_span two[] = {{0, 12, PII_EMAIL}, {13, 25, PII_EMAIL}};
    assert_int_equal(guard_pseudonymise(v, &s, three, strlen(three), two, 2, &out), AG_ETOOBIG);
    assert_string_equal(buf_cstr(&out), "kept:");
    expect_pseudo(v, &s, "b@example.de", MARKS("EMAIL=b@example.de"), "[EMAIL_2]");
    buf_release(&out);

    /* Output over the buffer's max: nothing appended, no value stored. */
    struct guard_vault_scope t = scope_of(v, "shop", "s2");
    buf_init(&out, 12);
    const char *msg = "mail: e@example.de";
    struct pii_span one = {6, 18, PII_EMAIL};
    assert_int_equal(guard_pseudonymise(v, &t, msg, strlen(msg), &one, 1, &out), AG_ETOOBIG);
    assert_int_equal(out.len, 0);
    expect_restore(v, &t, "[EMAIL_1]", "[EMAIL_1]");
    struct guard_vault_stats st;
    guard_vault_stats(v, &st);
    assert_int_equal(st.sessions, 1); /* the session made for the failed call is gone */
    expect_pseudo(v, &t, "f@example.de", MARKS("EMAIL=f@example.de"), "[EMAIL_1]");
    /* Restore past the max: out as it was. */
    assert_int_equal(buf_append_str(&out, "ab"), AG_OK);
    assert_int_equal(guard_restore(v, &t, "[EMAIL_1]", 9, &out), AG_ETOOBIG);
    assert_string_equal(buf_cstr(&out), "ab");
    buf_release(&out);

    /* Bad params. */
    struct guard_vault_params p = guard_vault_default_params();
    struct guard_vault *w = NULL;
    p.ttl_s = 0;
    assert_int_equal(guard_vault_create(&p, &w), AG_EINVAL);
    p = guard_vault_default_params();
    p.max_sessions = 0;
    assert_int_equal(guard_vault_create(&p, &w), AG_EINVAL);
    assert_null(w);
    guard_vault_destroy(NULL);
    guard_vault_destroy(v);
}

/* Real detector output: nothing it finds survives pseudonymisation. Only the three
 * structured values are asserted, so that the detector may learn more types. */
static void test_with_pii_scan(void **state)
{
    (void)state;
    struct guard_vault *v = vault_new(16, 16, 60);
    struct guard_vault_scope s = scope_of(v, "shop", "s1");
    const char *text = "Hallo, ich bin erreichbar unter max.mustermann@example.de oder "
                       "+49 30 1234567. Bitte erstatten auf DE89 3704 0044 0532 0130 00.";
    static const char *const values[] = {"max.mustermann@example.de", "+49 30 1234567",
                                         "DE89 3704 0044 0532 0130 00"};
    struct pii_span sp[16];
    size_t n = 0;
    assert_int_equal(pii_scan(text, strlen(text), sp, 16, &n), AG_OK);
    assert_true(n >= 3 && n <= 16);
    struct buf out;
    buf_init(&out, 4096);
    assert_int_equal(guard_pseudonymise(v, &s, text, strlen(text), sp, n, &out), AG_OK);
    for (size_t i = 0; i < 3; i++)
        assert_null(strstr(buf_cstr(&out), values[i]));
    assert_non_null(strstr(buf_cstr(&out), "[EMAIL_1]"));
    assert_non_null(strstr(buf_cstr(&out), "[PHONE_1]"));
    assert_non_null(strstr(buf_cstr(&out), "[IBAN_1]"));
    char *back = restore(v, &s, buf_cstr(&out));
    assert_string_equal(back, text);
    free(back);
    buf_release(&out);
    guard_vault_destroy(v);
}

/* Random text made of words, brackets, backslashes and token look-alikes, random spans:
 * restore(pseudonymise(x)) == x, and the output's unescaped tokens are exactly the spans. */
static void test_property_round_trip(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "[EMAIL_1]",
        "[EMAIL\\_2]",
        "[PHONE_12]",
        "[IBAN\\\\\\_3]",
        "[",
        "]",
        "\\",
        "_",
        "1",
        "[EMAIL_",
        "EMAIL",
        "ä",
        " ",
        "x",
        "[TAX_ID_9]",
        "[EMAIL_0]",
        "[CREDIT_CARD_1]",
        "[IP_ADDRESS\\_5]",
    };
    tu_rng_seed();
    struct guard_vault *v = vault_new(64, 256, 60);
    for (int round = 0; round < 400; round++) {
        char sid[32];
        snprintf(sid, sizeof(sid), "p%d", round % 8);
        struct guard_vault_scope s = scope_of(v, "shop", sid);
        if (tu_rng_below(16) == 0)
            guard_vault_forget(v, &s);
        char text[512];
        size_t n = 0;
        struct pii_span sp[8];
        size_t ns = 0;
        int parts = (int)tu_rng_below(20);
        for (int k = 0; k < parts; k++) {
            const char *piece = pieces[tu_rng_below(sizeof(pieces) / sizeof(pieces[0]))];
            size_t pl = strlen(piece);
            if (n + pl >= sizeof(text))
                break;
            memcpy(text + n, piece, pl);
            if (ns < 8 && tu_rng_below(4) == 0)
                sp[ns++] = (struct pii_span){n, n + pl, (enum pii_type)tu_rng_below(PII_N_TYPES)};
            n += pl;
        }
        struct buf p, r;
        buf_init(&p, 1 << 14);
        buf_init(&r, 1 << 14);
        TU_PROP_CHECK(guard_pseudonymise(v, &s, text, n, sp, ns, &p) == AG_OK);
        TU_PROP_CHECK(guard_restore(v, &s, p.p ? p.p : "", p.len, &r) == AG_OK);
        TU_PROP_CHECK(r.len == n && (n == 0 || memcmp(r.p, text, n) == 0));
        buf_release(&p);
        buf_release(&r);
    }
    guard_vault_destroy(v);
}

/* ---- the crypto the vault relies on (core/crypto.h additions) ------------------------------ */

static void unhex(const char *h, uint8_t *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; h[2 * i]; i++) {
        const char *hi = strchr(digits, h[2 * i]), *lo = strchr(digits, h[2 * i + 1]);
        assert_true(hi && lo && *hi && *lo);
        out[i] = (uint8_t)((hi - digits) << 4 | (lo - digits));
    }
}

static void test_crypto_primitives(void **state)
{
    (void)state;
    /* AES-256-GCM, test case 16 of the GCM specification (McGrew and Viega). */
    uint8_t key[32], iv[12], aad[20], pt[60], ct[60], want_ct[60], tag[16], want_tag[16], back[60];
    unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", key);
    unhex("cafebabefacedbaddecaf888", iv);
    unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad);
    unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
          "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
          pt);
    unhex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
          "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
          want_ct);
    unhex("76fc6ece0f4e1768cddf8853bb2d551b", want_tag);
    assert_int_equal(crypto_aead_seal(key, iv, aad, sizeof(aad), pt, sizeof(pt), ct, tag), AG_OK);
    assert_memory_equal(ct, want_ct, sizeof(ct));
    assert_memory_equal(tag, want_tag, sizeof(tag));
    assert_int_equal(crypto_aead_open(key, iv, aad, sizeof(aad), ct, sizeof(ct), tag, back), AG_OK);
    assert_memory_equal(back, pt, sizeof(pt));
    /* Any changed bit of ciphertext, tag or associated data is refused, and nothing leaks. */
    ct[7] ^= 1;
    assert_int_equal(crypto_aead_open(key, iv, aad, sizeof(aad), ct, sizeof(ct), tag, back),
                     AG_ECORRUPT);
    uint8_t zero[60] = {0};
    assert_memory_equal(back, zero, sizeof(back));
    ct[7] ^= 1;
    aad[0] ^= 1;
    assert_int_equal(crypto_aead_open(key, iv, aad, sizeof(aad), ct, sizeof(ct), tag, back),
                     AG_ECORRUPT);
    aad[0] ^= 1;
    tag[15] ^= 0x80;
    assert_int_equal(crypto_aead_open(key, iv, aad, sizeof(aad), ct, sizeof(ct), tag, back),
                     AG_ECORRUPT);
    /* Empty plaintext and no associated data (test case 13). */
    memset(key, 0, sizeof(key));
    memset(iv, 0, sizeof(iv));
    unhex("530f8afbc74536b9a963b4f1c4cb738b", want_tag);
    assert_int_equal(crypto_aead_seal(key, iv, NULL, 0, NULL, 0, NULL, tag), AG_OK);
    assert_memory_equal(tag, want_tag, sizeof(tag));
    assert_int_equal(crypto_aead_open(key, iv, NULL, 0, NULL, 0, tag, NULL), AG_OK);

    /* A prepared HMAC key over parts equals the one-shot HMAC of the joined message. */
    struct crypto_hmac *h = NULL;
    assert_int_equal(crypto_hmac_create("Jefe", 4, &h), AG_OK);
    const char *msg = "what do ya want for nothing?";
    struct crypto_part parts[] = {{msg, 4}, {NULL, 0}, {msg + 4, strlen(msg) - 4}};
    uint8_t a[CRYPTO_SHA256_LEN], b[CRYPTO_SHA256_LEN];
    for (int i = 0; i < 2; i++) { /* the key stays usable */
        assert_int_equal(crypto_hmac_sha256_keyed(h, parts, 3, a), AG_OK);
        assert_int_equal(crypto_hmac_sha256("Jefe", 4, msg, strlen(msg), b), AG_OK);
        assert_memory_equal(a, b, sizeof(a));
    }
    crypto_hmac_destroy(h);
    crypto_hmac_destroy(NULL);
    uint8_t w[4] = {1, 2, 3, 4};
    crypto_wipe(w, sizeof(w));
    assert_memory_equal(w, zero, sizeof(w));
}

/* ---- threads -------------------------------------------------------------------------------- */

struct worker {
    struct guard_vault *v;
    int id, iters, sessions;
    bool strict; /* no eviction expected: every round trip must hold */
    int failures;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < w->iters; i++) {
        char sid[32], text[160];
        int sess = (w->id * 7 + i) % w->sessions;
        snprintf(sid, sizeof(sid), "t-%d", sess);
        struct guard_vault_scope s;
        if (guard_vault_scope(w->v, "shop", sid, &s) != AG_OK) {
            w->failures++;
            continue;
        }
        /* A value shared by every thread of the session, and one of this thread's own. */
        int a = snprintf(text, sizeof(text), "shared-%d@example.de", sess);
        int b = snprintf(text + a, sizeof(text) - (size_t)a, " own-%d-%d@example.de", w->id, i % 5);
        struct pii_span sp[2] = {{0, (size_t)a, PII_EMAIL},
                                 {(size_t)a + 1, (size_t)(a + b), PII_EMAIL}};
        struct buf p, r;
        buf_init(&p, 1024);
        buf_init(&r, 1024);
        ag_err rc = guard_pseudonymise(w->v, &s, text, strlen(text), sp, 2, &p);
        if (rc == AG_ETOOBIG && !w->strict) {
            guard_vault_forget(w->v, &s); /* a busy session filled up; start it again */
        } else if (rc != AG_OK || guard_restore(w->v, &s, p.p, p.len, &r) != AG_OK) {
            w->failures++;
        } else if (w->strict) {
            if (strcmp(buf_cstr(&r), text) != 0 || strncmp(p.p, "[EMAIL_1] ", 10) != 0)
                w->failures++;
        } else {
            /* Evicted or not, what comes back is this session's or a placeholder. */
            char mine[32];
            snprintf(mine, sizeof(mine), "shared-%d@", sess);
            const char *at = strstr(buf_cstr(&r), "shared-");
            if (at && strncmp(at, mine, strlen(mine)) != 0)
                w->failures++;
        }
        buf_release(&p);
        buf_release(&r);
        if (i % 64 == 0)
            guard_vault_sweep(w->v);
    }
    return NULL;
}

static void run_workers(struct guard_vault *v, int sessions, bool strict)
{
    enum { N = 4 };
    pthread_t th[N];
    struct worker w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (struct worker){v, i, 1500, sessions, strict, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
}

static uint64_t real_clock(void *arg)
{
    (void)arg;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void test_threads(void **state)
{
    (void)state;
    struct guard_vault_params p = guard_vault_default_params();
    p.now_ms = real_clock;
    /* Room for every session: each thread's values round-trip, and the value the session's
     * threads share keeps one placeholder, [EMAIL_1], whoever stored it first. */
    p.max_sessions = 1024;
    p.max_entries = 32;
    struct guard_vault *v = NULL;
    assert_int_equal(guard_vault_create(&p, &v), AG_OK);
    run_workers(v, 6, true);
    guard_vault_destroy(v);
    /* Few sessions, many ids: evictions race with use, yet nothing crosses sessions. */
    p.max_sessions = 4;
    p.max_entries = 8;
    assert_int_equal(guard_vault_create(&p, &v), AG_OK);
    run_workers(v, 40, false);
    struct guard_vault_stats st;
    guard_vault_stats(v, &st);
    assert_true(st.sessions <= 4);
    assert_true(st.evicted > 0);
    guard_vault_destroy(v);
}

/* For the search, placeholders become spaces; text the customer wrote does not. */
static void test_blank_placeholders(void **state)
{
    (void)state;
    char t[] = "Mail [EMAIL_1], Tel [PHONE_12]. Mein [EMAIL\\_1] und [EMAIL_0] [FOO_1] [EMAIL_1";
    guard_blank_placeholders(t, strlen(t));
    assert_string_equal(t, "Mail          , Tel           . Mein [EMAIL\\_1] und [EMAIL_0] [FOO_1] "
                           "[EMAIL_1");
    guard_blank_placeholders(t, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_blank_placeholders),
        cmocka_unit_test(test_same_value_same_placeholder),
        cmocka_unit_test(test_isolation),
        cmocka_unit_test(test_one_turn_scope),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_untrusted_placeholders),
        cmocka_unit_test(test_customer_literal_placeholder),
        cmocka_unit_test(test_utf8_and_all_types),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_with_pii_scan),
        cmocka_unit_test(test_property_round_trip),
        cmocka_unit_test(test_crypto_primitives),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
