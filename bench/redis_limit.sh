#!/usr/bin/env bash
# redis_limit.sh: two agentgate instances sharing one Redis hold one key's 100 requests/s
# limit (issue 6, limit_backend = redis). Runs tests/e2e/test_redis_limit.py's load test for
# SECONDS (default 10) ROUNDS times (default 3): a loopback redis-server on a free port,
# two `agentgate serve` on free ports with rate_per_sec = 100, rate_burst = 10 and the same
# key, and one `wrk -t1 -c4` against each instance at once (far above the limit). The 200s
# of both instances (/metrics) against 100 * SECONDS + 10 expected; the test fails past 2 %.
#
# Usage: bench/redis_limit.sh [SECONDS] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bin="$repo/build/default/agentgate"
seconds="${1:-10}"
rounds="${2:-3}"
[ -x "$bin" ] || { echo "redis_limit.sh: build first (make)" >&2; exit 1; }
command -v wrk > /dev/null || { echo "redis_limit.sh: wrk is missing (scripts/setup.sh)" >&2; exit 1; }
for ((i = 1; i <= rounds; i++)); do
    AGENTGATE_BIN="$bin" AG_SOURCE_DIR="$repo" AG_REDIS_LIMIT_SECONDS="$seconds" AG_REDIS_LIMIT_STRICT=1 \
        timeout $((seconds + 120)) /usr/bin/python3 -m pytest -q -s -p no:cacheprovider \
        "$repo/tests/e2e/test_redis_limit.py" -k two_instances |
        grep -E '^redis_limit:|passed|failed' | sed "s/^/round $i: /"
done
