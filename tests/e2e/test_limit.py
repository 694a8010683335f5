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
