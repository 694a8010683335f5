"""The audit chain, content and consent on PostgreSQL: two instances append to one chain
safely, a SIGKILL under load loses no answered turn, erasure and verify work the same."""
import glob
import os

from conftest import AskLoad, run_cli


def pg_env(uri, data_key_dir):
    # both instances share the audit key and the master key, as a deployment would
    return {"AGENTGATE_AUDIT_DB": uri,
            "AGENTGATE_AUDIT_KEY_FILE": os.path.join(data_key_dir, "audit.key"),
            "AGENTGATE_MASTER_KEY": "3c" * 32,
            "AGENTGATE_RATE_PER_SEC": "1000", "AGENTGATE_RATE_BURST": "1000"}


def make_keys(d):
    with open(os.path.join(d, "audit.key"), "w") as f:
        f.write("1f" * 32 + "\n")


def test_two_instances_one_chain(make_server, postgres, tmp_path):
    uri, _ = postgres
    make_keys(str(tmp_path))
    env = pg_env(uri, str(tmp_path))
    a = make_server(env)
    b = make_server(env, keys_from=a)
    load = AskLoad([a, b], 15)
    load.join()
    answered = load.answered
    assert len(answered) == 60
    seqs = sorted(s for _, s in answered)
    assert seqs == list(range(1, 61))  # one chain, no gaps, no duplicates
    admin = a.keys["admin"]
    page = a.request("GET", "/v1/audit?limit=100", key=admin).json()["records"]
    assert sorted(r["seq"] for r in page) == seqs
    assert a.stop() == 0 and b.stop() == 0
    p = run_cli("audit", "verify", env=env)
    assert p.stdout.strip() == "OK", p.stdout + p.stderr
    assert "60 records" in p.stderr


def test_killed_instance_loses_no_answered_turn(make_server, postgres, tmp_path):
    uri, _ = postgres
    make_keys(str(tmp_path))
    env = pg_env(uri, str(tmp_path))
    s = make_server(env)
    load = AskLoad([s], 500)
    load.kill_after(s, 30)
    answered = load.answered
    assert len(answered) >= 30
    p = run_cli("audit", "verify", env=env)
    assert p.stdout.strip() == "OK", p.stdout + p.stderr
    # a fresh instance on the same database lists every answered turn under its seq
    s2 = make_server(dict(env, AGENTGATE_AUDIT_PAGE_MAX="10000"))
    recs = s2.request("GET", "/v1/audit?limit=10000", key=s2.keys["admin"]).json()["records"]
    stored = {r["trace_id"]: r["seq"] for r in recs}
    for trace, seq in answered:
        assert stored.get(trace) == seq, trace


def test_erasure_and_tampering_on_postgres(make_server, postgres, tmp_path):
    uri, pgdir = postgres
    make_keys(str(tmp_path))
    env = pg_env(uri, str(tmp_path))
    s = make_server(env)
    admin = s.keys["admin"]
    assert s.ask("Versand Zaunkönig-8080", subject="pg-kunde", consent=True).status == 200
    ex = s.request("GET", "/v1/subjects/pg-kunde/export", key=admin).json()
    turns = [r for r in ex["records"] if r["event"] == "turn"]
    assert "Zaunkönig-8080" in turns[0]["content"]["question"]
    er = s.request("DELETE", "/v1/subjects/pg-kunde", key=admin)
    assert er.status == 200 and er.json()["content_erased"] == 1
    ex = s.request("GET", "/v1/subjects/pg-kunde/export", key=admin).json()
    assert ex["data_key"] is False and all(r["content"] is None for r in ex["records"])
    assert s.stop() == 0
    assert run_cli("audit", "verify", env=env).stdout.strip() == "OK"
    raw = b""
    for p in glob.glob(os.path.join(pgdir, "**"), recursive=True):
        if os.path.isfile(p):
            with open(p, "rb") as f:
                raw += f.read()
    assert "Zaunkönig".encode() not in raw and b"pg-kunde" not in raw
    # a wrong audit key fails at the first record
    bad = os.path.join(str(tmp_path), "bad.key")
    with open(bad, "w") as f:
        f.write("ee" * 32 + "\n")
    p = run_cli("audit", "verify", env=dict(env, AGENTGATE_AUDIT_KEY_FILE=bad), check=False)
    assert p.returncode == 1 and "record 1" in p.stdout
