"""JWT keys from a JWKS URL: a small http.server on 127.0.0.1 plays the identity provider.

The server publishes HS256 (`oct`) keys, which the standard library can sign with, and one
RSA key whose tokens the `openssl` CLI signs. agentgate fetches the JWKS at start, again
for an unknown kid at most once per jwt_jwks_min_refresh_s (1 s here), and keeps its keys
when a reply is bad or the server is gone. The test counts the requests the server saw.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import run_cli

ISS = "https://idp.e2e/"
AUD = "agentgate"
K1 = b"jwks-e2e-key-one-0123456789abcdef-xyz"
K2 = b"jwks-e2e-key-two-0123456789abcdef-xyz"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**over):
    c = {"iss": ISS, "aud": AUD, "sub": "customer-7", "exp": int(time.time()) + 300,
         "tenant": "default", "roles": ["customer"]}
    c.update(over)
    return c


def hs_token(secret, kid, **over):
    si = b64(json.dumps({"alg": "HS256", "kid": kid}).encode()) + "." + \
        b64(json.dumps(claims(**over)).encode())
    return si + "." + b64(hmac.new(secret, si.encode(), hashlib.sha256).digest())


def oct_jwk(secret, kid):
    return {"kty": "oct", "kid": kid, "alg": "HS256", "k": b64(secret)}


class IdP:
    """Serves /jwks.json from self.body with self.status; counts GETs."""

    def __init__(self):
        self.body = b'{"keys":[]}'
        self.status = 200
        self.cache_control = None
        self.hits = 0
        self.lock = threading.Lock()
        idp = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with idp.lock:
                    idp.hits += 1
                    body, status, cc = idp.body, idp.status, idp.cache_control
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if cc:
                    self.send_header("Cache-Control", cc)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def publish(self, *jwks, status=200, raw=None):
        with self.lock:
            self.body = raw if raw is not None else json.dumps({"keys": list(jwks)}).encode()
            self.status = status

    def count(self):
        with self.lock:
            return self.hits

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def idp():
    s = IdP()
    yield s
    try:
        s.stop()
    except OSError:
        pass


def start(make_server, idp):
    return make_server({
        "AGENTGATE_JWT_JWKS_URL": idp.url,
        "AGENTGATE_JWT_JWKS_MIN_REFRESH_S": "1",
        "AGENTGATE_JWT_ISSUER": ISS,
        "AGENTGATE_JWT_AUDIENCE": AUD,
        "AGENTGATE_JWT_ROLE_MAP": "customer client",
    })


def ask(server, token):
    return server.request("POST", "/v1/ask", {"question": "Versand nach Österreich"}, key=token)


def rsa_key(tmp):
    """An RSA key made by the openssl CLI: (pem path, its JWK with kid r1)."""
    pem = os.path.join(tmp, "r1.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", pem], check=True, capture_output=True)
    mod = subprocess.run(["openssl", "rsa", "-in", pem, "-noout", "-modulus"], check=True,
                         capture_output=True, text=True).stdout.strip().split("=", 1)[1]
    return pem, {"kty": "RSA", "kid": "r1", "alg": "RS256", "use": "sig",
                 "n": b64(bytes.fromhex(mod)), "e": "AQAB"}


def rs_token(pem, kid, **over):
    si = b64(json.dumps({"alg": "RS256", "kid": kid}).encode()) + "." + \
        b64(json.dumps(claims(**over)).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", pem], input=si.encode(),
                         check=True, capture_output=True).stdout
    return si + "." + b64(sig)


def test_rotation_and_unknown_kid_flood(make_server, idp):
    tmp = tempfile.mkdtemp()
    pem, rsa = rsa_key(tmp)
    idp.publish(oct_jwk(K1, "k1"), rsa)
    server = start(make_server, idp)
    assert idp.count() == 1  # fetched once at start
    assert ask(server, hs_token(K1, "k1")).status == 200
    assert ask(server, rs_token(pem, "r1")).status == 200

    # rotation: a token signed with a new key is accepted once the IdP publishes it
    time.sleep(1.1)
    assert ask(server, hs_token(K2, "k2")).status == 401  # not published yet: one fetch
    assert idp.count() == 2
    idp.publish(oct_jwk(K1, "k1"), oct_jwk(K2, "k2"), rsa)
    time.sleep(1.1)
    assert ask(server, hs_token(K2, "k2")).status == 200
    assert idp.count() == 3
    assert ask(server, hs_token(K1, "k1")).status == 200  # the old one still published

    # a flood of random kids: at most one fetch per second
    time.sleep(1.1)
    before = idp.count()
    t0 = time.monotonic()
    for i in range(60):
        r = ask(server, hs_token(K1, os.urandom(8).hex()))
        assert r.status == 401
    elapsed = time.monotonic() - t0
    fetched = idp.count() - before
    assert 1 <= fetched <= int(elapsed) + 2, (fetched, elapsed)
    assert "auth: jwt rejected reason=unknown_kid" in server.read_log()

    # the IdP drops k1: after the next fetch its tokens are refused
    idp.publish(oct_jwk(K2, "k2"), rsa)
    time.sleep(1.1)
    assert ask(server, hs_token(K1, "nope")).status == 401  # makes the fetch
    assert ask(server, hs_token(K1, "k1")).status == 401
    assert ask(server, hs_token(K2, "k2")).status == 200


def test_bad_replies_and_idp_down_keep_the_keys(make_server, idp):
    idp.publish(oct_jwk(K1, "k1"))
    server = start(make_server, idp)
    good = hs_token(K1, "k1")
    assert ask(server, good).status == 200
    bad = [
        dict(raw=b"<html>not json</html>"),
        dict(raw=b'{"keys": "no"}'),
        dict(raw=b'{"keys": [{"kty": "RSA", "kid": "x", "n": "AQAB", "e": "AQAB"}]}'),
        dict(raw=b'{"keys": []}', status=503),
        dict(raw=b'{"keys": [' + b" " * (2 << 20) + b"]}"),  # over the 1 MiB cap
    ]
    for i, b in enumerate(bad):
        before = idp.count()
        idp.publish(**b)
        time.sleep(1.1)
        # an unknown kid fetches, unless the retry after the last failure (every
        # min_refresh_s) just did
        assert ask(server, hs_token(K1, f"unknown{i}")).status == 401
        assert idp.count() > before, b
        assert ask(server, good).status == 200, b
    log = server.read_log()
    assert log.count("JWKS refresh failed, keeping the previous keys") >= len(bad)
    assert "reason=http_status status=503" in log
    assert "reason=too_large" in log

    idp.stop()  # the IdP is gone
    time.sleep(1.1)
    assert ask(server, hs_token(K1, "unknown-x")).status == 401
    assert ask(server, good).status == 200
    assert "reason=transport" in server.read_log()


def test_unavailable_at_start_then_recovers(make_server, idp):
    idp.publish(status=503)
    server = start(make_server, idp)  # starts anyway
    r = ask(server, hs_token(K1, "k1"))
    assert r.status == 401
    assert r.json()["error"]["code"] == "invalid_key"
    log = server.read_log()
    assert "first JWKS fetch failed" in log
    assert "auth: jwt rejected reason=jwks_unavailable" in log
    idp.publish(oct_jwk(K1, "k1"))
    time.sleep(1.1)
    assert ask(server, hs_token(K1, "k1")).status == 200


def test_max_age_schedules_the_refresh(make_server, idp):
    idp.publish(oct_jwk(K1, "k1"))
    idp.cache_control = "public, max-age=1"
    server = start(make_server, idp)
    deadline = time.monotonic() + 10
    while idp.count() < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert idp.count() >= 3  # refetched on its own, every second
    assert ask(server, hs_token(K1, "k1")).status == 200


@pytest.mark.parametrize("key,value,why", [
    ("AGENTGATE_JWT_JWKS_URL", "ftp://idp.e2e/jwks.json", "jwt_jwks_url"),
    ("AGENTGATE_JWT_JWKS_REFRESH_S", "0", "jwt_jwks_refresh_s"),
    ("AGENTGATE_JWT_JWKS_MIN_REFRESH_S", "7200", "jwt_jwks_min_refresh_s"),
    ("AGENTGATE_JWT_SUBJECT_CLAIM", "", "jwt_subject_claim"),
])
def test_bad_settings_are_refused(key, value, why):
    env = {"AGENTGATE_JWT_JWKS_URL": "https://idp.e2e/jwks.json",
           "AGENTGATE_JWT_ISSUER": ISS, "AGENTGATE_JWT_AUDIENCE": AUD}
    env[key] = value
    p = run_cli("config", "check", env=env, check=False)
    assert p.returncode != 0
    assert why.upper() in (p.stdout + p.stderr).upper()
