"""Every turn is audited in a hash chain; `audit verify` detects tampering."""
import json
import sqlite3

from conftest import run_cli


def audit_db(server):
    return sqlite3.connect(server.data + "/audit.db")


def test_audit_records_every_turn_and_pages(server):
    server.ask("Versand nach Österreich")
    server.ask("Verkauft ihr Autos?")
    server.request("POST", "/v1/ask", raw="{", key=server.keys["client"])
    server.request("POST", "/v1/ask", {"question": "x"})
    admin = server.keys["admin"]
    page = server.request("GET", "/v1/audit?limit=2", key=admin).json()
    assert [r["seq"] for r in page["records"]] == [4, 3]
    assert page["records"][0]["outcome"] == "rejected_auth"
    assert page["records"][0]["status"] == 401
    assert page["records"][1]["status"] == 400
    nxt = server.request("GET", f"/v1/audit?limit=2&before={page['next_before']}",
                         key=admin).json()
    assert [r["seq"] for r in nxt["records"]] == [2, 1]
    assert nxt["records"][1]["outcome"] == "answered"
    assert nxt["records"][0]["outcome"] == "dont_know"
    assert isinstance(nxt["records"][1]["passages"], list) and nxt["records"][1]["passages"]
    assert nxt["next_before"] is None
    for bad in ("limit=0", "limit=abc", "limit=100000", "before=-1"):
        assert server.request("GET", "/v1/audit?" + bad, key=admin).status == 400, bad


def test_no_question_text_in_audit(server):
    server.ask("Wie lange dauert der Versand nach Österreich?")
    assert server.stop() == 0
    with open(server.data + "/audit.db", "rb") as f:
        assert "Österreich".encode() not in f.read()


def chained(server, n=5):
    for i in range(n):
        assert server.ask(f"Versand Frage {i}").status == 200
    assert server.stop() == 0
    p = run_cli("audit", "verify", data=server.data)
    assert p.stdout.strip() == "OK"


def verify_fails(server):
    p = run_cli("audit", "verify", data=server.data, check=False)
    assert p.returncode == 1
    return p.stdout


def test_verify_detects_modified_record(server):
    chained(server)
    with audit_db(server) as db:
        db.execute("UPDATE audit SET outcome='dont_know' WHERE seq=3")
    out = verify_fails(server)
    assert "record 3" in out and "modified" in out


def test_verify_detects_deleted_record(server):
    chained(server)
    with audit_db(server) as db:
        db.execute("DELETE FROM audit WHERE seq=2")
    out = verify_fails(server)
    assert "record 2" in out and "missing" in out


def test_verify_detects_reordered_records(server):
    chained(server)
    with audit_db(server) as db:
        db.execute("UPDATE audit SET seq=-1 WHERE seq=2")
        db.execute("UPDATE audit SET seq=2 WHERE seq=4")
        db.execute("UPDATE audit SET seq=4 WHERE seq=-1")
    out = verify_fails(server)
    assert "record 2" in out


def test_verify_detects_rehashed_record(server):
    """Recomputing a record's own hash after editing still breaks the next link."""
    chained(server)
    with audit_db(server) as db:
        db.execute("UPDATE audit SET hash=? WHERE seq=2", ("f" * 64,))
    out = verify_fails(server)
    assert "record 2" in out
