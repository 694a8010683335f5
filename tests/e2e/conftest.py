"""End-to-end fixtures: the real agentgate binary on a free 127.0.0.1 port.

Each server gets a fresh data directory with examples/shop ingested and one API key
per role. Tests talk HTTP (HTTPS when the server is given a certificate) to 127.0.0.1
only; every wait loop is bounded.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

BIN = os.environ.get("AGENTGATE_BIN", "build/default/agentgate")
SRC = os.environ.get("AG_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
SHOP = os.path.join(SRC, "examples", "shop")


# llama.cpp's threads spin at their barriers: with test files running side by side on a
# small machine, more threads than cores stall them all. One thread each.
LLM_THREADS = {"AGENTGATE_LLM_THREADS": "1"}
READY_S = 120


def run_cli(*args, data=None, env=None, check=True, timeout=60, stdin=None):
    cmd = [BIN, *args]
    if data is not None:
        cmd += ["--data", data]
    e = dict(os.environ, **LLM_THREADS)
    e.update(env or {})
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e, input=stdin)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}: {p.stderr}")
    return p


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


class Server:
    def __init__(self, data, env, tls_ca=None):
        """tls_ca: the PEM certificate that signed the server's (env sets
        AGENTGATE_TLS_CERT_FILE and _KEY_FILE): requests then go over HTTPS."""
        self.data = data
        self.tls_ca = tls_ca
        self.port = None
        self.keys = {role: run_cli("keys", "create", "--role", role, data=data)
                     .stdout.strip() for role in ("client", "reviewer", "admin")}
        e = dict(os.environ, **LLM_THREADS)
        e.update(env)
        self.log = open(os.path.join(data, "server.log"), "w")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--data", data, "--listen", "127.0.0.1:0"],
            stdout=self.log, stderr=subprocess.STDOUT, env=e)
        # generous: under ASan the injection rules compile through the sanitizer's malloc,
        # which takes many seconds on a loaded machine
        deadline = time.monotonic() + READY_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited early: {self.read_log()}")
            # port 0: the kernel picks a free port, which the log names; no other process
            # can hold it, as it could a port chosen here and bound later
            if self.port is None:
                m = re.search(r"listening on https?://127\.0\.0\.1:(\d+)", self.read_log())
                if m:
                    self.port = int(m.group(1))
            try:
                if self.port and self.request("GET", "/readyz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server did not become ready in {READY_S} s")

    def read_log(self):
        if not self.log.closed:
            self.log.flush()
        with open(os.path.join(self.data, "server.log")) as f:
            return f.read()

    def connect(self, timeout=20):
        if self.tls_ca:
            ctx = ssl.create_default_context(cafile=self.tls_ca)
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, key=None, headers=None, raw=None):
        c = self.connect()
        h = dict(headers or {})
        if key:
            h["Authorization"] = "Bearer " + key
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            c.close()

    def ask(self, question, key=None, role="client", **fields):
        body = {"question": question, **fields}
        return self.request("POST", "/v1/ask", body, key=key or self.keys[role])

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.log.close()


@pytest.fixture
def make_server():
    made = []

    def make(env=None, keys_from=None, tls_ca=None):
        """keys_from: a Server whose keys.db is copied first, so its keys work here too
        (two instances sharing one limit must see the same key ids). tls_ca: see Server."""
        data = tempfile.mkdtemp(prefix="agentgate-e2e-")
        run_cli("ingest", SHOP, data=data)
        if keys_from is not None:
            for name in os.listdir(keys_from.data):
                if name.startswith("keys.db"):
                    shutil.copy(os.path.join(keys_from.data, name), data)
        s = Server(data, env or {}, tls_ca)
        made.append(s)
        return s

    yield make
    for s in made:
        if s.proc.poll() is None:
            s.stop(signal.SIGKILL)
        shutil.rmtree(s.data, ignore_errors=True)


@pytest.fixture
def server(make_server):
    return make_server()


REDIS_BIN = "/usr/bin/redis-server"


class Redis:
    """Debian's redis-server on a free 127.0.0.1 port, no persistence; start() again
    reuses the port (a restarted Redis)."""

    def __init__(self):
        self.port = free_port()
        self.proc = None
        self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as c:
                c.sendall(b"PING\r\n")
                return c.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        self.proc = subprocess.Popen(
            [REDIS_BIN, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", tempfile.gettempdir()],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("redis-server exited early")
            if self.ping():
                return
            time.sleep(0.05)
        raise AssertionError("redis-server did not answer PING in 10 s")

    def stop(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)


@pytest.fixture
def redis_server():
    if not os.access(REDIS_BIN, os.X_OK):
        pytest.fail(f"{REDIS_BIN} missing (scripts/setup.sh installs it)")
    r = Redis()
    yield r
    r.stop()


PG_SH = os.path.join(SRC, "tests", "tools", "pg.sh")


@pytest.fixture
def postgres():
    """Debian's PostgreSQL on a free 127.0.0.1 port in a temporary folder (tests/tools/pg.sh);
    yields its connection URI and the folder; removed afterwards."""
    d = tempfile.mkdtemp(prefix="agentgate-pg-")
    p = subprocess.run([PG_SH, "start", d, str(free_port())], capture_output=True, text=True,
                       timeout=200)
    if p.returncode != 0:
        subprocess.run([PG_SH, "remove", d], capture_output=True, timeout=60)
        pytest.fail(f"postgres did not start: {p.stderr}")
    try:
        yield p.stdout.strip(), d
    finally:
        subprocess.run([PG_SH, "remove", d], capture_output=True, timeout=60)


class AskLoad:
    """Clients asking in threads (two per server), each at most per_client questions;
    answered holds (trace_id, audit_seq) of every 200."""

    def __init__(self, servers, per_client):
        import threading
        self.answered, self.lock, self.stop = [], threading.Lock(), threading.Event()

        def client(s, n):
            for i in range(per_client):
                if self.stop.is_set():
                    return
                try:
                    r = s.ask(f"Versand nach Österreich {n}-{i}")
                except OSError:
                    return
                if r.status == 200:
                    with self.lock:
                        self.answered.append((r.json()["trace_id"], r.json()["audit_seq"]))
        self.threads = [threading.Thread(target=client, args=(s, n))
                        for n, s in enumerate(servers * 2)]
        for t in self.threads:
            t.start()

    def count(self):
        with self.lock:
            return len(self.answered)

    def join(self, timeout=120):
        for t in self.threads:
            t.join(timeout=timeout)

    def kill_after(self, server, n, wait_s=60):
        """SIGKILL server once n turns were answered (or wait_s passed), stop the clients."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and self.count() < n:
            time.sleep(0.05)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=30)
        self.stop.set()
        self.join(60)


# ---- a mock OpenAI-compatible upstream (tests/tools/mock_upstream.py) ----------------------

MOCK_UPSTREAM = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools",
                             "mock_upstream.py")


@pytest.fixture
def mock_upstream():
    """The port of a mock upstream on 127.0.0.1 that answers every chat with one German
    sentence (it streams too); /_control, /_reset and /_stats steer and read it."""
    p = subprocess.Popen(["/usr/bin/python3", MOCK_UPSTREAM, "--port", "0", "--reply",
                          "Der Versand nach Österreich dauert 3 bis 5 Werktage [1]."],
                         stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        assert line.startswith("PORT "), line
        yield int(line.split()[1])
    finally:
        p.terminate()
        p.wait(timeout=10)
