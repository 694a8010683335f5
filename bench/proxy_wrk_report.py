#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/proxy_wrk_report.py: the table of bench/proxy.sh from wrk's --latency outputs.

Usage: proxy_wrk_report.py DIR ROUNDS CLK_TCK
Reads DIR/wrk-A-<r>.txt (through agentgate) and DIR/wrk-B-<r>.txt (the mock directly) for
r = 1..ROUNDS, DIR/upstream-A-<r>.txt (chat requests the mock counted during run A r) and
DIR/cpu-{A,B}-<r>.txt ("AGENTGATE MOCK": CPU clock ticks each process used during the run).
Prints one line per round and the medians; ratios are A / B of the same round.
"""
import re
import statistics
import sys

UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def parse(path):
    text = open(path).read()
    out = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
           "requests": int(re.search(r"(\d+) requests in", text).group(1)),
           "non2xx": 0, "errors": 0}
    for p in ("50", "90", "99"):
        m = re.search(r"^\s+%s(?:\.000)?%%\s+([\d.]+)(us|ms|s|m)\s*$" % p, text, re.M)
        out["p" + p] = float(m.group(1)) * UNIT[m.group(2)]
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        out["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["errors"] = sum(int(x) for x in m.groups())
    return out


def main():
    d, rounds, tck = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rows, cpu = [], []
    print("round | A req/s | B req/s | A/B | A p50/p90/p99 ms | B p50/p90/p99 ms | p99 A/B | "
          "A non-2xx+errors | upstream calls during A")
    for r in range(1, rounds + 1):
        a, b = parse(f"{d}/wrk-A-{r}.txt"), parse(f"{d}/wrk-B-{r}.txt")
        up = open(f"{d}/upstream-A-{r}.txt").read().strip()
        rows.append((a, b))
        print(f"{r} | {a['rps']:.0f} | {b['rps']:.0f} | {a['rps'] / b['rps']:.2f} | "
              f"{a['p50']:.2f}/{a['p90']:.2f}/{a['p99']:.2f} | "
              f"{b['p50']:.2f}/{b['p90']:.2f}/{b['p99']:.2f} | {a['p99'] / b['p99']:.2f} | "
              f"{a['non2xx'] + a['errors']}+{b['non2xx'] + b['errors']} | "
              f"{up} for {a['requests']} answers")
        ca = [int(x) for x in open(f"{d}/cpu-A-{r}.txt").read().split()]
        cb = [int(x) for x in open(f"{d}/cpu-B-{r}.txt").read().split()]
        # CPU microseconds per answer: agentgate and the mock in A, the mock in B
        cpu.append((ca[0] * 1e6 / tck / a["requests"], ca[1] * 1e6 / tck / int(up),
                    cb[1] * 1e6 / tck / b["requests"]))

    def med(f):
        return statistics.median(f(a, b) for a, b in rows)
    print(f"median | {med(lambda a, b: a['rps']):.0f} | {med(lambda a, b: b['rps']):.0f} | "
          f"{med(lambda a, b: a['rps'] / b['rps']):.2f} | "
          f"{med(lambda a, b: a['p50']):.2f}/{med(lambda a, b: a['p90']):.2f}/"
          f"{med(lambda a, b: a['p99']):.2f} | "
          f"{med(lambda a, b: b['p50']):.2f}/{med(lambda a, b: b['p90']):.2f}/"
          f"{med(lambda a, b: b['p99']):.2f} | {med(lambda a, b: a['p99'] / b['p99']):.2f} | |")
    print("CPU us per answer (all threads, /proc/PID/stat): " + "; ".join(
        f"round {i + 1}: agentgate {c[0]:.0f}, mock in A {c[1]:.0f}, mock in B {c[2]:.0f}"
        for i, c in enumerate(cpu)))
    print("CPU us per answer, median: agentgate %.0f, mock in A %.0f, mock in B %.0f" % tuple(
        statistics.median(c[i] for c in cpu) for i in range(3)))


if __name__ == "__main__":
    sys.exit(main())
