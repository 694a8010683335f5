// SPDX-License-Identifier: MIT
/*
 * tests/unit/http/test_routes.c: the authorization matrix of the routes table
 * (http_route_count/http_route_at). Every route must carry an explicit rule: AUTH_PUBLIC
 * or a non-empty mask of known roles; 0 (a route added without a rule) fails. Routes are
 * unique, and the public ones are only the probes, so a route made public by mistake
 * fails here too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "http/http.h"

static void test_every_route_has_a_rule(void **state)
{
    (void)state;
    size_t n = http_route_count();
    assert_true(n >= 7);
    for (size_t i = 0; i < n; i++) {
        struct http_route_info r = http_route_at(i);
        assert_non_null(r.method);
        assert_non_null(r.path);
        if (r.roles == 0)
            fail_msg("route %s %s has no authorization rule", r.method, r.path);
        if (r.roles != AUTH_PUBLIC && (r.roles & ~(unsigned)AUTH_ANY_ROLE) != 0)
            fail_msg("route %s %s: rule 0x%x mixes AUTH_PUBLIC or unknown bits with roles",
                     r.method, r.path, r.roles);
        /* public: the probes, and CORS preflights (which only describe a route) */
        if (r.roles == AUTH_PUBLIC && strcmp(r.path, "/healthz") != 0 &&
            strcmp(r.path, "/readyz") != 0 && strcmp(r.method, "OPTIONS") != 0)
            fail_msg("route %s %s is public: only the probes and preflights are", r.method, r.path);
        if (strcmp(r.method, "OPTIONS") == 0 && r.roles != AUTH_PUBLIC)
            fail_msg("preflight %s must be public: browsers send it without credentials", r.path);
        for (size_t k = 0; k < i; k++) {
            struct http_route_info o = http_route_at(k);
            if (strcmp(o.method, r.method) == 0 && strcmp(o.path, r.path) == 0)
                fail_msg("route %s %s is listed twice", r.method, r.path);
        }
    }
    struct http_route_info past = http_route_at(n);
    assert_null(past.method);
    assert_null(past.path);
    assert_int_equal(past.roles, 0);
}

/* The rules the API promises (docs/architecture.md), spot-checked by name. */
static void test_known_rules(void **state)
{
    (void)state;
    static const struct {
        const char *method, *path;
        unsigned roles;
    } want[] = {
        {"GET", "/healthz", AUTH_PUBLIC},
        {"GET", "/metrics", AUTH_ROLE_ADMIN},
        {"GET", "/v1/audit", AUTH_ROLE_ADMIN},
        {"POST", "/v1/ask", AUTH_ANY_ROLE},
    };
    for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
        bool found = false;
        for (size_t i = 0; i < http_route_count(); i++) {
            struct http_route_info r = http_route_at(i);
            if (strcmp(r.method, want[w].method) == 0 && strcmp(r.path, want[w].path) == 0) {
                found = true;
                assert_int_equal(r.roles, want[w].roles);
            }
        }
        if (!found)
            fail_msg("route %s %s missing", want[w].method, want[w].path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_has_a_rule),
        cmocka_unit_test(test_known_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
