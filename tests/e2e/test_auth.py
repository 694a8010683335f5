"""Every route has an explicit rule: 401 without a valid key, 403 for a wrong role."""


def test_missing_key_401(server):
    r = server.request("POST", "/v1/ask", {"question": "Versand?"})
    assert r.status == 401
    assert r.json()["error"]["code"] == "missing_key"
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_invalid_key_401(server):
    good = server.keys["client"]
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    for key in (wrong, "agk_nothex", "x" * 85):
        r = server.request("POST", "/v1/ask", {"question": "Versand?"}, key=key)
        assert r.status == 401, key


def test_every_role_may_ask(server):
    for role in ("client", "reviewer", "admin"):
        assert server.ask("Versand nach Österreich", role=role).status == 200


def test_client_and_reviewer_may_not_read_audit_or_metrics(server):
    for role in ("client", "reviewer"):
        for path in ("/v1/audit", "/metrics"):
            r = server.request("GET", path, key=server.keys[role])
            assert r.status == 403, (role, path)
            assert r.json()["error"]["code"] == "forbidden"
    assert server.request("GET", "/v1/audit").status == 401
    assert server.request("GET", "/metrics").status == 401


def test_admin_reads_audit_and_metrics(server):
    assert server.request("GET", "/v1/audit", key=server.keys["admin"]).status == 200
    r = server.request("GET", "/metrics", key=server.keys["admin"])
    assert r.status == 200 and r.headers["content-type"].startswith("text/plain")
