#!/usr/bin/env python3
"""The reference for bench/guard.sh: the same rule set matched the common way, with
Python's re module over text normalised by unicodedata (NFKC, case folding, accents
stripped), one message at a time, as Python guard libraries scan with regular
expressions. It does less than agentgate's guard_in (no leetspeak, spacing, homoglyph or
decoding steps, no classifier, no PII), so the ratio understates agentgate's lead.

usage: guard_ref.py RULES.jsonl MESSAGES.jsonl [PASSES]   -> one JSON line: MB/s, p50/p99 us
"""
import json
import re
import sys
import time
import unicodedata


def normalise(text):
    t = unicodedata.normalize("NFKD", text.casefold())
    t = "".join(c for c in t if not unicodedata.combining(c))
    return " ".join(t.split())


def main():
    rules = [re.compile(json.loads(line)["re"], re.I | re.S)
             for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
    msgs = [json.loads(line)["text"] for line in open(sys.argv[2], encoding="utf-8")]
    passes = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    size = sum(len(m.encode()) for m in msgs)
    best, lat, hits = 0.0, [], 0
    for _ in range(passes):
        t0 = time.perf_counter()
        for m in msgs:
            s = time.perf_counter()
            n = normalise(m)
            hits += sum(1 for r in rules if r.search(n))
            lat.append(time.perf_counter() - s)
        best = max(best, size / 1e6 / (time.perf_counter() - t0))
    lat.sort()
    print(json.dumps({"messages": len(msgs), "bytes": size, "rules": len(rules),
                      "mb_per_s": round(best, 2), "p50_us": round(lat[len(lat) // 2] * 1e6, 1),
                      "p99_us": round(lat[len(lat) * 99 // 100] * 1e6, 1)}))


if __name__ == "__main__":
    main()
