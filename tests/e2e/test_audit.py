"""Every turn is audited in an HMAC-authenticated hash chain; `audit verify` detects
tampering and a wrong key; GDPR access, erasure and consent over HTTP and the CLI; no
turn that got a response is lost when the server is killed."""
import glob
import json
import os
import sqlite3
import time

from conftest import AskLoad, run_cli


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
    first = nxt["records"][1]
    assert first["outcome"] == "answered"
    assert nxt["records"][0]["outcome"] == "dont_know"
    assert nxt["next_before"] is None
    # the decision: stages, guard verdict, passages with scores, latency, agent, actor
    d = first["decision"]
    assert [s["name"] for s in d["stages"]][:3] == ["http", "auth", "limit"]
    assert d["guard"]["injection"]["verdict"] == "allow"
    assert d["passages"] and all({"id", "score"} <= set(p) for p in d["passages"])
    assert d["generation"]["backend"] == "extractive"
    assert first["latency_ms"] >= 0 and first["agent"] == "default"
    assert first["actor"].startswith("key:") and len(first["answer_hash"]) == 64
    for bad in ("limit=0", "limit=abc", "limit=100000", "before=-1", "from=x",
                "outcome=", "subject=%01"):
        assert server.request("GET", "/v1/audit?" + bad, key=admin).status == 400, bad


def test_audit_filters(server):
    server.ask("Versand nach Österreich", subject="kunde-1")
    server.ask("Verkauft ihr Autos?", subject="kunde-2")
    server.request("POST", "/v1/ask", {"question": "x"})
    admin = server.keys["admin"]
    recs = server.request("GET", "/v1/audit?subject=kunde-1", key=admin).json()["records"]
    assert [r["seq"] for r in recs] == [1]
    recs = server.request("GET", "/v1/audit?outcome=rejected_auth", key=admin).json()["records"]
    assert [r["seq"] for r in recs] == [3]
    now = int(time.time() * 1000)
    recs = server.request("GET", f"/v1/audit?from={now + 60000}", key=admin).json()["records"]
    assert recs == []
    recs = server.request("GET", f"/v1/audit?to={now + 60000}&from={now - 600000}",
                          key=admin).json()["records"]
    assert len(recs) == 3


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


def verify_fails(server, env=None):
    p = run_cli("audit", "verify", data=server.data, env=env, check=False)
    assert p.returncode == 1, p.stdout + p.stderr
    return p.stdout


def test_verify_detects_modified_record(server):
    chained(server)
    with audit_db(server) as db:
        db.execute("UPDATE audit_chain SET body=replace(body, '\"answered\"', '\"dont_know\"')"
                   " WHERE seq=3")
    out = verify_fails(server)
    assert "record 3" in out and "modified" in out


def test_verify_detects_deleted_record(server):
    chained(server)
    with audit_db(server) as db:
        db.execute("DELETE FROM audit_chain WHERE seq=2")
    out = verify_fails(server)
    assert "record 2" in out and "missing" in out


def test_verify_detects_deleted_last_record(server):
    chained(server)
    with audit_db(server) as db:
        db.execute("DELETE FROM audit_chain WHERE seq=5")
    out = verify_fails(server)
    assert "records 5..5 are missing" in out


def test_verify_detects_reordered_records(server):
    chained(server)
    with audit_db(server) as db:
        db.execute("UPDATE audit_chain SET seq=-1 WHERE seq=2")
        db.execute("UPDATE audit_chain SET seq=2 WHERE seq=4")
        db.execute("UPDATE audit_chain SET seq=4 WHERE seq=-1")
    out = verify_fails(server)
    assert "record 2" in out


def test_verify_detects_inserted_record(server):
    chained(server)
    with audit_db(server) as db:
        db.execute("UPDATE audit_chain SET seq=seq+100 WHERE seq>=3")
        db.execute("UPDATE audit_chain SET seq=seq-99 WHERE seq>100")
        db.execute("INSERT INTO audit_chain SELECT 3, ts_ms, tenant, subject, outcome,"
                   " trace_id, body, prev_hash, hash, mac FROM audit_chain WHERE seq=2")
    out = verify_fails(server)
    assert "record 3" in out


def test_verify_detects_rehashed_record(server):
    """Recomputing a record's own hash after editing still breaks the next link."""
    chained(server)
    with audit_db(server) as db:
        db.execute("UPDATE audit_chain SET hash=? WHERE seq=2", ("f" * 64,))
    out = verify_fails(server)
    assert "record 2" in out


def test_verify_with_wrong_key_fails(server):
    chained(server)
    key = os.path.join(server.data, "wrong.key")
    with open(key, "w") as f:
        f.write("ab" * 32 + "\n")
    out = verify_fails(server, env={"AGENTGATE_AUDIT_KEY_FILE": key})
    assert "record 1" in out and "wrong MAC" in out
    with open(key, "w") as f:
        f.write("not a key\n")
    p = run_cli("audit", "verify", data=server.data, check=False,
                env={"AGENTGATE_AUDIT_KEY_FILE": key})
    assert p.returncode == 1 and "damaged" in p.stderr


# ---- GDPR ---------------------------------------------------------------------------

def raw_files(data):
    """Every byte of every file in the data directory."""
    out = b""
    for p in glob.glob(os.path.join(data, "**"), recursive=True):
        if os.path.isfile(p):
            with open(p, "rb") as f:
                out += f.read()
    return out


def test_consent_content_export_and_erasure(server):
    client, admin = server.keys["client"], server.keys["admin"]
    secret_q = "Wo bleibt meine Bestellung Zebrafink-4711 nach Österreich?"
    r = server.ask(secret_q, subject="kunde-42", consent=True)
    assert r.status == 200
    # consent is remembered: the next turn without the field is stored too
    assert server.ask("Versand Dauer Pelikan-0815", subject="kunde-42").status == 200
    # another subject without consent: nothing stored
    assert server.ask("Versand Kormoran-3333", subject="kunde-7").status == 200
    ex = server.request("GET", "/v1/subjects/kunde-42/export", key=admin)
    assert ex.status == 200
    body = ex.json()
    assert body["data_key"] is True
    turns = [r for r in body["records"] if r["event"] == "turn"]
    assert len(turns) == 2
    assert "Zebrafink-4711" in turns[0]["content"]["question"]
    assert turns[0]["content_state"] == "stored"
    assert body["consent"][0]["granted"] is True and body["consent"][0]["purpose"] == "storage"
    ex7 = server.request("GET", "/v1/subjects/kunde-7/export", key=admin).json()
    assert ex7["records"][0]["content_state"] == "not_stored"
    # only admins
    assert server.request("GET", "/v1/subjects/kunde-42/export", key=client).status == 403
    assert server.request("DELETE", "/v1/subjects/kunde-42", key=client).status == 403
    assert server.request("GET", "/v1/subjects/kunde-42/export").status == 401
    assert server.request("GET", "/v1/subjects//export", key=admin).status == 404
    # erase over HTTP
    er = server.request("DELETE", "/v1/subjects/kunde-42", key=admin)
    assert er.status == 200 and er.json()["content_erased"] == 2
    body = server.request("GET", "/v1/subjects/kunde-42/export", key=admin).json()
    assert body["data_key"] is False
    assert all(r["content"] is None for r in body["records"])
    assert body["records"][-1]["outcome"] == "subject_erased"
    assert server.stop() == 0
    assert run_cli("audit", "verify", data=server.data).stdout.strip() == "OK"
    raw = raw_files(server.data)
    for needle in ("Zebrafink", "Pelikan", "Kormoran", "kunde-42"):
        assert needle.encode() not in raw, needle


def test_consent_route_and_opt_out(server):
    client, admin = server.keys["client"], server.keys["admin"]
    r = server.request("POST", "/v1/subjects/k9/consent",
                       {"purpose": "storage", "granted": True, "policy_version": "2026-12"},
                       key=client)
    assert r.status == 200 and r.json()["granted"] is True
    assert server.ask("Versand Albatros-1", subject="k9").status == 200
    # opt-out through the body: recorded, and this turn is not stored
    assert server.ask("Versand Albatros-2", subject="k9", consent=False).status == 200
    assert server.ask("Versand Albatros-3", subject="k9").status == 200
    body = server.request("GET", "/v1/subjects/k9/export", key=admin).json()
    states = [r["content_state"] for r in body["records"] if r["event"] == "turn"]
    assert states == ["stored", "not_stored", "not_stored"]
    assert [c["granted"] for c in body["consent"]] == [True, False]
    assert body["consent"][0]["policy_version"] == "2026-12"
    for bad in ({"purpose": "storage"}, {"granted": True}, {"purpose": "", "granted": True},
                {"purpose": "storage", "granted": "yes"},
                {"purpose": "storage", "granted": True, "x": 1}):
        assert server.request("POST", "/v1/subjects/k9/consent", bad,
                              key=client).status == 400, bad
    assert server.request("POST", "/v1/subjects/k9/consent", raw="{",
                          key=client).status == 400


def test_cli_export_and_erase(server):
    assert server.ask("Versand Flamingo-99", subject="cli-kunde", consent=True).status == 200
    assert server.stop() == 0
    p = run_cli("subject", "export", "cli-kunde", data=server.data)
    body = json.loads(p.stdout)
    turns = [r for r in body["records"] if r["event"] == "turn"]
    assert "Flamingo-99" in turns[0]["content"]["question"]
    p = run_cli("subject", "erase", "cli-kunde", data=server.data)
    assert "1 content records shredded" in p.stdout
    body = json.loads(run_cli("subject", "export", "cli-kunde", data=server.data).stdout)
    assert [r["content"] for r in body["records"]] == [None] * 3
    assert [r["event"] for r in body["records"]] == ["consent", "turn", "subject_erased"]
    assert run_cli("audit", "verify", data=server.data).stdout.strip() == "OK"
    assert b"Flamingo" not in raw_files(server.data)
    p = run_cli("subject", "erase", data=server.data, check=False)
    assert p.returncode == 2
    p = run_cli("subject", "export", "x" * 200, data=server.data, check=False)
    assert p.returncode == 2 and "not a valid subject id" in p.stderr


def test_no_response_lost_when_killed(make_server):
    """SIGKILL while clients are asking: every turn that got a response has its record,
    and the chain verifies."""
    s = make_server({"AGENTGATE_RATE_PER_SEC": "1000", "AGENTGATE_RATE_BURST": "1000"})
    load = AskLoad([s], 1000)
    load.kill_after(s, 40)
    answered = load.answered
    assert len(answered) >= 40
    assert run_cli("audit", "verify", data=s.data).stdout.strip() == "OK"
    with audit_db(s) as db:
        stored = dict(db.execute("SELECT trace_id, seq FROM audit_chain"))
    for trace, seq in answered:
        assert stored.get(trace) == seq, trace


def test_master_key_from_environment(make_server, tmp_path):
    bad = "zz" * 32
    p = run_cli("config", "check", env={"AGENTGATE_MASTER_KEY": bad}, check=False)
    assert p.returncode != 0 and "master_key must be 64 hex digits" in p.stderr
    assert bad not in p.stderr + p.stdout
    key = "5a" * 32
    s = make_server({"AGENTGATE_MASTER_KEY": key})
    assert s.ask("Versand Reiher-5", subject="m1", consent=True).status == 200
    assert not os.path.exists(os.path.join(s.data, "master.key"))
    assert s.stop() == 0
    # the content opens only with that master key
    p = run_cli("subject", "export", "m1", data=s.data, env={"AGENTGATE_MASTER_KEY": key})
    assert "Reiher-5" in p.stdout
    p = run_cli("subject", "export", "m1", data=s.data,
                env={"AGENTGATE_MASTER_KEY": "6b" * 32}, check=False)
    assert "Reiher-5" not in p.stdout


def test_retention_sweep_at_start(make_server):
    """Content older than content_retention_days is shredded by the server itself (at start,
    then hourly), and the sweep is a chain record."""
    from conftest import Server
    s = make_server()
    assert s.ask("Versand Eisvogel-12", subject="alt-kunde", consent=True).status == 200
    assert s.ask("Versand Rotkehlchen-34", subject="neu-kunde", consent=True).status == 200
    assert s.stop() == 0
    with audit_db(s) as db:  # the first one's content is now 40 days old
        db.execute("UPDATE content SET ts_ms = ts_ms - 40*86400000 WHERE seq = ("
                   "SELECT min(seq) FROM content)")
    s2 = Server(s.data, {"AGENTGATE_CONTENT_RETENTION_DAYS": "30"})
    try:
        admin = s2.keys["admin"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            recs = s2.request("GET", "/v1/audit?outcome=retention_shred", key=admin).json()
            if recs["records"]:
                break
            time.sleep(0.1)
        assert recs["records"] and recs["records"][0]["shredded"] == 1
        old = s2.request("GET", "/v1/subjects/alt-kunde/export", key=admin).json()
        new = s2.request("GET", "/v1/subjects/neu-kunde/export", key=admin).json()
        assert [r["content_state"] for r in old["records"] if r["event"] == "turn"] == \
            ["shredded"]
        turns = [r for r in new["records"] if r["event"] == "turn"]
        assert "Rotkehlchen-34" in turns[0]["content"]["question"]
    finally:
        assert s2.stop() == 0
    assert run_cli("audit", "verify", data=s.data).stdout.strip() == "OK"


def test_trace_of_a_turn(make_server):
    s = make_server()
    r = s.ask("Wie lange dauert der Versand nach Österreich?")
    trace = r.json()["trace_id"]
    t = s.request("GET", f"/v1/traces/{trace}", key=s.keys["reviewer"])
    assert t.status == 200, t.body
    body = t.json()
    assert body["trace_id"] == trace and body["seq"] == r.json()["audit_seq"]
    assert body["decision"]["passages"] and body["decision"]["stages"]
    assert body["decision"]["guard"]["injection"]["verdict"] == "allow"
    assert s.request("GET", f"/v1/traces/{trace}", key=s.keys["client"]).status == 403
    assert s.request("GET", "/v1/traces/" + "0" * 32, key=s.keys["admin"]).status == 404
    assert s.request("GET", "/v1/traces/" + "x" * 80, key=s.keys["admin"]).status == 400
    # another tenant's reviewer does not see it
    other = run_cli("keys", "create", "--role", "reviewer", "--tenant", "andere", data=s.data)
    assert s.request("GET", f"/v1/traces/{trace}", key=other.stdout.strip()).status == 404
