"""API key lifecycle through the real binary: expiry, list, revoke, rotate, old keys.db.

Keys are made and changed with `agentgate keys ...` while a server runs on the same
data directory; the server reads keys.db on every request, so each change holds from the
next request on. Refusals are 401 `invalid_key`, the reason only in the server log.
"""
import hashlib
import json
import os
import re
import sqlite3
import tempfile
import time

from conftest import run_cli

KEY_RE = r"agk_([0-9a-f]{16})_[0-9a-f]{64}"


def keys(server, *args, check=True):
    return run_cli("keys", *args, data=server.data, check=check)


def new_key(server, *args):
    out = keys(server, "create", "--role", "client", *args).stdout
    m = re.fullmatch(KEY_RE + r"\n", out)
    assert m, out
    return out.strip(), m.group(1)


def status(server, key):
    return server.ask("Versand nach Österreich", key=key).status


def test_expiry(server):
    key, _ = new_key(server, "--expires-in", "2s")
    at, _ = new_key(server, "--expires-at", "2099-01-01T00:00:00+01:00")
    assert status(server, key) == 200
    assert status(server, at) == 200
    time.sleep(2.2)
    r = server.ask("Versand nach Österreich", key=key)
    assert r.status == 401
    assert r.json()["error"]["code"] == "invalid_key"
    assert status(server, at) == 200
    log = server.read_log()
    assert "auth: key rejected reason=key_expired" in log
    assert key[21:] not in log  # never the secret


def test_list_shows_no_secret(server):
    key, kid = new_key(server, "--expires-in", "30d")
    table = keys(server, "list").stdout
    assert table.splitlines()[0].split() == ["ID", "ROLE", "TENANT", "CREATED", "EXPIRES",
                                             "STATE"]
    row = [line for line in table.splitlines() if line.startswith(kid)]
    assert len(row) == 1 and "client" in row[0] and "active" in row[0]
    listed = json.loads(keys(server, "list", "--json").stdout)
    assert len(listed) == 4  # the fixture's three and this one
    mine = [k for k in listed if k["id"] == kid][0]
    assert mine["role"] == "client" and mine["tenant"] == "default"
    assert mine["revoked"] is False and mine["state"] == "active"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", mine["expires"])
    assert [k for k in listed if k["id"] != kid][0]["expires"] is None
    for text in (table, json.dumps(listed)):
        assert key[21:] not in text and key[21:37] not in text


def test_revoke_is_immediate(server):
    key, kid = new_key(server)
    assert status(server, key) == 200
    p = keys(server, "revoke", kid)
    assert p.stdout == f"revoked {kid}\n"
    assert status(server, key) == 401
    assert "auth: key rejected reason=key_revoked" in server.read_log()
    listed = json.loads(keys(server, "list", "--json").stdout)
    assert [k for k in listed if k["id"] == kid][0]["state"] == "revoked"
    assert status(server, server.keys["client"]) == 200  # others unaffected


def test_rotate_with_grace(server):
    old, old_id = new_key(server)
    p = keys(server, "rotate", old_id, "--grace", "2s")
    m = re.fullmatch(KEY_RE + r"\n", p.stdout)
    assert m and m.group(1) != old_id
    new = p.stdout.strip()
    assert status(server, old) == 200
    assert status(server, new) == 200
    listed = {k["id"]: k for k in json.loads(keys(server, "list", "--json").stdout)}
    assert listed[m.group(1)]["role"] == "client"
    assert listed[old_id]["expires"] is not None
    time.sleep(2.2)
    assert status(server, old) == 401
    assert status(server, new) == 200
    # an expired key cannot be rotated again
    again = keys(server, "rotate", old_id, check=False)
    assert again.returncode == 1 and "nothing to rotate" in again.stderr


def test_bad_input_is_refused():
    d = tempfile.mkdtemp()
    run_cli("keys", "create", "--role", "admin", data=d)
    cases = [
        (["revoke", "0123456789abcdef"], 1, "no key with id"),
        (["revoke", "nothex"], 1, "not a key id"),
        (["rotate", "0123456789abcdef"], 1, "no key with id"),
        (["create", "--role", "client", "--expires-in", "3x"], 2, "not a duration"),
        (["create", "--role", "client", "--expires-in", "0d"], 2, "not a duration"),
        (["create", "--role", "client", "--expires-at", "tomorrow"], 2, "RFC 3339"),
        (["create", "--role", "client", "--expires-at", "2001-01-01T00:00:00Z"], 2, "past"),
        (["create", "--role", "client", "--expires-in", "1d", "--expires-at",
          "2099-01-01T00:00:00Z"], 2, "not both"),
        (["rotate", "0123456789abcdef", "--grace", "soon"], 2, "--grace"),
        (["revoke"], 2, "usage"),
        (["list", "extra"], 2, "usage"),
        (["frobnicate"], 2, "usage"),
    ]
    for args, code, text in cases:
        p = run_cli("keys", *args, data=d, check=False)
        assert p.returncode == code, (args, p.returncode, p.stderr)
        assert text in p.stderr, (args, p.stderr)
        assert p.stdout == "", args


def test_old_keys_db_is_upgraded(make_server):
    """A keys.db from before expiry existed: upgraded in place at open, its keys work."""
    probe = make_server()
    secret = "ab" * 32
    old_id = "00aa11bb22cc33dd"
    data = probe.data
    probe.stop()
    for name in os.listdir(data):
        if name.startswith("keys.db"):
            os.remove(os.path.join(data, name))
    db = sqlite3.connect(os.path.join(data, "keys.db"))
    db.execute("CREATE TABLE keys(id TEXT PRIMARY KEY, digest BLOB NOT NULL, role TEXT NOT NULL,"
               " tenant TEXT NOT NULL, created_ms INTEGER NOT NULL,"
               " revoked INTEGER NOT NULL DEFAULT 0)")
    db.execute("INSERT INTO keys VALUES(?, ?, 'client', 'default', 1, 0)",
               (old_id, hashlib.sha256(secret.encode()).digest()))
    db.commit()
    db.close()
    listed = json.loads(run_cli("keys", "list", "--json", data=data).stdout)
    assert [k["id"] for k in listed] == [old_id] and listed[0]["expires"] is None
    cols = [r[1] for r in sqlite3.connect(os.path.join(data, "keys.db"))
            .execute("PRAGMA table_info(keys)")]
    assert "expires_ms" in cols
    server = make_server(keys_from=probe)  # copies the upgraded keys.db
    assert status(server, f"agk_{old_id}_{secret}") == 200
    rotated = run_cli("keys", "rotate", old_id, "--grace", "0s", data=server.data).stdout.strip()
    assert status(server, f"agk_{old_id}_{secret}") == 401
    assert status(server, rotated) == 200
