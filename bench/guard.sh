#!/usr/bin/env bash
# guard.sh: speed of the input guard on 1 KB chat messages, on one core, side by side with
# a reference in the same run.
#
#   1. bench/gen_messages.py --n 2000 --seed 7 -> build/bench/guard/messages.jsonl
#      (1 KB messages: English bitext utterances or German GermEval sentences; one in four
#      with personal data, one in ten with an override attempt)
#   2. taskset -c 0 build/default/guard_bench messages.jsonl 5
#      MB/s of normalise, inject (the whole injection scan), pii and guard_in (all of it
#      as the stage runs it, placeholders through the vault), p50/p99 us of guard_in
#   3. taskset -c 0 python3 bench/guard_ref.py rules.jsonl messages.jsonl 3
#      the same rule set with Python's re over unicodedata-normalised text
# Prints both JSON lines and the ratio guard_in MB/s / reference MB/s.
#
# Usage: bench/guard.sh [N]     # N messages, default 2000
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bin="$repo/build/default/guard_bench"
out="$repo/build/bench/guard"
n="${1:-2000}"
[ -x "$bin" ] || { echo "guard.sh: build first (make)" >&2; exit 1; }
mkdir -p "$out"
/usr/bin/python3 "$here/gen_messages.py" --n "$n" --seed 7 > "$out/messages.jsonl"
"$bin" --rules > "$out/rules.jsonl"
ag=$(taskset -c 0 "$bin" "$out/messages.jsonl" 5)
ref=$(taskset -c 0 /usr/bin/python3 "$here/guard_ref.py" "$out/rules.jsonl" "$out/messages.jsonl" 3)
echo "agentgate: $ag"
echo "reference: $ref"
/usr/bin/python3 - "$ag" "$ref" <<'PY'
import json, sys
a, r = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"guard_in {a['guard_in_mb_per_s']} MB/s vs reference {r['mb_per_s']} MB/s: "
      f"ratio {a['guard_in_mb_per_s'] / r['mb_per_s']:.1f}x; "
      f"p99 {a['guard_in_p99_us']} us vs {r['p99_us']} us")
PY
