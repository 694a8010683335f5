"""Transport and hardening against the real binary: HTTPS with certificates the openssl CLI
makes at test time (ECDSA P-256 and RSA), TLS 1.2 and 1.3 only with AEAD ciphers and ECDHE,
bad certificate files, the security headers on every kind of reply, CORS, the header caps,
the per-address connection cap, the request deadline (slow loris) and the in-flight cap.
127.0.0.1 only; every loop and wait is bounded."""
import http.client
import json
import os
import select
import socket
import ssl
import struct
import subprocess
import threading
import time
import warnings

import pytest

from conftest import SHOP, free_port, run_cli
from test_chat import proxy_env, sse_events, user
from test_metrics import metric

OPENSSL = "/usr/bin/openssl"
HSTS = "max-age=63072000; includeSubDomains"
SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
SHOP_ORIGIN = "https://shop.example"


def make_cert(d, kind):
    """A self-signed certificate for 127.0.0.1 and its key: (cert path, key path)."""
    key, cert = os.path.join(d, f"{kind}.key"), os.path.join(d, f"{kind}.crt")
    new_key = (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] if kind == "ec"
               else ["-newkey", "rsa:2048"])
    subprocess.run([OPENSSL, "req", "-x509", *new_key, "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=120)
    return cert, key


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("certs"))
    return {kind: make_cert(d, kind) for kind in ("ec", "rsa")}


def tls_env(cert, key, **extra):
    env = {"AGENTGATE_TLS_CERT_FILE": cert, "AGENTGATE_TLS_KEY_FILE": key}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def key_secret(key):
    """The base64 body of a PEM key: what must never reach a log."""
    with open(key) as f:
        return "".join(l.strip() for l in f if not l.startswith("-----"))[:60]


def client_ctx(ca, version=None, ciphers=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0 and 1.1 on purpose
        if version is not None:
            ctx.minimum_version = ctx.maximum_version = version
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def handshake(port, ctx):
    """(protocol, cipher name) of a completed handshake; raises when the server refuses."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as t:
            return t.version(), t.cipher()[0]


def refused(port, ctx):
    try:
        handshake(port, ctx)
    except (ssl.SSLError, OSError):
        return True
    return False


def tls11_client_hello():
    """A TLS 1.1 ClientHello with ECDHE CBC suites (what such a client really offers)."""
    suites = (0xC013, 0xC014, 0xC009, 0xC00A, 0x002F, 0x0035)
    groups = struct.pack("!HHH", 0x0017, 0x0018, 0x001D)
    ext = struct.pack("!HHH", 0x000A, len(groups) + 2, len(groups)) + groups
    ext += struct.pack("!HHBB", 0x000B, 2, 1, 0)
    body = (struct.pack("!H", 0x0302) + os.urandom(32) + b"\x00"
            + struct.pack("!H", 2 * len(suites)) + b"".join(struct.pack("!H", x) for x in suites)
            + b"\x01\x00" + struct.pack("!H", len(ext)) + ext)
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def assert_secure(r, tls):
    for k, v in SECURITY.items():
        assert r.headers.get(k) == v, (k, r.status, r.headers)
    if tls:
        assert r.headers.get("strict-transport-security") == HSTS, (r.status, r.headers)
    else:
        assert "strict-transport-security" not in r.headers, (r.status, r.headers)


def serve_once(data, **env):
    """`agentgate serve` that is expected to stop by itself: the finished process."""
    return run_cli("serve", "--listen", f"127.0.0.1:{free_port()}", data=data, check=False,
                   timeout=120, env=env)


def rejected(server, reason):
    # a reply the client has read counts as in flight until libmicrohttpd completes it, a
    # moment later: with a tiny max_inflight this request may be refused for that moment
    deadline = time.monotonic() + 10
    while True:
        r = server.request("GET", "/metrics", key=server.keys["admin"])
        if r.status != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert r.status == 200, (r.status, r.body)
    return metric(r.body.decode(), "agentgate_http_rejected_total", reason=reason)


# ---- TLS ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_https_end_to_end(make_server, certs, kind):
    cert, key = certs[kind]
    s = make_server(tls_env(cert, key), tls_ca=cert)
    r = s.ask("Wie lange dauert der Versand nach Österreich?")
    assert r.status == 200, r.body
    assert r.headers.get("strict-transport-security") == HSTS
    # both protocol versions work, each with an AEAD cipher
    assert handshake(s.port, client_ctx(cert, ssl.TLSVersion.TLSv1_3))[0] == "TLSv1.3"
    proto, cipher = handshake(s.port, client_ctx(cert, ssl.TLSVersion.TLSv1_2))
    assert proto == "TLSv1.2" and cipher.startswith("ECDHE-")
    assert "GCM" in cipher or "CHACHA20" in cipher, cipher
    # plain HTTP on the TLS port gets no HTTP answer
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    with pytest.raises((http.client.HTTPException, OSError)):
        c.request("GET", "/healthz")
        c.getresponse()
    c.close()
    assert s.request("GET", "/healthz").status == 200
    assert key_secret(key) not in s.read_log()
    assert f"listening on https://127.0.0.1:{s.port}" in s.read_log()


def test_old_protocols_and_weak_ciphers_are_refused(make_server, certs):
    cert, key = certs["rsa"]  # RSA: so that static-RSA and DHE-RSA suites could match at all
    s = make_server(tls_env(cert, key), tls_ca=cert)
    # TLS 1.1 (the client's security level lowered so that it really offers it)
    assert refused(s.port, client_ctx(cert, ssl.TLSVersion.TLSv1_1, "DEFAULT:@SECLEVEL=0"))
    assert refused(s.port, client_ctx(cert, ssl.TLSVersion.TLSv1, "DEFAULT:@SECLEVEL=0"))
    # the same, by hand: a TLS 1.1 ClientHello gets no ServerHello (an alert, or the close)
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
        c.sendall(tls11_client_hello())
        try:
            first = c.recv(5)
        except OSError:
            first = b""
    assert first[:1] in (b"", b"\x15"), first
    # TLS 1.2 without AEAD (CBC), without forward secrecy (static RSA) or with finite-field DHE
    for weak in ("ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384", "AES128-GCM-SHA256:AES256-GCM-SHA384",
                 "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"):
        assert refused(s.port, client_ctx(cert, ssl.TLSVersion.TLSv1_2, weak)), weak
    # the strong ones of TLS 1.2 are taken
    for good in ("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                 "ECDHE-RSA-CHACHA20-POLY1305"):
        assert handshake(s.port, client_ctx(cert, ssl.TLSVersion.TLSv1_2, good)) == \
            ("TLSv1.2", good)
    assert s.request("GET", "/healthz").status == 200


def test_bad_tls_files_stop_the_start(tmp_path, certs):
    data = str(tmp_path / "d")
    run_cli("ingest", SHOP, data=data)
    ec_cert, ec_key = certs["ec"]
    rsa_cert, rsa_key = certs["rsa"]
    garbage = str(tmp_path / "garbage.pem")
    with open(garbage, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    missing = str(tmp_path / "missing.pem")
    cases = [
        (missing, ec_key, f"tls_cert_file '{missing}': cannot read"),
        (ec_cert, missing, f"tls_key_file '{missing}': cannot read"),
        (garbage, ec_key, f"tls_cert_file '{garbage}': no PEM certificate"),
        (ec_cert, garbage, f"tls_key_file '{garbage}': no PEM private key"),
        (ec_cert, ec_cert, f"tls_key_file '{ec_cert}': no PEM private key"),
        (ec_cert, rsa_key, f"tls_key_file '{rsa_key}' is not the key of the certificate"),
        (rsa_cert, ec_key, f"tls_key_file '{ec_key}' is not the key of the certificate"),
        (str(tmp_path), ec_key, f"tls_cert_file '{tmp_path}': not a PEM file"),
    ]
    for cert, key, want in cases:
        p = serve_once(data, **tls_env(cert, key))
        assert p.returncode == 1 and want in p.stderr, (cert, key, p.returncode, p.stderr)
        for k in (ec_key, rsa_key):
            assert key_secret(k) not in p.stderr + p.stdout
    # one without the other is a configuration error, found before anything starts
    p = serve_once(data, AGENTGATE_TLS_CERT_FILE=ec_cert)
    assert p.returncode == 2 and "set both or neither" in p.stderr, p.stderr


# ---- security headers ---------------------------------------------------------------------


def every_kind_of_reply(s):
    """{name: Reply} for a 200, 404, 401, 405 and a streamed chat answer (SSE)."""
    replies = {
        "200": s.request("GET", "/healthz"),
        "404": s.request("GET", "/no/such/route"),
        "401": s.request("GET", "/v1/models"),
        "405": s.request("DELETE", "/v1/ask"),
        "sse": s.request("POST", "/v1/chat/completions",
                         {"stream": True, "messages": user("Wie lange dauert der Versand?")},
                         key=s.keys["client"]),
    }
    for name in ("200", "404", "401", "405"):
        assert replies[name].status == int(name), (name, replies[name].body)
    sse = replies["sse"]
    assert sse.status == 200 and sse.headers["content-type"] == "text/event-stream"
    assert sse_events(sse.body)[-1] == "[DONE]"
    return replies


def test_security_headers_over_tls_streamed_answer_included(make_server, certs, mock_upstream):
    cert, key = certs["ec"]
    # the openai backend streams through a worker (libmicrohttpd's callback response)
    s = make_server(proxy_env(mock_upstream, **tls_env(cert, key)), tls_ca=cert)
    for name, r in every_kind_of_reply(s).items():
        assert_secure(r, tls=True)
    assert s.request("GET", "/v1/models", key=s.keys["client"]).status == 200


def test_security_headers_without_tls_have_no_hsts(server):
    # the extractive backend answers a stream in one buffer
    for name, r in every_kind_of_reply(server).items():
        assert_secure(r, tls=False)
    assert "vary" not in server.request("GET", "/healthz", headers={"Origin": SHOP_ORIGIN}).headers


# ---- CORS ---------------------------------------------------------------------------------


def test_cors_allow_list_and_preflight(make_server):
    s = make_server({"AGENTGATE_CORS_ORIGINS": f"{SHOP_ORIGIN}, http://localhost:3000"})
    key = s.keys["client"]
    for origin in (SHOP_ORIGIN, "http://localhost:3000"):
        r = s.request("GET", "/v1/models", key=key, headers={"Origin": origin})
        assert r.status == 200
        assert r.headers["access-control-allow-origin"] == origin
        assert r.headers["vary"] == "Origin"
        assert "X-Trace-Id" in r.headers["access-control-expose-headers"]
    # an error is readable by the allowed page too
    r = s.request("GET", "/v1/models", headers={"Origin": SHOP_ORIGIN})
    assert r.status == 401 and r.headers["access-control-allow-origin"] == SHOP_ORIGIN
    # any other origin: no CORS headers (the browser keeps the reply from the page)
    for origin in ("https://evil.example", "https://shop.example.evil", "http://shop.example",
                   "https://SHOP.example", "null"):
        r = s.request("GET", "/v1/models", key=key, headers={"Origin": origin})
        assert r.status == 200 and "access-control-allow-origin" not in r.headers, origin
        assert r.headers["vary"] == "Origin"
    # preflight: public, 204, the route's method and the headers the API reads
    ask = {"Origin": SHOP_ORIGIN, "Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "authorization,content-type"}
    r = s.request("OPTIONS", "/v1/chat/completions", headers=ask)
    assert r.status == 204 and r.body == b""
    assert r.headers["access-control-allow-origin"] == SHOP_ORIGIN
    assert r.headers["access-control-allow-methods"] == "POST"
    assert r.headers["access-control-allow-headers"] == "Authorization, Content-Type"
    assert int(r.headers["access-control-max-age"]) > 0
    assert_secure(r, tls=False)
    r = s.request("OPTIONS", "/v1/audit", headers=dict(ask, **{
        "Access-Control-Request-Method": "GET"}))
    assert r.status == 204 and r.headers["access-control-allow-methods"] == "GET"
    # a preflight from another origin: 403 without CORS headers
    r = s.request("OPTIONS", "/v1/chat/completions",
                  headers=dict(ask, Origin="https://evil.example"))
    assert r.status == 403 and r.json()["error"]["code"] == "cors_forbidden"
    assert "access-control-allow-origin" not in r.headers
    assert "access-control-allow-methods" not in r.headers
    # OPTIONS without Origin is no preflight: what the route allows
    r = s.request("OPTIONS", "/v1/ask")
    assert r.status == 204 and r.headers["allow"] == "POST, OPTIONS"
    assert s.request("OPTIONS", "/no/such/route", headers=ask).status == 404
    # OPTIONS answers nothing else: the route's own handler never runs for it
    r = s.request("OPTIONS", "/metrics", headers=ask)
    assert r.status == 204 and b"agentgate_" not in r.body
    assert s.request("DELETE", "/v1/ask").headers["allow"] == "POST, OPTIONS"


def test_cors_off_by_default(server):
    r = server.request("GET", "/healthz", headers={"Origin": SHOP_ORIGIN})
    assert "access-control-allow-origin" not in r.headers
    r = server.request("OPTIONS", "/v1/ask", headers={
        "Origin": SHOP_ORIGIN, "Access-Control-Request-Method": "POST"})
    assert r.status == 403 and "access-control-allow-origin" not in r.headers


@pytest.mark.parametrize("origins,why", [
    ("*", "no wildcards"),
    ("https://*.shop.example", "no wildcards"),
    ("https://shop.example/", "without a path"),
    ("https://shop.example/app", "without a path"),
    ("https://Shop.example", "lower case"),
    ("shop.example", "must start with https:// or http://"),
    ("ftp://shop.example", "must start with https:// or http://"),
    ("https://shop.example:443", "without its default port"),
    ("https://shop.example:99999", "scheme://host[:port]"),
    ("https://shop.example,,http://localhost:3000", "an empty entry"),
    ("https://user@shop.example", "scheme://host[:port]"),
])
def test_cors_origins_are_checked_at_load(origins, why):
    p = run_cli("config", "check", env={"AGENTGATE_CORS_ORIGINS": origins}, check=False)
    assert p.returncode == 1 and "cors_origins" in p.stderr and why in p.stderr, p.stderr


def test_good_cors_origins_pass_the_check():
    p = run_cli("config", "check", env={
        "AGENTGATE_CORS_ORIGINS": "https://shop.example, http://localhost:3000,"
                                  "https://[::1]:8443,http://10.0.0.5:8080"}, check=False)
    assert p.returncode == 0, p.stderr


# ---- header caps --------------------------------------------------------------------------


def test_too_many_or_too_large_headers_get_431(make_server):
    s = make_server({"AGENTGATE_MAX_HEADER_COUNT": "16", "AGENTGATE_MAX_HEADER_BYTES": "4096"})
    r = s.request("GET", "/healthz", headers={f"X-Pad-{i}": "x" for i in range(30)})
    assert r.status == 431 and r.json()["error"]["code"] == "too_many_headers"
    assert_secure(r, tls=False)
    r = s.request("GET", "/v1/models", key=s.keys["client"], headers={"X-Big": "a" * 6000})
    assert r.status == 431 and r.json()["error"]["code"] == "headers_too_large"
    # a header block far beyond a connection's memory: refused (431 or closed), no crash
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
        try:
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Huge: " + b"a" * (1 << 20)
                      + b"\r\n\r\n")
            head = c.recv(64)
        except OSError:  # closed before it read everything: a reset
            head = b""
    assert head == b"" or head.startswith(b"HTTP/1.1 431"), head
    assert s.request("GET", "/healthz", headers={f"X-Pad-{i}": "x" for i in range(10)}).status \
        == 200
    assert rejected(s, "header_count") == 1 and rejected(s, "header_bytes") == 1
    assert s.proc.poll() is None


# ---- connections --------------------------------------------------------------------------


def raw_get(c, path="/healthz"):
    """One keep-alive GET on raw socket c: the whole reply (bounded)."""
    c.sendall(f"GET {path} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
    got = b""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        chunk = c.recv(4096)
        if not chunk:
            break
        got += chunk
        head, sep, body = got.partition(b"\r\n\r\n")
        if sep and b"Content-Length: " in head:
            n = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            if len(body) >= n:
                break
    return got


def test_connections_per_address_are_capped(make_server):
    s = make_server({"AGENTGATE_MAX_CONNS_PER_IP": "4"})
    held = []
    try:
        for _ in range(4):
            # each is counted once the server answered on it (bounded retries: the fixture's
            # own connection may still be closing)
            for _attempt in range(50):
                c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
                try:
                    if raw_get(c).startswith(b"HTTP/1.1 200"):
                        held.append(c)
                        break
                except OSError:
                    pass
                c.close()
                time.sleep(0.1)
            else:
                raise AssertionError("could not open the allowed connections")
        # the fifth is closed without an answer
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
            try:
                got = raw_get(c)
            except OSError:
                got = b""
        assert got == b"", got
        # one closed: room for another
        held.pop().close()
        deadline = time.monotonic() + 10
        while True:
            with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
                try:
                    if raw_get(c).startswith(b"HTTP/1.1 200"):
                        break
                except OSError:
                    pass
            assert time.monotonic() < deadline, "no connection after one was closed"
            time.sleep(0.1)
        # the held ones still work
        assert all(raw_get(c).startswith(b"HTTP/1.1 200") for c in held)
    finally:
        for c in held:
            c.close()


def dribble_until_closed(c, data, interval=0.5, limit_s=20):
    """Send data on c one byte every interval s; the seconds until the server closed the
    connection, or None when it did not within limit_s (or data ran out)."""
    t0 = time.monotonic()
    for b in data:
        if time.monotonic() - t0 > limit_s:
            return None
        try:
            c.send(bytes([b]))
        except OSError:
            return time.monotonic() - t0
        ready, _, _ = select.select([c], [], [], interval)
        if ready:
            try:
                got = c.recv(4096)
            except OSError:
                return time.monotonic() - t0
            if got:
                raise AssertionError(f"an answer to an incomplete request: {got!r}")
            return time.monotonic() - t0
    return None


def test_slow_requests_are_cut_and_others_served(make_server):
    limit = 2
    s = make_server({"AGENTGATE_REQUEST_TIMEOUT_S": str(limit)})
    key = s.keys["client"].encode()
    results = {}

    def slow_headers():
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
            cut = dribble_until_closed(c, b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"a" * 80)
        results["headers"] = cut and time.monotonic() - t0

    def slow_body():
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
            t0 = time.monotonic()
            c.sendall(b"POST /v1/ask HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + key
                      + b"\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n")
            cut = dribble_until_closed(c, b'{"question": "' + b"a" * 180)
            results["body"] = cut and time.monotonic() - t0

    def slow_second_request():
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
            assert raw_get(c).startswith(b"HTTP/1.1 200")
            # idle between requests longer than the deadline: kept (the idle timeout rules)
            time.sleep(limit + 1)
            assert raw_get(c).startswith(b"HTTP/1.1 200")
            time.sleep(1)
            results["keepalive"] = dribble_until_closed(
                c, b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"a" * 80)

    threads = [threading.Thread(target=f) for f in (slow_headers, slow_body, slow_second_request)]
    for t in threads:
        t.start()
    # meanwhile everyone else is answered, and at once
    served = 0
    while any(t.is_alive() for t in threads) and served < 300:
        t1 = time.monotonic()
        assert s.request("GET", "/healthz").status == 200
        assert time.monotonic() - t1 < 2  # generous: sanitizer builds on a loaded machine
        served += 1
        time.sleep(0.1)
    for t in threads:
        t.join(timeout=60)
    assert served > 10
    for name in ("headers", "body", "keepalive"):
        cut = results.get(name)
        assert cut is not None and limit - 0.5 <= cut <= limit + 1.5, (name, cut, results)
    assert rejected(s, "request_timeout") == 3
    assert s.proc.poll() is None


# ---- overload -----------------------------------------------------------------------------


def test_requests_beyond_max_inflight_get_503_at_once(make_server):
    s = make_server({"AGENTGATE_MAX_INFLIGHT": "2"})
    key = s.keys["client"]
    body = json.dumps({"question": "Wie lange dauert der Versand?"}).encode()

    def hold():
        """A request in flight: headers sent, the body not yet."""
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        c.sendall(b"POST /v1/ask HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + key.encode()
                  + b"\r\nContent-Type: application/json\r\nContent-Length: "
                  + str(len(body)).encode() + b"\r\n\r\n" + body[:5])
        return c

    held = [hold(), hold()]
    try:
        # Probe until refused. A held request that reached the server after a probe that was
        # still in flight was itself refused (it has an answer to read): it is replaced.
        deadline = time.monotonic() + 10
        while True:
            assert time.monotonic() < deadline, "never overloaded"
            t0 = time.monotonic()
            r = s.request("GET", "/v1/models", key=key)
            took = time.monotonic() - t0
            answered = select.select(held, [], [], 0.3)[0]
            for c in answered:
                held[held.index(c)] = hold()
                c.close()
            if r.status == 503 and not answered:
                break
        assert r.json()["error"]["code"] == "overloaded", r.body
        assert r.headers["retry-after"] == "1"
        assert took < 2  # at once: nothing queued (generous for sanitizer builds)
        assert_secure(r, tls=False)
        assert s.ask("Versand?").status == 503
        # liveness is never refused
        assert s.request("GET", "/healthz").status == 200
        # the held requests finish normally
        for c in held:
            c.sendall(body[5:])
            got = b""
            while b"\r\n\r\n" not in got:
                chunk = c.recv(4096)
                assert chunk, got
                got += chunk
            assert got.startswith(b"HTTP/1.1 200"), got
    finally:
        for c in held:
            c.close()
    deadline = time.monotonic() + 10
    while s.request("GET", "/v1/models", key=key).status != 200:
        assert time.monotonic() < deadline, "still overloaded with nothing in flight"
        time.sleep(0.05)
    assert rejected(s, "overloaded") >= 2
