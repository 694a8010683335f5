#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ask_ab.sh: POST /v1/ask (the extractive backend, examples/shop) through two agentgate builds,
# alternating A, B, A, B ... For each run: a fresh data dir in build/bench/ask/<A|B>, a new
# client key, `serve` on a free 127.0.0.1 port, a 2 s wrk warm-up, then
# wrk -t1 -c8 -d10s (bench/ask.lua); prints requests/s, non-2xx and the server's CPU time
# (/proc/PID/stat, all threads) per answer.
#
# Usage: bench/ask_ab.sh BIN_A BIN_B [ROUNDS]     # e.g. an older commit's build against ours
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
tck=$(getconf CLK_TCK)
run_one() { # label bin
    local label=$1 bin=$2 d=$repo/build/bench/ask/$1
    rm -rf "$d"; mkdir -p "$d"
    "$bin" ingest "$repo/examples/shop" --data "$d/data" > "$d/ingest.log" 2>&1
    local key; key=$("$bin" keys create --role client --data "$d/data" 2>> "$d/ingest.log")
    local port; port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    AGENTGATE_LLM_BACKENDS=extractive AGENTGATE_RATE_PER_SEC=1e6 AGENTGATE_RATE_BURST=1e6 \
        AGENTGATE_LOG_LEVEL=warn "$bin" serve --data "$d/data" --listen "127.0.0.1:$port" > "$d/server.log" 2>&1 &
    local pid=$!
    for _ in $(seq 300); do
        python3 -c 'import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=1)
c.request("GET", "/readyz"); sys.exit(c.getresponse().status != 200)' "$port" 2>/dev/null && break
        sleep 0.1
    done
    AG_BENCH_KEY=$key wrk -t1 -c8 -d2s -s "$here/ask.lua" "http://127.0.0.1:$port/v1/ask" > /dev/null
    local c0; c0=$(awk '{print $14+$15}' /proc/$pid/stat)
    AG_BENCH_KEY=$key wrk -t1 -c8 -d10s -s "$here/ask.lua" "http://127.0.0.1:$port/v1/ask" > "$d/wrk.txt"
    local c1; c1=$(awk '{print $14+$15}' /proc/$pid/stat)
    kill -TERM $pid; wait $pid 2>/dev/null || true
    local rps req non
    rps=$(sed -n 's/^Requests\/sec:\s*//p' "$d/wrk.txt")
    req=$(grep -o '[0-9]* requests in' "$d/wrk.txt" | cut -d' ' -f1)
    non=$(sed -n 's/^\s*Non-2xx or 3xx responses:\s*//p' "$d/wrk.txt")
    echo "$label rps=$rps requests=$req non2xx=${non:-0} cpu_us_per_answer=$(awk -v t=$((c1-c0)) -v n=$req -v k=$tck 'BEGIN{printf "%.0f", t*1e6/k/n}')"
}
for _ in $(seq "${3:-3}"); do
    run_one A "$1"; run_one B "$2"
done
