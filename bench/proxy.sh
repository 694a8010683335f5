#!/usr/bin/env bash
# proxy.sh: agentgate in proxy mode (the openai backend) against the same mock upstream
# called directly, side by side in one run (issue 5).
#
#   1. tests/tools/mock_upstream.py on a free 127.0.0.1 port (Python, stdlib), and
#      build/default/agentgate serve with examples/shop ingested into build/bench/proxy/data,
#      one upstream "a" = the mock's /a/v1, the per-key rate limit raised out of the way
#   2. wrk -t1 -c8 -d10s --latency, non-streaming POST /v1/chat/completions (bench/proxy_chat.lua):
#      (A) through agentgate, (B) the same body to the mock's /a/v1/chat/completions;
#      alternating A, B, A, B, A, B; the mock's own count of chat requests checks that every
#      answer of A came from the upstream (not the extractive fall-back); the CPU time
#      agentgate and the mock used (/proc/PID/stat) per answer shows who is the bottleneck
#   3. bench/proxy_ttft.py: N sequential streaming requests alternating A and B; time from
#      sending to the first SSE event with content; the difference is the time agentgate adds
# Prints per-round lines, the medians and the ratios A/B; the raw outputs stay in build/bench/proxy.
#
# Usage: bench/proxy.sh [ROUNDS] [N]     # wrk rounds (default 3), TTFT requests (default 1000)
#        PROXY_WRK="-t1 -c8 -d10s" bench/proxy.sh
#        AGENTGATE_BIN=/tmp/base/build/default/agentgate PROXY_OUT=build/bench/proxy-base \
#            bench/proxy.sh      # another build (A/B against an older commit), its own output
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bin="${AGENTGATE_BIN:-$repo/build/default/agentgate}"
out="${PROXY_OUT:-$repo/build/bench/proxy}"
rounds="${1:-3}"
n="${2:-1000}"
read -r -a wrk_opts <<< "${PROXY_WRK:--t1 -c8 -d10s}"
py=/usr/bin/python3
reply="Der Versand nach Österreich dauert 3 bis 5 Werktage [1]."
[ -x "$bin" ] || { echo "proxy.sh: build first (make)" >&2; exit 1; }
command -v wrk > /dev/null || { echo "proxy.sh: wrk is missing (scripts/setup.sh)" >&2; exit 1; }

mock_pid=""
ag_pid=""
cleanup() {
    local p
    for p in $ag_pid $mock_pid; do
        kill -TERM "$p" 2> /dev/null || true
    done
    for _ in $(seq 50); do # 5 s for both to exit, then SIGKILL
        kill -0 $ag_pid $mock_pid 2> /dev/null || break
        sleep 0.1
    done
    for p in $ag_pid $mock_pid; do
        kill -KILL "$p" 2> /dev/null || true
        wait "$p" 2> /dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cpu_ticks PID: user + system CPU time of a process, all its threads, in clock ticks
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# mock_call METHOD PATH: the mock's control endpoints (/_reset, /_stats)
mock_call() {
    "$py" - "$mock_port" "$1" "$2" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request(sys.argv[2], sys.argv[3])
o = json.loads(c.getresponse().read() or b"{}")
if sys.argv[3] == "/_stats":
    print(o["requests"].get("/a/v1/chat/completions", 0))
PY
}

rm -rf "$out"
mkdir -p "$out"
"$bin" ingest "$repo/examples/shop" --data "$out/data" > "$out/ingest.log" 2>&1
key=$("$bin" keys create --role client --data "$out/data" 2>> "$out/ingest.log")

"$py" "$repo/tests/tools/mock_upstream.py" --port 0 --reply "$reply" > "$out/mock.out" 2>&1 &
mock_pid=$!
mock_port=""
for _ in $(seq 100); do # 10 s at most
    mock_port=$(sed -n 's/^PORT //p' "$out/mock.out")
    [ -n "$mock_port" ] && break
    sleep 0.1
done
[ -n "$mock_port" ] || { echo "proxy.sh: the mock did not start" >&2; exit 1; }

ag_port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
AGENTGATE_LLM_BACKENDS=openai,extractive \
    AGENTGATE_LLM_UPSTREAM="a http://127.0.0.1:$mock_port/a/v1 mock-a" \
    AGENTGATE_LLM_MODEL_NAME=shop-assistant \
    AGENTGATE_UPSTREAM_HEALTH_S=0 \
    AGENTGATE_RATE_PER_SEC=1e6 AGENTGATE_RATE_BURST=1e6 \
    AGENTGATE_LOG_LEVEL=warn \
    "$bin" serve --data "$out/data" --listen "127.0.0.1:$ag_port" > "$out/server.log" 2>&1 &
ag_pid=$!
ready=""
for _ in $(seq 300); do # 30 s at most
    if "$py" -c 'import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=1)
c.request("GET", "/readyz")
sys.exit(c.getresponse().status != 200)' "$ag_port" 2> /dev/null; then
        ready=1
        break
    fi
    kill -0 "$ag_pid" 2> /dev/null || break
    sleep 0.1
done
[ -n "$ready" ] || { echo "proxy.sh: agentgate did not become ready:" >&2; cat "$out/server.log" >&2; exit 1; }

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk ${wrk_opts[*]} --latency; mock on :$mock_port, agentgate on :$ag_port"

# Warm-up: both paths, unrecorded (connections to the upstream, first allocations).
AG_BENCH_KEY="$key" wrk -t1 -c8 -d2s -s "$here/proxy_chat.lua" \
    "http://127.0.0.1:$ag_port/v1/chat/completions" > "$out/wrk-warmup-A.txt"
wrk -t1 -c8 -d2s -s "$here/proxy_chat.lua" \
    "http://127.0.0.1:$mock_port/a/v1/chat/completions" > "$out/wrk-warmup-B.txt"

for r in $(seq "$rounds"); do
    mock_call POST /_reset
    a0=$(cpu_ticks "$ag_pid") m0=$(cpu_ticks "$mock_pid")
    AG_BENCH_KEY="$key" wrk "${wrk_opts[@]}" --latency -s "$here/proxy_chat.lua" \
        "http://127.0.0.1:$ag_port/v1/chat/completions" > "$out/wrk-A-$r.txt"
    echo "$(($(cpu_ticks "$ag_pid") - a0)) $(($(cpu_ticks "$mock_pid") - m0))" > "$out/cpu-A-$r.txt"
    mock_call GET /_stats > "$out/upstream-A-$r.txt"
    m0=$(cpu_ticks "$mock_pid")
    wrk "${wrk_opts[@]}" --latency -s "$here/proxy_chat.lua" \
        "http://127.0.0.1:$mock_port/a/v1/chat/completions" > "$out/wrk-B-$r.txt"
    echo "0 $(($(cpu_ticks "$mock_pid") - m0))" > "$out/cpu-B-$r.txt"
done
echo "== requests/s and latency (A: through agentgate, B: the mock directly)"
"$py" "$here/proxy_wrk_report.py" "$out" "$rounds" "$(getconf CLK_TCK)"

echo "== time to first token, $n streaming requests each, alternating"
ttft=$("$py" "$here/proxy_ttft.py" --agentgate "$ag_port" --key "$key" --mock "$mock_port" --n "$n")
echo "$ttft" | tee "$out/ttft.json"
"$py" - "$ttft" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
a, b = o["agentgate"], o["direct"]
print(f"first token: agentgate median {a['median_ms']} ms, p99 {a['p99_ms']} ms; direct median "
      f"{b['median_ms']} ms, p99 {b['p99_ms']} ms; added median {o['added_median_ms']} ms "
      f"(pairwise {o['pairwise_added_median_ms']} ms), added p99 {o['added_p99_ms']} ms")
PY
if grep -qi "error" "$out/server.log"; then
    echo "proxy.sh: the server logged errors (build/bench/proxy/server.log)" >&2
fi
