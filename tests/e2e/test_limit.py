"""The per-key token bucket answers 429 with Retry-After once the burst is used up."""


def test_rate_limit_429_with_retry_after(make_server):
    s = make_server({"AGENTGATE_RATE_BURST": "3", "AGENTGATE_RATE_PER_SEC": "0.2"})
    codes = [s.ask("Versand?").status for _ in range(3)]
    assert codes == [200, 200, 200]
    r = s.ask("Versand?")
    assert r.status == 429
    assert r.json()["error"]["code"] == "rate_limited"
    retry = int(r.headers["retry-after"])
    assert 1 <= retry <= 5  # one token at 0.2/s takes at most 5 s
    # Another key has its own bucket.
    assert s.ask("Versand?", role="admin").status == 200


# ---- buckets per subject and per client address; concurrency caps ----------------------

import http.client
import json
import threading
import time


def metric(server, name):
    text = server.request("GET", "/metrics", key=server.keys["admin"]).body.decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} missing from /metrics")


def test_subject_limit_names_itself_and_spares_the_key(make_server):
    s = make_server({"AGENTGATE_RATE_BURST": "10", "AGENTGATE_RATE_PER_SEC": "0.01",
                     "AGENTGATE_LIMIT_SUBJECT_RATE": "0.2", "AGENTGATE_LIMIT_SUBJECT_BURST": "2"})
    assert [s.ask("Versand?").status for _ in range(2)] == [200, 200]
    r = s.ask("Versand?")
    assert r.status == 429
    err = r.json()["error"]
    assert err["code"] == "rate_limited" and "subject limit" in err["message"]
    assert 1 <= int(r.headers["retry-after"]) <= 5
    # the headers describe the bucket that refused: the subject's burst of 2
    assert r.headers["ratelimit-limit"] == "2" and r.headers["ratelimit-remaining"] == "0"


def test_key_limit_names_itself(make_server):
    s = make_server({"AGENTGATE_RATE_BURST": "2", "AGENTGATE_RATE_PER_SEC": "0.01",
                     "AGENTGATE_LIMIT_SUBJECT_RATE": "1", "AGENTGATE_LIMIT_SUBJECT_BURST": "50"})
    s.ask("Versand?")
    r = s.ask("Versand?")
    assert r.status == 200 and r.headers["ratelimit-limit"] == "2"  # the tighter bucket
    r = s.ask("Versand?")
    assert r.status == 429 and "key limit" in r.json()["error"]["message"]


def test_ip_limit_counts_failed_authentication(make_server):
    s = make_server({"AGENTGATE_LIMIT_IP_RATE": "0.01", "AGENTGATE_LIMIT_IP_BURST": "4"})
    bad = "agk_" + "0" * 16 + "_" + "0" * 64
    # two failed authentications and one bad route-guarded read take 3 of the 4 tokens
    assert s.ask("Versand?", key=bad).status == 401
    assert s.request("POST", "/v1/ask", {"question": "Versand?"}).status == 401
    assert s.request("GET", "/v1/models", key=bad).status == 401
    assert s.ask("Versand?").status == 200  # the last token, with a good key
    # empty now: refused before the credentials are even looked at, good or bad
    for key in (s.keys["client"], bad, None):
        r = s.request("POST", "/v1/ask", {"question": "Versand?"}, key=key)
        assert r.status == 429, key
        assert r.json()["error"]["code"] == "rate_limited"
        assert "ip limit" in r.json()["error"]["message"]
        assert int(r.headers["retry-after"]) >= 1
    r = s.request("GET", "/v1/models", key=s.keys["client"])
    assert r.status == 429 and "ip limit" in r.json()["error"]["message"]
    assert s.request("GET", "/healthz").status == 200  # public routes are not limited


def test_ip_limit_off_by_default(server):
    bad = "agk_" + "1" * 16 + "_" + "1" * 64
    assert all(server.ask("Versand?", key=bad).status == 401 for _ in range(30))
    assert server.ask("Versand?").status == 200


def mock_fault(port, **body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("POST", "/_control", body=json.dumps(body),
                  headers={"Content-Type": "application/json"})
        assert c.getresponse().status == 200
    finally:
        c.close()


def proxy_env(port, **extra):
    # the mock's reply is not grounded: the output guard only reports (see test_chat.py)
    env = {"AGENTGATE_ANSWER_CHECK": "report", "AGENTGATE_LLM_BACKENDS": "openai,extractive",
           "AGENTGATE_LLM_UPSTREAM": f"a http://127.0.0.1:{port}/a/v1 mock-a",
           "AGENTGATE_UPSTREAM_HEALTH_S": "0", "AGENTGATE_UPSTREAM_RETRIES": "0",
           "AGENTGATE_RATE_BURST": "1000", "AGENTGATE_RATE_PER_SEC": "1000"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def chat_body(stream=False):
    return {"stream": stream, "messages": [{"role": "user", "content": "Versand?"}]}


def wait_in_flight_zero(s):
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if metric(s, "agentgate_limit_turns_in_flight") == 0:
            return
        time.sleep(0.05)
    raise AssertionError("a concurrency slot was never given back")


def test_concurrency_cap(make_server, mock_upstream):
    s = make_server(proxy_env(mock_upstream, AGENTGATE_LIMIT_CONCURRENT_PER_KEY="1"))
    key = s.keys["client"]
    # one at a time, a cap of 1 never refuses: every path gives its slot back
    for i in range(20):
        r = s.request("POST", "/v1/chat/completions", chat_body(stream=i % 2 == 1), key=key)
        assert r.status == 200, r.body
        assert s.ask("Versand?").status == 200
    assert s.request("POST", "/v1/ask", {"question": ""}, key=key).status == 400
    assert metric(s, "agentgate_limit_turns_in_flight") == 0
    # two at once: the second is refused while the first waits for its slow upstream
    mock_fault(mock_upstream, prefix="/a", fault="slow_first_token", ms=1500)
    first = {}
    t = threading.Thread(target=lambda: first.setdefault(
        "r", s.request("POST", "/v1/chat/completions", chat_body(), key=key)))
    t.start()
    deadline = time.monotonic() + 10
    while metric(s, "agentgate_limit_turns_in_flight") < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    r = s.ask("Versand?")
    assert r.status == 429
    assert r.json()["error"]["code"] == "too_many_concurrent"
    assert r.headers["retry-after"] == "1"
    assert s.ask("Versand?", role="reviewer").status == 200  # another key has its own cap
    t.join(timeout=30)
    assert first["r"].status == 200
    wait_in_flight_zero(s)
    assert s.ask("Versand?").status == 200


def test_concurrency_slot_comes_back_when_the_client_goes_away(make_server, mock_upstream):
    s = make_server(proxy_env(mock_upstream, AGENTGATE_LIMIT_CONCURRENT_PER_KEY="1"))
    key = s.keys["client"]
    mock_fault(mock_upstream, prefix="/a", fault="slow_pieces", ms=300)
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=20)
    c.request("POST", "/v1/chat/completions", body=json.dumps(chat_body(stream=True)),
              headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    r = c.getresponse()
    assert r.status == 200
    assert r.readline().startswith(b"data: ")
    assert s.ask("Versand?").status == 429  # the stream holds the one slot
    c.sock.shutdown(2)
    c.close()
    wait_in_flight_zero(s)
    assert s.ask("Versand?").status == 200
