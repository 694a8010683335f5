"""Rate limits shared on Redis (limit_backend = redis): two agentgate instances and one
loopback redis-server hold one key's limit together; a dead Redis is refused with 503
(limit_on_redis_error = closed), counted, and nothing crashes; Redis back, limits work.

The load test drives both instances at once with wrk from loopback, well above the limit,
and counts the 200s of both (their /metrics). AG_REDIS_LIMIT_SECONDS sets its length
(3 s here; bench/redis_limit.sh runs the full 10 s, holds it to 2 % both ways, and prints
the figures).
"""
import os
import subprocess
import tempfile
import time


RATE = 100
# A burst of 10 (0.1 s of tokens) absorbs scheduling gaps: with a burst of 1, any 20 ms in
# which neither instance reaches Redis (a busy 2-core machine) loses a token for good.
BURST = 10


def metric(text, name, labels=""):
    for line in text.splitlines():
        if line.startswith(f"{name}{labels} "):
            return float(line.split()[-1])
    return 0.0


def redis_env(redis, **extra):
    env = {"AGENTGATE_LIMIT_BACKEND": "redis", "AGENTGATE_REDIS_URL": redis.url}
    env.update(extra)
    return env


def ok_count(server):
    text = server.request("GET", "/metrics", key=server.keys["admin"]).body.decode()
    return metric(text, "agentgate_requests_total", '{route="/v1/ask",status="200"}')


def test_two_instances_hold_one_limit(make_server, redis_server):
    seconds = float(os.environ.get("AG_REDIS_LIMIT_SECONDS", "3"))
    env = redis_env(redis_server, AGENTGATE_RATE_PER_SEC=str(RATE), AGENTGATE_RATE_BURST=str(BURST),
                    AGENTGATE_THREADS="4")
    a = make_server(env)
    b = make_server(env, keys_from=a)
    key = a.keys["client"]
    assert b.ask("Versand?", key=key).status in (200, 429)  # the key works on b too
    time.sleep(BURST / RATE + 0.1)  # let the bucket fill again
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write('wrk.method = "POST"\n'
                'wrk.body = \'{"question": "Versand nach Österreich?"}\'\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
                f'wrk.headers["Authorization"] = "Bearer {key}"\n')
        script = f.name
    try:
        before = ok_count(a) + ok_count(b)
        t0 = time.monotonic()
        runs = [subprocess.Popen(["wrk", "-t1", "-c4", f"-d{seconds:g}s", "-s", script,
                                  f"http://127.0.0.1:{s.port}/v1/ask"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for s in (a, b)]
        outs = [p.communicate(timeout=seconds + 60)[0] for p in runs]
        window = time.monotonic() - t0
    finally:
        os.unlink(script)
    for p, out in zip(runs, outs):
        assert p.returncode == 0, out
    ok = ok_count(a) + ok_count(b) - before
    sent = sum(int(line.split()[0]) for out in outs for line in out.splitlines()
               if "requests in" in line)
    # The bucket starts full (BURST tokens) and refills at RATE/s while wrk runs; the window
    # measured here includes process start-up, so it is an upper bound of the load time.
    expected = RATE * seconds + BURST
    print(f"\nredis_limit: {seconds:g} s, offered {sent} requests ({sent / seconds:.0f}/s) "
          f"to 2 instances, {ok:.0f} answered 200 = {ok / seconds:.1f}/s "
          f"(limit {RATE}/s; expected {expected:.0f}, window {window:.2f} s)")
    assert sent > 2 * expected, "the load did not exceed the limit: the test proves nothing"
    # Never over: two separate limits would let about twice as many through.
    assert ok <= 1.02 * expected, (ok, expected, outs)
    # Under is a matter of capacity: a token that falls due while the bucket is full and
    # neither instance gets CPU is lost. bench/redis_limit.sh (a plain build, nothing else
    # running) holds 2 %; under `make check` (sanitizers, tests side by side) 75 %.
    floor = 0.98 if os.environ.get("AG_REDIS_LIMIT_STRICT") == "1" else 0.75
    assert ok >= floor * expected, (ok, expected, outs)
    for s in (a, b):
        assert s.proc.poll() is None
        text = s.request("GET", "/metrics", key=s.keys["admin"]).body.decode()
        assert metric(text, "agentgate_limit_redis_errors_total") == 0


def test_headers_and_redis_down(make_server, redis_server):
    s = make_server(redis_env(redis_server, AGENTGATE_RATE_PER_SEC="1",
                              AGENTGATE_RATE_BURST="3"))
    r = s.ask("Versand?")
    assert r.status == 200
    assert r.headers["ratelimit-limit"] == "3"
    assert r.headers["ratelimit-remaining"] == "2"
    assert 1 <= int(r.headers["ratelimit-reset"]) <= 3
    s.ask("Versand?")
    s.ask("Versand?")
    r = s.ask("Versand?")
    assert r.status == 429 and r.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(r.headers["retry-after"]) <= 1

    redis_server.stop()
    for _ in range(5):
        r = s.ask("Versand?", role="admin")
        assert r.status == 503
        assert r.json()["error"]["code"] == "limit_unavailable"
        assert r.headers["retry-after"] == "1"
        assert "ratelimit-limit" not in r.headers
    text = s.request("GET", "/metrics", key=s.keys["admin"]).body.decode()
    assert metric(text, "agentgate_limit_redis_errors_total") >= 5
    assert s.request("GET", "/healthz").status == 200
    assert "limit: redis error=" in s.read_log()

    redis_server.start()  # empty again: every bucket is full
    deadline = time.monotonic() + 10
    status = None
    while time.monotonic() < deadline:
        status = s.ask("Versand?", role="reviewer").status
        if status == 200:
            break
        time.sleep(0.2)
    assert status == 200


def test_fail_open(make_server, redis_server):
    s = make_server(redis_env(redis_server, AGENTGATE_LIMIT_ON_REDIS_ERROR="open",
                              AGENTGATE_RATE_PER_SEC="1", AGENTGATE_RATE_BURST="1"))
    redis_server.stop()
    assert [s.ask("Versand?").status for _ in range(3)] == [200, 200, 200]


def test_subject_and_ip_buckets_on_redis(make_server, redis_server):
    s = make_server(redis_env(redis_server, AGENTGATE_RATE_PER_SEC="0.01",
                              AGENTGATE_RATE_BURST="10",
                              AGENTGATE_LIMIT_SUBJECT_RATE="0.01",
                              AGENTGATE_LIMIT_SUBJECT_BURST="2",
                              AGENTGATE_LIMIT_IP_RATE="0.01", AGENTGATE_LIMIT_IP_BURST="5"))
    assert [s.ask("Versand?").status for _ in range(2)] == [200, 200]
    r = s.ask("Versand?")  # the subject refuses; neither key nor address is charged
    assert r.status == 429 and "subject limit" in r.json()["error"]["message"]
    assert r.headers["ratelimit-limit"] == "2"
    assert s.ask("Versand?", role="reviewer").status == 200  # address: 3 of 5 used
    bad = "agk_" + "0" * 16 + "_" + "0" * 64
    assert s.ask("Versand?", key=bad).status == 401  # 4 of 5
    assert s.ask("Versand?", role="admin").status == 200  # 5 of 5
    r = s.ask("Versand?", role="admin")
    assert r.status == 429 and "ip limit" in r.json()["error"]["message"]
    assert s.request("POST", "/v1/ask", {"question": "x"}).status == 429  # before auth too
