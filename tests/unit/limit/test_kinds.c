// SPDX-License-Identifier: MIT
/*
 * tests/unit/limit/test_kinds.c: the buckets per subject and per client address next to
 * the key's (limit_take_all, memory backend), the address names (IPv4, IPv6 /64), the
 * look-then-charge of the address before authentication, and the concurrency caps.
 * Checks that a request is admitted only when every bucket has a token and that a
 * refused one takes none; that the verdict names the limiting bucket; that tenants never
 * share a bucket; that every acquired slot comes back (the count returns to zero, also
 * from many threads). Time is simulated through now_ns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "limit/limit.h"

#define SEC 1000000000ull
#define T0  (1000 * SEC)

static struct limit *make(double key_rate, double key_burst, double sub_rate, double sub_burst,
                          double ip_rate, double ip_burst)
{
    struct limit *l = NULL;
    assert_int_equal(limit_create(key_rate, key_burst, 1000, &l), AG_OK);
    assert_int_equal(limit_kind_configure(l, LIMIT_SUBJECT, sub_rate, sub_burst), AG_OK);
    assert_int_equal(limit_kind_configure(l, LIMIT_IP, ip_rate, ip_burst), AG_OK);
    return l;
}

static bool take(struct limit *l, const char *tenant, const char *key, const char *sub,
                 const char *ip, uint64_t now, struct limit_verdict *v)
{
    struct limit_names n = {tenant, {key, sub, ip}};
    return limit_take_all(l, &n, now, true, v);
}

static void test_configure_rejects_bad_values(void **state)
{
    (void)state;
    struct limit *l = make(1, 1, 0, 0, 0, 0);
    assert_int_equal(limit_kind_configure(l, LIMIT_KEY, 1, 1), AG_EINVAL);
    assert_int_equal(limit_kind_configure(l, LIMIT_SUBJECT, -1, 5), AG_EINVAL);
    assert_int_equal(limit_kind_configure(l, LIMIT_SUBJECT, 1, 0.5), AG_EINVAL);
    assert_int_equal(limit_kind_configure(l, LIMIT_IP, 0.0 / 0.0, 5), AG_EINVAL);
    assert_int_equal(limit_kind_configure(l, (enum limit_kind)7, 1, 1), AG_EINVAL);
    assert_false(limit_kind_on(l, LIMIT_SUBJECT));
    assert_false(limit_kind_on(l, LIMIT_IP));
    assert_true(limit_kind_on(l, LIMIT_KEY));
    struct config cfg = config_default();
    cfg.limit_subject_rate = 2;
    cfg.limit_ip_rate = 3;
    assert_int_equal(limit_kinds_configure(l, &cfg), AG_OK);
    assert_true(limit_kind_on(l, LIMIT_SUBJECT));
    assert_true(limit_kind_on(l, LIMIT_IP));
    cfg.limit_ip_burst = 0;
    assert_int_equal(limit_kinds_configure(l, &cfg), AG_EINVAL);
    limit_destroy(l);
}

/* Subject burst 2 under a key burst 5: the subject refuses the third request, and that
 * refusal takes nothing from the key, which still has its 3 tokens. */
static void test_all_or_none(void **state)
{
    (void)state;
    struct limit *l = make(0.001, 5, 0.001, 2, 0, 0);
    struct limit_verdict v;
    assert_true(take(l, "t", "key1", "alice", NULL, T0, &v));
    assert_int_equal(v.kind, LIMIT_SUBJECT); /* admitted: the bucket with fewest left */
    assert_int_equal(v.limit, 2);
    assert_int_equal(v.remaining, 1);
    assert_true(take(l, "t", "key1", "alice", NULL, T0, &v));
    assert_false(take(l, "t", "key1", "alice", NULL, T0, &v));
    assert_false(v.allowed);
    assert_false(v.backend_error);
    assert_int_equal(v.kind, LIMIT_SUBJECT);
    assert_int_equal(v.limit, 2);
    assert_int_equal(v.remaining, 0);
    assert_true(v.retry_after_s >= 1);
    for (int i = 0; i < 5; i++) /* refused many times: still no key token spent */
        assert_false(take(l, "t", "key1", "alice", NULL, T0, &v));
    assert_true(take(l, "t", "key1", "bob", NULL, T0, &v)); /* subjects of 2 tokens each */
    assert_true(take(l, "t", "key1", "bob", NULL, T0, &v));
    assert_true(take(l, "t", "key1", "dan", NULL, T0, &v));
    assert_false(take(l, "t", "key1", "carol", NULL, T0, &v));
    assert_int_equal(v.kind, LIMIT_KEY);
    assert_int_equal(v.limit, 5);
    limit_destroy(l);
}

/* The refusing bucket whose token comes last names the refusal. */
static void test_refusal_names_the_latest_bucket(void **state)
{
    (void)state;
    struct limit *l = make(10, 1, 1, 1, 0.1, 1); /* tokens in 0.1 s, 1 s, 10 s */
    struct limit_verdict v;
    assert_true(take(l, "t", "k", "s", "10.0.0.1", T0, &v));
    assert_false(take(l, "t", "k", "s", "10.0.0.1", T0, &v));
    assert_int_equal(v.kind, LIMIT_IP);
    assert_int_equal(v.retry_after_s, 10);
    /* 2 s later key and subject have tokens again; the address does not */
    assert_false(take(l, "t", "k", "s", "10.0.0.1", T0 + 2 * SEC, &v));
    assert_int_equal(v.kind, LIMIT_IP);
    assert_int_equal(v.retry_after_s, 8);
    /* another address: admitted, and the key's bucket was not charged by the refusals */
    assert_true(take(l, "t", "k", "s", "10.0.0.2", T0 + 2 * SEC, &v));
    limit_destroy(l);
}

/* Key and subject buckets carry the tenant: the same names in two tenants never meet,
 * also when a tenant or subject contains ':'. */
static void test_tenants_never_share(void **state)
{
    (void)state;
    struct limit *l = make(0.001, 1, 0.001, 1, 0, 0);
    struct limit_verdict v;
    assert_true(take(l, "a", "k", "s", NULL, T0, &v));
    assert_false(take(l, "a", "k", "s", NULL, T0, &v));
    assert_true(take(l, "b", "k", "s", NULL, T0, &v));
    assert_true(take(l, "x", "k2", "a:b", NULL, T0, &v));
    assert_true(take(l, "x:a", "k3", "b", NULL, T0, &v));
    limit_destroy(l);
}

/* Before authentication the address is looked at, not charged; a failed authentication
 * charges it; an empty bucket refuses the look. */
static void test_ip_admit_and_charge(void **state)
{
    (void)state;
    struct limit *l = make(100, 100, 0, 0, 0.001, 2);
    struct limit_verdict v;
    for (int i = 0; i < 10; i++)
        assert_true(limit_ip_admit(l, "192.0.2.1", T0, &v));
    limit_ip_charge(l, "192.0.2.1", T0);
    assert_true(limit_ip_admit(l, "192.0.2.1", T0, &v));
    assert_int_equal(v.remaining, 1);
    limit_ip_charge(l, "192.0.2.1", T0);
    assert_false(limit_ip_admit(l, "192.0.2.1", T0, &v));
    assert_int_equal(v.kind, LIMIT_IP);
    assert_true(v.retry_after_s >= 1);
    limit_ip_charge(l, "192.0.2.1", T0);                 /* empty: nothing more to take, no harm */
    assert_true(limit_ip_admit(l, "192.0.2.2", T0, &v)); /* another address */
    assert_true(limit_ip_admit(l, "", T0, &v));          /* unknown: not limited */
    assert_true(limit_ip_admit(l, NULL, T0, &v));
    /* the same address is refused in the full take too, with the key untouched */
    assert_false(take(l, "t", "k", NULL, "192.0.2.1", T0, &v));
    assert_int_equal(v.kind, LIMIT_IP);
    limit_destroy(l);
    /* address buckets off: the look always admits */
    l = make(1, 1, 0, 0, 0, 0);
    limit_ip_charge(l, "192.0.2.1", T0);
    assert_true(limit_ip_admit(l, "192.0.2.1", T0, &v));
    limit_destroy(l);
}

static void test_ip_names(void **state)
{
    (void)state;
    char out[64], out2[64];
    struct sockaddr_in a4 = {.sin_family = AF_INET};
    assert_int_equal(inet_pton(AF_INET, "203.0.113.7", &a4.sin_addr), 1);
    assert_int_equal(limit_ip_name((struct sockaddr *)&a4, out, sizeof(out)), AG_OK);
    assert_string_equal(out, "203.0.113.7");
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2:aaaa::1", &a6.sin6_addr), 1);
    assert_int_equal(limit_ip_name((struct sockaddr *)&a6, out, sizeof(out)), AG_OK);
    assert_string_equal(out, "2001:0db8:0001:0002::/64");
    /* another host of the same /64: the same bucket; the next /64: another */
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2:ffff:1:2:3", &a6.sin6_addr), 1);
    assert_int_equal(limit_ip_name((struct sockaddr *)&a6, out2, sizeof(out2)), AG_OK);
    assert_string_equal(out, out2);
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:3::1", &a6.sin6_addr), 1);
    assert_int_equal(limit_ip_name((struct sockaddr *)&a6, out2, sizeof(out2)), AG_OK);
    assert_string_not_equal(out, out2);
    /* IPv4-mapped IPv6 is the IPv4 host */
    assert_int_equal(inet_pton(AF_INET6, "::ffff:203.0.113.7", &a6.sin6_addr), 1);
    assert_int_equal(limit_ip_name((struct sockaddr *)&a6, out, sizeof(out)), AG_OK);
    assert_string_equal(out, "203.0.113.7");
    /* other families, a small buffer, NULL: refused */
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    assert_int_equal(limit_ip_name((struct sockaddr *)&un, out, sizeof(out)), AG_EINVAL);
    assert_int_equal(limit_ip_name((struct sockaddr *)&a4, out, 8), AG_EINVAL);
    assert_int_equal(limit_ip_name(NULL, out, sizeof(out)), AG_EINVAL);
}

static void test_concurrency_cap(void **state)
{
    (void)state;
    struct limit *l = make(1, 1, 0, 0, 0, 0);
    assert_true(limit_conc_acquire(l, "t", "alice", 2));
    assert_true(limit_conc_acquire(l, "t", "alice", 2));
    assert_false(limit_conc_acquire(l, "t", "alice", 2));
    assert_true(limit_conc_acquire(l, "t", "bob", 2));   /* another subject */
    assert_true(limit_conc_acquire(l, "u", "alice", 2)); /* another tenant */
    assert_int_equal(limit_conc_in_flight(l), 4);
    limit_conc_release(l, "t", "alice");
    assert_true(limit_conc_acquire(l, "t", "alice", 2));
    limit_conc_release(l, "t", "alice");
    limit_conc_release(l, "t", "alice");
    limit_conc_release(l, "t", "bob");
    limit_conc_release(l, "u", "alice");
    assert_int_equal(limit_conc_in_flight(l), 0);
    for (int i = 0; i < 100; i++) /* max 0: no cap, nothing counted */
        assert_true(limit_conc_acquire(l, "t", "alice", 0));
    assert_int_equal(limit_conc_in_flight(l), 0);
    /* sequential turns under a cap of 1 all pass */
    for (int i = 0; i < 1000; i++) {
        assert_true(limit_conc_acquire(l, "t", "carol", 1));
        limit_conc_release(l, "t", "carol");
    }
    assert_int_equal(limit_conc_in_flight(l), 0);
    limit_destroy(l);
}

struct conc_arg {
    struct limit *l;
    int got, refused;
};

static void *conc_thread(void *p)
{
    struct conc_arg *a = p;
    for (int i = 0; i < 2000; i++) {
        if (limit_conc_acquire(a->l, "t", "shared", 3)) {
            a->got++;
            limit_conc_release(a->l, "t", "shared");
        } else {
            a->refused++;
        }
    }
    return NULL;
}

/* Many threads acquiring and releasing: the cap holds and the count ends at zero. */
static void test_concurrency_threads(void **state)
{
    (void)state;
    struct limit *l = make(1, 1, 0, 0, 0, 0);
    pthread_t th[6];
    struct conc_arg a[6];
    for (int i = 0; i < 6; i++) {
        a[i] = (struct conc_arg){l, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, conc_thread, &a[i]), 0);
    }
    int got = 0;
    for (int i = 0; i < 6; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        got += a[i].got;
        assert_int_equal(a[i].got + a[i].refused, 2000);
    }
    assert_true(got > 0);
    assert_int_equal(limit_conc_in_flight(l), 0);
    /* with nothing in flight, the whole cap is free again */
    for (int i = 0; i < 3; i++)
        assert_true(limit_conc_acquire(l, "t", "shared", 3));
    assert_false(limit_conc_acquire(l, "t", "shared", 3));
    for (int i = 0; i < 3; i++)
        limit_conc_release(l, "t", "shared");
    limit_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_configure_rejects_bad_values),
        cmocka_unit_test(test_all_or_none),
        cmocka_unit_test(test_refusal_names_the_latest_bucket),
        cmocka_unit_test(test_tenants_never_share),
        cmocka_unit_test(test_ip_admit_and_charge),
        cmocka_unit_test(test_ip_names),
        cmocka_unit_test(test_concurrency_cap),
        cmocka_unit_test(test_concurrency_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
