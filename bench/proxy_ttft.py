#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/proxy_ttft.py: time to first token through agentgate (A) and straight to the mock
upstream (B), side by side in one run.

Sends N streaming chat requests to each, alternating A, B, A, B (one request at a time, each
target on its own keep-alive connection), after W unrecorded warm-up pairs. A request's time
runs from just before the request is written to the first SSE "data:" line whose
choices[0].delta.content is non-empty (agentgate's opening role event carries "" and does
not count). From agentgate's last event it also collects agentgate.stages (ms per stage
before generation) and generation.first_token_ms (agentgate's own clock: the upstream's first
piece, as it measures it).

Usage: proxy_ttft.py --agentgate PORT --key KEY --mock PORT [--n 200] [--warmup 20]
Prints one JSON line.
"""
import argparse
import http.client
import json
import statistics
import sys
import time

BODY = {"model": "shop-assistant", "temperature": 0, "stream": True,
        "messages": [{"role": "user", "content": "Wie lange dauert der Versand nach Österreich?"}]}
TIMEOUT_S = 10


def pct(xs, p):
    """Nearest-rank percentile of xs (p in 0..100)."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


class Target:
    def __init__(self, port, path, key):
        self.port, self.path = port, path
        self.headers = {"Content-Type": "application/json"}
        if key:
            self.headers["Authorization"] = "Bearer " + key
        self.conn = None
        self.body = json.dumps(BODY).encode()

    def once(self):
        """(seconds to the first content, the last event's JSON object or None)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_S)
            self.conn.connect()
        t0 = time.perf_counter()
        self.conn.request("POST", self.path, body=self.body, headers=self.headers)
        r = self.conn.getresponse()
        if r.status != 200:
            raise RuntimeError(f"port {self.port}: status {r.status}: {r.read()[:200]!r}")
        first, last = None, None
        for _ in range(10000):  # bounded: the mock's answer has a dozen events
            line = r.readline()
            if not line:
                break
            if not line.startswith(b"data: "):
                continue
            data = line[6:].strip()
            if data == b"[DONE]":
                continue
            ev = json.loads(data)
            if first is None:
                ch = ev.get("choices") or [{}]
                if (ch[0].get("delta") or {}).get("content"):
                    first = time.perf_counter() - t0
            last = ev
        r.read()
        if r.will_close:
            self.conn.close()
            self.conn = None
        if first is None:
            raise RuntimeError(f"port {self.port}: no content in the stream")
        return first, last


def summary(xs_ms):
    return {"median_ms": round(statistics.median(xs_ms), 3), "p90_ms": round(pct(xs_ms, 90), 3),
            "p99_ms": round(pct(xs_ms, 99), 3), "min_ms": round(min(xs_ms), 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agentgate", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--mock", type=int, required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    args = ap.parse_args()
    a = Target(args.agentgate, "/v1/chat/completions", args.key)
    b = Target(args.mock, "/a/v1/chat/completions", None)
    ta, tb, stages, upstream_ft = [], [], {}, []
    for i in range(args.warmup + args.n):
        fa, last = a.once()
        fb, _ = b.once()
        if i < args.warmup:
            continue
        ta.append(fa * 1e3)
        tb.append(fb * 1e3)
        ag = (last or {}).get("agentgate") or {}
        gen = ag.get("generation") or {}
        if gen.get("backend") != "openai":
            raise RuntimeError(f"agentgate answered with backend {gen.get('backend')!r}")
        upstream_ft.append(float(gen.get("first_token_ms", 0)))
        for st in ag.get("stages") or []:
            stages.setdefault(st["name"], []).append(float(st["ms"]))
    diffs = [x - y for x, y in zip(ta, tb)]
    out = {"n": args.n, "agentgate": summary(ta), "direct": summary(tb),
           "added_median_ms": round(statistics.median(ta) - statistics.median(tb), 3),
           "added_p99_ms": round(pct(ta, 99) - pct(tb, 99), 3),
           "pairwise_added_median_ms": round(statistics.median(diffs), 3),
           "generation_first_token_ms": summary(upstream_ft),
           "stages_median_ms": {k: round(statistics.median(v), 4) for k, v in stages.items()}}
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
