// SPDX-License-Identifier: MIT
/*
 * fuzz/fuzz_vault.c: pseudonymisation and restoring (guard/vault.h) on arbitrary bytes.
 * First byte even: the rest is model output, restored in a session that holds known values
 * next to another session's secrets; the other session's values never appear unless the
 * input had them, and a failed call leaves the buffer empty. First byte odd: byte 1 gives
 * up to 8 spans as (gap, length, type) triples that follow, the rest is the text; then
 * restore(pseudonymise(text)) == text, a second pseudonymise gives the same text, and
 * restoring in a scope that holds nothing gives back no stored value.
 */
#include <stdint.h>
#include <string.h>

#include "guard/vault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Values held by sessions other than the one a check restores in. */
static const char *const other_secrets[] = {"bob@secret.example", "DE02120300000000202051"};
static const char *const my_values[] = {"alice@example.com", "+49 30 1234567"};

static bool contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

static void store(struct guard_vault *v, struct guard_vault_scope *s, const char *text,
                  const struct pii_span *sp, size_t n)
{
    struct buf out;
    buf_init(&out, 1024);
    if (guard_pseudonymise(v, s, text, strlen(text), sp, n, &out) != AG_OK)
        __builtin_trap();
    buf_release(&out);
}

/* None of the n_vals values may come out that did not go in. */
static void check_no_leak(const char *in, size_t n, const struct buf *out, const char *const *vals,
                          size_t n_vals)
{
    for (size_t i = 0; i < n_vals; i++)
        if (contains(out->p ? out->p : "", out->len, vals[i]) && !contains(in, n, vals[i]))
            __builtin_trap();
}

static void fuzz_restore(struct guard_vault *v, const struct guard_vault_scope *mine, const char *p,
                         size_t n)
{
    struct buf out;
    buf_init(&out, 512);
    ag_err rc = guard_restore(v, mine, p, n, &out);
    if ((rc != AG_OK && rc != AG_ETOOBIG) || (rc != AG_OK && out.len != 0) || out.len > out.max)
        __builtin_trap();
    check_no_leak(p, n, &out, other_secrets, 2);
    buf_release(&out);
}

static void fuzz_round_trip(struct guard_vault *v, struct guard_vault_scope *mine,
                            const uint8_t *data, size_t size)
{
    struct pii_span sp[8];
    size_t ns = 0, k = size > 0 ? data[0] % 9u : 0, hdr = 1 + 3 * k;
    if (size < hdr)
        return;
    const char *text = (const char *)data + hdr;
    size_t n = size - hdr, pos = 0;
    for (size_t i = 0; i < k; i++) {
        const uint8_t *d = data + 1 + 3 * i;
        size_t start = pos + d[0] % 16u, len = 1 + d[1] % 40u;
        if (start >= n || len > n - start)
            break;
        sp[ns++] = (struct pii_span){start, start + len, (enum pii_type)(d[2] % PII_N_TYPES)};
        pos = start + len;
    }
    struct buf p1, p2, r;
    buf_init(&p1, 1 << 16);
    buf_init(&p2, 1 << 16);
    buf_init(&r, 1 << 16);
    ag_err rc = guard_pseudonymise(v, mine, text, n, sp, ns, &p1);
    if (rc == AG_OK) {
        if (guard_pseudonymise(v, mine, text, n, sp, ns, &p2) != AG_OK || p1.len != p2.len ||
            (p1.len && memcmp(p1.p, p2.p, p1.len) != 0))
            __builtin_trap();
        if (guard_restore(v, mine, p1.p ? p1.p : "", p1.len, &r) != AG_OK || r.len != n ||
            (n && memcmp(r.p, text, n) != 0))
            __builtin_trap();
        /* A scope that holds nothing restores no value of anyone's. */
        struct guard_vault_scope stranger;
        buf_reset(&r);
        if (guard_vault_scope(v, "shop", NULL, &stranger) != AG_OK ||
            guard_restore(v, &stranger, p1.p ? p1.p : "", p1.len, &r) != AG_OK)
            __builtin_trap();
        check_no_leak(text, n, &r, other_secrets, 2);
        check_no_leak(text, n, &r, my_values, 2);
    } else if (rc != AG_ETOOBIG || p1.len != 0) {
        __builtin_trap(); /* spans are valid by construction; only the size caps may refuse */
    }
    buf_release(&p1);
    buf_release(&p2);
    buf_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct guard_vault_params params = guard_vault_default_params();
    params.max_sessions = 4;
    params.max_entries = 8;
    params.max_value_bytes = 32;
    struct guard_vault *v = NULL;
    struct guard_vault_scope mine, other;
    if (guard_vault_create(&params, &v) != AG_OK ||
        guard_vault_scope(v, "shop", "mine", &mine) != AG_OK ||
        guard_vault_scope(v, "shop", "other", &other) != AG_OK)
        __builtin_trap();
    /* The other session: its values must never reach this session's output. */
    const char *o = "bob@secret.example DE02120300000000202051";
    struct pii_span osp[] = {{0, 18, PII_EMAIL}, {19, 41, PII_IBAN}};
    store(v, &other, o, osp, 2);
    const char *m = "alice@example.com +49 30 1234567";
    struct pii_span msp[] = {{0, 17, PII_EMAIL}, {18, 32, PII_PHONE}};
    store(v, &mine, m, msp, 2);

    if (data[0] % 2 == 0)
        fuzz_restore(v, &mine, (const char *)data + 1, size - 1);
    else
        fuzz_round_trip(v, &mine, data + 1, size - 1);
    guard_vault_destroy(v);
    return 0;
}
