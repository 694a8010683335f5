"""The authorization matrix: every route of the binary (`agentgate routes`) against every
kind of caller: no token, a bad token, client, reviewer, admin. Without valid
credentials a non-public route answers 401; a role outside the route's rule 403; an
allowed caller neither. EXPECTED is the matrix we promise: a route added to the table
without being added here, or with another rule, fails this test.
"""
import json

from conftest import run_cli

EXPECTED = {
    ("GET", "/healthz"): "public",
    ("GET", "/readyz"): "public",
    ("GET", "/metrics"): ["admin"],
    ("POST", "/v1/ask"): ["client", "reviewer", "admin"],
    ("POST", "/v1/chat/completions"): ["client", "reviewer", "admin"],
    ("GET", "/v1/models"): ["client", "reviewer", "admin"],
    ("GET", "/v1/audit"): ["admin"],
    ("GET", "/v1/traces/{id}"): ["reviewer", "admin"],
    ("GET", "/v1/subjects/{id}/export"): ["admin"],
    ("DELETE", "/v1/subjects/{id}"): ["admin"],
    ("POST", "/v1/subjects/{id}/consent"): ["client", "admin"],
}
# every route answers CORS preflights, publicly (tests/e2e/test_transport.py checks them)
EXPECTED.update({("OPTIONS", path): "public" for path in {p for _, p in list(EXPECTED)}})

BODIES = {
    "/v1/ask": {"question": "Wie lange dauert der Versand nach Österreich?"},
    "/v1/chat/completions": {"messages": [{"role": "user", "content": "Versand?"}]},
    "/v1/subjects/{id}/consent": {"purpose": "storage", "granted": True},
}

BAD_TOKENS = ["agk_" + "0" * 16 + "_" + "0" * 64, "agk_nothex", "eyJhbGciOiJub25lIn0.e30."]


def routes():
    out = run_cli("routes").stdout
    return {(r["method"], r["path"]): r["rule"] for r in json.loads(out)}


def test_routes_match_the_expected_matrix():
    got = routes()
    assert got == EXPECTED, "update EXPECTED (and review the rule) for every route change"
    for rule in got.values():
        assert rule == "public" or (isinstance(rule, list) and rule), rule


def test_every_route_for_every_caller(make_server):
    s = make_server({"AGENTGATE_RATE_BURST": "1000", "AGENTGATE_RATE_PER_SEC": "1000"})
    checked = 0
    for (method, path), rule in routes().items():
        body = BODIES.get(path)
        callers = [("none", None)] + [("bad", t) for t in BAD_TOKENS] + \
                  [(role, s.keys[role]) for role in ("client", "reviewer", "admin")]
        for who, key in callers:
            r = s.request(method, path.replace("{id}", "kunde-1"), body, key=key)
            where = f"{method} {path} as {who}: {r.status} {r.body[:200]!r}"
            if rule == "public":
                assert r.status not in (401, 403) and r.status < 500, where
            elif who in ("none", "bad"):
                assert r.status == 401, where
                assert r.json()["error"]["type"] == "authentication_error", where
            elif who in rule:
                assert r.status not in (401, 403) and r.status < 500, where
            else:
                assert r.status == 403, where
                assert r.json()["error"]["code"] == "forbidden", where
            checked += 1
    assert checked == len(EXPECTED) * (1 + len(BAD_TOKENS) + 3)
