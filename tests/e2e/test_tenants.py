"""Tenant isolation in every store: two tenants, each with its own keys and documents, on
one server (whose own tenant, `default`, is neither). A's questions never retrieve B's passages (and the other way round), A's
admin sees only A's audit records, and A's exhausted rate limit leaves B untouched.
"""
import os
import shutil
import signal
import tempfile

import pytest

from conftest import SHOP, Server, run_cli

# Only tenant b's documents know the Quasar cube; only tenant a's (the shop) know tents.
B_DOC = """# Quasar-Würfel

Der Zauberwürfel Quasar kostet 77 Euro und wird nur in Grönland verkauft.
Der Quasar-Würfel hat 1000 Felder und eine Garantie von 9 Jahren.
"""


@pytest.fixture
def two_tenants():
    data = tempfile.mkdtemp(prefix="agentgate-e2e-tenants-")
    docs_b = os.path.join(data, "docs_b")
    os.mkdir(docs_b)
    with open(os.path.join(docs_b, "quasar_de.md"), "w") as f:
        f.write(B_DOC)
    run_cli("ingest", "--tenant", "a", SHOP, data=data)
    run_cli("ingest", "--tenant", "b", docs_b, data=data)
    keys = {t: {role: run_cli("keys", "create", "--role", role, "--tenant", t, data=data)
                .stdout.strip() for role in ("client", "admin")} for t in ("a", "b")}
    s = Server(data, {"AGENTGATE_RATE_BURST": "4",
                      "AGENTGATE_RATE_PER_SEC": "0.01", "AGENTGATE_LIMIT_SUBJECT_RATE": "0.01",
                      "AGENTGATE_LIMIT_SUBJECT_BURST": "4"})
    try:
        yield s, keys
    finally:
        if s.proc.poll() is None:
            s.stop(signal.SIGKILL)
        shutil.rmtree(data, ignore_errors=True)


def docs(reply):
    return {src["doc"] for src in reply.json().get("sources", [])}


def test_tenants_are_isolated(two_tenants):
    s, keys = two_tenants
    # B's own question finds B's document (the positive control) ...
    r = s.ask("Was kostet der Zauberwürfel Quasar?", key=keys["b"]["client"])
    assert r.status == 200, r.body
    assert docs(r) == {"quasar_de.md"} and "77 Euro" in r.json()["answer"]
    # ... A asking the same never sees it
    r = s.ask("Was kostet der Zauberwürfel Quasar?", key=keys["a"]["client"])
    assert r.status == 200, r.body
    assert "quasar_de.md" not in docs(r)
    assert "Quasar" not in r.json()["answer"] and "77 Euro" not in r.json()["answer"]
    # A's shop question finds the shop; B asking it gets nothing of the shop
    r = s.ask("Wie lange dauert der Versand nach Österreich?", key=keys["a"]["client"])
    assert "versand_de.md" in docs(r)
    r = s.ask("Wie lange dauert der Versand nach Österreich?", key=keys["b"]["admin"])
    assert r.status == 200 and docs(r) <= {"quasar_de.md"}
    assert "Werktage" not in r.json()["answer"]

    # a refused, unauthenticated turn belongs to no tenant: neither a nor b sees it
    assert s.request("POST", "/v1/ask", {"question": "Quasar?"}).status == 401
    # audit: each admin sees its own tenant's records only (both have some)
    for t in ("a", "b"):
        r = s.request("GET", "/v1/audit?limit=100", key=keys[t]["admin"])
        assert r.status == 200, r.body
        records = r.json()["records"]
        assert records, t
        assert {rec["tenant"] for rec in records} == {t}
    r = s.request("GET", "/v1/audit", key=keys["a"]["client"])
    assert r.status == 403

    # limits: A's client spends its burst (4 requests in all so far: 2 above, 2 here)
    assert s.ask("Versand?", key=keys["a"]["client"]).status == 200
    assert s.ask("Versand?", key=keys["a"]["client"]).status == 200
    r = s.ask("Versand?", key=keys["a"]["client"])
    assert r.status == 429 and r.json()["error"]["code"] == "rate_limited"
    # B's client (one request so far) goes on
    assert [s.ask("Quasar?", key=keys["b"]["client"]).status for _ in range(3)] == [200] * 3
    # and B's audit holds none of A's refused turns
    r = s.request("GET", "/v1/audit?limit=100", key=keys["b"]["admin"])
    assert {rec["tenant"] for rec in r.json()["records"]} == {"b"}
